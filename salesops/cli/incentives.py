"""Commands: `report targets`, `report leaderboard` and `report commission` (SPEC 9.4).

Like every report: the options parsed here, the figures computed in
`salesops.reports`, every format rendered by the shared renderers.
"""

from __future__ import annotations

from typing import Annotated

import typer

from salesops.cli.app import report_app
from salesops.cli.common import LangOpt, OutputOpt
from salesops.cli.reports import (
    AsOfOpt,
    FromOpt,
    PeriodOpt,
    PostOpt,
    ReportFormatOpt,
    ToOpt,
    _period_report,
)

MetricOpt = Annotated[
    str | None,
    typer.Option(
        "--metric",
        metavar="METRIC",
        help="bookings, collections, won_amount, new_leads or won_count (or 中文).",
    ),
]


@report_app.command("targets")
def targets_cmd(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    period: PeriodOpt = None,
    by: Annotated[
        str,
        typer.Option("--by", metavar="LEVEL", help="company (default), team or rep."),
    ] = "company",
    metric: MetricOpt = None,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
    lang: LangOpt = None,
    post: PostOpt = None,
) -> None:
    """Each target of the period: target, actual, attainment, gap and run rate to the period's end."""
    from salesops.reports.leaderboard import metric_of
    from salesops.reports.targets import level_of, targets, targets_view

    level_of(by)  # a bad --by is a usage error before anything is read
    code = metric_of(metric) if metric else None
    when = (as_of, start, end, period)
    _period_report(ctx, lang, fmt, output, post, when, targets, targets_view, by, code)


@report_app.command("commission")
def commission_cmd(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    period: PeriodOpt = None,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
    lang: LangOpt = None,
    post: PostOpt = None,
) -> None:
    """Each rep's commission for the period by their plan: basis, tier, rate, clawback, and every line it comes from (-f xlsx for payroll)."""
    from salesops.reports.commission import commission, commission_view

    when = (as_of, start, end, period)
    _period_report(ctx, lang, fmt, output, post, when, commission, commission_view)


@report_app.command("leaderboard")
def leaderboard_cmd(
    ctx: typer.Context,
    metric: MetricOpt = None,
    as_of: AsOfOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    period: PeriodOpt = None,
    fmt: ReportFormatOpt = "table",
    output: OutputOpt = None,
    lang: LangOpt = None,
    post: PostOpt = None,
) -> None:
    """Reps ranked by a metric in the period (default bookings), with their target and attainment."""
    from salesops.reports.leaderboard import leaderboard, leaderboard_view, metric_of

    code = metric_of(metric)
    when = (as_of, start, end, period)
    _period_report(ctx, lang, fmt, output, post, when, leaderboard, leaderboard_view, code)
