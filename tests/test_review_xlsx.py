"""The review XLSX as people open it (widths, frozen header, filter, dropdown, REVIEW rows shaded, links),
decisions written into it by the atelier read back by ``--apply-review``, and the other XLSX styled."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from wikiclub.errors import InputError
from wikiclub.model import MappedRow, SourceRef
from wikiclub.reconcile.apply import apply_review
from wikiclub.reconcile.model import Decision, Feature, LinkedResult, Match, RowResult, ScoredCandidate
from wikiclub.reconcile.review import (
    COL_HUMAN,
    COL_KEY,
    COL_LINK,
    human_value,
    read_review,
    write_decisions,
    write_review,
)
from wikiclub.reconcile.stage import state_items
from wikiclub.sheets.read import write_table


def _cand(qid: str, label: str, score: float, desc: str = "") -> ScoredCandidate:
    return ScoredCandidate(qid, label, desc, score, (Feature("name", f"« {label} »", score),))


def results() -> list[RowResult]:
    town = Match(Decision.REVIEW, None, (_cand("Q11", "Amos", 70), _cand("Q12", "Amos (canton)", 65)), "proches")
    return [
        RowResult("s:2", 2, "Théâtre du Cuivre", Match(Decision.MATCH, "Q1", (_cand("Q1", "Théâtre du Cuivre", 95,
                                                                                      "salle à Rouyn"),), "sûr")),
        RowResult("s:3", 3, "=HYPERLINK(\"x\")", Match(Decision.REVIEW, None, (
            _cand("Q2", "=cmd|' /C calc'!A0", 60, "piège"), _cand("Q3", "Salle B", 58)), "écart 2 < 12"),
            linked=(LinkedResult("Municipalité", "Amos", town),)),
        RowResult("s:4", 4, "Festival nouveau", Match(Decision.NEW, None, (), "aucun candidat")),
    ]


def rows() -> list[MappedRow]:
    return [MappedRow(SourceRef("s.csv", None, n), (("fr", name),)) for n, name in
            ((2, "Théâtre du Cuivre"), (3, "Salle"), (4, "Festival nouveau"))]


@pytest.fixture
def review(tmp_path: Path) -> Path:
    path = tmp_path / "review.xlsx"
    write_review(path, results(), item_url=lambda q: "http://wiki.test/wiki/" + q, state=state_items(rows(), results()))
    return path


def test_the_review_sheet_is_readable(review: Path) -> None:
    wb = openpyxl.load_workbook(review)
    ws = wb.worksheets[0]
    head = [c.value for c in ws[1]]
    human = head.index(COL_HUMAN) + 1
    assert ws.freeze_panes == "D2" and ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    assert all(c.font.bold for c in ws[1])
    widths = {k: v.width for k, v in ws.column_dimensions.items()}
    assert widths["B"] > 15 and min(widths.values()) >= 6  # no column left at LibreOffice's 8.43 clip
    # the dropdown on the decision cell lists the row's candidates, NEW and SKIP, and lets a QID be typed
    dvs = {str(r): dv for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges}
    cell = ws.cell(row=3, column=human).coordinate
    assert dvs[cell].formula1 == '"Q2,Q3,NEW,SKIP"' and not dvs[cell].showErrorMessage
    # REVIEW rows shaded, others not; links to the chosen item and to each candidate
    assert ws.cell(row=3, column=1).fill.fgColor.rgb.endswith("FDE9D9")
    assert not ws.cell(row=2, column=1).fill.fgColor.rgb.endswith("FDE9D9")
    assert ws.cell(row=2, column=head.index(COL_LINK) + 1).hyperlink.target == "http://wiki.test/wiki/Q1"
    assert ws.cell(row=3, column=head.index("candidat 1") + 1).hyperlink.target == "http://wiki.test/wiki/Q2"
    # linked-cell columns do not look alike; hostile text is never a formula
    assert "Municipalité (feuille / sheet)" in head and "Municipalité : décision machine" in head
    assert ws.cell(row=3, column=2).value.startswith("'=")
    assert "salle à Rouyn" in ws.cell(row=2, column=head.index("candidat 1") + 1).value
    wb.close()


def test_decisions_written_by_the_atelier_are_the_sheets(review: Path, tmp_path: Path) -> None:
    write_decisions(review, {"s:3": "q3", "s:4": "skip"}, {"s:3": {"Municipalité": "Q12"}})
    got = {d.key: d for d in read_review(review)}
    assert human_value(got["s:3"]) == "Q3" and got["s:3"].decision == Decision.MATCH
    assert got["s:3"].linked == {"Municipalité": "Q12"}
    assert human_value(got["s:4"]) == "SKIP" and human_value(got["s:2"]) == ""
    twin = {d.key: human_value(d) for d in read_review(review.with_suffix(".csv"))}
    assert twin == {"s:2": "", "s:3": "Q3", "s:4": "SKIP"}
    # the dropdowns and links survive the rewrite
    wb = openpyxl.load_workbook(review)
    assert len(wb.worksheets[0].data_validations.dataValidation) == 3
    wb.close()
    out = tmp_path / "reconciled.jsonl"
    summary = apply_review(review, out)
    lines = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    assert summary.skipped == ["4"] and [x["target"] for x in lines] == ["Q1", "Q3"]
    # undo: back to the machine's decision
    write_decisions(review, {"s:3": ""})
    assert human_value({d.key: d for d in read_review(review)}["s:3"]) == ""


def test_a_decision_that_is_none_is_refused(review: Path) -> None:
    with pytest.raises(InputError, match="n'est pas une décision"):
        write_decisions(review, {"s:3": "peut-être"})
    with pytest.raises(InputError, match="QID"):
        write_decisions(review, {}, {"s:3": {"Municipalité": "NEW"}})


def test_a_sheet_edited_in_a_spreadsheet_and_in_the_atelier_agree(review: Path) -> None:
    """A person types in the XLSX, the atelier reads it, decides another row: both decisions stay."""
    wb = openpyxl.load_workbook(review)
    ws = wb.worksheets[0]
    head = [c.value for c in ws[1]]
    ws.cell(row=4, column=head.index(COL_HUMAN) + 1).value = "NEW"
    wb.save(review)
    wb.close()
    write_decisions(review, {"s:3": "Q2"})
    got = {d.key: human_value(d) for d in read_review(review)}
    assert got == {"s:2": "", "s:3": "Q2", "s:4": "NEW"}


def test_problems_report_is_styled(tmp_path: Path) -> None:
    path = tmp_path / "problems.xlsx"
    write_table(path, ("fichier/file", "message"), [["a.csv", "une très longue explication " * 4]])
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:B2"
    assert ws.column_dimensions["B"].width > 40 and ws.cell(row=2, column=2).alignment.wrap_text
    wb.close()


def test_csv_twin_keeps_its_bom_and_header(review: Path) -> None:
    write_decisions(review, {"s:2": "Q1"})
    raw = review.with_suffix(".csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with review.with_suffix(".csv").open(encoding="utf-8-sig", newline="") as fh:
        head = next(csv.reader(fh))
    assert COL_KEY in head and COL_HUMAN in head


def test_cells_patched_in_place_keep_everything_else(review: Path, tmp_path: Path) -> None:
    from wikiclub.reconcile.review_cells import patch_cells

    wb = openpyxl.load_workbook(review)
    ws = wb.worksheets[0]
    styles_before = ws.cell(row=3, column=1).fill.fgColor.rgb
    last_col = ws.max_column
    wb.close()
    # a cell that exists (styled), one past the last column (missing in the row), markup-like text
    assert patch_cells(review, {(3, 3): "<Q2> & « ok »", (4, last_col + 2): "=not a formula", (2, 3): ""})
    wb = openpyxl.load_workbook(review)
    ws = wb.worksheets[0]
    assert ws.cell(row=3, column=3).value == "<Q2> & « ok »" and ws.cell(row=3, column=1).fill.fgColor.rgb == styles_before
    assert ws.cell(row=4, column=last_col + 2).value == "=not a formula"
    assert ws.cell(row=4, column=last_col + 2).data_type == "s"  # text, never a formula
    assert ws.cell(row=2, column=3).value is None and len(ws.data_validations.dataValidation) == 3
    wb.close()
    not_xlsx = tmp_path / "x.xlsx"
    not_xlsx.write_bytes(b"not a zip")
    assert not patch_cells(not_xlsx, {(1, 1): "x"}) and not_xlsx.read_bytes() == b"not a zip"
    assert not patch_cells(review, {(999, 1): "x"})  # no such row: the caller rewrites with openpyxl
