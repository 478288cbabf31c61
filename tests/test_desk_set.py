"""`salesops set`: routine edits on real registers, read like an import, refused where another command decides."""

from __future__ import annotations

import csv
import json

import pytest

from tests.conftest import run_cli, tree_digest
from tests.reliability.clitools import sample_workspace


def first(ws, register: str, *where: str) -> dict:
    """The first record of `register` meeting `where`, as `list -f json` gives it."""
    args = [a for w in where for a in ("--where", w)]
    rows = json.loads(run_cli("list", register, *args, "-f", "json", ws=ws, check=0).stdout)
    assert rows, (register, where)
    return rows[0]


def record(ws, record_id: str) -> dict:
    return json.loads(run_cli("show", record_id, "-f", "json", ws=ws, check=0).stdout)


def history(ws) -> list[dict]:
    text = (ws / "history.csv").read_text("utf-8-sig")
    return list(csv.DictReader(text.splitlines()))


@pytest.fixture(params=["xlsx", "csv"])
def ws(request, tmp_path):
    return sample_workspace(tmp_path / "ws", request.param)


def test_set_csat_on_an_accepted_delivery_and_history_keeps_the_reason(ws):
    d = first(ws, "deliveries", "status=accepted")
    done = run_cli(
        "set",
        d["delivery_id"],
        "csat=5",
        "--reason",
        "客户回访评分",
        "--by",
        "周建华",
        ws=ws,
        check=0,
    )
    assert f"{d['delivery_id']}: csat {d['csat'] or '(empty)'} → 5" in done.stdout
    assert record(ws, d["delivery_id"])["record"]["csat"] == 5
    row = history(ws)[-1]
    assert (row["record_id"], row["field"], row["new_value"], row["user"]) == (
        d["delivery_id"],
        "csat",
        "5",
        "周建华",
    )
    assert "--reason" in row["command"] and "客户回访评分" in row["command"]


def test_set_reads_values_like_an_import_and_names_by_chinese_headers(ws):
    o = first(ws, "opportunities", "stage=proposal")
    oid = o["opportunity_id"]
    run_cli(
        "set",
        oid,
        "预计成交日期=2027年1月15日",
        "竞争对手=华为",
        "sr=赵志刚",
        "fr=",
        ws=ws,
        check=0,
    )
    rec = record(ws, oid)["record"]
    assert (rec["expected_close"], rec["competitor"], rec["sr"], rec["fr"]) == (
        "2027-01-15",
        "华为",
        "赵志刚",
        None,
    )
    lead = first(ws, "leads", "status=new")
    run_cli("set", lead["lead_id"], "estimated_value=12.5万", "source=百度推广", ws=ws, check=0)
    rec = record(ws, lead["lead_id"])["record"]
    assert (rec["estimated_value"], rec["source"]) == (125000, "campaign")


def test_a_reference_is_given_by_id_or_by_name(ws):
    acc = first(ws, "accounts")
    contact = first(ws, "contacts")
    run_cli("set", contact["contact_id"], f"account_id={acc['name']}", ws=ws, check=0)
    assert record(ws, contact["contact_id"])["record"]["account_id"] == acc["account_id"]
    bad = run_cli("set", contact["contact_id"], "account_id=没有这家公司", ws=ws, check=1)
    assert '"没有这家公司" is not in accounts' in bad.stderr


@pytest.mark.parametrize(
    ("register", "where", "field", "value", "says"),
    [
        (
            "contracts",
            "status=signed",
            "amount",
            "1",
            "is signed: amount is fixed by the signing: a contract amendment is the way",
        ),
        (
            "contracts",
            "status=signed",
            "payment_terms",
            "advance:100",
            "a contract amendment is the way",
        ),
        (
            "quotes",
            "status=approved",
            "discount_pct",
            "20",
            "is approved: discount_pct is fixed by the approval: a new quote version is the way",
        ),
        ("quotes", "status=approved", "amount", "1", "a new quote version is the way"),
        (
            "receivables",
            "status=invoiced",
            "collected_amount",
            "1",
            "kept by the payments: salesops payment record",
        ),
        ("leads", "status=new", "status", "contacted", "changes through salesops advance"),
        ("opportunities", "stage=proposal", "stage", "won", "changes through salesops advance"),
        ("leads", "status=new", "lead_id", "L-999999", "is the record's ID and does not change"),
    ],
)
def test_refused_edits_name_the_right_command_and_write_nothing(
    ws, register, where, field, value, says
):
    rec = first(ws, register, where)
    rid = rec[next(iter(rec))]
    before = tree_digest(ws)
    proc = run_cli("set", rid, f"{field}={value}", ws=ws, check=1)
    assert says in proc.stderr
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert tree_digest(ws) == before


def test_a_value_that_does_not_read_is_refused_naming_the_record_and_field(ws):
    d = first(ws, "deliveries", "status=accepted")
    before = tree_digest(ws)
    proc = run_cli("set", d["delivery_id"], "csat=7", "planned_on=2026-13-45", ws=ws, check=1)
    assert f'{d["delivery_id"]}: csat "7" is not between 1 and 5' in proc.stderr
    assert f'{d["delivery_id"]}: planned_on "2026-13-45"' in proc.stderr
    assert tree_digest(ws) == before


def test_an_edit_that_would_leave_the_record_invalid_is_refused_by_the_record_checks(ws):
    o = first(ws, "opportunities", "stage=proposal")
    before = tree_digest(ws)
    proc = run_cli("set", o["opportunity_id"], "closed_on=2020-01-01", ws=ws, check=1)
    assert "would be left invalid" in proc.stderr
    assert tree_digest(ws) == before


def test_usage_errors_unknown_field_and_malformed_pair(ws):
    lead = first(ws, "leads")
    assert (
        "leads has no column 'colour'"
        in run_cli("set", lead["lead_id"], "colour=red", ws=ws, check=2).stderr
    )
    assert "is not FIELD=VALUE" in run_cli("set", lead["lead_id"], "phone", ws=ws, check=2).stderr
    assert "no record 'L-999999'" in run_cli("set", "L-999999", "phone=1", ws=ws, check=1).stderr


def test_a_user_column_is_edited_by_its_header_with_a_history_row(ws, tmp_path):
    src = tmp_path / "deals.csv"
    o = first(ws, "opportunities")
    src.write_text(f"opportunity_id,产品线\n{o['opportunity_id']},MES\n", encoding="utf-8")
    run_cli("import", "opportunities", str(src), "--on-duplicate", "update", ws=ws, check=0)
    run_cli("set", o["opportunity_id"], "产品线=WMS", ws=ws, check=0)
    assert record(ws, o["opportunity_id"])["user_columns"]["产品线"] == "WMS"
    row = history(ws)[-1]
    assert (row["field"], row["old_value"], row["new_value"]) == ("产品线", "MES", "WMS")


def test_nothing_to_change_says_so(ws):
    lead = first(ws, "leads", "phone!=")
    proc = run_cli("set", lead["lead_id"], f"phone={lead['phone']}", ws=ws, check=0)
    assert "nothing changed" in proc.stdout


def test_json_output_is_the_changed_record(ws):
    o = first(ws, "opportunities", "stage=solution")
    out = json.loads(
        run_cli(
            "set", o["opportunity_id"], "competitor=新华三", "-f", "json", ws=ws, check=0
        ).stdout
    )
    assert out == [
        {
            "register": "opportunities",
            "id": o["opportunity_id"],
            "action": "updated",
            "record": out[0]["record"],
        }
    ]
    assert out[0]["record"]["competitor"] == "新华三"


def test_in_a_chinese_workspace_everything_said_is_chinese(tmp_path):
    ws = sample_workspace(tmp_path / "zh", "xlsx", "zh")
    c = first(ws, "contracts", "status=已签署")
    proc = run_cli("set", c["contract_id"], "合同金额=1", ws=ws, check=1)
    assert "已签署" in proc.stderr and "合同金额" in proc.stderr or "amount" in proc.stderr
    assert "合同变更" in proc.stderr
    d = first(ws, "deliveries", "status=已验收")
    done = run_cli("set", d["delivery_id"], "满意度=5", ws=ws, check=0)
    assert f"{d['delivery_id']}: 满意度" in done.stdout
