"""The sample company's targets, credit limits and prepaid cash (second release).

`TargetBuilder` runs after the year's sales and cash are made and builds on
what happened in them: the year's targets, consistent with the reps' monthly
targets; credit limits that every signing respected, one account close to its
limit; cash a customer paid ahead (预收款). It also holds what the desk
(`sample_desk`) shares with it: each record's moves, and the history of a
record a command added.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, Decimal
from typing import Any

from salesops import sample_names as N
from salesops.sample_cash import CashBuilder
from salesops.sample_leads import Cmd, Rec
from salesops.sample_plan import AS_OF, iso
from salesops.settings import defaults

SETTINGS = defaults()
COLLECTION_SHARE = Decimal("0.9")  # collections targets: 90 % of the bookings targets
NEW_LEADS = {"华东团队": 5, "华北团队": 4, "华南团队": 5}  # monthly new-lead targets per team
WON_PER_QUARTER = 2  # per team
PLANNED_ON = iso("2025-12-20")  # the year's targets are imported at the planning meeting
PREPAID_ON = iso("2026-11-20")
# The fields of an added record that its history rows show (the command line names the others).
TELLING = {
    "activities": ("summary", "next_step", "next_on"),
    "contacts": ("name", "title", "role"),
    "targets": ("amount",),
}


class TargetBuilder(CashBuilder):
    """The whole year, then its targets, credit limits and prepaid cash."""

    def build(self) -> None:
        super().build()
        self.history_of: dict[int, list[tuple[dt.date, str, Any]]] = {}
        for cmd, rec, name, _old, new in self.events:
            self.history_of.setdefault(id(rec), []).append((cmd.on, name, new))
        self.targets()
        self.credit_limits()
        self.prepaid()

    def added(self, cmd: Cmd, rec: Rec) -> None:
        """History rows of a record a command added: its telling fields (the command names the rest)."""
        for name in TELLING[rec.register]:
            value = rec.fields.get(name)
            if value is not None:
                self.log(cmd, rec, name, None, value)

    def states(self, rec: Rec, field: str) -> list[tuple[dt.date, str]]:
        """(day, state) of each move of `rec`, in order."""
        return [(on, new) for on, name, new in self.history_of.get(id(rec), []) if name == field]

    def targets(self) -> None:
        """The 2026 targets: bookings, collections, new leads, wins and won amount for the company,
        its teams and reps, by month, quarter and year — each level the sum of the one below,
        and bookings the sum of the reps' monthly targets."""
        sales = [r for r in self.recs["reps"] if r.fields.get("monthly_target")]
        teams: dict[str, list[Rec]] = {}
        for rep in sales:
            teams.setdefault(rep.fields["team"], []).append(rep)
        monthly = {
            team: sum(r.fields["monthly_target"] for r in reps) for team, reps in teams.items()
        }
        company = sum(monthly.values())
        months = [f"2026-{m:02d}" for m in range(1, 13)]
        quarters = [f"2026-Q{q}" for q in range(1, 5)]
        rows: list[tuple[str, str, str | None, str, Decimal]] = []
        for period in months:
            rows.append((period, "company", None, "bookings", company))
            rows.append((period, "company", None, "collections", company * COLLECTION_SHARE))
            rows.append((period, "company", None, "new_leads", Decimal(sum(NEW_LEADS.values()))))
            rows += [
                (period, "team", team, "new_leads", Decimal(NEW_LEADS[team])) for team in teams
            ]
        for period in quarters:
            rows.append((period, "company", None, "bookings", 3 * company))
            rows.append((period, "company", None, "collections", 3 * company * COLLECTION_SHARE))
            rows.append(
                (period, "company", None, "won_count", Decimal(WON_PER_QUARTER * len(teams)))
            )
            for team, reps in teams.items():
                rows.append((period, "team", team, "bookings", 3 * monthly[team]))
                rows.append(
                    (period, "team", team, "collections", 3 * monthly[team] * COLLECTION_SHARE)
                )
                rows.append((period, "team", team, "won_count", Decimal(WON_PER_QUARTER)))
                rows += [(period, "rep", r.fields["name"], "collections",
                          3 * r.fields["monthly_target"] * COLLECTION_SHARE) for r in reps]  # fmt: skip
        rows.append(("2026", "company", None, "bookings", 12 * company))
        rows.append(("2026", "company", None, "won_amount", 12 * company))
        rows.append(("2026", "company", None, "collections", 12 * company * COLLECTION_SHARE))
        rows += [("2026", "team", team, "bookings", 12 * monthly[team]) for team in teams]
        cmd = self.cmd(PLANNED_ON, N.SALES_DIRECTOR, "salesops import targets 2026年度目标.xlsx")
        for period, scope, who, metric, amount in rows:
            fields = {"period": period, "scope": scope, "who": who, "metric": metric,
                      "amount": amount.quantize(Decimal("0.01"))}  # fmt: skip
            self.added(
                cmd,
                self.new("targets", PLANNED_ON, {k: v for k, v in fields.items() if v is not None}),
            )

    def exposure(self, account: Rec, on: dt.date, before_signing: bool = False) -> Decimal:
        """What `account` owed on `on`: receivables of contracts signed before, less cash received by then."""
        owed = Decimal(0)
        for r in self.recs["receivables"]:
            con = r.refs["contract_id"]
            signed = con.fields["signed_on"]
            if (
                r.refs["account_id"] is not account
                or signed > on
                or (before_signing and signed == on)
            ):
                continue
            gone = [d for d, s in self.states(r, "status") if s in ("cancelled", "written_off")]
            if gone and gone[0] <= on:
                continue
            paid = sum((p.fields["amount"] for p in self.recs["payments"]
                        if p.refs["receivable_id"] is r and p.fields["received_on"] <= on), Decimal(0))  # fmt: skip
            owed += r.fields["amount"] - paid
        return owed

    def credit_limits(self) -> None:
        """Limits every signing respected (what was owed + the contract ≤ limit); one account near its limit."""
        step = Decimal(100_000)
        worst: dict[int, Decimal] = {}
        for con in self.recs["contracts"]:
            signed = con.fields.get("signed_on")
            if signed:
                account = con.refs["account_id"]
                need = self.exposure(account, signed, before_signing=True) + con.fields["amount"]
                worst[id(account)] = max(worst.get(id(account), Decimal(0)), need)
        for account in self.recs["accounts"]:
            need = max(worst.get(id(account), Decimal(0)), self.exposure(account, AS_OF))
            if account.fields["credit_limit"] < need:
                account.fields["credit_limit"] = (need / step).to_integral_value(
                    rounding=ROUND_CEILING
                ) * step
        # the account owing most today gets a limit just above it: the next deal needs a decision
        account = max(self.recs["accounts"], key=lambda a: (self.exposure(a, AS_OF), a.key))
        owed = self.exposure(account, AS_OF)
        limit = max(worst.get(id(account), Decimal(0)), owed / Decimal("0.93"))
        account.fields["credit_limit"] = (limit / 10_000).to_integral_value(
            rounding=ROUND_CEILING
        ) * 10_000

    def prepaid(self) -> None:
        """A customer pays half of its next milestone before it is invoiced: kept as unapplied cash (预收款)."""
        for r in sorted(self.recs["receivables"], key=lambda r: r.key):
            account = r.refs["account_id"]
            if (
                r.fields["milestone"] != "delivery"
                or r.fields.get("triggered_on")
                or r.fields["status"] != "scheduled"
            ):
                continue
            if self.invoiced_open(account, AS_OF):
                continue  # it owes an invoice: the cash would have been applied to it
            amount = (r.fields["amount"] / 2 / 1000).to_integral_value() * 1000
            line = f"salesops payment record --account {{account}} --amount {amount} --on {PREPAID_ON} --method bank_transfer"
            cmd = self.cmd(PREPAID_ON, N.FINANCE_USER, line, account=account)
            account.fields["unapplied_amount"] = amount
            self.log(cmd, account, "unapplied_amount", None, amount)
            return
        raise AssertionError("no account to prepay a milestone")

    def invoiced_open(self, account: Rec, on: dt.date) -> bool:
        """Whether `account` had an invoice not fully paid at any day from `PREPAID_ON` to `on`."""
        for r in self.recs["receivables"]:
            inv = r.fields.get("invoiced_on")
            if r.refs["account_id"] is account and inv and inv <= on:
                paid_by = r.fields.get("last_payment_on")
                if r.fields["status"] != "paid" or paid_by > PREPAID_ON:
                    return True
        return False
