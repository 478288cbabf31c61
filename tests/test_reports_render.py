"""Every report in every format, from the same sections: what people take away opens cleanly and says the same.

The sample company (Chinese workspace, CSV registers) with one account renamed
to hostile text; reports rendered through the real CLI and the files reopened:
CSV as Excel reads it (BOM, labels), xlsx with openpyxl and its zip entries,
HTML with the standard parser, markdown as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import run_cli

REPORTS = {
    "kpi": ["--period", "2026-11", "--as-of", "2026-11-27"],
    "funnel": ["--period", "2026", "--as-of", "2026-11-27"],
    "aging": ["--as-of", "2026-11-27"],
    "overdue": ["--as-of", "2026-11-27"],
    "forecast": ["--as-of", "2026-11-27"],
    "weekly": ["--week", "2026-W47"],
    "targets": ["--period", "2026-Q4", "--by", "rep", "--as-of", "2026-11-27"],
    "leaderboard": ["--metric", "collections", "--period", "2026", "--as-of", "2026-11-27"],
    "commission": ["--period", "2026-05", "--as-of", "2026-06-30"],
}
HOSTILE = "<img src=x onerror=alert(1)> [click](http://evil.example) *Acme*"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("render") / "ws"
    run_cli("init", str(ws), "--sample", "--format", "csv", "--lang", "zh", check=0)
    accounts = ws / "accounts.csv"
    text = accounts.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    name = rows[0].index("客户名称")
    for row in rows[1:]:
        if (
            row[0] == "A-000015"
        ):  # the account owing most: in aging, overdue and the weekly top overdue
            row[name] = HOSTILE
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    accounts.write_text(buf.getvalue(), encoding="utf-8-sig")
    return ws


def report(
    ws: Path, name: str, fmt: str, *extra: str, env: dict | None = None, out: Path | None = None
):
    args = ["report", name, *REPORTS[name], "-f", fmt, *extra]
    if out is not None:
        args += ["-o", str(out)]
    return run_cli(*args, ws=ws, env=env, check=0)


@pytest.mark.parametrize("name", REPORTS)
def test_every_report_in_every_format(sample, name, tmp_path):
    table = report(sample, name, "table").stdout
    assert table.strip() and "Traceback" not in table
    data = json.loads(report(sample, name, "json").stdout)
    assert data
    text = report(sample, name, "csv").stdout
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) >= 2 and all(isinstance(c, str) for r in rows for c in r)
    md = report(sample, name, "markdown").stdout
    assert md.startswith("## ")
    page = tmp_path / f"{name}.html"
    report(sample, name, "html", out=page)
    parsed = _Page()
    parsed.feed(page.read_text(encoding="utf-8"))
    assert parsed.tags["html"] == 1 and parsed.tags["table"] >= 1
    assert 'name="viewport"' in page.read_text(encoding="utf-8")
    book = tmp_path / f"{name}.xlsx"
    report(sample, name, "xlsx", out=book)
    from openpyxl import load_workbook

    wb = load_workbook(book)
    assert wb.worksheets and wb.worksheets[0]["A1"].value  # the title on the first sheet


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: dict[str, int] = {}
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)


def test_csv_is_for_excel_in_the_report_language(sample):
    text = report(sample, "overdue", "csv").stdout
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:4] == ["应收编号", "合同编号", "客户编号", "客户名称"]
    milestones = {r[rows[0].index("回款节点")] for r in rows[1:] if r[0].startswith("R-")}
    assert rows[-1][0] == "合计"
    assert milestones and milestones <= {
        "预付款",
        "到货款",
        "验收款",
        "质保金",
    }  # enum labels, not codes
    due = rows[1][rows[0].index("到期日")]
    assert dt.date.fromisoformat(due)
    assert re.fullmatch(r"-?\d+\.\d\d", rows[1][rows[0].index("未收金额")])  # a number Excel reads
    english = report(sample, "overdue", "csv", "--lang", "en").stdout
    assert english.startswith("\ufeffReceivable ID,Contract ID,Account ID,Account name")
    assert ",advance," in english or ",delivery," in english


def test_register_text_is_escaped_in_markdown_and_html(sample, tmp_path):
    md = report(sample, "overdue", "markdown").stdout
    assert "&lt;img src=x onerror=alert(1)&gt;" in md and "<img" not in md
    assert r"\[click\](http://evil.example) \*Acme\*" in md
    page = tmp_path / "o.html"
    report(sample, "overdue", "html", out=page)
    html_text = page.read_text(encoding="utf-8")
    assert "<img" not in html_text and "&lt;img src=x onerror=alert(1)&gt;" in html_text


def test_xlsx_has_native_formats_and_straight_line_charts(sample, tmp_path):
    from openpyxl import load_workbook

    book = tmp_path / "weekly.xlsx"
    report(sample, "weekly", "xlsx", out=book)
    wb = load_workbook(book)
    top = wb["逾期金额最大"]
    header = [c.value for c in top[1]]
    first = top[2]
    due = first[header.index("到期日")]
    assert isinstance(due.value, dt.datetime) and due.number_format == "yyyy-mm-dd"
    owed = first[header.index("未收金额")]
    assert isinstance(owed.value, (int, float)) and owed.number_format == "#,##0.00"
    assert isinstance(first[header.index("逾期天数")].value, int)
    charted = [ws.title for ws in wb.worksheets if ws._charts]
    assert {"应收账龄", "近 8 周趋势", "各月预计回款", "商机漏斗（近 13 周）"} <= set(charted)
    with zipfile.ZipFile(book) as z:
        charts = {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")}
        props = z.read("docProps/core.xml").decode()
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    line = next(x for x in charts.values() if "lineChart>" in x)
    smooth = re.findall(r'<(?:c:)?smooth val="(\w+)"\s*/>', line)
    assert len(smooth) >= 3 and set(smooth) <= {"0", "false"}  # straight segments, every series
    assert re.search(r'<(?:c:)?min val="0(\.0)?"\s*/>', line)  # the value axis starts at zero
    assert (
        props.count("2026-11-22T00:00:00Z") == 2
    )  # created and modified: the week's end, not the clock


@pytest.mark.parametrize("name", REPORTS)
def test_the_same_inputs_give_the_same_bytes_whatever_today_is(sample, name, tmp_path):
    for fmt in ("xlsx", "html", "csv", "markdown"):
        outs = []
        for today in ("2026-11-27", "2027-03-15"):
            out = tmp_path / f"{today}.{fmt}"
            report(sample, name, fmt, env={"SALESOPS_TODAY": today}, out=out)
            outs.append(out.read_bytes())
        assert outs[0] == outs[1], (name, fmt)


def test_a_list_shows_twenty_rows_to_people_and_all_in_files(tmp_path):
    from salesops.reports.render import Column, Report, Section, render

    sec = Section("s", "Items", [Column("n", "N", "int")], [[i] for i in range(25)], limit=20)
    rep = Report("r", "Report", "", "en", "CNY", [sec])
    md = render(rep, "markdown")
    assert "| 19 |" in md and "| 20 |" not in md and "… and 5 more" in md
    assert render(rep, "csv").count("\r\n") == 26
    assert "… and 5 more" in render(rep, "table")


def test_a_terminal_table_shows_two_hundred_rows_and_the_totals_and_says_how_to_get_all(tmp_path):
    """A section that sets no limit (aging by account over 20,000 accounts) shows 200 rows and its
    totals on the terminal, and names the formats that hold them all; files keep every row."""
    from salesops.reports.render import Column, Report, Section, render
    from salesops.reports.render.model import TABLE_ROWS

    rows = [[f"A-{i:06d}", i] for i in range(1, 251)] + [["Total", 31375]]
    sec = Section("s", "By account", [Column("key", "Account"), Column("n", "N", "int")], rows, total_rows={250})
    rep = Report("r", "Report", "", "en", "CNY", [sec])
    table = render(rep, "table")
    assert TABLE_ROWS == 200
    assert "A-000200" in table and "A-000201" not in table and "31,375" in table
    assert "… and 50 more (-f csv or -f json lists them all)" in table
    assert render(rep, "csv").count("\r\n") == 252 and "A-000250" in render(rep, "markdown")


def test_list_shows_a_table_of_two_hundred_rows_unless_told_and_every_row_in_data_formats(sample):
    listed = run_cli("--lang", "en", "list", "activities", ws=sample).stdout
    ids = re.findall(r"F-\d{6}", listed)
    assert len(ids) == 200 and ids[0] == "F-000001"
    total = len(json.loads(run_cli("list", "activities", "-f", "json", ws=sample).stdout))
    assert total > 400  # (the sample's activities)
    assert f"activities ({total})" in listed
    assert f"… and {total - 200} more (-f csv or -f json lists them all)" in listed
    every = run_cli("--lang", "en", "list", "activities", "--limit", "0", ws=sample).stdout
    assert len(re.findall(r"F-\d{6}", every)) == total and "more (-f csv" not in every
    first = json.loads(run_cli("list", "activities", "--limit", "3", "-f", "json", ws=sample).stdout)
    assert [r["activity_id"] for r in first] == ["F-000001", "F-000002", "F-000003"]
    assert len(run_cli("list", "activities", "-f", "csv", ws=sample).stdout.strip().splitlines()) == total + 1
    zh = run_cli("list", "activities", "--limit", "2", ws=sample).stdout  # the sample's language
    assert f"……另有 {total - 2} 项（用 -f csv 或 -f json 可全部列出）" in zh


def test_xlsx_sheet_names_are_valid_and_unique():
    from salesops.reports.render.xlsx import sheet_name

    used: set[str] = set()
    names = [sheet_name(t, used) for t in ("a/b:c", "A/B:C", "x" * 40, "x" * 40, "")]
    assert names[0] == "a b c" and names[1] == "A B C (2)"
    assert all(len(n) <= 31 for n in names) and len({n.lower() for n in names}) == 5


def test_chart_figures_count_money_the_way_the_reader_does():
    from salesops.reports.render.cells import short_money

    assert short_money(1_470_096, "en") == "1.5M" and short_money(1_470_096, "zh") == "147.0万"
    assert short_money(230_000_000, "zh") == "2.3亿" and short_money(9_500, "zh") == "9500"
    assert short_money(-350_000, "en") == "-350.0K"
