"""Receivables as of a date — the one aging computation — and `report aging` / `report overdue`.

Receivables count when invoiced on or before as-of and not written off or
cancelled; what they still owe is the amount less the payments received up
to as-of. Days overdue = as-of − due_date; the buckets come from the setting
`receivable.aging_buckets` (`[30, 60, 90, 180]` → not_due, 1-30, 31-60,
61-90, 91-180, 180+). A receivable without a due date counts as not due.

`open_receivables` computes this once per as-of date, on the typed Arrow
columns of the registers (no pandas: a million receivables are a few array
passes); `aging`, `overdue_frame`, `receivables_as_of` (weekly, KPI, forecast)
all start from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from salesops.errors import SalesopsError
from salesops.i18n import _
from salesops.reports.data import (
    LEFT_OUT,
    NONE_KEY,
    Attribution,
    ReportData,
    account_names,
    lookup,
    records,
)

if TYPE_CHECKING:
    import numpy as np
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
            _("setting receivable.aging_buckets must be increasing whole days, like [30, 60, 90, 180], not {value}").format(
                value=repr(edges)
            )
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


@dataclass
class Open:
    """Receivables counted as of a date: their rows in the register and what they owe (int64 cents)."""

    rows: np.ndarray  # positions in the receivables' typed table
    amount: np.ndarray
    collected: np.ndarray  # payments received up to as-of (not the register's collected_amount)
    outstanding: np.ndarray
    days: np.ndarray  # days overdue (float64; NaN without a due date)


def open_receivables(data: ReportData, as_of: dt.date) -> Open:
    """Receivables invoiced by `as_of`, not written off or cancelled, replayed to that date."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    memo = data.__dict__.setdefault("_open", {})
    if as_of in memo:
        return memo[as_of]
    rec = data.typed("receivables").data
    pay = data.typed("payments").data
    day = pa.scalar(as_of, pa.date32())
    keep = pc.and_(
        pc.fill_null(pc.less_equal(rec.column("invoiced_on"), day), False),
        pc.invert(pc.fill_null(pc.is_in(rec.column("status"), pa.array(LEFT_OUT)), False)),
    )
    rows = np.flatnonzero(np.asarray(keep, dtype=bool))
    amount_all = np.asarray(pc.fill_null(rec.column("amount"), 0), dtype=np.int64)
    # payments received up to as-of, summed per receivable (the first row holding its ID)
    counted = np.asarray(pc.fill_null(pc.less_equal(pay.column("received_on"), day), False), dtype=bool)
    target = pc.index_in(pay.column("receivable_id"), value_set=rec.column("receivable_id"))
    hit = counted & np.asarray(target.is_valid(), dtype=bool)
    where = np.asarray(pc.fill_null(target, 0), dtype=np.int64)[hit]
    paid = np.asarray(pc.fill_null(pay.column("amount"), 0), dtype=np.int64)[hit]
    collected = sum_by(where, paid, len(amount_all))[rows]
    amount = amount_all[rows]
    due = rec.column("due_date").take(pa.array(rows))
    due_days = np.asarray(pc.fill_null(due.cast(pa.int32()), 0), dtype=np.int64)
    days = (as_of.toordinal() - dt.date(1970, 1, 1).toordinal() - due_days).astype(np.float64)
    days[np.asarray(due.is_null(), dtype=bool)] = np.nan
    memo[as_of] = out = Open(rows, amount, collected, amount - collected, days)
    return out


def sum_by(index, cents, n: int):
    """Exact int64 sums of `cents` per `index` (0 … n-1)."""
    import numpy as np

    if len(cents) == 0:
        return np.zeros(n, dtype=np.int64)
    if int(np.abs(cents).sum()) < 2**53:  # every partial sum is an exact float
        return np.rint(np.bincount(index, weights=cents.astype(np.float64), minlength=n)).astype(np.int64)
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, index, cents)
    return out


def receivables_as_of(data: ReportData, as_of: dt.date, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """`open_receivables` as a frame: the receivable's own columns asked for, `amount`,
    `collected`, `outstanding` (cents) and `days_overdue` (NaN without a due date)."""
    cols = list(dict.fromkeys(["amount", "invoiced_on", "due_date", "status", *extra]))
    memo = data._as_of.get(as_of)
    if memo is not None and set(cols) <= set(memo.columns):
        return memo  # shared: callers filter or copy, never change it in place
    got = open_receivables(data, as_of)
    rec = data.frame("receivables", cols)
    out = rec.iloc[got.rows][list(dict.fromkeys(["receivable_id", *cols]))].copy()
    out["amount"] = got.amount
    out["collected"] = got.collected
    out["outstanding"] = got.outstanding
    out["days_overdue"] = got.days
    data._as_of[as_of] = out
    return out


def aging(data: ReportData, as_of: dt.date, by: str = "account") -> AgingResult:
    """Outstanding amounts per group and bucket as of `as_of`."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    edges = bucket_edges(data)
    names = bucket_names(edges)
    nb = len(names)
    got = open_receivables(data, as_of)
    by_account = (by or "account").strip().casefold() in ("account", "account_id", "客户", "客户编号")
    own = data.typed("receivables").data.column("account_id").take(pa.array(got.rows))
    if by_account and own.null_count == 0:
        label, kind = "account", "account"
        enc = pc.dictionary_encode(own).combine_chunks()
        codes = np.asarray(enc.indices, dtype=np.int64)
        key_list = enc.dictionary.to_pylist()
        attr = None
    else:
        import pandas as pd

        attr = Attribution(data, by)
        label, kind = attr.label or "account", attr.kind
        keys = attr.keys("receivables").iloc[got.rows].fillna(NONE_KEY)
        codes, uniques = pd.factorize(keys, sort=False)
        key_list = [str(k) for k in uniques]
    ng = len(key_list)
    buckets = bucket_index(got.days, edges)
    grid = sum_by(codes * nb + buckets, got.outstanding, ng * nb).reshape(ng, nb)
    show = grid.any(axis=1)
    shown = [k for k, s in zip(key_list, show, strict=True) if s]
    display = attr.names(shown) if attr is not None else _account_names(data, shown)
    totals_row = grid.sum(axis=0)
    order = sorted(
        (i for i in range(ng) if show[i]),
        key=lambda i: (key_list[i] == NONE_KEY, -int(grid[i].sum()), key_list[i]),
    )
    rows = [_row(key_list[i], display.get(key_list[i], key_list[i]), grid[i], names) for i in order]
    totals = _row(None, None, totals_row, names)
    totals.pop("key")
    totals.pop("name")
    del kind
    return AgingResult(as_of, label, names, rows, totals)


def _account_names(data: ReportData, keys: list[str]) -> dict[str, str]:
    """Display name of each account ID (the last accounts row holding it wins), else the ID."""
    import pyarrow as pa
    import pyarrow.compute as pc

    acc = data.typed("accounts").data
    wanted = pa.array(keys, type=pa.string())
    ids = acc.column("account_id")
    hit = pc.is_in(ids, value_set=wanted)
    table: dict[str, str] = {}
    for k, name in zip(pc.filter(ids, hit).to_pylist(), pc.filter(acc.column("name"), hit).to_pylist(), strict=True):
        table[k] = name
    return {k: (table.get(k) or k) for k in keys}


def aging_totals(data: ReportData, as_of: dt.date) -> tuple[list[str], dict[str, Any]]:
    """(bucket names, totals row) of the aging, without the per-group rows."""
    edges = bucket_edges(data)
    names = bucket_names(edges)
    got = open_receivables(data, as_of)
    sums = sum_by(bucket_index(got.days, edges), got.outstanding, len(names))
    totals = _row(None, None, sums, names)
    del totals["key"], totals["name"]
    return names, totals


def _row(key, name, values, names: list[str]) -> dict[str, Any]:
    cents = [int(v) for v in values]
    row: dict[str, Any] = {"key": key, "name": name}
    row.update(zip(names, map(_money, cents), strict=True))
    row["overdue"] = _money(sum(cents[1:]))
    row["total"] = _money(sum(cents))
    return row


def _money(cents: int):
    """Integer cents as a Decimal with two places (`data.money` for plain ints)."""
    from decimal import Decimal

    return Decimal(cents).scaleb(-2)


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
