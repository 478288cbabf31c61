"""Words reports add to the registers': metric names, section titles, report columns.

The English is the message (in the catalogue, `salesops/locale`), so the
Chinese comes from the same place as every other message. Register columns
are named by the schema (`Column.zh`), enum values by the schema's enums.
A key without a label reads as its humanised name (`receivable_id` →
"Receivable ID").
"""

from __future__ import annotations

from salesops.i18n import N_, translate
from salesops.schema import REGISTERS

LABELS: dict[str, str] = {
    # kpi metrics
    "new_leads": N_("New leads"),
    "converted_leads": N_("Converted leads"),
    "lead_conversion_rate": N_("Lead conversion rate"),
    "new_opportunities": N_("New opportunities"),
    "won": N_("Won"),
    "won_amount": N_("Won amount"),
    "lost": N_("Lost"),
    "win_rate": N_("Win rate"),
    "avg_won_amount": N_("Average won amount"),
    "sales_cycle_days": N_("Sales cycle (median days)"),
    "contracts_signed": N_("Contracts signed"),
    "bookings": N_("Bookings"),
    "collections": N_("Collections"),
    "pipeline_value": N_("Open pipeline"),
    "weighted_pipeline": N_("Weighted pipeline"),
    "csat_avg": N_("CSAT average"),
    "csat_responses": N_("CSAT responses"),
    "ar_outstanding": N_("AR outstanding"),
    "overdue_amount": N_("Overdue amount"),
    "overdue_ratio": N_("Overdue ratio"),
    "dso_days": N_("DSO (days)"),
    "target": N_("Target"),
    "target_attainment": N_("Target attainment"),
    # titles
    "kpi": N_("KPIs"),
    "aging": N_("Receivables aging"),
    "overdue_title": N_("Overdue receivables"),
    "funnel": N_("Opportunity funnel"),
    "lead_funnel": N_("Lead funnel"),
    "forecast": N_("Forecast"),
    "by_month": N_("By month"),
    "weekly": N_("Weekly summary"),
    "headline": N_("Headline"),
    "won_deals": N_("Won deals"),
    "lost_deals": N_("Lost deals"),
    "collections_list": N_("Collections this week"),
    "contracts_list": N_("Contracts signed this week"),
    "newly_overdue": N_("Newly overdue"),
    "top_overdue": N_("Top overdue"),
    "expiring_quotes": N_("Quotes expiring in 7 days"),
    "stalled_opportunities": N_("Stalled opportunities"),
    "data_problems": N_("Data problems"),
    "trend": N_("Trend (8 weeks)"),
    "lost_reasons": N_("Lost reasons"),
    "lost_at_stage": N_("Lost at stage"),
    "disqualify_reasons": N_("Disqualify reasons"),
    "bottleneck": N_("Bottleneck"),
    "none_found": N_("none"),
    "(none)": N_("(none)"),
    "run_validate": N_("run 'salesops validate' for details"),
    "validate_missing": N_("not checked"),
    "expected_cash_chart": N_("Expected cash by month"),
    "funnel_chart": N_("Opportunity funnel (13 weeks)"),
    # columns
    "metric": N_("Metric"),
    "total": N_("Total"),
    "key": N_("Key"),
    "account": N_("Account"),
    "owner": N_("Owner"),
    "team": N_("Team"),
    "region": N_("Region"),
    "name": N_("Name"),
    "this": N_("This week"),
    "previous": N_("Previous week"),
    "change": N_("Change"),
    "stage": N_("Stage"),
    "status": N_("Status"),
    "reached": N_("Reached"),
    "conversion": N_("Conversion"),
    "median_days": N_("Median days in stage"),
    "open": N_("Open at as-of"),
    "lost_here": N_("Lost here"),
    "reason": N_("Reason"),
    "count": N_("Count"),
    "month": N_("Month"),
    "deals": N_("Deals"),
    "open_pipeline": N_("Pipeline"),
    "receivables": N_("Receivables"),
    "expected_cash": N_("Expected cash"),
    "overdue": N_("Overdue"),
    "later": N_("Later"),
    "undated": N_("No date"),
    "not_due": N_("Not due"),
    "account_name": N_("Account name"),
    "opportunity_name": N_("Opportunity"),
    "days_overdue": N_("Days overdue"),
    "outstanding": N_("Outstanding"),
    "collected_amount": N_("Collected"),
    "days_left": N_("Days left"),
    "days_in_stage": N_("Days in stage"),
    "week": N_("Week"),
    "amount": N_("Amount"),
    # follow-ups and the public pool
    "activity": N_("Follow-ups"),
    "activity_per_rep": N_("Follow-ups per rep"),
    "next_steps": N_("Next steps due"),
    "overdue_next_steps": N_("Next steps overdue"),
    "pool_reclaimed": N_("Returned to the public pool"),
    "pool_claimed": N_("Claimed from the public pool"),
    "register": N_("Register"),
    "records": N_("Records"),
    "last_activity_on": N_("Last follow-up"),
    "days_quiet": N_("Days without follow-up"),
    # targets, leaderboard
    "targets": N_("Targets"),
    "leaderboard": N_("Leaderboard"),
    "company": N_("Company"),
    "scope": N_("Target of"),
    "rep": N_("Rep"),
    "rank": N_("Rank"),
    "actual": N_("Actual"),
    "gap": N_("Gap to target"),
    "run_rate": N_("Run rate to period end"),
    "won_count": N_("Deals won (count)"),
    # forecast
    "invoiced": N_("Invoiced, by due date"),
    "scheduled": N_("Scheduled milestones"),
    "pipeline_cash": N_("Pipeline cash (weighted)"),
    "reconciliation": N_("Signed contracts, reconciled"),
    "item": N_("Item"),
    "contracts": N_("Signed contracts"),
    "paid": N_("Paid"),
    "written_off": N_("Written off"),
    "unplanned": N_("Not in the receivables plan"),
    "other_invoiced": N_("Invoiced, no signed contract"),
    "other_scheduled": N_("Scheduled, no signed contract"),
    # commission
    "commission": N_("Commission"),
    "commission_lines": N_("Commission lines"),
    "commission_basis": N_("Paid on"),
    "commission_rate": N_("Rate %"),
    "commission_kind": N_("Line"),
    "commission_id": N_("Record"),
    "plan": N_("Plan"),
    "basis_amount": N_("Basis"),
    "attainment": N_("Attainment"),
    "clawback": N_("Clawback"),
    "net": N_("Net commission"),
    "payment": N_("Payment"),
    "contract": N_("Contract"),
    "write_off": N_("Clawback: written off"),
    "on": N_("Date"),
    # dunning and statements
    "level": N_("Dunning level"),
    "statement_summary": N_("Summary"),
    "invoices": N_("Open invoices"),
    "payments_received": N_("Payments received on them"),
    "net_due": N_("Due after unapplied cash"),
    "unapplied_amount": N_("Unapplied cash"),
    "statement_file": N_("statement"),
}
AS_OF = N_("as of {date}")
BY = N_("by {field}")
SPAN = N_("{start} – {end}")
BUCKET = N_("{low}-{high}")
BUCKET_OPEN = N_("{low}+")
COUNT = N_("{title} ({n})")
BOTTLENECK = N_("Bottleneck: {step} ({rate} convert)")
NO_BOTTLENECK = N_("Bottleneck: —")
DATA_PROBLEMS = N_("Data problems: {n}")
RECONCILED = N_(
    "Signed contracts = paid + invoiced + scheduled + written off (+ not in the receivables plan: "
    "run 'salesops validate'). Invoiced in total is the aging's total."
)


def _schema_zh() -> dict[str, str]:
    table: dict[str, str] = {}
    for reg in REGISTERS.values():
        for col in reg.columns:
            table.setdefault(col.name, col.zh)
    return table


_SCHEMA_ZH = _schema_zh()


def label(key: str, lang: str = "en") -> str:
    """The label of `key` in `lang`: a report word, else a register column's header, else the key humanised."""
    if key in LABELS:
        return translate(LABELS[key], lang)
    if lang == "zh" and key in _SCHEMA_ZH:
        return _SCHEMA_ZH[key]
    text = key.replace("_", " ").capitalize()
    return text[:-3] + " ID" if text.endswith(" id") else text


def bucket_label(name: str, lang: str = "en") -> str:
    """`not_due` → Not due / 未到期; `1-30` → 1-30 / 1-30天; `180+` → 180+ / 180天以上."""
    if name == "not_due":
        return label("not_due", lang)
    if name.endswith("+"):
        return translate(BUCKET_OPEN, lang).format(low=name[:-1])
    low, _, high = name.partition("-")
    return translate(BUCKET, lang).format(low=low, high=high)


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
