"""`report kpi`: the metrics of SPEC section 6 for a period, in total and per `--by` group.

Every figure is computed twice by the same code: once with every record in
one group (the totals) and once per group. Counts and cents are plain sums,
so the groups add up to the totals; `weighted_pipeline`, rounded to the cent
from a fraction, is rounded once on the total and then apportioned to the
groups by largest remainder, so it adds up too.

`target` is the bookings target of the period by the calendar-exact rule of
`reports.targetbook`: the company's in total; per rep, team or region (the
sum of its reps') in groups by owner, team or region; none for other
groupings. A company target set in the targets register need not equal the
sum of its teams'.

Events count when their date falls in the period and not after as-of
(replaying the registers as they stood on that date); `ar_outstanding`,
`overdue_amount`, `dso_days` and the open pipeline are taken at as-of.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from salesops.reports.ar import receivables_as_of
from salesops.reports.data import (
    LEFT_OUT,
    NONE_KEY,
    Attribution,
    ReportData,
    between,
    cents,
    days_between,
    lookup,
    money,
    on_or_before,
    order_keys,
)
from salesops.reports.periods import Period

if TYPE_CHECKING:
    import pandas as pd

METRICS = (
    "new_leads",
    "converted_leads",
    "lead_conversion_rate",
    "new_opportunities",
    "won",
    "won_amount",
    "lost",
    "win_rate",
    "avg_won_amount",
    "sales_cycle_days",
    "contracts_signed",
    "bookings",
    "collections",
    "pipeline_value",
    "weighted_pipeline",
    "csat_avg",
    "csat_responses",
    "ar_outstanding",
    "overdue_amount",
    "overdue_ratio",
    "dso_days",
    "target",
    "target_attainment",
)
MONEY = frozenset(
    {
        "won_amount",
        "avg_won_amount",
        "bookings",
        "collections",
        "pipeline_value",
        "weighted_pipeline",
        "ar_outstanding",
        "overdue_amount",
        "target",
    }
)
RATES = frozenset({"lead_conversion_rate", "win_rate", "overdue_ratio", "target_attainment"})
DAYS = frozenset({"sales_cycle_days", "dso_days"})
DSO_WINDOW = 90
TERMINAL = ("won", "lost")

# Raw per-group sums (cents, counts) from which the metrics are finished.
_SUMS = (
    "new_leads",
    "converted_leads",
    "new_opportunities",
    "won",
    "won_amount",
    "lost",
    "contracts_signed",
    "bookings",
    "collections",
    "pipeline_value",
    "weighted_q",
    "weighted_r",
    "csat_sum",
    "csat_responses",
    "ar_outstanding",
    "overdue_amount",
    "invoiced_90",
)


@dataclass
class KpiResult:
    """Metrics of a period: `totals` and one dict per group (in display order)."""

    period: Period
    as_of: dt.date
    by: str | None
    totals: dict[str, Any]
    groups: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.period.start,
            "to": self.period.end,
            "as_of": self.as_of,
            "by": self.by,
            "metrics": self.totals,
            "groups": [{"key": k, "metrics": m} for k, m in self.groups],
        }

    def frame(self) -> pd.DataFrame:
        """Groups (and the total as the last row, key `(total)`) × metrics; money as float."""
        import pandas as pd

        rows = [{"key": k, **m} for k, m in self.groups] + [{"key": "(total)", **self.totals}]
        df = pd.DataFrame(rows).set_index("key")
        for name in MONEY:
            df[name] = df[name].map(lambda v: None if v is None else float(v))
        return df


def compute(data: ReportData, period: Period, as_of: dt.date, by: str | None = None) -> KpiResult:
    """The KPIs of `period` as of `as_of`, in total and per `by` group."""
    from salesops.reports.targetbook import COMPANY, Subject, TargetBook

    book = TargetBook.from_data(data)
    total_raw, total_cycle = _sums(data, period, as_of, Attribution(data, None))
    target = book.target(Subject(COMPANY), "bookings", period)
    totals = _finish(total_raw.iloc[0], total_cycle.get(NONE_KEY), target)
    result = KpiResult(period, as_of, by, totals)
    if not by:
        return result
    attribution = Attribution(data, by)
    raw, cycles = _sums(data, period, as_of, attribution)
    if NONE_KEY in raw.index and not raw.loc[NONE_KEY].any():
        raw = raw.drop(index=NONE_KEY)  # nothing unattributed: no "(none)" group
    keys = order_keys(list(raw.index))
    groups = [
        (k, _finish(raw.loc[k], cycles.get(k), group_target(book, attribution.kind, k, period)))
        for k in keys
    ]
    _apportion(
        groups, "weighted_pipeline", totals, [_weighted_num(raw.loc[k]) for k in keys], 10_000
    )
    result.by = attribution.label
    result.groups = groups
    return result


def group_target(book, kind: str | None, key: str, period: Period) -> int | None:
    """The bookings target (cents) of a `--by owner|team|region` group; None for other groupings."""
    from salesops.reports.targetbook import REP, TEAM, Subject

    if key == NONE_KEY:
        return None
    if kind == "owner":
        return book.target(Subject(REP, key), "bookings", period)
    if kind == "team":
        return book.target(Subject(TEAM, key), "bookings", period)
    if kind == "region":
        got = [book.target(Subject(REP, r.key), "bookings", period) for r in book.reps if r.region == key]
        got = [g for g in got if g is not None]
        return sum(got) if got else None
    return None


def actuals(data: ReportData, period: Period, as_of: dt.date, by: str | None) -> dict[str, dict[str, int]]:
    """What each `by` group (the whole company when None) reached in the period, per target metric.

    Money in cents, counts as whole numbers: bookings, collections, won_amount,
    new_leads, won_count — the kpi figures of the same names (won_count is `won`).
    """
    raw, _ = _sums(data, period, as_of, Attribution(data, by))
    names = {"bookings": "bookings", "collections": "collections", "won_amount": "won_amount",
             "new_leads": "new_leads", "won_count": "won"}  # fmt: skip
    return {str(k): {m: int(raw.loc[k, c]) for m, c in names.items()} for k in raw.index}


# ---------------------------------------------------------------- raw sums per group


def _sums(data: ReportData, period: Period, as_of: dt.date, attr: Attribution):
    """(frame of raw sums indexed by group key, {key: median sales cycle days})."""
    import numpy as np
    import pandas as pd

    end = min(period.end, as_of)
    parts: dict[str, pd.Series] = {}

    def add(name: str, keys: pd.Series, mask, values=None) -> None:
        k = keys.to_numpy()[mask]
        v = np.ones(len(k), dtype=np.int64) if values is None else np.asarray(values)[mask]
        s = pd.Series(v, index=k)
        parts[name] = s.groupby(level=0).sum() if len(s) else pd.Series(dtype=np.int64)

    # leads
    leads = data.frame("leads", ["created_on", "status", "status_changed_on"])
    lk = attr.keys("leads")
    new = between(leads["created_on"], period.start, end)
    converted = (
        new
        & (leads["status"] == "converted").to_numpy(dtype=bool)
        & (
            leads["status_changed_on"].isna().to_numpy()
            | on_or_before(leads["status_changed_on"], as_of)
        )
    )
    add("new_leads", lk, new)
    add("converted_leads", lk, converted)

    # opportunities
    opp = data.frame(
        "opportunities",
        ["stage", "amount", "probability", "created_on", "closed_on", "lead_id", "lost_at_stage"],
    )
    ok = attr.keys("opportunities")
    stage = opp["stage"]
    amount = cents(opp["amount"])
    closed = between(opp["closed_on"], period.start, end)
    won = closed & (stage == "won").to_numpy(dtype=bool)
    lost = closed & (stage == "lost").to_numpy(dtype=bool)
    add("new_opportunities", ok, between(opp["created_on"], period.start, end))
    add("won", ok, won)
    add("won_amount", ok, won, amount)
    add("lost", ok, lost)
    cycles = _cycles(data, opp, ok, won)

    q, r, pipeline_mask = _weighted(data, opp, as_of)
    add("pipeline_value", ok, pipeline_mask, amount)
    add("weighted_q", ok, pipeline_mask, q)
    add("weighted_r", ok, pipeline_mask, r)

    # contracts
    con = data.frame("contracts", ["signed_on", "amount"])
    ck = attr.keys("contracts")
    signed = between(con["signed_on"], period.start, end)
    add("contracts_signed", ck, signed)
    add("bookings", ck, signed, cents(con["amount"]))

    # payments (on receivables not written off or cancelled)
    pay = data.frame("payments", ["receivable_id", "received_on", "amount"])
    pk = attr.keys("payments")
    rec_all = data.frame("receivables", ["status"])
    status = lookup(pay["receivable_id"], rec_all["receivable_id"], rec_all["status"])
    received = between(pay["received_on"], period.start, end) & ~status.isin(LEFT_OUT).to_numpy(
        dtype=bool
    )
    add("collections", pk, received, cents(pay["amount"]))

    # deliveries
    dlv = data.frame("deliveries", ["accepted_on", "csat"])
    dk = attr.keys("deliveries")
    rated = between(dlv["accepted_on"], period.start, end) & dlv["csat"].notna().to_numpy(
        dtype=bool
    )
    add("csat_sum", dk, rated, dlv["csat"].fillna(0).to_numpy(dtype=np.int64))
    add("csat_responses", dk, rated)

    # receivables as of
    rec = receivables_as_of(data, as_of)
    rk = attr.keys("receivables").loc[rec.index]
    every = np.ones(len(rec), dtype=bool)
    overdue = (rec["days_overdue"] >= 1).to_numpy(dtype=bool)
    add("ar_outstanding", rk, every, rec["outstanding"].to_numpy())
    add("overdue_amount", rk, overdue, rec["outstanding"].to_numpy())
    recent = between(rec["invoiced_on"], as_of - dt.timedelta(days=DSO_WINDOW - 1), as_of)
    add("invoiced_90", rk, recent, rec["amount"].to_numpy())

    raw = pd.DataFrame({n: parts.get(n, pd.Series(dtype=np.int64)) for n in _SUMS})
    if raw.empty:
        raw = pd.DataFrame({n: [0] for n in _SUMS}, index=[NONE_KEY])
    raw = raw.fillna(0).astype(np.int64)
    return raw, cycles


def _cycles(data: ReportData, opp: pd.DataFrame, keys: pd.Series, won) -> dict[str, float]:
    """Median days from the lead's created_on (else the opportunity's) to closed_on, per group."""
    import pandas as pd

    if not won.any():
        return {}
    leads = data.frame("leads", ["created_on"])
    start = pd.to_datetime(lookup(opp["lead_id"], leads["lead_id"], leads["created_on"]))
    start = start.where(start.notna(), opp["created_on"])
    days = pd.Series(days_between(opp["closed_on"], start), index=opp.index)[won]
    med = days.groupby(keys[won].to_numpy()).median()
    return {k: float(v) for k, v in med.items() if pd.notna(v)}


def _weighted(data: ReportData, opp: pd.DataFrame, as_of: dt.date):
    """(quotient, remainder) of amount cents × probability basis points ÷ 10000, and the open-at-as-of mask.

    A deal is open at as-of when it was created by then and is still open, or
    closed only after as-of. Missing probabilities take the stage's default
    from settings; a deal closed after as-of is weighted at the default of the
    stage it left (`lost_at_stage` when lost, else negotiation).
    """
    import numpy as np

    defaults = data.settings.get("opportunity.probability", {}) or {}
    stage = opp["stage"]
    open_now = ~stage.isin(TERMINAL).to_numpy(dtype=bool) & stage.notna().to_numpy(dtype=bool)
    closed_later = (
        stage.isin(TERMINAL).to_numpy(dtype=bool)
        & ~on_or_before(opp["closed_on"], as_of)
        & opp["closed_on"].notna().to_numpy()
    )
    created = opp["created_on"].isna().to_numpy() | on_or_before(opp["created_on"], as_of)
    mask = created & (open_now | closed_later)
    prob = opp["probability"].astype("float64").to_numpy(na_value=np.nan)
    defaults = {k: float(v) for k, v in defaults.items()}
    stage_default = stage.map(defaults).to_numpy(dtype="float64", na_value=np.nan)
    left = opp["lost_at_stage"].where(stage == "lost", "negotiation")
    left_default = left.map(defaults).to_numpy(dtype="float64", na_value=np.nan)
    prob = np.where(closed_later, left_default, np.where(np.isnan(prob), stage_default, prob))
    bp = np.rint(np.nan_to_num(prob) * 100).astype(np.int64)
    num = cents(opp["amount"]) * bp
    return num // 10_000, num % 10_000, mask


# ---------------------------------------------------------------- finishing


def _ratio(num: Any, den: Any) -> float | None:
    if num is None or den is None or den == 0:
        return None
    return float(num) / float(den)


def _round_div(num: int, den: int) -> int:
    """num / den rounded half away from zero."""
    q, r = divmod(abs(num), den)
    q += 1 if 2 * r >= den else 0
    return q if num >= 0 else -q


def _weighted_num(row) -> int:
    return int(row["weighted_q"]) * 10_000 + int(row["weighted_r"])


def _finish(row, cycle: float | None, target: int | None) -> dict[str, Any]:
    """The metrics of one group from its raw sums and its bookings target (cents)."""
    n = {k: int(row[k]) for k in _SUMS}
    weighted = _round_div(_weighted_num(row), 10_000)
    ar = n["ar_outstanding"]
    m: dict[str, Any] = {
        "new_leads": n["new_leads"],
        "converted_leads": n["converted_leads"],
        "lead_conversion_rate": _ratio(n["converted_leads"], n["new_leads"]),
        "new_opportunities": n["new_opportunities"],
        "won": n["won"],
        "won_amount": money(n["won_amount"]),
        "lost": n["lost"],
        "win_rate": _ratio(n["won"], n["won"] + n["lost"]),
        "avg_won_amount": money(_round_div(n["won_amount"], n["won"])) if n["won"] else None,
        "sales_cycle_days": cycle,
        "contracts_signed": n["contracts_signed"],
        "bookings": money(n["bookings"]),
        "collections": money(n["collections"]),
        "pipeline_value": money(n["pipeline_value"]),
        "weighted_pipeline": money(weighted),
        "csat_avg": _ratio(n["csat_sum"], n["csat_responses"]),
        "csat_responses": n["csat_responses"],
        "ar_outstanding": money(ar),
        "overdue_amount": money(n["overdue_amount"]),
        "overdue_ratio": _ratio(n["overdue_amount"], ar),
        "dso_days": float(ar) / n["invoiced_90"] * DSO_WINDOW if n["invoiced_90"] else None,
        "target": money(target),
        "target_attainment": None,
    }
    m["target_attainment"] = _ratio(m["bookings"], m["target"])
    return m


def _apportion(groups, name: str, totals: dict[str, Any], nums: list[int], den: int) -> None:
    """Round each group's `name` so that they add up to the total (largest remainder)."""
    total = totals[name]
    if total is None:
        return
    total_cents = int(total.scaleb(2))
    floors = [num // den for num in nums]
    remainders = [num - f * den for num, f in zip(nums, floors, strict=True)]
    extra = total_cents - sum(floors)
    order = sorted(range(len(nums)), key=lambda i: -remainders[i])
    for i in order[: max(extra, 0)]:
        floors[i] += 1
    for (_, m), value in zip(groups, floors, strict=True):
        m[name] = money(value)
