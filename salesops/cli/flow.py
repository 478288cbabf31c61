"""Commands `advance` and `sweep`; the other flow commands live in cli/leads.py, cli/deals.py, cli/cash.py.

Each writing command holds the workspace lock while it reads, changes and
commits (`with ws.writing(wait): … finish()`); a refusal raises before the
commit, so nothing is written.
"""

from __future__ import annotations

from typing import Annotated

import typer

from salesops.cli import cash, deals, leads  # noqa: F401  (they attach the lead/opp/quote/… commands)
from salesops.cli.app import app
from salesops.cli.common import ByOpt, WaitOpt, say
from salesops.cli.flowkit import (
    FmtOpt,
    OnOpt,
    event_date,
    finish,
    open_for_write,
    state_label,
)
from salesops.i18n import _, ngettext

# ---------------------------------------------------------------- advance, sweep


@app.command("advance")
def advance(
    ctx: typer.Context,
    record_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="Any record with a stage or status (L-, O-, Q-, C-, D-, R-…)."
        ),
    ],
    stage: Annotated[
        str,
        typer.Argument(
            metavar="STAGE", help="The new stage or status, English code or Chinese label."
        ),
    ],
    on: OnOpt = None,
    by: ByOpt = None,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            metavar="TEXT",
            help="Why (needed for disqualified, lost, terminated, written_off, cancelled).",
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="FIELD=VALUE",
            help="Fill a field first, so a gate can be met in the same command (repeatable).",
        ),
    ] = None,
    wait: WaitOpt = 10.0,
    fmt: FmtOpt = "table",
) -> None:
    """Move a record to a new stage, checking every gate on the way; a refusal names every unmet condition and changes nothing."""
    from salesops.core import flow, machine

    ws = open_for_write(ctx, fmt)
    when = event_date(ws, on)
    with ws.writing(wait):
        table, i = ws.locate(record_id)
        target = machine.parse_state(table.register, stage)
        sets = flow.parse_sets(table.register, set_ or [], ws.settings.date_order)
        moved = flow.advance(
            ws.table,
            table,
            i,
            target,
            on=when,
            settings=ws.settings,
            by=by,
            reason=reason,
            sets=sets,
        )
        reg = moved.register
        head = f"{moved.record_id}: {state_label(ws, reg, moved.source)} → {state_label(ws, reg, moved.target)}"
        if len(moved.steps) > 1:
            steps = ", ".join(state_label(ws, reg, s) for s in moved.steps[:-1])
            head = _("{move} (via {steps})").format(move=head, steps=steps)
        finish(ws, moved, by, fmt, [head, "; ".join(moved.notes)])


@app.command("sweep")
def sweep(
    ctx: typer.Context,
    on: OnOpt = None,
    by: ByOpt = None,
    wait: WaitOpt = 10.0,
    fmt: FmtOpt = "table",
) -> None:
    """Housekeeping for cron: approved or sent quotes past valid_until become expired."""
    from salesops.core import quotes

    ws = open_for_write(ctx, fmt)
    when = event_date(ws, on)
    with ws.writing(wait):
        swept = quotes.sweep(ws.table, when)
        expired = swept.expired
        line = (
            ngettext("expired {n} quote: {ids}", "expired {n} quotes: {ids}", len(expired)).format(
                n=len(expired), ids=", ".join(expired)
            )
            if expired
            else _("no quotes to expire")
        )
        if not expired and fmt != "json":
            say(line)
            return
        finish(ws, swept, by, fmt, [line])
