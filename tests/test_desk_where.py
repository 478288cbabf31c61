"""`list --where` (contains, comparisons, typed) and `advance` of many records at once, all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesops.core import search
from salesops.errors import UsageError
from salesops.schema import REGISTERS
from tests.conftest import run_cli, tree_digest
from tests.reliability.clitools import sample_workspace

OPP = REGISTERS["opportunities"]
LEADS = REGISTERS["leads"]


# ---------------------------------------------------------------- the conditions


def holds(register, text: str, value) -> bool:
    return search.parse(register, text).holds(value)


def test_contains_ignores_case_and_width_and_reads_chinese():
    assert holds(LEADS, "company~华信", "上海华信科技有限公司")
    assert holds(LEADS, "公司名称~ＨＵＡＸＩＮ", "Huaxin Tech")
    assert not holds(LEADS, "company~华为", "上海华信科技有限公司")
    assert holds(OPP, "stage~谈判", "negotiation") and holds(OPP, "stage~nego", "negotiation")
    assert not holds(LEADS, "company~华信", None)


def test_money_dates_and_stages_compare_as_such():
    assert holds(OPP, "amount>=50万", Decimal("500000.00")) and not holds(
        OPP, "amount>=50万", Decimal("499999.99")
    )
    assert holds(OPP, "amount<¥1,000", Decimal("999.99"))
    assert holds(OPP, "expected_close<=2026/12/1", dt.date(2026, 12, 1))
    assert holds(OPP, "expected_close>2026年11月30日", dt.date(2026, 12, 1))
    assert [s for s in OPP.column("stage").enum.codes if holds(OPP, "stage>=proposal", s)] == [
        "proposal",
        "negotiation",
        "won",
    ]
    assert [s for s in OPP.column("stage").enum.codes if holds(OPP, "阶段<需求分析", s)] == [
        "qualification"
    ]
    assert not holds(OPP, "amount>=1", None)


def test_empty_and_not_equal():
    assert holds(LEADS, "owner=", None) and not holds(LEADS, "owner=", "王芳")
    assert holds(LEADS, "owner!=", "王芳") and holds(LEADS, "owner!=王芳", None)
    assert holds(LEADS, "owner=王芳 ", "王芳") and holds(LEADS, "status=已联系", "contacted")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("colour=red", "has no column 'colour'"),
        ("amount>=lots", "amount"),
        ("stage", "is not FIELD=VALUE"),
        ("company~", "~ needs the text"),
        ("amount>=", "needs a value"),
    ],
)
def test_bad_conditions_are_usage_errors(text, says):
    with pytest.raises(UsageError) as exc:
        search.parse(OPP if "company" not in text else LEADS, text)
    assert says in str(exc.value)


@given(
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
)
def test_money_conditions_agree_with_the_numbers(have, want):
    text = f"{want:,.2f}"
    assert holds(OPP, f"amount>={text}", have) == (have >= want)
    assert holds(OPP, f"amount<{text}", have) == (have < want)
    assert holds(OPP, f"amount={text}", have) == (have == want)
    assert holds(OPP, f"amount!=¥{text}", have) == (have != want)


@given(
    st.text(min_size=1, max_size=8).filter(lambda t: t.strip() and not set(t) & set("=!<>~")),
    st.text(max_size=8),
)
def test_contains_is_substring_of_the_folded_text(needle, around):
    value = around + needle.upper() + around
    assert holds(LEADS, f"notes~{needle}", value) == (
        search.fold(needle.strip()) in search.fold(value)
    )


# ---------------------------------------------------------------- list --where on real files


@pytest.fixture(params=[("xlsx", "en"), ("csv", "zh")], ids=["xlsx-en", "csv-zh"])
def sample(request, tmp_path):
    fmt, lang = request.param
    return sample_workspace(tmp_path / "ws", fmt, lang)


def rows(ws, register: str, *where: str) -> list[dict]:
    args = [a for w in where for a in ("--where", w)]
    return json.loads(run_cli("list", register, *args, "-f", "json", ws=ws, check=0).stdout)


def test_list_where_on_the_sample_company(sample):
    every = rows(sample, "opportunities")
    big = rows(sample, "opportunities", "amount>=100万", "stage>=proposal")
    assert big and big == [
        o for o in every
        if o["amount"] is not None and o["amount"] >= 1_000_000
        and o["stage"] in ("proposal", "negotiation", "won")
    ]  # fmt: skip
    late = rows(sample, "opportunities", "expected_close<2026-06-01", "stage!=won", "stage!=lost")
    assert all(
        o["expected_close"] < "2026-06-01" and o["stage"] not in ("won", "lost") for o in late
    )
    hua = rows(sample, "accounts", "name~华")
    assert hua and all("华" in a["name"] for a in hua)
    assert len(rows(sample, "accounts", "name~华")) < len(rows(sample, "accounts"))
    unowned = rows(sample, "leads", "owner=")
    assert all(lead["owner"] is None for lead in unowned)
    shown = run_cli(
        "list", "leads", "--where", "status=已联系", "-f", "csv", ws=sample, check=0
    ).stdout
    assert len(shown.strip().splitlines()) == len(rows(sample, "leads", "status=contacted")) + 1


# ---------------------------------------------------------------- advance of many records


def test_advance_many_ids_in_one_commit(sample):
    new = [lead["lead_id"] for lead in rows(sample, "leads", "status=new", "owner!=")][:3]
    assert len(new) == 3
    done = run_cli("advance", *new, "contacted", "--by", "周建华", ws=sample, check=0).stdout
    assert all(f"{lid}: " in done for lid in new)
    assert {lead["lead_id"] for lead in rows(sample, "leads", "status=contacted")} >= set(new)
    history = list(csv.reader((sample / "history.csv").read_text("utf-8-sig").splitlines()))
    moved = [r for r in history if r[4] in new and r[5] == "status" and "advance" in r[2]]
    assert len(moved) == 3 and len({(r[0], r[2]) for r in moved}) == 1  # one command, one commit


def test_advance_where_all_or_nothing_listing_every_refusal(sample):
    open_ = rows(sample, "leads", "status=contacted")
    assert len(open_) >= 2
    before = tree_digest(sample)
    cannot = run_cli(
        "advance", "--where", "status=contacted", "qualified", "--set", "owner=", ws=sample, check=1
    )
    lines = cannot.stderr.strip().splitlines()
    assert all(line.startswith("error: ") for line in lines)
    assert {lead["lead_id"] for lead in open_} <= {
        line.split()[1].rstrip(":") for line in lines
    }  # each one named
    assert tree_digest(sample) == before
    assert run_cli(
        "advance",
        "--where",
        "status=contacted",
        "--where",
        "owner=",
        "qualified",
        ws=sample,
        check=0,
    )


def test_advance_where_moves_every_match(sample):
    want = rows(sample, "quotes", "status=sent", "valid_until<2027-01-01")
    if not want:
        pytest.skip("the sample has no sent quote")
    run_cli("advance", "--where", "status=sent", "--where", "valid_until<2027-01-01", "--in", "quotes",
            "expired", ws=sample, check=0)  # fmt: skip
    assert rows(sample, "quotes", "status=sent", "valid_until<2027-01-01") == []
    assert {q["quote_id"] for q in rows(sample, "quotes", "status=expired")} >= {
        q["quote_id"] for q in want
    }


def test_advance_usage(sample):
    zh = '"zh"' in (sample / "salesops.toml").read_text("utf-8")
    both = run_cli(
        "advance", "L-000001", "--where", "status=new", "contacted", ws=sample, check=2
    ).stderr
    assert ("不要同时给出" if zh else "not both") in both
    assert run_cli("advance", "contacted", ws=sample, check=2).stderr.startswith("error: ")
    amb = run_cli("advance", "--where", "status=sent", "accepted", ws=sample, check=2).stderr
    assert "--in" in amb
    missing = run_cli(
        "advance", "L-000001", "L-999998", "L-999999", "contacted", ws=sample, check=1
    ).stderr
    assert "L-999998" in missing and "L-999999" in missing
    assert run_cli(
        "advance", "--where", "company~没有这样的公司", "contacted", ws=sample, check=0
    ).stdout
