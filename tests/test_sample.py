"""The sample company is deterministic and coherent with SPEC section 3, checked record by record.

These checks recompute every rule naively from the generated records (not with
the validator or report code), so they catch a generator bug even where the
validator is lenient.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from salesops import schema
from salesops.sample import AS_OF, START, generate

REPO = Path(__file__).resolve().parent.parent
WEEKS_OF_NOVEMBER = [
    dt.date(2026, 10, 26) + dt.timedelta(weeks=k) for k in range(5)
]  # ISO weeks 44-48
BUCKETS = ("not_due", "1-30", "31-60", "61-90", "91-180", "180+")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def sample():
    return generate()


@pytest.fixture(scope="module")
def recs(sample):
    return sample.records


def by_id(recs, register):
    return {r[schema.REGISTERS[register].id_column]: r for r in recs[register]}


def bucket(due: dt.date) -> str:
    over = (AS_OF - due).days
    for low, high, name in (
        (-(10**6), 0, "not_due"),
        (1, 30, "1-30"),
        (31, 60, "31-60"),
        (61, 90, "61-90"),
        (91, 180, "91-180"),
    ):
        if low <= over <= high:
            return name
    return "180+"


def test_the_same_seed_gives_the_same_company_and_another_seed_another():
    a, b = generate(), generate()
    assert a.records == b.records and a.history == b.history
    assert generate(7).records != a.records


def test_sizes_and_coverage(recs):
    reps = recs["reps"]
    assert len(reps) >= 8 and len({r["team"] for r in reps}) == 3
    assert {r["region"] for r in reps} >= {"华东", "华北", "华南"}
    assert all(r["monthly_target"] > 0 for r in reps if r["active"])
    assert 140 <= len(recs["leads"]) <= 160
    assert 55 <= len(recs["opportunities"]) <= 70
    assert 22 <= len(recs["contracts"]) <= 30
    enum_of = {(reg, c.name): c.enum for reg, r in schema.REGISTERS.items() for c in r.columns}
    for register, column in (("leads", "status"), ("leads", "source"), ("opportunities", "stage"), ("quotes", "status"),
                             ("contracts", "status"), ("deliveries", "status"), ("receivables", "milestone")):  # fmt: skip
        seen = {r[column] for r in recs[register]}
        assert seen == set(enum_of[register, column].codes), (register, column, seen)
    assert {r["status"] for r in recs["receivables"]} == set(schema.RECEIVABLE_STATUS.codes)
    # every source in every lead status
    pairs = {(r["status"], r["source"]) for r in recs["leads"]}
    assert len(pairs) == len(enum_of["leads", "status"].codes) * len(
        enum_of["leads", "source"].codes
    )


def test_every_reference_resolves_and_ids_are_sequential(recs):
    for name, register in schema.REGISTERS.items():
        ids = [r[register.id_column] for r in recs[name]]
        assert ids == [f"{register.prefix}{n:06d}" for n in range(1, len(ids) + 1)]
        for column in register.columns:
            if column.targets:
                targets = {i for t in column.targets for i in by_id(recs, t)}
                for r in recs[name]:
                    assert r[column.name] is None or r[column.name] in targets, (
                        name,
                        r[register.id_column],
                        column.name,
                    )
            if column.required:
                assert all(r[column.name] not in (None, "") for r in recs[name]), (
                    name,
                    column.name,
                )


def test_chinese_names_owners_and_dates_in_the_year(recs):
    rep_names = {r["name"] for r in recs["reps"]}
    assert all(CJK.search(a["name"]) and a["name"].endswith("公司") for a in recs["accounts"])
    assert len({a["name"] for a in recs["accounts"]}) == len(recs["accounts"])
    for name in ("accounts", "leads", "opportunities", "contracts", "receivables"):
        assert all(r["owner"] in rep_names for r in recs[name] if r.get("owner")), name
    event_dates = [("leads", "created_on"), ("leads", "status_changed_on"), ("opportunities", "created_on"),
                   ("opportunities", "closed_on"), ("quotes", "quote_date"), ("contracts", "signed_on"),
                   ("deliveries", "accepted_on"), ("receivables", "invoiced_on"), ("payments", "received_on")]  # fmt: skip
    for register, column in event_dates:
        days = [r[column] for r in recs[register] if r[column]]
        assert days and min(days) >= START and max(days) <= AS_OF, (register, column)


def test_lead_rules(recs):
    opps = by_id(recs, "opportunities")
    for lead in recs["leads"]:
        assert lead["created_on"] <= (lead["status_changed_on"] or lead["created_on"])
        if lead["status"] in ("qualified", "converted"):
            assert lead["owner"] and (lead["phone"] or lead["email"])
        if lead["status"] == "disqualified":
            assert lead["disqualify_reason"]
        if lead["status"] == "converted":
            opp = opps[lead["opportunity_id"]]
            assert opp["lead_id"] == lead["lead_id"] and opp["account_id"] == lead["account_id"]
            assert opp["created_on"] == lead["status_changed_on"]
        else:
            assert lead["opportunity_id"] is None
        if lead["phone"]:
            assert re.fullmatch(r"1\d{10}|0\d{2,3}-\d{7,8}", lead["phone"])
    assert any(
        lead["phone"] and lead["phone"].startswith("0") for lead in recs["leads"]
    )  # leading zeros to keep
    assert any(
        lead["owner"] is None for lead in recs["leads"] if lead["status"] == "new"
    )  # lead assign has work


def test_quote_arithmetic_and_approval(recs):
    for q in recs["quotes"]:
        assert q["amount"] == (q["list_amount"] * (1 - q["discount_pct"] / 100)).quantize(
            Decimal("0.01")
        )
        assert (q["amount"] - q["cost"]) / q["amount"] * 100 == q["margin_pct"]
        assert q["valid_until"] == q["quote_date"] + dt.timedelta(days=30)
        needs = q["discount_pct"] > 10 or q["margin_pct"] < 20
        passed = q["status"] in ("approved", "sent", "accepted") or q["approved_on"] is not None
        if passed:
            assert q["approved_on"] and q["quote_date"] <= q["approved_on"]
            assert bool(q["approved_by"]) == needs, q["quote_id"]
        if q["status"] == "pending_approval":
            assert needs and not q["approved_by"]
        if q["status"] in ("approved", "sent"):
            assert q["valid_until"] >= AS_OF  # no live quote past its validity
    accepted = Counter(q["opportunity_id"] for q in recs["quotes"] if q["status"] == "accepted")
    assert max(accepted.values()) == 1


def test_opportunity_and_contract_rules(sample, recs):
    quotes, contracts = by_id(recs, "quotes"), recs["contracts"]
    accepted_on = {h["record_id"]: h["at"][:10] for h in sample.history
                   if h["register"] == "quotes" and h["field"] == "status" and h["new_value"] == "accepted"}  # fmt: skip
    for opp in recs["opportunities"]:
        assert opp["created_on"] <= opp["stage_changed_on"]
        if opp["stage"] in ("won", "lost"):
            assert opp["closed_on"] == opp["stage_changed_on"]
        if opp["stage"] == "lost":
            assert opp["lost_reason"] and opp["lost_at_stage"] not in (None, "won", "lost")
        if opp["stage"] not in ("qualification", "needs_analysis", "won", "lost"):
            assert opp["amount"] > 0 and opp["expected_close"] >= opp["created_on"]
        mine = [q for q in recs["quotes"] if q["opportunity_id"] == opp["opportunity_id"]]
        if opp["stage"] == "proposal":
            assert any(q["status"] in ("approved", "sent") for q in mine)
        if opp["stage"] == "negotiation":
            assert any(q["status"] in ("sent", "accepted") for q in mine)
        signed = [
            c for c in contracts if c["opportunity_id"] == opp["opportunity_id"] and c["signed_on"]
        ]
        assert (opp["stage"] == "won") == bool(signed), opp["opportunity_id"]
        if signed:
            (con,) = signed
            assert con["status"] in ("signed", "executing", "completed", "terminated")
            assert opp["closed_on"] == con["signed_on"] and opp["amount"] == con["amount"]
    for con in contracts:
        quote = quotes[con["quote_id"]]
        assert quote["status"] == "accepted" and con["amount"] == quote["amount"]
        assert (
            con["account_id"] == by_id(recs, "opportunities")[con["opportunity_id"]]["account_id"]
        )
        if con["signed_on"]:
            assert con["reviewer"] and con["signed_on"].isoformat() >= accepted_on[con["quote_id"]]
        if con["status"] == "terminated":
            assert con["terminate_reason"]
            plan = [r for r in recs["receivables"] if r["contract_id"] == con["contract_id"]]
            assert all(r["status"] in ("cancelled", "paid") for r in plan)
    assert any(c["status"] == "terminated" and c["signed_on"] for c in contracts)
    assert any(c["status"] == "terminated" and not c["signed_on"] for c in contracts)


def test_deliveries_and_receivable_plans(recs):
    from salesops.sample import TERMS
    from salesops.values import split_by_pct

    accounts = by_id(recs, "accounts")
    for con in recs["contracts"]:
        mine = [d for d in recs["deliveries"] if d["contract_id"] == con["contract_id"]]
        plan = [r for r in recs["receivables"] if r["contract_id"] == con["contract_id"]]
        if not con["signed_on"]:
            assert not mine and not plan
            continue
        assert sum(r["amount"] for r in plan) == con["amount"]
        assert [r["amount"] for r in plan] == split_by_pct(
            con["amount"], [Decimal(p) for _, p in TERMS[con["payment_terms"]]]
        )
        shipped = any(d["shipped_on"] for d in mine)
        if con["status"] != "terminated":
            assert con["status"] == (
                "completed" if con["completed_on"] else "executing" if shipped else "signed"
            )
        if con["status"] == "completed":
            assert all(d["status"] == "accepted" for d in mine)
            assert all(r["status"] in ("paid", "written_off") for r in plan)
        for r in plan:
            assert r["account_id"] == con["account_id"] and r["owner"] == con["owner"]
            if r["invoiced_on"]:
                terms = accounts[r["account_id"]]["payment_terms_days"] or 30
                assert r["triggered_on"] <= r["invoiced_on"] and r["due_date"] == r[
                    "invoiced_on"
                ] + dt.timedelta(days=terms)
                assert r["invoice_no"].isdigit() and r["invoice_no"].startswith("0")
            elif r["triggered_on"]:
                assert (
                    AS_OF - r["triggered_on"]
                ).days <= 30  # no "triggered but not invoiced" warning
    for d in recs["deliveries"]:
        dates = [d[c] for c in ("planned_on", "shipped_on", "delivered_on", "accepted_on")]
        reached = [x for x in dates[1:] if x]
        assert reached == sorted(reached) and dates[1:] == reached + [None] * (3 - len(reached))
        assert d["status"] == ("planned", "shipped", "delivered", "accepted")[len(reached)]
        assert (d["csat"] is not None) == (d["status"] == "accepted")
    assert {d["csat"] for d in recs["deliveries"] if d["csat"]} >= {3, 4, 5}


def test_cash_adds_up_and_every_aging_bucket_has_money_outstanding(recs):
    receivables = by_id(recs, "receivables")
    paid = defaultdict(list)
    for p in recs["payments"]:
        r = receivables[p["receivable_id"]]
        assert p["amount"] > 0 and r["invoiced_on"] <= p["received_on"] <= AS_OF
        assert p["account_id"] == r["account_id"]
        paid[p["receivable_id"]].append(p)
    outstanding: Counter = Counter()
    for r in recs["receivables"]:
        got = paid[r["receivable_id"]]
        assert (r["collected_amount"] or 0) == sum(p["amount"] for p in got)
        assert r["last_payment_on"] == (max(p["received_on"] for p in got) if got else None)
        left = r["amount"] - (r["collected_amount"] or 0)
        assert left >= 0
        expected = (
            {True: "paid", False: "partially_paid"}[left == 0]
            if got
            else ("invoiced" if r["invoiced_on"] else "scheduled")
        )
        if r["status"] == "written_off":
            assert r["write_off_reason"] and left > 0
        elif r["status"] == "cancelled":
            assert r["notes"] and not r["invoiced_on"] and not got
        else:
            assert r["status"] == expected, r["receivable_id"]
            if r["invoiced_on"] and left:
                outstanding[bucket(r["due_date"])] += left
    assert set(outstanding) == set(BUCKETS) and all(v > 0 for v in outstanding.values()), (
        outstanding
    )
    assert sum(1 for r in recs["receivables"] if r["status"] == "partially_paid") >= 3
    assert any(len(v) > 1 for v in paid.values())  # paid in instalments


def test_activity_in_every_week_of_november(sample, recs):
    for monday in WEEKS_OF_NOVEMBER:
        week = (monday, monday + dt.timedelta(days=6))

        def within(day, week=week):
            return day is not None and week[0] <= day <= week[1]

        assert any(within(r["created_on"]) for r in recs["leads"]), monday
        assert any(within(p["received_on"]) for p in recs["payments"]), monday
        changes = [
            h for h in sample.history if h["register"] == "opportunities" and h["field"] == "stage"
        ]
        assert any(within(dt.date.fromisoformat(h["at"][:10])) for h in changes), monday
    won = [o["closed_on"] for o in recs["opportunities"] if o["stage"] == "won"]
    assert all(any(m <= d <= m + dt.timedelta(days=6) for d in won) for m in WEEKS_OF_NOVEMBER[1:])


def test_history_gives_every_opportunity_its_stage_path(sample, recs):
    rows = sample.history
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00\+08:00", r["at"]) for r in rows)
    assert all(tuple(r) == schema.HISTORY_COLUMNS for r in rows)
    stage_rows = defaultdict(list)
    for r in rows:
        if r["register"] == "opportunities" and r["field"] == "stage":
            stage_rows[r["record_id"]].append(r)
    order = list(schema.OPP_STAGE.codes)
    for opp in recs["opportunities"]:
        path = stage_rows[opp["opportunity_id"]]
        assert path[0]["old_value"] == "" and path[0]["new_value"] == "qualification"
        assert path[-1]["new_value"] == opp["stage"]
        assert path[-1]["at"][:10] == opp["stage_changed_on"].isoformat()
        forward = [order.index(r["new_value"]) for r in path if r["new_value"] != "lost"]
        assert forward == list(range(len(forward)))  # one stage at a time, gates on the way


def test_committed_sample_data_is_what_the_generator_makes(tmp_path):
    """sample_data/ is regenerated with `python -m salesops.sample sample_data`; it must be current."""
    from salesops.cli.init import regenerate_sample

    fresh = tmp_path / "sample_data"
    regenerate_sample(fresh)
    committed = REPO / "sample_data"
    names = sorted(p.name for p in fresh.iterdir())
    assert "history.csv" in names and "salesops.toml" in names
    stale = [n for n in names if (committed / n).read_bytes() != (fresh / n).read_bytes()]
    assert not stale, (
        f"sample_data is stale ({', '.join(stale)}): run python -m salesops.sample sample_data"
    )
