"""The weekly summary as an Excel workbook: one sheet per section, native charts.

Money cells are numbers with a thousands format, dates are date cells (ISO text
before 1900-01-01, the first day a date cell holds), rates
percentages; text that looks like a formula is stored as text. The aging,
funnel, trend and forecast sheets carry native Excel charts (they stay live
when the numbers are edited).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from salesops.codec import FIRST_EXCEL_DAY
from salesops.reports.labels import bucket_label, label, stage_label, value_label
from salesops.reports.render_text import Section, weekly_sections

MONEY_FORMAT = "#,##0.00"
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(title: str, used: set[str]) -> str:
    name = _BAD_SHEET_CHARS.sub(" ", title).strip()[:31] or "Sheet"
    base, n = name, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _put(ws, row: int, col: int, value: Any, kind: str, lang: str, column: str):
    cell = ws.cell(row=row, column=col)
    if value is None:
        return cell
    if kind == "money":
        cell.value = float(Decimal(value))
        cell.number_format = MONEY_FORMAT
    elif kind == "rate":
        cell.value = float(value)
        cell.number_format = "0.0%"
    elif kind in ("days", "int"):
        cell.value = float(value) if kind == "days" else int(value)
        cell.number_format = (
            "#,##0.0" if kind == "days" and not float(value).is_integer() else "#,##0"
        )
    elif isinstance(value, dt.date) and value >= FIRST_EXCEL_DAY:
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, dt.date):  # no date cell holds it (it would show as 00:00:00)
        cell.value = value.isoformat()
    else:
        text = str(
            value_label(column, value, lang, kind[5:])
            if kind.startswith("enum:")
            else stage_label(value, lang)
            if kind == "stage"
            else value
        )
        cell.value = text
        if text.startswith("="):  # keep the user's text as text, never as a formula
            cell.data_type = "s"
    return cell


def _write_section(wb, sec: Section, lang: str, used: set[str], title: str | None = None):
    from openpyxl.styles import Font, PatternFill

    ws = wb.create_sheet(_sheet_name(title or sec.title, used))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F0")
    for j, h in enumerate(sec.headers, start=1):
        c = ws.cell(row=1, column=j, value=h)
        c.font = bold
        c.fill = fill
    red = Font(color="C62828", bold=True)
    for i, row in enumerate(sec.rows):
        for j, v in enumerate(row):
            kind = sec.row_kinds[i] if sec.row_kinds is not None and j > 0 else sec.kinds[j]
            cell = _put(ws, i + 2, j + 1, v, kind, lang, sec.columns[j])
            if (j in sec.alert_columns or (i in sec.alert_rows and j > 0)) and v:
                cell.font = red
    for j, h in enumerate(sec.headers, start=1):
        width = max(
            [len(str(h))] + [len(str(r[j - 1])) for r in sec.rows[:200] if r[j - 1] is not None]
        )
        ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = min(
            max(width + 2, 10), 60
        )
    ws.freeze_panes = "A2"
    for k, note in enumerate(sec.notes):
        ws.cell(row=len(sec.rows) + 3 + k, column=1, value=note)
    return ws


def _chart_sheet(
    wb,
    title: str,
    headers: list[str],
    rows: list[list[Any]],
    kinds: list[str],
    used: set[str],
    lang: str,
):
    sec = Section("chart", title, headers, headers, rows, kinds)
    return _write_section(wb, sec, lang, used)


def weekly_workbook(data: dict[str, Any], lang: str, currency: str):
    """An openpyxl Workbook of the weekly summary."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference

    heading, sections = weekly_sections(data, lang, "xlsx")
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    sheets = {}
    for sec in sections:
        # the headline goes first, lists are shown in full in the workbook
        sheets[sec.key] = _write_section(wb, sec, lang, used)
    first = wb.worksheets[0]
    first.insert_rows(1, 2)
    first.cell(row=1, column=1, value=heading)
    first.cell(row=2, column=1, value=f"{label('as_of', lang)} {data['as_of']} · {currency}")
    first.freeze_panes = "A4"

    # aging
    ag = data["aging"]
    ws = _chart_sheet(
        wb,
        label("aging", lang),
        [label("aging", lang), label("amount", lang)],
        [[bucket_label(b, lang), ag["totals"][b]] for b in ag["buckets"]],
        ["text", "money"],
        used,
        lang,
    )
    chart = BarChart()
    chart.title = label("aging", lang)
    chart.add_data(
        Reference(ws, min_col=2, min_row=1, max_row=len(ag["buckets"]) + 1), titles_from_data=True
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(ag["buckets"]) + 1))
    chart.legend = None
    ws.add_chart(chart, "D2")

    # funnel
    fn = data["funnel"]
    ws = _chart_sheet(
        wb,
        label("funnel", lang),
        [label("stage", lang), label("reached", lang), label("conversion", lang)],
        [[stage_label(s["stage"], lang), s["reached"], s["conversion"]] for s in fn["stages"]],
        ["text", "int", "rate"],
        used,
        lang,
    )
    chart = BarChart()
    chart.type = "bar"
    chart.title = f"{label('funnel', lang)} {fn['from']} – {fn['to']}"
    chart.add_data(
        Reference(ws, min_col=2, min_row=1, max_row=len(fn["stages"]) + 1), titles_from_data=True
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(fn["stages"]) + 1))
    chart.y_axis.scaling.orientation = "minMax"
    chart.x_axis.scaling.orientation = "maxMin"  # first stage on top
    chart.legend = None
    ws.add_chart(chart, "E2")

    # trend
    tr = data["trend"]
    ws = _chart_sheet(
        wb,
        label("trend", lang),
        [
            label("week", lang),
            label("new_leads", lang),
            label("won_amount", lang),
            label("bookings", lang),
            label("collections", lang),
        ],
        [[t["week"], t["new_leads"], t["won_amount"], t["bookings"], t["collections"]] for t in tr],
        ["text", "int", "money", "money", "money"],
        used,
        lang,
    )
    chart = LineChart()
    chart.title = label("trend", lang)
    chart.add_data(
        Reference(ws, min_col=3, max_col=5, min_row=1, max_row=len(tr) + 1), titles_from_data=True
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(tr) + 1))
    ws.add_chart(chart, "G2")

    # forecast chart on the forecast sheet already written from the sections
    fc_ws = sheets["forecast"]
    months = len(data["forecast"]["rows"])
    chart = BarChart()
    chart.title = f"{label('forecast', lang)}: {label('weighted_pipeline', lang)} / {label('expected_cash', lang)}"
    chart.add_data(
        Reference(fc_ws, min_col=4, min_row=1, max_row=months + 1), titles_from_data=True
    )
    chart.add_data(
        Reference(fc_ws, min_col=6, min_row=1, max_row=months + 1), titles_from_data=True
    )
    chart.set_categories(Reference(fc_ws, min_col=1, min_row=2, max_row=months + 1))
    fc_ws.add_chart(chart, "H2")
    return wb


def weekly_xlsx_bytes(data: dict[str, Any], lang: str, currency: str) -> bytes:
    """The workbook as bytes (for -o FILE or a pipe)."""
    import io

    buf = io.BytesIO()
    weekly_workbook(data, lang, currency).save(buf)
    return buf.getvalue()
