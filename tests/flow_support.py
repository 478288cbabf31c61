"""Helpers for the Lead-to-Cash flow tests: workspaces seeded through the Table API, a chain built by the core.

In-process tests call the pure core with `ws.table` and look at the tables in
memory; CLI tests (test_flow_story.py) run the real command in a subprocess.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from salesops.core import contracts, flow, leads, quotes
from salesops.schema import REGISTERS
from salesops.storage.workspace import Workspace
from tests.conftest import make_workspace

D = Decimal
TODAY = dt.date(2026, 11, 27)

REPS = [
    {"rep_id": "S-000001", "name": "张三", "team": "East", "region": "华东", "active": True},
    {"rep_id": "S-000002", "name": "李四", "team": "South", "region": "华南", "active": True},
    {"rep_id": "S-000003", "name": "王五", "team": "East", "region": "华东", "active": False},
    {"rep_id": "S-000004", "name": "赵六", "team": "North", "region": "华北", "active": True},
]


def settings_text(fmt: str = "csv", lang: str = "en", extra: str = "") -> str:
    return f'format = "{fmt}"\nlang = "{lang}"\n{extra}'


def new_ws(root: Path, fmt: str = "csv", lang: str = "en", extra: str = "") -> Workspace:
    """A workspace folder with only salesops.toml (registers are created on first write)."""
    make_workspace(root, fmt, lang)
    if extra:
        (root / "salesops.toml").write_text(settings_text(fmt, lang, extra), encoding="utf-8")
    return Workspace(root)


def seed(root: Path, register: str, records: list[dict]) -> list[str]:
    """Write records through the Table API and commit them; returns their IDs."""
    ws = Workspace(root)
    table = ws.table(register)
    ids = []
    for rec in records:
        rec = dict(rec)
        rec.setdefault(table.register.id_column, table.next_id())
        table.append(rec)
        ids.append(rec[table.register.id_column])
    ws.commit(command="test seed", user="seed")
    return ids


def account(ws: Workspace, name: str = "华为技术有限公司", terms_days: int | None = None) -> str:
    table = ws.table("accounts")
    rid = table.next_id()
    table.append(
        {"account_id": rid, "name": name, "payment_terms_days": terms_days, "region": "华南"}
    )
    return rid


def rep_rows(ws: Workspace) -> None:
    table = ws.table("reps")
    for rec in REPS:
        table.append(dict(rec))


def locate(ws: Workspace, record_id: str):
    """(table, row) of a record, also in registers not yet written to disk."""
    for name in REGISTERS:
        table = ws.table(name)
        i = table.find(record_id)
        if i is not None and table.register.prefix == record_id[:2]:
            return table, i
    raise LookupError(record_id)


def move(ws: Workspace, record_id: str, target: str, **kw):
    """`advance` in process (on defaults to TODAY)."""
    table, i = locate(ws, record_id)
    kw.setdefault("on", TODAY)
    return flow.advance(ws.table, table, i, target, settings=ws.settings, **kw)


def record(ws: Workspace, record_id: str) -> dict:
    table, i = locate(ws, record_id)
    return table.record(i)


def opportunity(
    ws: Workspace, stage: str = "qualification", amount: str = "500000", **fields
) -> str:
    """An opportunity of a fresh account, moved through the gates to `stage` (quotes made as needed)."""
    acc = account(ws)
    table = ws.table("opportunities")
    oid = table.next_id()
    rec = {
        "opportunity_id": oid,
        "name": "核心网扩容",
        "account_id": acc,
        "owner": "张三",
        "stage": "qualification",
        "amount": D(amount),
        "probability": D(10),
        "expected_close": dt.date(2027, 1, 31),
        "created_on": dt.date(2026, 11, 1),
    }
    rec.update(fields)
    table.append(rec)
    if stage in ("proposal", "negotiation"):
        qid = quote(
            ws, oid, list_amount=amount, status="sent" if stage == "negotiation" else "approved"
        )
        assert qid
    if stage != "qualification":
        move(ws, oid, stage)
    return oid


def quote(
    ws: Workspace,
    oid: str,
    list_amount: str = "500000",
    discount: str | None = None,
    cost: str | None = None,
    status: str = "draft",
    by: str | None = "李总",
    on: dt.date = TODAY,
) -> str:
    """A quote moved to `status` (through pending_approval when it needs approval)."""
    made = quotes.create(
        ws.table,
        ws.settings,
        oid,
        list_amount=D(list_amount),
        discount_pct=D(discount) if discount else None,
        cost=D(cost) if cost else None,
        valid_days=None,
        today=on,
    )
    qid = made.record_id
    path = {
        "draft": [],
        "pending_approval": ["pending_approval"],
        "approved": ["approved"],
        "sent": ["approved", "sent"],
        "accepted": ["approved", "sent", "accepted"],
    }[status]
    if made.approval and path and path != ["pending_approval"]:
        path = ["pending_approval", *path]
    for step in path:
        move(ws, qid, step, by=by, on=on)
    return qid


def signed_contract(
    ws: Workspace, terms: str | None = None, amount: str = "500000", deliveries: int = 1
) -> tuple[str, str]:
    """(opportunity id, contract id) of a contract signed on TODAY, with `deliveries` planned deliveries."""
    from salesops.core import deliveries as dl

    oid = opportunity(ws, "negotiation", amount=amount)
    qt = ws.table("quotes")
    qid = qt.id_of(qt.where("opportunity_id", oid)[0])
    move(ws, qid, "accepted")
    cid = contracts.create(ws.table, ws.settings, qid, terms=terms, title=None).record_id
    move(ws, cid, "review")
    move(ws, cid, "signed", by="王经理")
    for _ in range(deliveries):
        dl.create(ws.table, cid, planned_on=None, description="设备")
    return oid, cid


def lead(ws: Workspace, **fields) -> str:
    base = {"company": "华为技术有限公司", "phone": "0755-12345678", "owner": "张三"}
    base.update(fields)
    return leads.add(
        ws.table,
        ws.settings,
        {k: v for k, v in base.items() if v is not None},
        today=TODAY,
        allow_duplicate=True,
    ).record_id
