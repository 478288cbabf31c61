"""Reports as one self-contained HTML page, from a 375 px phone to a desktop.

Nothing is fetched: the CSS is inline and the charts are inline SVG, so the
page opens the same from a mail attachment, a chat, a file share or offline.
Charts scale with the screen (a fixed viewBox drawn at 100 % width). Tables
are tables on a wide screen; below 700 px a table of more than four columns
becomes a card per row of "header: value" lines, so nothing scrolls sideways
(narrow tables, such as the headline, stay tables in a smaller type); a table
too wide even for a desktop scrolls inside its own box, never the page. Every text from
the registers is escaped.
"""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

from salesops.i18n import translate
from salesops.reports.render.cells import display, fmt_money, short_money
from salesops.reports.render.model import Chart, Report, Section
from salesops.reports.render.table import MORE_ROWS, NONE_FOUND

CSS = """
*{box-sizing:border-box}
body{font-family:-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",Helvetica,Arial,sans-serif;margin:0 auto;max-width:1100px;color:#1f2933;padding:12px 16px 32px;line-height:1.4;-webkit-text-size-adjust:100%}
h1{font-size:clamp(1.25em,4.5vw,1.6em);margin:.4em 0 .2em}
h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #d9e2ec;padding-bottom:.2em}
.sub{color:#627d98;margin-top:0}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,420px),1fr));gap:14px;margin:1em 0}
.chart{border:1px solid #e4e7eb;border-radius:6px;padding:8px;min-width:0}
.chart h3{margin:.1em 0 .4em;font-size:1em}
.chart svg{display:block;width:100%;height:auto}
svg text{font-size:12px;fill:#334e68}
.wide{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.92em;min-width:50%}
th,td{padding:.3em .7em;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f0f4f8}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th.n{text-align:right}
td.alert{color:#c62828;font-weight:600}
tr.total td{font-weight:700;border-top:2px solid #bcccdc}
.note{color:#486581;overflow-wrap:anywhere}
@media (max-width:700px){
 body{padding:10px 12px 24px}
 table{font-size:.85em;min-width:0}
 th,td{padding:.3em .4em}
 .wide{overflow-x:visible}
 table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
 table.cards thead{display:none}
 table.cards tr{border:1px solid #e4e7eb;border-radius:6px;margin:0 0 10px;padding:4px 0}
 table.cards td{display:flex;justify-content:space-between;gap:12px;border:0;padding:.25em .7em;text-align:right}
 table.cards td::before{content:attr(data-label);color:#627d98;text-align:left;flex:0 1 45%;overflow-wrap:anywhere}
 table.cards td.n{white-space:normal}
 table.cards td:empty{display:none}
 table.cards tr.total td{border-top:0}
}
"""
BLUE, RED, GREEN, GREY = "#2f80ed", "#d64545", "#27ae60", "#7b8794"
PALETTE = (BLUE, GREEN, GREY, "#f2994a", "#9b51e0")
DASHES = ("", ' stroke-dasharray="7 4"', ' stroke-dasharray="2 3"')
W = 400  # every chart's viewBox width; drawn at the width of its box
CARD_COLUMNS = 4  # wider tables become cards on a phone
CHAR = 7.0  # average width of a Latin character at 12 px, for laying out labels
WIDE_CHAR = 12.0


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: Any) -> float:
    return 0.0 if value is None else float(value)


def _text_width(text: str) -> float:
    return sum(WIDE_CHAR if ord(ch) > 0x2E7F else CHAR for ch in text)


def _label(value: float, unit: str, lang: str) -> str:
    return short_money(value, lang) if unit == "money" else f"{value:,.0f}"


def _svg(title: str, h: float, body: list[str]) -> str:
    return (
        f'<svg viewBox="0 0 {W} {h:.0f}" role="img" aria-label="{_esc(title)}" '
        f'preserveAspectRatio="xMidYMid meet">{"".join(body)}</svg>'
    )


def bar_chart(chart: Chart, lang: str) -> str:
    """Vertical bars, one group per category, the value above each bar."""
    h, top, bottom, left = 230, 22, 34, 6
    values = [[_num(v) for v in s.values] for s in chart.series]
    peak = max([v for vs in values for v in vs if v > 0] or [1.0])
    n = max(len(chart.categories), 1)
    slot = (W - 2 * left) / n
    group = slot * 0.7
    bar_w = group / max(len(values), 1)
    base = h - bottom
    body = [f'<line x1="{left}" y1="{base}" x2="{W - left}" y2="{base}" stroke="#bcccdc"/>']
    for i, cat in enumerate(chart.categories):
        x0 = left + i * slot + (slot - group) / 2
        for k, vs in enumerate(values):
            v = vs[i]
            bh = max(v, 0) / peak * (h - top - bottom)
            x = x0 + k * bar_w
            color = RED if i in chart.alert else PALETTE[k % len(PALETTE)]
            body.append(
                f'<rect x="{x:.1f}" y="{base - bh:.1f}" width="{bar_w * 0.92:.1f}" height="{bh:.1f}" '
                f'fill="{color}"><title>{_esc(cat)}: {_esc(_label(v, chart.unit, lang))}</title></rect>'
            )
            if len(values) == 1:
                body.append(
                    f'<text x="{x + bar_w / 2:.1f}" y="{base - bh - 4:.1f}" text-anchor="middle">'
                    f"{_esc(_label(v, chart.unit, lang))}</text>"
                )
        body.append(
            f'<text x="{left + i * slot + slot / 2:.1f}" y="{base + 15}" text-anchor="middle">{_esc(cat)}</text>'
        )
    legend, extra = _legend(chart, h - 4) if len(values) > 1 else ([], 0)
    return _box(chart.title, _svg(chart.title, h + extra, body + legend))


def funnel_chart(chart: Chart) -> str:
    """Centred horizontal bars narrowing stage by stage; the count and conversion beside each."""
    row = 28
    values = [_num(v) for v in chart.series[0].values]
    h = row * max(len(values), 1) + 8
    peak = max(values or [1.0]) or 1.0
    label_w = min(max([_text_width(c) for c in chart.categories] or [40]) + 10, 130)
    note_w = 78
    span = W - label_w - note_w
    body = []
    for i, (name, v) in enumerate(zip(chart.categories, values, strict=True)):
        bw = max(v / peak * span, 1 if v else 0)
        x = label_w + (span - bw) / 2
        y = 4 + i * row
        note = chart.notes[i] if chart.notes else ""
        body.append(
            f'<text x="{label_w - 6:.1f}" y="{y + 16}" text-anchor="end">{_esc(name)}</text>'
        )
        body.append(
            f'<rect x="{x:.1f}" y="{y}" width="{bw:.1f}" height="{row - 6}" fill="{BLUE}" '
            f'opacity="{max(1 - i * 0.09, 0.35):.2f}"><title>{_esc(name)}: {v:,.0f}</title></rect>'
        )
        body.append(f'<text x="{label_w + span + 6:.1f}" y="{y + 16}">{v:,.0f} {_esc(note)}</text>')
    return _box(chart.title, _svg(chart.title, h, body))


def line_chart(chart: Chart, currency: str, lang: str) -> str:
    """Straight lines between the points (never smoothed: a line shows no value that is not there)."""
    h, top, bottom, left, right = 220, 18, 30, 44, 10
    values = [[_num(v) for v in s.values] for s in chart.series]
    peak = max([v for vs in values for v in vs if v > 0] or [1.0])
    n = max(len(chart.categories), 2)
    step = (W - left - right) / (n - 1)
    base = h - bottom
    scale = (h - top - bottom) / peak
    body = [
        f'<line x1="{left}" y1="{base}" x2="{W - right}" y2="{base}" stroke="#bcccdc"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{_esc(_label(peak, chart.unit, lang))}</text>',
        f'<text x="{left - 4}" y="{base}" text-anchor="end">0</text>',
    ]
    every = 1 if len(chart.categories) <= 5 else 2
    last = len(chart.categories) - 1
    for i, cat in enumerate(chart.categories):
        if (last - i) % every == 0:
            short = cat.rsplit("-", 1)[-1] if "-W" in cat else cat
            anchor = (
                "end" if i == last and last else "middle"
            )  # the last label stays inside the box
            body.append(
                f'<text x="{left + i * step:.1f}" y="{base + 15}" text-anchor="{anchor}">{_esc(short)}</text>'
            )
    for k, vs in enumerate(values):
        color, dash = PALETTE[k % len(PALETTE)], DASHES[k % len(DASHES)]
        pts = [(left + i * step, base - max(v, 0) * scale) for i, v in enumerate(vs)]
        body.append(
            f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)}" fill="none" '
            f'stroke="{color}" stroke-width="2"{dash}/>'
        )
        for (x, y), cat, v in zip(pts, chart.categories, vs, strict=True):
            shown = fmt_money(Decimal(str(v)), currency) if chart.unit == "money" else f"{v:,.0f}"
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"><title>{_esc(cat)}: {_esc(shown)}</title></circle>'
            )
    legend, extra = _legend(chart, h - 4)
    return _box(chart.title, _svg(chart.title, h + extra, body + legend))


def _legend(chart: Chart, y: float) -> tuple[list[str], float]:
    """Legend entries laid out in rows that fit the chart's width; the height they add."""
    body, x, row = [], 8.0, 0
    for k, s in enumerate(chart.series):
        width = 18 + _text_width(s.name) + 14
        if x + width > W and x > 8:
            x, row = 8.0, row + 1
        yy = y + row * 16 + 12
        color, dash = PALETTE[k % len(PALETTE)], DASHES[k % len(DASHES)]
        stroke = f'stroke="{color}" stroke-width="3"{dash if chart.kind == "line" else ""}'
        body.append(f'<line x1="{x:.1f}" y1="{yy - 4}" x2="{x + 14:.1f}" y2="{yy - 4}" {stroke}/>')
        body.append(f'<text x="{x + 18:.1f}" y="{yy}">{_esc(s.name)}</text>')
        x += width
    return body, (row + 1) * 16 + 6


def _box(title: str, svg: str) -> str:
    return f'<div class="chart"><h3>{_esc(title)}</h3>{svg}</div>'


def chart_html(chart: Chart, currency: str, lang: str) -> str:
    """One chart as an SVG in its box."""
    if chart.kind == "line":
        return line_chart(chart, currency, lang)
    if chart.kind == "funnel":
        return funnel_chart(chart)
    return bar_chart(chart, lang)


def section_html(sec: Section, lang: str, currency: str, titled: bool = True) -> str:
    """One section: its title, a table (cards on a phone), its notes."""
    out = [f"<h2>{_esc(sec.title)}</h2>"] if titled else []
    shown, more = sec.shown()
    if not sec.rows:
        out.append(f'<p class="note">{_esc(translate(NONE_FOUND, lang))}</p>')
    else:
        numeric = ' class="n"'
        head = "".join(
            f"<th{numeric if sec.numeric(j) else ''}>{_esc(c.label)}</th>"
            for j, c in enumerate(sec.columns)
        )
        cards = ' class="cards"' if len(sec.columns) > CARD_COLUMNS else ""
        out.append(f'<div class="wide"><table{cards}><thead><tr>{head}</tr></thead><tbody>')
        for i in shown:
            cells = []
            for j, v in enumerate(sec.rows[i]):
                cls = (["n"] if sec.numeric(j) else []) + (["alert"] if sec.alert(i, j) else [])
                attr = f' class="{" ".join(cls)}"' if cls else ""
                text = (
                    ""
                    if v is None and i in sec.total_rows
                    else display(v, sec.kind(i, j), currency)
                )
                label = _esc(sec.columns[j].label)
                cells.append(f'<td{attr} data-label="{label}">{_esc(text)}</td>')
            tr = '<tr class="total">' if i in sec.total_rows else "<tr>"
            out.append(tr + "".join(cells) + "</tr>")
        out.append("</tbody></table></div>")
    if more:
        out.append(f'<p class="note">{_esc(translate(MORE_ROWS, lang).format(n=more))}</p>')
    for note in sec.notes:
        out.append(f'<p class="note">{_esc(note)}</p>')
    return "\n".join(out)


def render_html(report: Report) -> str:
    """The whole page."""
    body = [f"<h1>{_esc(report.title)}</h1>"]
    if report.subtitle:
        body.append(f'<p class="sub">{_esc(report.subtitle)}</p>')
    if report.charts:
        body.append(
            '<div class="charts">'
            + "\n".join(chart_html(c, report.currency, report.lang) for c in report.charts)
            + "</div>"
        )
    titled = len(report.sections) > 1
    body += [section_html(sec, report.lang, report.currency, titled) for sec in report.sections]
    html_lang = "zh-CN" if report.lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(report.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
