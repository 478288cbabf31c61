"""`salesops.arrownp` (numpy from Arrow buffers and back, no pandas) agrees with pyarrow's own
conversions for any values: nulls, slices (a non-zero offset) and chunks."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from salesops import arrownp

ints64 = st.lists(st.one_of(st.none(), st.integers(-(2**62), 2**62)), max_size=40)
flags = st.lists(st.one_of(st.none(), st.booleans()), max_size=40)
texts = st.lists(st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6)), max_size=30)


def shapes(arr: pa.Array, cut: int) -> list:
    """The array whole, sliced past `cut` elements, and in two chunks."""
    cut = min(cut, len(arr))
    return [arr, arr.slice(cut), pa.chunked_array([arr[:cut], arr[cut:]], type=arr.type)]


@settings(max_examples=150, deadline=None)
@given(values=ints64, cut=st.integers(0, 9), fill=st.integers(-3, 3))
def test_ints_and_validity_are_the_values_and_nulls(values, cut, fill):
    days = [None if v is None else v % 100_000 for v in values]
    for arr0 in (pa.array(values, type=pa.int64()), pa.array(days, type=pa.int32()).cast(pa.date32())):
        for arr in shapes(arr0, cut):
            want = (arr.cast(pa.int32()) if arr.type == pa.date32() else arr).to_pylist()
            got, ok = arrownp.ints(arr, fill)
            assert ok.tolist() == [v is not None for v in want]
            assert got.tolist() == [fill if v is None else v for v in want]
            assert arrownp.valid(arr).tolist() == ok.tolist()


@settings(max_examples=150, deadline=None)
@given(values=flags, cut=st.integers(0, 9))
def test_bools_are_the_flags_with_null_as_false(values, cut):
    for arr in shapes(pa.array(values, type=pa.bool_()), cut):
        assert arrownp.bools(arr).tolist() == [bool(v) for v in arr.to_pylist()]


@settings(max_examples=150, deadline=None)
@given(values=ints64)
def test_arrays_built_on_numpy_buffers_are_the_values(values):
    ok = np.array([v is not None for v in values], dtype=bool)
    raw = np.array([0 if v is None else v for v in values], dtype=np.int64)
    built = arrownp.array(raw, pa.int64(), ok)
    built.validate(full=True)
    assert built.to_pylist() == values
    assert arrownp.mask(ok).to_pylist() == ok.tolist()
    assert arrownp.of_list(values, pa.int64()).equals(pa.array(values, type=pa.int64()))


@settings(max_examples=150, deadline=None)
@given(values=texts, bits=flags)
def test_a_list_of_python_values_is_the_array_pyarrow_makes_of_it(values, bits):
    for vals, typ in ((values, pa.string()), (bits, pa.bool_())):
        got = arrownp.of_list(vals, typ)
        got.validate(full=True)
        assert got.equals(pa.array(vals, type=typ))


@settings(max_examples=150, deadline=None)
@given(values=texts, cut=st.integers(0, 9))
def test_lengths_are_arrows_byte_lengths(values, cut):
    import pyarrow.compute as pc

    for arr in shapes(pa.array(values, type=pa.string()), cut):
        want = pc.fill_null(pc.binary_length(arr), 0)
        want = want.combine_chunks() if isinstance(want, pa.ChunkedArray) else want
        assert arrownp.lengths(arr).tolist() == want.to_pylist()


def _id(prefix: str, width: int, number: int) -> str:
    return f"{prefix}{number:0{width}d}"


@st.composite
def numbered(draw):
    """(IDs of a register numbered as salesops numbers them — one prefix, zero-padded numbers
    growing past the width — in any order, maybe spoiled; references to them and to near misses)."""
    prefix = draw(st.sampled_from(["R-", "", "INV-2026-", "客户", "P"]))
    width = draw(st.integers(1, 12))
    start = draw(st.integers(0, 10**width + 5))
    numbers = draw(st.lists(st.integers(start, start + 60), min_size=1, max_size=40, unique=True))
    numbers = draw(st.permutations(numbers))
    ids = [_id(prefix, width, k) for k in numbers]
    spoil = draw(st.sampled_from([None, "twice", "leading-zero", "other-prefix", "letter", "null"]))
    if spoil == "twice":
        ids.append(draw(st.sampled_from(ids)))
    elif spoil == "leading-zero":
        ids.append(f"{prefix}0{numbers[0]:0{width}d}")
    elif spoil == "other-prefix":
        ids.append(f"X{ids[0]}")
    elif spoil == "letter":
        ids.append(f"{prefix}{'9' * (width - 1)}A")
    elif spoil == "null":
        ids.append(None)
    near = [
        *ids,
        None,
        "",
        prefix,
        f"{prefix}0{numbers[0]:0{width}d}",
        _id(prefix, width, start + 61),
        _id(prefix, width + 1, numbers[-1]),
        _id("Q" + prefix, width, numbers[0]),
        _id(prefix, width, numbers[0]).replace("1", "１"),
        f"{prefix}-{numbers[0]}",
        f" {ids[0]}",
    ]
    refs = draw(st.lists(st.sampled_from(near), max_size=50))
    dense = max(numbers) - min(numbers) < 4 * len(numbers)  # else too sparse for a table
    return ids, refs, spoil if spoil or dense else "sparse"


@settings(max_examples=300, deadline=None)
@given(case=numbered(), cut=st.integers(0, 9))
def test_index_in_finds_what_arrows_index_in_finds(case, cut):
    import pyarrow.compute as pc

    ids, refs, spoil = case
    saved = arrownp._NUMBERED_MIN
    arrownp._NUMBERED_MIN = 1  # (registers of a few thousand records are hashed)
    try:
        for value_set in shapes(pa.array(ids, type=pa.string()), cut):
            for values in shapes(pa.array(refs, type=pa.string()), cut):
                want = pc.index_in(values, value_set=value_set, skip_nulls=True)
                want = want.combine_chunks() if isinstance(want, pa.ChunkedArray) else want
                assert arrownp.index_in(values, value_set).to_pylist() == want.to_pylist()
        if spoil is None:  # a register numbered cleanly is read by its numbers, not hashed
            assert arrownp._numbered(pa.array(refs, type=pa.string()), pa.array(ids, type=pa.string())) is not None
    finally:
        arrownp._NUMBERED_MIN = saved
