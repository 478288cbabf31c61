"""Small hand-made workspaces for the cash and incentive tests, and plain arithmetic to check them by."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

from tests.conftest import make_workspace, run_cli

D = dt.date.fromisoformat


def write_registers(
    ws: Path, registers: dict[str, list[dict]], settings: str = "", lang: str = "en"
) -> Path:
    """A CSV workspace holding `registers` (rows as dicts of column → text) and extra settings."""
    make_workspace(ws, "csv", lang)
    if settings:
        with open(ws / "salesops.toml", "a", encoding="utf-8") as fh:
            fh.write("\n" + settings)
    for name, rows in registers.items():
        header = list(dict.fromkeys(k for row in rows for k in row))
        with open(ws / f"{name}.csv", "w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows([[str(row.get(k, "")) for k in header] for row in rows])
    return ws


def read_register(ws: Path, name: str) -> list[dict[str, str]]:
    """A CSV register as plain text rows (headers as written)."""
    with open(ws / f"{name}.csv", newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def cli_json(ws: Path, *args: str, check: int = 0):
    """`salesops ARGS -f json` parsed."""
    return json.loads(run_cli(*args, "-f", "json", ws=ws, check=check).stdout)


def cents(text) -> int:
    """Money text or a JSON number → integer cents (exact)."""
    if text in (None, ""):
        return 0
    return int((Decimal(str(text)) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def half_up(value: Fraction) -> int:
    return int(
        (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )


def days(start: dt.date, end: dt.date):
    """Every day from start to end inclusive."""
    return (start + dt.timedelta(days=i) for i in range((end - start).days + 1))


def prorated(monthly_cents, start: dt.date, end: dt.date) -> int:
    """SPEC 6 by hand: each day takes its month's target ÷ the days of that month; rounded once."""
    return half_up(
        sum(
            (
                Fraction(monthly_cents(d.year, d.month), calendar.monthrange(d.year, d.month)[1])
                for d in days(start, end)
            ),
            Fraction(0),
        )
    )
