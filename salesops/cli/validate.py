"""Command: `validate` — check every register (SPEC section 5); exit 1 on any error.

The command reads every register as a typed frame (`read_frames`, which also
reports the files that cannot be read at all) and hands the frames, the
settings and today's date to the pure checks of `core.validate`.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING

import typer

from salesops.cli.app import app
from salesops.cli.common import (
    RECORD_FORMATS,
    FormatOpt,
    OutputOpt,
    WaitOpt,
    check_choice,
    dumps,
    emit_rows,
    open_workspace,
    write_out,
)
from salesops.i18n import _, joined, ngettext

if TYPE_CHECKING:
    from salesops.problems import Problem
    from salesops.storage.workspace import Workspace

JSON_KEYS = ("severity", "file", "row", "column", "record_id", "message")
TABLE_KEYS = ("severity", "code", "file", "row", "column", "record_id", "message")


@app.command("validate")
def validate(
    ctx: typer.Context, fmt: FormatOpt = "table", output: OutputOpt = None, wait: WaitOpt = 10.0
) -> None:
    """Check every register: types, required values, IDs, references, amounts, statuses, dates.

    Prints one line per problem (`error: leads.xlsx row 14, created_on: "2026-13-45"
    is not a date`, warnings as `warning: …`) on stderr, then a summary line.
    Exit 1 when there is any error; warnings alone exit 0. `-f json` prints
    {"ok", "errors", "warnings", "problems": [{"severity", "file", "row",
    "column", "record_id", "message"}]}; `-f csv|markdown` a table with the
    problem codes (see the error reference). Edits made in the files by hand
    since salesops last saw them are first recorded in history.csv (`edited
    outside salesops`), then checked as if a command had made them.
    """
    from salesops.storage.workspace import today

    check_choice("--format", fmt, RECORD_FORMATS)
    ws = open_workspace(ctx)
    record_hand_edits(ws, wait)
    problems, rows = check_workspace(ws, today())
    n_errors = sum(p.severity == "error" for p in problems)
    n_warnings = len(problems) - n_errors
    if fmt == "json":
        data = {
            "ok": n_errors == 0,
            "errors": n_errors,
            "warnings": n_warnings,
            "problems": [{k: d[k] for k in JSON_KEYS} for d in (p.to_json() for p in problems)],
        }
        write_out(dumps(data), output)
    elif fmt in ("csv", "markdown"):
        table = [[d[k] for k in TABLE_KEYS] for d in (p.to_json() for p in problems)]
        emit_rows(fmt, output, list(TABLE_KEYS), table, title=_("problems"))
    else:
        line = _summary(n_errors, n_warnings, rows)
        if output is not None:
            write_out("\n".join([*(p.line() for p in problems), line]), output)
        else:
            for p in problems:
                print(p.line(), file=sys.stderr)
            print(line)
    if n_errors:
        raise typer.Exit(1)


def _summary(errors: int, warnings: int, rows: dict[str, int]) -> str:
    """`2 errors, 1 warning (9 registers, 1,204 rows checked)`, or `ok: …` (`ok:` stays as it is: scripts read it)."""
    n_rows = sum(rows.values())
    checked = _("{registers}, {rows} checked").format(
        registers=ngettext("{n} register", "{n} registers", len(rows)).format(n=f"{len(rows):,}"),
        rows=ngettext("{n} row", "{n} rows", n_rows).format(n=f"{n_rows:,}"),
    )
    said = ngettext("{n} warning", "{n} warnings", warnings).format(n=f"{warnings:,}")
    if errors:
        found = ngettext("{n} error", "{n} errors", errors).format(n=f"{errors:,}")
        return _("{errors}, {warnings} ({checked})").format(errors=found, warnings=said, checked=checked)
    return "ok: " + (_("{checked}, {warnings}").format(checked=checked, warnings=said) if warnings else checked)


def record_hand_edits(ws: Workspace, wait: float) -> None:
    """Record the edits made by hand since salesops last saw the registers (under the lock);
    when the workspace stays busy they are checked all the same, and recorded next time."""
    from salesops.cli.common import warn
    from salesops.errors import WorkspaceBusy
    from salesops.i18n import _
    from salesops.storage.baseline import behind, unrecorded
    from salesops.storage.lock import ReadOnlyWorkspace

    # nothing to record: a writer holding the lock keeps validate waiting for nothing; a first
    # run only takes the baseline, and a state behind files moved (not edited) is only brought
    # up to them, which the next command does as well if the lock is busy now
    edits = bool(unrecorded(ws))
    if not edits and not behind(ws):
        return
    try:
        with ws.writing(wait if edits else 0):
            pass
    except WorkspaceBusy:
        if edits:
            warn(
                _("the workspace is busy: edits made by hand are checked but not recorded in history.csv this time")
            )
    except ReadOnlyWorkspace:
        if edits:
            warn(
                _(
                    "the workspace folder is read-only for you: edits made by hand are checked but not "
                    "recorded in history.csv"
                )
            )


def check_workspace(ws: Workspace, today: dt.date) -> tuple[list[Problem], dict[str, int]]:
    """(every problem of every register of `ws`, sorted; rows read per register): the checks of
    `core.validate` over every register, and of `core.handedits` over the edits made by hand."""
    from salesops.core.validate import sort_problems, validate
    from salesops.storage import handlog

    frames, unreadable = read_frames(ws)
    problems = unreadable + validate(frames, ws.settings, today) + handlog.problems(ws, today)
    return sort_problems(problems), {name: len(f.df) for name, f in frames.items() if f.exists}


def read_frames(ws: Workspace) -> tuple[dict, list[Problem]]:
    """Every register of `ws` as a typed frame, and a problem for each register that cannot be read
    (left out of the frames, so the checks that need it are skipped)."""
    from salesops.errors import SalesopsError
    from salesops.problems import ERROR, Problem
    from salesops.schema import REGISTERS
    from salesops.storage.frames import read_frame
    from salesops.storage.links import LinkedFile

    ws.read_ahead()  # registers not read yet are read two at a time
    frames: dict = {}
    problems: list[Problem] = []
    for name, reg in REGISTERS.items():
        try:
            path, _fmt, _exists = ws.file_of(reg)
        except LinkedFile as exc:
            problems.append(Problem(ERROR, "unreadable-file", exc.messages[0], file=exc.file))
            continue
        except SalesopsError:
            message = _("both {xlsx} and {csv} exist; keep one of them").format(xlsx=f"{name}.xlsx", csv=f"{name}.csv")
            problems.append(Problem(ERROR, "both-formats", message, file=f"{name}.csv"))
            continue
        try:
            frames[name] = read_frame(ws, name)
        except SalesopsError as exc:
            problems.append(Problem(ERROR, "unreadable-file", _plain(exc, path.name), file=path.name))
    return frames, problems


def _plain(exc: Exception, file: str | None = None) -> str:
    """An exception's message without a leading `file: ` (the Problem names the file)."""
    text = joined(getattr(exc, "messages", None) or [str(exc)])
    if file and text.startswith(file + ": "):
        text = text[len(file) + 2 :]
    return text
