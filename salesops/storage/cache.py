"""The one cache: each register's typed table, kept beside the registers as an Arrow IPC file.

`.salesops/cache/<file>.arrow` holds what `storage.read.read_typed` made of a
register — the typed columns, the problems, the header facts — with a key in its
metadata: the file's identity and content stamp (device, inode, size, mtime in
ns), the date order, the language its problems are worded in, the salesops
version and a fingerprint of salesops' own source (every module's and message
catalogue's size and mtime, computed, so no list to keep up). Any difference,
and the entry is ignored and replaced. A file changed less than
`RACY_SECONDS` before it was read is not cached: a second change within the
file system's timestamp granularity could keep size and mtime.

The registers stay the only source of truth: deleting `.salesops/cache/` is
always safe, and a cache that cannot be read or written (read-only folder, full
disk, a damaged entry) never makes a read fail.

`save_table` / `load_table` are the small reusable API underneath: an Arrow
table with JSON metadata, written atomically, read memory-mapped. `derived`
keeps what is computed from cached registers (where each payment's receivable
is: a million IDs hashed on every aging otherwise) in `.salesops/cache/derived/`,
under the keys of the tables it was made from, so it goes stale with them.
`remember_json` / `recall_json` keep small facts the same way, as JSON under
their key: a file's SHA-256 under its stamp (`digest`), and which registers
carry edits made by hand that are not recorded yet (`storage.baseline`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import pyarrow as pa

    from salesops.storage.read import TypedTable

CACHE_DIR = Path(".salesops") / "cache"
FORMAT = 1  # bump when the entry layout changes
RACY_SECONDS = 2.0
META_KEY = b"salesops"


@functools.lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """A fingerprint of salesops' own source: every module's and compiled catalogue's path, size and mtime."""
    import salesops

    base = Path(salesops.__file__).parent
    parts = [salesops.__version__]
    for folder, dirs, files in sorted(os.walk(base)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".mo")):
                st = os.stat(os.path.join(folder, name))
                parts.append(f"{os.path.relpath(os.path.join(folder, name), base)}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def file_stamp(path: Path) -> dict[str, int] | None:
    """The file's identity and content stamp (None when it cannot be stat'ed)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return {"dev": st.st_dev, "ino": st.st_ino, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


STALE_SECONDS = 3600  # a temp file of the cache this old was left by a process killed mid-write


@functools.cache
def _sweep(folder: str) -> None:
    """Remove the temp files killed processes left in a cache folder (once per process and folder):
    a live writer renames its own within seconds, so one an hour old has no writer."""
    cutoff = time.time() - STALE_SECONDS
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
    except OSError:  # gone meanwhile, another process swept it: no harm
        pass


def _replace(target: Path, write: Callable[[Path], None], errors: tuple = (OSError,)) -> bool:
    """`write(temp)` then rename the temp file over `target` (the cache's folders swept of what
    killed writers left); False, and no temp file left, when it could not."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _sweep(str(target.parent))
        write(tmp)
        os.replace(tmp, target)
        return True
    except errors:  # read-only folder, full disk: no entry, no harm
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return False


def remember_json(root: Path, name: str, key: Any, value: Any) -> None:
    """Keep the JSON `value` under `key` as `.salesops/cache/<name>` (atomically), given
    back while the key is the same (`recall_json`). A cache that cannot be written is no harm."""
    text = json.dumps({"key": key, "value": value}, ensure_ascii=False)
    _replace(root / CACHE_DIR / name, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def recall_json(root: Path, name: str, key: Any) -> Any:
    """The value `remember_json` kept as `name` under `key` (compared as JSON), else None."""
    try:
        got = json.loads((root / CACHE_DIR / name).read_text(encoding="utf-8"))
        return got["value"] if got["key"] == key else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def settled(stamp: dict) -> bool:
    """Whether a file of `stamp` changed long enough ago that a next change cannot keep its stamp."""
    return time.time() - stamp["mtime_ns"] / 1e9 >= RACY_SECONDS


def digest(root: Path, path: Path) -> str | None:
    """The SHA-256 of `path`'s bytes, remembered in the cache under the file's stamp: a file
    unchanged since costs a stat and a small read. None when it cannot be read whole (or
    changed while it was)."""
    stamp = file_stamp(path)
    if stamp is None:
        return None
    remembered = recall_json(root, _digest_name(path), stamp)
    if isinstance(remembered, str):
        return remembered
    started = _hashing.pop((str(path), tuple(stamp.values())), None)
    value = started.result() if started is not None else _sha256(path, stamp)
    if value is not None and settled(stamp):
        remember_json(root, _digest_name(path), stamp, value)
    return value


def _digest_name(path: Path) -> str:
    return f"{path.name}.sha256"


def digest_soon(root: Path, paths: list[Path]) -> None:
    """Start hashing `paths` (those not remembered) on a background thread of low priority
    (hashlib runs without the GIL), for a `digest` asked for later in this process: a read-only
    command's closing scan."""
    for path in paths:
        stamp = file_stamp(path)
        if stamp is None or recall_json(root, _digest_name(path), stamp) is not None:
            continue
        key = (str(path), tuple(stamp.values()))
        if key not in _hashing:
            if not _hasher:
                from concurrent.futures import ThreadPoolExecutor

                _hasher.append(ThreadPoolExecutor(1, thread_name_prefix="salesops-hash", initializer=_low_priority))
            _hashing[key] = _hasher[0].submit(_sha256, path, stamp)


_hashing: dict[tuple, Any] = {}  # (path, stamp values) → the Future of its SHA-256
_hasher: list = []


def _low_priority() -> None:
    """Let the thread run on a core the command leaves idle: on Linux, where a thread has its own
    nice value (elsewhere a thread ID is no process ID to give setpriority)."""
    import sys
    import threading

    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except OSError:  # a sandbox that forbids it: as it is
            pass


def _sha256(path: Path, stamp: dict) -> str | None:
    try:
        with open(path, "rb") as fh:
            value = hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None
    return value if file_stamp(path) == stamp else None


def key_of(path: Path, date_order: str | None = None) -> dict[str, Any] | None:
    """What must be unchanged for an entry of `path` to be trusted: the file's stamp and salesops'
    code, and for a register's typed table the date order and language it was read in."""
    stamp = file_stamp(path)
    if stamp is None:
        return None
    if date_order is None:  # a table read from the file alone (`of_file`)
        return {"format": FORMAT, "code": source_fingerprint(), **stamp}
    from salesops.i18n import current

    lang = current()  # problems are worded in it
    return {"format": FORMAT, "code": source_fingerprint(), "date_order": date_order, "lang": lang, **stamp}


def entry_path(root: Path, path: Path) -> Path:
    return root / CACHE_DIR / f"{path.name}.arrow"


# ------------------------------------------------------------------ the reusable layer


def save_table(target: Path, table: pa.Table, meta: dict[str, Any]) -> bool:
    """Write `table` with JSON `meta` to `target` (Arrow IPC file, atomically). False when it could not."""
    import pyarrow as pa

    def write(tmp: Path) -> None:
        schema = table.schema.with_metadata({META_KEY: json.dumps(meta, ensure_ascii=False).encode("utf-8")})
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
            writer.write_table(table.replace_schema_metadata(schema.metadata))

    return _replace(target, write, (OSError, pa.ArrowException))


def load_table(source: Path) -> tuple[pa.Table, dict[str, Any]] | None:
    """(table, meta) written by `save_table`, memory-mapped; None when missing or unreadable."""
    import pyarrow as pa

    from salesops.storage.arrowpool import use_best_pool

    use_best_pool()
    settle(source)
    try:
        with pa.memory_map(str(source), "r") as src:
            table = pa.ipc.open_file(src).read_all()
        meta = json.loads(table.schema.metadata[META_KEY].decode("utf-8"))
        return table.replace_schema_metadata(None), meta
    except (OSError, KeyError, ValueError, TypeError, pa.ArrowException):
        return None


# ------------------------------------------------------------------ typed tables of registers


def load(root: Path, path: Path, date_order: str) -> TypedTable | None:
    """The cached typed table of register file `path`, when its entry may be trusted."""
    want = key_of(path, date_order)
    entry = entry_path(root, path)
    settle(entry)  # (being written by this process)
    if want is None or not entry.exists():
        return None
    got = load_table(entry)
    if got is None:
        return None
    table, meta = got
    if meta.get("key") != want:
        return None
    try:
        typed = _from_meta(table, meta)
    except (KeyError, ValueError, TypeError):
        return None
    typed.key = want
    return typed


def store(root: Path, path: Path, date_order: str, typed: TypedTable, before: dict | None) -> bool:
    """Keep `typed` as the entry of `path` (written in the background: `settle`), unless the
    file changed since `before` (its key taken before reading) or too recently to be told
    apart from a next change. True when it is kept: `typed` is then the file of key `before`."""
    key = key_of(path, date_order)
    if key is None or key != before or not settled(key):
        return False
    _in_background(save_table, entry_path(root, path), typed.data, {"key": key, **_to_meta(typed)})
    return True


# Entries are written on one background thread while the command goes on with what it read
# (Arrow writes without the GIL: a first aging after a change spent 0.2-0.3 s writing its
# entries before computing); `settle` waits for them, and the CLI settles before it exits.
# A read of an entry still being written waits for it (`load_table`).
_pending: dict[Path, Any] = {}  # entry → its write (a Future)
_writer: list = []  # the writer thread's pool, made on first use


def _in_background(fn: Callable[..., Any], target: Path, *args: Any) -> None:
    if not _writer:
        from concurrent.futures import ThreadPoolExecutor

        _writer.append(ThreadPoolExecutor(1, thread_name_prefix="salesops-cache"))
    settle(target)  # (one write per entry at a time)
    _pending[target] = _writer[0].submit(fn, target, *args)


def settle(target: Path | None = None) -> None:
    """Wait until the entry `target` (every entry, by default) this process is writing is
    written, or given up: a failed write leaves no entry and no harm."""
    for entry in [target] if target is not None else list(_pending):
        job = _pending.pop(entry, None)
        if job is not None:
            job.exception()  # waits; a write that failed is dropped: a cache never fails a command


def _to_meta(typed: TypedTable) -> dict[str, Any]:
    return {
        "register": typed.register.name,
        "file": typed.file,
        "fmt": typed.fmt,
        "problems": [
            [p.severity, p.code, p.message, p.file, p.row, p.column, p.record_id, p.header]
            for p in typed.problems
        ],
        "bad": [[i, name, _cell_json(cell)] for (i, name), cell in typed.bad.items()],
        "header": typed.header,
        "colmap": typed.colmap,
        "header_lang": typed.header_lang,
        "user": typed.user,
        "sheet": typed.sheet,
        "dialect": typed.dialect.to_json() if typed.dialect else None,
        "last_row": typed.last_row,
        "columns": typed.columns,
    }


def _from_meta(table: pa.Table, meta: dict[str, Any]) -> TypedTable:
    from salesops.problems import Problem
    from salesops.schema import REGISTERS
    from salesops.storage.csv_io import Dialect
    from salesops.storage.read import TypedTable

    return TypedTable(
        REGISTERS[meta["register"]],
        meta["file"],
        meta["fmt"],
        table,
        [Problem(*p) for p in meta["problems"]],
        {(i, name): _cell_back(cell) for i, name, cell in meta["bad"]},
        meta["header"],
        meta["colmap"],
        meta["header_lang"],
        [tuple(u) for u in meta["user"]],
        meta["sheet"],
        Dialect.from_json(meta["dialect"]) if meta["dialect"] else None,
        meta["last_row"],
        columns=meta.get("columns"),
    )


def _cell_json(cell: Any) -> Any:
    import datetime as dt

    if isinstance(cell, (dt.date, dt.datetime, dt.time)):
        return {"iso": cell.isoformat(), "t": type(cell).__name__}
    if cell is None or isinstance(cell, (str, int, float, bool)):
        return cell
    return str(cell)


def _cell_back(cell: Any) -> Any:
    import datetime as dt

    if isinstance(cell, dict):
        kind = {"date": dt.date, "datetime": dt.datetime, "time": dt.time}[cell["t"]]
        return kind.fromisoformat(cell["iso"])
    return cell


def read_register(root: Path, path: Path, fmt: str, register, date_order: str, columns: list[str] | None = None) -> TypedTable:
    """The typed table of a register file (all fields, or at least `columns`): from the cache
    when its entry holds them, else read and kept (a full entry is never replaced by a partial one)."""
    from salesops.storage.read import read_typed

    hit = load(root, path, date_order)
    if hit is not None and hit.register.name == register.name:
        if hit.covers(columns):
            return hit
        if columns is not None and hit.columns is not None:  # a partial entry: read what both need,
            columns = [*hit.columns, *columns]  # so that commands asking for either agree with it
    before = key_of(path, date_order)
    typed = read_typed(path, fmt, register, date_order, columns=columns)
    if store(root, path, date_order, typed, before):
        typed.key = before
    return typed


def of_file(root: Path, path: Path, compute: Callable[[], pa.Table | None]) -> pa.Table | None:
    """`compute()`, a table read from the file `path` alone (history.csv), kept as its entry
    while the file stays as it was — the same identity, content stamp and salesops' code.
    Computed, not kept, when the file changed too recently to be told apart from a next change,
    or changed while it was read; None (nothing kept) when `compute` finds nothing."""
    key = key_of(path)
    target = entry_path(root, path)
    if key is not None:
        got = load_table(target)
        if got is not None and got[1].get("key") == key:
            return got[0]
    table = compute()
    if table is not None and key is not None and settled(key) and key_of(path) == key:
        _in_background(save_table, target, table, {"key": key})
    return table


def derived(
    root: Path, name: str, sources: list[TypedTable], compute: Callable[[], pa.Table], extra: dict | None = None
) -> pa.Table:
    """`compute()`, a table made from the typed tables `sources` (say, where each payment's
    receivable is), kept as entry `name` beside theirs and trusted while every source is the
    one it was made from — the same file key (identity, content stamp, salesops' code) and the
    same fields read; a register without a file, still without one — and `extra` (what else
    it depends on: a date, the settings) is the same. Computed, not kept, when a source's
    file was not cached."""
    keys = _source_keys(sources, extra)
    hit = None if keys is None else _recall(root, name, keys)
    if hit is not None:
        return hit
    table = compute()
    if keys is not None:
        _in_background(save_table, _derived_path(root, name), table, {"sources": keys})
    return table


def recall(root: Path, name: str, sources: list[TypedTable], extra: dict | None = None) -> pa.Table | None:
    """The entry `derived` kept as `name` for these sources and `extra`, or None."""
    keys = _source_keys(sources, extra)
    return None if keys is None else _recall(root, name, keys)


def _recall(root: Path, name: str, keys: list) -> pa.Table | None:
    got = load_table(_derived_path(root, name))
    return got[0] if got is not None and got[1].get("sources") == keys else None


def _derived_path(root: Path, name: str) -> Path:
    return root / CACHE_DIR / "derived" / f"{name}.arrow"


def _source_keys(sources: list[TypedTable], extra: dict | None) -> list | None:
    keys: list[Any] = []
    for t in sources:
        if not t.exists:
            keys.append({"file": t.file, "exists": False})
        elif t.key is None:
            return None
        else:
            keys.append({**t.key, "file": t.file, "columns": t.columns})
    return keys + [extra] if extra is not None else keys
