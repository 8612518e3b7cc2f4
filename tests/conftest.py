"""Shared fixtures: real sandbox servers on free ports (real HTTP, no mocks)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from wikiclub.sandbox.config import SandboxConfig
from wikiclub.sandbox.server import RunningSandbox, start_with_bot
from wikiclub.sandbox.users import add_bot_account

os.environ.setdefault("PYWIKIBOT_NO_USER_CONFIG", "2")
# Commands cache what a site says about itself (siteinfo, the index of a wiki without CirrusSearch) in
# the user's cache folder by default: tests keep theirs in one throw-away folder.
os.environ.setdefault("WIKICLUB_CACHE_DIR", tempfile.mkdtemp(prefix="wikiclub-test-cache-"))

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
FIXTURES = ROOT / "tests" / "fixtures"
KB = DATA / "kb.jsonl"


@dataclass
class Account:
    name: str  # "Name@app", as given to action=login
    password: str


@dataclass
class Sandbox:
    running: RunningSandbox
    admin: Account  # bot-flagged account
    plain: Account  # account without the bot flag

    @property
    def api_url(self) -> str:
        return self.running.api_url

    @property
    def sparql_url(self) -> str:
        return self.running.sparql_url

    @property
    def site(self) -> str:
        """``--site`` for this sandbox (its own layout: SPARQL endpoint, concept base, entity pages)."""
        return self.running.site

    @property
    def app(self):  # noqa: ANN201
        return self.running.app


class RawApi:
    """A plain requests session speaking to one sandbox's api.php (cookies kept, like a real client)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def get(self, **params: str) -> requests.Response:
        return self.http.get(self.url, params={**params, "format": "json"}, timeout=30)

    def post(self, **params: str) -> requests.Response:
        return self.http.post(self.url, data={**params, "format": "json"}, timeout=30)

    def login(self, account: Account) -> dict[str, Any]:
        """action=login with a BotPassword; returns the answer (``["login"]["result"]``)."""
        token = self.get(action="query", meta="tokens", type="login").json()["query"]["tokens"]["logintoken"]
        return self.post(action="login", lgname=account.name, lgpassword=account.password,
                         lgtoken=token).json()

    def csrf(self) -> str:
        return str(self.get(action="query", meta="tokens").json()["query"]["tokens"]["csrftoken"])


def make_sandbox(data_dir: Path, **config: object) -> Sandbox:
    running, admin = start_with_bot(SandboxConfig(data_dir=data_dir, port=0, **config),  # type: ignore[arg-type]
                                    user="Admin", groups=("sysop", "bureaucrat"))
    plain = add_bot_account(running.app.db, "Plainuser", bot=False)
    return Sandbox(running, Account(admin.name, admin.password), Account(plain.name, plain.password))


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """An empty wiki with two accounts, fresh for each test."""
    sb = make_sandbox(tmp_path / "sandbox")
    yield sb
    sb.running.stop()


@pytest.fixture(scope="module")
def kb_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A wiki loaded with tests/data/kb.jsonl, shared by the tests of one module (read-mostly)."""
    from wikiclub.sandbox.load import load_dump

    sb = make_sandbox(tmp_path_factory.mktemp("kb-sandbox"))
    load_dump(sb.app, KB)
    yield sb
    sb.running.stop()
