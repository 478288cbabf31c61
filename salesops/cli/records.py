"""Commands: `list` (rows of a register, filtered) and `show` (a record, its LTC chain, its history)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from salesops.cli.app import app
from salesops.cli.common import FormatOpt, OutputOpt, emit_rows, open_workspace, warn
from salesops.errors import UsageError
from salesops.i18n import N_, _, current, ngettext
from salesops.schema import REGISTERS, Column

CHAIN_TITLE = N_("Lead-to-Cash chain")
DECISIONS_TITLE = N_("Decisions")
DECISION_HEADERS = {
    "decision": N_("Decision"),
    "record_id": N_("ID"),
    "state": N_("Status"),
    "at": N_("Date"),
    "by": N_("By"),
}
# The decisions of schema.DECISIONS as people read them (ATI 立项, approval 审批…); JSON keeps the codes.
DECISION_NAMES = {
    "ATI": N_("ATI (go ahead)"),
    "ATB": N_("ATB (bid)"),
    "ATC": N_("ATC (sign)"),
    "approval": N_("quote approval"),
    "review": N_("contract review"),
}
HISTORY_TITLE = N_("history")
NO_HISTORY = N_("no history")
CHAIN_HEADERS = {
    "register": N_("Register"),
    "id": N_("ID"),
    "status": N_("Status"),
    "amount": N_("Amount"),
    "date": N_("Date"),
    "name": N_("Name"),
}

WhereOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--where",
        metavar="FIELD=VALUE",
        help="Keep rows whose FIELD matches (repeatable; all must match). Also FIELD~TEXT (contains, "
        "any case or width), FIELD!=V, FIELD>=V, FIELD<=V, FIELD>V, FIELD<V: dates and money compare "
        "as such, stages in their order; an empty V means an empty cell.",
    ),
]


def _field_values(reg, data, name: str, users: tuple[str, ...]) -> list[Any]:
    """The values a condition on `name` looks at in each row of the typed table `data`: a user
    column's text, a field's typed values, None where the register has no such column."""
    if name in users:
        return data.column(name).to_pylist()
    if name in reg.by_name:
        return _values(reg.column(name), data.column(name))
    return [None] * data.num_rows


def _values(column: Column, cells) -> list[Any]:
    """An Arrow column of a typed table as the values the core uses (cents → Decimal; a
    percentage as people write it: 12.5, 10), None for an empty cell."""
    from decimal import Decimal

    values = cells.to_pylist()
    if column.type == "money":
        return [None if v is None else Decimal(v).scaleb(-2) for v in values]
    if column.type == "pct":
        return [None if v is None else Decimal(v).scaleb(-2).normalize() for v in values]
    return values


@app.command("list")
def list_records(
    ctx: typer.Context,
    register: Annotated[str, typer.Argument(help=f"Register: {', '.join(REGISTERS)}.")],
    where: WhereOpt = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            metavar="N",
            min=0,
            help="Only the first N rows that match (0: every one). A table shows at most 200 unless told.",
        ),
    ] = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """List the rows of a register (canonical field names; user columns under their own headers)."""
    from salesops.core import search
    from salesops.schema import resolve_register

    reg = resolve_register(register)
    if reg is None:
        raise UsageError(_("unknown register {name}").format(name=repr(register)))
    ws = open_workspace(ctx)
    typed = ws.typed(reg.name)
    typed.require_columns()
    order, users = ws.settings.date_order, tuple(name for name, _ in typed.user)
    conditions = [search.parse(reg, w, order, users) for w in where or []]
    unread = [p for p in typed.problems if p.code != "bad-text"]  # bad-text cells are shown as they are
    if unread:
        warn(
            ngettext(
                "{n} cell of {file} could not be read and is shown empty; run 'salesops validate'",
                "{n} cells of {file} could not be read and are shown empty; run 'salesops validate'",
                len(unread),
            ).format(n=len(unread), file=typed.file)
        )
    if len(unread) < len(typed.problems):
        n = len(typed.problems) - len(unread)
        warn(
            ngettext(
                "{n} cell of {file} holds text a spreadsheet cell cannot (control characters, "
                "or past 32,767 characters); run 'salesops validate'",
                "{n} cells of {file} hold text a spreadsheet cell cannot (control characters, "
                "or past 32,767 characters); run 'salesops validate'",
                n,
            ).format(n=n, file=typed.file)
        )
    columns = [c.name for c in reg.columns]
    names = columns + list(users)
    data = typed.data
    if conditions:  # each condition over its own column, then the rows that meet them all
        import numpy as np
        import pyarrow as pa

        from salesops.arrownp import array

        keep = np.ones(data.num_rows, dtype=bool)
        for c in conditions:
            cells = _field_values(reg, data, c.field, users)
            keep &= np.fromiter(map(c.holds, cells), dtype=bool, count=data.num_rows)
        data = data.take(array(np.flatnonzero(keep), pa.int64()))
    cells = [_values(reg.column(n), data.column(n)) for n in columns] + [data.column(u).to_pylist() for u in users]
    rows = [list(row) for row in zip(*cells, strict=True)] if cells else []
    total = len(rows)
    if limit is None and fmt == "table":
        from salesops.reports.render.model import TABLE_ROWS

        limit = TABLE_ROWS
    rows = rows[:limit] if limit else rows
    header = names
    if fmt != "json":  # people read the register in the output's language; JSON stays canonical
        lang = current()
        header = [reg.column(n).header(lang) for n in columns] + list(users)
        for j, name in enumerate(columns if lang == "zh" else []):
            if reg.column(name).enum is not None:
                for row in rows:
                    row[j] = _shown(reg.column(name), row[j], lang)
    title = _("{register} ({n})").format(register=_register_name(reg, current()), n=total)
    more = total - len(rows) if fmt == "table" else 0
    emit_rows(fmt, output, header, rows, title=title if fmt == "table" else None, more=more)


def _register_name(register, lang: str) -> str:
    return register.zh if lang == "zh" else register.name


def _shown(column, value: Any, lang: str) -> Any:
    """An enum code as its label in `lang` (won → 赢单); other values as they are."""
    if column.enum is not None and isinstance(value, str) and lang == "zh":
        return column.enum.label(value, lang)
    return value


@app.command("show")
def show(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(metavar="ID", help="Any record ID (L-…, O-…, Q-…, C-…, R-…, …).")],
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Show a record, its whole Lead-to-Cash chain and its history."""
    from salesops.cli.common import check_choice, dumps, write_out
    from salesops.core.chain import NAME_FIELD, chain_of

    check_choice("--format", fmt, ("table", "json", "csv", "markdown"))
    ws = open_workspace(ctx)
    table, i = ws.locate(record_id)
    record = table.record(i)
    rid = table.id_of(i)
    chain = chain_of(ws.table, table.register.name, record)
    history = _history(ws, rid)
    contacts, follow_ups = _desk_of(ws, table.register.name, rid)
    data = {
        "register": table.register.name,
        "record": record,
        "user_columns": table.user_columns(i),
        "chain": chain,
        "contacts": contacts,
        "activities": follow_ups,
        "history": history,
        "decisions": _decisions(ws, table.register.name, rid, record, history),
    }
    if fmt == "json":
        write_out(dumps(data), output)
        return
    from salesops.schema import HISTORY_ZH, REGISTERS

    lang, reg = current(), table.register
    fields = [[reg.column(k).header(lang), _shown(reg.column(k), v, lang)] for k, v in record.items()]
    fields += [[k, v] for k, v in data["user_columns"].items()]
    chain_cols = ["register", "id", "status", "amount", "date", "name"]
    chain_rows = []
    for c in chain:
        link = REGISTERS.get(c.get("register") or "")
        status = link.column(link.status_field) if link is not None and link.status_field else None
        row = [c.get(k) for k in chain_cols]
        if link is not None:
            row[0] = _register_name(link, lang)
            row[2] = _shown(status, row[2], lang) if status is not None else row[2]
            named = link.by_name.get(NAME_FIELD.get(link.name, ""))
            row[5] = _shown(named, row[5], lang) if named is not None and named.enum is not None else row[5]
        chain_rows.append(row)
    hist_cols = ["at", "user", "field", "old_value", "new_value"]
    hist_rows = [[h.get(k) for k in hist_cols] for h in history]
    for row in hist_rows:
        if row[2] in reg.by_name:
            column = reg.column(row[2])
            row[2:] = [column.header(lang), _shown(column, row[3], lang), _shown(column, row[4], lang)]
    desk = [_desk_table(name, items, lang) for name, items in (("contacts", contacts), ("activities", follow_ups)) if items]
    decision_cols = list(DECISION_HEADERS)
    decision_rows = []
    for d in data["decisions"]:
        link = REGISTERS[d["register"]]
        row = [d[k] for k in decision_cols]
        row[0] = _(DECISION_NAMES[row[0]]) if row[0] in DECISION_NAMES else row[0]
        row[2] = _shown(link.column(link.status_field), row[2], lang)
        row[3] = row[3][:16].replace("T", " ")
        decision_rows.append(row)
    decision_headers = [_(DECISION_HEADERS[k]) for k in decision_cols]
    field_headers = [_("Field"), _("Value")]
    chain_headers = [_(CHAIN_HEADERS[k]) for k in chain_cols]
    hist_headers = [HISTORY_ZH[k] if lang == "zh" else k for k in hist_cols]
    title = f"{_register_name(reg, lang)} {rid}"
    # the sections shown in every format: a chain or decisions only when there are some
    # (an account with nothing sold yet has no chain to draw)
    sections = [
        (field_headers, fields, title),
        *([(chain_headers, chain_rows, _(CHAIN_TITLE))] if chain_rows else []),
        *([(decision_headers, decision_rows, _(DECISIONS_TITLE))] if decision_rows else []),
        *desk,
    ]
    if fmt in ("csv", "markdown"):
        from salesops.cli.common import csv_text, markdown_text

        render = (lambda c, r, t: markdown_text(c, r, t)) if fmt == "markdown" else (lambda c, r, t: csv_text(c, r))
        text = "\n".join(
            render(c, r, t) for c, r, t in (*sections, (hist_headers, hist_rows, _(HISTORY_TITLE)))
        )
        write_out(text, output)
        return
    from salesops.cli.common import output_console, rich_table

    with output_console(output) as con:
        for c, r, t in sections:
            con.print(rich_table(c, r, title=t))
        con.print(rich_table(hist_headers, hist_rows, title=_(HISTORY_TITLE)) if hist_rows else _(NO_HISTORY))


# What `show` lists of an account's contacts and of a record's follow-ups (newest first).
DESK_COLUMNS = {
    "contacts": ("contact_id", "name", "title", "role", "phone", "email", "wechat"),
    "activities": ("activity_id", "on", "record_id", "type", "by", "summary", "next_step", "next_on"),
}


def _desk_of(ws, register: str, record_id: str | None) -> tuple[list[dict], list[dict]]:
    """An account's contacts, and the follow-ups on a record (on an account: on any of its records)."""
    from salesops.core.directory import contacts_of
    from salesops.core.links import safe_get

    if not record_id or register not in ("leads", "opportunities", "accounts", "contracts", "receivables"):
        return [], []
    contacts = contacts_of(ws.table, record_id) if register == "accounts" else []
    acts = ws.table("activities")
    rows = set(acts.where("record_id", record_id))
    if register == "accounts":
        rows |= set(acts.where("account_id", record_id))
    columns = acts.register.columns
    follow_ups = [{c.name: safe_get(acts, j, c.name) for c in columns} for j in sorted(rows)]
    follow_ups.sort(key=lambda a: (a["on"] is not None, a["on"]), reverse=True)
    return contacts, follow_ups


def _desk_table(name: str, items: list[dict], lang: str) -> tuple[list[str], list[list], str]:
    """(headers, rows, title) of the contacts or follow-ups `show` prints."""
    from salesops.schema import REGISTERS

    reg = REGISTERS[name]
    keys = DESK_COLUMNS[name]
    headers = [reg.column(k).header(lang) for k in keys]
    rows = [[_shown(reg.column(k), it.get(k), lang) for k in keys] for it in items]
    return headers, rows, _register_name(reg, lang)


def _decisions(ws, register: str, record_id: str | None, record: dict, history: list[dict]) -> list[dict]:
    """Who decided what (ATI, ATB, ATC of the opportunity; a quote's approval; a contract's review)."""
    from salesops.core.deciders import decisions

    out = []
    oid = record.get("opportunity_id")
    if register != "opportunities" and oid:
        out += decisions("opportunities", oid, _history(ws, oid))
    return out + decisions(register, record_id or "", history)


def _history(ws, record_id: str | None) -> list[dict[str, str]]:
    """History rows of one record, oldest first."""
    from salesops.storage.history import read_history

    return [] if record_id is None else read_history(ws.root, record_id=record_id)
