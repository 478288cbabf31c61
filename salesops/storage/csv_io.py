"""CSV registers: read UTF-8 (BOM or not) else GB18030; write UTF-8 with BOM.

Formula-like text is written with a leading `'` so Excel shows it as text,
and the `'` is removed again on read (SPEC section 8).
"""

from __future__ import annotations

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


def guard(cell: str) -> str:
    """Prefix formula-like text with `'` so spreadsheets keep it as text."""
    from salesops.values import is_formula_like

    return "'" + cell if is_formula_like(cell) else cell


def read_csv(path: Path, encoding: str | None = None) -> list[list[str]]:
    """All rows of a CSV file (header first) as text, trailing empty rows dropped."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StorageError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise StorageError(f"{path.name} is not a text CSV file (it looks binary)")
    text = decode(data, path.name, encoding)
    first = text.split("\n", 1)[0]
    try:
        rows = [[unguard(c) for c in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(first))]
    except csv.Error as exc:
        raise StorageError(f"{path.name} is not valid CSV: {exc}") from None
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
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
