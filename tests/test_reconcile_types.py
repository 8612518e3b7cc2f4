"""Type evidence (issue 12): a class the row names versus the mapping's default class, and a candidate
whose class is a near sibling of the row's (a book fair listed as a festival) versus one far away (an
organisation, a place). Made-up classes and names; scored directly, then end to end through the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.facts import Facts, facts_from_entity
from wikiclub.reconcile.candidates import ApiSource
from wikiclub.reconcile.decide import decide
from wikiclub.reconcile.features import near_siblings
from wikiclub.reconcile.knowledge import Knowledge
from wikiclub.reconcile.model import Decision, Match, ReconQuery, Thresholds
from wikiclub.reconcile.run import RowInput, reconcile_rows
from wikiclub.reconcile.scoring import Scorer

ROOT = Path(__file__).resolve().parents[1]
TOWN, OTHER_TOWN = "Q70034", "Q70032"  # Grand-Vallon, Lac-Véron (tests/test_reconcile_general.py's world)
THING, EVENT, GATHERING, FEAST, SHOW, BOOK_FAIR = "Q71000", "Q71001", "Q71002", "Q71003", "Q71004", "Q71005"
BODY, CULTURAL, MUSEUM, MEDIA_LIBRARY = "Q71006", "Q71007", "Q71008", "Q71009"
PLACE_CLASS, HISTORIC_SITE = "Q71010", "Q71011"


def _sub(qid: str, label: str, parent: str = "") -> dict[str, Any]:
    from test_reconcile_general import _item_claim, item

    return item(qid, label, claims={"P279": [_item_claim("P279", parent)]} if parent else None)


def world() -> list[dict[str, Any]]:
    from test_reconcile_general import item
    from test_reconcile_general import world as general

    classes = [_sub(THING, "chose"), _sub(EVENT, "événement", THING),
               _sub(GATHERING, "rassemblement périodique", EVENT), _sub(FEAST, "fête populaire", GATHERING),
               _sub(SHOW, "exposition périodique", GATHERING), _sub(BOOK_FAIR, "foire aux livres", SHOW),
               _sub(BODY, "organisme sans but lucratif", THING), _sub(CULTURAL, "établissement culturel", BODY),
               _sub(MUSEUM, "musée", CULTURAL), _sub(MEDIA_LIBRARY, "médiathèque", CULTURAL),
               _sub(PLACE_CLASS, "lieu", THING), _sub(HISTORIC_SITE, "site historique", PLACE_CLASS)]
    return [*general(), *classes,
            item("Q71100", "Foire du livre de la Bruyère", p31=BOOK_FAIR, p131=TOWN, aliases=("FLB",)),
            item("Q71101", "Moulin Bérard", p31=HISTORIC_SITE, p131=TOWN),
            # a feast and the body that runs it: same name, same town
            item("Q71102", "Fête des bleuets de Grand-Vallon", p31=FEAST, p131=TOWN),
            item("Q71103", "Fête des bleuets de Grand-Vallon", p31=BODY, p131=TOWN,
                 description="organisme qui tient la fête"),
            # a museum and a media library of one name in one town (near siblings)
            item("Q71104", "Maison Lavoie", p31=MUSEUM, p131=TOWN),
            item("Q71105", "Maison Lavoie", p31=MEDIA_LIBRARY, p131=TOWN, description="médiathèque"),
            # a historic site and the museum in it (far apart)
            item("Q71106", "Vieux-Poste de la Bruyère", p31=HISTORIC_SITE, p131=OTHER_TOWN),
            item("Q71107", "Vieux-Poste de la Bruyère", p31=MUSEUM, p131=OTHER_TOWN, description="musée"),
            item("Q71108", "Atelier Sirois", p31=HISTORIC_SITE, p131=OTHER_TOWN)]


@pytest.fixture(scope="module")
def facts() -> dict[str, Facts]:
    return {e["id"]: facts_from_entity(e) for e in world()}


def judge(facts: dict[str, Facts], query: ReconQuery, qids: list[str]) -> Match:
    kb = Knowledge(lambda ids: {i: facts[i] for i in ids if i in facts})
    return decide(Scorer(kb).score(query, [facts[q] for q in qids]), Thresholds())


def row(name: str, town: str, *, named: tuple[str, ...] = (), default: tuple[str, ...] = ()) -> ReconQuery:
    """A row's query as inputs.row_input makes it: a Type cell's class is a match type and a hint."""
    return ReconQuery(name, types=named, type_hints=named, default_types=default, places=(town,))


def test_near_siblings_share_a_close_superclass_that_is_not_broad(facts: dict[str, Facts]) -> None:
    kb = Knowledge(lambda ids: {i: facts[i] for i in ids if i in facts})
    assert near_siblings(kb, [FEAST], [BOOK_FAIR])  # both periodic gatherings
    assert near_siblings(kb, [MUSEUM], [MEDIA_LIBRARY])  # both cultural establishments
    assert not near_siblings(kb, [FEAST], [BODY])  # a feast and the body that runs it
    assert not near_siblings(kb, [BODY], [HISTORIC_SITE])  # an organisation and a place
    assert not near_siblings(kb, [MUSEUM], [HISTORIC_SITE])
    assert not near_siblings(kb, [THING], [EVENT])  # the top of the tree makes no siblings


def test_a_near_sibling_class_is_a_weak_signal(facts: dict[str, Facts]) -> None:
    """A book fair listed as a feast: name and town agree, the category word is a near sibling."""
    m = judge(facts, row("Foire du livre de la Bruyère", TOWN, named=(FEAST,)), ["Q71100"])
    assert (m.decision, m.qid) == (Decision.MATCH, "Q71100")
    assert any("classe voisine" in f.detail for f in m.candidates[0].features)
    # a weak signal still: without the town, the name alone is not enough for a sibling
    assert judge(facts, row("Foire du livre de la Bruyère", OTHER_TOWN, named=(FEAST,)), ["Q71100"]
                 ).decision == Decision.REVIEW


def test_a_far_class_named_by_the_row_still_weighs(facts: dict[str, Facts]) -> None:
    """A historic site listed as a museum, or as a feast: not siblings — at most a REVIEW."""
    for named in ((MUSEUM,), (FEAST,)):
        m = judge(facts, row("Atelier Sirois", OTHER_TOWN, named=named), ["Q71108"])
        assert m.decision == Decision.REVIEW, named


def test_the_mapping_default_class_says_little(facts: dict[str, Facts]) -> None:
    """« organisation » given to every row whose Type cell is empty is no fact about this row."""
    m = judge(facts, row("Moulin Bérard", TOWN, default=(BODY,)), ["Q71101"])
    assert (m.decision, m.qid) == (Decision.MATCH, "Q71101")
    assert any("classe par défaut du mapping" in f.detail and f.points == 0 for f in m.candidates[0].features)
    # the same class named by the row's own Type cell is a fact: far from a historic site, it weighs
    assert judge(facts, row("Moulin Bérard", TOWN, named=(BODY,)), ["Q71101"]).decision == Decision.REVIEW


def test_same_name_same_town_a_feast_and_the_body_that_runs_it(facts: dict[str, Facts]) -> None:
    both = ["Q71102", "Q71103"]
    m = judge(facts, row("Fête des bleuets de Grand-Vallon", TOWN, named=(FEAST,)), both)
    assert (m.decision, m.qid) == (Decision.MATCH, "Q71102")
    # no Type cell: the mapping's default (an organisation) tells them apart as before
    m = judge(facts, row("Fête des bleuets de Grand-Vallon", TOWN, default=(BODY,)), both)
    assert (m.decision, m.qid) == (Decision.MATCH, "Q71103")
    feast = next(c for c in m.candidates if c.qid == "Q71102")
    assert any("aussi bien nommé" in f.detail and f.points < 0 for f in feast.features)


def test_same_name_same_town_near_siblings_stay_apart(facts: dict[str, Facts]) -> None:
    """The museum and the media library of one name: the sibling excuse is withdrawn when a candidate
    as well named holds the row's class."""
    both = ["Q71104", "Q71105"]
    m = judge(facts, row("Maison Lavoie", TOWN, named=(MUSEUM,)), both)
    assert (m.decision, m.qid) == (Decision.MATCH, "Q71104")
    m = judge(facts, row("Maison Lavoie", TOWN, named=(MEDIA_LIBRARY,)), both)
    assert (m.decision, m.qid) == (Decision.MATCH, "Q71105")
    # a category naming their common superclass holds both: nothing tells them apart, a person decides
    m = judge(facts, row("Maison Lavoie", TOWN, named=(CULTURAL,)), both)
    assert m.decision == Decision.REVIEW


def test_same_name_same_town_a_site_and_the_museum_in_it(facts: dict[str, Facts]) -> None:
    both = ["Q71106", "Q71107"]
    m = judge(facts, row("Vieux-Poste de la Bruyère", OTHER_TOWN, named=(MUSEUM,)), both)
    assert (m.decision, m.qid) == (Decision.MATCH, "Q71107")
    m = judge(facts, row("Vieux-Poste de la Bruyère", OTHER_TOWN, named=(HISTORIC_SITE,)), both)
    assert (m.decision, m.qid) == (Decision.MATCH, "Q71106")
    m = judge(facts, row("Vieux-Poste de la Bruyère", OTHER_TOWN, default=(BODY,)), both)
    assert m.decision != Decision.MATCH or m.qid == "Q71107"


def test_item_columns_stay_strict(facts: dict[str, Facts]) -> None:
    """A linked cell's classes (``strict_types``) are never excused: a book fair is no feast there."""
    q = ReconQuery("Foire du livre de la Bruyère", types=(FEAST,), strict_types=True)
    assert judge(facts, q, ["Q71100"]).decision != Decision.MATCH


# --- the mapping: a Type cell versus the default, end to end -------------------------------------------

def test_row_inputs_tell_the_type_cell_from_the_mapping_default(tmp_path: Path) -> None:
    from wikiclub.reconcile.inputs import row_inputs
    from wikiclub.sheets.mapping import load_mapping
    from wikiclub.sheets.properties import PropertyCatalog
    from wikiclub.sheets.validate import validate_sheet

    sheet = tmp_path / "inventaire.csv"
    sheet.write_text("Nom de l'organisme,Type,Municipalité\nFête inventée,Festival,Grand-Vallon\n"
                     "Organisme inventé,,Grand-Vallon\n", encoding="utf-8")
    mapping = load_mapping(ROOT / "mappings" / "organismes-culturels.yaml")
    catalog = PropertyCatalog.from_dump(ROOT / "examples" / "kb.jsonl")
    typed, plain = row_inputs(validate_sheet(sheet, mapping, catalog).result.rows)
    assert typed.entity.type_hints == ("Q132241",) and typed.entity.default_types == ()
    assert plain.entity.type_hints == () and plain.entity.default_types == ("Q43229",)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WikibaseClient]:
    from test_reconcile_general import sandbox_client

    yield from sandbox_client(tmp_path_factory.mktemp("types"), world())


def test_through_the_api(client: WikibaseClient) -> None:
    from test_reconcile_general import MUNI

    from wikiclub.reconcile.run import PLACE, LinkedCell

    def entity(name: str, named: tuple[str, ...] = (), default: tuple[str, ...] = ()) -> ReconQuery:
        return ReconQuery(name, types=named, type_hints=named, default_types=default)

    town = "Grand-Vallon"
    cases = [(entity("Foire du livre de la Bruyère", named=(FEAST,)), town),
             (entity("Moulin Bérard", default=(BODY,)), town),
             (entity("Fête des bleuets de Grand-Vallon", named=(FEAST,)), town),
             (entity("Fête des bleuets de Grand-Vallon", default=(BODY,)), town)]
    inputs = [RowInput(f"s:{i}", i, q, (LinkedCell("Municipalité", town, types=(MUNI,), role=PLACE),))
              for i, (q, town) in enumerate(cases, start=2)]
    got = [(r.entity.decision, r.entity.qid) for r in reconcile_rows(inputs, ApiSource(client))]
    assert got == [(Decision.MATCH, "Q71100"), (Decision.MATCH, "Q71101"), (Decision.MATCH, "Q71102"),
                   (Decision.MATCH, "Q71103")]
