"""The one exception tree of wikiclub.

Every error a user can cause or meet carries a message (what went wrong, where) and a hint (how to
fix it). The CLI turns any ``WikiclubError`` into those two lines and a non-zero exit code; anything
else is a bug and is shown as one.

::

    WikiclubError                      (exit 1; base of everything below)
    ├── UsageError                     (exit 2) bad option, bad combination, missing file
    ├── ConfigError                    (exit 2) wikiclub.toml / environment / credentials
    │   └── CredentialsError           no credentials found, or a password file readable by others
    ├── InputError                     (exit 1) a spreadsheet or mapping that cannot be used as it is
    │   ├── SheetError                 unreadable file, sheet, header …
    │   ├── MappingError               mapping YAML invalid (points at the YAML line)
    │   └── ValueParseError            one cell value does not parse for its datatype
    ├── BatchError                     a batch folder that is incomplete, unapproved or changed
    └── WikiError                      something the wiki (or the network to it) answered
        ├── TransportError             network failure, timeout, non-JSON answer, HTTP 5xx after retries
        │   ├── ResponseLostError      the request may have been applied but its answer was lost
        │   └── QueryTimeoutError      a SPARQL query timed out (server or client side): split it
        ├── RetryableError             maxlag, ratelimited, readonly, failed-save/actionthrottledtext,
        │                              no-automatic-entity-id, HTTP 429/5xx: retried with back-off,
        │                              raised when attempts run out
        ├── BadTokenError              badtoken: the client refreshes the CSRF token once
        ├── NotLoggedInError           assertuserfailed, assertbotfailed, notloggedin: log in again
        ├── LoginError                 wrong BotPassword, blocked account …
        ├── EditConflictError          editconflict: never retried blindly, the caller re-plans
        ├── ModificationFailedError    modification-failed / failed-save with data details
        ├── NoSuchEntityError          no-such-entity, missingtitle
        ├── PermissionDeniedError      permissiondenied, protectedpage …
        └── ApiError                   any other MediaWiki API error (code and info kept)

Wiki errors keep the API ``code``, ``info`` and the ``messages`` list (message keys and parameters),
so callers can report e.g. the QID that already holds a label+description pair.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class WikiclubError(Exception):
    """Base class: a message saying what went wrong and where, and a hint saying how to fix it."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n→ {self.hint}"


class UsageError(WikiclubError):
    exit_code = 2


class ConfigError(WikiclubError):
    exit_code = 2


class CredentialsError(ConfigError):
    pass


class InputError(WikiclubError):
    pass


class SheetError(InputError):
    pass


class MappingError(InputError):
    pass


class ValueParseError(InputError):
    """One value that does not parse. ``problem`` is a short machine-friendly kind (e.g. ``bad-date``)."""

    def __init__(self, message: str, hint: str | None = None, *, problem: str = "invalid-value",
                 value: str | None = None) -> None:
        super().__init__(message, hint)
        self.problem = problem
        self.value = value


class BatchError(WikiclubError):
    pass


class WikiError(WikiclubError):
    """An answer from the wiki. ``code``/``info``/``messages`` are MediaWiki's, when there was one."""

    def __init__(self, message: str, hint: str | None = None, *, code: str | None = None,
                 info: str | None = None, messages: Sequence[Mapping[str, Any]] = (),
                 http_status: int | None = None, retry_after: float | None = None,
                 data: Mapping[str, Any] | None = None) -> None:
        super().__init__(message, hint)
        self.code = code
        self.info = info
        self.messages = list(messages)
        self.http_status = http_status
        self.retry_after = retry_after
        self.data = dict(data or {})

    def message_names(self) -> list[str]:
        return [str(m.get("name")) for m in self.messages if isinstance(m, Mapping)]


class TransportError(WikiError):
    pass


class ResponseLostError(TransportError):
    """The request was sent but no answer came back: a write may have been applied."""


class QueryTimeoutError(TransportError):
    """A SPARQL query ran out of time (the service's own limit or our read timeout): split the query."""


class RetryableError(WikiError):
    pass


class BadTokenError(WikiError):
    pass


class NotLoggedInError(WikiError):
    pass


class LoginError(WikiError):
    pass


class EditConflictError(WikiError):
    pass


class ModificationFailedError(WikiError):
    pass


class NoSuchEntityError(WikiError):
    pass


class PermissionDeniedError(WikiError):
    pass


class ApiError(WikiError):
    pass
