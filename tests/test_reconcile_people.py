"""Facts as evidence (issue 10: reconciliation of people): each rule on the pure functions, then
through the real reconciler against the sandbox (real HTTP) and the local index, then the demo's
artists sheet pushed end to end without a fact on a wrong person."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import KB, Sandbox, make_sandbox

from wikiclub.facts import Claim, Facts, facts_from_entity
from wikiclub.names import compare_person_names, natural_order, person_name
from wikiclub.reconcile.decide import decide
from wikiclub.reconcile.duplicates import RowKey, RowMarks, conflict, group_rows
from wikiclub.reconcile.evidence import compare_time, examine, year_slip
from wikiclub.reconcile.knowledge import Knowledge
from wikiclub.reconcile.model import (
    AGREES,
    CONTRADICTS,
    UNKNOWN,
    Decision,
    Evidence,
    FactCheck,
    ReconQuery,
    RowFact,
    Thresholds,
)
from wikiclub.reconcile.scoring import Scorer
from wikiclub.reconcile.store import match_from_json, match_to_json

ROOT = Path(__file__).resolve().parent.parent
HUMAN = "Q5"


@pytest.fixture(scope="module")
def facts() -> dict[str, Facts]:
    out = {}
    for line in KB.read_text(encoding="utf-8").splitlines():
        f = facts_from_entity(json.loads(line))
        out[f.qid] = f
    return out


def knowledge(facts: dict[str, Facts], *extra: Facts) -> Knowledge:
    table = {**facts, **{f.qid: f for f in extra}}
    return Knowledge(lambda ids: {i: table[i] for i in ids if i in table})


def born(year: str, precision: int = 9, *, circa: bool = False) -> RowFact:
    time = f"+{year}-00-00T00:00:00Z" if len(year) == 4 else f"+{year}T00:00:00Z"
    return RowFact("P569", "time", time, precision, circa, year)


def person_query(text: str, *facts: RowFact, **kw: Any) -> ReconQuery:
    return ReconQuery(text=text, types=(HUMAN,), type_hints=(HUMAN,), within=("Q176", "Q1904"), facts=facts,
                      person=True, name_alone="review", **kw)


def judge(facts: dict[str, Facts], query: ReconQuery, ids: list[str], *extra: Facts):  # noqa: ANN201
    kb = knowledge(facts, *extra)
    cands = [facts.get(i) or next(f for f in extra if f.qid == i) for i in ids]
    ranked = Scorer(kb).score(query, cands)
    return decide(ranked, Thresholds(), person=query.person, name_alone=query.name_alone)


# --- dates ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("row", "wiki", "verdict"), [
    (born("1975"), Claim("time", "+1975-03-12T00:00:00Z", 11), AGREES),          # year vs day precision
    (born("1975-03-12", 11), Claim("time", "+1975-00-00T00:00:00Z", 9), AGREES),
    (born("1950"), Claim("time", "+1985-07-02T00:00:00Z", 11), CONTRADICTS),
    (born("1975"), Claim("time", "+1976-01-01T00:00:00Z", 11), UNKNOWN),          # sources differ by a year
    (born("1970", 8), Claim("time", "+1975-03-12T00:00:00Z", 11), AGREES),        # « années 1970 »
    (born("1970", 8), Claim("time", "+1985-03-12T00:00:00Z", 11), CONTRADICTS),
    (born("1925", circa=True), Claim("time", "+1928-00-00T00:00:00Z", 9), AGREES),  # « vers 1925 »
    (born("1925", circa=True), Claim("time", "+1950-00-00T00:00:00Z", 9), CONTRADICTS),
    (born("1975-03-12", 11), Claim("time", "+1975-12-03T00:00:00Z", 11), CONTRADICTS),  # same year, other day
])
def test_dates_compare_at_the_coarser_precision(row: RowFact, wiki: Claim, verdict: str) -> None:
    assert compare_time(row, wiki).verdict == verdict


def test_a_year_off_by_one_typed_digit_is_a_possible_slip() -> None:
    assert year_slip(1958, 1985) and year_slip(1975, 1985) and not year_slip(1950, 1985)
    assert compare_time(born("1958"), Claim("time", "+1985-00-00T00:00:00Z", 9)).slip
    assert compare_time(born("1975-03-12", 11), Claim("time", "+1975-12-03T00:00:00Z", 11)).slip


# --- names of people --------------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b", "low", "high"), [
    ("Béland, Marc-André", "Marc-André Béland", 0.97, 1.0),
    ("Marc Andre Beland", "Marc-André Béland", 1.0, 1.0),
    ("M.-A. Béland", "Marc-André Béland", 0.85, 0.9),
    ("Geneviève Lachapelle", "Geneviève Lachapelle-Ouellet", 0.85, 0.9),
    ("Julie Gagnon", "Julien Gagnon", 0.7, 0.8),
    ("Mme Julie Gagnon", "Julie Gagnon", 1.0, 1.0),
    ("Julie Gagnon", "Marie Gagnon", 0.0, 0.5),
])
def test_person_names(a: str, b: str, low: float, high: float) -> None:
    s, _ = compare_person_names(person_name(a), person_name(b))
    assert low <= s <= high


def test_generation_words_and_natural_order() -> None:
    assert person_name("Jean Tremblay fils").generation == person_name("Tremblay Jr., Jean").generation == "cadet"
    assert person_name("Jean Tremblay père").generation == person_name("Jean Tremblay, Sr.").generation == "aîné"
    assert person_name("Tremblay fils, Jean").words == ("jean", "tremblay")
    assert natural_order("Béland, Marc-André") == "Marc-André Béland"
    assert natural_order("Jean Tremblay, Jr.") == "Jean Tremblay, Jr."


# --- decisions on the example knowledge base ---------------------------------------------------------

def test_name_alone_is_review_for_a_person(facts: dict[str, Facts]) -> None:
    m = judge(facts, person_query("Sophie Trudel-Fauxnom"), ["Q900256"])
    assert m.decision == Decision.REVIEW and "rien ne confirme" in m.reason
    # the same name with an agreeing birth year is a MATCH; a class that is not people keeps name matches
    assert judge(facts, person_query("Sophie Trudel-Fauxnom", born("1966")), ["Q900256"]).qid == "Q900256"
    plain = ReconQuery(text="Sophie Trudel-Fauxnom", types=(HUMAN,), person=True, name_alone="match")
    assert judge(facts, plain, ["Q900256"]).decision == Decision.MATCH


def test_a_contradicting_birth_year_blocks_and_makes_the_row_new(facts: dict[str, Facts]) -> None:
    m = judge(facts, person_query("Marc-André Béland", born("1950")), ["Q900252"])
    assert m.decision == Decision.NEW
    assert "date de naissance : 1950 sur la ligne, 2 juillet 1985 sur le wiki" in m.reason
    top = m.candidates[0]
    assert top.contradicted and top.blocked
    check = next(c for c in top.evidence.checks if c.pid == "P569")
    assert (check.verdict, check.row_value, check.wiki_value, check.hard) == (CONTRADICTS, "1950", "2 juillet 1985", True)


def test_the_famous_namesake_is_not_the_regional_musician(facts: dict[str, Facts]) -> None:
    q = person_query("William Randolph Hearst", born("1991-04-04", 11),
                     RowFact("P106", "item", "Q900115", items=("Q900115",), text="Musique"))
    m = judge(facts, q, ["Q900228", "Q900207", "Q900227"])  # the publisher, the town, the company
    assert m.decision == Decision.NEW and m.qid is None


def test_homonyms_are_told_apart_by_the_birth_year(facts: dict[str, Facts]) -> None:
    m = judge(facts, person_query("Julie Gagnon", born("1972")), ["Q900253", "Q900254"])
    assert (m.decision, m.qid) == (Decision.MATCH, "Q900254")
    assert m.reason.startswith("deux personnes portent ce nom ; date de naissance les distingue")
    tie = judge(facts, person_query("Julie Gagnon"), ["Q900253", "Q900254"])
    assert tie.decision == Decision.REVIEW and "rien" in tie.reason


def test_places_agree_through_p131_and_occupations_through_p279(facts: dict[str, Facts]) -> None:
    region = RowFact("P19", "item", "Q900126", items=("Q900126",), text="Abitibi-Témiscamingue")
    painter = RowFact("P106", "item", "Q900502", items=("Q900502",), text="Peinture")
    singer = RowFact("P106", "item", "Q900501", items=("Q900501",), text="Chanson")
    kb = knowledge(facts)
    checks = examine(person_query("Geneviève Lachapelle-Ouellet", region, painter), facts["Q900251"], kb).checks
    assert [c.verdict for c in checks] == [AGREES, AGREES]  # Rouyn-Noranda is in A-T; a painter is a visual artist
    other = examine(person_query("Marc-André Béland", singer), facts["Q900252"], kb)
    assert other.checks[0].verdict == AGREES and other.confirming  # a singer is a musician


def test_a_different_occupation_or_residence_is_unknown_not_a_contradiction(facts: dict[str, Facts]) -> None:
    q = person_query("Marc-André Béland", RowFact("P106", "item", "Q900116", items=("Q900116",)),
                     RowFact("P551", "item", "Q900205", items=("Q900205",)))
    checks = examine(q, facts["Q900252"], knowledge(facts)).checks
    assert [c.verdict for c in checks] == [UNKNOWN, UNKNOWN]
    birthplace = RowFact("P19", "item", "Q900205", items=("Q900205",))  # born in Timmins, not Val-d'Or
    assert examine(person_query("x", birthplace), facts["Q900252"], knowledge(facts)).checks[0].verdict == CONTRADICTS


def test_a_single_value_identifier_that_differs_is_another_person(facts: dict[str, Facts]) -> None:
    single = Facts("P9999", labels={"fr": "identifiant test"}, constraints=("Q19474404",))
    cand = Facts("Q1", labels={"fr": "Claire Dubé"}, instance_of=(HUMAN,),
                 identifiers=(("P9999", "0001"),), claims=(("P9999", Claim("external-id", "0001")),))
    q = person_query("Claire Dubé", RowFact("P9999", "external-id", "0002", text="0002"),
                     identifiers=(("P9999", "0002"),))
    m = judge(facts, q, ["Q1"], single, cand)
    assert m.decision == Decision.NEW and m.candidates[0].contradicted
    same = person_query("Claire Dubé", RowFact("P9999", "external-id", "0001"), identifiers=(("P9999", "0001"),))
    assert judge(facts, same, ["Q1"], single, cand).decision == Decision.MATCH


def test_a_person_is_never_an_organisation(facts: dict[str, Facts]) -> None:
    m = judge(facts, person_query("Hearst Communications"), ["Q900227"])
    assert m.decision == Decision.NEW
    assert any(c.pid == "P31" and c.verdict == CONTRADICTS for c in m.candidates[0].evidence.checks)


def test_pere_and_fils_are_two_people(facts: dict[str, Facts]) -> None:
    m = judge(facts, person_query("Jean-Guy Lapointe fils", born("1962")), ["Q900511", "Q900512"])
    assert (m.decision, m.qid) == (Decision.MATCH, "Q900512")
    father = judge(facts, person_query("Jean-Guy Lapointe père"), ["Q900512"])  # only the son's alias says « fils »
    assert father.decision == Decision.NEW


def test_stage_and_maiden_names_come_from_aliases(facts: dict[str, Facts]) -> None:
    assert judge(facts, person_query("Mimi Lafleur", born("1979")), ["Q900513", "Q900514"]).qid == "Q900513"
    assert judge(facts, person_query("Louise Rioux", born("1948")), ["Q900515"]).qid == "Q900515"


def test_evidence_round_trips_through_json(facts: dict[str, Facts]) -> None:
    m = judge(facts, person_query("Julie Gagnon", born("1972")), ["Q900253", "Q900254"])
    again = match_from_json(json.loads(json.dumps(match_to_json(m))))
    assert again == m
    ev = again.candidates[0].evidence
    assert isinstance(ev, Evidence) and ev.description and ev.classes == ("être humain",) and ev.places
    assert Evidence.from_json(ev.to_json()) == ev
    assert FactCheck.from_json(ev.checks[0].to_json()) == ev.checks[0]


# --- duplicates (issue 11 point 6) --------------------------------------------------------------------

def test_rows_that_contradict_are_two_entities() -> None:
    assert conflict(RowMarks.of("Troupe Aurore 1", None), RowMarks.of("Troupe Aurore 2", None))
    assert not conflict(RowMarks.of("FME 2023", None), RowMarks.of("FME", None))  # an edition year
    a = RowMarks((), (), (("a.example.org", ""),))
    b = RowMarks((), (), (("b.example.org", ""),))
    assert conflict(a, b) == "sites web différents"
    ids = RowMarks((), (("P213", "1"),)), RowMarks((), (("P213", "2"),))
    assert conflict(*ids)
    dates = RowMarks(dates=(born("1950"),)), RowMarks(dates=(born("1985"),))
    assert conflict(*dates) and not conflict(dates[0], RowMarks(dates=(born("1950-06-01", 11),)))
    keys = [RowKey(2, None, "troupe aurore 1", marks=RowMarks.of("Troupe Aurore 1", None)),
            RowKey(3, None, "troupe aurore 2", marks=RowMarks.of("Troupe Aurore 2", None)),
            RowKey(4, None, "julie gagnon", marks=dates[0]), RowKey(5, None, "julie gagnon", marks=dates[1]),
            RowKey(6, None, "julie gagnon"), RowKey(7, "Q1", "x", marks=ids[0]), RowKey(8, "Q1", "x", marks=ids[1])]
    g = group_rows(keys)
    assert g.duplicates == {6: 4}  # the row without a date joins the first; 5 contradicts it
    assert g.distinct[5] == [4] and g.distinct[8] == [7] and g.distinct[3] == [2]


# --- through the sandbox (real HTTP) and the local index --------------------------------------------------

def _artists(tmp: Path, source: str) -> list[Any]:
    from _recon_common import candidate_sources

    from wikiclub.reconcile.inputs import row_inputs
    from wikiclub.reconcile.run import reconcile_rows
    from wikiclub.sheets.mapping import load_mapping
    from wikiclub.sheets.properties import PropertyCatalog
    from wikiclub.sheets.validate import validate_sheet

    rows = list(validate_sheet(ROOT / "examples" / "artistes.csv", load_mapping(ROOT / "mappings" / "artistes.yaml"),
                               PropertyCatalog.from_dump(KB)).result.rows)
    with candidate_sources(source, tmp) as sources:
        (_, make), = sources
        return reconcile_rows(row_inputs(rows), make())


EXPECTED = {2: "Q900252", 3: "NEW", 4: "NEW", 5: "Q900253", 6: "NEW", 7: "Q900251", 8: "Q900255", 9: "REVIEW",
            10: "Q900512", 11: "Q900511", 12: "Q900513", 13: "Q900515", 14: "Q900517", 15: "Q900519",
            16: "NEW", 17: "NEW", 18: "NEW"}


@pytest.mark.parametrize("source", ["sandbox", "index"])
def test_example_artists_through_the_api_and_the_index(source: str, tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    results = {r.row: r for r in _artists(tmp_path, source)}
    for row, expected in EXPECTED.items():
        m = results[row].entity
        got = m.qid if m.decision == Decision.MATCH else m.decision.value
        assert got == expected, (row, m.reason)
    assert "aucune n'est celle de la ligne" in results[6].entity.reason  # a third Julie Gagnon
    assert results[17].duplicate_of == 16 and results[6].duplicate_of is None


# --- the demo's artists batch, pushed: no fact on a wrong person --------------------------------------------

@pytest.fixture
def artists_wiki(tmp_path: Path) -> Iterator[Sandbox]:
    from wikiclub.sandbox.load import load_dump

    sb = make_sandbox(tmp_path / "wiki")
    load_dump(sb.app, KB)
    yield sb
    sb.running.stop()


def _entity(api: str, qid: str) -> dict[str, Any]:
    got = requests.get(api, params={"action": "wbgetentities", "ids": qid, "format": "json"}, timeout=30)
    return dict(got.json()["entities"][qid])


def test_demo_artists_batch_writes_no_fact_onto_a_wrong_person(artists_wiki: Sandbox, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from wikiclub.cli.demo import _sheet_steps

    monkeypatch.setenv("WIKICLUB_BOT_USER", artists_wiki.admin.name)
    monkeypatch.setenv("WIKICLUB_BOT_PASSWORD", artists_wiki.admin.password)
    monkeypatch.setenv("WIKICLUB_CREDENTIALS_FILE", str(tmp_path / "none.toml"))
    monkeypatch.chdir(tmp_path)
    people = [json.loads(line) for line in KB.read_text(encoding="utf-8").splitlines()
              if '"Q5"' in line and line.startswith('{"type":"item"')]
    before = {e["id"]: _entity(artists_wiki.api_url, e["id"]) for e in people}
    common = ["--site", artists_wiki.api_url, "--config", str(ROOT / "examples" / "wikiclub.toml")]
    _sheet_steps(tmp_path / "out", common, ROOT / "examples" / "artistes.csv", ROOT / "mappings" / "artistes.yaml")
    after = {q: _entity(artists_wiki.api_url, q) for q in before}
    changed = {q for q in before if after[q]["lastrevid"] != before[q]["lastrevid"]}
    # the namesakes (publisher, second Julie Gagnon, actress, hockey player, chemist) are untouched
    assert not changed & {"Q900228", "Q900254", "Q900514", "Q900518", "Q900520", "Q900256"}
    assert {"Q900252", "Q900253", "Q900511", "Q900512", "Q900513", "Q900515", "Q900517"} <= changed
    for q in changed:  # one birth date, one death date: nothing added that contradicts
        claims = after[q]["claims"]
        assert len(claims.get("P569", [])) == len(before[q]["claims"].get("P569", [])) <= 1, q
        assert len(claims.get("P570", [])) <= 1, q
    plan = [json.loads(line) for line in (tmp_path / "out" / "batches" / "artistes" / "plan.jsonl").read_text(
        encoding="utf-8").splitlines()]
    created = [e for e in plan if not e.get("target")]
    assert len(created) == 5  # Béland 1950, the young Hearst, a third Julie Gagnon, Houle (two rows), Rivard


# --- what later stages keep of it ---------------------------------------------------------------------------

def test_plan_never_merges_rows_reconcile_found_to_be_two_people(tmp_path: Path) -> None:
    from test_plan import KbReader
    from test_push import row, st

    from wikiclub.batch.build import build_plan, read_reconciled
    from wikiclub.model import TimeValue

    def year(y: int) -> Any:
        return st("P569", "time", TimeValue(f"+{y}-00-00T00:00:00Z", 9))

    rows = [(row(2, "Julie Gagnon", year(1950), desc="artiste", instance_of=(HUMAN,)), {}),
            (row(3, "Julie Gagnon", year(1985), desc="artiste", instance_of=(HUMAN,)), {"distinct_from": ["s::2"]}),
            (row(4, "Julie Gagnon", desc="artiste", instance_of=(HUMAN,)), {})]  # says nothing else: the same
    path = tmp_path / "reconciled.jsonl"
    path.write_text("".join(json.dumps({"target": None, "decision": "NEW", "record": r.to_json(),
                                        "reconcile": {"key": f"s::{r.source.row}", "row": r.source.row, **extra}},
                                       ensure_ascii=False) + "\n" for r, extra in rows), encoding="utf-8")
    plan = build_plan(read_reconciled(path), KbReader(), site={"name": "t", "api_url": "http://127.0.0.1/w/api.php"},
                      batch_id="2024-05-01-people")
    rows_per_creation = sorted(tuple(p["source"]["row"] for p in e.provenance) for e in plan.edits if e.creation)
    assert rows_per_creation == [(2, 4), (3,)]


def test_the_mapping_key_name_alone_is_validated_and_carried(tmp_path: Path) -> None:
    from wikiclub.errors import MappingError
    from wikiclub.sheets.mapping import load_mapping, parse_mapping

    m = load_mapping(ROOT / "mappings" / "artistes.yaml")
    assert m.match_name_alone == "review" and HUMAN in m.match_types
    base = "entity:\n  label: {column: Nom}\n  match:\n    name_alone: %s\ncolumns: {}\n"
    assert parse_mapping(base % "match").match_name_alone == "match"
    with pytest.raises(MappingError) as err:
        parse_mapping(base % "jamais", "m.yaml")
    assert "m.yaml:4" in str(err.value) and "name_alone" in str(err.value)


def test_review_sheet_shows_each_candidates_facts(tmp_path: Path, facts: dict[str, Facts]) -> None:
    import csv

    from wikiclub.reconcile.model import RowResult
    from wikiclub.reconcile.review import write_review

    m = judge(facts, person_query("Julie Gagnon", born("1972")), ["Q900253", "Q900254"])
    written = write_review(tmp_path / "review.xlsx", [RowResult("s::2", 2, "Julie Gagnon", m)],
                           item_url=lambda q: "http://wiki.example/wiki/" + q)
    with written[1].open(encoding="utf-8-sig") as fh:
        head, line = list(csv.reader(fh))
    cells = dict(zip(head, line, strict=True))
    assert cells["classe et lieu 1"] == "être humain — Hearst"
    assert "✓ date de naissance : ligne 1972 / wiki 5 novembre 1972" in cells["faits 1"]
    assert "✗ date de naissance : ligne 1972 / wiki 20 janvier 1990" in cells["faits 2"]
    assert "deux personnes portent ce nom" in cells["raison / reason"]
