"""Several salesops processes writing the same registers at once: no update is lost.

Real `salesops payment record` processes are started together on one
receivable (children forked at once by the fork server, each an ordinary
process running the real entry point; imports done once, so they race on the
lock rather than in start-up); the workspace lock serialises their
read-modify-commit, so the receivable's collected amount is exactly the sum of
the payments. A writer that cannot get the lock within `--wait` exits 75 with
the SPEC message and writes nothing (a plain `python -m salesops` process).
"""

from __future__ import annotations

import json
import signal
import time
from decimal import Decimal

import pytest

from .clitools import ForkServer, assert_clean_meta, digest, records, run, run_sub, sample_workspace
from .conftest import spawn, wait_for_line

RECEIVABLE = "R-000012"  # invoiced, nothing collected yet, 797,549.40 due
WRITERS = 8


def _receivable(ws, rid=RECEIVABLE) -> dict:
    return next(r for r in records(ws, "receivables") if r["receivable_id"] == rid)


@pytest.fixture(scope="module")
def server():
    s = ForkServer()
    yield s
    s.close()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_concurrent_payments_on_one_receivable_lose_no_update(tmp_path, fmt, server):
    ws = sample_workspace(tmp_path / "ws", fmt)
    before_payments = records(ws, "payments")
    assert _receivable(ws)["collected_amount"] in (None, 0)
    amounts = [
        Decimal("100.00") + Decimal(k) / 100 for k in range(1, WRITERS + 1)
    ]  # 100.01 … 100.08
    argvs = [
        ["-w", str(ws), "payment", "record", RECEIVABLE, "--amount", str(a), "--ref", f"RACE-{k}", "--wait", "60"]
        for k, a in enumerate(amounts)
    ]
    logs = [tmp_path / f"writer-{k}.log" for k in range(WRITERS)]
    pids = server.start_many(argvs, tmp_path, logs)
    assert len(set(pids)) == WRITERS  # separate processes, all running at once
    for code, log in zip(server.reap_many(), logs, strict=True):
        err = log.read_text(encoding="utf-8")
        assert code == 0, err
        assert "Traceback" not in err
    payments = records(ws, "payments")
    new = [p for p in payments if p["reference"] and p["reference"].startswith("RACE-")]
    assert len(payments) == len(before_payments) + WRITERS
    assert sorted(Decimal(str(p["amount"])) for p in new) == amounts
    assert len({p["payment_id"] for p in new}) == WRITERS  # every payment got its own ID
    assert all(p["receivable_id"] == RECEIVABLE for p in new)
    rec = _receivable(ws)
    assert Decimal(str(rec["collected_amount"])) == sum(amounts)
    assert rec["status"] == "partially_paid"
    history = (ws / "history.csv").read_text(encoding="utf-8-sig").splitlines()
    created = [line for line in history if ",payments," in line and ",payment_id,," in line]
    assert len(created) == WRITERS
    res = run(["validate"], ws)
    assert res.code == 0, res.err
    assert_clean_meta(ws)


@pytest.fixture
def holder(tmp_path):
    """Another process holding the workspace lock (as a long command would)."""
    ws = sample_workspace(tmp_path / "ws", "csv")
    proc = spawn("hold", str(ws))
    wait_for_line(proc, "locked")
    yield ws, proc
    if proc.poll() is None:
        proc.kill()
    proc.communicate()


def test_a_writer_with_wait_0_while_another_holds_the_lock_exits_75(holder):
    ws, _ = holder
    before = digest(ws)
    res = run_sub(["payment", "record", RECEIVABLE, "--amount", "10", "--wait", "0"], ws)
    assert res.code == 75, res.err
    assert res.err_lines == [
        f"error: workspace {ws.resolve()} is busy: another salesops command is writing (waited 0s); "
        "try again or pass --wait SECONDS"
    ]
    assert res.out == ""
    assert digest(ws) == before


def test_a_writer_waits_as_long_as_asked_then_exits_75(holder):
    ws, _ = holder
    started = time.monotonic()
    res = run(["advance", "O-000031", "needs_analysis", "--wait", "0.5"], ws)
    assert res.code == 75 and "(waited 0.5s)" in res.err
    assert time.monotonic() - started >= 0.5


def test_readers_do_not_wait_for_a_writer(holder):
    ws, _ = holder
    res = run(["list", "receivables", "-f", "json"], ws)
    assert res.code == 0 and len(json.loads(res.out)) > 0
    checked = run(["validate"], ws)
    assert checked.code == 0
    assert "busy" not in checked.err  # no hand edit to record: validate does not wait for the lock at all


def test_a_lock_left_by_a_killed_writer_does_not_block_the_next_command(holder):
    ws, proc = holder
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    res = run(["payment", "record", RECEIVABLE, "--amount", "10", "--wait", "0"], ws)
    assert res.code == 0, res.err
    assert Decimal(str(_receivable(ws)["collected_amount"])) == Decimal("10")


def test_validate_while_a_writer_holds_the_lock_checks_a_hand_edit_and_leaves_its_recording(tmp_path):
    """A hand edit to record and the lock busy: validate checks it, says it is not recorded this
    time (after --wait), and the next command records it."""
    ws = sample_workspace(tmp_path / "ws", "csv")
    assert run(["validate"], ws).code == 0  # the first state salesops keeps
    path = ws / "opportunities.csv"
    path.write_bytes(path.read_bytes().replace("MES生产执行系统".encode(), "MES生产执行系统二期".encode(), 1))
    proc = spawn("hold", str(ws))
    try:
        wait_for_line(proc, "locked")
        checked = run(["validate", "--wait", "0"], ws)
        assert "busy" in checked.err and "not recorded" in checked.err
        assert b"edited outside salesops" not in (ws / "history.csv").read_bytes()
    finally:
        proc.kill()
        proc.communicate()
    assert run(["validate"], ws).code == 0
    assert b"edited outside salesops" in (ws / "history.csv").read_bytes()
