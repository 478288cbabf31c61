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
What each check needs is declared below, beside the checks' names: a new
check that compares records must add its relation there.
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
from salesops.i18n import _
from salesops.problems import ERROR, Problem
from salesops.schema import REGISTERS, Register, register_for_id

# What the checks that compare one record with others need, besides the changed record:
# - `check_references`: a reference that changed → the record it names (for a reference that may
#   name several registers, the registers searched until it was found; the rest stand in empty);
# - `check_unique_ids`: a new record → every row holding its ID;
# - FAMILIES — `check_account_matches`, `check_contract_receivables`, `check_collected_amounts`,
#   `check_overpayment`, `check_payment_dates`, `check_activity_accounts`, `check_won_amounts`: a changed child → its
#   parent (and, for totals, the parent's other children); a parent whose compared fields changed
#   → its children;
# - WHOLE — `check_duplicate_targets`, `check_target_who`: a changed target → every target and rep;
# - `check_owners`: a person column that changed (owner, sr, reviewer…) → every rep.


@dataclass(frozen=True)
class Family:
    """Children of `register` point to their parent through `ref` (a reference column)."""

    register: str
    ref: str
    parent_fields: frozenset[str] | None = None  # the parent's fields compared (None: any)
    siblings: bool = True  # whether a child is checked together with its parent's other children


FAMILIES: tuple[Family, ...] = (
    Family("receivables", "contract_id"),
    Family("payments", "receivable_id"),
    Family("activities", "record_id", frozenset({"account_id"}), siblings=False),
    Family("contracts", "opportunity_id", frozenset({"amount", "stage"})),
)
WHOLE: dict[str, tuple[str, ...]] = {"targets": ("targets", "reps")}
REPS = "reps"

Key = tuple[str, int]  # (register, row index)


@dataclass
class Neighbours:
    """The rows to check per register, the registers standing in empty, and how changed rows looked before."""

    store: Store
    rows: dict[str, set[int]] = field(default_factory=dict)  # registers read, and their rows to check
    empty: set[str] = field(default_factory=set)  # registers a check needs but nothing was read from
    before: dict[Key, dict[str, Any] | None] = field(default_factory=dict)  # changed rows; None: new
    changed: dict[Key, set[str]] = field(default_factory=dict)  # their changed fields
    bad_before: dict[Key, set[str]] = field(default_factory=dict)  # old values that did not read
    _now: dict[Key, tuple[dict[str, Any], list[Problem]]] = field(default_factory=dict)

    def table(self, register: str) -> Records:
        self.rows.setdefault(register, set())
        return self.store(register)

    def add(self, register: str, i: int | None) -> None:
        if i is not None:
            self.rows.setdefault(register, set()).add(i)

    def add_all(self, register: str) -> None:
        table = self.table(register)
        self.rows[register].update(range(len(table)))

    def find(self, registers: tuple[str, ...], record_id: Any) -> Key | None:
        """Where `record_id` is among `registers` (the one its prefix names first); the registers not
        searched stand in empty, so the checks needing them all still run."""
        if not record_id:
            return None
        guess = register_for_id(str(record_id))
        order = sorted(registers, key=lambda name: guess is None or name != guess.name)
        found = None
        for name in order:
            if found is None:
                i = self.table(name).find(str(record_id))
                found = (name, i) if i is not None else None
            elif name not in self.rows:
                self.empty.add(name)
        return found

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
    changes = [c for c in changes if c.field in REGISTERS[c.register].by_name]  # user columns: no check reads them
    if not changes:
        return []
    near = neighbours(store, changes)
    options = Options(settings, today)
    old = {_key(p) for p in validate_frames(_frames(near, before=True), options)}
    new = [p for p in validate_frames(_frames(near, before=False), options) if _key(p) not in old]
    return sort_problems(new)


def refusal_text(problem: Problem) -> str:
    """The `error:` line of a refused command: whose record it is and what would be wrong."""
    said = problem.line().removeprefix(problem.severity + ": ")
    if not problem.record_id:
        return said
    return _("{id} would be left invalid: {problem}").format(id=problem.record_id, problem=said)


def errors_of(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]


# A missing record is one defect however many rows name it: a record that copies a reference
# already dangling beside it (a payment taking its receivable's account) adds no new one.
ONE_DEFECT_PER_MESSAGE = frozenset({"dangling-ref"})


def _key(p: Problem) -> tuple:
    """What makes two problems the same defect, before and after the command."""
    if p.code in ONE_DEFECT_PER_MESSAGE:
        return (p.code, p.message)
    return (p.code, p.file, p.record_id, p.row, p.column)


# ---------------------------------------------------------------- neighbours


def neighbours(store: Store, changes: list[Change]) -> Neighbours:
    """The changed records, as they are and as they were, and the records the checks compare them with."""
    near = Neighbours(store)
    by_record: dict[tuple[str, str], list[Change]] = {}
    for c in changes:
        by_record.setdefault((c.register, c.record_id), []).append(c)
    parents: list[tuple[Family, Key]] = []  # parents whose children are needed
    whole: set[str] = set()
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
        changed = near.changed[key] = {c.field for c in its}
        versions = [v for v in (now, then) if v]
        for col in table.register.columns:
            if col.name not in changed:
                continue
            if col.targets:
                for version in versions:
                    found = near.find(col.targets, version.get(col.name))
                    if found:
                        near.add(*found)
            if col.person:
                whole.add(REPS)
        for family in FAMILIES:
            if register == family.register:
                for version in versions:
                    found = near.find(_parents(family), version.get(family.ref))
                    if found:
                        near.add(*found)
                        if family.siblings:
                            parents.append((family, found))
            if register in _parents(family) and (
                family.parent_fields is None or changed & family.parent_fields
            ):
                parents.append((family, key))
        if created:
            for j in table.where(table.register.id_column, record_id):
                near.add(register, j)
        whole.update(WHOLE.get(register, ()))
    for family, (parent, j) in parents:
        parent_id = near.store(parent).id_of(j)
        if parent_id:
            for k in near.table(family.register).where(family.ref, parent_id):
                near.add(family.register, k)
        near.empty.update(_parents(family))  # (where nothing was read, they stand in empty)
    for register in whole:
        near.add_all(register)
    return near


def _parents(family: Family) -> tuple[str, ...]:
    return REGISTERS[family.register].column(family.ref).targets


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
    for name, register in REGISTERS.items():
        if name in near.empty and name not in near.rows:
            frames[name] = from_records(register, name, [])
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
                    table.problem(i, column, _("could not be read"), "bad-value")
                    for column in near.bad_before.get(key, ())
                ]
            rows.append((table.excel_row(i), rec))
            problems += bad
        frames[name] = from_records(table.register, table.file, rows, problems)
    return frames
