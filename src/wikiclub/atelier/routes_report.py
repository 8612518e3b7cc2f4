"""The report page: the coverage of the WikiProject (one table per group: regions × measures, shares in %)
and the « à compléter » list, read from the files ``wikiclub report`` writes (couverture.csv,
a-completer.csv): the page and the files always say the same."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, Response, abort, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response as BaseResponse

from .context import atelier
from .steps import latest_report, report_step

bp = Blueprint("report", __name__)
WORKLIST_SHOWN = 300
REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
SERVED = {"couverture.html", "couverture.xlsx", "couverture.csv", "a-completer.csv", "couverture.md"}


@dataclass
class GroupTable:
    name: str
    columns: list[str] = field(default_factory=list)
    rows: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)  # region → column → (share, n/total)


def _read(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        yield from csv.DictReader(fh)


def _unquote(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:2] in ("=", "+", "-", "@") else text


def coverage_tables(path: Path) -> list[GroupTable]:
    groups: dict[str, GroupTable] = {}
    for row in _read(path):
        g = groups.setdefault(row["group"], GroupTable(_unquote(row["group_name"])))
        column = _unquote(row["column_name"])
        if column not in g.columns:
            g.columns.append(column)
        share = row.get("share", "")
        if row["column"] == "items" or not share:
            shown = (row["count"], "")
        else:  # 100 % shown as 100 %, with the counts below
            shown = (f"{float(share):.0%}".replace("%", "\u00a0%"), f"{row['count']}/{row['total']}")
        g.rows.setdefault(_unquote(row["region_name"]), {})[column] = shown
    return list(groups.values())


def worklist(path: Path) -> list[dict[str, str]]:
    out = []
    for i, row in enumerate(_read(path)):
        if i >= WORKLIST_SHOWN:
            break
        out.append({k: _unquote(v or "") for k, v in row.items()})
    return out


def _count(path: Path) -> int:
    with path.open(encoding="utf-8-sig") as fh:
        return max(0, sum(1 for _ in fh) - 1)


@bp.get("/report")
def page() -> str:
    at = atelier()
    folder = latest_report(at.project)
    if folder is None:
        return render_template("report.html", folder=None, tables=[], todo=[], todo_total=0)
    todo_file = folder / "a-completer.csv"
    todo = worklist(todo_file) if todo_file.exists() else []
    return render_template("report.html", folder=at.project.rel(folder), tables=coverage_tables(folder / "couverture.csv"),
                           todo=todo, todo_total=_count(todo_file) if todo_file.exists() else 0,
                           shown=WORKLIST_SHOWN)


@bp.post("/report")
def make() -> BaseResponse:
    report_step(atelier().project, atelier().wiring)
    return redirect(url_for("report.page"))


@bp.get("/report/file/<name>")
def report_file(name: str) -> Response:
    at = atelier()
    folder = latest_report(at.project)
    if folder is None or name not in SERVED or not (folder / name).is_file():
        abort(404)
    response = send_file(folder / name, as_attachment=request.args.get("download") == "1")
    # the report's own page: its inline styles and SVG charts, never a script (its labels are escaped)
    response.headers["Content-Security-Policy"] = REPORT_POLICY
    return response
