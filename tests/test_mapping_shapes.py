"""Mappings that express real sheets: what ``mapping check`` refuses without the rows, derived columns
(templates, extractions), one column feeding several properties, context columns (region, category),
several identifier schemes in one column, several tabs in one mapping. Real files, real runs."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from wikiclub.cli import main
from wikiclub.errors import MappingError
from wikiclub.model import ItemRef, ItemValue, MappedRow, StringValue
from wikiclub.sheets.mapping import check_mapping, parse_mapping
from wikiclub.sheets.properties import PropertyCatalog
from wikiclub.sheets.validate import validate_sheet

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
TODAY = dt.date(2024, 5, 1)


@pytest.fixture(scope="module")
def catalog() -> PropertyCatalog:
    return PropertyCatalog.from_dump(DATA / "kb.jsonl")


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_yaml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(args))
    return res.exit_code, res.output


def mapped(sheet: Path, mapping: Path, catalog: PropertyCatalog) -> list[MappedRow]:
    from wikiclub.sheets.mapping import load_mapping

    return list(validate_sheet(sheet, load_mapping(mapping), catalog, today=TODAY).result.rows)


def values(row: MappedRow, pid: str) -> list[object]:
    return [s.mainsnak.value for s in row.statements if s.property == pid]


# ------------------------------------------------------------------- a. check refuses what validate fails


TEMPLATE_AS_COLUMN = """version: 1
entity:
  label: {column: "{Prénom} {Nom}", language: fr}
columns:
  Site: {property: P856}
"""


def test_check_refuses_a_template_where_a_column_is_expected(tmp_path: Path, catalog: PropertyCatalog) -> None:
    path = write_yaml(tmp_path / "gens.yaml", TEMPLATE_AS_COLUMN)
    problems = check_mapping(parse_mapping(TEMPLATE_AS_COLUMN, str(path)), catalog)
    assert [p.where for p in problems] == [f"{path}:3"]
    assert "modèle, pas un nom de colonne" in problems[0].message and "template:" in (problems[0].hint or "")
    code, out = run_cli("mapping", "check", str(path), "--properties", str(DATA / "kb.jsonl"))
    assert code == 1 and f"{path}:3" in out and "{template:" in out
    # validate refuses the mapping too (a user error, not one error per row)
    sheet = write_csv(tmp_path / "gens.csv", ["Prénom", "Nom", "Site"], [["Ada", "Vézina", ""]])
    with pytest.raises(MappingError, match="modèle, pas un nom de colonne"):
        validate_sheet(sheet, parse_mapping(TEMPLATE_AS_COLUMN, str(path)), catalog)
    code, out = run_cli("validate", str(sheet), "-m", str(path), "--properties", str(DATA / "kb.jsonl"))
    assert code == 1 and "gens.yaml:3" in out and "modèle, pas un nom de colonne" in out


@pytest.mark.parametrize(("yaml_text", "line", "words"), [
    # malformed braces in a description
    ('entity:\n  label: {column: Nom}\n  description: {fr: "salle {à Ville"}\ncolumns: {}\n', 3, "mal formé"),
    # a placeholder no row can fill (format spec / attribute access)
    ('entity:\n  label: {column: Nom}\n  description: {fr: "salle {Ville:d}"}\ncolumns: {}\n', 3, "ne nomme pas"),
    # a derived column used before it is computed
    ('entity:\n  label: {column: Nom}\nderived:\n  A: {template: "{B} x"}\n  B: {template: "{Nom}"}\n'
     'columns: {}\n', 4, "plus bas"),
    # a template naming no column
    ('entity:\n  label: {template: "Salle"}\ncolumns: {}\n', 2, "aucune colonne"),
    # a pattern that does not compile, and one whose kept part is not said
    ('entity:\n  label: {column: Nom}\nderived:\n  V:\n    extract: {column: Adresse, pattern: "(?P<value>[a-z"}\n'
     'columns: {}\n', 5, "motif invalide"),
    ('entity:\n  label: {column: Nom}\nderived:\n  V:\n    extract:\n      column: Adresse\n      pattern: "(a)(b)"\n'
     'columns: {}\n', 7, "plusieurs groupes"),
    # a template in a qualifier's column
    ('entity:\n  label: {column: Nom}\ncolumns:\n  Genre:\n    property: P136\n'
     '    qualifiers: {P580: {column: "{Début}"}}\n', 6, "modèle, pas un nom"),
])
def test_check_refuses_templates_that_fail_every_row(tmp_path: Path, catalog: PropertyCatalog, yaml_text: str,
                                                     line: int, words: str) -> None:
    path = write_yaml(tmp_path / "m.yaml", yaml_text)
    problems = check_mapping(parse_mapping(yaml_text, str(path)), catalog)
    assert any(p.where == f"{path}:{line}" and words in p.message for p in problems), problems
    code, out = run_cli("mapping", "check", str(path), "--properties", str(DATA / "kb.jsonl"))
    assert code == 1 and f"m.yaml:{line}" in out and words in out


# -------------------------------------------------------------------------------- b. derived columns

DERIVED = """version: 1
entity:
  label: {template: "{Prénom} {Nom}", language: fr}
  description: {fr: "salle {à Ville}"}
derived:
  Ville:
    extract:
      column: Adresse
      pattern: ',\\s*(?P<value>[^,(]+?)\\s*(?:\\(Québec\\)|QC)?\\s*,?\\s*J\\d[A-Z] ?\\d[A-Z]\\d'
columns:
  Ville: {property: P131, item: {types: [Q900061, Q900060]}}
  Adresse: {property: P6375, language: fr}
"""


def test_label_template_and_extraction(tmp_path: Path, catalog: PropertyCatalog) -> None:
    mapping = write_yaml(tmp_path / "salles.yaml", DERIVED)
    assert check_mapping(parse_mapping(DERIVED, str(mapping)), catalog) == []
    sheet = write_csv(tmp_path / "salles.csv", ["Prénom", "Nom", "Adresse"], [
        ["Salle", "Mirabeau-Tessier", "12, rue des Pins, Rouyn-Noranda (Québec) J9X 1A1"],
        ["", "Grange Potvin", "3 chemin du Lac, Ville-Marie QC J9V 2B3"],
        ["Atelier", "Lune", "40 boulevard Nord, La Sarre, J9Z 9Z9"],
        ["Hangar", "Bleu", "sans adresse connue"],
    ])
    rows = mapped(sheet, mapping, catalog)
    assert [r.labels for r in rows] == [(("fr", "Salle Mirabeau-Tessier"),), (("fr", "Grange Potvin"),),
                                        (("fr", "Atelier Lune"),), (("fr", "Hangar Bleu"),)]
    assert [values(r, "P131") for r in rows[:3]] == [[ItemRef("Rouyn-Noranda", ("Q900061", "Q900060"))],
                                                     [ItemRef("Ville-Marie", ("Q900061", "Q900060"))],
                                                     [ItemRef("La Sarre", ("Q900061", "Q900060"))]]
    # an item column: the description waits for the item's label (a draft naming the derived cell)
    assert [(s.column, s.text) for d in rows[2].description_drafts for s in d.slots()] == [("Ville", "La Sarre")]
    assert ("Ville", "Ville-Marie") in rows[1].cells  # kept with the row (review sheets, evidence texts)
    # a cell the pattern does not match: an error naming file, row, column and value, not a silent empty
    assert values(rows[3], "P131") == [] and not rows[3].valid
    (err,) = [i for i in rows[3].issues if i.problem == "no-match"]
    assert (err.source.file, err.source.row, err.source.column, err.value) == (
        "salles.csv", 5, "Adresse", "sans adresse connue")
    assert "Ville" in err.message and "salles.yaml:6" in (err.hint or "")
    code, out = run_cli("validate", str(sheet), "-m", str(mapping), "--properties", str(DATA / "kb.jsonl"))
    assert code == 1 and "motif sans correspondance" in out and "sans adresse connue" in out


def test_no_match_can_be_a_warning(tmp_path: Path, catalog: PropertyCatalog) -> None:
    text = DERIVED.replace("      column: Adresse\n", "      column: Adresse\n      on_no_match: warn\n")
    mapping = write_yaml(tmp_path / "salles.yaml", text)
    sheet = write_csv(tmp_path / "salles.csv", ["Prénom", "Nom", "Adresse"], [["Hangar", "Bleu", "inconnue"]])
    (row,) = mapped(sheet, mapping, catalog)
    assert row.valid and [i.severity for i in row.issues if i.problem == "no-match"] == ["warning"]
    assert row.descriptions == () and row.description_drafts == ()  # its cell is empty: no description


def test_derived_template_chain_and_empty_parts(tmp_path: Path, catalog: PropertyCatalog) -> None:
    text = """version: 1
entity:
  label: {column: Nom complet}
  aliases: [{template: "{Nom}, {Prénom}"}]
derived:
  Nom complet: {template: "{Prénom} {Nom}"}
  Résumé: {template: "{Nom complet} — {Ville}"}
columns:
  Résumé: {property: P1448, language: fr}
"""
    mapping = write_yaml(tmp_path / "p.yaml", text)
    assert check_mapping(parse_mapping(text, str(mapping)), catalog) == []
    sheet = write_csv(tmp_path / "p.csv", ["Prénom", "Nom", "Ville"], [["Odile", "Brassard", "Amos"],
                                                                       ["", "Brassard", ""]])
    first, second = mapped(sheet, mapping, catalog)
    assert first.labels == (("fr", "Odile Brassard"),) and first.aliases == (("fr", "Brassard, Odile"),)
    assert [v.text for v in values(first, "P1448")] == ["Odile Brassard — Amos"]  # type: ignore[attr-defined]
    # empty cells leave no stray separator
    assert second.labels == (("fr", "Brassard"),) and second.aliases == (("fr", "Brassard"),)
    assert [v.text for v in values(second, "P1448")] == ["Brassard"]  # type: ignore[attr-defined]


def reconcile_records(records: Path, sandbox) -> list:  # noqa: ANN001
    """``reconcile`` (the library, as the CLI runs it) of a ``map`` output against the sandbox."""
    from wikiclub.adapters.http import make_session
    from wikiclub.adapters.wikibase import WikibaseClient
    from wikiclub.config import load_settings
    from wikiclub.reconcile.candidates import ApiSource
    from wikiclub.reconcile.stage import reconcile_mapped
    from wikiclub.sheets.validate import read_records

    settings = load_settings({"site": sandbox.api_url}, env={})
    client = WikibaseClient.from_settings(settings, make_session(settings))
    return reconcile_mapped(read_records(records), ApiSource(client))


def map_cli(sheet: Path, mapping: Path, records: Path) -> None:
    code, out = run_cli("map", str(sheet), "-m", str(mapping), "-o", str(records), "--properties",
                        str(DATA / "kb.jsonl"))
    assert code == 0, out


def test_derived_map_and_reconcile_against_the_sandbox(kb_sandbox, tmp_path: Path) -> None:  # noqa: ANN001
    """map (CLI) then reconcile: the extracted municipality is reconciled as the row's place cell."""
    mapping = write_yaml(tmp_path / "salles.yaml", DERIVED)
    sheet = write_csv(tmp_path / "salles.csv", ["Prénom", "Nom", "Adresse"], [
        ["Salle", "Mirabeau-Tessier", "12, rue des Pins, Rouyn-Noranda (Québec) J9X 1A1"]])
    map_cli(sheet, mapping, tmp_path / "salles.jsonl")
    (result,) = reconcile_records(tmp_path / "salles.jsonl", kb_sandbox)
    assert [(c.column, c.match.qid) for c in result.linked] == [("Ville", "Q900141")]


def test_item_values_and_strings_still_work(tmp_path: Path, catalog: PropertyCatalog) -> None:
    """A mapping without derived columns maps as before (the derived machinery is off)."""
    text = "entity:\n  label: {column: Nom}\ncolumns:\n  Site: {property: P856}\n  Lieu: {property: P131}\n"
    mapping = write_yaml(tmp_path / "m.yaml", text)
    sheet = write_csv(tmp_path / "m.csv", ["Nom", "Site", "Lieu"], [["Café Nordet", "nordet.example", "Q900141"]])
    (row,) = mapped(sheet, mapping, catalog)
    assert values(row, "P856") == [StringValue("https://nordet.example")]
    assert values(row, "P131") == [ItemValue("Q900141")] and row.cells == (("Nom", "Café Nordet"),
                                                                           ("Site", "nordet.example"),
                                                                           ("Lieu", "Q900141"))


def doc_example(marker: str) -> str:
    """The English section's YAML example of docs/mappings.md holding ``marker``."""
    import re

    text = (ROOT / "docs" / "mappings.md").read_text(encoding="utf-8")
    english = text[text.index("## English"):]
    return next(b for b in re.findall(r"```yaml\n(.*?)```", english, re.S) if marker in b)


def test_the_documented_derived_example_works(tmp_path: Path, catalog: PropertyCatalog) -> None:
    mapping = write_yaml(tmp_path / "doc.yaml", doc_example("derived:"))
    assert check_mapping(parse_mapping(mapping.read_text(encoding="utf-8"), str(mapping)), catalog) == []
    sheet = write_csv(tmp_path / "doc.csv", ["Prénom", "Nom", "Adresse"],
                      [["Irène", "Caouette", "7, av. du Lac, Amos (Québec) J9T 2K4"]])
    (row,) = mapped(sheet, mapping, catalog)
    assert row.labels == (("fr", "Irène Caouette"),)
    assert values(row, "P131") == [ItemRef("Amos", ("Q900061", "Q900060"))]
    assert ("Résumé", "Irène Caouette — Amos") in row.cells


# ----------------------------------------------------------------- c. one column, several properties

SEVERAL = """version: 1
entity:
  label: {column: Nom}
  description: {fr: "organisme {de Ville}"}
columns:
  Ville:                      # one column, two statements
    - {property: P131, item: {types: [Q900061, Q900060]}}
    - {property: P159, item: {types: [Q900061, Q900060]}}
  Site:
    - {property: P856}
    - property: P854
      references: false
"""


def test_one_column_feeds_several_properties(tmp_path: Path, catalog: PropertyCatalog) -> None:
    mapping = write_yaml(tmp_path / "o.yaml", SEVERAL)
    assert check_mapping(parse_mapping(SEVERAL, str(mapping)), catalog) == []
    sheet = write_csv(tmp_path / "o.csv", ["Nom", "Ville", "Site"], [["Cercle Boréalis", "Amos", "borealis.example"]])
    (row,) = mapped(sheet, mapping, catalog)
    ref = ItemRef("Amos", ("Q900061", "Q900060"))
    assert values(row, "P131") == [ref] and values(row, "P159") == [ref]
    assert values(row, "P856") == values(row, "P854") == [StringValue("https://borealis.example")]
    # the description's item slot holds the column's items (both statements name the same town)
    assert [s.values for d in row.description_drafts for s in d.slots()] == [(ref,)]
    # a bad spec in the list is reported at its line
    bad = SEVERAL.replace("    - {property: P159,", "    - {propriety: P159,")
    with pytest.raises(MappingError, match=r"o\.yaml:8"):
        parse_mapping(bad, str(tmp_path / "o.yaml"))


def test_one_column_several_properties_reconciled_once(kb_sandbox, tmp_path: Path) -> None:  # noqa: ANN001
    mapping = write_yaml(tmp_path / "o.yaml", SEVERAL)
    sheet = write_csv(tmp_path / "o.csv", ["Nom", "Ville", "Site"], [["Cercle Boréalis", "Rouyn-Noranda", ""]])
    map_cli(sheet, mapping, tmp_path / "o.jsonl")
    (result,) = reconcile_records(tmp_path / "o.jsonl", kb_sandbox)
    assert {c.match.qid for c in result.linked} == {"Q900141"}


# ------------------------------------------------------------- d. context columns: hints, not statements

CONTEXT = """version: 1
entity:
  label: {column: Nom}
  match: {within: [Q176, Q1904]}
columns:
  Ville: {property: P131, item: {types: [Q900061, Q900060], within: [Q176, Q1904]}}
  Région:
    use: region               # scopes the Ville column (the P131 column by default)
    values: {Abitibi-Témiscamingue: Q900126, Montréal: Q900220, Ailleurs: null}
  Catégorie:
    - use: category           # a weighted type hint for the row's own item
      values: {musée: Q33506, salle de spectacle: Q900053, bibliothèque: Q7075}
    - use: instance_of        # the same column also gives P31 to items created
      on_unknown: warn
      values: {musée: Q33506}
"""


def test_region_and_category_are_hints_not_statements(tmp_path: Path, catalog: PropertyCatalog) -> None:
    mapping = write_yaml(tmp_path / "ctx.yaml", CONTEXT)
    assert check_mapping(parse_mapping(CONTEXT, str(mapping)), catalog) == []
    sheet = write_csv(tmp_path / "ctx.csv", ["Nom", "Ville", "Région", "Catégorie"], [
        ["Maison Lortie", "Ville-Marie", "Abitibi-Témiscamingue", "Salle de spectacle"],
        ["Atelier Cormier", "Ville-Marie", "Montréal", "Musée"],
        ["Galerie Perreault", "Ville-Marie", "", ""],
        ["Kiosque Arsenault", "Ville-Marie", "Gaspésie", "Cabane"],
    ])
    rows = mapped(sheet, mapping, catalog)
    assert [values(r, "P131") for r in rows] == [
        [ItemRef("Ville-Marie", ("Q900061", "Q900060"), ("Q900126",))],
        [ItemRef("Ville-Marie", ("Q900061", "Q900060"), ("Q900220",))],
        [ItemRef("Ville-Marie", ("Q900061", "Q900060"), ("Q176", "Q1904"))],  # no region: the mapping's
        [ItemRef("Ville-Marie", ("Q900061", "Q900060"), ("Q176", "Q1904"))]]
    assert [r.match.hints for r in rows] == [("Q900053",), ("Q33506",), (), ()]
    assert [r.instance_of for r in rows] == [(), ("Q33506",), (), ()]
    # never statements: only the P131 cell
    assert {s.property for r in rows for s in r.statements} == {"P131"}
    # an unknown region or category word is a warning: the row stays valid, without the hint
    assert rows[3].valid and sorted(i.message.split(" « ")[0] for i in rows[3].issues) == [
        "Catégorie inconnue", "Région inconnue", "Type inconnu"]
    # the hints survive the records file
    from wikiclub.reconcile.inputs import row_input
    from wikiclub.sheets.validate import read_records, write_records

    write_records(tmp_path / "ctx.jsonl", rows)
    again = read_records(tmp_path / "ctx.jsonl")
    assert [r.match.hints for r in again] == [r.match.hints for r in rows]
    query = row_input(again[0]).entity
    assert query.type_hints == ("Q900053",) and row_input(again[0]).linked[0].within == ("Q900126",)


def test_region_column_picks_the_homonym_town(kb_sandbox, tmp_path: Path) -> None:  # noqa: ANN001
    """Two towns named Ville-Marie in Quebec: the region cell decides which one the row means."""
    mapping = write_yaml(tmp_path / "ctx.yaml", CONTEXT)
    sheet = write_csv(tmp_path / "ctx.csv", ["Nom", "Ville", "Région", "Catégorie"], [
        ["Maison Lortie", "Ville-Marie", "Abitibi-Témiscamingue", ""],
        ["Atelier Cormier", "Ville-Marie", "Montréal", ""]])
    map_cli(sheet, mapping, tmp_path / "ctx.jsonl")
    first, second = reconcile_records(tmp_path / "ctx.jsonl", kb_sandbox)
    assert first.linked[0].match.qid == "Q900167" and second.linked[0].match.qid == "Q900221"


@pytest.mark.parametrize(("yaml_text", "words"), [
    ("entity:\n  label: {column: Nom}\ncolumns:\n  Région: {use: region, values: {A: Q900126}}\n", "ne limite aucune"),
    ("entity:\n  label: {column: Nom}\ncolumns:\n  Ville: {property: P131}\n"
     "  Région: {use: region, scopes: Ville, values: {A: Q900126}}\n", "pas une colonne d'éléments"),
    ("entity:\n  label: {column: Nom}\ncolumns:\n  Cat: {use: category, property: P31, values: {a: Q33506}}\n",
     "jamais une déclaration"),
])
def test_check_refuses_hint_columns_that_cannot_work(tmp_path: Path, catalog: PropertyCatalog, yaml_text: str,
                                                     words: str) -> None:
    path = write_yaml(tmp_path / "h.yaml", yaml_text)
    assert any(words in p.message for p in check_mapping(parse_mapping(yaml_text, str(path)), catalog))
    with pytest.raises(MappingError, match="demande values"):
        parse_mapping("entity:\n  label: {column: Nom}\ncolumns:\n  Région: {use: region}\n", "h.yaml")


# ------------------------------------------------------- e. several identifier schemes in one column

SCHEMES = """version: 1
entity:
  label: {column: Nom}
columns:
  Identifiants:
    split: ";"
    schemes: {ISNI: P213, VIAF: P214, GND: P227, LC: P244}
"""


def test_one_column_several_identifier_schemes(tmp_path: Path, catalog: PropertyCatalog) -> None:
    mapping = write_yaml(tmp_path / "ids.yaml", SCHEMES)
    assert check_mapping(parse_mapping(SCHEMES, str(mapping)), catalog) == []
    sheet = write_csv(tmp_path / "ids.csv", ["Nom", "Identifiants"], [
        ["Rosalie Thibodeau", "ISNI 0000 0001 2345 6789 ; VIAF 12345"],
        ["Marc-Aurèle Gingras", "viaf: 987654; n79021164; 0000000477771233"],
        ["Solange Demers", "123456789"],       # fits VIAF and GND: which one?
        ["Yvon Lafrenière", "BnF 1234"],        # an unknown word, no format fits
        ["Nadia Bélanger", "ISNI 0000 0001 2345 6788"],  # the word decides; the check digit is wrong
    ])
    rows = mapped(sheet, mapping, catalog)
    ids = [sorted((s.property, s.mainsnak.value.value) for s in r.statements) for r in rows]  # type: ignore[union-attr]
    assert ids[0] == [("P213", "0000 0001 2345 6789"), ("P214", "12345")]
    assert ids[1] == [("P213", "0000 0004 7777 1233"), ("P214", "987654"), ("P244", "n79021164")]
    assert ids[2] == ids[3] == [] and ids[4] == [("P213", "0000 0001 2345 6788")] and not rows[4].valid
    problems = [[(i.problem, i.source.column, i.value) for i in r.issues if i.severity == "error"] for r in rows]
    assert problems[2] == [("unknown-scheme", "Identifiants", "123456789")]
    assert "P214" in rows[2].issues[0].message and "P227" in rows[2].issues[0].message
    assert problems[3] == [("unknown-scheme", "Identifiants", "BnF 1234")]
    assert "ISNI, VIAF, GND, LC" in (rows[3].issues[0].hint or "")
    assert [p[0] for p in problems[4]] == ["bad-checksum"]
    code, out = run_cli("validate", str(sheet), "-m", str(mapping), "--properties", str(DATA / "kb.jsonl"))
    assert code == 1 and "identifiant non reconnu" in out


@pytest.mark.parametrize(("yaml_text", "error"), [
    ("entity:\n  label: {column: Nom}\ncolumns:\n  Ids: {property: P213, schemes: {ISNI: P213}}\n", "ni property"),
    ("entity:\n  label: {column: Nom}\ncolumns:\n  Ids: {schemes: {ISNI: Q5}}\n", "Ids/schemes/ISNI"),
])
def test_schemes_refused_at_load(yaml_text: str, error: str) -> None:
    with pytest.raises(MappingError, match=error):
        parse_mapping(yaml_text, "ids.yaml")


def test_schemes_must_be_identifier_properties(tmp_path: Path, catalog: PropertyCatalog) -> None:
    text = "entity:\n  label: {column: Nom}\ncolumns:\n  Ids:\n    schemes: {ISNI: P213, Ville: P131}\n"
    problems = check_mapping(parse_mapping(text, "ids.yaml"), catalog)
    assert [(p.where, "P131" in p.message) for p in problems] == [("ids.yaml:5", True)]


def test_identifier_schemes_decide_between_homonyms(kb_sandbox, tmp_path: Path) -> None:  # noqa: ANN001
    """Two people of the same name on the wiki: the VIAF number found in the mixed column picks one."""
    text = SCHEMES.replace("  label: {column: Nom}\n", "  label: {column: Nom}\n  instance_of: [Q5]\n"
                           "  match: {types: [Q5]}\n")
    mapping = write_yaml(tmp_path / "ids.yaml", text)
    sheet = write_csv(tmp_path / "ids.csv", ["Nom", "Identifiants"], [["Claire Dubé", "VIAF 284736195"],
                                                                       ["Claire Dubé", "0000 0004 6612 8349"]])
    map_cli(sheet, mapping, tmp_path / "ids.jsonl")
    first, second = reconcile_records(tmp_path / "ids.jsonl", kb_sandbox)
    assert (first.entity.decision.value, first.entity.qid) == ("MATCH", "Q900519")
    assert (second.entity.decision.value, second.entity.qid) == ("MATCH", "Q900520")


# ------------------------------------------------------------------- f. several tabs in one mapping

TABS = """version: 1
sheet:
  names: [Salles, Autres lieux]     # two tabs of the same kind; « Notes » is not read
entity:
  label: {column: Nom, language: fr}
  instance_of: [Q900052]
  match: {within: [Q176, Q1904]}
columns:
  Ville: {property: P131, item: {types: [Q900061, Q900060], within: [Q176, Q1904]}}
"""


def write_tabs(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "Salles"
    for line in (["Nom", "Ville"], ["Salle des Épinettes", "Amos"], ["Grange Lachance", "Rouyn-Noranda"]):
        first.append(line)
    second = wb.create_sheet("Autres lieux")
    for line in (["Ville", "Nom"], ["Amos", "SALLE DES EPINETTES"], ["Ville-Marie", "Kiosque Beaudry"],
                 ["Rouyn-Noranda", "Grange Lachance"]):
        second.append(line)
    wb.create_sheet("Notes").append(["Liste tenue par le comité"])
    wb.save(path)
    wb.close()
    return path


def test_several_tabs_validate_and_map_together(tmp_path: Path, catalog: PropertyCatalog) -> None:
    mapping = write_yaml(tmp_path / "tabs.yaml", TABS)
    sheet = write_tabs(tmp_path / "lieux.xlsx")
    rows = mapped(sheet, mapping, catalog)
    assert [(r.source.sheet, r.source.row, r.labels[0][1]) for r in rows] == [
        ("Salles", 2, "Salle des Épinettes"), ("Salles", 3, "Grange Lachance"),
        ("Autres lieux", 2, "SALLE DES EPINETTES"), ("Autres lieux", 3, "Kiosque Beaudry"),
        ("Autres lieux", 4, "Grange Lachance")]
    code, out = run_cli("validate", str(sheet), "-m", str(mapping), "--properties", str(DATA / "kb.jsonl"))
    assert code == 0, out
    assert "« Salles » (2), « Autres lieux » (3)" in out and "Lignes lues / rows read : 5" in out
    # --sheet still picks one tab
    code, out = run_cli("validate", str(sheet), "-m", str(mapping), "--sheet", "Autres lieux", "--properties",
                        str(DATA / "kb.jsonl"))
    assert code == 0 and "Lignes lues / rows read : 3" in out
    with pytest.raises(MappingError, match="names excludes name"):
        parse_mapping(TABS.replace("  names:", "  name: Salles\n  names:"), "tabs.yaml")
    # a tab the workbook does not have, and a CSV (no tabs at all): said, not read twice or skipped
    code, out = run_cli("validate", str(sheet), "-m", str(write_yaml(tmp_path / "t2.yaml", TABS.replace(
        "Autres lieux]", "Autres salles]"))), "--properties", str(DATA / "kb.jsonl"))
    assert code == 1 and "Autres salles" in out and "Traceback" not in out
    csv_sheet = write_csv(tmp_path / "lieux.csv", ["Nom", "Ville"], [["Salle des Épinettes", "Amos"]])
    code, out = run_cli("validate", str(csv_sheet), "-m", str(mapping), "--properties", str(DATA / "kb.jsonl"))
    assert code == 1 and "n'a pas d'onglets" in out and "sheet.names" in out


def test_several_tabs_reconciled_together_with_duplicates_across_tabs(kb_sandbox, tmp_path: Path) -> None:  # noqa: ANN001
    import json

    mapping = write_yaml(tmp_path / "tabs.yaml", TABS)
    sheet = write_tabs(tmp_path / "lieux.xlsx")
    records = tmp_path / "lieux.jsonl"
    map_cli(sheet, mapping, records)
    review = tmp_path / "review.xlsx"
    code, out = run_cli("reconcile", str(records), "--site", kb_sandbox.site, "--no-progress", "-o", str(review))
    assert code == 0, out
    state = {d["result"]["key"].split(":", 1)[1]: d["result"] for d in map(
        json.loads, review.with_name("review.state.jsonl").read_text(encoding="utf-8").splitlines()) if "result" in d}
    # the same new venue in both tabs: one entity, found across tabs (row 2 of each tab, not confused)
    assert state["Autres lieux:2"]["duplicate_of"] == 2
    assert state["Autres lieux:2"]["duplicate_key"].endswith("lieux.xlsx:Salles:2")
    assert state["Salles:2"]["duplicate_of"] is None and state["Autres lieux:3"]["duplicate_of"] is None
    assert state["Autres lieux:4"]["duplicate_key"].endswith(":Salles:3")
    # apply the review: the second tab's row joins the first tab's creation (one item, not two)
    applied = tmp_path / "applied.jsonl"
    code, out = run_cli("reconcile", "--apply-review", str(review), "-o", str(applied))
    assert code == 0, out
    items = {d["reconcile"]["key"].split(":", 1)[1]: d["reconcile"]
             for d in map(json.loads, applied.read_text(encoding="utf-8").splitlines())}
    assert items["Autres lieux:2"].get("same_as", "").endswith(":Salles:2")
    assert items["Autres lieux:4"].get("same_as", "").endswith(":Salles:3")
    assert "same_as" not in items["Autres lieux:3"]
    # what the person reads names the tab of each row: both tabs have a row 2
    assert "ligne Autres lieux:2 → même entité que la ligne / same entity as row Salles:2" in out


def test_a_derived_column_named_like_a_sheet_column_is_said(tmp_path: Path, catalog: PropertyCatalog) -> None:
    mapping = write_yaml(tmp_path / "salles.yaml", DERIVED)
    sheet = write_csv(tmp_path / "salles.csv", ["Prénom", "Nom", "Adresse", "ville"], [
        ["Salle", "Roy", "1 rue A, Amos QC J9T 1A1", "Malartic"]])
    validation = validate_sheet(sheet, parse_mapping(DERIVED, str(mapping)), catalog, today=TODAY)
    (row,) = validation.result.rows
    assert values(row, "P131") == [ItemRef("Amos", ("Q900061", "Q900060"))]  # the derived value wins
    (warning,) = [i for i in validation.result.issues if i.problem == "derived-shadows-column"]
    assert (warning.severity, warning.source.column) == ("warning", "ville")
    assert "salles.yaml:6" in (warning.hint or "")
