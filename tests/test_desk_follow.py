"""Follow-ups (跟进记录): `follow add`, `follow due`, `report activity`, and the reports that read them."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from salesops.core import activities
from salesops.errors import Refused
from salesops.storage.workspace import Workspace
from tests.conftest import make_workspace, run_cli, tree_digest

DAY = "2026-11-02"


def setup_desk(ws):
    """Two reps, a customer with a deal, two leads — made by the desk's own commands."""
    run_cli(
        "rep", "add", "--name", "王芳", "--team", "华东团队", "--region", "华东", ws=ws, check=0
    )
    run_cli(
        "rep", "add", "--name", "李强", "--team", "华北团队", "--region", "华北", ws=ws, check=0
    )
    run_cli(
        "account",
        "add",
        "--name",
        "上海华信科技有限公司",
        "--owner",
        "王芳",
        "--on",
        "2026-10-01",
        ws=ws,
        check=0,
    )
    run_cli("opp", "add", "--account", "A-000001", "--name", "MES一期", "--owner", "王芳", "--amount", "80万",
            "--expected-close", "2026-12-31", ws=ws, check=0, env={"SALESOPS_TODAY": "2026-10-01"})  # fmt: skip
    for company, owner in (("杭州数联科技", "王芳"), ("天津宏达食品", "李强")):
        run_cli(
            "lead",
            "add",
            "--company",
            company,
            "--owner",
            owner,
            ws=ws,
            check=0,
            env={"SALESOPS_TODAY": "2026-10-01"},
        )
    return ws


@pytest.fixture(scope="module")
def built() -> dict:
    """The desk of each layout, made once per module by its commands (then copied per test)."""
    return {}


@pytest.fixture(params=[("xlsx", "en"), ("csv", "zh")], ids=["xlsx-en", "csv-zh"])
def ws(request, tmp_path, tmp_path_factory, built):
    if request.param not in built:
        fmt, lang = request.param
        built[request.param] = setup_desk(
            make_workspace(tmp_path_factory.mktemp("desk") / "ws", fmt, lang)
        )
    return Path(shutil.copytree(built[request.param], tmp_path / "ws"))


def acts(ws) -> list[dict]:
    return json.loads(run_cli("list", "activities", "-f", "json", ws=ws, check=0).stdout)


def due(ws, *args, today: str) -> list[dict]:
    out = run_cli(
        "follow", "due", *args, "-f", "json", ws=ws, check=0, env={"SALESOPS_TODAY": today}
    ).stdout
    return json.loads(out)["steps"]


def test_follow_add_copies_the_account_and_defaults_to_the_owner(ws):
    run_cli("follow", "add", "O-000001", "--type", "拜访", "--summary", "现场调研产线", "--next", "出方案",
            "--next-on", "2026-11-10", ws=ws, check=0, env={"SALESOPS_TODAY": DAY})  # fmt: skip
    run_cli("follow", "add", "L-000002", "--type", "call", "--summary", "客户暂无预算", "--by", "王芳",
            "--on", "2026-10-20", ws=ws, check=0)  # fmt: skip
    got = acts(ws)
    assert [
        (a["activity_id"], a["record_id"], a["account_id"], a["type"], a["by"], a["on"])
        for a in got
    ] == [
        ("F-000001", "O-000001", "A-000001", "visit", "王芳", DAY),
        ("F-000002", "L-000002", None, "call", "王芳", "2026-10-20"),
    ]
    assert (got[0]["next_step"], got[0]["next_on"]) == ("出方案", "2026-11-10")
    shown = json.loads(run_cli("show", "O-000001", "-f", "json", ws=ws, check=0).stdout)
    assert [a["activity_id"] for a in shown["activities"]] == ["F-000001"]
    assert [
        a["activity_id"]
        for a in json.loads(run_cli("show", "A-000001", "-f", "json", ws=ws, check=0).stdout)[
            "activities"
        ]
    ] == ["F-000001"]


def test_follow_add_refusals_write_nothing(ws):
    before = tree_digest(ws)
    assert (
        "L-000099"
        in run_cli(
            "follow", "add", "L-000099", "--type", "call", "--summary", "x", ws=ws, check=1
        ).stderr
    )
    run_cli(
        "follow", "add", "L-000001", "--type", "carrier pigeon", "--summary", "x", ws=ws, check=2
    )
    late = run_cli("follow", "add", "L-000001", "--type", "call", "--summary", "x", "--on", "2026-11-05",
                   "--next-on", "2026-11-01", ws=ws, check=1)  # fmt: skip
    assert "2026-11-01" in late.stderr and "2026-11-05" in late.stderr
    assert run_cli(
        "follow", "add", "L-000001", "--type", "call", "--summary", " ", ws=ws, check=1
    ).stderr
    assert tree_digest(ws) == before


def test_a_next_step_is_due_until_a_later_follow_up_and_closed_records_have_none(ws):
    run_cli("follow", "add", "L-000001", "--type", "call", "--summary", "初次沟通", "--next", "发资料",
            "--next-on", "2026-11-05", "--on", "2026-11-01", ws=ws, check=0)  # fmt: skip
    run_cli("follow", "add", "L-000002", "--type", "wechat", "--summary", "加微信", "--next", "约拜访",
            "--next-on", "2026-11-09", "--on", "2026-11-02", ws=ws, check=0)  # fmt: skip
    assert due(ws, today="2026-11-04") == []
    steps = due(ws, today="2026-11-09")
    assert [(s["record_id"], s["days_overdue"], s["owner"], s["next_step"]) for s in steps] == [
        ("L-000001", 4, "王芳", "发资料"),
        ("L-000002", 0, "李强", "约拜访"),
    ]
    assert [s["record_id"] for s in due(ws, "--owner", "S-000002", today="2026-11-09")] == [
        "L-000002"
    ]
    assert [s["record_id"] for s in due(ws, "--days", "7", today="2026-11-03")] == [
        "L-000001",
        "L-000002",
    ]
    # as of a past day the later activity does not exist yet: replaying gives the same list
    run_cli(
        "follow",
        "add",
        "L-000001",
        "--type",
        "email",
        "--summary",
        "资料已发",
        "--on",
        "2026-11-08",
        ws=ws,
        check=0,
    )
    assert [s["record_id"] for s in due(ws, today="2026-11-09")] == ["L-000002"]
    assert [s["record_id"] for s in due(ws, "--as-of", "2026-11-07", today="2026-11-09")] == [
        "L-000001"
    ]
    run_cli(
        "advance",
        "L-000002",
        "disqualified",
        "--reason",
        "无预算",
        ws=ws,
        check=0,
        env={"SALESOPS_TODAY": "2026-11-09"},
    )
    assert due(ws, today="2026-11-09") == []


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown", "html", "xlsx"])
def test_follow_due_and_report_activity_in_every_format(ws, tmp_path, fmt):
    run_cli("follow", "add", "L-000001", "--type", "call", "--summary", "初次沟通", "--next", "发资料",
            "--next-on", "2026-11-05", "--on", "2026-11-01", ws=ws, check=0)  # fmt: skip
    out = tmp_path / f"due.{fmt}"
    run_cli(
        "follow", "due", "-f", fmt, "-o", out, ws=ws, check=0, env={"SALESOPS_TODAY": "2026-11-09"}
    )
    other = tmp_path / f"again.{fmt}"
    run_cli(
        "follow",
        "due",
        "-f",
        fmt,
        "-o",
        other,
        "--as-of",
        "2026-11-09",
        ws=ws,
        check=0,
        env={"SALESOPS_TODAY": "2027-03-01"},
    )
    assert out.read_bytes() == other.read_bytes()  # a function of the registers and the as-of date
    if fmt != "xlsx":
        assert "发资料" in out.read_text("utf-8-sig")
    rep = tmp_path / f"activity.{fmt}"
    run_cli("report", "activity", "--period", "2026-11", "-f", fmt, "-o", rep, ws=ws, check=0)
    assert rep.stat().st_size > 0


def test_report_activity_counts_per_rep_and_type(ws):
    for rid, kind, on, by in (
        ("O-000001", "visit", "2026-11-02", None),
        ("O-000001", "demo", "2026-11-03", "李强"),  # a demo by someone else on 王芳's deal
        ("L-000001", "call", "2026-11-03", None),
        ("L-000002", "call", "2026-11-04", None),
        ("L-000002", "call", "2026-10-30", None),  # the month before
    ):
        args = ["--by", by] if by else []
        run_cli(
            "follow",
            "add",
            rid,
            "--type",
            kind,
            "--summary",
            "跟进",
            "--on",
            on,
            *args,
            ws=ws,
            check=0,
        )
    doc = json.loads(
        run_cli("report", "activity", "--period", "2026-11", "-f", "json", ws=ws, check=0).stdout
    )
    rows = {r["key"]: r for r in doc["rows"]}
    assert (
        rows["王芳"]["visit"],
        rows["王芳"]["call"],
        rows["王芳"]["total"],
        rows["王芳"]["records"],
    ) == (1, 1, 2, 2)
    assert (
        rows["李强"]["demo"],
        rows["李强"]["call"],
        rows["李强"]["total"],
        rows["李强"]["team"],
    ) == (1, 1, 2, "华北团队")
    assert doc["totals"]["total"] == 4 and doc["types"][0] == "visit"
    teams = json.loads(
        run_cli(
            "report",
            "activity",
            "--period",
            "2026-11",
            "--by",
            "team",
            "-f",
            "json",
            ws=ws,
            check=0,
        ).stdout
    )
    assert {r["key"]: r["total"] for r in teams["rows"]} == {"华东团队": 2, "华北团队": 2}
    run_cli("report", "activity", "--by", "colour", ws=ws, check=2)


def test_the_weekly_counts_follow_ups_and_lists_next_steps_overdue(ws):
    run_cli("follow", "add", "L-000001", "--type", "call", "--summary", "初次沟通", "--next", "发资料",
            "--next-on", "2026-11-05", "--on", "2026-11-03", ws=ws, check=0)  # fmt: skip
    doc = json.loads(
        run_cli("report", "weekly", "--week", "2026-W46", "-f", "json", ws=ws, check=0).stdout
    )
    assert [
        (r["key"], r["call"]) for r in doc["activity"]
    ] == []  # 2026-W46 is 9–15 Nov: nothing logged then
    assert [s["record_id"] for s in doc["overdue_next_steps"]] == ["L-000001"]
    doc = json.loads(
        run_cli("report", "weekly", "--week", "2026-W45", "-f", "json", ws=ws, check=0).stdout
    )
    assert [(r["key"], r["call"], r["total"]) for r in doc["activity"]] == [("王芳", 1, 1)]
    assert [(s["record_id"], s["days_overdue"]) for s in doc["overdue_next_steps"]] == [
        ("L-000001", 3)
    ]


def test_stalled_deals_go_by_the_last_stage_change_or_follow_up(ws):
    def stalled(today: str) -> list[str]:
        doc = json.loads(
            run_cli(
                "report",
                "funnel",
                "--period",
                "2026",
                "-f",
                "json",
                ws=ws,
                check=0,
                env={"SALESOPS_TODAY": today},
            ).stdout
        )
        return [s["opportunity_id"] for s in doc["stalled"]]

    assert stalled("2026-10-30") == []  # created 2026-10-01: 29 days
    assert stalled("2026-11-05") == ["O-000001"]  # 35 days without a move or a follow-up
    run_cli(
        "follow",
        "add",
        "O-000001",
        "--type",
        "call",
        "--summary",
        "客户在内部走流程",
        "--on",
        "2026-11-01",
        ws=ws,
        check=0,
    )
    assert stalled("2026-11-05") == []
    assert stalled("2026-12-05") == ["O-000001"]
    weekly = json.loads(
        run_cli("report", "weekly", "--as-of", "2026-12-05", "-f", "json", ws=ws, check=0).stdout
    )
    item = weekly["stalled_opportunities"][0]
    assert (item["opportunity_id"], item["last_activity_on"], item["days_quiet"]) == (
        "O-000001",
        "2026-11-01",
        34,
    )


def test_log_is_the_one_way_to_add_an_activity(tmp_path):
    root = make_workspace(tmp_path / "core", "csv")
    setup_desk(root)
    ws = Workspace(root)
    made = activities.log(
        ws.table,
        record_id="a-000001",
        type="reminder",
        summary="寄对账单",
        by=None,
        on=dt.date(2026, 11, 27),
    )
    assert (made.record["record_id"], made.record["account_id"], made.record["by"]) == (
        "A-000001",
        "A-000001",
        "王芳",
    )
    assert [c.field for c in made.changes][:2] == ["activity_id", "on"]
    with pytest.raises(Refused) as exc:
        activities.log(
            ws.table,
            record_id="Q-000001",
            type="call",
            summary="",
            by="王芳",
            on=dt.date(2026, 11, 27),
        )
    assert len(exc.value.messages) == 2  # no such record, and an empty summary: both said
