"""Spreadsheet hygiene: what a user typed is stored as that text, and odd registers are clear errors.

- Formula-like text (`=1+1`, `@SUM(A1)`, `-abc`, `+`, a leading tab or CR) is a
  string cell in xlsx and `'`-prefixed in CSV registers and CSV exports, and
  reads back without the `'`; `+86 138…` phones and `-5` are left alone.
- `#N/A`, `NA`, `None`, `null` are text, not missing values.
- Control characters and text past Excel's 32,767-character cell limit are
  reported with their row and column, never silently changed.
- Merged cells and a second header row are errors naming the file;
  trailing empty rows are ignored.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from salesops.schema import LEADS

from .clitools import assert_clean_failure, digest, empty_workspace, records, run

HEADER = [c.name for c in LEADS.columns]
FORMULAS = {"company": "=1+1", "contact_name": "@SUM(A1)", "email": "-abc", "region": "+"}
LEFT_ALONE = {"phone": "+86 138 0013 8000", "industry": "-5"}


def lead_row(i: int, **fields) -> list:
    base = {
        "lead_id": f"L-{i:06d}",
        "created_on": "2026-11-02",
        "company": f"Company {i}",
        "status": "new",
    }
    base.update(fields)
    return [base.get(name, "") for name in HEADER]


def write_register(path, rows: list[list], header: list | None = None) -> None:
    """A register as a user's program would save it (CSV: UTF-8 with BOM; xlsx: openpyxl)."""
    header = header or HEADER
    if path.suffix == ".csv":
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows([header, *rows])
        path.write_bytes(buf.getvalue().encode("utf-8-sig"))
        return
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in [header, *rows]:
        sheet.append([None if v == "" else v for v in row])
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even if it looks like a formula
    book.save(path)


def raw_csv_rows(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


# ---------------------------------------------------------------- formula-like text


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_formula_like_text_is_stored_as_text_and_read_back_without_the_guard(tmp_path, fmt):
    ws = empty_workspace(tmp_path / "ws", fmt)
    res = run(
        ["lead", "add", "--company", "=1+1", "--contact", "@SUM(A1)", "--email", "-abc", "--region", "+",
         "--phone", "+86 138 0013 8000", "--industry", "-5", "--notes", "=HYPERLINK(\"http://x\")"],
        ws,
    )  # fmt: skip
    assert res.code == 0, res.err
    typed = {**FORMULAS, **LEFT_ALONE, "notes": '=HYPERLINK("http://x")'}

    if fmt == "xlsx":
        import openpyxl

        sheet = openpyxl.load_workbook(ws / "leads.xlsx").worksheets[0]
        cells = {sheet.cell(1, j).value: sheet.cell(2, j) for j in range(1, sheet.max_column + 1)}
        for name, text in typed.items():
            assert cells[name].value == text and cells[name].data_type == "s", (
                name
            )  # a string, not a formula
        assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    else:
        header, row = raw_csv_rows(ws / "leads.csv")
        stored = dict(zip(header, row, strict=True))
        for name, text in typed.items():
            guarded = name not in LEFT_ALONE
            assert stored[name] == ("'" + text if guarded else text), name
        history = raw_csv_rows(ws / "history.csv")
        assert ["leads", "L-000001", "company", "", "'=1+1"] == history[3][
            3:
        ]  # history.csv is CSV too

    (record,) = records(ws, "leads")
    assert {k: record[k] for k in typed} == typed  # read back without the '

    export = run(["list", "leads", "-f", "csv"], ws)
    header, row = list(csv.reader(io.StringIO(export.out)))
    exported = dict(zip(header, row, strict=True))
    assert exported["company"] == "'=1+1" and exported["contact_name"] == "'@SUM(A1)"
    assert exported["email"] == "'-abc" and exported["region"] == "'+"
    assert exported["phone"] == "+86 138 0013 8000" and exported["industry"] == "-5"
    out = tmp_path / "export.csv"
    assert run(["list", "leads", "-f", "csv", "-o", str(out)], ws).code == 0
    assert "'=1+1" in out.read_text(encoding="utf-8-sig")


def test_tab_and_cr_leading_text_in_a_csv_register_is_guarded_on_rewrite_and_kept(tmp_path):
    ws = empty_workspace(tmp_path / "ws", "csv")
    write_register(
        ws / "leads.csv",
        [
            lead_row(1, notes="\t=cmd|' /C calc'!A0"),
            lead_row(2, notes="\r=2+3"),
            lead_row(3, notes="'kept"),
        ],
        HEADER,
    )
    for lead in ("L-000001", "L-000002", "L-000003"):  # each rewrites its own record of leads.csv
        assert run(["advance", lead, "contacted"], ws).code == 0
    rows = raw_csv_rows(ws / "leads.csv")
    notes = HEADER.index("notes")
    assert [r[notes] for r in rows[1:]] == ["'\t=cmd|' /C calc'!A0", "'\r=2+3", "'kept"]
    from salesops.storage.csv_io import read_csv

    assert [r[notes] for r in read_csv(ws / "leads.csv")[1:]] == [
        "\t=cmd|' /C calc'!A0",
        "\r=2+3",
        "'kept",
    ]


# ---------------------------------------------------------------- text that looks like "missing"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_na_like_text_stays_text(tmp_path, fmt):
    words = ["#N/A", "NA", "None", "null", "N/A", "nan", "NULL", "-"]
    ws = empty_workspace(tmp_path / "ws", fmt)
    write_register(
        ws / f"leads.{fmt}",
        [lead_row(i + 1, company=w, industry=w, notes=w) for i, w in enumerate(words)],
    )
    res = run(["validate"], ws)
    assert res.code == 0, res.err  # "NA" is a company name, not a missing required value
    got = records(ws, "leads")
    assert [(r["company"], r["industry"], r["notes"]) for r in got] == [(w, w, w) for w in words]
    assert run(["advance", "L-000001", "contacted"], ws).code == 0
    assert [(r["company"], r["notes"]) for r in records(ws, "leads")] == [(w, w) for w in words]
    data = json.loads(run(["list", "leads", "--where", "company=NA", "-f", "json"], ws).out)
    assert [r["lead_id"] for r in data] == ["L-000002"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_ids_and_phone_numbers_keep_leading_zeros_and_long_digits(tmp_path, fmt):
    ws = empty_workspace(tmp_path / "ws", fmt)
    phones = ["013800138000", "00861380013800", "12345678901234567890", "0"]
    write_register(
        ws / f"leads.{fmt}", [lead_row(i + 1, phone=p, notes="007") for i, p in enumerate(phones)]
    )
    assert run(["validate"], ws).code == 0
    assert run(["advance", "L-000001", "contacted"], ws).code == 0  # a rewrite keeps them too
    got = records(ws, "leads")
    assert [r["phone"] for r in got] == phones
    assert {r["notes"] for r in got} == {"007"}


# ---------------------------------------------------------------- control characters, over-long text


def test_control_characters_in_a_register_are_reported_with_row_and_column_and_kept(tmp_path):
    ws = empty_workspace(tmp_path / "ws", "csv")
    write_register(
        ws / "leads.csv",
        [lead_row(1), lead_row(2, notes="bell\x07here"), lead_row(3, contact_name="\x1b[31mred")],
    )
    res = run(["validate"], ws)
    assert res.code == 1
    assert res.err_lines == [
        "error: leads.csv row 3, notes: the text holds the control character U+0007, which a spreadsheet cell "
        "cannot hold; remove it",
        "error: leads.csv row 4, contact_name: the text holds the control character U+001B, which a spreadsheet "
        "cell cannot hold; remove it",
    ]
    assert (
        run(["advance", "L-000001", "contacted"], ws).code == 0
    )  # other rows can still be worked on
    assert "bell\x07here" in (ws / "leads.csv").read_text(
        encoding="utf-8-sig"
    )  # not silently changed


def test_text_past_excels_cell_limit_in_a_register_is_reported(tmp_path):
    ws = empty_workspace(tmp_path / "ws", "csv")
    write_register(
        ws / "leads.csv", [lead_row(1, notes="x" * 32767), lead_row(2, notes="y" * 40000)]
    )
    res = run(["validate"], ws)
    assert res.code == 1
    assert res.err_lines == [
        "error: leads.csv row 3, notes: the text has 40,000 characters, past the limit of 32,767 "
        "characters a spreadsheet cell can hold"
    ]
    assert run(["advance", "L-000001", "contacted"], ws).code == 0
    assert "y" * 40000 in (ws / "leads.csv").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize(
    ("notes", "message"),
    [
        (
            "a\x01b",
            "the text holds the control character U+0001, which a spreadsheet cell cannot hold; remove it",
        ),
        (
            "z" * 32768,
            "the text has 32,768 characters, past the limit of 32,767 characters a spreadsheet cell can hold",
        ),
    ],
    ids=["control-character", "too-long"],
)
def test_a_command_given_such_text_is_refused_and_writes_nothing(tmp_path, fmt, notes, message):
    ws = empty_workspace(tmp_path / "ws", fmt)
    write_register(ws / f"leads.{fmt}", [lead_row(1)])
    before = digest(ws)
    res = run(["lead", "add", "--company", "Acme", "--notes", notes], ws)
    assert_clean_failure(res)
    assert res.err_lines == [f"error: leads.{fmt} row 3, notes: {message}"]
    assert digest(ws) == before
    res = run(["advance", "L-000001", "contacted", "--set", f"notes={notes}"], ws)
    assert res.err_lines == [f"error: leads.{fmt} row 2, notes: {message}"]
    assert digest(ws) == before


# ---------------------------------------------------------------- register shape


def test_merged_cells_are_a_clear_error_and_nothing_is_written(tmp_path):
    import openpyxl

    ws = empty_workspace(tmp_path / "ws", "xlsx")
    write_register(ws / "leads.xlsx", [lead_row(1), lead_row(2), lead_row(3)])
    book = openpyxl.load_workbook(ws / "leads.xlsx")
    book.active.merge_cells("D3:E4")
    book.save(ws / "leads.xlsx")
    before = digest(ws)
    line = "error: leads.xlsx has merged cells (D3:E4); a register needs one value per cell: unmerge them"
    for args in (
        ["list", "leads"],
        ["lead", "add", "--company", "Acme"],
        ["advance", "L-000001", "contacted"],
    ):
        res = run(args, ws)
        assert_clean_failure(res)
        assert res.err_lines == [line], args
    res = run(["validate"], ws)
    assert res.code == 1 and res.err_lines == [line]
    assert digest(ws) == before


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_second_header_row_is_a_clear_error_and_nothing_is_written(tmp_path, fmt):
    ws = empty_workspace(tmp_path / "ws", fmt)
    chinese = [c.zh for c in LEADS.columns]
    write_register(ws / f"leads.{fmt}", [chinese, lead_row(1), lead_row(2)])
    before = digest(ws)
    line = (
        f"error: leads.{fmt}: row 2 repeats the header (线索编号, 创建日期, 来源, …); a register has one "
        "header row, in row 1: delete row 2"
    )
    for args in (
        ["list", "leads"],
        ["lead", "add", "--company", "Acme"],
        ["advance", "L-000001", "contacted"],
    ):
        res = run(args, ws)
        assert_clean_failure(res)
        assert res.err_lines == [line], args
    res = run(["validate"], ws)
    assert res.code == 1 and res.err_lines == [line]
    assert digest(ws) == before


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_trailing_empty_rows_are_ignored(tmp_path, fmt):
    ws = empty_workspace(tmp_path / "ws", fmt)
    path = ws / f"leads.{fmt}"
    write_register(path, [lead_row(1), lead_row(2)])
    if fmt == "csv":
        with open(path, "ab") as fh:
            fh.write(b",,,,,,,\r\n" * 5 + b"\r\n" * 3 + b"   ,  ,\r\n")
    else:
        import openpyxl
        from openpyxl.styles import PatternFill

        book = openpyxl.load_workbook(path)
        sheet = book.active
        for r in range(4, 30):  # formatted but empty rows, as Excel leaves them
            for c in range(1, 5):
                sheet.cell(r, c).fill = PatternFill("solid", fgColor="FFFF00")
        book.save(path)
    assert len(records(ws, "leads")) == 2
    assert run(["validate"], ws).code == 0
    res = run(["lead", "add", "--company", "Third Co"], ws)
    assert res.code == 0 and res.out.startswith("L-000003 added"), res.err
    got = records(ws, "leads")
    assert [r["lead_id"] for r in got] == ["L-000001", "L-000002", "L-000003"]
    from salesops.storage.workspace import read_rows

    _, rows = read_rows(path, fmt)
    assert [r[0] for r in rows if any(c not in (None, "") and str(c).strip() for c in r)] == [
        "L-000001",
        "L-000002",
        "L-000003",
    ]
    assert rows[2][0] == "L-000003"  # right below the data, not after the empty rows
    assert run(["validate"], ws).code == 0
