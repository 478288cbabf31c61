"""Unapplied cash (预收款, SPEC 9.4): cash from an account above what it owes is kept, then applied.

Real CSV registers, the real CLI, every figure worked out by hand.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.cash_support import cents, cli_json, read_register, write_registers
from tests.conftest import run_cli, tree_digest

# fmt: off
REGISTERS = {
    "accounts": [{"account_id": "A-1", "name": "Acme", "owner": "Ann", "payment_terms_days": "30"},
                 {"account_id": "A-2", "name": "Beta", "owner": "Ann"}],
    "reps": [{"rep_id": "S-1", "name": "Ann", "team": "East", "role": "rep", "active": "yes"}],
    "opportunities": [{"opportunity_id": "O-1", "name": "Line 1", "account_id": "A-1", "owner": "Ann",
                       "stage": "won", "amount": "6000", "probability": "100", "created_on": "2026-09-01",
                       "expected_close": "2026-09-30", "stage_changed_on": "2026-09-30", "closed_on": "2026-09-30"}],
    "contracts": [{"contract_id": "C-1", "opportunity_id": "O-1", "account_id": "A-1", "owner": "Ann",
                   "amount": "6000", "payment_terms": "advance:50,delivery:50", "status": "executing",
                   "reviewer": "Bob", "signed_on": "2026-09-30"}],
    "receivables": [
        {"receivable_id": "R-1", "contract_id": "C-1", "account_id": "A-1", "owner": "Ann", "milestone": "advance",
         "pct": "1000/6000", "amount": "1000", "triggered_on": "2026-09-30", "invoice_no": "INV-1",
         "invoiced_on": "2026-10-01", "due_date": "2026-10-31", "collected_amount": "", "status": "invoiced"},
        {"receivable_id": "R-2", "contract_id": "C-1", "account_id": "A-1", "owner": "Ann", "milestone": "delivery",
         "amount": "2000", "triggered_on": "2026-10-20", "invoice_no": "INV-2",
         "invoiced_on": "2026-11-01", "due_date": "2026-12-01", "collected_amount": "", "status": "invoiced"},
        {"receivable_id": "R-3", "contract_id": "C-1", "account_id": "A-1", "owner": "Ann", "milestone": "acceptance",
         "amount": "3000", "triggered_on": "2026-11-21", "status": "scheduled"},
    ],
}
# fmt: on


@pytest.fixture
def ws(tmp_path):
    regs = {k: [dict(r) for r in v] for k, v in REGISTERS.items()}
    for r in regs["receivables"]:
        r.pop("pct", None)
    return write_registers(tmp_path / "ws", regs)


def account(ws, aid="A-1") -> dict:
    return next(a for a in read_register(ws, "accounts") if a["account_id"] == aid)


def receivable(ws, rid) -> dict:
    return next(r for r in read_register(ws, "receivables") if r["receivable_id"] == rid)


def test_cash_above_what_is_owed_is_kept_then_applied_oldest_due_first(ws, tmp_path):
    res = run_cli(
        "payment",
        "record",
        "--account",
        "A-1",
        "--amount",
        "4500",
        "--on",
        "2026-11-20",
        ws=ws,
        check=0,
    )
    # R-1 (due 10-31) takes 1000, R-2 (due 12-01) 2000: 3000 owed, 1500 kept
    assert [(p["receivable_id"], cents(p["amount"])) for p in read_register(ws, "payments")] == [
        ("R-1", 100_000),
        ("R-2", 200_000),
    ]
    assert (receivable(ws, "R-1")["status"], receivable(ws, "R-2")["status"]) == ("paid", "paid")
    assert cents(account(ws).get("unapplied_amount")) == 4500_00 - 3000_00
    assert "1,500.00 kept as unapplied cash" in res.stdout and "payment apply A-1" in res.stdout
    history = [h for h in read_register(ws, "history") if h["register"] == "accounts"]
    assert [(h["record_id"], h["field"], h["old_value"], h["new_value"]) for h in history] == [
        ("A-1", "unapplied_amount", "", "1500.00")
    ]
    aging = cli_json(ws, "report", "aging", "--as-of", "2026-11-20")
    row = next(r for r in aging["rows"] if r["key"] == "A-1")
    assert cents(row["total"]) == 0 and cents(row["unapplied"]) == 150_000
    assert cents(aging["totals"]["unapplied"]) == 150_000
    # `-f json` writes its rows straight from the cents: the text of the API's document
    import salesops.reports as reports
    from salesops.jsonout import dumps

    result = reports.aging_report(ws, as_of="2026-11-20")
    assert dumps(result.json_document()) == dumps(result.to_json())
    assert next(r for r in result.rows if r["key"] == "A-1")["unapplied"] == Decimal("1500.00")

    # nothing invoiced to apply it to yet: refused, nothing written
    before = tree_digest(ws)
    res = run_cli("payment", "apply", "A-1", "--on", "2026-11-21", ws=ws)
    assert (
        res.returncode == 1 and "no receivable invoiced" in res.stderr and tree_digest(ws) == before
    )

    run_cli(
        "receivable",
        "invoice",
        "R-3",
        "--invoice-no",
        "INV-3",
        "--on",
        "2026-11-25",
        ws=ws,
        check=0,
    )
    res = run_cli("payment", "apply", "A-1", "--amount", "2000", "--on", "2026-11-26", ws=ws)
    assert res.returncode == 1 and "more than its unapplied cash" in res.stderr
    run_cli("payment", "apply", "A-1", "--on", "2026-11-26", "--by", "Fin", ws=ws, check=0)
    p3 = read_register(ws, "payments")[-1]
    assert (p3["receivable_id"], cents(p3["amount"]), p3["received_on"]) == (
        "R-3",
        150_000,
        "2026-11-26",
    )
    r3 = receivable(ws, "R-3")
    assert (r3["status"], cents(r3["collected_amount"])) == ("partially_paid", 150_000)
    assert cents(account(ws).get("unapplied_amount")) == 0
    res = run_cli("payment", "apply", "A-1", ws=ws)
    assert res.returncode == 1 and "no unapplied cash" in res.stderr


def test_the_statement_shows_unapplied_cash_and_what_remains_due(ws, tmp_path):
    run_cli(
        "payment",
        "record",
        "--account",
        "A-1",
        "--amount",
        "500",
        "--on",
        "2026-11-20",
        ws=ws,
        check=0,
    )
    assert cents(account(ws).get("unapplied_amount")) == 0  # all of it went to R-1
    run_cli(
        "payment",
        "record",
        "--account",
        "A-2",
        "--amount",
        "800",
        "--on",
        "2026-11-20",
        ws=ws,
        check=0,
    )
    assert cents(account(ws, "A-2").get("unapplied_amount")) == 80_000  # A-2 owes nothing: all kept
    out = tmp_path / "st"
    run_cli(
        "collect",
        "--account",
        "A-1",
        "--account",
        "A-2",
        "--as-of",
        "2026-11-20",
        "-o",
        str(out),
        "-f",
        "markdown",
        "--no-log",
        ws=ws,
        check=0,
    )
    texts = {p.name.split("-")[2]: p.read_text(encoding="utf-8") for p in out.iterdir()}
    assert (
        "| Unapplied cash | ¥800.00 |" in texts["2"]
        and "| Due after unapplied cash | -¥800.00 |" in texts["2"]
    )
    assert "| Outstanding | ¥2,500.00 |" in texts["1"]  # R-1 1000 − 500, R-2 2000


def test_one_receivable_above_what_it_owes_is_still_refused(ws):
    before = tree_digest(ws)
    res = run_cli("payment", "record", "R-1", "--amount", "1000.01", "--on", "2026-11-20", ws=ws)
    assert res.returncode == 1 and "--account A-1" in res.stderr and tree_digest(ws) == before


def test_refusals_speak_the_workspace_language(ws):
    res = run_cli("--lang", "zh", "payment", "apply", "A-1", ws=ws)
    assert res.returncode == 1 and "没有可冲抵的预收款" in res.stderr
