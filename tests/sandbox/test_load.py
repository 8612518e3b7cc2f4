"""Dump loading: plain/.gz/.bz2, the [ ] wrapped form, errors that name the file and line,
kept revision ids, counters bumped past the dump, and the loaded entities readable over HTTP."""

from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path

import pytest
import requests
from conftest import KB, RawApi, Sandbox

from wikiclub.errors import InputError
from wikiclub.sandbox.load import load_dump

LINES = KB.read_text(encoding="utf-8").splitlines()


def _write(path: Path, text: str) -> Path:
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    elif path.suffix == ".bz2":
        path.write_bytes(bz2.compress(text.encode("utf-8")))
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["dump.json", "dump.json.gz", "dump.json.bz2"])
def test_plain_gz_bz2(sandbox: Sandbox, tmp_path: Path, name: str) -> None:
    stats = load_dump(sandbox.app, _write(tmp_path / name, "\n".join(LINES[:60]) + "\n"))
    assert stats.entities == 60 and stats.properties + stats.items == 60
    first = json.loads(LINES[0])
    got = requests.get(sandbox.api_url, params={"action": "wbgetentities", "ids": first["id"],
                                                "format": "json"}, timeout=30).json()
    assert got["entities"][first["id"]]["lastrevid"] == first["lastrevid"]
    assert got["entities"][first["id"]]["modified"] == first["modified"]


def test_wrapped_dump_with_commas(sandbox: Sandbox, tmp_path: Path) -> None:
    text = "[\n" + ",\n".join(LINES) + "\n]\n"
    stats = load_dump(sandbox.app, _write(tmp_path / "wrapped.json", text))
    assert stats.entities == len(LINES)


def test_bad_line_names_file_and_line(sandbox: Sandbox, tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.json", "\n".join([LINES[0], LINES[1], '{"id": "Q1", "type": ', LINES[2]]))
    with pytest.raises(InputError) as info:
        load_dump(sandbox.app, path)
    assert f"{path}, line 3: not valid JSON" in str(info.value)
    # nothing was committed
    assert sandbox.app.db.conn.execute("SELECT COUNT(*) FROM entities").fetchone()[0] == 0
    wrong = _write(tmp_path / "wrong.json", '{"id": "Q1", "type": "property", "datatype": "string"}\n')
    with pytest.raises(InputError, match=r"line 1: entity Q1 has type 'property'"):
        load_dump(sandbox.app, wrong)
    with pytest.raises(InputError, match="no such dump file"):
        load_dump(sandbox.app, tmp_path / "absent.json")
    with pytest.raises(InputError, match="line 1: missing or malformed entity id"):
        load_dump(sandbox.app, _write(tmp_path / "noid.json", '{"type": "item"}\n'))


def test_new_entities_get_fresh_ids_after_a_load(sandbox: Sandbox, tmp_path: Path) -> None:
    load_dump(sandbox.app, _write(tmp_path / "d.json", "\n".join(LINES) + "\n"))
    max_q = max(int(json.loads(line)["id"][1:]) for line in LINES if '"type":"item"' in line)
    max_rev = max(json.loads(line)["lastrevid"] for line in LINES)
    raw = RawApi(sandbox.api_url)
    raw.login(sandbox.admin)
    tok = raw.csrf()
    s = raw.http
    r = s.post(sandbox.api_url, data={"action": "wbeditentity", "new": "item", "data": "{}", "token": tok,
                                      "format": "json"}).json()
    assert int(r["entity"]["id"][1:]) == max_q + 1 and r["entity"]["lastrevid"] > max_rev


def test_loading_twice_replaces_entities(sandbox: Sandbox, tmp_path: Path) -> None:
    path = _write(tmp_path / "d.json", "\n".join(LINES[:20]) + "\n")
    load_dump(sandbox.app, path)
    changed = json.loads(LINES[0])
    changed["labels"]["en"] = {"language": "en", "value": "renamed"}
    changed["lastrevid"] += 1
    load_dump(sandbox.app, _write(tmp_path / "e.json", json.dumps(changed) + "\n"))
    got = requests.get(sandbox.api_url, params={"action": "wbgetentities", "ids": changed["id"],
                                                "format": "json"}, timeout=30).json()
    assert got["entities"][changed["id"]]["labels"]["en"]["value"] == "renamed"
    n = sandbox.app.db.conn.execute("SELECT COUNT(*) FROM terms WHERE entity_id=? AND kind='label' "
                                    "AND language='en'", (changed["id"],)).fetchone()[0]
    assert n == 1


def test_missing_hashes_and_statement_ids_are_filled(sandbox: Sandbox, tmp_path: Path) -> None:
    prop = {"type": "property", "datatype": "string", "id": "P2", "labels": {}, "descriptions": {},
            "aliases": {}, "claims": {}}
    item = {"type": "item", "id": "Q7", "labels": {}, "descriptions": {}, "aliases": {}, "sitelinks": {},
            "claims": {"P2": [{"mainsnak": {"snaktype": "value", "property": "P2",
                                            "datavalue": {"value": "hello world", "type": "string"}},
                               "type": "statement", "rank": "normal"}]}}
    load_dump(sandbox.app, _write(tmp_path / "h.json", json.dumps(prop) + "\n" + json.dumps(item) + "\n"))
    got = requests.get(sandbox.api_url, params={"action": "wbgetentities", "ids": "Q7",
                                                "format": "json"}, timeout=30).json()["entities"]["Q7"]
    st = got["claims"]["P2"][0]
    assert st["id"].startswith("Q7$")
    assert st["mainsnak"]["hash"] == "dd3c5dee0a4fc93949e3008656351b122b0edec3"
    assert st["mainsnak"]["datatype"] == "string"


def _indexes(sandbox: Sandbox) -> set[str]:
    return {r[0] for r in sandbox.app.db.conn.execute(
        "SELECT name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL")}


def test_indexes_deferred_during_a_first_load_are_back_after_it(sandbox: Sandbox, tmp_path: Path) -> None:
    before = _indexes(sandbox)
    assert {"terms_norm", "statement_values_pv", "revisions_user"} <= before
    bad = _write(tmp_path / "bad.json", "\n".join([LINES[0], "{oops"]))
    with pytest.raises(InputError):
        load_dump(sandbox.app, bad)
    assert _indexes(sandbox) == before  # the rollback brought the dropped indexes back
    load_dump(sandbox.app, _write(tmp_path / "d.json", "\n".join(LINES) + "\n"))
    assert _indexes(sandbox) == before
    plan = " ".join(str(r[3]) for r in sandbox.app.db.conn.execute(
        "EXPLAIN QUERY PLAN SELECT entity_id FROM terms WHERE norm >= 'a' AND norm < 'b'"))
    assert "terms_norm" in plan


def test_loaded_json_is_stored_once_and_read_through_the_revision(sandbox: Sandbox, tmp_path: Path) -> None:
    from wikiclub.sandbox.entitystore import get_entities, get_entity, property_datatype

    load_dump(sandbox.app, _write(tmp_path / "d.json", "\n".join(LINES) + "\n"))
    db = sandbox.app.db
    assert db.conn.execute("SELECT COUNT(*) FROM entities WHERE json<>''").fetchone()[0] == 0
    item = next(json.loads(line) for line in LINES if '"type":"item"' in line)
    prop = next(json.loads(line) for line in LINES if '"type":"property"' in line)
    stored = get_entity(db, item["id"])
    assert stored is not None and stored.lastrevid == item["lastrevid"]
    assert stored.entity["claims"] == item["claims"] and stored.entity["labels"] == item["labels"]
    assert get_entities(db, [item["id"]])[0][item["id"]].entity == stored.entity
    assert property_datatype(db, prop["id"]) == prop["datatype"]
