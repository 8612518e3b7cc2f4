"""Every wait of a client, as an event people can see: the public interface for progress displays.

A :class:`~wikiclub.adapters.wikibase.WikibaseClient` never sleeps silently. Before each wait it
calls every callback subscribed with ``client.on_wait(callback)`` with one :class:`WaitEvent`, then
sleeps ``event.seconds``. The CLI shows the event in its progress bar and counts them with a
:class:`WaitTally`; a web page showing a push's progress subscribes the same way::

    tally = WaitTally()
    client.on_wait(tally)                                   # counts, for the summary at the end
    unsubscribe = client.on_wait(lambda e: print(e.text()))  # shows each wait as it starts
    ...
    print(tally.summary())
    unsubscribe()

Callbacks run in the client's thread, before the sleep; they must return quickly and must not raise
(an exception from a callback propagates to the request that was about to wait).

Kinds of wait (``WaitEvent.kind``):

=============  ======================================================================================
``throttle``   our own pace: ``throttle`` edits per minute in wikiclub.toml (planned, never refused)
``ratelimit``  the wiki's rate limits (``$wgRateLimits``, read from ``meta=userinfo&uiprop=ratelimits``):
               either *paced* before the wiki refuses (``attempt == 0``) or after it refused
               (``ratelimited``, ``failed-save`` + ``actionthrottledtext``, ``no-automatic-entity-id``)
``maxlag``     the wiki's replicas lag more than ``maxlag`` seconds: MediaWiki asks to wait
``retry``      the server was busy or unreachable (HTTP 429/5xx, read-only, network): waiting, then
               trying again
=============  ======================================================================================

This module also holds the two pacers: :class:`Throttle` (edits per minute) and :class:`RatePacer`
(the wiki's own limits, so a push waits *before* it is refused — a refused creation still counts
against the limit, and on a real wiki an id may be consumed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

WaitKind = Literal["throttle", "ratelimit", "maxlag", "retry"]
WAIT_KINDS: tuple[WaitKind, ...] = ("throttle", "ratelimit", "maxlag", "retry")
_NAMES: dict[str, str] = {
    "throttle": "cadence choisie / throttle",
    "ratelimit": "limite de débit du wiki / wiki rate limit",
    "maxlag": "retard de réplication (maxlag) / replication lag",
    "retry": "serveur occupé, nouvel essai / server busy, retry",
}


@dataclass(frozen=True)
class WaitEvent:
    """One wait, announced before it starts.

    ``seconds``: how long the client will sleep. ``action``: the API action that waits ("wbeditentity",
    "login", "query" …). ``reason``: what the wait is for, in words (French / English). ``attempt``:
    0 for a planned wait (throttle, pacing by the wiki's limits), n ≥ 1 when the wiki refused the n-th
    attempt (of ``max_attempts``). ``code``: the API error behind a refused attempt (``maxlag``,
    ``ratelimited``, ``no-automatic-entity-id``, ``http-503`` …), "" for planned waits.
    """

    kind: WaitKind
    seconds: float
    action: str
    reason: str
    attempt: int = 0
    max_attempts: int = 0
    code: str = ""

    @property
    def refused(self) -> bool:
        """Whether the wiki refused a request (True) or the client paced itself (False)."""
        return self.attempt > 0

    def text(self) -> str:
        """One line for people: « attente / waiting 12 s — wiki rate limit: … (essai / attempt 1/5) »."""
        tries = f" (essai / attempt {self.attempt}/{self.max_attempts})" if self.attempt else ""
        return f"attente / waiting {format_seconds(self.seconds)} — {_NAMES[self.kind]}: {self.reason}{tries}"


def format_seconds(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


WaitCallback = Callable[[WaitEvent], None]


@dataclass
class WaitTally:
    """Counts waits by kind (a callback for ``client.on_wait``); ``summary()`` is the closing line."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    refused: int = 0

    def __call__(self, event: WaitEvent) -> None:
        self.counts[event.kind] = self.counts.get(event.kind, 0) + 1
        self.seconds[event.kind] = self.seconds.get(event.kind, 0.0) + event.seconds
        self.refused += event.refused

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """« Attentes / waits: 3 × wiki rate limit (2 min 00 s), 1 × maxlag (5.0 s) — 2 refus / refused »."""
        if not self.total:
            return "Attentes / waits: aucune / none"
        parts = [f"{self.counts[k]} × {_NAMES[k]} ({format_seconds(self.seconds[k])})"
                 for k in WAIT_KINDS if self.counts.get(k)]
        refused = f" — {self.refused} refus du wiki / refused by the wiki" if self.refused else ""
        return "Attentes / waits: " + ", ".join(parts) + refused


class Throttle:
    """Leaves at least ``60 / edits_per_minute`` seconds between two writes (our own pace)."""

    def __init__(self, edits_per_minute: float | None, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 60.0 / edits_per_minute if edits_per_minute else 0.0
        self._sleep, self._clock = sleep, clock
        self._last: float | None = None

    def delay(self) -> float:
        """Seconds to wait before the next write (0 when it may go now)."""
        if self.interval and self._last is not None:
            return max(0.0, self._last + self.interval - self._clock())
        return 0.0

    def mark(self) -> None:
        """A write leaves now."""
        self._last = self._clock()

    def wait(self) -> None:
        remaining = self.delay()
        if remaining > 0:
            self._sleep(remaining)
        self.mark()


@dataclass(frozen=True)
class RateLimit:
    """One of the wiki's limits that applies to this account: ``hits`` per ``seconds`` for ``action``."""

    action: str  # "edit", "create", "wikibase-idgenerator" …
    hits: int
    seconds: float
    category: str = "user"  # "user", "newbie", a group …

    def text(self) -> str:
        return f"{self.action} {self.hits} / {format_seconds(self.seconds)}"


def parse_ratelimits(answer: Mapping[str, Any]) -> tuple[RateLimit, ...]:
    """``meta=userinfo&uiprop=ratelimits`` → the limits; the strictest category per action."""
    out: list[RateLimit] = []
    for action, categories in answer.items():
        if not isinstance(categories, Mapping):
            continue
        best: RateLimit | None = None
        for category, limit in categories.items():
            if not isinstance(limit, Mapping):
                continue
            try:
                found = RateLimit(str(action), int(limit["hits"]), float(limit["seconds"]), str(category))
            except (KeyError, TypeError, ValueError):
                continue
            if found.hits > 0 and found.seconds > 0 and (best is None or
                                                          found.hits / found.seconds < best.hits / best.seconds):
                best = found
        if best is not None:
            out.append(best)
    return tuple(out)


# MediaWiki pings these limits for an entity write (Wikibase's MediaWikiEditEntity::checkRateLimits:
# 'edit', and 'create' for a new entity; RateLimitingIdGenerator: 'wikibase-idgenerator' when an id
# is assigned). A page edit pings 'edit'.
WRITE_LIMITS = ("edit",)
CREATION_LIMITS = ("edit", "create", "wikibase-idgenerator")


class RatePacer:
    """Keeps this client under the wiki's own limits, in MediaWiki's fixed windows.

    MediaWiki counts hits per action in a window that starts at the first hit and lasts ``seconds``
    (``incrWithInit`` with a TTL); refused attempts count too. The pacer counts the same way from our
    side, starting each window when the answer of its first hit arrives (never earlier than the
    wiki's own start), so waiting for the end of our window is always enough.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits: dict[str, RateLimit] = {}
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}  # action → (window start, hits)

    def configure(self, limits: Iterable[RateLimit]) -> None:
        self.limits = {limit.action: limit for limit in limits}

    def _applicable(self, actions: Iterable[str]) -> list[RateLimit]:
        return [self.limits[a] for a in actions if a in self.limits]

    def delay(self, actions: Iterable[str]) -> tuple[float, RateLimit | None]:
        """(seconds to wait before the next write pinging ``actions``, the limit that asks it)."""
        now = self._clock()
        longest: tuple[float, RateLimit | None] = (0.0, None)
        for limit in self._applicable(actions):
            start, hits = self._windows.get(limit.action, (now, 0))
            if now - start >= limit.seconds:
                continue
            if hits >= limit.hits:
                remaining = start + limit.seconds - now
                if remaining > longest[0]:
                    longest = (remaining, limit)
        return longest

    def hit(self, actions: Iterable[str]) -> None:
        """One write pinging ``actions`` was answered now (accepted or refused: both count)."""
        now = self._clock()
        for limit in self._applicable(actions):
            start, hits = self._windows.get(limit.action, (now, 0))
            if now - start >= limit.seconds:
                start, hits = now, 0
            self._windows[limit.action] = (start, hits + 1)

    def refused(self, actions: Iterable[str]) -> tuple[float, RateLimit | None]:
        """The wiki refused a write: its window is full. (seconds to wait, the limit), or (0, None)
        when no known limit applies (the caller then backs off on its own)."""
        now = self._clock()
        applicable = self._applicable(actions)
        if not applicable:
            return 0.0, None
        strictest = max(applicable, key=lambda limit: limit.seconds)
        for limit in applicable:
            # The wiki's window started at or before now: a whole window from now is always enough.
            self._windows[limit.action] = (now, limit.hits)
        return strictest.seconds, strictest
