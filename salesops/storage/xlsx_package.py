"""The package around a patched sheet: styles, tables, calcChain, content types.

`patch_package` runs a patch: it opens the zip, lets `xlsx_patch.SheetPatch` rewrite the
first sheet's changed rows, then updates only the parts that must follow — styles.xml when
a value needs a new cell format (`StyleBook`), the sheet's tables (`grow_table`: range
and column names equal to the header), the workbook's hidden filter name when the sheet's
autoFilter grew (`grow_filter_name`), calcChain when a formula was overwritten — and
writes the zip with every other member copied raw (`xlsx_zip.write_package`).
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from salesops.errors import StorageError
from salesops.i18n import _
from salesops.storage.xlsx_io import checked_text, col_letter, parse_range

BUILTIN_DATE_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
CODES = {
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "money": "#,##0.00",
    "pct": "0.00",
    "number": "General",
}
BUILTIN = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "@": 49}
MINIMAL_STYLES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    b'<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


BUILTIN_PERCENT = {9: "0%", 10: "0.00%"}


def _bare(code: str) -> str:
    """The first section of a number format code without quoted text, [..], escapes and fill/space marks."""
    return re.sub(r'"[^"]*"|\\.|\[[^\]]*\]|[_*].', "", code).split(";")[0]


def is_date_code(code: str) -> bool:
    """True when a number format code shows dates or times (quoted text, [..] and escapes ignored)."""
    return bool(re.search(r"[dmyhs]", _bare(code).replace("General", ""), re.I))


def is_percent_code(code: str) -> bool:
    """True when a number format code shows numbers ×100 with a % sign ('0%', '0.0%', '#,##0.00%').

    Only a bare % in the first section counts: '0.0"%"' and '0.0\\%' show the sign as
    text without scaling. A code that also shows a date is a date.
    """
    return "%" in _bare(code) and not is_date_code(code)


class StyleBook:
    """xl/styles.xml, with the cell formats (xf) a patch needs added at the end of cellXfs."""

    def __init__(self, xml: bytes | None) -> None:
        self.created = xml is None
        self.xml = xml = xml or MINIMAL_STYLES
        self.changed = False
        root = re.search(rb"<(\w+:)?styleSheet\b[^>]*>", xml)
        if not root:
            raise StorageError(
                _("the workbook's styles part is damaged; save the file again in Excel")
            )
        self.p, self.root_end = root.group(1) or b"", root.end()
        p = re.escape(self.p)
        self.fmts_m = re.search(
            rb"(<%snumFmts\b[^>]*?)(?:/>|>(.*?)</%snumFmts>)" % (p, p), xml, re.S
        )
        self.codes: dict[int, str] = {}
        for m in re.finditer(rb"<%snumFmt\b([^>]*)>" % p, xml):
            fid, code = (
                re.search(rb'numFmtId="(\d+)"', m.group(1)),
                re.search(rb'formatCode="([^"]*)"', m.group(1)),
            )
            if fid and code:
                self.codes[int(fid.group(1))] = html.unescape(
                    code.group(1).decode("utf-8", "replace")
                )
        self.xfs_m = re.search(rb"(<%scellXfs\b[^>]*>)(.*?)(</%scellXfs>)" % (p, p), xml, re.S)
        if not self.xfs_m:
            raise StorageError(
                _("the workbook's styles part has no cell formats; save the file again in Excel")
            )
        self.xfs = re.findall(
            rb"<%sxf\b[^>]*?(?:/>|>.*?</%sxf>)" % (p, p), self.xfs_m.group(2), re.S
        )
        self.new_codes: list[tuple[int, str]] = []
        self.cache: dict[tuple[bytes | None, str], bytes | None] = {}
        self.derived: dict[tuple[int, int], bytes] = {}

    def fmt_id(self, s: bytes | None) -> int:
        """The number format id of cell style `s` (None: the default style 0)."""
        i = int(s) if s else 0
        xf = self.xfs[i] if i < len(self.xfs) else self.xfs[0] if self.xfs else b""
        m = re.search(rb'\bnumFmtId="(\d+)"', xf)
        return int(m.group(1)) if m else 0

    def is_date(self, fid: int) -> bool:
        """True when number format `fid` shows a date or time."""
        return fid in BUILTIN_DATE_IDS or (fid in self.codes and is_date_code(self.codes[fid]))

    def is_percent(self, fid: int) -> bool:
        """True when number format `fid` shows a percentage (the cell holds 0.3 for 30 %)."""
        code = self.codes.get(fid, BUILTIN_PERCENT.get(fid))
        return code is not None and is_percent_code(code)

    def shows_percent(self, s: bytes | None) -> bool:
        """True when cell style `s` shows its number as a percentage."""
        return self.is_percent(self.fmt_id(s))

    def percent_styles(self) -> set[bytes]:
        """The cell styles (`s` attribute values, e.g. b"3") whose number format is a percentage."""
        out = set()
        for i, xf in enumerate(self.xfs):
            m = re.search(rb'\bnumFmtId="(\d+)"', xf)
            if m and self.is_percent(int(m.group(1))):
                out.add(b"%d" % i)
        return out

    def ensure(self, s: bytes | None, need: str) -> bytes | None:
        """A style for a value needing `need` ('date', 'datetime', 'money', 'pct', 'number').

        Keeps `s` when its number format suits; otherwise a copy of `s` (font, fill, border
        kept) with the needed format, added to cellXfs once.
        """
        key = (s, need)
        if key in self.cache:
            return self.cache[key]
        fid = self.fmt_id(s)
        if need in ("date", "datetime"):
            ok = self.is_date(fid)
        elif need == "money":
            ok = fid != 0 and fid != 49 and self.codes.get(fid) != "@" and not self.is_date(fid)
        else:
            ok = not self.is_date(fid)
        self.cache[key] = out = s if ok else self._derive(s, self._code_id(CODES[need]))
        return out

    def _code_id(self, code: str) -> int:
        if code in BUILTIN:
            return BUILTIN[code]
        for fid, c in self.codes.items():
            if c == code:
                return fid
        fid = max([163, *self.codes]) + 1
        self.codes[fid] = code
        self.new_codes.append((fid, code))
        return fid

    def _derive(self, s: bytes | None, fid: int) -> bytes:
        base = int(s) if s and int(s) < len(self.xfs) else 0
        if (base, fid) in self.derived:
            return self.derived[base, fid]
        xf = self.xfs[base]
        for name, value in ((b"numFmtId", b"%d" % fid), (b"applyNumberFormat", b"1")):
            pat = re.compile(rb'\b%s="[^"]*"' % name)
            if pat.search(xf):
                xf = pat.sub(b'%s="%s"' % (name, value), xf, count=1)
            else:
                xf = xf.replace(b"<%sxf" % self.p, b'<%sxf %s="%s"' % (self.p, name, value), 1)
        if xf not in self.xfs:
            self.xfs.append(xf)
            self.changed = True
        self.derived[base, fid] = out = b"%d" % self.xfs.index(xf)
        return out

    def to_bytes(self) -> bytes:
        """styles.xml with the added formats and cell styles."""
        p, x, edits = self.p, self.xfs_m, []
        head = re.sub(rb'\s+count="\d+"', b"", x.group(1))[:-1] + b' count="%d">' % len(self.xfs)
        edits.append((x.start(), x.end(), head + b"".join(self.xfs) + x.group(3)))
        if self.new_codes:
            new = b"".join(
                b'<%snumFmt numFmtId="%d" formatCode="%s"/>' % (p, fid, html.escape(code).encode())
                for fid, code in self.new_codes
            )
            count = len(self.codes)
            f = self.fmts_m
            if f:
                tag = re.sub(rb'\s+count="\d+"', b"", f.group(1)) + b' count="%d">' % count
                edits.append(
                    (f.start(), f.end(), tag + (f.group(2) or b"") + new + b"</%snumFmts>" % p)
                )
            else:
                edits.append(
                    (
                        self.root_end,
                        self.root_end,
                        b'<%snumFmts count="%d">%s</%snumFmts>' % (p, count, new, p),
                    )
                )
        out = self.xml
        for start, end, new in sorted(edits, reverse=True):
            out = out[:start] + new + out[end:]
        return out


# --- tables, content types, relationships ---------------------------------------------------


def grow_tables(zd, sheet_part: str, patch) -> dict[str, bytes]:
    """New versions of the sheet's table parts whose range or header names the patch changed."""
    from salesops.storage.xlsx_read import rels_of

    out = {}
    for kind, target in rels_of(zd, sheet_part).values():
        if kind == "table" and target in zd.by_name:
            xml = zd.read(target)
            new = grow_table(xml, patch)
            if new != xml:
                out[target] = new
    return out


def grow_table(xml: bytes, patch) -> bytes:
    """One table part with its ref/autoFilter grown and tableColumns matching the header."""
    m = re.search(rb"<(\w+:)?table\b([^>]*)>", xml)
    ref = m and re.search(rb'\bref="([^"]*)"', m.group(2))
    if not ref:
        return xml
    p = m.group(1) or b""
    old = ref.group(1).decode()
    if re.search(rb'\btotalsRowCount="[1-9]', m.group(2)):
        return xml  # a totals row sits below the data: leave the table as the user laid it out
    new = patch.grow(old, columns=True)
    r0, c0, _r1, c1 = parse_range(old)
    *_corner, nc1 = parse_range(new)
    texts = (
        patch.header_texts
        if r0 == 1 and not re.search(rb'\bheaderRowCount="0"', m.group(2))
        else {}
    )
    out = xml.replace(b'ref="%s"' % old.encode(), b'ref="%s"' % new.encode())
    cm = re.search(rb"(<%stableColumns\b[^>]*>)(.*?)(</%stableColumns>)" % (p, p), out, re.S)
    if not cm or not (texts or nc1 != c1):
        return out
    cols = re.findall(
        rb"<%stableColumn\b[^>]*?(?:/>|>.*?</%stableColumn>)" % (p, p), cm.group(2), re.S
    )
    next_id = max([0, *(int(i) for i in re.findall(rb'\bid="(\d+)"', cm.group(2)))]) + 1
    for k, col in enumerate(range(c0, nc1 + 1)):
        if col not in texts and k < len(cols):
            continue
        name = html.escape(
            checked_text(str(texts.get(col, f"Column{k + 1}")), _("table column")).replace(
                "\n", "_x000a_"
            )
        )
        if k < len(cols):
            cols[k] = re.sub(
                rb'\bname="[^"]*"', lambda _m, n=name: b'name="%s"' % n.encode(), cols[k], count=1
            )
        else:
            cols.append(b'<%stableColumn id="%d" name="%s"/>' % (p, next_id, name.encode()))
            next_id += 1
    head = re.sub(rb'\s+count="\d+"', b"", cm.group(1))[:-1] + b' count="%d">' % len(cols)
    return out[: cm.start()] + head + b"".join(cols) + cm.group(3) + out[cm.end() :]


def grow_filter_name(workbook_xml: bytes, sheet_index: int, ref: str) -> bytes:
    """workbook.xml with the hidden `_xlnm._FilterDatabase` name of sheet `sheet_index` set to `ref`.

    Excel keeps that name equal to the sheet's autoFilter range (e.g. `'leads'!$A$1:$S$500`)
    and filters by it; a name left at the old range would leave appended rows out. The
    bytes are returned unchanged when the sheet has no such name.
    """
    m = re.search(rb"<(\w+:)?workbook\b", workbook_xml)
    p = re.escape(m.group(1) or b"") if m else b""
    pattern = re.compile(rb"(<%sdefinedName\b([^>]*)>)([^<]*)(</%sdefinedName>)" % (p, p))
    for d in pattern.finditer(workbook_xml):
        attrs = d.group(2)
        name = re.search(rb"""\bname\s*=\s*(["'])(.*?)\1""", attrs)
        local = re.search(rb"""\blocalSheetId\s*=\s*(["'])\s*(\d+)\s*\1""", attrs)
        if not (name and local and name.group(2) == b"_xlnm._FilterDatabase"):
            continue
        if int(local.group(2)) != sheet_index:
            continue
        value = d.group(3)
        bang = value.rfind(b"!")
        if bang < 0:
            return workbook_xml
        r0, c0, r1, c1 = parse_range(ref)
        a, b = f"${col_letter(c0)}${r0}", f"${col_letter(c1)}${r1}"
        new = value[: bang + 1] + (a if a == b else f"{a}:{b}").encode()
        if new == value:
            return workbook_xml
        return workbook_xml[: d.start(3)] + new + workbook_xml[d.end(3) :]
    return workbook_xml


def style_parts(
    zd, parts, styles: StyleBook, replaced: dict, removed: set
) -> list[tuple[str, bytes]]:
    """Put the styles part in `replaced` (or a new one in the returned list), and unlink removed parts."""
    added: list[tuple[str, bytes]] = []
    folder, base = posixpath.split(parts.workbook)
    rels_part = posixpath.join(folder, "_rels", base + ".rels")
    ct = zd.read("[Content_Types].xml")
    rels = zd.read(rels_part) if rels_part in zd.by_name else None
    ct0, rels0 = ct, rels
    if styles.changed and not styles.created:
        replaced[parts.styles] = styles.to_bytes()
    elif styles.changed:
        name = posixpath.join(folder, "styles.xml")
        if name in zd.by_name or rels is None:
            raise StorageError(
                _("{file}: its styles part is missing; save the file again in Excel").format(file=zd.label)
            )
        added.append((name, styles.to_bytes()))
        kind = b"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
        ct = ct.replace(
            b"</Types>",
            b'<Override PartName="/%s" ContentType="%s"/></Types>' % (name.encode(), kind),
        )
        rtype = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
        rels = rels.replace(
            b"</Relationships>",
            b'<Relationship Id="rIdSalesopsStyles" Type="%s" Target="styles.xml"/></Relationships>'
            % rtype,
        )
    for part in removed:
        ct = re.sub(rb'<Override\b[^>]*PartName="/%s"[^>]*/>' % re.escape(part.encode()), b"", ct)
        if rels is not None:
            target = re.escape(posixpath.basename(part).encode())
            rels = re.sub(rb'<Relationship\b[^>]*Target="[^"]*\b%s"[^>]*/>' % target, b"", rels)
    if ct != ct0:
        replaced["[Content_Types].xml"] = ct
    if rels is not None and rels != rels0:
        replaced[rels_part] = rels
    return added


def patch_package(
    fh: BinaryIO,
    label: str,
    dst: Path,
    updates,
    appends,
    kinds,
    check: bool = True,
    sheet: str | None = None,
    *,
    patcher: Callable[..., Any],
) -> None:
    """`patch_xlsx` on an open source file (write_new_xlsx feeds it an in-memory skeleton).
    `patcher` is `xlsx_patch.SheetPatch`, handed in by its callers (xlsx_patch imports this module)."""
    from salesops.storage.xlsx_read import book_parts, check_zip, open_zip
    from salesops.storage.xlsx_zip import write_package

    zd = open_zip(fh, label)
    if check:
        check_zip(zd)
    parts = book_parts(zd)
    index = next((k for k, (name, _) in enumerate(parts.sheets) if name == sheet), 0 if sheet is None else -1)
    if index < 0 or not parts.sheets or parts.sheets[index][1] not in zd.by_name:
        if sheet is None:
            raise StorageError(_("{file} has no readable first sheet").format(file=label))
        raise StorageError(_("{file} has no readable sheet {sheet}").format(file=label, sheet=repr(sheet)))
    sheet_part = parts.sheets[index][1]
    styles = StyleBook(zd.read(parts.styles) if parts.styles in zd.by_name else None)
    patch = patcher(zd.read(sheet_part), kinds, styles, parts.date1904, label)
    replaced: dict[str, Any] = {sheet_part: patch.apply(updates, appends)}
    replaced.update(grow_tables(zd, sheet_part, patch))
    if patch.filter_grown is not None:  # the hidden name Excel filters by follows the autoFilter
        book = zd.read(parts.workbook)
        grown = grow_filter_name(book, index, patch.filter_grown)
        if grown != book:
            replaced[parts.workbook] = grown
    removed: set[str] = set()
    if patch.formula_dropped and parts.calc_chain in zd.by_name:
        removed.add(parts.calc_chain)  # Excel rebuilds it; a stale one makes it repair the file
    added = style_parts(zd, parts, styles, replaced, removed)
    write_package(zd, dst, replaced, removed, added)
