"""Reading xlsx files safely: hostile-file checks, the workbook's structure, values through calamine.

`check_xlsx_safe` runs before anything else opens a file: it looks at the zip directory
(`xlsx_zip.ZipDirectory`), the sizes members declare and really inflate to, and the
prolog of every XML part. `read_xlsx` then lets python-calamine read the values.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from salesops.errors import StorageError
from salesops.i18n import N_, _, joined
from salesops.storage.xlsx_io import RawSheet, col_index, range_ref
from salesops.storage.xlsx_zip import ZipDirectory

# what a damaged workbook part raises inside `book_parts` (ParseError is a SyntaxError)
DAMAGE = (SyntaxError, ValueError, IndexError, KeyError, AttributeError, TypeError)

MAX_RATIO = 200  # a member past this uncompressed:compressed ratio (and past 10 MB) is a bomb
SMALL_XML = 1 << 20  # XML parts up to this size are parsed whole with defusedxml
_START_TAG = re.compile(r"<(?![?!])")
_BULK_PART = re.compile(r"xl/(worksheets/[^/]+|sharedStrings)\.xml$", re.I)


INCOMPLETE = N_("{file} is not a complete xlsx workbook: it has no {part}")
ENTITIES = N_("{file} carries XML entity declarations ({part}); refusing to read it")
UNREADABLE = N_("{file} could not be read ({reason})")
NO_SUCH_SHEET = N_("{file} has no sheet named {sheet}; its sheets are: {sheets}")
NO_SHEETS = N_("{file} has no sheets")


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MB" if n >= 1 << 20 else f"{n / 1024:,.1f} KB"


def _sniff(head: bytes) -> str:
    """Why a file that is not a zip was refused, in words that suggest the fix."""
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _("it is an old .xls workbook or a password-protected file; save it as .xlsx without a password")
    if not head:
        return _("it is empty")
    sample = head[:4096]
    for enc in (
        ("utf-16",) if head.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "gb18030")
    ):
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        if text and sum(c.isprintable() or c in "\r\n\t" for c in text) >= 0.95 * len(text):
            return _("it is a text file, perhaps CSV; name it .csv")
    return _("it is not a zip archive")


def _xml_prolog_ok(data: bytes) -> bool:
    """True when the bytes before the root element declare no DTD or entity."""
    enc = "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16"
    elif data[:1] == b"\x00" or data[1:2] == b"\x00":  # UTF-16 without a byte-order mark
        enc = "utf-16-be" if data[:1] == b"\x00" else "utf-16-le"
    text = data[: len(data) // 2 * 2 if enc != "utf-8" else None].decode(enc, "replace")
    m = _START_TAG.search(re.sub(r"<!--.*?-->", "", text, flags=re.S))
    prolog = text if m is None else text[: m.start()]
    return "<!DOCTYPE" not in prolog.upper() and "<!ENTITY" not in prolog.upper()


def open_zip(fh: BinaryIO, label: str) -> ZipDirectory:
    """The zip directory of an open file, or StorageError saying what the file is instead."""
    fh.seek(0)
    head = fh.read(4096)
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise StorageError(_("{file} is not a valid xlsx file ({reason})").format(file=label, reason=_sniff(head)))
    return ZipDirectory(fh, label)


def check_zip(zd: ZipDirectory, max_uncompressed: int = 1 << 30, deep: bool = True) -> None:
    """The hostile-file checks of `check_xlsx_safe` on an opened zip directory.

    `deep=False` leaves out parsing the worksheets and the shared strings whole:
    the reader parses them anyway, and `explain_damage` words its failure.

    Sizes are the ones the headers declare: a header that understates its member is
    harmless, because every reader used here (`ZipDirectory.read`, calamine's zip crate,
    Python's zipfile) stops at the declared size and reports the member as damaged.
    """
    label = zd.label
    total = sum(e.usize for e in zd.entries)
    if total > max_uncompressed or len(zd.entries) > 100_000:
        raise StorageError(
            _("{file} would decompress to {size}, past the limit of {limit}; refusing to read it").format(
                file=label, size=_mb(total), limit=_mb(max_uncompressed)
            )
        )
    for e in zd.entries:
        if e.usize > 10 << 20 and e.usize > MAX_RATIO * max(e.csize, 1):
            raise StorageError(
                _(
                    "{file} would decompress to {size} from {packed} (a ratio of {ratio}:1), which is a zip bomb; "
                    "refusing to read it"
                ).format(file=label, size=_mb(e.usize), packed=_mb(e.csize), ratio=f"{e.usize // max(e.csize, 1):,}")
            )
    for part in ("[Content_Types].xml", workbook_part(zd)):
        if part not in zd.by_name:
            raise StorageError(_(INCOMPLETE).format(file=label, part=part))
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    for e in zd.entries:
        if not e.name.lower().endswith((".xml", ".rels")):
            continue
        if not _xml_prolog_ok(zd.head(e.name)):
            raise StorageError(_(ENTITIES).format(file=label, part=e.name))
        if e.usize <= SMALL_XML and (deep or not _BULK_PART.match(e.name)):
            try:
                fromstring(zd.read(e.name), forbid_dtd=True)
            except DefusedXmlException:
                raise StorageError(_(ENTITIES).format(file=label, part=e.name)) from None
            except StorageError:  # the member itself is damaged: zd.read says how
                raise
            except Exception as exc:  # ParseError: not well-formed
                raise zd.bad(_("{part} is not well-formed XML: {reason}").format(part=e.name, reason=exc)) from None


def check_xlsx_safe(path: Path, max_uncompressed: int = 1 << 30, deep: bool = False) -> None:
    """See `xlsx.check_xlsx_safe`."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            check_zip(open_zip(fh, path.name), max_uncompressed, deep)
    except OSError as exc:
        raise StorageError(_(UNREADABLE).format(file=path.name, reason=exc.strerror or exc)) from None


@contextmanager
def calamine_errors(path: Path) -> Iterator[None]:
    """Whatever calamine raises on a damaged file — its errors, a Rust panic — as the
    StorageError `explain_damage` words."""
    try:
        yield
    except StorageError:
        raise
    except Exception as exc:  # CalamineError and whatever else a damaged file provokes
        raise explain_damage(path, exc) from exc
    except BaseException as exc:  # a Rust panic inside calamine arrives as PanicException
        if type(exc).__name__ != "PanicException":
            raise
        raise explain_damage(path, exc) from exc


def explain_damage(path: Path, exc: BaseException) -> StorageError:
    """The error for a file calamine could not read: what is malformed in it when the
    deep checks find it (e.g. a worksheet that is not well-formed XML), else calamine's words."""
    try:
        check_xlsx_safe(path, deep=True)
    except StorageError as found:
        return found
    return StorageError(_(UNREADABLE).format(file=Path(path).name, reason=exc))


# --- workbook structure ---------------------------------------------------------------------


def parse_xml(data: bytes):
    """A small XML part as an ElementTree element, refusing DTDs and entities."""
    from defusedxml.ElementTree import fromstring

    return fromstring(data, forbid_dtd=True)


def local(tag: str) -> str:
    """The local name of a namespaced tag or attribute."""
    return tag.rsplit("}", 1)[-1]


def rels_of(zd: ZipDirectory, part: str) -> dict[str, tuple[str, str]]:
    """Relationships of a part: Id → (type suffix, target part path)."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in zd.by_name:
        return {}
    out = {}
    for rel in parse_xml(zd.read(rels)):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        path = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        out[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], path)
    return out


def workbook_part(zd: ZipDirectory) -> str:
    """The workbook part's path, from the package relationships (usually xl/workbook.xml)."""
    for kind, target in rels_of(zd, "").values():
        if kind == "officeDocument":
            return target
    return "xl/workbook.xml"


@dataclass
class BookParts:
    """Where the parts the patcher needs live."""

    workbook: str
    sheets: list[tuple[str, str]]  # (sheet name, part path) in workbook order
    styles: str | None
    calc_chain: str | None
    date1904: bool


def book_parts(zd: ZipDirectory) -> BookParts:
    """The workbook's sheets (in order), styles and calcChain parts, and its date system."""
    wb_part = workbook_part(zd)
    if wb_part not in zd.by_name:
        raise StorageError(_(INCOMPLETE).format(file=zd.label, part=wb_part))
    rels = rels_of(zd, wb_part)
    root = parse_xml(zd.read(wb_part))
    sheets, date1904 = [], False
    for el in root.iter():
        tag = local(el.tag)
        if tag == "workbookPr":
            date1904 = el.get("date1904", "0").lower() in ("1", "true")
        elif tag == "sheet":
            rid = next((v for k, v in el.attrib.items() if local(k) == "id"), "")
            sheets.append((el.get("name", ""), rels.get(rid, ("", ""))[1]))
    by_kind = {kind: target for kind, target in rels.values()}
    return BookParts(wb_part, sheets, by_kind.get("styles"), by_kind.get("calcChain"), date1904)


# --- values ---------------------------------------------------------------------------------


def read_xlsx(path: Path, sheet: str | None = None) -> RawSheet:
    """See `xlsx.read_xlsx`."""
    path = Path(path)
    check_xlsx_safe(path)
    import python_calamine as pc

    with calamine_errors(path), pc.CalamineWorkbook.from_path(str(path)) as wb:
        names = wb.sheet_names
        if sheet is not None and sheet not in names:
            raise StorageError(_(NO_SUCH_SHEET).format(file=path.name, sheet=repr(sheet), sheets=", ".join(names)))
        if not names:
            raise StorageError(_(NO_SHEETS).format(file=path.name))
        sh = wb.get_sheet_by_name(sheet) if sheet is not None else wb.get_sheet_by_index(0)
        data = sh.to_python(skip_empty_area=False)
        merged = sh.merged_cell_ranges or []
        name = sh.name
    rows: list[list] = []
    for row in data:
        if "" in row:
            row = [None if c == "" else c for c in row]
        while row and row[-1] is None:
            row.pop()
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    shown = [range_ref(a[0] + 1, a[1], b[0] + 1, b[1]) for a, b in merged]
    return RawSheet(rows, name, shown)


_EXCEL_EPOCH_MS = -2208988800000  # 1900-01-01T00:00 in ms since 1970: no date cell is earlier


def arrow_sheet(path: Path, choose, as_text=None):
    """The sheet `choose(worksheet names) -> name or None` picks of an xlsx workbook, as
    (sheet name, header cells, Arrow columns, the columns read as text) by fastexcel —
    calamine underneath, as `read_sheets`, but each column straight into Arrow without a
    Python object per cell (M's nine registers: 2.3 s → 0.9 s) — or None when `read_sheets` must read it: no sheet
    chosen; the 1904 date system; merged cells (refused there, with the cells named); a
    sheet not starting with a value in A1 (fastexcel starts at the first cell used, calamine
    at A1); a header cell fastexcel renames (a repeated one: "x", "x_1"); a column of mixed
    kinds of cells (text and numbers: fastexcel is asked to be strict over every row), of
    true/false, of durations or of times of day (read as 1899-12-31); whatever else fastexcel
    does not take. Columns whose first rows mix kinds (date cells and serial numbers, as
    people type dates) are read as text when `as_text(header labels, their indexes)` says
    they may be: a date cell reads "2026-11-05 00:00:00", a number "45966", each as salesops
    reads it (the reader goes back to calamine's cells when such a column holds a problem,
    whose message shows the cell as it is). The file is checked as `check_xlsx_safe` checks
    it before fastexcel opens it; a file that fails is left to `read_sheets`, which says why.
    """
    import logging

    try:
        import fastexcel
    except ImportError:  # an install without it: calamine reads everything
        return None
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            zd = open_zip(fh, path.name)
            check_zip(zd, deep=False)
            parts = book_parts(zd)
            sheets = {n: p for n, p in parts.sheets if "/worksheets/" in f"/{p}"}
            name = None if parts.date1904 else choose(list(sheets))
            part = sheets.get(name)
            if part is None or part not in zd.by_name:
                return None
            head = zd.head(part)
            first = _CELL.search(head)  # a value in A1: calamine's A1 is fastexcel's first cell
            if first is None or first.group(2) is None or dict(_ATTR.findall(first.group(1))).get(b"r") != b"A1":
                return None
            mixed = _mixed(head)
            if mixed is None or zd.holds(part, b"mergeCell"):
                return None
            if mixed:  # read as text only if they are dates: decided before fastexcel parses the sheet
                labels = _header_labels(zd, parts, head) if as_text is not None else None
                if labels is None or not as_text(labels, mixed):
                    return None
    except (OSError, StorageError, *DAMAGE):
        return None
    logging.getLogger("fastexcel").setLevel(logging.ERROR)  # "falling back to string" for an empty column
    try:
        loaded = fastexcel.read_excel(str(path)).load_sheet(
            name, schema_sample_rows=None, dtype_coercion="strict", dtypes=dict.fromkeys(sorted(mixed), "string") or None
        )
        info = loaded.available_columns()
        table = loaded.to_arrow()
    except Exception:  # noqa: BLE001 - mixed columns, and anything else: calamine reads it and words its errors
        return None
    header: list[str] = []
    for column in info:
        label = column.name if column.column_name_from == "looked_up" else ""
        base, _sep, count = label.rpartition("_")
        if count.isdigit() and base in header:
            return None  # a repeated header cell, renamed
        header.append(label)
    if not _plain_kinds(table) or (mixed and not as_text(header, mixed)):
        return None
    return name, header, list(table.columns), mixed


# a cell: its attributes, and what it holds (None for an empty cell, <c …/>)
_CELL = re.compile(rb"<(?:[\w.-]+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:[\w.-]+:)?c>)", re.S)
_ATTR = re.compile(rb"""\s(r|s|t)\s*=\s*["']([^"']*)["']""")


_TEXT_CELLS = (b"s", b"str", b"inlineStr")


def _mixed(head: bytes) -> set[int] | None:
    """The columns (0 for A) that mix kinds of cells (text and numbers, dates and numbers: a
    type or a style apart) in the first rows of a sheet's XML; None when a header cell is not
    text (fastexcel would name its column in its own way). fastexcel, strict, would parse the
    whole sheet before refusing a mixed column, and calamine would parse it again (the second
    data shape's date columns mix date cells and serial numbers). A mix that starts later is
    found by fastexcel all the same."""
    seen: dict[bytes, tuple[bytes, bytes]] = {}
    mixed: set[int] = set()
    for m in _CELL.finditer(head):
        if m.group(2) is None:
            continue  # an empty cell
        attrs = dict(_ATTR.findall(m.group(1)))
        ref = attrs.get(b"r", b"")
        column = ref.rstrip(b"0123456789")
        kind = (attrs.get(b"t", b"n"), attrs.get(b"s", b"0"))
        if ref[len(column) :] == b"1":
            if kind[0] not in _TEXT_CELLS:
                return None
            continue
        if seen.setdefault(column, kind) != kind:
            mixed.add(col_index(column.decode("ascii")))
    return mixed


_V = re.compile(rb"<(?:[\w.-]+:)?v>(.*?)</(?:[\w.-]+:)?v>", re.S)
_T = re.compile(rb"<(?:[\w.-]+:)?t(?:\s[^>]*)?>(.*?)</(?:[\w.-]+:)?t>", re.S)
_SI = re.compile(rb"<(?:[\w.-]+:)?si>(.*?)</(?:[\w.-]+:)?si>", re.S)


def _header_labels(zd: ZipDirectory, parts: BookParts, head: bytes) -> list[str] | None:
    """The text of the header cells (row 1) from a sheet's first bytes, shared strings looked
    up in the first megabyte of the shared-strings part (where a workbook's first row puts
    them); None when a cell cannot be told so (what fastexcel then names the columns decides)."""
    from html import unescape  # (character references too, as the patcher reads XML text)

    def text(xml: bytes) -> str:
        return unescape(b"".join(_T.findall(xml)).decode("utf-8"))

    cells: dict[int, tuple[bytes, bytes]] = {}
    for m in _CELL.finditer(head):
        attrs = dict(_ATTR.findall(m.group(1)))
        ref = attrs.get(b"r", b"")
        column = ref.rstrip(b"0123456789")
        if ref[len(column) :] != b"1":
            break  # (rows come in order: row 1 is over)
        cells[col_index(column.decode("ascii"))] = (attrs.get(b"t", b"n"), m.group(2) or b"")
    if not cells or sorted(cells) != list(range(len(cells))):
        return None
    shared: list[str] | None = None
    labels = []
    try:
        for j in range(len(cells)):
            kind, inner = cells[j]
            if kind == b"inlineStr":
                labels.append(text(inner))
                continue
            value = _V.search(inner)
            if value is None:
                return None
            if kind == b"str":
                labels.append(unescape(value.group(1).decode("utf-8")))
                continue
            if kind != b"s":
                return None  # a number, a date, true/false: no label
            if shared is None:
                sst = {k: t for k, t in rels_of(zd, parts.workbook).values()}.get("sharedStrings")
                if sst is None or sst not in zd.by_name:
                    return None
                shared = [text(si) for si in _SI.findall(zd.head(sst, 1 << 20))]
            k = int(value.group(1))
            if not 0 <= k < len(shared) - 1:  # (the last one found may be cut short)
                return None
            labels.append(shared[k])
    except (ValueError, UnicodeDecodeError):
        return None
    return labels


def _plain_kinds(table) -> bool:
    """Whether every column is text, numbers or dates (the kinds `typed.raw_of_column` takes)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for column in table.columns:
        t = column.type
        if pa.types.is_timestamp(t):
            first = pc.min(column.cast(pa.timestamp("ms")).cast(pa.int64())).as_py()
            if first is not None and first < _EXCEL_EPOCH_MS:
                return False  # times of day
        elif pa.types.is_int64(t):
            low, high = pc.min_max(column).values()
            if low.is_valid and max(-low.as_py(), high.as_py()) >= 2**53:
                return False  # past what a float holds exactly: calamine's cells say
        elif not (pa.types.is_string(t) or pa.types.is_float64(t) or pa.types.is_date32(t) or pa.types.is_null(t)):
            return False
    return True


@dataclass
class ChosenSheet:
    """The register's sheet of a workbook: its name and its rows (rows[0] is Excel row 1)."""

    name: str
    rows: list[list]


def read_sheets(path: Path, fits, sheet: str | None = None, register=None) -> ChosenSheet:
    """The rows of the register's sheet of an xlsx file, after `check_xlsx_safe`.

    `sheet` names it outright. Otherwise, with `register` None (a file to import) the
    first sheet is taken; for a register, `fits(header) -> (fits, lacking fields)` says
    which worksheets carry its columns: the one that does is the register, a sheet named
    after the register (English or Chinese) wins among several, and anything else is
    refused naming the sheets — salesops never reads or writes a sheet that is not the
    register. Merged cells are refused (a register has one value per cell).
    """
    path = Path(path)
    check_xlsx_safe(path)
    import python_calamine as pc

    from salesops.values import normalize_header

    with calamine_errors(path), pc.CalamineWorkbook.from_path(str(path)) as wb:
        names = [m.name for m in wb.sheets_metadata if "Work" in str(m.typ)] or list(wb.sheet_names)
        if sheet is not None and sheet not in wb.sheet_names:
            raise StorageError(_(NO_SUCH_SHEET).format(file=path.name, sheet=repr(sheet), sheets=", ".join(wb.sheet_names)))
        if not names:
            raise StorageError(_(NO_SHEETS).format(file=path.name))
        if sheet is not None or register is None or len(names) == 1:
            chosen = _sheet_rows(wb, sheet if sheet is not None else names[0])
        else:
            own = {normalize_header(register.name), normalize_header(register.zh)}
            named = [n for n in names if normalize_header(n) in own]
            candidates: list[ChosenSheet] = []
            lacking: dict[str, list[str]] = {}
            for name in named + [n for n in names if n not in named]:
                got = _sheet_rows(wb, name)
                ok, lacks = fits(got.rows[0] if got.rows else [])
                if ok:
                    candidates.append(got)
                    if name in named:
                        break  # the sheet named after the register, carrying its columns
                else:
                    lacking[name] = lacks
            if len(candidates) == 1 or (candidates and candidates[-1].name in named):
                chosen = candidates[-1]
            elif candidates:
                shown = _(" and ").join(repr(c.name) for c in candidates)
                raise StorageError(
                    _(
                        "{file}: sheets {sheets} both carry the {register} columns; name the register's sheet "
                        "{name} (or {zh}), or move the other one to another file"
                    ).format(file=path.name, sheets=shown, register=register.name, name=repr(register.name), zh=repr(register.zh))
                )
            else:
                required = [c.name for c in register.columns if c.required]
                about = joined(
                    _("{sheet} lacks {columns}").format(sheet=repr(n), columns=", ".join(lacking[n]))
                    if lacking.get(n) and len(lacking[n]) < len(required)
                    else _("{sheet} has none of them").format(sheet=repr(n))
                    for n in names
                )
                raise StorageError(
                    _("{file}: no sheet carries the {register} columns ({columns}): {about}").format(
                        file=path.name, register=register.name, columns=", ".join(required), about=about
                    )
                )
    return chosen


def _sheet_rows(wb, name: str) -> ChosenSheet:
    sh = wb.get_sheet_by_name(name)
    merged = sh.merged_cell_ranges or []
    if merged:
        shown = [range_ref(a[0] + 1, a[1], b[0] + 1, b[1]) for a, b in merged]
        more = " …" if len(shown) > 5 else ""
        raise StorageError(
            _("{file} has merged cells ({cells}); a register needs one value per cell: unmerge them").format(
                file=Path(wb.path).name if getattr(wb, "path", None) else _("the workbook"),
                cells=", ".join(shown[:5]) + more,
            )
        )
    data = sh.to_python(skip_empty_area=False)
    n = len(data)
    while n and not any(c not in ("", None) for c in data[n - 1]):
        n -= 1
    return ChosenSheet(name, data[:n])
