"""Credit control at signing (信用控制, SPEC 9.4).

A contract is not signed while its account would owe more than its
`credit_limit` — what it owes now (every receivable not paid, written off or
cancelled: amount − collected, less the account's unapplied cash) plus the
contract's amount — or while the account has a receivable more than
`credit.block_overdue_days` past its due date. A finance or director
`--override --reason TEXT --by NAME` lets the signing through; the decision
is written to the contract's notes (a history row) by `contracts.on_signed`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from salesops.core.links import money_text, related, safe_get
from salesops.core.model import Store
from salesops.i18n import _

SETTLED = ("paid", "written_off", "cancelled")


@dataclass
class Exposure:
    """What an account owes on a day, and its receivables overdue past the block."""

    account_id: str
    limit: Decimal | None
    owed: Decimal = Decimal(0)
    unapplied: Decimal = Decimal(0)
    late: list[tuple[str, int, Decimal]] = field(default_factory=list)  # (receivable ID, days overdue, outstanding)

    @property
    def outstanding(self) -> Decimal:
        return self.owed - self.unapplied


def exposure(store: Store, account_id: str, on: dt.date, block_days: int | None) -> Exposure:
    """The account's credit position on `on`."""
    accounts = store("accounts")
    ai = accounts.find(account_id)
    limit = safe_get(accounts, ai, "credit_limit") if ai is not None else None
    unapplied = (safe_get(accounts, ai, "unapplied_amount") if ai is not None else None) or Decimal(0)
    out = Exposure(account_id, limit, unapplied=unapplied)
    table = store("receivables")
    for j in related(store, "receivables", "account_id", account_id):
        if safe_get(table, j, "status") in SETTLED:
            continue
        amount = safe_get(table, j, "amount") or Decimal(0)
        owed = amount - (safe_get(table, j, "collected_amount") or Decimal(0))
        if owed <= 0:
            continue
        out.owed += owed
        due = safe_get(table, j, "due_date")
        if block_days is not None and due is not None and (on - due).days > block_days:
            out.late.append((table.id_of(j) or "?", (on - due).days, owed))
    return out


def unmet(store: Store, account_id: str | None, amount: Decimal | None, on: dt.date, settings) -> list[str]:
    """Why signing a contract of `amount` for the account is refused by credit control (empty: it is not)."""
    if not account_id:
        return []
    raw = settings.get("credit.block_overdue_days")
    block = None if raw is None else int(raw)
    pos = exposure(store, account_id, on, block)
    out = []
    total = pos.outstanding + (amount or Decimal(0))
    if pos.limit is not None and total > pos.limit:
        out.append(
            _(
                "{account} would owe {total} ({owed} outstanding + this contract's {amount}), "
                "above its credit_limit {limit}"
            ).format(
                account=account_id,
                total=money_text(total),
                owed=money_text(pos.outstanding),
                amount=money_text(amount),
                limit=money_text(pos.limit),
            )
        )
    if pos.late:
        worst = sorted(pos.late, key=lambda x: -x[1])
        listed = ", ".join(
            _("{id} {days} days overdue ({owed})").format(id=rid, days=days, owed=money_text(owed))
            for rid, days, owed in worst[:5]
        )
        out.append(
            _("{account} has receivables more than {days} days overdue (credit.block_overdue_days): {listed}").format(
                account=account_id, days=block, listed=listed
            )
        )
    return out
