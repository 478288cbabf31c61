"""Issue 10 §3: a command killed mid-commit, then a person edits the register, then the next command.

The old recovery "finished the interrupted commit" by renaming the staged file
over the person's edit. Now the edit stays, the command's version is kept
beside it under a clear name, the error line names both, and nothing else is
lost: the other registers and history.csv are finished as the commit point
promised. Real processes killed with SIGKILL, real xlsx and CSV files.
"""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

import pytest

from .clitools import (
    META,
    ForkServer,
    assert_clean_failure,
    assert_clean_meta,
    records,
    rows_of,
    run,
    sample_workspace,
)

PAYMENT = ["payment", "record", "R-000012", "--amount", "1234.56", "--ref", "CRASH"]


@pytest.fixture(scope="module")
def server():
    s = ForkServer()
    yield s
    s.close()


def _kill_after_commit_point(server: ForkServer, ws: Path, tmp: Path, nth_replace: int) -> None:
    """Run the payment in a real child that blocks before its `nth_replace`-th rename; kill it there."""
    log = tmp / f"{ws.name}.log"
    pid = server.start(PAYMENT, ws, log, hang=("replace", nth_replace))
    journal = ws / META / "journal.json"
    deadline = time.monotonic() + 60
    while not journal.exists():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.01)
    time.sleep(0.05)  # the child is now in the blocked step (or the fsync just before it)
    server.kill(pid)
    code, _ = server.reap()
    assert code == -signal.SIGKILL, log.read_text()
    assert journal.exists()


def _edit_in_a_spreadsheet(path: Path, receivable: str, note: str) -> None:
    """What a person does in Excel: change a cell, save the whole file."""
    if path.suffix == ".csv":
        text = path.read_bytes().decode("utf-8-sig")
        lines = text.split("\r\n")
        i = next(k for k, line in enumerate(lines) if line.startswith(receivable + ","))
        lines[i] = lines[i] + note  # the last column is notes
        path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
        return
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == receivable:
            row[header.index("notes")].value = note
    book.save(path)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_edit_made_after_a_crash_survives_and_the_commands_version_is_kept_beside_it(
    server, tmp_path, fmt
):
    ws = sample_workspace(tmp_path / "ws", fmt)
    _kill_after_commit_point(server, ws, tmp_path, nth_replace=1)
    receivables = ws / f"receivables.{fmt}"
    _edit_in_a_spreadsheet(receivables, "R-000013", "called the customer")
    edited = receivables.read_bytes()

    res = run(["validate"], ws)  # the next command, whatever it is
    assert_clean_failure(res)
    kept = sorted(p.name for p in ws.iterdir() if ".unfinished-" in p.name)
    assert len(kept) == 1 and kept[0].startswith("receivables.unfinished-")
    assert kept[0].endswith(f".{fmt}")
    assert res.err_lines[0].startswith(f"error: receivables.{fmt} was changed after a salesops command")
    assert res.err_lines[0].endswith(f"the command's version is kept as {kept[0]}")
    assert res.err_lines[1].startswith("error: open both, keep the one you want")
    assert receivables.read_bytes() == edited  # the person's edit was not overwritten
    assert_clean_meta(ws)

    # Nothing of the command is lost: the payment and its history rows are in place ...
    payments = records(ws, "payments")
    assert [p["amount"] for p in payments if p["reference"] == "CRASH"] == [1234.56]
    history = rows_of(ws / "history.csv")
    assert any(row[2].startswith("salesops payment record R-000012") for row in history[1:])
    # ... and the receivable's new collected amount is in the kept version.
    before = {r[0]: r for r in rows_of(receivables)}
    after = {r[0]: r for r in rows_of(ws / kept[0])}
    assert before["R-000012"] != after["R-000012"]

    # Until the user decides, every command works and says what is waiting.
    res = run(["list", "payments", "-f", "json"], ws)
    assert res.code == 0
    assert res.err_lines == [
        f"warning: {kept[0]} is the version of receivables.{fmt} an interrupted command saved while "
        f"someone else changed receivables.{fmt}; keep one of the two under the name "
        f"receivables.{fmt} and delete the other"
    ]

    # The user decides: keep the command's version (their note was one cell: typed again later).
    shutil.move(ws / kept[0], receivables)
    res = run(["validate"], ws)
    assert res.code == 0, res.err
    assert res.err == ""


def test_a_register_already_renamed_before_the_kill_keeps_a_later_edit(server, tmp_path):
    """Killed after the first rename: that register is new already, and an edit on top of it is
    kept as it is; the rest of the change is finished, and the warning says so."""
    ws = sample_workspace(tmp_path / "ws", "csv")
    _kill_after_commit_point(server, ws, tmp_path, nth_replace=2)
    (staging,) = (ws / META).glob("tx-*")
    done = ({"receivables.csv", "payments.csv"} - {p.name for p in staging.iterdir()}).pop()
    _edit_in_a_spreadsheet(
        ws / done, "R-000013" if done == "receivables.csv" else "P-000001", "checked"
    )
    edited = (ws / done).read_bytes()

    res = run(["list", "payments", "-f", "json"], ws)
    assert res.code == 0, res.err
    assert res.err_lines == [
        "warning: finished an interrupted commit (receivables.csv, payments.csv, history.csv); "
        f"{done} changed after the interrupted commit and was left as it is"
    ]
    assert (ws / done).read_bytes() == edited
    assert not any(".unfinished-" in p.name for p in ws.iterdir())
    assert_clean_meta(ws)
