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

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DOCREF = (
    "See {api} for API usage. Subscribe to the mediawiki-api-announce mailing list at "
    "&lt;https://lists.wikimedia.org/postorius/lists/mediawiki-api-announce.lists.wikimedia.org/&gt; "
    "for notice of API deprecations and breaking changes."
)


class RawJSON:
    """A part of an answer that is already JSON text, written into the answer as is.

    ``text`` must be what :func:`api_json` would write for the decoded value (compact separators,
    ``ensure_ascii=False``): ``wbgetentities`` hands the ``claims`` and ``sitelinks`` of a stored entity
    this way, cut from the stored text, which the same encoder wrote — the answer's bytes are those of
    decoding and encoding again, without the cost (``tests/sandbox/test_wbgetentities_raw.py``).
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def value(self) -> Any:
        return json.loads(self.text)


def api_json(body: Any) -> str:
    """The JSON of an API answer: compact, UTF-8 as is (MediaWiki's ``format=json``), with every
    :class:`RawJSON` written as its text."""
    raws: list[str] = []
    nonce = secrets.token_hex(8)  # a placeholder no stored string can be equal to

    def placeholder(value: Any) -> str:
        if not isinstance(value, RawJSON):
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
        raws.append(value.text)
        return f"\x00{nonce}{len(raws) - 1}\x00"

    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=placeholder)
    if not raws:
        return text
    return re.sub(rf'"\\u0000{nonce}(\d+)\\u0000"', lambda m: raws[int(m.group(1))], text)


def plain(value: Any) -> Any:
    """``value`` with every :class:`RawJSON` decoded (for code that reads an answer as data)."""
    if isinstance(value, RawJSON):
        return value.value()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


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
            for _name, _params, text in err.messages:
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


# ---- namespaces and titles ------------------------------------------------------------------------
# (id, canonical name); ns 4/5 take the wiki's name like $wgMetaNamespace. 120/122 are Wikibase's
# default entity namespaces on a plain Wikibase install (Wikidata uses 0 and 120 instead).
CANONICAL_NAMESPACES: tuple[tuple[int, str], ...] = (
    (-2, "Media"), (-1, "Special"), (0, ""), (1, "Talk"), (2, "User"), (3, "User talk"),
    (4, "Project"), (5, "Project talk"), (6, "File"), (7, "File talk"), (8, "MediaWiki"),
    (9, "MediaWiki talk"), (10, "Template"), (11, "Template talk"), (12, "Help"), (13, "Help talk"),
    (14, "Category"), (15, "Category talk"), (120, "Item"), (121, "Item talk"), (122, "Property"),
    (123, "Property talk"),
)
NAMESPACE_ALIASES: tuple[tuple[int, str], ...] = ((6, "Image"), (7, "Image talk"))
ENTITY_NAMESPACES = {120: "wikibase-item", 122: "wikibase-property"}
ILLEGAL_TITLE_CHARS = set("#<>[]|{}\x7f") | {chr(c) for c in range(32)}


def meta_namespace(sitename: str) -> str:
    return sitename[:1].upper() + sitename[1:]


def namespace_names(sitename: str) -> dict[int, str]:
    """Local name of each namespace (what titles show)."""
    meta = meta_namespace(sitename)
    names = {ns: canonical for ns, canonical in CANONICAL_NAMESPACES}
    names[4], names[5] = meta, f"{meta} talk"
    return names


def namespace_lookup(sitename: str) -> dict[str, int]:
    """Every accepted prefix (local, canonical, alias), lower-cased, → namespace id."""
    out = {name.lower(): ns for ns, name in CANONICAL_NAMESPACES if name}
    out.update({name.lower(): ns for ns, name in namespace_names(sitename).items() if name})
    out.update({alias.lower(): ns for ns, alias in NAMESPACE_ALIASES})
    return out


@dataclass(frozen=True)
class Title:
    ns: int
    text: str  # the page name without its namespace prefix
    full: str  # what MediaWiki shows: "Prefix:Text"


def parse_title(raw: str, sitename: str) -> Title | None:
    """Normalise a title as MediaWiki does ($wgCapitalLinks, underscores, namespace prefixes).

    Returns None for an invalid title (empty, illegal characters).
    """
    text = " ".join(raw.replace("_", " ").split())
    if not text or any(c in ILLEGAL_TITLE_CHARS for c in text):
        return None
    ns = 0
    if ":" in text:
        prefix, rest = text.split(":", 1)
        found = namespace_lookup(sitename).get(" ".join(prefix.split()).lower())
        if found is not None:
            ns, text = found, rest.strip()
    if not text and ns != 0:
        return None
    text = text[:1].upper() + text[1:]
    names = namespace_names(sitename)
    full = f"{names[ns]}:{text}" if ns else text
    return Title(ns, text, full)


# ---- output formats -------------------------------------------------------------------------------
def api_bool(value: bool, formatversion: int) -> Any:
    """formatversion=1 writes true as "" and drops false (callers omit the key); 2 writes JSON booleans."""
    if formatversion == 2:
        return value
    return ""


def put_flag(out: dict[str, Any], key: str, value: bool, formatversion: int) -> None:
    """Add a boolean member as MediaWiki does: fv1 only when true (as ""), fv2 always."""
    if formatversion == 2:
        out[key] = value
    elif value:
        out[key] = ""


# Actions that read only: everything else that is POSTed with a token is a write (faults use this).
READ_ACTIONS = frozenset({
    "query", "paraminfo", "help", "parse", "login", "logout", "wbgetentities", "wbsearchentities",
    "wbgetclaims", "wbformatvalue", "wbformatentities", "wbparsevalue", "wbavailablebadges",
    "wbcontentlanguages", "wbsgetsuggestions", "wbcheckconstraints",
})


def is_write_action(action: str) -> bool:
    return action not in READ_ACTIONS


# ---- errors shared by core.py, wbapi.py and faults.py ------------------------------------------------
def is_wikibase_action(action: str) -> bool:
    return action.startswith("wb")


def maxlag_error(lag: float, *, retry_after: int = 5) -> ApiError:
    """ApiMain::checkMaxLag: the answer, Retry-After and X-Database-Lag (maxlag-error*.json)."""
    shown: int | float = int(lag) if float(lag).is_integer() else round(lag, 3)
    seconds = int(round(lag))
    unit = "second" if seconds == 1 else "seconds"
    return ApiError("maxlag", f"Waiting for a database server: {seconds} {unit} lagged.",
                    extra={"host": "simulated-replica", "lag": shown, "type": "db"},
                    headers={"Retry-After": str(retry_after), "X-Database-Lag": str(seconds)})


THROTTLED = ("As an anti-abuse measure, you are limited from performing this action too many times in "
             "a short space of time, and you have exceeded this limit.")


def ratelimited_error(action: str) -> ApiError:
    """Core modules answer ``ratelimited``; Wikibase modules wrap it in ``failed-save`` with the
    ``actionthrottledtext`` message (wbsetdescription-ratelimited.json vs edit-ratelimited-core.json)."""
    if is_wikibase_action(action):
        return ApiError("failed-save", "The save has failed.", messages=[
            ("wikibase-api-failed-save", [], "The save has failed."),
            ("actionthrottledtext", [], THROTTLED + "\nPlease try again in a few minutes.")],
            header_codes="failed-save, ratelimited")
    return ApiError("ratelimited", THROTTLED + " Please try again in a few minutes.")


def id_generator_throttled_error() -> ApiError:
    """``new=…`` over the ``wikibase-idgenerator`` limit: RateLimitingIdGenerator throws a
    StorageException(actionthrottledtext) that EntitySavingHelper::createEntity reports with
    ApiErrorReporter::dieError('Cannot automatically assign ID: ' …, 'no-automatic-entity-id'); the
    message key ``wikibase-api-no-automatic-entity-id`` does not exist, so the raw text is its only
    parameter. Header ``MediaWiki-API-Error: no-automatic-entity-id``, no Retry-After
    (tests/fixtures/wikibase-api/observed/wbeditentity-new-item-idgenerator-ratelimited.json)."""
    text = "Cannot automatically assign ID: " + THROTTLED + "\nPlease try again in a few minutes."
    return ApiError("no-automatic-entity-id", text,
                    messages=[("wikibase-api-no-automatic-entity-id", [text], text)])


def editconflict_error(action: str) -> ApiError:
    if is_wikibase_action(action):
        return ApiError("editconflict", "Edit conflict. Could not patch the current revision.", messages=[
            ("wikibase-api-editconflict", [], "Edit conflict. Could not patch the current revision."),
            ("edit-conflict", [], "Edit conflict.")])
    return ApiError("editconflict", "Edit conflict.")


def permission_denied(action: str, sitename: str, group: str = "Users") -> ApiError:
    """What an account without the right gets (wbeditentity-anon-permissiondenied.json)."""
    meta = meta_namespace(sitename)
    page = f"{meta}:{group}"
    link = (f'<a href="/w/index.php?title={page.replace(" ", "_")}&amp;action=edit&amp;redlink=1" '
            f'class="new" title="{page} (page does not exist)">{group}</a>')
    groups_text = f"The action you have requested is limited to users in the group: {link}."
    if is_wikibase_action(action):
        return ApiError("permissiondenied", "You do not have the permissions needed to carry out this action.",
                        messages=[("wikibase-api-permissiondenied", [],
                                   "You do not have the permissions needed to carry out this action."),
                                  ("badaccess-groups", [f"[[{page}|{group}]]", 1], groups_text)])
    return ApiError("permissiondenied",
                    f"The action you have requested is limited to users in the group: [[{page}|{group}]].")
