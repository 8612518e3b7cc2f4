"""Dump loading: plain/.gz/.bz2, the [ ] wrapped form, errors that name the file and line,
kept revision ids, counters bumped past the dump, and the loaded entities readable over HTTP."""

from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path
from typing import Any

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


def test_repeated_entity_values_get_each_snak_its_own_hash(sandbox: Sandbox, tmp_path: Path) -> None:
    """Item and property values are hashed once per load (they repeat all over a dump): every snak
    still gets the hash of its own (property, entity type, id), whatever hash the dump carried."""
    from wikiclub.sandbox.datavalues import snak_hash

    def snak(pid: str, kind: str, target: str) -> dict[str, Any]:
        return {"snaktype": "value", "property": pid, "hash": "0" * 40,
                "datavalue": {"type": "wikibase-entityid", "value": {"entity-type": kind, "id": target}}}

    props = [{"type": "property", "datatype": dt, "id": pid, "labels": {}, "descriptions": {}, "aliases": {},
              "claims": {}} for pid, dt in (("P31", "wikibase-item"), ("P1659", "wikibase-property"))]
    items = [{"type": "item", "id": f"Q{n}", "labels": {}, "descriptions": {}, "aliases": {}, "sitelinks": {},
              "claims": {"P31": [{"mainsnak": snak("P31", "item", "Q5"), "type": "statement", "id": f"Q{n}$a",
                                  "rank": "normal", "qualifiers": {"P1659": [snak("P1659", "property", "P31")]},
                                  "references": [{"hash": "f" * 40, "snaks": {"P31": [snak("P31", "item", f"Q{n}")]}}]}],
                         "P1659": [{"mainsnak": snak("P1659", "property", "P5"), "type": "statement",
                                    "id": f"Q{n}$b", "rank": "normal"}]}} for n in (10, 11)]
    load_dump(sandbox.app, _write(tmp_path / "v.json", "\n".join(json.dumps(e) for e in props + items) + "\n"))
    got = requests.get(sandbox.api_url, params={"action": "wbgetentities", "ids": "Q10|Q11",
                                                "format": "json"}, timeout=30).json()["entities"]
    seen = set()
    for entity in got.values():
        for group in entity["claims"].values():
            for st in group:
                snaks = [st["mainsnak"], *(s for g in st.get("qualifiers", {}).values() for s in g),
                         *(s for r in st.get("references", []) for g in r["snaks"].values() for s in g)]
                for s in snaks:
                    assert s["hash"] == snak_hash({k: v for k, v in s.items() if k != "hash"}) != "0" * 40
                    seen.add(s["hash"])
    assert len(seen) == 5  # P31→Q5, P1659→P31, P1659→P5, P31→Q10, P31→Q11: none mixed up


def test_php_json_writes_values_as_json_dumps_does() -> None:
    """The value serialization behind snak hashes writes plain floats, ints, None and strings itself;
    the result is json.dumps's (PHP json_encode: "/" escaped, non-ASCII as \\u escapes)."""
    from wikiclub.sandbox.datavalues import _php_json

    values: list[Any] = [0.1, 1e-05, 1e22, -0.0, 48.565057252852334, 5, -7, 10**30, None, True, False,
                         float("nan"), float("inf"), "http://www.wikidata.org/entity/Q2",
                         'é/ü"\\\n\t\u2028\U0001d504', "", [1], {"a": 1}]
    for i in range(len(values)):
        items = values[i:] + values[:i]
        for cut in (1, 3, 5, len(items)):
            part = items[:cut]
            assert _php_json(part) == json.dumps(part, separators=(",", ":")).replace("/", "\\/")


def test_a_failed_index_merge_reaches_the_caller() -> None:
    from wikiclub.sandbox.rdf import _Merge

    def failing() -> None:
        raise OSError("disk full while merging")

    with pytest.raises(OSError, match="disk full while merging"):
        _Merge(failing).join()
    _Merge(lambda: None).join()
