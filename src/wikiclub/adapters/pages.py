"""Publish wikitext pages (coverage reports …) through pywikibot, imported lazily.

pywikibot keeps process-wide state: its ``config`` module, one global ``requests`` session and
one global cookie jar. :func:`_pywikibot_env` therefore sets what we need for one publication and
puts it all back afterwards:

- ``PYWIKIBOT_NO_USER_CONFIG=2`` (set before the first import if the caller did not choose), so no
  ``user-config.py`` is needed and no warning is printed;
- ``config.base_dir`` = ``workdir``: pywikibot writes its cookie jar ``pywikibot-<user>.lwp``, the
  ``apicache/`` folder and ``throttle.ctrl`` there (by default it would be the current directory —
  i.e. the repository). The caller picks a private folder; cookies are never printed;
- the BotPassword is written as ``('User', BotPassword('app', '…'))`` into a password file created
  mode 0600 in a fresh temporary directory, deleted when the publication ends;
- the global cookie jar is emptied afterwards so a later site/user starts clean.

The site is ``pywikibot.family.AutoFamily(name, api_url)`` — it reaches any MediaWiki from its
api.php URL — plus the 5 Wikibase hooks (``calendarmodel``, ``default_globe``, ``globes``,
``interface``, ``entity_sources``) bound from ``DefaultWikibaseFamily``, without which a
``DataSite`` on an AutoFamily cannot build time or coordinate values
(tests/fixtures/client-sessions/README.md, "The workaround").
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..credentials import Credentials
from ..errors import EditConflictError, LoginError, WikiError
from .mwerrors import classify_answer

WIKIBASE_HOOKS = ("calendarmodel", "default_globe", "globes", "interface", "entity_sources")
_CONFIG_KEYS = ("base_dir", "password_file", "usernames", "put_throttle", "max_retries", "retry_wait",
                "user_agent_description", "socket_timeout")


@dataclass(frozen=True)
class PublishedPage:
    title: str
    revision_id: int
    url: str


def _import_pywikibot() -> Any:
    os.environ.setdefault("PYWIKIBOT_NO_USER_CONFIG", "2")
    import pywikibot

    return pywikibot


def wikibase_family(name: str, api_url: str) -> Any:
    """``AutoFamily(name, api_url)`` with the Wikibase hooks of ``DefaultWikibaseFamily``."""
    pywikibot = _import_pywikibot()
    from pywikibot.family import AutoFamily, DefaultWikibaseFamily

    family = AutoFamily(name, api_url)
    for hook in WIKIBASE_HOOKS:
        setattr(family, hook, types.MethodType(getattr(DefaultWikibaseFamily, hook), family))
    del pywikibot
    return family


def _site_name(api_url: str) -> str:
    """A family name pywikibot accepts (letters, digits) derived from the URL's host and port."""
    from urllib.parse import urlsplit

    netloc = urlsplit(api_url).netloc
    return "wc" + "".join(ch if ch.isalnum() else "x" for ch in netloc)


@contextlib.contextmanager
def _pywikibot_env(workdir: Path, family_name: str, credentials: Credentials | None, *,
                   maxlag: int, contact: str | None, retries: int, timeout: tuple[float, float]) -> Iterator[Any]:
    pywikibot = _import_pywikibot()
    from pywikibot import config
    from pywikibot.comms import http

    # pywikibot 11.8 renamed ``maxlag`` to ``write_maxlag`` (writes) next to ``read_maxlag``.
    maxlag_keys = [k for k in ("write_maxlag", "read_maxlag") if k in vars(config)] or ["maxlag"]
    saved = {key: getattr(config, key) for key in (*_CONFIG_KEYS, *maxlag_keys)}
    workdir.mkdir(parents=True, exist_ok=True)
    # Once pywikibot has picked its process id (module global in throttle.py), a Throttle whose
    # throttle.ctrl does not exist yet raises FileNotFoundError: a second workdir in the same
    # process would fail. An empty file is a valid "no other process" state.
    (workdir / "throttle.ctrl").touch(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wikiclub-pwb-") as secret_dir:
        try:
            config.base_dir = str(workdir)
            config.usernames = {**saved["usernames"]}
            config.put_throttle = 0  # wikiclub's own throttle spaces the edits
            for key in maxlag_keys:
                setattr(config, key, maxlag)
            config.max_retries = retries
            config.retry_wait = 1
            config.socket_timeout = timeout
            config.user_agent_description = contact
            if credentials is not None:
                password_path = Path(secret_dir) / "user-password.cfg"
                app = credentials.user.split("@", 1)[1] if "@" in credentials.user else ""
                # repr() of the plain str (Secret masks its own repr): a valid Python literal.
                line = f"({credentials.username!r}, BotPassword({app!r}, {str(credentials.password)!r}))\n"
                fd = os.open(password_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(line)
                config.password_file = str(password_path)
                config.usernames[family_name] = {family_name: credentials.username}
            yield pywikibot
        finally:
            for key, value in saved.items():
                setattr(config, key, value)
            http.cookie_jar.clear()


def _translate(exc: Exception, pywikibot: Any) -> WikiError:
    from pywikibot import exceptions as pwe

    if isinstance(exc, pwe.NoUsernameError):
        return LoginError(f"Connexion refusée / login refused: {exc}",
                          "check the BotPassword (Special:BotPasswords)")
    if isinstance(exc, pwe.EditConflictError):
        return EditConflictError(f"Conflit de modification / edit conflict: {exc}",
                                 "someone edited the page meanwhile: publish again")
    if isinstance(exc, pwe.APIError):
        body = {"error": {"code": exc.code, "info": exc.info, **getattr(exc, "other", {})}}
        error = classify_answer(200, {}, body)
        if error is not None:
            return error
    return WikiError(f"pywikibot: {exc.__class__.__name__}: {exc}", "see the message above",
                     code=exc.__class__.__name__)


def publish_page(api_url: str, title: str, text: str, summary: str, credentials: Credentials, *,
                 workdir: Path, maxlag: int = 5, contact: str | None = None, retries: int = 5,
                 timeout: tuple[float, float] = (10.0, 60.0), bot: bool | None = None) -> PublishedPage:
    """Save ``text`` as page ``title`` (created or replaced) and return its new revision.

    ``bot=None`` flags the edit as bot only when the account has the ``bot`` right.
    """
    name = _site_name(api_url)
    with _pywikibot_env(workdir, name, credentials, maxlag=maxlag, contact=contact, retries=retries,
                        timeout=timeout) as pywikibot:
        from pywikibot import exceptions as pwe
        from pywikibot.site import APISite

        try:
            site = APISite(name, wikibase_family(name, api_url), user=credentials.username)
            site.login()
            page = pywikibot.Page(site, title)
            page.text = text
            flag = site.has_right("bot") if bot is None else bot
            page.save(summary=summary, minor=False, bot=flag, quiet=True)
            return PublishedPage(title=page.title(), revision_id=int(page.latest_revision_id),
                                 url=page.full_url())
        except pwe.Error as exc:
            raise _translate(exc, pywikibot) from None


def read_page(api_url: str, title: str, *, workdir: Path) -> str:
    """The current wikitext of ``title`` (anonymous read through pywikibot)."""
    name = _site_name(api_url)
    with _pywikibot_env(workdir, name, None, maxlag=5, contact=None, retries=3,
                        timeout=(10.0, 60.0)) as pywikibot:
        from pywikibot import exceptions as pwe
        from pywikibot.site import APISite

        try:
            site = APISite(name, wikibase_family(name, api_url))
            return str(pywikibot.Page(site, title).get(force=True))
        except pwe.Error as exc:
            raise _translate(exc, pywikibot) from None


def pywikibot_site(api_url: str, *, name: str | None = None, user: str | None = None) -> Any:
    """A ``DataSite`` for an operator who already uses pywikibot (their own config and login).

    Unlike :func:`publish_page`, nothing is set or restored: the operator's ``user-config.py``
    (if ``PYWIKIBOT_NO_USER_CONFIG`` is not set) decides where files and passwords live.
    """
    _import_pywikibot()
    from pywikibot.site import DataSite

    name = name or _site_name(api_url)
    return DataSite(name, wikibase_family(name, api_url), user=user)
