"""Cell values: parse what a register holds, format what we write back.

Every parser takes what a cell can hold (text from CSV; str, int, float, bool,
date, datetime or time from xlsx; None) and returns the typed value, None for
a blank cell, or raises `BadValue` whose text is the "what is wrong" phrase
("is not a date", in the current language; `.phrase` keeps the English one). Blank means None or whitespace-only text; words such as
"NA", "null" or "nan" are text, never blank.

Whole columns are parsed by `salesops.typed` (the one read path), which takes
the common shapes in bulk with the exact numpy helpers at the end of this module
and hands the rest to these parsers once per distinct value. numpy and pandas are
imported inside functions, so importing this module stays cheap.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import warnings
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_UP, Context, Decimal, Rounded, localcontext
from typing import TYPE_CHECKING, Any

from salesops.i18n import N_, _

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd


class BadValue(ValueError):
    """A cell that cannot be read as its column's type.

    `phrase` is the English phrase (a catalogue message, its `{fields}` filled from
    `fields`); str() says it in the current language: "is not a date" / "不是日期".
    """

    def __init__(self, phrase: str, **fields: Any) -> None:
        super().__init__(phrase)
        self.phrase = phrase
        self.fields = fields

    def __str__(self) -> str:
        text = _(self.phrase)
        return text.format(**self.fields) if self.fields else text


NOT_A_DATE = N_("is not a date")
NOT_MONEY = N_("is not an amount of money")
NOT_WHOLE = N_("is not a whole number")
NOT_PCT = N_("is not a percentage between 0 and 100")
NOT_BOOL = N_("is not yes or no")

CENT = Decimal("0.01")
MONEY_LIMIT = Decimal(10) ** 15  # |value| of a percentage or other hundredths must stay below
# Money is exact to the cent end to end: an Excel number cell holds 15 significant
# digits exactly, so the largest amount is 13 digits and two decimals.
MAX_MONEY = Decimal("9999999999999.99")
MONEY_DIGITS = 15  # significant digits a float cell is taken at (what Excel shows and keeps)
TOO_PRECISE = N_("has more than two decimals (amounts are kept to the cent)")
TOO_LARGE = N_("is beyond 9,999,999,999,999.99, the largest amount salesops keeps exact to the cent")  # MAX_MONEY
INT_LIMIT = 2**63 - 1  # whole numbers must fit Int64
EXCEL_EPOCH = dt.date(1899, 12, 30)
MAX_SERIAL = 2958465  # 9999-12-31

# --------------------------------------------------------------------- helpers


def _plain(v: Any) -> Any:
    """numpy scalars → the Python scalar they hold (repr(np.float64) is not a number)."""
    if type(v).__module__ == "numpy" and hasattr(v, "item"):
        return v.item()
    return v


def _is_blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return not v.strip()
    if isinstance(v, float):
        return v != v  # NaN: a missing cell from pandas, never typed text
    if isinstance(v, Decimal):
        return v.is_nan()
    return type(v).__name__ in ("NAType", "NaTType")


_ANY_DIGIT = re.compile(r"\d")
_WS = re.compile(r"\s+")


def _norm(s: str) -> str:
    """NFKC (full-width forms), every Unicode decimal digit as ASCII, stripped."""
    s = unicodedata.normalize("NFKC", s)
    if not s.isascii():
        s = _ANY_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), s)
    return s.strip()


# ------------------------------------------------------------------------ text


def parse_text(v: Any) -> str | None:
    """The text of a cell exactly as typed (a leading tab or space is the user's); numbers
    without a spurious ".0"; dates ISO; None when blank (white space only).

    Matching may ignore surrounding spaces (IDs, enum labels, headers: their own
    normalisers strip); stored and shown text never loses them.
    """
    v = _plain(v)
    if _is_blank(v):
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, dt.datetime):
        if v.time() == dt.time(0):
            return v.date().isoformat()
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.strftime("%H:%M:%S")
    return str(v).strip() or None


# ----------------------------------------------------------------------- dates


def excel_serial_to_date(n: float) -> dt.date:
    """The date of an Excel 1900-system serial (1 … 2958465); the fraction is the time."""
    n = _plain(n)
    if isinstance(n, bool) or not isinstance(n, int | float | Decimal) or _is_blank(n):
        raise BadValue(NOT_A_DATE)
    if not 1 <= n < MAX_SERIAL + 1:
        raise BadValue(NOT_A_DATE)
    return EXCEL_EPOCH + dt.timedelta(days=int(n))


def date_to_excel_serial(d: dt.date) -> int:
    """The Excel 1900-system serial of a date (a datetime counts as its date)."""
    if isinstance(d, dt.datetime):
        d = d.date()
    return (d - EXCEL_EPOCH).days


_TIME = (
    r"(?:(?:T|\s+)(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})"
    r"(?::(?P<S>[0-9]{2})(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_YEAR_FIRST = re.compile(
    r"(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})" + _TIME
)
_CHINESE = re.compile(
    r"(?P<y>[0-9]{4})\s*年\s*(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})\s*[日号]?" + _TIME
)
_YEAR_LAST = re.compile(
    r"(?P<a>[0-9]{1,2})(?P<sep>[-/.])(?P<b>[0-9]{1,2})(?P=sep)(?P<y>[0-9]{4}|[0-9]{2})" + _TIME
)
_COMPACT = re.compile(r"[0-9]{8}")
_SERIAL = re.compile(r"[0-9]{5}(?:\.[0-9]+)?")
_MONTH_NAME = re.compile(
    r"(?<![a-z])(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])",
    re.IGNORECASE,
)
_YEAR4 = re.compile(r"(?<![0-9])[0-9]{4}(?![0-9])")


def _ymd(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _time_ok(match: re.Match) -> bool:
    h, m, s = match.group("H"), match.group("M"), match.group("S")
    return h is None or (int(h) < 24 and int(m) < 60 and (s is None or int(s) < 60))


def _check_order(date_order: str) -> str:
    order = str(date_order).upper()
    if order not in ("MDY", "DMY"):
        raise ValueError(f"date_order must be MDY or DMY, not {date_order!r}")
    return order


def _date_from_text(s: str, order: str) -> dt.date:
    s = _norm(s)
    for pattern in (_YEAR_FIRST, _CHINESE):
        m = pattern.fullmatch(s)
        if m:
            d = _ymd(int(m["y"]), int(m["m"]), int(m["d"]))
            if d is None or not _time_ok(m):
                raise BadValue(NOT_A_DATE)
            return d
    if _COMPACT.fullmatch(s):
        d = _ymd(int(s[:4]), int(s[4:6]), int(s[6:]))
        if d is None:
            raise BadValue(NOT_A_DATE)
        return d
    if _SERIAL.fullmatch(s):
        return excel_serial_to_date(float(s))
    m = _YEAR_LAST.fullmatch(s)
    if m:
        year = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
        a, b = int(m["a"]), int(m["b"])
        month, day = (a, b) if order == "MDY" else (b, a)
        d = _ymd(year, month, day)
        if not _time_ok(m):
            raise BadValue(NOT_A_DATE)
        if d is not None:
            return d
        if _ymd(year, day, month) is not None:
            shown = "M/D/YYYY" if order == "MDY" else "D/M/YYYY"
            raise BadValue(
                N_("is not a date in {shown} order (date_order = {order}); write it as YYYY-MM-DD"),
                shown=shown,
                order=order,
            )
        raise BadValue(NOT_A_DATE)
    if _MONTH_NAME.search(s) and _YEAR4.search(s):
        return _date_from_words(s)
    raise BadValue(NOT_A_DATE)


def _date_from_words(s: str) -> dt.date:
    """'Nov 5, 2026', '5 November 2026' via dateutil; every part must be written."""
    from dateutil import parser

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            one = parser.parse(s, default=dt.datetime(2000, 1, 1))
            two = parser.parse(s, default=dt.datetime(2004, 2, 2))
    except (ValueError, OverflowError, TypeError, ArithmeticError) as exc:
        raise BadValue(NOT_A_DATE) from exc
    if one.date() != two.date():  # a part came from the default: no day, month or year
        raise BadValue(NOT_A_DATE)
    return one.date()


def parse_date(v: Any, date_order: str = "MDY") -> dt.date | None:
    """A date from a date/datetime, an Excel serial or text (ISO, 2026/11/5, 2026年11月5日,
    20261105, 11/5/2026 in `date_order`, 'Nov 5, 2026'); None when blank."""
    order = _check_order(date_order)
    v = _plain(v)
    if _is_blank(v):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        return _date_from_text(v, order)
    if isinstance(v, bool) or not isinstance(v, int | float | Decimal):
        raise BadValue(NOT_A_DATE)
    return excel_serial_to_date(v)


# --------------------------------------------------------------------- numbers

_MANTISSA = r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?|[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_NUMBER = re.compile(_MANTISSA + r"(?:[eE][+-]?[0-9]+)?")
_CURRENCY_PREFIXES = ("人民币", "rmb", "cny", "¥", "$", "€")
_CURRENCY_SUFFIXES = ("人民币", "rmb", "cny")


def _take_sign(s: str) -> tuple[str, str]:
    return (s[0], s[1:]) if s[:1] in ("+", "-") else ("", s)


def _wrapped(s: str) -> bool:
    return len(s) >= 2 and s[0] == "(" and s[-1] == ")"


def _decimal_text(s: str, phrase: str, *, money: bool = False, pct: bool = False) -> Decimal:
    """The exact Decimal of a number written as text (commas, sign, parentheses;
    with `money` also currency marks and 元/万/亿; with `pct` a trailing %)."""
    s = _WS.sub("", _norm(s)).replace("\u2212", "-")
    if pct:
        s = s.removesuffix("%")
    negative = False
    if money and _wrapped(s):
        negative, s = True, s[1:-1]
    sign, s = _take_sign(s)
    mult = 1
    if money:
        low = s.casefold()
        for mark in _CURRENCY_PREFIXES:
            if low.startswith(mark):
                s = s[len(mark) :]
                break
        if not sign:
            sign, s = _take_sign(s)
        if not sign and not negative and _wrapped(s):
            negative, s = True, s[1:-1]
        low = s.casefold()
        for mark in _CURRENCY_SUFFIXES:
            if low.endswith(mark):
                s = s[: -len(mark)]
                break
        s = s.removesuffix("元")
        if s.endswith("万"):
            mult, s = 10**4, s[:-1]
        elif s.endswith("亿"):
            mult, s = 10**8, s[:-1]
    if (negative and sign) or not _NUMBER.fullmatch(s):
        raise BadValue(phrase)
    with localcontext() as ctx:
        ctx.prec = 60
        ctx.Emin, ctx.Emax = MIN_EMIN, MAX_EMAX  # '1e-99999999' stays what it says, not 0
        try:
            d = Decimal(s.replace(",", ""))
            d = d * mult if mult != 1 else d
        except (ArithmeticError, ValueError) as exc:  # decimal.Overflow and friends
            raise BadValue(phrase) from exc
    return d.copy_negate() if (negative or sign == "-") else d  # exact, whatever the context


def _decimal_of(v: Any, phrase: str, *, float_digits: int | None = None, **kinds: bool) -> Decimal:
    """Exact Decimal of a non-blank cell (floats through their shortest repr, or rounded
    to `float_digits` significant digits: 0.1 + 0.2 is the 0.3 a spreadsheet shows)."""
    if isinstance(v, bool):
        raise BadValue(phrase)
    if isinstance(v, Decimal):
        d = v
    elif isinstance(v, int):
        d = Decimal(v)
    elif isinstance(v, float):
        if float_digits and v == v and v not in (float("inf"), float("-inf")):
            d = Decimal(format(v, f".{float_digits}g"))
        else:
            d = Decimal(repr(v))
    elif isinstance(v, str):
        d = _decimal_text(v, phrase, **kinds)
    else:
        raise BadValue(phrase)
    if not d.is_finite():
        raise BadValue(phrase)
    return d


def _to_cents(d: Decimal, phrase: str) -> Decimal:
    if d.copy_abs() >= MONEY_LIMIT:
        raise BadValue(phrase)
    with localcontext() as ctx:
        ctx.prec = 60
        q = d.quantize(CENT, rounding=ROUND_HALF_UP)
    return q if q else abs(q)  # no "-0.00"


def parse_money(v: Any) -> Decimal | None:
    """An amount, exact to the cent, from a number or text such as '¥1,234.50', '1234元',
    '12.5万', '(50)'; None when blank.

    Nothing is rounded: an amount with more than two decimals (`TOO_PRECISE`) or
    beyond ±`MAX_MONEY` (`TOO_LARGE`: past what an Excel cell holds exactly) is
    refused. A float cell counts as the number a spreadsheet shows for it (15
    significant digits), so 0.1 + 0.2 is 0.30.
    """
    v = _plain(v)
    if _is_blank(v):
        return None
    d = _decimal_of(v, NOT_MONEY, float_digits=MONEY_DIGITS, money=True)
    with localcontext() as ctx:
        ctx.prec = 60
        q = d.quantize(CENT, rounding=ROUND_HALF_UP) if d.adjusted() < 40 else d
        if q != d:
            raise BadValue(TOO_PRECISE)
    if q.copy_abs() > MAX_MONEY:
        raise BadValue(TOO_LARGE)
    return q if q else abs(q)  # no "-0.00"


# Rounding to MONEY_DIGITS signals Rounded exactly when a coefficient has more digits (trailing
# zeros included), which `float_exact` asks without building the digit tuple of every amount.
_AT_MOST_15 = Context(prec=MONEY_DIGITS, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[Rounded])


def float_exact(d: Decimal) -> bool:
    """Whether float(d) is the number d: at most 15 significant digits (as every amount
    parse_money accepts), or not finite. Writers use the float's text only then."""
    if not d.is_finite():
        return True
    try:
        _AT_MOST_15.plus(d)
    except Rounded:
        return False
    return True


def parse_hundredths(v: Any) -> Decimal | None:
    """A number rounded half-up to 0.01, signs and money marks allowed (percentages that
    may be negative, such as a margin); None when blank."""
    v = _plain(v)
    if _is_blank(v):
        return None
    return _to_cents(_decimal_of(v, NOT_MONEY, money=True), NOT_MONEY)


def parse_pct(v: Any) -> Decimal | None:
    """A percentage 0–100 to 0.01, from 30, '30', '30%' or '３０％'; None when blank."""
    v = _plain(v)
    if _is_blank(v):
        return None
    d = _to_cents(_decimal_of(v, NOT_PCT, money=True, pct=True), NOT_PCT)
    if not 0 <= d <= 100:
        raise BadValue(NOT_PCT)
    return d


def parse_int(v: Any) -> int | None:
    """A whole number from 12, 12.0, '12', '1,200' or '１２'; None when blank."""
    v = _plain(v)
    if _is_blank(v):
        return None
    d = _decimal_of(v, NOT_WHOLE)
    if not -INT_LIMIT - 1 <= d <= INT_LIMIT or d != d.to_integral_value():
        raise BadValue(NOT_WHOLE)
    return int(d)


_TRUE = frozenset({"yes", "y", "true", "1", "是", "在职"})
_FALSE = frozenset({"no", "n", "false", "0", "否", "离职"})


def parse_bool(v: Any) -> bool | None:
    """yes/no, y/n, true/false, 1/0, 是/否, 在职/离职 (any case), bools, 1/0 numbers."""
    v = _plain(v)
    if _is_blank(v):
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float | Decimal) and v in (0, 1):
        return v == 1
    if isinstance(v, str):
        word = _norm(v).casefold()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise BadValue(NOT_BOOL)


# ------------------------------------------------------------------ normalisers

_HEADER_RUNS = re.compile(r"[\s\-_]+")


def normalize_header(s: str) -> str:
    """The matching key of a header: NFKC, stripped, casefolded, spaces/-/_ runs as '_'."""
    text = s if isinstance(s, str) else (parse_text(s) or "")
    text = unicodedata.normalize("NFKC", text).strip().strip("\ufeff\u200b").strip()
    return _HEADER_RUNS.sub("_", text.casefold())


def normalize_phone(s: Any) -> str | None:
    """The digits of a phone number, without a leading 86/0086/+86 before 11 digits."""
    text = parse_text(s)
    if text is None:
        return None
    digits = re.sub(r"[^0-9]", "", _norm(text))
    if not digits:
        return None
    for code in ("0086", "86"):
        if digits.startswith(code) and len(digits) - len(code) == 11:
            return digits[len(code) :]
    return digits


def normalize_email(s: Any) -> str | None:
    """An e-mail address for matching: NFKC, stripped, lower case; None when blank."""
    text = parse_text(s)
    return unicodedata.normalize("NFKC", text).strip().lower() if text else None


_CN_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "公司")
_LATIN_FORM_WORDS = "co ?ltd|co ?limited|ltd|limited|inc|llc|corporation|corp|gmbh"
_LATIN_FORMS = re.compile(rf"(?:^|(?<=[^a-z0-9]))(?:{_LATIN_FORM_WORDS})$")


_PLAIN_NAME = re.compile("[0-9a-z\u4e00-\u9fa5]*")  # ASCII letters and digits, CJK ideographs of Unicode 1.1


def normalize_company(s: Any) -> str | None:
    """A company name for matching: NFKC, casefolded, no spaces or punctuation,
    one trailing legal form (有限公司, Co., Ltd., Inc, GmbH …) dropped."""
    text = parse_text(s)
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", text).casefold()
    if _PLAIN_NAME.fullmatch(text):  # no punctuation, space or control character to look for
        spaced = text
    else:
        # punctuation becomes a space first so "Co.,Ltd" and "co ltd" compare equal,
        # and a Latin legal form only counts as its own word ("Zinc" keeps its "inc")
        words = "".join(" " if unicodedata.category(c)[0] in "PZC" else c for c in text).split()
        spaced = " ".join(words)
    base = spaced
    for form in _CN_FORMS:
        if spaced.endswith(form):
            base = spaced[: -len(form)]
            break
    else:
        m = _LATIN_FORMS.search(spaced)
        if m:
            base = spaced[: m.start()]
    key = base.replace(" ", "") or spaced.replace(" ", "")
    return key or None


# `normalize_company` in Arrow for names of ASCII letters, digits and those ideographs only (most
# names: 上海华东电子有限公司, Acme2000): NFKC leaves them as they are and casefolding lowers A–Z, so
# only the legal form is left to drop (a Latin one after an ideograph: 华为inc).
_PLAIN_ARROW = "^[0-9A-Za-z\\x{4e00}-\\x{9fa5}]+$"
_LATIN_ARROW = f"(^|[^a-z0-9])(?:{_LATIN_FORM_WORDS})$"  # (RE2 has no look-behind: the character is kept)


def normalize_companies(names: Sequence[Any]) -> list[str | None]:
    """`normalize_company` of each of `names` (an import's every company, once each): the plain
    ones (`_PLAIN_ARROW`) in Arrow, the others one by one."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from salesops import arrownp

    names = list(names)
    texts = [v if type(v) is str else "" for v in names]
    arr = pa.array(texts, type=pa.string())
    plain = arrownp.bools(pc.match_substring_regex(arr, _PLAIN_ARROW))
    spaced = pc.ascii_lower(arr)
    base, done = spaced, pa.array(np.zeros(len(texts), dtype=bool))
    for form in _CN_FORMS:  # the first that ends the name, as `normalize_company` tries them
        hit = pc.and_not(pc.ends_with(spaced, form), done)
        base = pc.if_else(hit, pc.utf8_slice_codeunits(spaced, 0, -len(form)), base)
        done = pc.or_(done, hit)
    latin = pc.replace_substring_regex(spaced, pattern=_LATIN_ARROW, replacement="\\1", max_replacements=1)
    base = pc.if_else(done, base, latin)
    out = pc.if_else(pc.equal(base, ""), spaced, base).to_pylist()
    for i in np.flatnonzero(~plain).tolist():
        out[i] = normalize_company(names[i])
    return out


_NUMBERISH = re.compile(r"[0-9.][0-9 .,()/+\-%eE]*")


FULL_WIDTH_FORMULA = "＝＋－＠"  # the full-width forms of = + - @: CJK input methods type them


def is_formula_like(s: str) -> bool:
    """Text a spreadsheet would run as a formula (OWASP's CSV injection list): starts with
    '=', '@', a tab or CR, or any of their full-width forms ＝＋－＠, or with '+'/'-' not
    followed by a plain number ('+86 138 0013 8000', '-12.5' are fine: numbers stay numbers)."""
    if not isinstance(s, str) or not s:
        return False
    first = s[0]
    if first in "=@\t\r" or first in FULL_WIDTH_FORMULA:
        return True
    if first in "+-":
        return not _NUMBERISH.fullmatch(s[1:])
    return False


_GUARD = "'"
_MAY_NEED_GUARD = frozenset("=@+-\t\r'" + FULL_WIDTH_FORMULA)


def _needs_guard(text: str) -> bool:
    """Formula-like text, or text that would read as a guarded cell: `'` + what needs one."""
    return is_formula_like(text.lstrip(_GUARD))


def csv_guard(cell: str) -> str:
    """A text cell as every CSV salesops writes stores it: formula-like text prefixed with `'`
    so spreadsheets keep it as text (SPEC 8). `csv_unguard(csv_guard(t)) == t` for every t,
    also text that starts with `'` itself."""
    if not cell or cell[0] not in _MAY_NEED_GUARD:  # the common case, kept cheap
        return cell
    return _GUARD + cell if _needs_guard(cell) else cell


def csv_unguard(cell: str) -> str:
    """The text a CSV cell holds: the `'` of `csv_guard` removed (and only that one)."""
    if cell.startswith(_GUARD) and _needs_guard(cell[1:]):
        return cell[1:]
    return cell


# ------------------------------------------------------------------ formatting


def format_money(d: Decimal) -> str:
    """Plain two-decimal text for CSV/JSON: '1234.50', '-5.00'; '' for None."""
    if d is None:
        return ""
    if not isinstance(d, Decimal):
        d = Decimal(repr(float(d))) if isinstance(d, float) else Decimal(d)
    with localcontext() as ctx:
        ctx.prec = 60
        q = d.quantize(CENT, rounding=ROUND_HALF_UP)
    return format(q if q else abs(q), "f")


_SYMBOLS = {"CNY": "¥", "RMB": "¥", "人民币": "¥", "USD": "$", "EUR": "€"}


def format_money_display(d: Decimal | None, currency: str = "CNY") -> str:
    """Money for people: '¥1,234.50', '-$5.00', 'GBP 1,234.50'; '' for None."""
    if d is None:
        return ""
    plain = format_money(d)
    sign, digits = ("-", plain[1:]) if plain.startswith("-") else ("", plain)
    whole, cents = digits.split(".")
    number = f"{int(whole):,}.{cents}"
    code = (currency or "CNY").strip().upper() or "CNY"
    symbol = _SYMBOLS.get(code)
    return f"{sign}{symbol}{number}" if symbol else f"{code} {sign}{number}"


def split_by_pct(total: Decimal, pcts: list[Decimal]) -> list[Decimal]:
    """Split `total` by percentages: each part rounded half-up to the cent, the last
    part the remainder, so the parts always sum exactly to `total`."""
    if not pcts:
        return []
    with localcontext() as ctx:
        ctx.prec = 80
        pcts = [p if isinstance(p, Decimal) else Decimal(str(p)) for p in pcts]
        parts = [(total * p / 100).quantize(CENT, rounding=ROUND_HALF_UP) for p in pcts[:-1]]
        parts.append(total - sum(parts, Decimal(0)))
    return parts


# ------------------------------------------------------------------ bulk helpers
# Exact conversions of whole numpy arrays for `salesops.typed` (cents, whole numbers,
# days since 1970-01-01) and where each holds; the scalar parsers take the rest.

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
DATE_DTYPE = "datetime64[s]"  # how frames hold dates: the whole range parse_date gives
SECONDS_PER_DAY = 86_400


def _serial_days(x):
    """Days since 1970 of Excel serials, and which are in range (NaN is neither)."""
    import numpy as np

    with np.errstate(invalid="ignore"):
        ok = (x >= 1) & (x < MAX_SERIAL + 1)
        days = np.where(ok, np.floor(np.where(ok, x, 0)), 0).astype(np.int64)
    return days + (EXCEL_EPOCH.toordinal() - _EPOCH_ORDINAL), ok


def days_to_datetime64(days, missing=None):
    """int64 days since 1970-01-01 as a numpy datetime64[s] array (NaT where `missing`).

    Seconds, not nanoseconds: datetime64[ns] ends at 2262-04-11, datetime64[s]
    holds every date from 0001-01-01 to 9999-12-31 (and any day count in between
    stays far inside int64 once multiplied by 86,400)."""
    import numpy as np

    seconds = np.asarray(days, dtype=np.int64) * SECONDS_PER_DAY
    if missing is not None:
        seconds[np.asarray(missing, dtype=bool)] = np.iinfo(np.int64).min  # NaT
    return seconds.view(DATE_DTYPE)


def _float_cents(x):
    """Cents of floats whose half-up rounding is unambiguous, and where that holds.
    Floats within a hair of a half cent, or too large, are left to the scalar parser."""
    import numpy as np

    with np.errstate(invalid="ignore", over="ignore"):
        y = x * 100.0
        a = np.abs(y)
        whole = np.floor(a)
        frac = a - whole
        ok = np.isfinite(x) & (np.abs(x) < 1e11) & (np.abs(frac - 0.5) > 0.01)
        rounded = np.where(frac > 0.5, whole + 1, whole)
        cents = np.where(ok, np.where(y < 0, -rounded, rounded), 0).astype(np.int64)
    return cents, ok


def _whole_floats(x):
    """int64 of floats that are whole and small enough to be exact, and where."""
    import numpy as np

    with np.errstate(invalid="ignore"):
        ok = np.isfinite(x) & (np.abs(x) < 1e15) & (x == np.floor(x))
    return np.where(ok, x, 0).astype(np.int64), ok


_BLOCK = 1 << 16  # elements per block of a bulk check: its scratch arrays stay in the cache and are reused


def _exact_cents(x):
    """Cents of floats that are exactly a whole number of cents within MAX_MONEY (the
    float nearest to c/100), and where; the rest is left to parse_money, which agrees.
    Worked out block by block in two small scratch arrays: a million amounts fault in no
    memory but the results' (fresh pages cost more than the arithmetic here)."""
    import numpy as np

    n = len(x)
    cents = np.empty(n, dtype=np.int64)
    ok = np.empty(n, dtype=bool)
    scratch_c, scratch_t = np.empty(min(n, _BLOCK)), np.empty(min(n, _BLOCK))
    with np.errstate(invalid="ignore", over="ignore"):
        for a in range(0, n, _BLOCK):
            xs = x[a : a + _BLOCK]
            c, t, good = scratch_c[: len(xs)], scratch_t[: len(xs)], ok[a : a + _BLOCK]
            np.multiply(xs, 100.0, out=c)
            np.round(c, out=c)
            np.abs(xs, out=t)
            np.less(t, 1e13, out=good)  # (False for nan; inf is past it)
            np.divide(c, 100.0, out=t)
            good &= t == xs
            np.putmask(c, ~good, 0)
            cents[a : a + _BLOCK] = c
    return cents, ok


def parse_text_series(s: pd.Series) -> pd.Series:
    """parse_text over a column: an object series of the text as typed, None for blank."""
    import numpy as np
    import pandas as pd

    vals = s.to_numpy(dtype=object)
    out = np.empty(len(vals), dtype=object)
    out[:] = [(v if v.strip() else None) if type(v) is str else None if v is None else parse_text(v) for v in vals]
    return pd.Series(out, index=s.index, name=s.name, dtype=object)
