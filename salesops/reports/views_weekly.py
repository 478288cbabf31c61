"""The weekly summary as people read it: the headline against last week, the week's lists, the forecast, four charts."""

from __future__ import annotations

from typing import Any

from salesops.i18n import translate
from salesops.reports.labels import DATA_PROBLEMS, label
from salesops.reports.render import Chart, Report, Section, Series
from salesops.reports.views import (
    OVERDUE_KINDS,
    STALLED_KEYS,
    aging_chart,
    columns_of,
    forecast_chart,
    forecast_section,
    funnel_chart,
    list_section,
    span,
    subtitle,
)

LIST_LIMIT = 20  # rows of a weekly list people read (csv and xlsx take them all)


def desk_sections(doc: dict[str, Any], lang: str) -> list[Section]:
    """The week at the desk: follow-ups per rep, next steps overdue, the public pool's moves."""
    from salesops.reports.views_desk import activity_section, pool_sections, steps_section

    title = label("activity_per_rep", lang)
    return [
        activity_section(doc.get("activity") or [], None, "owner", lang, "activity", title),
        steps_section(doc.get("overdue_next_steps") or [], lang, "overdue_next_steps", LIST_LIMIT),
        *pool_sections(doc.get("pool") or {}, lang, LIST_LIMIT),
    ]


LIST_KINDS = {
    "amount": "money",
    "days_left": "int",
    "days_in_stage": "int",
    "closed_on": "date",
    "signed_on": "date",
    "received_on": "date",
    "valid_until": "date",
    "stage_changed_on": "date",
    "last_activity_on": "date",
    "days_quiet": "int",
    **OVERDUE_KINDS,
}


def weekly_view(doc: dict[str, Any], lang: str, currency: str) -> Report:
    """The weekly summary: headline against last week, the week's lists, the forecast; four charts."""
    from salesops.reports.metrics import MONEY
    from salesops.reports.summary import HEADLINE

    head_rows = []
    for k in HEADLINE:
        this, prev = doc["headline"][k]["this"], doc["headline"][k]["previous"]
        change = None if this is None or prev is None else this - prev
        head_rows.append([label(k, lang), this, prev, change])
    head = Section(
        "headline",
        label("headline", lang),
        columns_of(["metric", "this", "previous", "change"], {}, lang),
        head_rows,
        row_kinds=["money" if k in MONEY else "int" for k in HEADLINE],
        alert_rows={HEADLINE.index("overdue_amount")},
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
    lists = (
        (
            "won_deals",
            "won_deals",
            ["opportunity_id", "name", "account_name", "owner", "amount", "closed_on"],
            {},
        ),
        (
            "lost_deals",
            "lost_deals",
            [
                "opportunity_id",
                "name",
                "account_name",
                "owner",
                "amount",
                "lost_at_stage",
                "lost_reason",
            ],
            {"lost_at_stage": "stage"},
        ),
        (
            "contracts_signed",
            "contracts_list",
            ["contract_id", "title", "account_name", "owner", "amount", "signed_on"],
            {},
        ),
        (
            "collections",
            "collections_list",
            ["payment_id", "receivable_id", "account_name", "received_on", "amount", "method"],
            {"method": "payments"},
        ),
        ("newly_overdue", "newly_overdue", ocols, {}),
        ("top_overdue", "top_overdue", ocols, {}),
        (
            "expiring_quotes",
            "expiring_quotes",
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
            {"status": "quotes"},
        ),
        (
            "stalled_opportunities",
            "stalled_opportunities",
            STALLED_KEYS,
            {"stage": "stage"},
        ),
    )
    secs = [head]
    for key, title, keys, enums in lists:
        alert = ("days_overdue", "outstanding") if "overdue" in key else ()
        secs.append(
            list_section(
                key, label(title, lang), doc[key], keys, LIST_KINDS, lang, LIST_LIMIT, alert, enums
            )
        )
    secs += desk_sections(doc, lang)
    forecast = forecast_section("forecast", label("forecast", lang), doc["forecast"], lang)
    secs.append(forecast)
    problems = doc["data_problems"]
    shown = label("validate_missing", lang) if problems is None else f"{problems:,}"
    note = translate(DATA_PROBLEMS, lang).format(n=shown)
    forecast.notes.append(note + (f" — {label('run_validate', lang)}" if problems else ""))

    aging, fn, trend = doc["aging"], doc["funnel"], doc["trend"]
    funnel_title = label("funnel_chart", lang)
    charts = [
        funnel_chart(funnel_title, fn["stages"], lang),
        aging_chart(aging["buckets"], aging["totals"], lang),
        Chart(
            "line",
            label("trend", lang),
            [t["week"] for t in trend],
            [
                Series(label(k, lang), [t[k] for t in trend])
                for k in ("bookings", "collections", "won_amount")
            ],
            axis=label("week", lang),
        ),
        forecast_chart(doc["forecast"], lang),
    ]
    week = doc.get("week")
    title = " ".join(
        p for p in (label("weekly", lang), week, span(doc["from"], doc["to"], lang)) if p
    )
    return Report(
        "weekly",
        title,
        subtitle(lang, currency, doc["as_of"]),
        lang,
        currency,
        secs,
        charts,
        as_of=doc["as_of"],
    )
