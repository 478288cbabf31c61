"""Leads: duplicates, scoring and grades, round-robin assignment, conversion (pure core on workspace tables)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from salesops.core import leads
from salesops.errors import Refused
from tests.flow_support import TODAY, account, lead, move, new_ws, record, rep_rows

D = Decimal


@pytest.fixture
def ws(tmp_path):
    return new_ws(tmp_path / "ws")


def refused(fn, *args, **kw) -> list[str]:
    with pytest.raises(Refused) as exc:
        fn(*args, **kw)
    return exc.value.messages


def add(ws, **fields):
    return leads.add(ws.table, ws.settings, fields, today=TODAY).record_id


def test_duplicates_of_open_leads_by_normalised_phone_email_or_company(ws):
    first = add(ws, company="上海华信科技有限公司", phone="021-5555 0101", email="Wang@HuaXin.cn")
    assert refused(add, ws, company="别的公司", phone="02155550101") == [
        f"duplicate of open lead {first} (same phone), in the public pool; add --allow-duplicate to add it anyway"
    ]
    assert "(same email)" in refused(add, ws, company="别的公司", email=" wang@huaxin.cn ")[0]
    assert "(same company)" in refused(add, ws, company="上海华信科技有限公司 ")[0]
    second = leads.add(
        ws.table,
        ws.settings,
        {"company": "上海华信科技有限公司"},
        today=TODAY,
        allow_duplicate=True,
    ).record_id
    assert second != first
    move(ws, first, "disqualified", reason="dup")
    move(ws, second, "disqualified", reason="dup")
    assert add(
        ws, company="上海华信科技有限公司", phone="021-5555 0101"
    )  # closed leads are no duplicates


def test_new_lead_fields_status_and_score(ws):
    lid = add(
        ws,
        company="甲公司",
        source="referral",
        phone="13800000000",
        email="a@b.cn",
        estimated_value=D("500000"),
    )
    rec = record(ws, lid)
    assert (
        rec["status"],
        rec["created_on"],
        rec["status_changed_on"],
        rec["score"],
        rec["grade"],
    ) == (
        "new",
        TODAY,
        TODAY,
        75,  # referral 30 + phone 10 + email 10 + value band ≥ 200000: 25
        "A",
    )


@pytest.mark.parametrize(
    ("fields", "score", "grade"),
    [
        ({}, 0, "D"),
        ({"source": "cold_call"}, 5, "D"),
        ({"source": "website", "phone": "1", "estimated_value": D("50000")}, 35, "C"),
        ({"source": "partner", "email": "x@y.z", "estimated_value": D("199999.99")}, 45, "C"),
        (
            {
                "source": "exhibition",
                "phone": "1",
                "email": "x@y.z",
                "estimated_value": D("200000"),
            },
            65,
            "B",
        ),
        (
            {"source": "referral", "phone": "1", "email": "x@y.z", "estimated_value": D("1000000")},
            90,
            "A",
        ),
    ],
)
def test_scores_and_grades_from_the_settings(ws, fields, score, grade):
    assert leads.score(fields, ws.settings) == score
    assert leads.grade(score, ws.settings) == grade


def test_custom_scoring_is_capped_at_100(tmp_path):
    ws = new_ws(
        tmp_path / "w",
        extra="[lead.scoring]\nhas_phone = 80\nhas_email = 80\n[lead]\ngrades = { A = 90, B = 10 }\n",
    )
    assert leads.score({"phone": "1", "email": "e"}, ws.settings) == 100
    assert (
        leads.grade(100, ws.settings) == "A"
        and leads.grade(10, ws.settings) == "B"
        and leads.grade(9, ws.settings) == "D"
    )


def test_rescore_after_edits(ws):
    lid = add(ws, company="乙公司")
    table = ws.table("leads")
    i = table.find(lid)
    table.set(i, "source", "referral")
    assert leads.rescore(table, i, ws.settings) is True
    assert (table.get(i, "score"), table.get(i, "grade")) == (30, "C")
    assert leads.rescore(table, i, ws.settings) is False


def test_round_robin_balances_open_load_same_region_first(ws):
    rep_rows(ws)
    add(ws, company="已有", owner="张三")  # 张三 already has one open lead
    east = [add(ws, company=f"华东{k}", region="华东") for k in range(2)]
    south = add(ws, company="华南1", region="华南")
    anywhere = [add(ws, company=f"无区域{k}") for k in range(3)]
    north_only = add(ws, company="西北1", region="西北")  # no rep there: the whole pool
    done = dict(leads.assign(ws.table, [], to=None).assigned)
    assert [done[x] for x in east] == ["张三", "张三"]  # 王五 is in 华东 but not active
    assert done[south] == "李四"
    # loads now: 张三 3, 李四 1, 赵六 0 → 赵六, then 李四 and 赵六 tie at 1 → file order
    assert [done[x] for x in anywhere] == ["赵六", "李四", "赵六"]
    assert done[north_only] == "李四"
    assert leads.assign(ws.table, [], to=None).assigned == []  # everything has an owner now


def test_assign_to_a_rep_by_id_or_name(ws):
    rep_rows(ws)
    a, b = add(ws, company="丙"), add(ws, company="丁")
    assert leads.assign(ws.table, [a, b], to="S-000004").assigned == [(a, "赵六"), (b, "赵六")]
    assert leads.assign(ws.table, [a], to="李四").assigned == [(a, "李四")]
    assert refused(leads.assign, ws.table, [a], to="王五") == ["rep S-000003 王五 is not active"]
    assert refused(leads.assign, ws.table, [a], to="nobody") == [
        "no rep 'nobody' in reps.csv (by rep_id or name)"
    ]
    move(ws, b, "disqualified", reason="x")
    assert refused(leads.assign, ws.table, [b], to="李四") == [
        f"{b} is disqualified: only open leads are assigned"
    ]


def test_assign_without_active_reps_is_refused(ws):
    add(ws, company="戊")
    assert refused(leads.assign, ws.table, [], to=None) == [
        "no active reps in reps.csv to assign leads to"
    ]


def test_convert_needs_a_qualified_lead(ws):
    lid = lead(ws)
    assert refused(
        leads.convert, ws.table, ws.settings, lid, name=None, amount=None, today=TODAY
    ) == [f"{lid} is new: only a qualified lead is converted (salesops advance {lid} qualified)"]


def test_convert_links_the_account_by_normalised_company_name(ws):
    acc = account(ws, name="华为技术有限公司")
    lid = lead(ws, company=" 华为技术有限公司", estimated_value=D("800000"), region="华南")
    move(ws, lid, "qualified")
    done = leads.convert(ws.table, ws.settings, lid, name="核心网", amount=None, today=TODAY)
    assert (done.account_id, done.account_created) == (acc, False)
    opp = record(ws, done.opportunity_id)
    assert (
        opp["name"],
        opp["account_id"],
        opp["lead_id"],
        opp["owner"],
        opp["stage"],
        opp["amount"],
        opp["probability"],
        opp["created_on"],
    ) == (
        "核心网",
        acc,
        lid,
        "张三",
        "qualification",
        D("800000"),
        10,
        TODAY,
    )
    rec = record(ws, lid)
    assert (rec["status"], rec["account_id"], rec["opportunity_id"]) == (
        "converted",
        acc,
        done.opportunity_id,
    )
    assert refused(move, ws, lid, "qualified") == [f"{lid} is converted, which is final"]


def test_convert_creates_the_account_and_takes_the_amount_given(ws):
    lid = lead(ws, company="新客户", industry="制造", region="华东")
    move(ws, lid, "qualified")
    done = leads.convert(ws.table, ws.settings, lid, name=None, amount=D("125000"), today=TODAY)
    assert done.account_created
    acc = record(ws, done.account_id)
    assert (acc["name"], acc["industry"], acc["region"], acc["owner"], acc["created_on"]) == (
        "新客户",
        "制造",
        "华东",
        "张三",
        TODAY,
    )
    opp = record(ws, done.opportunity_id)
    assert (opp["name"], opp["amount"]) == ("新客户", D("125000"))
