"""Snapshots of past reports in SQLite, for deltas ("+12 items with a website since last time") and trends.

One row per run in ``snapshot`` (the whole table as JSON, so an old report can be re-rendered) and
its figures in ``figure`` (group, region, measure → value; measures ``items``, ``statements`` and
``sourced`` besides the columns), which trend queries add up with plain SQL. Snapshots are compared
within the same site and project only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from .model import ALL_GROUP, CoverageTable

SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshot (
    id INTEGER PRIMARY KEY,
    taken_at TEXT NOT NULL,
    site TEXT NOT NULL,
    project TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshot_by_project ON snapshot (site, project, taken_at);
CREATE TABLE IF NOT EXISTS figure (
    snapshot INTEGER NOT NULL REFERENCES snapshot (id),
    grp TEXT NOT NULL,
    region TEXT NOT NULL,
    measure TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (snapshot, grp, region, measure)
);
"""


@dataclass(frozen=True)
class TrendPoint:
    """The WikiProject as a whole at one run: items and, per measure, how many items have it."""

    taken_at: str
    items: int
    counts: tuple[tuple[str, int], ...]

    def share(self, measure_id: str) -> float | None:
        n = dict(self.counts).get(measure_id)
        return None if n is None or not self.items else n / self.items


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path)
    except (OSError, sqlite3.Error) as exc:
        raise UsageError(f"Historique illisible / cannot open the snapshot database {path}: {exc}",
                         "check --history (a writable .sqlite file)") from None
    with closing(conn):
        conn.executescript(SCHEMA)
        with conn:
            yield conn


def save_snapshot(path: Path, table: CoverageTable) -> int:
    with _connect(path) as conn:
        cur = conn.execute("INSERT INTO snapshot (taken_at, site, project, body) VALUES (?, ?, ?, ?)",
                           (table.taken_at, table.site, table.project, json.dumps(table.to_json())))
        snap = int(cur.lastrowid or 0)
        rows = []
        for c in table.cells:
            rows.append((snap, c.group, c.region, "items", c.items))
            rows += [(snap, c.group, c.region, m, v) for m, v in c.counts]
            if c.statements is not None:
                rows.append((snap, c.group, c.region, "statements", c.statements))
            if c.sourced is not None:
                rows.append((snap, c.group, c.region, "sourced", c.sourced))
        conn.executemany("INSERT INTO figure VALUES (?, ?, ?, ?, ?)", rows)
        return snap


def previous_snapshot(path: Path, table: CoverageTable) -> CoverageTable | None:
    """The latest stored report of the same site and project taken before ``table``."""
    if not path.exists():
        return None
    with _connect(path) as conn:
        row = conn.execute("SELECT body FROM snapshot WHERE site = ? AND project = ? AND taken_at <= ? "
                           "ORDER BY taken_at DESC, id DESC LIMIT 1",
                           (table.site, table.project, table.taken_at)).fetchone()
    return CoverageTable.from_json(json.loads(row[0])) if row else None


def trend(path: Path, site: str, project: str, limit: int = 24) -> list[TrendPoint]:
    """The last ``limit`` runs, oldest first: the "all items" group added over its regions."""
    if not path.exists():
        return []
    with _connect(path) as conn:
        snaps = conn.execute("SELECT id, taken_at FROM snapshot WHERE site = ? AND project = ? "
                             "ORDER BY taken_at DESC, id DESC LIMIT ?", (site, project, limit)).fetchall()
        points = []
        for snap, taken_at in reversed(snaps):
            figures = dict(conn.execute("SELECT measure, SUM(value) FROM figure WHERE snapshot = ? AND grp = ? "
                                        "GROUP BY measure", (snap, ALL_GROUP)).fetchall())
            items = int(figures.pop("items", 0))
            points.append(TrendPoint(taken_at, items, tuple(sorted((k, int(v)) for k, v in figures.items()))))
    return points
