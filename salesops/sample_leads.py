"""The sample company's people and leads: reps, customers' names and contacts, leads in every status.

`LeadBuilder` also holds the plumbing every part of the generator shares:
records under construction (`Rec`) and the commands that changed them (`Cmd`),
from which the sample's history.csv is written.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from salesops import sample_names as N
from salesops.sample_plan import AS_OF, OTHER_LEADS, START, days, iso
from salesops.schema import REGISTERS


@dataclass(eq=False)
class Rec:
    """A record under construction: typed fields, references to other records, a sort key."""

    register: str
    key: tuple
    fields: dict[str, Any]
    refs: dict[str, Rec] = field(default_factory=dict)
    id: str = ""


@dataclass(eq=False)
class Cmd:
    """One command run: its date, user and command line (with `{name}` for record IDs)."""

    on: dt.date
    user: str
    line: str
    args: dict[str, Rec]
    seq: int


class LeadBuilder:
    """Plumbing, people and leads; `SalesBuilder` adds opportunities, quotes and contracts."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        # The second release's additions (iron triangle, contacts, follow-ups) draw from their own
        # stream, so the records of the first release stay exactly as they were.
        self.desk_rng = random.Random(seed * 7919 + 1)
        self.recs: dict[str, list[Rec]] = {name: [] for name in REGISTERS}
        self.events: list[tuple[Cmd, Rec, str, Any, Any]] = []
        self.seq = 0
        self.used_names: set[str] = set()
        self.reps: dict[str, Rec] = {}
        self.moves: dict[tuple[int, str], Cmd] = {}  # (record, state entered) → the command
        self.invoices = 0
        self.fresh = 0  # fresh opportunities made so far (index into FRESH_DAYS_AGO)
        self.origins: dict[int, tuple[Rec, str]] = {}  # account → the lead it came from, its e-mail domain

    # ------------------------------------------------------------ plumbing

    def new(self, register: str, date: dt.date, fields: dict[str, Any], **refs: Rec) -> Rec:
        self.seq += 1
        rec = Rec(register, (date, self.seq), fields, dict(refs))
        self.recs[register].append(rec)
        return rec

    def cmd(self, on: dt.date, user: str, line: str, **args: Rec) -> Cmd:
        if on > AS_OF:
            raise AssertionError(f"sample event after {AS_OF}: {on} {line}")
        self.seq += 1
        return Cmd(on, user, line, args, self.seq)

    def log(self, cmd: Cmd, rec: Rec, name: str, old: Any, new: Any) -> None:
        self.events.append((cmd, rec, name, old, new))

    def between(self, low: dt.date, high: dt.date) -> dt.date:
        """A random day in [low, high] (low when the range is empty)."""
        span = (high - low).days
        return low + days(self.rng.randint(0, span)) if span > 0 else low

    # ------------------------------------------------------------ people and companies

    def person(self) -> tuple[str, str]:
        (sn, sp), (gn, gp) = self.rng.choice(N.SURNAMES), self.rng.choice(N.GIVEN)
        return sn + gn, sp + gp

    def company(self, regions: tuple[str, ...] = ("华东", "华北", "华南")) -> dict[str, Any]:
        cities = [c for c in N.CITIES if c[2] in regions]
        for _ in range(1000):
            city, cpy, region, area = self.rng.choice(cities)
            (brand, bpy), (trade, tpy, industry) = (
                self.rng.choice(N.BRANDS),
                self.rng.choice(N.TRADES),
            )
            name = f"{city}{brand}{trade}{self.rng.choice(N.SUFFIXES)}"
            if name not in self.used_names and not any(
                u.startswith(city + brand) for u in self.used_names
            ):
                self.used_names.add(name)
                return {"name": name, "region": region, "industry": industry, "area": area,
                        "domain": f"{bpy}-{tpy}{cpy}.com.cn"}  # fmt: skip
        raise AssertionError("ran out of company names")

    def contact(self, company: dict[str, Any], need: bool) -> dict[str, Any]:
        """Contact name, phone (mobile or landline with its area code) and e-mail."""
        name, py = self.person()
        rng = self.rng
        if rng.random() < 0.7:
            phone = f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}"
        else:
            digits = 8 if len(company["area"]) == 3 else 7
            phone = f"{company['area']}-{rng.randint(2 * 10 ** (digits - 1), 10**digits - 1)}"
        email = f"{py}@{company['domain']}"
        roll = rng.random()
        if roll < 0.12 and not need:
            phone = None
        elif roll < 0.3:
            email = None
        return {"contact_name": name, "phone": phone, "email": email}

    def owner_for(self, region: str) -> str:
        team = N.TEAM_OF_REGION[region]
        return self.rng.choice([n for n, t, _r, _g, active in N.REPS if t == team and active])

    def lead_of_team(self, owner: str) -> str:
        """Who reviews and approves for `owner`: the team lead, or the director for a lead."""
        team = next(t for n, t, *_ in N.REPS if n == owner)
        head = next(n for n, t, *_ in N.REPS if t == team)
        return N.SALES_DIRECTOR if head == owner else head

    def lead(
        self, company, created, owner, status, until: dt.date, reason: str | None = None
    ) -> Rec:
        """A lead walked from new to `status` (reached on `until`), with its history."""
        rng = self.rng
        need = status in ("qualified", "converted")
        contact = self.contact(company, need)
        if need and not contact["phone"] and not contact["email"]:
            contact["phone"] = f"13{rng.randint(0, 999_999_999):09d}"
        lead = self.new("leads", created, {
            "created_on": created, "company": company["name"], **contact, "region": company["region"],
            "industry": company["industry"], "owner": owner, "status": status,
            "estimated_value": Decimal(rng.randint(3, 200) * 10_000),
            "notes": rng.choice(N.CONTACT_TITLES),
        })  # fmt: skip
        add = self.cmd(
            created, owner or N.SALES_DIRECTOR, f"salesops lead add --company {company['name']}"
        )
        self.log(add, lead, "status", None, "new")
        path = {"new": [], "contacted": ["contacted"], "qualified": ["contacted", "qualified"],
                "converted": ["contacted", "qualified", "converted"],
                "disqualified": ["contacted", "disqualified"] if rng.random() < 0.6 else ["disqualified"]}[status]  # fmt: skip
        old, on = "new", created
        for k, step in enumerate(path):
            on = (
                until
                if k == len(path) - 1
                else min(self.between(on + days(1), until - days(len(path) - k)), until)
            )  # a lead converted the day after it came in passes every step that day, in order
            line = (
                "salesops lead convert {lead}"
                if step == "converted"
                else f"salesops advance {{lead}} {step} --on {on}"
            )
            if step == "disqualified":
                line += f" --reason {reason}"
            c = self.moves[(id(lead), step)] = self.cmd(
                on, owner or N.SALES_DIRECTOR, line, lead=lead
            )
            self.log(c, lead, "status", old, step)
            self.log(c, lead, "status_changed_on", lead.fields.get("status_changed_on"), on)
            lead.fields["status_changed_on"] = on
            if step == "disqualified":
                lead.fields["disqualify_reason"] = reason
                self.log(c, lead, "disqualify_reason", None, reason)
            old = step
        return lead

    def other_leads(self) -> None:
        """Leads that did not (yet) become opportunities, in every status."""
        rng = self.rng
        weeks = [
            iso("2026-10-27"),
            iso("2026-11-03"),
            iso("2026-11-10"),
            iso("2026-11-17"),
            iso("2026-11-24"),
        ]
        for status, count in OTHER_LEADS.items():
            for k in range(count):
                regions = (
                    ("华东", "华北", "华南", "华中", "西南")
                    if rng.random() < 0.2
                    else ("华东", "华北", "华南")
                )
                if status == "disqualified" and k < 2:
                    regions = ("华北",)
                company = self.company(regions)
                owner: str | None = self.owner_for(company["region"])
                reason = None
                if status == "new":
                    created = weeks[k] if k < len(weeks) else AS_OF - days(rng.randint(0, 35))
                    until = created
                    if created > AS_OF - days(12) and rng.random() < 0.5:
                        owner = None  # not assigned yet
                elif status == "contacted":
                    created = AS_OF - days(rng.randint(3, 110))
                    until = self.between(created + days(1), min(created + days(6), AS_OF))
                elif status == "qualified":
                    created = AS_OF - days(rng.randint(12, 150))
                    until = self.between(created + days(4), min(created + days(18), AS_OF))
                else:
                    created = START + days(rng.randint(0, 340))
                    until = self.between(created + days(3), min(created + days(30), AS_OF))
                    reason = rng.choice(N.DISQUALIFY_REASONS)
                    if k < 2:  # the rep who left in spring closed a couple himself
                        created, until, owner = (
                            iso("2026-01-08") + days(20 * k),
                            iso("2026-02-20") + days(20 * k),
                            "郑凯",
                        )
                self.lead(company, created, owner, status, until, reason)

    def sources_and_scores(self) -> None:
        """Every source in every lead status; scores and grades by the default scoring rules."""
        from salesops.settings import defaults

        rules = defaults()["lead"]
        sources = [s for s, _ in REGISTERS["leads"].column("source").enum.values]
        weights = [rules["scoring"]["source"].get(s, 0) + 10 for s in sources]
        for status in ("new", "contacted", "qualified", "converted", "disqualified"):
            group = sorted(
                (r for r in self.recs["leads"] if r.fields["status"] == status), key=lambda r: r.key
            )
            picks = sources + self.rng.choices(
                sources, weights, k=max(0, len(group) - len(sources))
            )
            self.rng.shuffle(picks)
            for lead, source in zip(group, picks, strict=False):
                lead.fields["source"] = source
                if status == "new" and lead.fields["created_on"] > AS_OF - days(7):
                    continue  # not scored yet: `salesops lead score` has something to do
                score = rules["scoring"]["source"].get(source, 0)
                score += rules["scoring"]["has_phone"] if lead.fields.get("phone") else 0
                score += rules["scoring"]["has_email"] if lead.fields.get("email") else 0
                value = lead.fields.get("estimated_value") or 0
                score += next(
                    (pts for edge, pts in rules["scoring"]["value_bands"] if value >= edge), 0
                )
                score = min(score, 100)
                grade = next(
                    (
                        g
                        for g, low in sorted(rules["grades"].items(), key=lambda kv: -kv[1])
                        if score >= low
                    ),
                    "D",
                )
                lead.fields.update(score=score, grade=grade)
