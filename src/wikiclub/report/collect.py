"""Measure the WikiProject at a bounded cost: ``build_coverage``.

1. **Membership**, from ids only (:mod:`.membership`): the regions' P131 trees walked level by level,
   the items located in them by the « located by » properties, the focus list, the project's query.
2. **Measures**, item by item, from data whose cost is linear in the number of items and cannot time
   out (:mod:`.sources`): entity JSON read 50 per request into a local cache refreshed by
   ``lastrevid`` (default), or SPARQL ``VALUES`` blocks. Every query and request is in series.
3. **Classes**: the P279 tree walked upwards from the classes the items have.
4. **Tally** (:mod:`.tally`): cells per group and region bucket, the to-do list — in Python.

A time budget bounds the whole: what is not read when it runs out is *not measured*, and the cells
it touches are marked partial in every output (never shown as 0); a progress callback reports each
stage. Every split, gap and warning becomes a :class:`~.model.Note` that the report prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..config import entity_page_url
from ..errors import WikiError
from .budget import Budget, Collector, Endpoint, Progress, cycle_collector_paused
from .cache import FactCache
from .itemdata import ItemFacts
from .membership import entity_id, find_candidates, superclasses
from .model import CoverageTable, GroupSpec, OwnEdits, WorkItem
from .queries import Namespaces, labels_query, statements_probe
from .sources import ApiFacts, EntityReader, FactSource, SparqlFacts
from .spec import ReportSpec
from .tally import MAX_P31_GROUPS, Population, all_cells, p31_groups, populate, worklist

LABEL_BATCH = 200
FACTS_BLOCK = 500  # items per step of the measures (10 API requests, or 3 SPARQL queries)


@dataclass(frozen=True)
class Options:
    """How to measure: ``reader`` (the wiki's API) for entity JSON, else SPARQL blocks."""

    reader: EntityReader | None = None
    cache: FactCache | None = None
    budget: float | None = None  # seconds; None = no limit
    progress: Progress | None = None
    clock: Callable[[], float] | None = None
    # links to entities as the wiki serves them (``SiteInfo.item_url``, or the configured ``entity_url``);
    # without it, through ``Special:EntityPage`` (:func:`wikiclub.config.entity_page_url`), valid on any Wikibase
    item_url: Callable[[str], str] | None = None


def _has_statements(run: Collector, ns: Namespaces, method: str) -> bool:
    try:
        present = bool(run.select(statements_probe(ns)))
    except WikiError:  # the probe itself failed: assume the WDQS shape (the measures will tell)
        return True
    if not present:
        blanked = ("la part des déclarations sourcées reste vide / the referenced share is blank"
                   if method == "sparql" else
                   "sans effet ici : les déclarations sont comptées sur le JSON des éléments / no effect: "
                   "statements are counted from the entity JSON")
        run.note("warning", "Le point SPARQL n'a pas wikibase:statements (RDF brut : dumpRdf.php, QLever construit "
                            f"depuis le dump) / the endpoint lacks wikibase:statements: {blanked}")
    return present


def _source(run: Collector, spec: ReportSpec, ns: Namespaces, options: Options) -> FactSource:
    method = "api" if options.reader is not None else "sparql"
    has_statements = _has_statements(run, ns, method)
    if options.reader is not None:
        return ApiFacts(run, options.reader, spec.languages, options.cache)
    groups = (spec.overall, *spec.groups)
    sites = [m.key for g in groups for m in g.measures if m.kind == "sitelink"]
    props = [m.key for g in groups for m in g.measures if m.kind == "property"]
    props += [p for g in groups for p in g.worklist] + list(spec.default_worklist)
    return SparqlFacts(run, ns, spec.languages, sites, props, has_statements)


def _read_facts(run: Collector, source: FactSource, ids: list[str], versions: dict[str, int]
                ) -> dict[str, ItemFacts]:
    facts: dict[str, ItemFacts] = {}

    def read(block: Sequence[str]) -> None:
        facts.update(source.read(block, versions))
        run.tick("données", len(facts), len(ids))

    run.tick("données", 0, len(ids))
    _, failed = run.blocks(ids, FACTS_BLOCK, read, "données des éléments")
    if failed:
        run.note("partial", f"{len(failed)} élément(s) sur {len(ids)} non lus / items not read: leurs cases sont "
                            "marquées partielles / their cells are marked partial")
    return facts


def _labels(run: Collector, spec: ReportSpec, ns: Namespaces, ids: list[str]) -> dict[str, str]:
    found: dict[str, dict[str, str]] = {}
    unique = list(dict.fromkeys(i for i in ids if i))

    def read(block: Sequence[str]) -> None:
        for row in run.select(labels_query(tuple(block), spec.languages, ns)):
            found.setdefault(entity_id(row["e"], ns), {})[str(row.get("lang", ""))] = str(row["l"])

    saved, run.budget = run.budget, Budget()  # a few small queries: run even when the budget is spent
    run.blocks(unique, LABEL_BATCH, read, "libellés")
    run.budget = saved
    order = spec.languages
    return {qid: next(by_lang[lang] for lang in (*order, *by_lang) if lang in by_lang)
            for qid, by_lang in found.items()}


def _url_prefix(item_url: Callable[[str], str], entity_id: str) -> str:
    """The part of an entity's URL before its id (article paths end with the title: ``…/wiki/Item:``)."""
    url = item_url(entity_id)
    return url[: -len(entity_id)] if url.endswith(entity_id) else url.rsplit("/", 1)[0] + "/"


def _groups_and_worklist(spec: ReportSpec, pop: Population, run: Collector) -> tuple[list[GroupSpec],
                                                                                     list[WorkItem]]:
    if spec.by_p31:
        groups, classes = p31_groups(pop, spec.overall)
        if classes > MAX_P31_GROUPS:
            run.note("info", f"{classes} classes (P31) : les {MAX_P31_GROUPS} plus grandes sont détaillées / "
                             f"the {MAX_P31_GROUPS} biggest classes are shown")
        return groups, worklist(pop, spec.overall, spec.worklist_size)
    groups = list(spec.groups)
    return groups, [w for g in groups for w in worklist(pop, g, spec.worklist_size)]


def _population(run: Collector, spec: ReportSpec, ns: Namespaces, options: Options) -> tuple[Population, FactSource]:
    """Who is in the project (ids from SPARQL), what each item says (its facts), and its classes' closure."""
    # revisions are only of use to check cached item data
    found = find_candidates(run, spec.selection, ns,
                            versions=options.reader is not None and options.cache is not None and not options.cache.empty())
    source = _source(run, spec, ns, options)
    facts = _read_facts(run, source, found.ids(), found.versions)
    if isinstance(source, ApiFacts) and source.gone:  # not unread: gone (SPARQL lags behind the wiki)
        found.drop(source.gone)
    classes = {c for f in facts.values() for c in f.classes}
    saved, run.budget = run.budget, Budget()  # bounded by the distinct classes: always run
    closure, complete = superclasses(run, classes, ns)
    run.budget = saved
    return populate(spec, found, facts, closure, complete), source


def _named_ids(spec: ReportSpec, groups: list[GroupSpec], work: list[WorkItem]) -> list[str]:
    """The entities the report names (regions, classes, properties, the focus list): their labels are read."""
    ids = [*spec.regions, *(c for g in groups for c in g.classes),
           *(m.key for g in (spec.overall, *groups) for m in g.measures if m.kind == "property"),
           *(p for w in work for p in w.missing), *(p for r in spec.rules for p in r.properties)]
    if spec.selection.focus_item:
        ids.append(spec.selection.focus_item)
    return ids


def build_coverage(spec: ReportSpec, endpoint: Endpoint, *, site: str, endpoint_url: str, api_url: str,
                   concept_base: str | None = None, own: OwnEdits | None = None,
                   now: Callable[[], dt.datetime] | None = None, options: Options | None = None) -> CoverageTable:
    """Measure the WikiProject: membership on ``endpoint`` (SPARQL), measures from ``options.reader``
    (the wiki's API) or, without one, from ``endpoint`` too."""
    options = options or Options()
    with cycle_collector_paused():
        link = options.item_url or (lambda eid: entity_page_url(api_url) + eid)
        ns = Namespaces.for_base(concept_base)
        budget = Budget(options.budget, options.clock) if options.clock else Budget(options.budget)
        run = Collector(endpoint, budget, options.progress)
        taken = (now or (lambda: dt.datetime.now(dt.UTC)))().replace(microsecond=0)
        pop, source = _population(run, spec, ns, options)
        groups, work = _groups_and_worklist(spec, pop, run)
        ids = _named_ids(spec, groups, work)
        labels = _labels(run, spec, ns, ids)
        if spec.by_p31:
            groups = [replace(g, name=labels.get(g.id, g.id)) for g in groups]
        all_groups = (spec.overall, *groups)
        if isinstance(source, ApiFacts) and source.reused:
            run.note("info", f"{source.reused} élément(s) repris du cache (révision inchangée) / items reused from "
                             "the cache (same revision)")
        return CoverageTable(
            taken_at=taken.isoformat().replace("+00:00", "Z"), site=site, endpoint=endpoint_url, project=spec.name,
            regions=spec.regions, languages=spec.languages, groups=all_groups,
            cells=all_cells(pop, all_groups, spec.regions), labels=tuple(sorted(labels.items())),
            worklist=tuple(work), notes=tuple(run.notes), queries=run.queries, entity_url=_url_prefix(link, "Q1"),
            property_url=_url_prefix(link, "P1"),
            own=own or OwnEdits(available=False), requests=run.requests, seconds=budget.elapsed,
            method=source.method)


__all__ = ["Endpoint", "Options", "build_coverage"]
