"""The OpenRefine service with the mapping shapes of real sheets: a query is built into the row ``map``
would read — a label template filled from the query text (and the template's columns the query sends),
an address from which the municipality is extracted, hint columns (region, category) and identifier
schemes sent as query properties. Through the library and through the Flask endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_serve import check

from wikiclub.adapters.index import LocalIndex, build_from_dump
from wikiclub.config import BUILTIN_SITES
from wikiclub.model import ItemRef, StringValue
from wikiclub.reconcile.candidates import IndexSource
from wikiclub.reconcile.serve import ReconService, build_service, site_info
from wikiclub.reconcile.serve_query import Limits, parse_query
from wikiclub.sheets.mapping import load_mapping, parse_mapping
from wikiclub.sheets.properties import PropertyCatalog
from wikiclub.web.reconcile import create_app

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "tests" / "data" / "kb.jsonl"
PEOPLE = """version: 1
options: {language: fr}
entity:
  label: {template: "{Prénom} {Nom}", language: fr}
  instance_of: [Q5]
  match: {types: [Q5]}
columns:
  Identifiants: {split: ";", schemes: {ISNI: P213, VIAF: P214}}
  Ville natale: {property: P19, item: {types: [Q900061, Q900060]}}
"""
TOWN = ("Q900061", "Q900060")
ADDRESS = "12, rue Principale Sud, Amos (Québec) J9T 2J4"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReconService]:
    path = tmp_path_factory.mktemp("serve-shapes") / "kb.sqlite"
    build_from_dump(KB, path)
    mappings = [parse_mapping(PEOPLE, "gens.yaml"), load_mapping(ROOT / "mappings" / "salles.yaml")]
    with LocalIndex(path) as index:
        yield build_service(IndexSource(index), site_info(BUILTIN_SITES["sandbox"]), mappings,
                            PropertyCatalog.from_dump(KB))


def row_of(service: ReconService, raw: dict[str, Any]) -> Any:
    q = parse_query("q0", raw, Limits())
    return service.translator.mapped_row(q, 1, service.translator.profile_for(q.types))[0]


def values(row: Any, pid: str) -> list[Any]:
    return [s.mainsnak.value for s in row.statements if s.property == pid]


def test_a_label_template_gets_the_query_text(service: ReconService) -> None:
    row = row_of(service, {"query": "Claire Dubé", "type": "Q5"})
    assert row.labels == (("fr", "Claire Dubé"),)  # not under the template's name, not empty
    assert ("Prénom", "Claire") in row.cells and ("Nom", "Dubé") in row.cells
    # the reconciled column is « Nom », « Prénom » sent as a property named after the column
    row = row_of(service, {"query": "Dubé", "type": "Q5", "properties": [{"pid": "prénom", "v": "Claire"}]})
    assert row.labels == (("fr", "Claire Dubé"),)
    # a name that splits several ways: the whole name, not a guess
    row = row_of(service, {"query": "William Randolph Hearst", "type": "Q5"})
    assert row.labels == (("fr", "William Randolph Hearst"),) and ("Nom", "William Randolph Hearst") in row.cells


def test_identifier_schemes_as_query_properties(service: ReconService) -> None:
    row = row_of(service, {"query": "Claire Dubé", "type": "Q5", "properties": [
        {"pid": "P214", "v": "284736195"}, {"pid": "P213", "v": "0000 0004 6612 8349"}]})
    assert values(row, "P214") == [StringValue("284736195")]
    assert values(row, "P213") == [StringValue("0000 0004 6612 8349")]
    assert row.valid, row.issues  # each value with its scheme word: never « which identifier? »


def test_address_region_and_category_build_the_row_as_map(service: ReconService) -> None:
    row = row_of(service, {"query": "Le Quai des Glaces", "type": "Q900052", "properties": [
        {"pid": "P6375", "v": ADDRESS}, {"pid": "Région", "v": "Abitibi-Témiscamingue"},
        {"pid": "catégorie", "v": "Salle de spectacle"}]})
    assert values(row, "P131") == [ItemRef("Amos", TOWN, ("Q900126",))]  # extracted, scoped by the region
    assert row.match.hints == ("Q900053",) and row.instance_of == ("Q900053",)  # a type hint, and P31
    assert {s.property for s in row.statements} == {"P6375", "P131"}  # hints are never statements
    # the municipality sent itself (P131) wins over the extraction; a reconciled region is its item
    row = row_of(service, {"query": "La Grange à palabres", "type": "Q900052", "properties": [
        {"pid": "P131", "v": "Ville-Marie"}, {"pid": "Région", "v": {"id": "Q900127", "name": "Nord-du-Québec"}}]})
    assert values(row, "P131") == [ItemRef("Ville-Marie", TOWN, ("Q900127",))]


def test_the_service_decides_with_them(service: ReconService) -> None:
    answer = service.handle("", {"queries": json.dumps({
        "a": {"query": "Claire Dubé", "type": "Q5", "properties": [{"pid": "P214", "v": "284736195"}]},
        "b": {"query": "Claire Dubé", "type": "Q5", "properties": [{"pid": "P213", "v": "0000 0004 6612 8349"}]},
        "c": {"query": "Théâtre des Eskers", "type": "Q900052", "properties": [
            {"pid": "P6375", "v": "641, 1re Rue Ouest, Amos (Québec) J9T 2K5"}, {"pid": "Catégorie", "v": "Théâtre"}]},
    })}, "http://127.0.0.1:8766/reconcile")
    out = check("reconciliation-result-batch", answer.payload)
    matched = {k: [c["id"] for c in v["result"] if c["match"]] for k, v in out.items()}
    assert matched == {"a": ["Q900519"], "b": ["Q900520"], "c": ["Q900286"]}
    features = {f["id"] for f in out["c"]["result"][0]["features"]}
    assert any(f.startswith("place") or f.startswith("type") for f in features), features


def test_through_the_flask_endpoint(service: ReconService) -> None:
    http = create_app(service).test_client()
    headers = {"Host": "127.0.0.1:8766"}
    queries = {"q0": {"query": "Dubé", "type": "Q5", "type_strict": "should",
                      "properties": [{"pid": "Prénom", "v": "Claire"}, {"pid": "P214", "v": "284736195"}]}}
    got = http.post("/reconcile", data={"queries": json.dumps(check("reconciliation-query-batch", queries))},
                    headers=headers)
    result = check("reconciliation-result-batch", got.get_json())["q0"]
    assert [c["id"] for c in result["result"] if c["match"]] == ["Q900519"]
    assert result["result"][0]["name"] == "Claire Dubé"
    # the hint columns and a template's columns are offered by the property suggest, by their title
    props = check("suggest-properties-response", http.get("/reconcile/suggest/property?prefix=r%C3%A9g",
                                                            headers=headers).get_json())
    assert {"Région"} <= {p["id"] for p in props["result"]}
    props = http.get("/reconcile/suggest/property?prefix=pr", headers=headers).get_json()
    assert "Prénom" in {p["id"] for p in props["result"]}


def test_a_text_the_template_cannot_hold_is_the_label_itself() -> None:
    """« Salle {Nom} » and the query « Théâtre Mirabeau »: no cell gives it, so the text is the name."""
    from wikiclub.reconcile.serve_query import Translator, profiles_from_mappings

    mapping = parse_mapping("entity:\n  label: {template: \"Salle {Nom}\", language: fr}\n  instance_of: [Q900053]\n"
                            "columns: {}\n", "s.yaml")
    catalog = PropertyCatalog.from_dump(KB)
    translator = Translator(profiles_from_mappings([mapping]), lambda pids: catalog)
    for text, label, nom in (("Théâtre Mirabeau", "Théâtre Mirabeau", None), ("Salle Gagnon", "Salle Gagnon", "Gagnon")):
        q = parse_query("q0", {"query": text, "type": "Q900053"}, Limits())
        row = translator.mapped_row(q, 1, translator.profile_for(q.types))[0]
        assert row.labels == (("fr", label),)
        assert dict(row.cells).get("Nom") == nom
