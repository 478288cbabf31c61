"""Commands: `report kpi|funnel|aging|overdue|forecast|weekly` (SPEC section 6).

Thin layer: parse the options, call `salesops.reports`, render. `-f json`
prints canonical keys and codes whatever the language; table and markdown
follow the workspace language (`--lang` overrides).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from salesops.cli.app import report_app
from salesops.cli.common import LangOpt, OutputOpt, check_choice, open_workspace, warn, write_out
from salesops.errors import EXIT_ALERT, UsageError

FORMATS = ("table", "json", "csv", "markdown")
WEEKLY_FORMATS = (*FORMATS, "html", "xlsx")

ReportFormatOpt = Annotated[
    str,
    typer.Option(
        "-f", "--format", metavar="FORMAT", help="Output format: table, json, csv or markdown."
    ),
]
WeeklyFormatOpt = Annotated[
    str,
    typer.Option(
        "-f",
        "--format",
        metavar="FORMAT",
        help="Output format: table, json, csv, markdown, html or xlsx.",
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


def _setup(ctx: typer.Context, lang: str | None, fmt: str, formats: tuple[str, ...] = FORMATS):
    from salesops.reports import report_data

    check_choice("--format", fmt, formats)
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


def _emit(data, fmt: str, output: Path | None, json_data: Any, sections_of) -> None:
    """Render a report: JSON as is, else its sections as table, markdown or CSV."""
    from salesops.cli.common import console, dumps

    if data.problems:
        warn(
            f"{len(data.problems)} cell(s) could not be read and count as empty; run 'salesops validate'"
        )
    if fmt == "json":
        write_out(dumps(json_data), output)
        return
    from salesops.reports import render_text as rt

    lang, currency = data.settings.lang, data.settings.currency
    heading, sections = sections_of(fmt)
    if fmt == "csv":
        write_out(rt.render_csv(sections), output)
    elif fmt == "markdown":
        write_out(rt.render_markdown(sections, lang, currency, heading), output)
    else:
        if output is None:
            rt.render_table(sections, lang, currency, heading, console())
            return
        try:
            with open(output, "w", encoding="utf-8") as fh:
                rt.render_table(sections, lang, currency, heading, console(output, fh))
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def _alert(count: int, amount, lang: str, what: str = "overdue receivable(s)") -> None:
    """Exit 3 (after the output) when something is overdue."""
    if count:
        print(f"alert: {count} {what}, {amount:,.2f} overdue", file=sys.stderr)
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
) -> None:
    """Leads, deals, bookings, collections, pipeline, CSAT, AR, DSO and target attainment for a period."""
    from salesops.reports import metrics as kpi_mod
    from salesops.reports.render_text import kpi_sections

    data = _setup(ctx, lang, fmt)
    day, span = _dates(data, as_of, start, end, period)
    result = kpi_mod.compute(data, span, day, by)
    _emit(
        data, fmt, output, result.to_json(), lambda f: kpi_sections(result, data.settings.lang, f)
    )


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
) -> None:
    """Deals and leads created in the period: stages reached, conversion, days in stage, bottleneck, lost reasons."""
    from salesops.reports import funnels as funnel_mod
    from salesops.reports.render_text import funnel_sections

    data = _setup(ctx, lang, fmt)
    day, span = _dates(data, as_of, start, end, period)
    result = funnel_mod.funnel(data, span, day, by)
    _emit(
        data,
        fmt,
        output,
        result.to_json(),
        lambda f: funnel_sections(result, data.settings.lang, f),
    )


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
) -> None:
    """What each account (owner, team) owes, by days overdue, as of a date."""
    from salesops.reports import ar as aging_mod
    from salesops.reports.render_text import aging_sections

    data = _setup(ctx, lang, fmt)
    day, _ = _dates(data, as_of)
    result = _fast_aging(data, day, by) or aging_mod.aging(data, day, by)
    _emit(
        data, fmt, output, result.to_json(), lambda f: aging_sections(result, data.settings.lang, f)
    )
    if fail_on_overdue and result.totals["overdue"]:
        late = sum(1 for row in result.rows if row["overdue"])
        _alert(
            late,
            result.totals["overdue"],
            data.settings.lang,
            f"{result.by} group(s) with overdue receivables",
        )


def _fast_aging(data, day, by: str):
    """The aging from the numpy-only kernel when it applies (no pandas import), else None."""
    try:
        from salesops.reports.fast_aging import try_aging
    except ImportError:  # pragma: no cover - the kernel is optional
        return None
    return try_aging(data, day, by)


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
) -> None:
    """Overdue receivables with what is still outstanding, most days overdue first."""
    from salesops.reports import ar as aging_mod
    from salesops.reports.render_text import overdue_sections

    if min_days < 0:
        raise UsageError("--min-days must be 0 or more")
    data = _setup(ctx, lang, fmt)
    day, _ = _dates(data, as_of)
    df = aging_mod.overdue_frame(data, day, min_days)
    records = aging_mod.overdue_records(df)
    _emit(
        data, fmt, output, records, lambda f: overdue_sections(records, day, data.settings.lang, f)
    )
    if fail_on_overdue:
        _alert(*_overdue_count(data, day), data.settings.lang)


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
) -> None:
    """Per coming month: open and weighted pipeline by expected close, expected cash by due date; overdue apart."""
    from salesops.reports import outlook as forecast_mod
    from salesops.reports.render_text import forecast_sections

    if not 1 <= months <= 120:
        raise UsageError("--months must be between 1 and 120")
    data = _setup(ctx, lang, fmt)
    day, _ = _dates(data, as_of)
    result = forecast_mod.forecast(data, day, months, by)
    _emit(
        data,
        fmt,
        output,
        result.to_json(),
        lambda f: forecast_sections(result, data.settings.lang, f),
    )


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
    fmt: WeeklyFormatOpt = "table",
    output: OutputOpt = None,
    lang: LangOpt = None,
    fail_on_overdue: FailOpt = False,
) -> None:
    """The weekly summary (default: the last complete ISO week), for people and cron jobs.

    Cron example (Mondays 07:00, mailed as HTML; exit 3 flags overdue money):

        0 7 * * 1  salesops -w /data/sales report weekly -f html -o /tmp/weekly.html
    """
    from salesops.reports import summary as weekly_mod
    from salesops.reports.periods import parse_day
    from salesops.storage.workspace import today

    data = _setup(ctx, lang, fmt, WEEKLY_FORMATS)
    day = parse_day("--as-of", as_of, data.settings.date_order)
    result = weekly_mod.weekly(data, today(), week, day)
    doc = result.to_json()
    lang_, currency = data.settings.lang, data.settings.currency
    if fmt == "html":
        from salesops.reports.render_html import weekly_html

        write_out(weekly_html(doc, lang_, currency), output)
    elif fmt == "xlsx":
        from salesops.reports.render_xlsx import weekly_xlsx_bytes

        blob = weekly_xlsx_bytes(doc, lang_, currency)
        if output is None:
            if sys.stdout.isatty():
                raise UsageError("-f xlsx needs -o FILE (or a pipe)")
            sys.stdout.buffer.write(blob)
            sys.stdout.flush()
        else:
            try:
                output.write_bytes(blob)
            except OSError as exc:
                raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        from salesops.reports.render_text import weekly_sections

        _emit(data, fmt, output, doc, lambda f: weekly_sections(doc, lang_, f))
    if fail_on_overdue:
        _alert(*_overdue_count(data, doc["as_of"]), lang_)
