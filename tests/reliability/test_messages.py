"""Issue 10, clear messages: what a person reads when a record, a folder or a file is not as expected.

- A record whose status cell is empty: `R-000012 has no status`, never `R-000012 is None`.
- A read-only workspace folder: commands that only read work (even with an interrupted
  commit left behind, then with a warning); commands that write say the folder is
  read-only, naming it. A register marked read-only is not replaced behind its back.
The read-only folder is real: as root (CI containers) the commands run as `nobody`,
for whom the folder is read-only, since root writes anywhere.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from .clitools import ENV, META, REPO, assert_clean_failure, digest, run, sample_workspace

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


def _empty_cell(path: Path, record_id: str, field: str) -> None:
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    j = rows[0].index(field)
    for row in rows[1:]:
        if row[0] == record_id:
            row[j] = ""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


@pytest.mark.parametrize(
    ("register", "record_id", "field", "args", "line"),
    [
        ("receivables", "R-000012", "status", ["payment", "record", "R-000012", "--amount", "1"],
         "error: R-000012 has no status: it takes no more payments"),
        ("quotes", "Q-000001", "status", ["contract", "create", "Q-000001"],
         "error: Q-000001 has no status: a contract is made from an accepted quote"),
        ("leads", "L-000001", "status", ["lead", "convert", "L-000001"],
         "error: L-000001 has no status: only a qualified lead is converted (salesops advance L-000001 qualified)"),
        ("opportunities", "O-000001", "stage", ["quote", "create", "O-000001", "--list-amount", "100"],
         "error: O-000001 has no stage: quotes are made for open opportunities"),
        ("contracts", "C-000001", "status", ["delivery", "add", "C-000001"],
         "error: C-000001 has no status: deliveries are planned for open contracts"),
    ],
    ids=["payment", "contract", "convert", "quote", "delivery"],
)
def test_an_empty_status_is_named_never_none(tmp_path, register, record_id, field, args, line):
    ws = sample_workspace(tmp_path / "ws", "csv")
    _empty_cell(ws / f"{register}.csv", record_id, field)
    res = run(args, ws)
    assert_clean_failure(res)
    assert line in res.err_lines
    assert "None" not in res.err


# ---------------------------------------------------------------- read-only


def _as_reader(args: list[str], ws: Path) -> subprocess.CompletedProcess:
    """`salesops -w ws ARGS` run by a user who cannot write the workspace folder."""
    env = {**os.environ, **ENV, "PYTHONPATH": str(REPO), "HOME": "/tmp"}
    env.pop("SALESOPS_WORKSPACE", None)
    cmd = [sys.executable, "-m", "salesops", "-w", str(ws), *args]
    if os.geteuid() == 0:  # root writes anywhere: run as nobody (util-linux's setpriv)
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: no user to whom the folder is read-only")
        cmd = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, cwd="/tmp")


@pytest.fixture
def read_only_ws(tmp_path):
    """A copy of the sample company in a folder only its owner (root, or us) may write."""
    base = Path(tempfile.mkdtemp(prefix="salesops-ro-"))
    os.chmod(base, 0o755)
    ws = base / "ws"
    shutil.copytree(sample_workspace(tmp_path / "sample", "xlsx"), ws)
    run(["report", "aging"], ws)  # caches written while it is writable
    for root, dirs, files in os.walk(ws):
        for name in dirs:
            os.chmod(Path(root) / name, 0o555)
        for name in files:
            os.chmod(Path(root) / name, 0o444)
    os.chmod(ws, 0o555)
    yield ws
    for root, dirs, _files in os.walk(base):
        for name in dirs:
            os.chmod(Path(root) / name, 0o755)
    os.chmod(ws, 0o755)
    shutil.rmtree(base)


READ_ONLY = (
    "error: the workspace folder {ws} is read-only for you (Permission denied): salesops cannot "
    "save changes there; commands that only read still work"
)


def test_a_read_only_folder_lets_readers_work_and_writers_say_why(read_only_ws):
    ws = read_only_ws
    before = digest(ws)
    for args in (["list", "leads", "-f", "json"], ["validate"], ["report", "aging"], ["show", "O-000001"]):
        res = _as_reader(args, ws)
        assert res.returncode in (0, 1) and not res.stderr.startswith("error:"), (args, res.stderr)
        assert res.stdout, args
    res = _as_reader(["lead", "add", "--company", "Read Only Co"], ws)
    assert res.returncode == 1
    assert res.stderr.splitlines() == [READ_ONLY.format(ws=ws)]
    assert digest(ws) == before


def test_a_read_only_folder_with_an_interrupted_commit_still_reads_with_a_warning(read_only_ws):
    ws = read_only_ws
    meta = ws / META
    os.chmod(ws, 0o755), os.chmod(meta, 0o755)
    (meta / "tx-0123456789ab").mkdir()  # staging left by a killed writer (no journal: wholly old)
    os.chmod(meta, 0o555), os.chmod(ws, 0o555)
    res = _as_reader(["list", "leads", "-f", "json"], ws)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    os.chmod(meta, 0o755)
    (meta / "journal.json").write_text("{}")  # past a commit point: perhaps half applied
    os.chmod(meta, 0o555)
    res = _as_reader(["report", "aging"], ws)
    assert res.returncode == 0, res.stderr
    assert res.stderr.splitlines() == [
        f"warning: an interrupted commit cannot be finished: the workspace folder {ws} is read-only "
        "for you; until someone who may write there runs salesops, what you see may be partly old"
    ]


def test_a_register_marked_read_only_is_not_replaced(tmp_path):
    ws = sample_workspace(tmp_path / "ws", "xlsx")
    os.chmod(ws / "leads.xlsx", 0o444)
    before = digest(ws)
    res = run(["lead", "add", "--company", "Locked Co"], ws)
    assert_clean_failure(res)
    assert res.err_lines == [
        "error: leads.xlsx is marked read-only: salesops does not change it; make it writable "
        "(clear Read-only in its properties, or chmod u+w) and try again"
    ]
    assert digest(ws) == before
    os.chmod(ws / "leads.xlsx", 0o644)
    assert run(["lead", "add", "--company", "Locked Co"], ws).code == 0
