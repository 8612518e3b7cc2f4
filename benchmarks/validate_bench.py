"""Benchmark: ``validate`` on a generated 100,000-row CSV (targets: ≥ 20,000 rows/s, < 1 GiB).

    .venv/bin/python benchmarks/validate_bench.py [--rows 100000] [--repeat 3] [--write benchmarks/results/validate.md]

The sheet looks like the WikiClub's: French headers, UTF-8 with BOM, `;`, decimal commas, mostly
distinct names/websites/phones, a few hundred municipalities and a small type vocabulary, some bad cells.
The run goes through the same library calls as ``wikiclub validate`` (read → map → issues and counts for
the summary) and writes the problem report. The box is shared, so the validation is repeated and the
best and median runs are reported (wall clock; CPU time alongside); peak RSS covers the whole process.
"""

from __future__ import annotations

import argparse
import csv
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from wikiclub.sheets.mapping import load_mapping  # noqa: E402
from wikiclub.sheets.properties import PropertyCatalog  # noqa: E402
from wikiclub.sheets.validate import validate_sheet, write_report  # noqa: E402

TYPES = ["Musée", "Salle de spectacle", "Bibliothèque", "OBNL", "Centre culturel", "Festival", "Cirque"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]
MAPPING = """\
entity:
  label: {column: Nom, language: fr}
  description: {fr: "organisme culturel à {Municipalité}"}
  instance_of: [Q43229]
columns:
  Type: {use: instance_of, on_unknown: warn, values: {Musée: Q33506, Salle de spectacle: Q900053,
         Bibliothèque: Q7075, OBNL: Q163740, Centre culturel: Q900020, Festival: Q132241}}
  Municipalité: {property: P131, item: {types: [Q900061], within: [Q176]}}
  Site web: {property: P856}
  Courriel: {property: P968, parse: email}
  Téléphone: {property: P1329, parse: phone}
  Fondé en: {property: P571}
  ISNI: {property: P213}
coordinates:
  - {property: P625, latitude: Latitude, longitude: Longitude}
references:
  - {P854: {column: Site web}, P813: today}
"""


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    towns = [f"Municipalité {i}" for i in range(400)]
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Nom", "Type", "Municipalité", "Site web", "Courriel", "Téléphone", "Fondé en", "ISNI",
                    "Latitude", "Longitude", "Notes"])
        for i in range(rows):
            r = rnd.random()
            founded = (str(rnd.randint(1900, 2024)) if r < 0.4 else
                       f"{rnd.randint(1, 28)} {rnd.choice(MONTHS)} {rnd.randint(1950, 2024)}" if r < 0.8 else
                       f"{rnd.randint(1, 28):02d}/{rnd.randint(1, 12):02d}/{rnd.randint(1950, 2024)}" if r < 0.98 else
                       "31 février 2020")
            w.writerow([f"Organisme {i}", rnd.choice(TYPES), rnd.choice(towns), f"www.org{i}.qc.ca/",
                        f"info@org{i}.ca" if rnd.random() < 0.5 else "",
                        f"819 {rnd.randint(200, 999)}-{rnd.randint(0, 9999):04d}",
                        founded, f"0000 0001 {rnd.randint(0, 9999):04d} {rnd.randint(0, 9999):04d}"
                        if rnd.random() < 0.1 else "",
                        f"{rnd.uniform(45, 55):.4f}".replace(".", ","), f"{rnd.uniform(-80, -70):.4f}".replace(".", ","),
                        "note" if rnd.random() < 0.1 else ""])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        sheet, mapping_path = d / "bench.csv", d / "bench.yaml"
        t0 = time.perf_counter()
        generate(sheet, args.rows)
        gen = time.perf_counter() - t0
        mapping_path.write_text(MAPPING, encoding="utf-8")
        catalog = PropertyCatalog.from_dump(ROOT / "tests" / "data" / "kb.jsonl")
        mapping = load_mapping(mapping_path)
        runs: list[tuple[float, float]] = []
        for _ in range(max(1, args.repeat)):
            t0, c0 = time.perf_counter(), time.process_time()
            v = validate_sheet(sheet, mapping, catalog)
            v.counts()  # what the CLI summary needs: every row mapped, issues counted
            runs.append((time.perf_counter() - t0, time.process_time() - c0))
            del v  # each run starts from the file (peak memory is one run's)
        v = validate_sheet(sheet, mapping, catalog)
        v.counts()
        t0 = time.perf_counter()
        write_report(d / "problems.csv", v.issues)
        t_report = time.perf_counter() - t0
        size = sheet.stat().st_size
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    walls = sorted(w for w, _ in runs)
    best, median = walls[0], statistics.median(walls)
    cpu_best = min(c for _, c in runs)
    lines = [
        "# validate benchmark",
        "",
        f"Command: `.venv/bin/python benchmarks/validate_bench.py --rows {args.rows} --repeat {args.repeat}`",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, shared 2-core box (other jobs running).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| rows | {v.rows_read:,} |",
        f"| file size | {size / 1e6:.1f} MB (CSV, UTF-8 BOM, `;`) |",
        f"| validate (read + map + issues), best of {len(runs)} | {best:.2f} s (CPU {cpu_best:.2f} s) |",
        f"| **rows/s, best** | **{v.rows_read / best:,.0f}** (target ≥ 20,000) |",
        f"| rows/s, median | {v.rows_read / median:,.0f} |",
        f"| µs per row, best (wall / CPU) | {best / v.rows_read * 1e6:.1f} / {cpu_best / v.rows_read * 1e6:.1f} |",
        f"| report ({len(v.issues):,} issues → CSV) | {t_report:.2f} s |",
        f"| **peak RSS** | **{peak_kib / 1024:.0f} MiB** (target < 1 GiB) |",
        f"| rows valid | {v.rows_valid:,} |",
        f"| generation (not timed above) | {gen:.1f} s |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
