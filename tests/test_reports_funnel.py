"""`report funnel` and `report forecast` on the hand-made company, with a stage history."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from tests.test_reports_company import AS_OF, D, build_company, cents, naive_receivables, rows

T = "T09:00:00+08:00"
HISTORY = [
    [
        f"2026-11-08{T}",
        "ann",
        "advance",
        "opportunities",
        "O-1",
        "stage",
        "qualification",
        "needs_analysis",
    ],
    [
        f"2026-11-12{T}",
        "ann",
        "advance",
        "opportunities",
        "O-1",
        "stage",
        "needs_analysis",
        "solution",
    ],
    [f"2026-11-15{T}", "ann", "advance", "opportunities", "O-1", "stage", "solution", "proposal"],
    [
        f"2026-11-18{T}",
        "ann",
        "advance",
        "opportunities",
        "O-1",
        "stage",
        "proposal",
        "negotiation",
    ],
    [f"2026-11-20{T}", "ann", "advance", "opportunities", "O-1", "stage", "negotiation", "won"],
    [
        f"2026-11-06{T}",
        "bob",
        "advance",
        "opportunities",
        "O-4",
        "stage",
        "qualification",
        "solution",
    ],
    [f"2026-11-10{T}", "bob", "advance", "opportunities", "O-4", "stage", "solution", "proposal"],
    [
        f"2026-10-30{T}",
        "ann",
        "advance",
        "opportunities",
        "O-2",
        "stage",
        "验证商机",
        "报价投标",
    ],  # written in Chinese
    [f"2026-11-12{T}", "ann", "advance", "opportunities", "O-2", "stage", "proposal", "lost"],
    [f"2026-11-12{T}", "ann", "advance", "opportunities", "O-2", "lost_reason", "", "price"],
    [f"2026-11-20{T}", "bob", "advance", "leads", "L-4", "status", "new", "contacted"],
    [f"2026-11-21{T}", "bob", "advance", "leads", "L-4", "status", "contacted", "disqualified"],
]


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    return build_company(tmp_path_factory.mktemp("funnel") / "ws", "csv", history=HISTORY)


def test_opportunity_funnel_reached_conversion_and_bottleneck(company):
    import salesops.reports as reports

    r = reports.funnel_report(company, period="2026-Q4", as_of=AS_OF).to_json()
    # cohort: O-1 won, O-2 lost at proposal, O-4 proposal, O-5 won, O-6 qualification, O-7 won (created in Q4)
    assert r["opportunities"] == 6
    stages = {s["stage"]: s for s in r["stages"]}
    assert [s["stage"] for s in r["stages"]] == [
        "qualification",
        "needs_analysis",
        "solution",
        "proposal",
        "negotiation",
        "won",
    ]
    assert [stages[s]["reached"] for s in stages] == [6, 5, 5, 5, 3, 3]
    assert stages["qualification"]["conversion"] is None
    assert stages["needs_analysis"]["conversion"] == pytest.approx(5 / 6)
    assert stages["negotiation"]["conversion"] == pytest.approx(3 / 5)
    assert r["bottleneck"] == "negotiation"
    assert stages["proposal"]["open"] == 1 and stages["proposal"]["lost"] == 1
    assert r["lost_reasons"] == [{"reason": "price", "count": 1}]
    assert r["lost_at_stage"] == [{"stage": "proposal", "count": 1}]


def test_median_days_in_stage_from_history(company):
    import salesops.reports as reports

    stages = {
        s["stage"]: s
        for s in reports.funnel_report(company, period="2026-Q4", as_of=AS_OF).to_json()["stages"]
    }
    # qualification: O-1 3 days, O-4 3, O-6 2 (open, since stage_changed_on), O-2 5 → median 3
    assert stages["qualification"]["median_days"] == 3
    assert stages["needs_analysis"]["median_days"] == 4
    assert stages["solution"]["median_days"] == 3.5  # O-1 3, O-4 4
    assert stages["proposal"]["median_days"] == 13  # O-1 3, O-2 13, O-4 17 (still there at as-of)
    assert stages["negotiation"]["median_days"] == 2
    assert stages["won"]["median_days"] is None


def test_lead_funnel(company):
    import salesops.reports as reports

    leads = reports.funnel_report(company, period="2026-Q4", as_of=AS_OF).to_json()["leads"]
    assert leads["leads"] == 5
    assert [s["reached"] for s in leads["stages"]] == [
        5,
        5,
        3,
        2,
    ]  # L-4 disqualified after contacted
    assert leads["bottleneck"] == "qualified"
    assert leads["disqualify_reasons"] == [{"reason": "no budget", "count": 1}]


def test_bottleneck_tie_names_the_earliest_stage():
    from salesops.reports.funnels import bottleneck

    stages = [
        {"stage": "a", "conversion": None},
        {"stage": "b", "conversion": 0.5},
        {"stage": "c", "conversion": 0.5},
        {"stage": "d", "conversion": 0.9},
    ]
    assert bottleneck(stages) == "b"
    assert bottleneck([{"stage": "a", "conversion": None}]) is None


def test_funnel_by_owner_groups_and_cli(company, cli):
    proc = cli(
        "report",
        "funnel",
        "--period",
        "2026-Q4",
        "--by",
        "owner",
        "-f",
        "json",
        ws=company,
        check=0,
    )
    data = json.loads(proc.stdout)
    assert data["by"] == "owner"
    assert sum(g["opportunities"] for g in data["groups"]) == data["opportunities"]
    for k in range(6):
        assert (
            sum(g["stages"][k]["reached"] for g in data["groups"]) == data["stages"][k]["reached"]
        )
    text = cli(
        "report", "funnel", "--period", "2026-Q4", "--lang", "zh", ws=company, check=0
    ).stdout
    assert "商机漏斗" in text and "瓶颈阶段" in text and "商务谈判" in text


def naive_forecast(as_of: dt.date, months: int) -> dict:
    """month → (deals, pipeline cents, expected cash cents); plus overdue."""
    out: dict = {}
    month_keys = []
    y, m = as_of.year, as_of.month
    for _ in range(months):
        month_keys.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    for key in [*month_keys, "overdue", "later", "undated"]:
        out[key] = [0, 0, 0]

    def bucket(day: str, late: bool) -> str:
        if not day:
            return "undated"
        if late:
            return "overdue"
        k = day[:7]
        return k if k in month_keys else "later"

    for o in rows("opportunities"):
        open_now = o["stage"] not in ("won", "lost")
        closed_later = not open_now and o["closed_on"] and D(o["closed_on"]) > as_of
        if not (open_now or closed_later) or D(o["created_on"]) > as_of:
            continue
        b = bucket(
            o["expected_close"], bool(o["expected_close"]) and D(o["expected_close"]) < as_of
        )
        out[b][0] += 1
        out[b][1] += cents(o["amount"])
    for r in naive_receivables(as_of):
        if r["outstanding"] > 0:
            out[bucket(r["due_date"], r["days"] is not None and r["days"] >= 1)][2] += r[
                "outstanding"
            ]
    return out


def test_forecast_months_pipeline_and_cash(company):
    import salesops.reports as reports

    want = naive_forecast(AS_OF, 3)
    r = reports.forecast_report(company, as_of=AS_OF, months=3).to_json()
    assert [x["month"] for x in r["rows"]] == ["2026-11", "2026-12", "2027-01"]
    assert r["rows"][0]["from"] == AS_OF and r["rows"][0]["to"] == dt.date(2026, 11, 30)

    def got(cell):
        return [
            cell["deals"],
            int(Decimal(cell["open_pipeline"]) * 100),
            int(Decimal(cell["invoiced"]) * 100),
        ]

    for row in r["rows"]:
        assert got(row) == want[row["month"]], row["month"]
    for extra in ("overdue", "later", "undated"):
        assert got(r[extra]) == want[extra], extra
    assert int(r["overdue"]["invoiced"] * 100) == 2_700_030 + 250_000 + 80_000


def test_forecast_cli(company, cli):
    data = json.loads(
        cli(
            "report", "forecast", "--months", "2", "--by", "team", "-f", "json", ws=company, check=0
        ).stdout
    )
    assert len(data["rows"]) == 2 and data["by"] == "team"
    total = sum(Decimal(str(g["overdue"]["expected_cash"])) for g in data["groups"])
    assert total == Decimal(str(data["overdue"]["expected_cash"]))
    md = cli("report", "forecast", "-f", "markdown", ws=company, check=0).stdout
    assert "| 2026-11 |" in md and "Overdue" in md
    assert cli("report", "forecast", "--months", "0", ws=company).returncode == 2


@pytest.mark.parametrize("register_header", ["台账", "登记表"])
def test_history_with_chinese_headers_reads_like_english(tmp_path, cli, register_header):
    """history.csv whose header is Chinese (时间, 台账, … as a Chinese workspace writes it; 登记表, as
    it was written before session 8) gives the same funnel and the same `show`."""
    import json

    from salesops.schema import HISTORY_ZH

    ws = tmp_path / "ws"
    cli("init", str(ws), "--sample", "--format", "csv", check=0)
    args = ("report", "funnel", "--as-of", "2026-11-27", "-f", "json")
    english = json.loads(cli(*args, ws=ws, check=0).stdout)
    shown = json.loads(cli("show", "O-000001", "-f", "json", ws=ws, check=0).stdout)
    hist = ws / "history.csv"
    text = hist.read_text(encoding="utf-8-sig")
    header, rest = text.split("\n", 1)
    chinese = {**HISTORY_ZH, "register": register_header}
    hist.write_text(",".join(chinese.get(h, h) for h in header.split(",")) + "\n" + rest, encoding="utf-8-sig")
    assert json.loads(cli(*args, ws=ws, check=0).stdout) == english
    assert any(s["median_days"] is not None for s in english["stages"])
    assert shown["history"] and json.loads(cli("show", "O-000001", "-f", "json", ws=ws, check=0).stdout) == shown
