"""The reconciliation service of ``wikiclub reconcile serve``: W3C Reconciliation Service API 0.2, without HTTP.

Every answer of the service is made here from plain parameters (``handle(route, params, base_url)``),
so it is tested without a server and any web front end can mount it (``wikiclub.web`` wires it into
Flask). The engine is the one ``wikiclub reconcile`` runs (``run.Reconciler``: same candidate source,
same caches, same scores and decisions):

- a batch of queries is prepared at once (each distinct name, identifier and website looked up once,
  facts fetched in batches of 50), then each query is judged as the row it stands for
  (``serve_query``); ``match`` is true only for the item wikiclub would MATCH, ``features`` are the
  engine's evidence (points per feature, ``decisive``, ``contradiction``);
- the engine and its caches live across batches (an OpenRefine job sends batches of 10), and start
  afresh after ``idle_reset`` seconds without a query, so a later job sees the wiki's edits;
- suggest (entity, type, property), preview (an HTML card's data: the web layer escapes it), data
  extension (property values of items, properties proposed for a type from the mappings).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from .. import __version__
from ..config import SiteConfig
from ..errors import WikiclubError, WikiError
from ..facts import Facts
from ..model import is_item_id, is_property_id
from ..names import fold
from ..sheets.mapping import SheetMapping
from ..sheets.properties import PropertyCatalog, PropertyInfo
from ..wbjson import Entity, SearchHit
from .candidates import CandidateSource
from .model import Decision, Match, ScoredCandidate, Thresholds
from .run import Reconciler
from .serve_extend import EntityReads, extension
from .serve_query import Limits, Profile, Query, RequestError, Translator, parse_batch, profiles_from_mappings

SUGGEST_PAGE = 10
PREVIEW_SIZE = (400, 130)
IDLE_RESET = 900.0  # seconds without a query after which the engine's caches start afresh
_CALLBACK = re.compile(r"[A-Za-z_$][\w$]{0,99}(?:\.[A-Za-z_$][\w$]{0,99}){0,4}")
JSON_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True)
class SiteInfo:
    """What the manifest says about the wiki: names of entity and property spaces, item pages."""

    name: str
    identifier_space: str
    schema_space: str
    view_url: str  # with "{{id}}"


def site_info(site: SiteConfig, concept_base: str | None = None) -> SiteInfo:
    """Wikidata's spaces for Wikidata (and the sandbox, which uses its concept base); else the
    configured Wikibase's: ``concept_base`` (the site's own word, siteinfo's ``wikibase-conceptbaseuri``),
    else the configuration's, else the Wikibase default ``<server>/entity/``."""
    parts = urlsplit(site.api_url)
    base = concept_base or site.concept_base or f"{parts.scheme}://{parts.netloc}/entity/"
    base = base if base.endswith("/") else base + "/"
    root = base[: -len("entity/")] if base.endswith("entity/") else base
    return SiteInfo(site.name, base, root + "prop/direct/", item_url(site, "{{id}}"))


def item_url(site: SiteConfig, qid: str) -> str:
    """The page of an item on the site (the review sheet's links use the same form)."""
    return site.api_url.rsplit("/w/", 1)[0].rstrip("/") + "/wiki/" + qid


PropertySearch = Callable[[str, str], Sequence[SearchHit]]
Fetch = Callable[[Sequence[str]], Mapping[str, Entity]]


class SiteAsker(Protocol):
    def call(self, params: Mapping[str, Any], *, post: bool = False) -> dict[str, Any]: ...


def ask_concept_base(client: SiteAsker) -> str | None:
    """The wiki's concept base URI (``meta=siteinfo``), or None when it does not say."""
    general = client.call({"action": "query", "meta": "siteinfo", "siprop": "general"}).get("query", {})
    value = general.get("general", {}).get("wikibase-conceptbaseuri")
    return str(value) if value else None


class WikiReads(EntityReads, Protocol):
    """The wiki reads of the service in API mode (``adapters.wikibase.WikibaseClient``)."""

    def search_entities(self, text: str, *, language: str, type: str = "item",  # noqa: A002
                        limit: int = 7) -> list[SearchHit]: ...


def build_service(source: CandidateSource, site: SiteInfo, mappings: Sequence[SheetMapping],
                  catalog: PropertyCatalog, *, wiki: WikiReads | None = None, language: str = "fr",
                  languages: Sequence[str] = ("fr", "en"), thresholds: Thresholds | None = None,
                  regions: Sequence[str] = ()) -> ReconService:
    """The service for a project: its mappings give the types and how each is reconciled; with ``wiki``
    (API mode) unknown properties and data extension are asked of the site, else (local index) nothing is.
    ``regions``: the WikiProject's (wikiclub.toml), the home of homonym towns (``ReconQuery.home``)."""
    book = PropertyBook(catalog)
    if wiki is not None:
        client = wiki
        book = PropertyBook(catalog, fetch=lambda ids: client.get_entities(
            ids, props=("labels", "datatype", "claims"), languages=tuple(languages)),
            search=lambda text, lang: client.search_entities(text, language=lang, type="property", limit=10))
    return ReconService(source, site, profiles=profiles_from_mappings(mappings), properties=book, entities=wiki,
                        language=language, languages=languages, thresholds=thresholds, regions=regions)


class PropertyBook:
    """The property catalogue (datatypes, labels), asked of the site for properties it does not know
    yet when a ``fetch`` is given; ``search`` is the site's property search (``wbsearchentities``)."""

    def __init__(self, catalog: PropertyCatalog, *, fetch: Fetch | None = None,
                 search: PropertySearch | None = None) -> None:
        self._catalog = catalog
        self._fetch = fetch
        self._search = search

    def catalog(self, pids: Sequence[str] = ()) -> PropertyCatalog:
        wanted = [p for p in pids if is_property_id(p)]
        if self._fetch is not None and any(self._catalog.get(p) is None for p in wanted):
            self._catalog = self._catalog.ensure(wanted, self._fetch)
        return self._catalog

    def get(self, pid: str) -> PropertyInfo | None:
        return self.catalog([pid]).get(pid)

    def label(self, pid: str) -> str:
        info = self.get(pid)
        return info.label if info and info.label else pid

    def search(self, prefix: str, language: str) -> list[tuple[str, str, str]]:
        """(id, label, description) of properties whose id or label starts with ``prefix``."""
        key = fold(prefix)
        found = [(p.id, p.label or p.id, "") for p in self._catalog.properties.values()
                 if p.id.lower() == key or fold(p.label).startswith(key)]
        if self._search is not None:
            for hit in self._search(prefix, language):
                pid = str(hit.get("id", ""))
                if is_property_id(pid) and all(pid != f[0] for f in found):
                    found.append((pid, str(hit.get("label") or pid), str(hit.get("description") or "")))
        return found


@dataclass(frozen=True)
class Preview:
    """The data of a preview card (the web layer renders it as HTML, escaped)."""

    id: str
    label: str
    description: str
    url: str
    types: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    identifiers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Answer:
    """One answer: HTTP status and a JSON document, or a preview card."""

    status: int
    payload: Mapping[str, Any] | None = None
    preview: Preview | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


def candidate_json(c: ScoredCandidate, *, match: bool, score: float,
                   types: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """One candidate of a result: ``features`` are the engine's, one per piece of evidence (points),
    repeated kinds numbered ("type", "type#2"), plus ``decisive`` / ``contradiction`` flags."""
    seen: dict[str, int] = {}
    features: list[dict[str, Any]] = []
    for f in c.features:
        seen[f.name] = seen.get(f.name, 0) + 1
        fid = f.name if seen[f.name] == 1 else f"{f.name}#{seen[f.name]}"
        features.append({"id": fid, "value": round(float(f.points), 1)})
    if c.decisive:
        features.append({"id": "decisive", "value": True})
    if c.blocked:
        features.append({"id": "contradiction", "value": True})
    out: dict[str, Any] = {"id": c.qid, "name": c.label or c.qid, "score": round(score, 1), "match": match,
                           "type": list(types), "features": features}
    if c.description:
        out["description"] = c.description
    return out


def _scores(m: Match, limit: int) -> list[tuple[ScoredCandidate, float, bool]]:
    """Candidates in the engine's order with the score to show. OpenRefine sorts by score and
    auto-matches only the first: the MATCH (found by an identifier or website even when its name scores
    less) is shown with the best score of the list and listed first, so it stays first."""
    shown = list(m.candidates[:limit])
    best = max((c.score for c in shown), default=0.0)
    out = []
    for c in shown:
        is_match = m.decision == Decision.MATCH and c.qid == m.qid
        out.append((c, max(c.score, best) if is_match else c.score, is_match))
    out.sort(key=lambda t: (not t[2], -t[1]))
    return out


def jsonp(callback: str, body: str) -> str:
    """``body`` wrapped for a JSONP ``callback`` (a JavaScript name: anything else is refused)."""
    if not _CALLBACK.fullmatch(callback):
        raise RequestError("callback : nom de fonction JavaScript invalide / not a JavaScript function name.")
    return f"/**/{callback}({body});"


class ReconService:
    """The service over one candidate source. Thread-safe: one request is answered at a time."""

    def __init__(self, source: CandidateSource, site: SiteInfo, *, profiles: Sequence[Profile],
                 properties: PropertyBook, entities: EntityReads | None = None, language: str = "fr",
                 languages: Sequence[str] = ("fr", "en"), thresholds: Thresholds | None = None,
                 limits: Limits | None = None, idle_reset: float = IDLE_RESET,
                 clock: Callable[[], float] = time.monotonic, regions: Sequence[str] = ()) -> None:
        self.source = source
        self.site = site
        self.profiles = list(profiles)
        self.properties = properties
        self.entities = entities
        self.languages = tuple(dict.fromkeys([language, *languages]))
        self.thresholds = thresholds or Thresholds()
        self.limits = limits or Limits()
        self.translator = Translator(self.profiles, properties.catalog, language=language, regions=regions)
        self._idle_reset = idle_reset
        self._clock = clock
        self._lock = threading.Lock()
        self._engine: Reconciler | None = None
        self._last = 0.0
        self.batches = 0  # reconciliation batches answered (for logs and tests)

    # ---- the engine ---------------------------------------------------------------------------
    def engine(self) -> Reconciler:
        now = self._clock()
        if self._engine is None or now - self._last > self._idle_reset:
            self._engine = Reconciler(self.source, thresholds=self.thresholds)
        self._last = now
        return self._engine

    def facts(self, ids: Iterable[str]) -> dict[str, Facts]:
        kb = self.engine().kb
        ids = [i for i in dict.fromkeys(ids) if is_item_id(i) or is_property_id(i)]
        kb.load(ids)
        return {i: f for i in ids if (f := kb.get(i)) is not None}

    def _label(self, qid: str, facts: Mapping[str, Facts]) -> str:
        f = facts.get(qid)
        return f.label(self.languages) if f else qid

    # ---- reconciliation -----------------------------------------------------------------------
    def reconcile(self, queries: Sequence[Query]) -> dict[str, Any]:
        """One batch: every lookup of the batch first, then each query judged as its row."""
        engine = self.engine()
        inputs = [self.translator.row_input(q, n) for n, q in enumerate(queries, start=1)]
        engine.prepare([ri for ri, _ in inputs])
        matches = []
        for ri, cell in inputs:
            res = engine.row(ri)
            matches.append(res.linked[0].match if cell else res.entity)
        self.batches += 1
        return self.results(queries, matches)

    def results(self, queries: Sequence[Query], matches: Sequence[Match]) -> dict[str, Any]:
        facts = self.facts(c.qid for m in matches for c in m.candidates)
        classes = self.facts(t for f in facts.values() for t in f.instance_of[:3])
        out: dict[str, Any] = {}
        for q, m in zip(queries, matches, strict=True):
            limit = min(q.limit or self.limits.max_candidates, self.limits.max_candidates)
            result = []
            for c, score, is_match in _scores(m, limit):
                f = facts.get(c.qid)
                types = [{"id": t, "name": self._label(t, classes)} for t in (f.instance_of[:3] if f else ())]
                result.append(candidate_json(c, match=is_match, score=score, types=types))
            out[q.key] = {"result": result, "wikiclub": {"decision": m.decision.value, "reason": m.reason}}
        return out

    # ---- manifest -----------------------------------------------------------------------------
    def default_types(self) -> list[dict[str, str]]:
        facts = self.facts(p.type_id for p in self.profiles)
        return [{"id": p.type_id, "name": self._label(p.type_id, facts)} for p in self.profiles]

    def manifest(self, base_url: str) -> dict[str, Any]:
        base = base_url.rstrip("/")
        return {
            "versions": ["0.2"],
            "name": f"wikiclub ({self.site.name})",
            "identifierSpace": self.site.identifier_space,
            "schemaSpace": self.site.schema_space,
            "serviceVersion": __version__,
            "view": {"url": self.site.view_url},
            "preview": {"url": base + "/preview?id={{id}}", "width": PREVIEW_SIZE[0], "height": PREVIEW_SIZE[1]},
            "suggest": {kind: {"service_url": base, "service_path": f"/suggest/{kind}"}
                        for kind in ("entity", "type", "property")},
            "extend": {"propose_properties": {"service_url": base, "service_path": "/propose_properties"},
                       "property_settings": [{"name": "limit", "label": "Limite / limit", "type": "number",
                                              "default": 0, "help_text": "Valeurs par propriété au plus (0 : "
                                              "toutes) / values per property at most (0: all)"}]},
            "defaultTypes": self.default_types(),
        }

    # ---- suggest ------------------------------------------------------------------------------
    def _page(self, found: Sequence[dict[str, Any]], cursor: int) -> dict[str, Any]:
        return {"result": list(found[cursor:cursor + SUGGEST_PAGE])}

    def _search(self, prefix: str) -> tuple[list[str], dict[str, Facts]]:
        """Items found for ``prefix`` with a name starting with it, then those with a name containing
        it (the local index also finds by resemblance: those are left out of an autocompletion)."""
        ids = [i for i in self.source.search([prefix], self.languages[0]) if is_item_id(i)]
        facts = self.facts(ids)
        key = fold(prefix)

        def rank(qid: str) -> int:
            names = [fold(t) for _, _, t in facts[qid].names()] if qid in facts else []
            return 0 if any(n.startswith(key) for n in names) else 1 if any(key in n for n in names) else 2

        ranks = {i: rank(i) for i in ids}
        return sorted((i for i in ids if ranks[i] < 2), key=ranks.__getitem__), facts

    def suggest_entity(self, prefix: str, cursor: int = 0) -> dict[str, Any]:
        if not prefix:
            return {"result": []}
        ids, facts = self._search(prefix)
        classes = self.facts(t for f in facts.values() for t in f.instance_of[:3])
        found = []
        for qid in ids:
            f = facts.get(qid)
            if f is None:
                continue
            hit: dict[str, Any] = {"id": qid, "name": f.label(self.languages),
                                   "notable": [{"id": t, "name": self._label(t, classes)} for t in f.instance_of[:3]]}
            if f.description(self.languages):
                hit["description"] = f.description(self.languages)
            found.append(hit)
        return self._page(found, cursor)

    def suggest_type(self, prefix: str, cursor: int = 0) -> dict[str, Any]:
        key = fold(prefix)
        found = [t for t in self.default_types() if t["id"].lower() == key or fold(t["name"]).startswith(key)]
        if prefix:
            ids, facts = self._search(prefix)
            for qid in ids:
                f = facts.get(qid)
                if f is not None and f.subclass_of and all(t["id"] != qid for t in found):
                    found.append({"id": qid, "name": f.label(self.languages)})
        return self._page(found, cursor)

    def suggest_property(self, prefix: str, cursor: int = 0) -> dict[str, Any]:
        found: list[dict[str, Any]] = []
        for pid, label, description in self.properties.search(prefix, self.languages[0]) if prefix else ():
            found.append({"id": pid, "name": label, **({"description": description} if description else {})})
        # the mappings' columns without a property (hints, a template's parts) are named by their title
        key = fold(prefix)
        for column, what in self.translator.named_columns() if prefix else ():
            if fold(column).startswith(key):
                found.append({"id": column, "name": column, "description": what})
        return self._page(found, cursor)

    # ---- preview ------------------------------------------------------------------------------
    def preview(self, qid: str) -> Preview:
        qid = qid.strip().upper()
        if not (is_item_id(qid) or is_property_id(qid)):
            raise RequestError(f"id : « {qid[:40]} » n'est pas un identifiant / is not an entity id.")
        f = self.facts([qid]).get(qid)
        if f is None:
            raise RequestError(f"{qid} : introuvable sur {self.site.name} / not found.", status=404)
        named = self.facts([*f.instance_of[:3], *f.located_in[:2]])
        return Preview(qid, f.label(self.languages), f.description(self.languages),
                       self.site.view_url.replace("{{id}}", qid),
                       tuple(self._label(t, named) for t in f.instance_of[:3]),
                       tuple(self._label(p, named) for p in f.located_in[:2]), f.identifiers[:4])

    # ---- data extension -----------------------------------------------------------------------
    def propose_properties(self, type_id: str, limit: int = 0) -> dict[str, Any]:
        """The properties the mappings give things of that type (every mapping's when none fits)."""
        profile = self.translator.profile_for([type_id]) if type_id else None
        chosen = [profile] if profile else self.profiles
        pids: list[str] = []
        for p in chosen:
            if p.mapping is not None:
                pids += ["P31", *statement_properties(p.mapping)]
            elif p.column is not None and p.column.property:
                pids += ["P31", p.column.property]
        pids = list(dict.fromkeys(pids))[: limit or None]
        out: dict[str, Any] = {"type": type_id, "properties": [{"id": p, "name": self.properties.label(p)}
                                                               for p in pids]}
        if limit:
            out["limit"] = limit
        return out

    def extend(self, raw: Any) -> dict[str, Any]:
        return extension(raw, entities=self.entities, facts=self.facts, property_label=self.properties.label,
                         languages=self.languages, max_ids=self.limits.max_ids)

    # ---- one request --------------------------------------------------------------------------
    def handle(self, route: str, params: Mapping[str, str], base_url: str) -> Answer:
        """The answer to one request: ``route`` is the path under the service ("", "suggest/entity",
        "preview" …), ``params`` its query-string and form fields."""
        try:
            with self._lock:
                return self._dispatch(route.strip("/"), params, base_url)
        except RequestError as exc:
            return Answer(exc.status, {"error": exc.message, **({"hint": exc.hint} if exc.hint else {})})
        except WikiError as exc:
            return Answer(502, {"error": f"Le wiki a répondu une erreur / the wiki answered an error: {exc.message}"})
        except WikiclubError as exc:  # e.g. an unreadable local index: said, not a traceback
            return Answer(500, {"error": exc.message, **({"hint": exc.hint} if exc.hint else {})})

    def _dispatch(self, route: str, params: Mapping[str, str], base_url: str) -> Answer:
        for name, value in params.items():
            if len(value) > self.limits.max_bytes:
                raise RequestError(f"{name} : plus de {self.limits.max_bytes} octets / too large.", status=413)
        if route == "":
            if params.get("queries"):
                return Answer(200, self.reconcile(parse_batch(_json(params["queries"], "queries"), self.limits)))
            if params.get("extend"):
                return Answer(200, self.extend(_json(params["extend"], "extend")))
            return Answer(200, self.manifest(base_url))
        prefix = params.get("prefix", "")[: self.limits.max_text].strip()
        cursor = _int(params.get("cursor", "0"), "cursor")
        routes: dict[str, Callable[[], Answer]] = {
            "suggest/entity": lambda: Answer(200, self.suggest_entity(prefix, cursor)),
            "suggest/type": lambda: Answer(200, self.suggest_type(prefix, cursor)),
            "suggest/property": lambda: Answer(200, self.suggest_property(prefix, cursor)),
            "preview": lambda: Answer(200, preview=self.preview(params.get("id", ""))),
            "propose_properties": lambda: Answer(200, self.propose_properties(
                params.get("type", "").strip()[:40], _int(params.get("limit", "0"), "limit"))),
        }
        if route not in routes:
            raise RequestError(f"/{route[:60]} : adresse inconnue / unknown address.",
                               "Adresses / addresses: /, /suggest/entity, /suggest/type, /suggest/property, "
                               "/preview, /propose_properties", status=404)
        return routes[route]()


def find_mappings(folder: Path) -> list[Path]:
    """The project's mappings: ``mappings/*.yaml`` (and ``.yml``), in name order."""
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []


def statement_properties(mapping: SheetMapping) -> list[str]:
    """The properties of a mapping's statements (not those of its references or qualifiers)."""
    pids = [c.property for c in mapping.columns if c.use == "statement" and c.property]
    pids += [pid for c in mapping.columns for _, pid in c.schemes]
    pids += [t.property for c in mapping.columns for t in c.values.values() if t.property]
    pids += [c.property for c in mapping.coordinates]
    return list(dict.fromkeys(pids))


def _json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestError(f"{name} : JSON invalide / invalid JSON ({exc.msg}, caractère {exc.pos}).") from None


def _int(text: str, name: str) -> int:
    try:
        value = int(text or "0")
    except ValueError:
        raise RequestError(f"{name} : nombre entier attendu / a whole number is expected.") from None
    if not 0 <= value <= 10_000:
        raise RequestError(f"{name} : entre 0 et 10000 / between 0 and 10000.")
    return value
