"""What each button of the atelier does, as plain functions over the same library functions as the CLI:
``sheets.validate``, ``reconcile.stage`` and ``reconcile.apply``, ``batch.build``/``folder``/``approve``/
``push``, ``report.run``. No Flask here; the long ones (:func:`reconcile_step`, :func:`push_step`) take a
:class:`~wikiclub.atelier.jobs.Job` to report their progress to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..adapters.http import make_session
from ..adapters.waits import WaitEvent
from ..adapters.wikibase import WikibaseClient
from ..config import Settings
from ..credentials import Credentials, find_credentials
from ..errors import UsageError
from ..model import Issue
from ..sheets.mapping import SheetMapping, load_mapping
from ..sheets.properties import PropertyCatalog
from .jobs import Job
from .progress import Wait, item_links, push_update
from .project import Project, Work

if TYPE_CHECKING:
    from ..adapters.sparql import SparqlClient
    from ..reconcile.sources import SourceChoice


@dataclass(frozen=True)
class Wiring:
    """What the CLI hands the atelier: the settings and how to get a mapping's property catalogue."""

    settings: Settings
    catalog_for: Callable[[SheetMapping], PropertyCatalog]
    credentials: Callable[[], Credentials] | None = None
    cache_dir: Path | None = None  # siteinfo, the region's index, a bare wiki's index (default: config's)

    def client(self, job: Job | None = None) -> WikibaseClient:
        """A client of its own for each step (a session is not shared between threads); with a job,
        its waits are reported to the page (and cut short by « Arrêter »)."""
        s = self.settings
        if job is None:
            return WikibaseClient.from_settings(s, make_session(s))
        announced: list[WaitEvent] = []  # the client announces each wait (what for), then sleeps
        client = WikibaseClient.from_settings(s, make_session(s), sleep=_reporting_sleep(job, announced))
        client.on_wait(announced.append)
        return client

    def login(self, client: WikibaseClient) -> None:
        s = self.settings
        creds = self.credentials() if self.credentials else find_credentials(
            s.site.name, credentials_file=s.credentials_file)
        client.login(creds)


# the client's kinds of wait (adapters/waits.py WaitEvent.kind) → the page's words (progress.WAIT_REASONS)
_WAIT_KINDS = {"throttle": "throttle", "ratelimit": "ratelimited", "maxlag": "maxlag", "retry": "retry"}


def _reporting_sleep(job: Job, announced: list[WaitEvent]) -> Callable[[float], None]:
    """The client's sleep: the page says what the wait is for (the event the client announced just
    before), and « Arrêter » cuts it short."""
    def sleep(seconds: float) -> None:
        event = announced.pop() if announced else None
        announced.clear()
        reason = _WAIT_KINDS.get(event.kind, "retry") if event is not None else "retry"
        update = push_update(Wait(reason, seconds))
        job.sleep(update.waiting_for, update.seconds)

    return sleep


def close(client: WikibaseClient) -> None:
    client.session.close()


# ---- validate ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Checked:
    rows_read: int
    rows_valid: int
    errors: int
    issues: tuple[Issue, ...]
    report: Path


def validate_step(work: Work, wiring: Wiring) -> Checked:
    from ..sheets.validate import validate_sheet, write_report

    mapping = load_mapping(work.mapping)
    v = validate_sheet(work.sheet, mapping, wiring.catalog_for(mapping))
    issues = v.issues
    write_report(work.problems, issues)
    return Checked(v.rows_read, v.rows_valid, len(v.errors), tuple(issues), work.problems)


# ---- reconcile --------------------------------------------------------------------------------------
def has_human_decisions(review: Path) -> bool:
    from ..reconcile.review import read_review

    return review.exists() and any(d.by_human for d in read_review(review))


def _project_source(job: Job, wiring: Wiring, client: WikibaseClient, sparql: SparqlClient | None,
                    focus: str | None) -> SourceChoice:
    """``sources.project_source`` for the atelier: its notices as lines of the job's panel."""
    from ..adapters.siteinfo import load_siteinfo
    from ..config import default_cache_dir
    from ..reconcile.sources import project_source

    cache_dir = wiring.cache_dir or default_cache_dir()
    job.advance(0, 0, "Lecture du wiki / reading the wiki")
    info = load_siteinfo(client, cache_dir)
    choice = project_source(wiring.settings, client, info, cache_dir, sparql=sparql, focus=focus, announce=job.note)
    if choice.notice:
        job.note(choice.notice)
    return choice


def reconcile_step(job: Job, work: Work, wiring: Wiring, *, replace: bool = False) -> dict[str, Any]:
    """Reconcile the work's sheet as ``wikiclub reconcile`` does — the same source (``project_source``:
    the region's index first, a bare wiki's own index, identifiers by SPARQL where the search cannot) —
    its notices and waits shown on the page, every finished row kept in the checkpoint."""
    from ..reconcile.run import RowInput
    from ..reconcile.stage import reconcile_mapped, summary, write_outputs
    from ..sheets.validate import validate_sheet

    if has_human_decisions(work.review) and not replace:
        raise UsageError("Des décisions sont déjà prises dans la révision : réconcilier à nouveau les effacerait "
                         "/ decisions were already made: reconciling again would erase them",
                         "Cochez « Remplacer la révision » pour recommencer / tick « replace » to start over.")
    job.advance(0, 0, "Lecture du tableur / reading the sheet")
    mapping = load_mapping(work.mapping)
    v = validate_sheet(work.sheet, mapping, wiring.catalog_for(mapping))
    rows = [r for r in v.result.rows if r.labels]  # a value that does not parse does not stop the search
    total = len(rows)
    job.advance(0, total, "Recherche des éléments / looking for the items")

    def progress(it: Iterable[RowInput]) -> Iterator[RowInput]:
        done = total - len(it) if isinstance(it, list) else 0  # rows already in the checkpoint
        for r in it:
            job.check_stop()
            job.advance(done, total, r.entity.text)
            yield r
            done += 1
        job.advance(total, total, "Écriture de la feuille de révision / writing the review sheet")

    from ..adapters.sparql import SparqlClient

    settings = wiring.settings
    client = wiring.client(job)
    sparql = SparqlClient.from_settings(settings, make_session(settings)) if settings.site.sparql_url else None
    try:
        choice = _project_source(job, wiring, client, sparql, next((r.focus_list for r in rows if r.focus_list), None))
        try:
            results = reconcile_mapped(rows, choice.source, language=mapping.language or "fr",
                                       checkpoint=work.checkpoint, resume=work.checkpoint.exists(), progress=progress,
                                       regions=wiring.settings.project.regions)
        finally:
            choice.close()
    finally:
        close(client)
        if sparql is not None:
            sparql.session.close()
    write_outputs(work.review, rows, results, item_url=item_links(wiring.settings), site="")
    work.checkpoint.unlink(missing_ok=True)
    return {"counts": summary(results)}


# ---- plan, approve ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Planned:
    batch: Path
    undecided: tuple[str, ...]
    skipped: tuple[str, ...]
    edits: int


def plan_step(project: Project, work: Work, wiring: Wiring) -> tuple[Work, Planned]:
    from dataclasses import replace as replaced

    from ..batch.build import PlanOptions, build_plan, read_reconciled
    from ..batch.folder import write_batch
    from ..batch.model import sha256_file
    from ..reconcile.apply import apply_review

    applied = apply_review(work.review, work.reconciled)
    name = project.new_batch_name(work, sha256_file(work.reconciled))
    batch = project.inside(Path("batches") / name)
    mapping = load_mapping(work.mapping)
    s = wiring.settings
    client = wiring.client()
    try:
        plan = build_plan(read_reconciled(work.reconciled), client,
                          site={"name": s.site.name, "api_url": s.site.api_url}, batch_id=name,
                          options=PlanOptions(frozenset(), mapping.language or "fr", "wikiclub atelier",
                                              {"reconciled": work.reconciled, "mapping": work.mapping}))
    finally:
        close(client)
    write_batch(plan, batch)
    work = replaced(work, batch_name=name)
    project.save_work(work)
    return work, Planned(batch, tuple(applied.undecided), tuple(applied.skipped), len(plan.edits))


def approve_step(batch: Path, by: str) -> dict[str, Any]:
    from ..batch.approve import approve

    return approve(batch, by)


# ---- push -------------------------------------------------------------------------------------------
def push_step(job: Job, batch: Path, wiring: Wiring) -> dict[str, Any]:
    from ..batch.approve import check_approved
    from ..batch.folder import read_batch
    from ..batch.push import PushInterrupted, PushOptions, push_plan

    plan = read_batch(batch)  # the batch is checked before any credential is looked up
    check_approved(batch)
    job.advance(0, len(plan.edits), "Connexion au wiki / logging in")
    client = wiring.client(job)
    try:
        wiring.login(client)

        def on_event(event: Any) -> None:
            update = push_update(event)
            if update.kind == "wait":
                job.waiting(update.waiting_for, update.seconds)
                return
            job.advance(update.position, update.total, update.label)
            job.note(f"{update.position}/{update.total} · {update.label}"
                     + (f" · {update.detail}" if update.detail else ""), update.state)
            job.check_stop()

        try:
            report = push_plan(batch, client, PushOptions(resume_command="wikiclub atelier → Publier / Publish"),
                               on_event=on_event)
        except PushInterrupted:
            raise KeyboardInterrupt from None
    finally:
        close(client)
    return {"done": report.done, "created": len(report.created), "failed": len(report.failed)}


# ---- report -----------------------------------------------------------------------------------------
def report_step(project: Project, wiring: Wiring) -> Path:
    from ..adapters.sparql import SparqlClient
    from ..report.own import own_edits
    from ..report.run import make_report
    from ..report.spec import SPEC_FILENAME, load_spec

    s = wiring.settings
    if not s.site.sparql_url:
        raise UsageError(f"Le site {s.site.name} n'a pas de point SPARQL / has no SPARQL endpoint",
                         "sparql_url dans wikiclub.toml")
    spec_file = project.root / SPEC_FILENAME
    spec = load_spec(s.project, spec_file if spec_file.is_file() else None)
    out = project.reports / date.today().isoformat()
    session = make_session(s)
    try:
        sparql = SparqlClient(s.site.sparql_url, session, timeout=s.sparql_timeout,
                              connect_timeout=s.connect_timeout, max_attempts=s.retries)
        make_report(spec, sparql, out, site=s.site.name, endpoint_url=s.site.sparql_url, api_url=s.site.api_url,
                    concept_base=s.site.concept_base, history=project.reports / "snapshots.sqlite",
                    own=own_edits(project.batches))
    finally:
        session.close()
    return out


def latest_report(project: Project) -> Path | None:
    folders = sorted(p for p in project.reports.glob("*") if (p / "couverture.csv").is_file()) \
        if project.reports.is_dir() else []
    return folders[-1] if folders else None
