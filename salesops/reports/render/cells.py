"""How a typed value reads: for people (table, markdown, html, chat) and in CSV (plain, for Excel).

People read money with thousands separators and the currency symbol, rates
as percentages, days rounded; a missing figure is a dash. CSV keeps what
Excel parses into numbers: money with two decimals and no separators, rates
as percentages, dates ISO.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

CURRENCY_SYMBOLS = {
    "CNY": "¥",
    "RMB": "¥",
    "JPY": "¥",
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "HKD": "HK$",
}
DASH = "—"


def fmt_money(value: Decimal | None, currency: str) -> str:
    """`¥1,234.50`, `-¥80.00`; a currency without a symbol as `1,234.50 CHF`."""
    if value is None:
        return DASH
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    text = f"{abs(value):,.2f}"
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def fmt_rate(value: float | None) -> str:
    """A fraction as a percentage with one decimal: `0.645` → `64.5%`."""
    return DASH if value is None else f"{value * 100:.1f}%"


def fmt_days(value: float | None) -> str:
    """Whole days as such, else one decimal."""
    if value is None:
        return DASH
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


SHORT_UNITS = {
    "en": ((1e9, "B"), (1e6, "M"), (1e3, "K")),
    "zh": ((1e8, "亿"), (1e4, "万")),  # how Chinese counts money: 147.0万, not 1.5M
}


def short_money(value: float, lang: str = "en") -> str:
    """Compact figures for chart labels: 1.2M, 350K; in Chinese 147.0万, 2.3亿."""
    v = abs(value)
    for div, suffix in SHORT_UNITS.get(lang, SHORT_UNITS["en"]):
        if v >= div:
            return f"{value / div:.1f}{suffix}"
    return f"{value:.0f}"


def display(value: Any, kind: str, currency: str) -> str:
    """`value` as people read it."""
    if value is None:
        return DASH if kind in ("money", "rate", "days", "int") else ""
    if kind == "money":
        return fmt_money(Decimal(value), currency)
    if kind == "rate":
        return fmt_rate(value)
    if kind == "days":
        return fmt_days(value)
    if kind == "int":
        return f"{int(value):,}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def plain(value: Any, kind: str) -> str:
    """`value` as written to CSV: numbers Excel reads as numbers, whatever its locale's separators."""
    if value is None:
        return ""
    if kind == "money" or isinstance(value, Decimal):
        return f"{Decimal(value):.2f}"
    if kind == "rate":
        return _trim(f"{value * 100:.2f}") + "%"
    if kind == "days":
        return _trim(f"{float(value):.1f}")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def _trim(number: str) -> str:
    """`64.50` → `64.5`, `12.0` → `12`."""
    return number.rstrip("0").rstrip(".") if "." in number else number
