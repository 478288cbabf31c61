"""JSON text for `-f json`, in one pass.

`dumps(data)` returns exactly `json.dumps(to_jsonable(data), ensure_ascii=False,
indent=2)` (Decimals as numbers, dates as ISO text, numpy scalars as Python
ones, keys as text) — but the standard encoder runs in pure Python whenever
`indent` is set, after a separate conversion pass; on a report with 20,000
rows that took half a second. This encoder converts and writes in the same
pass, with the C string escaper. `tests/test_jsonout.py` checks it against the
standard library.

Money is exact: a Decimal is written as the shortest number text of its float
only when that float is the same number (15 significant digits or fewer, which
every amount salesops accepts is); any other Decimal (a sum past that) is
written digit for digit. `json.loads(text, parse_float=Decimal)` gives every
amount back to the cent.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from salesops.values import float_exact

_escape = json.encoder.encode_basestring  # the C version when available
_INDENT = "  "


def _float(v: float) -> str:
    if v != v:
        return "NaN"
    if v == float("inf"):
        return "Infinity"
    if v == float("-inf"):
        return "-Infinity"
    return float.__repr__(v)


_FLAT: dict[str, json.JSONEncoder] = {}
_PLAIN = frozenset({str, int, float, bool, type(None), Decimal, dt.date, dt.datetime})
_STR = {str}
def decimal_text(d: Decimal) -> str:
    """JSON number text of a Decimal: its float's repr when that is exact, else every digit."""
    if float_exact(d):
        return _float(float(d))
    if d == d.to_integral_value():
        return str(int(d))
    return format(d if d else abs(d), "f")


class Records(list):
    """Records a report made with every Decimal in them exact as a float (money from int cents,
    checked in bulk: `exact_cents`). `dumps` writes a list of them — dicts of text keys and
    plain values, none empty — in one call of the C encoder without asking each Decimal; one
    that is not such a list is written the common way."""


def exact_cents(*arrays) -> bool:
    """Whether every int-cents value in the numpy `arrays` gives a Decimal exact as a float
    (15 significant digits or fewer)."""
    return all(not len(a) or int(abs(a).max()) < 10**15 for a in arrays)


def _plain_records(v: list) -> bool:
    types: set[type] = set()
    keys: set[type] = set()
    for r in v:
        if type(r) is not dict or not r:
            return False
        types.update(map(type, r.values()))
        keys.update(map(type, r))
    return _PLAIN.issuperset(types) and keys == _STR


def _records(v: Records, out: list[str], nl: str) -> None:
    """A `Records` list in one C encoder call: its records come out at one depth, their items
    separated by `,` and the items' indent; the breaks between records are put at theirs (the
    text between two records is the only `},` + line break + `{`: text escapes line breaks)."""
    item, field = nl + _INDENT, nl + _INDENT * 2
    enc = _FLAT.get(field)
    if enc is None:
        enc = _FLAT[field] = json.JSONEncoder(ensure_ascii=False, separators=("," + field, ": "), default=_default)
    body = enc.encode(list(v))[2:-2].replace("}," + field + "{", item + "}," + item + "{" + field)
    out.append("[" + item + "{" + field + body + item + "}" + nl + "]")


def _plain_record(v: dict) -> bool:
    """A dict of text keys and plain values (no container, nothing unusual, every Decimal
    exact as a float)."""
    types = set(map(type, v.values()))  # (the type checks run in C: no Python loop per value)
    return (
        _PLAIN.issuperset(types)
        and set(map(type, v)) == _STR
        and (Decimal not in types or all(float_exact(x) for x in v.values() if type(x) is Decimal))
    )


def _default(v: Any) -> Any:
    """Decimals and dates for the C encoder, as `cli.common.to_jsonable` has them."""
    if type(v) is Decimal:
        return float(v)  # exact: `_plain_record` let only float-exact Decimals in
    return v.isoformat()  # a date or datetime (the only other types `_plain_record` lets in)


def dumps(data: Any) -> str:
    """`json.dumps(to_jsonable(data), ensure_ascii=False, indent=2)`, faster."""
    out: list[str] = []
    _encode(data, out, "\n")
    return "".join(out)


def _encode(v: Any, out: list[str], nl: str) -> None:
    t = type(v)
    if t is str:
        out.append(_escape(v))
    elif v is None:
        out.append("null")
    elif t is bool:
        out.append("true" if v else "false")
    elif t is int:
        out.append(int.__repr__(v))
    elif t is float:
        out.append(_float(v))
    elif t is Decimal:
        out.append(decimal_text(v))
    elif t is dict:
        if not v:
            out.append("{}")
            return
        inner = nl + _INDENT
        if _plain_record(v):
            # a record of plain values: the C encoder writes it, its item separator carrying the indent
            enc = _FLAT.get(inner)
            if enc is None:
                enc = _FLAT[inner] = json.JSONEncoder(
                    ensure_ascii=False, separators=("," + inner, ": "), default=_default
                )
            out.append("{" + inner + enc.encode(v)[1:-1] + nl + "}")
            return
        sep = "{" + inner
        for key, value in v.items():
            out.append(sep + _escape(str(key)) + ": ")
            _encode(value, out, inner)
            sep = "," + inner
        out.append(nl + "}")
    elif t is Records and v and _plain_records(v):
        _records(v, out, nl)
    elif t is list or t is tuple or t is Records:
        if not v:
            out.append("[]")
            return
        inner = nl + _INDENT
        sep = "[" + inner
        for value in v:
            out.append(sep)
            _encode(value, out, inner)
            sep = "," + inner
        out.append(nl + "]")
    else:
        _encode(_plain(v), out, nl)


def _plain(v: Any) -> Any:
    """What `cli.common.to_jsonable` makes of the less common types (same order of checks)."""
    if isinstance(v, Decimal):
        return Decimal(v)  # (a subclass) written by decimal_text
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): x for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return list(v)
    if hasattr(v, "item") and callable(v.item):  # numpy scalars
        return v.item()
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    if isinstance(v, str):
        return str.__str__(v)
    raise TypeError(f"Object of type {type(v).__name__} is not JSON serializable")
