"""What the core needs from a store of records, and what it hands back.

The core never imports storage. It reaches registers through a `Store` (a
function from register name to `Records`) and works on `Records` by row
index: find, get, set, append, where, next id. Every `set`/`append` is
recorded as a `Change`, the history row the commit writes. The workspace's
`storage.table.Table` implements `Records` over a register file; a second
store (a database) can implement it without touching the core
(`tests/memory_store.py` is one, over plain dicts).

Each core entry point returns an `Outcome`: what it decided (IDs, states,
notes for the user) and the `Change`s it made, so the caller can check and
commit them and tell the user what happened without reading anything again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from salesops.problems import Problem
from salesops.schema import REGISTERS, Register


@dataclass
class Change:
    """One changed field of one record (a history row before it gets time and user)."""

    register: str
    record_id: str
    field: str
    old: str
    new: str
    command: str | None = None  # the history row's command when not the command line (the pool's "reclaimed to pool")

    @property
    def creates(self) -> bool:
        """Whether this change is the birth of its record (its ID filled from nothing)."""
        return self.old == "" and self.field == REGISTERS[self.register].id_column


class Records(Protocol):
    """One register's records, addressed by row index (0 = the first record)."""

    register: Register
    file: str  # where the records live, as messages name it ("leads.xlsx")
    changes: list[Change]  # what set/append did so far, in order

    def __len__(self) -> int: ...

    def find(self, record_id: str) -> int | None:
        """Row index of `record_id` (exact, else case-insensitive), or None."""

    def get(self, i: int, name: str) -> Any:
        """The typed value of field `name` in row `i`; raises `errors.BadCell` for an unreadable cell."""

    def record(self, i: int, given: dict[str, Any] | None = None) -> dict[str, Any]:
        """Every field of row `i`, typed (fields in `given` take those values instead)."""

    def column(self, name: str) -> list[Any]:
        """Field `name` of every row, typed: None for an empty or unreadable cell (for scans over
        a whole register)."""

    def id_of(self, i: int) -> str | None:
        """The record ID of row `i`."""

    def is_blank(self, i: int) -> bool:
        """Whether row `i` holds nothing at all (a blank line left in a sheet)."""

    def where(self, name: str, value: str) -> list[int]:
        """Row indexes whose field `name` holds the text `value` (IDs, references)."""

    def next_id(self) -> str:
        """The register prefix and the next six-digit sequence number."""

    def set(self, i: int, name: str, value: Any) -> bool:
        """Set field `name` of row `i` to a typed value, recording a Change; True if it changed."""

    def append(self, record: dict[str, Any]) -> int:
        """Add a record (typed values by field); returns its row index."""

    def excel_row(self, i: int) -> int:
        """The row number people see for row `i` (the header is row 1)."""

    def label(self, name: str) -> str:
        """Field `name` as the register's header writes it (关闭日期 in a Chinese header), for messages."""

    def problem(
        self, i: int | None, name: str | None, message: str, code: str = ..., severity: str = ...
    ) -> Problem:
        """A Problem naming the file, row, column and record of row `i`."""


Store = Callable[[str], Records]
"""Register name → its `Records`; the same object for a name throughout a command."""


class Session:
    """The store as one command sees it, remembering the changes made through it.

    Core entry points wrap the store they are given (`Session.of`); a call made inside another
    gets a session of its own over the same store, so the `Outcome` each returns lists exactly
    the changes of that call, register by register in the order first used — and a loop of
    calls (a bulk `advance` of 28,000 leads) does not list every earlier change again in each.
    """

    def __init__(self, store: Store, parent: Session | None = None) -> None:
        self.store = store
        self.parent = parent
        # where each register's changes stood when this call first used it: those the caller
        # already used stand where they are now (their records may come in as arguments)
        self._marks: dict[str, int] = {} if parent is None else {n: len(store(n).changes) for n in parent._marks}

    @classmethod
    def of(cls, store: Store) -> Session:
        return cls(store.store, store) if isinstance(store, Session) else cls(store)

    def __call__(self, name: str) -> Records:
        records = self.store(name)
        session: Session | None = self
        while session is not None and name not in session._marks:  # the callers' calls include this one's changes
            session._marks[name] = len(records.changes)
            session = session.parent
        return records

    def changes(self) -> list[Change]:
        """Every change made since each register was first used through this session."""
        return [c for name, mark in self._marks.items() for c in self.store(name).changes[mark:]]

    def result(self, outcome: Outcome) -> Any:
        """`outcome`, completed with this session's changes (returns it, for `return session.result(...)`)."""
        outcome.changes = self.changes()
        outcome.store = self.store
        return outcome


@dataclass(kw_only=True)
class Outcome:
    """What a core entry point did: its decisions (in subclasses) and the changes it made."""

    changes: list[Change] = field(default_factory=list)
    store: Store | None = field(default=None, repr=False, compare=False)

    def touched(self) -> list[tuple[str, str, bool]]:
        """(register, record ID, created?) of every record changed, in order of first change."""
        seen: dict[tuple[str, str], bool] = {}
        for c in self.changes:
            key = (c.register, c.record_id)
            seen[key] = seen.get(key, False) or c.creates
        return [(reg, rid, created) for (reg, rid), created in seen.items()]

    def records(self) -> list[dict[str, Any]]:
        """The records changed, as they are now: {register, id, action (created|updated), record}."""
        out = []
        for register, record_id, created in self.touched():
            table = self.store(register) if self.store else None
            i = table.find(record_id) if table is not None else None
            out.append(
                {
                    "register": register,
                    "id": record_id,
                    "action": "created" if created else "updated",
                    "record": table.record(i) if i is not None else None,
                }
            )
        return out


@dataclass
class Created(Outcome):
    """A new record: its register, ID and fields as written."""

    register: str
    record_id: str
    record: dict[str, Any]


@dataclass
class Move:
    """One step of a record into `target`: what every gate and side effect may look at."""

    tables: Store
    table: Records
    row: int
    source: str  # the state before the whole move
    target: str  # the state this step enters
    on: dt.date  # the event date (--on, default today)
    settings: Any
    by: str | None = None
    reason: str | None = None
    given: frozenset[str] = frozenset()  # fields set with --set in this command
    notes: list[str] = field(default_factory=list)  # what side effects did, for the user
    proposed: dict[str, Any] | None = None  # the record as it would be, while gates are checked
    engine: Callable[..., None] | None = field(default=None, repr=False)  # moves related records
    override: bool = False  # --override: a finance or director lets a signing past credit control

    @property
    def register(self) -> str:
        return self.table.register.name

    @property
    def record(self) -> dict[str, Any]:
        """The record being moved: as proposed while gates run, as stored while side effects run."""
        return self.proposed if self.proposed is not None else self.table.record(self.row)

    @property
    def record_id(self) -> str:
        return self.table.id_of(self.row) or ""

    def enter(self, table: Records, i: int, state: str, on: dt.date) -> None:
        """Move a related record into `state` as a side effect (no gates: this move is the reason)."""
        assert self.engine is not None, "side effects run inside flow.advance"
        self.engine(
            self.tables,
            table,
            i,
            [state],
            on=on,
            settings=self.settings,
            by=self.by,
            notes=self.notes,
        )
