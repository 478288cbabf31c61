"""CSV files: encodings told with evidence, the file's own dialect, and the patch writer.

Reading: `detect_encoding` (UTF-8 with or without BOM, UTF-16 with BOM, else
GB18030 or Latin-1 when the decoded text is plausibly one and not the other;
refused when unsure), `sniff_dialect` (delimiter, line ending, quoting), and
`read_columns`, which splits the records with pyarrow's CSV reader (Python's
`csv` module where a record is ragged or the text is unusual) into raw text
columns. Writing: a new file is UTF-8 with BOM (`csv_bytes`); an existing one is
patched (`patch_csv`): unchanged records are copied byte for byte, changed and
new ones written in the file's own dialect and encoding.

Formula-like text is written with a leading `'` so Excel shows it as text,
and the `'` is removed again on read (SPEC section 8).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salesops import values
from salesops.errors import StorageError
from salesops.i18n import N_, _


def _dialect(first_line: str) -> str:
    if "," not in first_line:
        for sep in ("\t", ";"):
            if sep in first_line:
                return sep
    return ","


# The one formula guard of every CSV salesops writes (registers, list -f csv, report CSVs).
guard = values.csv_guard
unguard = values.csv_unguard


def read_csv(path: Path, encoding: str | None = None, hint: str | None = None) -> list[list[str]]:
    """All rows of a CSV file (header first) as text, trailing empty rows dropped."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StorageError(_(CANNOT_READ).format(file=path.name, reason=exc.strerror or exc)) from None
    enc, bom = detect_encoding(data, path.name, encoding, hint or (IMPORT_HINT if encoding else REGISTER_HINT))
    text = data[len(bom) :].decode(enc)
    if not text.strip():
        raise StorageError(_(EMPTY).format(file=path.name))
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
                _('{file} is not valid CSV: the quoted cell that starts in row {row} is never closed (a " is missing)').format(
                    file=name, row=len(rows) + 1
                )
            ) from None
        try:  # other slips (text after a closing quote): read them the way spreadsheets do
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
        except csv.Error as again:
            raise StorageError(_("{file} is not valid CSV: {reason}").format(file=name, reason=again)) from None
    return rows


def csv_bytes(rows: Iterable[list[str]]) -> bytes:
    """CSV text in UTF-8 with BOM and CRLF line ends (what Excel writes), cells guarded."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow([guard(c) if c else c for c in row])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


_TO_QUOTE = re.compile('[,"\r\n]')


def csv_field(text: str | None) -> str:
    """One cell of a row as `csv_bytes` writes it (guarded, quoted when it must be), for writers
    that join many rows themselves (history.csv's 200,000 rows of an import)."""
    if not text:
        return ""
    if text[0] in values._MAY_NEED_GUARD:
        text = guard(text)
    if _TO_QUOTE.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(path: Path, rows: Iterable[list[str]]) -> None:
    """Write `rows` to `path` (a staging path; the commit renames it)."""
    path.write_bytes(csv_bytes(rows))


# ------------------------------------------------------------------ encodings

SAMPLE = 1 << 20  # bytes looked at to tell the encoding before the reader checks the rest
BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
REGISTER_HINT = N_("save it again as UTF-8 (in Excel: Save As → CSV UTF-8)")
IMPORT_HINT = N_("pass --encoding, for example --encoding gb18030 or --encoding latin-1")
OTHER_ENCODING = N_("try another --encoding")
CANNOT_READ = N_("cannot read {file}: {reason}")
EMPTY = N_("{file} is empty: it has no header row")


def detect_encoding(data: bytes, name: str, encoding: str | None = None, hint: str = REGISTER_HINT, complete: bool = True) -> tuple[str, bytes]:
    """(encoding, BOM) of a CSV file's bytes `data` (`complete`: the whole file, else its start).

    UTF-8 (BOM or not) and UTF-16 with a BOM are recognised as such. Other bytes are
    decoded as GB18030 and as Latin-1 (cp1252), and the one whose text is plausible
    wins: Chinese text is almost all common GB2312 characters, Latin-1 text puts
    accented letters inside words ("Müller"). When neither or both are plausible the
    file is refused, and `hint` says what to do. A NUL byte is reported as such.
    """
    for bom, enc in BOMS:
        if data.startswith(bom):
            if encoding is None or codecs.lookup(encoding).name == codecs.lookup(enc).name:
                _strict(data[len(bom) : None if complete else len(bom) + SAMPLE], enc, name, hint, complete)
                return enc, bom
            break
    nul = data.find(b"\x00")
    if nul >= 0:
        head = data[:4096]
        if sum(b < 9 or 13 < b < 32 for b in head) > 0.1 * len(head):
            raise StorageError(_("{file} is not a text CSV file (it looks binary)").format(file=name))
        row = data.count(b"\n", 0, nul) + 1
        raise StorageError(
            _(
                "{file} holds a NUL byte (row {row}, byte {byte}); a CSV file holds text only — "
                "it may be damaged or not a CSV file"
            ).format(file=name, row=row, byte=nul + 1)
        )
    if encoding:
        _strict(data, encoding, name, OTHER_ENCODING, complete)
        return encoding, b""
    sample = data[:SAMPLE] if not complete else data
    if _decodes(sample, "utf-8", complete):  # (past the sample, the reader checks UTF-8 itself)
        return "utf-8", b""
    chinese = _decoded(sample, "gb18030", complete or len(sample) == len(data))
    latin_enc = "cp1252" if _decodes(sample, "cp1252", True) else "latin-1"
    latin = sample.decode(latin_enc)
    zh_ok = chinese is not None and _plausible_chinese(chinese)
    latin_ok = _plausible_latin(latin)
    if zh_ok and not latin_ok:
        return "gb18030", b""
    if latin_ok and not zh_ok:
        return latin_enc, b""
    if zh_ok:
        raise StorageError(
            _(
                "{file} is not UTF-8, and its bytes read as GB18030 (Chinese) and as Latin-1 (Western) alike; {hint}"
            ).format(file=name, hint=_(hint))
        )
    raise StorageError(
        _("{file} is neither UTF-8 nor text salesops can tell (GB18030 or Latin-1); {hint}").format(
            file=name, hint=_(hint)
        )
    )


def _decodes(data: bytes, enc: str, complete: bool) -> bool:
    return _decoded(data, enc, complete) is not None


def _decoded(data: bytes, enc: str, complete: bool) -> str | None:
    try:
        return codecs.getincrementaldecoder(enc)().decode(data, final=complete)
    except UnicodeDecodeError:
        return None


def _strict(data: bytes, enc: str, name: str, hint: str, complete: bool) -> None:
    try:
        codecs.getincrementaldecoder(enc)().decode(data[:SAMPLE] if not complete else data, final=complete)
    except LookupError:
        raise StorageError(
            _("{encoding} is not an encoding Python knows (try utf-8, gb18030, big5, latin-1)").format(encoding=repr(enc))
        ) from None
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        raise StorageError(
            _("{file} cannot be read as {encoding}: byte {byte} (row {row}) is not {encoding} text; {hint}").format(
                file=name, encoding=enc, byte=exc.start + 1, row=row, hint=_(hint)
            )
        ) from None


_COMMON_PUNCT = frozenset("\u3000、。，．：；？！“”‘’（）《》〈〉【】—…·￥％＋－＝＠～")


def _plausible_chinese(text: str) -> bool:
    """Chinese text: nearly all its Chinese characters are common ones (GB2312). Latin-1 bytes
    read as GB18030 turn into rare ideographs ("Müller" → "M黮ler") or unassigned code points."""
    rare = common = 0
    for ch in set(text):
        if ch.isascii():
            continue
        try:
            ch.encode("gb2312")
            common += 1
            continue
        except UnicodeEncodeError:
            pass
        cat = unicodedata.category(ch)
        if cat in ("Co", "Cn") or "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or ord(ch) >= 0x20000:
            rare += 1
        else:
            common += 1  # a letter with an accent, a symbol: text GB18030 holds as it is
    return rare <= 0.05 * (rare + common) if rare + common else True


_LATIN_WORD = re.compile(r"[A-Za-z][^\x00-\x7f]|[^\x00-\x7f][A-Za-z]")


def _plausible_latin(text: str) -> bool:
    """Western text: its non-ASCII characters are letters or common signs, mostly inside words."""
    odd = [ch for ch in set(text) if not ch.isascii()]
    if not odd:
        return True
    if any(not (unicodedata.category(ch).startswith(("L", "Z")) or ch in "°€£¥©®·–—‘’“”«»×÷§¶µ¿¡") for ch in odd):
        return False
    non_ascii = sum(1 for ch in text if not ch.isascii())
    inside = len(_LATIN_WORD.findall(text))
    return inside >= 0.5 * non_ascii


# ------------------------------------------------------------------ dialect and columns


@dataclass
class Dialect:
    """How a CSV file is written, so that a rewrite writes it the same way."""

    encoding: str = "utf-8"
    bom: bytes = b"\xef\xbb\xbf"
    delimiter: str = ","
    newline: str = "\r\n"
    quote_all: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "encoding": self.encoding,
            "bom": self.bom.hex(),
            "delimiter": self.delimiter,
            "newline": self.newline,
            "quote_all": self.quote_all,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Dialect:
        return cls(data["encoding"], bytes.fromhex(data["bom"]), data["delimiter"], data["newline"], data["quote_all"])


def sniff_dialect(first_record: str, encoding: str, bom: bytes) -> Dialect:
    """The dialect of a file from its first record (the header line, with its line ending)."""
    outside = re.sub(r'"[^"]*"', "", first_record)
    counts = {sep: outside.count(sep) for sep in (",", ";", "\t")}
    delimiter = max(counts, key=lambda k: (counts[k], k == ","))
    if not counts[delimiter]:
        delimiter = ","
    m = re.search(r"\r\n|\n|\r", first_record)
    newline = m.group() if m else "\r\n"
    line = first_record.rstrip("\r\n")
    fields = line.split(delimiter) if line else []
    quote_all = bool(fields) and all(f.startswith('"') and f.endswith('"') and len(f) >= 2 for f in fields)
    return Dialect(encoding, bom, delimiter, newline, quote_all)


@dataclass
class CsvColumns:
    """A CSV file split into raw text columns (header excluded)."""

    header: list[str]
    columns: list[Any]  # pyarrow string arrays, one per header column
    n: int
    dialect: Dialect
    extras: dict[int, list[str]] = field(default_factory=dict)  # record index → fields past the header


def read_columns(
    path: Path,
    encoding: str | None = None,
    hint: str = REGISTER_HINT,
    data: bytes | None = None,
    include=None,
    dates=None,
) -> CsvColumns:
    """The records of a CSV file as raw text columns, by pyarrow's CSV reader.

    Records with another number of fields than the header, and files pyarrow does
    not take, are read by Python's `csv` module instead (same result, slower), so
    that a ragged row keeps its fields and a broken quote is worded precisely.
    `include(header) -> column indexes`: only those columns are converted (the others
    are None in `columns`); the whole file is still split, so rows count the same.
    `dates(header) -> column indexes`: columns of dates, which come as Arrow dates
    when their every cell is an ISO date or empty (`_iso_dates`), else as text.
    """
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise StorageError(_(CANNOT_READ).format(file=path.name, reason=exc.strerror or exc)) from None
    enc, bom = detect_encoding(data, path.name, encoding, hint, complete=len(data) <= SAMPLE)
    body: bytes | memoryview = memoryview(data)[len(bom) :]  # (no copy of a large file)
    head = _first_record(body, enc)
    if not head.strip():
        raise StorageError(_(EMPTY).format(file=path.name))
    dialect = sniff_dialect(head, enc, bom)
    if enc not in ("utf-8",):
        try:
            body = bytes(body).decode(enc).encode("utf-8")
        except UnicodeDecodeError:  # only the sample was checked: the rest says where
            _strict(bytes(body), enc, path.name, hint, True)
            raise
    quoted = (data if isinstance(body, memoryview) else body).find(b'"') >= 0
    try:
        if quoted and (data.count(b'"', len(bom)) if isinstance(body, memoryview) else body.count(b'"')) % 2:
            raise _Ragged()  # a quote left open: Python's reader says where
        return _arrow_columns(body, dialect, include, quoted, dates)
    except _Ragged:
        pass
    except Exception as exc:  # ArrowInvalid: invalid UTF-8 past the sample, a parse error
        if "UTF8" in str(exc) and enc == "utf-8" and encoding is None:
            enc, bom = detect_encoding(data, path.name, None, hint)  # the whole file, now
            if enc == "utf-8":
                raise StorageError(_("{file} is not valid UTF-8 text; {hint}").format(file=path.name, hint=_(hint))) from None
            return read_columns(path, enc, hint, data, include, dates)
    return _python_columns(bytes(body).decode("utf-8"), dialect, path.name)


class _Ragged(Exception):
    """A record whose number of fields differs from the header's."""


def _first_record(body: bytes | memoryview, enc: str) -> str:
    """The header record's text (with its line ending), decoded."""
    chunk = bytes(body[:65536]).decode(enc, errors="replace")
    m = re.match(r'(?:[^"\r\n]|"[^"]*")*(?:\r\n|\n|\r)?', chunk)
    return m.group() if m else chunk


def _arrow_columns(body: bytes | memoryview, dialect: Dialect, include=None, quoted: bool = True, dates=None) -> CsvColumns:
    """The records split by pyarrow's CSV reader (`quoted`: the text holds a `"`, so a cell
    may hold a line break; without one, the reader's faster split applies)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    header_text = _first_record(body, "utf-8")
    header = next(csv.reader([header_text.rstrip("\r\n")], delimiter=dialect.delimiter), [])
    width = len(header)
    names = [f"c{j}" for j in range(width)]
    wanted = list(range(width)) if include is None else sorted(set(include(header)) & set(range(width)))
    ragged: list[int] = []

    def invalid(row) -> str:
        ragged.append(row.actual_columns)
        return "skip"

    def read(source, columns: list[int], as_dates: set[int]):
        return pcsv.read_csv(
            source,
            read_options=pcsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 22),
            parse_options=pcsv.ParseOptions(
                delimiter=dialect.delimiter, newlines_in_values=quoted, ignore_empty_lines=False, invalid_row_handler=invalid
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={n: pa.date32() if j in as_dates else pa.string() for j, n in enumerate(names)},
                strings_can_be_null=False,
                null_values=[""],  # (for the date columns: "NA" is no empty cell)
                check_utf8=True,
                include_columns=[names[j] for j in columns],
            ),
        )

    as_dates = _iso_dates(body, read, set(dates(header)) & set(wanted)) if dates is not None else set()
    ragged.clear()  # (of the sample)
    try:
        table = read(pa.py_buffer(body), wanted, as_dates)
    except pa.ArrowInvalid:
        if not as_dates:
            raise
        table = None  # a cell past the sample that is no ISO date
    if as_dates and (table is None or not all(_after_year_zero(table.column(names[j])) for j in as_dates)):
        ragged.clear()  # all as text, as without `dates`
        table = read(pa.py_buffer(body), wanted, set())
    if ragged:
        raise _Ragged()
    got = {j: table.column(names[j]) for j in wanted}
    columns = [got.get(j) for j in range(width)]
    n = table.num_rows
    if n and _last_blank([c for c in columns if c is not None]):  # a final blank line is no record
        n -= 1
        columns = [None if c is None else c.slice(0, n) for c in columns]
    return CsvColumns(header, columns, n, dialect)


def _last_blank(columns) -> bool:
    return all(c[len(c) - 1].as_py() in ("", None) for c in columns) if columns else False


# Arrow's CSV reader takes a date32 cell in exactly the forms `values.parse_date` reads as the
# same day (YYYY-MM-DD, white space around it), but for year 0 (`_after_year_zero`), and refuses
# the file for any other cell; tests/test_read.py holds it to that.
_ISO_DATE = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$"
_FIRST_DAY = -719162  # 0001-01-01, in days since 1970-01-01


def _iso_dates(body, read, candidates: set[int]) -> set[int]:
    """Those of the `candidates` columns whose cells in the file's first megabyte are all ISO
    dates or empty: the reader converts them (a million dates in its threads, instead of as
    text and then one by one), on the chance that the rest are too; a file of other forms
    (2026/11/5, 2026年11月5日) is then not split twice."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not candidates:
        return set()
    sample = bytes(body[:SAMPLE])
    if len(body) > SAMPLE:
        sample = sample[: sample.rfind(b"\n") + 1]
    try:
        table = read(pa.py_buffer(sample), sorted(candidates), set())
    except pa.ArrowInvalid:  # a quoted cell cut by the sample's end, …: as text
        return set()
    return {j for j, column in zip(sorted(candidates), table.columns, strict=True) if pc.all(pc.match_substring_regex(column, _ISO_DATE)).as_py() is not False}


def _after_year_zero(column) -> bool:
    import pyarrow as pa
    import pyarrow.compute as pc

    first = pc.min(pc.cast(column, pa.int32())).as_py()
    return first is None or first >= _FIRST_DAY


def _python_columns(text: str, dialect: Dialect, name: str) -> CsvColumns:
    import pyarrow as pa

    rows = _parse(text, dialect.delimiter, name)
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise StorageError(_(EMPTY).format(file=name))
    header, body = rows[0], rows[1:]
    width = len(header)
    extras = {i: r[width:] for i, r in enumerate(body) if len(r) > width and any(c != "" for c in r[width:])}
    columns = [pa.array([r[j] if j < len(r) else "" for r in body], type=pa.string()) for j in range(width)]
    return CsvColumns(header, columns, len(body), dialect, extras)


# ------------------------------------------------------------------ the patch writer


def split_records(text: str) -> list[str]:
    """The records of CSV text, each with its own line ending (a quoted cell may span lines)."""
    lines = re.findall(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$", text)
    if '"' not in text:
        return lines
    records: list[str] = []
    open_record: list[str] = []
    quotes = 0
    for line in lines:
        open_record.append(line)
        quotes += line.count('"')
        if quotes % 2 == 0:
            records.append("".join(open_record))
            open_record, quotes = [], 0
    if open_record:
        records.append("".join(open_record))
    return records


def record_text(fields: list[str], dialect: Dialect, newline: str) -> str:
    """One record in the dialect (cells guarded as every CSV salesops writes)."""
    buf = io.StringIO()
    writer = csv.writer(
        buf,
        delimiter=dialect.delimiter,
        lineterminator=newline,
        quoting=csv.QUOTE_ALL if dialect.quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow([guard(c) if c else c for c in fields])
    return buf.getvalue()


def patch_csv(
    src: Path,
    dst: Path,
    dialect: Dialect,
    updates: dict[int, dict[int, str]],
    appends: list[list[str]],
    after: int | None = None,
) -> str | None:
    """Write `dst` = `src` with records changed and added, in `src`'s own dialect and encoding.

    `updates`: row number (header = 1) → {column index: cell text}; `appends`: new records,
    placed after row `after` (the last record holding data; default the end of the file).
    Every other record is copied as it is. When new text cannot be written in the
    file's encoding, the whole file becomes UTF-8 with BOM; the warning saying so is returned.

    The records are found in the bytes (`_patched_bytes`: a million records in a fraction of a
    second, without a string of the file); a file whose bytes cannot be cut so — another
    encoding than those where line breaks and quotes are single bytes, a line ending in a lone
    CR, new text the encoding cannot hold — is patched as text (`_patched_text`, the same result).
    """
    data = src.read_bytes()
    out = _patched_bytes(data, dialect, updates, appends, after)
    warning = None
    if out is None:
        out, warning = _patched_text(data, src.name, dialect, updates, appends, after)
    dst.write_bytes(out)
    return warning


def _patched_text(
    data: bytes, name: str, dialect: Dialect, updates: dict[int, dict[int, str]], appends: list[list[str]], after: int | None
) -> tuple[bytes, str | None]:
    body = data[len(dialect.bom) :].decode(dialect.encoding)
    records = split_records(body)
    for number, cells in updates.items():
        k = number - 1
        while k >= len(records):
            records.append(dialect.newline)
        records[k] = _patched_record(records[k], cells, dialect)
    if appends:
        at = len(records) if after is None else min(after, len(records))
        if at and not _ENDED.search(records[at - 1]):
            records[at - 1] += dialect.newline
        new = [record_text(row, dialect, dialect.newline) for row in appends]
        if at < len(records) and not _ENDED.search(records[-1]):
            records[-1] += dialect.newline
        records[at:at] = new
    text = "".join(records)
    try:
        return dialect.bom + text.encode(dialect.encoding), None
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        warning = _(
            "{file} was {encoding}, which cannot hold {text}: it is now UTF-8 with BOM (Excel and WPS open it as before)"
        ).format(file=name, encoding=dialect.encoding, text=repr(bad))
        return b"\xef\xbb\xbf" + text.encode("utf-8"), warning


_ENDED = re.compile(r"(\r\n|\n|\r)$")
# encodings in which a line break and a quote are single bytes no other character contains
_BYTE_CUT = frozenset({"utf-8", "gb18030", "gbk", "gb2312", "cp1252", "latin-1", "iso8859-1", "ascii", "big5", "shift_jis"})


def _patched_record(old: str, cells: dict[int, str], dialect: Dialect) -> str:
    """Record text `old` with cells `cells` (column index → text), its line ending kept."""
    ending = _ENDED.search(old)
    fields = _fields(old, dialect)
    for j, cell in cells.items():
        if j >= len(fields):
            fields.extend([""] * (j + 1 - len(fields)))
        fields[j] = cell
    return record_text(fields, dialect, ending.group() if ending else "")


def _patched_bytes(
    data: bytes, dialect: Dialect, updates: dict[int, dict[int, str]], appends: list[list[str]], after: int | None
) -> bytes | None:
    """`_patched_text`'s result, cutting the records in the bytes; None when they cannot be cut so."""
    import numpy as np

    try:
        encoding = codecs.lookup(dialect.encoding).name
    except LookupError:
        return None
    if encoding not in _BYTE_CUT or data.count(b"\r") != data.count(b"\r\n"):
        return None
    head = len(dialect.bom)
    body = memoryview(data)[head:]
    raw = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10) + 1  # after each line's LF
    if data.find(b'"', head) >= 0:  # a line break inside quotes ends no record
        quotes = np.flatnonzero(raw == 34)
        ends = ends[np.searchsorted(quotes, ends) % 2 == 0]
    bounds = [0, *ends.tolist()]
    if bounds[-1] < len(body):
        bounds.append(len(body))
    count = len(bounds) - 1
    if any(n - 1 >= count for n in updates):
        return None
    nl = dialect.newline.encode(dialect.encoding)
    new: dict[int, bytes] = {}

    def record(k: int) -> bytes:
        return new[k] if k in new else bytes(body[bounds[k] : bounds[k + 1]])

    try:
        for number, cells in updates.items():
            k = number - 1
            new[k] = _patched_record(record(k).decode(dialect.encoding), cells, dialect).encode(dialect.encoding)
        added = b""
        if appends:
            at = count if after is None else min(after, count)
            if at and not record(at - 1).endswith((b"\n", b"\r")):
                new[at - 1] = record(at - 1) + nl
            added = b"".join(record_text(row, dialect, dialect.newline).encode(dialect.encoding) for row in appends)
            if at < count and not record(count - 1).endswith((b"\n", b"\r")):
                new[count - 1] = record(count - 1) + nl
    except UnicodeEncodeError:  # text the file's encoding cannot hold: the text path converts it
        return None
    cuts = [(bounds[k], bounds[k + 1], text) for k, text in new.items()]
    if added:
        cuts.append((bounds[at], bounds[at], added))  # (before a record changed at the same place)
    cuts.sort(key=lambda c: c[:2])
    pieces, done = [bytes(data[:head])], 0
    for start, stop, text in cuts:
        pieces += [body[done:start], text]
        done = stop
    pieces.append(body[done:])
    return b"".join(pieces)


def _fields(record: str, dialect: Dialect) -> list[str]:
    if not record.strip("\r\n"):
        return []
    return next(csv.reader(io.StringIO(record, newline=""), delimiter=dialect.delimiter), [])
