"""`report aging --by account` with numpy alone, over cached or fast-read columns.

The general aging (`reports.ar.aging`) reads pandas frames; importing pandas
alone takes longer than DuckDB needs for a million receivables. When the
registers are CSV files in the simple shape (`storage.fastcsv`), or their
columns are in the cache (`storage.cache`), this kernel computes the very same
result — same filters, same as-of replay of payments, same buckets, same
order, same `AgingResult` — without pandas. Whenever anything is outside what
it handles (grouping other than by account, a receivable without an account,
duplicate receivable IDs, an xlsx register not cached yet, a cell that does
not parse) it returns None and the caller uses the general path, which also
reports the problems. `tests/test_cache.py` proves both paths agree.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from salesops.reports.data import LEFT_OUT
from salesops.storage.fastcsv import EPOCH, NULL_DAY, NULL_INT, TextColumn

if TYPE_CHECKING:
    from salesops.reports.ar import AgingResult
    from salesops.reports.data import ReportData

ZERO = Decimal(0).scaleb(-2)
BY_ACCOUNT = ("account", "account_id", "客户", "客户编号")


def try_aging(data: ReportData, as_of: dt.date, by: str = "account") -> AgingResult | None:
    """The aging by account as `reports.ar.aging` computes it, or None when this kernel cannot."""
    if (by or "account").strip().casefold() not in BY_ACCOUNT:
        return None
    from salesops.reports import ar
    from salesops.schema import REGISTERS
    from salesops.storage.cache import columns, derived, stamp

    ws = data.ws
    order = ws.settings.date_order
    files = {name: ws.file_of(name) for name in ("receivables", "payments", "accounts")}
    if not all(exists for _, _, exists in files.values()):
        return None
    # payment → receivable rows, cached while both files are unchanged: the IDs are then not needed
    link_name, sources = "payments-to-receivables", [files["receivables"][0], files["payments"][0]]
    before = [stamp(p, order) for p in sources]
    link = derived(ws.root, link_name, sources, order, None)
    ids = ("receivable_id",) if link is None else ()
    wanted = {
        "receivables": [*ids, "account_id", "amount", "invoiced_on", "due_date", "status"],
        "payments": [*ids, "received_on", "amount"],
        "accounts": ["account_id", "name"],
    }
    got = {}
    for name, cols_wanted in wanted.items():  # one after the other: each is read on two threads
        path, fmt, _ = files[name]
        cols = columns(
            ws.root,
            path,
            fmt,
            REGISTERS[name],
            cols_wanted,
            order,
            transient=ids,
            keys_only=tuple(ids),
        )
        if cols is None:
            return None
        got[name] = cols
    rec, pay = got["receivables"], got["payments"]
    if link is None:
        link = derived(
            ws.root,
            link_name,
            sources,
            order,
            lambda: link_rows(rec.data["receivable_id"], pay.data["receivable_id"]),
            expect=before,
        )
    if link is None or len(link) != pay.n:
        return None
    edges = ar.bucket_edges(data)
    names = ar.bucket_names(edges)
    grid, keys = _grid(rec, pay, link, as_of, edges, len(names))
    if grid is None:
        return None
    show = grid.any(axis=1)
    table = _names(got["accounts"])
    totals_by_key = grid.sum(axis=1)
    order_ = sorted(np.flatnonzero(show).tolist(), key=lambda i: (-int(totals_by_key[i]), keys[i]))
    cells = grid[order_].tolist()
    overdue = grid[order_, 1:].sum(axis=1).tolist()
    total = totals_by_key[order_].tolist()
    rows = []
    for i, vals, late, all_ in zip(order_, cells, overdue, total, strict=True):
        key = keys[i]
        row = {"key": key, "name": table.get(key) or key}
        row.update(zip(names, map(_money, vals), strict=True))
        row["overdue"] = _money(late)
        row["total"] = _money(all_)
        rows.append(row)
    sums = grid.sum(axis=0)
    totals = {n: _money(v) for n, v in zip(names, sums.tolist(), strict=True)}
    totals["overdue"] = _money(int(sums[1:].sum()))
    totals["total"] = _money(int(sums.sum()))
    return ar.AgingResult(as_of, "account", names, rows, totals)


def _grid(rec, pay, link: np.ndarray, as_of: dt.date, edges: list[int], nb: int):
    """(groups × buckets int64 cents, group keys) or (None, None) when the kernel must decline."""
    day = (as_of - EPOCH).days
    inv = rec.data["invoiced_on"]
    status: TextColumn = rec.data["status"]
    left = np.array([u in LEFT_OUT for u in status.uniques()] + [False], dtype=bool)
    keep = (inv != NULL_DAY) & (inv <= day) & ~left[status.codes]  # code -1 → the False at the end
    acc: TextColumn = rec.data["account_id"]
    if (acc.codes[keep] < 0).any():
        return None, None  # attributed through contracts: the general path
    # payments received up to as-of, summed per receivable (link: payment row → receivable row)
    received = pay.data["received_on"]
    counted = (link >= 0) & (received != NULL_DAY) & (received <= day)
    paid_amount = pay.data["amount"][counted]
    paid_amount = np.where(paid_amount == NULL_INT, 0, paid_amount)
    collected = _sum_by(link[counted], paid_amount, rec.n)
    amount = rec.data["amount"]
    outstanding = (np.where(amount == NULL_INT, 0, amount) - collected)[keep]
    due = rec.data["due_date"][keep]
    days = day - due.astype(np.int64)
    bucket = np.searchsorted(np.asarray(edges, dtype=np.int64), days, side="left") + 1
    bucket = np.where((due != NULL_DAY) & (days >= 1), bucket, 0)
    acc_codes = acc.codes[keep]
    used = np.flatnonzero(np.bincount(acc_codes, minlength=len(acc.hashes)))
    remap = np.zeros(len(acc.hashes), dtype=np.int64)
    remap[used] = np.arange(len(used))
    grid = _sum_by(remap[acc_codes] * nb + bucket, outstanding, len(used) * nb)
    uniques = acc.uniques()
    return grid.reshape(len(used), nb), [uniques[c] for c in used.tolist()]


def _sum_by(index: np.ndarray, cents: np.ndarray, n: int) -> np.ndarray:
    """Exact int64 sums of `cents` per `index` (float bincount when it cannot round)."""
    if len(cents) == 0:
        return np.zeros(n, dtype=np.int64)
    if int(np.abs(cents).sum()) < 2**53:  # every partial sum is an exact float
        return np.bincount(index, weights=cents.astype(np.float64), minlength=n).astype(np.int64)
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, index, cents)
    return out


def link_rows(ids, refs) -> np.ndarray | None:
    """For each row of `refs`, the row of `ids` holding the same text (-1 if none).

    Both are `fastcsv.KeyColumn`s (per-row fingerprints). None when `ids`
    repeats a value (the general path's first-match rules apply then) or two
    fingerprints collide.
    """
    rows = np.flatnonzero(ids.lengths > 0)
    h = ids.h1[rows]
    order = np.argsort(h)
    hs = h[order]
    if len(hs) > 1 and (hs[1:] == hs[:-1]).any():
        return None  # a repeated ID (or, once in 2**64, a collision)
    out = np.full(len(refs), -1, dtype=np.int32)
    if not len(hs):
        return out
    at = np.minimum(np.searchsorted(hs, refs.h1), len(hs) - 1)
    cand = rows[order[at]]
    hit = (refs.lengths > 0) & (hs[at] == refs.h1)
    same = hit & (ids.h2[cand] == refs.h2) & (ids.lengths[cand] == refs.lengths)
    if (hit & ~same).any():
        return None  # pragma: no cover - a fingerprint collision
    out[same] = cand[same]
    return out


def _money(cents: int) -> Decimal:
    """Cents as `reports.data.money` gives them (a Decimal with two places), without pandas."""
    return ZERO if cents == 0 else Decimal(cents).scaleb(-2)


def _names(acc) -> dict[str, str | None]:
    """account_id → name, the last row winning (as a dict built from the frame does)."""
    ids: TextColumn = acc.data["account_id"]
    names: TextColumn = acc.data["name"]
    iu, nu = ids.uniques(), names.uniques()
    table: dict = {}
    for i, n in zip(ids.codes.tolist(), names.codes.tolist(), strict=True):
        table[iu[i] if i >= 0 else None] = nu[n] if n >= 0 else None
    return table
