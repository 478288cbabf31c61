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
document (`result.to_json()`), whatever the language. The model the
renderers share (`Report`, `Section`, `Column`, `Chart`, `Series`) lives in
`render.model`, a leaf every renderer imports; it is re-exported here.
"""

from __future__ import annotations

from salesops.reports.render.model import (
    BINARY,
    FORMATS,
    KINDS,
    NUMERIC,
    Chart,
    Column,
    Report,
    Section,
    Series,
)

__all__ = [
    "BINARY",
    "FORMATS",
    "KINDS",
    "NUMERIC",
    "Chart",
    "Column",
    "Report",
    "Section",
    "Series",
    "render",
]


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
