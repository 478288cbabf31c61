"""`set`: edit fields of any record, read as an import reads cells, refused where another command decides.

`parse_pairs` reads `FIELD=VALUE` texts (fields by English, Chinese or alias
name; user columns by their header) into typed values exactly as a register
cell or an imported cell is read: money with 万 and ¥, dates in every form,
enum values in either language or a synonym. `edit` then refuses, naming the
command to use instead: the ID, the stage or status (`advance`), and the
fields a passed gate fixed (`schema.FIXED`: a signed contract's amount and
terms, an approved quote's prices…). References are found by ID or by name,
as an import finds them; a quote's price fields are repriced. What is left is
set in the records, and the caller checks the changed record with validate's
rules (`core.guard`) before committing, as for every command.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from salesops.core import quotes
from salesops.core.links import Tables, refusal, refuse_if, safe_get
from salesops.core.model import Outcome, Records, Session
from salesops.errors import UsageError
from salesops.i18n import _, current
from salesops.problems import Problem
from salesops.schema import FIXED, Column, Register

# Registers a reference may name by a name instead of the ID, and the field holding it.
NAME_FIELDS = {"accounts": "name", "reps": "name", "receivables": "invoice_no"}


@dataclass
class Pairs:
    """What `set` was asked to write: typed field values, user-column texts, and cells that did not read."""

    fields: dict[str, Any] = field(default_factory=dict)
    user: dict[str, str | None] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # field → the text as typed
    bad: dict[str, str] = field(
        default_factory=dict
    )  # field → why its text is not a value of the column


def parse_pairs(
    register: Register, pairs: list[str], date_order: str, user_columns: list[str]
) -> Pairs:
    """`FIELD=VALUE` texts → typed values; an unknown field or a malformed pair is a usage error."""
    from salesops import values

    texts: dict[str, str] = {}
    user: dict[str, str | None] = {}
    users = {values.normalize_header(u): u for u in user_columns}
    for pair in pairs:
        name, sep, raw = pair.replace("＝", "=").partition("=")
        if not sep or not name.strip():
            raise UsageError(_("{text} is not FIELD=VALUE").format(text=repr(pair)))
        key = values.normalize_header(name)
        field_name = register.header_aliases.get(key)
        if field_name is None and key in users:
            user[users[key]] = raw.strip() or None
            continue
        if field_name is None:
            known = [*register.by_name, *user_columns]
            raise UsageError(
                _("{register} has no column {name} (columns: {columns})").format(
                    register=register.name, name=repr(name.strip()), columns=", ".join(known)
                )
            )
        if field_name in texts:
            raise UsageError(_("{field} is given twice").format(field=field_name))
        texts[field_name] = raw
    out = read_texts(register, texts, date_order)
    out.user = user
    return out


def read_texts(register: Register, texts: dict[str, str], date_order: str) -> Pairs:
    """Field texts (as typed on a command line) → typed values, as a register or imported cell is read.

    An empty text clears the field; a reference keeps its text for `checked` to look up.
    """
    from salesops import codec, values

    out = Pairs()
    for name, raw in texts.items():
        column = register.column(name)
        text = raw.strip()
        out.texts[name] = text
        if column.type == "ref" or not text:
            out.fields[name] = text or None
            continue
        try:
            out.fields[name] = codec.read_cell(column, text, date_order)
        except values.BadValue as exc:
            out.bad[name] = codec.bad_cell_phrase(column, text, str(exc))
    return out


def checked(
    tables: Tables, table: Records, i: int | None, pairs: Pairs
) -> tuple[dict[str, Any], list[Problem]]:
    """The typed values of `pairs`, references turned into IDs; problems for texts that are no value."""
    rid = (table.id_of(i) if i is not None else None) or table.register.singular
    problems = []
    for name, why in pairs.bad.items():
        text = pairs.texts[name]
        message = _('{id}: {field} "{text}" {why}').format(
            id=rid, field=_header(table.register, name), text=text, why=why
        )
        problems.append(refusal(table, i, message, "bad-value", name))
    values = dict(pairs.fields)
    for name, text in pairs.fields.items():
        column = table.register.column(name)
        if column.type == "ref" and text is not None:
            found, trouble = resolve_ref(tables, column, text)
            if trouble:
                problems.append(
                    refusal(
                        table,
                        i,
                        f"{rid}: {_header(table.register, name)} {trouble}",
                        "dangling-ref",
                        name,
                    )
                )
            values[name] = found
    return values, problems


@dataclass
class Edited(Outcome):
    """What `edit` did: the record and the fields whose values changed (user columns apart)."""

    register: str
    record_id: str
    changed: list[str]
    record: dict[str, Any] = field(default_factory=dict)


def fixed_way(register: str, name: str, state: str | None) -> str | None:
    """Why `set` leaves field `name` of a record in `state` alone, and what to do instead; None when it may change."""
    for fixed in FIXED:
        if (
            fixed.register == register
            and name in fixed.fields
            and (fixed.states is None or state in fixed.states)
        ):
            return fixed.way
    return None


def edit(tables: Tables, table: Records, i: int, pairs: Pairs) -> Edited:
    """Set the fields of record `i` in `pairs`; refuses (listing every reason) what another command decides."""
    tables = Session.of(tables)
    tables(table.register.name)  # its changes count from here
    reg = table.register
    rid = table.id_of(i) or ""
    state = safe_get(table, i, reg.status_field) if reg.status_field else None
    values, problems = checked(tables, table, i, pairs)
    for name in pairs.fields:
        message = _refused_field(reg, name, rid, state)
        if message:
            problems.append(refusal(table, i, message, "not-editable", name))
    if reg.name == "quotes" and not problems:
        proposed = table.record(i, values)
        contradiction = quotes.reprice(proposed, frozenset(values))
        if contradiction:
            problems.append(refusal(table, i, f"{rid}: {contradiction}", "quote-amount", "amount"))
        values.update(
            {
                k: proposed[k]
                for k in ("amount", "margin_pct")
                if k not in values and proposed[k] != safe_get(table, i, k)
            }
        )
    refuse_if(problems)
    changed = [name for name, value in values.items() if table.set(i, name, value)]
    return tables.result(Edited(reg.name, rid, changed, table.record(i)))


def _header(register: Register, name: str) -> str:
    """A field as people of the current language name it (合同金额 / amount)."""
    return register.column(name).header(current())


def _refused_field(reg: Register, name: str, rid: str, state: str | None) -> str | None:
    field = _header(reg, name)
    if name == reg.id_column:
        return _(
            "{id}: {field} is the record's ID and does not change (other records point to it)"
        ).format(id=rid, field=field)
    if reg.machine is not None and name == reg.machine.field:
        return _(
            "{id}: {field} changes through salesops advance {id} STAGE, which checks its gates"
        ).format(id=rid, field=field)
    way = fixed_way(reg.name, name, state)
    if way:
        shown = (
            reg.column(reg.status_field).enum.label(state, current())
            if state and reg.status_field
            else ""
        )
        return _("{id} is {state}: {field} is {way}").format(
            id=rid, state=shown or "-", field=field, way=_(way).format(id=rid)
        )
    return None


def resolve_ref(tables: Tables, column: Column, text: str) -> tuple[str | None, str | None]:
    """(the ID `text` names in `column`'s registers, None) or (None, what is wrong): by ID, else by name."""
    for name in column.targets:
        table = tables(name)
        i = table.find(text)
        if i is not None:
            return table.id_of(i), None
    for name in column.targets:
        by = NAME_FIELDS.get(name)
        if by is None:
            continue
        table = tables(name)
        key = _name_key(name, text)
        hits = [
            table.id_of(j)
            for j in range(len(table))
            if _name_key(name, safe_get(table, j, by)) == key
        ]
        hits = [h for h in dict.fromkeys(hits) if h]
        if len(hits) == 1:
            return hits[0], None
        if len(hits) > 1:
            return None, _('"{text}" names {n} records in {file} ({ids}); give the ID').format(
                text=text, n=len(hits), file=table.file, ids=", ".join(hits[:5])
            )
    files = " / ".join(tables(name).file for name in column.targets)
    return None, _('"{text}" is not in {file}').format(text=text, file=files)


def _name_key(register: str, text: Any) -> str | None:
    from salesops import values

    if not text:
        return None
    if register == "accounts":
        return values.normalize_company(text) or None
    return values.normalize_header(text) or None
