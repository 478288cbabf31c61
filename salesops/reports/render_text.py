"""Reports as sections of rows, rendered as rich tables, markdown or CSV.

Each report becomes a list of `Section`s (title, columns, typed rows). Tables
and markdown show labels in the report language, money with thousands
separators and the currency, rates as percentages, enum values translated;
on a colour terminal overdue figures are red (never when piped, written to a
file, or NO_COLOR is set). CSV keeps canonical column names and plain values
(money with two decimals, rates as fractions) for scripts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from salesops.reports.labels import bucket_label, group_label, label, stage_label, value_label

CURRENCY_SYMBOLS = {
    "CNY": "¥",
    "RMB": "¥",
    "JPY": "¥",
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "HKD": "HK$",
}
LIST_LIMIT = 20  # rows of a weekly list shown in a table or markdown


@dataclass
class Section:
    """One table of a report."""

    key: str
    title: str
    columns: list[str]
    headers: list[str]
    rows: list[list[Any]]
    kinds: list[str]  # text money rate days int date enum:<register>
    row_kinds: list[str] | None = None  # per row, for the value columns (kpi: one metric per row)
    alert_columns: set[int] = field(default_factory=set)
    alert_rows: set[int] = field(default_factory=set)
    total_rows: set[int] = field(default_factory=set)  # shown bold, empty cells blank
    notes: list[str] = field(default_factory=list)
    more: int = 0


# ---------------------------------------------------------------- formatting


def fmt_money(value: Decimal | None, currency: str) -> str:
    if value is None:
        return "—"
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    text = f"{abs(value):,.2f}"
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def fmt_rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def fmt_days(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def display(value: Any, kind: str, lang: str, currency: str, column: str = "") -> str:
    """A value as shown in tables and markdown."""
    if value is None:
        return "—" if kind in ("money", "rate", "days", "int") else ""
    if kind == "money":
        return fmt_money(Decimal(value), currency)
    if kind == "rate":
        return fmt_rate(value)
    if kind == "days":
        return fmt_days(value)
    if kind == "int":
        return f"{int(value):,}"
    if kind.startswith("enum:"):
        return str(value_label(column, value, lang, kind[5:]))
    if kind == "stage":
        return stage_label(value, lang)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def plain(value: Any) -> str:
    """A value as written to CSV."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


# ---------------------------------------------------------------- rendering


def _cell_kind(sec: Section, i: int, j: int) -> str:
    if sec.row_kinds is not None and j > 0:
        return sec.row_kinds[i]
    return sec.kinds[j]


def _alert(sec: Section, i: int, j: int, value: Any) -> bool:
    if not value:
        return False
    if isinstance(value, (int, float, Decimal)) and value <= 0:
        return False
    return j in sec.alert_columns or (i in sec.alert_rows and j > 0)


def _widths(sec: Section, lang: str, currency: str) -> list[int]:
    """Display width (terminal cells) of each column: its longest value or header."""
    from rich.cells import cell_len

    return [
        max(
            [cell_len(h)]
            + [
                cell_len(display(r[j], _cell_kind(sec, i, j), lang, currency, sec.columns[j]))
                for i, r in enumerate(sec.rows)
            ]
        )
        for j, h in enumerate(sec.headers)
    ]


def _column_chunks(sec: Section, widths: list[int], room: int) -> list[list[int]]:
    """Column index groups that fit `room` cells; a kpi table repeats its label column."""
    if sec.row_kinds is None or sum(w + 3 for w in widths) + 1 <= room:
        return [list(range(len(widths)))]
    chunks: list[list[int]] = []
    current = [0]
    used = widths[0] + 4
    for j in range(1, len(widths)):
        if len(current) > 1 and used + widths[j] + 3 > room:
            chunks.append(current)
            current, used = [0], widths[0] + 4
        current.append(j)
        used += widths[j] + 3
    chunks.append(current)
    return chunks


def render_table(sections: list[Section], lang: str, currency: str, heading: str, console) -> None:
    """Print sections as rich tables (colour decided by the console).

    Numbers never wrap (text columns give way); a kpi table too wide for the
    terminal is printed in several tables, each with the metric names.
    """
    from rich.table import Table
    from rich.text import Text

    console.print(Text(heading, style="bold"))
    for sec in sections:
        widths = _widths(sec, lang, currency)
        for n, chunk in enumerate(_column_chunks(sec, widths, console.width)):
            title = (
                sec.title if len(sections) > 1 and n == 0 else None
            )  # a lone table is named by the heading
            table = Table(title=title, header_style="bold", title_justify="left", show_lines=False)
            for j in chunk:
                numeric = sec.kinds[j] in ("money", "rate", "days", "int") or (
                    sec.row_kinds is not None and j > 0
                )
                table.add_column(
                    sec.headers[j],
                    justify="right" if numeric else "left",
                    overflow="fold",
                    no_wrap=numeric or j == 0,
                    min_width=widths[j] if numeric else min(widths[j], 28) if j == 0 else None,
                )
            for i, row in enumerate(sec.rows):
                cells = []
                for j in chunk:
                    v = row[j]
                    text = (
                        ""
                        if v is None and i in sec.total_rows
                        else display(v, _cell_kind(sec, i, j), lang, currency, sec.columns[j])
                    )
                    style = " ".join(
                        s
                        for s, on in (("bold", i in sec.total_rows), ("red", _alert(sec, i, j, v)))
                        if on
                    )
                    cells.append(Text(text, style=style))
                table.add_row(*cells)
            if sec.rows:
                console.print(table)
        if not sec.rows:
            console.print(Text(f"{sec.title}: {label('none_found', lang)}"))
        if sec.more:
            console.print(label("more_rows", lang).format(n=sec.more))
        for note in sec.notes:
            console.print(note)
        console.print()


def render_markdown(sections: list[Section], lang: str, currency: str, heading: str) -> str:
    """Sections as markdown (chat bots, e-mail)."""

    def esc(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [f"## {heading}", ""]
    for sec in sections:
        if len(sections) > 1:
            lines.append(f"### {sec.title}")
            lines.append("")
        if not sec.rows:
            lines.append(f"_{label('none_found', lang)}_")
        else:
            lines.append("| " + " | ".join(esc(h) for h in sec.headers) + " |")
            aligns = [
                "---:"
                if sec.kinds[j] in ("money", "rate", "days", "int")
                or (sec.row_kinds is not None and j > 0)
                else "---"
                for j in range(len(sec.headers))
            ]
            lines.append("| " + " | ".join(aligns) + " |")
            for i, row in enumerate(sec.rows):
                cells = [
                    ""
                    if v is None and i in sec.total_rows
                    else esc(display(v, _cell_kind(sec, i, j), lang, currency, sec.columns[j]))
                    for j, v in enumerate(row)
                ]
                if i in sec.total_rows:
                    cells = [f"**{c}**" if c else c for c in cells]
                lines.append("| " + " | ".join(cells) + " |")
        if sec.more:
            lines.append("")
            lines.append(label("more_rows", lang).format(n=sec.more))
        for note in sec.notes:
            lines.append("")
            lines.append(note)
        lines.append("")
    return "\n".join(lines)


def render_csv(sections: list[Section]) -> str:
    """Sections as CSV with canonical column names; several sections are separated by a blank line and their key."""
    import csv
    import io

    from salesops.storage.csv_io import guard

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    several = len(sections) > 1
    for n, sec in enumerate(sections):
        if several:
            if n:
                writer.writerow([])
            writer.writerow([sec.key])
        writer.writerow(sec.columns)
        for row in sec.rows:
            writer.writerow([guard(plain(v)) for v in row])
    return buf.getvalue()


# ---------------------------------------------------------------- report → sections


def _heading(title: str, lang: str, start=None, end=None, as_of=None, by=None) -> str:
    parts = [title]
    if start is not None:
        parts.append(f"{start.isoformat()} – {end.isoformat()}")
    if as_of is not None:
        parts.append(f"({label('as_of', lang)} {as_of.isoformat()})")
    if by:
        parts.append(f"{label('by_group', lang)} {label(by, lang)}")
    return " ".join(parts)


def kpi_sections(result, lang: str, fmt: str) -> tuple[str, list[Section]]:
    from salesops.reports.metrics import DAYS, METRICS, MONEY, RATES

    heading = _heading(
        label("kpi", lang), lang, result.period.start, result.period.end, result.as_of, result.by
    )

    def kind(m: str) -> str:
        return (
            "money"
            if m in MONEY
            else "rate"
            if m in RATES
            else "days"
            if m in DAYS
            else "int"
            if m != "csat_avg"
            else "days"
        )

    if fmt == "csv":
        rows = [["(total)", *(result.totals[m] for m in METRICS)]]
        rows += [[k, *(g[m] for m in METRICS)] for k, g in result.groups]
        return heading, [
            Section(
                "kpi",
                label("kpi", lang),
                ["key", *METRICS],
                ["key", *METRICS],
                rows,
                ["text"] * (len(METRICS) + 1),
            )
        ]
    keys = [k for k, _ in result.groups]
    headers = [
        label("metric", lang),
        label("total", lang),
        *(group_label(result.by, k, lang) for k in keys),
    ]
    rows = [[label(m, lang), result.totals[m], *(g[m] for _, g in result.groups)] for m in METRICS]
    sec = Section(
        "kpi",
        label("kpi", lang),
        ["metric", "total", *keys],
        headers,
        rows,
        ["text"] * len(headers),
        row_kinds=[kind(m) for m in METRICS],
        alert_rows={METRICS.index("overdue_amount"), METRICS.index("overdue_ratio")},
    )
    return heading, [sec]


def aging_sections(result, lang: str, fmt: str) -> tuple[str, list[Section]]:
    heading = _heading(label("aging", lang), lang, as_of=result.as_of, by=result.by)
    cols = ["key", "name", *result.buckets, "overdue", "total"]
    headers = [
        label(result.by if result.by in ("account", "owner", "team", "region") else "key", lang),
        label("name", lang),
    ]
    headers += [bucket_label(b, lang) for b in result.buckets] + [
        label("overdue", lang),
        label("total", lang),
    ]
    rows = [[r[c] for c in cols] for r in result.rows]
    rows.append(
        [
            "",
            label("total", lang) if fmt != "csv" else "(total)",
            *(result.totals[c] for c in cols[2:]),
        ]
    )
    kinds = ["text", "text"] + ["money"] * (len(cols) - 2)
    alert = set(range(3, len(cols) - 1))
    totals = set() if fmt == "csv" else {len(rows) - 1}
    if fmt != "csv":
        for row in rows[:-1]:
            row[0] = group_label(result.by, row[0], lang)
        if all(r["name"] == r["key"] for r in result.rows):  # owners, teams: the key is the name
            rows = [
                [label("total", lang) if i == len(rows) - 1 else row[0], *row[2:]]
                for i, row in enumerate(rows)
            ]
            cols, headers, kinds = (
                cols[:1] + cols[2:],
                headers[:1] + headers[2:],
                kinds[:1] + kinds[2:],
            )
            alert = {j - 1 for j in alert}
    return heading, [
        Section(
            "aging",
            label("aging", lang),
            cols,
            headers,
            rows,
            kinds,
            alert_columns=alert,
            total_rows=totals,
        )
    ]


def _list_section(
    key: str,
    title: str,
    items: list[dict],
    cols: list[str],
    kinds: dict[str, str],
    lang: str,
    limit: int | None,
    alert: tuple[str, ...] = (),
) -> Section:
    shown = items if limit is None else items[:limit]
    rows = [[it.get(c) for c in cols] for it in shown]
    return Section(
        key,
        title,
        cols,
        [label(c, lang) for c in cols],
        rows,
        [kinds.get(c, "text") for c in cols],
        alert_columns={cols.index(a) for a in alert if a in cols},
        more=len(items) - len(shown),
    )


OVERDUE_KINDS = {
    "amount": "money",
    "collected_amount": "money",
    "outstanding": "money",
    "days_overdue": "int",
    "milestone": "enum:receivables",
}


def overdue_sections(records: list[dict], as_of, lang: str, fmt: str) -> tuple[str, list[Section]]:
    from salesops.reports.ar import OVERDUE_FIELDS

    heading = _heading(label("overdue_title", lang), lang, as_of=as_of)
    sec = _list_section(
        "overdue",
        label("overdue_title", lang),
        records,
        list(OVERDUE_FIELDS),
        OVERDUE_KINDS,
        lang,
        None,
        ("days_overdue", "outstanding"),
    )
    if fmt != "csv" and records:
        from decimal import Decimal as D

        total = sum((r["outstanding"] for r in records), D(0))
        sec.rows.append([None] * (len(OVERDUE_FIELDS) - 1) + [total])
        sec.rows[-1][0] = label("total", lang)
        sec.total_rows.add(len(sec.rows) - 1)
    return heading, [sec]


def _stage_section(
    key: str, title: str, stages: list[dict], lang: str, register: str, bottleneck: str | None
) -> Section:
    cols = ["stage", "reached", "conversion", "median_days", "open", "lost"]
    headers = [label(c if c != "lost" else "lost_here", lang) for c in cols]
    rows = [
        [
            stage_label(s["stage"], lang, register),
            s["reached"],
            s["conversion"],
            s.get("median_days"),
            s.get("open"),
            s.get("lost"),
        ]
        for s in stages
    ]
    note = bottleneck_note(stages, bottleneck, lang, register)
    return Section(
        key, title, cols, headers, rows, ["text", "int", "rate", "days", "int", "int"], notes=[note]
    )


def bottleneck_note(
    stages: list[dict], bottleneck: str | None, lang: str, register: str = "opportunities"
) -> str:
    """`Bottleneck: negotiation → won (64.0% convert)`: the weakest step, from the stage before."""
    if not bottleneck:
        return f"{label('bottleneck', lang)}: —"
    names = [s["stage"] for s in stages]
    i = names.index(bottleneck)
    conv = stages[i]["conversion"]
    step = (
        f"{stage_label(names[i - 1], lang, register)} → {stage_label(bottleneck, lang, register)}"
    )
    rate = fmt_rate(conv)
    return f"{label('bottleneck', lang)}: {step} ({rate})"


def _count_section(
    key: str, items: list[dict], name: str, lang: str, register: str | None = None
) -> Section:
    rows = [
        [
            stage_label(it[name], lang, register)
            if register and it[name] != "(none)"
            else it[name],
            it["count"],
        ]
        for it in items
    ]
    return Section(
        key,
        label(key, lang),
        [name, "count"],
        [label(name, lang), label("count", lang)],
        rows,
        ["text", "int"],
    )


def funnel_sections(result, lang: str, fmt: str) -> tuple[str, list[Section]]:
    heading = _heading(
        label("funnel", lang), lang, result.period.start, result.period.end, result.as_of, result.by
    )
    o, ld = result.opportunities, result.leads
    secs = [
        _stage_section(
            "stages",
            f"{label('funnel', lang)} ({o['opportunities']})",
            o["stages"],
            lang,
            "opportunities",
            o["bottleneck"],
        ),
        _count_section("lost_reasons", o["lost_reasons"], "reason", lang),
        _count_section("lost_at_stage", o["lost_at_stage"], "stage", lang, "opportunities"),
        _stage_section(
            "lead_stages",
            f"{label('lead_funnel', lang)} ({ld['leads']})",
            ld["stages"],
            lang,
            "leads",
            ld["bottleneck"],
        ),
        _count_section("disqualify_reasons", ld["disqualify_reasons"], "reason", lang),
    ]
    if fmt == "csv":
        for sec in secs:  # canonical codes in CSV
            if sec.key in ("stages", "lead_stages"):
                src = o["stages"] if sec.key == "stages" else ld["stages"]
                for row, s in zip(sec.rows, src, strict=True):
                    row[0] = s["stage"]
    for g in result.groups:
        cols = ["stage", "reached", "conversion"]
        rows = [
            [
                stage_label(s["stage"], lang) if fmt != "csv" else s["stage"],
                s["reached"],
                s["conversion"],
            ]
            for s in g["stages"]
        ]
        note = bottleneck_note(g["stages"], g["bottleneck"], lang)
        secs.append(
            Section(
                f"group:{g['key']}",
                f"{group_label(result.by, g['key'], lang)} ({g['opportunities']})",
                cols,
                [label(c, lang) for c in cols],
                rows,
                ["text", "int", "rate"],
                notes=[note],
            )
        )
    return heading, secs


FORECAST_COLS = [
    "month",
    "deals",
    "open_pipeline",
    "weighted_pipeline",
    "receivables",
    "expected_cash",
]
FORECAST_KINDS = ["text", "int", "money", "money", "int", "money"]


def _forecast_section(key: str, title: str, data: dict, lang: str, fmt: str) -> Section:
    rows = [[r["month"], *(r[c] for c in FORECAST_COLS[1:])] for r in data["rows"]]
    for extra in ("overdue", "later", "undated"):
        rows.append(
            [
                label(extra, lang) if fmt != "csv" else extra,
                *(data[extra][c] for c in FORECAST_COLS[1:]),
            ]
        )
    headers = [label(c, lang) for c in FORECAST_COLS]
    return Section(
        key, title, FORECAST_COLS, headers, rows, FORECAST_KINDS, alert_rows={len(rows) - 3}
    )


def forecast_sections(result, lang: str, fmt: str) -> tuple[str, list[Section]]:
    data = result.to_json()
    heading = _heading(label("forecast", lang), lang, as_of=result.as_of, by=result.by)
    secs = [_forecast_section("forecast", label("forecast", lang), data, lang, fmt)]
    for g in data["groups"]:
        secs.append(
            _forecast_section(
                f"group:{g['key']}", group_label(result.by, g["key"], lang), g, lang, fmt
            )
        )
    return heading, secs


def weekly_sections(data: dict, lang: str, fmt: str) -> tuple[str, list[Section]]:
    from salesops.reports.metrics import MONEY
    from salesops.reports.summary import HEADLINE

    week = data.get("week") or ""
    heading = _heading(f"{label('weekly', lang)} {week}".strip(), lang, data["from"], data["to"])
    limit = None if fmt in ("csv", "xlsx") else LIST_LIMIT
    head_rows = []
    for k in HEADLINE:
        this, prev = data["headline"][k]["this"], data["headline"][k]["previous"]
        change = None if this is None or prev is None else this - prev
        head_rows.append([label(k, lang) if fmt != "csv" else k, this, prev, change])
    head = Section(
        "headline",
        label("headline", lang),
        ["metric", "this", "previous", "change"],
        [label(c, lang) for c in ("metric", "this", "previous", "change")],
        head_rows,
        ["text", "text", "text", "text"],
        row_kinds=["money" if k in MONEY else "int" for k in HEADLINE],
        alert_rows={HEADLINE.index("overdue_amount")},
    )
    money_kinds = {
        "amount": "money",
        "lost_at_stage": "stage",
        "stage": "stage",
        "days_left": "int",
        "days_in_stage": "int",
        "method": "enum:payments",
        "status": "enum:quotes",
    }
    secs = [head]
    secs.append(
        _list_section(
            "won_deals",
            label("won_deals", lang),
            data["won_deals"],
            ["opportunity_id", "name", "account_name", "owner", "amount", "closed_on"],
            money_kinds,
            lang,
            limit,
        )
    )
    secs.append(
        _list_section(
            "lost_deals",
            label("lost_deals", lang),
            data["lost_deals"],
            [
                "opportunity_id",
                "name",
                "account_name",
                "owner",
                "amount",
                "lost_at_stage",
                "lost_reason",
            ],
            money_kinds,
            lang,
            limit,
        )
    )
    secs.append(
        _list_section(
            "contracts_signed",
            label("contracts_list", lang),
            data["contracts_signed"],
            ["contract_id", "title", "account_name", "owner", "amount", "signed_on"],
            money_kinds,
            lang,
            limit,
        )
    )
    secs.append(
        _list_section(
            "collections",
            label("collections_list", lang),
            data["collections"],
            ["payment_id", "receivable_id", "account_name", "received_on", "amount", "method"],
            money_kinds,
            lang,
            limit,
        )
    )
    ocols = [
        "receivable_id",
        "account_name",
        "owner",
        "invoice_no",
        "due_date",
        "days_overdue",
        "outstanding",
    ]
    secs.append(
        _list_section(
            "newly_overdue",
            label("newly_overdue", lang),
            data["newly_overdue"],
            ocols,
            OVERDUE_KINDS,
            lang,
            limit,
            ("days_overdue", "outstanding"),
        )
    )
    secs.append(
        _list_section(
            "top_overdue",
            label("top_overdue", lang),
            data["top_overdue"],
            ocols,
            OVERDUE_KINDS,
            lang,
            limit,
            ("days_overdue", "outstanding"),
        )
    )
    secs.append(
        _list_section(
            "expiring_quotes",
            label("expiring_quotes", lang),
            data["expiring_quotes"],
            [
                "quote_id",
                "opportunity_name",
                "account_name",
                "owner",
                "status",
                "amount",
                "valid_until",
                "days_left",
            ],
            money_kinds,
            lang,
            limit,
        )
    )
    secs.append(
        _list_section(
            "stalled_opportunities",
            label("stalled_opportunities", lang),
            data["stalled_opportunities"],
            [
                "opportunity_id",
                "name",
                "account_name",
                "owner",
                "stage",
                "amount",
                "stage_changed_on",
                "days_in_stage",
            ],
            money_kinds,
            lang,
            limit,
        )
    )
    secs.append(_forecast_section("forecast", label("forecast", lang), data["forecast"], lang, fmt))
    problems = data["data_problems"]
    shown = label("validate_missing", lang) if problems is None else f"{problems:,}"
    note = f"{label('data_problems', lang)}: {shown}" + (
        f" — {label('run_validate', lang)}" if problems else ""
    )
    secs[-1].notes.append(note)
    if fmt == "csv":
        secs.append(
            Section(
                "data_problems",
                label("data_problems", lang),
                ["data_problems"],
                ["data_problems"],
                [[problems]],
                ["int"],
            )
        )
    return heading, secs
