"""A week at the desk, day by day (SALESOPS_TODAY moving), without opening a register in a spreadsheet.

Monday the team is set up and a 简道云 export of leads is imported; follow-ups
are logged with their next steps; the next steps fall due; a batch of leads
is qualified at once; a lead its owner never touches falls into the public
pool on the nightly sweep and another rep claims it within the cap; Sunday's
weekly report shows the follow-ups per rep, what is overdue and the pool's
moves — in English and in Chinese.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import make_workspace, run_cli

POOL = "[pool]\nreclaim_days = 4\nmax_held = 3\nclaim_cooldown_days = 7\n"
EXPORT = (
    "客户名称,联系人,手机,线索来源,所在地区\n"
    "杭州数联科技有限公司,陈总,13800000001,电话营销,杭州\n"
    "天津宏达食品有限公司,刘经理,13800000002,百度推广,天津\n"
    "苏州立新纺织有限公司,王总,13800000003,老客户介绍,苏州\n"
    "北京万邦环保科技有限公司,赵工,13800000004,代理商,北京\n"
)


class Desk:
    def __init__(self, ws):
        self.ws = ws
        self.today = "2026-11-02"

    def run(self, *args, check=0, user=None):
        env = {"SALESOPS_TODAY": self.today}
        if user:
            env["SALESOPS_USER"] = user
        return run_cli(*args, ws=self.ws, check=check, env=env)

    def json(self, *args):
        return json.loads(self.run(*args, "-f", "json").stdout)

    def leads(self) -> dict[str, dict]:
        return {lead["company"][:2]: lead for lead in self.json("list", "leads")}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_week_at_the_desk(tmp_path, lang):
    ws = make_workspace(tmp_path / "ws", "xlsx", lang)
    with (ws / "salesops.toml").open("a", encoding="utf-8") as f:
        f.write(POOL)
    desk = Desk(ws)

    # Monday: the team, the customers' leads from the old CRM, a first call each
    desk.run("rep", "add", "--name", "周建华", "--role", "主管", "--team", "华东团队")
    desk.run(
        "rep",
        "add",
        "--name",
        "王芳",
        "--team",
        "华东团队",
        "--region",
        "华东",
        "--manager",
        "周建华",
    )
    desk.run(
        "rep",
        "add",
        "--name",
        "李强",
        "--team",
        "华北团队",
        "--region",
        "华北",
        "--manager",
        "周建华",
    )
    src = tmp_path / "jdy.csv"
    src.write_text(EXPORT, encoding="utf-8")
    desk.run("import", "leads", str(src), "--default-date", "today")  # the export has no created_on
    desk.run("lead", "assign", "--rule", "round-robin")
    leads = desk.leads()
    assert {k: (v["owner"], v["source"]) for k, v in leads.items()} == {
        "杭州": ("王芳", "cold_call"),
        "天津": ("李强", "campaign"),
        "苏州": ("王芳", "referral"),
        "北京": ("李强", "partner"),
    }
    hz, tj, sz, bj = (leads[k]["lead_id"] for k in ("杭州", "天津", "苏州", "北京"))
    desk.run("follow", "add", hz, "--type", "电话", "--summary", "陈总有意向，约周三演示", "--next", "上门演示",
             "--next-on", "2026-11-04", user="王芳")  # fmt: skip
    desk.run("follow", "add", tj, "--type", "call", "--summary", "客户在比价", "--next", "发报价参考",
             "--next-on", "2026-11-03", user="李强")  # fmt: skip
    desk.run("follow", "add", bj, "--type", "wechat", "--summary", "加了微信", "--next", "约拜访",
             "--next-on", "2026-11-05", user="李强")  # fmt: skip
    desk.run("advance", hz, tj, bj, "contacted", "--by", "周建华")  # one command for the batch

    # Tuesday: what is due today
    desk.today = "2026-11-03"
    assert [s["record_id"] for s in desk.json("follow", "due")["steps"]] == [tj]
    assert desk.json("follow", "due", "--owner", "王芳")["steps"] == []

    # Wednesday: the demo happened; 李强 forgot his price list
    desk.today = "2026-11-04"
    desk.run("follow", "add", hz, "--type", "demo", "--summary", "演示顺利", "--next", "等客户内部评估",
             "--next-on", "2026-11-09", user="王芳")  # fmt: skip
    desk.run("set", hz, "预估金额=35万", "--reason", "演示后客户给了预算")
    due = desk.json("follow", "due")["steps"]
    assert [(s["record_id"], s["days_overdue"]) for s in due] == [(tj, 1)]
    desk.run("advance", "--where", "status=contacted", "--where", "owner=王芳", "qualified")
    assert desk.leads()["杭州"]["status"] == "qualified"

    # Thursday: 李强 catches up on his two leads
    desk.today = "2026-11-05"
    desk.run("follow", "add", tj, "--type", "邮件", "--summary", "报价参考已发", "--next", "电话确认",
             "--next-on", "2026-11-06", user="李强")  # fmt: skip
    desk.run("follow", "add", bj, "--type", "call", "--summary", "赵工出差", "--next", "再约拜访",
             "--next-on", "2026-11-06", user="李强")  # fmt: skip
    desk.today = "2026-11-06"
    assert sz not in desk.run("sweep").stdout  # 苏州 untouched since Monday: 4 days, not more

    # Saturday: the nightly sweep returns 苏州, which 王芳 never called; 李强 claims it within his cap
    desk.today = "2026-11-07"
    swept = desk.run("sweep").stdout
    assert sz in swept and tj not in swept and bj not in swept and hz not in swept
    assert desk.leads()["苏州"]["owner"] is None
    refused = desk.run("lead", "claim", sz, "--by", "王芳", check=1).stderr
    assert "2026-11-14" in refused  # pool.claim_cooldown_days after she lost it
    desk.run(
        "lead", "claim", sz, "--by", "李强"
    )  # he holds 2 open leads: a third is within max_held 3
    assert desk.leads()["苏州"]["owner"] == "李强"
    desk.run("follow", "add", sz, "--type", "visit", "--summary", "接手后首次拜访", user="李强")
    capped = desk.run("lead", "add", "--company", "石家庄远航", "--owner", "李强")
    assert capped.returncode == 0  # an assignment by a manager is not a claim

    # Sunday: the week's report
    desk.today = "2026-11-08"
    week = desk.json("report", "weekly", "--week", "2026-W45")
    per_rep = {r["key"]: r for r in week["activity"]}
    assert (per_rep["王芳"]["total"], per_rep["李强"]["total"]) == (2, 5)
    assert (per_rep["王芳"]["call"], per_rep["王芳"]["demo"]) == (1, 1)
    assert (
        per_rep["李强"]["call"],
        per_rep["李强"]["email"],
        per_rep["李强"]["visit"],
        per_rep["李强"]["records"],
    ) == (2, 1, 1, 3)
    overdue = {s["record_id"]: s["days_overdue"] for s in week["overdue_next_steps"]}
    assert overdue == {tj: 2, bj: 2}
    assert [(m["record_id"], m["owner"]) for m in week["pool"]["reclaimed"]] == [(sz, "王芳")]
    assert [(m["record_id"], m["owner"]) for m in week["pool"]["claimed"]] == [(sz, "李强")]
    page = desk.run("report", "weekly", "--week", "2026-W45", "-f", "markdown").stdout
    words = (
        ("公海", "跟进", "下一步")
        if lang == "zh"
        else ("public pool", "Follow-ups per rep", "Next steps overdue")
    )
    assert all(w in page for w in words), page
    assert "苏州立新纺织" in page
    # every change of the week is in history, and nobody opened a spreadsheet
    history = (ws / "history.csv").read_text("utf-8-sig")
    assert (
        "reclaimed to pool" in history
        and "lead claim" in history
        and "演示后客户给了预算" in history
    )


def test_the_readme_week_at_the_desk_runs_as_written(tmp_path, monkeypatch):
    """Every command of the README's desk tour, on the sample company: each succeeds, but the one said to be refused."""
    import shlex
    import subprocess

    from tests.conftest import REPO
    from tests.reliability.clitools import sample_workspace

    text = (REPO / "README.md").read_text("utf-8")
    section = text.split("## A week at the desk", 1)[1].split("\n## ", 1)[0]
    lines = [ln for block in section.split("```sh\n")[1:] for ln in block.split("```")[0].splitlines() if ln.strip()]
    assert len(lines) >= 15
    ws = sample_workspace(tmp_path / "tour")
    monkeypatch.chdir(ws)
    for line in lines:
        if not line.startswith("salesops "):
            subprocess.run(line, shell=True, check=True, cwd=ws)
            continue
        args = shlex.split(line, comments=True)[1:]
        proc = run_cli(*args)
        expected = 1 if "# refused" in line else 0
        assert proc.returncode == expected, f"{line}\n{proc.stdout}\n{proc.stderr}"
    assert (ws / "weekly.html").exists()
