"""Reading history.csv back: its rows as dicts of the canonical column names.

The commit path appends to history.csv (`workspace.history_append`); commands
that decide from what happened before (the public pool: when a record got
its owner, who lost what to the pool) read it here. Headers may be English
or Chinese (时间, 用户…); a missing or empty file has no rows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from salesops.schema import HISTORY_COLUMNS, HISTORY_FILE, HISTORY_ZH


def read_history(
    root: Path, keep: Callable[[dict[str, str]], bool] | None = None
) -> list[dict[str, str]]:
    """Every row of `root`/history.csv (those `keep` accepts), oldest first."""
    from salesops.storage.csv_io import read_csv
    from salesops.values import normalize_header

    path = root / HISTORY_FILE
    if not path.exists() or path.stat().st_size == 0:
        return []
    rows = read_csv(path)
    if not rows:
        return []
    names = {normalize_header(n): n for n in HISTORY_COLUMNS}
    names.update({normalize_header(zh): en for en, zh in HISTORY_ZH.items()})
    header = [names.get(normalize_header(h)) for h in rows[0]]
    out = []
    for row in rows[1:]:
        record = {name: (row[j] if j < len(row) else "") for j, name in enumerate(header) if name}
        if keep is None or keep(record):
            out.append(record)
    return out
