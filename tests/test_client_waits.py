"""maxlag on every request MediaWiki checks (login and tokens included) and every wait announced."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Sandbox, make_sandbox

from wikiclub.adapters.http import WikiclubSession
from wikiclub.adapters.waits import WaitEvent
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.credentials import Credentials
from wikiclub.sandbox.config import FaultConfig
from wikiclub.sandbox.faults import FaultInjector


@pytest.fixture
def wiki(tmp_path: Path) -> Iterator[tuple[Sandbox, Path]]:
    log = tmp_path / "requests.jsonl"
    sb = make_sandbox(tmp_path / "wiki", log_path=log)
    yield sb, log
    sb.running.stop()


def _client(sb: Sandbox, events: list[WaitEvent], **kw: object) -> WikibaseClient:
    c = WikibaseClient(sb.api_url, WikiclubSession(timeout=(5.0, 30.0), contact=None), sleep=lambda s: None,
                       **kw)  # type: ignore[arg-type]
    c.on_wait(events.append)
    return c


def test_every_request_carries_maxlag_login_and_tokens_included(wiki: tuple[Sandbox, Path]) -> None:
    sb, log = wiki
    c = _client(sb, [], throttle=None)
    c.login(Credentials(sb.admin.name, sb.admin.password, "test"))
    c.userinfo()
    c.edit_entity({"labels": {"fr": {"language": "fr", "value": "x"}}}, new="item", summary="t")
    c.logout()
    lines = [json.loads(line) for line in log.read_text("utf-8").splitlines()]
    actions = {(line["action"], line["params"].get("meta", "")) for line in lines}
    assert {("query", "tokens"), ("login", ""), ("query", "userinfo"), ("wbeditentity", ""), ("logout", "")} <= actions
    assert all(line["params"].get("maxlag") == "5" for line in lines), [
        (line["action"], line["params"]) for line in lines if line["params"].get("maxlag") != "5"]


def test_maxlag_during_login_is_waited_out_and_announced(wiki: tuple[Sandbox, Path]) -> None:
    sb, _ = wiki
    sb.app.faults = FaultInjector(FaultConfig(seed=5, maxlag=0.5, retry_after=3))
    events: list[WaitEvent] = []
    c = _client(sb, events, max_attempts=12)
    for _ in range(3):
        c.login(Credentials(sb.admin.name, sb.admin.password, "test"))
    assert c.userinfo().name == "Admin"
    login_waits = [e for e in events if e.action == "login"]
    assert login_waits, events
    # WikibaseIntegrator hides the wiki's answer; wikiclub asks again and waits what the wiki says
    # (maxlag, Retry-After 3 s), or retries when the second request met the lag and the probe did not.
    assert {e.kind for e in login_waits} <= {"maxlag", "retry"} and all(e.refused for e in login_waits)
    lagged = [e for e in login_waits if e.kind == "maxlag"]
    assert lagged and all(e.seconds == 3.0 and e.code == "maxlag" for e in lagged)
    assert "retard de réplication (maxlag)" in lagged[0].text()


def test_throttle_waits_are_announced_and_unsubscribe_works(wiki: tuple[Sandbox, Path]) -> None:
    sb, _ = wiki
    events: list[WaitEvent] = []
    c = _client(sb, events, throttle=6)
    c.login(Credentials(sb.admin.name, sb.admin.password, "test"))
    other: list[WaitEvent] = []
    stop = c.on_wait(other.append)
    for n in range(2):
        c.edit_entity({"labels": {"fr": {"language": "fr", "value": f"x{n}"}}}, new="item", summary="t")
    stop()
    c.edit_entity({"labels": {"fr": {"language": "fr", "value": "x2"}}}, new="item", summary="t")
    assert [e.kind for e in events] == ["throttle", "throttle"] and len(other) == 1
    assert 0 < events[0].seconds <= 10.0 and not events[0].refused
    assert "6 modifications par minute" in events[0].reason


def test_the_progress_bar_says_what_it_waits_for_and_how_long(capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI's display: the wait in the bar's postfix, a line that stays above the bar (not for our own
    throttle, which is expected), and the count by kind at the end."""
    from wikiclub.cli.waits import WaitDisplay

    display = WaitDisplay()
    on_event = display.progress("push", "édition")

    class Event:
        total, state = 3, "done"

    on_event(Event())
    display(WaitEvent("ratelimit", 58.0, "wbeditentity", "edit 8 / 60 s pour ce compte / for this account"))
    assert "attente / waiting 58 s — limite de débit du wiki / wiki rate limit" in display.bar.postfix
    display(WaitEvent("throttle", 10.0, "wbeditentity", "6 modifications par minute"))
    assert "cadence choisie / throttle" in display.bar.postfix
    display.close_bar()
    display.summary()
    err = capsys.readouterr().err
    # the whole line, written once above the bar (the bar's postfix is cut at 100 characters)
    assert "waiting 58 s — limite de débit du wiki / wiki rate limit: edit 8 / 60 s pour ce compte / for this " \
           "account\n" in err
    assert "6 modifications par minute\n" not in err  # our own throttle: in the bar only
    assert "Attentes / waits: 1 × cadence choisie / throttle (10 s), 1 × limite de débit du wiki / wiki rate " \
           "limit (58 s)" in err
