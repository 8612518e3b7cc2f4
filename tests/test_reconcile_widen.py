"""API mode: what a prefix search misses is found by shorter prefixes (hyphen typed as a space, town
added, abbreviated ending) and, for item cells, by the candidates of the column's other values."""

from __future__ import annotations

import pytest
from test_reconcile_sandbox import by_row, mapped

from wikiclub.adapters.http import make_session
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.config import load_settings
from wikiclub.names import shorter_names
from wikiclub.reconcile.candidates import ApiSource
from wikiclub.reconcile.model import Decision, ReconQuery
from wikiclub.reconcile.run import PLACE, LinkedCell, RowInput, generic_first_words, reconcile_rows
from wikiclub.reconcile.stage import reconcile_mapped
from wikiclub.sheets.properties import PropertyCatalog


def test_shorter_names() -> None:
    # the town (or its abbreviation) and legal forms are dropped first, then longest prefixes first
    assert shorter_names("Sigle Amos", place="Amos") == ("Sigle",)
    assert shorter_names("ABC Kapuskasing", place="Kapuskasing (Ont.)") == ("ABC",)
    assert shorter_names("Brasserie Nord Kap", place="Kapuskasing") == ("Brasserie Nord", "Brasserie")
    assert shorter_names("Théâtre Grand Nord Inc.")[0] == "Théâtre Grand Nord"
    # cut at hyphens too; a prefix never ends with a function word; generic or short single words are useless
    assert shorter_names("Salle Jean Paul Riopelle", generic=frozenset({"salle"})) == (
        "Salle Jean Paul", "Salle Jean")
    assert shorter_names("Maison de la culture", generic=frozenset({"maison"})) == ()
    assert shorter_names("Le Rift-Nord de l'Est") == ("Le Rift-Nord", "Le Rift")
    assert shorter_names("Amos") == ()


def test_generic_first_words() -> None:
    names = ["Festival A", "Festival B", "festival C", "Salle D", "Salle E", "Zed"]
    assert generic_first_words(names) == frozenset({"festival"})


@pytest.fixture(scope="module")
def client(kb_sandbox) -> WikibaseClient:  # noqa: ANN001
    settings = load_settings({"site": kb_sandbox.api_url}, env={})
    return WikibaseClient.from_settings(settings, make_session(settings))


@pytest.fixture(scope="module")
def catalog() -> PropertyCatalog:
    from test_reconcile_sandbox import DATA

    return PropertyCatalog.from_dump(DATA / "kb.jsonl")


@pytest.mark.parametrize(("sheet", "mapping", "row", "qid"), [
    ("lieux.csv", "lieux.yaml", 9, "Q900278"),                                  # "Salle Felix Leclerc"
    ("organismes-culturels.csv", "organismes-culturels.yaml", 21, "Q900307"),  # "CRLC Kapuskasing"
    ("festivals.xlsx", "festivals.yaml", 29, "Q900308"),                       # "Festibiere Kap"
])
def test_prefix_misses_are_found_by_shorter_prefixes(client: WikibaseClient, catalog: PropertyCatalog, sheet: str,
                                                     mapping: str, row: int, qid: str) -> None:
    rows = mapped(sheet, mapping, catalog)
    res = by_row(reconcile_mapped(rows, ApiSource(client)))
    m = res[row].entity
    assert m.decision != Decision.NEW and m.candidates[0].qid == qid
    # and every new entity of the sheet is still NEW (shorter prefixes find more, not wrongly)
    assert all(r.entity.decision != Decision.MATCH or r.entity.qid for r in res.values())


def test_abbreviated_municipality_is_found_among_the_columns_candidates(client: WikibaseClient,
                                                                       catalog: PropertyCatalog) -> None:
    res = by_row(reconcile_mapped(mapped("organismes-culturels.csv", "organismes-culturels.yaml", catalog),
                                  ApiSource(client)))
    cell = res[3].linked[0]
    assert cell.value == "R-N" and cell.match.decision == Decision.MATCH and cell.match.qid == "Q900141"


def test_fuzzy_words_of() -> None:
    from wikiclub.reconcile.candidates import fuzzy_words_of

    # distinctive words as the full-text round asks them, words of ≥ 5 letters fuzzy
    assert fuzzy_words_of("Le Festval du cinéma de Rouyn") == "festval~ cinema~ rouyn~"
    assert fuzzy_words_of("Bar Ô Nord") == ""  # nothing long enough to fuzz
    assert fuzzy_words_of("Festval") == ""  # one word: not a full-text search


def _festival_row(name: str, town: str) -> RowInput:
    return RowInput(f"t:{name}", 2, ReconQuery(name, types=("Q900003",), within=("Q176",)),
                    (LinkedCell("Municipalité", town, role=PLACE),))


def test_typo_early_in_a_name_is_found_by_the_fuzzy_round(client: WikibaseClient) -> None:
    # no prefix and no all-words search holds "Festval": the fuzzy full-text round finds it
    source = ApiSource(client)
    [res] = reconcile_rows([_festival_row("Festval du cinéma international en Abitibi-Témiscamingue",
                                          "Rouyn-Noranda")], source)
    assert res.entity.decision != Decision.NEW and res.entity.candidates[0].qid == "Q900261"
    # the same typo'd words but another class word and elsewhere: found, yet never a MATCH
    [other] = reconcile_rows([_festival_row("Salon du cinémaa international en Abitibi-Témiscamingue",
                                            "Amos")], source)
    assert other.entity.decision != Decision.MATCH
