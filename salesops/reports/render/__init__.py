"""Every report in every format: a report is sections of rows with typed columns, plus charts.

A report module builds a `Report` in the reader's language (see
`salesops.reports.views`); one renderer per format turns any report into
its output, so adding a report is writing its sections, nothing per format:

    table     rich tables for the terminal (numbers never wrap, alerts in red on a colour terminal)
    csv       UTF-8 with BOM, headers and labels in the report's language, plain numbers Excel reads
    markdown  for mail and chat; text from the registers is escaped (no raw HTML, no links)
    html      one self-contained page that reads from a 375 px phone to a desktop, charts as inline SVG
    xlsx      a sheet per section with native number and date formats, native charts

JSON is not rendered from sections: it is the report's own canonical
document (`result.to_json()`), whatever the language.

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

    def shown(self) -> tuple[list[int], int]:
        """Indexes of the rows people read, and how many more there are."""
        n = len(self.rows)
        if self.limit is None or n <= self.limit:
            return list(range(n)), 0
        keep = list(range(self.limit))
        keep += [i for i in sorted(self.total_rows) if i >= self.limit]  # totals always show
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


def render(report: Report, fmt: str, width: int = 160) -> str | bytes:
    """`report` in `fmt` (table, csv, markdown, html: text; xlsx: bytes)."""
    if fmt == "table":
        from salesops.reports.render.table import render_table

        return render_table(report, width)
    if fmt == "csv":
        from salesops.reports.render.csv import render_csv

        return render_csv(report)
    if fmt == "markdown":
        from salesops.reports.render.markdown import render_markdown

        return render_markdown(report)
    if fmt == "html":
        from salesops.reports.render.html import render_html

        return render_html(report)
    if fmt == "xlsx":
        from salesops.reports.render.xlsx import render_xlsx

        return render_xlsx(report)
    raise ValueError(f"no renderer for {fmt!r}")
