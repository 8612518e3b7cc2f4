"""A Wikidata-like graph for the report benchmarks (issue 14): the shapes that make reports costly on
the real Wikidata, at a size the sandbox can load.

- **Places**: 3 regions of the WikiProject and 3 regions outside it, each with 6 districts (MRC) and
  municipalities under them: item → municipality → district → region is a 3-hop P131 chain, and the
  regions sit in their province (one more hop). Municipalities are heavy, as on Wikidata: 200–400
  labels and 100–160 statements (population series with qualifiers, identifiers, borders, every
  statement referenced, some only « imported from »), 20–60 sitelinks.
- **Items**: organisations (5 classes under « organisation », two levels of P279), events (P276
  venue), buildings, and people (Q5 with P19 / P551 / P937 — never P131). Each has 30–80 triples
  in the WDQS RDF mapping: labels fr/en (sometimes more), a description, 6–14 statements (P31,
  location, website, inception with a real or an « imported from » reference, coordinates, image,
  identifiers …), some sitelinks. Some organisations are located only by their headquarters (P159),
  some events only by their venue (P276); a few items carry a deprecated P131 next to a normal one.
- **Focus list**: 10 % of the items have P5008 = the WikiProject, a few outside the regions.
- **Outside world**: ``outside`` more items of the same kinds located in the outside regions, so the
  graph is bigger than the WikiProject (a report's cost must follow the WikiProject, not the graph).

The ids are stable for a given (size, outside, seed); ``entities`` yields the dump line by line.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from wikiclub.sandbox.languages import KNOWN_LANGUAGES

GREG = "http://www.wikidata.org/entity/Q1985727"
HUMAN = "Q5"
ORG = "Q43229"
EVENT = "Q1656682"
BUILDING = "Q41176"
FOCUS = "Q900"
PROVINCES = ("Q176", "Q1904")  # Québec, Ontario
REGIONS = ("Q100", "Q101", "Q102")  # the WikiProject's regions (in Q176 and Q1904)
OUTSIDE_REGIONS = ("Q110", "Q111", "Q112")
ORG_CLASSES = ("Q500", "Q501", "Q502", "Q503", "Q504")  # under Q510/Q511, under Q43229
EVENT_CLASSES = ("Q520", "Q521")  # festival, concert … under Q1656682
DATATYPES = {
    "P31": "wikibase-item", "P279": "wikibase-item", "P131": "wikibase-item", "P17": "wikibase-item",
    "P159": "wikibase-item", "P276": "wikibase-item", "P19": "wikibase-item", "P551": "wikibase-item",
    "P937": "wikibase-item", "P5008": "wikibase-item", "P21": "wikibase-item", "P106": "wikibase-item",
    "P27": "wikibase-item", "P47": "wikibase-item", "P421": "wikibase-item", "P150": "wikibase-item",
    "P856": "url", "P571": "time", "P569": "time", "P585": "time", "P625": "globe-coordinate",
    "P18": "commonsMedia", "P373": "string", "P1082": "quantity", "P2046": "quantity",
    "P214": "external-id", "P227": "external-id", "P646": "external-id", "P402": "external-id",
    "P1566": "external-id", "P3417": "external-id", "P268": "external-id",
    "P854": "url", "P813": "time", "P143": "wikibase-item", "P248": "wikibase-item",
}
# 400 language codes MediaWiki knows (the sandbox refuses others), in a fixed order
LANGS = tuple(sorted(KNOWN_LANGUAGES - {"fr", "en"}))[:398] + ("fr", "en")
SITES = tuple(f"{lang.replace('-', '_')}wiki" for lang in LANGS[:80])


@dataclass(frozen=True)
class Shape:
    size: int  # items of the kinds above located in (or linked to) the WikiProject's regions
    outside: int  # the same kinds, located outside
    municipalities: int = 300  # per side (inside / outside)
    seed: int = 1


def _dv(pid: str, value: Any) -> dict[str, Any]:
    kind = DATATYPES[pid]
    if kind == "wikibase-item":
        return {"type": "wikibase-entityid", "value": {"entity-type": "item", "id": value,
                                                       "numeric-id": int(value[1:])}}
    if kind == "time":
        return {"type": "time", "value": {"time": f"+{value:04d}-00-00T00:00:00Z", "timezone": 0, "before": 0,
                                          "after": 0, "precision": 9, "calendarmodel": GREG}}
    if kind == "globe-coordinate":
        return {"type": "globecoordinate", "value": {"latitude": value[0], "longitude": value[1],
                                                     "altitude": None, "precision": 0.0001,
                                                     "globe": "http://www.wikidata.org/entity/Q2"}}
    if kind == "quantity":
        return {"type": "quantity", "value": {"amount": f"+{value}", "unit": "1"}}
    return {"type": "string", "value": value}


def _snak(pid: str, value: Any) -> dict[str, Any]:
    return {"snaktype": "value", "property": pid, "datatype": DATATYPES[pid], "datavalue": _dv(pid, value)}


class _Builder:
    """Statements of one entity, with Wikidata's statement ids."""

    def __init__(self, qid: str) -> None:
        self.qid = qid
        self.claims: dict[str, list[dict[str, Any]]] = {}
        self.n = 0

    def add(self, pid: str, value: Any, refs: list[dict[str, Any]] | None = None, rank: str = "normal",
            qualifiers: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.n += 1
        st: dict[str, Any] = {"mainsnak": _snak(pid, value), "type": "statement", "rank": rank,
                              "id": f"{self.qid}${self.n:08d}-AAAA-BBBB-CCCC-{int(self.qid[1:]):012d}"}
        if refs:
            st["references"] = refs
        if qualifiers:
            st["qualifiers"] = qualifiers
            st["qualifiers-order"] = list(qualifiers)
        self.claims.setdefault(pid, []).append(st)


def _ref_real(rng: random.Random) -> list[dict[str, Any]]:
    return [{"snaks": {"P854": [_snak("P854", f"https://registre.example.ca/{rng.randint(1, 999)}")],
                       "P813": [_snak("P813", 2024)]}, "snaks-order": ["P854", "P813"]}]


REF_IMPORT = [{"snaks": {"P143": [_snak("P143", "Q328")]}, "snaks-order": ["P143"]}]


def _terms(values: dict[str, str]) -> dict[str, dict[str, str]]:
    return {lang: {"language": lang, "value": text} for lang, text in values.items()}


def _item(qid: str, labels: dict[str, str], b: _Builder, description: str | None = None,
          sitelinks: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "item", "id": qid, "labels": _terms(labels),
            "descriptions": _terms({"fr": description}) if description else {}, "aliases": {},
            "claims": b.claims,
            "sitelinks": {s: {"site": s, "title": labels.get("fr", qid), "badges": []} for s in sitelinks}}


def _simple(qid: str, label: str, *pairs: tuple[str, Any]) -> dict[str, Any]:
    b = _Builder(qid)
    for pid, value in pairs:
        b.add(pid, value)
    return _item(qid, {"fr": label, "en": label}, b)


def _municipality(qid: str, i: int, district: str, region: str, rng: random.Random) -> dict[str, Any]:
    b = _Builder(qid)
    b.add("P31", "Q3327873", _ref_real(rng))
    b.add("P17", "Q16", REF_IMPORT)
    b.add("P131", district, _ref_real(rng))
    b.add("P625", (round(rng.uniform(46, 52), 4), round(rng.uniform(-80, -68), 4)), REF_IMPORT)
    b.add("P421", "Q5762", REF_IMPORT)
    b.add("P856", f"https://ville{i}.example.ca/", _ref_real(rng))
    b.add("P373", f"Municipalité {i}", REF_IMPORT)
    b.add("P18", f"Ville {i}.jpg", REF_IMPORT)
    b.add("P2046", rng.randint(10, 900), _ref_real(rng))
    for pid in ("P214", "P227", "P646", "P402", "P1566", "P268", "P3417"):
        b.add(pid, f"{pid}-{i}-{rng.randint(1000, 9999)}", REF_IMPORT)
    for year in range(1901, 1901 + rng.randint(60, 90)):  # census series, one per year, qualified
        b.add("P1082", rng.randint(100, 50_000), _ref_real(rng) if year % 2 else REF_IMPORT,
              qualifiers={"P585": [_snak("P585", year)]})
    for _ in range(rng.randint(20, 40)):  # borders and sub-places
        b.add(rng.choice(("P47", "P150")), f"Q{20_000 + rng.randrange(600)}", REF_IMPORT)
    langs = rng.sample(LANGS, rng.randint(200, 400))
    labels = {lang: f"Municipalité {i}" for lang in langs}
    labels["fr"] = labels["en"] = f"Municipalité {i}"
    sites = tuple(rng.sample(SITES, rng.randint(20, 60)))
    return _item(qid, labels, b, "municipalité du Québec", sites)


@dataclass(frozen=True)
class Places:
    regions: tuple[str, ...]
    municipalities: tuple[str, ...]
    venues: tuple[str, ...]  # buildings, for P276 / P159


def _places(out: list[dict[str, Any]], regions: tuple[str, ...], first: int, count: int,
            rng: random.Random) -> Places:
    munis: list[str] = []
    for r, region in enumerate(regions):
        out.append(_simple(region, f"Région {region}", ("P31", "Q12"), ("P131", PROVINCES[r % 2])))
        for d in range(6):
            district = f"Q{first + 9_000 + r * 10 + d}"  # municipalities are first … first + count
            out.append(_simple(district, f"MRC {district}", ("P31", "Q13"), ("P131", region)))
            for _m in range(count // (6 * len(regions))):
                qid = f"Q{first + len(munis)}"
                out.append(_municipality(qid, first + len(munis), district, region, rng))
                munis.append(qid)
    return Places(regions, tuple(munis), ())


def _kind(rng: random.Random) -> str:
    x = rng.random()
    return "org" if x < 0.45 else "person" if x < 0.7 else "event" if x < 0.85 else "building"


def _common(b: _Builder, i: int, rng: random.Random) -> None:
    if rng.random() < 0.4:
        b.add("P856", f"https://org{i}.example.ca/")
    if rng.random() < 0.5:
        b.add("P571", rng.randint(1900, 2020), _ref_real(rng) if rng.random() < 0.5 else REF_IMPORT)
    if rng.random() < 0.5:
        b.add("P625", (round(rng.uniform(46, 52), 4), round(rng.uniform(-80, -68), 4)))
    if rng.random() < 0.15:
        b.add("P18", f"Image {i}.jpg")
    for pid in rng.sample(("P214", "P227", "P646", "P268", "P3417"), rng.randint(1, 4)):
        b.add(pid, f"{pid}-{i}", REF_IMPORT if rng.random() < 0.5 else None)


def _thing(qid: str, i: int, places: Places, venues: list[str], focus: float, rng: random.Random
           ) -> dict[str, Any]:
    b = _Builder(qid)
    kind = _kind(rng)
    where = rng.choice(places.municipalities)
    if kind == "person":
        b.add("P31", HUMAN)
        b.add("P21", "Q6581097")
        b.add("P106", rng.choice(("Q1028181", "Q33999", "Q639669")))
        b.add("P569", rng.randint(1900, 2000), _ref_real(rng) if rng.random() < 0.5 else REF_IMPORT)
        b.add("P27", "Q16")
        if rng.random() < 0.7:
            b.add("P19", where, _ref_real(rng))
        if rng.random() < 0.4 or not b.claims.get("P19"):
            b.add("P551", rng.choice(places.municipalities))
        if rng.random() < 0.2:
            b.add("P937", rng.choice(places.municipalities))
    elif kind == "org":
        b.add("P31", rng.choice(ORG_CLASSES))
        if rng.random() < 0.8 or not venues:
            b.add("P131", where)
            if rng.random() < 0.03:  # a deprecated location elsewhere: ranks are respected
                b.add("P131", rng.choice(places.municipalities), rank="deprecated")
        else:
            b.add("P159", rng.choice(venues))  # headquarters only
    elif kind == "event":
        b.add("P31", rng.choice(EVENT_CLASSES))
        if venues and rng.random() < 0.6:
            b.add("P276", rng.choice(venues))  # venue only
        else:
            b.add("P131", where)
    else:
        b.add("P31", BUILDING)
        b.add("P131", where)
        venues.append(qid)
    _common(b, i, rng)
    if rng.random() < focus:
        b.add("P5008", FOCUS)
    labels = {"fr": f"Élément {i}"}
    if rng.random() < 0.7:
        labels["en"] = f"Item {i}"
    if rng.random() < 0.2:
        labels.update({lang: f"Item {i}" for lang in rng.sample(LANGS[:40], rng.randint(1, 6))})
    sites = ("frwiki",) if rng.random() < 0.3 else ()
    if sites and rng.random() < 0.5:
        sites += ("enwiki",)
    return _item(qid, labels, b, "élément de test" if rng.random() < 0.8 else None, sites)


def _ontology() -> Iterator[dict[str, Any]]:
    for pid, kind in DATATYPES.items():
        yield {"type": "property", "id": pid, "datatype": kind, "labels": _terms({"fr": f"propriété {pid}"}),
               "descriptions": {}, "aliases": {}, "claims": {}}
    yield _simple(FOCUS, "WikiProjet Bench")
    yield _simple("Q16", "Canada")
    for qid in PROVINCES:
        yield _simple(qid, f"Province {qid}", ("P31", "Q11"), ("P17", "Q16"))
    for qid, label in ((HUMAN, "être humain"), (ORG, "organisation"), (EVENT, "événement"),
                       (BUILDING, "bâtiment"), ("Q11", "province"), ("Q12", "région"), ("Q13", "MRC"),
                       ("Q3327873", "municipalité")):
        yield _simple(qid, label)
    yield _simple("Q510", "organisme culturel", ("P279", ORG))
    yield _simple("Q511", "association", ("P279", ORG))
    for n, qid in enumerate(ORG_CLASSES):
        yield _simple(qid, f"classe {qid}", ("P279", ("Q510", "Q511")[n % 2]))
    for qid in EVENT_CLASSES:
        yield _simple(qid, f"classe {qid}", ("P279", EVENT))


def entities(shape: Shape) -> Iterator[dict[str, Any]]:
    seen: set[str] = set()
    for entity in _entities(shape):
        if entity["id"] in seen:  # two entities with one id would silently merge in the RDF store
            raise ValueError(f"duplicate id {entity['id']} in the generated graph")
        seen.add(entity["id"])
        yield entity


def _entities(shape: Shape) -> Iterator[dict[str, Any]]:
    rng = random.Random(shape.seed)
    yield from _ontology()
    out: list[dict[str, Any]] = []
    inside = _places(out, REGIONS, 30_000, shape.municipalities, rng)
    outside = _places(out, OUTSIDE_REGIONS, 40_000, shape.municipalities, rng)
    yield from out
    for side, places, count, first, focus in ((0, inside, shape.size, 2_000_000, 0.1),
                                              (1, outside, shape.outside, 5_000_000, 0.002)):
        venues: list[str] = []
        for i in range(count):
            yield _thing(f"Q{first + i}", first + i + side, places, venues, focus, rng)
