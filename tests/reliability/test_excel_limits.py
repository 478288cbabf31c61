"""Issue 10 §4: no write past Excel's last row (1,048,576) or last column (XFD).

Before: with a value in row 1,048,576 (a stray cell far below the records),
appending wrote row 1,048,577; openpyxl then could not open the file and
LibreOffice dropped the rows. Now such a write is refused, naming the file and
what to do, and nothing is written. Real workbooks, the real CLI.
"""

from __future__ import annotations

import os

import pytest

from .clitools import META, assert_clean_failure, digest, empty_workspace, run

LAST_ROW = 1_048_576


def _leads_workbook(path, header, rows, stray_row=None) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "leads"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if stray_row:
        sheet.cell(row=stray_row, column=5, value="stray note far below")
    book.save(path)


HEADER = ["lead_id", "created_on", "company", "status", "notes"]


@pytest.mark.parametrize(
    ("stray_row", "args", "n"),
    [
        (LAST_ROW, ["lead", "add", "--company", "One More Co"], 1),
        (LAST_ROW - 1, ["import", "leads", "{source}", "--default-date", "today"], 2),
    ],
    ids=["add-after-the-last-row", "import-two-rows-after-the-last-but-one"],
)
def test_appending_past_the_last_row_is_refused_and_nothing_is_written(tmp_path, stray_row, args, n):
    ws = empty_workspace(tmp_path / "ws", "xlsx")
    _leads_workbook(ws / "leads.xlsx", HEADER, [["L-000001", "2026-11-01", "Acme", "new", ""]], stray_row)
    source = tmp_path / "more.csv"
    source.write_text("company\nNew Co A\nNew Co B\n", encoding="utf-8")
    before = digest(ws)
    res = run([a.replace("{source}", str(source)) for a in args], ws)
    assert_clean_failure(res)
    rows = "row" if n == 1 else "rows"
    assert res.err_lines == [
        f"error: leads.xlsx: {n} new {rows} after row {stray_row:,} would pass row 1,048,576, the last "
        "row of a spreadsheet; remove what lies below the records (or move old records to another file)"
    ]
    assert digest(ws) == before
    assert sorted(os.listdir(ws / META)) in (["cache", "lock"], ["lock"])


def test_a_new_column_past_xfd_is_refused(tmp_path):
    ws = empty_workspace(tmp_path / "ws", "xlsx")
    header = HEADER[:4] + [f"user column {i}" for i in range(16_384 - 4)]  # full to XFD, no notes
    _leads_workbook(ws / "leads.xlsx", header, [["L-000001", "2026-11-01", "Acme", "new"]])
    before = digest(ws)
    res = run(["lead", "add", "--company", "Wide Co", "--notes", "needs a notes column"], ws)
    assert_clean_failure(res)
    assert res.err_lines == [
        "error: leads.xlsx: a new column would pass column XFD (16,384), the last column of a "
        "spreadsheet; remove unused columns at the right"
    ]
    assert digest(ws) == before


def test_the_last_row_itself_may_be_filled(tmp_path):
    """Up to row 1,048,576 is fine: the limit is Excel's, not one row short of it."""
    from salesops.errors import StorageError
    from salesops.storage.xlsx_patch import MAX_ROWS, SheetPatch

    assert MAX_ROWS == LAST_ROW
    patch = SheetPatch.__new__(SheetPatch)  # the check alone, on a sheet whose last row is 1,048,574
    patch.label = "leads.xlsx"
    patch._check_limits({}, [["a"], ["b"]], LAST_ROW - 1)  # rows 1,048,575 and 1,048,576: allowed
    with pytest.raises(StorageError, match="3 new rows after row 1,048,574 would pass row 1,048,576"):
        patch._check_limits({}, [["a"], ["b"], ["c"]], LAST_ROW - 1)
