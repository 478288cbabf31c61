"""Commands: `follow add`, `follow due` and `report activity` — follow-ups (跟进记录) and what they leave to do.

`follow add` logs an activity through `core.activities.log` (the one way any
command adds one) and commits it like every change. `follow due` and
`report activity` are reports: figures from `salesops.reports.activity`,
every format rendered by the shared renderers.
"""

from __future__ import annotations

from typing import Annotated

import typer

from salesops.cli.app import follow_app, report_app
from salesops.cli.common import LangOpt, OutputOpt, WaitOpt, check_choice
from salesops.cli.flowkit import (
    FmtOpt,
    OnOpt,
    date_option,
    enum_option,
    event_date,
    finish,
    open_for_write,
)
from salesops.cli.reports import (
    AsOfOpt,
    FromOpt,
    PeriodOpt,
    PostOpt,
    ReportFormatOpt,
    ToOpt,
    _dates,
    _emit,
    _period_report,
    _setup,
)
from salesops.errors import UsageError
from salesops.i18n import _


@follow_app.command("add")
def follow_add(
    ctx: typer.Context,
    record_id: Annotated[
        str,
        typer.Argument(
            metavar="RECORD-ID",
            help="The lead, opportunity, account, contract or receivable followed up.",
        ),
    ],
    type_: Annotated[
        str,
        typer.Option(
            "--type",
            metavar="TYPE",
            help="visit, call, wechat, email, meeting, demo, reminder or other (or 中文: 拜访, 电话, 微信…).",
        ),
    ],
    summary: Annotated[
        str, typer.Option("--summary", metavar="TEXT", help="What was done, said or agreed.")
    ],
    next_step: Annotated[
        str | None, typer.Option("--next", metavar="TEXT", help="The next step agreed.")
    ] = None,
    next_on: Annotated[
        str | None,
        typer.Option(
            "--next-on",
            metavar="DATE",
            help="When the next step is due (then `follow due` lists it).",
        ),
    ] = None,
    on: OnOpt = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            metavar="NAME",
            help="Who followed it up: a rep's ID or name (default $SALESOPS_USER, else the record's owner); also recorded in history.",
        ),
    ] = None,
    notes: Annotated[str | None, typer.Option("--notes", metavar="TEXT", help="Notes.")] = None,
    wait: WaitOpt = 10.0,
    fmt: FmtOpt = "table",
) -> None:
    """Log a follow-up (跟进记录) on a record, with the next step and its date.

    A record's next step is done once a later follow-up on it is logged.

    \b
      salesops follow add L-000140 --type call --summary "约了下周二演示" --next "上门演示" --next-on 2026-12-01
    """
    import os

    from salesops.core import activities
    from salesops.schema import ACTIVITY_TYPE

    ws = open_for_write(ctx, fmt)
    when = event_date(ws, on)
    code = enum_option("--type", ACTIVITY_TYPE, type_)
    if code is None:
        raise UsageError(_("--type needs a value"))
    due = date_option("--next-on", next_on, ws)
    who = by or os.environ.get("SALESOPS_USER") or None
    with ws.writing(wait):
        made = activities.log(
            ws.table,
            record_id=record_id,
            type=code,
            summary=summary,
            by=who,
            on=when,
            next_step=next_step,
            next_on=due,
            notes=notes,
        )
        rec = made.record
        line = _("{id} logged: {type} on {record} by {by}").format(
            id=made.record_id,
            type=ACTIVITY_TYPE.label(code, ws.settings.lang),
            record=rec["record_id"],
            by=rec["by"],
        )
        lines = [line]
        if rec.get("next_step") or rec.get("next_on"):
            when_text = rec["next_on"].isoformat() if rec.get("next_on") else _("no date")
            lines.append(
                _("next: {step} ({when})").format(step=rec.get("next_step") or "-", when=when_text)
            )
        finish(ws, made, who, fmt, lines)


@follow_app.command("due")
def follow_due(
    ctx: typer.Context,
    owner: Annotated[
        str | None,
        typer.Option(
            "--owner",
            metavar="REP",
            help="Only this rep's (the record's owner, else who logged the step).",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    days: Annotated[
        int,
        typer.Option(
            "--days",
            metavar="N",
            help="Also the next steps due in the N days after as-of (default 0).",
        ),
    ] = 0,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
    lang: LangOpt = None,
) -> None:
    """Next steps due or overdue (of each record's latest follow-up), most overdue first."""
    from salesops.reports.activity import next_steps
    from salesops.reports.views_desk import next_steps_view

    if days < 0:
        raise UsageError(_("--days must be 0 or more"))
    data = _setup(ctx, lang, fmt)
    day, _span = _dates(data, as_of)
    steps = next_steps(data, day, owner, days)
    doc = {"as_of": day, "owner": owner, "days": days, "steps": steps}
    _emit(data, fmt, output, doc, lambda lg, cur: next_steps_view(steps, day, lg, cur))


@report_app.command("activity")
def activity_cmd(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    period: PeriodOpt = None,
    by: Annotated[
        str, typer.Option("--by", metavar="FIELD", help="owner (each rep, default) or team.")
    ] = "owner",
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
    lang: LangOpt = None,
    post: PostOpt = None,
) -> None:
    """Follow-ups logged in a period per rep (or team) and type, and how many records they were about."""
    from salesops.reports.activity import BY_CHOICES, activity
    from salesops.reports.views_desk import activity_view

    check_choice("--by", by, BY_CHOICES)
    when = (as_of, start, end, period)
    _period_report(ctx, lang, fmt, output, post, when, activity, activity_view, by)
