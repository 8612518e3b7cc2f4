"""Plan → approve → push against a real sandbox over HTTP: entity JSON, idempotence, stale items,
approval, dry run, summaries, exact decimals, no secrets. Helpers here are shared by the other push tests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import KB, Sandbox, make_sandbox

from wikiclub.adapters.http import WikiclubSession
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.batch.approve import approve
from wikiclub.batch.build import PlanOptions, build_plan, read_reconciled
from wikiclub.batch.folder import write_batch
from wikiclub.batch.journal import iter_journal
from wikiclub.batch.push import PushOptions, push_plan
from wikiclub.credentials import Credentials
from wikiclub.errors import BatchError
from wikiclub.model import (
    ItemRef,
    ItemValue,
    MappedRow,
    QuantityValue,
    Reference,
    Snak,
    SourceRef,
    StatementDraft,
    StringValue,
    TimeValue,
)

FOCUS = "Q900100"
ROUYN = "Q900141"
FESTIVAL = "Q900261"  # has P131 Rouyn, P856 https://www.festivalcinema.ca/, P571 1982 with a reference


# ------------------------------------------------------------------------------------------ helpers


def wiki(tmp: Path, **config: Any) -> Sandbox:
    from wikiclub.sandbox.load import load_dump

    sb = make_sandbox(tmp, **config)
    load_dump(sb.app, KB)
    return sb


def client(sb: Sandbox, *, plain: bool = False, login: bool = True, **kw: Any) -> WikibaseClient:
    c = WikibaseClient(sb.api_url, WikiclubSession(timeout=(5.0, 30.0), contact=None), throttle=None,
                       sleep=lambda s: None, **kw)
    if login:
        account = sb.plain if plain else sb.admin
        c.login(Credentials(account.name, account.password, "test"))
    return c


def ref(url: str, retrieved: str = "+2024-05-01T00:00:00Z") -> Reference:
    return Reference((Snak("P854", "url", StringValue(url)), Snak("P813", "time", TimeValue(retrieved, 11))))


def st(pid: str, datatype: str, value: Any, *refs: Reference, quals: Sequence[Snak] = ()) -> StatementDraft:
    return StatementDraft(Snak(pid, datatype, value), tuple(quals), tuple(refs))


def row(n: int, label: str, *statements: StatementDraft, desc: str | None = None,
        aliases: Iterable[str] = (), instance_of: Sequence[str] = ("Q43229",), focus: str | None = FOCUS,
        file: str = "orgs.csv") -> MappedRow:
    return MappedRow(SourceRef(file, None, n), (("fr", label),), (("fr", desc),) if desc else (),
                     tuple(("fr", a) for a in aliases), tuple(statements), tuple(instance_of), focus_list=focus)


def write_records(path: Path, rows: Iterable[tuple[str | None, MappedRow]]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for target, r in rows:
            fh.write(json.dumps({"target": target, "decision": "MATCH" if target else "NEW",
                                 "record": r.to_json(), "reconcile": {"row": r.source.row}},
                                ensure_ascii=False) + "\n")
    return path


def plan_batch(batch_dir: Path, records: Path, reader: WikibaseClient, *, approve_by: str | None = "User:Test",
               **options: Any) -> Path:
    plan = build_plan(read_reconciled(records), reader, site={"name": "sb", "api_url": reader.api_url},
                      batch_id=batch_dir.name, options=PlanOptions(**options))
    write_batch(plan, batch_dir)
    if approve_by:
        approve(batch_dir, approve_by)
    return batch_dir


def fast(**kw: Any) -> PushOptions:
    return PushOptions(**kw)


def revision_count(sb: Sandbox) -> int:
    return int(sb.app.db.conn.execute("SELECT COUNT(*) FROM revisions").fetchone()[0])


def entity(c: WikibaseClient, qid: str) -> dict[str, Any]:
    return c.get_entities([qid])[qid]


def values(e: dict[str, Any], pid: str) -> list[Any]:
    return [s["mainsnak"]["datavalue"]["value"] for s in e.get("claims", {}).get(pid, [])]


def sample_rows() -> list[tuple[str | None, MappedRow]]:
    """Two creations (the first points at the second, created in the same batch) and one edit."""
    festival = row(2, "Festival Test Bêta", st("P276", "wikibase-item", ItemRef("salle test alpha")),
                   st("P856", "url", StringValue("https://beta.example.org/"), ref("https://beta.example.org/")),
                   desc="festival à Rouyn-Noranda", instance_of=("Q132241",))
    venue = row(3, "Salle Test Alpha", st("P131", "wikibase-item", ItemValue(ROUYN)),
                st("P571", "time", TimeValue("+2001-06-15T00:00:00Z", 11), ref("https://alpha.example.org/")),
                st("P1082", "quantity", QuantityValue(Decimal("0.1") + Decimal("0.2"))),
                desc="salle de spectacle à Rouyn-Noranda", aliases=("Alpha",))
    existing = row(4, "Festival du cinéma international en Abitibi-Témiscamingue",
                   st("P856", "url", StringValue("http://festivalcinema.ca")),  # equal after normalisation
                   st("P571", "time", TimeValue("+1982-00-00T00:00:00Z", 9),  # its reference is there (P813 aside)
                      ref("https://www.festivalcinema.ca/", "+2030-01-01T00:00:00Z")),
                   st("P131", "wikibase-item", ItemValue(ROUYN), ref("https://example.org/source")),  # + reference
                   st("P1329", "string", StringValue("+1-819-555-0199")),  # new statement
                   desc="autre description", aliases=("FCIAT", "Festival de cinéma de R-N"))
    return [(None, festival), (None, venue), (FESTIVAL, existing)]


# ------------------------------------------------------------------------------------------ tests


@pytest.fixture
def sb(tmp_path: Path) -> Iterable[Sandbox]:
    s = wiki(tmp_path / "wiki", log_path=tmp_path / "requests.jsonl")
    yield s
    s.running.stop()


def test_batch_lands_with_expected_json_and_replan_is_empty(sb: Sandbox, tmp_path: Path) -> None:
    c = client(sb)
    records = write_records(tmp_path / "records.jsonl", sample_rows())
    before = entity(c, FESTIVAL)
    batch = plan_batch(tmp_path / "b1", records, c)
    plan_lines = [json.loads(x) for x in (batch / "plan.jsonl").read_text("utf-8").splitlines()]
    # the venue is created first because the festival points at it
    assert [p["label"] for p in plan_lines] == ["Salle Test Alpha", "Festival Test Bêta",
                                                "Festival du cinéma international en Abitibi-Témiscamingue"]
    report = push_plan(batch, c, fast())
    assert report.ok and report.done == 3 and len(report.created) == 2

    venue_q, fest_q = report.created[0]["qid"], report.created[1]["qid"]
    venue, fest = entity(c, venue_q), entity(c, fest_q)
    assert venue["labels"]["fr"]["value"] == "Salle Test Alpha"
    assert venue["descriptions"]["fr"]["value"] == "salle de spectacle à Rouyn-Noranda"
    assert [a["value"] for a in venue["aliases"]["fr"]] == ["Alpha"]
    assert [v["id"] for v in values(venue, "P31")] == ["Q43229"]
    assert [v["id"] for v in values(venue, "P5008")] == [FOCUS]
    assert values(venue, "P1082") == [{"amount": "+0.3", "unit": "1"}]  # Decimal, never float (0.30000000000000004)
    p571 = venue["claims"]["P571"][0]
    assert p571["mainsnak"]["datavalue"]["value"]["time"] == "+2001-06-15T00:00:00Z"
    assert p571["references"][0]["snaks"]["P854"][0]["datavalue"]["value"] == "https://alpha.example.org/"
    assert [v["id"] for v in values(fest, "P276")] == [venue_q]  # resolved to the QID created in the batch
    assert [v["id"] for v in values(fest, "P31")] == ["Q132241"]

    after = entity(c, FESTIVAL)
    assert after["descriptions"] == before["descriptions"]  # never overwritten
    assert after["labels"] == before["labels"]
    assert [a["value"] for a in after["aliases"]["fr"]] == ["FCIAT", "Festival du cinéma de Rouyn-Noranda",
                                                            "Festival de cinéma de R-N"]
    assert values(after, "P856") == values(before, "P856")
    assert after["claims"]["P571"] == before["claims"]["P571"]
    p131 = after["claims"]["P131"]
    assert len(p131) == 1 and len(p131[0]["references"]) == 1
    assert p131[0]["id"] == before["claims"]["P131"][0]["id"]
    assert values(after, "P1329") == ["+1-819-555-0199"]
    for other in ("P31", "P17", "P276", "P101", "P213", "P968", "P1448", "P5008"):
        assert after["claims"].get(other) == before["claims"].get(other)

    journal = list(iter_journal(batch))
    assert [e.state for e in journal] == ["done"] * 3
    assert {e.entity_id for e in journal} == {venue_q, fest_q, FESTIVAL}
    assert (batch / "created.csv").read_text("utf-8").count("\n") == 3

    # planning again from the same records finds nothing to do; pushing again sends nothing
    again = build_plan(read_reconciled(records), c, site={"name": "sb", "api_url": c.api_url}, batch_id="b2")
    assert again.empty, [e.changes for e in again.edits]
    sent_before = c.requests_made
    report2 = push_plan(batch, c, fast())
    assert report2.done == 3 and c.requests_made - sent_before == 1  # the userinfo only


def test_same_records_planned_twice_give_the_same_batch(sb: Sandbox, tmp_path: Path) -> None:
    c = client(sb, login=False)
    records = write_records(tmp_path / "records.jsonl", sample_rows())
    a = plan_batch(tmp_path / "same", records, c, approve_by=None)
    first = (a / "plan.jsonl").read_bytes()
    (a / "meta.json").unlink()
    (a / "plan.jsonl").unlink()
    plan_batch(tmp_path / "same", records, c, approve_by=None)
    assert (a / "plan.jsonl").read_bytes() == first
    editgroup = json.loads((a / "meta.json").read_text())["editgroup"]
    assert all(f"editgroups/b/CB/{editgroup}|details]])" in json.loads(x)["summary"]
               for x in first.decode().splitlines())


def test_stale_item_is_replanned_without_losing_the_other_users_edit(sb: Sandbox, tmp_path: Path) -> None:
    c = client(sb)
    other = client(sb, plain=True)
    wanted = row(4, "Festival du cinéma international en Abitibi-Témiscamingue",
                 st("P1329", "string", StringValue("+1-819-555-0199")),
                 st("P968", "url", StringValue("mailto:nouveau@example.org")),
                 st("P131", "wikibase-item", ItemValue(ROUYN), ref("https://example.org/source")))
    batch = plan_batch(tmp_path / "stale", write_records(tmp_path / "r.jsonl", [(FESTIVAL, wanted)]), c)
    planned = json.loads((batch / "plan.jsonl").read_text())
    # meanwhile somebody adds the same phone number, a label in English and a reference of their own
    cur = entity(other, FESTIVAL)
    p131 = cur["claims"]["P131"][0]
    p131["references"] = [{"snaks": {"P854": [{"snaktype": "value", "property": "P854", "datatype": "url",
                                               "datavalue": {"type": "string", "value": "https://autre.example/"}}]}}]
    other.edit_entity({"claims": [p131, {"mainsnak": {"snaktype": "value", "property": "P1329", "datatype": "string",
                                                      "datavalue": {"type": "string", "value": "+1-819-555-0199"}},
                                         "type": "statement", "rank": "normal"}],
                       "labels": {"en": {"language": "en", "value": "AT International Film Festival (changed)"}}},
                      entity_id=FESTIVAL, baserevid=cur["lastrevid"], summary="someone else")
    report = push_plan(batch, c, fast())
    assert report.ok and report.done == 1
    after = entity(c, FESTIVAL)
    assert after["lastrevid"] != planned["baserevid"]
    assert values(after, "P1329") == ["+1-819-555-0199"]  # not duplicated
    assert "mailto:nouveau@example.org" in values(after, "P968")
    assert after["labels"]["en"]["value"] == "AT International Film Festival (changed)"  # kept
    refs = [r["snaks"]["P854"][0]["datavalue"]["value"] for r in after["claims"]["P131"][0]["references"]]
    assert refs == ["https://autre.example/", "https://example.org/source"]  # theirs kept, ours added


def test_single_value_conflict_is_left_for_a_human(sb: Sandbox, tmp_path: Path) -> None:
    c = client(sb)
    wanted = row(4, "Festival du cinéma international en Abitibi-Témiscamingue",
                 st("P571", "time", TimeValue("+1983-00-00T00:00:00Z", 9)),
                 st("P1329", "string", StringValue("+1-819-555-0100")))
    batch = plan_batch(tmp_path / "sv", write_records(tmp_path / "r.jsonl", [(FESTIVAL, wanted)]), c)
    notes = [json.loads(x) for x in (batch / "notes.jsonl").read_text().splitlines()]
    assert [n["kind"] for n in notes] == ["conflict"] and notes[0]["conflict"]["property"] == "P571"
    assert "P571" in (batch / "plan.md").read_text()
    report = push_plan(batch, c, fast())
    after = entity(c, FESTIVAL)
    assert [v["time"] for v in values(after, "P571")] == ["+1982-00-00T00:00:00Z"]
    assert values(after, "P1329") == ["+1-819-555-0100"]
    assert len(report.conflicts) == 1 and "P571" in report.conflicts[0]["reason"]


def test_unapproved_or_modified_batch_is_refused(sb: Sandbox, tmp_path: Path) -> None:
    c = client(sb)
    records = write_records(tmp_path / "records.jsonl", sample_rows())
    batch = plan_batch(tmp_path / "b", records, c, approve_by=None)
    with pytest.raises(BatchError, match="not approved"):
        push_plan(batch, c, fast())
    approve(batch, "User:Reviewer")
    plan = (batch / "plan.jsonl").read_text("utf-8")
    (batch / "plan.jsonl").write_text(plan.replace("Salle Test Alpha", "Salle Test Gamma"), "utf-8")
    with pytest.raises(BatchError, match="changed since"):
        push_plan(batch, c, fast())
    assert not (batch / "journal.sqlite").exists()
    assert c.get_entities([FESTIVAL])[FESTIVAL]["lastrevid"] == entity(c, FESTIVAL)["lastrevid"]


def test_dry_run_changes_nothing(sb: Sandbox, tmp_path: Path) -> None:
    c = client(sb)
    batch = plan_batch(tmp_path / "dry", write_records(tmp_path / "records.jsonl", sample_rows()), c)

    def snapshot() -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(batch.iterdir())}

    files = snapshot()
    revs = revision_count(sb)
    before = entity(c, FESTIVAL)["lastrevid"]
    report = push_plan(batch, c, fast(dry_run=True))
    assert report.dry_run and len(report.would_send) == 3
    assert snapshot() == files  # not even a journal
    assert entity(c, FESTIVAL)["lastrevid"] == before
    assert c.search_entities("Salle Test Alpha", language="fr") == []
    assert revision_count(sb) == revs


def test_longest_summary_keeps_the_editgroups_link(sb: Sandbox, tmp_path: Path) -> None:
    c = client(sb)
    label = "Théâtre « très » long — " + "é" * 200  # 2 bytes a character: 400+ bytes of label
    rows = [(None, row(n, label if n == 2 else f"Autre {n}", desc=f"description {n}", file="f.csv"))
            for n in range(2, 3)]
    long_id = "2024-05-01-" + "x" * 120
    batch = plan_batch(tmp_path / long_id, write_records(tmp_path / "r.jsonl", rows), c)
    report = push_plan(batch, c, fast())
    qid = report.created[0]["qid"]
    contribs = c.user_contribs("Admin", limit=5)
    comment = next(x["comment"] for x in contribs if x["title"].endswith(qid))
    editgroup = json.loads((batch / "meta.json").read_text())["editgroup"]
    assert comment.endswith(f"([[:toolforge:editgroups/b/CB/{editgroup}|details]])")
    assert len(comment) <= 500 and len(comment.encode("utf-8")) <= 500
    assert 4 <= len(editgroup) <= 32 and editgroup == editgroup.lower()


def test_no_secret_reaches_the_batch_folder(sb: Sandbox, tmp_path: Path) -> None:
    c = client(sb)
    batch = plan_batch(tmp_path / "secret", write_records(tmp_path / "records.jsonl", sample_rows()), c)
    push_plan(batch, c, fast())
    token = c.csrf_token()
    for path in batch.iterdir():
        data = path.read_bytes()
        assert sb.admin.password.encode() not in data, path
        assert token.encode() not in data, path
        assert b"wikidb_session" not in data


def test_limit_and_resume(sb: Sandbox, tmp_path: Path) -> None:
    c = client(sb)
    batch = plan_batch(tmp_path / "lim", write_records(tmp_path / "records.jsonl", sample_rows()), c)
    first = push_plan(batch, c, fast(limit=1))
    assert first.done == 1 and first.pending == 2
    second = push_plan(batch, c, fast())
    assert second.done == 3 and second.pending == 0 and len(second.created) == 2
    assert len({e.entity_id for e in iter_journal(batch)}) == 3


def test_stops_after_consecutive_failures_then_resumes(sb: Sandbox, tmp_path: Path) -> None:
    from wikiclub.sandbox.config import FaultConfig
    from wikiclub.sandbox.faults import FaultInjector

    rows = [(None, row(n, f"Organisme {n}", desc=f"organisme {n}")) for n in range(2, 10)]
    batch = plan_batch(tmp_path / "stop", write_records(tmp_path / "r.jsonl", rows), client(sb))
    sb.app.faults = FaultInjector(FaultConfig(ratelimited=1.0, retry_after=0))  # every write refused
    report = push_plan(batch, client(sb, max_attempts=1), fast(max_consecutive_failures=3, attempts_per_edit=2))
    assert not report.ok and report.stopped and "3" in report.stopped
    assert len(report.failed) == 3 and report.pending == 5 and report.done == 0
    assert "ratelimited" in report.failed[0]["reason"] or "failed-save" in report.failed[0]["reason"]
    assert "arrêté / stopped" in (batch / "push-report.md").read_text("utf-8")
    sb.app.faults = None
    again = push_plan(batch, client(sb), fast())
    assert again.ok and again.done == 8 and len(again.created) == 8


def test_someone_else_created_the_same_item_first(sb: Sandbox, tmp_path: Path) -> None:
    c = client(sb)
    rows = [(None, row(2, "Salle Test Alpha", desc="salle de spectacle à Rouyn-Noranda"))]
    batch = plan_batch(tmp_path / "dup", write_records(tmp_path / "r.jsonl", rows), c)
    theirs = client(sb, plain=True).edit_entity(
        {"labels": {"fr": {"language": "fr", "value": "Salle Test Alpha"}},
         "descriptions": {"fr": {"language": "fr", "value": "salle de spectacle à Rouyn-Noranda"}}},
        new="item", summary="someone else")
    report = push_plan(batch, c, fast())
    assert report.created == [] and len(report.conflicts) == 1
    assert theirs["id"] in report.conflicts[0]["reason"]
    assert [h["id"] for h in c.search_entities("Salle Test Alpha", language="fr")] == [theirs["id"]]


def test_batch_for_another_site_is_refused(sb: Sandbox, tmp_path: Path) -> None:
    c = client(sb)
    batch = plan_batch(tmp_path / "site", write_records(tmp_path / "r.jsonl", sample_rows()), c)
    meta = json.loads((batch / "meta.json").read_text("utf-8"))
    meta["site"]["api_url"] = "http://127.0.0.1:1/w/api.php"
    (batch / "meta.json").write_text(json.dumps(meta), "utf-8")
    with pytest.raises(BatchError, match="planned for"):
        push_plan(batch, c, fast())


def _records(path: Path, rows: Iterable[tuple[str | None, MappedRow, dict[str, Any]]]) -> Path:
    """Reconciled lines with their reconcile provenance (``key``, ``same_as``), as --apply-review writes them."""
    with path.open("w", encoding="utf-8") as fh:
        for target, r, rec in rows:
            fh.write(json.dumps({"target": target, "decision": "MATCH" if target else "NEW", "record": r.to_json(),
                                 "reconcile": {"row": r.source.row, **rec}}, ensure_ascii=False) + "\n")
    return path


def _items_named(c: WikibaseClient, *texts: str) -> set[str]:
    """Items found by the wiki's own search (labels and aliases, case and accents aside) for ``texts``."""
    return {str(h["id"]) for t in texts for h in c.search_entities(t, language="fr", limit=50)}


def test_duplicate_rows_make_one_item_each_and_replan_is_empty(sb: Sandbox, tmp_path: Path) -> None:
    c = client(sb)
    first = row(29, "Ciné-club Test", st("P131", "wikibase-item", ItemValue(ROUYN)), desc="ciné-club à Rouyn-Noranda")
    dup = row(46, "Cine-club Test", st("P856", "url", StringValue("https://cine.example.org/"),
                                       ref("https://cine.example.org/")),
              desc="autre description", aliases=("CCT",))
    twin_a = row(50, "Salle Jumelle", desc="salle à Rouyn-Noranda")  # discovered at plan time only:
    twin_b = row(51, "salle  jumelle", st("P571", "time", TimeValue("+2001-00-00T00:00:00Z", 9)),
                 desc="Salle à Rouyn-Noranda")  # same label + description, case and spaces aside
    on_item = row(4, "Festival du cinéma international en Abitibi-Témiscamingue",
                  st("P1329", "string", StringValue("+1-819-555-0199")))
    dup_of_match = row(9, "Festival cinéma Abitibi", st("P968", "url", StringValue("mailto:dup@example.org")))
    records = _records(tmp_path / "records.jsonl", [
        (None, first, {"key": "s:29"}),
        (None, dup, {"key": "s:46", "duplicate_of": 29, "same_as": "s:29"}),
        (FESTIVAL, on_item, {"key": "s:4"}),
        (None, twin_a, {"key": "s:50"}),
        (FESTIVAL, dup_of_match, {"key": "s:9", "duplicate_of": 4, "joined_row": 4}),  # apply made it a MATCH
        (None, twin_b, {"key": "s:51"}),
    ])
    batch = plan_batch(tmp_path / "dups", records, c)
    plan_lines = [json.loads(x) for x in (batch / "plan.jsonl").read_text("utf-8").splitlines()]
    assert len(plan_lines) == 3  # one creation per entity, one edit of the festival
    assert sorted(sorted(p["source"]["row"] for p in e["provenance"]) for e in plan_lines) == [[4, 9], [29, 46],
                                                                                               [50, 51]]
    preview = (batch / "plan.md").read_text("utf-8")
    assert "row 46 is row 29's new item, created once" in preview
    assert "row 51 is row 50's new item" in preview and "row 9 edits the same item as row 4" in preview

    report = push_plan(batch, c, fast())
    assert report.ok and report.done == 3 and len(report.created) == 2
    assert len(_items_named(c, "Ciné-club Test", "Cine-club Test")) == 1
    assert len(_items_named(c, "Salle Jumelle", "salle jumelle")) == 1
    cine = entity(c, next(iter(_items_named(c, "Ciné-club Test"))))
    assert cine["labels"]["fr"]["value"] == "Ciné-club Test"  # the first row's label and description
    assert cine["descriptions"]["fr"]["value"] == "ciné-club à Rouyn-Noranda"
    assert [a["value"] for a in cine["aliases"]["fr"]] == ["Cine-club Test", "CCT"]  # the duplicate's name kept
    assert [v["id"] for v in values(cine, "P131")] == [ROUYN] and values(cine, "P856") == ["https://cine.example.org/"]
    assert len(cine["claims"]["P31"]) == 1 and len(cine["claims"]["P5008"]) == 1  # wanted by both rows, sent once
    fest = entity(c, FESTIVAL)
    assert values(fest, "P1329") == ["+1-819-555-0199"] and values(fest, "P968")[-1] == "mailto:dup@example.org"

    again = build_plan(read_reconciled(records), c, site={"name": "sb", "api_url": c.api_url}, batch_id="again")
    assert again.empty, [e.changes for e in again.edits]


def test_dates_of_other_precisions_plan_push_and_replan(sb: Sandbox, tmp_path: Path) -> None:
    """The sheet's 1982-06 where the wiki has 1982 on single-value P571: a conflict, nothing sent. The
    sheet's 1982 where the wiki has 1982-06-15 (P576, no constraint): already there, a less-precise
    note. The sheet's 1990-05-01 where the wiki has 1990 on P585: added next to it (more-precise note).
    Planning twice gives the same batch; planning after the push gives an empty one."""
    c = client(sb)
    c.edit_entity({"claims": [
        {"mainsnak": {"snaktype": "value", "property": p, "datatype": "time", "datavalue": TimeValue(t, pr).to_json()},
         "type": "statement", "rank": "normal"}
        for p, t, pr in (("P576", "+1982-06-15T00:00:00Z", 11), ("P585", "+1990-00-00T00:00:00Z", 9))]},
        entity_id=FESTIVAL, summary="test setup")
    wanted = row(4, "Festival du cinéma international en Abitibi-Témiscamingue",
                 st("P571", "time", TimeValue("+1982-06-00T00:00:00Z", 10)),
                 st("P576", "time", TimeValue("+1982-00-00T00:00:00Z", 9), ref("https://example.org/s")),
                 st("P585", "time", TimeValue("+1990-05-01T00:00:00Z", 11)), focus=None)
    records = write_records(tmp_path / "r.jsonl", [(FESTIVAL, wanted)])
    batch = plan_batch(tmp_path / "dates", records, c)
    again = plan_batch(tmp_path / "again" / "dates", records, c, approve_by=None)
    assert (batch / "plan.jsonl").read_bytes() == (again / "plan.jsonl").read_bytes()  # same batch
    notes = [json.loads(x) for x in (batch / "notes.jsonl").read_text("utf-8").splitlines()]
    assert sorted(n["kind"] for n in notes) == ["conflict", "less-precise", "more-precise"]
    conflict = next(n for n in notes if n["kind"] == "conflict")
    assert conflict["conflict"]["wanted"] == "1982-06" and conflict["conflict"]["existing"] == ["1982"]
    [edit] = [json.loads(x) for x in (batch / "plan.jsonl").read_text("utf-8").splitlines()]
    assert [s["mainsnak"]["property"] for s in edit["data"]["claims"]] == ["P585"]
    md = (batch / "plan.md").read_text("utf-8")
    assert "date de dissolution, de démolition ou de destruction (P576): feuille / sheet 1982, le wiki a déjà" in md

    report = push_plan(batch, c, fast())
    assert report.done == 1 and len(report.conflicts) == 1
    after = entity(c, FESTIVAL)
    assert [v["time"] for v in values(after, "P571")] == ["+1982-00-00T00:00:00Z"]  # untouched
    assert [v["time"] for v in values(after, "P576")] == ["+1982-06-15T00:00:00Z"]  # nothing added
    assert [(v["time"], v["precision"]) for v in values(after, "P585")] == [
        ("+1990-00-00T00:00:00Z", 9), ("+1990-05-01T00:00:00Z", 11)]  # the coarse value stays
    replan = build_plan(read_reconciled(records), c, site={"name": "sb", "api_url": c.api_url}, batch_id="x")
    assert replan.empty and [n["kind"] for n in replan.notes] == ["conflict", "less-precise"]


def test_ctrl_c_writes_the_report_then_resume_finishes(sb: Sandbox, tmp_path: Path) -> None:
    from wikiclub.batch.push import PushInterrupted

    c = client(sb)
    batch = plan_batch(tmp_path / "int", write_records(tmp_path / "records.jsonl", sample_rows()), c)

    def ctrl_c(event: Any) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as caught:  # still a KeyboardInterrupt for any caller
        push_plan(batch, c, fast(), on_event=ctrl_c)
    assert isinstance(caught.value, PushInterrupted)
    report = caught.value.report
    assert report.interrupted and report.done == 1 and report.pending == 2 and not report.ok
    assert [w["state"] for w in report.waiting] == ["pending", "pending"]
    md = (batch / "push-report.md").read_text("utf-8")
    assert "interrompu / interrupted" in md and "1 fait(s) / done" in md and "2 en attente / pending" in md
    assert f"Relancez / rerun: `wikiclub push {batch} --site {c.api_url}`" in md
    assert "## En attente / pending" in md and "Festival Test Bêta" in md
    saved = json.loads((batch / "push-report.json").read_text("utf-8"))
    assert saved["interrupted"] and saved["resume"].startswith("wikiclub push")
    assert [e.state for e in iter_journal(batch)] == ["done", "pending", "pending"]

    again = push_plan(batch, c, fast())
    assert again.ok and again.done == 3 and not again.interrupted and not again.resume and not again.waiting
    assert "interrompu" not in (batch / "push-report.md").read_text("utf-8")
    assert len(again.created) == 2



def test_ctrl_c_while_a_write_is_in_flight_is_looked_up_on_resume(sb: Sandbox, tmp_path: Path) -> None:
    """Ctrl-C after the request left but before its answer was read: the journal says sent, the report
    says so, and the next push finds the edit in the contributions instead of sending it again."""
    from wikiclub.batch.push import PushInterrupted

    c = client(sb)
    batch = plan_batch(tmp_path / "inflight", write_records(tmp_path / "records.jsonl", sample_rows()), c)

    class CtrlCAfterSending(WikibaseClient):
        def edit_entity(self, *args: Any, **kw: Any) -> dict[str, Any]:
            super().edit_entity(*args, **kw)  # it lands on the wiki…
            raise KeyboardInterrupt  # …and the answer is never read

    interrupting = CtrlCAfterSending(sb.api_url, WikiclubSession(timeout=(5.0, 30.0), contact=None), throttle=None, sleep=lambda s: None)
    interrupting.login(Credentials(sb.admin.name, sb.admin.password, "test"))
    with pytest.raises(PushInterrupted) as caught:
        push_plan(batch, interrupting, fast(resume_command="wikiclub push batches/x --site sandbox"))
    report = caught.value.report
    assert [w["state"] for w in report.waiting] == ["sent", "pending", "pending"]
    md = (batch / "push-report.md").read_text("utf-8")
    assert "Relancez / rerun: `wikiclub push batches/x --site sandbox`" in md
    assert "1 envoi(s) sans réponse / sent without an answer" in md and "sent, outcome unknown" in md
    revisions = revision_count(sb)

    again = push_plan(batch, c, fast())
    assert again.ok and again.done == 3 and len(again.created) == 2
    assert revision_count(sb) == revisions + 2  # the in-flight creation was found, not sent again
    assert len(_items_named(c, "Salle Test Alpha")) == 1
