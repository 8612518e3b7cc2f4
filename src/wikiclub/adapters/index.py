"""Local SQLite index of the WikiProject's items, for reconciliation without search requests.

One file holds, per item, the facts matching needs (labels, aliases, P31/P279, P131, identifiers,
websites, coordinates, years — ``reconcile.facts.Facts`` as JSON) plus lookup tables: names folded,
"cored" and abbreviated (exact lookups), an FTS5 ``trigram`` table over the cored names (fuzzy
lookups by character 3-grams, which finds what prefix search misses: hyphen vs space, a missing
article, a word added or dropped), identifiers by normalised key and websites by host.

Filled from a Wikidata JSON dump (one entity per line, ``.gz``/``.bz2`` too) or from a site, two ways:

- **the project's items by SPARQL** (:func:`sync_from_site`): a query (with its PREFIX lines and the
  site's concept base) selects the items (focus list P5008 or P131* within the project's regions) with
  their ``schema:version``; their JSON comes through ``wbgetentities`` (50 per request), and the
  classes and places they refer to are added so type and location closures need no request either;
- **every item page of the wiki** (:func:`sync_from_pages`): ``generator=allpages`` over the item
  namespace with ``prop=info`` gives each page's ``lastrevid`` (500 a request), then ``wbgetentities``
  reads what changed, 50 at a time. This needs neither a query service nor a search engine: it is how
  wikiclub reconciles on a bare Wikibase, whose search cannot find accent or case variants.

``update`` refetches only items whose revision changed.

The stored facts and name keys are what the name rules (``names``, ``facts``, this module) made of the
items when they were read: the index records a fingerprint of those rules (:func:`rules_version`). An
index written by other rules (an older or newer wikiclub) would look names up under keys the current
rules never produce — an existing item missed, a duplicate created — so it is not read: a build or an
update starts it again from nothing (the automatic regional and page indexes do so by themselves),
and ``--index FILE`` is refused with the command that rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .. import facts as facts_rules
from .. import names as name_rules
from ..dumps import iter_dump
from ..errors import UsageError
from ..facts import Facts, facts_from_entity
from ..names import acronym, compound_initials, core, fold, identifier_key, registrable_domain, url_key
from ..wbjson import Entity
from .sparql import WIKIDATA_CONCEPT_BASE, sparql_prefixes

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS entity(qid TEXT PRIMARY KEY, rev INTEGER, facts TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS name(qid TEXT, folded TEXT, cored TEXT, initials TEXT, acro TEXT);
CREATE INDEX IF NOT EXISTS name_folded ON name(folded);
CREATE INDEX IF NOT EXISTS name_cored ON name(cored);
CREATE INDEX IF NOT EXISTS name_initials ON name(initials);
CREATE INDEX IF NOT EXISTS name_acro ON name(acro);
CREATE INDEX IF NOT EXISTS name_qid ON name(qid);
CREATE VIRTUAL TABLE IF NOT EXISTS name_fts USING fts5(cored, qid UNINDEXED, tokenize='trigram');
CREATE TABLE IF NOT EXISTS ident(prop TEXT, key TEXT, qid TEXT);
CREATE INDEX IF NOT EXISTS ident_key ON ident(prop, key);
CREATE TABLE IF NOT EXISTS website(host TEXT, path TEXT, qid TEXT);
CREATE INDEX IF NOT EXISTS website_host ON website(host);
"""


class SparqlLike(Protocol):
    def select(self, query: str) -> list[dict[str, Any]]: ...


class EntitiesLike(Protocol):
    def get_entities(self, ids: Sequence[str], *, props: Sequence[str] | None = None,
                     languages: Sequence[str] | None = None) -> Mapping[str, Entity]: ...


def rules_version() -> str:
    """A fingerprint of the rules that turn an item into the index's facts and name keys: the source
    of ``names``, ``facts`` and this module. Any change to them makes older indexes stale."""
    digest = hashlib.sha256()
    for module_file in (name_rules.__file__, facts_rules.__file__, __file__):
        digest.update(Path(str(module_file)).read_bytes())
    return digest.hexdigest()[:16]


def _rebuild_hint(path: Path, meta: Mapping[str, str]) -> str:
    source = meta.get("source", "")
    if source.startswith("dump:"):
        return f"Reconstruisez-le / rebuild it: wikiclub index build --dump {source[5:]} -o {path}"
    if source == "pages":
        return f"Reconstruisez-le / rebuild it: wikiclub index update {path}  (ou / or: index build --all-pages)"
    return f"Reconstruisez-le / rebuild it: wikiclub index update {path}"


class LocalIndex:
    """The SQLite index; open with ``LocalIndex(path)``, close with ``close()`` or a ``with`` block.

    ``rebuild``: the caller fills the index next (a build, an update, the automatic indexes): an index
    written by other name rules is emptied and will be read again in full; otherwise such an index is
    refused (UsageError naming the command that rebuilds it)."""

    def __init__(self, path: Path | str, *, create: bool = False, rebuild: bool | None = None) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise UsageError(f"Index introuvable / index not found: {self.path}",
                             "Construisez-le / build it: wikiclub index build --dump examples/kb.jsonl -o FILE")
        self.db = sqlite3.connect(self.path)
        self.db.executescript(SCHEMA)
        self._facts: dict[str, Facts | None] = {}
        self.rules = rules_version()
        meta = self.meta()
        if self.count() and meta.get("rules") != self.rules:
            if not (create if rebuild is None else rebuild):
                self.db.close()
                raise UsageError(f"{self.path} : index écrit par d'autres règles de noms (une autre version de "
                                 "wikiclub) ; ses clés ne correspondent plus / index written by other name rules "
                                 "(another wikiclub version): its keys no longer match", _rebuild_hint(self.path, meta))
            self.clear()
        if meta.get("rules") != self.rules:
            self.set_meta(rules=self.rules)

    def clear(self) -> None:
        """Every entity and lookup row removed (the index is read again in full)."""
        with self.db:
            for table in ("entity", "name", "name_fts", "ident", "website"):
                self.db.execute(f"DELETE FROM {table}")
        self._facts.clear()

    def __enter__(self) -> LocalIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # -- writing -----------------------------------------------------------------------------------
    def add_entities(self, entities: Iterable[Entity]) -> int:
        n = 0
        with self.db:
            for entity in entities:
                if entity.get("type") not in ("item", "property") or "missing" in entity:
                    continue
                self.put(facts_from_entity(entity))
                n += 1
        return n

    def put(self, f: Facts) -> None:
        cur = self.db
        cur.execute("DELETE FROM name WHERE qid = ?", (f.qid,))
        cur.execute("DELETE FROM name_fts WHERE qid = ?", (f.qid,))
        cur.execute("DELETE FROM ident WHERE qid = ?", (f.qid,))
        cur.execute("DELETE FROM website WHERE qid = ?", (f.qid,))
        cur.execute("INSERT OR REPLACE INTO entity VALUES (?, ?, ?)",
                    (f.qid, f.lastrevid, json.dumps(f.to_json(), ensure_ascii=False)))
        seen: set[str] = set()
        for _, _, text in (*f.names(), *f.name_statements()):  # official, short and native names too
            folded = fold(text)
            if not folded or folded in seen:
                continue
            seen.add(folded)
            cored = core(text)
            cur.execute("INSERT INTO name VALUES (?, ?, ?, ?, ?)",
                        (f.qid, folded, cored, fold(compound_initials(text)), acronym(text)))
            cur.execute("INSERT INTO name_fts VALUES (?, ?)", (cored, f.qid))
        for prop, value in f.identifiers:
            cur.execute("INSERT INTO ident VALUES (?, ?, ?)", (prop, identifier_key(value), f.qid))
        for url in f.websites:
            key = url_key(url)
            if key:
                cur.execute("INSERT INTO website VALUES (?, ?, ?)", (key[0], key[1], f.qid))
        self._facts.pop(f.qid, None)

    def set_meta(self, **values: str) -> None:
        with self.db:
            for k, v in values.items():
                self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (k, v))

    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    # -- reading -----------------------------------------------------------------------------------
    def revisions(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT qid, rev FROM entity").fetchall())

    def facts(self, ids: Sequence[str]) -> dict[str, Facts]:
        out: dict[str, Facts] = {}
        missing = [i for i in ids if i not in self._facts]
        for start in range(0, len(missing), 500):
            chunk = missing[start:start + 500]
            rows = self.db.execute(f"SELECT qid, facts FROM entity WHERE qid IN ({','.join('?' * len(chunk))})",
                                   chunk).fetchall()
            got = {q: Facts.from_json(json.loads(blob)) for q, blob in rows}
            for q in chunk:
                self._facts[q] = got.get(q)
        for i in ids:
            f = self._facts.get(i)
            if f is not None:
                out[i] = f
        return out

    def search(self, names: Sequence[str], *, limit: int = 12) -> list[str]:
        """QIDs whose names equal, abbreviate or resemble any of ``names``, best first."""
        hits: dict[str, float] = {}

        def add(qids: Iterable[str], weight: float) -> None:
            for q in qids:
                hits[q] = max(hits.get(q, 0.0), weight)

        for name in names:
            folded, cored = fold(name), core(name)
            if not folded:
                continue
            initials = fold(compound_initials(name))
            compact = folded.replace(" ", "")
            rows = self.db.execute(
                "SELECT qid FROM name WHERE folded = ? OR cored = ? OR initials = ? OR initials = ?"
                " OR (length(?) BETWEEN 3 AND 8 AND acro = ?)",
                (folded, cored, folded, initials, compact, compact)).fetchall()
            add((r[0] for r in rows), 3.0)
            if len(cored) >= 3:
                grams = sorted({cored[i:i + 3] for i in range(len(cored) - 2)})
                match = " OR ".join(f'"{g}"' for g in grams)
                rows = self.db.execute(
                    "SELECT qid, bm25(name_fts) AS r FROM name_fts WHERE name_fts MATCH ? ORDER BY r LIMIT ?",
                    (match, limit * 3)).fetchall()
                for rank, (qid, _) in enumerate(rows):
                    add([qid], 1.0 - rank / (limit * 3))
        ranked = sorted(hits.items(), key=lambda kv: -kv[1])
        return [q for q, _ in ranked[: limit * 2]]

    def by_identifier(self, prop: str, value: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT qid FROM ident WHERE prop = ? AND key = ?",
                                              (prop, identifier_key(value)))]

    def by_website(self, url: str) -> list[str]:
        key = url_key(url)
        if key is None:
            return []
        rows = self.db.execute("SELECT qid, path FROM website WHERE host = ?", (key[0],)).fetchall()
        exact = [q for q, p in rows if p == key[1]]
        domain = registrable_domain(key[0])
        if not rows and domain != key[0]:  # « billets.x.org »: the site of the registrable domain
            rows = self.db.execute("SELECT qid, path FROM website WHERE host = ?", (domain,)).fetchall()
        return exact or [q for q, _ in rows]

    def remove(self, qids: Sequence[str]) -> None:
        with self.db:
            for qid in qids:
                for table in ("entity", "name", "name_fts", "ident", "website"):
                    self.db.execute(f"DELETE FROM {table} WHERE qid = ?", (qid,))
                self._facts.pop(qid, None)

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM entity").fetchone()[0])


# --- building -------------------------------------------------------------------------------------

def build_from_dump(dump: Path, out: Path) -> int:
    """A fresh index from a dump file; returns the number of entities stored."""
    if out.exists():
        out.unlink()
    with closing(LocalIndex(out, create=True)) as index:
        n = index.add_entities(iter_dump(dump))
        index.set_meta(source=f"dump:{dump.name}")
    return n


def project_query(*, focus: str | None, regions: Sequence[str], concept_base: str | None = None) -> str:
    """SPARQL selecting the project's items (on its focus list, located in its regions, or both) and
    their revision (``schema:version``), with its PREFIX lines under the site's concept base (a standard
    endpoint knows no ``wd:`` by itself)."""
    parts = [f"?item wdt:P5008 wd:{focus} ."] if focus else []
    if regions:
        values = " ".join(f"wd:{r}" for r in regions)
        parts.append(f"VALUES ?region {{ {values} }} ?item wdt:P131* ?region .")
    if len(parts) == 2:  # both: the focus list's items and everything located in the regions
        where = f"{{ {parts[0]} }} UNION {{ {parts[1]} }}"
    elif parts:
        where = parts[0]
    else:
        raise UsageError("Ni liste de suivi ni régions / neither a focus list nor regions",
                         "Indiquez --focus QID ou --region QID (ou le WikiProjet dans wikiclub.toml).")
    return f"{sparql_prefixes(concept_base)}SELECT DISTINCT ?item ?rev WHERE {{ {where} ?item schema:version ?rev . }}"


def _qid(uri: str, concept_base: str | None = None) -> str | None:
    base = concept_base or WIKIDATA_CONCEPT_BASE
    return uri[len(base):] if uri.startswith(base) else None


def _binding(row: Mapping[str, Any], key: str) -> str:
    v = row.get(key)
    return str(v.get("value")) if isinstance(v, Mapping) else str(v)


def sync_from_site(index: LocalIndex, sparql: SparqlLike, client: EntitiesLike, *, focus: str | None,
                   regions: Sequence[str], full: bool = False, concept_base: str | None = None) -> tuple[int, int]:
    """Add or refresh the project's items (and the classes/places they use); (fetched, unchanged).

    Only items whose ``schema:version`` differs from the stored revision are fetched, unless ``full``.
    """
    rows = sparql.select(project_query(focus=focus, regions=regions, concept_base=concept_base))
    wanted: dict[str, int] = {}
    for r in rows:
        qid = _qid(_binding(r, "item"), concept_base)
        if qid:
            wanted[qid] = int(float(_binding(r, "rev") or 0))
    _drop_leavers(index, wanted)
    stored = index.revisions()
    todo = [q for q, rev in wanted.items() if full or stored.get(q) != rev]
    fetched = _fetch_into(index, client, todo)
    # Classes and places referenced by what was fetched, level by level (each level one batch).
    frontier = {p for f in fetched for p in f.referenced()}  # classes, places, a person's places and occupations
    seen = set(stored) | {f.qid for f in fetched}
    while frontier - seen:
        level = sorted(frontier - seen)
        seen |= set(level)
        got = _fetch_into(index, client, level)
        frontier = {p for f in got for p in (*f.subclass_of, *f.located_in)}
    index.set_meta(source="site", focus=focus or "", regions=",".join(regions), members=",".join(wanted))
    return len(fetched), len(wanted) - len(todo)


NAMESAKE_CHUNK = 300  # names per query (sent by POST): a VALUES block WDQS answers at once
_LANG_TAG = re.compile(r"[a-z]{2,8}(-[a-z0-9]{1,8})*")


def namesake_query(names: Sequence[tuple[str, str]], *, concept_base: str | None = None) -> str:
    """SPARQL: the items whose label or alias is exactly one of ``names`` ((language, text) pairs)."""
    terms = " ".join('"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + f'"@{lang}'
                     for lang, text in names if _LANG_TAG.fullmatch(lang) and text)
    return (f"{sparql_prefixes(concept_base)}PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            f"SELECT DISTINCT ?item ?name WHERE {{ VALUES ?name {{ {terms} }} "
            "{ ?item rdfs:label ?name } UNION { ?item skos:altLabel ?name } }")


def namesakes(sparql: SparqlLike, names: Sequence[tuple[str, str]], *,
              concept_base: str | None = None) -> dict[str, set[str]]:
    """Text → the items bearing it as a label or an alias in the language given with it in ``names``
    ((language, text) pairs); one query per 300 names."""
    out: dict[str, set[str]] = {}
    unique = list(dict.fromkeys(names))
    for start in range(0, len(unique), NAMESAKE_CHUNK):
        chunk = unique[start:start + NAMESAKE_CHUNK]
        for row in sparql.select(namesake_query(chunk, concept_base=concept_base)):
            qid = _qid(_binding(row, "item"), concept_base)
            if qid:
                out.setdefault(_binding(row, "name"), set()).add(qid)
    return out


def _drop_leavers(index: LocalIndex, wanted: Mapping[str, int]) -> None:
    """Items the selection held last time and no longer does (deleted, merged, moved out) leave the
    index — unless an item still selected refers to one (its town, its class): that one stays."""
    left = [q for q in index.meta().get("members", "").split(",") if q and q not in wanted]
    if left:
        used = {p for f in index.facts(list(wanted)).values() for p in f.referenced()}
        index.remove([q for q in left if q not in used])


def _fetch_into(index: LocalIndex, client: EntitiesLike, ids: Sequence[str]) -> list[Facts]:
    out: list[Facts] = []
    for start in range(0, len(ids), 50):
        entities = client.get_entities(list(ids[start:start + 50]))
        with index.db:
            for entity in entities.values():
                if isinstance(entity, Mapping) and entity.get("type") in ("item", "property") \
                        and "missing" not in entity:
                    f = facts_from_entity(entity)
                    index.put(f)
                    out.append(f)
    return out


class PagesLike(EntitiesLike, Protocol):
    def call(self, params: Mapping[str, Any], *, post: bool = False) -> dict[str, Any]: ...


@dataclass(frozen=True)
class PagesSync:
    """What :func:`sync_from_pages` did: entities read, left as they were, and removed (deleted pages)."""

    fetched: int
    unchanged: int
    removed: int
    pages: int  # item pages the wiki has


def site_index_path(cache_dir: Path, api_url: str) -> Path:
    """Where the index of a whole site is kept (next to its siteinfo and property caches)."""
    slug = re.sub(r"[^a-z0-9]+", "-", api_url.lower()).strip("-")[:60]
    return Path(cache_dir) / f"index-{slug}-{hashlib.sha256(api_url.encode()).hexdigest()[:8]}.sqlite"


def regional_index_path(cache_dir: Path, api_url: str, focus: str | None, regions: Sequence[str]) -> Path:
    """Where the index of the WikiProject's items on this site is kept (one per focus list and regions)."""
    scope = ",".join([focus or "", *sorted(regions)])
    slug = re.sub(r"[^a-z0-9]+", "-", api_url.lower()).strip("-")[:50]
    digest = hashlib.sha256(f"{api_url} {scope}".encode()).hexdigest()[:8]
    return Path(cache_dir) / f"region-{slug}-{digest}.sqlite"


def page_revisions(client: PagesLike, namespace: int) -> dict[str, int]:
    """Every page of ``namespace``: entity id (the title without its namespace) → lastrevid."""
    params: dict[str, Any] = {"action": "query", "generator": "allpages", "gapnamespace": str(namespace),
                              "gaplimit": "max", "prop": "info", "formatversion": "2"}
    found: dict[str, int] = {}
    while True:
        answer = client.call(params)
        for page in (answer.get("query") or {}).get("pages", []):
            if "missing" not in page:
                found[str(page["title"]).rsplit(":", 1)[-1]] = int(page.get("lastrevid", 0))
        cont = answer.get("continue")
        if not cont:
            return found
        params.update(cont)


def sync_from_pages(index: LocalIndex, client: PagesLike, *, namespace: int, full: bool = False) -> PagesSync:
    """Make the index hold every item of the wiki as it is now: pages whose revision changed (all with
    ``full``) are read again, pages gone are removed."""
    wanted = page_revisions(client, namespace)
    stored = index.revisions()
    todo = [q for q, rev in wanted.items() if full or stored.get(q) != rev]
    gone = [q for q in stored if q not in wanted and q[:1] == "Q"]
    fetched = _fetch_into(index, client, todo)
    index.remove(gone)
    index.set_meta(source="pages", namespace=str(namespace))
    return PagesSync(len(fetched), len(wanted) - len(todo), len(gone), len(wanted))
