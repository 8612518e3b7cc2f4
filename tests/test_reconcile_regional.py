"""The region's index before the API (issue 12, « fewer requests »): the WikiProject's items are read once
by SPARQL + ``wbgetentities`` and kept on disk, refreshed by revision; rows are reconciled against them
first and the wiki's API is asked only for the rows they do not settle. Requests are counted from the
sandbox's JSON-lines log (SPARQL queries, which it does not log, by the client)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import KB, Sandbox, make_sandbox

from wikiclub.adapters.http import WikiclubSession
from wikiclub.adapters.index import LocalIndex, project_query, sync_from_site
from wikiclub.adapters.sparql import SparqlClient
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.reconcile.candidates import ApiSource, IndexSource, RegionalSource
from wikiclub.reconcile.inputs import row_inputs
from wikiclub.reconcile.model import Decision, ReconQuery
from wikiclub.reconcile.run import RowInput, reconcile_rows
from wikiclub.reconcile.sources import Region, SourceChoice, regional_source
from wikiclub.reconcile.stage import matched_items, reconcile_inputs, settled
from wikiclub.sheets.mapping import load_mapping
from wikiclub.sheets.properties import PropertyCatalog
from wikiclub.sheets.validate import validate_sheet

ROOT = Path(__file__).resolve().parent.parent
FOCUS, REGIONS = "Q900100", ("Q900126", "Q900127", "Q900138", "Q900139")  # examples/wikiclub.toml
ELSEWHERE = "Q990001"  # an item of the wiki outside the WikiProject: no P5008, no P131


class CountedSparql:
    def __init__(self, url: str) -> None:
        self.inner, self.sent = SparqlClient(url, requests.Session()), 0

    def select(self, query: str) -> list[dict[str, Any]]:
        self.sent += 1
        return self.inner.select(query)

    def items_with(self, prop: str, values: list[str], *, as_iri: bool = False,
                   concept_base: str | None = None) -> list[str]:
        self.sent += 1
        return self.inner.items_with(prop, values, as_iri=as_iri, concept_base=concept_base)


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Path]]:
    from wikiclub.sandbox.load import load_dump

    folder = tmp_path_factory.mktemp("regional")
    log = folder / "requests.jsonl"
    sb = make_sandbox(folder / "wiki", log_path=log)
    load_dump(sb.app, KB)
    extra = folder / "elsewhere.jsonl"
    extra.write_text(json.dumps({"id": ELSEWHERE, "type": "item", "labels": {"fr": {
        "language": "fr", "value": "Maison de la culture de Gatineau"}}, "claims": {}}) + "\n", "utf-8")
    load_dump(sb.app, extra)
    yield sb, log
    sb.running.stop()


def _sent(log: Path, start: int) -> list[dict[str, Any]]:
    return [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()[start:]]


def _length(log: Path) -> int:
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


def _choice(sb: Sandbox, path: Path, sparql: Any) -> SourceChoice:
    client = WikibaseClient(sb.api_url, WikiclubSession(timeout=(5.0, 30.0), contact=None))
    return regional_source(ApiSource(client), client, sparql, Region(FOCUS, REGIONS, path))


def _example_rows() -> list[RowInput]:
    catalog = PropertyCatalog.from_dump(KB)
    mapping = load_mapping(ROOT / "mappings" / "organismes-culturels.yaml")
    return row_inputs(validate_sheet(ROOT / "examples" / "organismes-culturels.csv", mapping, catalog).result.rows)


def _run(sb: Sandbox, log: Path, path: Path, rows: list[RowInput]) -> tuple[list[Any], list[dict[str, Any]], int]:
    start, sparql = _length(log), CountedSparql(sb.sparql_url)
    choice = _choice(sb, path, sparql)
    try:
        assert isinstance(choice.source, RegionalSource), choice.notice
        results = reconcile_inputs(rows, choice.source)
    finally:
        choice.close()
    return results, _sent(log, start), sparql.sent


def test_the_region_first_costs_few_requests_and_decides_as_the_api(logged: tuple[Sandbox, Path],
                                                                   tmp_path: Path) -> None:
    sb, log = logged
    rows = _example_rows()
    start = _length(log)
    api_results = reconcile_rows(rows, ApiSource(WikibaseClient(sb.api_url, WikiclubSession(timeout=(5.0, 30.0),
                                                                                          contact=None))))
    api_sent = len(_sent(log, start))
    results, sent, queries = _run(sb, log, tmp_path / "region.sqlite", rows)
    # cold: the index built (one SPARQL query, its items 50 a request), the namesake check (one query)
    # and the unsettled rows asked
    assert queries == 2 and (len(sent) + queries) <= 1.5 * len(rows) and len(sent) < api_sent
    keys = Counter(json.dumps([e.get("action"), sorted(e.get("params", {}).items())]) for e in sent)
    assert max(keys.values()) == 1  # no identical request twice in the run
    for ours, theirs in zip(results, api_results, strict=True):  # the same MATCHes as the API alone
        if Decision.MATCH in (ours.entity.decision, theirs.entity.decision):
            assert (ours.entity.decision, ours.entity.qid) == (theirs.entity.decision, theirs.entity.qid), ours.name

    # warm, on the rows the region settles: the refresh is one SPARQL query, nothing else is sent
    with LocalIndex(tmp_path / "region.sqlite") as index:
        first = reconcile_rows(rows, IndexSource(index))
        regional = RegionalSource(index, ApiSource(WikibaseClient(sb.api_url, WikiclubSession(
            timeout=(5.0, 30.0), contact=None))), sparql=SparqlClient(sb.sparql_url, requests.Session()))
        contested = regional.contested(q for res in first if settled(res) for q in matched_items(res))
    kept = [(r, res) for r, res in zip(rows, first, strict=True)
            if settled(res) and not contested & set(matched_items(res))]
    assert len(kept) >= len(rows) // 2
    again, sent, queries = _run(sb, log, tmp_path / "region.sqlite", [r for r, _ in kept])
    assert sent == [] and queries == 2  # the refresh and the namesake check: no API request at all
    assert [r.entity.qid for r in again] == [res.entity.qid for _, res in kept]


def test_a_name_the_region_lacks_is_still_looked_up_on_the_wiki(logged: tuple[Sandbox, Path], tmp_path: Path) -> None:
    sb, log = logged
    row = RowInput("s:2", 2, ReconQuery(text="Maison de la culture de Gatineau"))
    results, sent, _ = _run(sb, log, tmp_path / "region.sqlite", [row])
    assert results[0].entity.qid == ELSEWHERE and results[0].entity.decision == Decision.MATCH
    assert any(e.get("action") == "wbsearchentities" for e in sent)


def test_without_a_query_service_the_api_alone_with_a_message(logged: tuple[Sandbox, Path], tmp_path: Path) -> None:
    sb, _ = logged
    choice = _choice(sb, tmp_path / "region.sqlite", None)
    assert isinstance(choice.source, ApiSource) and "SPARQL" in choice.notice and choice.index is None
    dead = SparqlClient("http://127.0.0.1:9/sparql", WikiclubSession(timeout=(0.5, 0.5), contact=None),
                        max_attempts=1, sleep=lambda s: None)
    failed = _choice(sb, tmp_path / "region.sqlite", dead)
    assert isinstance(failed.source, ApiSource) and "non rafraîchi" in failed.notice and failed.index is None


def test_the_selection_is_the_focus_list_and_the_regions_and_leavers_are_dropped(logged: tuple[Sandbox, Path],
                                                                                tmp_path: Path) -> None:
    sb, _ = logged
    query = project_query(focus=FOCUS, regions=REGIONS)
    assert "UNION" in query and f"wd:{FOCUS}" in query and "wdt:P131*" in query
    client = WikibaseClient(sb.api_url, WikiclubSession(timeout=(5.0, 30.0), contact=None))
    sparql = SparqlClient(sb.sparql_url, requests.Session())
    with LocalIndex(tmp_path / "r.sqlite", create=True) as index:
        sync_from_site(index, sparql, client, focus=FOCUS, regions=REGIONS)
        members = set(index.meta()["members"].split(","))
        sync_from_site(index, sparql, client, focus=FOCUS, regions=())
        kept = set(index.meta()["members"].split(","))
        assert kept < members
        # items no longer selected are removed, unless a kept item refers to them (its town, its class)
        referenced = {p for f in index.facts(sorted(kept)).values() for p in f.referenced()}
        gone = sorted(members - kept - referenced)
        assert gone and not index.facts(gone)
        stayed = (members - kept) & referenced  # towns out of the focus list, kept for the items in them
        assert stayed and stayed <= set(index.revisions())


def test_a_new_name_costs_one_prefix_search_and_one_full_text_search(logged: tuple[Sandbox, Path]) -> None:
    """No second language (wbsearchentities filters on every language's labels), no half-name prefix,
    and the words of the name asked once, fuzzy (a superset of the exact words' answer)."""
    sb, log = logged
    start = _length(log)
    client = WikibaseClient(sb.api_url, WikiclubSession(timeout=(5.0, 30.0), contact=None))
    res = reconcile_rows([RowInput("s:2", 2, ReconQuery(text="Cercle bleuets aurores Savane"))], ApiSource(client))
    assert res[0].entity.decision == Decision.NEW
    sent = _sent(log, start)
    searches = [e["params"] for e in sent if e.get("action") == "wbsearchentities"]
    full_text = [e["params"]["srsearch"] for e in sent if e.get("params", {}).get("list") == "search"]
    assert {p["language"] for p in searches} == {"fr"}
    assert searches[0]["search"] == "Cercle bleuets aurores Savane"
    assert len(full_text) == 1 and "~" in full_text[0]


def test_the_cli_reconciles_with_the_region_first(logged: tuple[Sandbox, Path], tmp_path: Path) -> None:
    """`wikiclub reconcile` with a wikiclub.toml naming the WikiProject's focus list and regions says it
    uses the region's index, keeps it in the cache folder, and the next run refreshes it (nothing read)."""
    from click.testing import CliRunner

    from wikiclub.cli import main

    sb, log = logged
    conf = tmp_path / "wikiclub.toml"
    conf.write_text(f'[wikiclub]\nsite = "local"\nthrottle = 0\n[sites.local]\napi = "{sb.api_url}"\n'
                    f'sparql = "{sb.sparql_url}"\n[project]\nfocus_item = "{FOCUS}"\n'
                    f'regions = [{", ".join(json.dumps(r) for r in REGIONS)}]\n', "utf-8")
    args = ["reconcile", str(ROOT / "examples" / "organismes-culturels.csv"), "-m",
            str(ROOT / "mappings" / "organismes-culturels.yaml"), "--config", str(conf), "--no-progress",
            "--cache-dir", str(tmp_path / "cache"), "--properties", str(KB), "-o", str(tmp_path / "review.xlsx")]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "Index régional / regional index" in first.output and list((tmp_path / "cache").glob("region-*.sqlite"))
    start = _length(log)
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    assert "0 lus / read" in again.output
    rows = len(_example_rows())
    assert len(_sent(log, start)) + 2 <= 1.5 * rows  # + its two SPARQL queries


def test_a_town_with_a_namesake_outside_the_region_is_left_to_the_api(logged: tuple[Sandbox, Path],
                                                                     tmp_path: Path) -> None:
    """« Ville-Marie »: the Témiscamingue town is in the region's index, the Montréal borough is not. The
    index alone would see one and MATCH it; the namesake check (one SPARQL query) sends the row on to the
    API, which sees both — the same decision as the API alone."""
    from wikiclub.reconcile.run import PLACE, LinkedCell

    sb, log = logged
    choice = _choice(sb, tmp_path / "region.sqlite", CountedSparql(sb.sparql_url))
    try:
        assert isinstance(choice.source, RegionalSource)
        assert choice.source.contested(["Q900167", "Q900141"]) == {"Q900167"}  # Ville-Marie; not Rouyn-Noranda
    finally:
        choice.close()
    row = RowInput("s:2", 2, ReconQuery(text="Nuit des arts de Ville-Marie"),
                   linked=(LinkedCell("Municipalité", "Ville-Marie", role=PLACE, property="P131"),))
    ours, _, _ = _run(sb, log, tmp_path / "region.sqlite", [row])
    client = WikibaseClient(sb.api_url, WikiclubSession(timeout=(5.0, 30.0), contact=None))
    theirs = reconcile_rows([row], ApiSource(client))
    assert ours[0].linked[0].match.decision == theirs[0].linked[0].match.decision != Decision.MATCH
