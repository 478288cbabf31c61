"""A register's lookups in commands (`storage.table.Table`): `where`, `get`, `find` and `ids`
give what a row-by-row look at the typed cells gives, on a real CSV register, before and after
the command's own changes — whether they compare inside Arrow (`where`), take cells one by one
(the first `SCALAR_LOOKS` of a column) or from the column made a Python list (after them).
And the reports' key-to-row lookups (`reports.data.positions`, `lookup`), against a plain search."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesops.storage.table import FINDS_BEFORE_IDS, SCALAR_LOOKS, Table
from salesops.storage.workspace import Workspace
from tests.conftest import make_workspace

HEADER = ["payment_id", "receivable_id", "account_id", "received_on", "amount", "method", "reference", "notes"]
TARGETS = ["R-000001", "R-000002", " R-000003", "R-000003", "", "r-000001"]


def _write(root: Path, rows: list[list[str]]) -> None:
    with open(root / "payments.csv", "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows([HEADER, *rows])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    targets=st.lists(st.sampled_from(TARGETS), min_size=SCALAR_LOOKS + 10, max_size=SCALAR_LOOKS + 80),
    ids=st.lists(st.sampled_from(["P-000001", "P-000002", " P-000003 ", "", "P-000004"]), min_size=1, max_size=5),
    changes=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(["R-000001", "R-000009"])), max_size=4),
)
def test_lookups_give_what_the_file_holds_row_by_row(tmp_path_factory, targets, ids, changes):
    root = make_workspace(tmp_path_factory.mktemp("t") / "ws", "csv")
    rows = [
        [ids[i % len(ids)] if i < len(ids) else f"P-{i + 1:06d}", r, "A-000001", "2026-11-02", f"{i}.50", "cash", "", ""]
        for i, r in enumerate(targets)
    ]
    _write(root, rows)
    table = Workspace(root).table("payments")
    n = len(rows)
    assert len(table) == n

    cells = {name: table.typed.data.column(name).to_pylist() for name in ("payment_id", "receivable_id")}
    for i in range(n):  # one by one, then (past SCALAR_LOOKS) from the column as a list: the same
        assert table.get(i, "receivable_id") == cells["receivable_id"][i]
        assert table.get(i, "amount") == Decimal(f"{i}.50")
    assert table.get(n - 1, "received_on") == dt.date(2026, 11, 2)
    assert [table.get(i, "receivable_id") for i in range(n)] == [(r[1].strip() or None) for r in rows]

    def expect(value: str) -> list[int]:
        return [i for i in range(len(table)) if table.get(i, "receivable_id") == value]

    for value in ["R-000001", "R-000003", " R-000003", "r-000001", "R-404"]:
        assert table.where("receivable_id", value) == expect(value), value
    first: dict[str, int] = {}
    for i, key in enumerate(cells["payment_id"]):
        if key:
            first.setdefault(key.strip(), i)
    assert table.ids == first
    assert table.find(" P-000001") == first.get("P-000001")

    for at, value in changes:
        table.set(at % n, "receivable_id", value)
    assert table.append({"payment_id": "P-900000", "receivable_id": "R-000001", "amount": Decimal("1.00")}) == n
    for value in ["R-000001", "R-000009", "R-000002"]:
        assert table.where("receivable_id", value) == expect(value), value
    assert table.find("P-900000") == n
    for name in ("receivable_id", "amount", "received_on", "payment_id", "reference"):  # a field whole
        assert table.column(name) == [table.get(i, name) for i in range(len(table))], name
    # `find` before `ids` exists (cut inside Arrow) answers as `ids` does, the command's own
    # changes (IDs set, a record added) included
    keys = ["P-000001", " P-000003", "P-000003", "P-000002", "P-777777", "P-404", "", f"P-{n:06d}", "p-000002"]

    def changed() -> Table:
        other = Workspace(root).table("payments")
        other.append({"payment_id": "P-000002", "receivable_id": "R-000001", "amount": Decimal("1.00")})
        for at, _value in changes:
            other.set(at % n, "payment_id", "P-777777")
        return other

    built = changed()
    assert built.ids
    for key in keys:
        fresh = changed()
        assert fresh.find(key) == built.find(key), key
        if key.strip() in built.ids:  # found exactly: without making `ids`
            assert fresh._ids is None, key


def test_find_indexes_every_id_once_a_command_looks_for_many(tmp_path):
    """The first `FINDS_BEFORE_IDS` lookups scan the ID column inside Arrow; a command looking for
    more (a bulk advance of 28,000 leads scanned 100,000 IDs for each) indexes them once, and
    both answer alike, the command's own changes included."""
    root = make_workspace(tmp_path / "ws", "csv")
    _write(root, [[f"P-{i:06d}", "R-000001", "A-000001", "2026-11-02", "1.00", "cash", "", ""] for i in range(1, 41)])

    def changed() -> tuple[Table, int]:
        table = Workspace(root).table("payments")
        table.set(3, "payment_id", "P-500000")
        return table, table.append({"payment_id": "P-600000", "receivable_id": "R-000001", "amount": Decimal("1.00")})

    table, added = changed()
    exact = ["P-500000", "P-600000", " P-000011 ", "P-000040", "P-000001", "P-000002", "P-000003", "P-000005"]
    assert len(exact) == FINDS_BEFORE_IDS
    assert [table.find(k) for k in exact] == [3, added, 10, 39, 0, 1, 2, 4]
    assert table._ids is None  # each found inside Arrow
    assert table.find("P-000020") == 19 and table._ids is not None  # one more: every ID indexed once
    asked = [*exact, "P-000004", "p-000010", "P-404"]
    scanned = []
    for k in asked:  # each on a table that has not looked for anything yet
        fresh, _ = changed()
        scanned.append(fresh.find(k))
    assert [table.find(k) for k in asked] == scanned == [3, added, 10, 39, 0, 1, 2, 4, None, 9, None]


# ---------------------------------------------------------------- reports: keys to rows

KEYS = st.one_of(st.none(), st.just(float("nan")), st.sampled_from(["R-1", "R-2", "r-1", " R-1", "2026000001", "甲"]))


@settings(max_examples=200, deadline=None)
@given(keys=st.lists(KEYS, max_size=30), ids=st.lists(KEYS, max_size=30), dated=st.booleans())
def test_report_lookups_find_the_first_row_holding_each_key(keys, ids, dated):
    """`reports.data.positions` / `lookup`: the first row whose ID is the key, -1 / None when none
    (empty keys match nothing) — text inside Arrow, other keys (here dates) by a pandas index."""
    import pandas as pd

    from salesops.reports.data import lookup, positions

    if dated:  # not text: the pandas path
        day = {"R-1": dt.date(2026, 1, 1), "R-2": dt.date(2026, 1, 2)}
        keys = [day.get(k, k if k is None else None) if isinstance(k, str) or k is None else None for k in keys]
        ids = [day.get(k) if isinstance(k, str) else None for k in ids]

    def first(key) -> int:
        if key is None or key != key:
            return -1
        return next((j for j, i in enumerate(ids) if i is not None and i == i and i == key), -1)

    want = [first(k) for k in keys]
    key_series, id_series = pd.Series(keys, dtype=object), pd.Series(ids, dtype=object)
    assert positions(key_series, id_series).tolist() == want
    values = pd.Series([f"v{j}" for j in range(len(ids))], dtype=object)
    assert lookup(key_series, id_series, values).tolist() == [None if w < 0 else f"v{w}" for w in want]


@settings(max_examples=200, deadline=None)
@given(
    keys=st.lists(KEYS, max_size=30),
    pool=st.lists(KEYS, max_size=30),
    arrow=st.booleans(),
    kind=st.sampled_from(["list", "set", "series", "index"]),
    repeat=st.sampled_from([1, 1, 2, 40]),  # (a pool far larger than the keys is looked at another way)
)
def test_among_is_membership(keys, pool, arrow, kind, repeat):
    """`reports.data.among`: whether each key is one of the pool, an empty key (None, NaN) among a
    pool holding an empty one — pandas' `isin` for text held by Arrow (history's columns), whatever
    holds the pool."""
    import pandas as pd

    from salesops.reports.data import among

    def empty(v) -> bool:
        return v is None or v != v

    dtype = "str" if arrow else object
    pool = pool * repeat
    key_series = pd.Series(keys, dtype=dtype)
    held = pd.Series(pool, dtype=dtype)
    given_pool = {"list": list(held), "set": set(held), "series": held, "index": pd.Index(held)}[kind]
    texts = {v for v in pool if not empty(v)}
    want = [any(map(empty, pool)) if empty(k) else k in texts for k in keys]
    assert among(key_series, given_pool).tolist() == want
    if arrow:
        assert want == key_series.isin(given_pool).tolist()


def test_next_id_is_found_once_and_follows_what_the_command_adds(tmp_path):
    """`next_id` scans the IDs once per command and then follows the records the command adds
    (one by one or in bulk) and the IDs it sets: always what a scan of every ID would give."""
    import re

    root = make_workspace(tmp_path / "ws", "csv")
    _write(root, [[f"P-{i:06d}", "R-000001", "A-000001", "2026-11-02", "1.00", "cash", "", ""] for i in (1, 2, 5)])
    table = Workspace(root).table("payments")

    def scanned() -> str:
        numbers = [int(m.group(1)) for k in table.ids if (m := re.match(r"P-(\d+)$", k.strip(), re.I))]
        return f"P-{max(numbers, default=0) + 1:06d}"

    def record(pid: str) -> dict:
        return {"payment_id": pid, "receivable_id": "R-000001", "amount": Decimal("1.00")}

    assert table.next_id() == scanned() == "P-000006"
    table.append(record(table.next_id()))
    assert table.next_id() == scanned() == "P-000007"
    table.append(record("P-000100"))
    table.append(record(" p-000120 "))  # another case, padded: an ID of the form all the same
    table.append(record("X-999999"))  # not of the form: no number
    assert table.next_id() == scanned() == "P-000121"
    table.append_many([record("P-000300"), record("P-000200")])
    assert table.next_id() == scanned() == "P-000301"
    table.set(0, "payment_id", "P-000900")
    assert table.next_id() == scanned() == "P-000901"
    table.set(0, "payment_id", "P-000001")  # the largest gone again
    assert table.next_id() == scanned() == "P-000301"


def test_a_whole_field_holds_none_for_a_cell_that_did_not_read_until_the_command_sets_it(tmp_path):
    root = make_workspace(tmp_path / "ws", "csv")
    _write(root, [["P-000001", "R-000001", "A-000001", "2026-11-02", "1.50", "cash", "", ""],
                  ["P-000002", "R-000002", "A-000001", "2026-13-45", "abc", "cash", "", ""],
                  ["P-000003", "R-000003", "A-000001", "", "2", "cash", "", ""]])
    table = Workspace(root).table("payments")
    assert table.column("amount") == [Decimal("1.50"), None, Decimal("2")]
    assert table.column("received_on") == [dt.date(2026, 11, 2), None, None]
    table.set(1, "amount", Decimal("3.25"))
    table.append({"payment_id": "P-000004", "receivable_id": "R-000001", "amount": Decimal("4.00")})
    assert table.column("amount") == [Decimal("1.50"), Decimal("3.25"), Decimal("2"), Decimal("4.00")]
    assert table.column("received_on") == [dt.date(2026, 11, 2), None, None, None]
    assert table.column("method") == ["cash", "cash", "cash", None]
