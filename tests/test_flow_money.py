"""Money in the flow is exact to the cent: receivables plans, quote prices and margins, payment terms (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from salesops.core import contracts, flow, quotes
from salesops.schema import MILESTONE
from salesops.settings import Settings, defaults
from salesops.storage.workspace import Workspace

CENT = Decimal("0.01")
SETTINGS = Settings(defaults())

amounts = st.integers(min_value=1, max_value=10**12).map(lambda cents: Decimal(cents).scaleb(-2))


@st.composite
def percentages(draw) -> list[Decimal]:
    """Positive percentages (two decimals at most) summing to exactly 100."""
    n = draw(st.integers(min_value=1, max_value=6))
    cuts = sorted(
        draw(
            st.lists(
                st.integers(min_value=1, max_value=9999),
                min_size=n - 1,
                max_size=n - 1,
                unique=True,
            )
        )
    )
    edges = [0, *cuts, 10000]
    return [Decimal(b - a).scaleb(-2) for a, b in zip(edges, edges[1:], strict=False)]


@given(amounts, percentages())
def test_split_sums_exactly_and_each_part_is_within_cents_of_its_share(amount, pcts):
    parts = contracts.split(amount, pcts)
    assert len(parts) == len(pcts)
    assert sum(parts) == amount
    for part, pct in zip(parts, pcts, strict=True):
        assert part == part.quantize(CENT)
        assert abs(part - amount * pct / 100) <= CENT * len(pcts)


@given(amounts, percentages())
@settings(max_examples=40, deadline=None)
def test_signing_writes_a_plan_that_sums_to_the_contract_amount(amount, pcts):
    codes = ["advance", "delivery", "acceptance", "retention", "installation", "training"]
    terms = ",".join(f"{MILESTONE.label(c, 'zh')}:{p}" for c, p in zip(codes, pcts, strict=False))
    ws = Workspace(
        Path("/nonexistent/salesops-flow-money"), SETTINGS
    )  # in memory: nothing is committed
    ws.table("accounts").append({"account_id": "A-1", "name": "甲"})
    ws.table("opportunities").append(
        {
            "opportunity_id": "O-1",
            "name": "x",
            "account_id": "A-1",
            "owner": "张三",
            "stage": "negotiation",
            "created_on": dt.date(2026, 1, 1),
        }
    )
    contracts_t = ws.table("contracts")
    i = contracts_t.append(
        {
            "contract_id": "C-1",
            "opportunity_id": "O-1",
            "account_id": "A-1",
            "owner": "张三",
            "amount": amount,
            "payment_terms": terms,
            "status": "review",
        }
    )
    moved = flow.advance(
        ws.table,
        contracts_t,
        i,
        "signed",
        on=dt.date(2026, 11, 27),
        settings=ws.settings,
        by="王经理",
    )
    assert moved.steps == ["signed"]
    rt = ws.table("receivables")
    rows = [rt.record(j) for j in range(len(rt))]
    assert sum(r["amount"] for r in rows) == amount
    assert [r["pct"] for r in rows] == pcts
    assert [r["milestone"] for r in rows] == codes[: len(pcts)]
    assert {r["status"] for r in rows} == {"scheduled"}


@given(amounts, st.integers(min_value=0, max_value=10000).map(lambda bp: Decimal(bp).scaleb(-2)))
def test_price_is_list_times_one_minus_discount_to_the_cent(list_amount, discount):
    amount = quotes.price(list_amount, discount)
    exact = list_amount * (100 - discount) / 100
    assert amount == exact.quantize(CENT, rounding=ROUND_HALF_UP)
    assert 0 <= amount <= list_amount


@given(amounts, amounts)
def test_margin_is_amount_minus_cost_over_amount(amount, cost):
    m = quotes.margin(amount, cost)
    assert m == ((amount - cost) / amount * 100).quantize(CENT, rounding=ROUND_HALF_UP)
    assert m <= 100


@given(percentages(), st.booleans())
def test_terms_parse_in_english_and_chinese(pcts, chinese):
    codes = ["advance", "delivery", "acceptance", "retention", "install", "training"][: len(pcts)]
    text = "，".join(
        f"{MILESTONE.label(c, 'zh') if chinese else c}：{p}%"
        for c, p in zip(codes, pcts, strict=True)
    )
    assert contracts.parse_terms(text, SETTINGS) == list(zip(codes, pcts, strict=True))
