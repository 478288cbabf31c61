"""The one declarative description of every register.

Everything else reads this module: readers (header aliases, types), writers
(templates, dropdowns, formats), validation (required, references, enums) and
the stage machine (ordered stages, terminal states, gate names). Adding a
column is one line in `REGISTERS`.

Nothing here does I/O or imports anything heavy.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from salesops.i18n import N_, translate


@dataclass(frozen=True)
class Enum:
    """A closed (or, with `open=True`, suggested) list of codes with Chinese labels."""

    name: str
    values: tuple[tuple[str, str], ...]  # (code, 中文)
    open: bool = False  # other text allowed (receivable milestone)

    @cached_property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.values)

    @property
    def a_name(self) -> str:
        """The name with its article, for messages: "an opportunity stage"."""
        return ("an " if self.name[0] in "aeiou" else "a ") + self.name

    def title(self, lang: str) -> str:
        """The name in `lang`, for messages: "opportunity stage" / "商机阶段"."""
        return translate(self.name, lang)

    def choices(self, lang: str) -> str:
        """Its values as a user may type them in `lang`: `won, lost` / `赢单、丢单`."""
        return "、".join(label for _code, label in self.values) if lang == "zh" else ", ".join(self.codes)

    def label(self, code: str, lang: str) -> str:
        """The label of `code` in `lang` ('en' → the code itself)."""
        if lang == "zh":
            return dict(self.values).get(code, code)
        return code

    @cached_property
    def lookup(self) -> dict[str, str]:
        """Normalised English code, English words, Chinese label or a synonym (`SYNONYMS`) → code."""
        from salesops.values import normalize_header

        table: dict[str, str] = {}
        for code, words in SYNONYMS.get(self.name, {}).items():
            for word in words:
                table[normalize_header(word)] = code
        for code, zh in self.values:  # the values' own names win over any synonym
            for alias in (code, code.replace("_", " "), zh):
                table[normalize_header(alias)] = code
        return table

    def parse(self, text: str) -> str | None:
        """The code for `text` (any case, English or Chinese), or None if unknown."""
        from salesops.values import normalize_header

        return self.lookup.get(normalize_header(text))


@dataclass(frozen=True)
class TextForm:
    """A form a text column's values must take, and their one spelling (a target's period)."""

    name: str  # what a value is, for messages: "a period"
    examples: str  # the accepted forms, for messages
    parse: Callable[[str], str | None]  # text → its canonical spelling, None when not of the form

    def matches(self, text: str) -> bool:
        return self.parse(text) is not None


_CN_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}
_YEAR = re.compile(r"(\d{4})\s*(?:年度?)?")
_QUARTER = (
    re.compile(r"(\d{4})\s*年?\s*[-/.]?\s*Q\s*([1-4])", re.IGNORECASE),  # 2026-Q4, 2026Q4, 2026年Q4
    re.compile(r"(\d{4})\s*年?\s*第?\s*([1-4一二三四])\s*季度"),  # 2026年第四季度
)
# 2026-11, 2026/11, 2026年11月, and a month's first day (2026-11-01, 2026年11月1日)
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月|[-/.]\s*0?1|月\s*0?1\s*日)?")


def parse_period(text: str) -> str | None:
    """`2026`, `2026-Q4` or `2026-11` for a year, quarter or month however typed, else None.

    Also `2026年`, `2026Q4`, `2026年第四季度`, `2026年11月`, `2026/11`, and the first day of a
    month (`2026-11-01`: what a spreadsheet makes of a typed `2026-11`).
    """
    text = unicodedata.normalize("NFKC", text).strip()
    if m := _YEAR.fullmatch(text):
        return m.group(1)
    for form in _QUARTER:
        if m := form.fullmatch(text):
            return f"{m.group(1)}-Q{_CN_DIGITS.get(m.group(2), m.group(2))}"
    if (m := _MONTH.fullmatch(text)) and 1 <= int(m.group(2)) <= 12:
        return f"{m.group(1)}-{int(m.group(2)):02d}"
    return None


@dataclass(frozen=True)
class Column:
    """One column of a register."""

    name: str
    zh: str
    type: str = "text"  # id text date money int pct enum ref bool
    required: bool = False
    enum: Enum | None = None
    ref: str | None = None  # register name for type "ref"
    min: int | None = None
    max: int | None = None
    aliases: tuple[str, ...] = ()  # further accepted header spellings
    # A "ref" that may name a record of any of these registers (activities.record_id);
    # `ref` is then None. Read `targets` to handle both kinds of reference alike.
    refs: tuple[str, ...] = ()
    person: bool = False  # holds a rep's rep_id or name (owner, sr, fr, by): unknown ones are warned about
    form: TextForm | None = None  # text that must take this form

    def header(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.name

    @property
    def targets(self) -> tuple[str, ...]:
        """The registers a "ref" column may point to: (`ref`,) or `refs`; () for other columns."""
        if self.type != "ref":
            return ()
        return self.refs or ((self.ref,) if self.ref else ())


@dataclass(frozen=True)
class Machine:
    """The stage machine of a register's status column.

    `order` is the forward path; `side` are states reachable from every open
    state (disqualified, lost, terminated…) unless `moves` says otherwise.
    `gates` maps a target state to the names of the gate predicates (in
    `salesops.core.gates`) that must all hold to enter it. `via` names states
    only a dedicated command may set (lead converted, receivable paid).
    `reversible` are the states one may move back to from a later open state.
    """

    field: str
    order: tuple[str, ...]
    terminal: frozenset[str]
    side: tuple[str, ...] = ()
    moves: dict[str, tuple[str, ...]] = field(default_factory=dict)
    gates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    via: dict[str, str] = field(default_factory=dict)
    reversible: frozenset[str] = frozenset()

    def is_open(self, state: str) -> bool:
        return state not in self.terminal


@dataclass(frozen=True)
class Register:
    """A register: one file in the workspace, one record per row."""

    name: str
    zh: str
    prefix: str  # ID prefix, e.g. "L-"
    columns: tuple[Column, ...]
    machine: Machine | None = None
    aliases: tuple[str, ...] = ()  # further names a command line may use ("follow-ups")

    @property
    def id_column(self) -> str:
        return self.columns[0].name

    @property
    def singular(self) -> str:
        """`activities` → `activity`, `leads` → `lead`."""
        if self.name.endswith("ies"):
            return self.name[:-3] + "y"
        return self.name.removesuffix("s")

    @cached_property
    def by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    def column(self, name: str) -> Column:
        return self.by_name[name]

    @cached_property
    def header_aliases(self) -> dict[str, str]:
        """Normalised header text (English, Chinese, aliases) → canonical name."""
        from salesops.values import normalize_header

        table: dict[str, str] = {}
        for col in self.columns:
            for alias in (col.name, col.zh, *col.aliases):
                table[normalize_header(alias)] = col.name
        return table

    @property
    def status_field(self) -> str | None:
        return self.machine.field if self.machine else None


# ---------------------------------------------------------------- synonyms

# What other systems and habits call the values of the enums (exports of 简道云, 纷享销客, 销售易,
# 企业微信, spreadsheets kept by hand): the one table of them, by enum name and code. `Enum.parse`
# reads it, so import, `set`, `list --where`, `advance` and every option understand these words;
# files are always written with the value's own name.
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "lead source": {
        "website": ("网站", "官方网站", "在线咨询", "网站咨询", "网络咨询", "web", "online"),
        "referral": ("老客户介绍", "客户介绍", "朋友介绍", "熟人介绍", "转推荐", "口碑"),
        "exhibition": ("展览会", "会展", "行业展会", "展会获客", "trade show", "expo"),
        "cold_call": ("电话营销", "电销", "陌拜", "陌生拜访", "外呼", "电话开发", "cold call", "telemarketing"),
        "partner": ("代理商", "经销商", "合作伙伴", "渠道商", "分销商", "channel", "reseller"),
        "campaign": ("百度推广", "SEM", "信息流", "搜索推广", "竞价推广", "网络推广", "线上推广", "市场推广",
                     "广告投放", "抖音", "微信广告", "marketing", "ads"),  # fmt: skip
        "other": ("其它",),
    },
    "lead status": {
        "new": ("未处理", "待跟进", "未跟进", "待分配", "新建"),
        "contacted": ("跟进中", "已跟进", "联系中", "沟通中"),
        "qualified": ("有效线索", "有效", "合格"),
        "converted": ("已转商机", "转商机", "已转换", "已转客户"),
        "disqualified": ("无效线索", "无效", "已作废", "作废", "关闭"),
    },
    "opportunity stage": {
        "qualification": ("初步接洽", "初步沟通", "商机验证", "线索验证"),
        "needs_analysis": ("需求确认", "需求调研", "需求沟通"),
        "solution": ("方案设计", "方案确认", "方案阶段"),
        "proposal": ("报价", "投标", "招投标", "报价阶段"),
        "negotiation": ("谈判", "商务洽谈", "合同谈判"),
        "won": ("成交", "已成交", "赢单关闭", "签约成功"),
        "lost": ("输单", "已输单", "失败", "丢单关闭"),
    },
    "activity type": {
        "visit": ("上门拜访", "拜访客户", "面访", "上门"),
        "call": ("电话沟通", "电话拜访", "打电话", "来电", "去电", "phone"),
        "wechat": ("微信沟通", "企业微信", "企微", "weixin"),
        "email": ("邮件沟通", "电子邮件", "发邮件", "e-mail", "mail"),
        "meeting": ("开会", "线上会议", "视频会议", "腾讯会议", "会面"),
        "demo": ("产品演示", "试用", "presentation"),
        "reminder": ("催收", "催账", "回款提醒", "对账", "dunning"),
        "other": ("其它",),
    },
    "payment method": {
        "bank_transfer": ("转账", "电汇", "银行汇款", "网银", "对公转账", "wire", "transfer"),
        "acceptance_bill": ("承兑", "银行承兑", "银承", "商业承兑", "商承", "票据"),
        "cash": ("现款",),
        "other": ("其它",),
    },
    "decision role": {
        "decision_maker": ("决策者", "拍板人", "关键人", "KP"),
        "influencer": ("影响者",),
        "user": ("使用者", "用户", "end user"),
        "gatekeeper": ("把关者", "技术把关", "采购把关"),
        "other": ("其它",),
    },
    "role": {
        "rep": ("销售代表", "客户经理", "sales"),
        "manager": ("销售经理", "团队主管"),
        "director": ("销售总监", "总监级"),
        "finance": ("财务人员", "会计", "出纳"),
        "legal": ("法务人员", "律师"),
    },
    "milestone": {
        "advance": ("首付款", "预付", "定金", "订金"),
        "delivery": ("发货款", "到货"),
        "acceptance": ("验收",),
        "retention": ("质保", "保证金"),
    },
}


# ---------------------------------------------------------------- enums

LEAD_STATUS = Enum(
    N_("lead status"),
    (
        ("new", "新线索"),
        ("contacted", "已联系"),
        ("qualified", "已确认"),
        ("converted", "已转化"),
        ("disqualified", "已关闭"),
    ),
)
LEAD_SOURCE = Enum(
    N_("lead source"),
    (
        ("website", "官网"),
        ("referral", "转介绍"),
        ("exhibition", "展会"),
        ("cold_call", "电话陌拜"),
        ("partner", "渠道"),
        ("campaign", "市场活动"),
        ("other", "其他"),
    ),
)
GRADE = Enum(N_("grade"), (("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")))
OPP_STAGE = Enum(
    N_("opportunity stage"),
    (
        ("qualification", "验证商机"),
        ("needs_analysis", "需求分析"),
        ("solution", "方案制定"),
        ("proposal", "报价投标"),
        ("negotiation", "商务谈判"),
        ("won", "赢单"),
        ("lost", "丢单"),
    ),
)
QUOTE_STATUS = Enum(
    N_("quote status"),
    (
        ("draft", "草稿"),
        ("pending_approval", "待审批"),
        ("approved", "已审批"),
        ("sent", "已发送"),
        ("accepted", "已接受"),
        ("rejected", "已拒绝"),
        ("expired", "已过期"),
    ),
)
CONTRACT_STATUS = Enum(
    N_("contract status"),
    (
        ("draft", "草拟"),
        ("review", "评审中"),
        ("signed", "已签署"),
        ("executing", "执行中"),
        ("completed", "已完成"),
        ("terminated", "已终止"),
    ),
)
DELIVERY_STATUS = Enum(
    N_("delivery status"),
    (
        ("planned", "计划中"),
        ("shipped", "已发货"),
        ("delivered", "已到货"),
        ("accepted", "已验收"),
    ),
)
MILESTONE = Enum(
    N_("milestone"),
    (
        ("advance", "预付款"),
        ("delivery", "到货款"),
        ("acceptance", "验收款"),
        ("retention", "质保金"),
    ),
    open=True,
)
RECEIVABLE_STATUS = Enum(
    N_("receivable status"),
    (
        ("scheduled", "待触发"),
        ("invoiced", "已开票"),
        ("partially_paid", "部分回款"),
        ("paid", "已回款"),
        ("written_off", "已核销"),
        ("cancelled", "已取消"),
    ),
)
PAYMENT_METHOD = Enum(
    N_("payment method"),
    (
        ("bank_transfer", "银行转账"),
        ("acceptance_bill", "承兑汇票"),
        ("cash", "现金"),
        ("other", "其他"),
    ),
)
YES_NO = Enum(N_("yes/no"), (("yes", "是"), ("no", "否")))
REP_ROLE = Enum(
    N_("role"),
    (
        ("rep", "销售"),
        ("manager", "主管"),
        ("director", "总监"),
        ("finance", "财务"),
        ("legal", "法务"),
    ),
)
CONTACT_ROLE = Enum(
    N_("decision role"),
    (
        ("decision_maker", "决策人"),
        ("influencer", "影响人"),
        ("user", "使用人"),
        ("gatekeeper", "把关人"),
        ("other", "其他"),
    ),
)
ACTIVITY_TYPE = Enum(
    N_("activity type"),
    (
        ("visit", "拜访"),
        ("call", "电话"),
        ("wechat", "微信"),
        ("email", "邮件"),
        ("meeting", "会议"),
        ("demo", "演示"),
        ("reminder", "催款"),
        ("other", "其他"),
    ),
)
TARGET_SCOPE = Enum(N_("target scope"), (("company", "公司"), ("team", "团队"), ("rep", "个人")))
TARGET_METRIC = Enum(
    N_("target metric"),
    (
        ("bookings", "签约金额"),
        ("collections", "回款"),
        ("won_amount", "赢单金额"),
        ("new_leads", "新增线索"),
        ("won_count", "赢单数"),
    ),
)
# Names of the dunning levels of `[dunning] levels` that have a label in both
# languages; a workspace may name its levels otherwise (shown as written).
DUNNING_LEVEL = Enum(
    N_("dunning level"),
    (("reminder", "提醒"), ("notice", "催告"), ("warning", "警告"), ("legal", "法务")),
    open=True,
)

ENUMS = (
    LEAD_STATUS,
    LEAD_SOURCE,
    GRADE,
    OPP_STAGE,
    QUOTE_STATUS,
    CONTRACT_STATUS,
    DELIVERY_STATUS,
    MILESTONE,
    RECEIVABLE_STATUS,
    PAYMENT_METHOD,
    YES_NO,
    REP_ROLE,
    CONTACT_ROLE,
    ACTIVITY_TYPE,
    TARGET_SCOPE,
    TARGET_METRIC,
    DUNNING_LEVEL,
)

# Target metrics counted in records rather than money: their targets are whole numbers.
COUNT_METRICS = frozenset({"new_leads", "won_count"})

# Who may take each decision (SPEC 9.3), by rep `role`; never the record's own owner.
DECIDERS: dict[str, tuple[str, ...]] = {
    "quote_approval": ("manager", "director"),  # a quote needing approval
    "quote_approval_director": ("director",),  # ... with discount_pct above approval.director_discount_pct
    "contract_review": ("legal", "finance", "manager", "director"),  # review → signed
    "credit_override": ("finance", "director"),  # signing past the credit limit or overdue block
}

# Who round-robin gives leads to, by rep `role` (an empty role counts as rep): not directors, finance or legal.
SELLING_ROLES: tuple[str, ...] = ("rep", "manager")

# The decisions of the flow, by the state a record enters: Huawei's LTC gates ATI (立项), ATB (投标) and
# ATC (签约) of an opportunity, a quote's approval and a contract's review. History records who took each.
DECISIONS: dict[tuple[str, str], str] = {
    ("opportunities", "solution"): "ATI",
    ("opportunities", "proposal"): "ATB",
    ("opportunities", "won"): "ATC",
    ("quotes", "approved"): "approval",
    ("contracts", "signed"): "review",
}

# A target's period: a year, a quarter or a month.
PERIOD = TextForm(N_("a period"), N_("2026, 2026-Q4 or 2026-11"), parse_period)


# ---------------------------------------------------------------- helpers


def _id(name: str, zh: str) -> Column:
    return Column(name, zh, "id", required=True)


def _ref(name: str, zh: str, register: str, required: bool = False) -> Column:
    return Column(name, zh, "ref", required=required, ref=register)


def _notes() -> Column:
    return Column("notes", "备注")


def _owner(required: bool = False) -> Column:
    return Column("owner", "负责人", required=required, person=True, aliases=("所属销售", "销售负责人", "负责销售"))


# How CRM and spreadsheet exports head a column naming a record's customer (the name or the ID).
ACCOUNT_ALIASES = ("客户名称", "客户", "customer", "account", "account_name")


def _account(required: bool = False) -> Column:
    return Column("account_id", "客户编号", "ref", required=required, ref="accounts", aliases=ACCOUNT_ALIASES)


# ---------------------------------------------------------------- registers

ACCOUNTS = Register(
    "accounts",
    "客户",
    "A-",
    (
        _id("account_id", "客户编号"),
        Column("name", "客户名称", required=True, aliases=("company", "account_name", "客户")),
        Column("industry", "行业"),
        Column("region", "区域"),
        _owner(),
        Column("credit_limit", "信用额度", "money"),
        Column("payment_terms_days", "账期天数", "int", min=0),
        Column("created_on", "创建日期", "date"),
        _notes(),
        # second release: new columns go last, so files and code of the first keep their positions
        Column("unapplied_amount", "预收款余额", "money"),  # cash received, not yet applied
    ),
)

REPS = Register(
    "reps",
    "销售人员",
    "S-",
    (
        _id("rep_id", "销售编号"),
        Column("name", "姓名", required=True),
        Column("team", "团队"),
        Column("region", "区域"),
        Column("manager", "主管", person=True),
        Column("active", "在职", "bool", enum=YES_NO),
        Column("monthly_target", "月度目标", "money"),
        Column("role", "角色", "enum", enum=REP_ROLE),
    ),
)

LEADS = Register(
    "leads",
    "线索",
    "L-",
    (
        _id("lead_id", "线索编号"),
        Column("created_on", "创建日期", "date", required=True),
        Column("source", "来源", "enum", enum=LEAD_SOURCE, aliases=("线索来源", "客户来源", "来源渠道", "获客渠道")),
        Column("company", "公司名称", required=True, aliases=("客户名称", "企业名称", "单位名称", "company_name")),
        Column("contact_name", "联系人"),
        Column("phone", "电话", aliases=("手机", "手机号", "联系电话", "电话号码", "mobile")),
        Column("email", "邮箱", aliases=("电子邮箱", "邮件地址", "e-mail")),
        Column("region", "区域", aliases=("地区", "所在地区", "省份", "城市")),
        Column("industry", "行业"),
        Column("estimated_value", "预估金额", "money", aliases=("预计金额", "预算")),
        _owner(),
        Column("score", "评分", "int", min=0, max=100),
        Column("grade", "等级", "enum", enum=GRADE),
        Column("status", "状态", "enum", required=True, enum=LEAD_STATUS),
        Column("status_changed_on", "状态日期", "date"),
        Column("disqualify_reason", "关闭原因"),
        _ref("account_id", "客户编号", "accounts"),
        _ref("opportunity_id", "商机编号", "opportunities"),
        _notes(),
    ),
    Machine(
        field="status",
        order=("new", "contacted", "qualified", "converted"),
        terminal=frozenset({"converted", "disqualified"}),
        side=("disqualified",),
        gates={
            "qualified": ("lead_has_company", "lead_has_contact", "lead_has_owner", "lead_min_score"),
            "disqualified": ("has_reason",),
        },
        via={"converted": "salesops lead convert"},
        reversible=frozenset({"new", "contacted", "qualified"}),
    ),
)

OPPORTUNITIES = Register(
    "opportunities",
    "商机",
    "O-",
    (
        _id("opportunity_id", "商机编号"),
        Column("name", "商机名称", required=True),
        _account(required=True),
        _ref("lead_id", "线索编号", "leads"),
        _owner(required=True),  # the account responsible (AR) of Huawei's iron triangle
        Column("stage", "阶段", "enum", required=True, enum=OPP_STAGE, aliases=("销售阶段", "商机阶段")),
        Column("amount", "金额", "money", aliases=("商机金额",)),
        Column("probability", "赢率", "pct"),
        Column("expected_close", "预计成交日期", "date", aliases=("预计签单日期", "预计成交时间")),
        Column("created_on", "创建日期", "date", required=True),
        Column("stage_changed_on", "阶段日期", "date"),
        Column("closed_on", "关闭日期", "date"),
        Column("lost_reason", "丢单原因"),
        Column("lost_at_stage", "丢单阶段", "enum", enum=OPP_STAGE),
        Column("competitor", "竞争对手"),
        _notes(),
        Column("sr", "方案负责人", person=True),  # solution responsible
        Column("fr", "交付负责人", person=True),  # fulfilment responsible
    ),
    Machine(
        field="stage",
        order=("qualification", "needs_analysis", "solution", "proposal", "negotiation", "won"),
        terminal=frozenset({"won", "lost"}),
        side=("lost",),
        gates={
            "needs_analysis": ("opp_has_account", "opp_has_owner"),
            "solution": ("opp_amount_positive", "opp_close_after_created"),
            "proposal": ("opp_quote_approved_or_sent",),
            "negotiation": ("opp_quote_sent",),
            "won": ("opp_contract_signed",),
            "lost": ("has_reason",),
        },
        reversible=frozenset({"qualification", "needs_analysis", "solution", "proposal", "negotiation"}),
    ),
)

QUOTES = Register(
    "quotes",
    "报价",
    "Q-",
    (
        _id("quote_id", "报价编号"),
        _ref("opportunity_id", "商机编号", "opportunities", required=True),
        Column("version", "版本", "int", min=1),
        Column("quote_date", "报价日期", "date", required=True),
        Column("valid_until", "有效期至", "date", required=True),
        Column("currency", "币种"),
        Column("list_amount", "标准价", "money"),
        Column("discount_pct", "折扣", "pct"),
        Column("amount", "报价金额", "money", required=True),
        Column("cost", "成本", "money"),
        Column("margin_pct", "毛利率", "pct", min=-100_000),
        Column("status", "状态", "enum", required=True, enum=QUOTE_STATUS),
        Column("approved_by", "审批人", person=True),
        Column("approved_on", "审批日期", "date"),
        _notes(),
    ),
    Machine(
        field="status",
        order=("draft", "pending_approval", "approved", "sent", "accepted"),
        terminal=frozenset({"accepted", "rejected", "expired"}),
        moves={
            "draft": ("pending_approval", "approved"),
            "pending_approval": ("approved", "rejected", "draft"),
            "approved": ("sent", "expired", "draft"),
            "sent": ("accepted", "rejected", "expired", "draft"),
        },
        gates={
            "approved": ("quote_approval",),
            "accepted": ("quote_within_validity", "quote_single_accepted"),
            "rejected": (),
            "expired": (),
        },
        reversible=frozenset({"draft"}),
    ),
)

CONTRACTS = Register(
    "contracts",
    "合同",
    "C-",
    (
        _id("contract_id", "合同编号"),
        Column("title", "合同名称"),
        _ref("opportunity_id", "商机编号", "opportunities", required=True),
        _ref("quote_id", "报价编号", "quotes"),
        _account(required=True),
        _owner(),
        Column("amount", "合同金额", "money", required=True),
        Column("currency", "币种"),
        Column("payment_terms", "付款条款"),
        Column("status", "状态", "enum", required=True, enum=CONTRACT_STATUS),
        Column("reviewer", "评审人", person=True),
        Column("signed_on", "签署日期", "date"),
        Column("completed_on", "完成日期", "date"),
        Column("terminate_reason", "终止原因"),
        _notes(),
    ),
    Machine(
        field="status",
        order=("draft", "review", "signed", "executing", "completed"),
        terminal=frozenset({"completed", "terminated"}),
        side=("terminated",),
        # signing is the point of no return: no way back to draft or review
        moves={
            "signed": ("executing", "completed", "terminated"),
            "executing": ("completed", "terminated"),
        },
        gates={
            "signed": (
                "contract_reviewed",
                "contract_reviewer",
                "contract_amount_matches_quote",
                "contract_terms_valid",
                "contract_opportunity_open",
                "contract_no_plan_yet",
                "contract_credit",
            ),
            "executing": ("contract_delivery_shipped",),
            "completed": ("contract_all_accepted", "contract_all_settled"),
            "terminated": ("has_reason",),
        },
        reversible=frozenset({"draft", "review"}),
    ),
)

DELIVERIES = Register(
    "deliveries",
    "交付",
    "D-",
    (
        _id("delivery_id", "交付编号"),
        _ref("contract_id", "合同编号", "contracts", required=True),
        Column("description", "交付内容"),
        Column("planned_on", "计划日期", "date"),
        Column("shipped_on", "发货日期", "date"),
        Column("delivered_on", "到货日期", "date"),
        Column("accepted_on", "验收日期", "date"),
        Column("status", "状态", "enum", required=True, enum=DELIVERY_STATUS),
        Column("csat", "满意度", "int", min=1, max=5),
        _notes(),
    ),
    Machine(
        field="status",
        order=("planned", "shipped", "delivered", "accepted"),
        terminal=frozenset({"accepted"}),
        gates={
            "shipped": ("delivery_contract_signed", "delivery_dates_in_order"),
            "delivered": ("delivery_dates_in_order",),
            "accepted": ("delivery_dates_in_order", "delivery_csat_valid"),
        },
    ),
)

RECEIVABLES = Register(
    "receivables",
    "应收",
    "R-",
    (
        _id("receivable_id", "应收编号"),
        _ref("contract_id", "合同编号", "contracts"),
        _account(required=True),
        _owner(),
        Column("milestone", "回款节点", "enum", enum=MILESTONE),
        Column("pct", "比例", "pct"),
        Column("amount", "应收金额", "money", required=True),
        Column("triggered_on", "触发日期", "date"),
        Column("invoice_no", "发票号"),
        Column("invoiced_on", "开票日期", "date"),
        Column("due_date", "到期日", "date"),
        Column("collected_amount", "已收金额", "money"),
        Column("last_payment_on", "最近回款日期", "date"),
        Column("status", "状态", "enum", required=True, enum=RECEIVABLE_STATUS),
        Column("write_off_reason", "核销原因"),
        _notes(),
    ),
    Machine(
        field="status",
        order=("scheduled", "invoiced", "partially_paid", "paid"),
        terminal=frozenset({"paid", "written_off", "cancelled"}),
        side=("written_off", "cancelled"),
        gates={
            "invoiced": ("receivable_triggered", "receivable_has_invoice_no"),
            "written_off": ("has_reason",),
            "cancelled": ("has_reason",),
        },
        via={
            "partially_paid": "salesops payment record",
            "paid": "salesops payment record",
        },
    ),
)

PAYMENTS = Register(
    "payments",
    "回款",
    "P-",
    (
        _id("payment_id", "回款编号"),
        _ref("receivable_id", "应收编号", "receivables", required=True),
        _account(),
        Column("received_on", "到账日期", "date", required=True),
        Column("amount", "金额", "money", required=True),
        Column("method", "方式", "enum", enum=PAYMENT_METHOD),
        Column("reference", "流水号"),
        _notes(),
    ),
)

CONTACTS = Register(
    "contacts",
    "联系人",
    "K-",
    (
        _id("contact_id", "联系人编号"),
        _account(required=True),
        Column("name", "姓名", required=True, aliases=("contact", "contact_name", "联系人")),
        Column("title", "职务", aliases=("job_title", "position", "职位")),
        Column("role", "决策角色", "enum", enum=CONTACT_ROLE, aliases=("角色",)),
        Column("phone", "电话"),
        Column("email", "邮箱"),
        Column("wechat", "微信", aliases=("微信号", "weixin")),
        _notes(),
    ),
)

ACTIVITIES = Register(
    "activities",
    "跟进记录",
    "F-",
    (
        _id("activity_id", "跟进编号"),
        Column("on", "跟进日期", "date", required=True, aliases=("date", "跟进时间")),
        Column(
            "record_id",
            "关联编号",
            "ref",
            required=True,
            refs=("leads", "opportunities", "accounts", "contracts", "receivables"),
        ),
        _account(),
        Column("type", "方式", "enum", required=True, enum=ACTIVITY_TYPE, aliases=("跟进方式",)),
        Column("by", "跟进人", required=True, person=True, aliases=("跟进人员",)),
        Column("summary", "跟进内容", required=True, aliases=("内容",)),
        Column("next_step", "下一步", aliases=("下一步计划",)),
        Column("next_on", "下次跟进日期", "date", aliases=("下次跟进时间",)),
        _notes(),
    ),
    aliases=("follow-ups", "followups", "follow", "跟进"),
)

TARGETS = Register(
    "targets",
    "目标",
    "T-",
    (
        _id("target_id", "目标编号"),
        Column("period", "期间", required=True, form=PERIOD),
        Column("scope", "范围", "enum", required=True, enum=TARGET_SCOPE),
        Column("who", "对象"),  # a team name, a rep's rep_id or name; empty for the company
        Column("metric", "指标", "enum", required=True, enum=TARGET_METRIC),
        Column("amount", "目标值", "money", required=True),  # money, or a count (new_leads, won_count)
        _notes(),
    ),
)

REGISTERS: dict[str, Register] = {
    r.name: r
    for r in (
        ACCOUNTS,
        REPS,
        LEADS,
        OPPORTUNITIES,
        QUOTES,
        CONTRACTS,
        DELIVERIES,
        RECEIVABLES,
        PAYMENTS,
        CONTACTS,
        ACTIVITIES,
        TARGETS,
    )
}

# Where a reason given with --reason is stored, per register and target state.
REASON_FIELDS: dict[tuple[str, str], str] = {
    ("leads", "disqualified"): "disqualify_reason",
    ("opportunities", "lost"): "lost_reason",
    ("contracts", "terminated"): "terminate_reason",
    ("receivables", "written_off"): "write_off_reason",
    ("receivables", "cancelled"): "notes",
}

@dataclass(frozen=True)
class Fixed:
    """Fields `salesops set` leaves alone: once a record is in one of `states` (None: always), they
    belong to a decision already taken (a passed gate) or to the command that keeps them; `way`
    says what to do instead (its {id} is the record's ID). The one rule (`core.edits.fixed_way`):
    `set` and `advance --set` refuse to change them, and `validate` reports a hand edit of them."""

    register: str
    fields: tuple[str, ...]
    states: frozenset[str] | None
    way: str


_SIGNED = frozenset({"signed", "executing", "completed", "terminated"})
_APPROVED = frozenset({"approved", "sent", "accepted", "rejected", "expired"})
FIXED: tuple[Fixed, ...] = (
    Fixed(
        "contracts",
        ("amount", "payment_terms", "currency", "quote_id", "opportunity_id", "account_id", "reviewer", "signed_on"),
        _SIGNED,
        N_("fixed by the signing: a contract amendment is the way (a new quote version, then salesops contract create)"),
    ),
    Fixed(
        "quotes",
        ("list_amount", "discount_pct", "amount", "cost", "margin_pct", "currency", "opportunity_id"),
        _APPROVED,
        N_("fixed by the approval: a new quote version is the way (salesops quote create OPPORTUNITY-ID)"),
    ),
    Fixed("quotes", ("approved_by", "approved_on"), None, N_("set by the approval: salesops advance {id} approved --by NAME")),
    Fixed("opportunities", ("amount",), frozenset({"won"}), N_("fixed by the signed contract: it is the contract's amount")),
    Fixed("leads", ("account_id", "opportunity_id"), frozenset({"converted"}), N_("set by the conversion")),
    Fixed("receivables", ("collected_amount", "last_payment_on"), None, N_("kept by the payments: salesops payment record")),
    Fixed("accounts", ("unapplied_amount",), None, N_("kept by the payments: salesops payment record --account")),
    # a payment is entered by its command only (its ID fixed: a row added by hand is refused too)
    Fixed(
        "payments",
        ("payment_id", "receivable_id", "account_id", "received_on", "amount"),
        None,
        N_("entered by salesops payment record, and not edited afterwards"),
    ),
)

# The date column a state sets when it is entered (besides the generic one).
STATE_DATE_FIELDS: dict[tuple[str, str], str] = {
    ("leads", "*"): "status_changed_on",
    ("opportunities", "*"): "stage_changed_on",
    ("opportunities", "won"): "closed_on",
    ("opportunities", "lost"): "closed_on",
    ("contracts", "signed"): "signed_on",
    ("contracts", "completed"): "completed_on",
    ("deliveries", "shipped"): "shipped_on",
    ("deliveries", "delivered"): "delivered_on",
    ("deliveries", "accepted"): "accepted_on",
    ("quotes", "approved"): "approved_on",
    ("receivables", "invoiced"): "invoiced_on",
}

HISTORY_FILE = "history.csv"
HISTORY_COLUMNS = ("at", "user", "command", "register", "record_id", "field", "old_value", "new_value")
HISTORY_ZH = {
    "at": "时间",
    "user": "用户",
    "command": "命令",
    "register": "台账",  # as every message names a register
    "record_id": "记录编号",
    "field": "字段",
    "old_value": "原值",
    "new_value": "新值",
}

# Chinese headers history.csv files carry from before, still read: 登记表 until session 8
HISTORY_ZH_ALIASES = {"登记表": "register"}

SETTINGS_FILE = "salesops.toml"


def register_for_id(record_id: str) -> Register | None:
    """The register whose ID prefix starts `record_id` (case-insensitive), if any."""
    upper = record_id.strip().upper()
    for reg in REGISTERS.values():
        if upper.startswith(reg.prefix):
            return reg
    return None


def resolve_register(name: str) -> Register | None:
    """A register by English name, singular, Chinese name or alias (`leads`, `lead`, `线索`, `follow-ups`)."""
    from salesops.values import normalize_header

    key = normalize_header(name)
    for reg in REGISTERS.values():
        names = (reg.name, reg.singular, reg.zh, *reg.aliases)
        if key in (normalize_header(n) for n in names):
            return reg
    return None
