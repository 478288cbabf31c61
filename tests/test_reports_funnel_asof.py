"""`report funnel` (and the weekly funnel) as of a past date show what was true on that date.

A small company is built through the real CLI, each command on its own day
(SALESOPS_TODAY), so history.csv holds what the tool really writes: codes,
`at` = when the command ran (not the event day), `stage_changed_on` beside the
stage. Six deals and three leads are created on 2026-10-05:

    O-1  → solution 10-20 (via needs_analysis), won 11-10 (quote, contract signed)
    O-2  → needs_analysis 10-20, lost 11-10 (price)
    O-3  → needs_analysis 10-20, → solution the same day
    O-4  untouched (qualification)
    O-5  lost 10-25 at qualification (budget)
    O-6  → needs_analysis 11-10
    L-1  contacted 10-20, qualified 11-10
    L-2  disqualified 11-10 (spam)
    L-3  contacted 10-20, disqualified 10-25 (no budget)

A property test replays random stage histories written by hand (codes and
Chinese labels mixed with junk rows) against a naive replay.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesops.schema import HISTORY_COLUMNS, REGISTERS
from tests.conftest import make_workspace, run_cli

# each layout's company is built once (module scope), so the tests of one layout run on one worker
# (make test: --dist loadgroup); the two layouts and the property test may run side by side


OPP_STAGES = list(REGISTERS["opportunities"].machine.order)
LEAD_STATUSES = list(REGISTERS["leads"].machine.order)


def label(register: str, code: str, lang: str) -> str:
    reg = REGISTERS[register]
    return reg.column(reg.machine.field).enum.label(code, lang)


class Company:
    """Runs each command of the story on a given day, in the workspace language."""

    def __init__(self, root: Path, lang: str) -> None:
        self.root = root
        self.lang = lang

    def on(self, day: str, *args: str) -> str:
        proc = run_cli(*args, ws=self.root, env={"SALESOPS_TODAY": day, "SALESOPS_USER": "t"})
        assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    def advance(self, day: str, record_id: str, code: str, *extra: str) -> None:
        register = {"O": "opportunities", "L": "leads", "Q": "quotes", "C": "contracts"}[
            record_id[0]
        ]
        self.on(day, "advance", record_id, label(register, code, self.lang), *extra)


def build(root: Path, fmt: str, lang: str) -> Path:
    make_workspace(root, fmt, lang)
    src = root.parent / "src"
    src.mkdir()
    (src / "reps.csv").write_text("rep_id,name,team\nS-000001,Ann,East\n", encoding="utf-8")
    (src / "accounts.csv").write_text("account_id,name\nA-000001,Acme\n", encoding="utf-8")
    c = Company(root, lang)
    day0 = "2026-10-05"
    c.on(day0, "import", "reps", str(src / "reps.csv"))
    c.on(day0, "import", "accounts", str(src / "accounts.csv"))
    for n in range(1, 7):
        c.on(
            day0,
            "opp", "add", "--account", "A-000001", "--name", f"Deal {n}", "--owner", "Ann",
            "--amount", "1000", "--expected-close", "2027-01-31",
        )  # fmt: skip
    for n in range(1, 4):
        c.on(day0, "lead", "add", "--company", f"Co {n}", "--phone", f"010-{n}", "--owner", "Ann")

    oct20, oct25, nov10 = "2026-10-20", "2026-10-25", "2026-11-10"
    c.advance(oct20, "O-000001", "solution")
    c.advance(oct20, "O-000002", "needs_analysis")
    c.advance(oct20, "O-000003", "needs_analysis")
    c.advance(oct20, "O-000003", "solution")  # same day: stage_changed_on is not rewritten
    c.advance(oct25, "O-000005", "lost", "--reason", "budget")
    c.advance(oct20, "L-000001", "contacted")
    c.advance(oct20, "L-000003", "contacted")
    c.advance(oct25, "L-000003", "disqualified", "--reason", "no budget")

    # 11-10: O-1 won through its quote and signed contract; O-2 lost; O-6 moves on
    c.on(nov10, "quote", "create", "O-000001", "--list-amount", "1000")
    c.advance(nov10, "Q-000001", "approved")
    c.advance(nov10, "O-000001", "proposal")
    c.advance(nov10, "Q-000001", "sent")
    c.advance(nov10, "O-000001", "negotiation")
    c.advance(nov10, "Q-000001", "accepted")
    c.on(nov10, "contract", "create", "Q-000001", "--terms", "advance:100")
    c.advance(nov10, "C-000001", "review")
    c.advance(nov10, "C-000001", "signed", "--by", "Boss")
    c.advance(nov10, "O-000002", "lost", "--reason", "price")
    c.advance(nov10, "O-000006", "needs_analysis")
    c.advance(nov10, "L-000001", "qualified")
    c.advance(nov10, "L-000002", "disqualified", "--reason", "spam")
    return root


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(("csv", "en"), id="csv-en", marks=pytest.mark.xdist_group("funnel-asof-csv")),
        pytest.param(("xlsx", "zh"), id="xlsx-zh", marks=pytest.mark.xdist_group("funnel-asof-xlsx")),
    ],
)
def company(request, tmp_path_factory):
    fmt, lang = request.param
    return build(tmp_path_factory.mktemp(f"asof-{fmt}") / "ws", fmt, lang)


def funnel(ws: Path, *args: str) -> dict:
    proc = run_cli("report", "funnel", "--period", "2026-10", *args, "-f", "json", ws=ws, check=0)
    return json.loads(proc.stdout)


def column(r: dict, key: str) -> list:
    return [s[key] for s in r["stages"]]


def test_history_holds_the_event_days_not_the_clock(company):
    """The premise: stage values are written as the workspace writes them (codes, or Chinese
    labels under a Chinese header in a Chinese workspace), event days as stage_changed_on rows."""
    from salesops.schema import HISTORY_ZH

    with open(company / "history.csv", encoding="utf-8-sig", newline="") as fh:
        english = {zh: en for en, zh in HISTORY_ZH.items()}
        rows = [{english.get(k, k): v for k, v in r.items()} for r in csv.DictReader(fh)]
    stamped = {r["new_value"] for r in rows if r["field"] == "stage_changed_on"}
    assert {"2026-10-05", "2026-10-20", "2026-11-10"} <= stamped
    stage = REGISTERS["opportunities"].column("stage").enum
    chinese = (company / "salesops.toml").read_text(encoding="utf-8").count('lang = "zh"')
    written = set(stage.values[i][1] for i in range(len(stage.values))) if chinese else set(stage.codes)
    assert {r["new_value"] for r in rows if r["field"] == "stage"} <= written


def test_funnel_as_of_end_of_october_shows_october(company):
    r = funnel(company, "--as-of", "2026-10-31")
    assert r["as_of"] == "2026-10-31" and r["opportunities"] == 6
    # O-1 solution, O-2 needs_analysis, O-3 solution, O-4 and O-6 qualification, O-5 lost
    assert column(r, "reached") == [6, 3, 2, 0, 0, 0]
    assert column(r, "open") == [2, 1, 2, 0, 0, 0]
    assert column(r, "lost") == [1, 0, 0, 0, 0, 0]
    assert r["lost_reasons"] == [{"reason": "budget", "count": 1}]
    assert r["lost_at_stage"] == [{"stage": "qualification", "count": 1}]
    assert r["bottleneck"] == "proposal"
    # qualification: O-1, O-2, O-3 15 days, O-5 20, O-4 and O-6 26 (still there on 10-31)
    # needs_analysis: O-1 0 (passed through), O-3 0 (same day), O-2 11 (still there)
    # solution: O-1 and O-3 11 (O-1's win on 11-10 is not seen)
    assert column(r, "median_days") == [17.5, 0.0, 11.0, None, None, None]
    leads = r["leads"]
    # L-1 contacted, L-2 new, L-3 disqualified after contacted
    assert leads["leads"] == 3
    assert column(leads, "reached") == [3, 2, 0, 0]
    assert column(leads, "open") == [1, 1, 0, 0]
    assert column(leads, "lost") == [0, 1, 0, 0]
    assert leads["disqualify_reasons"] == [{"reason": "no budget", "count": 1}]


def test_funnel_as_of_today_shows_the_registers(company):
    r = funnel(company, "--as-of", "2026-11-27")
    # O-1 won, O-2 lost at needs_analysis, O-3 solution, O-4 qualification, O-5 lost, O-6 needs_analysis
    assert column(r, "reached") == [6, 4, 2, 1, 1, 1]
    assert column(r, "open") == [1, 1, 1, 0, 0, 0]
    assert column(r, "lost") == [1, 1, 0, 0, 0, 0]
    assert r["lost_reasons"] == [{"reason": "budget", "count": 1}, {"reason": "price", "count": 1}]
    assert r["lost_at_stage"] == [
        {"stage": "qualification", "count": 1},
        {"stage": "needs_analysis", "count": 1},
    ]
    # solution: O-1 10-20 → 11-10 = 21, O-3 10-20 → 11-27 = 38
    assert r["stages"][2]["median_days"] == 29.5
    leads = r["leads"]
    assert column(leads, "reached") == [3, 2, 1, 0]
    assert column(leads, "open") == [0, 0, 1, 0]
    assert column(leads, "lost") == [1, 1, 0, 0]


def test_a_deal_won_or_lost_after_the_date_is_open_at_its_stage_then(company):
    before = funnel(company, "--as-of", "2026-11-09")
    after = funnel(company, "--as-of", "2026-11-10")
    won = OPP_STAGES.index("won")
    assert before["stages"][won]["reached"] == 0 and after["stages"][won]["reached"] == 1
    assert before["stages"][2]["open"] == 2  # O-1 still in solution on 11-09
    assert [x["reason"] for x in before["lost_reasons"]] == ["budget"]
    assert [x["reason"] for x in after["lost_reasons"]] == ["budget", "price"]
    assert before["stages"][1]["open"] == 1 and before["stages"][1]["lost"] == 0  # O-2


def test_json_shape_and_groups_follow_the_as_of_view(company):
    past = funnel(company, "--as-of", "2026-10-31", "--by", "owner")
    now = funnel(company, "--as-of", "2026-11-27")
    assert set(past) == set(now) == {
        "from", "to", "as_of", "by", "opportunities", "stages", "bottleneck",
        "lost_reasons", "lost_at_stage", "leads", "groups", "stalled",
    }  # fmt: skip
    assert set(past["leads"]) == {"leads", "stages", "bottleneck", "disqualify_reasons"}
    assert set(past["stages"][0]) == {
        "stage",
        "reached",
        "conversion",
        "median_days",
        "open",
        "lost",
    }
    assert [g["key"] for g in past["groups"]] == ["Ann"]
    assert past["groups"][0]["stages"] == [
        {k: s[k] for k in ("stage", "reached", "conversion")} for s in past["stages"]
    ]


def test_as_of_after_every_change_equals_the_registers_alone(company, tmp_path):
    """With history gone the funnel is the registers' current stages: the same counts.

    (Disqualified leads are the exception: only history says how far they got.)
    """
    bare = tmp_path / "bare"
    shutil.copytree(company, bare, ignore=shutil.ignore_patterns(".salesops", "history.csv"))
    for day in ("2026-11-27", "2027-03-01"):
        with_history, without = funnel(company, "--as-of", day), funnel(bare, "--as-of", day)
        for key in ("reached", "open", "lost", "conversion"):
            assert column(with_history, key) == column(without, key)
        assert column(with_history["leads"], "open") == column(without["leads"], "open")
        assert sum(column(with_history["leads"], "lost")) == sum(column(without["leads"], "lost"))
        for key in ("lost_reasons", "lost_at_stage", "bottleneck"):
            assert with_history[key] == without[key]


def test_weekly_funnel_of_a_past_week(company):
    proc = run_cli("report", "weekly", "--week", "2026-W44", "-f", "json", ws=company, check=0)
    fun = json.loads(proc.stdout)["funnel"]
    assert fun["to"] == "2026-11-01"
    assert [s["reached"] for s in fun["stages"]] == [6, 3, 2, 0, 0, 0]


# ---------------------------------------------------------------- random histories, in process


OPP_HEADER = [
    "opportunity_id", "name", "stage", "created_on", "stage_changed_on", "lost_reason",
    "lost_at_stage",
]  # fmt: skip
HISTORY_HEADER = list(HISTORY_COLUMNS)
START = dt.date(2026, 10, 1)


@st.composite
def deal_histories(draw):
    """Per deal: a list of (day offset, new stage) moves; the deal starts at the first stage."""
    deals = []
    for _ in range(draw(st.integers(1, 6))):
        moves, stage, day = [], OPP_STAGES[0], 0
        for _ in range(draw(st.integers(0, 4))):
            if stage in ("won", "lost"):
                break
            day += draw(st.integers(0, 9))
            stage = draw(st.sampled_from([s for s in [*OPP_STAGES, "lost"] if s != stage]))
            moves.append((day, stage))
        deals.append(moves)
    return deals


def write_case(root: Path, deals, zh_rows: set[int]) -> None:
    if root.exists():
        shutil.rmtree(root)
    make_workspace(root, "csv", "en")
    opp_rows, hist = [], []
    n = 0
    for k, moves in enumerate(deals, start=1):
        rid = f"O-{k:06d}"
        stage, changed = OPP_STAGES[0], START
        for day, new in moves:
            when = START + dt.timedelta(days=day)
            # hand-written history: `at` is the event day, one stage field row per move
            old_text, new_text = stage, new
            if n in zh_rows:
                old_text, new_text = (
                    label("opportunities", stage, "zh"),
                    label("opportunities", new, "zh"),
                )
            hist.append(
                [
                    f"{when}T10:{n % 60:02d}:00+08:00",
                    "t",
                    "advance",
                    "opportunities",
                    rid,
                    "stage",
                    old_text,
                    new_text,
                ]
            )
            n += 1
            stage, changed = new, when
        lost_reason = "price" if stage == "lost" else ""
        lost_at = lost_at_of(k, moves) or ""
        opp_rows.append(
            [rid, f"Deal {k}", stage, START.isoformat(), changed.isoformat(), lost_reason, lost_at]
        )
    # noise the report must ignore: another register, an unknown record, a value that is no stage
    hist.append(
        [
            f"{START}T09:00:00+08:00",
            "t",
            "advance",
            "leads",
            "O-000001",
            "stage",
            "qualification",
            "won",
        ]
    )
    hist.append(
        [
            f"{START}T09:00:00+08:00",
            "t",
            "advance",
            "opportunities",
            "O-999999",
            "stage",
            "qualification",
            "won",
        ]
    )
    hist.append(
        [
            f"{START}T09:00:00+08:00",
            "t",
            "advance",
            "opportunities",
            "O-000001",
            "stage",
            "qualification",
            "nonsense",
        ]
    )
    with open(root / "opportunities.csv", "w", newline="", encoding="utf-8") as fh:
        # (every register carries its required columns, or every command refuses it)
        csv.writer(fh).writerows([OPP_HEADER + ["account_id", "owner"], *(r + ["A-000001", "Ann"] for r in opp_rows)])
    with open(root / "history.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HISTORY_HEADER, *hist])


def naive_stage(moves, as_of: dt.date) -> str:
    stage = OPP_STAGES[0]
    for day, new in moves:
        if START + dt.timedelta(days=day) <= as_of:
            stage = new
    return stage


def lost_at_of(k: int, moves) -> str | None:
    """The stage a lost deal was lost at, as `advance` records it (even-numbered deals only:
    the odd ones leave it blank, so the report must find it in history)."""
    if not moves or moves[-1][1] != "lost" or k % 2:
        return None
    return moves[-2][1] if len(moves) > 1 else OPP_STAGES[0]


def naive_reached(k: int, moves, as_of: dt.date) -> int:
    stage = naive_stage(moves, as_of)
    if stage != "lost":
        return OPP_STAGES.index(stage)
    if lost_at_of(k, moves):
        return OPP_STAGES.index(lost_at_of(k, moves))
    seen = [OPP_STAGES[0]] + [s for d, s in moves if START + dt.timedelta(days=d) <= as_of]
    return max(OPP_STAGES.index(s) for s in seen if s in OPP_STAGES)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    deals=deal_histories(),
    offset=st.integers(0, 45),
    zh_rows=st.sets(st.integers(0, 20), max_size=5),
)
def test_random_histories_against_a_naive_replay(tmp_path, deals, offset, zh_rows):
    from salesops.reports.data import ReportData
    from salesops.reports.funnels import funnel as funnel_of
    from salesops.reports.periods import Period
    from salesops.storage.workspace import Workspace

    root = tmp_path / "ws"
    write_case(root, deals, zh_rows)
    as_of = START + dt.timedelta(days=offset)
    r = funnel_of(
        ReportData(Workspace(root)), Period(START, dt.date(2026, 12, 31)), as_of
    ).to_json()
    stages = [naive_stage(m, as_of) for m in deals]
    reached = [naive_reached(k, m, as_of) for k, m in enumerate(deals, start=1)]
    assert column(r, "reached") == [sum(x >= k for x in reached) for k in range(len(OPP_STAGES))]
    assert column(r, "open") == [0 if s in ("won", "lost") else stages.count(s) for s in OPP_STAGES]
    assert column(r, "lost") == [
        sum(1 for s, x in zip(stages, reached, strict=True) if s == "lost" and x == k)
        for k in range(len(OPP_STAGES))
    ]
    lost = stages.count("lost")
    assert r["lost_reasons"] == ([{"reason": "price", "count": lost}] if lost else [])
    if offset >= 36:  # after every change: the same as the registers without history
        (root / "history.csv").unlink()
        bare = funnel_of(ReportData(Workspace(root)), Period(START, dt.date(2026, 12, 31)), as_of)
        bare_json = bare.to_json()
        assert column(r, "open") == column(bare_json, "open")
        assert sum(column(r, "lost")) == sum(column(bare_json, "lost"))
        assert r["lost_reasons"] == bare_json["lost_reasons"]
        if all(lost_at_of(k, m) for k, m in enumerate(deals, start=1) if stages[k - 1] == "lost"):
            for key in ("reached", "lost", "conversion"):
                assert column(r, key) == column(bare_json, key)
