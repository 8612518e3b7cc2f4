"""Loading Wikidata JSON dumps into a sandbox (plain, .gz or .bz2).

The format is Wikidata's ``latest-all.json``: one entity per line, optionally wrapped in ``[`` and
``]`` lines with a comma after each entity. Entities keep their ids, ``lastrevid`` and ``modified``;
the id, page and revision counters are then moved past what was loaded so new entities get fresh ids.

Speed (≥ 5,000 entities/s): each line is parsed once; SQLite rows go in with ``executemany`` in
chunks inside one transaction; the parsed entities stream on to the SPARQL store's bulk loader.
A malformed line stops the load with an :class:`~wikiclub.errors.InputError` naming the file, the
line and the problem; nothing is written to SQLite then (the transaction is rolled back).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..dumps import open_dump, parse_lines
from ..errors import InputError
from .context import Wiki
from .datavalues import hash_is_exact, reference_hash, snak_hash
from .db import SandboxDB
from .entities import CONTENT_MODEL, NS, canonical, new_guid, revision_content, title_of
from .entitystore import ensure_schema, sitelink_rows, statement_rows, term_rows

CHUNK = 2000
BULK_CACHE_KIB = -65536  # PRAGMA cache_size in KiB (negative): 64 MiB while a dump loads
LOADER_USER = "Dump loader"


@dataclass(frozen=True)
class LoadStats:
    entities: int
    properties: int
    items: int
    seconds: float


class _Completer:
    """Fills what hand-made dumps leave out (statement ids, datatypes) and recomputes snak and
    reference hashes: Wikibase never stores a hash, it computes it from the snak whenever it
    serializes an entity, so an imported entity is served with hashes of its own making whatever the
    dump said (a hand-made dump's, or a stale one). Values whose hash the sandbox cannot reproduce
    exactly keep the dump's.

    The hash of an item or property value depends only on (property, entity type, id): those repeat
    all over a dump (P31 → a handful of classes), so they are computed once per load."""

    CACHE_LIMIT = 200_000  # (property, value) pairs kept; emptied when full

    def __init__(self, datatypes: dict[str, str]) -> None:
        self.datatypes = datatypes
        self._entity_hashes: dict[tuple[str, str, str], str] = {}

    def complete(self, entity: dict[str, Any]) -> None:
        fill = self._fill_snak
        for group in (entity.get("claims") or {}).values():
            for st in group:
                if not st.get("id"):
                    st["id"] = new_guid(entity["id"])
                fill(st["mainsnak"])
                for qualifiers in (st.get("qualifiers") or {}).values():
                    for snak in qualifiers:
                        fill(snak)
                for ref in st.get("references") or ():
                    ref_snaks = [s for g in (ref.get("snaks") or {}).values() for s in g]
                    for snak in ref_snaks:
                        fill(snak)
                    ref["hash"] = reference_hash([s["hash"] for s in ref_snaks])
                if "rank" not in st:
                    st["rank"] = "normal"
                if "type" not in st:
                    st["type"] = "statement"

    def _fill_snak(self, snak: dict[str, Any]) -> None:
        if "datatype" not in snak:
            datatype = self.datatypes.get(snak.get("property"))  # type: ignore[arg-type]
            if datatype is not None:
                snak["datatype"] = datatype
        dv = snak.get("datavalue")
        value = dv.get("value") if isinstance(dv, dict) and snak.get("snaktype") == "value" else None
        if (isinstance(value, dict) and dv.get("type") == "wikibase-entityid"  # type: ignore[union-attr]
                and value.get("entity-type") in ("item", "property") and isinstance(value.get("id"), str)
                and isinstance(snak.get("property"), str)):
            key = (snak["property"], value["entity-type"], value["id"])
            found = self._entity_hashes.get(key)
            if found is None:
                if len(self._entity_hashes) >= self.CACHE_LIMIT:
                    self._entity_hashes.clear()
                found = self._entity_hashes[key] = snak_hash(snak)
            snak["hash"] = found
            return
        if hash_is_exact(snak) or not snak.get("hash"):
            try:
                snak["hash"] = snak_hash(snak)
            except (KeyError, TypeError):  # a value missing a field: keep the dump's hash (checked later)
                if not snak.get("hash"):
                    raise


# Indexes of these tables are rebuilt once at the end of a load into an empty wiki: sorting
# 400,000 terms once is several times cheaper than keeping three B-trees ordered row by row.
_DEFERRED_INDEX_TABLES = ("terms", "statement_values", "sitelinks", "revisions")


def _drop_secondary_indexes(db: SandboxDB) -> list[str]:
    """Drop the secondary indexes of the index tables; return the SQL that recreates them."""
    c = db.conn
    marks = ",".join("?" * len(_DEFERRED_INDEX_TABLES))
    rows = c.execute(f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
                     f"AND tbl_name IN ({marks})", _DEFERRED_INDEX_TABLES).fetchall()
    for name, _sql in rows:
        c.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]


@contextmanager
def _bulk_pragmas(db: SandboxDB) -> Iterator[None]:
    """A bigger page cache while loading (index B-trees stay in memory), the defaults afterwards."""
    c = db.conn
    with db.lock:
        before = c.execute("PRAGMA cache_size").fetchone()[0]
        c.execute(f"PRAGMA cache_size={BULK_CACHE_KIB}")
        try:
            yield
        finally:
            c.execute(f"PRAGMA cache_size={before}")


class _Loader:
    """Accumulates rows and writes them in chunks (inside the caller's transaction)."""

    def __init__(self, app: Wiki) -> None:
        self.db = app.db
        c = self.db.conn
        self.pages = {t: p for t, p in c.execute("SELECT title, pageid FROM pages WHERE ns IN (120, 122)")}
        self.next_page = int((c.execute("SELECT value FROM counters WHERE name='page'").fetchone() or [1])[0])
        self.next_rev = int((c.execute("SELECT value FROM counters WHERE name='rev'").fetchone() or [1])[0])
        self.existing_max_rev = int(c.execute("SELECT COALESCE(MAX(revid), 0) FROM revisions").fetchone()[0])
        self.used_revs: set[int] = set()
        self.max_q = self.max_p = 0
        self.rows: dict[str, list[tuple[Any, ...]]] = {k: [] for k in (
            "pages", "revisions", "entities", "terms", "statements", "sitelinks", "ids")}
        self.datatypes: dict[str, str] = {}
        self.completer = _Completer(self.datatypes)

    def _revid(self, wanted: Any) -> int:
        if isinstance(wanted, int) and wanted > 0 and wanted not in self.used_revs and (
                wanted > self.existing_max_rev or not self.db.conn.execute(
                    "SELECT 1 FROM revisions WHERE revid=?", (wanted,)).fetchone()):
            revid = wanted
        else:
            revid = self.next_rev
            while revid in self.used_revs or revid <= self.existing_max_rev:
                revid += 1
        self.used_revs.add(revid)
        self.next_rev = max(self.next_rev, revid + 1)
        return revid

    def add(self, entity: dict[str, Any]) -> dict[str, Any]:
        eid, etype = entity["id"], entity["type"]
        if etype == "property":
            self.datatypes[eid] = entity["datatype"]
            self.max_p = max(self.max_p, int(eid[1:]))
        else:
            self.max_q = max(self.max_q, int(eid[1:]))
        self.completer.complete(entity)
        title = title_of(eid)
        revid = self._revid(entity.get("lastrevid"))
        modified = entity.get("modified") or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        pageid = self.pages.get(title)
        parent = 0
        if pageid is None:
            pageid = self.next_page
            self.next_page += 1
            self.pages[title] = pageid
            self.rows["pages"].append((pageid, NS[etype], title, CONTENT_MODEL[etype], revid, modified))
        else:
            parent = -1  # an existing page: its last revision becomes the parent (set in flush)
        stored = canonical(entity)
        content = revision_content(stored)
        data = content.encode("utf-8")
        self.rows["revisions"].append((revid, pageid, parent, LOADER_USER, 0, modified, "", "[]", 0, 0,
                                       CONTENT_MODEL[etype], content, len(data),
                                       hashlib.sha1(data).hexdigest()))
        # The JSON is stored once, in the revision: entities.json '' tells entitystore to read it
        # through lastrevid (half the bytes written; edits store entities.json again).
        self.rows["entities"].append((eid, etype, int(eid[1:]), pageid, revid, modified, ""))
        self.rows["ids"].append((eid,))
        self.rows["terms"].extend(term_rows(stored))
        self.rows["statements"].extend(statement_rows(stored))
        self.rows["sitelinks"].extend(sitelink_rows(stored))
        entity["lastrevid"], entity["modified"] = revid, modified
        return entity

    def flush(self) -> None:
        c = self.db.conn
        r = self.rows
        if self._replacing:
            for table in ("terms", "statement_values", "sitelinks"):
                c.executemany(f"DELETE FROM {table} WHERE entity_id=?", r["ids"])
        c.executemany("INSERT INTO pages(pageid, ns, title, contentmodel, lastrevid, touched) "
                      "VALUES (?,?,?,?,?,?)", r["pages"])
        revs = r["revisions"]
        if self._replacing:
            revs = [self._with_parent(row) for row in revs]
        c.executemany("INSERT INTO revisions(revid, pageid, parentid, user, userid, timestamp, comment, tags, "
                      "minor, bot, contentmodel, content, size, sha1) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                      revs)
        if self._replacing:
            c.executemany("UPDATE pages SET lastrevid=?, touched=?, deleted=0 WHERE pageid=?",
                          [(row[0], row[5], row[1]) for row in revs])
        c.executemany("INSERT OR REPLACE INTO entities(id, type, numeric_id, pageid, lastrevid, modified, "
                      "json, redirect_to) VALUES (?,?,?,?,?,?,?,NULL)", r["entities"])
        c.executemany("INSERT INTO terms(entity_id, kind, language, value, norm) VALUES (?,?,?,?,?)",
                      r["terms"])
        c.executemany("INSERT INTO statement_values(entity_id, property, value) VALUES (?,?,?)",
                      r["statements"])
        c.executemany("INSERT INTO sitelinks(entity_id, site, title) VALUES (?,?,?)", r["sitelinks"])
        for rows in r.values():
            rows.clear()

    @property
    def _replacing(self) -> bool:
        return self.existing_max_rev > 0

    @property
    def fresh(self) -> bool:
        """Nothing in the index tables yet (a first load): their indexes can be built at the end."""
        c = self.db.conn
        return not any(c.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in _DEFERRED_INDEX_TABLES)

    def _with_parent(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        if row[2] != -1:
            return row
        found = self.db.conn.execute("SELECT lastrevid FROM pages WHERE pageid=?", (row[1],)).fetchone()
        return (row[0], row[1], int(found[0] or 0) if found else 0, *row[3:])

    def bump_counters(self) -> None:
        self.db.bump_counter("Q", self.max_q + 1)
        self.db.bump_counter("P", self.max_p + 1)
        self.db.bump_counter("page", self.next_page)
        self.db.bump_counter("rev", self.next_rev)


def load_dump(app: Wiki, path: Path | str, *,
              progress: Callable[[int], None] | None = None) -> LoadStats:
    """Load a Wikidata JSON dump into the sandbox (SQLite and the SPARQL store)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such dump file", hint="Give the path of a .json, .json.gz or "
                                                              ".json.bz2 Wikidata dump.")
    started = time.perf_counter()
    ensure_schema(app.db)
    counts = {"item": 0, "property": 0}

    def entities(loader: _Loader, stream: IO[str]) -> Iterator[dict[str, Any]]:
        pending = 0
        for _lineno, entity in parse_lines(path, stream):
            yield loader.add(entity)
            counts[entity["type"]] += 1
            pending += 1
            if pending >= CHUNK:
                loader.flush()
                pending = 0
                if progress is not None:
                    progress(counts["item"] + counts["property"])
        loader.flush()

    try:
        with _bulk_pragmas(app.db), app.db.transaction(), open_dump(path) as stream:
            loader = _Loader(app)
            deferred = _drop_secondary_indexes(app.db) if loader.fresh else []
            app.sparql.bulk_load(entities(loader, stream), merge_later=True)
            # The SPARQL store merges its index files in a background thread (about one core):
            # the SQLite indexes are rebuilt and the transaction committed meanwhile. Same
            # transaction: a failed load rolls the DROP back too.
            for sql in deferred:
                app.db.conn.execute(sql)
            loader.bump_counters()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        with contextlib.suppress(Exception):  # the load's error is the one to report
            app.sparql.wait_merged()
        raise InputError(f"{path}: cannot read the dump ({exc})",
                         hint="Check that the file is a complete UTF-8 dump (plain, .gz or .bz2).") from None
    except BaseException:
        with contextlib.suppress(Exception):
            app.sparql.wait_merged()
        raise
    app.sparql.wait_merged()
    if progress is not None:
        progress(counts["item"] + counts["property"])
    return LoadStats(entities=counts["item"] + counts["property"], properties=counts["property"],
                     items=counts["item"], seconds=time.perf_counter() - started)
