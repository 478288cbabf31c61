"""A message marked inside an f-string is invisible to the catalogue's extractor (Babel reads an
f-string as one string token), so it would never get its Chinese: none may exist."""

import io
import re
import tokenize
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "salesops"
MARKED = re.compile(r"\b(?:_|N_|ngettext)\(\s*['\"]")


def marked_inside_fstrings(source: str) -> list[int]:
    lines = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        prefix = re.match(r"[A-Za-z]*", tok.string).group(0).lower()
        if tok.type == tokenize.STRING and "f" in prefix and MARKED.search(tok.string):
            lines.append(tok.start[0])
    return lines


def test_the_check_sees_a_marked_message_in_an_fstring():
    assert marked_inside_fstrings("x = f\"{a or _('(empty)')}\"\n") == [1]
    assert marked_inside_fstrings("x = _('(empty)')\ny = f'{x}'\n") == []


def test_no_message_is_marked_inside_an_fstring():
    found = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := marked_inside_fstrings(path.read_text(encoding="utf-8")))
    }
    assert found == {}, f"move these messages out of their f-strings: {found}"
