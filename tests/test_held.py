"""Never half an item: a NEW item whose place cell stayed unresolved (or a column the mapping marks
``required_for_creation`` is missing) is held — out of the batch, a ``held`` note in notes.jsonl, plan.md
and the push report —, and the demo's batches create no item without P131."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_plan import plan_of
from test_push import ROUYN, row, st

from wikiclub.batch.build import PlanOptions
from wikiclub.batch.folder import write_batch
from wikiclub.cli import main
from wikiclub.errors import MappingError
from wikiclub.model import Issue, ItemRef, ItemValue, SourceRef, StringValue
from wikiclub.sheets.mapping import parse_mapping

MUNICIPALITY = ("Q900061", "Q900060")


def _claims(plan: Any, label: str) -> set[str]:
    [edit] = [e for e in plan.edits if e.label == label]
    return {c["mainsnak"]["property"] for c in edit.data.get("claims", [])}


def test_a_creation_whose_place_is_unresolved_is_held(tmp_path: Path) -> None:
    library = row(2, "Bibliothèque de Nulle-Part", st("P131", "wikibase-item", ItemRef("Nulle-Part", MUNICIPALITY)),
                  st("P856", "url", StringValue("https://biblio.example/")), desc="bibliothèque")
    festival = row(3, "Festival de la bibliothèque",
                   st("P276", "wikibase-item", ItemRef("Bibliothèque de Nulle-Part")),
                   st("P131", "wikibase-item", ItemValue(ROUYN)), desc="festival")
    placed = row(4, "Salle placée", st("P131", "wikibase-item", ItemValue(ROUYN)), desc="salle")
    nowhere = row(5, "Salle sans lieu", st("P856", "url", StringValue("https://salle.example/")), desc="salle")
    existing = row(6, "Festival du cinéma international en Abitibi-Témiscamingue",
                   st("P131", "wikibase-item", ItemRef("Nulle-Part", MUNICIPALITY)),
                   st("P1329", "string", StringValue("+1-819-555-0177")), focus=None)
    plan = plan_of(tmp_path, [(None, library), (None, festival), (None, placed), (None, nowhere),
                              ("Q900261", existing)])
    assert [e.label for e in plan.edits] == ["Festival de la bibliothèque", "Salle placée", "Salle sans lieu",
                                             "Festival du cinéma international en Abitibi-Témiscamingue"]
    assert "P276" not in _claims(plan, "Festival de la bibliothèque")  # it pointed at the held creation
    assert "P131" not in _claims(plan, "Salle sans lieu")  # no place cell at all: not held by default
    [note] = [n for n in plan.notes if n["kind"] == "held"]
    assert note["row"] == 2 and note["missing"] == ["P131"] and "« Nulle-Part »" in note["text"]
    assert not [n for n in plan.notes if n["row"] == 2 and n["kind"] in ("unresolved", "description")]
    assert plan.meta["counts"]["held"] == 1
    write_batch(plan, tmp_path / "batch")
    md = (tmp_path / "batch" / "plan.md").read_text("utf-8")
    assert "## Retenus / held" in md and "Bibliothèque de Nulle-Part" in md and "1 ligne(s) retenue(s)" in md
    kinds = [json.loads(x)["kind"] for x in (tmp_path / "batch" / "notes.jsonl").read_text("utf-8").splitlines()]
    assert kinds.count("held") == 1


def test_required_for_creation_holds_an_empty_cell_and_can_turn_the_place_rule_off(tmp_path: Path) -> None:
    mapping = parse_mapping("entity: {label: {column: Nom}}\ncolumns:\n"
                            "  Ville: {property: P131, required_for_creation: false, item: {types: [Q900061]}}\n"
                            "  Site: {property: P856, required_for_creation: true}\n", "m.yaml")
    assert mapping.creation_requires() == ("P856",) and not mapping.holds_unresolved_place()
    options = PlanOptions(creation_requires=mapping.creation_requires(),
                          hold_unresolved_place=mapping.holds_unresolved_place())
    rows = [(None, row(2, "Sans site", st("P131", "wikibase-item", ItemRef("Nulle-Part")), desc="a")),
            (None, row(3, "Avec site", st("P856", "url", StringValue("https://a.example/")), desc="b"))]
    plan = plan_of(tmp_path, rows, options=options)
    assert [e.label for e in plan.edits] == ["Avec site"]
    [note] = [n for n in plan.notes if n["kind"] == "held"]
    assert note["row"] == 2 and note["missing"] == ["P856"] and "P856 vide" in note["fr"] and "P856 empty" in note["en"]
    assert note["text"] == f"{note['fr']} / {note['en']}"  # plan.md keeps both languages
    with pytest.raises(MappingError, match="required_for_creation"):
        parse_mapping("entity: {label: {column: Nom}}\ncolumns:\n  V: {property: P131, required_for_creation: 1}\n")


def test_rows_with_errors_are_held_even_when_reconciled(tmp_path: Path) -> None:
    bad = replace(row(2, "Mauvaise ligne", st("P131", "wikibase-item", ItemValue(ROUYN)), desc="x"),
                  issues=(Issue("error", "bad-checksum", "…", SourceRef("orgs.csv", None, 2, "ISNI"),
                                "0000 0000 8112 9174"),))
    plan = plan_of(tmp_path, [(None, bad), ("Q900261", row(3, "Festival", st("P1329", "string",
                                                                               StringValue("+1-819-555-0178"))))])
    assert [e.target for e in plan.edits] == ["Q900261"]
    [note] = [n for n in plan.notes if n["kind"] == "held"]
    assert note["reason"] == "invalid" and note["problems"] == ["bad-checksum"] and "ISNI" in note["text"]


def test_the_demo_creates_no_item_without_p131(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's own path (validate, map, reconcile, plan, approve, push on the example sheets): every
    creation of a sheet whose mapping has a municipality column (P131: organisations, places, festivals)
    has P131; the rows whose municipality stayed unresolved are held, and the push report says so.
    (People — the artists sheet — are located by birthplace and residence, not by P131.)"""
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "-o", str(out)])
    assert result.exit_code == 0, result.output[-3000:]
    creations, held = [], []
    for batch in sorted((out / "batches").iterdir()):
        if batch.name == "artistes":
            continue
        for line in (batch / "plan.jsonl").read_text("utf-8").splitlines():
            edit = json.loads(line)
            if edit["target"] is None:
                creations.append((edit["label"], {c["mainsnak"]["property"] for c in edit["data"]["claims"]}))
        mine = [json.loads(x) for x in (batch / "notes.jsonl").read_text("utf-8").splitlines()
                if json.loads(x)["kind"] == "held"]
        report = (batch / "push-report.md").read_text("utf-8")
        assert all(n["label"] in report for n in mine) and (("## Retenus / held" in report) == bool(mine))
        held += mine
    assert creations and all("P131" in props for _, props in creations), creations
    labels = {n["label"] for n in held}
    assert "Festival western de Senneterre" in labels  # a town and a parish of that name, nothing else said
    # settled by the project's home (the borough of Montréal is not on the focus list) and by the row's
    # coordinates (at the town's centre, not the parish's): created, with their P131
    created = dict(creations)
    assert "Nuit des arts de Ville-Marie" not in labels and "P131" in created["Nuit des arts de Ville-Marie"]
    assert "Bibliothèque de Senneterre" not in labels and "P131" in created["Bibliothèque de Senneterre"]
    assert all(n["missing"] == ["P131"] for n in held)
