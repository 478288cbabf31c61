"""Issue 10 §6: registers, history.csv and salesops.toml that are links are refused, reading and writing.

Before: a CSV register linked to a system file was read and copied into
output, history.csv linked outside the workspace was appended through, and a
linked register was replaced by a plain file so the shared target silently
diverged. Real symlinks and hard links, the real CLI.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from .clitools import assert_clean_failure, digest, empty_workspace, run, sample_workspace

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX links")

SYMLINK = (
    "error: {name} is a symbolic link (to {target}); salesops reads and writes only plain files "
    "in the workspace: put a copy of the file itself in its place"
)
HARDLINK = (
    "error: {name} is hard-linked (the same file has 1 other name); salesops reads and writes "
    "only plain files of their own: put a copy of the file in its place"
)
ADD_LEAD = ["lead", "add", "--company", "Linked Co"]


def _swap_for_symlink(ws: Path, name: str, target: Path) -> None:
    (ws / name).unlink(missing_ok=True)
    (ws / name).symlink_to(target)


def test_a_csv_register_linked_to_a_system_file_is_never_read(tmp_path):
    passwd = Path("/etc/passwd")
    if not passwd.is_file():
        pytest.skip("no /etc/passwd here")
    ws = empty_workspace(tmp_path / "ws", "csv")
    _swap_for_symlink(ws, "accounts.csv", passwd)
    expected = [SYMLINK.format(name="accounts.csv", target=passwd)]
    for args in (["list", "accounts", "-f", "csv"], ["validate"], ["show", "A-000001"]):
        res = run(args, ws)
        assert_clean_failure(res)
        assert res.err_lines == expected, args
        assert "root:" not in res.out + res.err  # nothing of the file came out


def test_history_linked_outside_is_not_appended_through(tmp_path):
    ws = sample_workspace(tmp_path / "ws", "csv")
    outside = tmp_path / "elsewhere.csv"
    outside.write_bytes((ws / "history.csv").read_bytes())
    _swap_for_symlink(ws, "history.csv", outside)
    before, kept = digest(ws), outside.read_bytes()
    for args in (ADD_LEAD, ["report", "funnel"], ["list", "leads"]):
        res = run(args, ws)
        assert_clean_failure(res)
        assert res.err_lines == [SYMLINK.format(name="history.csv", target=outside)], args
    assert outside.read_bytes() == kept
    assert digest(ws) == before and (ws / "history.csv").is_symlink()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_linked_register_is_refused_and_stays_a_link(tmp_path, fmt):
    ws = sample_workspace(tmp_path / "ws", fmt)
    shared = tmp_path / "shared" / f"leads.{fmt}"
    shared.parent.mkdir()
    os.replace(ws / f"leads.{fmt}", shared)
    _swap_for_symlink(ws, f"leads.{fmt}", shared)
    kept = shared.read_bytes()
    for args in (ADD_LEAD, ["list", "leads"], ["validate"]):
        res = run(args, ws)
        assert_clean_failure(res)
        assert res.err_lines == [SYMLINK.format(name=f"leads.{fmt}", target=shared)], args
    assert (ws / f"leads.{fmt}").is_symlink() and shared.read_bytes() == kept
    # A link inside the workspace is no better: one file under two names.
    (ws / f"leads.{fmt}").unlink()
    os.replace(shared, ws / f"leads-2026.{fmt}")
    _swap_for_symlink(ws, f"leads.{fmt}", Path(f"leads-2026.{fmt}"))
    res = run(ADD_LEAD, ws)
    assert res.err_lines == [SYMLINK.format(name=f"leads.{fmt}", target=f"leads-2026.{fmt}")]


def test_a_hard_linked_register_is_refused(tmp_path):
    ws = sample_workspace(tmp_path / "ws", "xlsx")
    backup = tmp_path / "backup-leads.xlsx"
    os.link(ws / "leads.xlsx", backup)
    before = digest(ws)
    for args in (ADD_LEAD, ["list", "leads"], ["validate"]):
        res = run(args, ws)
        assert_clean_failure(res)
        assert res.err_lines == [HARDLINK.format(name="leads.xlsx")], args
    assert digest(ws) == before and os.stat(backup).st_nlink == 2
    backup.unlink()  # the way out: one name per file
    assert run(ADD_LEAD, ws).code == 0


def test_linked_settings_are_refused(tmp_path):
    ws = empty_workspace(tmp_path / "ws", "csv")
    shared = tmp_path / "team-settings.toml"
    os.replace(ws / "salesops.toml", shared)
    _swap_for_symlink(ws, "salesops.toml", shared)
    for args in (["list", "leads"], ADD_LEAD):
        res = run(args, ws)
        assert_clean_failure(res)
        assert res.err_lines == [SYMLINK.format(name="salesops.toml", target=shared)], args
    assert not (ws / "leads.csv").exists()
