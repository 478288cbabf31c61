"""Quotes: price arithmetic, the approval rule, new versions, and expiry.

`amount` = `list_amount` × (1 − `discount_pct`/100), rounded half-up to the
cent; `margin_pct` = (amount − cost) / amount × 100. A quote needs approval
when its discount is above `quote.approval_discount_pct` or, when its cost is
known, its margin is below `quote.min_margin_pct`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from salesops.core.links import (
    CENT,
    Tables,
    add_record,
    decimal_setting,
    money_text,
    pct_text,
    refusal,
    refuse_if,
    safe_get,
    state_text,
)
from salesops.core.model import Created, Move, Outcome, Session
from salesops.i18n import _

HUNDRED = Decimal(100)
PRICE_FIELDS = frozenset({"list_amount", "discount_pct", "cost", "amount"})
LIVE = ("approved", "sent")  # statuses that expire past valid_until


def price(list_amount: Decimal, discount_pct: Decimal | None) -> Decimal:
    """The quoted amount: list × (1 − discount/100), to the cent (half up)."""
    discount = discount_pct or Decimal(0)
    return (list_amount * (HUNDRED - discount) / HUNDRED).quantize(CENT, ROUND_HALF_UP)


def margin(amount: Decimal | None, cost: Decimal | None) -> Decimal | None:
    """(amount − cost) / amount × 100 to two decimals; None without cost or amount."""
    if amount is None or cost is None or amount == 0:
        return None
    return ((amount - cost) / amount * HUNDRED).quantize(CENT, ROUND_HALF_UP)


def approval_reasons(record: dict, settings) -> list[str]:
    """Why this quote needs approval (empty: it needs none)."""
    reasons = []
    limit = decimal_setting(settings, "quote.approval_discount_pct")
    discount = record.get("discount_pct")
    if limit is not None and discount is not None and discount > limit:
        reasons.append(_("discount {value} is above {limit}").format(value=pct_text(discount), limit=pct_text(limit)))
    floor = decimal_setting(settings, "quote.min_margin_pct")
    if floor is not None and record.get("cost") is not None:
        m = margin(record.get("amount"), record.get("cost"))
        if m is None:
            m = record.get("margin_pct")
        if m is not None and m < floor:
            reasons.append(_("margin {value} is below {floor}").format(value=pct_text(m), floor=pct_text(floor)))
    return reasons


def approval_decision(record: dict, settings) -> str:
    """Which decision approving this quote is (`schema.DECIDERS`): a director's above
    `approval.director_discount_pct`, else a manager's or above."""
    above = decimal_setting(settings, "approval.director_discount_pct")
    discount = record.get("discount_pct")
    if above is not None and discount is not None and discount > above:
        return "quote_approval_director"
    return "quote_approval"


def owner_of(tables: Tables, record: dict) -> str | None:
    """The quote's owner: its opportunity's owner (a quote has no owner column)."""
    oid = record.get("opportunity_id")
    opps = tables("opportunities")
    oi = opps.find(oid) if oid else None
    return safe_get(opps, oi, "owner") if oi is not None else None


def reprice(record: dict, given: frozenset[str]) -> str | None:
    """After `--set` of price fields: recompute amount and margin in `record`, or say what contradicts."""
    if not given & PRICE_FIELDS:
        return None
    amount = record["amount"]
    if record["list_amount"] is not None:
        expected = price(record["list_amount"], record["discount_pct"])
        if "amount" in given and amount != expected:
            return _(
                "amount {amount} is not list_amount × (1 − discount_pct/100) = {expected}; "
                "leave amount out and it is computed"
            ).format(amount=money_text(amount), expected=money_text(expected))
        amount = record["amount"] = expected
    record["margin_pct"] = margin(amount, record["cost"])
    return None


@dataclass
class QuoteCreated(Created):
    """A new draft quote, and why it needs approval (empty: it needs none)."""

    approval: list[str]


@dataclass
class Expired(Outcome):
    """What `sweep` did: the quotes it expired."""

    expired: list[str]


def create(
    tables: Tables,
    settings,
    opportunity_id: str,
    *,
    list_amount: Decimal,
    discount_pct: Decimal | None,
    cost: Decimal | None,
    valid_days: int | None,
    today: dt.date,
) -> QuoteCreated:
    """A new draft quote (next version) for an open opportunity."""
    from salesops.core.links import require

    tables = Session.of(tables)
    opps = tables("opportunities")
    oi = require(tables, "opportunities", opportunity_id)
    problems = []
    stage = opps.get(oi, "stage")
    if not stage or stage in opps.register.machine.terminal:  # an empty stage is no open deal either
        problems.append(
            refusal(
                opps,
                oi,
                _("{state}: quotes are made for open opportunities").format(
                    state=state_text(opps.id_of(oi) or "?", stage, "opportunities")
                ),
            )
        )
    if list_amount <= 0:
        problems.append(
            refusal(opps, oi, _("--list-amount must be above 0, not {value}").format(value=money_text(list_amount)))
        )
    if discount_pct is not None and not (0 <= discount_pct <= 100):
        problems.append(
            refusal(opps, oi, _("--discount must be between 0 and 100, not {value}").format(value=discount_pct))
        )
    days = valid_days if valid_days is not None else int(settings.get("quote.valid_days", 30))
    if days < 0:
        problems.append(refusal(opps, oi, _("--valid-days must be 0 or more, not {value}").format(value=days)))
    refuse_if(problems)
    quotes = tables("quotes")
    oid = opps.id_of(oi)
    rows = quotes.where("opportunity_id", oid)
    version = max([quotes.get(j, "version") or 0 for j in rows] + [len(rows)]) + 1
    amount = price(list_amount, discount_pct)
    made = add_record(
        tables,
        "quotes",
        {
            "opportunity_id": oid,
            "version": version,
            "quote_date": today,
            "valid_until": today + dt.timedelta(days=days),
            "currency": settings.currency,
            "list_amount": list_amount,
            "discount_pct": discount_pct,
            "amount": amount,
            "cost": cost,
            "margin_pct": margin(amount, cost),
            "status": "draft",
        },
    )
    return QuoteCreated(
        made.register,
        made.record_id,
        made.record,
        approval_reasons(made.record, settings),
        changes=made.changes,
        store=made.store,
    )


def sweep(tables: Tables, today: dt.date) -> Expired:
    """Expire approved/sent quotes whose `valid_until` is before `today`."""
    tables = Session.of(tables)
    quotes = tables("quotes")
    expired = []
    for i in range(len(quotes)):
        if quotes.is_blank(i):
            continue
        if safe_get(quotes, i, "status") in LIVE:
            until = safe_get(quotes, i, "valid_until")
            if until is not None and until < today:
                quotes.set(i, "status", "expired")
                expired.append(quotes.id_of(i))
    return tables.result(Expired(expired))


# ---------------------------------------------------------------- side effects of advance


def on_approved(m: Move) -> None:
    """Approved: the approver (--by) is recorded; approved_on is stamped by the engine."""
    if m.by and "approved_by" not in m.given:
        m.table.set(m.row, "approved_by", m.by)


def on_draft(m: Move) -> None:
    """Back to draft: an earlier approval no longer holds."""
    for name in ("approved_by", "approved_on"):
        if name not in m.given:
            m.table.set(m.row, name, None)
