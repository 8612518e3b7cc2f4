"""What one keystroke of the atelier's review costs: writing a decision into review.xlsx (and its CSV twin)
and reading the review back for the next page, for review sheets of growing size.

    .venv/bin/python benchmarks/atelier_review.py [--out benchmarks/results/atelier_review.md]

Synthetic rows (5 candidates, one linked cell each), written by the real ``write_review``; each decision
goes through ``write_decisions`` (openpyxl load + save of the whole workbook), each page through
``reviewing.load_rows`` (state + sheet). Timings are of this 2-core machine shared with other work:
read them as orders of magnitude.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from wikiclub.atelier.reviewing import Decisions, load_rows
from wikiclub.model import MappedRow, SourceRef
from wikiclub.reconcile.model import Decision, Feature, LinkedResult, Match, RowResult, ScoredCandidate
from wikiclub.reconcile.review import write_decisions, write_review
from wikiclub.reconcile.stage import state_items

SIZES = (100, 500, 2000)
DECISIONS = 10


def _rows(n: int) -> tuple[list[MappedRow], list[RowResult]]:
    rows, results = [], []
    for i in range(2, n + 2):
        cands = tuple(ScoredCandidate(f"Q{i * 10 + k}", f"Salle {i} {k}", f"salle de spectacle n° {k}", 70 - k,
                                      (Feature("name", f"« Salle {i} »", 50 - k),)) for k in range(5))
        town = Match(Decision.MATCH, "Q5", (ScoredCandidate("Q5", "Amos", "ville", 99),), "score 99")
        results.append(RowResult(f"s:{i}", i, f"Salle {i}", Match(Decision.REVIEW, None, cands, "écart 1 < 12"),
                                 (LinkedResult("Municipalité", "Amos", town),)))
        rows.append(MappedRow(SourceRef("s.csv", None, i), (("fr", f"Salle {i}"),), cells=(("Nom", f"Salle {i}"),)))
    return rows, results


def measure(n: int, folder: Path) -> dict[str, float]:
    rows, results = _rows(n)
    review = folder / f"review-{n}.xlsx"
    started = time.perf_counter()
    write_review(review, results, item_url=lambda q: f"http://wiki.test/wiki/{q}", state=state_items(rows, results))
    written = time.perf_counter() - started
    decide, load = [], []
    for k in range(DECISIONS):
        t = time.perf_counter()
        write_decisions(review, {f"s:{2 + k}": "NEW"})
        decide.append(time.perf_counter() - t)
        t = time.perf_counter()
        load_rows(review, lambda q: q)
        load.append(time.perf_counter() - t)
    decisions = Decisions()
    rows_now = decisions.rows(review, str)
    keystroke = []
    for k in range(DECISIONS):  # what the atelier does per key: the decision written, the rows for the page
        t = time.perf_counter()
        decisions.decide(review, rows_now[k], "SKIP")
        rows_now = decisions.rows(review, str)
        keystroke.append(time.perf_counter() - t)
    return {"rows": n, "write_review_s": written, "decision_s": statistics.median(decide),
            "load_rows_s": statistics.median(load), "keystroke_s": statistics.median(keystroke)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "atelier_review.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = [measure(n, Path(tmp)) for n in SIZES]
    lines = ["# Atelier: the cost of one review keystroke", "",
             "`.venv/bin/python benchmarks/atelier_review.py` — synthetic REVIEW rows (5 candidates, one linked "
             f"cell), median of {DECISIONS} decisions. A keystroke = one decision written + the next page's rows "
             "read. 2-core machine shared with other work: orders of magnitude.", "",
             "| rows | write_review (s) | one decision written (s) | whole review read (s) | atelier keystroke "
             "(s) |", "|---:|---:|---:|---:|---:|"]
    lines += [f"| {f['rows']:.0f} | {f['write_review_s']:.2f} | {f['decision_s']:.3f} | {f['load_rows_s']:.3f} | "
              f"{f['keystroke_s']:.3f} |" for f in figures]
    lines += ["", "« atelier keystroke »: `Decisions.decide` then `Decisions.rows` (the rows kept in memory are "
              "brought up to date instead of reading the sheet again). A decision rewrites only the cells that "
              "change (`reconcile/review_cells.py`), but finding the row still reads the sheet once."]
    args.out.write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
