"""The sample company: a deterministic, coherent Lead-to-Cash year (2025-12 … 2026-11).

`generate(seed)` is a pure function: the same seed gives the same records.
It returns typed records per register (dates as `datetime.date`, money as
`Decimal`, enums as canonical codes) and the history rows of every stage
change, so funnel durations can be measured. `salesops init --sample` writes
them in any format and language; `python -m salesops.sample DIR` regenerates
the committed `sample_data/` (CSV, English).

Every record follows SPEC section 3 as if the commands had been run: gates met
on the dates of the moves, quote arithmetic exact, receivables split to the
cent, payments summing to the collected amounts. As of `AS_OF` (2026-11-27)
there is money outstanding in every aging bucket and activity in every week
of November 2026. The second release's registers and columns (SPEC 9.1) are
filled the same way (`sample_targets`, `sample_desk`): decisions by people
entitled to them, contacts, follow-ups, targets, credit limits, prepaid cash.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from salesops.sample_desk import DeskBuilder
from salesops.sample_plan import AS_OF, DEFAULT_SEED, START, TERMS, aging_bucket
from salesops.sample_sales import Rec
from salesops.schema import HISTORY_COLUMNS, REGISTERS

__all__ = ["AS_OF", "START", "TERMS", "Sample", "aging_bucket", "generate"]


@dataclass
class Sample:
    """The generated company: typed records per register, and history rows."""

    records: dict[str, list[dict[str, Any]]]
    history: list[dict[str, str]]


def generate(seed: int = DEFAULT_SEED) -> Sample:
    """The sample company for `seed` (a pure function)."""
    builder = DeskBuilder(seed)
    builder.build()
    records = _records(builder)  # assigns the IDs the history refers to
    return Sample(records, _history(builder))


def _records(builder: DeskBuilder) -> dict[str, list[dict[str, Any]]]:
    """IDs in date order per register, then every record as a dict of typed fields."""
    for name, recs in builder.recs.items():
        prefix = REGISTERS[name].prefix
        for n, rec in enumerate(sorted(recs, key=lambda r: _sortable(r.key)), 1):
            rec.id = f"{prefix}{n:06d}"
    records: dict[str, list[dict[str, Any]]] = {}
    for name, recs in builder.recs.items():
        register = REGISTERS[name]
        rows = []
        for rec in sorted(recs, key=lambda r: r.id):
            row = {c.name: None for c in register.columns}
            row.update(rec.fields)
            row.update({k: v.id for k, v in rec.refs.items()})
            row[register.id_column] = rec.id
            rows.append(row)
        records[name] = rows
    return records


def _history(builder: DeskBuilder) -> list[dict[str, str]]:
    """history.csv rows: one per changed field, every command at its own minute of its day."""
    from salesops.codec import to_text

    rows = []
    clock: dict[dt.date, int] = {}
    stamps: dict[int, str] = {}
    for cmd, rec, name, old, new in sorted(builder.events, key=lambda e: (e[0].on, e[0].seq)):
        if cmd.seq not in stamps:
            k = clock[cmd.on] = clock.get(cmd.on, -1) + 1
            minutes = 9 * 60 + (k * 13) % (9 * 60)
            stamps[cmd.seq] = (
                f"{cmd.on.isoformat()}T{minutes // 60:02d}:{minutes % 60:02d}:00+08:00"
            )
        column = REGISTERS[rec.register].column(name)
        rows.append({
            "at": stamps[cmd.seq], "user": cmd.user,
            "command": cmd.line.format(**{k: v.id for k, v in cmd.args.items()}),
            "register": rec.register, "record_id": rec.id, "field": name,
            "old_value": _text(column, old, to_text), "new_value": _text(column, new, to_text),
        })  # fmt: skip
    assert all(tuple(r) == HISTORY_COLUMNS for r in rows)
    return rows


def _text(column, value, to_text) -> str:
    if isinstance(value, Rec):
        return value.id
    return to_text(column, value)


def _sortable(key: tuple) -> tuple:
    """Sort keys mix dates and nested tuples; flatten them."""
    out: list = []
    for part in key:
        out.extend(_sortable(part) if isinstance(part, tuple) else (part,))
    return tuple(out)


def main(regenerate: Callable[[Path], list[str]], argv: list[str] | None = None) -> int:
    """`python -m salesops.sample DIR`: regenerate the sample workspace (CSV, English) in DIR."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0].startswith("-"):
        print(
            "usage: python -m salesops.sample DIR   (regenerates the CSV sample workspace in DIR)",
            file=sys.stderr,
        )
        return 2
    for line in regenerate(Path(args[0])):
        print(line)
    return 0


if __name__ == "__main__":
    # Run as a script, this file is the module `__main__`, not `salesops.sample`: writing the
    # files through `salesops init` (which imports `salesops.sample`) makes no import cycle.
    from salesops.cli.init import regenerate_sample

    sys.exit(main(regenerate_sample))
