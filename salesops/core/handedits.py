"""Edits made in the spreadsheet: what they changed, and whether salesops would have allowed them.

Pure: records in, history `Change`s and `Problem`s out. Storage keeps the last
state of each register salesops wrote or checked (`storage.baseline`), finds
the records that differ from it and hands them here:

- `record_edits(register, before, after)` — the history rows of one record
  changed, added (`before` None) or deleted (`after` None) outside salesops,
  one per field, as a command's `Table.set`/`append` would write them;
- `check_hand_edits(store, logged, settings)` — every hand edit still in
  effect that a command would have refused, derived from history.csv and the
  records as they are now, so each error stays until the data is fixed:

  * a stage or status changed by hand is the move `advance` would make from
    the state salesops last set to the state the record holds now, on the day
    of the edit, checked by the same path rules and gates (`core.flow`);
  * a field a passed gate fixes (`schema.FIXED`, the rule `set` follows: a signed contract's
    amount and terms, an approved quote's amounts, payments) must hold the
    value it had before the hand edit; the message names the command that
    changes it properly;
  * a record deleted by hand must not be referred to by other records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from salesops import codec, values
from salesops.core.deciders import DECISION_FIELDS
from salesops.core.edits import fixed_way
from salesops.core.links import field_label, state_name
from salesops.core.model import Change, Move, Records, Store
from salesops.errors import Refused
from salesops.i18n import _, joined, ngettext, person
from salesops.problems import ERROR, Problem
from salesops.schema import FIXED, REGISTERS, Column, Register

HAND = "edited outside salesops"  # the `command` of history rows written for hand edits (SPEC 9.3)

MAX_LISTED = 8


@dataclass(frozen=True)
class Unreadable:
    """A cell that did not read as its column's type: its text is what history shows."""

    text: str


def cell_text(column: Column, value: Any) -> str:
    """A value as history writes it (`codec.to_text`, canonical codes); an unreadable cell as typed."""
    if isinstance(value, Unreadable):
        return value.text
    return codec.to_text(column, value)


def record_edits(
    register: Register, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[Change]:
    """The history rows of one record as it was (`before`) and is (`after`).

    Changed fields old → new; an added record (no `before`) writes each filled
    field from "" (its ID first, as `append` does); a deleted record (no
    `after`) writes each filled field to "" (its ID first: `old` = the ID, `new`
    empty marks the deletion).
    """
    if before is None and after is None:
        return []
    source = after if after is not None else before
    assert source is not None
    record_id = cell_text(register.column(register.id_column), source.get(register.id_column))
    out = []
    for column in register.columns:
        old = cell_text(column, before.get(column.name)) if before is not None else ""
        new = cell_text(column, after.get(column.name)) if after is not None else ""
        if old != new:
            out.append(Change(register.name, record_id, column.name, old, new))
    return out


# ---------------------------------------------------------------- history rows


@dataclass(frozen=True)
class Logged:
    """One row of history.csv (`index`: its position in the file)."""

    index: int
    at: str
    user: str
    command: str
    register: str
    record_id: str
    field: str
    old: str
    new: str

    @property
    def hand(self) -> bool:
        return self.command == HAND

    @property
    def day(self) -> dt.date | None:
        """The day of `at` (ISO 8601), None when it does not read."""
        try:
            return dt.date.fromisoformat(self.at.strip()[:10])
        except ValueError:
            return None

    def who(self) -> str:
        """`王伟, 2026-11-20`: who made the edit and when, for messages."""
        return _("{user}, {day}").format(
            user=person(self.user), day=self.at.strip()[:10] or "?"
        )


def touched_keys(logged: Iterable[Logged]) -> set[tuple[str, str]]:
    """(register, record ID) of every record a hand edit touched."""
    return {(r.register, r.record_id) for r in logged if r.hand}


# ---------------------------------------------------------------- checks


def check_hand_edits(store: Store, logged: list[Logged], settings: Any) -> list[Problem]:
    """Every hand edit still in effect that salesops would have refused (see the module docstring).

    `logged` holds the history rows of the records hand edits touched (all of
    their rows, hand-made or not, in file order); `store` the records as they are now.
    """
    groups: dict[tuple[str, str], list[Logged]] = {}
    for row in sorted(logged, key=lambda r: r.index):
        groups.setdefault((row.register, row.record_id), []).append(row)
    out: list[Problem] = []
    for (name, record_id), rows in groups.items():
        register = REGISTERS.get(name)
        if register is None or not record_id or not any(r.hand for r in rows):
            continue
        table = store(name)
        i = table.find(record_id)
        if i is None:
            out += _deleted(store, register, record_id, rows)
            continue
        current = _current(table, i)
        if register.machine is not None:
            out += _moved(store, table, i, current, rows, settings)
        if any(f.register == name for f in FIXED):
            out += _fixed(table, i, current, rows)
    return out


def _current(table: Records, i: int) -> dict[str, Any]:
    """The record now; unreadable cells as None (validate reports them)."""
    from salesops.errors import BadCell

    try:
        return table.record(i)
    except BadCell:
        pass
    rec = {}
    for column in table.register.columns:
        try:
            rec[column.name] = table.get(i, column.name)
        except BadCell:
            rec[column.name] = None
    return rec


def _state(register: Register, text: str) -> str | None:
    """A state code from history text (code or label in any language), None when empty or unknown."""
    column = register.column(register.machine.field)
    return column.enum.parse(text) if text and text.strip() else None


def _trailing_hand(rows: list[Logged]) -> list[Logged]:
    """The hand edits made since salesops last wrote this field (rows of one field, in order)."""
    out: list[Logged] = []
    for row in rows:
        out = [*out, row] if row.hand else []
    return out


def _moved(
    store: Store, table: Records, i: int, current: dict[str, Any], rows: list[Logged], settings: Any
) -> list[Problem]:
    """The stage/status the record holds, if set by hand, checked as the move advance would make."""
    from salesops.core import flow, machine

    register = table.register
    mach = register.machine
    field = mach.field
    hand = _trailing_hand([r for r in rows if r.field == field])
    target = current.get(field)
    if not hand or target is None:
        return []
    first, last = hand[0], hand[-1]
    source = _state(register, first.old) if first.old.strip() else mach.order[0]
    if source is None or source == target or last.day is None:
        return []
    record_id = table.id_of(i) or ""
    try:
        steps = machine.path(mach, source, target, record_id)
    except Refused as exc:
        unmet = list(exc.messages)
    else:
        by = current.get(DECISION_FIELDS.get(register.name, ""))  # the decider the record names
        move = Move(
            store, table, i, source, target, last.day, settings, by=by, proposed=dict(current)
        )
        unmet = [p.message for p in flow.gate_problems(move, steps)]
    if not unmet:
        return []
    message = _(
        "changed by hand from {old} to {new} ({who}), a move advance refuses: {unmet}"
    ).format(
        old=state_name(register.name, source),
        new=state_name(register.name, target),
        who=last.who(),
        unmet=joined(unmet),
    )
    return [table.problem(i, field, message, "hand-edit-gate")]


def _fixed(table: Records, i: int, current: dict[str, Any], rows: list[Logged]) -> list[Problem]:
    """Fields fixed in the record's state then (`schema.FIXED`, `edits.fixed_way`: the rule `set`
    follows), changed by hand since: they must hold their value from before. A record of a register
    whose IDs are fixed (payments) must not be added by hand at all."""
    register = table.register
    status = register.machine.field if register.machine else None
    status_rows = [r for r in rows if r.field == status]
    id_rows = [r for r in rows if r.field == register.id_column]
    record_id = table.id_of(i) or ""
    if _added_by_hand(id_rows):
        way = fixed_way(register.name, register.id_column, None)
        if way is None:
            return []  # a record added by hand is checked as a whole by validate's rules
        last = _trailing_hand(id_rows)[-1]
        message = _(
            "{id} was added by hand ({who}), but such records are {way}: delete the row, then use the command"
        ).format(
            id=record_id, who=last.who(), way=_(way).format(id=record_id)
        )
        return [table.problem(i, register.id_column, message, "hand-edit-fixed")]

    def state_at(row: Logged) -> str | None:
        earlier = [r for r in status_rows if r.index < row.index]
        if earlier:
            return _state(register, earlier[-1].new)
        later = [r for r in status_rows if r.index > row.index]
        if later:
            return _state(register, later[0].old)
        return current.get(status) if status else None

    out = []
    for name in dict.fromkeys(r.field for r in rows if r.hand and r.field in register.by_name):
        column = register.column(name)
        fixed = [
            r
            for r in _trailing_hand([r for r in rows if r.field == name])
            if fixed_way(register.name, name, state_at(r))
        ]
        if not fixed or _same(column, fixed[0].old, current.get(name)):
            continue
        first = fixed[0]
        way = fixed_way(register.name, name, state_at(first))
        message = _(
            'changed by hand from "{old}" to "{new}" ({who}), but {field} is {way}; put the value back'
        ).format(
            old=first.old,
            new=cell_text(column, current.get(name)),
            who=first.who(),
            field=field_label(table, name),
            way=_(way).format(id=record_id),
        )
        out.append(table.problem(i, name, message, "hand-edit-fixed"))
    return out


def _added_by_hand(id_rows: list[Logged]) -> bool:
    """Whether the record was created by a hand edit (not by a command, nor restored after a deletion)."""
    births = [r for r in id_rows if not r.old.strip() and r.new.strip()]
    return bool(births) and all(r.hand for r in births) and not any(r.old.strip() for r in id_rows)


def _same(column: Column, text: str, value: Any) -> bool:
    """Whether history text `text` is the typed `value` (compared as values: 1,000.00 is 1000)."""
    if not text.strip():
        return value is None
    try:
        return codec.read_cell(column, text) == value
    except values.BadValue:
        return False


def _deleted(store: Store, register: Register, record_id: str, rows: list[Logged]) -> list[Problem]:
    """A record deleted by hand that other records still refer to."""
    ids = [r for r in rows if r.field == register.id_column]
    if not ids or not ids[-1].hand or ids[-1].new.strip():
        return []
    deletion = ids[-1]
    referring: list[str] = []
    for other in REGISTERS.values():
        for column in other.columns:
            if register.name not in column.targets:
                continue
            table = store(other.name)
            for j in table.where(column.name, record_id):
                referring.append(
                    _("{id} ({file} row {row})").format(
                        id=table.id_of(j) or "?", file=table.file, row=table.excel_row(j)
                    )
                )
    if not referring:
        return []
    shown = ", ".join(referring[:MAX_LISTED]) + (
        ngettext(
            " and {n} more record", " and {n} more records", len(referring) - MAX_LISTED
        ).format(n=len(referring) - MAX_LISTED)
        if len(referring) > MAX_LISTED
        else ""
    )
    message = ngettext(
        "{id} was deleted by hand ({who}) but {n} record still refers to it: {records}; "
        "put the row back, or change the record that refers to it",
        "{id} was deleted by hand ({who}) but {n} records still refer to it: {records}; "
        "put the row back, or change the records that refer to it",
        len(referring),
    ).format(id=record_id, who=deletion.who(), n=len(referring), records=shown)
    return [
        Problem(ERROR, "hand-deleted", message, file=store(register.name).file, record_id=record_id)
    ]
