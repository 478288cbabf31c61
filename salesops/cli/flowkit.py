"""Shared pieces of the flow commands: option parsing, the commit-and-report step, labels.

Every writing flow command ends in `finish()`: check the records it changed
with `validate`'s rules (`core.guard`: a change that would leave a record
invalid refuses the command, nothing written), commit all changes with their
history rows, then print one or two lines built from the core's outcome, or
with `-f json` the changed records (canonical field names and codes).
"""

from __future__ import annotations

from typing import Annotated

import typer

from salesops.cli.common import check_choice, dumps, say, warn
from salesops.errors import UsageError
from salesops.i18n import N_, _, current

BAD_OPTION = N_('{option} "{text}" {reason}')

WRITE_FORMATS = ("table", "json")

FmtOpt = Annotated[
    str,
    typer.Option(
        "-f",
        "--format",
        metavar="FORMAT",
        help="table (one or two lines) or json (the changed records).",
    ),
]
OnOpt = Annotated[
    str | None, typer.Option("--on", metavar="DATE", help="Date of the event (default today).")
]


def open_for_write(ctx: typer.Context, fmt: str):
    """The workspace of a writing command, once `-f` is known to be table or json."""
    from salesops.cli.common import open_workspace

    check_choice("--format", fmt, WRITE_FORMATS)
    return open_workspace(ctx)


def date_option(option: str, text: str | None, ws):
    """A date option parsed like a register cell (None when not given)."""
    from salesops import values

    if text is None:
        return None
    try:
        value = values.parse_date(text, ws.settings.date_order)
    except values.BadValue as exc:
        raise UsageError(_(BAD_OPTION).format(option=option, text=text, reason=exc)) from None
    if value is None:
        raise UsageError(_("{option} needs a date").format(option=option))
    return value


def event_date(ws, on: str | None):
    """`--on`, else today (or $SALESOPS_TODAY)."""
    from salesops.storage.workspace import today

    return date_option("--on", on, ws) or today()


def money_option(option: str, text: str | None):
    from salesops import values

    if text is None:
        return None
    try:
        value = values.parse_money(text)
    except values.BadValue as exc:
        raise UsageError(_(BAD_OPTION).format(option=option, text=text, reason=exc)) from None
    if value is None:
        raise UsageError(_("{option} needs an amount").format(option=option))
    return value


def pct_option(option: str, text: str | None):
    from salesops import values

    if text is None:
        return None
    try:
        return values.parse_pct(text)
    except values.BadValue as exc:
        raise UsageError(_(BAD_OPTION).format(option=option, text=text, reason=exc)) from None


def enum_option(option: str, enum, text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    code = enum.parse(text)
    if code is None:
        choices = enum.choices(current())  # as the user may type them: codes, or Chinese labels
        raise UsageError(
            _("{option} {text} is not {kind}; use one of: {choices}").format(
                option=option, text=repr(text), kind=enum.a_name if current() == "en" else _(enum.name), choices=choices
            )
        )
    return code


def state_label(ws, register: str, code: str | None) -> str:
    """A state as the workspace language writes it."""
    from salesops.schema import REGISTERS

    reg = REGISTERS[register]
    column = reg.column(reg.machine.field)
    return column.enum.label(code, ws.settings.lang) if code else "-"


def money_text(amount) -> str:
    from salesops.core.links import money_text

    return money_text(amount)


def commit_checked(ws, by: str | None):
    """Check the changed records with validate's rules (refused, writing nothing, on an error),
    commit every change with its history rows, warn of what is only a warning; the changes."""
    from salesops.core import guard
    from salesops.errors import Refused
    from salesops.storage.workspace import today

    found = guard.check_changes(ws.table, ws.changes(), ws.settings, today())
    errors = guard.errors_of(found)
    if errors:
        raise Refused(*(guard.refusal_text(p) for p in errors), problems=errors)
    changes = ws.commit(user=by)
    for problem in found:
        warn(problem.line().removeprefix("warning: "))
    warn_roles_missing(ws, changes)
    return changes


def finish(ws, outcome, by: str | None, fmt: str, lines: list[str]) -> None:
    """Check the changed records, commit every change with its history rows, then say what changed."""
    changes = commit_checked(ws, by)
    if fmt == "json":
        print(dumps(outcome.records()))
        return
    if not changes:
        say(_("nothing changed"))
        return
    for line in lines:
        if line:
            say(line)


def warn_roles_missing(ws, changes) -> None:
    """A decision taken while no rep has a role yet: anyone could take it; say how to restrict it."""
    from salesops.core import deciders
    from salesops.i18n import _

    decided = set(deciders.DECISION_FIELDS.values())
    if any(c.field in decided for c in changes) and not deciders.roles_in_use(ws.table):
        warn(_(deciders.ROLES_MISSING).format(file=ws.table("reps").file))
