"""Entity storage on top of db.py: current JSON, entity pages and revisions, search indexes.

Every change goes through :func:`save_entity`: one transaction writes the revision (shared with
core.py through ``db.save_revision``, content = entity JSON), the ``entities`` row, the ``terms``
and ``statement_values`` rows, then tells the SPARQL store. ``terms.norm`` is the search form of a
term (case-folded, accents removed, spaces collapsed) so prefix search is a range scan
``norm >= ? AND norm < ?`` on an index.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .context import Wiki
from .db import SandboxDB, save_revision
from .entities import CONTENT_MODEL, NS, canonical, entity_type_of, revision_content, title_of
from .mw import RawJSON

EXTRA_SCHEMA = """
CREATE TABLE IF NOT EXISTS sitelinks (entity_id TEXT NOT NULL, site TEXT NOT NULL, title TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sitelinks_site_title ON sitelinks(site, title);
CREATE INDEX IF NOT EXISTS sitelinks_entity ON sitelinks(entity_id);
CREATE INDEX IF NOT EXISTS entities_redirect ON entities(redirect_to);
"""
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


def ensure_schema(db: SandboxDB) -> None:
    """The few tables and indexes entity storage adds to db.py's schema (idempotent)."""
    with db.lock:
        db.conn.executescript(EXTRA_SCHEMA)


def norm(text: str) -> str:
    """Search form: case-folded, without accents, single spaces (``Évêché`` → ``eveche``)."""
    if text.isascii():  # the common case, without the Unicode decomposition
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped).strip()


def words(text: str) -> list[str]:
    return _WORD.findall(norm(text))


def prefix_upper(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``."""
    return prefix + "\U0010ffff"


@dataclass(frozen=True)
class StoredEntity:
    entity: dict[str, Any]
    pageid: int
    lastrevid: int
    modified: str


def decode(text: str) -> dict[str, Any]:
    """Stored JSON → entity; the revision form writes empty maps as ``[]`` (PHP), read them as ``{}``."""
    data: dict[str, Any] = json.loads(text)
    for key, value in data.items():
        if value == []:
            data[key] = {}
    return data


# An entity loaded from a dump keeps its JSON only in its revision (``entities.json`` is ''): the
# text is then read through ``lastrevid``; edits write ``entities.json`` again.
_JSON = "COALESCE(NULLIF(e.json, ''), (SELECT r.content FROM revisions r WHERE r.revid=e.lastrevid), '{}')"


def _row_to_stored(row: sqlite3.Row) -> StoredEntity:
    return StoredEntity(decode(row["json"]), int(row["pageid"] or 0), int(row["lastrevid"] or 0),
                        row["modified"] or "")


def get_entity(db: SandboxDB, entity_id: str) -> StoredEntity | None:
    """The current entity (redirects excluded: see :func:`resolve`)."""
    row = db.conn.execute(f"SELECT {_JSON} AS json, pageid, lastrevid, modified FROM entities e "
                          "WHERE id=? AND redirect_to IS NULL", (entity_id,)).fetchone()
    return _row_to_stored(row) if row else None


@dataclass(frozen=True)
class EntityParts:
    """A stored entity cut in three: its head decoded (type, datatype, id, labels, descriptions,
    aliases), its claims and its sitelinks (items only) as JSON text."""

    head: dict[str, Any]
    claims: RawJSON
    sitelinks: RawJSON | None


_HEAD_KEYS = {"item": ["type", "id", "labels", "descriptions", "aliases"],
              "property": ["type", "datatype", "id", "labels", "descriptions", "aliases"]}
_CLAIMS, _SITELINKS = ',"claims":', ',"sitelinks":'


def _json_part(text: str) -> RawJSON | None:
    if text == "[]":  # the revision form of an empty map
        return RawJSON("{}")
    return RawJSON(text) if text[:1] == "{" and text[-1:] == "}" else None


def split_stored(text: str) -> EntityParts | None:
    """Cut the stored JSON of an entity without decoding its claims and sitelinks (None: not in the
    stored form, decode it all).

    The text was written by ``json.dumps`` of :func:`~.entities.canonical` (``revision_content`` or
    :func:`save_entity`: keys in Wikibase's order, ``claims`` then ``sitelinks`` last), compact and
    with non-ASCII as is — the encoder of the API's answers. A ``"`` inside a string is always written
    ``\\"``, so ``,"claims":`` can only be a key; labels, descriptions and aliases are keyed by
    language codes, claims by property ids and sitelinks by site ids: the first ``,"claims":`` is the
    entity's own, the last ``,"sitelinks":`` too. The head must decode to exactly the keys before
    ``claims``, else the caller decodes the whole text.
    """
    start = text.find(_CLAIMS)
    if start < 0 or text[-1:] != "}":
        return None
    try:
        head = decode(text[:start] + "}")
    except ValueError:
        return None
    keys = _HEAD_KEYS.get(str(head.get("type")))
    if keys is None or list(head) != keys:
        return None
    end = text.rfind(_SITELINKS) if head["type"] == "item" else -1
    if head["type"] == "item" and end < start:
        return None
    claims = _json_part(text[start + len(_CLAIMS):end if end > 0 else -1])
    sitelinks = _json_part(text[end + len(_SITELINKS):-1]) if end > 0 else None
    if claims is None or (head["type"] == "item" and sitelinks is None):
        return None
    return EntityParts(head, claims, sitelinks)


@dataclass(frozen=True)
class StoredText:
    """A current entity as stored (its JSON text), decoded only as far as the reader needs."""

    text: str
    pageid: int
    lastrevid: int
    modified: str

    @cached_property
    def entity(self) -> dict[str, Any]:
        return decode(self.text)

    @cached_property
    def parts(self) -> EntityParts | None:
        return split_stored(self.text)


def get_entities(db: SandboxDB, ids: list[str]) -> tuple[dict[str, StoredText], dict[str, str]]:
    """Entities by id in one query (as text: decoded as far as each reader needs), and the redirects
    among the ids (id → target)."""
    found: dict[str, StoredText] = {}
    redirects: dict[str, str] = {}
    if not ids:
        return found, redirects
    marks = ",".join("?" * len(ids))
    rows = db.conn.execute(f"SELECT id, {_JSON} AS json, pageid, lastrevid, modified, redirect_to "
                           f"FROM entities e WHERE id IN ({marks})", ids).fetchall()
    targets: list[str] = []
    for row in rows:
        if row["redirect_to"]:
            redirects[row["id"]] = row["redirect_to"]
            targets.append(row["redirect_to"])
        else:
            found[row["id"]] = StoredText(row["json"], int(row["pageid"] or 0), int(row["lastrevid"] or 0),
                                          row["modified"] or "")
    missing_targets = [t for t in targets if t not in found]
    if missing_targets:
        more, _ = get_entities(db, missing_targets)
        found.update(more)
    return found, redirects


def redirect_target(db: SandboxDB, entity_id: str) -> str | None:
    row = db.conn.execute("SELECT redirect_to FROM entities WHERE id=?", (entity_id,)).fetchone()
    return row[0] if row else None


def property_datatype(db: SandboxDB, pid: str) -> str | None:
    row = db.conn.execute(f"SELECT {_JSON} FROM entities e WHERE id=? AND type='property' "
                          "AND redirect_to IS NULL", (pid,)).fetchone()
    return decode(row[0]).get("datatype") if row else None


def entity_exists(db: SandboxDB, entity_id: str) -> bool:
    return db.conn.execute("SELECT 1 FROM entities WHERE id=?", (entity_id,)).fetchone() is not None


def known_site(db: SandboxDB, site: str) -> bool:
    return db.conn.execute("SELECT 1 FROM sitelinks WHERE site=? LIMIT 1", (site,)).fetchone() is not None


def entity_by_sitelink(db: SandboxDB, site: str, title: str) -> str | None:
    row = db.conn.execute("SELECT entity_id FROM sitelinks WHERE site=? AND title=?",
                          (site, title)).fetchone()
    return row[0] if row else None


def revision_entity(db: SandboxDB, entity_id: str, revid: int) -> dict[str, Any] | None:
    """The entity as stored in revision ``revid`` of its page (None if that revision is not its)."""
    row = db.conn.execute("SELECT r.content FROM revisions r JOIN pages p ON p.pageid=r.pageid "
                          "WHERE r.revid=? AND p.title=?", (revid, title_of(entity_id))).fetchone()
    if row is None:
        return None
    return decode(row[0])


def revision_exists(db: SandboxDB, revid: int) -> bool:
    return db.conn.execute("SELECT 1 FROM revisions WHERE revid=?", (revid,)).fetchone() is not None


# ---- index rows -------------------------------------------------------------------------------------

def term_rows(entity: dict[str, Any]) -> Iterator[tuple[str, str, str, str, str]]:
    eid = entity["id"]
    for kind, key in (("label", "labels"), ("description", "descriptions")):
        for lang, term in (entity.get(key) or {}).items():
            yield eid, kind, lang, term["value"], norm(term["value"])
    for lang, group in (entity.get("aliases") or {}).items():
        for term in group:
            yield eid, "alias", lang, term["value"], norm(term["value"])


def statement_value(snak: dict[str, Any]) -> str:
    """What ``haswbstatement:P=value`` compares with: ids for entities, the text of strings."""
    dv = snak.get("datavalue")
    if snak.get("snaktype") != "value" or not dv:
        return ""
    value = dv["value"]
    if dv["type"] == "wikibase-entityid":
        return str(value["id"])
    if dv["type"] == "string":
        return str(value)
    if dv["type"] == "monolingualtext":
        return str(value["text"])
    if dv["type"] == "quantity":
        return str(value["amount"]).lstrip("+")
    if dv["type"] == "time":
        return str(value["time"])
    return ""


def statement_rows(entity: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    eid = entity["id"]
    for pid, group in (entity.get("claims") or {}).items():
        for st in group:
            yield eid, pid, statement_value(st["mainsnak"])


def sitelink_rows(entity: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    for site, link in (entity.get("sitelinks") or {}).items():
        yield entity["id"], site, link.get("title", "")


def _reindex(c: sqlite3.Connection, entity: dict[str, Any]) -> None:
    eid = entity["id"]
    for table in ("terms", "statement_values", "sitelinks"):
        c.execute(f"DELETE FROM {table} WHERE entity_id=?", (eid,))
    c.executemany("INSERT INTO terms(entity_id, kind, language, value, norm) VALUES (?,?,?,?,?)",
                  list(term_rows(entity)))
    c.executemany("INSERT INTO statement_values(entity_id, property, value) VALUES (?,?,?)",
                  list(statement_rows(entity)))
    c.executemany("INSERT INTO sitelinks(entity_id, site, title) VALUES (?,?,?)",
                  list(sitelink_rows(entity)))


# ---- writes -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Saved:
    pageid: int
    revid: int
    timestamp: str


@dataclass(frozen=True)
class Editor:
    """Who saves: the user name and id of the revision, its summary, tags and flags."""

    user: str
    userid: int
    comment: str = ""
    tags: tuple[str, ...] = ()
    bot: bool = False


def output_entity(stored_entity: dict[str, Any], lastrevid: int, modified: str) -> dict[str, Any]:
    """The dump form (what the SPARQL store and Special:EntityData get)."""
    out = canonical(stored_entity)
    out["lastrevid"] = lastrevid
    out["modified"] = modified
    return out


def save_entity(app: Wiki, entity: dict[str, Any], editor: Editor) -> Saved:
    """Store a new revision of ``entity`` and make every index and the SPARQL store follow."""
    db = app.db
    entity = canonical(entity)
    etype = entity_type_of(entity["id"])
    with db.transaction() as c:
        pageid, revid, _parent, ts = save_revision(
            db, title=title_of(entity["id"]), ns=NS[etype], content=revision_content(entity),
            contentmodel=CONTENT_MODEL[etype], user=editor.user, userid=editor.userid,
            comment=editor.comment, tags=list(editor.tags), bot=editor.bot)
        c.execute("INSERT OR REPLACE INTO entities(id, type, numeric_id, pageid, lastrevid, modified, json, "
                  "redirect_to) VALUES (?,?,?,?,?,?,?,NULL)",
                  (entity["id"], etype, int(entity["id"][1:]), pageid, revid, ts,
                   json.dumps(entity, ensure_ascii=False, separators=(",", ":"))))
        _reindex(c, entity)
    app.sparql.replace_entity(output_entity(entity, revid, ts))
    return Saved(pageid, revid, ts)


def save_redirect(app: Wiki, from_id: str, to_id: str, editor: Editor) -> Saved:
    """Turn ``from_id`` into a redirect to ``to_id`` (a new revision of its page)."""
    db = app.db
    etype = entity_type_of(from_id)
    content = json.dumps({"entity": from_id, "redirect": to_id}, separators=(",", ":"))
    with db.transaction() as c:
        pageid, revid, _parent, ts = save_revision(
            db, title=title_of(from_id), ns=NS[etype], content=content, contentmodel=CONTENT_MODEL[etype],
            user=editor.user, userid=editor.userid, comment=editor.comment, tags=list(editor.tags),
            bot=editor.bot)
        c.execute("INSERT OR REPLACE INTO entities(id, type, numeric_id, pageid, lastrevid, modified, json, "
                  "redirect_to) VALUES (?,?,?,?,?,?,?,?)",
                  (from_id, etype, int(from_id[1:]), pageid, revid, ts, "{}", to_id))
        _reindex(c, {"id": from_id})
    app.sparql.add_redirect(from_id, to_id)
    return Saved(pageid, revid, ts)


def delete_entity_page(app: Wiki, title: str) -> bool:
    """Called by core's ``action=delete`` for pages in ns 120/122: the entity then reads as missing."""
    entity_id = title.split(":", 1)[-1].strip().upper()
    db = app.db
    with db.transaction() as c:
        existed = c.execute("SELECT 1 FROM entities WHERE id=?", (entity_id,)).fetchone() is not None
        if not existed:
            return False
        c.execute("DELETE FROM entities WHERE id=?", (entity_id,))
        _reindex(c, {"id": entity_id})
        c.execute("UPDATE pages SET deleted=1 WHERE title=?", (title_of(entity_id),))
    app.sparql.remove_entity(entity_id)
    return True


# ---- uniqueness checks --------------------------------------------------------------------------------

def label_description_conflict(db: SandboxDB, entity: dict[str, Any]) -> tuple[str, str, str] | None:
    """(label, language, other item id) when another item has the same label and description."""
    for lang, label in (entity.get("labels") or {}).items():
        desc = (entity.get("descriptions") or {}).get(lang)
        if desc is None:
            continue
        row = db.conn.execute(
            "SELECT l.entity_id FROM terms l JOIN terms d ON d.entity_id=l.entity_id "
            "AND d.kind='description' AND d.language=? AND d.value=? "
            "WHERE l.kind='label' AND l.language=? AND l.value=? AND l.entity_id<>? "
            "AND l.entity_id LIKE 'Q%' LIMIT 1",
            (lang, desc["value"], lang, label["value"], entity["id"])).fetchone()
        if row:
            return label["value"], lang, row[0]
    return None


def property_label_conflict(db: SandboxDB, entity: dict[str, Any]) -> tuple[str, str, str] | None:
    for lang, label in (entity.get("labels") or {}).items():
        row = db.conn.execute(
            "SELECT entity_id FROM terms WHERE kind='label' AND language=? AND value=? "
            "AND entity_id<>? AND entity_id LIKE 'P%' LIMIT 1",
            (lang, label["value"], entity["id"])).fetchone()
        if row:
            return label["value"], lang, row[0]
    return None

