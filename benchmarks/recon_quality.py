"""Reconciliation quality against tests/data/truth.csv — ours vs the OpenRefine-style baseline.

    .venv/bin/python benchmarks/recon_quality.py [--source sandbox|index|both] [--out FILE.md]

Runs the whole reconcile stage (map → reconcile) on each sample sheet, against a sandbox loaded
with kb.jsonl (API: wbsearchentities, haswbstatement, wbgetentities) and/or the local index, with
both scorers, and prints per sheet and overall:

* MATCH precision — MATCH decisions whose QID is the expected one;
* strict MATCH recall — expected QID given as MATCH (a REVIEW is not a match);
* lenient recall — expected QID given as MATCH, or as the top candidate of a REVIEW;
* NEW accuracy — rows expected NEW that were decided NEW;
* REVIEW share — rows left to a person.
The linked columns (municipalite, lieu, organisme) are measured the same way, as is a
leave-one-sheet-out check (our rule has no parameter fitted per sheet, so it only shows the spread).
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from _recon_common import DATA, ROOT, candidate_sources, emit

SHEETS = [("organismes-culturels.csv", "organismes-culturels.yaml"), ("lieux.csv", "lieux.yaml"),
          ("festivals.xlsx", "festivals.yaml")]
LINKED = {"Municipalité": "municipalite", "Lieu principal": "lieu", "Organisme": "organisme"}


@dataclass
class Tally:
    rows: int = 0
    match: int = 0
    match_ok: int = 0
    expected_existing: int = 0
    found: int = 0
    strict: int = 0
    expected_new: int = 0
    new_ok: int = 0
    review: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, expected: str, decision: str, qid: str | None, top: str | None, where: str) -> None:
        self.rows += 1
        if decision == "MATCH":
            self.match += 1
            self.match_ok += qid == expected
            if qid != expected:
                self.errors.append(f"{where}: MATCH {qid}, attendu {expected}")
        if decision == "REVIEW":
            self.review += 1
        if expected == "NEW":
            self.expected_new += 1
            self.new_ok += decision == "NEW"
        else:
            self.expected_existing += 1
            ok = (decision == "MATCH" and qid == expected) or (decision == "REVIEW" and top == expected)
            self.found += ok
            self.strict += decision == "MATCH" and qid == expected
            if decision == "NEW":
                self.errors.append(f"{where}: NEW, attendu {expected}")

    def merge(self, other: Tally) -> None:
        for k in ("rows", "match", "match_ok", "expected_existing", "found", "strict", "expected_new", "new_ok",
                  "review"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        self.errors += other.errors

    def line(self, name: str) -> str:
        def ratio(a: int, b: int) -> str:
            return f"{a / b:.3f}" if b else "–"

        return (f"| {name} | {self.rows} | {ratio(self.match_ok, self.match)} ({self.match_ok}/{self.match}) | "
                f"{ratio(self.strict, self.expected_existing)} ({self.strict}/{self.expected_existing}) | "
                f"{ratio(self.found, self.expected_existing)} ({self.found}/{self.expected_existing}) | "
                f"{ratio(self.new_ok, self.expected_new)} ({self.new_ok}/{self.expected_new}) | "
                f"{ratio(self.review, self.rows)} ({self.review}) |")


HEAD = ("| sheet | rows | MATCH precision | strict MATCH recall | lenient recall (MATCH or REVIEW, right top-1) "
        "| NEW accuracy | REVIEW share |\n"
        "|---|---|---|---|---|---|---|")


def load_truth() -> dict[tuple[str, int], dict[str, str]]:
    with (DATA / "truth.csv").open(encoding="utf-8") as fh:
        return {(r["sheet"], int(r["row"])): r for r in csv.DictReader(fh)}


def mapped_sheets() -> dict[str, list]:
    from wikiclub.sheets.mapping import load_mapping
    from wikiclub.sheets.properties import PropertyCatalog
    from wikiclub.sheets.validate import validate_sheet

    catalog = PropertyCatalog.from_dump(DATA / "kb.jsonl")
    return {sheet: list(validate_sheet(DATA / sheet, load_mapping(ROOT / "mappings" / m), catalog).result.rows)
            for sheet, m in SHEETS}


def evaluate(results_by_sheet: dict[str, list], truth: dict) -> tuple[dict[str, Tally], dict[str, Tally]]:
    entity: dict[str, Tally] = {}
    linked: dict[str, Tally] = defaultdict(Tally)
    for sheet, results in results_by_sheet.items():
        t = Tally()
        for r in results:
            tr = truth[(sheet, r.row)]
            m = r.entity
            t.add(tr["expected"], m.decision.value, m.qid, m.top.qid if m.top else None, f"{sheet}:{r.row}")
            for lr in r.linked:
                col = LINKED.get(lr.column)
                if col and tr.get(col):
                    lm = lr.match
                    linked[col].add(tr[col], lm.decision.value, lm.qid, lm.top.qid if lm.top else None,
                                    f"{sheet}:{r.row}:{lr.column}={lr.value}")
        entity[sheet] = t
    return entity, linked


def run(source_name: str, scorer: str, mapped: dict[str, list], make_source) -> dict[str, list]:  # noqa: ANN001
    from wikiclub.reconcile.inputs import row_inputs
    from wikiclub.reconcile.run import reconcile_rows

    out = {}
    for sheet, rows in mapped.items():
        out[sheet] = reconcile_rows(row_inputs(rows), make_source(), scorer=scorer)
    return out


def report(title: str, entity: dict[str, Tally], linked: dict[str, Tally]) -> list[str]:
    lines = [f"### {title}", "", HEAD]
    total = Tally()
    for sheet, t in entity.items():
        lines.append(t.line(sheet))
        total.merge(t)
    lines.append(total.line("**overall**"))
    lines += ["", "Linked columns:", "", HEAD]
    for col, t in linked.items():
        lines.append(t.line(col))
    errors = total.errors + [e for t in linked.values() for e in t.errors]
    if errors:
        lines += ["", "Errors (wrong MATCH, or NEW for an existing item):", ""]
        lines += [f"- {e}" for e in errors]
    return [*lines, ""]


def leave_one_out(entity: dict[str, Tally]) -> list[str]:
    lines = ["Leave-one-sheet-out (overall of the two other sheets; thresholds are global defaults, "
             "nothing is fitted per sheet):", ""]
    for held in entity:
        t = Tally()
        for sheet, x in entity.items():
            if sheet != held:
                t.merge(x)
        lines.append(f"- without {held}: precision {t.match_ok / max(1, t.match):.3f}, strict recall "
                     f"{t.strict / max(1, t.expected_existing):.3f}, lenient recall "
                     f"{t.found / max(1, t.expected_existing):.3f}, REVIEW {t.review / max(1, t.rows):.3f}")
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", choices=("sandbox", "index", "both"), default="both")
    ap.add_argument("--out", type=Path, default=None, help="also write the Markdown report here")
    args = ap.parse_args(argv)
    truth = load_truth()
    mapped = mapped_sheets()
    lines = ["# Reconciliation quality (tests/data, DEV set)", ""]
    tmp = Path(tempfile.mkdtemp(prefix="recon-quality-"))
    with candidate_sources(args.source, tmp) as sources:
        for name, make in sources:
            for scorer in ("ours", "baseline"):
                entity, linked = evaluate(run(name, scorer, mapped, make), truth)
                label = "ours" if scorer == "ours" else "OpenRefine-style baseline"
                lines += report(f"{label} — candidates from the {name}", entity, linked)
                if scorer == "ours":
                    lines += leave_one_out(entity)
    return emit(lines, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
