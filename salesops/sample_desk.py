"""The sample company's daily desk (second release): contacts and follow-ups.

`DeskBuilder` runs after the year's sales and cash are made (and their targets,
credit and prepaid cash, `sample_targets`) and builds on what happened in
them: contacts of every account (the lead's contact first), a follow-up
(跟进记录) on every step of every lead, opportunity, contract and overdue
receivable, by its owner, with next steps done, due and overdue as of
`AS_OF`; regular visits to every account.

A few owners (`QUIET_OWNERS`) let records go quiet: their last follow-up is
older than `pool.reclaim_days`, so `sweep` returns them to the public pool;
every other owned open lead and account was followed up within it.

It draws from its own random stream (`desk_rng`), so the records made before
it are exactly those of the first release.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from salesops import sample_names as N
from salesops.sample_leads import Cmd, Rec
from salesops.sample_plan import AS_OF, QUIET_OWNERS, days
from salesops.sample_targets import SETTINGS, TargetBuilder

RECLAIM_DAYS = SETTINGS["pool"]["reclaim_days"]
STALLED_DAYS = SETTINGS["report"]["stalled_days"]
OPEN_LEAD = ("new", "contacted", "qualified")


class DeskBuilder(TargetBuilder):
    """The whole year, its targets and credit, then the desk around it."""

    def build(self) -> None:
        super().build()
        self.follows: list[tuple[Cmd, Rec]] = []
        quiet_accounts, quiet_leads = self.quiet_records()
        self.contacts()
        self.lead_follow_ups(quiet_leads)
        self.opportunity_follow_ups()
        self.contract_follow_ups()
        self.receivable_follow_ups()
        self.account_visits(quiet_accounts)
        self.log_follow_ups()

    # ------------------------------------------------------------ plumbing

    def record(self, register: str, on: dt.date, by: str, line: str, fields: dict[str, Any],
               **refs: Rec) -> Rec:  # fmt: skip
        """A record added by a command on `on`, with a history row for each field it fills."""
        rec = self.new(register, on, fields, **refs)
        self.added(self.cmd(on, by, line, **refs), rec)
        return rec

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
