"""Percentage-formatted cells of `pct` columns: Excel's 0.3 shown as "30%" is salesops' 30.

A `pct` column holds 0–100. A user who formats such a column as a percentage in
Excel types `30%` and Excel stores 0.3; read as it is, that would be 0.3 %. The
readers call `percent_cells` (which cells of the pct columns carry a percent number
format) and scale those numbers by 100 (`hundredfold`); the patcher divides by 100
(`per_hundred`) what it writes into a percent-formatted cell, so Excel still shows
30 %.

calamine does not report number formats, so this module reads them itself: the
cell formats of xl/styles.xml (`xlsx_package.StyleBook`) and the `s` attribute of the
cells in the sheet XML, scanned as bytes (the XML is untrusted). A workbook whose
styles hold no percent format at all — every file salesops creates, and most
others — costs one read of styles.xml and no sheet scan.
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from salesops.errors import StorageError
from salesops.i18n import _
from salesops.storage.xlsx_io import col_index, col_letter
from salesops.storage.xlsx_read import DAMAGE

_REF = re.compile(rb"\s*([A-Za-z]{1,3})\s*(\d+)\s*")
_ATTR_R = re.compile(rb"""\sr\s*=\s*(["'])(.*?)\1""", re.S)
_ATTR_S = re.compile(rb"""\ss\s*=\s*(["'])(.*?)\1""", re.S)


def hundredfold(v: float | int) -> float:
    """A number shown with a percent format as the percentage it shows: 0.3 → 30.0, 0.07 → 7.0.

    Exact in decimal (the float's shortest repr shifted two places), then rounded to
    the 15 significant digits Excel keeps, so 0.30000000000000004 reads as 30.
    """
    return float(format(Decimal(repr(v)).scaleb(2), ".15g"))


def per_hundred(v: Any) -> Decimal:
    """A percentage as the number a percent-formatted cell stores: 30 → 0.3 (exact, as a Decimal)."""
    d = v if isinstance(v, Decimal) else Decimal(repr(v) if isinstance(v, float) else v)
    return d.scaleb(-2)


def is_number(v: Any) -> bool:
    """True for the numbers a cell value can be (not bool, which is an int in Python)."""
    t = type(v)
    return t is float or t is int or t is Decimal


def percent_cells(path: Path, columns: list[int], sheet: str | None = None) -> dict[int, set[int]]:
    """Excel row numbers, per column among `columns` (0-based), of cells with a percent number format.

    Reads the first sheet, or the one named `sheet`, of a file `check_xlsx_safe` passed.
    Returns {} without touching the sheet XML when the workbook has no percent cell
    format. The caller scales only the cells that hold numbers: text such as "30%"
    already reads as 30.
    """
    from salesops.storage.xlsx_package import StyleBook
    from salesops.storage.xlsx_read import book_parts, open_zip

    if not columns:
        return {}
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            zd = open_zip(fh, path.name)
            parts = book_parts(zd)
            if parts.styles is None or parts.styles not in zd.by_name:
                return {}
            try:
                percent = StyleBook(zd.read(parts.styles)).percent_styles()
            except StorageError:  # styles damaged beyond use: calamine read the values anyway
                return {}
            if not percent:
                return {}
            part = next(
                (p for name, p in parts.sheets if sheet is None or name == sheet),
                None,
            )
            if part is None or part not in zd.by_name:
                return {}
            xml = zd.read(part)
    except OSError as exc:
        raise StorageError(
            _("{file} could not be read ({reason})").format(file=path.name, reason=exc.strerror or exc)
        ) from None
    except DAMAGE as exc:  # a workbook part calamine did without
        raise StorageError(
            _("{file}: its workbook part is damaged ({reason}); save the file again in Excel").format(
                file=path.name, reason=exc
            )
        ) from None
    return scan_sheet(xml, percent, set(columns))


def scan_sheet(xml: bytes, styles: set[bytes], columns: set[int]) -> dict[int, set[int]]:
    """Rows per column of the cells of `columns` whose `s` is one of `styles`, from a worksheet's XML.

    Sheets written the usual way (every spreadsheet program writes `<c r="G2" s="3" ...>`,
    reference first, double quotes) are searched with one regex for exactly those cells;
    a sheet whose sampled cells look otherwise is walked row by row and cell by cell.
    """
    m = re.search(rb"<(\w+:)?sheetData\b[^>]*?(/?)>", xml)
    if not m or m.group(2) or not styles or not columns:
        return {}
    p = m.group(1) or b""
    start = m.end()
    end = xml.find(b"</" + p + b"sheetData>", start)
    end = len(xml) if end < 0 else end
    if not _usual_form(xml, start, end, p):
        return _walk(xml, start, end, p, styles, columns)
    letters = {col_letter(c).encode(): c for c in columns}
    found = re.compile(
        rb'<%sc r="(%s)(\d+)"[^>]*? s="(?:%s)"'
        % (re.escape(p), b"|".join(letters), b"|".join(re.escape(s) for s in styles))
    )
    out: dict[int, set[int]] = {}
    for c in found.finditer(xml, start, end):
        out.setdefault(letters[c.group(1)], set()).add(int(c.group(2)))
    return out


def _usual_form(xml: bytes, start: int, end: int, p: bytes, sample: int = 64) -> bool:
    """True when the first cells and those near the end of sheetData are written the usual way."""
    tag = re.compile(rb"<%sc\b[^>]*>" % re.escape(p))
    usual = re.compile(rb'<%sc r="[A-Z]{1,3}\d+"(?: [\w:]+="[^"<>]*")*\s*/?>' % re.escape(p))
    tail = max(start, end - 65536)
    for lo, hi in ((start, tail), (tail, end)):
        for t in itertools.islice(tag.finditer(xml, lo, hi), sample):
            if not usual.fullmatch(t.group()):
                return False
    return True


def _walk(
    xml: bytes, start: int, end: int, p: bytes, styles: set[bytes], columns: set[int]
) -> dict[int, set[int]]:
    """`scan_sheet` the slow way: every row and cell, implicit positions counted as Excel does."""
    row_re = re.compile(rb"<" + re.escape(p) + rb"row\b([^>]*?)(/?)>")
    cell_re = re.compile(rb"<" + re.escape(p) + rb"c\b([^>]*?)(/?)>")
    row_end = b"</" + p + b"row>"
    out: dict[int, set[int]] = {}
    num = 0
    for rm in row_re.finditer(xml, start, end):
        r = _ATTR_R.search(rm.group(1))
        num = int(r.group(2)) if r and r.group(2).strip().isdigit() else num + 1
        if rm.group(2):
            continue
        stop = xml.find(row_end, rm.end(), end)
        col = -1
        for cm in cell_re.finditer(xml, rm.end(), end if stop < 0 else stop):
            ref = _ATTR_R.search(cm.group(1))
            parsed = _REF.fullmatch(ref.group(2)) if ref else None
            col = col_index(parsed.group(1).decode()) if parsed else col + 1
            s = _ATTR_S.search(cm.group(1))
            if s and s.group(2).strip() in styles and col in columns:
                out.setdefault(col, set()).add(int(parsed.group(2)) if parsed else num)
    return out
