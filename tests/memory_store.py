"""A second store for the core: registers as lists of plain dicts, nothing on disk.

It implements `salesops.core.model.Records` from the interface alone (no
salesops storage code), the way a database-backed store would: typed values
in, typed values out, every set/append recorded as a `Change`. Tests run the
core's flows on it to prove the core needs nothing else.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from salesops.core.model import Change
from salesops.problems import ERROR, Problem
from salesops.schema import REGISTERS, Register


def text(value: Any) -> str:
    """A typed value as a history row shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class MemoryRecords:
    """One register held as a list of dicts of typed values."""

    def __init__(self, register: Register, rows: list[dict[str, Any]] | None = None) -> None:
        self.register = register
        self.file = f"memory:{register.name}"
        self.rows: list[dict[str, Any]] = [dict(r) for r in rows or []]
        self.changes: list[Change] = []

    def __len__(self) -> int:
        return len(self.rows)

    def find(self, record_id: str) -> int | None:
        wanted = record_id.strip()
        ids = [r.get(self.register.id_column) for r in self.rows]
        if wanted in ids:
            return ids.index(wanted)
        folded = [str(x).casefold() if x else None for x in ids]
        return folded.index(wanted.casefold()) if wanted.casefold() in folded else None

    def get(self, i: int, name: str) -> Any:
        self.register.column(name)  # an unknown field is a bug, as in any store
        return self.rows[i].get(name)

    def record(self, i: int, given: dict[str, Any] | None = None) -> dict[str, Any]:
        rec = {c.name: self.rows[i].get(c.name) for c in self.register.columns}
        rec.update(given or {})
        return rec

    def column(self, name: str) -> list[Any]:
        self.register.column(name)
        return [r.get(name) for r in self.rows]

    def id_of(self, i: int) -> str | None:
        return self.rows[i].get(self.register.id_column)

    def is_blank(self, i: int) -> bool:
        return all(v is None for v in self.rows[i].values())

    def where(self, name: str, value: str) -> list[int]:
        return [
            i for i, r in enumerate(self.rows) if r.get(name) is not None and str(r[name]) == value
        ]

    def next_id(self) -> str:
        prefix = self.register.prefix
        pattern = re.compile(re.escape(prefix) + r"(\d+)$")
        numbers = [
            int(m.group(1))
            for r in self.rows
            if (m := pattern.match(str(r.get(self.register.id_column) or "")))
        ]
        return f"{prefix}{max(numbers, default=0) + 1:06d}"

    def set(self, i: int, name: str, value: Any) -> bool:
        old = self.rows[i].get(name)
        if old == value:
            return False
        self.rows[i][name] = value
        self.changes.append(
            Change(self.register.name, self.id_of(i) or "", name, text(old), text(value))
        )
        return True

    def append(self, record: dict[str, Any]) -> int:
        self.rows.append({k: v for k, v in record.items() if v is not None})
        record_id = str(record.get(self.register.id_column) or "")
        for col in self.register.columns:
            if record.get(col.name) is not None:
                self.changes.append(
                    Change(self.register.name, record_id, col.name, "", text(record[col.name]))
                )
        return len(self.rows) - 1

    def excel_row(self, i: int) -> int:
        return i + 2

    def label(self, name: str) -> str:
        return self.register.column(name).header("en")

    def problem(self, i, name, message, code="bad-value", severity=ERROR) -> Problem:
        return Problem(
            severity,
            code,
            message,
            file=self.file,
            row=self.excel_row(i) if i is not None else None,
            column=name,
            record_id=self.id_of(i) if i is not None and i < len(self.rows) else None,
        )


class MemoryStore:
    """Register name → its `MemoryRecords`; `looked_at` lists the registers the core asked for."""

    def __init__(self, data: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.registers = {
            name: MemoryRecords(reg, (data or {}).get(name)) for name, reg in REGISTERS.items()
        }
        self.looked_at: set[str] = set()

    def __call__(self, name: str) -> MemoryRecords:
        self.looked_at.add(name)
        return self.registers[name]

    def commit(self) -> list[Change]:
        """What a real store would write now; the pending changes are cleared."""
        done = [c for r in self.registers.values() for c in r.changes]
        for r in self.registers.values():
            r.changes = []
        return done
