"""Reading spreadsheets: the three sample sheets as a volunteer sees them, and the reader's rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from wikiclub.errors import SheetError
from wikiclub.sheets.read import SheetOptions, clean_text, escape_cell, read_sheet, write_table

DATA = Path(__file__).resolve().parent / "data"


def test_organismes_csv_utf8_bom_comma() -> None:
    s = read_sheet(DATA / "organismes-culturels.csv")
    assert (s.encoding, s.delimiter, s.header_row, s.sheet) == ("utf-8-sig", ",", 1, None)
    assert s.columns == ("Nom de l'organisme", "Type", "Municipalité", "Site web", "Courriel", "Téléphone",
                         "Facebook", "Fondé en", "ISNI", "Notes")
    assert len(s.rows) == 46
    assert [r.source.row for r in s.rows] == list(range(2, 48))
    first = s.rows[0]
    assert first.source.file == "organismes-culturels.csv"
    assert first.get("Nom de l'organisme") == "Conseil de la culture de l'Abitibi-Témiscamingue"
    assert first.get("Téléphone") == "819 555-0101"
    assert first.get("Facebook") == "ccat.qc"
    by_row = {r.source.row: r for r in s.rows}
    assert by_row[6].get("Nom de l'organisme") == "MA musée d'art"  # "  MA musée d'art " trimmed
    assert by_row[31].get("Nom de l'organisme") == "Refuge Pageau"  # trailing space
    assert by_row[19].get("Municipalité") == "Hearst, ON"  # quoted comma
    assert by_row[27].get("ISNI") == "0000 0001 1987 4420"
    assert by_row[39].get("Municipalité") == "Grand Sudbury" and by_row[39].get("Notes") == ""  # short row
    assert by_row[47].get("Notes") == "Baie-James"
    assert s.issues == ()


def test_lieux_csv_windows1252_semicolon() -> None:
    s = read_sheet(DATA / "lieux.csv")
    assert (s.encoding, s.delimiter) == ("cp1252", ";")
    assert s.columns[:4] == ("Nom", "Catégorie", "Adresse", "Municipalité")
    assert len(s.rows) == 39 and s.rows[-1].source.row == 40
    by_row = {r.source.row: r for r in s.rows}
    assert by_row[2].get("Latitude") == "48,2380" and by_row[2].get("Longitude") == "-79,0205"
    assert by_row[5].get("Longitude") == "79,0165"
    assert by_row[14].get("Nom") == "Fort-Témiscamingue"
    assert by_row[34].get("Nom") == "Parc botanique À fleur d'eau"
    assert by_row[40].get("Adresse") == "150, avenue du Lac" and by_row[40].get("Code postal") == "J9X 4N5"


def test_festivals_xlsx_header_row_4_blank_row_13_note_row_31() -> None:
    s = read_sheet(DATA / "festivals.xlsx")
    assert s.sheet == "Festivals 2024" and s.header_row == 4 and s.format == "xlsx"
    assert s.columns == ("Nom du festival", "Municipalité", "Lieu principal", "1re édition",
                         "Prochaine édition", "Site Web", "Genre", "Responsable (bénévole)")
    numbers = [r.source.row for r in s.rows]
    assert numbers == [*range(5, 13), *range(14, 30)]  # 24 rows, 13 empty, 30 empty, 31 a note
    assert len(numbers) == 24
    assert [i.problem for i in s.issues] == ["note-row"] and s.issues[0].source.row == 31
    by_row = {r.source.row: r for r in s.rows}
    assert by_row[5].get("1re édition") == "1982"  # a number cell, not "1982.0"
    assert by_row[5].get("Prochaine édition") == "2024-10-26"  # an Excel date cell
    assert by_row[6].get("Prochaine édition") == "29 août 2024"  # text date kept as typed
    assert by_row[11].get("Prochaine édition") == "février 2024"
    assert by_row[21].get("Prochaine édition") == "29/08/2024"
    assert by_row[29].get("Prochaine édition") == "2023-09-16"
    assert by_row[28].get("Municipalité") == "Cochrane (Ontario)"


def test_sheet_by_name_and_index(tmp_path: Path) -> None:
    assert read_sheet(DATA / "festivals.xlsx", SheetOptions(sheet="notes")).sheet == "Notes"
    assert read_sheet(DATA / "festivals.xlsx", SheetOptions(sheet=2)).sheet == "Notes"
    with pytest.raises(SheetError, match="Festivals 2024"):
        read_sheet(DATA / "festivals.xlsx", SheetOptions(sheet="Festivals 2023"))


def test_header_row_can_be_set(tmp_path: Path) -> None:
    s = read_sheet(DATA / "festivals.xlsx", SheetOptions(header_row=4))
    assert s.rows[0].source.row == 5


def _workbook(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Données"
    ws["A1"] = "Liste"
    ws.merge_cells("A1:D1")
    ws.append([])
    ws.append(["Nom", "Ville", "Code", "Aide"])
    ws.append(["A", "Amos", 123, "x"])
    ws.append(["B", None, 45, "y"])
    ws.merge_cells("B4:B5")  # one town for two rows
    ws["C4"].number_format = "00000"  # identifiers with leading zeros
    ws.append(["C", "Val-d'Or", 123456789012345, "z"])
    ws.append(["D", "Amos", dt.datetime(2020, 3, 1), "w"])
    ws["C7"].number_format = "mmmm yyyy"
    ws.column_dimensions["D"].hidden = True
    wb.save(path)


def test_xlsx_merged_cells_hidden_columns_numbers(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    _workbook(path)
    s = read_sheet(path)
    assert s.header_row == 3 and s.columns == ("Nom", "Ville", "Code")
    assert s.hidden_columns == ("Aide",)
    rows = {r.source.row: r for r in s.rows}
    assert rows[4].get("Code") == "00123"
    assert rows[5].get("Ville") == "Amos"  # merged B4:B5
    assert rows[6].get("Code") == "123456789012345"
    assert rows[7].get("Code") == "2020-03"  # a date cell shown as month + year
    kept = read_sheet(path, SheetOptions(keep_hidden=frozenset({"Aide"})))
    assert kept.columns == ("Nom", "Ville", "Code", "Aide")


def test_csv_multiline_quoted_field_keeps_spreadsheet_row_numbers(tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_text('Nom\tNote\n"A"\t"ligne 1\nligne 2"\n\nB\tx\n', encoding="utf-8")
    s = read_sheet(p)
    assert s.delimiter == "\t"
    assert [(r.source.row, r.get("Nom"), r.get("Note")) for r in s.rows] == [
        (2, "A", "ligne 1\nligne 2"), (4, "B", "x")]


def test_expected_columns_find_the_header_below_titles(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("Répertoire 2024;;\nmis à jour;par;Luc\nNom;Ville;Site\nA;Amos;a.ca\n", encoding="utf-8")
    s = read_sheet(p, SheetOptions(expected_columns=frozenset({"Nom", "Site"})))
    assert s.header_row == 3 and s.rows[0].get("Site") == "a.ca"


def test_clean_text() -> None:
    assert clean_text("  Val\u00a0d'Or\u202f ") == "Val d'Or"
    assert clean_text("Montre\u0301al") == "Montréal"  # NFC
    assert clean_text("a\r\n  b  ") == "a\nb"
    assert clean_text("x\u200by") == "xy"
    assert clean_text("007") == "007"


def test_report_cells_escaped_against_formula_injection(tmp_path: Path) -> None:
    assert escape_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert [escape_cell(v) for v in ("+1", "-2", "@a", "ok", 3)] == ["'+1", "'-2", "'@a", "ok", 3]
    write_table(tmp_path / "r.xlsx", ["a"], [["=1+1"]])
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    assert ws["A2"].value == "'=1+1" and ws["A2"].data_type == "s"


def test_ods_with_title_rows_sheet_choice_and_row_numbers(tmp_path: Path) -> None:
    """LibreOffice's own format, written by a real ODS writer (odfpy, test-only): title and blank rows
    above the header, a second sheet, identifiers that keep their leading zeros as text."""
    import pandas as pd

    path = tmp_path / "repertoire.ods"
    table = [["Répertoire 2025", None, None], [None, None, None],
             ["Nom", "Municipalité", "Code"], ["Théâtre du cuivre", "Rouyn-Noranda", "007"],
             [None, None, None], ["Agora des arts", "Rouyn-Noranda", "012"]]
    with pd.ExcelWriter(path, engine="odf") as writer:
        pd.DataFrame(table).to_excel(writer, sheet_name="Lieux", header=False, index=False)
        pd.DataFrame([["note"]]).to_excel(writer, sheet_name="Notes", header=False, index=False)
    s = read_sheet(path, SheetOptions(expected_columns=frozenset({"Nom", "Municipalité"})))
    assert s.format == "ods" and s.sheet == "Lieux" and s.header_row == 3
    assert s.columns == ("Nom", "Municipalité", "Code")
    assert [r.source.row for r in s.rows] == [4, 6]  # as LibreOffice numbers them; the blank row skipped
    assert [r.get("Code") for r in s.rows] == ["007", "012"]
    assert read_sheet(path, SheetOptions(sheet="Notes")).sheet == "Notes"
