"""Reports as CSV for Excel: UTF-8 with BOM, headers and labels in the report's language.

A one-section report is a plain table. A report with several sections
(funnel, forecast by group, weekly) writes each as its title on a line of its
own, its header and its rows, with a blank line between sections. Every row
is written (no display limit). Text that Excel would run as a formula is
guarded with a leading `'` (SPEC section 8); numbers are plain (`1234.50`,
`64.5%`) so Excel reads them as numbers.
"""

from __future__ import annotations

import csv
import io

from salesops.reports.render.cells import plain
from salesops.reports.render.model import Report

BOM = "\ufeff"


def render_csv(report: Report) -> str:
    """The CSV text of `report`, BOM first."""
    from salesops.storage.csv_io import guard

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    several = len(report.sections) > 1
    for n, sec in enumerate(report.sections):
        if several:
            if n:
                writer.writerow([])
            writer.writerow([guard(sec.title)])
        writer.writerow([guard(c.label) for c in sec.columns])
        for i, row in enumerate(sec.rows):
            writer.writerow([guard(plain(v, sec.kind(i, j))) for j, v in enumerate(row)])
        for note in sec.notes:
            writer.writerow([guard(note)])
    return BOM + buf.getvalue()
