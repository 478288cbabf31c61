"""`report weekly`: the summary a cron job mails every Monday.

The week is an ISO week (`--week 2026-W48`), or the 7 days ending `--as-of`,
by default the last complete ISO week before today. Its last day is the
as-of date of every figure. Sections: headline KPIs against the previous
week, won and lost deals, contracts signed, collections, receivables that
became overdue during the week (their first overdue day fell in it), the top
overdue, quotes expiring in the next 7 days, stalled opportunities (open, no
stage change and no follow-up for `report.stalled_days`), the 3-month forecast,
follow-ups per rep, next steps overdue, the public pool's week, the number of
data problems `validate` finds, and for the charts: aging buckets, the funnel
of the last 13 weeks and an 8-week trend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from salesops.reports import activity as desk
from salesops.reports import ar as aging_mod
from salesops.reports import funnels as funnel_mod
from salesops.reports import metrics as kpi_mod
from salesops.reports import outlook as forecast_mod
from salesops.reports.ar import receivables_as_of
from salesops.reports.data import (
    ReportData,
    account_names,
    between,
    cents,
    day_array,
    days_between,
    money,
    records,
    ts,
)
from salesops.reports.periods import Period, week_label, weekly_period

HEADLINE = (
    "new_leads",
    "converted_leads",
    "won",
    "won_amount",
    "lost",
    "contracts_signed",
    "bookings",
    "collections",
    "ar_outstanding",
    "overdue_amount",
)
TOP_OVERDUE = 10
TREND_WEEKS = 8
FUNNEL_WEEKS = 13
EXPIRING_DAYS = 7
OPEN_QUOTES = ("approved", "sent")
OVERDUE_EXTRA = ("contract_id", "account_id", "owner", "milestone", "invoice_no")


@dataclass
class WeeklyResult:
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return self.data


def weekly(
    data: ReportData, today: dt.date, week: str | None = None, as_of: dt.date | None = None
) -> WeeklyResult:
    """Everything of the weekly summary, JSON-ready (money as Decimal)."""
    period = weekly_period(today, week, as_of)
    # every register read in full (the sections reuse them); problems judged as of the week's end,
    # so a past week's report is the same whatever today is
    problems = data_problems(data, period.end)
    end = period.end
    receivables_as_of(data, end, OVERDUE_EXTRA)  # once, with every column the sections need
    prev = period.previous()
    this_k = kpi_mod.compute(data, period, end).totals
    prev_k = kpi_mod.compute(data, prev, prev.end).totals
    monday = period.start.weekday() == 0
    out: dict[str, Any] = {
        "from": period.start,
        "to": period.end,
        "as_of": end,
        "week": week_label(period.start) if monday else None,
        "headline": {k: {"this": this_k[k], "previous": prev_k[k]} for k in HEADLINE},
        "won_deals": _deals(data, period, "won"),
        "lost_deals": _deals(data, period, "lost"),
        "contracts_signed": _contracts(data, period),
        "collections": _collections(data, period),
        "newly_overdue": _newly_overdue(data, period),
        "top_overdue": _top_overdue(data, end),
        "expiring_quotes": _expiring_quotes(data, end),
        "stalled_opportunities": desk.stalled(data, end),
        "forecast": forecast_mod.forecast(data, end, 3).to_json(),
        "activity": desk.activity(data, period, end).rows,
        "overdue_next_steps": [s for s in desk.next_steps(data, end) if s["days_overdue"] > 0],
        "pool": desk.pool_moves(data, period),
        "data_problems": None,  # counted beside the sections; filled in last
    }
    buckets, totals = aging_mod.aging_totals(data, end)
    out["aging"] = {"buckets": buckets, "totals": totals}
    span = Period(end - dt.timedelta(days=7 * FUNNEL_WEEKS - 1), end)
    stages, neck = funnel_mod.opportunity_stages(data, span, end)
    out["funnel"] = {
        "from": span.start,
        "to": span.end,
        "stages": [{k: s[k] for k in ("stage", "reached", "conversion")} for s in stages],
        "bottleneck": neck,
    }
    out["trend"] = _trend(data, period)
    out["data_problems"] = problems()
    return WeeklyResult(out)


# ---------------------------------------------------------------- sections


def _deals(data: ReportData, period: Period, stage: str) -> list[dict[str, Any]]:
    opp = data.frame(
        "opportunities",
        [
            "name",
            "account_id",
            "owner",
            "stage",
            "amount",
            "closed_on",
            "lost_reason",
            "lost_at_stage",
            "competitor",
        ],
    )
    sel = opp[
        between(opp["closed_on"], period.start, period.end)
        & (opp["stage"] == stage).to_numpy(dtype=bool)
    ].copy()
    sel["account_name"] = account_names(data, sel["account_id"])
    sel = sel.sort_values(["amount", "opportunity_id"], ascending=[False, True], kind="stable")
    cols = ["opportunity_id", "name", "account_id", "account_name", "owner", "amount", "closed_on"]
    if stage == "lost":
        cols += ["lost_at_stage", "lost_reason", "competitor"]
    return records(sel, cols, money_cols=("amount",))


def _contracts(data: ReportData, period: Period) -> list[dict[str, Any]]:
    con = data.frame(
        "contracts", ["title", "opportunity_id", "account_id", "owner", "amount", "signed_on"]
    )
    sel = con[between(con["signed_on"], period.start, period.end)].copy()
    sel["account_name"] = account_names(data, sel["account_id"])
    sel = sel.sort_values(["amount", "contract_id"], ascending=[False, True], kind="stable")
    cols = [
        "contract_id",
        "title",
        "opportunity_id",
        "account_id",
        "account_name",
        "owner",
        "amount",
        "signed_on",
    ]
    return records(sel, cols, money_cols=("amount",))


def _collections(data: ReportData, period: Period) -> list[dict[str, Any]]:
    from salesops.reports.data import LEFT_OUT, lookup

    pay = data.frame("payments", ["receivable_id", "account_id", "received_on", "amount", "method"])
    rec = data.frame("receivables", ["account_id", "status"])
    status = lookup(pay["receivable_id"], rec["receivable_id"], rec["status"])
    sel = pay[
        between(pay["received_on"], period.start, period.end)
        & ~status.isin(LEFT_OUT).to_numpy(dtype=bool)
    ].copy()
    own = sel["account_id"]
    sel["account_id"] = own.where(
        own.notna(), lookup(sel["receivable_id"], rec["receivable_id"], rec["account_id"])
    )
    sel["account_name"] = account_names(data, sel["account_id"])
    sel = sel.sort_values(["received_on", "payment_id"], kind="stable")
    cols = [
        "payment_id",
        "receivable_id",
        "account_id",
        "account_name",
        "received_on",
        "amount",
        "method",
    ]
    return records(sel, cols, money_cols=("amount",))


def _newly_overdue(data: ReportData, period: Period) -> list[dict[str, Any]]:
    """Receivables whose first overdue day (due_date + 1) fell in the week and still owe money."""
    df = aging_mod.overdue_frame(data, period.end, 1)
    df = df[df["days_overdue"] <= period.days]
    return records(
        df,
        list(aging_mod.OVERDUE_FIELDS),
        money_cols=aging_mod.MONEY_FIELDS,
        int_cols=("days_overdue",),
    )


def _top_overdue(data: ReportData, as_of: dt.date) -> list[dict[str, Any]]:
    df = aging_mod.overdue_frame(data, as_of, 1)
    df = df.sort_values(
        ["outstanding", "days_overdue", "receivable_id"],
        ascending=[False, False, True],
        kind="stable",
    ).head(TOP_OVERDUE)
    return records(
        df,
        list(aging_mod.OVERDUE_FIELDS),
        money_cols=aging_mod.MONEY_FIELDS,
        int_cols=("days_overdue",),
    )


def _expiring_quotes(data: ReportData, as_of: dt.date) -> list[dict[str, Any]]:
    """Approved or sent quotes whose validity ends in the 7 days after as-of."""
    import pandas as pd

    from salesops.reports.data import lookup

    q = data.frame("quotes", ["opportunity_id", "version", "status", "amount", "valid_until"])
    sel = q[
        q["status"].isin(OPEN_QUOTES).to_numpy(dtype=bool)
        & between(
            q["valid_until"], as_of + dt.timedelta(days=1), as_of + dt.timedelta(days=EXPIRING_DAYS)
        )
    ].copy()
    opp = data.frame("opportunities", ["name", "account_id", "owner"])
    sel["opportunity_name"] = lookup(sel["opportunity_id"], opp["opportunity_id"], opp["name"])
    sel["owner"] = lookup(sel["opportunity_id"], opp["opportunity_id"], opp["owner"])
    sel["account_name"] = account_names(
        data, lookup(sel["opportunity_id"], opp["opportunity_id"], opp["account_id"])
    )
    sel["days_left"] = pd.Series(
        days_between(sel["valid_until"], pd.Series(ts(as_of), index=sel.index)),
        index=sel.index,
    )
    sel = sel.sort_values(["valid_until", "quote_id"], kind="stable")
    cols = [
        "quote_id",
        "opportunity_id",
        "opportunity_name",
        "account_name",
        "owner",
        "status",
        "amount",
        "valid_until",
        "days_left",
    ]
    return records(sel, cols, money_cols=("amount",), int_cols=("days_left",))


def _trend(data: ReportData, period: Period) -> list[dict[str, Any]]:
    """The last 8 weeks ending with this one: new leads, won amount, bookings, collections."""
    import numpy as np

    from salesops.reports.data import LEFT_OUT, lookup

    first = period.end - dt.timedelta(days=7 * TREND_WEEKS - 1)

    def week_of(dates, mask, weights=None):
        d = day_array(dates)
        ok = mask & ~np.isnat(d)
        w = (d[ok] - np.datetime64(first, "D")).astype(np.int64) // 7
        keep = (w >= 0) & (w < TREND_WEEKS)
        wt = None if weights is None else np.asarray(weights)[ok][keep].astype(np.float64)
        return np.rint(np.bincount(w[keep], weights=wt, minlength=TREND_WEEKS)).astype(np.int64)

    leads = data.frame("leads", ["created_on"])
    opp = data.frame("opportunities", ["stage", "amount", "closed_on"])
    con = data.frame("contracts", ["signed_on", "amount"])
    pay = data.frame("payments", ["receivable_id", "received_on", "amount"])
    rec = data.frame("receivables", ["status"])
    kept = ~lookup(pay["receivable_id"], rec["receivable_id"], rec["status"]).isin(
        LEFT_OUT
    ).to_numpy(dtype=bool)
    new_leads = week_of(leads["created_on"], np.ones(len(leads), dtype=bool))
    won = (opp["stage"] == "won").to_numpy(dtype=bool)
    won_amount = week_of(opp["closed_on"], won, cents(opp["amount"]))
    bookings = week_of(con["signed_on"], np.ones(len(con), dtype=bool), cents(con["amount"]))
    collections = week_of(pay["received_on"], kept, cents(pay["amount"]))
    out = []
    for i in range(TREND_WEEKS):
        start = first + dt.timedelta(days=7 * i)
        out.append(
            {
                "week": week_label(start) if start.weekday() == 0 else start.isoformat(),
                "from": start,
                "to": start + dt.timedelta(days=6),
                "new_leads": int(new_leads[i]),
                "won_amount": money(int(won_amount[i])),
                "bookings": money(int(bookings[i])),
                "collections": money(int(collections[i])),
            }
        )
    return out


def data_problems(data: ReportData, today: dt.date) -> Callable[[], int]:
    """How many problems `validate` finds in the workspace, as a callable counting them.

    Counted once per state of the registers: the count of what the checks find is kept
    in the cache (`Workspace.remembered`) while every register, the settings and the date
    stay as they were. Otherwise the registers are read here, all at once and in full (two
    at a time: the readers release the GIL), and shared with the report's sections. The
    edits made by hand that a command would have refused are counted each time.
    """
    import json

    from salesops.core.validate import Options, validate_frames
    from salesops.errors import SalesopsError
    from salesops.schema import REGISTERS
    from salesops.storage import handlog

    names = list(REGISTERS)
    entry = "validate.count"
    depends = {"as_of": today.isoformat(), "settings": json.dumps(data.settings.data, sort_keys=True, default=str)}
    data.ws.read_ahead()  # (from the cache when unchanged, else two at a time)
    try:
        kept = data.ws.remembered(entry, names, depends)
    except SalesopsError:  # a register that cannot be read: counted below
        kept = None
    if kept is not None:
        found = int(kept.column("count")[0].as_py())
        return lambda: found + len(handlog.problems(data.ws, today))
    for name in names:  # framed whole now: the sections' frames are then views of these, not new ones
        try:
            data.full(name)
        except SalesopsError:
            pass  # counted below, as validate reports it
    options = Options(data.settings, today)

    def count() -> int:
        import pyarrow as pa

        frames = {}
        found = 0
        for name in names:
            try:
                frames[name] = data.full(name)
            except SalesopsError:
                found += 1  # an unreadable register is one problem, as validate reports it
                continue
            found += len(frames[name].problems)
        found += len(validate_frames(frames, options))
        if len(frames) == len(names):
            data.ws.remembered(entry, names, depends, lambda: pa.table({"count": [found]}))
        return found + len(handlog.problems(data.ws, today))

    return count
