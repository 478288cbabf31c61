"""Exact money in the cash and incentive reports: rounding once, and splitting a total to the cent.

Figures are integer cents (or hundredths of a count) computed as exact
`Fraction`s; each is rounded once, halves away from zero, and a total shared
among lines is split so the lines add up to it exactly (largest remainders).
"""

from __future__ import annotations

from fractions import Fraction


def round_half_up(value: Fraction) -> int:
    """`value` rounded to the nearest integer, halves away from zero."""
    q, r = divmod(abs(value.numerator), value.denominator)
    q += 1 if 2 * r >= value.denominator else 0
    return q if value >= 0 else -q


def apportion(shares: list[Fraction], total: int) -> list[int]:
    """Whole cents for exact non-negative `shares` that sum to `total`: each share rounded down,
    the cents left given one each to the largest remainders (the first of equal ones)."""
    floors = [s.numerator // s.denominator for s in shares]
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in order[: max(total - sum(floors), 0)]:
        floors[i] += 1
    return floors


def split(total: int, weights: list[Fraction]) -> list[int]:
    """`total` cents split in proportion to `weights` (not all zero), adding up to `total`."""
    whole = sum(weights, Fraction(0))
    if not weights or whole == 0:
        return [0] * len(weights)
    return apportion([w * total / whole for w in weights], total)
