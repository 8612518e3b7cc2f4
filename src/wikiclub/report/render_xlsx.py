"""``couverture.xlsx``: the coverage as the WikiClub's cultural agents and funders read it in Excel —
one sheet per group (regions down, columns across, shares as percentages, item counts), and the
to-do list.

pandas does the reshaping: the long table of ``couverture.csv`` (group × region × column) is pivoted
into one wide table per group, in the report's own order. Every text cell (labels are public text)
then goes through :func:`~wikiclub.report.escape.set_xlsx_text`, so nothing is ever a formula.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook

from ..escape import set_xlsx_text
from .render_data import COVERAGE_HEADER, WORKLIST_HEADER, coverage_rows, worklist_rows
from .views import ReportData

ITEMS = "items"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", name).strip()[:28] or "Groupe"
    out, n = base, 2
    while out.lower() in taken:
        out, n = f"{base[:26]} {n}", n + 1
    taken.add(out.lower())
    return out


def group_tables(data: ReportData) -> list[tuple[str, pd.DataFrame]]:
    """(group name, table): rows = regions (and the total), columns = « Éléments » then each measure."""
    long = pd.DataFrame(coverage_rows(data), columns=list(COVERAGE_HEADER))
    if long.empty:
        return []
    # the value shown: the item count for « Éléments », the share (0–1) elsewhere
    long["value"] = long["count"].where(long["column"] == ITEMS, long["share"])
    long["value"] = pd.to_numeric(long["value"].replace("", None), errors="coerce")
    tables: list[tuple[str, pd.DataFrame]] = []
    for (_gid, gname), part in long.groupby(["group", "group_name"], sort=False):
        columns = list(dict.fromkeys(part["column_name"]))
        regions = list(dict.fromkeys(part["region_name"]))
        wide = part.pivot_table(index="region_name", columns="column_name", values="value", aggfunc="first",
                                dropna=False, sort=False)
        wide = wide.reindex(index=regions, columns=columns)
        wide.index.name = "Région"
        tables.append((str(gname), wide))
    return tables


def write_xlsx(path: Path, data: ReportData) -> Path:
    tables = group_tables(data)
    todo = pd.DataFrame(worklist_rows(data), columns=list(WORKLIST_HEADER))
    taken: set[str] = set()
    formats: dict[str, int] = {}  # sheet → number of measure columns (for the % format)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in tables:
            sheet = _sheet_name(name, taken)
            table.to_excel(writer, sheet_name=sheet)
            formats[sheet] = table.shape[1]
        todo.to_excel(writer, sheet_name=_sheet_name("À compléter", taken), index=False)
    _finish(path, formats)
    return path


def _finish(path: Path, formats: dict[str, int]) -> None:
    """Every text cell stored as text (never a formula); shares shown as percentages; headers frozen."""
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    set_xlsx_text(cell, cell.value)
        if ws.title in formats:
            for row in ws.iter_rows(min_row=2, min_col=3, max_col=1 + formats[ws.title]):
                for cell in row:
                    if isinstance(cell.value, float):
                        cell.number_format = "0 %"
            ws.freeze_panes = "B2"
        else:
            ws.freeze_panes = "A2"
    wb.save(path)


def first_sheet_values(path: Path) -> list[list[Any]]:
    """The first sheet's cell values (for tests and quick checks)."""
    ws = load_workbook(path).worksheets[0]
    return [[c.value for c in row] for row in ws.iter_rows()]
