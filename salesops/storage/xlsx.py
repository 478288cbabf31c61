"""The door to xlsx registers: check, read, write new, patch (each loads its module on first call).

`xlsx_io` holds the shapes and helpers the xlsx modules share; the work is done by
`xlsx_read`, `xlsx_new`, `xlsx_patch` and `xlsx_package` (see `xlsx_io`). This module
imports nothing heavy, and none of them imports it.
"""

from __future__ import annotations

from pathlib import Path

from salesops.storage.xlsx_io import ColumnKind, RawSheet

__all__ = ["ColumnKind", "RawSheet", "check_xlsx_safe", "patch_xlsx", "read_xlsx", "write_new_xlsx"]


def check_xlsx_safe(path: Path, max_uncompressed: int = 1 << 30, deep: bool = False) -> None:
    """Refuse a file that is not a sound xlsx or that is hostile; StorageError naming the file.

    Checks the zip structure (not a zip, truncated, overlapping members), the workbook
    parts, the declared and actual uncompressed sizes against `max_uncompressed` and
    against absurd compression ratios (zip bombs), and every XML part for DOCTYPE/ENTITY
    declarations; the small structural parts must be well-formed XML. `deep` also
    parses the worksheets and shared strings (up to 1 MB) whole, which readers leave
    to calamine and do only to say what is wrong once it has failed.
    """
    from salesops.storage import xlsx_read

    xlsx_read.check_xlsx_safe(path, max_uncompressed, deep)


def read_xlsx(path: Path, sheet: str | None = None) -> RawSheet:
    """The values of the first sheet (or of `sheet`) of an xlsx file, after `check_xlsx_safe`.

    Rows are aligned with Excel row numbers (rows[0] is row 1), empty cells are None,
    trailing empty cells and rows are dropped. Numbers stay as calamine gives them.
    """
    from salesops.storage import xlsx_read

    return xlsx_read.read_xlsx(path, sheet)


def write_new_xlsx(
    path: Path,
    header: list[str],
    rows: list[list],
    kinds: list[ColumnKind],
    sheet_name: str = "Sheet1",
) -> None:
    """Write a new register: styled frozen header, filter, dropdowns, number formats, widths.

    Text is always written as text (never a formula); dates as date cells.
    """
    from salesops.storage import xlsx_new

    xlsx_new.write_new_xlsx(path, header, rows, kinds, sheet_name)


def patch_xlsx(
    src: Path,
    dst: Path,
    updates: dict[int, dict[int, object]],
    appends: list[list],
    kinds: list[ColumnKind],
    sheet: str | None = None,
) -> None:
    """Write `dst` = `src` with only the changed rows of the sheet named `sheet` (default the first) rewritten.

    `updates` maps Excel row numbers to {column index (0-based): new value}; `appends` are
    new rows after the last row holding values. Every other zip member and every untouched
    row of the sheet XML is copied byte for byte.
    """
    from salesops.storage import xlsx_patch

    xlsx_patch.patch_xlsx(src, dst, updates, appends, kinds, sheet=sheet)
