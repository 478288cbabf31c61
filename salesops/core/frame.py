"""Registers as typed frames: the shape validation works on, and frames made from records.

A `Frame` is what every check of `core.validate` reads: one register as a
pandas DataFrame with every schema column under its canonical name, typed
the same way whoever built it —

- text, id, ref, enum: object (str or None; enums as canonical codes)
- date: datetime64[s] (NaT when empty)
- money: Int64 holding integer CENTS
- int: Int64 · pct: Float64 · bool: boolean
- plus `_row`, the row number people see (the header is row 1)

— with the problems found reading it (`problems`: cells that did not parse,
which the checks leave out), the file it came from, and which schema columns
the file has. Storage builds frames from files (`storage.frames`); the core
builds them from records (`from_records`) to check the records a command
changed with the very same rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from salesops.problems import Problem
from salesops.schema import Register

if TYPE_CHECKING:
    import pandas as pd

ROW = "_row"
DTYPES = {
    "date": "datetime64[s]",
    "money": "Int64",
    "int": "Int64",
    "pct": "Float64",
    "bool": "boolean",
}


class Frame(Protocol):
    """One register as a typed frame (see the module docstring for the column types)."""

    register: Register
    file: str
    df: pd.DataFrame
    exists: bool
    problems: list[Problem]
    columns_present: list[str]  # canonical fields the file has


@dataclass
class RecordFrame:
    """A `Frame` made from typed records rather than read from a file."""

    register: Register
    file: str
    df: pd.DataFrame
    exists: bool = True
    problems: list[Problem] = field(default_factory=list)
    columns_present: list[str] = field(default_factory=list)


def from_records(
    register: Register,
    file: str,
    rows: Iterable[tuple[int, dict[str, Any]]],
    problems: list[Problem] | None = None,
) -> RecordFrame:
    """A frame of `(row number, typed record)` pairs, typed as a frame read from the file.

    `problems` are the cells of these rows that could not be read (the checks
    leave those cells out, as they do for a file).
    """
    import pandas as pd

    rows = list(rows)
    data = {
        col.name: column_series([rec.get(col.name) for _, rec in rows], col.type)
        for col in register.columns
    }
    data[ROW] = pd.array([n for n, _ in rows], dtype="Int64")
    df = pd.DataFrame(data)
    return RecordFrame(
        register,
        file,
        df,
        problems=list(problems or []),
        columns_present=[c.name for c in register.columns],
    )


def column_series(values: list[Any], kind: str) -> Any:
    """Typed Python values (dates, Decimals, ints, bools, text) as a column of a frame."""
    import numpy as np
    import pandas as pd

    dtype = DTYPES.get(kind)
    if kind == "date":
        return pd.Series(np.array([_day(v) for v in values], dtype="datetime64[s]"), dtype=dtype)
    if kind == "money":
        return pd.array([_cents(v) for v in values], dtype=dtype)
    if kind == "pct":
        return pd.array([None if v is None else float(v) for v in values], dtype=dtype)
    if kind in ("int", "bool"):
        return pd.array(values, dtype=dtype)
    return pd.Series(values, dtype=object)


def _day(value: Any) -> Any:
    import numpy as np

    if value is None:
        return np.datetime64("NaT", "s")
    day = value.date() if isinstance(value, dt.datetime) else value
    return np.datetime64(day.isoformat(), "s")


def _cents(value: Decimal | None) -> int | None:
    return None if value is None else int((Decimal(value) * 100).to_integral_value())
