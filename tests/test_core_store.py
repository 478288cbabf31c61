"""The core runs on any store that implements `Records`: here one over plain dicts (tests/memory_store.py).

Converting a lead, signing a contract (its receivables plan), invoicing and
recording a payment, and checking the changes with validate's rules all work
on it, and each outcome lists exactly the changes the store holds — so a
second store (a database) needs nothing from salesops' file storage.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from salesops.core import flow, guard, leads, receivables
from salesops.errors import Refused
from salesops.settings import Settings, defaults
from tests.memory_store import MemoryStore

D = Decimal
DAY = dt.date(2026, 11, 27)
SETTINGS = Settings(defaults())


def company() -> MemoryStore:
    """A rep, a qualified lead, and an opportunity in negotiation with its accepted quote and draft contract."""
    return MemoryStore(
        {
            "reps": [
                {"rep_id": "S-000001", "name": "张三", "active": True},
                {"rep_id": "S-000002", "name": "王经理", "active": True},
            ],
            "leads": [
                {
                    "lead_id": "L-000001",
                    "created_on": dt.date(2026, 11, 2),
                    "company": "华信科技有限公司",
                    "phone": "021-5555 0101",
                    "owner": "张三",
                    "estimated_value": D("80000"),
                    "status": "qualified",
                    "status_changed_on": dt.date(2026, 11, 5),
                }
            ],
            "accounts": [{"account_id": "A-000001", "name": "恒达电子有限公司", "owner": "张三"}],
            "opportunities": [
                {
                    "opportunity_id": "O-000001",
                    "name": "ERP升级",
                    "account_id": "A-000001",
                    "owner": "张三",
                    "stage": "negotiation",
                    "amount": D("100000"),
                    "probability": D(80),
                    "expected_close": dt.date(2026, 12, 31),
                    "created_on": dt.date(2026, 10, 1),
                    "stage_changed_on": dt.date(2026, 11, 10),
                }
            ],
            "quotes": [
                {
                    "quote_id": "Q-000001",
                    "opportunity_id": "O-000001",
                    "version": 1,
                    "quote_date": dt.date(2026, 11, 1),
                    "valid_until": dt.date(2026, 12, 1),
                    "list_amount": D("100000"),
                    "amount": D("100000"),
                    "status": "accepted",
                }
            ],
            "contracts": [
                {
                    "contract_id": "C-000001",
                    "opportunity_id": "O-000001",
                    "quote_id": "Q-000001",
                    "account_id": "A-000001",
                    "owner": "张三",
                    "amount": D("100000"),
                    "payment_terms": "advance:30,delivery:60,acceptance:10",
                    "status": "review",
                }
            ],
        }
    )


def test_converting_a_lead_in_memory():
    store = company()
    done = leads.convert(store, SETTINGS, "L-000001", name=None, amount=None, today=DAY)
    assert (done.lead_id, done.account_id, done.account_created, done.opportunity_id) == (
        "L-000001",
        "A-000002",
        True,
        "O-000002",
    )
    opp = store.registers["opportunities"].rows[1]
    assert (opp["stage"], opp["amount"], opp["lead_id"], opp["owner"]) == (
        "qualification",
        D("80000"),
        "L-000001",
        "张三",
    )
    assert store.registers["leads"].rows[0]["status"] == "converted"
    assert [(r["register"], r["id"], r["action"]) for r in done.records()] == [
        ("leads", "L-000001", "updated"),
        ("accounts", "A-000002", "created"),
        ("opportunities", "O-000002", "created"),
    ]
    assert guard.check_changes(store, done.changes, SETTINGS, DAY) == []
    assert sorted(map(repr, done.changes)) == sorted(map(repr, store.commit()))


def test_signing_invoicing_and_paying_in_memory():
    store = company()
    signed = flow.advance(
        store, store("contracts"), 0, "signed", on=DAY, settings=SETTINGS, by="王经理"
    )
    assert signed.notes == [
        "opportunity O-000001 won",
        "receivables planned: R-000001, R-000002, R-000003",
    ]
    plan = store.registers["receivables"].rows
    assert [(r["milestone"], r["amount"], r["status"]) for r in plan] == [
        ("advance", D("30000.00"), "scheduled"),
        ("delivery", D("60000.00"), "scheduled"),
        ("acceptance", D("10000.00"), "scheduled"),
    ]
    assert store.registers["opportunities"].rows[0]["stage"] == "won"
    assert guard.check_changes(store, signed.changes, SETTINGS, DAY) == []
    assert len(signed.changes) == len(store.commit())

    invoiced = flow.advance(
        store,
        store("receivables"),
        0,
        "invoiced",
        on=DAY,
        settings=SETTINGS,
        sets={"invoice_no": "00012345"},
    )
    assert invoiced.record["due_date"] == DAY + dt.timedelta(days=30)
    store.commit()

    paid = receivables.record_payment(store, "R-000001", D("10000"), on=DAY, method="cash")
    assert [
        (p.payment_id, p.receivable_id, p.amount, p.status, p.outstanding) for p in paid.payments
    ] == [("P-000001", "R-000001", D("10000"), "partially_paid", D("20000.00"))]
    assert guard.check_changes(store, paid.changes, SETTINGS, DAY) == []
    store.commit()

    early = receivables.record_payment(store, "R-000001", D("1"), on=DAY - dt.timedelta(days=1))
    [problem] = guard.check_changes(store, early.changes, SETTINGS, DAY)
    assert (problem.code, problem.record_id, problem.column, problem.file) == (
        "payment-date",
        "P-000002",
        "received_on",
        "memory:payments",
    )
    assert problem.message == "received_on 2026-11-26 is before R-000001's invoiced_on 2026-11-27"


def test_a_refusal_in_memory_changes_nothing():
    store = company()
    with pytest.raises(Refused, match="signing needs the reviewer"):
        flow.advance(store, store("contracts"), 0, "signed", on=DAY, settings=SETTINGS)
    assert store.commit() == []


def test_checking_a_changed_lead_looks_at_its_register_only():
    """The checks of a command read the changed records and what they reference, not the workspace."""
    store = company()
    moved = flow.advance(
        store,
        store("leads"),
        0,
        "contacted",
        on=DAY,
        settings=SETTINGS,
        sets={"phone": "13800000000"},
    )
    store.looked_at.clear()
    assert guard.check_changes(store, moved.changes, SETTINGS, DAY) == []
    assert store.looked_at == {"leads"}
    store.commit()
    moved = flow.advance(
        store, store("leads"), 0, "qualified", on=DAY, settings=SETTINGS, sets={"owner": "李四"}
    )
    store.looked_at.clear()
    [warning] = guard.check_changes(store, moved.changes, SETTINGS, DAY)
    assert store.looked_at == {"leads", "reps"}  # a new owner is looked up among the reps
    assert (
        warning.line()
        == 'warning: memory:leads row 2, owner: "李四" is not a rep_id or name in memory:reps'
    )


def _append(store: MemoryStore, register: str, record: dict) -> list:
    table = store(register)
    mark = len(table.changes)
    table.append(record)
    return table.changes[mark:]


def test_a_new_activity_is_checked_against_the_record_it_is_about():
    """(No command writes activities yet: the checks are ready for one.)"""
    store = company()
    activity = {
        "activity_id": "F-000001",
        "on": DAY,
        "record_id": "O-000001",
        "account_id": "A-000009",
        "type": "visit",
        "by": "张三",
        "summary": "拜访客户",
    }
    store.looked_at.clear()
    problems = guard.check_changes(store, _append(store, "activities", activity), SETTINGS, DAY)
    assert [(p.code, p.column, p.message) for p in problems] == [
        ("dangling-ref", "account_id", '"A-000009" is not an ID in memory:accounts'),
        (
            "account-mismatch",
            "account_id",
            '"A-000009" is not the account of O-000001 ("A-000001")',
        ),
    ]
    # the record was found where its prefix points: the other registers it may name stand in empty
    assert store.looked_at == {"activities", "opportunities", "accounts", "reps"}
    store.commit()
    dangling = dict(activity, activity_id="F-000002", record_id="X-1", account_id=None)
    problems = guard.check_changes(store, _append(store, "activities", dangling), SETTINGS, DAY)
    assert [(p.code, p.message) for p in problems] == [
        (
            "dangling-ref",
            '"X-1" is not an ID in memory:leads, memory:opportunities, memory:accounts, '
            "memory:contracts or memory:receivables",
        )
    ]


def test_moving_a_record_to_another_account_checks_its_activities():
    store = company()
    store("accounts").append({"account_id": "A-000002", "name": "别家"})
    store("activities").append(
        {
            "activity_id": "F-000001",
            "on": DAY,
            "record_id": "O-000001",
            "account_id": "A-000001",
            "type": "call",
            "by": "张三",
            "summary": "电话",
        }
    )
    store.commit()
    opps = store("opportunities")
    opps.set(0, "account_id", "A-000002")
    [problem] = guard.check_changes(store, store.commit(), SETTINGS, DAY)
    assert (problem.code, problem.record_id, problem.message) == (
        "account-mismatch",
        "F-000001",
        '"A-000001" is not the account of O-000001 ("A-000002")',
    )


def test_a_new_target_is_compared_with_every_target():
    store = company()
    target = {
        "target_id": "T-000001",
        "period": "2026-11",
        "scope": "rep",
        "who": "张三",
        "metric": "bookings",
        "amount": D(1000),
    }
    store("targets").append(target)
    store.commit()
    twin = dict(target, target_id="T-000002", who="S-000001")  # the same rep, by rep_id
    [problem] = guard.check_changes(store, _append(store, "targets", twin), SETTINGS, DAY)
    assert (problem.code, problem.row) == ("duplicate-target", 3)


def test_a_reference_copied_from_a_record_already_pointing_nowhere_is_not_a_new_defect():
    """The receivable's account is missing already; its payment takes the same account."""
    store = company()
    store("receivables").append(
        {
            "receivable_id": "R-000001",
            "account_id": "A-000404",
            "amount": D(100),
            "invoice_no": "1",
            "invoiced_on": DAY,
            "due_date": DAY,
            "status": "invoiced",
        }
    )
    store.commit()
    paid = receivables.record_payment(store, "R-000001", D(10), on=DAY)
    assert store.registers["payments"].rows[0]["account_id"] == "A-000404"
    assert guard.check_changes(store, paid.changes, SETTINGS, DAY) == []
    store.commit()
    store("opportunities").set(0, "account_id", "A-000404")  # a reference made here is checked
    [problem] = guard.check_changes(store, store.commit(), SETTINGS, DAY)
    assert (problem.code, problem.record_id) == ("dangling-ref", "O-000001")


def test_each_move_of_a_bulk_advance_lists_only_its_own_changes():
    """A call made inside another (each `advance` of `advance_many`) returns exactly its changes,
    the outer call all of them: a bulk advance of 28,000 leads once listed every earlier change
    again in each move (107 s and 8.9 GB)."""
    store = company()
    leads_ = store.registers["leads"]
    for k in range(2, 6):
        leads_.rows.append({"lead_id": f"L-{k:06d}", "created_on": DAY, "company": f"公司{k}", "status": "new"})
    rows = [(leads_, i, "contacted") for i in range(1, 5)]
    done = flow.advance_many(store, rows, on=DAY, settings=SETTINGS)
    assert [m.record_id for m in done.moved] == ["L-000002", "L-000003", "L-000004", "L-000005"]
    for m in done.moved:
        assert m.changes and {(c.register, c.record_id) for c in m.changes} == {("leads", m.record_id)}
    assert [c for m in done.moved for c in m.changes] == done.changes
    assert sorted(map(repr, done.changes)) == sorted(map(repr, store.commit()))


def test_round_robin_of_many_leads_gives_each_the_rep_its_place_and_the_loads_say():
    """`assign` remembers the reps of each place it was asked for (61,000 leads compared each
    one's place with every rep's: 35 s); each lead still gets the rep a fresh look would pick."""
    import copy

    regions = {"华东": ["浙江", "杭州", "上海"], "华北": ["北京", "济南"]}
    store = MemoryStore(
        {
            "reps": [
                {"rep_id": "S-000001", "name": "张三", "active": True, "region": "华东"},
                {"rep_id": "S-000002", "name": "李四", "active": True, "region": "浙江省"},
                {"rep_id": "S-000003", "name": "王五", "active": True, "region": "华北"},
                {"rep_id": "S-000004", "name": "赵六", "active": True, "region": "西南"},
            ],
            "leads": [
                {
                    "lead_id": f"L-{k + 1:06d}",
                    "created_on": DAY,
                    "company": f"公司{k}",
                    "status": "new",
                    "region": ["杭州", "浙江省杭州市", "北京", "成都", None, "上海", "济南市"][k % 7],
                    "owner": "张三" if k % 11 == 0 else None,
                }
                for k in range(60)
            ],
        }
    )
    expected = copy.deepcopy(store)  # by hand: a fresh pick for each lead, loads counted as it goes
    people = leads.reps(expected)
    active = [r for r in people if r.active and r.sells]
    table = expected.registers["leads"]
    for j in range(len(table)):
        if not table.get(j, "owner"):
            rep = leads.pick(active, table.get(j, "region"), regions)
            table.set(j, "owner", rep.label)
            rep.load += 1
    done = leads.assign(store, [], to=None, regions=regions)
    assert len(done.assigned) == 54
    assert [r["owner"] for r in store.registers["leads"].rows] == [r["owner"] for r in table.rows]
    assert {r["owner"] for r in table.rows} == {"张三", "李四", "王五", "赵六"}
