"""Raw cells of one column → one typed Arrow column, with the cells that did not parse (pure).

This is the only place where register cells become typed values. A column of
raw cells (`Raw`) holds text (every CSV cell, the string cells of xlsx) as an
Arrow string array, and — for xlsx — numbers, dates and other Python cells at
their positions. Each column type is parsed in bulk where a library knows the
form (plain decimals and whole numbers through Arrow's casts), and through the
scalar parser of `codec.read_cell` for everything else — 万, 年月日, full-width
digits, enum labels, Excel serials — once per distinct value.

Typed columns (Arrow types): text/id/ref/enum → string (enums as canonical
codes); date → date32; money → int64 CENTS; int → int64; pct → int64
HUNDREDTHS of a percent (exact, like money); bool → bool.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from salesops import arrownp, codec, values
from salesops.i18n import _

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from salesops.schema import Column

EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
MAX_CELL_TEXT = 32767  # Excel's limit on the characters in one cell
# Characters XML 1.0 cannot carry at all (even as &#..; references), plus lone surrogates.
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Plain forms whose bulk conversion is exact: at most 13 integer digits and 2 decimals
# (15 significant digits, which a float64 carries exactly enough to round to the cent).
_PLAIN_DECIMAL = r"^-?[0-9]{1,13}(\.[0-9]{1,2})?$"
_PLAIN_WHOLE = r"^-?[0-9]{1,18}$"
_PLAIN_PCT = r"^[0-9]{1,3}(\.[0-9]{1,2})?$"


@dataclass
class Raw:
    """The raw cells of one column: text as an Arrow array (null where the cell is not text),
    and the other cells of an xlsx sheet by position."""

    text: pa.Array  # string, length n
    numbers: tuple[np.ndarray, np.ndarray] | None = None  # (positions, float64)
    dates: tuple[np.ndarray, np.ndarray] | _Days | None = None  # (positions, int64 days since 1970)
    others: dict[int, Any] = field(default_factory=dict)  # position → cell (bool, time, …)
    unguard: Callable[[str], str] | None = None  # CSV: removes the `'` that protects formula-like text
    _shape: TextShape | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.text)

    @property
    def shape(self) -> TextShape:
        """The `TextShape` of the text cells (computed once)."""
        if self._shape is None:
            self._shape = text_shape(self.text)
        return self._shape

    def cell(self, i: int) -> Any:
        """The raw cell at position `i` (for messages and history)."""
        if i in self.others:
            return self.others[i]
        for part in (self.numbers, self.dates):
            if part is not None:
                import numpy as np

                k = np.searchsorted(part[0], i)
                if k < len(part[0]) and part[0][k] == i:
                    v = part[1][k]
                    if part is self.dates:
                        return dt.date.fromordinal(int(v) + EPOCH_ORDINAL)
                    return float(v)
        return self.text[i].as_py()


class TextShape:
    """Facts about every string of a text column, read from Arrow's buffers with numpy (no
    Python object per cell), each computed when first asked for: its length in bytes, whether
    it is null, whether its first or last character is white space as Python's `str.isspace`
    says (U+3000 too), and whether some string may hold what a spreadsheet cell cannot."""

    def __init__(self, text) -> None:
        import pyarrow as pa

        chunks = text.chunks if isinstance(text, pa.ChunkedArray) else [text]
        self._chunks = [_Chunk(c) for c in chunks if len(c)]

    def _cat(self, name: str):
        import numpy as np

        parts = [getattr(c, name) for c in self._chunks]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64 if name == "nbytes" else bool)

    @functools.cached_property
    def nbytes(self) -> np.ndarray:
        """Length in bytes (int64; 0 for null)."""
        return self._cat("nbytes")

    @functools.cached_property
    def null(self) -> np.ndarray:
        return self._cat("null")

    @functools.cached_property
    def ws_first(self) -> np.ndarray:
        return self._cat("ws_first")

    @functools.cached_property
    def ws_last(self) -> np.ndarray:
        return self._cat("ws_last")

    @functools.cached_property
    def quote_first(self) -> np.ndarray:
        """Strings beginning with `'` (the guard of formula-like text in CSV)."""
        return self._cat("quote_first")

    @functools.cached_property
    def controls(self) -> bool:
        """A control character or U+FFFE/U+FFFF may be in some string, or one may be longer than
        a cell holds (`text_fault` says which); False proves neither is."""
        return any(c.controls for c in self._chunks)

    @property
    def blank_edges(self) -> np.ndarray:
        """Strings that are empty or begin or end with white space (`str.strip` would change them)."""
        return (self.nbytes == 0) | self.ws_first | self.ws_last


def _byte_table(values) -> np.ndarray:
    import numpy as np

    table = np.zeros(256, dtype=bool)
    table[list(values)] = True
    return table


# Every character `str.isspace` calls white space (Unicode's White_Space property less
# U+180E, plus the four information separators U+001C–U+001F). Spelled out: asking
# `str.isspace` of all 1,114,112 code points took 42 ms at each start;
# tests/test_read.py asks them all and checks this list.
WHITE_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


@functools.lru_cache(maxsize=1)
def _tables():
    """Lookup tables over one byte: (may start white space, may end white space, white space keys)."""
    import numpy as np

    keys = [c.encode("utf-8") for c in WHITE_SPACE]  # 1 to 3 bytes
    first = _byte_table(k[0] for k in keys)
    last = _byte_table(k[-1] for k in keys)
    packed = np.array(sorted(int.from_bytes(k, "big") for k in keys), dtype=np.int64)
    return first, last, packed


_NONCHARACTER = re.compile(b"\xef\xbf[\xbe\xbf]")  # U+FFFE, U+FFFF in UTF-8


class _Chunk:
    """`TextShape` of one Arrow string array. Offsets stay in their own width and the strings
    are indexed all at once when none is empty: a million IDs make no 8-byte copy of their
    offsets and no array of a million positions."""

    def __init__(self, chunk) -> None:
        import numpy as np

        n, off = len(chunk), chunk.offset
        validity, _offsets, data = chunk.buffers()[:3]
        self.offs = arrownp.offsets(chunk)
        self.lo, self.hi = int(self.offs[0]), int(self.offs[-1])
        self.raw = np.frombuffer(data, dtype=np.uint8) if data is not None and self.hi > self.lo else None
        self.null = np.zeros(n, dtype=bool)
        if validity is not None and chunk.null_count:
            bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little", count=off + n)
            self.null = ~bits[off:].astype(bool)
        self.nbytes = np.diff(self.offs)
        self.nbytes[self.null] = 0
        self.starts = self.offs[:-1]

    @functools.cached_property
    def _has(self):
        """Positions of the non-empty strings; None when every string is non-empty."""
        import numpy as np

        filled = self.nbytes > 0
        return None if filled.all() else np.flatnonzero(filled)

    def _edge(self, last: bool) -> np.ndarray:
        """Whether each string's first (or last) character is white space."""
        import numpy as np

        out = np.zeros(len(self.nbytes), dtype=bool)
        has = self._has
        if self.raw is None or (has is not None and not len(has)):
            return out
        first_t, last_t, packed = _tables()
        raw = self.raw
        if has is None:
            pos = self.offs[1:] - 1 if last else self.starts
        else:
            pos = (self.starts[has] + self.nbytes[has] - 1) if last else self.starts[has]
        byte = raw[pos]
        maybe = (last_t if last else first_t)[byte]
        if not maybe.any():
            return out
        ascii_ = np.flatnonzero(maybe & (byte < 0x80))
        out[ascii_ if has is None else has[ascii_]] = True
        wide = np.flatnonzero(maybe & (byte >= 0x80))
        if len(wide):  # the character's 2 or 3 bytes decide (a lead byte never passes for a continuation)
            at_string = wide if has is None else has[wide]
            size = self.nbytes[at_string]
            at, b1 = pos[wide].astype(np.int64), byte[wide].astype(np.int64)
            step = -1 if last else 1
            b2 = raw[np.clip(at + step, 0, len(raw) - 1)].astype(np.int64)
            b3 = raw[np.clip(at + 2 * step, 0, len(raw) - 1)].astype(np.int64)
            if last:
                key2, key3 = (b2 << 8) | b1, (b3 << 16) | (b2 << 8) | b1
            else:
                key2, key3 = (b1 << 8) | b2, (b1 << 16) | (b2 << 8) | b3
            ws = ((size >= 2) & np.isin(key2, packed)) | ((size >= 3) & np.isin(key3, packed))
            out[at_string[ws]] = True
        return out

    @functools.cached_property
    def ws_first(self) -> np.ndarray:
        return self._edge(False)

    @functools.cached_property
    def ws_last(self) -> np.ndarray:
        return self._edge(True)

    @functools.cached_property
    def quote_first(self) -> np.ndarray:
        import numpy as np

        out = np.zeros(len(self.nbytes), dtype=bool)
        has = self._has
        if self.raw is not None and (has is None or len(has)) and (self.raw[self.lo : self.hi] == ord("'")).any():
            if has is None:
                out[:] = self.raw[self.starts] == ord("'")
            else:
                out[has] = self.raw[self.starts[has]] == ord("'")
        return out

    @functools.cached_property
    def controls(self) -> bool:
        import numpy as np

        if self.raw is None:
            return False
        seg = self.raw[self.lo : self.hi]
        if not len(seg):
            return False
        # (a byte below 0x20 or from 0xEF up is rare in IDs and names: two passes that allocate nothing tell)
        if seg.min() < 0x20:
            low = seg < 0x20
            if np.isin(seg[low], (0x09, 0x0A, 0x0D), invert=True).any():
                return True
        if seg.max() >= 0xEF and _NONCHARACTER.search(seg) is not None:
            return True
        return int(self.nbytes.max()) > MAX_CELL_TEXT  # (bytes ≥ characters)


def text_shape(text) -> TextShape:
    """The `TextShape` of an Arrow string array (or chunked array)."""
    return TextShape(text)


@dataclass
class Parsed:
    """A typed column and its bad cells: positions and, for each, what was wrong."""

    values: pa.Array
    bad: dict[int, str]  # position → the phrase ("is not a date")
    faults: dict[int, str] = field(default_factory=dict)  # position → a text fault (kept as is)


def show_cell(cell: Any) -> str:
    """A cell as quoted in messages: `"2026-13-45"`."""
    text = cell if isinstance(cell, str) else values.parse_text(cell) or ""
    if len(text) > 60:
        text = text[:57] + "..."
    return f'"{text}"'


def text_fault(text: str) -> str | None:
    """Why `text` cannot go into a spreadsheet cell as it is, or None.

    Control characters (other than tab and line breaks) cannot be stored in
    xlsx at all, and Excel cuts text past 32,767 characters; rather than
    change the user's text silently, it is refused or reported.
    """
    bad = ILLEGAL_XML.search(text)
    if bad:
        return _(
            "the text holds the control character U+{code}, which a spreadsheet cell cannot hold; remove it"
        ).format(code=f"{ord(bad.group()):04X}")
    if len(text) > MAX_CELL_TEXT:
        return _("the text has {n} characters, past the limit of {limit} characters a spreadsheet cell can hold").format(
            n=f"{len(text):,}", limit=f"{MAX_CELL_TEXT:,}"
        )
    return None


def text_faults(texts: Iterable[str]) -> dict[str, str]:
    """`text_fault` of many texts: {text: why} for those a cell cannot hold. One search over
    them all, joined by newlines (which cells hold), and text by text only when it finds one."""
    texts = list(texts)
    if not ILLEGAL_XML.search("\n".join(texts)) and max(map(len, texts), default=0) <= MAX_CELL_TEXT:
        return {}
    return {t: fault for t in texts if (fault := text_fault(t))}


class _Pauses:
    """How many threads are inside `gc_paused`, and whether the collector ran before the first."""

    lock = threading.Lock()
    inside = 0
    was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: reading a register allocates millions of
    objects and makes no reference cycles, so the collector's passes over them are
    pure cost (about a tenth of reading a 100,000-row sheet). The collector is one per
    process: it runs again when the last of the threads reading side by side leaves
    (`Workspace.read_ahead`), not when the first does, while the other is mid-sheet."""
    with _Pauses.lock:
        if not _Pauses.inside:
            _Pauses.was_enabled = gc.isenabled()
            gc.disable()
        _Pauses.inside += 1
    try:
        yield
    finally:
        with _Pauses.lock:
            _Pauses.inside -= 1
            if not _Pauses.inside and _Pauses.was_enabled:
                gc.enable()


def arrow_type(col: Column) -> pa.DataType:
    import pyarrow as pa

    return {
        "date": pa.date32(),
        "money": pa.int64(),
        "int": pa.int64(),
        "pct": pa.int64(),
        "bool": pa.bool_(),
    }.get(col.type, pa.string())


def storage_value(col: Column, value: Any) -> Any:
    """A typed value (as `codec.read_cell` gives it) in the column's Arrow storage form."""
    to = _TO_STORAGE.get(col.type)
    return value if value is None or to is None else to(value)


def storage_values(col: Column, values: list[Any]) -> list[Any]:
    """`storage_value` of each of `values` (the list itself for the kinds stored as they are)."""
    to = _TO_STORAGE.get(col.type)
    return values if to is None else [None if v is None else to(v) for v in values]


def _day_number(value: dt.date) -> int:
    return (value.date() if isinstance(value, dt.datetime) else value).toordinal() - EPOCH_ORDINAL


def _hundredths(value: Any) -> int:
    return int(Decimal(value).scaleb(2))


_TO_STORAGE = {"date": _day_number, "money": _hundredths, "pct": _hundredths}


_STORED_OTHERWISE = ("money", "pct", "date")  # the kinds whose stored form is not their typed value


def typed_value(col: Column, stored: Any) -> Any:
    """The inverse of `storage_value`: what `codec.read_cell` gives for the stored form."""
    if stored is None:
        return None
    kind = col.type
    if kind in ("money", "pct"):
        return Decimal(int(stored)).scaleb(-2)
    if kind == "date" and isinstance(stored, int):
        return dt.date.fromordinal(stored + EPOCH_ORDINAL)
    return stored


def typed_values(col: Column, stored: list[Any]) -> list[Any]:
    """`typed_value` of each of `stored` (a new list; text, IDs, codes and numbers as they are)."""
    return [typed_value(col, v) for v in stored] if col.type in _STORED_OTHERWISE else list(stored)


def parse_column(col: Column, raw: Raw, date_order: str) -> Parsed:
    """The typed Arrow column of `raw` for schema column `col`."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(raw)
    kind = col.type
    text = raw.text
    if kind == "date" and type(raw.dates) is _Days and raw.numbers is None and not raw.others and text.null_count == n:
        typed = raw.dates.column  # every cell a date already: the column is its typed form
        return Parsed(typed.combine_chunks() if isinstance(typed, pa.ChunkedArray) else typed, {})
    scalar = _scalar(col, date_order, raw.unguard)
    bad: dict[int, str] = {}
    if kind in ("text", "id", "ref") and getattr(col, "form", None) is None:
        out = _text_column(text, raw.shape, scalar, bad, raw.unguard is not None)
        out = _fill_others(col, out, raw, scalar, bad)
        return Parsed(out, bad, _faults(out, raw))
    if kind in ("enum", "bool", "text", "id", "ref"):  # enums, yes/no, text with a form (2026-Q4)
        out = _distinct(text, scalar, bad, arrow_type(col))
        out = _fill_others(col, out, raw, scalar, bad)
        return Parsed(out, bad, _faults(out, raw) if kind == "enum" else {})
    # numbers and dates: int64 values and a validity mask, filled part by part
    vals = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    present = arrownp.valid(text)
    if kind == "date":
        fast = np.zeros(n, dtype=bool)
    elif kind == "money" and (cast := _plain_cents(text, present)) is not None:
        fast, cents = cast
        vals, ok = cents, fast.copy()
    else:
        pattern = {"money": _PLAIN_DECIMAL, "int": _PLAIN_WHOLE}.get(kind, _PLAIN_PCT)
        fast = arrownp.bools(pc.match_substring_regex(text, pattern)) if n else np.zeros(0, dtype=bool)
        if fast.any():
            every = bool(fast.all())  # (the common case: no filter, no scatter)
            sub = text if every else pc.filter(text, arrownp.mask(fast))
            if kind == "int":
                got = arrownp.ints(pc.cast(sub, pa.int64()))[0]
            else:
                got = np.rint(arrownp.floats(pc.cast(sub, pa.float64())) * 100).astype(np.int64)
            if every:
                vals, ok = got, np.ones(n, dtype=bool)
            else:
                vals[fast], ok[fast] = got, True
            if kind == "int":
                _check_range(col, vals, ok, fast, bad)
            elif kind == "pct" and (col.min is None or col.min >= 0):
                outside = fast & ok & ((vals < 0) | (vals > 10000))
                for i in np.flatnonzero(outside).tolist():
                    bad[i] = values.NOT_PCT
                ok &= ~outside
    rest = present & ~fast
    if rest.any():
        every = bool(rest.all())
        sub = text if every else pc.filter(text, arrownp.mask(rest))
        got, phrases = _map_distinct(sub, lambda v: storage_value(col, scalar(v)), pa.int64())
        got_vals, valid = arrownp.ints(got)
        if every:
            vals, ok = got_vals, valid
            positions = None
        else:
            positions = np.flatnonzero(rest)
            vals[positions[valid]] = got_vals[valid]
            ok[positions[valid]] = True
        for k, phrase in phrases.items():
            bad[int(k if positions is None else positions[k])] = phrase
    _numbers_and_dates(col, raw, vals, ok, bad, scalar)
    _one_by_one(col, raw.others.items(), vals, ok, bad, scalar)
    if kind == "date":
        return Parsed(arrownp.array(vals.astype(np.int32), pa.date32(), ok), bad)
    return Parsed(arrownp.array(vals, pa.int64(), ok), bad)


# A text of at most 16 bytes without an exponent holds at most 15 significant digits (16 digits
# and nothing else are past MAX_MONEY): its float is the float nearest its decimal and no other
# decimal of 15 digits, so when that float is also the one nearest a whole number of cents, the
# text is that amount (`_plain_cents`). At 17 bytes "8999999999999.991" meets the float of .99.
_PLAIN_BYTES = 16


def _plain_cents(text, present) -> tuple[np.ndarray, np.ndarray] | None:
    """(which cells are plain amounts, their cents) of a text column by Arrow's float parser, or
    None when it does not apply: a cell it cannot parse ('', '¥1,234.50', '12.5万'), or an
    exponent anywhere ('1e5' is left to the regex and the scalar reader, '1e-999' is no zero).
    A cell counts as plain when its text is short enough to hold at most 15 significant
    digits and its float is exactly a whole number of cents within MAX_MONEY; the others
    ('1.005', 'inf', padded texts past the length) go to the scalar reader, which says why.
    One parse in C instead of a regex match and then a parse (a million amounts: 60 → 30 ms)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(text) or _holds_exponent(text):
        return None
    try:
        x = arrownp.floats(pc.cast(text, pa.float64()))
    except pa.ArrowInvalid:
        return None
    cents, fast = values._exact_cents(x)
    fast &= present
    fast &= arrownp.lengths(text) <= _PLAIN_BYTES
    cents[~fast] = 0
    return fast, cents


_E = (re.compile(b"e"), re.compile(b"E"))


def _holds_exponent(text) -> bool:
    """Whether an 'e' or 'E' is among the bytes of a text column (searched in its buffers, uncopied)."""
    for chunk in arrownp.chunks(text):
        data = chunk.buffers()[2]
        if data is not None and any(e.search(memoryview(data)) for e in _E):
            return True
    return False


def _scalar(col: Column, date_order: str, unguard: Callable[[str], str] | None):
    """The scalar reader of one cell (`codec.read_cell`), unguarding CSV text first."""
    if unguard is None:
        return lambda v: codec.read_cell(col, v, date_order)

    def read(v: Any) -> Any:
        if isinstance(v, str) and v.startswith("'"):
            v = unguard(v)
        return codec.read_cell(col, v, date_order)

    return read


def _map_distinct(sub, fn, typ) -> tuple[pa.Array, dict[int, str]]:
    """fn over the text array `sub`, once per distinct value: (results as an Arrow array of
    `typ` aligned with `sub`, null where fn gave None or failed; bad positions → phrase)."""
    import numpy as np
    import pyarrow.compute as pc

    uniques, indices = _encode(sub)
    results: list = []
    phrases: list[str | None] = []
    for u in uniques:
        try:
            results.append(fn(u))
            phrases.append(None)
        except values.BadValue as exc:
            results.append(None)
            phrases.append(str(exc))
    out = arrownp.of_list(results, typ).take(indices)
    bad: dict[int, str] = {}
    if any(p is not None for p in phrases):
        codes = np.asarray(pc.fill_null(indices, 0), dtype=np.int64)
        bad_u = np.array([p is not None for p in phrases], dtype=bool)
        bad = {int(k): phrases[codes[k]] for k in np.flatnonzero(bad_u[codes]).tolist()}
    return out, bad


def _encode(sub) -> tuple[list, Any]:
    """(distinct values, the index of each element's value) of an Arrow (chunked) array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(sub)
    if isinstance(enc, pa.ChunkedArray):
        if not enc.num_chunks:
            return [], pa.array([], type=pa.int32())
        enc = enc.unify_dictionaries()
        return enc.chunk(0).dictionary.to_pylist(), pa.chunked_array([c.indices for c in enc.chunks])
    return enc.dictionary.to_pylist(), enc.indices


def _text_column(text, shape: TextShape, scalar, bad: dict[int, str], guarded: bool):
    """Text cells as they read: plain text as it is, the rest (surrounding spaces, blanks,
    guarded formulas) through the scalar reader once per distinct value."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(text)
    if not n:
        return pa.array([], type=pa.string())
    # surrounding white space, blanks and (CSV) a guarding quote need the scalar reader
    work = shape.blank_edges
    if guarded:
        work = work | shape.quote_first
    present = ~shape.null
    fast = present & ~work
    if fast.all():
        return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    out = pc.if_else(pa.array(fast), text, pa.nulls(1, pa.string())[0])
    candidates = np.flatnonzero(work & present)
    if len(candidates):
        sub = text.take(pa.array(candidates))
        nonempty = np.asarray(pc.greater(pc.binary_length(sub), 0), dtype=bool)
        positions = candidates[nonempty]
        if len(positions):
            got, phrases = _map_distinct(sub.filter(pa.array(nonempty)), scalar, pa.string())
            slow = np.zeros(n, dtype=bool)
            slow[positions] = True
            if isinstance(got, pa.ChunkedArray):
                got = got.combine_chunks()
            out = pc.replace_with_mask(out, pa.array(slow), got)
            for k, phrase in phrases.items():
                bad[int(positions[k])] = phrase
    return out


def _distinct(text, scalar, bad: dict[int, str], typ):
    """Every text cell through the scalar reader, once per distinct value (enums, yes/no)."""
    import pyarrow as pa

    n = len(text)
    if not n:
        return pa.array([], type=typ)
    got, phrases = _map_distinct(text, scalar, typ)  # nulls stay null
    for k, phrase in phrases.items():
        bad[k] = phrase
    return got


def _fill_others(col: Column, out, raw: Raw, scalar, bad: dict[int, str]):
    """Put the typed values of the non-text cells (xlsx numbers, dates, …) of a text-like column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells: dict[int, Any] = dict(raw.others)
    for part, as_date in ((raw.numbers, False), (raw.dates, True)):
        if part is not None:
            for i, v in zip(part[0].tolist(), part[1].tolist(), strict=True):
                cells[i] = dt.date.fromordinal(int(v) + EPOCH_ORDINAL) if as_date else v
    if not cells:
        return out
    memo: dict[Any, Any] = {}
    got: dict[int, Any] = {}
    for i, v in cells.items():
        key = (type(v), v)
        if key not in memo:
            try:
                memo[key] = (scalar(v), None)
            except values.BadValue as exc:
                memo[key] = (None, str(exc))
        value, phrase = memo[key]
        if phrase is not None:
            bad[i] = phrase
        elif value is not None:
            got[i] = value
    if not got:
        return out
    import numpy as np

    mask = np.zeros(len(out), dtype=bool)
    order = sorted(got)
    mask[order] = True
    return pc.replace_with_mask(out, pa.array(mask), pa.array([got[i] for i in order], type=out.type))


def _numbers_and_dates(col: Column, raw: Raw, vals, ok, bad: dict[int, str], scalar) -> None:
    """xlsx numbers and date cells of a date/number column, in bulk where exact."""
    kind = col.type
    if raw.numbers is not None and len(raw.numbers[0]):
        pos, x = raw.numbers
        if kind == "date":
            days, good = values._serial_days(x)
        elif kind == "int":
            days, good = values._whole_floats(x)
        else:  # money is exact or refused (parse_money says why); percentages round to 0.01
            days, good = (values._exact_cents if kind == "money" else values._float_cents)(x)
            if kind == "pct" and (col.min is None or col.min >= 0):
                good &= (days >= 0) & (days <= 10000)
        vals[pos[good]], ok[pos[good]] = days[good], True
        if kind == "int":
            _check_range(col, vals, ok, _positions_mask(len(vals), pos[good]), bad)
        _one_by_one(col, zip(pos[~good].tolist(), x[~good].tolist(), strict=True), vals, ok, bad, scalar)
    if raw.dates is not None and len(raw.dates[0]):
        pos, days = raw.dates
        if kind == "date":
            vals[pos], ok[pos] = days, True
        else:
            cells = ((i, dt.date.fromordinal(int(d) + EPOCH_ORDINAL)) for i, d in zip(pos.tolist(), days.tolist(), strict=True))
            _one_by_one(col, cells, vals, ok, bad, scalar)


def _one_by_one(col: Column, cells, vals, ok, bad: dict[int, str], scalar) -> None:
    """(position, cell) pairs through the scalar reader, into the int64 values of a number or date column."""
    for i, v in cells:
        try:
            typed = storage_value(col, scalar(v))
        except values.BadValue as exc:
            bad[i] = str(exc)
            continue
        if typed is not None:
            vals[i], ok[i] = typed, True


def _positions_mask(n: int, positions):
    import numpy as np

    m = np.zeros(n, dtype=bool)
    m[positions] = True
    return m


def _check_range(col: Column, vals, ok, where, bad: dict[int, str]) -> None:
    """Whole numbers outside the column's bounds are bad (`codec.range_phrase`)."""
    import numpy as np

    if col.min is None and col.max is None:
        return
    outside = where & ok
    inside = np.ones(len(vals), dtype=bool)
    if col.min is not None:
        inside &= vals >= col.min
    if col.max is not None:
        inside &= vals <= col.max
    outside &= ~inside
    for i in np.flatnonzero(outside).tolist():
        bad[i] = codec.range_phrase(col)
    ok &= ~outside


def _faults(out, raw: Raw) -> dict[int, str]:
    """Text a spreadsheet cell cannot hold (control characters, past 32,767 characters).
    Looked for only when the raw text's bytes hold such a character or so long a string
    (`TextShape.controls`) or when non-text cells were turned into text."""
    import numpy as np
    import pyarrow.compute as pc

    if not len(out) or out.null_count == len(out):
        return {}
    if not raw.shape.controls and not raw.others:
        return {}
    suspect = arrownp.bools(pc.match_substring_regex(out, "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"))
    suspect |= arrownp.bools(pc.greater(pc.utf8_length(out), MAX_CELL_TEXT))
    if not suspect.any():
        return {}
    found = {}
    for i in np.flatnonzero(suspect).tolist():
        fault = text_fault(out[i].as_py())
        if fault:
            found[i] = fault
    return found


class _Kinds(dict):
    """Cell type → kind code; any other type is `_K_OTHER`."""

    def __missing__(self, key: type) -> int:
        return _K_OTHER


_K_STR, _K_NONE, _K_NUM, _K_DATE, _K_DATETIME, _K_OTHER, _K_INT = range(7)
_KINDS = _Kinds({str: _K_STR, type(None): _K_NONE, float: _K_NUM, int: _K_INT, dt.date: _K_DATE, dt.datetime: _K_DATETIME})
_EXACT_INT = 2**53  # whole numbers a float64 holds exactly: larger ints are read one by one


def raw_of_column(column, unguard: Callable[[str], str] | None = None) -> Raw:
    """The raw column of an Arrow column as a reader gave it: CSV text as it is (`unguard`
    removing the quote that guards formula-like text); what fastexcel read of an xlsx column
    of one kind (`xlsx_read.arrow_sheet`) as `raw_of_cells` has those cells: text, numbers,
    dates or date-times as the day; ISO dates the CSV reader converted as date cells."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    t = column.type
    if pa.types.is_string(t):
        return Raw(pc.fill_null(column, "") if column.null_count else column, unguard=unguard)
    if pa.types.is_null(t):
        return Raw(pa.nulls(len(column), pa.string()), unguard=unguard)
    no_text = pa.nulls(len(column), pa.string())  # (an empty cell reads as a null text reads: blank)
    if pa.types.is_date32(t):
        return Raw(no_text, dates=_Days(column), unguard=unguard)
    at = np.flatnonzero(arrownp.valid(column))
    if pa.types.is_float64(t):
        return Raw(no_text, numbers=(at, arrownp.floats(column)[at]), unguard=unguard)
    if pa.types.is_int64(t):  # whole numbers below 2**53 (`xlsx_read._plain_kinds`): as calamine's floats
        return Raw(no_text, numbers=(at, arrownp.ints(column)[0][at].astype(np.float64)), unguard=unguard)
    if pa.types.is_timestamp(t):
        ms = arrownp.ints(column.cast(pa.timestamp("ms")).cast(pa.int64()))[0]
        return Raw(no_text, dates=(at, np.floor_divide(ms[at], 86_400_000)), unguard=unguard)
    raise TypeError(f"no raw cells for an Arrow column of {t}")


class _Days:
    """`Raw.dates` of a date32 Arrow column — (positions, days since 1970) of its dates — made
    only when first asked for: a date field read as dates (CSV's ISO dates, xlsx date cells) is
    its typed column as it is (`parse_column`), with no array of positions and no copy of the days."""

    __slots__ = ("column", "_pair")

    def __init__(self, column) -> None:
        self.column = column
        self._pair: tuple[np.ndarray, np.ndarray] | None = None

    def _get(self) -> tuple[np.ndarray, np.ndarray]:
        if self._pair is None:
            import numpy as np

            days, valid = arrownp.ints(self.column)
            at = np.flatnonzero(valid)
            self._pair = (at, days if len(at) == len(days) else days[at])
        return self._pair

    def __getitem__(self, k: int) -> np.ndarray:
        return self._get()[k]

    def __iter__(self):
        return iter(self._get())

    def __len__(self) -> int:
        return 2


def raw_of_cells(cells: Sequence[Any]) -> Raw:
    """The raw column of Python cells as a spreadsheet gives them (str, float, int, date,
    datetime, bool, time; None or '' for empty): text apart from numbers, dates and the rest.
    Cells are told apart by their type in bulk (no Python loop over the cells)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = cells if isinstance(cells, list) else list(cells)
    try:  # most columns hold only text and empty cells: Arrow takes them as they are, in C
        text = pa.array(cells, type=pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # a number, date or other cell among them
        pass
    else:
        return Raw(pc.fill_null(text, "") if text.null_count else text)
    kind = np.fromiter(map(_KINDS.__getitem__, map(type, cells)), dtype=np.int8, count=len(cells))
    is_str = kind == _K_STR
    obj = np.empty(len(cells), dtype=object)
    obj[:] = cells
    if (kind == _K_INT).any():  # ints past 2**53 would lose digits as float64: the scalar reader takes them
        pos = np.flatnonzero(kind == _K_INT)
        try:
            whole = obj[pos].astype(np.int64)
            big = (whole >= _EXACT_INT) | (whole <= -_EXACT_INT)
        except OverflowError:
            big = np.fromiter((abs(v) >= _EXACT_INT for v in obj[pos]), dtype=bool, count=len(pos))
        kind[pos] = np.where(big, _K_OTHER, _K_NUM)
    empty = kind == _K_NONE
    is_num = kind == _K_NUM
    is_date = kind == _K_DATE
    is_time = kind == _K_DATETIME
    text = obj.copy()
    text[~is_str] = None
    text[empty] = ""
    numbers = dates = None
    if is_num.any():
        pos = np.flatnonzero(is_num)
        x = obj[pos].astype(np.float64)
        nan = np.isnan(x)  # pandas' empty cells
        text[pos[nan]] = ""
        numbers = (pos[~nan], x[~nan])
    day_parts = []
    if is_date.any():
        pos = np.flatnonzero(is_date)
        days = np.asarray(pa.array(obj[pos].tolist(), type=pa.date32()).cast(pa.int32()), dtype=np.int64)
        day_parts.append((pos, days))
    if is_time.any():
        pos = np.flatnonzero(is_time)
        days = np.fromiter((v.toordinal() - EPOCH_ORDINAL for v in obj[pos]), dtype=np.int64, count=len(pos))
        day_parts.append((pos, days))
    if day_parts:
        pos = np.concatenate([p for p, _ in day_parts])
        order = np.argsort(pos, kind="stable")
        dates = (pos[order], np.concatenate([d for _, d in day_parts])[order])
    rest = kind == _K_OTHER
    others = {int(i): obj[i] for i in np.flatnonzero(rest)}
    return Raw(pa.array(text.tolist(), type=pa.string()), numbers, dates, others)


TYPE_PHRASES = codec.TYPE_PHRASES


def parse_series(col: Column, s: Any, date_order: str = "MDY", phrases: dict[str, str] | None = None):
    """`parse_column` over a pandas column of cells (files to import): (typed series in the
    frame layout of `storage.frames`, mask of cells that did not parse, what was expected)."""
    import numpy as np
    import pandas as pd

    parsed = parse_column(col, raw_of_cells(s.tolist()), date_order)
    values_ = series(col.type, parsed.values)
    out = pd.Series(values_, index=s.index, dtype=object if values_.dtype == object else None)
    bad = np.zeros(len(s), dtype=bool)
    bad[list(parsed.bad)] = True
    found = set(parsed.bad.values())
    phrase = (phrases or TYPE_PHRASES).get(col.type, codec.NOT_VALID)
    if col.type == "enum" and col.enum is not None:
        phrase = codec.enum_phrase(col)
    elif getattr(col, "form", None) is not None:
        phrase = codec.form_phrase(col)
    elif col.type == "int" and found and found <= {codec.range_phrase(col)}:
        phrase = codec.range_phrase(col)
    return out, pd.Series(bad, index=s.index), phrase


def series(kind: str, column) -> Any:
    """One typed Arrow column as the pandas array of the frame layout (see `storage.frames`)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    from salesops.values import days_to_datetime64

    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    missing = np.asarray(arr.is_null(), dtype=bool)
    if kind == "date":
        days = np.asarray(pc.fill_null(arr.cast(pa.int32()), 0), dtype=np.int64)
        return days_to_datetime64(days, missing)
    if kind in ("money", "int"):
        return pd.arrays.IntegerArray(np.asarray(pc.fill_null(arr, 0), dtype=np.int64), missing)
    if kind == "pct":
        vals = np.asarray(pc.fill_null(arr, 0), dtype=np.int64) / 100
        return pd.arrays.FloatingArray(vals, missing)
    if kind == "bool":
        return pd.arrays.BooleanArray(np.asarray(pc.fill_null(arr, False), dtype=bool), missing)
    if _few_distinct(arr):  # each distinct text made once, the cells pointing at it
        enc = pc.dictionary_encode(arr)
        texts = np.empty(len(enc.dictionary) + 1, dtype=object)
        texts[:-1] = enc.dictionary.to_pylist()
        texts[-1] = None
        return texts[np.asarray(pc.fill_null(enc.indices, len(enc.dictionary)), dtype=np.int64)]
    out = np.empty(len(arr), dtype=object)
    out[:] = arr.to_numpy(zero_copy_only=False)
    return out


def _few_distinct(arr, sample: int = 2000) -> bool:
    """Whether a text column repeats its values (statuses, owners, regions) — judged on a
    sample: a Python string per cell is then wasted work."""
    import pyarrow.compute as pc

    n = len(arr)
    return n > sample and pc.count_distinct(arr.slice(0, sample)).as_py() < sample // 10
