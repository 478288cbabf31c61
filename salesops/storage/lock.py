"""The workspace lock, and spotting registers open in Excel, WPS or LibreOffice.

Writing commands hold the workspace lock from before they read until after
they commit, so two commands never interleave a read-modify-write. The lock
is an OS lock (filelock: flock on Unix, LockFileEx on Windows) on
`.salesops/lock`: the OS drops it when its process dies, even by kill -9, so
a crashed command never blocks the next one. This module only locks; taking
the lock *and* finishing an interrupted commit is `commit.locked()` (the
commit path builds on the lock, never the other way round).

Spreadsheet programs announce an open file with a marker beside it:
`~$leads.xlsx` (Excel, WPS; an "owner file" holding the user's name) or
`.~lock.leads.xlsx#` (LibreOffice; a CSV line "name,user,host,time,…;").
Writing a register under an open spreadsheet would be lost on its next save,
so the commit refuses first.
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from salesops.errors import FileOpenElsewhere, StorageError, WorkspaceBusy
from salesops.i18n import _

META_DIR = ".salesops"  # salesops' own folder in a workspace: the lock, the journal, caches
LOCK_FILE = "lock"
POLL_SECONDS = 0.02

# Workspaces this thread holds the lock of, with their nesting depth.
_held = threading.local()


def _depths() -> dict[str, int]:
    if not hasattr(_held, "depths"):
        _held.depths = {}
    return _held.depths


def _key(workspace: Path) -> str:
    return os.path.normcase(os.path.realpath(workspace))


def holds_lock(workspace: Path) -> bool:
    """Whether this thread holds the lock of `workspace`."""
    return _depths().get(_key(workspace), 0) > 0


@contextmanager
def workspace_lock(workspace: Path, wait: float = 10.0) -> Iterator[bool]:
    """Hold the workspace lock, waiting up to `wait` seconds (negative: for ever).

    Raises `WorkspaceBusy` (exit 75) when another process keeps it longer.
    Nesting in one thread is allowed: the inner block just runs. The context
    value says whether this block took the lock (False when nested).
    """
    from filelock import FileLock, Timeout

    workspace = Path(workspace)
    key = _key(workspace)
    depths = _depths()
    if depths.get(key):
        depths[key] += 1
        try:
            yield False
        finally:
            depths[key] -= 1
        return

    meta = workspace / META_DIR
    try:
        meta.mkdir(exist_ok=True)
    except OSError as exc:
        raise _cannot_lock(workspace, exc) from exc
    lock = FileLock(str(meta / LOCK_FILE))
    try:
        lock.acquire(timeout=wait if wait >= 0 else -1, poll_interval=POLL_SECONDS)
    except Timeout:
        raise WorkspaceBusy(
            _(
                "workspace {workspace} is busy: another salesops command is writing "
                "(waited {seconds}s); try again or pass --wait SECONDS"
            ).format(workspace=workspace, seconds=f"{max(wait, 0):g}")
        ) from None
    except OSError as exc:
        raise _cannot_lock(workspace, exc) from exc
    depths[key] = 1
    try:
        yield True
    finally:
        del depths[key]
        lock.release()


class ReadOnlyWorkspace(StorageError):
    """The workspace folder (or its .salesops folder) cannot be written by this user."""


_READ_ONLY = (errno.EACCES, errno.EPERM, errno.EROFS)


def _cannot_lock(workspace: Path, exc: OSError) -> StorageError:
    reason = exc.strerror or str(exc)
    if exc.errno in _READ_ONLY:
        return ReadOnlyWorkspace(
            _(
                "the workspace folder {workspace} is read-only for you ({reason}): salesops cannot "
                "save changes there; commands that only read still work"
            ).format(workspace=workspace, reason=reason)
        )
    return StorageError(
        _("cannot lock workspace {workspace}: {reason}").format(workspace=workspace, reason=reason)
    )


# ---------------------------------------------------------------- open elsewhere


def owner_of(workspace: Path, name: str) -> tuple[str, str | None] | None:
    """(program, user or None) if register `name` is open in a spreadsheet program."""
    workspace = Path(workspace)
    mso = workspace / f"~${name}"
    if mso.is_file():
        return "Excel/WPS", _mso_owner(mso)
    office = workspace / f".~lock.{name}#"
    if office.is_file():
        return "LibreOffice", _libreoffice_owner(office)
    return None


def open_elsewhere(workspace: Path, name: str) -> str | None:
    """A message if `name` (e.g. "leads.xlsx", "history.csv") is open in Excel, WPS or LibreOffice."""
    found = owner_of(workspace, name)
    if not found:
        return None
    program, who = found
    marker = f"~${name}" if program == "Excel/WPS" else f".~lock.{name}#"
    if who:
        said = _(
            "{name} is open in {program} (by {user}); close it and try again "
            "(if nobody has it open, delete {marker})"
        )
    else:
        said = _(
            "{name} is open in {program}; close it and try again (if nobody has it open, delete {marker})"
        )
    return said.format(name=name, program=program, user=who, marker=marker)


def check_not_open(workspace: Path, names: Iterable[str]) -> None:
    """Raise `FileOpenElsewhere` naming every file in `names` that is open elsewhere."""
    messages = [m for m in (open_elsewhere(workspace, n) for n in names) if m]
    if messages:
        raise FileOpenElsewhere(*messages)


def _mso_owner(path: Path) -> str | None:
    """The user name in an Excel/WPS/Word owner file (`~$…`), if readable.

    Byte 0 is the name's length, then the name in the Windows 8-bit code page;
    at offset 54 (Word) or 55 (Excel) the length again as 2 bytes, then the
    name in UTF-16LE, which is preferred since it survives any code page.
    """
    try:
        with open(path, "rb") as f:
            data = f.read(256)
    except OSError:
        return None
    if not data or not 0 < data[0] <= 52:
        return None
    pos = 54
    if len(data) > 55 and data[54] == 0x20 and (data[53] or data[52]):
        pos = 55  # Excel pads the 8-bit name with spaces up to 55
    if len(data) > pos + 2:
        n = data[pos]
        raw = data[pos + 2 : pos + 2 + 2 * n]
        if 0 < n <= 52 and len(raw) == 2 * n:
            try:
                name = raw.decode("utf-16-le").strip()
            except UnicodeDecodeError:
                name = ""
            if name and name.isprintable():
                return name
    raw = data[1 : 1 + data[0]]
    for encoding in ("utf-8", "gb18030", "cp1252", "latin-1"):
        try:
            name = raw.decode(encoding).strip()
        except UnicodeDecodeError:
            continue
        if name and name.isprintable():
            return name
    return None


def _libreoffice_owner(path: Path) -> str | None:
    """The owner ("Full Name, user@host") in a LibreOffice lock file, if readable."""
    try:
        text = path.read_bytes()[:4096].decode("utf-8", errors="replace")
    except OSError:
        return None
    fields, field, escaped = [], [], False
    for ch in text:
        if escaped:
            field.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",;":
            fields.append("".join(field).strip())
            field = []
            if ch == ";":
                break
        else:
            field.append(ch)
    else:
        fields.append("".join(field).strip())
    fields += [""] * 3
    name, user, host = fields[0], fields[1], fields[2]
    account = f"{user}@{host}" if user and host else user or host
    if name and account:
        return f"{name}, {account}"
    return name or account or None
