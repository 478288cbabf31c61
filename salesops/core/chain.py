"""The Lead-to-Cash chain around a record: lead → opportunity → quotes → contracts → deliveries, receivables → payments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from salesops.core.model import Records

_DATE = {
    "leads": "created_on",
    "opportunities": "expected_close",
    "quotes": "quote_date",
    "contracts": "signed_on",
    "deliveries": "planned_on",
    "receivables": "due_date",
    "payments": "received_on",
    "accounts": "created_on",
}
NAME_FIELD = {  # the field a chain row names its record by (shown as its label when an enum)
    "leads": "company",
    "opportunities": "name",
    "contracts": "title",
    "deliveries": "description",
    "receivables": "milestone",
    "accounts": "name",
    "payments": "reference",
    "quotes": "version",
}


def _summary(table: Records, i: int) -> dict[str, Any]:
    rec = table.record(i)
    reg = table.register.name
    return {
        "register": reg,
        "id": table.id_of(i),
        "status": rec.get(table.register.status_field or ""),
        "amount": rec.get("amount", rec.get("estimated_value")),
        "date": rec.get(_DATE.get(reg, "")),
        "name": rec.get(NAME_FIELD.get(reg, "")),
    }


def _rows(get: Callable[[str], Records], register: str, field: str, values: set[str]) -> list[tuple[Records, int]]:
    """(table, row) of the records of `register` whose `field` holds one of `values`, in file order."""
    if not values:
        return []
    table = get(register)
    rows = sorted({i for value in values if value for i in table.where(field, value)})
    return [(table, i) for i in rows]


def _about(get: Callable[[str], Records], register: str, record: dict[str, Any]) -> tuple[str, Records, int] | None:
    """The record a record outside the LTC flow is about: an activity's `record_id`, else its account."""
    from salesops.schema import REGISTERS

    if register in _DATE:
        return None
    for col in REGISTERS[register].columns:
        value = record.get(col.name)
        if col.targets and value and (col.refs or col.ref == "accounts"):
            for name in col.targets:
                found = _rows(get, name, REGISTERS[name].id_column, {value})
                if found:
                    return (name, *found[0])
    return None


def chain_of(get: Callable[[str], Records], register: str, record: dict[str, Any]) -> list[dict[str, Any]]:
    """Summaries of every record linked to `record` through its opportunity, in LTC order.

    A contact or an activity has the chain of the record it is about (listed first when the
    chain would not show it, as for an account).
    """
    about = _about(get, register, record)
    if about is not None:
        name, table, i = about
        chain = chain_of(get, name, table.record(i))
        head = _summary(table, i)
        return chain if any(c["id"] == head["id"] for c in chain) else [head, *chain]
    opp_ids: set[str] = set()
    if register == "opportunities":
        opp_ids.add(record["opportunity_id"])
    elif register in ("leads", "quotes", "contracts") and record.get("opportunity_id"):
        opp_ids.add(record["opportunity_id"])
    elif register == "accounts":
        opp_ids |= {t.id_of(i) for t, i in _rows(get, "opportunities", "account_id", {record["account_id"]})}
    contract_ids: set[str] = set()
    if register in ("deliveries", "receivables") and record.get("contract_id"):
        contract_ids.add(record["contract_id"])
    if register == "payments" and record.get("receivable_id"):
        for t, i in _rows(get, "receivables", "receivable_id", {record["receivable_id"]}):
            cid = t.get(i, "contract_id")
            if cid:
                contract_ids.add(cid)
    for t, i in _rows(get, "contracts", "contract_id", contract_ids):
        if t.get(i, "opportunity_id"):
            opp_ids.add(t.get(i, "opportunity_id"))
    opps = _rows(get, "opportunities", "opportunity_id", opp_ids)
    leads = _rows(get, "leads", "opportunity_id", opp_ids)
    lead_ids = {t.get(i, "lead_id") for t, i in opps if t.get(i, "lead_id")} - {t.id_of(i) for t, i in leads}
    leads += _rows(get, "leads", "lead_id", lead_ids)
    quotes = _rows(get, "quotes", "opportunity_id", opp_ids)
    contracts = _rows(get, "contracts", "opportunity_id", opp_ids)
    contract_ids |= {t.id_of(i) for t, i in contracts}
    contracts = _rows(get, "contracts", "contract_id", contract_ids)
    deliveries = _rows(get, "deliveries", "contract_id", contract_ids)
    receivables = _rows(get, "receivables", "contract_id", contract_ids)
    if register == "receivables" and not receivables:
        receivables = _rows(get, "receivables", "receivable_id", {record["receivable_id"]})
    payments = _rows(get, "payments", "receivable_id", {t.id_of(i) for t, i in receivables})
    out = []
    for group in (leads, opps, quotes, contracts, deliveries, receivables, payments):
        out.extend(_summary(t, i) for t, i in group)
    return out
