"""The last state of each register salesops wrote or checked, and what was edited since by hand.

`.salesops/state/` holds, per register, its typed columns as an Arrow file
(the same typed form `storage.read` makes, written by `cache.save_table`)
and, in `index.json`, the identity and content stamp of the register file
that state was taken from (device, inode, size, mtime) and the size of
history.csv at that moment. The Arrow files are never changed once written:
a new state is new files, then a new index (atomically), then the old files
go, so the index always names complete files.

`scan(ws)` compares each register with its state:

- a register whose file stamp and history.csv's size are those of the index
  costs one stat and is unchanged; so does one whose stamp moved but whose bytes
  are the ones the state was taken from (touched, copied back, synced again):
  the index keeps each file's SHA-256, compared when the size is the same
  (`cache.digest`, remembered under the new stamp);
- when history.csv grew (a commit whose state was not saved: the process was
  killed in between), the rows it gained are applied to the state first, so
  salesops' own changes are never taken for hand edits;
- otherwise the register is read (through the cache) and compared record by
  record, keyed by ID (`core.handedits.record_edits` makes the history rows).

Writing commands scan under the workspace lock before they change anything;
`Workspace.commit` writes the hand edits' history rows first (`command` =
`edited outside salesops`, `user` = the workbook's last-modified-by, `at` =
the file's modification time), then the command's, in the same commit, and
`saved()` keeps the state as it is after the commit. A workspace without a
state yet (the first run) records nothing and takes what it finds.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from salesops.core.handedits import HAND, Unreadable, record_edits
from salesops.core.model import Change
from salesops.schema import HISTORY_FILE, REGISTERS, Register
from salesops.storage.cache import digest, file_stamp, load_table, save_table
from salesops.storage.lock import META_DIR

if TYPE_CHECKING:
    import pyarrow as pa

    from salesops.storage.read import TypedTable

Workspace = Any  # storage.workspace.Workspace (which imports this module)

STATE_DIR = Path(META_DIR) / "state"
INDEX = "index.json"
FORMAT = 1  # bump when the typed form of a column changes


@dataclass
class Snapshot:
    """A register's records as typed columns (schema columns only) and the text of cells that did not read."""

    data: pa.Table
    bad: dict[tuple[int, str], str] = field(default_factory=dict)

    def __len__(self) -> int:
        return self.data.num_rows


@dataclass
class Found:
    """One register as this command found it: its records, and the hand edits since its state."""

    register: Register
    file: str
    stamp: dict | None  # the file's stamp when compared (None: no file)
    snapshot: Snapshot | None = None  # the records compared; None: the saved state holds them
    entry: dict | None = None  # the saved index entry, kept as it is while `snapshot` is None
    edits: list[Change] = field(default_factory=list)
    at: str = ""
    user: str = "unknown"
    unread: bool = False  # could not be read: compared next time it can be, against nothing saved
    same: bool = False  # the records are the saved ones, and only the file's stamp moved


@dataclass
class Scan:
    """Every register compared with its state: what a writing command records and saves."""

    root: Path
    first: bool  # no state yet: nothing is recorded, everything is taken as it is
    history_size: int
    found: dict[str, Found] = field(default_factory=dict)
    recorded: bool = False  # the hand edits' history rows are committed
    saved: bool = False

    @property
    def edits(self) -> list[Found]:
        return [f for f in self.found.values() if f.edits]

    @property
    def unsaved(self) -> bool:
        """Whether the state on disk is not yet what this scan found."""
        return not self.saved and (
            self.first or any(f.snapshot is not None or f.unread or f.same for f in self.found.values())
        )

    def history_rows(self) -> list[tuple[str, str, str, Change]]:
        """The hand edits as history.csv rows (at, user, command, change): each register dated and signed by its file."""
        return [(f.at, f.user, HAND, c) for f in self.edits for c in f.edits]


def recorded_notes(scanned: Scan) -> list[str]:
    """What to tell the user about the hand edits just recorded: one line per register."""
    from salesops.i18n import ngettext, person

    out = []
    for f in scanned.edits:
        records = len({c.record_id for c in f.edits})
        out.append(
            ngettext(
                "{file} was edited outside salesops ({user}, {at}): {n} record changed, recorded in "
                "history.csv; salesops validate checks it",
                "{file} was edited outside salesops ({user}, {at}): {n} records changed, recorded in "
                "history.csv; salesops validate checks them",
                records,
            ).format(file=f.file, user=person(f.user), at=f.at[:16].replace("T", " "), n=records)
        )
    return out


# ---------------------------------------------------------------- the index


def state_dir(root: Path) -> Path:
    return root / STATE_DIR


def load_index(root: Path) -> dict | None:
    """The saved index, or None when there is none yet (or it is unreadable, or of another format)."""
    try:
        index = json.loads((state_dir(root) / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        return None
    return index


def history_size(root: Path) -> int:
    try:
        return (root / HISTORY_FILE).stat().st_size
    except OSError:
        return 0


def _load_snapshot(root: Path, entry: dict | None, register: Register) -> Snapshot:
    """The saved records of a register (empty when it had none, or its file is lost)."""
    if entry and entry.get("data"):
        got = load_table(state_dir(root) / entry["data"])
        if got is not None:
            table, meta = got
            bad = {(int(i), str(f)): str(t) for i, f, t in meta.get("bad", [])}
            return Snapshot(table, bad)
    return empty_snapshot(register)


def empty_snapshot(register: Register) -> Snapshot:
    import pyarrow as pa

    from salesops.typed import arrow_type

    arrays = [pa.array([], type=arrow_type(c)) for c in register.columns]
    return Snapshot(pa.Table.from_arrays(arrays, names=[c.name for c in register.columns]))


def snapshot_of(typed: TypedTable) -> Snapshot:
    """The records of a typed table as a state keeps them."""
    from salesops import values

    names = [c.name for c in typed.register.columns]
    bad = {(i, name): values.parse_text(cell) or "" for (i, name), cell in typed.bad.items()}
    return Snapshot(typed.data.select(names), bad)


# ---------------------------------------------------------------- scanning


def scan(ws: Workspace) -> Scan:
    """Compare every register of `ws` with its saved state (see the module docstring)."""
    root = ws.root
    index = load_index(root)
    size = history_size(root)
    out = Scan(root, index is None, size)
    entries = (index or {}).get("registers", {})
    grew = index is not None and size != index.get("history_size")
    tail: dict[str, list[Change]] | None = None
    kept = {name: _kept(ws, name, entries.get(name), grew) for name in REGISTERS}
    ws.read_ahead([name for name in REGISTERS if not kept[name][0]])
    for name, register in REGISTERS.items():
        entry = entries.get(name)
        try:
            path, fmt, exists = ws.file_of(register)
            stamp = file_stamp(path) if exists else None
            if kept[name] == (True, stamp):
                assert entry is not None
                out.found[name] = Found(register, path.name, stamp, entry=entry, same=stamp != entry.get("stamp"))
                continue
            now = snapshot_of(ws.typed(name)) if exists else empty_snapshot(register)
        except Exception:  # noqa: BLE001 - two formats, a link, unreadable: validate says so; kept as it was
            out.found[name] = Found(register, f"{name}.{ws.settings.format}", None, entry=entry, unread=entry is None)
            continue
        found = out.found[name] = Found(register, path.name, stamp, now)
        if index is None or (entry is not None and entry.get("unread")):
            continue  # the first run takes what it finds
        base = _load_snapshot(root, entry, register)
        if grew:
            if tail is None:
                tail = _history_since(root, int(index.get("history_size") or 0), size)
            base = apply(register, base, ops_from_history(register, tail.get(name, []), now))
        found.edits = compare(register, base, now)
        found.same = not grew and not found.edits
        if found.edits:
            found.at, found.user = _when(path), modified_by(path, fmt)
    return out


def _kept(ws: Workspace, name: str, entry: dict | None, grew: bool) -> tuple[bool, dict | None]:
    """(True, the file's stamp) when a register's file is the one its saved state was taken from
    (the same stamp, or the same size and bytes): the scan need not read it. (False, None) when
    it must, or cannot (the scan then says why)."""
    if entry is None or grew or entry.get("unread"):
        return False, None
    try:
        path, _fmt, exists = ws.file_of(name)
    except Exception:  # noqa: BLE001 - the scan itself says what is wrong
        return False, None
    stamp = file_stamp(path) if exists else None
    if entry.get("stamp") == stamp:
        return True, stamp
    if not _may_be_same(entry, stamp):
        return False, None
    return (True, stamp) if digest(ws.root, path) == entry["digest"] else (False, None)


def _may_be_same(entry: dict, stamp: dict | None) -> bool:
    """Whether a file whose stamp moved may still hold the bytes of the state (hashing tells)."""
    saved = entry.get("stamp")
    return stamp is not None and saved is not None and saved["size"] == stamp["size"] and bool(entry.get("digest"))


def prepare(ws: Workspace) -> None:
    """Ready a read-only command for the scan it closes with (`unrecorded_files(ws)`): the files it
    will hash start hashing in the background, and the registers it will read in full and compare
    (their file changed size) are read in full from the first, once."""
    from salesops.storage.cache import digest_soon

    index = load_index(ws.root)
    if index is None or history_size(ws.root) != index.get("history_size") or _verdict(ws, index)[1] is not None:
        return
    paths = []
    for name, entry in index.get("registers", {}).items():
        try:
            path, _fmt, exists = ws.file_of(name)
        except Exception:  # noqa: BLE001 - the scan says what is wrong
            continue
        stamp = file_stamp(path) if exists else None
        if entry.get("unread") or entry.get("stamp") == stamp:
            continue
        if _may_be_same(entry, stamp):
            paths.append(path)
        elif stamp is not None:
            ws.whole.add(name)
    digest_soon(ws.root, paths)


def unrecorded(ws: Workspace) -> list[Found]:
    """The registers carrying hand edits not recorded yet, found without saving anything (read-only
    commands). Nothing is found before salesops has saved a first state."""
    if ws.scanned is not None:
        return [] if ws.scanned.recorded else ws.scanned.edits
    if load_index(ws.root) is None:
        return []
    return _scanned(ws).edits


def unrecorded_files(ws: Workspace) -> list[str]:
    """The files of `unrecorded(ws)` (a read-only command's warning), remembered in the cache while
    every register file, the saved state, history.csv and salesops stay as they are: after a hand
    edit, each later command costs a stat per register, not a comparison of every record again."""
    index = load_index(ws.root)
    if index is None:
        return []
    key, files = _verdict(ws, index)
    if files is not None:
        return files
    files = [f.file for f in unrecorded(ws)]
    if key is not None:
        from salesops.storage.cache import remember_json

        remember_json(ws.root, VERDICT, key, files)
    return files


VERDICT = "unrecorded.json"


def _verdict(ws: Workspace, index: dict) -> tuple[dict | None, list[str] | None]:
    """(what a remembered verdict must have been made under, None when a file changed too recently
    to be told apart from a next change; the files it found, when it was made under that)."""
    from salesops.storage.cache import recall_json, settled, source_fingerprint

    stamps = {}
    for name in REGISTERS:
        try:
            path, _fmt, exists = ws.file_of(name)
        except Exception:  # noqa: BLE001 - the scan says what is wrong
            return None, None
        stamp = stamps[name] = file_stamp(path) if exists else None
        if stamp is not None and not settled(stamp):
            return None, None
    key = {
        "files": stamps,
        "state": index,
        "history_size": history_size(ws.root),
        "date_order": ws.settings.date_order,
        "salesops": source_fingerprint(),
    }
    files = recall_json(ws.root, VERDICT, key)
    return key, [str(f) for f in files] if isinstance(files, list) else None


def behind(ws: Workspace) -> bool:
    """Whether the saved state names files that have moved since with the records unchanged (or has
    no state yet): saving it spares later commands comparing them again."""
    if ws.scanned is not None:
        return ws.scanned.unsaved
    return load_index(ws.root) is None or _scanned(ws).unsaved


def _scanned(ws: Workspace) -> Scan:
    """The scan of a read-only command, made once (again when history.csv grew meanwhile)."""
    memo = ws.__dict__.get("_unrecorded")
    if memo is None or memo[0] != history_size(ws.root):
        memo = ws.__dict__["_unrecorded"] = (history_size(ws.root), scan(ws))
    return memo[1]


def _when(path: Path) -> str:
    """The file's modification time, ISO 8601 with the local offset (history's `at`)."""
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = dt.datetime.now().timestamp()
    return dt.datetime.fromtimestamp(mtime).astimezone().isoformat(timespec="seconds")


def modified_by(path: Path, fmt: str) -> str:
    """Who saved the file last, as the workbook records it (docProps/core.xml lastModifiedBy); else `unknown`."""
    if fmt != "xlsx":
        return "unknown"
    from salesops.errors import StorageError
    from salesops.storage.xlsx_zip import ZipDirectory

    try:
        with open(path, "rb") as fh:
            zd = ZipDirectory(fh, path.name)
            part = "docProps/core.xml"
            if part not in zd.by_name or zd.by_name[part].usize > 1 << 20:
                return "unknown"
            xml = zd.read(part)
    except (OSError, StorageError):
        return "unknown"
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(xml)
    except Exception:  # noqa: BLE001 - a damaged or hostile part: nobody is named
        return "unknown"
    for node in root.iter():
        if node.tag.rpartition("}")[2] == "lastModifiedBy" and node.text and node.text.strip():
            return node.text.strip()
    return "unknown"


def _history_since(root: Path, start: int, end: int) -> dict[str, list[Change]]:
    """The changes history.csv gained between byte `start` and `end`, per register."""
    import csv
    import io

    try:
        with open(root / HISTORY_FILE, "rb") as fh:
            fh.seek(start)
            data = fh.read(max(end - start, 0))
        text = data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {}
    out: dict[str, list[Change]] = {}
    for row in csv.reader(io.StringIO(text)):
        if len(row) < 8 or row[3] not in REGISTERS:
            continue  # a header (a history.csv written anew), or a row salesops did not write
        out.setdefault(row[3], []).append(Change(row[3], row[4], row[5], row[6], row[7]))
    return out


# ---------------------------------------------------------------- comparing


def _keys(ids: list[Any]) -> list[tuple[str, int]]:
    """Each row's key: its ID (stripped) and which occurrence of that ID it is (rows without one share "")."""
    seen: dict[str, int] = {}
    out = []
    for value in ids:
        key = value.strip() if isinstance(value, str) else ""
        k = seen.get(key, 0)
        seen[key] = k + 1
        out.append((key, k))
    return out


def compare(register: Register, before: Snapshot, after: Snapshot) -> list[Change]:
    """The history rows of every record changed, added or deleted between two snapshots."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    names = [c.name for c in register.columns]
    a, b = before.data.select(names), after.data.select(names)
    if a.num_rows == b.num_rows and before.bad == after.bad and a.equals(b):
        return []
    idc = register.id_column
    added: list[int] = []
    deleted: list[int] = []
    aligned = a.column(idc).equals(b.column(idc))  # the same IDs in the same order (a cell edited)
    if not aligned:
        ka, kb = _keys(a.column(idc).to_pylist()), _keys(b.column(idc).to_pylist())
        aligned = ka == kb
    if aligned:
        ia = ib = np.arange(a.num_rows)
    else:
        where = {k: j for j, k in enumerate(ka)}
        pairs = [(where.pop(k), j) for j, k in enumerate(kb) if k in where]
        ia = np.array([p[0] for p in pairs], dtype=np.int64)
        ib = np.array([p[1] for p in pairs], dtype=np.int64)
        matched_b = set(ib.tolist())
        added = [j for j in range(len(kb)) if j not in matched_b]
        deleted = sorted(where.values())
    differ = np.zeros(len(ia), dtype=bool)
    if len(ia):
        ta, tb = pa.array(ia), pa.array(ib)
        for name in names:
            x, y = (a.column(name), b.column(name)) if aligned else (a.column(name).take(ta), b.column(name).take(tb))
            same = pc.fill_null(pc.equal(x, y), False)
            both_null = pc.and_(pc.is_null(x), pc.is_null(y))
            differ |= ~np.asarray(pc.or_(same, both_null), dtype=bool)
    bad_a = {i for i, _ in before.bad}
    bad_b = {j for j, _ in after.bad}
    if bad_a or bad_b:
        differ |= np.isin(ia, list(bad_a)) | np.isin(ib, list(bad_b))
    out: list[Change] = []
    rows_a = _records(register, before, ia[differ].tolist() + deleted)
    rows_b = _records(register, after, ib[differ].tolist() + added)
    changed = sorted(zip(ib[differ].tolist(), ia[differ].tolist(), strict=True))
    for jb, ja in sorted([*changed, *((j, None) for j in added)], key=lambda pair: pair[0]):
        out += record_edits(register, rows_a[ja] if ja is not None else None, rows_b[jb])
    for i in deleted:
        out += record_edits(register, rows_a[i], None)
    return out


def _records(register: Register, snap: Snapshot, positions: list[int]) -> dict[int, dict[str, Any]]:
    """Typed records at `positions`; cells that did not read as `Unreadable(text)`."""
    import pyarrow as pa

    from salesops.typed import typed_value

    if not positions:
        return {}
    rows = snap.data.take(pa.array(positions, type=pa.int64())).to_pylist()
    out = {}
    for pos, row in zip(positions, rows, strict=True):
        rec = {c.name: typed_value(c, row[c.name]) for c in register.columns}
        for c in register.columns:
            if (pos, c.name) in snap.bad:
                rec[c.name] = Unreadable(snap.bad[(pos, c.name)])
        out[pos] = rec
    return out


@dataclass
class Op:
    """One change to a snapshot's records: create (fields of the new record), set (fields), delete."""

    kind: str  # "create" | "set" | "delete"
    record_id: str
    fields: dict[str, Any] = field(default_factory=dict)  # typed values (Unreadable for bad text)


def ops_from_history(register: Register, changes: list[Change], now: Snapshot | None) -> list[Op]:
    """History rows as operations: texts read back as a command wrote them (`codec.read_cell`).

    An imported record's history names only its source (field `*`) and status:
    its fields are taken from `now` (the register as it is), where it still is.
    """
    from salesops import codec, values

    idc = register.id_column
    imported: dict[str, dict[str, Any]] = {}
    if now is not None and any(c.field == "*" for c in changes):
        wanted = {c.record_id.strip() for c in changes if c.field == "*"}
        ids = now.data.column(idc).to_pylist()
        at = [i for i, v in enumerate(ids) if isinstance(v, str) and v.strip() in wanted]
        for rec in _records(register, now, at).values():
            imported.setdefault(str(rec[idc]).strip(), rec)
    out: list[Op] = []
    for c in changes:
        if c.register != register.name:
            continue
        rid = c.record_id.strip()
        if c.field == "*":
            if not c.old.strip() and rid in imported:
                out.append(Op("create", rid, dict(imported[rid])))
            continue
        if c.field not in register.by_name:
            continue
        if c.field == idc and c.old.strip() and not c.new.strip():
            out.append(Op("delete", c.old.strip()))
            continue
        column = register.column(c.field)
        try:
            value = codec.read_cell(column, c.new) if c.new.strip() else None
        except values.BadValue:
            value = Unreadable(c.new)
        if c.field == idc and not c.old.strip():
            out.append(Op("create", c.new.strip(), {idc: value}))
        else:
            out.append(Op("set", rid, {c.field: value}))
    return out


def apply(register: Register, snap: Snapshot, ops: list[Op]) -> Snapshot:
    """`snap` with `ops` applied in order. A record is found by its ID (the first row holding it);
    an operation on a record that is not there is skipped. The fields of created records are
    turned into columns once at the end (an import creates 100,000 records of 20 fields)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from salesops.typed import arrow_type, storage_value, storage_values

    if not ops:
        return snap
    idc = register.id_column
    columns = {c.name: c for c in register.columns}
    n = snap.data.num_rows
    index: dict[str, int] = {}
    for i, value in enumerate(snap.data.column(idc).to_pylist()):
        if isinstance(value, str):
            index.setdefault(value.strip(), i)
    created: list[dict[str, Any]] = []  # each created record's fields as the create gave them
    later: dict[str, dict[int, Any]] = {}  # field → row of a created record → stored value set after
    sets: dict[str, dict[int, Any]] = {}
    bad = dict(snap.bad)
    deleted: set[int] = set()
    for op in ops:
        if op.kind == "delete":
            gone = index.pop(op.record_id, None)
            if gone is not None:
                deleted.add(gone)
            continue
        if op.kind == "create":
            created.append(op.fields)
            index[op.record_id] = n + len(created) - 1
            continue
        row = index.get(op.record_id)
        if row is None:
            continue
        for name, value in op.fields.items():
            column = columns.get(name)
            if column is None:
                continue
            if isinstance(value, Unreadable):
                stored = None
                bad[(row, name)] = value.text
            else:
                stored = storage_value(column, value)
                bad.pop((row, name), None)
            if row >= n:
                later.setdefault(name, {})[row] = stored
            else:
                sets.setdefault(name, {})[row] = stored
    data = snap.data
    for name, cells in sets.items():
        column = columns[name]
        mask = np.zeros(n, dtype=bool)
        order = sorted(cells)
        mask[order] = True
        replacement = pa.array([cells[i] for i in order], type=arrow_type(column))
        col = data.column(name).combine_chunks()
        at = data.schema.get_field_index(name)
        data = data.set_column(at, name, pc.replace_with_mask(col, pa.array(mask), replacement))
    if created:
        arrays = []
        for column in register.columns:
            name = column.name
            cells = [fields.get(name) for fields in created]
            after = later.get(name, {})
            if Unreadable in set(map(type, cells)):
                for k, value in enumerate(cells):
                    if isinstance(value, Unreadable):
                        cells[k] = None
                        if n + k not in after:  # (a later set said what the cell holds)
                            bad[(n + k, name)] = value.text
            stored = storage_values(column, cells)
            for row, value in after.items():
                stored[row - n] = value
            arrays.append(pa.array(stored, type=arrow_type(column)))
        extra = pa.Table.from_arrays(arrays, names=[c.name for c in register.columns])
        data = pa.concat_tables([data.select(extra.column_names), extra])
    if deleted:
        keep = np.ones(data.num_rows, dtype=bool)
        keep[sorted(deleted)] = False
        data = data.filter(pa.array(keep))
        before = np.cumsum(~keep)
        bad = {(int(i - before[i]), f): t for (i, f), t in bad.items() if keep[i]}
    return Snapshot(data.combine_chunks(), bad)


# ---------------------------------------------------------------- saving


def ops_from_table(table) -> list[Op]:
    """What a command's `Table` changed since it was read, as operations on its records."""
    sets, created = table.modified()
    idc = table.register.id_column
    out = [Op("set", rid.strip(), fields) for rid, fields in sets if rid]
    out += [Op("create", str(rec.get(idc) or "").strip(), rec) for rec in created]
    return out


def stamps(ws: Workspace, scanned: Scan | None) -> dict[str, dict | None]:
    """Each scanned register file's stamp now (taken just before a commit)."""
    if scanned is None:
        return {}
    out = {}
    for name, f in scanned.found.items():
        path = ws.root / f.file
        out[name] = file_stamp(path) if path.exists() else None
    return out


def save(ws: Workspace, scanned: Scan, before: dict[str, dict | None], tables: bool = True) -> None:
    """Keep the state of every register: as scanned, plus what the command's tables changed (`tables`:
    after a commit of them).

    `before`: each file's stamp just before the commit. A file whose stamp then
    was not the one scanned (saved in Excel while the command ran) keeps no
    stamp, so the next command compares it in full and records that edit.
    Nothing here makes a command fail: a state that cannot be saved is
    compared in full next time.
    """
    root = ws.root
    folder = state_dir(root)
    loaded = {t.register.name: t for t in ws.loaded()} if tables else {}
    entries: dict[str, dict] = {}
    for name, f in scanned.found.items():
        register = f.register
        ops = ops_from_table(loaded[name]) if name in loaded else []
        if f.unread:
            entries[name] = {"file": f.file, "unread": True}
            continue
        if f.snapshot is None and not ops and not f.same:
            if f.entry is not None:
                entries[name] = dict(f.entry)
            continue
        if f.same and not ops and f.entry is not None:
            data_file = f.entry.get("data")  # the same records: only the stamp is new
        else:
            snap = f.snapshot if f.snapshot is not None else _load_snapshot(root, f.entry, register)
            data_file = _write(folder, name, apply(register, snap, ops))
            if data_file is False:
                return
        path = root / f.file
        now = file_stamp(path) if path.exists() else None
        # unchanged from the scan to the commit, and (unless the command wrote it) from the commit to now
        stable = before.get(name, f.stamp) == f.stamp and (bool(ops) or now == before.get(name, now))
        entry = {"file": f.file, "stamp": now if stable else None, "data": data_file}
        sha = digest(root, path) if stable and now is not None else None
        if sha is not None and file_stamp(path) == now:
            entry["digest"] = sha
        entries[name] = entry
        if entry["stamp"] is not None:
            f.stamp = now  # a later commit of the same command compares with this one
    index = {"format": FORMAT, "history_size": history_size(root), "registers": entries}
    try:
        from salesops.storage.commit import write_atomically

        write_atomically(folder / INDEX, json.dumps(index, ensure_ascii=False, sort_keys=True).encode())
    except Exception:  # noqa: BLE001 - no state saved: the next command compares in full, as now
        return
    scanned.saved, scanned.first = True, False
    keep = {e["data"] for e in entries.values() if e.get("data")} | {INDEX}
    for leftover in os.listdir(folder):
        if leftover not in keep:
            try:
                os.unlink(folder / leftover)
            except OSError:
                pass


def _write(folder: Path, name: str, snap: Snapshot) -> str | None | bool:
    """Save a register's records as a new Arrow file: its name; None for no records (no file);
    False when it could not be written."""
    if not len(snap) and not snap.bad:
        return None
    data_file = f"{name}-{uuid.uuid4().hex[:12]}.arrow"
    meta = {"register": name, "bad": [[i, fld, t] for (i, fld), t in sorted(snap.bad.items())]}
    return data_file if save_table(folder / data_file, snap.data, meta) else False
