"""Fuzzing: registers full of random bytes, random headers and random cells.

Whatever a register file holds, `list`, `validate` and a writing command end
with exit 0 or 1, print only `error:`/`warning:` lines on stderr (never a
traceback, never an "internal error"), and a writing command either commits
whole or leaves every file as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from salesops.schema import REGISTERS

from .clitools import META, Result, digest, empty_workspace, run

FUZZ = settings(
    deadline=None,
    # Each example runs three commands: shrinking a failure could take minutes. A failure is
    # reported as found (with a blob to replay it) and kept in the example database.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)


def examples(n: int) -> int:
    """`n`, times $SALESOPS_FUZZ_SCALE (e.g. 20 for a long run before a release)."""
    return max(1, int(n * float(os.environ.get("SALESOPS_FUZZ_SCALE", "1"))))


INVOICED = (
    "receivable_id,account_id,amount,invoice_no,invoiced_on,due_date,status\r\n"
    "R-000001,A-000001,1000.00,INV-1,2026-10-01,2026-10-31,invoiced\r\n"
)
ACCOUNTS = "account_id,name\r\nA-000001,Acme Ltd\r\n"
WRITES = {
    "leads": ["lead", "add", "--company", "Fuzz Co", "--phone", "+86 138 0013 8000"],
    "receivables": ["payment", "record", "R-000001", "--amount", "1"],
    "payments": ["payment", "record", "R-000001", "--amount", "1"],
}


def _names(register: str) -> list[str]:
    reg = REGISTERS[register]
    out = []
    for c in reg.columns:
        out += [
            c.name,
            c.zh,
            c.name.upper(),
            f"  {c.name} ",
            c.name.replace("_", " "),
            "ＩＤ" if c.type == "id" else c.zh,
        ]
    return out


INTERESTING = [
    "", " ", "=1+1", "'=x", "@SUM(A1)", "+86 138 0013 8000", "-5", "-abc", "+", "\t=x", "#N/A", "NA", "None",
    "null", "nan", "inf", "-0", "1e308", "1e-400", "9" * 40, "2026-11-05", "2026/11/5", "11/5/26", "5/11/2026",
    "2026年11月5日", "2026.11.5", "45000", "45000.5", "2958466", "0", "12.5万", "¥1,234.50", "￥1234", "1234元",
    "1,234.50", "（1）", "R-000001", "R-000002", "A-000001", "L-000001", "P-000001", "paid", "已回款",
    "invoiced", "scheduled", "partially_paid", "bank_transfer", "advance", "预付款", "new", "qualified", "是",
    "yes", "TRUE", "１２３", "٣", "\x00", "\x07bell", "a\r\nb", '"', "'", ",", "\ufeff", "é" * 3, "长" * 5,
]  # fmt: skip

text_cells = st.one_of(st.sampled_from(INTERESTING), st.text(max_size=12))
typed_cells = st.one_of(
    text_cells,
    st.none(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9999, 12, 31)),
)


@st.composite
def tables(draw, register: str, cells):
    names = _names(register)
    header = draw(
        st.lists(
            st.one_of(st.sampled_from(names), st.sampled_from(names), text_cells),
            min_size=0,
            max_size=12,
        )
    )
    width = max(len(header), 1)
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=width + 2), max_size=8))
    return [header, *rows]


def csv_file(rows: list[list], encoding: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([[_text(c) for c in row] for row in rows])
    return buf.getvalue().encode(encoding, errors="replace")


def _text(cell) -> str:
    return "" if cell is None else str(cell)


def xlsx_file(rows: list[list]) -> bytes | None:
    import openpyxl
    from openpyxl.utils.exceptions import IllegalCharacterError

    book = openpyxl.Workbook()
    sheet = book.active
    try:
        for row in rows:
            sheet.append(row)
        buf = io.BytesIO()
        book.save(buf)
    except (IllegalCharacterError, ValueError, TypeError, OverflowError):
        return None  # openpyxl itself cannot write such a cell
    return buf.getvalue()


def mangle(data: bytes, seed: int, flips: int) -> bytes:
    """`data` with `flips` random bytes replaced (a damaged download, a bad sector)."""
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(flips):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


# ---------------------------------------------------------------- the check


def check_commands(register: str, name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        fmt = name.rsplit(".", 1)[1]
        ws = empty_workspace(Path(tmp) / "ws", fmt)
        (ws / "accounts.csv" if fmt == "csv" else ws / "accounts.csv").write_text(
            ACCOUNTS, encoding="utf-8"
        )
        if register == "payments":
            (ws / "receivables.csv").write_text(INVOICED, encoding="utf-8")
        (ws / name).write_bytes(data)
        for args in (["list", register, "-f", "json"], ["validate", "-f", "json"]):
            res = run(args, ws)
            _clean(res, args)
            if res.code == 0:
                json.loads(res.out)  # correct output: whole JSON
        before = digest(ws)
        write = WRITES[register]
        res = run(write, ws)
        _clean(res, write)
        after = digest(ws)
        if res.code != 0:
            assert after == before, f"a refused {' '.join(write)} changed files"
        else:
            changed = {n for n in after if before.get(n) != after[n]}
            assert "history.csv" in changed, changed
            assert changed <= {
                name,
                "history.csv",
                f"payments.{fmt}",
                f"leads.{fmt}",
                "receivables.csv",
            }, changed
            listed = run(
                ["list", "payments" if write[0] == "payment" else "leads", "-f", "json"], ws
            )
            _clean(listed, ["list"])
        left = set((ws / META).iterdir()) if (ws / META).exists() else set()
        assert {p.name for p in left} <= {"lock", "cache", "state"}, left


def _clean(res: Result, args: list[str]) -> None:
    where = f"salesops {' '.join(args)}"
    assert res.code in (0, 1), f"{where}: exit {res.code}\n{res.err}"
    assert "Traceback" not in res.err and "internal error" not in res.err, f"{where}:\n{res.err}"
    assert all(line.startswith(("error: ", "warning: ")) for line in res.err_lines), (
        f"{where}:\n{res.err}"
    )
    if res.code == 1 and args[0] == "validate" and "json" in args and not res.err:
        assert json.loads(res.out)["ok"] is False, (
            f"{where}: exit 1 but ok"
        )  # the errors are in the JSON
    elif res.code == 1:
        assert any(line.startswith("error: ") for line in res.err_lines), (
            f"{where}: exit 1 without an error line"
        )


# ---------------------------------------------------------------- the fuzzers

registers = st.sampled_from(["leads", "receivables", "payments"])


@settings(FUZZ, max_examples=examples(40))
@given(register=registers, ext=st.sampled_from(["csv", "xlsx"]), data=st.binary(max_size=3000))
def test_random_bytes_as_a_register(register, ext, data):
    check_commands(register, f"{register}.{ext}", data)


@settings(FUZZ, max_examples=examples(40))
@given(
    data=st.data(), register=registers, encoding=st.sampled_from(["utf-8-sig", "utf-8", "gb18030"])
)
def test_random_headers_and_cells_in_a_csv_register(data, register, encoding):
    rows = data.draw(tables(register, text_cells))
    check_commands(register, f"{register}.csv", csv_file(rows, encoding))


@settings(FUZZ, max_examples=examples(30))
@given(data=st.data(), register=registers)
def test_random_headers_and_typed_cells_in_an_xlsx_register(data, register):
    rows = data.draw(tables(register, typed_cells))
    content = xlsx_file(rows)
    assume(content is not None)
    check_commands(register, f"{register}.xlsx", content)


@settings(FUZZ, max_examples=examples(25))
@given(register=registers, seed=st.integers(0, 2**32), flips=st.integers(1, 12))
def test_damaged_xlsx_registers(register, seed, flips):
    """A real register with a few bytes changed: inside zip headers, deflate streams, XML."""
    rows = [
        [c.name for c in REGISTERS[register].columns][:6],
        ["R-000001", "A-000001", "x", "1", "2", "3"],
    ]
    content = xlsx_file(rows)
    assert content is not None
    with zipfile.ZipFile(io.BytesIO(content)) as z:  # a valid workbook before damage
        assert z.testzip() is None
    check_commands(register, f"{register}.xlsx", mangle(content, seed, flips))
