"""Issue 10: the formula guard of every CSV salesops writes (CSV injection, OWASP).

In CSV registers, `list -f csv` and report CSVs, a cell starting with `=`, `+`,
`-`, `@`, a tab, a CR or their full-width forms (＝＋－＠) is written with a
leading `'`, so Excel, WPS and LibreOffice keep it as text; registers read back
exactly what was typed (also text that starts with `'` itself), and numbers
stay numbers. One guard function (`values.csv_guard`) serves every writer.
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesops import values as V
from salesops.storage import csv_io

from .clitools import empty_workspace, records, run, sample_workspace

RISKY = ["=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"]
INJECTIONS = [
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
    "＝1+2",
    "＋cmd",
    "－cmd",
    "＠SUM(A1)",
    "'=1+2",  # typed with an apostrophe of its own: kept, apostrophe and all
    "''@x",
]
text = st.text(st.sampled_from([*RISKY, "'", "a", "1", " ", ".", "华"]), max_size=8)


@given(text)
def test_guard_then_unguard_is_the_text_itself(t):
    assert V.csv_unguard(V.csv_guard(t)) == t
    assert csv_io.guard is V.csv_guard and csv_io.unguard is V.csv_unguard  # one guard


@given(text)
def test_a_guarded_cell_never_starts_a_formula(t):
    guarded = V.csv_guard(t)
    assert not V.is_formula_like(guarded)


@pytest.mark.parametrize("number", ["-12.5", "+86 138 0013 8000", "-1,234.50", "-5", "1e5"])
def test_numbers_stay_numbers(number):
    assert V.csv_guard(number) == number


def _csv_cells(data: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.lstrip("\ufeff"), newline="")))


@pytest.mark.parametrize("payload", INJECTIONS)
def test_a_csv_register_guards_on_write_and_reads_back_what_was_typed(tmp_path, payload):
    ws = empty_workspace(tmp_path / "ws", "csv")
    assert run(["lead", "add", "--company", "Guard Co", "--notes", payload, "--value", "-5"], ws).code == 0
    header, row = _csv_cells((ws / "leads.csv").read_bytes().decode("utf-8"))
    stored = dict(zip(header, row, strict=False))
    assert stored["notes"] == "'" + payload
    assert stored["estimated_value"] == "-5.00"  # numbers stay numbers
    (lead,) = records(ws, "leads")
    assert lead["notes"] == payload


def test_list_csv_and_report_csv_are_guarded(tmp_path):
    ws = sample_workspace(tmp_path / "ws", "xlsx")
    name = "＝HYPERLINK(\"http://evil.example\")"
    import openpyxl  # the name typed in the spreadsheet (a string cell, as Excel keeps ＝…)

    book = openpyxl.load_workbook(ws / "accounts.xlsx")
    sheet = book.worksheets[0]
    head = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "A-000015":
            row[head.index("name")].value = name
    book.save(ws / "accounts.xlsx")
    listed = run(["list", "accounts", "-f", "csv"], ws)
    assert listed.code == 0, listed.err
    row = next(r for r in _csv_cells(listed.out) if r[0] == "A-000015")
    assert "'" + name in row
    aging = run(["report", "aging", "-f", "csv"], ws)
    assert aging.code == 0, aging.err
    cells = [c for r in _csv_cells(aging.out) for c in r]
    assert "'" + name in cells and name not in cells
    assert any(c.startswith("-") or c[:1].isdigit() for c in cells)  # amounts unguarded
