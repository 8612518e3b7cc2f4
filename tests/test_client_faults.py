"""Each fault the sandbox injects is seen and handled by WikibaseClient (real HTTP, seeded faults).

Faults are switched on after logging in, so the login (WikibaseIntegrator's, with its own
back-off) is not what is being tested here; the sandbox's request log says what happened.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Sandbox, make_sandbox

from wikiclub.adapters.http import WikiclubSession
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.credentials import Credentials
from wikiclub.errors import EditConflictError, ResponseLostError, TransportError
from wikiclub.sandbox.config import FaultConfig
from wikiclub.sandbox.faults import FaultInjector


@pytest.fixture
def wiki(tmp_path: Path) -> Iterator[tuple[Sandbox, Path]]:
    log = tmp_path / "requests.jsonl"
    sb = make_sandbox(tmp_path / "wiki", log_path=log)
    yield sb, log
    sb.running.stop()


def log_lines(path: Path, at_least: int = 0) -> list[dict]:
    # The server logs a request after answering it; when the answer was cut, the client may look
    # before that line is written, hence the short wait for lines we know must come.
    for _ in range(100):
        lines = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
        if len(lines) >= at_least:
            break
        time.sleep(0.05)
    return lines


def logged_in(sb: Sandbox, slept: list[float], **kw: object) -> WikibaseClient:
    client = WikibaseClient(sb.api_url, WikiclubSession(timeout=(5.0, 30.0), contact=None),
                            sleep=slept.append, **kw)  # type: ignore[arg-type]
    client.login(Credentials(sb.admin.name, sb.admin.password, "test"))
    return client


def faults_on(sb: Sandbox, **config: object) -> None:
    sb.app.faults = FaultInjector(FaultConfig(**config))  # type: ignore[arg-type]


def label(text: str) -> dict:
    return {"labels": {"fr": {"language": "fr", "value": text}}}


def create(client: WikibaseClient, text: str) -> dict:
    return client.edit_entity(label(text), new="item", summary="test")


def test_maxlag_retried_honouring_retry_after(wiki: tuple[Sandbox, Path]) -> None:
    sb, log = wiki
    slept: list[float] = []
    client = logged_in(sb, slept, max_attempts=10)
    ids = [create(client, f"item {n}")["id"] for n in range(3)]
    faults_on(sb, seed=3, maxlag=0.5, retry_after=2)
    start = len(log_lines(log))
    for entity_id in ids * 3:
        assert client.get_entities([entity_id])[entity_id]["id"] == entity_id
    faults = [line.get("fault") for line in log_lines(log)[start:]]
    assert faults.count("maxlag") >= 1
    assert slept == [2.0] * faults.count("maxlag")  # Retry-After, not a guess
    assert len(faults) == 9 + faults.count("maxlag")


def test_ratelimited_writes_retried_without_duplicates(wiki: tuple[Sandbox, Path]) -> None:
    sb, log = wiki
    slept: list[float] = []
    client = logged_in(sb, slept, max_attempts=10)
    faults_on(sb, seed=5, ratelimited=0.5)
    start = len(log_lines(log))
    created = [create(client, f"limité {n}")["id"] for n in range(5)]
    lines = [line for line in log_lines(log)[start:] if line["action"] == "wbeditentity"]
    limited = [line for line in lines if line.get("fault") == "ratelimited"]
    assert len(limited) >= 1 and len(slept) == len(limited)
    assert len(lines) == 5 + len(limited)
    assert len(set(created)) == 5  # each item created exactly once
    assert client.userinfo().name == "Admin"


def test_http503_retried_honouring_retry_after(wiki: tuple[Sandbox, Path]) -> None:
    sb, log = wiki
    slept: list[float] = []
    client = logged_in(sb, slept, max_attempts=10)
    entity_id = create(client, "x")["id"]
    faults_on(sb, seed=11, http503=0.5, retry_after=3)
    start = len(log_lines(log))
    for _ in range(6):
        assert client.get_entities([entity_id])
    faults_on(sb)  # a write answered 503 is not repeated (test_any_5xx_on_a_write_is_an_unknown_outcome)
    created = create(client, "after 503")
    faults = [line.get("fault") for line in log_lines(log)[start:]]
    assert faults.count("http503") >= 1 and slept == [3.0] * faults.count("http503")
    assert client.get_entities([created["id"]])[created["id"]]["labels"]["fr"]["value"] == "after 503"


def test_expired_token_refreshed_once(wiki: tuple[Sandbox, Path]) -> None:
    sb, log = wiki
    slept: list[float] = []
    client = logged_in(sb, slept)
    faults_on(sb, token_expiry_after=1)
    start = len(log_lines(log))
    create(client, "one")
    create(client, "two")  # the wiki forgot the token just before this write
    lines = log_lines(log)[start:]
    steps = [(line["action"], line.get("error")) for line in lines]
    assert steps == [("wbeditentity", None), ("wbeditentity", "badtoken"), ("query", None),
                     ("wbeditentity", None)]
    assert slept == []


def test_editconflict_raised_at_once(wiki: tuple[Sandbox, Path]) -> None:
    sb, log = wiki
    slept: list[float] = []
    client = logged_in(sb, slept)
    entity = create(client, "conflit")
    faults_on(sb, editconflict=1.0)
    start = len(log_lines(log))
    with pytest.raises(EditConflictError):
        client.edit_entity(label("changé"), entity_id=entity["id"], baserevid=entity["lastrevid"],
                           summary="t")
    assert [line["action"] for line in log_lines(log)[start:]] == ["wbeditentity"]  # never repeated
    assert slept == []


def test_lost_response_raised_and_the_edit_exists(wiki: tuple[Sandbox, Path]) -> None:
    sb, log = wiki
    slept: list[float] = []
    client = logged_in(sb, slept)
    faults_on(sb, lost_response=1.0)
    start = len(log_lines(log))
    with pytest.raises(ResponseLostError) as err:
        create(client, "Festival perdu")
    assert "look" in err.value.hint
    lines = log_lines(log, at_least=start + 1)[start:]
    assert [(line["action"], line["fault"]) for line in lines] == [("wbeditentity", "lost_response")]
    faults_on(sb)  # back to normal: the caller looks the edit up
    newest = client.user_contribs("Admin", limit=1)[0]
    entity_id = newest["title"].rsplit(":", 1)[-1]
    assert client.get_entities([entity_id])[entity_id]["labels"]["fr"]["value"] == "Festival perdu"


def test_slow_read_times_out_and_slow_write_is_a_lost_response(wiki: tuple[Sandbox, Path]) -> None:
    sb, log = wiki
    slept: list[float] = []
    client = logged_in(sb, slept, max_attempts=2, timeout=(5.0, 0.3))
    entity_id = create(client, "lent")["id"]
    faults_on(sb, slow=1.0, slow_seconds=0.8)
    with pytest.raises(TransportError) as err:
        client.get_entities([entity_id])
    assert err.value.code == "timeout" and not isinstance(err.value, ResponseLostError)
    assert slept == [2.0]  # a read is repeated once (max_attempts=2), then given up
    with pytest.raises(ResponseLostError):
        create(client, "lent mais sauvé")
    faults_on(sb)
    client.timeout = (5.0, 30.0)  # the server may still be sleeping on the requests we gave up
    newest = client.user_contribs("Admin", limit=1)[0]
    new_id = newest["title"].rsplit(":", 1)[-1]
    assert client.get_entities([new_id])[new_id]["labels"]["fr"]["value"] == "lent mais sauvé"


@pytest.mark.parametrize("fault", ["http503", "saved_then_503"])
def test_any_5xx_on_a_write_is_an_unknown_outcome(wiki: tuple[Sandbox, Path], fault: str) -> None:
    """A 503 may come before the wiki saw the write (http503) or after it saved it (saved_then_503, what a
    proxy in front of a slow wiki does): the client cannot tell, so it never repeats the write itself."""
    sb, log = wiki
    slept: list[float] = []
    client = logged_in(sb, slept, max_attempts=5)
    faults_on(sb, **{fault: 1.0, "retry_after": 0})
    start = len(log_lines(log))
    with pytest.raises(ResponseLostError) as err:
        create(client, f"cinq cents {fault}")
    assert err.value.http_status == 503 and "look the edit up" in (err.value.hint or "")
    lines = log_lines(log, at_least=start + 1)[start:]
    assert [(line["action"], line["fault"]) for line in lines] == [("wbeditentity", fault)]  # sent once
    faults_on(sb)
    saved = [h["label"] for h in client.search_entities(f"cinq cents {fault}", language="fr")]
    assert saved == ([f"cinq cents {fault}"] if fault == "saved_then_503" else [])
