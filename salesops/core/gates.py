"""The named gate predicates of the stage machines.

`salesops.schema` declares, per register and target state, the names of the
gates a record must pass to enter that state; this module implements them.
Each gate takes the `Move` under way and yields one sentence per unmet
condition (nothing when the gate holds), so a refusal can list them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from salesops.core import contracts, credit, deciders, quotes
from salesops.core.links import (
    Tables,
    field_label,
    money_text,
    refusal,
    related,
    state_name,
    state_text,
)
from salesops.core.model import Move, Records
from salesops.i18n import N_, _, current, joined
from salesops.problems import Problem
from salesops.schema import REASON_FIELDS, REGISTERS

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


def _listing(register: str, pairs: list[tuple[str, Any]]) -> str:
    return ", ".join(
        _("{id} is {state}").format(id=rid, state=state_name(register, state))
        for rid, state in pairs
    )


def field_name(m: Move, name: str) -> str:
    """Field `name` of the moving record as its register's header writes it (关闭日期 in a Chinese header)."""
    return field_label(m.table, name)


# ---------------------------------------------------------------- fields a passed gate fixes


def fixed_refusals(
    table: Records, i: int, sets: dict[str, Any], target: str | None = None
) -> list[Problem]:
    """`advance --set` values for fields a passed gate fixed (`schema.FIXED`, `edits.fixed_way`: the rule
    `set` and the hand-edit checks follow), refused naming the way to do it.

    Only fields that stay fixed in `target` count: a quote moved back to draft is repriced."""
    from salesops.core.edits import fixed_way

    register = table.register
    state = table.get(i, register.machine.field) if register.machine else None
    record_id = table.id_of(i) or ""
    out = []
    for name, value in sets.items():
        way = fixed_way(register.name, name, state)
        if (
            way is None
            or value == table.get(i, name)
            or not fixed_way(register.name, name, target or state)
        ):
            continue
        text = _("{id} is {state}: {field} is {way}").format(
            id=record_id,
            state=state_name(register.name, state) if state else "-",
            field=field_label(table, name),
            way=_(way).format(id=record_id),
        )
        out.append(refusal(table, i, text, "not-editable", name))
    return out


# ---------------------------------------------------------------- common


@gate
def has_reason(m: Move) -> Iterator[str]:
    """A reason is given (--reason, or the reason column already holds one)."""
    column = REASON_FIELDS.get((m.register, m.target))
    if not m.reason and not (column and m.record.get(column)):
        yield _("needs a reason (--reason TEXT)")


# ---------------------------------------------------------------- leads


@gate
def lead_has_company(m: Move) -> Iterator[str]:
    if not m.record["company"]:
        yield _("needs {field} (--set {code}={what})").format(
            field=field_name(m, "company"), code="company", what="NAME"
        )


@gate
def lead_has_contact(m: Move) -> Iterator[str]:
    rec = m.record
    if not rec["phone"] and not rec["email"]:
        yield _("needs a phone or an email (--set phone=… or --set email=…)")


@gate
def lead_has_owner(m: Move) -> Iterator[str]:
    if not m.record["owner"]:
        yield _("needs an owner (--set owner=REP, or salesops lead assign)")


@gate
def lead_min_score(m: Move) -> Iterator[str]:
    minimum = m.settings.get("lead.qualify_min_score") or 0
    if not minimum:
        return
    score = m.record["score"]
    if score is None:
        yield _(
            "needs a score of at least {minimum} (no score yet: run salesops lead score {id})"
        ).format(minimum=minimum, id=m.record_id)
    elif score < minimum:
        yield _(
            "needs a score of at least {minimum} (lead.qualify_min_score), it has {score}"
        ).format(minimum=minimum, score=score)


# ---------------------------------------------------------------- opportunities


@gate
def opp_has_account(m: Move) -> Iterator[str]:
    account = m.record["account_id"]
    if not account:
        yield _("needs {field} (--set {code}={what})").format(
            field=field_name(m, "account_id"), code="account_id", what="A-…"
        )
    elif m.tables("accounts").find(account) is None:
        yield _("its account {id} is not in {file}").format(
            id=account, file=m.tables("accounts").file
        )


@gate
def opp_has_owner(m: Move) -> Iterator[str]:
    if not m.record["owner"]:
        yield _("needs an owner (--set owner=REP)")


@gate
def opp_amount_positive(m: Move) -> Iterator[str]:
    amount = m.record["amount"]
    if amount is None or amount <= 0:
        yield _("needs {field} above 0 (it is {amount}; --set amount=X)").format(
            field=field_name(m, "amount"), amount=money_text(amount)
        )


@gate
def opp_close_after_created(m: Move) -> Iterator[str]:
    rec = m.record
    if rec["expected_close"] is None:
        yield _("needs {field} (--set {code}={what})").format(
            field=field_name(m, "expected_close"), code="expected_close", what="DATE"
        )
    elif rec["created_on"] is not None and rec["expected_close"] < rec["created_on"]:
        yield _(BEFORE).format(
            later=field_name(m, "expected_close"),
            later_day=rec["expected_close"],
            earlier=field_name(m, "created_on"),
            earlier_day=rec["created_on"],
        )


def _quote_in(m: Move, wanted: tuple[str, ...], words: str) -> Iterator[str]:
    pairs = _statuses(m.tables, "quotes", "opportunity_id", m.record_id)
    if any(state in wanted for _id, state in pairs):
        return
    if not pairs:
        yield _(
            "needs a quote in {states} (it has none: salesops quote create {id} --list-amount X)"
        ).format(states=_(words), id=m.record_id)
    else:
        yield _("needs a quote in {states} ({listing})").format(
            states=_(words), listing=_listing("quotes", pairs)
        )


@gate
def opp_quote_approved_or_sent(m: Move) -> Iterator[str]:
    """ATB: a quote approved or sent (an accepted quote has been both)."""
    yield from _quote_in(m, ("approved", "sent", "accepted"), N_("approved or sent"))


@gate
def opp_quote_sent(m: Move) -> Iterator[str]:
    """A quote sent to the customer (an accepted quote has been sent)."""
    yield from _quote_in(m, ("sent", "accepted"), N_("sent"))


@gate
def opp_contract_signed(m: Move) -> Iterator[str]:
    """ATC: a signed contract of this opportunity."""
    pairs = _statuses(m.tables, "contracts", "opportunity_id", m.record_id)
    if not any(state in ("signed", "executing", "completed") for _id, state in pairs):
        detail = _listing("contracts", pairs) if pairs else _("it has none")
        yield _("needs a signed contract ({detail}); signing a contract moves it to won").format(
            detail=detail
        )


# ---------------------------------------------------------------- quotes


@gate
def quote_approval(m: Move) -> Iterator[str]:
    """Draft → approved only without approval needs; pending_approval → approved is decided by
    `--by` someone other than the quote's owner whose role may approve it (`quotes.approval_decision`)."""
    reasons = quotes.approval_reasons(m.record, m.settings)
    why = joined(reasons)
    if m.source == "pending_approval":
        decision = quotes.approval_decision(m.record, m.settings)
        owner = quotes.owner_of(m.tables, m.record)
        said = _("approving needs the approver: --by NAME")
        missing = _("{message} ({why})").format(message=said, why=why) if why else said
        what = _("approve {id}").format(id=m.record_id) + (f" ({why})" if why else "")
        yield from deciders.unmet(m.tables, decision, m.by, owner, what, missing)
    elif reasons:
        yield _(
            "needs approval ({why}): move it to pending_approval, then approve with --by APPROVER"
        ).format(why=why)


@gate
def quote_within_validity(m: Move) -> Iterator[str]:
    until = m.record["valid_until"]
    if until is None:
        yield _("needs {field} (--set {code}={what})").format(
            field=field_name(m, "valid_until"), code="valid_until", what="DATE"
        )
    elif m.on > until:
        yield _(
            "the quote expired: {field} {until} is before {day}; make a new version with salesops quote create {opportunity}"
        ).format(
            field=field_name(m, "valid_until"),
            until=until,
            day=m.on,
            opportunity=m.record["opportunity_id"] or "OPP-ID",
        )


@gate
def quote_single_accepted(m: Move) -> Iterator[str]:
    oid = m.record["opportunity_id"]
    for rid, state in _statuses(m.tables, "quotes", "opportunity_id", oid or ""):
        if state == "accepted" and rid != m.record_id:
            yield _("{id} is already the accepted quote of {opportunity}").format(
                id=rid, opportunity=oid
            )


# ---------------------------------------------------------------- contracts


@gate
def contract_reviewed(m: Move) -> Iterator[str]:
    """A contract is signed from its review step (unless `approval.review_before_signing` is false)."""
    if m.settings.get("approval.review_before_signing", True) and m.source != "review":
        yield _(
            "is signed only after its review: salesops advance {id} review, then signed --by REVIEWER "
            "(approval.review_before_signing)"
        ).format(id=m.record_id)


@gate
def contract_reviewer(m: Move) -> Iterator[str]:
    """Signing is the review's decision: `--by` someone other than the contract's owner whose role may review."""
    owner = contracts.owner_of(m.tables, m.record)
    yield from deciders.unmet(
        m.tables,
        "contract_review",
        m.by,
        owner,
        _("review {id}").format(id=m.record_id),
        _("signing needs the reviewer: --by NAME"),
    )


@gate
def contract_credit(m: Move) -> Iterator[str]:
    """Credit control: the account's limit and overdue block hold, or a finance or director overrides."""
    rec = m.record
    refused = credit.unmet(m.tables, rec["account_id"], rec["amount"], m.on, m.settings)
    if not refused:
        return
    if not m.override:
        for condition in refused:
            yield _(
                "{condition}; a finance or director may let it through: --override --reason TEXT --by NAME"
            ).format(condition=condition)
        return
    if not m.reason:
        yield _("--override needs --reason TEXT (why the credit control is overridden)")
    yield from deciders.unmet(
        m.tables,
        "credit_override",
        m.by,
        None,
        _("override the credit control of {id}").format(id=m.record_id),
        _("--override needs who decides it: --by NAME"),
    )


@gate
def contract_amount_matches_quote(m: Move) -> Iterator[str]:
    rec = m.record
    if not rec["quote_id"]:
        return
    found = contracts.accepted_quote(m.tables, rec)
    if found is None:
        yield _("its quote {id} is not in {file}").format(
            id=rec["quote_id"], file=m.tables("quotes").file
        )
        return
    qt, qi = found
    status = qt.get(qi, "status")
    if status != "accepted":
        yield _("{state}, not {wanted}").format(
            state=state_text(_("its quote {id}").format(id=rec["quote_id"]), status, "quotes"),
            wanted=state_name("quotes", "accepted"),
        )
    if rec["amount"] != qt.get(qi, "amount"):
        yield contracts.describe_amount_mismatch(
            rec["amount"], rec["quote_id"], qt.get(qi, "amount")
        )


@gate
def contract_terms_valid(m: Move) -> Iterator[str]:
    try:
        contracts.parse_terms(m.record["payment_terms"], m.settings)
    except contracts.BadTerms as exc:
        yield _("{message} (--set payment_terms=…)").format(message=exc)


@gate
def contract_opportunity_open(m: Move) -> Iterator[str]:
    oid = m.record["opportunity_id"]
    opps = m.tables("opportunities")
    oi = opps.find(oid) if oid else None
    if oi is None:
        yield _("its opportunity {id} is not in {file}").format(
            id=oid or _("(none)"), file=opps.file
        )
    elif opps.get(oi, "stage") == "lost":
        yield _("its opportunity {id} is {state}").format(
            id=oid, state=state_name("opportunities", "lost")
        )


@gate
def contract_no_plan_yet(m: Move) -> Iterator[str]:
    """Signing writes the receivables plan: refuse rather than bill twice."""
    existing = contracts.live_receivables(m.tables, m.record_id)
    if existing:
        ids = ", ".join(m.tables("receivables").id_of(j) or "?" for j in existing)
        yield _("it already has receivables ({ids}); cancel them first").format(ids=ids)


@gate
def contract_delivery_shipped(m: Move) -> Iterator[str]:
    pairs = _statuses(m.tables, "deliveries", "contract_id", m.record_id)
    if not any(state in ("shipped", "delivered", "accepted") for _id, state in pairs):
        detail = (
            _listing("deliveries", pairs)
            if pairs
            else _("it has none: salesops delivery add {id}").format(id=m.record_id)
        )
        yield _("needs a shipped delivery ({detail})").format(detail=detail)


@gate
def contract_all_accepted(m: Move) -> Iterator[str]:
    pending = [
        (rid, s)
        for rid, s in _statuses(m.tables, "deliveries", "contract_id", m.record_id)
        if s != "accepted"
    ]
    if pending:
        yield _("needs every delivery accepted ({listing})").format(
            listing=_listing("deliveries", pending)
        )


@gate
def contract_all_settled(m: Move) -> Iterator[str]:
    table = m.tables("receivables")
    open_ = []
    for j in related(m.tables, "receivables", "contract_id", m.record_id):
        status = table.get(j, "status")
        if status not in ("paid", "written_off", "cancelled"):
            owed = (table.get(j, "amount") or 0) - (table.get(j, "collected_amount") or 0)
            open_.append(
                _("{id} is {state}, {amount} outstanding").format(
                    id=table.id_of(j),
                    state=state_name("receivables", status),
                    amount=money_text(owed),
                )
            )
    if open_:
        yield _("needs every receivable paid, written off or cancelled ({listing})").format(
            listing=", ".join(open_)
        )


# ---------------------------------------------------------------- deliveries

_DELIVERY_DATES = ("shipped_on", "delivered_on", "accepted_on")


@gate
def delivery_contract_signed(m: Move) -> Iterator[str]:
    cid = m.record["contract_id"]
    table = m.tables("contracts")
    ci = table.find(cid) if cid else None
    if ci is None:
        yield _("its contract {id} is not in {file}").format(id=cid or _("(none)"), file=table.file)
    elif table.get(ci, "status") not in ("signed", "executing"):
        yield _("{state}: only a signed contract ships").format(
            state=state_text(
                _("its contract {id}").format(id=cid), table.get(ci, "status"), "contracts"
            )
        )


@gate
def delivery_dates_in_order(m: Move) -> Iterator[str]:
    rec = m.record
    dated = [(name, rec[name]) for name in _DELIVERY_DATES if rec[name] is not None]
    for (a, da), (b, db) in zip(dated, dated[1:], strict=False):
        if db < da:
            yield _(BEFORE).format(
                later=field_name(m, b), later_day=db, earlier=field_name(m, a), earlier_day=da
            )


@gate
def delivery_csat_valid(m: Move) -> Iterator[str]:
    csat = m.record["csat"]
    if csat is not None and not 1 <= csat <= 5:
        yield _("{field} must be 1 to 5, not {value}").format(
            field=field_name(m, "csat"), value=csat
        )


# ---------------------------------------------------------------- receivables

_TRIGGER_HINTS = {
    "advance": N_("at contract signing"),
    "delivery": N_("when the contract's last delivery is delivered"),
    "acceptance": N_("when the contract's last delivery is accepted"),
    "retention": N_("contract.retention_months after acceptance"),
}
BEFORE = N_("{later} {later_day} is before {earlier} {earlier_day}")


@gate
def receivable_triggered(m: Move) -> Iterator[str]:
    """Only a triggered milestone is invoiced, on or after its trigger date."""
    rec = m.record
    triggered = rec["triggered_on"]
    milestone = REGISTERS["receivables"].column("milestone").enum
    what = (
        _("the {milestone} milestone").format(
            milestone=milestone.label(rec["milestone"], current())
        )
        if rec["milestone"]
        else _("the milestone")
    )
    if triggered is None:
        hint = _TRIGGER_HINTS.get(rec["milestone"] or "")
        how = (
            _("it triggers {when}").format(when=_(hint))
            if hint
            else _(
                "set it: salesops advance {id} invoiced --set triggered_on=DATE --set invoice_no=NO"
            ).format(id=m.record_id)
        )
        yield _("{what} is not triggered yet ({how})").format(what=what, how=how)
    elif triggered > m.on:
        yield _("{what} is triggered on {day}, after the invoice date {invoice_day}").format(
            what=what, day=triggered, invoice_day=m.on
        )


@gate
def receivable_has_invoice_no(m: Move) -> Iterator[str]:
    if not m.record["invoice_no"]:
        yield _("needs an invoice number (--invoice-no NO)")
