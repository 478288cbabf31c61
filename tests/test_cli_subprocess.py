"""Smoke tests through real processes: the installed console script and `python -m salesops`.

Every other CLI test runs the same entry point in process (`tests.conftest.run_cli`);
these prove the real processes behave the same: exit codes, streams, encodings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import TODAY, run_cli

ENV = {"SALESOPS_TODAY": TODAY, "NO_COLOR": "1", "COLUMNS": "200", "SALESOPS_USER": "tester"}


def script() -> list[str]:
    """The `salesops` console script installed beside this interpreter (else `-m salesops`)."""
    found = Path(sys.executable).with_name("salesops")
    return [str(found)] if found.exists() else [sys.executable, "-m", "salesops"]


def real(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SALESOPS_WORKSPACE"} | ENV
    return subprocess.run(
        [*script(), *args], capture_output=True, text=True, encoding="utf-8", env=env, cwd=cwd, timeout=120
    )


def test_a_day_of_work_through_the_console_script(tmp_path):
    ws = tmp_path / "ws"
    res = real("init", str(ws), "--sample", "--lang", "zh")
    assert res.returncode == 0, res.stderr
    assert real("-w", str(ws), "validate").returncode == 0
    lead = real("-w", str(ws), "lead", "add", "--company", "子进程科技", "--phone", "13800000000")
    assert lead.returncode == 0, lead.stderr
    weekly = real("-w", str(ws), "report", "weekly", "-f", "json")
    assert weekly.returncode == 0, weekly.stderr
    assert {"from", "to", "headline"} <= set(json.loads(weekly.stdout))
    assert "Traceback" not in weekly.stderr


def test_exit_codes_and_streams_match_the_in_process_runner(tmp_path):
    ws = tmp_path / "ws"
    assert real("init", str(ws), "--sample").returncode == 0
    cases = [
        ["report", "aging", "-f", "json"],  # 0, JSON on stdout
        ["list", "nosuchregister"],  # 2, usage error
        ["advance", "O-999999", "won"],  # 1, refused
        ["report", "overdue", "--fail-on-overdue"],  # 3, alert
    ]
    codes = []
    for args in cases:
        a = real("-w", str(ws), *args)
        b = run_cli(*args, ws=ws, env={"SALESOPS_USER": "tester"})
        assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr), args
        codes.append(a.returncode)
    assert codes == [0, 2, 1, 3]  # the real processes' exit codes (each case run once)


def test_the_console_script_is_installed():
    assert shutil.which("salesops", path=str(Path(sys.executable).parent)) or script()[0] == sys.executable
