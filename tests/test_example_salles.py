"""The venue example (examples/salles.xlsx, mappings/salles.yaml): two tabs, the municipality extracted
from the full address, a region and a category column that are hints. Invented venues; their
municipalities are the sample's, so the place cells reconcile on the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import KB
from test_mapping_shapes import reconcile_records, run_cli

from wikiclub.reconcile.model import Decision

ROOT = Path(__file__).resolve().parent.parent
SHEET, MAPPING = ROOT / "examples" / "salles.xlsx", ROOT / "mappings" / "salles.yaml"
TOWNS = {"Rouyn-Noranda": "Q900141", "Amos": "Q900144", "La Sarre": "Q900154", "Ville-Marie": "Q900167",
         "Val-d'Or": "Q900162", "Chibougamau": "Q900180", "Hearst": "Q900207"}


def test_the_example_checks_and_validates() -> None:
    code, out = run_cli("mapping", "check", str(MAPPING), "--properties", str(KB))
    assert code == 0, out
    code, out = run_cli("validate", str(SHEET), "-m", str(MAPPING), "--properties", str(KB))
    assert code == 0 and "« Salles » (5), « Autres lieux » (5)" in out, out  # « Notes » is not read


def test_the_example_reconciles_on_the_sandbox(kb_sandbox: Any, tmp_path: Path) -> None:
    records = tmp_path / "salles.jsonl"
    code, out = run_cli("map", str(SHEET), "-m", str(MAPPING), "-o", str(records), "--properties", str(KB))
    assert code == 0, out
    results = reconcile_records(records, kb_sandbox)
    places = {r.name: (c.match.decision, c.match.qid) for r in results for c in r.linked if c.column == "Municipalité"}
    assert len(places) == len(results) == 10  # both tabs, « Notes » not read
    for name, (decision, qid) in places.items():
        assert decision == Decision.MATCH and qid in TOWNS.values(), (name, qid)
    # the region column says which Ville-Marie: the one of Abitibi-Témiscamingue; without one, the
    # mapping's focus list does (the Montréal borough is not on the WikiProject's list)
    assert places["Auditorium du Lac-Témiscamingue"] == (Decision.MATCH, TOWNS["Ville-Marie"])
    assert places["La Grange à palabres"] == (Decision.MATCH, TOWNS["Ville-Marie"])
    assert places["Musée de la Drave"] == (Decision.MATCH, TOWNS["Hearst"])  # « Hearst (Ontario) P0L 1N0 »
    assert sum(1 for r in results if r.duplicate_of is not None) == 1  # across the two tabs
