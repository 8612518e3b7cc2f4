"""Where the measures come from: the entity JSON (the default) or SPARQL ``VALUES`` blocks.

Both give the same :class:`~.itemdata.ItemFacts` for the same item (``tests/test_report.py`` checks
it on kb.jsonl), and both cost one bounded request per block of ids:

- :class:`ApiFacts` — ``wbgetentities``, 50 ids per request, only the props needed and only the
  project's languages; with a :class:`~.cache.FactCache`, items already read are read again only
  when their revision changed: the revision comes with the membership queries (``schema:version``,
  no request at all) or, where the endpoint lacks it, from ``props=info``. Nothing else depends on
  how the query service shapes its RDF.
- :class:`SparqlFacts` — three queries per block of items (flags, P31, referenced statements) on the
  query service. Its statement counts need ``wikibase:statements``, which RDF not reshaped as WDQS
  does lacks (``dumpRdf.php`` output, QLever built from the raw dump): the report then says so and
  leaves the referenced share blank.

``docs/reports.md`` says which is used and why (measured by ``benchmarks/report_sources.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Protocol

from ..wbjson import Entity
from .budget import Collector
from .cache import FactCache
from .itemdata import ENTITY_PROPS, ItemFacts, facts_from_entity
from .membership import entity_id
from .model import Measure
from .queries import Namespaces, classes_query, facts_query, sourced_query

API_BATCH = 50  # wbgetentities ids per request (the limit without apihighlimits)


class EntityReader(Protocol):
    def get_entities(self, ids: Iterable[str], *, props: Sequence[str] | None = None,
                     languages: Sequence[str] | None = None) -> dict[str, Entity]: ...


class FactSource(Protocol):
    method: str

    def read(self, ids: Sequence[str], versions: Mapping[str, int]) -> dict[str, ItemFacts]: ...


class ApiFacts:
    """Item facts from ``wbgetentities`` (through the cache when there is one)."""

    method = "api"

    def __init__(self, run: Collector, reader: EntityReader, languages: tuple[str, ...],
                 cache: FactCache | None = None) -> None:
        self.run, self.reader, self.languages, self.cache = run, reader, languages, cache
        self.reused = 0
        self.gone: set[str] = set()  # deleted or redirected since the query service saw them

    def _get(self, ids: Sequence[str], props: Sequence[str], languages: Sequence[str] | None
             ) -> Iterator[tuple[str, Entity]]:
        """The entities of ``ids``, 50 per request, one request after the other (Wikimedia's API
        etiquette). Not overlapped with the caller's work in a thread: measured, the thread fighting
        the caller for the GIL made reading the socket several times slower."""
        for start in range(0, len(ids), API_BATCH):
            self.run.requests += 1
            yield from self.reader.get_entities(ids[start:start + API_BATCH], props=props,
                                                languages=languages).items()

    def read(self, ids: Sequence[str], versions: Mapping[str, int]) -> dict[str, ItemFacts]:
        """Facts of ``ids``: from the cache when the item's revision is unchanged — known from SPARQL
        (``versions``: no request at all) or asked with ``props=info`` —, else read again."""
        cached = self.cache.get(list(ids)) if self.cache is not None else {}
        fresh = {q: f for q, f in cached.items() if q in versions and f.revision >= versions[q]}
        gone: list[str] = []
        unsure = [q for q in cached if q not in versions]
        if unsure:
            for qid, info in self._get(unsure, ("info",), None):
                if _absent(qid, info):
                    gone.append(qid)
                elif int(info.get("lastrevid") or 0) == cached[qid].revision:
                    fresh[qid] = cached[qid]
        self.reused += len(fresh)
        wanted = [i for i in ids if i not in fresh and i not in gone]
        read: list[ItemFacts] = []
        for qid, entity in self._get(wanted, ENTITY_PROPS, self.languages):
            if _absent(qid, entity):
                gone.append(qid)
            else:
                read.append(facts_from_entity(entity, self.languages))
        if self.cache is not None:
            self.cache.put(read)
            self.cache.drop(gone)
        self.gone.update(gone)
        return {**fresh, **{f.id: f for f in read}}


def _absent(asked: str, entity: Entity) -> bool:
    """Deleted, missing, or a redirect (the target is counted as itself, if it belongs)."""
    return "missing" in entity or entity.get("id") != asked or entity.get("type", "item") != "item"


class SparqlFacts:
    """Item facts from the query service, per ``VALUES`` block (the same definitions)."""

    method = "sparql"

    def __init__(self, run: Collector, ns: Namespaces, languages: tuple[str, ...], sites: Sequence[str],
                 properties: Sequence[str], has_statements: bool) -> None:
        self.run, self.ns, self.languages, self.has_statements = run, ns, languages, has_statements
        self.measures = ([Measure("label", lang) for lang in languages]
                         + [Measure("description", lang) for lang in languages]
                         + [Measure("sitelink", s) for s in dict.fromkeys(sites)]
                         + [Measure("property", p) for p in dict.fromkeys(properties)])

    def read(self, ids: Sequence[str], versions: Mapping[str, int]) -> dict[str, ItemFacts]:
        rows = self.run.select(facts_query(ids, self.measures, self.languages[0], self.ns))
        classes: dict[str, list[str]] = {}
        for r in self.run.select(classes_query(ids, self.ns)):
            classes.setdefault(entity_id(r["item"], self.ns), []).append(entity_id(r["c"], self.ns))
        sourced: dict[str, int] = {}
        if self.has_statements:
            sourced = {entity_id(r["item"], self.ns): int(r.get("n", 0))
                       for r in self.run.select(sourced_query(ids, self.ns)) if "item" in r}
        out: dict[str, ItemFacts] = {}
        for r in rows:
            qid = entity_id(r["item"], self.ns)
            have = [m for i, m in enumerate(self.measures) if int(r.get(f"m{i}", 0))]
            out[qid] = ItemFacts(
                qid, 0, tuple(dict.fromkeys(classes.get(qid, ()))),
                tuple(m.key for m in have if m.kind == "label"),
                tuple(m.key for m in have if m.kind == "description"),
                tuple(m.key for m in have if m.kind == "sitelink"),
                tuple(m.key for m in have if m.kind == "property"),
                int(r.get("st", 0)) if self.has_statements else None,
                sourced.get(qid, 0) if self.has_statements else None,
                str(r.get("lbl", "")))
        return out
