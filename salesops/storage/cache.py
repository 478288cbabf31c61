"""A columnar cache beside the registers: parsed columns as numpy arrays.

The registers stay the single source of truth. The cache only remembers what
parsing a register file gave — typed columns as in `storage.fastcsv` — in
`<workspace>/.salesops/cache/<file>.npz`, stamped with the file's size,
modification time and inode, the settings that change parsing (`date_order`),
the salesops version and a fingerprint of the parsing code. Any difference, and the entry is ignored and
rewritten from the file. A file changed less than `RACY_SECONDS` before the
entry would be written is not cached at all: a second change within the
file-system's timestamp granularity could otherwise keep size and mtime.

Deleting `.salesops/cache/` is always safe. Reading never fails because of the
cache: an unreadable or unwritable entry is skipped.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from salesops.storage import fastcsv
from salesops.storage.fastcsv import Columns, Decline, TextColumn

if TYPE_CHECKING:
    from salesops.schema import Register

CACHE_DIR = Path(".salesops") / "cache"
FORMAT = 1  # bump when the entry layout or parsing changes
RACY_SECONDS = 2.0
_TEXT_PARTS = ("codes", "blob", "offsets", "hashes", "hashes2")


# the modules whose code decides what a register parses to: an entry made by other code is not trusted
_CODE = (
    "values.py",
    "schema.py",
    "codec.py",
    "storage/table.py",
    "storage/csv_io.py",
    "storage/xlsx_read.py",
    "storage/xlsx_percent.py",
    "storage/xlsx_package.py",
    "storage/frames.py",
    "storage/fastcsv.py",
    "storage/framecache.py",
    "storage/cache.py",
)


@functools.lru_cache(maxsize=1)
def code_stamp() -> str:
    """A fingerprint of the parsing code (sizes and mtimes of its modules)."""
    import salesops

    base = Path(salesops.__file__).parent
    parts = []
    for rel in _CODE:
        try:
            st = (base / rel).stat()
            parts.append(f"{rel}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(f"{rel}:-")
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


_PENDING: list = []


def in_background(write) -> None:
    """Run `write()` on a thread: the entry is written while the command computes and prints.

    The thread is not a daemon, so the interpreter waits for it before exiting; a
    failure only means no entry (readers never see a partial one: entries are
    written to a temporary file and renamed).
    """
    import threading

    def run() -> None:
        try:
            write()
        except Exception:  # noqa: BLE001 - a cache entry is never worth an error
            pass

    t = threading.Thread(target=run, name="salesops-cache-write")
    t.start()
    _PENDING.append(t)


def flush() -> None:
    """Wait for entries still being written."""
    while _PENDING:
        _PENDING.pop().join()


def stamp(path: Path, date_order: str) -> dict | None:
    """What must be unchanged for an entry of `path` to be trusted (None if missing)."""
    from salesops import __version__

    try:
        st = path.stat()
    except OSError:
        return None
    return {
        "format": FORMAT,
        "version": __version__,
        "code": code_stamp(),
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "ino": st.st_ino,
        "date_order": date_order,
    }


def entry_path(root: Path, path: Path) -> Path:
    return root / CACHE_DIR / f"{path.name}.cols"


# An entry is one file: MAGIC, an 8-byte header length, a JSON header naming each
# array's dtype, shape and offset, then the arrays' raw bytes (64-byte aligned).
# It is read through mmap, so loading costs nothing until a column is used.
MAGIC = b"SALESOPS-COLUMNS\n"
ALIGN = 64


def _read_entry(entry: Path) -> tuple[dict, dict[str, np.ndarray]]:
    import mmap

    with open(entry, "rb") as fh:
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    if mm[: len(MAGIC)] != MAGIC:
        raise ValueError("not a cache entry")
    size = int.from_bytes(mm[len(MAGIC) : len(MAGIC) + 8], "little")
    start = len(MAGIC) + 8
    header = json.loads(mm[start : start + size].decode("utf-8"))
    arrays = {}
    for name, (dtype, shape, offset) in header["arrays"].items():
        count = int(np.prod(shape)) if shape else 1
        arrays[name] = np.frombuffer(mm, dtype=np.dtype(dtype), count=count, offset=offset).reshape(
            shape
        )
    return header, arrays


def _write_entry(path: Path, header: dict, arrays: dict[str, np.ndarray]) -> None:
    arrays = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    layout = {}
    # two passes: the header's own length moves the data offsets
    for _ in range(2):
        text = json.dumps({**header, "arrays": layout}).encode("utf-8")
        offset = -(-(len(MAGIC) + 8 + len(text) + 256) // ALIGN) * ALIGN
        layout = {}
        for k, v in arrays.items():
            layout[k] = [v.dtype.str, list(v.shape), offset]
            offset = -(-(offset + v.nbytes) // ALIGN) * ALIGN
    text = json.dumps({**header, "arrays": layout}).encode("utf-8")
    with open(path, "wb") as fh:
        fh.write(MAGIC + len(text).to_bytes(8, "little") + text)
        for k, v in arrays.items():
            fh.seek(layout[k][2])
            fh.write(memoryview(v).cast("B") if v.nbytes else b"")
        fh.truncate()


def load(
    root: Path, path: Path, date_order: str, wanted: list[str] | None = None
) -> Columns | None:
    """The cached columns of `path` (all of `wanted` must be there), or None."""
    want = stamp(path, date_order)
    entry = entry_path(root, path)
    if want is None or not entry.exists():
        return None
    try:
        meta, z = _read_entry(entry)
        if meta.get("stamp") != want:
            return None
        kinds: dict[str, str] = meta["columns"]
        names = list(kinds) if wanted is None else wanted
        if any(n not in kinds for n in names):
            return None
        out = Columns(int(meta["n"]), z["rows"])
        for n in names:
            if kinds[n] == "text":
                out.data[n] = TextColumn(*(z[f"{n}.{p}"] for p in _TEXT_PARTS))
            else:
                out.data[n] = z[n]
        return out
    except Exception:  # a damaged or foreign entry: as if there were none
        return None


def store(
    root: Path, path: Path, date_order: str, cols: Columns, expect: dict | None = None
) -> bool:
    """Write `cols` as the entry of `path` (merged with the valid entry already there).

    `expect`: the file's stamp taken before it was read; nothing is written if it changed since.
    """
    st = stamp(path, date_order)
    if st is None or time.time() - st["mtime_ns"] / 1e9 < RACY_SECONDS:
        return False
    if expect is not None and st != expect:
        return False
    arrays: dict[str, np.ndarray] = {}
    kinds: dict[str, str] = {}
    old = load(root, path, date_order)
    if old is not None and old.n == cols.n and np.array_equal(old.rows, cols.rows):
        _put(arrays, kinds, old)
    _put(arrays, kinds, cols)
    arrays["rows"] = cols.rows
    entry = entry_path(root, path)
    tmp = entry.with_name(f".{entry.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        _write_entry(tmp, {"stamp": st, "n": cols.n, "columns": kinds}, arrays)
        os.replace(tmp, entry)
        return True
    except OSError:  # a read-only workspace: no cache, no harm
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return False


def _put(arrays: dict, kinds: dict, cols: Columns) -> None:
    for name, col in cols.data.items():
        if isinstance(col, TextColumn):
            kinds[name] = "text"
            for p in _TEXT_PARTS:
                arrays[f"{name}.{p}"] = getattr(col, p)
        else:
            kinds[name] = "array"
            arrays[name] = col


def derived(
    root: Path, name: str, sources: list[Path], date_order: str, compute, expect: list | None = None
) -> np.ndarray | None:
    """An array computed from several register files (`compute()`), cached under `name`.

    Trusted only while every source file is unchanged; `compute` may return
    None (nothing is cached then). With `compute` None: the cached array or None.
    `expect`: the sources' stamps taken before the data `compute` uses was read;
    nothing is cached if they changed since.
    """
    stamps = [stamp(p, date_order) for p in sources]
    entry = root / CACHE_DIR / f"{name}.cols"
    if all(stamps) and entry.exists():
        try:
            meta, z = _read_entry(entry)
            if meta.get("stamps") == stamps:
                return z["value"]
        except Exception:  # damaged: recompute
            pass
    if compute is None:
        return None
    value = compute()
    now = time.time()
    if (
        value is None
        or not all(stamps)
        or any(now - st["mtime_ns"] / 1e9 < RACY_SECONDS for st in stamps)
    ):
        return value
    if expect is not None and expect != stamps:
        return value

    def write() -> None:
        if [stamp(p, date_order) for p in sources] != stamps:
            return  # a source changed while it was being read
        tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            _write_entry(tmp, {"stamps": stamps}, {"value": value})
            os.replace(tmp, entry)
        except OSError:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass

    in_background(write)
    return value


def columns(
    root: Path,
    path: Path,
    fmt: str,
    reg: Register,
    wanted: list[str],
    date_order: str,
    transient: tuple[str, ...] = (),
    keys_only: tuple[str, ...] = (),
) -> Columns | None:
    """Typed columns `wanted` of register file `path`: from the cache, else parsed and cached.

    Columns named in `transient` are parsed when asked for but not kept (the
    caller caches what it derives from them); those in `keys_only` come as
    per-row fingerprints (`fastcsv.KeyColumn`), for joins. None when the file is not in the
    simple shape the fast reader handles (the caller then reads it the general
    way, which also reports bad cells).
    """
    hit = load(root, path, date_order, wanted)
    if hit is not None:
        return hit
    if fmt != "csv":
        return None
    before = stamp(path, date_order)
    try:
        cols = fastcsv.read_columns(path, reg, wanted, date_order, keys_only=keys_only)
    except Decline:
        return None
    keep = Columns(cols.n, cols.rows, {k: v for k, v in cols.data.items() if k not in transient})
    in_background(lambda: store(root, path, date_order, keep, before))
    return cols
