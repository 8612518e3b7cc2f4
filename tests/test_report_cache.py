"""The report's item cache, on the sandbox loaded with kb.jsonl: a first run reads every item and asks
no revision from SPARQL; the next run reads no item again and gives the same cells; an edited item is
read again (its new revision comes with the membership queries); rows written in the older object
form are still read."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import KB
from test_report import GROUPS_DOC, PROJECT

from wikiclub.adapters.sparql import SparqlClient
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.report.cache import FactCache
from wikiclub.report.collect import Options, build_coverage
from wikiclub.report.itemdata import ItemFacts
from wikiclub.report.spec import build_spec
from wikiclub.sandbox import entitystore as store
from wikiclub.sandbox.load import load_dump


class _Counting(SparqlClient):
    """A SPARQL client that keeps the text of every query it sends."""

    def __init__(self, url: str) -> None:
        super().__init__(url, requests.Session())
        self.sent: list[str] = []

    def select(self, query: str) -> list[dict[str, Any]]:
        self.sent.append(query)
        return super().select(query)


def _run(sb: Any, cache: FactCache | None) -> tuple[Any, list[str]]:
    client = _Counting(sb.sparql_url)
    reader = WikibaseClient(sb.api_url, requests.Session(), throttle=None)
    table = build_coverage(build_spec(PROJECT, GROUPS_DOC), client, site="sandbox", endpoint_url=sb.sparql_url,
                           api_url=sb.api_url, options=Options(reader=reader, cache=cache))
    return table, client.sent


def _cells(table: Any) -> list[Any]:
    return sorted(((c.group, c.region, c.items, c.counts, c.statements, c.sourced, c.status) for c in table.cells),
                  key=repr)


def test_first_run_reads_all_then_nothing_then_what_changed(sandbox: Any, tmp_path: Path) -> None:
    load_dump(sandbox.app, KB)
    with FactCache(tmp_path / "cache.sqlite", "sandbox", PROJECT.languages) as cache:
        assert cache.empty()
        cold, cold_queries = _run(sandbox, cache)
        assert not cache.empty()
        warm, warm_queries = _run(sandbox, cache)
    assert cold.requests > 0 and not any("schema:version" in q for q in cold_queries)  # nothing to check yet
    assert any("schema:version" in q for q in warm_queries)
    # the region items start the walk (no revision from SPARQL): one props=info request checks them
    assert warm.requests == 1 and _cells(warm) == _cells(cold)
    assert any("repris du cache" in n.message for n in warm.notes)

    # an edited item: its new revision comes with the membership queries, it alone is read again
    found, _ = store.get_entities(sandbox.app.db, ["Q900141"])
    entity = found["Q900141"].entity
    entity["labels"].pop("en", None)
    store.save_entity(sandbox.app, entity, store.Editor("Admin", 1))
    with FactCache(tmp_path / "cache.sqlite", "sandbox", PROJECT.languages) as cache:
        edited, _ = _run(sandbox, cache)
        assert cache.get(["Q900141"])["Q900141"].labels == ("fr",)
    assert edited.requests == 2  # the same props=info, and the edited item read again
    label_en = {c.region: c.count("label:en") for c in edited.cells_of("all")}
    before = {c.region: c.count("label:en") for c in cold.cells_of("all")}
    assert sum(before.values()) - sum(label_en.values()) == 1


@pytest.mark.parametrize("facts", [
    ItemFacts("Q1", 7, ("Q5",), ("fr",), (), ("frwiki",), ("P31", "P19"), 3, 1, "Zoé « | » \"x\""),
    ItemFacts("Q2", 0, (), (), (), (), (), None, None, ""),
])
def test_cached_facts_read_back_in_both_forms(facts: ItemFacts, tmp_path: Path) -> None:
    assert ItemFacts.from_json(facts.to_json()) == facts
    older = json.dumps({"id": facts.id, "revision": facts.revision, "classes": facts.classes,
                        "labels": facts.labels, "descriptions": facts.descriptions, "sitelinks": facts.sitelinks,
                        "properties": facts.properties, "statements": facts.statements,
                        "sourced": facts.sourced, "label": facts.label})
    assert ItemFacts.from_json(older) == facts
    with FactCache(tmp_path / "c.sqlite", "s", ("fr",)) as cache:
        cache.conn.execute("INSERT INTO facts VALUES (?, ?, ?, ?, ?)", ("s", facts.id, facts.revision, "fr", older))
        assert cache.get([facts.id]) == {facts.id: facts}
    with sqlite3.connect(tmp_path / "c.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
