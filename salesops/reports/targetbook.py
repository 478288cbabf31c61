"""What each subject — the company, a team, a rep — is to reach in a period (SPEC 6 and 9.4).

The targets register sets a value per subject, metric and calendar unit (a
year `2026`, a quarter `2026-Q4`, a month `2026-11`); a rep's
`monthly_target` (reps) is a bookings target of that rep for every month.

The rule, calendar-exact:

* A calendar year, quarter or month takes exactly the target set for it.
  A quarter or year with none set takes the sum of its quarters or months.
  A month with none set takes its share of the quarter's (a third) or else of
  the year's (a twelfth) target, the cents split so the shares add up to it
  exactly; else the target of the level below.
* The level below: a company without targets of a metric takes the sum of
  its teams' (and of reps without a team); a team, the sum of its reps'; a
  rep, the `monthly_target` for bookings (active reps only).
* Any other range is cut into whole calendar years, quarters and months
  (each taken as above) and partial months, each of which takes its month's
  target × the share of that month's days inside the range. The sum is
  rounded to the cent once.

Values are integer hundredths: cents for money metrics, hundredths of a
record for counted ones (`new_leads`, `won_count`). Pure: records in,
figures out; `TargetBook.from_data` reads them from a `ReportData`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from salesops.reports.cents import round_half_up
from salesops.reports.periods import Period
from salesops.schema import COUNT_METRICS, TARGET_METRIC, parse_period

if TYPE_CHECKING:
    from salesops.reports.data import ReportData

METRICS = TARGET_METRIC.codes
COMPANY = "company"
TEAM = "team"
REP = "rep"


@dataclass(frozen=True)
class Rep:
    """A person of the reps register, as targets see them."""

    key: str  # the name people know them by (rep_id when nameless): the owner key of reports
    rep_id: str | None
    team: str | None
    region: str | None
    role: str | None
    active: bool
    monthly: int | None  # monthly_target in cents


@dataclass(frozen=True)
class Subject:
    """Who a target is for: (`company`, None), (`team`, team name) or (`rep`, rep key)."""

    scope: str
    who: str | None = None


def counted(metric: str) -> bool:
    """Whether the metric counts records (its values are whole numbers, not money)."""
    return metric in COUNT_METRICS


def share(total: int, parts: int, index: int) -> int:
    """Part `index` of `total` split in `parts` equal parts to the unit; the first parts take the remainder."""
    base, extra = divmod(total, parts)
    return base + (1 if index < extra else 0)


def calendar_pieces(period: Period) -> Iterator[tuple[str, int, int, Fraction]]:
    """The period as whole calendar units and partial months: (kind Y|Q|M, year, number, share)."""
    day, end = period.start, period.end
    while day <= end:
        y, m = day.year, day.month
        month_days = calendar.monthrange(y, m)[1]
        month_end = day.replace(day=month_days)
        if day.day == 1 and m == 1 and dt.date(y, 12, 31) <= end:
            yield "Y", y, 0, Fraction(1)
            if y == dt.MAXYEAR:
                return
            day = dt.date(y + 1, 1, 1)
            continue
        quarter_end = _quarter_end(y, (m - 1) // 3 + 1)
        if day.day == 1 and m % 3 == 1 and quarter_end <= end:
            yield "Q", y, (m - 1) // 3 + 1, Fraction(1)
            day = quarter_end
        elif day.day == 1 and month_end <= end:
            yield "M", y, m, Fraction(1)
            day = month_end
        else:
            last = min(month_end, end)
            yield "M", y, m, Fraction((last - day).days + 1, month_days)
            day = last
        if day == dt.date.max:
            return
        day += dt.timedelta(days=1)


def _quarter_end(year: int, quarter: int) -> dt.date:
    month = 3 * quarter
    return dt.date(year, month, calendar.monthrange(year, month)[1])


class TargetBook:
    """Every target of a workspace: the register's rows and the reps' monthly targets."""

    def __init__(
        self, rows: Iterable[tuple[str, str, str | None, str, int]], reps: Iterable[Rep]
    ) -> None:
        """`rows`: (period, scope, who, metric, hundredths) as in the targets register."""
        self.reps: list[Rep] = list(reps)
        self._rep_keys: dict[str, str] = {}
        for rep in self.reps:
            for alias in (rep.key, rep.rep_id):
                if alias:
                    self._rep_keys.setdefault(alias.strip().casefold(), rep.key)
        self._teams: dict[str, str] = {}  # casefolded → as written in reps (else in targets)
        for rep in self.reps:
            if rep.team:
                self._teams.setdefault(rep.team.strip().casefold(), rep.team.strip())
        self._set: dict[tuple[Subject, str], dict[str, int]] = {}
        self._years: set[int] = set()
        extra_reps: list[str] = []
        for period, scope, who, metric, amount in rows:
            canon = parse_period(period or "")
            if (
                canon is None
                or scope not in (COMPANY, TEAM, REP)
                or metric not in METRICS
                or amount is None
            ):
                continue  # validate reports it; a report cannot use it
            subject = self.subject(scope, who)
            if subject is None:
                continue
            if scope == REP and subject.who not in {r.key for r in self.reps} | set(extra_reps):
                extra_reps.append(subject.who)
            # the first row of a subject, metric and period wins (validate reports the others)
            self._set.setdefault((subject, metric), {}).setdefault(canon, int(amount))
            self._years.add(int(canon[:4]))
        self._extra_reps = extra_reps
        self._memo: dict[tuple, int | None] = {}

    @classmethod
    def from_data(cls, data: ReportData) -> TargetBook:
        """The targets and reps of a workspace's report data."""
        reps = data.frame("reps", ["name", "team", "region", "role", "active", "monthly_target"])
        people = []
        for rid, name, team, region, role, active, monthly in zip(
            reps["rep_id"],
            reps["name"],
            reps["team"],
            reps["region"],
            reps["role"],
            reps["active"],
            reps["monthly_target"],
            strict=True,
        ):
            key = _text(name) or _text(rid)
            if key is None:
                continue
            people.append(
                Rep(
                    key,
                    _text(rid),
                    _text(team),
                    _text(region),
                    _text(role),
                    _is_na(active) or bool(active),  # an empty `active` is active
                    None if _is_na(monthly) else int(monthly),
                )
            )
        t = data.frame("targets", ["period", "scope", "who", "metric", "amount"])
        rows = zip(
            t["period"],
            t["scope"],
            t["who"],
            t["metric"],
            [None if _is_na(a) else int(a) for a in t["amount"]],
            strict=True,
        )
        return cls(rows, people)

    # ------------------------------------------------------------ subjects

    def subject(self, scope: str, who: str | None) -> Subject | None:
        """The subject a register row or an option names (reps by rep_id or name, teams in any case)."""
        if scope == COMPANY:
            return Subject(COMPANY)
        text = _text(who)
        if text is None:
            return None
        if scope == TEAM:
            return Subject(TEAM, self._teams.setdefault(text.casefold(), text))
        return Subject(REP, self._rep_keys.get(text.casefold(), text))

    def teams(self) -> list[str]:
        """Every team: of the reps, then of team targets."""
        return list(dict.fromkeys(self._teams.values()))

    def rep_keys(self) -> list[str]:
        """Every rep: of the reps register, then people named only by rep targets."""
        return [r.key for r in self.reps] + self._extra_reps

    def rep(self, key: str) -> Rep | None:
        return next((r for r in self.reps if r.key == key), None)

    def _members(self, subject: Subject) -> list[Subject]:
        """The subjects one level below (whose targets make this one's when it has none)."""
        if subject.scope == COMPANY:
            teamless = [r.key for r in self.reps if not r.team] + self._extra_reps
            return [Subject(TEAM, t) for t in self.teams()] + [Subject(REP, k) for k in teamless]
        if subject.scope == TEAM:
            folded = (subject.who or "").casefold()
            return [
                Subject(REP, r.key)
                for r in self.reps
                if r.team and r.team.strip().casefold() == folded
            ]
        return []

    # ------------------------------------------------------------ the rule

    def target(self, subject: Subject, metric: str, period: Period) -> int | None:
        """The subject's target of `metric` over `period` in hundredths (None: no target at all)."""
        # reps named by rep_id or name, teams in any case
        subject = self.subject(subject.scope, subject.who) or subject
        total = Fraction(0)
        seen = False
        for kind, year, number, part in calendar_pieces(period):
            value = self._unit(subject, metric, kind, year, number)
            if value is not None:
                seen = True
                total += value * part
        return round_half_up(total) if seen else None

    def _unit(self, subject: Subject, metric: str, kind: str, year: int, number: int) -> int | None:
        if kind == "Y":
            return self._year(subject, metric, year)
        if kind == "Q":
            return self._quarter(subject, metric, year, number)
        return self._month(subject, metric, year, number)

    def _year(self, subject: Subject, metric: str, year: int) -> int | None:
        own = self._set.get((subject, metric), {}).get(f"{year:04d}")
        if own is not None:
            return own
        return _sum(self._quarter(subject, metric, year, q) for q in range(1, 5))

    def _quarter(self, subject: Subject, metric: str, year: int, quarter: int) -> int | None:
        own = self._set.get((subject, metric), {}).get(f"{year:04d}-Q{quarter}")
        if own is not None:
            return own
        return _sum(
            self._month(subject, metric, year, m) for m in range(3 * quarter - 2, 3 * quarter + 1)
        )

    def _month(self, subject: Subject, metric: str, year: int, month: int) -> int | None:
        # a year no target row names takes the same value every month (the level below's)
        key = (subject, metric, year, month) if year in self._years else (subject, metric)
        if key in self._memo:
            return self._memo[key]
        table = self._set.get((subject, metric), {})
        quarter = (month - 1) // 3 + 1
        value: int | None
        if (own := table.get(f"{year:04d}-{month:02d}")) is not None:
            value = own
        elif (q := table.get(f"{year:04d}-Q{quarter}")) is not None:
            value = share(q, 3, (month - 1) % 3)
        elif (y := table.get(f"{year:04d}")) is not None:
            value = share(y, 12, month - 1)
        elif subject.scope == REP:
            rep = self.rep(subject.who or "")
            ok = metric == "bookings" and rep is not None and rep.active and rep.monthly is not None
            value = rep.monthly if ok else None
        else:
            value = _sum(self._month(s, metric, year, month) for s in self._members(subject))
        self._memo[key] = value
        return value


def _sum(values: Iterable[int | None]) -> int | None:
    """The sum of the values that are set; None when none is."""
    got = [v for v in values if v is not None]
    return sum(got) if got else None


def _is_na(value) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value) -> str | None:
    if _is_na(value):
        return None
    text = str(value).strip()
    return text or None
