"""WikibaseClient against the real sandbox over HTTP (conftest fixtures), counted via its request log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import KB, Sandbox, make_sandbox

from wikiclub.adapters.http import WikiclubSession
from wikiclub.adapters.wikibase import Throttle, WikibaseClient
from wikiclub.credentials import Credentials
from wikiclub.errors import InputError, LoginError, NotLoggedInError, UsageError

KB_ENTITIES = [json.loads(line) for line in KB.read_text("utf-8").splitlines() if line.strip()]


def session() -> WikiclubSession:
    return WikiclubSession(timeout=(5.0, 30.0), contact=None)


def creds(account) -> Credentials:  # noqa: ANN001
    return Credentials(account.name, account.password, "test")


def log_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def logged_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Path]]:
    """kb.jsonl loaded in a sandbox that writes its JSON-lines request log."""
    from wikiclub.sandbox.load import load_dump

    root = tmp_path_factory.mktemp("logged-kb")
    log = root / "requests.jsonl"
    sb = make_sandbox(root / "wiki", log_path=log)
    load_dump(sb.app, KB)
    yield sb, log
    sb.running.stop()


def test_120_ids_in_exactly_3_requests(logged_kb: tuple[Sandbox, Path]) -> None:
    sb, log = logged_kb
    ids = [e["id"] for e in KB_ENTITIES[:120]]
    client = WikibaseClient(sb.api_url, session())
    before = len(log_lines(log))
    entities = client.get_entities(ids, props=["labels", "claims"], languages=["fr", "en"])
    assert client.requests_made == 3
    new = log_lines(log)[before:]
    assert [line["action"] for line in new] == ["wbgetentities"] * 3
    assert [len(line["params"]["ids"].split("|")) for line in new] == [50, 50, 20]
    assert all(line["params"]["maxlag"] == "5" and line["params"]["format"] == "json" for line in new)
    assert list(entities) == ids  # order kept
    assert all("missing" not in e for e in entities.values())
    assert entities[ids[0]]["labels"]["fr"]["value"] == KB_ENTITIES[0]["labels"]["fr"]["value"]


def test_missing_and_duplicate_ids(logged_kb: tuple[Sandbox, Path]) -> None:
    sb, _ = logged_kb
    client = WikibaseClient(sb.api_url, session())
    known = KB_ENTITIES[-1]["id"]
    entities = client.get_entities(["Q999999999", known, known.lower()])
    assert list(entities) == ["Q999999999", known]
    assert entities["Q999999999"] == {"id": "Q999999999", "missing": ""}
    assert client.requests_made == 1
    with pytest.raises(InputError, match="not an entity id"):
        client.get_entities(["Q42", "Montréal"])
    assert client.requests_made == 1  # refused before sending anything


def test_search_entities_and_statements(logged_kb: tuple[Sandbox, Path]) -> None:
    sb, _ = logged_kb
    client = WikibaseClient(sb.api_url, session())
    item = next(e for e in KB_ENTITIES if "P856" in e.get("claims", {}) and "fr" in e["labels"])
    label = item["labels"]["fr"]["value"]
    hits = client.search_entities(label, language="fr")
    assert item["id"] in [h["id"] for h in hits]
    url = item["claims"]["P856"][0]["mainsnak"]["datavalue"]["value"]
    assert item["id"] in client.search_statements("P856", url)
    instance_of = next(e for e in KB_ENTITIES if "P31" in e.get("claims", {}))
    target = instance_of["claims"]["P31"][0]["mainsnak"]["datavalue"]["value"]["id"]
    expected = {e["id"] for e in KB_ENTITIES
                if any(s["mainsnak"].get("datavalue", {}).get("value", {}).get("id") == target
                       for s in e.get("claims", {}).get("P31", []))}
    found = set(client.search_statements("P31", target, limit=500))
    assert found == expected


def test_login_whoami_bot_right_and_create_item(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    from wikibaseintegrator.wbi_config import config as wbi_config

    wbi_before = dict(wbi_config)
    client = WikibaseClient(sandbox.api_url, session())
    assert client.userinfo().anon
    with caplog.at_level(logging.DEBUG):
        client.login(creds(sandbox.admin))
    assert sandbox.admin.password not in caplog.text
    assert dict(wbi_config) == wbi_before  # WBI's globals neither read for URLs nor changed
    info = client.userinfo()
    assert info.name == "Admin" and info.has_right("bot") and "bot" in info.groups
    entity = client.edit_entity({"labels": {"fr": {"language": "fr", "value": "Festival du Bleuet"}}},
                                new="item", summary="wikiclub test", bot=True)
    assert entity["id"].startswith("Q") and entity["lastrevid"] > 0
    read = client.get_entities([entity["id"]])[entity["id"]]
    assert read["labels"]["fr"]["value"] == "Festival du Bleuet"
    contribs = client.user_contribs("Admin")
    assert contribs and contribs[0]["title"].endswith(entity["id"])
    # the session's cookies came from WBI's login; its UA and timeouts stayed ours
    assert any(c.name.endswith("session") for c in client.session.cookies)


def test_plain_account_has_no_bot_right(sandbox: Sandbox) -> None:
    client = WikibaseClient(sandbox.api_url, session())
    client.login(creds(sandbox.plain))
    info = client.userinfo()
    assert info.name == "Plainuser" and not info.has_right("bot")
    entity = client.edit_entity({"labels": {"fr": {"language": "fr", "value": "x"}}}, new="item",
                                summary="t")
    assert entity["id"].startswith("Q")


def test_wrong_password_is_a_login_error_without_the_password(sandbox: Sandbox) -> None:
    client = WikibaseClient(sandbox.api_url, session())
    with pytest.raises(LoginError) as err:
        client.login(Credentials(sandbox.admin.name, "wrong-password-123", "test"))
    assert "wrong-password-123" not in str(err.value)


def test_edit_without_login_is_refused_before_sending(sandbox: Sandbox) -> None:
    client = WikibaseClient(sandbox.api_url, session())
    with pytest.raises(NotLoggedInError):
        client.edit_entity({"labels": {}}, new="item", summary="t")
    with pytest.raises(UsageError):
        client.edit_entity({}, summary="t")


def test_expired_session_logs_in_again_once(sandbox: Sandbox) -> None:
    client = WikibaseClient(sandbox.api_url, session())
    client.login(creds(sandbox.admin))
    client.csrf_token()
    client.session.cookies.clear()  # the wiki forgot us (session expiry)
    entity = client.edit_entity({"labels": {"en": {"language": "en", "value": "after relogin"}}},
                                new="item", summary="t")
    assert entity["labels"]["en"]["value"] == "after relogin"


def test_edit_page_and_logout(sandbox: Sandbox) -> None:
    client = WikibaseClient(sandbox.api_url, session())
    client.login(creds(sandbox.admin))
    result = client.edit_page("Project:Rapport", "{| class=wikitable\n|}", "rapport")
    assert result["result"] == "Success" and result["newrevid"] > 0
    client.logout()
    assert client.userinfo().anon


def test_unreachable_wiki_read_is_retried_then_raised() -> None:
    slept: list[float] = []
    client = WikibaseClient("http://127.0.0.1:9/w/api.php", session(), sleep=slept.append,
                            max_attempts=3)
    with pytest.raises(Exception) as err:
        client.get_entities(["Q1"])
    assert err.value.code == "network" and slept == [2.0, 4.0]
    assert isinstance(client.session, requests.Session)


def test_throttle_spaces_writes() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    throttle = Throttle(6, sleep=sleep, clock=lambda: now[0])
    throttle.wait()  # the first edit goes at once
    now[0] += 4.0
    throttle.wait()
    now[0] += 30.0
    throttle.wait()
    assert slept == [6.0]  # 10 s between edits at 6 per minute
    unthrottled = Throttle(None, sleep=sleep)
    unthrottled.wait()
    unthrottled.wait()
    assert slept == [6.0]


def test_bot_flag_on_a_plain_account_says_why(sandbox: Sandbox) -> None:
    client = WikibaseClient(sandbox.api_url, session())
    client.login(creds(sandbox.plain))
    with pytest.raises(NotLoggedInError) as err:
        client.edit_entity({"labels": {}}, new="item", summary="t", bot=True)
    assert err.value.code == "assertbotfailed" and "bot right" in err.value.hint
