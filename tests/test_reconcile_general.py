"""General rules of reconciliation (issue 12): municipality cells as archivists write them, dissolved
and homonym municipalities, areas named in a cell, the wiki's own name statements, websites by site
root. A made-up region (names of our own, not the sample's), judged through the sandbox's API and
directly by the scorer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wikiclub.adapters.http import make_session
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.config import load_settings
from wikiclub.facts import Facts, facts_from_entity
from wikiclub.reconcile.candidates import ApiSource
from wikiclub.reconcile.decide import decide
from wikiclub.reconcile.knowledge import Knowledge
from wikiclub.reconcile.model import Decision, ReconQuery, Thresholds
from wikiclub.reconcile.run import PLACE, LinkedCell, RowInput, linked_query, reconcile_rows
from wikiclub.reconcile.scoring import Scorer

KB = Path(__file__).parent / "data" / "kb.jsonl"
MUNI, ORG, REGION_CLASS = "Q70010", "Q70011", "Q70012"
CANADA, QUEBEC, ONTARIO = "Q70001", "Q70002", "Q70003"
NORTH, SOUTH = "Q70020", "Q70021"  # two made-up regions of the same province
FOCUS = "Q70060"  # a made-up WikiProject's focus-list item (P5008)


def _text(lang: str, value: str) -> dict[str, str]:
    return {"language": lang, "value": value}


def _item_claim(prop: str, qid: str, qualifiers: dict[str, Any] | None = None) -> dict[str, Any]:
    st: dict[str, Any] = {"mainsnak": {"snaktype": "value", "property": prop, "datatype": "wikibase-item",
                                       "datavalue": {"type": "wikibase-entityid",
                                                     "value": {"entity-type": "item", "id": qid}}},
                          "type": "statement", "rank": "normal"}
    if qualifiers:
        st["qualifiers"] = qualifiers
    return st


def _time_snak(prop: str, year: int) -> dict[str, Any]:
    return {"snaktype": "value", "property": prop, "datatype": "time",
            "datavalue": {"type": "time", "value": {"time": f"+{year}-00-00T00:00:00Z", "precision": 9,
                                                    "timezone": 0, "before": 0, "after": 0,
                                                    "calendarmodel": "http://www.wikidata.org/entity/Q1985727"}}}


def _value_claim(prop: str, datatype: str, value: Any) -> dict[str, Any]:
    kind = {"url": "string", "monolingualtext": "monolingualtext", "time": "time",
            "globe-coordinate": "globecoordinate"}[datatype]
    return {"mainsnak": {"snaktype": "value", "property": prop, "datatype": datatype,
                         "datavalue": {"type": kind, "value": value}}, "type": "statement", "rank": "normal"}


def item(qid: str, label: str, *, p31: str = "", p131: str = "", aliases: tuple[str, ...] = (),
         description: str = "", claims: dict[str, list[dict[str, Any]]] | None = None,
         p31_ended: int | None = None) -> dict[str, Any]:
    out: dict[str, list[dict[str, Any]]] = dict(claims or {})
    if p31:
        quals = {"P582": [_time_snak("P582", p31_ended)]} if p31_ended else None
        out["P31"] = [_item_claim("P31", p31, quals)]
    if p131:
        out["P131"] = [_item_claim("P131", p131)]
    return {"type": "item", "id": qid, "labels": {"fr": _text("fr", label)},
            "descriptions": {"fr": _text("fr", description or label)},
            "aliases": {"fr": [_text("fr", a) for a in aliases]} if aliases else {}, "claims": out,
            "lastrevid": 1}


def _point(lat: float, lon: float) -> dict[str, list[dict[str, Any]]]:
    return {"P625": [_value_claim("P625", "globe-coordinate", {
        "latitude": lat, "longitude": lon, "altitude": None, "precision": 0.0001,
        "globe": "http://www.wikidata.org/entity/Q2"})]}


def world() -> list[dict[str, Any]]:
    """Two regions of one province; homonym municipalities; a former municipality merged into a city."""
    dissolved = {"P576": [_value_claim("P576", "time", _time_snak("P576", 1971)["datavalue"]["value"])]}
    site = {"P856": [_value_claim("P856", "url", "https://www.ombrelles-theatre.org/")]}
    official = {"P1448": [_value_claim("P1448", "monolingualtext",
                                       {"text": "Cercle historique boréal", "language": "fr"})]}
    return [
        item(MUNI, "municipalité du Québec"), item(ORG, "organisme"), item(REGION_CLASS, "région administrative"),
        item(CANADA, "Canada"), item(QUEBEC, "Québec", p131=CANADA), item(ONTARIO, "Ontario", p131=CANADA),
        item(NORTH, "Haute-Bruyère", p31=REGION_CLASS, p131=QUEBEC),
        item(SOUTH, "Basse-Ravine", p31=REGION_CLASS, p131=QUEBEC),
        item("Q70030", "Saint-Aubin-des-Pins", p31=MUNI, p131=NORTH),
        item("Q70031", "Saint-Aubin-des-Pins", p31=MUNI, p131=NORTH, claims=dissolved,
             description="ancienne municipalité"),
        item("Q70032", "Lac-Véron", p31=MUNI, p131=NORTH, claims=_point(46.0, -75.0)),
        item("Q70033", "Lac-Véron", p31=MUNI, p131=SOUTH,
             claims={**_point(46.05, -75.1), "P5008": [_item_claim("P5008", FOCUS)]}),
        item("Q70034", "Grand-Vallon", p31=MUNI, p131=SOUTH),
        item("Q70035", "Brisay", p31=MUNI, p131="Q70034", p31_ended=2002, description="ancienne municipalité"),
        item("Q70036", "Notre-Dame-des-Sables", p31=MUNI, p131=NORTH),
        item("Q70038", "Vallon", p31=MUNI, p131=SOUTH, claims=dissolved, description="ancienne ville fusionnée"),
        item("Q70037", "Lac-Véron", p31=MUNI, p131=ONTARIO, description="canton de l'Ontario"),
        item("Q70050", "Théâtre des Ombrelles", p31=ORG, p131="Q70034", claims=site),
        item("Q70051", "Mémoire du Vallon", p31=ORG, p131="Q70034", claims=official),
    ]


@pytest.fixture(scope="module")
def facts() -> dict[str, Facts]:
    return {e["id"]: facts_from_entity(e) for e in world()}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WikibaseClient]:
    yield from sandbox_client(tmp_path_factory.mktemp("general"), world())


def sandbox_client(tmp: Path, entities: list[dict[str, object]]) -> Iterator[WikibaseClient]:
    """A sandbox holding the sample's properties and ``entities``, and a client of it (stopped after)."""
    from conftest import make_sandbox

    from wikiclub.sandbox.load import load_dump

    dump = tmp / "world.jsonl"
    props = [line for line in KB.read_text(encoding="utf-8").splitlines() if '"type":"property"' in line]
    dump.write_text("\n".join([*props, *(json.dumps(e, ensure_ascii=False) for e in entities)]) + "\n",
                    encoding="utf-8")
    sb = make_sandbox(tmp / "sandbox")
    load_dump(sb.app, dump)
    settings = load_settings({"site": sb.api_url}, env={})
    yield WikibaseClient.from_settings(settings, make_session(settings))
    sb.running.stop()


def place_rows(cells: list[tuple[str, tuple[str, ...]]]) -> list[RowInput]:
    return [RowInput(f"s:{i}", i, ReconQuery(f"Organisme inventé numéro {i}"),
                     (LinkedCell("Municipalité", value, types=(MUNI,), within=within, role=PLACE),))
            for i, (value, within) in enumerate(cells, start=2)]


def municipalities(client: WikibaseClient, cells: list[tuple[str, tuple[str, ...]]]) -> list[tuple[str, str | None]]:
    res = reconcile_rows(place_rows(cells), ApiSource(client))
    return [(r.linked[0].match.decision.value, r.linked[0].match.qid) for r in res]


def test_municipality_cells_as_written(client: WikibaseClient) -> None:
    got = municipalities(client, [
        ("St-Aubin-des-Pins", ()),                                 # abbreviated saint; a dissolved homonym
        ("Mun. de N.-D.-des-Sables (Qué.)", ()),                   # designation, N.-D., province
        ("45, rue des Merles, Grand-Vallon (Québec) J0Z 1A1", ()),  # a full address
        ("Grand-Vallon QC", ()),                                   # province without a comma
        ("Grand-Vallon, Québec, Canada", ()),
        ("Grand-Vallon (ville)", ()),                              # status word
        ("V. de Grand-Vallon", ()),
    ])
    assert got[0] == ("MATCH", "Q70030")  # the current municipality, never the one dissolved in 1971
    assert got[1] == ("MATCH", "Q70036")
    assert all(g == ("MATCH", "Q70034") for g in got[2:]), got


def test_homonyms_settled_by_region_or_clue(client: WikibaseClient) -> None:
    got = municipalities(client, [
        ("Lac-Véron", (SOUTH,)),              # the sheet's region column / the project's regions
        ("Lac-Véron", ()),                    # nothing tells them apart
        ("Lac-Véron (Haute-Bruyère)", ()),    # a region named in the cell
        ("Lac-Véron, Ont.", ()),              # the province
    ])
    assert got[0] == ("MATCH", "Q70033")
    assert got[1][0] == "REVIEW"
    assert got[2] == ("MATCH", "Q70032")
    assert got[3] == ("MATCH", "Q70037")


def test_homonyms_settled_by_the_projects_home_or_the_rows_coordinates(client: WikibaseClient) -> None:
    """Homonym towns of one province that neither the cell nor the mapping's ``within`` (the province)
    tells apart: the project's regions or its focus list (``home``) say which one a regional sheet
    means; so do the row's own coordinates when they lie at one town's centre and far from the other."""
    cells = [("Lac-Véron", (), (), None),                     # nothing tells them apart
             ("Lac-Véron", (QUEBEC,), (NORTH,), None),        # the project's regions (wikiclub.toml)
             ("Lac-Véron", (QUEBEC,), (FOCUS,), None),        # the mapping's focus list (P5008)
             ("Lac-Véron", (QUEBEC,), (NORTH, SOUTH), None),  # both at home: still a person's choice
             ("Lac-Véron", (QUEBEC,), (), (46.003, -75.004)),  # 0.4 km from one centre, 9 km from the other
             ("Lac-Véron", (QUEBEC,), (), (46.025, -75.05)),   # between the two: no guess
             ("Lac-Véron", (QUEBEC,), (), (46.0, -74.95))]     # 3.9 km: not at a centre
    rows = [RowInput(f"s:{i}", i, ReconQuery(f"Organisme inventé numéro {i}", coordinates=point),
                     (LinkedCell("Municipalité", value, types=(MUNI,), within=within, role=PLACE, home=home),))
            for i, (value, within, home, point) in enumerate(cells, start=2)]
    got = [(r.linked[0].match.decision.value, r.linked[0].match.qid) for r in reconcile_rows(rows, ApiSource(client))]
    assert got[0][0] == "REVIEW"
    assert got[1] == ("MATCH", "Q70032")
    assert got[2] == ("MATCH", "Q70033")
    assert got[3][0] == "REVIEW"
    assert got[4] == ("MATCH", "Q70032")
    assert got[5][0] == "REVIEW" and got[6][0] == "REVIEW"


def test_row_input_gives_the_place_cell_the_projects_home() -> None:
    from wikiclub.model import ItemRef, MappedRow, Snak, SourceRef, StatementDraft
    from wikiclub.reconcile.inputs import row_input

    st = StatementDraft(Snak("P131", "wikibase-item", ItemRef("Lac-Véron", (MUNI,), (QUEBEC,))))
    row = MappedRow(SourceRef("f.csv", None, 2), labels=(("fr", "Organisme"),), statements=(st,),
                    focus_list=FOCUS)
    got = row_input(row, regions=(NORTH,))
    assert got.linked[0].home == (NORTH, FOCUS)
    assert row_input(row).linked[0].home == (FOCUS,)


def test_clue_not_an_ancestor_is_no_contradiction(facts: dict[str, Facts]) -> None:
    kb = Knowledge(lambda ids: {i: facts[i] for i in ids if i in facts})
    q = linked_query(LinkedCell("Municipalité", "Grand-Vallon (Val-Perdu)", types=(MUNI,), role=PLACE))
    assert q.text == "Grand-Vallon" and q.area_clues == ("Val-Perdu",) and not q.area_hints
    ranked = Scorer(kb).score(q, [facts["Q70034"]], is_place=True)
    assert not ranked[0].blocked
    assert decide(ranked, Thresholds()).qid == "Q70034"


def test_dissolved_is_a_contradiction_only_beside_a_current_homonym(facts: dict[str, Facts]) -> None:
    kb = Knowledge(lambda ids: {i: facts[i] for i in ids if i in facts})
    assert facts["Q70031"].dissolved and facts["Q70035"].dissolved  # P576; class ended by P582
    q = ReconQuery("Saint-Aubin-des-Pins", types=(MUNI,), strict_types=True)
    both = Scorer(kb).score(q, [facts["Q70031"], facts["Q70030"]], is_place=True)
    assert both[0].qid == "Q70030" and [c.blocked for c in both] == [False, True]
    alone = Scorer(kb).score(q, [facts["Q70031"]], is_place=True)
    assert not alone[0].blocked  # the only one of that name: a former municipality may be meant
    # « Vallon », merged into Grand-Vallon: the former town is not MATCHed beside the current city
    merged = Scorer(kb).score(ReconQuery("Vallon", types=(MUNI,), strict_types=True),
                              [facts["Q70038"], facts["Q70034"]], is_place=True)
    assert merged[0].qid == "Q70038" and merged[0].blocked
    assert decide(merged, Thresholds()).decision == Decision.REVIEW


def test_official_name_statement_is_a_name(facts: dict[str, Facts]) -> None:
    kb = Knowledge(lambda ids: {i: facts[i] for i in ids if i in facts})
    q = ReconQuery("CERCLE HISTORIQUE BORÉAL", places=("Q70034",))
    ranked = Scorer(kb).score(q, [facts["Q70051"]])
    assert ranked[0].name_score >= 0.9 and "P1448" in ranked[0].features[0].detail
    assert decide(ranked, Thresholds()).decision == Decision.MATCH


def test_website_page_of_the_official_site(client: WikibaseClient) -> None:
    rows = [RowInput("s:2", 2, ReconQuery("Compagnie théâtrale au nom tout autre",
                                          websites=("https://ombrelles-theatre.org/a-propos",))),
            RowInput("s:3", 3, ReconQuery("Compagnie théâtrale au nom tout autre",
                                          websites=("http://billets.ombrelles-theatre.org/saison/2025",)))]
    res = reconcile_rows(rows, ApiSource(client))
    assert (res[0].entity.decision, res[0].entity.qid) == (Decision.MATCH, "Q70050")
    # another page of a subdomain: found by the registrable domain, but not decisive
    assert res[1].entity.decision != Decision.MATCH
    assert any(c.qid == "Q70050" for c in res[1].entity.candidates)


def test_local_index_finds_by_official_name(tmp_path: Path) -> None:
    from wikiclub.adapters.index import LocalIndex
    from wikiclub.reconcile.candidates import IndexSource

    with LocalIndex(tmp_path / "kb.sqlite", create=True) as index:
        index.add_entities(world())
        assert IndexSource(index).search(["Cercle historique boréal"], "fr")[:1] == ["Q70051"]
        res = reconcile_rows([RowInput("s:2", 2, ReconQuery("Cercle historique boréal"),
                                       (LinkedCell("Municipalité", "Grand-Vallon", types=(MUNI,), role=PLACE),))],
                             IndexSource(index))
    assert (res[0].entity.decision, res[0].entity.qid) == (Decision.MATCH, "Q70051")


def test_unresolved_cell_agrees_by_a_name_statement(facts: dict[str, Facts]) -> None:
    from wikiclub.facts import Claim
    from wikiclub.reconcile.evidence import compare_items
    from wikiclub.reconcile.model import AGREES, RowFact

    kb = Knowledge(lambda ids: {i: facts[i] for i in ids if i in facts})
    held = [Claim("item", "Q70051")]  # e.g. the candidate's owner (P127) is the Mémoire du Vallon
    verdict = compare_items(RowFact("P127", "item", text="Cercle historique boréal"), held, kb)
    assert verdict.verdict == AGREES
