"""Registers as typed pandas frames: the view of `storage.read`'s typed tables that
validation and reports compute on.

Frame columns: every schema column, under its canonical name —
text/id/ref/enum: object (str or None; enums as canonical codes);
date: datetime64[s] (0001-01-01 … 9999-12-31); money: Int64 holding integer
CENTS; int: Int64; pct: Float64; bool: boolean — plus `_row`, the row number
people see, and the user's own columns (object) when asked for.

Entry points: `read_frame(ws, name)`, `read_frames(ws, names)` → {name: Frame}
with `.df`, `.problems`, `.file`, `.register`, `.exists`, `.columns_present`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from salesops.core.frame import ROW
from salesops.problems import Problem
from salesops.schema import REGISTERS, Register

if TYPE_CHECKING:
    import pandas as pd

    from salesops.storage.read import TypedTable
    from salesops.storage.workspace import Workspace



@dataclass
class Frame:
    """A register as a typed pandas frame, with the problems found while reading it."""

    register: Register
    file: str
    df: pd.DataFrame
    exists: bool = True
    problems: list[Problem] = field(default_factory=list)
    user_columns: list[str] = field(default_factory=list)
    columns_present: list[str] = field(default_factory=list)  # canonical fields the file has
    date_order: str = "MDY"
    typed: Any = None  # the `storage.read.TypedTable` it views


def read_frame(
    ws: Workspace, register: str, columns: list[str] | None = None, user_columns: bool = False, strict: bool = False
) -> Frame:
    """Register `register` of `ws` as a typed frame (only `columns`, with the ID, if given).

    `strict`: refuse a register whose header lacks a required column (commands and
    reports); validation reads it anyway and reports each missing column.
    """
    typed = ws.typed(register)
    if strict:
        typed.require_columns()
    return to_frame(typed, columns, user_columns, ws.settings.date_order)


def read_frames(ws: Workspace, names: list[str] | None = None, user_columns: bool = False) -> dict[str, Frame]:
    """Several registers at once (all by default), read two at a time."""
    names = names or list(REGISTERS)
    ws.read_ahead(names)
    return {n: read_frame(ws, n, user_columns=user_columns) for n in names}


def to_frame(typed: TypedTable, columns: list[str] | None = None, user_columns: bool = False, date_order: str = "MDY") -> Frame:
    """The pandas view of a typed table."""
    import pandas as pd

    from salesops.typed import series

    reg = typed.register
    names = [c.name for c in reg.columns] if columns is None else list(dict.fromkeys([reg.id_column, *columns]))
    # each column is converted once per typed table (a report asks for a register's frame many
    # times, with more columns each time); the frame copies them (pandas 2) or copies on write (pandas 3)
    done: dict[tuple[str, str], Any] = typed.__dict__.setdefault("_pandas", {})

    def convert(kind: str, name: str, user: bool = False) -> Any:
        key = ("user" if user else "field", name)
        if key not in done:
            done[key] = _column(series(kind, typed.data.column(name)))
        return done[key]

    data: dict[str, Any] = {n: convert(reg.column(n).type, n) for n in names}
    data[ROW] = typed.data.column(ROW).to_numpy()
    users = []
    if user_columns:
        for name, _ in typed.user:
            data[name] = convert("text", name, user=True)
            users.append(name)
    df = pd.DataFrame(data)
    return Frame(
        reg,
        typed.file,
        df,
        exists=typed.exists,
        problems=list(typed.problems),
        user_columns=users,
        columns_present=[n for n in names if n in typed.colmap],
        date_order=date_order,
        typed=typed,
    )


def _column(values: Any) -> Any:
    """Text stays an object column (str or None), as the frame layout says (pandas would make it `str`)."""
    import numpy as np
    import pandas as pd

    if isinstance(values, np.ndarray) and values.dtype == object:
        return pd.Series(values, dtype=object, copy=False)
    return values
