"""Leads: capture with duplicate detection, scoring and grading, assignment, conversion.

A lead is a duplicate when its normalised phone, email or company name
matches an open lead (not converted or disqualified). Scores follow
`[lead.scoring]` (capped at 100), grades `lead.grades`. Assignment balances
open-lead load among active reps, same region first. Conversion links or
creates the account by normalised company name and opens the opportunity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from salesops.core import opportunities
from salesops.core.links import (
    Tables,
    add_record,
    field_label,
    money_text,
    new_record,
    refusal,
    refuse_if,
    require,
    safe_get,
    state_text,
)
from salesops.core.model import Created, Outcome, Records, Session
from salesops.core.people import holding
from salesops.i18n import _, list_text
from salesops.schema import SELLING_ROLES, STATE_DATE_FIELDS

CLOSED = ("converted", "disqualified")


def is_open(table: Records, i: int) -> bool:
    """Whether lead `i` is still open (an unreadable status counts as open)."""
    return safe_get(table, i, "status") not in CLOSED


# ---------------------------------------------------------------- duplicates


def _keys(record: dict[str, Any]) -> dict[str, str]:
    from salesops import values

    keys = {}
    for name, normalise in (
        ("phone", values.normalize_phone),
        ("email", values.normalize_email),
        ("company", values.normalize_company),
    ):
        raw = record.get(name)
        key = normalise(raw) if raw else None
        if key:
            keys[name] = key
    return keys


def duplicates(
    tables: Tables, record: dict[str, Any], skip: int | None = None
) -> list[tuple[str, str, str | None]]:
    """(lead_id, matching fields, owner) of the open leads that duplicate `record`."""
    leads = tables("leads")
    wanted = _keys(record)
    if not wanted:
        return []
    status = leads.column("status")  # (whole fields at once: a cell at a time cost 100,000 leads 0.3 s)
    fields = {k: leads.column(k) for k in wanted}
    found = []
    for j in range(len(leads)):
        if j == skip or status[j] in CLOSED:  # (an unreadable status counts as open; a blank row matches nothing)
            continue
        theirs = _keys({k: cells[j] for k, cells in fields.items()})
        same = [k for k, v in wanted.items() if theirs.get(k) == v]
        if same:
            found.append((leads.id_of(j) or "?", list_text(field_label(leads, k) for k in same), safe_get(leads, j, "owner")))
    return found


# ---------------------------------------------------------------- scoring


def score(record: dict[str, Any], settings) -> int:
    """Points from `[lead.scoring]`: source, phone, email, first value band reached; at most 100."""
    rules = settings.get("lead.scoring") or {}
    points = int((rules.get("source") or {}).get(record.get("source") or "", 0))
    if record.get("phone"):
        points += int(rules.get("has_phone", 0))
    if record.get("email"):
        points += int(rules.get("has_email", 0))
    value = record.get("estimated_value")
    if value is not None:
        for threshold, band in rules.get("value_bands") or []:
            if value >= Decimal(str(threshold)):
                points += int(band)
                break
    return max(0, min(points, 100))


def grade(points: int, settings) -> str:
    """The grade of a score: the best of `lead.grades` whose threshold it reaches, else D."""
    grades = settings.get("lead.grades") or {}
    for name, threshold in sorted(grades.items(), key=lambda kv: -kv[1]):
        if points >= threshold:
            return name
    return "D"


def rescore(table: Records, i: int, settings) -> bool:
    """Recompute score and grade of lead `i`; True if either changed."""
    points = score(table.record(i), settings)
    a = table.set(i, "score", points)
    b = table.set(i, "grade", grade(points, settings))
    return a or b


@dataclass
class Scored(Outcome):
    """What `score_leads` did: the leads scored, and those whose score or grade changed."""

    scored: list[str]
    changed: list[str]


def score_leads(tables: Tables, settings, ids: list[str]) -> Scored:
    """Rescore the leads `ids` (default: every open lead)."""
    tables = Session.of(tables)
    leads = tables("leads")
    if ids:
        rows = [require(tables, "leads", x) for x in ids]
    else:
        rows = [j for j in range(len(leads)) if not leads.is_blank(j) and is_open(leads, j)]
    changed = [leads.id_of(j) or "?" for j in rows if rescore(leads, j, settings)]
    return tables.result(Scored([leads.id_of(j) or "?" for j in rows], changed))


# ---------------------------------------------------------------- capture


def add(
    tables: Tables,
    settings,
    fields: dict[str, Any],
    *,
    today: dt.date,
    allow_duplicate: bool = False,
) -> Created:
    """A new lead (status new, scored); refuses a duplicate of an open lead unless allowed."""
    tables = Session.of(tables)
    leads = tables("leads")
    if not (fields.get("company") or "").strip():
        refuse_if([refusal(leads, None, _("--company must not be empty"))])
    if not allow_duplicate:
        found = duplicates(tables, fields)
        if found:
            message = _("duplicate of open lead {id} (same {what}), {holder}; add --allow-duplicate to add it anyway")
            refuse_if(
                [
                    refusal(leads, None, message.format(id=rid, what=what, holder=holding(owner)), "duplicate")
                    for rid, what, owner in found
                ]
            )
    record = {
        **fields,
        "created_on": today,
        "status": "new",
        STATE_DATE_FIELDS[("leads", "*")]: today,
    }
    points = score(record, settings)
    record.update(score=points, grade=grade(points, settings))
    return add_record(tables, "leads", record)


# ---------------------------------------------------------------- assignment


@dataclass
class Rep:
    rep_id: str
    name: str | None
    region: str | None
    active: bool
    load: int = 0
    role: str | None = None

    @property
    def sells(self) -> bool:
        """Whether round-robin gives this rep leads (a rep or a manager; an empty role is a rep's)."""
        return self.role is None or self.role in SELLING_ROLES

    @property
    def label(self) -> str:
        return self.name or self.rep_id

    def is_named(self, text: str) -> bool:
        key = text.strip().casefold()
        return key in (self.rep_id.casefold(), (self.name or "").strip().casefold())


def reps(tables: Tables) -> list[Rep]:
    """Every rep, with the number of open leads each owns (by rep_id or name)."""
    table = tables("reps")
    out = []
    for j in range(len(table)):
        if table.is_blank(j) or not table.id_of(j):
            continue
        active = safe_get(table, j, "active")
        out.append(
            Rep(
                table.id_of(j) or "",
                safe_get(table, j, "name"),
                safe_get(table, j, "region"),
                active is not False,
                role=safe_get(table, j, "role"),
            )
        )
    leads = tables("leads")
    owners: dict[str, int] = {}
    for j in range(len(leads)):
        owner = safe_get(leads, j, "owner")
        if owner and is_open(leads, j):
            owners[owner.strip().casefold()] = owners.get(owner.strip().casefold(), 0) + 1
    for rep in out:
        keys = {rep.rep_id.casefold(), (rep.name or "").strip().casefold()} - {""}
        rep.load = sum(owners.get(k, 0) for k in keys)
    return out


def find_rep(all_reps: list[Rep], text: str) -> Rep | None:
    return next((r for r in all_reps if r.is_named(text)), None)


def pick(
    active: list[Rep],
    region: str | None,
    regions: dict[str, list[str]] | None = None,
    local: dict[str, list[Rep]] | None = None,
) -> Rep:
    """The active rep with the least open-lead load, same region first; ties in file order.

    A lead's city or province and a rep's region are compared through the
    settings' region table (杭州 and 浙江省 are both 华东), else as written.
    `local` remembers the reps of each place already asked for (assigning 61,000
    leads compared each one's place with every rep's: 35 s).
    """
    from salesops.core.regions import same_region

    pool = active
    if region:
        here = None if local is None else local.get(region)
        if here is None:
            here = [r for r in active if same_region(region, r.region, regions or {})]
            if local is not None:
                local[region] = here
        pool = here or active
    return min(
        pool, key=lambda r: r.load
    )  # min keeps the first of equals: round-robin by file order


@dataclass
class Assigned(Outcome):
    """What `assign` did: (lead_id, new owner) of every lead whose owner changed."""

    assigned: list[tuple[str, str]]


def assign(
    tables: Tables, ids: list[str], *, to: str | None, regions: dict[str, list[str]] | None = None
) -> Assigned:
    """Give leads an owner: `to` (rep ID or name) or round-robin (same region first, by `regions`).

    Without IDs, every open lead that has no owner is assigned.
    """
    tables = Session.of(tables)
    leads = tables("leads")
    all_reps = reps(tables)
    rows = [require(tables, "leads", rid) for rid in ids]
    problems = []
    for j in rows:
        if not is_open(leads, j):
            problems.append(
                refusal(
                    leads,
                    j,
                    _("{state}: only open leads are assigned").format(
                        state=state_text(leads.id_of(j), leads.get(j, "status"), "leads")
                    ),
                )
            )
    if not ids:
        rows = [
            j
            for j in range(len(leads))
            if not leads.is_blank(j) and is_open(leads, j) and not leads.get(j, "owner")
        ]
    target = None
    if to is not None:
        target = find_rep(all_reps, to)
        if target is None:
            problems.append(
                refusal(
                    tables("reps"),
                    None,
                    _("no rep {name} in {file} (by rep_id or name)").format(name=repr(to), file=tables("reps").file),
                )
            )
        elif not target.active:
            problems.append(
                refusal(
                    tables("reps"),
                    None,
                    _("rep {id} {name} is not active").format(id=target.rep_id, name=target.label),
                )
            )
    active = [r for r in all_reps if r.active and r.sells]
    if to is None and rows and not active:
        problems.append(
            refusal(
                tables("reps"), None, _("no active reps in {file} to assign leads to").format(file=tables("reps").file)
            )
        )
    refuse_if(problems)
    done = []
    local: dict[str, list[Rep]] = {}  # the reps of each place, found once
    for j in rows:
        rep = target or pick(active, leads.get(j, "region"), regions, local)
        old = leads.get(j, "owner")
        if old:
            previous = find_rep(all_reps, old)
            if previous:
                previous.load -= 1
        if leads.set(j, "owner", rep.label):
            done.append((leads.id_of(j) or "?", rep.label))
        rep.load += 1
    return tables.result(Assigned(done))


# ---------------------------------------------------------------- conversion


@dataclass
class Converted(Outcome):
    """What `convert` did: the lead, its account (found or new) and its new opportunity."""

    lead_id: str
    account_id: str
    account_created: bool
    opportunity_id: str


def convert(
    tables: Tables,
    settings,
    lead_id: str,
    *,
    name: str | None,
    amount: Decimal | None,
    today: dt.date,
) -> Converted:
    """A qualified lead becomes an opportunity (at qualification) of a linked or new account."""
    tables = Session.of(tables)
    leads = tables("leads")
    i = require(tables, "leads", lead_id)
    rec = leads.record(i)
    lid = rec["lead_id"]
    problems = []
    if rec["status"] != "qualified":
        problems.append(
            refusal(
                leads,
                i,
                _("{state}: only a qualified lead is converted (salesops advance {id} qualified)").format(
                    state=state_text(lid, rec["status"], "leads"), id=lid
                ),
            )
        )
    if not rec["owner"]:
        problems.append(refusal(leads, i, _("{id} has no owner (salesops lead assign {id})").format(id=lid)))
    if amount is not None and amount < 0:
        problems.append(refusal(leads, i, _("--amount must not be negative ({amount})").format(amount=money_text(amount))))
    refuse_if(problems)
    accounts = tables("accounts")
    ai = accounts.find(rec["account_id"]) if rec["account_id"] else None
    if ai is None:
        ai = opportunities.account_by_name(tables, rec["company"] or "")
    created = ai is None
    if ai is None:
        _account_id, ai = new_record(
            accounts,
            {
                "name": rec["company"],
                "industry": rec["industry"],
                "region": rec["region"],
                "owner": rec["owner"],
                "created_on": today,
            },
        )
    account_id = accounts.id_of(ai) or ""
    oid = opportunities.create(
        tables,
        settings,
        account=account_id,
        name=name or rec["company"],
        owner=rec["owner"],
        amount=amount if amount is not None else rec["estimated_value"],
        expected_close=None,
        today=today,
        lead_id=lid,
    ).record_id
    leads.set(i, "status", "converted")
    leads.set(i, STATE_DATE_FIELDS[("leads", "*")], today)
    leads.set(i, "account_id", account_id)
    leads.set(i, "opportunity_id", oid)
    return tables.result(Converted(lid, account_id, created, oid))
