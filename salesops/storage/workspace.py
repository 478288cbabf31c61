"""The workspace: a folder of registers, its settings, and the one commit path.

Commands open a `Workspace`, read the `Table`s they need, change them, and
call `commit()`: every dirty register and the history rows are written in one
atomic multi-file commit (see `storage.commit`). Writing commands hold the
workspace lock from before they read until after they commit
(`with ws.writing(wait):`), so no update is lost.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from salesops.core.model import Change
from salesops.errors import SalesopsError, StorageError, UsageError
from salesops.i18n import _, joined
from salesops.schema import (
    HISTORY_COLUMNS,
    HISTORY_FILE,
    HISTORY_ZH,
    REGISTERS,
    SETTINGS_FILE,
    Register,
)
from salesops.settings import Settings, load_settings
from salesops.storage.links import check_plain_file
from salesops.storage.table import Table

FORMATS = ("xlsx", "csv")


def find_workspace(option: str | None) -> Path:
    """`-w DIR`, else $SALESOPS_WORKSPACE, else the current folder."""
    raw = option or os.environ.get("SALESOPS_WORKSPACE") or "."
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise UsageError(
            _("workspace {folder} is not a folder (use -w DIR or set SALESOPS_WORKSPACE)").format(folder=raw)
        )
    return path.resolve()


def own_file_kind(name: str) -> str | None:
    """What workspace file `name` is (any case): 'the register leads.xlsx', 'history.csv,
    the audit log', 'salesops.toml, the settings'; None for a name the workspace does not own."""
    key = name.casefold()
    for register in REGISTERS:
        for fmt in FORMATS:
            if key == f"{register}.{fmt}":
                return _("the register {file}").format(file=f"{register}.{fmt}")
    if key == HISTORY_FILE:
        return _("{file}, the audit log").format(file=HISTORY_FILE)
    if key == SETTINGS_FILE:
        return _("{file}, the settings").format(file=SETTINGS_FILE)
    return None


def output_clash(output: Path, workspace: Path | None) -> str | None:
    """Why a command must not write its output (-o) to `output` ("would overwrite …"), or None.

    Refused: a workspace's own file — a register in either format, history.csv,
    salesops.toml, in any letter case — and anything under `.salesops/`, in the
    command's `workspace` or in any folder that is a workspace (holds
    salesops.toml or .salesops). Symbolic links and `..` are followed first, so
    no spelling of the path gets past.
    """
    from salesops.storage.lock import META_DIR

    real = Path(os.path.realpath(output))
    roots = {Path(os.path.realpath(workspace))} if workspace is not None else set()

    def is_workspace(folder: Path) -> bool:
        return folder in roots or (folder / SETTINGS_FILE).is_file() or (folder / META_DIR).is_dir()

    for folder in real.parents:
        if real.relative_to(folder).parts[0].casefold() == META_DIR and is_workspace(folder):
            return _("would write into {folder}, salesops' own folder").format(folder=folder / META_DIR)
    kind = own_file_kind(real.name)
    if kind and is_workspace(real.parent):
        return _("would overwrite {what} of the workspace {folder}").format(
            what=kind, folder=real.parent
        )
    return None


def today() -> dt.date:
    """Today, or $SALESOPS_TODAY (YYYY-MM-DD) for tests and backfills."""
    forced = os.environ.get("SALESOPS_TODAY")
    if forced:
        try:
            return dt.date.fromisoformat(forced.strip())
        except ValueError:
            raise UsageError(_('SALESOPS_TODAY "{text}" is not a date (YYYY-MM-DD)').format(text=forced)) from None
    return dt.date.today()


def current_user(by: str | None = None) -> str:
    """Who is making the change: --by, else $SALESOPS_USER, else the OS user."""
    if by:
        return by
    env = os.environ.get("SALESOPS_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # no user database (containers): still log something useful
        return "unknown"


class Workspace:
    """One workspace folder: settings, registers (read lazily), pending changes."""

    def __init__(self, root: Path, settings: Settings | None = None) -> None:
        from salesops.storage.commit import recover
        from salesops.storage.journal import waiting_note

        self.root = root
        # A command killed mid-commit left a journal (finish it) or staged files
        # (undo them): do it before reading, so no command sees half of a change.
        # `recovered` says what was done (None: nothing to do, or a writer is at work).
        # Versions kept beside registers changed since a crash are recalled until the user decides.
        self.recovered = joined(filter(None, (recover(root), waiting_note(root)))) or None
        for name in (SETTINGS_FILE, HISTORY_FILE):  # read by every command: checked at once
            self.path_of(name)
        self.settings = settings or load_settings(root)
        self._tables: dict[str, Table] = {}
        self.locked = False
        self.scanned = None  # `storage.baseline.Scan` of a writing command, under the lock
        self.whole: set[str] = set()  # registers read in full whatever is asked (a scan compares them later)

    # ------------------------------------------------------------ files

    def path_of(self, name: str) -> Path:
        """The path of the workspace's own file `name` (a register file, history.csv,
        salesops.toml); StorageError if it is a symbolic or hard link (see `links`)."""
        return check_plain_file(self.root / name)

    def file_of(self, register: str | Register) -> tuple[Path, str, bool]:
        """(path, format, exists) of a register; both formats present, or a link, is an error."""
        name = register if isinstance(register, str) else register.name
        paths = [(self.path_of(f"{name}.{fmt}"), fmt) for fmt in FORMATS]
        found = [(path, fmt) for path, fmt in paths if os.path.lexists(path)]
        if len(found) > 1:
            raise StorageError(
                _("both {name}.xlsx and {name}.csv exist in {folder}; keep one of them").format(name=name, folder=self.root)
            )
        if found:
            return found[0][0], found[0][1], True
        fmt = self.settings.format
        return self.root / f"{name}.{fmt}", fmt, False

    def table(self, name: str) -> Table:
        """The register `name`, read on first use (a missing register is empty)."""
        if name not in self._tables:
            self._tables[name] = self._load(REGISTERS[name])
        return self._tables[name]

    def locate(self, record_id: str) -> tuple[Table, int]:
        """(table, row index) of any record: by ID prefix first, then every register."""
        from salesops.schema import register_for_id

        guess = register_for_id(record_id)
        order = ([guess.name] if guess else []) + [n for n in REGISTERS if not guess or n != guess.name]
        for name in order:
            path, _fmt, exists = self.file_of(name)
            if not exists:
                continue
            table = self.table(name)
            i = table.find(record_id)
            if i is not None:
                return table, i
        raise SalesopsError(
            _("no record {id} in any register of {folder}").format(id=repr(record_id), folder=self.root)
        )

    def loaded(self) -> list[Table]:
        return list(self._tables.values())

    def _load(self, register: Register) -> Table:
        """The register as a `Table`: read through the cache, refused when its header lacks a required column."""
        path, fmt, exists = self.file_of(register)
        if not exists:
            return Table.empty(register, path.name, fmt, self.settings.lang, self.settings.date_order)
        typed = self.typed(register.name)
        typed.require_columns()
        return Table(typed, lang=self.settings.lang, date_order=self.settings.date_order)

    def typed(self, name: str, columns: list[str] | None = None):
        """The typed table of register `name` (`storage.read.TypedTable`), read once per command:
        all of it, or at least `columns` (a report's figures need a few)."""
        from salesops.storage.cache import read_register
        from salesops.storage.read import empty_table

        memo = self.__dict__.setdefault("_typed", {})
        if name in self.whole:
            columns = None
        if name not in memo or not memo[name].covers(columns):
            had = memo[name].columns if name in memo else None
            if had is not None and columns is not None:  # a second partial read keeps the first's fields
                columns = [*had, *columns]
            register = REGISTERS[name]
            path, fmt, exists = self.file_of(register)
            if exists:
                memo[name] = read_register(self.root, path, fmt, register, self.settings.date_order, columns)
            else:
                memo[name] = empty_table(register, path.name, fmt, self.settings.lang)
        return memo[name]

    def read_ahead(self, names: list[str] | None = None, threads: int = 2) -> None:
        """Read the registers among `names` (all by default) that exist on `threads` threads,
        largest first, into `typed`'s memo: calamine and pyarrow parse without holding the GIL.
        Errors are left for the reader to raise when the register is asked for."""
        from concurrent.futures import ThreadPoolExecutor

        from salesops.i18n import current, using

        memo = self.__dict__.setdefault("_typed", {})
        todo = []
        for name in list(REGISTERS) if names is None else names:
            try:
                path, _fmt, exists = self.file_of(name)
                if exists and (name not in memo or not memo[name].covers(None)):
                    todo.append((path.stat().st_size, name))
            except Exception:  # noqa: BLE001 - reported when the register is read
                continue
        if len(todo) < 2:
            return
        todo.sort(reverse=True)
        lang = current()  # a pool's threads start without the caller's context: read in its language

        def one(name: str) -> None:
            try:
                with using(lang):
                    self.typed(name)
            except Exception:  # noqa: BLE001 - raised again, with its message, when the register is read
                pass

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, [n for _, n in todo]))

    def rows_in(self, name: str, column: str, of: str, of_column: str):
        """For each record of register `name`, the position in register `of`'s typed table of
        the first record whose `of_column` holds its `column` (null for none, and for an empty
        one: an empty reference names no record, as `reports.data.positions` has it): an Arrow int32
        column, kept in the cache while both files stay as they were (`cache.derived`)."""
        from salesops.storage.cache import derived

        left, right = self.typed(name, [column]), self.typed(of, [of_column])

        def compute():
            import pyarrow as pa

            from salesops import arrownp

            at = arrownp.index_in(left.data.column(column), right.data.column(of_column))
            return pa.Table.from_arrays([at], names=["at"])

        entry = f"{left.file}.{column}-in-{right.file}.{of_column}"
        return derived(self.root, entry, [left, right], compute).column("at")

    def remembered(self, entry: str, names: list[str], extra: dict, compute: Callable[[], Any] | None = None):
        """What `compute()` (an Arrow table) made of registers `names` and `extra` (the other things
        it depends on, JSON values), kept in the cache while they all stay as they were
        (`cache.derived`); without `compute`, the kept table, or None."""
        from salesops.storage import cache

        sources = [self.typed(n) for n in names]
        if compute is None:
            return cache.recall(self.root, entry, sources, extra)
        return cache.derived(self.root, entry, sources, compute, extra)

    def codes(self, name: str, column: str):
        """Text column `column` of register `name` dictionary-encoded (each distinct text once,
        each record its index), kept in the cache while the file stays as it was."""
        from salesops.storage.cache import derived

        typed = self.typed(name, [column])

        def compute():  # (pyarrow.compute imported only to compute: 30 ms of a warm aging's start)
            import pyarrow as pa
            import pyarrow.compute as pc

            return pa.Table.from_arrays([pc.dictionary_encode(typed.data.column(column).combine_chunks())], names=["codes"])

        return derived(self.root, f"{typed.file}.{column}.codes", [typed], compute).column("codes")

    # ------------------------------------------------------------ writing

    @contextmanager
    def writing(self, wait: float = 10.0) -> Iterator[Workspace]:
        """Hold the workspace lock for a read-modify-commit (exit 75 when busy).

        Under the lock, before the command changes anything, every register is
        compared with the state salesops last left it in (`storage.baseline`):
        edits made by hand since go to history.csv in the command's commit, or
        on leaving when the command commits nothing (not when it fails).
        """
        from salesops.storage import baseline
        from salesops.storage.commit import locked

        with locked(self.root, wait):
            self.locked = True
            try:
                self.scanned = baseline.scan(self)
                yield self
                if not self.scanned.recorded and self.scanned.edits:
                    self.commit(hand_edits_only=True)
                elif self.scanned.unsaved:
                    baseline.save(self, self.scanned, baseline.stamps(self, self.scanned), tables=False)
            finally:
                self.locked = False
                self.scanned = None

    def changes(self) -> list[Change]:
        return [c for t in self._tables.values() for c in t.changes]

    def commit(
        self, command: str | None = None, user: str | None = None, hand_edits_only: bool = False
    ) -> list[Change]:
        """Write every changed register and its history rows, all or nothing.

        The hand edits the writing command found (`scanned`) are recorded first, in
        the same commit; `hand_edits_only` records them alone."""
        from salesops.storage import baseline
        from salesops.storage import commit as tx
        from salesops.storage.lock import check_not_open

        dirty = [] if hand_edits_only else [t for t in self._tables.values() if t.dirty]
        changes = [] if hand_edits_only else self.changes()
        scanned = self.scanned
        hand = scanned.history_rows() if scanned is not None and not scanned.recorded else []
        if not dirty and not hand:
            return []
        check_not_open(self.root, [t.file for t in dirty])
        notes: list[str] = []
        ops: list = [tx.Replace(t.file, writer_for(self.root, t, notes)) for t in dirty]
        if changes or hand:
            ops.append(history_append(changes, command or command_line(), current_user(user), self.settings.lang, hand))
        before = baseline.stamps(self, scanned) if scanned is not None else {}
        tx.commit(self.root, ops)
        for t in dirty:
            t.committed()
        self.__dict__.pop("_typed", None)
        if scanned is not None:
            scanned.recorded = True
            baseline.save(self, scanned, before, tables=not hand_edits_only)
            notes += baseline.recorded_notes(scanned)
        for note in dict.fromkeys(notes):
            print(f"warning: {note}", file=sys.stderr)
        return changes


def command_line() -> str:
    """The command as the user typed it (for history rows)."""
    argv = list(sys.argv)
    if argv:
        argv[0] = "salesops"
    return shlex.join(argv)


def history_append(
    changes: list[Change], command: str, user: str, lang: str = "en", before: list[tuple[str, str, str, Change]] = ()
):
    """The history.csv rows for `changes` after the rows `before` ((at, user, command, change): the hand
    edits found first), as one append.

    In a Chinese workspace a new history.csv gets the Chinese header and enum values
    are written as their labels (阶段 验证商机 → 需求分析), as in the registers;
    register and field names stay canonical (they are what reports look up).
    """
    from salesops.storage import commit as tx
    from salesops.storage.csv_io import csv_bytes, csv_field

    now = dt.datetime.now().astimezone()
    day = today()  # $SALESOPS_TODAY dates a backfill's rows too
    at = now.replace(year=day.year, month=day.month, day=day.day).isoformat(timespec="seconds")
    label = _labeller(lang)
    heads: dict[tuple[str, str, str, str], str] = {}  # the first four cells, shared by most rows
    lines = []
    for when, who, what, c in [*before, *((at, user, c.command or command, c) for c in changes)]:
        key = (when, who, what, c.register)
        head = heads.get(key) or heads.setdefault(key, ",".join(map(csv_field, key)))
        lines.append(",".join([head, *map(csv_field, (c.record_id, c.field, label(c, c.old), label(c, c.new)))]))
    data = "".join(f"{line}\r\n" for line in lines).encode("utf-8")  # csv_bytes' bytes, without its BOM
    header = csv_bytes([history_header(lang)])
    return tx.Append(HISTORY_FILE, data, header)


def history_header(lang: str) -> list[str]:
    """history.csv's header in the workspace's language (readers take either)."""
    return [HISTORY_ZH[c] if lang == "zh" else c for c in HISTORY_COLUMNS]


def _labeller(lang: str):
    """`history_value` for `lang` as a function of (change, value), its column looked up once per field."""
    if lang != "zh":
        return lambda change, value: value
    enums: dict[tuple[str, str], object] = {}

    def label(change: Change, value: str) -> str:
        key = (change.register, change.field)
        if key not in enums:
            register = REGISTERS.get(change.register)
            column = register.by_name.get(change.field) if register is not None else None
            enums[key] = column.enum if column is not None else None
        enum = enums[key]
        return enum.label(value, lang) if enum is not None and value else value

    return label


def history_value(change: Change, value: str, lang: str) -> str:
    """A changed value as history.csv holds it: an enum code as its label in a Chinese workspace."""
    return _labeller(lang)(change, value)


def writer_for(root: Path, table: Table, notes: list[str] | None = None):
    """A function writing the new version of `table` to a staging path.

    An existing register is patched: only its changed rows are rewritten, in the
    register's own sheet (xlsx) or dialect and encoding (CSV). `notes` collects what
    the user should be told (a CSV that had to become UTF-8).
    """
    from salesops.storage import xlsx
    from salesops.storage.csv_io import csv_bytes, patch_csv

    if table.fmt == "csv":
        if not table.exists:
            def write(path: Path) -> None:
                path.write_bytes(csv_bytes([[_csv_text(c) for c in table.header], *_texts(table.all_rows())]))
            return write
        source = root / table.file

        def write(path: Path) -> None:
            updates, appends = table.pending_cells()
            texts = {n: {j: _csv_text(c) for j, c in cells.items()} for n, cells in updates.items()}
            note = patch_csv(source, path, table.typed.dialect, texts, _texts(appends), table.typed.last_row)
            if note and notes is not None:
                notes.append(note)

        return write

    if not table.exists:
        def write(path: Path) -> None:
            sheet = table.register.zh if table.header_lang == "zh" else table.register.name  # the tab in its language
            xlsx.write_new_xlsx(path, [str(h) for h in table.header], table.all_rows(), table.kinds(), sheet_name=sheet)
        return write

    source = root / table.file

    def write(path: Path) -> None:
        updates, appends = table.pending_cells()
        xlsx.patch_xlsx(source, path, updates, appends, table.kinds(), sheet=table.typed.sheet)

    return write


def _texts(rows: list[list]) -> list[list[str]]:
    return [[_csv_text(c) for c in row] for row in rows]


def _csv_text(cell) -> str:
    from salesops.values import parse_text

    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell
    return parse_text(cell) or ""


def read_rows(
    path: Path,
    fmt: str,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    register: Register | None = None,
    hint: str | None = None,
) -> tuple[list, list[list]]:
    """(header, data rows) of any CSV or xlsx file as stored (a file's first sheet, or `sheet`).

    With `register`, the register's sheet is found as `storage.read` finds it, and
    numbers in its pct columns that the xlsx shows as percentages read as the percentage.
    """
    if fmt == "csv":
        from salesops.storage.csv_io import read_csv

        rows = read_csv(path, encoding, hint)
    else:
        from salesops.storage.read import rows_of_sheet

        rows = rows_of_sheet(path, register, sheet)
    if not rows:
        return [], []
    return list(rows[0]), [list(r) for r in rows[1:]]
