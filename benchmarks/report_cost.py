"""Cost of ``wikiclub report`` on a generated WikiProject of 10,000 and 100,000 items in the sandbox.

    .venv/bin/python benchmarks/report_cost.py [--sizes 10000 100000] [--out benchmarks/results/report_cost.md]

For each size: a fresh sandbox (in this process, on a free port) is loaded with a synthetic dump —
2 regions, 300 municipalities in them, 12 classes under 3 parent classes, items with P131 (90 %),
P5008 (20 %, some outside the regions), P856, P571 (with a reference, half of them "imported from"),
P625, P18, labels fr/en, a French description and frwiki sitelinks at various rates. Then
``wikiclub report`` runs as a *separate process* (3 configured groups, default columns), so its wall
time and peak memory (``wait4`` rusage) are the report's own, not the sandbox's. The number of SPARQL
queries is the report's own count (one HTTP request each; none was retried). Target: the query count does not depend on the item
count, and 100,000 items take less than 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from wikiclub.sandbox.config import SandboxConfig  # noqa: E402
from wikiclub.sandbox.load import load_dump  # noqa: E402
from wikiclub.sandbox.server import start_in_thread  # noqa: E402

GREG = "http://www.wikidata.org/entity/Q1985727"
REGIONS = ("Q100", "Q101")
PLACES = [f"Q{1000 + i}" for i in range(300)]
PARENTS = {"Q30": "organisation", "Q31": "lieu", "Q32": "événement"}
CLASSES = {f"Q{10 + i}": ("Q30", "Q31", "Q32")[i % 3] for i in range(12)}
FOCUS = "Q900"
DATATYPES = {"P31": "wikibase-item", "P279": "wikibase-item", "P131": "wikibase-item", "P17": "wikibase-item",
             "P5008": "wikibase-item", "P856": "url", "P571": "time", "P625": "globe-coordinate",
             "P18": "commonsMedia", "P854": "url", "P813": "time", "P143": "wikibase-item", "P159": "wikibase-item"}
CONFIG = """[wikiclub]
site = "{api}"
[project]
name = "Bench"
focus_item = "{focus}"
regions = {regions}
languages = ["fr", "en"]
"""
# The child prints its own peak RSS (VmHWM of its own address space) on exit: rusage of a child forked
# from this big process would count the parent's pages it shared before exec.
CHILD = ("import atexit, sys\n"
         "atexit.register(lambda: print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')),"
         " file=sys.stderr))\n"
         "from wikiclub.cli import main\nmain()")
SPEC = "".join(f'[[groups]]\nname = "{name}"\nclasses = ["{qid}"]\n\n' for qid, name in PARENTS.items())


def _snak(pid: str, value: Any) -> dict[str, Any]:
    kind = DATATYPES[pid]
    if kind == "wikibase-item":
        dv = {"type": "wikibase-entityid", "value": {"entity-type": "item", "id": value}}
    elif kind == "time":
        dv = {"type": "time", "value": {"time": f"+{value:04d}-00-00T00:00:00Z", "timezone": 0, "before": 0,
                                        "after": 0, "precision": 9, "calendarmodel": GREG}}
    elif kind == "globe-coordinate":
        dv = {"type": "globecoordinate", "value": {"latitude": value[0], "longitude": value[1], "altitude": None,
                                                   "precision": 0.0001, "globe": "http://www.wikidata.org/entity/Q2"}}
    else:
        dv = {"type": "string", "value": value}
    return {"snaktype": "value", "property": pid, "datatype": kind, "datavalue": dv}


def _claims(qid: str, pairs: list[tuple[str, Any, list[dict[str, Any]] | None]]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for n, (pid, value, refs) in enumerate(pairs):
        st = {"mainsnak": _snak(pid, value), "type": "statement", "rank": "normal",
              "id": f"{qid}$0000{n:04d}-AAAA-BBBB-CCCC-{int(qid[1:]):012d}"}
        if refs:
            st["references"] = refs
        out.setdefault(pid, []).append(st)
    return out


def _entity(qid: str, fr: str, pairs: list[tuple[str, Any, Any]], en: str | None = None, **extra: Any
            ) -> dict[str, Any]:
    labels = {"fr": {"language": "fr", "value": fr}}
    if en:
        labels["en"] = {"language": "en", "value": en}
    return {"type": "item", "id": qid, "labels": labels, "descriptions": {}, "aliases": {},
            "claims": _claims(qid, pairs), "sitelinks": {}, **extra}


def entities(count: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for pid, kind in DATATYPES.items():
        yield {"type": "property", "id": pid, "datatype": kind, "labels": {"fr": {"language": "fr", "value": pid}},
               "descriptions": {}, "aliases": {}, "claims": {}}
    yield _entity(FOCUS, "WikiProjet Bench", [])
    for i, qid in enumerate(REGIONS):
        yield _entity(qid, f"Province {i}", [])
    for i, qid in enumerate(PLACES):
        yield _entity(qid, f"Municipalité {i}", [("P131", REGIONS[i % 2], None)])
    for qid, name in PARENTS.items():
        yield _entity(qid, name, [])
    for qid, parent in CLASSES.items():
        yield _entity(qid, f"classe {qid}", [("P279", parent, None)])
    ref_web = [{"snaks": {"P854": [_snak("P854", "https://registre.example.ca/")]}}]
    ref_import = [{"snaks": {"P143": [_snak("P143", "Q901")]}}]
    for i in range(count):
        qid = f"Q{2_000_000 + i}"
        pairs: list[tuple[str, Any, Any]] = [("P31", rng.choice(list(CLASSES)), None)]
        if rng.random() < 0.9:
            pairs.append(("P131", rng.choice(PLACES), None))
        if rng.random() < 0.2:
            pairs.append(("P5008", FOCUS, None))
        elif len(pairs) == 1:
            pairs.append(("P5008", FOCUS, None))  # outside the regions: on the focus list
        if rng.random() < 0.4:
            pairs.append(("P856", f"https://org{i}.example.ca/", None))
        if rng.random() < 0.5:
            pairs.append(("P571", rng.randint(1900, 2020), ref_web if rng.random() < 0.5 else ref_import))
        if rng.random() < 0.5:
            pairs.append(("P625", (round(rng.uniform(45, 50), 4), round(rng.uniform(-80, -70), 4)), None))
        if rng.random() < 0.1:
            pairs.append(("P18", f"Image {i}.jpg", None))
        item = _entity(qid, f"Organisme {i}", pairs, f"Organisation {i}" if rng.random() < 0.7 else None)
        item["descriptions"] = {"fr": {"language": "fr", "value": "organisme de l'Abitibi"}}
        if rng.random() < 0.3:
            item["sitelinks"] = {"frwiki": {"site": "frwiki", "title": f"Organisme {i}", "badges": []}}
        yield item


def measure(count: int, workdir: Path) -> dict[str, Any]:
    dump = workdir / "dump.jsonl"
    with dump.open("w", encoding="utf-8") as fh:
        for e in entities(count):
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")
    running = start_in_thread(SandboxConfig(data_dir=workdir / "sandbox", port=0))
    try:
        started = time.perf_counter()
        load_dump(running.app, dump)
        load_s = time.perf_counter() - started
        (workdir / "wikiclub.toml").write_text(CONFIG.format(api=running.site, focus=FOCUS,
                                                             regions=json.dumps(list(REGIONS))), "utf-8")
        (workdir / "wikiclub-report.toml").write_text(SPEC, "utf-8")
        cmd = [sys.executable, "-c", CHILD, "report", "--config", str(workdir / "wikiclub.toml"), "--spec",
               str(workdir / "wikiclub-report.toml"), "-o", str(workdir / "out"), "--no-history", "--batches",
               str(workdir / "none")]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        out, err = proc.communicate()
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"report failed:\n{out}\n{err}")
        data = json.loads((workdir / "out" / "couverture.json").read_text("utf-8"))
        items = sum(c["items"] for c in data["report"]["cells"] if c["group"] == "all")
        return {"size": count, "items": items, "load_s": load_s, "wall_s": wall,
                "queries": data["report"]["queries"], "peak_mb": _peak_mb(err),
                "notes": len(data["report"]["notes"])}
    finally:
        running.stop()


def _peak_mb(stderr: str) -> float:
    line = next(line for line in stderr.splitlines() if line.startswith("VmHWM"))
    return int(line.split()[1]) / 1024  # kB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "report_cost.md")
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="wikiclub-report-bench-") as tmp:
            row = measure(size, Path(tmp))
        print(row, flush=True)
        rows.append(row)
    lines = [
        "# Coût du rapport de couverture / report cost",
        "",
        f"`.venv/bin/python benchmarks/report_cost.py {' '.join(sys.argv[1:])}`".replace(" `", "`") + " — "
        f"{time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} cores (shared). Sandbox in the benchmark process; `wikiclub report` in a child "
        "process (3 configured groups + all items, 13 columns each, to-do lists, labels).",
        "",
        "| items generated | items in the WikiProject | SPARQL queries | report wall time (s) | report peak RSS (MB) "
        "| sandbox load (s) | splits/gaps |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        *(f"| {r['size']:,} | {r['items']:,} | {r['queries']} | {r['wall_s']:.1f} | {r['peak_mb']:.0f} | "
          f"{r['load_s']:.1f} | {r['notes']} |" for r in rows),
        "",
        "Target: query count independent of the item count; 100,000 items in < 60 s.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
