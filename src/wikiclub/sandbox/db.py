"""SQLite storage of one sandbox wiki. The app serialises requests, so one connection is enough.

Tables (the schema below is the contract between core.py and wbapi.py / entitystore.py):

* ``pages``      every page: wiki pages (ns 0, 4 …) and entity pages (Item: ns 120, Property: ns 122)
* ``revisions``  every revision of every page (entity revisions keep the full entity JSON as content)
* ``entities``   current JSON of each entity, with its page id, last revision and redirect target
* ``terms``      labels/aliases/descriptions, with a normalised form for search (see entitystore.py)
* ``statement_values``  (entity, property, normalised value) for ``haswbstatement:`` searches
* ``users``, ``bot_passwords``  accounts; passwords are stored as salted PBKDF2 hashes only
* ``counters``   next ids (Q, P, page, revision)
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pages (
    pageid INTEGER PRIMARY KEY, ns INTEGER NOT NULL, title TEXT NOT NULL UNIQUE,
    contentmodel TEXT NOT NULL DEFAULT 'wikitext', lastrevid INTEGER, touched TEXT,
    deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS revisions (
    revid INTEGER PRIMARY KEY, pageid INTEGER NOT NULL, parentid INTEGER NOT NULL DEFAULT 0,
    user TEXT NOT NULL, userid INTEGER NOT NULL DEFAULT 0, timestamp TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '', tags TEXT NOT NULL DEFAULT '[]', minor INTEGER NOT NULL DEFAULT 0,
    bot INTEGER NOT NULL DEFAULT 0, contentmodel TEXT NOT NULL DEFAULT 'wikitext', content TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0, sha1 TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS revisions_page ON revisions(pageid, revid);
CREATE INDEX IF NOT EXISTS revisions_user ON revisions(user, revid);
CREATE TABLE IF NOT EXISTS entities (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, numeric_id INTEGER NOT NULL, pageid INTEGER,
    lastrevid INTEGER, modified TEXT, json TEXT NOT NULL, redirect_to TEXT);
CREATE TABLE IF NOT EXISTS terms (
    entity_id TEXT NOT NULL, kind TEXT NOT NULL, language TEXT NOT NULL, value TEXT NOT NULL,
    norm TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS terms_norm ON terms(norm, language);
CREATE INDEX IF NOT EXISTS terms_value ON terms(kind, language, value);
CREATE INDEX IF NOT EXISTS terms_entity ON terms(entity_id);
CREATE TABLE IF NOT EXISTS statement_values (
    entity_id TEXT NOT NULL, property TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS statement_values_pv ON statement_values(property, value);
CREATE INDEX IF NOT EXISTS statement_values_entity ON statement_values(entity_id);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, groups TEXT NOT NULL DEFAULT '[]',
    registration TEXT NOT NULL, password_hash TEXT);
CREATE TABLE IF NOT EXISTS bot_passwords (
    user_id INTEGER NOT NULL, app TEXT NOT NULL, password_hash TEXT NOT NULL,
    grants TEXT NOT NULL DEFAULT '[]', PRIMARY KEY (user_id, app));
"""


class SandboxDB:
    """A thin owner of the SQLite connection; higher-level stores take it as a parameter."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.lock = threading.RLock()
        self.conn.executescript(SCHEMA)
        self.conn.execute("PRAGMA synchronous=NORMAL")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work (nestable: inner blocks join the outer transaction)."""
        with self.lock:
            if self.conn.in_transaction:
                yield self.conn
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def next_id(self, name: str, start: int = 1) -> int:
        """Allocate the next value of a counter (``Q``, ``P``, ``page``, ``rev``)."""
        with self.transaction() as c:
            row = c.execute("SELECT value FROM counters WHERE name=?", (name,)).fetchone()
            value = start if row is None else int(row[0])
            c.execute("INSERT OR REPLACE INTO counters(name, value) VALUES (?, ?)", (name, value + 1))
            return value

    def bump_counter(self, name: str, at_least: int) -> None:
        """Make sure the counter will hand out values ≥ ``at_least`` (after loading a dump)."""
        with self.transaction() as c:
            row = c.execute("SELECT value FROM counters WHERE name=?", (name,)).fetchone()
            if row is None or int(row[0]) < at_least:
                c.execute("INSERT OR REPLACE INTO counters(name, value) VALUES (?, ?)", (name, at_least))

    def close(self) -> None:
        self.conn.close()


def utc_now() -> str:
    """MediaWiki's timestamp format, e.g. ``2026-11-25T18:13:17Z``."""
    import datetime as _dt

    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def save_revision(db: SandboxDB, *, title: str, ns: int, content: str, contentmodel: str,
                  user: str, userid: int, comment: str = "", tags: list[str] | None = None,
                  bot: bool = False, minor: bool = False,
                  timestamp: str | None = None) -> tuple[int, int, int, str]:
    """Store a new revision of page ``title`` (created if needed).

    Returns ``(pageid, revid, parentid, timestamp)``; ``parentid`` is 0 for a page creation.
    Shared by wiki pages (core.py) and entity pages (wbapi.py), so ``usercontribs`` and
    ``prop=revisions`` see both.
    """
    import hashlib
    import json as _json

    ts = timestamp or utc_now()
    with db.transaction() as c:
        row = c.execute("SELECT pageid, lastrevid FROM pages WHERE title=?", (title,)).fetchone()
        if row is None:
            pageid = db.next_id("page")
            parentid = 0
            c.execute("INSERT INTO pages(pageid, ns, title, contentmodel, lastrevid, touched) "
                      "VALUES (?,?,?,?,NULL,?)", (pageid, ns, title, contentmodel, ts))
        else:
            pageid, parentid = int(row[0]), int(row[1] or 0)
        revid = db.next_id("rev")
        data = content.encode("utf-8")
        c.execute("INSERT INTO revisions(revid, pageid, parentid, user, userid, timestamp, comment, tags, "
                  "minor, bot, contentmodel, content, size, sha1) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                  (revid, pageid, parentid, user, userid, ts, comment, _json.dumps(tags or []),
                   int(minor), int(bot), contentmodel, content, len(data), hashlib.sha1(data).hexdigest()))
        c.execute("UPDATE pages SET lastrevid=?, touched=?, deleted=0 WHERE pageid=?", (revid, ts, pageid))
    return pageid, revid, parentid, ts
