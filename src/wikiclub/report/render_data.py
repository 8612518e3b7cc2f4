"""Machine-readable outputs: ``couverture.csv`` (one line per group × region × column), ``a-completer.csv``
(the to-do list) and ``couverture.json`` (everything, including the previous run and the trend).

CSV cells go through :func:`~wikiclub.report.escape.csv_cell` (labels are public text: no formulas).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from ..escape import csv_cell
from .views import ReportData, entity_url, group_views

COVERAGE_HEADER = ("group", "group_name", "region", "region_name", "column", "column_name", "count", "total",
                   "share", "previous_count", "previous_total", "delta", "status")
WORKLIST_HEADER = ("group", "group_name", "item", "label", "url", "missing", "missing_names")


def _blank(value: Any) -> Any:
    return "" if value is None else value


def coverage_rows(data: ReportData) -> list[list[Any]]:
    """One row per group × region × column. ``status``: complete, partial (the count is a minimum, the
    share is over the items read, ``total``), unknown (nothing could be read: every figure blank)."""
    rows: list[list[Any]] = []
    for view in group_views(data):
        for row in view.rows:
            it = row.items
            rows.append([view.group.id, view.title, row.region, row.title, "items", "Éléments", _blank(it.count),
                         "", "", _blank(it.previous if it.status == "complete" else None), "", _blank(it.delta),
                         it.status])
            for col, fig in zip(view.columns, row.figures, strict=True):
                known = fig.status != "unknown"
                rows.append([view.group.id, view.title, row.region, row.title, col.id, col.title,
                             _blank(fig.count), fig.total if known else "",
                             "" if fig.share is None else round(fig.share, 4),
                             _blank(fig.previous if fig.status == "complete" else None),
                             _blank(fig.previous_total if fig.status == "complete" else None),
                             _blank(fig.delta), fig.status])
    return rows


def worklist_rows(data: ReportData) -> list[list[Any]]:
    table = data.table
    names = {g.id: g.name for g in table.groups}
    return [[w.group, names.get(w.group, w.group), w.item, w.label, entity_url(table, w.item), " ".join(w.missing),
             "; ".join(table.label(p) for p in w.missing)] for w in table.worklist]


def write_csv(path: Path, header: tuple[str, ...], rows: list[list[Any]]) -> Path:
    # UTF-8 with BOM: Excel (still the volunteers' tool) then reads the accents right.
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows([[csv_cell(v) for v in row] for row in rows])
    return path


def report_json(data: ReportData) -> dict[str, Any]:
    return {
        "report": data.table.to_json(),
        "previous": None if data.previous is None else {"taken_at": data.previous.taken_at,
                                                        "cells": [c.to_json() for c in data.previous.cells]},
        "trend": [{"taken_at": p.taken_at, "items": p.items, "counts": dict(p.counts)} for p in data.trend],
    }


def write_json(path: Path, data: ReportData) -> Path:
    path.write_text(json.dumps(report_json(data), ensure_ascii=False, indent=1), encoding="utf-8")
    return path
