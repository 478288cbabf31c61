"""Issue 10: money beyond float precision, stored wrong without a word.

Before: `99999999999999.99` was stored as `.98`, `999999999999999.99` was written
as `1000000000000000.0` (then unreadable), `0.005` silently became `0.01`, and
JSON output went through floats. Now every amount is exact to the cent from
the command line or an import file, through xlsx and CSV registers, to JSON;
what cannot be kept exactly is refused with a message stating the limit.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesops import values as V
from salesops.jsonout import dumps

from .clitools import assert_clean_failure, digest, empty_workspace, run, sample_workspace

TOO_LARGE = "is beyond 9,999,999,999,999.99, the largest amount salesops keeps exact to the cent"
TOO_PRECISE = "has more than two decimals (amounts are kept to the cent)"
cents = st.integers(-999_999_999_999_999, 999_999_999_999_999)
amounts = cents.map(lambda c: Decimal(c).scaleb(-2))


def _leads_json(ws: Path) -> list[dict]:
    res = run(["list", "leads", "-f", "json"], ws)
    assert res.code == 0, res.err
    return json.loads(res.out, parse_float=Decimal)


# ---------------------------------------------------------------- the three values of the issue


@pytest.mark.parametrize(
    ("typed", "why"),
    [("99999999999999.99", TOO_LARGE), ("999999999999999.99", TOO_LARGE), ("0.005", TOO_PRECISE)],
)
def test_the_issues_amounts_are_refused_not_changed(tmp_path, typed, why):
    ws = sample_workspace(tmp_path / "ws", "xlsx")
    before = digest(ws)
    res = run(["lead", "add", "--company", "Precision Co", "--value", typed], ws)
    assert_clean_failure(res, code=2)  # a bad option value
    assert res.err_lines == [f'error: --value "{typed}" {why}']
    res = run(["payment", "record", "R-000012", "--amount", typed], ws)
    assert res.err_lines == [f'error: --amount "{typed}" {why}']
    assert digest(ws) == before


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_largest_amounts_are_kept_to_the_cent_in_both_formats(tmp_path, fmt):
    ws = empty_workspace(tmp_path / "ws", fmt)
    values = ("9999999999999.99", "-9,999,999,999,999.99", "0.01", "12.34万")
    for name, value in zip("ABCD", values, strict=True):
        assert run(["lead", "add", "--company", f"Co {name}", "--value", value], ws).code == 0
    got = [r["estimated_value"] for r in _leads_json(ws)]
    assert got == [
        Decimal("9999999999999.99"),
        Decimal("-9999999999999.99"),
        Decimal("0.01"),
        Decimal("123400"),
    ]
    if fmt == "xlsx":  # an independent reader sees the same numbers in the cells
        import openpyxl

        sheet = openpyxl.load_workbook(ws / "leads.xlsx").worksheets[0]
        col = [c.value for c in sheet[1]].index("estimated_value")
        cells = [row[col].value for row in sheet.iter_rows(min_row=2)]
        assert [Decimal(repr(v)) for v in cells] == got
    else:
        text = (ws / "leads.csv").read_bytes().decode("utf-8-sig")
        assert "9999999999999.99" in text and "-9999999999999.99" in text
    assert run(["validate"], ws).code == 0


def test_an_import_names_each_amount_it_cannot_keep(tmp_path):
    ws = empty_workspace(tmp_path / "ws", "xlsx")
    source = tmp_path / "new-leads.csv"
    source.write_text(
        "company,estimated_value\nExact Co,9999999999999.99\nHuge Co,99999999999999.99\n"
        "Tiny Co,0.005\n",
        encoding="utf-8",
    )
    res = run(["import", "leads", str(source)], ws)
    assert res.code == 1
    assert [line for line in res.err_lines if "estimated_value" in line] == [
        f'error: new-leads.csv row 3, estimated_value: "99999999999999.99" {TOO_LARGE}',
        f'error: new-leads.csv row 4, estimated_value: "0.005" {TOO_PRECISE}',
    ]
    assert not (ws / "leads.xlsx").exists()  # nothing written


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_register_holding_such_an_amount_is_reported_with_row_and_column(tmp_path, fmt):
    """Typed in Excel: validate says where and why; other commands keep the cell as it is."""
    ws = empty_workspace(tmp_path / "ws", fmt)
    assert run(["lead", "add", "--company", "Hand Co", "--value", "1"], ws).code == 0
    path = ws / f"leads.{fmt}"
    if fmt == "csv":
        text = path.read_bytes().decode("utf-8-sig").replace(",1.00,", ",99999999999999.99,")
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    else:
        import openpyxl

        book = openpyxl.load_workbook(path)
        sheet = book.worksheets[0]
        col = [c.value for c in sheet[1]].index("estimated_value") + 1
        sheet.cell(row=2, column=col).value = 99999999999999.99  # what Excel stores: a double
        book.save(path)
    res = run(["validate"], ws)
    assert res.code == 1
    shown = "99999999999999.99" if fmt == "csv" else "99999999999999.98"  # the double Excel holds
    assert f'error: leads.{fmt} row 2, estimated_value: "{shown}" {TOO_LARGE}' in res.err_lines


# ---------------------------------------------------------------- properties


@given(amounts)
def test_parse_money_is_exact_or_refuses(d):
    text = V.format_money(d)
    if abs(d) <= V.MAX_MONEY:
        assert V.parse_money(text) == d and V.parse_money(float(text)) == d
    else:
        with pytest.raises(V.BadValue, match="the largest amount"):
            V.parse_money(text)


@given(amounts, st.integers(1, 6), st.integers(1, 9))
def test_more_than_two_decimals_is_never_rounded_silently(d, extra, last):
    text = V.format_money(d) + "0" * (extra - 1) + str(last)  # 1234.56 → 1234.56003
    with pytest.raises(V.BadValue) as info:
        V.parse_money(text)
    assert str(info.value) in (TOO_PRECISE, TOO_LARGE)


@given(st.lists(amounts, max_size=30))
def test_json_output_gives_every_amount_back_to_the_cent(values):
    """Sums past 15 digits too: JSON is written from the Decimal, never through a lossy float."""
    data = {"amounts": values, "rows": [{"amount": v, "id": f"R-{i}"} for i, v in enumerate(values)]}
    back = json.loads(dumps(data), parse_float=Decimal, parse_int=Decimal)
    assert back["amounts"] == values
    assert [r["amount"] for r in back["rows"]] == values


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(cents.filter(lambda c: abs(c) <= 999_999_999_999_999), min_size=1, max_size=25),
    st.sampled_from(["xlsx", "csv"]),
)
def test_amounts_round_trip_through_real_registers(tmp_path_factory, cent_values, fmt):
    """Import → register file (xlsx or CSV) → list -f json: every amount to the cent."""
    ws = empty_workspace(tmp_path_factory.mktemp("money") / "ws", fmt)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["company", "estimated_value"])
    wanted = [Decimal(c).scaleb(-2) for c in cent_values]
    for i, d in enumerate(wanted):
        writer.writerow([f"Round Trip {i}", V.format_money_display(d)])
    source = ws.parent / "source.csv"
    source.write_text(buf.getvalue(), encoding="utf-8")
    res = run(["import", "leads", str(source), "--default-date", "today"], ws)
    assert res.code == 0, res.err
    got = {r["company"]: r["estimated_value"] for r in _leads_json(ws)}
    assert [got[f"Round Trip {i}"] for i in range(len(wanted))] == wanted
