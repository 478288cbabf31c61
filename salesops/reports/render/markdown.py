"""Reports as markdown, for mail and chat tools.

Text from the registers is escaped: a company named `<img src=x onerror=…>`
or `[offer](http://…)` shows as typed instead of becoming HTML or a link in
whatever renders the markdown (issue 10). HTML special characters become
entities and markdown punctuation is backslash-escaped; `|` and line breaks
cannot break a table row.
"""

from __future__ import annotations

import re

from salesops.i18n import translate
from salesops.reports.render.cells import display
from salesops.reports.render.model import Report, Section
from salesops.reports.render.table import MORE_ROWS, NONE_FOUND

_PUNCT = re.compile(
    r"([\\`*\[\]|~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))"
)  # emphasis, code, links, cells
# (an underscore inside a word, as in bank_transfer, emphasises nothing)
_LINE_START = re.compile(
    r"^(\s*)([#+-]|\d+\.)(?=\s|$)"
)  # a heading or list item if it began a line
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    """`text` safe inside markdown: no HTML, no emphasis, links, headings or table breaks."""
    text = "".join(_ENTITIES.get(ch, ch) for ch in str(text))
    text = re.sub(r"[\r\n\t]+", " ", text)
    text = _PUNCT.sub(r"\\\1", text)
    return _LINE_START.sub(_unmark, text)


def _unmark(m: re.Match) -> str:
    mark = m.group(2)
    return m.group(1) + (mark[:-1] + "\\." if mark.endswith(".") else "\\" + mark)


def section_lines(sec: Section, lang: str, currency: str, heading: str | None) -> list[str]:
    """The markdown of one section (a table, or 'none'), with its notes."""
    lines = [heading, ""] if heading else []
    shown, more = sec.shown()
    if not sec.rows:
        lines.append(f"_{escape(translate(NONE_FOUND, lang))}_")
    else:
        lines.append("| " + " | ".join(escape(c.label) for c in sec.columns) + " |")
        lines.append(
            "| "
            + " | ".join("---:" if sec.numeric(j) else "---" for j in range(len(sec.columns)))
            + " |"
        )
        for i in shown:
            cells = []
            for j, v in enumerate(sec.rows[i]):
                text = (
                    ""
                    if v is None and i in sec.total_rows
                    else display(v, sec.kind(i, j), currency)
                )
                text = escape(text)
                cells.append(f"**{text}**" if text and i in sec.total_rows else text)
            lines.append("| " + " | ".join(cells) + " |")
    if more:
        lines += ["", escape(translate(MORE_ROWS, lang).format(n=more))]
    for note in sec.notes:
        lines += ["", escape(note)]
    lines.append("")
    return lines


def render_markdown(report: Report) -> str:
    """The whole report: `## title`, the subtitle, then each section under `### its title`."""
    lines = [f"## {escape(report.title)}", ""]
    if report.subtitle:
        lines += [escape(report.subtitle), ""]
    several = len(report.sections) > 1
    for sec in report.sections:
        heading = f"### {escape(sec.title)}" if several else None
        lines += section_lines(sec, report.lang, report.currency, heading)
    return "\n".join(lines)
