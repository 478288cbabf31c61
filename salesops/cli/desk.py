"""Commands of the daily desk: `set`, `rep add`, `account add`, `contact add`, `lead claim`, `account claim`.

Every one is a writing command like the flow's: it holds the workspace lock,
asks the core (`core.edits`, `core.directory`, `core.pool`), and ends in
`flowkit.finish`, which checks the changed records with validate's rules and
commits them with their history rows — or refuses, writing nothing.

The options of `rep add`, `account add` and `contact add` are made from the
schema's columns: a column added to reps, accounts or contacts is an option
of its `add` command without a line here.
"""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import typer

from salesops.cli.app import account_app, app, contact_app, lead_app, rep_app
from salesops.cli.common import ByOpt, WaitOpt
from salesops.cli.flowkit import FmtOpt, OnOpt, event_date, finish, open_for_write
from salesops.i18n import N_, _, ngettext
from salesops.schema import REGISTERS, Column

# ---------------------------------------------------------------- set


@app.command("set")
def set_fields(
    ctx: typer.Context,
    record_id: Annotated[
        str,
        typer.Argument(metavar="ID", help="Any record (L-, O-, Q-, C-, D-, R-, A-, S-, K-, F-…)."),
    ],
    pairs: Annotated[
        list[str],
        typer.Argument(
            metavar="FIELD=VALUE...",
            help="Fields to change, by English or Chinese name (or a user column's header); an empty VALUE clears the field.",
        ),
    ],
    reason: Annotated[
        str | None,
        typer.Option("--reason", metavar="TEXT", help="Why (kept in history.csv with the change)."),
    ] = None,
    by: ByOpt = None,
    wait: WaitOpt = 10.0,
    fmt: FmtOpt = "table",
) -> None:
    """Edit fields of any record: values read as an import reads them, the record checked like every change, history written with the reason.

    Refused, naming the command to use: the ID, a stage or status (salesops
    advance), and fields a passed gate fixed — a signed contract's amount and
    terms, an approved quote's prices (a new quote version or a contract
    amendment is the way), payments' totals.

    \b
      salesops set D-000012 csat=5
      salesops set O-000031 expected_close=2027-01-15 competitor=华为 --reason "客户预算推迟"
      salesops set L-000140 电话=13800138000 区域=杭州
    """
    from salesops.core import edits

    ws = open_for_write(ctx, fmt)
    with ws.writing(wait):
        table, i = ws.locate(record_id)
        users = list(table.user_columns(i))
        asked = edits.parse_pairs(table.register, pairs, ws.settings.date_order, users)
        edited = edits.edit(ws.table, table, i, asked)
        _set_user_cells(table, i, asked.user, edited)
        lines = [_changed_line(table, edited)]
        if reason and edited.changes:
            lines.append(_("reason: {reason}").format(reason=reason))
        finish(ws, edited, by, fmt, lines)


def _set_user_cells(table, i: int, cells: dict[str, str | None], edited) -> None:
    """Write user-column cells, each change a history row like a field's."""
    from salesops.core.model import Change

    current_cells = table.user_columns(i)
    for head, text in cells.items():
        old = current_cells.get(head)
        if (old or None) == text:
            continue
        table.set_user(i, head, text)
        change = Change(table.register.name, edited.record_id, head, old or "", text or "")
        table.changes.append(change)
        edited.changes.append(change)


def _changed_line(table, edited) -> str:
    """`O-000031: expected_close 2026-12-20 → 2027-01-15; competitor (empty) → 华为`."""
    reg = table.register
    parts = []
    for c in edited.changes:
        name = reg.column(c.field).header(table.header_lang) if c.field in reg.by_name else c.field
        empty = _("(empty)")
        parts.append(f"{name} {c.old or empty} → {c.new or empty}")
    return f"{edited.record_id}: {'; '.join(parts)}"


# ---------------------------------------------------------------- rep add, account add, contact add

# Columns the add commands leave out: stamped by the command (created_on) or kept by payments.
NOT_OPTIONS = frozenset({"created_on", "unapplied_amount"})
METAVARS = {
    "money": "AMOUNT",
    "date": "DATE",
    "int": "N",
    "pct": "PCT",
    "ref": "ID",
    "bool": "yes|no",
}
NAMED_METAVARS = {"name": "NAME", "phone": "PHONE", "email": "EMAIL", "region": "REGION"}
KIND_HELP = {
    "money": N_("an amount: 1234.50, ¥1,234.50 or 12.5万"),
    "date": N_("a date: 2026-11-05, 2026/11/5 or 2026年11月5日"),
    "int": N_("a whole number"),
    "pct": N_("a percentage, 0 to 100"),
    "bool": N_("yes or no"),
}
ADD_HELP = {
    "reps": N_(
        "Add a rep (or a manager, director, finance or legal person); active and role rep unless told."
    ),
    "accounts": N_(
        "Add a customer account (without an owner it is in the public pool); a company already there is refused with who holds it."
    ),
    "contacts": N_(
        "Add a person of a customer account, with their decision role; the account by ID or name."
    ),
}
ADDED = N_("{id} added: {name}")


def option_name(column: Column) -> str:
    """`--credit-limit` for credit_limit; a reference by its register (`--account` for account_id)."""
    name = column.name.removesuffix("_id") if column.type == "ref" else column.name
    return "--" + name.replace("_", "-")


def option_help(column: Column) -> str:
    """An option's help: the column's name in words and what it takes."""
    words = column.name.replace("_id", "").replace("_", " ")
    words = words[0].upper() + words[1:]
    if column.enum is not None and column.type == "enum":
        return f"{words}: {', '.join(column.enum.codes)} (or 中文)."
    if column.type == "ref":
        return f"{words}: its ID or name."
    kind = KIND_HELP.get(column.type)
    return f"{words} ({kind})." if kind else f"{words}."


def _add_command(group: typer.Typer, register: str) -> None:
    """Attach `add` to `group`: one option per column of `register` (from the schema)."""
    reg = REGISTERS[register]
    columns = [c for c in reg.columns if c.name != reg.id_column and c.name not in NOT_OPTIONS]
    params = [
        inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)
    ]
    for c in columns:
        meta = METAVARS.get(c.type) or NAMED_METAVARS.get(c.name) or ("REP" if c.person else "TEXT")
        if c.type == "enum" and c.enum is not None:
            meta = c.name.upper()
        option = typer.Option(option_name(c), metavar=meta, help=option_help(c))
        params.append(
            inspect.Parameter(
                c.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[str if c.required else str | None, option],
                default=inspect.Parameter.empty if c.required else None,
            )
        )
    extra: list[tuple[str, Any, Any]] = []
    if "created_on" in reg.by_name:
        extra.append(("on", OnOpt, None))
    if register != "reps":
        dup = typer.Option("--allow-duplicate", help="Add it even if one like it is there.")
        extra.append(("allow_duplicate", Annotated[bool, dup], False))
    extra += [("by", ByOpt, None), ("wait", WaitOpt, 10.0), ("fmt", FmtOpt, "table")]
    for name, annotation, default in extra:
        params.append(
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
            )
        )

    def add(ctx: typer.Context, **options: Any) -> None:
        from salesops.core import directory, edits

        fmt = options.pop("fmt")
        ws = open_for_write(ctx, fmt)
        when = event_date(ws, options.pop("on", None))
        by, wait = options.pop("by"), options.pop("wait")
        allow = options.pop("allow_duplicate", False)
        texts = {name: text for name, text in options.items() if text is not None}
        with ws.writing(wait):
            pairs = edits.read_texts(reg, texts, ws.settings.date_order)
            made = directory.add(ws.table, register, pairs, today=when, allow_duplicate=allow)
            finish(ws, made, by, fmt, [_added_line(ws, made)])

    add.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    add.__annotations__ = {p.name: p.annotation for p in params}
    add.__doc__ = ADD_HELP[register]
    add.__name__ = f"{reg.singular}_add"
    group.command("add")(add)


def _added_line(ws, made) -> str:
    rec = made.record
    name = rec.get("name") or made.record_id
    if made.register == "contacts":
        accounts = ws.table("accounts")
        j = accounts.find(rec["account_id"]) if rec.get("account_id") else None  # empty: refused by the checks
        account = accounts.get(j, "name") if j is not None else None
        name = f"{name} ({rec['account_id']} {account or ''})".replace(" )", ")")
    return _(ADDED).format(id=made.record_id, name=name)


for _group, _register in ((rep_app, "reps"), (account_app, "accounts"), (contact_app, "contacts")):
    _add_command(_group, _register)


# ---------------------------------------------------------------- claims from the public pool

ClaimIds = Annotated[
    list[str],
    typer.Argument(metavar="ID...", help="Records in the public pool (without an owner)."),
]
ClaimBy = Annotated[
    str,
    typer.Option(
        "--by",
        metavar="REP",
        help="The rep who takes them (rep_id or name); also recorded in history.",
    ),
]


def _claim(
    ctx: typer.Context, register: str, ids: list[str], rep: str, wait: float, fmt: str
) -> None:
    from salesops.core import pool
    from salesops.storage.history import read_history
    from salesops.storage.workspace import today

    ws = open_for_write(ctx, fmt)
    with ws.writing(wait):
        events = pool.OwnerEvents.from_history(
            read_history(ws.root, field="owner")
        )
        claimed = pool.claim(
            ws.table, ws.settings, register, ids, rep=rep, today=today(), events=events
        )
        n = len(claimed.record_ids)
        what = (
            ngettext("lead", "leads", n)
            if register == "leads"
            else ngettext("account", "accounts", n)
        )
        line = _("{rep} claimed {n} {what} from the public pool: {ids}").format(
            rep=claimed.rep, n=n, what=what, ids=", ".join(claimed.record_ids)
        )
        finish(ws, claimed, rep, fmt, [line])


@lead_app.command("claim")
def lead_claim(
    ctx: typer.Context, ids: ClaimIds, by: ClaimBy, wait: WaitOpt = 10.0, fmt: FmtOpt = "table"
) -> None:
    """Take open leads from the public pool (公海); refused past pool.max_held open leads, or within pool.claim_cooldown_days of the pool taking one from this rep."""
    _claim(ctx, "leads", ids, by, wait, fmt)


@account_app.command("claim")
def account_claim(
    ctx: typer.Context, ids: ClaimIds, by: ClaimBy, wait: WaitOpt = 10.0, fmt: FmtOpt = "table"
) -> None:
    """Take accounts from the public pool (公海); refused within pool.claim_cooldown_days of the pool taking one from this rep."""
    _claim(ctx, "accounts", ids, by, wait, fmt)
