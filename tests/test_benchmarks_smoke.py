"""The benchmark code cannot rot: generate tiny data and run every target once (`--smoke`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_benchmark_runner_smoke(tmp_path):
    results = tmp_path / "RESULTS.md"
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "run.py"),
            "--smoke",
            "--data",
            str(tmp_path / "data"),
            "--results",
            str(results),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = results.read_text(encoding="utf-8")
    for target in (
        "help",
        "aging-cold",
        "aging-cold-cached",
        "aging-warm",
        "advance",
        "validate",
        "validate-warm",
        "weekly-cold",
        "weekly-warm",
    ):
        assert f"| {target} |" in text, target
    assert "ERROR" not in text and "CHECK FAILED" not in proc.stdout
    # the generator is deterministic: the same scale gives the same bytes
    sys.path.insert(0, str(REPO / "benchmarks"))
    import generate

    again = generate.ensure("tiny", force=True, quiet=True, data=tmp_path / "again")
    first = tmp_path / "data" / "tiny"
    for p in sorted(first.glob("*.xlsx")):
        assert (again / p.name).read_bytes() == p.read_bytes(), p.name
