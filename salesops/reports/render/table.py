"""Reports as rich tables for the terminal.

Numbers never wrap (text columns give way); a metric table too wide for the
terminal is printed in several tables, each repeating the metric names.
Overdue figures are red and totals bold on a colour terminal only (never when
piped, written to a file, or NO_COLOR is set: the console decides).
"""

from __future__ import annotations

from salesops.i18n import N_, translate
from salesops.reports.render.cells import display
from salesops.reports.render.model import TABLE_ROWS, Report, Section

NONE_FOUND = N_("none")
EMPTY = N_("{title}: none")
MORE_ROWS = N_("… and {n} more")
ALL_ROWS = N_("… and {n} more (-f csv or -f json lists them all)")


def _widths(sec: Section, currency: str, shown: list[int]) -> list[int]:
    """Display width (terminal cells) of each column: its longest value shown, or its header."""
    from rich.cells import cell_len

    return [
        max([cell_len(col.label)] + [cell_len(display(sec.rows[i][j], sec.kind(i, j), currency)) for i in shown])
        for j, col in enumerate(sec.columns)
    ]


def _column_chunks(sec: Section, widths: list[int], room: int) -> list[list[int]]:
    """Column index groups that fit `room` cells; a metric table repeats its label column."""
    if sec.row_kinds is None or sum(w + 3 for w in widths) + 1 <= room:
        return [list(range(len(widths)))]
    chunks: list[list[int]] = []
    current = [0]
    used = widths[0] + 4
    for j in range(1, len(widths)):
        if len(current) > 1 and used + widths[j] + 3 > room:
            chunks.append(current)
            current, used = [0], widths[0] + 4
        current.append(j)
        used += widths[j] + 3
    chunks.append(current)
    return chunks


def print_report(report: Report, console) -> None:
    """Print `report` on a rich console."""
    from rich.table import Table
    from rich.text import Text

    lang, currency = report.lang, report.currency
    console.print(Text(report.title, style="bold"))
    if report.subtitle:
        console.print(report.subtitle)
    for sec in report.sections:
        shown, more = sec.shown(TABLE_ROWS)
        widths = _widths(sec, currency, shown)
        for n, chunk in enumerate(_column_chunks(sec, widths, console.width)):
            title = sec.title if len(report.sections) > 1 and n == 0 else None
            table = Table(title=title, header_style="bold", title_justify="left", show_lines=False)
            for j in chunk:
                numeric = sec.numeric(j)
                table.add_column(
                    sec.columns[j].label,
                    justify="right" if numeric else "left",
                    overflow="fold",
                    no_wrap=numeric or j == 0,
                    min_width=widths[j] if numeric else min(widths[j], 28) if j == 0 else None,
                )
            for i in shown:
                cells = []
                for j in chunk:
                    v = sec.rows[i][j]
                    text = (
                        ""
                        if v is None and i in sec.total_rows
                        else display(v, sec.kind(i, j), currency)
                    )
                    style = " ".join(
                        s
                        for s, on in (("bold", i in sec.total_rows), ("red", sec.alert(i, j)))
                        if on
                    )
                    cells.append(Text(text, style=style))
                table.add_row(*cells)
            if sec.rows:
                console.print(table)
        if not sec.rows:
            console.print(Text(translate(EMPTY, lang).format(title=sec.title)))
        if more:
            console.print(translate(MORE_ROWS if sec.limit is not None else ALL_ROWS, lang).format(n=more))
        for note in sec.notes:
            console.print(Text(note))
        console.print()


def render_table(report: Report, width: int = 160) -> str:
    """`report` as plain text tables (no colour), `width` cells wide."""
    import io

    from rich.console import Console

    buf = io.StringIO()
    console = Console(
        file=buf, no_color=True, highlight=False, soft_wrap=False, width=width, color_system=None
    )
    print_report(report, console)
    return buf.getvalue()
