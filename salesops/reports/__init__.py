"""Reports as a Python API: the same code the `salesops report …` commands render.

For notebooks::

    import salesops.reports as r
    r.aging("~/sales", as_of="2026-11-27", by="account")      # DataFrame
    r.kpi("~/sales", period="2026-Q3", by="owner")            # groups × metrics
    r.overdue("~/sales", min_days=30)
    r.funnel("~/sales", period="2026")                         # stages
    r.forecast("~/sales", months=6)
    r.weekly("~/sales", week="2026-W48")                       # dict of sections

`workspace` is a folder path or a `salesops.storage.workspace.Workspace`.
Dates may be `datetime.date` or text (`2026-11-27`); `as_of` defaults to today
(SALESOPS_TODAY honoured). Money in the returned frames is float rounded to
the cent (the reports sum integer cents); `*_report` functions return the full
result objects whose `.to_json()` is exactly what `-f json` prints.

Report modules (named apart from the API functions above): `periods`
(period options), `data` (frames and `--by` attribution), `metrics` (kpi),
`funnels`, `ar` (aging and overdue), `outlook` (forecast), `summary`
(weekly); `views`, `views_weekly` (each report as sections of typed columns and charts, in
one language), `render` (one renderer per format, shared by every report:
table, csv, markdown, html, xlsx, and chat for `robots`); `labels` (report
words, in the message catalogue).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from salesops.reports.data import ReportData
    from salesops.storage.workspace import Workspace

__all__ = [
    "aging",
    "aging_report",
    "forecast",
    "forecast_report",
    "funnel",
    "funnel_report",
    "kpi",
    "kpi_report",
    "overdue",
    "overdue_report",
    "report_data",
    "weekly",
    "weekly_report",
]


def report_data(workspace: str | Path | Workspace | ReportData) -> ReportData:
    """The frames of a workspace, read lazily (pass it to several reports to read files once)."""
    from salesops.reports.data import ReportData
    from salesops.storage.workspace import Workspace

    if isinstance(workspace, ReportData):
        return workspace
    if not isinstance(workspace, Workspace):
        workspace = Workspace(Path(workspace).expanduser().resolve())
    return ReportData(workspace)


def _day(data: ReportData, value: str | dt.date | None, option: str = "as_of") -> dt.date | None:
    from salesops.reports.periods import parse_day

    return parse_day(option, value, data.settings.date_order)


def _as_of(data: ReportData, value: str | dt.date | None) -> dt.date:
    from salesops.storage.workspace import today

    return _day(data, value) or today()


def kpi_report(
    workspace, *, period: str | None = None, start=None, end=None, as_of=None, by: str | None = None
):
    """KpiResult of SPEC `report kpi` (period default: the month of as-of)."""
    from salesops.reports import metrics as kpi_mod
    from salesops.reports.periods import resolve_period

    data = report_data(workspace)
    day = _as_of(data, as_of)
    span = resolve_period(day, _day(data, start, "from"), _day(data, end, "to"), period)
    return kpi_mod.compute(data, span, day, by)


def kpi(
    workspace, *, period: str | None = None, start=None, end=None, as_of=None, by: str | None = None
) -> pd.DataFrame:
    """KPIs: one row per `by` group plus the `(total)` row, one column per metric."""
    return kpi_report(workspace, period=period, start=start, end=end, as_of=as_of, by=by).frame()


def aging_report(workspace, *, as_of=None, by: str = "account"):
    """AgingResult of SPEC `report aging`."""
    from salesops.reports import ar as aging_mod

    data = report_data(workspace)
    return aging_mod.aging(data, _as_of(data, as_of), by)


def aging(workspace, *, as_of=None, by: str = "account") -> pd.DataFrame:
    """Outstanding per group (key, name) and bucket, with overdue and total columns."""
    return aging_report(workspace, as_of=as_of, by=by).frame()


def overdue_report(workspace, *, as_of=None, min_days: int = 1) -> list[dict[str, Any]]:
    """The JSON list of SPEC `report overdue`."""
    from salesops.reports import ar as aging_mod

    data = report_data(workspace)
    return aging_mod.overdue_records(aging_mod.overdue_frame(data, _as_of(data, as_of), min_days))


def overdue(workspace, *, as_of=None, min_days: int = 1) -> pd.DataFrame:
    """Overdue receivables, most days overdue first (money as float)."""
    from salesops.reports import ar as aging_mod

    data = report_data(workspace)
    df = aging_mod.overdue_frame(data, _as_of(data, as_of), min_days)
    for c in aging_mod.MONEY_FIELDS:
        df[c] = df[c].astype("float64") / 100
    return df


def funnel_report(
    workspace, *, period: str | None = None, start=None, end=None, as_of=None, by: str | None = None
):
    """FunnelResult of SPEC `report funnel`."""
    from salesops.reports import funnels as funnel_mod
    from salesops.reports.periods import resolve_period

    data = report_data(workspace)
    day = _as_of(data, as_of)
    span = resolve_period(day, _day(data, start, "from"), _day(data, end, "to"), period)
    return funnel_mod.funnel(data, span, day, by)


def funnel(
    workspace, *, period: str | None = None, start=None, end=None, as_of=None, by: str | None = None
) -> pd.DataFrame:
    """Opportunity funnel: per stage reached, conversion, median days, open, lost."""
    return funnel_report(workspace, period=period, start=start, end=end, as_of=as_of, by=by).frame()


def forecast_report(workspace, *, as_of=None, months: int = 3, by: str | None = None):
    """ForecastResult of SPEC `report forecast`."""
    from salesops.reports import outlook as forecast_mod

    data = report_data(workspace)
    return forecast_mod.forecast(data, _as_of(data, as_of), months, by)


def forecast(workspace, *, as_of=None, months: int = 3, by: str | None = None) -> pd.DataFrame:
    """Per month: deals, open and weighted pipeline, receivables and expected cash; then overdue, later, undated."""
    return forecast_report(workspace, as_of=as_of, months=months, by=by).frame()


def weekly_report(workspace, *, week: str | None = None, as_of=None, today=None):
    """WeeklyResult of SPEC `report weekly` (`.to_json()` is the JSON document)."""
    from salesops.reports import summary as weekly_mod
    from salesops.storage.workspace import today as today_fn

    data = report_data(workspace)
    return weekly_mod.weekly(
        data, _day(data, today, "today") or today_fn(), week, _day(data, as_of)
    )


def weekly(workspace, *, week: str | None = None, as_of=None) -> dict[str, Any]:
    """The weekly summary: list sections as DataFrames, headline as a DataFrame, the rest as values."""
    import pandas as pd

    out: dict[str, Any] = {}
    for key, value in weekly_report(workspace, week=week, as_of=as_of).to_json().items():
        if key == "headline":
            out[key] = pd.DataFrame(value).T
        elif isinstance(value, list):
            out[key] = pd.DataFrame(value)
        else:
            out[key] = value
    return out
