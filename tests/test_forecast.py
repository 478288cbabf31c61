"""`report forecast` (回款预测): invoiced, scheduled and pipeline cash, each once, reconciled with aging.

A hand-made workspace whose every figure is worked out in the comments and
checked by plain arithmetic here: each signed contract's amount appears once
across paid, invoiced (by due date), scheduled (by expected trigger + terms)
and written off.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from tests.cash_support import cents, cli_json, write_registers
from tests.conftest import run_cli
from tests.reliability.clitools import sample_workspace

AS_OF = "2026-11-27"
SETTINGS = """
[receivable]
payment_terms_days = 30

[forecast]
delivery_days = 30
acceptance_days = 15
"""
# fmt: off
ACCOUNTS = [
    {"account_id": "A-1", "name": "Acme", "payment_terms_days": "45"},
    {"account_id": "A-2", "name": "Beta", "payment_terms_days": ""},
    {"account_id": "A-3", "name": "Gamma", "payment_terms_days": ""},
    {"account_id": "A-4", "name": "Delta", "payment_terms_days": ""},
]
CONTRACTS = [  # id, account, amount, status, signed_on, terms
    ("C-1", "A-1", "100000", "executing", "2026-10-01", "advance:30,delivery:60,acceptance:10"),
    ("C-2", "A-2", "200000", "executing", "2026-06-01", "project"),
    ("C-3", "A-3", "50000", "signed", "2026-11-20", ""),
    ("C-4", "A-4", "40000", "terminated", "2026-05-01", ""),
    ("C-5", "A-4", "20000", "executing", "2026-03-01", "advance:100"),
    ("C-6", "A-1", "99999", "draft", "", ""),
]
DELIVERIES = [  # id, contract, planned, delivered, accepted, status
    ("D-1", "C-1", "2026-12-10", "", "", "planned"),
    ("D-2", "C-2", "2026-07-20", "2026-07-25", "2026-09-15", "accepted"),
]
RECEIVABLES = [  # id, contract, account, milestone, amount, triggered, invoiced, due, status
    ("R-1", "C-1", "A-1", "advance", "30000", "2026-10-01", "2026-10-01", "2026-11-15", "partially_paid"),
    ("R-2", "C-1", "A-1", "delivery", "60000", "", "", "", "scheduled"),
    ("R-3", "C-1", "A-1", "acceptance", "10000", "", "", "", "scheduled"),
    ("R-4", "C-2", "A-2", "advance", "60000", "2026-06-01", "2026-06-01", "2026-07-01", "paid"),
    ("R-5", "C-2", "A-2", "delivery", "80000", "2026-07-25", "2026-08-01", "2026-08-31", "partially_paid"),
    ("R-6", "C-2", "A-2", "acceptance", "50000", "2026-09-15", "2026-11-20", "2026-12-20", "invoiced"),
    ("R-7", "C-2", "A-2", "retention", "10000", "2027-09-15", "", "", "scheduled"),
    ("R-8", "C-3", "A-3", "advance", "15000", "2026-11-20", "", "", "scheduled"),
    ("R-9", "C-3", "A-3", "delivery", "30000", "", "", "", "scheduled"),
    ("R-10", "C-3", "A-3", "acceptance", "5000", "", "", "", "scheduled"),
    ("R-11", "C-4", "A-4", "advance", "12000", "2026-05-01", "2026-05-02", "2026-06-01", "invoiced"),
    ("R-12", "C-4", "A-4", "delivery", "28000", "", "", "", "cancelled"),
    ("R-14", "C-5", "A-4", "advance", "20000", "2026-03-01", "2026-03-01", "2026-03-31", "written_off"),
]
PAYMENTS = [  # id, receivable, received_on, amount
    ("P-1", "R-1", "2026-10-20", "10000"),
    ("P-2", "R-4", "2026-06-20", "60000"),
    ("P-3", "R-5", "2026-09-01", "30000"),
    ("P-4", "R-14", "2026-04-01", "5000"),
]
OPPORTUNITIES = [  # id, account, stage, amount, probability, expected_close
    ("O-1", "A-2", "negotiation", "100000", "80", "2026-12-15"),
    ("O-2", "A-1", "proposal", "33333.33", "60", "2026-10-01"),  # its close has passed: counted from as-of
    ("O-3", "A-3", "qualification", "5000", "10", ""),  # no date
]
# fmt: on


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    paid = {r[0]: sum(int(p[3]) for p in PAYMENTS if p[1] == r[0]) for r in RECEIVABLES}
    return write_registers(
        tmp_path_factory.mktemp("forecast") / "ws",
        {
            "accounts": ACCOUNTS,
            "contracts": [
                {
                    "contract_id": c,
                    "opportunity_id": "O-9",
                    "account_id": a,
                    "amount": amt,
                    "status": s,
                    "signed_on": on,
                    "payment_terms": t,
                }  # fmt: skip
                for c, a, amt, s, on, t in CONTRACTS
            ],
            "deliveries": [
                {
                    "delivery_id": d,
                    "contract_id": c,
                    "planned_on": p,
                    "delivered_on": dl,
                    "accepted_on": ac,
                    "status": s,
                }
                for d, c, p, dl, ac, s in DELIVERIES
            ],
            "receivables": [
                {
                    "receivable_id": r,
                    "contract_id": c,
                    "account_id": a,
                    "milestone": m,
                    "amount": amt,
                    "triggered_on": t,
                    "invoice_no": f"INV-{r}" if inv else "",
                    "invoiced_on": inv,
                    "due_date": due,
                    "collected_amount": paid[r],
                    "status": s,
                }  # fmt: skip
                for r, c, a, m, amt, t, inv, due, s in RECEIVABLES
            ],
            "payments": [
                {"payment_id": p, "receivable_id": r, "received_on": on, "amount": a}
                for p, r, on, a in PAYMENTS
            ],
            "opportunities": [
                {
                    "opportunity_id": o,
                    "name": o,
                    "account_id": a,
                    "owner": "Ann",
                    "stage": st,
                    "amount": amt,
                    "probability": pr,
                    "expected_close": ec,
                    "created_on": "2026-09-01",
                }  # fmt: skip
                for o, a, st, amt, pr, ec in OPPORTUNITIES
            ],
        },
        settings=SETTINGS,
    )


def column(doc: dict, key: str) -> dict[str, int]:
    """month (or overdue/later/undated) → cents of one column."""
    out = {r["month"]: cents(r[key]) for r in doc["rows"]}
    out.update({k: cents(doc[k][key]) for k in ("overdue", "later", "undated")})
    return out


def nonzero(col: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in col.items() if v}


def test_each_kind_of_cash_in_its_own_column_by_the_day_it_is_expected(ws):
    doc = cli_json(ws, "report", "forecast", "--as-of", AS_OF, "--months", "4")
    assert [r["month"] for r in doc["rows"]] == ["2026-11", "2026-12", "2027-01", "2027-02"]
    # invoiced, by due date: R-1 30000-10000 (due 11-15), R-5 80000-30000 (08-31), R-11 (06-01) are late;
    # R-6 is due 12-20
    assert nonzero(column(doc, "invoiced")) == {
        "overdue": 2_000_000 + 5_000_000 + 1_200_000,
        "2026-12": 5_000_000,
    }
    # scheduled: R-8 triggered 11-20, invoiced now → 11-27 + 30 = 12-27; R-9 no delivery planned → signed
    # 11-20 + 30 = 12-20, + 30 = 2027-01-19; R-2 delivery planned 12-10 + 45 (A-1) = 2027-01-24;
    # R-3 12-10 + 15 + 45 = 2027-02-08; R-10 12-20 + 15 + 30 = 2027-02-03;
    # R-7 retention triggered 2027-09-15 + 30 = 2027-10-15 (later)
    assert nonzero(column(doc, "scheduled")) == {
        "2026-12": 1_500_000,
        "2027-01": 3_000_000 + 6_000_000,
        "2027-02": 1_000_000 + 500_000,
        "later": 1_000_000,
    }
    # pipeline: O-1 80% of 100000 → advance 30% at 12-15 + 30 = 2027-01-14; delivery and acceptance
    # 12-15 + 30 (+ 15) + 30 in February. O-2 60% of 33333.33 from as-of (its close passed) + 45 days
    # advance 2027-01-11, delivery 2027-02-10, acceptance 2027-02-25. O-3 has no close date.
    o1, o2 = Fraction(100000) * Fraction(80, 100), Fraction("33333.33") * Fraction(60, 100)
    january = (o1 + o2) * Fraction(30, 100)
    february = (o1 + o2) * Fraction(70, 100)
    undated = Fraction(5000) * Fraction(10, 100)
    cash = nonzero(column(doc, "pipeline_cash"))
    assert set(cash) == {"2027-01", "2027-02", "undated"}
    assert abs(cash["2027-01"] - january * 100) < 1 and abs(cash["2027-02"] - february * 100) < 1
    assert cash["undated"] == undated * 100
    weighted = sum(column(doc, "weighted_pipeline").values())
    assert sum(cash.values()) == weighted == round((o1 + o2 + undated) * 100)  # to the cent, once
    for key, row in {**{r["month"]: r for r in doc["rows"]}, "overdue": doc["overdue"]}.items():
        assert cents(row["expected_cash"]) == sum(
            cents(row[k]) for k in ("invoiced", "scheduled", "pipeline_cash")
        ), key


def test_every_signed_contract_appears_once_across_paid_invoiced_scheduled(ws):
    doc = cli_json(ws, "report", "forecast", "--as-of", AS_OF, "--by", "account")
    recon = {k: cents(v) for k, v in doc["reconciliation"].items()}
    signed = {
        c: cents(amt)
        for c, _, amt, s, on, _ in CONTRACTS
        if on and on <= AS_OF and s != "terminated"
    }
    assert recon["contracts"] == sum(signed.values()) == 37_000_000
    paid = {r: sum(cents(p[3]) for p in PAYMENTS if p[1] == r) for r, *_ in RECEIVABLES}
    contract_of = {r[0]: r[1] for r in RECEIVABLES}
    assert (
        recon["paid"] == sum(v for r, v in paid.items() if contract_of[r] in signed) == 10_500_000
    )
    assert recon["written_off"] == 2_000_000 - 500_000
    assert recon["invoiced"] == 2_000_000 + 5_000_000 + 5_000_000
    assert recon["scheduled"] == 13_000_000
    assert recon["unplanned"] == 0 and recon["other_scheduled"] == 0
    assert recon["other_invoiced"] == 1_200_000  # R-11 of the terminated C-4
    assert (
        recon["contracts"]
        == recon["paid"] + recon["invoiced"] + recon["scheduled"] + recon["written_off"]
    )
    aging = cli_json(ws, "report", "aging", "--as-of", AS_OF)
    assert (
        sum(column(doc, "invoiced").values())
        == cents(aging["totals"]["total"])
        == recon["invoiced"] + recon["other_invoiced"]
    )
    # per account (one signed contract each for A-1 … A-3): the columns hold the rest of its amount
    groups = {g["key"]: g for g in doc["groups"]}
    for account, contract in (("A-1", "C-1"), ("A-2", "C-2"), ("A-3", "C-3")):
        g = groups[account]
        shown = sum(column(g, "invoiced").values()) + sum(column(g, "scheduled").values())
        got_paid = sum(v for r, v in paid.items() if contract_of[r] == contract)
        assert shown + got_paid == signed[contract], account
        assert cents(g["reconciliation"]["contracts"]) == signed[contract]


def test_replayed_as_of_an_earlier_day(ws):
    doc = cli_json(ws, "report", "forecast", "--as-of", "2026-11-10", "--months", "2")
    recon = {k: cents(v) for k, v in doc["reconciliation"].items()}
    assert recon["contracts"] == 37_000_000 - 5_000_000  # C-3 was signed on 11-20
    # R-6 was invoiced on 11-20: on 11-10 it was a triggered milestone, expected now + 30 days
    assert column(doc, "scheduled")["2026-12"] == 5_000_000
    assert column(doc, "invoiced")["2026-12"] == 0


def test_sample_reconciles_and_finds_the_retention_due_in_2027_09(tmp_path):
    ws = sample_workspace(tmp_path / "ws", "csv")
    doc = cli_json(ws, "report", "forecast", "--as-of", "2026-11-27", "--months", "12")
    recon = {k: cents(v) for k, v in doc["reconciliation"].items()}
    assert recon["unplanned"] == 0
    assert (
        recon["contracts"]
        == recon["paid"] + recon["invoiced"] + recon["scheduled"] + recon["written_off"]
    )
    aging = cli_json(ws, "report", "aging", "--as-of", "2026-11-27")
    assert sum(column(doc, "invoiced").values()) == cents(aging["totals"]["total"])
    scheduled = column(doc, "scheduled")
    assert sum(scheduled.values()) == recon["scheduled"] > 300_000_000  # ¥3.1M of signed milestones
    assert scheduled["2027-09"] > 0  # a 质保金 triggered at acceptance + 12 months
    text = run_cli("report", "forecast", "--lang", "zh", ws=ws, check=0).stdout
    assert "已开票" in text and "待触发" in text and "商机回款" in text


def test_forecast_settings_are_checked(tmp_path):
    ws = write_registers(tmp_path / "ws", {}, settings="[forecast]\ndelivery_days = -3\n")
    bad = run_cli("report", "forecast", ws=ws)
    assert bad.returncode == 1 and "forecast.delivery_days" in bad.stderr


def test_far_dates_make_no_month_past_9999(ws):
    end = cli_json(ws, "report", "forecast", "--as-of", "9999-12-31", "--months", "6")
    assert [r["month"] for r in end["rows"]] == ["9999-12"]
    assert cents(end["reconciliation"]["contracts"]) == 37_000_000  # every contract signed by then
    start = cli_json(ws, "report", "forecast", "--as-of", "0001-01-01", "--months", "2")
    assert [r["month"] for r in start["rows"]] == ["0001-01", "0001-02"]
    assert cents(start["reconciliation"]["contracts"]) == 0


def test_decimal_money_in_json(ws):
    doc = cli_json(ws, "report", "forecast", "--as-of", AS_OF)
    assert Decimal(str(doc["reconciliation"]["contracts"])) == Decimal("370000")


def test_bad_default_terms_are_an_error_naming_the_setting(tmp_path):
    ws = write_registers(tmp_path / "ws", {}, settings='[contract]\ndefault_terms = "advance:50"\n')
    res = run_cli("report", "forecast", ws=ws)
    assert res.returncode == 1 and "contract.default_terms" in res.stderr and "100" in res.stderr


def test_receivables_without_any_contract_register_forecast_and_make_the_weekly(tmp_path):
    """A finance team's workspace: accounts, receivables and payments only, no contracts (the
    forecast took the contracts' dates from an empty register and stopped on an internal error,
    and the weekly report with it)."""
    ws = write_registers(
        tmp_path / "ws",
        {
            "accounts": [{"account_id": "A-000001", "name": "华南贸易有限公司", "owner": "王伟"}],
            "receivables": [
                {"receivable_id": "R-000001", "contract_id": "", "account_id": "A-000001", "amount": "1000.00",
                 "invoiced_on": "2026-10-01", "due_date": "2026-10-31", "status": "open"},
                {"receivable_id": "R-000002", "contract_id": "C-000404", "account_id": "A-000001", "amount": "500.00",
                 "invoiced_on": "2026-11-01", "due_date": "2026-12-31", "status": "open"},
                {"receivable_id": "R-000003", "contract_id": "", "account_id": "A-000001", "amount": "300.00",
                 "milestone": "acceptance", "status": "scheduled"},  # not invoiced yet, of no contract
            ],
            "payments": [{"payment_id": "P-000001", "receivable_id": "R-000001", "account_id": "A-000001",
                          "received_on": "2026-11-05", "amount": "400.00"}],
        },
    )
    doc = cli_json(ws, "report", "forecast", "--as-of", "2026-11-30")
    assert sum(column(doc, "invoiced").values()) == 110_000  # ¥600 overdue + ¥500 due in December
    assert sum(column(doc, "scheduled").values()) == 30_000  # R-000003, undated: no contract to date it
    res = run_cli("report", "weekly", "--as-of", "2026-11-30", "-f", "json", ws=ws, check=0)
    assert res.returncode == 0 and "internal error" not in res.stderr, res.stderr
