"""`report aging` and `report overdue`: who owes how much, for how long, as of a date.

Receivables count when invoiced on or before as-of and not written off or
cancelled; what they still owe is the amount less the payments received up
to as-of. Days overdue = as-of − due_date; the buckets come from the setting
`receivable.aging_buckets` (`[30, 60, 90, 180]` → not_due, 1-30, 31-60,
61-90, 91-180, 180+). A receivable without a due date counts as not due.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from salesops.errors import SalesopsError
from salesops.reports.data import (
    NONE_KEY,
    Attribution,
    ReportData,
    account_names,
    lookup,
    money,
    receivables_as_of,
    records,
)

if TYPE_CHECKING:
    import pandas as pd

NOT_DUE = "not_due"
AGING_BY = ("account", "owner", "team", "region")
OVERDUE_FIELDS = (
    "receivable_id",
    "contract_id",
    "account_id",
    "account_name",
    "owner",
    "milestone",
    "invoice_no",
    "due_date",
    "days_overdue",
    "amount",
    "collected_amount",
    "outstanding",
)
MONEY_FIELDS = ("amount", "collected_amount", "outstanding")


def bucket_edges(data: ReportData) -> list[int]:
    """The bucket edges from settings, checked (positive, increasing)."""
    edges = data.settings.get("receivable.aging_buckets", [30, 60, 90, 180])
    if (
        not edges
        or not all(isinstance(e, int) and e > 0 for e in edges)
        or sorted(set(edges)) != list(edges)
    ):
        raise SalesopsError(
            f"setting receivable.aging_buckets must be increasing whole days, like [30, 60, 90, 180], not {edges!r}"
        )
    return list(edges)


def bucket_names(edges: list[int]) -> list[str]:
    """`not_due`, `1-30`, `31-60`, …, `180+`."""
    names = [NOT_DUE]
    low = 1
    for edge in edges:
        names.append(f"{low}-{edge}")
        low = edge + 1
    names.append(f"{edges[-1]}+")
    return names


def bucket_index(days, edges: list[int]):
    """Bucket number of each days-overdue value: 0 = not due (or no due date)."""
    import numpy as np

    d = np.nan_to_num(np.asarray(days, dtype="float64"), nan=0.0)
    idx = np.searchsorted(np.asarray(edges, dtype="float64"), d, side="left") + 1
    return np.where(d >= 1, idx, 0)


@dataclass
class AgingResult:
    as_of: dt.date
    by: str
    buckets: list[str]
    rows: list[dict[str, Any]]
    totals: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "by": self.by,
            "buckets": self.buckets,
            "rows": self.rows,
            "totals": self.totals,
        }

    def frame(self) -> pd.DataFrame:
        """One row per group: key, name, each bucket, overdue, total (money as float)."""
        import pandas as pd

        cols = ["key", "name", *self.buckets, "overdue", "total"]
        df = pd.DataFrame(self.rows, columns=cols)
        for c in cols[2:]:
            df[c] = df[c].astype("float64")
        return df


def aging(data: ReportData, as_of: dt.date, by: str = "account") -> AgingResult:
    """Outstanding amounts per group and bucket as of `as_of`."""
    import numpy as np
    import pandas as pd

    edges = bucket_edges(data)
    names = bucket_names(edges)
    nb = len(names)
    extra = ("account_id",) if by in ("account", "account_id") else ()
    rec = receivables_as_of(data, as_of, extra)
    attr = Attribution(data, by)
    label = attr.label or "account"
    if attr.kind == "account":
        own = rec["account_id"]
        keys = own if own.notna().all() else attr.keys("receivables").loc[rec.index]
    else:
        keys = attr.keys("receivables").loc[rec.index]
    keys = keys.fillna(NONE_KEY)
    outstanding = rec["outstanding"].to_numpy(dtype=np.int64)
    buckets = bucket_index(rec["days_overdue"].to_numpy(), edges)
    codes, uniques = pd.factorize(keys, sort=False)
    ng = len(uniques)
    # float64 bincount is exact for sums below 2**53 cents; cross-checked below
    sums = np.bincount(
        codes * nb + buckets, weights=outstanding.astype(np.float64), minlength=ng * nb
    )
    grid = (
        np.rint(sums).astype(np.int64).reshape(ng, nb) if ng else np.zeros((0, nb), dtype=np.int64)
    )
    if (
        abs(float(outstanding.sum()) - float(grid.sum())) > 0.5
    ):  # pragma: no cover - sums beyond float precision
        grid = np.zeros((ng, nb), dtype=np.int64)
        np.add.at(grid, (codes, buckets), outstanding)
    show = grid.any(axis=1)
    key_list = [str(k) for k in uniques]
    display = attr.names([k for k, s in zip(key_list, show, strict=True) if s])
    totals_row = grid.sum(axis=0)
    order = sorted(
        (i for i in range(ng) if show[i]),
        key=lambda i: (key_list[i] == NONE_KEY, -int(grid[i].sum()), key_list[i]),
    )
    rows = [_row(key_list[i], display.get(key_list[i], key_list[i]), grid[i], names) for i in order]
    totals = _row(None, None, totals_row, names)
    totals.pop("key")
    totals.pop("name")
    return AgingResult(as_of, label, names, rows, totals)


def aging_totals(data: ReportData, as_of: dt.date) -> tuple[list[str], dict[str, Any]]:
    """(bucket names, totals row) of the aging, without the per-group rows."""
    import numpy as np

    edges = bucket_edges(data)
    names = bucket_names(edges)
    rec = receivables_as_of(data, as_of)
    b = bucket_index(rec["days_overdue"].to_numpy(), edges)
    sums = np.zeros(len(names), dtype=np.int64)
    np.add.at(sums, b, rec["outstanding"].to_numpy(dtype=np.int64))
    totals = _row(None, None, sums, names)
    del totals["key"], totals["name"]
    return names, totals


def _row(key, name, values, names: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {"key": key, "name": name}
    for n, v in zip(names, values, strict=True):
        row[n] = money(int(v))
    row["overdue"] = money(int(values[1:].sum()))
    row["total"] = money(int(values.sum()))
    return row


# ---------------------------------------------------------------- overdue list


def overdue_frame(data: ReportData, as_of: dt.date, min_days: int = 1) -> pd.DataFrame:
    """Receivables overdue by at least `min_days` (≥ 1) with money outstanding, most days first.

    Money columns are integer cents; `collected_amount` is what was received up to as-of.
    """
    import pandas as pd

    extra = ("contract_id", "account_id", "owner", "milestone", "invoice_no")
    rec = receivables_as_of(data, as_of, extra)
    late = rec[(rec["days_overdue"] >= max(min_days, 1)) & (rec["outstanding"] > 0)].copy()
    if late["owner"].isna().any():  # fall back to the contract's owner
        con = data.frame("contracts", ["owner"])
        late["owner"] = late["owner"].where(
            late["owner"].notna(), lookup(late["contract_id"], con["contract_id"], con["owner"])
        )
    late["account_name"] = account_names(data, late["account_id"])
    late["days_overdue"] = late["days_overdue"].astype("int64")
    late["collected_amount"] = late["collected"]
    late = late.sort_values(
        ["days_overdue", "outstanding", "receivable_id"],
        ascending=[False, False, True],
        kind="stable",
    )
    return pd.DataFrame({f: late[f] for f in OVERDUE_FIELDS}).reset_index(drop=True)


def overdue_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The overdue list as JSON-ready dicts (money as Decimal, dates as date)."""
    return records(df, list(OVERDUE_FIELDS), money_cols=MONEY_FIELDS, int_cols=("days_overdue",))
