"""``WikibaseClient``: everything the stages ask of a Wikibase, through its Action API.

Rules it keeps (Wikimedia's API etiquette and DESIGN.md §6):

- requests in series, never in parallel; ``format=json`` and ``maxlag`` on every request;
- reads batched by 50 ids (the limit for accounts without ``apihighlimits``);
- back-off on maxlag / ratelimited / readonly / HTTP 429 and 5xx, waiting what Retry-After says, at
  most ``max_attempts`` tries, then the :class:`~wikiclub.errors.RetryableError` is raised;
- ``badtoken`` → the CSRF token is fetched again once and the request repeated;
- ``assertuserfailed`` / ``notloggedin`` (session expired) → log in again once and repeat;
- ``editconflict`` is raised at once: only the caller can re-plan;
- a *write* whose answer is lost (read timeout, connection dropped after sending, or **any** HTTP
  5xx: a proxy or CDN answers 502/503/504 even when the wiki behind it saved the edit) raises :class:`~wikiclub.errors.ResponseLostError` and is never repeated here: the
  caller must look up whether it landed (docs/batches.md "unknown outcomes"). A write the wiki refused
  before processing it (maxlag, ratelimited, readonly — MediaWiki errors — or HTTP 429) is repeated.
  Reads are repeated.
- writes are spaced by a throttle (edits per minute).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
import urllib3.exceptions

from ..config import SiteConfig
from ..credentials import Credentials
from ..errors import (
    BadTokenError,
    InputError,
    NotLoggedInError,
    ResponseLostError,
    RetryableError,
    TransportError,
    UsageError,
    WikiError,
)
from .auth import bot_password_login
from .mwerrors import classify_answer

log = logging.getLogger(__name__)

GET_ENTITIES_BATCH = 50
ANON_TOKEN = "+\\"
_ENTITY_ID = re.compile(r"^(?:[QPL][1-9]\d*|L[1-9]\d*-[SF][1-9]\d*|M[1-9]\d*)$")
# HTTP statuses given *before* a request is processed: safe to repeat a write. Not 503: a proxy gives
# it as well when the wiki behind it saved the edit but answered too late.
_NOT_PROCESSED_STATUSES = frozenset({429})
# Transport failures worth repeating (for reads, and for writes that were certainly not sent).
_RETRIED_TRANSPORT_CODES = frozenset({"timeout", "network"})


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    groups: tuple[str, ...]
    rights: tuple[str, ...]
    anon: bool = False

    def has_right(self, right: str) -> bool:
        return right in self.rights


class Throttle:
    """Leaves at least ``60 / edits_per_minute`` seconds between two writes."""

    def __init__(self, edits_per_minute: float | None, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 60.0 / edits_per_minute if edits_per_minute else 0.0
        self._sleep, self._clock = sleep, clock
        self._last: float | None = None

    def wait(self) -> None:
        if self.interval and self._last is not None:
            remaining = self._last + self.interval - self._clock()
            if remaining > 0:
                self._sleep(remaining)
        self._last = self._clock()


def _was_sent(exc: requests.RequestException) -> bool:
    """False only when the request certainly never reached the server (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)
        return not isinstance(reason, urllib3.exceptions.NewConnectionError)
    return True


def _warning_names(answer: Mapping[str, Any]) -> list[str]:
    """Message names of an answer's ``warnings`` (``{module: {"messages": [{"name"}]}}``), else the module's
    plain text (``{module: {"*": text}}``, MediaWiki's default format for core warnings)."""
    names: list[str] = []
    for module, warning in (answer.get("warnings") or {}).items():
        if not isinstance(warning, Mapping):
            continue
        messages = [str(m.get("name")) for m in warning.get("messages", ()) if isinstance(m, Mapping)]
        names += messages or [f"{module}: {warning.get('*', '')}"]
    return names


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class WikibaseClient:
    def __init__(self, site: SiteConfig | str, session: requests.Session, *, maxlag: int | None = 5,
                 max_attempts: int = 5, sleep: Callable[[float], None] = time.sleep,
                 throttle: Throttle | float | None = None, timeout: tuple[float, float] | None = None) -> None:
        self.site = site if isinstance(site, SiteConfig) else SiteConfig(str(site), str(site))
        self.api_url = self.site.api_url
        self.session = session
        self.maxlag = maxlag
        self.max_attempts = max(1, max_attempts)
        self.sleep = sleep
        self.throttle = throttle if isinstance(throttle, Throttle) else Throttle(throttle, sleep=sleep)
        self.timeout = timeout or getattr(session, "timeout", None) or (10.0, 60.0)
        self.requests_made = 0
        self._credentials: Credentials | None = None
        self._csrf: str | None = None
        self._namespaces: dict[str, int] | None = None

    @classmethod
    def from_settings(cls, settings: Any, session: requests.Session, **kwargs: Any) -> WikibaseClient:
        options = {"maxlag": settings.maxlag, "max_attempts": settings.retries,
                   "throttle": settings.throttle, "timeout": settings.timeouts, **kwargs}
        return cls(settings.site, session, **options)

    # ---- the one request loop ------------------------------------------------------------------
    def call(self, params: Mapping[str, Any], *, post: bool = False) -> dict[str, Any]:
        """One API request with retries, token refresh and re-login; returns the JSON answer.

        A request carrying ``token`` is a write (unless it is a logout): see the module docstring.
        """
        params = {k: v for k, v in params.items() if v is not None}
        params["format"] = "json"
        if self.maxlag is not None:
            params.setdefault("maxlag", str(self.maxlag))
        is_write = "token" in params and params.get("action") != "logout"
        refreshed_token = relogged = False
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send(params, post=post or is_write, is_write=is_write)
            except (RetryableError, TransportError) as exc:
                if isinstance(exc, ResponseLostError) or (
                        isinstance(exc, TransportError) and exc.code not in _RETRIED_TRANSPORT_CODES):
                    raise
                if is_write and exc.http_status not in (200, *_NOT_PROCESSED_STATUSES, None):
                    raise ResponseLostError(
                        f"HTTP {exc.http_status} après l'envoi / after sending {params.get('action')}: the "
                        "edit may have been saved", "look the edit up before trying again",
                        code=exc.code, http_status=exc.http_status) from exc
                if attempt >= self.max_attempts:
                    raise
                self._back_off(exc, attempt, str(params.get("action")))
            except BadTokenError:
                if refreshed_token or "token" not in params:
                    raise
                refreshed_token = True
                attempt -= 1
                self._csrf = None
                params["token"] = self.csrf_token()
            except NotLoggedInError as exc:
                if exc.code == "assertbotfailed" and relogged:
                    exc.hint = "this account has no bot right: edit without the bot flag (bot=False)"
                if relogged or self._credentials is None:
                    raise
                relogged = True
                attempt -= 1
                self.login(self._credentials)
                if "token" in params:
                    params["token"] = self.csrf_token()

    def _back_off(self, exc: WikiError, attempt: int, what: str) -> None:
        delay = exc.retry_after if exc.retry_after is not None else min(2.0 ** attempt, 60.0)
        log.info("%s: %s, waiting %.1f s (attempt %d/%d)", what, exc.code, delay, attempt,
                 self.max_attempts)
        self.sleep(delay)

    def _send(self, params: dict[str, Any], *, post: bool, is_write: bool) -> dict[str, Any]:
        self.requests_made += 1
        try:
            if post:
                response = self.session.post(self.api_url, data=params, timeout=self.timeout)
            else:
                response = self.session.get(self.api_url, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            action = params.get("action")
            if is_write and _was_sent(exc):
                raise ResponseLostError(
                    f"Réponse perdue / no answer to {action} ({exc.__class__.__name__}): the edit may "
                    "have been saved", "look the entity up (or the account's contributions) before "
                    "trying again", code="response-lost") from None
            timed_out = isinstance(exc, requests.Timeout)
            raise TransportError(f"{action}: {'délai dépassé / timed out' if timed_out else 'network error'} "
                                 f"({exc.__class__.__name__}) talking to {self.api_url}",
                                 "check the network and the site URL, or raise read_timeout",
                                 code="timeout" if timed_out else "network") from None
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        error = classify_answer(response.status_code, response.headers, body, url=self.api_url)
        if error is not None:
            raise error
        return body

    # ---- session -------------------------------------------------------------------------------
    def login(self, credentials: Credentials) -> None:
        """Log in with a BotPassword (through WikibaseIntegrator, see auth.py)."""
        attempt = 0
        while True:
            attempt += 1
            self.requests_made += 3  # WBI's login token, login and CSRF token requests
            try:
                self._csrf = bot_password_login(self.api_url, self.session, credentials,
                                                timeout=self.timeout)
                break
            except RetryableError as exc:  # e.g. a 503 from a proxy: logging in again is harmless
                if attempt >= self.max_attempts:
                    raise
                self._back_off(exc, attempt, "login")
        self._credentials = credentials

    def logout(self) -> None:
        if self._csrf is not None or self._credentials is not None:
            with contextlib.suppress(NotLoggedInError):  # already logged out: nothing to undo
                self.call({"action": "logout", "token": self.csrf_token()}, post=True)
        self._credentials = None
        self._csrf = None
        self.session.cookies.clear()

    def userinfo(self) -> UserInfo:
        answer = self.call({"action": "query", "meta": "userinfo", "uiprop": "groups|rights"})
        info = answer["query"]["userinfo"]
        return UserInfo(id=int(info.get("id", 0)), name=str(info.get("name", "")),
                        groups=tuple(info.get("groups", ())), rights=tuple(info.get("rights", ())),
                        anon="anon" in info and info["anon"] is not False)

    def csrf_token(self) -> str:
        """The CSRF token of this session (cached; refreshed by ``call`` on badtoken)."""
        if self._csrf is None:
            answer = self.call({"action": "query", "meta": "tokens", "type": "csrf"})
            token = answer["query"]["tokens"]["csrftoken"]
            if token == ANON_TOKEN:
                raise NotLoggedInError("Pas connecté / not logged in: the wiki gave an anonymous token",
                                       "log in first (wikiclub whoami checks the BotPassword)",
                                       code="notloggedin")
            self._csrf = token
        return self._csrf

    # ---- reads ---------------------------------------------------------------------------------
    def get_entities(self, ids: Iterable[str], *, props: Sequence[str] | None = None,
                     languages: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
        """Entities by id, in the order asked, 50 per request; a missing one is ``{"id", "missing": ""}``.

        A redirected id is keyed by the id asked, its value is the target entity (with ``redirects``).
        """
        wanted: list[str] = []
        for raw in ids:
            entity_id = raw.strip().upper()
            if not _ENTITY_ID.match(entity_id):
                raise InputError(f"{raw!r} n'est pas un identifiant / is not an entity id",
                                 "ids look like Q42, P31 or L7")
            if entity_id not in wanted:
                wanted.append(entity_id)
        found: dict[str, dict[str, Any]] = {}
        for batch in _chunks(wanted, GET_ENTITIES_BATCH):
            params = {"action": "wbgetentities", "ids": "|".join(batch),
                      "props": "|".join(props) if props else None,
                      "languages": "|".join(languages) if languages else None}
            entities = self.call(params).get("entities", {})
            for entity_id in batch:
                found[entity_id] = entities.get(entity_id) or {"id": entity_id, "missing": ""}
        return found

    def search_entities(self, text: str, *, language: str, type: str = "item",  # noqa: A002
                        limit: int = 7) -> list[dict[str, Any]]:
        """``wbsearchentities``: prefix search on labels and aliases (see DESIGN.md §5 for its limits)."""
        answer = self.call({"action": "wbsearchentities", "search": text, "language": language,
                            "uselang": language, "type": type, "limit": str(limit)})
        return list(answer.get("search", []))

    def _entity_namespaces(self) -> dict[str, int]:
        """Namespace ids of items and properties (0/120 on Wikidata; 120/122 on a default Wikibase)."""
        if self._namespaces is None:
            answer = self.call({"action": "query", "meta": "siteinfo", "siprop": "namespaces"})
            models = {"wikibase-item": "item", "wikibase-property": "property"}
            self._namespaces = {}
            for ns in answer["query"]["namespaces"].values():
                kind = models.get(ns.get("defaultcontentmodel", ""))
                if kind:
                    self._namespaces[kind] = int(ns["id"])
        return self._namespaces

    def search_statements(self, prop: str, value: str, *, limit: int = 50,
                          entity_type: str = "item") -> list[str]:
        """Ids of entities having a statement ``prop = value`` (CirrusSearch ``haswbstatement``)."""
        value = str(value)
        # Quoted so that a value with spaces or colons stays one search term.
        term = f"{prop}={value}"
        query = f'haswbstatement:"{term}"' if re.search(r'[\s":]', value) else f"haswbstatement:{term}"
        namespace = self._entity_namespaces().get(entity_type, 0)
        answer = self.call({"action": "query", "list": "search", "srsearch": query,
                            "srnamespace": str(namespace), "srlimit": str(limit), "srprop": "",
                            "srinfo": ""})
        return [row["title"].rsplit(":", 1)[-1] for row in answer.get("query", {}).get("search", [])]

    def search_text(self, words: str, *, limit: int = 50, entity_type: str = "item") -> list[str]:
        """Ids of entities whose terms hold every one of ``words`` in any order (``list=search``
        full text, as CirrusSearch does on Wikidata): finds what the prefix search cannot."""
        namespace = self._entity_namespaces().get(entity_type, 0)
        answer = self.call({"action": "query", "list": "search", "srsearch": words,
                            "srnamespace": str(namespace), "srlimit": str(limit), "srprop": "",
                            "srinfo": ""})
        return [row["title"].rsplit(":", 1)[-1] for row in answer.get("query", {}).get("search", [])]

    def user_contribs(self, user: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """The account's latest contributions, newest first (to find an edit whose answer was lost)."""
        answer = self.call({"action": "query", "list": "usercontribs", "ucuser": user,
                            "uclimit": str(limit), "ucprop": "ids|title|timestamp|comment|flags"})
        return list(answer.get("query", {}).get("usercontribs", []))

    # ---- writes --------------------------------------------------------------------------------
    def edit_entity(self, data: Mapping[str, Any], *, entity_id: str | None = None,
                    new: str | None = None, baserevid: int | None = None, summary: str,
                    bot: bool = False, tags: Sequence[str] = (), clear: bool = False,
                    warnings: list[str] | None = None) -> dict[str, Any]:
        """``wbeditentity``: create (``new="item"``) or change one entity in one edit; returns the entity.

        ``warnings``, when given, receives the names of the answer's warning messages (e.g.
        ``wikibase-conflict-patched``: a stale ``baserevid`` was patched onto the latest revision).
        """
        if (entity_id is None) == (new is None):
            raise UsageError("edit_entity needs exactly one of entity_id or new")
        params = {
            "action": "wbeditentity", "id": entity_id, "new": new,
            "data": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
            "baserevid": str(baserevid) if baserevid is not None else None,
            "summary": summary, "bot": "1" if bot else None, "tags": "|".join(tags) if tags else None,
            "clear": "1" if clear else None,
            # assert: a session that silently expired must fail instead of editing as an IP.
            "assert": "bot" if bot else "user",
        }
        answer = self._write(params)
        if warnings is not None:
            warnings += _warning_names(answer)
        return dict(answer["entity"])

    def _write(self, params: dict[str, Any]) -> dict[str, Any]:
        self.throttle.wait()
        try:
            params["token"] = self.csrf_token()
        except NotLoggedInError:  # the session expired between two edits: log in again once
            if self._credentials is None:
                raise
            self.login(self._credentials)
            params["token"] = self.csrf_token()
        return self.call(params, post=True)

    def edit_page(self, title: str, text: str, summary: str, *, bot: bool = False) -> dict[str, Any]:
        """``action=edit`` of a wikitext page; returns the ``edit`` result (newrevid …)."""
        params = {"action": "edit", "title": title, "text": text, "summary": summary,
                  "bot": "1" if bot else None, "assert": "bot" if bot else "user"}
        result = dict(self._write(params).get("edit", {}))
        if result.get("result") not in (None, "Success"):
            raise WikiError(f"edit of {title!r}: {result.get('result')}", "see the wiki's answer",
                            code=str(result.get("result")), data=result)
        return result


