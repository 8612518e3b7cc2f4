"""build_plan and the batch folder, on the entities of tests/data/kb.jsonl (an in-memory reader: no wiki
needed to check merging, ordering, notes, determinism, escaping, approval and summaries)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import KB
from test_push import FESTIVAL, ROUYN, ref, row, st, write_records

from wikiclub.batch.approve import approve, check_approved
from wikiclub.batch.build import build_plan, read_reconciled
from wikiclub.batch.folder import read_batch, write_batch
from wikiclub.batch.journal import Journal
from wikiclub.batch.model import EDITGROUP_LINK, SUMMARY_BUDGET, make_summary
from wikiclub.errors import BatchError, InputError
from wikiclub.escape import md_escape
from wikiclub.model import ItemRef, ItemValue, StringValue, TimeValue

ENTITIES = {e["id"]: e for e in (json.loads(x) for x in KB.read_text("utf-8").splitlines() if x.strip())}


class KbReader:
    """Answers get_entities / search_entities from kb.jsonl, like a wiki that never changes."""

    def __init__(self, extra: dict[str, dict[str, Any]] | None = None) -> None:
        self.entities = {**copy.deepcopy(ENTITIES), **(extra or {})}
        for n, e in enumerate(self.entities.values()):
            e.setdefault("lastrevid", 1000 + n)
        self.calls: list[tuple[str, Any]] = []

    def get_entities(self, ids: Any, *, props: Any = None, languages: Any = None) -> dict[str, dict[str, Any]]:
        ids = list(ids)
        self.calls.append(("get", ids))
        return {i: copy.deepcopy(self.entities.get(i, {"id": i, "missing": ""})) for i in ids}

    def search_entities(self, text: str, *, language: str, type: str = "item", limit: int = 7) -> list[dict[str, Any]]:  # noqa: A002
        self.calls.append(("search", text))
        out = []
        for e in self.entities.values():
            label = e.get("labels", {}).get(language, {}).get("value")
            if label == text:
                out.append({"id": e["id"], "label": label,
                            "description": e.get("descriptions", {}).get(language, {}).get("value", "")})
        return out[:limit]


def plan_of(tmp: Path, rows: list[tuple[str | None, Any]], reader: KbReader | None = None, **kw: Any) -> Any:
    records = read_reconciled(write_records(tmp / "records.jsonl", rows))
    return build_plan(records, reader or KbReader(), site={"name": "t", "api_url": "http://127.0.0.1/w/api.php"},
                      batch_id=kw.pop("batch_id", "2024-05-01-test"), **kw)


def test_rows_on_the_same_item_make_one_edit(tmp_path: Path) -> None:
    a = row(2, "Festival du cinéma international en Abitibi-Témiscamingue",
            st("P1329", "string", StringValue("+1-819-555-0101")))
    b = row(7, "FCIAT", st("P968", "url", StringValue("mailto:a@example.org")))
    plan = plan_of(tmp_path, [(FESTIVAL, a), (FESTIVAL, b)])
    [edit] = plan.edits
    assert {c["property"] for c in _claims(edit)} == {"P1329", "P968"}
    assert [p["source"]["row"] for p in edit.provenance] == [2, 7]
    assert [n["kind"] for n in plan.notes] == ["merged"]
    assert edit.baserevid == KbReader().entities[FESTIVAL]["lastrevid"]


def _claims(edit: Any) -> list[dict[str, Any]]:
    return [c["mainsnak"] for c in edit.data.get("claims", [])]


def test_new_rows_pointing_at_each_other_are_ordered_and_linked(tmp_path: Path) -> None:
    fest = row(2, "Festival Nouveau", st("P276", "wikibase-item", ItemRef("Salle  NOUVELLE")), desc="festival")
    venue = row(3, "Salle nouvelle", st("P131", "wikibase-item", ItemValue(ROUYN)), desc="salle")
    orphan = row(4, "Autre", st("P276", "wikibase-item", ItemRef("Lieu inconnu")), desc="autre")
    twin = row(5, "Salle nouvelle", st("P856", "url", StringValue("https://salle.example/")), desc="salle")
    plan = plan_of(tmp_path, [(None, fest), (None, venue), (None, orphan), (None, twin)])
    labels = [e.label for e in plan.edits]
    assert labels == ["Salle nouvelle", "Festival Nouveau", "Autre"]  # venue first; the twin merged into it
    venue_edit, fest_edit, orphan_edit = plan.edits
    assert fest_edit.depends_on == (venue_edit.edit_id,)
    p276 = _claims(fest_edit)[2]  # after P31, P5008
    assert p276["property"] == "P276" and p276["datavalue"]["value"]["edit_id"] == venue_edit.edit_id
    assert {c["property"] for c in _claims(venue_edit)} == {"P31", "P5008", "P131", "P856"}
    assert "P276" not in {c["property"] for c in _claims(orphan_edit)}
    kinds = sorted(n["kind"] for n in plan.notes)
    assert kinds == ["merged", "unresolved"]
    assert "Lieu inconnu" in next(n["text"] for n in plan.notes if n["kind"] == "unresolved")


def test_planning_is_deterministic_and_creations_found_on_the_wiki_become_edits(tmp_path: Path) -> None:
    rows = [(None, row(2, "Festival Nouveau", st("P571", "time", TimeValue("+2020-00-00T00:00:00Z", 9),
                                                 ref("https://f.example/")), desc="festival"))]
    first, second = plan_of(tmp_path, rows), plan_of(tmp_path, rows)
    assert [e.to_json() for e in first.edits] == [e.to_json() for e in second.edits]
    assert first.meta["editgroup"] == second.meta["editgroup"]
    group = first.meta["editgroup"]
    assert 4 <= len(group) <= 32 and all(ch in "0123456789abcdef" for ch in group)
    # the item exists now (an earlier push made it): the row edits it, and there is nothing left to do
    created = {"id": "Q999001", "type": "item", "labels": {"fr": {"language": "fr", "value": "Festival Nouveau"}},
               "descriptions": {"fr": {"language": "fr", "value": "festival"}}, "aliases": {},
               "claims": {"P5008": [{"mainsnak": first.edits[0].data["claims"][1]["mainsnak"], "id": "Q999001$a",
                                     "rank": "normal", "type": "statement"}],
                          "P571": [{**first.edits[0].data["claims"][2], "id": "Q999001$b"}]}}
    again = plan_of(tmp_path, rows, KbReader({"Q999001": created}))
    assert again.empty and [n["kind"] for n in again.notes] == ["exists"]


def test_missing_target_and_single_value_conflicts_are_notes(tmp_path: Path) -> None:
    rows = [("Q999999", row(2, "Disparu")),
            (FESTIVAL, row(3, "Festival", st("P571", "time", TimeValue("+1990-00-00T00:00:00Z", 9)), focus=None))]
    plan = plan_of(tmp_path, rows)
    assert plan.empty
    assert sorted(n["kind"] for n in plan.notes) == ["conflict", "missing"]
    assert plan.meta["single_value"] == ["P571"] and plan.meta["counts"]["conflicts"] == 1


def test_batch_folder_round_trip_preview_escaping_and_approval(tmp_path: Path) -> None:
    evil = "<script>alert(1)</script> **gras** [lien](javascript:x) | # _"
    plan = plan_of(tmp_path, [(None, row(2, evil, desc="d"))])
    batch = write_batch(plan, tmp_path / "b")
    preview = (batch / "plan.md").read_text("utf-8")
    assert "<script>" not in preview and "&lt;script&gt;" in preview
    assert "**gras**" not in preview and "[lien](" not in preview
    back = read_batch(batch)
    assert [e.to_json() for e in back.edits] == [e.to_json() for e in plan.edits]

    with pytest.raises(BatchError, match="not approved"):
        check_approved(batch)
    approval = approve(batch, "  User:Relectrice ")
    assert approval["by"] == "User:Relectrice"
    assert check_approved(batch)["batch_hash"] == approval["batch_hash"]
    meta = json.loads((batch / "meta.json").read_text("utf-8"))
    meta["overwrite"] = ["labels"]  # a change to meta.json voids the approval too
    (batch / "meta.json").write_text(json.dumps(meta), "utf-8")
    with pytest.raises(BatchError, match="changed since"):
        check_approved(batch)

    Journal(batch).close()  # once pushed, a folder is a record: planning into it again is refused
    with pytest.raises(BatchError, match="already pushed"):
        write_batch(plan, batch)


def test_summary_never_cuts_the_editgroups_link() -> None:
    link = EDITGROUP_LINK.format("0123456789abcdef0123456789abcdef")
    summary = make_summary("é" * 300, list(range(2, 40)), "0123456789abcdef", "0123456789abcdef0123456789abcdef",
                           "create « " + "ü" * 500 + " »: +P31 +P131")
    assert summary.endswith(link)
    assert len(summary.encode("utf-8")) <= SUMMARY_BUDGET
    assert "[wc:0123456789abcdef]" in summary
    short = make_summary("b", [3], "0123456789abcdef", "abcd", "create « X »")
    assert short == "wikiclub b row 3 [wc:0123456789abcdef]: create « X » ([[:toolforge:editgroups/b/CB/abcd|details]])"


def test_bad_reconciled_lines_are_located(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"target": null, "decision": "NEW", "record": {"source": {"file": "x"}}}\n'
                    '{"target": "Bob", "decision": "MATCH", "record": {"source": {"file": "x"}}}\n', "utf-8")
    with pytest.raises(InputError, match="ligne 2"):
        read_reconciled(path)
    path.write_text("not json\n", "utf-8")
    with pytest.raises(InputError, match="ligne 1"):
        read_reconciled(path)


def test_markdown_escape() -> None:
    assert md_escape("a*b_c<d>&\n[e](x) 1.5-2") == r"a\*b\_c&lt;d&gt;&amp; \[e\](x) 1.5-2"
