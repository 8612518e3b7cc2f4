"""Rows flagged as the same entity become one entity: the rule of --apply-review (pure), the flags
themselves, and the whole path on the example sheet against a sandbox (one item, never two)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from test_reconcile_sandbox import DATA, mapped

from wikiclub.adapters.http import make_session
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.config import load_settings
from wikiclub.credentials import Credentials
from wikiclub.reconcile.apply import apply_review, resolve_duplicates
from wikiclub.reconcile.candidates import ApiSource
from wikiclub.reconcile.decide import find_duplicates
from wikiclub.reconcile.model import Decision, Match, RowResult
from wikiclub.reconcile.review import COL_HUMAN, HumanDecision
from wikiclub.reconcile.stage import reconcile_mapped, write_outputs
from wikiclub.sheets.properties import PropertyCatalog

Q = "Q900261"


def res(row: int, decision: Decision, qid: str | None = None, dup: int | None = None) -> RowResult:
    return RowResult(f"s:{row}", row, f"row {row}", Match(decision, qid), duplicate_of=dup)


def hd(row: int, decision: Decision, qid: str | None = None, *, human: bool = False) -> HumanDecision:
    return HumanDecision(f"s:{row}", row, decision, qid, {}, human)


def finals(rows: list[tuple[RowResult, HumanDecision]]) -> dict[int, tuple[str, str | None, str | None]]:
    out = resolve_duplicates([h for _, h in rows], {r.key: r for r, _ in rows})
    return {int(k.split(":")[1]): (f.decision.value, f.qid, f.same_as) for k, f in out.items()}


def test_machine_new_duplicate_joins_the_first_creation() -> None:
    got = finals([(res(2, Decision.NEW), hd(2, Decision.NEW)),
                  (res(5, Decision.NEW, dup=2), hd(5, Decision.NEW)),
                  (res(9, Decision.NEW, dup=5), hd(9, Decision.NEW))])  # a chain is one group
    assert got == {2: ("NEW", None, None), 5: ("NEW", None, "s:2"), 9: ("NEW", None, "s:2")}


def test_duplicate_of_a_match_edits_that_item() -> None:
    got = finals([(res(2, Decision.MATCH, Q), hd(2, Decision.MATCH, Q)), (res(5, Decision.NEW, dup=2), hd(5, Decision.NEW))])
    assert got[5] == ("MATCH", Q, None)
    # the earlier row may be the NEW one: the later MATCH still decides the group's item
    got = finals([(res(2, Decision.NEW), hd(2, Decision.NEW)), (res(5, Decision.MATCH, Q, dup=2), hd(5, Decision.MATCH, Q))])
    assert got[2] == ("MATCH", Q, None)
    # a person's QID on the first row carries the machine NEW duplicate along
    got = finals([(res(2, Decision.NEW), hd(2, Decision.MATCH, "Q900264", human=True)),
                  (res(5, Decision.NEW, dup=2), hd(5, Decision.NEW))])
    assert got[5] == ("MATCH", "Q900264", None)


def test_a_human_decision_on_the_duplicate_row_wins() -> None:
    base = (res(2, Decision.NEW), hd(2, Decision.NEW))
    assert finals([base, (res(5, Decision.NEW, dup=2), hd(5, Decision.MATCH, "Q900264", human=True))])[5] == (
        "MATCH", "Q900264", None)
    assert finals([base, (res(5, Decision.NEW, dup=2), hd(5, Decision.SKIP, human=True))])[5] == ("SKIP", None, None)
    assert finals([base, (res(5, Decision.NEW, dup=2), hd(5, Decision.NEW, human=True))])[5] == ("NEW", None, None)
    # SKIP typed on the first row leaves only that row out: the duplicate is then created alone
    assert finals([(res(2, Decision.NEW), hd(2, Decision.SKIP, human=True)),
                   (res(5, Decision.NEW, dup=2), hd(5, Decision.NEW))])[5] == ("NEW", None, None)


def test_a_new_duplicate_waits_while_its_group_is_undecided() -> None:
    got = finals([(res(2, Decision.REVIEW), hd(2, Decision.REVIEW)), (res(5, Decision.NEW, dup=2), hd(5, Decision.NEW))])
    assert got[5] == ("REVIEW", None, None)  # creating it now could duplicate what row 2 turns out to be
    # a machine MATCH keeps its own item whatever the group
    got = finals([(res(2, Decision.REVIEW), hd(2, Decision.REVIEW)), (res(5, Decision.MATCH, Q, dup=2),
                                                                      hd(5, Decision.MATCH, Q))])
    assert got[5] == ("MATCH", Q, None)


def test_an_unmatched_row_named_like_a_matched_row_is_its_duplicate() -> None:
    keys = [(2, None, "theatre test", ("Q900141",)),        # NEW, same name and place as row 7
            (3, "Q1", "salle a", ("Q900141",)),
            (4, None, "salle a", ("Q900142",)),             # another town: not the same
            (7, "Q2", "theatre test", ("Q900141",)),
            (8, None, "salle a", ("Q900141",))]
    assert find_duplicates(keys) == {7: 2, 8: 3}


# ------------------------------------------------------------------ the whole path on the example sheet


@pytest.fixture(scope="module")
def catalog() -> PropertyCatalog:
    return PropertyCatalog.from_dump(DATA / "kb.jsonl")


def test_example_duplicates_become_one_item_through_review_plan_and_push(kb_sandbox, catalog, tmp_path: Path  # noqa: ANN001
                                                                          ) -> None:
    from wikiclub.batch.approve import approve
    from wikiclub.batch.build import PlanOptions, build_plan, read_reconciled
    from wikiclub.batch.folder import write_batch
    from wikiclub.batch.push import PushOptions, push_plan

    # throttle 0: the sandbox has no rate limit, and the default (6 edits a minute) would sleep 10 s an edit
    settings = load_settings({"site": kb_sandbox.api_url, "throttle": 0}, env={})
    c = WikibaseClient.from_settings(settings, make_session(settings))
    rows = mapped("organismes-culturels.csv", "organismes-culturels.yaml", catalog)
    results = reconcile_mapped(rows, ApiSource(c))
    by_row = {r.row: r for r in results}
    assert by_row[29].entity.decision == by_row[46].entity.decision == Decision.NEW
    assert by_row[46].duplicate_of == 29
    review = tmp_path / "review.csv"
    write_outputs(review, rows, results, item_url=lambda q: "http://127.0.0.1/wiki/" + q)
    summary = apply_review(review, tmp_path / "records.jsonl")
    assert ("46", "29") in summary.merged
    lines = {json.loads(x)["reconcile"]["row"]: json.loads(x) for x in
             (tmp_path / "records.jsonl").read_text("utf-8").splitlines()}
    assert lines[46]["decision"] == "NEW" and lines[46]["reconcile"]["same_as"] == by_row[29].key

    c.login(Credentials(kb_sandbox.admin.name, kb_sandbox.admin.password, "test"))
    site = {"name": "sb", "api_url": c.api_url}
    plan = build_plan(read_reconciled(tmp_path / "records.jsonl"), c, site=site, batch_id="orgs",
                      options=PlanOptions())
    [cine] = [e for e in plan.edits if 29 in [p["source"]["row"] for p in e.provenance]]
    assert cine.creation and [p["source"]["row"] for p in cine.provenance] == [29, 46]
    batch = write_batch(plan, tmp_path / "orgs")
    approve(batch, "User:Test")
    report = push_plan(batch, c, PushOptions())
    assert report.ok and [x["row"] for x in report.created if "Macamic" in x["label"]] == ["29,46"]
    assert len({h["id"] for h in c.search_entities("cine-club", language="fr", limit=50)
                if "Macamic" in str(h.get("label"))}) == 1
    again = build_plan(read_reconciled(tmp_path / "records.jsonl"), c, site=site, batch_id="orgs-again")
    assert not [e for e in again.edits if e.creation], [e.label for e in again.edits]


def test_reviewer_separating_the_duplicate_is_followed(kb_sandbox, catalog, tmp_path: Path) -> None:  # noqa: ANN001
    settings = load_settings({"site": kb_sandbox.api_url}, env={})
    c = WikibaseClient.from_settings(settings, make_session(settings))
    rows = [r for r in mapped("organismes-culturels.csv", "organismes-culturels.yaml", catalog)
            if r.source.row in (29, 46)]
    results = reconcile_mapped(rows, ApiSource(c))
    review = tmp_path / "review.csv"
    write_outputs(review, rows, results, item_url=lambda q: "http://127.0.0.1/wiki/" + q)
    with review.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    table[2][table[0].index(COL_HUMAN)] = "SKIP"  # row 46
    with review.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(table)
    summary = apply_review(review, tmp_path / "records.jsonl")
    assert summary.skipped == ["46"] and summary.written == 1 and not summary.merged

