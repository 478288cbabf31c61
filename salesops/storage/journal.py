"""The commit journal on disk, and the versions an interrupted commit kept beside a changed register.

`commit` writes `.salesops/journal.json` at its commit point and `recover`
reads it back: `encode_journal` / `load_journal` are that format (a checksum
over the content, and checks that a journal arriving with a workspace from
elsewhere cannot point outside it). A commit that finds a register changed
since it was staged keeps its own version beside it as
`NAME.unfinished-YYYYMMDD-HHMMSS.EXT` (`kept_name`); `unfinished_versions`
finds those again, and `waiting_note` is what every command says about them
until the user has decided.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

from salesops.errors import StorageError
from salesops.i18n import _, joined
from salesops.storage.lock import META_DIR

JOURNAL = "journal.json"
JOURNAL_VERSION = 2  # 2: each replace records its target as it was ("before") and the journal its time
READABLE_VERSIONS = (1, 2)  # a version-1 journal (no "before") is rolled forward unchecked, as it was
UNFINISHED = "unfinished"  # leads.xlsx → leads.unfinished-20261127-153000.xlsx
_KEPT = re.compile(
    r"(?P<stem>.+)\." + UNFINISHED + r"-[0-9]{8}-[0-9]{6}(?:-[0-9a-f]+)?(?P<ext>\.[^.]*)?"
)


def check_target_name(name: str) -> str:
    """`name` if it is a plain file name in the workspace (what a commit may touch), else ValueError."""
    if (
        not name
        or name in (".", "..")
        or "/" in name
        or "\\" in name
        or name == META_DIR
        or os.path.basename(name) != name
    ):
        raise ValueError(f"commit targets are plain file names in the workspace, not {name!r}")
    return name


# ---------------------------------------------------------------- the journal file


def encode_journal(journal: dict) -> bytes:
    """The bytes of journal.json: the journal and a sha256 of its canonical form."""
    body = json.dumps(journal, sort_keys=True, separators=(",", ":"))
    return json.dumps(
        {"journal": journal, "sha256": _sha(body.encode())}, sort_keys=True, indent=1
    ).encode()


def load_journal(path: Path) -> dict:
    """The journal in `path`; StorageError when it cannot be read or is not wholly sound."""
    try:
        doc = json.loads(path.read_bytes())
        journal = doc["journal"]
        body = json.dumps(journal, sort_keys=True, separators=(",", ":"))
        ok = doc["sha256"] == _sha(body.encode()) and journal["version"] in READABLE_VERSIONS
    except (ValueError, KeyError, TypeError):
        ok = False
    except OSError as exc:
        raise StorageError(
            _("cannot read {file}: {reason}").format(
                file=f"{META_DIR}/{JOURNAL}", reason=exc.strerror or exc
            )
        ) from exc
    if not ok or not journal_is_sane(journal):
        raise StorageError(
            _(
                "the journal of an interrupted commit ({path}) is damaged; registers may be partly "
                "updated: move it away, check the registers with validate and restore from a backup if needed"
            ).format(path=path)
        )
    return journal


def journal_is_sane(journal: dict) -> bool:
    """Names and numbers a journal could carry without pointing outside the workspace.

    A workspace may arrive from elsewhere (a zip, a share): its journal must not
    be able to make recover() write to any path but the workspace's own files.
    """
    try:
        tx = journal["tx"]
        if not (isinstance(tx, str) and len(tx) == 12 and all(c in "0123456789abcdef" for c in tx)):
            return False
        if "at" in journal:
            dt.datetime.fromisoformat(journal["at"])
        entries = journal["ops"]
        names = [check_target_name(e["name"]) for e in entries]
        if len({n.casefold() for n in names}) != len(names):
            return False
        for e in entries:
            numbers = [e["size"]] + ([e["orig_size"]] if e["op"] == "append" else [])
            before = e.get("before")
            if before is not None:
                numbers += [before["size"], before["mtime_ns"]]
                str(before["sha256"])
            if e["op"] not in ("replace", "append") or any(
                type(n) is not int or n < 0 for n in numbers
            ):
                return False
            if e["op"] == "append":
                base64.b64decode(e["header"], validate=True)
                str(e["tail_sha256"])
            str(e["sha256"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return False
    return True


def local_time(journal: dict) -> dt.datetime:
    """When the journal's change was staged (now, for a version-1 journal that did not say)."""
    try:
        return dt.datetime.fromisoformat(journal["at"])
    except (KeyError, TypeError, ValueError):
        return dt.datetime.now().astimezone()


# ---------------------------------------------------------------- versions kept beside a register


def kept_name(name: str, journal: dict) -> Iterator[str]:
    """Names to keep a staged `name` under, best first: leads.unfinished-20261127-153000.xlsx,
    then with part or all of the transaction id (the first that is free is used)."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stamp = local_time(journal).strftime("%Y%m%d-%H%M%S")
    for extra in ("", f"-{journal['tx'][:6]}", f"-{journal['tx']}"):
        yield f"{stem}.{UNFINISHED}-{stamp}{extra}{dot}{ext}"


def unfinished_versions(workspace: Path) -> list[tuple[str, str]]:
    """(kept file, register file) of every version an interrupted commit kept beside a register
    that had changed since (see `commit.ChangedMeanwhile`), still waiting for the user's decision."""
    try:
        names = os.listdir(workspace)
    except OSError:
        return []
    found = []
    for name in sorted(names):
        m = _KEPT.fullmatch(name)
        if m:
            found.append((name, m["stem"] + (m["ext"] or "")))
    return found


def waiting_note(workspace: Path) -> str | None:
    """What every command says while `unfinished_versions` wait for the user's decision."""
    said = [
        _(
            "{kept} is the version of {name} an interrupted command saved while someone else "
            "changed {name}; keep one of the two under the name {name} and delete the other"
        ).format(kept=kept, name=name)
        for kept, name in unfinished_versions(workspace)
    ]
    return joined(said) or None


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
