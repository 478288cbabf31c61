"""`storage.baseline.apply` (the saved state of a register, with a command's changes applied)
turns created records into columns once at the end: the same snapshot as applying each change
in order, one cell at a time, for any mix of creates, sets and deletes, unreadable cells included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from salesops.core.handedits import Unreadable
from salesops.schema import REGISTERS
from salesops.storage.baseline import Op, Snapshot, apply
from salesops.typed import arrow_type, storage_value

LEADS = REGISTERS["leads"]


def one_by_one(register, snap: Snapshot, ops: list[Op]) -> Snapshot:
    """Each change applied in order, cell by cell (apply as it was written before)."""
    if not ops:
        return snap
    idc = register.id_column
    n = snap.data.num_rows
    index: dict[str, int] = {}
    for i, value in enumerate(snap.data.column(idc).to_pylist()):
        if isinstance(value, str):
            index.setdefault(value.strip(), i)
    created: list[dict[str, Any]] = []
    sets: dict[str, dict[int, Any]] = {}
    bad = dict(snap.bad)
    deleted: set[int] = set()
    for op in ops:
        if op.kind == "delete":
            gone = index.pop(op.record_id, None)
            if gone is not None:
                deleted.add(gone)
            continue
        if op.kind == "create":
            created.append({})
            index[op.record_id] = n + len(created) - 1
        row = index.get(op.record_id)
        if row is None:
            continue
        for name, value in op.fields.items():
            if name not in register.by_name:
                continue
            column = register.column(name)
            if isinstance(value, Unreadable):
                stored = None
                bad[(row, name)] = value.text
            else:
                stored = storage_value(column, value)
                bad.pop((row, name), None)
            if row >= n:
                created[row - n][name] = stored
            else:
                sets.setdefault(name, {})[row] = stored
    data = snap.data
    for name, cells in sets.items():
        mask = np.zeros(n, dtype=bool)
        order = sorted(cells)
        mask[order] = True
        replacement = pa.array([cells[i] for i in order], type=arrow_type(register.column(name)))
        at = data.schema.get_field_index(name)
        data = data.set_column(at, name, pc.replace_with_mask(data.column(name).combine_chunks(), pa.array(mask), replacement))
    if created:
        extra = pa.Table.from_arrays(
            [pa.array([r.get(c.name) for r in created], type=arrow_type(c)) for c in register.columns],
            names=[c.name for c in register.columns],
        )
        data = pa.concat_tables([data.select(extra.column_names), extra])
    if deleted:
        keep = np.ones(data.num_rows, dtype=bool)
        keep[sorted(deleted)] = False
        data = data.filter(pa.array(keep))
        before = np.cumsum(~keep)
        bad = {(int(i - before[i]), f): t for (i, f), t in bad.items() if keep[i]}
    return Snapshot(data.combine_chunks(), bad)


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
