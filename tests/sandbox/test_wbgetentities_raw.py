"""wbgetentities writes the stored claims and sitelinks as they are (no decoding and encoding again):
its answers must be byte for byte those of decoding the whole entity, for every entity and every
``props``/``languages`` a client asks — including text made to look like the keys it cuts at."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import KB, Sandbox

from wikiclub.sandbox import entitystore as store
from wikiclub.sandbox.load import load_dump
from wikiclub.sandbox.mw import RawJSON, api_json, plain
from wikiclub.sandbox.wbapi import render_entity

PROPS = ["info|labels|descriptions|claims|sitelinks", "claims", "sitelinks|info", "labels|aliases",
         "info", None]
LANGUAGES = [None, "fr|en", "fr", "en|fr|cr"]
TRAP = ',"claims":{"P1":[]},"sitelinks":{"x":1}}'  # structural-looking text inside strings


class _Whole(store.StoredText):
    """The same stored entity, always decoded whole (what every answer was before the cut)."""

    parts = None  # type: ignore[assignment]


def _decoded_answer(app: Any, ids: list[str], props: str | None, languages: str | None) -> bytes:
    found, _ = store.get_entities(app.db, ids)
    wanted = props.split("|") if props else ["info", "sitelinks", "aliases", "labels", "descriptions", "claims",
                                             "datatype"]
    langs = languages.split("|") if languages else None
    entities = {eid: render_entity(_Whole(s.text, s.pageid, s.lastrevid, s.modified), wanted, langs, False)
                for eid, s in found.items()}
    body = {"entities": {eid: entities[eid] for eid in ids}, "success": 1}
    assert "RawJSON" not in repr(body)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _answer(url: str, ids: list[str], props: str | None, languages: str | None) -> bytes:
    params = {"action": "wbgetentities", "ids": "|".join(ids), "format": "json"}
    params.update({k: v for k, v in (("props", props), ("languages", languages)) if v})
    with requests.Session() as http:
        return http.get(url, params=params, timeout=30).content


def _tricky_dump(path: Path) -> list[str]:
    """Entities whose strings contain the markers the cut looks for, an empty item, a property."""
    lines = [
        {"type": "property", "id": "P90", "datatype": "string", "labels": {"fr": {"language": "fr", "value": TRAP}},
         "descriptions": {}, "aliases": {}, "claims": {}},
        {"type": "property", "id": "P91", "datatype": "wikibase-item",
         "labels": {"en": {"language": "en", "value": "located in"}}, "descriptions": {}, "aliases": {},
         "claims": {"P90": [{"mainsnak": {"snaktype": "value", "property": "P90", "datatype": "string",
                                          "datavalue": {"type": "string", "value": TRAP}},
                             "type": "statement", "rank": "normal", "id": "P91$1"}]}},
        {"type": "item", "id": "Q90", "labels": {"fr": {"language": "fr", "value": "é \\ \" \u2028 " + TRAP}},
         "descriptions": {"en": {"language": "en", "value": TRAP}},
         "aliases": {"fr": [{"language": "fr", "value": TRAP}]},
         "claims": {"P90": [{"mainsnak": {"snaktype": "value", "property": "P90", "datatype": "string",
                                          "datavalue": {"type": "string", "value": TRAP}},
                             "type": "statement", "rank": "normal", "id": "Q90$1",
                             "references": [{"hash": "h", "snaks": {}, "snaks-order": []}]}]},
         "sitelinks": {"frwiki": {"site": "frwiki", "title": "Titre" + TRAP, "badges": []}}},
        {"type": "item", "id": "Q91", "labels": {}, "descriptions": {}, "aliases": {}, "claims": {},
         "sitelinks": {}},
        {"type": "item", "id": "Q92", "labels": {"en": {"language": "en", "value": "x"}}, "descriptions": {},
         "aliases": {}, "claims": {}, "sitelinks": {"enwiki": {"site": "enwiki", "title": "X", "badges": []}}},
    ]
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in lines), "utf-8")
    return [e["id"] for e in lines]


@pytest.mark.parametrize("languages", LANGUAGES)
@pytest.mark.parametrize("props", PROPS)
def test_kb_answers_are_those_of_the_decoded_entities(kb_sandbox: Sandbox, props: str | None,
                                                      languages: str | None) -> None:
    ids = [line["id"] for line in map(json.loads, KB.read_text("utf-8").splitlines())]
    assert len(ids) > 50
    for start in range(0, len(ids), 50):
        block = ids[start:start + 50]
        assert _answer(kb_sandbox.api_url, block, props, languages) == \
            _decoded_answer(kb_sandbox.app, block, props, languages)


def test_tricky_text_loaded_and_edited_gives_the_same_bytes(sandbox: Sandbox, tmp_path: Path) -> None:
    ids = _tricky_dump(tmp_path / "tricky.jsonl")
    load_dump(sandbox.app, tmp_path / "tricky.jsonl")
    found, _ = store.get_entities(sandbox.app.db, ids)
    assert all(found[i].parts is not None for i in ids)  # the cut is used, not the fallback
    assert found["Q91"].parts.claims.text == "{}" and found["Q91"].parts.sitelinks.text == "{}"  # type: ignore[union-attr]
    for props in PROPS:
        assert _answer(sandbox.api_url, ids, props, None) == _decoded_answer(sandbox.app, ids, props, None)
    # an edit stores entities.json (not the revision form): the same again
    entity = plain(found["Q92"].entity)
    entity["labels"]["fr"] = {"language": "fr", "value": TRAP}
    store.save_entity(sandbox.app, entity, store.Editor("Loader", 0))
    assert json.loads(sandbox.app.db.conn.execute("SELECT json FROM entities WHERE id='Q92'").fetchone()[0])
    for props in PROPS:
        assert _answer(sandbox.api_url, ids, props, "fr") == _decoded_answer(sandbox.app, ids, props, "fr")


@pytest.mark.parametrize("text", [
    "{}",
    '{"type":"item","id":"Q1","claims":{},"labels":{},"descriptions":{},"aliases":{},"sitelinks":{}}',  # key order
    '{"type":"item","id":"Q1","labels":{},"descriptions":{},"aliases":{},"claims":{}}',  # no sitelinks
    '{"type":"item","id":"Q1","labels":{},"descriptions":{},"aliases":{},"claims":{},"sitelinks":{},"x":1}',
    '{"type":"lexeme","id":"L1","labels":{},"descriptions":{},"aliases":{},"claims":{}}',
    '{"type":"item","id":"Q1","labels":{"claims":{',  # broken
])
def test_text_not_in_the_stored_form_is_decoded_whole(text: str) -> None:
    assert store.split_stored(text) is None


def test_api_json_writes_raw_parts_as_they_are_and_nothing_else() -> None:
    body = {"a": RawJSON('{"b":[1,2.5,"\u00e9"]}'), "c": ["\x00", "\x000\x00"], "d": [RawJSON("{}")]}
    text = api_json(body)
    assert text == '{"a":{"b":[1,2.5,"é"]},"c":["\\u0000","\\u00000\\u0000"],"d":[{}]}'
    assert json.loads(text) == plain(body)
    with pytest.raises(TypeError):
        api_json({"x": object()})
