"""Knowing the wiki: siteinfo parsed from the real wiki's answers, item links from its article path and
namespaces, the per-site cache and its refresh, and what the sandbox says in each search mode."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, make_sandbox

from wikiclub.adapters.http import WikiclubSession
from wikiclub.adapters.siteinfo import cache_file, load_siteinfo, read_cached
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.credentials import Credentials
from wikiclub.errors import TransportError
from wikiclub.siteinfo import SiteInfo, guess_siteinfo, siteinfo_from_answer

API = FIXTURES / "wikibase-api"


def _recorded() -> SiteInfo:
    general = json.loads((API / "query-siteinfo-general.json").read_text("utf-8"))["response"]["query"]
    namespaces = json.loads((API / "query-siteinfo-namespaces.json").read_text("utf-8"))["response"]["query"]
    return siteinfo_from_answer("http://127.0.0.1:8181/w/api.php", {"query": {**general, **namespaces}})


def test_the_recorded_bare_wiki_serves_items_at_its_article_path_in_the_item_namespace() -> None:
    info = _recorded()
    assert info.item_url("Q2") == "http://127.0.0.1:8181/w/index.php/Item:Q2"
    assert info.item_url("P31") == "http://127.0.0.1:8181/w/index.php/Property:P31"
    assert info.namespace("item") == (120, "Item") and info.concept_base == "http://127.0.0.1:8181/entity/"
    assert not info.has_cirrus_search and not info.has_statement_search and info.known


def test_wikidata_layout_and_protocol_relative_server() -> None:
    answer = {"query": {"general": {"server": "//www.wikidata.org", "articlepath": "/wiki/$1",
                                    "wikibase-conceptbaseuri": "http://www.wikidata.org/entity/"},
                        "namespaces": {"0": {"id": 0, "*": "", "defaultcontentmodel": "wikibase-item"},
                                       "120": {"id": 120, "*": "Property", "defaultcontentmodel": "wikibase-property"}},
                        "extensions": [{"name": "CirrusSearch"}, {"name": "WikibaseCirrusSearch"}]}}
    info = siteinfo_from_answer("https://www.wikidata.org/w/api.php", answer)
    assert info.item_url("Q42") == "https://www.wikidata.org/wiki/Q42"
    assert info.item_url("P31") == "https://www.wikidata.org/wiki/Property:P31"
    assert info.has_cirrus_search and info.has_statement_search
    assert SiteInfo.from_json(json.loads(json.dumps(info.to_json()))) == info
    guessed = guess_siteinfo("https://wiki.example.org/w/api.php")
    assert guessed.item_url("Q1") == "https://wiki.example.org/wiki/Q1" and not guessed.known


@pytest.mark.parametrize("search", ["cirrus", "sql"])
def test_the_sandbox_says_which_search_it_has(tmp_path: Path, search: str) -> None:
    sb = make_sandbox(tmp_path / "wiki", search=search)
    try:
        client = WikibaseClient(sb.api_url, WikiclubSession(timeout=(5.0, 30.0), contact=None))
        info = load_siteinfo(client, tmp_path / "cache")
        assert info.has_cirrus_search is (search == "cirrus")
        assert info.has_statement_search is (search == "cirrus")
        client.login(Credentials(sb.admin.name, sb.admin.password, "test"))
        qid = client.edit_entity({"labels": {"fr": {"language": "fr", "value": "Lieu"}}}, new="item",
                                 summary="t")["id"]
        assert info.item_url(qid) == f"{sb.running.app.config.server}/w/index.php/Item:{qid}"
        page = client.session.get(info.item_url(qid), timeout=10)  # the sandbox serves the page there
        assert page.status_code == 200 and "Lieu" in page.text
    finally:
        sb.running.stop()


class _Counting:
    def __init__(self, api_url: str, answer: Mapping[str, Any] | None) -> None:
        self.api_url, self.answer, self.calls = api_url, answer, 0

    def call(self, params: Mapping[str, Any], *, post: bool = False) -> dict[str, Any]:
        self.calls += 1
        if self.answer is None:
            raise TransportError("down", "", code="network")
        return dict(self.answer)


def test_cache_per_site_with_refresh(tmp_path: Path) -> None:
    answer = {"query": {"general": {"server": "https://wiki.example.org", "articlepath": "/wiki/$1"},
                        "namespaces": {"120": {"id": 120, "*": "Item", "defaultcontentmodel": "wikibase-item"}}}}
    remote = _Counting("https://wiki.example.org/w/api.php", answer)
    first = load_siteinfo(remote, tmp_path)
    assert remote.calls == 1 and cache_file(tmp_path, remote.api_url).exists()
    assert load_siteinfo(remote, tmp_path) == first and remote.calls == 1  # from the cache
    load_siteinfo(remote, tmp_path, refresh=True)
    assert remote.calls == 2
    load_siteinfo(remote, tmp_path, max_age=0.0)
    assert remote.calls == 3
    down = _Counting(remote.api_url, None)
    assert load_siteinfo(down, tmp_path, refresh=True) == first  # unreachable: the cached answer
    assert not load_siteinfo(_Counting("https://other.example.org/w/api.php", None), tmp_path).known
    local = _Counting("http://127.0.0.1:8765/w/api.php", answer)
    load_siteinfo(local, tmp_path)
    load_siteinfo(local, tmp_path)
    assert local.calls == 2  # a sandbox is asked every time: it may restart with another search
    assert read_cached(tmp_path, local.api_url) is not None
