"""Report periods (`--period`, `--from/--to`, ISO weeks) and output formatting helpers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesops.errors import UsageError
from salesops.reports.periods import (
    Period,
    last_complete_week,
    parse_period,
    parse_week,
    resolve_period,
    week_label,
    weekly_period,
)

D = dt.date


@pytest.mark.parametrize(
    "text,start,end",
    [
        ("2026", D(2026, 1, 1), D(2026, 12, 31)),
        ("2026-Q1", D(2026, 1, 1), D(2026, 3, 31)),
        ("2026-q3", D(2026, 7, 1), D(2026, 9, 30)),
        ("2026-Q4", D(2026, 10, 1), D(2026, 12, 31)),
        ("2026-02", D(2026, 2, 1), D(2026, 2, 28)),
        ("2024-2", D(2024, 2, 1), D(2024, 2, 29)),
        ("2026-W48", D(2026, 11, 23), D(2026, 11, 29)),
        ("2026-W01", D(2025, 12, 29), D(2026, 1, 4)),  # ISO week 1 starts in the previous year
        ("2026-W53", D(2026, 12, 28), D(2027, 1, 3)),
        ("2020W53", D(2020, 12, 28), D(2021, 1, 3)),
    ],
)
def test_parse_period(text, start, end):
    assert parse_period(text) == Period(start, end)


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-Q5", "2025-W53", "2026-W00", "last month", "26-11", ""]
)
def test_bad_periods_are_usage_errors(text):
    with pytest.raises(UsageError):
        parse_period(text)


def test_resolve_period_defaults_and_combinations():
    as_of = D(2026, 11, 27)
    assert resolve_period(as_of) == Period(D(2026, 11, 1), D(2026, 11, 30))
    assert resolve_period(as_of, start=D(2026, 10, 15)) == Period(D(2026, 10, 15), as_of)
    assert resolve_period(as_of, end=D(2026, 9, 20)) == Period(D(2026, 9, 1), D(2026, 9, 20))
    assert resolve_period(as_of, D(2026, 1, 1), D(2026, 1, 31)).days == 31
    with pytest.raises(UsageError):
        resolve_period(as_of, D(2026, 2, 1), D(2026, 1, 1))
    with pytest.raises(UsageError):
        resolve_period(as_of, D(2026, 1, 1), None, "2026")


def test_weekly_period():
    friday = D(2026, 11, 27)
    assert last_complete_week(friday) == Period(D(2026, 11, 16), D(2026, 11, 22))
    assert last_complete_week(D(2026, 11, 23)) == Period(
        D(2026, 11, 16), D(2026, 11, 22)
    )  # a Monday
    assert last_complete_week(D(2026, 11, 22)) == Period(
        D(2026, 11, 9), D(2026, 11, 15)
    )  # a Sunday: week not over
    assert weekly_period(friday, as_of=friday) == Period(D(2026, 11, 21), friday)
    assert weekly_period(friday, week="2026-W48") == parse_week("2026-W48")
    assert Period(D(2026, 11, 16), D(2026, 11, 22)).previous() == Period(
        D(2026, 11, 9), D(2026, 11, 15)
    )
    with pytest.raises(UsageError):
        weekly_period(friday, week="2026-11")


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2099, 12, 31)))
def test_every_day_lies_in_its_iso_week(day):
    span = parse_week(week_label(day))
    assert span.start <= day <= span.end and span.start.weekday() == 0 and span.days == 7
    last = last_complete_week(day)
    assert last.end < day and (day - last.end).days <= 7 and last.start.weekday() == 0


def test_money_and_rate_formatting():
    from salesops.reports.render.cells import fmt_days, fmt_money, fmt_rate

    assert fmt_money(Decimal("1234567.5"), "CNY") == "¥1,234,567.50"
    assert fmt_money(Decimal("-12.3"), "USD") == "-$12.30"
    assert fmt_money(Decimal("5"), "CHF") == "5.00 CHF"
    assert fmt_money(None, "CNY") == "—"
    assert fmt_rate(0.4567) == "45.7%" and fmt_rate(None) == "—"
    assert fmt_days(3.0) == "3" and fmt_days(3.5) == "3.5"


def test_labels_in_both_languages():
    from salesops.reports.labels import bucket_label, label, stage_label

    assert label("bookings", "zh") == "签约金额" and label("bookings") == "Bookings"
    assert label("due_date", "zh") == "到期日"  # register columns come from the schema
    assert label("receivable_id") == "Receivable ID"
    assert bucket_label("180+", "zh") == "180天以上" and bucket_label("1-30", "zh") == "1-30天"
    assert bucket_label("not_due", "zh") == "未到期"
    assert (
        stage_label("negotiation", "zh") == "商务谈判"
        and stage_label("negotiation") == "negotiation"
    )


def test_report_commands_have_help(cli):
    out = cli("report", "--help", check=0).stdout
    for name in ("kpi", "funnel", "aging", "overdue", "forecast", "weekly"):
        assert name in out
    weekly = cli("report", "weekly", "--help", check=0).stdout
    assert "--fail-on-overdue" in weekly and "--week" in weekly and "html" in weekly
