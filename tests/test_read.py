"""The one read path: cells typed as the scalar parsers type them, the one cache, the register's
own sheet, encodings told with evidence, the CSV dialect kept on rewrite, extra fields seen."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesops import codec, values
from salesops.schema import REGISTERS
from salesops.storage import cache
from salesops.storage.frames import read_frame
from salesops.storage.read import read_typed
from salesops.storage.workspace import Workspace
from salesops.typed import typed_value
from tests.conftest import make_workspace, run_cli, tree_digest

REC = REGISTERS["receivables"]
LEADS = REGISTERS["leads"]


def age(*paths: Path, seconds: int = 60) -> None:
    """Make files look older than the cache's racy window."""
    then = time.time() - seconds
    for p in paths:
        os.utime(p, (then, then))


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",", newline: str = "\r\n", encoding: str = "utf-8-sig") -> None:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter, lineterminator=newline).writerows(rows)


# ------------------------------------------------------------------ typed cells = the scalar parser

CELL = st.one_of(
    st.sampled_from(
        ["", " ", "2026-11-05", "2026/11/5", "2026年11月5日", "11/5/2026", "45966", "2026-02-30", "0000-01-01",
         "1234.5", "1,234.50", "¥1,234.50", "12.5万", "(50)", "-0.00", ".5", "1234.567", "30%", "３０", "abc",
         "invoiced", "已开票", "INVOICED", "advance", "预付款", "other text", " A-1 ", "'=1+2", "'kept", "0012",
         "9999999999999.99", "99999999999999999", "1e3", "TRUE", "是", "-5", "\u3000A-1", "A-1\u3000", "\u3000",
         "客户。", "A\u2028"]
    ),
    st.text(alphabet="0123456789.,-年月日万¥ %/abc\u3000\u00a0\t", max_size=12),
)
COLUMNS = ["receivable_id", "account_id", "milestone", "pct", "amount", "due_date", "status", "invoice_no"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=len(COLUMNS), max_size=len(COLUMNS)), min_size=1, max_size=12))
def test_every_cell_reads_as_the_scalar_parser_reads_it(tmp_path, rows):
    """Bulk paths and the once-per-distinct-value parsing give exactly codec.read_cell's values,
    and a cell is a problem exactly when codec.read_cell refuses it."""
    path = tmp_path / "receivables.csv"
    rows = [[f"R-{i}", *r[1:]] for i, r in enumerate(rows)]
    write_csv(path, [COLUMNS, *rows])
    assert_read_as_scalar(path, rows)


def assert_read_as_scalar(path: Path, rows: list[list[str]], only: list[int] | None = None) -> None:
    """`read_typed` of the CSV file `path` (of COLUMNS and `rows`) gives codec.read_cell's value
    of every cell (of the rows `only`), and a problem exactly where it refuses the cell."""
    from salesops.storage.csv_io import unguard

    typed = read_typed(path, "csv", REC)
    bad = {(p.row, p.column) for p in typed.problems}
    for k in range(len(rows)) if only is None else only:
        row = rows[k]
        for name, cell in zip(COLUMNS, row, strict=True):
            col = REC.column(name)
            try:
                want = codec.read_cell(col, unguard(cell), "MDY")
            except values.BadValue:
                assert (k + 2, name) in bad, (name, cell)
                continue
            assert (k + 2, name) not in bad, (name, cell)
            got = typed_value(col, typed.data.column(name)[k].as_py())
            assert got == want, (name, cell)


ISO_CELL = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.dates().map(dt.date.isoformat),
    st.sampled_from(["", "0000-01-01", "0000-02-29", "2026-02-30", "2026-13-01", " 2026-11-05", "2026-11-05\t",
                     "NA", "2026/11/5", "\u30002026-11-05", "20261105", "2026-11-5", "+2026-11-05"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=st.lists(ISO_CELL, min_size=1, max_size=12))
def test_a_column_of_iso_dates_reads_as_the_scalar_parser_reads_it(tmp_path, days):
    """A date column of ISO dates comes from Arrow's CSV reader as dates (`csv_io._iso_dates`);
    whatever else it holds (year 0, 30 February, "NA", other forms) the cells read as
    codec.read_cell reads them, as they do as text."""
    path = tmp_path / "receivables.csv"
    rows = [[f"R-{i}", "A-1", "", "", "1.00", day, "invoiced", ""] for i, day in enumerate(days)]
    write_csv(path, [COLUMNS, *rows])
    assert_read_as_scalar(path, rows)


@pytest.mark.parametrize(
    ("late", "as_dates"),
    [("2026/11/5", False), ("NA", False), ("0000-01-01", False), ("2026-02-30", False), (" 2026-11-05", True), ("", True)],
)
def test_a_date_past_the_sample_that_is_no_iso_date_is_read_as_text(tmp_path, late, as_dates):
    """The first megabyte of due dates is ISO, so the reader is asked for dates; a cell after it
    that it refuses makes the file read as text (one it takes is the day parse_date reads),
    with the same values and problems as ever."""
    from salesops.storage import csv_io

    path = tmp_path / "receivables.csv"
    n = 30_000  # past csv_io.SAMPLE
    rows = [[f"R-{i:07d}", "A-000001", "", "", "1.00", f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}", "invoiced", ""] for i in range(n)]
    rows.append([f"R-{n}", "A-1", "", "", "1.00", late, "invoiced", ""])
    write_csv(path, [COLUMNS, *rows])
    assert path.stat().st_size > csv_io.SAMPLE
    assert_read_as_scalar(path, rows, only=[0, 1, n - 1, n])
    due = COLUMNS.index("due_date")
    got = csv_io.read_columns(path, dates=lambda header: [due]).columns[due]
    assert str(got.type) == ("date32[day]" if as_dates else "string")
    rows[-1][due] = "2026-12-31"
    write_csv(path, [COLUMNS, *rows])
    assert str(csv_io.read_columns(path, dates=lambda header: [due]).columns[due].type) == "date32[day]"
    assert_read_as_scalar(path, rows, only=[0, n - 1, n])


def test_xlsx_cells_read_as_the_scalar_parser_reads_them(tmp_path):
    """Numbers, dates, datetimes, booleans and text in xlsx cells, per column type."""
    path = tmp_path / "receivables.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(COLUMNS + ["collected_amount", "last_payment_on"])
    cells = [
        ["R-1", 12345, "advance", 30, 1234.5, dt.date(2026, 11, 5), "invoiced", 1234567890, 0.1 + 0.2, 45966],
        ["R-2", "A-2", "预付款", 0.5, "12.5万", dt.datetime(2026, 11, 5, 13, 30), "已开票", "0012", True, "2026年11月5日"],
        ["R-3", "A-3", 7, 101, "abc", 3.5, True, 12.0, -0.004, "x"],
    ]
    for r in cells:
        sheet.append(r)
    book.save(path)
    typed = read_typed(path, "xlsx", REC)
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(path).active.iter_rows(min_row=2)]
    bad = {(p.row, p.column) for p in typed.problems}
    header = COLUMNS + ["collected_amount", "last_payment_on"]
    for k, row in enumerate(rows):
        for name, cell in zip(header, row, strict=True):
            col = REC.column(name)
            try:
                want = codec.read_cell(col, cell, "MDY")
            except values.BadValue:
                assert (k + 2, name) in bad, (name, cell)
                continue
            assert typed_value(col, typed.data.column(name)[k].as_py()) == want, (name, cell)


TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\x00\x08\ufffe\uffff"),
        st.sampled_from("a'客户。“”…，\u00e9\u20ac\U0001f600"),
        st.characters(codec="utf-8"),
    ),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(st.one_of(st.none(), TEXT), max_size=20), cut=st.integers(0, 5))
def test_text_shape_says_what_python_says_of_each_string(cells, cut):
    """The byte-level facts behind the bulk text checks agree with Python's str for any text,
    in plain, sliced and chunked arrays: white space at either end as `str.isspace` (U+3000
    too), and `controls` whenever some string has a `text_fault`."""
    import pyarrow as pa

    from salesops.typed import text_fault, text_shape

    arr = pa.array(["pad"] * cut + cells, type=pa.string()).slice(cut)
    for text in (arr, pa.chunked_array([arr[: len(cells) // 2], arr[len(cells) // 2 :]], type=pa.string())):
        shape = text_shape(text)
        assert shape.null.tolist() == [c is None for c in cells]
        assert shape.nbytes.tolist() == [len(c.encode("utf-8")) if c else 0 for c in cells]
        assert shape.ws_first.tolist() == [bool(c) and c[0].isspace() for c in cells]
        assert shape.ws_last.tolist() == [bool(c) and c[-1].isspace() for c in cells]
        assert shape.quote_first.tolist() == [bool(c) and c[0] == "'" for c in cells]
        if any(c and text_fault(c) for c in cells):
            assert shape.controls


@settings(max_examples=40, deadline=None)
@given(cells=st.lists(st.one_of(st.none(), TEXT), min_size=1, max_size=30), repeat=st.sampled_from([1, 100, 2500]))
def test_a_text_column_as_pandas_is_its_texts_whether_it_repeats_or_not(cells, repeat):
    """`typed.series` of text (one Python string per distinct text when the column repeats its
    values, one per cell otherwise) gives each cell's text, None for none, chunked or not."""
    import pyarrow as pa

    from salesops.typed import series

    values = (cells * repeat)[: max(len(cells), 2500 if repeat > 1 else 0)]
    arr = pa.array(values, type=pa.string())
    for column in (arr, pa.chunked_array([arr[:7], arr[7:]], type=pa.string())):
        out = series("text", column)
        assert out.dtype == object and out.tolist() == values


def test_the_white_space_list_is_what_python_calls_white_space():
    """`typed.WHITE_SPACE` (spelled out, so no read asks every code point) is exactly the
    characters `str.isspace` accepts, on the Python running the suite."""
    from salesops.typed import WHITE_SPACE

    assert WHITE_SPACE == "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


def test_a_long_or_control_text_is_reported_and_clean_text_needs_no_search(tmp_path):
    path = tmp_path / "receivables.csv"
    write_csv(path, [["receivable_id", "notes"], ["R-1", "x" * 32768], ["R-2", "bell\x07"], ["R-3", "fine"]])
    typed = read_typed(path, "csv", REC)
    assert [(p.row, p.column) for p in typed.problems] == [(2, "notes"), (3, "notes")]
    write_csv(path, [["receivable_id", "notes"], ["R-1", "fine"], ["R-2", " padded\u3000"]])
    typed = read_typed(path, "csv", REC)
    assert typed.problems == [] and typed.data.column("notes").to_pylist() == ["fine", " padded\u3000"]


# ------------------------------------------------------------------ the one cache


def l_like(root: Path, n: int = 300) -> Path:
    make_workspace(root, "csv")
    write_csv(root / "accounts.csv", [["account_id", "name"], *([f"A-{i}", f"客户{i}"] for i in range(20))])
    write_csv(
        root / "receivables.csv",
        [["receivable_id", "account_id", "amount", "invoiced_on", "due_date", "status"]]
        + [[f"R-{i}", f"A-{i % 20}", f"{100 + i}.{i % 100:02d}", "2026-01-01", f"2026-{1 + i % 9:02d}-10", "invoiced"] for i in range(n)],
    )
    write_csv(
        root / "payments.csv",
        [["payment_id", "receivable_id", "received_on", "amount"]]
        + [[f"P-{i}", f"R-{i * 3}", "2026-02-01", "10.00"] for i in range(n // 3)],
    )
    return root


def aging_json(root: Path) -> dict:
    return json.loads(run_cli("report", "aging", "--as-of", "2026-09-30", "-f", "json", ws=root).stdout)


def test_warm_equals_cold_and_a_changed_file_is_never_answered_from_the_cache(tmp_path):
    root = l_like(tmp_path / "ws")
    age(*root.glob("*.csv"))
    entries = root / ".salesops" / "cache"
    cold = aging_json(root)
    assert sorted(p.name for p in entries.glob("*.arrow")) == ["accounts.csv.arrow", "payments.csv.arrow", "receivables.csv.arrow"]
    # what aging computes from them (where each payment's receivable is, the accounts and statuses
    # as codes) is kept beside them, under their keys
    derived = sorted(p.name for p in (entries / "derived").glob("*.arrow"))
    assert derived == [
        "payments.csv.receivable_id-in-receivables.csv.receivable_id.arrow",
        "receivables.csv.account_id.codes.arrow",
        "receivables.csv.status.codes.arrow",
    ]
    assert aging_json(root) == cold
    # same size, other bytes, mtime moved on: another amount
    rec = root / "receivables.csv"
    text = rec.read_text(encoding="utf-8-sig").replace("R-5,A-5,105.05", "R-5,A-5,905.05")
    rec.write_text(text, encoding="utf-8-sig")
    age(rec, seconds=30)
    changed = aging_json(root)
    assert changed["totals"]["total"] == pytest.approx(cold["totals"]["total"] + 800)
    # a file changed just now is read, not cached
    stamp = (entries / "receivables.csv.arrow").stat().st_mtime_ns
    rec.write_text(text.replace("R-6,A-6,106.06", "R-6,A-6,206.06"), encoding="utf-8-sig")
    assert aging_json(root)["totals"]["total"] == pytest.approx(changed["totals"]["total"] + 100)
    assert (entries / "receivables.csv.arrow").stat().st_mtime_ns == stamp
    # R-3 renamed R-1 (same size): the 10.00 paid to R-3 finds no receivable any more, so 10.00
    # more is owed — not answered from the join kept for the old IDs, cold or warm
    age(rec, seconds=20)
    before = aging_json(root)["totals"]["total"]
    rec.write_text(rec.read_text(encoding="utf-8-sig").replace("R-3,", "R-1,", 1), encoding="utf-8-sig")
    age(rec, seconds=10)
    assert aging_json(root)["totals"]["total"] == pytest.approx(before + 10.00)
    assert aging_json(root)["totals"]["total"] == pytest.approx(before + 10.00)
    # a damaged entry is ignored, and the settings that change parsing are part of the key
    (entries / "payments.csv.arrow").write_bytes(b"garbage")
    assert cache.load(root, root / "payments.csv", "MDY") is None
    assert cache.load(root, root / "accounts.csv", "DMY") is None
    assert cache.load(root, root / "accounts.csv", "MDY") is not None
    assert aging_json(root) == json.loads(json.dumps(aging_json(root)))


def test_an_entry_is_written_in_the_background_and_settled_before_the_command_ends(tmp_path):
    """`store` hands the entry to the writer thread and says the table is the file of its key;
    `settle` waits for it; the CLI settles before it exits (no temporary left, entry readable)."""
    from salesops.schema import REGISTERS

    root = l_like(tmp_path / "ws")
    age(*root.glob("*.csv"))
    path = root / "receivables.csv"
    typed = cache.read_register(root, path, "csv", REGISTERS["receivables"], "MDY")
    cache.settle()
    assert typed.key == cache.key_of(path, "MDY")
    hit = cache.load(root, path, "MDY")
    assert hit is not None and hit.data.equals(typed.data) and hit.key == typed.key
    entries = root / ".salesops" / "cache"
    assert not [p for p in entries.rglob("*") if p.name.startswith(".")]
    aging_json(root)
    assert not [p for p in entries.rglob("*") if p.name.startswith(".")]
    assert len(list((entries / "derived").glob("*.arrow"))) == 3
    # a file changed just now: read, not kept, and not vouched for (no key)
    path.write_text(path.read_text(encoding="utf-8-sig"), encoding="utf-8-sig")
    fresh = cache.read_register(root, path, "csv", REGISTERS["receivables"], "MDY")
    assert fresh.key is None


def test_a_cache_that_cannot_be_written_never_fails_a_read(tmp_path):
    root = l_like(tmp_path / "ws")
    age(*root.glob("*.csv"))
    (root / ".salesops").write_text("not a folder")  # nothing can be created under it
    assert aging_json(root)["totals"]["total"] > 0
    assert cache.save_table(root / ".salesops" / "cache" / "x.arrow", read_typed(root / "accounts.csv", "csv", REGISTERS["accounts"]).data, {}) is False


def test_temp_files_killed_writers_left_in_the_cache_are_swept_and_live_ones_kept(tmp_path):
    """A process killed while writing a cache entry leaves its temp file; the next process that
    writes to the cache removes those an hour old (no live writer takes that long) and no other."""
    root = make_workspace(tmp_path / "ws", "csv")
    (root / "leads.csv").write_text("lead_id,created_on,company,status\r\nL-000001,2026-11-05,Acme,new\r\n", encoding="utf-8")
    age(root / "leads.csv")
    folder = root / cache.CACHE_DIR
    folder.mkdir(parents=True)
    killed, live = folder / ".leads.csv.arrow.4242.tmp", folder / ".accounts.csv.arrow.4343.tmp"
    killed.write_bytes(b"half an entry")
    live.write_bytes(b"being written")
    age(killed, seconds=cache.STALE_SECONDS + 60)
    age(live, seconds=5)
    assert run_cli("list", "leads", "-f", "json", ws=root).returncode == 0
    cache.settle()
    assert (folder / "leads.csv.arrow").exists()  # the command wrote to the cache
    assert not killed.exists() and live.exists()


def test_cached_typed_tables_equal_freshly_read_ones(tmp_path):
    root = make_workspace(tmp_path / "ws", "xlsx")
    run_cli("init", str(root), "--sample")
    book = openpyxl.load_workbook(root / "receivables.xlsx")
    sh = book.worksheets[0]
    sh["G3"] = "not money"
    sh["H4"] = "2026-13-45"
    sh.append([])
    sh.append(["  ", None, "   "])
    book.save(root / "receivables.xlsx")
    age(*root.glob("*.xlsx"))
    for name in REGISTERS:
        cold = read_frame(Workspace(root), name, user_columns=True)
        warm = read_frame(Workspace(root), name, user_columns=True)
        assert warm.df.equals(cold.df) and warm.problems == cold.problems, name
        assert warm.user_columns == cold.user_columns and warm.columns_present == cold.columns_present
    frame = read_frame(Workspace(root), "receivables", ["amount", "triggered_on"])
    assert {(p.row, p.column) for p in frame.problems} >= {(3, "amount"), (4, "triggered_on")}


# ------------------------------------------------------------------ the register's sheet


def receivables_book(path: Path, sheets: list[tuple[str, list[list]]]) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets:
        sh = book.create_sheet(name)
        for r in rows:
            sh.append(r)
    book.save(path)


REC_ROWS = [
    ["receivable_id", "account_id", "amount", "invoiced_on", "due_date", "status"],
    ["R-000012", "A-1", 100, dt.date(2026, 1, 1), dt.date(2026, 2, 1), "invoiced"],
]
COVER = [["说明"], ["这是应收台账，请勿删除"], ["receivable_id 是编号"]]


def test_a_cover_sheet_first_is_skipped_and_writes_go_to_the_register_sheet(tmp_path):
    root = make_workspace(tmp_path / "ws", "xlsx")
    receivables_book(root / "receivables.xlsx", [("说明", COVER), ("应收", REC_ROWS)])
    out = run_cli("report", "aging", "--as-of", "2026-03-01", "-f", "json", ws=root)
    assert json.loads(out.stdout)["totals"]["total"] == 100
    assert run_cli("payment", "record", "R-000012", "--amount", "40", "--on", "2026-02-10", ws=root).returncode == 0
    book = openpyxl.load_workbook(root / "receivables.xlsx")
    assert [[c.value for c in r] for r in book["说明"].iter_rows()] == COVER  # untouched
    rows = [[c.value for c in r] for r in book["应收"].iter_rows()]
    assert len(rows) == 2 and rows[1][0] == "R-000012"
    assert "partially_paid" in rows[1] or "部分回款" in rows[1]


def test_two_sheets_carrying_the_register_are_refused_unless_one_is_named_after_it(tmp_path):
    root = make_workspace(tmp_path / "ws", "xlsx")
    receivables_book(root / "receivables.xlsx", [("Sheet1", REC_ROWS), ("Sheet2", REC_ROWS)])
    before = tree_digest(root)
    for args in (["list", "receivables"], ["payment", "record", "R-000012", "--amount", "1"], ["report", "aging"]):
        res = run_cli(*args, ws=root)
        assert res.returncode == 1
        assert "sheets 'Sheet1' and 'Sheet2' both carry the receivables columns" in res.stderr, res.stderr
    assert tree_digest(root) == before
    receivables_book(root / "receivables.xlsx", [("old", REC_ROWS), ("receivables", REC_ROWS)])
    assert run_cli("list", "receivables", "-f", "json", ws=root).returncode == 0


def test_no_sheet_carrying_the_register_is_refused_naming_what_each_lacks(tmp_path):
    root = make_workspace(tmp_path / "ws", "xlsx")
    receivables_book(root / "receivables.xlsx", [("说明", COVER), ("Data", [["receivable_id", "amount"], ["R-1", 5]])])
    res = run_cli("show", "R-1", ws=root)
    assert res.returncode == 1
    assert res.stderr.strip() == (
        "error: receivables.xlsx: no sheet carries the receivables columns (receivable_id, account_id, amount, status): "
        "'说明' has none of them; 'Data' lacks account_id, status"
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_header_without_required_columns_is_refused_by_every_command(tmp_path, lang):
    root = make_workspace(tmp_path / "ws", "csv", lang)
    header = ["lead_id", "company", "phone"] if lang == "en" else ["线索编号", "公司名称", "电话"]
    write_csv(root / "leads.csv", [header, ["L-000001", "Acme", "123"]])
    before = tree_digest(root)
    shown = "created_on, status" if lang == "en" else "创建日期, 状态"
    for args in (["list", "leads"], ["show", "L-000001"], ["lead", "add", "--company", "B"], ["report", "kpi"]):
        res = run_cli(*args, ws=root)
        assert res.returncode == 1, args
        said = f"leads.csv lacks the required columns {shown}" if lang == "en" else f"leads.csv 缺少必需的列 {shown}"
        assert said in res.stderr, (args, res.stderr)  # in the workspace's language, columns as its header names them
    res = run_cli("validate", "-f", "json", ws=root)
    assert {p["column"] for p in json.loads(res.stdout)["problems"] if p["row"] == 1} == {"created_on", "status"}  # the header's problems
    assert tree_digest(root) == before


# ------------------------------------------------------------------ encodings


def leads_rows(name: str = "Müller GmbH") -> list[list[str]]:
    return [
        ["lead_id", "created_on", "company", "status", "notes"],
        ["L-000001", "2026-11-05", name, "new", "Straße 5, Köln"],
        ["L-000002", "2026-11-06", "Café Noël", "new", ""],
    ]


def test_latin1_that_happens_to_be_valid_gb18030_is_read_as_latin1_and_kept_latin1(tmp_path):
    root = make_workspace(tmp_path / "ws", "csv")
    write_csv(root / "leads.csv", leads_rows(), encoding="latin-1")
    assert b"M\xfcller".decode("gb18030") == "M黮ler"  # the trap
    out = json.loads(run_cli("list", "leads", "-f", "json", ws=root).stdout)
    assert [r["company"] for r in out] == ["Müller GmbH", "Café Noël"]
    assert run_cli("advance", "L-000002", "contacted", ws=root).returncode == 0
    data = (root / "leads.csv").read_bytes()
    assert data.decode("latin-1").splitlines()[1] == "L-000001,2026-11-05,Müller GmbH,new,\"Straße 5, Köln\""
    assert "contacted" in data.decode("latin-1").splitlines()[2]
    # text Latin-1 cannot hold: the whole file becomes UTF-8 with BOM, and the user is told
    res = run_cli("advance", "L-000001", "disqualified", "--reason", "预算不足", ws=root)
    assert res.returncode == 0 and "is now UTF-8 with BOM" in res.stderr
    text = (root / "leads.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf") and "预算不足" in text.decode("utf-8-sig") and "Müller" in text.decode("utf-8-sig")


def test_gb18030_utf16_and_nul_bytes(tmp_path):
    root = make_workspace(tmp_path / "ws", "csv")
    write_csv(root / "leads.csv", leads_rows("华南贸易有限公司"), encoding="gb18030")
    assert json.loads(run_cli("list", "leads", "-f", "json", ws=root).stdout)[0]["company"] == "华南贸易有限公司"
    write_csv(root / "leads.csv", leads_rows("华南贸易有限公司"), encoding="utf-16")
    assert json.loads(run_cli("list", "leads", "-f", "json", ws=root).stdout)[0]["company"] == "华南贸易有限公司"
    (root / "leads.csv").write_bytes(b"lead_id,created_on,company,status\r\nL-1,2026-11-05,A\x00B,new\r\n")
    res = run_cli("validate", ws=root)
    assert res.returncode == 1
    assert "leads.csv holds a NUL byte (row 2, byte 52)" in res.stderr and "encoding" not in res.stderr


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_large_csv_without_a_bom_is_told_by_its_first_megabyte_and_checked_to_the_end(tmp_path, encoding):
    """No BOM: the encoding is told from the first megabyte (all ASCII here) and the reader checks
    the rest. UTF-8 reads on; Chinese in GB18030 after the first megabyte fails that check, and the
    whole file is looked at again. A byte no encoding takes is refused in words, not a traceback."""
    from salesops.storage import csv_io

    root = make_workspace(tmp_path / "ws", "csv")
    rows = [["lead_id", "created_on", "company", "status", "notes"]]
    rows += [[f"L-{i:06d}", "2026-11-05", "Acme Trading", "new", ""] for i in range(1, 30_001)]
    rows.append(["L-030001", "2026-11-06", "华南贸易有限公司", "new", "说明"])
    path = root / "leads.csv"
    write_csv(path, rows, encoding=encoding)
    data = path.read_bytes()
    assert len(data) > csv_io.SAMPLE and data[: csv_io.SAMPLE].isascii()
    out = json.loads(run_cli("list", "leads", "-f", "json", ws=root).stdout)
    assert len(out) == 30_001 and out[-1]["company"] == "华南贸易有限公司" and out[-1]["notes"] == "说明"

    path.write_bytes(data.replace("说明".encode(encoding), b"\xff"))
    res = run_cli("validate", ws=root)
    assert res.returncode == 1 and "leads.csv" in res.stderr and "Traceback" not in res.stderr


def test_bytes_that_read_as_chinese_and_as_latin1_alike_are_refused_naming_encoding(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes("lead_id,company\r\nL-1,aÕÅb\r\n".encode("latin-1"))  # a张b in GB18030, or Latin-1 letters
    root = make_workspace(tmp_path / "ws", "csv")
    res = run_cli("import", "leads", str(src), ws=root)
    assert res.returncode == 1 and "--encoding" in res.stderr


# ------------------------------------------------------------------ dialect and extra fields


@pytest.mark.parametrize("delimiter,newline", [(";", "\r\n"), ("\t", "\n"), (",", "\n")])
def test_a_rewrite_keeps_the_registers_own_dialect_and_copies_other_records(tmp_path, delimiter, newline):
    root = make_workspace(tmp_path / "ws", "csv")
    rows = leads_rows("Acme; Ltd")
    write_csv(root / "leads.csv", rows, delimiter=delimiter, newline=newline, encoding="utf-8")
    before = (root / "leads.csv").read_bytes().split(newline.encode())
    assert run_cli("advance", "L-000002", "contacted", ws=root).returncode == 0
    after = (root / "leads.csv").read_bytes().split(newline.encode())
    assert after[1] == before[1]  # the untouched record, byte for byte
    assert after[0] == before[0] + f"{delimiter}status_changed_on".encode()  # a new column at the right
    assert after[2].decode().split(delimiter)[:4] == ["L-000002", "2026-11-06", "Café Noël", "contacted"]
    assert not after[0].startswith(b"\xef\xbb\xbf")
    assert run_cli("lead", "add", "--company", "New Co", ws=root).returncode == 0
    last = (root / "leads.csv").read_bytes().split(newline.encode())[3].decode()
    assert last.startswith(f"L-000003{delimiter}") and "\r" not in last


def test_a_row_with_more_fields_than_the_header_is_reported_and_listed(tmp_path):
    root = make_workspace(tmp_path / "ws", "csv")
    (root / "leads.csv").write_text(
        "lead_id,created_on,company,status,notes\r\n"
        "L-000001,2026-11-05,Acme,new,called, left a message,again\r\n"
        "L-000002,2026-11-06,Beta,new,\r\n",
        encoding="utf-8",
    )
    res = run_cli("validate", "-f", "json", ws=root)
    problems = json.loads(res.stdout)["problems"]
    extra = [p for p in problems if "more than the header" in p["message"]]
    assert [(p["file"], p["row"], p["record_id"]) for p in extra] == [("leads.csv", 2, "L-000001")]
    assert "has 2 fields more than the header" in extra[0]["message"]
    listed = json.loads(run_cli("list", "leads", "-f", "json", ws=root).stdout)
    assert listed[0]["notes"] == "called" and listed[0]["(extra fields)"] == " left a message,again"
    assert [r["lead_id"] for r in listed] == ["L-000001", "L-000002"]
    # a rewrite of another record keeps the row as it was
    assert run_cli("advance", "L-000002", "contacted", ws=root).returncode == 0
    assert b"L-000001,2026-11-05,Acme,new,called, left a message,again\r\n" in (root / "leads.csv").read_bytes()


def test_money_and_ids_stay_exact_through_the_read(tmp_path):
    path = tmp_path / "receivables.csv"
    write_csv(path, [["receivable_id", "invoice_no", "amount"], ["0001", "0000000012", "9999999999999.99"], ["R-2", "1234567890123456789", "0.1"]])
    typed = read_typed(path, "csv", REC)
    assert typed.data.column("receivable_id").to_pylist() == ["0001", "R-2"]
    assert typed.data.column("invoice_no").to_pylist() == ["0000000012", "1234567890123456789"]
    assert [typed_value(REC.column("amount"), v) for v in typed.data.column("amount").to_pylist()] == [
        Decimal("9999999999999.99"),
        Decimal("0.10"),
    ]


def test_a_partial_read_never_answers_a_full_one(tmp_path):
    """`report aging` reads only the columns it needs (and caches them); a command needing the
    whole register reads it whole, and its full entry then serves both."""
    root = l_like(tmp_path / "ws")
    text = (root / "receivables.csv").read_text(encoding="utf-8-sig").splitlines()
    text[0] += ",notes"
    text[1] += ",\"a note\""
    (root / "receivables.csv").write_text("\n".join(text) + "\n", encoding="utf-8-sig")
    age(*root.glob("*.csv"))
    cold = aging_json(root)
    entry = cache.load(root, root / "receivables.csv", "MDY")
    assert entry is not None and entry.columns is not None and "notes" not in entry.columns
    listed = json.loads(run_cli("list", "receivables", "-f", "json", ws=root).stdout)
    assert listed[0]["notes"] == "a note"
    assert cache.load(root, root / "receivables.csv", "MDY").columns is None
    assert aging_json(root) == cold


def test_two_partial_reads_keep_each_others_fields(tmp_path):
    """Two commands (or two parts of one) asking for other fields of a register read it once each
    and then agree with the cache: the second read keeps the first one's fields, so neither
    replaces the other's entry on every run."""
    root = l_like(tmp_path / "ws")
    age(*root.glob("*.csv"))
    accounts = root / "accounts.csv"
    first = cache.read_register(root, accounts, "csv", REGISTERS["accounts"], "MDY", ["name"])
    assert first.columns == ["account_id", "name"]
    second = cache.read_register(root, accounts, "csv", REGISTERS["accounts"], "MDY", ["unapplied_amount"])
    assert set(second.columns) == {"account_id", "name", "unapplied_amount"}
    assert second.data.column("name").to_pylist() == first.data.column("name").to_pylist()
    assert cache.load(root, accounts, "MDY").columns == second.columns
    ws = Workspace(root)
    ws.typed("accounts", ["name"])
    assert set(ws.typed("accounts", ["unapplied_amount"]).columns) >= {"name", "unapplied_amount"}


def test_reads_use_jemalloc_where_pyarrow_has_it_unless_the_user_chose_a_pool(monkeypatch):
    """`storage.arrowpool`: jemalloc (which keeps freed pages for the next column instead of
    faulting them in again) where this pyarrow is built with it; a pool named in
    ARROW_DEFAULT_MEMORY_POOL is left alone."""
    import pyarrow as pa

    from salesops.storage.arrowpool import use_best_pool

    before = pa.default_memory_pool()
    try:
        pa.set_memory_pool(pa.system_memory_pool())
        monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")
        use_best_pool.__wrapped__()
        assert pa.default_memory_pool().backend_name == "system"
        monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL")
        use_best_pool.__wrapped__()
        want = "jemalloc" if "jemalloc" in pa.supported_memory_backends() else "system"
        assert pa.default_memory_pool().backend_name == want
    finally:
        pa.set_memory_pool(before)


def test_an_entry_that_cannot_be_written_in_the_background_fails_nothing(tmp_path):
    """Whatever goes wrong writing an entry on the writer thread (here, metadata that is not
    JSON) is dropped at `settle`: no entry, no error, the read's table intact."""
    import pyarrow as pa

    root = tmp_path / "ws"
    root.mkdir()
    sources: list = []
    table = cache.derived(root, "odd", sources, lambda: pa.table({"n": [1]}), extra={"when": object()})
    cache.settle()
    assert table.column("n").to_pylist() == [1]
    assert not (root / ".salesops" / "cache" / "derived" / "odd.arrow").exists()


def test_a_row_blank_in_the_fields_aging_reads_does_not_shift_the_overdue_list(tmp_path):
    """Aging reads receivables' amount and date fields only, and a row blank in them (a stray
    note) is no record of that read, while a frame of other fields keeps it: the overdue list
    and aging by owner match records by row number, not position — first run and cached."""
    root = make_workspace(tmp_path / "ws", "csv")
    write_csv(
        root / "receivables.csv",
        [
            ["receivable_id", "account_id", "owner", "amount", "invoice_no", "invoiced_on", "due_date", "status", "notes"],
            ["", "", "", "", "", "", "", "", "a stray note"],
            ["R-1", "A-1", "Alice", "100.00", "INV-1", "2026-01-01", "2026-02-01", "invoiced", ""],
            ["R-2", "A-2", "Bob", "50.00", "INV-2", "2026-01-01", "2026-03-01", "invoiced", ""],
        ],
    )
    age(root / "receivables.csv")
    for _ in range(2):
        late = json.loads(run_cli("report", "overdue", "--as-of", "2026-09-30", "-f", "json", ws=root).stdout)
        assert [(r["receivable_id"], r["owner"], r["invoice_no"], r["outstanding"]) for r in late] == [
            ("R-1", "Alice", "INV-1", 100.0),
            ("R-2", "Bob", "INV-2", 50.0),
        ]
        by_owner = json.loads(run_cli("report", "aging", "--as-of", "2026-09-30", "--by", "owner", "-f", "json", ws=root).stdout)
        assert [(r["key"], r["total"]) for r in by_owner["rows"]] == [("Alice", 100.0), ("Bob", 50.0)]
        cache.settle()
        shutil.rmtree(root / ".salesops" / "cache", ignore_errors=True)


def test_a_payment_without_a_receivable_id_is_paid_to_no_receivable(tmp_path):
    """An empty reference names no record: a payment with no receivable_id reduces nothing, not
    even a receivable whose own ID is missing (the join skips nulls, as the forecast's does)."""
    root = make_workspace(tmp_path / "ws", "csv")
    write_csv(
        root / "receivables.csv",
        [
            ["receivable_id", "account_id", "amount", "invoiced_on", "due_date", "status"],
            ["R-1", "A-1", "100.00", "2026-01-01", "2026-02-01", "invoiced"],
            ["", "A-1", "30.00", "2026-01-01", "2026-02-01", "invoiced"],
        ],
    )
    write_csv(
        root / "payments.csv",
        [["payment_id", "receivable_id", "account_id", "received_on", "amount"], ["P-1", "", "A-1", "2026-03-01", "30.00"]],
    )
    age(*root.glob("*.csv"))
    for _ in range(2):  # computed, then from the cache
        got = json.loads(run_cli("report", "aging", "--as-of", "2026-09-30", "-f", "json", ws=root).stdout)
        assert got["totals"]["total"] == 130.0


def test_the_collector_stays_paused_until_the_last_reading_thread_leaves():
    """Two registers read side by side: the first reader to finish does not let the collector
    loose on the other's half-read sheet; the last one gives it back as it found it."""
    import gc
    import threading

    from salesops.typed import gc_paused

    first_in, first_out, second_done = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def second() -> None:
        with gc_paused():
            first_in.set()
            first_out.wait(5)
            seen.append(gc.isenabled())  # still reading after the first left
        second_done.set()

    assert gc.isenabled()
    worker = threading.Thread(target=second)
    with gc_paused():
        worker.start()
        first_in.wait(5)
    first_out.set()
    second_done.wait(5)
    worker.join(5)
    assert seen == [False]
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


# ------------------------------------------------------------------ xlsx: fastexcel's Arrow = calamine's cells

XLSX_CELL = {
    "text": st.one_of(
        st.sampled_from(["A-1", "已开票", " x ", "", "\u3000", "0012", "2026-11-05", "12.5万", "invoiced"]),
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=6),
    ),
    "number": st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=64), st.integers(-(10**15), 10**15), st.sampled_from([0.1 + 0.2, 1e16, 45966.0, 30.0])),
    "date": st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)),
    "datetime": st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9999, 12, 31)).map(lambda d: d.replace(microsecond=0)),
    "time": st.times().map(lambda t: t.replace(microsecond=0)),
    "bool": st.booleans(),
}
KINDS = st.sampled_from(["text", "number", "date", "datetime", "mixed", "empty", "time", "bool"])
PLAIN_KINDS = st.sampled_from(["text", "number", "date", "datetime", "empty"])  # what Arrow takes


@st.composite
def workbook_columns(draw, kinds=KINDS):
    names = draw(st.lists(st.sampled_from([*COLUMNS, "跟进记录", "amount"]), min_size=1, max_size=7, unique=draw(st.booleans())))
    n = draw(st.integers(0, 12))
    columns = []
    for _ in names:
        kind = draw(kinds)
        if kind == "empty":
            cells = [None] * n
        elif kind == "mixed":
            cells = [draw(st.one_of(st.none(), *XLSX_CELL.values())) for _ in range(n)]
        else:
            cells = [draw(st.one_of(st.none(), XLSX_CELL[kind])) if draw(st.booleans()) else draw(XLSX_CELL[kind]) for _ in range(n)]
        columns.append(cells)
    return names, columns, draw(st.booleans()), draw(st.sampled_from(["receivables", "应收", "Sheet"]))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=st.one_of(workbook_columns(), workbook_columns(PLAIN_KINDS)))
def test_an_xlsx_register_reads_the_same_through_arrow_as_through_calamines_cells(tmp_path, monkeypatch, case):
    """Whatever the cells (text, numbers, dates, date-times, times of day, true/false, empty,
    mixed in one column), the sheet's name and the other sheets beside it, reading the register
    by fastexcel's Arrow (`xlsx_read.arrow_sheet`) gives exactly what calamine's Python cells
    give: the same typed table, problems, header and user columns (or calamine reads it)."""
    from salesops.storage import read

    names, columns, notes, title = case
    path = tmp_path / "receivables.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(names)
    for row in zip(*columns, strict=True) if columns and columns[0] else []:
        sheet.append(list(row))
    if notes:
        book.create_sheet("Notes").append(["a note"])
    book.save(path)

    def reading(arrow: bool):
        monkeypatch.setattr(read, "ARROW_SHEETS", arrow)
        try:
            t = read_typed(path, "xlsx", REC)
        except Exception as exc:  # noqa: BLE001 - the same refusal either way
            return type(exc).__name__, str(exc)
        return (
            t.data.to_pylist(),
            [(p.row, p.column, p.code, p.message, p.record_id) for p in t.problems],
            t.header,
            t.sheet,
            t.user,
            t.last_row,
        )

    assert reading(True) == reading(False)


def _error_cells(src: Path, dst: Path, cells: dict[str, str]) -> None:
    """A copy of workbook `src` whose `cells` (A1 references) hold Excel errors (#DIV/0!, #N/A)."""
    import re
    import zipfile

    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as b:
        for item in a.infolist():
            data = a.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for ref, error in cells.items():
                    text = re.sub(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', f'<c r="{ref}" t="e"><v>{error}</v></c>', text)
                data = text.encode()
            b.writestr(item, data)


@pytest.mark.parametrize(
    "case", ["A1 empty", "B1 first", "1904", "merged", "times", "mixed", "number header", "errors", "sheet named", "only sheet"]
)
def test_what_arrow_does_not_read_as_calamine_does_is_left_to_calamine(tmp_path, monkeypatch, case):
    """A header not in row 1 or not from column A, the 1904 date system and merged cells are
    read by calamine (fastexcel would start at the first used cell, mistake 1904 dates, and
    cannot say a cell is merged); error cells read alike both ways; a register's own sheet
    beside others, or a workbook's only sheet, is read through Arrow."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    from salesops.storage import read
    from salesops.storage.xlsx_read import arrow_sheet

    path = tmp_path / "receivables.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "receivables" if case != "only sheet" else "Sheet1"
    rows = [
        ["receivable_id", "amount", "due_date", "account_id", "status"],
        ["R-1", 10.5, dt.date(2026, 11, 5), "A-1", "invoiced"],
        ["R-2", 20, dt.date(2026, 12, 5), "A-2", "paid"],
    ]
    if case == "A1 empty":
        sheet.append([])
    for r in rows:
        sheet.append(([None] if case == "B1 first" else []) + r)
    if case == "1904":
        book.epoch = CALENDAR_MAC_1904
    if case == "times":  # times of day, which fastexcel reads as 1899-12-31 at that time
        sheet["C2"], sheet["C3"] = dt.time(9, 30), dt.time(17, 0)
    if case == "mixed":  # a date cell and a date typed as text: seen in the sheet's first rows
        sheet["C3"] = "2026年12月5日"
    if case == "number header":  # a user column headed by a number (fastexcel names it its own way)
        sheet["F1"], sheet["F2"] = 2026.5, "x"
    if case == "merged":
        sheet.merge_cells("D2:D3")
    if case == "errors":  # past the first rows, where a mixed column would be seen
        for i in range(4, 2001):
            sheet.append([f"R-{i}", i * 1.5, dt.date(2026, 1, 1) + dt.timedelta(days=i), f"A-{i}", "invoiced"])
    if case != "only sheet":
        book.create_sheet("Notes").append(["a note"])
    book.save(path)
    if case == "errors":
        _error_cells(path, tmp_path / "e.xlsx", {"B2000": "#DIV/0!", "C1999": "#N/A"})
        shutil.move(tmp_path / "e.xlsx", path)
    arrow = arrow_sheet(path, lambda names: "receivables" if "receivables" in names else names[0])
    assert (arrow is not None) == (case in ("errors", "sheet named", "only sheet")), case

    def reading(on: bool):
        monkeypatch.setattr(read, "ARROW_SHEETS", on)
        try:
            t = read_typed(path, "xlsx", REC)
        except Exception as exc:  # noqa: BLE001 - merged cells: the same refusal either way
            return type(exc).__name__, str(exc)
        return t.data.to_pylist(), [(p.row, p.column, p.code, p.message) for p in t.problems], t.header, t.sheet

    assert reading(True) == reading(False)
    assert isinstance(reading(True)[0], list) or case in ("merged", "A1 empty")  # both refused, alike
    if case == "1904":
        got = reading(True)
        assert got[0][0]["due_date"] == dt.date(2026, 11, 5), got


@pytest.mark.parametrize("case", ["dates", "a bool among the dates", "text and numbers"])
def test_a_date_column_mixing_date_cells_serials_and_text_is_read_through_arrow_as_text(tmp_path, monkeypatch, case):
    """People type dates three ways in one column: date cells, serial numbers (a cell formatted
    General), text ("2026/11/5", "2026年11月5日"). fastexcel reads such a date column as text
    (`arrow_sheet`'s `as_text`) and salesops reads each form as it reads the cell: the same
    typed table as calamine's cells. A column holding a problem is read from calamine's cells
    again (its message shows the cell as it is); a mixed column that is no date is calamine's."""
    from salesops.storage import read
    from salesops.storage.xlsx_read import arrow_sheet

    path = tmp_path / "receivables.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "receivables"
    sheet.append(["receivable_id", "amount", "due_date", "account_id", "status", "invoiced_on"])
    for i in range(1, 41):
        due = [dt.date(2026, 11, i % 28 + 1), 45966 + i, f"2026/12/{i % 28 + 1}", f"2027年1月{i % 28 + 1}日"][i % 4]
        amount = ("1,234.50" if i % 3 == 0 else 12.5 * i) if case == "text and numbers" else 12.5 * i
        sheet.append([f"R-{i}", amount, due, f"A-{i}", "invoiced", dt.date(2026, 10, 1)])
    if case == "a bool among the dates":
        sheet["C30"] = True
    book.save(path)

    fast = arrow_sheet(path, lambda names: "receivables", lambda header, columns: columns <= read._date_columns(REC, header))
    if case == "text and numbers":
        assert fast is None  # a mixed column that is no date: calamine reads the sheet
    else:
        assert fast is not None and fast[3] == {2}  # due_date, read as text

    def reading(arrow: bool):
        monkeypatch.setattr(read, "ARROW_SHEETS", arrow)
        t = read_typed(path, "xlsx", REC)
        return t.data.to_pylist(), [(p.row, p.column, p.code, p.message) for p in t.problems], t.header

    got = reading(True)
    assert got == reading(False)
    want = [
        [dt.date(2026, 11, i % 28 + 1), dt.date(2025, 11, 5) + dt.timedelta(days=i), dt.date(2026, 12, i % 28 + 1), dt.date(2027, 1, i % 28 + 1)][i % 4]
        for i in range(1, 41)
    ]
    if case == "a bool among the dates":
        want[28] = None
    assert [r["due_date"] for r in got[0]] == want
    if case == "a bool among the dates":
        assert [(p[0], p[1]) for p in got[1]] == [(30, "due_date")]
    else:
        assert not got[1]


def test_header_labels_are_read_from_the_first_bytes_of_a_sheet(tmp_path):
    """`xlsx_read._header_labels` (which columns are dates is decided before fastexcel parses the
    sheet): row 1's text through the shared strings as Excel writes them (the benchmark's
    writer) and inline as openpyxl writes them, entities and Chinese included; None when a header
    cell is no text (a number is no index into the shared strings)."""
    import sys

    from salesops.storage.xlsx_read import _header_labels, book_parts, open_zip

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import generate

    header = ["receivable_id", "R&D <部门>", '"quoted" & \'apos\'', "due_date", "跟进记录"]

    def labels(p):
        with open(p, "rb") as fh:
            zd = open_zip(fh, p.name)
            parts = book_parts(zd)
            return _header_labels(zd, parts, zd.head(parts.sheets[0][1]))

    shared = tmp_path / "shared.xlsx"
    rows = [[f"R-{i}" for i in range(300)], [f"x{i}" for i in range(300)], [f"y{i}" for i in range(300)], [dt.date(2026, 11, 5)] * 300, ["note"] * 300]
    generate.write_xlsx(shared, header, ["text", "text", "text", "date", "text"], rows)
    with zipfile.ZipFile(shared) as z:
        assert "xl/sharedStrings.xml" in z.namelist() and b't="s"' in z.read("xl/worksheets/sheet1.xml")[:4000]
    assert labels(shared) == header
    inline = tmp_path / "inline.xlsx"
    book = openpyxl.Workbook()
    book.active.append(header)
    for i in range(3):
        book.active.append([f"R-{i}", f"x{i}", i, dt.date(2026, 11, 5), "note"])
    book.save(inline)
    assert labels(inline) == header
    book.active["C1"] = 1  # a number in the header
    book.save(inline)
    assert labels(inline) is None
    numbered = tmp_path / "numbered.xlsx"  # C1 made the number 1 (shared string 1 is a label)
    with zipfile.ZipFile(shared) as a, zipfile.ZipFile(numbered, "w", zipfile.ZIP_DEFLATED) as b:
        for item in a.infolist():
            data = a.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<c r="C1"([^>]*?) t="s"([^>]*)>', rb'<c r="C1"\1\2>', data, count=1)
            b.writestr(item, data)
    with zipfile.ZipFile(numbered) as z:
        assert re.search(rb'<c r="C1"[^>]*><v>', z.read("xl/worksheets/sheet1.xml")) and b'<c r="C1" t="s"' not in z.read("xl/worksheets/sheet1.xml")
    assert labels(numbered) is None
