"""French first: the grammar of « {de X} » / « {à X} » in description templates (french.py), and a
volunteer never reads English from a known list where French is promised — click's words, severities —
in the CLI's output or in a French section of the docs."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_descriptions import descriptions
from test_plan import KbReader, plan_of

from wikiclub.cli import main
from wikiclub.french import elides, join_names, split_placeholder, with_preposition
from wikiclub.model import DescriptionDraft, ItemSlot, ItemValue
from wikiclub.sheets.mapping import parse_mapping, template_advice
from wikiclub.sheets.properties import PropertyCatalog
from wikiclub.sheets.validate import validate_sheet

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "tests" / "data" / "kb.jsonl"

# --------------------------------------------------------------------------------------------- grammar

CASES = [
    # name, after « de », after « à »
    ("Rouyn-Noranda", "de Rouyn-Noranda", "à Rouyn-Noranda"),       # consonant
    ("Amos", "d'Amos", "à Amos"),                                  # vowel: « de » elides, « à » never
    ("Évain", "d'Évain", "à Évain"),                               # accented vowel
    ("Île-d'Entrée", "d'Île-d'Entrée", "à Île-d'Entrée"),
    ("Hébertville", "d'Hébertville", "à Hébertville"),             # mute h (the Commission's example)
    ("Harricana", "d'Harricana", "à Harricana"),
    ("Hearst", "de Hearst", "à Hearst"),                           # aspirated h (ASPIRATED_H)
    ("Haute-Rive", "de Haute-Rive", "à Haute-Rive"),
    ("Ouiatchouan", "de Ouiatchouan", "à Ouiatchouan"),            # semi-consonant [w]
    ("Oujé-Bougoumou", "d'Oujé-Bougoumou", "à Oujé-Bougoumou"),    # « ou » + consonant: a vowel
    ("Yamachiche", "de Yamachiche", "à Yamachiche"),               # semi-consonant [j]
    ("Le Bic", "du Bic", "au Bic"),                                # Le contracts, loses its capital
    ("Les Escoumins", "des Escoumins", "aux Escoumins"),
    ("Les Cèdres", "des Cèdres", "aux Cèdres"),
    ("Le Gardeur", "de Le Gardeur", "à Le Gardeur"),               # a person's name: no contraction
    ("La Sarre", "de La Sarre", "à La Sarre"),                     # La never contracts, keeps its capital
    ("L'Islet", "de L'Islet", "à L'Islet"),                        # nor L'
    ("Lebel-sur-Quévillon", "de Lebel-sur-Quévillon", "à Lebel-sur-Quévillon"),  # « Le » inside a word
    ("  Amos ", "d'Amos", "à Amos"),
]


@pytest.mark.parametrize(("name", "de", "a"), CASES, ids=[c[0].strip() for c in CASES])
def test_prepositions_before_place_names(name: str, de: str, a: str) -> None:
    assert with_preposition("de", name) == de
    assert with_preposition("à", name) == a


def test_elision_rules_and_helpers() -> None:
    assert elides("Ypres") and not elides("Yamachiche") and not elides("") and not elides("123 rue")
    assert join_names(["d'Amos"]) == "d'Amos" and join_names(["d'Amos", "du Bic"]) == "d'Amos et du Bic"
    assert join_names(["a", "b", "c"]) == "a, b et c"
    assert split_placeholder("de Municipalité") == ("de", "Municipalité")
    assert split_placeholder("à Ville natale") == ("à", "Ville natale")
    assert split_placeholder("Municipalité") == ("", "Municipalité")
    assert split_placeholder("dessin") == ("", "dessin")  # a column whose name starts with « de »
    with pytest.raises(ValueError):
        with_preposition("en", "Abitibi")


def test_item_slot_with_a_preposition_names_each_item() -> None:
    names = {"Q1": "Amos", "Q2": "Le Bic", "Q3": "La Sarre"}
    draft = DescriptionDraft("fr", ("artiste ", ItemSlot("Municipalité", "x", tuple(ItemValue(q) for q in names), "de")))
    text, unnamed = draft.fill(lambda v, lang: names.get(v.id) if isinstance(v, ItemValue) else None)
    assert (text, unnamed) == ("artiste d'Amos, du Bic et de La Sarre", ())
    plain = DescriptionDraft("fr", ("à ", ItemSlot("Municipalité", "x", (ItemValue("Q2"),))))
    assert plain.fill(lambda v, lang: "Le Bic")[0] == "à Le Bic"  # without the syntax: as typed
    assert ItemSlot.from_json(draft.parts[1].to_json()) == draft.parts[1]  # type: ignore[union-attr]


MAPPING = """
version: 1
options: {language: fr}
entity:
  label: {column: Nom, language: fr}
  description: {fr: "artiste {de Ville natale}, vit {à Ville}", en: "artist from {Ville natale}"}
columns:
  Ville: {property: P131}
"""


def test_templates_elide_and_contract_text_and_item_placeholders(tmp_path: Path) -> None:
    """A text column (« Ville natale ») is filled at mapping time, an item column (« Ville ») at plan
    time from its item's label: both get their preposition."""
    catalog = PropertyCatalog.from_dump(KB)
    mapping = parse_mapping(MAPPING, "m.yaml")
    assert "Ville natale" in mapping.used_columns() and "de Ville natale" not in mapping.used_columns()
    with (tmp_path / "s.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["Nom", "Ville natale", "Ville"], ["Ana", "Amos", "Q900141"],
                                  ["Léo", "Les Escoumins", "Q9"]])
    rows = validate_sheet(tmp_path / "s.csv", mapping, catalog).result.rows
    le_bic = {"id": "Q9", "type": "item", "labels": {"fr": {"language": "fr", "value": "Le Bic"}}}
    plan = plan_of(tmp_path, [(None, r) for r in rows], KbReader({"Q9": le_bic}))
    assert descriptions(plan) == {"Ana": "artiste d'Amos, vit à Rouyn-Noranda",
                                  "Léo": "artiste des Escoumins, vit au Bic"}
    english = {e.label: e.data["descriptions"]["en"]["value"] for e in plan.edits}
    assert english == {"Ana": "artist from Amos", "Léo": "artist from Les Escoumins"}  # English: as typed


def test_mapping_check_advises_the_syntax(tmp_path: Path) -> None:
    bare = parse_mapping(MAPPING.replace("{de Ville natale}", "de {Ville natale}"), "m.yaml")
    [advice] = template_advice(bare)
    assert "{de Ville natale}" in (advice.hint or "") and "d'Amos" in (advice.hint or "")
    assert template_advice(parse_mapping(MAPPING, "m.yaml")) == []
    path = tmp_path / "m.yaml"
    path.write_text(MAPPING.replace("{à Ville}", "à {Ville}"), encoding="utf-8")
    res = CliRunner().invoke(main, ["mapping", "check", str(path), "--properties", str(KB)])
    assert res.exit_code == 0, res.output  # advice, not an error
    assert "{à Ville}" in res.output and "au Bic" in res.output


# --------------------------------------------------------------------------------------------- no English where French is promised

# click's boilerplate and the severities' English words: none may reach a French page or French output.
ENGLISH = ("Usage:", "Show this message and exit", "Show the version and exit", "Error: ", "Missing option",
           "Missing argument", "Missing parameter", "does not exist", "Invalid value", "No such option",
           "No such command", "Try '", "for help.", "Did you mean", "Got unexpected extra", "requires an argument",
           "is not one of", "is not in the range", "is not a valid", "Aborted!", "Commands:", "[required]",
           "default:")
SEVERITY_COLUMN = re.compile(r"^\s+(error|warning)\s", re.M)  # validate's « problems by kind » block


def english_in(text: str) -> list[str]:
    found = [phrase for phrase in ENGLISH if phrase in text]
    found += [f"severity « {m} »" for m in SEVERITY_COLUMN.findall(text)]
    return found


def _commands(group, prefix=()):  # noqa: ANN001, ANN202
    for name, cmd in sorted(group.commands.items()):
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, (*prefix, name))
        yield (*prefix, name)


SHEET = str(ROOT / "tests" / "data" / "lieux.csv")
MISTAKES = [
    ["validate"],                                             # missing argument
    ["validate", SHEET],                                      # missing option
    ["validate", "nope.csv", "-m", "x.yaml"],                 # file does not exist
    ["validate", SHEET, "-m", "x.yaml", "--show", "-3"],      # not in the range
    ["validate", "--nope"],                                   # no such option
    ["validat"],                                              # no such command (did you mean)
    ["approve", "a", "b", "c"],                               # extra arguments / missing option
    ["validate", SHEET, "-m"],                                # option requires an argument
    ["reconcile", SHEET, "--match-threshold", "abc"],         # not a number
]


@pytest.mark.parametrize("args", [["--help"], *[[*c, "--help"] for c in _commands(main)]], ids=" ".join)
def test_help_is_french(args: list[str]) -> None:
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert not english_in(res.output), (english_in(res.output), res.output)
    assert "Utilisation :" in res.output and "Afficher cette aide et quitter." in res.output


@pytest.mark.parametrize("args", MISTAKES, ids=" ".join)
def test_click_mistakes_are_french_and_english_on_request(args: list[str]) -> None:
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2, res.output
    assert not english_in(res.output), (english_in(res.output), res.output)
    assert "Erreur" in res.output
    english = CliRunner().invoke(main, ["--lang", "en", *args])
    assert english.exit_code == 2 and "Error: " in english.output and english_in(english.output)
    env = CliRunner(env={"WIKICLUB_LANG": "en"}).invoke(main, args)
    assert env.output == english.output
    again = CliRunner().invoke(main, args)  # the switch does not stick to the process
    assert again.output == res.output


def test_missing_file_and_option_read_naturally() -> None:
    res = CliRunner().invoke(main, ["validate", "nope.csv", "-m", "x.yaml"])
    assert "Erreur : Valeur invalide pour 'SHEET' : « nope.csv » n'existe pas." in res.output
    res = CliRunner().invoke(main, ["validate", SHEET])
    assert "Option manquante" in res.output and "Aide : « main validate --help »." in res.output  # CliRunner names it main


def test_severities_and_kinds_are_words_and_codes_keep_their_column(tmp_path: Path) -> None:
    mapping = str(ROOT / "mappings" / "lieux.yaml")
    report = tmp_path / "p.csv"
    res = CliRunner().invoke(main, ["validate", SHEET, "-m", mapping, "--properties", str(KB), "--report", str(report)])
    assert res.exit_code == 1
    assert not english_in(res.output), res.output
    assert re.search(r"^\s+erreur\s+hors des bornes \[outside-bounds\]\s+1$", res.output, re.M), res.output
    with report.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["gravité/severity"] for r in rows} == {"erreur", "avertissement", "info"}
    assert {r["code gravité/severity code"] for r in rows} == {"error", "warning", "info"}
    assert {(r["problème/problem"], r["code"]) for r in rows} == {
        ("hors des bornes", "outside-bounds"), ("https:// ajouté", "scheme-added"),
        ("hors des régions du WikiProjet", "outside-regions")}  # row 21: a Cochrane placed in Alberta
    res = CliRunner().invoke(main, ["--lang", "en", "validate", SHEET, "-m", mapping, "--properties", str(KB)])
    assert re.search(r"^\s+error\s+outside the bounds \[outside-bounds\]", res.output, re.M), res.output


def test_validate_without_report_shows_the_rows_to_fix() -> None:
    res = CliRunner().invoke(main, ["validate", SHEET, "-m", str(ROOT / "mappings" / "lieux.yaml"),
                                    "--properties", str(KB), "--show", "1"])
    assert res.exit_code == 1
    lines = res.output.splitlines()
    first = lines.index("Problèmes / problems :") + 1
    # the error first: where, severity, value, what and the fix
    assert lines[first].startswith("  lieux.csv, ligne 5, colonne « Longitude » — erreur « 48,2410 ; 79,0165 » :")
    assert "→ " in lines[first]
    assert lines[first + 1] == "  … et 3 autre(s) / and 3 more."
    assert "--report" in lines[first + 2]


def test_every_problem_code_of_the_sheets_stage_has_words() -> None:
    """A code added to sheets/ without its words in problems.py would reach people as a bare code."""
    import ast

    from wikiclub.problems import PROBLEMS

    codes: set[str] = set()
    for path in (ROOT / "src" / "wikiclub" / "sheets").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            literal = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
            position = {"_fail": 0, "Note": 0, "Issue": 1, "_issue": 3}.get(name)
            if position is not None and len(literal) > position and literal[position]:
                codes.add(literal[position])
            codes |= {k.value.value for k in node.keywords
                      if k.arg == "problem" and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)}
    assert len(codes) > 30
    assert not codes - set(PROBLEMS), sorted(codes - set(PROBLEMS))


def test_the_people_example_of_mapping_check_help_is_a_valid_mapping() -> None:
    text = CliRunner().invoke(main, ["mapping", "check", "--help"]).output
    block = text.split("artistes.yaml :\n", 1)[1].split("  puis / then:", 1)[0]
    mapping = parse_mapping("\n".join(line[4:] for line in block.splitlines()), "artistes.yaml")
    assert mapping.instance_of == ("Q5",) or list(mapping.instance_of) == ["Q5"]
    assert set(mapping.property_ids()) >= {"P19", "P569", "P856"}
    assert "{de Ville natale}" in mapping.descriptions["fr"]


# --------------------------------------------------------------------------------------------- the docs

DOCS = sorted((ROOT / "docs").glob("*.md"))


def french_part(text: str) -> str:
    return text.split("\n## English", 1)[0]


def prose(text: str) -> str:
    """The text without code blocks and code spans (commands and codes may be English)."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    return re.sub(r"`[^`\n]*`", " ", text)


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_doc_page_is_french_then_english(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "*English below.*" in text.split("\n## ", 1)[0], f"{path.name}: « *English below.* » under the title"
    assert "\n## Français\n" in text and "\n## English\n" in text, path.name
    assert text.index("\n## Français\n") < text.index("\n## English\n"), f"{path.name}: French first"
    french = prose(french_part(text))
    assert len(french.split()) > 150, f"{path.name}: the French section is too thin"
    assert not english_in(french), (path.name, english_in(french))
    bare = re.findall(r"\b(error|warning|Show this message|Missing option)\b", french)
    assert not bare, (path.name, bare)


def test_the_docs_name_only_commands_that_exist() -> None:
    known = {" ".join(c) for c in _commands(main)} | set(main.commands)
    for path in [*DOCS, ROOT / "README.md"]:
        for block in re.findall(r"```(?:sh|bash)?\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S):
            for line in block.splitlines():
                m = re.match(r"\s*(?:\S+=\S+\s+)*wikiclub (?:--lang \w+ )?([a-z-]+)(?: ([a-z-]+))?", line)
                if m:
                    assert m.group(1) in known, (path.name, line)


def test_the_mappings_in_the_docs_are_valid() -> None:
    text = (ROOT / "docs" / "mappings.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S) if b.startswith("version: 1")]
    assert len(blocks) >= 2
    mappings = [parse_mapping(b, "doc.yaml") for b in blocks]
    people = [m for m in mappings if "Q5" in m.instance_of]
    assert people and "{de Ville natale}" in people[0].descriptions["fr"]
