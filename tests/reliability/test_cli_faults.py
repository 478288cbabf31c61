"""Disk faults and open spreadsheets, through the whole CLI path.

The commit tests fail every disk call of a bare commit; here the same is done
to a real `payment record` (the command runs in this process with the
commit's filesystem object swapped for FaultyFS, since the suite runs as root
and chmod cannot make a folder read-only). Whatever call fails, the user gets
one `error:` line and exit 1, and either nothing changed (the retried command
then works) or the change is saved and the next command finishes it.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from tests.flow_support import new_ws, seed

from .clitools import (
    assert_clean_failure,
    assert_clean_meta,
    digest,
    run,
    sample_workspace,
    snapshot,
)
from .conftest import FaultyFS, use_fs
from .test_lock import excel_owner_file

PAYMENT = ["payment", "record", "R-000012", "--amount", "250.50", "--ref", "FAULT"]
CHANGED = ["history.csv", "payments.{fmt}", "receivables.{fmt}"]


@pytest.fixture(scope="module")
def small_company(tmp_path_factory):
    """A company of one account and two invoiced receivables, one already part-paid, made by
    salesops itself (records written and committed through the Table API, a payment through the
    CLI) and valid. A payment in it makes the same 31 disk calls as in the sample company (three
    registers replaced or appended, the journal, the first kept state), each run about half as
    costly."""
    made: dict[str, Path] = {}

    def get(fmt: str) -> Path:
        if fmt not in made:
            ws = tmp_path_factory.mktemp(f"small-{fmt}") / "ws"
            new_ws(ws, fmt, "en")
            seed(ws, "accounts", [{"account_id": "A-000001", "name": "Acme Ltd"}])
            invoiced = {
                "account_id": "A-000001",
                "amount": Decimal("900000.00"),
                "triggered_on": dt.date(2026, 10, 1),
                "invoiced_on": dt.date(2026, 10, 1),
                "due_date": dt.date(2026, 10, 31),
                "status": "invoiced",
            }
            seed(ws, "receivables", [
                {**invoiced, "receivable_id": "R-000011", "invoice_no": "INV-11"},
                {**invoiced, "receivable_id": "R-000012", "invoice_no": "INV-12"},
            ])  # fmt: skip
            assert run(["payment", "record", "R-000011", "--amount", "100"], ws).code == 0
            assert run(["validate"], ws).code == 0
            # as in a new sample company: no state kept yet, so the payment saves the first one
            shutil.rmtree(ws / ".salesops" / "state")
            made[fmt] = ws
        return made[fmt]

    return get


@pytest.mark.parametrize(
    ("fmt", "err", "persistent"),
    [("xlsx", errno.ENOSPC, True), ("csv", errno.EIO, False)],
    ids=["xlsx-disk-full", "csv-io-error-once"],
)
def test_failing_each_disk_call_of_a_payment_gives_one_line_and_a_whole_state(
    tmp_path, monkeypatch, fmt, err, persistent, small_company
):
    base = shutil.copytree(small_company(fmt), tmp_path / "base")
    changed = [n.format(fmt=fmt) for n in CHANGED]
    reference = shutil.copytree(base, tmp_path / "reference")
    counter = FaultyFS(0)
    use_fs(monkeypatch, counter)
    assert run(PAYMENT, reference).code == 0
    calls = list(counter.log)
    point = next(
        i for i, (kind, _) in enumerate(calls, 1) if kind == "rename"
    )  # the journal's rename
    before, after = snapshot(base, changed), snapshot(reference, changed)
    base_bytes = digest(base)
    outcomes = {"refused, nothing changed": 0, "saved, finished by the next command": 0, "done": 0}

    for k in range(1, len(calls) + 1):
        ws = shutil.copytree(base, tmp_path / f"k{k}")
        where = f"k={k} ({calls[k - 1][0]} {os.path.basename(calls[k - 1][1])})"
        use_fs(monkeypatch, FaultyFS(k, err, persistent=persistent))
        res = run(PAYMENT, ws)
        use_fs(monkeypatch, FaultyFS(0))
        if res.code == 0:
            # Only a failure to tidy up after every file is durable goes unreported.
            assert k > point, where
            assert snapshot(ws, changed) == after, where
            assert run(["validate"], ws).code == 0, where
            assert snapshot(ws, changed) in (before, after), where
            outcomes["done"] += 1
        elif k <= point:
            assert_clean_failure(res)
            assert len(res.err_lines) == 1, f"{where}: {res.err}"
            assert res.err_lines[0].endswith(f": {os.strerror(err)}"), f"{where}: {res.err}"
            assert digest(ws) == base_bytes, f"{where}: a register changed"
            again = run(PAYMENT, ws)  # the user simply tries again
            assert again.code == 0, f"{where}: {again.err}"
            assert snapshot(ws, changed) == after, where
            outcomes["refused, nothing changed"] += 1
        else:
            assert_clean_failure(res)
            (line,) = res.err_lines
            named = line.removeprefix("error: could not finish writing ").split(": ")[0]
            assert named in (*changed, ".salesops/journal.json", "the workspace folder"), (
                f"{where}: {line}"
            )
            assert line == (
                f"error: could not finish writing {named}: {os.strerror(err)}; the change is saved "
                "and the next salesops command will finish it (do not repeat this command)"
            ), where
            nxt = run(["validate"], ws)
            assert nxt.code == 0, f"{where}: {nxt.err}"
            assert nxt.err.startswith("warning: finished an interrupted commit"), nxt.err
            assert snapshot(ws, changed) == after, where
            outcomes["saved, finished by the next command"] += 1
        assert_clean_meta(ws)  # (the other two branches end finding the state after, whole)
        shutil.rmtree(ws)
    print(f"{fmt}: {len(calls)} disk calls failed one by one: {outcomes}")
    assert all(
        outcomes[k] for k in ("refused, nothing changed", "saved, finished by the next command")
    ), outcomes


def test_a_replace_refused_by_the_os_names_the_file_and_is_finished_later(tmp_path, monkeypatch):
    """PermissionError on replace (Windows: a register opened meanwhile) is the same clear message."""
    ws = sample_workspace(tmp_path / "ws", "xlsx")
    use_fs(monkeypatch, FaultyFS(1, errno.EACCES, persistent=True, kinds={"replace"}))
    res = run(PAYMENT, ws)
    assert_clean_failure(res)
    assert res.err_lines == [
        "error: could not replace receivables.xlsx (Permission denied): it is probably open in another program; "
        "close it, then run any salesops command to finish this change (it is saved; do not repeat this command)"
    ]
    use_fs(monkeypatch, FaultyFS(0))
    listed = run(["list", "payments", "--where", "reference=FAULT", "-f", "json"], ws)
    assert listed.code == 0 and '"FAULT"' in listed.out  # the next command finished the change
    assert listed.err.startswith("warning: finished an interrupted commit")
    assert_clean_meta(ws)


# ---------------------------------------------------------------- open in Excel, WPS, LibreOffice


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_register_open_in_excel_is_not_written(tmp_path, fmt):
    ws = sample_workspace(tmp_path / "ws", fmt)
    (ws / f"~$receivables.{fmt}").write_bytes(excel_owner_file("Zhang San"))
    before = digest(ws)
    res = run(PAYMENT, ws)
    assert_clean_failure(res)
    assert res.err_lines == [
        f"error: receivables.{fmt} is open in Excel/WPS (by Zhang San); close it and try again "
        f"(if nobody has it open, delete ~$receivables.{fmt})"
    ]
    assert digest(ws) == before
    assert not any(n.startswith("tx-") for n in os.listdir(ws / ".salesops"))


def test_signing_names_every_register_open_elsewhere_and_writes_none(tmp_path):
    ws = sample_workspace(tmp_path / "ws", "xlsx")
    (ws / "~$opportunities.xlsx").write_bytes(excel_owner_file("张三", "gbk"))
    (ws / ".~lock.contracts.xlsx#").write_text(
        "Li Si,lisi,PC-07,27.11.2026 09:12,file:///C:/lo;", encoding="utf-8"
    )
    before = digest(ws)
    res = run(["advance", "C-000025", "signed", "--by", "宋文博"], ws)
    assert_clean_failure(res)
    assert [line.split(";")[0] for line in res.err_lines] == [
        "error: contracts.xlsx is open in LibreOffice (by Li Si, lisi@PC-07)",
        "error: opportunities.xlsx is open in Excel/WPS (by 张三)",
    ]
    assert digest(ws) == before


def test_a_register_open_elsewhere_does_not_block_commands_that_leave_it_alone(tmp_path):
    ws = sample_workspace(tmp_path / "ws", "xlsx")
    (ws / "~$leads.xlsx").write_bytes(excel_owner_file("Zhang San"))
    res = run(PAYMENT, ws)
    assert res.code == 0, res.err
