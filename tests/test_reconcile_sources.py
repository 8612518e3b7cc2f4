"""Which source reconciles against which wiki (issue 11): the API with CirrusSearch, a local index of the
wiki's own pages without it; identifiers by haswbstatement, by SPARQL, or not at all — and then REVIEW."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import KB, Sandbox, make_sandbox

from wikiclub.adapters.http import WikiclubSession
from wikiclub.adapters.index import LocalIndex, sync_from_pages
from wikiclub.adapters.siteinfo import load_siteinfo
from wikiclub.adapters.sparql import SparqlClient
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.dumps import iter_dump
from wikiclub.reconcile.candidates import NO_STATEMENT_SEARCH, SPARQL, ApiSource, IndexSource
from wikiclub.reconcile.model import Decision, ReconQuery
from wikiclub.reconcile.run import RowInput, reconcile_rows
from wikiclub.reconcile.sources import Region, source_for_site

ITEMS = sum(1 for e in iter_dump(KB) if e.get("type") == "item")  # every item page of the wiki

PETIT_THEATRE = "Q900260"  # « Petit Théâtre du Vieux Noranda », P2013 petittheatre.vieuxnoranda


def _client(sb: Sandbox) -> WikibaseClient:
    return WikibaseClient(sb.api_url, WikiclubSession(timeout=(5.0, 30.0), contact=None))


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    from wikiclub.sandbox.load import load_dump

    sb = make_sandbox(tmp_path_factory.mktemp("bare"), search="sql")
    load_dump(sb.app, KB)
    yield sb
    sb.running.stop()


def _row(text: str, *, identifiers: tuple[tuple[str, str], ...] = (), websites: tuple[str, ...] = ()) -> RowInput:
    return RowInput("s:2", 2, ReconQuery(text=text, identifiers=identifiers, websites=websites))


def test_bare_wiki_reconciles_through_an_index_of_its_pages(bare: Sandbox, tmp_path: Path) -> None:
    client = _client(bare)
    info = load_siteinfo(client, tmp_path)
    choice = source_for_site(client, info, index_path=tmp_path / "site.sqlite", sparql=None)
    try:
        assert isinstance(choice.source, IndexSource) and "n'a pas CirrusSearch" in choice.notice
        assert f"{ITEMS} éléments" in choice.notice  # every item page of the wiki
        said: list[str] = []
        again = source_for_site(client, info, index_path=tmp_path / "site.sqlite", sparql=None, announce=said.append)
        again.close()
        assert len(said) == 1 and "n'a pas CirrusSearch" in said[0] and "(0 lus / read)" in again.notice
        # the bare wiki's own search misses the accent/case variant; the index finds it
        assert client.search_entities("Petit theatre du Vieux Noranda", language="fr") == []
        [res] = reconcile_rows([_row("Petit theatre du Vieux Noranda")], choice.source)
        assert res.entity.top is not None and res.entity.top.qid == PETIT_THEATRE
    finally:
        choice.close()


def test_site_index_is_refreshed_by_revision(bare: Sandbox, tmp_path: Path) -> None:
    client = _client(bare)
    with LocalIndex(tmp_path / "i.sqlite", create=True) as index:
        first = sync_from_pages(index, client, namespace=120)
        again = sync_from_pages(index, client, namespace=120)
    assert first.fetched == first.pages == ITEMS and first.removed == 0
    assert again.fetched == 0 and again.unchanged == ITEMS  # nothing changed: nothing read again


def test_cirrus_wiki_uses_the_api_and_haswbstatement(kb_sandbox: Sandbox, tmp_path: Path) -> None:
    client = _client(kb_sandbox)
    choice = source_for_site(client, load_siteinfo(client, tmp_path), index_path=tmp_path / "x.sqlite", sparql=None)
    assert isinstance(choice.source, ApiSource) and choice.notice == ""
    assert choice.source.statement_search == "haswbstatement" and not (tmp_path / "x.sqlite").exists()
    # a project with no focus list and no regions: the user is told what that costs and what lowers it
    empty = Region(None, (), tmp_path / "region.sqlite")
    unscoped = source_for_site(client, load_siteinfo(client, tmp_path), index_path=tmp_path / "x.sqlite",
                               sparql=None, region=empty)
    assert isinstance(unscoped.source, ApiSource) and "Ni liste de suivi ni régions" in unscoped.notice


def test_identifier_not_askable_is_review_never_new(kb_sandbox: Sandbox) -> None:
    """Without haswbstatement and without a query service, a row whose name finds nothing but whose
    identifier would have found the item must not be created: REVIEW, with the reason."""
    source = ApiSource(_client(kb_sandbox), statement_search=NO_STATEMENT_SEARCH)
    row = _row("Théâtre-boîte de la rue Perreault", identifiers=(("P2013", "petittheatre.vieuxnoranda"),))
    [res] = reconcile_rows([row], source)
    assert res.entity.decision == Decision.REVIEW
    assert "P2013 = petittheatre.vieuxnoranda" in res.entity.reason and "haswbstatement" in res.entity.reason
    # a row without identifier or website is still NEW
    [plain] = reconcile_rows([_row("Théâtre-boîte de la rue Perreault")], source)
    assert plain.entity.decision == Decision.NEW


def test_identifier_and_website_by_sparql_without_haswbstatement(kb_sandbox: Sandbox) -> None:
    sparql = SparqlClient(kb_sandbox.sparql_url, WikiclubSession(timeout=(5.0, 30.0), contact=None))
    source = ApiSource(_client(kb_sandbox), statement_search=SPARQL, sparql=sparql)
    assert source.by_identifier("P2013", "petittheatre.vieuxnoranda") == [PETIT_THEATRE]
    assert source.by_website("https://www.festivalcinema.ca/") == ["Q900261"]
    row = _row("Théâtre-boîte de la rue Perreault", identifiers=(("P2013", "petittheatre.vieuxnoranda"),))
    [res] = reconcile_rows([row], source)
    assert res.entity.decision != Decision.NEW
    assert res.entity.top is not None and res.entity.top.qid == PETIT_THEATRE
    assert sparql.requests_made >= 1
