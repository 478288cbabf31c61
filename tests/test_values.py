"""The value layer: every accepted spelling, every error phrase, and proofs that
the column-at-once parsers agree with the one-cell parsers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from salesops import values as V
from salesops.schema import Column
from salesops.typed import parse_column, raw_of_cells, typed_value
from salesops.values import BadValue

D = Decimal
BAD = "bad"
NOT_DATE = "is not a date"
MDY_ORDER = "is not a date in M/D/YYYY order (date_order = MDY); write it as YYYY-MM-DD"
DMY_ORDER = "is not a date in D/M/YYYY order (date_order = DMY); write it as YYYY-MM-DD"


def outcome(fn, v, *args):
    """fn(v) or BAD, so tables can hold both."""
    try:
        return fn(v, *args)
    except BadValue:
        return BAD


def phrase(fn, v, *args) -> str:
    with pytest.raises(BadValue) as info:
        fn(v, *args)
    return str(info.value)


# ----------------------------------------------------------------------- blanks

NOT_BLANK_WORDS = ["NA", "N/A", "#N/A", "None", "null", "nan"]


@pytest.mark.parametrize(
    "fn", [V.parse_text, V.parse_date, V.parse_money, V.parse_int, V.parse_pct, V.parse_bool]
)
@pytest.mark.parametrize(
    "blank", [None, "", "   ", "\t\n", "\u3000", float("nan"), D("NaN"), pd.NA, pd.NaT]
)
def test_blank_is_none_for_every_parser(fn, blank):
    assert fn(blank) is None


@pytest.mark.parametrize("word", NOT_BLANK_WORDS)
def test_na_words_are_text_not_blank(word):
    assert V.parse_text(word) == word
    for fn in (V.parse_date, V.parse_money, V.parse_int, V.parse_pct, V.parse_bool):
        with pytest.raises(BadValue):
            fn(word)


# ------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    "cell, text",
    [
        ("  Acme  ", "  Acme  "),  # as typed: issue 10 §8
        ("\tAcme", "\tAcme"),
        ("007", "007"),
        ("00123456789012345678", "00123456789012345678"),
        ("a  b", "a  b"),
        (12, "12"),
        (13800138000.0, "13800138000"),
        (1.5, "1.5"),
        (0.1, "0.1"),
        (-3.0, "-3"),
        (True, "TRUE"),
        (False, "FALSE"),
        (dt.date(2026, 11, 5), "2026-11-05"),
        (dt.datetime(2026, 11, 5), "2026-11-05"),
        (dt.datetime(2026, 11, 5, 9, 30, 5), "2026-11-05 09:30:05"),
        (dt.time(9, 30), "09:30:00"),
        (D("1.50"), "1.50"),
        ("=SUM(A1)", "=SUM(A1)"),
    ],
)
def test_parse_text(cell, text):
    assert V.parse_text(cell) == text


# ------------------------------------------------------------------------ dates

NOV5 = dt.date(2026, 11, 5)


@pytest.mark.parametrize(
    "cell, order, expected",
    [
        ("2026-11-05", "MDY", NOV5),
        (" 2026-11-05 ", "MDY", NOV5),
        ("2026-11-05 00:00:00", "MDY", NOV5),
        ("2026-11-05T10:00", "MDY", NOV5),
        ("2026-11-05T10:00:00+08:00", "MDY", NOV5),
        ("2026/11/5", "MDY", NOV5),
        ("2026/11/05", "DMY", NOV5),
        ("2026.11.5", "MDY", NOV5),
        ("2026-11-5", "MDY", NOV5),
        ("2026年11月5日", "MDY", NOV5),
        ("2026年11月5号", "MDY", NOV5),
        ("2026年11月5", "MDY", NOV5),
        ("2026 年 11 月 05 日", "MDY", NOV5),
        ("２０２６年１１月５日", "MDY", NOV5),
        ("２０２６／１１／５", "MDY", NOV5),
        ("２０２６－１１－０５", "MDY", NOV5),
        ("20261105", "MDY", NOV5),
        ("11/5/2026", "MDY", NOV5),
        ("5/11/2026", "DMY", NOV5),
        ("11.5.2026", "MDY", NOV5),
        ("5-11-2026", "DMY", NOV5),
        ("11/5/26", "MDY", NOV5),
        ("5/11/26", "DMY", NOV5),
        ("11/05/2026 14:30", "MDY", NOV5),
        ("46331", "MDY", NOV5),
        ("46331.75", "MDY", NOV5),
        (46331, "MDY", NOV5),
        (46331.5, "MDY", NOV5),
        (D("46331"), "MDY", NOV5),
        (1, "MDY", dt.date(1899, 12, 31)),
        (2958465, "MDY", dt.date(9999, 12, 31)),
        ("Nov 5, 2026", "MDY", NOV5),
        ("5 November 2026", "MDY", NOV5),
        ("November 5th, 2026", "DMY", NOV5),
        ("2026-Nov-05", "MDY", NOV5),
        (NOV5, "MDY", NOV5),
        (dt.datetime(2026, 11, 5, 23, 59), "MDY", NOV5),
        (pd.Timestamp("2026-11-05 08:00"), "MDY", NOV5),
        ("2024/2/29", "MDY", dt.date(2024, 2, 29)),
        ("12/31/2026", "mdy", dt.date(2026, 12, 31)),
    ],
)
def test_parse_date_accepts(cell, order, expected):
    assert V.parse_date(cell, order) == expected


@pytest.mark.parametrize(
    "cell, order, message",
    [
        ("13/5/2026", "MDY", MDY_ORDER),
        ("11/13/2026", "DMY", DMY_ORDER),
        ("31/12/26", "MDY", MDY_ORDER),
        ("13/13/2026", "MDY", NOT_DATE),
        ("2/30/2026", "MDY", NOT_DATE),
        ("2026-13-45", "MDY", NOT_DATE),
        ("2026-02-30", "MDY", NOT_DATE),
        ("2025/2/29", "MDY", NOT_DATE),
        ("2026年13月1日", "MDY", NOT_DATE),
        ("20261345", "MDY", NOT_DATE),
        ("5", "MDY", NOT_DATE),
        ("11/5", "MDY", NOT_DATE),
        ("Nov 5", "MDY", NOT_DATE),
        ("November 2026", "MDY", NOT_DATE),
        ("5th of never 2026", "MDY", NOT_DATE),
        ("tomorrow", "MDY", NOT_DATE),
        ("2026-11-05 25:00", "MDY", NOT_DATE),
        ("00000", "MDY", NOT_DATE),
        (0, "MDY", NOT_DATE),
        (-5, "MDY", NOT_DATE),
        (2958466, "MDY", NOT_DATE),
        (float("inf"), "MDY", NOT_DATE),
        (True, "MDY", NOT_DATE),
        (dt.time(10, 0), "MDY", NOT_DATE),
        ("NA", "MDY", NOT_DATE),
    ],
)
def test_parse_date_rejects(cell, order, message):
    assert phrase(V.parse_date, cell, order) == message


def test_date_order_must_be_known():
    with pytest.raises(ValueError):
        V.parse_date("1/2/2026", "YMD")


def test_excel_serials():
    assert V.excel_serial_to_date(46331) == NOV5
    assert V.date_to_excel_serial(NOV5) == 46331
    assert V.date_to_excel_serial(dt.datetime(2026, 11, 5, 12)) == 46331
    with pytest.raises(BadValue):
        V.excel_serial_to_date(0)


@given(st.dates())
def test_iso_and_chinese_dates_round_trip(d):
    assert V.parse_date(d.isoformat()) == d
    assert V.parse_date(f"{d.year:04d}年{d.month}月{d.day}日") == d
    assert V.parse_date(f"{d.year:04d}/{d.month}/{d.day}", "DMY") == d


@given(st.dates(min_value=dt.date(1899, 12, 31)))
def test_serials_round_trip(d):
    n = V.date_to_excel_serial(d)
    assert V.excel_serial_to_date(n) == d
    assert V.parse_date(n) == d
    assert V.parse_date(n + 0.25) == d


@given(st.dates(min_value=dt.date(1000, 1, 1)), st.sampled_from(["MDY", "DMY"]))
def test_year_last_dates_in_their_order(d, order):
    a, b = (d.month, d.day) if order == "MDY" else (d.day, d.month)
    assert V.parse_date(f"{a}/{b}/{d.year}", order) == d


# ------------------------------------------------------------------------ money


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("1234.5", D("1234.50")),
        ("1,234.50", D("1234.50")),
        ("1,234,567.50", D("1234567.50")),
        ("¥1,234.50", D("1234.50")),
        ("￥1234", D("1234.00")),
        ("$1,234", D("1234.00")),
        ("€ 99.9", D("99.90")),
        ("RMB 1,000", D("1000.00")),
        ("cny1000", D("1000.00")),
        ("人民币1000元", D("1000.00")),
        ("1000 RMB", D("1000.00")),
        ("1234元", D("1234.00")),
        ("12.5万", D("125000.00")),
        ("12.5万元", D("125000.00")),
        ("¥3万", D("30000.00")),
        ("1.2亿", D("120000000.00")),
        ("１，２３４.５", D("1234.50")),
        ("１２３４．５６", D("1234.56")),
        ("1 234.50", D("1234.50")),
        ("-1,234.50", D("-1234.50")),
        ("(1,234.50)", D("-1234.50")),
        ("(¥50)", D("-50.00")),
        ("¥(50)", D("-50.00")),
        ("-¥5", D("-5.00")),
        ("¥-5", D("-5.00")),
        ("+5", D("5.00")),
        ("1.2E+05", D("120000.00")),
        ("1e3", D("1000.00")),
        (".5", D("0.50")),
        ("5.", D("5.00")),
        (1234, D("1234.00")),
        (1234.5, D("1234.50")),
        (0.1 + 0.2, D("0.30")),  # the 0.3 a spreadsheet shows for it
        ("1234.500", D("1234.50")),
        ("0.0001万", D("1.00")),
        ("9999999999999.99", D("9999999999999.99")),
        ("-9,999,999,999,999.99", D("-9999999999999.99")),
        (9999999999999.99, D("9999999999999.99")),
        (D("1.230"), D("1.23")),
    ],
)
def test_parse_money_accepts(cell, expected):
    got = V.parse_money(cell)
    assert got == expected and got.as_tuple().exponent == -2
    assert str(got) != "-0.00"


@pytest.mark.parametrize(
    "cell",
    [
        "1,23",
        "12,34.5",
        "1,2345",
        ",123",
        "abc",
        "¥",
        "万",
        "1.2.3",
        "--5",
        "(-5)",
        "5-",
        "NaN",
        "inf",
        "Infinity",
        "¥¥5",
        "12%",
        True,
        False,
        float("inf"),
        dt.date(2026, 1, 1),
    ],
)
def test_parse_money_rejects(cell):
    assert phrase(V.parse_money, cell) == "is not an amount of money"


@pytest.mark.parametrize(
    "cell",
    ["0.005", "1.005", "-1.005", "1.004999", "0.001", "-1e-99999999", "1.2345678万", 1.005, 2.675, D("1.235")],
)
def test_parse_money_refuses_what_it_would_have_to_round(cell):
    """Issue 10: '0.005' silently became 0.01; now nothing is rounded."""
    assert phrase(V.parse_money, cell) == V.TOO_PRECISE == (
        "has more than two decimals (amounts are kept to the cent)"
    )


@pytest.mark.parametrize(
    "cell",
    ["99999999999999.99", "10000000000000", "-10000000000000.00", "999999999999999.99", "1e30",
     "1e999999", "1E1000000", 10**13, 10**15, 1e16, D("12345678901234.5")],
)
def test_parse_money_refuses_what_excel_cannot_hold_exactly(cell):
    """Issue 10: 99999999999999.99 was stored as .98; the message states the largest amount."""
    assert phrase(V.parse_money, cell) == V.TOO_LARGE == (
        "is beyond 9,999,999,999,999.99, the largest amount salesops keeps exact to the cent"
    )
    assert f"{V.MAX_MONEY:,}" in V.TOO_LARGE  # the catalogue's message states the real limit


@given(st.decimals(min_value=-V.MAX_MONEY, max_value=V.MAX_MONEY, places=2))
def test_money_round_trips_through_text(d):
    text = V.format_money(d)
    assert V.parse_money(text) == d
    assert V.parse_money(V.format_money_display(d)) == d


@given(st.integers(-(10**12), 10**12))
def test_money_of_any_cent_float_is_that_cent(cents):
    assert V.parse_money(cents / 100) == D(cents) / 100


# ----------------------------------------------------------- int, pct, bool


@pytest.mark.parametrize(
    "cell, expected",
    [("12", 12), (12, 12), (12.0, 12), ("12.0", 12), ("1,200", 1200), ("１２", 12), (" -7 ", -7)],
)
def test_parse_int_accepts(cell, expected):
    assert V.parse_int(cell) == expected


@pytest.mark.parametrize(
    "cell", [12.5, "12.5", "abc", "1,20", True, "¥12", "1e400", "1E1000000", 2**63]
)
def test_parse_int_rejects(cell):
    assert phrase(V.parse_int, cell) == "is not a whole number"


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("30", D("30.00")),
        ("30%", D("30.00")),
        ("３０％", D("30.00")),
        (" 12.5 % ", D("12.50")),
        (0, D("0.00")),
        (100, D("100.00")),
        ("100%", D("100.00")),
        (33.333, D("33.33")),
    ],
)
def test_parse_pct_accepts(cell, expected):
    assert V.parse_pct(cell) == expected


@pytest.mark.parametrize("cell", ["101", "-1", "100.01", "abc", "%", "30%%", True])
def test_parse_pct_rejects(cell):
    assert phrase(V.parse_pct, cell) == "is not a percentage between 0 and 100"


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("yes", True),
        ("YES", True),
        ("y", True),
        ("True", True),
        ("TRUE", True),
        ("1", True),
        ("是", True),
        ("在职", True),
        (True, True),
        (1, True),
        (1.0, True),
        ("no", False),
        ("N", False),
        ("false", False),
        ("0", False),
        ("否", False),
        ("离职", False),
        (False, False),
        (0, False),
    ],
)
def test_parse_bool_accepts(cell, expected):
    assert V.parse_bool(cell) is expected


@pytest.mark.parametrize("cell", ["maybe", "2", 2, 0.5, "是的"])
def test_parse_bool_rejects(cell):
    assert phrase(V.parse_bool, cell) == "is not yes or no"


# ---------------------------------------------------------------- normalisers


@pytest.mark.parametrize(
    "header, key",
    [
        (" Lead ID ", "lead_id"),
        ("lead_id", "lead_id"),
        ("ＬＥＡＤ＿ＩＤ", "lead_id"),
        ("Lead-ID", "lead_id"),
        ("lead  -_ id", "lead_id"),
        ("\ufeffLead ID", "lead_id"),
        (" 线索编号 ", "线索编号"),
        ("客户名称", "客户名称"),
    ],
)
def test_normalize_header(header, key):
    assert V.normalize_header(header) == key


@pytest.mark.parametrize(
    "phone, digits",
    [
        ("138 0013 8000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        (13800138000.0, "13800138000"),
        ("010-12345678", "01012345678"),
        ("86123", "86123"),
        ("ext", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_phone(phone, digits):
    assert V.normalize_phone(phone) == digits


def test_normalize_email():
    assert V.normalize_email("  Wang.Li@Example.COM ") == "wang.li@example.com"
    assert V.normalize_email("   ") is None


@pytest.mark.parametrize(
    "name, key",
    [
        ("阿里巴巴（中国）有限公司", "阿里巴巴中国"),
        ("阿里巴巴(中国)有限公司", "阿里巴巴中国"),
        ("华为技术有限公司", "华为技术"),
        ("中信证券股份有限公司", "中信证券"),
        ("北京某某科技有限责任公司", "北京某某科技"),
        ("某某·科技公司", "某某科技"),
        ("Acme Co., Ltd.", "acme"),
        ("ACME CO LTD", "acme"),
        ("Acme Co.,Ltd", "acme"),
        ("Acme Limited", "acme"),
        ("Acme, Inc.", "acme"),
        ("Acme LLC", "acme"),
        ("Acme Corp.", "acme"),
        ("Acme Corporation", "acme"),
        ("Acme GmbH", "acme"),
        ("ＡＣＭＥ　Inc", "acme"),
        ("Zinc", "zinc"),
        ("Costco Ltd", "costco"),
        ("公司", "公司"),
        ("Limited", "limited"),
        ("  ", None),
        ("...", None),
    ],
)
def test_normalize_company(name, key):
    assert V.normalize_company(name) == key


@pytest.mark.parametrize(
    "text, formula",
    [
        ("=1+1", True),
        ("@SUM(A1)", True),
        ("+", True),
        ("-", True),
        ("-abc", True),
        ("+cmd", True),
        ("-2+3+cmd|' /C calc'!A0", True),
        ("\tabc", True),
        ("\rabc", True),
        ("＝1+1", True),
        ("＠SUM(A1)", True),
        ("＋cmd", True),
        ("－12", True),  # full-width: never a number to a spreadsheet, always guarded
        ("+86 138 0013 8000", False),
        ("-5", False),
        ("-12.5", False),
        ("+1,234.50", False),
        ("-1e5", False),
        ("Acme", False),
        ("a=b", False),
        ("", False),
    ],
)
def test_is_formula_like(text, formula):
    assert V.is_formula_like(text) is formula


# ------------------------------------------------------------------ formatting


@pytest.mark.parametrize(
    "d, plain, cny",
    [
        (D("1234.5"), "1234.50", "¥1,234.50"),
        (D("0"), "0.00", "¥0.00"),
        (D("-0.001"), "0.00", "¥0.00"),
        (D("-1234567.891"), "-1234567.89", "-¥1,234,567.89"),
        (D("1.005"), "1.01", "¥1.01"),
    ],
)
def test_format_money(d, plain, cny):
    assert V.format_money(d) == plain
    assert V.format_money_display(d) == cny


@pytest.mark.parametrize(
    "currency, shown",
    [("CNY", "¥1,234.50"), ("USD", "$1,234.50"), ("EUR", "€1,234.50"), ("GBP", "GBP 1,234.50")],
)
def test_format_money_display_currencies(currency, shown):
    assert V.format_money_display(D("1234.5"), currency) == shown
    assert V.format_money_display(None, currency) == ""


def test_split_by_pct_examples():
    assert V.split_by_pct(D("100.00"), [D(30), D(60), D(10)]) == [
        D("30.00"),
        D("60.00"),
        D("10.00"),
    ]
    assert V.split_by_pct(D("100.00"), [D("33.33")] * 2 + [D("33.34")]) == [
        D("33.33"),
        D("33.33"),
        D("33.34"),
    ]
    assert V.split_by_pct(D("0.05"), [D(50), D(50)]) == [D("0.03"), D("0.02")]
    assert V.split_by_pct(D("10.00"), [D(100)]) == [D("10.00")]
    assert V.split_by_pct(D("10.00"), []) == []


@st.composite
def pct_lists(draw):
    """2–6 percentages with two decimals that sum to exactly 100."""
    k = draw(st.integers(2, 6))
    cuts = sorted(draw(st.lists(st.integers(0, 10000), min_size=k - 1, max_size=k - 1)))
    bounds = [0, *cuts, 10000]
    return [D(b - a) / 100 for a, b in zip(bounds, bounds[1:], strict=False)]


@given(st.decimals(min_value=-(10**13), max_value=10**13, places=2), pct_lists())
@example(D("0.01"), [D("33.33"), D("33.33"), D("33.34")])
@example(D("9999999999999.99"), [D("0.01"), D("99.99")])
def test_splits_sum_exactly(total, pcts):
    parts = V.split_by_pct(total, pcts)
    assert sum(parts) == total
    assert len(parts) == len(pcts)
    for part, pct in zip(parts[:-1], pcts[:-1], strict=True):
        assert part.as_tuple().exponent == -2
        assert abs(part - total * pct / 100) <= D("0.005")


# ------------------------------------------------------------------ columns (salesops.typed)
# The one bulk path, `typed.parse_column` over cells as a spreadsheet or a pandas source gives
# them (`raw_of_cells`), agrees cell by cell with the scalar parsers below, whatever the column.

DATE_COL = Column("d", "日期", "date")
MONEY_COL = Column("m", "金额", "money")
PCT_COL = Column("p", "比例", "pct")
INT_COL = Column("n", "数量", "int")


def as_series(cells, dtype=object):
    return pd.Series(cells, dtype=dtype)


def check_column(col, fn, cells, dtype=object, *args):
    """parse_column gives what `fn` gives, cell by cell: the value, nothing, or a bad cell."""
    s = as_series(cells, dtype)
    parsed = parse_column(col, raw_of_cells(s.tolist()), *(args or ("MDY",)))
    got = parsed.values.to_pylist()
    assert len(got) == len(s)
    for k, cell in enumerate(s.tolist()):
        want = outcome(fn, cell, *args)
        if want == BAD:
            assert k in parsed.bad and got[k] is None, cell
        elif want is None:
            assert k not in parsed.bad and got[k] is None, cell
        else:
            assert k not in parsed.bad and typed_value(col, got[k]) == want, (cell, got[k], want)


def check_dates(cells, order="MDY", dtype=object):
    """Every date parse_date can give, 0001-01-01 … 9999-12-31 (no date lost to datetime64[ns])."""
    check_column(DATE_COL, V.parse_date, cells, dtype, order)


def check_money(cells, dtype=object):
    check_column(MONEY_COL, V.parse_money, cells, dtype)


def check_pct(cells, dtype=object):
    check_column(PCT_COL, V.parse_pct, cells, dtype)


def check_ints(cells, dtype=object):
    check_column(INT_COL, V.parse_int, cells, dtype)


def check_text(cells, dtype=object):
    s = as_series(cells, dtype)
    out = V.parse_text_series(s)
    assert out.dtype == object
    assert out.tolist() == [V.parse_text(c) for c in s.tolist()]


# every date parse_date can give, with the bounds and the edges of datetime64[ns] drawn often
far_dates = st.sampled_from(
    [
        dt.date(1, 1, 1),
        dt.date(9999, 12, 31),
        dt.date(1677, 9, 21),
        dt.date(1677, 9, 22),
        dt.date(2262, 4, 11),
        dt.date(2262, 4, 12),
        dt.date(1899, 12, 30),
        dt.date(1899, 12, 31),
        dt.date(1900, 1, 1),
        dt.date(1969, 12, 31),
    ]
)
all_dates = st.one_of(st.dates(), far_dates)
small_dates = st.one_of(st.dates(min_value=dt.date(1000, 1, 1)), far_dates)
date_text = st.one_of(
    all_dates.map(dt.date.isoformat),
    small_dates.map(lambda d: f"{d.year}/{d.month}/{d.day}"),
    small_dates.map(lambda d: f"{d.year}-{d.month}-{d.day}"),
    small_dates.map(lambda d: f"{d.month}/{d.day}/{d.year}"),
    small_dates.map(lambda d: f"{d.day}.{d.month}.{d.year % 100:02d}"),
    all_dates.map(lambda d: f"{d.year:04d}年{d.month}月{d.day}日"),
    all_dates.map(lambda d: f"{d.year:04d}{d.month:02d}{d.day:02d}"),
    all_dates.map(lambda d: f"{d.isoformat()} 10:{d.day:02d}"),
    small_dates.map(lambda d: d.strftime("%b %d, %Y")),
    st.integers(0, 3_000_000).map(str),
    st.text(alphabet="0123456789-/.T :年月日号+Z", max_size=14),
    st.sampled_from(
        [
            "",
            "  ",
            "NA",
            "nan",
            "None",
            "-2026-11-05",
            "+2026-11-05",
            " 2026-11-05",
            "2026-11-05\n",
            "２０２６-11-05",
            "٢٠٢٦-١١-٠٥",
            "2026-１１-05",
            "9999-12-31",
            "9999-12-32",
            "0001-01-01",
            "0000-01-01",
            "0000-12-31",
            "-001-01-01",
            "+001-01-01",
            "1677-09-21",
            "2262-04-12",
            "2958465",
            "2958466",
            "13/5/2026",
            "Nov 5",
        ]
    ),
)
money_text = st.one_of(
    st.decimals(min_value=-(10**13), max_value=10**13, places=2).map(str),
    st.decimals(min_value=-(10**6), max_value=10**6, places=4).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(min_value=-1e12, max_value=1e12).map(lambda f: f"{f:,.3f}"),
    st.integers(-(10**18), 10**18).map(str),
    st.integers(-(10**8), 10**8).map(lambda i: f"{i / 1000:.3f}"),
    st.text(alphabet="0123456789.,-+eE ¥$万元()%", max_size=10),
    st.sampled_from(
        ["1,23", "1,234.5", "0.125", "1.005", "2.675", "-0.005", "1e3", "12.5万", "٣٥"]
    ),
)
plain_cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.integers(-5, 3_000_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6).map(lambda f: round(f, 3)),
    st.sampled_from([0.125, 1.005, 2.675, 0.1 + 0.2, 46331.5, 1e11, 1e15, -0.0]),
    all_dates,
    st.datetimes(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(min_value=-(10**6), max_value=10**6, places=3),
    st.times(),
)
mixed = st.lists(st.one_of(date_text, money_text, plain_cells), max_size=40)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(mixed, st.sampled_from(["MDY", "DMY"]))
def test_date_series_agrees_with_parse_date(cells, order):
    check_dates(cells, order)


@FAST
@given(st.lists(st.one_of(st.none(), all_dates, st.datetimes()), max_size=40))
def test_date_series_of_date_cells(cells):
    """A column of date cells only, as calamine reads a date column (the all-dates fast path)."""
    check_dates(cells)


@FAST
@given(st.lists(date_text, max_size=40))
def test_date_series_of_text_columns(cells):
    check_dates(cells)
    check_dates(cells, dtype="str")


@FAST
@given(mixed)
def test_money_series_agrees_with_parse_money(cells):
    check_money(cells)
    check_pct(cells)


@FAST
@given(st.lists(money_text, max_size=40))
def test_money_series_of_text_columns(cells):
    check_money(cells)
    check_money(cells, dtype="str")
    check_pct(cells, dtype="str")


# Columns every cell of which Arrow's float parser takes: money is typed by that parse (`typed._plain_cents`)
plain_money_text = st.one_of(
    st.decimals(min_value=-(10**13), max_value=10**13, places=2).map(str),
    st.decimals(min_value=-(10**13), max_value=10**13, places=3).map(str),
    st.text(alphabet="0123456789.-+ ", min_size=1, max_size=18),
    st.sampled_from(
        [
            "8999999999999.991",  # 17 bytes: its float is .99's
            "-1234567890123.45",
            "9999999999999.99",
            "10000000000000",
            "0000000000000001",
            "1.005",
            "0.125",
            "-0",
            "+5",
            ".5",
            "5.",
            " 5",
            "inf",
            "nan",
            "-Infinity",
            "1e-999",  # a zero to the float parser
            "1e5",
            "2.5E-3",
        ]
    ),
)


@FAST
@given(st.lists(plain_money_text, min_size=1, max_size=40))
def test_money_of_plain_text_is_parse_money(cells):
    import numpy as np
    from pyarrow import ArrowInvalid, array, compute

    from salesops.typed import _plain_cents

    text = array(cells)
    try:
        compute.cast(text, "float64")
    except ArrowInvalid:
        castable = False
    else:
        castable = True
    engaged = castable and not any(c in cell for cell in cells for c in "eE")  # exponents go the regex way
    assert (_plain_cents(text, np.ones(len(cells), dtype=bool)) is not None) == engaged
    check_money(cells, dtype="str")


@settings(max_examples=20, deadline=None)
@given(
    cells=st.lists(
        st.one_of(
            st.integers(-(10**15), 10**15).map(lambda c: c / 100),
            st.floats(allow_nan=True, allow_infinity=True),
            st.sampled_from([0.125, 1.005, 1e13, -1e13, 99999999999.99, -0.0]),
        ),
        min_size=1,
        max_size=50,
    ),
    extra=st.integers(0, 999),
)
def test_exact_cents_block_by_block_is_each_amounts(cells, extra):
    """`values._exact_cents` works in blocks of `_BLOCK` floats: over several blocks (a ragged last
    one) it says of each float what the float alone says — the nearest cents exactly, or no."""
    import numpy as np

    x = np.array(cells * ((2 * V._BLOCK) // len(cells) + 1 + extra), dtype=np.float64)
    cents, ok = V._exact_cents(x)
    for k, v in enumerate(cells):
        exact = v == v and abs(v) < 1e13 and round(v * 100) / 100 == v
        for i in (k, len(x) - len(cells) + k):
            assert bool(ok[i]) == exact, (v, i)
            assert int(cents[i]) == (round(v * 100) if exact else 0), (v, i)


@FAST
@given(mixed)
def test_int_series_agrees_with_parse_int(cells):
    check_ints(cells)


@FAST
@given(st.lists(money_text, max_size=40))
def test_int_series_of_text_columns(cells):
    check_ints(cells)
    check_ints(cells, dtype="str")


@FAST
@given(mixed)
def test_text_series_agrees_with_parse_text(cells):
    check_text(cells)


@FAST
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=40))
@example([0.125, 1.005, 2.675, -2.675, 0.1 + 0.2, 1e11, 123456789012.345, float("nan")])
def test_float_columns(cells):
    check_money(cells, dtype="float64")
    check_pct(cells, dtype="float64")
    check_ints(cells, dtype="float64")
    check_dates(cells, dtype="float64")


@FAST
@given(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=40))
def test_int64_columns(cells):
    check_money(cells, dtype="int64")
    check_ints(cells, dtype="int64")
    check_dates(cells, dtype="int64")


def test_typed_columns():
    check_ints([1, None, 3], dtype="Int64")
    check_money([1, None, 3], dtype="Int64")
    check_money([True, None], dtype="boolean")
    check_ints([True, False], dtype="bool")
    check_dates([True, False], dtype="bool")
    stamps = [pd.Timestamp("2026-11-05 10:00"), None, pd.Timestamp("1960-01-01 23:00")]
    check_dates(stamps, dtype="datetime64[ns]")
    check_dates(stamps, dtype="datetime64[s]")
    far = [pd.Timestamp("9999-12-31 23:59"), None, pd.Timestamp("0001-01-01 00:01")]
    check_dates(far, dtype="datetime64[s]")
    check_dates(far, dtype="datetime64[us]")
    aware = pd.Series(pd.to_datetime(["2026-11-05 23:30"]).tz_localize("Asia/Shanghai"))
    assert parse_column(DATE_COL, raw_of_cells(aware.tolist()), "MDY").values.to_pylist() == [dt.date(2026, 11, 5)]
    check_text(["a", None, "  "], dtype="str")
    check_text([1.0, 2.5, None], dtype="float64")


def test_series_keep_the_index():
    from salesops.typed import parse_series

    s = pd.Series(["2026-11-05", "x"], index=[10, 20], name="due_date")
    out, bad, _ = parse_series(DATE_COL, s)
    assert list(out.index) == [10, 20] and list(bad.index) == [10, 20]
    assert bad.tolist() == [False, True]
    out, bad, _ = parse_series(MONEY_COL, pd.Series(["1,234.50", "¥1"], index=["a", "b"]))
    assert out.tolist() == [123450, 100] and list(out.index) == ["a", "b"]


def test_dates_beyond_datetime64_ns_are_dates():
    """9999-12-31 ("no end date" in ERP exports) and 0001-01-01 are dates in a column too."""
    cells = ["9999-12-31", 2958465, dt.date(1, 1, 1), "1899-12-31", "1677-09-21", "0001-01-01"]
    parsed = parse_column(DATE_COL, raw_of_cells(cells), "MDY")
    assert not parsed.bad
    assert parsed.values.to_pylist() == [V.parse_date(c) for c in cells]
    assert [d.year for d in parsed.values.to_pylist()] == [9999, 9999, 1, 1899, 1677, 1]


def test_years_no_date_has_are_flagged():
    """Year 0000 (which pandas would read) and negative years are not dates."""
    parsed = parse_column(DATE_COL, raw_of_cells(["0000-01-01", "-001-01-01", "0000-02-29"]), "MDY")
    assert parsed.values.null_count == 3 and sorted(parsed.bad) == [0, 1, 2]


def test_empty_columns():
    for col in (DATE_COL, MONEY_COL, INT_COL, PCT_COL):
        parsed = parse_column(col, raw_of_cells([]), "MDY")
        assert len(parsed.values) == 0 and not parsed.bad
    assert len(V.parse_text_series(pd.Series([], dtype=object))) == 0


def test_importing_values_does_not_import_pandas():
    import subprocess
    import sys

    code = "import sys, salesops.values; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_equal_values_of_different_types_are_not_merged():
    cells = [True, 1, 1.0, D(1), D("1.000"), "1", False, 0, "TRUE"]
    check_dates(cells)
    check_money(cells)
    check_ints(cells)
    check_pct(cells)
    check_text(cells)


@settings(max_examples=500, deadline=None)
@given(
    st.decimals(allow_nan=True, allow_infinity=True)
    | st.decimals(places=2, min_value=-(10**15), max_value=10**15)
    | st.builds(lambda d, z: Decimal(f"{d}{'0' * z}"), st.integers(-(10**16), 10**16), st.integers(0, 4))
    | st.sampled_from([Decimal("1.00000000000000000"), Decimal("9999999999999.99"), Decimal("99999999999999.99"),
                       Decimal("1E+999999999"), Decimal("-0.00"), Decimal("sNaN"), Decimal("123456789012345E-999999")])
)
def test_float_exact_counts_the_coefficient_digits(d):
    """At most 15 digits in the coefficient (trailing zeros count), or not finite."""
    assert V.float_exact(d) == (len(d.as_tuple().digits) <= 15 or not d.is_finite())


@given(
    st.lists(
        st.one_of(
            st.text(),
            st.none(),
            st.just(""),
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(min_value=-(2**60), max_value=2**60),
            st.dates(),
            st.booleans(),
        ),
        max_size=30,
    )
)
def test_raw_cells_keep_text_as_text_and_the_rest_by_position(cells):
    """`raw_of_cells`, whichever path a column takes (text and empty cells only, or mixed):
    text as typed, an empty cell as "", every other cell where it was, as a spreadsheet gave it."""
    cells = [c for c in cells if not (isinstance(c, str) and any("\ud800" <= ch <= "\udfff" for ch in c))]
    raw = raw_of_cells(cells)
    assert len(raw) == len(cells)
    for i, cell in enumerate(cells):
        if isinstance(cell, str):
            assert raw.text[i].as_py() == cell
        elif cell is None:
            assert raw.text[i].as_py() == ""
        else:
            assert raw.text[i].as_py() is None
            got = raw.cell(i)
            assert got == cell or (isinstance(cell, int) and not isinstance(cell, bool) and got == float(cell)), (cell, got)
