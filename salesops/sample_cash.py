"""The sample company's delivery and cash side: deliveries, receivable plans, invoices, payments.

Money is placed on purpose: as of `AS_OF` every aging bucket holds an
outstanding amount, some receivables are partly paid or paid in instalments,
one is written off, and cash comes in during every week of November 2026.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from salesops import sample_names as N
from salesops.sample_plan import (
    AS_OF,
    DELIVERY_PACE,
    HUNDRED,
    LOST,
    ONE,
    OPEN,
    SIGNINGS,
    START,
    TERMINATED_AFTER_SIGNING,
    TERMS,
    aging_bucket,
    days,
    iso,
)
from salesops.sample_sales import Rec, SalesBuilder

STEPS = (("shipped", "shipped_on"), ("delivered", "delivered_on"), ("accepted", "accepted_on"))


class CashBuilder(SalesBuilder):
    """The whole year: the sales side, then delivery and cash for every signed contract."""

    def build(self) -> None:
        for name, team, region, target, active in N.REPS:
            head = next(n for n, t, *_ in N.REPS if t == team)
            self.reps[name] = self.new("reps", START, {
                "name": name, "team": team, "region": region, "active": active,
                "manager": N.SALES_DIRECTOR if head == name else head,
                "monthly_target": Decimal(target) if target else None,
                "role": "manager" if head == name else "rep",
            })  # fmt: skip
        for name, team, role in N.STAFF:
            self.reps[name] = self.new(
                "reps", START, {"name": name, "team": team, "active": True, "role": role}
            )
        for i, signed in enumerate(SIGNINGS):
            self.won(i, iso(signed))
        for stage, stalled, situation in OPEN:
            self.open_opportunity(stage, stalled, situation)
        for stage, closed, special in LOST:
            self.lost(stage, iso(closed), special)
        self.other_leads()
        self.fulfil()
        self.sources_and_scores()

    # ------------------------------------------------------------ delivery and cash

    def fulfil(self) -> None:
        signed = [c for c in self.recs["contracts"] if c.fields.get("signed_on")]
        invoiced: list[Rec] = []
        ending = {c.fields["signed_on"]: iso(t) for i, t in TERMINATED_AFTER_SIGNING.items() for c in signed
                  if c.fields["signed_on"] == iso(SIGNINGS[i])}  # fmt: skip
        for con in signed:
            deliveries = [] if con.fields["signed_on"] in ending else self.deliver(con)
            invoiced += self.plan_receivables(con, deliveries)
        paid_before_end = [
            r for r in invoiced if r.refs["contract_id"].fields["signed_on"] in ending
        ]
        self.collect([r for r in invoiced if r not in paid_before_end])
        for r in paid_before_end:
            self.pay(
                r,
                r.fields["amount"],
                self.between(r.fields["invoiced_on"] + days(5), r.fields["due_date"]),
            )
        for con in signed:
            if con.fields["signed_on"] in ending:
                self.terminate(con, ending[con.fields["signed_on"]])
            else:
                self.close_contract(con)

    def terminate(self, con: Rec, on: dt.date) -> None:
        """The customer ends a signed contract: its scheduled receivables are cancelled."""
        reason = N.TERMINATE_REASON
        c = self.cmd(
            on,
            con.fields["owner"],
            f"salesops advance {{con}} terminated --on {on} --reason {reason}",
            con=con,
        )
        self.log(c, con, "terminate_reason", None, reason)
        self.log(c, con, "status", con.fields["status"], "terminated")
        con.fields.update(status="terminated", terminate_reason=reason)
        for r in self.recs["receivables"]:
            if r.refs["contract_id"] is con and r.fields["status"] == "scheduled":
                self.log(c, r, "notes", None, reason)
                self.log(c, r, "status", "scheduled", "cancelled")
                r.fields.update(status="cancelled", notes=reason)

    def deliver(self, con: Rec) -> list[Rec]:
        """1-3 deliveries, each as far along as its dates allow (or as DELIVERY_PACE says)."""
        rng = self.rng
        signed = con.fields["signed_on"]
        owner = con.fields["owner"]
        pace = DELIVERY_PACE.get(signed.isoformat()) or (None,) * rng.choice((1, 1, 2, 2, 3))
        out = []
        planned = signed + days(rng.randint(12, 30))
        for k, target in enumerate(pace):
            dates = self.delivery_dates(signed, planned, target)
            planned = dates.pop("planned_on")
            d = self.new("deliveries", (signed, k), {"description": N.DELIVERY_STEPS[k if k < 2 else 4],
                                                      "planned_on": planned, "status": "planned"},
                         contract_id=con)  # fmt: skip
            add = self.cmd(
                signed, owner, f"salesops delivery add {{con}} --planned {planned}", con=con
            )
            self.log(add, d, "status", None, "planned")
            for (status, name), on in zip(STEPS, dates.values(), strict=True):
                if on is None or on > AS_OF:
                    break
                line = f"salesops advance {{d}} {status} --on {on}"
                if status == "accepted":
                    d.fields["csat"] = rng.choices((5, 4, 3, 2), (45, 35, 15, 5))[0]
                    line += f" --set csat={d.fields['csat']}"
                c = self.moves[(id(d), status)] = self.cmd(on, owner, line, d=d)
                if status == "accepted":
                    self.log(c, d, "csat", None, d.fields["csat"])
                self.log(c, d, name, None, on)
                self.log(c, d, "status", d.fields["status"], status)
                d.fields.update({"status": status, name: on})
                if status == "shipped" and con.fields["status"] == "signed":
                    self.log(c, con, "status", "signed", "executing")
                    con.fields["status"] = "executing"
            out.append(d)
            planned = planned + days(rng.randint(10, 30))
        return out

    def delivery_dates(self, signed: dt.date, planned: dt.date, target: str | None) -> dict:
        """planned_on and the shipped/delivered/accepted dates of a delivery (None: not reached)."""
        rng = self.rng
        if target == "planned":
            return {
                "planned_on": max(planned, AS_OF + days(rng.randint(5, 25))),
                "s": None,
                "d": None,
                "a": None,
            }
        if target == "shipped":
            shipped = AS_OF - days(rng.randint(0, 2))
            return {
                "planned_on": shipped - days(rng.randint(0, 2)),
                "s": shipped,
                "d": None,
                "a": None,
            }
        if target == "delivered":
            delivered = AS_OF - days(rng.randint(0, 3))
            shipped = delivered - days(rng.randint(2, 5))
            return {"planned_on": shipped, "s": shipped, "d": delivered, "a": None}
        shipped = max(planned + days(rng.randint(-2, 4)), signed + days(1))
        delivered = shipped + days(rng.randint(2, 7))
        return {
            "planned_on": planned,
            "s": shipped,
            "d": delivered,
            "a": delivered + days(rng.randint(7, 28)),
        }

    def plan_receivables(self, con: Rec, deliveries: list[Rec]) -> list[Rec]:
        """The milestone plan written at signing; triggered and invoiced as the deliveries allow."""
        from salesops.values import split_by_pct

        signed = con.fields["signed_on"]
        plan = TERMS[con.fields["payment_terms"]]
        amounts = split_by_pct(con.fields["amount"], [Decimal(p) for _, p in plan])
        account = con.refs["account_id"]
        term_days = account.fields.get("payment_terms_days") or 30
        sign_cmd = self.moves[(id(con), "signed")]
        done = {"delivered": bool(deliveries) and all(d.fields.get("delivered_on") for d in deliveries),
                "accepted": bool(deliveries) and all(d.fields.get("accepted_on") for d in deliveries)}  # fmt: skip
        out = []
        for k, ((milestone, pct), amount) in enumerate(zip(plan, amounts, strict=True)):
            r = self.new("receivables", (signed, con.key[1], k), {
                "owner": con.fields["owner"], "milestone": milestone, "pct": Decimal(pct), "amount": amount,
                "status": "scheduled",
            }, contract_id=con, account_id=account)  # fmt: skip
            self.log(sign_cmd, r, "status", None, "scheduled")
            self.log(sign_cmd, r, "amount", None, amount)
            trigger = None
            if milestone == "advance":
                trigger, how = signed, sign_cmd
            elif milestone == "delivery" and done["delivered"]:
                last = max(deliveries, key=lambda d: d.fields["delivered_on"])
                trigger = last.fields["delivered_on"]
                how = self.moves[(id(last), "delivered")]
            elif milestone == "acceptance" and done["accepted"]:
                last = max(deliveries, key=lambda d: d.fields["accepted_on"])
                trigger = last.fields["accepted_on"]
                how = self.moves[(id(last), "accepted")]
            if trigger is None:
                continue
            r.fields["triggered_on"] = trigger
            self.log(how, r, "triggered_on", None, trigger)
            invoiced = trigger + days(self.rng.randint(0, 4))
            if invoiced > AS_OF:
                continue
            self.invoices += 1
            number = f"{3_100_000 + self.invoices * 37 + self.rng.randint(0, 30):08d}"  # leading zero kept
            c = self.cmd(
                invoiced,
                N.FINANCE_USER,
                f"salesops receivable invoice {{r}} --invoice-no {number} --on {invoiced}",
                r=r,
            )
            due = invoiced + days(term_days)
            r.fields.update(
                status="invoiced", invoice_no=number, invoiced_on=invoiced, due_date=due
            )
            for name in ("invoice_no", "invoiced_on", "due_date"):
                self.log(c, r, name, None, r.fields[name])
            self.log(c, r, "status", "scheduled", "invoiced")
            out.append(r)
        return out

    def collect(self, invoiced: list[Rec]) -> None:
        """Payments: mostly paid, some late, some partial, and money outstanding in every aging bucket."""
        rng = self.rng
        by_bucket: dict[str, list[Rec]] = {}
        for r in invoiced:
            by_bucket.setdefault(aging_bucket(r.fields["due_date"]), []).append(r)
        early_acceptance = [r for r in by_bucket.get("180+", []) + by_bucket.get("91-180", [])
                            if r.fields["milestone"] == "acceptance"]  # fmt: skip
        write_off = early_acceptance[0] if early_acceptance else None
        forced: dict[int, str] = {}
        for bucket in ("not_due", "1-30", "31-60", "61-90", "91-180", "180+"):
            pool = [r for r in by_bucket.get(bucket, []) if r is not write_off]
            if not pool:
                raise AssertionError(f"sample has no receivable due in bucket {bucket}")
            rng.shuffle(pool)
            forced[id(pool[0])] = "unpaid" if bucket in ("180+", "61-90", "not_due") else "partial"
            if len(pool) > 2 and bucket != "180+":
                forced[id(pool[1])] = "partial" if forced[id(pool[0])] == "unpaid" else "unpaid"
        odds = {
            "not_due": 0.0,
            "1-30": 0.35,
            "31-60": 0.2,
            "61-90": 0.1,
            "91-180": 0.05,
            "180+": 0.0,
        }
        for r in invoiced:
            inv, due, amount = r.fields["invoiced_on"], r.fields["due_date"], r.fields["amount"]
            bucket = aging_bucket(due)
            how = forced.get(id(r))
            if r is write_off:
                self.pay(r, self.part(amount), self.between(inv + days(5), due + days(20)))
                off = self.between(
                    r.fields["last_payment_on"] + days(30),
                    min(r.fields["last_payment_on"] + days(90), AS_OF),
                )
                c = self.cmd(
                    off,
                    N.FINANCE_USER,
                    f"salesops advance {{r}} written_off --on {off} --reason {N.WRITE_OFF_REASON}",
                    r=r,
                )
                self.log(c, r, "write_off_reason", None, N.WRITE_OFF_REASON)
                self.log(c, r, "status", r.fields["status"], "written_off")
                r.fields.update(status="written_off", write_off_reason=N.WRITE_OFF_REASON)
                continue
            if how is None:
                roll = rng.random()
                if bucket == "not_due":
                    how = "early" if roll < 0.2 else "unpaid"
                elif roll < odds[bucket]:
                    how = rng.choice(("unpaid", "partial"))
                else:
                    how = rng.choices(("ontime", "late", "split"), (50, 30, 20))[0]
            if how == "unpaid":
                continue
            if how == "early":
                if inv < AS_OF:
                    self.pay(r, amount, self.between(inv + days(1), AS_OF))
            elif how == "partial":
                self.pay(
                    r,
                    self.part(amount),
                    self.between(inv + days(3), min(AS_OF, max(inv + days(3), due + days(15)))),
                )
            elif how == "ontime":
                self.pay(r, amount, self.between(max(inv + days(1), due - days(10)), due))
            elif how == "late":
                paid = due + days(rng.randint(3, 40))
                if paid <= AS_OF:
                    self.pay(r, amount, paid)
            else:
                first = self.part(amount)
                d1 = self.between(inv + days(3), due)
                self.pay(r, first, d1)
                d2 = d1 + days(rng.randint(10, 45))
                if d2 <= AS_OF:
                    self.pay(r, amount - first, d2)
        self.fill_payment_weeks(invoiced)

    def fill_payment_weeks(self, invoiced: list[Rec]) -> None:
        """Make sure cash came in during every week of November (ISO weeks 44 to 48)."""
        for monday in (
            iso("2026-10-26"),
            iso("2026-11-02"),
            iso("2026-11-09"),
            iso("2026-11-16"),
            iso("2026-11-23"),
        ):
            sunday = min(monday + days(6), AS_OF)
            if any(monday <= p.fields["received_on"] <= sunday for p in self.recs["payments"]):
                continue
            open_ = [r for r in invoiced if r.fields["status"] in ("invoiced", "partially_paid")
                     and r.fields["invoiced_on"] < monday and aging_bucket(r.fields["due_date"]) in ("1-30", "31-60", "not_due")
                     and (r.fields.get("last_payment_on") or monday) <= monday]  # fmt: skip
            r = open_[0]
            left = r.fields["amount"] - (r.fields.get("collected_amount") or 0)
            self.pay(r, self.part(left) if left > 2 else left, self.between(monday, sunday))

    def part(self, amount: Decimal) -> Decimal:
        """A round partial amount: 30–70 % in whole yuan, strictly between 0 and `amount`."""
        share = (amount * Decimal(self.rng.randint(30, 70)) / HUNDRED).quantize(ONE)
        return min(max(share, ONE), amount - ONE)

    def pay(self, r: Rec, amount: Decimal, on: dt.date) -> None:
        rng = self.rng
        method = rng.choices(("bank_transfer", "acceptance_bill", "cash", "other"), (80, 15, 3, 2))[
            0
        ]
        reference = f"0{rng.randint(10**16, 10**17 - 1)}" if method != "cash" else None
        p = self.new("payments", on, {"received_on": on, "amount": amount, "method": method, "reference": reference},
                     receivable_id=r, account_id=r.refs["account_id"])  # fmt: skip
        c = self.cmd(
            on,
            N.FINANCE_USER,
            f"salesops payment record {{r}} --amount {amount} --on {on} --method {method}",
            r=r,
        )
        self.log(c, p, "amount", None, amount)
        collected = (r.fields.get("collected_amount") or Decimal(0)) + amount
        status = "paid" if collected == r.fields["amount"] else "partially_paid"
        for name, value in (
            ("collected_amount", collected),
            ("last_payment_on", on),
            ("status", status),
        ):
            if r.fields.get(name) != value:
                self.log(c, r, name, r.fields.get(name), value)
                r.fields[name] = value

    def close_contract(self, con: Rec) -> None:
        deliveries = [d for d in self.recs["deliveries"] if d.refs["contract_id"] is con]
        receivables = [r for r in self.recs["receivables"] if r.refs["contract_id"] is con]
        if not all(d.fields["status"] == "accepted" for d in deliveries):
            return
        if not all(r.fields["status"] in ("paid", "written_off", "cancelled") for r in receivables):
            return
        dates = [d.fields["accepted_on"] for d in deliveries] + [
            r.fields.get("last_payment_on") or START for r in receivables
        ]
        off = [e[0].on for e in self.events if e[1] in receivables and e[2] == "write_off_reason"]
        done = max(dates + off)
        c = self.cmd(
            done, con.fields["owner"], f"salesops advance {{con}} completed --on {done}", con=con
        )
        self.log(c, con, "status", con.fields["status"], "completed")
        self.log(c, con, "completed_on", None, done)
        con.fields.update(status="completed", completed_on=done)
