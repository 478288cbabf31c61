"""pct columns a user formatted as percentages in Excel: 0.3 shown as "30%" is 30, both ways.

A register's probability column formatted "0%" holds 0.3 for 30 %. salesops reads it
as 30 (not 0.3 %), writes 30 back as 0.3 so Excel still shows 30 %, and leaves cells in
General or other formats — and every file it creates — exactly as before.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesops.schema import REGISTERS
from salesops.storage import xlsx_zip
from salesops.storage.workspace import Workspace, read_rows
from salesops.storage.xlsx import ColumnKind, patch_xlsx, read_xlsx, write_new_xlsx
from salesops.storage.xlsx_io import number_text
from salesops.storage.xlsx_package import grow_filter_name, is_percent_code
from salesops.storage.xlsx_percent import (
    hundredfold,
    per_hundred,
    percent_cells,
    scan_sheet,
)
from tests.conftest import make_workspace, run_cli

OPPS = REGISTERS["opportunities"]
HEADER = [
    "opportunity_id",
    "name",
    "account_id",
    "owner",
    "stage",
    "amount",
    "probability",
    "expected_close",
    "created_on",
]
PROB = HEADER.index("probability")  # column G
# (id, stored value, number format of the probability cell, what salesops reads)
CASES = [
    ("O-000001", 0.3, "0%", 30),
    ("O-000002", 0.075, "0.00%", 7.5),
    ("O-000003", 0.07, "#,##0.0%", 7),
    ("O-000004", 0.3, "General", 0.3),  # a General 0.3 is 0.3 %: nothing to scale
    ("O-000005", 30, '0.0"%"', 30),  # the % is quoted text: Excel shows 30.0%, the cell holds 30
    ("O-000006", "45%", "0%", 45),  # text already reads as a percentage
    ("O-000007", 0.6, "[Red]0%;-0%", 60),
]


def opportunities_xlsx(path: Path, cases=CASES) -> Path:
    """An opportunities register as a user keeps it: probability formatted per row as in `cases`."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "商机"
    ws.append(HEADER)
    for rid, value, fmt, _ in cases:
        ws.append(
            [rid, f"Deal {rid}", "A-000001", "张三", "qualification", 1000, value]
            + [dt.date(2026, 12, 15), dt.date(2026, 11, 1)]
        )
        ws.cell(ws.max_row, PROB + 1).number_format = fmt
    wb.save(path)
    return path


def company(root: Path, cases=CASES) -> Path:
    """A workspace with one account, one rep and the opportunities of `cases`."""
    make_workspace(root, "xlsx")
    opportunities_xlsx(root / "opportunities.xlsx", cases)
    for name, rows in (
        ("accounts", [["account_id", "name"], ["A-000001", "华为技术有限公司"]]),
        ("reps", [["rep_id", "name", "active"], ["S-000001", "张三", "yes"]]),
    ):
        wb = openpyxl.Workbook()
        for row in rows:
            wb.active.append(row)
        wb.save(root / f"{name}.xlsx")
    return root


def cell(path: Path, row: int, col: int = PROB + 1):
    """(value, number format) of a cell, as openpyxl (Excel's view) reads the file."""
    c = openpyxl.load_workbook(path).active.cell(row, col)
    return c.value, c.number_format


# --- the number formats -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, percent",
    [
        ("0%", True),
        ("0.00%", True),
        ("#,##0.0%", True),
        ("[Red]0%;-0%", True),
        ("0%;[Red]-0%", True),
        ('0.0"%"', False),  # quoted: a literal sign
        ("0.0\\%", False),  # escaped: a literal sign
        ('"%"0', False),
        ("0.00", False),
        ("General", False),
        ("yyyy-mm-dd", False),
        ('yyyy-mm-dd "%"', False),
        ("0;0%", False),  # only negative numbers show as percentages: positive pct values do not
    ],
)
def test_which_number_formats_are_percentages(code, percent):
    assert is_percent_code(code) is percent


# --- the arithmetic ---------------------------------------------------------------------------

PERCENTS = st.decimals(min_value=-1000, max_value=1000, places=4, allow_nan=False)


@given(PERCENTS)
def test_a_stored_fraction_reads_as_its_exact_percentage(d):
    stored = float(d / 100)  # what Excel keeps for "d%": the double nearest d/100
    assert hundredfold(stored) == float(d)
    assert hundredfold(float(number_text(stored))) == float(d)  # also through the XML text


@given(PERCENTS)
def test_a_percentage_is_stored_as_its_exact_fraction(d):
    for value in (d, float(d), *((int(d),) if d == int(d) else ())):
        written = float(number_text(float(per_hundred(value))))  # what the <v> of the cell says
        assert written == float(d / 100)
        assert hundredfold(written) == float(d)  # and it reads back as it went in


def test_float_noise_is_not_read_as_a_percentage():
    assert hundredfold(0.07) == 7.0  # 0.07 * 100 would be 7.000000000000001
    assert hundredfold(0.30000000000000004) == 30.0  # =0.1+0.2 in Excel, shown as 30%
    assert hundredfold(0.123456) == 12.3456
    assert per_hundred(Decimal("30.00")) == Decimal("0.3") and per_hundred(7) == Decimal("0.07")


# --- finding the percent-formatted cells ------------------------------------------------------


def test_percent_cells_finds_the_formatted_numbers_of_the_asked_columns(tmp_path):
    path = opportunities_xlsx(tmp_path / "opportunities.xlsx")
    found = percent_cells(path, [PROB, HEADER.index("amount")])
    # rows 2, 3, 4, 7, 8 carry a percent format; row 7 holds text, which callers leave alone
    assert found == {PROB: {2, 3, 4, 7, 8}}
    assert percent_cells(path, [HEADER.index("amount")]) == {}
    assert percent_cells(path, []) == {}


def test_percent_cells_reads_no_worksheet_when_no_style_is_a_percentage(tmp_path, monkeypatch):
    plain = opportunities_xlsx(
        tmp_path / "plain.xlsx", [c for c in CASES if c[2] in ("General", '0.0"%"')]
    )
    formatted = opportunities_xlsx(tmp_path / "formatted.xlsx")
    read: list[str] = []
    real = xlsx_zip.ZipDirectory.read
    monkeypatch.setattr(
        xlsx_zip.ZipDirectory, "read", lambda zd, name: read.append(name) or real(zd, name)
    )

    assert percent_cells(plain, [PROB]) == {}  # '0.0"%"' is no percent format
    assert "xl/styles.xml" in read and not any(n.startswith("xl/worksheets/") for n in read)

    read.clear()
    assert percent_cells(formatted, [PROB])
    assert "xl/worksheets/sheet1.xml" in read


def test_files_salesops_creates_have_no_percent_styles(tmp_path):
    path = tmp_path / "opportunities.xlsx"
    kinds = [ColumnKind("text")] * PROB + [ColumnKind("pct")]
    write_new_xlsx(path, HEADER[: PROB + 1], [["O-1", *[None] * (PROB - 1), 30]], kinds)
    assert percent_cells(path, [PROB]) == {}
    assert cell(path, 2) == (30, "0.00")


def test_scan_sheet_follows_cells_without_references_and_odd_quoting():
    def sheet(cells: str) -> bytes:
        return f'<worksheet xmlns="x"><sheetData>{cells}</sheetData></worksheet>'.encode()

    styles, cols = {b"3"}, {1, 2}
    usual = sheet(
        '<row r="2"><c r="A2" s="3"><v>1</v></c><c r="B2" s="3"><v>0.3</v></c></row>'
        '<row r="3"><c r="B3" s="4"><v>0.3</v></c><c r="C3" t="inlineStr" s="3"><is><t>x</t></is></c></row>'
        '<row r="4"><c r="B4"><is><t>a s="3" b</t></is></c></row>'
    )
    assert scan_sheet(usual, styles, cols) == {1: {2}, 2: {3}}
    implicit = sheet('<row><c s="1"/><c s="3"><v>0.3</v></c></row><row><c/><c/><c s="3"/></row>')
    assert scan_sheet(implicit, styles, cols) == {1: {1}, 2: {2}}
    quoted = sheet("<row r='5'><c r='B5' s='3'><v>0.3</v></c><c r='C5' s = '4'/></row>")
    assert scan_sheet(quoted, styles, cols) == {1: {5}}
    prefixed = b'<x:worksheet><x:sheetData><x:row r="9"><x:c r="C9" s="3"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    assert scan_sheet(prefixed, styles, cols) == {2: {9}}


# --- reading ----------------------------------------------------------------------------------


def test_the_register_reads_percentages_where_the_file_shows_them(tmp_path):
    root = company(tmp_path / "ws")
    path = root / "opportunities.xlsx"
    assert [r[PROB] for r in read_xlsx(path).rows[1:]] == [c[1] for c in CASES]  # raw: as stored

    header, rows = read_rows(path, "xlsx", register=OPPS)
    assert [r[PROB] for r in rows] == [30.0, 7.5, 7.0, 0.3, 30, "45%", 60.0]
    assert read_rows(path, "xlsx")[1][0][PROB] == 0.3  # no register, no scaling (e.g. imports)

    table = Workspace(root).table("opportunities")
    got = [table.get(i, "probability") for i in range(len(table))]
    assert got == [Decimal(str(c[3])) for c in CASES]


def test_show_reads_the_percentage(tmp_path):
    root = company(tmp_path / "ws")
    for rid, _, _, want in CASES:
        out = json.loads(run_cli("show", rid, "-f", "json", ws=root, check=0).stdout)
        assert out["record"]["probability"] == want, rid


def test_list_and_forecast_read_the_percentage(tmp_path):
    root = company(tmp_path / "ws")
    listed = json.loads(run_cli("list", "opportunities", "-f", "json", ws=root, check=0).stdout)
    assert [r["probability"] for r in listed] == [c[3] for c in CASES]
    forecast = json.loads(run_cli("report", "forecast", "-f", "json", ws=root, check=0).stdout)
    december = next(r for r in forecast["rows"] if r["month"] == "2026-12")
    # 1000 × (30 + 7.5 + 7 + 0.3 + 30 + 45 + 60) %
    assert december["deals"] == len(CASES) and december["weighted_pipeline"] == 1798.0


def test_validate_finds_nothing_wrong_with_percent_formatted_probabilities(tmp_path):
    root = company(tmp_path / "ws")
    proc = run_cli("validate", "-f", "json", ws=root, check=0)
    assert json.loads(proc.stdout)["problems"] == []


# --- writing ----------------------------------------------------------------------------------


def test_advance_keeps_a_percent_formatted_probability_as_excel_shows_it(tmp_path):
    root = company(tmp_path / "ws")
    path = root / "opportunities.xlsx"
    # probability given as what it already is: the row is rewritten, the cell left as it was
    run_cli("advance", "O-000001", "needs_analysis", "--set", "probability=30", ws=root, check=0)
    assert cell(path, 2) == (0.3, "0%")
    # the stage's default probability (needs_analysis: 20) goes in as 0.2, still shown "0%"
    run_cli("advance", "O-000002", "needs_analysis", ws=root, check=0)
    assert cell(path, 3) == (0.2, "0.00%")
    run_cli("advance", "O-000003", "needs_analysis", "--set", "probability=37.5", ws=root, check=0)
    assert cell(path, 4) == (0.375, "#,##0.0%")
    # General and '0.0"%"' cells hold the percentage itself, as before
    run_cli("advance", "O-000004", "needs_analysis", ws=root, check=0)
    assert cell(path, 5) == (20, "General")
    run_cli("advance", "O-000005", "needs_analysis", ws=root, check=0)
    assert cell(path, 6) == (20, '0.0"%"')

    with open(root / "history.csv", encoding="utf-8-sig", newline="") as fh:
        history = [row[4:] for row in csv.reader(fh)]
    assert ["O-000002", "probability", "7.5", "20"] in history  # the old value as the user saw it
    out = json.loads(run_cli("show", "O-000003", "-f", "json", ws=root, check=0).stdout)
    assert out["record"]["probability"] == 37.5


def test_patch_writes_pct_values_into_percent_cells_as_fractions(tmp_path):
    src = opportunities_xlsx(tmp_path / "in.xlsx", CASES[:2])  # last data row: "0.00%"
    kinds = [ColumnKind("text")] * PROB + [ColumnKind("pct"), ColumnKind("money")]
    appended = ["O-9", *[None] * (PROB - 1), Decimal("12.5"), Decimal("0.5")]
    patch_xlsx(src, tmp_path / "out.xlsx", {2: {PROB: Decimal("40")}}, [appended], kinds)
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    assert (ws["G2"].value, ws["G2"].number_format) == (0.4, "0%")
    # an appended row takes the last row's styles: its probability is shown "0.00%" too
    assert (ws["G4"].value, ws["G4"].number_format) == (0.125, "0.00%")
    assert ws["H4"].value == 0.5  # only pct columns are scaled
    header, rows = read_rows(tmp_path / "out.xlsx", "xlsx", register=OPPS)
    assert [r[PROB] for r in rows] == [40.0, 7.5, 12.5]


def test_a_date_formatted_pct_cell_gets_a_number_format_and_the_percentage(tmp_path):
    src = opportunities_xlsx(
        tmp_path / "in.xlsx", [("O-1", dt.date(2026, 1, 1), "yyyy-mm-dd", None)]
    )
    kinds = [ColumnKind("text")] * PROB + [ColumnKind("pct")]
    patch_xlsx(src, tmp_path / "out.xlsx", {2: {PROB: Decimal("30")}}, [], kinds)
    assert cell(tmp_path / "out.xlsx", 2) == (30, "0.00")


# --- the autoFilter and its hidden name follow appended rows ----------------------------------


def filter_names(path: Path) -> list[str]:
    xml = zipfile.ZipFile(path).read("xl/workbook.xml").decode()
    return re.findall(r'<definedName name="_xlnm._FilterDatabase"[^>]*>([^<]*)</definedName>', xml)


def test_lead_add_grows_the_filter_and_its_defined_name(tmp_path):
    root = make_workspace(tmp_path / "ws", "xlsx")
    path = root / "leads.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "leads"
    header = ["lead_id", "created_on", "source", "company", "status", "status_changed_on"]
    header += ["score", "grade"]
    ws.append(header)
    for i in range(3):
        day = dt.date(2026, 11, 1)
        ws.append([f"L-{i + 1:06d}", day, "website", f"公司{i}", "new", day, 0, "D"])
    ws.auto_filter.ref = "A1:H4"
    other = wb.create_sheet("notes")
    other.append(["x"])
    other.auto_filter.ref = "A1:A1"
    wb.save(path)
    assert filter_names(path) == ["'leads'!$A$1:$H$4", "'notes'!$A$1:$A$1"]  # openpyxl wrote them
    before = {n: zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist()}

    run_cli("lead", "add", "--company", "新客户有限公司", ws=root, check=0)

    wb = openpyxl.load_workbook(path)
    assert wb["leads"]["D5"].value == "新客户有限公司"
    assert wb["leads"].auto_filter.ref == "A1:H5"
    assert filter_names(path) == ["'leads'!$A$1:$H$5", "'notes'!$A$1:$A$1"]
    after = zipfile.ZipFile(path)
    book = before["xl/workbook.xml"].replace(b"$H$4<", b"$H$5<")
    assert after.read("xl/workbook.xml") == book  # nothing else in it changed
    for name in ("xl/worksheets/sheet2.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
        assert after.read(name) == before[name], name

    out = json.loads(run_cli("list", "leads", "-f", "json", ws=root, check=0).stdout)
    assert [r["lead_id"] for r in out] == ["L-000001", "L-000002", "L-000003", "L-000004"]


def test_a_filter_that_does_not_grow_leaves_the_workbook_part_untouched(tmp_path):
    path = tmp_path / "in.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["a", "b"])
    ws.append(["x", 1])
    ws.append(["y", 2])
    ws.auto_filter.ref = "A1:B2"  # a filter that stops short of the data is the user's choice
    wb.save(path)
    kinds = [ColumnKind("text"), ColumnKind("int")]
    patch_xlsx(path, tmp_path / "out.xlsx", {2: {0: "z"}}, [["w", 3]], kinds)
    assert openpyxl.load_workbook(tmp_path / "out.xlsx").active.auto_filter.ref == "A1:B2"
    book = zipfile.ZipFile(path).read("xl/workbook.xml")
    assert zipfile.ZipFile(tmp_path / "out.xlsx").read("xl/workbook.xml") == book


def test_new_registers_get_a_filter_name_covering_their_rows(tmp_path):
    path = tmp_path / "payments.xlsx"
    kinds = [ColumnKind("text"), ColumnKind("money")]
    write_new_xlsx(path, ["payment_id", "amount"], [["P-1", 1], ["P-2", 2]], kinds, "payments")
    assert openpyxl.load_workbook(path).active.auto_filter.ref == "A1:B3"
    assert filter_names(path) == ["'payments'!$A$1:$B$3"]


def test_grow_filter_name_only_touches_the_sheets_own_name():
    book = (
        b'<x:workbook xmlns:x="m"><x:definedNames>'
        b'<x:definedName name="_xlnm._FilterDatabase" localSheetId="1" hidden="1">Other!$A$1:$C$9</x:definedName>'
        b'<x:definedName name="Print_Area">leads!$A$1:$C$4</x:definedName>'
        b'<x:definedName hidden="1" localSheetId="0" name="_xlnm._FilterDatabase">leads!$A$1:$C$4</x:definedName>'
        b"</x:definedNames></x:workbook>"
    )
    grown = grow_filter_name(book, 0, "A1:D6")
    assert grown == book.replace(
        b"leads!$A$1:$C$4</x:definedName></x:", b"leads!$A$1:$D$6</x:definedName></x:"
    )
    assert grow_filter_name(book, 2, "A1:D6") == book
    assert grow_filter_name(grown, 0, "A1:D6") == grown


def test_import_reads_the_percentage_the_source_file_shows(tmp_path):
    """`salesops import opportunities deals.xlsx`: a source column formatted as percentages comes in as 0–100."""
    root = company(tmp_path / "ws")
    (root / "opportunities.xlsx").unlink()  # the register is created by the import
    source = opportunities_xlsx(tmp_path / "deals.xlsx")
    run_cli("import", "opportunities", str(source), ws=root, check=0)
    listed = json.loads(run_cli("list", "opportunities", "-f", "json", ws=root, check=0).stdout)
    assert sorted((r["opportunity_id"], r["probability"]) for r in listed) == [(c[0], c[3]) for c in CASES]


def test_import_with_map_scales_a_percent_formatted_column_too(tmp_path):
    """`--map 赢单概率=probability`: the mapped column is the pct field, so its percent cells come in as 0–100."""
    root = company(tmp_path / "ws")
    (root / "opportunities.xlsx").unlink()
    source = opportunities_xlsx(tmp_path / "deals.xlsx")
    book = openpyxl.load_workbook(source)
    sheet = book.active
    sheet.cell(1, HEADER.index("probability") + 1, "赢单概率")
    book.save(source)
    run_cli("import", "opportunities", str(source), "--map", "赢单概率=probability", ws=root, check=0)
    listed = json.loads(run_cli("list", "opportunities", "-f", "json", ws=root, check=0).stdout)
    assert sorted((r["opportunity_id"], r["probability"]) for r in listed) == [(c[0], c[3]) for c in CASES]
