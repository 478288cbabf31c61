"""frames: a repetitive text column is parsed once per distinct value, with exactly the
values and problems the cell-by-cell path gives."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesops.schema import REGISTERS
from salesops.storage import frames

OPP = REGISTERS["opportunities"]
CELLS = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "",
            "   ",
            "proposal",
            " Proposal ",
            "报价投标",
            "won",
            "not a stage",
            "bad\x01text",
            "x" * 32_768,
            "TRUE",
            "no",
            "maybe",
            "A-000001",
            " A-000002",
        ]
    ),
    st.text(max_size=6),
)


def parse(col_name: str, cells: list, distinct: bool):
    col = OPP.column(col_name)
    s = pd.Series(cells, dtype=object)
    rows = pd.Series(range(2, len(cells) + 2))
    frame = frames.Frame(OPP, "opportunities.xlsx", pd.DataFrame(index=s.index))
    saved = frames._distinct
    try:
        if not distinct:
            frames._distinct = lambda s: None
        out = frames._parse_column(frame, col, s, rows)
    finally:
        frames._distinct = saved
    return out, [p.to_json() for p in frame.problems]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(CELLS, min_size=1, max_size=40),
    st.sampled_from(["stage", "owner", "account_id", "notes"]),
    st.integers(2000, 2600),
)
def test_distinct_path_agrees_with_the_cell_path(palette, column, n):
    cells = [palette[(i * 7919) % len(palette)] for i in range(n)]
    if any(isinstance(c, str) for c in cells):  # the path under test is taken
        assert frames._distinct(pd.Series(cells, dtype=object)) is not None
    fast, fast_problems = parse(column, cells, True)
    slow, slow_problems = parse(column, cells, False)
    pd.testing.assert_series_equal(fast, slow, check_names=False)
    assert fast_problems == slow_problems


def test_mixed_types_are_not_merged():
    """1, 1.0 and True compare equal in Python; such a column takes the cell-by-cell path."""
    cells = [1, 1.0, True, "1", None] * 500
    assert frames._distinct(pd.Series(cells, dtype=object)) is None
    out, _ = parse("notes", cells, True)
    assert out.tolist()[:5] == ["1", "1", "TRUE", "1", None]


def test_bool_column_spreads_missing_as_na():
    reg = REGISTERS["reps"]
    col = reg.column("active")
    assert col.type == "bool"
    cells = ["yes", None, "no", "maybe"] * 600
    s = pd.Series(cells, dtype=object)
    rows = pd.Series(range(2, len(cells) + 2))
    frame = frames.Frame(reg, "x.xlsx", pd.DataFrame(index=s.index))
    out = frames._parse_column(frame, col, s, rows)
    assert str(out.dtype) == "boolean"
    assert out.tolist()[:4] == [True, pd.NA, False, pd.NA]
    assert len(frame.problems) == 600
