"""Classify a MediaWiki Action API answer into the typed errors of :mod:`wikiclub.errors`.

:func:`classify_answer` is the ONE place that knows MediaWiki's error codes. It reads both error
formats (checked against the answers recorded from MediaWiki 1.39 + Wikibase in
tests/fixtures/wikibase-api/):

- ``errorformat=bc`` (the default): ``{"error": {"code", "info", "messages": [{"name",
  "parameters", "html": {"*"}}], …}}``;
- ``errorformat=plaintext`` / ``formatversion=2``: ``{"errors": [{"code", "text", "data":
  {"messages": […], …}, "module"}], "docref"}``.

MediaWiki answers API errors with HTTP 200 and a ``MediaWiki-API-Error`` header (T172293), so the
status alone says little; the header also lists secondary codes ("failed-save, ratelimited").
The table (WikibaseIntegrator's ``mediawiki_api_call`` was the model):

=========================================================  ===========================
maxlag, ratelimited, readonly, failed-save+actionthrottled  RetryableError
no-automatic-entity-id (the id generator's rate limit)      RetryableError
HTTP 429, HTTP 5xx, internal_api_error_DB*                  RetryableError
badtoken                                                    BadTokenError
assertuserfailed, assertbotfailed, notloggedin              NotLoggedInError
editconflict                                                EditConflictError
modification-failed, failed-save                            ModificationFailedError
no-such-entity, missingtitle                                NoSuchEntityError
permissiondenied, protectedpage, blocked …                  PermissionDeniedError
anything else                                               ApiError
non-JSON body, other HTTP errors                            TransportError
=========================================================  ===========================

Errors keep ``code``, ``info``, ``messages`` (the message keys and their parameters),
``retry_after`` (seconds, from the Retry-After header) and ``data``: for maxlag ``{"lag": …}``, for
modification failures ``{"conflicts": [{"message", "entity", "label", "language"}]}`` — e.g. the
QID that already holds the same label and description.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping
from typing import Any

from ..errors import (
    ApiError,
    BadTokenError,
    EditConflictError,
    ModificationFailedError,
    NoSuchEntityError,
    NotLoggedInError,
    PermissionDeniedError,
    RetryableError,
    TransportError,
    WikiError,
)

RETRYABLE_CODES = frozenset({"maxlag", "ratelimited", "readonly", "actionthrottledtext", "no-automatic-entity-id"})
# Answers meaning "this account hit one of the wiki's rate limits" ($wgRateLimits). For ``new=item``
# Wikibase asks its id generator first (RateLimitingIdGenerator pings 'wikibase-idgenerator'); when
# that limit is hit it answers ``no-automatic-entity-id`` ("Cannot automatically assign ID: " + the
# throttle text, only inside the message's parameter; header ``MediaWiki-API-Error:
# no-automatic-entity-id``; no Retry-After). No id is assigned and nothing is saved, so repeating it
# after the window is safe; the other cause of that code (the id table failing) is transient too.
RATE_LIMIT_CODES = frozenset({"ratelimited", "actionthrottledtext", "no-automatic-entity-id"})
RELOGIN_CODES = frozenset({"assertuserfailed", "assertbotfailed", "assertnameduserfailed", "notloggedin"})
MODIFICATION_CODES = frozenset({"modification-failed", "failed-save"})
MISSING_CODES = frozenset({"no-such-entity", "missingtitle"})
PERMISSION_CODES = frozenset({
    "permissiondenied", "protectedpage", "cascadeprotected", "protectedtitle", "blocked",
    "autoblocked", "readapidenied", "writeapidenied", "noedit", "noedit-anon", "cantcreate",
    "cantcreate-anon", "badaccess-groups", "mwoauth-invalid-authorization",
})
# Messages whose parameters name an entity that already holds a label / sitelink (Wikibase
# ValidatorErrorLocalizer): parameters are (label or page, language or site, "[[Item:Q2|Q2]]").
CONFLICT_MESSAGES = frozenset({
    "wikibase-validator-label-with-description-conflict", "wikibase-validator-label-conflict",
    "wikibase-validator-sitelink-conflict", "wikibase-validator-no-such-entity",
})
_ENTITY_LINK = re.compile(r"\[\[(?:[^|\]]*:)?([QPL]\d+)(?:\|[^\]]*)?\]\]")

_HINTS: dict[type[WikiError], str] = {
    RetryableError: "le wiki est surchargé / the wiki asks to slow down: try again later "
                    "(wikiclub already waited and retried)",
    BadTokenError: "the edit token expired: log in again",
    NotLoggedInError: "log in again (check the BotPassword with `wikiclub whoami`)",
    EditConflictError: "someone edited this entity meanwhile: plan again from the current version",
    ModificationFailedError: "the wiki refused the change: read the message, fix the data",
    NoSuchEntityError: "check the id (it may have been deleted or merged)",
    PermissionDeniedError: "this account lacks the right: check its groups with `wikiclub whoami`",
    ApiError: "see the message above; it comes from the wiki",
    TransportError: "check the site URL and the network, then try again",
}


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: either a number or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


_Extracted = tuple[str, str, list[dict[str, Any]], dict[str, Any], set[str]]


def _extract(body: Mapping[str, Any]) -> _Extracted | None:
    """(code, info, messages, data, all codes and message names) of an error answer, or None."""
    if isinstance(body.get("error"), Mapping):
        return _extract_error(body["error"])
    errors = body.get("errors")
    if isinstance(errors, list) and errors and all(isinstance(e, Mapping) for e in errors):
        return _extract_errors(errors)
    return None


def _extract_error(error: Mapping[str, Any]) -> _Extracted:
    """The classic format: ``{"error": {"code", "info", "messages"?, …}}``."""
    code = str(error.get("code", "unknown"))
    messages = [dict(m) for m in error.get("messages", []) if isinstance(m, Mapping)]
    data = {k: v for k, v in error.items() if k not in ("code", "info", "messages", "*", "docref")}
    names = {code} | {str(m.get("name")) for m in messages}
    return code, str(error.get("info", "")), messages, data, names


def _extract_errors(errors: list[Mapping[str, Any]]) -> _Extracted:
    """``errorformat=plaintext`` and later: ``{"errors": [{"code", "text", "data"?}, …]}``."""
    code = str(errors[0].get("code", "unknown"))
    info = str(errors[0].get("text") or errors[0].get("*") or "")
    messages: list[dict[str, Any]] = []
    data: dict[str, Any] = {}
    for err in errors:
        found = err.get("data")
        extra: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        messages += [dict(m) for m in extra.get("messages", []) if isinstance(m, Mapping)]
        data.update({k: v for k, v in extra.items() if k != "messages"})
    names = {str(e.get("code")) for e in errors} | {str(m.get("name")) for m in messages}
    return code, info, messages, data, names


def _conflicts(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    found = []
    for message in messages:
        if message.get("name") not in CONFLICT_MESSAGES:
            continue
        params = [str(p) for p in message.get("parameters", [])]
        entity = next((m.group(1) for p in params if (m := _ENTITY_LINK.search(p))), None)
        row = {"message": str(message["name"])}
        if entity:
            row["entity"] = entity
        if len(params) >= 3:
            row["label"], row["language"] = params[0], params[1]
        found.append(row)
    return found


def _kind(code: str, names: set[str], status: int) -> type[WikiError]:
    if status == 429 or status >= 500 or names & RETRYABLE_CODES or code.startswith("internal_api_error_DB"):
        return RetryableError
    if code == "badtoken":
        return BadTokenError
    if code in RELOGIN_CODES:
        return NotLoggedInError
    if code == "editconflict":
        return EditConflictError
    if code in MODIFICATION_CODES:
        return ModificationFailedError
    if code in MISSING_CODES:
        return NoSuchEntityError
    if code in PERMISSION_CODES:
        return PermissionDeniedError
    return ApiError


def classify_answer(status: int, headers: Mapping[str, str], body: object, *,
                    url: str = "") -> WikiError | None:
    """The typed error an API answer carries, or None when it is a success.

    ``body`` is the parsed JSON (or None / the raw text when the answer was not JSON).
    """
    retry_after = parse_retry_after(_header(headers, "Retry-After"))
    header_codes = {c.strip() for c in (_header(headers, "MediaWiki-API-Error") or "").split(",") if c.strip()}
    extracted = _extract(body) if isinstance(body, Mapping) else None
    where = f" ({url})" if url else ""

    if extracted is None:
        if status == 429 or status >= 500:
            return RetryableError(f"HTTP {status}{where}: le serveur est occupé / server busy or failing",
                                  _HINTS[RetryableError], code=f"http-{status}", http_status=status,
                                  retry_after=retry_after)
        if status >= 400:
            return TransportError(f"HTTP {status}{where}", "is this the URL of an api.php?",
                                  code=f"http-{status}", http_status=status)
        if not isinstance(body, Mapping):
            return TransportError(f"Réponse non JSON / the answer is not JSON{where}",
                                  "is this the URL of an api.php? (it should end in /w/api.php)",
                                  code="not-json", http_status=status)
        return None

    code, info, messages, data, names = extracted
    names |= header_codes
    kind = _kind(code, names, status)
    if kind is ModificationFailedError:
        conflicts = _conflicts(messages)
        if conflicts:
            data["conflicts"] = conflicts
    if kind is RetryableError and names & RATE_LIMIT_CODES:
        data["rate_limited"] = True
    if kind is RetryableError and retry_after is None and code == "maxlag":
        # MediaWiki sends Retry-After with maxlag; without it, wait at least the lag (WBI waits ≥ 5 s).
        lag = data.get("lag")
        retry_after = max(float(lag), 5.0) if isinstance(lag, int | float) else None
    return kind(f"{code}: {info}" if info else code, _HINTS[kind], code=code, info=info,
                messages=messages, http_status=status, retry_after=retry_after, data=data)


def check_answer(status: int, headers: Mapping[str, str], body: object, *, url: str = "") -> None:
    """Raise the error an answer carries, if any."""
    error = classify_answer(status, headers, body, url=url)
    if error is not None:
        raise error
