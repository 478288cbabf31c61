"""Reports as a chat message: the markdown group robots render (WeCom, DingTalk, Feishu).

Robot markdown has no tables and a size limit (WeCom: 4096 bytes), so the
message is a summary: the title, then each section as short lines — a
metric table as `metric: value (previous)`, a list as its first rows, each
row's values joined by ` · ` — until the budget is spent; the full report
goes to `-o`. Alert figures are marked the way each robot can (WeCom colours
them). Text from the registers cannot become markup: `<>[]*\\`` are shown as
their full-width forms, which read the same.
"""

from __future__ import annotations

from salesops.i18n import N_, translate
from salesops.reports.render.cells import display
from salesops.reports.render.model import Report, Section

CHAT_ROWS = 5  # rows of a list shown in a chat message
CHAT_COLUMNS = 3  # value columns of a metric table shown
MORE = N_("… and {n} more")
LINE = N_("{metric}: {values}")
TRUNCATED = N_("… (the full report is in the attached file or the -o output)")
_SAFE = str.maketrans(
    {"<": "＜", ">": "＞", "[": "［", "]": "］", "*": "＊", "`": "｀", "\n": " ", "\r": " "}
)


def safe(text: str) -> str:
    """Register text that cannot turn into markup in any robot's markdown."""
    return str(text).translate(_SAFE)


def _alert(text: str, kind: str) -> str:
    return f'<font color="warning">{text}</font>' if kind == "wecom" else f"**{text}**"


def _section_lines(sec: Section, report: Report, kind: str) -> list[str]:
    if not sec.rows:
        return []
    lines = [f"**{safe(sec.title)}**"]
    if sec.row_kinds is not None:  # a metric table: one line per metric, its first value columns
        for i, row in enumerate(sec.rows):
            parts = []
            for j in range(1, min(len(row), 1 + CHAT_COLUMNS)):
                text = display(row[j], sec.kind(i, j), report.currency)
                parts.append(
                    f"{safe(sec.columns[j].label)} {_alert(text, kind) if sec.alert(i, j) else text}"
                )
            line = translate(LINE, report.lang).format(
                metric=safe(row[0]), values=" · ".join(parts)
            )
            lines.append("> " + line)
        return lines + [f"> {safe(note)}" for note in sec.notes]
    limit = min(CHAT_ROWS, sec.limit or CHAT_ROWS)
    for i, row in enumerate(sec.rows[:limit]):
        cells = []
        for j, v in enumerate(row):
            text = "" if v is None else display(v, sec.kind(i, j), report.currency)
            if not text:
                continue
            text = safe(text)
            text = _alert(text, kind) if sec.alert(i, j) else text
            if sec.numeric(j) and j > 0:  # a bare figure says nothing in a chat: name it
                text = f"{safe(sec.columns[j].label)} {text}"
            cells.append(text)
        lines.append("> " + " · ".join(cells))
    if len(sec.rows) > limit:
        lines.append("> " + translate(MORE, report.lang).format(n=len(sec.rows) - limit))
    return lines + [f"> {safe(note)}" for note in sec.notes]


def render_chat(report: Report, kind: str, budget: int) -> str:
    """The message for a robot of `kind`, at most `budget` bytes of UTF-8."""
    head = [f"## {safe(report.title)}"]
    if report.subtitle:
        head.append(safe(report.subtitle))
    text = "\n".join(head)
    tail = "\n\n" + translate(TRUNCATED, report.lang)
    for sec in report.sections:
        block = "\n".join(_section_lines(sec, report, kind))
        if not block:
            continue
        candidate = f"{text}\n\n{block}"
        if len(candidate.encode()) + len(tail.encode()) > budget:
            return text + tail
        text = candidate
    return text
