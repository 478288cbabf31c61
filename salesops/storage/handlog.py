"""The hand edits history.csv records, and the problems they leave (`core.handedits`).

`logged(root)` reads the rows of history.csv that matter to the checks: every
row of each record a hand edit touched (`command` = `edited outside
salesops`), hand-made or not, in file order. A history without any hand edit
costs one search of its bytes; otherwise it is read with pyarrow's CSV reader.

`problems(ws, today)` is what `validate` and the weekly report's
`data_problems` add to the checks of `core.validate`: the records as they
are now against those rows, plus the hand edits not recorded yet (a
read-only command, or a validate that could not take the lock).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from salesops.core.handedits import HAND, Logged, check_hand_edits
from salesops.schema import HISTORY_FILE
from salesops.storage.history import history_table

SEP = "\x1f"
WAITING = 1 << 40  # positions of hand edits not recorded yet: after every history row

if TYPE_CHECKING:
    from salesops.problems import Problem
    from salesops.storage.workspace import Workspace


def has_hand_edits(path: Path) -> bool:
    """Whether history.csv holds any hand edit at all (one search of its bytes, read a chunk at
    a time: a file mapped into memory kills the process, without a word, when it is cut short
    meanwhile or the shared folder holding it drops)."""
    token = HAND.encode()
    edge = len(token) - 1
    try:
        with open(path, "rb") as fh:
            tail = b""
            while chunk := fh.read(CHUNK):
                held = tail + chunk  # (a token across the chunks' edge too)
                if token in held:
                    return True
                tail = held[-edge:]
    except OSError:
        return False
    return False


CHUNK = 1 << 22


def logged(root: Path, also: set[tuple[str, str]] | None = None) -> list[Logged]:
    """Every history row of the records hand edits touched — and of the records `also` names
    ((register, record ID)) — in file order (see the module docstring)."""
    path = root / HISTORY_FILE
    if not also and not has_hand_edits(path):
        return []
    table = history_table(root)
    if table is None or not table.num_rows:
        return []
    import pyarrow as pa
    import pyarrow.compute as pc

    key = pc.binary_join_element_wise(table.column("register"), table.column("record_id"), SEP)
    touched = pc.filter(key, pc.equal(table.column("command"), HAND))
    wanted = pa.concat_arrays([pc.unique(touched), pa.array([f"{r}{SEP}{i}" for r, i in also or ()], pa.string())])
    at = pc.indices_nonzero(pc.is_in(key, value_set=wanted))
    rows = table.take(at).to_pylist()
    return [
        Logged(
            int(i), r["at"], r["user"], r["command"], r["register"], r["record_id"], r["field"], r["old_value"], r["new_value"]
        )
        for i, r in zip(at.to_pylist(), rows, strict=True)
    ]


def problems(ws: Workspace, today) -> list[Problem]:
    """The problems hand edits leave in `ws`: the recorded ones, and those found not recorded yet."""
    from salesops.core.handedits import Logged
    from salesops.storage import baseline

    waiting = [
        Logged(WAITING + k, f.at, f.user, HAND, c.register, c.record_id, c.field, c.old, c.new)
        for f in baseline.unrecorded(ws)
        for k, c in enumerate(f.edits)
    ]
    rows = logged(ws.root, {(r.register, r.record_id) for r in waiting}) + waiting
    if not rows:
        return []
    return check_hand_edits(ws.table, rows, ws.settings)
