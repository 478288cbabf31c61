"""`report forecast`: per coming month, the open pipeline by expected close and the cash due.

Month 1 is the rest of the month of as-of (from as-of to its end), then whole
months. The open pipeline is every deal open at as-of (see `kpi`), weighted
by its probability; expected cash is what invoiced receivables still owe, by
`due_date`. What is already late — deals whose expected close has passed,
receivables past due — is shown apart as `overdue`; deals or receivables
without a date as `undated`, and anything after the last month as `later`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from salesops.reports.ar import receivables_as_of
from salesops.reports.data import (
    Attribution,
    ReportData,
    cents,
    money,
    order_keys,
    ts,
)
from salesops.reports.metrics import _round_div, _weighted
from salesops.reports.periods import add_months, month_of

if TYPE_CHECKING:
    import pandas as pd

FIGURES = ("deals", "open_pipeline", "weighted_pipeline", "receivables", "expected_cash")
MONEY = frozenset({"open_pipeline", "weighted_pipeline", "expected_cash"})


@dataclass
class ForecastResult:
    as_of: dt.date
    months: int
    by: str | None
    rows: list[dict[str, Any]]
    overdue: dict[str, Any]
    later: dict[str, Any]
    undated: dict[str, Any]
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


def _bucket(dates: pd.Series, as_of: dt.date, months: int, late):
    """0..months-1 = month, months = later, months+1 = overdue, months+2 = undated.

    Months are counted from the month of as-of, so a far date (9999-12-31, "no end")
    simply falls in `later`, and a date before as-of (1899-12-31) is `late`."""
    import numpy as np

    d = dates.to_numpy()  # datetime64[s]: never through nanoseconds, which end in 2262
    nat = np.isnat(d)
    month_index = d.astype("datetime64[M]").astype(np.int64) - np.datetime64(as_of, "M").astype(
        np.int64
    )
    b = np.where(month_index >= months, months, np.clip(month_index, 0, None))
    b = np.where(late, months + 1, b)
    return np.where(nat, months + 2, b).astype(np.int64)


def forecast(
    data: ReportData, as_of: dt.date, months: int = 3, by: str | None = None
) -> ForecastResult:
    """Pipeline and expected cash for the `months` months starting with the month of as-of."""
    import numpy as np

    months = max(int(months), 1)
    nb = months + 3
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
        ],
    )
    q, r, open_mask = _weighted(data, opp, as_of)
    opp_late = (opp["expected_close"] < ts(as_of)).fillna(False).to_numpy(dtype=bool)
    ob = _bucket(opp["expected_close"], as_of, months, opp_late)
    rec = receivables_as_of(data, as_of)
    owing = (rec["outstanding"] > 0).to_numpy(dtype=bool)
    rec_late = (rec["days_overdue"] >= 1).to_numpy(dtype=bool)
    rb = _bucket(rec["due_date"], as_of, months, rec_late)

    def table(opp_sel, rec_sel) -> list[dict[str, Any]]:
        o = open_mask & opp_sel
        rs = owing & rec_sel
        deals = np.bincount(ob[o], minlength=nb)
        pipe = np.bincount(ob[o], weights=cents(opp["amount"])[o].astype(np.float64), minlength=nb)
        # amount × basis points split as quotient and remainder of 10000: both sum exactly in float64
        sq = np.bincount(ob[o], weights=q[o].astype(np.float64), minlength=nb)
        sr = np.bincount(ob[o], weights=r[o].astype(np.float64), minlength=nb)
        nums = [int(round(a)) * 10_000 + int(round(b)) for a, b in zip(sq, sr, strict=True)]
        count = np.bincount(rb[rs], minlength=nb)
        cash = np.bincount(
            rb[rs], weights=rec["outstanding"].to_numpy()[rs].astype(np.float64), minlength=nb
        )
        return [
            {
                "deals": int(deals[b]),
                "open_pipeline": money(int(round(pipe[b]))),
                "weighted_pipeline": money(_round_div(nums[b], 10_000)),
                "receivables": int(count[b]),
                "expected_cash": money(int(round(cash[b]))),
            }
            for b in range(nb)
        ]

    def assemble(cells):
        rows = []
        for i in range(months):
            start = as_of if i == 0 else add_months(as_of, i)
            span = month_of(start)
            rows.append(
                {"month": span.start.strftime("%Y-%m"), "from": start, "to": span.end, **cells[i]}
            )
        return rows, cells[months + 1], cells[months], cells[months + 2]

    all_opp = np.ones(len(opp), dtype=bool)
    all_rec = np.ones(len(rec), dtype=bool)
    rows, overdue, later, undated = assemble(table(all_opp, all_rec))
    result = ForecastResult(as_of, months, None, rows, overdue, later, undated)
    if by:
        attr = Attribution(data, by)
        ok = attr.keys("opportunities").to_numpy()
        rk = attr.keys("receivables").loc[rec.index].to_numpy()
        result.by = attr.label
        for key in order_keys(set(ok[open_mask]) | set(rk[owing])):
            g_rows, g_over, g_later, g_undated = assemble(table(ok == key, rk == key))
            result.groups.append(
                {
                    "key": key,
                    "rows": g_rows,
                    "overdue": g_over,
                    "later": g_later,
                    "undated": g_undated,
                }
            )
    return result
