"""« This row is item Qx »: a mapping's id column (``entity: {id: QID}``). Such rows are the named item,
checked to exist in one batched read, never reconciled by name; a pulled sheet, edited and re-imported,
plans only the edits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
import requests
from conftest import KB
from test_pull import PLAIN, SELECTION

from wikiclub.adapters.sparql import SparqlClient
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.batch.build import build_plan, read_reconciled
from wikiclub.errors import MappingError
from wikiclub.reconcile.apply import apply_review
from wikiclub.reconcile.candidates import ApiSource
from wikiclub.reconcile.model import Decision
from wikiclub.reconcile.stage import reconcile_mapped, write_outputs
from wikiclub.report.pull import pull
from wikiclub.sheets.mapping import parse_mapping
from wikiclub.sheets.properties import PropertyCatalog
from wikiclub.sheets.validate import validate_sheet

WITH_ID = PLAIN.replace("  label: {column: Nom, language: fr}\n", "  label: {column: Nom, language: fr}\n  id: QID\n")
REFUGE = "Q900285"


class CountingClient(WikibaseClient):
    """The real client, counting its searches and entity reads."""

    searches = 0
    reads: list[list[str]]

    def search_entities(self, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        self.searches += 1
        return super().search_entities(*args, **kwargs)

    def get_entities(self, ids: Any, **kwargs: Any) -> dict[str, dict[str, Any]]:
        ids = list(ids)
        self.reads = [*getattr(self, "reads", []), ids]
        return super().get_entities(ids, **kwargs)


def test_schema_accepts_a_column_name_or_a_column_object() -> None:
    assert parse_mapping(WITH_ID, "m.yaml").id_column == "QID"
    obj = PLAIN.replace("  label: {column: Nom, language: fr}\n",
                        "  label: {column: Nom, language: fr}\n  id: {column: Élément}\n")
    assert parse_mapping(obj, "m.yaml").id_column == "Élément"
    assert parse_mapping(PLAIN, "m.yaml").id_column is None
    for bad in ("  id: 12\n", "  id: {col: QID}\n", '  id: ""\n'):
        text = PLAIN.replace("  instance_of: [Q43229]\n", "  instance_of: [Q43229]\n" + bad)
        with pytest.raises(MappingError) as err:
            parse_mapping(text, "m.yaml")
        assert "m.yaml:7" in err.value.message and "entity/id" in err.value.message
        assert "nom d'une colonne" in err.value.message


def _sheet(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [["QID", "Nom", "Type"], *rows]) + "\n", "utf-8")
    return path


def test_rows_name_their_item_and_are_never_reconciled_by_name(kb_sandbox: Any, tmp_path: Path) -> None:
    sheet = _sheet(tmp_path / "s.csv", [
        [REFUGE, "Un nom qui ne ressemble à rien", "OBNL"],                  # named: that item
        ["https://www.wikidata.org/wiki/Item:Q900260", "Autre nom", "OBNL"],  # a link is read too
        ["Q999999999", "Absent", "OBNL"],                                  # no such item: REVIEW
        ["", "Refuge Pageau", "OBNL"],                                     # empty: found by name
        ["pas un QID", "Refuge Pageau", "OBNL"],                           # an error with row and column
    ])
    mapping = parse_mapping(WITH_ID, "m.yaml")
    result = validate_sheet(sheet, mapping, PropertyCatalog.from_dump(KB)).result
    rows = list(result.rows)
    assert [r.item_id for r in rows] == [REFUGE, "Q900260", "Q999999999", None, None]
    bad = [i for i in result.all_issues if i.problem == "bad-item-id"]
    assert len(bad) == 1 and bad[0].value == "pas un QID" and bad[0].source.column == "QID"
    client = CountingClient(kb_sandbox.api_url, requests.Session())
    results = reconcile_mapped(rows[:3], ApiSource(client))
    named = {REFUGE, "Q900260", "Q999999999"}
    assert client.searches == 0  # no name search
    assert [set(ids) & named for ids in client.reads if set(ids) & named] == [named]  # one batched read
    assert [(r.entity.decision, r.entity.qid) for r in results] == [
        (Decision.MATCH, REFUGE), (Decision.MATCH, "Q900260"), (Decision.REVIEW, None)]
    assert "n'existe pas" in results[2].entity.reason
    [by_name] = reconcile_mapped(rows[3:4], ApiSource(client))
    assert client.searches >= 1 and by_name.entity.qid == REFUGE
    # without the column in the sheet, nothing changes (the column is optional)
    plain = _sheet(tmp_path / "p.csv", [])
    plain.write_text("Nom,Type\nRefuge Pageau,OBNL\n", "utf-8")
    assert validate_sheet(plain, mapping, PropertyCatalog.from_dump(KB)).result.rows[0].item_id is None


def test_pulled_sheet_edited_and_reimported_plans_only_the_edit(kb_sandbox: Any, tmp_path: Path) -> None:
    mapping = parse_mapping(WITH_ID, "m.yaml")
    sparql = SparqlClient(kb_sandbox.sparql_url, requests.Session())
    client = CountingClient(kb_sandbox.api_url, requests.Session())
    sheet = tmp_path / "pulled.xlsx"
    pulled = pull(mapping, SELECTION, sparql, client, sheet, item_url=lambda q: f"https://wiki.example.org/wiki/Item:{q}")
    assert pulled.columns[0] == "QID" and pulled.items > 30
    wb = openpyxl.load_workbook(sheet)
    ws = wb.active
    header = [c.value for c in ws[1]]
    qid_col, name_col, phone_col = header.index("QID") + 1, header.index("Nom") + 1, header.index("Téléphone") + 1
    assert ws.cell(row=2, column=qid_col).hyperlink.target.startswith("https://wiki.example.org/wiki/Item:Q")
    edited = str(ws.cell(row=2, column=qid_col).value)
    ws.cell(row=2, column=phone_col).value = "819 555-0142"
    ws.cell(row=3, column=name_col).value = "Un tout autre nom, que la recherche ne trouverait pas"
    renamed = str(ws.cell(row=3, column=qid_col).value)
    wb.save(sheet)

    rows = list(validate_sheet(sheet, mapping, PropertyCatalog.from_dump(KB)).result.rows)
    client.searches = 0
    results = reconcile_mapped(rows, ApiSource(client))
    assert client.searches == 0  # no name reconciliation at all
    assert all(r.entity.decision == Decision.MATCH for r in results)
    review = tmp_path / "review.xlsx"
    write_outputs(review, rows, results, item_url=lambda q: "http://127.0.0.1/wiki/" + q)
    apply_review(review, tmp_path / "reconciled.jsonl")
    plan = build_plan(read_reconciled(tmp_path / "reconciled.jsonl"), client,
                      site={"name": "sandbox", "api_url": kb_sandbox.api_url}, batch_id="round-trip")
    changed = {e.target: e for e in plan.edits}
    assert set(changed) <= {edited, renamed} and edited in changed
    assert [c.kind for c in changed[edited].changes] == ["statement"]
    assert changed[edited].changes[0].mainsnak["property"] == "P1329"
