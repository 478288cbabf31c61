"""`report kpi`: every metric against a naive loop over a hand-made company; groups add up."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from tests.test_reports_company import AS_OF, build_company, naive_kpi

ADDITIVE = (
    "new_leads",
    "converted_leads",
    "new_opportunities",
    "won",
    "won_amount",
    "lost",
    "contracts_signed",
    "bookings",
    "collections",
    "pipeline_value",
    "weighted_pipeline",
    "csat_responses",
    "ar_outstanding",
    "overdue_amount",
    "target",
)
MONEY = {
    "won_amount",
    "bookings",
    "collections",
    "pipeline_value",
    "weighted_pipeline",
    "ar_outstanding",
    "overdue_amount",
    "target",
}


def _c(value) -> int:
    return int(Decimal(str(value)) * 100)


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    return build_company(tmp_path_factory.mktemp("kpi") / "ws", "csv")


@pytest.fixture(scope="module")
def company_xlsx(tmp_path_factory):
    return build_company(tmp_path_factory.mktemp("kpix") / "ws", "xlsx")


def _check_totals(metrics: dict, start: dt.date, end: dt.date, as_of: dt.date) -> None:
    want = naive_kpi(start, end, as_of)
    for name in ADDITIVE:
        got = metrics[name]
        assert (_c(got) if name in MONEY else got) == want[name], name
    assert metrics["sales_cycle_days"] == want["sales_cycle_days"]
    assert (
        metrics["csat_avg"] == pytest.approx(want["csat_avg"])
        if want["csat_avg"] is not None
        else metrics["csat_avg"] is None
    )
    assert metrics["dso_days"] == pytest.approx(want["dso_days"])
    assert metrics["win_rate"] == pytest.approx(want["won"] / (want["won"] + want["lost"]))
    assert metrics["lead_conversion_rate"] == pytest.approx(
        want["converted_leads"] / want["new_leads"]
    )
    assert metrics["overdue_ratio"] == pytest.approx(
        want["overdue_amount"] / want["ar_outstanding"]
    )
    assert metrics["target_attainment"] == pytest.approx(want["bookings"] / want["target"])
    if want["won"]:
        assert _c(metrics["avg_won_amount"]) == round(want["won_amount"] / want["won"])


@pytest.mark.parametrize(
    "period,start,end,as_of",
    [
        ("2026-11", dt.date(2026, 11, 1), dt.date(2026, 11, 30), AS_OF),
        ("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31), AS_OF),
        ("2026-W47", dt.date(2026, 11, 16), dt.date(2026, 11, 22), dt.date(2026, 11, 22)),
        ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31), dt.date(2026, 12, 31)),
    ],
)
def test_kpi_totals_match_a_naive_count(company, period, start, end, as_of):
    import salesops.reports as reports

    r = reports.kpi_report(company, period=period, as_of=as_of).to_json()
    assert (r["from"], r["to"], r["as_of"], r["by"]) == (start, end, as_of, None)
    assert r["groups"] == []
    if naive_kpi(start, end, as_of)["won"] + naive_kpi(start, end, as_of)["lost"]:
        _check_totals(r["metrics"], start, end, as_of)


def test_kpi_reads_xlsx_registers_the_same(company, company_xlsx):
    import salesops.reports as reports

    a = reports.kpi_report(company, period="2026-Q4", as_of=AS_OF).to_json()
    b = reports.kpi_report(company_xlsx, period="2026-Q4", as_of=AS_OF).to_json()
    assert a == b


@pytest.mark.parametrize(
    "by", ["owner", "team", "region", "source", "account", "stage", "Segment", "competitor"]
)
def test_groups_add_up_to_the_totals(company, by):
    import salesops.reports as reports

    r = reports.kpi_report(company, period="2026-Q4", as_of=AS_OF, by=by).to_json()
    assert r["groups"], by
    for name in ADDITIVE:
        total = r["metrics"][name]
        values = [g["metrics"][name] for g in r["groups"]]
        if name == "target" and by not in ("owner", "team", "region"):
            # targets are set for the company, teams and reps: other groupings have none
            assert values == [None] * len(values) and total is not None, by
            continue
        if name in MONEY:
            assert sum(_c(v) for v in values if v is not None) == (
                _c(total) if total is not None else 0
            ), (by, name)
        else:
            assert sum(values) == total, (by, name)


def test_owner_groups_resolve_rep_ids_and_names(company):
    """`s-1` (Alice's rep_id, other case) groups under Alice; an unknown owner keeps its name; no owner → (none)."""
    import salesops.reports as reports

    r = reports.kpi_report(company, period="2026-Q4", as_of=AS_OF, by="owner").to_json()
    groups = {g["key"]: g["metrics"] for g in r["groups"]}
    assert list(groups) == ["Alice", "Bob", "Carol", "Dave", "(none)"]
    assert groups["Alice"]["won"] == 2  # O-1 and O-5 (owner written as s-1)
    assert _c(groups["Alice"]["won_amount"]) == 16_500_050
    assert groups["Bob"]["new_leads"] == 2  # L-2 (Bob) and L-4 (S-2)
    assert groups["(none)"]["new_leads"] == 1  # L-6 has no owner
    assert (
        _c(groups["Carol"]["ar_outstanding"]) == 330_000
    )  # through the receivable's own owner
    # targets follow the reps: Alice 100000, Bob 50000 a month over 92 days
    assert _c(groups["Alice"]["target"]) + _c(groups["Bob"]["target"]) == _c(r["metrics"]["target"])
    assert groups["Dave"]["target"] is None or _c(groups["Dave"]["target"]) == 0

    teams = {
        g["key"]: g["metrics"]
        for g in reports.kpi_report(company, period="2026-Q4", as_of=AS_OF, by="team").to_json()[
            "groups"
        ]
    }
    assert set(teams) == {"East", "West", "(none)"}
    assert teams["East"]["won"] == 2 and teams["West"]["won"] == 0

    seg = {
        g["key"]: g["metrics"]
        for g in reports.kpi_report(company, period="2026-Q4", as_of=AS_OF, by="segment").to_json()[
            "groups"
        ]
    }
    assert set(seg) == {"SMB", "ENT", "(none)"}
    assert _c(seg["ENT"]["bookings"]) == 4_500_050  # C-2 → O-5 (ENT)


def test_rates_are_null_without_a_denominator(company):
    import salesops.reports as reports

    m = reports.kpi_report(company, period="2025-01", as_of="2025-01-31").to_json()["metrics"]
    for name in (
        "lead_conversion_rate",
        "win_rate",
        "avg_won_amount",
        "sales_cycle_days",
        "csat_avg",
        "overdue_ratio",
        "dso_days",
    ):
        assert m[name] is None, name
    assert m["new_leads"] == 0 and m["won"] == 0


def test_kpi_notebook_frame(company):
    import salesops.reports as reports

    df = reports.kpi(company, period="2026-Q4", as_of=AS_OF, by="team")
    assert list(df.index) == ["East", "West", "(none)", "(total)"]
    assert df.loc["(total)", "won_amount"] == pytest.approx(165000.50)


def test_kpi_cli_json_and_usage_errors(company, cli):
    proc = cli(
        "report", "kpi", "--period", "2026-11", "--by", "owner", "-f", "json", ws=company, check=0
    )
    data = json.loads(proc.stdout)
    assert list(data) == ["from", "to", "as_of", "by", "metrics", "groups"]
    assert (
        data["from"] == "2026-11-01"
        and data["to"] == "2026-11-30"
        and data["as_of"] == "2026-11-27"
    )
    assert set(data["groups"][0]) == {"key", "metrics"}
    assert data["metrics"]["bookings"] == 120000.0
    assert cli("report", "kpi", "--period", "2026-13", ws=company).returncode == 2
    assert (
        cli("report", "kpi", "--period", "2026-11", "--from", "2026-11-01", ws=company).returncode
        == 2
    )
    bad = cli("report", "kpi", "--by", "colour", ws=company)
    assert (
        bad.returncode == 2
        and "error: --by 'colour'" in bad.stderr
        and "Traceback" not in bad.stderr
    )
    assert cli("report", "kpi", "-f", "yaml", ws=company).returncode == 2


def test_kpi_table_markdown_csv_and_chinese(company, cli):
    table = cli(
        "report", "kpi", "--from", "2026-11-01", "--to", "2026-11-30", ws=company, check=0
    ).stdout
    assert "Bookings" in table and "¥120,000.00" in table and "50.0%" in table
    assert "\x1b[" not in table  # piped: no colour
    md = cli("report", "kpi", "-f", "markdown", "--lang", "zh", ws=company, check=0).stdout
    assert "新增线索" in md and "签约金额" in md and "| ---" in md
    csv_text = cli("report", "kpi", "-f", "csv", "--by", "team", ws=company, check=0).stdout
    lines = csv_text.splitlines()
    assert lines[0] == "\ufeffMetric,Total,East,West,(none)"  # BOM for Excel, one column per group
    assert lines[1].startswith("New leads,") and any(line.startswith("Win rate,50%") for line in lines)
    zh = cli("report", "kpi", "-f", "csv", "--by", "team", "--lang", "zh", ws=company, check=0).stdout
    assert zh.splitlines()[0] == "\ufeff指标,合计,East,West,（无）"
