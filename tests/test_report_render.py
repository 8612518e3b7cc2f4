"""The report's files as a coordinator reads them: what was not measured is never a zero (in every
format and in the snapshot), XLSX percentages and widths, sortable wikitext, readable escaping that
stays injection-safe, the HTML trend with every measure, dates in local French form."""

from __future__ import annotations

import csv
import datetime as dt
import html as htmllib
import json
import re
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook

from wikiclub.escape import wikitext_text
from wikiclub.report.model import Cell, CoverageTable, GroupSpec, Measure, WorkItem
from wikiclub.report.run import compare, write_outputs
from wikiclub.report.snapshots import TrendPoint, save_snapshot, trend
from wikiclub.report.views import ReportData, french_datetime, trend_labels

MEASURES = (Measure("label", "fr"), Measure("property", "P856"), Measure("property", "P571"))
ALL = GroupSpec("all", "Tous les éléments", (), True, MEASURES, ("P856",))
ORGS = GroupSpec("Q43229*", "Organismes", ("Q43229",), True, MEASURES, ("P856", "P571"))
LABELS = (("Q176", "Québec"), ("Q1904", "Ontario"), ("P856", "site officiel"), ("P571", "date de fondation"),
          ("Q43229", "organisation"))


def _cells(group: str, ontario: Cell | None = None) -> tuple[Cell, ...]:
    quebec = Cell(group, "Q176", 126, (("P571", 0), ("P856", 75), ("label:fr", 126)), 800, 40)
    return (quebec, ontario or Cell(group, "Q1904", 28, (("P571", 3), ("P856", 10), ("label:fr", 28)), 100, 5))


def make_table(taken: str = "2026-12-04T19:15:35Z", unknown: bool = False) -> CoverageTable:
    ontario = Cell("x", "Q1904", None, status="unknown") if unknown else None
    cells = tuple(replace(c, group=g.id) for g in (ALL, ORGS) for c in _cells(g.id, ontario))
    return CoverageTable(taken, "sandbox", "http://127.0.0.1/sparql", "WikiClub", ("Q176", "Q1904"), ("fr",),
                         (ALL, ORGS), cells, LABELS,
                         (WorkItem("Q43229*", "Q900200", "Théâtre de l'Île-Nord", ("P856", "P571")),),
                         requests=3, method="api")


# ---- a region that could not be read: unknown everywhere, never 0 -------------------------------------

def test_an_unknown_region_is_unknown_in_every_output(tmp_path: Path) -> None:
    table = make_table(unknown=True)
    assert table.partial and table.total("all").status == "partial" and table.total("all").items == 126
    write_outputs(ReportData(table), tmp_path)
    with (tmp_path / "couverture.csv").open(encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["region"] == "Q1904"]
    assert rows and all(r["status"] == "unknown" and r["count"] == "" and r["share"] == "" for r in rows)
    data = json.loads((tmp_path / "couverture.json").read_text("utf-8"))
    assert data["report"]["partial"] is True
    assert {c["status"] for c in data["report"]["cells"] if c["region"] == "Q1904"} == {"unknown"}
    assert all(c["items"] is None for c in data["report"]["cells"] if c["region"] == "Q1904")
    md = (tmp_path / "couverture.md").read_text("utf-8")
    assert "| Ontario | inconnu | inconnu |" in md and "— (0)" not in md and "RAPPORT PARTIEL" in md
    wiki = (tmp_path / "couverture.wiki").read_text("utf-8")
    assert 'data-sort-value="-1" | inconnu' in wiki and "partiel" in wiki
    page = (tmp_path / "couverture.html").read_text("utf-8")
    assert "inconnu" in page and "Rapport partiel" in page and '<td class="partial">126*' in page
    ws = load_workbook(tmp_path / "couverture.xlsx").worksheets[0]
    by_region = {r[0]: r for r in ws.iter_rows(values_only=True)}
    assert by_region["Ontario"][1] == "inconnu" and by_region["Ontario"][2] is None
    assert all(v is None for v in by_region["Ontario"][3:])
    assert by_region["Total"][1] == "partiel" and by_region["Total"][2] == 126


def test_an_unknown_region_goes_into_the_snapshot_as_nothing_and_gives_no_false_delta(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite"
    save_snapshot(history, make_table("2026-12-01T10:00:00Z"))
    partial = make_table("2026-12-02T10:00:00Z", unknown=True)
    save_snapshot(history, partial)
    with sqlite3.connect(history) as conn:
        regions = {r[0] for r in conn.execute("SELECT DISTINCT region FROM figure WHERE snapshot = 2")}
        complete = [r[0] for r in conn.execute("SELECT complete FROM snapshot ORDER BY id")]
    conn.close()
    assert regions == {"Q176"} and complete == [1, 0]
    # the trend skips the partial run: its total would be a false drop
    assert [p.taken_at for p in trend(history, "sandbox", "WikiClub")] == ["2026-12-01T10:00:00Z"]
    # the next complete run compares Ontario with nothing (the partial run), not with 0: no « +28 »
    data = compare(make_table("2026-12-03T10:00:00Z"), history)
    write_outputs(data, tmp_path / "out")
    with (tmp_path / "out" / "couverture.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    ontario = [r for r in rows if r["region"] == "Q1904"]
    assert ontario and all(r["delta"] == "" and r["previous_count"] == "" for r in ontario)
    quebec = [r for r in rows if r["region"] == "Q176"]
    assert all(r["delta"] == "0" for r in quebec if r["column"] in ("items", "P856"))
    assert "+28" not in (tmp_path / "out" / "couverture.md").read_text("utf-8")


# ---- XLSX ----------------------------------------------------------------------------------------------

def test_xlsx_shows_100_and_0_percent_as_percentages_with_counts_and_widths(tmp_path: Path) -> None:
    write_outputs(ReportData(make_table()), tmp_path)
    wb = load_workbook(tmp_path / "couverture.xlsx")
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Région", "État", "Éléments"]
    fr, fr_n = header.index("Libellé fr (%)"), header.index("Libellé fr (nombre)")
    assert fr_n == fr + 1  # the count next to its share
    quebec = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "Québec")
    assert quebec[fr].value == 1 and quebec[fr].number_format == "0 %"  # exact 100 %: a percentage, not « 1 »
    fondation = header.index("date de fondation (P571) (%)")
    assert quebec[fondation].value == 0 and quebec[fondation].number_format == "0 %"
    assert quebec[fr_n].value == 126 and quebec[fr_n].number_format == "General"
    assert ws.column_dimensions["A"].width >= 8 and ws.column_dimensions["E"].width >= len("Libellé fr (nombre)")
    todo = wb["À compléter"]
    assert [c.value for c in todo[1]] == ["Groupe (id)", "Groupe", "Élément", "Libellé", "Lien", "Manque (ids)",
                                          "Propriétés manquantes"]
    assert todo.freeze_panes == "A2" and ws.freeze_panes == "B2"
    wb.close()


# ---- wikitext ------------------------------------------------------------------------------------------

def test_wikitext_sorts_by_number_and_keeps_the_total_at_the_bottom(tmp_path: Path) -> None:
    write_outputs(ReportData(make_table()), tmp_path)
    wiki = (tmp_path / "couverture.wiki").read_text("utf-8")
    lines = wiki.splitlines()
    total = next(i for i, line in enumerate(lines) if line.startswith("| '''Total'''"))
    assert lines[total - 1] == '|- class="sortbottom"'
    quebec = next(line for line in lines if line.startswith("| [[Special:EntityPage/Q176|"))
    assert 'data-sort-value="126" | 126' in quebec
    assert 'data-sort-value="0.5952" | 60\u00a0%\u00a0(75)' in quebec  # 75/126, sorted as a number
    assert "&#45;" not in wiki and "2026" in wiki  # dates and hyphens stay readable


@pytest.mark.parametrize("text", ["2026-12-04T19:15:35Z", "Rouyn-Noranda", "Théâtre de l'Île-Nord",
                                  "Note : 57 % (75, +3)", "A & B", "1er décembre 2026 à 14 h 15 (UTC−5)",
                                  "Val-d'Or — Abitibi-Témiscamingue"])
def test_wikitext_escaping_leaves_ordinary_text_alone(text: str) -> None:
    assert wikitext_text(text) == text


@pytest.mark.parametrize("text", ["''gras''", "'''''", "~~~", "__TOC__", "a !! b", "== T ==", "http://x.example",
                                  "mailto:a@b.example", "* x", "# x", ": x", "; x", "---- x", " x", "x'",
                                  "&amp;", "&#91;", "-{zh}-"])
def test_what_wikitext_escaping_relaxed_still_cannot_become_markup(text: str) -> None:
    out = wikitext_text(text)
    assert htmllib.unescape(out) == text  # renders as itself …
    for token in ("''", "~~~", "__", "!!", "==", "://", "mailto:", "-{", "&amp;", "&#91;"):
        assert token not in out.replace("&amp;amp;", "").replace("&amp;#91;", "")  # … and starts no markup
    assert not re.match(r"[*#:;= !-]|'", out)  # nothing that starts a line's markup, nor a quote next to ours
    assert not out.endswith("'")


# ---- HTML ----------------------------------------------------------------------------------------------

def test_html_trend_draws_every_measure_with_distinct_labels(tmp_path: Path) -> None:
    counts = (("P571", 3), ("P856", 85), ("label:fr", 154), ("sourced", 45), ("statements", 900))
    points = (TrendPoint("2026-12-01T10:00:00Z", 150, counts), TrendPoint("2026-12-04T10:00:00Z", 154, counts),
              TrendPoint("2026-12-04T15:30:00Z", 154, counts))
    page = (write_outputs(ReportData(make_table(), trend=points), tmp_path)[4]).read_text("utf-8")
    trend = page.split("<h2>Évolution</h2>", 1)[1].split("<h2>", 1)[0]
    titles = re.findall(r"<title>Évolution — ([^<]*)</title>", trend)
    assert titles == ["Libellé fr", "site officiel (P856)", "date de fondation (P571)", "Déclarations sourcées"]
    assert "5\u00a0%" in trend  # the referenced share: 45 of 900 statements
    labels = trend_labels([p.taken_at for p in points], dt.UTC)
    assert len(set(labels)) == 3 and labels[1].endswith("10\u00a0h\u00a000")
    assert "white-space:nowrap" in page and "position:sticky" in page and "overflow-x:auto" in page
    # « 100 % » and « 60 % (75) » never wrap: no-break spaces inside, and cells that do not wrap
    assert "100\u00a0%" in page and "60\u00a0%\u00a0(75)" in page and "100 %" not in page


def test_dates_are_in_local_french_form() -> None:
    eastern = dt.timezone(dt.timedelta(hours=-5))
    assert french_datetime("2026-12-01T19:15:35Z", eastern) == "1er\u00a0décembre 2026 à 14\u00a0h\u00a015 (UTC−5)"
    assert french_datetime("2026-07-04T03:05:00Z", dt.UTC) == "4\u00a0juillet 2026 à 3\u00a0h\u00a005 (UTC)"
    assert trend_labels(["2026-12-04T10:00:05Z", "2026-12-04T10:00:40Z"], dt.UTC)[0].endswith("05\u00a0s")
