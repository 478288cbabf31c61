"""The daily desk as people read it: follow-ups per rep and type, next steps due, the pool's week.

Views in the pattern of `salesops.reports.views`: a result in, a
`render.Report` (or the sections the weekly summary adds) out, in one
language; every format is rendered from them by the shared renderers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from salesops.reports.labels import COUNT, label
from salesops.reports.render import Chart, Column, Report, Section, Series
from salesops.reports.views import list_section, span, subtitle
from salesops.schema import ACTIVITY_TYPE

STEP_KEYS = [
    "record_id",
    "name",
    "account_name",
    "owner",
    "next_step",
    "next_on",
    "days_overdue",
    "last_activity_on",
]
STEP_KINDS = {"next_on": "date", "last_activity_on": "date", "days_overdue": "int"}
TYPE_EN = {"wechat": "WeChat", "email": "E-mail"}
POOL_KEYS = ["record_id", "name", "owner", "on"]
POOL_KINDS = {"on": "date"}


def type_label(code: str, lang: str) -> str:
    """An activity type as a column header: 拜访 in Chinese, Visit in English."""
    return ACTIVITY_TYPE.label(code, lang) if lang == "zh" else TYPE_EN.get(code, code.capitalize())


def activity_section(
    result_rows: list[dict[str, Any]],
    totals: dict[str, Any] | None,
    by: str,
    lang: str,
    key: str = "activity",
    title: str | None = None,
) -> Section:
    """Activities per rep (or team) and type, with a total row when `totals` are given."""
    first = "rep" if by == "owner" else "team"
    columns = [Column("key", label(first, lang))]
    if by == "owner":
        columns.append(Column("team", label("team", lang)))
    columns += [Column(code, type_label(code, lang), "int") for code in ACTIVITY_TYPE.codes]
    columns += [
        Column("total", label("total", lang), "int"),
        Column("records", label("records", lang), "int"),
    ]
    keys = [c.key for c in columns]
    rows = [
        [_shown_key(r.get(k), lang) if k == "key" else r.get(k) for k in keys] for r in result_rows
    ]
    total_rows = set()
    if totals is not None:
        total_rows.add(len(rows))
        rows.append(
            [
                label("total", lang),
                *([None] if by == "owner" else []),
                *(totals[k] for k in keys[2 if by == "owner" else 1 :]),
            ]
        )
    return Section(
        key, title or label("activity_per_rep", lang), columns, rows, total_rows=total_rows
    )


def _shown_key(key: Any, lang: str) -> Any:
    return label("(none)", lang) if key == "(none)" else key


def activity_view(result, lang: str, currency: str) -> Report:
    """`report activity`: the table per rep (or team) and type, and a chart of each one's total."""
    sec = activity_section(result.rows, result.totals, result.by, lang)
    chart = Chart(
        "bar",
        label("activity_per_rep", lang),
        [str(_shown_key(r["key"], lang)) for r in result.rows],
        [Series(label("total", lang), [r["total"] for r in result.rows])],
        unit="int",
        axis=label("rep" if result.by == "owner" else "team", lang),
    )
    title = f"{label('activity', lang)} {span(result.period.start, result.period.end, lang)}"
    return Report(
        "activity",
        title,
        subtitle(lang, currency, result.as_of, result.by),
        lang,
        currency,
        [sec],
        [chart] if result.rows else [],
        as_of=result.as_of,
    )


def steps_section(
    steps: list[dict[str, Any]], lang: str, key: str = "next_steps", limit: int | None = None
) -> Section:
    """Next steps, most overdue first (days overdue in the alert colour)."""
    from salesops.i18n import translate

    title = translate(COUNT, lang).format(title=label(key, lang), n=len(steps))
    return list_section(key, title, steps, STEP_KEYS, STEP_KINDS, lang, limit, ("days_overdue",))


def next_steps_view(
    steps: list[dict[str, Any]], as_of: dt.date, lang: str, currency: str
) -> Report:
    """`follow due`: every next step due or overdue as of a date."""
    sec = steps_section(steps, lang)
    return Report(
        "next_steps",
        label("next_steps", lang),
        subtitle(lang, currency, as_of),
        lang,
        currency,
        [sec],
        as_of=as_of,
    )


def pool_sections(
    moves: dict[str, list[dict[str, Any]]], lang: str, limit: int | None = None
) -> list[Section]:
    """The records the pool took back and those reps claimed from it."""
    out = []
    for key, title in (("reclaimed", "pool_reclaimed"), ("claimed", "pool_claimed")):
        items = [{**m, "name": m.get("name") or m["record_id"]} for m in moves.get(key, [])]
        out.append(
            list_section(
                f"pool_{key}", label(title, lang), items, POOL_KEYS, POOL_KINDS, lang, limit
            )
        )
    return out
