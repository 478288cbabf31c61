"""Makes the hostile files of this corpus (see README.md).

Small files are committed (`python tests/corpus/hostile/make.py` rewrites
them); big ones — a zip bomb, members that lie about their size, over-long
text, a header full to column XFD — are only made here, by the test, each
time it runs. Links (a register linked to a system file, a hard-linked
register, history.csv linked outside) cannot be committed: the test makes
them from `LINKED`.

Where the producer matters, the file is what LibreOffice saved: a source
workbook is built here and re-saved with `soffice --headless --convert-to
xlsx`; `python tests/corpus/hostile/make.py --libreoffice` rewrites those
(it needs LibreOffice; the suite only reads the committed results, in this
corpus and in `tests/corpus/libreoffice/`).
"""

from __future__ import annotations

import io
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIBREOFFICE_FIXTURES = HERE.parent / "libreoffice"
LAST_ROW, LAST_COLUMN = 1_048_576, 16_384  # Excel's (and LibreOffice's) last row and column XFD
RECEIVABLES = ["receivable_id", "account_id", "amount", "status", "notes"]
ROWS = [
    ["R-000001", "A-000001", "1000.00", "scheduled", ""],
    ["R-000002", "A-000001", "2000.00", "scheduled", ""],
]

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)
ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="receivables" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET = "xl/worksheets/sheet1.xml"


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_xml(rows: list[list[str]], prolog: str = "", extra: str = "", merge: str = "") -> bytes:
    body = "".join(
        f'<row r="{r}">'
        + "".join(_cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row) if v)
        + "</row>"
        for r, row in enumerate(rows, 1)
    )
    merged = f'<mergeCells count="1"><mergeCell ref="{merge}"/></mergeCells>' if merge else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + prolog
        + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + f"<sheetData>{body}{extra}</sheetData>{merged}</worksheet>"
    ).encode("utf-8")


def xlsx(sheet: bytes, parts: dict[str, bytes] | None = None, skip: tuple[str, ...] = ()) -> bytes:
    """A minimal, valid xlsx package around `sheet` (the first worksheet's XML)."""
    members = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        SHEET: sheet,
        **(parts or {}),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            if name not in skip:
                info = zipfile.ZipInfo(name, date_time=(2026, 11, 27, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, data)
    return buf.getvalue()


def good_register() -> bytes:
    return xlsx(sheet_xml([RECEIVABLES, *ROWS]))


# ---------------------------------------------------------------- committed (small) files


def truncated() -> bytes:
    data = good_register()
    return data[: len(data) // 2]


def random_bytes() -> bytes:
    return random.Random(5).randbytes(2048)


def old_xls() -> bytes:
    """The header of a Compound File (old .xls, or any password-protected Office file)."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def xml_entities() -> bytes:
    """The 'billion laughs': nested entities that expand to gigabytes when parsed."""
    lol = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    prolog = f"<!DOCTYPE worksheet [{lol}]>"
    rows = [RECEIVABLES, ["R-000001", "A-000001", "1000", "scheduled", "&lol9;"]]
    return xlsx(sheet_xml(rows, prolog=prolog))


def external_entity() -> bytes:
    """XXE: an entity that would pull a local file into the workbook's shared strings."""
    strings = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        b"<si><t>&xxe;</t></si></sst>"
    )
    return xlsx(sheet_xml([RECEIVABLES, *ROWS]), {"xl/sharedStrings.xml": strings})


def not_well_formed() -> bytes:
    return xlsx(sheet_xml([RECEIVABLES, *ROWS]).replace(b"</sheetData>", b"</sheetDta>"))


def no_workbook() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("readme.txt", date_time=(2026, 11, 27, 0, 0, 0))
        z.writestr(info, "a zip file, but not a workbook\n")
    return buf.getvalue()


def merged_cells() -> bytes:
    return xlsx(sheet_xml([RECEIVABLES, *ROWS], merge="C2:C3"))


def two_header_rows() -> bytes:
    chinese = ["应收编号", "客户编号", "应收金额", "状态", "备注"]
    return xlsx(sheet_xml([RECEIVABLES, chinese, *ROWS]))


def overlapping_members() -> bytes:
    """A 'non-recursive zip bomb': directory entries whose data overlap, so one block inflates many times."""
    data = bytearray(good_register())
    eocd = data.rfind(b"PK\x05\x06")
    count, cd_size, cd_offset = struct.unpack_from("<HII", data, eocd + 10)
    entries, p = [], cd_offset
    for _ in range(count):
        nlen, xlen, clen = struct.unpack_from("<HHH", data, p + 28)
        entries.append(p)
        p += 46 + nlen + xlen + clen
    sheet_at = next(
        e
        for e in entries
        if data[e + 46 : e + 46 + struct.unpack_from("<H", data, e + 28)[0]] == SHEET.encode()
    )
    # Point the sheet's directory entry at the local header of the member before it.
    offsets = sorted(struct.unpack_from("<I", data, e + 42)[0] for e in entries)
    own = struct.unpack_from("<I", data, sheet_at + 42)[0]
    struct.pack_into("<I", data, sheet_at + 42, offsets[offsets.index(own) - 1])
    return bytes(data)


# ---------------------------------------------------------------- generated by the test (big)


def zip_bomb() -> bytes:
    """A sheet of 1.1 GB of zeros in 1.1 MB: deflate blocks of zeros, each a copy of the last."""
    chunk = bytes(1 << 24)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(chunk) + comp.flush(
        zlib.Z_FULL_FLUSH
    )  # after a full flush: the same every time
    n = 70
    stream = first + block * (n - 1) + comp.flush()
    crc = 0
    for _ in range(n):
        crc = zlib.crc32(chunk, crc)
    return _with_member(good_register(), "xl/worksheets/sheet2.xml", stream, n << 24, crc)


def lying_sizes() -> bytes:
    """A member whose header says 1,000 bytes but which inflates to 20 MB."""
    real = b"<x/>" + b" " * (20 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = comp.compress(real) + comp.flush()
    return _with_member(good_register(), "xl/styles.xml", stream, 1000, zlib.crc32(real[:1000]))


def _with_member(package: bytes, name: str, stream: bytes, usize: int, crc: int) -> bytes:
    """`package` with one more deflated member, its sizes and CRC as given (true or not)."""
    data = bytearray(package)
    eocd = data.rfind(b"PK\x05\x06")
    count, cd_size, cd_offset = struct.unpack_from("<HII", data, eocd + 10)
    directory = bytes(data[cd_offset : cd_offset + cd_size])
    body = bytes(data[:cd_offset])
    raw_name = name.encode()
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x5B61, crc, len(stream), usize, len(raw_name), 0
    )
    at = len(body)
    body += local + raw_name + stream
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        0,
        8,
        0,
        0x5B61,
        crc,
        len(stream),
        usize,
        len(raw_name),
        0,
        0,
        0,
        0,
        0,
        at,
    )
    directory += central + raw_name
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, count + 1, count + 1, len(directory), len(body), 0
    )
    return body + directory + end


def long_text() -> bytes:
    lines = [
        "receivable_id,account_id,amount,status,notes",
        "R-000001,A-000001,1000.00,scheduled," + "长" * 40000,
    ]
    lines.append("R-000002,A-000001,2000.00,scheduled,short")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def col_letters(index0: int) -> str:
    """'A' for 0, 'XFD' for 16,383."""
    n, out = index0 + 1, ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def header_to_xfd() -> bytes:
    """A leads register whose header fills every column up to XFD: nothing more fits."""
    header = ["lead_id", "created_on", "company", "status"]
    header += [f"note {i}" for i in range(LAST_COLUMN - len(header))]
    row = ["L-000001", "2026-11-01", "Acme", "new"]
    cells = "".join(_cell(f"{col_letters(c)}1", v) for c, v in enumerate(header))
    data = "".join(_cell(f"{col_letters(c)}2", v) for c, v in enumerate(row))
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1">{cells}</row><row r="2">{data}</row></sheetData></worksheet>'
    ).encode()
    return xlsx(sheet, {"xl/workbook.xml": WORKBOOK.replace(b'"receivables"', b'"leads"')})


# ---------------------------------------------------------------- re-saved by LibreOffice (committed)


def _workbook(rows: dict[int, list], title: str, text_cells: tuple[str, ...] = ()) -> bytes:
    """A source workbook (openpyxl): {row number: values}; `text_cells` (A2, …) stay text."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for r, values in rows.items():
        for c, v in enumerate(values, 1):
            if v is not None:
                sheet.cell(row=r, column=c, value=v)
    for ref in text_cells:
        sheet[ref].data_type = "s"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def libreoffice_resave(source: bytes) -> bytes:
    """`source` opened and saved again as xlsx by LibreOffice (headless), as a Calc user would."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) is needed: apt-get install libreoffice-calc")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "in.xlsx").write_bytes(source)
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{work}/profile", "--headless",
             "--convert-to", "xlsx", "--outdir", str(work / "out"), str(work / "in.xlsx")],
            check=True, capture_output=True, timeout=300,
        )
        return (work / "out" / "in.xlsx").read_bytes()


def lo_money() -> bytes:
    """Amounts typed in Calc: LibreOffice keeps 15 digits (99999999999999.99 is saved as
    100000000000000) and 0.005 as it is; neither is an amount salesops keeps exactly."""
    return _workbook(
        {
            1: RECEIVABLES,
            2: ["R-000001", "A-000001", 99999999999999.99, "scheduled", None],
            3: ["R-000002", "A-000001", 9999999999999.99, "scheduled", None],
            4: ["R-000003", "A-000001", 0.005, "scheduled", None],
            5: ["R-000004", "A-000001", 0.1 + 0.2, "scheduled", None],
        },
        "receivables",
    )


def lo_last_row() -> bytes:
    """A note typed in the very last row of the sheet, far below the records."""
    return _workbook(
        {
            1: ["lead_id", "created_on", "company", "status", "notes"],
            2: ["L-000001", "2026-11-01", "Acme", "new", None],
            LAST_ROW: [None, None, None, None, "a note in the last row"],
        },
        "leads",
    )


def lo_text() -> bytes:
    """Text as people type it: leading tab and spaces, formula-like and full-width text,
    an apostrophe of its own (for tests/reliability/test_text_exact.py)."""
    return _workbook(
        {
            1: ["lead_id", "created_on", "company", "status", "notes"],
            2: ["L-000001", "2026-11-01", "\tTab Co", "new", "  two spaces"],
            3: ["L-000002", "2026-11-01", "Formula Co", "new", "=1+2"],
            4: ["L-000003", "2026-11-01", "全角 Co", "new", "＝SUM(A1)"],
            5: ["L-000004", "2026-11-01", "Quote Co", "new", "'=kept as typed"],
        },
        "leads",
        text_cells=("E3",),
    )


# case folder (or fixture) → (file name, maker of the source LibreOffice re-saves)
LIBREOFFICE = {
    "libreoffice-money": ("receivables.xlsx", lo_money),
    "libreoffice-last-row": ("leads.xlsx", lo_last_row),
}
LIBREOFFICE_TEXT = ("leads-text.xlsx", lo_text)  # into tests/corpus/libreoffice/

# case folder → (name in the workspace, link target): symbolic links, or "hard" for a second
# name (outside the workspace) of the file the folder holds
LINKED = {
    "symlink-to-system-file": ("receivables.csv", "/etc/passwd"),
    "hard-linked-register": ("receivables.csv", "hard"),
    "linked-history": ("history.csv", "../outside-history.csv"),
}


# case folder → (file name, maker). Committed ones are written by `python make.py`.
COMMITTED = {
    "truncated": ("receivables.xlsx", truncated),
    "random-bytes": ("receivables.xlsx", random_bytes),
    "old-xls-or-password": ("receivables.xlsx", old_xls),
    "xml-entities": ("receivables.xlsx", xml_entities),
    "external-entity": ("receivables.xlsx", external_entity),
    "not-well-formed": ("receivables.xlsx", not_well_formed),
    "no-workbook": ("receivables.xlsx", no_workbook),
    "merged-cells": ("receivables.xlsx", merged_cells),
    "two-header-rows-xlsx": ("receivables.xlsx", two_header_rows),
    "overlapping-members": ("receivables.xlsx", overlapping_members),
}
GENERATED = {
    "zip-bomb": ("receivables.xlsx", zip_bomb),
    "lying-sizes": ("receivables.xlsx", lying_sizes),
    "long-text": ("receivables.csv", long_text),
    "header-to-xfd": ("leads.xlsx", header_to_xfd),
}


def main(argv: list[str]) -> None:
    if "--libreoffice" in argv:
        for case, (name, make) in LIBREOFFICE.items():
            (HERE / case).mkdir(exist_ok=True)
            (HERE / case / name).write_bytes(libreoffice_resave(make()))
            print(f"wrote {case}/{name} (saved by LibreOffice)")
        name, make = LIBREOFFICE_TEXT
        LIBREOFFICE_FIXTURES.mkdir(exist_ok=True)
        (LIBREOFFICE_FIXTURES / name).write_bytes(libreoffice_resave(make()))
        print(f"wrote {LIBREOFFICE_FIXTURES.name}/{name} (saved by LibreOffice)")
        return
    for case, (name, make) in COMMITTED.items():
        folder = HERE / case
        folder.mkdir(exist_ok=True)
        (folder / name).write_bytes(make())
        print(f"wrote {case}/{name}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
