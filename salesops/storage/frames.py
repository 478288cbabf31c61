"""Registers as typed pandas frames, parsed column by column (vectorised).

Validation and reports work on whole registers, so they read them here rather
than record by record: each column is parsed in one vectorised pass by the
series parsers of `salesops.values`, which agree with the scalar parsers the
record path uses. Cells that do not parse become nulls and are reported as
`Problem`s.

Frame columns: every schema column, under its canonical name —
text/id/ref/enum: object (str or None; enums as canonical codes);
date: datetime64[s] (0001-01-01 … 9999-12-31, as the scalar parser);
money: Int64 holding integer CENTS; int: Int64;
pct: Float64; bool: boolean — plus `_row`, the Excel row number.
"""

from __future__ import annotations

import gc
import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from salesops import forking, values
from salesops.codec import problem_code, read_series
from salesops.errors import SalesopsError, StorageError
from salesops.problems import ERROR, Problem
from salesops.schema import REGISTERS, Column, Register

if TYPE_CHECKING:
    import pandas as pd

    from salesops.storage.workspace import Workspace

ROW = "_row"


@dataclass
class Frame:
    """A register as a typed frame, with the problems found while parsing it."""

    register: Register
    file: str
    df: pd.DataFrame
    exists: bool = True
    problems: list[Problem] = field(default_factory=list)
    user_columns: list[str] = field(default_factory=list)
    columns_present: list[str] = field(default_factory=list)  # canonical fields the file has
    date_order: str = "MDY"
    _ids: Any = None  # raw ID text per row, for naming records in problems


def read_frame(
    ws: Workspace,
    register: str,
    columns: list[str] | None = None,
    user_columns: bool = False,
) -> Frame:
    """Read `register` of workspace `ws` as a typed frame (only `columns` if given).

    An xlsx register costs the same to read for one column or all of them, so
    it is read whole once and its full frame kept in the columnar cache
    (`storage.framecache`); later reads of the unchanged file, of any columns,
    come from there with exactly the frame this function would build.
    """
    reg = REGISTERS[register]
    path, fmt, exists = ws.file_of(reg)
    wanted = [c.name for c in reg.columns] if columns is None else list(dict.fromkeys([reg.id_column, *columns]))
    if not exists:
        return Frame(reg, path.name, empty_frame(reg, wanted), exists=False)
    cached = _full_frame(ws, reg, path, fmt) if fmt == "xlsx" else _cached_frame(ws, path)
    if cached is not None:
        from salesops.storage import framecache

        frame = framecache.subset(cached, reg, path.name, wanted, user_columns, ws.settings.date_order)
        if frame is not None:
            return frame
    return _read_frame(ws, reg, path, fmt, wanted, user_columns)


def _cached_frame(ws: Workspace, path):
    from salesops.storage import framecache

    return framecache.load(ws.root, path, ws.settings.date_order)


def _full_frame(ws: Workspace, reg: Register, path, fmt: str, defer_save: bool = False):
    """The whole register, typed (`framecache.Cached`): prefetched, cached, or read now and cached
    (with `defer_save`, its cache entry is left for `save_pending`)."""
    from salesops.storage import framecache

    order = ws.settings.date_order
    st = framecache.stamp(path, order)
    ready = ws.__dict__.get("_full_frames", {}).get(reg.name)
    if ready is not None and ready.header["stamp"] == st:
        return ready
    cached = framecache.load(ws.root, path, order)
    if cached is None:
        full = _read_frame(ws, reg, path, fmt, [c.name for c in reg.columns], True)
        cached = framecache.build(full, st)
        if defer_save:
            ws.__dict__.setdefault("_unsaved", []).append((path, cached))
        else:
            framecache.save(ws.root, path, order, cached)
    ws.__dict__.setdefault("_full_frames", {})[reg.name] = cached  # each column decoded once per command
    return cached


def prefetch(
    ws: Workspace, names: list[str] | None = None, threads: int = 2, defer_saves: bool = False
) -> None:
    """Read the xlsx registers among `names` (all by default) that are not cached yet, in parallel.

    calamine parses without holding the GIL, so two registers read at once take
    little more than the larger one. Errors are left for `read_frame` to raise.
    With `defer_saves`, the cache entries of the registers read in this process
    are written later, by `save_pending` (e.g. beside the report, off its path).
    """
    from concurrent.futures import ThreadPoolExecutor

    from salesops.storage import framecache

    todo = []
    for name in names or list(REGISTERS):
        try:
            path, fmt, exists = ws.file_of(name)
        except Exception:
            continue
        if exists and fmt == "xlsx" and framecache.load(ws.root, path, ws.settings.date_order) is None:
            todo.append((name, path))
    if len(todo) < 2:
        return
    todo.sort(key=lambda t: -t[1].stat().st_size)  # largest first: the others fill in beside it

    def one(item):
        name, path = item
        try:
            return name, _full_frame(ws, REGISTERS[name], path, "xlsx", defer_saves)
        except Exception:
            return name, None

    done = _prefetch_forked(ws, todo, one) if threads > 1 else None
    if done is None:
        with ThreadPoolExecutor(threads) as pool:
            done = dict(pool.map(one, todo))
    ws.__dict__.setdefault("_full_frames", {}).update({k: v for k, v in done.items() if v is not None})


def save_pending(ws: Workspace) -> None:
    """Write the cache entries `prefetch(..., defer_saves=True)` left unwritten."""
    from salesops.storage import framecache

    pending = ws.__dict__.pop("_unsaved", [])
    for path, cached in pending:
        framecache.save(ws.root, path, ws.settings.date_order, cached)


def _prefetch_forked(ws: Workspace, todo: list, one) -> dict | None:
    """Read half of `todo` (by size) in a forked child, the other half here, at the same time.

    Parsing is Python work that threads cannot share (the GIL); a child process
    can. The child hands its frames over as cache-entry files in a folder inside
    the workspace's cache (else a private temporary one); those that may be
    trusted become the entries by a rename, the others are dropped. Whatever the
    child could not do is simply read here afterwards.
    """
    import shutil
    import tempfile

    from salesops.storage import framecache
    from salesops.storage.cache import CACHE_DIR

    groups: list[list] = [[], []]
    load = [0, 0]
    for item in todo:
        g = 0 if load[0] <= load[1] else 1
        groups[g].append(item)
        load[g] += item[1].stat().st_size
    here, there = groups
    try:
        (ws.root / CACHE_DIR).mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".handover-", dir=ws.root / CACHE_DIR))
    except OSError:  # a read-only workspace: hand over through the temporary folder
        tmp = Path(tempfile.mkdtemp(prefix="salesops-read-"))
    order = ws.settings.date_order
    pid = forking.fork()
    if pid is None:
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    if pid == 0:  # the child: read, hand over, leave without running any exit handler
        try:
            for name, path in there:
                try:
                    st = framecache.stamp(path, order)
                    full = _read_frame(ws, REGISTERS[name], path, "xlsx", [c.name for c in REGISTERS[name].columns], True)
                    framecache.write_file(tmp / f"{name}.frame", framecache.build(full, st))
                except BaseException:  # noqa: BLE001 - the parent reads it itself
                    pass
        finally:
            os._exit(0)
    try:
        done = dict(map(one, here))
        os.waitpid(pid, 0)
        for name, path in there:
            written = tmp / f"{name}.frame"
            cached = framecache.read_file(written)
            if cached is not None and cached.header["stamp"] == framecache.stamp(path, order):
                framecache.install(written, ws.root, path, order, cached)
                done[name] = cached
        return done
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: reading a register allocates millions of
    objects and makes no reference cycles, so the collector's passes over them are
    pure cost (about a tenth of reading a 100,000-row sheet)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _read_frame(ws: Workspace, reg: Register, path, fmt: str, wanted: list[str], user_columns: bool) -> Frame:
    """Read and parse the file (no cache)."""
    with gc_paused():
        return _parse_frame(ws, reg, path, fmt, wanted, user_columns)


def _parse_frame(ws: Workspace, reg: Register, path, fmt: str, wanted: list[str], user_columns: bool) -> Frame:
    import pandas as pd

    header, raw = _read_raw(ws, reg, path, fmt, wanted, user_columns)
    from salesops.storage.table import map_header

    try:
        colmap, _ = map_header(reg, header)
    except Exception as exc:  # duplicate header: a file problem, reported with the file name
        raise StorageError(f"{path.name}: {exc}") from None
    if len(raw) and raw[ROW].iloc[0] == 2:  # a second header row reads as nonsense records
        from salesops.storage.table import second_header

        first = raw.index[0]
        present = {n: j for n, j in colmap.items() if j in raw.columns}
        repeated = second_header(reg, present, {j: raw.at[first, j] for j in present.values()})
        if repeated:
            raise StorageError(f"{path.name}: {repeated}")
    frame = Frame(
        reg,
        path.name,
        pd.DataFrame(index=raw.index),
        columns_present=[n for n in wanted if n in colmap],
        date_order=ws.settings.date_order,
    )
    id_key = header_key(colmap, reg.id_column)
    if id_key is not None and id_key in raw:
        frame._ids = values.parse_text_series(raw[id_key])
    out: dict[str, Any] = {}
    for name in wanted:
        col = reg.column(name)
        key = header_key(colmap, name)
        if key is None or key not in raw:
            out[name] = _empty_series(col, len(raw), raw.index)
            continue
        out[name] = _parse_column(frame, col, raw[key], raw[ROW])
    known = {header_key(colmap, n) for n in colmap}
    if user_columns:
        for key in raw.columns:
            if key != ROW and key not in known:
                # a user column is named by its own header text (its position when the header cell is empty)
                title = values.parse_text(header[key]) if isinstance(key, int) and key < len(header) else None
                name = title if title and title not in out else str(key)
                frame.user_columns.append(name)
                out[name] = values.parse_text_series(raw[key])
    out[ROW] = raw[ROW]
    frame.df = pd.DataFrame(out, index=raw.index)
    return frame


def header_key(colmap: dict[str, int], name: str) -> int | None:
    """The raw frame's column key (the column position) of field `name`."""
    return colmap.get(name)


def _read_raw(ws: Workspace, reg: Register, path, fmt: str, wanted: list[str], user_columns: bool):
    """(header cells, raw frame keyed by column position + _row), blank rows dropped."""
    if fmt == "csv":
        try:
            header, df = _read_csv_raw(path, reg, wanted, user_columns)
        except SalesopsError as exc:
            if isinstance(exc, StorageError):
                raise
            raise StorageError(f"{path.name}: {exc.messages[0]}") from None  # e.g. a duplicated column
    else:
        from salesops.storage.table import map_header

        header, grid = _xlsx_grid(path, reg)
        if grid is None:  # anything unusual: the general reader (and its messages)
            from salesops.storage.workspace import read_rows

            header, rows = read_rows(path, fmt, register=reg)
        colmap, _ = map_header(reg, header)
        keep = range(len(header)) if user_columns else sorted({colmap[n] for n in wanted if n in colmap})
        df = _grid_frame(grid, list(keep)) if grid is not None else _columns_frame(rows, list(keep))
    body = df.drop(columns=[ROW])
    if len(body.columns):
        df = df[~_blank_rows(body, colmap_key(reg, header, body))]
    return header, df


def _xlsx_grid(path, reg: Register | None = None) -> tuple[list, Any]:
    """(header, data cells as a 2-D object array with None for empty) of the first sheet.

    The same cells `workspace.read_rows` gives, converted in bulk; (None, None)
    for anything unusual (merged cells, an unreadable file, ragged rows) so
    that the caller uses `read_rows`, which also words the error.
    """
    import numpy as np
    import python_calamine as pc

    from salesops.storage.xlsx_io import check_xlsx_safe

    check_xlsx_safe(path)
    try:
        with pc.CalamineWorkbook.from_path(str(path)) as wb:
            if not wb.sheet_names:
                return None, None
            sheet = wb.get_sheet_by_index(0)
            if sheet.merged_cell_ranges:
                return None, None
            data = sheet.to_python(skip_empty_area=False)
    except pc.CalamineError:
        return None, None
    if not data:
        return [], np.empty((0, 0), dtype=object)
    width = len(data[0])
    if any(len(r) != width for r in data):
        return None, None
    cells = itertools.chain.from_iterable(data)  # flat: numpy need not discover the nesting
    grid = np.fromiter(cells, dtype=object, count=len(data) * width).reshape(len(data), width)
    grid[grid == ""] = None
    n = len(grid)
    while n and all(v is None for v in grid[n - 1]):  # trailing empty rows are not rows
        n -= 1
    grid = grid[:n]
    if not n:
        return [], np.empty((0, 0), dtype=object)
    header = grid[0].tolist()
    while header and header[-1] is None:
        header.pop()
    if reg is not None:  # a pct column formatted as a percentage in Excel: its 0.3 is 30
        from salesops.storage.xlsx_percent import scale_grid

        scale_grid(path, reg, header, grid[1:])
    return header, grid[1:]


def _grid_frame(grid, keep: list[int]):
    """The raw frame (object columns keyed by position, + _row) of a 2-D cell array."""
    import pandas as pd

    n = len(grid)
    if keep:
        df = pd.DataFrame({j: grid[:, j] for j in keep}, dtype=object)
    else:
        df = pd.DataFrame(index=range(n))
    df[ROW] = range(2, n + 2)
    return df


def _columns_frame(rows: list[list], keep: list[int]):
    """The raw frame (object columns keyed by position, + _row) of the xlsx rows, built column-wise in C."""
    import numpy as np
    import pandas as pd

    n = len(rows)
    width = max(keep) + 1 if keep else 0
    if width:
        padded = [r if len(r) >= width else [*r, *([None] * (width - len(r)))] for r in rows] if n else []
        grid = np.empty((n, max((len(r) for r in padded), default=width)), dtype=object)
        if n:
            try:
                grid[:] = padded
            except ValueError:  # ragged beyond `width`: cut every row to it
                grid = np.empty((n, width), dtype=object)
                grid[:] = [r[:width] for r in padded]
        data = {j: grid[:, j] for j in keep}
        df = pd.DataFrame(data, dtype=object)
    else:
        df = pd.DataFrame(index=range(n))
    df[ROW] = range(2, n + 2)
    return df


def colmap_key(reg: Register, header: list, body) -> Any:
    """The raw column to screen for blank rows first: the ID's, else the first one."""
    from salesops.storage.table import map_header

    try:
        key = map_header(reg, header)[0].get(reg.id_column)
    except Exception:
        key = None
    return key if key in body.columns else body.columns[0]


def _blank_rows(body, screen) -> Any:
    """Rows whose every cell is empty or spaces.

    Such a row is empty in the screened column too, so only rows empty there are checked.
    """
    import numpy as np

    col = body[screen].to_numpy(dtype=object)
    suspects = np.flatnonzero([_maybe_blank(v) for v in col])
    blank = np.zeros(len(body), dtype=bool)
    if len(suspects):
        sub = body.iloc[suspects]
        cells = sub.isna() | sub.map(lambda v: isinstance(v, str) and not v.strip())
        blank[suspects] = cells.all(axis=1).to_numpy()
    return blank


def _maybe_blank(v) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return not v.strip()
    try:
        return bool(v != v)  # NaN
    except (TypeError, ValueError):  # pd.NA and friends
        return True


def _read_csv_raw(path, reg: Register, wanted: list[str], user_columns: bool):
    import csv

    import pandas as pd

    from salesops.storage.csv_io import read_csv, sniff_encoding
    from salesops.storage.table import map_header

    with open(path, "rb") as fh:
        head = fh.read(65536)
    encoding, text = sniff_encoding(head, path.name, complete=len(head) < 65536)  # refuses binary, empty
    first_line = text.splitlines()[0] if text else ""
    sep = "," if "," in first_line or not any(s in first_line for s in "\t;") else ("\t" if "\t" in first_line else ";")
    header = next(csv.reader([first_line], delimiter=sep)) if first_line else []
    colmap, _ = map_header(reg, header)
    keep = list(range(len(header))) if user_columns else sorted({colmap[n] for n in wanted if n in colmap})
    kwargs = dict(
        sep=sep,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        header=None,
        skiprows=1,
        usecols=keep or [0],
        engine="c",
    )
    try:
        try:
            df = pd.read_csv(path, encoding=encoding, **kwargs)
        except UnicodeDecodeError:
            df = pd.read_csv(path, encoding="gb18030", **kwargs)
    except pd.errors.EmptyDataError:
        df = pd.DataFrame(columns=keep)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        read_csv(path)  # raises the same message the record path gives (unclosed quote, encoding…)
        raise StorageError(f"{path.name} is not valid CSV: {exc}") from None
    if not keep:
        df = df.iloc[:, 0:0]
    for c in df.columns:
        s = df[c]
        guarded = s.str.startswith("'", na=False)
        if guarded.any():
            from salesops.storage.csv_io import unguard

            df.loc[guarded, c] = s[guarded].map(unguard)
    df = df.astype(object)
    df[ROW] = range(2, len(df) + 2)
    return header, df


def empty_frame(reg: Register, names: list[str] | None = None):
    """A frame with no rows and every wanted column typed."""
    import pandas as pd

    names = names or [c.name for c in reg.columns]
    data = {n: _empty_series(reg.column(n), 0, pd.RangeIndex(0)) for n in names}
    data[ROW] = pd.Series([], dtype="Int64")
    return pd.DataFrame(data)


def _empty_series(col: Column, n: int, index):
    import pandas as pd

    dtype = {
        "date": "datetime64[s]",
        "money": "Int64",
        "int": "Int64",
        "pct": "Float64",
        "bool": "boolean",
    }.get(col.type, object)
    return pd.Series([None] * n, index=index, dtype=dtype)


TEXT_LIKE = ("text", "id", "ref", "enum", "bool")


def _parse_column(frame: Frame, col: Column, s, rows):
    """Typed series for one column; bad cells become null and Problems."""
    if col.type in TEXT_LIKE:
        few = _distinct(s)
        if few is not None:
            return _parse_distinct(frame, col, s, rows, *few)
        _text_faults(frame, col, s, rows, _faulty(s))
    out, bad, phrase = read_series(col, s, frame.date_order)
    if bad.any():
        _report(frame, col, s, rows, bad, phrase)
    return out


def _distinct(s):
    """(distinct texts, code of each cell, -1 for empty) when a long all-text column repeats
    a few values (owners, stages, regions, references), else None."""
    import numpy as np
    import pandas as pd

    if len(s) < 2000:
        return None
    vals = s.to_numpy(dtype=object)
    if len(pd.unique(vals[:1000])) > 300:  # mostly distinct (IDs, names): no gain
        return None
    if pd.api.types.infer_dtype(vals, skipna=True) != "string":  # 1, 1.0 and True hash alike
        return None
    codes, uniques = pd.factorize(vals)
    return np.asarray(uniques, dtype=object), codes


def _parse_distinct(frame: Frame, col: Column, s, rows, uniques, codes):
    """`_parse_column` over a repetitive column: each distinct text parsed and checked once,
    the results spread back to the cells (the same values and problems, in the same order)."""
    import numpy as np
    import pandas as pd

    u = pd.Series(uniques, dtype=object)
    faulty = _faulty(u)
    if faulty is not None:
        _text_faults(frame, col, s, rows, np.append(faulty, False)[codes])
    out_u, bad_u, phrase = read_series(col, u, frame.date_order)
    if out_u.dtype == object:
        out = pd.Series(np.append(out_u.to_numpy(dtype=object), [None])[codes], index=s.index, dtype=object)
    else:  # boolean: missing cells become <NA>
        out = pd.Series(out_u.array.take(codes, allow_fill=True), index=s.index)
    bad = pd.Series(np.append(bad_u.to_numpy(dtype=bool), False)[codes], index=s.index)
    if bad.any():
        _report(frame, col, s, rows, bad, phrase)
    return out


def _faulty(s):
    """Which cells hold text a spreadsheet cannot (control characters, past 32,767 characters);
    None when none do, which one joined search over the column finds in the usual case."""
    import numpy as np

    from salesops.storage.table import text_fault
    from salesops.storage.xlsx_io import _ILLEGAL_XML, MAX_CELL_TEXT

    cells = [v for v in s.tolist() if isinstance(v, str)]
    if not cells or (not _ILLEGAL_XML.search("\n".join(cells)) and max(map(len, cells)) <= MAX_CELL_TEXT):
        return None
    return np.array([isinstance(v, str) and bool(text_fault(v)) for v in s.tolist()], dtype=bool)


def _text_faults(frame: Frame, col: Column, s, rows, faulty) -> None:
    """Report the cells `faulty` marks. They are kept as they are (never silently changed)."""
    from salesops.storage.table import text_fault

    if faulty is None or not faulty.any():
        return
    for idx, bad in zip(s.index, faulty, strict=True):
        if bad:
            ids = frame._ids.at[idx] if frame._ids is not None else None
            frame.problems.append(
                Problem(
                    ERROR, "bad-text", text_fault(s.at[idx]), file=frame.file, row=int(rows.at[idx]), column=col.name, record_id=ids
                )
            )


def _report(frame: Frame, col: Column, raw, rows, mask, phrase: str) -> None:
    from salesops.storage.table import show_cell

    code = problem_code(col)
    for idx in mask[mask].index:
        cell = raw.at[idx]
        ids = frame._ids.at[idx] if frame._ids is not None else None
        frame.problems.append(
            Problem(
                ERROR,
                code,
                f"{show_cell(cell)} {phrase}",
                file=frame.file,
                row=int(rows.at[idx]),
                column=col.name,
                record_id=ids,
            )
        )


def read_frames(ws: Workspace, names: list[str] | None = None, user_columns: bool = False) -> dict[str, Frame]:
    """Several registers at once (all by default; xlsx registers are read two at a time)."""
    names = names or list(REGISTERS)
    prefetch(ws, names)
    return {n: read_frame(ws, n, user_columns=user_columns) for n in names}
