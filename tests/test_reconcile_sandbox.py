"""The whole reconcile stage against a real sandbox (HTTP) loaded with tests/data/kb.jsonl."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from wikiclub.adapters.http import make_session
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.config import load_settings
from wikiclub.reconcile.apply import apply_review
from wikiclub.reconcile.candidates import ApiSource
from wikiclub.reconcile.model import Decision
from wikiclub.reconcile.review import COL_HUMAN, COL_KEY, read_review
from wikiclub.reconcile.stage import reconcile_mapped, write_outputs
from wikiclub.sheets.mapping import load_mapping
from wikiclub.sheets.properties import PropertyCatalog
from wikiclub.sheets.validate import validate_sheet

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="module")
def client(kb_sandbox) -> WikibaseClient:  # noqa: ANN001
    settings = load_settings({"site": kb_sandbox.api_url}, env={})
    return WikibaseClient.from_settings(settings, make_session(settings))


@pytest.fixture(scope="module")
def catalog() -> PropertyCatalog:
    return PropertyCatalog.from_dump(DATA / "kb.jsonl")


def mapped(name: str, mapping: str, catalog: PropertyCatalog) -> list:
    return list(validate_sheet(DATA / name, load_mapping(ROOT / "mappings" / mapping), catalog).result.rows)


@pytest.fixture(scope="module")
def lieux(client: WikibaseClient, catalog: PropertyCatalog) -> tuple[list, list]:
    rows = mapped("lieux.csv", "lieux.yaml", catalog)
    return rows, reconcile_mapped(rows, ApiSource(client))


def by_row(results: list) -> dict:
    return {r.row: r for r in results}


def test_sheet_against_sandbox(lieux: tuple[list, list]) -> None:
    res = by_row(lieux[1])
    # accents and case: "THEATRE DU CUIVRE" is the Théâtre du cuivre, and a duplicate of row 2
    assert res[32].entity.qid == "Q900265" and res[32].duplicate_of == 2
    # homonym in another province: the Alberta coordinates pick the Alberta library and town
    assert res[21].entity.decision == Decision.MATCH and res[21].entity.qid == "Q900312"
    assert res[21].linked[0].match.qid == "Q900209"
    # Cochrane without context is the Ontario town (the project's), and the same row's item too
    assert res[20].linked[0].match.qid == "Q900208"
    # a new entity is NEW; "Paroisse de Senneterre" is the parish, not the town
    assert res[26].entity.decision == Decision.NEW and res[26].linked[0].match.qid == "Q900165"
    # "Normetal" the municipality, not the mine
    assert res[36].linked[0].match.qid == "Q900156"


def test_identifier_and_website_only_matches(client: WikibaseClient, catalog: PropertyCatalog) -> None:
    rows = mapped("organismes-culturels.csv", "organismes-culturels.yaml", catalog)
    res = by_row(reconcile_mapped(rows, ApiSource(client)))
    assert res[26].entity.qid == "Q900263"   # English name not on the wiki; website www.museema.org/fr/
    assert res[27].entity.qid == "Q900264"   # ISNI typed with spaces
    assert res[30].entity.decision == Decision.NEW  # Chambre de commerce de Hearst ≠ Hearst Communications
    assert res[46].duplicate_of == 29                # two spellings of the same new entity


def test_review_sheet_round_trip_human_overrides(lieux: tuple[list, list], tmp_path: Path) -> None:
    rows, results = lieux
    out = tmp_path / "review.xlsx"
    files = write_outputs(out, rows, results, item_url=lambda q: "http://127.0.0.1/wiki/" + q)
    assert out in files and out.with_suffix(".csv") in files
    # The reviewer edits the CSV twin: row 2 becomes SKIP, row 23 (NEW) is said to be Q900266.
    csv_path = out.with_suffix(".csv")
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    head = table[0]
    for line in table[1:]:
        row = line[head.index("ligne / row")]
        if row == "2":
            line[head.index(COL_HUMAN)] = "SKIP"
        if row == "23":
            line[head.index(COL_HUMAN)] = "q900266"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(table)
    decisions = {d.row: d for d in read_review(csv_path)}
    assert decisions[23].decision == Decision.MATCH and decisions[23].qid == "Q900266" and decisions[23].by_human
    assert decisions[2].decision == Decision.SKIP
    assert all(d.key for d in decisions.values()) and COL_KEY in head
    # apply-review needs the state sidecar next to the sheet it reads
    out.with_name("review.state.jsonl").rename(csv_path.with_name("review.state.jsonl"))
    summary = apply_review(csv_path, tmp_path / "records.jsonl")
    assert "2" in summary.skipped and summary.overridden >= 2
    text = (tmp_path / "records.jsonl").read_text(encoding="utf-8")
    assert '"target": "Q900266"' in text


def test_formula_cells_are_escaped(lieux: tuple[list, list], tmp_path: Path) -> None:
    from dataclasses import replace

    rows, results = lieux
    evil = [replace(results[0], name="=HYPERLINK(\"http://x\")")]
    write_outputs(tmp_path / "r.csv", rows[:1], evil, item_url=lambda q: "http://127.0.0.1/wiki/" + q)
    text = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text
