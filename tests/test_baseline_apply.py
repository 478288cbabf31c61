"""`storage.baseline.apply` (the saved state of a register, with a command's changes applied)
turns created records into columns once at the end: the same snapshot as applying each change
in order, one cell at a time, for any mix of creates, sets and deletes, unreadable cells included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from salesops.core.handedits import Unreadable
from salesops.schema import REGISTERS
from salesops.storage.baseline import Op, Snapshot, apply
from salesops.typed import arrow_type, storage_value

LEADS = REGISTERS["leads"]


def one_by_one(register, snap: Snapshot, ops: list[Op]) -> Snapshot:
    """The same changes on a plain model: each record a dict of stored cells and of the text of its
    unreadable ones, found by ID (the first record holding it), changed in order."""
    names = [c.name for c in register.columns]
    records = [
        {"cells": row, "bad": {f: t for (r, f), t in snap.bad.items() if r == i}, "gone": False}
        for i, row in enumerate(snap.data.select(names).to_pylist())
    ]
    found: dict[str, dict] = {}
    for rec in records:
        if isinstance(rec["cells"][register.id_column], str):
            found.setdefault(rec["cells"][register.id_column].strip(), rec)
    for op in ops:
        if op.kind == "delete":
            rec = found.pop(op.record_id, None)
            if rec is not None:
                rec["gone"] = True
            continue
        if op.kind == "create":
            rec = {"cells": dict.fromkeys(names), "bad": {}, "gone": False}
            records.append(rec)
            found[op.record_id] = rec
        rec = found.get(op.record_id)
        if rec is None:
            continue
        for name, value in op.fields.items():
            if name not in names:
                continue
            if isinstance(value, Unreadable):
                rec["cells"][name], rec["bad"][name] = None, value.text
            else:
                rec["cells"][name] = storage_value(register.column(name), value)
                rec["bad"].pop(name, None)
    kept = [rec for rec in records if not rec["gone"]]
    data = pa.Table.from_arrays(
        [pa.array([rec["cells"][c.name] for rec in kept], type=arrow_type(c)) for c in register.columns], names=names
    )
    return Snapshot(data, {(i, f): t for i, rec in enumerate(kept) for f, t in rec["bad"].items()})


ids = st.sampled_from(["L-000001", "L-000002", "L-000003", "L-000004", "L-000005"])
cells = st.fixed_dictionaries(
    {},
    optional={
        "company": st.one_of(st.none(), st.sampled_from(["甲公司", "Acme", ""]), st.builds(Unreadable, st.just("=x"))),
        "created_on": st.one_of(st.none(), st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)), st.builds(Unreadable, st.just("2026-13-45"))),
        "estimated_value": st.one_of(st.none(), st.decimals(-(10**9), 10**9, places=2), st.builds(Unreadable, st.just("abc"))),
        "score": st.one_of(st.none(), st.integers(0, 100)),
        "status": st.sampled_from(["new", "contacted", "converted"]),
        "not_a_field": st.just("ignored"),
    },
)
ops = st.lists(
    st.one_of(
        st.builds(lambda rid, f: Op("create", rid, {"lead_id": rid, **f}), ids, cells),
        st.builds(lambda rid, f: Op("set", rid, f), ids, cells),
        st.builds(lambda rid: Op("delete", rid), ids),
    ),
    max_size=12,
)


def snapshot(k: int, bad_cells: list[tuple[int, str]]) -> Snapshot:
    rows = [{"lead_id": f"L-{i + 1:06d}", "company": f"公司{i}", "status": "new", "estimated_value": 1234, "created_on": 20000 + i} for i in range(k)]
    data = pa.Table.from_arrays(
        [pa.array([r.get(c.name) for r in rows], type=arrow_type(c)) for c in LEADS.columns], names=[c.name for c in LEADS.columns]
    )
    return Snapshot(data, {(r, f): "??" for r, f in bad_cells if r < k})


@settings(max_examples=400, deadline=None)
@given(k=st.integers(0, 3), changes=ops, bad_cells=st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["company", "created_on"])), max_size=3))
def test_created_records_made_into_columns_at_the_end_are_the_records_made_one_by_one(k, changes, bad_cells):
    snap = snapshot(k, bad_cells)
    got, want = apply(LEADS, snap, changes), one_by_one(LEADS, snap, changes)
    assert got.data.equals(want.data)
    assert got.bad == want.bad


def test_a_hundred_thousand_created_records():
    rows = [Op("create", f"L-{i:06d}", {"lead_id": f"L-{i:06d}", "company": f"公司{i}", "estimated_value": Decimal("12.5"), "created_on": dt.date(2026, 11, 5)}) for i in range(100_000)]
    got = apply(LEADS, snapshot(0, []), rows)
    assert got.data.num_rows == 100_000 and got.data.column("estimated_value")[5].as_py() == 1250
    assert got.data.column("created_on")[99_999].as_py() == dt.date(2026, 11, 5)
