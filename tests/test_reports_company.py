"""A small hand-made company for the report tests (no tests here: other report tests import it).

The registers are plain Python rows written straight to CSV or xlsx files, and
`naive_*` helpers recompute the expected figures with simple loops over the
same rows — never with the report code.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

from salesops.schema import HISTORY_COLUMNS

AS_OF = dt.date(2026, 11, 27)
D = dt.date.fromisoformat

REPS = [
    # rep_id, name, team, region, monthly_target
    ["S-1", "Alice", "East", "North", "100000"],
    ["S-2", "Bob", "West", "South", "50000"],
    ["S-3", "Carol", "East", "North", ""],
]
ACCOUNTS = [
    ["A-1", "Acme", "North"],
    ["A-2", "Beta", "South"],
    ["A-3", "Gamma", ""],
]
LEADS = [
    # lead_id, created_on, source, company, owner, status, status_changed_on, region, opportunity_id, disqualify_reason
    [
        "L-1",
        "2026-11-02",
        "referral",
        "Acme",
        "Alice",
        "converted",
        "2026-11-05",
        "North",
        "O-1",
        "",
    ],
    ["L-2", "2026-11-10", "website", "Delta", "Bob", "contacted", "2026-11-11", "South", "", ""],
    [
        "L-3",
        "2026-10-20",
        "partner",
        "Acme",
        "Alice",
        "converted",
        "2026-10-25",
        "North",
        "O-2",
        "",
    ],
    [
        "L-4",
        "2026-11-20",
        "exhibition",
        "Epsilon",
        "S-2",
        "disqualified",
        "2026-11-21",
        "South",
        "",
        "no budget",
    ],
    ["L-5", "2026-11-28", "website", "Zeta", "Alice", "new", "", "North", "", ""],
    ["L-6", "2026-11-15", "campaign", "Eta", "", "qualified", "2026-11-16", "", "", ""],
]
OPPS = [
    # opportunity_id, name, account_id, lead_id, owner, stage, amount, probability, expected_close,
    # created_on, stage_changed_on, closed_on, lost_reason, lost_at_stage, segment (user column)
    [
        "O-1",
        "Acme ERP",
        "A-1",
        "L-1",
        "Alice",
        "won",
        "120000",
        "100",
        "2026-11-20",
        "2026-11-05",
        "2026-11-20",
        "2026-11-20",
        "",
        "",
        "SMB",
    ],
    [
        "O-2",
        "Acme CRM",
        "A-1",
        "L-3",
        "Alice",
        "lost",
        "50000",
        "0",
        "2026-11-30",
        "2026-10-25",
        "2026-11-12",
        "2026-11-12",
        "price",
        "proposal",
        "ENT",
    ],
    [
        "O-3",
        "Beta rollout",
        "A-2",
        "",
        "Bob",
        "negotiation",
        "80000",
        "80",
        "2026-12-15",
        "2026-09-01",
        "2026-10-01",
        "",
        "",
        "",
        "SMB",
    ],
    [
        "O-4",
        "Beta addon",
        "A-2",
        "",
        "Bob",
        "proposal",
        "30000",
        "",
        "2026-11-30",
        "2026-11-03",
        "2026-11-10",
        "",
        "",
        "",
        "",
    ],
    [
        "O-5",
        "Beta phase 1",
        "A-2",
        "",
        "s-1",
        "won",
        "45000.50",
        "100",
        "2026-10-30",
        "2026-10-01",
        "2026-10-30",
        "2026-10-30",
        "",
        "",
        "ENT",
    ],
    [
        "O-6",
        "Gamma pilot",
        "A-3",
        "",
        "Dave",
        "qualification",
        "10000",
        "10",
        "2027-01-20",
        "2026-11-25",
        "2026-11-25",
        "",
        "",
        "",
        "SMB",
    ],
    [
        "O-7",
        "Gamma big",
        "A-3",
        "",
        "Bob",
        "won",
        "20000",
        "100",
        "2026-11-29",
        "2026-11-01",
        "2026-11-29",
        "2026-11-29",
        "",
        "",
        "",
    ],
    [
        "O-8",
        "Acme old",
        "A-1",
        "",
        "Carol",
        "solution",
        "7000.33",
        "40",
        "2026-10-15",
        "2026-08-01",
        "2026-08-20",
        "",
        "",
        "",
        "ENT",
    ],
]
CONTRACTS = [
    # contract_id, opportunity_id, account_id, owner, amount, status, signed_on
    ["C-1", "O-1", "A-1", "Alice", "120000", "signed", "2026-11-20"],
    ["C-2", "O-5", "A-2", "Alice", "45000.50", "executing", "2026-10-30"],
]
DELIVERIES = [
    # delivery_id, contract_id, status, accepted_on, csat
    ["D-1", "C-2", "accepted", "2026-11-10", "4"],
    ["D-2", "C-2", "accepted", "2026-11-12", "5"],
    ["D-3", "C-1", "delivered", "", ""],
    ["D-4", "C-2", "accepted", "2026-10-02", "2"],
]
RECEIVABLES = [
    # receivable_id, contract_id, account_id, owner, milestone, amount, invoice_no, invoiced_on, due_date, collected_amount, status
    [
        "R-1",
        "C-1",
        "A-1",
        "Alice",
        "advance",
        "36000",
        "INV-001",
        "2026-11-20",
        "2026-12-20",
        "10000",
        "partially_paid",
    ],
    [
        "R-2",
        "C-2",
        "A-2",
        "Alice",
        "advance",
        "13500.15",
        "INV-002",
        "2026-10-30",
        "2026-11-10",
        "13500.15",
        "paid",
    ],
    [
        "R-3",
        "C-2",
        "A-2",
        "Alice",
        "delivery",
        "27000.30",
        "0000123",
        "2026-09-01",
        "2026-10-01",
        "1000",
        "partially_paid",
    ],
    ["R-4", "C-2", "A-2", "Alice", "acceptance", "4500.05", "", "", "", "", "scheduled"],
    [
        "R-5",
        "",
        "A-3",
        "Carol",
        "other",
        "1000",
        "INV-005",
        "2026-05-01",
        "2026-05-31",
        "300",
        "written_off",
    ],
    [
        "R-6",
        "",
        "A-3",
        "Carol",
        "other",
        "2500",
        "INV-006",
        "2026-04-01",
        "2026-05-01",
        "",
        "invoiced",
    ],
    [
        "R-7",
        "C-1",
        "A-1",
        "Alice",
        "delivery",
        "5000",
        "INV-007",
        "2026-11-28",
        "2026-12-28",
        "",
        "invoiced",
    ],
    [
        "R-8",
        "",
        "A-3",
        "Carol",
        "other",
        "800",
        "INV-008",
        "2026-11-01",
        "2026-11-21",
        "",
        "invoiced",
    ],
]
PAYMENTS = [
    # payment_id, receivable_id, received_on, amount
    ["P-1", "R-1", "2026-11-25", "10000"],
    ["P-2", "R-2", "2026-11-26", "13500.15"],
    ["P-3", "R-3", "2026-11-30", "1000"],
    ["P-4", "R-5", "2026-11-05", "300"],
]
QUOTES = [
    # quote_id, opportunity_id, version, quote_date, valid_until, amount, status
    ["Q-1", "O-3", "1", "2026-11-01", "2026-12-01", "80000", "sent"],
    ["Q-2", "O-4", "1", "2026-11-10", "2026-12-10", "30000", "approved"],
    ["Q-3", "O-6", "1", "2026-11-25", "2026-11-29", "10000", "draft"],
]

HEADERS = {
    "reps": ["rep_id", "name", "team", "region", "monthly_target"],
    "accounts": ["account_id", "name", "region"],
    "leads": [
        "lead_id",
        "created_on",
        "source",
        "company",
        "owner",
        "status",
        "status_changed_on",
        "region",
        "opportunity_id",
        "disqualify_reason",
    ],
    "opportunities": [
        "opportunity_id",
        "name",
        "account_id",
        "lead_id",
        "owner",
        "stage",
        "amount",
        "probability",
        "expected_close",
        "created_on",
        "stage_changed_on",
        "closed_on",
        "lost_reason",
        "lost_at_stage",
        "Segment",
    ],
    "contracts": [
        "contract_id",
        "opportunity_id",
        "account_id",
        "owner",
        "amount",
        "status",
        "signed_on",
    ],
    "deliveries": ["delivery_id", "contract_id", "status", "accepted_on", "csat"],
    "receivables": [
        "receivable_id",
        "contract_id",
        "account_id",
        "owner",
        "milestone",
        "amount",
        "invoice_no",
        "invoiced_on",
        "due_date",
        "collected_amount",
        "status",
    ],
    "payments": ["payment_id", "receivable_id", "received_on", "amount"],
    "quotes": [
        "quote_id",
        "opportunity_id",
        "version",
        "quote_date",
        "valid_until",
        "amount",
        "status",
    ],
}
ROWS = {
    "reps": REPS,
    "accounts": ACCOUNTS,
    "leads": LEADS,
    "opportunities": OPPS,
    "contracts": CONTRACTS,
    "deliveries": DELIVERIES,
    "receivables": RECEIVABLES,
    "payments": PAYMENTS,
    "quotes": QUOTES,
}


def write_register(path: Path, header: list[str], rows: list[list[str]]) -> None:
    if path.suffix == ".csv":
        with open(path, "w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)
        return
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append([_xlsx_cell(v) for v in row])
    wb.save(path)


def _xlsx_cell(v: str):
    """Typed cells like a user would have them: real dates and numbers."""
    if not v:
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        pass
    try:
        return float(v) if "." in v else int(v)
    except ValueError:
        return v


def build_company(
    root: Path, fmt: str = "csv", lang: str = "en", history: list[list[str]] | None = None
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "salesops.toml").write_text(f'format = "{fmt}"\nlang = "{lang}"\n', encoding="utf-8")
    for name, rows in ROWS.items():
        write_register(root / f"{name}.{fmt}", HEADERS[name], rows)
    if history:
        with open(root / "history.csv", "w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            w.writerow(HISTORY_COLUMNS)
            w.writerows(history)
    return root


# ---------------------------------------------------------------- naive expectations


def rows(name: str) -> list[dict[str, str]]:
    return [dict(zip(HEADERS[name], r, strict=True)) for r in ROWS[name]]


def cents(text: str) -> int:
    return int(Decimal(text or "0") * 100)


def in_window(text: str, start: dt.date, end: dt.date, as_of: dt.date) -> bool:
    return bool(text) and start <= D(text) <= min(end, as_of)


def naive_receivables(as_of: dt.date) -> list[dict]:
    """Receivables counted at as-of, with collected (payments by as-of) and days overdue."""
    out = []
    for r in rows("receivables"):
        if (
            r["status"] in ("written_off", "cancelled")
            or not r["invoiced_on"]
            or D(r["invoiced_on"]) > as_of
        ):
            continue
        paid = sum(
            cents(p["amount"])
            for p in rows("payments")
            if p["receivable_id"] == r["receivable_id"] and D(p["received_on"]) <= as_of
        )
        days = (as_of - D(r["due_date"])).days if r["due_date"] else None
        out.append(
            {
                **r,
                "cents": cents(r["amount"]),
                "collected": paid,
                "outstanding": cents(r["amount"]) - paid,
                "days": days,
            }
        )
    return out


def naive_kpi(start: dt.date, end: dt.date, as_of: dt.date) -> dict:
    """Totals of the additive KPIs, in cents and counts."""
    leads = [r for r in rows("leads") if in_window(r["created_on"], start, end, as_of)]
    opps = rows("opportunities")
    won = [o for o in opps if o["stage"] == "won" and in_window(o["closed_on"], start, end, as_of)]
    lost = [
        o for o in opps if o["stage"] == "lost" and in_window(o["closed_on"], start, end, as_of)
    ]
    signed = [c for c in rows("contracts") if in_window(c["signed_on"], start, end, as_of)]
    dead = {
        r["receivable_id"]
        for r in rows("receivables")
        if r["status"] in ("written_off", "cancelled")
    }
    paid = [
        p
        for p in rows("payments")
        if in_window(p["received_on"], start, end, as_of) and p["receivable_id"] not in dead
    ]
    csat = [
        int(d["csat"])
        for d in rows("deliveries")
        if d["csat"] and in_window(d["accepted_on"], start, end, as_of)
    ]
    rec = naive_receivables(as_of)
    probability = {
        "qualification": 10,
        "needs_analysis": 20,
        "solution": 40,
        "proposal": 60,
        "negotiation": 80,
    }
    pipeline, weighted = 0, Decimal(0)
    for o in opps:
        open_now = o["stage"] not in ("won", "lost")
        closed_later = not open_now and o["closed_on"] and D(o["closed_on"]) > as_of
        if D(o["created_on"]) > as_of or not (open_now or closed_later):
            continue
        if closed_later:
            p = (
                probability[o["lost_at_stage"]]
                if o["stage"] == "lost"
                else probability["negotiation"]
            )
        else:
            p = Decimal(o["probability"]) if o["probability"] else probability[o["stage"]]
        pipeline += cents(o["amount"])
        weighted += Decimal(cents(o["amount"])) * Decimal(p) / 100
    lead_start = {r["lead_id"]: D(r["created_on"]) for r in rows("leads")}
    cycles = sorted(
        (D(o["closed_on"]) - lead_start.get(o["lead_id"], D(o["created_on"]))).days for o in won
    )
    ar = sum(r["outstanding"] for r in rec)
    overdue = sum(r["outstanding"] for r in rec if r["days"] is not None and r["days"] >= 1)
    inv90 = sum(r["cents"] for r in rec if (as_of - D(r["invoiced_on"])).days < 90)
    # SPEC 6: each day of the period takes its month's target ÷ the month's days (a whole
    # month, quarter or year therefore takes exactly its months' targets)
    target_month = sum(cents(r[4]) for r in REPS if r[4])
    per_day = (
        Fraction(target_month, calendar.monthrange(d.year, d.month)[1])
        for d in (start + dt.timedelta(days=i) for i in range((end - start).days + 1))
    )
    total = sum(per_day, Fraction(0))
    target = (Decimal(total.numerator) / Decimal(total.denominator)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return {
        "new_leads": len(leads),
        "converted_leads": sum(1 for r in leads if r["status"] == "converted"),
        "new_opportunities": sum(1 for o in opps if in_window(o["created_on"], start, end, as_of)),
        "won": len(won),
        "won_amount": sum(cents(o["amount"]) for o in won),
        "lost": len(lost),
        "sales_cycle_days": (
            cycles[len(cycles) // 2]
            if len(cycles) % 2
            else (cycles[len(cycles) // 2 - 1] + cycles[len(cycles) // 2]) / 2
        )
        if cycles
        else None,
        "contracts_signed": len(signed),
        "bookings": sum(cents(c["amount"]) for c in signed),
        "collections": sum(cents(p["amount"]) for p in paid),
        "pipeline_value": pipeline,
        "weighted_pipeline": int(weighted.quantize(Decimal(1), rounding=ROUND_HALF_UP)),
        "csat_responses": len(csat),
        "csat_avg": sum(csat) / len(csat) if csat else None,
        "ar_outstanding": ar,
        "overdue_amount": overdue,
        "dso_days": ar / inv90 * 90 if inv90 else None,
        "target": int(target),
    }
