"""Run the report's queries, in series, splitting any that times out: ``build_coverage``.

WDQS stops a query after 60 s (and bans clients that ignore its 429 Retry-After, which
:class:`~wikiclub.adapters.sparql.SparqlClient` honours). When a coverage query times out it is split
and the parts run one after the other, never in parallel: first one query per region bucket, then
(per-P31 mode) half of the classes each, then half of the columns each. A part that still times out
with a single column is left unmeasured. Every split and every gap becomes a :class:`Note` that the
report prints, so a reader knows how the figures were obtained.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from ..config import entity_page_url
from ..errors import QueryTimeoutError
from .model import ALL_GROUP, NO_REGION, Cell, CoverageTable, GroupSpec, Note, OwnEdits, WorkItem
from .queries import (
    CoverageTask,
    Namespaces,
    class_count_query,
    coverage_query,
    labels_query,
    worklist_query,
)
from .spec import ReportSpec

log = logging.getLogger(__name__)
LABEL_BATCH = 200
MAX_P31_GROUPS = 200  # per-P31 mode: the biggest classes; the rest are counted in "all" only


class Endpoint(Protocol):
    def select(self, query: str) -> list[dict[str, Any]]: ...


@dataclass
class _Run:
    """Mutable state of one collection (local to build_coverage; nothing global)."""

    endpoint: Endpoint
    spec: ReportSpec
    ns: Namespaces
    queries: int = 0
    notes: list[Note] = field(default_factory=list)
    # (group, region) → {"items": n, "counts": {measure id: n}, "statements": n, "sourced": n}
    cells: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def select(self, query: str) -> list[dict[str, Any]]:
        self.queries += 1
        return self.endpoint.select(query)


def _qid(value: Any, base: str) -> str:
    text = str(value)
    return text[len(base):] if text.startswith(base) else text


def _split(task: CoverageTask, regions: tuple[str, ...]) -> list[CoverageTask]:
    if task.region is None and regions:
        return [replace(task, region=r) for r in (*regions, NO_REGION)]
    if task.group is None and task.classes and len(task.classes) > 1:
        half = len(task.classes) // 2
        return [replace(task, classes=task.classes[:half]), replace(task, classes=task.classes[half:])]
    columns = len(task.measures) + (1 if task.statements else 0)
    if columns > 1:
        half = (len(task.measures) + (1 if task.statements else 0)) // 2
        # The statements pair counts as one column and always travels with the first half.
        first = half - (1 if task.statements else 0)
        return [replace(task, measures=task.measures[:first]),
                replace(task, measures=task.measures[first:], statements=False)]
    return []


def _run_task(run: _Run, task: CoverageTask) -> None:
    query = coverage_query(task, run.spec.selection, run.spec.regions, run.ns)
    try:
        rows = run.select(query)
    except QueryTimeoutError:
        parts = _split(task, run.spec.regions)
        if not parts:
            cols = ", ".join(m.id for m in task.measures) or "statements"
            run.notes.append(Note("failed", f"Non mesuré (délai dépassé) / not measured (timeout): "
                                            f"{task.describe()} — {cols}"))
            return
        run.notes.append(Note("split", f"Requête découpée en {len(parts)} après un délai dépassé / query split "
                                       f"in {len(parts)} after a timeout: {task.describe()}"))
        log.info("coverage query timed out, split in %d: %s", len(parts), task.describe())
        for part in parts:  # in series: WDQS asks for one query at a time
            _run_task(run, part)
        return
    for row in rows:
        group = _qid(row.get("group", ALL_GROUP), run.ns.entity)
        region = str(row.get("region", NO_REGION))
        cell = run.cells.setdefault((group, region), {"items": int(row.get("items", 0)), "counts": {}})
        cell["items"] = int(row.get("items", 0))
        for i, m in enumerate(task.measures):
            cell["counts"][m.id] = int(row.get(f"c{i}", 0))
        if task.statements:
            cell["statements"] = int(row.get("statements", 0))
            cell["sourced"] = int(row.get("sourced", 0))


def _p31_groups(run: _Run) -> list[GroupSpec]:
    rows = run.select(class_count_query(run.spec.selection, run.ns))
    classes = [_qid(r["group"], run.ns.entity) for r in rows if "group" in r]
    if len(classes) > MAX_P31_GROUPS:
        run.notes.append(Note("info", f"{len(classes)} classes (P31) : les {MAX_P31_GROUPS} plus grandes sont "
                                      f"détaillées / the {MAX_P31_GROUPS} biggest classes are shown"))
        classes = classes[:MAX_P31_GROUPS]
    return [GroupSpec(q, q, (q,), False, run.spec.default_measures, run.spec.default_worklist) for q in classes]


def _worklist(run: _Run, group: GroupSpec) -> list[WorkItem]:
    props = group.worklist
    if not props or run.spec.worklist_size <= 0:
        return []
    query = worklist_query(group, props, run.spec.selection, run.ns, run.spec.languages[0],
                           run.spec.worklist_size)
    try:
        rows = run.select(query)
    except QueryTimeoutError:
        run.notes.append(Note("failed", f"Liste « à compléter » non obtenue (délai dépassé) / to-do list not "
                                        f"obtained (timeout): {group.name}"))
        return []
    out = []
    for row in rows:
        missing = tuple(p for i, p in enumerate(props) if int(row.get(f"wcX{i}", 0)))
        out.append(WorkItem(group.id, _qid(row["item"], run.ns.entity), str(row.get("wcLabel", "")), missing))
    return out


def _labels(run: _Run, ids: list[str]) -> dict[str, str]:
    found: dict[str, dict[str, str]] = {}
    unique = list(dict.fromkeys(i for i in ids if i))
    for start in range(0, len(unique), LABEL_BATCH):
        chunk = tuple(unique[start:start + LABEL_BATCH])
        try:
            rows = run.select(labels_query(chunk, run.spec.languages, run.ns))
        except QueryTimeoutError:
            run.notes.append(Note("failed", "Libellés non obtenus (délai dépassé) / labels not obtained"))
            continue
        for row in rows:
            found.setdefault(_qid(row["e"], run.ns.entity), {})[str(row.get("lang", ""))] = str(row["l"])
    order = run.spec.languages
    return {qid: next(by_lang[lang] for lang in (*order, *by_lang) if lang in by_lang)
            for qid, by_lang in found.items()}


def _url_prefix(item_url: Callable[[str], str], entity_id: str) -> str:
    """The part of an entity's URL before its id (article paths end with the title: ``…/wiki/Item:``)."""
    url = item_url(entity_id)
    return url[: -len(entity_id)] if url.endswith(entity_id) else url.rsplit("/", 1)[0] + "/"


def _measure_groups(run: _Run, spec: ReportSpec) -> list[GroupSpec]:
    """The overall measures, then each group's (the spec's groups, or one group per P31 class)."""
    _run_task(run, CoverageTask(spec.overall, spec.overall.measures))
    if spec.by_p31:
        groups = _p31_groups(run)
        if groups:
            _run_task(run, CoverageTask(None, spec.default_measures, classes=tuple(g.id for g in groups)))
        return groups
    groups = list(spec.groups)
    for group in groups:
        _run_task(run, CoverageTask(group, group.measures))
    return groups


def build_coverage(spec: ReportSpec, endpoint: Endpoint, *, site: str, endpoint_url: str, api_url: str,
                   concept_base: str | None = None, own: OwnEdits | None = None,
                   now: Callable[[], dt.datetime] | None = None,
                   item_url: Callable[[str], str] | None = None) -> CoverageTable:
    """Measure the WikiProject on ``endpoint`` (a :class:`SparqlClient` or anything with ``select``).

    ``item_url`` (``SiteInfo.item_url``) links entities as the wiki serves them; without it, through
    ``Special:EntityPage`` (:func:`wikiclub.config.entity_page_url`), which works on any Wikibase."""
    link = item_url or (lambda eid: entity_page_url(api_url) + eid)
    run = _Run(endpoint, spec, Namespaces.for_base(concept_base))
    taken = (now or (lambda: dt.datetime.now(dt.UTC)))().replace(microsecond=0)
    groups = _measure_groups(run, spec)
    worklist: list[WorkItem] = []
    for group in (groups if not spec.by_p31 else [spec.overall]):
        worklist += _worklist(run, group)
    ids = [*spec.regions, *(c for g in groups for c in g.classes), *(m.key for g in (spec.overall, *groups)
                                                                    for m in g.measures if m.kind == "property"),
           *(p for w in worklist for p in w.missing)]
    if spec.selection.focus_item:
        ids.append(spec.selection.focus_item)
    labels = _labels(run, ids)
    if spec.by_p31:
        groups = [replace(g, name=labels.get(g.id, g.id)) for g in groups]
    cells = tuple(Cell(g, r, v["items"], tuple(sorted(v["counts"].items())), v.get("statements"), v.get("sourced"))
                  for (g, r), v in sorted(run.cells.items()))
    return CoverageTable(
        taken_at=taken.isoformat().replace("+00:00", "Z"), site=site, endpoint=endpoint_url, project=spec.name,
        regions=spec.regions, languages=spec.languages, groups=(spec.overall, *groups), cells=cells,
        labels=tuple(sorted(labels.items())), worklist=tuple(worklist), notes=tuple(run.notes),
        queries=run.queries, entity_url=_url_prefix(link, "Q1"), own=own or OwnEdits(available=False),
        property_url=_url_prefix(link, "P1"))

