"""Command: `import REGISTER FILE` — check every row first, then add/update all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from salesops.cli.app import app
from salesops.cli.common import (
    RECORD_FORMATS,
    ByOpt,
    FormatOpt,
    OutputOpt,
    WaitOpt,
    check_choice,
    dumps,
    emit_rows,
    open_workspace,
    say,
    write_out,
)
from salesops.errors import Refused, SalesopsError, UsageError
from salesops.i18n import N_, _, current, ngettext, pgettext

ACTIONS = {"add": N_("add"), "update": N_("update"), "skip": N_("skip")}
CREATE = N_("create {register}")

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
PROGRESS_MIN_ROWS = 2000
SHOWN_ACTIONS = 50


@app.command("import")
def import_file(
    ctx: typer.Context,
    register: Annotated[
        str,
        typer.Argument(
            metavar="REGISTER",
            help="Register to import into: leads, accounts, reps, opportunities, quotes, contracts, deliveries, receivables, payments.",
        ),
    ],
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="CSV (any encoding) or xlsx file; row 1 is the header."
        ),
    ],
    maps: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            metavar="SRC=FIELD",
            help="Read FILE's column SRC into FIELD (repeatable; a column may feed several fields). Headers already named like a field (English or Chinese) need no --map.",
        ),
    ] = None,
    value_maps: Annotated[
        list[str] | None,
        typer.Option(
            "--map-value",
            metavar="FIELD:FROM=TO",
            help="Rewrite the value FROM of FIELD to TO before parsing, e.g. status:Yes=paid (case-insensitive; an empty FROM rewrites empty cells).",
        ),
    ] = None,
    constants: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="FIELD=VALUE",
            help="Use VALUE for FIELD on every row where FILE gives none, e.g. --set status=paid.",
        ),
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option(
            "--sheet", metavar="NAME", help="xlsx: the sheet to read (default the first)."
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            metavar="ENC",
            help="CSV: the file's encoding (default UTF-8, else GB18030), e.g. big5, latin-1.",
        ),
    ] = None,
    date_order: Annotated[
        str | None,
        typer.Option(
            "--date-order",
            metavar="MDY|DMY",
            help="How to read slash dates with the year last (default: the workspace setting).",
        ),
    ] = None,
    create_missing: Annotated[
        bool,
        typer.Option(
            "--create-missing",
            help="Create referenced accounts (named by account name) and owners (reps) that do not exist yet.",
        ),
    ] = False,
    on_duplicate: Annotated[
        str,
        typer.Option(
            "--on-duplicate",
            metavar="error|skip|update",
            help="A row matching an existing record (by ID; leads by phone, email or company of an open lead) or an earlier row: refuse the import, skip the row, or update the record with the row's non-empty fields.",
        ),
    ] = "error",
    default_date: Annotated[
        str | None,
        typer.Option(
            "--default-date",
            metavar="today|DATE",
            help="The date for new records whose required dates (created_on, quote_date…) are empty; without it an empty required date is an error.",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Check and show what would be added, updated and skipped; write nothing.",
        ),
    ] = False,
    wait: WaitOpt = 10.0,
    by: ByOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Import rows from a CSV or xlsx file into a register.

    Every row is parsed and checked (types, required values, enums, references,
    duplicates) before anything is written; any error imports nothing and lists
    every bad row (file, row, column, value, what was expected). Rows without
    an ID get the next ones. References may give an ID or a name: an account
    by its name, a receivable by its invoice number (so payments can be
    imported against invoice numbers). New records without a status start at
    the register's first stage; an empty required date (created_on…) is an
    error unless `--default-date today|DATE` gives one.

    Example — an accounts-receivable export into receivables, then its
    settlements into payments (receivables found by invoice number):

    \b
      salesops import receivables ar.csv --create-missing --set status=paid \\
        --map invoiceNumber=invoice_no --map customerID=account_id \\
        --map InvoiceDate=invoiced_on --map DueDate=due_date \\
        --map InvoiceAmount=amount --map InvoiceAmount=collected_amount \\
        --map SettledDate=last_payment_on
      salesops import payments ar.csv --set method=bank_transfer \\
        --map invoiceNumber=receivable_id --map customerID=account_id \\
        --map SettledDate=received_on --map InvoiceAmount=amount
    """
    from salesops.core.importer import ImportOptions, summary
    from salesops.schema import resolve_register
    from salesops.storage.workspace import today
    from salesops.typed import gc_paused, text_faults

    check_choice("--format", fmt, RECORD_FORMATS)
    check_choice("--on-duplicate", on_duplicate, ("error", "skip", "update"))
    if date_order is not None:
        date_order = check_choice("--date-order", date_order.upper(), ("MDY", "DMY"))
    reg = resolve_register(register)
    if reg is None:
        raise UsageError(_("unknown register {name}").format(name=repr(register)))
    ws = open_workspace(ctx)
    options = ImportOptions(
        file=file.name,
        maps=[_pair(m, "=", "--map", "SRC=FIELD") for m in maps or []],
        value_maps=[_value_map(m) for m in value_maps or []],
        constants=[_pair(m, "=", "--set", "FIELD=VALUE", last=False) for m in constants or []],
        date_order=date_order or ws.settings.date_order,
        create_missing=create_missing,
        on_duplicate=on_duplicate,
        today=today(),
        default_date=_default_date(default_date, ws),
        text_faults=text_faults,
    )
    with gc_paused():  # millions of cells and no reference cycles: the collector's passes are pure cost
        plan = _run(ws, reg, file, sheet, encoding, options, dry_run, wait, by, fmt, output)
    if dry_run:
        _show_plan(plan, fmt, output)
        return
    data = summary(plan)
    if fmt == "json":
        write_out(
            dumps({**data, "dry_run": False, "warnings": [p.line() for p in plan.warnings]}), output
        )
        return
    _print_warnings(plan)
    lines = [_done_line(data, dry_run=False)]
    lines += [_("created {n} {register}").format(n=n, register=_register(name)) for name, n in data["created"].items() if n]
    write_out("\n".join(lines), output) if output else [say(line) for line in lines]


def _run(ws, reg, file: Path, sheet, encoding, options, dry_run: bool, wait: float, by, fmt: str, output):
    """Read `file`, plan its import and (unless `dry_run`) apply it in one commit; the plan."""
    from salesops.core.importer import plan_import

    header, rows = _read_file(file, sheet, encoding, reg, options.maps)
    if dry_run:
        with _progress(len(rows)) as progress:
            progress.phase(_("checking {n} rows").format(n=f"{len(rows):,}"))
            plan = plan_import(header, rows, *_context(ws, reg), options)
        _refuse_on_errors(plan, fmt, output)
        return plan
    with ws.writing(wait):
        with _progress(len(rows)) as progress:
            progress.phase(_("checking {n} rows").format(n=f"{len(rows):,}"))
            plan = plan_import(header, rows, *_context(ws, reg), options)
            if plan.errors:
                progress.stop()
                _refuse_on_errors(plan, fmt, output)
            progress.phase(
                _("adding {n} records").format(n=f"{len(plan.adds) + len(plan.updates):,}"),
                len(plan.adds) + len(plan.updates),
            )
            _apply(ws, plan, progress, file.name)
            progress.phase(_("writing the registers"))
            ws.commit(user=by)
    return plan


# ---------------------------------------------------------------- options


def _pair(text: str, sep: str, option: str, shape: str, last: bool = True) -> tuple[str, str]:
    left, found, right = text.rpartition(sep) if last else text.partition(sep)
    if not found or not left.strip() or (option != "--set" and not right.strip()):
        shape = pgettext("metavar", shape)  # SRC=FIELD as --help shows it
        raise UsageError(_("{option} {text} is not {shape}").format(option=option, text=repr(text), shape=shape))
    return left.strip(), right.strip()


def _default_date(text: str | None, ws):
    """--default-date: `today` (or $SALESOPS_TODAY) or a date as a register cell reads it."""
    from salesops import values
    from salesops.storage.workspace import today

    if text is None:
        return None
    if text.strip().casefold() in ("today", "今天"):
        return today()
    try:
        day = values.parse_date(text, ws.settings.date_order)
    except values.BadValue as exc:
        raise UsageError(f'--default-date "{text}" {exc}') from None
    if day is None:
        raise UsageError(_("--default-date needs a date or today"))
    return day


def _value_map(text: str) -> tuple[str, str, str]:
    name, found, rest = text.partition(":")
    src, eq, dst = rest.partition("=")
    if not found or not eq or not name.strip():
        raise UsageError(
            _("{option} {text} is not {shape}").format(
                option="--map-value", text=repr(text), shape=pgettext("metavar", "FIELD:FROM=TO")
            )
        )
    return name.strip(), src.strip(), dst.strip()


# ---------------------------------------------------------------- reading


def _read_file(path: Path, sheet: str | None, encoding: str | None, reg, maps=()) -> tuple[list, list[list]]:
    """(header, rows) of the file to import into `reg`: its percent-formatted pct cells as 0–100,
    whether the column is named like the field or `--map`ped to it."""
    from salesops.storage.workspace import read_rows

    if not path.exists():
        raise SalesopsError(_("{path} does not exist").format(path=path))
    if path.is_dir():
        raise SalesopsError(_("{path} is a folder, not a file").format(path=path))
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        if sheet:
            raise UsageError(_("--sheet is for xlsx files; this is a CSV file"))
        fmt = "csv"
    elif suffix in XLSX_SUFFIXES:
        if encoding:
            raise UsageError(_("--encoding is for CSV files; xlsx files carry their own"))
        fmt = "xlsx"
    else:
        raise UsageError(
            _("{file}: cannot import {kind}; give a .csv or .xlsx file").format(
                file=path.name, kind=suffix or _("a file without extension")
            )
        )
    if encoding:
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:
            raise UsageError(
                _("--encoding {encoding} is not an encoding Python knows (try utf-8, gb18030, big5, latin-1)").format(
                    encoding=repr(encoding)
                )
            ) from None
    from salesops.storage.csv_io import IMPORT_HINT

    header, rows = read_rows(path, fmt, sheet=sheet, encoding=encoding, hint=IMPORT_HINT)
    if not header:
        raise SalesopsError(_("{file} is empty: row 1 must be the header").format(file=path.name))
    if fmt == "xlsx":
        from salesops.storage.read import scale_percent_rows

        pct = _pct_columns(reg, header, maps)
        if pct:
            grid = [header, *rows]
            scale_percent_rows(path, grid, pct, sheet)
            rows = grid[1:]
    return header, rows


def _pct_columns(reg, header: list, maps) -> list[int]:
    """0-based columns of `header` that feed a pct field of `reg`: named like it, or by `--map`."""
    from salesops import values

    keys = [values.normalize_header(values.parse_text(h) or "") for h in header]
    fields: dict[int, set[str]] = {}
    mapped = set()
    for src, text in maps:
        key = values.normalize_header(src)
        mapped.add(key)
        name = reg.header_aliases.get(values.normalize_header(text))
        for j, k in enumerate(keys):
            if k == key and name:
                fields.setdefault(j, set()).add(name)
    for j, k in enumerate(keys):
        if k and k not in mapped and k in reg.header_aliases:
            fields.setdefault(j, set()).add(reg.header_aliases[k])
    return sorted(j for j, names in fields.items() if any(reg.column(n).type == "pct" for n in names))


def _column(table, name: str):
    """Field `name` of every row of `table`, as text (None when empty or absent)."""
    import pandas as pd

    if name not in table.colmap:
        return pd.Series([None] * len(table), dtype=object)
    return pd.Series(table.column(name), dtype=object)


def _context(ws, reg):
    """(Target, {register: RefIndex}) for planning an import into `reg`."""
    from salesops.core.importer import NAME_FIELDS, RefIndex, Target, lead_keys
    from salesops.schema import REGISTERS

    table = ws.table(reg.name)
    known = set(table.colmap.values())
    user_headers = [
        str(h) for j, h in enumerate(table.header) if j not in known and h not in (None, "")
    ]
    target = Target(reg, set(table.ids), {}, user_headers, table.file)
    if reg.name == "leads" and len(table):
        status = _column(table, "status")
        codes = status.map(
            lambda v: reg.column("status").enum.parse(v) if isinstance(v, str) else None
        )
        open_rows = ~codes.isin(list(reg.machine.terminal))
        ids = _column(table, reg.id_column)
        phone, email, company = (_column(table, f) for f in ("phone", "email", "company"))
        owner = _column(table, "owner")
        for rid, p, e, c, o in zip(
            ids[open_rows], phone[open_rows], email[open_rows], company[open_rows], owner[open_rows], strict=True
        ):
            if rid:
                target.owners.setdefault(rid, o)
                for key in lead_keys(p, e, c):
                    target.open_keys.setdefault(key, rid)
    if reg.name == "leads":
        from salesops.values import normalize_companies

        accounts = ws.table("accounts")
        account_ids, owners, names = _column(accounts, "account_id"), _column(accounts, "owner"), _column(accounts, "name")
        for aid, key, o in zip(account_ids, normalize_companies(names), owners, strict=True):
            if aid and key:
                target.companies.setdefault(key, []).append((aid, o))
    wanted = {name for c in reg.columns for name in c.targets}
    if "owner" in reg.by_name:
        wanted.add("reps")
    refs = {}
    for name in wanted:  # only the IDs and names of the registers referred to are typed
        id_field, name_field = REGISTERS[name].id_column, NAME_FIELDS.get(name)
        ref = ws.typed(name, [id_field, *([name_field] if name_field else [])])
        ref.require_columns()
        ids = ref.data.column(id_field).to_pylist()  # (every schema column is there: null when absent)
        names = ref.data.column(name_field).to_pylist() if name_field else None
        refs[name] = RefIndex.build(REGISTERS[name], ids, names, ref.file)
    return target, refs


# ---------------------------------------------------------------- reporting


def _print_warnings(plan) -> None:
    for p in plan.warnings:
        print(p.line(), file=sys.stderr)


def _refuse_on_errors(plan, fmt: str, output: Path | None) -> None:
    """Print the warnings; when there is any error, refuse (exit 1) listing every one."""
    from salesops.core.importer import summary

    errors = plan.errors
    if not errors:
        return
    if fmt == "json":
        data = {**summary(plan), "ok": False, "problems": [p.to_json() for p in plan.problems]}
        write_out(dumps(data), output)
    _print_warnings(plan)
    bad_rows = len({p.row for p in errors if p.row and p.row > 1})
    n, file = len(errors), errors[0].file
    if bad_rows:
        tail = ngettext(
            "nothing imported: {n} error in {rows} of {file}",
            "nothing imported: {n} errors in {rows} of {file}",
            n,
        ).format(n=n, file=file, rows=ngettext("{n} row", "{n} rows", bad_rows).format(n=bad_rows))
    else:
        tail = ngettext(
            "nothing imported: {n} error in {file}", "nothing imported: {n} errors in {file}", n
        ).format(n=n, file=file)
    raise Refused(*(p.line().removeprefix("error: ") for p in errors), tail, problems=errors)


def _register(name: str) -> str:
    """A register's name as people read it in the current language."""
    from salesops.i18n import current
    from salesops.schema import REGISTERS

    reg = REGISTERS.get(name)
    return reg.zh if reg is not None and current() == "zh" else name


def _action_label(action: str) -> str:
    """A dry run's action as people read it: `add`, or `create account` (新建客户)."""
    verb, _space, what = action.partition(" ")
    if not what:
        return _(ACTIONS[verb])
    name = _register(what + "s")
    return _(CREATE).format(register=what if name == what + "s" else name)


def _done_line(data: dict[str, Any], dry_run: bool) -> str:
    template = (
        _("dry run: would import {n} {register} ({added} added, {updated} updated, {skipped} skipped)")
        if dry_run
        else _("imported {n} {register} ({added} added, {updated} updated, {skipped} skipped)")
    )
    return template.format(
        n=data["added"] + data["updated"],
        register=_register(data["register"]),
        added=data["added"],
        updated=data["updated"],
        skipped=data["skipped"],
    )


def _show_plan(plan, fmt: str, output: Path | None) -> None:
    """Dry run: what would be added, updated and skipped."""
    from salesops.core.importer import summary

    data = summary(plan)
    reg, lang = plan.register.name, "en" if fmt == "json" else current()  # JSON stays canonical
    actions = [["add", p.row, p.record_id, _brief(p.record, reg, lang)] for p in plan.adds]
    actions += [
        ["update", p.row, p.record_id, f"{p.reason}: {_brief(p.record, reg, lang)}"] for p in plan.updates
    ]
    actions += [["skip", p.row, p.record_id, p.reason] for p in plan.skips]
    actions += [
        [f"create {name[:-1]}", None, r[next(iter(r))], _brief(r, name, lang)]
        for name, rs in plan.created.items()
        for r in rs
    ]
    actions.sort(key=lambda a: (a[1] is None, a[1] or 0))
    if fmt == "json":
        keys = ["action", "row", "record_id", "detail"]
        write_out(
            dumps(
                {
                    **data,
                    "dry_run": True,
                    "actions": [dict(zip(keys, a, strict=True)) for a in actions],
                    "warnings": [p.line() for p in plan.warnings],
                }
            ),
            output,
        )
        return
    _print_warnings(plan)
    shown = actions if fmt != "table" else actions[:SHOWN_ACTIONS]
    if fmt != "json":
        shown = [[_action_label(row[0]), *row[1:]] for row in shown]
    emit_rows(
        fmt,
        output,
        [_("Action"), _("Row"), _("Record ID"), _("Detail")],
        shown,
        title=_("import {register} (dry run)").format(register=_register(plan.register.name)),
        more=len(actions) - len(shown),
    )
    if fmt == "table":
        lines = [_done_line(data, dry_run=True)]
        lines += [
            _("would create {n} {register}").format(n=n, register=_register(name))
            for name, n in data["created"].items()
            if n
        ]
        lines.append(_("nothing written"))
        for line in lines:
            say(line)


def _brief(record: dict[str, Any], register: str, lang: str) -> str:
    """A record in one line, `company=Acme, source=website`; in Chinese its headers and labels (公司名称=…, 来源=官网)."""
    from salesops.cli.common import cell_text
    from salesops.schema import REGISTERS

    columns = REGISTERS[register].by_name if lang != "en" else {}
    parts = []
    for k, v in record.items():
        col = columns.get(k)
        if v is None:
            continue
        if col is None:
            parts.append(f"{k}={cell_text(v)}")
        else:
            shown = col.enum.label(v, lang) if col.enum is not None and isinstance(v, str) else cell_text(v)
            parts.append(f"{col.header(lang)}={shown}")
    text = ("，" if lang == "zh" else ", ").join(parts[:6])
    return text if len(text) <= 100 else text[:97] + "..."


# ---------------------------------------------------------------- writing


class _Progress:
    """A rich progress bar on stderr for large files (only when stderr is a terminal).

    `phase(description, total)` starts the next step (no total: a pulsing bar);
    without a terminal every method does nothing.
    """

    def __init__(self, rows: int) -> None:
        self.bar = None
        self.task = None
        if rows < PROGRESS_MIN_ROWS or not sys.stderr.isatty():
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )

    def __enter__(self) -> _Progress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def phase(self, description: str, total: int | None = None) -> None:
        if self.bar is None:
            return
        if self.task is not None:
            self.bar.remove_task(self.task)
        self.task = self.bar.add_task(description, total=total)

    def advance(self, n: int) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.advance(self.task, n)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _progress(rows: int) -> _Progress:
    return _Progress(rows)


def _apply(ws, plan, progress: _Progress, source: str) -> None:
    """Append and update the records of `plan` in the workspace tables (not yet committed).

    An added record's history is two rows: the file and row it came from, and its stage.
    """
    for name, records in plan.created.items():
        ws.table(name).append_many(records)
    table = ws.table(plan.register.name)
    where = _("{file} row {row}")
    added = table.append_many([item.record for item in plan.adds], [where.format(file=source, row=item.row) for item in plan.adds])
    for i, item in zip(added, plan.adds, strict=True):
        for head, text in item.user.items():
            table.set_user(i, head, text)
    progress.advance(len(plan.adds))
    for item in plan.updates:
        progress.advance(1)
        if item.merged:
            continue
        i = table.find(item.record_id)
        if i is None:
            continue
        for name, value in item.record.items():
            table.set(i, name, value)
        for head, text in item.user.items():
            table.set_user(i, head, text)
