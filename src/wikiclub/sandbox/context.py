"""Types shared by the sandbox's request handlers (core.py, wbapi.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .config import SandboxConfig
from .db import SandboxDB
from .mw import ApiError
from .rdf import SparqlStore
from .users import RateLimiter, User


@dataclass
class Session:
    """A cookie session. ``user`` is set by a successful BotPassword login (``app`` = the grant name)."""

    id: str
    user: User | None = None
    app: str | None = None
    csrf_token: str = ""
    login_token: str = ""
    cookie: str = "wikidb_session"  # the cookie that carries ``id`` (wikidb_BPsession after login)


@dataclass
class ApiRequest:
    """One API call. ``params`` merges query string and body (body wins), as MediaWiki does."""

    params: dict[str, str]
    query_keys: frozenset[str]
    method: str
    session: Session
    app: Wiki
    response_headers: dict[str, str] = field(default_factory=dict)
    set_cookies: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, str] = field(default_factory=dict)  # module → warning text
    environ: dict[str, Any] = field(default_factory=dict)  # the WSGI environ (faults close its socket)
    token_checked: bool = False  # set by guards.check_write: the ``token`` parameter was used
    fault: str | None = None  # the fault injected into this request, for the log

    @property
    def remote_addr(self) -> str:
        return str(self.environ.get("REMOTE_ADDR") or "127.0.0.1")

    @property
    def action(self) -> str:
        return self.params.get("action", "help")

    @property
    def user(self) -> User | None:
        return self.session.user

    @property
    def formatversion(self) -> int:
        return 2 if self.params.get("formatversion") in ("2", "latest") else 1

    @property
    def errorformat(self) -> str:
        return self.params.get("errorformat", "bc")

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.params.get(name, default)

    def require(self, name: str) -> str:
        value = self.params.get(name)
        if value is None or value == "":
            raise ApiError("missingparam", f'The "{name}" parameter must be set.')
        return value

    def flag(self, name: str) -> bool:
        """MediaWiki boolean parameters are true when present, whatever their value."""
        return name in self.params

    def multi(self, name: str) -> list[str]:
        value = self.params.get(name)
        if not value:
            return []
        if value.startswith("\x1f"):
            return value[1:].split("\x1f")
        return value.split("|")


Handler = Callable[[ApiRequest], dict[str, Any]]


class Wiki(Protocol):
    """What request handlers see of the application (``app.SandboxApp`` implements it). A Protocol, so
    that the handler modules never import the application that registers them (no import cycle)."""

    config: SandboxConfig
    db: SandboxDB
    sparql: SparqlStore
    rate_limiter: RateLimiter
    actions: dict[str, Handler]
    query_modules: dict[str, Handler]  # ``list=…`` modules provided by the Wikibase handlers

    def keep_session(self, req: ApiRequest) -> None: ...

    def start_bot_session(self, req: ApiRequest, user: User, grant: str) -> None: ...

    def end_session(self, req: ApiRequest) -> None: ...

    def expire_csrf_tokens(self) -> None: ...
