"""The one commit path: several files change all together or not at all.

A command that changes registers hands `commit()` a list of operations:
`Replace` (write the whole file anew) and `Append` (add bytes at the end, for
history.csv). The protocol is SQLite's rollback journal turned around (a
redo journal), with Excel's own save-to-temp-then-rename for each file:

1. Stage: every new file is written into `<ws>/.salesops/tx-<id>/` (same
   filesystem as the registers, so a rename is atomic) and fsynced, and the
   target as it is now is recorded (size, mtime, sha256); each append's bytes
   are staged too, with the target's current size and a hash of its last bytes.
2. Commit point: a journal naming the staged files with their sizes and
   sha256 is written to a temp name, fsynced and renamed to
   `.salesops/journal.json`; the folder is fsynced. Before this rename
   nothing the user sees has changed; after it the change will happen.
3. Apply: each staged file is renamed over its target (atomic: readers see
   the old or the new file, never half of one); each append truncates the
   target back to its recorded size and writes the staged bytes, so doing it
   twice is the same as doing it once. Targets and the folder are fsynced.
   A target that is no longer what it was when staged (someone saved it in
   Excel after a crash) is never overwritten: the staged version is kept
   beside it as `NAME.unfinished-YYYYMMDD-HHMMSS.EXT`, the rest of the change
   is applied, and `ChangedMeanwhile` names both files for the user to choose.
4. Forget: the journal is deleted, then the staging folder.

`recover()` runs before every commit and whenever a command takes the
workspace lock through `locked()`: with a journal it redoes step 3 and 4
(roll forward); without one it deletes staging folders and journal temp files
(roll back).
A process killed at any instant therefore leaves every register wholly old
or, after the next command, wholly new.

The journal's format and the names of kept versions are `storage.journal`'s.

Every filesystem call that changes something goes through the module-level
`_fs` object, so tests can make the k-th write, fsync or rename fail on real
files (fault injection, as SQLite tests its own I/O error paths).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import stat
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from salesops.errors import FileOpenElsewhere, StorageError, WorkspaceBusy
from salesops.i18n import _, joined
from salesops.storage.journal import (
    JOURNAL,
    JOURNAL_VERSION,
    check_target_name,
    encode_journal,
    kept_name,
    load_journal,
    local_time,
)
from salesops.storage.links import check_plain_file
from salesops.storage.lock import (
    META_DIR,
    ReadOnlyWorkspace,
    check_not_open,
    holds_lock,
    owner_of,
    workspace_lock,
)

TX_PREFIX = "tx-"
TMP_PREFIX, TMP_SUFFIX = "journal-", ".tmp"
APPEND_SUFFIX = ".append"

# How much of an append target's end is hashed to recognise it again.
TAIL_BYTES = 4096
# Pauses before giving up on a replace refused with PermissionError (on
# Windows: a file open in Excel, or held for a moment by an antivirus scan).
REPLACE_RETRY_DELAYS: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4)


@dataclass(frozen=True)
class Replace:
    """Write the whole file `name` anew.

    `write` is called with a staging path inside the workspace's .salesops
    folder and must write the complete new file there.
    """

    name: str
    write: Callable[[Path], None]


@dataclass(frozen=True)
class Append:
    """Append `data` to the end of `name`, creating it with `header` first if missing or empty.

    Meant for line-oriented files (history.csv): if the file does not end with
    a line break, one is added before `data`.
    """

    name: str
    data: bytes
    header: bytes = b""


Op = Replace | Append


class ChangedMeanwhile(StorageError):
    """A target changed between staging and applying: both versions are kept, the user decides."""


class _RealFS:
    """The filesystem primitives the commit path uses; tests swap in one that fails."""

    def mkdir(self, path: Path) -> None:
        os.mkdir(path)

    def open(self, path: Path, flags: int, mode: int = 0o666) -> int:
        return os.open(path, flags | getattr(os, "O_BINARY", 0), mode)

    def write(self, fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def fsync_dir(self, path: Path) -> None:
        if os.name == "nt":  # Windows cannot open a folder; NTFS orders its metadata itself
            return
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        except OSError as exc:  # some network filesystems cannot sync a folder
            if exc.errno not in (22, 95):  # EINVAL, EOPNOTSUPP
                raise
        finally:
            os.close(fd)

    def close(self, fd: int) -> None:
        os.close(fd)

    def truncate(self, fd: int, size: int) -> None:
        os.ftruncate(fd, size)

    def replace(self, src: Path, dst: Path) -> None:
        """Move a staged file over its target (applying a commit)."""
        os.replace(src, dst)

    def rename(self, src: Path, dst: Path) -> None:
        """Move the journal into place (the commit point)."""
        os.replace(src, dst)

    def unlink(self, path: Path) -> None:
        os.unlink(path)

    def rmdir(self, path: Path) -> None:
        os.rmdir(path)


_fs = _RealFS()


# ---------------------------------------------------------------- public API


def write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to a staging path (for `Replace` writers that produce bytes).

    Goes through the same primitives as the commit, so fault injection covers
    it; the commit fsyncs the staged file afterwards.
    """
    fd = _fs.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        _fs.write(fd, data)
    finally:
        _fs.close(fd)


def commit(workspace: Path, ops: Sequence[Op], *, wait: float = 10.0) -> None:
    """Apply `ops` to files in `workspace`, all of them or none.

    Takes the workspace lock unless this thread already holds it (then `wait`
    is unused), finishes or undoes an interrupted earlier commit, and refuses
    with `FileOpenElsewhere` if a target is open in Excel, WPS or LibreOffice.
    A failure before the commit point removes what was staged and raises
    (`StorageError` for OS errors); a failure after it keeps the journal, so
    the next command completes the change, and raises `StorageError`.
    """
    workspace = Path(workspace)
    ops = list(ops)
    _check_ops(ops)
    if not ops:
        return
    with workspace_lock(workspace, wait):
        recover_under_lock(workspace)
        check_not_open(workspace, [op.name for op in ops])
        _check_writable(workspace, [op.name for op in ops])
        journal = _prepare(workspace, ops)
        _apply_journal(workspace, journal, recovering=False)


def recover(workspace: Path) -> str | None:
    """Finish (journal present) or undo (staging only) an interrupted commit.

    Returns a one-line description of what it did, or None. Runs under the
    workspace lock: if this thread holds it, at once; otherwise only if the
    lock is free right now (a busy lock means a writer is at work and will
    recover itself), and then returns None. In a folder this user cannot write,
    nothing can be finished: readers go on, told (with a journal) that what
    they see may be partly old.
    """
    workspace = Path(workspace)
    if not _leftovers(workspace / META_DIR, with_journal=True):
        return None
    if holds_lock(workspace):
        return recover_under_lock(workspace)
    try:
        with locked(workspace, wait=0) as note:
            return note
    except WorkspaceBusy:
        return None
    except ReadOnlyWorkspace:
        if not (workspace / META_DIR / JOURNAL).exists():
            return None  # only staging left: every register is wholly as it was
        return _(
            "an interrupted commit cannot be finished: the workspace folder {workspace} is read-only "
            "for you; until someone who may write there runs salesops, what you see may be partly old"
        ).format(workspace=workspace)


@contextmanager
def locked(workspace: Path, wait: float = 10.0) -> Iterator[str | None]:
    """Hold the workspace lock (see `lock.workspace_lock`) with any interrupted commit
    finished or undone first; the context value is recover()'s description of that,
    or None (also when this thread already held the lock)."""
    workspace = Path(workspace)
    with workspace_lock(workspace, wait) as took:
        yield recover_under_lock(workspace) if took else None


def write_atomically(path: Path, data: bytes, shown: str | None = None) -> None:
    """Replace the file `path` with `data` whole, or leave it as it was (a command's -o output).

    The bytes go to a temp file in the same folder, are fsynced, then renamed
    over `path` (its permission bits kept) and the folder fsynced: a full disk
    or a killed process leaves the previous file intact and no temp file.
    StorageError (exit 1) names `shown` (default: the path) and the cause.
    """
    path = Path(path)
    shown = shown or str(path)
    existed = os.path.lexists(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}{TMP_SUFFIX}")
    try:
        _write_durably(tmp, data)
        _copy_mode(path, tmp)
        _fs.replace(tmp, path)
    except OSError as exc:
        _remove_quietly(tmp)
        raise StorageError(
            _("cannot write {file}: {reason}").format(file=shown, reason=_reason(exc))
            + "; "
            + (_("{name} is as it was").format(name=path.name) if existed else _("nothing was written"))
        ) from None
    try:
        _fs.fsync_dir(path.parent)
    except OSError:
        pass  # the file is complete and in place; only its durability across a power cut is unsure


# ---------------------------------------------------------------- stage + commit point


def _check_ops(ops: list[Op]) -> None:
    seen: set[str] = set()
    for op in ops:
        if not isinstance(op, Replace | Append):
            raise TypeError(f"not a commit operation: {op!r}")
        name = check_target_name(op.name)
        if name.casefold() in seen:
            raise ValueError(f"{name} appears twice in one commit")
        seen.add(name.casefold())


def _check_writable(ws: Path, names: list[str]) -> None:
    """Refuse (before anything is written) targets marked read-only: a rename would replace
    them anyway on POSIX, and Windows refuses it with a misleading 'access denied'."""
    locked_files = []
    for name in names:
        try:
            st = os.stat(ws / name)
        except OSError:
            continue
        if not st.st_mode & 0o222 or not os.access(ws / name, os.W_OK):
            locked_files.append(name)
    if locked_files:
        raise StorageError(
            *(
                _(
                    "{name} is marked read-only: salesops does not change it; make it writable "
                    "(clear Read-only in its properties, or chmod u+w) and try again"
                ).format(name=name)
                for name in locked_files
            )
        )


def _prepare(ws: Path, ops: list[Op]) -> dict:
    """Stage every op and write the journal; return it once it is in place."""
    meta = ws / META_DIR
    tx = uuid.uuid4().hex[:12]
    txdir = meta / f"{TX_PREFIX}{tx}"
    tmp = meta / f"{TMP_PREFIX}{tx}{TMP_SUFFIX}"
    doing = ops[0].name
    try:
        _fs.mkdir(txdir)
        entries = []
        for op in ops:
            doing = op.name
            if isinstance(op, Replace):
                entries.append(_stage_replace(ws, txdir, op))
            else:
                entries.append(_stage_append(ws, txdir, op))
        doing = f"{META_DIR}/{JOURNAL}"
        _fs.fsync_dir(txdir)
        _fs.fsync_dir(meta)
        at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        journal = {"version": JOURNAL_VERSION, "tx": tx, "at": at, "ops": entries}
        _write_durably(tmp, encode_journal(journal))
        _fs.rename(tmp, meta / JOURNAL)  # the commit point
    except BaseException as exc:
        if (meta / JOURNAL).exists():
            # The rename reported failure but happened (a network share can do
            # that): past the commit point, so keep the staging for recover().
            raise StorageError(_saved_for_later(doing, exc)) from exc
        _remove_quietly(txdir, tmp)
        if isinstance(exc, OSError):
            raise StorageError(
                _("cannot write {file}: {reason}").format(file=doing, reason=_reason(exc))
            ) from exc
        raise
    return journal


def _stage_replace(ws: Path, txdir: Path, op: Replace) -> dict:
    staged = txdir / op.name
    before = _state_of(ws / op.name)
    op.write(staged)
    if not staged.is_file():
        raise StorageError(_("cannot write {file}: its writer produced no file").format(file=op.name))
    _copy_mode(ws / op.name, staged)
    fd = _fs.open(staged, os.O_RDWR)
    try:
        _fs.fsync(fd)
    finally:
        _fs.close(fd)
    size, digest = _file_digest(staged)
    return {"op": "replace", "name": op.name, "size": size, "sha256": digest, "before": before}


def _state_of(target: Path) -> dict | None:
    """What `target` is now (size, mtime, sha256), None when it does not exist yet.

    Refuses a target that is a symbolic or hard link: renaming a new version
    over it would cut it loose from the file its other names show.
    """
    check_plain_file(target)
    try:
        mtime = os.stat(target).st_mtime_ns
        size, digest = _file_digest(target)
    except FileNotFoundError:
        return None
    return {"size": size, "mtime_ns": mtime, "sha256": digest}


def _stage_append(ws: Path, txdir: Path, op: Append) -> dict:
    target = check_plain_file(ws / op.name)
    try:
        with open(target, "rb") as f:
            orig = os.fstat(f.fileno()).st_size
            tail_len = min(orig, TAIL_BYTES)
            f.seek(orig - tail_len)
            tail = f.read(tail_len)
    except FileNotFoundError:
        orig, tail = 0, b""
    if orig == 0:
        content = op.header + op.data
    elif op.data and not tail.endswith(b"\n"):
        content = (b"\r\n" if b"\r\n" in tail else b"\n") + op.data
    else:
        content = op.data
    _write_durably(txdir / (op.name + APPEND_SUFFIX), content)
    return {
        "op": "append",
        "name": op.name,
        "size": len(content),
        "sha256": _sha(content),
        "orig_size": orig,
        "tail_sha256": _sha(tail),
        "header": base64.b64encode(op.header).decode("ascii"),
    }


# ---------------------------------------------------------------- apply + forget


def _apply_journal(ws: Path, journal: dict, *, recovering: bool) -> list[str]:
    """Steps 3 and 4; returns notes about anything unexpected it found."""
    meta = ws / META_DIR
    txdir = meta / f"{TX_PREFIX}{journal['tx']}"
    notes: list[str] = []
    kept: list[tuple[str, str]] = []  # (target, where its staged version was kept instead)
    doing = _("the workspace folder")
    try:
        if not recovering:
            doing = f"{META_DIR}/{JOURNAL}"
            _fs.fsync_dir(meta)  # make the commit point durable before touching registers
        for entry in journal["ops"]:
            doing = entry["name"]
            if entry["op"] == "replace":
                moved = _apply_replace(ws, txdir, entry, journal, recovering, notes)
                if moved:
                    kept.append((entry["name"], moved))
            else:
                _apply_append(ws, txdir, entry, notes)
        doing = _("the workspace folder")
        _fs.fsync_dir(ws)
    except OSError as exc:
        if recovering:
            raise StorageError(
                _(
                    "could not finish an interrupted commit: cannot write {file}: {reason}; "
                    "fix the cause and try again (the change is kept in {journal})"
                ).format(file=doing, reason=_reason(exc), journal=f"{META_DIR}/{JOURNAL}")
            ) from exc
        raise StorageError(_saved_for_later(doing, exc)) from exc
    # Every target is durable: forget the journal, then the staging folder.
    # Failures here are harmless (re-applying is idempotent) and never reported
    # as a failed command, since that would invite the user to repeat it.
    try:
        _fs.unlink(meta / JOURNAL)
    except FileNotFoundError:
        pass
    except OSError as exc:
        notes.append(
            _("could not remove {file} ({reason})").format(
                file=f"{META_DIR}/{JOURNAL}", reason=_reason(exc)
            )
        )
        if kept:
            raise ChangedMeanwhile(*_kept_lines(kept, journal, recovering)) from None
        return notes
    try:
        _fs.fsync_dir(meta)
    except OSError:
        pass
    _remove_quietly(txdir)
    if kept:
        raise ChangedMeanwhile(*_kept_lines(kept, journal, recovering))
    return notes


def _kept_lines(kept: list[tuple[str, str]], journal: dict, recovering: bool) -> list[str]:
    """The error lines naming each target left alone and where its new version is."""
    when = local_time(journal).strftime("%Y-%m-%d %H:%M")
    if recovering:
        said = _(
            "{name} was changed after a salesops command saving it was interrupted ({when}); "
            "salesops did not overwrite it: the command's version is kept as {kept}"
        )
    else:
        said = _(
            "{name} was changed by another program while salesops was saving it; "
            "salesops did not overwrite it: the command's version is kept as {kept}"
        )
    lines = [said.format(name=name, when=when, kept=moved) for name, moved in kept]
    lines.append(
        _(
            "open both, keep the one you want under the register's name (copy your edits across if you "
            "need both), delete the other, then run salesops validate; the command's other changes "
            "and its history.csv rows are saved"
        )
    )
    return lines


def _apply_replace(
    ws: Path, txdir: Path, entry: dict, journal: dict, recovering: bool, notes: list[str]
) -> str | None:
    """Move the staged file over its target; None, or the name it was kept under instead."""
    name = entry["name"]
    staged = txdir / name
    target = ws / name
    if not os.path.lexists(staged):
        # Already moved by the interrupted run (or the staging folder was lost).
        if recovering and _file_digest_or_none(target) != (entry["size"], entry["sha256"]):
            notes.append(
                _("{name} changed after the interrupted commit and was left as it is").format(name=name)
            )
        return None
    if recovering and _file_digest(staged) != (entry["size"], entry["sha256"]):
        raise StorageError(
            _(
                "cannot finish the interrupted commit: the staged copy of {name} in {folder} is damaged; "
                "remove {journal} to abandon it, then check the registers with validate"
            ).format(name=name, folder=txdir, journal=f"{META_DIR}/{JOURNAL}")
        )
    if _changed_since_staged(target, entry, thorough=recovering):
        return _keep_beside(ws, staged, name, journal)
    _replace_with_retry(ws, staged, target, name, recovering)
    return None


def _changed_since_staged(target: Path, entry: dict, *, thorough: bool) -> bool:
    """Whether `target` is no longer the file the journal recorded when the change was staged.

    Size and mtime unchanged are proof enough during a live commit; recovery
    (`thorough`, after a crash and perhaps a person's edit) compares the hash.
    A version-1 journal recorded nothing: not checked.
    """
    if "before" not in entry:
        return False
    before = entry["before"]
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return before is not None  # deleted meanwhile
    if before is None or not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:
        return True  # created, or replaced by a link, meanwhile
    if not thorough and (st.st_size, st.st_mtime_ns) == (before["size"], before["mtime_ns"]):
        return False
    return _file_digest_or_none(target) != (before["size"], before["sha256"])


def _keep_beside(ws: Path, staged: Path, name: str, journal: dict) -> str:
    """Move a staged file into the workspace as NAME.unfinished-STAMP.EXT; returns that name."""
    kept = next(k for k in kept_name(name, journal) if not os.path.lexists(ws / k))
    _fs.replace(staged, ws / kept)
    return kept


def _replace_with_retry(ws: Path, staged: Path, target: Path, name: str, recovering: bool) -> None:
    for delay in (*REPLACE_RETRY_DELAYS, None):
        try:
            _fs.replace(staged, target)
            return
        except PermissionError as exc:
            if delay is not None:
                time.sleep(delay)
                continue
            found = owner_of(ws, name)
            if found and found[1]:
                where = _("open in {program} (by {user})").format(program=found[0], user=found[1])
            elif found:
                where = _("open in {program}").format(program=found[0])
            else:
                where = _("probably open in another program")
            if recovering:
                raise FileOpenElsewhere(
                    _(
                        "could not finish an interrupted commit: could not replace {name} "
                        "({reason}): it is {where}; close it and try again"
                    ).format(name=name, reason=_reason(exc), where=where)
                ) from exc
            raise FileOpenElsewhere(
                _(
                    "could not replace {name} ({reason}): it is {where}; close it, then run any "
                    "salesops command to finish this change (it is saved; do not repeat this command)"
                ).format(name=name, reason=_reason(exc), where=where)
            ) from exc


def _apply_append(ws: Path, txdir: Path, entry: dict, notes: list[str]) -> None:
    name = entry["name"]
    orig, n = entry["orig_size"], entry["size"]
    fd = _fs.open(ws / name, os.O_RDWR | os.O_CREAT)
    try:
        size = os.fstat(fd).st_size
        tail = min(orig, TAIL_BYTES)
        ours = size >= orig and _sha(_read_at(fd, orig - tail, tail)) == entry["tail_sha256"]
        if ours and size >= orig + n and _sha(_read_at(fd, orig, n)) == entry["sha256"]:
            return  # the interrupted run already appended it
        data = _staged_append(txdir, entry)
        if ours and size <= orig + n and data.startswith(_read_at(fd, orig, size - orig)):
            offset = orig  # not appended yet, or only partly: write it again from the start
        else:
            # Someone edited the file since this commit was staged: keep their
            # bytes and add ours at the end.
            offset = size
            if size == 0 and orig > 0:
                data = base64.b64decode(entry["header"]) + data
            notes.append(
                _("{name} changed after the interrupted commit; its new lines were added at the end").format(
                    name=name
                )
            )
        _fs.truncate(fd, offset)
        os.lseek(fd, offset, os.SEEK_SET)
        _fs.write(fd, data)
        _fs.fsync(fd)
    finally:
        _fs.close(fd)


def _staged_append(txdir: Path, entry: dict) -> bytes:
    path = txdir / (entry["name"] + APPEND_SUFFIX)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = None
    if data is None or len(data) != entry["size"] or _sha(data) != entry["sha256"]:
        if data is None:
            said = _(
                "cannot finish the interrupted commit: the staged lines for {name} are missing; "
                "remove {journal} to abandon it, then check the registers with validate"
            )
        else:
            said = _(
                "cannot finish the interrupted commit: the staged lines for {name} are damaged; "
                "remove {journal} to abandon it, then check the registers with validate"
            )
        raise StorageError(said.format(name=entry["name"], journal=f"{META_DIR}/{JOURNAL}"))
    return data


# ---------------------------------------------------------------- recovery


def recover_under_lock(ws: Path) -> str | None:
    """recover() for a caller that holds the workspace lock."""
    meta = ws / META_DIR
    said: list[str] = []
    if (meta / JOURNAL).exists():
        journal = load_journal(meta / JOURNAL)
        notes = _apply_journal(ws, journal, recovering=True)
        names = ", ".join(e["name"] for e in journal["ops"])
        said.append(
            _("finished an interrupted commit ({names})").format(names=names)
            + "".join(f"; {n}" for n in notes)
        )
    left = _leftovers(meta, with_journal=False)
    if left:
        for name in left:
            _remove_quietly(meta / name)
        still = _leftovers(meta, with_journal=False)
        said.append(
            _("removed the staged files of an interrupted commit (could not remove {names})").format(
                names=", ".join(still)
            )
            if still
            else _("removed the staged files of an interrupted commit")
        )
    return joined(said) or None


def _leftovers(meta: Path, *, with_journal: bool) -> list[str]:
    try:
        names = os.listdir(meta)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(
        n
        for n in names
        if n.startswith(TX_PREFIX)
        or (n.startswith(TMP_PREFIX) and n.endswith(TMP_SUFFIX))
        or (with_journal and n == JOURNAL)
    )


# ---------------------------------------------------------------- small helpers


def _write_durably(path: Path, data: bytes) -> None:
    fd = _fs.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        _fs.write(fd, data)
        _fs.fsync(fd)
    finally:
        _fs.close(fd)


def _remove_quietly(*paths: Path) -> None:
    """Delete files or folders (bottom-up), ignoring failures: recover() retries later."""
    for path in paths:
        if os.path.isdir(path) and not os.path.islink(path):
            for root, dirs, files in os.walk(path, topdown=False):
                for name in files:
                    _ignore(_fs.unlink, Path(root) / name)
                for name in dirs:
                    _ignore(_fs.rmdir, Path(root) / name)
            _ignore(_fs.rmdir, path)
        elif os.path.lexists(path):
            _ignore(_fs.unlink, path)


def _ignore(fn: Callable[[Path], None], path: Path) -> None:
    try:
        fn(path)
    except OSError:
        pass


def _copy_mode(original: Path, staged: Path) -> None:
    """Keep a register's permission bits (shared folders) on its new version."""
    if os.name == "nt":
        return
    try:
        os.chmod(staged, os.stat(original).st_mode & 0o7777)
    except OSError:
        pass


def _read_at(fd: int, offset: int, n: int) -> bytes:
    os.lseek(fd, offset, os.SEEK_SET)
    chunks, left = [], n
    while left > 0:
        chunk = os.read(fd, left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_digest(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def _file_digest_or_none(path: Path) -> tuple[int, str] | None:
    try:
        return _file_digest(path)
    except OSError:
        return None


def _saved_for_later(doing: str, exc: BaseException) -> str:
    """The message of a failure after the commit point: the next command finishes the change."""
    return _(
        "could not finish writing {file}: {reason}; the change is saved and the next "
        "salesops command will finish it (do not repeat this command)"
    ).format(file=doing, reason=_reason(exc))


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__
