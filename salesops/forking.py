"""Work done beside the main process, in a forked child, where the platform allows it.

Parsing registers and checking them is Python work that threads cannot share
(the GIL); a forked child can, on the other core, with every frame already in
memory. Whatever a child cannot deliver is simply done in this process, so
results never depend on whether forking happened: on Windows, with
SALESOPS_NO_FORK set, or when a thread is alive, everything runs here.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def may_fork() -> bool:
    """Forking is safe only with no other thread alive (a child would inherit their locks)."""
    import threading

    return (
        hasattr(os, "fork")
        and threading.active_count() == 1
        and not os.environ.get("SALESOPS_NO_FORK")
    )


def fork() -> int | None:
    """os.fork() with the output buffers flushed first (None when it cannot fork)."""
    if not may_fork():
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        return os.fork()
    except OSError:
        return None


def in_background(fn: Callable[[], T]) -> Callable[[], T]:
    """Start `fn()` in a forked child now; the callable returned waits for its result.

    The result travels back pickled through a pipe. Without a child, or when the
    child fails (an error inside `fn`, a value that does not pickle), `fn` runs
    here when the result is asked for, so its errors surface as they would have.
    """
    try:
        r, w = os.pipe()
    except OSError:
        return fn
    pid = fork()
    if pid is None:
        os.close(r)
        os.close(w)
        return fn
    if pid == 0:  # the child: compute, hand over, leave without running any exit handler
        try:
            os.close(r)
            blob = pickle.dumps(fn(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(w, "wb") as fh:
                fh.write(blob)
        except BaseException:  # noqa: BLE001 - the parent computes it itself
            pass
        finally:
            os._exit(0)
    os.close(w)

    def result() -> T:
        with os.fdopen(r, "rb") as fh:
            blob = fh.read()
        os.waitpid(pid, 0)
        try:
            return pickle.loads(blob)
        except Exception:  # nothing (or something broken) came back
            return fn()

    return result
