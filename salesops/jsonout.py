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
import itertools
import json
import math
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


class Columns:
    """Records that share their keys, given column by column (`columns[j]` holds every record's
    value of `keys[j]`): `dumps` writes them as the list of dicts they stand for, byte for byte,
    without making the dicts — each column's texts in one pass (a column of floats through
    `float.__repr__` in C), then each record's line joined from them."""

    def __init__(self, keys: list[str], columns: list[list[Any]]) -> None:
        self.keys = list(keys)
        self.columns = [list(c) for c in columns]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.keys, row, strict=True)) for row in zip(*self.columns, strict=True)]


def exact_cents(*arrays) -> bool:
    """Whether every int-cents value in the numpy `arrays` gives a Decimal exact as a float
    (15 significant digits or fewer)."""
    return all(not len(a) or int(abs(a).max()) < 10**15 for a in arrays)


def _column_texts(values: list[Any], nl: str) -> list[str]:
    """The JSON text of each value of a column (as `_encode` writes it at indent `nl`)."""
    types = set(map(type, values))
    if types == {float} and all(map(math.isfinite, values)):
        return list(map(float.__repr__, values))
    if types <= {str}:
        return list(map(_escape, values))
    if types <= {str, type(None)}:
        return ["null" if v is None else _escape(v) for v in values]
    if types <= {dt.date, type(None)}:  # (ISO text needs no escaping)
        return ["null" if v is None else '"' + v.isoformat() + '"' for v in values]
    if types <= {int, type(None)}:
        return ["null" if v is None else int.__repr__(v) for v in values]
    out: list[str] = []
    texts = []
    for v in values:
        _encode(v, out, nl)
        texts.append("".join(out))
        out.clear()
    return texts


def _columns(v: Columns, out: list[str], nl: str) -> None:
    item, field = nl + _INDENT, nl + _INDENT * 2
    heads = [_escape(str(k)) + ": " for k in v.keys]
    # each value's text with what comes before it (a record's opening, or the field separator)
    # and its key: the records are then one join of the columns' pieces taken in turn
    pieces = []
    for j, (head, column) in enumerate(zip(heads, v.columns, strict=True)):
        texts = _column_texts(column, field)
        if j:
            pieces.append(list(map(("," + field + head).__add__, texts)))
        else:
            after = (item + "}," + item + "{" + field + head).__add__  # the previous record closed, this one opened
            pieces.append([field + head + texts[0], *map(after, texts[1:])])
    body = "".join(itertools.chain.from_iterable(zip(*pieces, strict=True)))
    out.append("[" + item + "{" + body + item + "}" + nl + "]")


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
    elif t is Columns:
        if v.keys and v.columns and v.columns[0]:
            _columns(v, out, nl)
        else:
            _encode(v.records(), out, nl)
    elif t is list or t is tuple:
        if not v:
            out.append("[]")
            return
        table = _as_columns(v) if len(v) >= AS_COLUMNS else None
        if table is not None:
            _columns(table, out, nl)
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


# A list of at least this many records with the same keys (a report's rows) is written column
# by column (`Columns`): the overdue next steps of a year of follow-ups, 28,000 records.
AS_COLUMNS = 64


def _as_columns(rows: list | tuple) -> Columns | None:
    """`rows` as `Columns` when every one is a dict with the first one's keys in its order."""
    if type(rows[0]) is not dict or not rows[0]:
        return None
    keys = tuple(rows[0])
    if not all(type(r) is dict and tuple(r) == keys for r in rows):
        return None
    return Columns(list(keys), [[r[k] for r in rows] for k in keys])


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
