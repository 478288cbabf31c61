"""Typed register frames kept in the columnar cache (`storage.cache`), for warm reads.

Reading a 100,000-row xlsx register costs about a second in calamine alone,
before any parsing. `storage.frames.read_frame` therefore keeps, beside the
registers in `.salesops/cache/`, the FULL typed frame of each register file it
read — every schema column, the user's own columns, `_row`, the IDs and the
bad-cell problems — stamped like every cache entry (size, mtime, inode,
settings, version). A later read of the unchanged file, for any subset of
columns, is served from it with exactly what the general reader would return
for that subset: the same rows (a row is dropped when every asked-for cell is
blank; a cell is blank when it is empty and not a bad value), the same values
and dtypes, the same problems in the same order, the same index.

Layout of an entry (arrays by column): text → the values joined by NUL as UTF-8 + a null mask;
date → int64 seconds, the M8[s] frame column viewed as int64 (NaT as its int64; the
header names the unit, and a column stored in another unit — entries of older code,
which kept M8[ns] — is converted to M8[s] on load); money/int → int64 + mask;
pct → float64 + mask; bool → bool + mask.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from salesops.storage.cache import CACHE_DIR, RACY_SECONDS, _read_entry, _write_entry, stamp
from salesops.values import DATE_DTYPE

if TYPE_CHECKING:
    from salesops.schema import Register
    from salesops.storage.frames import Frame

ROW = "_row"
KIND = "frame"


def entry_path(root: Path, path: Path) -> Path:
    return root / CACHE_DIR / f"{path.name}.frame"


# ------------------------------------------------------------------ storing


def cacheable(path: Path) -> bool:
    """Whether `path` is old enough for its entry to be trusted later (see `storage.cache`)."""
    try:
        return time.time() - path.stat().st_mtime >= RACY_SECONDS
    except OSError:
        return False


def build(frame: Frame, st: dict | None) -> Cached:
    """The full frame as a `Cached` (in memory), stamped `st` (taken before the file was read)."""
    df = frame.df
    arrays: dict[str, np.ndarray] = {
        "index": df.index.to_numpy(dtype=np.int64),
        ROW: df[ROW].to_numpy(dtype=np.int64),
    }
    kinds: dict[str, str] = {}
    texts: dict[str, np.ndarray] = {}
    for name in df.columns:
        if name != ROW:
            kinds[name] = _encode(name, df[name], arrays, texts)
    if frame._ids is not None:
        _encode("\x00ids", frame._ids, arrays, texts)
    header = {
        "kind": KIND,
        "stamp": st,
        "columns": kinds,
        "user_columns": list(frame.user_columns),
        "columns_present": list(frame.columns_present),
        "has_ids": frame._ids is not None,
        "problems": [_problem_dict(p) for p in frame.problems],
    }
    return Cached(header, arrays, texts)


def _may_save(path: Path, date_order: str, cached: Cached) -> bool:
    """The file is still as it was read, and old enough for its entry to be trusted."""
    st = stamp(path, date_order)
    return not (
        st is None
        or st != cached.header["stamp"]
        or time.time() - st["mtime_ns"] / 1e9 < RACY_SECONDS
    )


def install(written: Path, root: Path, path: Path, date_order: str, cached: Cached) -> bool:
    """Make `written` (a `write_file` of `cached`, in the cache folder) the entry of `path`
    by renaming it, under the same conditions as `save`; False leaves it where it is."""
    if not _may_save(path, date_order, cached):
        return False
    try:
        os.replace(written, entry_path(root, path))
        return True
    except OSError:  # another folder or file system: no entry, no harm
        return False


def save(root: Path, path: Path, date_order: str, cached: Cached) -> bool:
    """Write `cached` as the entry of `path` if the file is still as it was read and not racy."""
    if not _may_save(path, date_order, cached):
        return False
    entry = entry_path(root, path)
    tmp = entry.with_name(f".{entry.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        arrays = cached.packed()
    except (TypeError, ValueError):  # a value the layout cannot hold: no entry
        return False
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        _write_entry(tmp, cached.header, arrays)
        os.replace(tmp, entry)
        return True
    except OSError:  # unwritable: no entry, no harm
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return False


def _encode(name: str, s, arrays: dict[str, np.ndarray], texts: dict[str, np.ndarray]) -> str:
    import pandas as pd

    dtype = s.dtype
    if isinstance(dtype, (pd.Int64Dtype, pd.Float64Dtype, pd.BooleanDtype)):
        arrays[f"{name}.v"] = s.array._data
        arrays[f"{name}.m"] = s.array._mask
        return str(dtype)
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        arrays[f"{name}.v"] = s.to_numpy().view(np.int64)
        return dtype.str.lstrip("<>=|")  # M8[s]
    # text: kept as it is; packed into one blob only when written (`Cached.packed`)
    values = s.to_numpy(dtype=object)
    try:
        null = np.asarray(values == None, dtype=bool)  # noqa: E711  (elementwise; text columns hold str or None)
    except (TypeError, ValueError):
        null = pd.isna(values)
    if null.shape != values.shape:
        null = pd.isna(values)
    arrays[f"{name}.null"] = null
    texts[name] = values
    return "text"


def _pack_text(name: str, values: np.ndarray, null: np.ndarray) -> np.ndarray:
    """A text column as one UTF-8 blob, its values joined by NUL (split again on load)."""
    filled = np.where(null, "", values) if null.any() else values
    try:
        joined = "\x00".join(filled.tolist())
    except TypeError:
        raise TypeError(f"column {name} holds values that are not text") from None
    if joined.count("\x00") != max(len(values) - 1, 0):
        raise ValueError(f"column {name} holds NUL characters")
    return np.frombuffer(joined.encode("utf-8", "surrogatepass"), dtype=np.uint8)


def _problem_dict(p) -> dict[str, Any]:
    return {
        "severity": p.severity,
        "code": p.code,
        "message": p.message,
        "file": p.file,
        "row": p.row,
        "column": p.column,
        "record_id": p.record_id,
    }


# ------------------------------------------------------------------ loading


class Cached:
    """A full frame loaded from the cache (columns decoded on demand)."""

    def __init__(
        self,
        header: dict,
        arrays: dict[str, np.ndarray],
        texts: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.header = header
        self.arrays = arrays
        self._texts = texts or {}
        self.index = arrays["index"]
        self.rows = arrays[ROW]
        self.kinds: dict[str, str] = header["columns"]
        self._blank: dict[str, np.ndarray] = {}
        self._bad: dict[str, set[int]] | None = None

    def packed(self) -> dict[str, np.ndarray]:
        """The arrays as written: every text column packed into its blob."""
        out = dict(self.arrays)
        for name, kind in [*self.kinds.items(), ("\x00ids", "text")]:
            if kind == "text" and f"{name}.null" in out and f"{name}.blob" not in out:
                out[f"{name}.blob"] = _pack_text(name, self._texts[name], out[f"{name}.null"])
        return out

    def series_values(self, name: str):
        """The column as the pandas array the general reader builds."""
        import pandas as pd

        kind = self.kinds[name]
        a = self.arrays
        masked = {
            "Int64": pd.arrays.IntegerArray,
            "Float64": pd.arrays.FloatingArray,
            "boolean": pd.arrays.BooleanArray,
        }
        if kind in masked:
            return masked[kind](
                a[f"{name}.v"].copy(), np.asarray(a[f"{name}.m"], dtype=bool).copy()
            )
        if kind.startswith("M8"):
            # frames hold dates as M8[s]; any other unit stored is converted, never relabelled
            return a[f"{name}.v"].view(kind).astype(DATE_DTYPE)
        return self.text(name)

    def text(self, name: str) -> np.ndarray:
        """Object array of str / None."""
        values = self._texts.get(name)
        if values is None:
            a = self.arrays
            null = np.asarray(a[f"{name}.null"], dtype=bool)
            values = np.empty(len(null), dtype=object)
            if len(null):
                values[:] = (
                    a[f"{name}.blob"].tobytes().decode("utf-8", "surrogatepass").split("\x00")
                )
                values[null] = None
            self._texts[name] = values
        return values

    def null(self, name: str) -> np.ndarray:
        kind = self.kinds[name]
        a = self.arrays
        if kind == "text":
            return np.asarray(a[f"{name}.null"], dtype=bool)
        if kind.startswith("M8"):
            return a[f"{name}.v"] == np.iinfo(np.int64).min
        return np.asarray(a[f"{name}.m"], dtype=bool)

    def blank(self, name: str) -> np.ndarray:
        """Cells that were empty in the file: null and not a bad value."""
        if name not in self._blank:
            mask = self.null(name).copy()
            bad_rows = self.bad().get(name)
            if bad_rows:
                mask &= ~np.isin(self.rows, np.fromiter(bad_rows, dtype=np.int64))
            self._blank[name] = mask
        return self._blank[name]

    def bad(self) -> dict[str, set[int]]:
        if self._bad is None:
            self._bad = {}
            for p in self.header["problems"]:
                self._bad.setdefault(p["column"], set()).add(p["row"])
        return self._bad


def write_file(target: Path, cached: Cached) -> None:
    """Write `cached` to any file (a hand-over between processes); TypeError or
    ValueError if it holds a value the layout cannot."""
    _write_entry(target, cached.header, cached.packed())


def read_file(source: Path) -> Cached | None:
    """A `Cached` written by `write_file` (None if missing or damaged)."""
    try:
        header, arrays = _read_entry(source)
    except Exception:  # missing or damaged: the caller reads the register itself
        return None
    return Cached(header, arrays) if header.get("kind") == KIND else None


def load(root: Path, path: Path, date_order: str) -> Cached | None:
    """The cached full frame of `path`, if it is there and current."""
    want = stamp(path, date_order)
    entry = entry_path(root, path)
    if want is None or not entry.exists():
        return None
    try:
        header, arrays = _read_entry(entry)
        if header.get("kind") != KIND or header.get("stamp") != want:
            return None
        return Cached(header, arrays)
    except Exception:  # damaged: as if there were none
        return None


def subset(
    cached: Cached, reg: Register, file: str, wanted: list[str], user_columns: bool, date_order: str
) -> Frame | None:
    """The frame the general reader returns for `wanted` (and the user columns when asked).

    None when that frame would keep rows the full frame dropped (no column of
    the file looked at): the caller then reads the file.
    """
    import pandas as pd

    from salesops.problems import Problem
    from salesops.storage.frames import Frame, _empty_series

    present = set(cached.header["columns_present"])
    users = list(cached.header["user_columns"]) if user_columns else []
    # the general reader drops a row when every cell it kept is blank; with the user's
    # columns it keeps every column of the file
    looked = (list(present) if user_columns else [n for n in wanted if n in present]) + users
    if not looked:
        return None
    n = len(cached.index)
    keep = np.zeros(n, dtype=bool)
    for name in looked:
        keep |= ~cached.blank(name)
    if keep.all() and np.array_equal(cached.index, np.arange(n)):
        index = pd.RangeIndex(n)
    else:
        index = pd.Index(cached.index[keep])
    out: dict[str, Any] = {}
    for name in wanted:
        if name in present:
            values = cached.series_values(name)[keep]
            out[name] = pd.Series(
                values,
                index=index,
                name=name,
                dtype=object if cached.kinds[name] == "text" else None,
            )
        else:
            out[name] = _empty_series(reg.column(name), int(keep.sum()), index)
    for name in users:
        out[name] = pd.Series(cached.text(name)[keep], index=index, dtype=object)
    out[ROW] = pd.Series(cached.rows[keep], index=index)
    frame = Frame(
        reg,
        file,
        pd.DataFrame(out, index=index),
        columns_present=[n for n in wanted if n in present],
        date_order=date_order,
    )
    frame.user_columns = users
    if cached.header["has_ids"]:
        frame._ids = pd.Series(cached.text("\x00ids")[keep], index=index, dtype=object)
    by_column: dict[str, list] = {}
    for p in cached.header["problems"]:
        by_column.setdefault(p["column"], []).append(p)
    for name in wanted:
        for p in by_column.get(name, ()):
            frame.problems.append(Problem(**p))
    return frame
