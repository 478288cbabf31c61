"""The README's command reference is generated from --help and must be current; every command explains itself."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from salesops import docs

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_command_reference_is_current():
    # A fresh process: the order of commands in --help follows the order their modules were imported.
    proc = subprocess.run(
        [sys.executable, "-m", "salesops.docs", "--check", str(README)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, (
        proc.stderr + "(run `make docs`: python -m salesops.docs --write README.md)"
    )


def test_every_command_option_and_argument_has_help_text():
    assert docs.missing_help() == []


def test_reference_has_every_command_with_its_usage():
    text = docs.reference()
    paths = [ctx.command_path for ctx, _ in docs.walk()]
    assert {"salesops", "salesops init", "salesops validate", "salesops report weekly"} <= set(
        paths
    )
    for path in paths:
        assert f"\n### {path}\n" in text
        assert f"Usage: {path} " in text


def test_reference_does_not_depend_on_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    narrow = docs.reference()
    monkeypatch.setenv("COLUMNS", "250")
    assert docs.reference() == narrow


def test_write_and_check(tmp_path):
    page = tmp_path / "README.md"
    page.write_text(
        f"# Title\n\nintro\n\n{docs.BEGIN}\nold text\n{docs.END}\n\nafter\n", encoding="utf-8"
    )
    assert docs.main(["--check", str(page)]) == 1
    assert docs.main(["--write", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Title\n\nintro\n\n") and text.endswith(f"{docs.END}\n\nafter\n")
    assert "old text" not in text and "### salesops init" in text
    assert docs.main(["--check", str(page)]) == 0
    page.write_text("no markers here\n", encoding="utf-8")
    assert docs.main(["--check", str(page)]) == 1


def tour_commands() -> list[tuple[list[str], bool]]:
    """The `salesops …` lines of the README's five-minute tour, and whether each is meant to be refused."""
    text = README.read_text(encoding="utf-8")
    tour = text[text.index("## A five-minute tour") :]
    tour = tour[: tour.index("\n## ", 10)]
    steps = []
    for block in re.findall(r"```sh\n(.*?)```", tour, re.S):
        for line in block.splitlines():
            command, _, comment = line.partition("#")
            if command.strip().startswith("salesops "):
                steps.append((shlex.split(command)[1:], "refused" in comment))
    return steps


def test_the_readme_tour_runs_as_written(tmp_path, monkeypatch, capsys):
    """Every command of the tour, in order, on the sample company: the README's IDs still mean what it says.

    In one process (`salesops.cli.main`) to keep it fast; the CLI suites run real subprocesses.
    """
    from salesops.cli import main

    steps = tour_commands()
    assert steps[0][0][:2] == ["init", "tour"] and len(steps) >= 10
    monkeypatch.setenv("SALESOPS_TODAY", "2026-11-27")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("SALESOPS_WORKSPACE", raising=False)
    for k, (args, refused) in enumerate(steps):
        monkeypatch.chdir(tmp_path if k == 0 else tmp_path / "tour")
        with pytest.raises(SystemExit) as done:
            main(args)
        out, err = capsys.readouterr()
        assert done.value.code == (1 if refused else 0), (args, out[-2000:], err[-2000:])
        if refused:
            assert err.startswith("error: ")
    assert (tmp_path / "tour" / "weekly.html").exists()
