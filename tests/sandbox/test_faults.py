"""Each injected fault observed over HTTP, with fixed seeds (probability 1 where one fault is studied)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import RawApi as Api
from conftest import Sandbox, make_sandbox

from wikiclub.sandbox import guards
from wikiclub.sandbox.config import FaultConfig


def code(response: requests.Response) -> str | None:
    body = response.json()
    return body["error"]["code"] if "error" in body else None


@pytest.fixture
def faulty(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A sandbox with the FaultConfig given by ``@pytest.mark.parametrize('faulty', [...], indirect=True)``."""
    sb = make_sandbox(tmp_path / "faulty", faults=request.param, log_path=tmp_path / "log.jsonl")
    yield sb
    sb.running.stop()


def admin_api(sb: Sandbox) -> Api:
    api = Api(sb.api_url)
    assert api.login(sb.admin)["login"]["result"] == "Success"
    return api


def log_faults(sb: Sandbox) -> list[Any]:
    path = sb.running.config.log_path
    assert path is not None
    return [json.loads(line)["fault"] for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("faulty", [FaultConfig(seed=1, maxlag=1.0, retry_after=2)], indirect=True)
def test_maxlag_fault_only_for_requests_that_send_maxlag(faulty: Sandbox) -> None:
    api = Api(faulty.api_url)
    r = api.get(action="query", meta="siteinfo", maxlag="5")
    assert code(r) == "maxlag" and r.headers["Retry-After"] == "2" and r.headers["X-Database-Lag"] == "7"
    assert r.json()["error"]["lag"] == 7
    assert code(api.get(action="query", meta="siteinfo")) is None
    assert log_faults(faulty) == ["maxlag", None]


@pytest.mark.parametrize("faulty", [FaultConfig(seed=2, ratelimited=1.0)], indirect=True)
def test_ratelimited_fault_hits_writes_in_the_shape_of_their_module(faulty: Sandbox) -> None:
    def fake_wb_write(req: Any) -> dict[str, Any]:
        guards.check_write(req)
        return {"success": 1}

    faulty.app.actions["wbfakewrite"] = fake_wb_write
    api = admin_api(faulty)  # a bot: real rate limits would not apply, injected ones do
    token = api.csrf()
    assert code(api.post(action="edit", title="X", text="x", token=token)) == "ratelimited"
    wb = api.post(action="wbfakewrite", token=token)
    assert code(wb) == "failed-save" and wb.headers["MediaWiki-API-Error"] == "failed-save, ratelimited"
    assert code(api.get(action="query", meta="userinfo")) is None  # reads are never throttled
    assert log_faults(faulty)[-3:] == ["ratelimited", "ratelimited", None]


@pytest.mark.parametrize("faulty", [FaultConfig(seed=3, http503=1.0, retry_after=3)], indirect=True)
def test_http_503_fault_but_never_on_sparql(faulty: Sandbox) -> None:
    r = requests.get(faulty.api_url, params={"action": "query", "meta": "siteinfo", "format": "json"}, timeout=30)
    assert r.status_code == 503 and r.headers["Retry-After"] == "3"
    assert r.headers["Content-Type"].startswith("text/plain")
    sparql = requests.get(faulty.sparql_url, params={"query": "ASK {}"}, timeout=30)
    assert sparql.status_code != 503


@pytest.mark.parametrize("faulty", [FaultConfig(seed=4, editconflict=1.0)], indirect=True)
def test_editconflict_fault_on_updates_not_on_reads(faulty: Sandbox) -> None:
    api = admin_api(faulty)
    r = api.post(action="edit", title="Conflit", text="x", token=api.csrf())
    assert code(r) == "editconflict" and r.json()["error"]["info"] == "Edit conflict."
    assert code(api.get(action="query", prop="info", titles="Conflit")) is None
    pages = api.get(action="query", prop="info", titles="Conflit").json()["query"]["pages"]
    assert "missing" in next(iter(pages.values()))  # nothing was saved


@pytest.mark.parametrize("faulty", [FaultConfig(seed=5, token_expiry_after=2)], indirect=True)
def test_token_expiry_fault_invalidates_tokens_once(faulty: Sandbox) -> None:
    api = admin_api(faulty)
    token = api.csrf()
    results = [code(api.post(action="edit", title="Jeton", text=f"v{i}", token=token)) for i in range(3)]
    assert results == [None, None, "badtoken"]
    fresh = api.csrf()
    assert fresh != token
    assert [code(api.post(action="edit", title="Jeton", text=f"w{i}", token=fresh)) for i in range(3)] == \
        [None, None, None]
    assert log_faults(faulty).count("token_expiry") == 1


@pytest.mark.parametrize("faulty", [FaultConfig(seed=6, slow=1.0, slow_seconds=0.05)], indirect=True)
def test_slow_fault_still_answers(faulty: Sandbox) -> None:
    assert code(Api(faulty.api_url).get(action="query", meta="siteinfo")) is None
    assert log_faults(faulty) == ["slow"]


@pytest.mark.parametrize("faulty", [FaultConfig(seed=7, lost_response=1.0)], indirect=True)
def test_lost_response_the_edit_is_saved_but_no_answer_comes(faulty: Sandbox) -> None:
    api = admin_api(faulty)
    token = api.csrf()
    with pytest.raises(requests.ConnectionError):
        api.post(action="edit", title="Perdue", text="sauvée quand même", token=token)
    read = Api(faulty.api_url).get(action="query", prop="revisions", titles="Perdue", rvprop="content",
                                   rvslots="main", formatversion="2").json()
    assert read["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"] == "sauvée quand même"
    # failed writes are answered: only saved edits lose their answer
    assert code(api.post(action="edit", title="Perdue", text="x", token="bad")) == "badtoken"
    assert "lost_response" in log_faults(faulty)


def test_same_seed_same_faults(tmp_path: Path) -> None:
    def run(name: str) -> list[str | None]:
        sb = make_sandbox(tmp_path / name, faults=FaultConfig(seed=42, maxlag=0.5))
        try:
            api = Api(sb.api_url)
            return [code(api.get(action="query", meta="siteinfo", maxlag="5")) for _ in range(16)]
        finally:
            sb.running.stop()

    first, second = run("a"), run("b")
    assert first == second
    assert "maxlag" in first and None in first
