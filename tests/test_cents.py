"""The money arithmetic of the cash and incentive reports (hypothesis): rounded once, split to the cent."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from salesops.reports.cents import apportion, round_half_up, split

fractions = st.fractions(min_value=-(10**12), max_value=10**12, max_denominator=10**6)


@given(fractions)
def test_round_half_up_is_decimals_half_up(value: Fraction):
    want = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    assert round_half_up(value) == int(want)


@given(st.integers(0, 10**13), st.lists(st.integers(0, 10**9), min_size=1, max_size=30))
def test_a_total_split_by_weights_adds_up_and_each_part_is_within_a_cent(total, weights):
    parts = split(total, [Fraction(w) for w in weights])
    if sum(weights) == 0:
        assert parts == [0] * len(weights)
        return
    assert sum(parts) == total
    for part, w in zip(parts, weights, strict=True):
        exact = Fraction(total * w, sum(weights))
        assert exact - 1 < part < exact + 1 and part >= 0


@given(
    st.lists(
        st.fractions(min_value=0, max_value=10**9, max_denominator=10**4), min_size=1, max_size=20
    )
)
def test_apportioned_shares_add_up_to_their_rounded_total(shares):
    total = round_half_up(sum(shares, Fraction(0)))
    parts = apportion(shares, total)
    assert sum(parts) == total
    assert all(s - 1 < p < s + 1 for p, s in zip(parts, shares, strict=True))
