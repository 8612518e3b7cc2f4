"""The state of one collection: the endpoint, the time budget, the notes, the progress — and the one
loop that runs work over blocks of ids with a bounded cost.

Every query or request of a report works on a block of at most a few hundred ids, so its cost is
bounded whatever the size of the wiki. A block that times out is split in two and the halves run one
after the other, at most :data:`MAX_SPLIT_DEPTH` times and :data:`MAX_TIMEOUTS` times per report (on
WDQS each timeout costs up to 60 s: the splitting has its own budget). When the time budget is spent,
the blocks not yet run are *not measured*: the report says so (partial), it never counts them as 0.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

from ..errors import QueryTimeoutError, RetryableError, TransportError
from .model import Note

T = TypeVar("T")
MAX_SPLIT_DEPTH = 3  # a block of 1,000 ends in blocks of 125 at worst
MAX_TIMEOUTS = 12  # per report; then a block that times out is given up at once
Progress = Callable[[str, int, int | None], None]  # (stage, done, total or None)


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a report reads (restored after, as it was).

    A report builds millions of small objects that only reference counting frees (decoded JSON,
    rows, facts: no cycles), and keeps hundreds of thousands of them: the collector, triggered every
    700 allocations, kept walking them — measured at 100,000 items, a third of the report's time
    (``docs/reports.md``, « Coût »). What little cyclic garbage the HTTP clients leave is collected
    after the report, when the collector runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Endpoint(Protocol):
    def select(self, query: str) -> list[dict[str, Any]]: ...


@dataclass
class Budget:
    """Seconds the report may spend (None: no limit), on an injectable clock."""

    seconds: float | None = None
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.started = self.clock()

    @property
    def elapsed(self) -> float:
        return self.clock() - self.started

    @property
    def spent(self) -> bool:
        return self.seconds is not None and self.elapsed >= self.seconds


@dataclass
class Collector:
    """Mutable state of one collection (local to ``build_coverage``; nothing global)."""

    endpoint: Endpoint
    budget: Budget = field(default_factory=Budget)
    progress: Progress | None = None
    queries: int = 0
    requests: int = 0
    timeouts: int = 0
    notes: list[Note] = field(default_factory=list)
    budget_noted: bool = False

    def select(self, query: str) -> list[dict[str, Any]]:
        self.queries += 1
        return self.endpoint.select(query)

    def note(self, kind: Literal["split", "failed", "info", "warning", "partial"], message: str) -> None:
        if all(n.message != message for n in self.notes):
            self.notes.append(Note(kind, message))

    def tick(self, stage: str, done: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def out_of_time(self, what: str) -> bool:
        if not self.budget.spent:
            return False
        if not self.budget_noted:
            self.budget_noted = True
            self.note("partial", f"Budget de temps épuisé ({self.budget.seconds:g} s) pendant : {what} ; la suite "
                                 f"n'est pas mesurée (résultats partiels) / time budget spent during {what}: "
                                 "the rest is not measured (partial results)")
        return True

    def blocks(self, ids: Sequence[str], size: int, run: Callable[[Sequence[str]], T], what: str
               ) -> tuple[list[T], list[str]]:
        """``run`` over blocks of ``ids``; (results, ids of the blocks that failed or were not run)."""
        results: list[T] = []
        failed: list[str] = []
        pending = [(list(ids[i:i + size]), 0) for i in range(0, len(ids), size)]
        while pending:
            block, depth = pending.pop(0)
            if self.out_of_time(what):
                failed += block
                failed += [i for b, _ in pending for i in b]
                break
            try:
                results.append(run(block))
            except QueryTimeoutError:
                self.timeouts += 1
                if depth < MAX_SPLIT_DEPTH and len(block) > 1 and self.timeouts <= MAX_TIMEOUTS:
                    half = len(block) // 2
                    pending[:0] = [(block[:half], depth + 1), (block[half:], depth + 1)]
                    self.note("split", f"Bloc de {len(block)} découpé en deux après un délai dépassé / block of "
                                       f"{len(block)} split in two after a timeout: {what}")
                    continue
                failed += block
                self.note("failed", f"Non mesuré (délai dépassé) / not measured (timeout): {what}, "
                                    f"{len(block)} élément(s)")
            except (RetryableError, TransportError) as exc:
                failed += block
                self.note("failed", f"Non mesuré (service indisponible) / not measured (service unavailable: "
                                    f"{exc.code or exc.__class__.__name__}): {what}")
        return results, failed
