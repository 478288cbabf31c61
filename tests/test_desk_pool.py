"""The public pool (公海): `sweep` takes back what owners left alone, `lead claim` / `account claim` give it out again."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from salesops.core import pool
from salesops.storage.workspace import Workspace
from tests.conftest import make_workspace, run_cli, tree_digest

SETTINGS = "[pool]\nreclaim_days = 30\nmax_held = 3\nclaim_cooldown_days = 7\n"


def on(day: str) -> dict:
    return {"SALESOPS_TODAY": day}


@pytest.fixture(params=[("xlsx", "en"), ("csv", "zh")], ids=["xlsx-en", "csv-zh"])
def ws(request, tmp_path):
    fmt, lang = request.param
    root = make_workspace(tmp_path / "ws", fmt, lang)
    with (root / "salesops.toml").open("a", encoding="utf-8") as f:
        f.write(SETTINGS)
    for name in ("王芳", "李强", "赵敏"):
        run_cli("rep", "add", "--name", name, ws=root, check=0)
    run_cli(
        "account",
        "add",
        "--name",
        "上海华信科技有限公司",
        "--owner",
        "王芳",
        ws=root,
        check=0,
        env=on("2026-09-01"),
    )
    for company, owner in (
        ("杭州数联科技", "王芳"),
        ("天津宏达食品", "王芳"),
        ("广州立新纺织", "李强"),
    ):
        run_cli(
            "lead",
            "add",
            "--company",
            company,
            "--owner",
            owner,
            ws=root,
            check=0,
            env=on("2026-09-01"),
        )
    return root


def owners(ws, register: str) -> dict[str, str | None]:
    rows = json.loads(run_cli("list", register, "-f", "json", ws=ws, check=0).stdout)
    return {r[next(iter(r))]: r["owner"] for r in rows}


def history(ws) -> list[list[str]]:
    return list(csv.reader((ws / "history.csv").read_text("utf-8-sig").splitlines()))[1:]


def test_sweep_returns_what_the_owner_left_alone_for_reclaim_days(ws):
    run_cli(
        "follow",
        "add",
        "L-000001",
        "--type",
        "call",
        "--summary",
        "仍在跟进",
        "--on",
        "2026-09-20",
        ws=ws,
        check=0,
    )
    run_cli(
        "follow",
        "add",
        "L-000003",
        "--type",
        "call",
        "--summary",
        "代同事打的电话",
        "--by",
        "赵敏",
        "--on",
        "2026-09-25",
        ws=ws,
        check=0,
    )  # fmt: skip  (not the owner: does not keep it)
    quiet = run_cli("sweep", ws=ws, check=0, env=on("2026-10-01")).stdout
    assert "nothing to return" in quiet or "公海" in quiet
    assert owners(ws, "leads") == {"L-000001": "王芳", "L-000002": "王芳", "L-000003": "李强"}
    said = run_cli("sweep", ws=ws, check=0, env=on("2026-10-02")).stdout
    assert (
        "L-000002" in said and "L-000003" in said and "A-000001" in said and "L-000001" not in said
    )
    assert owners(ws, "leads") == {"L-000001": "王芳", "L-000002": None, "L-000003": None}
    assert owners(ws, "accounts") == {"A-000001": None}
    rows = [r for r in history(ws) if r[2] == "reclaimed to pool"]
    assert sorted((r[4], r[5], r[6], r[7]) for r in rows) == [
        ("A-000001", "owner", "王芳", ""),
        ("L-000002", "owner", "王芳", ""),
        ("L-000003", "owner", "李强", ""),
    ]
    assert {r[0][:10] for r in rows} == {
        "2026-10-02"
    }  # dated by SALESOPS_TODAY, like every row of the command
    assert "L-000001" in run_cli("sweep", ws=ws, check=0, env=on("2026-10-21")).stdout


def test_an_account_is_kept_by_work_on_its_deals(ws):
    run_cli(
        "opp",
        "add",
        "--account",
        "A-000001",
        "--name",
        "MES",
        "--owner",
        "王芳",
        ws=ws,
        check=0,
        env=on("2026-09-01"),
    )
    run_cli(
        "follow",
        "add",
        "O-000001",
        "--type",
        "visit",
        "--summary",
        "方案交流",
        "--on",
        "2026-09-28",
        ws=ws,
        check=0,
    )
    run_cli("sweep", ws=ws, check=0, env=on("2026-10-15"))
    assert owners(ws, "accounts") == {"A-000001": "王芳"}


def test_claims_respect_the_cap_and_the_cooldown(ws):
    run_cli(
        "sweep", ws=ws, check=0, env=on("2026-10-02")
    )  # every lead and the account back in the pool
    before = tree_digest(ws)
    cooled = run_cli(
        "lead", "claim", "L-000001", "--by", "王芳", ws=ws, check=1, env=on("2026-10-05")
    ).stderr
    assert "2026-10-09" in cooled  # 王芳 lost it on 10-02: again from 10-09
    assert tree_digest(ws) == before
    run_cli(
        "lead",
        "claim",
        "L-000001",
        "L-000002",
        "--by",
        "李强",
        ws=ws,
        check=0,
        env=on("2026-10-05"),
    )
    assert owners(ws, "leads") == {"L-000001": "李强", "L-000002": "李强", "L-000003": None}
    for company in ("甲", "乙"):
        run_cli(
            "lead",
            "add",
            "--company",
            company,
            "--owner",
            "李强",
            ws=ws,
            check=0,
            env=on("2026-10-05"),
        )
    capped = run_cli(
        "lead", "claim", "L-000003", "--by", "S-000002", ws=ws, check=1, env=on("2026-10-05")
    ).stderr
    assert "pool.max_held" in capped and ("(3)" in capped or "（3）" in capped)
    held = run_cli(
        "lead",
        "claim",
        "L-000001",
        "L-000003",
        "--by",
        "赵敏",
        ws=ws,
        check=1,
        env=on("2026-10-05"),
    ).stderr
    assert "L-000001" in held and "李强" in held
    run_cli("lead", "claim", "L-000003", "--by", "赵敏", ws=ws, check=0, env=on("2026-10-05"))
    run_cli("lead", "claim", "L-000099", "--by", "赵敏", ws=ws, check=1, env=on("2026-10-05"))
    run_cli("lead", "claim", "L-000004", "--by", "没有这个人", ws=ws, check=1, env=on("2026-10-05"))
    run_cli("account", "claim", "A-000001", "--by", "王芳", ws=ws, check=1, env=on("2026-10-08"))
    run_cli("account", "claim", "A-000001", "--by", "王芳", ws=ws, check=0, env=on("2026-10-09"))
    assert owners(ws, "accounts") == {"A-000001": "王芳"}
    # a claim hands the record over: its new owner has reclaim_days from then
    run_cli("sweep", ws=ws, check=0, env=on("2026-11-03"))
    assert owners(ws, "leads")["L-000001"] == "李强"
    run_cli("sweep", ws=ws, check=0, env=on("2026-11-05"))
    assert owners(ws, "leads")["L-000001"] is None


def test_the_weekly_shows_the_pool_moves_of_its_week(ws):
    run_cli("sweep", ws=ws, check=0, env=on("2026-10-02"))
    run_cli("lead", "claim", "L-000002", "--by", "赵敏", ws=ws, check=0, env=on("2026-10-06"))
    doc = json.loads(
        run_cli("report", "weekly", "--as-of", "2026-10-07", "-f", "json", ws=ws, check=0).stdout
    )
    assert [(m["record_id"], m["owner"], m["on"]) for m in doc["pool"]["reclaimed"]] == [
        ("A-000001", "王芳", "2026-10-02"),
        ("L-000001", "王芳", "2026-10-02"),
        ("L-000002", "王芳", "2026-10-02"),
        ("L-000003", "李强", "2026-10-02"),
    ]
    assert [(m["record_id"], m["owner"], m["on"]) for m in doc["pool"]["claimed"]] == [
        ("L-000002", "赵敏", "2026-10-06")
    ]
    page = run_cli("report", "weekly", "--as-of", "2026-10-07", ws=ws, check=0).stdout
    assert "赵敏" in page


def test_duplicates_say_whether_the_company_is_in_the_pool_or_held(ws, tmp_path):
    run_cli("sweep", ws=ws, check=0, env=on("2026-10-02"))
    run_cli("lead", "claim", "L-000003", "--by", "赵敏", ws=ws, check=0, env=on("2026-10-03"))
    pooled = run_cli("lead", "add", "--company", "杭州数联科技", ws=ws, check=1).stderr
    assert "L-000001" in pooled and ("公海" in pooled or "in the public pool" in pooled)
    held = run_cli("lead", "add", "--company", "广州立新纺织", ws=ws, check=1).stderr
    assert "L-000003" in held and "赵敏" in held
    src = tmp_path / "new.csv"
    src.write_text(
        "公司名称,电话\n广州立新纺织有限公司,13900000000\n上海华信科技有限公司,13900000001\n",
        encoding="utf-8",
    )
    dup = run_cli("import", "leads", str(src), "--default-date", "today", ws=ws, check=1).stderr
    assert "L-000003" in dup and "赵敏" in dup
    ok = run_cli("import", "leads", str(src), "--on-duplicate", "skip", "--default-date", "today", ws=ws, check=0)
    assert (
        "A-000001" in ok.stderr
        and "(1 added, 0 updated, 1 skipped)" in ok.stdout
        or "新增 1" in ok.stdout
    )
    known = run_cli("lead", "add", "--company", "上海华信科技", "--allow-duplicate", ws=ws, check=0)
    assert "A-000001" in known.stderr and known.stderr.startswith("warning: ")


def test_the_core_reads_who_lost_what_from_history_rows():
    rows = [
        {"at": "2026-10-02T08:00:00+08:00", "command": "reclaimed to pool", "register": "leads", "record_id": "L-000001",
         "field": "owner", "old_value": "王芳", "new_value": ""},
        {"at": "2026-10-05T08:00:00+08:00", "command": "salesops lead claim L-000001 --by 李强", "register": "leads",
         "record_id": "L-000001", "field": "owner", "old_value": "", "new_value": "李强"},
        {"at": "2026-10-06T08:00:00+08:00", "command": "salesops set L-000009 owner=", "register": "leads",
         "record_id": "L-000009", "field": "owner", "old_value": "李强", "new_value": ""},
    ]  # fmt: skip
    events = pool.OwnerEvents.from_history(rows)
    aliases = {"s-000001": "s-000001", "王芳": "s-000001"}
    assert events.handed == {"l-000001": dt.date(2026, 10, 5)}
    assert events.lost_on("L-000001", "S-000001", aliases) == dt.date(2026, 10, 2)
    assert (
        events.lost_on("L-000009", "李强", aliases) is None
    )  # cleared by hand: not the pool's doing


def test_reclaim_days_zero_never_reclaims(tmp_path):
    root = make_workspace(tmp_path / "ws", "csv")
    (root / "salesops.toml").write_text(
        'format = "csv"\n[pool]\nreclaim_days = 0\n', encoding="utf-8"
    )
    run_cli(
        "lead", "add", "--company", "甲", "--owner", "王芳", ws=root, check=0, env=on("2020-01-01")
    )
    ws = Workspace(root)
    assert (
        pool.reclaim(
            ws.table, ws.settings, today=dt.date(2026, 1, 1), events=pool.OwnerEvents()
        ).returned
        == []
    )
