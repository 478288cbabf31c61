"""Issue 10 §2: `-o FILE` never lands on the workspace's own files, and is written whole or not at all.

Before: `report … -o leads.csv`, `-o leads.xlsx`, `-o history.csv` inside the
workspace silently replaced registers and the audit log (even with a
LibreOffice lock file present), and a failed write was exit 2 and could leave
half a file. Now every command's output goes through `cli.common.save_output`:
refused over a workspace file in any spelling, temp + fsync + rename
otherwise. Real files, the real CLI; a real full disk is a real process whose
file size limit (RLIMIT_FSIZE) makes its writes fail with EFBIG.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .clitools import (
    ENV,
    REPO,
    assert_clean_failure,
    digest,
    run,
    sample_workspace,
)
from .conftest import FaultyFS, use_fs

# Every way a command writes -o: text reports, tables, JSON, CSV, binary xlsx, html.
COMMANDS = {
    "report-csv": ["report", "aging", "-f", "csv"],
    "report-table": ["report", "kpi"],
    "weekly-xlsx": ["report", "weekly", "-f", "xlsx"],
    "weekly-html": ["report", "weekly", "-f", "html"],
    "list-json": ["list", "leads", "-f", "json"],
    "show-table": ["show", "O-000001"],
    "validate": ["validate", "-f", "json"],
}
CLASH = "; salesops never writes output over a workspace's own files: choose another file name"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return sample_workspace(tmp_path_factory.mktemp("out") / "ws", "xlsx")


def _workspace(sample: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(sample, tmp_path / "ws"))


# Every spelling of a clash is tried on one command; each other command (all write -o through
# the same `save_output`, after computing their output) is tried with the register spelled
# plainly, one other spelling in turn, and a relative path: 25 refused commands instead of 70.
EVERY_SPELLING = "list-json"


@pytest.mark.parametrize("command", COMMANDS, ids=list(COMMANDS))
def test_no_command_writes_its_output_over_a_register_history_or_settings(
    sample, tmp_path, monkeypatch, command
):
    ws = _workspace(sample, tmp_path)
    (ws / ".~lock.leads.xlsx#").write_text("Li Lei,lilei,desk-7,27.11.2026 09:00,file:///;")
    (ws / "sub").mkdir()
    (ws / "report-link.csv").symlink_to("receivables.xlsx")
    before = digest(ws)
    clashes = {
        "leads.xlsx": f"would overwrite the register leads.xlsx of the workspace {ws}",
        "leads.csv": f"would overwrite the register leads.csv of the workspace {ws}",
        "LEADS.XLSX": f"would overwrite the register leads.xlsx of the workspace {ws}",
        "history.csv": f"would overwrite history.csv, the audit log of the workspace {ws}",
        "salesops.toml": f"would overwrite salesops.toml, the settings of the workspace {ws}",
        ".salesops/lock": f"would write into {ws / '.salesops'}, salesops' own folder",
        "sub/../payments.xlsx": f"would overwrite the register payments.xlsx of the workspace {ws}",
        "report-link.csv": f"would overwrite the register receivables.xlsx of the workspace {ws}",
    }
    names = list(clashes)
    if command != EVERY_SPELLING:
        others = names[1:]
        turn = [c for c in COMMANDS if c != EVERY_SPELLING].index(command)
        names = [names[0], others[turn % len(others)]]
    for name in names:
        why = clashes[name]
        res = run([*COMMANDS[command], "-o", str(ws / name)], ws)
        assert_clean_failure(res)
        assert res.err_lines == [f"error: -o {ws / name} {why}{CLASH}"], name
    monkeypatch.chdir(ws)  # relative paths are relative to where the command runs
    res = run([*COMMANDS[command], "-o", "Leads.xlsx"], ws)
    assert res.err_lines == [f"error: -o Leads.xlsx {clashes['LEADS.XLSX'].replace('LEADS', 'leads')}{CLASH}"]
    assert digest(ws) == before


def test_a_refused_output_is_refused_before_the_command_does_its_work(sample, tmp_path):
    """-o that cannot be written is refused as the command starts, not after a report over a
    million rows was computed to be thrown away: here a damaged register the report would read
    shows it was not read."""
    ws = _workspace(sample, tmp_path)
    (ws / "receivables.xlsx").write_bytes(b"not a workbook")
    res = run(["report", "aging", "-f", "csv", "-o", str(ws / "history.csv")], ws)
    assert res.err_lines == [
        f"error: -o {ws / 'history.csv'} would overwrite history.csv, the audit log of the workspace {ws}{CLASH}"
    ]
    res = run(["report", "aging", "-f", "csv", "-o", str(tmp_path / "nowhere" / "aging.csv")], ws)
    assert res.err_lines == [
        f"error: cannot write {tmp_path / 'nowhere' / 'aging.csv'}: the folder {tmp_path / 'nowhere'} does not exist"
    ]
    assert "receivables.xlsx" in run(["report", "aging", "-f", "csv", "-o", str(tmp_path / "aging.csv")], ws).err


def test_a_register_name_in_another_workspace_or_a_plain_folder(sample, tmp_path):
    ws = _workspace(sample, tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    (other / "salesops.toml").write_text('format = "csv"\n')
    res = run(["list", "leads", "-f", "csv", "-o", str(other / "leads.csv")], ws)
    assert res.err_lines == [
        f"error: -o {other / 'leads.csv'} would overwrite the register leads.csv of the workspace {other}{CLASH}"
    ]
    exports = tmp_path / "exports"  # not a workspace: an export may well be called leads.csv
    exports.mkdir()
    res = run(["list", "leads", "-f", "csv", "-o", str(exports / "leads.csv")], ws)
    assert res.code == 0, res.err
    assert (exports / "leads.csv").read_bytes().startswith(b"\xef\xbb\xbflead_id,")


def test_output_through_a_link_lands_on_its_target_and_the_link_stays(sample, tmp_path):
    ws = _workspace(sample, tmp_path)
    target = tmp_path / "shared" / "aging.csv"
    target.parent.mkdir()
    target.write_text("last week\n")
    link = tmp_path / "aging-link.csv"
    link.symlink_to(target)
    res = run(["report", "aging", "-f", "csv", "-o", str(link)], ws)
    assert res.code == 0, res.err
    assert link.is_symlink() and "A-000015," in target.read_text(encoding="utf-8-sig")


def test_output_open_in_a_spreadsheet_is_refused(sample, tmp_path):
    ws = _workspace(sample, tmp_path)
    out = tmp_path / "weekly.xlsx"
    out.write_bytes(b"last week's workbook")
    (tmp_path / "~$weekly.xlsx").write_bytes(bytes([4]) + b"Wang" + b" " * 50 + bytes([4, 0]) + "Wang".encode("utf-16-le"))
    res = run(["report", "weekly", "-f", "xlsx", "-o", str(out)], ws)
    assert_clean_failure(res)
    assert res.err_lines == [
        f"error: cannot write {out}: weekly.xlsx is open in Excel/WPS (by Wang); close it and try "
        "again (if nobody has it open, delete ~$weekly.xlsx)"
    ]
    assert out.read_bytes() == b"last week's workbook"


def test_output_to_a_folder_or_a_missing_folder_is_exit_1(sample, tmp_path):
    ws = _workspace(sample, tmp_path)
    res = run(["report", "aging", "-o", str(tmp_path)], ws)
    assert_clean_failure(res)
    assert res.err_lines == [f"error: cannot write {tmp_path}: it is a folder; give a file name"]
    res = run(["report", "aging", "-o", str(tmp_path / "no" / "aging.txt")], ws)
    assert_clean_failure(res)
    assert res.err_lines == [
        f"error: cannot write {tmp_path / 'no' / 'aging.txt'}: the folder {tmp_path / 'no'} does not exist"
    ]


# ---------------------------------------------------------------- written whole or not at all


def _run_with_file_size_limit(args: list[str], ws: Path, limit: int) -> subprocess.CompletedProcess:
    """`python -m salesops ARGS` in a real process that cannot write files past `limit` bytes."""

    def limit_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes fail with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, **ENV, "PYTHONPATH": str(REPO)}
    env.pop("SALESOPS_WORKSPACE", None)
    return subprocess.run(
        [sys.executable, "-m", "salesops", "-w", str(ws), *args],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=limit_files,
        timeout=120,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE")
@pytest.mark.parametrize(
    "args",
    [["report", "weekly", "-f", "html"], ["list", "leads", "-f", "csv"], ["list", "leads"]],
    ids=["html", "csv", "table"],
)
def test_a_full_disk_leaves_the_previous_output_intact(sample, tmp_path, args):
    ws = _workspace(sample, tmp_path)
    run(["report", "aging"], ws)  # caches warm: the limited process writes only its output
    out = tmp_path / "out" / "report.bin"
    out.parent.mkdir()
    previous = b"last week's report, which must survive\n"
    out.write_bytes(previous)
    proc = _run_with_file_size_limit([*args, "-o", str(out)], ws, limit=4096)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.splitlines() == [
        f"error: cannot write {out}: {os.strerror(errno.EFBIG)}; report.bin is as it was"
    ]
    assert out.read_bytes() == previous
    assert os.listdir(out.parent) == ["report.bin"]  # no temp file left


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE")
def test_a_full_disk_while_a_workbook_is_built_is_one_line_too(sample, tmp_path):
    """openpyxl builds the weekly workbook through temp files: a full temp disk fails there."""
    ws = _workspace(sample, tmp_path)
    run(["report", "aging"], ws)
    out = tmp_path / "weekly.xlsx"
    out.write_bytes(b"last week")
    proc = _run_with_file_size_limit(["report", "weekly", "-f", "xlsx", "-o", str(out)], ws, 4096)
    assert proc.returncode == 1, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("error: ") and line.endswith(": File too large"), line
    assert "internal error" not in line and "Traceback" not in proc.stderr
    assert out.read_bytes() == b"last week"


@pytest.mark.parametrize(
    ("args", "name"),
    [(["report", "aging", "-f", "csv"], "aging.csv"), (["report", "weekly", "-f", "xlsx"], "weekly.xlsx")],
)
def test_failing_each_step_of_an_output_write_keeps_the_old_file(
    sample, tmp_path, monkeypatch, args, name
):
    ws = _workspace(sample, tmp_path)
    out = tmp_path / name
    counter = FaultyFS(0)
    use_fs(monkeypatch, counter)
    assert run([*args, "-o", str(out)], ws).code == 0
    new = out.read_bytes()
    steps = [kind for kind, _ in counter.log]
    assert steps == ["open", "write", "fsync", "replace", "fsync_dir"]
    for k in range(1, len(steps) + 1):
        out.write_bytes(b"old")
        use_fs(monkeypatch, FaultyFS(k, errno.ENOSPC))
        res = run([*args, "-o", str(out)], ws)
        if steps[k - 1] == "fsync_dir":  # after the rename: the new file is complete and in place
            assert res.code == 0 and out.read_bytes()[:4] == new[:4]  # (the workbook's own time stamps differ)
            continue
        assert_clean_failure(res)
        assert res.err_lines == [
            f"error: cannot write {out}: No space left on device; {name} is as it was"
        ]
        assert out.read_bytes() == b"old"
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "ws"]), k
