"""General behaviours found by benchmarks/recon_robustness.py (volunteers' slips, hard negatives).

Each test pins a rule, not a benchmark number: a typing slip, a class word put in front of a name,
a different first word, an identifier typed with its scheme name, the bare name of an administrative
cell, and the search cache that must not mix two spellings sharing a core.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from wikiclub.facts import Facts, facts_from_entity
from wikiclub.names import bare_name, identifier_key, identifier_variants
from wikiclub.reconcile.candidates import Finder, search_words_of
from wikiclub.reconcile.decide import decide
from wikiclub.reconcile.features import NameForms, compare_names
from wikiclub.reconcile.knowledge import Knowledge
from wikiclub.reconcile.model import Decision, ReconQuery, Thresholds
from wikiclub.reconcile.run import words_search_text
from wikiclub.reconcile.scoring import Scorer

KB = Path(__file__).parent / "data" / "kb.jsonl"
WITHIN = ("Q176", "Q1904")


@pytest.fixture(scope="module")
def facts() -> dict[str, Facts]:
    out = {}
    for line in KB.read_text(encoding="utf-8").splitlines():
        f = facts_from_entity(json.loads(line))
        out[f.qid] = f
    return out


def judge(facts: dict[str, Facts], query: ReconQuery, ids: Sequence[str]):  # noqa: ANN201
    kb = Knowledge(lambda wanted: {i: facts[i] for i in wanted if i in facts})
    return decide(Scorer(kb).score(query, [facts[i] for i in ids]), Thresholds())


def sim(a: str, b: str, heads: frozenset[str] = frozenset()) -> float:
    return compare_names(NameForms.of(a), NameForms.of(b), frozenset(), frozenset(), heads)[0]


def test_one_typing_slip_in_a_long_name_is_near_equal() -> None:
    for typed in ("Maison Dumllon", "Maisoon Dumulon", "Maison Dumluon", "Maison Dumulin"):
        assert sim(typed, "Maison Dumulon") >= 0.93, typed
    # Not for short names, two slips, or different numbers.
    assert sim("Salle Ax", "Salle Bx") < 0.93
    assert sim("Maison Dmullin", "Maison Dumulon") < 0.93
    assert sim("Salle numero 12 des arts", "Salle numero 13 des arts") < 0.93


def test_slip_matches_with_context_but_a_different_first_word_does_not(facts: dict[str, Facts]) -> None:
    m = judge(facts, ReconQuery("Théâtre des Eksers", type_hints=("Q900054",), within=WITHIN,
                                places=("Q900144",)), ["Q900286", "Q900277"])
    assert m.decision == Decision.MATCH and m.qid == "Q900286"
    # Same long tail, another first word: another kind of thing — never an automatic MATCH.
    m = judge(facts, ReconQuery("Salon de musique émergente en Abitibi-Témiscamingue", types=("Q900003",),
                                type_hints=("Q900004",), within=WITHIN, places=("Q900141",)),
              ["Q900262", "Q900271"])
    assert m.decision != Decision.MATCH
    # Words merely in another order keep their similarity.
    assert sim("Télébec Théâtre", "Théâtre Télébec") > 0.9


def test_class_word_added_or_dropped_only_when_both_sides_are_of_that_class(facts: dict[str, Facts]) -> None:
    heads = frozenset({"festival"})
    assert sim("Guitares du monde", "Festival des guitares du monde", heads) >= 0.95
    assert sim("Festival Summer Love", "Summer Love", heads) >= 0.95
    assert sim("Carnaval du Doré", "Festival du Doré", heads | {"carnaval"}) < 0.95  # two class words
    festival = ReconQuery("Musique émergente en Abitibi-Témiscamingue", types=("Q900003",),
                          type_hints=("Q900004",), within=WITHIN, places=("Q900141",))
    m = judge(facts, festival, ["Q900262", "Q900271"])
    assert m.decision == Decision.MATCH and m.qid == "Q900262"
    # A library row is not the town it is named after: "bibliothèque" is no class of a town.
    library = ReconQuery("Bibliothèque de Senneterre", type_hints=("Q7075",), within=WITHIN)
    m = judge(facts, library, ["Q900164", "Q900165"])
    assert m.decision != Decision.MATCH
    assert all("mot de la classe" not in f.detail for c in m.candidates for f in c.features if f.name == "name")


def test_identifier_typed_with_scheme_name_or_trailing_slash() -> None:
    assert identifier_key("ISNI 0000 0001 1987 4420") == identifier_key("0000000119874420")
    assert identifier_key("isni:0000000119874420") == "0000000119874420"
    assert identifier_key("facebook.com/RefugePageau/") == identifier_key("@RefugePageau") == "refugepageau"
    assert "0000 0001 1987 4420" in identifier_variants("ISNI 0000000119874420")
    assert identifier_variants("RefugePageau") == ("RefugePageau",)  # no ISNI-style grouping of a handle


def test_identifier_with_scheme_name_decides(facts: dict[str, Facts]) -> None:
    isni = next(v for p, v in facts["Q900264"].identifiers if p == "P213")
    m = judge(facts, ReconQuery("L'Écart, lieu d'art", within=WITHIN,
                                identifiers=(("P213", "ISNI " + isni.replace(" ", "")),)), ["Q900264", "Q900263"])
    assert m.decision == Decision.MATCH and m.qid == "Q900264"


def test_bare_name_and_widening_texts() -> None:
    assert bare_name("Municipalité de La Sarre") == "La Sarre"
    assert bare_name("Ville d'Amos") == "Amos"
    assert bare_name("Atelier Topaz Inc.") == "Atelier Topaz"
    assert bare_name("Ville-Marie") == "Ville-Marie"  # a name, not a prefix
    # Several distinctive words: a full-text search of them; one word after a prefix: that bare name.
    assert search_words_of("Le Maison Dumulon") == "maison dumulon"
    assert words_search_text("Le Maison Dumulon") == "Le Maison Dumulon"
    assert words_search_text("Municipalité de La Sarre") == "La Sarre"
    assert words_search_text("Amos") == ""


class CountingSource:
    def __init__(self) -> None:
        self.searched: list[str] = []

    def search(self, names: Sequence[str], language: str) -> list[str]:
        self.searched.append(names[0])
        return ["Q900206"] if names[0] == "Kapuskasing" else []

    def by_identifier(self, prop: str, value: str) -> list[str]:
        return []

    def by_website(self, url: str) -> list[str]:
        return []

    def fetch(self, ids: list[str]) -> dict[str, Facts]:
        return {}


def test_search_cache_does_not_mix_spellings_sharing_a_core() -> None:
    source = CountingSource()
    finder = Finder(source)
    assert finder.name_ids(ReconQuery("Municipalité de Kapuskasing")) == []
    assert finder.name_ids(ReconQuery("Kapuskasing")) == ["Q900206"]
    assert finder.name_ids(ReconQuery("KAPUSKASING")) == ["Q900206"]  # same folded text: asked once
    assert source.searched == ["Municipalité de Kapuskasing", "Kapuskasing"]
