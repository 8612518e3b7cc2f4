"""What a wiki says about itself (``meta=siteinfo``): where its pages live, which namespaces hold its
entities, its concept base, and which search it has. Pure data; reading and caching it is
:mod:`wikiclub.adapters.siteinfo`.

:meth:`SiteInfo.item_url` is the ONE way wikiclub builds a link to an entity (review sheets, reports,
pull sheets, push reports, created.csv): the wiki's ``server`` + ``articlepath`` with the entity's
title in its namespace. On Wikidata items live in the main namespace (``/wiki/Q42``); on a default
Wikibase they live in ``Item:`` (``/wiki/Item:Q1``, or ``/w/index.php/Item:Q1`` without short URLs),
where ``/wiki/Q1`` is a 404.

Search: ``CirrusSearch`` makes ``wbsearchentities`` case- and accent-insensitive and gives
``list=search`` a full-text index of entity pages; ``WikibaseCirrusSearch`` adds ``haswbstatement:``.
Without them (a bare Wikibase) the prefix search is case- and accent-sensitive and ``list=search``
finds nothing in the item namespace — without any error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

SITEINFO_VERSION = 1
CIRRUS = "CirrusSearch"
WIKIBASE_CIRRUS = "WikibaseCirrusSearch"
_MODELS = {"wikibase-item": "item", "wikibase-property": "property", "wikibase-lexeme": "lexeme"}


@dataclass(frozen=True)
class SiteInfo:
    api_url: str
    server: str  # "https://www.wikidata.org" (protocol-relative servers are given the API's scheme)
    articlepath: str = "/wiki/$1"
    sitename: str = ""
    generator: str = ""  # "MediaWiki 1.39.17"
    concept_base: str | None = None  # wikibase-conceptbaseuri, when the wiki exposes it
    extensions: tuple[str, ...] = ()
    entity_namespaces: tuple[tuple[str, int, str], ...] = ()  # (entity type, namespace id, namespace name)
    known: bool = True  # False: guessed without asking the wiki (offline)

    # ---- search ---------------------------------------------------------------------------------------
    @property
    def has_cirrus_search(self) -> bool:
        return CIRRUS in self.extensions

    @property
    def has_statement_search(self) -> bool:
        """``haswbstatement:`` in ``list=search`` (the WikibaseCirrusSearch extension)."""
        return WIKIBASE_CIRRUS in self.extensions

    # ---- entity pages -----------------------------------------------------------------------------------
    def namespace(self, entity_type: str) -> tuple[int, str]:
        """(id, name) of the namespace of ``entity_type``; items default to the main namespace."""
        for kind, ns_id, name in self.entity_namespaces:
            if kind == entity_type:
                return ns_id, name
        return (0, "") if entity_type == "item" else (120 if entity_type == "property" else 0, "")

    def entity_title(self, entity_id: str) -> str:
        """``Q1`` → ``Item:Q1`` on a default Wikibase, ``Q1`` on Wikidata; ``P31`` → ``Property:P31``."""
        kind = {"Q": "item", "P": "property", "L": "lexeme"}.get(entity_id[:1], "item")
        _, name = self.namespace(kind)
        if kind == "property" and not name:
            name = "Property"
        return f"{name}:{entity_id}" if name else entity_id

    def item_url(self, entity_id: str) -> str:
        """The URL of an entity's page on this wiki (its article path, its namespace)."""
        title = quote(self.entity_title(entity_id).replace(" ", "_"), safe=":/")
        path = self.articlepath if "$1" in self.articlepath else self.articlepath.rstrip("/") + "/$1"
        return self.server.rstrip("/") + path.replace("$1", title)

    # ---- JSON --------------------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {"version": SITEINFO_VERSION, "api_url": self.api_url, "server": self.server,
                "articlepath": self.articlepath, "sitename": self.sitename, "generator": self.generator,
                "concept_base": self.concept_base, "extensions": list(self.extensions),
                "entity_namespaces": [list(ns) for ns in self.entity_namespaces], "known": self.known}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SiteInfo:
        if data.get("version") != SITEINFO_VERSION:
            raise ValueError("unknown siteinfo cache version")
        return cls(str(data["api_url"]), str(data["server"]), str(data.get("articlepath", "/wiki/$1")),
                   str(data.get("sitename", "")), str(data.get("generator", "")), data.get("concept_base"),
                   tuple(str(e) for e in data.get("extensions", ())),
                   tuple((str(k), int(i), str(n)) for k, i, n in data.get("entity_namespaces", ())),
                   bool(data.get("known", True)))


def guess_siteinfo(api_url: str) -> SiteInfo:
    """What can be said without asking: the API's host, ``/wiki/$1``, items in the main namespace
    (Wikidata's layout). Used only when the wiki cannot be asked; ``known`` is False."""
    parts = urlsplit(api_url)
    return SiteInfo(api_url, f"{parts.scheme}://{parts.netloc}", known=False)


def siteinfo_from_answer(api_url: str, answer: Mapping[str, Any]) -> SiteInfo:
    """``action=query&meta=siteinfo&siprop=general|namespaces|extensions`` (formatversion 1 or 2)."""
    query = answer.get("query") or {}
    general = query.get("general") or {}
    server = str(general.get("server") or guess_siteinfo(api_url).server)
    if server.startswith("//"):  # protocol-relative, as on Wikimedia wikis
        server = f"{urlsplit(api_url).scheme or 'https'}:{server}"
    namespaces: list[tuple[str, int, str]] = []
    for ns in (query.get("namespaces") or {}).values():
        kind = _MODELS.get(str(ns.get("defaultcontentmodel", "")))
        if kind:
            namespaces.append((kind, int(ns["id"]), str(ns.get("name", ns.get("*", "")))))
    extensions = tuple(str(e.get("name", "")) for e in query.get("extensions") or () if isinstance(e, Mapping))
    return SiteInfo(api_url, server, str(general.get("articlepath") or "/wiki/$1"),
                    str(general.get("sitename", "")), str(general.get("generator", "")),
                    general.get("wikibase-conceptbaseuri"), extensions, tuple(namespaces))
