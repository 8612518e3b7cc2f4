"""Labels come from anyone on the wiki: no script in HTML, no template/link/signature in wikitext, no
formula in CSV or XLSX — in the helpers and in every rendered report."""

from __future__ import annotations

import csv
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from wikiclub.escape import csv_cell, html_text, set_xlsx_text, wikitext_text
from wikiclub.report.model import Cell, CoverageTable, GroupSpec, Measure, WorkItem
from wikiclub.report.run import write_outputs
from wikiclub.report.views import ReportData

EVIL = ["<script>alert(1)</script>", "{{Delete}}", "[[Category:X]]", '=HYPERLINK("http://evil.example","x")',
        "+1", "@SUM(A1:A9)", "-2+3", "~~~~", "'''gras'''", "a | b !! c", "__NOTOC__", "== Titre ==",
        "https://evil.example/", "ISBN 9782070360024", "<nowiki>x</nowiki>", "-{zh}-", "x\n* liste\n{|"]
FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1", "@SUM(A1:A9)", "-2+3", "\t=1", " =1+1"]


@pytest.mark.parametrize("label", EVIL)
def test_wikitext_text_leaves_no_markup(label: str) -> None:
    out = wikitext_text(label)
    for token in ("{{", "}}", "[[", "]]", "<", ">", "~~~", "''", "|", "!!", "__", "==", "://", "\n", "-{",
                  "ISBN 9"):
        assert token not in out, (label, out)
    assert "&" not in out.replace("&#", "").replace("&amp;", "").replace("&lt;", "").replace("&gt;", "") \
        .replace("&quot;", "")


def test_wikitext_entities_decode_back_to_the_label() -> None:
    import html

    for label in EVIL:
        assert html.unescape(wikitext_text(label)) == label.replace("\n", " ")


@pytest.mark.parametrize("label", EVIL)
def test_html_text_has_no_tag_or_attribute_breakout(label: str) -> None:
    out = html_text(label)
    assert "<" not in out and ">" not in out and '"' not in out and "'" not in out


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_cell_neutralises_formulas(value: str) -> None:
    assert csv_cell(value) == "'" + value


def test_csv_cell_keeps_ordinary_values() -> None:
    assert csv_cell("Rouyn-Noranda") == "Rouyn-Noranda"
    assert csv_cell(12) == 12 and csv_cell(None) == ""


def test_xlsx_text_is_never_a_formula_and_reads_back_unchanged(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, value in enumerate(FORMULAS, start=1):
        set_xlsx_text(ws.cell(row=i, column=1), value)
    path = tmp_path / "t.xlsx"
    wb.save(path)
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    back = openpyxl.load_workbook(path).active
    for i, value in enumerate(FORMULAS, start=1):
        cell = back.cell(row=i, column=1)
        assert cell.value == value and cell.data_type == "s" and cell.quotePrefix


# ---- rendered reports ----------------------------------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]


def _evil_table() -> CoverageTable:
    measures = (Measure("label", "fr"), Measure("property", "P856"))
    group = GroupSpec("g1", EVIL[0], ("Q5",), True, measures, ("P856",))
    overall = GroupSpec("all", "Tous", (), True, measures, ("P856",))
    cells = (Cell("all", "Q176", 3, (("P856", 1), ("label:fr", 3)), 10, 2),
             Cell("g1", "Q176", 3, (("P856", 1), ("label:fr", 3)), 10, 2))
    labels = (("Q176", EVIL[1]), ("P856", EVIL[2]), ("Q5", EVIL[7]))
    worklist = tuple(WorkItem("g1", f"Q{i + 10}", label, ("P856",)) for i, label in enumerate(EVIL))
    return CoverageTable("2025-01-01T00:00:00Z", "sandbox", "http://127.0.0.1/sparql", EVIL[1], ("Q176",),
                         ("fr",), (overall, group), cells, labels, worklist, queries=3,
                         entity_url="http://127.0.0.1:8765/wiki/")


def test_rendered_outputs_escape_every_public_text(tmp_path: Path) -> None:
    files = write_outputs(ReportData(_evil_table()), tmp_path)
    html = (tmp_path / "couverture.html").read_text("utf-8")
    parser = _Tags()
    parser.feed(html)
    assert "script" not in parser.tags and not any(a.startswith("on") for a in parser.attrs)
    assert set(parser.tags) <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "div",
                                "table", "tr", "th", "td", "a", "svg", "rect", "text", "line", "polyline",
                                "circle", "ul", "li", "span"}
    wiki = (tmp_path / "couverture.wiki").read_text("utf-8")
    body = wiki.replace("[[Special:EntityPage/", "").replace("{| class=\"wikitable sortable\"", "")
    for bad in ("{{", "[[Category", "~~~~", "<script", "'''gras", "__NOTOC__", "<nowiki>", "-{zh"):
        assert bad not in body, bad
    # Lines that start like markup are ours (tables, headings, lists), never a label's "* liste" or "{|".
    for line in wiki.splitlines():
        assert not line.startswith("* liste") and (not line.startswith("{|") or line.startswith('{| class="'))
        if line.startswith("*"):
            assert line.startswith("* [[Special:EntityPage/")
    md = (tmp_path / "couverture.md").read_text("utf-8")
    assert "<script>" not in md and "<nowiki>" not in md
    with (tmp_path / "a-completer.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        for value in row.values():
            assert not value.lstrip(" ").startswith(("=", "+", "-", "@")), value
    with (tmp_path / "couverture.csv").open(encoding="utf-8-sig") as fh:
        names = {r["group_name"] for r in csv.DictReader(fh)}
    assert EVIL[0] in names  # text stays readable: only formulas are neutralised
    assert len(files) == 7
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "couverture.xlsx")
    texts = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert texts and all(c.data_type == "s" for c in texts)  # never a formula
    assert {EVIL[1], EVIL[2]} <= {c.value for c in texts}  # public labels read back unchanged
    assert all(c.quotePrefix for c in texts if c.value.lstrip(" ").startswith(("=", "+", "-", "@")))
