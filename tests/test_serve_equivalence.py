"""The example sheets through the OpenRefine endpoint give the decisions of ``wikiclub reconcile``.

For each sheet of examples/ with its mapping: ``reconcile_mapped`` (what ``wikiclub reconcile SHEET -m
MAPPING`` runs) on one side; on the other, the sheet's cells sent to the service as OpenRefine sends
them, in batches of 10 (``openrefine_queries``: the type a volunteer picks from the service's list, a
property per mapped column), over HTTP (Flask's client). Compared row by row: the decision, the
matched item, and the candidates with their scores.

One difference is allowed, and only on NEW rows: the service may list a few more (low-scored)
candidates. To find more, the engine searches shorter forms of a name still NEW, except a sheet's
common first word (« Festival », « Salle »: 3 names or more start with it), which finds anything; a
batch of 10 shows it fewer names than the whole sheet, so it may search such a word once. Through the
local index (no such search) everything is equal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Sandbox
from test_serve import MAPPINGS, ROOT, batch, check, openrefine_queries

from wikiclub.adapters.http import make_session
from wikiclub.adapters.index import LocalIndex, build_from_dump
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.config import BUILTIN_SITES, load_settings
from wikiclub.reconcile.candidates import ApiSource, CandidateSource, IndexSource
from wikiclub.reconcile.model import Decision, RowResult
from wikiclub.reconcile.serve import build_service, site_info
from wikiclub.reconcile.stage import reconcile_mapped
from wikiclub.sheets.mapping import load_mapping
from wikiclub.sheets.properties import PropertyCatalog
from wikiclub.sheets.validate import validate_sheet
from wikiclub.web.reconcile import create_app

EXAMPLES = ROOT / "examples"
SHEETS = [("festivals.xlsx", "festivals.yaml"), ("lieux.csv", "lieux.yaml"),
          ("organismes-culturels.csv", "organismes-culturels.yaml"), ("artistes.csv", "artistes.yaml"),
          ("salles.xlsx", "salles.yaml")]  # one tab at a time: OpenRefine opens one (its rows are numbered per tab)
NEW_ONLY = {"salles.xlsx"}  # invented venues (their municipalities are the sample's)
BATCH = 10  # OpenRefine's default batch size


@pytest.fixture(scope="module")
def catalog() -> PropertyCatalog:
    return PropertyCatalog.from_dump(EXAMPLES / "kb.jsonl")


@pytest.fixture(scope="module", params=["api", "index"])
def source(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """The wiki's API (the sandbox over HTTP), or the local index built from the same dump."""
    if request.param == "api":
        sandbox: Sandbox = request.getfixturevalue("kb_sandbox")
        settings = load_settings({"site": sandbox.api_url}, env={})
        client = WikibaseClient.from_settings(settings, make_session(settings))
        yield "api", client
        client.session.close()
    else:
        path = tmp_path_factory.mktemp("equivalence") / "kb.sqlite"
        build_from_dump(EXAMPLES / "kb.jsonl", path)
        with LocalIndex(path) as index:
            yield "index", index


def _new_source(kind: str, backend: Any) -> CandidateSource:
    return ApiSource(backend) if kind == "api" else IndexSource(backend)


def _through_the_endpoint(kind: str, backend: Any, sheet: Path, mapping_path: Path,
                          catalog: PropertyCatalog, tab: str | None = None) -> dict[int, dict[str, Any]]:
    service = build_service(_new_source(kind, backend), site_info(BUILTIN_SITES["sandbox"]),
                            [load_mapping(p) for p in MAPPINGS], catalog, wiki=backend if kind == "api" else None)
    http = create_app(service).test_client()
    queries = openrefine_queries(load_mapping(mapping_path), sheet, tab)
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(queries), BATCH):
        chunk = queries[start:start + BATCH]
        sent = check("reconciliation-query-batch", batch([q for _, q in chunk]))
        got = http.post("/reconcile", data={"queries": json.dumps(sent)}, headers={"Host": "127.0.0.1:8766"})
        answered = check("reconciliation-result-batch", got.get_json())
        for i, (row, _) in enumerate(chunk):
            out[row] = answered[f"q{i}"]
    return out


def _differences(cli: RowResult, served: dict[str, Any], *, exact: bool) -> list[str]:
    m = cli.entity
    matched = next((c["id"] for c in served["result"] if c["match"]), None)
    want = [(c.qid, c.score) for c in m.candidates]
    got = [(c["id"], c["score"]) for c in served["result"]]
    out = []
    if served["wikiclub"]["decision"] != m.decision.value:
        out.append(f"decision {m.decision.value} ≠ {served['wikiclub']['decision']}")
    if matched != (m.qid if m.decision == Decision.MATCH else None):
        out.append(f"match {m.qid} ≠ {matched}")
    if m.decision == Decision.NEW and not exact:
        if not set(want) <= set(got):
            out.append(f"candidates {want} ⊄ {got}")
    elif m.decision != Decision.MATCH and want != got:
        out.append(f"candidates {want} ≠ {got}")
    elif m.decision == Decision.MATCH and [q for q, _ in want] != [q for q, _ in got]:
        out.append(f"candidates {want} ≠ {got}")  # the MATCH's score may be raised to the best (OpenRefine)
    return out


@pytest.mark.parametrize(("sheet", "mapping"), SHEETS, ids=[s for s, _ in SHEETS])
def test_the_endpoint_decides_as_the_command(source: tuple[str, Any], catalog: PropertyCatalog, sheet: str,
                                             mapping: str) -> None:
    kind, backend = source
    loaded = load_mapping(ROOT / "mappings" / mapping)
    tab = loaded.sheet_names[0] if loaded.sheet_names else None
    rows = [r for r in validate_sheet(EXAMPLES / sheet, loaded, catalog, sheet=tab).result.rows if r.labels]
    cli = reconcile_mapped(rows, _new_source(kind, backend), language=loaded.language or "fr")
    served = _through_the_endpoint(kind, backend, EXAMPLES / sheet, ROOT / "mappings" / mapping, catalog, tab)
    assert sorted(served) == sorted(r.row for r in cli), "one answer per row of the sheet"
    problems = {f"row {r.row} {r.name}": d for r in cli if (d := _differences(r, served[r.row], exact=kind == "index"))}
    assert not problems, problems
    decisions = [r.entity.decision for r in cli]
    if sheet in NEW_ONLY:  # every venue is new: their candidates and scores were compared, row by row
        assert set(decisions) == {Decision.NEW} and sum(len(r.entity.candidates) for r in cli) >= len(rows)
    else:
        assert decisions.count(Decision.MATCH) >= len(rows) // 3  # a comparison of something, not of NEW rows only
