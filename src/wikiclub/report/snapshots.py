"""Snapshots of past reports in SQLite, for deltas ("+12 items with a website since last time") and trends.

One row per run in ``snapshot`` (the whole table as JSON, so an old report can be re-rendered) and
its figures in ``figure`` (group, region, measure → value; measures ``items``, ``statements`` and
``sourced`` besides the columns), which trend queries add up with plain SQL. Snapshots are compared
within the same site and project only.

Only *complete* figures are stored in ``figure``: a cell that was partial or unknown (a region whose
queries failed, the time budget) is kept in the JSON with its status but never as a number, so the
next report shows no false change, and the trend uses complete runs only (``snapshot.complete``).

Group ids are stable (a ``key``, or derived from the group's classes). Databases written when ids
were positional (``g1``…``gN``, schema version 0) are migrated once when opened with the current
groups (:func:`migrate`): each old group is mapped by its definition (same classes, same subclasses
flag) to the current group's id, or to the id derived from its classes.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .model import ALL_GROUP, CoverageTable, GroupSpec
from .spec import group_key

VERSION = 2  # PRAGMA user_version: 0 = positional group ids (before stable ids), 2 = stable ids
SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshot (
    id INTEGER PRIMARY KEY,
    taken_at TEXT NOT NULL,
    site TEXT NOT NULL,
    project TEXT NOT NULL,
    body TEXT NOT NULL,
    complete INTEGER NOT NULL DEFAULT 1
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
    counts: tuple[tuple[str, int], ...]  # measure id → items having it; also "statements" and "sourced"

    def share(self, measure_id: str) -> float | None:
        counts = dict(self.counts)
        n = counts.get(measure_id)
        total = counts.get("statements") if measure_id == "sourced" else self.items
        return None if n is None or not total else n / total


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
        columns = {row[1] for row in conn.execute("PRAGMA table_info(snapshot)")}
        if "complete" not in columns:  # a database from before partial results were marked
            conn.execute("ALTER TABLE snapshot ADD COLUMN complete INTEGER NOT NULL DEFAULT 1")
        if not conn.execute("SELECT 1 FROM snapshot LIMIT 1").fetchone():
            conn.execute(f"PRAGMA user_version = {VERSION}")
        with conn:
            yield conn


def _old_id_map(body: dict[str, Any], groups: tuple[GroupSpec, ...]) -> dict[str, str]:
    """Positional ids of one old snapshot → stable ids (by definition; derived when no group matches)."""
    mapping: dict[str, str] = {}
    for g in body.get("groups", ()):
        old = str(g.get("id", ""))
        if not re.fullmatch(r"g\d+", old):
            continue
        classes, subclasses = tuple(g.get("classes", ())), bool(g.get("subclasses", True))
        same = next((c for c in groups if set(c.classes) == set(classes) and c.subclasses == subclasses), None)
        mapping[old] = same.id if same is not None else group_key(classes, subclasses)
    return mapping


def _renamed(body: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    for key in ("groups",):
        for g in body.get(key, ()):
            g["id"] = mapping.get(g["id"], g["id"])
    for key in ("cells", "worklist"):
        for entry in body.get(key, ()):
            entry["group"] = mapping.get(entry["group"], entry["group"])
    return body


def migrate(path: Path, groups: tuple[GroupSpec, ...]) -> int:
    """Map the positional group ids of an old database to stable ids, once; the snapshots changed."""
    if not path.exists():
        return 0
    with _connect(path) as conn:
        if conn.execute("PRAGMA user_version").fetchone()[0] >= VERSION:
            return 0
        changed = 0
        for snap, text in conn.execute("SELECT id, body FROM snapshot").fetchall():
            body = json.loads(text)
            mapping = _old_id_map(body, groups)
            if not mapping:
                continue
            changed += 1
            conn.execute("UPDATE snapshot SET body = ? WHERE id = ?", (json.dumps(_renamed(body, mapping)), snap))
            # two passes so that g1 → g2 and g2 → … never collide on the primary key
            for old, new in mapping.items():
                conn.execute("UPDATE figure SET grp = ? WHERE snapshot = ? AND grp = ?", (f"tmp:{new}", snap, old))
            conn.execute("UPDATE figure SET grp = substr(grp, 5) WHERE snapshot = ? AND grp LIKE 'tmp:%'", (snap,))
        conn.execute(f"PRAGMA user_version = {VERSION}")
        return changed


def save_snapshot(path: Path, table: CoverageTable) -> int:
    """Store the run; only complete cells become figures (see the module docstring)."""
    with _connect(path) as conn:
        cur = conn.execute("INSERT INTO snapshot (taken_at, site, project, body, complete) VALUES (?, ?, ?, ?, ?)",
                           (table.taken_at, table.site, table.project, json.dumps(table.to_json()),
                            0 if table.partial else 1))
        snap = int(cur.lastrowid or 0)
        rows = []
        for c in table.cells:
            if c.status != "complete" or c.items is None:
                continue
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
    """The last ``limit`` complete runs, oldest first: the "all items" group added over its regions."""
    if not path.exists():
        return []
    with _connect(path) as conn:
        snaps = conn.execute("SELECT id, taken_at FROM snapshot WHERE site = ? AND project = ? AND complete = 1 "
                             "ORDER BY taken_at DESC, id DESC LIMIT ?", (site, project, limit)).fetchall()
        points = []
        for snap, taken_at in reversed(snaps):
            figures = dict(conn.execute("SELECT measure, SUM(value) FROM figure WHERE snapshot = ? AND grp = ? "
                                        "GROUP BY measure", (snap, ALL_GROUP)).fetchall())
            items = int(figures.pop("items", 0))
            points.append(TrendPoint(taken_at, items, tuple(sorted((k, int(v)) for k, v in figures.items()))))
    return points
