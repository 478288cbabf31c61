"""Reports as Excel workbooks: a sheet per section, native formats, native charts, the same bytes every time.

Money cells are numbers with a thousands format, rates percentages, dates
date cells (ISO text before 1900-01-01, the first day a date cell holds);
text that looks like a formula is stored as text. Every row is written (no
display limit). The first sheet carries the report's title and subtitle.

Each chart gets a sheet with its figures and a native Excel chart over them
(it stays live when the figures are edited): lines are straight (never
smoothed, which overshoots and dips below zero), value axes start at zero,
and the chart is wide enough for its title on one line.

The file is a function of the report alone: the document's created and
modified times are the report's as-of date and the zip entries carry a fixed
timestamp, so the same registers give byte-identical workbooks.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from typing import Any

from salesops.codec import FIRST_EXCEL_DAY
from salesops.reports.render.model import Chart, Report, Section

MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
HEADER_FILL = "DDE7F0"
ALERT_COLOR = "C62828"
COLORS = ("2F80ED", "27AE60", "7B8794", "F2994A", "9B51E0")
DASHES = ("solid", "dash", "sysDot")  # a line lying on another (bookings = won amount) still shows


def sheet_name(title: str, used: set[str]) -> str:
    """An Excel sheet name for `title`: no []:*?/\\, at most 31 characters, unique (case-insensitive)."""
    name = _BAD_SHEET_CHARS.sub(" ", title).strip()[:31] or "Sheet"
    base, n = name, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _put(ws, row: int, col: int, value: Any, kind: str):
    cell = ws.cell(row=row, column=col)
    if value is None:
        return cell
    if kind == "money":
        cell.value = float(Decimal(value))
        cell.number_format = MONEY_FORMAT
    elif kind == "rate":
        cell.value = float(value)
        cell.number_format = RATE_FORMAT
    elif kind in ("days", "int"):
        whole = float(value).is_integer()
        cell.value = int(value) if whole else float(value)
        cell.number_format = "#,##0" if whole else "#,##0.0"
    elif isinstance(value, dt.date) and value >= FIRST_EXCEL_DAY:
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, dt.date):  # no date cell holds it (it would show as 00:00:00)
        cell.value = value.isoformat()
    else:
        text = str(value)
        cell.value = text
        if text.startswith("="):  # the user's text stays text, never a formula
            cell.data_type = "s"
    return cell


def _width(value: Any) -> int:
    """Rough column width of a value: wide characters count twice."""
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(value, (Decimal, float)):
        text = f"{value:,.2f}"
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _header(ws, row: int, labels: list[str]) -> None:
    from openpyxl.styles import Font, PatternFill

    bold, fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    for j, text in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=j, value=text)
        cell.font, cell.fill = bold, fill


def _fit_columns(ws, rows: list[list[Any]], labels: list[str]) -> None:
    for j, label in enumerate(labels):
        width = max([_width(label)] + [_width(r[j]) for r in rows[:500] if r[j] is not None])
        ws.column_dimensions[ws.cell(row=1, column=j + 1).column_letter].width = min(
            max(width + 2, 10), 60
        )


def write_section(wb, sec: Section, used: set[str], top: int = 1):
    """A sheet holding `sec` from row `top`: header, every row typed, alerts red, totals bold,
    notes below (the first sheet starts lower, under the report's title: written there, not
    moved there afterwards cell by cell)."""
    from openpyxl.styles import Font

    ws = wb.create_sheet(sheet_name(sec.title, used))
    _header(ws, top, [c.label for c in sec.columns])
    red, bold = Font(color=ALERT_COLOR, bold=True), Font(bold=True)
    for i, row in enumerate(sec.rows):
        for j, v in enumerate(row):
            cell = _put(ws, top + i + 1, j + 1, v, sec.kind(i, j))
            if sec.alert(i, j):
                cell.font = red
            elif i in sec.total_rows:
                cell.font = bold
    _fit_columns(ws, sec.rows, [c.label for c in sec.columns])
    ws.freeze_panes = f"A{top + 1}"
    for k, note in enumerate(sec.notes):
        _put(ws, top + len(sec.rows) + 2 + k, 1, note, "text")
    return ws


def write_chart(wb, chart: Chart, used: set[str]):
    """A sheet with the chart's figures and a native chart drawn from them."""
    from openpyxl.chart import BarChart, LineChart, Reference

    ws = wb.create_sheet(sheet_name(chart.title, used))
    labels = [chart.axis, *(s.name for s in chart.series)]
    _header(ws, 1, labels)
    kind = "money" if chart.unit == "money" else "int"
    rows = []
    for i, cat in enumerate(chart.categories):
        row = [cat, *(s.values[i] for s in chart.series)]
        rows.append(row)
        for j, v in enumerate(row):
            _put(ws, i + 2, j + 1, v, "text" if j == 0 else kind)
    _fit_columns(ws, rows, labels)
    n = len(chart.categories)
    if chart.kind == "line":
        native = LineChart()
        native.smooth = False
    else:
        native = BarChart()
        native.type = "bar" if chart.kind == "funnel" else "col"
        native.gapWidth = 60
    native.title = chart.title
    native.add_data(
        Reference(ws, min_col=2, max_col=len(labels), min_row=1, max_row=n + 1),
        titles_from_data=True,
    )
    native.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n + 1))
    for k, series in enumerate(native.series):
        color = COLORS[k % len(COLORS)]
        if chart.kind == "line":
            series.smooth = False  # straight segments: a smoothed line invents values
            series.graphicalProperties.line.solidFill = color
            series.graphicalProperties.line.width = 22000
            series.graphicalProperties.line.dashStyle = DASHES[k % len(DASHES)]
            series.marker.symbol = "circle"
        else:
            series.graphicalProperties.solidFill = color
    if chart.kind == "funnel":
        native.x_axis.scaling.orientation = "maxMin"  # the first stage on top
    native.y_axis.scaling.min = 0
    native.x_axis.delete = False
    native.y_axis.delete = False
    native.y_axis.numFmt = MONEY_FORMAT.replace(".00", "") if kind == "money" else "#,##0"
    if len(chart.series) == 1:
        native.legend = None
    native.width = max(16.0, _title_cm(chart.title) + 4, 2.2 * n)
    native.height = 8.5 if chart.kind != "funnel" else max(7.0, 1.1 * n + 2)
    ws.add_chart(native, f"{chr(ord('A') + len(labels) + 1)}2")
    return ws


def _title_cm(title: str) -> float:
    """About how wide a chart title is at Excel's default 14 pt, in centimetres."""
    return sum(0.52 if ord(ch) > 0x2E7F else 0.3 for ch in title)


TITLE_ROWS = 2  # the first sheet's title and subtitle, above its section


def workbook(report: Report):
    """An openpyxl Workbook of `report`: the sections' sheets, the first with the title; then the charts."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for k, sec in enumerate(report.sections):
        write_section(wb, sec, used, top=TITLE_ROWS + 1 if k == 0 else 1)
    for chart in report.charts:
        write_chart(wb, chart, used)
    if wb.worksheets:
        first = wb.worksheets[0]
        if not report.sections:  # a chart's sheet first: moved down under the title
            first.insert_rows(1, TITLE_ROWS)
        first.cell(row=1, column=1, value=report.title).font = _title_font()
        if report.subtitle:
            first.cell(row=2, column=1, value=report.subtitle)
        first.freeze_panes = "A4"
    else:
        wb.create_sheet(sheet_name(report.title, used)).cell(row=1, column=1, value=report.title)
    when = dt.datetime.combine(report.as_of or dt.date(2000, 1, 1), dt.time())
    props = wb.properties
    props.created = props.modified = when
    props.creator = props.lastModifiedBy = "salesops"
    props.title = report.title
    props.language = "zh-CN" if report.lang == "zh" else "en"
    return wb


def _title_font():
    from openpyxl.styles import Font

    return Font(bold=True, size=14)


def render_xlsx(report: Report) -> bytes:
    """The workbook's bytes: the same report gives the same bytes (fixed times, fixed entry order)."""
    buf = io.BytesIO()
    book = workbook(report)
    book.save(buf)
    return _fixed_zip(buf.getvalue(), book.properties.created)


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _fixed_zip(data: bytes, when: dt.datetime) -> bytes:
    """`data` re-zipped with every entry dated ZIP_TIME, in the order openpyxl wrote them.

    openpyxl stamps the document's `modified` time with the clock as it saves;
    it becomes `when` again here.
    """
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", body)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, body)
    return out.getvalue()
