"""xlsx registers: the shapes the rest of salesops uses, and the helpers the readers and writers share.

The work is split by job (and `storage.xlsx` is the door to it):

- `xlsx_read`    — `check_xlsx_safe` (hostile-file checks) and `read_xlsx` (values through
  python-calamine), plus the workbook structure (sheets, styles, relationships).
- `xlsx_new`     — `write_new_xlsx`: a fresh, formatted register (openpyxl builds the
  workbook; the cells go through `CellEncoder`, like `patch_xlsx`'s).
- `xlsx_patch`   — `SheetPatch`: rewrite only the changed rows of the first sheet's XML.
- `xlsx_package` — the parts that follow a patch: styles, tables, calcChain, content types.
- `xlsx_zip`     — the zip container: bounded reads, raw copies of untouched members.

This module imports none of them (they import it): it is the leaf of the xlsx modules.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat
from typing import Any

from salesops.errors import StorageError
from salesops.i18n import _
from salesops.typed import ILLEGAL_XML as _ILLEGAL_XML
from salesops.typed import MAX_CELL_TEXT
from salesops.values import float_exact

# OOXML reads `_xHHHH_` inside text as an escaped character; a literal one needs its `_` escaped.
_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
# Text that needs more than writing as is: markup characters, CR, illegal characters, `_xHHHH_`.
_TEXT_WORK = re.compile(
    "[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]|_x[0-9A-Fa-f]{4}_"
)


@dataclass
class ColumnKind:
    """How a column is written: its type, dropdown labels (enum/bool) and width."""

    type: str  # 'text' | 'date' | 'money' | 'int' | 'pct' | 'enum' | 'bool'
    choices: list[str] = field(default_factory=list)
    width: float | None = None


@dataclass
class RawSheet:
    """A sheet's values as stored: rows[0] is Excel row 1, cells None when empty."""

    rows: list[list]
    sheet_name: str
    merged: list[str]


# --- helpers shared by the reader and the writers -------------------------------------------


def col_letter(index0: int) -> str:
    """Column letters of a 0-based column index: 0 → 'A', 27 → 'AB'."""
    n, out = index0 + 1, ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    """0-based column index of column letters: 'A' → 0, 'ab' → 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def parse_cell_ref(ref: str) -> tuple[int, int]:
    """(Excel row number, 0-based column) of a reference like 'B12' or '$B$12'."""
    m = _CELL_REF.fullmatch(ref.strip())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), col_index(m.group(1))


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """(first row, first col, last row, last col) of 'A1:C9' or 'B2' (rows 1-based, cols 0-based)."""
    a, _, b = ref.partition(":")
    r0, c0 = parse_cell_ref(a)
    r1, c1 = parse_cell_ref(b) if b else (r0, c0)
    return r0, c0, r1, c1


def range_ref(r0: int, c0: int, r1: int, c1: int) -> str:
    """'A1:C9' from (first row, first col, last row, last col); a single cell stays 'B2'."""
    a, b = f"{col_letter(c0)}{r0}", f"{col_letter(c1)}{r1}"
    return a if a == b else f"{a}:{b}"


def checked_text(value: str, where: str) -> str:
    """`value` ready for an OOXML string cell (`_xHHHH_` escaped), or StorageError saying why not.

    Refuses characters XML 1.0 cannot carry and text past Excel's 32,767-character limit,
    rather than writing a file Excel would have to repair.
    """
    bad = _ILLEGAL_XML.search(value)
    if bad:
        raise StorageError(
            _("{where}: the text holds the control character U+{code}, which an xlsx file cannot store; remove it").format(
                where=where, code=f"{ord(bad.group()):04X}"
            )
        )
    if len(value) > MAX_CELL_TEXT:
        raise StorageError(
            _("{where}: the text has {n} characters, past Excel's limit of {limit}").format(
                where=where, n=f"{len(value):,}", limit=f"{MAX_CELL_TEXT:,}"
            )
        )
    return _OOXML_ESCAPE.sub(r"_x005F_\1", value) if "_x" in value else value


def excel_serial(value: dt.date, date1904: bool = False) -> float | int:
    """The Excel serial number of a date (int) or datetime (float, to the microsecond)."""
    epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        delta = value - epoch
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    return (value - epoch.date()).days


def xml_text(text: str) -> str:
    """Element text escaped for XML: &, <, > as entities, CR as &#13; (a raw CR reads back as LF)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", "&#13;") if "\r" in text else text


def number_text(v: float | int) -> str:
    """A number as an xlsx <v>: integers without a decimal point, floats to full precision."""
    if type(v) is int:
        return str(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


ROWS_AT_ONCE = 8192  # new rows encoded together by `CellEncoder.rows`
_TEXT_CHARS = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")  # _TEXT_WORK's characters
_SPACE_AFTER_LINE = re.compile(r"\n\s")  # a line (a text) starting with white space


def _needs_work(lines: str) -> bool:
    """Whether any of the texts joined by newlines in `lines` needs what `CellEncoder._text` does
    (escaping, white space kept) — possibly true when none does, never false when one does."""
    if _TEXT_CHARS.search(lines) or ("_x" in lines and _TEXT_WORK.search(lines)):
        return True
    return bool(_SPACE_AFTER_LINE.search(f"\n{lines}\n") or _SPACE_AFTER_LINE.search(f"\n{lines[::-1]}\n"))


class CellEncoder:
    """Values → <c> elements for one sheet, choosing each cell's style through `styles.ensure`.

    Text becomes an inline string (never a formula), numbers and dates numeric cells (dates
    with a date format), bool a t="b" cell. Used by patch_xlsx for changed and new rows.
    """

    def __init__(
        self, kinds: list[ColumnKind], styles: Any, date1904: bool, label: str, prefix: str = ""
    ) -> None:
        self.styles, self.date1904, self.label, self.p = styles, date1904, label, prefix
        self.need = [
            "money" if k.type == "money" else "pct" if k.type == "pct" else "number" for k in kinds
        ]
        self.letters: list[str] = []
        self._sattr: dict[bytes | None, str] = {None: ""}
        self._head_cache: dict[int, tuple[list, list, dict, dict]] = {}

    def letter(self, col: int) -> str:
        """Column letters, cached."""
        while len(self.letters) <= col:
            self.letters.append(col_letter(len(self.letters)))
        return self.letters[col]

    def _text(self, v: str, row: int, col: int) -> str:
        p = self.p
        spaced = v[:1].isspace() or v[-1:].isspace()
        if len(v) > MAX_CELL_TEXT or _TEXT_WORK.search(v):
            v = xml_text(checked_text(v, _("{file}:{row}: column {column}").format(file=self.label, row=row, column=self.letter(col))))
        if spaced:
            return f'<{p}is><{p}t xml:space="preserve">{v}</{p}t></{p}is>'
        return f"<{p}is><{p}t>{v}</{p}t></{p}is>"

    def cell(self, row: int, col: int, v: Any, s: bytes | None) -> tuple[str, bytes | None]:
        """The <c> element for value `v` at (row, col) whose current style is `s`; and the style it gets."""
        p, t = self.p, type(v)
        if t is str:
            body, ta = self._text(v, row, col), ' t="inlineStr"'
        elif t is bool:
            body, ta = f"<{p}v>{int(v)}</{p}v>", ' t="b"'
        elif (
            t is float
            or t is int
            or (isinstance(v, (numbers.Real, Decimal)) and not isinstance(v, bool))
        ):
            if isinstance(v, Decimal) and not float_exact(v):
                raise StorageError(
                    _("{file}:{row}: column {column}: {value} has more than the 15 significant digits an Excel cell holds exactly").format(
                        file=self.label, row=row, column=self.letter(col), value=v
                    )
                )
            v = (
                v
                if t is float or t is int
                else float(v)
                if isinstance(v, Decimal) or not isinstance(v, numbers.Integral)
                else int(v)
            )
            if type(v) is float and not math.isfinite(v):
                raise StorageError(
                    _("{file}:{row}: column {column}: {value} cannot be stored in Excel").format(
                        file=self.label, row=row, column=self.letter(col), value=v
                    )
                )
            s = self.styles.ensure(s, self.need[col] if col < len(self.need) else "number")
            body, ta = f"<{p}v>{number_text(v)}</{p}v>", ""
        elif isinstance(v, dt.date):
            timed = isinstance(v, dt.datetime) and v.time() != dt.time()
            s = self.styles.ensure(s, "datetime" if timed else "date")
            body, ta = f"<{p}v>{number_text(excel_serial(v, self.date1904))}</{p}v>", ""
        else:
            raise StorageError(
                _("{file}:{row}: column {column}: cannot store a {kind} in a cell").format(
                    file=self.label, row=row, column=self.letter(col), kind=t.__name__
                )
            )
        return f'<{p}c r="{self.letter(col)}{row}"{self._attr_s(s)}{ta}>{body}</{p}c>', s

    def _heads(self, template: dict[int, bytes | None], n: int) -> tuple[list, list, dict, dict]:
        """Per-column cell prefixes for new rows: '<c r="B' and what follows the row number."""
        key = id(template)
        cached = self._head_cache.get(key)
        if cached is None or len(cached[0]) < n:
            p = self.p
            self.letter(n)
            pre = [f'<{p}c r="{self.letters[j]}' for j in range(n)]
            text = [
                f'"{self._attr_s(template.get(j))} t="inlineStr"><{p}is><{p}t>' for j in range(n)
            ]
            cached = self._head_cache[key] = (pre, text, {}, {})
        return cached

    def _attr_s(self, s: bytes | None) -> str:
        sa = self._sattr.get(s)
        if sa is None:
            sa = self._sattr[s] = f' s="{s.decode()}"'
        return sa

    def rows(self, first: int, rows: list[list], template: dict[int, bytes | None]) -> str:
        """`row` of each of `rows` (numbered from `first`), joined: the same text, made a column at
        a time — each distinct value encoded once, styles chosen in the order `row` chooses them.

        Rows of unequal width, a 1904 workbook, or a column holding anything but text, numbers
        of one type or dates (or a number no cell holds) go row by row. Made in blocks of
        `ROWS_AT_ONCE` rows, so the cells of a block, not of the whole sheet, are held at once."""
        if len(rows) > ROWS_AT_ONCE:
            return "".join(self.rows(first + k, rows[k : k + ROWS_AT_ONCE], template) for k in range(0, len(rows), ROWS_AT_ONCE))
        width = len(rows[0]) if rows else 0
        if len(rows) < 2 or self.date1904 or any(len(r) != width for r in rows):
            return self._row_by_row(first, rows, template)
        p = self.p
        pre, text, num, day = self._heads(template, width)
        end_t, end_v = f"</{p}t></{p}is></{p}c>", f"</{p}v></{p}c>"
        columns = list(zip(*rows, strict=True))
        tails: dict[int, tuple[str, dict]] = {}  # column → (kind, value → its cell after the row number)
        holes: set[int] = set()  # columns with an empty cell somewhere
        firsts: list[tuple[int, int, str]] = []  # (first row, column, kind) of the columns whose style is chosen
        for j, col in enumerate(columns):
            try:
                distinct = set(col)
            except TypeError:  # a value no cell holds: refused row by row
                return self._row_by_row(first, rows, template)
            if None in distinct or "" in distinct:
                holes.add(j)
                distinct.discard(None)
                distinct.discard("")
            kinds = set(map(type, col)) - {type(None)}  # of every value: a set keeps 0 or False, not both
            if not distinct:
                continue
            if kinds == {str}:
                if max(map(len, distinct)) <= 200 and not _needs_work("\n".join(distinct)):
                    tails[j] = ("plain", {})
                    continue
                plain = (v for v in distinct if not (len(v) > 200 or _TEXT_WORK.search(v) or v[0].isspace() or v[-1].isspace()))
                tails[j] = ("text", {v: f"{text[j]}{v}{end_t}" for v in plain})
                tails[j][1].update({v: None for v in distinct if v not in tails[j][1]})
                continue
            if kinds in ({int}, {float}, {Decimal}):
                made = {}
                for v in distinct:
                    x = v if type(v) is int else float(v)
                    if (type(v) is Decimal and not float_exact(v)) or x - x != 0:
                        return self._row_by_row(first, rows, template)  # refused or left out there
                    made[v] = f"{number_text(x)}{end_v}"
                kind = "number"
            elif kinds == {dt.date}:
                made, kind = {v: f"{v.toordinal() - 693594}{end_v}" for v in distinct}, "date"
            else:
                return self._row_by_row(first, rows, template)
            tails[j] = (kind, made)
            firsts.append((next(k for k, v in enumerate(col) if v is not None and v != ""), j, kind))
        for _k, j, kind in sorted(firsts):
            if kind == "number" and j not in num:
                s = self.styles.ensure(template.get(j), self.need[j] if j < len(self.need) else "number")
                num[j] = f'"{self._attr_s(s)}><{p}v>'
            elif kind == "date" and j not in day:
                day[j] = f'"{self._attr_s(self.styles.ensure(template.get(j), "date"))}><{p}v>'
        numbers = [str(first + k) for k in range(len(rows))]
        # Each row is one join of its pieces: constant text, its number, and each value's text — for a
        # column with a value in every row; a column with empty cells gives its cells whole ("" when empty).
        pieces: list = [repeat(f'<{p}row r="'), numbers]
        whole: list[list[str]] = []  # the columns given as cells
        between = '">'  # constant text not placed yet
        for j in sorted(tails):
            kind, made = tails[j]
            col = columns[j]
            mid, end = (text[j], end_t) if kind in ("plain", "text") else (num[j] if kind == "number" else day[j], end_v)
            slow = kind == "text" and None in made.values()
            if j not in holes and not slow:
                values = col if kind in ("plain", "text") else map({v: t[: -len(end_v)] for v, t in made.items()}.__getitem__, col)
                pieces += [repeat(between + pre[j]), numbers, repeat(mid), values]
                between = end
                continue
            head = pre[j]
            if kind == "plain":
                column = [f"{head}{r}{mid}{v}{end}" if v else "" for v, r in zip(col, numbers, strict=True)]
            else:
                before = "" if kind == "text" else mid  # a text's cell (`made`) holds its own
                tail = {v: f"{before}{t}" for v, t in made.items() if t is not None}
                tail[None] = tail[""] = ""
                column = [f"{head}{r}{t}" if (t := tail.get(v)) else "" for v, r in zip(col, numbers, strict=True)]
                try:
                    for k, v in enumerate(col) if slow else ():  # text a plain cell cannot carry as it is: as `row` does
                        if v and v not in tail:
                            column[k] = self.cell(first + k, j, v, template.get(j))[0]
                except StorageError:  # text no cell can hold: refused row by row, naming the first in row order
                    return self._row_by_row(first, rows, template)
            pieces += [repeat(between), column]
            whole.append(column)
            between = ""
        if not tails:
            return ""
        pieces.append(repeat(f"{between}</{p}row>"))
        lines = map("".join, zip(*pieces, strict=False))  # the constant pieces repeat without end
        if len(whole) < len(tails):  # a column with a value in every row: no row is empty
            return "".join(lines)
        return "".join(line for line, *cells in zip(lines, *whole, strict=True) if any(cells))

    def _row_by_row(self, first: int, rows: list[list], template: dict[int, bytes | None]) -> str:
        return "".join(self.row(first + k, r, template) for k, r in enumerate(rows))

    def row(self, row: int, values: list, template: dict[int, bytes | None]) -> str:
        """A whole new <row> of `values` (None and '' cells left out); new cells take the template's styles.

        The hot path of big writes: common types are inlined, the rest go through `cell`.
        """
        p, rs = self.p, str(row)
        pre, text, num, day = self._heads(template, len(values))
        out = [f'<{p}row r="{rs}">']
        end_t, end_v = f"</{p}t></{p}is></{p}c>", f"</{p}v></{p}c>"
        for col, v in enumerate(values):
            t = type(v)
            if t is str:
                if not v:
                    continue
                if len(v) > 200 or _TEXT_WORK.search(v) or v[0].isspace() or v[-1].isspace():
                    out.append(self.cell(row, col, v, template.get(col))[0])
                else:
                    out.append(f"{pre[col]}{rs}{text[col]}{v}{end_t}")
            elif t is float or t is int or t is Decimal:
                if t is Decimal and not float_exact(v):
                    self.cell(row, col, v, None)  # raises
                if t is not int:
                    v = float(v)  # exact: a float-exact Decimal, or a float already
                    if v - v != 0:  # nan, inf
                        if v == v:
                            self.cell(row, col, v, None)  # raises
                        continue
                mid = num.get(col)
                if mid is None:
                    s = self.styles.ensure(
                        template.get(col), self.need[col] if col < len(self.need) else "number"
                    )
                    mid = num[col] = f'"{self._attr_s(s)}><{p}v>'
                out.append(f"{pre[col]}{rs}{mid}{number_text(v)}{end_v}")
            elif t is dt.date and not self.date1904:
                mid = day.get(col)
                if mid is None:
                    mid = day[col] = (
                        f'"{self._attr_s(self.styles.ensure(template.get(col), "date"))}><{p}v>'
                    )
                out.append(f"{pre[col]}{rs}{mid}{v.toordinal() - 693594}{end_v}")
            elif v is not None:
                out.append(self.cell(row, col, v, template.get(col))[0])
        if len(out) == 1:
            return ""
        out.append(f"</{p}row>")
        return "".join(out)
