"""Opportunities: creation and the side effects of entering a stage.

Entering a stage sets `probability` to that stage's default from
`[opportunity.probability]` (won 100, lost 0); lost records the stage it was
lost at. `stage_changed_on` and `closed_on` are stamped by the flow engine
from `schema.STATE_DATE_FIELDS`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from salesops.core.links import Tables, add_record, refusal, refuse_if, safe_get
from salesops.core.model import Created, Move, Records, Session
from salesops.i18n import _

FIXED = {"won": Decimal(100), "lost": Decimal(0)}


def default_probability(stage: str, settings) -> Decimal | None:
    """The configured probability of `stage` (won 100, lost 0), None if unset."""
    if stage in FIXED:
        return FIXED[stage]
    value = settings.get(f"opportunity.probability.{stage}")
    return None if value is None else Decimal(str(value))


def on_stage(m: Move) -> None:
    """Any stage entered: its default probability (unless --set probability was given)."""
    if "probability" not in m.given:
        value = default_probability(m.target, m.settings)
        if value is not None:
            m.table.set(m.row, "probability", value)


def on_lost(m: Move) -> None:
    """Lost: remember the stage it was lost at."""
    if "lost_at_stage" not in m.given:
        m.table.set(m.row, "lost_at_stage", m.source)


def account_by_name(tables: Tables, name: str) -> int | None:
    """The first account whose normalised name equals `name`'s."""
    from salesops import values

    key = values.normalize_company(name)
    if not key:
        return None
    accounts = tables("accounts")
    for j in range(len(accounts)):
        text = safe_get(accounts, j, "name")
        if text and values.normalize_company(text) == key:
            return j
    return None


def find_account(tables: Tables, ref: str) -> int | None:
    """An account by ID, else by (normalised) name."""
    i = tables("accounts").find(ref)
    return i if i is not None else account_by_name(tables, ref)


def create(
    tables: Tables,
    settings,
    *,
    account: str,
    name: str,
    owner: str,
    amount: Decimal | None,
    expected_close: dt.date | None,
    today: dt.date,
    lead_id: str | None = None,
    sr: str | None = None,
    fr: str | None = None,
) -> Created:
    """A new opportunity at qualification; `owner` is its account responsible (AR), `sr` and `fr`
    the solution and fulfilment responsibles of Huawei's iron triangle."""
    tables = Session.of(tables)
    accounts = tables("accounts")
    ai = find_account(tables, account)
    opps = tables("opportunities")
    problems = []
    if ai is None:
        problems.append(
            refusal(opps, None, _("no account {name} in {file} (by ID or name)").format(name=repr(account), file=accounts.file))
        )
    if not name.strip():
        problems.append(refusal(opps, None, _("--name must not be empty")))
    if not owner.strip():
        problems.append(refusal(opps, None, _("--owner must not be empty")))
    if amount is not None and amount < 0:
        problems.append(refusal(opps, None, _("--amount must not be negative ({amount})").format(amount=amount)))
    refuse_if(problems)
    assert ai is not None
    return add_record(
        tables,
        "opportunities",
        {
            "name": name.strip(),
            "account_id": accounts.id_of(ai),
            "lead_id": lead_id,
            "owner": owner.strip(),
            "stage": "qualification",
            "amount": amount,
            "probability": default_probability("qualification", settings),
            "expected_close": expected_close,
            "created_on": today,
            "stage_changed_on": today,
            "sr": (sr or "").strip() or None,
            "fr": (fr or "").strip() or None,
        },
    )


def open_stage(table: Records, i: int) -> bool:
    """Whether the opportunity in row `i` is still open."""
    return table.get(i, "stage") not in table.register.machine.terminal
