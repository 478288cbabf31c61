"""Shared fixtures: real workspaces in tmp folders and the real CLI (in process, or in a subprocess)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

TODAY = "2026-11-27"
REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
if not SHARED_DATA.exists():  # CI clones the repo beside a copy of shared/
    SHARED_DATA = Path(os.environ.get("SALESOPS_SHARED_DATA", "/work/shared/data"))


def run_cli(
    *args: str,
    ws: Path | None = None,
    env: dict | None = None,
    check: int | None = None,
    input: str | None = None,
    subprocess_: bool = False,
):
    """Run `salesops ARGS` as a user would; returns a CompletedProcess (text).

    In this process through the real entry point (`salesops.cli.main`) by
    default: the same parsing, exit codes and output, without paying for a
    fresh interpreter per call. `subprocess_=True` runs a real process (for
    the installed entry point, signals, or anything that must not share state).
    """
    full_env = {**os.environ, "SALESOPS_TODAY": TODAY, "NO_COLOR": "1", "COLUMNS": "200"}
    full_env.pop("SALESOPS_WORKSPACE", None)
    full_env.update(env or {})
    argv = (["-w", str(ws)] if ws is not None else []) + [str(a) for a in args]
    if subprocess_ or os.environ.get("SALESOPS_TEST_SUBPROCESS") == "1":
        cmd = [sys.executable, "-m", "salesops", *argv]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=full_env, input=input, timeout=300)
    else:
        proc = _run_in_process(argv, full_env, input)
    if check is not None:
        assert proc.returncode == check, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc


def _run_in_process(argv: list[str], env: dict, input: str | None) -> subprocess.CompletedProcess:
    from salesops.cli import main

    saved_env, saved_argv, saved_stdin = dict(os.environ), sys.argv, sys.stdin
    os.environ.clear()
    os.environ.update(env)
    sys.argv = ["salesops", *argv]
    sys.stdin = io.StringIO(input or "")
    out, err = _Stream(), _Stream()
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        sys.argv, sys.stdin = saved_argv, saved_stdin
    return subprocess.CompletedProcess(["salesops", *argv], code, out.text(), err.text())


class _Stream(io.TextIOWrapper):
    """A captured standard stream with a binary `buffer`, like the real ones."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", newline="")

    def isatty(self) -> bool:
        return False

    def text(self) -> str:
        self.flush()
        return self.buffer.getvalue().decode("utf-8", errors="replace")  # xlsx to stdout is bytes


def make_workspace(root: Path, fmt: str = "xlsx", lang: str = "en") -> Path:
    """A workspace folder holding only salesops.toml."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "salesops.toml").write_text(f'format = "{fmt}"\nlang = "{lang}"\n', encoding="utf-8")
    return root


def tree_digest(path: Path) -> dict[str, str]:
    """sha256 of every file below `path` (to prove nothing changed)."""
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file() and ".salesops" not in p.parts
    }


@pytest.fixture(autouse=True)
def _cwd_in_tmp(tmp_path_factory, monkeypatch):
    """Every test runs in a folder of its own: a command that writes into the current folder
    (`collect` without -o, a relative -o) never litters the checkout."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(params=["xlsx", "csv"])
def ws(request, tmp_path) -> Path:
    """An empty workspace in each format."""
    return make_workspace(tmp_path / "ws", request.param)
