"""Push cost: requests per entity edit, counted in the sandbox's JSON-lines request log.

    .venv/bin/python benchmarks/push_cost.py [--n 500] [--out benchmarks/results/push_cost.md]

Writes its results to benchmarks/results/push_cost.md (``--out`` elsewhere; ``--out -`` prints only).

Two batches of N entities each, against a sandbox loaded with tests/data/kb.jsonl, no faults, no
throttle:

1. **create**: N new items, each with a label, a description and 8 statements (P31, P5008, P131,
   P856 + reference, P571 + reference, P1329, P968, P2013);
2. **add**: the same N items, now existing, each getting 8 more statements and a reference on an
   existing statement.

Everything ``push`` sends is counted (BotPassword login, userinfo, the re-reads of 50 entities
before writing, the edits), and next to it the **whole path**: ``plan`` (its reads of the matched
items and properties, its idempotence searches) plus ``push``, per entity. The QuickStatements pattern on the same batches is counted from the
plan: one read + one write per label, description, alias, statement, qualifier and reference (and one
``CREATE`` per new item), which is what QuickStatements does against the API.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, client, kb_sandbox, ref, row, st, write_records  # noqa: E402

from wikiclub.batch.build import PlanOptions, build_plan, read_reconciled  # noqa: E402
from wikiclub.batch.folder import write_batch  # noqa: E402
from wikiclub.batch.model import Plan  # noqa: E402
from wikiclub.batch.push import PushOptions, push_plan  # noqa: E402
from wikiclub.model import (  # noqa: E402
    GlobeCoordinateValue,
    ItemValue,
    MonolingualTextValue,
    QuantityValue,
    StringValue,
    TimeValue,
)


def creations(n: int) -> list[tuple[str | None, Any]]:
    out: list[tuple[str | None, Any]] = []
    for i in range(n):
        url = f"https://org{i}.example.org/"
        out.append((None, row(i + 2, f"Organisme banc {i:04d}",
                              st("P131", "wikibase-item", ItemValue("Q900141")),
                              st("P856", "url", StringValue(url), ref(url)),
                              st("P571", "time", TimeValue(f"+{1950 + i % 70}-00-00T00:00:00Z", 9), ref(url)),
                              st("P1329", "string", StringValue(f"+1-819-555-{i:04d}")),
                              st("P968", "url", StringValue(f"mailto:info{i}@example.org")),
                              st("P2013", "external-id", StringValue(f"org{i}")),
                              desc=f"organisme culturel de banc d'essai numéro {i}")))
    return out


def additions(qids: list[str]) -> list[tuple[str | None, Any]]:
    out: list[tuple[str | None, Any]] = []
    for i, qid in enumerate(qids):
        out.append((qid, row(i + 2, f"Organisme banc {i:04d}",
                             st("P131", "wikibase-item", ItemValue("Q900141"), ref("https://registre.example.org/")),
                             st("P1082", "quantity", QuantityValue(Decimal(i) + Decimal("0.5"))),
                             st("P625", "globe-coordinate", GlobeCoordinateValue(Decimal("48.2") + Decimal(i) / 1000,
                                                                                 Decimal("-79.0"), Decimal("0.001"))),
                             st("P281", "string", StringValue(f"J9X {i % 10}A{i % 10}")),
                             st("P373", "string", StringValue(f"Organisme banc {i}")),
                             st("P6375", "monolingualtext", MonolingualTextValue(f"{i} rue Principale", "fr")),
                             st("P1448", "monolingualtext", MonolingualTextValue(f"Organisme banc {i}", "fr")),
                             st("P2002", "external-id", StringValue(f"orgx{i}")),
                             st("P2003", "external-id", StringValue(f"orgi{i}")),
                             desc=f"organisme culturel de banc d'essai numéro {i}", focus=None)))
    return out


def quickstatements_requests(plan: Plan) -> int:
    """One read + one write per term, statement, qualifier and reference; one CREATE per new item."""
    total = 0
    for e in plan.edits:
        units = 0
        for c in e.changes:
            if c.kind in ("label", "description", "alias"):
                units += 1
            elif c.kind == "statement":
                units += 1 + len(c.qualifiers) + len(c.references)
            else:
                units += len(c.qualifiers) + len(c.references)
        total += 2 * units + (1 if e.creation else 0)
    return total


def log_count(path: Path) -> int:
    return sum(1 for line in path.read_text("utf-8").splitlines() if line.strip())


def actions(path: Path, start: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in path.read_text("utf-8").splitlines()[start:]:
        x = json.loads(line)
        key = x["action"] + (f"+{x['params'].get('meta') or x['params'].get('list') or ''}" if x["action"] == "query"
                             else "")
        out[key] = out.get(key, 0) + 1
    return out


def run(n: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="push-cost-"))
    log = tmp / "requests.jsonl"
    running, account = kb_sandbox(tmp / "wiki", log_path=log)
    results: dict[str, Any] = {"n": n}
    try:
        qids: list[str] = []
        for name, rows in (("create", creations(n)), ("add", None)):
            if rows is None:
                rows = additions(qids)
            records = write_records(tmp / f"{name}.jsonl", rows)
            reader = client(running.api_url)
            start = log_count(log)
            t0 = time.perf_counter()
            plan = build_plan(read_reconciled(records), reader, site={"name": "sb", "api_url": running.api_url},
                              batch_id=f"bench-{name}", options=PlanOptions())
            plan_requests, plan_seconds = log_count(log) - start, time.perf_counter() - t0
            batch = write_batch(plan, tmp / f"bench-{name}")
            from wikiclub.batch.approve import approve

            approve(batch, "benchmark")
            start = log_count(log)
            t0 = time.perf_counter()
            pusher = client(running.api_url, account)  # the login is part of the push's cost
            report = push_plan(batch, pusher, PushOptions())
            seconds = time.perf_counter() - t0
            requests = log_count(log) - start
            assert report.ok and report.done == n, report.failed[:3]
            if name == "create":
                qids = [c["qid"] for c in report.created]
            changes = sum(len(e.changes) for e in plan.edits)
            results[name] = {
                "entities": len(plan.edits), "changes": changes, "requests": requests,
                "per_entity": requests / len(plan.edits), "qs_requests": quickstatements_requests(plan),
                "qs_per_entity": quickstatements_requests(plan) / len(plan.edits), "seconds": seconds,
                "plan_requests": plan_requests, "plan_seconds": plan_seconds, "actions": actions(log, start),
                "statements_per_entity": sum(1 for e in plan.edits for c in e.changes if c.mainsnak) / len(plan.edits),
            }
    finally:
        running.stop()
    return results


def render(r: dict[str, Any], command: str) -> str:
    lines = ["# Push cost: requests per entity edit", "",
             f"Command: `{command}` (sandbox, no faults, no throttle; counted in the sandbox request log).", "",
             "| batch | entities | changes | push requests | **push requests / entity** | plan requests "
             "| **plan + push requests / entity** | QuickStatements pattern | QS requests / entity "
             "| push wall time | plan + push wall time |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name in ("create", "add"):
        x = r[name]
        whole = (x["plan_requests"] + x["requests"]) / x["entities"]
        lines.append(f"| {name} | {x['entities']} | {x['changes']} | {x['requests']} | **{x['per_entity']:.3f}** | "
                     f"{x['plan_requests']} | **{whole:.3f}** | {x['qs_requests']} | {x['qs_per_entity']:.1f} | "
                     f"{x['seconds']:.1f} s | {x['seconds'] + x['plan_seconds']:.1f} s |")
    lines += ["", "Requests of each push, by action:", ""]
    for name in ("create", "add"):
        lines.append(f"- {name}: " + ", ".join(f"{k} {v}" for k, v in sorted(r[name]["actions"].items())))
    lines += ["", "Reference (a real MediaWiki 1.39 + Wikibase, 20 items × 8 statements, from the brief): "
              "WikibaseIntegrator 1.15 requests/item to create and 2.15 to add to existing items; the "
              "QuickStatements pattern 35 and 8.", "",
              "Notes:",
              "- push = one `wbeditentity` per entity + 1 `wbgetentities` per 50 existing entities (the re-read "
              "before writing that catches concurrent edits) + login (3 requests) + 1 `userinfo`, + 1 `usercontribs` "
              "look-up when there are creations (an earlier push of the same rows, from any folder, must not create "
              "them again; 500 contributions a request). Creations need no re-read.",
              "- plan (counted in « plan + push ») reads the matched items and the properties 50 per request, and "
              "makes one `wbsearchentities` per NEW row to find items an earlier push already created "
              "(idempotence): creations cost about one search more per entity than the push alone.",
              "- The QuickStatements figure is counted from the same plan, not run: QuickStatements reads the item "
              "before every command and writes one label, statement, qualifier or reference per request."]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "push_cost.md"),
                    help="results file (default benchmarks/results/push_cost.md; '-' = print only)")
    args = ap.parse_args()
    r = run(args.n)
    command = "python benchmarks/push_cost.py" + (f" --n {args.n}" if args.n != 500 else "")
    text = render(r, command)
    print(text)
    if args.out != "-":
        Path(args.out).write_text(text, "utf-8")


if __name__ == "__main__":
    main()
