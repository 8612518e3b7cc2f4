"""Reconciliation cost: requests per row with the API, rows per second with the local index.

    .venv/bin/python benchmarks/recon_cost.py [--rows 180] [--out FILE.md]

Generates N **distinct** rows shaped like the organisations sheet from kb.jsonl (three quarters: each
existing item at most once, its name spelt one way — case, accents, hyphens — with its municipality;
the rest invented new names, each distinct; no row drawn twice, as a real sheet lists an organisation
once), maps them with mappings/organismes-culturels.yaml, and reconciles them:

1. against a sandbox loaded with kb.jsonl, counting every request of the run in the sandbox's
   JSON-lines log from a fresh client — what it asks about the site (siteinfo) and any login
   included (``wikiclub reconcile`` reads without logging in, so there is none to count);
2. the naive way in the same run (one wbsearchentities per row and per municipality cell, then
   one wbgetentities per candidate), counted the same way;
3. with the region's index first (``reconcile.sources.regional_source``: examples/wikiclub.toml's focus
   list and regions, fetched by SPARQL + ``wbgetentities`` and kept on disk), the API asked only for the
   rows it does not settle: a cold run (the index built — its requests counted, SPARQL included, spread
   over the rows) and a warm one (the index refreshed by revision: one SPARQL query, nothing changed);
4. with the local index (no request), timing rows per second.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from unidecode import unidecode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _recon_common import DATA, ROOT, CountedSparql, emit  # noqa: E402

WORDS = ["Atelier", "Collectif", "Festival", "Maison", "Société", "Théâtre", "Cercle", "Club", "Coopérative", "Fondation", "Galerie", "Espace", "Harmonie", "Chorale", "Studio", "Association"]
TAILS = ["Nord", "Est", "Ouest", "Sud", "Centre", "Vallée", "Plateau", "Rive", "Colline", "Baie", "Lac", "Mont",
         "Pointe", "Anse", "Côte", "Île", "Chute", "Rapide", "Savane", "Taïga"]
WORDS2 = ["boréal", "des", "arts", "du", "nord", "de", "la", "rivière", "des", "lacs", "du", "cuivre", "des", "bleuets", "de", "l'or", "des", "aurores", "de", "l'épinette", "du", "village", "des", "pionniers", "de", "la", "forêt"]


def kb_rows() -> tuple[list[dict[str, Any]], dict[str, str]]:
    items, labels = [], {}
    for line in (DATA / "kb.jsonl").read_text(encoding="utf-8").splitlines():
        e = json.loads(line)
        labels[e["id"]] = (e.get("labels", {}).get("fr") or {}).get("value", "")
        claims = e.get("claims", {})
        if "P5008" in claims and "P131" in claims:
            items.append(e)
    return items, labels


def spelt(name: str, rng: random.Random) -> str:
    variant = rng.random()
    if variant < 0.3:
        return unidecode(name)
    if variant < 0.5:
        return name.upper()
    if variant < 0.6:
        return name.replace("-", " ")
    return name


def generate(n: int, seed: int = 7) -> list[dict[str, str]]:
    """``n`` distinct rows: every existing item at most once (in a random order, its name spelt one
    way), then invented names, each distinct — no row drawn twice (a sheet lists an organisation once)."""
    rng = random.Random(seed)
    items, labels = kb_rows()
    rng.shuffle(items)
    rows, names = [], set()
    for e in items[: int(n * 0.75)]:
        name = spelt(e["labels"]["fr"]["value"], rng)
        place = labels.get(e["claims"]["P131"][0]["mainsnak"]["datavalue"]["value"]["id"], "")
        sites = e["claims"].get("P856")
        site = sites[0]["mainsnak"]["datavalue"]["value"].replace("https://", "") if sites and rng.random() < 0.3 else ""
        if name.lower() not in names:
            names.add(name.lower())
            rows.append({"Nom de l'organisme": name, "Type": "", "Municipalité": place, "Site web": site})
    while len(rows) < n:
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS2)} {rng.choice(WORDS2)} {rng.choice(TAILS)}"
        if name.lower() in names:
            continue
        names.add(name.lower())
        place = rng.choice(["Rouyn-Noranda", "Amos", "Val-d'Or", "La Sarre", "Hearst", "Timmins", "Macamic"])
        rows.append({"Nom de l'organisme": name, "Type": "", "Municipalité": place, "Site web": ""})
    return rows


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    cols = ["Nom de l'organisme", "Type", "Municipalité", "Site web"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)


def count_requests(log: Path, start: int) -> tuple[int, dict[str, int]]:
    lines = log.read_text(encoding="utf-8").splitlines()[start:]
    by: dict[str, int] = {}
    for line in lines:
        entry = json.loads(line)
        key = entry.get("action") or entry.get("path") or "?"
        by[key] = by.get(key, 0) + 1
    return len(lines), by


def repeats(log: Path, start: int) -> int:
    """Requests identical (action, method, parameters) to one sent before in the same run."""
    seen: set[str] = set()
    again = 0
    for line in log.read_text(encoding="utf-8").splitlines()[start:]:
        entry = json.loads(line)
        key = json.dumps([entry.get("action"), entry.get("method"), sorted(entry.get("params", {}).items())])
        again += key in seen
        seen.add(key)
    return again


def log_length(log: Path) -> int:
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


FOCUS, REGIONS = "Q900100", ("Q900126", "Q900127", "Q900138", "Q900139")  # examples/wikiclub.toml's [project]


def decided(results: list[Any]) -> dict[str, int]:
    return {d: sum(1 for r in results if r.entity.decision.value == d) for d in ("MATCH", "NEW", "REVIEW")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=180)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)

    from _common import kb_sandbox

    from wikiclub.adapters.http import make_session
    from wikiclub.adapters.index import LocalIndex, build_from_dump
    from wikiclub.adapters.sparql import SparqlClient
    from wikiclub.adapters.wikibase import WikibaseClient
    from wikiclub.config import load_settings
    from wikiclub.reconcile.candidates import ApiSource, IndexSource
    from wikiclub.reconcile.inputs import row_inputs
    from wikiclub.reconcile.run import reconcile_rows
    from wikiclub.reconcile.sources import Region, regional_source
    from wikiclub.reconcile.stage import reconcile_inputs
    from wikiclub.sheets.mapping import load_mapping
    from wikiclub.sheets.properties import PropertyCatalog
    from wikiclub.sheets.validate import validate_sheet

    tmp = Path(tempfile.mkdtemp(prefix="recon-cost-"))
    sheet = tmp / "generated.csv"
    write_csv(generate(args.rows, args.seed), sheet)
    catalog = PropertyCatalog.from_dump(DATA / "kb.jsonl")
    mapped = list(validate_sheet(sheet, load_mapping(ROOT / "mappings/organismes-culturels.yaml"), catalog)
                  .result.rows)
    inputs = row_inputs(mapped)
    n = len(inputs)

    log = tmp / "requests.jsonl"
    sb, _ = kb_sandbox(tmp / "sandbox", log_path=log)
    try:
        settings = load_settings({"site": sb.api_url}, env={})
        client = WikibaseClient.from_settings(settings, make_session(settings))
        start = log_length(log)  # a fresh client: whatever it asks first (siteinfo) is counted
        t0 = time.perf_counter()
        results = reconcile_rows(inputs, ApiSource(client))
        api_s = time.perf_counter() - t0
        ours, ours_by = count_requests(log, start)
        ours_again = repeats(log, start)

        regional = []  # cold (the region's index built: its requests included), then warm (refresh only)
        for run in ("cold", "warm"):
            start = log_length(log)
            t0 = time.perf_counter()
            fresh = WikibaseClient.from_settings(settings, make_session(settings))
            sparql = CountedSparql(SparqlClient(sb.sparql_url, make_session(settings)))
            choice = regional_source(ApiSource(fresh), fresh, sparql, Region(FOCUS, REGIONS, tmp / "region.sqlite"))
            try:
                got = reconcile_inputs(inputs, choice.source)
            finally:
                choice.close()
            sent, sent_by = count_requests(log, start)
            sent += sparql.sent  # the sandbox logs its API only: the query service's requests counted here
            sent_by["sparql"] = sparql.sent
            regional.append((run, sent, sent_by, repeats(log, start), time.perf_counter() - t0, got))

        start = log_length(log)
        t0 = time.perf_counter()
        for r in inputs:  # naive: one search per row and per municipality cell, one get per candidate
            for text in [r.entity.text, *(c.value for c in r.linked)]:
                for hit in client.search_entities(text, language="fr", limit=7):
                    client.get_entities([hit["id"]])
        naive_s = time.perf_counter() - t0
        naive, naive_by = count_requests(log, start)
    finally:
        sb.stop()

    build_from_dump(DATA / "kb.jsonl", tmp / "kb.sqlite")
    index = LocalIndex(tmp / "kb.sqlite")
    reconcile_rows(inputs[:50], IndexSource(index))  # warm the OS cache and imports, not counted
    t0 = time.perf_counter()
    idx_results = reconcile_rows(inputs, IndexSource(index))
    idx_s = time.perf_counter() - t0
    index.close()

    decisions, idx_dec = decided(results), decided(idx_results)
    lines = [
        f"# Reconciliation cost ({n} distinct generated rows, organisations mapping, 2-core machine)", "",
        f"Command: `.venv/bin/python benchmarks/recon_cost.py --rows {args.rows} --seed {args.seed}`; "
        f"{len({r.entity.text.lower() for r in inputs})} distinct names in {n} rows; every request of the run "
        "counted (siteinfo included; reconcile sends no login).", "",
        "| way | requests | requests/row | seconds | rows/s |", "|---|---|---|---|---|",
        f"| ours, sandbox API | {ours} | {ours / n:.2f} | {api_s:.1f} | {n / api_s:.0f} |",
        *(f"| ours, regional index + sandbox API, {run} | {sent} | {sent / n:.2f} | {secs:.1f} | {n / secs:.0f} |"
          for run, sent, _, _, secs, _ in regional),
        f"| naive (search per row + get per candidate) | {naive} | {naive / n:.2f} | {naive_s:.1f} | "
        f"{n / naive_s:.0f} |",
        f"| ours, local index | 0 | 0 | {idx_s:.2f} | {n / idx_s:.0f} |", "",
        f"Requests by action (ours): {ours_by}; identical to one sent before in the run: {ours_again}", "",
        *(f"Requests by action (regional, {run}): {by}; identical to one sent before in the run: {again}; "
          f"decisions: {decided(got)}\n" for run, _, by, again, _, got in regional),
        f"Requests by action (naive): {naive_by}", "",
        f"Decisions (API): {decisions}; (index): {idx_dec}", "",
    ]
    return emit(lines, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
