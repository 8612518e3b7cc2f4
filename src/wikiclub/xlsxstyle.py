"""Shared looks of every XLSX wikiclub writes (problems, review, pull): a sheet people can read at once.

LibreOffice and Excel open a plain openpyxl sheet with every column 8.43 characters wide, so every
text is clipped and the header scrolls away. :func:`style_table` gives a table sheet column widths
from its content (within bounds, long texts wrapped), a bold shaded header that stays in view
(frozen panes), an autofilter over the table and, for columns named in ``formats``, a number format
(``PERCENT``: 1 shown as 100 %). Nothing here changes a value: styling only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

PERCENT = "0 %"
PERCENT_1 = "0.0 %"
INTEGER = "0"
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
EDIT_FILL = PatternFill("solid", fgColor="FFF2CC")   # the cells a person fills in
ATTENTION_FILL = PatternFill("solid", fgColor="FDE9D9")  # rows that need a person (REVIEW)
LINK_FONT = Font(color="0645AD", underline="single")
MIN_WIDTH, MAX_WIDTH, WRAP_FROM = 6.0, 60.0, 45.0


def _text_width(value: Any) -> float:
    if value is None:
        return 0.0
    text = str(value)
    longest = max((len(line) for line in text.splitlines()), default=0)
    return longest * 1.1 + 2  # a little room: proportional fonts, the filter button


def column_widths(ws: Worksheet, header_row: int = 1, *, sample: int = 500) -> dict[int, float]:
    """Width per column (1-based) from the header and the first ``sample`` rows, within bounds."""
    widths: dict[int, float] = {}
    last = min(ws.max_row, header_row + sample)
    for row in ws.iter_rows(min_row=header_row, max_row=last):
        for cell in row:
            col = int(cell.column or 0)
            widths[col] = max(widths.get(col, MIN_WIDTH), _text_width(cell.value))
    return {c: min(max(w, MIN_WIDTH), MAX_WIDTH) for c, w in widths.items()}


def style_table(ws: Worksheet, *, header_row: int = 1, freeze_columns: int = 0,
                formats: Mapping[str, str] | None = None, wrap: bool = True) -> None:
    """Widths, bold frozen header, autofilter and number formats on the table starting at ``header_row``."""
    if ws.max_column < 1 or ws.max_row < header_row:
        return
    widths = column_widths(ws, header_row)
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    header = {str(c.value): int(c.column or 0) for c in ws[header_row] if c.value is not None}
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    ws.freeze_panes = f"{get_column_letter(freeze_columns + 1)}{header_row + 1}"
    last_col = get_column_letter(ws.max_column)
    ws.auto_filter.ref = f"A{header_row}:{last_col}{max(ws.max_row, header_row + 1)}"
    for name, fmt in (formats or {}).items():
        at = header.get(name)
        if at is None:
            continue
        for (cell,) in ws.iter_rows(min_row=header_row + 1, min_col=at, max_col=at):
            cell.number_format = fmt
    if wrap:
        wide = [c for c, w in widths.items() if w >= WRAP_FROM]
        for row in ws.iter_rows(min_row=header_row + 1):
            for cell in row:
                if int(cell.column or 0) in wide:
                    cell.alignment = Alignment(vertical="top", wrap_text=True)


def fill_rows(ws: Worksheet, rows: Iterable[int], fill: PatternFill = ATTENTION_FILL) -> None:
    """Shade whole rows (1-based), e.g. the REVIEW rows a person must decide."""
    for r in rows:
        for cell in ws[r]:
            cell.fill = fill


def fill_column(ws: Worksheet, column: int, *, from_row: int = 1, fill: PatternFill = EDIT_FILL) -> None:
    for (cell,) in ws.iter_rows(min_row=from_row, min_col=column, max_col=column):
        cell.fill = fill


def link(cell: Any, url: str) -> None:
    """Make ``cell`` a hyperlink to ``url`` (its text is unchanged)."""
    if url:
        cell.hyperlink = url
        cell.font = LINK_FONT


def dropdown(ws: Worksheet, cells: str, choices: Iterable[str], *, prompt: str = "", strict: bool = False
             ) -> DataValidation:
    """A dropdown list on ``cells`` (e.g. "C2" or "C2:C90"). With ``strict=False`` other values may still be
    typed (a QID that is not among the choices): the list is a help, not a fence."""
    items = [c.replace(",", " ").replace('"', "") for c in choices if c]
    dv = DataValidation(type="list", formula1='"' + ",".join(items) + '"', allow_blank=True,
                        showErrorMessage=strict, showInputMessage=bool(prompt))
    if prompt:
        dv.promptTitle, dv.prompt = "wikiclub", prompt[:250]
    ws.add_data_validation(dv)
    dv.add(cells)
    return dv
