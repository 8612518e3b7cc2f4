"""Entity JSON → the Wikidata Query Service RDF mapping, and the pyoxigraph store behind /sparql.

The mapping follows https://www.mediawiki.org/wiki/Wikibase/Indexing/RDF_Dump_Format as WDQS stores
it after its "munger": the entity's version, modification date and counts sit on the entity node,
and the very common ``a wikibase:Statement`` / ``a wikibase:Reference`` / value-node types are left
out (WDQS drops them too). docs/sparql.md lists every triple written.

Storage: every triple lives in the default graph (no named graphs: they double the index writes and
a union default graph repeats triples shared by several entities). An entity *owns* its node
``wd:Q1``, its statement nodes ``wds:Q1-…`` and its sitelink article nodes; reference (``wdref:``)
and value (``wdv:``) nodes are named by a hash of their content and shared between entities, as on
WDQS, so :meth:`SparqlStore.replace_entity` removes the owned subjects and then garbage-collects the
shared nodes nobody points to any more. Triples are written as N-Triples text and parsed by
pyoxigraph's Rust loader: building Python ``Quad`` objects is several times slower.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
)

from .config import WIKIDATA_CONCEPT_BASE

# ---- vocabulary --------------------------------------------------------------------------------

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "http://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
GEO = "http://www.opengis.net/ont/geosparql#"
WIKIBASE = "http://wikiba.se/ontology#"
BD = "http://www.bigdata.com/rdf#"
GREGORIAN = "http://www.wikidata.org/entity/Q1985727"
JULIAN = "http://www.wikidata.org/entity/Q1985786"
EARTH = "http://www.wikidata.org/entity/Q2"
UNIT_ONE = "http://www.wikidata.org/entity/Q199"  # Wikibase writes unit "1" as Q199 whatever the base
COMMONS_FILE = "http://commons.wikimedia.org/wiki/Special:FilePath/"
COMMONS_DATA = "http://commons.wikimedia.org/data/main/"

# Property datatype → wikibase:propertyType local name.
PROPERTY_TYPES = {
    "wikibase-item": "WikibaseItem", "wikibase-property": "WikibaseProperty", "string": "String",
    "external-id": "ExternalId", "url": "Url", "commonsMedia": "CommonsMedia", "time": "Time",
    "quantity": "Quantity", "globe-coordinate": "GlobeCoordinate", "monolingualtext": "Monolingualtext",
    "math": "Math", "geo-shape": "GeoShape", "tabular-data": "TabularData",
    "wikibase-lexeme": "WikibaseLexeme", "wikibase-form": "WikibaseForm",
    "wikibase-sense": "WikibaseSense", "musical-notation": "MusicalNotation",
    "entity-schema": "EntitySchema",
}
_TYPE_OF_PROPERTY_TYPE = {WIKIBASE + v: k for k, v in PROPERTY_TYPES.items()}
# Datatypes whose simple values are IRIs: their wdt:/ps:/pq:/pr: predicates are owl:ObjectProperty,
# the others owl:DatatypeProperty (the "rdf-data-type" of Wikibase's data type definitions).
_OBJECT_DATATYPES = frozenset({"wikibase-item", "wikibase-property", "url", "commonsMedia", "geo-shape",
                               "tabular-data", "wikibase-lexeme", "wikibase-form", "wikibase-sense",
                               "entity-schema"})
# Datatypes with normalized predicates (wdtn: …) and the OWL type of wdtn: (PropertySpecificComponentsRdfBuilder).
_NORMALIZED = {"external-id": "ObjectProperty", "quantity": "DatatypeProperty"}
_VALUE_NODE_TYPES = {"T": "TimeValue", "Q": "QuantityValue", "G": "GlobecoordinateValue"}
_ENTITY_TYPES = {"item": "Item", "property": "Property", "lexeme": "Lexeme", "mediainfo": "MediaInfo"}
_RANKS = {"normal": "NormalRank", "preferred": "PreferredRank", "deprecated": "DeprecatedRank"}
# Sitelink families: site-id suffix → (host suffix, wikiGroup). Longest suffixes first.
_SITE_FAMILIES = (
    ("wikisource", "wikisource.org", "wikisource"), ("wikiquote", "wikiquote.org", "wikiquote"),
    ("wikivoyage", "wikivoyage.org", "wikivoyage"), ("wikibooks", "wikibooks.org", "wikibooks"),
    ("wikinews", "wikinews.org", "wikinews"), ("wikiversity", "wikiversity.org", "wikiversity"),
    ("wiktionary", "wiktionary.org", "wiktionary"), ("wiki", "wikipedia.org", "wikipedia"),
)
_SPECIAL_SITES = {
    "commonswiki": ("https://commons.wikimedia.org/", "en", "commons"),
    "wikidatawiki": ("https://www.wikidata.org/", "en", "wikidata"),
    "specieswiki": ("https://species.wikimedia.org/", "en", "species"),
    "metawiki": ("https://meta.wikimedia.org/", "en", "meta"),
    "mediawikiwiki": ("https://www.mediawiki.org/", "en", "mediawiki"),
    "sourceswiki": ("https://wikisource.org/", "en", "sources"),
    "incubatorwiki": ("https://incubator.wikimedia.org/", "en", "incubator"),
    "wikifunctionswiki": ("https://www.wikifunctions.org/", "en", "wikifunctions"),
}

_ENTITY_ID = re.compile(r"[A-Za-z][A-Za-z0-9-]*\Z")
_PROPERTY_ID = re.compile(r"P[1-9][0-9]*\Z")
_LANG_TAG = re.compile(r"[a-zA-Z]+(-[a-zA-Z0-9]+)*\Z")
_BAD_IRI_CHAR = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_HAS_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)\Z")
_CLOCK = re.compile(r"\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)?\Z")
_LITERAL_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


@dataclass(frozen=True)
class Namespaces:
    """The entity-dependent namespaces, derived from the concept base as WDQS derives them."""

    wd: str
    wdt: str
    p: str
    ps: str
    psv: str
    pq: str
    pqv: str
    pr: str
    prv: str
    wdno: str
    wds: str
    wdref: str
    wdv: str
    wdata: str
    genid: str

    @classmethod
    def for_base(cls, concept_base: str) -> Namespaces:
        if not concept_base.endswith("/"):
            concept_base += "/"
        # http://www.wikidata.org/entity/ → http://www.wikidata.org/prop/direct/ etc.
        root = concept_base[: -len("entity/")] if concept_base.endswith("entity/") else concept_base
        return cls(wd=concept_base, wdt=root + "prop/direct/", p=root + "prop/",
                   ps=root + "prop/statement/", psv=root + "prop/statement/value/",
                   pq=root + "prop/qualifier/", pqv=root + "prop/qualifier/value/",
                   pr=root + "prop/reference/", prv=root + "prop/reference/value/",
                   wdno=root + "prop/novalue/", wds=concept_base + "statement/",
                   wdref=root + "reference/", wdv=root + "value/",
                   wdata=root + "wiki/Special:EntityData/", genid=root + ".well-known/genid/")

    def prefixes(self) -> dict[str, str]:
        """The prefixes WDQS predeclares, so that queries may omit their PREFIX lines."""
        return {
            "wd": self.wd, "wdt": self.wdt, "p": self.p, "ps": self.ps, "psv": self.psv,
            "pq": self.pq, "pqv": self.pqv, "pr": self.pr, "prv": self.prv, "wdno": self.wdno,
            "wds": self.wds, "wdref": self.wdref, "wdv": self.wdv, "wdata": self.wdata,
            "wikibase": WIKIBASE, "rdf": RDF, "rdfs": RDFS, "schema": SCHEMA, "skos": SKOS,
            "xsd": XSD, "prov": PROV, "owl": OWL, "geo": GEO, "bd": BD, "hint": HINT,
            # Declared so that WDQS queries parse; the sandbox declares the normalized predicates of
            # external-id and quantity properties but writes no normalized values.
            "wdtn": self.wdt.replace("/direct/", "/direct-normalized/"),
            "psn": self.psv.replace("/value/", "/value-normalized/"),
            "pqn": self.pqv.replace("/value/", "/value-normalized/"),
            "prn": self.prv.replace("/value/", "/value-normalized/"),
            "ontolex": "http://www.w3.org/ns/lemon/ontolex#", "dct": "http://purl.org/dc/terms/",
        }


# ---- value encodings -----------------------------------------------------------------------------

def escape_literal(text: str) -> str:
    if "\\" in text or '"' in text or "\n" in text or "\r" in text:
        return text.translate(_LITERAL_ESCAPES)
    return text


def safe_iri(iri: str) -> str:
    """Percent-encode what N-Triples forbids inside ``<…>`` (spaces, quotes, braces …)."""
    if _BAD_IRI_CHAR.search(iri):
        return _BAD_IRI_CHAR.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), iri)
    return iri


def wiki_urlencode(title: str) -> str:
    """MediaWiki's wfUrlencode of a title with spaces as underscores."""
    return quote(title.replace(" ", "_"), safe=";@$!*(),/~:")


def site_info(site: str) -> tuple[str, str, str]:
    """Site id (frwiki, enwikisource …) → (site URL, language code, wiki group)."""
    special = _SPECIAL_SITES.get(site)
    if special:
        return special
    for suffix, host, group in _SITE_FAMILIES:
        if site.endswith(suffix) and len(site) > len(suffix):
            lang = site[: -len(suffix)].replace("_", "-")
            return f"https://{lang}.{host}/", lang, group
    return f"https://{site}.invalid/", "und", site  # a site this mapping does not know


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _julian_to_gregorian(year: int, month: int, day: int) -> tuple[int, int, int]:
    """Julian calendar date (astronomical year) → proleptic Gregorian date, via the Julian day."""
    a = (14 - month) // 12
    y, m = year + 4800 - a, month + 12 * a - 3
    jdn = day + (153 * m + 2) // 5 + 365 * y + y // 4 - 32083
    a = jdn + 32044
    b = (4 * a + 3) // 146097
    c = a - 146097 * b // 4
    d = (4 * c + 3) // 1461
    e = c - 1461 * d // 4
    m = (5 * e + 2) // 153
    return 100 * b + d - 4800 + m // 10, m + 3 - 12 * (m // 10), e - (153 * m + 2) // 5 + 1


def clean_time(time: str, precision: int, calendar: str) -> str | None:
    """A Wikibase timestamp → the xsd:dateTime lexical form WDQS stores, or None if it has none.

    As Wikibase's (Julian)DateTimeValueCleaner: no "+", month/day 00 → 01, day clamped to the
    month, Julian dates of day precision converted to Gregorian, years of year-or-finer precision
    shifted to XSD 1.1 (1 BCE = year 0), year 0 itself invalid.
    """
    date, _, clock = time.partition("T")
    minus = date.startswith("-")
    parts = date.lstrip("+-").split("-")
    try:
        year, month, day = int(parts[0]), int(parts[1]), int(parts[2])
    except (ValueError, IndexError):
        return None
    if year == 0:
        return None
    if not _CLOCK.match(clock):
        clock = "00:00:00Z"
    month, day = min(max(month, 1), 12), max(day, 1)
    if precision <= 9:
        month = day = 1
    elif precision == 10:
        day = 1
    signed = -year if minus else year
    if calendar == JULIAN and precision >= 11 and -4713 <= signed <= 1465072:
        astronomical = signed + 1 if signed < 0 else signed
        day = min(day, 29 if month == 2 and astronomical % 4 == 0 else _days_in_month(1, month))
        y, month, day = _julian_to_gregorian(astronomical, month, day)
        return f"{'-' if y < 0 else ''}{abs(y):04d}-{month:02d}-{day:02d}T{clock}"
    if day > 28:
        day = min(day, _days_in_month(signed + 1 if signed < 0 else signed, month))
    if minus and precision >= 9:
        year -= 1  # XSD 1.1: 1 BCE is year 0
        if year == 0:
            minus = False
    return f"{'-' if minus else ''}{year:04d}-{month:02d}-{day:02d}T{clock}"


def _hash(*parts: object) -> str:
    return hashlib.md5("\x1f".join(map(str, parts)).encode("utf-8", "replace")).hexdigest()


# ---- entity → N-Triples ----------------------------------------------------------------------------

class _PropertyIris(NamedTuple):
    """A property's predicates as N-Triples terms: ``<…/prop/P31>``, ``<…/prop/statement/P31>`` …"""

    p: str
    ps: str
    psv: str
    wdt: str
    pq: str
    pqv: str
    pr: str
    prv: str
    wdno: str


class TripleWriter:
    """Writes one entity's triples as N-Triples text (strings of whole lines, each ending in "\\n")."""

    def __init__(self, ns: Namespaces, datatype_of: Callable[[str], str | None]) -> None:
        self.ns = ns
        self.datatype_of = datatype_of  # fallback for snaks without "datatype"
        self._langs: dict[str, str | None] = {}
        w = "<" + WIKIBASE
        self.a = f"<{RDF}type>"
        self.label, self.name = f"<{RDFS}label>", f"<{SCHEMA}name>"
        self.description, self.alt = f"<{SCHEMA}description>", f"<{SKOS}altLabel>"
        self.version, self.modified = f"<{SCHEMA}version>", f"<{SCHEMA}dateModified>"
        self.about, self.part_of = f"<{SCHEMA}about>", f"<{SCHEMA}isPartOf>"
        self.in_language, self.article = f"<{SCHEMA}inLanguage>", f"<{SCHEMA}Article>"
        self.derived = f"<{PROV}wasDerivedFrom>"
        self.same_as = f"<{OWL}sameAs>"
        self.xsd_int, self.xsd_dec = f"^^<{XSD}integer>", f"^^<{XSD}decimal>"
        self.xsd_dt, self.xsd_double = f"^^<{XSD}dateTime>", f"^^<{XSD}double>"
        self.wkt = f"^^<{GEO}wktLiteral>"
        self.owl = {k: f"<{OWL}{k}>" for k in ("ObjectProperty", "DatatypeProperty", "Class", "Restriction",
                                               "complementOf", "onProperty", "someValuesFrom", "Thing")}
        self.wb = {k: f"{w}{k}>" for k in (
            "directClaimNormalized", "statementValueNormalized", "qualifierValueNormalized",
            "referenceValueNormalized", "TimeValue", "QuantityValue", "GlobecoordinateValue",
            "sitelinks", "statements", "rank", "BestRank", "badge", "wikiGroup",
            "propertyType", "directClaim", "claim", "statementProperty", "statementValue",
            "qualifier", "qualifierValue", "reference", "referenceValue", "novalue",
            "timeValue", "timePrecision", "timeTimezone", "timeCalendarModel",
            "quantityAmount", "quantityUpperBound", "quantityLowerBound", "quantityUnit",
            "geoLatitude", "geoLongitude", "geoPrecision", "geoGlobe")}
        self.ranks = {k: f"{w}{v}>" for k, v in _RANKS.items()}
        self.types = {k: f"{w}{v}>" for k, v in _ENTITY_TYPES.items()}
        self.wd, self.wdt, self.p = "<" + ns.wd, "<" + ns.wdt, "<" + ns.p
        self.ps, self.psv, self.pq, self.pqv = "<" + ns.ps, "<" + ns.psv, "<" + ns.pq, "<" + ns.pqv
        self.pr, self.prv, self.wdno = "<" + ns.pr, "<" + ns.prv, "<" + ns.wdno
        self.wds, self.wdref, self.wdv = "<" + ns.wds, "<" + ns.wdref, "<" + ns.wdv
        self.normalized = {k: "<" + v for k, v in ns.prefixes().items() if k in ("wdtn", "psn", "pqn", "prn")}
        self.rank_of = {k: f"{self.wb['rank']} {v}" for k, v in self.ranks.items()}
        self.best_rank = f"{self.a} {self.wb['BestRank']}"
        self._props: dict[str, _PropertyIris | None] = {}

    def props(self, pid: str) -> _PropertyIris | None:
        """The predicate IRIs of a property id (``<…/prop/P31>`` …), None for a malformed id (never
        let a broken key write into the N-Triples text). Kept per writer: a wiki has few properties."""
        if pid in self._props:
            return self._props[pid]
        found = _PropertyIris(*(f"{ns}{pid}>" for ns in (
            self.p, self.ps, self.psv, self.wdt, self.pq, self.pqv, self.pr, self.prv, self.wdno))) \
            if isinstance(pid, str) and _PROPERTY_ID.match(pid) else None
        if len(self._props) < 100_000:
            self._props[pid] = found
        return found

    # -- literals
    def lang_tag(self, language: str) -> str | None:
        tag = self._langs.get(language, "")
        if tag == "":
            fixed = language.replace("_", "-")
            tag = fixed if _LANG_TAG.match(fixed) else None
            self._langs[language] = tag
        return tag

    def text(self, value: str, language: str) -> str | None:
        tag = self.lang_tag(language)
        return None if tag is None else f'"{escape_literal(value)}"@{tag}'

    # -- the entity
    def redirect(self, source: str, target: str, out: list[str]) -> None:
        out.append(f"{self.wd}{_check_id(source)}> {self.same_as} {self.wd}{_check_id(target)}> .\n")

    def entity(self, entity: dict[str, Any], out: list[str], seen: set[str]) -> None:
        """Append the entity's triples to ``out``; shared nodes whose id is in ``seen`` are skipped."""
        eid = _check_id(entity["id"])
        s = f"{self.wd}{eid}>"
        add = out.append
        etype = entity.get("type", "item")
        if etype in self.types and etype != "item":  # WDQS (and the real export, issue 11) has no Item type
            add(f"{s} {self.a} {self.types[etype]} .\n")
        if etype == "property":
            self._property(eid, s, entity.get("datatype"), add)
        # rdfs:label only: WDQS drops the dump's skos:prefLabel and schema:name copies, and so do we
        # (two triples less per label: the bulk load is CPU-bound on triples).
        for values, preds in ((entity.get("labels"), (self.label,)),
                              (entity.get("descriptions"), (self.description,))):
            for lang, v in (values or {}).items():
                lit = self.text(v["value"], v.get("language", lang))
                if lit is not None:
                    for pred in preds:
                        add(f"{s} {pred} {lit} .\n")
        for lang, vs in (entity.get("aliases") or {}).items():
            for v in vs:
                lit = self.text(v["value"], v.get("language", lang))
                if lit is not None:
                    add(f"{s} {self.alt} {lit} .\n")
        claims = entity.get("claims") or entity.get("statements") or {}
        n_statements = 0
        for pid, statements in claims.items():
            iris = self.props(pid)
            if iris is None:
                continue  # never let a broken key write into the N-Triples text
            n_statements += len(statements)
            best = "preferred" if any(st.get("rank") == "preferred" for st in statements) else "normal"
            for st in statements:
                self._statement(eid, s, pid, iris, st, best, add, seen)
        if etype == "item" or "sitelinks" in entity:
            sitelinks = entity.get("sitelinks") or {}
            for site, link in sitelinks.items():
                self._sitelink(s, site, link, add, seen)
            add(f'{s} {self.wb["sitelinks"]} "{len(sitelinks)}"{self.xsd_int} .\n')
        add(f'{s} {self.wb["statements"]} "{n_statements}"{self.xsd_int} .\n')
        if entity.get("lastrevid") is not None:
            add(f'{s} {self.version} "{int(entity["lastrevid"])}"{self.xsd_int} .\n')
        modified = entity.get("modified")
        if modified:
            add(f'{s} {self.modified} "{escape_literal(modified)}"{self.xsd_dt} .\n')

    def _property(self, pid: str, s: str, datatype: str | None, add: Callable[[str], None]) -> None:
        """The property's predicates and their OWL declarations, its normalized predicates (external-id,
        quantity) and its novalue class, as Wikibase's PropertySpecificComponentsRdfBuilder writes them."""
        if datatype in PROPERTY_TYPES:
            add(f"{s} {self.wb['propertyType']} <{WIKIBASE}{PROPERTY_TYPES[datatype]}> .\n")
        wb, owl, a = self.wb, self.owl, self.a
        for pred, ns in (("directClaim", self.wdt), ("claim", self.p), ("statementProperty", self.ps),
                         ("statementValue", self.psv), ("qualifier", self.pq),
                         ("qualifierValue", self.pqv), ("reference", self.pr),
                         ("referenceValue", self.prv), ("novalue", self.wdno)):
            add(f"{s} {wb[pred]} {ns}{pid}> .\n")
        simple = owl["ObjectProperty" if datatype in _OBJECT_DATATYPES else "DatatypeProperty"]
        for ns in (self.p, self.psv, self.pqv, self.prv):
            add(f"{ns}{pid}> {a} {owl['ObjectProperty']} .\n")
        for ns in (self.wdt, self.ps, self.pq, self.pr):
            add(f"{ns}{pid}> {a} {simple} .\n")
        normalized = _NORMALIZED.get(datatype or "")
        if normalized is not None:
            n = self.normalized
            for pred, key in (("directClaimNormalized", "wdtn"), ("statementValueNormalized", "psn"),
                              ("qualifierValueNormalized", "pqn"), ("referenceValueNormalized", "prn")):
                add(f"{s} {wb[pred]} {n[key]}{pid}> .\n")
            for key in ("psn", "pqn", "prn"):
                add(f"{n[key]}{pid}> {a} {owl['ObjectProperty']} .\n")
            add(f"{n['wdtn']}{pid}> {a} {owl[normalized]} .\n")
        # wdno:P a owl:Class ; owl:complementOf [ a owl:Restriction ; owl:onProperty wdt:P ;
        # owl:someValuesFrom owl:Thing ] — the blank node skolemized (a stable IRI, as WDQS stores it).
        restriction = f"<{self.ns.genid}{_hash('owl:complementOf', pid)}>"
        add(f"{self.wdno}{pid}> {a} {owl['Class']} .\n")
        add(f"{self.wdno}{pid}> {owl['complementOf']} {restriction} .\n")
        add(f"{restriction} {a} {owl['Restriction']} .\n")
        add(f"{restriction} {owl['onProperty']} {self.wdt}{pid}> .\n")
        add(f"{restriction} {owl['someValuesFrom']} {owl['Thing']} .\n")

    def _sitelink(self, s: str, site: str, link: dict[str, Any], add: Callable[[str], None],
                  seen: set[str]) -> None:
        site_url, lang, group = site_info(site)
        site_url = safe_iri(site_url)
        title = link["title"]
        article = f"<{site_url}wiki/{safe_iri(wiki_urlencode(title))}>"
        add(f"{article} {self.a} {self.article} .\n")
        add(f"{article} {self.about} {s} .\n")
        add(f"{article} {self.part_of} <{site_url}> .\n")
        tag = self.lang_tag(lang)
        if tag is not None:
            add(f'{article} {self.in_language} "{tag}" .\n')
            add(f"{article} {self.name} \"{escape_literal(title)}\"@{tag} .\n")
        for badge in link.get("badges") or ():
            if isinstance(badge, str) and _ENTITY_ID.match(badge):
                add(f"{article} {self.wb['badge']} {self.wd}{badge}> .\n")
        if site_url not in seen:
            seen.add(site_url)
            add(f'<{site_url}> {self.wb["wikiGroup"]} "{escape_literal(group)}" .\n')

    def _statement(self, eid: str, s: str, pid: str, iris: _PropertyIris, st: dict[str, Any], best: str,
                   add: Callable[[str], None], seen: set[str]) -> str | None:
        sid = st.get("id") or f"{eid}${_hash(eid, json.dumps(st, sort_keys=True))}"
        node = f"{self.wds}{safe_iri(sid.replace('$', '-', 1))}>"
        rank = st.get("rank", "normal")
        is_best = rank == best
        head = f"{s} {iris.p} {node} .\n{node} {self.rank_of.get(rank, self.rank_of['normal'])} .\n"
        if is_best:
            head += f"{node} {self.best_rank} .\n"
        snak = st["mainsnak"]
        datatype = snak.get("datatype") or self.datatype_of(pid)
        if snak.get("snaktype", "value") == "novalue":
            head += f"{node} {self.a} {iris.wdno} .\n"
            if is_best:
                head += f"{s} {self.a} {iris.wdno} .\n"
            add(head)
        else:
            add(head)
            value, value_node = self._snak_value(snak, datatype, sid, "m", add, seen)
            if value is not None:
                add(f"{node} {iris.ps} {value} .\n{s} {iris.wdt} {value} .\n" if is_best
                    else f"{node} {iris.ps} {value} .\n")
            if value_node is not None:
                add(f"{node} {iris.psv} {value_node} .\n")
        qualifiers = st.get("qualifiers")
        if qualifiers:
            for qpid, qsnaks in qualifiers.items():
                qiris = self.props(qpid)
                if qiris is None:
                    continue
                for i, q in enumerate(qsnaks):
                    self._snak(node, q, qpid, qiris, qiris.pq, qiris.pqv, sid, f"q{qpid}.{i}", add, seen)
        for ref in st.get("references") or ():
            snaks = ref.get("snaks") or {}
            rhash = ref.get("hash") or _hash(json.dumps(snaks, sort_keys=True))
            rnode = f"{self.wdref}{safe_iri(rhash)}>"
            add(f"{node} {self.derived} {rnode} .\n")
            if rnode in seen:
                continue
            seen.add(rnode)
            for rpid, rsnaks in snaks.items():
                riris = self.props(rpid)
                if riris is None:
                    continue
                for i, r in enumerate(rsnaks):
                    self._snak(rnode, r, rpid, riris, riris.pr, riris.prv, rhash, f"r{rpid}.{i}", add, seen)
        return datatype

    def _snak(self, node: str, snak: dict[str, Any], pid: str, iris: _PropertyIris, simple: str, full: str,
              owner: str, role: str, add: Callable[[str], None], seen: set[str]) -> None:
        if snak.get("snaktype") == "novalue":
            add(f"{node} {self.a} {iris.wdno} .\n")
            return
        datatype = snak.get("datatype") or self.datatype_of(pid)
        value, value_node = self._snak_value(snak, datatype, owner, role, add, seen)
        if value is not None:
            add(f"{node} {simple} {value} .\n")
        if value_node is not None:
            add(f"{node} {full} {value_node} .\n")

    def _snak_value(self, snak: dict[str, Any], datatype: str | None, owner: str, role: str,
                    add: Callable[[str], None], seen: set[str]) -> tuple[str | None, str | None]:
        """(simple value term, value node IRI or None); writes the value node once per ``seen``."""
        if snak.get("snaktype") == "somevalue":
            return f"<{self.ns.genid}{_hash(owner, role)}>", None
        dv = snak.get("datavalue") or {}
        v = dv.get("value")
        vtype = dv.get("type")
        if v is None:
            return None, None
        if vtype == "wikibase-entityid":
            target = v.get("id") or _entity_id_from_numeric(v)
            if not isinstance(target, str) or not _ENTITY_ID.match(target):
                return None, None  # a broken value must not stop a dump load
            return f"{self.wd}{target}>", None
        if vtype == "string":
            if datatype == "url":
                if _HAS_SCHEME.match(v):
                    return f"<{safe_iri(v)}>", None
                return f'"{escape_literal(v)}"', None
            if datatype == "commonsMedia":
                return f"<{COMMONS_FILE}{safe_iri(wiki_urlencode(v))}>", None
            if datatype in ("geo-shape", "tabular-data"):
                return f"<{COMMONS_DATA}{safe_iri(wiki_urlencode(v))}>", None
            return f'"{escape_literal(v)}"', None
        if vtype == "monolingualtext":
            lit = self.text(v.get("text", ""), v.get("language", ""))
            return (lit or f'"{escape_literal(v.get("text", ""))}"'), None
        if vtype == "time":
            return self._time(v, add, seen)
        if vtype == "quantity":
            return self._quantity(v, add, seen)
        if vtype == "globecoordinate":
            return self._coordinate(v, add, seen)
        return f'"{escape_literal(json.dumps(v, ensure_ascii=False))}"', None

    def _value_node(self, key: str, seen: set[str], add: Callable[[str], None]) -> tuple[str, bool]:
        """The value node of ``key`` ("T|…" time, "Q|…" quantity, "G|…" coordinate); when new, its type
        (``wikibase:TimeValue`` …, as in the real export; WDQS drops these) is written at once."""
        node = f"{self.wdv}{_hash(key)}>"
        if node in seen:
            return node, False
        seen.add(node)
        add(f"{node} {self.a} {self.wb[_VALUE_NODE_TYPES[key[0]]]} .\n")
        return node, True

    def _time(self, v: dict[str, Any], add: Callable[[str], None],
              seen: set[str]) -> tuple[str | None, str | None]:
        time, precision = str(v.get("time", "")), int(v.get("precision", 11))
        tz, calendar = int(v.get("timezone", 0)), str(v.get("calendarmodel", GREGORIAN))
        cleaned = clean_time(time, precision, calendar)
        literal = None if cleaned is None else f'"{cleaned}"{self.xsd_dt}'
        node, new = self._value_node(f"T|{time}|{precision}|{tz}|{calendar}", seen, add)
        if new:
            wb = self.wb
            if literal is not None:
                add(f"{node} {wb['timeValue']} {literal} .\n")
            add(f'{node} {wb["timePrecision"]} "{precision}"{self.xsd_int} .\n')
            add(f'{node} {wb["timeTimezone"]} "{tz}"{self.xsd_int} .\n')
            add(f"{node} {wb['timeCalendarModel']} <{safe_iri(calendar)}> .\n")
        return literal, node

    def _decimal(self, amount: object) -> str | None:
        text = str(amount)
        if not _DECIMAL.match(text):
            return None
        return f'"{text.lstrip("+")}"{self.xsd_dec}'

    def _quantity(self, v: dict[str, Any], add: Callable[[str], None],
                  seen: set[str]) -> tuple[str | None, str | None]:
        amount = self._decimal(v.get("amount"))
        unit = str(v.get("unit", "1"))
        upper, lower = v.get("upperBound"), v.get("lowerBound")
        node, new = self._value_node(f"Q|{v.get('amount')}|{unit}|{upper}|{lower}", seen, add)
        if new:
            wb = self.wb
            if amount is not None:
                add(f"{node} {wb['quantityAmount']} {amount} .\n")
            for pred, bound in (("quantityUpperBound", upper), ("quantityLowerBound", lower)):
                lit = None if bound is None else self._decimal(bound)
                if lit is not None:
                    add(f"{node} {wb[pred]} {lit} .\n")
            unit_iri = UNIT_ONE if unit == "1" else unit
            if _HAS_SCHEME.match(unit_iri):
                add(f"{node} {wb['quantityUnit']} <{safe_iri(unit_iri)}> .\n")
        return amount, node

    def _coordinate(self, v: dict[str, Any], add: Callable[[str], None],
                    seen: set[str]) -> tuple[str | None, str | None]:
        try:
            lat, lon = float(v["latitude"]), float(v["longitude"])
        except (KeyError, TypeError, ValueError):
            return None, None
        globe = str(v.get("globe") or EARTH)
        precision = v.get("precision")
        point = f"Point({_num(lon)} {_num(lat)})"
        if globe != EARTH:
            point = f"<{safe_iri(globe)}> {point}"
        literal = f'"{point}"{self.wkt}'
        node, new = self._value_node(f"G|{lat}|{lon}|{precision}|{globe}", seen, add)
        if new:
            wb = self.wb
            add(f'{node} {wb["geoLatitude"]} "{_num(lat)}"{self.xsd_double} .\n')
            add(f'{node} {wb["geoLongitude"]} "{_num(lon)}"{self.xsd_double} .\n')
            if precision is not None:
                with contextlib.suppress(TypeError, ValueError):
                    add(f'{node} {wb["geoPrecision"]} "{_num(float(precision))}"{self.xsd_double} .\n')
            add(f"{node} {wb['geoGlobe']} <{safe_iri(globe)}> .\n")
        return literal, node


def _utf8(text: str) -> bytes:
    """N-Triples bytes; lone surrogates from JSON must not stop a load. Encoded by the producer so
    that a queued chunk is held once, as bytes, not as a list of lines plus its text."""
    return text.encode("utf-8", "replace")


def _num(x: float) -> str:
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def _check_id(entity_id: object) -> str:
    if not isinstance(entity_id, str) or not _ENTITY_ID.match(entity_id):
        raise ValueError(f"not an entity id: {entity_id!r}")
    return entity_id


def _entity_id_from_numeric(v: dict[str, Any]) -> str:
    letter = {"item": "Q", "property": "P", "lexeme": "L"}.get(v.get("entity-type", "item"), "Q")
    return f"{letter}{v.get('numeric-id')}"


# ---- WDQS query extensions ------------------------------------------------------------------------

HINT = "http://www.bigdata.com/queryHints#"
_MASKED = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*'" r'|<[^<>"{}|^`\\\s]*>|#[^\n]*', re.S)
_LABEL_SERVICE = re.compile(r"\bSERVICE\s+(?:wikibase:label|<http://wikiba\.se/ontology#label>)\s*\{",
                            re.I)
_OTHER_SERVICE = re.compile(r"(?<![\w:/#?$])SERVICE\s+(?:SILENT\s+)?(?:<|\?|\$|[\w-]*:)", re.I)
_LANGUAGE_PARAM = re.compile(r"""wikibase:language\s+(?:"([^"]*)"|'([^']*)')""")
_MANUAL_BINDING = re.compile(r"[?$](\w+)\s+(rdfs:label|schema:description|skos:altLabel)\s+[?$](\w+)")
_AUTO_VARIABLE = re.compile(r"[?$](\w+?)(Label|Description|AltLabel)\b")
_HINT_TRIPLE = re.compile(r"""\bhint:\w+\s+hint:\w+\s+(?:"[^"]*"|'[^']*'|[\w.+-]+)\s*\.?""")
_VARIABLE = re.compile(r"[?$](\w+)")
_SELECT_STAR = re.compile(r"\bSELECT\s+(?:(?:DISTINCT|REDUCED)\s+)?\*", re.I)
# oxigraph plans the inside of EXISTS without the outer bindings, so "?a schema:about ?item ;
# schema:isPartOf <site>" starts from every article of the site (quadratic over a report). The
# nested form below means exactly the same and starts from ?item.
_SITELINK_EXISTS = re.compile(
    r"EXISTS\s*\{\s*([?$]\w+)\s+schema:about\s+([?$]\w+)\s*;\s*schema:isPartOf\s+(<[^<>\s]*>)\s*\.?\s*\}",
    re.I)
_KINDS = {"rdfs:label": "Label", "schema:description": "Description", "skos:altLabel": "AltLabel"}


def _mask(query: str) -> str:
    """The query with strings and comments blanked (same length), so braces can be matched."""
    return _MASKED.sub(lambda m: m.group() if m.group().startswith("<") else " " * len(m.group()), query)


def _matching_brace(masked: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(masked)):
        if masked[i] == "{":
            depth += 1
        elif masked[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError("unbalanced braces")


def _enclosing_open_brace(masked: str, before: int) -> int:
    depth = 0
    for i in range(before - 1, -1, -1):
        if masked[i] == "}":
            depth += 1
        elif masked[i] == "{":
            if depth == 0:
                return i
            depth -= 1
    raise ValueError("SERVICE wikibase:label outside of a group pattern")


def _label_patterns(subject: str, kind: str, target: str, languages: list[str], ns: Namespaces) -> str:
    """SPARQL 1.1 that binds ?target as WDQS's label service would (first language that has one)."""
    if kind == "AltLabel":
        alt = f"?__{target}_alt"
        return (f" OPTIONAL {{ {{ SELECT ?{subject} (GROUP_CONCAT({alt}; separator=\", \") AS ?{target})"
                f" WHERE {{ ?{subject} skos:altLabel {alt} . FILTER(LANG({alt}) = \"{languages[0]}\") }}"
                f" GROUP BY ?{subject} }} }}")
    predicate = "rdfs:label" if kind == "Label" else "schema:description"
    parts, candidates = [], []
    for i, lang in enumerate(languages):
        var = f"?__{target}_{i}"
        candidates.append(var)
        parts.append(f" OPTIONAL {{ ?{subject} {predicate} {var} . FILTER(LANG({var}) = \"{lang}\") }}")
    if kind == "Label":  # no label: WDQS shows the entity id (or the value itself)
        s = f"?{subject}"
        candidates.append(f'IF(isIRI({s}) && STRSTARTS(STR({s}), "{ns.wd}"), STRAFTER(STR({s}), "{ns.wd}"),'
                          f" STR({s}))")
    parts.append(f" BIND(COALESCE({', '.join(candidates)}) AS ?{target})")
    return "".join(parts)


def expand_wdqs_extensions(query: str, ns: Namespaces) -> str:
    """Rewrite WDQS-only syntax into plain SPARQL 1.1.

    ``SERVICE wikibase:label { bd:serviceParam wikibase:language "fr,en" }`` becomes OPTIONAL
    patterns placed at the end of the group that held it (WDQS runs the service last), in automatic
    mode (?xLabel, ?xDescription, ?xAltLabel) or manual mode (``?x rdfs:label ?name`` inside the
    service). Blazegraph query hints (``hint:Query hint:optimizer "None"``) are dropped. The
    sitelink test ``EXISTS { ?a schema:about ?item ; schema:isPartOf <site> }`` is nested (same
    meaning, linear instead of quadratic in oxigraph). Any other SERVICE is refused: the sandbox
    never calls out to the network.
    """
    query = _HINT_TRIPLE.sub(lambda m: " " * len(m.group()), query)
    user_variables = [v for v in dict.fromkeys(_VARIABLE.findall(_mask(query))) if not v.startswith("__")]
    expanded = False
    for _ in range(20):
        masked = _mask(query)
        m = _LABEL_SERVICE.search(masked)
        if m is None:
            break
        close = _matching_brace(masked, m.end() - 1)
        group_open = _enclosing_open_brace(masked, m.start())
        group_close = _matching_brace(masked, group_open)
        body = query[m.end():close]
        params = _LANGUAGE_PARAM.search(body)
        raw = (params.group(1) or params.group(2)) if params else "en"
        languages = [("en" if x.strip() == "[AUTO_LANGUAGE]" else x.strip().lower())
                     for x in raw.split(",") if x.strip()]
        languages = [x for x in languages if _LANG_TAG.match(x)] or ["en"]
        bindings = [(s, _KINDS[p], t) for s, p, t in _MANUAL_BINDING.findall(_mask(body))]
        if not bindings:
            outside = masked[:m.start()] + masked[close + 1:]
            found = dict.fromkeys(_AUTO_VARIABLE.findall(outside))
            bindings = [(s, kind, s + kind) for s, kind in found]
        generated = "".join(_label_patterns(s, kind, t, languages, ns) for s, kind, t in bindings)
        query = (query[:m.start()] + " " * (close + 1 - m.start()) + query[close + 1:group_close]
                 + generated + " " + query[group_close:])
        expanded = True
    star = _SELECT_STAR.search(_mask(query)) if expanded else None
    if star is not None:  # SELECT * must not show the helper variables of the rewrite
        names = " ".join(f"?{v}" for v in user_variables) or "*"
        query = query[:star.end() - 1] + names + query[star.end():]
    query = _SITELINK_EXISTS.sub(r"EXISTS { \1 schema:about \2 . FILTER EXISTS { \1 schema:isPartOf \3 } }",
                                 query)
    if _OTHER_SERVICE.search(_mask(query)):
        raise ValueError("SERVICE is not available in the sandbox (only SERVICE wikibase:label)")
    return query


# ---- result formats ------------------------------------------------------------------------------

_RESULT_FORMATS = {
    "json": (QueryResultsFormat.JSON, "application/sparql-results+json;charset=utf-8"),
    "xml": (QueryResultsFormat.XML, "application/sparql-results+xml;charset=utf-8"),
    "csv": (QueryResultsFormat.CSV, "text/csv;charset=utf-8"),
    "tsv": (QueryResultsFormat.TSV, "text/tab-separated-values;charset=utf-8"),
}
_GRAPH_FORMATS = {
    "turtle": (RdfFormat.TURTLE, "text/turtle;charset=utf-8"),
    "ntriples": (RdfFormat.N_TRIPLES, "application/n-triples;charset=utf-8"),
    "rdfxml": (RdfFormat.RDF_XML, "application/rdf+xml;charset=utf-8"),
    "jsonld": (RdfFormat.JSON_LD, "application/ld+json;charset=utf-8"),
}
_FORMAT_NAMES = {
    "json": "json", "application/sparql-results+json": "json", "application/json": "json",
    "xml": "xml", "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "csv": "csv", "text/csv": "csv", "tsv": "tsv", "text/tab-separated-values": "tsv",
    "turtle": "turtle", "ttl": "turtle", "text/turtle": "turtle", "application/x-turtle": "turtle",
    "ntriples": "ntriples", "nt": "ntriples", "application/n-triples": "ntriples",
    "text/plain": "ntriples", "rdfxml": "rdfxml", "application/rdf+xml": "rdfxml",
    "jsonld": "jsonld", "application/ld+json": "jsonld",
}


def negotiate(accept: str, graph: bool) -> tuple[Any, str]:
    """A ``format=`` value or an Accept header → (pyoxigraph format, content type)."""
    table = _GRAPH_FORMATS if graph else _RESULT_FORMATS
    ranked: list[tuple[float, int, str]] = []
    for i, item in enumerate((accept or "").split(",")):
        media, *params = (x.strip() for x in item.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        ranked.append((-q, i, media.lower()))
    for _, _, media in sorted(ranked):
        name = _FORMAT_NAMES.get(media, "")
        if name in table:
            return table[name]
        if graph and name == "json":
            return table["jsonld"]
    return table["turtle" if graph else "json"]


# ---- the store ------

class _BackgroundLoader:
    """Worker threads that run ``load(text)`` on submitted chunks while the producer writes more.

    pyoxigraph's bulk loader writes each call's index files under random names and ingests them,
    so calls may run side by side (oxigraph's own loader runs its batches in parallel threads).
    The first error raised by a worker is re-raised by the next submit() or by close().
    """

    def __init__(self, load: Callable[[bytes], None], workers: int) -> None:
        self._load = load
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=workers)
        self._errors: list[BaseException] = []
        self._threads = [threading.Thread(target=self._run, name=f"sparql-bulk-load-{i}", daemon=True)
                         for i in range(workers)]
        for thread in self._threads:
            thread.start()

    def _run(self) -> None:
        while (text := self._queue.get()) is not None:
            if not self._errors:
                try:
                    self._load(text)
                except BaseException as exc:  # handed to the producer thread
                    self._errors.append(exc)

    def submit(self, text: bytes) -> None:
        self._raise()
        self._queue.put(text)

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        self._raise()

    def _raise(self) -> None:
        if self._errors:
            error = self._errors[0]
            self._errors.clear()
            raise error


class _Merge:
    """``work()`` run in a background thread; :meth:`join` waits for it and re-raises its error."""

    def __init__(self, work: Callable[[], None]) -> None:
        self._work = work
        self._errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, name="sparql-merge", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._work()
        except BaseException as exc:  # handed to the thread that joins
            self._errors.append(exc)

    def join(self) -> None:
        self._thread.join()
        if self._errors:
            raise self._errors[0]


# ---- the store --------------------------------------------------------------------------------------

class SparqlStore:
    """The /sparql endpoint's data: one pyoxigraph store in Wikidata's RDF mapping."""

    CHUNK = 5000  # entities per bulk-load call: big enough for the Rust loader, small in memory
    FIRST_CHUNK = 1000  # the first call sooner: the second core idles until it comes
    LOADERS = 2  # bulk-load threads: the Rust side costs ~4x the Python side on disk

    def __init__(self, path: Path | None, concept_base: str = WIKIDATA_CONCEPT_BASE) -> None:
        self.path = path
        self.concept_base = concept_base
        self.ns = Namespaces.for_base(concept_base)
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
            self.store = Store(str(path))
        else:
            self.store = Store()
        self._datatypes: dict[str, str] = {}
        self._merging: _Merge | None = None
        self.writer = TripleWriter(self.ns, self._datatype_of)
        self._prefixes = self.ns.prefixes()
        self._functions: dict[NamedNode, Callable[..., Any]] = {
            NamedNode(WIKIBASE + "isSomeValue"): self._is_some_value}
        self._about = NamedNode(SCHEMA + "about")
        self._part_of = NamedNode(SCHEMA + "isPartOf")
        self._property_type = NamedNode(WIKIBASE + "propertyType")

    # -- writing
    def replace_entity(self, entity: dict[str, Any]) -> None:
        """Drop the entity's triples and write the new ones (after every edit)."""
        if "missing" in entity:
            self.remove_entity(entity["id"])
            return
        lines: list[str] = []
        self._learn_datatype(entity)
        self.writer.entity(entity, lines, set())
        self.remove_entity(entity["id"])
        self._load("".join(lines), bulk=False)

    def add_redirect(self, source_id: str, target_id: str) -> None:
        """``wd:source owl:sameAs wd:target`` in place of whatever ``source`` had."""
        lines: list[str] = []
        self.writer.redirect(source_id, target_id, lines)
        self.remove_entity(source_id)
        self._load("".join(lines), bulk=False)

    def remove_entity(self, entity_id: str) -> None:
        """Remove everything the entity owns, then the shared nodes nothing points to any more."""
        node = NamedNode(self.ns.wd + _check_id(entity_id))
        store, dg = self.store, DefaultGraph()
        doomed = list(store.quads_for_pattern(node, None, None, dg))
        owned: list[NamedNode] = []
        for q in doomed:
            o = q.object
            if isinstance(o, NamedNode) and o.value.startswith(self.ns.wds):
                owned.append(o)
        owned.extend(q.subject for q in store.quads_for_pattern(None, self._about, node, dg)
                     if isinstance(q.subject, NamedNode))
        for subject in owned:
            doomed.extend(store.quads_for_pattern(subject, None, None, dg))
        candidates = [q.object for q in doomed if self._is_shared(q)]
        for q in doomed:
            store.remove(q)
        self._collect(candidates)

    def _is_shared(self, quad: Any) -> bool:
        o = quad.object
        if not isinstance(o, NamedNode):
            return False
        v = o.value
        return (v.startswith(self.ns.wdref) or v.startswith(self.ns.wdv)
                or quad.predicate == self._part_of)

    def _collect(self, candidates: list[Any]) -> None:
        store, dg = self.store, DefaultGraph()
        done: set[str] = set()
        while candidates:
            node = candidates.pop()
            if node.value in done:
                continue
            done.add(node.value)
            if next(iter(store.quads_for_pattern(None, None, node, dg)), None) is not None:
                continue  # still used by another statement, reference or sitelink
            quads = list(store.quads_for_pattern(node, None, None, dg))
            candidates.extend(q.object for q in quads if self._is_shared(q))
            for q in quads:
                store.remove(q)

    def bulk_load(self, entities: Iterable[dict[str, Any]], *, merge_later: bool = False) -> int:
        """Fast path for dump loading; returns the number of entities written.

        Entities already in the store are replaced (their old triples removed first). After a
        first load the store merges its index files before returning — or, with ``merge_later``,
        in a background thread while the caller finishes its own work, until :meth:`wait_merged`.
        """
        # pyoxigraph releases the GIL while it parses and indexes, so loader threads index chunks
        # n and n-1 while this thread writes chunk n+1. Not when replacing: remove_entity must see
        # every earlier chunk fully loaded before it decides which shared nodes are orphans.
        replace = self._has_entities()
        loader = None if replace else _BackgroundLoader(lambda text: self._load(text, bulk=True),
                                                         self.LOADERS)
        load = loader.submit if loader is not None else (lambda text: self._load(text, bulk=True))
        count = 0
        lines: list[str] = []
        seen: set[str] = set()
        in_chunk = 0
        limit = self.FIRST_CHUNK  # the loader threads start early, then get full chunks
        try:
            for entity in entities:
                if "missing" in entity:
                    continue
                self._learn_datatype(entity)
                if replace:
                    self.remove_entity(entity["id"])
                self.writer.entity(entity, lines, seen)
                count += 1
                in_chunk += 1
                if in_chunk >= limit:
                    load(_utf8("".join(lines)))
                    lines = []
                    seen.clear()
                    in_chunk = 0
                    limit = self.CHUNK
            if lines:
                load(_utf8("".join(lines)))
        finally:
            if loader is not None:
                loader.close()
        if count and not replace:
            # The bulk loader leaves many small index files that RocksDB would merge in background
            # threads for minutes after, while the first queries run — measured at 120,000 entities:
            # the first report took a third longer, both processes competing with the merge. Merged
            # now, within the load (the merge keeps about one core busy: a caller with work of its
            # own, the dump loader's SQLite indexes and commit, runs it meanwhile).
            if merge_later:
                self._merging = _Merge(self.store.optimize)
            else:
                self.store.optimize()
        return count

    def wait_merged(self) -> None:
        """Wait for the merge that ``bulk_load(merge_later=True)`` started; raise its error."""
        merging, self._merging = self._merging, None
        if merging is not None:
            merging.join()

    def _load(self, text: str | bytes, bulk: bool) -> None:
        if not text:
            return
        data = _utf8(text) if isinstance(text, str) else text
        if bulk:
            self.store.bulk_load(data, RdfFormat.N_TRIPLES, lenient=True)
        else:
            self.store.load(data, RdfFormat.N_TRIPLES, lenient=True)

    def _has_entities(self) -> bool:
        return next(iter(self.store.quads_for_pattern(None, None, None, DefaultGraph())), None) is not None

    def _learn_datatype(self, entity: dict[str, Any]) -> None:
        if entity.get("type") == "property" and entity.get("datatype"):
            self._datatypes[entity["id"]] = entity["datatype"]

    def _datatype_of(self, pid: str) -> str | None:
        """A snak without "datatype" (some API outputs): ask the property's own triples."""
        if pid not in self._datatypes:
            quad = next(iter(self.store.quads_for_pattern(
                NamedNode(self.ns.wd + _check_id(pid)), self._property_type, None)), None)
            if quad is None:
                return None
            self._datatypes[pid] = _TYPE_OF_PROPERTY_TYPE.get(str(getattr(quad.object, "value", "")),
                                                              "string")
        return self._datatypes[pid]

    # -- reading
    def triple_count(self) -> int:
        return len(self.store)

    def entity_triples(self, entity_id: str) -> Iterator[Any]:
        """The triples whose subject is the entity node (for tests and debugging)."""
        return self.store.quads_for_pattern(NamedNode(self.ns.wd + _check_id(entity_id)), None, None)

    def _is_some_value(self, term: Any) -> Literal:
        some = isinstance(term, BlankNode) or (isinstance(term, NamedNode)
                                                and term.value.startswith(self.ns.genid))
        return Literal("true" if some else "false", datatype=NamedNode(XSD + "boolean"))

    def query(self, query: str, accept: str) -> tuple[bytes, str]:
        """Run a SPARQL query; (body, content type). ValueError for a query that cannot run."""
        try:
            query = expand_wdqs_extensions(query, self.ns)
            result = self.store.query(query, prefixes=self._prefixes,
                                      custom_functions=self._functions)
            if isinstance(result, QuerySolutions | QueryBoolean):
                fmt, content_type = negotiate(accept, graph=False)
            else:
                fmt, content_type = negotiate(accept, graph=True)
            body = result.serialize(format=fmt)
        except SyntaxError as exc:
            raise ValueError(str(exc)) from exc
        except (OSError, RuntimeError) as exc:  # evaluation errors, e.g. an unsupported SERVICE
            raise ValueError(f"{type(exc).__name__}: {exc}") from exc
        return body or b"", content_type

