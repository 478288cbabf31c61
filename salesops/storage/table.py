"""A register in memory: the file's own header and cells, typed access by field.

A `Table` keeps the rows exactly as read, so that a rewrite can keep every
column the tool does not know, the header language and the row order, and so
that an xlsx rewrite only touches the rows that changed. Typed values are
parsed on demand through the schema (`codec.read_cell`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from salesops import codec, values
from salesops.core.model import Change
from salesops.errors import BadCell, SalesopsError
from salesops.problems import ERROR, Problem
from salesops.schema import Column, Register


def show_cell(cell: Any) -> str:
    """A cell as quoted in messages: `"2026-13-45"`."""
    text = cell if isinstance(cell, str) else values.parse_text(cell) or ""
    if len(text) > 60:
        text = text[:57] + "..."
    return f'"{text}"'


def text_fault(text: str) -> str | None:
    """Why `text` cannot go into a spreadsheet cell as it is, or None.

    Control characters (other than tab and line breaks) cannot be stored in
    xlsx at all, and Excel cuts text past 32,767 characters; rather than
    change the user's text silently, it is refused or reported.
    """
    from salesops.storage.xlsx_io import _ILLEGAL_XML, MAX_CELL_TEXT

    bad = _ILLEGAL_XML.search(text)
    if bad:
        return (
            f"the text holds the control character U+{ord(bad.group()):04X}, which a spreadsheet cell "
            "cannot hold; remove it"
        )
    if len(text) > MAX_CELL_TEXT:
        return (
            f"the text has {len(text):,} characters, past the limit of {MAX_CELL_TEXT:,} characters "
            "a spreadsheet cell can hold"
        )
    return None


def second_header(register: Register, colmap: dict[str, int], cells: dict[int, Any]) -> str | None:
    """The error if the first data row (`cells`: column index → cell) repeats the header.

    A register saved with two header rows (say English over Chinese) would
    otherwise read its second header as a record full of bad values.
    """
    aliases = register.header_aliases
    hits = []
    for name, j in colmap.items():
        cell = cells.get(j)
        if cell is None or cell == "":
            continue
        if not isinstance(cell, str) or aliases.get(values.normalize_header(cell)) != name:
            return None
        hits.append((j, cell.strip()))
    if len(hits) < 2:  # one cell alone could be a value that happens to read like its header
        return None
    shown = [text for _, text in sorted(hits)]
    more = ", …" if len(shown) > 3 else ""
    return (
        f"row 2 repeats the header ({', '.join(shown[:3])}{more}); a register has one header row, "
        "in row 1: delete row 2"
    )


@dataclass
class Table:
    """One register: header and rows as in the file, plus the pending changes."""

    register: Register
    file: str  # file name, e.g. "leads.xlsx"
    fmt: str  # "xlsx" | "csv"
    header: list[Any]
    rows: list[list[Any]]
    exists: bool = True
    lang: str = "en"  # language for new header cells and enum values written
    date_order: str = "MDY"
    colmap: dict[str, int] = field(default_factory=dict)
    header_lang: str = "en"
    updates: dict[int, dict[int, Any]] = field(default_factory=dict)  # row index → {col: typed}
    appended: list[int] = field(default_factory=list)  # row indexes added
    changes: list[Change] = field(default_factory=list)
    _ids: dict[str, int] | None = None

    def __post_init__(self) -> None:
        if not self.colmap:
            self.colmap, self.header_lang = map_header(self.register, self.header)
            if self.rows:
                first = self.rows[0]
                repeated = second_header(self.register, self.colmap, dict(enumerate(first)))
                if repeated:
                    raise SalesopsError(repeated)
        if not self.exists and not self.header:
            self.header_lang = self.lang
            self.header = [c.header(self.lang) for c in self.register.columns]
            self.colmap = {c.name: i for i, c in enumerate(self.register.columns)}

    # ------------------------------------------------------------ reading

    def __len__(self) -> int:
        return len(self.rows)

    def excel_row(self, i: int) -> int:
        """Row number as Excel shows it (header = 1)."""
        return i + 2

    def is_blank(self, i: int) -> bool:
        return not any(c not in (None, "") and not (isinstance(c, str) and not c.strip()) for c in self.rows[i])

    def raw(self, i: int, name: str) -> Any:
        col = self.colmap.get(name)
        if col is None:
            return None
        row = self.rows[i]
        return row[col] if col < len(row) else None

    def get(self, i: int, name: str) -> Any:
        """The typed value of field `name` in row `i`; raises BadCell."""
        cell = self.raw(i, name)
        if cell is None or cell == "":
            return None
        if i in self.updates and self.colmap[name] in self.updates[i]:
            return self.updates[i][self.colmap[name]]
        column = self.register.column(name)
        try:
            return codec.read_cell(column, cell, self.date_order)
        except values.BadValue as exc:
            raise BadCell(self.problem(i, name, f"{show_cell(cell)} {exc}")) from None

    def record(self, i: int, given: dict[str, Any] | None = None) -> dict[str, Any]:
        """Every known field of row `i`, typed; the first bad cell raises BadCell.

        Fields in `given` take those values instead of being read, so a bad
        cell that is about to be replaced does not stop the change.
        """
        given = given or {}
        rec = {name: given[name] if name in given else self.get(i, name) for name in self.colmap}
        rec.update(given)
        for col in self.register.columns:
            rec.setdefault(col.name, None)
        return rec

    def user_columns(self, i: int) -> dict[str, Any]:
        """The columns the tool does not know, under their own headers."""
        known = set(self.colmap.values())
        row = self.rows[i]
        return {
            str(h): values.parse_text(row[j]) if j < len(row) else None
            for j, h in enumerate(self.header)
            if j not in known and h not in (None, "")
        }

    def problem(self, i: int | None, name: str | None, message: str, code: str = "bad-value", severity: str = ERROR) -> Problem:
        record_id = None
        if i is not None and i < len(self.rows):  # (a row being appended has no ID yet)
            raw_id = self.raw(i, self.register.id_column)
            record_id = values.parse_text(raw_id) if raw_id is not None else None
        return Problem(
            severity,
            code,
            message,
            file=self.file,
            row=self.excel_row(i) if i is not None else None,
            column=name,
            record_id=record_id,
        )

    def id_of(self, i: int) -> str | None:
        return values.parse_text(self.raw(i, self.register.id_column))

    @property
    def ids(self) -> dict[str, int]:
        """Record ID → row index (the first row holding it)."""
        if self._ids is None:
            col = self.colmap.get(self.register.id_column)
            index: dict[str, int] = {}
            if col is not None:
                for i, row in enumerate(self.rows):
                    if col < len(row) and row[col] not in (None, ""):
                        key = values.parse_text(row[col])
                        if key is not None:  # a blank-looking ID cell (" ") is no ID
                            index.setdefault(key, i)
            self._ids = index
        return self._ids

    def find(self, record_id: str) -> int | None:
        """Row index of `record_id` (exact, else case-insensitive)."""
        i = self.ids.get(record_id.strip())
        if i is None:
            wanted = record_id.strip().casefold()
            i = next((j for k, j in self.ids.items() if k.casefold() == wanted), None)
        return i

    def where(self, name: str, value: str) -> list[int]:
        """Row indexes whose field `name` holds text `value` (IDs, references)."""
        col = self.colmap.get(name)
        if col is None:
            return []
        return [i for i, row in enumerate(self.rows) if col < len(row) and values.parse_text(row[col]) == value]

    def next_id(self) -> str:
        """The register prefix and a six-digit sequence after the largest existing one."""
        prefix = self.register.prefix
        pattern = re.compile(re.escape(prefix) + r"(\d+)$", re.IGNORECASE)
        top = 0
        for key in self.ids:
            m = pattern.match(key)
            if m:
                top = max(top, int(m.group(1)))
        return f"{prefix}{top + 1:06d}"

    # ------------------------------------------------------------ writing

    def _column_index(self, name: str) -> int:
        """The column of `name`, adding it to the header when the file lacks it."""
        col = self.colmap.get(name)
        if col is None:
            col = len(self.header)
            self.header.append(self.register.column(name).header(self.header_lang))
            self.colmap[name] = col
            self.updates.setdefault(-1, {})[col] = self.header[col]
        return col

    def set(self, i: int, name: str, value: Any) -> bool:
        """Set field `name` of row `i` to a typed value; records the change. True if changed.

        An unreadable old cell may be overwritten (that is how a user fixes it
        with `--set`); history then keeps the old cell's text.
        """
        column = self.register.column(name)
        try:
            old = self.get(i, name)
            old_text = codec.to_text(column, old)
        except BadCell:
            old = old_text = values.parse_text(self.raw(i, name)) or ""
        if old == value and (value is not None or self.raw(i, name) in (None, "")):
            return False
        cell = self._checked_cell(i, column, value)
        col = self._column_index(name)
        row = self.rows[i]
        if col >= len(row):
            row.extend([None] * (col + 1 - len(row)))
        row[col] = cell
        self.updates.setdefault(i, {})[col] = value
        record_id = self.id_of(i) or ""
        self.changes.append(
            Change(self.register.name, record_id, name, old_text, codec.to_text(column, value))
        )
        if name == self.register.id_column:
            self._ids = None
        return True

    def append(self, record: dict[str, Any]) -> int:
        """Add a record (typed values by field name); returns its row index."""
        i = len(self.rows)
        cells = {
            name: self._checked_cell(i, self.register.column(name), value)
            for name, value in record.items()
            if value is not None
        }
        for name in cells:
            self._column_index(name)
        row: list[Any] = [None] * len(self.header)
        for name, cell in cells.items():
            row[self.colmap[name]] = cell
        self.rows.append(row)
        self.appended.append(i)
        record_id = str(record.get(self.register.id_column) or "")
        if self._ids is not None and record_id:
            self._ids.setdefault(record_id, i)
        for column in self.register.columns:
            value = record.get(column.name)
            if value is not None:
                self.changes.append(Change(self.register.name, record_id, column.name, "", codec.to_text(column, value)))
        return i

    def _checked_cell(self, i: int, column: Column, value: Any) -> Any:
        """`_cell`, refusing text a spreadsheet cell cannot hold (BadCell naming row and column)."""
        cell = self._cell(column, value)
        if isinstance(cell, str):
            fault = text_fault(cell)
            if fault:
                raise BadCell(self.problem(i, column.name, fault, "bad-text"))
        return cell

    def _cell(self, column: Column, value: Any) -> Any:
        """The cell stored in memory after a write: what a re-read would give."""
        if self.fmt == "csv":
            return codec.to_csv(column, value, self.lang)
        return codec.to_xlsx(column, value, self.lang)

    @property
    def dirty(self) -> bool:
        return bool(self.updates or self.appended or not self.exists and self.changes)

    def kinds(self) -> list:
        """How each column of this file is written (for the xlsx writers)."""
        from salesops.storage.xlsx_io import ColumnKind

        by_index = {j: self.register.column(n) for n, j in self.colmap.items()}
        out = []
        for j in range(len(self.header)):
            col = by_index.get(j)
            if col is None:
                out.append(ColumnKind("text"))
                continue
            kind = {"id": "text", "ref": "text"}.get(col.type, col.type)
            if col.enum is not None and col.type in ("enum", "bool"):
                choices = [col.enum.label(code, self.lang) for code in col.enum.codes]
                out.append(ColumnKind("enum" if col.type == "enum" else "bool", choices))
            else:
                out.append(ColumnKind(kind))
        return out


def map_header(register: Register, header: list[Any]) -> tuple[dict[str, int], str]:
    """Canonical field → column index, and the header's language ('en' or 'zh').

    Raises SalesopsError when two columns map to the same field.
    """
    aliases = register.header_aliases
    colmap: dict[str, int] = {}
    zh = en = 0
    for j, cell in enumerate(header):
        if cell is None:
            continue
        text = values.parse_text(cell) or ""
        key = values.normalize_header(text)
        name = aliases.get(key)
        if name is None:
            continue
        if name in colmap:
            raise SalesopsError(
                f"columns {colmap[name] + 1} and {j + 1} are both {name!r}; rename or remove one"
            )
        colmap[name] = j
        if key == values.normalize_header(register.column(name).zh):
            zh += 1
        else:
            en += 1
    return colmap, "zh" if zh > en else "en"
