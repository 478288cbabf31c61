"""Every command leaves the workspace valid (issue 10): what a command changes is checked with validate's rules.

A change that would leave a record invalid — a payment before its invoice or
after today, `--set` of a date out of order, an amount that breaks a
contract's total — refuses the command, naming file, row, column and cause,
and writes nothing. Problems already in the workspace do not block commands
that leave them as they were.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import pytest

from salesops.storage.workspace import Workspace
from tests.conftest import run_cli, tree_digest
from tests.flow_support import REPS, TODAY, move, new_ws, seed, signed_contract

D = Decimal


@pytest.fixture(scope="module")
def invoiced_company(tmp_path_factory):
    """Per format: a contract signed today whose advance milestone R-000001 is invoiced today."""
    made = {}
    for fmt in ("csv", "xlsx"):
        root = tmp_path_factory.mktemp(fmt) / "ws"
        ws = new_ws(root, fmt)
        signed_contract(ws, deliveries=1)
        move(ws, "R-000001", "invoiced", sets={"invoice_no": "00012345"})
        ws.commit(command="test seed", user="seed")
        seed(root, "reps", REPS)
        made[fmt] = root
    return made


@pytest.fixture(params=["csv", "xlsx"])
def company(request, invoiced_company, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(invoiced_company[request.param], root)
    return root, request.param


def refused(root, *args, today=None) -> list[str]:
    before = tree_digest(root)
    env = {"SALESOPS_TODAY": today} if today else None
    proc = run_cli(*args, ws=root, env=env, check=1)
    lines = proc.stderr.strip().splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), proc.stderr
    assert tree_digest(root) == before, f"{args} wrote files"
    return lines


def test_a_payment_before_its_invoice_or_after_today_is_refused(company):
    root, fmt = company
    assert refused(
        root, "payment", "record", "R-000001", "--amount", "100", "--on", "2026-11-26"
    ) == [
        f"error: R-000001 would be left invalid: receivables.{fmt} row 2, last_payment_on: "
        "last_payment_on 2026-11-26 is before invoiced_on 2026-11-27",
        f"error: P-000001 would be left invalid: payments.{fmt} row 2, received_on: "
        "received_on 2026-11-26 is before R-000001's invoiced_on 2026-11-27",
    ]
    assert refused(
        root, "payment", "record", "R-000001", "--amount", "100", "--on", "2026-11-28"
    ) == [
        f"error: P-000001 would be left invalid: payments.{fmt} row 2, received_on: "
        "received_on 2026-11-28 is after today (2026-11-27)"
    ]
    run_cli(
        "payment",
        "record",
        "R-000001",
        "--amount",
        "100",
        "--on",
        "2026-11-28",
        ws=root,
        env={"SALESOPS_TODAY": "2026-11-28"},
        check=0,
    )
    assert run_cli("validate", ws=root, env={"SALESOPS_TODAY": "2026-11-28"}).returncode == 0


def test_an_account_payment_skips_receivables_invoiced_after_its_date(company):
    """R-000001 was invoiced on 11-27: cash of 11-20 cannot pay it, and is kept as unapplied cash (SPEC 9.4)."""
    root, _ = company
    res = run_cli(
        "payment",
        "record",
        "--account",
        "A-000001",
        "--amount",
        "1",
        "--on",
        "2026-11-20",
        ws=root,
        check=0,
    )
    assert "1.00 kept as unapplied cash" in res.stdout
    ws = Workspace(root)
    assert len(ws.table("payments")) == 0
    accounts = ws.table("accounts")
    assert accounts.get(accounts.find("A-000001"), "unapplied_amount") == Decimal("1.00")


def test_a_set_that_leaves_the_record_invalid_is_refused(company):
    root, fmt = company
    assert refused(
        root, "advance", "R-000001", "written_off", "--reason", "x", "--set", "due_date=2026-11-01"
    ) == [
        f"error: R-000001 would be left invalid: receivables.{fmt} row 2, due_date: "
        "due_date 2026-11-01 is before invoiced_on 2026-11-27"
    ]


def test_won_with_a_close_date_before_creation_is_refused(tmp_path):
    """The issue's case: `advance O-… won --set closed_on=2020-01-01`."""
    root = tmp_path / "ws"
    new_ws(root, "xlsx")
    seed(root, "accounts", [{"account_id": "A-000001", "name": "恒达电子有限公司"}])
    seed(
        root,
        "opportunities",
        [
            {
                "opportunity_id": "O-000001",
                "name": "ERP升级",
                "account_id": "A-000001",
                "owner": "张三",
                "stage": "negotiation",
                "amount": D("95000"),
                "created_on": dt.date(2026, 10, 1),
            }
        ],
    )
    seed(
        root,
        "contracts",
        [
            {
                "contract_id": "C-000001",
                "opportunity_id": "O-000001",
                "account_id": "A-000001",
                "amount": D("95000"),
                "status": "signed",
                "signed_on": dt.date(2026, 11, 10),
            }
        ],
    )
    assert refused(root, "advance", "O-000001", "won", "--set", "closed_on=2020-01-01") == [
        "error: O-000001 would be left invalid: opportunities.xlsx row 2, closed_on: "
        "closed_on 2020-01-01 is before created_on 2026-10-01"
    ]
    run_cli("advance", "O-000001", "won", "--set", "closed_on=2026-11-10", ws=root, check=0)
    rec = Workspace(root).table("opportunities").record(0)
    assert (rec["stage"], rec["closed_on"]) == ("won", dt.date(2026, 11, 10))


def test_a_change_that_breaks_another_records_total_is_refused(company):
    root, fmt = company
    lines = refused(
        root, "advance", "R-000001", "written_off", "--reason", "disputed", "--set", "amount=1000"
    )
    assert lines == [
        f"error: C-000001 would be left invalid: contracts.{fmt} row 2, amount: "
        "its receivables sum to 351,000.00, not the contract amount 500,000.00"
    ]


def test_problems_already_in_the_workspace_do_not_block_other_commands(company):
    root, fmt = company
    ws = Workspace(root)
    opps = ws.table("opportunities")
    opps.append(
        {
            "opportunity_id": "O-000002",
            "name": "旧商机",
            "account_id": "A-404",  # dangling
            "owner": "张三",
            "stage": "qualification",
            "created_on": dt.date(2026, 11, 1),
            "closed_on": dt.date(2026, 10, 1),  # before created_on
        }
    )
    rt = ws.table("receivables")
    rt.set(1, "collected_amount", D("5"))  # a collected amount without payments
    ws.commit(command="test seed", user="seed")
    proc = run_cli("validate", ws=root)
    assert proc.returncode == 1 and proc.stderr.count("error:") >= 3
    # a lead, the broken opportunity's owner, and a payment elsewhere: all go through
    run_cli("lead", "add", "--company", "新公司", "--owner", "张三", ws=root, check=0)
    run_cli(
        "advance", "O-000002", "lost", "--reason", "old", "--set", "owner=李四", ws=root, check=0
    )
    run_cli("payment", "record", "R-000001", "--amount", "100", ws=root, check=0)
    # a change that adds a problem to the already broken record is still refused
    assert refused(
        root, "advance", "R-000002", "written_off", "--reason", "x", "--set", "amount=10"
    ) == [
        f"error: C-000001 would be left invalid: contracts.{fmt} row 2, amount: "
        "its receivables sum to 200,010.00, not the contract amount 500,000.00"
    ]


def test_a_new_warning_is_shown_and_the_command_goes_through(company):
    root, fmt = company
    proc = run_cli("lead", "add", "--company", "新公司", "--owner", "无名氏", ws=root, check=0)
    assert (
        proc.stderr
        == f'warning: leads.{fmt} row 2, owner: "无名氏" is not a rep_id or name in reps.{fmt}\n'
    )
    assert "L-000001 added" in proc.stdout


def test_a_lead_with_a_date_after_its_status_date_is_refused(tmp_path):
    root = tmp_path / "ws"
    new_ws(root, "csv")
    run_cli(
        "lead", "add", "--company", "甲", "--phone", "1", "--on", "2026-11-20", ws=root, check=0
    )
    assert refused(root, "advance", "L-000001", "contacted", "--on", "2026-11-19") == [
        "error: L-000001 would be left invalid: leads.csv row 2, status_changed_on: "
        "status_changed_on 2026-11-19 is before created_on 2026-11-20"
    ]
    assert TODAY == dt.date(2026, 11, 27)
