"""MediaWiki API errors and their JSON shapes, as MediaWiki 1.39 + Wikibase write them.

Handlers raise :class:`ApiError`; :func:`error_response_body` renders it for the request's
``errorformat``/``formatversion`` exactly as the recorded fixtures show:

* default (``errorformat=bc``): ``{"error": {"code", "info", [messages], [extra…], "*": docref}}``
* ``errorformat=plaintext`` (any formatversion): ``{"errors": [{"code", "text", [data], "module"}],
  "docref": …}``; Wikibase errors with messages list each message as its own entry, then one entry
  with ``data.messages`` (see ``wbeditentity-editconflict-errorformat-plaintext.json``).

The response always has HTTP 200 (except faults such as 503) and the header
``MediaWiki-API-Error: <code>`` (Wikibase's failed-save for a rate limit says
``failed-save, ratelimited``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DOCREF = (
    "See {api} for API usage. Subscribe to the mediawiki-api-announce mailing list at "
    "&lt;https://lists.wikimedia.org/postorius/lists/mediawiki-api-announce.lists.wikimedia.org/&gt; "
    "for notice of API deprecations and breaking changes."
)


@dataclass
class ApiError(Exception):
    """An API error answer. ``messages`` are ``(name, parameters, text)`` triples (Wikibase errors)."""

    code: str
    info: str
    messages: Sequence[tuple[str, Sequence[Any], str]] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)  # e.g. maxlag's host/lag/type
    header_codes: str | None = None  # overrides the MediaWiki-API-Error header value
    headers: Mapping[str, str] = field(default_factory=dict)  # e.g. Retry-After
    http_status: int = 200
    module: str = "main"

    def __str__(self) -> str:
        return f"{self.code}: {self.info}"


def error_response_body(err: ApiError, *, api_url: str, errorformat: str = "bc",
                        module: str | None = None) -> dict[str, Any]:
    docref = DOCREF.format(api=api_url)
    mod = module or err.module
    if errorformat in ("plaintext", "wikitext", "html", "raw"):
        errors: list[dict[str, Any]] = []
        if err.messages:
            for name, _params, text in err.messages:
                errors.append({"code": err.code, "text": text, "module": mod})
            errors.append({"code": err.code, "text": err.info, "data": {"messages": [
                {"name": n, "parameters": list(p), "html": t} for n, p, t in err.messages]}, "module": mod})
        else:
            entry: dict[str, Any] = {"code": err.code, "text": err.info}
            if err.extra:
                entry["data"] = dict(err.extra)
            entry["module"] = mod
            errors.append(entry)
        return {"errors": errors, "docref": docref}
    body: dict[str, Any] = {"code": err.code, "info": err.info}
    if err.messages:
        body["messages"] = [{"name": n, "parameters": list(p), "html": {"*": t}} for n, p, t in err.messages]
    body.update(err.extra)
    body["*"] = docref
    return {"error": body}


def error_header(err: ApiError) -> str:
    return err.header_codes or err.code
