"""`rep add`, `account add`, `contact add`: the team and its customers without a spreadsheet; `show A-…` lists the contacts."""

from __future__ import annotations

import json

import pytest

from salesops.schema import REGISTERS
from tests.conftest import make_workspace, run_cli, tree_digest


@pytest.fixture(params=[("xlsx", "en"), ("csv", "zh")], ids=["xlsx-en", "csv-zh"])
def ws(request, tmp_path):
    fmt, lang = request.param
    return make_workspace(tmp_path / "ws", fmt, lang)


def listed(ws, register: str) -> list[dict]:
    return json.loads(run_cli("list", register, "-f", "json", ws=ws, check=0).stdout)


@pytest.mark.parametrize("register", ["reps", "accounts", "contacts"])
def test_every_column_is_an_option_of_its_add_command(register):
    from salesops.cli.desk import NOT_OPTIONS, option_name

    reg = REGISTERS[register]
    help_text = run_cli(reg.singular, "add", "--help", check=0).stdout
    for column in reg.columns:
        if column.name == reg.id_column or column.name in NOT_OPTIONS:
            continue
        assert option_name(column) in help_text, column.name


def test_a_team_its_customers_and_their_people(ws):
    run_cli(
        "rep",
        "add",
        "--name",
        "王芳",
        "--team",
        "华东团队",
        "--region",
        "华东",
        "--monthly-target",
        "50万",
        ws=ws,
        check=0,
    )
    run_cli("rep", "add", "--name", "周建华", "--role", "总监", ws=ws, check=0)
    run_cli("rep", "add", "--name", "李会计", "--role", "finance", "--active", "否", ws=ws, check=0)
    reps = {r["name"]: r for r in listed(ws, "reps")}
    assert (
        reps["王芳"]["monthly_target"] == 500000
        and reps["王芳"]["role"] == "rep"
        and reps["王芳"]["active"] is True
    )
    assert (reps["周建华"]["role"], reps["李会计"]["role"], reps["李会计"]["active"]) == (
        "director",
        "finance",
        False,
    )
    assert [r["rep_id"] for r in reps.values()] == ["S-000001", "S-000002", "S-000003"]

    made = run_cli(
        "account", "add", "--name", "上海华信科技有限公司", "--owner", "王芳", "--region", "上海",
        "--credit-limit", "¥1,000,000", "--payment-terms-days", "45", "--industry", "制造", "--on", "2026-11-20",
        ws=ws, check=0,
    )  # fmt: skip
    assert "A-000001" in made.stdout
    acc = listed(ws, "accounts")[0]
    assert (acc["credit_limit"], acc["payment_terms_days"], acc["created_on"], acc["owner"]) == (
        1000000,
        45,
        "2026-11-20",
        "王芳",
    )

    run_cli("contact", "add", "--account", "上海华信科技有限公司", "--name", "张总", "--title", "总经理",
            "--role", "决策人", "--phone", "+86 138 0000 0001", "--wechat", "zhang_hx", ws=ws, check=0)  # fmt: skip
    run_cli("contact", "add", "--account", "A-000001", "--name", "刘工", "--role", "influencer",
            "--email", "liu@huaxin.cn", ws=ws, check=0)  # fmt: skip
    contacts = listed(ws, "contacts")
    assert [(c["account_id"], c["name"], c["role"]) for c in contacts] == [
        ("A-000001", "张总", "decision_maker"),
        ("A-000001", "刘工", "influencer"),
    ]
    assert contacts[0]["phone"] == "+86 138 0000 0001"  # phones are text, as typed

    shown = json.loads(run_cli("show", "A-000001", "-f", "json", ws=ws, check=0).stdout)
    assert [c["name"] for c in shown["contacts"]] == ["张总", "刘工"]
    table = run_cli("show", "A-000001", ws=ws, check=0).stdout
    assert "张总" in table and "刘工" in table
    assert "Lead-to-Cash chain" not in table and "线索到回款链条" not in table  # nothing sold yet: no empty chain
    assert shown["chain"] == []
    text = run_cli("show", "A-000001", "-f", "markdown", ws=ws, check=0).stdout
    assert "张总" in text and "Lead-to-Cash chain" not in text and "线索到回款链条" not in text


def test_duplicates_are_refused_saying_who_holds_the_customer(ws):
    run_cli("rep", "add", "--name", "王芳", ws=ws, check=0)
    run_cli("account", "add", "--name", "上海华信科技有限公司", "--owner", "王芳", ws=ws, check=0)
    run_cli("account", "add", "--name", "北京万邦", ws=ws, check=0)  # no owner: in the public pool
    before = tree_digest(ws)
    zh = (ws / "salesops.toml").read_text().count('"zh"') > 0
    same = run_cli("account", "add", "--name", "上海华信科技", ws=ws, check=1).stderr
    assert "A-000001" in same and "王芳" in same
    pooled = run_cli("account", "add", "--name", "北京万邦有限公司", ws=ws, check=1).stderr
    assert "A-000002" in pooled and ("公海" if zh else "in the public pool") in pooled
    assert "王芳" in run_cli("rep", "add", "--name", "王芳", ws=ws, check=1).stderr
    assert tree_digest(ws) == before
    run_cli("account", "add", "--name", "上海华信科技", "--allow-duplicate", ws=ws, check=0)
    run_cli(
        "contact",
        "add",
        "--account",
        "A-000001",
        "--name",
        "张总",
        "--phone",
        "13800000001",
        ws=ws,
        check=0,
    )
    again = run_cli(
        "contact",
        "add",
        "--account",
        "A-000001",
        "--name",
        "张总助理",
        "--phone",
        "138-0000-0001",
        ws=ws,
        check=1,
    )
    assert "K-000001" in again.stderr


def test_required_options_and_bad_values(ws):
    assert run_cli("contact", "add", "--name", "张总", ws=ws, check=2).stderr.startswith("error: ")
    bad = run_cli(
        "account", "add", "--name", "甲公司", "--credit-limit", "很多", ws=ws, check=1
    ).stderr
    assert "credit_limit" in bad or "信用额度" in bad
    nowhere = run_cli(
        "contact", "add", "--account", "没有这家", "--name", "张总", ws=ws, check=1
    ).stderr
    assert "没有这家" in nowhere
    assert not (ws / "contacts.xlsx").exists() and not (ws / "contacts.csv").exists()
