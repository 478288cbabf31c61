"""Helpers for the whole-CLI reliability tests.

- `sample_workspace(dst, fmt)`: a copy of the sample company (`init --sample`,
  built once per test process).
- `run(args, ws)`: the real CLI entry point in this process (fast: imports are
  warm), returning exit code, stdout and stderr.
- `ForkServer`: real CLI processes to kill (see forkserver.py).
- `snapshot(ws)` / `compare_states`: what a workspace holds, file by file, to
  prove that after a crash it is wholly the state before or the state after.
"""

from __future__ import annotations

import atexit
import contextlib
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import _Stream

REPO = Path(__file__).resolve().parents[2]
TODAY = "2026-11-27"
ENV = {"SALESOPS_TODAY": TODAY, "SALESOPS_USER": "tester", "NO_COLOR": "1", "COLUMNS": "200"}
META = ".salesops"

# ---------------------------------------------------------------- workspaces

_samples: dict[tuple[str, str], Path] = {}


def _cache_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="salesops-samples-"))
    atexit.register(shutil.rmtree, path, True)
    return path


_CACHE: Path | None = None


def sample_workspace(dst: Path, fmt: str = "xlsx", lang: str = "en") -> Path:
    """A fresh copy of the sample company at `dst` (built once per process per format)."""
    global _CACHE
    key = (fmt, lang)
    if key not in _samples:
        if _CACHE is None:
            _CACHE = _cache_dir()
        src = _CACHE / f"sample-{fmt}-{lang}"
        res = run(["init", str(src), "--sample", "--format", fmt, "--lang", lang])
        assert res.code == 0, f"init --sample failed ({res.code}): {res.out}\n{res.err}"
        _samples[key] = src
    shutil.copytree(_samples[key], dst)
    return dst


def empty_workspace(dst: Path, fmt: str = "xlsx", lang: str = "en") -> Path:
    """A folder holding only salesops.toml."""
    dst.mkdir(parents=True, exist_ok=True)
    (dst / "salesops.toml").write_text(f'format = "{fmt}"\nlang = "{lang}"\n', encoding="utf-8")
    return dst


def digest(ws: Path) -> dict[str, bytes]:
    """Every file's bytes (outside .salesops), to prove a refused command wrote nothing."""
    return {
        str(p.relative_to(ws)): p.read_bytes()
        for p in sorted(ws.rglob("*"))
        if p.is_file() and META not in p.relative_to(ws).parts
    }


def assert_clean_meta(ws: Path) -> None:
    """No journal, staging folder or temp file left (the released lock file may stay)."""
    meta = ws / META
    left = sorted(set(os.listdir(meta)) - {"lock", "cache", "state"}) if meta.exists() else []
    assert not left, f"left in {META}: {left}"
    state = meta / "state"  # the registers as salesops last left them: complete files only
    assert not [n for n in (os.listdir(state) if state.exists() else []) if n.endswith(".tmp")]


# ---------------------------------------------------------------- in-process CLI


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def run(args: list[str], ws: Path | None = None, env: dict | None = None) -> Result:
    """Run `salesops ARGS` on workspace `ws` through the real entry point, in this process.

    The workspace is given as $SALESOPS_WORKSPACE, so history rows record the
    same command line whichever copy of a workspace it runs on.
    """
    from salesops.cli import main

    argv = [str(a) for a in args]
    saved_env = dict(os.environ)
    saved_argv = sys.argv
    os.environ.pop("SALESOPS_WORKSPACE", None)
    os.environ.update({**ENV, **(env or {})})
    if ws is not None:
        os.environ["SALESOPS_WORKSPACE"] = str(ws)
    sys.argv = ["salesops", *argv]
    out, err = _Stream(), _Stream()  # with a binary buffer, like real streams (xlsx to stdout)
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
        sys.argv = saved_argv
    return Result(code, out.text(), err.text())


def run_sub(
    args: list[str],
    ws: Path | None = None,
    env: dict | None = None,
    timeout: float = 120,
    cwd: Path | None = None,
) -> Result:
    """Run `python -m salesops [-w ws] ARGS` in a real subprocess (in folder `cwd`)."""
    cmd = (
        [sys.executable, "-m", "salesops"]
        + (["-w", str(ws)] if ws is not None else [])
        + list(args)
    )
    full = {**os.environ, **ENV, "PYTHONPATH": str(REPO), **(env or {})}
    full.pop("SALESOPS_WORKSPACE", None)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=full, timeout=timeout, cwd=cwd)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def assert_clean_failure(res: Result, code: int = 1) -> None:
    """Exit `code`, and stderr is only `error:` lines: no traceback, no internal error."""
    assert res.code == code, (
        f"exit {res.code}, expected {code}\nstdout: {res.out}\nstderr: {res.err}"
    )
    assert_no_traceback(res)
    assert res.err_lines, "no error message"
    assert all(line.startswith(("error: ", "warning: ")) for line in res.err_lines), res.err


def assert_no_traceback(res: Result) -> None:
    assert "Traceback" not in res.err and "Traceback" not in res.out, res.err
    assert "internal error" not in res.err, res.err


# ---------------------------------------------------------------- records


def rows_of(path: Path) -> list[list]:
    """The cells of a register file as stored: CSV text, or the first xlsx sheet's values."""
    if path.suffix == ".csv":
        text = path.read_bytes().decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text, newline="")))
    return xlsx_sheets(path)[0][1]


def xlsx_sheets(path: Path) -> list[tuple[str, list[list]]]:
    """Every sheet's values (name, rows) of an xlsx file."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return [
        (name, book.get_sheet_by_name(name).to_python(skip_empty_area=False))
        for name in book.sheet_names
    ]


def records(ws: Path, register: str) -> list[dict]:
    """`salesops list REGISTER -f json`."""
    res = run(["list", register, "-f", "json"], ws)
    assert res.code == 0, res.err
    return json.loads(res.out)


# ---------------------------------------------------------------- before / after


def logical(path: Path):
    """What a file holds, independent of when it was written.

    xlsx: every sheet's values (a zip also stores its save time); history.csv:
    its rows without the `at` time stamp; anything else: its bytes.
    """
    if path.suffix == ".xlsx":
        return xlsx_sheets(path)
    if path.name == "history.csv":
        return [row[1:] for row in rows_of(path)]
    return path.read_bytes()


def snapshot(ws: Path, names: list[str] | None = None) -> dict[str, object]:
    """logical() of every file directly in `ws` (or of `names`; a missing file is None)."""
    if names is None:
        names = sorted(p.name for p in ws.iterdir() if p.is_file())
    return {n: (logical(ws / n) if (ws / n).exists() else None) for n in names}


def whole_state(ws: Path, before: dict, after: dict, base: dict[str, bytes]) -> str:
    """'before' or 'after' if `ws` holds exactly one of the two states; fails the test otherwise.

    `base` holds the bytes of every file before the command: files the command
    does not change must still hold them.
    """
    present = sorted(p.name for p in ws.iterdir() if p.is_file())
    expected = sorted({*base, *(n for n, v in after.items() if v is not None)})
    stray = set(present) - set(expected)
    assert not stray, f"stray files: {sorted(stray)}"
    for name, data in base.items():
        if name not in before:
            assert (ws / name).read_bytes() == data, (
                f"{name} changed but the command does not change it"
            )
    try:
        now = snapshot(ws, sorted(before))
    except Exception as exc:  # a torn xlsx does not open
        raise AssertionError(f"a register does not read back: {exc!r}") from exc
    if now == before:
        return "before"
    if now == after:
        return "after"
    detail = [
        f"{n}: "
        + ("before" if now[n] == before[n] else "after" if now[n] == after[n] else "NEITHER")
        for n in sorted(before)
    ]
    raise AssertionError("the workspace is a mix of before and after: " + "; ".join(detail))


def changed_files(before_ws: Path, after_ws: Path) -> list[str]:
    """Names of files whose logical content differs between two workspaces."""
    names = sorted(
        {p.name for p in before_ws.iterdir() if p.is_file()}
        | {p.name for p in after_ws.iterdir() if p.is_file()}
    )
    return [n for n in names if snapshot(before_ws, [n]) != snapshot(after_ws, [n])]


# ---------------------------------------------------------------- the fork server


class ForkServer:
    """Client of forkserver.py: run real CLI commands in killable child processes."""

    def __init__(self) -> None:
        env = {**os.environ, **ENV, "PYTHONPATH": str(REPO)}
        env.pop("SALESOPS_WORKSPACE", None)
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve().parent / "forkserver.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            self.proc.kill()
            raise AssertionError(f"fork server did not start: {line!r} {self.proc.stderr.read()}")

    def start(
        self,
        argv: list[str],
        cwd: Path,
        log: Path,
        slow: float = 0.0,
        env: dict | None = None,
        hang: tuple[str, int] | None = None,
    ) -> int:
        """Fork a child running `salesops ARGV` in `cwd`; returns its PID (running now).

        `hang=(kind, n)`: the n-th commit step of that kind ("replace", "rename"…) blocks.
        """
        req = {"argv": argv, "cwd": str(cwd), "log": str(log), "slow": slow, "env": env or {}}
        if hang:
            req["hang"] = list(hang)
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())["pid"]

    def start_many(self, argvs: list[list[str]], cwd: Path, logs: list[Path]) -> list[int]:
        """Fork one child per ARGV at once (they race as separate processes); returns their PIDs."""
        reqs = [{"argv": a, "cwd": str(cwd), "log": str(log), "slow": 0.0, "env": {}} for a, log in zip(argvs, logs, strict=True)]
        self.proc.stdin.write(json.dumps({"many": reqs}) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())["pids"]

    def reap(self) -> tuple[int, float]:
        """Let the server collect the child; (exit status, seconds it ran). -9: killed."""
        self.proc.stdin.write("reap\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        return answer["status"], answer["elapsed"]

    def reap_many(self) -> list[int]:
        """After `start_many`: wait for every child; their exit statuses, in order."""
        self.proc.stdin.write("reap\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())["status"]

    def run(self, argv: list[str], cwd: Path, log: Path, slow: float = 0.0) -> tuple[int, float]:
        """Run to completion: (exit status, seconds)."""
        self.start(argv, cwd, log, slow)
        return self.reap()

    def kill(self, pid: int) -> None:
        """SIGKILL the child `pid` (it is ours and not yet reaped, so the PID is not recycled)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pipe in (self.proc.stdout, self.proc.stderr):
            pipe.close()
