"""SparqlStore: the WDQS RDF mapping of tests/data/kb.jsonl and of hand-made entities, checked by SPARQL."""

from __future__ import annotations

import copy
import csv
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
from pyoxigraph import Literal, NamedNode, RdfFormat, Store

from wikiclub.sandbox.rdf import SparqlStore, clean_time, negotiate, site_info

KB = Path(__file__).resolve().parent.parent / "data" / "kb.jsonl"
WD = "http://www.wikidata.org/entity/"
GREG = "http://www.wikidata.org/entity/Q1985727"
JULIAN = "http://www.wikidata.org/entity/Q1985786"


# ---- helpers ---------------------------------------------------------------------------------------

def kb_entities() -> list[dict[str, Any]]:
    return [json.loads(line) for line in KB.read_text(encoding="utf-8").splitlines() if line.strip()]


def select(store: SparqlStore, query: str) -> list[dict[str, Any]]:
    body, content_type = store.query(query, "")
    assert content_type.startswith("application/sparql-results+json")
    return [{k: v["value"] for k, v in row.items()} for row in json.loads(body)["results"]["bindings"]]


def scalar(store: SparqlStore, query: str) -> str:
    rows = select(store, query)
    assert len(rows) == 1, rows
    return next(iter(rows[0].values()))


def ask(store: SparqlStore, query: str) -> bool:
    body, _ = store.query(query, "json")
    return bool(json.loads(body)["boolean"])


def item_snak(pid: str, qid: str) -> dict[str, Any]:
    return {"snaktype": "value", "property": pid, "datatype": "wikibase-item",
            "datavalue": {"type": "wikibase-entityid", "value": {"entity-type": "item", "id": qid}}}


def time_snak(pid: str, time: str, precision: int = 11, calendar: str = GREG) -> dict[str, Any]:
    return {"snaktype": "value", "property": pid, "datatype": "time",
            "datavalue": {"type": "time", "value": {"time": time, "timezone": 0, "before": 0, "after": 0,
                                                     "precision": precision, "calendarmodel": calendar}}}


def statement(sid: str, snak: dict[str, Any], rank: str = "normal", **extra: Any) -> dict[str, Any]:
    return {"mainsnak": snak, "type": "statement", "id": sid, "rank": rank, **extra}


def ranked_item() -> dict[str, Any]:
    """P31: preferred Q5 + normal Q6 + deprecated Q7; P17: normal Q16 + deprecated Q30;
    P40: novalue (normal); P19: somevalue; P106: only deprecated."""
    q = "Q777"
    return {
        "type": "item", "id": q, "lastrevid": 42, "modified": "2024-06-01T10:00:00Z",
        "labels": {"fr": {"language": "fr", "value": "Élément \"classé\""},
                   "en": {"language": "en", "value": "Ranked item"}},
        "descriptions": {"fr": {"language": "fr", "value": "ligne 1\nligne 2"}},
        "aliases": {"fr": [{"language": "fr", "value": "alias un"}, {"language": "fr", "value": "alias deux"}]},
        "claims": {
            "P31": [statement(f"{q}$A1", item_snak("P31", "Q5"), "preferred"),
                    statement(f"{q}$A2", item_snak("P31", "Q6")),
                    statement(f"{q}$A3", item_snak("P31", "Q7"), "deprecated")],
            "P17": [statement(f"{q}$B1", item_snak("P17", "Q16")),
                    statement(f"{q}$B2", item_snak("P17", "Q30"), "deprecated")],
            "P40": [statement(f"{q}$C1", {"snaktype": "novalue", "property": "P40",
                                          "datatype": "wikibase-item"})],
            "P19": [statement(f"{q}$D1", {"snaktype": "somevalue", "property": "P19",
                                          "datatype": "wikibase-item"})],
            "P106": [statement(f"{q}$E1", item_snak("P106", "Q33999"), "deprecated")],
        },
        "sitelinks": {
            "frwiki": {"site": "frwiki", "title": "Élément classé (test)", "badges": ["Q17437796"]},
            "enwikisource": {"site": "enwikisource", "title": "Ranked item/Part 1", "badges": []},
        },
    }


@pytest.fixture(scope="module")
def kb_store() -> SparqlStore:
    store = SparqlStore(None, WD)
    assert store.bulk_load(kb_entities()) == len(kb_entities())
    return store


@pytest.fixture
def store() -> SparqlStore:
    return SparqlStore(None, WD)


# ---- counts over the whole kb: JSON vs SPARQL ------------------------------------------------------------

def best_values(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    best = "preferred" if any(s["rank"] == "preferred" for s in statements) else "normal"
    return [s for s in statements if s["rank"] == best and s["mainsnak"]["snaktype"] == "value"]


def test_kb_counts_match_the_json(kb_store: SparqlStore) -> None:
    entities = kb_entities()
    items = [e for e in entities if e["type"] == "item"]
    # no `a wikibase:Item` (WDQS drops it, and the issue-11 wiki's export had none); properties keep theirs
    assert int(scalar(kb_store, "SELECT (COUNT(?i) AS ?n) WHERE { ?i a wikibase:Item }")) == 0
    assert int(scalar(kb_store, "SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i schema:version [] ; rdfs:label [] "
                                "FILTER NOT EXISTS { ?i a wikibase:Property } }")) == len(items)
    assert int(scalar(kb_store, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a wikibase:Property }")) == sum(1 for e in entities if e["type"] == "property")

    per_class = Counter(s["mainsnak"]["datavalue"]["value"]["id"]
                        for e in items for s in best_values(e["claims"].get("P31", [])))
    rows = select(kb_store, "SELECT ?c (COUNT(?i) AS ?n) WHERE { ?i wdt:P31 ?c } GROUP BY ?c")
    assert {r["c"].removeprefix(WD): int(r["n"]) for r in rows} == dict(per_class)

    n_statements = sum(len(v) for e in entities for v in e["claims"].values())
    assert int(scalar(kb_store, "SELECT (COUNT(?s) AS ?n) WHERE { ?s wikibase:rank ?r }")) == n_statements
    assert int(scalar(kb_store, "SELECT (SUM(?c) AS ?n) WHERE { ?e wikibase:statements ?c }")) == n_statements
    assert int(scalar(kb_store, "SELECT (COUNT(*) AS ?n) WHERE { ?e wikibase:identifiers ?c }")) == 0

    labels = Counter(lang for e in entities for lang in e["labels"])
    rows = select(kb_store, "SELECT ?l (COUNT(*) AS ?n) WHERE { ?e rdfs:label ?x BIND(LANG(?x) AS ?l) } GROUP BY ?l")
    assert {r["l"]: int(r["n"]) for r in rows} == dict(labels)
    # as on WDQS, labels are rdfs:label only (the dump format's skos:prefLabel/schema:name copies are dropped)
    assert int(scalar(kb_store, "SELECT (COUNT(*) AS ?n) WHERE { ?e skos:prefLabel ?x }")) == 0
    n_desc = sum(len(e["descriptions"]) for e in entities)
    assert int(scalar(kb_store, "SELECT (COUNT(*) AS ?n) WHERE { ?e schema:description ?x }")) == n_desc

    sites = Counter(site for e in items for site in e["sitelinks"])
    rows = select(kb_store, """SELECT ?site (COUNT(?a) AS ?n) WHERE {
        ?a schema:about ?i ; schema:isPartOf ?site } GROUP BY ?site""")
    assert {r["site"]: int(r["n"]) for r in rows} == {site_info(s)[0]: n for s, n in sites.items()}
    assert int(scalar(kb_store, "SELECT (SUM(?c) AS ?n) WHERE { ?i wikibase:sitelinks ?c }")) == sum(sites.values())


def test_kb_qualifiers_and_references(kb_store: SparqlStore) -> None:
    entities = kb_entities()
    statements = [s for e in entities for v in e["claims"].values() for s in v]
    n_qualifiers = sum(len(q) for s in statements for q in s.get("qualifiers", {}).values())
    assert n_qualifiers > 0
    assert int(scalar(kb_store, """SELECT (COUNT(*) AS ?n) WHERE {
        ?s wikibase:rank ?r ; ?pq ?v . ?prop wikibase:qualifier ?pq }""")) == n_qualifiers
    n_refs = sum(len(s.get("references", [])) for s in statements)
    hashes = {r["hash"] for s in statements for r in s.get("references", [])}
    assert n_refs > len(hashes) > 0  # references are shared between statements, as on WDQS
    assert int(scalar(kb_store, "SELECT (COUNT(*) AS ?n) WHERE { ?s prov:wasDerivedFrom ?r }")) == n_refs
    assert int(scalar(kb_store, "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?s prov:wasDerivedFrom ?r }")) == len(hashes)
    # The P1082 statement of Q900141: qualifier P585 (year precision), reference P248 + P813.
    rows = select(kb_store, """SELECT ?pop ?when ?src ?retrieved WHERE {
        wd:Q900141 p:P1082 ?st . ?st ps:P1082 ?pop ; pq:P585 ?when ; prov:wasDerivedFrom ?ref .
        ?ref pr:P248 ?src ; pr:P813 ?retrieved }""")
    assert rows == [{"pop": "42313", "when": "2021-01-01T00:00:00Z", "src": WD + "Q900099",
                     "retrieved": "2024-05-01T00:00:00Z"}]
    assert ask(kb_store, """ASK { wd:Q900141 p:P1082 ?st . ?st prov:wasDerivedFrom wdref:b4ebbf2335a6d4af67d44c617c997e5b4d2a4ecc .
        ?st pqv:P585 [ wikibase:timePrecision 9 ] }""")


def test_kb_value_nodes(kb_store: SparqlStore) -> None:
    rows = select(kb_store, """SELECT ?t ?prec ?tz ?cal WHERE {
        wd:Q900141 p:P1082/pqv:P585 ?v . ?v wikibase:timeValue ?t ; wikibase:timePrecision ?prec ;
        wikibase:timeTimezone ?tz ; wikibase:timeCalendarModel ?cal }""")
    assert rows == [{"t": "2021-01-01T00:00:00Z", "prec": "9", "tz": "0", "cal": GREG}]
    rows = select(kb_store, """SELECT ?amount ?unit WHERE {
        wd:Q900141 p:P1082/psv:P1082 ?v . ?v wikibase:quantityAmount ?amount ; wikibase:quantityUnit ?unit }""")
    assert rows == [{"amount": "42313", "unit": WD + "Q199"}]
    rows = select(kb_store, """SELECT ?point ?lat ?lon ?prec ?globe WHERE {
        wd:Q900140 wdt:P625 ?point ; p:P625/psv:P625 ?v . ?v wikibase:geoLatitude ?lat ;
        wikibase:geoLongitude ?lon ; wikibase:geoPrecision ?prec ; wikibase:geoGlobe ?globe }""")
    assert rows == [{"point": "Point(-80.99 46.49)", "lat": "46.49", "lon": "-80.99", "prec": "0.0001",
                     "globe": WD + "Q2"}]
    # Value nodes are shared by content, so there are fewer of them than time values.
    n_time_nodes = int(scalar(kb_store, "SELECT (COUNT(DISTINCT ?v) AS ?n) WHERE { ?v wikibase:timeValue ?t }"))
    n_time_links = int(scalar(kb_store, """SELECT (COUNT(*) AS ?n) WHERE {
        ?x ?p ?v . ?v wikibase:timeValue ?t }"""))
    assert 0 < n_time_nodes < n_time_links


def test_kb_value_encodings(kb_store: SparqlStore) -> None:
    datatypes = select(kb_store, """SELECT ?dt WHERE {
        wd:Q900223 wdt:P856 ?url . wd:Q900259 wdt:P2013 ?id ; wdt:P1448 ?name .
        BIND(CONCAT(STR(isIRI(?url)), " ", STR(DATATYPE(?id)), " ", LANG(?name)) AS ?dt) }""")
    assert datatypes == [{"dt": "true http://www.w3.org/2001/XMLSchema#string fr"}]
    assert ask(kb_store, 'ASK { wd:Q900259 wdt:P1448 "Conseil de la culture de l\'Abitibi-Témiscamingue"@fr }')
    assert ask(kb_store, "ASK { wd:Q900097 wdt:P585 ?d FILTER(?d = \"2006-05-16T00:00:00Z\"^^xsd:dateTime) }")
    assert int(scalar(kb_store, "SELECT (YEAR(?d) AS ?y) WHERE { wd:Q900097 wdt:P585 ?d }")) == 2006


def test_property_links(kb_store: SparqlStore) -> None:
    rows = select(kb_store, """SELECT ?type ?direct ?claim ?ps ?pq ?pr WHERE {
        wd:P31 wikibase:propertyType ?type ; wikibase:directClaim ?direct ; wikibase:claim ?claim ;
        wikibase:statementProperty ?ps ; wikibase:qualifier ?pq ; wikibase:reference ?pr }""")
    p = "http://www.wikidata.org/prop/"
    assert rows == [{"type": "http://wikiba.se/ontology#WikibaseItem", "direct": p + "direct/P31",
                     "claim": p + "P31", "ps": p + "statement/P31", "pq": p + "qualifier/P31",
                     "pr": p + "reference/P31"}]
    # The classic WDQS pattern: property labels through wikibase:directClaim.
    rows = select(kb_store, """SELECT ?label WHERE {
        ?prop wikibase:directClaim wdt:P17 ; rdfs:label ?label FILTER(LANG(?label) = "fr") }""")
    assert rows == [{"label": "pays"}]


# ---- ranks, novalue, somevalue, terms, sitelinks ---------------------------------------------------------

def test_truthy_is_best_rank_only(store: SparqlStore) -> None:
    store.replace_entity(ranked_item())
    direct = select(store, """SELECT ?p ?v WHERE { wd:Q777 ?p ?v
        FILTER(STRSTARTS(STR(?p), STR(wdt:)) && !wikibase:isSomeValue(?v)) }""")
    assert sorted((r["p"].rsplit("/", 1)[1], r["v"].removeprefix(WD)) for r in direct) == [
        ("P17", "Q16"), ("P31", "Q5")]
    ranks = select(store, """SELECT ?v ?rank ?best WHERE { wd:Q777 p:P31 ?s . ?s ps:P31 ?v ; wikibase:rank ?rank .
        BIND(EXISTS { ?s a wikibase:BestRank } AS ?best) } ORDER BY ?v""")
    assert [(r["v"].removeprefix(WD), r["rank"].rsplit("#")[1], r["best"]) for r in ranks] == [
        ("Q5", "PreferredRank", "true"), ("Q6", "NormalRank", "false"), ("Q7", "DeprecatedRank", "false")]
    assert not ask(store, "ASK { wd:Q777 wdt:P106 ?x }")  # only deprecated: nothing truthy
    assert ask(store, "ASK { wd:Q777 p:P106 [ ps:P106 wd:Q33999 ; wikibase:rank wikibase:DeprecatedRank ] }")


def test_novalue_and_somevalue(store: SparqlStore) -> None:
    store.replace_entity(ranked_item())
    assert ask(store, "ASK { wd:Q777 a wdno:P40 . wd:Q777 p:P40 ?s . ?s a wdno:P40 }")
    assert not ask(store, "ASK { wd:Q777 wdt:P40 ?x }")
    rows = select(store, """SELECT ?v ?some ?st WHERE { wd:Q777 wdt:P19 ?v ; p:P19/ps:P19 ?st .
        BIND(wikibase:isSomeValue(?v) AS ?some) }""")
    assert len(rows) == 1 and rows[0]["some"] == "true" and rows[0]["v"] == rows[0]["st"]
    assert rows[0]["v"].startswith("http://www.wikidata.org/.well-known/genid/")
    assert scalar(store, "SELECT (wikibase:isSomeValue(wd:Q5) AS ?x) WHERE {}") == "false"


def test_labels_descriptions_aliases(store: SparqlStore) -> None:
    store.replace_entity(ranked_item())
    rows = select(store, "SELECT ?l (LANG(?l) AS ?lang) WHERE { wd:Q777 rdfs:label ?l } ORDER BY ?lang")
    assert rows == [{"l": "Ranked item", "lang": "en"}, {"l": 'Élément "classé"', "lang": "fr"}]
    assert ask(store, 'ASK { wd:Q777 rdfs:label "Élément \\"classé\\""@fr ; '
                      'schema:description "ligne 1\\nligne 2"@fr }')
    rows = select(store, "SELECT ?a WHERE { wd:Q777 skos:altLabel ?a } ORDER BY ?a")
    assert rows == [{"a": "alias deux"}, {"a": "alias un"}]
    assert select(store, "SELECT ?v ?m WHERE { wd:Q777 schema:version ?v ; schema:dateModified ?m }") == [
        {"v": "42", "m": "2024-06-01T10:00:00Z"}]
    assert int(scalar(store, "SELECT ?n WHERE { wd:Q777 wikibase:statements ?n }")) == 8


def test_sitelinks(store: SparqlStore) -> None:
    store.replace_entity(ranked_item())
    rows = select(store, """SELECT ?a ?site ?lang ?name ?badge WHERE {
        ?a schema:about wd:Q777 ; schema:isPartOf ?site ; schema:inLanguage ?lang ; schema:name ?name ;
        a schema:Article . OPTIONAL { ?a wikibase:badge ?badge } } ORDER BY ?a""")
    assert rows == [
        {"a": "https://en.wikisource.org/wiki/Ranked_item/Part_1", "site": "https://en.wikisource.org/",
         "lang": "en", "name": "Ranked item/Part 1"},
        {"a": "https://fr.wikipedia.org/wiki/%C3%89l%C3%A9ment_class%C3%A9_(test)",
         "site": "https://fr.wikipedia.org/", "lang": "fr", "name": "Élément classé (test)",
         "badge": WD + "Q17437796"}]
    assert ask(store, 'ASK { <https://fr.wikipedia.org/> wikibase:wikiGroup "wikipedia" }')
    assert int(scalar(store, "SELECT ?n WHERE { wd:Q777 wikibase:sitelinks ?n }")) == 2


def test_site_info() -> None:
    assert site_info("frwiki") == ("https://fr.wikipedia.org/", "fr", "wikipedia")
    assert site_info("frwikisource") == ("https://fr.wikisource.org/", "fr", "wikisource")
    assert site_info("zh_min_nanwiki") == ("https://zh-min-nan.wikipedia.org/", "zh-min-nan", "wikipedia")
    assert site_info("commonswiki")[0] == "https://commons.wikimedia.org/"


# ---- time values ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("time", "precision", "calendar", "expected"), [
    ("+2021-00-00T00:00:00Z", 9, GREG, "2021-01-01T00:00:00Z"),
    ("+2021-03-00T00:00:00Z", 10, GREG, "2021-03-01T00:00:00Z"),
    ("+2021-03-17T00:00:00Z", 9, GREG, "2021-01-01T00:00:00Z"),  # year precision: month/day dropped
    ("+2023-02-30T00:00:00Z", 11, GREG, "2023-02-28T00:00:00Z"),  # impossible day clamped
    ("+2024-02-30T00:00:00Z", 11, GREG, "2024-02-29T00:00:00Z"),
    ("-0458-00-00T00:00:00Z", 9, GREG, "-0457-01-01T00:00:00Z"),  # XSD 1.1: 458 BCE = -457
    ("-0001-00-00T00:00:00Z", 9, GREG, "0000-01-01T00:00:00Z"),
    ("-13798000000-00-00T00:00:00Z", 3, GREG, "-13798000000-01-01T00:00:00Z"),  # no shift above year
    ("+12345-00-00T00:00:00Z", 9, GREG, "12345-01-01T00:00:00Z"),
    ("+1582-10-05T00:00:00Z", 11, JULIAN, "1582-10-15T00:00:00Z"),  # Julian → Gregorian
    ("+1700-00-00T00:00:00Z", 9, JULIAN, "1700-01-01T00:00:00Z"),  # year precision: not converted
    ("+0000-00-00T00:00:00Z", 9, GREG, None),
    ("garbage", 11, GREG, None),
])
def test_clean_time(time: str, precision: int, calendar: str, expected: str | None) -> None:
    assert clean_time(time, precision, calendar) == expected


def test_odd_times_load_and_query(store: SparqlStore) -> None:
    entity = {"type": "item", "id": "Q9", "labels": {}, "descriptions": {}, "aliases": {}, "sitelinks": {},
              "claims": {"P571": [statement("Q9$1", time_snak("P571", "-0458-00-00T00:00:00Z", 9)),
                                  statement("Q9$2", time_snak("P571", "+0000-00-00T00:00:00Z", 9)),
                                  statement("Q9$3", time_snak("P571", "-13798000000-00-00T00:00:00Z", 3))]}}
    store.replace_entity(entity)
    years = select(store, "SELECT ?d WHERE { wd:Q9 wdt:P571 ?d } ORDER BY ?d")
    assert [r["d"] for r in years] == ["-13798000000-01-01T00:00:00Z", "-0457-01-01T00:00:00Z"]
    # Year 0 has no xsd:dateTime, but its value node keeps precision and calendar.
    assert int(scalar(store, "SELECT (COUNT(?v) AS ?n) WHERE { wd:Q9 p:P571/psv:P571 ?v }")) == 3


# ---- writes ------------------------------------------------------------------------------------------

def test_replace_and_remove_leave_nothing_behind(kb_store: SparqlStore) -> None:
    store = SparqlStore(None, WD)
    store.bulk_load(kb_entities())
    before = store.triple_count()
    snapshot = set(map(str, store.store))

    entity = ranked_item()
    entity["claims"]["P571"] = [statement("Q777$T", time_snak("P571", "+1901-07-14T00:00:00Z"), references=[
        {"hash": "feedfacefeedface", "snaks": {"P813": [time_snak("P813", "+2031-01-01T00:00:00Z")]}},
        # this reference is also used by kb entities: it must survive the removal below
        {"hash": "b4ebbf2335a6d4af67d44c617c997e5b4d2a4ecc", "snaks": {}}])]
    store.replace_entity(entity)
    assert store.triple_count() > before
    changed = copy.deepcopy(entity)
    changed["labels"]["fr"]["value"] = "Nouveau nom"
    del changed["claims"]["P31"]
    del changed["sitelinks"]["frwiki"]
    changed["claims"]["P571"][0]["mainsnak"] = time_snak("P571", "+1902-01-01T00:00:00Z")
    store.replace_entity(changed)
    assert not ask(store, "ASK { wd:Q777 rdfs:label 'Élément \"classé\"'@fr }")
    assert not ask(store, "ASK { ?s ps:P31 wd:Q6 }")
    assert not ask(store, "ASK { ?a schema:about wd:Q777 ; schema:isPartOf <https://fr.wikipedia.org/> }")
    assert not ask(store, "ASK { ?v wikibase:timeValue '1901-07-14T00:00:00Z'^^xsd:dateTime }")
    assert ask(store, "ASK { wd:Q777 rdfs:label 'Nouveau nom'@fr ; wdt:P571 ?d . ?v wikibase:timeValue ?d }")
    assert ask(store, "ASK { ?v wikibase:timeValue '2031-01-01T00:00:00Z'^^xsd:dateTime }")

    store.remove_entity("Q777")
    assert store.triple_count() == before
    assert set(map(str, store.store)) == snapshot  # the shared kb reference is intact
    assert ask(store, "ASK { wdref:b4ebbf2335a6d4af67d44c617c997e5b4d2a4ecc pr:P248 wd:Q900099 }")


def test_replace_kb_entity_and_redirect(kb_store: SparqlStore) -> None:
    store = SparqlStore(None, WD)
    entities = kb_entities()
    store.bulk_load(entities)
    before = store.triple_count()
    for entity in entities[::17]:
        store.replace_entity(entity)  # same content: same triples
    assert store.triple_count() == before
    assert store.bulk_load(entities[:50]) == 50  # reloading replaces, never duplicates
    assert store.triple_count() == before
    users: dict[str, set[str]] = {}  # reference hash → entities using it
    for e in entities:
        for v in e["claims"].values():
            for st in v:
                for ref in st.get("references", []):
                    users.setdefault(ref["hash"], set()).add(e["id"])
    cases = []
    for eid in ("Q900141", "Q900154"):  # references shared with others / used by this entity alone
        store.add_redirect(eid, "Q900140")
        assert select(store, f"SELECT ?o WHERE {{ wd:{eid} ?p ?o }}") == [{"o": WD + "Q900140"}]
        assert ask(store, f"ASK {{ wd:{eid} owl:sameAs wd:Q900140 }}")
        assert not ask(store, f"""ASK {{ ?s ?p ?o
            FILTER(STRSTARTS(STR(?s), "http://www.wikidata.org/entity/statement/{eid}-")) }}""")
        for h, ids in users.items():
            if eid in ids:
                cases.append(len(ids) > 1)
                assert ask(store, f"ASK {{ wdref:{h} ?p ?o }}") == (len(ids) > 1)
    assert True in cases and False in cases
    store.remove_entity("Q900141")
    assert not ask(store, "ASK { wd:Q900141 ?p ?o }")


def test_missing_datatype_falls_back_to_the_property(store: SparqlStore) -> None:
    store.replace_entity({"type": "property", "id": "P856", "datatype": "url", "labels": {}, "descriptions": {},
                          "aliases": {}, "claims": {}})
    fresh = SparqlStore(None, WD)
    fresh.store = store.store  # a new process: datatypes must come from the stored property
    fresh.writer.datatype_of = fresh._datatype_of
    snak = {"snaktype": "value", "property": "P856", "datavalue": {"type": "string", "value": "https://a.example/"}}
    fresh.replace_entity({"type": "item", "id": "Q1", "claims": {"P856": [statement("Q1$1", snak)]}})
    assert ask(fresh, "ASK { wd:Q1 wdt:P856 <https://a.example/> }")


def test_on_disk_store_survives_reopening(tmp_path: Path) -> None:
    store = SparqlStore(tmp_path / "rdf", WD)
    store.bulk_load(kb_entities()[:60])
    count = store.triple_count()
    del store
    import gc

    gc.collect()
    again = SparqlStore(tmp_path / "rdf", WD)
    assert again.triple_count() == count > 0


# ---- queries -----------------------------------------------------------------------------------------

def test_malformed_query_raises_value_error(kb_store: SparqlStore) -> None:
    with pytest.raises(ValueError, match="1:"):
        kb_store.query("SELECT ?x WHERE { ?x wdt:P31 ", "json")
    with pytest.raises(ValueError):
        kb_store.query("SELECT ?x WHERE { ?x nope:P31 ?y }", "json")  # unknown prefix


def test_no_service_calls_out(kb_store: SparqlStore) -> None:
    with pytest.raises(ValueError, match="SERVICE"):
        kb_store.query("SELECT * WHERE { SERVICE <http://example.invalid/sparql> { ?s ?p ?o } }", "json")


def test_prefixes_may_be_omitted_or_redeclared(kb_store: SparqlStore) -> None:
    short = scalar(kb_store, "SELECT (COUNT(*) AS ?n) WHERE { ?i wdt:P17 wd:Q16 }")
    long = scalar(kb_store, """PREFIX wd: <http://www.wikidata.org/entity/>
        PREFIX wdt: <http://www.wikidata.org/prop/direct/>
        SELECT (COUNT(*) AS ?n) WHERE { ?i wdt:P17 wd:Q16 }""")
    assert short == long and int(short) > 0
    # A query's own PREFIX wins over the predeclared one.
    assert scalar(kb_store, "PREFIX wd: <http://other.example/> SELECT (STR(wd:Q1) AS ?x) WHERE {}") == \
        "http://other.example/Q1"


def test_non_wikidata_concept_base() -> None:
    store = SparqlStore(None, "http://wiki.example.org/entity/")
    entity = ranked_item()
    store.replace_entity(entity)
    assert ask(store, "ASK { wd:Q777 wdt:P31 wd:Q5 ; p:P31 ?s . ?s ps:P31 wd:Q5 }")
    assert ask(store, """ASK { <http://wiki.example.org/entity/Q777> <http://wiki.example.org/prop/direct/P31>
        <http://wiki.example.org/entity/Q5> ;
        <http://wiki.example.org/prop/P31> <http://wiki.example.org/entity/statement/Q777-A1> }""")
    assert not ask(store, "ASK { ?s <http://www.wikidata.org/prop/direct/P31> ?o }")
    assert scalar(store, "SELECT (STR(wdt:P1) AS ?x) WHERE {}") == "http://wiki.example.org/prop/direct/P1"
    store.remove_entity("Q777")
    assert store.triple_count() == 0


def test_result_formats(kb_store: SparqlStore) -> None:
    q = "SELECT ?l WHERE { wd:P17 rdfs:label ?l } ORDER BY ?l"
    for accept in ("", "*/*", "json", "application/sparql-results+json", "text/html, */*;q=0.1"):
        body, ct = kb_store.query(q, accept)
        assert ct.startswith("application/sparql-results+json") and json.loads(body)["head"]["vars"] == ["l"]
    body, ct = kb_store.query(q, "csv")
    assert ct.startswith("text/csv") and list(csv.reader(io.StringIO(body.decode()))) == [
        ["l"], ["country"], ["pays"]]
    body, ct = kb_store.query(q, "text/tab-separated-values")
    assert ct.startswith("text/tab-separated-values") and body.decode().splitlines()[1] == '"country"@en'
    body, ct = kb_store.query(q, "application/sparql-results+xml")
    assert ct.startswith("application/sparql-results+xml") and b"<sparql" in body
    body, ct = kb_store.query("ASK { wd:P17 ?p ?o }", "")
    assert json.loads(body) == {"head": {}, "boolean": True}
    construct = "CONSTRUCT { wd:P17 rdfs:label ?l } WHERE { wd:P17 rdfs:label ?l }"
    body, ct = kb_store.query(construct, "")
    assert ct.startswith("text/turtle") and b"pays" in body
    store = Store()
    store.load(body, RdfFormat.TURTLE)
    assert len(store) == 2
    body, ct = kb_store.query(construct, "application/n-triples")
    assert ct.startswith("application/n-triples") and body.count(b"\n") == 2
    body, ct = kb_store.query("DESCRIBE wd:P17", "text/turtle")
    assert ct.startswith("text/turtle") and b"country" in body
    assert negotiate("text/csv;q=0.5, application/sparql-results+xml", graph=False)[1].startswith(
        "application/sparql-results+xml")


def test_label_service(kb_store: SparqlStore) -> None:
    rows = select(kb_store, """SELECT ?p ?pLabel ?pDescription WHERE {
        VALUES ?p { wd:P17 wd:P31 wd:Q123456789 }
        SERVICE wikibase:label { bd:serviceParam wikibase:language "fr,en". }
    } ORDER BY ?p""")
    by_id = {r["p"].removeprefix(WD): r for r in rows}
    assert by_id["P17"]["pLabel"] == "pays" and by_id["P17"]["pDescription"].startswith("sovereign state")
    assert by_id["P31"]["pLabel"] == "nature de l'élément"
    assert by_id["Q123456789"]["pLabel"] == "Q123456789" and "pDescription" not in by_id["Q123456789"]
    rows = select(kb_store, """SELECT ?name WHERE {
        SERVICE wikibase:label { bd:serviceParam wikibase:language "[AUTO_LANGUAGE],fr" . ?p rdfs:label ?name }
        BIND(wd:P17 AS ?p)
    }""")
    assert rows == [{"name": "country"}]
    # GROUP BY over labels, with the service written first in its group (WDQS runs it last anyway).
    rows = select(kb_store, """SELECT ?classLabel (COUNT(?i) AS ?n) WHERE {
        SERVICE wikibase:label { bd:serviceParam wikibase:language "fr" }
        ?i wdt:P31 ?class . hint:Prior hint:rangeSafe true .
    } GROUP BY ?classLabel ORDER BY DESC(?n) LIMIT 1""")
    assert len(rows) == 1 and int(rows[0]["n"]) > 1


# ---- over HTTP ------------------------------------------------------------------------------------------

def test_sparql_over_http(sandbox: Any) -> None:
    sandbox.app.sparql.replace_entity(ranked_item())
    query = "SELECT ?v WHERE { wd:Q777 wdt:P31 ?v }"
    expected = [{"v": {"type": "uri", "value": WD + "Q5"}}]
    got = requests.get(sandbox.sparql_url, params={"query": query}, timeout=10)
    assert got.status_code == 200 and got.headers["Content-Type"].startswith("application/sparql-results+json")
    assert got.json()["results"]["bindings"] == expected
    posted = requests.post(sandbox.sparql_url, data={"query": query, "format": "json"}, timeout=10)
    assert posted.status_code == 200 and posted.json()["results"]["bindings"] == expected
    bad = requests.get(sandbox.sparql_url, params={"query": "SELECT ?v WHERE {"}, timeout=10)
    assert bad.status_code == 400 and "malformed" in bad.text


def test_literal_and_iri_escaping(store: SparqlStore) -> None:
    snak = {"snaktype": "value", "property": "P856", "datatype": "url",
            "datavalue": {"type": "string", "value": 'https://a.example/x y"<z>'}}
    text = {"snaktype": "value", "property": "P1476", "datatype": "monolingualtext",
            "datavalue": {"type": "monolingualtext", "value": {"text": 'a "b" \\ c\r\n', "language": "fr"}}}
    store.replace_entity({"type": "item", "id": "Q2", "labels": {"bad_tag!": {"language": "bad_tag!", "value": "x"}},
                          "claims": {"P856": [statement("Q2$1", snak)], "P1476": [statement("Q2$2", text)]}})
    assert scalar(store, "SELECT (STR(?u) AS ?s) WHERE { wd:Q2 wdt:P856 ?u }") == \
        "https://a.example/x%20y%22%3Cz%3E"
    assert list(store.store.quads_for_pattern(
        NamedNode(WD + "Q2"), NamedNode("http://www.wikidata.org/prop/direct/P1476"), None))[0].object == \
        Literal('a "b" \\ c\r\n', language="fr")
    assert not ask(store, "ASK { wd:Q2 rdfs:label ?l }")  # an unusable language tag is skipped


def test_edits_over_the_api_are_visible_in_sparql(sandbox: Any) -> None:
    http = requests.Session()
    api = sandbox.api_url

    def get(**params: Any) -> dict[str, Any]:
        return http.get(api, params={**params, "format": "json"}, timeout=30).json()

    def post(**params: Any) -> dict[str, Any]:
        data = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
        body = http.post(api, data={**data, "format": "json"}, timeout=30).json()
        assert "error" not in body, body
        return body

    def sparql(query: str) -> list[dict[str, Any]]:
        got = requests.post(sandbox.sparql_url, data={"query": query}, timeout=30)
        assert got.status_code == 200, got.text
        return [{k: v["value"] for k, v in row.items()} for row in got.json()["results"]["bindings"]]

    login_token = get(action="query", meta="tokens", type="login")["query"]["tokens"]["logintoken"]
    post(action="login", lgname=sandbox.admin.name, lgpassword=sandbox.admin.password, lgtoken=login_token)
    token = get(action="query", meta="tokens")["query"]["tokens"]["csrftoken"]
    prop = post(action="wbeditentity", new="property", token=token, data={
        "datatype": "wikibase-item", "labels": {"fr": {"language": "fr", "value": "nature"}}})["entity"]["id"]
    cls = post(action="wbeditentity", new="item", token=token, data={
        "labels": {"fr": {"language": "fr", "value": "bibliothèque"}}})["entity"]["id"]
    claim = {"mainsnak": {"snaktype": "value", "property": prop, "datavalue": {
        "type": "wikibase-entityid", "value": {"entity-type": "item", "id": cls}}}, "type": "statement",
        "rank": "normal"}
    item = post(action="wbeditentity", new="item", token=token, data={
        "labels": {"fr": {"language": "fr", "value": "Bibliothèque de Rouyn"}},
        "claims": [claim]})["entity"]["id"]

    assert sparql(f"SELECT ?i ?l WHERE {{ ?i wdt:{prop} wd:{cls} ; rdfs:label ?l }}") == [
        {"i": WD + item, "l": "Bibliothèque de Rouyn"}]
    post(action="wbsetlabel", id=item, language="fr", value="Bibliothèque municipale", token=token)
    assert sparql(f"SELECT ?l WHERE {{ wd:{item} rdfs:label ?l }}") == [{"l": "Bibliothèque municipale"}]
    rows = sparql(f"SELECT ?v WHERE {{ wd:{item} schema:version ?v }}")
    revid = get(action="wbgetentities", ids=item)["entities"][item]["lastrevid"]
    assert rows == [{"v": str(revid)}]


def test_bulk_load_errors_reach_the_caller(store: SparqlStore) -> None:
    from wikiclub.sandbox.rdf import _BackgroundLoader

    def failing(text: str) -> None:
        raise OSError(f"disk full while loading {len(text)} characters")

    loader = _BackgroundLoader(failing, workers=2)
    loader.submit("x")
    with pytest.raises(OSError, match="disk full"):
        try:
            for _ in range(5):  # the error surfaces at a later submit() or at close()
                loader.submit("y")
        finally:
            loader.close()

    def broken_dump() -> Any:
        yield from kb_entities()[:10]
        raise RuntimeError("truncated dump")

    with pytest.raises(RuntimeError, match="truncated"):
        store.bulk_load(broken_dump())
    with pytest.raises(ValueError, match="not an entity id"):
        store.bulk_load([{"type": "item", "id": "Q1> <x"}])


def test_broken_keys_cannot_inject_triples(store: SparqlStore) -> None:
    evil = "P1> <http://evil.example/p> <http://evil.example/o"
    entity = {"type": "item", "id": "Q3", "claims": {
        evil: [statement("Q3$1", item_snak(evil, "Q5"))],
        "P31": [statement("Q3$2", item_snak("P31", "Q5"), qualifiers={evil: [item_snak(evil, "Q6")]},
                          references=[{"hash": "abc", "snaks": {evil: [item_snak(evil, "Q7")]}}])]}}
    store.replace_entity(entity)
    assert not ask(store, "ASK { ?s <http://evil.example/p> ?o }")
    assert ask(store, "ASK { wd:Q3 wdt:P31 wd:Q5 ; wikibase:statements 1 }")


def test_label_service_with_select_star(kb_store: SparqlStore) -> None:
    body, _ = kb_store.query("""SELECT * WHERE {
        VALUES ?p { wd:P17 } ?p rdfs:label ?any .
        SERVICE wikibase:label { bd:serviceParam wikibase:language "fr" . } } LIMIT 1""", "json")
    result = json.loads(body)
    assert result["head"]["vars"] == ["p", "any"]  # no helper variables leak out
    body, _ = kb_store.query("""SELECT * WHERE { VALUES ?p { wd:P17 } ?p wikibase:propertyType ?t .
        SERVICE wikibase:label { bd:serviceParam wikibase:language "fr" . } } ORDER BY ?pLabel""", "json")
    result = json.loads(body)
    assert result["head"]["vars"] == ["p", "t", "pLabel"]
    assert result["results"]["bindings"][0]["pLabel"] == {"type": "literal", "value": "pays", "xml:lang": "fr"}
    body, _ = kb_store.query("""SELECT DISTINCT * WHERE { VALUES ?p { wd:P17 }
        SERVICE wikibase:label { bd:serviceParam wikibase:language "fr" . } } # ?pLabel""", "json")
    assert json.loads(body)["head"]["vars"] == ["p"]


def test_sitelink_exists_is_rewritten_without_changing_results(kb_store: SparqlStore) -> None:
    from wikiclub.sandbox.rdf import expand_wdqs_extensions

    exists = """SELECT (SUM(?has) AS ?n) WHERE { { SELECT DISTINCT ?item WHERE { ?item wdt:P31 ?c } }
        BIND(IF(EXISTS { ?a schema:about ?item ; schema:isPartOf <https://fr.wikipedia.org/> . }, 1, 0) AS ?has) }"""
    optional = """SELECT (COUNT(DISTINCT ?item) AS ?n) WHERE { ?item wdt:P31 ?c .
        ?a schema:about ?item . ?a schema:isPartOf <https://fr.wikipedia.org/> }"""
    assert "FILTER EXISTS { ?a schema:isPartOf <https://fr.wikipedia.org/> }" in expand_wdqs_extensions(
        exists, kb_store.ns)
    frwiki = sum(1 for e in kb_entities() if e["type"] == "item" and e["claims"].get("P31") and "frwiki" in e["sitelinks"])
    assert int(scalar(kb_store, exists)) == int(scalar(kb_store, optional)) == frwiki > 0


def test_property_declarations_value_node_types_and_novalue_classes_as_the_real_export(
        kb_store: SparqlStore) -> None:
    """What Wikibase's PropertySpecificComponentsRdfBuilder and value builders write (REL1_39): OWL types
    of the property predicates, normalized predicates of external-id and quantity properties, the novalue
    class as the complement of having a value, and the type of each value node."""
    def ask(q: str) -> bool:
        return scalar(kb_store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {q} }}") != "0"

    # P31 (wikibase-item): object predicates everywhere
    assert ask("wdt:P31 a owl:ObjectProperty . ps:P31 a owl:ObjectProperty . p:P31 a owl:ObjectProperty . "
               "psv:P31 a owl:ObjectProperty . pq:P31 a owl:ObjectProperty")
    # P571 (time): datatype predicates for simple values, object predicates for claims and value nodes
    assert ask("wdt:P571 a owl:DatatypeProperty . ps:P571 a owl:DatatypeProperty . psv:P571 a owl:ObjectProperty")
    assert not ask("wd:P571 wikibase:directClaimNormalized ?n")
    # P213 (external-id) and quantities have normalized predicates
    assert ask("wd:P213 wikibase:directClaimNormalized wdtn:P213 ; wikibase:statementValueNormalized psn:P213 . "
               "wdtn:P213 a owl:ObjectProperty")
    # novalue class: the complement of having a value
    assert ask("wdno:P31 a owl:Class ; owl:complementOf ?r . ?r a owl:Restriction ; owl:onProperty wdt:P31 ; "
               "owl:someValuesFrom owl:Thing")
    # value nodes are typed
    assert ask("?s psv:P571 ?v . ?v a wikibase:TimeValue ; wikibase:timeValue ?t")
    assert ask("?s psv:P625 ?v . ?v a wikibase:GlobecoordinateValue")
