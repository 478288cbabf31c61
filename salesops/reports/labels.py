"""Report labels in English and Chinese.

Column names of registers come from the schema (`Column.zh`), enum values from
the schema's enums; this table holds only what reports add: metric names,
section titles, report columns. English defaults to the key, humanised.
"""

from __future__ import annotations

from salesops.schema import REGISTERS

LABELS: dict[str, tuple[str, str]] = {
    # kpi metrics
    "new_leads": ("New leads", "新增线索"),
    "converted_leads": ("Converted leads", "已转化线索"),
    "lead_conversion_rate": ("Lead conversion rate", "线索转化率"),
    "new_opportunities": ("New opportunities", "新增商机"),
    "won": ("Won", "赢单数"),
    "won_amount": ("Won amount", "赢单金额"),
    "lost": ("Lost", "丢单数"),
    "win_rate": ("Win rate", "赢率"),
    "avg_won_amount": ("Average won amount", "平均赢单金额"),
    "sales_cycle_days": ("Sales cycle (median days)", "销售周期(中位天数)"),
    "contracts_signed": ("Contracts signed", "签约合同"),
    "bookings": ("Bookings", "签约金额"),
    "collections": ("Collections", "回款"),
    "pipeline_value": ("Open pipeline", "在途商机金额"),
    "weighted_pipeline": ("Weighted pipeline", "加权商机金额"),
    "csat_avg": ("CSAT average", "平均满意度"),
    "csat_responses": ("CSAT responses", "满意度反馈数"),
    "ar_outstanding": ("AR outstanding", "应收余额"),
    "overdue_amount": ("Overdue", "逾期金额"),
    "overdue_ratio": ("Overdue ratio", "逾期占比"),
    "dso_days": ("DSO (days)", "应收周转天数(DSO)"),
    "target": ("Target", "目标"),
    "target_attainment": ("Target attainment", "目标达成率"),
    # titles
    "kpi": ("KPIs", "关键指标"),
    "aging": ("Receivables aging", "应收账龄"),
    "overdue_title": ("Overdue receivables", "逾期应收"),
    "funnel": ("Opportunity funnel", "商机漏斗"),
    "lead_funnel": ("Lead funnel", "线索漏斗"),
    "forecast": ("Forecast", "预测"),
    "weekly": ("Weekly summary", "销售周报"),
    "headline": ("Headline", "核心指标"),
    "won_deals": ("Won deals", "本周赢单"),
    "lost_deals": ("Lost deals", "本周丢单"),
    "collections_list": ("Collections", "本周回款"),
    "contracts_list": ("Contracts signed", "本周签约合同"),
    "newly_overdue": ("Newly overdue", "本周新增逾期"),
    "top_overdue": ("Top overdue", "逾期金额最大"),
    "expiring_quotes": ("Quotes expiring in 7 days", "7天内到期的报价"),
    "stalled_opportunities": ("Stalled opportunities", "停滞商机"),
    "data_problems": ("Data problems", "数据问题"),
    "trend": ("Trend (8 weeks)", "近8周趋势"),
    "lost_reasons": ("Lost reasons", "丢单原因"),
    "lost_at_stage": ("Lost at stage", "丢单阶段"),
    "disqualify_reasons": ("Disqualify reasons", "线索关闭原因"),
    "bottleneck": ("Bottleneck", "瓶颈阶段"),
    "as_of": ("as of", "截至"),
    "period": ("Period", "期间"),
    "by_group": ("by", "按"),
    "none_found": ("none", "无"),
    "(none)": ("(none)", "(无)"),
    "more_rows": ("… and {n} more", "… 另有 {n} 条"),
    "run_validate": ("run 'salesops validate' for details", "运行 salesops validate 查看详情"),
    "validate_missing": ("not checked", "未检查"),
    # columns
    "metric": ("Metric", "指标"),
    "total": ("Total", "合计"),
    "key": ("Key", "编号"),
    "account": ("Account", "客户"),
    "name": ("Name", "名称"),
    "this": ("This week", "本周"),
    "previous": ("Previous week", "上周"),
    "change": ("Change", "变化"),
    "stage": ("Stage", "阶段"),
    "status": ("Status", "状态"),
    "reached": ("Reached", "到达"),
    "conversion": ("Conversion", "转化率"),
    "median_days": ("Median days in stage", "停留天数中位数"),
    "open": ("Open at as-of", "截至日停留"),
    "lost_here": ("Lost here", "在此丢失"),
    "reason": ("Reason", "原因"),
    "count": ("Count", "数量"),
    "month": ("Month", "月份"),
    "deals": ("Deals", "商机数"),
    "open_pipeline": ("Open pipeline", "商机金额"),
    "receivables": ("Receivables", "应收笔数"),
    "expected_cash": ("Expected cash", "预计回款"),
    "overdue": ("Overdue", "已逾期"),
    "later": ("Later", "更晚"),
    "undated": ("No date", "无日期"),
    "not_due": ("Not due", "未到期"),
    "account_name": ("Account", "客户名称"),
    "opportunity_name": ("Opportunity", "商机名称"),
    "days_overdue": ("Days overdue", "逾期天数"),
    "outstanding": ("Outstanding", "未收金额"),
    "collected_amount": ("Collected", "已收金额"),
    "days_left": ("Days left", "剩余天数"),
    "days_in_stage": ("Days in stage", "停留天数"),
    "week": ("Week", "周"),
    "amount": ("Amount", "金额"),
    "from": ("From", "开始"),
    "to": ("To", "结束"),
}


def _schema_zh() -> dict[str, str]:
    table: dict[str, str] = {}
    for reg in REGISTERS.values():
        for col in reg.columns:
            table.setdefault(col.name, col.zh)
    return table


_SCHEMA_ZH = _schema_zh()


def label(key: str, lang: str = "en") -> str:
    """The label of `key` in `lang` (report labels first, then register column names)."""
    pair = LABELS.get(key)
    if lang == "zh":
        if pair:
            return pair[1]
        return _SCHEMA_ZH.get(key, key)
    if pair:
        return pair[0]
    text = key.replace("_", " ").capitalize()
    return text[:-3] + " ID" if text.endswith(" id") else text


def bucket_label(name: str, lang: str = "en") -> str:
    """`not_due` → Not due / 未到期; `1-30` → 1-30 / 1-30天; `180+` → 180+ / 180天以上."""
    if name == "not_due":
        return label("not_due", lang)
    if lang != "zh":
        return name
    if name.endswith("+"):
        return f"{name[:-1]}天以上"
    return f"{name}天"


_ENUMS = {
    "source": ("leads", "source"),
    "stage": ("opportunities", "stage"),
    "lost_at_stage": ("opportunities", "stage"),
    "milestone": ("receivables", "milestone"),
    "method": ("payments", "method"),
}


def value_label(field: str, value, lang: str = "en", register: str | None = None):
    """An enum code shown in `lang` (`won` → 赢单); other values unchanged."""
    if lang != "zh" or not isinstance(value, str):
        return value
    where = (register, "status") if field == "status" and register else _ENUMS.get(field)
    if not where:
        return value
    enum = REGISTERS[where[0]].column(where[1]).enum
    return enum.label(value, lang) if enum else value


def stage_label(code: str | None, lang: str = "en", register: str = "opportunities") -> str:
    """A stage or status code in `lang`."""
    if code is None:
        return ""
    field = "stage" if register == "opportunities" else "status"
    enum = REGISTERS[register].column(field).enum
    return enum.label(code, lang) if lang == "zh" else code


def group_label(by: str | None, key: str, lang: str = "en") -> str:
    """A `--by` group key as shown: enum codes translated, `(none)` in the language."""
    if key == "(none)":
        return label("(none)", lang)
    return str(value_label(by or "", key, lang))
