"""``couverture.xlsx``: the coverage as the WikiClub's cultural agents and funders read it in Excel —
one sheet per group (regions down; for each measure its share as a percentage and its count side by
side; the state of each row: complet, partiel, inconnu), and the to-do list with French headers.

pandas builds each sheet's table from the same views as every other output; openpyxl then finishes
the file: shares get the ``0 %`` number format by *column* (so an exact 100 % or 0 % shows as a
percentage, not as 1 or 0), columns get widths that fit their text, headers are frozen, and every
text cell (labels are public text) goes through :func:`~wikiclub.escape.set_xlsx_text`, so nothing
is ever a formula. What could not be measured is an empty cell, never 0.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from ..escape import set_xlsx_text
from .render_data import worklist_rows
from .views import GroupView, ReportData, group_views

SHARE_FORMAT = "0 %"
STATUS = {"complete": "complet", "partial": "partiel", "unknown": "inconnu"}
WORKLIST_HEADERS = ("Groupe (id)", "Groupe", "Élément", "Libellé", "Lien", "Manque (ids)", "Propriétés manquantes")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_WIDTH = 48


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", name).strip()[:28] or "Groupe"
    out, n = base, 2
    while out.lower() in taken:
        out, n = f"{base[:26]} {n}", n + 1
    taken.add(out.lower())
    return out


def share_header(title: str) -> str:
    return f"{title} (%)"


def count_header(title: str) -> str:
    return f"{title} (nombre)"


def group_table(view: GroupView) -> pd.DataFrame:
    """Rows = regions and the total; columns = « État », « Éléments », then per measure share and count."""
    records: list[dict[str, Any]] = []
    for row in view.rows:
        record: dict[str, Any] = {"Région": row.title, "État": STATUS[row.items.status],
                                  "Éléments": row.items.count}
        for col, fig in zip(view.columns, row.figures, strict=True):
            record[share_header(col.title)] = fig.share
            record[count_header(col.title)] = fig.count
        records.append(record)
    return pd.DataFrame.from_records(records).set_index("Région")


def group_tables(data: ReportData) -> list[tuple[str, pd.DataFrame]]:
    return [(view.title, group_table(view)) for view in group_views(data)]


def write_xlsx(path: Path, data: ReportData) -> Path:
    tables = group_tables(data)
    todo = pd.DataFrame(worklist_rows(data), columns=list(WORKLIST_HEADERS))
    taken: set[str] = set()
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in tables:
            table.to_excel(writer, sheet_name=_sheet_name(name, taken))
        todo.to_excel(writer, sheet_name=_sheet_name("À compléter", taken), index=False)
    _finish(path, group_sheets=len(tables))
    return path


def _finish(path: Path, group_sheets: int) -> None:
    """Text cells stored as text (never a formula); shares as percentages by column; widths; frozen headers."""
    wb = load_workbook(path)
    for n, ws in enumerate(wb.worksheets):
        header = [c.value for c in ws[1]]
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    set_xlsx_text(cell, cell.value)
        if n < group_sheets:
            for i, title in enumerate(header, start=1):
                if isinstance(title, str) and title.endswith(" (%)"):
                    for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                        cell.number_format = SHARE_FORMAT
            ws.freeze_panes = "B2"
        else:
            ws.freeze_panes = "A2"
        _widths(ws)
    wb.save(path)
    wb.close()


def _widths(ws: Any) -> None:
    for i, column in enumerate(ws.iter_cols(), start=1):
        longest = max((len(_shown(c.value)) for c in column), default=8)
        ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, max(8, longest + 2))


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return "100 %"
    return "" if value is None else str(value)


def first_sheet_values(path: Path) -> list[list[Any]]:
    """The first sheet's cell values (for tests and quick checks)."""
    wb = load_workbook(path)
    try:
        return [[c.value for c in row] for row in wb.worksheets[0].iter_rows()]
    finally:
        wb.close()
