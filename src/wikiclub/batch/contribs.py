"""Finding the account's own edits by the marker of their summary, ``[wc:<edit_id>]`` (``list=usercontribs``).

The edit id is content-addressed (the hash of the target and the payload), so the same rows planned
into two batch folders give the same ids: a marker found in the contributions says the edit landed,
whichever folder sent it. :func:`find_markers` reads the contributions once, newest first, back to a
given time, 500 a request (5,000 for accounts with ``apihighlimits``), and stops as soon as every
id asked for is found — one pass for a whole batch, never one request per edit.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from .model import MARKER_RE

MAX_PAGES = 200  # 100,000 contributions at 500 a page: a bound, never reached by a WikiClub's account


class ContribsReader(Protocol):
    def call(self, params: Mapping[str, Any], *, post: bool = False) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Landed:
    """One of the account's edits carrying a marker."""

    entity_id: str
    revid: int
    comment: str
    timestamp: str


@dataclass(frozen=True)
class Scan:
    found: dict[str, Landed]
    requests: int


def iso_minus(iso: str, seconds: float) -> str:
    """``iso`` (UTC, ``2024-05-01T12:00:00…``) moved back by ``seconds``, as MediaWiki writes timestamps."""
    when = datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC) - timedelta(seconds=seconds)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def find_markers(client: ContribsReader, user: str, wanted: Collection[str], since: str | None) -> Scan:
    """The account's edits whose marker is one of ``wanted``, made at or after ``since`` (None: ever).

    Newest first; an id found twice (an edit made twice by an older version) keeps the newest.
    """
    params: dict[str, Any] = {"action": "query", "list": "usercontribs", "ucuser": user, "uclimit": "max",
                              "ucprop": "ids|title|comment|timestamp"}
    if since:
        params["ucend"] = since
    todo = set(wanted)
    found: dict[str, Landed] = {}
    requests = 0
    while todo and requests < MAX_PAGES:
        answer = client.call(params)
        requests += 1
        for contrib in answer.get("query", {}).get("usercontribs", []):
            m = MARKER_RE.search(str(contrib.get("comment", "")))
            if m and m.group(1) in todo:
                todo.discard(m.group(1))
                found[m.group(1)] = Landed(str(contrib["title"]).rsplit(":", 1)[-1], int(contrib["revid"]),
                                           str(contrib.get("comment", "")), str(contrib.get("timestamp", "")))
        cont = answer.get("continue")
        if not cont:
            break
        params.update(cont)
    return Scan(found, requests)
