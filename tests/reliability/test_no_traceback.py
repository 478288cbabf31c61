"""Never a traceback: every failure a user can cause is `error: …` lines and an exit code.

An internal error (a bug) is one `error: internal error: …` line, exit 1;
`--debug` (or SALESOPS_DEBUG=1) shows its traceback. Every command with a
wrong option, missing arguments, or a fuzzed command line ends in exit
0/1/2/3 without a traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from .clitools import ENV, REPO, assert_no_traceback, run, sample_workspace

INJECT = (
    "import salesops.storage.workspace as w\n"
    "def boom(*args, **kwargs):\n"
    "    raise ZeroDivisionError('injected bug')\n"
    "w.find_workspace = boom\n"
    "from salesops.cli import main\n"
    "main()\n"
)


def _buggy(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """salesops ARGS with a bug injected (finding the workspace raises ZeroDivisionError)."""
    full = {**os.environ, **ENV, "PYTHONPATH": str(REPO), **(env or {})}
    if not env or "SALESOPS_DEBUG" not in env:
        full.pop("SALESOPS_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-c", INJECT, *args], capture_output=True, text=True, env=full, timeout=60
    )


def test_an_internal_error_is_one_line_without_debug(tmp_path):
    proc = _buggy("-w", str(tmp_path), "list", "leads")
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "error: internal error: ZeroDivisionError: injected bug (run with --debug for details)"
    ]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("how", ["--debug", "SALESOPS_DEBUG=1"])
def test_debug_shows_the_traceback_of_an_internal_error(tmp_path, how):
    if how == "--debug":
        proc = _buggy("--debug", "-w", str(tmp_path), "list", "leads")
    else:
        proc = _buggy("-w", str(tmp_path), "list", "leads", env={"SALESOPS_DEBUG": "1"})
    assert proc.returncode == 1
    assert proc.stderr.startswith("Traceback (most recent call last):")
    assert 'File "<string>", line 3, in boom' in proc.stderr  # the frame that raised
    assert proc.stderr.rstrip().endswith("ZeroDivisionError: injected bug")


def test_debug_also_traces_a_refusal_but_still_ends_with_its_error_line(tmp_path):
    res = run(["--debug", "payment", "record", "R-404", "--amount", "1"], tmp_path)
    assert res.code == 1
    assert "Traceback (most recent call last):" in res.err
    assert res.err_lines[-1].startswith("error: ")
    plain = run(["payment", "record", "R-404", "--amount", "1"], tmp_path)
    assert plain.code == 1 and "Traceback" not in plain.err and len(plain.err_lines) == 1


# ---------------------------------------------------------------- every command


def _commands():
    """(path, click command) of every command, e.g. (['payment', 'record'], cmd)."""
    import typer

    from salesops.cli import _load_commands

    root = typer.main.get_command(_load_commands())
    out = []

    def walk(group, path):
        for name, cmd in sorted(group.commands.items()):
            if hasattr(cmd, "commands"):
                walk(cmd, [*path, name])
            else:
                out.append(([*path, name], cmd))

    walk(root, [])
    return out


COMMANDS = _commands()


def test_every_command_refuses_a_wrong_option_with_one_usage_line(tmp_path):
    for path, _ in COMMANDS:
        res = run([*path, "--no-such-option"], tmp_path)
        assert res.code == 2, (path, res.err)
        assert_no_traceback(res)
        assert len(res.err_lines) == 1 and res.err_lines[0].startswith("error: "), (path, res.err)


def test_every_command_without_its_arguments_is_a_usage_error_or_runs(tmp_path):
    ws = sample_workspace(tmp_path / "ws", "csv")
    for path, _ in COMMANDS:
        if path == ["init"]:
            continue  # would make a workspace in the current folder
        res = run(path, ws)
        assert res.code in (0, 1, 2, 3), (path, res.code, res.err)
        assert_no_traceback(res)
        assert all(line.startswith(("error: ", "warning: ", "alert: ")) for line in res.err_lines), (
            path,
            res.err,
        )


def test_a_missing_or_unusable_workspace_is_a_clear_error(tmp_path):
    for where in (tmp_path / "nowhere", tmp_path / "file.txt"):
        if where.name == "file.txt":
            where.write_text("x")
        res = run(["-w", str(where), "list", "leads"])
        assert res.code == 2, res.err
        assert res.err_lines == [
            f"error: workspace {where} is not a folder (use -w DIR or set SALESOPS_WORKSPACE)"
        ]
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "salesops.toml").write_text("format = [unclosed\n")
    res = run(["list", "leads"], tmp_path / "bad")
    assert res.code in (1, 2) and len(res.err_lines) == 1, res.err
    assert "salesops.toml" in res.err and "Traceback" not in res.err


# ---------------------------------------------------------------- fuzzed command lines

VALUES = [
    "R-000012", "R-000001", "C-000025", "O-000031", "L-000001", "Q-000047", "A-000001", "D-000001", "P-000001",
    "R-404", "", " ", "0", "-1", "1", "100", "1e999", "NaN", "12.5万", "¥1,234.50", "2026-11-27", "2026-13-45",
    "2026/11/5", "11/5/26", "2026-W48", "2026-Q3", "2026", "yes", "leads", "receivables", "payments", "signed",
    "paid", "won", "lost", "invoiced", "cancelled", "json", "csv", "table", "markdown", "html", "xlsx", "zh", "en",
    "owner", "team", "status=paid", "amount>1000", "notes==x", "=1+1", "--", "-", "é", "长" * 3, "\x00", "a\x07b",
]  # fmt: skip
OPTIONS = sorted(
    {
        opt
        for _, cmd in COMMANDS
        for p in cmd.params
        for opt in getattr(p, "opts", [])
        if opt.startswith("-")
    }
    - {"-o", "--output", "-w", "--workspace"}  # never write outside the test folder
)


IDS = ["R-000012", "R-000019", "R-000008", "C-000025", "O-000031", "O-000048", "L-000001", "L-000005", "Q-000047",
       "A-000004", "D-000001", "P-000001", "R-404"]  # fmt: skip
DATES = [
    "2026-11-27",
    "2026-11-05",
    "2026/11/5",
    "11/5/26",
    "2026年11月5日",
    "2026-13-45",
    "1900-01-01",
    "9999-12-31",
    "",
]
MONEY = ["1", "100", "0.01", "12.5万", "¥1,234.50", "0", "-5", "1e999", "abc", "99999999999999999"]
HINTS = [  # (words in an option or argument name, likely values)
    (("format", "fmt"), ["table", "json", "csv", "markdown", "html", "xlsx", "pdf"]),
    (("wait",), ["0", "0.2", "1", "-1", "abc"]),
    (("on", "as_of", "from", "to", "planned", "expected_close", "date"), DATES),
    (("amount", "value", "cost", "list_amount"), MONEY),
    (
        ("discount", "pct", "months", "days", "min_days", "valid_days"),
        ["0", "5", "15", "100", "101", "-1", "x"],
    ),
    (("period", "week"), ["2026", "2026-Q3", "2026-11", "2026-W48", "2026-W53", "2026-13", "x"]),
    (("lang",), ["en", "zh", "fr"]),
    (("register",), ["leads", "receivables", "payments", "accounts", "reps", "quotes", "nothing"]),
    (("id", "ids", "record_id"), IDS),
    (
        ("stage",),
        [
            "contacted",
            "qualified",
            "needs_analysis",
            "won",
            "lost",
            "signed",
            "invoiced",
            "cancelled",
            "已签署",
            "x",
        ],
    ),
    (("by",), ["owner", "team", "region", "source", "account", "周经理", "x"]),
    (
        ("where",),
        ["status=paid", "amount>1000", "stage=won", "due_date<2026-10-01", "nofield=1", "x"],
    ),
    (("set",), ["notes=x", "csat=5", "amount=100", "stage=won", "bad", "=1"]),
    (("map", "map_value"), ["a=b", "invoiceNumber=invoice_no", "status:paid=已回款", "x"]),
]


def _values_for(param) -> list[str]:
    name = (param.name or "").lower()
    for words, values in HINTS:
        if any(name == w or name.endswith("_" + w) or name.startswith(w + "_") for w in words):
            return values
    return VALUES


@st.composite
def command_lines(draw):
    """A command with its arguments and some of its options filled with likely values (and some noise)."""
    path, cmd = draw(st.sampled_from([c for c in COMMANDS if c[0] != ["init"]]))
    argv = list(path)
    for param in cmd.params:
        opts = [o for o in getattr(param, "opts", []) if o not in ("-o", "--output")]
        value = st.one_of(
            st.sampled_from(_values_for(param)), st.sampled_from(VALUES), st.text(max_size=6)
        )
        if param.param_type_name == "argument":
            if param.name == "file":
                argv.append(
                    str(
                        REPO
                        / "sample_data"
                        / draw(st.sampled_from(["leads.csv", "payments.csv", "nope.csv"]))
                    )
                )
                continue
            count = (
                draw(st.integers(0, 2))
                if param.nargs == -1
                else int(param.required or draw(st.booleans()))
            )
            argv += [draw(value) for _ in range(count)]
        elif opts and (param.required or draw(st.integers(0, 3)) == 0):
            argv.append(draw(st.sampled_from(opts)))
            if not getattr(param, "is_flag", False):
                argv.append(draw(value))
    if draw(st.integers(0, 5)) == 0:  # noise: a stray token anywhere
        argv.insert(
            draw(st.integers(len(path), len(argv))),
            draw(st.one_of(st.sampled_from(VALUES), st.sampled_from(OPTIONS))),
        )
    return argv


_WORKSPACE: dict[str, Path] = {}


def _fuzz_workspace() -> Path:
    if "ws" not in _WORKSPACE:
        base = Path(tempfile.mkdtemp(prefix="salesops-argv-fuzz-"))
        _WORKSPACE["ws"] = sample_workspace(base / "ws", "csv")
    return _WORKSPACE["ws"]


@settings(
    max_examples=int(100 * float(os.environ.get("SALESOPS_FUZZ_SCALE", "1"))),
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
@given(argv=command_lines())
def test_fuzzed_command_lines_never_end_in_a_traceback(argv):
    ws = _fuzz_workspace()  # a sample company the commands may change as they like
    if any("\x00" in a for a in argv):
        argv = [a.replace("\x00", "") for a in argv]  # an OS cannot pass NUL in an argument
    res = run(argv, ws)
    assert res.code in (0, 1, 2, 3), (argv, res.code, res.err)
    assert_no_traceback(res)
    assert all(line.startswith(("error: ", "warning: ", "alert: ")) for line in res.err_lines), (argv, res.err)


def teardown_module():
    for ws in _WORKSPACE.values():
        shutil.rmtree(ws.parent, ignore_errors=True)


@pytest.mark.parametrize("args", [["list", "leads", "-f", "json"], ["list", "leads", "-f", "csv"]])
def test_a_reader_that_leaves_early_ends_nothing_in_an_error(tmp_path, args):
    """`salesops list leads | head -1`: the pipe closes under the output; exit 0, nothing on stderr.

    The JSON (about 86 KB) outgrows the pipe's buffer, so its writer meets the closed pipe."""
    ws = sample_workspace(tmp_path / "ws")
    env = {**os.environ, **ENV, "PYTHONPATH": str(REPO), "SALESOPS_WORKSPACE": str(ws)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "salesops", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        bufsize=0,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.read(20)
    proc.stdout.close()  # the reader leaves after its first bytes
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0 and first
    assert "Traceback" not in err and "Exception ignored" not in err and "error" not in err
