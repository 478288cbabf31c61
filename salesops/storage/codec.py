"""Cells ↔ typed values, per column type, driven by the schema.

`read_cell` turns what a file holds (text from CSV, typed cells from xlsx)
into the typed value the core works with; `to_xlsx` and `to_csv` turn a typed
value back into what each format stores, in the workspace language.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from salesops import values
from salesops.schema import Column

TYPE_PHRASES = {
    "date": "is not a date",
    "money": "is not an amount of money",
    "int": "is not a whole number",
    "pct": "is not a percentage between 0 and 100",
    "bool": "is not yes or no",
}


def read_cell(col: Column, cell: Any, date_order: str = "MDY") -> Any:
    """The typed value of `cell` in column `col`; raises values.BadValue."""
    kind = col.type
    if kind == "date":
        return values.parse_date(cell, date_order)
    if kind == "money":
        return values.parse_money(cell)
    if kind == "int":
        n = values.parse_int(cell)
        if n is not None and (
            (col.min is not None and n < col.min) or (col.max is not None and n > col.max)
        ):
            raise values.BadValue(f"is not between {col.min} and {col.max}" if col.max is not None else f"is below {col.min}")
        return n
    if kind == "pct":
        if col.min is not None and col.min < 0:  # margins may be negative
            return values.parse_money(str(cell).strip().rstrip("%") if isinstance(cell, str) else cell)
        return values.parse_pct(cell)
    if kind == "bool":
        return values.parse_bool(cell)
    text = values.parse_text(cell)
    if text is None or col.enum is None:
        return text
    code = col.enum.parse(text)
    if code is None:
        if col.enum.open:
            return text
        raise values.BadValue(f"is not a {col.enum.name} (expected one of: {', '.join(col.enum.codes)})")
    return code


def _plain_decimal(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return text


def to_text(col: Column, value: Any, lang: str = "en") -> str:
    """Canonical text of a typed value (CSV cells, history rows, exports)."""
    if value is None:
        return ""
    if col.type == "money" and isinstance(value, Decimal):
        return values.format_money(value)
    if isinstance(value, Decimal):
        return _plain_decimal(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return col.enum.label("yes" if value else "no", lang) if col.enum else ("yes" if value else "no")
    if col.enum is not None and isinstance(value, str):
        return col.enum.label(value, lang)
    return str(value)


def to_csv(col: Column, value: Any, lang: str) -> str:
    """What a CSV register stores for `value` (enums in the workspace language)."""
    return to_text(col, value, lang)


def to_xlsx(col: Column, value: Any, lang: str) -> Any:
    """What an xlsx register stores: real dates and numbers, text as text."""
    if value is None:
        return None
    if col.type in ("date",) and isinstance(value, dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    if col.type in ("money", "pct") and isinstance(value, Decimal):
        return value
    if col.type == "int" and isinstance(value, int):
        return value
    return to_text(col, value, lang)


def to_json(col: Column, value: Any) -> Any:
    """JSON form: canonical codes, ISO dates, money and percentages as numbers."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return to_text(col, value)
    return value
