"""300 entity edits (a third creations) pushed through injected faults: every edit lands exactly once.

Faults (sandbox FaultConfig, seeded): 10 % maxlag, 5 % ratelimited, 5 % HTTP 503, 3 % lost responses
(saved, then the connection is cut), 2 % edit conflicts, one CSRF token expiry. Retry-After is 0 and
the client does not sleep, so the test stays fast.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Sandbox
from test_push import client, plan_batch, row, st, wiki, write_records

from wikiclub.batch.build import build_plan, read_reconciled
from wikiclub.batch.journal import iter_journal
from wikiclub.batch.push import PushOptions, push_plan
from wikiclub.model import MappedRow, StringValue
from wikiclub.sandbox.config import FaultConfig
from wikiclub.sandbox.faults import FaultInjector

KB_ITEMS = [json.loads(x)["id"] for x in (Path(__file__).parent / "data" / "kb.jsonl").read_text("utf-8").splitlines()
            if x.strip() and json.loads(x)["type"] == "item"]


def phone(n: int) -> str:
    return f"+1-819-555-{n:04d}"


def records(n_new: int = 100, n_edit: int = 200) -> list[tuple[str | None, MappedRow]]:
    out: list[tuple[str | None, MappedRow]] = []
    for i in range(n_new):
        out.append((None, row(i + 2, f"Organisme essai {i:03d}", st("P1329", "string", StringValue(phone(i))),
                              desc=f"organisme d'essai numéro {i}")))
    for j, qid in enumerate(KB_ITEMS[:n_edit]):
        out.append((qid, row(n_new + j + 2, f"Élément {qid}", st("P1329", "string", StringValue(phone(5000 + j))),
                             aliases=(f"alias essai {j}",), focus=None)))
    return out


def all_contribs(c: Any, user: str = "Admin") -> list[dict[str, Any]]:
    params: dict[str, Any] = {"action": "query", "list": "usercontribs", "ucuser": user, "uclimit": "500",
                              "ucprop": "ids|title|comment"}
    out: list[dict[str, Any]] = []
    while True:
        answer = c.call(params)
        out += answer["query"]["usercontribs"]
        if "continue" not in answer:
            return out
        params.update(answer["continue"])


@pytest.fixture
def faulty(tmp_path: Path) -> Iterator[Sandbox]:
    sb = wiki(tmp_path / "wiki", log_path=tmp_path / "requests.jsonl")
    yield sb
    sb.running.stop()


@pytest.mark.slow
def test_300_edits_through_faults_land_exactly_once(faulty: Sandbox, tmp_path: Path) -> None:
    sb = faulty
    planner = client(sb, login=False)
    rows = records()
    batch = plan_batch(tmp_path / "faults", write_records(tmp_path / "records.jsonl", rows), planner)
    assert len((batch / "plan.jsonl").read_text(encoding="utf-8").splitlines()) == 300

    # faults from here on (the plan above ran on a healthy wiki)
    sb.app.faults = FaultInjector(FaultConfig(seed=11, maxlag=0.10, ratelimited=0.05, http503=0.05,
                                              lost_response=0.03, editconflict=0.02, token_expiry_after=40,
                                              retry_after=0))
    pusher = client(sb, max_attempts=8)
    report = push_plan(batch, pusher, PushOptions(max_consecutive_failures=20))
    if not report.ok:  # a second push finishes what the first could not: it must still be exactly once
        report = push_plan(batch, pusher, PushOptions(max_consecutive_failures=20))
    assert report.ok, (report.failed[:5], report.stopped)
    assert report.done == 300 and len(report.created) == 100

    log = [json.loads(x) for x in (tmp_path / "requests.jsonl").read_text("utf-8").splitlines()]
    faults = Counter(x["fault"] for x in log if x.get("fault"))
    assert faults["lost_response"] >= 3 and faults["editconflict"] >= 1 and faults["token_expiry"] == 1
    assert faults["maxlag"] > 10 and faults["ratelimited"] > 5 and faults["http503"] > 5

    sb.app.faults = None
    checker = client(sb, login=False)
    journal = {e.edit_id: e for e in iter_journal(batch)}
    assert {e.state for e in journal.values()} == {"done"}

    # 0 duplicate items: exactly 100 creations by the account, one per row, each the journal's QID
    contribs = all_contribs(checker)
    creations = [x for x in contribs if "wbeditentity-create" in x["comment"]]
    assert len(creations) == 100
    created_by_journal = sorted(e.entity_id for e in journal.values() if e.created)
    assert sorted(x["title"].split(":")[-1] for x in creations) == created_by_journal
    entities = checker.get_entities([e.entity_id for e in journal.values()])  # type: ignore[misc]
    for i in range(100):
        label = f"Organisme essai {i:03d}"
        hits = [h for h in checker.search_entities(label, language="fr", limit=5) if h.get("label") == label]
        assert len(hits) == 1, label

    # every edit exactly once: one statement per value, one alias per row
    for e in journal.values():
        ent = entities[e.entity_id]  # type: ignore[index]
        phones = [s["mainsnak"]["datavalue"]["value"] for s in ent["claims"]["P1329"]]
        assert len(phones) == len(set(phones)), (e.entity_id, phones)
        if not e.created:
            aliases = [a["value"] for a in ent["aliases"]["fr"]]
            assert len(aliases) == len(set(aliases))
            assert sum(a.startswith("alias essai") for a in aliases) == 1

    # the journal agrees with the wiki: each recorded revision is the account's edit carrying the marker
    by_rev = {x["revid"]: x for x in contribs}
    for e in journal.values():
        if e.revid is not None:
            contrib = by_rev[e.revid]
            assert f"[wc:{e.edit_id}]" in contrib["comment"]
            assert contrib["title"].split(":")[-1] == e.entity_id
    edits_by_marker = Counter(m for x in contribs for m in [x["comment"].split("[wc:")[-1][:16]] if "[wc:" in x["comment"])
    assert set(edits_by_marker.values()) == {1} and len(edits_by_marker) == 300

    # and planning the same rows again finds nothing to do
    again = build_plan(read_reconciled(tmp_path / "records.jsonl"), checker,
                       site={"name": "sb", "api_url": checker.api_url}, batch_id="again")
    assert again.empty
