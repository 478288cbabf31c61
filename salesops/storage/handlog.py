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

import csv
import mmap
from pathlib import Path
from typing import TYPE_CHECKING

from salesops.core.handedits import HAND, Logged, check_hand_edits
from salesops.schema import HISTORY_COLUMNS, HISTORY_FILE, HISTORY_ZH

SEP = "\x1f"
WAITING = 1 << 40  # positions of hand edits not recorded yet: after every history row

if TYPE_CHECKING:
    from salesops.problems import Problem
    from salesops.storage.workspace import Workspace


def has_hand_edits(path: Path) -> bool:
    """Whether history.csv holds any hand edit at all (one search of its bytes)."""
    try:
        with open(path, "rb") as fh:
            if not fh.seek(0, 2):
                return False
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                return mm.find(HAND.encode()) >= 0
    except (OSError, ValueError):
        return False


def logged(root: Path, also: set[tuple[str, str]] | None = None) -> list[Logged]:
    """Every history row of the records hand edits touched — and of the records `also` names
    ((register, record ID)) — in file order (see the module docstring)."""
    path = root / HISTORY_FILE
    if not also and not has_hand_edits(path):
        return []
    table = _read(path)
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


def _read(path: Path):
    """history.csv as a table of text columns under their English names; None when it does not read."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from salesops.storage.csv_io import read_csv

    english = {zh: en for en, zh in HISTORY_ZH.items()}
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = [h.strip() for h in next(csv.reader(fh), [])]
        names = [english.get(h, h) for h in header]
        if not set(HISTORY_COLUMNS) <= set(names):
            return None
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                include_columns=list(HISTORY_COLUMNS),
            ),
        )
        return table
    except (OSError, UnicodeDecodeError, pa.ArrowInvalid):
        pass
    rows = read_csv(path)  # another encoding (GB18030), ragged rows: the tolerant reader
    if not rows:
        return None
    header = [english.get(h.strip(), h.strip()) for h in rows[0]]
    if not set(HISTORY_COLUMNS) <= set(header):
        return None
    at = [header.index(c) for c in HISTORY_COLUMNS]
    cols = [[r[j] if j < len(r) else "" for r in rows[1:]] for j in at]
    return pa.table({c: pa.array(v, type=pa.string()) for c, v in zip(HISTORY_COLUMNS, cols, strict=True)})


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
