"""Plausibility in ``validate``: each rule with valid and invalid cells, the located message (file, row,
column, value, fix), and nothing from a bad row in the batch — every row goes on to ``build_plan`` (as a
sheet reconciled directly does) and the bad one is held there, a ``held`` note naming it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from conftest import KB
from test_plan import KbReader
from test_push import write_records

from wikiclub.batch.build import build_plan, read_reconciled
from wikiclub.batch.model import Plan
from wikiclub.errors import MappingError
from wikiclub.model import Issue, ItemValue, StringValue, TimeValue
from wikiclub.sheets import checksums
from wikiclub.sheets.mapping import check_mapping, parse_mapping
from wikiclub.sheets.properties import PropertyCatalog
from wikiclub.sheets.validate import Validation, validate_sheet

TODAY = dt.date(2024, 6, 1)
EXTRA = [{"id": "P570", "type": "property", "datatype": "time", "labels": {"fr": {"language": "fr", "value": "date de décès"}}},
         {"id": "P1480", "type": "property", "datatype": "wikibase-item", "labels": {}},
         {"id": "P496", "type": "property", "datatype": "external-id", "labels": {}}]
CATALOG = PropertyCatalog.from_dump(KB).merged(PropertyCatalog.from_entities("dump:kb.jsonl", EXTRA))
PEOPLE = """
entity:
  label: {column: Nom, language: fr}
  instance_of: [Q5]
columns:
  Naissance: {property: P569%s}
  Décès: {property: P570}
  Fondation: {property: P571}
  ISNI: {property: P213}
  ORCID: {property: P496}
coordinates:
  - {property: P625, latitude: Lat, longitude: Lon}
regions:
  Abitibi-Témiscamingue: {latitude: [46.0, 49.2], longitude: [-80.0, -75.5]}
  Nord-du-Québec: {latitude: [49.0, 62.6], longitude: [-80.0, -57.0]}
"""
HEADER = ["Nom", "Naissance", "Décès", "Fondation", "ISNI", "ORCID", "Lat", "Lon"]


def sheet(tmp: Path, *rows: dict[str, str], delimiter: str = ",") -> Path:
    lines = [delimiter.join(HEADER)] + [delimiter.join(r.get(h, "") for h in HEADER) for r in rows]
    path = tmp / "personnes.csv"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def run(path: Path, *, circa: bool = True, allow: bool = False) -> tuple[Validation, Plan]:
    """validate, then every row with a name planned as NEW (KbReader: the kb.jsonl wiki)."""
    mapping = parse_mapping(PEOPLE % (", circa: true" if circa else ""), "personnes.yaml")
    v = validate_sheet(path, mapping, CATALOG, today=TODAY, allow_bad_checksums=allow)
    records = write_records(path.parent / "records.jsonl", [(None, r) for r in v.result.rows if r.labels])
    plan = build_plan(read_reconciled(records), KbReader(), site={"name": "t", "api_url": "http://127.0.0.1/w/api.php"},
                      batch_id="t")
    return v, plan


def planned(plan: Plan) -> set[int]:
    return {p["source"]["row"] for e in plan.edits for p in e.provenance}


def held(plan: Plan) -> set[int]:
    return {n["row"] for n in plan.notes if n["kind"] == "held"}


def only_error(v: Validation, row: int) -> Issue:
    [issue] = [i for i in v.errors if i.source.row == row]
    assert issue.source.file == "personnes.csv" and issue.hint
    return issue


def claims(plan: Plan, label: str) -> list[dict[str, Any]]:
    [edit] = [e for e in plan.edits if e.label == label]
    return list(edit.data["claims"])


# --------------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize("text,hint", [("12 mars 75", "1975 ou 2075"), ("juin 58", "1958 ou 2058"),
                                       ("mars 75", "1975 ou 2075"), ("75", "1975 ou 2075"),
                                       ("19/08/62", "1962 ou 2062")])
def test_two_digit_years_are_refused_with_a_hint(tmp_path: Path, text: str, hint: str) -> None:
    v, plan = run(sheet(tmp_path, {"Nom": "Bad", "Naissance": text}, {"Nom": "Good", "Naissance": "12 mars 1975"},
                        {"Nom": "Old", "Naissance": "0075"}))
    issue = only_error(v, 2)
    assert (issue.problem, issue.source.column, issue.value) == ("two-digit-year", "Naissance", text)
    assert hint in issue.message and hint in (issue.hint or "")
    assert planned(plan) == {3, 4} and held(plan) == {2}  # nothing of row 2; « 0075 » is the year 75, written so


def test_circa_dates_and_decades(tmp_path: Path) -> None:
    texts = ["vers 1925", "ca. 1925", "c. 1925", "env. 1925", "années 1970", "début des années 1980", "1925"]
    rows = [{"Nom": f"P{n}", "Naissance": t} for n, t in enumerate(texts)]
    v, plan = run(sheet(tmp_path, *rows))
    assert v.ok, v.errors
    by_row = {r.source.row: r for r in v.result.rows}
    circa = ("P1480", ItemValue("Q5727902"))
    for n, (time, precision, is_circa) in enumerate([("+1925", 9, True)] * 4 + [("+1970", 8, False), ("+1980", 8, True),
                                                                                 ("+1925", 9, False)]):
        [birth] = by_row[n + 2].statements
        assert birth.mainsnak.value == TimeValue(f"{time}-00-00T00:00:00Z", precision), texts[n]
        assert [(q.property, q.value) for q in birth.qualifiers] == ([circa] if is_circa else []), texts[n]
    [p569] = [c for c in claims(plan, "P0") if c["mainsnak"]["property"] == "P569"]
    assert p569["qualifiers"]["P1480"][0]["datavalue"]["value"]["id"] == "Q5727902"  # the batch says circa


def test_circa_is_refused_where_the_mapping_does_not_allow_it(tmp_path: Path) -> None:
    v, plan = run(sheet(tmp_path, {"Nom": "A", "Naissance": "vers 1925"}, {"Nom": "B", "Naissance": "1925"}), circa=False)
    issue = only_error(v, 2)
    assert issue.problem == "circa-date" and issue.value == "vers 1925" and "circa: true" in (issue.hint or "")
    assert planned(plan) == {3} and held(plan) == {2}


def test_circa_key_only_on_time_columns() -> None:
    mapping = parse_mapping("entity: {label: {column: Nom}}\ncolumns:\n  Site: {property: P856, circa: true}\n", "m.yaml")
    assert any("circa" in p.message for p in check_mapping(mapping, CATALOG))
    assert "P1480" in parse_mapping(PEOPLE % ", circa: true", "p.yaml").property_ids()


def test_future_dates_death_before_birth_and_ages_over_120(tmp_path: Path) -> None:
    v, plan = run(sheet(tmp_path,
                        {"Nom": "Futur", "Naissance": "12 mars 2031"},
                        {"Nom": "Inversé", "Naissance": "1950", "Décès": "1940"},
                        {"Nom": "Mathusalem", "Naissance": "1800", "Décès": "1950"},
                        {"Nom": "Sans décès", "Naissance": "1890"},
                        {"Nom": "Normal", "Naissance": "juin 1950", "Décès": "2010"},
                        {"Nom": "Cette année", "Naissance": "2024"},
                        {"Nom": "Fondé demain", "Fondation": "2030"}))
    found = {i.source.row: (i.severity, i.problem, i.source.column, i.value) for i in v.issues}
    assert found == {2: ("error", "future-date", "Naissance", "12 mars 2031"),
                     3: ("error", "death-before-birth", "Décès", "1940"),
                     4: ("error", "too-old", "Décès", "1950"),
                     5: ("warning", "too-old", "Naissance", "1890"),
                     8: ("error", "future-date", "Fondation", "2030")}
    assert "2031-03-12" in only_error(v, 2).message and "1940" in only_error(v, 3).message
    assert planned(plan) == {5, 6, 7} and held(plan) == {2, 3, 4, 8}  # a warning does not keep a row out


def test_coordinates_outside_the_regions_are_a_warning(tmp_path: Path) -> None:
    v, plan = run(sheet(tmp_path, {"Nom": "Rouyn", "Lat": "48.2366", "Lon": "-79.0235"},
                        {"Nom": "Chibougamau", "Lat": "49.9167", "Lon": "-74.3667"},
                        {"Nom": "Montréal", "Lat": "45.5017", "Lon": "-73.5673"}))
    [warning] = v.issues
    assert (warning.severity, warning.problem, warning.source.row, warning.source.column) == (
        "warning", "outside-regions", 4, "Lat")
    assert "Abitibi-Témiscamingue" in warning.message and warning.hint
    assert planned(plan) == {2, 3, 4}


def test_regions_are_validated_in_the_mapping() -> None:
    with pytest.raises(MappingError, match="regions"):
        parse_mapping("entity: {label: {column: Nom}}\ncolumns: {}\nregions:\n  X: {latitude: [1, 2]}\n", "m.yaml")


# --------------------------------------------------------------------------------------------- text


@pytest.mark.parametrize("text,fixed", [("GeneviÃ¨ve Lachapelle", "Geneviève Lachapelle"),
                                        ("L’Ã‰cart", "L’Écart"), ("Maison dâ€™art", "Maison d’art")])
def test_mojibake_is_named_with_the_fix(tmp_path: Path, text: str, fixed: str) -> None:
    v, plan = run(sheet(tmp_path, {"Nom": text}, {"Nom": fixed}, {"Nom": "São Paulo café»"}))
    issue = only_error(v, 2)
    assert (issue.problem, issue.source.column, issue.value) == ("mojibake", "Nom", text)
    assert fixed in issue.message and fixed in (issue.hint or "")
    assert planned(plan) == {3, 4} and held(plan) == {2}


def test_rows_in_another_encoding_are_named(tmp_path: Path) -> None:
    """Two people edited the file: rows 2 and 4 are UTF-8, row 3 Windows-1252. Each row is read in its
    own encoding (no « GeneviÃ¨ve »), and row 3 is named."""
    path = tmp_path / "personnes.csv"
    path.write_bytes(",".join(HEADER).encode() + b"\n" + "Geneviève Lachapelle,1978\n".encode()
                     + "Hélène Côté,1980\n".encode("cp1252") + "Noël Béland,1985\n".encode())
    v, plan = run(path)
    issue = only_error(v, 3)
    assert issue.problem == "mixed-encoding" and "Windows-1252" in issue.message and "UTF-8" in issue.message
    assert "Hélène Côté" in (issue.value or "")
    assert [r.labels for r in v.result.rows] == [(("fr", "Geneviève Lachapelle"),), (("fr", "Hélène Côté"),),
                                                 (("fr", "Noël Béland"),)]
    assert planned(plan) == {2, 4} and held(plan) == {3}
    path.write_bytes(",".join(HEADER).encode("cp1252") + b"\n" + "Hélène Côté,1980\n".encode("cp1252"))
    assert run(path)[0].ok  # a file all in Windows-1252 is fine


def test_a_row_with_more_or_fewer_cells_than_the_header(tmp_path: Path) -> None:
    """An unquoted ``;`` in a cell shifts every later cell: one message with both counts, not a cascade."""
    good = ";".join(["A", "1950", "", "", "", "", "48.2", "-79.0"])
    path = tmp_path / "personnes.csv"
    path.write_text("\n".join([";".join(HEADER), good, "Lachapelle; Geneviève;1978;;;;;48.2;-79.0", good,
                               "Court;1950;2000", good]) + "\n", "utf-8")
    v, plan = run(path)
    assert [(i.source.row, i.problem) for i in v.errors] == [(3, "cell-count"), (5, "cell-count")]
    assert "Cette ligne a 9 cellules, l'en-tête en a 8" in only_error(v, 3).message
    assert "3 cellules, l'en-tête en a 8" in only_error(v, 5).message and "point-virgule" in (only_error(v, 3).hint or "")
    shifted = {r.source.row: r for r in v.result.rows}
    assert shifted[3].statements == shifted[5].statements == () and not shifted[3].labels  # nothing read from them
    assert planned(plan) == {2, 4, 6}


# --------------------------------------------------------------------------------------------- check digits


@pytest.mark.parametrize("prop,good,bad", [
    ("P213", "0000 0001 2281 955X", "0000 0001 2281 9551"),  # ISNI, ISO 7064 MOD 11-2
    ("P496", "0000-0002-1825-0097", "0000-0002-1825-0096"),  # ORCID (the ISNI algorithm)
    ("P212", "978-0-306-40615-7", "978-0-306-40615-6"),  # ISBN-13 (EAN-13)
    ("P957", "0-306-40615-2", "0-306-40615-3"),  # ISBN-10
    ("P236", "2434-561X", "2434-5610"),  # ISSN
    ("P1208", "979-0-2600-0043-8", "979-0-2600-0043-9"),  # ISMN
    ("P1827", "T-034.524.680-1", "T-034.524.680-2"),  # ISWC
])
def test_check_digit_algorithms(prop: str, good: str, bad: str) -> None:
    assert checksums.check(prop, good) is None
    name, expected = checksums.check(prop, bad) or ("", "")
    assert name and expected == good.replace("-", "")[-1]
    assert checksums.check("P214", "123456789") is None  # VIAF: no check digit


def test_a_bad_check_digit_keeps_the_row_out_unless_the_run_allows_it(tmp_path: Path) -> None:
    path = sheet(tmp_path, {"Nom": "Mauvais ISNI", "ISNI": "0000 0000 8112 9174"},
                 {"Nom": "Bon ISNI", "ISNI": "0000000122819 55X"},
                 {"Nom": "ORCID", "ORCID": "https://orcid.org/0000-0002-1825-0096"})
    v, plan = run(path)
    issue = only_error(v, 2)
    assert (issue.problem, issue.source.column, issue.value) == ("bad-checksum", "ISNI", "0000 0000 8112 9174")
    assert "« 2 »" in issue.message and "--allow-bad-checksums" in (issue.hint or "")
    assert only_error(v, 4).value == "https://orcid.org/0000-0002-1825-0096"
    assert planned(plan) == {3} and held(plan) == {2, 4}
    assert [c["mainsnak"]["datavalue"]["value"] for c in claims(plan, "Bon ISNI")
            if c["mainsnak"]["property"] == "P213"] == ["0000 0001 2281 955X"]
    v, plan = run(path, allow=True)
    assert v.ok and {(i.source.row, i.severity) for i in v.issues} == {(2, "warning"), (4, "warning")}
    assert planned(plan) == {2, 3, 4}
    orcid = [s.mainsnak.value for r in v.result.rows for s in r.statements if s.property == "P496"]
    assert orcid == [StringValue("0000-0002-1825-0096")]
