"""`advance`: move any record to a new stage, checking every gate and applying every side effect.

The order is fixed: `--set` values first, then the dates and reason the move
stamps (`schema.STATE_DATE_FIELDS`, `schema.REASON_FIELDS`), then the gates of
every state on the way — all of them, so a refusal lists every unmet
condition — and only then the status and the side effects of each state.
Everything happens in the in-memory `Records`; the caller checks and commits
the changes the returned `Moved` lists (or, on `Refused`, simply does not),
so a refused move writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from salesops.core import contracts, deliveries, machine, opportunities, quotes, receivables
from salesops.core.gates import fixed_refusals
from salesops.core.links import Tables, refusal, refuse_if
from salesops.core.model import Move, Outcome, Records, Session
from salesops.errors import UsageError
from salesops.i18n import _
from salesops.problems import Problem
from salesops.schema import REASON_FIELDS, STATE_DATE_FIELDS, Register

Effect = Callable[[Move], None]

# Side effects of entering a state, per (register, state); "*" = every state.
EFFECTS: dict[tuple[str, str], tuple[Effect, ...]] = {
    ("opportunities", "*"): (opportunities.on_stage,),
    ("opportunities", "lost"): (opportunities.on_lost,),
    ("quotes", "approved"): (quotes.on_approved,),
    ("quotes", "draft"): (quotes.on_draft,),
    ("contracts", "signed"): (contracts.on_signed,),
    ("contracts", "terminated"): (contracts.on_terminated,),
    ("deliveries", "shipped"): (deliveries.on_shipped,),
    ("deliveries", "delivered"): (deliveries.on_delivered,),
    ("deliveries", "accepted"): (deliveries.on_accepted,),
    ("receivables", "invoiced"): (receivables.on_invoiced,),
}


@dataclass
class Moved(Outcome):
    """What an `advance` did: the record, its states before and after, and the side effects."""

    register: str
    record_id: str
    source: str
    target: str
    steps: list[str]
    notes: list[str] = field(default_factory=list)
    record: dict[str, Any] = field(default_factory=dict)  # the record after the move


def parse_sets(register: Register, pairs: list[str], date_order: str = "MDY") -> dict[str, Any]:
    """`FIELD=VALUE` texts → {canonical field: typed value} (empty value clears); usage errors name the field."""
    from salesops import codec, values

    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.replace("＝", "=").partition("=")
        if not sep or not name.strip():
            raise UsageError(_("--set {text} is not FIELD=VALUE").format(text=repr(pair)))
        field_name = register.header_aliases.get(values.normalize_header(name))
        if field_name is None:
            raise UsageError(
                _("--set: {register} has no column {name} (columns: {columns})").format(
                    register=register.name, name=repr(name.strip()), columns=", ".join(register.by_name)
                )
            )
        if field_name == register.id_column:
            raise UsageError(_("--set: {field} is the record's ID and cannot be changed here").format(field=field_name))
        if register.machine and field_name == register.machine.field:
            raise UsageError(
                _("--set: {field} changes only through the STAGE argument of advance").format(field=field_name)
            )
        column = register.column(field_name)
        if raw.strip() == "":
            out[field_name] = None
            continue
        try:
            out[field_name] = codec.read_cell(column, raw, date_order)
        except values.BadValue as exc:
            raise UsageError(_('--set {field}: "{text}" {reason}').format(field=field_name, text=raw, reason=exc)) from None
    return out


def _check_refs(tables: Tables, table: Records, i: int, sets: dict[str, Any]) -> list[Problem]:
    """Each reference given names a record of its register (of one of them, for activities' record_id)."""
    problems = []
    for name, value in sets.items():
        targets = table.register.column(name).targets
        if not targets or value is None:
            continue
        if all(tables(t).find(str(value)) is None for t in targets):
            files = [tables(t).file for t in targets]
            where = files[0] if len(files) == 1 else _("{files} or {last}").format(
                files=", ".join(files[:-1]), last=files[-1]
            )
            message = _("{id}: {field} {value} is not in {file}").format(
                id=table.id_of(i), field=table.label(name), value=value, file=where
            )
            problems.append(refusal(table, i, message, "dangling-ref", name))
    return problems


def _stamps(
    register: str,
    steps: list[str],
    on: dt.date,
    reason: str | None,
    record: dict[str, Any],
    given: frozenset[str],
) -> dict[str, Any]:
    """The dates and reason a move records (fields given with --set win)."""
    out: dict[str, Any] = {}
    names = [STATE_DATE_FIELDS.get((register, step)) for step in steps] + [
        STATE_DATE_FIELDS.get((register, "*"))
    ]
    for name in dict.fromkeys(n for n in names if n):
        if name not in given:
            out[name] = on
    column = REASON_FIELDS.get((register, steps[-1]))
    if reason and column and column not in given:
        old = record.get(column) if column == "notes" else None
        out[column] = f"{old}; {reason}" if old else reason
    return out


def _apply(move: Move, steps: list[str]) -> None:
    """Set the status through `steps`, running each state's side effects."""
    table, i = move.table, move.row
    status = table.register.machine.field
    reg = table.register.name
    for step in steps:
        table.set(i, status, step)
        step_move = Move(
            move.tables,
            table,
            i,
            move.source,
            step,
            move.on,
            move.settings,
            move.by,
            move.reason,
            move.given,
            move.notes,
            engine=enter,
            override=move.override,
        )
        for effect in EFFECTS.get((reg, "*"), ()) + EFFECTS.get((reg, step), ()):
            effect(step_move)


def gate_problems(move: Move, steps: list[str]) -> list[Problem]:
    """Every unmet condition of the gates of each of `steps` (the states a move enters), each once.

    `advance` refuses a move with them; `core.handedits` checks a stage changed by hand with them.
    """
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for step in steps:
        move.target = step
        for problem in machine.check(move):
            # a gate guarding several steps (dates in order) reports each condition once
            key = (problem.code, problem.message.partition(": ")[2])
            if key not in seen:
                seen.add(key)
                problems.append(problem)
    return problems


def enter(
    tables: Tables,
    table: Records,
    i: int,
    steps: list[str],
    *,
    on: dt.date,
    settings,
    by: str | None = None,
    notes: list[str] | None = None,
) -> None:
    """Move a related record as a side effect (no gates: the caller's move is the reason)."""
    status = table.register.machine.field
    move = Move(
        tables,
        table,
        i,
        table.get(i, status),
        steps[-1],
        on,
        settings,
        by,
        None,
        frozenset(),
        notes if notes is not None else [],
        engine=enter,
    )
    for name, value in _stamps(
        table.register.name, steps, on, None, table.record(i), frozenset()
    ).items():
        table.set(i, name, value)
    _apply(move, steps)


def advance(
    tables: Tables,
    table: Records,
    i: int,
    target: str,
    *,
    on: dt.date,
    settings,
    by: str | None = None,
    reason: str | None = None,
    sets: dict[str, Any] | None = None,
    override: bool = False,
) -> Moved:
    """Move record `i` of `table` to `target`; raises Refused (listing every unmet condition) or returns what moved.

    `override`: a finance or director `--by` lets a contract's signing past credit control.
    """
    tables = Session.of(tables)
    tables(table.register.name)  # its changes count from here
    mach = table.register.machine
    record_id = table.id_of(i) or ""
    source = table.get(i, mach.field)
    steps = machine.path(mach, source, target, record_id)
    sets = sets or {}
    given = frozenset(sets)
    proposed = table.record(i, sets)
    problems = _check_refs(tables, table, i, sets) + fixed_refusals(table, i, sets, target)
    if table.register.name == "quotes":
        contradiction = quotes.reprice(proposed, given)
        if contradiction:
            problems.append(
                refusal(table, i, _("{id}: {reason}").format(id=record_id, reason=contradiction), "quote-amount", "amount")
            )
    proposed.update(_stamps(table.register.name, steps, on, reason, proposed, given))
    move = Move(
        tables,
        table,
        i,
        source,
        target,
        on,
        settings,
        by,
        reason,
        given,
        proposed=proposed,
        engine=enter,
        override=override,
    )
    problems += gate_problems(move, steps)
    refuse_if(problems)
    for name, value in proposed.items():
        if name != mach.field:
            table.set(i, name, value)
    move.target, move.proposed = target, None
    _apply(move, steps)
    return tables.result(
        Moved(table.register.name, record_id, source, target, steps, move.notes, table.record(i))
    )


@dataclass
class MovedMany(Outcome):
    """What a bulk `advance` did: each record's move, in the order asked."""

    moved: list[Moved] = field(default_factory=list)


def advance_many(
    tables: Tables,
    rows: list[tuple[Records, int, str]],
    *,
    on: dt.date,
    settings,
    by: str | None = None,
    reason: str | None = None,
    sets: dict[str, dict[str, Any]] | None = None,
    override: bool = False,
) -> MovedMany:
    """Move each (records, row, target state) of `rows`, all or nothing.

    Each record is moved as `advance` moves one, in order, so a later move
    sees the earlier ones (two quotes of one deal cannot both be accepted).
    A refusal does not stop the others being tried: `Refused` lists every
    unmet condition of every record, and nothing has changed. `sets` holds
    the `--set` values per register; `override` is `advance`'s (credit control).
    """
    from salesops.errors import Refused

    tables = Session.of(tables)
    moved: list[Moved] = []
    lines: list[str] = []
    problems: list[Problem] = []
    seen: set[tuple[str, int]] = set()
    for table, i, target in rows:
        if (table.register.name, i) in seen:
            continue
        seen.add((table.register.name, i))
        try:
            moved.append(
                advance(
                    tables,
                    table,
                    i,
                    target,
                    on=on,
                    settings=settings,
                    by=by,
                    reason=reason,
                    sets=(sets or {}).get(table.register.name),
                    override=override,
                )
            )
        except Refused as exc:
            lines += exc.messages
            problems += exc.problems
    if lines:
        raise Refused(*lines, problems=problems)
    return tables.result(MovedMany(moved=moved))
