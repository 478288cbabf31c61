"""Commands: `report kpi|funnel|aging|overdue|forecast|weekly` (SPEC sections 6 and 9.5).

Thin layer: parse the options, call `salesops.reports`, build the report's
view (`salesops.reports.views`) and render it with the shared renderers in
any format: table, json, csv, markdown, html, xlsx. `-f json` prints
canonical keys and codes whatever the language; every other format follows
the command's language (`--lang`, else the workspace's). `--post URL` sends
the report to a chat group robot after it is written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from salesops.cli.app import report_app
from salesops.cli.common import (
    LangOpt,
    OutputOpt,
    check_choice,
    open_workspace,
    save_output,
    warn,
    write_out,
)
from salesops.errors import EXIT_ALERT, UsageError
from salesops.i18n import _, ngettext

FORMATS = ("table", "json", "csv", "markdown", "html", "xlsx")

ReportFormatOpt = Annotated[
    str,
    typer.Option(
        "-f",
        "--format",
        metavar="FORMAT",
        help="Output format: table, json, csv, markdown, html or xlsx.",
    ),
]
PostOpt = Annotated[
    str | None,
    typer.Option(
        "--post",
        metavar="URL",
        help="Also post the report to a WeCom, DingTalk or Feishu group robot (the kind is told from the webhook URL).",
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="DATE",
        help="Replay the registers as they stood on DATE (default today).",
    ),
]
FromOpt = Annotated[
    str | None, typer.Option("--from", metavar="DATE", help="First day of the period.")
]
ToOpt = Annotated[
    str | None, typer.Option("--to", metavar="DATE", help="Last day of the period (inclusive).")
]
PeriodOpt = Annotated[
    str | None,
    typer.Option(
        "--period",
        metavar="PERIOD",
        help="2026, 2026-Q3, 2026-11 or 2026-W48 (default: the month of as-of).",
    ),
]
GroupOpt = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="FIELD",
        help="Group by owner, team, region, source, account or any opportunity column.",
    ),
]
FailOpt = Annotated[
    bool,
    typer.Option(
        "--fail-on-overdue", help="Exit 3 when any receivable is overdue (for cron alerts)."
    ),
]


def _setup(ctx: typer.Context, lang: str | None, fmt: str):
    from salesops.reports import report_data

    check_choice("--format", fmt, FORMATS)
    ws = open_workspace(ctx, lang)
    return report_data(ws)


def _dates(
    data,
    as_of: str | None,
    start: str | None = None,
    end: str | None = None,
    period: str | None = None,
):
    from salesops.reports.periods import parse_day, resolve_period
    from salesops.storage.workspace import today

    order = data.settings.date_order
    day = parse_day("--as-of", as_of, order) or today()
    span = resolve_period(
        day, parse_day("--from", start, order), parse_day("--to", end, order), period
    )
    return day, span


def _period_report(ctx, lang, fmt, output, post, when: tuple, compute, view, *args) -> None:
    """A report over a period: `when` = (as_of, from, to, period) → (day, span);
    `compute(data, span, day, *args)` → a result; `view(result, lang, currency)` → every format."""
    data = _setup(ctx, lang, fmt)
    day, span = _dates(data, *when)
    result = compute(data, span, day, *args)
    _emit(data, fmt, output, result.to_json(), lambda lg, cur: view(result, lg, cur), post)


def _emit(data, fmt: str, output: Path | None, json_data: Any, view, post: str | None = None) -> None:
    """Write a report in `fmt` (JSON as is, else its view rendered), then post it to a robot.

    `view(lang, currency)` builds the report people read. A failed post is an
    error (exit 1) after the output is written.
    """
    from salesops.cli.common import dumps
    from salesops.i18n import current

    if post:
        from salesops.reports.robots import robot_kind

        robot_kind(post)  # a bad URL is a usage error before anything is written
    if data.problems:
        n = len(data.problems)
        warn(
            ngettext(
                "{n} cell could not be read and counts as empty; run 'salesops validate'",
                "{n} cells could not be read and count as empty; run 'salesops validate'",
                n,
            ).format(n=n)
        )
    report = view(current(), data.settings.currency) if fmt != "json" or post else None
    if fmt == "json":
        write_out(dumps(json_data), output)
    else:
        _write_report(report, fmt, output)
    if post:
        from salesops.reports.robots import post as post_report

        post_report(report, post)


def _write_report(report, fmt: str, output: Path | None) -> None:
    """`report` rendered in `fmt` to `output`, or to the terminal (tables in colour there)."""
    from salesops.cli.common import console
    from salesops.reports.render import render

    if fmt == "table" and output is None:
        from salesops.reports.render.table import print_report

        out = console()
        print_report(report, out)
        return
    if fmt == "xlsx":
        blob = render(report, fmt)
        if output is None:
            if sys.stdout.isatty():
                raise UsageError(_("-f xlsx needs -o FILE (or a pipe)"))
            sys.stdout.buffer.write(blob)
            sys.stdout.flush()
            return
        save_output(output, blob)
        return
    write_out(render(report, fmt), output)


def _alert(count: int, amount, message: str | None = None) -> None:
    """Exit 3 (after the output) when something is overdue; `message` has fields {n} and {amount}."""
    if count:
        message = message or ngettext(
            "alert: {n} overdue receivable, {amount} overdue",
            "alert: {n} overdue receivables, {amount} overdue",
            count,
        )
        print(message.format(n=count, amount=f"{amount:,.2f}"), file=sys.stderr)
        raise typer.Exit(EXIT_ALERT)


def _overdue_count(data, as_of):
    from decimal import Decimal

    from salesops.reports.ar import overdue_frame

    df = overdue_frame(data, as_of, 1)
    return len(df), Decimal(int(df["outstanding"].sum())).scaleb(-2)


@report_app.command("kpi")
def kpi_cmd(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    period: PeriodOpt = None,
    by: GroupOpt = None,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
    lang: LangOpt = None,
    post: PostOpt = None,
) -> None:
    """Leads, deals, bookings, collections, pipeline, CSAT, AR, DSO and target attainment for a period."""
    from salesops.reports import metrics as kpi_mod
    from salesops.reports.views import kpi_view

    when = (as_of, start, end, period)
    _period_report(ctx, lang, fmt, output, post, when, kpi_mod.compute, kpi_view, by)


@report_app.command("funnel")
def funnel_cmd(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    period: PeriodOpt = None,
    by: GroupOpt = None,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
    lang: LangOpt = None,
    post: PostOpt = None,
) -> None:
    """Deals and leads created in the period: stages reached, conversion, days in stage, bottleneck, lost reasons."""
    from salesops.reports import funnels as funnel_mod
    from salesops.reports.views import funnel_view

    when = (as_of, start, end, period)
    _period_report(ctx, lang, fmt, output, post, when, funnel_mod.funnel, funnel_view, by)


@report_app.command("aging")
def aging_cmd(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    by: Annotated[
        str,
        typer.Option(
            "--by", metavar="FIELD", help="Group by account (default), owner, team or region."
        ),
    ] = "account",
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
    lang: LangOpt = None,
    fail_on_overdue: FailOpt = False,
    post: PostOpt = None,
) -> None:
    """What each account (owner, team) owes, by days overdue, as of a date."""
    from salesops.reports import ar as aging_mod
    from salesops.reports.views import aging_view

    data = _setup(ctx, lang, fmt)
    day, _ = _dates(data, as_of)
    result = aging_mod.aging(data, day, by)
    doc = result.json_document() if fmt == "json" else None
    _emit(data, fmt, output, doc, lambda lg, cur: aging_view(result, lg, cur), post)
    if fail_on_overdue and result.totals["overdue"]:
        late = sum(1 for row in result.rows if row["overdue"])
        _alert(
            late,
            result.totals["overdue"],
            ngettext(
                "alert: {n} group with overdue receivables, {amount} overdue",
                "alert: {n} groups with overdue receivables, {amount} overdue",
                late,
            ),
        )


@report_app.command("overdue")
def overdue_cmd(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    min_days: Annotated[
        int,
        typer.Option("--min-days", metavar="N", help="Only receivables at least N days overdue."),
    ] = 1,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
    lang: LangOpt = None,
    fail_on_overdue: FailOpt = False,
    post: PostOpt = None,
) -> None:
    """Overdue receivables with what is still outstanding, most days overdue first."""
    from salesops.reports import ar as aging_mod
    from salesops.reports.views import overdue_view

    if min_days < 0:
        raise UsageError(_("--min-days must be 0 or more"))
    data = _setup(ctx, lang, fmt)
    day, _day = _dates(data, as_of)
    df = aging_mod.overdue_frame(data, day, min_days)
    records = aging_mod.overdue_records(df)
    _emit(data, fmt, output, records, lambda lg, cur: overdue_view(records, day, lg, cur), post)
    if fail_on_overdue:
        _alert(*_overdue_count(data, day))


@report_app.command("forecast")
def forecast_cmd(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    months: Annotated[
        int, typer.Option("--months", metavar="N", help="How many months ahead (default 3).")
    ] = 3,
    by: GroupOpt = None,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
    lang: LangOpt = None,
    post: PostOpt = None,
) -> None:
    """Per coming month: open and weighted pipeline by expected close, expected cash by due date; overdue apart."""
    from salesops.reports import outlook as forecast_mod
    from salesops.reports.views import forecast_view

    if not 1 <= months <= 120:
        raise UsageError(_("--months must be between 1 and 120"))
    data = _setup(ctx, lang, fmt)
    day, _day = _dates(data, as_of)
    result = forecast_mod.forecast(data, day, months, by)
    _emit(data, fmt, output, result.to_json(), lambda lg, cur: forecast_view(result, lg, cur), post)


@report_app.command("weekly")
def weekly_cmd(
    ctx: typer.Context,
    week: Annotated[
        str | None, typer.Option("--week", metavar="YYYY-Www", help="The ISO week, e.g. 2026-W48.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="DATE", help="The 7 days ending DATE instead of an ISO week."
        ),
    ] = None,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
    lang: LangOpt = None,
    fail_on_overdue: FailOpt = False,
    post: PostOpt = None,
) -> None:
    """The weekly summary (default: the last complete ISO week), for people and cron jobs.

    Cron example (Mondays 07:00: the page for the file share, the summary to the
    team's WeCom group; exit 3 flags overdue money):

        0 7 * * 1  salesops -w /data/sales report weekly -f html -o /srv/share/weekly.html --post "$WECOM_URL"
    """
    from salesops.reports import summary as weekly_mod
    from salesops.reports.periods import parse_day
    from salesops.reports.views_weekly import weekly_view
    from salesops.storage.workspace import today

    data = _setup(ctx, lang, fmt)
    day = parse_day("--as-of", as_of, data.settings.date_order)
    doc = weekly_mod.weekly(data, today(), week, day).to_json()
    _emit(data, fmt, output, doc, lambda lg, cur: weekly_view(doc, lg, cur), post)
    if fail_on_overdue:
        _alert(*_overdue_count(data, doc["as_of"]))
