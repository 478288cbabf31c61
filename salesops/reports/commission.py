"""`report commission --period P` (提成): each rep's commission with the lines it is computed from.

The plan (settings `[commission]`): the plan naming the rep (`reps`, by
rep_id or name), else their team (`teams`), else their role (`roles`), else
`default_plan`. A plan pays a rate of its `basis`:

* `collections`: every payment received in the period (by as-of) on the
  rep's receivables (attributed like every report: to the deal's owner);
* `bookings`: every contract the rep signed in the period.

The rate comes from the tiers `[[attainment % from, rate %], …]` by the
rep's attainment of their `attainment_of` target in the period (actual ÷
target, as `report targets` shows them; no target: the first tier). Not
progressive: the whole basis at the rate of the tier reached; progressive:
each slice of attainment at its own tier's rate (like tax brackets), i.e.
the basis at the average rate of those slices.

Clawback (`clawback = true`): a receivable written off in the period (the
day history.csv recorded its status becoming written_off) takes back the
commission paid on it — on its payments (collections) or on its amount
(bookings) — at the rate the rep earned in the calendar period (of the
report's kind: month, quarter or year) of each payment or of the signing.

Money is exact to the cent: a rep's commission is rounded once from the
exact product, and split over its lines so the lines add up to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from salesops.i18n import N_, translate
from salesops.reports.cents import round_half_up, split
from salesops.reports.data import (
    NONE_KEY,
    Attribution,
    ReportData,
    among,
    between,
    cents,
    lookup,
    on_or_before,
)
from salesops.reports.periods import Period
from salesops.reports.targetbook import REP, Subject, TargetBook, calendar_pieces
from salesops.reports.targets import actual_figure, attained, figure

SELLING_ROLES = (None, "rep", "manager")
UNDATED_WRITE_OFF = N_(
    "{ids}: written off with no date in history.csv, so no commission is taken back for them."
)
HOW = N_(
    "Commission = basis × rate of the tier reached (attainment of the plan's target); "
    "clawback = commission paid on receivables written off in the period."
)


@dataclass(frozen=True)
class Plan:
    """One commission plan of the settings."""

    name: str
    basis: str
    attainment_of: str
    tiers: tuple[tuple[Fraction, Fraction], ...]  # (attainment % from, rate %)
    progressive: bool
    clawback: bool

    def rate(self, attainment: Fraction | None) -> tuple[Fraction, Fraction]:
        """(tier reached: its attainment % from, rate %) for an attainment in % (None: no target)."""
        if attainment is None:
            return self.tiers[0]
        reached = [t for t in self.tiers if t[0] <= attainment]
        tier = reached[-1] if reached else self.tiers[0]
        if not self.progressive or attainment <= 0:
            return tier
        total = Fraction(0)
        for i, (start, rate) in enumerate(self.tiers):
            end = self.tiers[i + 1][0] if i + 1 < len(self.tiers) else None
            top = attainment if end is None else min(attainment, end)
            if top > start:
                total += rate * (top - start)
        return tier[0], total / attainment


def plans(settings) -> tuple[dict[str, Plan], str, dict[str, dict[str, str]]]:
    """(plans by name, the default plan's name, {"reps"|"teams"|"roles": {casefolded name: plan}})."""
    conf = settings.get("commission") or {}
    out: dict[str, Plan] = {}
    claims: dict[str, dict[str, str]] = {"reps": {}, "teams": {}, "roles": {}}
    for name, p in (conf.get("plans") or {}).items():
        out[name] = Plan(
            name,
            p["basis"],
            p["attainment_of"],
            tuple((Fraction(str(a)), Fraction(str(r))) for a, r in p["tiers"]),
            bool(p["progressive"]),
            bool(p["clawback"]),
        )
        for kind in claims:
            for who in p.get(kind) or []:
                claims[kind].setdefault(str(who).strip().casefold(), name)
    return out, conf.get("default_plan", "standard"), claims


def plan_of(book: TargetBook, key: str, settings) -> Plan:
    """The plan paying the rep known by `key` (reps, then team, then role, then the default)."""
    table, default, claims = plans(settings)
    rep = book.rep(key)
    names = [key, rep.rep_id if rep else None]
    for alias in names:
        if alias and alias.strip().casefold() in claims["reps"]:
            return table[claims["reps"][alias.strip().casefold()]]
    if rep and rep.team and rep.team.strip().casefold() in claims["teams"]:
        return table[claims["teams"][rep.team.strip().casefold()]]
    if rep and rep.role and rep.role in claims["roles"]:
        return table[claims["roles"][rep.role]]
    return table[default]


# ---------------------------------------------------------------- periods and rates


def unit_kind(period: Period) -> str:
    """The calendar unit a commission period is counted in: Y, Q or M (other ranges: months)."""
    pieces = list(calendar_pieces(period))
    if len(pieces) == 1 and pieces[0][3] == 1:
        return pieces[0][0]
    return "M"


def unit_of(day: dt.date, kind: str) -> Period:
    """The calendar year, quarter or month holding `day`."""
    from salesops.reports.periods import add_months, month_of

    if kind == "Y":
        return Period(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))
    if kind == "Q":
        first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return Period(first, add_months(first, 3) - dt.timedelta(days=1))
    return month_of(day)


class Rates:
    """Each rep's attainment and rate in a period, computed once per period."""

    def __init__(self, data: ReportData, book: TargetBook, as_of: dt.date) -> None:
        self.data, self.book, self.as_of = data, book, as_of
        self._actuals: dict[Period, dict[str, dict[str, int]]] = {}

    def standing(self, key: str, plan: Plan, period: Period) -> dict[str, Any]:
        """target, actual (in the metric's unit), attainment (fraction), tier and rate (%) of the rep."""
        from salesops.reports.metrics import actuals

        if period not in self._actuals:
            self._actuals[period] = actuals(self.data, period, min(self.as_of, period.end), "owner")
        metric = plan.attainment_of
        got = self._actuals[period].get(key, {}).get(metric, 0)
        goal = self.book.target(Subject(REP, key), metric, period)
        share = attained(got, goal, metric)
        attainment = None if share is None else share * 100  # in %, as the tiers are
        tier, rate = plan.rate(attainment)
        return {
            "target": figure(metric, goal),
            "actual": actual_figure(metric, got),
            "attainment": None if share is None else float(share),
            "tier": _pct(tier),
            "rate": _pct(rate),
            "_rate": rate,
        }


def _pct(value: Fraction) -> float:
    """A percentage for JSON and people (exact where it is a short decimal)."""
    return float(value)


# ---------------------------------------------------------------- the report


@dataclass
class CommissionResult:
    period: Period
    as_of: dt.date
    reps: list[dict[str, Any]] = field(default_factory=list)
    undated_write_offs: list[str] = field(default_factory=list)

    def totals(self) -> dict[str, Decimal]:
        keys = ("basis_amount", "commission", "clawback", "net")
        return {k: sum((r[k] for r in self.reps), Decimal("0.00")) for k in keys}

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.period.start,
            "to": self.period.end,
            "as_of": self.as_of,
            "reps": [{k: v for k, v in r.items() if not k.startswith("_")} for r in self.reps],
            "totals": self.totals(),
            "undated_write_offs": self.undated_write_offs,
        }


def _money(c: int) -> Decimal:
    return Decimal(c).scaleb(-2)


def commission(data: ReportData, period: Period, as_of: dt.date) -> CommissionResult:
    """Each rep's commission in `period` as of `as_of`, with its basis and clawback lines."""
    book = TargetBook.from_data(data)
    rates = Rates(data, book, as_of)
    attr = Attribution(data, "owner")
    end = min(period.end, as_of)
    basis = {
        "collections": _payments(data, attr, period.start, end),
        "bookings": _signings(data, attr, period.start, end),
    }
    written, undated = _write_offs(data, period.start, end)
    result = CommissionResult(period, as_of, undated_write_offs=undated)
    kind = unit_kind(period)
    owners = {line["rep"] for lines in basis.values() for line in lines}
    people = [r.key for r in book.reps if r.active and r.role in SELLING_ROLES]
    people += sorted(owners - set(people) - {NONE_KEY})
    claw_lines = _clawback_lines(data, attr, written, as_of)
    people += sorted({c["rep"] for c in claw_lines} - set(people) - {NONE_KEY})
    for key in people:
        plan = plan_of(book, key, data.settings)
        standing = rates.standing(key, plan, period)
        lines = [dict(line) for line in basis[plan.basis] if line["rep"] == key]
        amount = sum(line["_cents"] for line in lines)
        total = round_half_up(Fraction(amount) * standing["_rate"] / 100)
        for line, share in zip(
            lines, split(total, [Fraction(x["_cents"]) for x in lines]), strict=True
        ):
            line["rate"] = standing["rate"]
            line["commission"] = _money(share)
        claws = []
        if plan.clawback:
            for c in claw_lines:
                if c["rep"] != key or c["basis"] != plan.basis:
                    continue
                then = rates.standing(key, plan, unit_of(c["_on"], kind))
                back = round_half_up(Fraction(c["_cents"]) * then["_rate"] / 100)
                claws.append(
                    {**c, "rate": then["rate"], "commission": _money(-back), "_back": back}
                )
        clawback = sum(c["_back"] for c in claws)
        rep = book.rep(key)
        result.reps.append(
            {
                "rep": key,
                "team": rep.team if rep else None,
                "plan": plan.name,
                "basis": plan.basis,
                "basis_amount": _money(amount),
                "attainment_of": plan.attainment_of,
                **{k: v for k, v in standing.items() if not k.startswith("_")},
                "commission": _money(total),
                "clawback": _money(clawback),
                "net": _money(total - clawback),
                "lines": [_public(x) for x in lines],
                "clawbacks": [_public(x) for x in claws],
            }
        )
    result.reps = [
        r for r in result.reps if r["lines"] or r["clawbacks"] or r["target"] is not None
    ]
    return result


def _public(line: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in line.items() if not k.startswith("_") and k != "rep"}


def _lines(
    kind: str, rep, ids, receivables, contracts, accounts, days, amounts
) -> list[dict[str, Any]]:
    """Basis lines from parallel columns (days as Timestamps, amounts as cents), by date."""
    out = [
        {
            "rep": k,
            "kind": kind,
            "id": i,
            "receivable_id": r,
            "contract_id": c,
            "account_id": a,
            "on": d.date(),
            "amount": _money(int(x)),
            "_cents": int(x),
        }
        for k, i, r, c, a, d, x in zip(
            rep, ids, receivables, contracts, accounts, days, amounts, strict=True
        )
    ]
    return sorted(out, key=lambda x: (x["on"], x["id"] or ""))


def _payments(
    data: ReportData, attr: Attribution, start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    """Payments received in [start, end], each with its rep (the owner its receivable is attributed to)."""
    pay = data.frame("payments", ["receivable_id", "account_id", "received_on", "amount"])
    sel = between(pay["received_on"], start, end)
    p = pay[sel]
    rec = data.frame("receivables", ["contract_id", "account_id"])
    contract = lookup(p["receivable_id"], rec["receivable_id"], rec["contract_id"])
    account = lookup(p["receivable_id"], rec["receivable_id"], rec["account_id"])
    account = account.where(account.notna(), p["account_id"])
    return _lines(
        "payment",
        attr.keys("payments")[sel].tolist(),
        p["payment_id"].tolist(),
        p["receivable_id"].tolist(),
        contract.tolist(),
        account.tolist(),
        p["received_on"].tolist(),
        cents(p["amount"]).tolist(),
    )


def _signings(
    data: ReportData, attr: Attribution, start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    """Contracts signed in [start, end] (not terminated), each with its rep."""
    con = data.frame("contracts", ["account_id", "signed_on", "amount", "status"])
    sel = between(con["signed_on"], start, end) & (con["status"] != "terminated").to_numpy(
        dtype=bool
    )
    c = con[sel]
    return _lines(
        "contract",
        attr.keys("contracts")[sel].tolist(),
        c["contract_id"].tolist(),
        [None] * len(c),
        c["contract_id"].tolist(),
        c["account_id"].tolist(),
        c["signed_on"].tolist(),
        cents(c["amount"]).tolist(),
    )


def _write_offs(
    data: ReportData, start: dt.date, end: dt.date
) -> tuple[dict[str, dt.date], list[str]]:
    """({receivable ID: the day it was written off, within [start, end]}, IDs written off with no date)."""
    from salesops.schema import RECEIVABLE_STATUS, resolve_register

    rec = data.frame("receivables", ["status"])
    gone = set(rec["receivable_id"][rec["status"] == "written_off"].dropna())
    if not gone:
        return {}, []
    hist = data.history(fields=("status",))
    hist = hist[among(hist["record_id"], gone)]
    dated: dict[str, dt.date] = {}
    for register, rid, value, on in zip(
        hist["register"], hist["record_id"], hist["new_value"], hist["on"], strict=True
    ):
        reg = resolve_register(register or "")
        if reg is None or reg.name != "receivables" or on is None or on != on:
            continue
        if RECEIVABLE_STATUS.parse(value or "") == "written_off":
            dated[rid] = on.date()  # the last time it became written off
    within = {rid: day for rid, day in dated.items() if start <= day <= end}
    return within, sorted(gone - set(dated))


def _clawback_lines(
    data: ReportData, attr: Attribution, written: dict[str, dt.date], as_of: dt.date
):
    """What commission was paid on each receivable written off: its payments (collections), its amount (bookings)."""
    if not written:
        return []
    rec = data.frame("receivables", ["contract_id", "account_id", "amount"])
    mine = rec["receivable_id"].isin(set(written)).to_numpy(dtype=bool)
    keys = attr.keys("receivables")[mine].tolist()
    r = rec[mine]
    con = data.frame("contracts", ["signed_on"])
    signed = lookup(r["contract_id"], con["contract_id"], con["signed_on"]).tolist()
    pay = data.frame("payments", ["receivable_id", "received_on", "amount"])
    pay = pay[
        pay["receivable_id"].isin(set(written)).to_numpy(dtype=bool)
        & on_or_before(pay["received_on"], as_of)
    ]
    out = []
    for key, rid, cid, aid, amount, day in zip(
        keys,
        r["receivable_id"],
        r["contract_id"],
        r["account_id"],
        cents(r["amount"]).tolist(),
        signed,
        strict=True,
    ):
        base = {
            "rep": key,
            "kind": "write_off",
            "receivable_id": rid,
            "contract_id": cid,
            "account_id": aid,
            "written_off_on": written[rid],
        }
        paid = pay[pay["receivable_id"] == rid]
        for pid, on, c in zip(
            paid["payment_id"], paid["received_on"], cents(paid["amount"]).tolist(), strict=True
        ):
            out.append(
                {
                    **base,
                    "basis": "collections",
                    "id": pid,
                    "on": on.date(),
                    "amount": _money(c),
                    "_cents": c,
                    "_on": on.date(),
                }
            )
        if day is not None and day == day:
            out.append(
                {
                    **base,
                    "basis": "bookings",
                    "id": cid,
                    "on": day.date(),
                    "amount": _money(amount),
                    "_cents": amount,
                    "_on": day.date(),
                }
            )
    return out


# ---------------------------------------------------------------- view

LINE_KEYS = (
    "rep",
    "kind",
    "id",
    "receivable_id",
    "account_id",
    "on",
    "amount",
    "rate",
    "commission",
)


def commission_view(result: CommissionResult, lang: str, currency: str):
    """A summary per rep (for payroll), then every line it is computed from; totals on both."""
    from salesops.reports.labels import label
    from salesops.reports.render import Column, Report, Section
    from salesops.reports.views import span, subtitle

    keys = [
        "rep",
        "team",
        "plan",
        "basis",
        "basis_amount",
        "target",
        "actual",
        "attainment",
        "rate",
        "commission",
        "clawback",
        "net",
    ]
    kinds = {
        "basis_amount": "money",
        "target": "money",
        "actual": "money",
        "attainment": "rate",
        "rate": "days",
        "commission": "money",
        "clawback": "money",
        "net": "money",
    }
    columns = [
        Column(
            k, label(f"commission_{k}" if k in ("basis", "rate") else k, lang), kinds.get(k, "text")
        )
        for k in keys
    ]
    rows = []
    for r in result.reps:
        counted = r["attainment_of"] in ("new_leads", "won_count")
        row = [r["rep"], r["team"], r["plan"], label(r["basis"], lang)]
        row += [
            r["basis_amount"],
            None if counted else r["target"],
            None if counted else r["actual"],
            r["attainment"],
            r["rate"],
        ]
        row += [r["commission"], r["clawback"], r["net"]]
        rows.append(row)
    totals = result.totals()
    rows.append(
        [
            label("total", lang),
            None,
            None,
            None,
            totals["basis_amount"],
            None,
            None,
            None,
            None,
            totals["commission"],
            totals["clawback"],
            totals["net"],
        ]
    )
    summary = Section(
        "commission",
        label("commission", lang),
        columns,
        rows,
        total_rows={len(rows) - 1},
        notes=[translate(HOW, lang)],
    )
    if result.undated_write_offs:
        summary.notes.append(
            translate(UNDATED_WRITE_OFF, lang).format(ids=", ".join(result.undated_write_offs))
        )
    line_kinds = {"on": "date", "amount": "money", "rate": "days", "commission": "money"}
    line_cols = [
        Column(
            k,
            label(f"commission_{k}" if k in ("kind", "id", "rate") else k, lang),
            line_kinds.get(k, "text"),
        )
        for k in LINE_KEYS
    ]
    line_rows = []
    for r in result.reps:
        for x in [*r["lines"], *r["clawbacks"]]:
            line_rows.append([r["rep"], label(x["kind"], lang), *(x[k] for k in LINE_KEYS[2:])])
    line_rows.append([label("total", lang), *([None] * (len(LINE_KEYS) - 2)), totals["net"]])
    lines = Section(
        "lines",
        label("commission_lines", lang),
        line_cols,
        line_rows,
        total_rows={len(line_rows) - 1},
    )
    return Report(
        "commission",
        f"{label('commission', lang)} {span(result.period.start, result.period.end, lang)}",
        subtitle(lang, currency, result.as_of),
        lang,
        currency,
        [summary, lines],
        as_of=result.as_of,
    )
