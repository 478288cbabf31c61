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
from salesops.i18n import N_, _, current
from salesops.schema import Column

FIRST_EXCEL_DAY = dt.date(1900, 1, 1)  # the first day an xlsx date cell can hold
ID_TYPES = ("id", "ref")  # identifiers: read without surrounding spaces (all other text as typed)

# What a cell that did not parse should have held, by column type: catalogue messages, in
# English here (a `BadValue.phrase`); a message shows them with `_()`.
TYPE_PHRASES = {
    "date": values.NOT_A_DATE,
    "money": values.NOT_MONEY,
    "int": values.NOT_WHOLE,
    "pct": values.NOT_PCT,
    "bool": values.NOT_BOOL,
}
NOT_VALID = N_("is not valid")


def range_phrase(col: Column) -> str:
    """What an int column outside its bounds should have held (in the current language)."""
    if col.max is not None:
        return _("is not between {min} and {max}").format(min=col.min, max=col.max)
    return _("is below {min}").format(min=col.min)


def enum_phrase(col: Column) -> str:
    """What a cell of an enum column should have held, with the codes (in the current language)."""
    assert col.enum is not None
    lang = current()
    what = col.enum.a_name if lang == "en" else col.enum.title(lang)  # "an opportunity stage" / 商机阶段
    return _("is not {what} (expected one of: {codes})").format(what=what, codes=col.enum.choices(lang))


def form_phrase(col: Column) -> str:
    """What a cell of a text column with a form should have held (in the current language)."""
    assert col.form is not None
    return _("is not {what} ({examples})").format(what=_(col.form.name), examples=_(col.form.examples))


def problem_code(col: Column) -> str:
    """The problem code of a cell of `col` that did not parse (`bad-date`, `bad-enum`, `bad-format`…)."""
    if col.type == "enum":
        return "bad-enum"
    if col.form is not None:
        return "bad-format"
    return f"bad-{col.type}"


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
            raise values.BadValue(range_phrase(col))
        return n
    if kind == "pct":
        if col.min is not None and col.min < 0:  # margins may be negative
            return values.parse_hundredths(cell.strip().rstrip("%％") if isinstance(cell, str) else cell)
        return values.parse_pct(cell)
    if kind == "bool":
        return values.parse_bool(cell)
    text = values.parse_text(cell)
    if text is not None and col.type in ID_TYPES:
        text = text.strip()  # an identifier: surrounding spaces are never part of it
    if text is not None and col.form is not None:
        canonical = col.form.parse(text)
        if canonical is None:
            raise values.BadValue(form_phrase(col))
        return canonical
    if text is None or col.enum is None:
        return text
    code = col.enum.parse(text)
    if code is None:
        if col.enum.open:
            return text
        raise values.BadValue(enum_phrase(col))
    return code


def bad_cell_phrase(col: Column, cell: Any, phrase: str) -> str:
    """What is wrong with a cell a column parser flagged, in the current language: the cell
    parser's own reason where it says more than the column's `phrase` (an amount past the
    largest one kept exactly, or with more than two decimals), else `phrase`."""
    if col.type == "money":
        try:
            values.parse_money(cell)
        except values.BadValue as exc:
            if exc.phrase in (values.TOO_LARGE, values.TOO_PRECISE):
                return str(exc)
    return _(phrase)


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
        day = value if not isinstance(value, dt.datetime) else value.date()
        if day < FIRST_EXCEL_DAY:  # no date cell holds it (it would read back as 00:00:00)
            return day.isoformat()  # ISO text, which every reader parses back to the date
        return day
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
