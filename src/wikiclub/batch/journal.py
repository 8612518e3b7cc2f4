"""The push journal: one SQLite file per batch (``<batch>/journal.sqlite``) that makes pushes exactly-once.

Every edit goes through these states, each change committed *before* the next step happens::

    pending ──mark_sent──▶ sent ──▶ done | failed | conflict | skipped
                             ▲          │
                             └──────────┘  (failed edits are tried again by the next push)

``sent`` is written and committed before the request leaves, so after an error, a Ctrl-C or a
``kill -9`` an edit found in ``sent`` has an *unknown* outcome: ``push`` looks it up on the wiki (the
account's contributions and the summary's marker, or the entity itself) before it may send it again.

Two tables: ``edits`` (the current state of each edit) and ``events`` (append-only history of every
state change, for audits and the report stage). Nothing secret is ever written here: summaries,
QIDs, revision ids and error messages only (errors come from :mod:`wikiclub.errors`, whose messages
never hold a password or token).

Contract for the report stage (keep stable): :class:`JournalEntry`, :func:`iter_journal`,
:func:`iter_all_journals`.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

JOURNAL_FILENAME = "journal.sqlite"
SCHEMA_VERSION = 1

State = Literal["pending", "sent", "done", "failed", "conflict", "skipped"]
STATES: tuple[State, ...] = ("pending", "sent", "done", "failed", "conflict", "skipped")
FINAL_STATES: frozenset[str] = frozenset({"done", "conflict", "skipped"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS edits (
    edit_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    target TEXT,              -- QID planned (NULL for a creation)
    entity_id TEXT,           -- QID edited or created (known once created)
    created INTEGER NOT NULL, -- 1 for a creation
    state TEXT NOT NULL,
    revid INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    summary TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',   -- reason of a failure/conflict, or a note ("already there")
    sent_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    edit_id TEXT NOT NULL,
    state TEXT NOT NULL,
    entity_id TEXT,
    revid INTEGER,
    detail TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
"""


def utc_now() -> str:
    """UTC ISO 8601 with a Z, to the microsecond (MediaWiki's own timestamps are to the second)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """The current state of one edit of one batch."""

    batch_id: str
    edit_id: str
    seq: int
    target: str | None  # QID planned, None for a creation
    entity_id: str | None  # QID edited or created (None until a creation is known)
    created: bool
    state: str  # one of STATES
    revid: int | None
    timestamp: str  # UTC ISO of the last state change
    summary: str
    detail: str = ""  # failure/conflict reason or note
    attempts: int = 0

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


def journal_path(batch_dir: Path) -> Path:
    return Path(batch_dir) / JOURNAL_FILENAME


@contextmanager
def sigint_deferred() -> Iterator[None]:
    """Ctrl-C (SIGINT) arriving inside the block takes effect when the block ends, never in the middle.

    A journal transaction interrupted between its ``COMMIT`` and the end of the method used to try a
    ``ROLLBACK`` with no transaction left (« cannot rollback - no transaction is active »). Outside the
    main thread (where Python delivers no signal) the block simply runs.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            _deliver(previous)


def _deliver(handler: object) -> None:
    """Act on a held SIGINT as ``handler`` (the one in place before) would have."""
    if handler is signal.SIG_IGN:
        return
    if callable(handler):
        handler(signal.SIGINT, None)
    elif handler is signal.SIG_DFL:  # pragma: no cover - Python installs its own handler at start
        os.kill(os.getpid(), signal.SIGINT)
    else:  # pragma: no cover - None: a handler installed outside Python
        raise KeyboardInterrupt


class Journal:
    """Read-write access to one batch's journal. Every method commits before it returns."""

    def __init__(self, batch_dir: Path, *, batch_id: str | None = None) -> None:
        self.batch_dir = Path(batch_dir)
        self.batch_id = batch_id or self.batch_dir.name
        # isolation_level=None: autocommit; we open explicit transactions where several rows change.
        self.db = sqlite3.connect(journal_path(self.batch_dir), isolation_level=None, timeout=30)
        try:
            with sigint_deferred():
                # DELETE journal mode + synchronous=FULL: a committed state survives kill -9 and power loss.
                self.db.execute("PRAGMA synchronous=FULL")
                self.db.executescript(_SCHEMA)
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('batch_id', ?)", (self.batch_id,))
        except BaseException:
            self.db.close()
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- writing -----------------------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction, all or nothing, that Ctrl-C cannot cut in two (:func:`sigint_deferred`)."""
        with sigint_deferred():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:  # a failed COMMIT may have ended it already
                    self.db.execute("ROLLBACK")
                raise

    def register(self, edits: list[tuple[str, int, str | None, bool, str]]) -> None:
        """Add (edit_id, seq, target, created, summary) rows not yet known, as ``pending``."""
        now = utc_now()
        with self._transaction():
            for edit_id, seq, target, created, summary in edits:
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO edits (edit_id, seq, target, entity_id, created, state, summary,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
                    (edit_id, seq, target, target, int(created), summary, now))
                if cur.rowcount:
                    self._event(edit_id, "pending", target, None, "", now)

    def _event(self, edit_id: str, state: str, entity_id: str | None, revid: int | None, detail: str,
               at: str) -> None:
        self.db.execute("INSERT INTO events (edit_id, state, entity_id, revid, detail, at) VALUES (?,?,?,?,?,?)",
                        (edit_id, state, entity_id, revid, detail, at))

    def set_state(self, edit_id: str, state: State, *, entity_id: str | None = None, revid: int | None = None,
                  detail: str = "") -> None:
        if state not in STATES:
            raise ValueError(f"unknown journal state {state!r}")
        now = utc_now()
        sent = ", attempts = attempts + 1, sent_at = ?" if state == "sent" else ""
        params: list[object] = [state, entity_id, revid, detail, now]
        if sent:
            params.append(now)
        params.append(edit_id)
        with self._transaction():
            cur = self.db.execute(
                "UPDATE edits SET state = ?, entity_id = COALESCE(?, entity_id), revid = COALESCE(?, revid),"
                f" detail = ?, updated_at = ?{sent} WHERE edit_id = ?", params)
            if cur.rowcount != 1:
                raise KeyError(f"edit {edit_id} is not in the journal")
            self._event(edit_id, state, entity_id, revid, detail, now)

    def mark_sent(self, edit_id: str, detail: str = "") -> None:
        self.set_state(edit_id, "sent", detail=detail)

    # ---- reading -----------------------------------------------------------------------------
    def entry(self, edit_id: str) -> JournalEntry | None:
        row = self.db.execute(_SELECT + " WHERE edit_id = ?", (edit_id,)).fetchone()
        return None if row is None else _entry(self.batch_id, row)

    def entries(self) -> list[JournalEntry]:
        return [_entry(self.batch_id, r) for r in self.db.execute(_SELECT + " ORDER BY seq")]

    def sent_at(self, edit_id: str) -> str | None:
        row = self.db.execute("SELECT sent_at FROM edits WHERE edit_id = ?", (edit_id,)).fetchone()
        return None if row is None else row[0]

    def events(self, edit_id: str | None = None) -> list[tuple[str, str, str | None, int | None, str, str]]:
        """(edit_id, state, entity_id, revid, detail, at) in the order they happened."""
        sql = "SELECT edit_id, state, entity_id, revid, detail, at FROM events"
        rows = (self.db.execute(sql + " WHERE edit_id = ? ORDER BY id", (edit_id,)) if edit_id
                else self.db.execute(sql + " ORDER BY id"))
        return list(rows)


_SELECT = ("SELECT edit_id, seq, target, entity_id, created, state, revid, updated_at, summary, detail, attempts"
           " FROM edits")


def _entry(batch_id: str, row: tuple[Any, ...]) -> JournalEntry:
    edit_id, seq, target, entity_id, created, state, revid, at, summary, detail, attempts = row
    return JournalEntry(str(batch_id), str(edit_id), int(seq), target, entity_id, bool(created), str(state),
                        None if revid is None else int(revid), str(at), str(summary), str(detail), int(attempts))


def iter_journal(batch_dir: Path) -> Iterator[JournalEntry]:
    """Every edit of one batch, in plan order (nothing if the batch was never pushed)."""
    path = journal_path(Path(batch_dir))
    if not path.is_file():
        return
    # mode=rw, not ro: after a push was killed mid-transaction the file has a "hot" rollback journal,
    # which only a connection allowed to write can roll back (a read-only one sees "database is locked").
    # Nothing is written otherwise; the file is never created here.
    db = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=30)
    try:
        meta = dict(db.execute("SELECT key, value FROM meta"))
        batch_id = meta.get("batch_id") or Path(batch_dir).name
        rows = db.execute(_SELECT + " ORDER BY seq").fetchall()
    finally:
        db.close()
    for row in rows:
        yield _entry(batch_id, row)


def iter_all_journals(batches_root: Path) -> Iterator[JournalEntry]:
    """Every edit of every batch folder under ``batches_root`` (sorted by folder name)."""
    root = Path(batches_root)
    if not root.is_dir():
        return
    for batch_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        yield from iter_journal(batch_dir)
