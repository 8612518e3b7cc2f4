"""``WikibaseClient``: everything the stages ask of a Wikibase, through its Action API.

Rules it keeps (Wikimedia's API etiquette; docs/architecture.md, « Qualities that hold everywhere »):

- requests in series, never in parallel; ``format=json`` and ``maxlag`` on every request MediaWiki
  checks — reads, writes, token requests and the three requests of a login;
- reads batched by 50 ids (the limit for accounts without ``apihighlimits``);
- back-off on maxlag / ratelimited / readonly / HTTP 429 and 5xx, waiting what Retry-After says, at
  most ``max_attempts`` tries, then the :class:`~wikiclub.errors.RetryableError` is raised;
- writes are paced twice: by our ``throttle`` (edits per minute) and by the wiki's own rate limits,
  read from ``meta=userinfo&uiprop=ratelimits`` by :meth:`WikibaseClient.userinfo`, so a push waits
  *before* the wiki refuses (:class:`~wikiclub.adapters.waits.RatePacer`); a refused write
  (``ratelimited``, ``failed-save`` + ``actionthrottledtext``, ``no-automatic-entity-id`` for a
  creation) waits out the whole window and is sent again;
- every wait is announced first: ``client.on_wait(callback)`` receives a
  :class:`~wikiclub.adapters.waits.WaitEvent` (see :mod:`wikiclub.adapters.waits`);
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
from typing import Any, cast
from urllib.parse import urlencode

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
from ..wbjson import Entity, EntityData, SearchHit
from .auth import bot_password_login
from .mwerrors import classify_answer
from .waits import (
    CREATION_LIMITS,
    WRITE_LIMITS,
    RateLimit,
    RatePacer,
    Throttle,
    WaitCallback,
    WaitEvent,
    WaitKind,
    parse_ratelimits,
)

log = logging.getLogger(__name__)

GET_ENTITIES_BATCH = 50
ANON_TOKEN = "+\\"
_ENTITY_ID = re.compile(r"^(?:[QPL][1-9]\d*|L[1-9]\d*-[SF][1-9]\d*|M[1-9]\d*)$")
# HTTP statuses given *before* a request is processed: safe to repeat a write. Not 503: a proxy gives
# it as well when the wiki behind it saved the edit but answered too late.
_NOT_PROCESSED_STATUSES = frozenset({429})
# Transport failures worth repeating (for reads, and for writes that were certainly not sent).
_RETRIED_TRANSPORT_CODES = frozenset({"timeout", "network"})
# A refused write with no Retry-After and no known limit: MediaWiki's usual windows are 60 s.
_UNKNOWN_WINDOW = 60.0

__all__ = ["Throttle", "UserInfo", "WikibaseClient"]


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    groups: tuple[str, ...]
    rights: tuple[str, ...]
    anon: bool = False
    ratelimits: tuple[RateLimit, ...] = ()  # the wiki's limits for this account (none with noratelimit)

    def has_right(self, right: str) -> bool:
        return right in self.rights


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


def _limits_of(params: Mapping[str, Any]) -> tuple[str, ...]:
    """Which of the wiki's rate limits a write pings (a creation also asks the id generator)."""
    if params.get("action") == "wbeditentity" and params.get("new"):
        return CREATION_LIMITS
    return WRITE_LIMITS


def _wait_kind(exc: WikiError) -> WaitKind:
    if exc.code == "maxlag":
        return "maxlag"
    return "ratelimit" if exc.data.get("rate_limited") else "retry"


def check_maxlag(maxlag: int | None) -> None:
    """maxlag below 1 makes every request fail on a replicated wiki (its lag is never 0)."""
    if maxlag is not None and maxlag < 1:
        raise UsageError(f"maxlag = {maxlag} : doit être au moins 1 / must be at least 1",
                         "a wiki's replicas always lag a little: with maxlag below 1 every request is "
                         "refused; use maxlag = 5 (Wikimedia's recommendation)")


class WikibaseClient:
    def __init__(self, site: SiteConfig | str, session: requests.Session, *, maxlag: int | None = 5,
                 max_attempts: int = 5, sleep: Callable[[float], None] = time.sleep,
                 throttle: Throttle | float | None = None, timeout: tuple[float, float] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        check_maxlag(maxlag)
        self.site = site if isinstance(site, SiteConfig) else SiteConfig(str(site), str(site))
        self.api_url = self.site.api_url
        self.session = session
        self.maxlag = maxlag
        self.max_attempts = max(1, max_attempts)
        self.sleep = sleep
        self.throttle = throttle if isinstance(throttle, Throttle) else Throttle(throttle, sleep=sleep, clock=clock)
        self.pacer = RatePacer(clock=clock)
        self.timeout = timeout or getattr(session, "timeout", None) or (10.0, 60.0)
        self.requests_made = 0
        self._credentials: Credentials | None = None
        self._csrf: str | None = None
        self._namespaces: dict[str, int] | None = None
        self._listeners: list[WaitCallback] = []

    @classmethod
    def from_settings(cls, settings: Any, session: requests.Session, **kwargs: Any) -> WikibaseClient:
        options = {"maxlag": settings.maxlag, "max_attempts": settings.retries,
                   "throttle": settings.throttle, "timeout": settings.timeouts, **kwargs}
        return cls(settings.site, session, **options)

    # ---- waits ---------------------------------------------------------------------------------
    def on_wait(self, callback: WaitCallback) -> Callable[[], None]:
        """Call ``callback(event)`` before every wait of this client; returns the unsubscriber."""
        self._listeners.append(callback)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(callback)

        return unsubscribe

    def _wait(self, event: WaitEvent) -> None:
        log.info("%s: %s", event.action, event.text())
        for callback in list(self._listeners):
            callback(event)
        self.sleep(event.seconds)

    def _pace(self, limits: Sequence[str], action: str) -> None:
        """Wait until a write pinging ``limits`` stays within the wiki's rate limits."""
        seconds, limit = self.pacer.delay(limits)
        if seconds > 0 and limit is not None:
            self._wait(WaitEvent("ratelimit", seconds, action,
                                 f"{limit.text()} pour ce compte / for this account (avant refus / before "
                                 "being refused)"))

    # ---- the one request loop ------------------------------------------------------------------
    def call(self, params: Mapping[str, Any], *, post: bool = False) -> dict[str, Any]:
        """One API request with retries, token refresh and re-login; returns the JSON answer.

        A request carrying ``token`` is a write (unless it is a logout): see the module docstring.
        The answer is decoded JSON (``Any`` inside): this is where Wikibase JSON enters the code,
        the one place it is given its shapes (:mod:`wikiclub.wbjson`) without being checked —
        ``get_entities``, ``search_entities`` and ``edit_entity`` annotate what they take from it.
        """
        params = {k: v for k, v in params.items() if v is not None}
        params["format"] = "json"
        if self.maxlag is not None:
            params.setdefault("maxlag", str(self.maxlag))
        is_write = "token" in params and params.get("action") != "logout"
        limits = _limits_of(params) if is_write else ()
        refreshed_token = relogged = False
        attempt = 0
        while True:
            attempt += 1
            self._pace(limits, str(params.get("action")))
            try:
                answer = self._send(params, post=post or is_write, is_write=is_write)
                self.pacer.hit(limits)
                return answer
            except (RetryableError, TransportError) as exc:
                self._retry_or_raise(exc, params, attempt, limits)
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

    def _retry_or_raise(self, exc: RetryableError | TransportError, params: Mapping[str, Any], attempt: int,
                        limits: Sequence[str]) -> None:
        """Wait before the next attempt, or raise when the request must not (or may no more) be repeated."""
        is_write = bool(limits)
        if isinstance(exc, ResponseLostError) or (
                isinstance(exc, TransportError) and exc.code not in _RETRIED_TRANSPORT_CODES):
            raise exc
        if is_write and exc.http_status not in (200, *_NOT_PROCESSED_STATUSES, None):
            raise ResponseLostError(
                f"HTTP {exc.http_status} après l'envoi / after sending {params.get('action')}: the edit may "
                "have been saved", "look the edit up before trying again",
                code=exc.code, http_status=exc.http_status) from exc
        if attempt >= self.max_attempts:
            raise exc
        self._back_off(exc, attempt, str(params.get("action")), limits)

    def _back_off(self, exc: WikiError, attempt: int, what: str, limits: Sequence[str] = ()) -> None:
        kind = _wait_kind(exc)
        reason = exc.info or exc.code or exc.message
        if kind == "ratelimit":
            window, limit = self.pacer.refused(limits)
            delay = exc.retry_after if exc.retry_after is not None else (window or _UNKNOWN_WINDOW)
            reason = (f"refusé / refused ({exc.code}); {limit.text()}" if limit else
                      f"refusé / refused ({exc.code}); fenêtre inconnue / unknown window")
        elif exc.retry_after is not None:
            delay = exc.retry_after
        else:
            delay = min(2.0 ** attempt, 60.0)
        self._wait(WaitEvent(kind, delay, what, reason[:200], attempt, self.max_attempts, exc.code or ""))

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
        return cast("dict[str, Any]", body)  # an answer without an error is a JSON object

    # ---- session -------------------------------------------------------------------------------
    def _login_url(self) -> str:
        """The api.php URL WikibaseIntegrator logs in through: ``maxlag`` rides in its query string
        (MediaWiki reads parameters from the query string and the body alike), so the login token,
        login and CSRF token requests it sends carry it too."""
        if self.maxlag is None:
            return self.api_url
        return self.api_url + ("&" if "?" in self.api_url else "?") + urlencode({"maxlag": self.maxlag})

    def login(self, credentials: Credentials) -> None:
        """Log in with a BotPassword (through WikibaseIntegrator, see auth.py)."""
        attempt = 0
        while True:
            attempt += 1
            self.requests_made += 3  # WBI's login token, login and CSRF token requests
            try:
                self._csrf = bot_password_login(self._login_url(), self.session, credentials,
                                                timeout=self.timeout)
                break
            except RetryableError as exc:  # maxlag, a 503 from a proxy: logging in again is harmless
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
        """The account, its rights and the wiki's rate limits for it — which then pace this client's
        writes (``meta=userinfo&uiprop=groups|rights|ratelimits``)."""
        answer = self.call({"action": "query", "meta": "userinfo", "uiprop": "groups|rights|ratelimits"})
        info = answer["query"]["userinfo"]
        limits = parse_ratelimits(info.get("ratelimits") or {})
        self.pacer.configure(limits)
        return UserInfo(id=int(info.get("id", 0)), name=str(info.get("name", "")),
                        groups=tuple(info.get("groups", ())), rights=tuple(info.get("rights", ())),
                        anon="anon" in info and info["anon"] is not False, ratelimits=limits)

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
                     languages: Sequence[str] | None = None) -> dict[str, Entity]:
        """Entities by id, in the order asked, 50 per request; a missing one is ``{"id", "missing": ""}``.

        A redirected id is keyed by the id asked, its value is the target entity (with ``redirects``).
        The answer's JSON is typed here as :class:`~wikiclub.wbjson.Entity` (see :meth:`call`).
        """
        wanted: list[str] = []
        for raw in ids:
            entity_id = raw.strip().upper()
            if not _ENTITY_ID.match(entity_id):
                raise InputError(f"{raw!r} n'est pas un identifiant / is not an entity id",
                                 "ids look like Q42, P31 or L7")
            if entity_id not in wanted:
                wanted.append(entity_id)
        found: dict[str, Entity] = {}
        for batch in _chunks(wanted, GET_ENTITIES_BATCH):
            params = {"action": "wbgetentities", "ids": "|".join(batch),
                      "props": "|".join(props) if props else None,
                      "languages": "|".join(languages) if languages else None}
            entities: dict[str, Entity] = self.call(params).get("entities", {})
            for entity_id in batch:
                found[entity_id] = entities.get(entity_id) or {"id": entity_id, "missing": ""}
        return found

    def search_entities(self, text: str, *, language: str, type: str = "item",  # noqa: A002
                        limit: int = 7) -> list[SearchHit]:
        """``wbsearchentities``: prefix search on labels and aliases (its limits: docs/architecture.md, « Reconciliation in one paragraph »)."""
        answer = self.call({"action": "wbsearchentities", "search": text, "language": language,
                            "uselang": language, "type": type, "limit": str(limit)})
        hits: list[SearchHit] = answer.get("search", [])
        return list(hits)

    def use_namespaces(self, namespaces: Mapping[str, int]) -> None:
        """The entity namespaces, known already (the run's siteinfo): not asked again."""
        if namespaces:
            self._namespaces = dict(namespaces)

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
    def edit_entity(self, data: EntityData, *, entity_id: str | None = None,
                    new: str | None = None, baserevid: int | None = None, summary: str,
                    bot: bool = False, tags: Sequence[str] = (), clear: bool = False,
                    warnings: list[str] | None = None) -> Entity:
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
        entity: Entity = answer["entity"]
        return entity.copy()

    def _write(self, params: dict[str, Any]) -> dict[str, Any]:
        delay = self.throttle.delay()
        if delay > 0:
            per_minute = 60.0 / self.throttle.interval
            self._wait(WaitEvent("throttle", delay, str(params.get("action")),
                                 f"{per_minute:g} modifications par minute / edits per minute (throttle)"))
        self.throttle.mark()
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


