"""Commands `advance` and `sweep`; the other flow commands live in cli/leads.py, cli/deals.py, cli/cash.py.

Each writing command holds the workspace lock while it reads, changes and
commits (`with ws.writing(wait): … finish()`); a refusal raises before the
commit, so nothing is written.
"""

from __future__ import annotations

from typing import Annotated

import typer

from salesops.cli import cash, deals, leads  # noqa: F401  (they attach the lead/opp/quote/… commands)
from salesops.cli.app import app
from salesops.cli.common import ByOpt, WaitOpt, say
from salesops.cli.flowkit import (
    FmtOpt,
    OnOpt,
    event_date,
    finish,
    open_for_write,
    state_label,
)
from salesops.errors import UsageError
from salesops.i18n import _, joined, ngettext
from salesops.schema import REGISTERS

# ---------------------------------------------------------------- advance, sweep


@app.command("advance")
def advance(
    ctx: typer.Context,
    record_ids: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[ID]...",
            help="Records with a stage or status (L-, O-, Q-, C-, D-, R-…); several move together, all or none.",
        ),
    ] = None,
    *,
    stage: Annotated[
        str,
        typer.Argument(
            metavar="STAGE", help="The new stage or status, English code or Chinese label."
        ),
    ],
    where: Annotated[
        list[str] | None,
        typer.Option(
            "--where",
            metavar="FIELD=VALUE",
            help="Instead of IDs: every record meeting these conditions, as `list --where` takes them (repeatable).",
        ),
    ] = None,
    register: Annotated[
        str | None,
        typer.Option(
            "--in",
            metavar="REGISTER",
            help="The register --where looks in, when STAGE is a state of several (quotes and deliveries are both accepted).",
        ),
    ] = None,
    on: OnOpt = None,
    by: ByOpt = None,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            metavar="TEXT",
            help="Why (needed for disqualified, lost, terminated, written_off, cancelled).",
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="FIELD=VALUE",
            help="Fill a field first, so a gate can be met in the same command (repeatable).",
        ),
    ] = None,
    override: Annotated[
        bool,
        typer.Option(
            "--override",
            help="Sign past credit control: a finance or director --by, with --reason (noted in the contract).",
        ),
    ] = False,
    wait: WaitOpt = 10.0,
    fmt: FmtOpt = "table",
) -> None:
    """Move records to a new stage, checking every gate on the way; a refusal names every unmet condition and changes nothing.

    Several records (IDs, or --where) move in one command and one commit,
    all or none: every refusal of every record is listed.

    \b
      salesops advance O-000031 proposal
      salesops advance L-000101 L-000102 L-000107 qualified
      salesops advance --where status=contacted --where owner=王芳 --where score>=60 qualified
    """
    from salesops.core import flow

    if record_ids and where:
        raise UsageError(_("give IDs or --where, not both"))
    if not record_ids and not where:
        raise UsageError(_("say which records: their IDs, or --where FIELD=VALUE"))
    ws = open_for_write(ctx, fmt)
    when = event_date(ws, on)
    with ws.writing(wait):
        rows = _chosen(ws, record_ids or [], where or [], register, stage)
        if not rows and fmt != "json":
            say(_("no records match; nothing changed"))
            return
        sets = {
            reg: flow.parse_sets(REGISTERS[reg], set_ or [], ws.settings.date_order)
            for reg in dict.fromkeys(t.register.name for t, _i, _s in rows)
        }
        done = flow.advance_many(
            ws.table, rows, on=when, settings=ws.settings, by=by, reason=reason, sets=sets, override=override
        )
        finish(ws, done, by, fmt, _moved_lines(ws, done.moved))


def _chosen(ws, ids: list[str], where: list[str], register: str | None, stage: str):
    """(table, row, target state) of each record to move: by ID (every unknown one named), or by --where."""
    from salesops.core import machine, search
    from salesops.errors import Refused, SalesopsError

    if where:
        reg = _where_register(where, register, stage)
        table = ws.table(reg.name)
        users = tuple(h for h in table.user_columns(0)) if len(table) else ()
        conditions = [search.parse(reg, w, ws.settings.date_order, users) for w in where]
        target = machine.parse_state(reg, stage)
        return [(table, i, target) for i in search.select(table, conditions, table.user_columns)]
    rows, missing = [], []
    for rid in ids:
        try:
            table, i = ws.locate(rid)
        except SalesopsError as exc:
            missing += exc.messages
            continue
        rows.append((table, i, machine.parse_state(table.register, stage)))
    if missing:
        raise Refused(*missing)
    return rows


def _where_register(where: list[str], name: str | None, stage: str):
    """The register `advance --where` works on: --in, else the one whose states include STAGE
    (and that has the fields the conditions name)."""
    from salesops.core import search
    from salesops.schema import resolve_register
    from salesops.values import normalize_header

    if name is not None:
        reg = resolve_register(name)
        if reg is None or reg.machine is None:
            raise UsageError(_("--in {name}: not a register with stages").format(name=repr(name)))
        return reg
    fields = [normalize_header(search.split(w)[0]) for w in where]
    found = [
        reg
        for reg in REGISTERS.values()
        if reg.machine is not None
        and reg.column(reg.machine.field).enum.parse(stage) is not None
        and all(f in reg.header_aliases for f in fields)
    ]
    if len(found) == 1:
        return found[0]
    if not found:
        raise UsageError(_("{stage} is not a stage or status of a register with the fields of --where; name it with --in").format(stage=repr(stage)))
    raise UsageError(
        _("{stage} is a state of {registers}: say which with --in").format(
            stage=repr(stage), registers=", ".join(r.name for r in found)
        )
    )


def _moved_lines(ws, moved) -> list[str]:
    """One line per record moved (a count per move past ten), then what the side effects did."""
    if len(moved) > 10:
        counts: dict[tuple[str, str, str], int] = {}
        for m in moved:
            key = (m.register, m.source, m.target)
            counts[key] = counts.get(key, 0) + 1
        lines = [
            ngettext("{n} record: {source} → {target}", "{n} records: {source} → {target}", n).format(
                n=n, source=state_label(ws, reg, source), target=state_label(ws, reg, target)
            )
            for (reg, source, target), n in counts.items()
        ]
    else:
        lines = []
        for m in moved:
            line = f"{m.record_id}: {state_label(ws, m.register, m.source)} → {state_label(ws, m.register, m.target)}"
            if len(m.steps) > 1:
                steps = ", ".join(state_label(ws, m.register, s) for s in m.steps[:-1])
                line = _("{move} (via {steps})").format(move=line, steps=steps)
            lines.append(line)
    notes = [note for m in moved for note in m.notes]
    return [*lines, joined(notes)]


@app.command("sweep")
def sweep(
    ctx: typer.Context,
    on: OnOpt = None,
    by: ByOpt = None,
    wait: WaitOpt = 10.0,
    fmt: FmtOpt = "table",
) -> None:
    """Housekeeping for cron: approved or sent quotes past valid_until expire; leads and accounts their owner left without a follow-up for pool.reclaim_days return to the public pool (公海)."""
    from salesops.core import pool, quotes
    from salesops.core.model import Outcome
    from salesops.storage.history import read_history

    ws = open_for_write(ctx, fmt)
    when = event_date(ws, on)
    with ws.writing(wait):
        swept = quotes.sweep(ws.table, when)
        expired = swept.expired
        events = pool.OwnerEvents.from_history(read_history(ws.root, field="owner"))
        back = pool.reclaim(ws.table, ws.settings, today=when, events=events)
        lines = [
            ngettext("expired {n} quote: {ids}", "expired {n} quotes: {ids}", len(expired)).format(
                n=len(expired), ids=", ".join(expired)
            )
            if expired
            else _("no quotes to expire")
        ]
        lines += _pool_lines(back.returned)
        if not expired and not back.returned and fmt != "json":
            for line in lines:
                say(line)
            return
        done = Outcome(changes=swept.changes + back.changes, store=ws.table)
        finish(ws, done, by, fmt, lines)


def _pool_lines(returned) -> list[str]:
    """`returned 2 leads to the public pool: L-000044 (陈思远, last worked on 2026-08-06), …`."""
    out = []
    for register in ("leads", "accounts"):
        mine = [r for r in returned if r.register == register]
        if not mine:
            continue
        what = ngettext("lead", "leads", len(mine)) if register == "leads" else ngettext("account", "accounts", len(mine))
        items = ", ".join(
            _("{id} ({owner}, last worked on {day})").format(id=r.record_id, owner=r.owner, day=r.last.isoformat())
            for r in mine[:10]
        )
        more = _(" and {n} more").format(n=len(mine) - 10) if len(mine) > 10 else ""
        out.append(_("returned {n} {what} to the public pool: {items}{more}").format(n=len(mine), what=what, items=items, more=more))
    if not returned:
        out.append(_("nothing to return to the public pool"))
    return out
