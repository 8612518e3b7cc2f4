"""Checks every write passes first, shared by the core modules and the Wikibase modules: asserts,
tokens, rights and rate limits (MediaWiki's ApiBase::checkUserRightsAny, ApiMain::checkAsserts,
the token check of ApiBase::validateToken, User::pingLimiter)."""

from __future__ import annotations

import hashlib
import secrets
import time

from . import users
from .context import ApiRequest, Session
from .mw import ApiError, permission_denied, ratelimited_error

ANON_TOKEN = "+\\"


def rights(req: ApiRequest) -> list[str]:
    return users.user_rights(req.user, anonymous_edits=req.app.config.anonymous_edits)


def check_asserts(req: ApiRequest) -> None:
    """``assert=user|bot|anon`` and ``assertuser``, checked before anything else as ApiMain does."""
    wanted = req.params.get("assert")
    user = req.user
    if wanted == "user" and user is None:
        raise ApiError("assertuserfailed", "You are no longer logged in, so the action could not be completed.")
    if wanted == "bot" and "bot" not in rights(req):
        raise ApiError("assertbotfailed",
                       'You do not have the "bot" right, so the action could not be completed.')
    if wanted == "anon" and user is not None:
        raise ApiError("assertanonfailed", "You are no longer logged out, so the action could not be completed.")
    named = req.params.get("assertuser")
    if named and (user is None or user.name != named[:1].upper() + named[1:]):
        raise ApiError("assertnameduserfailed",
                       f'You are no longer logged in as "{named}", so the action could not be completed.')


def csrf_token(session: Session) -> str:
    if session.user is None:
        return ANON_TOKEN
    if not session.csrf_token:
        session.csrf_token = secrets.token_hex(20) + ANON_TOKEN
    return session.csrf_token


def token_for(req: ApiRequest, kind: str) -> str:
    """Tokens of one session. Anonymous sessions get the public ``+\\`` except for login and
    account creation, which need a session (and therefore a cookie)."""
    session = req.session
    if kind == "login":
        if not session.login_token:
            session.login_token = secrets.token_hex(20) + ANON_TOKEN
        req.app.keep_session(req)
        return session.login_token
    if kind == "createaccount":
        req.app.keep_session(req)
        return hashlib.sha1((session.id + "createaccount").encode()).hexdigest() + ANON_TOKEN
    if session.user is None:
        return ANON_TOKEN
    csrf = csrf_token(session)
    if kind == "csrf":
        return csrf
    return hashlib.sha1((csrf + kind).encode()).hexdigest() + ANON_TOKEN


def check_token(req: ApiRequest) -> None:
    """ApiMain::setupModule's token check: missingparam, mustpostparams, badtoken, then mustbeposted."""
    req.token_checked = True
    token = req.params.get("token")
    if token is None:
        raise ApiError("missingparam", 'The "token" parameter must be set.')
    if "token" in req.query_keys:
        raise ApiError("mustpostparams", "The following parameter was found in the query string, "
                                         "but must be in the POST body: token.")
    if token != csrf_token(req.session):
        raise ApiError("badtoken", "Invalid CSRF token.")
    if req.method != "POST":
        raise ApiError("mustbeposted", f'The "{req.action}" module requires a POST request.')


def check_write(req: ApiRequest, *, rate_action: str | None = "edit") -> None:
    """Checks every write passes first (core and Wikibase modules): asserts, token, the ``edit``
    right (anonymous editing is off like on the recorded wiki), then the rate limit (``None``: the
    module pings its limits itself, later, as a creation does). Raises ApiError."""
    check_asserts(req)
    check_token(req)
    app = req.app
    if "edit" not in rights(req):
        raise permission_denied(req.action, app.config.sitename)
    if rate_action is not None and over_limit(req, rate_action):
        raise ratelimited_error(req.action)


def over_limit(req: ApiRequest, action: str) -> bool:
    """``User::pingLimiter(action)``: count one hit (refused ones count too); True when over the limit.
    Accounts with ``noratelimit`` are never limited."""
    if "noratelimit" in rights(req):
        return False
    return req.app.rate_limiter.hit(action, req.user, req.remote_addr, time.monotonic())


