"""Search over the loaded test KB: wbsearchentities (case, accents, aliases, prefix, limit, continue,
language fallback), list=wbsearch and list=search with haswbstatement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests
from conftest import KB, Sandbox, make_sandbox


def get(sb: Sandbox, **params: str) -> dict[str, Any]:
    return requests.get(sb.api_url, params={**params, "format": "json"}, timeout=30).json()


def search(sb: Sandbox, text: str, language: str = "fr", **more: str) -> list[dict[str, Any]]:
    return get(sb, action="wbsearchentities", search=text, language=language, **more)["search"]


def kb() -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in map(json.loads, KB.read_text(encoding="utf-8").splitlines())}


def test_case_and_accent_insensitive_prefix_match(kb_sandbox: Sandbox) -> None:
    exact = search(kb_sandbox, "Rouyn-Noranda")
    assert exact[0]["label"] == "Rouyn-Noranda" and exact[0]["match"]["type"] == "label"
    for variant in ("rouyn-noranda", "ROUYN-NOR", "Rouyn-Nor"):
        assert exact[0]["id"] in [h["id"] for h in search(kb_sandbox, variant)], variant
    accented = [e for e in kb().values() if e["type"] == "item" and any(
        c in e["labels"].get("fr", {}).get("value", "") for c in "éèàç")]
    label = accented[0]["labels"]["fr"]["value"]
    plain = label.translate(str.maketrans("éèàç", "eeac")).lower()
    assert accented[0]["id"] in [h["id"] for h in search(kb_sandbox, plain, limit="50")]


def test_ranking_exact_label_before_prefix(kb_sandbox: Sandbox) -> None:
    hits = search(kb_sandbox, "Rouyn")
    assert hits[0]["match"]["text"] == "Rouyn"
    assert any(h["match"]["text"].startswith("Rouyn-") for h in hits[1:])


def test_alias_match_reports_the_alias(kb_sandbox: Sandbox) -> None:
    # (a label that starts with the text would rank first: pick an alias that is no label prefix)
    entity, alias = next((e, a["value"]) for e in kb().values() if e["type"] == "item"
                         for a in e.get("aliases", {}).get("fr", [])
                         if not any(t["value"].lower().startswith(a["value"].lower())
                                    for t in e["labels"].values()))
    hits = search(kb_sandbox, alias, strictlanguage="1", limit="50")
    hit = next(h for h in hits if h["id"] == entity["id"])
    assert hit["match"] == {"type": "alias", "language": "fr", "text": alias}
    assert hit["aliases"] == [alias]


def test_limit_and_continue_page_through_results(kb_sandbox: Sandbox) -> None:
    first = get(kb_sandbox, action="wbsearchentities", search="l", language="fr", limit="3")
    assert len(first["search"]) == 3 and first["search-continue"] == 3
    second = get(kb_sandbox, action="wbsearchentities", search="l", language="fr", limit="3", **{"continue": "3"})
    assert not {h["id"] for h in first["search"]} & {h["id"] for h in second["search"]}
    assert len(search(kb_sandbox, "l")) == 7  # default limit


def test_by_id_type_and_errors(kb_sandbox: Sandbox) -> None:
    hit = search(kb_sandbox, "Q5", language="en")[0]
    assert hit["id"] == "Q5" and hit["match"] == {"type": "entityId", "text": "Q5"}
    prop = search(kb_sandbox, "pays", type="property")
    assert prop[0]["id"] == "P17" and prop[0]["datatype"] == "wikibase-item"
    assert search(kb_sandbox, "zzzznothing") == []
    bad = get(kb_sandbox, action="wbsearchentities", search="x", language="xx-bogus")
    assert bad["error"]["code"] == "badvalue"


def test_language_fallback_unless_strict(kb_sandbox: Sandbox) -> None:
    # "country" is only an English label: found from French, not with strictlanguage
    assert "P17" in [h["id"] for h in search(kb_sandbox, "country", type="property")]
    assert search(kb_sandbox, "country", type="property", strictlanguage="1") == []


def test_list_wbsearch(kb_sandbox: Sandbox) -> None:
    r = get(kb_sandbox, action="query", list="wbsearch", wbssearch="Rouyn-Noranda", wbslanguage="fr")
    first = r["query"]["wbsearch"][0]
    assert first["ns"] == 120 and first["title"].startswith("Item:") and first["displaytext"] == "Rouyn-Noranda"


def _srsearch(sb: Sandbox, text: str, **more: str) -> dict[str, Any]:
    return get(sb, action="query", list="search", srsearch=text, **{"srnamespace": "120", **more})


def test_haswbstatement_and_words(kb_sandbox: Sandbox) -> None:
    data = kb()
    humans = {i for i, e in data.items() if any(s["mainsnak"].get("datavalue", {}).get("value", {}).get("id") == "Q5"
                                                for s in e.get("claims", {}).get("P31", []))}
    r = _srsearch(kb_sandbox, "haswbstatement:P31=Q5", srlimit="500")
    assert {h["title"][5:] for h in r["query"]["search"]} == humans
    assert r["query"]["searchinfo"]["totalhits"] == len(humans)
    with_p31 = {i for i, e in data.items() if e["type"] == "item" and e.get("claims", {}).get("P31")}
    r = _srsearch(kb_sandbox, "haswbstatement:P31", srlimit="500")
    assert r["query"]["searchinfo"]["totalhits"] == len(with_p31)
    both = _srsearch(kb_sandbox, "haswbstatement:P31=Q5 haswbstatement:P31", srlimit="500")
    assert both["query"]["searchinfo"]["totalhits"] == len(humans)
    words = _srsearch(kb_sandbox, "rouyn noranda")["query"]["search"]
    assert any(h["title"] for h in words)
    assert all("rouyn" in h["snippet"].lower() or "noranda" in h["snippet"].lower() or h["snippet"] == ""
               for h in words[:1])
    assert _srsearch(kb_sandbox, "haswbstatement:P31=Q99999999")["query"]["searchinfo"]["totalhits"] == 0


def test_list_search_paging(kb_sandbox: Sandbox) -> None:
    page1 = _srsearch(kb_sandbox, "haswbstatement:P31", srlimit="5")
    assert page1["continue"]["sroffset"] == 5
    page2 = _srsearch(kb_sandbox, "haswbstatement:P31", srlimit="5", sroffset="5")
    assert not {h["title"] for h in page1["query"]["search"]} & {h["title"] for h in page2["query"]["search"]}
    assert set(page1["query"]["search"][0]) == {"ns", "title", "pageid", "size", "wordcount", "snippet", "timestamp"}
    assert _srsearch(kb_sandbox, "haswbstatement:P31", srnamespace="0")["query"]["searchinfo"]["totalhits"] == 0


# ---- fuzzy terms (word~), as CirrusSearch / Elasticsearch fuzziness AUTO -------------------------------

def _titles(sb: Sandbox, text: str) -> set[str]:
    return {h["title"][5:] for h in _srsearch(sb, text, srlimit="500")["query"]["search"]}


def test_fuzzy_distance_auto_and_explicit() -> None:
    from wikiclub.sandbox.wbsearch import fuzzy_distance

    assert [fuzzy_distance("x" * n) for n in (1, 2, 3, 5, 6, 12)] == [0, 0, 1, 1, 2, 2]
    assert fuzzy_distance("festival", "1") == 1 and fuzzy_distance("du", "2") == 2
    assert fuzzy_distance("cinema", "7") == 2  # Elasticsearch allows at most 2


def test_fuzzy_word_finds_a_typo_early_in_a_name(kb_sandbox: Sandbox) -> None:
    target = "Q900261"  # Festival du cinéma international en Abitibi-Témiscamingue
    assert target not in _titles(kb_sandbox, "festval du cinéma international")
    assert target in _titles(kb_sandbox, "festval~ du cinéma international")
    # case, accents and an adjacent transposition (one edit, as Lucene counts it) on a 6-letter word
    assert target in _titles(kb_sandbox, "FESTIVAL du CNIEMA~ international")
    # terms are still ANDed: a fuzzy word does not make the others optional
    assert target not in _titles(kb_sandbox, "festval~ du cinéma zzzqqq")


def test_fuzzy_distance_limits(kb_sandbox: Sandbox) -> None:
    target = "Q900261"
    # 8 letters: AUTO allows 2 edits, not 3
    assert target in _titles(kb_sandbox, "fsetivl~ international")
    assert target not in _titles(kb_sandbox, "fsetvl~ international")
    # 5 letters: 1 edit, not 2 ("cinema" has 6: "cinam" is 1 deletion + 1 substitution away)
    assert target not in _titles(kb_sandbox, "cinam~ international")
    assert target in _titles(kb_sandbox, "cinam~2 international")
    assert target not in _titles(kb_sandbox, "festval~0 international")
    assert target in _titles(kb_sandbox, "festval~1 international")


def test_fuzzy_on_a_short_word_is_exact(kb_sandbox: Sandbox) -> None:
    # "du" (2 letters) gets distance 0: "de~" does not stand for "du"
    with_du = _titles(kb_sandbox, "du~ cinema international")
    assert "Q900261" in with_du
    assert "Q900261" not in _titles(kb_sandbox, "dx~ cinema international")
    assert _titles(kb_sandbox, "du~ cinema international") == _titles(kb_sandbox, "du cinema international")


def test_fuzzy_finds_nothing_without_cirrus_search(tmp_path: Path) -> None:
    from wikiclub.sandbox.load import load_dump

    sb = make_sandbox(tmp_path / "sql", search="sql")
    try:
        load_dump(sb.app, KB)
        assert _titles(sb, "festval~ du cinéma international") == set()
        assert _titles(sb, "festival du cinéma international") == set()
    finally:
        sb.running.stop()
