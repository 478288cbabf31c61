"""Commands `receivable invoice` and `payment record`: invoicing triggered milestones and recording cash."""

from __future__ import annotations

from typing import Annotated

import typer

from salesops.cli.app import payment_app, receivable_app
from salesops.cli.common import ByOpt, WaitOpt
from salesops.cli.flowkit import (
    FmtOpt,
    OnOpt,
    enum_option,
    event_date,
    finish,
    money_option,
    money_text,
    open_for_write,
    state_label,
)
from salesops.errors import UsageError
from salesops.i18n import _, joined


@receivable_app.command("invoice")
def receivable_invoice(
    ctx: typer.Context,
    receivable_id: Annotated[
        str, typer.Argument(metavar="R-ID", help="A triggered receivable milestone.")
    ],
    invoice_no: Annotated[
        str, typer.Option("--invoice-no", metavar="NO", help="Invoice number (kept as text).")
    ],
    on: OnOpt = None,
    by: ByOpt = None,
    wait: WaitOpt = 10.0,
    fmt: FmtOpt = "table",
) -> None:
    """Invoice a triggered milestone: sets invoice_no, invoiced_on and the due date from the account's terms."""
    from salesops.core import flow
    from salesops.core.links import require

    ws = open_for_write(ctx, fmt)
    when = event_date(ws, on)
    if not invoice_no.strip():
        raise UsageError(_("--invoice-no must not be empty"))
    with ws.writing(wait):
        table = ws.table("receivables")
        i = require(ws.table, "receivables", receivable_id)
        moved = flow.advance(
            ws.table,
            table,
            i,
            "invoiced",
            on=when,
            settings=ws.settings,
            by=by,
            sets={"invoice_no": invoice_no.strip()},
        )
        rec = moved.record
        finish(
            ws,
            moved,
            by,
            fmt,
            [
                _("{id} invoiced: {invoice} on {day}, {amount} due {due}").format(
                    id=rec["receivable_id"],
                    invoice=rec["invoice_no"],
                    day=rec["invoiced_on"],
                    amount=money_text(rec["amount"]),
                    due=rec["due_date"],
                )
            ],
        )


@payment_app.command("record")
def payment_record(
    ctx: typer.Context,
    receivable_id: Annotated[
        str | None, typer.Argument(metavar="[R-ID]", help="The receivable paid (or use --account).")
    ] = None,
    amount: Annotated[
        str | None,
        typer.Option(
            "--amount", metavar="AMOUNT", help="Cash received (1234.5, ¥1,234.50, 12.5万…)."
        ),
    ] = None,
    account: Annotated[
        str | None,
        typer.Option(
            "--account",
            metavar="A-ID",
            help="Spread the cash over this account's invoiced receivables, oldest due first; what is over is kept as its unapplied cash (预收款).",
        ),
    ] = None,
    on: OnOpt = None,
    method: Annotated[
        str | None,
        typer.Option(
            "--method",
            metavar="METHOD",
            help="bank_transfer, acceptance_bill, cash, other (or 中文).",
        ),
    ] = None,
    ref: Annotated[
        str | None, typer.Option("--ref", metavar="TEXT", help="Bank reference (kept as text).")
    ] = None,
    by: ByOpt = None,
    wait: WaitOpt = 10.0,
    fmt: FmtOpt = "table",
) -> None:
    """Record cash received: updates collected amount, last payment date and status; refuses overpayment."""
    from salesops.core import receivables
    from salesops.schema import PAYMENT_METHOD

    if (receivable_id is None) == (account is None):
        raise UsageError(_("give a receivable ID or --account A-ID (one of them)"))
    if amount is None:
        raise UsageError(_("--amount is required"))
    ws = open_for_write(ctx, fmt)
    when = event_date(ws, on)
    money = money_option("--amount", amount)
    code = enum_option("--method", PAYMENT_METHOD, method)
    reference = ref.strip() if ref and ref.strip() else None
    with ws.writing(wait):
        if receivable_id is not None:
            paid = receivables.record_payment(
                ws.table, receivable_id, money, on=when, method=code, reference=reference
            )
        else:
            paid = receivables.record_account_payment(
                ws.table, account, money, on=when, method=code, reference=reference
            )
        if paid.payments:
            lines = [
                _("recorded {amount} on {day}: {parts}").format(
                    amount=money_text(paid.amount), day=paid.on, parts=joined(_parts(ws, paid.payments))
                )
            ]
        else:
            lines = [_("recorded {amount} on {day}").format(amount=money_text(paid.amount), day=paid.on)]
        if paid.unapplied:
            lines.append(
                _(
                    "{amount} kept as unapplied cash (预收款) of {account}, now {balance}: "
                    "salesops payment apply {account} applies it once invoiced"
                ).format(
                    amount=money_text(paid.unapplied),
                    account=paid.account_id,
                    balance=money_text(paid.balance),
                )
            )
        finish(ws, paid, by, fmt, lines)


def _parts(ws, payments) -> list[str]:
    """`P-… → R-… ¥X (status, ¥Y outstanding)` for each payment row written."""
    return [
        _("{payment} → {receivable} {amount} ({status}, {outstanding} outstanding)").format(
            payment=p.payment_id,
            receivable=p.receivable_id,
            amount=money_text(p.amount),
            status=state_label(ws, "receivables", p.status),
            outstanding=money_text(p.outstanding),
        )
        for p in payments
    ]


@payment_app.command("apply")
def payment_apply(
    ctx: typer.Context,
    account: Annotated[
        str,
        typer.Argument(
            metavar="A-ID", help="The account (ID or name) whose unapplied cash to apply."
        ),
    ],
    amount: Annotated[
        str | None,
        typer.Option(
            "--amount", metavar="AMOUNT", help="Apply only this much (default: all of it)."
        ),
    ] = None,
    on: OnOpt = None,
    by: ByOpt = None,
    wait: WaitOpt = 10.0,
    fmt: FmtOpt = "table",
) -> None:
    """Apply an account's unapplied cash (预收款) to its invoiced receivables, oldest due first."""
    from salesops.core import receivables

    ws = open_for_write(ctx, fmt)
    when = event_date(ws, on)
    money = money_option("--amount", amount) if amount is not None else None
    with ws.writing(wait):
        applied = receivables.apply_unapplied(ws.table, account, on=when, amount=money)
        lines = [
            _("applied {amount} of {account}'s unapplied cash on {date}: {parts}").format(
                amount=money_text(applied.amount),
                account=applied.account_id,
                date=applied.on.isoformat(),
                parts=joined(_parts(ws, applied.payments)),
            ),
            _("{account}: unapplied cash left {balance}").format(
                account=applied.account_id, balance=money_text(applied.balance)
            ),
        ]
        finish(ws, applied, by, fmt, lines)
