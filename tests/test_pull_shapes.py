"""``wikiclub pull`` with the mapping shapes of real sheets: a label template, derived columns, hint
columns, a column of several identifier schemes, several tabs. The pulled sheet goes back with the same
mapping — validate, map, reconcile — and every row is found by its id, with nothing to change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import requests
from click.testing import CliRunner
from conftest import KB
from test_pull import SELECTION, read_xlsx
from test_report import FOCUS

from wikiclub.adapters.sparql import SparqlClient
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.batch.build import build_plan, read_reconciled
from wikiclub.cli import main
from wikiclub.reconcile.candidates import ApiSource
from wikiclub.reconcile.model import Decision
from wikiclub.reconcile.stage import reconcile_mapped
from wikiclub.report.pull import LABEL_SUFFIX, build_rows, pull
from wikiclub.report.spec import Selection
from wikiclub.sheets.mapping import load_mapping, parse_mapping
from wikiclub.sheets.properties import PropertyCatalog
from wikiclub.sheets.templates import fill, split_by_template, whole_text_cells
from wikiclub.sheets.validate import read_records, validate_sheet, write_records

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = """version: 1
options: {language: fr}
entity:
  label: {template: "{Prénom} {Nom}", language: fr}
  id: QID
  instance_of: [Q5]
  match: {types: [Q5]}
columns:
  Identifiants: {split: ";", schemes: {ISNI: P213, VIAF: P214}}
  Naissance: {property: P569}
  Ville natale: {property: P19, item: {types: [Q900061, Q900060]}}
  Région: {use: region, scopes: [Ville natale], values: {Abitibi-Témiscamingue: Q900126, Nord-du-Québec: Q900127}}
"""
PEOPLE_SELECTION = Selection(SELECTION.regions, SELECTION.focus_item, "?item wdt:P31 wd:Q5 .")  # the sample's people


@pytest.fixture(scope="module")
def clients(kb_sandbox: Any) -> tuple[SparqlClient, WikibaseClient]:
    return SparqlClient(kb_sandbox.sparql_url, requests.Session()), WikibaseClient(kb_sandbox.api_url,
                                                                                   requests.Session())


@pytest.mark.parametrize(("template", "text", "split", "whole"), [
    ("{Prénom} {Nom}", "Irène Caouette", {"Prénom": "Irène", "Nom": "Caouette"}, True),
    ("{Prénom} {Nom}", "Jean Paul Riopelle", None, True),        # two ways to split: not guessed
    ("{Nom}, {Prénom}", "Brassard, Odile", {"Nom": "Brassard", "Prénom": "Odile"}, True),
    ("Salle {Nom}", "Salle Mirabeau", {"Nom": "Mirabeau"}, False),  # « Salle Salle Mirabeau » is not it
    ("Salle {Nom}", "Théâtre Mirabeau", None, False),
])
def test_a_template_read_backwards(template: str, text: str, split: dict[str, str] | None, whole: bool) -> None:
    assert split_by_template(template, text) == split
    assert (whole_text_cells(template, text) is not None) == whole
    for cells in (split, whole_text_cells(template, text)):
        if cells is not None:
            assert fill(template, cells) == text  # what map computes from the cells: the text itself


def _round_trip(mapping_text: str, sheet: Path, client: WikibaseClient, tmp_path: Path, *,
                tab: str | None = None) -> tuple[list[Any], list[Any], Any]:
    """validate → map (records file) → reconcile → plan, as the commands run them."""
    mapping = parse_mapping(mapping_text, str(tmp_path / "m.yaml"))
    validation = validate_sheet(sheet, mapping, PropertyCatalog.from_dump(KB), sheet=tab,
                                allow_bad_checksums=True)
    rows = list(validation.result.rows)
    errors = [i for i in validation.result.all_issues if i.severity == "error"]
    assert not errors, errors[:3]
    write_records(tmp_path / "records.jsonl", rows)
    rows = list(read_records(tmp_path / "records.jsonl"))
    results = reconcile_mapped(rows, ApiSource(client))
    reconciled = tmp_path / "reconciled.jsonl"
    reconciled.write_text("".join(json.dumps({"target": r.entity.qid, "decision": r.entity.decision.value,
                                              "record": row.to_json()}, ensure_ascii=False) + "\n"
                                  for r, row in zip(results, rows, strict=True)), "utf-8")
    plan = build_plan(read_reconciled(reconciled), client, site={"name": "sandbox", "api_url": "http://sandbox"},
                      batch_id="round-trip")
    return rows, results, plan


def test_a_label_template_and_identifier_schemes_come_back(clients: Any, tmp_path: Path) -> None:
    sheet = tmp_path / "gens.xlsx"
    result = pull(parse_mapping(PEOPLE, "gens.yaml"), PEOPLE_SELECTION, *clients, sheet)
    assert "{Prénom} {Nom}" not in result.columns  # never a column named after a template
    assert list(result.columns[:3]) == ["QID", "Prénom", "Nom"] and "Région" in result.columns
    pulled = {r["QID"]: r for r in read_xlsx(sheet)}
    assert len(pulled) == result.items >= 5
    client = clients[1]
    entities = client.get_entities(list(pulled))
    for qid, row in pulled.items():
        label = entities[qid]["labels"]["fr"]["value"]
        assert fill("{Prénom} {Nom}", row) == label  # the label comes back as it is
        if len(label.split()) == 2:  # one way to split it
            assert [row["Prénom"], row["Nom"]] == label.split()
        else:  # the whole label in « Nom », « Prénom » empty: not guessed
            assert (row["Prénom"], row["Nom"]) == ("", label)
        ids = [f"ISNI {c['mainsnak']['datavalue']['value']}" for c in entities[qid]["claims"].get("P213", [])]
        ids += [f"VIAF {c['mainsnak']['datavalue']['value']}" for c in entities[qid]["claims"].get("P214", [])]
        assert row["Identifiants"] == "; ".join(ids)  # each value with its scheme word
        assert row["Région"] == ""  # a hint, kept empty
    assert any(r["Identifiants"].startswith("VIAF") or "; VIAF" in r["Identifiants"] for r in pulled.values())
    whole = [q for q, r in pulled.items() if not r["Prénom"]]
    assert whole and any(f"{len(whole)} libellé(s)" in n and "« Nom »" in n for n in result.notes)
    assert any("Région" in n and "indice" in n for n in result.notes)

    rows, results, plan = _round_trip(PEOPLE, sheet, client, tmp_path)
    assert [r.item_id for r in rows] == list(pulled)
    assert all(r.entity.decision == Decision.MATCH for r in results)
    assert [r.entity.qid for r in results] == list(pulled)  # every item found by its id
    assert plan.empty, [e for e in plan.edits][:3]  # labels, identifiers: nothing to change


def test_the_venue_example_comes_back_from_one_tab(clients: Any, tmp_path: Path) -> None:
    path = ROOT / "mappings" / "salles.yaml"
    mapping = load_mapping(path)
    sheet = tmp_path / "salles.xlsx"
    result = pull(mapping, SELECTION, *clients, sheet)
    wb = openpyxl.load_workbook(sheet)
    assert wb.sheetnames == ["Salles"]  # one tab, named after the first of sheet.names
    wb.close()
    header = list(result.columns)
    # Municipalité is computed from Adresse when the sheet comes back: not a column (it would be hidden)
    assert "Municipalité" not in header and "Adresse" in header and "Municipalité" + LABEL_SUFFIX in header
    assert "Région" in header and "Catégorie" in header
    rows = read_xlsx(sheet)
    assert len(rows) == result.items >= 10
    assert all(r["Région"] == "" for r in rows)
    assert any(r["Catégorie"] == "Salle de spectacle" for r in rows)  # the word as written in the YAML
    assert all(r["Municipalité" + LABEL_SUFFIX] for r in rows)  # the item's P131, to read
    notes = "\n".join(result.notes)
    assert '--sheet "Salles"' in notes and "« Municipalité » est calculée depuis « Adresse »" in notes

    rows_back, results, plan = _round_trip(path.read_text("utf-8"), sheet, clients[1], tmp_path, tab="Salles")
    assert [r.entity.qid for r in results] == [r["QID"] for r in rows] and all(
        r.entity.decision == Decision.MATCH for r in results)
    assert plan.empty, [e for e in plan.edits][:3]


def test_the_same_mapping_without_the_tab_says_which_tab_is_missing(clients: Any, tmp_path: Path) -> None:
    sheet = tmp_path / "salles.xlsx"
    pull(load_mapping(ROOT / "mappings" / "salles.yaml"), SELECTION, *clients, sheet)
    res = CliRunner().invoke(main, ["validate", str(sheet), "-m", str(ROOT / "mappings" / "salles.yaml"),
                                    "--properties", str(KB)])
    assert res.exit_code != 0 and "Autres lieux" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(main, ["validate", str(sheet), "-m", str(ROOT / "mappings" / "salles.yaml"),
                                    "--sheet", "Salles", "--properties", str(KB)])
    assert res.exit_code == 0, res.output


def test_a_column_feeding_a_statement_and_a_hint_keeps_its_words() -> None:
    """« Catégorie » is a category hint and instance_of: the hint does not empty the words."""
    mapping = load_mapping(ROOT / "mappings" / "salles.yaml")
    p31 = {"mainsnak": {"snaktype": "value", "property": "P31", "datavalue": {
        "type": "wikibase-entityid", "value": {"entity-type": "item", "id": "Q900054"}}}, "rank": "normal"}
    header, rows, _ = build_rows(mapping, [{"id": "Q1", "labels": {"fr": {"language": "fr", "value": "X"}},
                                            "claims": {"P31": [p31]}}], {})
    assert dict(zip(header, rows[0], strict=True))["Catégorie"] == "Théâtre"


def test_cli_pull_prints_the_notes(kb_sandbox: Any, tmp_path: Path) -> None:
    (tmp_path / "wikiclub.toml").write_text(
        f'[wikiclub]\nsite = "{kb_sandbox.site}"\n[project]\nfocus_item = "{FOCUS}"\n'
        f'regions = ["Q176", "Q1904"]\nquery = "?item wdt:P31 wd:Q5 ."\n', "utf-8")
    (tmp_path / "gens.yaml").write_text(PEOPLE, "utf-8")
    res = CliRunner().invoke(main, ["pull", "--config", str(tmp_path / "wikiclub.toml"), "--mapping",
                                    str(tmp_path / "gens.yaml"), "-o", str(tmp_path / "gens.csv")])
    assert res.exit_code == 0, res.output
    assert "« {Prénom} {Nom} »" in res.output and "indice" in res.output
    assert (tmp_path / "gens.csv").read_text("utf-8-sig").splitlines()[0].startswith("QID,Prénom,Nom,Identifiants")


def test_an_alias_template_over_the_labels_columns_needs_nothing_more() -> None:
    """« {Nom}, {Prénom} » as alias: the label already filled its columns; no note, no second guess."""
    text = PEOPLE.replace('  label: {template: "{Prénom} {Nom}", language: fr}\n',
                          '  label: {template: "{Prénom} {Nom}", language: fr}\n'
                          '  aliases: [{template: "{Nom}, {Prénom}", language: fr}]\n')
    entity = {"id": "Q1", "labels": {"fr": {"language": "fr", "value": "Odile Brassard"}},
              "aliases": {"fr": [{"language": "fr", "value": "Brassard, Odile"}]}, "claims": {}}
    header, rows, notes = build_rows(parse_mapping(text, "gens.yaml"), [entity], {})
    row = dict(zip(header, rows[0], strict=True))
    assert (row["Prénom"], row["Nom"]) == ("Odile", "Brassard") and "{Nom}, {Prénom}" not in header
    assert not [n for n in notes if "libellé" in n]


def test_a_label_the_template_cannot_give_back_is_said() -> None:
    """« Salle {Nom} » and an item labelled « Théâtre Mirabeau »: no cell gives that label back; the
    columns stay empty and the note says the rows need them (never a made-up split)."""
    text = "entity:\n  label: {template: \"Salle {Nom}\", language: fr}\n  instance_of: [Q900053]\ncolumns: {}\n"
    entities = [{"id": "Q1", "labels": {"fr": {"language": "fr", "value": "Théâtre Mirabeau"}}},
                {"id": "Q2", "labels": {"fr": {"language": "fr", "value": "Salle Gagnon"}}}]
    header, rows, notes = build_rows(parse_mapping(text, "s.yaml"), entities, {})
    assert header == ["QID", "Nom"] and rows == [["Q1", ""], ["Q2", "Gagnon"]]
    assert [n for n in notes if "1 libellé(s) ne se lisent pas" in n and "remplissez" in n]
