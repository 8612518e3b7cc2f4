"""General rules of issue 12's second round, on made-up names: abbreviated words (OQLF), legal forms,
the start of an official name, dotted initialisms. Pure functions and the sandbox end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.names import abbreviated_words, core, expand_abbreviations
from wikiclub.reconcile.candidates import ApiSource
from wikiclub.reconcile.features import NameForms, compare_names
from wikiclub.reconcile.model import Decision, ReconQuery
from wikiclub.reconcile.run import PLACE, LinkedCell, RowInput, reconcile_rows

KB = Path(__file__).parent / "data" / "kb.jsonl"


def world() -> list[dict[str, object]]:
    from test_reconcile_general import ORG, item
    from test_reconcile_general import world as general

    return [*general(),
            item("Q70060", "Bibliothèque municipale de Grand-Vallon", p31=ORG, p131="Q70034"),
            item("Q70061", "Société d'archéologie de la Haute-Bruyère", p31=ORG, p131="Q70032"),
            item("Q70062", "Centre d'interprétation du lac Véron", p31=ORG, p131="Q70032"),
            item("Q70063", "Festival des contes et légendes de la Haute-Bruyère", p31=ORG, p131="Q70032",
                 aliases=("FCLHB",)),
            item("Q70064", "Maison du patrimoine", p31=ORG, p131="Q70034"),
            item("Q70065", "Maison du patrimoine", p31=ORG, p131="Q70032")]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WikibaseClient]:
    from test_reconcile_general import sandbox_client

    yield from sandbox_client(tmp_path_factory.mktemp("unseen"), world())


def rows(named: list[tuple[str, str]]) -> list[RowInput]:
    from test_reconcile_general import MUNI

    return [RowInput(f"s:{i}", i, ReconQuery(name, type_hints=("Q70011",)),
                     (LinkedCell("Municipalité", town, types=(MUNI,), role=PLACE),))
            for i, (name, town) in enumerate(named, start=2)]


# --- abbreviated words ----------------------------------------------------------------------------

@pytest.mark.parametrize(("written", "full"), [
    ("Bibl. mun. de Grand-Vallon", "Bibliothèque municipale de Grand-Vallon"),
    ("BIBL. MUN. DE GRAND-VALLON", "Bibliothèque municipale de Grand-Vallon"),
    ("Soc. d'archéologie de la Haute-Bruyère", "Société d'archéologie de la Haute-Bruyère"),
    ("Ctre d'interprétation du lac Véron", "Centre d'interprétation du lac Véron"),
    ("CTRE D'INTERPRÉTATION DU LAC VÉRON", "Centre d'interprétation du lac Véron"),
    ("Assoc. des riverains", "Association des riverains"),
    ("Fest. des contes", "Festival des contes"),
])
def test_abbreviated_words_are_spelt_out(written: str, full: str) -> None:
    assert core(written) == core(full)


def test_abbreviations_are_words_only() -> None:
    # « Mun. » opening a name is the designation; initialisms and legal forms are not abbreviated words
    assert expand_abbreviations("Mun. de Lac-Véron").startswith("Municipalité")
    assert abbreviated_words("C.L.S.C. du Lac inc.") == frozenset()
    assert core("Centre d'art") != core("Centre d'artistes")  # no dot: not an abbreviation


def test_dotted_word_meets_the_start_of_a_word() -> None:
    same, how = compare_names(NameForms.of("Théât. des Ombrelles"), NameForms.of("Théâtre des Ombrelles"), frozenset())
    assert same >= 0.95 and how == "mots abrégés"
    # the spelt-out adjective meets another gender
    assert compare_names(NameForms.of("Musée mun. du Vallon"), NameForms.of("Musée municipal du Vallon"),
                         frozenset())[0] >= 0.95
    # without a dot, a word cut short is another word
    assert compare_names(NameForms.of("Théât des Ombrelles"), NameForms.of("Théâtre des Ombrelles"),
                         frozenset())[1] != "mots abrégés"
    assert compare_names(NameForms.of("Centre d'art"), NameForms.of("Centre d'artistes"), frozenset())[0] < 0.95


def test_abbreviated_names_found_and_matched_through_the_api(client: WikibaseClient) -> None:
    res = reconcile_rows(rows([("Bibl. mun. de Grand-Vallon", "Grand-Vallon"),
                               ("SOC. D'ARCHÉOLOGIE DE LA HAUTE-BRUYÈRE", "Lac-Véron (Haute-Bruyère)"),
                               ("Ctre d'interprétation du lac Véron", "Lac-Véron (Haute-Bruyère)")]),
                         ApiSource(client))
    assert [(r.entity.decision, r.entity.qid) for r in res] == [
        (Decision.MATCH, "Q70060"), (Decision.MATCH, "Q70061"), (Decision.MATCH, "Q70062")]


# --- legal forms ------------------------------------------------------------------------------------

@pytest.mark.parametrize("written", ["Théâtre des Ombrelles inc.", "THÉÂTRE DES OMBRELLES, LTÉE",
                                     "Théâtre des Ombrelles, S.E.N.C.R.L.", "Théâtre des Ombrelles & Cie",
                                     "Théâtre des Ombrelles, enr."])
def test_a_legal_form_alone_is_no_difference(written: str) -> None:
    same, how = compare_names(NameForms.of(written), NameForms.of("Théâtre des Ombrelles"), frozenset())
    assert (same, how) == (0.99, "égal sans la forme juridique")
    # other words besides the legal form: not that rule
    assert compare_names(NameForms.of(written), NameForms.of("Théâtre des Ombrelles du Nord"),
                         frozenset())[0] < 0.95


def test_legal_form_rows_matched_through_the_api(client: WikibaseClient) -> None:
    res = reconcile_rows(rows([("Mémoire du Vallon, & Cie", "Grand-Vallon"),
                               ("THÉÂTRE DES OMBRELLES, S.E.N.C.R.L.", "V. de Grand-Vallon"),
                               ("Théâtre des Ombrelles du Nord inc.", "Grand-Vallon")]), ApiSource(client))
    assert [(r.entity.decision, r.entity.qid) for r in res[:2]] == [(Decision.MATCH, "Q70051"),
                                                                   (Decision.MATCH, "Q70050")]
    assert res[2].entity.decision != Decision.MATCH  # another name, not the same with a legal form


# --- initialisms with dots ----------------------------------------------------------------------------

def test_initialism_with_dots_searched_as_one_word(client: WikibaseClient) -> None:
    from wikiclub.names import name_parts

    assert "FCLHB" in name_parts("F.C.L.H.B.")
    res = reconcile_rows(rows([("F.C.L.H.B.", "Lac-Véron (Haute-Bruyère)")]), ApiSource(client))
    assert (res[0].entity.decision, res[0].entity.qid) == (Decision.MATCH, "Q70063")


# --- a class is not the row's thing ------------------------------------------------------------------

def test_a_class_named_with_the_row_place_is_not_the_row() -> None:
    from test_reconcile_general import ORG, _item_claim, item

    from wikiclub.facts import facts_from_entity
    from wikiclub.reconcile.decide import decide
    from wikiclub.reconcile.knowledge import Knowledge
    from wikiclub.reconcile.model import Thresholds
    from wikiclub.reconcile.scoring import Scorer

    entities = [*world(), item("Q70070", "fête des neiges", claims={"P279": [_item_claim("P279", ORG)]})]
    facts = {e["id"]: facts_from_entity(e) for e in entities}  # type: ignore[arg-type]
    kb = Knowledge(lambda ids: {i: facts[i] for i in ids if i in facts})
    q = ReconQuery("Fête des neiges de Grand-Vallon", type_hints=(ORG,), places=("Q70034",), place_text="Grand-Vallon")
    ranked = Scorer(kb).score(q, [facts["Q70070"]])
    assert any("une classe" in f.detail for f in ranked[0].features)
    assert decide(ranked, Thresholds()).decision == Decision.NEW
    # without the row's type hints (a column of classes, say), a class is not held against
    plain = Scorer(kb).score(ReconQuery("fête des neiges"), [facts["Q70070"]])
    assert not any("une classe" in f.detail for f in plain[0].features)


# --- a site's home page is the site ------------------------------------------------------------------

@pytest.mark.parametrize(("url", "key"), [
    ("http://www.ombrelles-theatre.org/accueil.php", ("ombrelles-theatre.org", "")),
    ("https://ombrelles-theatre.org/fr/index.htm", ("ombrelles-theatre.org", "")),
    ("https://ombrelles-theatre.org/saison/default.aspx", ("ombrelles-theatre.org", "saison")),
    ("https://ombrelles-theatre.org/homepage", ("ombrelles-theatre.org", "homepage")),  # a page's name, kept
])
def test_home_page_file_is_the_site_root(url: str, key: tuple[str, str]) -> None:
    from wikiclub.names import url_key

    assert url_key(url) == key


def test_home_page_link_is_decisive(client: WikibaseClient) -> None:
    res = reconcile_rows([RowInput("s:2", 2, ReconQuery("Un nom que le wiki ne connaît pas",
                                                        websites=("http://ombrelles-theatre.org/accueil.php",)))],
                         ApiSource(client))
    assert (res[0].entity.decision, res[0].entity.qid) == (Decision.MATCH, "Q70050")


# --- the start of a name -------------------------------------------------------------------------------

def test_start_of_a_name() -> None:
    from wikiclub.reconcile.features import starts_name

    full = core("Festival des contes et légendes de la Haute-Bruyère")
    assert starts_name(core("Festival des contes et légendes"), full)
    assert not starts_name(core("Festival des contes"), full)  # less than half of its words
    assert not starts_name(core("Festival"), core("Festival du Vallon"))  # one word says what, not which
    assert not starts_name(core("Contes et légendes"), full)  # not its start


def test_start_of_a_name_matched_with_its_place_only(client: WikibaseClient) -> None:
    res = reconcile_rows([*rows([("FESTIVAL DES CONTES ET LÉGENDES", "Lac-Véron (Haute-Bruyère)")]),
                          RowInput("s:9", 9, ReconQuery("Festival des contes et légendes", type_hints=("Q70011",)))],
                         ApiSource(client))
    assert (res[0].entity.decision, res[0].entity.qid) == (Decision.MATCH, "Q70063")
    assert res[1].entity.decision == Decision.REVIEW  # nothing but a cut name: a person decides


# --- the same name pattern in another town -------------------------------------------------------------

def test_same_pattern_for_another_town_is_another_entity() -> None:
    from wikiclub.facts import facts_from_entity
    from wikiclub.reconcile.decide import decide
    from wikiclub.reconcile.knowledge import Knowledge
    from wikiclub.reconcile.model import Thresholds
    from wikiclub.reconcile.scoring import Scorer

    facts = {e["id"]: facts_from_entity(e) for e in world()}  # type: ignore[arg-type]
    kb = Knowledge(lambda ids: {i: facts[i] for i in ids if i in facts})
    library = facts["Q70060"]  # Bibliothèque municipale de Grand-Vallon, in Grand-Vallon
    other = ReconQuery("BIBLIOTHÈQUE MUNICIPALE DE NOTRE-DAME-DES-SABLES", type_hints=("Q70011",),
                       places=("Q70036",), place_text="Notre-Dame-des-Sables")
    ranked = Scorer(kb).score(other, [library])
    assert ranked[0].blocked and ranked[0].contradicted
    assert decide(ranked, Thresholds()).decision == Decision.NEW
    same = ReconQuery("Bibl. mun. de Grand-Vallon", type_hints=("Q70011",), places=("Q70034",),
                      place_text="Grand-Vallon")
    assert decide(Scorer(kb).score(same, [library]), Thresholds()).qid == "Q70060"
    # the row's town cell names another town than its name: no contradiction drawn from the name
    odd = ReconQuery("Bibliothèque municipale de Grand-Vallon", type_hints=("Q70011",), places=("Q70036",),
                     place_text="Notre-Dame-des-Sables")
    assert not Scorer(kb).score(odd, [library])[0].blocked
