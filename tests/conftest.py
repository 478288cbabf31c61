"""Shared fixtures: real workspaces in tmp folders and the real CLI in a subprocess."""

from __future__ import annotations

import hashlib
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


def run_cli(*args: str, ws: Path | None = None, env: dict | None = None, check: int | None = None, input: str | None = None):
    """Run `salesops ARGS` as a user would; returns the CompletedProcess (text)."""
    full_env = {**os.environ, "SALESOPS_TODAY": TODAY, "NO_COLOR": "1", "COLUMNS": "200"}
    full_env.pop("SALESOPS_WORKSPACE", None)
    full_env.update(env or {})
    cmd = [sys.executable, "-m", "salesops"]
    if ws is not None:
        cmd += ["-w", str(ws)]
    proc = subprocess.run(cmd + list(args), capture_output=True, text=True, env=full_env, input=input, timeout=300)
    if check is not None:
        assert proc.returncode == check, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc


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


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(params=["xlsx", "csv"])
def ws(request, tmp_path) -> Path:
    """An empty workspace in each format."""
    return make_workspace(tmp_path / "ws", request.param)
