"""OpenRefine's calls, in the order and the shapes OpenRefine makes them, over real HTTP, against a
service whose wiki is the sandbox loaded with tests/data/kb.jsonl.

Shapes checked in OpenRefine's own client (OpenRefine/OpenRefine, main branch):
- ``recon-manager.js`` registers a service with a GET of its URL, JSON first (CORS), JSONP if that fails;
- ``StandardReconConfig.java`` POSTs the form field ``queries`` = ``{"q0": {...}, …}`` (batches of 10 by
  default), each query with ``query``, ``type``, ``type_strict: "should"`` and ``properties``
  ``[{"pid", "v"}]`` where ``v`` is the cell, or ``{"id", "name"}`` for a cell already reconciled; it
  sorts each result by score and auto-matches the first candidate only when its ``match`` is true;
- ``suggest-4_3a.js`` asks ``service_url + service_path`` with ``prefix`` (and ``cursor``), JSONP unless
  the service was registered as JSON;
- ``add-column-by-reconciliation.js`` asks ``propose_properties`` + ``?type=…`` (JSON, then JSONP), and
  ``ReconciledDataExtensionJob.java`` POSTs the form field ``extend`` = ``{"ids", "properties"}`` to the
  service URL and reads ``meta`` and ``rows`` (cells ``id``/``name``, ``str``, ``float``, ``int``, ``date``).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import Sandbox
from test_serve import DATA, MAPPINGS, ROOT, ask, batch, check, openrefine_queries

from wikiclub.adapters.http import make_session
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.config import load_settings
from wikiclub.reconcile.candidates import ApiSource
from wikiclub.reconcile.serve import ReconService, ask_concept_base, build_service, site_info
from wikiclub.sheets.mapping import load_mapping
from wikiclub.sheets.properties import PropertyCatalog
from wikiclub.web.reconcile import RunningService, create_app, start_in_thread

OPENREFINE = {"Origin": "http://127.0.0.1:3333"}  # OpenRefine's pages: another origin than the service


@pytest.fixture(scope="module")
def served(kb_sandbox: Sandbox) -> Iterator[tuple[RunningService, ReconService]]:
    settings = load_settings({"site": kb_sandbox.api_url}, env={})
    client = WikibaseClient.from_settings(settings, make_session(settings))
    service = build_service(ApiSource(client), site_info(settings.site, ask_concept_base(client)),
                            [load_mapping(p) for p in MAPPINGS], PropertyCatalog.from_dump(DATA / "kb.jsonl"),
                            wiki=client)
    running = start_in_thread(create_app(service))
    yield running, service
    running.stop()
    client.session.close()


def _jsonp(response: requests.Response, callback: str) -> Any:
    text = response.text
    assert response.headers["Content-Type"].startswith("application/javascript")
    assert text.startswith(f"/**/{callback}(") and text.endswith(");")
    return json.loads(text[len(f"/**/{callback}("):-2])


def _openrefine_choice(result: list[dict[str, Any]]) -> str | None:
    """What OpenRefine auto-matches: the first candidate after sorting by score, if it says match."""
    ranked = sorted(result, key=lambda c: -c["score"])  # Java's sort is stable, as Python's
    return ranked[0]["id"] if ranked and ranked[0].get("match") else None


def test_openrefine_session(served: tuple[RunningService, ReconService]) -> None:
    running, service = served
    with requests.Session() as http:
        # 1. "Add standard service…": the manifest, as JSON across origins
        got = http.get(running.url, headers={**OPENREFINE, "Accept": "application/json"}, timeout=30)
        assert got.status_code == 200 and got.headers["Access-Control-Allow-Origin"] == "*"
        manifest = check("manifest", got.json())
        assert manifest["identifierSpace"] == "http://www.wikidata.org/entity/"  # the sandbox's concept base
        assert {t["id"] for t in manifest["defaultTypes"]} >= {"Q43229", "Q900061"}
        chosen = _reconcile(http, running.url)  # 2–3
        _suggest_and_preview(http, manifest)  # 4–5
        _extend(http, running.url, manifest, [c for c in chosen.values() if c])  # 6
    assert service.batches == 2


def _reconcile(http: requests.Session, url: str) -> dict[str, str | None]:
    # 2. the Municipalité column first, against the municipalities type (its distinct values)
    sheet = openrefine_queries(load_mapping(ROOT / "mappings" / "organismes-culturels.yaml"),
                               DATA / "organismes-culturels.csv")[:10]
    towns = sorted({p["v"] for _, q in sheet for p in q.get("properties", []) if p["pid"] == "P131"})
    town_batch = check("reconciliation-query-batch", batch(
        [{"query": t, "type": "Q900061", "type_strict": "should"} for t in towns]))
    got = http.post(url, data={"queries": json.dumps(town_batch)}, headers=OPENREFINE, timeout=120)
    answered = check("reconciliation-result-batch", got.json())
    matched_town = {t: _openrefine_choice(answered[f"q{i}"]["result"]) for i, t in enumerate(towns)}
    names = {c["id"]: c["name"] for v in answered.values() for c in v["result"]}
    assert matched_town["Rouyn-Noranda"] == "Q900141"

    # 3. then the organisations, with 5 properties, the reconciled towns given as {"id", "name"}
    queries = []
    for _, q in sheet:
        props = [{"pid": p["pid"], "v": {"id": matched_town[p["v"]], "name": names[matched_town[p["v"]]]}}
                 if p["pid"] == "P131" and matched_town.get(p["v"]) else p for p in q.get("properties", [])]
        queries.append({**q, "properties": props})
    assert len(queries) == 10 and sum(len(q["properties"]) for q in queries) >= 30
    got = http.post(url, data={"queries": json.dumps(check("reconciliation-query-batch", batch(queries)))},
                    headers=OPENREFINE, timeout=120)
    results = check("reconciliation-result-batch", got.json())
    assert list(results) == [f"q{i}" for i in range(10)]
    chosen: dict[str, str | None] = {}
    for i in range(10):
        res = results[f"q{i}"]
        choice = _openrefine_choice(res["result"])
        expected = next((c["id"] for c in res["result"] if c["match"]), None)
        assert choice == expected, "OpenRefine auto-matches exactly what wikiclub matched"
        assert (choice is not None) == (res["wikiclub"]["decision"] == "MATCH")
        chosen[queries[i]["query"]] = choice
    assert chosen["Conseil de la culture de l'Abitibi-Témiscamingue"] == "Q900259"
    assert chosen["Petit theatre du Vieux Noranda"] == "Q900260"
    assert sum(1 for c in chosen.values() if c) >= 6
    return chosen


def _suggest_and_preview(http: requests.Session, manifest: dict[str, Any]) -> None:
    # 4. suggest while the volunteer types: a type (JSON), a property (JSONP), an entity (JSONP)
    base = manifest["suggest"]["type"]["service_url"]
    types = check("suggest-types-response", http.get(
        base + manifest["suggest"]["type"]["service_path"], params={"prefix": "organ"}, timeout=30).json())
    assert types["result"][0] == {"id": "Q43229", "name": "organisation"}
    props = check("suggest-properties-response", _jsonp(http.get(
        base + manifest["suggest"]["property"]["service_path"],
        params={"prefix": "identifiant", "callback": "jQuery3710_1"}, timeout=30), "jQuery3710_1"))
    assert {"P213", "P2013"} <= {p["id"] for p in props["result"]}
    entities = check("suggest-entities-response", _jsonp(http.get(
        base + manifest["suggest"]["entity"]["service_path"],
        params={"prefix": "Rouyn", "callback": "jQuery3710_2", "_": "1700000000000"}, timeout=30), "jQuery3710_2"))
    assert "Q900141" in [e["id"] for e in entities["result"]]

    # 5. the preview of a candidate, in OpenRefine's iframe
    preview = http.get(manifest["preview"]["url"].replace("{{id}}", "Q900260"), timeout=30)
    assert preview.status_code == 200 and "Petit Théâtre du Vieux Noranda" in preview.text


def _extend(http: requests.Session, url: str, manifest: dict[str, Any], ids: list[str]) -> None:
    # 6. "Add columns from reconciled values": proposed properties, then the values of the matched items
    proposal = manifest["extend"]["propose_properties"]
    proposed = check("data-extension-property-proposal", http.get(
        proposal["service_url"] + proposal["service_path"] + "?type=Q43229", timeout=30).json())
    wanted = [p["id"] for p in proposed["properties"] if p["id"] in ("P131", "P856", "P571", "P213")]
    assert wanted == ["P131", "P856", "P571", "P213"]
    extend = check("data-extension-query", {"ids": ids, "properties": [{"id": p} for p in wanted]})
    got = http.post(url, data={"extend": json.dumps(extend)}, headers=OPENREFINE, timeout=60)
    rows = check("data-extension-response", got.json())["rows"]
    assert set(rows) == set(ids)
    assert {"id": "Q900141", "name": "Rouyn-Noranda"} in rows["Q900260"]["P131"]
    assert all(set(cell) <= {"id", "name", "str", "date", "int", "float"} for r in rows.values()
               for cells in r.values() for cell in cells)


def test_the_command_serves_over_http(kb_sandbox: Sandbox, tmp_path: Path) -> None:
    """``wikiclub reconcile serve`` itself, in its own process, on a free port."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYWIKIBOT_NO_USER_CONFIG": "2", "HOME": str(tmp_path)}
    cmd = [sys.executable, "-m", "wikiclub", "reconcile", "serve", "--site", kb_sandbox.api_url, "--port", "0",
           "--properties", str(DATA / "kb.jsonl"), *[a for p in MAPPINGS for a in ("-m", str(p))]]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready and proc.stdout is not None, "the service did not start"
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line, line + (proc.stderr.read() if proc.poll() is not None and proc.stderr
                                                    else "")
        url = line.split(": ", 1)[1].strip()
        with requests.Session() as http:
            manifest = check("manifest", http.get(url, timeout=30).json())
            assert manifest["name"] == f"wikiclub (127.0.0.1:{kb_sandbox.api_url.split(':')[2].split('/')[0]})"
            got = http.post(url, data={"queries": json.dumps({"q0": {"query": "Agora des arts", "type": "Q900049"}})},
                            timeout=60)
            assert check("reconciliation-result-batch", got.json())["q0"]["result"][0]["id"] == "Q900266"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_the_service_of_a_wiki_without_cirrussearch_reads_its_own_index(tmp_path: Path) -> None:
    """On a bare Wikibase (prefix search case- and accent-sensitive, no ``haswbstatement``) the service
    answers from the index of the wiki's own pages, as ``wikiclub reconcile`` does: « THEATRE DU
    CUIVRE » is matched, where the API's search alone finds nothing (OpenRefine would create a duplicate)."""
    from conftest import make_sandbox

    from wikiclub.cli.reconcile import _close, _service
    from wikiclub.reconcile.candidates import IndexSource
    from wikiclub.sandbox.load import load_dump

    sb = make_sandbox(tmp_path / "bare", search="sql")
    try:
        load_dump(sb.app, DATA / "kb.jsonl")
        service = _service(tuple(MAPPINGS), None, DATA / "kb.jsonl", sb.api_url, None, None, None)
        try:
            assert isinstance(service.source, IndexSource)
            out = ask(service, queries={"q0": {"query": "THEATRE DU CUIVRE", "type": "Q900049",
                                               "properties": [{"pid": "P131", "v": "Rouyn-Noranda"}]}})
            assert [c["id"] for c in out["q0"]["result"] if c["match"]] == ["Q900265"]
        finally:
            _close(service.source)
            if service.entities is not None:
                service.entities.session.close()  # type: ignore[attr-defined]
    finally:
        sb.running.stop()
