"""The named gate predicates of the stage machines.

`salesops.schema` declares, per register and target state, the names of the
gates a record must pass to enter that state; this module implements them.
Each gate takes the `Move` under way and yields one sentence per unmet
condition (nothing when the gate holds), so a refusal can list them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from salesops.core import contracts, quotes
from salesops.core.links import Tables, money_text, related, state_text
from salesops.core.model import Move
from salesops.schema import REASON_FIELDS

Gate = Callable[[Move], Iterator[str]]
GATES: dict[str, Gate] = {}


def gate(fn: Gate) -> Gate:
    """Register `fn` under its own name (the name the schema uses)."""
    GATES[fn.__name__] = fn
    return fn


def _statuses(
    tables: Tables, register: str, field: str, value: str
) -> list[tuple[str, str | None]]:
    """(id, status) of the records of `register` whose `field` is `value`."""
    table = tables(register)
    status = table.register.machine.field
    return [
        (table.id_of(j) or "?", table.get(j, status))
        for j in related(tables, register, field, value)
    ]


def _listing(pairs: list[tuple[str, Any]]) -> str:
    return ", ".join(f"{rid} is {state or 'without status'}" for rid, state in pairs)


# ---------------------------------------------------------------- common


@gate
def has_reason(m: Move) -> Iterator[str]:
    """A reason is given (--reason, or the reason column already holds one)."""
    column = REASON_FIELDS.get((m.register, m.target))
    if not m.reason and not (column and m.record.get(column)):
        yield "needs a reason (--reason TEXT)"


# ---------------------------------------------------------------- leads


@gate
def lead_has_company(m: Move) -> Iterator[str]:
    if not m.record["company"]:
        yield "needs company (--set company=NAME)"


@gate
def lead_has_contact(m: Move) -> Iterator[str]:
    rec = m.record
    if not rec["phone"] and not rec["email"]:
        yield "needs a phone or an email (--set phone=… or --set email=…)"


@gate
def lead_has_owner(m: Move) -> Iterator[str]:
    if not m.record["owner"]:
        yield "needs an owner (--set owner=REP, or salesops lead assign)"


@gate
def lead_min_score(m: Move) -> Iterator[str]:
    minimum = m.settings.get("lead.qualify_min_score") or 0
    if not minimum:
        return
    score = m.record["score"]
    if score is None:
        yield f"needs a score of at least {minimum} (no score yet: run salesops lead score {m.record_id})"
    elif score < minimum:
        yield f"needs a score of at least {minimum} (lead.qualify_min_score), it has {score}"


# ---------------------------------------------------------------- opportunities


@gate
def opp_has_account(m: Move) -> Iterator[str]:
    account = m.record["account_id"]
    if not account:
        yield "needs account_id (--set account_id=A-…)"
    elif m.tables("accounts").find(account) is None:
        yield f"its account {account} is not in {m.tables('accounts').file}"


@gate
def opp_has_owner(m: Move) -> Iterator[str]:
    if not m.record["owner"]:
        yield "needs an owner (--set owner=REP)"


@gate
def opp_amount_positive(m: Move) -> Iterator[str]:
    amount = m.record["amount"]
    if amount is None or amount <= 0:
        yield f"needs amount above 0 (it is {money_text(amount)}; --set amount=X)"


@gate
def opp_close_after_created(m: Move) -> Iterator[str]:
    rec = m.record
    if rec["expected_close"] is None:
        yield "needs expected_close (--set expected_close=DATE)"
    elif rec["created_on"] is not None and rec["expected_close"] < rec["created_on"]:
        yield f"expected_close {rec['expected_close']} is before created_on {rec['created_on']}"


def _quote_in(m: Move, wanted: tuple[str, ...], words: str) -> Iterator[str]:
    pairs = _statuses(m.tables, "quotes", "opportunity_id", m.record_id)
    if any(state in wanted for _, state in pairs):
        return
    if not pairs:
        yield f"needs a quote in {words} (it has none: salesops quote create {m.record_id} --list-amount X)"
    else:
        yield f"needs a quote in {words} ({_listing(pairs)})"


@gate
def opp_quote_approved_or_sent(m: Move) -> Iterator[str]:
    """ATB: a quote approved or sent (an accepted quote has been both)."""
    yield from _quote_in(m, ("approved", "sent", "accepted"), "approved or sent")


@gate
def opp_quote_sent(m: Move) -> Iterator[str]:
    """A quote sent to the customer (an accepted quote has been sent)."""
    yield from _quote_in(m, ("sent", "accepted"), "sent")


@gate
def opp_contract_signed(m: Move) -> Iterator[str]:
    """ATC: a signed contract of this opportunity."""
    pairs = _statuses(m.tables, "contracts", "opportunity_id", m.record_id)
    if not any(state in ("signed", "executing", "completed") for _, state in pairs):
        detail = _listing(pairs) if pairs else "it has none"
        yield f"needs a signed contract ({detail}); signing a contract moves it to won"


# ---------------------------------------------------------------- quotes


@gate
def quote_approval(m: Move) -> Iterator[str]:
    """Draft → approved only without approval needs; pending_approval → approved needs --by."""
    reasons = quotes.approval_reasons(m.record, m.settings)
    why = "; ".join(reasons)
    if m.source == "pending_approval":
        if not m.by:
            yield f"approving needs the approver: --by NAME{f' ({why})' if why else ''}"
    elif reasons:
        yield f"needs approval ({why}): move it to pending_approval, then approve with --by APPROVER"


@gate
def quote_within_validity(m: Move) -> Iterator[str]:
    until = m.record["valid_until"]
    if until is None:
        yield "needs valid_until (--set valid_until=DATE)"
    elif m.on > until:
        yield (
            f"the quote expired: valid_until {until} is before {m.on}; "
            f"make a new version with salesops quote create {m.record['opportunity_id'] or 'OPP-ID'}"
        )


@gate
def quote_single_accepted(m: Move) -> Iterator[str]:
    oid = m.record["opportunity_id"]
    for rid, state in _statuses(m.tables, "quotes", "opportunity_id", oid or ""):
        if state == "accepted" and rid != m.record_id:
            yield f"{rid} is already the accepted quote of {oid}"


# ---------------------------------------------------------------- contracts


@gate
def contract_reviewer(m: Move) -> Iterator[str]:
    if not m.by:
        yield "signing needs the reviewer: --by NAME"


@gate
def contract_amount_matches_quote(m: Move) -> Iterator[str]:
    rec = m.record
    if not rec["quote_id"]:
        return
    found = contracts.accepted_quote(m.tables, rec)
    if found is None:
        yield f"its quote {rec['quote_id']} is not in {m.tables('quotes').file}"
        return
    qt, qi = found
    status = qt.get(qi, "status")
    if status != "accepted":
        qid = rec["quote_id"]
        yield f"{state_text(f'its quote {qid}', status)}, not accepted"
    if rec["amount"] != qt.get(qi, "amount"):
        yield contracts.describe_amount_mismatch(
            rec["amount"], rec["quote_id"], qt.get(qi, "amount")
        )


@gate
def contract_terms_valid(m: Move) -> Iterator[str]:
    try:
        contracts.parse_terms(m.record["payment_terms"], m.settings)
    except contracts.BadTerms as exc:
        yield f"{exc} (--set payment_terms=…)"


@gate
def contract_opportunity_open(m: Move) -> Iterator[str]:
    oid = m.record["opportunity_id"]
    opps = m.tables("opportunities")
    oi = opps.find(oid) if oid else None
    if oi is None:
        yield f"its opportunity {oid or '(none)'} is not in {opps.file}"
    elif opps.get(oi, "stage") == "lost":
        yield f"its opportunity {oid} is lost"


@gate
def contract_no_plan_yet(m: Move) -> Iterator[str]:
    """Signing writes the receivables plan: refuse rather than bill twice."""
    existing = contracts.live_receivables(m.tables, m.record_id)
    if existing:
        ids = ", ".join(m.tables("receivables").id_of(j) or "?" for j in existing)
        yield f"it already has receivables ({ids}); cancel them first"


@gate
def contract_delivery_shipped(m: Move) -> Iterator[str]:
    pairs = _statuses(m.tables, "deliveries", "contract_id", m.record_id)
    if not any(state in ("shipped", "delivered", "accepted") for _, state in pairs):
        detail = _listing(pairs) if pairs else f"it has none: salesops delivery add {m.record_id}"
        yield f"needs a shipped delivery ({detail})"


@gate
def contract_all_accepted(m: Move) -> Iterator[str]:
    pending = [
        (rid, s)
        for rid, s in _statuses(m.tables, "deliveries", "contract_id", m.record_id)
        if s != "accepted"
    ]
    if pending:
        yield f"needs every delivery accepted ({_listing(pending)})"


@gate
def contract_all_settled(m: Move) -> Iterator[str]:
    table = m.tables("receivables")
    open_ = []
    for j in related(m.tables, "receivables", "contract_id", m.record_id):
        status = table.get(j, "status")
        if status not in ("paid", "written_off", "cancelled"):
            owed = (table.get(j, "amount") or 0) - (table.get(j, "collected_amount") or 0)
            open_.append(f"{table.id_of(j)} is {status}, {money_text(owed)} outstanding")
    if open_:
        yield f"needs every receivable paid, written off or cancelled ({', '.join(open_)})"


# ---------------------------------------------------------------- deliveries

_DELIVERY_DATES = ("shipped_on", "delivered_on", "accepted_on")


@gate
def delivery_contract_signed(m: Move) -> Iterator[str]:
    cid = m.record["contract_id"]
    table = m.tables("contracts")
    ci = table.find(cid) if cid else None
    if ci is None:
        yield f"its contract {cid or '(none)'} is not in {table.file}"
    elif table.get(ci, "status") not in ("signed", "executing"):
        yield f"{state_text(f'its contract {cid}', table.get(ci, 'status'))}: only a signed contract ships"


@gate
def delivery_dates_in_order(m: Move) -> Iterator[str]:
    rec = m.record
    dated = [(name, rec[name]) for name in _DELIVERY_DATES if rec[name] is not None]
    for (a, da), (b, db) in zip(dated, dated[1:], strict=False):
        if db < da:
            yield f"{b} {db} is before {a} {da}"


@gate
def delivery_csat_valid(m: Move) -> Iterator[str]:
    csat = m.record["csat"]
    if csat is not None and not 1 <= csat <= 5:
        yield f"csat must be 1 to 5, not {csat}"


# ---------------------------------------------------------------- receivables

_TRIGGER_HINTS = {
    "advance": "at contract signing",
    "delivery": "when the contract's last delivery is delivered",
    "acceptance": "when the contract's last delivery is accepted",
    "retention": "contract.retention_months after acceptance",
}


@gate
def receivable_triggered(m: Move) -> Iterator[str]:
    """Only a triggered milestone is invoiced, on or after its trigger date."""
    rec = m.record
    triggered = rec["triggered_on"]
    what = f"the {rec['milestone']} milestone" if rec["milestone"] else "the milestone"
    if triggered is None:
        hint = _TRIGGER_HINTS.get(rec["milestone"] or "")
        how = (
            f"it triggers {hint}"
            if hint
            else f"set it: salesops advance {m.record_id} invoiced --set triggered_on=DATE --set invoice_no=NO"
        )
        yield f"{what} is not triggered yet ({how})"
    elif triggered > m.on:
        yield f"{what} is triggered on {triggered}, after the invoice date {m.on}"


@gate
def receivable_has_invoice_no(m: Move) -> Iterator[str]:
    if not m.record["invoice_no"]:
        yield "needs an invoice number (--invoice-no NO)"
