"""Broken inputs: each one gets a clear, located message (what, where, how to fix), never a traceback.

The files are generated here into tmp_path. ``validate`` runs through the real CLI with a property dump,
so nothing can reach any wiki (no --site).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from wikiclub.cli import main

DATA = Path(__file__).resolve().parent / "data"
KB = DATA / "kb.jsonl"

MAPPING = """\
entity:
  label: {column: Nom, language: fr}
columns:
  Type: {use: instance_of, values: {Musée: Q33506, Salle: Q900053}}
  Ville: {property: P131, item: {types: [Q900061]}}
  Site: {property: P856}
  Fondé: {property: P571}
  ISNI: {property: P213}
  Tél: {property: P1329, parse: phone}
  Courriel: {property: P968, parse: email}
  Nombre: {property: P1082}
  Notes: {property: P1448, language: fr}
coordinates:
  - {property: P625, latitude: Lat, longitude: Lon}
"""
HEADER = ["Nom", "Type", "Ville", "Site", "Fondé", "ISNI", "Tél", "Courriel", "Nombre", "Lat", "Lon", "Notes"]
GOOD = ["Musée A", "Musée", "Amos", "musee.ca", "1990", "0000 0001 2345 6789", "819 555-0101", "a@b.ca", "12",
        "48,5", "-78,1", "ok"]


def _csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def _row(**changes: str) -> list[str]:
    return [changes.get(h, v) for h, v in zip(HEADER, GOOD, strict=True)]


@dataclass
class Case:
    name: str
    make: Callable[[Path], Path]  # writes the sheet (and maybe a mapping) into the folder
    expect: tuple[str, ...]  # substrings the output must contain (message, location, hint)
    exit_code: int = 1
    mapping: str = MAPPING


def _one_bad_cell(column: str, value: str) -> Callable[[Path], Path]:
    return lambda d: _csv(d / "s.csv", [HEADER, _row(), _row(**{column: value})])


def _xlsx_formula(d: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(GOOD)
    ws.append(_row(Nombre="0"))
    ws["I3"] = "=I2*2"  # never calculated: no cached value in the file
    wb.save(d / "s.xlsx")
    return d / "s.xlsx"


def _truncated_xlsx(d: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    wb.save(d / "full.xlsx")
    data = (d / "full.xlsx").read_bytes()
    (d / "s.xlsx").write_bytes(data[: len(data) // 2])
    return d / "s.xlsx"


def _xlsx_named_csv(d: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(GOOD)
    wb.save(d / "s.csv")
    return d / "s.csv"


def _bad_utf8_with_bom(d: Path) -> Path:
    (d / "s.csv").write_bytes(b"\xef\xbb\xbf" + ",".join(HEADER).encode() + b"\nMus\xe9e A,Mus\xe9e\n")
    return d / "s.csv"


def _binary(d: Path) -> Path:
    (d / "s.csv").write_bytes(b"\x00\x01\x02garbage\x00" * 50)
    return d / "s.csv"


def _raw(d: Path, data: bytes) -> Path:
    (d / "s.csv").write_bytes(data)
    return d / "s.csv"


def _mapping_file(text: str) -> Callable[[Path], Path]:
    return lambda d: _csv(d / "s.csv", [HEADER, GOOD])


CASES = [
    Case("empty file", lambda d: _raw(d, b""), ("vide", "s.csv")),
    Case("blank lines only", lambda d: _raw(d, b"\n \n\n"), ("aucune donnée",)),
    Case("header only", lambda d: _csv(d / "s.csv", [HEADER]), ("no-data", "Aucune ligne de données")),
    Case("truncated xlsx", _truncated_xlsx, ("endommagé", "enregistrez-le à nouveau")),
    Case("csv that is actually xlsx", _xlsx_named_csv, ("not-really-csv", "Renommez"), exit_code=0),  # read anyway
    Case("xlsx that is actually text", lambda d: _csv(d / "s.xlsx", [HEADER, GOOD]), ("pas un classeur",)),
    Case("binary file", _binary, ("binaire",)),
    Case("invalid bytes after a UTF-8 BOM", _bad_utf8_with_bom, ("ligne 2", "UTF-8")),
    Case("unclosed quote", lambda d: _raw(d, (",".join(HEADER) + '\n"Musée A,Musée\n').encode()),
         ("guillemet",)),
    Case("duplicate column names", lambda d: _csv(d / "s.csv", [[*HEADER[:-1], "Site"], GOOD]),
         ("duplicate-column", "Site", "Renommez")),
    Case("missing column", lambda d: _csv(d / "s.csv", [[h if h != "Site" else "Site internet" for h in HEADER], GOOD]),
         ("missing-column", "Site", "Site internet")),
    Case("unknown property in mapping", _mapping_file(""), ("P99999", "m.yaml:5"),
         mapping=MAPPING.replace("{property: P131, item: {types: [Q900061]}}", "{property: P99999}")),
    Case("wrong datatype in mapping", _mapping_file(""), ("unit", "quantity", "m.yaml:"),
         mapping=MAPPING.replace("Site: {property: P856}", "Site: {property: P856, unit: Q11573}")),
    Case("mapping YAML error", _mapping_file(""), ("m.yaml:3", "YAML", "opened at line 2"),
         mapping="entity:\n  label: {column: Nom\n"),
    Case("mapping schema error", _mapping_file(""), ("m.yaml:4", "propery"),
         mapping=MAPPING.replace("Type: {use", "Type: {propery: P31, use")),
    Case("bad regex match (ISNI)", _one_bad_cell("ISNI", "1234"), ("bad-format", "s.csv,,3,ISNI,1234,erreur,format non respecté", "0000 0001 2345 6789")),
    Case("impossible date", _one_bad_cell("Fondé", "31 février 2020"), ("impossible-date", "31 février 2020")),
    Case("unrecognised date", _one_bad_cell("Fondé", "bientôt peut-être"), ("bad-date", "Formats acceptés")),
    Case("two-digit decade", _one_bad_cell("Fondé", "vers les années 80"), ("two-digit-year", "années 1980")),
    Case("latitude 123", _one_bad_cell("Lat", "123"), ("latitude-out-of-range", "Lat", "123")),
    Case("half a coordinate", _one_bad_cell("Lon", ""), ("half-coordinate", "Lon")),
    Case("bad url", _one_bad_cell("Site", "voir facebook"), ("bad-url", "Site", "voir facebook")),
    Case("bad email", _one_bad_cell("Courriel", "a@b"), ("bad-email",)),
    Case("phone without area code", _one_bad_cell("Tél", "555-0101"), ("phone-no-area-code", "indicatif")),
    Case("bad number", _one_bad_cell("Nombre", "douze"), ("bad-quantity", "douze")),
    Case("unknown controlled value", _one_bad_cell("Type", "Cirque"), ("unknown-value", "Cirque", "values")),
    Case("formula typed in a CSV", _one_bad_cell("Site", "=HYPERLINK(\"x\")"), ("formula-text", "'=HYPERLINK")),
    Case("xlsx formula without a saved result", _xlsx_formula, ("formula-no-value", "=I2*2")),
    Case("10,000-character cell", _one_bad_cell("Notes", "x" * 10_000), ("too-long", "10000")),
    Case("10,000-character label", _one_bad_cell("Nom", "y" * 10_000), ("too-long", "Nom")),
    Case("missing label", _one_bad_cell("Nom", ""), ("missing-label", "Nom")),
    Case("windows-1252 with odd bytes is still read", lambda d: _csv(d / "s.csv", [HEADER, _row(Nom="Théâtre")],
                                                                     encoding="cp1252", delimiter=";"),
         ("Lignes valides / valid rows : 1",), exit_code=0),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_input_gets_a_located_message(case: Case, tmp_path: Path) -> None:
    sheet = case.make(tmp_path)
    (tmp_path / "m.yaml").write_text(case.mapping, encoding="utf-8")
    report = tmp_path / "problems.csv"
    res = CliRunner().invoke(main, ["validate", str(sheet), "--mapping", str(tmp_path / "m.yaml"),
                                    "--properties", str(KB), "--report", str(report)])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output
    assert res.exit_code == case.exit_code, res.output
    text = res.output
    if report.exists():
        text += report.read_text(encoding="utf-8-sig")
    for expected in case.expect:
        assert expected in text, (expected, text[:3000])


def test_at_least_twenty_kinds() -> None:
    assert len(CASES) >= 20


def test_report_locates_cell_problems(tmp_path: Path) -> None:
    sheet = _csv(tmp_path / "s.csv", [HEADER, _row(), _row(Fondé="31 février 2020"), _row(Lat="123")])
    (tmp_path / "m.yaml").write_text(MAPPING, encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(sheet), "-m", str(tmp_path / "m.yaml"), "--properties", str(KB),
                                    "--report", str(tmp_path / "p.xlsx")])
    assert res.exit_code == 1
    ws = openpyxl.load_workbook(tmp_path / "p.xlsx").active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][:4] == ["fichier/file", "onglet/sheet", "ligne/row", "colonne/column"]
    errors = [r for r in rows[1:] if r[10] == "error"]  # the machine codes keep their own columns
    assert [(r[0], r[2], r[3], r[4], r[9]) for r in errors] == [
        ("s.csv", 3, "Fondé", "31 février 2020", "impossible-date"),
        ("s.csv", 4, "Lat", "123 ; -78,1", "latitude-out-of-range")]
    assert [(r[5], r[6]) for r in errors] == [("erreur", "date impossible"), ("erreur", "latitude hors limites")]
    assert all(r[8] for r in errors)  # every error has a fix hint
