"""Activities (跟进记录, SPEC 9.1): the one way a command appends a follow-up to the activities register.

Every command that logs what someone did about a record — a visit, a call, a
statement sent by `collect` (type `reminder`) — calls `log_activity`, so the
register is written one way. A record's next step is done when a later
activity on the same record exists.
"""

from __future__ import annotations

import datetime as dt

from salesops.core.links import Tables, new_record, safe_get


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
    """Append one activity about `record_id` (any lead, opportunity, account, contract or receivable ID);
    returns the new activity ID."""
    activity_id, _ = new_record(
        tables("activities"),
        {
            "on": on,
            "record_id": record_id,
            "account_id": account_id,
            "type": type,
            "by": by,
            "summary": summary,
            "next_step": next_step,
            "next_on": next_on,
        },
    )
    return activity_id


def logged(tables: Tables, record_id: str, type: str, on: dt.date) -> bool:
    """Whether an activity of `type` about `record_id` is already logged on `on`."""
    acts = tables("activities")
    return any(
        safe_get(acts, i, "type") == type and safe_get(acts, i, "on") == on
        for i in acts.where("record_id", record_id)
    )
