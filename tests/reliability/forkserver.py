"""A fork server that runs real salesops commands in processes the tests kill with SIGKILL.

Starting `python -m salesops` costs most of a second in imports, so a kill at
a random instant of a whole process mostly lands in the imports. This server
imports everything once, then forks one child per request; the child is an
ordinary process running the real entry point `salesops.cli.main(argv)` from
the first line of the command to its exit, and it is the child that gets
killed. Kills therefore land anywhere in reading, deciding, staging and
committing, which is where they matter.

Protocol (JSON lines on stdin/stdout, one request at a time):
  → {"argv": [...], "cwd": DIR, "env": {...}, "log": FILE, "slow": 0.0, "hang": [KIND, N]}
  ← {"pid": PID}            the child runs; the test may kill PID now
  → "reap"                  (a line) the test is done with PID
  ← {"status": CODE, "elapsed": SECONDS}   -9 when killed
  → {"many": [REQUEST, ...]}   several children at once (writers racing for the lock)
  ← {"pids": [PID, ...]}
  → "reap"
  ← {"status": [CODE, ...], "elapsed": SECONDS}   when the last one has ended

The server reaps a child only when told, so a PID the test signals is never
a recycled one (an exited, unreaped child is a zombie that keeps its PID).
`slow` > 0 slows every commit step by up to that many seconds (FaultyFS with
no fault), to spread kills over the commit protocol; `hang` = [kind, n] makes
the n-th commit step of that kind block, to kill the child exactly there.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _preload():
    """Import what any command will need, so children start at once."""
    import openpyxl  # noqa: F401
    import pandas  # noqa: F401
    import python_calamine  # noqa: F401

    from salesops import cli

    cli._load_commands()
    import importlib

    import conftest  # noqa: F401  (tests/reliability/conftest.py: FaultyFS for slowed runs)

    for name in (
        "salesops.storage.xlsx_io",
        "salesops.storage.frames",
        "salesops.storage.commit",
        "salesops.storage.lock",
        "salesops.core.flow",
        "salesops.core.receivables",
        "salesops.core.contracts",
        "salesops.core.importer",
        "salesops.core.validate",
        "filelock",
    ):
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    return cli


def _child(cli, req: dict) -> None:
    code = 1
    try:
        fd = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.chdir(req["cwd"])
        os.environ.update(req.get("env") or {})
        sys.argv = ["salesops", *req["argv"]]
        if req.get("slow"):
            from conftest import FaultyFS  # the reliability suite's own (k=0: no fault)

            from salesops.storage import commit as tx

            pause = float(req["slow"])
            tx._fs = FaultyFS(0, slow={"*": pause, "replace": 4 * pause, "truncate": 4 * pause})
        if req.get("hang"):  # [kind, n]: the n-th such commit step blocks until the test kills it
            from conftest import HangingFS

            from salesops.storage import commit as tx

            tx._fs = HangingFS(*req["hang"])
        try:
            cli.main(list(req["argv"]))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - report anything to the log, never return into the server loop
        traceback.print_exc()
        code = 99
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve() -> None:
    sys.path.insert(0, str(REPO))
    cli = _preload()
    print("ready", flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        started = time.monotonic()
        pids = []
        for one in req.get("many", [req]):
            pid = os.fork()
            if pid == 0:
                _child(cli, one)
            pids.append(pid)
        print(json.dumps({"pids": pids} if "many" in req else {"pid": pids[0]}), flush=True)
        sys.stdin.readline()  # "reap"
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
        elapsed = time.monotonic() - started
        print(
            json.dumps({"status": codes if "many" in req else codes[0], "elapsed": elapsed}),
            flush=True,
        )


if __name__ == "__main__":
    serve()
