"""xlsx storage on real files: new registers, surgical patches of user-edited workbooks, hostile files.

The story: salesops creates a register, a user opens it in Excel and makes it theirs
(widths, fonts, fills, another sheet, their own column, a formula, a table, conditional
formatting), then salesops changes one row and appends two. Everything the user did must
survive byte for byte, and what salesops wrote must read back typed, in openpyxl and in
calamine alike.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import struct
import tempfile
import time
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from salesops.errors import StorageError
from salesops.storage.xlsx import (
    ColumnKind,
    check_xlsx_safe,
    patch_xlsx,
    read_xlsx,
    write_new_xlsx,
)

SHEET = "xl/worksheets/sheet1.xml"
TEXT, DATE, MONEY = ColumnKind("text"), ColumnKind("date"), ColumnKind("money")
STATUS = ColumnKind("enum", ["new", "contacted", "qualified"])


# --- helpers: looking inside the package ----------------------------------------------------


def raw_members(path: Path) -> dict[str, bytes]:
    """Each member's compressed bytes exactly as stored (read from its local header)."""
    out = {}
    with zipfile.ZipFile(path) as zf, open(path, "rb") as fh:
        for info in zf.infolist():
            fh.seek(info.header_offset)
            head = fh.read(30)
            nlen, xlen = struct.unpack("<HH", head[26:30])
            fh.seek(info.header_offset + 30 + nlen + xlen)
            out[info.filename] = fh.read(info.compress_size)
    return out


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        return {n: zf.read(n) for n in zf.namelist()}


def sheet_rows(path: Path, part: str = SHEET) -> dict[int, bytes]:
    """Row number → the raw bytes of that <row> element."""
    xml = members(path)[part]
    return {
        int(m.group(1)): m.group(0)
        for m in re.finditer(rb'<row r="(\d+)"[^>]*?(?:/>|>.*?</row>)', xml, re.S)
    }


def calamine_rows(path: Path) -> list[list]:
    import python_calamine as pc

    with pc.CalamineWorkbook.from_path(str(path)) as wb:
        return wb.get_sheet_by_index(0).to_python(skip_empty_area=False)


def rezip(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def to_shared_strings(path: Path) -> None:
    """Turn openpyxl's inline strings into a shared-strings table, the way Excel saves."""
    parts = members(path)
    sst: list[bytes] = []

    def share(m: re.Match) -> bytes:
        sst.append(m.group(2))
        return b'<c %s t="s"><v>%d</v></c>' % (m.group(1), len(sst) - 1)

    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        parts[name] = re.sub(
            rb'<c ([^>]*?) t="inlineStr"><is><t(?: [^>]*)?>(.*?)</t></is></c>', share, parts[name]
        )
    parts["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
        % (len(sst), len(sst))
        + b"".join(b'<si><t xml:space="preserve">%s</t></si>' % t for t in sst)
        + b"</sst>"
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    rezip(path, parts)


# --- write_new_xlsx -------------------------------------------------------------------------


def test_new_register_is_formatted_for_people(tmp_path):
    path = tmp_path / "leads.xlsx"
    header = ["lead_id", "创建日期", "estimated_value", "status", "active", "score", "probability"]
    kinds = [
        TEXT,
        DATE,
        MONEY,
        STATUS,
        ColumnKind("bool", ["是", "否"]),
        ColumnKind("int"),
        ColumnKind("pct"),
    ]
    rows = [
        ["00123", dt.date(2026, 11, 5), Decimal("1234.50"), "new", "是", 80, Decimal("12.5")],
        ["=1+1", None, 5, "@x", "否", None, None],
        ["+x", dt.date(2026, 1, 31), 0, "-x", None, 3, 0],
    ]
    write_new_xlsx(path, header, rows, kinds, sheet_name="leads")

    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws.title == "leads"
    assert [c.value for c in ws[1]] == header
    assert all(c.font.b and c.fill.fgColor.rgb.endswith("DDEBF7") for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G4"
    dvs = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert dvs == {"D2:D10000": '"new,contacted,qualified"', "E2:E10000": '"是,否"'}
    assert ws["A2"].value == "00123" and ws["A2"].data_type == "s"
    for ref, text in (("A3", "=1+1"), ("D3", "@x"), ("A4", "+x"), ("D4", "-x")):
        assert ws[ref].value == text and ws[ref].data_type == "s", ref
    assert (
        ws["B2"].is_date
        and ws["B2"].number_format == "yyyy-mm-dd"
        and ws["B2"].value == dt.datetime(2026, 11, 5)
    )
    assert ws["C2"].number_format == "#,##0.00" and ws["C2"].value == 1234.5
    assert ws["G2"].number_format == "0.00" and ws["G2"].value == 12.5
    assert (
        ws.column_dimensions["B"].width > ws.column_dimensions["F"].width
    )  # 创建日期 counts double
    assert (
        ws.column_dimensions["B"].number_format == "yyyy-mm-dd"
    )  # rows typed later in Excel get it too

    raw = read_xlsx(path)
    assert raw.rows[1] == ["00123", dt.date(2026, 11, 5), 1234.5, "new", "是", 80.0, 12.5]
    assert raw.rows[2] == ["=1+1", None, 5.0, "@x", "否"]
    assert raw.sheet_name == "leads" and raw.merged == []


def test_long_dropdown_lists_move_to_a_hidden_sheet(tmp_path):
    path = tmp_path / "accounts.xlsx"
    choices = [f"行业类别{i:03d}" for i in range(60)]  # far past Excel's 255 characters
    write_new_xlsx(path, ["account_id", "industry"], [], [TEXT, ColumnKind("enum", choices)])
    wb = openpyxl.load_workbook(path)
    ws, lists = wb.worksheets
    assert lists.sheet_state == "hidden"
    assert [lists.cell(i + 1, 2).value for i in range(60)] == choices
    (dv,) = ws.data_validations.dataValidation
    assert dv.formula1 == f"'{lists.title}'!$B$1:$B$60" and str(dv.sqref) == "B2:B10000"
    assert read_xlsx(path).rows == [["account_id", "industry"]]


def test_empty_register_has_header_filter_and_column_formats(tmp_path):
    path = tmp_path / "payments.xlsx"
    write_new_xlsx(path, ["payment_id", "received_on", "amount"], [], [TEXT, DATE, MONEY])
    ws = openpyxl.load_workbook(path).active
    assert ws.max_row == 1 and ws.auto_filter.ref == "A1:C1"
    assert ws.column_dimensions["B"].number_format == "yyyy-mm-dd"
    assert ws.column_dimensions["C"].number_format == "#,##0.00"
    # rows appended later take the column formats
    patch_xlsx(
        path,
        tmp_path / "p2.xlsx",
        {},
        [["P-000001", dt.date(2026, 3, 1), Decimal("10")]],
        [TEXT, DATE, MONEY],
    )
    ws = openpyxl.load_workbook(tmp_path / "p2.xlsx").active
    assert ws["B2"].number_format == "yyyy-mm-dd" and ws["C2"].number_format == "#,##0.00"
    assert ws.auto_filter.ref == "A1:C2"


# --- patch_xlsx on a workbook a user made their own -----------------------------------------

USER_HEADER = [
    "lead_id",
    "company",
    "created_on",
    "estimated_value",
    "status",
    "phone",
    "内部备注",
    "double",
]
USER_KINDS = [TEXT, TEXT, DATE, MONEY, STATUS, TEXT, TEXT, TEXT]
N_USER = 40


def user_workbook(path: Path) -> Path:
    """A register after a user's afternoon in Excel."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "线索"
    ws.append(USER_HEADER)
    for i in range(N_USER):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=i)
        ws.append(
            [
                f"L-{i + 1:06d}",
                f"Company {i}",
                day,
                1000 + i * 10.5,
                "new",
                f"0{i:010d}",
                f"note {i}",
                None,
            ]
        )
    last = N_USER + 1
    ws["H5"] = "=D5*2"
    for r in range(2, last + 1):
        ws.cell(r, 3).number_format = "m/d/yy"
        ws.cell(r, 2).font = Font(color="FFFF0000", italic=True)
    ws["A1"].fill = PatternFill("solid", fgColor="FFFFFF00")
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["G"].width = 25
    ws.freeze_panes = "B2"
    table = Table(displayName="Leads", ref=f"A1:H{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium9", showRowStripes=True)
    ws.add_table(table)
    rule = CellIsRule(
        operator="greaterThan", formula=["1200"], fill=PatternFill("solid", fgColor="FFFFC7CE")
    )
    ws.conditional_formatting.add(f"D2:D{last}", rule)
    dv = DataValidation(type="list", formula1='"new,contacted,qualified"')
    dv.add(f"E2:E{last}")
    ws.add_data_validation(dv)
    other = wb.create_sheet("Summary")
    other["A1"], other["B1"] = "Total", f"=SUM(线索!D2:D{last})"
    wb.save(path)
    to_shared_strings(path)
    return path


def test_patch_changes_only_what_changed(tmp_path):
    src = user_workbook(tmp_path / "leads.xlsx")
    dst = tmp_path / "leads.new.xlsx"
    updates = {
        3: {1: 'New & <Co> "Ltd"', 2: dt.date(2026, 12, 1), 3: Decimal("99.50"), 4: "contacted"},
        1: {8: "next_step"},
    }
    appends = [
        [
            "L-000041",
            "Appended Co",
            dt.date(2026, 11, 5),
            Decimal("1234.50"),
            "qualified",
            "0086123",
            None,
            None,
            "call",
        ],
        [
            "000123",
            '=HYPERLINK("http://x")',
            None,
            5,
            "new",
            "+86 138 0000",
            "@mention",
            None,
            None,
        ],
    ]
    patch_xlsx(src, dst, updates, appends, USER_KINDS)

    before, after = members(src), members(dst)
    rewritten = {SHEET, "xl/styles.xml", "xl/tables/table1.xml"}
    assert list(after) == list(before)
    raw_before, raw_after = raw_members(src), raw_members(dst)
    for name in before:
        if name not in rewritten:
            assert after[name] == before[name], name
            assert raw_after[name] == raw_before[name], name  # not recompressed

    rows_before, rows_after = sheet_rows(src), sheet_rows(dst)
    assert set(rows_after) == set(rows_before) | {42, 43}
    for r in rows_before:
        if r not in (1, 3):
            assert rows_after[r] == rows_before[r], r

    wb = openpyxl.load_workbook(dst)
    ws = wb["线索"]
    assert ws["I1"].value == "next_step" and ws["A1"].fill.fgColor.rgb == "FFFFFF00"
    assert ws["B3"].value == 'New & <Co> "Ltd"' and ws["B3"].font.i  # style kept
    assert ws["C3"].value == dt.datetime(2026, 12, 1) and ws["C3"].number_format == "m/d/yy"
    assert (
        ws["D3"].value == 99.5 and ws["D3"].number_format == "#,##0.00"
    )  # General got a money format
    assert ws["E3"].value == "contacted"
    assert ws["H5"].value == "=D5*2"
    assert ws["A42"].value == "L-000041" and ws["C42"].value == dt.datetime(2026, 11, 5)
    assert (
        ws["C42"].number_format == "m/d/yy"
        and ws["B42"].font.i
        and ws["B42"].font.color.rgb == "FFFF0000"
    )
    assert ws["D42"].value == 1234.5 and ws["D42"].number_format == "#,##0.00"
    assert ws["A43"].value == "000123" and ws["A43"].data_type == "s"
    assert ws["B43"].value == '=HYPERLINK("http://x")' and ws["B43"].data_type == "s"
    assert ws["F43"].value == "+86 138 0000" and ws["G43"].value == "@mention"
    assert ws.column_dimensions["B"].width == 30 and ws.column_dimensions["G"].width == 25
    assert ws.freeze_panes == "B2"
    assert wb["Summary"]["B1"].value == f"=SUM(线索!D2:D{N_USER + 1})"
    table = ws.tables["Leads"]
    assert table.ref == "A1:I43" and table.autoFilter.ref == "A1:I43"
    assert [c.name for c in table.tableColumns] == [*USER_HEADER, "next_step"]
    assert [str(dv.sqref) for dv in ws.data_validations.dataValidation] == ["E2:E43"]
    assert [str(cf.sqref) for cf in ws.conditional_formatting] == ["D2:D43"]
    assert ws.dimensions == "A1:I43"

    raw = read_xlsx(dst)
    assert raw.sheet_name == "线索" and len(raw.rows) == 43
    assert raw.rows[2][1:5] == ['New & <Co> "Ltd"', dt.date(2026, 12, 1), 99.5, "contacted"]
    assert raw.rows[41] == [
        "L-000041",
        "Appended Co",
        dt.date(2026, 11, 5),
        1234.5,
        "qualified",
        "0086123",
        None,
        None,
        "call",
    ]
    assert raw.rows[42][:7] == [
        "000123",
        '=HYPERLINK("http://x")',
        None,
        5.0,
        "new",
        "+86 138 0000",
        "@mention",
    ]
    assert raw.rows[4][:2] == ["L-000004", "Company 3"]  # shared strings untouched


def test_patch_none_clears_a_value_but_keeps_its_format(tmp_path):
    src = user_workbook(tmp_path / "leads.xlsx")
    patch_xlsx(src, tmp_path / "out.xlsx", {4: {1: None, 2: None, 6: ""}}, [], USER_KINDS)
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["线索"]
    assert ws["B4"].value is None and ws["B4"].font.i
    assert ws["C4"].value is None and ws["G4"].value is None
    assert read_xlsx(tmp_path / "out.xlsx").rows[3][:3] == ["L-000003", None, None]


def test_patch_refuses_text_xml_cannot_carry_and_writes_nothing(tmp_path):
    src = user_workbook(tmp_path / "leads.xlsx")
    dst = tmp_path / "out.xlsx"
    with pytest.raises(StorageError, match=r"leads.xlsx:3: column B: .*U\+0001"):
        patch_xlsx(src, dst, {3: {1: "bad\x01text"}}, [], USER_KINDS)
    with pytest.raises(StorageError, match="32,767"):
        patch_xlsx(src, dst, {}, [["x" * 40000]], USER_KINDS)
    assert not dst.exists()


def minimal_package(
    path: Path, sheet_xml: bytes, extra: dict[str, bytes] | None = None, styles: bool = True
) -> Path:
    """A hand-made xlsx (the shapes other generators produce)."""
    ct = [
        b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>',
        b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>',
    ]
    rels = [
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    ]
    parts = {"xl/worksheets/sheet1.xml": sheet_xml, **(extra or {})}
    if styles:
        parts["xl/styles.xml"] = (
            b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font/></fonts>'
            b'<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
            b'<borders count="1"><border/></borders>'
            b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellXfs></styleSheet>'
        )
        ct.append(
            b'<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        )
        rels.append(
            b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        )
    if "xl/calcChain.xml" in parts:
        ct.append(
            b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/>'
        )
        rels.append(
            b'<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain" Target="calcChain.xml"/>'
        )
    parts["[Content_Types].xml"] = (
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        b'<Default Extension="xml" ContentType="application/xml"/>' + b"".join(ct) + b"</Types>"
    )
    parts["_rels/.rels"] = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    parts["xl/workbook.xml"] = (
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + b"".join(rels)
        + b"</Relationships>"
    )
    rezip(path, parts)
    return path


def test_overwriting_a_shared_formula_hands_it_to_the_next_cell(tmp_path):
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C5"/><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>qty</t></is></c><c r="C1" t="inlineStr"><is><t>double</t></is></c></row>'
        b'<row r="2"><c r="A2"><v>1</v></c><c r="C2"><f t="shared" ref="C2:C5" si="0">A2*2</f><v>2</v></c></row>'
        b'<row r="3"><c r="A3"><v>2</v></c><c r="C3"><f t="shared" si="0"/><v>4</v></c></row>'
        b'<row r="4"><c r="A4"><v>3</v></c><c r="C4"><f t="shared" si="0"/><v>6</v></c></row>'
        b'<row r="5"><c r="A5"><v>4</v></c><c r="C5"><f t="shared" si="0"/><v>8</v></c></row>'
        b"</sheetData></worksheet>"
    )
    calc = b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><c r="C2" i="1"/><c r="C3"/></calcChain>'
    src = minimal_package(tmp_path / "q.xlsx", sheet, {"xl/calcChain.xml": calc})
    dst = tmp_path / "out.xlsx"
    patch_xlsx(src, dst, {2: {2: 7}}, [], [TEXT, TEXT, ColumnKind("int")])
    ws = openpyxl.load_workbook(dst).active
    assert ws["C2"].value == 7
    assert [ws[f"C{r}"].value for r in (3, 4, 5)] == ["=A3*2", "=A4*2", "=A5*2"]
    assert b'<f t="shared" ref="C3:C5" si="0">A3*2</f>' in members(dst)[SHEET]
    after = members(dst)
    assert (
        "xl/calcChain.xml" not in after
    )  # Excel rebuilds it; a stale one makes it repair the file
    assert (
        b"calcChain" not in after["[Content_Types].xml"]
        and b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
    )
    assert sheet_rows(dst)[4] == sheet_rows(src)[4]


def test_patch_handles_other_generators_shapes(tmp_path):
    """Prefixed namespace, rows and cells without r, no styles part, formatted empty rows below the data."""
    sheet = (
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
        b'<x:row><x:c t="inlineStr"><x:is><x:t>id</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>day</x:t></x:is></x:c></x:row>'
        b'<x:row><x:c t="inlineStr"><x:is><x:t>A-1</x:t></x:is></x:c><x:c><x:v>3</x:v></x:c></x:row>'
        b'<x:row r="3"/><x:row r="4" spans="1:2"><x:c r="B4"/></x:row>'
        b"</x:sheetData></x:worksheet>"
    )
    src = minimal_package(tmp_path / "g.xlsx", sheet, styles=False)
    dst = tmp_path / "out.xlsx"
    patch_xlsx(
        src,
        dst,
        {2: {1: dt.date(2026, 2, 3)}},
        [["A-2", dt.date(2026, 2, 4)], ["A-3", None]],
        [TEXT, DATE],
    )
    raw = read_xlsx(dst)
    assert raw.rows == [
        ["id", "day"],
        ["A-1", dt.date(2026, 2, 3)],
        ["A-2", dt.date(2026, 2, 4)],
        ["A-3"],
    ]
    ws = openpyxl.load_workbook(dst).active
    assert ws["B2"].number_format == "yyyy-mm-dd" and ws["B3"].is_date


def test_update_of_a_row_missing_from_the_xml_inserts_it_in_order(tmp_path):
    src = tmp_path / "r.xlsx"
    write_new_xlsx(src, ["id", "n"], [["a", 1], [None, None], ["c", 3]], [TEXT, ColumnKind("int")])
    assert 3 not in sheet_rows(src)
    patch_xlsx(
        src, tmp_path / "out.xlsx", {3: {0: "b", 1: 2}}, [["d", 4]], [TEXT, ColumnKind("int")]
    )
    assert read_xlsx(tmp_path / "out.xlsx").rows[1:] == [
        ["a", 1.0],
        ["b", 2.0],
        ["c", 3.0],
        ["d", 4.0],
    ]
    assert list(sheet_rows(tmp_path / "out.xlsx")) == [1, 2, 3, 4, 5]


# --- read_xlsx ------------------------------------------------------------------------------


def test_read_aligns_rows_with_excel_row_numbers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"], ws["B5"] = "x", 5
    ws["D9"].fill = PatternFill("solid", fgColor="FFFF0000")  # formatted, empty: not a row
    ws.merge_cells("A7:B7")
    ws["A7"] = "merged"
    wb.create_sheet("other")["A1"] = "y"
    wb.save(tmp_path / "a.xlsx")
    raw = read_xlsx(tmp_path / "a.xlsx")
    assert raw.rows == [[], [], [None, None, "x"], [], [None, 5.0], [], ["merged"]]
    assert raw.merged == ["A7:B7"]
    assert read_xlsx(tmp_path / "a.xlsx", "other").rows == [["y"]]
    with pytest.raises(
        StorageError, match="a.xlsx has no sheet named 'nope'; its sheets are: Sheet, other"
    ):
        read_xlsx(tmp_path / "a.xlsx", "nope")


# --- hostile and broken files ---------------------------------------------------------------


def good_parts(tmp_path: Path) -> dict[str, bytes]:
    write_new_xlsx(tmp_path / "good.xlsx", ["id"], [["x"]], [TEXT])
    return members(tmp_path / "good.xlsx")


def zip_with_raw_member(
    path: Path, base: dict[str, bytes], name: str, deflated: list[bytes], crc: int, usize: int
) -> None:
    """A zip holding `base` plus one member given as raw deflate pieces (so nothing huge is in memory)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in base.items():
            zf.writestr(n, data)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with open(path, "wb") as out:
        cds = []
        for info in src.infolist():
            data = zlib.compress(src.read(info.filename), 6)[2:-4]
            cds.append(_entry(out, info.filename.encode(), [data], info.CRC, info.file_size))
        cds.append(_entry(out, name.encode(), deflated, crc, usize))
        at, cd = out.tell(), b"".join(cds)
        out.write(
            cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(cds), len(cds), len(cd), at, 0)
        )


def _entry(out, name: bytes, pieces: list[bytes], crc: int, usize: int) -> bytes:
    offset, csize = out.tell(), sum(map(len, pieces))
    out.write(
        struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, csize, usize, len(name), 0)
        + name
    )
    for p in pieces:
        out.write(p)
    return (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0x21,
            crc,
            csize,
            usize,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        + name
    )


def zeros_deflated(total: int) -> tuple[list[bytes], int]:
    """`total` zero bytes as raw deflate, built from one repeated fully-flushed block: (pieces, crc)."""
    block = 1 << 20
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = comp.compress(bytes(block)) + comp.flush(zlib.Z_FULL_FLUSH)
    crc, zero = 0, bytes(block)
    for _ in range(total // block):
        crc = zlib.crc32(zero, crc)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty final block
    return [piece] * (total // block) + [end], crc


def test_zip_bomb_past_the_budget_is_refused(tmp_path):
    pieces, crc = zeros_deflated(2 << 30)
    bomb = tmp_path / "leads.xlsx"
    zip_with_raw_member(bomb, good_parts(tmp_path), "xl/media/zeros.bin", pieces, crc, 2 << 30)
    assert bomb.stat().st_size < 5 << 20
    with pytest.raises(
        StorageError, match=r"^leads.xlsx would decompress to 2,048 MB, past the limit of 1,024 MB"
    ):
        check_xlsx_safe(bomb)
    with pytest.raises(StorageError, match="past the limit"):
        read_xlsx(bomb)


def test_zip_bomb_by_ratio_is_refused(tmp_path):
    pieces, crc = zeros_deflated(64 << 20)
    path = tmp_path / "r.xlsx"
    zip_with_raw_member(path, good_parts(tmp_path), "xl/media/zeros.bin", pieces, crc, 64 << 20)
    with pytest.raises(StorageError, match=r"ratio of [\d,]+:1\), which is a zip bomb"):
        check_xlsx_safe(path)


def test_a_header_understating_its_member_is_refused_not_inflated(tmp_path):
    """The sheet declares its real size but inflates to 300 MB more: every reader stops at the claim."""
    parts = good_parts(tmp_path)
    sheet = parts.pop(SHEET)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    pieces = [comp.compress(sheet)] + [comp.compress(b" " * (1 << 20)) for _ in range(300)]
    path = tmp_path / "liar.xlsx"
    zip_with_raw_member(path, parts, SHEET, [*pieces, comp.flush()], zlib.crc32(sheet), len(sheet))
    t0 = time.perf_counter()
    for action in (
        lambda p: check_xlsx_safe(p, deep=True),
        read_xlsx,
        lambda p: patch_xlsx(p, tmp_path / "o.xlsx", {}, [["x"]], [TEXT]),
    ):
        with pytest.raises(StorageError, match="liar.xlsx"):
            action(path)
    assert time.perf_counter() - t0 < 5 and not (tmp_path / "o.xlsx").exists()


@pytest.mark.parametrize("part", ["xl/workbook.xml", SHEET])
def test_xml_entity_declarations_are_refused(tmp_path, part):
    parts = good_parts(tmp_path)
    doctype = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>\n'
    )
    body = parts[part].split(b"?>", 1)[-1] if parts[part].startswith(b"<?xml") else parts[part]
    if part == SHEET:  # a big part: only its prolog is checked
        body = body.replace(b"</sheetData>", b"<!--" + b"x" * (2 << 20) + b"--></sheetData>")
    parts[part] = doctype + body
    rezip(tmp_path / "e.xlsx", parts)
    with pytest.raises(
        StorageError, match=r"^e.xlsx carries XML entity declarations .*; refusing to read it"
    ):
        check_xlsx_safe(tmp_path / "e.xlsx")


def test_broken_and_foreign_files_get_one_clear_line(tmp_path):
    good = tmp_path / "good.xlsx"
    write_new_xlsx(good, ["id"], [["x"] for _ in range(50)], [TEXT])
    data = good.read_bytes()
    cases = {
        "truncated.xlsx": (
            data[: len(data) // 2],
            r"truncated\.xlsx is not a valid xlsx file \(it is truncated or not a zip archive",
        ),
        "leads.xlsx": (
            b"lead_id,company\nL-1,ACME\n",
            r"leads\.xlsx is not a valid xlsx file \(it is a text file, perhaps CSV; name it \.csv\)",
        ),
        "random.xlsx": (
            random.Random(7).randbytes(5000),
            r"random\.xlsx is not a valid xlsx file \(it is not a zip archive\)",
        ),
        "old.xlsx": (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
            r"old\.xlsx is not a valid xlsx file \(it is an old \.xls workbook",
        ),
        "empty.xlsx": (b"", r"empty\.xlsx is not a valid xlsx file \(it is empty\)"),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(StorageError, match=message):
            check_xlsx_safe(tmp_path / name)
        with pytest.raises(StorageError):
            read_xlsx(tmp_path / name)
    rezip(tmp_path / "parts.xlsx", {"[Content_Types].xml": members(good)["[Content_Types].xml"]})
    with pytest.raises(
        StorageError,
        match=r"parts\.xlsx is not a complete xlsx workbook: it has no xl/workbook\.xml",
    ):
        check_xlsx_safe(tmp_path / "parts.xlsx")
    with pytest.raises(StorageError, match="missing.xlsx could not be read"):
        check_xlsx_safe(tmp_path / "missing.xlsx")


# --- any text round-trips, or is refused ----------------------------------------------------

ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
TRICKY = [
    "=",
    "+",
    "-",
    "@",
    "0",
    "00",
    " ",
    "\t",
    "'",
    '"',
    "<",
    ">",
    "&",
    "_x0041_",
    "\r\n",
    "\r",
    "中文",
    "😀",
    "&amp;",
    "]]>",
]
texts = st.one_of(
    st.text(max_size=30),
    st.builds(lambda a, b: a + b, st.sampled_from(TRICKY), st.text(max_size=12)),
    st.lists(
        st.sampled_from(list("中文汉字😀👍🏽<>&\"' =+-@0123456789_x\r\n\t") + TRICKY), max_size=12
    ).map("".join),
)


def trimmed(rows: list[list]) -> list[list]:
    """Rows as read_xlsx gives them: '' is empty, trailing empty cells and rows dropped."""
    out = []
    for row in rows:
        row = [None if c == "" else c for c in row]
        while row and row[-1] is None:
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts, min_size=1, max_size=4))
def test_any_text_round_trips_through_patch(values):
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "t.xlsx", Path(tmp) / "out.xlsx"
        write_new_xlsx(src, ["a", "b"], [["keep", "me"]], [TEXT, TEXT])
        first, *rest = values
        if any(ILLEGAL.search(v) for v in values):
            with pytest.raises(StorageError, match="cannot store"):
                patch_xlsx(src, dst, {2: {1: first}}, [[v, v] for v in rest], [TEXT, TEXT])
            assert not dst.exists()
            return
        patch_xlsx(src, dst, {2: {1: first}}, [[v, v] for v in rest], [TEXT, TEXT])
        assert read_xlsx(dst).rows == trimmed(
            [["a", "b"], ["keep", first], *([v, v] for v in rest)]
        )
        assert trimmed(calamine_rows(dst)) == read_xlsx(dst).rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts, min_size=1, max_size=4))
def test_any_text_round_trips_through_a_new_register(values):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "n.xlsx"
        if any(ILLEGAL.search(v) for v in values):
            with pytest.raises(StorageError, match="cannot store"):
                write_new_xlsx(path, ["h"], [[v] for v in values], [TEXT])
            assert not path.exists()
            return
        header = ["h", values[0] or "x"]
        write_new_xlsx(path, header, [[v] for v in values], [TEXT])
        assert read_xlsx(path).rows == trimmed([header, *([v] for v in values)])


# --- speed (printed, not asserted) ----------------------------------------------------------


def excel_like(path: Path, n: int) -> int:
    """An n-row x 20-column register as Excel saves it (shared strings, spans); returns the sheet XML size."""
    sst, statuses = [], ["new", "contacted", "qualified", "converted", "disqualified"]
    for i in range(n):
        sst += [f"L-{i:06d}", f"客户公司 {i} 有限公司", f"138{i:08d}"]
    base = len(sst)
    sst += statuses
    rows = []
    for i in range(n):
        r, k = i + 2, 3 * i
        optional = (  # optional columns (notes, reasons, …) are filled on one row in ten
            f'<c r="K{r}"><v>{i}</v></c><c r="L{r}" t="s"><v>{base + (i + 2) % 5}</v></c><c r="M{r}"><v>{i % 7}</v></c>'
            f'<c r="N{r}" s="2"><v>{i * 0.5}</v></c><c r="O{r}" t="s"><v>{k}</v></c><c r="P{r}"><v>{i % 3}</v></c>'
            f'<c r="Q{r}" t="s"><v>{base + i % 3}</v></c><c r="R{r}" s="1"><v>{46200 + i % 50}</v></c><c r="S{r}"><v>{i % 11}</v></c>'
            if i % 10 == 0
            else ""
        )
        rows.append(
            f'<row r="{r}" spans="1:20" x14ac:dyDescent="0.25"><c r="A{r}" t="s"><v>{k}</v></c><c r="B{r}" t="s"><v>{k + 1}</v></c>'
            f'<c r="C{r}" s="1"><v>{46000 + i % 300}</v></c><c r="D{r}" s="2"><v>{i * 1.25}</v></c><c r="E{r}" t="s"><v>{base + i % 5}</v></c>'
            f'<c r="F{r}" t="s"><v>{k + 2}</v></c><c r="G{r}"><v>{i % 100}</v></c><c r="H{r}" s="1"><v>{46100 + i % 200}</v></c>'
            f'<c r="I{r}" t="s"><v>{base + (i + 1) % 5}</v></c><c r="J{r}" s="2"><v>{i * 3.5}</v></c>'
            f'{optional}<c r="T{r}" t="s"><v>{k + 1}</v></c></row>'
        )
    header = "".join(
        f'<c r="{chr(65 + j)}1" t="inlineStr"><is><t>col{j}</t></is></c>' for j in range(20)
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
        f'<dimension ref="A1:T{n + 1}"/><sheetData><row r="1" spans="1:20">{header}</row>{"".join(rows)}</sheetData>'
        f'<autoFilter ref="A1:T{n + 1}"/></worksheet>'
    ).encode()
    sst_xml = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + "".join(f"<si><t>{s}</t></si>" for s in sst)
        + "</sst>"
    ).encode()
    good = tempfile.mkdtemp()
    parts = members(_styled_base(Path(good)))
    parts[SHEET] = sheet
    parts["xl/sharedStrings.xml"] = sst_xml
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    rezip(path, parts)
    return len(sheet)


def _styled_base(folder: Path) -> Path:
    """A workbook whose styles have xf 1 = date and xf 2 = money."""
    write_new_xlsx(
        folder / "base.xlsx", ["a", "b"], [[dt.date(2026, 1, 1), Decimal("1")]], [DATE, MONEY]
    )
    return folder / "base.xlsx"


def test_patching_one_row_of_100k_rows_keeps_the_rest(tmp_path):
    """One cell set and one row appended in a 100,000-row sheet (its speed is `benchmarks/`'
    `advance` target, timed there, not here)."""
    src = tmp_path / "big.xlsx"
    excel_like(src, 100_000)
    kinds = [TEXT, TEXT, DATE, MONEY, STATUS] + [TEXT] * 15
    patch_xlsx(
        src,
        tmp_path / "out0.xlsx",
        {50_000: {1: "改名公司", 3: Decimal("10.5")}},
        [["L-X", "new co", dt.date(2026, 11, 27), 1, "new"]],
        kinds,
    )
    raw = read_xlsx(tmp_path / "out0.xlsx")
    assert (
        len(raw.rows) == 100_002
        and raw.rows[50_000 - 1][1] == "改名公司"
        and raw.rows[-1][0] == "L-X"
    )
    assert raw.rows[50_000][1] == "客户公司 49999 有限公司"
