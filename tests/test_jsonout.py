"""`-f json` text (`salesops.jsonout.dumps`) is exactly the standard library's.

`dumps(data)` promises `json.dumps(cli.common.to_jsonable(data), ensure_ascii=False, indent=2)`
byte for byte, written faster: records of plain values go to the C encoder. Drawn here are the
shapes reports give — lists of records with the same keys, nested sections, amounts as Decimals
(exact in a float or not), dates, text with quotes, line breaks and Chinese — and odd ones.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from salesops.cli.common import to_jsonable
from salesops.jsonout import dumps

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Co")), max_size=12) | st.sampled_from(
    ["", "华东区 · 上海", 'say "hi"', "a\nb", "tab\there", "\\", "}, {", "\u2028"]
)
cents = st.integers(min_value=-(10**15), max_value=10**15)
money = cents.map(lambda c: Decimal(c).scaleb(-2)) | st.decimals(allow_nan=False, allow_infinity=False, places=4)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    money,
    st.dates(),
    st.datetimes(),
    texts,
)
keys = texts
records = st.fixed_dictionaries({"id": texts, "amount": money, "on": st.dates() | st.none(), "days": st.integers()})
values = st.recursive(
    scalars | st.lists(records, max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=30,
)


MARK = "\ue000"  # (no text drawn holds a private-use character)


def standard(data) -> str:
    """The standard library's text; a Decimal that is no float (a sum past 15 digits) digit for digit."""
    text = json.dumps(
        to_jsonable(data), ensure_ascii=False, indent=2, default=lambda d: MARK + format(d if d else abs(d), "f") + MARK
    )
    return re.sub(f'"{MARK}(.*?){MARK}"', r"\1", text)


@settings(max_examples=300)
@given(values)
def test_dumps_is_the_standard_librarys_text(data):
    assert dumps(data) == standard(data)


@given(st.lists(records, max_size=8), st.dictionaries(keys, scalars, max_size=5))
def test_sections_of_records_and_plain_mappings(rows, section):
    data = {"rows": rows, "totals": section, "nested": {"rows": rows, "empty": [], "none": {}}}
    assert dumps(data) == standard(data)


def test_a_sum_past_fifteen_digits_is_written_digit_for_digit():
    big = Decimal("12345678901234567.89")
    assert dumps({"total": big}) == '{\n  "total": 12345678901234567.89\n}'
    assert json.loads(dumps([{"a": big, "on": dt.date(2026, 12, 7)}]), parse_float=Decimal)[0]["a"] == big


column_values = st.one_of(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=3, max_size=3),
    st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=3, max_size=3),
    st.lists(texts, min_size=3, max_size=3),
    st.lists(texts | st.none(), min_size=3, max_size=3),
    st.lists(scalars, min_size=3, max_size=3),
    st.lists(values, min_size=3, max_size=3),
)


@settings(max_examples=200)
@given(st.lists(st.tuples(texts, column_values), max_size=5), st.integers(0, 3), st.integers(0, 3))
def test_records_given_column_by_column_are_written_as_the_dicts_they_stand_for(cols, depth, drop):
    """`jsonout.Columns` (a report's rows given column by column: floats, text, None, anything)
    is the same text as its list of dicts, at any depth; with no rows or no keys too."""
    from salesops.jsonout import Columns

    keys = list(dict.fromkeys(k for k, _ in cols))
    columns = [next(c for k2, c in cols if k2 == k)[drop:] for k in keys]
    table = Columns(keys, columns)
    data: object = table
    plain: object = table.records()
    for _ in range(depth):
        data, plain = {"rows": data, "n": 1}, {"rows": plain, "n": 1}
    assert dumps(data) == dumps(plain) == standard(plain)


@given(st.lists(st.integers(min_value=-(10**16), max_value=10**16), max_size=6))
def test_exact_cents_says_whether_every_amount_is_a_float(cents):
    import numpy as np

    from salesops.jsonout import decimal_text, exact_cents
    from salesops.values import float_exact

    arr = np.array(cents, dtype=np.int64)
    assert exact_cents(arr) == all(float_exact(Decimal(c).scaleb(-2)) for c in cents)
    if exact_cents(arr):
        assert [decimal_text(Decimal(c).scaleb(-2)) for c in cents] == [repr(c / 100) for c in cents]


@given(st.integers(min_value=-(10**20), max_value=10**20))
def test_aging_money_is_the_cents_with_two_places(cents):
    from salesops.reports.ar import _money

    assert _money(cents).as_tuple() == Decimal(cents).scaleb(-2).as_tuple()


@settings(max_examples=200)
@given(values)
def test_long_lists_of_records_are_written_column_by_column_as_the_same_text(data):
    """A list of records with the same keys (`jsonout.AS_COLUMNS` of them or more) is written
    column by column: the same text as record by record, for any values and key orders."""
    from salesops import jsonout

    saved = jsonout.AS_COLUMNS
    jsonout.AS_COLUMNS = 2
    try:
        assert dumps(data) == standard(data)
        rows = [{"id": "R-1", "on": dt.date(2026, 12, 7), "n": 3, "x": data}, {"id": "R-2", "on": None, "n": None, "x": 1.5}]
        assert dumps(rows) == standard(rows)
        assert dumps([rows[0], {"on": None, "id": "R-2", "n": 1, "x": None}]) == standard([rows[0], {"on": None, "id": "R-2", "n": 1, "x": None}])
    finally:
        jsonout.AS_COLUMNS = saved
