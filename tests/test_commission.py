"""`report commission` (提成): plans, tiers (a tier change, a progressive plan), clawback, exact lines.

Every expected figure is worked out here by plain arithmetic with Fractions.
"""

from __future__ import annotations

import csv
import json
from fractions import Fraction

import pytest

from salesops.schema import HISTORY_COLUMNS
from tests.cash_support import cents, cli_json, half_up, write_registers
from tests.conftest import run_cli

SETTINGS = """
[commission]
default_plan = "standard"

[commission.plans.standard]
tiers = [[0, 1.0], [80, 2.0], [100, 3.0]]

[commission.plans.managers]
roles = ["manager"]
basis = "bookings"
tiers = [[0, 0.5], [100, 1.0]]
progressive = true

[commission.plans.ben]
reps = ["S-2"]
clawback = false
"""
# fmt: off
REPS = [
    {"rep_id": "S-1", "name": "Ann", "team": "East", "role": "rep", "active": "yes", "monthly_target": "100000"},
    {"rep_id": "S-2", "name": "Ben", "team": "East", "role": "rep", "active": "yes", "monthly_target": "50000"},
    {"rep_id": "S-3", "name": "Max", "team": "East", "role": "manager", "active": "yes", "monthly_target": "200000"},
]
CONTRACTS = [  # id, owner, signed_on, amount
    ("C-1", "Ann", "2026-11-05", "40000"),
    ("C-2", "Ann", "2026-11-20", "50000"),
    ("C-3", "Ben", "2026-11-12", "20000"),
    ("C-4", "Max", "2026-11-08", "150000"),
    ("C-5", "Max", "2026-11-22", "100000"),
    ("C-7", "Max", "2026-10-05", "40000"),
    ("C-8", "Ann", "2026-10-02", "110000"),
    ("C-9", "Ann", "2026-09-10", "30000"),
    ("C-10", "Ben", "2026-09-01", "8000"),
]
RECEIVABLES = [  # id, contract, amount, invoiced_on, status
    ("R-1", "C-1", "40000", "2026-11-05", "partially_paid"),
    ("R-3", "C-3", "20000", "2026-11-12", "partially_paid"),
    ("R-7", "C-7", "40000", "2026-10-05", "written_off"),
    ("R-8", "C-8", "110000", "2026-10-02", "invoiced"),
    ("R-9", "C-9", "30000", "2026-09-10", "written_off"),
    ("R-10", "C-10", "8000", "2026-09-01", "written_off"),
]
PAYMENTS = [  # id, receivable, received_on, amount
    ("P-1", "R-1", "2026-11-10", "12345.67"),
    ("P-2", "R-8", "2026-11-25", "10000.33"),
    ("P-3", "R-9", "2026-09-20", "10000"),
    ("P-4", "R-9", "2026-10-15", "5000"),
    ("P-5", "R-3", "2026-11-15", "5000"),
    ("P-6", "R-10", "2026-09-05", "2000"),
]
WRITTEN_OFF = [("R-7", "2026-11-25"), ("R-9", "2026-11-18")]  # R-10 has no history row
# fmt: on


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    paid = {r: sum(Fraction(a) for _, rr, _, a in PAYMENTS if rr == r) for r, *_ in RECEIVABLES}
    owner = {c: o for c, o, _, _ in CONTRACTS}
    root = write_registers(
        tmp_path_factory.mktemp("commission") / "ws",
        {
            "reps": REPS,
            "accounts": [{"account_id": "A-1", "name": "Acme"}],
            "contracts": [
                {
                    "contract_id": c,
                    "opportunity_id": "O-1",
                    "account_id": "A-1",
                    "owner": o,
                    "amount": a,
                    "status": "executing",
                    "signed_on": on,
                    "payment_terms": "advance:100",
                }  # fmt: skip
                for c, o, on, a in CONTRACTS
            ],
            "receivables": [
                {
                    "receivable_id": r,
                    "contract_id": c,
                    "account_id": "A-1",
                    "owner": owner[c],
                    "milestone": "advance",
                    "amount": a,
                    "invoice_no": f"INV-{r}",
                    "invoiced_on": inv,
                    "due_date": inv,
                    "collected_amount": f"{float(paid[r]):.2f}",
                    "status": s,
                }  # fmt: skip
                for r, c, a, inv, s in RECEIVABLES
            ],
            "payments": [
                {"payment_id": p, "receivable_id": r, "received_on": on, "amount": a}
                for p, r, on, a in PAYMENTS
            ],
        },
        settings=SETTINGS,
    )
    with open(root / "history.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HISTORY_COLUMNS)
        for rid, on in WRITTEN_OFF:
            cmd = f"salesops advance {rid} written_off --reason bad debt"
            w.writerow(
                [
                    f"{on}T10:00:00+08:00",
                    "Fin",
                    cmd,
                    "receivables",
                    rid,
                    "status",
                    "invoiced",
                    "written_off",
                ]
            )
    return root


def report(ws, as_of="2026-11-30", period="2026-11"):
    doc = cli_json(ws, "report", "commission", "--period", period, "--as-of", as_of)
    return doc, {r["rep"]: r for r in doc["reps"]}


def booked(owner: str, start: str, end: str) -> int:
    return sum(cents(a) for _, o, on, a in CONTRACTS if o == owner and start <= on <= end)


def received(owner: str, start: str, end: str) -> list[tuple[str, int]]:
    contract_of = {r: c for r, c, *_ in RECEIVABLES}
    owner_of = {c: o for c, o, _, _ in CONTRACTS}
    return [
        (p, cents(a))
        for p, r, on, a in PAYMENTS
        if owner_of[contract_of[r]] == owner and start <= on <= end
    ]


def test_a_tier_change_pays_the_whole_basis_at_the_new_rate(ws):
    # Ann (standard: collections, tiers 0 → 1%, 80 → 2%, 100 → 3% of the bookings target 100000)
    _, mid = report(ws, as_of="2026-11-15")  # only C-1 signed: 40% → 1%
    _, end = report(ws)  # C-1 + C-2 = 90% → 2%
    assert booked("Ann", "2026-11-01", "2026-11-15") * 100 // 10_000_000 == 40
    assert (mid["Ann"]["tier"], mid["Ann"]["rate"], end["Ann"]["tier"], end["Ann"]["rate"]) == (
        0,
        1,
        80,
        2,
    )
    assert end["Ann"]["attainment"] == pytest.approx(
        booked("Ann", "2026-11-01", "2026-11-30") / 10_000_000
    )
    lines = received("Ann", "2026-11-01", "2026-11-30")  # P-1 12345.67 and P-2 10000.33
    basis = sum(c for _, c in lines)
    assert cents(end["Ann"]["basis_amount"]) == basis == 2_234_600
    want = half_up(Fraction(basis) * 2 / 100)
    assert cents(end["Ann"]["commission"]) == want == 44_692
    got = {x["id"]: cents(x["commission"]) for x in end["Ann"]["lines"]}
    assert set(got) == {"P-1", "P-2"} and sum(got.values()) == want  # the lines add up to the cent
    assert got == {"P-1": 24_691, "P-2": 20_001}  # 246.9134 and 200.0066: the cent left goes to P-2
    assert cents(mid["Ann"]["commission"]) == half_up(Fraction(cents("12345.67")) / 100)


def test_clawback_at_the_rates_the_commission_was_paid(ws):
    _, reps = report(ws)
    # R-9 (Ann's, written off 11-18) was paid P-3 in September (Ann booked 30% → 1%) and P-4 in
    # October (C-8 110000 → 110% → 3%)
    claws = {c["id"]: c for c in reps["Ann"]["clawbacks"]}
    assert set(claws) == {"P-3", "P-4"}
    assert (claws["P-3"]["rate"], claws["P-4"]["rate"]) == (1, 3)
    want = half_up(Fraction(1_000_000) * 1 / 100) + half_up(Fraction(500_000) * 3 / 100)
    assert cents(reps["Ann"]["clawback"]) == want == 25_000
    assert cents(reps["Ann"]["net"]) == cents(reps["Ann"]["commission"]) - want
    assert all(cents(c["commission"]) < 0 for c in claws.values())


def test_a_progressive_bookings_plan_and_its_clawback(ws):
    _, reps = report(ws)
    maxi = reps["Max"]
    assert (maxi["plan"], maxi["basis"]) == ("managers", "bookings")
    basis = booked("Max", "2026-11-01", "2026-11-30")
    attainment = Fraction(basis, 20_000_000) * 100  # 125%
    rate = (Fraction(5, 10) * 100 + Fraction(1) * (attainment - 100)) / attainment  # 0.6%
    assert rate == Fraction(3, 5)
    assert cents(maxi["commission"]) == half_up(Fraction(basis) * rate / 100) == 150_000
    assert {x["id"]: cents(x["commission"]) for x in maxi["lines"]} == {
        "C-4": 90_000,
        "C-5": 60_000,
    }
    # R-7 (C-7, signed in October: 40000 of 200000 = 20% → 0.5%) written off 11-25: its amount back
    assert [(c["id"], cents(c["commission"])) for c in maxi["clawbacks"]] == [("C-7", -20_000)]


def test_a_plan_without_clawback_and_undated_write_offs(ws):
    doc, reps = report(ws)
    ben = reps["Ben"]
    assert ben["plan"] == "ben" and ben["clawbacks"] == []  # plan "ben" takes nothing back
    assert cents(ben["commission"]) == half_up(Fraction(500_000) * 1 / 100)  # 40% of 50000 → 1%
    assert doc["undated_write_offs"] == ["R-10"]
    totals = doc["totals"]
    assert cents(totals["net"]) == sum(cents(r["net"]) for r in reps.values())
    assert cents(totals["commission"]) - cents(totals["clawback"]) == cents(totals["net"])


def test_a_write_off_outside_the_period_takes_nothing_back(ws):
    _, reps = report(ws, period="2026-12", as_of="2026-12-31")
    assert all(r["clawbacks"] == [] for r in reps.values())
    _, reps = report(ws, period="2026-11", as_of="2026-11-20")  # R-7 was written off on 11-25
    assert [c["id"] for c in reps["Max"]["clawbacks"]] == []
    assert {c["id"] for c in reps["Ann"]["clawbacks"]} == {"P-3", "P-4"}


def test_every_format_and_payroll_xlsx(ws, tmp_path):
    book = tmp_path / "payroll.xlsx"
    run_cli(
        "report",
        "commission",
        "--period",
        "2026-11",
        "--as-of",
        "2026-11-30",
        "-f",
        "xlsx",
        "-o",
        str(book),
        ws=ws,
        check=0,
    )
    from openpyxl import load_workbook

    wb = load_workbook(book)
    lines = wb.worksheets[-1]
    header = [c.value for c in lines[1]]
    money = [
        row[header.index("Commission")].value
        for row in lines.iter_rows(min_row=2)
        if row[0].value != "Total"
    ]
    doc = json.loads(
        run_cli(
            "report",
            "commission",
            "--period",
            "2026-11",
            "--as-of",
            "2026-11-30",
            "-f",
            "json",
            ws=ws,
        ).stdout
    )
    assert round(sum(money), 2) == float(doc["totals"]["net"])
    csv_text = run_cli(
        "report",
        "commission",
        "--period",
        "2026-11",
        "--as-of",
        "2026-11-30",
        "-f",
        "csv",
        ws=ws,
        check=0,
    ).stdout
    assert "P-1" in csv_text and "246.91" in csv_text
    zh = run_cli(
        "report",
        "commission",
        "--period",
        "2026-11",
        "--as-of",
        "2026-11-30",
        "--lang",
        "zh",
        ws=ws,
        check=0,
    ).stdout
    assert "提成" in zh and "扣回" in zh
