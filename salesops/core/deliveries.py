"""Deliveries: planning, and the milestones their progress triggers.

The first delivery shipped moves a signed contract to executing. When the
contract's last delivery is delivered, its `delivery` milestones trigger;
when the last is accepted, its `acceptance` milestones trigger, and its
`retention` milestones `contract.retention_months` later (possibly in the
future). Triggering sets `triggered_on` on scheduled receivables.
"""

from __future__ import annotations

import datetime as dt

from salesops.core.links import (
    Tables,
    add_record,
    refusal,
    refuse_if,
    related,
    require,
    state_name,
    state_text,
)
from salesops.core.model import Created, Move, Session
from salesops.i18n import _

SHIPPED_OR_LATER = ("shipped", "delivered", "accepted")
DELIVERED_OR_LATER = ("delivered", "accepted")


def create(
    tables: Tables, contract_id: str, *, planned_on: dt.date | None, description: str | None
) -> Created:
    """A planned delivery of an open contract."""
    tables = Session.of(tables)
    contracts = tables("contracts")
    ci = require(tables, "contracts", contract_id)
    status = contracts.get(ci, "status")
    if not status or status in contracts.register.machine.terminal:
        refuse_if(
            [
                refusal(
                    contracts,
                    ci,
                    _("{state}: deliveries are planned for open contracts").format(
                        state=state_text(contracts.id_of(ci) or "?", status, "contracts")
                    ),
                )
            ]
        )
    return add_record(
        tables,
        "deliveries",
        {
            "contract_id": contracts.id_of(ci),
            "description": description,
            "planned_on": planned_on,
            "status": "planned",
        },
    )


def trigger(tables: Tables, contract_id: str, milestone: str, on: dt.date) -> list[str]:
    """Set `triggered_on` of the contract's scheduled, untriggered `milestone` receivables."""
    receivables = tables("receivables")
    done = []
    for j in related(tables, "receivables", "contract_id", contract_id):
        if (
            receivables.get(j, "milestone") == milestone
            and receivables.get(j, "status") == "scheduled"
            and receivables.get(j, "triggered_on") is None
        ):
            receivables.set(j, "triggered_on", on)
            done.append(receivables.id_of(j))
    return done


def _siblings(m: Move) -> list[int]:
    return related(m.tables, "deliveries", "contract_id", m.record["contract_id"])


def _last_date(m: Move, rows: list[int], field: str) -> dt.date:
    dates = [m.table.get(j, field) for j in rows]
    return max([d for d in dates if d is not None], default=m.on)


def on_shipped(m: Move) -> None:
    """The first delivery shipped: a signed contract becomes executing."""
    cid = m.record["contract_id"]
    contracts = m.tables("contracts")
    ci = contracts.find(cid) if cid else None
    if ci is not None and contracts.get(ci, "status") == "signed":
        m.enter(contracts, ci, "executing", m.on)
        m.notes.append(_("contract {id} is {state}").format(id=cid, state=state_name("contracts", "executing")))


def on_delivered(m: Move) -> None:
    """The contract's last delivery delivered: its delivery milestones trigger."""
    rows = _siblings(m)
    if all(m.table.get(j, "status") in DELIVERED_OR_LATER for j in rows):
        done = trigger(
            m.tables, m.record["contract_id"], "delivery", _last_date(m, rows, "delivered_on")
        )
        if done:
            m.notes.append(_("delivery milestone triggered: {ids}").format(ids=", ".join(done)))


def on_accepted(m: Move) -> None:
    """The contract's last delivery accepted: acceptance now, retention after the retention months."""
    from dateutil.relativedelta import relativedelta

    rows = _siblings(m)
    if not all(m.table.get(j, "status") == "accepted" for j in rows):
        return
    cid = m.record["contract_id"]
    accepted = _last_date(m, rows, "accepted_on")
    done = trigger(m.tables, cid, "acceptance", accepted)
    months = int(m.settings.get("contract.retention_months") or 0)
    later = trigger(m.tables, cid, "retention", accepted + relativedelta(months=months))
    if done:
        m.notes.append(_("acceptance milestone triggered: {ids}").format(ids=", ".join(done)))
    if later:
        m.notes.append(
            _("retention milestone triggered on {day}: {ids}").format(
                day=accepted + relativedelta(months=months), ids=", ".join(later)
            )
        )
