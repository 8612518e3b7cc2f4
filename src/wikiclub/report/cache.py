"""The local cache of item facts (SQLite), refreshed by ``lastrevid``.

A report reads each item's entity JSON once and keeps only its :class:`~.itemdata.ItemFacts` here,
keyed by site and id, with the revision it was read at and the languages it was read with. The next
report asks the wiki only for the items' current revisions (``props=info``, 50 per request, a few
hundred bytes each) and reads again only the items that changed, so a weekly report of a stable
WikiProject costs a fraction of the first one — and a run stopped by its time budget is continued,
not restarted, by the next.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from ..errors import UsageError
from .itemdata import ItemFacts

SCHEMA = """
CREATE TABLE IF NOT EXISTS facts (
    site TEXT NOT NULL,
    id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    languages TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (site, id)
);
"""
_CHUNK = 500  # ids per SELECT (SQLite's variable limit is 999 on old builds)


class FactCache:
    """``with FactCache(path, site, languages) as cache: …`` — closed on exit."""

    def __init__(self, path: Path, site: str, languages: tuple[str, ...]) -> None:
        self.path, self.site, self.key = Path(path), site, "|".join(languages)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path)
            # A cache: a write lost to a power cut is read again next time. WAL without a sync at each
            # commit: the 200 commits of a first report of 100,000 items wait for no disk flush.
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise UsageError(f"Cache illisible / cannot open the report cache {self.path}: {exc}",
                             "check --cache (a writable .sqlite file) or use --no-cache") from None

    def __enter__(self) -> FactCache:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def empty(self) -> bool:
        """Nothing cached for this site and these languages (a first run: no revision to check)."""
        return self.conn.execute("SELECT 1 FROM facts WHERE site = ? AND languages = ? LIMIT 1",
                                 (self.site, self.key)).fetchone() is None

    def get(self, ids: list[str]) -> dict[str, ItemFacts]:
        """The cached facts of ``ids`` read with the same languages (others are misses)."""
        out: dict[str, ItemFacts] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(f"SELECT body FROM facts WHERE site = ? AND languages = ? AND id IN ({marks})",
                                     (self.site, self.key, *chunk)).fetchall()
            for (body,) in rows:
                facts = ItemFacts.from_json(body)
                out[facts.id] = facts
        return out

    def put(self, facts: Iterable[ItemFacts]) -> None:
        with self.conn:
            self.conn.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?, ?)",
                                  [(self.site, f.id, f.revision, self.key, f.to_json()) for f in facts])

    def drop(self, ids: Iterable[str]) -> None:
        """Forget items the wiki no longer has (deleted or redirected)."""
        with self.conn:
            self.conn.executemany("DELETE FROM facts WHERE site = ? AND id = ?", [(self.site, i) for i in ids])
