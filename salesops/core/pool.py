"""The public pool (公海): leads and accounts nobody works on go back, and reps claim them.

A record is in the pool when it has no owner. `reclaim` (run by `sweep`)
empties the owner of every open lead and every account whose owner has
logged no activity on it for more than `pool.reclaim_days` days, counting
from the last of: the record's creation, the day it was handed to its owner
(a history row setting `owner`), the owner's last activity on it (for an
account, on any of its records too). Each such change is a history row whose
command reads `reclaimed to pool`.

`claim` gives pool records to a rep, refused past `pool.max_held` open leads
held, or within `pool.claim_cooldown_days` of the pool taking that record
from that rep. Both rules read `OwnerEvents`, what the shell found in
history.csv: the core itself reads no file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from salesops.core.activities import last_touch
from salesops.core.leads import find_rep, is_open, reps
from salesops.core.links import Tables, refusal, refuse_if, safe_get
from salesops.core.model import Outcome, Records, Session
from salesops.core.people import person_key, rep_aliases
from salesops.i18n import _

RECLAIMED = "reclaimed to pool"  # the history command of an owner the pool took back
POOL_REGISTERS = ("leads", "accounts")


# ---------------------------------------------------------------- what history says


@dataclass
class OwnerEvents:
    """What history.csv says about owners: when each record got its owner, and who lost what to the pool."""

    handed: dict[str, dt.date] = field(
        default_factory=dict
    )  # folded record ID → last day its owner was set
    lost: dict[tuple[str, str], dt.date] = field(
        default_factory=dict
    )  # (folded ID, folded person) → last day reclaimed

    @classmethod
    def from_history(cls, rows: Iterable[Mapping[str, str]]) -> OwnerEvents:
        """From history rows (`at`, `command`, `register`, `record_id`, `field`, `old_value`, `new_value`)."""
        events = cls()
        for row in rows:
            if row.get("field") != "owner" or row.get("register") not in POOL_REGISTERS:
                continue
            try:
                day = dt.date.fromisoformat((row.get("at") or "")[:10])
            except ValueError:
                continue
            rid = (row.get("record_id") or "").strip().casefold()
            if (row.get("new_value") or "").strip():
                events.handed[rid] = max(day, events.handed.get(rid, dt.date.min))
            old = (row.get("old_value") or "").strip().casefold()
            if old and (row.get("command") or "").strip() == RECLAIMED:
                events.lost[(rid, old)] = max(day, events.lost.get((rid, old), dt.date.min))
        return events

    def lost_on(self, record_id: str, person: str, aliases: dict[str, str]) -> dt.date | None:
        """The last day the pool took `record_id` from `person` (written by rep_id or name)."""
        rid = record_id.strip().casefold()
        wanted = person_key(person, aliases)
        days = [
            day
            for (r, who), day in self.lost.items()
            if r == rid and person_key(who, aliases) == wanted
        ]
        return max(days, default=None)


# ---------------------------------------------------------------- reclaim


@dataclass
class Returned:
    """One record the pool took back: from whom, and the last day they worked on it."""

    register: str
    record_id: str
    owner: str
    last: dt.date


@dataclass
class Reclaimed(Outcome):
    """What `reclaim` did: the records returned to the pool."""

    returned: list[Returned]


def reclaim(tables: Tables, settings, *, today: dt.date, events: OwnerEvents) -> Reclaimed:
    """Empty the owner of open leads and accounts their owner left alone past `pool.reclaim_days`."""
    tables = Session.of(tables)
    days = int(settings.get("pool.reclaim_days", 0) or 0)
    returned: list[Returned] = []
    if days > 0:
        cutoff = today - dt.timedelta(days=days)
        aliases = rep_aliases(tables)
        touched = last_touch(tables, aliases, today)
        for name in POOL_REGISTERS:
            table = tables(name)
            for i in range(len(table)):
                quiet = _quiet_since(table, i, touched, aliases, events)
                if quiet is None or quiet >= cutoff:
                    continue
                owner = safe_get(table, i, "owner")
                table.set(i, "owner", None)
                table.changes[-1].command = RECLAIMED
                returned.append(Returned(name, table.id_of(i) or "", owner, quiet))
    return tables.result(Reclaimed(returned))


def _quiet_since(
    table: Records,
    i: int,
    touched: dict[tuple[str, str], dt.date],
    aliases: dict[str, str],
    events: OwnerEvents,
) -> dt.date | None:
    """The last day the owner of record `i` worked on it; None when it has no owner or is closed."""
    owner = safe_get(table, i, "owner")
    rid = table.id_of(i)
    if not owner or not str(owner).strip() or not rid:
        return None
    if table.register.name == "leads" and not is_open(table, i):
        return None
    key = rid.strip().casefold()
    days = [
        safe_get(table, i, "created_on"),
        events.handed.get(key),
        touched.get((key, person_key(owner, aliases) or "")),
    ]
    known = [d for d in days if d is not None]
    return max(known) if known else None


# ---------------------------------------------------------------- claim


@dataclass
class Claimed(Outcome):
    """What `claim` did: the records the rep took from the pool."""

    register: str
    rep: str
    record_ids: list[str]


def claim(
    tables: Tables,
    settings,
    register: str,
    ids: list[str],
    *,
    rep: str,
    today: dt.date,
    events: OwnerEvents,
) -> Claimed:
    """Give the pool records `ids` of `register` (leads or accounts) to `rep`; every refusal listed."""
    tables = Session.of(tables)
    table = tables(register)
    people = tables("reps")
    all_reps = reps(tables)
    who = find_rep(all_reps, rep)
    problems = []
    if who is None:
        problems.append(
            refusal(
                people,
                None,
                _("no rep {name} in {file} (by rep_id or name)").format(
                    name=repr(rep), file=people.file
                ),
            )
        )
    elif not who.active:
        problems.append(
            refusal(
                people,
                None,
                _("rep {id} {name} is not active").format(id=who.rep_id, name=who.label),
            )
        )
    rows: list[int] = []
    for rid in ids:
        i = table.find(rid)
        if i is None:
            problems.append(
                refusal(
                    table,
                    None,
                    _("no {what} {id} in {file}").format(
                        what=table.register.singular, id=repr(rid), file=table.file
                    ),
                    "dangling-ref",
                )
            )
        elif i not in rows:
            rows.append(i)
    aliases = rep_aliases(tables)
    cooldown = int(settings.get("pool.claim_cooldown_days", 0) or 0)
    for i in rows:
        rid = table.id_of(i) or ""
        owner = safe_get(table, i, "owner")
        if owner and str(owner).strip():
            problems.append(
                refusal(
                    table,
                    i,
                    _("{id} is not in the public pool: it is held by {owner}").format(
                        id=rid, owner=owner
                    ),
                )
            )
            continue
        if register == "leads" and not is_open(table, i):
            state = safe_get(table, i, "status")
            problems.append(
                refusal(
                    table,
                    i,
                    _("{id} is {state}: only open leads are claimed").format(id=rid, state=state),
                )
            )
            continue
        if who is not None and cooldown:
            lost = events.lost_on(rid, who.rep_id, aliases)
            if lost is not None and today < lost + dt.timedelta(days=cooldown):
                again = lost + dt.timedelta(days=cooldown)
                problems.append(
                    refusal(
                        table,
                        i,
                        _(
                            "{rep} lost {id} to the pool on {lost}: they may claim it again from {again} (pool.claim_cooldown_days = {days})"
                        ).format(
                            rep=who.label,
                            id=rid,
                            lost=lost.isoformat(),
                            again=again.isoformat(),
                            days=cooldown,
                        ),
                        "pool-cooldown",
                    )
                )
    cap = int(settings.get("pool.max_held", 0) or 0)
    if who is not None and register == "leads" and cap and who.load + len(rows) > cap:
        message = _("{rep} holds {held} open leads: {n} more would pass pool.max_held ({cap})")
        problems.append(
            refusal(
                table,
                None,
                message.format(rep=who.label, held=who.load, n=len(rows), cap=cap),
                "pool-cap",
            )
        )
    refuse_if(problems)
    assert who is not None
    for i in rows:
        table.set(i, "owner", who.label)
    return tables.result(Claimed(register, who.label, [table.id_of(i) or "" for i in rows]))
