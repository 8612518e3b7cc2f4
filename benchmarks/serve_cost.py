"""Cost of reconciling through the OpenRefine endpoint (``wikiclub reconcile serve``) vs the command.

    .venv/bin/python benchmarks/serve_cost.py [--out benchmarks/results/serve_cost.md]

The three example sheets (examples/, 109 rows) with their mappings, against a sandbox loaded with
examples/kb.jsonl, counting the requests in the sandbox's JSON-lines log:

1. ``wikiclub reconcile``'s engine on each whole sheet (``reconcile_mapped``);
2. the endpoint, the sheet sent as OpenRefine sends it (batches of 10, one service for the session:
   its engine and caches live across batches);
3. the same with a fresh service per batch (what caches kept across batches save);
4. the endpoint on the local index (no request): seconds per batch.

Timings are of this 2-core machine shared with other work: read them as orders of magnitude. These are
the development sheets (the endpoint was built and checked on them).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import kb_sandbox  # noqa: E402
from _openrefine import MAPPINGS, openrefine_queries  # noqa: E402
from _recon_common import emit  # noqa: E402

EXAMPLES = ROOT / "examples"
SHEETS = [("festivals.xlsx", "festivals.yaml"), ("lieux.csv", "lieux.yaml"),
          ("organismes-culturels.csv", "organismes-culturels.yaml")]


def _lines(log: Path) -> int:
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


def _batches(queries: list[tuple[int, dict[str, Any]]]) -> list[str]:
    return [json.dumps({f"q{i}": q for i, (_, q) in enumerate(queries[s:s + 10])}) for s in range(0, len(queries), 10)]


def _endpoint(make: Any, batches: list[str], *, fresh: bool) -> list[float]:
    """Seconds per batch; ``make()`` builds a service (once, or per batch when ``fresh``)."""
    service = make()
    took = []
    for body in batches:
        if fresh:
            service = make()
        t0 = time.perf_counter()
        answer = service.handle("", {"queries": body}, "http://127.0.0.1:8766/reconcile")
        took.append(time.perf_counter() - t0)
        assert answer.status == 200, answer.payload
    return took


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)

    from wikiclub.adapters.http import make_session
    from wikiclub.adapters.index import LocalIndex, build_from_dump
    from wikiclub.adapters.wikibase import WikibaseClient
    from wikiclub.config import load_settings
    from wikiclub.reconcile.candidates import ApiSource, IndexSource
    from wikiclub.reconcile.serve import build_service, site_info
    from wikiclub.reconcile.stage import reconcile_mapped
    from wikiclub.sheets.mapping import load_mapping
    from wikiclub.sheets.properties import PropertyCatalog
    from wikiclub.sheets.validate import validate_sheet

    tmp = Path(tempfile.mkdtemp(prefix="serve-cost-"))
    catalog = PropertyCatalog.from_dump(EXAMPLES / "kb.jsonl")
    mappings = [load_mapping(p) for p in MAPPINGS]
    log = tmp / "requests.jsonl"
    sb, _ = kb_sandbox(tmp / "sandbox", dump=EXAMPLES / "kb.jsonl", log_path=log)
    build_from_dump(EXAMPLES / "kb.jsonl", tmp / "kb.sqlite")
    rows_total, counts, per_batch, per_batch_index = 0, {"cli": 0, "served": 0, "fresh": 0}, [], []
    try:
        settings = load_settings({"site": sb.api_url}, env={})
        client = WikibaseClient.from_settings(settings, make_session(settings))
        client.call({"action": "query", "meta": "siteinfo", "siprop": "namespaces"})  # warm-up, not counted
        site = site_info(settings.site)

        def api_service() -> Any:
            return build_service(ApiSource(client), site, mappings, catalog, wiki=client)

        with LocalIndex(tmp / "kb.sqlite") as index:
            def index_service() -> Any:
                return build_service(IndexSource(index), site, mappings, catalog)

            for sheet, mapping in SHEETS:
                m = load_mapping(ROOT / "mappings" / mapping)
                rows = [r for r in validate_sheet(EXAMPLES / sheet, m, catalog).result.rows if r.labels]
                rows_total += len(rows)
                batches = _batches(openrefine_queries(m, EXAMPLES / sheet))
                start = _lines(log)
                reconcile_mapped(rows, ApiSource(client), language=m.language or "fr")
                counts["cli"] += _lines(log) - start
                start = _lines(log)
                per_batch += _endpoint(api_service, batches, fresh=False)
                counts["served"] += _lines(log) - start
                start = _lines(log)
                _endpoint(api_service, batches, fresh=True)
                counts["fresh"] += _lines(log) - start
                per_batch_index += _endpoint(index_service, batches, fresh=False)
        client.session.close()
    finally:
        sb.stop()
    n = rows_total
    lines = [
        f"# Reconciliation through the OpenRefine endpoint ({n} rows of the 3 example sheets, batches of 10)",
        "",
        "| way | requests | requests/row |",
        "|---|---|---|",
        f"| `wikiclub reconcile` (whole sheets) | {counts['cli']} | {counts['cli'] / n:.2f} |",
        f"| endpoint, one service for the session | {counts['served']} | {counts['served'] / n:.2f} |",
        f"| endpoint, a fresh service per batch | {counts['fresh']} | {counts['fresh'] / n:.2f} |",
        "",
        f"Seconds per batch of 10 (sandbox API, one service): median {statistics.median(per_batch):.3f}, "
        f"max {max(per_batch):.3f}; local index: median {statistics.median(per_batch_index):.3f}, "
        f"max {max(per_batch_index):.3f}.",
    ]
    return emit(lines, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
