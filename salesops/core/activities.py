"""Follow-ups (跟进记录, SPEC 9.1): the one way a command adds an activity, and what the pool asks of them.

`log` is the one way an activity is added — by `follow add`, by `collect`
(a `reminder` per account) or by anything else that talks to a customer: it
finds the record the activity is about (a lead, opportunity, account,
contract or receivable), copies that record's account, and appends the row
through the session, so the caller checks and commits it like any change.

`last_touch` answers the public pool's question — when did a record's owner
last work on it — from the activities register. The due and overdue next
steps of `follow due` and the reports are read from frames in
`salesops.reports.activity`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from salesops.core.links import Tables, add_record, refusal, refuse_if, safe_get
from salesops.core.model import Created, Records, Session
from salesops.core.people import person_key
from salesops.i18n import _, current
from salesops.schema import ACTIVITIES, ACTIVITY_TYPE, register_for_id

ABOUT = ACTIVITIES.column("record_id").targets  # what an activity may be about


def locate(
    tables: Tables, record_id: str, registers: Iterable[str] = ABOUT
) -> tuple[Records, int] | None:
    """(records, row) of `record_id` among `registers`: the register its prefix names first."""
    guess = register_for_id(record_id)
    names = list(registers)
    names.sort(key=lambda name: guess is None or name != guess.name)
    for name in names:
        table = tables(name)
        i = table.find(record_id)
        if i is not None:
            return table, i
    return None


def account_of(table: Records, i: int) -> str | None:
    """The account a record belongs to: an account itself, else its `account_id`."""
    if table.register.name == "accounts":
        return table.id_of(i)
    if "account_id" in table.register.by_name:
        return safe_get(table, i, "account_id")
    return None


def owner_of(table: Records, i: int) -> str | None:
    """The record's owner (None for a record without one, or a register without owners)."""
    if "owner" not in table.register.by_name:
        return None
    return safe_get(table, i, "owner")


def log(
    tables: Tables,
    *,
    record_id: str,
    type: str,
    summary: str,
    by: str | None,
    on: dt.date,
    next_step: str | None = None,
    next_on: dt.date | None = None,
    notes: str | None = None,
) -> Created:
    """A new activity on `record_id` (its account copied from the record); refuses what would not make sense.

    `type` is an activity type code (`call`, `visit`, `reminder`…); `by` the
    person who did it (a rep's rep_id or name; None: the record's owner).
    Refused: an unknown record, an unknown type, an empty summary, nobody to
    name as `by`, a next step dated before the activity.
    """
    tables = Session.of(tables)
    activities = tables(ACTIVITIES.name)
    found = locate(tables, record_id.strip())
    problems = []
    if found is None:
        files = ", ".join(tables(name).file for name in ABOUT)
        problems.append(
            refusal(
                activities,
                None,
                _("no record {id} in {files}").format(id=repr(record_id), files=files),
                "dangling-ref",
            )
        )
    if type not in ACTIVITY_TYPE.codes:
        problems.append(
            refusal(
                activities,
                None,
                _("{value} is not {what}; use one of: {choices}").format(
                    value=repr(type),
                    what=_(ACTIVITY_TYPE.name),
                    choices=ACTIVITY_TYPE.choices(current()),
                ),
                "bad-enum",
            )
        )
    if not (summary or "").strip():
        problems.append(
            refusal(
                activities,
                None,
                _("the summary must not be empty (what was done, said or agreed)"),
                "missing-value",
            )
        )
    who = (by or "").strip() or (owner_of(*found) if found else None)
    if found is not None and not who:
        problems.append(
            refusal(
                activities,
                None,
                _("{id} has no owner: say who followed it up with --by").format(
                    id=found[0].id_of(found[1])
                ),
                "missing-value",
            )
        )
    if next_on is not None and next_on < on:
        problems.append(
            refusal(
                activities,
                None,
                _("the next follow-up ({next}) is before this one ({on})").format(
                    next=next_on.isoformat(), on=on.isoformat()
                ),
                "date-order",
            )
        )
    refuse_if(problems)
    assert found is not None
    table, i = found
    fields: dict[str, Any] = {
        "on": on,
        "record_id": table.id_of(i),
        "account_id": account_of(table, i),
        "type": type,
        "by": who,
        "summary": summary.strip(),
        "next_step": (next_step or "").strip() or None,
        "next_on": next_on,
        "notes": (notes or "").strip() or None,
    }
    return add_record(tables, ACTIVITIES.name, fields)


# ---------------------------------------------------------------- the pool's question


def last_touch(
    tables: Tables, aliases: dict[str, str], as_of: dt.date
) -> dict[tuple[str, str], dt.date]:
    """(record ID, person key) → the day of that person's last activity on the record, up to `as_of`.

    An activity counts for the record it is about and for its account, so
    work on a deal is work on the customer too.
    """
    activities = tables(ACTIVITIES.name)
    out: dict[tuple[str, str], dt.date] = {}
    for j in range(len(activities)):
        on = safe_get(activities, j, "on")
        who = person_key(safe_get(activities, j, "by"), aliases)
        if on is None or who is None or on > as_of:
            continue
        for rid in {safe_get(activities, j, "record_id"), safe_get(activities, j, "account_id")}:
            if rid:
                key = (rid.strip().casefold(), who)
                if out.get(key, dt.date.min) < on:
                    out[key] = on
    return out


def log_activity(
    tables: Tables,
    *,
    record_id: str,
    type: str,
    by: str,
    summary: str,
    on: dt.date,
    account_id: str | None = None,
    next_step: str | None = None,
    next_on: dt.date | None = None,
) -> str:
    """`log` for callers that want only the new activity's ID (`collect`'s reminders).

    `account_id`, when given, must be the record's own account (an account's is itself).
    """
    made = log(tables, record_id=record_id, type=type, summary=summary, by=by, on=on, next_step=next_step, next_on=next_on)
    assert account_id is None or made.record["account_id"] == account_id, (record_id, account_id)
    return made.record_id


def logged(tables: Tables, record_id: str, type: str, on: dt.date) -> bool:
    """Whether an activity of `type` about `record_id` is already logged on `on`."""
    acts = tables("activities")
    return any(
        safe_get(acts, i, "type") == type and safe_get(acts, i, "on") == on
        for i in acts.where("record_id", record_id)
    )
