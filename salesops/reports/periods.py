"""Report periods: `--from/--to`, `--period 2026|2026-Q3|2026-11|2026-W48`, `--week`, `--as-of`.

Every period is an inclusive pair of dates. Nothing here reads a clock:
callers pass today (``storage.workspace.today()`` honours SALESOPS_TODAY).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from salesops.errors import UsageError
from salesops.i18n import _

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    """An inclusive range of dates."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    def label(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def month_of(day: dt.date) -> Period:
    """The calendar month holding `day`."""
    last = calendar.monthrange(day.year, day.month)[1]
    return Period(day.replace(day=1), day.replace(day=last))


def add_months(day: dt.date, n: int) -> dt.date:
    """The first day of the month `n` months after the month of `day`."""
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def iso_week(year: int, week: int) -> Period:
    """Monday to Sunday of ISO week `week` of `year`."""
    try:
        monday = dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise UsageError(
            _("{week} is not an ISO week ({year} has weeks 1–{last})").format(
                week=f"{year}-W{week:02d}", year=year, last=weeks_in_year(year)
            )
        ) from None
    return Period(monday, monday + dt.timedelta(days=6))


def weeks_in_year(year: int) -> int:
    return dt.date(year, 12, 28).isocalendar()[1]


def week_label(day: dt.date) -> str:
    """`2026-W48` for any day of that ISO week."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def last_complete_week(today: dt.date) -> Period:
    """The last ISO week (Monday–Sunday) that ended before `today`."""
    this_monday = today - dt.timedelta(days=today.weekday())
    return Period(this_monday - dt.timedelta(days=7), this_monday - dt.timedelta(days=1))


def parse_period(text: str) -> Period:
    """`2026`, `2026-Q3`, `2026-11` or `2026-W48` (inclusive)."""
    raw = text.strip()
    if m := _YEAR.match(raw):
        year = int(m.group(1))
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))
    if m := _QUARTER.match(raw):
        year, q = int(m.group(1)), int(m.group(2))
        start = dt.date(year, 3 * q - 2, 1)
        return Period(start, add_months(start, 3) - dt.timedelta(days=1))
    if m := _MONTH.match(raw):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise UsageError(_("--period {text}: month {month} is not 1–12").format(text=repr(text), month=month))
        return month_of(dt.date(year, month, 1))
    if m := _WEEK.match(raw):
        return iso_week(int(m.group(1)), int(m.group(2)))
    raise UsageError(
        _("--period {text} is not a year, quarter, month or ISO week (2026, 2026-Q3, 2026-11, 2026-W48)").format(
            text=repr(text)
        )
    )


def parse_week(text: str) -> Period:
    """`--week 2026-W48` (also `2026W48`)."""
    m = _WEEK.match(text.strip())
    if not m:
        raise UsageError(_("--week {text} is not an ISO week like 2026-W48").format(text=repr(text)))
    return iso_week(int(m.group(1)), int(m.group(2)))


def parse_day(option: str, text: str | dt.date | None, date_order: str = "MDY") -> dt.date | None:
    """A date option (`--as-of`, `--from`, `--to`) in any accepted spelling."""
    if text is None or isinstance(text, dt.date):
        return text
    from salesops import values

    try:
        day = values.parse_date(text, date_order)
    except values.BadValue as exc:
        raise UsageError(_('{option} "{text}" {reason}').format(option=option, text=text, reason=exc)) from None
    if day is None:
        raise UsageError(_("{option} needs a date").format(option=option))
    return day


def resolve_period(
    as_of: dt.date,
    start: dt.date | None = None,
    end: dt.date | None = None,
    period: str | None = None,
) -> Period:
    """The report period: `--period`, else `--from/--to`, else the month of as-of.

    `--from` alone runs to as-of; `--to` alone starts on the first of its month.
    """
    if period and (start or end):
        raise UsageError(_("give either --period or --from/--to, not both"))
    if period:
        return parse_period(period)
    if start is None and end is None:
        return month_of(as_of)
    if start is None:
        start = end.replace(day=1)
    if end is None:
        end = max(as_of, start)
    if start > end:
        raise UsageError(_("--from {start} is after --to {end}").format(start=start, end=end))
    return Period(start, end)


def weekly_period(today: dt.date, week: str | None = None, as_of: dt.date | None = None) -> Period:
    """The week of the weekly report: `--week`, else the 7 days ending `--as-of`, else the last complete ISO week."""
    if week and as_of:
        raise UsageError(_("give either --week or --as-of, not both"))
    if week:
        return parse_week(week)
    if as_of:
        return Period(as_of - dt.timedelta(days=6), as_of)
    return last_complete_week(today)
