"""Receivables and payments: invoicing terms, recording cash, allocating it oldest due first.

Outstanding = `amount` − `collected_amount`. A payment must be above zero, on
an invoiced (or partly paid) receivable, and at most what is outstanding; it
appends one payments row and updates `collected_amount`, `last_payment_on`
and the status (partially_paid or paid).

Cash from an account (`record_account_payment`) goes to its receivables
invoiced by that day, oldest due date first; what is left over is kept as
the account's unapplied cash (预收款, `unapplied_amount`) until
`apply_unapplied` applies it to receivables invoiced later, the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from salesops.core.links import (
    Tables,
    money_text,
    new_record,
    refusal,
    refuse_if,
    related,
    require,
    state_text,
)
from salesops.core.model import Move, Outcome, Records, Session
from salesops.core.opportunities import find_account
from salesops.i18n import _
from salesops.problems import Problem

PAYABLE = ("invoiced", "partially_paid")
ZERO = Decimal("0.00")


def terms_days(tables: Tables, settings, account_id: str | None) -> int:
    """Days from invoice to due date: the account's `payment_terms_days`, else the setting."""
    if account_id:
        accounts = tables("accounts")
        ai = accounts.find(account_id)
        if ai is not None:
            days = accounts.get(ai, "payment_terms_days")
            if days is not None:
                return days
    return int(settings.get("receivable.payment_terms_days") or 0)


def on_invoiced(m: Move) -> None:
    """Invoiced: due date = invoice date + payment terms days (unless --set due_date)."""
    if "due_date" in m.given:
        return
    rec = m.record
    invoiced = rec["invoiced_on"] or m.on
    m.table.set(
        m.row,
        "due_date",
        invoiced + dt.timedelta(days=terms_days(m.tables, m.settings, rec["account_id"])),
    )


def outstanding(table: Records, i: int) -> Decimal:
    """What is still owed on receivable `i`."""
    return (table.get(i, "amount") or ZERO) - (table.get(i, "collected_amount") or ZERO)


def _payable_problems(table: Records, i: int, amount: Decimal) -> list[Problem]:
    rid = table.id_of(i)
    status = table.get(i, "status")
    if status == "scheduled":
        return [
            refusal(
                table,
                i,
                _("{id} is not invoiced yet: salesops receivable invoice {id} --invoice-no NO").format(id=rid),
            )
        ]
    if status not in PAYABLE:
        return [
            refusal(
                table,
                i,
                _("{state}: it takes no more payments").format(state=state_text(rid, status, "receivables")),
            )
        ]
    owed = outstanding(table, i)
    if amount > owed:
        account = table.get(i, "account_id") or "A-ID"
        return [
            refusal(
                table,
                i,
                _(
                    "{id}: a payment of {amount} is more than its outstanding {owed} "
                    "(salesops payment record --account {account} keeps what is over as unapplied cash)"
                ).format(id=rid, amount=money_text(amount), owed=money_text(owed), account=account),
            )
        ]
    return []


@dataclass
class Payment:
    """One payment row written, and where it left its receivable."""

    payment_id: str
    receivable_id: str
    amount: Decimal
    status: str  # the receivable's status after it
    outstanding: Decimal  # what the receivable still owes after it


@dataclass
class Paid(Outcome):
    """What a payment command did: the cash, its date, and one `Payment` per row written.

    `unapplied`: what it added to the account's unapplied cash (an account payment above what the
    account owes); `balance`: the account's unapplied cash after it."""

    amount: Decimal
    on: dt.date
    payments: list[Payment]
    account_id: str | None = None
    unapplied: Decimal = ZERO
    balance: Decimal | None = None

    @property
    def payment_ids(self) -> list[str]:
        return [p.payment_id for p in self.payments]


def _apply(
    tables: Tables, table: Records, i: int, amount: Decimal, on: dt.date, method, reference
) -> Payment:
    rid = table.id_of(i) or ""
    pid, _row = new_record(
        tables("payments"),
        {
            "receivable_id": rid,
            "account_id": table.get(i, "account_id"),
            "received_on": on,
            "amount": amount,
            "method": method,
            "reference": reference,
        },
    )
    collected = (table.get(i, "collected_amount") or ZERO) + amount
    table.set(i, "collected_amount", collected)
    last = table.get(i, "last_payment_on")
    table.set(i, "last_payment_on", max(last, on) if last else on)
    status = "paid" if collected >= (table.get(i, "amount") or ZERO) else "partially_paid"
    table.set(i, "status", status)
    return Payment(pid, rid, amount, status, outstanding(table, i))


def _check_amount(table: Records, amount: Decimal) -> list[Problem]:
    if amount <= 0:
        return [refusal(table, None, _("--amount must be above 0, not {amount}").format(amount=money_text(amount)))]
    return []


def record_payment(
    tables: Tables,
    receivable_id: str,
    amount: Decimal,
    *,
    on: dt.date,
    method: str | None = None,
    reference: str | None = None,
) -> Paid:
    """Cash against one receivable."""
    tables = Session.of(tables)
    table = tables("receivables")
    i = require(tables, "receivables", receivable_id)
    refuse_if(_check_amount(table, amount) or _payable_problems(table, i, amount))
    return tables.result(
        Paid(amount, on, [_apply(tables, table, i, amount, on, method, reference)])
    )


def _account(tables: Tables, account: str) -> int:
    """The row of an account given by ID or name; refuses naming the register when there is none."""
    ai = find_account(tables, account)
    if ai is None:
        refuse_if(
            [
                refusal(
                    tables("receivables"),
                    None,
                    _("no account {name} in {file} (by ID or name)").format(
                        name=repr(account), file=tables("accounts").file
                    ),
                )
            ]
        )
    assert ai is not None
    return ai


def _oldest_due_first(tables: Tables, account_id: str, on: dt.date) -> list[int]:
    """The account's receivables taking cash on `on` (invoiced by then), oldest due date first."""
    table = tables("receivables")
    rows = [
        j
        for j in related(tables, "receivables", "account_id", account_id)
        if table.get(j, "status") in PAYABLE and (table.get(j, "invoiced_on") or on) <= on
    ]
    far = dt.date.max
    rows.sort(
        key=lambda j: (table.get(j, "due_date") or far, table.get(j, "invoiced_on") or far, j)
    )
    return rows


def _spread(
    tables: Tables, rows: list[int], amount: Decimal, on: dt.date, method, reference
) -> list[Payment]:
    """`amount` over `rows` in order, each up to what it owes; one payment row each."""
    table = tables("receivables")
    left = amount
    created = []
    for j in rows:
        if left <= 0:
            break
        part = min(left, outstanding(table, j))
        if part <= 0:
            continue
        created.append(_apply(tables, table, j, part, on, method, reference))
        left -= part
    return created


def record_account_payment(
    tables: Tables,
    account: str,
    amount: Decimal,
    *,
    on: dt.date,
    method: str | None = None,
    reference: str | None = None,
) -> Paid:
    """Cash from an account over its receivables invoiced by `on`, oldest due date first; the rest
    is kept as the account's unapplied cash."""
    tables = Session.of(tables)
    refuse_if(_check_amount(tables("receivables"), amount))
    accounts = tables("accounts")
    ai = _account(tables, account)
    account_id = accounts.id_of(ai) or account
    created = _spread(
        tables, _oldest_due_first(tables, account_id, on), amount, on, method, reference
    )
    rest = amount - sum((p.amount for p in created), ZERO)
    balance = accounts.get(ai, "unapplied_amount") or ZERO
    if rest > 0:
        balance += rest
        accounts.set(ai, "unapplied_amount", balance)
    return tables.result(Paid(amount, on, created, account_id, rest, balance))


@dataclass
class Applied(Outcome):
    """What `apply_unapplied` did: the cash applied, its payments, and the unapplied cash left."""

    account_id: str
    amount: Decimal
    on: dt.date
    payments: list[Payment]
    balance: Decimal


def apply_unapplied(
    tables: Tables, account: str, *, on: dt.date, amount: Decimal | None = None
) -> Applied:
    """Apply an account's unapplied cash (all of it, or `amount`) to its receivables invoiced by `on`,
    oldest due date first; each part is a payment dated `on`. What no receivable owes stays unapplied."""
    tables = Session.of(tables)
    accounts = tables("accounts")
    ai = _account(tables, account)
    account_id = accounts.id_of(ai) or account
    balance = accounts.get(ai, "unapplied_amount") or ZERO
    problems = []
    if balance <= 0:
        message = _("{account} has no unapplied cash to apply").format(account=account_id)
        problems.append(refusal(accounts, ai, message))
    elif amount is not None and amount <= 0:
        problems.append(
            refusal(accounts, ai, _("--amount must be above 0, not {amount}").format(amount=money_text(amount)))
        )
    elif amount is not None and amount > balance:
        problems.append(
            refusal(
                accounts,
                ai,
                _("{account}: {amount} is more than its unapplied cash {balance}").format(
                    account=account_id, amount=money_text(amount), balance=money_text(balance)
                ),
            )
        )
    refuse_if(problems)
    rows = _oldest_due_first(tables, account_id, on)
    if not rows:
        refuse_if(
            [
                refusal(
                    accounts,
                    ai,
                    _(
                        "{account} has no receivable invoiced by {date} to apply its unapplied cash "
                        "{balance} to: invoice one first (salesops receivable invoice R-ID --invoice-no NO)"
                    ).format(account=account_id, date=on.isoformat(), balance=money_text(balance)),
                )
            ]
        )
    created = _spread(tables, rows, balance if amount is None else amount, on, None, None)
    applied = sum((p.amount for p in created), ZERO)
    accounts.set(ai, "unapplied_amount", balance - applied)
    return tables.result(Applied(account_id, applied, on, created, balance - applied))
