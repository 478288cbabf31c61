"""The fast paths agree with the general ones: fast CSV reading, the columnar cache,
the numpy aging kernel, cached frames and the one-pass JSON writer.

Every fast path here only exists to be quicker; each test compares it with the
general code on the same files (including messy ones) and checks that a
changed file is never answered from a stale cache.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from salesops.cli.common import to_jsonable
from salesops.jsonout import dumps
from salesops.reports import ar
from salesops.reports.data import ReportData
from salesops.reports.fast_aging import try_aging
from salesops.schema import REGISTERS
from salesops.storage import cache, fastcsv, framecache
from salesops.storage.fastcsv import EPOCH, NULL_DAY, NULL_INT, TextColumn
from salesops.storage.frames import _read_frame, read_frame
from salesops.storage.workspace import Workspace
from tests.conftest import make_workspace

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "bench_generate", REPO / "benchmarks" / "generate.py"
)
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)


def age(*paths: Path, seconds: int = 60) -> None:
    """Make files look older than the cache's racy window."""
    then = time.time() - seconds
    for p in paths:
        os.utime(p, (then, then))


def write_csv(path: Path, lines: list[str]) -> None:
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))


# ------------------------------------------------------------------ fast CSV reading


MESSY_RECEIVABLES = [
    "receivable_id,contract_id,account_id,owner,milestone,pct,amount,triggered_on,invoice_no,invoiced_on,due_date,"
    "collected_amount,last_payment_on,status,write_off_reason,notes,跟进",
    "R-000001,,A-1,王芳,advance,30,1234.5,2026-01-05,00012,2026-01-06,2026-02-05,0,,invoiced,,,x",
    'R-000002,,A-1,王芳,预付款,30%,"¥1,234.50",2026/1/5,00013,2026年1月6日,2026-02-05,1234.50,2026-02-01,已回款,,"a, b",',
    ",,,,,,,,,,,,,,,,",
    "  ,, ,,,,,,,,,,,,,,",
    "R-000003,, A-2 ,Li,other text,60,12.5万,2026-03-01,'=1+2,2026-03-02,,-0.00,,partially_paid,,'=SUM(A1),",
    "R-000004,,A-2,,retention,5,.5,2026-03-01,,2026-03-02,2026-04-01,,,invoiced,,,",
    "R-000005,,a-2,,delivery,60,1234.567,2026-02-28,,2026-03-02,2026-04-01,,,INVOICED,,,",
    "",
]


def general(ws: Workspace, register: str, columns: list[str]) -> pd.DataFrame:
    frame = _read_frame(
        ws,
        REGISTERS[register],
        ws.file_of(register)[0],
        "csv",
        list(dict.fromkeys([REGISTERS[register].id_column, *columns])),
        False,
    )
    return frame.df


def as_frame_values(cols: fastcsv.Columns, name: str, kind: str) -> list:
    col = cols.data[name]
    if isinstance(col, TextColumn):
        u = col.uniques()
        return [u[c] if c >= 0 else None for c in col.codes.tolist()]
    if kind == "date":
        return [None if d == NULL_DAY else EPOCH + dt.timedelta(days=int(d)) for d in col.tolist()]
    if kind == "pct":
        return [None if np.isnan(v) else v for v in col.tolist()]
    return [None if v == NULL_INT else v for v in col.tolist()]


def frame_values(s: pd.Series, kind: str) -> list:
    out = []
    for v in s.tolist():
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            out.append(None)
        elif kind == "date":
            out.append(v.date())
        else:
            out.append(v)
    return out


@pytest.mark.parametrize("chunk", [1 << 23, 64])
def test_fast_csv_reads_what_the_general_reader_reads(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(fastcsv, "CHUNK", chunk)  # tiny blocks: records split across reads
    root = make_workspace(tmp_path / "ws", "csv")
    write_csv(root / "receivables.csv", MESSY_RECEIVABLES)
    ws = Workspace(root)
    reg = REGISTERS["receivables"]
    names = [c.name for c in reg.columns]
    cols = fastcsv.read_columns(root / "receivables.csv", reg, names, "MDY")
    df = general(ws, "receivables", names)
    assert cols.rows.tolist() == df["_row"].tolist() == [2, 3, 6, 7, 8]
    for c in reg.columns:
        assert as_frame_values(cols, c.name, c.type) == frame_values(df[c.name], c.type), c.name


def test_fast_csv_declines_what_it_cannot_read_exactly(tmp_path):
    reg = REGISTERS["receivables"]
    path = tmp_path / "receivables.csv"
    header = MESSY_RECEIVABLES[0]
    for bad in (
        "R-1,,A-1,,,,12abc,,,,,,,invoiced,,,",  # money that does not parse: the general reader reports it
        "R-1,,A-1,,,,1,2026-13-45,,,,,,invoiced,,,",
        "R-1,,A-1,,,,1,,,,,,,nonsense,,,",
        "R-1,,A-1,,,,1,,,,,,,invoiced,,",  # one field short
        'R-1,,A-1,,,,1,,,,,,,invoiced,,"open quote,',
    ):
        write_csv(path, [header, bad])
        with pytest.raises(fastcsv.Decline):
            fastcsv.read_columns(path, reg, ["amount", "triggered_on", "status", "notes"], "MDY")
    write_csv(path, ["amount,status", "1,invoiced"])  # no ID column
    with pytest.raises(fastcsv.Decline):
        fastcsv.read_columns(path, reg, ["amount"], "MDY")


# ------------------------------------------------------------------ the aging kernel


def l_workspace(tmp_path: Path, n: int = 3000) -> Path:
    root = make_workspace(tmp_path / "big", "csv")
    generate.receivables_csv(root, n)
    (root / "salesops.toml").write_text('format = "csv"\n', encoding="utf-8")
    return root


def both(root: Path, as_of: dt.date, by: str = "account"):
    fast = try_aging(ReportData(Workspace(root)), as_of, by)
    slow = ar.aging(ReportData(Workspace(root)), as_of, by)
    return fast, slow


@pytest.mark.parametrize(
    "as_of", [dt.date(2025, 3, 31), dt.date(2026, 9, 30), dt.date(2026, 11, 27)]
)
def test_aging_kernel_equals_the_general_aging(tmp_path, as_of):
    root = l_workspace(tmp_path)
    fast, slow = both(root, as_of)
    assert fast is not None
    assert fast.to_json() == slow.to_json()
    assert dumps(fast.to_json()) == dumps(slow.to_json())


def test_aging_kernel_warm_from_the_cache_equals_cold(tmp_path):
    root = l_workspace(tmp_path, 500)
    age(*root.glob("*.csv"))
    day = dt.date(2026, 9, 30)
    cold = try_aging(ReportData(Workspace(root)), day)
    cache.flush()  # entries are written on a background thread
    entries = sorted(p.name for p in (root / ".salesops" / "cache").iterdir())
    assert entries == [
        "accounts.csv.cols",
        "payments-to-receivables.cols",
        "payments.csv.cols",
        "receivables.csv.cols",
    ]
    warm = try_aging(ReportData(Workspace(root)), day)
    assert warm.to_json() == cold.to_json() == ar.aging(ReportData(Workspace(root)), day).to_json()


def test_aging_kernel_on_hand_made_edge_cases(tmp_path):
    root = make_workspace(tmp_path / "ws", "csv")
    (root / "salesops.toml").write_text(
        'format = "csv"\n[receivable]\naging_buckets = [10, 45]\n', encoding="utf-8"
    )
    write_csv(root / "accounts.csv", ["account_id,name", "A-1,甲公司", "A-2,", "A-1,甲公司（新）"])
    write_csv(
        root / "receivables.csv",
        [
            "receivable_id,account_id,amount,invoiced_on,due_date,status",
            "R-1,A-1,100.00,2026-01-01,2026-02-01,invoiced",
            "R-2,A-1,50.00,2026-01-01,,invoiced",  # no due date: not due
            "R-3,A-2,70.00,2026-01-01,2026-01-10,written_off",  # left out
            "R-4,A-2,30.00,2026-12-01,2026-12-31,invoiced",  # invoiced after as-of
            "R-5,A-2,,2026-01-01,2026-01-20,",  # no amount, no status
            "R-6,A-3,80.00,2026-01-01,2026-03-01,partially_paid",
            "R-7,A-3,10.00,2026-01-01,2026-03-01,paid",
        ],
    )
    write_csv(
        root / "payments.csv",
        [
            "payment_id,receivable_id,received_on,amount",
            "P-1,R-1,2026-01-15,40.00",
            "P-2,R-1,2026-06-15,60.00",  # after as-of
            "P-3,R-9,2026-01-15,5.00",  # unknown receivable
            "P-4,R-6,,80.00",  # no date: not counted
            "P-5,R-7,2026-02-01,10.00",
            "P-6,R-5,2026-02-01,12.34",  # more than owed: negative outstanding
        ],
    )
    day = dt.date(2026, 3, 15)
    fast, slow = both(root, day)
    assert fast is not None and fast.to_json() == slow.to_json()
    rows = {r["key"]: r for r in fast.rows}
    assert (
        rows["A-1"]["name"] == "甲公司（新）"
    )  # the last account row wins, as in the general path
    assert rows["A-1"]["11-45"] == Decimal("60.00") and rows["A-1"]["not_due"] == Decimal("50.00")
    assert rows["A-2"]["name"] == "A-2" and rows["A-2"]["45+"] == Decimal("-12.34")
    assert "R-7" not in json.dumps(to_jsonable(fast.to_json()))


def test_aging_kernel_joins_ids_as_parse_text_reads_them(tmp_path):
    """IDs with spaces, quotes or Chinese characters match the way the general path matches them."""
    root = make_workspace(tmp_path / "ws", "csv")
    (root / "salesops.toml").write_text('format = "csv"\n', encoding="utf-8")
    write_csv(root / "accounts.csv", ["account_id,name", "A-1,甲", "客户-2,乙"])
    write_csv(
        root / "receivables.csv",
        [
            "receivable_id,account_id,amount,invoiced_on,due_date,status",
            "应收-1,A-1,100.00,2026-01-01,2026-02-01,invoiced",
            "R 2,客户-2,50.00,2026-01-01,2026-02-01,invoiced",
            '"R,3",A-1,70.00,2026-01-01,2026-02-01,invoiced',
            "R-4,A-1,30.00,2026-01-01,2026-02-01,invoiced",
        ],
    )
    write_csv(
        root / "payments.csv",
        [
            "payment_id,receivable_id,received_on,amount",
            "P-1, 应收-1 ,2026-01-15,40.00",
            "P-2,R 2,2026-01-15,10.00",
            'P-3,"R,3",2026-01-15,7.00',
            "P-4,R-4  ,2026-01-15,3.00",
            "P-5,r-4,2026-01-15,1.00",  # a different text: no match
        ],
    )
    day = dt.date(2026, 3, 15)
    fast, slow = both(root, day)
    assert fast is not None and fast.to_json() == slow.to_json()
    assert fast.totals["total"] == Decimal("190.00")


def test_aging_kernel_declines_and_the_general_path_answers(tmp_path):
    root = l_workspace(tmp_path, 200)
    day = dt.date(2026, 9, 30)
    assert try_aging(ReportData(Workspace(root)), day, by="owner") is None
    text = (root / "receivables.csv").read_text(encoding="utf-8-sig").splitlines()
    dup = text[1]
    write_csv(root / "receivables.csv", [*text, dup])  # a repeated receivable ID
    assert try_aging(ReportData(Workspace(root)), day) is None
    cells = text[1].split(",")
    cells[2] = ""  # a receivable without an account: attributed through its contract
    write_csv(root / "receivables.csv", [text[0], ",".join(cells), *text[2:]])
    assert try_aging(ReportData(Workspace(root)), day) is None


def test_a_changed_file_is_never_answered_from_the_cache(tmp_path):
    root = l_workspace(tmp_path, 300)
    rec = root / "receivables.csv"
    age(*root.glob("*.csv"))
    day = dt.date(2026, 9, 30)
    first = try_aging(ReportData(Workspace(root)), day)
    cache.flush()
    # same size, different bytes, mtime moved on: another amount on an open invoice
    lines = rec.read_text(encoding="utf-8-sig").splitlines()
    i = next(
        k
        for k, line in enumerate(lines)
        if line.split(",")[13] == "invoiced" and line.split(",")[9] <= "2026-09-30"
    )
    cells = lines[i].split(",")
    cells[6] = ("2" if cells[6][0] == "1" else "1") + cells[6][1:]
    lines[i] = ",".join(cells)
    write_csv(rec, lines)
    age(rec, seconds=30)
    second = try_aging(ReportData(Workspace(root)), day)
    cache.flush()
    assert second.to_json() == ar.aging(ReportData(Workspace(root)), day).to_json()
    assert second.totals != first.totals
    # a file changed just now is read, not cached
    write_csv(rec, lines[:-1])
    before = (root / ".salesops" / "cache" / "receivables.csv.cols").stat().st_mtime_ns
    third = try_aging(ReportData(Workspace(root)), day)
    cache.flush()
    assert third.to_json() == ar.aging(ReportData(Workspace(root)), day).to_json()
    assert (root / ".salesops" / "cache" / "receivables.csv.cols").stat().st_mtime_ns == before
    # a damaged entry is ignored
    (root / ".salesops" / "cache" / "payments.csv.cols").write_bytes(b"garbage")
    assert cache.load(root, root / "payments.csv", "MDY") is None


def test_the_cli_prints_the_same_aging_either_way(tmp_path, cli):
    root = l_workspace(tmp_path, 400)
    fast = cli("report", "aging", "--as-of", "2026-09-30", "-f", "json", ws=root, check=0).stdout
    # the same registers as xlsx take the general path
    xroot = make_workspace(tmp_path / "x", "xlsx")
    for name in ("accounts", "receivables", "payments"):
        df = pd.read_csv(
            root / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
        df.to_excel(xroot / f"{name}.xlsx", index=False)
    slow = cli("report", "aging", "--as-of", "2026-09-30", "-f", "json", ws=xroot, check=0).stdout
    assert json.loads(fast) == json.loads(slow)


# ------------------------------------------------------------------ cached frames


def test_cached_frames_equal_freshly_read_ones(tmp_path):
    root = make_workspace(tmp_path / "ws", "xlsx")
    company = generate.ensure("tiny", quiet=True, data=tmp_path / "data")
    for p in company.glob("*.xlsx"):
        (root / p.name).write_bytes(p.read_bytes())
    # a bad cell, a blank row and a whitespace row in the receivables
    import openpyxl

    wb = openpyxl.load_workbook(root / "receivables.xlsx")
    sh = wb.worksheets[0]
    sh["G3"] = "not money"
    sh["H4"] = "2026-13-45"
    sh.append([])
    sh.append(["  ", None, "   "])
    sh.append(["R-999999", None, "A-000001", None, None, None, "5"])
    wb.save(root / "receivables.xlsx")
    age(*root.glob("*.xlsx"))
    ws = Workspace(root)

    def same(a, b):
        assert_frame_equal(a.df, b.df, check_index_type="equiv")
        assert a.problems == b.problems
        assert a.user_columns == b.user_columns and a.columns_present == b.columns_present
        assert_series_equal(a._ids, b._ids, check_names=False)

    present = {n: r for n, r in REGISTERS.items() if ws.file_of(n)[2]}  # the company's registers
    assert len(present) >= 9
    for _round in range(2):  # cold (read and cached), then warm (from the cache)
        for name, reg in present.items():
            path = ws.file_of(name)[0]
            cols = [c.name for c in reg.columns]
            for columns in (None, cols[2:5], [cols[-1]], [cols[1]]):
                for users in (False, True):
                    wanted = (
                        cols if columns is None else list(dict.fromkeys([reg.id_column, *columns]))
                    )
                    same(
                        read_frame(ws, name, columns, users),
                        _read_frame(ws, reg, path, "xlsx", wanted, users),
                    )
        assert len(list((root / ".salesops" / "cache").glob("*.frame"))) == len(present)
    frame = read_frame(ws, "receivables", ["amount", "triggered_on"])
    assert {(p.row, p.column) for p in frame.problems} == {(3, "amount"), (4, "triggered_on")}
    assert (
        framecache.load(root, root / "receivables.xlsx", "DMY") is None
    )  # settings are part of the stamp


# ------------------------------------------------------------------ JSON


@pytest.mark.parametrize(
    "data",
    [
        {
            "a": [1, 2.5, None, True, 'é"\n中'],
            "b": {},
            "c": [],
            "d": Decimal("1.10"),
            3: dt.date(2026, 1, 2),
        },
        [
            {
                "x": Decimal("-0.00"),
                "y": np.int64(7),
                "z": np.float64(0.1),
                "t": (1, [2, {"k": float("nan")}]),
            }
        ],
        "text",
        [],
    ],
)
def test_fast_json_is_the_standard_json(data):
    assert dumps(data) == json.dumps(to_jsonable(data), ensure_ascii=False, indent=2)
