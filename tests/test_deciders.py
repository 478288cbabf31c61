"""Issue 11 §3–5: gates decided by people allowed to decide, the iron triangle, numbers that agree.

The sample company through the real CLI: its reps have roles (陈思远, 赵志刚 and
黄俊杰 managers, 周建华 director, 何静 finance, 宋文博 legal, the others reps;
郑凯 has left). Every refusal is checked word for word and writes nothing.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.reliability.clitools import digest, run, sample_workspace

MANAGERS = "陈思远 (S-000001, manager), 赵志刚 (S-000004, manager), 黄俊杰 (S-000007, manager)"
APPROVERS = f"{MANAGERS}, 周建华 (S-000011, director)"
REVIEWERS = f"{APPROVERS}, 何静 (S-000012, finance), 宋文博 (S-000013, legal)"
# Q-000057: O-000041's quote (owner 王浩然), waiting for approval
Q57 = "Q-000057 → approved"
Q57_WHAT = "approve Q-000057 (discount 15% is above 10%; margin 18% is below 20%)"


@pytest.fixture
def ws(tmp_path) -> Path:
    return sample_workspace(tmp_path / "ws", "xlsx")


def refused(ws: Path, *args: str) -> list[str]:
    """The error lines of a command that must be refused without writing anything."""
    before = digest(ws)
    res = run(list(args), ws)
    assert res.code == 1, (res.out, res.err)
    assert digest(ws) == before
    return res.err_lines


def ok(ws: Path, *args: str):
    res = run(list(args), ws)
    assert res.code == 0, res.err
    return res


def history(ws: Path) -> list[dict[str, str]]:
    with open(ws / "history.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def record(ws: Path, register: str, record_id: str) -> dict:
    key = {"quotes": "quote_id", "contracts": "contract_id", "opportunities": "opportunity_id"}[
        register
    ]
    rows = json.loads(ok(ws, "list", register, "-f", "json").out)
    return next(r for r in rows if r[key] == record_id)


# ---------------------------------------------------------------- quote approval


def test_self_approval_and_unauthorised_approvers_are_refused_naming_who_could(ws):
    assert refused(ws, "advance", "Q-000057", "approved", "--by", "王浩然") == [
        f"error: {Q57}: 王浩然 owns it and cannot {Q57_WHAT} themselves; who may: {APPROVERS}"
    ]
    assert refused(ws, "advance", "Q-000057", "approved", "--by", "S-000002") == [
        f"error: {Q57}: 李晓梅 (rep) may not {Q57_WHAT}; who may: {APPROVERS}"
    ]
    assert refused(ws, "advance", "Q-000057", "approved", "--by", "张三") == [
        f"error: {Q57}: --by 张三 is not a rep_id or name in reps.xlsx; who may {Q57_WHAT}: {APPROVERS}"
    ]
    assert refused(ws, "advance", "Q-000057", "approved", "--by", "郑凯") == [
        f"error: {Q57}: 郑凯 is not active in reps.xlsx; who may {Q57_WHAT}: {APPROVERS}"
    ]
    assert refused(ws, "advance", "Q-000057", "approved") == [
        "error: Q-000057 → approved: approving needs the approver: --by NAME "
        f"(discount 15% is above 10%; margin 18% is below 20%) (who may: {APPROVERS})"
    ]
    zh = refused(ws, "--lang", "zh", "advance", "Q-000057", "approved", "--by", "王浩然")
    assert zh[0].startswith("error: Q-000057 → ")
    assert "王浩然 是负责人，不能自己审批 Q-000057" in zh[0] and "周建华 (S-000011, 总监)" in zh[0]

    ok(ws, "advance", "Q-000057", "approved", "--by", "陈思远")
    assert record(ws, "quotes", "Q-000057")["approved_by"] == "陈思远"
    decided = [
        r for r in history(ws) if r["record_id"] == "Q-000057" and r["new_value"] == "approved"
    ]
    assert [r["user"] for r in decided] == ["陈思远"]
    shown = json.loads(ok(ws, "show", "Q-000057", "-f", "json").out)
    assert [(d["decision"], d["record_id"], d["by"]) for d in shown["decisions"]] == [
        ("ATI", "O-000041", "王浩然"),
        ("approval", "Q-000057", "陈思远"),
    ]
    assert "Decisions" in ok(ws, "show", "Q-000057").out


def test_a_discount_above_the_directors_threshold_is_approved_by_a_director_only(ws):
    ok(
        ws,
        "quote",
        "create",
        "O-000041",
        "--list-amount",
        "100000",
        "--discount",
        "20",
        "--cost",
        "50000",
    )
    qid = record_ids(ws, "quotes")[-1]
    ok(ws, "advance", qid, "pending_approval")
    lines = refused(ws, "advance", qid, "approved", "--by", "陈思远")
    assert lines == [
        f"error: {qid} → approved: 陈思远 (manager) may not approve {qid} (discount 20% is above 10%); "
        "who may: 周建华 (S-000011, director)"
    ]
    ok(ws, "advance", qid, "approved", "--by", "周建华")


def record_ids(ws: Path, register: str) -> list[str]:
    rows = json.loads(ok(ws, "list", register, "-f", "json").out)
    return [next(iter(r.values())) for r in rows]


# ---------------------------------------------------------------- contract review


def test_a_contract_is_reviewed_before_signing_by_someone_entitled_and_signing_sets_the_won_amount(
    ws,
):
    # C-000022: draft contract of O-000040 (owner 孙鹏)
    assert refused(ws, "advance", "C-000022", "signed", "--by", "宋文博") == [
        "error: C-000022 → signed: is signed only after its review: salesops advance C-000022 review, "
        "then signed --by REVIEWER (approval.review_before_signing)"
    ]
    ok(ws, "advance", "C-000022", "review")
    assert refused(ws, "advance", "C-000022", "signed", "--by", "孙鹏") == [
        f"error: C-000022 → signed: 孙鹏 owns it and cannot review C-000022 themselves; who may: {REVIEWERS}"
    ]
    assert refused(ws, "advance", "C-000022", "signed", "--by", "林雨欣") == [
        f"error: C-000022 → signed: 林雨欣 (rep) may not review C-000022; who may: {REVIEWERS}"
    ]
    contract = record(ws, "contracts", "C-000022")
    _set_cell(
        ws / "opportunities.xlsx", "O-000040", "amount", 1200000
    )  # the rep's hopeful figure, typed in Excel
    assert record(ws, "opportunities", "O-000040")["amount"] != contract["amount"]

    ok(ws, "advance", "C-000022", "signed", "--by", "宋文博")
    assert record(ws, "contracts", "C-000022")["reviewer"] == "宋文博"
    opp = record(ws, "opportunities", "O-000040")
    assert (opp["stage"], opp["amount"]) == ("won", contract["amount"])
    amount_rows = [
        r for r in history(ws) if r["record_id"] == "O-000040" and r["field"] == "amount"
    ]
    assert amount_rows[-1]["user"] == "宋文博"
    assert amount_rows[-1]["command"].startswith("salesops advance C-000022 signed")
    shown = json.loads(ok(ws, "show", "O-000040", "-f", "json").out)
    assert ("ATC", "宋文博") in [(d["decision"], d["by"]) for d in shown["decisions"]]
    assert not [p for p in validate_codes(ws) if p == "won-amount"]


def test_settings_may_let_a_contract_be_signed_without_the_review_step(ws):
    toml = ws / "salesops.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            "review_before_signing = true", "review_before_signing = false"
        ),
        encoding="utf-8",
    )
    ok(
        ws, "advance", "C-000023", "signed", "--by", "宋文博"
    )  # draft → signed, the review decided by the signer


def _set_cell(path: Path, record_id: str, field: str, value) -> None:
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    column = [c.value for c in sheet[1]].index(field)
    next(r for r in sheet.iter_rows(min_row=2) if r[0].value == record_id)[column].value = value
    book.save(path)


def validate_codes(ws: Path) -> list[str]:
    res = run(["validate", "-f", "csv"], ws)
    return [row["code"] for row in csv.DictReader(res.out.lstrip("\ufeff").splitlines())]


# ---------------------------------------------------------------- a workspace without roles


def test_reps_without_roles_keep_working_with_a_warning_but_nobody_approves_their_own(ws):
    import openpyxl

    book = openpyxl.load_workbook(ws / "reps.xlsx")
    sheet = book.worksheets[0]
    role = [c.value for c in sheet[1]].index("role")
    for row in sheet.iter_rows(min_row=2):
        row[role].value = None
    book.save(ws / "reps.xlsx")

    assert refused(ws, "advance", "Q-000057", "approved", "--by", "王浩然") == [
        f"error: {Q57}: 王浩然 owns it and cannot {Q57_WHAT} themselves; someone else decides: --by NAME"
    ]
    res = ok(
        ws, "advance", "Q-000057", "approved", "--by", "李晓梅"
    )  # a rep: allowed until roles are filled
    assert (
        "warning: no rep has a role yet, so anyone named with --by may approve and review; fill the role "
        "column of reps.xlsx (rep, manager, director, finance, legal) to let only entitled people decide"
    ) in res.err_lines


# ---------------------------------------------------------------- iron triangle


def test_opportunities_carry_their_iron_triangle_and_reports_group_by_it(ws):
    res = ok(
        ws, "opp", "add", "--account", "A-000001", "--name", "新产线", "--owner", "孙鹏",
        "--sr", "赵志刚", "--fr", "S-000005", "--amount", "500000", "--expected-close", "2027-03-31",
    )  # fmt: skip
    oid = record_ids(ws, "opportunities")[-1]
    opp = record(ws, "opportunities", oid)
    assert (opp["owner"], opp["sr"], opp["fr"]) == ("孙鹏", "赵志刚", "S-000005")
    assert res.code == 0
    for by in ("sr", "fr"):
        report = json.loads(
            ok(ws, "report", "kpi", "--period", "2026", "--by", by, "-f", "json").out
        )
        assert report, by
    funnel = json.loads(
        ok(ws, "report", "funnel", "--period", "2026", "--by", "sr", "-f", "json").out
    )
    groups = json.dumps(funnel, ensure_ascii=False)
    assert "赵志刚" in groups and "刘佳怡" in groups  # written as a name or as S-000005, one rep


# ---------------------------------------------------------------- fields a gate fixed


def test_set_and_advance_refuse_what_a_passed_gate_fixed_as_validate_reports_a_hand_edit_of_it(ws):
    # C-000019 is signed; Q-000054 is approved: one rule (schema.FIXED) for set, advance --set and hand edits
    signed = (
        "C-000019 is signed: amount is fixed by the signing: a contract amendment is the way "
        "(a new quote version, then salesops contract create)"
    )
    assert refused(ws, "set", "C-000019", "amount=1")[0] == f"error: {signed}"
    assert f"error: {signed}" in refused(
        ws, "advance", "C-000019", "executing", "--set", "amount=1"
    )
    assert refused(ws, "advance", "Q-000054", "sent", "--set", "discount_pct=20") == [
        "error: Q-000054 is approved: discount_pct is fixed by the approval: a new quote version is the way "
        "(salesops quote create OPPORTUNITY-ID)"
    ]
    assert run(["validate"], ws).code == 0  # the state hand edits are compared with
    _set_cell(ws / "contracts.xlsx", "C-000019", "amount", 1)
    found = run(["validate", "-f", "csv"], ws).out
    assert "but amount is fixed by the signing: a contract amendment is the way" in found


def test_set_changes_the_iron_triangle(ws):
    ok(ws, "set", "O-000041", "sr=赵志刚", "fr=S-000009", "--reason", "方案换人")
    opp = record(ws, "opportunities", "O-000041")
    assert (opp["sr"], opp["fr"]) == ("赵志刚", "S-000009")
    rows = [r for r in history(ws) if r["record_id"] == "O-000041" and r["field"] in ("sr", "fr")]
    assert [(r["field"], r["new_value"]) for r in rows[-2:]] == [
        ("sr", "赵志刚"),
        ("fr", "S-000009"),
    ]
    assert (
        "is not a rep_id or name in reps.xlsx" in run(["set", "O-000041", "sr=张三"], ws).err
    )  # a warning


# ---------------------------------------------------------------- credit control


def test_signing_past_credit_control_needs_finance_or_a_director_and_a_reason(ws):
    _set_cell(ws / "accounts.xlsx", "A-000036", "credit_limit", 1000)  # C-000022's account
    ok(ws, "advance", "C-000022", "review")
    lines = refused(ws, "advance", "C-000022", "signed", "--by", "宋文博")
    assert len(lines) == 1 and lines[0].startswith("error: C-000022 → signed: A-000036 would owe ")
    assert lines[0].endswith(
        "above its credit_limit 1,000.00; a finance or director may let it through: --override --reason TEXT --by NAME"
    )
    assert refused(ws, "advance", "C-000022", "signed", "--by", "宋文博", "--override") == [
        "error: C-000022 → signed: --override needs --reason TEXT (why the credit control is overridden)",
        "error: C-000022 → signed: 宋文博 (legal) may not override the credit control of C-000022; "
        "who may: 周建华 (S-000011, director), 何静 (S-000012, finance)",
    ]
    ok(
        ws,
        "advance",
        "C-000022",
        "signed",
        "--by",
        "何静",
        "--override",
        "--reason",
        "老客户，预付款已到",
    )
    notes = record(ws, "contracts", "C-000022")["notes"] or ""
    assert "credit override by 何静" in notes and "老客户，预付款已到" in notes
