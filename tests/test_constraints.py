"""Wikidata's property constraints in ``plan``, against a sandbox whose property entities carry them.

tests/data/kb.jsonl gives its identifier properties format and distinct-values constraints; the test's
own dump adds, the way Wikidata states them (P2302 with P2308/P2309/P2305 qualifiers), single-best-value
and type on P569 (date of birth: humans only), value-type on P19 (place of birth: a human settlement,
through P279*) and one-of on P27 (citizenship: Canada only, for the test). Each kind: a violating value
becomes a ``constraint`` note (or a conflict) in notes.jsonl and plan.md, never an edit; a fitting value
is planned.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import KB, Sandbox, make_sandbox
from test_push import FESTIVAL, ROUYN, client, row, st, write_records

from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.batch.build import build_plan, read_reconciled
from wikiclub.batch.constraints import ClassFacts, Subject, check_statements, read_constraints
from wikiclub.batch.folder import write_batch
from wikiclub.batch.model import Plan
from wikiclub.model import ItemValue, StringValue, TimeValue
from wikiclub.sandbox.load import load_dump

HEARST, RADISSON, AMOS_PERSON, ECART = "Q900228", "Q900222", "Q900224", "Q900264"
SETTLEMENT, HUMAN, CANADA = "Q900060", "Q5", "Q16"


def _item(qid: str) -> dict[str, Any]:
    return {"value": {"entity-type": "item", "numeric-id": int(qid[1:]), "id": qid}, "type": "wikibase-entityid"}


def _snak(pid: str, qid: str) -> dict[str, Any]:
    return {"snaktype": "value", "property": pid, "datavalue": _item(qid), "datatype": "wikibase-item"}


def constraint(kind: str, **qualifiers: list[str]) -> dict[str, Any]:
    """A P2302 statement as Wikidata writes it: the kind, qualifiers P2308 (classes), P2309 (relation)…"""
    return {"mainsnak": _snak("P2302", kind), "type": "statement", "rank": "normal",
            "qualifiers": {p: [_snak(p, q) for q in qs] for p, qs in qualifiers.items()}}


INSTANCE_OF_RELATION = "Q21503252"
EXTRA = {
    "P569": [constraint("Q52060874"), constraint("Q21503250", P2308=[HUMAN], P2309=[INSTANCE_OF_RELATION])],
    "P19": [constraint("Q21510865", P2308=[SETTLEMENT], P2309=[INSTANCE_OF_RELATION])],
    "P27": [constraint("Q21510859", P2305=[CANADA])],
}


def constrained_kb(path: Path) -> Path:
    out = []
    for line in KB.read_text("utf-8").splitlines():
        entity = json.loads(line)
        if entity["id"] in EXTRA:
            entity.setdefault("claims", {})["P2302"] = EXTRA[entity["id"]]
        out.append(json.dumps(entity, ensure_ascii=False))
    path.write_text("\n".join(out) + "\n", "utf-8")
    return path


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    tmp = tmp_path_factory.mktemp("constraints")
    s = make_sandbox(tmp / "wiki")
    load_dump(s.app, constrained_kb(tmp / "kb.jsonl"))
    yield s
    s.running.stop()


def plan(sb: Sandbox, tmp: Path, rows: list[tuple[str | None, Any]],
         on_search: Any = None) -> tuple[Plan, WikibaseClient]:
    c = client(sb, login=False)
    if on_search is not None:  # what the plan searched, as sent (list=search's srsearch)
        call = c.call

        def counting(params: Any, **kw: Any) -> Any:
            if params.get("list") == "search":
                on_search(str(params.get("srsearch", "")))
            return call(params, **kw)

        c.call = counting  # type: ignore[method-assign]
    records = read_reconciled(write_records(tmp / "records.jsonl", rows))
    return build_plan(records, c, site={"name": "sb", "api_url": sb.api_url}, batch_id="constraints"), c


def added(plan: Plan, target: str | None, label: str | None = None) -> dict[str, list[Any]]:
    edit = next((e for e in plan.edits if e.target == target and (label is None or e.label == label)), None)
    out: dict[str, list[Any]] = {}
    for claim in (edit.data.get("claims", []) if edit else []):
        out.setdefault(claim["mainsnak"]["property"], []).append(claim["mainsnak"]["datavalue"]["value"])
    return out


def notes(plan: Plan, kind: str) -> list[dict[str, Any]]:
    return [n["constraint"] for n in plan.notes if n["kind"] == "constraint" and n["constraint"]["kind"] == kind]


def test_the_constraints_are_read_as_wikidata_states_them(sb: Sandbox) -> None:
    entities = client(sb, login=False).get_entities(["P569", "P19", "P27", "P213", "P571"])
    kinds = {p: sorted(c.kind for c in read_constraints(e)) for p, e in entities.items()}
    assert kinds == {"P569": ["single-best-value", "type"], "P19": ["value-type"], "P27": ["one-of"],
                     "P213": ["distinct-values", "format"], "P571": ["single-value"]}
    [typ] = [c for c in read_constraints(entities["P569"]) if c.kind == "type"]
    assert typ.classes == {HUMAN} and typ.relation == "instance"
    [fmt] = [c for c in read_constraints(entities["P213"]) if c.kind == "format"]
    assert fmt.regex and fmt.regex.startswith("0000 000")


def test_single_value_and_single_best_value_a_second_value_is_a_conflict_not_an_edit(sb: Sandbox, tmp_path: Path) -> None:
    rows = [(HEARST, row(2, "William Randolph Hearst", st("P569", "time", TimeValue("+1991-04-04T00:00:00Z", 11)),
                         focus=None)),
            (RADISSON, row(3, "Pierre-Esprit Radisson", st("P569", "time", TimeValue("+1636-00-00T00:00:00Z", 9)),
                           focus=None)),
            (FESTIVAL, row(4, "Festival", st("P571", "time", TimeValue("+1990-00-00T00:00:00Z", 9)), focus=None))]
    p, _ = plan(sb, tmp_path, rows)
    assert "P569" not in added(p, HEARST) and not [e for e in p.edits if e.target == FESTIVAL]
    assert {(c["target"], c["conflict"]["reason"]) for c in p.conflicts} == {(HEARST, "single-best-value"),
                                                                             (FESTIVAL, "single-value")}
    assert "P569" in p.meta["single_value"]
    assert added(p, RADISSON)["P569"][0]["time"] == "+1636-00-00T00:00:00Z"  # a human without one: planned


def test_type_a_birth_date_on_an_organisation_is_a_note(sb: Sandbox, tmp_path: Path) -> None:
    rows = [(FESTIVAL, row(2, "Festival", st("P569", "time", TimeValue("+1982-00-00T00:00:00Z", 9)),
                           st("P1329", "string", StringValue("+1-819-555-0150")), focus=None)),
            (None, row(3, "Nouvelle personne", st("P569", "time", TimeValue("+1950-00-00T00:00:00Z", 9)),
                       instance_of=(HUMAN,), focus=None))]
    p, _ = plan(sb, tmp_path, rows)
    assert "P569" not in added(p, FESTIVAL) and "P1329" in added(p, FESTIVAL)  # the rest of the row goes on
    [violation] = notes(p, "type")
    assert violation["property"] == "P569" and violation["related"] == [HUMAN]
    assert "P569" in added(p, None, "Nouvelle personne")  # a new human: P31 = Q5 from the row


def test_value_type_through_subclasses(sb: Sandbox, tmp_path: Path) -> None:
    rows = [(RADISSON, row(2, "Pierre-Esprit Radisson", st("P19", "wikibase-item", ItemValue(FESTIVAL)), focus=None)),
            (AMOS_PERSON, row(3, "Amos", st("P19", "wikibase-item", ItemValue(ROUYN)), focus=None))]
    p, _ = plan(sb, tmp_path, rows)
    [violation] = notes(p, "value-type")
    assert violation["value"] == FESTIVAL and violation["related"] == [SETTLEMENT]
    assert "P19" not in added(p, RADISSON)
    assert added(p, AMOS_PERSON)["P19"] == [_item(ROUYN)["value"]]  # Rouyn-Noranda: a city, a settlement (P279*)


def test_one_of(sb: Sandbox, tmp_path: Path) -> None:
    rows = [(RADISSON, row(2, "Pierre-Esprit Radisson", st("P27", "wikibase-item", ItemValue(ROUYN)), focus=None)),
            (AMOS_PERSON, row(3, "Amos", st("P27", "wikibase-item", ItemValue(CANADA)), focus=None))]
    p, _ = plan(sb, tmp_path, rows)
    [violation] = notes(p, "one-of")
    assert violation["value"] == ROUYN and violation["related"] == [CANADA]
    assert "P27" not in added(p, RADISSON) and "P27" in added(p, AMOS_PERSON)


def test_format(sb: Sandbox, tmp_path: Path) -> None:
    rows = [(FESTIVAL, row(2, "Festival", st("P2003", "external-id", StringValue("Pas Un Nom!")),
                           st("P2002", "external-id", StringValue("fciat_officiel")), focus=None))]
    p, _ = plan(sb, tmp_path, rows)
    [violation] = notes(p, "format")
    assert violation["value"] == "Pas Un Nom!" and violation["property"] == "P2003"
    assert "P2003" not in added(p, FESTIVAL) and added(p, FESTIVAL)["P2002"] == ["fciat_officiel"]


def test_distinct_values_an_identifier_already_on_another_item(sb: Sandbox, tmp_path: Path) -> None:
    """One ``haswbstatement`` search per identifier the batch would add (not for one already there)."""
    isni = "0000 0001 1987 4420"  # L'Écart's (Q900264)
    rows = [(None, row(2, "Centre d'artistes nouveau", st("P213", "external-id", StringValue(isni)),
                       st("P131", "wikibase-item", ItemValue(ROUYN)), desc="centre d'artistes")),
            (ECART, row(3, "L'Écart", st("P213", "external-id", StringValue(isni)), focus=None))]
    p, c = plan(sb, tmp_path, rows)
    [violation] = notes(p, "distinct-values")
    assert violation["value"] == isni and violation["related"] == [ECART]
    assert "P213" not in added(p, None) and "P131" in added(p, None)
    assert not [e for e in p.edits if e.target == ECART]  # already there: nothing to add, nothing to flag
    write_batch(p, tmp_path / "batch")
    md = (tmp_path / "batch" / "plan.md").read_text("utf-8")
    assert "distinct-values" in md and ECART in md and "identifiant ISNI" in md  # the property named
    lines = (tmp_path / "batch" / "notes.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(x)["constraint"]["kind"] for x in lines if json.loads(x)["kind"] == "constraint"] == [
        "distinct-values"]
    # the label search, the batched read, the namespaces, one haswbstatement, the labels plan.md shows
    assert c.requests_made == 5


def test_distinct_values_of_many_rows_are_asked_in_a_few_or_searches(sb: Sandbox, tmp_path: Path) -> None:
    """30 new identifiers cost a few ``haswbstatement:P=a|P=b…`` searches (each within CirrusSearch's
    300-character query limit), not 30; the one already on an item is still found."""
    taken = "0000 0001 1987 4420"  # L'Écart's (Q900264)
    isnis = [f"0000 0004 {n:04d} {n:04d}" for n in range(29)] + [taken]
    rows: list[tuple[str | None, Any]] = [
        (None, row(2 + n, f"Centre nouveau {n}", st("P213", "external-id", StringValue(isni)),
                   st("P131", "wikibase-item", ItemValue(ROUYN)), desc=f"centre d'artistes {n}"))
        for n, isni in enumerate(isnis)]
    asked: list[str] = []
    p, c = plan(sb, tmp_path, rows, on_search=asked.append)
    [violation] = notes(p, "distinct-values")
    assert violation["value"] == taken and violation["related"] == [ECART]
    searches = [q for q in asked if "haswbstatement" in q]
    assert 1 < len(searches) <= 4 and all(len(q) <= 300 for q in searches), searches


def test_unknown_classes_are_not_guessed() -> None:
    """Class checks report only what the wiki says: a value whose classes were not read is no violation."""
    [rule] = read_constraints({"id": "P19", "claims": {"P2302": [constraint("Q21510865", P2308=[SETTLEMENT])]}})
    statement = {"mainsnak": _snak("P19", "Q123"), "type": "statement"}
    kept, violations = check_statements([statement], Subject(None), {"P19": (rule,)}, ClassFacts())
    assert kept == [statement] and violations == []
    known = ClassFacts({"Q123": ("Q43229",)}, {"Q43229": ("Q900001",), "Q900001": ()})
    kept, violations = check_statements([statement], Subject(None), {"P19": (rule,)}, known)
    assert kept == [] and [v.kind for v in violations] == ["value-type"]
    deprecated = {**constraint("Q21510865", P2308=[SETTLEMENT]), "rank": "deprecated"}
    assert read_constraints({"id": "P19", "claims": {"P2302": [deprecated]}}) == ()
