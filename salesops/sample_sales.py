"""The sample company's sales side: opportunities through their gates, quotes, contracts.

`SalesBuilder` records every move as a `Cmd` with the fields it changed, so
the history of the sample reads like the commands that made it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from salesops import sample_names as N
from salesops.sample_leads import Cmd, LeadBuilder, Rec
from salesops.sample_plan import (
    AS_OF,
    CENT,
    FRESH_DAYS_AGO,
    HUNDRED,
    PROBABILITY,
    REPEAT_WON,
    STAGES,
    START,
    TERMS_OF,
    days,
    iso,
)
from salesops.settings import defaults

DIRECTOR_DISCOUNT = defaults()["approval"]["director_discount_pct"]


class SalesBuilder(LeadBuilder):
    """Opportunities won, open and lost, with the quotes and contracts their gates need."""

    def colleagues(self, owner: str) -> list[str]:
        """The active members of `owner`'s team other than `owner` (SR and FR candidates)."""
        team = next(t for n, t, *_ in N.REPS if n == owner)
        return [n for n, t, _r, _g, active in N.REPS if t == team and active and n != owner]

    # ------------------------------------------------------------ leads, accounts, opportunities

    def origin(
        self, created: dt.date, repeat: bool, owner: str | None = None, region=None
    ) -> tuple[Rec, Rec | None]:
        """The account of a new opportunity and, unless a repeat order, the lead converted into it."""
        if repeat:
            olds = [
                a for a in self.recs["accounts"] if a.fields["created_on"] <= created - days(20)
            ]
            account = self.rng.choice(olds)
            return account, None
        company = self.company(region or ("华东", "华北", "华南"))
        owner = owner or self.owner_for(company["region"])
        # November's hot leads convert within days (the weekly report shows conversions)
        gap = self.rng.randint(1, 3) if created >= iso("2026-10-26") else self.rng.randint(4, 25)
        lead_created = max(START, created - days(gap))
        lead = self.lead(company, lead_created, owner, "converted", created)
        terms = self.rng.choice((None, None, 30, 30, 45, 60, 90))
        account = self.new("accounts", created, {
            "name": company["name"], "industry": company["industry"], "region": company["region"],
            "owner": owner, "created_on": created, "payment_terms_days": terms,
            "credit_limit": Decimal(self.rng.randint(5, 50) * 100_000),
        })  # fmt: skip
        lead.refs["account_id"] = account
        self.origins[id(account)] = (lead, company["domain"])
        return account, lead

    def opportunity(self, account: Rec, lead: Rec | None, owner: str, entries: list[dt.date], product: str,
                    amount: Decimal | None = None, close: dt.date | None = None) -> Rec:  # fmt: skip
        """An opportunity entering STAGES[k] on entries[k]; amount and close date set at solution."""
        created = entries[0]
        short = _short_name(account.fields["name"])
        opp = self.new("opportunities", created, {
            "name": f"{short}-{product}", "owner": owner, "created_on": created, "stage": STAGES[0],
            "probability": Decimal(PROBABILITY["qualification"]), "stage_changed_on": created,
        }, account_id=account)  # fmt: skip
        if lead is not None:
            opp.refs["lead_id"] = lead
            lead.refs["opportunity_id"] = opp
            opp.fields["amount"] = lead.fields["estimated_value"]
            convert = self.moves[(id(lead), "converted")]
            self.log(convert, lead, "opportunity_id", None, opp)
            self.log(convert, lead, "account_id", None, account)
        else:
            convert = self.cmd(
                created,
                owner,
                f"salesops opp add --account {{account}} --owner {owner}",
                account=account,
            )
        self.log(convert, opp, "stage", None, "qualification")
        self.log(convert, opp, "stage_changed_on", None, created)
        for k in range(1, len(entries)):
            if STAGES[k] == "solution":  # 立项: the iron triangle forms around the owner
                amount = (
                    amount
                    or opp.fields.get("amount")
                    or Decimal(self.rng.randint(10, 150) * 10_000)
                )
                close = close or entries[k] + days(self.rng.randint(30, 90))
                sr, fr = self.desk_rng.sample(self.colleagues(owner), 2)
                line = (f"salesops advance {{opp}} solution --on {entries[k]} --set amount={amount} "
                        f"--set expected_close={close} --set sr={sr} --set fr={fr}")  # fmt: skip
                c = self.cmd(entries[k], owner, line, opp=opp)
                sets = (("amount", amount), ("expected_close", close), ("sr", sr), ("fr", fr))
                for name, value in sets:
                    self.log(c, opp, name, opp.fields.get(name), value)
                    opp.fields[name] = value
            else:
                c = self.cmd(
                    entries[k],
                    owner,
                    f"salesops advance {{opp}} {STAGES[k]} --on {entries[k]}",
                    opp=opp,
                )
            self.stage(c, opp, STAGES[k])
        return opp

    def stage(self, c: Cmd, opp: Rec, stage: str) -> None:
        f = opp.fields
        self.log(c, opp, "stage", f["stage"], stage)
        self.log(c, opp, "stage_changed_on", f["stage_changed_on"], c.on)
        self.log(c, opp, "probability", f["probability"], Decimal(PROBABILITY[stage]))
        f.update(stage=stage, stage_changed_on=c.on, probability=Decimal(PROBABILITY[stage]))
        if stage in ("won", "lost"):
            self.log(c, opp, "closed_on", None, c.on)
            f["closed_on"] = c.on

    def entries(self, last: dt.date, stage: str, gap: tuple[int, int] = (4, 15)) -> list[dt.date]:
        """Stage entry dates ending with `stage` entered on `last`, earliest clamped to the year."""
        k = STAGES.index(stage)
        out = [last]
        for _ in range(k):
            out.append(out[-1] - days(self.rng.randint(*gap)))
        out.reverse()
        floor = START + days(5)
        for i, d in enumerate(out):
            out[i] = max(d, floor + days(i * 2))
        return out

    # ------------------------------------------------------------ quotes and contracts

    def quote(self, opp: Rec, quoted: dt.date, list_amount: Decimal, discount: int, margin: int,
              path: list[tuple[str, dt.date]], note: str | None = None) -> Rec:  # fmt: skip
        """A quote created on `quoted` and moved along `path` (status, date) — approval when needed."""
        owner = opp.fields["owner"]
        amount = list_amount * (HUNDRED - discount) / HUNDRED
        cost = (amount * (HUNDRED - margin) / HUNDRED).quantize(CENT)
        version = 1 + sum(1 for q in self.recs["quotes"] if q.refs["opportunity_id"] is opp)
        q = self.new("quotes", quoted, {
            "version": version, "quote_date": quoted, "valid_until": quoted + days(30), "currency": "CNY",
            "list_amount": list_amount.quantize(CENT), "discount_pct": Decimal(discount),
            "amount": amount.quantize(CENT), "cost": cost, "margin_pct": Decimal(margin), "status": "draft",
            "notes": note,
        }, opportunity_id=opp)  # fmt: skip
        line = f"salesops quote create {{opp}} --list-amount {list_amount} --discount {discount} --cost {cost}"
        self.log(self.cmd(quoted, owner, line, opp=opp), q, "status", None, "draft")
        needs = discount > 10 or margin < 20
        approver = N.SALES_DIRECTOR if discount > DIRECTOR_DISCOUNT else self.lead_of_team(owner)
        for status, on in path:
            by = approver if status == "approved" and needs else owner
            line = f"salesops advance {{quote}} {status} --on {on}" + (
                f" --by {by}" if by != owner else ""
            )
            if status == "expired":
                line, by = "salesops sweep", "cron"
            c = self.cmd(on, by, line, quote=q)
            self.log(c, q, "status", q.fields["status"], status)
            q.fields["status"] = status
            if status == "approved":
                q.fields["approved_on"] = on
                self.log(c, q, "approved_on", None, on)
                if needs:
                    q.fields["approved_by"] = by
                    self.log(c, q, "approved_by", None, by)
        return q

    def priced(self, base: Decimal | None) -> tuple[Decimal, int, int]:
        """List amount (whole hundreds, so the discounted amount is exact), discount and margin."""
        base = base or Decimal(500_000)
        list_amount = Decimal(int(base * Decimal(self.rng.uniform(1.0, 1.25)) / 100) * 100)
        needs = self.rng.random() < 0.3
        discount = self.rng.choice((12, 15, 18)) if needs else self.rng.choice((0, 3, 5, 5, 8, 10))
        margin = (
            self.rng.choice((16, 18))
            if needs and self.rng.random() < 0.3
            else self.rng.randint(22, 42)
        )
        return list_amount, discount, margin

    def approval_path(
        self, quoted: dt.date, discount: int, margin: int
    ) -> list[tuple[str, dt.date]]:
        if discount > 10 or margin < 20:
            return [("pending_approval", quoted), ("approved", quoted + days(1))]
        return [("approved", quoted)]

    def contract(self, opp: Rec, quote: Rec, terms: str, steps: list[tuple[str, dt.date]]) -> Rec:
        """A contract from an accepted quote, moved along `steps` (review, signed, terminated)."""
        owner = opp.fields["owner"]
        drafted = steps[0][1]
        con = self.new("contracts", drafted, {
            "title": f"{opp.fields['name']}合同", "owner": owner, "amount": quote.fields["amount"], "currency": "CNY",
            "payment_terms": terms, "status": "draft",
        }, opportunity_id=opp, quote_id=quote, account_id=opp.refs["account_id"])  # fmt: skip
        self.log(
            self.cmd(
                drafted, owner, f"salesops contract create {{quote}} --terms {terms}", quote=quote
            ),
            con,
            "status",
            None,
            "draft",
        )
        # project contracts (with retention) go through legal; the others through the owner's manager
        reviewer = N.LEGAL_REVIEWER if terms == "project" else self.lead_of_team(owner)
        for status, on in steps[1:]:
            if status == "signed":
                c = self.cmd(
                    on,
                    reviewer,
                    f"salesops advance {{con}} signed --on {on} --by {reviewer}",
                    con=con,
                )
                self.moves[(id(con), "signed")] = c
                con.fields.update(reviewer=reviewer, signed_on=on)
                self.log(c, con, "reviewer", None, reviewer)
                self.log(c, con, "signed_on", None, on)
                self.stage(c, opp, "won")
            elif status == "terminated":
                c = self.cmd(
                    on,
                    owner,
                    f"salesops advance {{con}} terminated --on {on} --reason {N.TERMINATE_REASON}",
                    con=con,
                )
                con.fields["terminate_reason"] = N.TERMINATE_REASON
                self.log(c, con, "terminate_reason", None, N.TERMINATE_REASON)
            else:
                c = self.cmd(on, owner, f"salesops advance {{con}} {status} --on {on}", con=con)
            self.log(c, con, "status", con.fields["status"], status)
            con.fields["status"] = status
        return con

    # ------------------------------------------------------------ the three kinds of opportunity

    def won(self, i: int, signed: dt.date) -> None:
        rng = self.rng
        created = max(signed - days(rng.randint(40, 110)), START + days(5))
        cycle = (signed - created).days
        account, lead = self.origin(created, i in REPEAT_WON)
        owner = lead.fields["owner"] if lead else account.fields["owner"]
        na = created + days(max(2, cycle * 12 // 100))
        sol = created + days(cycle * 30 // 100)
        prop = created + days(cycle * 50 // 100)
        neg = min(created + days(cycle * 72 // 100), signed - days(10))
        list_amount, discount, margin = self.priced(
            lead.fields["estimated_value"] if lead else None
        )
        quoted = self.between(sol + days(1), prop - days(2))
        accepted = signed - days(rng.randint(3, 8))
        one_version = accepted <= quoted + days(30) and rng.random() < 0.65
        discount2 = discount if one_version else min(discount + rng.choice((2, 3, 5)), 20)
        final_amount = list_amount * (HUNDRED - discount2) / HUNDRED
        close = max(created + days(20), signed + days(rng.randint(-15, 20)))
        opp = self.opportunity(account, lead, owner, [created, na, sol, prop, neg], N.PRODUCTS[i % len(N.PRODUCTS)],
                               final_amount.quantize(CENT), close)  # fmt: skip
        path = self.approval_path(quoted, discount, margin)
        sent = self.between(max(prop, path[-1][1]), neg - days(1))
        if one_version:
            final = self.quote(
                opp,
                quoted,
                list_amount,
                discount,
                margin,
                [*path, ("sent", sent), ("accepted", accepted)],
            )
        else:
            quoted2 = self.between(max(neg, accepted - days(18)), accepted - days(2))
            fate = (
                ("expired", quoted + days(31))
                if quoted + days(30) < quoted2
                else ("rejected", quoted2)
            )
            note = rng.choice(N.REJECT_NOTES) if fate[0] == "rejected" else None
            self.quote(
                opp, quoted, list_amount, discount, margin, [*path, ("sent", sent), fate], note
            )
            path2 = self.approval_path(quoted2, discount2, margin)
            final = self.quote(opp, quoted2, list_amount, discount2, margin,
                               [*path2, ("sent", path2[-1][1]), ("accepted", accepted)])  # fmt: skip
        drafted = accepted + days(rng.randint(0, 1))
        review = self.between(drafted + days(1), signed - days(1))
        terms = TERMS_OF.get(i, "standard")
        self.contract(
            opp, final, terms, [("draft", drafted), ("review", review), ("signed", signed)]
        )

    def open_opportunity(self, stage: str, stalled: bool, situation: str | None) -> None:
        rng = self.rng
        contract = situation is not None and situation.startswith("contract")
        forced_quote = None
        if stalled:
            last = AS_OF - days(rng.randint(35, 110))
        elif situation == "fresh":
            last = AS_OF - days(FRESH_DAYS_AGO[self.fresh])
            self.fresh += 1
        elif stage == "negotiation":
            last = AS_OF - days(rng.randint(10, 16) if contract else rng.randint(2, 15))
        else:
            last = AS_OF - days(rng.randint(2, 20 if stage == "proposal" else 28))
        gap = (3, 8) if not stalled and stage in ("proposal", "negotiation") else (4, 15)
        ents = self.entries(last, stage, gap)
        if situation == "expiring":  # quoted 24-26 days ago: valid for a few more days
            forced_quote = AS_OF - days(24 + rng.randint(0, 2))
            sol = forced_quote - days(rng.randint(2, 5))
            prop = forced_quote + days(rng.randint(1, 3))
            na = sol - days(rng.randint(4, 10))
            ents = [na - days(rng.randint(3, 8)), na, sol, prop, prop + days(rng.randint(2, 6))]
        account, lead = self.origin(ents[0], situation == "repeat")
        owner = lead.fields["owner"] if lead else account.fields["owner"]
        list_amount, discount, margin = self.priced(
            lead.fields["estimated_value"] if lead else None
        )
        if situation == "pending":
            discount = rng.choice((12, 15))
        amount = (list_amount * (HUNDRED - discount) / HUNDRED).quantize(CENT) if contract else None
        close = AS_OF + days(rng.randint(5, 100))
        opp = self.opportunity(account, lead, owner, ents, rng.choice(N.PRODUCTS), amount, close)
        if stage == "qualification" and rng.random() < 0.4:
            opp.fields["amount"] = None  # not estimated yet
        if stage in ("qualification", "needs_analysis") or (
            stage == "solution" and situation not in ("draft", "pending")
        ):
            return
        if stage == "solution":
            quoted = self.between(ents[-1] + days(1), AS_OF - days(1))
            self.quote(
                opp,
                quoted,
                list_amount,
                discount,
                margin,
                [("pending_approval", quoted)] if situation == "pending" else [],
            )
            return
        sol, prop = ents[2], ents[3]
        if (
            situation == "reissued"
        ):  # the first quote expired while the deal stalled; a new one is out
            quoted = self.between(sol + days(1), prop - days(2))
            path = self.approval_path(quoted, discount, margin)
            steps = (
                [*path, ("sent", self.between(max(prop, path[-1][1]), ents[-1]))]
                if stage == "negotiation"
                else path
            )
            self.quote(
                opp, quoted, list_amount, discount, margin, [*steps, ("expired", quoted + days(31))]
            )
            quoted2 = self.between(max(quoted + days(31), AS_OF - days(26)), AS_OF - days(2))
            path2 = self.approval_path(quoted2, discount, margin)
            self.quote(
                opp, quoted2, list_amount, discount, margin, [*path2, ("sent", path2[-1][1])]
            )
            return
        quoted = forced_quote or self.between(max(sol + days(1), prop - days(3)), prop - days(1))
        path = self.approval_path(quoted, discount, margin)
        if stage == "proposal":
            steps = path + (
                [("sent", self.between(prop, AS_OF - days(1)))] if situation == "sent" else []
            )
            self.quote(opp, quoted, list_amount, discount, margin, steps)
            return
        sent = self.between(max(prop, path[-1][1]), ents[-1])
        if not contract:
            self.quote(opp, quoted, list_amount, discount, margin, [*path, ("sent", sent)])
            return
        accepted = self.between(ents[-1] + days(1), min(AS_OF - days(4), quoted + days(30)))
        quote = self.quote(
            opp,
            quoted,
            list_amount,
            discount,
            margin,
            [*path, ("sent", sent), ("accepted", accepted)],
        )
        drafted = accepted + days(1)
        steps = [("draft", drafted)]
        if situation == "contract:review":
            steps.append(("review", self.between(drafted + days(1), AS_OF)))
        self.contract(opp, quote, "standard", steps)

    def lost(self, stage: str, closed: dt.date, special: str | None) -> None:
        rng = self.rng
        terminated = special == "terminated"
        last = closed - days(rng.randint(15, 20) if terminated else rng.randint(5, 30))
        ents = self.entries(last, stage, (4, 12))
        owner = special if special and not terminated else None
        account, lead = self.origin(ents[0], False, owner, ("华北",) if owner else None)
        owner = lead.fields["owner"]
        list_amount, discount, margin = self.priced(lead.fields["estimated_value"])
        amount = (
            (list_amount * (HUNDRED - discount) / HUNDRED).quantize(CENT) if terminated else None
        )
        opp = self.opportunity(account, lead, owner, ents, rng.choice(N.PRODUCTS), amount)
        lost_so_far = sum(1 for r in self.recs["opportunities"] if r.fields.get("lost_reason"))
        reason, competitor = N.LOST_REASONS[lost_so_far % len(N.LOST_REASONS)]
        if terminated:
            reason, competitor = N.TERMINATE_REASON, None
        if STAGES.index(stage) >= STAGES.index("proposal"):
            quoted = self.between(ents[2] + days(1), ents[3] - days(2))
            path = self.approval_path(quoted, discount, margin)
            sent = self.between(max(ents[3], path[-1][1]), ents[-1])
            if terminated:
                accepted = ents[-1] + days(3)
                q = self.quote(
                    opp,
                    quoted,
                    list_amount,
                    discount,
                    margin,
                    [*path, ("sent", sent), ("accepted", accepted)],
                )
                steps = [
                    ("draft", accepted + days(1)),
                    ("review", accepted + days(3)),
                    ("terminated", closed),
                ]
                self.contract(opp, q, "standard", steps)
            else:
                fate = (
                    ("expired", quoted + days(31))
                    if closed > quoted + days(30)
                    else ("rejected", closed)
                )
                self.quote(
                    opp,
                    quoted,
                    list_amount,
                    discount,
                    margin,
                    [*path, ("sent", sent), fate],
                    rng.choice(N.REJECT_NOTES),
                )
        line = f"salesops advance {{opp}} lost --on {closed} --reason {reason}"
        c = self.cmd(closed, owner, line, opp=opp)
        opp.fields.update(lost_reason=reason, lost_at_stage=stage, competitor=competitor)
        self.log(c, opp, "lost_reason", None, reason)
        self.log(c, opp, "lost_at_stage", None, stage)
        self.stage(c, opp, "lost")


def _short_name(company: str) -> str:
    """`上海恒通精密机械有限公司` → `恒通精密机械`: how people name the customer in a deal name."""
    city = next((c[0] for c in N.CITIES if company.startswith(c[0])), "")
    return company[len(city) :].removesuffix("股份有限公司").removesuffix("有限公司")
