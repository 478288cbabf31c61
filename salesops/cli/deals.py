"""Commands `opp add`, `quote create`, `contract create`, `delivery add`: the records between lead and cash."""

from __future__ import annotations

from typing import Annotated

import typer

from salesops.cli.app import contract_app, delivery_app, opp_app, quote_app
from salesops.cli.common import ByOpt, WaitOpt
from salesops.cli.flowkit import (
    FmtOpt,
    OnOpt,
    date_option,
    event_date,
    finish,
    money_option,
    money_text,
    open_for_write,
    pct_option,
    state_label,
)
from salesops.i18n import _, joined


@opp_app.command("add")
def opp_add(
    ctx: typer.Context,
    account: Annotated[
        str, typer.Option("--account", metavar="ID", help="Account ID (or exact name).")
    ],
    name: Annotated[str, typer.Option("--name", metavar="TEXT", help="Opportunity name.")],
    owner: Annotated[
        str, typer.Option("--owner", metavar="REP", help="Owner: a rep's ID or name.")
    ],
    amount: Annotated[
        str | None, typer.Option("--amount", metavar="AMOUNT", help="Amount.")
    ] = None,
    expected_close: Annotated[
        str | None, typer.Option("--expected-close", metavar="DATE", help="Expected close date.")
    ] = None,
    sr: Annotated[
        str | None,
        typer.Option("--sr", metavar="REP", help="Solution responsible (SR of the iron triangle): a rep."),
    ] = None,
    fr: Annotated[
        str | None,
        typer.Option("--fr", metavar="REP", help="Fulfilment responsible (FR of the iron triangle): a rep."),
    ] = None,
    on: OnOpt = None,
    by: ByOpt = None,
    wait: WaitOpt = 10.0,
    fmt: FmtOpt = "table",
) -> None:
    """Open an opportunity at qualification for an account; the owner is its account responsible (AR)."""
    from salesops.core import opportunities

    ws = open_for_write(ctx, fmt)
    when = event_date(ws, on)
    money = money_option("--amount", amount)
    close = date_option("--expected-close", expected_close, ws)
    with ws.writing(wait):
        made = opportunities.create(
            ws.table,
            ws.settings,
            account=account,
            name=name,
            owner=owner,
            amount=money,
            expected_close=close,
            today=when,
            sr=sr,
            fr=fr,
        )
        rec = made.record
        stage = state_label(ws, "opportunities", rec["stage"])
        finish(
            ws,
            made,
            by,
            fmt,
            [_("{id} added: {name} for {account} ({stage})").format(id=made.record_id, name=rec["name"], account=rec["account_id"], stage=stage)],
        )


@quote_app.command("create")
def quote_create(
    ctx: typer.Context,
    opportunity_id: Annotated[
        str, typer.Argument(metavar="OPP-ID", help="The opportunity quoted.")
    ],
    list_amount: Annotated[
        str, typer.Option("--list-amount", metavar="AMOUNT", help="List price.")
    ],
    discount: Annotated[
        str | None, typer.Option("--discount", metavar="PCT", help="Discount in percent (0–100).")
    ] = None,
    cost: Annotated[
        str | None, typer.Option("--cost", metavar="AMOUNT", help="Cost, for the margin.")
    ] = None,
    valid_days: Annotated[
        int | None,
        typer.Option(
            "--valid-days", metavar="N", help="Days the quote is valid (default quote.valid_days)."
        ),
    ] = None,
    on: OnOpt = None,
    by: ByOpt = None,
    wait: WaitOpt = 10.0,
    fmt: FmtOpt = "table",
) -> None:
    """Create a draft quote (next version) with amount = list × (1 − discount/100) and its margin."""
    from salesops.core import quotes

    ws = open_for_write(ctx, fmt)
    when = event_date(ws, on)
    listed = money_option("--list-amount", list_amount)
    pct = pct_option("--discount", discount)
    cost_value = money_option("--cost", cost)
    with ws.writing(wait):
        made = quotes.create(
            ws.table,
            ws.settings,
            opportunity_id,
            list_amount=listed,
            discount_pct=pct,
            cost=cost_value,
            valid_days=valid_days,
            today=when,
        )
        qid, rec = made.record_id, made.record
        head = _("{id} created for {opportunity} (version {version}): amount {amount}, valid until {until}").format(
            id=qid,
            opportunity=rec["opportunity_id"],
            version=rec["version"],
            amount=money_text(rec["amount"]),
            until=rec["valid_until"],
        )
        tail = (
            _(
                "needs approval ({why}): salesops advance {id} pending_approval, then approved --by APPROVER"
            ).format(why=joined(made.approval), id=qid)
            if made.approval
            else ""
        )
        finish(ws, made, by, fmt, [head, tail])


@contract_app.command("create")
def contract_create(
    ctx: typer.Context,
    quote_id: Annotated[str, typer.Argument(metavar="QUOTE-ID", help="An accepted quote.")],
    terms: Annotated[
        str | None,
        typer.Option(
            "--terms",
            metavar="SPEC",
            help="Payment terms, e.g. advance:30,delivery:60,acceptance:10 or 预付款:30,到货款:60,验收款:10 or a [contract.terms] name.",
        ),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option(
            "--title", metavar="TEXT", help="Contract title (default: the opportunity name)."
        ),
    ] = None,
    by: ByOpt = None,
    wait: WaitOpt = 10.0,
    fmt: FmtOpt = "table",
) -> None:
    """Create a draft contract from an accepted quote (amount, account and owner copied)."""
    from salesops.core import contracts

    ws = open_for_write(ctx, fmt)
    with ws.writing(wait):
        made = contracts.create(ws.table, ws.settings, quote_id, terms=terms, title=title)
        rec = made.record
        finish(
            ws,
            made,
            by,
            fmt,
            [
                _("{id} created from {quote}: amount {amount}, terms {terms}").format(
                    id=made.record_id, quote=rec["quote_id"], amount=money_text(rec["amount"]), terms=rec["payment_terms"]
                )
            ],
        )


@delivery_app.command("add")
def delivery_add(
    ctx: typer.Context,
    contract_id: Annotated[
        str, typer.Argument(metavar="CONTRACT-ID", help="The contract delivered.")
    ],
    planned: Annotated[
        str | None, typer.Option("--planned", metavar="DATE", help="Planned date.")
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", metavar="TEXT", help="What is delivered.")
    ] = None,
    by: ByOpt = None,
    wait: WaitOpt = 10.0,
    fmt: FmtOpt = "table",
) -> None:
    """Plan a delivery of a contract."""
    from salesops.core import deliveries

    ws = open_for_write(ctx, fmt)
    planned_on = date_option("--planned", planned, ws)
    with ws.writing(wait):
        made = deliveries.create(
            ws.table, contract_id, planned_on=planned_on, description=description
        )
        rec = made.record
        line = (
            _("{id} planned for {contract} on {day}") if rec["planned_on"] else _("{id} planned for {contract}")
        ).format(id=made.record_id, contract=rec["contract_id"], day=rec["planned_on"])
        finish(ws, made, by, fmt, [line])
