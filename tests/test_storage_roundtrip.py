"""A register edited the way people edit spreadsheets survives salesops rewriting it."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill

from salesops.storage.csv_io import read_csv
from salesops.storage.workspace import Workspace
from tests.conftest import make_workspace, run_cli


def _seed(ws_path: Path) -> None:
    ws = Workspace(ws_path)
    with ws.writing(1):
        t = ws.table("leads")
        for n in range(1, 4):
            t.append(
                {
                    "lead_id": t.next_id(),
                    "created_on": dt.date(2026, 11, n),
                    "company": f"上海测试{n}有限公司",
                    "phone": f"0138000000{n}",
                    "status": "new",
                    "estimated_value": Decimal("125000.50"),
                }
            )
        ws.commit("seed", "test")


def _excel_edit(path: Path) -> None:
    """What a user does in Excel: widths, fonts, fills, an extra column, an extra sheet."""
    wb = openpyxl.load_workbook(path)
    sheet = wb.worksheets[0]
    sheet.column_dimensions["D"].width = 42
    sheet["D2"].font = Font(bold=True, color="FF0000")
    sheet["A3"].fill = PatternFill("solid", fgColor="FFFF00")
    col = sheet.max_column + 1
    sheet.cell(1, col, "跟进记录")
    sheet.cell(2, col, "客户很感兴趣")
    sheet.cell(3, col, "=1+1")
    notes = wb.create_sheet("My notes")
    notes["A1"] = "keep me"
    wb.save(path)


def test_xlsx_survives_excel_edits_and_rewrite(tmp_path: Path) -> None:
    ws_path = make_workspace(tmp_path / "ws", "xlsx")
    _seed(ws_path)
    path = ws_path / "leads.xlsx"
    _excel_edit(path)
    before = zipfile.ZipFile(path)
    before_parts = {n: before.read(n) for n in before.namelist()}

    ws = Workspace(ws_path)
    with ws.writing(1):
        t = ws.table("leads")
        t.set(t.find("L-000002"), "status", "contacted")
        t.append({"lead_id": t.next_id(), "created_on": dt.date(2026, 11, 20), "company": "@evil", "status": "new"})
        ws.commit("edit", "test")

    wb = openpyxl.load_workbook(path)
    sheet = wb.worksheets[0]
    assert wb.sheetnames[1] == "My notes" and wb["My notes"]["A1"].value == "keep me"
    assert sheet.column_dimensions["D"].width == 42
    assert sheet["D2"].font.bold and sheet["A3"].fill.fgColor.rgb.endswith("FFFF00")
    header = [c.value for c in sheet[1]]
    assert header[-1] == "跟进记录"
    assert sheet.cell(2, len(header)).value == "客户很感兴趣"
    assert sheet.cell(3, len(header)).value == "=1+1"  # the user's own formula is theirs
    status_col = header.index("status") + 1
    assert [sheet.cell(r, status_col).value for r in range(2, 6)] == ["new", "contacted", "new", "new"]
    company = sheet.cell(5, header.index("company") + 1)
    assert company.value == "@evil" and company.data_type == "s"
    assert sheet.cell(2, header.index("phone") + 1).value == "01380000001"
    assert isinstance(sheet.cell(5, header.index("created_on") + 1).value, dt.datetime)
    after = zipfile.ZipFile(path)
    for name, data in before_parts.items():
        if name == "xl/workbook.xml":  # only the hidden filter range grows, to the appended row 5
            assert b"!$A$1:$S$4</definedName>" in data
            data = data.replace(b"!$A$1:$S$4</definedName>", b"!$A$1:$S$5</definedName>")
        if name not in ("xl/worksheets/sheet1.xml", "docProps/core.xml", "xl/styles.xml"):
            assert after.read(name) == data, name


def test_csv_keeps_user_columns_order_and_guards_formulas(tmp_path: Path) -> None:
    ws_path = make_workspace(tmp_path / "ws", "csv")
    (ws_path / "leads.csv").write_text(
        "线索编号,公司名称,我的列,创建日期,状态,电话\n"
        "L-000007,华南贸易有限公司,x1,2026年11月5日,新线索,013800138000\n"
        "L-000009,北方重工,x2,2026/11/6,已联系,+86 138 0013 8000\n"
        ",,,,,\n",
        encoding="gb18030",
    )
    ws = Workspace(ws_path)
    with ws.writing(1):
        t = ws.table("leads")
        assert t.record(0)["created_on"] == dt.date(2026, 11, 5)
        assert t.record(1)["status"] == "contacted"
        t.set(0, "notes", "=HYPERLINK(\"x\")")
        assert t.next_id() == "L-000010"
        ws.commit("edit", "test")
    raw = (ws_path / "leads.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # rewritten in its own encoding (GB18030) and line ends
    assert b"\r\n" not in raw and raw.decode("gb18030").splitlines()[1] == (
        "L-000007,华南贸易有限公司,x1,2026年11月5日,新线索,013800138000,'=HYPERLINK(\"\"x\"\")"
    ).replace("'=HYPERLINK(\"\"x\"\")", '"\'=HYPERLINK(""x"")"')
    rows = read_csv(ws_path / "leads.csv")
    assert rows[0][:6] == ["线索编号", "公司名称", "我的列", "创建日期", "状态", "电话"]
    assert rows[0][-1] == "备注"
    assert rows[1][2] == "x1" and rows[1][5] == "013800138000" and rows[2][5] == "+86 138 0013 8000"
    assert rows[1][-1] == '=HYPERLINK("x")'  # read back without the guard
    assert "'=HYPERLINK" in raw.decode("gb18030")


def test_both_formats_present_is_an_error(tmp_path: Path) -> None:
    ws_path = make_workspace(tmp_path / "ws", "csv")
    (ws_path / "leads.csv").write_text("lead_id\n", encoding="utf-8")
    (ws_path / "leads.xlsx").write_bytes(b"")
    proc = run_cli("list", "leads", ws=ws_path)
    assert proc.returncode == 1
    assert "error: both leads.xlsx and leads.csv exist" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_list_and_show(tmp_path: Path, fmt: str) -> None:
    ws_path = make_workspace(tmp_path / "ws", fmt)
    _seed(ws_path)
    proc = run_cli("list", "leads", "--where", "lead_id=L-000002", "-f", "json", ws=ws_path, check=0)
    import json

    rows = json.loads(proc.stdout)
    assert [r["lead_id"] for r in rows] == ["L-000002"]
    assert rows[0]["phone"] == "01380000002" and rows[0]["estimated_value"] == 125000.5
    assert rows[0]["created_on"] == "2026-11-02"
    proc = run_cli("list", "线索", "--where", "created_on>=2026-11-02", "-f", "csv", ws=ws_path, check=0)
    assert proc.stdout.count("\n") == 3
    shown = json.loads(run_cli("show", "L-000003", "-f", "json", ws=ws_path, check=0).stdout)
    assert shown["record"]["company"] == "上海测试3有限公司"
    assert any(h["field"] == "status" and h["new_value"] == "new" for h in shown["history"])
    proc = run_cli("show", "L-999", ws=ws_path)
    assert proc.returncode == 1 and proc.stderr.startswith("error: no record")
    proc = run_cli("list", "nonsense", ws=ws_path)
    assert proc.returncode == 2 and proc.stderr.startswith("error:")


def test_advance_set_fixes_an_unreadable_cell(tmp_path: Path) -> None:
    ws_path = make_workspace(tmp_path / "ws", "csv")
    (ws_path / "opportunities.csv").write_text(
        "opportunity_id,name,account_id,owner,stage,amount,expected_close,created_on\n"
        "O-000001,Big deal,A-000001,Li,qualification,100,2026-13-45,2026-11-01\n",
        encoding="utf-8",
    )
    (ws_path / "accounts.csv").write_text("account_id,name\nA-000001,Acme\n", encoding="utf-8")
    run_cli("advance", "O-000001", "solution", "--set", "expected_close=2026-12-31", ws=ws_path, check=0)
    rows = read_csv(ws_path / "opportunities.csv")
    assert rows[1][rows[0].index("expected_close")] == "2026-12-31"
    history = read_csv(ws_path / "history.csv")
    assert ["expected_close", "2026-13-45", "2026-12-31"] in [r[5:8] for r in history]


def test_a_blank_looking_id_cell_is_no_id(tmp_path: Path) -> None:
    ws_path = make_workspace(tmp_path / "ws", "csv")
    (ws_path / "accounts.csv").write_text("account_id,name\n ,Nobody\nA-000004,Acme\n", encoding="utf-8")
    ws = Workspace(ws_path)
    table = ws.table("accounts")
    assert table.next_id() == "A-000005"
    assert list(table.ids) == ["A-000004"]
