"""`rep add`, `account add`, `contact add`: new people and customers, read as an import reads them.

The fields come as `edits.Pairs` (texts read as register cells are: money,
dates, enum values in either language). A new record is refused when a
required field is empty, a value does not read, a reference names nothing,
or it repeats one already there: a rep of the same name (owners are written
by name), an account of the same company (names compared as `lead add`
compares companies; the message says who holds it, or that it is in the
public pool), a contact of the same account with the same name, phone or
e-mail. `allow_duplicate` lets a second account or contact through.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from salesops.core.edits import Pairs, checked
from salesops.core.links import Tables, add_record, refusal, refuse_if, safe_get
from salesops.core.model import Created, Records, Session
from salesops.core.people import holding
from salesops.i18n import _
from salesops.problems import Problem
from salesops.schema import REGISTERS

# What a new record gets when the command line says nothing.
DEFAULTS: dict[str, dict[str, Any]] = {"reps": {"active": True, "role": "rep"}}
# The field stamped with the day of the command (`--on`, default today).
CREATED = "created_on"


def add(
    tables: Tables, register: str, pairs: Pairs, *, today: dt.date, allow_duplicate: bool = False
) -> Created:
    """A new record of `register` (reps, accounts, contacts) with the next ID; refused as the module says."""
    tables = Session.of(tables)
    table = tables(register)
    values, problems = checked(tables, table, None, pairs)
    record = {**DEFAULTS.get(register, {}), **{k: v for k, v in values.items() if v is not None}}
    if CREATED in table.register.by_name:
        record.setdefault(CREATED, today)
    for column in table.register.columns:
        if (
            column.required
            and column.name != table.register.id_column
            and record.get(column.name) is None
        ):
            if column.name not in pairs.bad and column.name not in values:
                problems.append(
                    refusal(
                        table,
                        None,
                        _("{field} is required").format(field=column.name),
                        "missing-value",
                        column.name,
                    )
                )
    if not problems:
        problems += same_as(tables, table, record, allow_duplicate)
    refuse_if(problems)
    return add_record(tables, register, record)


def same_as(
    tables: Tables, table: Records, record: dict[str, Any], allow_duplicate: bool
) -> list[Problem]:
    """Refusals for a new record repeating one already in `table`."""
    from salesops import values

    name = table.register.name
    found: list[Problem] = []
    if name == "reps":
        key = (record.get("name") or "").strip().casefold()
        for j in range(len(table)):
            if (safe_get(table, j, "name") or "").strip().casefold() == key:
                message = _(
                    "a rep named {name} exists ({id}): owners are written by name, so give the new one a name apart"
                )
                found.append(
                    refusal(
                        table,
                        j,
                        message.format(name=record["name"], id=table.id_of(j)),
                        "duplicate",
                    )
                )
        return found
    if allow_duplicate:
        return found
    if name == "accounts":
        key = values.normalize_company(record.get("name"))
        for j in accounts_named(table, key):
            message = _(
                "{id} is the same company ({name}), {holder}; add --allow-duplicate to add it anyway"
            )
            holder = holding(safe_get(table, j, "owner"))
            found.append(
                refusal(
                    table,
                    j,
                    message.format(
                        id=table.id_of(j), name=safe_get(table, j, "name"), holder=holder
                    ),
                    "duplicate",
                )
            )
    elif name == "contacts":
        mine = _contact_keys(record)
        for j in table.where("account_id", record.get("account_id") or ""):
            same = mine & _contact_keys(
                {f: safe_get(table, j, f) for f in ("name", "phone", "email")}
            )
            if same:
                message = _(
                    "{id} is already a contact of {account} with the same {what}; add --allow-duplicate to add it anyway"
                )
                what = ", ".join(sorted(kind for kind, _key in same))
                found.append(
                    refusal(
                        table,
                        j,
                        message.format(id=table.id_of(j), account=record["account_id"], what=what),
                        "duplicate",
                    )
                )
    return found


def accounts_named(table: Records, key: str | None) -> list[int]:
    """Rows of accounts whose name is the company `key` (a normalised company name)."""
    from salesops import values

    if not key:
        return []
    return [
        j for j in range(len(table)) if values.normalize_company(safe_get(table, j, "name")) == key
    ]


def company_holders(tables: Tables, company: str | None) -> list[tuple[str, str | None]]:
    """(account ID, owner) of the accounts of the company `company` (its name normalised): whether
    a new lead's company is a customer already, held by someone or in the public pool."""
    from salesops import values

    accounts = tables(REGISTERS["accounts"].name)
    return [
        (accounts.id_of(j) or "", safe_get(accounts, j, "owner"))
        for j in accounts_named(accounts, values.normalize_company(company))
    ]


def _contact_keys(record: dict[str, Any]) -> set[tuple[str, str]]:
    from salesops import values

    keys = set()
    for kind, norm in (
        ("name", values.normalize_header),
        ("phone", values.normalize_phone),
        ("email", values.normalize_email),
    ):
        raw = record.get(kind)
        key = norm(raw) if raw else None
        if key:
            keys.add((kind, key))
    return keys


def contacts_of(tables: Tables, account_id: str) -> list[dict[str, Any]]:
    """The contacts of an account, in file order (each a typed record)."""
    table = tables(REGISTERS["contacts"].name)
    columns = table.register.columns
    return [
        {c.name: safe_get(table, j, c.name) for c in columns}
        for j in table.where("account_id", account_id)
    ]
