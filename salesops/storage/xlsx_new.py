"""write_new_xlsx: a new register workbook, formatted the way a careful person would set it up.

openpyxl builds the workbook (styled frozen header, filter, dropdowns, column formats and
widths) with the header only; the data rows are then appended by `xlsx_patch`, which
writes text as inline strings (never formulas) and is fast at any size. Column number
formats are column styles, so rows a user later types in Excel get them too.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

from salesops.errors import StorageError
from salesops.i18n import N_, _
from salesops.storage.xlsx_io import ColumnKind, checked_text, col_letter

FORMATS = {"date": "yyyy-mm-dd", "money": "#,##0.00", "pct": "0.00", "text": "@"}
MIN_WIDTH = {"date": 12, "money": 14, "pct": 9, "int": 8}
VALIDATION_ROWS = 10000
UNWRITABLE = N_("{file} could not be written ({reason})")
HEADER_FILL = "DDEBF7"
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def display_width(text: str) -> int:
    """Width of text in character cells: CJK and other wide characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_width(header: str, kind: ColumnKind) -> float:
    """A column's width: the kind's own, else the header's display width plus room for the filter button."""
    if kind.width:
        return kind.width
    return float(min(max(display_width(header) + 4, MIN_WIDTH.get(kind.type, 10)), 60))


def sheet_title(name: str) -> str:
    """`name` as a legal Excel sheet name (no []:*?/\\, at most 31 characters)."""
    title = (name or "Sheet1").translate(_BAD_SHEET_CHARS).strip("'")[:31]
    return title or "Sheet1"


def _list_formula(choices: list[str]) -> str | None:
    """The inline list formula for a dropdown, or None when it cannot be inline (too long, commas, quotes)."""
    joined = ",".join(choices)
    if len(joined) > 255 or any("," in c or '"' in c for c in choices):
        return None
    return f'"{joined}"'


def _text_cell(ws, row: int, col: int, value: str, where: str):
    """A string cell that stays a string even for '=1+1' or '@x'."""
    cell = ws.cell(row=row, column=col)
    cell.value = checked_text(value, where)
    cell.data_type = "s"
    return cell


def write_new_xlsx(
    path: Path,
    header: list[str],
    rows: list[list],
    kinds: list[ColumnKind],
    sheet_name: str = "Sheet1",
) -> None:
    """See `xlsx.write_new_xlsx`."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    ncols = max([len(header), *(len(r) for r in rows)]) if header or rows else 0
    kinds = list(kinds) + [ColumnKind("text")] * max(0, ncols - len(kinds))
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(sheet_name)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    border = Border(bottom=Side(style="thin", color="8EA9DB"))
    align = Alignment(vertical="center")
    for j in range(len(header)):  # styled here; the text goes through the same encoder as the rows
        cell = ws.cell(row=1, column=j + 1)
        cell.font, cell.fill, cell.border, cell.alignment = bold, fill, border, align
    ws.freeze_panes = "A2"
    if ncols:
        ws.auto_filter.ref = f"A1:{col_letter(ncols - 1)}1"
    lists = None
    for j, kind in enumerate(kinds[:ncols]):
        letter = col_letter(j)
        dim = ws.column_dimensions[letter]
        dim.width = column_width(
            str(header[j]) if j < len(header) and header[j] is not None else "", kind
        )
        if kind.type in FORMATS:
            dim.number_format = FORMATS[kind.type]
        if kind.type not in ("enum", "bool") or not kind.choices:
            continue
        formula = _list_formula(kind.choices)
        if formula is None:  # long or awkward lists live in a hidden sheet
            if lists is None:
                lists = wb.create_sheet(title="lists" if ws.title != "lists" else "lists_")
                lists.sheet_state = "hidden"
            for i, choice in enumerate(kind.choices):
                _text_cell(lists, i + 1, j + 1, choice, _("{file}: dropdown of column {column}").format(file=path.name, column=letter))
            formula = f"'{lists.title}'!${letter}$1:${letter}${len(kind.choices)}"
        dv = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            errorStyle="warning",
            showErrorMessage=True,
        )
        dv.error = _("Pick a value from the list")  # Excel shows it: in the workspace's language
        dv.add(f"{letter}2:{letter}{VALIDATION_ROWS}")
        ws.add_data_validation(dv)
    buf = io.BytesIO()
    try:
        wb.save(buf)
    except Exception as exc:  # openpyxl's IllegalCharacterError and the like
        raise StorageError(_(UNWRITABLE).format(file=path.name, reason=exc)) from None
    from salesops.storage.xlsx_package import patch_package
    from salesops.storage.xlsx_patch import SheetPatch

    try:
        names = {j: str(h) for j, h in enumerate(header) if h is not None and str(h) != ""}
        patch_package(buf, path.name, path, {1: names}, [r if type(r) is list else list(r) for r in rows], kinds, check=False, patcher=SheetPatch)
    except OSError as exc:
        raise StorageError(_(UNWRITABLE).format(file=path.name, reason=exc.strerror or exc)) from None
