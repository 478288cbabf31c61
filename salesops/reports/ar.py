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
import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from salesops.arrownp import ints
from salesops.core.frame import ROW
from salesops.errors import SalesopsError
from salesops.i18n import _
from salesops.jsonout import Columns, exact_cents
from salesops.reports.data import (
    LEFT_OUT,
    NONE_KEY,
    Attribution,
    ReportData,
    account_names,
    lookup,
    records,
)
from salesops.reports.dunning import level_of, levels

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

NOT_DUE = "not_due"
# what the as-of computation reads of the receivables (the account too: aging groups by it)
AS_OF_COLUMNS = ("receivable_id", "account_id", "amount", "invoiced_on", "due_date", "status")
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
    "level",  # the dunning level of its days overdue (reports.dunning)
)
MONEY_FIELDS = ("amount", "collected_amount", "outstanding")
# what aging reads of the accounts (names and unapplied cash: one read of the register)
ACCOUNT_COLUMNS = ["name", "unapplied_amount"]


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
    """The aging: a row per group (key, name, each bucket, overdue, total, unapplied), the
    totals. The rows are kept as one table of int cents; `rows` gives them as dicts of
    Decimals (what the Python API, the views and `to_json` hand out), made when first asked."""

    as_of: dt.date
    by: str
    buckets: list[str]
    keys: list[str]
    names: list[str]
    cents: np.ndarray  # one row per group: each bucket, overdue, total (int64)
    unapplied: list[int] | None  # cents per group (by account), else None
    totals: dict[str, Any]

    @property
    def fields(self) -> list[str]:
        return [*self.buckets, "overdue", "total"]

    @functools.cached_property
    def rows(self) -> list[dict[str, Any]]:
        fields = self.fields
        held = self.unapplied or [None] * len(self.keys)
        return [
            {"key": k, "name": n, **dict(zip(fields, map(_money, c), strict=True)), "unapplied": None if u is None else _money(u)}
            for k, n, c, u in zip(self.keys, self.names, self.cents.tolist(), held, strict=True)
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "by": self.by,
            "buckets": self.buckets,
            "rows": self.rows,
            "totals": self.totals,
        }

    def json_document(self) -> dict[str, Any]:
        """`to_json()` for `-f json`: the same text, its rows written column by column straight
        from the cents as the floats that print them (when every amount is exact as one, as
        every amount salesops reads is), so no Decimal and no row dict is made for them."""
        import numpy as np

        held = self.unapplied
        if not exact_cents(self.cents, np.asarray(held or [], dtype=np.int64)):
            return self.to_json()
        amounts = (self.cents / 100).T.tolist() if len(self.keys) else [[] for _ in self.fields]
        spare = [None] * len(self.keys) if held is None else (np.asarray(held, dtype=np.int64) / 100).tolist()
        rows = Columns(["key", "name", *self.fields, "unapplied"], [self.keys, self.names, *amounts, spare])
        return {"as_of": self.as_of, "by": self.by, "buckets": self.buckets, "rows": rows, "totals": self.totals}

    def frame(self) -> pd.DataFrame:
        """One row per group: key, name, each bucket, overdue, total, unapplied (money as float)."""
        import pandas as pd

        cols = ["key", "name", *self.buckets, "overdue", "total", "unapplied"]
        df = pd.DataFrame(self.rows, columns=cols)
        for c in cols[2:]:
            df[c] = df[c].astype("float64")
        return df


@dataclass
class Open:
    """Receivables counted as of a date: their rows in the register and what they owe (int64 cents)."""

    rows: np.ndarray  # positions in the receivables' typed table
    lines: np.ndarray  # those receivables' row numbers in the file (`_row`)
    amount: np.ndarray
    collected: np.ndarray  # payments received up to as-of (not the register's collected_amount)
    outstanding: np.ndarray
    days: np.ndarray  # days overdue (float64; NaN without a due date)

    def in_frame(self, df: pd.DataFrame) -> np.ndarray:
        """Positions of these receivables in a frame of the register, found by row number: the
        typed table aging reads (its fields only) leaves out rows blank in those fields, which a
        frame of other fields keeps, so positions in one are not positions in the other."""
        import numpy as np

        return np.searchsorted(df[ROW].to_numpy(), self.lines)


def open_receivables(data: ReportData, as_of: dt.date) -> Open:
    """Receivables invoiced by `as_of`, not written off or cancelled, replayed to that date
    (once per as-of date and command).

    Numbers and dates are taken from the Arrow buffers as numpy arrays; text is only hashed
    (dictionary codes, the payment → receivable join) inside Arrow.
    """
    return data.once(_open_receivables, as_of)


def _open_receivables(data: ReportData, as_of: dt.date) -> Open:
    import numpy as np

    rec = data.typed("receivables", list(AS_OF_COLUMNS)).data
    pay = data.typed("payments", ["receivable_id", "received_on", "amount"]).data
    day = as_of.toordinal() - dt.date(1970, 1, 1).toordinal()
    invoiced, has_invoice = ints(rec.column("invoiced_on"))
    status, has_status = codes(data.codes("receivables", "status"), lambda u: u in LEFT_OUT)
    keep = has_invoice & (invoiced <= day) & ~(has_status & status)
    rows = np.flatnonzero(keep)
    amount_all, _ = ints(rec.column("amount"), fill=0)
    # payments received up to as-of, summed per receivable (the first row holding its ID)
    received, has_date = ints(pay.column("received_on"))
    target, found = ints(data.rows_in("payments", "receivable_id", "receivables", "receivable_id"))
    hit = has_date & (received <= day) & found
    paid, _ = ints(pay.column("amount"), fill=0)
    collected = sum_by(target[hit], paid[hit], len(amount_all))[rows]
    amount = amount_all[rows]
    due, has_due = ints(rec.column("due_date"))
    days = (day - due[rows]).astype(np.float64)
    days[~has_due[rows]] = np.nan
    lines = ints(rec.column(ROW))[0][rows]
    return Open(rows, lines, amount, collected, amount - collected, days)


def codes(column, test=None):
    """(per-row dictionary code, presence) of a text Arrow column (or one already
    dictionary-encoded) — or, with `test`, (whether each row's text passes `test`, presence),
    `test` being asked once per distinct text."""
    import numpy as np
    import pyarrow as pa

    if pa.types.is_dictionary(column.type):
        enc = column
    else:
        import pyarrow.compute as pc

        enc = pc.dictionary_encode(column)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.unify_dictionaries()
        dictionary = enc.chunk(0).dictionary if enc.num_chunks else pa.array([], pa.string())
        index, present = ints(pa.chunked_array([c.indices for c in enc.chunks], type=pa.int32()) if enc.num_chunks else pa.array([], pa.int32()))
    else:
        dictionary = enc.dictionary
        index, present = ints(enc.indices)
    uniques = dictionary.to_pylist()
    if test is None:
        return index, present, uniques
    passes = np.array([bool(test(u)) for u in uniques] + [False], dtype=bool)
    return passes[np.where(present, index, len(uniques))], present


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
    cols = _as_of_columns(extra)
    memo = _as_of_memo(data, as_of, cols)
    if memo is not None:
        return memo  # shared: callers filter or copy, never change it in place
    out = data._as_of[as_of] = _frame_of(data, open_receivables(data, as_of), cols)
    return out


def _as_of_columns(extra: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(["amount", "invoiced_on", "due_date", "status", *extra]))


def _as_of_memo(data: ReportData, as_of: dt.date, cols: list[str]) -> pd.DataFrame | None:
    """The frame `receivables_as_of` made for `as_of` in this command, when it holds `cols`."""
    memo = data._as_of.get(as_of)
    return memo if memo is not None and set(cols) <= set(memo.columns) else None


def _frame_of(data: ReportData, got: Open, cols: list[str], pick: np.ndarray | None = None) -> pd.DataFrame:
    """The receivables of `got` (those `pick` marks, all by default) as a frame of `cols`, with
    their as-of `amount`, `collected`, `outstanding` and `days_overdue`."""
    rec = data.frame("receivables", cols)
    at = got.in_frame(rec)
    out = rec.iloc[at if pick is None else at[pick]][list(dict.fromkeys(["receivable_id", *cols]))].copy()
    for name, values in (
        ("amount", got.amount),
        ("collected", got.collected),
        ("outstanding", got.outstanding),
        ("days_overdue", got.days),
    ):
        out[name] = values if pick is None else values[pick]
    return out


def aging(data: ReportData, as_of: dt.date, by: str = "account") -> AgingResult:
    """Outstanding amounts per group and bucket as of `as_of`."""
    import numpy as np

    edges = bucket_edges(data)
    names = bucket_names(edges)
    nb = len(names)
    got = open_receivables(data, as_of)
    by_account = (by or "account").strip().casefold() in ("account", "account_id", "客户", "客户编号")
    attr = None
    if by_account:
        index, present, key_list = codes(data.codes("receivables", "account_id"))
        by_account = bool(present[got.rows].all())
    if by_account:
        label = "account"
        mine = index[got.rows]  # dictionary codes: the accounts present, renumbered in order (no sort)
        seen = np.zeros(len(key_list) + 1, dtype=bool)
        seen[mine] = True
        codes_ = (np.cumsum(seen) - 1)[mine]
        key_list = [key_list[k] for k in np.flatnonzero(seen).tolist()]
    else:
        import pandas as pd

        attr = Attribution(data, by)
        label = attr.label or "account"
        keys = attr.keys("receivables").iloc[got.in_frame(data.frame("receivables", []))].fillna(NONE_KEY)
        codes_, uniques = pd.factorize(keys, sort=False)
        key_list = [str(k) for k in uniques]
    ng = len(key_list)
    buckets = bucket_index(got.days, edges)
    grid = sum_by(codes_ * nb + buckets, got.outstanding, ng * nb).reshape(ng, nb)
    shown = np.flatnonzero(grid.any(axis=1))
    keys = [key_list[i] for i in shown.tolist()]
    # each shown group's buckets, overdue and total (int cents), most owed first
    cents = np.column_stack([grid[shown], grid[shown, 1:].sum(axis=1), grid[shown].sum(axis=1)])
    named = np.array(keys, dtype=object)  # (Python's order of text, as `sorted` has it)
    order = np.lexsort((named, -cents[:, -1], named == NONE_KEY))  # the last key sorts first
    keys = [keys[k] for k in order.tolist()]
    cents = cents[order]
    totals = _row(None, None, grid.sum(axis=0), names)
    totals.pop("key")
    totals.pop("name")
    held = _unapplied(data)
    totals["unapplied"] = _money(sum(held.values()))
    unapplied = None
    if label == "account":
        unapplied = [held.pop(k, 0) for k in keys]
        extra = sorted(held)  # accounts holding cash but owing nothing get a row
        keys += extra
        unapplied += [held[k] for k in extra]
        cents = np.vstack([cents, np.zeros((len(extra), nb + 2), dtype=np.int64)])
    display = attr.names(keys) if attr is not None else _account_names(data, keys)
    shown_names = [display.get(k, k) for k in keys]
    return AgingResult(as_of, label, names, keys, shown_names, cents, unapplied, totals)


def _unapplied(data: ReportData) -> dict[str, int]:
    """Each account's unapplied cash (预收款, accounts.unapplied_amount as it stands; int cents):
    a column beside what it owes by account, in total otherwise."""
    acc = data.typed("accounts", ACCOUNT_COLUMNS).data
    return {
        a: c
        for a, c in zip(acc.column("account_id").to_pylist(), acc.column("unapplied_amount").to_pylist(), strict=True)
        if a and c
    }


def _account_names(data: ReportData, keys: list[str]) -> dict[str, str]:
    """Display name of each account ID (the last accounts row holding it wins), else the ID."""
    acc = data.typed("accounts", ACCOUNT_COLUMNS).data
    table = dict(zip(acc.column("account_id").to_pylist(), acc.column("name").to_pylist(), strict=True))
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


def _money(cents: int, _zero=Decimal(0).scaleb(-2), _cent=Decimal("0.01")) -> Decimal:
    """Integer cents as a Decimal with two places (`data.money` for plain ints); most aging
    cells are zero, and share one. (A product with 0.01: exact, and faster than `scaleb`.)"""
    return _zero if cents == 0 else Decimal(cents) * _cent


# ---------------------------------------------------------------- overdue list


def overdue_frame(data: ReportData, as_of: dt.date, min_days: int = 1) -> pd.DataFrame:
    """Receivables overdue by at least `min_days` (≥ 1) with money outstanding, most days first.

    Money columns are integer cents; `collected_amount` is what was received up to as-of.
    """
    import pandas as pd

    extra = ("contract_id", "account_id", "owner", "milestone", "invoice_no")
    cols = _as_of_columns(extra)
    memo = _as_of_memo(data, as_of, cols)
    if memo is not None:
        late = memo[(memo["days_overdue"] >= max(min_days, 1)) & (memo["outstanding"] > 0)].copy()
    else:  # only the overdue rows are taken into a frame (a fifth of a million open receivables)
        got = open_receivables(data, as_of)
        late = _frame_of(data, got, cols, (got.days >= max(min_days, 1)) & (got.outstanding > 0))
    if late["owner"].isna().any():  # fall back to the contract's owner
        con = data.frame("contracts", ["owner"])
        late["owner"] = late["owner"].where(
            late["owner"].notna(), lookup(late["contract_id"], con["contract_id"], con["owner"])
        )
    late["account_name"] = account_names(data, late["account_id"])
    late["days_overdue"] = late["days_overdue"].astype("int64")
    late["collected_amount"] = late["collected"]
    table = levels(data.settings)
    late["level"] = [level_of(d, table) for d in late["days_overdue"].tolist()]
    late = late.sort_values(
        ["days_overdue", "outstanding", "receivable_id"],
        ascending=[False, False, True],
        kind="stable",
    )
    return pd.DataFrame({f: late[f] for f in OVERDUE_FIELDS}).reset_index(drop=True)


def overdue_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The overdue list as JSON-ready dicts (money as Decimal, dates as date)."""
    return records(df, list(OVERDUE_FIELDS), money_cols=MONEY_FIELDS, int_cols=("days_overdue",))
