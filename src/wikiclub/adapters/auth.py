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
from ..errors import LoginError, TransportError
from .mwerrors import classify_answer


def _wbi_login_class() -> type:
    # Imported lazily: WBI pulls in mwoauth/oauthlib, which most commands never need.
    from wikibaseintegrator import wbi_login

    class _WbiLogin(wbi_login.Login):  # type: ignore[misc]  # WikibaseIntegrator ships no type information
        """``wbi_login.Login`` whose final CSRF-token request has a timeout and typed errors."""

        def __init__(self, *, timeout: tuple[float, float], **kwargs: Any) -> None:
            self._wikiclub_timeout = timeout
            init = getattr(wbi_login.Login.__init__, "__wrapped__", wbi_login.Login.__init__)  # no WBI back-off
            init(self, timeout=timeout, **kwargs)

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
        raise TransportError(f"Réponse inattendue pendant la connexion / unexpected answer during "
                             f"login from {api_url} (no {exc})",
                             "est-ce bien l'adresse d'un api.php ? / is this the URL of an api.php?") from None
    except (requests.RequestException, json.JSONDecodeError) as exc:
        raise TransportError(f"Connexion impossible / cannot reach {api_url} to log in: "
                             f"{exc.__class__.__name__}", "vérifiez l'adresse du site et le réseau (le wiki local : "
                             "wikiclub sandbox serve) / check the site URL and the network") from None
    session.cookies.update(login.get_session().cookies)
    login.get_session().close()
    return str(login.edit_token)
