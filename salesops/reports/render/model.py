"""The model every renderer takes: a report is sections of rows with typed columns, plus charts.

Values in rows are typed: `Decimal` money, `float` rates (0–1) and days,
`int` counts, `datetime.date` dates, `str` text (enum codes already shown in
the report's language). A column's `kind` says how to show them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

KINDS = ("text", "money", "rate", "days", "int", "date")
NUMERIC = frozenset({"money", "rate", "days", "int"})
FORMATS = ("table", "json", "csv", "markdown", "html", "xlsx")
BINARY = frozenset({"xlsx"})


@dataclass(frozen=True)
class Column:
    """One column: its canonical key, its header in the report's language, the kind of its values."""

    key: str
    label: str
    kind: str = "text"


# The most rows a terminal table shows when nothing else caps them: rich lays out a table of a
# hundred thousand rows for minutes, and nobody reads it there; csv, json and xlsx hold them all.
TABLE_ROWS = 200


@dataclass
class Section:
    """One table of a report.

    `row_kinds` makes a metric table (kpi, the weekly headline): the first
    column names the metric, the others hold values of that row's kind.
    `limit` caps the rows people read (table, markdown, html, chat); csv and
    xlsx always take every row.
    """

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    row_kinds: list[str] | None = None
    alert_columns: set[int] = field(default_factory=set)
    alert_rows: set[int] = field(default_factory=set)
    total_rows: set[int] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    limit: int | None = None

    def kind(self, i: int, j: int) -> str:
        """The kind of the value in row `i`, column `j`."""
        if self.row_kinds is not None and j > 0:
            return self.row_kinds[i]
        return self.columns[j].kind

    def numeric(self, j: int) -> bool:
        """Whether column `j` holds numbers (right-aligned)."""
        return self.row_kinds is not None and j > 0 or self.columns[j].kind in NUMERIC

    def alert(self, i: int, j: int) -> bool:
        """Whether the value at (i, j) is an alert: a positive figure in an alert row or column."""
        value = self.rows[i][j]
        if not isinstance(value, (int, float, Decimal)) or isinstance(value, bool) or value <= 0:
            return False
        return j in self.alert_columns or (i in self.alert_rows and j > 0)

    def shown(self, cap: int | None = None) -> tuple[list[int], int]:
        """Indexes of the rows people read, and how many more there are (`cap`: the most rows
        shown when the section sets no limit of its own)."""
        n = len(self.rows)
        limit = self.limit if self.limit is not None else cap
        if limit is None or n <= limit:
            return list(range(n)), 0
        keep = list(range(limit))
        keep += [i for i in sorted(self.total_rows) if i >= limit]  # totals always show
        return keep, n - len(keep)


@dataclass(frozen=True)
class Series:
    """One line or set of bars of a chart."""

    name: str
    values: list[Any]


@dataclass(frozen=True)
class Chart:
    """A chart drawn in HTML (SVG) and xlsx (a native Excel chart over the same figures).

    `kind`: `bar` (vertical bars), `line` (straight lines between the points,
    never smoothed) or `funnel` (horizontal bars narrowing stage by stage).
    `alert` are the categories drawn in the alert colour (overdue buckets);
    `notes` a short text per category shown beside it (funnel conversion).
    """

    kind: str
    title: str
    categories: list[str]
    series: list[Series]
    unit: str = "money"  # money | int
    alert: frozenset[int] = frozenset()
    notes: list[str] | None = None
    axis: str = ""  # what the categories are (the header of their column in xlsx)


@dataclass
class Report:
    """A report ready to render: heading, subheading, sections and charts, in one language."""

    key: str
    title: str
    subtitle: str
    lang: str
    currency: str
    sections: list[Section]
    charts: list[Chart] = field(default_factory=list)
    as_of: dt.date | None = (
        None  # the document date of files (xlsx properties): inputs only, never the clock
    )
