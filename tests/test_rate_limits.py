"""The wiki's rate limits, like the real one (issue 11): a plain account limited to 8 edits per window,
which Wikibase's id generator inherits. The sandbox's window is short here (1.5 s instead of 60 s):
the same logic, without waiting minutes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Sandbox, make_sandbox
from test_push import client, plan_batch, row, write_records

from wikiclub.adapters.http import WikiclubSession
from wikiclub.adapters.waits import RateLimit, RatePacer, WaitEvent, WaitTally, parse_ratelimits
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.cli import main
from wikiclub.credentials import Credentials

WINDOW = 1.5


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Sandbox]:
    sb = make_sandbox(tmp_path / "wiki", rate_limits={"edit": {"user": (8, WINDOW)}})
    yield sb
    sb.running.stop()


def test_push_of_30_creations_as_a_plain_account_finishes_in_one_run_showing_each_wait(
        limited: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    records = write_records(tmp_path / "records.jsonl",
                            [(None, row(n, f"Troupe d'essai {n}", focus=None, instance_of=())) for n in range(2, 32)])
    batch = plan_batch(tmp_path / "batch", records, client(limited, login=False))
    env = {"WIKICLUB_BOT_USER": limited.plain.name, "WIKICLUB_BOT_PASSWORD": limited.plain.password,
           "WIKICLUB_CONFIG": "", "WIKICLUB_CREDENTIALS_FILE": str(tmp_path / "none.toml")}
    res = CliRunner(env=env).invoke(main, ["push", str(batch), "--site", limited.api_url, "--throttle", "0",
                                           "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "30 fait(s) / done" in res.output and "30 créé(s) / created" in res.output
    waits = [line for line in res.output.splitlines() if line.startswith("attente / waiting")]
    # 30 creations, 8 per window: the push waits before the 9th, 17th and 25th, each time saying why
    assert len(waits) >= 3, res.output
    assert all("limite de débit du wiki / wiki rate limit" in w and f"8 / {WINDOW} s" in w for w in waits)
    assert "avant refus / before being refused" in waits[0]
    assert "Attentes / waits:" in res.output and "× limite de débit du wiki / wiki rate limit" in res.output
    created = limited.app.db.conn.execute("SELECT COUNT(*) FROM entities WHERE id LIKE 'Q%'").fetchone()[0]
    assert created == 30


def test_a_refused_creation_is_waited_out_and_sent_again(limited: Sandbox) -> None:
    """Without the limits read first, the 9th creation is refused (no-automatic-entity-id, no Retry-After):
    the client waits, announcing it as a refused rate-limited attempt, and the creation then goes through."""
    events: list[WaitEvent] = []

    def sleep(seconds: float) -> None:
        time.sleep(min(seconds, WINDOW + 0.2))  # the unknown window is assumed 60 s; this one is shorter

    c = WikibaseClient(limited.api_url, WikiclubSession(timeout=(5.0, 30.0), contact=None), sleep=sleep)
    c.on_wait(events.append)
    c.login(Credentials(limited.plain.name, limited.plain.password, "test"))
    ids = [c.edit_entity({"labels": {"fr": {"language": "fr", "value": f"Essai {n}"}}}, new="item",
                         summary="t")["id"] for n in range(9)]
    assert len(set(ids)) == 9
    refused = [e for e in events if e.refused]
    assert refused and refused[0].code == "no-automatic-entity-id" and refused[0].kind == "ratelimit"
    assert refused[0].seconds == 60.0 and "refusé / refused (no-automatic-entity-id)" in refused[0].text()


def test_userinfo_reads_the_limits_and_paces_before_the_refusal(limited: Sandbox) -> None:
    events: list[WaitEvent] = []
    c = WikibaseClient(limited.api_url, WikiclubSession(timeout=(5.0, 30.0), contact=None), sleep=time.sleep)
    c.on_wait(events.append)
    c.login(Credentials(limited.plain.name, limited.plain.password, "test"))
    info = c.userinfo()
    assert RateLimit("wikibase-idgenerator", 8, WINDOW, "user") in info.ratelimits
    for n in range(9):
        c.edit_entity({"labels": {"fr": {"language": "fr", "value": f"Essai {n}"}}}, new="item", summary="t")
    assert [e.kind for e in events] == ["ratelimit"] and not events[0].refused
    assert 0 < events[0].seconds <= WINDOW


def test_pacer_counts_fixed_windows_like_mediawiki() -> None:
    now = [0.0]
    pacer = RatePacer(clock=lambda: now[0])
    pacer.configure(parse_ratelimits({"edit": {"user": {"hits": 2, "seconds": 60}, "newbie": {"hits": 1,
                                                                                          "seconds": 60}},
                                      "move": {"user": {"hits": 8, "seconds": 60}}}))
    assert pacer.limits["edit"].hits == 1  # the strictest category applies
    assert pacer.delay(["edit"]) == (0.0, None)
    pacer.hit(["edit"])
    now[0] = 20.0
    seconds, limit = pacer.delay(["edit", "wikibase-idgenerator"])
    assert seconds == 40.0 and limit is not None and limit.action == "edit"
    now[0] = 60.0
    assert pacer.delay(["edit"])[0] == 0.0  # a new window
    assert pacer.refused(["edit"])[0] == 60.0 and pacer.delay(["edit"])[0] == 60.0
    assert pacer.refused(["purge"]) == (0.0, None)


def test_tally_summary() -> None:
    tally = WaitTally()
    assert tally.summary() == "Attentes / waits: aucune / none"
    tally(WaitEvent("maxlag", 5.0, "query", "lag", 1, 5, "maxlag"))
    tally(WaitEvent("ratelimit", 130.0, "wbeditentity", "edit 8 / 60 s"))
    tally(WaitEvent("ratelimit", 2.0, "wbeditentity", "edit 8 / 60 s"))
    assert tally.summary() == ("Attentes / waits: 2 × limite de débit du wiki / wiki rate limit (2 min 12 s), "
                               "1 × retard de réplication (maxlag) / replication lag (5.0 s) — "
                               "1 refus du wiki / refused by the wiki")
