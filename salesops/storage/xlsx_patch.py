"""patch_xlsx: rewrite only the changed rows of a register's sheet, copy everything else.

The sheet XML is edited as bytes: rows are found with `find` (a full regex scan only when
the file's rows do not start with `r="N"`), each changed row is re-serialised from its
cells, and the output is a list of slices of the original plus the new rows, deflated in
one pass (`xlsx_zip.deflate`). The rest of the package is `xlsx_package`'s job.
"""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salesops.errors import StorageError
from salesops.i18n import _, ngettext
from salesops.storage.xlsx_io import (
    CellEncoder,
    ColumnKind,
    col_index,
    col_letter,
    parse_range,
    range_ref,
)
from salesops.storage.xlsx_percent import is_number, per_hundred

_ATTR = {
    name: re.compile(rb"(?:^|\s)" + name + rb"""\s*=\s*(["'])(.*?)\1""", re.S)
    for name in (b"r", b"s", b"t", b"ref", b"si", b"spans")
}
_SPANS = re.compile(rb"""\s+spans\s*=\s*(["']).*?\1""")
MAX_ROWS, MAX_COLS = 1_048_576, 16_384  # an Excel sheet ends at row 1,048,576 and column XFD
_REF_LETTERS = re.compile(rb"[A-Za-z]+")
# What a sheet laid out in a way this module does not follow raises deep inside it.
_UNKNOWN_SHAPE = (ValueError, IndexError, KeyError, AttributeError, TypeError)


def attr(tag: bytes, name: bytes) -> bytes | None:
    """The value of attribute `name` in the bytes of a start tag (None when absent)."""
    m = _ATTR[name].search(tag)
    return m.group(2) if m else None


@dataclass
class Row:
    """One <row> of the sheet being rewritten: where it is and its cells [col, raw bytes, s]."""

    num: int
    start: int
    end: int
    open_tag: bytes  # b"" for a row that does not exist yet
    cells: list[list] = field(default_factory=list)
    changed: bool = False


class SheetPatch:
    """Edits to one worksheet's XML; `apply` returns the new XML as a list of byte chunks."""

    def __init__(
        self, xml: bytes, kinds: list[ColumnKind], styles, date1904: bool, label: str
    ) -> None:
        self.xml, self.label = xml, label
        m = re.search(rb"<(\w+:)?sheetData\b[^>]*?(/?)>", xml)
        if not m:
            raise StorageError(
                _("{file}: its first sheet has no cell data part; save it again in Excel").format(file=label)
            )
        p = self.p = m.group(1) or b""
        self.enc = CellEncoder(kinds, styles, date1904, label, p.decode())
        self.styles = styles
        self.pct_cols = frozenset(j for j, k in enumerate(kinds) if k.type == "pct")
        self._percent_shown: dict[bytes | None, bool] = {}
        self.sd_tag = m
        self.sd_start = m.end()
        self.sd_end = m.end() if m.group(2) else xml.find(b"</" + p + b"sheetData>", m.end())
        self.row_open = re.compile(rb"<" + re.escape(p) + rb"row\b([^>]*?)(/?)>")
        self.cell_re = re.compile(
            rb"<" + re.escape(p) + rb"c\b([^>]*?)(?:/>|>(.*?)</" + re.escape(p) + rb"c>)", re.S
        )
        self.index: tuple[list[int], list[int]] | None = None
        self.formula_dropped = False
        self.masters: list[tuple[Row, bytes]] = []  # shared-formula masters overwritten
        self.filter_grown: str | None = None  # the sheet's autoFilter range, when the patch grew it

    # --- locating rows --------------------------------------------------------------------

    def _row_at(self, start: int) -> Row:
        m = self.row_open.match(self.xml, start)
        r = attr(m.group(1), b"r")
        num = int(r) if r else self._num_from_index(start)
        end = (
            m.end()
            if m.group(2)
            else self.xml.find(b"</" + self.p + b"row>", m.end()) + len(self.p) + 6
        )
        row = Row(num, start, end, m.group(0))
        body = self.xml[m.end() : end] if not m.group(2) else b""
        prev = -1
        for c in self.cell_re.finditer(body):
            raw, ref = c.group(0), attr(c.group(1), b"r")
            if ref:
                col = col_index(_REF_LETTERS.match(ref).group().decode())
            else:
                col = prev + 1
                raw = b'<%sc r="%s%d"%s' % (
                    self.p,
                    col_letter(col).encode(),
                    num,
                    raw[len(self.p) + 2 :],
                )
            row.cells.append([col, raw, attr(c.group(1), b"s")])
            prev = col
        return row

    def _build_index(self) -> tuple[list[int], list[int]]:
        if self.index is None:
            nums, starts, prev = [], [], 0
            for m in self.row_open.finditer(self.xml, self.sd_start, self.sd_end):
                r = attr(m.group(1), b"r")
                prev = int(r) if r else prev + 1
                nums.append(prev)
                starts.append(m.start())
            self.index = (nums, starts)
        return self.index

    def _num_from_index(self, start: int) -> int:
        nums, starts = self._build_index()
        return nums[bisect.bisect_left(starts, start)]

    def _find(self, num: int, lo: int) -> Row:
        """Row `num` (searching from `lo`), or an empty Row placed where it must be inserted."""
        i = self.xml.find(b'<%srow r="%d"' % (self.p, num), lo, self.sd_end)
        if i >= 0:
            return self._row_at(i)
        nums, starts = self._build_index()
        k = bisect.bisect_left(nums, num)
        if k < len(nums) and nums[k] == num:
            return self._row_at(starts[k])
        pos = starts[k] if k < len(nums) else self.sd_end
        return Row(num, pos, pos, b"")

    def _last_value_row(self) -> tuple[Row | None, list[Row]]:
        """The last row holding a value, and the rows after it (formatted but empty)."""
        end, trailing = self.sd_end, []
        marks = [b"<%s%s" % (self.p, t) for t in (b"v>", b"v ", b"is>", b"is ")]
        while True:
            i = self.xml.rfind(b"<" + self.p + b"row", self.sd_start, end)
            if i < 0:
                return None, trailing
            row = self._row_at(i)
            if any(mark in self.xml[i : row.end] for mark in marks):
                return row, trailing
            trailing.append(row)
            end = i

    # --- applying values ------------------------------------------------------------------

    def apply(self, updates: dict[int, dict[int, Any]], appends: list[list]) -> list:
        """The new sheet XML as chunks; also sets the ranges to grow (`grow`)."""
        last_row, trailing = self._last_value_row()
        last = last_row.num if last_row else 0
        self._check_limits(updates, appends, max([last, *updates]) + 1)
        targets: dict[int, tuple[dict[int, Any], bool]] = {
            r: (dict(c), False) for r, c in updates.items()
        }
        first_new = max([last, *updates]) + 1
        after = {r.num: r for r in trailing}
        template = self._template(last_row if last >= 2 else None)
        block: list[str] = []
        if any(
            r >= first_new for r in after
        ):  # formatted empty rows where the new ones go: fill them
            for k, values in enumerate(appends):
                targets[first_new + k] = (
                    {j: v for j, v in enumerate(values) if v is not None},
                    True,
                )
        else:  # the usual case: new rows after everything, encoded in one go
            block = [self.enc.rows(first_new, [self._as_shown(values, template) for values in appends], template)]
        rows: dict[int, Row] = {}
        lo = self.sd_start
        for num in sorted(targets):
            if num < 1:
                raise StorageError(_("{file}: there is no row {row}").format(file=self.label, row=num))
            if num > last:
                row = after.get(num)
                if row is None:
                    pos = min((r.start for r in trailing if r.num > num), default=self.sd_end)
                    row = Row(num, pos, pos, b"")
            else:
                row = self._find(num, lo)
                lo = row.start
            rows[num] = row
            values, appended = targets[num]
            self._set_cells(row, values, appended, template)
        self.header_cells = {c[0]: c for c in rows[1].cells} if 1 in rows else None
        self.header_texts = {j: v for j, v in updates.get(1, {}).items() if isinstance(v, str)}
        if self.masters:
            self._promote_shared(rows)
        self._extents(rows, last, first_new, appends if block else [])
        return self._assemble(rows, "".join(block).encode())

    def _check_limits(self, updates: dict[int, dict[int, Any]], appends: list[list], first_new: int) -> None:
        """Refuse a write past Excel's last row or column: Excel and openpyxl could not open the
        file, and LibreOffice would drop what lies beyond (StorageError; nothing is written)."""
        end = first_new + len(appends) - 1
        if appends and end > MAX_ROWS:
            raise StorageError(
                ngettext(
                    "{file}: {n} new row after row {last:,} would pass row {max:,}, the last row "
                    "of a spreadsheet; remove what lies below the records (or move old records to "
                    "another file)",
                    "{file}: {n} new rows after row {last:,} would pass row {max:,}, the last row "
                    "of a spreadsheet; remove what lies below the records (or move old records to "
                    "another file)",
                    len(appends),
                ).format(file=self.label, n=len(appends), last=first_new - 1, max=MAX_ROWS)
            )
        widest = max(
            [*(c + 1 for cells in updates.values() for c in cells), *(len(v) for v in appends)],
            default=0,
        )
        if widest > MAX_COLS:
            raise StorageError(
                _(
                    "{file}: a new column would pass column XFD ({max:,}), the last column of a "
                    "spreadsheet; remove unused columns at the right"
                ).format(file=self.label, max=MAX_COLS)
            )

    def _template(self, last: Row | None) -> dict[int, bytes | None]:
        """Styles new cells take: the last data row's, else the column's <col style>."""
        out: dict[int, bytes | None] = {}
        head = self.xml[: self.sd_tag.start()]
        for m in re.finditer(rb"<" + re.escape(self.p) + rb"col\b([^>]*)>", head):
            mn, mx, st = (
                re.search(rb'\b%s="(\d+)"' % n, m.group(1)) for n in (b"min", b"max", b"style")
            )
            if mn and mx and st and st.group(1) != b"0":
                for c in range(int(mn.group(1)) - 1, min(int(mx.group(1)), 16384)):
                    out[c] = st.group(1)
        if last is not None:
            for col, _raw, s in last.cells:
                if s:
                    out[col] = s
        return out

    # --- percent-formatted pct cells (see xlsx_percent) --------------------------------------

    def _shows_percent(self, s: bytes | None) -> bool:
        """True when a pct value written into a cell of style `s` lands in a percent format
        (the style kept, or the one `ensure` picks instead): it is then stored ÷ 100."""
        shown = self._percent_shown.get(s)
        if shown is None:
            shown = self._percent_shown[s] = self.styles.shows_percent(self.styles.ensure(s, "pct"))
        return shown

    def _as_shown(self, values: list, template: dict[int, bytes | None]) -> list:
        """A new row's values with its pct numbers ÷ 100 where the new cell shows a percentage."""
        out = values
        for j in self.pct_cols:
            if j < len(values) and is_number(values[j]) and self._shows_percent(template.get(j)):
                if out is values:
                    out = list(values)
                out[j] = per_hundred(values[j])
        return out

    def _set_cells(self, row: Row, values: dict[int, Any], appended: bool, template: dict) -> None:
        by_col = {c[0]: c for c in row.cells}
        header_s = row.cells[-1][2] if row.num == 1 and row.cells else None
        for col, value in sorted(values.items()):
            old = by_col.get(col)
            fm = re.search(rb"<%sf\b([^>]*)>" % self.p, old[1]) if old is not None else None
            if fm:
                self.formula_dropped = True
                if attr(fm.group(1), b"t") == b"shared" and attr(fm.group(1), b"ref"):
                    self.masters.append((row, old[1]))
            if value is None or value == "" or (type(value) is float and value != value):
                if appended:
                    continue
                if old is not None:
                    ref = f"{self.enc.letter(col)}{row.num}".encode()
                    old[1] = b'<%sc r="%s" s="%s"/>' % (self.p, ref, old[2]) if old[2] else b""
                    row.changed = True
                continue
            s = old[2] if old is not None else (header_s if row.num == 1 else template.get(col))
            if col in self.pct_cols and is_number(value) and self._shows_percent(s):
                value = per_hundred(value)
            text, s = self.enc.cell(row.num, col, value, s)
            raw = text.encode()
            if old is None:
                old = [col, raw, s]
                row.cells.append(old)
                by_col[col] = old
            old[1], old[2] = raw, s
            row.changed = True
        row.cells = sorted((c for c in row.cells if c[1]), key=lambda c: c[0])

    def _promote_shared(self, rows: dict[int, Row]) -> None:
        """Make the next cell of each overwritten shared formula its new master (or Excel repairs the file)."""
        from openpyxl.formula.translate import Translator

        for master_row, raw in self.masters:
            f = re.search(rb"<%sf\b([^>]*)>(.*?)</%sf>" % (self.p, self.p), raw, re.S)
            if not f:
                continue
            si, ref = attr(f.group(1), b"si"), attr(f.group(1), b"ref").decode()
            r0, c0, r1, c1 = parse_range(ref)
            origin = attr(raw[: raw.find(b">")], b"r").decode()
            pos = master_row.start
            pat = re.compile(rb'<%sf\b[^>]*\bsi="%s"[^>]*?/>' % (self.p, si))
            while True:
                m = pat.search(self.xml, pos, self.sd_end)
                if not m:
                    break
                pos = m.end()
                cstart = self.xml.rfind(b"<%sc " % self.p, 0, m.start())
                cref = attr(self.xml[cstart : self.xml.find(b">", cstart)], b"r").decode()
                rr, cc = int(re.sub(r"\D", "", cref)), col_index(re.sub(r"\d", "", cref))
                if rr > r1:
                    break
                if not c0 <= cc <= c1:
                    continue
                row = rows.get(rr) or self._row_at(self.xml.rfind(b"<%srow" % self.p, 0, cstart))
                cell = next((c for c in row.cells if c[0] == cc), None)
                if cell is None or not pat.search(cell[1]):
                    continue  # overwritten in this same patch
                text = Translator(
                    "=" + html.unescape(f.group(2).decode()), origin
                ).translate_formula(cref)[1:]
                head = b'<%sf t="shared" ref="%s" si="%s">' % (
                    self.p,
                    range_ref(rr, cc, r1, c1).encode(),
                    si,
                )
                new_f = head + html.escape(text, quote=False).encode() + b"</%sf>" % self.p
                cell[1] = pat.sub(lambda _m, v=new_f: v, cell[1], count=1)
                row.changed = True
                rows[rr] = row
                break

    # --- ranges and output ----------------------------------------------------------------

    def _extents(self, rows: dict[int, Row], last: int, first_new: int, block: list[list]) -> None:
        filled = [r.num for r in rows.values() if r.cells]
        widths = [
            len(v) - next((i for i, c in enumerate(reversed(v)) if c is not None), len(v))
            for v in block
        ]
        filled += [first_new + k for k, w in enumerate(widths) if w]
        self.old_last, self.new_last = last, max([last, *filled])
        cols = [c[0] for r in rows.values() for c in r.cells]
        self.max_col = max([*cols, *(w - 1 for w in widths)], default=0)
        self.min_col = min([*cols, *(0 for w in widths if w)], default=1 << 20)
        self.min_row = min(filled, default=1 << 30)
        heads = self.header_cells
        self.old_head_last = -1
        if heads is not None:
            old = self._row_at(rows[1].start).cells if rows[1].open_tag else []
            self.old_head_last = max((c[0] for c in old), default=-1)
        self.new_head_last = max(heads) if heads else self.old_head_last

    def grow(self, ref: str, columns: bool = False) -> str:
        """A range grown to cover appended rows (and new header columns) when it covered the data."""
        try:
            r0, c0, r1, c1 = parse_range(ref)
        except ValueError:
            return ref
        if r0 <= self.old_last + 1 and self.old_last <= r1 < self.new_last:
            r1 = self.new_last
        if columns and r0 == 1 and c1 == self.old_head_last < self.new_head_last:
            c1 = self.new_head_last
        return range_ref(r0, c0, r1, c1)

    def _grow_list(self, m: re.Match) -> bytes:
        refs = m.group(2).decode().split()
        return m.group(1) + " ".join(self.grow(r) for r in refs).encode() + m.group(3)

    def _assemble(self, rows: dict[int, Row], block: bytes) -> list:
        xml, p, edits = self.xml, self.p, []
        if block:
            edits.append((self.sd_end, self.sd_end, 1 << 61, block))
        for row in rows.values():
            if not row.changed and row.open_tag:
                continue
            if not row.cells and not row.open_tag:
                continue
            tag = row.open_tag or b'<%srow r="%d">' % (p, row.num)
            tag = _SPANS.sub(b"", tag)
            if tag.endswith(b"/>"):
                tag = tag[:-2].rstrip() + b">"
            new = tag + b"".join(c[1] for c in row.cells) + b"</%srow>" % p
            edits.append((row.start, row.end, row.num, new))
        head_end = self.sd_tag.start()
        dim = re.search(rb"(<%sdimension\b[^>]*?\bref=\")([^\"]*)(\")" % p, xml[:head_end])
        if dim:
            try:
                r0, c0, r1, c1 = parse_range(dim.group(2).decode())
                new = range_ref(
                    min(r0, self.min_row),
                    min(c0, self.min_col),
                    max(r1, self.new_last),
                    max(c1, self.max_col),
                )
                edits.append((dim.start(2), dim.end(2), 0, new.encode()))
            except ValueError:
                pass
        if self.sd_end == self.sd_start and self.sd_tag.group(2):  # <sheetData/>
            edits.append((self.sd_tag.start(), self.sd_tag.end(), 0, b"<%ssheetData>" % p))
            edits.append((self.sd_end, self.sd_end, 1 << 62, b"</%ssheetData>" % p))
        tail = self.sd_end
        af = re.compile(rb"(<%sautoFilter\b[^>]*?\bref=\")([^\"]*)(\")" % p)
        for m in af.finditer(xml, tail):
            old = m.group(2).decode()
            new = self.grow(old, columns=True)
            edits.append((m.start(2), m.end(2), 0, new.encode()))
            if new != old and self.filter_grown is None:
                self.filter_grown = new
        for m in re.compile(rb"(\bsqref=\")([^\"]*)(\")").finditer(xml, tail):
            edits.append((m.start(), m.end(), 0, self._grow_list(m)))
        for m in re.compile(rb"(<xm:sqref>)([^<]*)(</xm:sqref>)").finditer(xml, tail):
            edits.append((m.start(), m.end(), 0, self._grow_list(m)))
        edits.sort(key=lambda e: (e[0], e[2]))
        out, pos = [], 0
        view = memoryview(xml)
        for start, end, _order, new in edits:
            out.append(view[pos:start])
            out.append(new)
            pos = end
        out.append(view[pos:])
        return out


def patch_xlsx(
    src: Path,
    dst: Path,
    updates: dict[int, dict[int, object]],
    appends: list[list],
    kinds: list[ColumnKind],
    sheet: str | None = None,
) -> None:
    """See `xlsx.patch_xlsx`."""
    src, dst = Path(src), Path(dst)
    if src.resolve() == dst.resolve():
        raise ValueError("patch_xlsx writes a new file: dst must differ from src")
    from salesops.storage.xlsx_package import patch_package

    try:
        with open(src, "rb") as fh:
            patch_package(fh, src.name, dst, updates, appends, kinds, check=True, sheet=sheet, patcher=SheetPatch)
    except OSError as exc:
        raise StorageError(
            _("{file} could not be rewritten ({reason})").format(file=src.name, reason=exc.strerror or exc)
        ) from None
    except _UNKNOWN_SHAPE as exc:
        raise StorageError(
            _("{file} has a layout salesops cannot patch ({reason}); save it again in Excel and retry").format(
                file=src.name, reason=exc
            )
        ) from exc
