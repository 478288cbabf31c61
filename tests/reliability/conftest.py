"""Tools for the reliability suite: fault injection, workers to kill, generation checks.

Files are always real. Faults are injected by swapping `commit._fs` (the
object every commit step calls) for `FaultyFS`, which fails the k-th call.
Crashes are real: a worker process is started with `spawn()` and killed with
SIGKILL at a random instant.

This file is also the workers' entry point:
`python tests/reliability/conftest.py WORKER ARGS…` (see `main`). Future
whole-CLI kill loops can reuse `spawn`, `kill_at_random`, `assert_no_leftovers`
and the generation helpers with `python -m salesops …` as the command.
"""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if __name__ == "__main__":  # run as a worker script: make `salesops` importable
    sys.path.insert(0, str(REPO))

from salesops.storage import commit as tx  # noqa: E402

# ---------------------------------------------------------------- fault injection

MUTATING = (
    "mkdir",
    "open",
    "write",
    "fsync",
    "fsync_dir",
    "truncate",
    "replace",
    "rename",
    "unlink",
    "rmdir",
)


class FaultyFS:
    """Real filesystem calls, except that the k-th counted call raises OSError(err).

    `kinds` selects which primitives count; `persistent` keeps failing every
    counted call after the k-th (a full disk stays full). A failing `write`
    first writes half its data, as a disk filling up mid-write does.
    `log` records (kind, detail) of every counted call, failed ones included.
    `slow` maps a kind (or "*" for any) to the longest random pause before
    each call, to spread a killer's random instants over every step.
    """

    def __init__(
        self,
        k: int,
        err: int = errno.ENOSPC,
        *,
        persistent: bool = False,
        kinds=MUTATING,
        slow: dict[str, float] | None = None,
    ):
        self.real = tx._RealFS()
        self.k, self.err, self.persistent, self.kinds = k, err, persistent, set(kinds)
        self.slow = slow or {}
        self.count = 0
        self.failed_at: int | None = None
        self.log: list[tuple[str, str]] = []

    def _tick(self, kind: str, detail: object) -> bool:
        pause = self.slow.get(kind, self.slow.get("*", 0.0))
        if pause:
            time.sleep(random.uniform(0, pause))
        if kind not in self.kinds:
            return False
        self.count += 1
        self.log.append((kind, str(detail)))
        fail = self.count == self.k or (self.persistent and self.k and self.count > self.k)
        if fail and self.failed_at is None:
            self.failed_at = self.count
        return fail

    def _error(self, detail: object) -> OSError:
        return OSError(self.err, os.strerror(self.err), str(detail))

    def __getattr__(self, kind: str):
        real = getattr(self.real, kind)

        def call(*args):
            if self._tick(kind, args[0]):
                if kind == "write":
                    fd, data = args
                    self.real.write(fd, data[: len(data) // 2])
                raise self._error(args[0])
            return real(*args)

        return call


class HangingFS(FaultyFS):
    """Real filesystem calls, except that the `nth` call of `kind` hangs (for a test to kill the process there)."""

    def __init__(self, kind: str, nth: int = 1, seconds: float = 600.0):
        super().__init__(0, kinds={kind})
        self.nth, self.seconds = nth, seconds

    def _tick(self, kind: str, detail: object) -> bool:
        super()._tick(kind, detail)
        if kind in self.kinds and self.count == self.nth:
            time.sleep(self.seconds)
        return False


def use_fs(monkeypatch, fs) -> None:
    """Route the commit's filesystem calls through `fs` for the rest of the test."""
    monkeypatch.setattr(tx, "_fs", fs)
    monkeypatch.setattr(tx, "REPLACE_RETRY_DELAYS", (0.0,))


# ---------------------------------------------------------------- generations
#
# A "generation" g of a test workspace is a set of files whose every byte is
# determined by g, plus a history.csv listing 1..g. After any crash and
# recover() each file must be exactly some generation, all the same one.

FILES = ("leads.xlsx", "contracts.xlsx", "receivables.csv")
HISTORY = "history.csv"
HISTORY_HEADER = b"generation\r\n"


def content(name: str, g: int) -> bytes:
    """The bytes of file `name` in generation g (sizes vary with g and name)."""
    lines = 200 + (g * 37 + len(name) * 11) % 300
    return b"".join(f"{name} generation {g} line {i}\n".encode() for i in range(lines))


def ops_for(g: int, writer=None) -> list:
    """Replace every file with generation g and log g in history.csv."""
    write = writer or (lambda data: lambda path: tx.write_bytes(path, data))
    return [tx.Replace(n, write(content(n, g))) for n in FILES] + [
        tx.Append(HISTORY, f"{g}\r\n".encode(), HISTORY_HEADER)
    ]


def make_generation(ws: Path, g: int) -> None:
    """Write generation g directly (test setup, not through commit)."""
    ws.mkdir(parents=True, exist_ok=True)
    for n in FILES:
        (ws / n).write_bytes(content(n, g))
    (ws / HISTORY).write_bytes(
        HISTORY_HEADER + b"".join(f"{i}\r\n".encode() for i in range(1, g + 1))
    )


def generation_of(ws: Path) -> int:
    """The one generation every file is wholly in; fails the test otherwise."""
    gens = {}
    for n in FILES:
        data = (ws / n).read_bytes()
        first = data.split(b"\n", 1)[0].decode(errors="replace")
        try:
            g = int(first.split(" generation ")[1].split(" ")[0])
        except (IndexError, ValueError):
            raise AssertionError(f"{n} is not a whole generation: starts {first!r}") from None
        assert data == content(n, g), f"{n} is a torn mix around generation {g}"
        gens[n] = g
    history = (ws / HISTORY).read_bytes() if (ws / HISTORY).exists() else HISTORY_HEADER
    assert history.startswith(HISTORY_HEADER), f"history.csv header damaged: {history[:40]!r}"
    logged = [int(x) for x in history[len(HISTORY_HEADER) :].decode().split("\r\n")[:-1]]
    g = logged[-1] if logged else 0
    assert logged == list(range(1, g + 1)), f"history.csv is not 1..{g}: {logged[-5:]}"
    gens[HISTORY] = g
    assert len(set(gens.values())) == 1, f"files disagree on the generation: {gens}"
    return g


def assert_no_leftovers(ws: Path) -> None:
    """No staging folder, journal or temp file left; only the (released) lock file may remain."""
    meta = ws / tx.META_DIR
    left = sorted(set(os.listdir(meta)) - {"lock"}) if meta.exists() else []
    assert not left, f"left in .salesops: {left}"
    stray = sorted(
        p.name for p in ws.iterdir() if p.name not in {*FILES, HISTORY, tx.META_DIR, "counter.txt"}
    )
    assert not stray, f"stray files in the workspace: {stray}"


# ---------------------------------------------------------------- processes


def spawn(*args: str, cmd: list[str] | None = None, env: dict | None = None) -> subprocess.Popen:
    """Start a worker of this file (or `cmd`) with salesops importable; stdio are text pipes."""
    full = cmd or [sys.executable, str(Path(__file__).resolve()), *args]
    environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.Popen(
        full,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
        text=True,
    )


def tell(proc: subprocess.Popen, line: str = "go") -> None:
    """Send a worker waiting on its stdin the line it waits for."""
    proc.stdin.write(line + "\n")
    proc.stdin.flush()


def wait_for_line(proc: subprocess.Popen, expected: str) -> None:
    """Block until the worker prints its first line; fail with its stderr unless it is `expected`."""
    line = proc.stdout.readline().strip()
    if line != expected:
        proc.kill()
        raise AssertionError(f"worker said {line!r}, not {expected!r}: {proc.stderr.read()}")


def kill_at_random(proc: subprocess.Popen, rng: random.Random, max_delay: float) -> int:
    """SIGKILL `proc` after a random delay; return its exit status (-9 unless it died first).

    A worker that died by itself gets its stderr reported as an AssertionError.
    """
    time.sleep(rng.uniform(0, max_delay))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    err = proc.stderr.read()
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        pipe.close()
    if proc.returncode != -signal.SIGKILL:
        raise AssertionError(f"worker exited by itself ({proc.returncode}): {err[-2000:]}")
    return proc.returncode


# ---------------------------------------------------------------- workers


def _commit_loop(ws: Path, slow: float) -> None:
    """Commit generation after generation until killed, with slowed I/O.

    Renames and the append are slowed most (as on a share with an antivirus
    scanner), so that many kills land between the commit point and the end.
    """
    pauses = {"*": slow, "replace": 5 * slow, "truncate": 5 * slow}
    tx._fs = FaultyFS(0, slow=pauses)  # k=0: never fails, only slow

    def chunked(data: bytes):
        def write(path: Path) -> None:
            fd = tx._fs.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            try:
                for i in range(0, len(data), 4096):
                    tx._fs.write(fd, data[i : i + 4096])
            finally:
                tx._fs.close(fd)

        return write

    print("ready", flush=True)
    while True:
        with tx.locked(ws, wait=30):  # finishes what the killed worker left
            g = generation_of(ws)
            tx.commit(ws, ops_for(g + 1, chunked))


def _hold(ws: Path) -> None:
    from salesops.storage.lock import workspace_lock

    with workspace_lock(ws, wait=0):
        print("locked", flush=True)
        sys.stdin.readline()  # hold until told (or killed)
    print("released", flush=True)


def _try_lock(ws: Path, wait: float) -> None:
    from salesops.errors import WorkspaceBusy
    from salesops.storage.lock import workspace_lock

    started = time.monotonic()
    try:
        with workspace_lock(ws, wait=wait):
            print("locked", flush=True)
    except WorkspaceBusy as exc:
        print(f"busy {exc.exit_code} {time.monotonic() - started:.2f}", flush=True)
        print(exc.messages[0], flush=True)


def _increment(ws: Path, times: int) -> None:
    """Read-modify-commit a counter `times` times, logging each value in history.csv."""
    counter = ws / "counter.txt"
    print("ready", flush=True)
    sys.stdin.readline()  # all workers start together
    for _ in range(times):
        with tx.locked(ws, wait=60):
            n = int(counter.read_text()) if counter.exists() else 0
            tx.commit(
                ws,
                [
                    tx.Replace(
                        "counter.txt", lambda p, n=n: tx.write_bytes(p, f"{n + 1}".encode())
                    ),
                    tx.Append(HISTORY, f"{n + 1},{os.getpid()}\n".encode(), b"value,pid\n"),
                ],
            )
        time.sleep(random.uniform(0, 0.02))  # a command's work outside the lock; lets others in


def main(argv: list[str]) -> None:
    worker, ws, *rest = argv
    workspace = Path(ws)
    if worker == "commit-loop":
        _commit_loop(workspace, float(rest[0]))
    elif worker == "hold":
        _hold(workspace)
    elif worker == "try-lock":
        _try_lock(workspace, float(rest[0]))
    elif worker == "increment":
        _increment(workspace, int(rest[0]))
    else:
        raise SystemExit(f"unknown worker {worker}")


if __name__ == "__main__":
    main(sys.argv[1:])
