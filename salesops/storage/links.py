"""Files salesops keeps must be plain files of the workspace, never links to somewhere else.

A register, history.csv or salesops.toml that is a symbolic link (or a hard
link: a second name of a file that lives elsewhere too) would be read from
and written to wherever the link points: a CSV register linked to a system
file would be read and copied into reports, history.csv linked outside the
workspace would be appended through, and a register rewritten by rename would
silently stop being the file its other names still show. So such a file is
refused, for reading and for writing, with a message naming it and the way out.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from salesops.errors import StorageError
from salesops.i18n import _, ngettext


def link_problem(path: Path) -> str | None:
    """Why `path` is not a plain file of its own (symbolic or hard link), or None.

    A missing file, a folder or anything else that is not a link is no concern
    of this check (None): the caller says what is wrong with those.
    """
    try:
        st = os.lstat(path)
    except OSError:
        return None
    name = Path(path).name
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = _("another file")
        return _(
            "{name} is a symbolic link (to {target}); salesops reads and writes only plain files "
            "in the workspace: put a copy of the file itself in its place"
        ).format(name=name, target=target)
    if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
        others = st.st_nlink - 1
        return ngettext(
            "{name} is hard-linked (the same file has {n} other name); salesops reads and writes "
            "only plain files of their own: put a copy of the file in its place",
            "{name} is hard-linked (the same file has {n} other names); salesops reads and writes "
            "only plain files of their own: put a copy of the file in its place",
            others,
        ).format(name=name, n=others)
    return None


class LinkedFile(StorageError):
    """A workspace file that is a symbolic or hard link; `file` is its name."""

    def __init__(self, file: str, message: str) -> None:
        super().__init__(message)
        self.file = file


def check_plain_file(path: Path) -> Path:
    """`path`, or `LinkedFile` if it is a symbolic or hard link (see `link_problem`)."""
    problem = link_problem(path)
    if problem:
        raise LinkedFile(Path(path).name, problem)
    return path
