"""Exceptions the CLI turns into `error: …` lines and exit codes.

The core and storage raise these; the CLI catches `SalesopsError`, prints each
line of `lines()` prefixed with `error: ` to stderr and exits with `exit_code`.
"""

from __future__ import annotations

from salesops.i18n import _

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_ALERT = 3
EXIT_BUSY = 75


class SalesopsError(Exception):
    """A failure meant for a person: one or more message lines and an exit code."""

    exit_code = EXIT_REFUSED

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages) or [_("failed")]

    def lines(self) -> list[str]:
        return list(self.messages)


class UsageError(SalesopsError):
    """The command line itself is wrong (unknown register, bad option value)."""

    exit_code = EXIT_USAGE


class StorageError(SalesopsError):
    """A file could not be read or written (unreadable, hostile, open elsewhere)."""


class FileOpenElsewhere(StorageError):
    """A register is open in Excel, WPS or LibreOffice, or locked by the OS."""


class WorkspaceBusy(SalesopsError):
    """Another salesops process holds the workspace lock."""

    exit_code = EXIT_BUSY


class Refused(SalesopsError):
    """A change was refused (gate unmet, invalid data); nothing was written."""

    def __init__(self, *messages: str, problems: list | None = None) -> None:
        super().__init__(*messages)
        self.problems = problems or []


class BadCell(SalesopsError):
    """A cell that does not hold a value of its column's type (`problem` names file, row, column)."""

    def __init__(self, problem) -> None:
        super().__init__(problem.line().removeprefix("error: "))
        self.problem = problem
