"""Every gate and side effect of SPEC section 3, through the pure core on real workspace tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from salesops import schema
from salesops.core import contracts, deliveries, flow, gates, leads, machine
from salesops.errors import Refused, UsageError
from tests.flow_support import (
    TODAY,
    account,
    move,
    new_ws,
    opportunity,
    quote,
    record,
    signed_contract,
)

D = Decimal


def refused(fn, *args, **kw) -> list[str]:
    with pytest.raises(Refused) as exc:
        fn(*args, **kw)
    return exc.value.messages


@pytest.fixture
def ws(tmp_path):
    return new_ws(tmp_path / "ws")


# ---------------------------------------------------------------- the machine


def test_every_gate_the_schema_names_is_implemented_and_every_gate_is_used():
    named = {
        g
        for reg in schema.REGISTERS.values()
        if reg.machine
        for names in reg.machine.gates.values()
        for g in names
    }
    assert named <= set(gates.GATES)
    assert set(gates.GATES) <= named


def test_states_parse_from_english_codes_words_and_chinese_labels():
    opps = schema.REGISTERS["opportunities"]
    assert machine.parse_state(opps, "Needs Analysis") == "needs_analysis"
    assert machine.parse_state(opps, "商务谈判") == "negotiation"
    assert machine.parse_state(schema.REGISTERS["receivables"], "已核销") == "written_off"
    with pytest.raises(UsageError, match="is not an opportunity stage"):
        machine.parse_state(opps, "closing")
    with pytest.raises(UsageError, match="no stages"):
        machine.parse_state(schema.REGISTERS["accounts"], "x")


def test_paths_forward_side_back_terminal_and_via():
    m = schema.REGISTERS["opportunities"].machine
    assert machine.path(m, "qualification", "proposal") == [
        "needs_analysis",
        "solution",
        "proposal",
    ]
    assert machine.path(m, "solution", "lost") == ["lost"]
    assert machine.path(m, "negotiation", "needs_analysis") == ["needs_analysis"]
    with pytest.raises(Refused, match="won, which is final"):
        machine.path(m, "won", "negotiation", "O-1")
    with pytest.raises(Refused, match="already solution"):
        machine.path(m, "solution", "solution", "O-1")
    leads_m = schema.REGISTERS["leads"].machine
    with pytest.raises(Refused, match="use salesops lead convert"):
        machine.path(leads_m, "qualified", "converted", "L-1")
    rec_m = schema.REGISTERS["receivables"].machine
    with pytest.raises(Refused, match="use salesops payment record"):
        machine.path(rec_m, "invoiced", "paid", "R-1")
    q = schema.REGISTERS["quotes"].machine
    with pytest.raises(Refused, match="cannot move from draft to sent"):
        machine.path(q, "draft", "sent", "Q-1")
    d = schema.REGISTERS["deliveries"].machine
    with pytest.raises(Refused, match="cannot move back"):
        machine.path(d, "delivered", "shipped", "D-1")


def test_set_values_are_parsed_by_column_type_with_clear_errors():
    opps = schema.REGISTERS["opportunities"]
    parsed = flow.parse_sets(
        opps, ["expected_close=2027年1月31日", "金额=12.5万", "competitor=", "赢率=35"]
    )
    assert parsed == {
        "expected_close": dt.date(2027, 1, 31),
        "amount": D("125000.00"),
        "competitor": None,
        "probability": D(35),
    }
    for bad, message in (
        ("expected_close=soon", 'expected_close: "soon" is not a date'),
        ("colour=red", "has no column 'colour'"),
        ("amount", "is not FIELD=VALUE"),
        ("opportunity_id=O-9", "is the record's ID"),
        ("stage=won", "STAGE argument"),
    ):
        with pytest.raises(UsageError, match=message):
            flow.parse_sets(opps, [bad])


# ---------------------------------------------------------------- leads


def test_qualified_lists_every_missing_condition_then_passes(ws):
    lid = leads.add(ws.table, ws.settings, {"company": "甲公司"}, today=TODAY).record_id
    msgs = refused(move, ws, lid, "qualified", sets={"company": None})
    assert msgs == [
        f"{lid} → qualified: needs company (--set company=NAME)",
        f"{lid} → qualified: needs a phone or an email (--set phone=… or --set email=…)",
        f"{lid} → qualified: needs an owner (--set owner=REP, or salesops lead assign)",
    ]
    moved = move(
        ws,
        lid,
        "qualified",
        sets={"company": "甲公司", "email": "a@b.cn", "owner": "张三"},
        on=dt.date(2026, 11, 20),
    )
    assert moved.steps == ["contacted", "qualified"]
    rec = record(ws, lid)
    assert rec["status"] == "qualified" and rec["status_changed_on"] == dt.date(2026, 11, 20)
    statuses = [(c.old, c.new) for c in ws.table("leads").changes if c.field == "status"]
    assert statuses[-2:] == [("new", "contacted"), ("contacted", "qualified")]


def test_qualify_min_score_when_set(tmp_path):
    ws = new_ws(tmp_path / "w", extra="[lead]\nqualify_min_score = 50\n")
    lid = leads.add(
        ws.table,
        ws.settings,
        {"company": "乙公司", "phone": "13800000000", "owner": "张三"},
        today=TODAY,
    ).record_id
    assert record(ws, lid)["score"] == 10
    assert refused(move, ws, lid, "qualified") == [
        f"{lid} → qualified: needs a score of at least 50 (lead.qualify_min_score), it has 10"
    ]
    ws.table("leads").set(ws.table("leads").find(lid), "score", None)
    assert "no score yet" in refused(move, ws, lid, "qualified")[0]
    move(ws, lid, "qualified", sets={"score": 60})


def test_disqualified_needs_a_reason_and_is_final(ws):
    lid = leads.add(ws.table, ws.settings, {"company": "丙公司"}, today=TODAY).record_id
    assert refused(move, ws, lid, "disqualified") == [
        f"{lid} → disqualified: needs a reason (--reason TEXT)"
    ]
    move(ws, lid, "disqualified", reason="no budget")
    assert record(ws, lid)["disqualify_reason"] == "no budget"
    assert refused(move, ws, lid, "contacted") == [f"{lid} is disqualified, which is final"]


def test_lead_moves_back_to_an_earlier_open_status(ws):
    lid = leads.add(
        ws.table, ws.settings, {"company": "丁公司", "phone": "1", "owner": "张三"}, today=TODAY
    ).record_id
    move(ws, lid, "qualified")
    moved = move(ws, lid, "contacted")
    assert (moved.source, moved.target) == ("qualified", "contacted")


# ---------------------------------------------------------------- opportunities


def test_opportunity_forward_several_stages_checks_every_gate_on_the_way(ws):
    oid = opportunity(ws, amount="0", expected_close=None, owner=None, account_id=None)
    msgs = refused(move, ws, oid, "negotiation")
    assert msgs == [
        f"{oid} → needs_analysis: needs account_id (--set account_id=A-…)",
        f"{oid} → needs_analysis: needs an owner (--set owner=REP)",
        f"{oid} → solution: needs amount above 0 (it is 0.00; --set amount=X)",
        f"{oid} → solution: needs expected_close (--set expected_close=DATE)",
        f"{oid} → proposal: needs a quote in approved or sent (it has none: salesops quote create {oid} --list-amount X)",
        f"{oid} → negotiation: needs a quote in sent (it has none: salesops quote create {oid} --list-amount X)",
    ]
    assert record(ws, oid)["stage"] == "qualification"


def test_dangling_account_and_close_before_created(ws):
    oid = opportunity(ws, account_id="A-999999", expected_close=dt.date(2026, 10, 1))
    msgs = refused(move, ws, oid, "solution")
    assert any("its account A-999999 is not in accounts.csv" in m for m in msgs)
    assert any("expected_close 2026-10-01 is before created_on 2026-11-01" in m for m in msgs)


def test_entering_a_stage_stamps_the_date_and_default_probability(ws):
    oid = opportunity(ws)
    move(ws, oid, "solution", on=dt.date(2026, 11, 15))
    rec = record(ws, oid)
    assert (
        rec["stage"] == "solution"
        and rec["stage_changed_on"] == dt.date(2026, 11, 15)
        and rec["probability"] == 40
    )
    move(ws, oid, "needs_analysis", sets={"probability": D(33)})
    assert record(ws, oid)["probability"] == 33
    changes = [c for c in ws.table("opportunities").changes if c.field == "stage"]
    assert [(c.old, c.new) for c in changes][-3:] == [
        ("qualification", "needs_analysis"),
        ("needs_analysis", "solution"),
        ("solution", "needs_analysis"),
    ]


def test_proposal_needs_an_approved_or_sent_quote_negotiation_a_sent_one(ws):
    oid = opportunity(ws, "solution")
    qid = quote(ws, oid)  # draft
    assert refused(move, ws, oid, "proposal") == [
        f"{oid} → proposal: needs a quote in approved or sent ({qid} is draft)"
    ]
    move(ws, qid, "approved")
    move(ws, oid, "proposal")
    assert refused(move, ws, oid, "negotiation") == [
        f"{oid} → negotiation: needs a quote in sent ({qid} is approved)"
    ]
    move(ws, qid, "sent")
    move(ws, oid, "negotiation")
    assert record(ws, oid)["probability"] == 80


def test_won_needs_a_signed_contract(ws):
    oid = opportunity(ws, "negotiation")
    assert "needs a signed contract (it has none)" in refused(move, ws, oid, "won")[0]


def test_lost_needs_a_reason_and_records_stage_and_close(ws):
    oid = opportunity(ws, "solution")
    assert refused(move, ws, oid, "lost") == [f"{oid} → lost: needs a reason (--reason TEXT)"]
    move(ws, oid, "lost", reason="price", on=dt.date(2026, 11, 20))
    rec = record(ws, oid)
    assert (
        rec["stage"],
        rec["lost_reason"],
        rec["lost_at_stage"],
        rec["closed_on"],
        rec["probability"],
    ) == (
        "lost",
        "price",
        "solution",
        dt.date(2026, 11, 20),
        0,
    )


def test_a_reason_already_in_the_record_or_set_counts(ws):
    oid = opportunity(ws)
    move(ws, oid, "lost", sets={"lost_reason": "budget cut"})
    assert record(ws, oid)["lost_reason"] == "budget cut"


# ---------------------------------------------------------------- quotes


def test_quote_arithmetic_on_create_and_on_set(ws):
    oid = opportunity(ws)
    qid = quote(ws, oid, list_amount="999.99", discount="33.3", cost="500")
    rec = record(ws, qid)
    assert rec["amount"] == D("666.99")  # 999.99 × 0.667 = 666.993… → 666.99
    assert rec["margin_pct"] == D("25.04")  # (666.99 − 500) / 666.99 × 100
    assert rec["version"] == 1 and rec["valid_until"] == TODAY + dt.timedelta(days=30)
    move(ws, qid, "pending_approval", sets={"discount_pct": D("12.5"), "list_amount": D("1000")})
    assert record(ws, qid)["amount"] == D("875.00")
    msgs = refused(move, ws, qid, "draft", sets={"amount": D("900")})
    assert msgs == [
        f"{qid}: amount 900.00 is not list_amount × (1 − discount_pct/100) = 875.00; leave amount out and it is computed"
    ]
    assert quote(ws, oid) != qid and record(ws, quote(ws, oid))["version"] == 3


@pytest.mark.parametrize(
    ("discount", "cost", "needs"),
    [
        ("10", None, False),
        ("10.01", None, True),
        ("0", "80", False),
        ("0", "80.01", True),
        ("5", None, False),
    ],
)
def test_approval_rule_discount_and_margin_thresholds(ws, discount, cost, needs):
    oid = opportunity(ws)
    qid = quote(ws, oid, list_amount="100", discount=discount, cost=cost)
    if needs:
        assert "needs approval" in refused(move, ws, qid, "approved")[0]
    else:
        move(ws, qid, "approved", by=None)
        assert record(ws, qid)["approved_on"] == TODAY


def test_pending_approval_to_approved_needs_by_and_records_the_approver(ws):
    oid = opportunity(ws)
    qid = quote(ws, oid, discount="15", cost="300000")
    msgs = refused(move, ws, qid, "approved", by="李总")
    assert msgs == [
        f"{qid} → approved: needs approval (discount 15% is above 10%): move it to pending_approval, then approve with --by APPROVER"
    ]
    move(ws, qid, "pending_approval")
    assert refused(move, ws, qid, "approved") == [
        f"{qid} → approved: approving needs the approver: --by NAME (discount 15% is above 10%)"
    ]
    move(ws, qid, "approved", by="李总", on=dt.date(2026, 11, 28))
    rec = record(ws, qid)
    assert (rec["status"], rec["approved_by"], rec["approved_on"]) == (
        "approved",
        "李总",
        dt.date(2026, 11, 28),
    )
    move(ws, qid, "draft")
    rec = record(ws, qid)
    assert (rec["approved_by"], rec["approved_on"]) == (None, None)


def test_low_margin_needs_approval(ws):
    oid = opportunity(ws)
    qid = quote(ws, oid, list_amount="100", cost="90")
    assert refused(move, ws, qid, "approved") == [
        f"{qid} → approved: needs approval (margin 10% is below 20%): move it to pending_approval, then approve with --by APPROVER"
    ]


def test_accepted_within_validity_and_only_one_per_opportunity(ws):
    oid = opportunity(ws)
    q1 = quote(ws, oid, status="sent")
    late = TODAY + dt.timedelta(days=31)
    msgs = refused(move, ws, q1, "accepted", on=late)
    assert msgs == [
        f"{q1} → accepted: the quote expired: valid_until 2026-12-27 is before {late}; make a new version with salesops quote create {oid}"
    ]
    q2 = quote(ws, oid, status="sent")
    move(ws, q1, "accepted", on=TODAY + dt.timedelta(days=30))
    assert refused(move, ws, q2, "accepted") == [
        f"{q2} → accepted: {q1} is already the accepted quote of {oid}"
    ]
    assert refused(move, ws, q1, "draft") == [f"{q1} is accepted, which is final"]


def test_sweep_expires_approved_and_sent_quotes_past_validity(ws):
    from salesops.core import quotes

    oid = opportunity(ws)
    old = quote(ws, oid, status="sent", on=dt.date(2026, 10, 1))
    approved = quote(ws, oid, status="approved", on=dt.date(2026, 10, 27))  # valid until 11-26
    draft = quote(ws, oid, on=dt.date(2026, 9, 1))
    current = quote(ws, oid, status="sent", on=dt.date(2026, 10, 28))  # valid until 11-27 = today
    assert quotes.sweep(ws.table, TODAY).expired == [old, approved]
    assert [record(ws, q)["status"] for q in (old, approved, draft, current)] == [
        "expired",
        "expired",
        "draft",
        "sent",
    ]
    assert refused(move, ws, old, "accepted") == [f"{old} is expired, which is final"]


# ---------------------------------------------------------------- contracts


def test_contract_create_needs_an_accepted_quote_and_valid_terms(ws):
    oid = opportunity(ws)
    qid = quote(ws, oid, status="sent")
    assert refused(contracts.create, ws.table, ws.settings, qid, terms=None, title=None) == [
        f"{qid} is sent: a contract is made from an accepted quote"
    ]
    move(ws, qid, "accepted")
    assert refused(
        contracts.create, ws.table, ws.settings, qid, terms="advance:30,delivery:60", title=None
    ) == [f'{qid}: payment terms "advance:30,delivery:60" sum to 90%, not 100%']
    cid = contracts.create(ws.table, ws.settings, qid, terms=None, title=None).record_id
    rec = record(ws, cid)
    assert (rec["status"], rec["amount"], rec["payment_terms"], rec["title"]) == (
        "draft",
        D("500000.00"),
        "advance:30,delivery:60,acceptance:10",
        "核心网扩容",
    )
    assert rec["account_id"] == record(ws, oid)["account_id"] and rec["owner"] == "张三"
    assert (
        "already has contract"
        in refused(contracts.create, ws.table, ws.settings, qid, terms=None, title=None)[0]
    )


def test_signing_gates_reviewer_amount_terms(ws):
    oid = opportunity(ws, "negotiation")
    qid = ws.table("quotes").id_of(ws.table("quotes").where("opportunity_id", oid)[0])
    move(ws, qid, "accepted")
    cid = contracts.create(ws.table, ws.settings, qid, terms=None, title=None).record_id
    move(ws, cid, "review")
    msgs = refused(
        move,
        ws,
        cid,
        "signed",
        sets={"amount": D("500000.01"), "payment_terms": "预付款:30,到货款:60,验收款:20"},
    )
    assert msgs == [
        f"{cid} → signed: signing needs the reviewer: --by NAME",
        f"{cid} → signed: amount 500,000.01 must equal the accepted quote {qid}'s 500,000.00 to the cent",
        f'{cid} → signed: payment terms "预付款:30,到货款:60,验收款:20" sum to 110%, not 100% (--set payment_terms=…)',
    ]


def test_signing_sets_date_reviewer_wins_opportunity_and_writes_the_plan(ws):
    oid, cid = signed_contract(
        ws, terms="预付款:30,到货款:60,验收款:10", amount="100000.01", deliveries=0
    )
    c = record(ws, cid)
    assert (c["status"], c["signed_on"], c["reviewer"]) == ("signed", TODAY, "王经理")
    o = record(ws, oid)
    assert (o["stage"], o["closed_on"], o["stage_changed_on"], o["probability"]) == (
        "won",
        TODAY,
        TODAY,
        100,
    )
    rt = ws.table("receivables")
    rows = [rt.record(j) for j in rt.where("contract_id", cid)]
    assert [(r["milestone"], r["pct"], r["status"], r["triggered_on"]) for r in rows] == [
        ("advance", 30, "scheduled", TODAY),
        ("delivery", 60, "scheduled", None),
        ("acceptance", 10, "scheduled", None),
    ]
    assert [abs(r["amount"] - D("100000.01") * r["pct"] / 100) < D("0.01") for r in rows] == [
        True
    ] * 3
    assert sum(r["amount"] for r in rows) == D("100000.01")
    assert {(r["owner"], r["account_id"]) for r in rows} == {("张三", c["account_id"])}


def test_named_template_and_default_terms(ws):
    _, cid = signed_contract(ws, terms="project", deliveries=0)
    rt = ws.table("receivables")
    assert [rt.get(j, "milestone") for j in rt.where("contract_id", cid)] == [
        "advance",
        "delivery",
        "acceptance",
        "retention",
    ]
    assert record(ws, cid)["payment_terms"] == "project"


def test_terms_parsing(ws):
    s = ws.settings
    assert contracts.parse_terms("预付款：30，到货款:60%，验收款:10", s) == [
        ("advance", 30),
        ("delivery", 60),
        ("acceptance", 10),
    ]
    assert contracts.parse_terms("", s) == [("advance", 30), ("delivery", 60), ("acceptance", 10)]
    assert contracts.parse_terms("Standard", s)[0] == ("advance", 30)
    assert contracts.parse_terms("installation:50,advance:50", s) == [
        ("installation", 50),
        ("advance", 50),
    ]
    for bad, message in (
        ("advance 30, delivery 70", "is not MILESTONE:PCT"),
        ("advance:30,advance:70", "appears twice"),
        ("advance:0,delivery:100", "must be above 0"),
        ("advance:33.3,delivery:66.6", "sum to 99.9%"),
    ):
        with pytest.raises(contracts.BadTerms, match=message):
            contracts.parse_terms(bad, s)


def test_signing_refused_for_a_lost_opportunity_or_an_existing_plan(ws):
    oid = opportunity(ws, "negotiation")
    qid = ws.table("quotes").id_of(ws.table("quotes").where("opportunity_id", oid)[0])
    move(ws, qid, "accepted")
    cid = contracts.create(ws.table, ws.settings, qid, terms=None, title=None).record_id
    move(ws, cid, "review")
    move(ws, oid, "lost", reason="went elsewhere")
    assert refused(move, ws, cid, "signed", by="王经理") == [
        f"{cid} → signed: its opportunity {oid} is lost"
    ]


def test_executing_on_first_shipment_completed_needs_everything_settled(ws):
    _, cid = signed_contract(ws, deliveries=2)
    assert (
        "needs a shipped delivery (D-000001 is planned, D-000002 is planned)"
        in refused(move, ws, cid, "executing")[0]
    )
    move(ws, "D-000001", "shipped")
    assert record(ws, cid)["status"] == "executing"
    msgs = refused(move, ws, cid, "completed")
    assert (
        msgs[0]
        == f"{cid} → completed: needs every delivery accepted (D-000001 is shipped, D-000002 is planned)"
    )
    assert msgs[1].startswith(
        f"{cid} → completed: needs every receivable paid, written off or cancelled (R-000001 is scheduled, 150,000.00 outstanding"
    )


def test_terminated_needs_a_reason_and_cancels_scheduled_receivables(ws):
    from salesops.core import receivables

    _, cid = signed_contract(ws, deliveries=0)
    flow.advance(
        ws.table,
        ws.table("receivables"),
        0,
        "invoiced",
        on=TODAY,
        settings=ws.settings,
        sets={"invoice_no": "0001"},
    )
    receivables.record_payment(ws.table, "R-000001", D("1000"), on=TODAY)
    assert refused(move, ws, cid, "terminated") == [
        f"{cid} → terminated: needs a reason (--reason TEXT)"
    ]
    moved = move(ws, cid, "terminated", reason="customer bankrupt")
    assert moved.notes == ["receivables cancelled: R-000002, R-000003"]
    assert [record(ws, r)["status"] for r in ("R-000001", "R-000002", "R-000003")] == [
        "partially_paid",
        "cancelled",
        "cancelled",
    ]
    assert record(ws, "R-000002")["notes"] == f"contract {cid} terminated: customer bankrupt"
    assert record(ws, cid)["terminate_reason"] == "customer bankrupt"


# ---------------------------------------------------------------- deliveries


def test_shipping_needs_a_signed_contract(ws):
    oid = opportunity(ws, "negotiation")
    qid = ws.table("quotes").id_of(ws.table("quotes").where("opportunity_id", oid)[0])
    move(ws, qid, "accepted")
    cid = contracts.create(ws.table, ws.settings, qid, terms=None, title=None).record_id
    did = deliveries.create(ws.table, cid, planned_on=None, description=None).record_id
    assert refused(move, ws, did, "shipped") == [
        f"{did} → shipped: its contract {cid} is draft: only a signed contract ships"
    ]


def test_delivery_dates_in_order_and_csat(ws):
    _, cid = signed_contract(ws)
    move(ws, "D-000001", "shipped", on=dt.date(2026, 11, 20))
    assert refused(move, ws, "D-000001", "accepted", on=dt.date(2026, 11, 19)) == [
        "D-000001 → delivered: delivered_on 2026-11-19 is before shipped_on 2026-11-20"
    ]
    move(
        ws,
        "D-000001",
        "accepted",
        sets={"csat": 4, "delivered_on": dt.date(2026, 11, 21)},
        on=dt.date(2026, 11, 25),
    )
    rec = record(ws, "D-000001")
    assert (rec["shipped_on"], rec["delivered_on"], rec["accepted_on"], rec["csat"]) == (
        dt.date(2026, 11, 20),
        dt.date(2026, 11, 21),
        dt.date(2026, 11, 25),
        4,
    )


def test_milestones_trigger_on_the_last_delivery(tmp_path):
    ws = new_ws(tmp_path / "w", extra="[contract]\nretention_months = 1\n")
    _, cid = signed_contract(ws, terms="project", deliveries=2)
    move(ws, "D-000001", "delivered", on=dt.date(2026, 12, 1))
    assert record(ws, "R-000002")["triggered_on"] is None
    moved = move(ws, "D-000002", "delivered", on=dt.date(2026, 12, 3))
    assert moved.notes == ["delivery milestone triggered: R-000002"]
    assert record(ws, "R-000002")["triggered_on"] == dt.date(2026, 12, 3)
    move(ws, "D-000002", "accepted", on=dt.date(2027, 1, 31))
    assert record(ws, "R-000003")["triggered_on"] is None
    move(ws, "D-000001", "accepted", on=dt.date(2027, 1, 10))
    # the last acceptance is 2027-01-31; retention one month later clips to the month end
    assert record(ws, "R-000003")["triggered_on"] == dt.date(2027, 1, 31)
    assert record(ws, "R-000004")["triggered_on"] == dt.date(2027, 2, 28)


# ---------------------------------------------------------------- receivables and payments


def test_invoice_needs_a_triggered_milestone_and_sets_due_date(tmp_path):
    ws = new_ws(tmp_path / "w", extra="[receivable]\npayment_terms_days = 15\n")
    signed_contract(ws, deliveries=1)
    msgs = refused(move, ws, "R-000002", "invoiced", sets={"invoice_no": "INV-2"})
    assert msgs == [
        "R-000002 → invoiced: the delivery milestone is not triggered yet (it triggers when the contract's last delivery is delivered)"
    ]
    assert refused(
        move,
        ws,
        "R-000001",
        "invoiced",
        on=TODAY - dt.timedelta(days=1),
        sets={"invoice_no": "0001"},
    ) == [
        f"R-000001 → invoiced: the advance milestone is triggered on {TODAY}, after the invoice date {TODAY - dt.timedelta(days=1)}"
    ]
    assert refused(move, ws, "R-000001", "invoiced") == [
        "R-000001 → invoiced: needs an invoice number (--invoice-no NO)"
    ]
    move(ws, "R-000001", "invoiced", sets={"invoice_no": "00012345"}, on=dt.date(2026, 12, 1))
    rec = record(ws, "R-000001")
    assert (rec["status"], rec["invoice_no"], rec["invoiced_on"], rec["due_date"]) == (
        "invoiced",
        "00012345",
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 16),
    )


def test_due_date_from_the_account_payment_terms(ws):
    _, cid = signed_contract(ws, deliveries=0)
    accounts = ws.table("accounts")
    accounts.set(accounts.find(record(ws, cid)["account_id"]), "payment_terms_days", 60)
    move(ws, "R-000001", "invoiced", sets={"invoice_no": "1"}, on=dt.date(2026, 12, 1))
    assert record(ws, "R-000001")["due_date"] == dt.date(2027, 1, 30)


def test_payments_update_collected_last_date_and_status(ws):
    from salesops.core import receivables

    signed_contract(ws, deliveries=0)
    assert refused(receivables.record_payment, ws.table, "R-000001", D("10"), on=TODAY) == [
        "R-000001 is not invoiced yet: salesops receivable invoice R-000001 --invoice-no NO"
    ]
    move(ws, "R-000001", "invoiced", sets={"invoice_no": "1"})
    assert refused(receivables.record_payment, ws.table, "R-000001", D("0"), on=TODAY) == [
        "--amount must be above 0, not 0.00"
    ]
    assert refused(receivables.record_payment, ws.table, "R-000001", D("-5"), on=TODAY) == [
        "--amount must be above 0, not -5.00"
    ]
    assert refused(receivables.record_payment, ws.table, "R-000001", D("150000.01"), on=TODAY) == [
        "R-000001: a payment of 150,000.01 is more than its outstanding 150,000.00"
        " (salesops payment record --account A-000001 keeps what is over as unapplied cash)"
    ]
    assert receivables.record_payment(
        ws.table,
        "R-000001",
        D("100000"),
        on=dt.date(2026, 12, 5),
        method="bank_transfer",
        reference="000777",
    ).payment_ids == ["P-000001"]
    rec = record(ws, "R-000001")
    assert (rec["collected_amount"], rec["last_payment_on"], rec["status"]) == (
        D("100000"),
        dt.date(2026, 12, 5),
        "partially_paid",
    )
    receivables.record_payment(ws.table, "R-000001", D("50000"), on=dt.date(2026, 12, 1))
    rec = record(ws, "R-000001")
    assert (rec["collected_amount"], rec["last_payment_on"], rec["status"]) == (
        D("150000"),
        dt.date(2026, 12, 5),
        "paid",
    )
    pay = record(ws, "P-000001")
    assert (
        pay["receivable_id"],
        pay["account_id"],
        pay["amount"],
        pay["method"],
        pay["reference"],
    ) == (
        "R-000001",
        rec["account_id"],
        D("100000"),
        "bank_transfer",
        "000777",
    )
    assert refused(receivables.record_payment, ws.table, "R-000001", D("1"), on=TODAY) == [
        "R-000001 is paid: it takes no more payments"
    ]
    assert refused(move, ws, "R-000002", "paid") == [
        "R-000002 cannot be moved to paid with advance; use salesops payment record"
    ]


def test_account_payment_goes_to_the_oldest_due_date_first(ws):
    from salesops.core import receivables

    _, cid = signed_contract(ws, deliveries=0)
    acc = record(ws, cid)["account_id"]
    rt = ws.table("receivables")
    for j, due in (
        (0, dt.date(2026, 12, 20)),
        (1, dt.date(2026, 12, 10)),
        (2, dt.date(2027, 1, 5)),
    ):
        rt.set(j, "triggered_on", TODAY)
        move(ws, rt.id_of(j), "invoiced", sets={"invoice_no": f"N{j}", "due_date": due})
    created = receivables.record_account_payment(
        ws.table, acc, D("350000"), on=TODAY, reference="B1"
    ).payment_ids
    assert created == ["P-000001", "P-000002"]
    pays = [record(ws, p) for p in created]
    assert [(p["receivable_id"], p["amount"], p["reference"]) for p in pays] == [
        ("R-000002", D("300000"), "B1"),
        ("R-000001", D("50000"), "B1"),
    ]
    assert [record(ws, r)["status"] for r in ("R-000001", "R-000002", "R-000003")] == [
        "partially_paid",
        "paid",
        "invoiced",
    ]
    # what is over the rest they owe (150,000.00) is kept as the account's unapplied cash (SPEC 9.4)
    over = receivables.record_account_payment(ws.table, acc, D("150000.01"), on=TODAY)
    assert sum(p.amount for p in over.payments) == D("150000") and over.unapplied == D("0.01")
    assert record(ws, acc)["unapplied_amount"] == D("0.01")
    assert (
        "no account"
        in refused(receivables.record_account_payment, ws.table, "A-999", D("1"), on=TODAY)[0]
    )


def test_written_off_needs_a_reason(ws):
    signed_contract(ws, deliveries=0)
    move(ws, "R-000001", "invoiced", sets={"invoice_no": "1"})
    assert refused(move, ws, "R-000001", "written_off") == [
        "R-000001 → written_off: needs a reason (--reason TEXT)"
    ]
    move(ws, "R-000001", "written_off", reason="uncollectable")
    assert record(ws, "R-000001")["write_off_reason"] == "uncollectable"


def test_set_ref_must_exist(ws):
    oid = opportunity(ws)
    assert refused(move, ws, oid, "needs_analysis", sets={"account_id": "A-404"}) == [
        f"{oid}: account_id A-404 is not in accounts.csv",
        f"{oid} → needs_analysis: its account A-404 is not in accounts.csv",
    ]
    account(ws, "另一家")


def test_signing_is_a_point_of_no_return_and_a_service_contract_completes_directly(ws):
    from salesops.core import receivables

    _, cid = signed_contract(ws, terms="advance:100", deliveries=0)
    assert refused(move, ws, cid, "review") == [
        f"{cid} cannot move from signed to review (from signed: executing, completed, terminated)"
    ]
    move(ws, "R-000001", "invoiced", sets={"invoice_no": "1"})
    receivables.record_payment(ws.table, "R-000001", D("500000"), on=TODAY)
    moved = move(ws, cid, "completed", on=dt.date(2026, 12, 31))
    assert moved.steps == ["completed"]
    assert record(ws, cid)["completed_on"] == dt.date(2026, 12, 31)


def test_a_hand_made_milestone_is_triggered_by_hand(ws):
    ws.table("accounts").append({"account_id": "A-1", "name": "甲"})
    rt = ws.table("receivables")
    rt.append(
        {
            "receivable_id": "R-9",
            "account_id": "A-1",
            "milestone": "installation",
            "amount": D(10),
            "status": "scheduled",
        }
    )
    assert refused(move, ws, "R-9", "invoiced", sets={"invoice_no": "7"}) == [
        "R-9 → invoiced: the installation milestone is not triggered yet "
        "(set it: salesops advance R-9 invoiced --set triggered_on=DATE --set invoice_no=NO)"
    ]
    move(ws, "R-9", "invoiced", sets={"invoice_no": "7", "triggered_on": TODAY})
    assert record(ws, "R-9")["due_date"] == TODAY + dt.timedelta(days=30)
