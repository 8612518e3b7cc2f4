"""SPARQL for the coverage report: aggregates computed by the endpoint, never item by item.

One *coverage* query per group counts, per region bucket, the items and every measure at once
(``SUM(IF(EXISTS {…}, 1, 0))`` per column) plus the statements and the referenced statements, so the
number of queries depends on the number of groups, not on the number of items (Integraality needs
1 + 2–3 queries per property column). Only standard SPARQL 1.1 and the WDQS RDF mapping are used —
no ``SERVICE wikibase:label``, no Blazegraph hints — so the same text runs on WDQS, QLever and the
sandbox. Every query declares its prefixes from the site's concept base, so a Wikibase other than
Wikidata works too.

Region buckets: an item counts in the *first* configured region its P131 chain reaches (``""``
when it reaches none, e.g. an item selected by the focus list only), so buckets add up to the group.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import WIKIDATA_CONCEPT_BASE
from .model import ALL_GROUP, GroupSpec, Measure
from .spec import Selection

# References that only say where a bot copied the value from do not source it.
IMPORTED_FROM = "P143"


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


def region_expression(regions: tuple[str, ...]) -> str:
    """``IF(EXISTS {?item wdt:P131+ wd:R1}, "R1", IF(…, "R2", ""))``: the item's first region."""
    expr = '""'
    for qid in reversed(regions):
        expr = f'IF(EXISTS {{ ?item wdt:P131+ wd:{qid} }}, "{qid}", {expr})'
    return expr


def group_pattern(group: GroupSpec | None, classes: tuple[str, ...] | None = None) -> str:
    """Binds ?group: a constant for a configured group, the P31 class for ``group=None``."""
    if group is None:
        values = f" VALUES ?group {{ {' '.join(f'wd:{q}' for q in classes)} }}" if classes else ""
        return f"?item wdt:P31 ?group .{values}"
    if group.id == ALL_GROUP:
        return f'BIND("{ALL_GROUP}" AS ?group)'
    path = "wdt:P31/wdt:P279*" if group.subclasses else "wdt:P31"
    values = " ".join(f"wd:{q}" for q in group.classes)
    return f'VALUES ?wcClass {{ {values} }} ?item {path} ?wcClass . BIND("{group.id}" AS ?group)'


@dataclass(frozen=True)
class CoverageTask:
    """One coverage query: a group (None = per P31 class), some measures, maybe one region bucket."""

    group: GroupSpec | None
    measures: tuple[Measure, ...]
    statements: bool = True
    region: str | None = None  # None: every bucket; "" the bucket outside all regions; else a region QID
    classes: tuple[str, ...] | None = None  # per-P31 mode: only these classes

    def describe(self) -> str:
        what = "P31" if self.group is None else self.group.name
        if self.classes:
            what += f" ({len(self.classes)} classes)"
        if self.region is not None:
            what += f", région {self.region or '(aucune)'}"
        cols = len(self.measures) + (2 if self.statements else 0)
        return f"{what}, {cols} colonnes"


def coverage_query(task: CoverageTask, selection: Selection, regions: tuple[str, ...], ns: Namespaces) -> str:
    # A region bucket restricts the selection itself (less work for the endpoint), then keeps the items
    # whose *first* region is that one (buckets stay disjoint).
    if task.region:
        inner = selection_pattern(selection, task.region)
        bucket = f'FILTER(?region = "{task.region}")'
    elif task.region == "" and regions:
        inner = selection_pattern(selection)
        bucket = 'FILTER(?region = "")'
    else:
        inner, bucket = selection_pattern(selection), ""
    items = (f"{{ SELECT ?item ?group ?region WHERE {{\n"
             f"    {{ SELECT DISTINCT ?item ?group WHERE {{ {inner} {group_pattern(task.group, task.classes)} }} }}\n"
             f"    BIND({region_expression(regions)} AS ?region) {bucket}\n  }} }}")
    heads = ["?group", "?region", "(COUNT(?item) AS ?items)"]
    body = []
    if task.statements:
        # Per item: statements with at least one reference that is not only "imported from" (P143).
        items = (f"{{ SELECT ?item ?group ?region (COUNT(DISTINCT ?wcSt) AS ?wcSrc) WHERE {{\n  {items}\n"
                 f"  OPTIONAL {{ ?item ?wcP ?wcSt . ?wcSt prov:wasDerivedFrom ?wcRef .\n"
                 f"             FILTER NOT EXISTS {{ ?wcRef pr:{IMPORTED_FROM} [] }} }}\n"
                 f"}} GROUP BY ?item ?group ?region }}")
        body.append("OPTIONAL { ?item wikibase:statements ?wcN0 } BIND(COALESCE(?wcN0, 0) AS ?wcN)")
        heads += ["(SUM(?wcN) AS ?statements)", "(SUM(?wcSrc) AS ?sourced)"]
    for i, m in enumerate(task.measures):
        body.append(f"BIND(IF(EXISTS {{ {measure_pattern(m)} }}, 1, 0) AS ?wcM{i})")
        heads.append(f"(SUM(?wcM{i}) AS ?c{i})")
    lines = "\n  ".join(body)
    return (f"{ns.header()}SELECT {' '.join(heads)} WHERE {{\n  {items}\n  {lines}\n}}\n"
            f"GROUP BY ?group ?region")


def class_count_query(selection: Selection, ns: Namespaces) -> str:
    """Per-P31 mode: the classes of the WikiProject's items, biggest first."""
    return (f"{ns.header()}SELECT ?group (COUNT(DISTINCT ?item) AS ?items) WHERE {{\n"
            f"  {selection_pattern(selection)} ?item wdt:P31 ?group .\n}} GROUP BY ?group ORDER BY DESC(?items)")


def worklist_query(group: GroupSpec | None, properties: tuple[str, ...], selection: Selection, ns: Namespaces,
                   language: str, limit: int) -> str:
    """The items lacking the most of ``properties`` (ties by QID), with their label in ``language``."""
    flags = [f"BIND(IF(EXISTS {{ ?item p:{pid} [] }}, 0, 1) AS ?wcX{i})" for i, pid in enumerate(properties)]
    total = " + ".join(f"?wcX{i}" for i in range(len(properties))) or "0"
    heads = " ".join(f"?wcX{i}" for i in range(len(properties)))
    group_part = group_pattern(group) if group is not None and group.id != ALL_GROUP else ""
    body = "\n  ".join(flags)
    return (f"{ns.header()}SELECT ?item ?wcLabel ?wcMissing {heads} WHERE {{\n"
            f"  {{ SELECT DISTINCT ?item WHERE {{ {selection_pattern(selection)} {group_part} }} }}\n"
            f"  {body}\n  BIND({total} AS ?wcMissing) FILTER(?wcMissing > 0)\n"
            f"  OPTIONAL {{ ?item rdfs:label ?wcLabel . FILTER(LANG(?wcLabel) = {_lit(language)}) }}\n"
            f"}} ORDER BY DESC(?wcMissing) STR(?item) LIMIT {int(limit)}")


def labels_query(ids: tuple[str, ...], languages: tuple[str, ...], ns: Namespaces) -> str:
    values = " ".join(f"wd:{i}" for i in ids)
    langs = ", ".join(_lit(lang) for lang in languages)
    return (f"{ns.header()}SELECT ?e ?l ?lang WHERE {{ VALUES ?e {{ {values} }} ?e rdfs:label ?l . "
            f"BIND(LANG(?l) AS ?lang) FILTER(?lang IN ({langs})) }}")
