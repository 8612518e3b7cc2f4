"""``make_session(settings)``: the only place wikiclub builds an HTTP session.

Every session carries a User-Agent in the form Wikimedia's policy asks for
(https://foundation.wikimedia.org/wiki/Policy:User-Agent_policy):
``wikiclub/<version> (<contact>) requests/<version>``, and a (connect, read) timeout applied to every
request that does not give its own — requests has no default timeout and would wait forever.

Without a contact, sessions are only allowed to talk to loopback hosts (the sandbox): Wikimedia
blocks anonymous-looking clients, and a maintainer must be able to reach the operator of a tool.
The check happens when the session is built (for the configured site) and again on each request, so
a session cannot be pointed elsewhere by mistake.

Retries are *not* done here (urllib3's retry is disabled): whether a request may be repeated depends
on whether it was a write, which only the clients know.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.__version__ import __version__ as _REQUESTS_VERSION
from requests.adapters import HTTPAdapter

from .. import __version__
from ..config import Settings, is_local_host
from ..errors import ConfigError

CONTACT_HINT = ('indiquez un contact (page utilisateur du wiki ou courriel) dans wikiclub.toml / set a contact '
                'in wikiclub.toml : [wikiclub] contact = "User:VotreNom; vous@example.org", ou / or export '
                'WIKICLUB_CONTACT=…')


def user_agent(contact: str | None) -> str:
    return f"wikiclub/{__version__} ({contact or 'local use, no contact'}) requests/{_REQUESTS_VERSION}"


def _refuse_without_contact(url: str) -> ConfigError:
    host = urlsplit(url).hostname or url
    return ConfigError(f"Pas de contact pour le User-Agent / no contact set for the User-Agent; "
                       f"aucune requête envoyée à / refusing to send requests to {host}", CONTACT_HINT)


class WikiclubSession(requests.Session):
    """A Session with default timeouts and a contact check on every request."""

    def __init__(self, *, timeout: tuple[float, float], contact: str | None) -> None:
        super().__init__()
        self.timeout = timeout
        self.contact = contact
        self.headers["User-Agent"] = user_agent(contact)
        adapter = HTTPAdapter(max_retries=0)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method: str, url: str | bytes,
                *args: Any, **kwargs: Any) -> requests.Response:
        text_url = url.decode() if isinstance(url, bytes) else url
        if not self.contact and not is_local_host(urlsplit(text_url).hostname or ""):
            raise _refuse_without_contact(text_url)
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().request(method, text_url, *args, **kwargs)


def make_session(settings: Settings) -> WikiclubSession:
    """A session for the configured site (and its SPARQL endpoint)."""
    if not settings.contact:
        for url in (settings.site.api_url, settings.site.sparql_url):
            if url and not is_local_host(urlsplit(url).hostname or ""):
                raise _refuse_without_contact(url)
    return WikiclubSession(timeout=settings.timeouts, contact=settings.contact)
