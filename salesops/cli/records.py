"""Commands: `list` (rows of a register, filtered) and `show` (a record, its LTC chain, its history)."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer

from salesops.cli.app import app
from salesops.cli.common import FormatOpt, OutputOpt, emit_rows, open_workspace, warn
from salesops.errors import UsageError

WhereOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--where",
        metavar="FIELD=VALUE",
        help="Keep rows whose FIELD matches (repeatable; all must match). Also FIELD!=V, FIELD>=V, FIELD<=V, FIELD>V, FIELD<V.",
    ),
]

_WHERE = re.compile(r"^\s*([^=!<>]+?)\s*(!=|>=|<=|=|>|<)\s*(.*)$")


def parse_where(register, text: str):
    """(field, operator, typed value) of one --where expression."""
    from salesops import codec, values

    m = _WHERE.match(text)
    if not m:
        raise UsageError(f"--where {text!r} is not FIELD=VALUE")
    name, op, raw = m.groups()
    field = register.header_aliases.get(values.normalize_header(name))
    if field is None:
        raise UsageError(f"--where: {register.name} has no column {name!r} (columns: {', '.join(register.by_name)})")
    column = register.column(field)
    if raw.strip() == "":
        return field, op, None
    try:
        value = codec.read_cell(column, raw, "MDY")
    except values.BadValue as exc:
        raise UsageError(f"--where {field}: \"{raw}\" {exc}") from None
    return field, op, value


def _frame_value(column, v: Any) -> Any:
    """A frame cell back to the typed value the core uses (cents → Decimal, Timestamp → date)."""
    import pandas as pd

    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if column.type == "money":
        from decimal import Decimal

        return Decimal(int(v)).scaleb(-2)
    if column.type == "pct":
        from decimal import Decimal

        return Decimal(str(round(float(v), 2))).normalize()
    if column.type == "date":
        return v.date()
    if column.type in ("int",):
        return int(v)
    if column.type == "bool":
        return bool(v)
    return v


@app.command("list")
def list_records(
    ctx: typer.Context,
    register: Annotated[str, typer.Argument(help="Register: accounts, reps, leads, opportunities, quotes, contracts, deliveries, receivables, payments.")],
    where: WhereOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """List the rows of a register (canonical field names; user columns under their own headers)."""
    from salesops.schema import resolve_register
    from salesops.storage.frames import read_frame

    reg = resolve_register(register)
    if reg is None:
        raise UsageError(f"unknown register {register!r}")
    filters = [parse_where(reg, w) for w in where or []]
    ws = open_workspace(ctx)
    frame = read_frame(ws, reg.name, user_columns=True, strict=True)
    unread = [p for p in frame.problems if p.code != "bad-text"]  # bad-text cells are shown as they are
    if unread:
        warn(f"{len(unread)} cell(s) of {frame.file} could not be read and are shown empty; run 'salesops validate'")
    if len(unread) < len(frame.problems):
        warn(
            f"{len(frame.problems) - len(unread)} cell(s) of {frame.file} hold text a spreadsheet cell cannot "
            "(control characters, or past 32,767 characters); run 'salesops validate'"
        )
    df = frame.df
    columns = [c.name for c in reg.columns]
    rows: list[list[Any]] = []
    for rec in df.to_dict("records"):
        typed = [_frame_value(reg.column(n), rec[n]) for n in columns]
        record = dict(zip(columns, typed, strict=True))
        if all(_matches(record.get(f), op, v) for f, op, v in filters):
            rows.append(typed + [rec[u] for u in frame.user_columns])
    header = columns + frame.user_columns
    emit_rows(fmt, output, header, rows, title=f"{reg.name} ({len(rows)})" if fmt == "table" else None)


def _matches(have: Any, op: str, want: Any) -> bool:
    if want is None:
        return (have is None) == (op == "=")
    if isinstance(have, str) and isinstance(want, str):
        have, want = have.casefold(), want.casefold()
    if op == "=":
        return have == want
    if op == "!=":
        return have != want
    if have is None:
        return False
    try:
        return {">": have > want, "<": have < want, ">=": have >= want, "<=": have <= want}[op]
    except TypeError:
        return False


@app.command("show")
def show(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(metavar="ID", help="Any record ID (L-…, O-…, Q-…, C-…, R-…, …).")],
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Show a record, its whole Lead-to-Cash chain and its history."""
    from salesops.cli.common import check_choice, dumps, write_out
    from salesops.core.chain import chain_of

    check_choice("--format", fmt, ("table", "json", "csv", "markdown"))
    ws = open_workspace(ctx)
    table, i = ws.locate(record_id)
    record = table.record(i)
    rid = table.id_of(i)
    chain = chain_of(ws.table, table.register.name, record)
    history = _history(ws, rid)
    data = {
        "register": table.register.name,
        "record": record,
        "user_columns": table.user_columns(i),
        "chain": chain,
        "history": history,
    }
    if fmt == "json":
        write_out(dumps(data), output)
        return
    fields = [[k, v] for k, v in record.items()] + [[k, v] for k, v in data["user_columns"].items()]
    chain_cols = ["register", "id", "status", "amount", "date", "name"]
    chain_rows = [[c.get(k) for k in chain_cols] for c in chain]
    hist_cols = ["at", "user", "field", "old_value", "new_value"]
    hist_rows = [[h.get(k) for k in hist_cols] for h in history]
    if fmt in ("csv", "markdown"):
        from salesops.cli.common import csv_text, markdown_text

        render = (lambda c, r, t: markdown_text(c, r, t)) if fmt == "markdown" else (lambda c, r, t: csv_text(c, r))
        text = "\n".join(
            render(c, r, t)
            for c, r, t in (
                (["field", "value"], fields, f"{table.register.name} {rid}"),
                (chain_cols, chain_rows, "chain"),
                (hist_cols, hist_rows, "history"),
            )
        )
        write_out(text, output)
        return
    from salesops.cli.common import output_console, rich_table

    with output_console(output) as con:
        con.print(rich_table(["field", "value"], fields, title=f"{table.register.name} {rid}"))
        con.print(rich_table(chain_cols, chain_rows, title="Lead-to-Cash chain"))
        con.print(rich_table(hist_cols, hist_rows, title="history") if hist_rows else "no history")


def _history(ws, record_id: str | None) -> list[dict[str, str]]:
    """History rows of one record, oldest first."""
    from salesops.schema import HISTORY_COLUMNS, HISTORY_FILE
    from salesops.storage.csv_io import read_csv

    path = ws.root / HISTORY_FILE
    if record_id is None or not path.exists():
        return []
    rows = read_csv(path)
    if not rows:
        return []
    header = [h.strip() for h in rows[0]]
    idx = {h: header.index(h) for h in HISTORY_COLUMNS if h in header}
    if "record_id" not in idx:
        return []
    out = []
    for row in rows[1:]:
        if len(row) > idx["record_id"] and row[idx["record_id"]] == record_id:
            out.append({h: row[j] if j < len(row) else "" for h, j in idx.items()})
    return out
