"""Every command leaves the workspace valid: the records it changed, checked with `validate`'s rules.

Before a command commits, `check_changes` runs the very checks of
`core.validate` over the records the command changed and the few records
those checks compare them with (its `Neighbours`), twice: as they were
before the command and as they would be after it. The problems found after
and not before are the command's doing; an error among them refuses the
command (nothing is written), a warning is shown. Problems the records
already had, and problems anywhere else in the workspace, are left to
`salesops validate`: they do not block unrelated work.

Only the changed records and their neighbours are read, so the cost does not
grow with the register (an `advance` in a 100,000-row register checks one row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from salesops.core.frame import Frame, from_records
from salesops.core.model import Change, Records, Store
from salesops.core.validate import Options, sort_problems, validate_frames
from salesops.errors import BadCell
from salesops.problems import ERROR, Problem
from salesops.schema import REGISTERS, Register

# The checks that compare one record with others, and which others they need:
# - `check_references`: a reference that changed → the record it names;
# - `check_account_matches`, `check_contract_receivables`, `check_collected_amounts`,
#   `check_overpayment`, `check_payment_dates`: a child → its parent, and a parent → all its
#   children (child register, reference column, parent register);
# - `check_unique_ids`: a new record → every row holding its ID;
# - `check_owners`: an owner that changed → the reps register.
FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("receivables", "contract_id", "contracts"),
    ("payments", "receivable_id", "receivables"),
)
OWNER = "owner"
REPS = "reps"

Key = tuple[str, int]  # (register, row index)


@dataclass
class Neighbours:
    """The rows to check, per register (each register looked at), and how they looked before."""

    store: Store
    rows: dict[str, set[int]] = field(default_factory=dict)
    before: dict[Key, dict[str, Any] | None] = field(
        default_factory=dict
    )  # changed rows; None: new
    changed: dict[Key, set[str]] = field(default_factory=dict)  # their changed fields
    bad_before: dict[Key, set[str]] = field(default_factory=dict)  # old values that did not read
    _now: dict[Key, tuple[dict[str, Any], list[Problem]]] = field(default_factory=dict)

    def table(self, register: str) -> Records:
        self.rows.setdefault(register, set())
        return self.store(register)

    def add(self, register: str, i: int | None) -> None:
        if i is not None:
            self.rows.setdefault(register, set()).add(i)

    def find(self, register: str, record_id: Any) -> int | None:
        return self.table(register).find(str(record_id)) if record_id else None

    def now(self, register: str, i: int) -> tuple[dict[str, Any], list[Problem]]:
        """Row `i` as it is now (read once), with the problems of its unreadable cells."""
        key = (register, i)
        if key not in self._now:
            self._now[key] = read_record(self.store(register), i)
        return self._now[key]


def check_changes(
    store: Store, changes: list[Change], settings: Any, today: dt.date
) -> list[Problem]:
    """The problems `changes` bring into the workspace, errors and warnings, sorted by file and row."""
    if not changes:
        return []
    near = neighbours(store, changes)
    options = Options(settings, today)
    old = {_key(p) for p in validate_frames(_frames(near, before=True), options)}
    new = [p for p in validate_frames(_frames(near, before=False), options) if _key(p) not in old]
    return sort_problems(new)


def refusal_text(problem: Problem) -> str:
    """The `error:` line of a refused command: whose record it is and what would be wrong."""
    who = f"{problem.record_id} would be left invalid: " if problem.record_id else ""
    return f"{who}{problem.line().removeprefix(problem.severity + ': ')}"


def errors_of(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]


def _key(p: Problem) -> tuple:
    return (p.code, p.file, p.record_id, p.row, p.column)


# ---------------------------------------------------------------- neighbours


def neighbours(store: Store, changes: list[Change]) -> Neighbours:
    """The changed records, as they are and as they were, and the records the checks compare them with."""
    near = Neighbours(store)
    by_record: dict[tuple[str, str], list[Change]] = {}
    for c in changes:
        by_record.setdefault((c.register, c.record_id), []).append(c)
    families: list[Key] = []  # parents whose children are all needed
    owners_changed = False
    for (register, record_id), its in by_record.items():
        table = near.table(register)
        i = table.find(record_id)
        if i is None:  # (a record is never deleted)
            continue
        key = (register, i)
        near.add(register, i)
        created = any(c.creates for c in its)
        now, _ = near.now(register, i)
        then = None if created else _revert(table.register, now, its, near, key)
        near.before[key] = then
        near.changed[key] = {c.field for c in its}
        owners_changed |= OWNER in near.changed[key]
        versions = [v for v in (now, then) if v]
        for col in table.register.columns:
            if col.type == "ref" and col.name in near.changed[key]:
                for version in versions:
                    near.add(col.ref, near.find(col.ref, version.get(col.name)))
        for child, ref, parent in FAMILIES:
            if register == child:
                for version in versions:
                    j = near.find(parent, version.get(ref))
                    if j is not None:
                        families.append((parent, j))
            if register == parent:
                families.append(key)
        if created:
            for j in table.where(table.register.id_column, record_id):
                near.add(register, j)
    for parent, j in families:
        near.add(parent, j)
        parent_id = near.store(parent).id_of(j)
        for child, ref, of in FAMILIES:
            if of == parent and parent_id:
                for k in near.table(child).where(ref, parent_id):
                    near.add(child, k)
    if owners_changed:
        reps = near.table(REPS)
        for j in range(len(reps)):
            near.add(REPS, j)
    return near


def _revert(
    register: Register, now: dict[str, Any], its: list[Change], near: Neighbours, key: Key
) -> dict[str, Any]:
    """The record as it was before `its` changes (their old texts read back as typed values)."""
    from salesops import codec, values

    then = dict(now)
    for c in reversed(its):
        try:
            then[c.field] = codec.read_cell(register.column(c.field), c.old) if c.old else None
        except values.BadValue:  # an unreadable cell the command replaced
            then[c.field] = None
            near.bad_before.setdefault(key, set()).add(c.field)
        else:
            near.bad_before.get(key, set()).discard(c.field)
    return then


def read_record(table: Records, i: int) -> tuple[dict[str, Any], list[Problem]]:
    """Every field of row `i`, typed; cells that do not read are None, with their problems."""
    try:
        return table.record(i), []
    except BadCell:
        pass
    rec: dict[str, Any] = {}
    problems = []
    for col in table.register.columns:
        try:
            rec[col.name] = table.get(i, col.name)
        except BadCell as exc:
            rec[col.name] = None
            problems.append(exc.problem)
    return rec, problems


# ---------------------------------------------------------------- frames


def _frames(near: Neighbours, before: bool) -> dict[str, Frame]:
    """A frame of the neighbours, as they were or will be, per register looked at.

    The registers nobody looked at are left out (as `validate` leaves out one it
    cannot read): the checks that need them are skipped before and after alike.
    """
    frames: dict[str, Frame] = {}
    for name in REGISTERS:
        if name not in near.rows:
            continue
        table = near.store(name)
        rows: list[tuple[int, dict[str, Any]]] = []
        problems: list[Problem] = []
        for i in sorted(near.rows[name]):
            key = (name, i)
            rec, bad = near.now(name, i)
            if before and key in near.before:
                rec = near.before[key]
                if rec is None:  # made by this command
                    continue
                bad = [p for p in bad if p.column not in near.changed[key]]
                bad += [
                    table.problem(i, column, "could not be read", "bad-value")
                    for column in near.bad_before.get(key, ())
                ]
            rows.append((table.excel_row(i), rec))
            problems += bad
        frames[name] = from_records(table.register, table.file, rows, problems)
    return frames
