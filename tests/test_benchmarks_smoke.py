"""The benchmark code cannot rot: generate tiny data and run every target once (`--smoke`)."""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _runner(monkeypatch):
    """benchmarks/run.py as a module, run in this process (its commands are real processes); it
    puts benchmarks/ on sys.path for its `generate`."""
    spec = importlib.util.spec_from_file_location("bench_run", REPO / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_run", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_benchmark_runner_smoke(tmp_path, monkeypatch, capsys):
    bench = _runner(monkeypatch)

    def backdate(paths: list[Path], quiet: float = 2.5) -> None:
        """What `settle` waits for (files unchanged for `quiet` seconds, so the cache trusts them),
        without the wait: the files' times set `quiet` seconds back, which is all salesops sees."""
        assert paths and all(p.is_file() for p in paths)
        then = time.time() - quiet
        for p in paths:
            os.utime(p, (then, then))

    monkeypatch.setattr(bench, "settle", backdate)
    results = tmp_path / "RESULTS.md"
    code = bench.main(["--smoke", "--data", str(tmp_path / "data"), "--results", str(results)])
    out, err = capsys.readouterr()
    assert code == 0, out + err
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
    assert "ERROR" not in text and "CHECK FAILED" not in out
    # the generator is deterministic: the same scale gives the same bytes
    sys.path.insert(0, str(REPO / "benchmarks"))
    import generate

    again = generate.ensure("tiny", force=True, quiet=True, data=tmp_path / "again")
    first = tmp_path / "data" / "tiny"
    for p in sorted(first.glob("*.xlsx")):
        assert (again / p.name).read_bytes() == p.read_bytes(), p.name
