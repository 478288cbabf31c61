"""Import keeps the user's columns and reads what Chinese CRMs export; round-robin knows its regions."""

from __future__ import annotations

import json

import openpyxl
import pytest

from salesops.core.regions import region_of, same_region
from salesops.schema import ACTIVITY_TYPE, ENUMS, LEAD_SOURCE, PAYMENT_METHOD, SYNONYMS
from salesops.settings import defaults
from tests.conftest import make_workspace, run_cli

REGIONS = defaults()["regions"]


@pytest.fixture(params=[("xlsx", "en"), ("csv", "zh")], ids=["xlsx-en", "csv-zh"])
def ws(request, tmp_path):
    fmt, lang = request.param
    return make_workspace(tmp_path / "ws", fmt, lang)


def header_of(ws, register: str) -> list[str]:
    path = ws / f"{register}.xlsx"
    if path.exists():
        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        return [c for c in next(sheet.iter_rows(values_only=True)) if c is not None]
    return (ws / f"{register}.csv").read_text("utf-8-sig").splitlines()[0].split(",")


def test_unknown_columns_become_user_columns_and_reports_group_by_them(ws, tmp_path):
    src = tmp_path / "简道云导出.csv"
    src.write_text(
        "商机名称,客户名称,负责人,销售阶段,金额,创建日期,产品线,行业细分\n"
        "MES一期,上海华信科技有限公司,王芳,需求确认,80万,2026-11-02,MES,汽车\n"
        "WMS改造,上海华信科技有限公司,王芳,方案设计,30万,2026-11-03,WMS,汽车\n"
        "MES二期,宁波甬信,李强,初步接洽,50万,2026-11-04,MES,电子\n",
        encoding="gbk",
    )
    run_cli("account", "add", "--name", "上海华信科技有限公司", ws=ws, check=0)
    run_cli("account", "add", "--name", "宁波甬信", ws=ws, check=0)
    proc = run_cli("import", "opportunities", str(src), ws=ws, check=0)
    assert '"产品线", "行业细分"' in proc.stderr and "opportunities." in proc.stderr
    head = header_of(ws, "opportunities")
    assert head[-2:] == ["产品线", "行业细分"]  # right of the header, named as the file names them
    listed = json.loads(run_cli("list", "opportunities", "-f", "json", ws=ws, check=0).stdout)
    assert [(o["account_id"], o["stage"], o["产品线"]) for o in listed] == [
        ("A-000001", "needs_analysis", "MES"),
        ("A-000001", "solution", "WMS"),
        ("A-000002", "qualification", "MES"),
    ]
    kpi = json.loads(
        run_cli(
            "report", "kpi", "--period", "2026-11", "--by", "产品线", "-f", "json", ws=ws, check=0
        ).stdout
    )
    groups = {g["key"]: g["metrics"] for g in kpi["groups"]}
    assert (groups["MES"]["new_opportunities"], groups["WMS"]["new_opportunities"]) == (2, 1)
    assert groups["MES"]["pipeline_value"] == 1300000
    funnel = json.loads(
        run_cli(
            "report",
            "funnel",
            "--period",
            "2026-11",
            "--by",
            "行业细分",
            "-f",
            "json",
            ws=ws,
            check=0,
        ).stdout
    )
    assert {g["key"]: g["opportunities"] for g in funnel["groups"]} == {"汽车": 2, "电子": 1}
    again = tmp_path / "more.csv"
    again.write_text(
        "商机名称,客户名称,负责人,阶段,创建日期,产品线\n追加,宁波甬信,李强,验证商机,2026-11-05,SCADA\n",
        encoding="utf-8",
    )
    quiet = run_cli("import", "opportunities", str(again), ws=ws, check=0)
    assert "产品线" not in quiet.stderr  # a user column the register has already: no warning
    assert header_of(ws, "opportunities")[-2:] == ["产品线", "行业细分"]


def test_chinese_crm_vocabulary_and_headers(ws, tmp_path):
    src = tmp_path / "线索.csv"
    src.write_text(
        "客户名称,手机,线索来源,所在地区,预计金额\n"
        "杭州数联科技,13800000001,电话营销,杭州,10万\n"
        "天津宏达食品,13800000002,百度推广,天津,\n"
        "广州立新纺织,13800000003,信息流,广州,\n"
        "成都远航,13800000004,老客户介绍,成都,\n"
        "西安天成,13800000005,代理商,西安,\n"
        "武汉万邦,13800000006,SEM,武汉,\n",
        encoding="utf-8",
    )
    run_cli("import", "leads", str(src), "--default-date", "today", ws=ws, check=0)
    leads = json.loads(run_cli("list", "leads", "-f", "json", ws=ws, check=0).stdout)
    assert [(lead["company"], lead["source"], lead["phone"], lead["region"]) for lead in leads] == [
        ("杭州数联科技", "cold_call", "13800000001", "杭州"),
        ("天津宏达食品", "campaign", "13800000002", "天津"),
        ("广州立新纺织", "campaign", "13800000003", "广州"),
        ("成都远航", "referral", "13800000004", "成都"),
        ("西安天成", "partner", "13800000005", "西安"),
        ("武汉万邦", "campaign", "13800000006", "武汉"),
    ]
    assert leads[0]["estimated_value"] == 100000
    # round-robin: same region first, cities and provinces mapped to the reps' regions; sellers only
    run_cli("rep", "add", "--name", "周建华", "--region", "华东", "--role", "director", ws=ws, check=0)
    run_cli("rep", "add", "--name", "钱会计", "--region", "华北", "--role", "财务", ws=ws, check=0)
    for name, region in (("王芳", "华东"), ("李强", "华北"), ("陈静", "华南"), ("赵敏", "西南")):
        run_cli("rep", "add", "--name", name, "--region", region, ws=ws, check=0)
    run_cli("lead", "assign", "--rule", "round-robin", ws=ws, check=0)
    owners = {
        lead["company"]: lead["owner"]
        for lead in json.loads(run_cli("list", "leads", "-f", "json", ws=ws, check=0).stdout)
    }
    assert (
        owners["杭州数联科技"],
        owners["天津宏达食品"],
        owners["广州立新纺织"],
        owners["成都远航"],
    ) == ("王芳", "李强", "陈静", "赵敏")
    assert not {"周建华", "钱会计"} & set(owners.values())


def test_synonyms_are_one_table_that_never_shadows_a_value():
    by_name = {e.name: e for e in ENUMS}
    for enum_name, codes in SYNONYMS.items():
        enum = by_name[enum_name]
        own = {enum.parse(code) for code in enum.codes}
        assert own == set(enum.codes)
        words = [w for ws_ in codes.values() for w in ws_]
        assert len({w.casefold() for w in words}) == len(words), enum_name  # no word twice
        for code, synonyms in codes.items():
            assert code in enum.codes
            for word in synonyms:
                assert enum.parse(word) == code, (enum_name, word)
    assert (
        LEAD_SOURCE.parse("电话营销"),
        LEAD_SOURCE.parse("sem"),
        ACTIVITY_TYPE.parse("上门拜访"),
    ) == ("cold_call", "campaign", "visit")
    assert PAYMENT_METHOD.parse("电汇") == "bank_transfer"


@pytest.mark.parametrize(
    ("place", "region"),
    [
        ("杭州", "华东"),
        ("浙江省杭州市", "华东"),
        ("浙江", "华东"),
        ("北京市朝阳区", "华北"),
        ("华南区", "华南"),
        ("广东省深圳市", "华南"),
        ("黑龙江哈尔滨", "东北"),
        ("重庆", "西南"),
        ("火星", None),
        ("", None),
    ],
)
def test_places_map_to_regions(place, region):
    assert region_of(place, REGIONS) == region


def test_a_city_wins_over_its_province_when_the_workspace_moves_it():
    table = {"华北": ["山东", "济南"], "华东": ["上海", "青岛"]}
    assert region_of("山东青岛", table) == "华东" and region_of("山东省济南市", table) == "华北"
    assert same_region("杭州", "华东", REGIONS) and not same_region("杭州", "华北", REGIONS)
    assert same_region("Mars", "mars", {})  # unknown places match as written
