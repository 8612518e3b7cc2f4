"""Sandbox benchmark: dump loading speed, peak memory, and read latency over HTTP.

Run: .venv/bin/python benchmarks/sandbox_bench.py [--entities 100000] [--seed 1]
Generates N entities (items with fr/en labels, aliases, P31/P131/P625/P856/external ids; a few
properties), writes a dump, loads it into a fresh sandbox started with ``server.start_in_thread``
(SQLite + the SPARQL bulk load), then times 200 ``wbgetentities`` of 50 random ids and 200
``wbsearchentities``. Prints a table and writes benchmarks/results/sandbox.md.
Targets: ≥ 5,000 entities/s, peak RSS < 1.5 GiB, p95 wbgetentities < 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from wikiclub.sandbox.app import SandboxApp
from wikiclub.sandbox.config import SandboxConfig
from wikiclub.sandbox.datavalues import snak_hash
from wikiclub.sandbox.load import load_dump
from wikiclub.sandbox.server import start_in_thread

RESULTS = Path(__file__).resolve().parent / "results" / "sandbox.md"
PROPS = {"P31": "wikibase-item", "P131": "wikibase-item", "P625": "globe-coordinate", "P856": "url",
         "P214": "external-id", "P213": "external-id", "P571": "time", "P1448": "monolingualtext"}
SYLLABLES = ["ro", "uyn", "no", "ran", "da", "val", "dor", "ma", "ta", "gami", "chi", "bou", "ga", "mau",
             "la", "sar", "re", "ville", "ma", "rie", "té", "mis", "ca", "min", "gue", "é", "co", "le"]


def _term(lang: str, value: str) -> dict[str, str]:
    return {"language": lang, "value": value}


def _snak(pid: str, value: Any, vtype: str) -> dict[str, Any]:
    # hashes included, as in Wikidata's dumps
    snak = {"snaktype": "value", "property": pid, "datavalue": {"value": value, "type": vtype},
            "datatype": PROPS[pid]}
    return {"snaktype": "value", "property": pid, "hash": snak_hash(snak), "datavalue": snak["datavalue"],
            "datatype": PROPS[pid]}


def _statement(eid: str, n: int, snak: dict[str, Any]) -> dict[str, Any]:
    return {"mainsnak": snak, "type": "statement", "id": f"{eid}$00000000-0000-4000-8000-{n:012d}",
            "rank": "normal"}


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def generate(path: Path, n: int, seed: int) -> list[str]:
    """Write the dump; return the item ids."""
    rng = random.Random(seed)
    ids: list[str] = []
    with path.open("w", encoding="utf-8") as out:
        for pid, dt in PROPS.items():
            out.write(json.dumps({"type": "property", "datatype": dt, "id": pid,
                                  "labels": {"en": _term("en", f"property {pid}")}, "descriptions": {},
                                  "aliases": {}, "claims": {}, "lastrevid": int(pid[1:]),
                                  "modified": "2024-05-01T12:00:00Z"}, ensure_ascii=False) + "\n")
        classes = [f"Q{i}" for i in range(1, 21)]
        for i in range(1, n - len(PROPS) + 1):
            eid = f"Q{i}"
            ids.append(eid)
            name = f"{_name(rng)} {_name(rng)}"
            ent: dict[str, Any] = {
                "type": "item", "id": eid,
                "labels": {"fr": _term("fr", name), "en": _term("en", name + " (en)")},
                "descriptions": {"fr": _term("fr", f"lieu numéro {i}")},
                "aliases": {"fr": [_term("fr", _name(rng))]} if i % 3 == 0 else {},
                "claims": {
                    "P31": [_statement(eid, 1, _snak("P31", {"entity-type": "item", "numeric-id": int(
                        rng.choice(classes)[1:]), "id": rng.choice(classes)}, "wikibase-entityid"))],
                    "P131": [_statement(eid, 2, _snak("P131", {"entity-type": "item", "numeric-id": 21,
                                                               "id": "Q21"}, "wikibase-entityid"))],
                    "P625": [_statement(eid, 3, _snak("P625", {"latitude": 48 + rng.random(),
                                                               "longitude": -79 + rng.random(),
                                                               "altitude": None, "precision": 0.0001,
                                                               "globe": "http://www.wikidata.org/entity/Q2"},
                                                      "globecoordinate"))],
                    "P856": [_statement(eid, 4, _snak("P856", f"https://example.org/{i}", "string"))],
                    "P214": [_statement(eid, 5, _snak("P214", str(100000 + i), "string"))],
                },
                "sitelinks": {}, "lastrevid": 1000 + i, "modified": "2024-05-01T12:00:00Z"}
            out.write(json.dumps(ent, ensure_ascii=False) + "\n")
    return ids


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


class _NoSparql:
    """Stands in for the SPARQL store to time the SQLite side of loading alone."""

    def bulk_load(self, entities: Any, *, merge_later: bool = False) -> int:
        return sum(1 for _ in entities)

    def wait_merged(self) -> None:
        pass


def sqlite_only_rate(dump: Path, tmp: Path) -> tuple[float, float]:
    """(entities/s, CPU µs per entity) of the SQLite side alone."""
    app = SandboxApp(SandboxConfig(data_dir=tmp / "sqlite-only", port=0))
    app.sparql = _NoSparql()  # type: ignore[assignment]
    cpu = time.process_time()
    stats = load_dump(app, dump)
    cpu = time.process_time() - cpu
    app.db.close()
    return stats.entities / stats.seconds, cpu / stats.entities * 1e6


def run(n: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed + 1)
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "dump.json"
        started = time.perf_counter()
        ids = generate(dump, n, seed)
        gen_s = time.perf_counter() - started
        sqlite_rate, sqlite_cpu = sqlite_only_rate(dump, Path(tmp))
        running = start_in_thread(SandboxConfig(data_dir=Path(tmp) / "wiki", port=0))
        try:
            load_before = os.getloadavg()[0]
            cpu = time.process_time()  # every thread of the process: SQLite, N-Triples, pyoxigraph
            stats = load_dump(running.app, dump)
            cpu = time.process_time() - cpu
            load_after = os.getloadavg()[0]
            triples = getattr(running.app.sparql, "triple_count", lambda: None)()
            http = requests.Session()
            get_ms: list[float] = []
            for _ in range(200):
                sample = rng.sample(ids, 50)
                t = time.perf_counter()
                r = http.get(running.api_url, params={"action": "wbgetentities", "ids": "|".join(sample),
                                                      "format": "json"}, timeout=60)
                get_ms.append((time.perf_counter() - t) * 1000)
                assert len(r.json()["entities"]) == 50
            search_ms: list[float] = []
            for _ in range(200):
                text = rng.choice(SYLLABLES)[:2] + rng.choice(SYLLABLES)[:1]
                t = time.perf_counter()
                r = http.get(running.api_url, params={"action": "wbsearchentities", "search": text,
                                                      "language": "fr", "format": "json"}, timeout=60)
                search_ms.append((time.perf_counter() - t) * 1000)
                assert "search" in r.json()
        finally:
            running.stop()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"entities": stats.entities, "generate_s": gen_s, "load_s": stats.seconds,
            "sqlite_rate": sqlite_rate, "sqlite_cpu_us": sqlite_cpu,
            "cpu_us": cpu / stats.entities * 1e6, "loadavg": (load_before, load_after),
            "rate": stats.entities / stats.seconds, "peak_mib": peak_mib, "triples": triples,
            "get_median": statistics.median(get_ms), "get_p95": _percentile(get_ms, 0.95),
            "search_median": statistics.median(search_ms), "search_p95": _percentile(search_ms, 0.95)}


def report(res: dict[str, Any], n: int) -> str:
    def mark(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    rows = [
        ("entities loaded", f"{res['entities']:,}", ""),
        ("load time (SQLite + SPARQL bulk load)", f"{res['load_s']:.1f} s", ""),
        ("load rate, SQLite + SPARQL", f"{res['rate']:,.0f} entities/s", f"≥ 5,000 — {mark(res['rate'] >= 5000)}"),
        ("load CPU (all threads), SQLite + SPARQL", f"{res['cpu_us']:,.0f} µs/entity", ""),
        ("load rate, SQLite only (no SPARQL store)", f"{res['sqlite_rate']:,.0f} entities/s",
         f"≥ 5,000 — {mark(res['sqlite_rate'] >= 5000)}"),
        ("load CPU, SQLite only", f"{res['sqlite_cpu_us']:,.0f} µs/entity", ""),
        ("SPARQL triples", f"{res['triples']:,}" if res["triples"] is not None else "n/a", ""),
        ("peak RSS", f"{res['peak_mib']:,.0f} MiB", f"< 1,536 MiB — {mark(res['peak_mib'] < 1536)}"),
        ("wbgetentities 50 ids, median", f"{res['get_median']:.1f} ms", ""),
        ("wbgetentities 50 ids, p95", f"{res['get_p95']:.1f} ms", f"< 50 ms — {mark(res['get_p95'] < 50)}"),
        ("wbsearchentities, median", f"{res['search_median']:.1f} ms", ""),
        ("wbsearchentities, p95", f"{res['search_p95']:.1f} ms", ""),
    ]
    lines = ["| measure | value | target |", "|---|---|---|"] + [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    res = run(args.entities, args.seed)
    table = report(res, args.entities)
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        "# Sandbox benchmark\n\n"
        f"`.venv/bin/python benchmarks/sandbox_bench.py --entities {args.entities} --seed {args.seed}` "
        f"({time.strftime('%Y-%m-%d')}, 2-core machine shared with other jobs: load average "
        f"{res['loadavg'][0]:.1f} before the load, {res['loadavg'][1]:.1f} after; 200 requests each, over HTTP "
        f"on loopback; dump generated in {res['generate_s']:.1f} s, not counted). CPU per entity is the "
        f"stable figure; wall-clock rates vary with the machine's load.\n\n" + table + "\n",
        encoding="utf-8")


if __name__ == "__main__":
    main()
