"""Which candidate source fits the wiki: its search engine decides (``meta=siteinfo``, docs/architecture.md « Reconciliation in one paragraph »).

- **CirrusSearch** (Wikidata, most Wikimedia-hosted Wikibases): the API — ``wbsearchentities`` is a
  case- and accent-insensitive prefix search, ``list=search`` a full-text one. Identifiers and
  websites by ``haswbstatement`` (WikibaseCirrusSearch), else by SPARQL when a query service is
  configured, else they cannot be asked (such rows are never answered NEW: REVIEW, with the reason).
- **no CirrusSearch** (a bare Wikibase): its prefix search is case- and accent-sensitive and
  ``list=search`` finds nothing in the item namespace, without any error — so « Petit theatre du
  Vieux Noranda » would not find « Petit Théâtre du Vieux Noranda » and a duplicate would be created.
  Reconciliation then goes through a local index built from the wiki itself (every item page, read
  by id; refreshed by revision at each run), which matches names folded and fuzzily and holds every
  identifier and website. The user is told so, and why, before anything is reconciled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..adapters.index import LocalIndex, regional_index_path, site_index_path, sync_from_pages, sync_from_site
from ..config import Settings
from ..errors import WikiError
from ..siteinfo import SiteInfo
from .candidates import (
    HASWBSTATEMENT,
    NO_STATEMENT_SEARCH,
    NOT_ASKED_WHY,
    SPARQL,
    ApiSource,
    CandidateSource,
    IndexSource,
    RegionalSource,
    StatementFinder,
    WikibaseLike,
)


class QueryService(StatementFinder, Protocol):
    """The site's SPARQL endpoint (``SparqlClient``): statement lookups and plain SELECTs."""

    def select(self, query: str) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Region:
    """The WikiProject's items to hold locally (``[project]`` focus_item and regions) and where."""

    focus: str | None
    regions: tuple[str, ...]
    index_path: Path


class SiteClient(WikibaseLike, Protocol):
    """``WikibaseClient``: the searches, entities, and raw requests (``generator=allpages``)."""

    api_url: str

    def call(self, params: Mapping[str, Any], *, post: bool = False) -> dict[str, Any]: ...

    def use_namespaces(self, namespaces: Mapping[str, int]) -> None: ...


@dataclass
class SourceChoice:
    """The source to reconcile with, what to tell the user first, and the index to close (if any)."""

    source: CandidateSource
    notice: str = ""
    index: LocalIndex | None = None

    def close(self) -> None:
        if self.index is not None:
            self.index.close()


def no_cirrus_notice(info: SiteInfo) -> str:
    """Why a wiki without CirrusSearch is reconciled through a local index (said before anything)."""
    name = info.sitename or info.api_url
    return (f"{name} n'a pas CirrusSearch : sa recherche est un préfixe sensible aux majuscules et aux accents, "
            "et list=search n'y trouve aucun élément (sans erreur) ; des variantes (« theatre » / « Théâtre ») "
            "y passeraient pour nouvelles et seraient créées en double. wikiclub réconcilie donc avec un index "
            "local construit depuis le wiki (ses pages d'éléments, relues quand elles changent).\n"
            f"{name} has no CirrusSearch: its search is a case- and accent-sensitive prefix and list=search "
            "finds no item (without any error), so variants would look new and be created twice. wikiclub "
            "reconciles through a local index built from the wiki (its item pages, read again when they change).")


def index_notice(path: Path, items: int, fetched: int) -> str:
    return f"Index local / local index: {items} éléments / items ({fetched} lus / read) — {path}"


NO_REGION_NOTICE = ("Ni liste de suivi ni régions (focus_list du mapping, [project] de wikiclub.toml) : chaque ligne "
                    "est cherchée sur tout le wiki, environ deux requêtes par ligne ; avec elles, les éléments de la "
                    "région sont lus d'avance (environ une) / no focus list and no regions: every row is looked up "
                    "on the whole wiki, about two requests a row; with them, the region's items are read first "
                    "(about one)")


def source_for_site(client: SiteClient, info: SiteInfo, *, index_path: Path, sparql: QueryService | None,
                    languages: Sequence[str] = ("fr", "en"), concept_base: str | None = None,
                    announce: Callable[[str], None] | None = None, region: Region | None = None) -> SourceChoice:
    """The candidate source for this wiki (see the module docstring) and the notice to show. Without
    CirrusSearch, ``announce`` is told why before the index is built or refreshed (the first build
    reads every item page). With CirrusSearch and a ``region`` (the WikiProject's focus list or regions),
    the API comes after an index of the region's items (``regional_source``)."""
    if info.known:  # its entity namespaces, for ``haswbstatement`` and ``allpages``: not asked again
        client.use_namespaces({kind: ns for kind, ns, _ in info.entity_namespaces})
    if info.known and not info.has_cirrus_search:
        return _bare_wiki_source(client, info, index_path, announce)
    mode, notice = _statement_mode(info, sparql)
    api = ApiSource(client, languages=languages, statement_search=mode, sparql=sparql,
                    concept_base=concept_base or info.concept_base)
    if region is None:  # a caller that reads no region (the OpenRefine service: batches, not runs)
        return SourceChoice(api, notice)
    if not (region.focus or region.regions):
        return SourceChoice(api, "\n".join(t for t in (notice, NO_REGION_NOTICE) if t))
    choice = regional_source(api, client, sparql, region, concept_base=concept_base or info.concept_base)
    return SourceChoice(choice.source, "\n".join(t for t in (notice, choice.notice) if t), choice.index)


def _bare_wiki_source(client: SiteClient, info: SiteInfo, index_path: Path,
                      announce: Callable[[str], None] | None) -> SourceChoice:
    """A wiki without CirrusSearch: the index of its own item pages, built or refreshed by revision."""
    if announce is not None:
        announce(no_cirrus_notice(info))
    index_path.parent.mkdir(parents=True, exist_ok=True)
    index = LocalIndex(index_path, create=True)
    try:
        done = sync_from_pages(index, client, namespace=info.namespace("item")[0])
    except BaseException:
        index.close()
        raise
    notice = index_notice(index_path, done.pages, done.fetched)
    return SourceChoice(IndexSource(index), notice if announce else f"{no_cirrus_notice(info)}\n{notice}", index)


def _statement_mode(info: SiteInfo, sparql: QueryService | None) -> tuple[str, str]:
    """How identifiers and websites are looked up on this wiki, and what to tell the user about it."""
    mode = HASWBSTATEMENT if info.has_statement_search or not info.known else SPARQL if sparql else NO_STATEMENT_SEARCH
    if mode == SPARQL:
        return mode, ("Identifiants et sites web cherchés par SPARQL (ce wiki n'a pas haswbstatement) / identifiers "
                      "and websites looked up by SPARQL (this wiki has no haswbstatement)")
    if mode == NO_STATEMENT_SEARCH:
        return mode, (f"Attention : {NOT_ASKED_WHY}. Les lignes avec un identifiant ou un site web ne seront pas "
                      "NEW mais REVIEW / rows with an identifier or a website will be REVIEW, never NEW.")
    return mode, ""


def project_source(settings: Settings, client: SiteClient, info: SiteInfo, cache_dir: Path, *,
                   sparql: QueryService | None, focus: str | None = None,
                   announce: Callable[[str], None] | None = None) -> SourceChoice:
    """The source ``wikiclub reconcile`` and the atelier reconcile with (``source_for_site``): its
    indexes in ``cache_dir``; the region read first is wikiclub.toml's ``[project]`` focus list and
    regions — when it names neither, the mapping's own ``focus_list`` (``focus``: the P5008 item its rows
    get), a focus list only, never a region guessed from ``match.within`` (a province is far too big
    to read)."""
    project = settings.project
    api_url = settings.site.api_url
    focus_item = project.focus_item or (focus if not project.regions else None)
    region = Region(focus_item, project.regions, regional_index_path(cache_dir, api_url, focus_item, project.regions))
    return source_for_site(client, info, index_path=site_index_path(cache_dir, api_url), sparql=sparql,
                           languages=project.languages, concept_base=settings.site.concept_base, announce=announce,
                           region=region)


def regional_source(api: ApiSource, client: WikibaseLike, sparql: QueryService | None, region: Region, *,
                    concept_base: str | None = None) -> SourceChoice:
    """The API behind an index of the region's items (``RegionalSource``), kept on disk and refreshed by
    revision: one SPARQL query for the items and their revisions, then ``wbgetentities`` for those that
    changed only (the first run reads them all, 50 a request). Without a query service, or if the query
    fails, the API alone, with a message saying so."""
    if sparql is None:
        return SourceChoice(api, "Pas d'index régional : ce wiki n'a pas de point SPARQL configuré ; chaque ligne "
                                 "est cherchée par l'API / no regional index: no SPARQL endpoint is configured; every "
                                 "row is looked up through the API")
    region.index_path.parent.mkdir(parents=True, exist_ok=True)
    index = LocalIndex(region.index_path, create=True)
    try:
        fetched, unchanged = sync_from_site(index, sparql, client, focus=region.focus, regions=region.regions,
                                            concept_base=concept_base)
    except WikiError as exc:
        index.close()
        return SourceChoice(api, f"Index régional non rafraîchi ({exc.message}) : chaque ligne est cherchée par "
                                 f"l'API / regional index not refreshed: every row is looked up through the API")
    except BaseException:
        index.close()
        raise
    return SourceChoice(RegionalSource(index, api, sparql=sparql, concept_base=concept_base),
                        f"Index régional / regional index: {fetched} lus / read, {unchanged} inchangés / unchanged "
                        f"— {region.index_path}", index)
