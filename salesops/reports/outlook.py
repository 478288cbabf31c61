"""`report forecast` (回款预测): per coming month, the pipeline by expected close and the cash expected.

Month 1 is the rest of the month of as-of (from as-of to its end), then whole
months; what falls after the last month is `later`, what has no date
`undated`. The open pipeline is every deal open at as-of (see `kpi`),
weighted by its probability, by `expected_close` (deals whose expected close
has passed are `overdue`).

Expected cash comes in three columns (SPEC 9.4), each counted once:

* `invoiced`: what invoiced receivables still owe, by `due_date`; past due
  is `overdue`. Its total is `report aging`'s.
* `scheduled`: milestones of signed contracts not invoiced yet, due on the
  day they are expected to trigger plus the account's payment terms
  (`payment_terms_days`, else `receivable.payment_terms_days`). A milestone
  triggers on its `triggered_on` (retention: acceptance + retention months,
  set at acceptance); else `advance` at signing, `delivery` when the
  contract's last delivery arrives (its `delivered_on`, else its
  `planned_on`; without deliveries, signing + `forecast.delivery_days`),
  `acceptance` when it is accepted (`accepted_on`, else arrival +
  `forecast.acceptance_days`), `retention` `contract.retention_months` after
  acceptance. A day already past counts as as-of: what is late is expected now.
* `pipeline_cash`: each open deal's weighted amount split by
  `contract.default_terms`, each milestone dated the same way from its
  expected close as if signed then. Its total is the weighted pipeline's.

`expected_cash` is their sum. `reconciliation` accounts for every signed
contract once: its amount = paid + invoiced + scheduled + written off
(+ `unplanned` where its receivables do not add up to it); receivables of no
signed contract are counted apart (`other_invoiced`, `other_scheduled`).
Events after as-of are not known at as-of: a delivery or acceptance dated
later counts as planned, a contract signed later is left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from salesops.reports.ar import receivables_as_of
from salesops.reports.cents import apportion
from salesops.reports.data import (
    LEFT_OUT,
    Attribution,
    ReportData,
    cents,
    day_array,
    money,
    on_or_before,
    order_keys,
    positions,
    ts,
)
from salesops.reports.metrics import _round_div, _weighted
from salesops.reports.periods import add_months, month_of

if TYPE_CHECKING:
    import pandas as pd

FIGURES = (
    "deals",
    "open_pipeline",
    "weighted_pipeline",
    "receivables",
    "invoiced",
    "scheduled",
    "pipeline_cash",
    "expected_cash",
)
MONEY = frozenset(
    {
        "open_pipeline",
        "weighted_pipeline",
        "invoiced",
        "scheduled",
        "pipeline_cash",
        "expected_cash",
    }
)
RECONCILIATION = (
    "contracts",
    "paid",
    "invoiced",
    "scheduled",
    "written_off",
    "unplanned",
    "other_invoiced",
    "other_scheduled",
)
# the columns the forecast reads, by register (asked for at once: each register is read once)
READS = {
    "receivables": [
        "contract_id",
        "account_id",
        "owner",
        "milestone",
        "amount",
        "triggered_on",
        "invoiced_on",
        "due_date",
        "status",
    ],
    "contracts": ["opportunity_id", "owner", "account_id", "signed_on", "status", "amount"],
    "opportunities": [
        "stage",
        "amount",
        "probability",
        "created_on",
        "closed_on",
        "lost_at_stage",
        "expected_close",
        "account_id",
    ],
    "payments": ["receivable_id", "received_on", "amount"],
}


@dataclass
class ForecastResult:
    as_of: dt.date
    months: int
    by: str | None
    rows: list[dict[str, Any]]
    overdue: dict[str, Any]
    later: dict[str, Any]
    undated: dict[str, Any]
    reconciliation: dict[str, Any]
    groups: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "months": self.months,
            "by": self.by,
            "rows": self.rows,
            "overdue": self.overdue,
            "later": self.later,
            "undated": self.undated,
            "reconciliation": self.reconciliation,
            "groups": self.groups,
        }

    def frame(self) -> pd.DataFrame:
        """One row per month, then overdue, later and undated; money as float."""
        import pandas as pd

        rows = [
            *self.rows,
            {"month": "overdue", **self.overdue},
            {"month": "later", **self.later},
            {"month": "undated", **self.undated},
        ]
        df = pd.DataFrame(rows).set_index("month")
        for c in MONEY:
            df[c] = df[c].astype("float64")
        return df


# ---------------------------------------------------------------- dates


def _bucket(days, as_of: dt.date, months: int, late):
    """0..months-1 = month, months = later, months+1 = overdue, months+2 = undated.

    `days` are numpy datetime64[D]. Months are counted from the month of as-of,
    so a far date (9999-12-31, "no end") simply falls in `later`, and a date
    before as-of (1899-12-31) is `late`."""
    import numpy as np

    nat = np.isnat(days)
    month_index = days.astype("datetime64[M]").astype(np.int64) - np.datetime64(as_of, "M").astype(
        np.int64
    )
    b = np.where(month_index >= months, months, np.clip(month_index, 0, None))
    b = np.where(late, months + 1, b)
    return np.where(nat, months + 2, b).astype(np.int64)


def plus_months(days, n: int):
    """datetime64[D] dates `n` months later, the day clipped to the month's end (as `relativedelta`)."""
    import numpy as np

    month = days.astype("datetime64[M]")
    day = (days - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.timedelta64(n, "M")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    out = target.astype("datetime64[D]") + np.minimum(day, length - 1).astype("timedelta64[D]")
    return np.where(np.isnat(days), np.datetime64("NaT", "D"), out)


def _not_before(days, as_of: dt.date):
    """Each date, or as-of where it is earlier (NaT stays NaT)."""
    import numpy as np

    floor = np.datetime64(as_of, "D")
    return np.where(np.isnat(days) | (days >= floor), days, floor)


def _known(days, as_of: dt.date):
    """Dates on or before as-of; later ones (not known at as-of) as NaT."""
    import numpy as np

    return np.where(days <= np.datetime64(as_of, "D"), days, np.datetime64("NaT", "D"))


def _days(n: int):
    import numpy as np

    return np.timedelta64(int(n), "D")


@dataclass
class _Plan:
    """How milestones are dated: settings and each contract's expected delivery and acceptance."""

    delivery_days: int
    acceptance_days: int
    retention_months: int
    default_terms_days: int


def _plan(data: ReportData) -> _Plan:
    s = data.settings
    return _Plan(
        int(s.get("forecast.delivery_days") or 0),
        int(s.get("forecast.acceptance_days") or 0),
        int(s.get("contract.retention_months") or 0),
        int(s.get("receivable.payment_terms_days") or 0),
    )


def _terms_days(data: ReportData, account_ids: pd.Series, plan: _Plan):
    """Days from invoice to due date for each account ID (its own, else the setting)."""
    import numpy as np
    import pandas as pd

    accounts = data.frame("accounts", ["payment_terms_days"])
    set_ = accounts["payment_terms_days"].notna().to_numpy(dtype=bool)
    own = dict(
        zip(
            accounts["account_id"][set_],
            accounts["payment_terms_days"][set_].astype(int),
            strict=True,
        )
    )
    codes, uniques = pd.factorize(account_ids)  # one dict lookup per distinct account
    default = plan.default_terms_days
    days = np.array([own.get(u, default) for u in uniques] + [default], dtype=np.int64)
    return days[codes]


def _milestone_days(milestones, signed, delivered, accepted, plan: _Plan, as_of: dt.date):
    """The day each milestone is expected to trigger (datetime64[D]; NaT for unknown milestones).

    `milestones`: one code for every row, or a code per row; `signed`, `delivered`,
    `accepted`: the contract's (or deal's) dates, actual or expected."""
    import numpy as np

    days = {
        "advance": lambda: signed,
        "delivery": lambda: delivered,
        "acceptance": lambda: accepted,
        "retention": lambda: plus_months(accepted, plan.retention_months),
    }
    nat = np.full(len(signed), np.datetime64("NaT", "D"))
    if isinstance(milestones, str):
        out = days[milestones]() if milestones in days else nat
    else:
        ms = np.asarray(milestones, dtype=object)
        out = nat
        for code, day in days.items():
            hit = ms == code
            if hit.any():
                out = np.where(hit, day(), out)
    return _not_before(out, as_of) if len(out) else out


def _contract_dates(data: ReportData, contract_ids: pd.Series, as_of: dt.date, plan: _Plan):
    """(signed, delivered, accepted) of each contract: actual dates known at as-of, else expected."""
    import numpy as np
    import pandas as pd

    con = data.frame("contracts", ["signed_on"])
    where = positions(contract_ids, con["contract_id"])
    signed = np.append(day_array(con["signed_on"]), np.datetime64("NaT", "D"))[where]  # -1 (none): NaT
    signed = _known(signed, as_of)
    dlv = data.frame("deliveries", ["contract_id", "planned_on", "delivered_on", "accepted_on"])
    arrived = _known(day_array(dlv["delivered_on"]), as_of)
    accepted = _known(day_array(dlv["accepted_on"]), as_of)
    planned = day_array(dlv["planned_on"])
    per = pd.DataFrame(
        {
            "contract_id": dlv["contract_id"].to_numpy(),
            "arrived": arrived,
            "expected": np.where(np.isnat(arrived), planned, arrived),
            "accepted": accepted,
        }
    )
    g = per.groupby("contract_id", sort=False)
    size = g.size()
    every = {
        k: g[c].count() == size
        for k, c in (("arrived", "arrived"), ("accepted", "accepted"), ("dated", "expected"))
    }
    last = g[["expected", "accepted"]].max()
    keys = contract_ids.to_numpy(dtype=object)

    def take(series, default):
        """The value of each contract (`default` for a contract without deliveries)."""
        if not len(series):
            return np.full(len(keys), default)
        return series.reindex(keys, fill_value=default).to_numpy()

    has = take(every["dated"], False).astype(bool)
    all_arrived = take(every["arrived"], False).astype(bool)
    all_accepted = take(every["accepted"], False).astype(bool)
    last_expected = day_array(take(last["expected"], np.datetime64("NaT")).astype("datetime64[s]"))
    last_accepted = day_array(take(last["accepted"], np.datetime64("NaT")).astype("datetime64[s]"))
    by_plan = _not_before(signed, as_of) + _days(plan.delivery_days)
    delivered = np.where(has, last_expected, by_plan)
    delivered = np.where(all_arrived & has, delivered, _not_before(delivered, as_of))
    expect_accept = _not_before(delivered + _days(plan.acceptance_days), as_of)
    accepted_day = np.where(all_accepted & has, last_accepted, expect_accept)
    return signed, delivered, accepted_day


# ---------------------------------------------------------------- the three kinds of cash


def paid_to_date(data: ReportData, as_of: dt.date):
    """Cents received up to `as_of` against each receivable, in the receivables' row order (int64;
    once per as-of date and command)."""
    return data.once(_paid_to_date, as_of)


def _paid_to_date(data: ReportData, as_of: dt.date):
    from salesops.reports.ar import sum_by

    ids = data.frame("receivables", ["amount"])["receivable_id"]
    pay = data.frame("payments", ["receivable_id", "received_on", "amount"])
    pay = pay[on_or_before(pay["received_on"], as_of)]
    pos = positions(pay["receivable_id"], ids.reset_index(drop=True))
    hit = pos >= 0
    return sum_by(pos[hit], cents(pay["amount"])[hit], len(ids))


def _signed_by(con: pd.DataFrame, as_of: dt.date) -> pd.Series:
    """Contracts signed on or before as-of and not terminated."""
    return (con["signed_on"] <= ts(as_of)).fillna(False) & (con["status"] != "terminated")


def _scheduled(data: ReportData, as_of: dt.date, plan: _Plan):
    """Receivables not invoiced by as-of (nor written off or cancelled), with their expected due day.

    Returns (frame of those receivables, due days, outstanding cents, of a signed contract mask)."""
    import numpy as np

    rec = data.frame(
        "receivables",
        [
            "contract_id",
            "account_id",
            "milestone",
            "amount",
            "triggered_on",
            "invoiced_on",
            "status",
        ],
    )
    invoiced = (rec["invoiced_on"] <= ts(as_of)).fillna(False).to_numpy(dtype=bool)
    live = ~rec["status"].isin(LEFT_OUT).to_numpy(dtype=bool)
    con = data.frame("contracts", ["signed_on", "status"])
    of_signed = rec["contract_id"].isin(set(con["contract_id"][_signed_by(con, as_of)].dropna()))
    of_signed = of_signed.to_numpy(dtype=bool)
    no_contract = rec["contract_id"].isna().to_numpy()
    keep = live & ~invoiced & (of_signed | no_contract)
    sel = rec[keep]
    signed, delivered, accepted = _contract_dates(data, sel["contract_id"], as_of, plan)
    by_milestone = _milestone_days(sel["milestone"], signed, delivered, accepted, plan, as_of)
    triggered = day_array(sel["triggered_on"])
    trigger = np.where(np.isnat(triggered), by_milestone, _not_before(triggered, as_of))
    due = trigger + _terms_days(data, sel["account_id"], plan).astype("timedelta64[D]")
    owed = cents(sel["amount"]) - paid_to_date(data, as_of)[keep]
    return sel, due, owed, of_signed[keep]


def _pipeline_cash(data: ReportData, opp: pd.DataFrame, as_of: dt.date, plan: _Plan):
    """[(milestone share of the weighted amount as a Fraction, due day of each deal)] by the default terms."""

    from salesops.core.contracts import BadTerms, parse_terms
    from salesops.errors import SalesopsError
    from salesops.i18n import _

    try:
        terms = parse_terms(None, data.settings)
    except BadTerms as exc:
        raise SalesopsError(
            _("setting {key}: {problem}").format(key="contract.default_terms", problem=exc)
        ) from None
    close = _not_before(day_array(opp["expected_close"]), as_of)
    delivered = close + _days(plan.delivery_days)
    accepted = delivered + _days(plan.acceptance_days)
    days = _terms_days(data, opp["account_id"], plan).astype("timedelta64[D]")
    out = []
    for milestone, pct in terms:
        day = _milestone_days(milestone, close, delivered, accepted, plan, as_of)
        out.append((Fraction(str(pct)) / 100, day + days))
    return out


# ---------------------------------------------------------------- the table


def forecast(
    data: ReportData, as_of: dt.date, months: int = 3, by: str | None = None
) -> ForecastResult:
    """Pipeline and expected cash for the `months` months starting with the month of as-of."""
    import numpy as np

    # no month after 9999-12: a later date is `later`
    months = max(min(int(months), (dt.MAXYEAR - as_of.year) * 12 + 13 - as_of.month), 1)
    nb = months + 3
    plan = _plan(data)
    for name, columns in READS.items():  # each register read once, with every column used here
        data.frame(name, columns)
    opp = data.frame(
        "opportunities",
        [
            "stage",
            "amount",
            "probability",
            "created_on",
            "closed_on",
            "lost_at_stage",
            "expected_close",
            "account_id",
        ],
    )
    q, r, open_mask = _weighted(data, opp, as_of)
    close = day_array(opp["expected_close"])
    ob = _bucket(close, as_of, months, close < np.datetime64(as_of, "D"))
    cash_parts = [
        (part, _bucket(due, as_of, months, np.zeros(len(due), dtype=bool)))
        for part, due in _pipeline_cash(data, opp, as_of, plan)
    ]
    rec = receivables_as_of(data, as_of, ("contract_id",))
    owing = (rec["outstanding"] > 0).to_numpy(dtype=bool)
    rec_late = (rec["days_overdue"] >= 1).to_numpy(dtype=bool)
    rb = _bucket(day_array(rec["due_date"]), as_of, months, rec_late)
    sched, sched_due, sched_owed, sched_signed = _scheduled(data, as_of, plan)
    sb = _bucket(sched_due, as_of, months, np.zeros(len(sched_due), dtype=bool))

    def count(buckets, mask, weights=None):
        w = None if weights is None else np.asarray(weights)[mask].astype(np.float64)
        got = np.bincount(buckets[mask], weights=w, minlength=nb)
        return [int(round(x)) for x in got]

    def table(opp_sel, rec_sel, sched_sel) -> list[dict[str, Any]]:
        o = open_mask & opp_sel
        rs = owing & rec_sel
        deals = count(ob, o)
        pipe = count(ob, o, cents(opp["amount"]))
        # amount × basis points as quotient and remainder of 10000: both sum exactly in float64
        nums = [a * 10_000 + b for a, b in zip(count(ob, o, q), count(ob, o, r), strict=True)]
        weighted = [_round_div(n, 10_000) for n in nums]
        shares = [Fraction(0)] * nb
        for part, buckets in cash_parts:
            for b, (a, c) in enumerate(
                zip(count(buckets, o, q), count(buckets, o, r), strict=True)
            ):
                shares[b] += part * Fraction(a * 10_000 + c, 10_000)
        pipeline_cash = apportion(shares, _round_div(sum(nums), 10_000))
        invoiced = count(rb, rs, rec["outstanding"])
        n_invoiced = count(rb, rs)
        scheduled = count(sb, sched_sel, sched_owed)
        return [
            {
                "deals": deals[b],
                "open_pipeline": money(pipe[b]),
                "weighted_pipeline": money(weighted[b]),
                "receivables": n_invoiced[b],
                "invoiced": money(invoiced[b]),
                "scheduled": money(scheduled[b]),
                "pipeline_cash": money(pipeline_cash[b]),
                "expected_cash": money(invoiced[b] + scheduled[b] + pipeline_cash[b]),
            }
            for b in range(nb)
        ]

    def assemble(cells):
        rows = []
        for i in range(months):
            start = as_of if i == 0 else add_months(as_of, i)
            span = month_of(start)
            rows.append(
                {
                    "month": f"{span.start.year:04d}-{span.start.month:02d}",
                    "from": start,
                    "to": span.end,
                    **cells[i],
                }
            )
        return rows, cells[months + 1], cells[months], cells[months + 2]

    every = (
        np.ones(len(opp), dtype=bool),
        np.ones(len(rec), dtype=bool),
        np.ones(len(sched), dtype=bool),
    )
    rows, overdue, later, undated = assemble(table(*every))
    recon = _reconcile(data, as_of, rec, sched, sched_owed, sched_signed)
    result = ForecastResult(as_of, months, None, rows, overdue, later, undated, recon(None))
    if by:
        attr = Attribution(data, by)
        ok = attr.keys("opportunities").to_numpy()
        rec_keys = attr.keys("receivables")
        rk = rec_keys.loc[rec.index].to_numpy()
        sk = rec_keys.loc[sched.index].to_numpy()
        result.by = attr.label
        keys = set(ok[open_mask]) | set(rk[owing]) | set(sk)
        for key in order_keys(keys):
            g_rows, g_over, g_later, g_undated = assemble(table(ok == key, rk == key, sk == key))
            result.groups.append(
                {
                    "key": key,
                    "rows": g_rows,
                    "overdue": g_over,
                    "later": g_later,
                    "undated": g_undated,
                    "reconciliation": recon((attr, key)),
                }
            )
    return result


def _reconcile(data: ReportData, as_of: dt.date, rec, sched, sched_owed, sched_signed):
    """A function of a group (None: everything) giving the reconciliation of signed contracts' amounts."""
    import numpy as np

    con = data.frame("contracts", ["signed_on", "status", "amount"])
    signed = _signed_by(con, as_of).to_numpy(dtype=bool)
    ids = set(con["contract_id"][signed].dropna())
    every = data.frame("receivables", ["contract_id", "amount", "status"])
    of_signed = every["contract_id"].isin(ids).to_numpy(dtype=bool)
    cancelled = (every["status"] == "cancelled").to_numpy(dtype=bool)
    written = (every["status"] == "written_off").to_numpy(dtype=bool)
    paid = paid_to_date(data, as_of)
    lost = cents(every["amount"]) - paid
    rec_signed = rec["contract_id"].isin(ids).to_numpy(dtype=bool)
    outstanding = rec["outstanding"].to_numpy()

    def total(values, mask) -> int:
        return int(np.asarray(values)[mask].sum())

    def figures(group) -> dict[str, Any]:
        if group is None:
            c_in = np.ones(len(con), dtype=bool)
            e_in = np.ones(len(every), dtype=bool)
            r_in = np.ones(len(rec), dtype=bool)
            s_in = np.ones(len(sched), dtype=bool)
        else:
            attr, key = group
            c_in = (attr.keys("contracts") == key).to_numpy()
            keys = attr.keys("receivables")
            e_in = (keys == key).to_numpy()
            r_in = (keys.loc[rec.index] == key).to_numpy()
            s_in = (keys.loc[sched.index] == key).to_numpy()
        n = {
            "contracts": total(cents(con["amount"]), signed & c_in),
            "paid": total(paid, of_signed & ~cancelled & e_in),
            "invoiced": total(outstanding, rec_signed & r_in),
            "scheduled": total(sched_owed, sched_signed & s_in),
            "written_off": total(lost, of_signed & written & e_in),
            "other_invoiced": total(outstanding, ~rec_signed & r_in),
            "other_scheduled": total(sched_owed, ~sched_signed & s_in),
        }
        n["unplanned"] = (
            n["contracts"] - n["paid"] - n["invoiced"] - n["scheduled"] - n["written_off"]
        )
        return {k: money(n[k]) for k in RECONCILIATION}

    return figures
