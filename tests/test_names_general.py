"""names.py's general rules (issue 12): legal forms, initialisms, Quebec place-name abbreviations,
municipality cells as archivists write them, websites by site root and registrable domain. Names of
our own, not the sample's."""

from __future__ import annotations

import pytest

from wikiclub.names import (
    bare_name,
    core,
    expand_place_abbreviations,
    join_initialisms,
    place_cell,
    registrable_domain,
    site_page,
    url_key,
    url_variants,
)


@pytest.mark.parametrize("written", [
    "Atelier Brunante inc.", "Atelier Brunante Inc", "ATELIER BRUNANTE LTÉE", "Atelier Brunante limitée",
    "Atelier Brunante Ltd.", "Atelier Brunante Limited", "Atelier Brunante Corp.", "Atelier Brunante Corporation",
    "Atelier Brunante S.E.N.C.", "Atelier Brunante S.E.N.C.R.L.", "Atelier Brunante senc", "Atelier Brunante enr.",
    "Atelier Brunante & Cie", "Atelier Brunante et Cie", "Atelier Brunante Coop", "Atelier Brunante OSBL",
    "Atelier Brunante (OBNL)", "Corporation de l'Atelier Brunante", "Coopérative Atelier Brunante",
    "Coop de l'Atelier Brunante", "L'ATELIER BRUNANTE INC.",
])
def test_legal_forms_are_optional_words(written: str) -> None:
    assert core(written) == core("Atelier Brunante") == "atelier brunante"


def test_legal_form_alone_or_inside_a_name_stays() -> None:
    assert core("Coop") == "coop"  # nothing else to compare
    assert core("Corporation") == "corporation"
    assert core("Atelier Coop Brunante") == "atelier coop brunante"  # not at an end
    assert bare_name("Atelier Brunante S.E.N.C.R.L.") == "Atelier Brunante"
    assert bare_name("Atelier Brunante & Cie") == "Atelier Brunante"


def test_initialisms_with_dots() -> None:
    assert join_initialisms("C.L.S.C. du Lac") == "CLSC du Lac"
    assert core("C.L.S.C. du Lac-Brûlé") == core("CLSC du Lac-Brûlé") == core("clsc du lac brule")
    assert core("Les A.M.I.S. du Vallon") == core("Les AMIS du Vallon")
    # a compound's initials (hyphen) and a person's initials stay apart
    assert join_initialisms("R.-N.") == "R.-N."
    assert core("Festival du Val, A.-T.") == "festival val t"


def test_saint_and_notre_dame_abbreviations() -> None:
    assert core("St-Aubin-des-Pins") == core("Saint-Aubin-des-Pins")
    assert core("Ste-Clotilde-du-Lac") == core("Sainte-Clotilde-du-Lac")
    assert core("Église Sts-Anges") == core("Église Saints-Anges")
    assert core("N.-D.-des-Sables") == core("Notre-Dame-des-Sables") == core("N-D-des-Sables")
    assert expand_place_abbreviations("St-Aubin, Ste-Clotilde, N.-D.-du-Bois") == \
        "Saint-Aubin, Sainte-Clotilde, Notre-Dame-du-Bois"
    assert expand_place_abbreviations("Stanstead") == "Stanstead"  # not a prefix of a word


@pytest.mark.parametrize(("cell", "name", "provinces", "clues"), [
    ("Grand-Vallon", "Grand-Vallon", (), ()),
    ("Grand-Vallon (Qué.)", "Grand-Vallon", ("Qué",), ()),
    ("Grand-Vallon (Québec)", "Grand-Vallon", ("Québec",), ()),
    ("Grand-Vallon, Québec", "Grand-Vallon", ("Québec",), ()),
    ("Grand-Vallon Québec", "Grand-Vallon", ("Québec",), ()),
    ("Grand-Vallon QC", "Grand-Vallon", ("QC",), ()),
    ("Grand-Vallon, Qc", "Grand-Vallon", ("Qc",), ()),
    ("Grand-Vallon P.Q.", "Grand-Vallon", ("P.Q",), ()),
    ("Grand-Vallon, Québec, Canada", "Grand-Vallon", ("Québec",), ()),
    ("Grand-Vallon, Canada", "Grand-Vallon", (), ()),
    ("Petit-Lac Ont.", "Petit-Lac", ("Ont",), ()),
    ("Petit-Lac (ON)", "Petit-Lac", ("ON",), ()),
    ("Petit-Lac, Ontario, Canada", "Petit-Lac", ("Ontario",), ()),
    ("Grand-Vallon (ville)", "Grand-Vallon", (), ()),
    ("Grand-Vallon (municipalité)", "Grand-Vallon", (), ()),
    ("Grand-Vallon (V)", "Grand-Vallon", (), ()),
    ("Grand-Vallon (secteur Brisay)", "Grand-Vallon", (), ()),
    ("Brisay, Grand-Vallon", "Brisay", (), ("Grand-Vallon",)),
    ("secteur Brisay de Grand-Vallon", "Brisay", (), ("Grand-Vallon",)),
    ("Lac-Véron (Haute-Bruyère)", "Lac-Véron", (), ("Haute-Bruyère",)),
    ("Mun. de Lac-Véron", "Lac-Véron", (), ()),
    ("M. de Lac-Véron", "Lac-Véron", (), ()),
    ("V. de Grand-Vallon", "Grand-Vallon", (), ()),
    ("Ville de Grand-Vallon", "Grand-Vallon", (), ()),
    ("Municipalité de St-Aubin-des-Pins (Qué.)", "Saint-Aubin-des-Pins", ("Qué",), ()),
    ("Par. de Saint-Aubin", "Paroisse de Saint-Aubin", (), ()),
    ("Saint-Aubin (P)", "Paroisse de Saint-Aubin", (), ()),
    ("Cant. de Brisay", "Canton de Brisay", (), ()),
    ("Brisay (CT)", "Canton de Brisay", (), ()),
    ("N.-D.-des-Sables", "Notre-Dame-des-Sables", (), ()),
    ("Ville de Québec", "Québec", (), ()),  # the city: a name must remain
    ("Québec", "Québec", (), ()),
    ("Val-d’Étang", "Val-d’Étang", (), ()),  # as typed when nothing is removed
    ("Val-d’Étang (Qc)", "Val-d'Étang", ("Qc",), ()),
    # English designations and those of reserved lands (Répertoire des municipalités: R, TC, TK…)
    ("Municipality of Lac-Véron", "Lac-Véron", (), ()),
    ("TOWN OF GRAND-VALLON", "GRAND-VALLON", (), ()),
    ("Reserve of Wabanok", "Wabanok", (), ()),
    ("Terres réservées cries de Wabanok", "Wabanok", (), ()),
    ("Wabanok (TC)", "Wabanok", (), ()),
    ("Wabanok (R)", "Wabanok", (), ()),
    # full addresses: English street types after the street's name, a province without parentheses or
    # comma, « Canada » after the province
    ("464, du Lac Street, Petit-Lac, ON P9C 4W6", "Petit-Lac", ("ON",), ()),
    ("12 Birch Rd, Petit-Lac (Ontario) P4S 4E7", "Petit-Lac", ("Ontario",), ()),
    ("829, MAIN AVE, PETIT-LAC ON P7B 4G5", "PETIT-LAC", ("ON",), ()),
    ("2684, ch. Gamble, Grand-Vallon (Québec) Canada J7J 7A3", "Grand-Vallon", ("Québec",), ()),
    ("62, avenue de la Gare, Grand-Vallon (QUÉBEC) CANADA J4E 2W1", "Grand-Vallon", ("QUÉBEC",), ()),
    # « St » before a name is a saint, not a street type; a name is never only a qualifier
    ("St-Aubin, QC", "Saint-Aubin", ("QC",), ()),
])
def test_place_cells(cell: str, name: str, provinces: tuple[str, ...], clues: tuple[str, ...]) -> None:
    pc = place_cell(cell)
    assert (pc.name, pc.provinces, pc.clues) == (name, provinces, clues)


@pytest.mark.parametrize(("cell", "name"), [
    ("45, rue des Merles, Grand-Vallon (Québec) J0Z 1A1", "Grand-Vallon"),
    ("45 rue des Merles, Grand-Vallon, QC J0Z 1A1", "Grand-Vallon"),
    ("1200, 3e Avenue, Grand-Vallon (Qc)", "Grand-Vallon"),
    ("C.P. 88, Lac-Véron, Québec", "Lac-Véron"),
    ("12 boul. des Pionniers, bureau 4, St-Aubin-des-Pins QC J0Y 2B2", "Saint-Aubin-des-Pins"),
    ("77 Main Street, Petit-Lac, ON P0L 1C0", "Petit-Lac"),
])
def test_municipality_inside_an_address(cell: str, name: str) -> None:
    pc = place_cell(cell)
    assert pc.name == name
    assert pc.postal_province in ("", "Québec", "Ontario")


def test_postal_code_gives_a_province() -> None:
    assert place_cell("45, rue des Merles, Grand-Vallon J0Z 1A1").postal_province == "Québec"
    assert place_cell("77 Main Street, Petit-Lac P0L 1C0").postal_province == "Ontario"


def test_websites_by_root_and_registrable_domain() -> None:
    assert registrable_domain("billets.ombrelles.org") == "ombrelles.org"
    assert registrable_domain("ombrelles.qc.ca") == "ombrelles.qc.ca"  # qc.ca is a public suffix
    assert registrable_domain("culture.ombrelles.qc.ca") == "ombrelles.qc.ca"
    variants = url_variants("https://www.ombrelles.org/a-propos")
    assert variants[0] == "https://www.ombrelles.org/a-propos/"
    assert "https://www.ombrelles.org/" in variants and "http://ombrelles.org/" in variants
    sub = url_variants("billets.ombrelles.org/saison")
    assert "https://www.ombrelles.org/" in sub and "https://billets.ombrelles.org/" in sub
    assert url_variants("https://ombrelles.org/") == tuple(dict.fromkeys(url_variants("ombrelles.org")))
    assert site_page(url_key("https://ombrelles.org/à-propos")[1])  # type: ignore[index]
    assert site_page("nous-joindre") and site_page("about-us.html")
    assert not site_page("saison/2025") and not site_page("culture")
