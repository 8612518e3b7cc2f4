"""``wikiclub pull`` on the kb.jsonl sandbox: the items of a mapping's classes with the mapping's columns,
and the round trip — the pulled sheet, re-imported unchanged and planned, gives an empty batch (with the
real organismes mapping: only what its references and focus list add by design)."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import requests
from click.testing import CliRunner
from conftest import KB
from test_report import FOCUS, REGIONS, Dump

from wikiclub.adapters.sparql import SparqlClient
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.batch.build import build_plan, read_reconciled
from wikiclub.batch.diff import normalise_url
from wikiclub.cli import main
from wikiclub.report.pull import LABEL_SUFFIX, QID_COLUMN, mapping_classes, pull
from wikiclub.report.spec import Selection
from wikiclub.sheets.mapping import load_mapping, parse_mapping
from wikiclub.sheets.properties import PropertyCatalog
from wikiclub.sheets.validate import validate_sheet

ROOT = Path(__file__).resolve().parent.parent
SELECTION = Selection(REGIONS, FOCUS)
# What a sheet can hold exactly: no reference built from another column, no focus list to add (those
# add data to existing items by design; see docs/reports.md). The real organismes mapping is tested too.
PLAIN = """
version: 1
options: {language: fr}
entity:
  label: {column: Nom, language: fr}
  instance_of: [Q43229]
columns:
  Type:
    use: instance_of
    on_unknown: warn
    values: {Musée: Q33506, Musée d'histoire: Q900016, Bibliothèque publique: Q900019, OBNL: Q163740}
  Municipalité: {property: P131, item: {types: [Q900061, Q900060], within: [Q176, Q1904]}}
  Site web: {property: P856}
  Courriel: {property: P968, parse: email}
  Téléphone: {property: P1329, parse: phone}
  Fondé en: {property: P571}
  Siège: {property: P159, item: {types: [Q900060]}}
  Notes: {use: ignore}
"""


@pytest.fixture(scope="module")
def dump() -> Dump:
    return Dump(KB)


@pytest.fixture(scope="module")
def clients(kb_sandbox: Any) -> tuple[SparqlClient, WikibaseClient]:
    return SparqlClient(kb_sandbox.sparql_url, requests.Session()), WikibaseClient(kb_sandbox.api_url,
                                                                                   requests.Session())


def read_xlsx(path: Path, header_row: int = 1) -> list[dict[str, str]]:
    ws = openpyxl.load_workbook(path).active
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    return [{h: ("" if v is None else str(v)) for h, v in zip(rows[0], r, strict=True)} for r in rows[1:]]


def expected_members(dump: Dump, classes: tuple[str, ...]) -> set[str]:
    return {q for q in dump.selection() if dump.in_group(q, list(classes), True)}


def test_pull_writes_the_items_with_the_mapping_columns(dump: Dump, clients: Any, tmp_path: Path) -> None:
    mapping = load_mapping(ROOT / "mappings" / "organismes-culturels.yaml")
    out = tmp_path / "organismes.xlsx"
    result = pull(mapping, SELECTION, *clients, out)
    classes = mapping_classes(mapping)
    assert "Q43229" in classes and "Q900053" in classes  # instance_of + the Type column's classes
    members = expected_members(dump, classes)
    rows = read_xlsx(out)
    assert {r[QID_COLUMN] for r in rows} == members and result.items == len(members)
    assert list(rows[0])[:3] == [QID_COLUMN, "Nom de l'organisme", "Type"]
    for name in ("Municipalité", "Municipalité" + LABEL_SUFFIX, "Site web", "Fondé en", "Notes"):
        assert name in rows[0]
    for row in rows:
        e = dump.items[row[QID_COLUMN]]
        assert row["Nom de l'organisme"] == e["labels"]["fr"]["value"]
        places = dump.truthy(row[QID_COLUMN], "P131")
        assert row["Municipalité"] == (places[0] if places else "")
        if places:
            assert row["Municipalité" + LABEL_SUFFIX] == dump.items[places[0]]["labels"]["fr"]["value"]
        sites = [c["mainsnak"]["datavalue"]["value"] for c in e["claims"].get("P856", [])]
        assert row["Site web"] == (sites[0] if sites else "")
        mails = [c["mainsnak"]["datavalue"]["value"] for c in e["claims"].get("P968", [])]
        assert row["Courriel"] == (mails[0].removeprefix("mailto:") if mails else "")
    musee = next(r for r in rows if "Q33506" in dump.truthy(r[QID_COLUMN], "P31"))
    assert musee["Type"] == "Musée"  # the mapping's own word, as written in the YAML


def test_pull_honours_the_sheet_name_and_header_row(clients: Any, tmp_path: Path) -> None:
    mapping = load_mapping(ROOT / "mappings" / "festivals.yaml")
    out = tmp_path / "festivals.xlsx"
    pull(mapping, SELECTION, *clients, out)
    wb = openpyxl.load_workbook(out)
    assert wb.active.title == "Festivals 2024"
    rows = read_xlsx(out, header_row=4)
    assert rows and all(r["Nom du festival"] for r in rows)


def _plan(mapping_text: str, sheet: Path, client: Any, tmp_path: Path) -> Any:
    mapping = parse_mapping(mapping_text, "plain.yaml") if "\n" in mapping_text else load_mapping(mapping_text)
    catalog = PropertyCatalog.from_dump(KB)
    # tests/data's ISNIs are fictitious, their check digits wrong: allowed, or plan would hold their rows
    rows = validate_sheet(sheet, mapping, catalog, allow_bad_checksums=True).result.rows
    qids = [r[QID_COLUMN] for r in read_xlsx(sheet, mapping.header_row or 1)]
    reconciled = tmp_path / "reconciled.jsonl"
    reconciled.write_text("".join(json.dumps({"target": q, "decision": "MATCH", "record": r.to_json()},
                                             ensure_ascii=False) + "\n" for q, r in zip(qids, rows, strict=True)),
                          "utf-8")
    return build_plan(read_reconciled(reconciled), client, site={"name": "sandbox", "api_url": "http://sandbox"},
                      batch_id="round-trip")


def test_round_trip_gives_an_empty_batch(clients: Any, tmp_path: Path) -> None:
    sheet = tmp_path / "plain.xlsx"
    result = pull(parse_mapping(PLAIN, "plain.yaml"), SELECTION, *clients, sheet)
    assert result.items > 30
    plan = _plan(PLAIN, sheet, clients[1], tmp_path)
    assert plan.empty, [e for e in plan.edits][:3]


def _expected_by_design(dump: Dump, qids: list[str]) -> Counter[tuple[str, str]]:
    """What the organismes mapping adds to unchanged items by design: P5008 = the focus list where it
    lacks, and the reference built from « Site web » on the « Fondé en » statement that lacks it."""
    want: Counter[tuple[str, str]] = Counter()
    for q in qids:
        claims = dump.items[q].get("claims", {})
        if FOCUS not in dump.truthy(q, "P5008"):
            want["statement", "P5008"] += 1
        sites = [c["mainsnak"]["datavalue"]["value"] for c in claims.get("P856", [])]
        founded = [c for c in claims.get("P571", []) if c["rank"] != "deprecated"
                   and c["mainsnak"]["snaktype"] == "value"]
        if sites and founded and not any(
                normalise_url(s["datavalue"]["value"]) == normalise_url(sites[0])
                for r in founded[0].get("references", ()) for s in r["snaks"].get("P854", ())):
            want["references", "P571"] += 1
    return want


def _changes(plan: Any) -> Counter[tuple[str, str]]:
    return Counter((c.kind, str((c.mainsnak or {}).get("property", ""))) for e in plan.edits for c in e.changes)


def test_round_trip_with_the_organismes_mapping(dump: Dump, clients: Any, tmp_path: Path) -> None:
    """The real mapping, whose description template names an item column (« {Municipalité} », which
    a pulled sheet holds as a QID): no description change; only the references and P5008 it adds by
    design, exactly."""
    mapping = ROOT / "mappings" / "organismes-culturels.yaml"
    sheet = tmp_path / "organismes.xlsx"
    pull(load_mapping(mapping), SELECTION, *clients, sheet)
    rows = read_xlsx(sheet)
    expected = _expected_by_design(dump, [r[QID_COLUMN] for r in rows])
    assert expected["statement", "P5008"] and expected["references", "P571"]  # the test sees both kinds
    plan = _plan(str(mapping), sheet, clients[1], tmp_path)
    assert _changes(plan) == expected
    assert not [n for n in plan.notes if n["kind"] == "description"]


class _WithoutDescriptions:
    """The sandbox as if its items had no description: what the template gives becomes visible."""

    def __init__(self, client: WikibaseClient) -> None:
        self.client = client

    def get_entities(self, ids: Any, **kw: Any) -> dict[str, dict[str, Any]]:
        out = copy.deepcopy(self.client.get_entities(ids, **kw))
        for e in out.values():
            if e.get("type") == "item":
                e.pop("descriptions", None)
        return out

    def search_entities(self, text: str, **kw: Any) -> list[dict[str, Any]]:
        return self.client.search_entities(text, **kw)


def test_a_pulled_qid_cell_gives_the_items_label_in_the_description(clients: Any, tmp_path: Path) -> None:
    mapping = ROOT / "mappings" / "organismes-culturels.yaml"
    sheet = tmp_path / "organismes.xlsx"
    pull(load_mapping(mapping), SELECTION, *clients, sheet)
    rows = {r[QID_COLUMN]: r for r in read_xlsx(sheet)}
    plan = _plan(str(mapping), sheet, _WithoutDescriptions(clients[1]), tmp_path)
    got = {e.target: e.data["descriptions"]["fr"]["value"] for e in plan.edits if "descriptions" in e.data}
    assert set(got) == {q for q, r in rows.items() if r["Municipalité"]}
    for qid, text in got.items():
        assert rows[qid]["Municipalité"].startswith("Q")  # the cell holds the QID …
        assert text == "organisme culturel à " + rows[qid]["Municipalité" + LABEL_SUFFIX]  # … the item its label


def test_a_value_typed_in_the_pulled_sheet_becomes_one_edit(clients: Any, tmp_path: Path) -> None:
    sheet = tmp_path / "plain.xlsx"
    pull(parse_mapping(PLAIN, "plain.yaml"), SELECTION, *clients, sheet)
    wb = openpyxl.load_workbook(sheet)
    ws = wb.active
    header = [c.value for c in ws[1]]
    col = header.index("Site web") + 1
    row = next(r for r in range(2, ws.max_row + 1) if not ws.cell(row=r, column=col).value)
    qid = ws.cell(row=row, column=1).value
    ws.cell(row=row, column=col).value = "https://nouveau.example.ca/"
    wb.save(sheet)
    plan = _plan(PLAIN, sheet, clients[1], tmp_path)
    assert [e.target for e in plan.edits] == [qid]


def test_cli_pull(kb_sandbox: Any, tmp_path: Path) -> None:
    (tmp_path / "wikiclub.toml").write_text(
        f'[wikiclub]\nsite = "{kb_sandbox.site}"\n[project]\nfocus_item = "{FOCUS}"\n'
        f'regions = ["Q176", "Q1904"]\n', "utf-8")
    out = tmp_path / "lieux.csv"
    result = CliRunner().invoke(main, ["pull", "--config", str(tmp_path / "wikiclub.toml"), "--mapping",
                                       str(ROOT / "mappings" / "lieux.yaml"), "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8-sig")
    assert text.splitlines()[0].startswith("QID,Nom,Catégorie")
    assert "éléments / items" in result.output
