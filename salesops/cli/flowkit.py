"""Shared pieces of the flow commands: option parsing, the commit-and-report step, labels.

Every writing flow command ends in `finish()`: commit all changes with their
history rows, then print one or two lines, or with `-f json` the changed
records (canonical field names and codes).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from salesops.cli.common import check_choice, dumps, say, warn
from salesops.errors import UsageError

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
        raise UsageError(f'{option} "{text}" {exc}') from None
    if value is None:
        raise UsageError(f"{option} needs a date")
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
        raise UsageError(f'{option} "{text}" {exc}') from None
    if value is None:
        raise UsageError(f"{option} needs an amount")
    return value


def pct_option(option: str, text: str | None):
    from salesops import values

    if text is None:
        return None
    try:
        return values.parse_pct(text)
    except values.BadValue as exc:
        raise UsageError(f'{option} "{text}" {exc}') from None


def enum_option(option: str, enum, text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    code = enum.parse(text)
    if code is None:
        choices = ", ".join(f"{c} ({enum.label(c, 'zh')})" for c in enum.codes)
        raise UsageError(f"{option} {text!r} is not {enum.a_name}; use one of: {choices}")
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


def changed_records(ws, changes) -> list[dict[str, Any]]:
    """The records touched by `changes`, in order: register, id, created or updated, the record."""
    from salesops.schema import REGISTERS

    seen: dict[tuple[str, str], str] = {}
    for c in changes:
        key = (c.register, c.record_id)
        created = c.field == REGISTERS[c.register].id_column and c.old == ""
        if key not in seen or created:
            seen[key] = "created" if created else seen.get(key, "updated")
    out = []
    for (register, record_id), action in seen.items():
        table = ws.table(register)
        i = table.find(record_id)
        out.append(
            {
                "register": register,
                "id": record_id,
                "action": action,
                "record": table.record(i) if i is not None else None,
            }
        )
    return out


def finish(ws, by: str | None, fmt: str, lines: list[str]) -> None:
    """Commit every change with its history rows, then say what changed."""
    changes = ws.commit(user=by)
    if fmt == "json":
        print(dumps(changed_records(ws, changes)))
        return
    if not changes:
        say("nothing changed")
        return
    for line in lines:
        if line:
            say(line)


def warn_unknown_owner(ws, owner: str | None) -> None:
    from salesops.core.leads import find_rep, reps

    if owner and ws.file_of("reps")[2] and find_rep(reps(ws.table), owner) is None:
        warn(f"owner {owner!r} is not in {ws.table('reps').file}")
