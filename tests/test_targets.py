"""Targets (SPEC 6, 9.4): the calendar-exact rule, `report targets` and `report leaderboard`.

Every expected figure is computed here by plain arithmetic over the rows the
test wrote (or the sample's CSV registers read as text), never by salesops.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesops.reports.periods import Period
from salesops.reports.targetbook import (
    COMPANY,
    REP,
    TEAM,
    Rep,
    Subject,
    TargetBook,
    calendar_pieces,
    share,
)
from tests.cash_support import D, cents, cli_json, days, prorated, read_register, write_registers
from tests.conftest import run_cli
from tests.reliability.clitools import sample_workspace

# ---------------------------------------------------------------- the rule on its own


def book(rows=(), reps=()):
    return TargetBook(rows, reps)


def rep(key, team=None, monthly=None, active=True, rep_id=None, region=None, role="rep"):
    return Rep(key, rep_id, team, region, role, active, monthly)


def test_calendar_pieces_take_whole_years_quarters_and_months_then_days():
    got = list(calendar_pieces(Period(D("2026-11-25"), D("2028-02-10"))))
    assert got == [
        ("M", 2026, 11, Fraction(6, 30)),
        ("M", 2026, 12, Fraction(1)),
        ("Y", 2027, 0, Fraction(1)),
        ("M", 2028, 1, Fraction(1)),
        ("M", 2028, 2, Fraction(10, 29)),  # 2028 is a leap year
    ]
    assert list(calendar_pieces(Period(D("2026-10-01"), D("2026-12-31")))) == [
        ("Q", 2026, 4, Fraction(1))
    ]
    assert list(calendar_pieces(Period(D("9999-12-01"), D("9999-12-31")))) == [
        ("M", 9999, 12, Fraction(1))
    ]


def test_a_quarter_set_alone_is_shared_by_its_months_to_the_cent():
    b = book([("2026-Q4", "company", None, "bookings", 10_000)])
    months = [
        b.target(Subject(COMPANY), "bookings", Period(D(f"2026-{m}-01"), D(f"2026-{m}-{d}")))
        for m, d in ((10, 31), (11, 30), (12, 31))
    ]
    assert months == [3334, 3333, 3333] and sum(months) == 10_000
    assert (
        b.target(Subject(COMPANY), "bookings", Period(D("2026-10-01"), D("2026-12-31"))) == 10_000
    )
    assert [share(100, 12, i) for i in range(12)] == [9] * 4 + [
        8
    ] * 8  # the first months take the rest


def test_each_level_takes_the_one_below_when_it_has_none():
    reps = [
        rep("Ann", "East", 10_000),
        rep("Ben", "East", 5_000),
        rep("Cy", "West"),
        rep("Dee", "West", 7_000, active=False),
        rep("Eve", None, 1_000),
    ]
    b = book(
        [
            ("2026-Q4", "team", "west", "bookings", 90_000),
            ("2026-11", "rep", "Ben", "bookings", 8_000),
        ],
        reps,
    )
    nov = Period(D("2026-11-01"), D("2026-11-30"))
    assert b.target(Subject(REP, "Ann"), "bookings", nov) == 10_000  # monthly_target
    assert b.target(Subject(REP, "Ben"), "bookings", nov) == 8_000  # set for the month: it wins
    assert b.target(Subject(REP, "Dee"), "bookings", nov) is None  # inactive: no shorthand
    assert b.target(Subject(TEAM, "East"), "bookings", nov) == 18_000
    assert b.target(Subject(TEAM, "WEST"), "bookings", nov) == 30_000  # its quarter ÷ 3, any case
    # the company: its teams, and Eve (no team)
    assert b.target(Subject(COMPANY), "bookings", nov) == 18_000 + 30_000 + 1_000
    assert b.target(Subject(COMPANY), "collections", nov) is None


@st.composite
def month_targets(draw):
    months = draw(
        st.dictionaries(
            st.tuples(st.integers(2025, 2027), st.integers(1, 12)),
            st.integers(0, 10**9),
            max_size=12,
        )
    )
    monthly = draw(st.one_of(st.none(), st.integers(0, 10**8)))
    start = draw(st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)))
    end = draw(st.dates(start, dt.date(2027, 12, 31)))
    return months, monthly, start, end


@given(month_targets())
@settings(max_examples=200, deadline=None)
def test_any_range_takes_each_day_its_months_target_over_the_months_days(case):
    months, monthly, start, end = case
    rows = [(f"{y}-{m:02d}", "rep", "Ann", "bookings", v) for (y, m), v in months.items()]
    b = book(rows, [rep("Ann", monthly=monthly)])
    got = b.target(Subject(REP, "Ann"), "bookings", Period(start, end))
    touched = {(d.year, d.month) for d in days(start, end)}
    if monthly is None and not touched & set(months):
        assert got is None  # no month of the range has a target
        return
    assert got == prorated(lambda y, m: months.get((y, m), monthly or 0), start, end)


# ---------------------------------------------------------------- the sample company (issue 13 "Tests")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return sample_workspace(tmp_path_factory.mktemp("targets") / "ws", "csv")


@pytest.fixture(scope="module")
def sample_without_targets(tmp_path_factory):
    ws = sample_workspace(tmp_path_factory.mktemp("notargets") / "ws", "csv")
    (ws / "targets.csv").unlink()
    return ws


def reps_monthly(ws) -> dict[str, int]:
    return {
        r["name"]: cents(r["monthly_target"])
        for r in read_register(ws, "reps")
        if r["monthly_target"] and r["active"] != "no"
    }


def company_target(ws, metric, period) -> int:
    rows = [
        r
        for r in read_register(ws, "targets")
        if (r["period"], r["scope"], r["metric"]) == (period, "company", metric)
    ]
    assert len(rows) == 1
    return cents(rows[0]["amount"])


@pytest.mark.parametrize("which", ["sample", "sample_without_targets"])
def test_the_november_target_is_the_sum_of_the_reps_monthly_targets(which, request):
    ws = request.getfixturevalue(which)
    monthly = reps_monthly(ws)
    kpi = cli_json(ws, "report", "kpi", "--period", "2026-11", "--as-of", "2026-11-27")
    assert cents(kpi["metrics"]["target"]) == sum(monthly.values()) == 266_000_000
    booked = sum(
        cents(c["amount"])
        for c in read_register(ws, "contracts")
        if "2026-11-01" <= c["signed_on"] <= "2026-11-27"
    )
    assert kpi["metrics"]["target_attainment"] == pytest.approx(booked / sum(monthly.values()))
    by_rep = cli_json(
        ws,
        "report",
        "targets",
        "--period",
        "2026-11",
        "--as-of",
        "2026-11-27",
        "--by",
        "rep",
        "--metric",
        "bookings",
    )
    assert {
        r["who"]: cents(r["target"]) for r in by_rep["rows"] if r["target"] is not None
    } == monthly


def test_a_quarter_equals_its_three_months(sample, sample_without_targets):
    for ws in (sample, sample_without_targets):
        for by in ("company", "team", "rep"):
            quarter = cli_json(ws, "report", "targets", "--period", "2026-Q4", "--by", by)["rows"]
            months = [
                cli_json(ws, "report", "targets", "--period", f"2026-{m}", "--by", by)["rows"]
                for m in (10, 11, 12)
            ]
            for row in quarter:
                parts = [
                    next(r for r in rows if (r["who"], r["metric"]) == (row["who"], row["metric"]))
                    for rows in months
                ]
                assert cents(row["target"]) == sum(cents(p["target"]) for p in parts), (by, row)
    assert cents(
        cli_json(sample, "report", "kpi", "--period", "2026-Q4")["metrics"]["target"]
    ) == company_target(sample, "bookings", "2026-Q4")


def test_a_ten_day_range_prorates_within_its_months(sample):
    start, end = D("2026-11-26"), D("2026-12-05")
    want = prorated(lambda y, m: company_target(sample, "bookings", f"{y}-{m:02d}"), start, end)
    assert want == round(266_000_000 * 5 / 30 + 266_000_000 * 5 / 31)
    kpi = cli_json(
        sample,
        "report",
        "kpi",
        "--from",
        "2026-11-26",
        "--to",
        "2026-12-05",
        "--as-of",
        "2026-12-05",
    )
    assert cents(kpi["metrics"]["target"]) == want
    rows = cli_json(
        sample,
        "report",
        "targets",
        "--from",
        "2026-11-26",
        "--to",
        "2026-12-05",
        "--as-of",
        "2026-12-05",
    )["rows"]
    collections = next(r for r in rows if r["metric"] == "collections")
    assert cents(collections["target"]) == prorated(
        lambda y, m: company_target(sample, "collections", f"{y}-{m:02d}"), start, end
    )


def test_kpi_by_owner_gives_each_rep_their_target(sample):
    groups = {
        g["key"]: g["metrics"]
        for g in cli_json(sample, "report", "kpi", "--period", "2026-11", "--by", "owner")["groups"]
    }
    shown = [name for name in reps_monthly(sample) if name in groups]
    assert len(shown) >= 5
    for name in shown:
        assert cents(groups[name]["target"]) == reps_monthly(sample)[name]


# ---------------------------------------------------------------- a small team: targets against actuals, leaderboard

AS_OF = "2026-11-24"
# fmt: off
REPS = [
    {"rep_id": "S-1", "name": "Ann", "team": "East", "role": "rep", "active": "yes", "monthly_target": "100000"},
    {"rep_id": "S-2", "name": "Ben", "team": "East", "role": "rep", "active": "yes", "monthly_target": "50000"},
    {"rep_id": "S-3", "name": "Cy", "team": "West", "role": "manager", "active": "yes", "monthly_target": ""},
    {"rep_id": "S-4", "name": "Dee", "team": "West", "role": "rep", "active": "no", "monthly_target": "70000"},
    {"rep_id": "S-5", "name": "Fay", "team": "", "role": "finance", "active": "yes", "monthly_target": ""},
]
TARGETS = [
    {"target_id": "T-1", "period": "2026-Q4", "scope": "team", "who": "West", "metric": "bookings", "amount": "90000"},
    {"target_id": "T-2", "period": "2026年11月", "scope": "rep", "who": "s-3", "metric": "collections", "amount": "20000"},
    {"target_id": "T-3", "period": "2026-11", "scope": "company", "who": "", "metric": "new_leads", "amount": "10"},
]
# opportunity, owner, signed_on (won, contract signed the same day), amount
DEALS = [("O-1", "Ann", "2026-11-03", "60000"), ("O-2", "Ben", "2026-11-10", "80000"), ("O-3", "Cy", "2026-11-20", "10000"), ("O-4", "Ann", "2026-10-15", "40000")]
# receivable, contract, amount, invoiced_on, due_date, status
RECEIVABLES = [("R-1", "C-4", "40000", "2026-10-15", "2026-11-14", "partially_paid"), ("R-2", "C-3", "10000", "2026-11-21", "2026-12-21", "partially_paid")]
PAYMENTS = [("P-1", "R-1", "2026-11-05", "15000"), ("P-2", "R-1", "2026-10-20", "10000"), ("P-3", "R-2", "2026-11-25", "4000")]
LEADS = [("L-1", "2026-11-02", "Ann"), ("L-2", "2026-11-09", "Ann"), ("L-3", "2026-11-12", "Ben"), ("L-4", "2026-11-24", ""), ("L-5", "2026-10-30", "Cy"), ("L-6", "2026-11-26", "Cy")]
# fmt: on


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    opps = [
        {
            "opportunity_id": o,
            "name": f"Deal {o}",
            "account_id": "A-1",
            "owner": who,
            "stage": "won",
            "amount": amt,
            "created_on": "2026-09-01",
            "closed_on": on,
        }
        for o, who, on, amt in DEALS
    ]
    contracts = [
        {
            "contract_id": "C" + o[1:],
            "opportunity_id": o,
            "account_id": "A-1",
            "owner": who,
            "amount": amt,
            "status": "executing",
            "signed_on": on,
            "payment_terms": "advance:100",
        }
        for o, who, on, amt in DEALS
    ]
    paid = {r: sum(int(a) for _, rr, _, a in PAYMENTS if rr == r) for r, *_ in RECEIVABLES}
    receivables = [
        {
            "receivable_id": r,
            "contract_id": c,
            "account_id": "A-1",
            "milestone": "advance",
            "pct": "100",
            "amount": a,
            "triggered_on": inv,
            "invoice_no": f"INV-{r}",
            "invoiced_on": inv,
            "due_date": due,
            "collected_amount": paid[r],
            "status": s,
        }
        for r, c, a, inv, due, s in RECEIVABLES
    ]
    return write_registers(
        tmp_path_factory.mktemp("team") / "ws",
        {
            "reps": REPS,
            "targets": TARGETS,
            "accounts": [{"account_id": "A-1", "name": "Acme"}],
            "opportunities": opps,
            "contracts": contracts,
            "receivables": receivables,
            "payments": [
                {"payment_id": p, "receivable_id": r, "received_on": on, "amount": a}
                for p, r, on, a in PAYMENTS
            ],
            "leads": [
                {
                    "lead_id": lid,
                    "created_on": on,
                    "company": f"Co {lid}",
                    "owner": who,
                    "status": "new",
                }
                for lid, on, who in LEADS
            ],
        },
    )


def actual(metric: str, who: set[str] | None, start="2026-11-01", end=AS_OF) -> int:
    """The figure by hand: contracts signed, cash received, leads created in [start, end] by these owners."""

    def mine(owner: str) -> bool:
        return who is None or owner in who

    if metric in ("bookings", "won_amount"):
        return sum(cents(a) for _, o, on, a in DEALS if start <= on <= end and mine(o))
    if metric == "won_count":
        return sum(1 for _, o, on, _ in DEALS if start <= on <= end and mine(o))
    if metric == "collections":
        owner_of = {"R-1": "Ann", "R-2": "Cy"}  # R-1 → C-4 → O-4 (Ann), R-2 → C-3 → O-3 (Cy)
        return sum(cents(a) for _, r, on, a in PAYMENTS if start <= on <= end and mine(owner_of[r]))
    return sum(1 for _, on, o in LEADS if start <= on <= end and mine(o))


def test_targets_by_rep_against_actuals_with_run_rate(team):
    doc = cli_json(
        team, "report", "targets", "--period", "2026-11", "--as-of", AS_OF, "--by", "rep"
    )
    assert (doc["days"], doc["elapsed_days"]) == (30, 24)
    rows = {(r["who"], r["metric"]): r for r in doc["rows"]}
    want_targets = {
        ("Ann", "bookings"): 10_000_000,
        ("Ben", "bookings"): 5_000_000,
        ("Cy", "collections"): 2_000_000,
    }
    for (who, metric), target in want_targets.items():
        r = rows[who, metric]
        got = actual(metric, {who})
        assert cents(r["target"]) == target and cents(r["actual"]) == got
        assert r["attainment"] == pytest.approx(got / target)
        assert cents(r["gap"]) == target - got
        assert cents(r["run_rate"]) == round(Fraction(got * 30, 24))
    assert rows["Cy", "bookings"]["target"] is None and cents(
        rows["Cy", "bookings"]["actual"]
    ) == actual("bookings", {"Cy"})
    assert ("Dee", "bookings") not in rows  # inactive: no shorthand target, nothing reached
    assert rows["Ann", "collections"]["target"] is None and cents(
        rows["Ann", "collections"]["actual"]
    ) == actual("collections", {"Ann"})
    assert rows["Ann", "bookings"]["team"] == "East"


def test_targets_by_team_and_for_the_company(team):
    teams = {
        (r["who"], r["metric"]): r
        for r in cli_json(
            team, "report", "targets", "--period", "2026-11", "--as-of", AS_OF, "--by", "team"
        )["rows"]
    }
    assert cents(teams["East", "bookings"]["target"]) == 10_000_000 + 5_000_000
    assert cents(teams["West", "bookings"]["target"]) == 9_000_000 // 3  # the quarter's third
    assert cents(teams["East", "bookings"]["actual"]) == actual("bookings", {"Ann", "Ben"})
    assert cents(teams["West", "collections"]["target"]) == 2_000_000  # Cy's
    company = {
        r["metric"]: r
        for r in cli_json(team, "report", "targets", "--period", "2026-11", "--as-of", AS_OF)[
            "rows"
        ]
    }
    assert set(company) == {"bookings", "collections", "new_leads"}
    assert cents(company["bookings"]["target"]) == 15_000_000 + 3_000_000
    assert (
        company["new_leads"]["target"] == 10
        and company["new_leads"]["actual"] == actual("new_leads", None) == 4
    )
    assert company["new_leads"]["run_rate"] == pytest.approx(round(4 * 30 / 24, 2))
    assert cents(company["collections"]["actual"]) == actual("collections", None)


def test_leaderboard_ranks_reps_and_ties_share_a_rank(team):
    doc = cli_json(team, "report", "leaderboard", "--period", "2026-11", "--as-of", AS_OF)
    assert doc["metric"] == "bookings"
    assert [(r["rank"], r["rep"], cents(r["actual"])) for r in doc["rows"]] == [
        (1, "Ben", actual("bookings", {"Ben"})),
        (2, "Ann", actual("bookings", {"Ann"})),
        (3, "Cy", actual("bookings", {"Cy"})),
    ]  # Dee (inactive) and Fay (finance) reached nothing and do not sell
    assert doc["rows"][0]["attainment"] == pytest.approx(actual("bookings", {"Ben"}) / 5_000_000)
    cash = cli_json(
        team, "report", "leaderboard", "--metric", "回款", "--period", "2026-11", "--as-of", AS_OF
    )
    assert [(r["rank"], r["rep"]) for r in cash["rows"]] == [(1, "Ann"), (2, "Ben"), (2, "Cy")]


def test_bad_options_are_usage_errors(team):
    bad = run_cli("report", "leaderboard", "--metric", "revenue", ws=team)
    assert bad.returncode == 2 and "--metric" in bad.stderr and "bookings" in bad.stderr
    bad = run_cli("report", "targets", "--by", "region", ws=team)
    assert bad.returncode == 2 and "--by" in bad.stderr


def test_chinese_tables_name_the_metrics(team):
    out = run_cli(
        "report",
        "targets",
        "--period",
        "2026-11",
        "--as-of",
        AS_OF,
        "--by",
        "team",
        "--lang",
        "zh",
        ws=team,
        check=0,
    ).stdout
    assert "签约金额" in out and "目标达成率" in out and "团队" in out
    out = run_cli(
        "report",
        "leaderboard",
        "--period",
        "2026-11",
        "--as-of",
        AS_OF,
        "--lang",
        "zh",
        ws=team,
        check=0,
    ).stdout
    assert "排名" in out and "Ben" in out
