"""The one read: a register file → its typed table.

    file ─ header located and mapped through the schema
         ─ raw cells by column (xlsx: python-calamine; CSV: pyarrow's CSV reader, `csv_io`)
         ─ typed columns (`salesops.typed`: bulk where a library knows the form,
           salesops' parsers once per distinct value for the rest)
         ─ `TypedTable`: one Arrow table, the bad cells as Problems, each record's row number

Commands (`storage.table.Table`), `validate` and reports (`storage.frames`), and
`import` all read through `read_typed` (registers, with the cache of
`storage.cache`) or `read_source` (files to import). Blank rows are not records.

The register's sheet of an xlsx file is the one whose header carries the
register's required columns; when several do, the one named after the register
(English or Chinese); when that does not decide it, the file is refused naming
the candidates. Nothing is ever read from (or written to) another sheet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from salesops import arrownp, values
from salesops.codec import problem_code
from salesops.core.frame import ROW
from salesops.errors import SalesopsError, StorageError
from salesops.i18n import _, ngettext
from salesops.problems import ERROR, Problem
from salesops.schema import Register
from salesops.typed import (
    EPOCH_ORDINAL,
    Raw,
    arrow_type,
    parse_column,
    raw_of_cells,
    raw_of_column,
    show_cell,
)

if TYPE_CHECKING:
    import pyarrow as pa

    from salesops.storage.csv_io import Dialect

EXTRA = "(extra fields)"  # the user column showing fields past a CSV header


@dataclass
class TypedTable:
    """A register (or a file to import) as typed columns.

    `data` holds every schema column under its canonical name (typed as in
    `salesops.typed`), `_row` (the row number people see; the header is row 1),
    then the user's own columns as text under their header (`user`). `bad` maps
    (record index, field) to the text of each cell that did not parse (those
    cells are null in `data` and reported in `problems`).
    """

    register: Register
    file: str
    fmt: str
    data: pa.Table
    problems: list[Problem] = field(default_factory=list)
    bad: dict[tuple[int, str], Any] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)
    colmap: dict[str, int] = field(default_factory=dict)  # field → file column (0-based)
    header_lang: str = "en"
    user: list[tuple[str, int]] = field(default_factory=list)  # (name in data, file column); -1: extra fields
    sheet: str | None = None
    dialect: Dialect | None = None
    last_row: int = 1  # the last row holding a record (1: none)
    exists: bool = True
    columns: list[str] | None = None  # the fields read (None: all, with user columns and every problem)
    key: dict[str, Any] | None = None  # the cache key of the file as read (`storage.cache`), when known

    def covers(self, columns: list[str] | None) -> bool:
        """True when this table holds every field of `columns` (None: a full read)."""
        if self.columns is None:
            return True
        return columns is not None and set(columns) <= set(self.columns)

    def __len__(self) -> int:
        return self.data.num_rows

    @property
    def missing(self) -> list[str]:
        """Required fields the header lacks."""
        if not self.exists:
            return []
        return [c.name for c in self.register.columns if c.required and c.name not in self.colmap]

    @property
    def columns_present(self) -> list[str]:
        return [c.name for c in self.register.columns if c.name in self.colmap]

    def rows(self) -> list[int]:
        return self.data.column(ROW).to_pylist()

    def require_columns(self) -> None:
        """Refuse a register whose header lacks a required column, naming them in the header's language."""
        missing = self.missing
        if missing:
            shown = ", ".join(self.register.column(n).header(self.header_lang) for n in missing)
            file = _("{file} (sheet {sheet})").format(file=self.file, sheet=repr(self.sheet)) if self.sheet else self.file
            raise StorageError(
                ngettext(
                    "{file} lacks the required column {columns}; add it to the header in row 1",
                    "{file} lacks the required columns {columns}; add them to the header in row 1",
                    len(missing),
                ).format(file=file, columns=shown)
            )


def empty_table(register: Register, file: str, fmt: str, lang: str = "en") -> TypedTable:
    """A register with no file yet: every column, no records."""
    import pyarrow as pa

    arrays = [pa.array([], type=arrow_type(c)) for c in register.columns] + [pa.array([], type=pa.int64())]
    names = [c.name for c in register.columns] + [ROW]
    header = [c.header(lang) for c in register.columns]
    return TypedTable(
        register,
        file,
        fmt,
        pa.Table.from_arrays(arrays, names=names),
        header=header,
        colmap={c.name: j for j, c in enumerate(register.columns)},
        header_lang=lang,
        exists=False,
    )


# ------------------------------------------------------------------ header


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
                _("columns {first} and {second} are both {field}; rename or remove one").format(
                    first=colmap[name] + 1, second=j + 1, field=repr(name)
                )
            )
        colmap[name] = j
        if key == values.normalize_header(register.column(name).zh):
            zh += 1
        else:
            en += 1
    return colmap, "zh" if zh > en else "en"


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
    shown = [text for _j, text in sorted(hits)]
    more = ", …" if len(shown) > 3 else ""
    return _("row 2 repeats the header ({cells}); a register has one header row, in row 1: delete row 2").format(
        cells=", ".join(shown[:3]) + more
    )


def header_text(cell: Any) -> str:
    """A header cell as text ('' when empty)."""
    return "" if cell is None else (values.parse_text(cell) or "")


# ------------------------------------------------------------------ reading


def read_typed(
    path: Path,
    fmt: str,
    register: Register,
    date_order: str = "MDY",
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    source: bool = False,
    columns: list[str] | None = None,
) -> TypedTable:
    """Read and type a register file (no cache). `source`: a file to import, not a register
    (its first sheet unless `sheet` is given; encoding problems point at --encoding).
    `columns`: only these fields (and the ID) are typed — the others are empty, their
    problems unreported and user columns left out (`TypedTable.columns` says which)."""
    from salesops.storage.arrowpool import use_best_pool
    from salesops.typed import gc_paused

    use_best_pool()
    wanted = None if columns is None else list(dict.fromkeys([register.id_column, *columns]))
    with gc_paused():
        if fmt == "csv":
            out = _read_csv(path, register, date_order, encoding, source, wanted)
        else:
            out = _read_xlsx(path, register, date_order, sheet, source, wanted)
    out.columns = wanted
    return out


def _read_csv(
    path: Path, register: Register, date_order: str, encoding: str | None, source: bool, wanted: list[str] | None
) -> TypedTable:
    import numpy as np

    from salesops.storage import csv_io

    hint = csv_io.IMPORT_HINT if source else csv_io.REGISTER_HINT
    def columns_of(header: list[str]) -> dict[str, int] | None:
        try:
            return map_header(register, header)[0]
        except SalesopsError:  # reported by _build
            return None

    include = None
    if wanted is not None:

        def include(header: list[str]) -> list[int]:
            colmap = columns_of(header)
            return list(range(len(header))) if colmap is None else [colmap[n] for n in wanted if n in colmap]

    cols = csv_io.read_columns(path, encoding, hint, include=include, dates=lambda header: _date_columns(register, header))
    raws = [None if c is None else raw_of_column(c, csv_io.unguard) for c in cols.columns]
    rows = np.arange(2, cols.n + 2, dtype=np.int64)
    out = _build(
        path.name, "csv", register, date_order, cols.header, raws, rows, cols.extras, cols.dialect.delimiter, wanted
    )
    out.dialect = cols.dialect
    return out


def _read_xlsx(
    path: Path, register: Register, date_order: str, sheet: str | None, source: bool, wanted: list[str] | None, arrow: bool = True
) -> TypedTable:
    import numpy as np

    from salesops.storage.xlsx_read import arrow_sheet, read_sheets

    as_text = None if source else (lambda header, columns: columns <= _date_columns(register, header))
    fast = arrow_sheet(path, _sheet_chooser(register, sheet, source), as_text) if ARROW_SHEETS and arrow else None
    texts: set[int] = set()
    if fast is not None:  # straight into Arrow
        name, header, columns, texts = fast
        header = [header_text(c) for c in header]
        n = len(columns[0]) if columns else 0
        if not (sheet is not None or source or _fits(register, header)[0]):
            fast = None  # read_sheets says which sheet it is, or why none is
    if fast is None:
        chosen = read_sheets(path, lambda header: _fits(register, header), sheet, None if source else register)
        name, grid = chosen.name, chosen.rows
        header = [header_text(c) for c in grid[0]] if grid else []
        n = max(len(grid) - 1, 0)
    while header and header[-1] == "":
        header.pop()
    raws = [raw_of_column(c) for c in columns[: len(header)]] if fast is not None else _xlsx_columns(grid[1:], len(header))
    if raws:
        _scale_percent(path, register, header, name, raws)
    rows = np.arange(2, n + 2, dtype=np.int64)
    out = _build(path.name, "xlsx", register, date_order, header, raws, rows, {}, None, wanted)
    if texts and any(p.column is not None and out.colmap.get(p.column) in texts for p in out.problems):
        # a date column read as text holds a problem: its message shows the cell as calamine has it
        return _read_xlsx(path, register, date_order, sheet, source, wanted, arrow=False)
    out.sheet = name
    return out


# Whether `xlsx_read.arrow_sheet` may read a register's sheet (else calamine's Python cells
# always): off only to compare the two ways in tests.
ARROW_SHEETS = True


def _date_columns(register: Register, header: list) -> set[int]:
    """The columns (indexes in `header`) of the register's date fields; none when the header
    does not map (`_build` says why)."""
    try:
        colmap, _ = map_header(register, [header_text(c) for c in header])
    except SalesopsError:
        return set()
    return {j for name, j in colmap.items() if register.column(name).type == "date"}


def _sheet_chooser(register: Register, sheet: str | None, source: bool):
    """The sheet `read_sheets` reads first, from the workbook's worksheet names: `sheet`; the
    first of a file to import or of a workbook of one sheet; else the first sheet named after
    the register, which it takes when it carries the register's columns (`_fits`)."""
    from salesops.values import normalize_header

    def choose(names: list[str]) -> str | None:
        if sheet is not None:
            return sheet if sheet in names else None
        if source or len(names) == 1:
            return names[0] if names else None
        own = {normalize_header(register.name), normalize_header(register.zh)}
        return next((n for n in names if normalize_header(n) in own), None)

    return choose


def _fits(register: Register, header: list[Any]) -> tuple[bool, list[str]]:
    """(whether a sheet's header carries the register, the required fields it lacks)."""
    try:
        colmap, _ = map_header(register, [header_text(c) for c in header])
    except SalesopsError:
        return False, []
    lacks = [c.name for c in register.columns if c.required and c.name not in colmap]
    return bool(colmap) and not lacks, lacks


def _xlsx_columns(body: list[list], width: int) -> list[Raw]:
    """The raw columns of an xlsx sheet's data rows."""
    if not width:
        return []
    if any(len(r) != width for r in body):
        body = [r[:width] if len(r) >= width else [*r, *([None] * (width - len(r)))] for r in body]
    columns = list(zip(*body, strict=True)) if body else [() for _ in range(width)]
    return [raw_of_cells(col) for col in columns]


def _scale_percent(path: Path, register: Register, header: list[str], sheet: str | None, raws: list[Raw]) -> None:
    """pct cells formatted as percentages in Excel hold 0.3 for 30 %: read them as 30 (`xlsx_percent`)."""
    from salesops.storage.xlsx_percent import hundredfold, percent_cells

    try:
        colmap, _ = map_header(register, header)
    except SalesopsError:
        return
    pct = sorted(colmap[c.name] for c in register.columns if c.type == "pct" and c.name in colmap)
    if not pct:
        return
    import numpy as np

    for j, rows in percent_cells(path, pct, sheet).items():
        nums = raws[j].numbers
        if nums is None or j >= len(raws):
            continue
        wanted = np.array(sorted(r - 2 for r in rows), dtype=np.int64)
        hit = np.isin(nums[0], wanted)
        if hit.any():
            scaled = {v: hundredfold(v) for v in set(nums[1][hit].tolist())}
            nums[1][hit] = [scaled[v] for v in nums[1][hit].tolist()]


def _blank_records(raws: list[Raw], n: int):
    """Records whose every cell is empty or white space (as `str.isspace` says)."""
    import numpy as np

    blank = np.ones(n, dtype=bool)
    for raw in raws:
        if not blank.any():
            break
        shape = raw.shape
        empty = shape.null | (shape.nbytes == 0) | shape.ws_first  # the last kind is confirmed below
        for part in (raw.numbers, raw.dates):
            if part is not None:
                empty[part[0]] = False
        for i in raw.others:
            empty[i] = False
        blank &= empty
    if not blank.any():
        return blank
    for raw in raws:
        shape = raw.shape
        for i in np.flatnonzero(blank & ~shape.null & (shape.nbytes > 0)).tolist():
            if not raw.text[i].as_py().isspace():
                blank[i] = False
    return blank


def _keep(raw: Raw, keep, index) -> Raw:
    """`raw` without the dropped records (`index`: old position → new position)."""
    import pyarrow as pa

    def part(p):
        if p is None:
            return None
        ok = keep[p[0]]
        return index[p[0][ok]], p[1][ok]

    return Raw(
        raw.text.filter(pa.array(keep)),
        part(raw.numbers),
        part(raw.dates),
        {int(index[i]): v for i, v in raw.others.items() if keep[i]},
        raw.unguard,
    )


def _build(
    file: str,
    fmt: str,
    register: Register,
    date_order: str,
    header: list[str],
    raws: list[Raw],
    rows,
    extras: dict[int, list[str]],
    delimiter: str | None,
    wanted: list[str] | None = None,
) -> TypedTable:
    """Header mapping, blank rows dropped, every column (or the `wanted` ones) typed, problems named."""
    import numpy as np
    import pyarrow as pa

    try:
        colmap, lang = map_header(register, header)
    except SalesopsError as exc:
        raise StorageError(f"{file}: {exc.messages[0]}") from None
    n = len(rows)
    row_numbers = np.asarray(rows, dtype=np.int64)
    if wanted is not None:  # only the wanted fields' columns are read
        keep_cols = {colmap[f] for f in wanted if f in colmap}
        raws = [r if j in keep_cols else None for j, r in enumerate(raws)]
    if n:
        blank = _blank_records([r for r in raws if r is not None], n)
        for i in extras:
            blank[i] = False
        if blank.any():
            keep = ~blank
            index = np.cumsum(keep) - 1
            raws = [None if r is None else _keep(r, keep, index) for r in raws]
            extras = {int(index[i]): v for i, v in extras.items()}
            row_numbers = row_numbers[keep]
            n = len(row_numbers)
    last_row = int(row_numbers[-1]) if n else 1
    if n and row_numbers[0] == 2:  # a second header row reads as nonsense records
        first = {j: raws[j].cell(0) for j in colmap.values() if j < len(raws) and raws[j] is not None}
        repeated = second_header(register, colmap, first)
        if repeated:
            raise StorageError(f"{file}: {repeated}")
    id_col = colmap.get(register.id_column)
    arrays: dict[str, Any] = {}
    parsed_bad: dict[str, Any] = {}
    order = [register.id_column] + [c.name for c in register.columns if c.name != register.id_column]
    for name in order:
        col = register.column(name)
        j = colmap.get(name)
        if j is None or j >= len(raws) or raws[j] is None:
            arrays[name] = pa.nulls(n, arrow_type(col))
            continue
        parsed = parse_column(col, raws[j], date_order)
        arrays[name] = parsed.values
        parsed_bad[name] = parsed
    ids = _Ids(arrays[register.id_column] if id_col is not None else None)  # only problems look them up
    problems: list[Problem] = []
    bad: dict[tuple[int, str], Any] = {}
    for col in register.columns:
        parsed = parsed_bad.get(col.name)
        if parsed is None:
            continue
        raw = raws[colmap[col.name]]
        head = values.parse_text(header[colmap[col.name]]) or None  # the column as the file names it
        code = problem_code(col) if col.type not in ("text", "id", "ref") or col.form is not None else "bad-text"
        for i in sorted(parsed.bad):
            cell = raw.cell(i)
            bad[(i, col.name)] = cell
            problems.append(
                Problem(ERROR, code, f"{show_cell(cell)} {_(parsed.bad[i])}", file, int(row_numbers[i]), col.name, ids[i], head)
            )
        for i in sorted(parsed.faults):
            problems.append(Problem(ERROR, "bad-text", parsed.faults[i], file, int(row_numbers[i]), col.name, ids[i], head))
    names = [c.name for c in register.columns]
    columns = [arrays[c] for c in names] + [arrownp.array(row_numbers, pa.int64())]
    names.append(ROW)
    known = set(colmap.values())
    user: list[tuple[str, int]] = []
    taken = set(names) | {ROW}
    for j, title in enumerate(header):
        if j in known or j >= len(raws) or raws[j] is None:
            continue
        label = title if title and title not in taken else str(j)
        taken.add(label)
        user.append((label, j))
        columns.append(_user_text(raws[j]))
        names.append(label)
    if extras:
        sep = delimiter or ","
        cells = [sep.join(extras[i]) if i in extras else None for i in range(n)]
        user.append((EXTRA, -1))
        columns.append(pa.array(cells, type=pa.string()))
        names.append(EXTRA)
        for i in sorted(extras):
            count = len(extras[i])
            problems.append(
                Problem(
                    ERROR,
                    "extra-fields",
                    ngettext(
                        "has {n} field more than the header ({cells}); a cell holding {sep} must be in "
                        "quotes — quote it, or remove the extra field",
                        "has {n} fields more than the header ({cells}); a cell holding {sep} must be in "
                        "quotes — quote it, or remove the extra fields",
                        count,
                    ).format(n=count, cells=show_cell(sep.join(extras[i])), sep=repr(sep)),
                    file,
                    int(row_numbers[i]),
                    None,
                    ids[i],
                )
            )
    table = pa.Table.from_arrays(columns, names=names)
    problems.sort(key=lambda p: (p.row or 0, colmap.get(p.column or "", -1)))
    return TypedTable(register, file, fmt, table, problems, bad, header, colmap, lang, user, last_row=last_row)


class _Ids:
    """The record ID at a position, looked up in the typed ID column on demand."""

    def __init__(self, column) -> None:
        self.column = column

    def __getitem__(self, i: int) -> str | None:
        return None if self.column is None else self.column[i].as_py()


def _user_text(raw: Raw):
    """A user column as text (numbers and dates as `values.parse_text` writes them), None for empty."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.if_else(pc.equal(raw.text, ""), pa.scalar(None, pa.string()), raw.text)
    if raw.unguard is not None:
        unguard = raw.unguard
        guarded = pc.fill_null(pc.starts_with(text, "'"), False)
        if pc.any(guarded).as_py():
            fixed = [unguard(v) for v in pc.filter(text, guarded).to_pylist()]
            text = pc.replace_with_mask(text, guarded, pa.array(fixed, type=pa.string()))
    extra = {}
    for part, as_date in ((raw.numbers, False), (raw.dates, True)):
        if part is not None:
            for i, v in zip(part[0].tolist(), part[1].tolist(), strict=True):
                extra[i] = values.parse_text(dt.date.fromordinal(int(v) + EPOCH_ORDINAL) if as_date else v)
    for i, v in raw.others.items():
        extra[i] = values.parse_text(v)
    if extra:
        import numpy as np

        mask = np.zeros(len(text), dtype=bool)
        order = sorted(extra)
        mask[order] = True
        text = pc.replace_with_mask(text, pa.array(mask), pa.array([extra[i] for i in order], type=pa.string()))
    return text


def rows_of_sheet(path: Path, register: Register | None = None, sheet: str | None = None) -> list[list]:
    """The rows of an xlsx file as stored (rows[0] is row 1; empty cells None, trailing ones dropped):
    the register's sheet when `register` is given (its percent-formatted pct cells read as 0–100),
    else `sheet` or the first one."""
    from salesops.storage.xlsx_read import read_sheets

    fits = (lambda header: _fits(register, header)) if register is not None else None
    chosen = read_sheets(path, fits, sheet, register)
    rows = []
    for row in chosen.rows:
        row = [None if c == "" else c for c in row]
        while row and row[-1] is None:
            row.pop()
        rows.append(row)
    if register is not None and rows:
        try:
            colmap, _ = map_header(register, [header_text(c) for c in rows[0]])
        except SalesopsError:
            colmap = {}
        pct = sorted(colmap[c.name] for c in register.columns if c.type == "pct" and c.name in colmap)
        scale_percent_rows(path, rows, pct, chosen.name)
    return rows


def scale_percent_rows(path: Path, rows: list[list], columns: list[int], sheet: str | None = None) -> None:
    """Numbers of `columns` (0-based) that the xlsx shows as percentages, read as the percentage
    (0.3 → 30), in place; `rows` as `rows_of_sheet` gives them (rows[0] is row 1)."""
    from salesops.storage.xlsx_percent import hundredfold, is_number, percent_cells

    for j, numbers in percent_cells(path, columns, sheet).items():
        for num in numbers:
            if 2 <= num <= len(rows) and j < len(rows[num - 1]) and is_number(rows[num - 1][j]):
                rows[num - 1][j] = hundredfold(rows[num - 1][j])
