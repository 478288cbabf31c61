"""`report targets`: each target of a period beside what was reached (SPEC 9.4).

For the company (default), each team (`--by team`) or each rep (`--by rep`)
and each metric with a target at that level: the target (the calendar-exact
rule of `reports.targetbook`), the actual (the kpi figure of the same name,
as of as-of), attainment = actual ÷ target, gap = target − actual (negative
once the target is passed), and the run rate: the actual carried to the
period's end at the pace so far (actual × days in the period ÷ days elapsed
by as-of; the actual itself once the period is over).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from salesops.i18n import N_, translate
from salesops.reports.cents import round_half_up
from salesops.reports.data import NONE_KEY, ReportData
from salesops.reports.periods import Period
from salesops.reports.targetbook import (
    COMPANY,
    METRICS,
    REP,
    TEAM,
    Subject,
    TargetBook,
    counted,
)

LEVELS = {"company": COMPANY, "team": TEAM, "rep": REP, "owner": REP}
# the kpi grouping whose figures are the actuals of each level
BY_KEY = {COMPANY: None, TEAM: "team", REP: "owner"}
NO_TARGETS = N_(
    "No targets set for this period: add them to the targets register or the reps' monthly_target."
)
RUN_RATE_NOTE = N_(
    "Run rate: the actual at the pace of the {elapsed} of {days} days elapsed, carried to the period's end."
)


def level_of(by: str | None) -> str:
    """`--by company|team|rep` (also `owner`) as a target scope."""
    from salesops.errors import UsageError
    from salesops.i18n import _

    key = (by or COMPANY).strip().casefold()
    if key not in LEVELS:
        raise UsageError(_("--by {value!r}: use company, team or rep").format(value=by))
    return LEVELS[key]


def elapsed_days(period: Period, as_of: dt.date) -> int:
    """Days of the period up to and including as-of (0 before it starts)."""
    if as_of < period.start:
        return 0
    return (min(as_of, period.end) - period.start).days + 1


def figure(metric: str, hundredths: int | None) -> Decimal | int | None:
    """A target in hundredths as shown: money with two places, a count as a whole number where it is one."""
    if hundredths is None:
        return None
    value = Decimal(hundredths).scaleb(-2)
    if counted(metric) and hundredths % 100 == 0:
        return hundredths // 100
    return value


def actual_figure(metric: str, value: int) -> Decimal | int:
    """An actual (cents or a count) as shown."""
    return value if counted(metric) else Decimal(value).scaleb(-2)


def run_rate(metric: str, actual: int, period: Period, elapsed: int) -> Decimal | int | None:
    """The actual carried to the period's end at the pace so far (in the metric's unit)."""
    if elapsed <= 0:
        return None
    unit = 100 if counted(metric) else 1  # a count's run rate is kept to hundredths
    return figure(metric, round_half_up(Fraction(actual * unit * period.days, elapsed)))


def attained(actual: int, target: int | None, metric: str) -> Fraction | None:
    """actual ÷ target, exactly (an actual in cents or records, a target in hundredths)."""
    if not target:
        return None
    return Fraction(actual * (100 if counted(metric) else 1), target)


def ratio(actual: int, target: int | None, metric: str) -> float | None:
    """actual ÷ target as a fraction for people and JSON (None without a target)."""
    got = attained(actual, target, metric)
    return None if got is None else float(got)


@dataclass
class TargetsResult:
    """Targets against actuals of one period, at one level."""

    period: Period
    as_of: dt.date
    by: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def elapsed(self) -> int:
        return elapsed_days(self.period, self.as_of)

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.period.start,
            "to": self.period.end,
            "as_of": self.as_of,
            "by": self.by,
            "days": self.period.days,
            "elapsed_days": self.elapsed,
            "rows": self.rows,
        }


def subjects(book: TargetBook, level: str, reached: dict[str, dict[str, int]]) -> list[Subject]:
    """The subjects of a level: the company; every team; every rep (then owners who reached something)."""
    if level == COMPANY:
        return [Subject(COMPANY)]
    if level == TEAM:
        names = book.teams()
    else:
        names = book.rep_keys()
    names = list(dict.fromkeys([*names, *(k for k in reached if k != NONE_KEY)]))
    return [Subject(level, n) for n in names]


def targets(
    data: ReportData,
    period: Period,
    as_of: dt.date,
    by: str | None = None,
    metric: str | None = None,
) -> TargetsResult:
    """Each target of `period` at the level `by` (company, team, rep) with its actual as of `as_of`."""
    from salesops.reports.metrics import actuals

    level = level_of(by)
    book = TargetBook.from_data(data)
    reached = actuals(data, period, as_of, BY_KEY[level])
    result = TargetsResult(period, as_of, level)
    elapsed = result.elapsed
    people = subjects(book, level, reached)
    for m in [metric] if metric else METRICS:
        goals = {s: book.target(s, m, period) for s in people}
        if metric is None and all(g is None for g in goals.values()):
            continue  # nobody at this level has a target of this metric
        for s in people:
            key = NONE_KEY if level == COMPANY else s.who
            got = reached.get(key or NONE_KEY, {}).get(m, 0)
            goal = goals[s]
            if goal is None and not got:
                continue
            rep = book.rep(s.who) if level == REP and s.who else None
            result.rows.append(
                {
                    "scope": level,
                    "who": s.who,
                    "team": rep.team if rep else None,
                    "metric": m,
                    "target": figure(m, goal),
                    "actual": actual_figure(m, got),
                    "attainment": ratio(got, goal, m),
                    "gap": None
                    if goal is None
                    else figure(m, goal - got * (100 if counted(m) else 1)),
                    "run_rate": run_rate(m, got, period, elapsed),
                }
            )
    return result


# ---------------------------------------------------------------- view


def metric_kind(metric: str) -> str:
    """How a target metric's values read: money, or a count that may be fractional (prorated)."""
    return "days" if counted(metric) else "money"


def targets_view(result: TargetsResult, lang: str, currency: str):
    """A table per metric: each subject's target, actual, attainment, gap and run rate; a chart of the first."""
    from salesops.reports.labels import label
    from salesops.reports.render import Chart, Column, Report, Section, Series
    from salesops.reports.views import span, subtitle

    secs = []
    charts = []
    metrics = list(dict.fromkeys(r["metric"] for r in result.rows))
    for m in metrics:
        rows = [r for r in result.rows if r["metric"] == m]
        kind = metric_kind(m)
        first = Column("who", label(result.by if result.by != COMPANY else "scope", lang))
        columns = [first]
        if result.by == REP:
            columns.append(Column("team", label("team", lang)))
        columns += [
            Column("target", label("target", lang), kind),
            Column("actual", label("actual", lang), kind),
            Column("attainment", label("target_attainment", lang), "rate"),
            Column("gap", label("gap", lang), kind),
            Column("run_rate", label("run_rate", lang), kind),
        ]
        table = []
        for r in rows:
            who = r["who"] if r["who"] is not None else label("company", lang)
            cells = [who] + ([r["team"]] if result.by == REP else [])
            table.append(
                cells + [r[k] for k in ("target", "actual", "attainment", "gap", "run_rate")]
            )
        title = label(m, lang)
        secs.append(Section(m, title, columns, table))
        if not charts and len(rows) > 0:
            charts.append(
                Chart(
                    "bar",
                    title,
                    [c[0] for c in table],
                    [
                        Series(label("target", lang), [r["target"] for r in rows]),
                        Series(label("actual", lang), [r["actual"] for r in rows]),
                    ],
                    unit="money" if kind == "money" else "int",
                )
            )
    notes = [translate(RUN_RATE_NOTE, lang).format(elapsed=result.elapsed, days=result.period.days)]
    if not secs:
        notes = [translate(NO_TARGETS, lang)]
        secs.append(
            Section("targets", label("targets", lang), [Column("who", label("scope", lang))], [])
        )
    secs[-1].notes.extend(notes)
    return Report(
        "targets",
        f"{label('targets', lang)} {span(result.period.start, result.period.end, lang)}",
        subtitle(lang, currency, result.as_of, None if result.by == COMPANY else result.by),
        lang,
        currency,
        secs,
        charts,
        as_of=result.as_of,
    )
