"""The sample company's daily desk (second release): contacts, follow-ups, targets, credit, prepaid cash.

`DeskBuilder` runs after the year's sales and cash are made and builds on what
happened in them: contacts of every account (the lead's contact first), a
follow-up (跟进记录) on every step of every lead, opportunity, contract and
overdue receivable, by its owner, with next steps done, due and overdue as of
`AS_OF`; regular visits to every account; the year's targets, consistent with
the reps' monthly targets; credit limits that every signing respected, one
account close to its limit; cash a customer paid ahead (预收款).

A few owners (`QUIET_OWNERS`) let records go quiet: their last follow-up is
older than `pool.reclaim_days`, so `sweep` returns them to the public pool;
every other owned open lead and account was followed up within it.

It draws from its own random stream (`desk_rng`), so the records made before
it are exactly those of the first release.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, Decimal
from typing import Any

from salesops import sample_names as N
from salesops.sample_cash import CashBuilder
from salesops.sample_leads import Cmd, Rec
from salesops.sample_plan import AS_OF, QUIET_OWNERS, days, iso
from salesops.settings import defaults

SETTINGS = defaults()
RECLAIM_DAYS = SETTINGS["pool"]["reclaim_days"]
STALLED_DAYS = SETTINGS["report"]["stalled_days"]
OPEN_LEAD = ("new", "contacted", "qualified")
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


class DeskBuilder(CashBuilder):
    """The whole year, then the desk around it."""

    def build(self) -> None:
        super().build()
        self.follows: list[tuple[Cmd, Rec]] = []
        self.history_of: dict[int, list[tuple[dt.date, str, Any]]] = {}
        for cmd, rec, name, _old, new in self.events:
            self.history_of.setdefault(id(rec), []).append((cmd.on, name, new))
        quiet_accounts, quiet_leads = self.quiet_records()
        self.contacts()
        self.lead_follow_ups(quiet_leads)
        self.opportunity_follow_ups()
        self.contract_follow_ups()
        self.receivable_follow_ups()
        self.account_visits(quiet_accounts)
        self.log_follow_ups()
        self.targets()
        self.credit_limits()
        self.prepaid()

    # ------------------------------------------------------------ plumbing

    def record(self, register: str, on: dt.date, by: str, line: str, fields: dict[str, Any],
               **refs: Rec) -> Rec:  # fmt: skip
        """A record added by a command on `on`, with a history row for each field it fills."""
        rec = self.new(register, on, fields, **refs)
        self.added(self.cmd(on, by, line, **refs), rec)
        return rec

    def added(self, cmd: Cmd, rec: Rec) -> None:
        """History rows of a record a command added: its telling fields (the command names the rest)."""
        for name in TELLING[rec.register]:
            value = rec.fields.get(name)
            if value is not None:
                self.log(cmd, rec, name, None, value)

    def follow(self, rec: Rec, on: dt.date, by: str, kind: tuple[str, str, str | None],
               account: Rec | None = None) -> Rec:  # fmt: skip
        """A follow-up on `rec` (`salesops follow add`), its next step a few days later.

        Its history is written by `log_follow_ups` once every next-step day is final.
        """
        type_, summary, step = kind
        fields: dict[str, Any] = {"on": on, "type": type_, "by": by, "summary": summary}
        if step:
            fields.update(next_step=step, next_on=on + days(self.desk_rng.randint(3, 10)))
        refs = {"record_id": rec} | ({"account_id": account} if account else {})
        act = self.new("activities", on, fields, **refs)
        self.follows.append((self.cmd(on, by, "", rec=rec), act))
        return act

    def log_follow_ups(self) -> None:
        """History of every follow-up, now that each next-step day is final."""
        for cmd, act in self.follows:
            cmd.line = (
                f"salesops follow add {{rec}} --type {act.fields['type']} --on {act.fields['on']}"
            )
            self.added(cmd, act)

    def pick(self, kinds: tuple) -> tuple[str, str, str | None]:
        return self.desk_rng.choice(kinds)

    def stream(self, start: dt.date, end: dt.date, gap: tuple[int, int]) -> list[dt.date]:
        """Follow-up days after `start` up to and ending on `end`, `gap` days apart (none when end ≤ start)."""
        out: list[dt.date] = []
        day = end
        while day > start:
            out.append(day)
            day -= days(self.desk_rng.randint(*gap))
        return out[::-1]

    def states(self, rec: Rec, field: str) -> list[tuple[dt.date, str]]:
        """(day, state) of each move of `rec`, in order."""
        return [(on, new) for on, name, new in self.history_of.get(id(rec), []) if name == field]

    # ------------------------------------------------------------ who let what go quiet

    def quiet_records(self) -> tuple[set[int], set[int]]:
        """The accounts and leads `QUIET_OWNERS` reps let go quiet: per rep, an account whose deals
        stalled or were lost and that owes nothing, and two open leads untouched for long."""
        billed = {id(r.refs["account_id"]) for r in self.recs["receivables"]}
        accounts, leads = set(), set()
        owners = 0
        for name, _team, _region, _target, active in N.REPS:
            account = next((
                a for a in sorted(self.recs["accounts"], key=lambda a: a.key)
                if a.fields["owner"] == name and id(a) not in billed
                and all(self.went_quiet(o) for o in self.recs["opportunities"] if o.refs["account_id"] is a)
            ), None)  # fmt: skip
            old = [
                lead for lead in sorted(self.recs["leads"], key=lambda r: r.key)
                if lead.fields["owner"] == name and lead.fields["status"] in ("contacted", "qualified")
                and lead.fields["status_changed_on"] <= AS_OF - days(RECLAIM_DAYS + 20)
            ]  # fmt: skip
            if active and account is not None and len(old) >= 2 and owners < QUIET_OWNERS:
                owners += 1
                accounts.add(id(account))
                leads |= {id(lead) for lead in old[:2]}
        assert owners, "nobody could let records go quiet"
        return accounts, leads

    def went_quiet(self, opp: Rec) -> bool:
        f = opp.fields
        if f["stage"] == "lost":
            return f["closed_on"] <= AS_OF - days(RECLAIM_DAYS + 5)
        return f["stage"] != "won" and f["stage_changed_on"] < AS_OF - days(RECLAIM_DAYS + 5)

    # ------------------------------------------------------------ contacts

    def contacts(self) -> None:
        """1–4 contacts per account: the lead's contact, then the people met during the deals."""
        rng = self.desk_rng
        for account in sorted(self.recs["accounts"], key=lambda a: a.key):
            lead, domain = self.origins[id(account)]
            owner, created = account.fields["owner"], account.fields["created_on"]
            title = lead.fields["notes"]
            first = {"name": lead.fields["contact_name"], "title": title, "role": N.ROLE_OF_TITLE[title],
                     "phone": lead.fields["phone"], "email": lead.fields["email"]}  # fmt: skip
            people = [first]
            others = [r for r in N.TITLES_OF_ROLE if r != first["role"]]
            rng.shuffle(others)
            if "decision_maker" in others:  # the boss is the first one met after the lead's contact
                others.remove("decision_maker")
                others.insert(0, "decision_maker")
            names = {first["name"]}
            for role in others[: rng.choice((0, 1, 1, 2, 2, 3))]:
                name, py = self.person()
                while name in names:
                    name, py = self.person()
                names.add(name)
                mobile = f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}"
                people.append({"name": name, "title": rng.choice(N.TITLES_OF_ROLE[role]), "role": role,
                               "phone": mobile, "email": f"{py}@{domain}" if rng.random() < 0.7 else None})  # fmt: skip
            for k, person in enumerate(people):
                phone = person["phone"]
                wechat = rng.random()
                if phone and phone.startswith("1") and wechat < 0.5:
                    person["wechat"] = phone  # their WeChat is their mobile number
                elif wechat < 0.8:
                    person["wechat"] = f"wxid_{rng.randint(10**7, 10**8 - 1)}"
                on = created if k == 0 else min(created + days(rng.randint(3, 60)), AS_OF)
                line = f"salesops contact add --account {{account_id}} --name {person['name']}"
                self.record("contacts", on, owner, line, {k: v for k, v in person.items() if v},
                            account_id=account)  # fmt: skip

    # ------------------------------------------------------------ follow-ups

    def lead_follow_ups(self, quiet: set[int]) -> None:
        """A follow-up on each step of an owned lead; open leads followed up until lately."""
        rng = self.desk_rng
        for lead in sorted(self.recs["leads"], key=lambda r: r.key):
            owner = lead.fields["owner"]
            if not owner:
                continue
            day = lead.fields["created_on"]
            last = None
            for on, step in self.states(lead, "status")[1:]:
                for between in self.stream(day + days(10), on - days(5), (10, 20))[:-1]:
                    self.follow(lead, between, owner, self.pick(N.LEAD_FOLLOW["nurture"]))
                if step == "disqualified":
                    kind = ("call", f"确认关闭：{lead.fields['disqualify_reason']}", None)
                else:
                    kind = self.pick(N.LEAD_FOLLOW[step])
                last = self.follow(lead, on, owner, kind)
                day = on
            if lead.fields["status"] not in OPEN_LEAD:
                continue
            if id(lead) in quiet:
                end = min(AS_OF - days(RECLAIM_DAYS + rng.randint(10, 40)), day + days(20))
            else:
                end = AS_OF - days(rng.randint(0, 18))
            kinds = N.LEAD_FOLLOW["attempt" if lead.fields["status"] == "new" else "nurture"]
            for on in self.stream(day, end, (12, 28)):
                last = self.follow(lead, on, owner, self.pick(kinds))
            if last is not None:
                self.close_with_next(last)

    def close_with_next(self, act: Rec) -> None:
        """The latest follow-up of an open record: its next step overdue, due today or ahead."""
        if act.fields.get("next_step"):
            roll = self.desk_rng.random()
            ahead = 0 if roll < 0.15 else self.desk_rng.randint(3, 14)
            act.fields["next_on"] = (
                max(act.fields["on"] + days(1), AS_OF)
                if not ahead
                else act.fields["on"] + days(ahead)
            )

    def opportunity_follow_ups(self) -> None:
        """A follow-up on each stage of a deal, a demo by its SR, and recent ones on live deals."""
        rng = self.desk_rng
        for opp in sorted(self.recs["opportunities"], key=lambda r: r.key):
            f, account = opp.fields, opp.refs["account_id"]
            owner = f["owner"]
            stages = self.states(opp, "stage")
            stalled = f["stage"] not in ("won", "lost") and f["stage_changed_on"] < AS_OF - days(
                STALLED_DAYS
            )
            limit = AS_OF - days(STALLED_DAYS + 2) if stalled else AS_OF
            day, last = stages[0][0], None
            for k, (on, stage) in enumerate(stages[1:], 1):
                for between in self.stream(day + days(8), on - days(4), (8, 16))[:-1]:
                    self.follow(
                        opp, between, owner, self.pick(N.OPP_FOLLOW["follow"]), account=account
                    )
                if stage == "lost":
                    kind = ("call", f"客户反馈不再推进：{f['lost_reason']}", None)
                else:
                    kind = self.pick(N.OPP_FOLLOW[stage])
                last = self.follow(opp, on, owner, kind, account=account)
                nxt = stages[k + 1][0] if k + 1 < len(stages) else limit + days(1)
                demo = on + days(rng.randint(2, 6))
                if stage == "solution" and demo < nxt and demo <= limit:
                    last = self.follow(
                        opp, demo, f["sr"], self.pick(N.OPP_FOLLOW["demo"]), account=account
                    )
                day = max(on, last.fields["on"])
            if f["stage"] in ("won", "lost"):
                continue
            end = (
                min(day + days(rng.randint(3, 8)), limit)
                if stalled
                else AS_OF - days(rng.randint(0, 10))
            )
            for on in self.stream(day, end, (7, 18)):
                last = self.follow(
                    opp, on, owner, self.pick(N.OPP_FOLLOW["follow"]), account=account
                )
            if last is not None:
                self.close_with_next(last)

    def contract_follow_ups(self) -> None:
        """The review meeting of each contract; the FR at every acceptance on site."""
        for con in sorted(self.recs["contracts"], key=lambda r: r.key):
            account, opp = con.refs["account_id"], con.refs["opportunity_id"]
            for on, state in self.states(con, "status"):
                if state == "review":
                    type_, summary, step = N.CONTRACT_FOLLOW["review"]
                    pending = con.fields["status"] == "review"
                    act = self.follow(con, on, con.fields["owner"], (type_, summary, step if pending else None),
                                      account=account)  # fmt: skip
                    if pending:
                        self.close_with_next(act)
            for d in sorted(self.recs["deliveries"], key=lambda r: r.key):
                if d.refs["contract_id"] is con and d.fields.get("accepted_on"):
                    self.follow(con, d.fields["accepted_on"], opp.fields["fr"], N.CONTRACT_FOLLOW["accepted"],
                                account=account)  # fmt: skip

    def receivable_follow_ups(self) -> None:
        """Dunning (催款) on every receivable once overdue, until paid or written off."""
        rng = self.desk_rng
        for r in sorted(self.recs["receivables"], key=lambda r: r.key):
            due = r.fields.get("due_date")
            if due is None or due >= AS_OF:
                continue
            account, owner = r.refs["account_id"], r.fields["owner"]
            status = r.fields["status"]
            settled = None
            if status == "paid":
                settled = r.fields["last_payment_on"]
            elif status == "written_off":
                settled = next(on for on, s in self.states(r, "status") if s == "written_off")
            end = settled - days(1) if settled else AS_OF - days(rng.randint(0, 5))
            last = None
            day = due + days(rng.randint(3, 10))
            if not settled and due < end < day:
                day = end  # owed and past due: chased at least once by now
            while day <= end:
                last = self.follow(
                    r, day, owner, self.pick(N.CASH_FOLLOW["reminder"]), account=account
                )
                day += days(rng.randint(12, 25))
            if last is None:
                continue
            if settled:
                self.follow(r, settled, owner, N.CASH_FOLLOW[status][0], account=account)
            else:
                self.close_with_next(last)

    def account_visits(self, quiet: set[int]) -> None:
        """Regular visits and calls to every account by its owner; the quiet ones long ago."""
        rng = self.desk_rng
        for account in sorted(self.recs["accounts"], key=lambda a: a.key):
            owner, created = account.fields["owner"], account.fields["created_on"]
            if id(account) in quiet:
                end = AS_OF - days(RECLAIM_DAYS + rng.randint(10, 40))
            else:
                end = AS_OF - days(rng.randint(0, RECLAIM_DAYS - 8))
            visits = self.stream(created + days(14), end, (25, 45))[-2:]
            if not visits and id(account) not in quiet and created < AS_OF - days(14):
                visits = [max(created + days(7), AS_OF - days(rng.randint(0, 10)))]
            last = None
            for on in visits:
                last = self.follow(account, on, owner, self.pick(N.ACCOUNT_FOLLOW))
            if last is not None:
                self.close_with_next(last)

    # ------------------------------------------------------------ targets, credit, prepaid cash

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
