"""`salesops.forking`: work beside the main process, with the same results without it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from salesops import forking

SCRIPT = textwrap.dedent(
    """
    import json, os
    from salesops.forking import in_background

    parent = os.getpid()
    out = {}
    out["pid"] = in_background(os.getpid)() != parent          # ran in a child
    out["value"] = in_background(lambda: {"n": 41 + 1, "s": "数据"})()
    def boom():
        raise ValueError("from fn")
    try:
        in_background(boom)()
    except ValueError as exc:                                     # re-raised here, as if inline
        out["error"] = str(exc)
    out["unpicklable"] = in_background(lambda: (lambda: 7))()() == 7      # a lambda does not pickle
    print(json.dumps(out, ensure_ascii=False))
    """
)


def run(env: dict[str, str]) -> dict:
    full = {k: v for k, v in os.environ.items() if k != "SALESOPS_NO_FORK"}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env={**full, **env}, timeout=60, check=True
    )
    return json.loads(proc.stdout)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_in_background_runs_in_a_child_and_hands_back_the_result():
    assert run({}) == {"pid": True, "value": {"n": 42, "s": "数据"}, "error": "from fn", "unpicklable": True}


def test_without_fork_everything_runs_here_with_the_same_results():
    assert run({"SALESOPS_NO_FORK": "1"}) == {
        "pid": False,
        "value": {"n": 42, "s": "数据"},
        "error": "from fn",
        "unpicklable": True,
    }


def test_no_fork_while_another_thread_is_alive():
    import threading

    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert not forking.may_fork()
        assert forking.in_background(os.getpid)() == os.getpid()
    finally:
        stop.set()
        t.join()
