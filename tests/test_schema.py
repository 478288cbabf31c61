"""The schema is coherent data: every name, alias, reference and enum it declares can be relied on."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from salesops import schema
from salesops.schema import REGISTERS, parse_period
from salesops.values import normalize_header

CANONICAL_PERIOD = re.compile(r"\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?")


def test_prefixes_and_names_are_unique_and_resolve():
    prefixes = [r.prefix for r in REGISTERS.values()]
    assert len(set(prefixes)) == len(prefixes)
    for reg in REGISTERS.values():
        for name in (reg.name, reg.singular, reg.zh, *reg.aliases, reg.name.upper()):
            assert schema.resolve_register(name) is reg, name
        assert schema.register_for_id(f"{reg.prefix.lower()}000001") is reg
    assert schema.resolve_register("activity") is schema.ACTIVITIES
    assert schema.resolve_register("跟进") is schema.ACTIVITIES
    assert schema.resolve_register("opportunity") is schema.OPPORTUNITIES
    assert schema.resolve_register("nothing") is None


def test_every_header_spelling_names_one_column_of_its_register():
    for reg in REGISTERS.values():
        owner: dict[str, str] = {}
        for col in reg.columns:
            for spelling in {normalize_header(s) for s in (col.name, col.zh, *col.aliases)}:
                assert owner.setdefault(spelling, col.name) == col.name, (reg.name, spelling)
        assert reg.columns[0].type == "id" and reg.columns[0].required


def test_column_declarations_fit_their_types():
    for reg in REGISTERS.values():
        for col in reg.columns:
            assert (col.type in ("enum", "bool")) == (col.enum is not None), (reg.name, col.name)
            if col.type == "ref":
                assert bool(col.ref) != bool(col.refs), (
                    reg.name,
                    col.name,
                )  # one register, or several
                assert col.targets and all(t in REGISTERS for t in col.targets)
            else:
                assert col.ref is None and not col.refs and col.targets == ()
            if col.person or col.form is not None:
                assert col.type == "text", (reg.name, col.name)
    assert schema.ACTIVITIES.column("record_id").targets == (
        "leads", "opportunities", "accounts", "contracts", "receivables",
    )  # fmt: skip
    assert schema.LEADS.column("account_id").targets == ("accounts",)


def test_spec_9_1_columns_and_enums():
    def shape(reg):
        return [(c.name, c.zh, c.type, c.required) for c in reg.columns]

    assert shape(schema.CONTACTS) == [
        ("contact_id", "联系人编号", "id", True), ("account_id", "客户编号", "ref", True),
        ("name", "姓名", "text", True), ("title", "职务", "text", False), ("role", "决策角色", "enum", False),
        ("phone", "电话", "text", False), ("email", "邮箱", "text", False), ("wechat", "微信", "text", False),
        ("notes", "备注", "text", False),
    ]  # fmt: skip
    assert shape(schema.ACTIVITIES) == [
        ("activity_id", "跟进编号", "id", True), ("on", "跟进日期", "date", True),
        ("record_id", "关联编号", "ref", True), ("account_id", "客户编号", "ref", False),
        ("type", "方式", "enum", True), ("by", "跟进人", "text", True), ("summary", "跟进内容", "text", True),
        ("next_step", "下一步", "text", False), ("next_on", "下次跟进日期", "date", False), ("notes", "备注", "text", False),
    ]  # fmt: skip
    assert shape(schema.TARGETS) == [
        ("target_id", "目标编号", "id", True), ("period", "期间", "text", True), ("scope", "范围", "enum", True),
        ("who", "对象", "text", False), ("metric", "指标", "enum", True), ("amount", "目标值", "money", True),
        ("notes", "备注", "text", False),
    ]  # fmt: skip
    assert [r.prefix for r in (schema.CONTACTS, schema.ACTIVITIES, schema.TARGETS)] == [
        "K-",
        "F-",
        "T-",
    ]
    assert dict(schema.REP_ROLE.values) == {
        "rep": "销售",
        "manager": "主管",
        "director": "总监",
        "finance": "财务",
        "legal": "法务",
    }
    assert dict(schema.CONTACT_ROLE.values) == {
        "decision_maker": "决策人", "influencer": "影响人", "user": "使用人", "gatekeeper": "把关人", "other": "其他",
    }  # fmt: skip
    assert dict(schema.ACTIVITY_TYPE.values) == {
        "visit": "拜访", "call": "电话", "wechat": "微信", "email": "邮件", "meeting": "会议", "demo": "演示",
        "reminder": "催款", "other": "其他",
    }  # fmt: skip
    assert dict(schema.TARGET_SCOPE.values) == {"company": "公司", "team": "团队", "rep": "个人"}
    assert dict(schema.TARGET_METRIC.values) == {
        "bookings": "签约金额", "collections": "回款", "won_amount": "赢单金额", "new_leads": "新增线索", "won_count": "赢单数",
    }  # fmt: skip
    new = {
        ("reps", "role"): ("角色", "enum"), ("opportunities", "sr"): ("方案负责人", "text"),
        ("opportunities", "fr"): ("交付负责人", "text"), ("accounts", "unapplied_amount"): ("预收款余额", "money"),
    }  # fmt: skip
    for (register, name), (zh, kind) in new.items():
        col = REGISTERS[register].column(name)
        assert (col.zh, col.type) == (zh, kind)
    people = {(r.name, c.name) for r in REGISTERS.values() for c in r.columns if c.person}
    assert {
        ("opportunities", "owner"),
        ("opportunities", "sr"),
        ("opportunities", "fr"),
        ("activities", "by"),
    } <= people


def test_deciders_are_roles():
    for roles in schema.DECIDERS.values():
        assert set(roles) <= set(schema.REP_ROLE.codes)
    assert schema.COUNT_METRICS <= set(schema.TARGET_METRIC.codes)


# ---------------------------------------------------------------- periods

years = st.integers(1000, 9999)


@given(years, st.integers(1, 4), st.integers(1, 12))
def test_a_period_however_typed_reads_as_its_one_spelling(year, quarter, month):
    cn = "一二三四"[quarter - 1]
    assert {parse_period(t) for t in (f"{year}", f"{year}年", f" {year}年度 ")} == {f"{year}"}
    q = f"{year}-Q{quarter}"
    for text in (
        q,
        q.lower(),
        f"{year}Q{quarter}",
        f"{year} q{quarter}",
        f"{year}年第{cn}季度",
        f"{year}年Q{quarter}",
        f"{year}年{quarter}季度",
    ):
        assert parse_period(text) == q, text
    m = f"{year}-{month:02d}"
    for text in (m, f"{year}-{month}", f"{year}/{month}", f"{year}.{month}", f"{year}年{month}月",
                 f"{year}-{month:02d}-01", f"{year}/{month}/1", f"{year}年{month}月1日",
                 m.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))):  # fmt: skip
        assert parse_period(text) == m, text
    assert parse_period(f"{year}-{month:02d}-15") is None  # a day is not a period
    assert parse_period(f"{year}-{month + 12}") is None
    assert parse_period(f"{year}-Q{quarter + 4}") is None


@given(st.text(max_size=20))
def test_any_text_is_a_period_in_its_one_spelling_or_none(text):
    got = parse_period(text)
    assert got is None or (CANONICAL_PERIOD.fullmatch(got) and parse_period(got) == got)
