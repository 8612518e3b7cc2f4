"""Mappings: schema errors at the YAML line, checks against the site, and the sample sheets as Records."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from wikiclub.errors import MappingError
from wikiclub.model import (
    DescriptionDraft,
    GlobeCoordinateValue,
    ItemRef,
    ItemSlot,
    ItemValue,
    MappedRow,
    MonolingualTextValue,
    StringValue,
    TimeValue,
)
from wikiclub.sheets.mapping import check_mapping, load_mapping, parse_mapping
from wikiclub.sheets.properties import PropertyCatalog, cache_path, load_cached
from wikiclub.sheets.validate import read_records, validate_sheet, write_records

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
MAPPINGS = ROOT / "mappings"
TODAY = dt.date(2024, 5, 1)


@pytest.fixture(scope="module")
def catalog() -> PropertyCatalog:
    return PropertyCatalog.from_dump(DATA / "kb.jsonl")


def _validate(name: str, sheet: str, catalog: PropertyCatalog):  # noqa: ANN202
    return validate_sheet(DATA / sheet, load_mapping(MAPPINGS / f"{name}.yaml"), catalog, today=TODAY)


def _truth(sheet: str) -> dict[int, dict[str, str]]:
    with (DATA / "truth.csv").open(encoding="utf-8") as fh:
        return {int(r["row"]): r for r in csv.DictReader(fh) if r["sheet"] == sheet}


def _main(row: MappedRow, pid: str) -> list[object]:
    return [s.mainsnak.value for s in row.statements if s.property == pid]


def test_catalog_from_kb(catalog: PropertyCatalog) -> None:
    assert catalog.get("P856").datatype == "url"
    assert catalog.get("P213").format_regex == "0000 000[0-9] [0-9]{4} [0-9]{3}[0-9X]"
    assert catalog.get("P213").distinct and not catalog.get("P213").single_value
    assert catalog.get("P625").single_value and catalog.get("P571").single_value
    assert catalog.has_item("Q900141") is True and catalog.has_item("Q1") is None


def test_catalog_cache_and_fetch(tmp_path: Path, catalog: PropertyCatalog) -> None:
    asked: list[list[str]] = []
    entities = {json.loads(line)["id"]: json.loads(line)
                for line in (DATA / "kb.jsonl").read_text(encoding="utf-8").splitlines()}

    def fetch(ids):  # noqa: ANN001, ANN202  (the shape of WikibaseClient.get_entities)
        asked.append(list(ids))
        return {i: entities.get(i, {"id": i, "missing": ""}) for i in ids}

    empty = load_cached(tmp_path, "http://wiki.example/w/api.php")
    assert not empty.properties
    got = empty.ensure(["P856", "P213", "Q900141", "Q999999999"], fetch)
    assert asked == [["P213", "P856", "Q900141", "Q999999999"]]
    assert got.has_item("Q999999999") is False and got.get("P213").format_regex
    got.save(cache_path(tmp_path, got.site))
    again = load_cached(tmp_path, "http://wiki.example/w/api.php")
    assert again == got
    assert again.ensure(["P856", "Q999999999"], fetch) is again and len(asked) == 1  # offline afterwards


def test_sample_mappings_check_clean(catalog: PropertyCatalog) -> None:
    for name in ("organismes-culturels", "lieux", "festivals"):
        assert check_mapping(load_mapping(MAPPINGS / f"{name}.yaml"), catalog) == [], name


def test_schema_errors_point_at_the_yaml_line() -> None:
    text = "entity:\n  label: {column: Nom}\ncolumns:\n  Ville:\n    property: P131\n    splitt: ';'\n"
    with pytest.raises(MappingError) as exc:
        parse_mapping(text, "m.yaml")
    assert "m.yaml:6" in exc.value.message and "splitt" in exc.value.message
    with pytest.raises(MappingError, match=r"m.yaml:4 .*« 131 »"):
        parse_mapping("entity:\n  label: {column: Nom}\ncolumns:\n  Ville: {property: '131'}\n", "m.yaml")
    with pytest.raises(MappingError, match=r"m.yaml:3 .*ligne / opened at line 2"):
        parse_mapping("entity:\n  label: {column: Nom\ncolumns: {}\n", "m.yaml")  # YAML syntax
    with pytest.raises(MappingError, match=r"m.yaml:5 .*en double \(déjà ligne 4\)"):
        parse_mapping("entity:\n  label: {column: Nom}\ncolumns:\n  Ville: {property: P131}\n"
                      "  Ville: {property: P17}\n", "m.yaml")
    with pytest.raises(MappingError, match="required"):
        parse_mapping("columns: {}\n", "m.yaml")


def test_check_against_site_finds_unknown_property_bad_datatype_and_missing_item(catalog: PropertyCatalog) -> None:
    m = parse_mapping("entity:\n  label: {column: Nom}\ncolumns:\n"
                      "  A: {property: P99999}\n"
                      "  B: {property: P856, unit: Q11573}\n"
                      "  C: {property: P131, values: {x: Q900141, y: Q123}}\n"
                      "  D: {property: P571, parse: email}\n", "m.yaml")
    found = {(p.where, p.message.split(" ")[0]) for p in check_mapping(m, catalog.merged(
        PropertyCatalog.from_entities(catalog.site, [{"id": "Q123", "missing": ""}])))}
    assert ("m.yaml:4", "propriété") in found  # P99999 unknown
    assert ("m.yaml:5", "«") in found  # unit on a url property
    assert ("m.yaml:6", "Q123") in found  # value map to a missing item
    assert ("m.yaml:7", "parse:") in found


def test_organismes_records(catalog: PropertyCatalog) -> None:
    v = _validate("organismes-culturels", "organismes-culturels.csv", catalog)
    # the DEV set's ISNIs are fictitious and their check digits wrong: row 27's is an error (kept out)
    assert v.rows_read == 46 and v.rows_valid == 45 and not v.ok
    assert [(e.source.row, e.source.column, e.problem) for e in v.errors] == [(27, "ISNI", "bad-checksum")]
    rows = {r.source.row: r for r in v.result.rows}
    r2 = rows[2]
    assert r2.labels == (("fr", "Conseil de la culture de l'Abitibi-Témiscamingue"),)
    # {à Municipalité} names an item column: the description waits for the item's label (plan fills it)
    municipality = ItemRef("Rouyn-Noranda", ("Q900061", "Q900060"), ("Q176", "Q1904"))
    assert r2.descriptions == ()
    assert r2.description_drafts == (DescriptionDraft("fr", ("organisme culturel ", ItemSlot(
        "Municipalité", "Rouyn-Noranda", (municipality,), "à"))),)
    assert _main(r2, "P131") == [municipality]
    assert _main(r2, "P856") == [StringValue("https://www.ccat.qc.ca")]
    assert _main(r2, "P968") == [StringValue("mailto:info@ccat.qc.ca")]
    assert _main(r2, "P1329") == [StringValue("+1-819-555-0101")]
    assert _main(r2, "P2013") == [StringValue("ccat.qc")]
    assert r2.focus_list == "Q900100" and r2.instance_of == ("Q900012",)
    assert _main(rows[3], "P1329") == [StringValue("+1-819-555-0102")]
    assert _main(rows[10], "P1329") == [StringValue("+1-819-763-2677")]
    assert _main(rows[6], "P856") == [StringValue("http://www.museema.org")]
    assert rows[6].labels == (("fr", "MA musée d'art"),)
    assert _main(rows[19], "P131") == [ItemRef("Hearst, ON", ("Q900061", "Q900060"), ("Q176", "Q1904"))]
    assert _main(rows[27], "P213") == [StringValue("0000 0001 1987 4420")]
    assert _main(rows[28], "P968") == [StringValue("mailto:bottinesboreales@example.org")]
    founded = [s for s in rows[4].statements if s.property == "P571"]
    assert [s.mainsnak.value for s in founded] == [TimeValue("+1982-00-00T00:00:00Z", 9)]
    ref = founded[0].references[0].to_json()["snaks"]
    assert ref["P854"][0]["datavalue"]["value"] == "https://festivalcinema.ca"
    assert ref["P813"][0]["datavalue"]["value"]["time"] == "+2024-05-01T00:00:00Z"
    assert [s.references for s in rows[28].statements if s.property == "P571"] == [()]  # no website: no ref
    assert rows[43].instance_of == ("Q4830453",) and rows[28].instance_of == ("Q43229",)  # Collectif: default
    for n, t in _truth("organismes-culturels.csv").items():
        if t["type"]:
            assert rows[n].instance_of == (t["type"],), n
            assert t["type"] in rows[n].match.types


def test_lieux_records(catalog: PropertyCatalog) -> None:
    v = _validate("lieux", "lieux.csv", catalog)
    assert v.rows_read == 39 and v.rows_valid == 38
    [err] = v.errors
    assert (err.source.row, err.source.column, err.problem) == (5, "Longitude", "outside-bounds")
    assert "moins" in (err.hint or "")
    rows = {r.source.row: r for r in v.result.rows}
    assert _main(rows[2], "P625") == [GlobeCoordinateValue(Decimal("48.2380"), Decimal("-79.0205"), Decimal("0.0001"))]
    assert _main(rows[2], "P625")[0].to_json()["value"] == {"latitude": 48.238, "longitude": -79.0205,
                                                            "altitude": None, "precision": 0.0001,
                                                            "globe": "http://www.wikidata.org/entity/Q2"}
    assert _main(rows[10], "P625") == [GlobeCoordinateValue(Decimal("48.10"), Decimal("-77.78"), Decimal("0.01"))]
    assert _main(rows[21], "P625")[0].longitude == Decimal("-114.47")  # Alberta: legitimate, kept
    assert _main(rows[25], "P281") == [StringValue("J0Y 2M0")]
    assert _main(rows[40], "P6375") == [MonolingualTextValue("150, avenue du Lac", "fr")]
    assert _main(rows[40], "P1329") == [StringValue("+1-819-763-2677")]
    assert _main(rows[10], "P856") == [StringValue("https://citedelor.com")]
    assert _main(rows[7], "P131") == [ItemRef("R.-N.", ("Q900061", "Q900060"), ("Q176", "Q1904"))]
    for n, t in _truth("lieux.csv").items():
        if t["type"]:
            assert rows[n].instance_of == (t["type"],), n


def test_festivals_records(catalog: PropertyCatalog) -> None:
    v = _validate("festivals", "festivals.xlsx", catalog)
    assert v.rows_read == 24 and v.rows_valid == 24 and v.ok
    assert [(i.problem, i.source.row) for i in v.result.issues] == [("note-row", 31)]
    rows = {r.source.row: r for r in v.result.rows}
    assert sorted(rows) == [*range(5, 13), *range(14, 30)]
    r5 = rows[5]
    assert r5.source.sheet == "Festivals 2024"
    assert r5.instance_of == ("Q132241",) and r5.match.types == ("Q900003",)
    assert _main(r5, "P276") == [ItemRef("Théâtre du cuivre", ("Q900049", "Q43229"), ("Q176", "Q1904"))]
    assert _main(r5, "P571") == [TimeValue("+1982-00-00T00:00:00Z", 9)]
    assert _main(rows[6], "P571") == [TimeValue("+2003-00-00T00:00:00Z", 9)]  # a text cell "2003"
    assert _main(r5, "P856") == [StringValue("https://festivalcinema.ca")]
    # Genre: a field of work (P101) or a music genre (P136), as the controlled vocabulary says.
    for n, t in _truth("festivals.xlsx").items():
        genre = _main(rows[n], "P101") + _main(rows[n], "P136")
        assert genre == ([ItemValue(t["type"])] if t["type"] else []), n
    assert _main(rows[6], "P136") == [ItemValue("Q900101")]
    assert all(not _main(r, "P585") for r in rows.values())  # "Prochaine édition" is ignored


def test_festival_dates_when_mapped(catalog: PropertyCatalog, tmp_path: Path) -> None:
    text = (MAPPINGS / "festivals.yaml").read_text(encoding="utf-8").replace(
        "Prochaine édition: {use: ignore}", "Prochaine édition: {property: P585}")
    (tmp_path / "f.yaml").write_text(text, encoding="utf-8")
    v = validate_sheet(DATA / "festivals.xlsx", load_mapping(tmp_path / "f.yaml"), catalog, today=TODAY)
    got = {r.source.row: _main(r, "P585") for r in v.result.rows}
    assert got[5] == [TimeValue("+2024-10-26T00:00:00Z", 11)]  # Excel date cell
    assert got[6] == [TimeValue("+2024-08-29T00:00:00Z", 11)]  # "29 août 2024"
    assert got[11] == [TimeValue("+2024-02-00T00:00:00Z", 10)]  # "février 2024"
    assert got[21] == [TimeValue("+2024-08-29T00:00:00Z", 11)]  # "29/08/2024"
    assert got[22] == [TimeValue("+2020-03-12T00:00:00Z", 11)]  # "12 mars 2020"
    assert got[12] == []


def test_records_round_trip_through_json(catalog: PropertyCatalog, tmp_path: Path) -> None:
    rows = []
    for name, sheet in (("organismes-culturels", "organismes-culturels.csv"), ("lieux", "lieux.csv"),
                        ("festivals", "festivals.xlsx")):
        rows += list(_validate(name, sheet, catalog).result.rows)
    write_records(tmp_path / "r.jsonl", rows)
    assert read_records(tmp_path / "r.jsonl") == rows
    resolved = rows[0].resolve(lambda ref: ItemValue("Q900141") if ref.text == "Rouyn-Noranda" else None)
    assert _main(resolved, "P131") == [ItemValue("Q900141")] and not list(resolved.item_refs())
    [slot] = resolved.description_drafts[0].slots()
    assert slot.values == (ItemValue("Q900141"),) and list(resolved.description_item_ids()) == ["Q900141"]


def test_value_map_is_case_and_accent_insensitive(catalog: PropertyCatalog, tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text("Nom,Type\nA,MUSEE\nB,musée d’art\nC,Cirque\n", encoding="utf-8")
    m = parse_mapping("entity:\n  label: {column: Nom}\ncolumns:\n  Type:\n    use: instance_of\n"
                      "    values: {Musée: Q33506, \"Musée d'art\": Q900015}\n", "m.yaml")
    v = validate_sheet(tmp_path / "s.csv", m, catalog)
    assert [r.instance_of for r in v.result.rows] == [("Q33506",), ("Q900015",), ()]
    [err] = v.errors
    assert (err.source.row, err.source.column, err.value, err.problem) == (4, "Type", "Cirque", "unknown-value")


def test_split_qualifiers_and_sheet_reference(catalog: PropertyCatalog, tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text("Nom,Genres,Début,Source\nA,Country ; Musique,2019,https://ex.org/a\n",
                                    encoding="utf-8")
    m = parse_mapping("entity:\n  label: {column: Nom}\ncolumns:\n  Genres:\n    property: P136\n    split: ';'\n"
                      "    values: {country: Q900102, musique: Q900108}\n    qualifiers: {P580: {column: Début}}\n"
                      "references:\n  - {P854: {column: Source}, P813: today, P248: Q900048}\n", "m.yaml")
    v = validate_sheet(tmp_path / "s.csv", m, catalog, today=TODAY)
    [row] = v.result.rows
    assert [s.mainsnak.value for s in row.statements] == [ItemValue("Q900102"), ItemValue("Q900108")]
    st = row.statements[0].to_json()
    assert st["qualifiers"]["P580"][0]["datavalue"]["value"]["time"] == "+2019-00-00T00:00:00Z"
    assert set(st["references"][0]["snaks"]) == {"P854", "P813", "P248"}


def test_mapping_check_against_the_sandbox(kb_sandbox, tmp_path: Path) -> None:  # noqa: ANN001
    from click.testing import CliRunner

    from wikiclub.cli import main

    runner = CliRunner()
    args = ["mapping", "check", str(MAPPINGS / "festivals.yaml"), "--site", kb_sandbox.api_url,
            "--cache-dir", str(tmp_path)]
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "OK" in res.output
    cached = load_cached(tmp_path, kb_sandbox.api_url)
    assert cached.get("P856").datatype == "url" and cached.has_item("Q900106")
    # Offline afterwards: the cache answers, even with the site gone.
    res = runner.invoke(main, [*args, "--offline"])
    assert res.exit_code == 0, res.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("entity:\n  label: {column: Nom}\ncolumns:\n  X: {property: P98765}\n"
                   "  Y: {property: P31, values: {a: Q899999}}\n", encoding="utf-8")
    res = runner.invoke(main, ["mapping", "check", str(bad), "--site", kb_sandbox.api_url, "--cache-dir",
                               str(tmp_path)])
    assert res.exit_code == 1
    assert "P98765" in res.output and "Q899999" in res.output and "bad.yaml:4" in res.output
