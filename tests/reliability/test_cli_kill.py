"""kill -9 inside real writing commands: every register stays wholly before or wholly after.

Each scenario is a real command on a copy of the sample company:
`payment record` (receivables, payments, history), `advance` (an opportunity),
`import` (40 new leads) and contract signing (contracts, opportunities,
receivables and history in one commit). The command runs once to the end to
get the state after; then, again and again on fresh copies, it is started and
killed with SIGKILL at an instant spread over its whole run (stratified, so
the commit's late steps get their share; every other run with slowed disk
calls, so more kills land between the commit point and the last rename).
After each kill the next command — `validate` — must pass, leave no staging
behind, and every file must be exactly the state before or the state after.

SALESOPS_KILL_SEED=N replays a failing run.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from .clitools import (
    ENV,
    META,
    REPO,
    ForkServer,
    assert_clean_meta,
    digest,
    run,
    run_sub,
    sample_workspace,
    snapshot,
    whole_state,
)

KILLS_PER_SCENARIO = 9
SLOW = 0.01  # seconds, at most, before each commit step in slowed runs (renames: 4x)


@dataclass(frozen=True)
class Scenario:
    name: str
    fmt: str
    argv: tuple[str, ...]


def _leads_file(path: Path) -> Path:
    lines = ["company,contact_name,phone,email,source,estimated_value,owner"]
    for i in range(40):
        lines.append(
            f"Kill Test Co {i:02d},Contact {i},+86 139 {i:04d} 0000,c{i}@killtest.example,website,{(i + 1) * 1000},"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


SCENARIOS = (
    Scenario(
        "payment-xlsx",
        "xlsx",
        ("payment", "record", "R-000012", "--amount", "1234.56", "--ref", "K-1"),
    ),
    Scenario(
        "payment-csv",
        "csv",
        ("payment", "record", "R-000012", "--amount", "1234.56", "--ref", "K-1"),
    ),
    Scenario("sign-contract-xlsx", "xlsx", ("advance", "C-000025", "signed", "--by", "宋文博")),
    Scenario("sign-contract-csv", "csv", ("advance", "C-000025", "signed", "--by", "宋文博")),
    Scenario("advance-opportunity-csv", "csv", ("advance", "O-000031", "needs_analysis")),
    Scenario("import-leads-xlsx", "xlsx", ("import", "leads", "{leads_file}", "--default-date", "today")),
)


@pytest.fixture(scope="module")
def server():
    s = ForkServer()
    yield s
    s.close()


def _seed() -> int:
    return int(os.environ.get("SALESOPS_KILL_SEED", random.randrange(1 << 30)))


def _prepare(scenario: Scenario, tmp: Path) -> tuple[Path, list[str]]:
    base = sample_workspace(tmp / "base", scenario.fmt)
    argv = [
        a.replace("{leads_file}", str(_leads_file(tmp / "new-leads.csv"))) for a in scenario.argv
    ]
    return base, argv


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_kill_9_inside_a_writing_command_leaves_each_register_wholly_before_or_after(
    scenario, server, tmp_path
):
    base, argv = _prepare(scenario, tmp_path)
    base_bytes = {n: d for n, d in digest(base).items() if "/" not in n}

    # The state after: the command run to the end (fast and slowed, to time the kills).
    full = shutil.copytree(base, tmp_path / "after")
    status, fast = server.run(argv, full, tmp_path / "after.log")
    assert status == 0, (tmp_path / "after.log").read_text()
    slowed = shutil.copytree(base, tmp_path / "after-slow")
    status, slow = server.run(argv, slowed, tmp_path / "after-slow.log", slow=SLOW)
    assert status == 0, (tmp_path / "after-slow.log").read_text()
    changed = [n for n in sorted(base_bytes) if snapshot(base, [n]) != snapshot(full, [n])]
    changed += sorted(p.name for p in full.iterdir() if p.is_file() and p.name not in base_bytes)
    assert changed, "the command changed nothing"
    before, after = snapshot(base, changed), snapshot(full, changed)
    assert snapshot(slowed, changed) == after

    seed = _seed()
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    for i in range(KILLS_PER_SCENARIO):
        ws = shutil.copytree(base, tmp_path / f"kill-{i}")
        is_slow = i % 2 == 1
        duration = slow if is_slow else fast
        delay = duration * (i + rng.random()) / KILLS_PER_SCENARIO  # stratified over the run
        pid = server.start(argv, ws, tmp_path / f"kill-{i}.log", slow=SLOW if is_slow else 0.0)
        time.sleep(delay)
        server.kill(pid)
        code, _ = server.reap()
        where = f"SALESOPS_KILL_SEED={seed} {scenario.name} kill {i} at {delay:.3f}s"
        assert code in (-signal.SIGKILL, 0), (
            f"{where}: exit {code}: {(tmp_path / f'kill-{i}.log').read_text()}"
        )
        journal = (ws / META / "journal.json").exists()
        staged = (
            any(n.startswith(("tx-", "journal-")) for n in os.listdir(ws / META))
            if (ws / META).exists()
            else False
        )

        res = run(["validate"], ws)  # the next command: finishes or undoes the interrupted commit
        assert res.code == 0, f"{where}: validate after the kill failed:\n{res.err}\n{res.out}"
        assert_clean_meta(ws)
        try:
            state = whole_state(ws, before, after, base_bytes)
        except AssertionError as exc:
            raise AssertionError(f"{where}: {exc}") from None
        if code == 0:
            assert state == "after", f"{where}: the command succeeded but its change is missing"
            outcomes["finished before the kill"] += 1
        elif journal:
            assert state == "after", (
                f"{where}: a journal was in place but the change was not finished"
            )
            outcomes["rolled forward"] += 1
        else:
            outcomes[f"{state}{' (staging undone)' if staged else ''}"] += 1
        shutil.rmtree(ws)
    print(
        f"{scenario.name}: {KILLS_PER_SCENARIO} kills (seed {seed}, run {fast:.2f}s/{slow:.2f}s): {dict(outcomes)}"
    )
    assert outcomes["before"] + outcomes["before (staging undone)"] >= 1, dict(outcomes)


def test_kill_9_of_a_whole_salesops_process(tmp_path):
    """The same with plain `python -m salesops` processes, killed anywhere from start-up to exit.

    Each kill is a fresh interpreter (about a second of imports): three kills, one in each third
    of the window from 0.4 to 1.1 of the command's run (reading; deciding and committing; the
    end, where the command may already have finished). Kills at every instant of the command's
    own work, in all its phases, are the fork-server scenarios above."""
    base = sample_workspace(tmp_path / "base", "csv")
    argv = ["payment", "record", "R-000019", "--amount", "500", "--ref", "WHOLE"]
    base_bytes = {n: d for n, d in digest(base).items() if "/" not in n}
    full = shutil.copytree(base, tmp_path / "after")
    started = time.monotonic()
    res = run_sub(argv, cwd=full)  # in the workspace, so history's command lines are alike
    duration = time.monotonic() - started
    assert res.code == 0, res.err
    changed = ["history.csv", "payments.csv", "receivables.csv"]
    before, after = snapshot(base, changed), snapshot(full, changed)
    assert before != after
    seed = _seed()
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    kills = 3
    env = {**os.environ, **ENV, "PYTHONPATH": str(REPO)}
    env.pop("SALESOPS_WORKSPACE", None)
    for i in range(kills):
        ws = shutil.copytree(base, tmp_path / f"kill-{i}")
        proc = subprocess.Popen(
            [sys.executable, "-m", "salesops", *argv],
            cwd=ws,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        # The second half of the run is where the command reads, decides and commits.
        time.sleep(duration * (0.4 + 0.7 * (i + rng.random()) / kills))
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
        where = f"SALESOPS_KILL_SEED={seed} whole process kill {i}"
        assert proc.returncode in (-signal.SIGKILL, 0), f"{where}: {err.decode()}"
        res = run(["validate"], ws)
        assert res.code == 0, f"{where}: {res.err}"
        assert_clean_meta(ws)
        outcomes[whole_state(ws, before, after, base_bytes)] += 1
    print(f"whole-process kills (seed {seed}, run {duration:.2f}s): {dict(outcomes)}")
