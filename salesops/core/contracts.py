"""Contracts: payment terms, creation from an accepted quote, signing and termination.

Payment terms are written `advance:30,delivery:60,acceptance:10` (Chinese
labels allowed: `预付款:30,到货款:60,验收款:10`) or name a template of
`[contract.terms]`; the percentages must sum to 100. Signing writes the
receivables plan: one row per milestone, split to the exact cent.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from salesops.core.links import (
    Tables,
    add_record,
    money_text,
    new_record,
    refusal,
    refuse_if,
    related,
    require,
    state_name,
    state_text,
)
from salesops.core.model import Created, Move, Records, Session
from salesops.i18n import _, joined
from salesops.schema import MILESTONE

HUNDRED = Decimal(100)
OPEN_STATUSES = ("draft", "review", "signed", "executing")
_SEPARATORS = re.compile(r"[,，;；、\n]+")
_PAIR = re.compile(r"^\s*(.+?)\s*[:：=]\s*([0-9０-９.．]+)\s*[%％]?\s*$")


class BadTerms(ValueError):
    """Payment terms that cannot be used (syntax, unknown template, sum ≠ 100)."""


def resolve_terms(text: str | None, settings) -> str:
    """The terms spec in force: a template's text for a template name, the default when empty."""
    spec = (text or "").strip() or str(settings.get("contract.default_terms", ""))
    templates = settings.get("contract.terms") or {}
    for name, template in templates.items():
        if name.casefold() == spec.casefold():
            return str(template)
    return spec


def parse_terms(text: str | None, settings) -> list[tuple[str, Decimal]]:
    """[(milestone code or text, pct)] of payment terms; raises BadTerms saying what is wrong."""
    spec = resolve_terms(text, settings)
    if not spec:
        raise BadTerms(_("payment terms are empty"))
    terms: list[tuple[str, Decimal]] = []
    for part in _SEPARATORS.split(spec):
        if not part.strip():
            continue
        m = _PAIR.match(part)
        if not m:
            names = ", ".join(sorted(settings.get("contract.terms") or {}))
            message = (
                _('payment terms "{spec}": "{part}" is not MILESTONE:PCT (write like advance:30,delivery:60,acceptance:10 or a template name ({names}))')
                if names
                else _('payment terms "{spec}": "{part}" is not MILESTONE:PCT (write like advance:30,delivery:60,acceptance:10)')
            )
            raise BadTerms(message.format(spec=spec, part=part.strip(), names=names))
        label, number = m.groups()
        milestone = MILESTONE.parse(label) or label.strip()
        try:
            pct = Decimal(number.translate(str.maketrans("０１２３４５６７８９．", "0123456789.")))
        except InvalidOperation:
            raise BadTerms(_('payment terms "{spec}": "{number}" is not a percentage').format(spec=spec, number=number)) from None
        if pct <= 0 or pct > HUNDRED:
            raise BadTerms(
                _('payment terms "{spec}": {milestone} {pct}% must be above 0 and at most 100').format(
                    spec=spec, milestone=label.strip(), pct=pct
                )
            )
        if any(code == milestone for code, _ in terms):
            raise BadTerms(_('payment terms "{spec}": milestone {milestone} appears twice').format(spec=spec, milestone=milestone))
        terms.append((milestone, pct))
    total = sum((p for _, p in terms), Decimal(0))
    if total != HUNDRED:
        raise BadTerms(
            _('payment terms "{spec}" sum to {total}%, not 100%').format(spec=spec, total=format(total.normalize(), "f"))
        )
    return terms


def split(amount: Decimal, pcts: list[Decimal]) -> list[Decimal]:
    """Amounts per percentage, to the cent, summing exactly to `amount` (the last takes the remainder)."""
    from salesops import values

    return list(values.split_by_pct(amount, pcts))


def create(
    tables: Tables,
    settings,
    quote_id: str,
    *,
    terms: str | None,
    title: str | None,
) -> Created:
    """A draft contract from an accepted quote (amount, account, owner copied)."""
    tables = Session.of(tables)
    quotes = tables("quotes")
    qi = require(tables, "quotes", quote_id)
    qid = quotes.id_of(qi)
    problems = []
    status = quotes.get(qi, "status")
    if status != "accepted":
        problems.append(
            refusal(
                quotes,
                qi,
                _("{state}: a contract is made from an accepted quote").format(state=state_text(qid, status, "quotes")),
            )
        )
    oid = quotes.get(qi, "opportunity_id")
    opps = tables("opportunities")
    oi = opps.find(oid) if oid else None
    if oi is None:
        problems.append(
            refusal(
                quotes,
                qi,
                _("{id}: its opportunity {opportunity} is not in {file}").format(
                    id=qid, opportunity=oid or _("(none)"), file=opps.file
                ),
            )
        )
    contracts = tables("contracts")
    for j in related(tables, "contracts", "quote_id", qid):
        if contracts.get(j, "status") != "terminated":
            problems.append(
                refusal(
                    quotes,
                    qi,
                    _("{id} already has contract {contract} ({state})").format(
                        id=qid, contract=contracts.id_of(j), state=state_name("contracts", contracts.get(j, "status"))
                    ),
                )
            )
    spec = terms if terms and terms.strip() else None
    try:
        parse_terms(spec, settings)
    except BadTerms as exc:
        problems.append(refusal(quotes, qi, _("{id}: {reason}").format(id=qid, reason=exc), "bad-terms"))
    refuse_if(problems)
    assert oi is not None
    account_id = opps.get(oi, "account_id")
    return add_record(
        tables,
        "contracts",
        {
            "title": title or opps.get(oi, "name"),
            "opportunity_id": opps.id_of(oi),
            "quote_id": qid,
            "account_id": account_id,
            "owner": opps.get(oi, "owner"),
            "amount": quotes.get(qi, "amount"),
            "currency": quotes.get(qi, "currency") or settings.currency,
            "payment_terms": spec or str(settings.get("contract.default_terms")),
            "status": "draft",
        },
    )


def owner_of(tables: Tables, contract: dict) -> str | None:
    """The contract's owner, else its opportunity's."""
    if contract.get("owner"):
        return contract["owner"]
    oid = contract.get("opportunity_id")
    opps = tables("opportunities")
    oi = opps.find(oid) if oid else None
    return opps.get(oi, "owner") if oi is not None else None


def accepted_quote(tables: Tables, contract: dict) -> tuple[Records, int] | None:
    """The contract's quote (table, row), if it names one that exists."""
    qid = contract.get("quote_id")
    if not qid:
        return None
    quotes = tables("quotes")
    qi = quotes.find(qid)
    return (quotes, qi) if qi is not None else None


def write_plan(tables: Tables, contracts: Records, i: int, settings, signed_on: dt.date) -> list[str]:
    """The receivables plan of a just-signed contract; returns the new receivable IDs."""
    rec = contracts.record(i)
    terms = parse_terms(rec["payment_terms"], settings)
    amounts = split(rec["amount"], [p for _, p in terms])
    receivables = tables("receivables")
    created = []
    for (milestone, pct), amount in zip(terms, amounts, strict=True):
        rid, _ = new_record(
            receivables,
            {
                "contract_id": rec["contract_id"],
                "account_id": rec["account_id"],
                "owner": rec["owner"],
                "milestone": milestone,
                "pct": pct,
                "amount": amount,
                "triggered_on": signed_on if milestone == "advance" else None,
                "status": "scheduled",
            },
        )
        created.append(rid)
    return created


def live_receivables(tables: Tables, contract_id: str) -> list[int]:
    """Rows of the contract's receivables that are not cancelled."""
    receivables = tables("receivables")
    return [
        j
        for j in related(tables, "receivables", "contract_id", contract_id)
        if receivables.get(j, "status") != "cancelled"
    ]


def cancel_scheduled(tables: Tables, contract_id: str, reason: str | None) -> list[str]:
    """Cancel the contract's scheduled receivables (on termination); returns their IDs."""
    receivables = tables("receivables")
    cancelled = []
    for j in related(tables, "receivables", "contract_id", contract_id):
        if receivables.get(j, "status") == "scheduled":
            receivables.set(j, "status", "cancelled")
            if reason:
                note = _("contract {id} terminated: {reason}").format(id=contract_id, reason=reason)  # the workspace's language
                old = receivables.get(j, "notes")
                receivables.set(j, "notes", f"{old}; {note}" if old else note)
            cancelled.append(receivables.id_of(j))
    return cancelled


def describe_amount_mismatch(
    contract_amount: Decimal | None, quote_id: str, quote_amount: Decimal | None
) -> str:
    """The unmet signing condition: contract amount ≠ the accepted quote's."""
    return _("amount {amount} must equal the accepted quote {quote}'s {quote_amount} to the cent").format(
        amount=money_text(contract_amount), quote=quote_id, quote_amount=money_text(quote_amount)
    )


# ---------------------------------------------------------------- side effects of advance


def on_signed(m: Move) -> None:
    """Signed: reviewer, default terms, a credit override noted, the opportunity won at the
    contract's amount, the receivables plan."""
    if m.by and "reviewer" not in m.given:
        m.table.set(m.row, "reviewer", m.by)
    if not m.record["payment_terms"]:
        m.table.set(m.row, "payment_terms", str(m.settings.get("contract.default_terms")))
    rec = m.record
    signed_on = rec["signed_on"] or m.on
    if m.override:
        _note_override(m, rec)
    opps = m.tables("opportunities")
    oi = opps.find(rec["opportunity_id"]) if rec["opportunity_id"] else None
    if oi is not None and opps.get(oi, "amount") != rec["amount"]:
        # won amount and bookings agree: the deal is worth what was signed
        opps.set(oi, "amount", rec["amount"])
        m.notes.append(
            _("opportunity {id} amount set to the contract's {amount}").format(
                id=opps.id_of(oi), amount=money_text(rec["amount"])
            )
        )
    if oi is not None and opps.get(oi, "stage") != "won":
        m.enter(opps, oi, "won", signed_on)
        m.notes.append(_("opportunity {id} {state}").format(id=opps.id_of(oi), state=state_name("opportunities", "won")))
    created = write_plan(m.tables, m.table, m.row, m.settings, signed_on)
    m.notes.append(_("receivables planned: {ids}").format(ids=", ".join(created)))


def _note_override(m: Move, rec: dict) -> None:
    """A signing let past credit control: who decided, why, and what was overridden, in the contract's notes."""
    from salesops.core import credit

    refused = credit.unmet(m.tables, rec["account_id"], rec["amount"], m.on, m.settings)
    if not refused:
        return
    note = _("credit override by {by} on {day}: {reason} ({conditions})").format(
        by=m.by, day=m.on.isoformat(), reason=m.reason, conditions=joined(refused)
    )
    old = rec.get("notes")
    m.table.set(m.row, "notes", f"{old}; {note}" if old else note)
    m.notes.append(note)


def on_terminated(m: Move) -> None:
    """Terminated: its scheduled receivables are cancelled."""
    cancelled = cancel_scheduled(m.tables, m.record_id, m.reason or m.record["terminate_reason"])
    if cancelled:
        m.notes.append(_("receivables cancelled: {ids}").format(ids=", ".join(cancelled)))
