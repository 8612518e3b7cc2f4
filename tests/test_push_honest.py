"""Push keeps « never a duplicate, never a clobber, never silent » where issue 17 found it broken.

One test per point, against the sandbox (real HTTP, real SQLite, the « saved, then 503 » fault); each
of them failed on the code before the fix (commit 07e7229).
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import Sandbox
from test_push import (
    FESTIVAL,
    ROUYN,
    client,
    entity,
    plan_batch,
    ref,
    row,
    st,
    values,
    wiki,
    write_records,
)
from test_push_faults import all_contribs

from wikiclub.adapters.http import WikiclubSession
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.batch.approve import approve
from wikiclub.batch.folder import read_batch
from wikiclub.batch.journal import iter_journal
from wikiclub.batch.preview import render_preview
from wikiclub.batch.push import PushOptions, push_plan
from wikiclub.cli import main
from wikiclub.credentials import Credentials
from wikiclub.errors import BatchError, RetryableError
from wikiclub.model import ItemValue, StringValue, TimeValue
from wikiclub.sandbox.config import FaultConfig
from wikiclub.sandbox.faults import FaultInjector

CLI = "from wikiclub.cli import main; main()"


@pytest.fixture
def sb(tmp_path: Path) -> Iterator[Sandbox]:
    s = wiki(tmp_path / "wiki", log_path=tmp_path / "requests.jsonl")
    yield s
    s.running.stop()


def new_item(c: WikibaseClient, label: str, **claims: Any) -> dict[str, Any]:
    """An item made by somebody else (the plain account) for a test to plan against."""
    return c.edit_entity({"labels": {"fr": {"language": "fr", "value": label}}, **claims}, new="item",
                         summary="test setup")


def statement(pid: str, datatype: str, datavalue: dict[str, Any]) -> dict[str, Any]:
    return {"mainsnak": {"snaktype": "value", "property": pid, "datatype": datatype, "datavalue": datavalue},
            "type": "statement", "rank": "normal"}


def phone_statement(value: str) -> dict[str, Any]:
    return statement("P1329", "string", {"type": "string", "value": value})


def states(batch: Path) -> list[str]:
    for _ in range(100):
        try:
            return [e.state for e in iter_journal(batch)]
        except sqlite3.OperationalError:  # another process holds the journal's write lock for a moment
            time.sleep(0.01)
    raise AssertionError("the journal stayed locked")


def markers(c: WikibaseClient) -> Counter[str]:
    return Counter(x["comment"].split("[wc:")[-1][:16] for x in all_contribs(c) if "[wc:" in x["comment"])


def cli_env(sb: Sandbox, tmp: Path) -> dict[str, str]:
    return {**os.environ, "WIKICLUB_BOT_USER": sb.admin.name, "WIKICLUB_BOT_PASSWORD": sb.admin.password,
            "WIKICLUB_CONFIG": "", "WIKICLUB_CREDENTIALS_FILE": str(tmp / "none.toml")}


def rewrite_preview(batch: Path) -> None:
    """plan.md as the planner would write it for the folder as it now is."""
    (batch / "plan.md").write_text(render_preview(read_batch(batch)), "utf-8")


def request_log(tmp: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (tmp / "requests.jsonl").read_text("utf-8").splitlines() if x.strip()]


# ---- 1. one push at a time; a patched stale write is checked ------------------------------------------


@pytest.mark.slow
def test_second_push_of_a_running_batch_is_refused_naming_the_first(sb: Sandbox, tmp_path: Path) -> None:
    rows = [(None, row(n, f"Organisme verrou {n}", st("P1329", "string", StringValue(f"+1-819-555-{n:04d}"))))
            for n in range(2, 10)]
    batch = plan_batch(tmp_path / "lock", write_records(tmp_path / "r.jsonl", rows), client(sb, login=False))
    sb.app.faults = FaultInjector(FaultConfig(slow=1.0, slow_seconds=0.15))  # the first push takes a while
    first = subprocess.Popen([sys.executable, "-c", CLI, "push", str(batch), "--site", sb.api_url, "--throttle", "0",
                              "--no-progress"], cwd=tmp_path, env=cli_env(sb, tmp_path),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (batch / "journal.sqlite").exists() or "sent" not in states(batch):
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.02)
        with pytest.raises(BatchError) as busy:
            push_plan(batch, client(sb), PushOptions())
        assert f"pid {first.pid}" in busy.value.message and "depuis / since 20" in busy.value.message
        assert "another push of this batch is running" in busy.value.message
        out, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, err.decode()
    sb.app.faults = None
    assert states(batch) == ["done"] * 8
    assert set(markers(client(sb, login=False)).values()) == {1}  # every edit exactly once


def test_a_patched_stale_write_is_checked_against_what_was_sent(sb: Sandbox, tmp_path: Path) -> None:
    """Somebody adds the same phone number between push's read and its write: Wikibase patches the stale
    write in (warning wikibase-conflict-patched) and the value is now there twice. Push says so."""
    other = client(sb, plain=True)
    wanted = row(4, "Festival", st("P1329", "string", StringValue("+1-819-555-0707")), focus=None)
    batch = plan_batch(tmp_path / "patched", write_records(tmp_path / "r.jsonl", [(FESTIVAL, wanted)]), client(sb))

    class SomebodyElseFirst(WikibaseClient):
        def edit_entity(self, *args: Any, **kw: Any) -> dict[str, Any]:
            if kw.get("entity_id") == FESTIVAL:  # at this very moment, somebody else adds the same value
                cur = entity(other, FESTIVAL)
                other.edit_entity({"claims": [phone_statement("+1-819-555-0707")]}, entity_id=FESTIVAL,
                                  baserevid=cur["lastrevid"], summary="someone else")
            return super().edit_entity(*args, **kw)

    racing = SomebodyElseFirst(sb.api_url, WikiclubSession(timeout=(5.0, 30.0), contact=None), sleep=lambda s: None)
    racing.login(Credentials(sb.admin.name, sb.admin.password, "test"))
    report = push_plan(batch, racing, PushOptions())
    assert values(entity(other, FESTIVAL), "P1329") == ["+1-819-555-0707"] * 2  # what Wikibase did
    assert states(batch) == ["conflict"]
    [found] = report.conflicts_found
    assert "now twice" in found["reason"] and "P1329" in found["reason"]


# ---- 2. every unknown outcome is looked up, « saved, then 503 » included ------------------------------


def test_saved_then_503_is_looked_up_never_sent_again(sb: Sandbox, tmp_path: Path) -> None:
    rows = [(None, row(n, f"Sans description {n}", st("P1329", "string", StringValue(f"+1-819-555-{n:04d}"))))
            for n in range(2, 5)]
    rows.append((FESTIVAL, row(9, "Festival", st("P1329", "string", StringValue("+1-819-555-0909")), focus=None)))
    batch = plan_batch(tmp_path / "late503", write_records(tmp_path / "r.jsonl", rows), client(sb))
    sb.app.faults = FaultInjector(FaultConfig(saved_then_503=1.0, retry_after=0))  # every write: saved, then 503
    report = push_plan(batch, client(sb, max_attempts=3), PushOptions())
    faults = Counter(x.get("fault") for x in request_log(tmp_path))
    sb.app.faults = None
    assert report.ok and report.done == 4 and len(report.created) == 3, report
    assert faults["saved_then_503"] == 4  # one write per edit: none was repeated
    checker = client(sb, login=False)
    assert len(markers(checker)) == 4 and set(markers(checker).values()) == {1}
    assert values(entity(checker, FESTIVAL), "P1329") == ["+1-819-555-0909"]
    assert all("trouvé / outcome unknown, found" in e.detail for e in iter_journal(batch))


# ---- 3. the same rows in a second folder are never created twice --------------------------------------


def test_same_rows_planned_into_two_folders_are_created_once(sb: Sandbox, tmp_path: Path) -> None:
    rows = [(None, row(n, f"Jumeau sans description {n}")) for n in range(2, 12)]  # no description: no
    records = write_records(tmp_path / "r.jsonl", rows)                             # label+description guard
    planner = client(sb, login=False)
    first = plan_batch(tmp_path / "a" / "orgs", records, planner)
    second = plan_batch(tmp_path / "b" / "orgs-again", records, planner)  # planned before the first push
    assert [json.loads(x)["edit_id"] for x in (first / "plan.jsonl").read_text().splitlines()] == \
        [json.loads(x)["edit_id"] for x in (second / "plan.jsonl").read_text().splitlines()]
    pusher = client(sb)
    one = push_plan(first, pusher, PushOptions())
    assert len(one.created) == 10
    before = pusher.requests_made
    two = push_plan(second, pusher, PushOptions())
    assert two.ok and two.done == 10 and len(two.created) == 10
    assert {c["qid"] for c in two.created} == {c["qid"] for c in one.created}  # the same items, found
    assert two.marker_scan_requests == 1  # one look-up for the ten creations, not one each
    assert pusher.requests_made - before == 2  # userinfo + that look-up: nothing written
    assert sum("wbeditentity-create" in x["comment"] for x in all_contribs(planner)) == 10
    assert all("already done by an earlier push" in e.detail for e in iter_journal(second))


# ---- 4. conflicts found while pushing are conflicts --------------------------------------------------


def test_single_value_conflict_found_at_push_time_is_a_conflict(sb: Sandbox, tmp_path: Path, monkeypatch:
                                                                pytest.MonkeyPatch) -> None:
    other = client(sb, plain=True)
    qid = new_item(other, "Salle sans date")["id"]
    wanted = row(2, "Salle sans date", st("P571", "time", TimeValue("+1983-00-00T00:00:00Z", 9)),
                 st("P1329", "string", StringValue("+1-819-555-0404")), focus=None)
    batch = plan_batch(tmp_path / "sv", write_records(tmp_path / "r.jsonl", [(qid, wanted)]), client(sb))
    assert not (batch / "notes.jsonl").read_text().strip()  # no conflict when planned
    cur = entity(other, qid)  # meanwhile somebody gives it another inception date
    other.edit_entity({"claims": [statement("P571", "time", TimeValue("+1982-00-00T00:00:00Z", 9).to_json())]},
                      entity_id=qid, baserevid=cur["lastrevid"], summary="someone else")
    report = push_plan(batch, client(sb), PushOptions())
    after = entity(other, qid)
    assert [v["time"] for v in values(after, "P571")] == ["+1982-00-00T00:00:00Z"]  # theirs kept
    assert values(after, "P1329") == ["+1-819-555-0404"]  # the rest was sent
    assert states(batch) == ["conflict"] and report.done == 0
    [found] = report.conflicts_found
    assert "P571" in found["reason"] and "found while pushing" in found["reason"]
    assert "terminé avec 1 conflit(s)" in (batch / "push-report.md").read_text("utf-8")
    # through the CLI: the exit code says a person must look (nothing is left to send)
    monkeypatch.chdir(tmp_path)
    again = CliRunner(env=cli_env(sb, tmp_path)).invoke(main, ["push", str(batch), "--site", sb.api_url,
                                                               "--throttle", "0", "--no-progress"])
    assert again.exit_code == 3, again.output
    assert "finished with 1 conflict(s) found while pushing" in again.output


# ---- 5. a label a person changed after approval is never overwritten --------------------------------


def test_label_changed_after_approval_is_not_overwritten_even_with_overwrite(sb: Sandbox, tmp_path: Path) -> None:
    other = client(sb, plain=True)
    qid = new_item(other, "Vieux nom")["id"]
    wanted = row(2, "Nouveau nom", st("P1329", "string", StringValue("+1-819-555-0505")), focus=None)
    batch = plan_batch(tmp_path / "ow", write_records(tmp_path / "r.jsonl", [(qid, wanted)]), client(sb),
                       overwrite=frozenset({"labels"}))
    assert "« Vieux nom » → « Nouveau nom »" in (batch / "plan.jsonl").read_text("utf-8")  # what was approved
    cur = entity(other, qid)
    other.edit_entity({"labels": {"fr": {"language": "fr", "value": "Nom corrigé"}}}, entity_id=qid,
                      baserevid=cur["lastrevid"], summary="a person corrects the name")
    report = push_plan(batch, client(sb), PushOptions())
    after = entity(other, qid)
    assert after["labels"]["fr"]["value"] == "Nom corrigé"
    assert values(after, "P1329") == ["+1-819-555-0505"]
    assert states(batch) == ["conflict"]
    assert "not overwritten" in report.conflicts_found[0]["reason"]


# ---- 6. a reference is only added to a statement that still exists -----------------------------------


def test_reference_to_a_statement_removed_meanwhile_recreates_nothing(sb: Sandbox, tmp_path: Path) -> None:
    other = client(sb, plain=True)
    wanted = row(4, "Festival", st("P131", "wikibase-item", ItemValue(ROUYN), ref("https://example.org/source")),
                 st("P1329", "string", StringValue("+1-819-555-0606")), focus=None)
    batch = plan_batch(tmp_path / "ref", write_records(tmp_path / "r.jsonl", [(FESTIVAL, wanted)]), client(sb))
    kinds = [c["kind"] for c in json.loads((batch / "plan.jsonl").read_text("utf-8"))["changes"]]
    assert kinds == ["references", "statement"]  # approved: a reference on the P131 statement that was there
    cur = entity(other, FESTIVAL)
    [p131] = cur["claims"]["P131"]
    other.edit_entity({"claims": [{"id": p131["id"], "remove": ""}]}, entity_id=FESTIVAL,
                      baserevid=cur["lastrevid"], summary="a person removes the statement")
    report = push_plan(batch, client(sb), PushOptions())
    after = entity(other, FESTIVAL)
    assert "P131" not in after["claims"]  # not re-created
    assert values(after, "P1329") == ["+1-819-555-0606"]
    assert states(batch) == ["conflict"]
    assert "was removed or changed by someone" in report.conflicts_found[0]["reason"]


# ---- 7. approval covers what the approver read; push sends only what was approved ---------------------


def test_plan_jsonl_edited_before_approval_is_not_approved(sb: Sandbox, tmp_path: Path) -> None:
    wanted = row(4, "Festival", st("P1329", "string", StringValue("+1-819-555-0199")), focus=None)
    batch = plan_batch(tmp_path / "t", write_records(tmp_path / "r.jsonl", [(FESTIVAL, wanted)]), client(sb),
                       approve_by=None)
    plan = batch / "plan.jsonl"
    plan.write_text(plan.read_text("utf-8").replace("555-0199", "555-0666"), "utf-8")  # plan.md left as it was
    with pytest.raises(BatchError, match="edited by hand"):
        approve(batch, "User:Relectrice")


def test_approval_covers_plan_md_and_notes(sb: Sandbox, tmp_path: Path) -> None:
    wanted = row(4, "Festival", st("P1329", "string", StringValue("+1-819-555-0199")), focus=None)
    batch = plan_batch(tmp_path / "md", write_records(tmp_path / "r.jsonl", [(FESTIVAL, wanted)]), client(sb))
    for name in ("plan.md", "notes.jsonl"):
        path = batch / name
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        with pytest.raises(BatchError, match="changed since"):
            push_plan(batch, client(sb), PushOptions())
        path.write_bytes(original)
    assert not (batch / "journal.sqlite").exists()


def test_replanned_edit_that_adds_something_unapproved_needs_a_new_approval(sb: Sandbox, tmp_path: Path) -> None:
    other = client(sb, plain=True)
    wanted = row(4, "Festival", st("P1329", "string", StringValue("+1-819-555-0808")), focus=None)
    batch = plan_batch(tmp_path / "w", write_records(tmp_path / "r.jsonl", [(FESTIVAL, wanted)]), client(sb),
                       approve_by=None)
    plan = batch / "plan.jsonl"
    line = json.loads(plan.read_text("utf-8"))  # "wanted" is not shown in plan.md: edited unseen
    line["wanted"]["statements"].append(statement("P968", "url", {"type": "string", "value": "mailto:x@example.org"}))
    plan.write_text(json.dumps(line, ensure_ascii=False) + "\n", "utf-8")
    approve(batch, "User:Relectrice")
    cur = entity(other, FESTIVAL)  # the item moves: push plans it again from "wanted"
    other.edit_entity({"labels": {"en": {"language": "en", "value": "Festival (en)"}}}, entity_id=FESTIVAL,
                      baserevid=cur["lastrevid"], summary="someone else")
    report = push_plan(batch, client(sb), PushOptions())
    after = entity(other, FESTIVAL)
    assert "mailto:x@example.org" not in values(after, "P968")
    assert values(after, "P1329") == ["+1-819-555-0808"]
    assert states(batch) == ["conflict"]
    assert "not in what was approved" in report.conflicts_found[0]["reason"]


# ---- 8. Ctrl-C inside a journal commit ----------------------------------------------------------------


def test_ctrl_c_delivered_inside_a_journal_commit(sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [(None, row(n, f"Organisme {n}", desc=f"organisme {n}")) for n in range(2, 6)]
    batch = plan_batch(tmp_path / "sigint", write_records(tmp_path / "r.jsonl", rows), client(sb))

    class SigintAfterCommit(sqlite3.Connection):
        """A real journal connection; SIGINT reaches the process right after its 4th COMMIT returns,
        i.e. inside the journal method, as a Ctrl-C typed at the wrong moment does."""

        commits = 0

        def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
            cursor = super().execute(sql, *args)
            if sql == "COMMIT":
                SigintAfterCommit.commits += 1
                if SigintAfterCommit.commits == 4:
                    os.kill(os.getpid(), signal.SIGINT)
            return cursor

    import wikiclub.batch.journal as journal_module

    monkeypatch.setattr(journal_module.sqlite3, "connect", functools.partial(sqlite3.connect,
                                                                              factory=SigintAfterCommit))
    monkeypatch.chdir(tmp_path)
    result = CliRunner(env=cli_env(sb, tmp_path)).invoke(main, ["push", str(batch), "--site", sb.api_url,
                                                                "--throttle", "0", "--no-progress"])
    monkeypatch.undo()
    assert result.exit_code == 130, (result.output, result.exception)
    assert "Relancez / rerun" in result.output
    md = (batch / "push-report.md").read_text("utf-8")
    assert "interrompu / interrupted" in md
    assert states(batch)[:1] == ["done"]  # the commit that was interrupted is kept, whole
    again = push_plan(batch, client(sb), PushOptions())
    assert again.ok and again.done == 4 and set(markers(client(sb, login=False)).values()) == {1}


# ---- 9. a read that fails while the wiki is down ends the push with its report ------------------------


def test_wiki_down_during_reads_ends_with_the_report_and_rerun_hint(tmp_path: Path) -> None:
    sb = wiki(tmp_path / "wiki")
    rows = [(FESTIVAL, row(4, "Festival", st("P1329", "string", StringValue("+1-819-555-0101")), focus=None)),
            (None, row(2, "Organisme", desc="un organisme"))]
    batch = plan_batch(tmp_path / "down", write_records(tmp_path / "r.jsonl", rows), client(sb))
    pusher = client(sb, max_attempts=2)
    first = push_plan(batch, pusher, PushOptions(limit=1))  # an earlier run left a report
    assert first.done == 1
    sb.running.stop()  # the wiki goes down
    report = push_plan(batch, pusher, PushOptions(resume_command="wikiclub push batches/down --site sb"))
    assert not report.ok and report.stopped and "the wiki is not answering" in report.stopped
    md = (batch / "push-report.md").read_text("utf-8")
    assert "arrêté / stopped" in md and "Relancez / rerun: `wikiclub push batches/down --site sb`" in md
    assert json.loads((batch / "push-report.json").read_text("utf-8"))["stopped"] == report.stopped


# ---- 10. permanent outcomes settle; the site is checked first; conflicts counted once -----------------


def test_deleted_target_and_dependency_on_a_conflict_settle_and_the_batch_finishes(sb: Sandbox,
                                                                                   tmp_path: Path) -> None:
    other = client(sb, plain=True)
    gone = new_item(other, "Élément supprimé")["id"]
    rows = [(gone, row(2, "Élément supprimé", st("P1329", "string", StringValue("+1-819-555-0202")), focus=None)),
            (None, row(3, "Salle prise", desc="salle de spectacle")),
            (None, row(4, "Festival dans la salle", st("P276", "wikibase-item", _ref("salle prise")),
                       desc="festival"))]
    batch = plan_batch(tmp_path / "perm", write_records(tmp_path / "r.jsonl", rows), client(sb))
    admin = client(sb)
    admin.call({"action": "delete", "title": entity(admin, gone)["title"], "token": admin.csrf_token()}, post=True)
    new_item(other, "Salle prise", descriptions={"fr": {"language": "fr", "value": "salle de spectacle"}})
    report = push_plan(batch, admin, PushOptions())
    assert report.ok and not report.failed and not report.resume  # settled: nothing to rerun
    assert states(batch) == ["conflict", "conflict", "conflict"]
    reasons = " | ".join(c["reason"] for c in report.conflicts_found)
    assert "no longer exists" in reasons and "already has this label and description" in reasons
    assert "depends on creating « Salle prise », a conflict" in reasons
    assert len(report.conflicts) == 3
    requests = admin.requests_made
    again = push_plan(batch, admin, PushOptions())  # nothing is tried again
    assert again.ok and admin.requests_made - requests == 1


def _ref(text: str) -> Any:
    from wikiclub.model import ItemRef

    return ItemRef(text)


def test_conflicts_are_counted_once(sb: Sandbox, tmp_path: Path) -> None:
    other = client(sb, plain=True)
    wanted = row(4, "Festival", st("P571", "time", TimeValue("+1983-00-00T00:00:00Z", 9)),
                 st("P1329", "string", StringValue("+1-819-555-0303")), focus=None)
    batch = plan_batch(tmp_path / "once", write_records(tmp_path / "r.jsonl", [(FESTIVAL, wanted)]), client(sb))
    cur = entity(other, FESTIVAL)  # somebody adds the phone number: nothing is left to send
    other.edit_entity({"claims": [phone_statement("+1-819-555-0303")]}, entity_id=FESTIVAL,
                      baserevid=cur["lastrevid"], summary="someone else")
    report = push_plan(batch, client(sb), PushOptions())
    assert len(report.conflicts) == 1 and "P571" in report.conflicts[0]["reason"]  # the plan's, once
    assert states(batch) == ["done"] and not report.conflicts_found
    assert "1 conflit(s) / conflicts" in (batch / "push-report.md").read_text("utf-8")


def test_site_compared_normalised_and_checked_before_login(sb: Sandbox, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    wanted = row(4, "Festival", st("P1329", "string", StringValue("+1-819-555-0111")), focus=None)
    batch = plan_batch(tmp_path / "site", write_records(tmp_path / "r.jsonl", [(FESTIVAL, wanted)]), client(sb))
    meta_path = batch / "meta.json"
    meta = json.loads(meta_path.read_text("utf-8"))
    meta["site"]["api_url"] = sb.api_url.replace("127.0.0.1", "localhost") + "/"  # same wiki, written otherwise
    meta_path.write_text(json.dumps(meta), "utf-8")
    rewrite_preview(batch)
    approve(batch, "User:Relectrice")
    assert push_plan(batch, client(sb), PushOptions()).done == 1

    other = plan_batch(tmp_path / "elsewhere", write_records(tmp_path / "r2.jsonl", [(FESTIVAL, wanted)]),
                       client(sb), approve_by=None)
    meta = json.loads((other / "meta.json").read_text("utf-8"))
    meta["site"]["api_url"] = "https://www.wikidata.org/w/api.php"
    (other / "meta.json").write_text(json.dumps(meta), "utf-8")
    rewrite_preview(other)
    approve(other, "User:Relectrice")
    logged = len(request_log(tmp_path))
    monkeypatch.chdir(tmp_path)
    refused = CliRunner(env=cli_env(sb, tmp_path)).invoke(main, ["push", str(other), "--site", sb.api_url,
                                                                 "--throttle", "0", "--no-progress"])
    assert refused.exit_code == 1 and "batch planned for https://www.wikidata.org/w/api.php" in refused.output
    assert "this wiki calls itself http://127.0.0.1" in refused.output
    assert [x["action"] for x in request_log(tmp_path)[logged:]] == ["query"]  # siteinfo only: no login


# ---- 11. a login that only ever got HTTP 503 says so ---------------------------------------------------


def test_login_answered_503_says_so(sb: Sandbox) -> None:
    sb.app.faults = FaultInjector(FaultConfig(http503=1.0, retry_after=0))
    slept: list[float] = []
    c = WikibaseClient(sb.api_url, WikiclubSession(timeout=(5.0, 30.0), contact=None), sleep=slept.append,
                       max_attempts=3)
    with pytest.raises(RetryableError) as err:
        c.login(Credentials(sb.admin.name, sb.admin.password, "test"))
    assert "HTTP 503" in err.value.message and "login" in err.value.message
    assert "JSONDecode" not in str(err.value)
    assert slept == [0.0, 0.0]  # our back-off, honouring Retry-After, between the three tries
