"""The review page: the rows to decide first, filters, one row at a time with its candidates as cards;
each decision is written at once into the review sheet (keyboard: 1–5, N, S, U, J/K in atelier.js)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ..errors import UsageError
from .context import atelier, tr
from .reviewing import Filters, ReviewRow, lock_file, next_key
from .status import status

bp = Blueprint("review", __name__)



def _back(name: str, key: str, filters: Filters) -> BaseResponse:
    query = {**filters.query(), **({"key": key} if key else {})}
    return redirect(url_for("review.page", name=name) + ("?" + urlencode(query) if query else "") + "#ligne")


@bp.get("/work/<name>/review")
def page(name: str) -> str:
    at = atelier()
    work = at.project.work(name)
    if not work.review.exists():
        raise UsageError(tr("Pas encore de révision : réconciliez d'abord.", "No review yet: reconcile first."))
    rows = at.decisions.rows(work.review, at.link)
    filters = Filters.from_args(request.args)
    shown = [r for r in rows if filters.keep(r)]
    key = request.args.get("key", "")
    current = next((r for r in shown if r.key == key), None)
    if current is None:
        current = next((r for r in shown if r.pending), shown[0] if shown else None)
    index = shown.index(current) if current is not None else -1
    prev_key = shown[index - 1].key if index > 0 else ""
    next_row = shown[index + 1].key if 0 <= index < len(shown) - 1 else ""
    counts = {d: sum(1 for r in rows if r.final == d) for d in ("REVIEW", "NEW", "MATCH", "SKIP")}
    return render_template(
        "review.html", work=work, rows=shown, all_rows=len(rows), current=current, filters=filters,
        prev_key=prev_key, next_key=next_row, counts=counts, sheets=sorted({r.sheet for r in rows}),
        places=sorted({p for r in rows for p in r.places}), locked=lock_file(work.review).exists(),
        undo=bool(at.decisions.undo.get(work.review)), position=index + 1, st=status(at.project, work))


def _row(rows: list[ReviewRow], key: str) -> ReviewRow:
    row = next((r for r in rows if r.key == key), None)
    if row is None:
        raise UsageError(tr(f"Ligne inconnue : {key}", f"Unknown row: {key}"))
    return row


@bp.post("/work/<name>/review/decide")
def decide(name: str) -> BaseResponse:
    at = atelier()
    work = at.project.work(name)
    row = _row(at.decisions.rows(work.review, at.link), request.form.get("key", ""))
    at.decisions.decide(work.review, row, request.form.get("value", ""))
    filters = Filters.from_args(request.form)
    after = [r for r in at.decisions.rows(work.review, at.link) if filters.keep(r) or r.key == row.key]
    return _back(name, next_key(after, row.key), filters)


@bp.post("/work/<name>/review/linked")
def decide_linked(name: str) -> BaseResponse:
    at = atelier()
    work = at.project.work(name)
    row = _row(at.decisions.rows(work.review, at.link), request.form.get("key", ""))
    column = request.form.get("column", "")
    if column not in {lv.column for lv in row.linked}:
        raise UsageError(tr(f"Colonne liée inconnue : {column}", f"Unknown linked column: {column}"))
    at.decisions.decide_linked(work.review, row, column, request.form.get("qid", ""))
    return _back(name, row.key, Filters.from_args(request.form))


@bp.post("/work/<name>/review/undo")
def undo(name: str) -> BaseResponse:
    at = atelier()
    work = at.project.work(name)
    key = at.decisions.undo_last(work.review)
    return _back(name, key or request.form.get("key", ""), Filters.from_args(request.form))
