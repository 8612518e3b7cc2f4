"""Fidelity beyond record.py: what the real wiki answered during the issue-11 run
(tests/fixtures/wikibase-api/observed/) and what Wikibase REL1_39's source does where no recording exists."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conftest import FIXTURES, RawApi, Sandbox, make_sandbox

OBSERVED = FIXTURES / "wikibase-api" / "observed"


def _keypaths(obj: object) -> set[str]:
    sys.path.insert(0, str(FIXTURES / "wikibase-api"))
    try:
        from compare import keypaths  # the structure rule of compare.py
    finally:
        sys.path.remove(str(FIXTURES / "wikibase-api"))
    return set(keypaths(obj))


def _same_shape(name: str, got_status: int, got_headers: dict[str, str], body: dict) -> None:
    recorded = json.loads((OBSERVED / f"{name}.json").read_text("utf-8"))
    assert got_status == recorded["http_status"]
    assert body["error"]["code"] == recorded["response"]["error"]["code"]
    assert got_headers.get("MediaWiki-API-Error") == recorded["response_headers"]["MediaWiki-API-Error"]
    assert ("Retry-After" in got_headers) == ("Retry-After" in recorded["response_headers"])
    assert _keypaths(body) == _keypaths(recorded["response"])
    got_msg, want_msg = body["error"]["messages"][0], recorded["response"]["error"]["messages"][0]
    assert got_msg["name"] == want_msg["name"]
    assert body["error"]["info"] == recorded["response"]["error"]["info"]


def _new(raw: RawApi, token: str, data: dict) -> tuple[int, dict[str, str], dict]:
    r = raw.post(action="wbeditentity", new="item", token=token, data=json.dumps(data))
    return r.status_code, dict(r.headers), r.json()


def _label(text: str, description: str | None = None) -> dict:
    data: dict = {"labels": {"fr": {"language": "fr", "value": text}}}
    if description is not None:
        data["descriptions"] = {"fr": {"language": "fr", "value": description}}
    return data


def test_rate_limited_creation_answers_like_the_real_wiki(tmp_path: Path) -> None:
    """Configured like the real wiki (edit:user:8/60, which the id generator inherits), the 9th creation
    of a plain account gets no-automatic-entity-id without Retry-After, and consumes no id."""
    sb = make_sandbox(tmp_path / "wiki", rate_limits={"edit": {"user": (8, 60)}})
    try:
        raw = RawApi(sb.api_url)
        raw.login(sb.plain)
        token = raw.csrf()
        limits = raw.get(action="query", meta="userinfo", uiprop="ratelimits").json()["query"]["userinfo"]
        assert limits["ratelimits"]["wikibase-idgenerator"] == {"user": {"hits": 8, "seconds": 60}}
        ids = [_new(raw, token, _label(f"Troupe {n}"))[2]["entity"]["id"] for n in range(8)]
        status, headers, body = _new(raw, token, _label("Troupe 8"))
        _same_shape("wbeditentity-new-item-idgenerator-ratelimited", status, headers, body)
        admin = RawApi(sb.api_url)
        admin.login(sb.admin)  # noratelimit: the next id is the one after the last creation
        nxt = _new(admin, admin.csrf(), _label("Après"))[2]["entity"]["id"]
        assert int(nxt[1:]) == int(ids[-1][1:]) + 1
    finally:
        sb.running.stop()


def test_refused_creation_after_its_id_was_assigned_consumes_it(sandbox: Sandbox) -> None:
    """Wikibase assigns the id before validating the data: a creation refused then (here a label equal
    to its description) leaves a gap in the ids."""
    raw = RawApi(sandbox.api_url)
    raw.login(sandbox.admin)
    token = raw.csrf()
    first = _new(raw, token, _label("Un"))[2]["entity"]["id"]
    status, headers, body = _new(raw, token, _label("Festival du cinéma", "Festival du cinéma"))
    _same_shape("wbeditentity-label-equals-description", status, headers, body)
    after = _new(raw, token, _label("Deux"))[2]["entity"]["id"]
    assert int(after[1:]) == int(first[1:]) + 2


def test_description_equal_to_label_is_refused_on_every_path(sandbox: Sandbox) -> None:
    raw = RawApi(sandbox.api_url)
    raw.login(sandbox.admin)
    token = raw.csrf()
    qid = _new(raw, token, _label("Théâtre du Rift", "salle de spectacle"))[2]["entity"]["id"]
    answers = [
        raw.post(action="wbsetdescription", id=qid, language="fr", value="Théâtre du Rift", token=token).json(),
        raw.post(action="wbsetlabel", id=qid, language="fr", value="salle de spectacle", token=token).json(),
        raw.post(action="wbeditentity", id=qid, token=token,
                 data=json.dumps({"descriptions": {"fr": {"language": "fr", "value": "Théâtre du Rift"}}})).json(),
    ]
    for body in answers:
        assert body["error"]["code"] == "modification-failed"
        assert body["error"]["messages"][0]["name"] == "wikibase-validator-label-equals-description"
    # another language, or an unrelated change, is not checked against an old equality
    ok = raw.post(action="wbsetdescription", id=qid, language="en", value="Rift theatre", token=token).json()
    assert ok["success"] == 1


def test_allpages_lists_a_namespace_with_continuation(sandbox: Sandbox) -> None:
    """list=allpages (ApiQueryAllPages): title order, aplimit, apcontinue = the next DB key; as a
    generator with prop=info it gives every item page's lastrevid (how a bare wiki is indexed)."""
    raw = RawApi(sandbox.api_url)
    raw.login(sandbox.admin)
    token = raw.csrf()
    made = [_new(raw, token, _label(f"Page {n}"))[2]["entity"] for n in range(12)]
    titles: list[str] = []
    params = {"action": "query", "list": "allpages", "apnamespace": "120", "aplimit": "5"}
    while True:
        answer = raw.get(**params).json()
        titles += [p["title"] for p in answer["query"]["allpages"]]
        assert all(p["ns"] == 120 and p["pageid"] for p in answer["query"]["allpages"])
        if "continue" not in answer:
            break
        assert answer["continue"]["continue"] == "-||"
        params["apcontinue"] = answer["continue"]["apcontinue"]
    assert titles == sorted(f"Item:{e['id']}" for e in made)
    assert raw.get(action="query", list="allpages").json()["query"]["allpages"] == []  # main namespace: none
    gen = raw.get(action="query", generator="allpages", gapnamespace="120", gaplimit="max", prop="info",
                  formatversion="2").json()
    revs = {p["title"]: p["lastrevid"] for p in gen["query"]["pages"]}
    assert revs == {f"Item:{e['id']}": e["lastrevid"] for e in made}
    prefixed = raw.get(action="query", list="allpages", apnamespace="120", apprefix="Q1").json()
    assert {p["title"] for p in prefixed["query"]["allpages"]} == {t for t in titles if t.startswith("Item:Q1")}


def test_loaded_entities_get_hashes_of_the_wikis_own_making(tmp_path: Path) -> None:
    """Wikibase computes snak and reference hashes from the snaks whenever it serializes an entity: a
    dump's hashes (hand-made or stale) are not what a real wiki serves. The loaded item is served with
    the hashes the sandbox gives the same statement made through the API."""
    from wikiclub.sandbox.load import load_dump

    snak = {"snaktype": "value", "property": "P1", "datatype": "string",
            "datavalue": {"type": "string", "value": "Rouyn-Noranda"}, "hash": "0" * 40}
    dump = tmp_path / "d.jsonl"
    dump.write_text("\n".join(json.dumps(e) for e in (
        {"type": "property", "id": "P1", "datatype": "string", "labels": {}},
        {"type": "item", "id": "Q5", "labels": {"fr": {"language": "fr", "value": "chargé"}},
         "claims": {"P1": [{"mainsnak": snak, "type": "statement", "rank": "normal", "id": "Q5$x",
                            "references": [{"hash": "f" * 40, "snaks": {"P1": [snak]}, "snaks-order": ["P1"]}]}]}},
    )) + "\n", "utf-8")
    sb = make_sandbox(tmp_path / "wiki")
    try:
        load_dump(sb.app, dump)
        raw = RawApi(sb.api_url)
        raw.login(sb.admin)
        loaded = raw.get(action="wbgetentities", ids="Q5").json()["entities"]["Q5"]["claims"]["P1"][0]
        made = _new(raw, raw.csrf(), {"claims": [{"mainsnak": {k: v for k, v in snak.items() if k != "hash"},
                                                   "type": "statement", "rank": "normal",
                                                   "references": [{"snaks": {"P1": [{k: v for k, v in snak.items()
                                                                                     if k != "hash"}]}}]}]})
        created = made[2]["entity"]["claims"]["P1"][0]
        assert loaded["mainsnak"]["hash"] == created["mainsnak"]["hash"] != "0" * 40
        assert loaded["references"][0]["hash"] == created["references"][0]["hash"] != "f" * 40
    finally:
        sb.running.stop()
