"""``list=allpages`` and ``generator=allpages`` (MediaWiki's ApiQueryAllPages): the pages of one
namespace in title order, ``aplimit`` at a time, continued with ``apcontinue`` (the next title's
DB key). This is how a client reads every entity page of a wiki that has no other index (no
CirrusSearch, no query service): ``generator=allpages&gapnamespace=120&prop=info`` gives each item
page's title and ``lastrevid``.

Parameters (``ap`` for the list, ``gap`` for the generator): ``namespace`` (default 0), ``limit``
(default 10, at most 500, 5000 with ``apihighlimits``), ``from``, ``to``, ``prefix``, ``continue``,
``dir`` (ascending / descending). Redirect and protection filters are not implemented.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .context import ApiRequest
from .mw import ApiError


def _int(req: ApiRequest, name: str, default: int, maximum: int) -> int:
    raw = req.params.get(name)
    if raw in (None, ""):
        return default
    if raw == "max":
        return maximum
    try:
        return max(1, min(int(raw or ""), maximum))
    except ValueError:
        raise ApiError("badinteger", f'Invalid value "{raw}" for integer parameter "{name}".') from None


def _key(text: str) -> str:
    """A title as given (DB key with underscores, or with spaces), as stored (spaces)."""
    return text.replace("_", " ")


def allpages(req: ApiRequest, conn: sqlite3.Connection, prefix: str, maximum: int
             ) -> tuple[list[sqlite3.Row], str | None]:
    """(the page rows of this batch, the ``continue`` value of the next one or None)."""
    p = req.params
    ns_raw = p.get(prefix + "namespace") or "0"
    if not ns_raw.lstrip("-").isdigit():
        raise ApiError("badvalue", f'Unrecognized value for parameter "{prefix}namespace": {ns_raw}.')
    ns = int(ns_raw)
    limit = _int(req, prefix + "limit", 10, maximum)
    descending = p.get(prefix + "dir") == "descending"
    op = "<=" if descending else ">="
    rows = conn.execute("SELECT * FROM pages WHERE ns=? AND deleted=0", (ns,)).fetchall()
    titled = sorted(((_bare(r["title"], ns), r) for r in rows), key=lambda t: t[0], reverse=descending)
    start = p.get(prefix + "continue") or p.get(prefix + "from")
    end, head = p.get(prefix + "to"), p.get(prefix + "prefix")
    chosen: list[tuple[str, sqlite3.Row]] = []
    for bare, row in titled:
        if start and not _cmp(bare, op, _key(start)):
            continue
        if end and not _cmp(bare, "<=" if op == ">=" else ">=", _key(end)):
            continue
        if head and not bare.startswith(_key(head)):
            continue
        chosen.append((bare, row))
    nxt = chosen[limit][0].replace(" ", "_") if len(chosen) > limit else None
    return [r for _, r in chosen[:limit]], nxt


def _bare(title: str, ns: int) -> str:
    return title.split(":", 1)[1] if ns != 0 and ":" in title else title


def _cmp(a: str, op: str, b: str) -> bool:
    return a >= b if op == ">=" else a <= b


def allpages_list(req: ApiRequest, conn: sqlite3.Connection, maximum: int,
                  top: dict[str, Any]) -> list[dict[str, Any]]:
    rows, nxt = allpages(req, conn, "ap", maximum)
    if nxt is not None:
        top.setdefault("continue", {}).update({"apcontinue": nxt, "continue": "-||"})
    return [{"pageid": r["pageid"], "ns": r["ns"], "title": r["title"]} for r in rows]


def allpages_generator(req: ApiRequest, conn: sqlite3.Connection, maximum: int,
                       top: dict[str, Any]) -> list[sqlite3.Row]:
    rows, nxt = allpages(req, conn, "gap", maximum)
    if nxt is not None:
        top.setdefault("continue", {}).update({"gapcontinue": nxt, "continue": "gapcontinue||"})
    return rows
