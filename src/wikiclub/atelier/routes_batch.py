"""The batch pages: plan (per item before → after, notes, conflicts), approve (who), publish (a push in the
background with its progress; an interrupted push resumes from its journal)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ..batch.folder import read_batch
from ..errors import UsageError, WikiError
from ..wbjson import Entity
from .context import Atelier, atelier, tr
from .planview import plan_views, targets
from .progress import editgroup_url
from .routes_work import job_view
from .status import status
from .steps import approve_step, close, plan_step, push_step

bp = Blueprint("batch", __name__)


def _batch(at: Atelier, name: str) -> tuple[Any, Path]:
    work = at.project.work(name)
    batch = at.project.batch_dir(work)
    if batch is None or not (batch / "meta.json").exists():
        raise UsageError(tr("Pas encore de lot : préparez-le d'abord (page Lot).",
                            "No batch yet: plan it first (Batch page)."))
    return work, batch


def _current(at: Atelier, ids: list[str]) -> tuple[Mapping[str, Entity], bool]:
    """The items as they are now (for « before »), or nothing when the wiki does not answer."""
    if not ids:
        return {}, True
    client = at.wiring.client()
    try:
        return client.get_entities(ids, props=("labels", "descriptions", "aliases", "claims")), True
    except WikiError:
        return {}, False
    finally:
        close(client)


@bp.get("/work/<name>/batch")
def page(name: str) -> str:
    at = atelier()
    work = at.project.work(name)
    st = status(at.project, work)
    if st.batch is None:
        return render_template("batch.html", work=work, st=st, plan=None, items=[], notes=[], live=True)
    plan = read_batch(st.batch)
    current, live = _current(at, list(targets(plan)))
    items, notes = plan_views(plan, current, at.link)
    return render_template("batch.html", work=work, st=st, plan=plan, items=items, notes=notes, live=live,
                           batch_rel=at.project.rel(st.batch))


@bp.post("/work/<name>/plan")
def plan(name: str) -> BaseResponse:
    at = atelier()
    work = at.project.work(name)
    if work.batch_name and status(at.project, work).push_unfinished:
        raise UsageError(tr("Un envoi de ce lot est inachevé : reprenez-le (page Publier) avant de replanifier.",
                            "A push of this batch is unfinished: resume it (Publish page) before planning again."))
    work, planned = plan_step(at.project, work, at.wiring)
    query = f"?undecided={len(planned.undecided)}" if planned.undecided else ""
    return redirect(url_for("batch.page", name=name) + query)


@bp.post("/work/<name>/approve")
def approve(name: str) -> BaseResponse:
    at = atelier()
    _, batch = _batch(at, name)
    by = request.form.get("by", "")
    if not by.strip():
        raise UsageError(tr("Dites qui approuve (par exemple User:MonNom).", "Say who approves (e.g. User:MyName)."))
    approve_step(batch, by)
    return redirect(url_for("batch.publish", name=name))


@bp.get("/work/<name>/publish")
def publish(name: str) -> str:
    at = atelier()
    work = at.project.work(name)
    st = status(at.project, work)
    job = at.jobs.latest(name, "push")
    group = ""
    if st.batch is not None:
        group = str(read_batch(st.batch).meta.get("editgroup", ""))
    return render_template("publish.html", work=work, st=st, job=job, editgroup=group,
                           snap=job_view(job.snapshot(), g.get("lang", "fr")) if job else None,
                           editgroup_url=editgroup_url(at.wiring.settings, group),
                           report=st.push or {})


@bp.post("/work/<name>/publish")
def push(name: str) -> BaseResponse:
    at = atelier()
    _, batch = _batch(at, name)
    at.jobs.start("push", name, lambda job: push_step(job, batch, at.wiring))
    return redirect(url_for("batch.publish", name=name))
