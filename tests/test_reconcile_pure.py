"""Pure parts of reconciliation, judged on tests/data/kb.jsonl read directly (no server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wikiclub.facts import Facts, facts_from_entity
from wikiclub.names import (
    area_from_phone,
    area_matches,
    core,
    fold,
    identifier_variants,
    split_qualifier,
    url_key,
)
from wikiclub.reconcile.decide import decide, find_duplicates
from wikiclub.reconcile.knowledge import Knowledge
from wikiclub.reconcile.model import Decision, ReconQuery, Thresholds
from wikiclub.reconcile.scoring import Scorer

KB = Path(__file__).parent / "data" / "kb.jsonl"


@pytest.fixture(scope="module")
def facts() -> dict[str, Facts]:
    out = {}
    for line in KB.read_text(encoding="utf-8").splitlines():
        f = facts_from_entity(json.loads(line))
        out[f.qid] = f
    return out


@pytest.fixture
def kb(facts: dict[str, Facts]) -> Knowledge:
    return Knowledge(lambda ids: {i: facts[i] for i in ids if i in facts})


def judge(kb: Knowledge, facts: dict[str, Facts], query: ReconQuery, ids: list[str], *, is_place: bool = False):
    return decide(Scorer(kb).score(query, [facts[i] for i in ids], is_place=is_place), Thresholds())


def test_normalisation_forms() -> None:
    assert fold("Val-d’Or") == fold("val d'or") == "val d or"
    assert core("Ville de Rouyn-Noranda") == core("Rouyn Noranda") == "rouyn noranda"
    assert core("L'Écart, lieu d'art actuel") == core("Ecart lieu d art actuel")
    assert core("Atelier Topaz Inc.") == "atelier topaz"
    assert core("FME 2024") == "fme"
    assert split_qualifier("Cochrane (Ont.)") == ("Cochrane", "Ont.")
    assert split_qualifier("Hearst, ON") == ("Hearst", "ON")
    assert url_key("www.museema.org/fr/") == url_key("https://museema.org") == ("museema.org", "")
    assert url_key("mailto:x@y.org") is None
    assert "0000 0001 1987 4420" in identifier_variants("0000000119874420", r"\d{4} \d{4} \d{4} \d{3}[\dX]")
    assert area_from_phone("(705) 555-0122") == "Ontario"
    assert area_matches("Ont.", "Ontario") and not area_matches("Ont.", "Alberta")


def test_subclass_closure_and_places(kb: Knowledge, facts: dict[str, Facts]) -> None:
    # public library → library → cultural institution → organisation
    assert "Q43229" in kb.classes_of(facts["Q900272"])
    assert "Q1904" in kb.places_of(facts["Q900311"]) and "Q1951" in kb.places_of(facts["Q900312"])


def test_accent_and_case_difference_matches(kb: Knowledge, facts: dict[str, Facts]) -> None:
    q = ReconQuery("BIBLIOTHEQUE MUNICIPALE D'AMOS", places=("Q900144",), type_hints=("Q7075",))
    m = judge(kb, facts, q, ["Q900287", "Q900280", "Q900272"])
    assert m.decision == Decision.MATCH and m.qid == "Q900287"


def test_subclass_satisfies_type(kb: Knowledge, facts: dict[str, Facts]) -> None:
    q = ReconQuery("Théâtre du cuivre", types=("Q900052",), type_hints=("Q900053",), places=("Q900141",))
    m = judge(kb, facts, q, ["Q900265"])
    assert m.decision == Decision.MATCH
    assert any(f.name == "type" and f.points > 0 for f in m.candidates[0].features)
    strict = ReconQuery("Amos", types=("Q900060",), strict_types=True)
    m2 = judge(kb, facts, strict, ["Q900144", "Q900224", "Q900225", "Q900226"], is_place=True)
    assert m2.qid == "Q900144"  # the town; the prophet, the name and the book are not settlements
    assert all(c.blocked for c in m2.candidates[1:])


def test_homonym_in_other_province_is_not_matched(kb: Knowledge, facts: dict[str, Facts]) -> None:
    # The row says Cochrane, Ontario: the Alberta library with the same label is blocked.
    q = ReconQuery("Bibliothèque publique de Cochrane", places=("Q900208",), area_guesses=("Ontario",))
    m = judge(kb, facts, q, ["Q900311", "Q900312"])
    assert m.qid == "Q900311"
    alberta = next(c for c in m.candidates if c.qid == "Q900312")
    assert alberta.blocked
    # Only the Alberta homonym exists among the candidates: no automatic match.
    m2 = judge(kb, facts, q, ["Q900312"])
    assert m2.decision != Decision.MATCH


def test_misspelt_context_does_not_sink_a_certain_match(kb: Knowledge, facts: dict[str, Facts]) -> None:
    # The row's municipality (Val-d'Or) differs from the item's (Amos, same province): it costs
    # points, shown to the reviewer, but the unique exact name still matches.
    q = ReconQuery("Refuge Pageau", places=("Q900162",))
    m = judge(kb, facts, q, ["Q900285"])
    assert m.decision == Decision.MATCH
    assert any(f.name == "lieu" and f.points < 0 for f in m.candidates[0].features)


def test_website_or_identifier_alone_decides(kb: Knowledge, facts: dict[str, Facts]) -> None:
    web = ReconQuery("Rouyn-Noranda Art Museum", websites=("www.museema.org/fr/",))
    assert judge(kb, facts, web, ["Q900263", "Q900264"]).qid == "Q900263"
    isni = ReconQuery("Centre d'artistes de Rouyn", identifiers=(("P213", "0000000119874420"),))
    m = judge(kb, facts, isni, ["Q900264", "Q900263"])
    assert m.decision == Decision.MATCH and m.qid == "Q900264"


def test_new_when_nothing_plausible(kb: Knowledge, facts: dict[str, Facts]) -> None:
    q = ReconQuery("Chambre de commerce de Hearst", places=("Q900207",), type_hints=("Q163740",))
    m = judge(kb, facts, q, ["Q900302", "Q900227"])
    assert m.decision == Decision.NEW


def test_duplicates_by_item_and_by_new_name() -> None:
    dups = find_duplicates([(2, "Q1", "a", ()), (3, None, "cine club macamic", ("Q9",)), (5, "Q1", "b", ()),
                            (7, None, "cine club macamic", ("Q9",)), (8, None, "autre chose", ("Q9",))])
    assert dups == {5: 2, 7: 3}
