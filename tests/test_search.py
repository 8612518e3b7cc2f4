"""``wikiclub search``: a QID found while writing a mapping, with its class, place and link, in three
requests whatever the number of hits (one search, two batched reads)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from click.testing import CliRunner
from conftest import Sandbox

from wikiclub.adapters.http import make_session
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.cli import main
from wikiclub.config import load_settings
from wikiclub.reconcile.lookup import search_items

ROUYN = "Q900141"
TOWNS = "Q900068"  # municipalité du Québec in tests/data/kb.jsonl (its towns are « ville du Québec », a subclass)


class Counting:
    def __init__(self, client: WikibaseClient) -> None:
        self.client = client
        self.calls: list[str] = []

    def search_entities(self, text: str, *, language: str, type: str = "item", limit: int = 7  # noqa: A002
                        ) -> list[dict[str, Any]]:
        self.calls.append("search")
        return self.client.search_entities(text, language=language, type=type, limit=limit)

    def get_entities(self, ids: Iterable[str], *, props: Sequence[str] | None = None,
                     languages: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
        self.calls.append("get")
        return self.client.get_entities(ids, props=props, languages=languages)


def test_search_names_classes_and_places_in_three_requests(kb_sandbox: Sandbox) -> None:
    settings = load_settings({"site": kb_sandbox.site}, env={})
    with make_session(settings) as session:
        reader = Counting(WikibaseClient.from_settings(settings, session))
        hits = search_items(reader, "Rouyn", language="fr", limit=10,
                            item_url=lambda q: settings.site.entity_page_url + q)
    assert reader.calls == ["search", "get", "get"]
    assert len(hits) > 1
    rouyn = next(h for h in hits if h.qid == ROUYN)
    assert rouyn.label == "Rouyn-Noranda" and rouyn.description
    assert [p.label for p in rouyn.places] == ["Abitibi-Témiscamingue"]
    assert all(c.label for c in rouyn.classes) and rouyn.url.endswith("/" + ROUYN)
    with make_session(settings) as session:
        towns = search_items(WikibaseClient.from_settings(settings, session), "Rouyn", type_qid=TOWNS)
    assert [h.qid for h in towns] == [ROUYN]  # the hockey team and others left out


def test_search_command(kb_sandbox: Sandbox) -> None:
    res = CliRunner().invoke(main, ["search", "Rouyn-Noranda", "--site", kb_sandbox.site])
    assert res.exit_code == 0, res.output
    assert f"{ROUYN}  Rouyn-Noranda — " in res.output and "lieu : Abitibi-Témiscamingue (Q900126)" in res.output
    assert f"/wiki/{ROUYN}" in res.output
    res = CliRunner().invoke(main, ["search", "Zzzz introuvable", "--site", kb_sandbox.site])
    assert res.exit_code == 0 and "Aucun élément" in res.output
    res = CliRunner().invoke(main, ["search", "Rouyn", "--type", "ville", "--site", kb_sandbox.site])
    assert res.exit_code == 2 and "QID" in res.output
