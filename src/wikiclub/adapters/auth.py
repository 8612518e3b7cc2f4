"""BotPassword login through WikibaseIntegrator, with its cookies copied into our one session.

Choice (after reading wikibaseintegrator 0.12.15 ``wbi_login``): ``wbi_login.Login`` always builds
its own ``requests.Session()`` — there is no parameter to pass ours — then does the three requests
of a BotPassword login (``meta=tokens&type=login``, ``action=login``, ``meta=tokens&type=csrf``;
see tests/fixtures/client-sessions/README.md). So we let it log in on its throwaway session and then
**copy its cookie jar** (``wikidb_session``, ``wikidb_BPsession``) into the session made by
:func:`wikiclub.adapters.http.make_session`, and keep the CSRF token it fetched. From then on every
request goes through our session (our User-Agent, timeouts, contact check); the WBI object is dropped.

Things we do so WBI's globals do not leak into or out of us:

- ``mediawiki_api_url`` and ``user_agent`` are always passed explicitly; ``wbi_config`` is never
  written (its defaults point at Wikidata).
- ``maxlag`` rides in the query string of the api.php URL we give it (MediaWiki reads parameters
  from the query string and the body alike), so its three requests carry it; an API error during
  its login (it reads ``answer["query"]`` blindly) is asked again by :func:`_raise_why`, so a
  ``maxlag`` answer becomes a retryable error and the client waits it out.
- Its two login POSTs get our (connect, read) timeout through its ``timeout`` kwarg; its final GET
  has none in WBI, so :class:`_WbiLogin` overrides ``generate_edit_credentials`` to add it.
- ``Login.__init__`` is wrapped in WBI's back-off decorator (the ``backoff`` library): up to five
  tries with waits of 1, 2, 4, 8 s on a network error, each logged at ERROR level on the
  ``wikibaseintegrator.wbi_backoff`` logger (« Backing off 8.0 seconds afters 4 tries calling function
  with args (<…_WbiLogin object at 0x…>) … ») and the ``backoff`` logger — which Python prints on
  stderr when no logging is configured, before our own message. :class:`_WbiLogin` calls the
  undecorated ``__init__`` (``__wrapped__``, kept by ``functools.wraps``): retries are the client's
  (``WikibaseClient.login``, retryable errors only, with its own waits), and a dead wiki fails after
  one connect timeout; while WBI runs, :func:`_library_logs_dropped` drops what those two loggers
  still say (a WBI version without ``__wrapped__``). Our messages are exceptions, never logs, so
  nothing of ours is hidden. The password is passed as :class:`~wikiclub.credentials.Secret` anyway
  (its repr is masked). Login failures are re-raised as :class:`wikiclub.errors.LoginError` with the
  wiki's reason only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from ..credentials import Credentials, Secret
from ..errors import LoginError, RetryableError, TransportError, WikiError
from .mwerrors import classify_answer


def _wbi_login_class() -> type:
    # Imported lazily: WBI pulls in mwoauth/oauthlib, which most commands never need.
    from wikibaseintegrator import wbi_login

    class _WbiLogin(wbi_login.Login):  # type: ignore[misc]  # WikibaseIntegrator ships no type information
        """``wbi_login.Login`` whose final CSRF-token request has a timeout and typed errors."""

        def __init__(self, *, timeout: tuple[float, float], **kwargs: Any) -> None:
            self._wikiclub_timeout = timeout
            # Without WBI's back-off: it waits 1+2+4+8 s on every non-JSON answer (a 503 page) before
            # raising a bare JSONDecodeError, while our client backs off itself, honouring Retry-After.
            login = getattr(wbi_login.Login.__init__, "__wrapped__", wbi_login.Login.__init__)
            login(self, timeout=timeout, **kwargs)

        def generate_edit_credentials(self) -> Any:
            params = {"action": "query", "meta": "tokens", "type": "csrf", "format": "json"}
            response = self.session.get(self.mediawiki_api_url, params=params,
                                        timeout=self._wikiclub_timeout)
            try:
                body: Any = response.json()
            except ValueError:
                body = None
            error = classify_answer(response.status_code, response.headers, body,
                                    url=self.mediawiki_api_url)
            if error is not None:
                raise error
            token = body["query"]["tokens"]["csrftoken"]
            if token == "+\\":  # the anonymous token: the login cookies were not accepted
                raise LoginError("La connexion n'a pas pris / login did not stick (anonymous token)",
                                 "vérifiez que le wiki pose ses témoins de session pour cette adresse / check "
                                 "that the wiki sets its session cookies for this URL")
            self.edit_token = token
            return self.session.cookies

    return _WbiLogin


def _raise_why(api_url: str, session: requests.Session, timeout: tuple[float, float]) -> None:
    """WBI reads ``answer["query"]`` without looking for an error first, so an API error during its
    login (``maxlag`` above all: the URL carries it) reaches us as a KeyError. Ask the first request
    of the login again ourselves and raise what the wiki says (a typed, retryable error for maxlag;
    a TransportError when this is no api.php)."""
    try:
        response = session.get(api_url, params={"action": "query", "meta": "tokens", "type": "login",
                                                 "format": "json"}, timeout=timeout)
        body: Any = response.json()
    except requests.RequestException:
        return
    except ValueError:
        body = None
    error = classify_answer(response.status_code, response.headers, body, url=api_url)
    if error is not None:
        raise error


def _not_json(api_url: str, session: requests.Session, timeout: tuple[float, float], text: str) -> WikiError:
    """The error to show when the login got an answer that is not JSON (WBI keeps no HTTP status).

    One anonymous read of the same api.php says what the wiki answers now: an HTTP 503 (a proxy in
    front of an overloaded wiki) becomes a :class:`RetryableError` — the client logs in again after
    waiting —, so does a failure that has passed (the API answers JSON again); otherwise the start of
    the text the login got is shown.
    """
    try:
        response: requests.Response | None = session.get(
            api_url, params={"action": "query", "meta": "siteinfo", "format": "json"}, timeout=timeout)
    except requests.RequestException:
        response = None
    if response is not None:
        try:
            body: Any = response.json()
        except ValueError:  # requests' JSONDecodeError is a ValueError (and a RequestException)
            body = None
        error = classify_answer(response.status_code, response.headers, body, url=api_url)
        if error is not None:  # a 503 stays a RetryableError: the client waits, then logs in again
            kind = RetryableError if isinstance(error, RetryableError) else TransportError
            return kind(f"Connexion impossible / login failed: {error.message}", error.hint, code=error.code,
                        http_status=error.http_status, retry_after=error.retry_after)
    start = " ".join(str(text).split())[:120]
    message = (f"Connexion impossible / login failed: {api_url} a répondu autre chose que du JSON / answered "
               f"something that is not JSON: « {start} »")
    if response is not None:  # the API answers now: that answer was a passing failure, log in again
        return RetryableError(message, "the wiki (or a proxy in front of it) failed for a moment: try again later",
                              code="login-not-json")
    return TransportError(message, "is this the URL of an api.php? If the wiki is overloaded, try again later")


# Loggers of WBI's back-off and of the ``backoff`` library it uses (see the module docstring).
LIBRARY_RETRY_LOGGERS = ("wikibaseintegrator.wbi_backoff", "backoff")


class _DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


@contextmanager
def _library_logs_dropped() -> Iterator[None]:
    """While the block runs, the libraries' retry loggers say nothing (their filter is removed after)."""
    dropping = _DropAll()
    loggers = [logging.getLogger(name) for name in LIBRARY_RETRY_LOGGERS]
    for logger in loggers:
        logger.addFilter(dropping)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(dropping)


def bot_password_login(api_url: str, session: requests.Session, credentials: Credentials, *,
                       timeout: tuple[float, float]) -> str:
    """Log ``session`` in with a BotPassword; returns the CSRF token of the new login session."""
    from wikibaseintegrator import wbi_login

    user_agent = str(session.headers.get("User-Agent", "wikiclub"))
    try:
        with _library_logs_dropped():
            login = _wbi_login_class()(user=credentials.user, password=Secret(credentials.password),
                                       mediawiki_api_url=api_url, user_agent=user_agent, timeout=timeout)
    except wbi_login.LoginError as exc:
        # WBI's message is "Login failed. Reason: '<the wiki's reason>'": no secret in it.
        raise LoginError(f"Connexion refusée / login refused for {credentials.user}: {exc}",
                         "vérifiez le BotPassword (Special:BotPasswords : nom Utilisateur@app, droits de "
                         "modification) et d'où il a été lu / check the BotPassword and where it was read "
                         "from : " + credentials.source) from None
    except KeyError as exc:  # an answer without query.tokens: an API error (e.g. maxlag) or not api.php
        _raise_why(api_url, session, timeout)
        # The same api.php answers the first login request normally now: what WBI met was passing.
        raise RetryableError(f"Réponse inattendue pendant la connexion / unexpected answer during "
                             f"login from {api_url} (no {exc})", "réessayez ; est-ce bien l'adresse d'un api.php ? / try again; is this the URL of an api.php?",
                             code="login-interrupted") from None
    except json.JSONDecodeError as exc:  # WBI read an answer that is not JSON: say what it was
        raise _not_json(api_url, session, timeout, exc.doc) from None
    except requests.RequestException as exc:
        raise TransportError(f"Connexion impossible / cannot reach {api_url} to log in: "
                             f"{exc.__class__.__name__}", "vérifiez l'adresse du site et le réseau (le wiki local : "
                             "wikiclub sandbox serve) / check the site URL and the network") from None
    session.cookies.update(login.get_session().cookies)
    login.get_session().close()
    return str(login.edit_token)
