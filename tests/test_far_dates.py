"""Far dates: 9999-12-31 ("no end date" in ERP exports) and 1899-12-31 / 0001-01-01
placeholders are dates for every command, as `parse_date` reads them for one record.

The column reader behind `validate` and the reports once held dates as
datetime64[ns] (1677-09-22 … 2262-04-11) and called these cells "not a date".
Each story runs the real CLI on a sample workspace whose registers were edited as
a user would: real date cells in xlsx, text in UTF-8 and GBK CSV files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from salesops.schema import REGISTERS
from tests.conftest import TODAY, run_cli

AS_OF = dt.date.fromisoformat(TODAY)
NO_END = dt.date(9999, 12, 31)

# (layout, lang, CSV encoding) of each workspace
LAYOUTS = {
    "xlsx": ("xlsx", "en", None),
    "csv-utf8": ("csv", "en", "utf-8-sig"),
    "csv-gbk": ("csv", "zh", "gbk"),
}


def _header_names(register: str, header: list) -> dict[str, int]:
    """Canonical column name → 0-based position, for English or Chinese headers."""
    by_label = {}
    for col in REGISTERS[register].columns:
        by_label[col.name] = col.name
        by_label[col.zh] = col.name
    return {by_label[h]: i for i, h in enumerate(header) if h in by_label}


def edit(ws: Path, layout: str, register: str, changes: dict[str, dict[str, object]]) -> None:
    """Set cells {record id: {field: value}}; in CSV a date is written as ISO text."""
    fmt, _, encoding = LAYOUTS[layout]
    id_col = REGISTERS[register].id_column
    if fmt == "xlsx":
        import openpyxl

        book = openpyxl.load_workbook(ws / f"{register}.xlsx")
        sheet = book.worksheets[0]
        pos = _header_names(register, [c.value for c in sheet[1]])
        for row in sheet.iter_rows(min_row=2):
            rid = row[pos[id_col]].value
            for field, value in changes.get(rid, {}).items():
                row[pos[field]].value = value
        book.save(ws / f"{register}.xlsx")
        return
    path = ws / f"{register}.csv"
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode(encoding))))
    pos = _header_names(register, rows[0])
    for row in rows[1:]:
        for field, value in changes.get(row[pos[id_col]], {}).items():
            row[pos[field]] = value.isoformat() if isinstance(value, dt.date) else str(value)
    _write_csv(path, rows, encoding)


def _write_csv(path: Path, rows: list[list[str]], encoding: str) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def reencode(ws: Path, encoding: str) -> None:
    """Every CSV register written again in `encoding` (as a Chinese Excel saves it)."""
    for name in REGISTERS:
        path = ws / f"{name}.csv"
        rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
        _write_csv(path, rows, encoding)


def bucket(days_overdue: int) -> str:
    """The aging bucket of the default edges (30, 60, 90, 180)."""
    for edge, name in ((30, "1-30"), (60, "31-60"), (90, "61-90"), (180, "91-180")):
        if days_overdue <= edge:
            return name
    return "180+"


def cli_json(ws: Path, *args: str, check: int | None = 0):
    return json.loads(run_cli(*args, "-f", "json", ws=ws, check=check).stdout)


def first(rows: list[dict], **match) -> dict:
    return next(r for r in rows if all(r[k] == v for k, v in match.items()))


@pytest.fixture(scope="module")
def far_built(tmp_path_factory):
    """Each layout's far-date workspace, built once per module (by the first test needing it)."""
    built: dict[str, dict] = {}

    def get(layout: str) -> dict:
        if layout not in built:
            built[layout] = _build_far(tmp_path_factory.mktemp(f"far-{layout}") / "ws", layout)
        return built[layout]

    return get


@pytest.fixture(params=list(LAYOUTS))
def far(request, far_built, tmp_path):
    """A copy of a sample workspace (xlsx / UTF-8 CSV / GBK CSV in Chinese) with far dates typed
    into date columns, and what the reports said before the edit (each test may change its copy)."""
    built = far_built(request.param)
    return {**built, "ws": Path(shutil.copytree(built["ws"], tmp_path / "ws", symlinks=True))}


def _build_far(ws: Path, layout: str) -> dict:
    fmt, lang, encoding = LAYOUTS[layout]
    run_cli("init", str(ws), "--sample", "--format", fmt, "--lang", lang, check=0)
    if encoding == "gbk":
        reencode(ws, "gbk")
    before = {
        "overdue": cli_json(ws, "report", "overdue"),
        "aging": cli_json(ws, "report", "aging"),
        "forecast": cli_json(ws, "report", "forecast", "--months", "3"),
    }
    overdue = before["overdue"]
    # A: overdue now, given "no end date"; B: overdue ≤ 180 days, given a 1899 placeholder
    b = first([r for r in overdue if r["days_overdue"] <= 180])
    a = first([r for r in overdue if r["receivable_id"] != b["receivable_id"]])
    # 1899-12-31 as text in every format: Excel has no date cell before 1900
    edit(
        ws,
        layout,
        "receivables",
        {a["receivable_id"]: {"due_date": NO_END}, b["receivable_id"]: {"due_date": "1899-12-31"}},
    )

    # an open deal expected to close "never", another created on a placeholder day
    opps = cli_json(ws, "list", "opportunities")
    open_deals = [o for o in opps if o["stage"] not in ("won", "lost") and o.get("expected_close")]
    deal = open_deals[0]
    placeholder = dt.date(1900, 1, 1)
    edit(
        ws,
        layout,
        "opportunities",
        {
            deal["opportunity_id"]: {"expected_close": NO_END},
            open_deals[1]["opportunity_id"]: {"created_on": placeholder},
        },
    )

    # a sent quote valid "until further notice", a lead created on 0001-01-01 (text in every format)
    quotes = cli_json(ws, "list", "quotes")
    sent = first(quotes, status="sent")
    edit(ws, layout, "quotes", {sent["quote_id"]: {"valid_until": NO_END}})
    leads = cli_json(ws, "list", "leads")
    edit(ws, layout, "leads", {leads[0]["lead_id"]: {"created_on": "0001-01-01"}})
    return {
        "ws": ws,
        "layout": layout,
        "before": before,
        "a": a,
        "b": b,
        "deal": deal,
        "quote": sent,
        "lead": leads[0],
    }


def test_validate_reads_far_dates_as_dates(far):
    """No bad-date problem for 9999-12-31, 1899-12-31, 1900-01-01 or 0001-01-01, in any format."""
    found = cli_json(far["ws"], "validate", check=None)
    assert [p for p in found["problems"] if "not a date" in p["message"]] == []
    # a quote valid until 9999-12-31 has not passed its validity
    assert not [p for p in found["problems"] if p["record_id"] == far["quote"]["quote_id"]]


def test_the_record_path_and_the_column_path_agree(far):
    """`show` (one record, scalar parser) and `list` (the column reader) give the same far dates."""
    ws, a = far["ws"], far["a"]
    rid = a["receivable_id"]
    shown = cli_json(ws, "show", rid)["record"]
    listed = first(cli_json(ws, "list", "receivables"), receivable_id=rid)
    assert shown["due_date"] == listed["due_date"] == NO_END.isoformat()
    lead = first(cli_json(ws, "list", "leads"), lead_id=far["lead"]["lead_id"])
    assert lead["created_on"] == "0001-01-01"


def test_aging_and_overdue_treat_far_due_dates_sensibly(far):
    """Due 9999-12-31: not due (current bucket). Due 1899-12-31: overdue in 180+, by its real day count."""
    ws, a, b = far["ws"], far["a"], far["b"]
    overdue = cli_json(ws, "report", "overdue")
    ids = [r["receivable_id"] for r in overdue]
    assert a["receivable_id"] not in ids
    late = first(overdue, receivable_id=b["receivable_id"])
    assert late["due_date"] == "1899-12-31"
    assert late["days_overdue"] == (AS_OF - dt.date(1899, 12, 31)).days == 46_352
    assert ids[0] == b["receivable_id"]  # most days first

    # A leaves its bucket for not_due, B leaves its bucket for 180+; nothing else moves
    want = dict(far["before"]["aging"]["totals"])
    want[bucket(a["days_overdue"])] -= a["outstanding"]
    want["not_due"] += a["outstanding"]
    want[bucket(b["days_overdue"])] -= b["outstanding"]
    want["180+"] += b["outstanding"]
    want["overdue"] -= a["outstanding"]
    after = cli_json(ws, "report", "aging")["totals"]
    assert after == pytest.approx(want)


def test_forecast_puts_no_end_in_later_and_makes_no_extra_months(far):
    ws, deal = far["ws"], far["deal"]
    before, after = far["before"]["forecast"], cli_json(ws, "report", "forecast", "--months", "3")
    assert [r["month"] for r in after["rows"]] == [r["month"] for r in before["rows"]]
    assert len(after["rows"]) == 3
    assert after["later"]["deals"] == before["later"]["deals"] + (
        0 if deal["expected_close"] > "2027-01-31" else 1
    )
    # the receivable due 9999-12-31 is expected cash "later", the 1899 one overdue
    assert after["later"]["receivables"] == before["later"]["receivables"] + 1
    assert after["overdue"]["receivables"] == before["overdue"]["receivables"] - 1


def _age_registers(ws: Path) -> None:
    """Make the registers look older than the cache's racy window, so entries are written."""
    then = time.time() - 60
    for p in ws.iterdir():
        if p.is_file():
            os.utime(p, (then, then))


def test_weekly_runs_and_the_warm_cache_gives_the_cold_answer(far):
    """`report weekly` and `report aging` with far dates: the same JSON cold (parsing the files)
    and warm (from the columnar cache written by the cold run)."""
    ws = far["ws"]
    _age_registers(ws)
    cache = ws / ".salesops" / "cache"
    args = [("report", "weekly", "--as-of", TODAY), ("report", "aging"), ("report", "overdue")]
    cold = [run_cli(*a, "-f", "json", ws=ws, check=0).stdout for a in args]
    entries = sorted(p.name for p in cache.iterdir()) if cache.exists() else []
    ext = "xlsx" if far["layout"] == "xlsx" else "csv"
    assert f"receivables.{ext}.arrow" in entries, entries  # the one cache: typed tables of whole registers
    warm = [run_cli(*a, "-f", "json", ws=ws, check=0).stdout for a in args]
    assert warm == cold

    weekly = json.loads(cold[0])
    assert far["quote"]["quote_id"] not in [q["quote_id"] for q in weekly["expiring_quotes"]]
    assert far["a"]["receivable_id"] not in [r["receivable_id"] for r in weekly["top_overdue"]]
    assert weekly["data_problems"] == len(cli_json(ws, "validate", check=None)["problems"])

    # the workbook: 1899-12-31 as ISO text (no date cell holds it), never a time of day
    import python_calamine

    out = ws.parent / "weekly.xlsx"
    run_cli("report", "weekly", "--as-of", TODAY, "-f", "xlsx", "-o", str(out), ws=ws, check=0)
    book = python_calamine.CalamineWorkbook.from_path(str(out))
    cells = [v for n in book.sheet_names for r in book.get_sheet_by_name(n).to_python() for v in r]
    assert not [v for v in cells if isinstance(v, dt.time)]
    b_rows = [
        r
        for n in book.sheet_names
        for r in book.get_sheet_by_name(n).to_python()
        if far["b"]["receivable_id"] in r
    ]
    # the rows listing b's receivable show its due date as text (a follow-up about it may list it too)
    assert b_rows and any("1899-12-31" in r for r in b_rows)
    assert dt.date(1899, 12, 31) not in cells and dt.datetime(1899, 12, 31) not in cells


# ------------------------------------------------------------------ the layers underneath

FAR_ISO = [
    "9999-12-31",
    "0001-01-01",
    "1899-12-31",
    "1600-02-29",
    "1677-09-21",
    "2262-04-12",
    "1000-03-01",
    "0004-02-29",
    "2026-11-05",
]


def test_csv_read_reads_far_iso_dates_as_parse_date_does(tmp_path):
    """The one read covers years 0001-9999 in CSV and agrees with parse_date."""
    from salesops import values
    from salesops.storage.read import read_typed

    reg = REGISTERS["receivables"]
    path = tmp_path / "receivables.csv"
    lines = ["receivable_id,amount,status,due_date"]
    lines += [f"R-{i},1,invoiced,{d}" for i, d in enumerate(FAR_ISO)]
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    typed = read_typed(path, "csv", reg)
    assert typed.problems == []
    assert typed.data.column("due_date").to_pylist() == [values.parse_date(d) for d in FAR_ISO]


def test_csv_read_reports_year_zero_as_a_bad_date(tmp_path):
    """0000-01-01 is no date: a cell that does not parse, named by row and column."""
    from salesops.storage.read import read_typed

    path = tmp_path / "receivables.csv"
    path.write_bytes(b"receivable_id,due_date\r\nR-1,0000-01-01\r\n")
    typed = read_typed(path, "csv", REGISTERS["receivables"])
    assert [(p.code, p.row, p.column) for p in typed.problems] == [("bad-date", 2, "due_date")]
    assert typed.data.column("due_date").to_pylist() == [None]


def _xlsx_workspace(tmp_path: Path) -> Path:
    import openpyxl

    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "salesops.toml").write_text('format = "xlsx"\nlang = "en"\n', encoding="utf-8")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["receivable_id", "amount", "status", "due_date", "invoiced_on"])
    sheet.append(["R-1", 10, "invoiced", NO_END, "0001-01-01"])
    sheet.append(["R-2", 20, "invoiced", dt.date(2026, 1, 5), dt.date(2026, 1, 1)])
    sheet.append(["R-3", 30, "invoiced", None, "1899-12-31"])
    book.save(ws / "receivables.xlsx")
    then = time.time() - 60  # older than the cache's racy window
    os.utime(ws / "receivables.xlsx", (then, then))
    return ws


def test_far_dates_read_the_same_from_the_cache(tmp_path):
    """Far dates in an xlsx register: the cached typed table (date32) gives the same M8[s] frame."""
    from salesops.storage.cache import entry_path, settle
    from salesops.storage.frames import read_frame
    from salesops.storage.workspace import Workspace

    ws = _xlsx_workspace(tmp_path)
    cold = read_frame(Workspace(ws), "receivables")
    assert str(cold.df["due_date"].dtype) == "datetime64[s]"
    assert [d.date() for d in cold.df["due_date"][:2]] == [NO_END, dt.date(2026, 1, 5)]
    assert cold.df["invoiced_on"].dt.year.tolist() == [1, 2026, 1899]
    assert cold.problems == []
    settle()  # (entries are written on a background thread)
    assert entry_path(ws, ws / "receivables.xlsx").exists()

    warm = read_frame(Workspace(ws), "receivables")
    assert warm.typed is not cold.typed
    assert warm.df.equals(cold.df)


def test_source_changes_invalidate_cache_entries():
    """The key of every entry covers salesops' own source: any module's change is a new fingerprint."""
    import salesops
    from salesops.storage import cache

    cache.source_fingerprint.cache_clear()  # as the source is now (not as this process first saw it)
    before = cache.source_fingerprint()
    module = Path(salesops.__file__).parent / "reports" / "labels.py"
    st = module.stat()
    try:
        os.utime(module, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        cache.source_fingerprint.cache_clear()
        assert cache.source_fingerprint() != before
    finally:
        os.utime(module, ns=(st.st_atime_ns, st.st_mtime_ns))
        cache.source_fingerprint.cache_clear()
    assert cache.source_fingerprint() == before


def test_days_between_far_dates_does_not_overflow():
    import numpy as np
    import pandas as pd

    from salesops.reports.data import days_between
    from salesops.schema import Column
    from salesops.typed import parse_column, raw_of_cells, series

    parsed = parse_column(Column("d", "日期", "date"), raw_of_cells(["9999-12-31", "0001-01-01", None]), "MDY")
    dates = pd.Series(series("date", parsed.values))
    out = days_between(AS_OF, dates)
    assert out[:2].tolist() == [(AS_OF - NO_END).days, (AS_OF - dt.date(1, 1, 1)).days]
    assert np.isnan(out[2])
    span = days_between(
        dates.iloc[[0]].reset_index(drop=True), dates.iloc[[1]].reset_index(drop=True)
    )
    assert span.tolist() == [3_652_058.0]


def test_funnel_sees_a_stage_change_dated_9999_as_after_as_of(tmp_path):
    """A change whose event day (the stage_changed_on written with it) is 9999-12-31 has not
    happened as of today: the deal is still open at its earlier stage (read through
    nanoseconds, 9999-12-31 wrapped round to 1816 and the deal counted as won)."""
    ws = tmp_path / "ws"
    run_cli("init", str(ws), "--sample", check=0)
    args = ("report", "funnel", "--period", "2026", "--as-of", TODAY)
    before = {s["stage"]: s for s in cli_json(ws, *args)["stages"]}
    path = ws / "history.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    head = rows[0]
    at, rid, field, old, new = (
        head.index(c) for c in ("at", "record_id", "field", "old_value", "new_value")
    )
    created = {o["opportunity_id"]: o["created_on"] for o in cli_json(ws, "list", "opportunities")}
    won = next(
        r
        for r in rows[1:]
        if r[field] == "stage"
        and r[old] == "negotiation"
        and r[new] == "won"
        and created[r[rid]] >= "2026-01-01"
    )
    dated = next(
        r
        for r in rows[1:]
        if r[rid] == won[rid] and r[at] == won[at] and r[field] == "stage_changed_on"
    )
    dated[new] = NO_END.isoformat()
    _write_csv(path, rows, "utf-8-sig")

    after = {s["stage"]: s for s in cli_json(ws, *args)["stages"]}
    assert after["won"]["reached"] == before["won"]["reached"] - 1
    assert after["negotiation"]["open"] == before["negotiation"]["open"] + 1


def test_a_date_before_1900_written_to_xlsx_reads_back(tmp_path):
    """xlsx date cells start at 1900-01-01 (an earlier one reads back as the time 00:00:00):
    the tool writes such a date as ISO text, 9999-12-31 as a real date cell."""
    import openpyxl

    ws = tmp_path / "ws"
    run_cli("init", str(ws), "--sample", check=0)
    deals = [o for o in cli_json(ws, "list", "opportunities") if o["stage"] == "qualification"]
    early, late = deals[0]["opportunity_id"], deals[1]["opportunity_id"]
    run_cli(
        "advance", early, "needs_analysis", "--set", "expected_close=1800-01-01", ws=ws, check=0
    )
    run_cli("advance", late, "needs_analysis", "--set", "expected_close=9999-12-31", ws=ws, check=0)

    assert cli_json(ws, "show", early)["record"]["expected_close"] == "1800-01-01"
    listed = {o["opportunity_id"]: o for o in cli_json(ws, "list", "opportunities")}
    assert listed[early]["expected_close"] == "1800-01-01"
    assert listed[late]["expected_close"] == "9999-12-31"
    assert run_cli("validate", ws=ws).stdout.startswith("ok:")

    sheet = openpyxl.load_workbook(ws / "opportunities.xlsx").worksheets[0]
    pos = _header_names("opportunities", [c.value for c in sheet[1]])
    cells = {r[0].value: r[pos["expected_close"]].value for r in sheet.iter_rows(min_row=2)}
    assert cells[early] == "1800-01-01"
    assert cells[late] == dt.datetime(9999, 12, 31)
