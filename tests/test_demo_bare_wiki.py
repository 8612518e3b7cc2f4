"""Issue 11, done-when: against a wiki without CirrusSearch (the sandbox's ``--search sql``: case- and
accent-sensitive prefix search, nothing found by ``list=search`` in the item namespace, no error), the
demo creates no duplicate of an existing item, and the user is told why the local index is used."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ROOT

from wikiclub.cli import main
from wikiclub.dumps import iter_dump
from wikiclub.names import fold
from wikiclub.sandbox.db import SandboxDB
from wikiclub.sandbox.entitystore import get_entities

Key = tuple[str, frozenset[str], str]
HUMAN = "Q5"


def keys(entities: Iterable[Mapping[str, Any]]) -> Counter[Key]:
    """(normalised label, classes, birth date for people) of every item: two items with the same key are
    duplicates. People's names are not unique: the artists sheet rightly creates a namesake of an
    existing person when its facts (a birth date) tell them apart, so a person's key has its birth date."""
    out: Counter[Key] = Counter()
    for e in entities:
        if e.get("type") != "item":
            continue
        labels = e.get("labels") or {}
        label = (labels.get("fr") or labels.get("en") or next(iter(labels.values()), {})).get("value", "")
        classes = frozenset(s["mainsnak"]["datavalue"]["value"]["id"] for s in (e.get("claims") or {}).get("P31", [])
                            if s["mainsnak"].get("snaktype") == "value")
        born = ""
        if HUMAN in classes:
            born = ",".join(sorted(str(s["mainsnak"].get("datavalue", {}).get("value", {}).get("time", ""))
                                   for s in (e.get("claims") or {}).get("P569", [])))
        out[(fold(label), classes, born)] += 1
    return out


def wiki_entities(data_dir: Path) -> list[dict[str, Any]]:
    """Every item of the demo's wiki, read from its SQLite file once the demo has stopped it."""
    db = SandboxDB(data_dir / "wiki.sqlite")
    try:
        ids = [r[0] for r in db.conn.execute("SELECT id FROM entities WHERE id LIKE 'Q%' AND redirect_to IS NULL")]
        found, _ = get_entities(db, ids)
        return [stored.entity for stored in found.values()]
    finally:
        db.conn.close()


@pytest.mark.slow
def test_demo_on_a_wiki_without_cirrussearch_creates_no_duplicate(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "demo"
    res = CliRunner().invoke(main, ["demo", "-o", str(out), "--search", "sql"])
    assert res.exit_code == 0, res.output[-3000:]
    # told before reconciling, and why
    assert "n'a pas CirrusSearch" in res.output and "has no CirrusSearch" in res.output
    assert "sensible aux majuscules et aux accents" in res.output and "index local" in res.output
    assert res.output.index("has no CirrusSearch") < res.output.index("MATCH:")
    before = keys(iter_dump(ROOT / "examples" / "kb.jsonl"))
    after = keys(wiki_entities(out / "sandbox"))
    created = sum(after.values()) - sum(before.values())
    assert created > 10  # the demo did create items (its NEW rows)
    duplicated = {k: (before[k], n) for k, n in after.items() if before[k] and n > before[k]}
    assert duplicated == {}, duplicated
