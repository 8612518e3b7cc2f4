"""Pages: home (works, a new work from a sheet picked or dropped), a work (check, reconcile with a progress
bar), the jobs' progress as JSON, the language switch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, g, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ..errors import UsageError
from .context import atelier, tr
from .progress import lang_part, state_text, wait_text
from .project import MAX_UPLOAD
from .status import save_checked, status
from .steps import reconcile_step, validate_step

bp = Blueprint("work", __name__)


@bp.get("/")
def home() -> str:
    at = atelier()
    works = [(w, status(at.project, w)) for w in at.project.works()]
    return render_template("home.html", works=works, sheets=at.project.sheets(), mappings=at.project.mappings(),
                           max_upload=MAX_UPLOAD // (1024 * 1024))


@bp.post("/works")
def new_work() -> BaseResponse:
    at = atelier()
    upload = request.files.get("upload")
    if upload is not None and upload.filename:
        sheet_rel = at.project.save_upload(upload.filename, upload.stream)
        sheet = at.project.inside(Path(sheet_rel))
    else:
        sheet = at.project.pick(request.form.get("sheet", ""), at.project.sheets(), "tableur / sheet")
    mapping = at.project.pick(request.form.get("mapping", ""), at.project.mappings(), "mapping")
    work = at.project.new_work(sheet, mapping)
    return redirect(url_for("work.show", name=work.name))


@bp.get("/work/<name>")
def show(name: str) -> str:
    at = atelier()
    work = at.project.work(name)
    job = at.jobs.latest(name, "reconcile")
    return render_template("work.html", work=work, st=status(at.project, work), job=job,
                           snap=job_view(job.snapshot(), g.get("lang", "fr")) if job else None,
                           sheet_rel=at.project.rel(work.sheet), mapping_rel=at.project.rel(work.mapping))


@bp.post("/work/<name>/validate")
def validate(name: str) -> BaseResponse:
    at = atelier()
    work = at.project.work(name)
    checked = validate_step(work, at.wiring)
    save_checked(work, checked.rows_read, checked.rows_valid, checked.issues)
    return redirect(url_for("work.show", name=name) + "#verification")


@bp.post("/work/<name>/reconcile")
def reconcile(name: str) -> BaseResponse:
    at = atelier()
    work = at.project.work(name)
    replace = request.form.get("replace") == "1"
    at.jobs.start("reconcile", name, lambda job: reconcile_step(job, work, at.wiring, replace=replace))
    return redirect(url_for("work.show", name=name) + "#reconciliation")


@bp.get("/jobs/<job_id>")
def job_state(job_id: str) -> Response:
    job = atelier().jobs.get(job_id)
    if job is None:
        abort(404)
    return jsonify(job_view(job.snapshot(), g.get("lang", "fr")))


def job_view(snap: dict[str, Any], lang: str) -> dict[str, Any]:
    """A job's snapshot in the page's language (what it waits for, the step, each line's state)."""
    return {**snap, "waiting_text": wait_text(snap["waiting_for"], lang) if snap["waiting_for"] else "",
            "activity": lang_part(snap["activity"], lang), "error": lang_part(snap["error"], lang),
            "hint": lang_part(snap["hint"], lang),
            "lines": [text + (f" · {state_text(state, lang)}" if state else "") for text, state in snap["lines"]]}


@bp.post("/jobs/<job_id>/stop")
def job_stop(job_id: str) -> BaseResponse:
    at = atelier()
    job = at.jobs.get(job_id)
    if job is None:
        abort(404)
    job.stop.set()
    if request.headers.get("X-CSRF-Token"):
        return jsonify(job_view(job.snapshot(), g.get("lang", "fr")))
    target = "batch.publish" if job.kind == "push" else "work.show"
    return redirect(url_for(target, name=job.work))


@bp.get("/lang/<code>")
def language(code: str) -> BaseResponse:
    if code not in ("fr", "en"):
        raise UsageError(tr("Langue inconnue.", "Unknown language."))
    back = request.args.get("next", "/")
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = "/"  # only a page of the atelier: never an open redirect
    response = redirect(back)
    response.set_cookie("lang", code, max_age=3600 * 24 * 365, samesite="Strict", httponly=True)
    return response
