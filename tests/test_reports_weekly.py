"""`report weekly` (all formats, cron exit code) and `report aging`/`overdue` on the hand-made company."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest

from salesops.jsonout import dumps
from tests.test_reports_company import AS_OF, build_company, naive_receivables

WEEKLY_KEYS = {
    "from",
    "to",
    "headline",
    "won_deals",
    "lost_deals",
    "contracts_signed",
    "collections",
    "newly_overdue",
    "top_overdue",
    "expiring_quotes",
    "stalled_opportunities",
    "forecast",
    "data_problems",
}
HEADLINE = {
    "new_leads",
    "converted_leads",
    "won",
    "won_amount",
    "lost",
    "contracts_signed",
    "bookings",
    "collections",
    "ar_outstanding",
    "overdue_amount",
}


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    return build_company(tmp_path_factory.mktemp("weekly") / "ws", "csv")


def test_weekly_defaults_to_the_last_complete_iso_week(company, cli):
    data = json.loads(
        cli("report", "weekly", "-f", "json", ws=company, check=0).stdout
    )  # today = Fri 2026-11-27
    assert WEEKLY_KEYS <= set(data)
    assert (data["from"], data["to"], data["week"]) == ("2026-11-16", "2026-11-22", "2026-W47")
    assert set(data["headline"]) == HEADLINE
    assert all(set(v) == {"this", "previous"} for v in data["headline"].values())
    assert data["headline"]["won"] == {"this": 1, "previous": 0}  # O-1 on 11-20
    assert data["headline"]["lost"] == {"this": 0, "previous": 1}  # O-2 lost on 11-12
    assert data["headline"]["won_amount"]["this"] == 120000.0
    assert [d["opportunity_id"] for d in data["won_deals"]] == ["O-1"]
    assert [c["contract_id"] for c in data["contracts_signed"]] == ["C-1"]
    assert isinstance(data["data_problems"], int)


def test_weekly_sections_as_of_a_day(company):
    import salesops.reports as reports

    data = reports.weekly_report(company, as_of="2026-11-27", today="2026-11-27").to_json()
    assert (data["from"], data["to"]) == (dt.date(2026, 11, 21), AS_OF)
    # collections: P-1 (11-25) and P-2 (11-26); P-3 is dated after the week
    assert [p["payment_id"] for p in data["collections"]] == ["P-1", "P-2"]
    assert data["headline"]["collections"]["this"] == Decimal("23500.15")
    # R-8 fell due 11-21: first overdue day 11-22 is in the week; were overdue before
    assert [r["receivable_id"] for r in data["newly_overdue"]] == ["R-8"]
    assert [r["receivable_id"] for r in data["top_overdue"]] == ["R-3", "R-6", "R-8"]
    assert data["top_overdue"][0]["invoice_no"] == "0000123"
    assert [q["quote_id"] for q in data["expiring_quotes"]] == ["Q-1"]  # sent, valid until 12-01
    assert data["expiring_quotes"][0]["days_left"] == 4
    stalled = data["stalled_opportunities"]
    assert [(s["opportunity_id"], s["days_in_stage"]) for s in stalled] == [
        ("O-8", 99),
        ("O-3", 57),
    ]
    ar = sum(r["outstanding"] for r in naive_receivables(AS_OF))
    assert int(data["headline"]["ar_outstanding"]["this"] * 100) == ar
    assert [m["month"] for m in data["forecast"]["rows"]] == ["2026-11", "2026-12", "2027-01"]


def test_weekly_markdown_and_chinese(company, cli):
    md = cli("report", "weekly", "--week", "2026-W47", "-f", "markdown", ws=company, check=0).stdout
    assert md.startswith("## Weekly summary 2026-W47")
    assert "### Won deals" in md and "¥120,000.00" in md
    zh = cli(
        "report",
        "weekly",
        "--week",
        "2026-W47",
        "-f",
        "markdown",
        "--lang",
        "zh",
        ws=company,
        check=0,
    ).stdout
    assert "销售周报" in zh and "本周赢单" in zh and "逾期" in zh
    table = cli("report", "weekly", "--week", "2026-W47", ws=company, check=0).stdout
    assert "Headline" in table and "Stalled opportunities" in table


def test_weekly_html_is_self_contained_with_charts(company, cli, tmp_path):
    out = tmp_path / "weekly.html"
    cli(
        "report",
        "weekly",
        "--as-of",
        "2026-11-27",
        "-f",
        "html",
        "-o",
        str(out),
        ws=company,
        check=0,
    )
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") >= 3
    lowered = page.lower()
    for external in ("http://", "https://", "src=", "<script", "<link", "@import", "url("):
        assert external not in lowered, external
    assert "R-8" in page


def test_weekly_xlsx_has_sheets_and_native_charts(company, cli, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "weekly.xlsx"
    cli(
        "report",
        "weekly",
        "--as-of",
        "2026-11-27",
        "-f",
        "xlsx",
        "-o",
        str(out),
        ws=company,
        check=0,
    )
    wb = load_workbook(out)
    assert len(wb.sheetnames) >= 10
    charted = [ws.title for ws in wb.worksheets if ws._charts]
    assert len(charted) >= 3, charted
    top = next(ws for ws in wb.worksheets if ws.title == "Top overdue")
    assert [c.value for c in top[2]][:1] == ["R-3"]


def test_fail_on_overdue_exits_3(company, cli):
    proc = cli(
        "report", "weekly", "--as-of", "2026-11-27", "--fail-on-overdue", "-f", "json", ws=company
    )
    assert proc.returncode == 3 and "overdue" in proc.stderr
    assert json.loads(proc.stdout)["to"] == "2026-11-27"  # the report is still printed
    assert (
        cli("report", "weekly", "--as-of", "2026-03-01", "--fail-on-overdue", ws=company).returncode
        == 0
    )
    assert cli("report", "overdue", "--fail-on-overdue", "-f", "json", ws=company).returncode == 3


def test_aging_buckets_and_groups(company):
    import salesops.reports as reports

    r = reports.aging_report(company, as_of=AS_OF).to_json()
    rows = {x["key"]: x for x in r["rows"]}
    # R-1 36000 − 10000 not due; A-2: R-3 27000.30 57 days (R-2 paid, R-4 not invoiced); A-3: R-6 210 days, R-8 6 days
    assert rows["A-1"]["not_due"] == Decimal("26000.00") and rows["A-1"]["overdue"] == 0
    assert rows["A-2"]["31-60"] == Decimal("27000.30") and rows["A-2"]["name"] == "Beta"
    assert rows["A-3"]["180+"] == Decimal("2500.00") and rows["A-3"]["1-30"] == Decimal("800.00")
    assert r["totals"]["total"] == Decimal("56300.30")
    for by in ("owner", "team", "region"):
        g = reports.aging_report(company, as_of=AS_OF, by=by).to_json()
        assert sum(x["total"] for x in g["rows"]) == r["totals"]["total"]
        assert g["by"] == by
    for by in ("account", "owner", "team", "region"):  # `-f json` from the cents: the same text
        result = reports.aging_report(company, as_of=AS_OF, by=by)
        assert dumps(result.json_document()) == dumps(result.to_json())
    owners = {
        x["key"] for x in reports.aging_report(company, as_of=AS_OF, by="owner").to_json()["rows"]
    }
    assert owners == {"Alice", "Carol"}
    df = reports.aging(company, as_of="2026-11-27")
    assert list(df.columns) == [
        "key",
        "name",
        "not_due",
        "1-30",
        "31-60",
        "61-90",
        "91-180",
        "180+",
        "overdue",
        "total",
        "unapplied",  # SPEC 9.4: the account's unapplied cash (预收款)
    ]


def test_aging_buckets_follow_settings(tmp_path, cli):
    ws = build_company(tmp_path / "ws", "csv")
    with open(ws / "salesops.toml", "a", encoding="utf-8") as fh:
        fh.write("[receivable]\naging_buckets = [7, 14]\n")
    data = json.loads(cli("report", "aging", "-f", "json", ws=ws, check=0).stdout)
    assert data["buckets"] == ["not_due", "1-7", "8-14", "14+"]
    assert data["totals"]["1-7"] == 800.0 and data["totals"]["14+"] == 29500.3


def test_overdue_list_cli(company, cli):
    data = json.loads(
        cli("report", "overdue", "--as-of", "2026-11-27", "-f", "json", ws=company, check=0).stdout
    )
    keys = [
        "receivable_id",
        "contract_id",
        "account_id",
        "account_name",
        "owner",
        "milestone",
        "invoice_no",
        "due_date",
        "days_overdue",
        "amount",
        "collected_amount",
        "outstanding",
        "level",  # SPEC 9.4: the dunning level
    ]
    assert [list(x) for x in data] == [keys] * 3
    assert [(x["receivable_id"], x["days_overdue"]) for x in data] == [
        ("R-6", 210),
        ("R-3", 57),
        ("R-8", 6),
    ]
    assert (
        data[1]["collected_amount"] == 0 and data[1]["outstanding"] == 27000.3
    )  # P-3 is after as-of
    later = json.loads(
        cli(
            "report",
            "overdue",
            "--as-of",
            "2026-12-01",
            "--min-days",
            "30",
            "-f",
            "json",
            ws=company,
            check=0,
        ).stdout
    )
    assert [x["receivable_id"] for x in later] == ["R-6", "R-3"]
    assert later[1]["collected_amount"] == 1000.0 and later[1]["outstanding"] == 26000.3
    text = cli("report", "overdue", "--lang", "zh", ws=company, check=0).stdout
    assert "逾期天数" in text and not re.search(r"\x1b\[", text)
    colour = cli(
        "report",
        "overdue",
        ws=company,
        env={"NO_COLOR": "", "FORCE_COLOR": "1", "TERM": "xterm"},
        check=0,
    ).stdout
    assert "\x1b[" in colour  # on a (forced) terminal overdue figures are coloured


def test_weekly_counts_the_problems_validate_finds(tmp_path, cli):
    """data_problems is validate's count; a second run (from the cache) gives the same report."""
    import openpyxl

    ws = tmp_path / "ws"
    cli("init", str(ws), "--sample", check=0)
    book = openpyxl.load_workbook(ws / "leads.xlsx")
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=3, column=header.index("created_on") + 1, value="2026-13-45")  # not a date
    sheet.cell(row=4, column=header.index("estimated_value") + 1, value="lots")  # not money
    book.save(ws / "leads.xlsx")
    book = openpyxl.load_workbook(ws / "receivables.xlsx")
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("contract_id") + 1, value="C-NOPE")  # a dangling reference
    book.save(ws / "receivables.xlsx")

    found = json.loads(cli("validate", "-f", "json", ws=ws).stdout)
    assert found["errors"] >= 3
    args = ("report", "weekly", "--as-of", "2026-11-27", "-f", "json")
    first = json.loads(cli(*args, ws=ws, check=0).stdout)
    again = json.loads(cli(*args, ws=ws, check=0).stdout)
    assert first["data_problems"] == len(found["problems"])
    assert first == again
    # registers saved a minute ago are cached: the count is kept beside them, trusted while every
    # register, the settings and the date stay as they were, and counted afresh when one changes
    import os
    import time

    kept = ws / ".salesops" / "cache" / "derived" / "validate.count.arrow"
    then = time.time() - 60
    for p in ws.glob("*.xlsx"):
        os.utime(p, (then, then))
    assert json.loads(cli(*args, ws=ws, check=0).stdout) == first
    assert kept.exists()
    assert json.loads(cli(*args, ws=ws, check=0).stdout) == first
    book = openpyxl.load_workbook(ws / "receivables.xlsx")
    sheet = book.worksheets[0]
    sheet.cell(row=3, column=header.index("amount") + 1, value="lots")  # one more problem
    book.save(ws / "receivables.xlsx")
    os.utime(ws / "receivables.xlsx", (then + 30, then + 30))
    more = json.loads(cli(*args, ws=ws, check=0).stdout)
    assert more["data_problems"] == first["data_problems"] + 1
    assert json.loads(cli(*args, ws=ws, check=0).stdout)["data_problems"] == more["data_problems"]
    (ws / "salesops.toml").write_text((ws / "salesops.toml").read_text("utf-8") + "\n# edited\n", "utf-8")
    assert json.loads(cli(*args, ws=ws, check=0).stdout)["data_problems"] == more["data_problems"]
    later = json.loads(cli("report", "weekly", "--as-of", "2026-12-04", "-f", "json", ws=ws, check=0).stdout)
    assert later["data_problems"] == len(json.loads(cli("validate", "-f", "json", ws=ws, env={"SALESOPS_TODAY": "2026-12-04"}).stdout)["problems"])


def test_weekly_leaves_every_cache_entry_and_no_temporary_behind(tmp_path, cli):
    """The reading leaves one cache entry per register (its typed table, Arrow IPC) and no
    temporary file; the next run reads them and prints the same report."""
    import os
    import time

    ws = tmp_path / "ws"
    cli("init", str(ws), "--sample", check=0)
    then = time.time() - 60  # changed a minute ago: old enough to be cached
    registers = sorted(ws.glob("*.xlsx"))
    for p in registers:
        os.utime(p, (then, then))
    args = ("report", "weekly", "--as-of", "2026-11-27", "-f", "json")
    first = json.loads(cli(*args, ws=ws, check=0).stdout)
    cache = ws / ".salesops" / "cache"
    assert sorted(p.name for p in cache.glob("*.arrow")) == sorted(f"{p.name}.arrow" for p in registers)
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]  # no temporary left
    assert json.loads(cli(*args, ws=ws, check=0).stdout) == first


def test_a_figure_several_sections_need_is_computed_once_per_command_and_date():
    """`ReportData.once`: the weekly report's sections and its funnel share the stalled deals, the
    records activities are about, the receivables replayed to a date — each computed once per key."""
    import datetime as dt
    from types import SimpleNamespace

    from salesops.reports.data import ReportData

    data = ReportData(SimpleNamespace(settings=None))
    calls = []

    def figure(d, day):
        calls.append(day)
        return [day]

    first, second = dt.date(2026, 11, 27), dt.date(2026, 11, 20)
    assert data.once(figure, first) is data.once(figure, first)
    assert data.once(figure, second) == [second]
    assert calls == [first, second]
    assert ReportData(SimpleNamespace(settings=None)).once(figure, first) == [first]  # a new command computes again
    assert calls == [first, second, first]
