"""Each report as people read it: its sections (typed columns, rows) and charts, in one language.

A view takes a report's result (what `-f json` prints, with typed values)
and the language, and returns a `render.Report`; every format is rendered
from it by the shared renderers in `salesops.reports.render`. A new report
needs only its view (here, or beside its computation): `kpi_view` is the
pattern for a metric table, `overdue_view` for a list with a total, and
`salesops.reports.views_weekly.weekly_view` for a page of sections with
charts. The helpers below (`list_section`, `columns_of`, `subtitle`, the
charts) are for every view.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from salesops.i18n import translate
from salesops.reports.labels import (
    AS_OF,
    BOTTLENECK,
    BY,
    COUNT,
    NO_BOTTLENECK,
    RECONCILED,
    SPAN,
    bucket_label,
    group_label,
    label,
    stage_label,
    value_label,
)
from salesops.reports.outlook import FIGURES
from salesops.reports.render import Chart, Column, Report, Section, Series
from salesops.reports.render.cells import fmt_rate


def span(start: dt.date, end: dt.date, lang: str) -> str:
    return translate(SPAN, lang).format(start=start.isoformat(), end=end.isoformat())


def subtitle(lang: str, currency: str, as_of: dt.date | None = None, by: str | None = None) -> str:
    parts = []
    if as_of is not None:
        parts.append(translate(AS_OF, lang).format(date=as_of.isoformat()))
    if by:
        parts.append(translate(BY, lang).format(field=label(by, lang)))
    parts.append(currency)
    return " · ".join(parts)


def columns_of(keys: list[str], kinds: dict[str, str], lang: str) -> list[Column]:
    return [Column(k, label(k, lang), kinds.get(k, "text")) for k in keys]


def _counted(key: str, n: int, lang: str) -> str:
    return translate(COUNT, lang).format(title=label(key, lang), n=n)


# ---------------------------------------------------------------- kpi


def metric_kind(metric: str) -> str:
    """How a kpi metric's values read: money, rate, days or a count."""
    from salesops.reports.metrics import DAYS, MONEY, RATES

    if metric in MONEY:
        return "money"
    if metric in RATES:
        return "rate"
    if metric in DAYS or metric == "csat_avg":
        return "days"
    return "int"


def kpi_view(result, lang: str, currency: str) -> Report:
    """One metric table: a row per metric, a column for the total and each group."""
    from salesops.reports.metrics import METRICS

    keys = [k for k, _ in result.groups]
    columns = [
        Column("metric", label("metric", lang)),
        Column("total", label("total", lang), "money"),
    ]
    columns += [Column(k, group_label(result.by, k, lang), "money") for k in keys]
    rows = [[label(m, lang), result.totals[m], *(g[m] for _, g in result.groups)] for m in METRICS]
    sec = Section(
        "kpi",
        label("kpi", lang),
        columns,
        rows,
        row_kinds=[metric_kind(m) for m in METRICS],
        alert_rows={METRICS.index("overdue_amount"), METRICS.index("overdue_ratio")},
    )
    title = f"{label('kpi', lang)} {span(result.period.start, result.period.end, lang)}"
    return Report(
        "kpi",
        title,
        subtitle(lang, currency, result.as_of, result.by),
        lang,
        currency,
        [sec],
        as_of=result.as_of,
    )


# ---------------------------------------------------------------- aging and overdue


def aging_chart(buckets: list[str], totals: dict[str, Any], lang: str) -> Chart:
    return Chart(
        "bar",
        label("aging", lang),
        [bucket_label(b, lang) for b in buckets],
        [Series(label("amount", lang), [totals[b] for b in buckets])],
        alert=frozenset(i for i, b in enumerate(buckets) if b != "not_due"),
        axis=label("days_overdue", lang),
    )


def aging_view(result, lang: str, currency: str) -> Report:
    """Outstanding per group and bucket, with a total row; a bar chart of the buckets."""
    named = result.by == "account"  # owners, teams, regions: the key is the name
    values = [*result.buckets, "overdue", "total"] + (["unapplied"] if named else [])
    first = label(result.by if result.by in ("account", "owner", "team", "region") else "key", lang)
    columns = [Column("key", first)] + ([Column("name", label("name", lang))] if named else [])
    lead = len(columns)
    columns += [Column(b, bucket_label(b, lang), "money") for b in result.buckets]
    columns += [
        Column("overdue", label("overdue", lang), "money"),
        Column("total", label("total", lang), "money"),
    ]
    if named:  # cash received but not applied yet (预收款), beside what each account owes
        columns.append(Column("unapplied", label("unapplied_amount", lang), "money"))
    rows = [
        [
            group_label(result.by, r["key"], lang),
            *([r["name"]] if named else []),
            *(r[k] for k in values),
        ]
        for r in result.rows
    ]
    rows.append(
        [label("total", lang), *([None] if named else []), *(result.totals[k] for k in values)]
    )
    sec = Section(
        "aging",
        label("aging", lang),
        columns,
        rows,
        # every bucket past "not due", and overdue
        alert_columns=set(range(lead + 1, lead + len(result.buckets) + 1)),
        total_rows={len(rows) - 1},
    )
    return Report(
        "aging",
        label("aging", lang),
        subtitle(lang, currency, result.as_of, result.by),
        lang,
        currency,
        [sec],
        [aging_chart(result.buckets, result.totals, lang)],
        as_of=result.as_of,
    )


OVERDUE_KINDS = {
    "amount": "money",
    "collected_amount": "money",
    "outstanding": "money",
    "days_overdue": "int",
    "due_date": "date",
}


def list_section(
    key: str,
    title: str,
    items: list[dict],
    keys: list[str],
    kinds: dict[str, str],
    lang: str,
    limit: int | None = None,
    alert: tuple[str, ...] = (),
    enums: dict[str, str] | None = None,
) -> Section:
    """A list section: one row per item, enum codes shown in `lang`."""
    enums = enums or {}
    rows = []
    for it in items:
        row = []
        for k in keys:
            v = it.get(k)
            if k in enums:
                v = (
                    value_label(k, v, lang, enums[k])
                    if k == "status"
                    else stage_label(v, lang)
                    if enums[k] == "stage"
                    else value_label(k, v, lang)
                )
            row.append(v)
        rows.append(row)
    return Section(
        key,
        title,
        columns_of(keys, kinds, lang),
        rows,
        alert_columns={keys.index(a) for a in alert if a in keys},
        limit=limit,
    )


STALLED_KEYS = [
    "opportunity_id",
    "name",
    "account_name",
    "owner",
    "stage",
    "amount",
    "last_activity_on",
    "days_in_stage",
    "days_quiet",
]
STALLED_KINDS = {
    "amount": "money",
    "stage_changed_on": "date",
    "last_activity_on": "date",
    "days_in_stage": "int",
    "days_quiet": "int",
}


def stalled_section(items: list[dict], lang: str, limit: int | None = None) -> Section:
    """Open deals that neither moved a stage nor had a follow-up for `report.stalled_days`."""
    title = _counted("stalled_opportunities", len(items), lang)
    return list_section(
        "stalled", title, items, STALLED_KEYS, STALLED_KINDS, lang, limit, ("days_quiet",), {"stage": "stage"}
    )


def overdue_view(records: list[dict], as_of: dt.date, lang: str, currency: str) -> Report:
    """Every overdue receivable, most days first, with a total of what is outstanding."""
    from salesops.reports.ar import OVERDUE_FIELDS
    from salesops.reports.dunning import level_label

    shown = [{**r, "level": level_label(r.get("level"), lang)} for r in records]
    sec = list_section(
        "overdue",
        label("overdue_title", lang),
        shown,
        list(OVERDUE_FIELDS),
        {**OVERDUE_KINDS, "due_date": "date"},
        lang,
        alert=("days_overdue", "outstanding"),
        enums={"milestone": "milestone"},
    )
    if records:
        total = sum((Decimal(str(r["outstanding"])) for r in records), Decimal(0))
        row: list = [None] * len(OVERDUE_FIELDS)
        row[0], row[OVERDUE_FIELDS.index("outstanding")] = label("total", lang), total
        sec.rows.append(row)
        sec.total_rows.add(len(sec.rows) - 1)
    return Report(
        "overdue",
        label("overdue_title", lang),
        subtitle(lang, currency, as_of),
        lang,
        currency,
        [sec],
        as_of=as_of,
    )


# ---------------------------------------------------------------- funnel


def bottleneck_note(
    stages: list[dict], bottleneck: str | None, lang: str, register: str = "opportunities"
) -> str:
    """`Bottleneck: negotiation → won (64.0% convert)`: the weakest step, from the stage before."""
    if not bottleneck:
        return translate(NO_BOTTLENECK, lang)
    names = [s["stage"] for s in stages]
    i = names.index(bottleneck)
    step = (
        f"{stage_label(names[i - 1], lang, register)} → {stage_label(bottleneck, lang, register)}"
    )
    return translate(BOTTLENECK, lang).format(step=step, rate=fmt_rate(stages[i]["conversion"]))


STAGE_KINDS = {
    "reached": "int",
    "conversion": "rate",
    "median_days": "days",
    "open": "int",
    "lost": "int",
}


def _stages(
    key: str, title: str, stages: list[dict], lang: str, register: str, bottleneck: str | None
) -> Section:
    keys = ["stage", "reached", "conversion", "median_days", "open", "lost"]
    columns = columns_of(keys, STAGE_KINDS, lang)
    columns[-1] = Column("lost", label("lost_here", lang), "int")
    rows = [
        [stage_label(s["stage"], lang, register), *(s.get(k) for k in keys[1:])] for s in stages
    ]
    return Section(
        key, title, columns, rows, notes=[bottleneck_note(stages, bottleneck, lang, register)]
    )


def _counts(
    key: str, items: list[dict], name: str, lang: str, register: str | None = None
) -> Section:
    rows = [
        [
            stage_label(it[name], lang, register)
            if register and it[name] != "(none)"
            else group_label(None, it[name], lang),
            it["count"],
        ]
        for it in items
    ]
    return Section(key, label(key, lang), columns_of([name, "count"], {"count": "int"}, lang), rows)


def funnel_chart(
    title: str, stages: list[dict], lang: str, register: str = "opportunities"
) -> Chart:
    return Chart(
        "funnel",
        title,
        [stage_label(s["stage"], lang, register) for s in stages],
        [Series(label("reached", lang), [s["reached"] for s in stages])],
        unit="int",
        notes=[
            "" if s["conversion"] is None else f"({s['conversion'] * 100:.0f}%)" for s in stages
        ],
        axis=label("stage", lang),
    )


def funnel_view(result, lang: str, currency: str) -> Report:
    """Stages reached (deals and leads), lost reasons, per group; the two funnels as charts."""
    o, ld = result.opportunities, result.leads
    deals = _counted("funnel", o["opportunities"], lang)
    leads = _counted("lead_funnel", ld["leads"], lang)
    secs = [
        _stages("stages", deals, o["stages"], lang, "opportunities", o["bottleneck"]),
        _counts("lost_reasons", o["lost_reasons"], "reason", lang),
        _counts("lost_at_stage", o["lost_at_stage"], "stage", lang, "opportunities"),
        _stages("lead_stages", leads, ld["stages"], lang, "leads", ld["bottleneck"]),
        _counts("disqualify_reasons", ld["disqualify_reasons"], "reason", lang),
        stalled_section(result.stalled, lang),
    ]
    for g in result.groups:
        keys = ["stage", "reached", "conversion"]
        rows = [[stage_label(s["stage"], lang), s["reached"], s["conversion"]] for s in g["stages"]]
        title = translate(COUNT, lang).format(
            title=group_label(result.by, g["key"], lang), n=g["opportunities"]
        )
        secs.append(
            Section(
                f"group:{g['key']}",
                title,
                columns_of(keys, STAGE_KINDS, lang),
                rows,
                notes=[bottleneck_note(g["stages"], g["bottleneck"], lang)],
            )
        )
    charts = [
        funnel_chart(deals, o["stages"], lang),
        funnel_chart(leads, ld["stages"], lang, "leads"),
    ]
    title = f"{label('funnel', lang)} {span(result.period.start, result.period.end, lang)}"
    return Report(
        "funnel",
        title,
        subtitle(lang, currency, result.as_of, result.by),
        lang,
        currency,
        secs,
        charts,
        as_of=result.as_of,
    )


# ---------------------------------------------------------------- forecast


# the forecast's figures people read (the count of invoiced receivables stays in JSON)
FORECAST_KEYS = ["month", *(f for f in FIGURES if f != "receivables")]
FORECAST_KINDS = {"deals": "int", **{k: "money" for k in FORECAST_KEYS[2:]}}
CASH_KEYS = ("invoiced", "scheduled", "pipeline_cash")  # the three kinds of expected cash, charted


def forecast_section(key: str, title: str, data: dict, lang: str) -> Section:
    rows = [[r["month"], *(r[k] for k in FORECAST_KEYS[1:])] for r in data["rows"]]
    for extra in ("overdue", "later", "undated"):
        rows.append([label(extra, lang), *(data[extra][k] for k in FORECAST_KEYS[1:])])
    return Section(
        key,
        title,
        columns_of(FORECAST_KEYS, FORECAST_KINDS, lang),
        rows,
        alert_rows={len(rows) - 3},
    )


def forecast_chart(data: dict, lang: str) -> Chart:
    months = [r["month"] for r in data["rows"]]
    return Chart(
        "bar",
        label("expected_cash_chart", lang),
        [*months, label("overdue", lang)],
        [
            Series(label(k, lang), [*(r[k] for r in data["rows"]), data["overdue"][k]])
            for k in CASH_KEYS
        ],
        alert=frozenset({len(months)}),
        axis=label("month", lang),
    )


def forecast_view(result, lang: str, currency: str) -> Report:
    """Per coming month, then overdue, later and undated; per group; a chart of pipeline and cash."""
    from salesops.reports.outlook import RECONCILIATION

    data = result.to_json()
    secs = [forecast_section("forecast", label("by_month", lang), data, lang)]
    for g in data["groups"]:
        secs.append(
            forecast_section(f"group:{g['key']}", group_label(result.by, g["key"], lang), g, lang)
        )
    recon = data["reconciliation"]
    columns = [Column("item", label("item", lang)), Column("total", label("total", lang), "money")]
    columns += [
        Column(g["key"], group_label(result.by, g["key"], lang), "money") for g in data["groups"]
    ]
    rows = [
        [label(k, lang), recon[k], *(g["reconciliation"][k] for g in data["groups"])]
        for k in RECONCILIATION
    ]
    secs.append(
        Section(
            "reconciliation",
            label("reconciliation", lang),
            columns,
            rows,
            row_kinds=["money"] * len(rows),
            notes=[translate(RECONCILED, lang)],
        )
    )
    return Report(
        "forecast",
        label("forecast", lang),
        subtitle(lang, currency, result.as_of, result.by),
        lang,
        currency,
        secs,
        [forecast_chart(data, lang)],
        as_of=result.as_of,
    )
