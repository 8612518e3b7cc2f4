"""Requests of `wikiclub reconcile`'s own path on the example sheets (a development set).

    .venv/bin/python benchmarks/example_cost.py [--out FILE.md]

The five example sheets (examples/*.csv, *.xlsx) with their mappings, reconciled through what
`wikiclub reconcile SHEET -m MAPPING --site …` runs — its reachability check (one siteinfo, the run's),
``sources.project_source`` (the region's index first: the mapping's focus list, or wikiclub.toml's
focus list and regions; the API for the rest), ``stage.reconcile_mapped`` — against a sandbox loaded
with examples/kb.jsonl. Every request is counted: the wiki's API from the sandbox's JSON-lines log,
SPARQL by the client (the sandbox does not log its query service). Two setups, each run cold (a new
cache folder: the region's index built in the run, its requests included) then warm (the same folder:
the index refreshed by revision):

* **mapping only** — no wikiclub.toml: the region is the mapping's ``focus_list`` (salles.yaml has
  none: the API alone);
* **with examples/wikiclub.toml** — its ``[project]`` focus list and regions.

Requests per row and per **distinct** row (a sheet's duplicate rows — same name folded, same
municipality — counted once), and the decisions, so that a change of cost with a change of decisions
shows. The sheets were written for development: rules were tuned on them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _recon_common import ROOT, CountedSparql, emit  # noqa: E402

EXAMPLES = ROOT / "examples"
SHEETS = [("lieux.csv", "lieux.yaml"), ("festivals.xlsx", "festivals.yaml"),
          ("organismes-culturels.csv", "organismes-culturels.yaml"), ("artistes.csv", "artistes.yaml"),
          ("salles.xlsx", "salles.yaml")]


def log_length(log: Path) -> int:
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


def distinct_rows(rows: list[Any]) -> int:
    from wikiclub.names import fold

    def key(r: Any) -> tuple[str, str]:
        name = next((t for _, t in r.labels), "")
        place = next((v for c, v in r.cells if c.lower().startswith(("municipalit", "ville", "lieu"))), "")
        return fold(name), fold(place)

    return len({key(r) for r in rows})


def one_run(sb: Any, settings: Any, log: Path, cache: Path, sheet: str, mapping_file: str) -> dict[str, Any]:
    """One `wikiclub reconcile` of ``sheet``: its requests by kind and its decisions."""
    from wikiclub.adapters.http import make_session
    from wikiclub.adapters.siteinfo import fetch_siteinfo, write_cache
    from wikiclub.adapters.sparql import SparqlClient
    from wikiclub.adapters.wikibase import WikibaseClient
    from wikiclub.reconcile.sources import project_source
    from wikiclub.reconcile.stage import reconcile_mapped, summary
    from wikiclub.sheets.mapping import load_mapping
    from wikiclub.sheets.properties import PropertyCatalog
    from wikiclub.sheets.validate import validate_sheet

    mapping = load_mapping(ROOT / "mappings" / mapping_file)
    catalog = PropertyCatalog.from_dump(EXAMPLES / "kb.jsonl")
    rows = [r for r in validate_sheet(EXAMPLES / sheet, mapping, catalog).result.rows if r.labels]
    start = log_length(log)
    with make_session(settings) as session, make_session(settings) as sparql_session:
        client = WikibaseClient.from_settings(settings, session)
        info = fetch_siteinfo(client)  # the CLI's reachability check: the run's siteinfo
        write_cache(cache, info)
        sparql = CountedSparql(SparqlClient.from_settings(settings, sparql_session))
        focus = next((r.focus_list for r in rows if r.focus_list), None)
        t0 = time.perf_counter()
        choice = project_source(settings, client, info, cache, sparql=sparql, focus=focus)  # type: ignore[arg-type]
        try:
            results = reconcile_mapped(rows, choice.source, language=mapping.language or "fr",
                                       regions=settings.project.regions)
        finally:
            choice.close()
        seconds = time.perf_counter() - t0
    lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()[start:]]
    kinds = Counter(str(e.get("action")) for e in lines)
    kinds["sparql"] = sparql.sent
    counts = summary(results)
    return {"sheet": sheet, "rows": len(rows), "distinct": distinct_rows(rows), "requests": sum(kinds.values()),
            "kinds": kinds, "seconds": seconds,
            "decisions": {k: counts[k] for k in ("MATCH", "NEW", "REVIEW") if k in counts}}


def setup_runs(name: str, toml: Path | None, tmp: Path) -> list[str]:
    from wikiclub.config import load_settings
    from wikiclub.sandbox.config import SandboxConfig
    from wikiclub.sandbox.load import load_dump
    from wikiclub.sandbox.server import start_with_bot

    slug = "toml" if toml is not None else "mapping"
    log = tmp / f"log-{slug}.jsonl"
    sb, _ = start_with_bot(SandboxConfig(data_dir=tmp / f"wiki-{slug}", port=0, log_path=log), user="Admin",
                           groups=("sysop", "bureaucrat"))
    load_dump(sb.app, EXAMPLES / "kb.jsonl")
    out: list[str] = []
    try:
        config: dict[str, Any] = {"site": sb.site}
        if toml is not None:
            import tomllib

            project = tomllib.loads(toml.read_text(encoding="utf-8")).get("project", {})
            config |= {f"project.{k}": v for k, v in project.items() if k in ("focus_item", "regions", "languages")}
        settings = load_settings(config, env={})
        cache = tmp / f"cache-{slug}"
        for run in ("cold", "warm"):
            if run == "cold" and cache.exists():
                raise RuntimeError("cache folder reused")
            got = [one_run(sb, settings, log, cache, s, m) for s, m in SHEETS]
            out += [f"| {name} | {run} | {g['sheet']} | {g['rows']} ({g['distinct']}) | {g['requests']} | "
                    f"{g['requests'] / g['distinct']:.2f} | "
                    f"{', '.join(f'{k} {v}' for k, v in g['kinds'].most_common() if v)} | "
                    f"{', '.join(f'{k} {v}' for k, v in g['decisions'].items())} |" for g in got]
            rows, distinct, sent = (sum(g[k] for g in got) for k in ("rows", "distinct", "requests"))
            out.append(f"| {name} | {run} | **all** | {rows} ({distinct}) | {sent} | **{sent / distinct:.2f}** | | |")
    finally:
        sb.stop()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="example-cost-"))
    t0 = time.perf_counter()
    lines = ["# Requests of `wikiclub reconcile` on the example sheets (development set)", "",
             "Command: `.venv/bin/python benchmarks/example_cost.py`; every request counted (the wiki's API from "
             "the sandbox's log, SPARQL by the client); rows (distinct rows); requests per distinct row.", "",
             "| setup | run | sheet | rows (distinct) | requests | per distinct row | by kind | decisions |",
             "|---|---|---|---|---|---|---|---|",
             *setup_runs("mapping only", None, tmp),
             *setup_runs("examples/wikiclub.toml", EXAMPLES / "wikiclub.toml", tmp),
             "", f"Run time: {time.perf_counter() - t0:.0f} s."]
    return emit(lines, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
