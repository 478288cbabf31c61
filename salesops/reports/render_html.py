"""The weekly summary as one self-contained HTML page with inline SVG charts.

No scripts, fonts, images or style sheets are fetched: CSS is inline and the
charts (funnel, aging, 8-week trend, forecast) are inline SVG elements, so the
page opens the same from a mail attachment, a file share or offline.
"""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

from salesops.reports.labels import bucket_label, label, stage_label
from salesops.reports.render_text import (
    Section,
    _alert,
    _cell_kind,
    display,
    fmt_money,
    weekly_sections,
)

CSS = """
body{font-family:-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#1f2933;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #d9e2ec;padding-bottom:.2em}
.sub{color:#627d98;margin-top:0}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}
th,td{padding:.3em .7em;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}
th{background:#f0f4f8}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.alert{color:#c62828;font-weight:600}.note{color:#486581}.charts{display:flex;flex-wrap:wrap;gap:1.5em}
.chart{border:1px solid #e4e7eb;border-radius:6px;padding:.6em}.chart h3{margin:.1em 0 .4em;font-size:1em}
svg text{font-size:11px;fill:#334e68}
"""
BLUE, RED, GREEN, GREY = "#2f80ed", "#d64545", "#27ae60", "#9fb3c8"


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: Any) -> float:
    if value is None:
        return 0.0
    return float(value)


def _short(value: float, currency: str) -> str:
    """Compact axis labels: 1.2M, 350K."""
    v = abs(value)
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if v >= div:
            return f"{value / div:.1f}{suffix}"
    return f"{value:.0f}"


def bar_chart(
    title: str, labels: list[str], values: list[float], colors: list[str], value_text: list[str]
) -> str:
    """Vertical bars."""
    w, h, top, bottom, left = 460, 240, 20, 40, 10
    n = max(len(values), 1)
    peak = max([v for v in values if v > 0] or [1.0])
    slot = (w - left * 2) / n
    bar_w = slot * 0.6
    parts = [
        f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{_esc(title)}">'
    ]
    base = h - bottom
    parts.append(f'<line x1="{left}" y1="{base}" x2="{w - left}" y2="{base}" stroke="#bcccdc"/>')
    for i, (lab, v, c, t) in enumerate(zip(labels, values, colors, value_text, strict=True)):
        bh = max(v, 0) / peak * (h - top - bottom)
        x = left + i * slot + (slot - bar_w) / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{base - bh:.1f}" width="{bar_w:.1f}" height="{bh:.1f}" fill="{c}"><title>{_esc(lab)}: {_esc(t)}</title></rect>'
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{base - bh - 4:.1f}" text-anchor="middle">{_esc(t)}</text>'
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{base + 14}" text-anchor="middle">{_esc(lab)}</text>'
        )
    parts.append("</svg>")
    return f'<div class="chart"><h3>{_esc(title)}</h3>{"".join(parts)}</div>'


def funnel_chart(title: str, stages: list[tuple[str, int, str]]) -> str:
    """Centered horizontal bars narrowing with each stage."""
    w, row = 460, 30
    h = row * max(len(stages), 1) + 10
    peak = max([n for _, n, _ in stages] or [1]) or 1
    parts = [
        f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{_esc(title)}">'
    ]
    label_w = 120
    span = w - label_w - 70
    for i, (name, n, conv) in enumerate(stages):
        bw = max(n / peak * span, 1 if n else 0)
        x = label_w + (span - bw) / 2
        y = 5 + i * row
        parts.append(f'<text x="{label_w - 6}" y="{y + 18}" text-anchor="end">{_esc(name)}</text>')
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="{bw:.1f}" height="{row - 6}" fill="{BLUE}" opacity="{1 - i * 0.09:.2f}"><title>{_esc(name)}: {n}</title></rect>'
        )
        parts.append(f'<text x="{label_w + span + 6}" y="{y + 18}">{n} {_esc(conv)}</text>')
    parts.append("</svg>")
    return f'<div class="chart"><h3>{_esc(title)}</h3>{"".join(parts)}</div>'


DASHES = ("", ' stroke-dasharray="7 4"', ' stroke-dasharray="2 3"')


def line_chart(
    title: str, labels: list[str], series: list[tuple[str, str, list[float]]], currency: str
) -> str:
    """Lines over the weeks, one per series, with a legend."""
    w, h, top, bottom, left, right = 460, 240, 20, 50, 50, 10
    peak = max([v for _, _, vs in series for v in vs if v > 0] or [1.0])
    n = max(len(labels), 2)
    step = (w - left - right) / (n - 1)
    base = h - bottom
    parts = [
        f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{_esc(title)}">'
    ]
    parts.append(f'<line x1="{left}" y1="{base}" x2="{w - right}" y2="{base}" stroke="#bcccdc"/>')
    parts.append(
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{_esc(_short(peak, currency))}</text>'
    )
    parts.append(f'<text x="{left - 4}" y="{base}" text-anchor="end">0</text>')
    for i, lab in enumerate(labels):
        if i % 2 == len(labels) % 2 or len(labels) <= 4:
            parts.append(
                f'<text x="{left + i * step:.1f}" y="{base + 14}" text-anchor="middle">{_esc(lab[-3:])}</text>'
            )
    for k, (name, color, values) in enumerate(series):
        pts = " ".join(
            f"{left + i * step:.1f},{base - max(v, 0) / peak * (h - top - bottom):.1f}"
            for i, v in enumerate(values)
        )
        # each series its own dash, so a line lying on another (bookings = won amount) still shows
        dash = DASHES[k % len(DASHES)]
        parts.append(
            f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2"{dash}/>'
        )
        for i, v in enumerate(values):
            parts.append(
                f'<circle cx="{left + i * step:.1f}" cy="{base - max(v, 0) / peak * (h - top - bottom):.1f}" r="3" fill="{color}"><title>{_esc(labels[i])}: {_esc(fmt_money(Decimal(str(v)), currency))}</title></circle>'
            )
        parts.append(
            f'<line x1="{left + k * 140}" y1="{h - 13}" x2="{left + k * 140 + 12}" y2="{h - 13}" '
            f'stroke="{color}" stroke-width="3"{dash}/>'
        )
        parts.append(f'<text x="{left + k * 140 + 14}" y="{h - 9}">{_esc(name)}</text>')
    parts.append("</svg>")
    return f'<div class="chart"><h3>{_esc(title)}</h3>{"".join(parts)}</div>'


def _table(sec: Section, lang: str, currency: str) -> str:
    out = [f"<h2>{_esc(sec.title)}</h2>"]
    if not sec.rows:
        out.append(f'<p class="note">{_esc(label("none_found", lang))}</p>')
    else:
        out.append(
            "<table><thead><tr>"
            + "".join(f"<th>{_esc(h)}</th>" for h in sec.headers)
            + "</tr></thead><tbody>"
        )
        for i, row in enumerate(sec.rows):
            cells = []
            for j, v in enumerate(row):
                kind = _cell_kind(sec, i, j)
                cls = ["n"] if kind in ("money", "rate", "days", "int") else []
                if _alert(sec, i, j, v):
                    cls.append("alert")
                attr = f' class="{" ".join(cls)}"' if cls else ""
                text = (
                    ""
                    if v is None and i in sec.total_rows
                    else display(v, kind, lang, currency, sec.columns[j])
                )
                cells.append(f"<td{attr}>{_esc(text)}</td>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</tbody></table>")
    if sec.more:
        out.append(f'<p class="note">{_esc(label("more_rows", lang).format(n=sec.more))}</p>')
    for note in sec.notes:
        out.append(f'<p class="note">{_esc(note)}</p>')
    return "\n".join(out)


def weekly_html(data: dict[str, Any], lang: str, currency: str) -> str:
    """The whole page."""
    heading, sections = weekly_sections(data, lang, "html")
    aging = data["aging"]
    ag_labels = [bucket_label(b, lang) for b in aging["buckets"]]
    ag_values = [_num(aging["totals"][b]) for b in aging["buckets"]]
    ag_colors = [GREEN] + [RED] * (len(ag_values) - 1)
    charts = [
        funnel_chart(
            f"{label('funnel', lang)} ({data['funnel']['from']} – {data['funnel']['to']})",
            [
                (
                    stage_label(s["stage"], lang),
                    s["reached"],
                    "" if s["conversion"] is None else f"({s['conversion'] * 100:.0f}%)",
                )
                for s in data["funnel"]["stages"]
            ],
        ),
        bar_chart(
            label("aging", lang),
            ag_labels,
            ag_values,
            ag_colors,
            [_short(v, currency) for v in ag_values],
        ),
        line_chart(
            label("trend", lang),
            [t["week"] for t in data["trend"]],
            [
                (label("bookings", lang), BLUE, [_num(t["bookings"]) for t in data["trend"]]),
                (
                    label("collections", lang),
                    GREEN,
                    [_num(t["collections"]) for t in data["trend"]],
                ),
                (label("won_amount", lang), GREY, [_num(t["won_amount"]) for t in data["trend"]]),
            ],
            currency,
        ),
    ]
    fc = data["forecast"]
    fc_rows = fc["rows"]
    charts.append(
        bar_chart(
            f"{label('forecast', lang)}: {label('expected_cash', lang)}",
            [r["month"] for r in fc_rows] + [label("overdue", lang)],
            [_num(r["expected_cash"]) for r in fc_rows] + [_num(fc["overdue"]["expected_cash"])],
            [BLUE] * len(fc_rows) + [RED],
            [_short(_num(r["expected_cash"]), currency) for r in fc_rows]
            + [_short(_num(fc["overdue"]["expected_cash"]), currency)],
        )
    )
    body = [
        f"<h1>{_esc(heading)}</h1>",
        f'<p class="sub">{_esc(label("as_of", lang))} {_esc(data["as_of"])} · {_esc(currency)}</p>',
        '<div class="charts">' + "\n".join(charts) + "</div>",
        *(_table(sec, lang, currency) for sec in sections),
    ]
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{_esc(heading)}</title>\n'
        f"<style>{CSS}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
