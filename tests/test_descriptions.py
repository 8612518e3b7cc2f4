"""Description templates that name an item column (« organisme culturel à {Municipalité} »): the
placeholder is the label of the item the cell resolves to, never the cell's text ("R-N", "Q900141").

Mapped rows carry a draft (model + rowmap), ``plan`` fills it from its one batched read (pure rules
tested on an in-memory reader), and the whole path — map, reconcile, review, plan, push — lands
"organisme culturel à Rouyn-Noranda" on the created items of a sandbox.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from test_plan import KbReader, plan_of

from wikiclub.model import (
    DescriptionDraft,
    ItemRef,
    ItemSlot,
    ItemValue,
    MappedRow,
    SourceRef,
)
from wikiclub.sheets.mapping import load_mapping, parse_mapping
from wikiclub.sheets.properties import PropertyCatalog
from wikiclub.sheets.validate import validate_sheet

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "tests" / "data" / "kb.jsonl"
ORGS = ROOT / "mappings" / "organismes-culturels.yaml"
ROUYN = "Q900141"  # Rouyn-Noranda in kb.jsonl
HEADER = ["Nom de l'organisme", "Type", "Municipalité", "Site web", "Courriel", "Téléphone", "Facebook",
          "Fondé en", "ISNI", "Notes"]
REF = ItemRef("R-N", ("Q900061", "Q900060"), ("Q176", "Q1904"))


@pytest.fixture(scope="module")
def catalog() -> PropertyCatalog:
    return PropertyCatalog.from_dump(KB)


def sheet(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, HEADER)
        w.writeheader()
        w.writerows(rows)
    return path


def mapped(tmp: Path, catalog: PropertyCatalog, rows: list[dict[str, str]], mapping: Any = None) -> list[MappedRow]:
    result = validate_sheet(sheet(tmp / "orgs.csv", rows), mapping or load_mapping(ORGS), catalog,
                            today=dt.date(2024, 5, 1)).result
    return list(result.rows)


def draft_row(n: int, label: str, *values: ItemValue | ItemRef, template: str = "organisme culturel à ",
              language: str = "fr", text: str = "R-N") -> MappedRow:
    return MappedRow(SourceRef("t.csv", None, n), (("fr", label),), focus_list=None,
                     description_drafts=(DescriptionDraft(language, (template, ItemSlot("Municipalité", text,
                                                                                         values))),))


def descriptions(plan: Any) -> dict[str, str]:
    return {e.label: e.data.get("descriptions", {}).get("fr", {}).get("value") for e in plan.edits}


# --------------------------------------------------------------------------------------------- mapping


def test_item_placeholders_become_drafts_text_placeholders_stay_filled(tmp_path: Path, catalog: PropertyCatalog
                                                                       ) -> None:
    text = ORGS.read_text("utf-8").replace('fr: "organisme culturel {à Municipalité}"',
                                           'fr: "organisme culturel {à Municipalité}"\n    en: "{Notes}"')
    (tmp_path / "m.yaml").write_text(text, "utf-8")
    rows = mapped(tmp_path, catalog, [
        {"Nom de l'organisme": "Atelier A", "Municipalité": "R-N", "Notes": "arts {visuels}"},
        {"Nom de l'organisme": "Atelier B", "Municipalité": ROUYN},
        {"Nom de l'organisme": "Atelier C", "Notes": "sans municipalité"},
    ], load_mapping(tmp_path / "m.yaml"))
    a, b, c = rows
    # a text placeholder is filled at mapping time, as typed (braces in the cell included)
    assert a.descriptions == (("en", "arts {visuels}"),)
    # « {à Municipalité} »: the slot carries its preposition (french.py elides or contracts each name)
    assert a.description_drafts == (DescriptionDraft("fr", ("organisme culturel ", ItemSlot("Municipalité", "R-N",
                                                                                            (REF,), "à"))),)
    assert b.descriptions == () and b.description_drafts == (DescriptionDraft(
        "fr", ("organisme culturel ", ItemSlot("Municipalité", ROUYN, (ItemValue(ROUYN),), "à"))),)
    assert c.descriptions == (("en", "sans municipalité"),) and c.description_drafts == ()  # empty cell: none
    # JSON: drafts survive a records.jsonl; a row without drafts keeps its exact former JSON
    assert MappedRow.from_json(json.loads(json.dumps(a.to_json()))) == a
    assert "description_drafts" not in c.to_json()


def test_vocabulary_and_split_item_columns_are_named_by_label(tmp_path: Path, catalog: PropertyCatalog) -> None:
    mapping = parse_mapping("""
version: 1
options: {language: fr}
entity:
  label: {column: Nom, language: fr}
  description: {fr: "{Genre} à {Municipalité}"}
columns:
  Municipalité: {property: P131, split: ";"}
  Genre: {property: P101, values: {Cinéma: Q900106}, on_unknown: warn}
""", "m.yaml")
    header = ["Nom", "Municipalité", "Genre"]
    with (tmp_path / "s.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, ["Ciné A", f"{ROUYN}; Q900142", "cinéma"], ["Ciné B", ROUYN, "Autre"]])
    a, b = validate_sheet(tmp_path / "s.csv", mapping, catalog).result.rows
    [draft] = a.description_drafts
    assert [s.values for s in draft.slots()] == [(ItemValue("Q900106"),), (ItemValue(ROUYN), ItemValue("Q900142"))]
    [draft_b] = b.description_drafts
    assert next(draft_b.slots()).values == ()  # an unknown word: no item to name
    reader = KbReader()
    plan = plan_of(tmp_path, [(None, a), (None, b)], reader)
    labels = {q: reader.entities[q]["labels"]["fr"]["value"] for q in ("Q900106", ROUYN, "Q900142")}
    assert descriptions(plan) == {"Ciné A": f"{labels['Q900106']} à {labels[ROUYN]}, {labels['Q900142']}",
                                  "Ciné B": None}
    [note] = [n for n in plan.notes if n["kind"] == "description"]
    assert note["row"] == 3 and note["unnamed"] == ["Autre"]


# --------------------------------------------------------------------------------------------- plan (pure)


def test_plan_names_items_by_label_in_one_batched_read(tmp_path: Path) -> None:
    reader = KbReader()
    rows = [(None, draft_row(2, "Atelier A", ItemValue(ROUYN))),
            (None, draft_row(3, "Atelier B", ItemValue(ROUYN), text=ROUYN)),
            ("Q900261", draft_row(4, "Existant", ItemValue("Q900142")))]
    plan = plan_of(tmp_path, rows, reader)
    got = descriptions(plan)
    assert got["Atelier A"] == got["Atelier B"] == "organisme culturel à Rouyn-Noranda"
    # one get_entities for targets, items to name and properties: never one request per row
    [get] = [ids for kind, ids in reader.calls if kind == "get"]
    assert {"Q900261", ROUYN, "Q900142", "P31"} <= set(get) and get.count(ROUYN) == 1


def test_mul_label_missing_label_and_unresolved_cells(tmp_path: Path) -> None:
    extra = {"Q990001": {"type": "item", "id": "Q990001", "labels": {"mul": {"language": "mul", "value": "Kapuskasing"}},
                         "claims": {}},
             "Q990002": {"type": "item", "id": "Q990002", "labels": {"en": {"language": "en", "value": "Nowhere"}},
                         "claims": {}}}
    reader = KbReader(extra)
    plan = plan_of(tmp_path, [(None, draft_row(2, "A", ItemValue("Q990001"))),
                              (None, draft_row(3, "B", ItemValue("Q990002"))),
                              (None, draft_row(4, "C", REF)),
                              (None, draft_row(5, "D", ItemValue("Q990099")))], reader)
    got = descriptions(plan)
    assert got["A"] == "organisme culturel à Kapuskasing"  # the label "for all languages"
    assert got["B"] is got["C"] is got["D"] is None  # left out: never « à Q990002 » nor « à R-N »
    notes = {n["row"]: n for n in plan.notes if n["kind"] == "description"}
    assert {r: n["unnamed"] for r, n in notes.items()} == {3: ["Q990002"], 4: ["R-N"], 5: ["Q990099"]}
    assert all(n["language"] == "fr" and "left out" in n["text"] for n in notes.values())


def test_a_cell_naming_a_creation_of_the_batch_uses_its_label(tmp_path: Path) -> None:
    salle = MappedRow(SourceRef("t.csv", None, 2), (("fr", "Salle Test du Nord"),),
                      aliases=(("fr", "STN"),))
    ref = ItemRef("STN", ("Q900049",))
    plan = plan_of(tmp_path, [(None, salle), (None, draft_row(3, "Festival X", ref, template="festival à ",
                                                                text="STN"))])
    assert descriptions(plan)["Festival X"] == "festival à Salle Test du Nord"


def test_too_long_is_left_out_and_an_existing_description_is_not_reported(tmp_path: Path) -> None:
    reader = KbReader()
    long_row = draft_row(2, "Long", ItemValue(ROUYN), template="x" * 240)
    described = "Q900261"
    assert reader.entities[described]["descriptions"]["fr"]  # the item has a description: no note for it
    plan = plan_of(tmp_path, [(None, long_row), (described, draft_row(3, "Existant", REF))], reader)
    assert descriptions(plan)["Long"] is None
    [note] = [n for n in plan.notes if n["kind"] == "description"]
    assert note["row"] == 2 and "too long" in note["text"]


def test_old_records_without_drafts_plan_as_before(tmp_path: Path) -> None:
    """records.jsonl written before drafts existed: the description is taken as written."""
    old = {"source": {"file": "o.csv", "sheet": None, "row": 7, "column": None},
           "labels": [{"language": "fr", "value": "Vieil atelier"}],
           "descriptions": [{"language": "fr", "value": "organisme culturel à Rouyn-Noranda"}],
           "aliases": [], "statements": [], "instance_of": ["Q43229"], "match": {"types": [], "within": []},
           "focus_list": None, "issues": [], "cells": {}}
    row = MappedRow.from_json(old)
    assert row.description_drafts == () and row.to_json() == old
    plan = plan_of(tmp_path, [(None, row)])
    assert descriptions(plan) == {"Vieil atelier": "organisme culturel à Rouyn-Noranda"}


def test_equal_filled_descriptions_make_one_creation(tmp_path: Path) -> None:
    """"R-N" and "Rouyn-Noranda" used to give two descriptions; once named alike, the two rows with the
    same label are one creation (Wikibase would refuse the second)."""
    plan = plan_of(tmp_path, [(None, draft_row(2, "Atelier Z", ItemValue(ROUYN), text="R-N")),
                              (None, draft_row(3, "Atelier Z", ItemValue(ROUYN), text="Rouyn-Noranda"))])
    [edit] = plan.edits
    assert edit.creation and [p["source"]["row"] for p in edit.provenance] == [2, 3]


# --------------------------------------------------------------------------------------------- sandbox


def test_r_n_and_qid_cells_land_as_the_label_through_review_plan_and_push(kb_sandbox: Any, catalog: PropertyCatalog,
                                                                         tmp_path: Path) -> None:
    from wikiclub.adapters.http import make_session
    from wikiclub.adapters.wikibase import WikibaseClient
    from wikiclub.batch.approve import approve
    from wikiclub.batch.build import build_plan, read_reconciled
    from wikiclub.batch.folder import write_batch
    from wikiclub.batch.push import PushOptions, push_plan
    from wikiclub.config import load_settings
    from wikiclub.credentials import Credentials
    from wikiclub.reconcile.apply import apply_review
    from wikiclub.reconcile.candidates import ApiSource
    from wikiclub.reconcile.stage import reconcile_mapped, write_outputs

    settings = load_settings({"site": kb_sandbox.api_url, "throttle": 0}, env={})
    c = WikibaseClient.from_settings(settings, make_session(settings))
    rows = mapped(tmp_path, catalog, [
        {"Nom de l'organisme": "Atelier de vitrail Zéphyr", "Type": "Collectif", "Municipalité": "R-N"},
        {"Nom de l'organisme": "Chorale des Quarante-Six", "Type": "Collectif", "Municipalité": ROUYN},
    ])
    review = tmp_path / "review.csv"
    write_outputs(review, rows, reconcile_mapped(rows, ApiSource(c)), item_url=lambda q: "http://127.0.0.1/wiki/" + q)
    with review.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    head = table[0]
    for line in table[1:]:
        assert line[head.index("décision machine")] == "NEW", line
        if "Municipalité → QID" in head and line[head.index("nom / name")].startswith("Atelier"):
            line[head.index("Municipalité → QID")] = ROUYN  # what a reviewer types for « R-N »
    with review.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(table)
    apply_review(review, tmp_path / "records.jsonl")
    records = read_reconciled(tmp_path / "records.jsonl")
    assert all(r.row.description_drafts for r in records)

    c.login(Credentials(kb_sandbox.admin.name, kb_sandbox.admin.password, "test"))
    site = {"name": "sb", "api_url": c.api_url}
    plan = build_plan(records, c, site=site, batch_id="descriptions")
    batch = write_batch(plan, tmp_path / "batch")
    approve(batch, "User:Test")
    report = push_plan(batch, c, PushOptions())
    assert report.ok and len(report.created) == 2
    for created in report.created:
        entity = c.get_entities([created["qid"]])[created["qid"]]
        assert entity["descriptions"]["fr"]["value"] == "organisme culturel à Rouyn-Noranda"
        assert [s["mainsnak"]["datavalue"]["value"]["id"] for s in entity["claims"]["P131"]] == [ROUYN]
    again = build_plan(read_reconciled(tmp_path / "records.jsonl"), c, site=site, batch_id="descriptions-2")
    assert again.empty, [e.changes for e in again.edits]  # the created items are found: nothing to do
