"""Registers as typed pandas frames, parsed column by column (vectorised).

Validation and reports work on whole registers, so they read them here rather
than record by record: each column is parsed in one vectorised pass by the
series parsers of `salesops.values`, which agree with the scalar parsers the
record path uses. Cells that do not parse become nulls and are reported as
`Problem`s.

Frame columns: every schema column, under its canonical name —
text/id/ref/enum: object (str or None; enums as canonical codes);
date: datetime64[ns]; money: Int64 holding integer CENTS; int: Int64;
pct: Float64; bool: boolean — plus `_row`, the Excel row number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from salesops import values
from salesops.errors import StorageError
from salesops.problems import ERROR, Problem
from salesops.schema import REGISTERS, Column, Register
from salesops.storage.codec import TYPE_PHRASES

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
    """Read `register` of workspace `ws` as a typed frame (only `columns` if given)."""
    import pandas as pd

    reg = REGISTERS[register]
    path, fmt, exists = ws.file_of(reg)
    wanted = [c.name for c in reg.columns] if columns is None else list(dict.fromkeys([reg.id_column, *columns]))
    if not exists:
        return Frame(reg, path.name, empty_frame(reg, wanted), exists=False)
    header, raw = _read_raw(ws, reg, path, fmt, wanted, user_columns)
    from salesops.storage.table import map_header

    try:
        colmap, _ = map_header(reg, header)
    except Exception as exc:  # duplicate header: a file problem, reported with the file name
        raise StorageError(f"{path.name}: {exc}") from None
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
    import pandas as pd

    if fmt == "csv":
        header, df = _read_csv_raw(path, reg, wanted, user_columns)
    else:
        from salesops.storage.workspace import read_rows

        header, rows = read_rows(path, fmt)
        from salesops.storage.table import map_header

        colmap, _ = map_header(reg, header)
        keep = range(len(header)) if user_columns else sorted({colmap[n] for n in wanted if n in colmap})
        data = {j: [r[j] if j < len(r) else None for r in rows] for j in keep}
        df = pd.DataFrame(data, dtype=object) if data else pd.DataFrame(index=range(len(rows)))
        df[ROW] = range(2, len(rows) + 2)
    body = df.drop(columns=[ROW])
    if len(body.columns):
        blank = body.isna() | body.map(lambda v: isinstance(v, str) and not v.strip()) if len(body) < 50_000 else _blank_fast(body)
        df = df[~blank.all(axis=1)]
    return header, df


def _blank_fast(body):
    import pandas as pd

    out = pd.DataFrame(index=body.index)
    for c in body.columns:
        s = body[c]
        out[c] = s.isna() | (s.astype(str).str.strip() == "")
    return out


def _read_csv_raw(path, reg: Register, wanted: list[str], user_columns: bool):
    import csv

    import pandas as pd

    from salesops.storage.csv_io import decode
    from salesops.storage.table import map_header

    with open(path, "rb") as fh:
        head = fh.read(65536)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            encoding = "gb18030"
    first_line = decode(head, path.name, encoding).splitlines()[0] if head else ""
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
        "date": "datetime64[ns]",
        "money": "Int64",
        "int": "Int64",
        "pct": "Float64",
        "bool": "boolean",
    }.get(col.type, object)
    return pd.Series([None] * n, index=index, dtype=dtype)


def _parse_column(frame: Frame, col: Column, s, rows):
    """Typed series for one column; bad cells become null and Problems."""
    import pandas as pd

    kind = col.type
    bad = None
    phrase = TYPE_PHRASES.get(kind, "is not valid")
    if kind == "date":
        out, bad = values.parse_date_series(s, frame.date_order)
    elif kind == "money":
        out, bad = values.parse_money_series(s)
    elif kind == "int":
        out, bad = values.parse_int_series(s)
        low = col.min if col.min is not None else None
        high = col.max
        if low is not None or high is not None:
            outside = out.notna() & (((out < low) if low is not None else False) | ((out > high) if high is not None else False))
            outside = outside.fillna(False).astype(bool)
            if outside.any():
                _report(frame, col, s, rows, outside, f"is not between {low} and {high}" if high is not None else f"is below {low}")
                out = out.mask(outside)
    elif kind == "pct":
        text = s.map(lambda v: v.strip().rstrip("%") if isinstance(v, str) else v)
        cents, bad = values.parse_money_series(text)
        out = (cents.astype("Float64") / 100).astype("Float64")
        if col.min is None or col.min >= 0:
            outside = (out.notna() & ((out < 0) | (out > 100))).fillna(False).astype(bool)
            if outside.any():
                bad = bad | outside
                out = out.mask(outside)
    elif kind in ("enum", "bool"):
        text = values.parse_text_series(s)
        uniques = pd.unique(text.dropna())
        if kind == "bool":
            mapping = {}
            for u in uniques:
                try:
                    mapping[u] = values.parse_bool(u)
                except values.BadValue:
                    mapping[u] = None
            out = text.map(mapping).astype("boolean")
        else:
            mapping = {u: col.enum.parse(u) for u in uniques}
            if col.enum.open:
                mapping = {u: (code if code is not None else u) for u, code in mapping.items()}
            out = text.map(mapping).astype(object)
            out = out.where(out.notna(), None)
            phrase = f"is not a {col.enum.name} (expected one of: {', '.join(col.enum.codes)})"
        bad = text.notna() & out.isna()
    else:
        out = values.parse_text_series(s)
    if bad is not None:
        bad = bad.fillna(False).astype(bool) if hasattr(bad, "fillna") else bad
        if bad.any():
            _report(frame, col, s, rows, bad, phrase)
    return out


def _report(frame: Frame, col: Column, raw, rows, mask, phrase: str) -> None:
    from salesops.storage.table import show_cell

    code = f"bad-{col.type}" if col.type != "enum" else "bad-enum"
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
    """Several registers at once (all by default)."""
    return {n: read_frame(ws, n, user_columns=user_columns) for n in (names or list(REGISTERS))}
