"""Rewriting a CSV register (`storage.csv_io.patch_csv`): the records are cut in the file's bytes,
and what that writes is byte for byte what patching the decoded text writes — quoted cells
holding line breaks and quotes, CRLF and LF, a last record with or without its line break,
UTF-8 with and without BOM, GB18030, cells the encoding cannot hold (the text path then makes
the file UTF-8) — and a real register patched through a command reads back as expected."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from salesops.storage.csv_io import Dialect, _patched_bytes, _patched_text, patch_csv

CELLS = st.sampled_from(["", "A-1", "华南贸易", 'say "hi"', "a,b", "two\nlines", "cr\r\nlf", "=1+1", "€5", " "])
ROWS = st.lists(st.lists(CELLS, min_size=1, max_size=4), min_size=1, max_size=12)


def _csv(rows: list[list[str]], dialect: Dialect, last_newline: bool) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=dialect.delimiter, lineterminator=dialect.newline).writerows(rows)
    text = buf.getvalue()
    if not last_newline:
        text = text[: -len(dialect.newline)]
    return dialect.bom + text.encode(dialect.encoding, errors="replace")


@settings(max_examples=400, deadline=None)
@given(
    rows=ROWS,
    encoding=st.sampled_from([("utf-8", b"\xef\xbb\xbf"), ("utf-8", b""), ("gb18030", b"")]),
    newline=st.sampled_from(["\r\n", "\n"]),
    delimiter=st.sampled_from([",", ";"]),
    last_newline=st.booleans(),
    updates=st.dictionaries(st.integers(1, 14), st.dictionaries(st.integers(0, 5), CELLS, max_size=3), max_size=3),
    appends=st.lists(st.lists(CELLS, max_size=4), max_size=3),
    after=st.one_of(st.none(), st.integers(0, 14)),
)
def test_records_cut_in_the_bytes_patch_as_the_text_does(rows, encoding, newline, delimiter, last_newline, updates, appends, after):
    dialect = Dialect(encoding=encoding[0], bom=encoding[1], delimiter=delimiter, newline=newline)
    data = _csv(rows, dialect, last_newline)
    by_bytes = _patched_bytes(data, dialect, updates, appends, after)
    by_text, warning = _patched_text(data, "x.csv", dialect, updates, appends, after)
    if by_bytes is None:  # an update past the last record (the text path adds empty records)
        assert any(n > len(rows) for n in updates)
    else:
        assert warning is None
        assert by_bytes == by_text


def test_a_lone_cr_or_another_encoding_is_patched_as_text(tmp_path):
    dialect = Dialect(encoding="utf-8", bom=b"", newline="\r")
    data = b"id,name\rA-1,x\rA-2,y\r"
    assert _patched_bytes(data, dialect, {2: {1: "z"}}, [], None) is None
    src, dst = tmp_path / "a.csv", tmp_path / "b.csv"
    src.write_bytes(data)
    assert patch_csv(src, dst, dialect, {2: {1: "z"}}, [], None) is None
    assert dst.read_bytes() == b"id,name\rA-1,z\rA-2,y\r"
    utf16 = Dialect(encoding="utf-16", bom=b"")
    assert _patched_bytes("id\r\nA\r\n".encode("utf-16"), utf16, {2: {0: "B"}}, [], None) is None


def test_text_the_encoding_cannot_hold_makes_the_file_utf8(tmp_path):
    dialect = Dialect(encoding="cp1252", bom=b"", newline="\r\n")
    data = "id,name\r\nA-1,Müller\r\nA-2,Noël\r\n".encode("cp1252")
    assert _patched_bytes(data, dialect, {3: {1: "华南贸易"}}, [], None) is None
    src, dst = tmp_path / "a.csv", tmp_path / "b.csv"
    src.write_bytes(data)
    warning = patch_csv(src, dst, dialect, {3: {1: "华南贸易"}}, [], None)
    assert warning is not None and "UTF-8 with BOM" in warning
    assert dst.read_bytes() == "\ufeffid,name\r\nA-1,Müller\r\nA-2,华南贸易\r\n".encode("utf-8")
    assert _patched_bytes(data, dialect, {3: {1: "Zoë"}}, [["A-3", "Ærø"]], None) == (
        "id,name\r\nA-1,Müller\r\nA-2,Zoë\r\nA-3,Ærø\r\n".encode("cp1252")
    )
