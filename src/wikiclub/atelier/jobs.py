"""Long steps (reconcile, push) in a background thread; the page polls their progress as JSON.

A job owns a lock and a stop event. The step's code reports through :meth:`Job.advance`,
:meth:`Job.waiting` and :meth:`Job.note`; a person's « Arrêter » sets the stop event, which the step
checks between two rows or two edits (:meth:`Job.check_stop` raises ``KeyboardInterrupt`` there —
exactly what Ctrl-C does to the command, so push writes its report and its journal stays consistent)
and which also cuts a wait short. What ends a job: done, failed (the message and the hint of a
:class:`~wikiclub.errors.WikiclubError`, never a traceback on the page) or interrupted.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import WikiclubError

log = logging.getLogger(__name__)
KEPT_LINES = 12


@dataclass
class Job:
    kind: str  # "reconcile" | "push"
    work: str
    id: str = field(default_factory=lambda: secrets.token_hex(8))
    state: str = "running"  # running | done | failed | interrupted
    done: int = 0
    total: int = 0
    activity: str = ""
    waiting_for: str = ""
    waiting_until: float = 0.0
    error: str = ""
    hint: str = ""
    lines: list[tuple[str, str]] = field(default_factory=list)  # (text, state) of the last steps
    result: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # ---- reported by the step --------------------------------------------------------------------
    def advance(self, done: int, total: int, activity: str = "") -> None:
        with self.lock:
            self.done, self.total = done, total
            self.activity = activity or self.activity
            self.waiting_for, self.waiting_until = "", 0.0

    def note(self, line: str, state: str = "") -> None:
        with self.lock:
            self.lines = [*self.lines[-(KEPT_LINES - 1):], (line, state)]

    def waiting(self, what: str, seconds: float) -> None:
        with self.lock:
            self.waiting_for = what
            self.waiting_until = time.monotonic() + max(0.0, seconds)

    def sleep(self, what: str, seconds: float) -> None:
        """Wait ``seconds`` saying why; a stop request cuts the wait short (and stops the step)."""
        self.waiting(what, seconds)
        if self.stop.wait(max(0.0, seconds)):
            raise KeyboardInterrupt
        with self.lock:
            self.waiting_for, self.waiting_until = "", 0.0

    def check_stop(self) -> None:
        if self.stop.is_set():
            raise KeyboardInterrupt

    # ---- read by the page ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.state == "running"

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            left = max(0.0, self.waiting_until - time.monotonic()) if self.waiting_for else 0.0
            return {"id": self.id, "kind": self.kind, "work": self.work, "state": self.state, "done": self.done,
                    "total": self.total, "activity": self.activity, "waiting_for": self.waiting_for,
                    "waiting_seconds": round(left, 1), "error": self.error, "hint": self.hint,
                    "lines": list(self.lines), "stopping": self.stop.is_set() and self.state == "running",
                    "elapsed": round(time.monotonic() - self.started, 1)}


class Jobs:
    """The jobs of one atelier (an instance per app: no module-level state)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self, kind: str, work: str, step: Callable[[Job], dict[str, Any] | None]) -> Job:
        with self._lock:
            busy = self.latest(work)
            if busy is not None and busy.running:
                return busy  # one step at a time per work: a second click shows the running one
            job = Job(kind, work)
            self._jobs[job.id] = job
        thread = threading.Thread(target=self._run, args=(job, step), name=f"atelier-{kind}-{work}", daemon=True)
        self._threads.append(thread)
        thread.start()
        return job

    @staticmethod
    def _run(job: Job, step: Callable[[Job], dict[str, Any] | None]) -> None:
        try:
            result = step(job) or {}
            with job.lock:
                job.result, job.state = result, "done"
        except KeyboardInterrupt:
            with job.lock:
                job.state = "interrupted"
        except WikiclubError as exc:
            with job.lock:
                job.state, job.error, job.hint = "failed", exc.message, exc.hint or ""
        except Exception as exc:  # a bug: the page says so plainly; the log has the type, never locals
            log.exception("atelier: %s failed", job.kind)
            with job.lock:
                job.state = "failed"
                job.error = f"Erreur interne / internal error ({exc.__class__.__name__})"
                job.hint = "Voyez le terminal où tourne « wikiclub atelier » / see the atelier's terminal."
        finally:
            with job.lock:
                job.waiting_for = ""

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def latest(self, work: str, kind: str | None = None) -> Job | None:
        found = [j for j in self._jobs.values() if j.work == work and (kind is None or j.kind == kind)]
        return max(found, key=lambda j: j.started) if found else None

    def stop_all(self, timeout: float = 10.0) -> None:
        """Ask every running job to stop and wait for their threads (the atelier is closing)."""
        for job in list(self._jobs.values()):
            job.stop.set()
        for thread in self._threads:
            thread.join(timeout)
