"""`report leaderboard --metric M`: reps ranked by what they reached in a period (业绩排行, SPEC 9.4).

Each rep's actual of the metric (the kpi figure of that name, attributed to
the deal's owner), their target (`reports.targetbook`) and attainment.
Reps rank by the actual, highest first; equal actuals share a rank (1, 2,
2, 4) and are listed by name. Every active rep who sells (role rep or
manager, or no role) is listed, and anyone else who reached something.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from salesops.i18n import N_, translate
from salesops.reports.data import NONE_KEY, ReportData
from salesops.reports.periods import Period
from salesops.reports.targetbook import REP, Subject, TargetBook, counted
from salesops.reports.targets import actual_figure, figure, metric_kind, ratio

SELLING_ROLES = (None, "rep", "manager")
TOP = 20  # bars in the chart
RANKED_BY = N_("Ranked by {metric}; equal figures share a rank.")


@dataclass
class LeaderboardResult:
    period: Period
    as_of: dt.date
    metric: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.period.start,
            "to": self.period.end,
            "as_of": self.as_of,
            "metric": self.metric,
            "rows": self.rows,
        }


def metric_of(text: str | None) -> str:
    """`--metric` (code or Chinese label) as a target metric code; bookings by default."""
    from salesops.errors import UsageError
    from salesops.i18n import _
    from salesops.schema import TARGET_METRIC

    if text is None:
        return "bookings"
    code = TARGET_METRIC.parse(text)
    if code is None:
        raise UsageError(
            _("--metric {value!r}: use one of {choices}").format(
                value=text, choices=", ".join(TARGET_METRIC.codes)
            )
        )
    return code


def leaderboard(
    data: ReportData, period: Period, as_of: dt.date, metric: str = "bookings"
) -> LeaderboardResult:
    """Reps ranked by their actual of `metric` in `period` as of `as_of`."""
    from salesops.reports.metrics import actuals

    book = TargetBook.from_data(data)
    reached = {
        k: v[metric] for k, v in actuals(data, period, as_of, "owner").items() if k != NONE_KEY
    }
    people = [r.key for r in book.reps if r.active and r.role in SELLING_ROLES]
    people += [k for k, v in reached.items() if v and k not in people]
    standing = sorted(people, key=lambda k: (-reached.get(k, 0), k))
    result = LeaderboardResult(period, as_of, metric)
    rank = 0
    previous = None
    for place, key in enumerate(standing, start=1):
        got = reached.get(key, 0)
        if got != previous:
            rank, previous = place, got
        rep = book.rep(key)
        goal = book.target(Subject(REP, key), metric, period)
        result.rows.append(
            {
                "rank": rank,
                "rep": key,
                "team": rep.team if rep else None,
                "actual": actual_figure(metric, got),
                "target": figure(metric, goal),
                "attainment": ratio(got, goal, metric),
            }
        )
    return result


def leaderboard_view(result: LeaderboardResult, lang: str, currency: str):
    """The ranking as one table and a bar chart of the first reps."""
    from salesops.reports.labels import label
    from salesops.reports.render import Chart, Column, Report, Section, Series
    from salesops.reports.views import span, subtitle

    kind = metric_kind(result.metric)
    columns = [
        Column("rank", label("rank", lang), "int"),
        Column("rep", label("rep", lang)),
        Column("team", label("team", lang)),
        Column("actual", label(result.metric, lang), kind),
        Column("target", label("target", lang), kind),
        Column("attainment", label("target_attainment", lang), "rate"),
    ]
    rows = [[r[c.key] for c in columns] for r in result.rows]
    note = translate(RANKED_BY, lang).format(metric=label(result.metric, lang))
    sec = Section("leaderboard", label("leaderboard", lang), columns, rows, notes=[note])
    top = result.rows[:TOP]
    chart = Chart(
        "bar",
        label(result.metric, lang),
        [r["rep"] for r in top],
        [Series(label(result.metric, lang), [r["actual"] for r in top])],
        unit="int" if counted(result.metric) else "money",
    )
    return Report(
        "leaderboard",
        f"{label('leaderboard', lang)} {span(result.period.start, result.period.end, lang)}",
        subtitle(lang, currency, result.as_of),
        lang,
        currency,
        [sec],
        [chart] if top else [],
        as_of=result.as_of,
    )
