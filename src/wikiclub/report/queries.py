"""SPARQL for the coverage report: every query works on a bounded block of ids.

Membership is found by walking the regions' P131 tree one level at a time (``VALUES`` blocks of
parents → their children, and the items whose « located by » properties point at them), the classes'
P279 tree upwards from the classes the items really have (never from the class side), the focus
list with one triple pattern. The measures read with SPARQL (``--measures sparql``) use ``VALUES``
blocks of items too. No query aggregates over the whole WikiProject, so none grows with it and none
can time out because the WikiProject is big. Only standard SPARQL 1.1 and the WDQS RDF mapping are
used — no ``SERVICE wikibase:label``, no Blazegraph hints — so the same text runs on WDQS, QLever
and the sandbox; every query declares its prefixes from the site's concept base.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..config import WIKIDATA_CONCEPT_BASE
from .itemdata import IMPORTED_FROM
from .model import Measure
from .spec import Selection


@dataclass(frozen=True)
class Namespaces:
    entity: str  # wd:
    direct: str  # wdt:
    prop: str  # p:
    reference: str  # pr:

    @classmethod
    def for_base(cls, concept_base: str | None) -> Namespaces:
        base = concept_base or WIKIDATA_CONCEPT_BASE
        root = base[: -len("entity/")] if base.endswith("entity/") else base
        return cls(base, root + "prop/direct/", root + "prop/", root + "prop/reference/")

    def header(self) -> str:
        return "\n".join([
            f"PREFIX wd: <{self.entity}>", f"PREFIX wdt: <{self.direct}>", f"PREFIX p: <{self.prop}>",
            f"PREFIX pr: <{self.reference}>",
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>",
            "PREFIX schema: <http://schema.org/>",
            "PREFIX prov: <http://www.w3.org/ns/prov#>",
            "PREFIX wikibase: <http://wikiba.se/ontology#>", ""])


def site_url(site_id: str) -> str:
    """``frwiki`` → ``https://fr.wikipedia.org/`` (the ``schema:isPartOf`` of its sitelinks)."""
    special = {"commonswiki": "https://commons.wikimedia.org/", "wikidatawiki": "https://www.wikidata.org/",
               "specieswiki": "https://species.wikimedia.org/", "metawiki": "https://meta.wikimedia.org/"}
    if site_id in special:
        return special[site_id]
    for suffix, host in (("wikisource", "wikisource.org"), ("wikiquote", "wikiquote.org"),
                         ("wikivoyage", "wikivoyage.org"), ("wiktionary", "wiktionary.org"),
                         ("wikinews", "wikinews.org"), ("wikibooks", "wikibooks.org"),
                         ("wikiversity", "wikiversity.org"), ("wiki", "wikipedia.org")):
        if site_id.endswith(suffix) and len(site_id) > len(suffix):
            return f"https://{site_id[: -len(suffix)].replace('_', '-')}.{host}/"
    raise ValueError(f"unknown site id {site_id!r}")


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def measure_pattern(measure: Measure) -> str:
    """A graph pattern that holds when ?item has the measure (used inside EXISTS)."""
    if measure.kind == "property":
        return f"?item p:{measure.key} [] ."  # any statement, any rank (novalue included)
    if measure.kind == "label":
        return f"?item rdfs:label ?wcL . FILTER(LANG(?wcL) = {_lit(measure.key)})"
    if measure.kind == "description":
        return f"?item schema:description ?wcD . FILTER(LANG(?wcD) = {_lit(measure.key)})"
    # Nested so that engines which plan an EXISTS body on its own (oxigraph) start from ?item:
    # the flat two-pattern form is quadratic there; the meaning is the same on every endpoint.
    return f"?wcA schema:about ?item . FILTER EXISTS {{ ?wcA schema:isPartOf <{site_url(measure.key)}> }}"


def selection_pattern(selection: Selection, region: str | None = None) -> str:
    """Distinct ?item of the WikiProject; with ``region`` only items whose P131 chain reaches it."""
    parts = []
    if selection.regions:
        values = " ".join(f"wd:{q}" for q in selection.regions)
        parts.append(f"{{ VALUES ?wcRegion {{ {values} }} ?item wdt:P131+ ?wcRegion . }}")
    if selection.focus_item:
        parts.append(f"{{ ?item wdt:P5008 wd:{selection.focus_item} . }}")
    if selection.query.strip():
        parts.append(f"{{ {selection.query.strip()} }}")
    union = " UNION ".join(parts)
    restrict = f" ?item wdt:P131+ wd:{region} ." if region else ""
    return f"{{ SELECT DISTINCT ?item WHERE {{ {union}{restrict} }} }}"


def _values(var: str, ids: Sequence[str]) -> str:
    return f"VALUES ?{var} {{ {' '.join(f'wd:{i}' for i in ids)} }}"


def children_query(parents: Sequence[str], via: Sequence[str], parent_property: str, ns: Namespaces,
                   versions: bool = True) -> str:
    """Items pointing at ``parents`` by one of ``via`` (truthy): ``?c`` and the property ``?via`` (the parent
    itself is not returned: a third less to send and parse), and (with ``versions``) the child's revision
    (``schema:version``, where the endpoint has it: WDQS-shaped RDF).

    One UNION branch per property (a ``VALUES ?via`` join makes some engines scan every triple of
    the property): each branch is an index lookup from the bound parent.
    """
    branches = " UNION ".join(f'{{ ?c wdt:{p} ?p . BIND("{p}" AS ?via) }}'
                              for p in dict.fromkeys((parent_property, *via)))
    return (f"{ns.header()}SELECT ?c ?via{_version(versions)} WHERE {{ {_values('p', parents)} {branches}\n"
            f"  {_optional_version(versions, '?c')}}}")


def _version(versions: bool) -> str:
    return " ?v" if versions else ""


def _optional_version(versions: bool, var: str) -> str:
    """The revision of ``var``, asked only when it is of use (a cache to check against)."""
    return f"OPTIONAL {{ {var} schema:version ?v }} " if versions else ""


def superclass_query(classes: Sequence[str], ns: Namespaces) -> str:
    """The direct superclasses (truthy P279) of ``classes``."""
    return f"{ns.header()}SELECT ?c ?s WHERE {{ {_values('c', classes)} ?c wdt:P279 ?s . }}"


def focus_query(focus_item: str, ns: Namespaces, versions: bool = True) -> str:
    return (f"{ns.header()}SELECT ?item{_version(versions)} WHERE {{ ?item wdt:P5008 wd:{focus_item} . "
            f"{_optional_version(versions, '?item')}}}")


def custom_query(pattern: str, ns: Namespaces, versions: bool = True) -> str:
    return (f"{ns.header()}SELECT DISTINCT ?item{_version(versions)} WHERE {{ {{ {pattern.strip()} }} "
            f"{_optional_version(versions, '?item')}}}")


def statements_probe(ns: Namespaces) -> str:
    """Does the endpoint carry ``wikibase:statements`` (WDQS does; raw RDF dumps do not)?"""
    return f"{ns.header()}SELECT ?e WHERE {{ ?e wikibase:statements ?n . }} LIMIT 1"


def facts_query(items: Sequence[str], measures: Sequence[Measure], first_language: str, ns: Namespaces) -> str:
    """Per item of the block: a 0/1 flag per measure, its statement count, its label (SPARQL measures)."""
    flags = " ".join(f"BIND(IF(EXISTS {{ {measure_pattern(m)} }}, 1, 0) AS ?m{i})" for i, m in enumerate(measures))
    return (f"{ns.header()}SELECT * WHERE {{ {_values('item', items)}\n"
            f"  OPTIONAL {{ ?item wikibase:statements ?st }}\n"
            f"  OPTIONAL {{ ?item rdfs:label ?lbl . FILTER(LANG(?lbl) = {_lit(first_language)}) }}\n"
            f"  {flags}\n}}")


def classes_query(items: Sequence[str], ns: Namespaces) -> str:
    return f"{ns.header()}SELECT ?item ?c WHERE {{ {_values('item', items)} ?item wdt:P31 ?c . }}"


def sourced_query(items: Sequence[str], ns: Namespaces) -> str:
    """Per item of the block: statements with a reference that is not only « imported from » (P143).

    The engine still reads each item's triples to find its statements (SPARQL cannot name « the
    ``p:`` predicates » without listing them), but only for the block's items: its cost is bounded by
    the block, never by the WikiProject or the graph.
    """
    return (f"{ns.header()}SELECT ?item (COUNT(DISTINCT ?st) AS ?n) WHERE {{ {_values('item', items)}\n"
            f"  ?item ?wcP ?st . ?st wikibase:rank ?wcR ; prov:wasDerivedFrom ?wcRef .\n"
            f"  FILTER NOT EXISTS {{ ?wcRef pr:{IMPORTED_FROM} [] }}\n}} GROUP BY ?item")


def labels_query(ids: tuple[str, ...], languages: tuple[str, ...], ns: Namespaces) -> str:
    values = " ".join(f"wd:{i}" for i in ids)
    langs = ", ".join(_lit(lang) for lang in languages)
    return (f"{ns.header()}SELECT ?e ?l ?lang WHERE {{ VALUES ?e {{ {values} }} ?e rdfs:label ?l . "
            f"BIND(LANG(?l) AS ?lang) FILTER(?lang IN ({langs})) }}")
