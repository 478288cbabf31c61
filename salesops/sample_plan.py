"""The sample company's year, as a plan: who signs when, on what terms, which deals stall or are lost.

The generator (`salesops.sample`) follows this plan; every other detail
(names, amounts, exact days) comes from its seeded random numbers.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

AS_OF = dt.date(2026, 11, 27)
START = dt.date(2025, 12, 1)
DEFAULT_SEED = 2026

ONE = Decimal(1)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
AGING_EDGES = (30, 60, 90, 180)  # the default receivable.aging_buckets

# Signing dates of the won deals: spread over the year, one in each week of November.
SIGNINGS = (
    "2026-01-13", "2026-01-27", "2026-02-10", "2026-03-03", "2026-03-19", "2026-04-08", "2026-04-24",
    "2026-05-12", "2026-05-28", "2026-06-16", "2026-07-02", "2026-07-21", "2026-08-06", "2026-08-25",
    "2026-09-10", "2026-09-29", "2026-10-15", "2026-11-04", "2026-11-12", "2026-11-19", "2026-11-25",
)  # fmt: skip
TERMS = {
    "standard": (("advance", 30), ("delivery", 60), ("acceptance", 10)),
    "project": (("advance", 30), ("delivery", 40), ("acceptance", 25), ("retention", 5)),
    "预付款:20,到货款:70,验收款:10": (("advance", 20), ("delivery", 70), ("acceptance", 10)),
    "advance:50,acceptance:50": (("advance", 50), ("acceptance", 50)),
}
# Terms per won deal (index into SIGNINGS); the rest are "standard".
TERMS_OF = {2: "project", 5: "project", 9: "project", 13: "project", 17: "project", 20: "project",
            7: "预付款:20,到货款:70,验收款:10", 15: "预付款:20,到货款:70,验收款:10",
            11: "advance:50,acceptance:50"}  # fmt: skip
REPEAT_WON = {8, 12, 15, 18}  # won deals with an existing customer, no lead
# Won deals whose contract the customer later terminated (advance paid, the rest cancelled): index → date.
TERMINATED_AFTER_SIGNING = {6: "2026-07-14"}
# Open opportunities: (stage, stalled, situation). "fresh": created from a lead of the last days, one per
# week of November (FRESH_DAYS_AGO); "expiring": its sent quote expires within the week after AS_OF.
OPEN = (
    ("qualification", False, "fresh"), ("qualification", False, "fresh"), ("qualification", False, "fresh"),
    ("qualification", False, "fresh"), ("qualification", False, "fresh"), ("qualification", True, None),
    ("needs_analysis", False, None), ("needs_analysis", False, None), ("needs_analysis", False, None),
    ("needs_analysis", False, None), ("needs_analysis", True, None), ("needs_analysis", True, None),
    ("solution", False, "draft"), ("solution", False, "pending"), ("solution", False, None),
    ("solution", True, "draft"), ("solution", False, "pending"), ("solution", True, None),
    ("solution", False, "repeat"),
    ("proposal", False, "approved"), ("proposal", False, "approved"), ("proposal", False, "sent"),
    ("proposal", False, "sent"), ("proposal", True, "reissued"), ("proposal", True, "reissued"),
    ("negotiation", False, "sent"), ("negotiation", False, "expiring"), ("negotiation", False, "repeat"),
    ("negotiation", True, "reissued"), ("negotiation", False, "contract:draft"),
    ("negotiation", False, "contract:draft"), ("negotiation", False, "contract:review"),
)  # fmt: skip
FRESH_DAYS_AGO = (1, 7, 14, 21, 28)
# Deliveries of some recent contracts (by signing date) caught mid-way as of AS_OF, so every delivery
# status shows; None = the usual pace.
DELIVERY_PACE = {"2026-10-15": (None, "shipped"), "2026-11-04": ("delivered", "planned")}
# Lost opportunities: (stage lost at, closed on, owner override)
LOST = (
    ("qualification", "2026-02-10", "郑凯"), ("needs_analysis", "2026-03-20", "郑凯"),
    ("needs_analysis", "2026-07-08", None), ("solution", "2026-05-15", None),
    ("solution", "2026-11-10", None), ("proposal", "2026-06-22", None), ("proposal", "2026-09-03", None),
    ("negotiation", "2026-10-21", None), ("negotiation", "2026-11-24", "terminated"),
)  # fmt: skip
# How many reps let a couple of leads and an account go quiet: `sweep` returns those to the public pool.
QUIET_OWNERS = 2
OTHER_LEADS = {"new": 28, "contacted": 22, "qualified": 14, "disqualified": 30}
STAGES = ("qualification", "needs_analysis", "solution", "proposal", "negotiation")
PROBABILITY = {"qualification": 10, "needs_analysis": 20, "solution": 40, "proposal": 60, "negotiation": 80,
               "won": 100, "lost": 0}  # fmt: skip


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def iso(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def aging_bucket(due: dt.date, as_of: dt.date = AS_OF) -> str:
    """The aging bucket of a due date (default edges 30/60/90/180)."""
    over = (as_of - due).days
    if over <= 0:
        return "not_due"
    low = 1
    for edge in AGING_EDGES:
        if over <= edge:
            return f"{low}-{edge}"
        low = edge + 1
    return f"{AGING_EDGES[-1]}+"


# ------------------------------------------------------------ the sample company's salesops.toml

# Its 华北 team serves Shandong and its 华南 team Xiamen (as the leads' regions say), and its managers
# are paid on bookings by a plan of their own; everything else is the template's default.
MOVED_PLACES = {"华北": ("山东", "济南", "青岛"), "华南": ("厦门",)}
MANAGERS_PLAN = """
# The sample company pays its team managers (role manager in reps) on bookings;
# everyone else is paid by the standard plan.
[commission.plans.managers]
roles = ["manager"]
basis = "bookings"
tiers = [[0, 0.5], [100, 1.0], [120, 1.5]]
"""


def sample_settings(template: str) -> str:
    """The sample workspace's settings: `template` (the file `init` writes) with the company's own choices."""
    from salesops.settings import defaults

    regions = {region: list(places) for region, places in defaults()["regions"].items()}
    for region, places in MOVED_PLACES.items():
        for other in regions.values():
            other[:] = [p for p in other if p not in places]
        regions[region] = [*regions[region], *places]
    head, marker, _ = template.partition("\n[regions]\n")
    assert marker, "the settings template ends with its [regions] table"
    lines = [f"{json.dumps(region, ensure_ascii=False)} = {json.dumps(places, ensure_ascii=False)}"
             for region, places in regions.items()]  # fmt: skip
    return head + marker + "\n".join(lines) + "\n" + MANAGERS_PLAN
