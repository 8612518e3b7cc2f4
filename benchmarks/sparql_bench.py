"""Benchmark of the sandbox's SPARQL store: bulk load of N synthetic items, report-style aggregates.

    .venv/bin/python benchmarks/sparql_bench.py [--items 100000] [--memory] [--out benchmarks/results/sparql.md]

Items look like a WikiProject's: labels fr (+ en for most), a description, P31 among 12 classes,
P17, P131 among 300 places, and with various probabilities P625, P856, P571 (with a reference),
P1082 (with a P585 qualifier), P2013 (external id) and a frwiki sitelink. Writes a Markdown table
with the timings, the triple count and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from wikiclub.sandbox.rdf import SparqlStore  # noqa: E402

GREG = "http://www.wikidata.org/entity/Q1985727"
CLASSES = [f"Q{10 + i}" for i in range(12)]
PLACES = [f"Q{1000 + i}" for i in range(300)]


def _item(pid: str, target: str) -> dict[str, Any]:
    return {"snaktype": "value", "property": pid, "datatype": "wikibase-item",
            "datavalue": {"type": "wikibase-entityid", "value": {"entity-type": "item", "id": target}}}


def _time(pid: str, year: int, precision: int = 9, month_day: str = "00-00") -> dict[str, Any]:
    return {"snaktype": "value", "property": pid, "datatype": "time",
            "datavalue": {"type": "time", "value": {"time": f"+{year:04d}-{month_day}T00:00:00Z", "timezone": 0,
                                                     "before": 0, "after": 0, "precision": precision,
                                                     "calendarmodel": GREG}}}


def _string(pid: str, datatype: str, value: str) -> dict[str, Any]:
    return {"snaktype": "value", "property": pid, "datatype": datatype,
            "datavalue": {"type": "string", "value": value}}


def _statement(qid: str, n: int, snak: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"mainsnak": snak, "type": "statement", "rank": "normal",
            "id": f"{qid}$0000{n:04d}-AAAA-BBBB-CCCC-{int(qid[1:]):012d}", **extra}


def synthetic_items(count: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(count):
        qid = f"Q{2_000_000 + i}"
        name = f"Organisme {i}"
        labels = {"fr": {"language": "fr", "value": name}}
        if rng.random() < 0.7:
            labels["en"] = {"language": "en", "value": f"Organisation {i}"}
        claims: dict[str, list[dict[str, Any]]] = {
            "P31": [_statement(qid, 1, _item("P31", rng.choice(CLASSES)))],
            "P17": [_statement(qid, 2, _item("P17", "Q16"))],
            "P131": [_statement(qid, 3, _item("P131", rng.choice(PLACES)))],
        }
        if rng.random() < 0.5:
            claims["P625"] = [_statement(qid, 4, {
                "snaktype": "value", "property": "P625", "datatype": "globe-coordinate",
                "datavalue": {"type": "globecoordinate", "value": {
                    "latitude": round(rng.uniform(45, 50), 5), "longitude": round(rng.uniform(-80, -70), 5),
                    "altitude": None, "precision": 0.0001, "globe": "http://www.wikidata.org/entity/Q2"}}})]
        if rng.random() < 0.4:
            claims["P856"] = [_statement(qid, 5, _string("P856", "url", f"https://org{i}.example.ca/"))]
        if rng.random() < 0.5:
            ref = {"hash": f"{i:040x}", "snaks": {
                "P854": [_string("P854", "url", f"https://registre.example.ca/{i}")],
                "P813": [_time("P813", 2024, 11, "05-01")]}}
            claims["P571"] = [_statement(qid, 6, _time("P571", rng.randint(1900, 2020)), references=[ref])]
        if rng.random() < 0.2:
            claims["P1082"] = [_statement(qid, 7, {
                "snaktype": "value", "property": "P1082", "datatype": "quantity",
                "datavalue": {"type": "quantity", "value": {"amount": f"+{rng.randint(10, 5000)}", "unit": "1"}}},
                qualifiers={"P585": [_time("P585", 2021)]})]
        if rng.random() < 0.3:
            claims["P2013"] = [_statement(qid, 8, _string("P2013", "external-id", f"org.{i}"))]
        sitelinks = {}
        if rng.random() < 0.3:
            sitelinks["frwiki"] = {"site": "frwiki", "title": name, "badges": []}
        yield {"type": "item", "id": qid, "labels": labels,
               "descriptions": {"fr": {"language": "fr", "value": "organisme de l'Abitibi"}},
               "aliases": {}, "claims": claims, "sitelinks": sitelinks,
               "lastrevid": 3_000_000 + i, "modified": "2024-05-01T12:00:00Z"}


QUERIES = {
    "items per P31": """
        SELECT ?class (COUNT(?item) AS ?items) WHERE { ?item wdt:P31 ?class } GROUP BY ?class""",
    "share with P856 per P31": """
        SELECT ?class (COUNT(?item) AS ?items) (SUM(?has) AS ?withWebsite)
               ((SUM(?has) / COUNT(?item)) AS ?share) WHERE {
          ?item wdt:P31 ?class .
          BIND(IF(EXISTS { ?item wdt:P856 ?site }, 1, 0) AS ?has)
        } GROUP BY ?class""",
    "label coverage per language": """
        SELECT ?lang (COUNT(DISTINCT ?item) AS ?items) WHERE {
          ?item wdt:P31 ?class ; rdfs:label ?label . BIND(LANG(?label) AS ?lang)
        } GROUP BY ?lang""",
    "coverage of 6 properties per P31": """
        SELECT ?class (COUNT(?item) AS ?items) (SUM(?a) AS ?P625) (SUM(?b) AS ?P856) (SUM(?c) AS ?P571)
               (SUM(?d) AS ?P1082) (SUM(?e) AS ?P2013) (SUM(?f) AS ?frwiki) WHERE {
          ?item wdt:P31 ?class .
          BIND(IF(EXISTS { ?item wdt:P625 [] }, 1, 0) AS ?a)
          BIND(IF(EXISTS { ?item wdt:P856 [] }, 1, 0) AS ?b)
          BIND(IF(EXISTS { ?item wdt:P571 [] }, 1, 0) AS ?c)
          BIND(IF(EXISTS { ?item wdt:P1082 [] }, 1, 0) AS ?d)
          BIND(IF(EXISTS { ?item wdt:P2013 [] }, 1, 0) AS ?e)
          BIND(IF(EXISTS { ?article schema:about ?item ; schema:isPartOf <https://fr.wikipedia.org/> }, 1, 0) AS ?f)
        } GROUP BY ?class""",
    "statements and referenced statements per P31": """
        SELECT ?class (COUNT(?item) AS ?items) (SUM(?n) AS ?statements) (SUM(?src) AS ?sourced) WHERE {
          { SELECT ?item ?class (COUNT(DISTINCT ?st) AS ?src) WHERE {
              ?item wdt:P31 ?class .
              OPTIONAL { ?item ?p ?st . ?st prov:wasDerivedFrom ?ref . FILTER NOT EXISTS { ?ref pr:P143 [] } }
            } GROUP BY ?item ?class }
          ?item wikibase:statements ?n .
        } GROUP BY ?class""",
    "referenced P571 statements": """
        SELECT (COUNT(DISTINCT ?st) AS ?n) WHERE { ?item p:P571 ?st . ?st prov:wasDerivedFrom ?ref }""",
    "label service, 1000 items": """
        SELECT ?item ?itemLabel ?classLabel WHERE {
          ?item wdt:P31 ?class .
          SERVICE wikibase:label { bd:serviceParam wikibase:language "en,fr" . }
        } LIMIT 1000""",
}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run(count: int, in_memory: bool) -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = SparqlStore(None if in_memory else Path(tmp) / "rdf", "http://www.wikidata.org/entity/")
        items = list(synthetic_items(count))
        rows.append((f"{count:,} synthetic entities built", 0.0, f"RSS then: {peak_rss_mb():,.0f} MB"))
        started, cpu = time.perf_counter(), cpu_seconds()
        loaded = store.bulk_load(items)
        elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        rows.append((f"bulk_load {loaded:,} items", elapsed,
                     f"{loaded / elapsed:,.0f} entities/s; {cpu:.1f} s of CPU (all threads), "
                     f"{cpu / loaded * 1e6:.0f} µs per entity"))
        rows.append(("triple count", 0.0, f"{store.triple_count():,} triples"))
        total = 0.0
        for name, query in QUERIES.items():
            started = time.perf_counter()
            body, _ = store.query(query, "json")
            elapsed = time.perf_counter() - started
            total += elapsed
            rows.append((f"query: {name}", elapsed, f"{len(body):,} bytes of JSON"))
        rows.append(("all queries", total, ""))
        edits = items[:500]
        started = time.perf_counter()
        for item in edits:
            item["labels"]["fr"]["value"] += " (modifié)"
            store.replace_entity(item)
        elapsed = time.perf_counter() - started
        rows.append((f"replace_entity x{len(edits)}", elapsed, f"{elapsed / len(edits) * 1000:.2f} ms per edit"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--memory", action="store_true", help="in-memory store instead of on disk")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "sparql.md")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    rows = run(args.items, args.memory)
    load_after = os.getloadavg()[0]
    lines = [
        "# SPARQL store benchmark",
        "",
        f"`{' '.join(['.venv/bin/python', 'benchmarks/sparql_bench.py', *sys.argv[1:]])}` — "
        f"{time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, {platform.machine()}, "
        f"{'in-memory' if args.memory else 'on-disk'} store, {os.cpu_count()} CPUs, load average "
        f"{load_before:.1f} before / {load_after:.1f} after (other jobs share the machine: wall times vary)",
        "",
        "| step | seconds | note |",
        "|---|---:|---|",
        *(f"| {name} | {secs:.2f} | {note} |" for name, secs, note in rows),
        "",
        f"Peak resident memory of the process: {peak_rss_mb():,.0f} MB (the synthetic entities are "
        "held in memory for the whole run; a dump load streams them).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
