"""The alternatives for reading a report's measures, measured on the Wikidata-like graph (issue 14).

    .venv/bin/python benchmarks/report_sources.py [--sizes 10000 30000] [--outside 20000]
        [--baseline 07e7229] [--out benchmarks/results/report_sources.md]

Membership is the same for all (the regions' P131 trees walked in VALUES blocks, the focus list);
what differs is how each member's measures are read. Each alternative runs in its own process
against the same sandbox (so the sandbox's work and the client's do not share one GIL), on every
candidate item of the WikiProject:

- ``api cold``: ``wbgetentities``, 50 ids per request, props info|labels|descriptions|claims|sitelinks,
  languages fr|en, into an empty cache;
- ``api warm, revisions from SPARQL``: the same ids again, the cache full, the revisions known from
  the membership queries (``schema:version``): what a weekly run costs when nothing changed;
- ``api warm, revisions by props=info``: as above where the endpoint has no ``schema:version`` (raw RDF);
- ``sparql blocks``: three queries per block of 500 items (flags with EXISTS, P31, referenced
  statements) — needs ``wikibase:statements``;
- ``landed aggregates`` (``--baseline COMMIT``): the whole ``wikiclub report`` of that commit (one
  aggregate query per group over the whole WikiProject), as a reference for cost only — its
  membership rules differ (P131 only).

Every figure in the results file is written by this script.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

from report_cost import CHILD, loaded, write  # noqa: E402

METHODS = ("api cold", "api warm, revisions from SPARQL", "api warm, revisions by props=info", "sparql blocks")
# Run in a child process: python report_sources.py --child METHOD WORKDIR → one JSON line on stdout.
DRIVER = """
import json, sys, time, tomllib, requests
from pathlib import Path
from wikiclub.adapters.sparql import SparqlClient
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.config import WikiProject, sandbox_site
from wikiclub.report.budget import Collector
from wikiclub.report.cache import FactCache
from wikiclub.report.membership import find_candidates
from wikiclub.report.queries import Namespaces
from wikiclub.report.sources import ApiFacts, SparqlFacts
from wikiclub.report.spec import build_spec

method, work = sys.argv[1], Path(sys.argv[2])
conf = tomllib.loads((work / "wikiclub.toml").read_text("utf-8"))
site = sandbox_site(conf["wikiclub"]["site"].removeprefix("sandbox:"))  # report_cost's "sandbox:<server>"
api = site.api_url
spec = build_spec(WikiProject("Bench", conf["project"]["focus_item"], tuple(conf["project"]["regions"]), ("fr", "en")))
ns = Namespaces.for_base(None)
run = Collector(SparqlClient(site.sparql_url, requests.Session()))
found = find_candidates(run, spec.selection, ns)
ids, walk_queries = found.ids(), run.queries
versions = found.versions if "SPARQL" in method else {}
started = time.perf_counter()
facts = {}
if method.startswith("api"):
    with FactCache(work / "sources-cache.sqlite", "bench", spec.languages) as cache:
        source = ApiFacts(run, WikibaseClient(api, requests.Session(), throttle=None), spec.languages, cache)
        for i in range(0, len(ids), 500):
            facts.update(source.read(ids[i:i + 500], versions))
else:
    props = [m.key for m in spec.default_measures if m.kind == "property"]
    source = SparqlFacts(run, ns, spec.languages, ["frwiki", "enwiki"], props, True)
    for i in range(0, len(ids), 500):
        facts.update(source.read(ids[i:i + 500], {}))
seconds = time.perf_counter() - started
digest = sorted((f.id, f.classes, f.labels, f.descriptions, sorted(s for s in f.sitelinks if s in ("frwiki", "enwiki")),
                 sorted(p for p in f.properties if p in ("P131", "P625", "P856", "P571", "P18")), f.statements,
                 f.sourced) for f in facts.values())
peak = next(l for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"items": len(facts), "seconds": seconds, "queries": run.queries - walk_queries,
                  "requests": run.requests, "peak_mb": int(peak.split()[1]) / 1024,
                  "digest": hash(json.dumps(digest))}))
"""


def child(method: str, workdir: Path) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", DRIVER, method, str(workdir)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONHASHSEED": "0"})
    if proc.returncode != 0:
        raise SystemExit(f"{method} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def baseline(commit: str, workdir: Path) -> dict[str, Any]:
    """The whole report of an earlier commit (its own code, exported from git) on the same sandbox."""
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src"], capture_output=True, check=True).stdout
    old = workdir / f"old-{commit}"
    with tarfile.open(fileobj=BytesIO(tar)) as archive:
        archive.extractall(old, filter="data")
    # that commit read a local API URL as the sandbox; today's config names it « sandbox:<server> »
    conf = (workdir / "wikiclub.toml").read_text("utf-8")
    server = re.search(r'site = "sandbox:([^"]+)"', conf)
    old_conf = workdir / "wikiclub-old.toml"
    old_conf.write_text(conf if server is None else conf.replace(server.group(0), f'site = "{server.group(1)}/w/api.php"'),
                        "utf-8")
    cmd = [sys.executable, "-c", CHILD, "report", "--config", str(old_conf), "--spec",
           str(workdir / "wikiclub-report.toml"), "-o", str(workdir / "out-old"), "--no-history", "--batches",
           str(workdir / "none")]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(old / "src"), "PYWIKIBOT_NO_USER_CONFIG": "2"})
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        return {"items": 0, "seconds": wall, "queries": 0, "requests": 0, "peak_mb": 0, "digest": None,
                "failed": [line for line in proc.stderr.strip().splitlines() if not line.startswith("VmHWM")][-1:]}
    report = json.loads((workdir / "out-old" / "couverture.json").read_text("utf-8"))["report"]
    peak = next(line for line in proc.stderr.splitlines() if line.startswith("VmHWM"))
    return {"items": sum(c["items"] for c in report["cells"] if c["group"] == "all"), "seconds": wall,
            "queries": report["queries"], "requests": 0, "peak_mb": int(peak.split()[1]) / 1024, "digest": None}


def main() -> None:
    from _wikidata_like import Shape

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000])
    parser.add_argument("--outside", type=int, default=20_000)
    parser.add_argument("--baseline", default="07e7229", help="commit of the landed report ('' = none)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "report_sources.md")
    args = parser.parse_args()
    lines = ["| WikiProject candidates | measures read by | seconds | SPARQL queries | API requests | peak RSS (MB) "
             "| same facts as api cold |", "|---:|---|---:|---:|---:|---:|---|"]
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="wikiclub-sources-bench-") as tmp, \
                loaded(Shape(size, args.outside), Path(tmp)) as (_running, _load_s, _count):
            reference = None
            for method in METHODS:
                r = child(method, Path(tmp))
                reference = reference if reference is not None else r["digest"]
                print(method, r, flush=True)
                lines.append(f"| {r['items']:,} | {method} | {r['seconds']:.1f} | {r['queries']} | {r['requests']:,} "
                             f"| {r['peak_mb']:.0f} | {'yes' if r['digest'] == reference else 'NO'} |")
            if args.baseline:
                r = baseline(args.baseline, Path(tmp))
                print("baseline", r, flush=True)
                what = f"landed aggregates ({args.baseline}), whole report" + (" — FAILED" if r.get("failed") else "")
                lines.append(f"| {r['items']:,} | {what} | {r['seconds']:.1f} | {r['queries']} | — | "
                             f"{r['peak_mb']:.0f} | — |")
    notes = ["Membership (the same for every row) is not counted in « seconds » except in the landed row, "
             "which is the whole report of that commit.",
             "The graph is synthetic (benchmarks/_wikidata_like.py); the sandbox is not WDQS nor Wikidata's API: "
             "docs/reports.md weighs these costs against the real services."]
    write(args.out, "Lire les mesures : les solutions comparées / reading the measures: the alternatives",
          [Path(sys.argv[0]).as_posix(), *sys.argv[1:]], [*lines, "", *notes])


if __name__ == "__main__":
    main()
