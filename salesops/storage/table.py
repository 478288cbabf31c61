"""A register in memory for commands: `core.model.Records` over the typed table of `storage.read`.

Values come from the typed table (read once, through the cache); a cell that
did not parse raises `BadCell` naming file, row and column. Changes are kept
as typed values beside it — set fields, appended records, user cells, new
header cells — and turned into cells only for the writer, which rewrites the
changed rows alone (`xlsx_patch` for xlsx, `csv_io.patch_csv` for CSV), so no
raw copy of the register is held.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from typing import Any

from salesops import codec, values
from salesops.core.model import Change
from salesops.errors import BadCell
from salesops.i18n import _
from salesops.problems import ERROR, Problem
from salesops.schema import Column, Register
from salesops.storage.read import TypedTable, empty_table, map_header, second_header
from salesops.typed import show_cell, text_fault, text_faults, typed_value, typed_values

__all__ = ["Table", "map_header", "second_header", "show_cell", "text_fault"]

_NO_CELLS: dict = {}  # a row without set or user cells (never written to)
# Cells of a column read one at a time before the whole column becomes a Python list: `show` of
# one record looks at every field once (16 lists of a million texts cost `show` 4 s), a loop over
# every row makes the list after these.
SCALAR_LOOKS = 64
# Records `find` looks for inside Arrow before it indexes every ID once: each look scans the whole
# ID column (a millisecond per 100,000 rows), the index costs about as much as 40 of them.
FINDS_BEFORE_IDS = 8


class Table:
    """One register: the typed records as read, plus the pending changes."""

    def __init__(self, typed: TypedTable, lang: str = "en", date_order: str = "MDY") -> None:
        self.typed = typed
        self.register: Register = typed.register
        self.file = typed.file
        self.fmt = typed.fmt
        self.exists = typed.exists
        self.lang = lang  # language of new header cells and of enum values written
        self.date_order = date_order
        self.header: list[str] = list(typed.header)
        self.colmap: dict[str, int] = dict(typed.colmap)
        self.header_lang = typed.header_lang if typed.exists else lang
        self.changes: list[Change] = []
        self._n = len(typed)
        self._cols: dict[str, list] = {}
        self._rows = typed.rows()
        self._user_pos = {name: j for name, j in typed.user}
        self._problems = {(p.row, p.column): p for p in typed.problems if p.column}
        self._set: dict[int, dict[str, Any]] = {}  # row index → field → typed value (set or appended)
        self._user: dict[int, dict[int, str]] = {}  # row index → file column → text
        self._new: list[dict[str, Any]] = []  # appended records
        self._pending: dict[int, set[int]] = {}  # row index → file columns to write
        self._written = 0  # appended records already in the file
        self._header_new: dict[int, str] = {}
        self._ids: dict[str, int] | None = None
        self._finds = 0  # lookups by `find` so far
        self._top: int | None = None  # the largest sequence of an ID (`next_id`), once asked
        self._holding: dict[str, dict[Any, list[int]]] = {}  # `_now_holding`, per field asked
        self._looks: dict[str, int] = {}  # column → cells looked at one by one

    @classmethod
    def empty(cls, register: Register, file: str, fmt: str, lang: str = "en", date_order: str = "MDY") -> Table:
        """A register that has no file yet."""
        return cls(empty_table(register, file, fmt, lang), lang, date_order)

    # ------------------------------------------------------------ reading

    def __len__(self) -> int:
        return self._n + len(self._new)

    def excel_row(self, i: int) -> int:
        """Row number as people see it (header = 1)."""
        if i < self._n:
            return self._rows[i]
        return self.typed.last_row + 1 + (i - self._n)

    def is_blank(self, i: int) -> bool:
        """Blank rows are not records: no row of a Table is blank."""
        return False

    def _stored(self, i: int, name: str) -> Any:
        if name in self._set.get(i, ()):
            return self._set[i][name]
        if i >= self._n:
            return None
        col = self._cols.get(name)
        if col is None:  # a few looks at a column of a million rows take its cells one by one
            looks = self._looks[name] = self._looks.get(name, 0) + 1
            if looks <= SCALAR_LOOKS:
                return typed_value(self.register.column(name), self.typed.data.column(name)[i].as_py())
            col = self._stored_texts(name)
        return typed_value(self.register.column(name), col[i])

    def get(self, i: int, name: str) -> Any:
        """The typed value of field `name` in row `i`; raises BadCell for a cell that did not parse."""
        if i < self._n and name not in self._set.get(i, ()) and (i, name) in self.typed.bad:
            raise BadCell(self._bad_problem(i, name))
        return self._stored(i, name)

    def _bad_problem(self, i: int, name: str) -> Problem:
        found = self._problems.get((self._rows[i], name))
        if found is not None:
            return found
        return self.problem(i, name, _("{cell} is not valid").format(cell=show_cell(self.typed.bad[(i, name)])))

    def raw_text(self, i: int, name: str) -> str:
        """The text of a cell as the file holds it (for history rows of unreadable cells)."""
        if i < self._n and (i, name) in self.typed.bad:
            return values.parse_text(self.typed.bad[(i, name)]) or ""
        return codec.to_text(self.register.column(name), self._stored(i, name), self.lang)

    def record(self, i: int, given: dict[str, Any] | None = None) -> dict[str, Any]:
        """Every field of row `i`, typed; the first bad cell raises BadCell.

        Fields in `given` take those values instead of being read, so a bad
        cell that is about to be replaced does not stop the change.
        """
        given = given or {}
        rec = {c.name: given[c.name] if c.name in given else self.get(i, c.name) for c in self.register.columns}
        rec.update(given)
        return rec

    def column(self, name: str) -> list[Any]:
        """Field `name` of every row, typed (None for empty and unreadable cells): the column as
        read in one piece, then the cells the command set and the rows it added."""
        out = typed_values(self.register.column(name), self._stored_texts(name) if self._n else [])
        for i, j in self.typed.bad:
            if j == name:
                out[i] = None
        out.extend([None] * (len(self) - self._n))
        for i, fields in self._set.items():
            if name in fields:
                out[i] = fields[name]
        return out

    def user_columns(self, i: int) -> dict[str, Any]:
        """The columns the tool does not know, under their own headers."""
        out: dict[str, Any] = {}
        for name, j in self.typed.user:
            if j < 0:
                continue
            out[name] = self._user.get(i, {}).get(j, self._user_text(i, name))
        known = set(self.colmap.values()) | set(self._user_pos.values())
        for j, head in enumerate(self.header):
            if j not in known and head:
                out[head] = self._user.get(i, {}).get(j)
        return out

    def _user_text(self, i: int, name: str) -> str | None:
        if i >= self._n or name not in self.typed.data.column_names:  # a row or a column new in this command
            return None
        key = "user:" + name
        col = self._cols.get(key)
        if col is None:
            col = self._cols[key] = self.typed.data.column(name).to_pylist()
        return col[i]

    def problem(self, i: int | None, name: str | None, message: str, code: str = "bad-value", severity: str = ERROR) -> Problem:
        record_id = self.id_of(i) if i is not None and i < len(self) else None
        return Problem(
            severity,
            code,
            message,
            file=self.file,
            row=self.excel_row(i) if i is not None else None,
            column=name,
            record_id=record_id,
            header=self.label(name) if name in self.register.by_name else None,
        )

    def label(self, name: str) -> str:
        """Field `name` as this register's header writes it (关闭日期 in a Chinese header), for messages."""
        j = self.colmap.get(name)
        if j is not None and j < len(self.header) and self.header[j]:
            return str(self.header[j]).strip()
        return self.register.column(name).header(self.header_lang)

    def id_of(self, i: int) -> str | None:
        return self._stored(i, self.register.id_column)

    @property
    def ids(self) -> dict[str, int]:
        """Record ID → row index (the first row holding it)."""
        if self._ids is None:
            index: dict[str, int] = {}
            name = self.register.id_column
            stored = self._stored_texts(name)
            for i in range(len(self)):
                key = stored[i] if i < self._n and i not in self._set else self.id_of(i)
                if key:
                    index.setdefault(key.strip(), i)
            self._ids = index
        return self._ids

    def _stored_texts(self, name: str) -> list[Any]:
        """Field `name` of every stored row as read (a text field's typed value is its stored text)."""
        col = self._cols.get(name)
        if col is None:
            col = self._cols[name] = self.typed.data.column(name).to_pylist()
        return col

    def find(self, record_id: str) -> int | None:
        """Row index of `record_id` (exact, else case-insensitive). The first few are looked for
        inside Arrow (`_first_holding`); a command finding more (a bulk `advance --where`) makes
        `ids` once instead of scanning every row for each record."""
        key = record_id.strip()
        self._finds += 1
        if self._ids is None and self._finds <= FINDS_BEFORE_IDS:
            i = self._first_holding(key)
        else:
            i = self.ids.get(key)
        if i is None:
            wanted = key.casefold()
            i = next((j for k, j in self.ids.items() if k.casefold() == wanted), None)
        return i

    def _first_holding(self, key: str) -> int | None:
        """`ids.get(key)` without making `ids` (a dict of a million IDs for one record): the rows as
        read whose ID holds `key` are found inside Arrow, then checked one by one; the rows this
        command set or added as they are now."""
        name = self.register.id_column
        stored = self._text_column(name)
        if not key or stored is None:
            return self.ids.get(key) if key else None
        import numpy as np
        import pyarrow.compute as pc

        from salesops.arrownp import bools

        changed = self._changed(name)
        hits = [i for i in changed if (self.id_of(i) or "").strip() == key]
        for i in np.flatnonzero(bools(pc.match_substring(stored, key))).tolist():
            if i not in changed and (stored[i].as_py() or "").strip() == key:
                hits.append(i)
                break
        return min(hits) if hits else None

    def _text_column(self, name: str):
        """The Arrow column of field `name` as read, when it is text (else None)."""
        data = self.typed.data
        return data.column(name) if name in data.column_names and data.schema.field(name).type == "string" else None

    def _changed(self, name: str) -> set[int]:
        """Rows whose field `name` this command set, or added."""
        return {i for i, fields in self._set.items() if name in fields}

    def where(self, name: str, value: str) -> list[int]:
        """Row indexes whose field `name` holds text `value` (IDs, references): the rows as read
        compared inside Arrow, those this command set or added as they are now."""
        stored = self._text_column(name)
        if not isinstance(value, str) or stored is None:
            return [i for i in range(len(self)) if self._stored(i, name) == value]
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        from salesops.arrownp import bools, of_list

        same = bools(pc.is_in(stored, value_set=of_list([value], pa.string())))  # (no pandas)
        rows = [i for i in np.flatnonzero(same).tolist() if name not in self._set.get(i, ())]
        return sorted(rows + self._now_holding(name).get(value, []))

    def _now_holding(self, name: str) -> dict[Any, list[int]]:
        """Value → the rows whose field `name` this command set or added to it: made when `where`
        first asks, then kept up to date by `set` and `append` (a command adding thousands of
        records and looking each one's neighbours up went through every one of them each time)."""
        index = self._holding.get(name)
        if index is None:
            index = self._holding[name] = {}
            for i, fields in self._set.items():
                if name in fields:
                    index.setdefault(fields[name], []).append(i)
        return index

    def _now_holds(self, i: int, fields: dict[str, Any], before: dict[str, Any] | None = None) -> None:
        """Row `i` now holds `fields` (it held `before`, if it was set already): `_now_holding` follows."""
        for name, index in self._holding.items():
            if name in fields:
                if before is not None and name in before:
                    index[before[name]].remove(i)
                index.setdefault(fields[name], []).append(i)

    def next_id(self) -> str:
        """The register prefix and a six-digit sequence after the largest existing one (found
        once per command, then kept up to date by `append`: a command adding thousands of records,
        `collect`'s reminders, scanned every ID for each)."""
        if self._top is None:
            self._top = max((self._sequence(key) for key in self.ids), default=0)
        return f"{self.register.prefix}{self._top + 1:06d}"

    def _sequence(self, record_id: str) -> int:
        """The number of an ID of this register's form (L-000012: 12), else 0."""
        m = re.match(re.escape(self.register.prefix) + r"(\d+)$", record_id, re.IGNORECASE)
        return int(m.group(1)) if m else 0

    def _add_row(self, i: int, fields: dict[str, Any], record_id: str) -> None:
        """Row `i` added, holding `fields` under `record_id` (`append`, `append_many`): the
        command's own cells, and the lookups kept up to date with them — `ids`, `next_id`'s
        largest sequence, `where`'s index of the command's rows."""
        self._set[i] = fields
        if self._holding:
            self._now_holds(i, fields)
        if record_id and self._ids is not None:
            self._ids.setdefault(record_id, i)
        if record_id and self._top is not None:
            self._top = max(self._top, self._sequence(record_id.strip()))

    # ------------------------------------------------------------ writing

    def _column_index(self, name: str) -> int:
        """The column of `name`, adding it to the header when the file lacks it."""
        col = self.colmap.get(name)
        if col is None:
            col = self._add_header(self.register.column(name).header(self.header_lang))
            self.colmap[name] = col
        return col

    def _add_header(self, text: str) -> int:
        col = len(self.header)
        self.header.append(text)
        self._header_new[col] = text
        return col

    def set(self, i: int, name: str, value: Any) -> bool:
        """Set field `name` of row `i` to a typed value; records the change. True if changed.

        An unreadable old cell may be overwritten (that is how a user fixes it
        with `--set`); history then keeps the old cell's text.
        """
        column = self.register.column(name)
        unreadable = False
        try:
            old = self.get(i, name)
            old_text = codec.to_text(column, old)
        except BadCell:
            old, old_text, unreadable = None, self.raw_text(i, name), True
        if old == value and not unreadable:
            return False
        self._checked_cell(i, column, value)
        col = self._column_index(name)
        if self._holding:
            self._now_holds(i, {name: value}, self._set.get(i))
        self._set.setdefault(i, {})[name] = value
        self._pending.setdefault(i, set()).add(col)
        record_id = self.id_of(i) or ""
        self.changes.append(Change(self.register.name, record_id, name, old_text, codec.to_text(column, value)))
        if name == self.register.id_column:
            self._ids = self._top = None
        return True

    def append(self, record: dict[str, Any], source: str | None = None) -> int:
        """Add a record (typed values by field name); returns its row index.

        History gets a row per field; or, for a record imported from `source` (e.g.
        "leads.xlsx row 14"), one row naming it (field `*`) and one for its stage or status.
        """
        i = len(self)
        for name, value in record.items():
            if value is not None:
                self._checked_cell(i, self.register.column(name), value)
                self._column_index(name)
        self._new.append({})
        record_id = str(record.get(self.register.id_column) or "")
        self._add_row(i, {name: value for name, value in record.items() if value is not None}, record_id)
        if source is not None:
            self.changes.append(Change(self.register.name, record_id, "*", "", source))
        for column in self.register.columns:
            value = record.get(column.name)
            if value is not None and (source is None or column.name == self.register.status_field):
                self.changes.append(Change(self.register.name, record_id, column.name, "", codec.to_text(column, value)))
        return i

    def append_many(self, records: list[dict[str, Any]], sources: list[str | None] | None = None) -> range:
        """`append` of many records at once (an import): the same cells, header, IDs and history
        rows in the same order, but each column made and checked in bulk — a cell per distinct
        value, not per record. Returns the new rows' indexes. Refused (BadCell, nothing added)
        when any cell cannot be stored, naming the same row and column `append` would."""
        start = len(self)
        if sources is None:
            sources = [None] * len(records)
        elif len(sources) != len(records):
            raise ValueError("append_many: one source per record")
        kept = [
            dict(rec) if None not in rec.values() else {name: value for name, value in rec.items() if value is not None}
            for rec in records
        ]
        names = set().union(*kept) if kept else set()
        columns = [c for c in self.register.columns if c.name in names]
        if len(columns) < len(names):
            self.register.column(min(names - {c.name for c in columns}))  # raises for an unknown field
        for column in columns:
            self._check_column(start, column, [rec.get(column.name) for rec in kept], kept)
        firsts = sorted({next(k for k, rec in enumerate(kept) if c.name in rec) for c in columns})
        for k in firsts:  # new header cells in the order `append` adds them
            for name in kept[k]:
                self._column_index(name)
        self._new.extend({} for _rec in kept)
        idc = self.register.id_column
        ids = [str(rec.get(idc) or "") for rec in records]
        for k, (rec, rid) in enumerate(zip(kept, ids, strict=True)):
            self._add_row(start + k, rec, rid)
        self.changes.extend(self._append_changes(kept, ids, sources))
        return range(start, len(self))

    def _check_column(self, start: int, column: Column, cells: list[Any], kept: list[dict[str, Any]]) -> None:
        """Refuse the first record (in `append`'s order) whose cell cannot be stored; each distinct
        value of `column` is made into a cell and checked once (equal values make equally good cells)."""
        distinct = set(cells)
        distinct.discard(None)
        if not self._text_as_is(column, distinct):
            distinct = set(map(functools.partial(self._cell, column), distinct))
        if not text_faults(cell for cell in distinct if isinstance(cell, str)):
            return
        for k, rec in enumerate(kept):  # a fault somewhere: refused exactly as `append` refuses it
            for name, value in rec.items():
                self._checked_cell(start + k, self.register.column(name), value)

    def _append_changes(self, kept: list[dict[str, Any]], ids: list[str], sources: list[str | None]) -> list[Change]:
        """The history rows of appended records, as `append` makes them (texts made once per distinct value)."""
        reg = self.register.name
        status = self.register.status_field
        texts: dict[tuple[str, Any], str] = {}

        def text(column: Column, value: Any) -> str:
            key = (column.name, type(value), value, str(value) if type(value) is Decimal else None)
            got = texts.get(key)
            if got is None:
                got = texts[key] = codec.to_text(column, value)
            return got

        out: list[Change] = []
        if all(s is not None for s in sources) and status:
            col = self.register.column(status)
            for rid, rec, source in zip(ids, kept, sources, strict=True):
                out.append(Change(reg, rid, "*", "", source))
                if status in rec:
                    out.append(Change(reg, rid, status, "", text(col, rec[status])))
            return out
        for rid, rec, source in zip(ids, kept, sources, strict=True):
            if source is not None:
                out.append(Change(reg, rid, "*", "", source))
            for column in self.register.columns:
                if column.name in rec and (source is None or column.name == status):
                    out.append(Change(reg, rid, column.name, "", text(column, rec[column.name])))
        return out

    def set_user(self, i: int, head: str, text: str | None) -> None:
        """Write a user column's cell (text, not part of history); a new header makes a new column."""
        j = self._user_pos.get(head)
        if j is None:
            j = next((k for k, h in enumerate(self.header) if h == head and k not in self.colmap.values()), None)
        if j is None:
            j = self._add_header(head)
        self._user_pos.setdefault(head, j)
        if i < self._n and self._user.get(i, {}).get(j, self._user_text(i, head)) == text:
            return
        self._user.setdefault(i, {})[j] = text
        self._pending.setdefault(i, set()).add(j)

    def _checked_cell(self, i: int, column: Column, value: Any) -> Any:
        """The cell for `value`, refusing text a spreadsheet cell cannot hold (BadCell naming row and column)."""
        cell = self._cell(column, value)
        if isinstance(cell, str):
            fault = text_fault(cell)
            if fault:
                raise BadCell(self.problem(i, column.name, fault, "bad-text"))
        return cell

    @staticmethod
    def _text_as_is(column: Column, distinct: set) -> bool:
        """Whether the values of a text column are their own cells (`_cell` is then the identity)."""
        return column.type in ("text", "id", "ref") and column.enum is None and set(map(type, distinct)) <= {str}

    def _cell(self, column: Column, value: Any) -> Any:
        """The cell a file stores for `value`."""
        if self.fmt == "csv":
            return codec.to_csv(column, value, self.lang)
        return codec.to_xlsx(column, value, self.lang)

    def modified(self) -> tuple[list[tuple[str, dict[str, Any]]], list[dict[str, Any]]]:
        """What changed since the register was read: (record ID, typed fields set) of the rows
        that were in the file, and every record appended (typed fields)."""
        sets = [(self.id_of(i) or "", dict(self._set[i])) for i in sorted(self._set) if i < self._n]
        return sets, [dict(self._set.get(i, {})) for i in range(self._n, len(self))]

    @property
    def dirty(self) -> bool:
        return bool(self._pending or len(self._new) > self._written or self._header_new or (not self.exists and self.changes))

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

    # ------------------------------------------------------------ what the writers write

    def _cell_at(self, i: int, j: int, by_col: dict[int, str]) -> Any:
        name = by_col.get(j)
        if name is None:
            return self._user.get(i, {}).get(j)
        value = self._set.get(i, {}).get(name)
        return None if value is None else self._cell(self.register.column(name), value)

    def pending_cells(self) -> tuple[dict[int, dict[int, Any]], list[list]]:
        """(row number → {column: cell} for changed rows already in the file, new rows in full).

        Header cells added are row 1's updates.
        """
        by_col = {c: n for n, c in self.colmap.items()}
        updates: dict[int, dict[int, Any]] = {}
        if self._header_new:
            updates[1] = dict(self._header_new)
        for i, cols in self._pending.items():
            if i < self._n + self._written:
                updates[self.excel_row(i)] = {j: self._cell_at(i, j, by_col) for j in sorted(cols)}
        return updates, self._cells(range(self._n + self._written, len(self)))

    def all_rows(self) -> list[list]:
        """Every record as cells (a register written for the first time holds only new records)."""
        return self._cells(range(len(self)))

    def _cells(self, rows: range) -> list[list]:
        """Rows `rows` as cells, what `_cell_at` gives for each, made a column at a time."""
        by_col = {c: n for n, c in self.colmap.items()}
        sets = [self._set.get(i, _NO_CELLS) for i in rows]
        users = [self._user.get(i, _NO_CELLS) for i in rows]
        columns = []
        for j in range(len(self.header)):
            name = by_col.get(j)
            if name is None:
                columns.append([u.get(j) for u in users])
            else:
                columns.append(self._column_cells(self.register.column(name), [s.get(name) for s in sets]))
        if not columns:
            return [[] for _i in rows]
        return [list(cells) for cells in zip(*columns, strict=True)]

    def _column_cells(self, column: Column, typed: list[Any]) -> list[Any]:
        """The cells of one column's typed values: made once per distinct value when the values are
        of one exact type (equal values then make the same cell; Decimals may differ in exponent)."""
        distinct = set(typed)
        distinct.discard(None)
        if self._text_as_is(column, distinct):
            return typed
        kinds = set(map(type, typed)) - {type(None)}  # of every value: a set keeps 0 or False, not both
        if len(kinds) == 1 and not kinds & {Decimal, float}:
            made: dict[Any, Any] = {v: self._cell(column, v) for v in distinct}
            made[None] = None
            return list(map(made.__getitem__, typed))
        return [None if v is None else self._cell(column, v) for v in typed]

    def committed(self) -> None:
        """The pending changes are in the file now."""
        self.exists = True
        self._pending.clear()
        self._header_new.clear()
        self._written = len(self._new)
        self.changes.clear()
