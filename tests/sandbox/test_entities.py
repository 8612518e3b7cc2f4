"""Entity logic without HTTP: Wikibase-exact hashes against every hash in the recorded fixtures,
value normalisation, the baserevid diff/patch, merging, and search normalisation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import FIXTURES

from wikiclub.sandbox.datavalues import (
    ValueProblem,
    normalise_decimal,
    read_value,
    reference_hash,
    snak_hash,
)
from wikiclub.sandbox.entities import diff_entities, merge_items, patch_entity
from wikiclub.sandbox.entitystore import norm, words
from wikiclub.sandbox.languages import fallback_chain, is_known_language


def _recorded_bodies() -> list[Any]:
    bodies = [json.loads(p.read_text(encoding="utf-8"))["response"]
              for p in sorted((FIXTURES / "wikibase-api").glob("*.json"))]
    for p in sorted((FIXTURES / "client-sessions").glob("*.jsonl")):
        bodies += [json.loads(line)["response"]["body"] for line in p.read_text(encoding="utf-8").splitlines()]
    return [b for b in bodies if b]


def _walk(obj: Any, snaks: list[dict[str, Any]], refs: list[dict[str, Any]]) -> None:
    if isinstance(obj, dict):
        if "snaktype" in obj and "hash" in obj:
            snaks.append(obj)
        if "snaks" in obj and "hash" in obj:
            refs.append(obj)
        for v in obj.values():
            _walk(v, snaks, refs)
    elif isinstance(obj, list):
        for v in obj:
            _walk(v, snaks, refs)


def test_every_recorded_snak_and_reference_hash_is_reproduced() -> None:
    snaks: list[dict[str, Any]] = []
    refs: list[dict[str, Any]] = []
    for body in _recorded_bodies():
        _walk(body, snaks, refs)
    assert len(snaks) > 150 and len(refs) > 20
    for s in snaks:
        assert snak_hash(s) == s["hash"], s
    for r in refs:
        assert reference_hash([s["hash"] for g in r["snaks"].values() for s in g]) == r["hash"]


def test_value_normalisation() -> None:
    t = read_value({"time": "+00000001999-12-31T00:00:00Z", "precision": 11, "after": 0, "before": 0,
                    "timezone": 0, "calendarmodel": "http://www.wikidata.org/entity/Q1985727"}, "time")
    assert t["time"] == "+1999-12-31T00:00:00Z" and list(t) == ["time", "timezone", "before", "after",
                                                                "precision", "calendarmodel"]
    assert read_value({"amount": "42", "unit": "1", "upperBound": None, "lowerBound": None},
                      "quantity") == {"amount": "+42", "unit": "1"}
    assert normalise_decimal("-0.50") == "-0.50" and normalise_decimal("007") == "+7"
    assert normalise_decimal("-0") == "+0"
    g = read_value({"latitude": 52.2, "longitude": 0.1167, "precision": 0.0001}, "globecoordinate")
    assert g["altitude"] is None and g["globe"] == "http://www.wikidata.org/entity/Q2"
    assert read_value({"entity-type": "item", "numeric-id": 5}, "wikibase-entityid")["id"] == "Q5"
    for bad, vtype in [({"time": "1952-03-11"}, "time"), ({"amount": "abc"}, "quantity"), ("Q1", "wikibase-entityid"),
                       ({"amount": "+5", "upperBound": "+4", "lowerBound": "+3"}, "quantity"), (5, "string")]:
        with pytest.raises(ValueProblem):
            read_value(bad, vtype)


def _item(**labels: str) -> dict[str, Any]:
    return {"type": "item", "id": "Q1", "labels": {k: {"language": k, "value": v} for k, v in labels.items()},
            "descriptions": {}, "aliases": {}, "claims": {}, "sitelinks": {}}


def test_patch_applies_non_overlapping_changes_and_counts_conflicts() -> None:
    base = _item(en="A")
    current = _item(en="A (writer)")
    wanted = _item(en="A", de="B")
    patched, conflicts = patch_entity(current, diff_entities(base, wanted))
    assert conflicts == 0 and patched["labels"]["en"]["value"] == "A (writer)"
    assert patched["labels"]["de"]["value"] == "B"
    _, conflicts = patch_entity(current, diff_entities(base, _item(en="C")))
    assert conflicts == 1


def test_merge_moves_terms_and_reports_description_conflicts() -> None:
    src = _item(en="merge source")
    dst = _item(fr="cible")
    merged, conflicts = merge_items(src, dst)
    assert conflicts == [] and merged["labels"]["en"]["value"] == "merge source"
    src["descriptions"] = {"en": {"language": "en", "value": "one"}}
    dst["descriptions"] = {"en": {"language": "en", "value": "two"}}
    assert merge_items(src, dst)[1] == ["Conflicting descriptions for language en"]


def test_search_normalisation_and_languages() -> None:
    assert norm("  Évêché   de ROUYN ") == "eveche de rouyn"
    assert words("Rouyn-Noranda (ville)") == ["rouyn", "noranda", "ville"]
    assert is_known_language("fr") and not is_known_language("fr-ca") and not is_known_language("xx-bogus")
    assert fallback_chain("de-at")[:2] == ["de-at", "de"] and fallback_chain("fr")[-1] == "en"

