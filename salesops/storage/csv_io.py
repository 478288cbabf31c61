"""CSV registers: read UTF-8 (BOM or not) else GB18030; write UTF-8 with BOM.

Formula-like text is written with a leading `'` so Excel shows it as text,
and the `'` is removed again on read (SPEC section 8).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable
from pathlib import Path

from salesops.errors import StorageError

ENCODINGS = ("utf-8-sig", "gb18030")


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """Text of a CSV file: `encoding` if given, else UTF-8 (with or without BOM), else GB18030."""
    tried = [encoding] if encoding else list(ENCODINGS)
    for enc in tried:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    if encoding:
        raise StorageError(f"{name} cannot be read as {encoding}; try another --encoding")
    raise StorageError(f"{name} is neither UTF-8 nor GB18030 text; pass --encoding (for example --encoding big5)")


def sniff_encoding(head: bytes, name: str, *, complete: bool, encoding: str | None = None) -> tuple[str, str]:
    """(encoding, text) of a CSV file's first bytes `head` (`complete`: the whole file).

    Refuses, naming the file, what is not a CSV register: binary data, an
    empty file (not even a header row), text in neither UTF-8 nor GB18030.
    A multi-byte character cut at the end of an incomplete `head` is fine.
    """
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise StorageError(f"{name} is not a text CSV file (it looks binary)")
    tried = [encoding] if encoding else list(ENCODINGS)
    for enc in tried:
        try:
            text = codecs.getincrementaldecoder(enc)().decode(head, final=complete)
        except (UnicodeDecodeError, LookupError):
            continue
        if complete and not text.strip():
            raise StorageError(f"{name} is empty: it has no header row")
        return enc, text
    decode(head if complete else b"\xff", name, encoding)  # raises the message for `encoding`
    raise AssertionError("unreachable")


def _dialect(first_line: str) -> str:
    if "," not in first_line:
        for sep in ("\t", ";"):
            if sep in first_line:
                return sep
    return ","


def unguard(cell: str) -> str:
    """Remove the `'` that protects formula-like text in CSV."""
    from salesops.values import is_formula_like

    if cell.startswith("'") and is_formula_like(cell[1:]):
        return cell[1:]
    return cell


_RISKY_FIRST = frozenset("=@+-\t\r")


def guard(cell: str) -> str:
    """Prefix formula-like text with `'` so spreadsheets keep it as text."""
    if not cell or cell[0] not in _RISKY_FIRST:  # the common case, kept cheap
        return cell
    from salesops.values import is_formula_like

    return "'" + cell if is_formula_like(cell) else cell


def read_csv(path: Path, encoding: str | None = None) -> list[list[str]]:
    """All rows of a CSV file (header first) as text, trailing empty rows dropped."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StorageError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    _, text = sniff_encoding(data, path.name, complete=True, encoding=encoding)
    first = text.split("\n", 1)[0]
    rows = [[unguard(c) for c in row] for row in _parse(text, _dialect(first), path.name)]
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    return rows


def _parse(text: str, sep: str, name: str) -> list[list[str]]:
    """The records of CSV text; a quote left open (which would swallow the rest of the file) is an error."""
    rows: list[list[str]] = []
    try:
        rows.extend(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise StorageError(
                f'{name} is not valid CSV: the quoted cell that starts in row {len(rows) + 1} is never closed (a " is missing)'
            ) from None
        try:  # other slips (text after a closing quote): read them the way spreadsheets do
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
        except csv.Error as again:
            raise StorageError(f"{name} is not valid CSV: {again}") from None
    return rows


def csv_bytes(rows: Iterable[list[str]]) -> bytes:
    """CSV text in UTF-8 with BOM and CRLF line ends (what Excel writes), cells guarded."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow([guard(c) if c else c for c in row])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def write_csv(path: Path, rows: Iterable[list[str]]) -> None:
    """Write `rows` to `path` (a staging path; the commit renames it)."""
    path.write_bytes(csv_bytes(rows))
