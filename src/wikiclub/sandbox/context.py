"""Types shared by the sandbox's request handlers (core.py, wbapi.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .mw import ApiError

if TYPE_CHECKING:  # pragma: no cover
    from .app import SandboxApp


@dataclass(frozen=True)
class User:
    id: int
    name: str
    groups: tuple[str, ...]
    registration: str

    @property
    def is_bot(self) -> bool:
        return "bot" in self.groups


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
    app: SandboxApp
    response_headers: dict[str, str] = field(default_factory=dict)
    set_cookies: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, str] = field(default_factory=dict)  # module → warning text
    environ: dict[str, Any] = field(default_factory=dict)  # the WSGI environ (faults close its socket)
    token_checked: bool = False  # set by core.check_write: the ``token`` parameter was used
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
