"""Search: wbsearchentities, ``list=wbsearch`` and ``list=search`` (with ``haswbstatement:``).

Like Wikidata's CirrusSearch rather than the bare recorded wiki (whose SQL term search is a
case-sensitive prefix match): case- and accent-insensitive prefix match on labels and aliases,
the requested language first, then its fallbacks, then (unless ``strictlanguage``) any language.
Ranking: exact label, label prefix, exact alias, alias prefix; ties by numeric id. Only the first
completions in index order are ranked (see ``MIN_CANDIDATES``), so a very short prefix on a big wiki
ranks the alphabetically first few hundred completions, not all of them.
"""

from __future__ import annotations

import html
import json
import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from . import entitystore as store
from .context import ApiRequest
from .entities import NS, is_entity_id, title_of
from .languages import fallback_chain, is_known_language
from .mw import ApiError
from .wbcommon import warn_unknown

SEARCH_PARAMS = frozenset({"search", "language", "strictlanguage", "type", "limit", "continue", "props",
                           "profile"})
MIN_CANDIDATES = 300  # term rows ranked for one search, at least …
CANDIDATES_PER_RESULT = 20  # … or this many per wanted result
_KIND_RANK = {("label", True): 0, ("label", False): 1, ("alias", True): 2, ("alias", False): 3}


@dataclass(frozen=True)
class Hit:
    entity_id: str
    kind: str  # label / alias / entityId
    language: str
    text: str
    rank: tuple[int, int, int, int]


def _int_param(req: ApiRequest, name: str, default: int, maximum: int) -> int:
    raw = req.get(name)
    if raw in (None, ""):
        return default
    if raw == "max":
        return maximum
    try:
        value = int(str(raw))
    except ValueError:
        raise ApiError("badinteger", f'Invalid value "{raw}" for integer parameter "{name}".') from None
    return max(1, min(value, maximum)) if name.endswith("limit") else max(0, value)


def find_hits(req: ApiRequest, text: str, language: str, entity_type: str, strict: bool,
              want: int) -> list[Hit]:
    """Ranked hits (one per entity); ``want`` bounds the work, not the correctness of the ranking."""
    db = req.app.db
    prefix = "Q" if entity_type == "item" else "P"
    hits: dict[str, Hit] = {}
    ident = text.strip().upper()
    if is_entity_id(ident) and ident.startswith(prefix) and store.get_entity(db, ident) is not None:
        hits[ident] = Hit(ident, "entityId", "", ident, (-1, 0, 0, 0))
    bare = req.app.config.search == "sql"
    # A bare Wikibase (no CirrusSearch) matches the stored term text as typed: case-sensitive.
    query = text.strip() if bare else store.norm(text)
    if not query:
        return list(hits.values())
    chain = [language] if strict else fallback_chain(language)
    # The index returns completions in ``norm`` order (exact match first, then the shortest):
    # rank the first few hundred of them rather than every term sharing a short prefix.
    column, index = ("value", "terms_value") if bare else ("norm", "terms_norm")
    sql = (f"SELECT entity_id, kind, language, value, {column} FROM terms INDEXED BY {index} "
           f"WHERE {column} >= ? AND {column} < ? "
           "AND kind IN ('label', 'alias') AND entity_id >= ? AND entity_id < ?")
    args: list[Any] = [query, store.prefix_upper(query), prefix, chr(ord(prefix) + 1)]
    if strict:
        sql += " AND language = ?"
        args.append(language)
    sql += f" ORDER BY {column} LIMIT ?"
    args.append(max(CANDIDATES_PER_RESULT * want, MIN_CANDIDATES))
    rows = db.conn.execute(sql, args).fetchall()
    for eid, kind, lang, value, n in rows:
        if not eid.startswith(prefix) or (strict and lang != language):
            continue
        tier = 0 if lang in chain else 1
        rank = (tier, _KIND_RANK[(kind, n == query)], chain.index(lang) if tier == 0 else 0, int(eid[1:]))
        old = hits.get(eid)
        if old is None or rank < old.rank:
            hits[eid] = Hit(eid, kind, lang, value, rank)
    ordered = sorted(hits.values(), key=lambda h: h.rank)
    return ordered[:max(want, 0)] if want else ordered


def _display_term(terms: dict[str, Any], language: str) -> dict[str, str] | None:
    for lang in fallback_chain(language):
        if lang in terms:
            return {"value": terms[lang]["value"], "language": lang}
    return None


def wbsearchentities(req: ApiRequest) -> dict[str, Any]:
    text = req.require("search")
    language = req.require("language")
    warn_unknown(req, SEARCH_PARAMS)
    if not is_known_language(language):
        raise ApiError("badvalue", f'Unrecognized value for parameter "language": {language}.')
    entity_type = req.get("type", "item") or "item"
    if entity_type not in ("item", "property"):
        raise ApiError("badvalue", f'Unrecognized value for parameter "type": {entity_type}.')
    limit = _int_param(req, "limit", 7, 50)
    offset = _int_param(req, "continue", 0, 10**9)
    hits = find_hits(req, text, language, entity_type, req.flag("strictlanguage"), offset + limit + 1)
    page = hits[offset:offset + limit]
    found, _ = store.get_entities(req.app.db, [h.entity_id for h in page])
    config = req.app.config
    # Display terms are in the user's language (uselang), as Wikibase shows them.
    display_lang = req.get("uselang") or "en"
    results: list[dict[str, Any]] = []
    for hit in page:
        stored = found.get(hit.entity_id)
        if stored is None:
            continue
        entity = stored.entity
        label = _display_term(entity.get("labels") or {}, display_lang)
        desc = _display_term(entity.get("descriptions") or {}, display_lang)
        display: dict[str, Any] = {}
        if label:
            display["label"] = label
        if desc:
            display["description"] = desc
        title = title_of(hit.entity_id)
        item: dict[str, Any] = {"id": hit.entity_id, "title": title, "pageid": stored.pageid,
                                "display": display, "repository": "local",
                                "url": f"{config.server}/w/index.php/{title}"}
        if entity["type"] == "property":
            item["datatype"] = entity.get("datatype")
        item["concepturi"] = f"{config.concept_base}{hit.entity_id}"
        if label:
            item["label"] = label["value"]
        if desc:
            item["description"] = desc["value"]
        match: dict[str, Any] = {"type": hit.kind}
        if hit.kind != "entityId":
            match["language"] = hit.language
        match["text"] = hit.text
        item["match"] = match
        if not label or hit.text != label["value"]:
            item["aliases"] = [hit.text]
        results.append(item)
    body: dict[str, Any] = {"searchinfo": {"search": text}, "search": results}
    if len(hits) > offset + limit:
        body["search-continue"] = offset + limit
    body["success"] = 1
    return body


def list_wbsearch(req: ApiRequest) -> dict[str, Any]:
    text = req.require("wbssearch")
    language = req.require("wbslanguage")
    if not is_known_language(language):
        raise ApiError("badvalue", f'Unrecognized value for parameter "wbslanguage": {language}.')
    entity_type = req.get("wbstype", "item") or "item"
    limit = _int_param(req, "wbslimit", 7, 50)
    offset = _int_param(req, "wbscontinue", 0, 10**9)
    hits = find_hits(req, text, language, entity_type, False, offset + limit + 1)
    page = hits[offset:offset + limit]
    found, _ = store.get_entities(req.app.db, [h.entity_id for h in page])
    out: list[dict[str, Any]] = []
    for hit in page:
        stored = found.get(hit.entity_id)
        if stored is None:
            continue
        out.append({"ns": NS[stored.entity["type"]], "title": title_of(hit.entity_id),
                    "pageid": stored.pageid, "displaytext": hit.text})
    body: dict[str, Any] = {"wbsearch": out}
    if len(hits) > offset + limit:
        body["continue"] = {"wbscontinue": offset + limit, "continue": "-||"}
    return body


# ---- list=search with haswbstatement --------------------------------------------------------------------

_WORDS = re.compile(r"\w+")
_TOKEN = re.compile(r'(-?)haswbstatement:("[^"]*"|\S+)|"([^"]*)"|(\S+)', re.IGNORECASE)


def _statement_clause(expr: str) -> tuple[str, list[str]]:
    """``P31=Q5|P31=Q6`` → SQL over statement_values (OR within one keyword, as CirrusSearch)."""
    parts, args = [], []
    for alt in expr.strip('"').split("|"):
        prop, _, value = alt.partition("=")
        prop = prop.strip().upper()
        if not re.match(r"^P[1-9]\d*$", prop):
            parts.append("0")
            continue
        if value:
            parts.append("(property=? AND value=?)")
            args += [prop, value.upper() if re.match(r"^[qQpP][1-9]\d*$", value) else value]
        else:
            parts.append("property=?")
            args.append(prop)
    return "entity_id IN (SELECT entity_id FROM statement_values WHERE " + " OR ".join(parts) + ")", args


_FUZZY = re.compile(r"^(.*?)~([0-9]?)$")
MAX_FUZZY_EXPANSIONS = 50  # words of the wiki one fuzzy term may stand for (Elasticsearch: max_expansions)


def fuzzy_distance(word: str, explicit: str = "") -> int:
    """Edit distance a fuzzy term allows: ``~1``/``~2`` as typed (at most 2, as Elasticsearch), else
    AUTO — 0 for 1–2 letters, 1 for 3–5, 2 for longer."""
    if explicit:
        return min(int(explicit), 2)
    return 0 if len(word) <= 2 else 1 if len(word) <= 5 else 2


@dataclass(frozen=True)
class _Term:
    word: str  # search form (store.norm), one \w+ word
    distance: int  # 0 = exact


def _text_terms(srsearch: str) -> list[_Term]:
    """The plain words of ``srsearch`` (quoted phrases give their words), ``word~``/``word~N`` fuzzy."""
    out: list[_Term] = []
    for m in _TOKEN.finditer(srsearch):
        if m.group(2) is not None:
            continue
        raw, explicit, fuzzy = m.group(3) or m.group(4) or "", "", False
        fm = _FUZZY.match(raw) if m.group(3) is None else None
        if fm and fm.group(1):
            raw, explicit, fuzzy = fm.group(1), fm.group(2), True
        for w in store.words(raw):
            out.append(_Term(w, fuzzy_distance(w, explicit) if fuzzy else 0))
    return out


@dataclass(frozen=True)
class _Near:
    words: frozenset[str]  # the words of the wiki a fuzzy term stands for
    entity_ids: str  # JSON array of the entities having one of them in a term (for ``json_each``)


def _fuzzy_matches(req: ApiRequest, terms: list[_Term]) -> dict[str, _Near]:
    """For each fuzzy word, the words of the wiki's terms within its distance (OSA: Damerau–Levenshtein
    with adjacent transpositions, as Lucene's fuzzy query) and the entities holding one. The distinct
    term texts come in one index scan; words are split and compared in C (regex, rapidfuzz), only
    words of a length within reach are compared; the entities come by the ``norm`` index."""
    fuzzy = [t for t in terms if t.distance]
    if not fuzzy:
        return {}
    conn = req.app.db.conn
    norms = [n for (n,) in conn.execute("SELECT DISTINCT norm FROM terms INDEXED BY terms_norm")]
    text = "\n".join(norms)
    starts = [0, *accumulate(len(n) + 1 for n in norms)]  # offset of each norm in ``text``
    by_length: dict[int, list[str]] = {}
    for w in set(_WORDS.findall(text)):
        by_length.setdefault(len(w), []).append(w)
    out: dict[str, _Near] = {}
    for t in fuzzy:
        pool = [w for n in range(len(t.word) - t.distance, len(t.word) + t.distance + 1)
                for w in by_length.get(n, ())]
        near = frozenset({t.word, *(w for w, _, _ in process.extract(
            t.word, pool, scorer=OSA.distance, score_cutoff=t.distance, limit=MAX_FUZZY_EXPANSIONS))})
        pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(near))) + r")\b")
        hits = {norms[bisect_right(starts, m.start()) - 1] for m in pattern.finditer(text)}
        hit = json.dumps(sorted(hits), ensure_ascii=False)
        ids = [e for (e,) in conn.execute(
            "SELECT DISTINCT entity_id FROM terms WHERE norm IN (SELECT value FROM json_each(?))", (hit,))]
        out[t.word] = _Near(near, json.dumps(ids))
    return out


def search_entities(req: ApiRequest, srsearch: str, namespaces: list[int]) -> list[str]:
    """Ids of entities matching every term of ``srsearch``, ordered by numeric id.

    A plain word matches a whole word of a label, alias or description (case and accents ignored);
    ``word~`` (``word~1``, ``word~2``) any word within that edit distance (see ``fuzzy_distance``)."""
    if req.app.config.search == "sql":
        # Without CirrusSearch, entity pages are not in MediaWiki's SQL search index and
        # haswbstatement: is unknown (it is a CirrusSearch keyword): nothing is found.
        return []
    where: list[str] = []
    args: list[Any] = []
    prefixes = [p for p, ns in (("Q", 120), ("P", 122)) if ns in namespaces]
    if not prefixes:
        return []
    where.append("(" + " OR ".join("id LIKE ?" for _ in prefixes) + ")")
    args += [p + "%" for p in prefixes]
    where.append("redirect_to IS NULL")
    for m in _TOKEN.finditer(srsearch):
        neg, stmt = m.group(1), m.group(2)
        if stmt is not None:
            clause, cargs = _statement_clause(stmt)
            where.append(("NOT " if neg else "") + clause.replace("entity_id IN", "id IN", 1))
            args += cargs
    terms = _text_terms(srsearch)
    near = _fuzzy_matches(req, terms)
    for t in terms:
        if t.word in near:
            where.append("id IN (SELECT value FROM json_each(?))")
            args.append(near[t.word].entity_ids)
        else:
            where.append("id IN (SELECT entity_id FROM terms WHERE norm LIKE ?)")
            args.append(f"%{t.word}%")
    rows = req.app.db.conn.execute(
        f"SELECT id FROM entities WHERE {' AND '.join(where)} ORDER BY type, numeric_id", args).fetchall()
    if not terms:
        return [r[0] for r in rows]
    # LIKE found substrings; keep entities where each exact word is a whole word of some term
    # (fuzzy words were matched as whole words already).
    keep: list[str] = []
    for (eid,) in rows:
        found = {t for (t,) in req.app.db.conn.execute("SELECT norm FROM terms WHERE entity_id=?", (eid,))}
        all_words = {w for t in found for w in store.words(t)}
        if all(t.word in near or t.word in all_words for t in terms):
            keep.append(eid)
    return keep


def list_search(req: ApiRequest) -> dict[str, Any]:
    srsearch = req.require("srsearch")
    try:
        namespaces = [int(n) for n in req.multi("srnamespace")] or [0]
    except ValueError:
        raise ApiError("badvalue", 'Unrecognized value for parameter "srnamespace".') from None
    high = req.user is not None and "bot" in req.user.groups
    limit = _int_param(req, "srlimit", 10, 5000 if high else 500)
    offset = _int_param(req, "sroffset", 0, 10**9)
    props = req.multi("srprop") if "srprop" in req.params else ["size", "wordcount", "timestamp", "snippet"]
    ids = search_entities(req, srsearch, namespaces)
    page = ids[offset:offset + limit]
    found, _ = store.get_entities(req.app.db, page)
    results: list[dict[str, Any]] = []
    for eid in page:
        stored = found.get(eid)
        if stored is None:
            continue
        entity = stored.entity
        item: dict[str, Any] = {"ns": NS[entity["type"]], "title": title_of(eid), "pageid": stored.pageid}
        text = " ".join(t["value"] for k in ("labels", "descriptions") for t in (entity.get(k) or {}).values())
        if "size" in props:
            item["size"] = len(json.dumps(entity, ensure_ascii=False).encode("utf-8"))
        if "wordcount" in props:
            item["wordcount"] = len(text.split())
        if "snippet" in props:
            item["snippet"] = _snippet(entity)
        if "timestamp" in props:
            item["timestamp"] = stored.modified
        results.append(item)
    body: dict[str, Any] = {"searchinfo": {"totalhits": len(ids)}, "search": results}
    if len(ids) > offset + limit:
        body["continue"] = {"sroffset": offset + limit, "continue": "-||"}
    return body


def _snippet(entity: dict[str, Any]) -> str:
    label = next(iter((entity.get("labels") or {}).values()), None)
    desc = next(iter((entity.get("descriptions") or {}).values()), None)
    parts = [t["value"] for t in (label, desc) if t]
    return html.escape(": ".join(parts))
