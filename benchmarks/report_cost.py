"""Cost of ``wikiclub report`` on a Wikidata-like graph in the sandbox, at several WikiProject sizes.

    .venv/bin/python benchmarks/report_cost.py [--sizes 10000 30000 100000] [--outside 20000]
        [--methods api sparql] [--out benchmarks/results/report_cost.md]

For each size a fresh sandbox (in this process, on a free port, on disk) is loaded with the graph of
``benchmarks/_wikidata_like.py``: ``size`` items located in the WikiProject's 3 regions (3-hop P131
chains through heavy municipalities: 200–400 labels, 100+ referenced statements; people by
P19/P551/P937, organisations by P159, events by P276), plus ``outside`` items of the same kinds in 3
other regions, so the graph is bigger than the WikiProject. Then ``wikiclub report`` runs as a
*separate process* (4 configured groups + all items, default columns, to-do lists), so its wall time
and peak memory (the child's own ``VmHWM``) are the report's, not the sandbox's:

- ``api``, cold: an empty cache — every item's JSON is read (50 per request);
- ``api``, warm: the same command again, nothing edited in between — only revisions are checked;
- ``sparql`` (with ``--methods sparql``): the measures from SPARQL ``VALUES`` blocks instead.

SPARQL queries and API requests are the report's own counts (in ``couverture.json``). A last row
(``--outside-big``) runs the smallest size with a much bigger outside world: the requests must not
change. Every figure in the results file is written by this script.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _wikidata_like import BUILDING, EVENT, FOCUS, HUMAN, ORG, REGIONS, Shape, entities  # noqa: E402

from wikiclub.sandbox.config import SandboxConfig  # noqa: E402
from wikiclub.sandbox.load import load_dump  # noqa: E402
from wikiclub.sandbox.server import start_in_thread  # noqa: E402

CONFIG = """[wikiclub]
site = "{api}"
[project]
name = "Bench"
focus_item = "{focus}"
regions = {regions}
languages = ["fr", "en"]
"""
SPEC = "".join(f'[[groups]]\nname = "{name}"\nclasses = ["{qid}"]\n\n'
               for qid, name in ((ORG, "Organisations"), (HUMAN, "Personnes"), (EVENT, "Événements"),
                                 (BUILDING, "Bâtiments")))
# The child prints its own peak RSS (VmHWM of its own address space) on exit: rusage of a child forked
# from this big process would count the parent's pages it shared before exec.
CHILD = ("import atexit, sys\n"
         "atexit.register(lambda: print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')),"
         " file=sys.stderr))\n"
         "from wikiclub.cli import main\nmain()")


@contextmanager
def loaded(shape: Shape, workdir: Path) -> Iterator[tuple[Any, float, int]]:
    """A sandbox loaded with the graph; (running sandbox, load seconds, entities)."""
    dump = workdir / "dump.jsonl"
    count = 0
    with dump.open("w", encoding="utf-8") as fh:
        for e in entities(shape):
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")
            count += 1
    running = start_in_thread(SandboxConfig(data_dir=workdir / "sandbox", port=0))
    try:
        started = time.perf_counter()
        load_dump(running.app, dump)
        load_s = time.perf_counter() - started
        dump.unlink()
        (workdir / "wikiclub.toml").write_text(CONFIG.format(api=running.site, focus=FOCUS,
                                                             regions=json.dumps(list(REGIONS))), "utf-8")
        (workdir / "wikiclub-report.toml").write_text(SPEC, "utf-8")
        yield running, load_s, count
    finally:
        running.stop()


def run_report(workdir: Path, method: str, name: str) -> dict[str, Any]:
    out = workdir / name
    cmd = [sys.executable, "-c", CHILD, "report", "--config", str(workdir / "wikiclub.toml"), "--spec",
           str(workdir / "wikiclub-report.toml"), "-o", str(out), "--no-history", "--batches",
           str(workdir / "none"), "--measures", method, "--cache", str(workdir / "cache.sqlite"),
           "--no-progress"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    sandbox_cpu = time.process_time()  # this process: the sandbox's threads (the main thread only waits)
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYWIKIBOT_NO_USER_CONFIG": "2"})
    wall = time.perf_counter() - started
    sandbox_cpu = time.process_time() - sandbox_cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"report failed:\n{proc.stdout}\n{proc.stderr}")
    report = json.loads((out / "couverture.json").read_text("utf-8"))["report"]
    items = sum(c["items"] or 0 for c in report["cells"] if c["group"] == "all")
    peak = next(line for line in proc.stderr.splitlines() if line.startswith("VmHWM"))
    return {"items": items, "queries": report["queries"], "requests": report["requests"], "wall_s": wall,
            "report_cpu_s": report_cpu, "sandbox_cpu_s": sandbox_cpu,
            "peak_mb": int(peak.split()[1]) / 1024, "partial": report["partial"], "notes": len(report["notes"]),
            "cells": {(c["group"], c["region"]): c for c in report["cells"]}}


def measure(shape: Shape, methods: list[str]) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="wikiclub-report-bench-") as tmp, \
            loaded(shape, Path(tmp)) as (_running, load_s, count):
        runs = [("api", "cold"), ("api", "warm")] if "api" in methods else []
        runs += [("sparql", "—")] if "sparql" in methods else []
        reference = None
        for method, cache in runs:
            row = run_report(Path(tmp), method, f"out-{method}-{cache}")
            same = reference is None or row["cells"] == reference
            reference = reference or row["cells"]
            row.update(size=shape.size, outside=shape.outside, entities=count, load_s=load_s, method=method,
                       cache=cache, same=same)
            print({k: v for k, v in row.items() if k != "cells"}, flush=True)
            rows.append(row)
    return rows


def table(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| WikiProject items | graph entities | measures | cache | SPARQL queries | API requests "
             "| report wall time (s) | report CPU (s) | sandbox CPU (s) | peak RSS (MB) | partial | same cells "
             "| sandbox load (s) |",
             "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|"]
    lines += [f"| {r['items']:,} | {r['entities']:,} | {r['method']} | {r['cache']} | {r['queries']:,} | "
              f"{r['requests']:,} | {r['wall_s']:.1f} | {r['report_cpu_s']:.1f} | {r['sandbox_cpu_s']:.1f} | "
              f"{r['peak_mb']:.0f} | {'yes' if r['partial'] else 'no'} | {'yes' if r['same'] else 'NO'} | "
              f"{r['load_s']:.0f} |" for r in rows]
    return lines


def _commit() -> str:
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"], capture_output=True,
                           text=True)
    return head.stdout.strip() + (" + uncommitted changes in src/" if dirty.stdout.strip() else "")


def write(path: Path, title: str, argv: list[str], body: list[str]) -> None:
    load = os.getloadavg()
    lines = [f"# {title}", "",
             f"`.venv/bin/python {' '.join(argv)}` on commit {_commit()} — {time.strftime('%Y-%m-%d %H:%M')}, Python "
             f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores shared with other jobs "
             f"(load average {load[0]:.1f} at the end). Written by the script; no figure edited by hand.", "",
             *body, ""]
    text = "\n".join(lines)
    print(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def growth(rows: list[dict[str, Any]], method: str, cache: str) -> list[str]:
    """Requests and queries per 1,000 items between the sizes: linear means roughly constant."""
    same = [r for r in rows if r["method"] == method and r["cache"] == cache and r["outside"] == rows[0]["outside"]]
    out = []
    for a, b in zip(same, same[1:], strict=False):
        items = (b["items"] - a["items"]) / 1000
        if items > 0:
            out.append(f"- {method} ({cache}), {a['items']:,} → {b['items']:,} items: "
                       f"+{(b['requests'] - a['requests']) / items:.1f} API requests and "
                       f"+{(b['queries'] - a['queries']) / items:.1f} SPARQL queries per 1,000 more items; "
                       f"time ×{b['wall_s'] / a['wall_s']:.1f} for items ×{b['items'] / a['items']:.1f}.")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--outside", type=int, default=20_000)
    parser.add_argument("--outside-big", type=int, default=100_000, help="0: no such row")
    parser.add_argument("--methods", nargs="+", default=["api"], choices=["api", "sparql"])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "report_cost.md")
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        rows += measure(Shape(size, args.outside), args.methods)
    if args.outside_big:
        rows += measure(Shape(min(args.sizes), args.outside_big), args.methods)
    notes = ["Targets (issue 14): at 100,000 items the report finishes in < 30 s; its requests and queries grow "
             "with the WikiProject's items, not with the graph (compare the last row, same WikiProject in a "
             "bigger graph, with the first).", "", *growth(rows, "api", "cold"), *growth(rows, "api", "warm"),
             *growth(rows, "sparql", "—"),
             "", "« same cells »: every cell equals the first run's of the same size (cold API).",
             "« report CPU »: the report process's own CPU time (user + system: parsing answers, its own work); "
             "« sandbox CPU »: the sandbox's, in this process, during that run (answering queries and requests). "
             "Requests and queries run one after the other, so the wall time is about their sum plus the "
             "waits between the two processes.",
             "The graph is synthetic (benchmarks/_wikidata_like.py), built to look like Wikidata where reports "
             "are costly; the sandbox is not WDQS: these are costs on this machine, not Wikidata's."]
    write(args.out, "Coût du rapport de couverture / report cost", [Path(sys.argv[0]).as_posix(), *sys.argv[1:]],
          [*table(rows), "", *notes])


if __name__ == "__main__":
    main()
