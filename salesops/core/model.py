"""What the core needs from a store of records, and what it hands back.

The core never imports storage. It reaches registers through a `Store` (a
function from register name to `Records`) and works on `Records` by row
index: find, get, set, append, where, next id. Every `set`/`append` is
recorded as a `Change`, the history row the commit writes. The workspace's
`storage.table.Records` implements `Records` over a register file; a second
store (a database) can implement it without touching the core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from salesops.problems import Problem
from salesops.schema import Register


@dataclass
class Change:
    """One changed field of one record (a history row before it gets time and user)."""

    register: str
    record_id: str
    field: str
    old: str
    new: str


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

    def id_of(self, i: int) -> str | None:
        """The record ID of row `i`."""

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

    def problem(
        self, i: int | None, name: str | None, message: str, code: str = ..., severity: str = ...
    ) -> Problem:
        """A Problem naming the file, row, column and record of row `i`."""


Store = Callable[[str], Records]
