"""What the wiki says about properties (datatype, format regex, single value) and which items exist.

A :class:`PropertyCatalog` is built from entity JSON from any source — a fetch callable (e.g.
``WikibaseClient.get_entities``) or a Wikidata JSON dump file — and cached per site on disk as JSON, so
``validate`` and ``mapping check`` work offline once the site has been asked.

What the site said exists is kept; what it said does *not* exist (« P551 unknown ») is kept only
:data:`UNKNOWN_TTL` seconds (the date of each such answer is in the cache), because a wiki gains
properties and items: after that, the next command with ``--site`` asks again. ``--refresh`` asks the
site again for everything the mapping uses.

Constraints are read the way Wikidata states them: P2302 (property constraint) = Q21502404 (format) with
the regex in qualifier P1793; Q19474404 (single value) and Q52060874 (single best value), both
``single_value`` here; Q21502410 (distinct values). The other kinds (type, value type, one of) are
read and checked by ``plan`` (:mod:`wikiclub.batch.constraints`).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..dumps import iter_dump
from ..errors import InputError
from ..wbjson import Entity, Statement, Term

FORMAT_CONSTRAINT, SINGLE_VALUE, DISTINCT_VALUES = "Q21502404", "Q19474404", "Q21502410"
SINGLE_BEST_VALUE = "Q52060874"  # Wikidata's P569/P570: one best value (several only with ranks)
CATALOG_VERSION = 2  # 2: « missing_since », the date of each « does not exist » answer
UNKNOWN_TTL = 3600.0  # seconds an « unknown property/item » answer is believed

Fetch = Callable[[Sequence[str]], Mapping[str, Entity]]


@dataclass(frozen=True)
class PropertyInfo:
    id: str
    datatype: str
    label: str = ""
    format_regex: str | None = None
    single_value: bool = False
    distinct: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "datatype": self.datatype, "label": self.label,
                "format_regex": self.format_regex, "single_value": self.single_value, "distinct": self.distinct}


def _label(entity: Mapping[str, Any]) -> str:
    labels: dict[str, Term] = entity.get("labels") or {}
    for lang in ("fr", "en"):
        if isinstance(labels.get(lang), Mapping):
            return str(labels[lang].get("value", ""))
    return next((str(v.get("value", "")) for v in labels.values() if isinstance(v, Mapping)), "")


def _constraint_kind(claim: Statement) -> str | None:
    """The constraint type (an item id) of a P2302 statement."""
    snak = claim.get("mainsnak")
    dv = snak.get("datavalue") if snak is not None else None
    kind = dv["value"] if dv is not None else None
    return str(kind["id"]) if isinstance(kind, Mapping) and "id" in kind else None


def _with_id(entity: Entity, asked: str) -> Entity:
    """A copy of ``entity`` that says its id (the id asked when the answer does not)."""
    out = entity.copy()
    out["id"] = entity.get("id", asked)
    return out


def property_info(entity: Mapping[str, Any]) -> PropertyInfo:
    """What the catalogue keeps of a property's JSON (``wbjson.Entity``): datatype, label, format
    constraint, single-value and distinct-values constraints."""
    regex, single, distinct = None, False, False
    constraints: list[Statement] = (entity.get("claims") or {}).get("P2302", [])
    for claim in constraints:
        kind_id = _constraint_kind(claim)
        if kind_id == FORMAT_CONSTRAINT:
            for q in (claim.get("qualifiers") or {}).get("P1793", []):
                dv = q.get("datavalue")
                if dv is not None and isinstance(dv.get("value"), str):
                    regex = dv["value"]
        elif kind_id in (SINGLE_VALUE, SINGLE_BEST_VALUE):
            single = True
        elif kind_id == DISTINCT_VALUES:
            distinct = True
    return PropertyInfo(str(entity["id"]), str(entity.get("datatype", "")), _label(entity), regex, single,
                        distinct)


@dataclass(frozen=True)
class PropertyCatalog:
    site: str
    properties: Mapping[str, PropertyInfo] = field(default_factory=dict)
    items: Mapping[str, str] = field(default_factory=dict)  # known existing items: QID → label
    missing: frozenset[str] = frozenset()  # ids the site said do not exist
    missing_since: Mapping[str, float] = field(default_factory=dict)  # id → when (epoch seconds) it said so

    def get(self, pid: str) -> PropertyInfo | None:
        return self.properties.get(pid)

    def has_item(self, qid: str) -> bool | None:
        """True/False when known, None when the catalog has never asked."""
        if qid in self.items:
            return True
        return False if qid in self.missing else None

    @classmethod
    def from_entities(cls, site: str, entities: Iterable[Entity]) -> PropertyCatalog:
        props: dict[str, PropertyInfo] = {}
        items: dict[str, str] = {}
        missing: set[str] = set()
        for e in entities:
            eid = str(e.get("id", ""))
            if "missing" in e:
                missing.add(eid)
            elif e.get("type") == "property" or eid.startswith("P"):
                props[eid] = property_info(e)
            elif eid:
                items[eid] = _label(e)
        return cls(site, props, items, frozenset(missing))

    @classmethod
    def from_dump(cls, path: str | Path, site: str | None = None) -> PropertyCatalog:
        path = Path(path)
        try:
            return cls.from_entities(site or f"dump:{path.name}", iter_dump(path))
        except (OSError, ValueError) as exc:
            raise InputError(f"{path} : dump illisible / unreadable dump ({exc}).",
                             "Attendu : un dump JSON de Wikidata (une entité par ligne, .gz/.bz2 acceptés).") from None

    def merged(self, other: PropertyCatalog) -> PropertyCatalog:
        missing = (self.missing | other.missing) - set(other.properties) - set(other.items)
        since = {k: v for k, v in {**self.missing_since, **other.missing_since}.items() if k in missing}
        gone = other.missing  # what ``other`` (the newer answer) says does not exist any more
        return PropertyCatalog(self.site,
                               {k: v for k, v in {**self.properties, **other.properties}.items() if k not in gone},
                               {k: v for k, v in {**self.items, **other.items}.items() if k not in gone},
                               missing, since)

    def ensure(self, ids: Iterable[str], fetch: Fetch, *, now: float | None = None) -> PropertyCatalog:
        """Ask the site (once) about the ids this catalog does not know yet; ``now`` dates the « does
        not exist » answers (default: the clock)."""
        unknown = sorted({i for i in ids if i not in self.properties and i not in self.items
                          and i not in self.missing})
        if not unknown:
            return self
        answer = fetch(unknown)
        entities = [_with_id(e, k) for k, e in answer.items()]
        entities += [{"id": k, "missing": ""} for k in unknown if k not in answer]
        fresh = PropertyCatalog.from_entities(self.site, entities)
        when = time.time() if now is None else now
        fresh = replace(fresh, missing_since={k: when for k in fresh.missing})
        return self.merged(fresh)

    def without_old_unknowns(self, before: float) -> PropertyCatalog:
        """The catalogue without the « does not exist » answers given before ``before`` (epoch seconds),
        so they are asked again."""
        stale = {k for k in self.missing if self.missing_since.get(k, 0.0) < before}
        if not stale:
            return self
        return replace(self, missing=self.missing - stale,
                       missing_since={k: v for k, v in self.missing_since.items() if k not in stale})

    def to_json(self) -> dict[str, Any]:
        return {"version": CATALOG_VERSION, "site": self.site,
                "properties": {k: v.to_json() for k, v in sorted(self.properties.items())},
                "items": dict(sorted(self.items.items())), "missing": sorted(self.missing),
                "missing_since": {k: self.missing_since.get(k, 0.0) for k in sorted(self.missing)}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PropertyCatalog:
        props = {k: PropertyInfo(v["id"], v["datatype"], v.get("label", ""), v.get("format_regex"),
                                 bool(v.get("single_value")), bool(v.get("distinct")))
                 for k, v in data.get("properties", {}).items()}
        missing = frozenset(data.get("missing", ()))
        since = {k: float(v) for k, v in (data.get("missing_since") or {}).items() if k in missing}
        return cls(data["site"], props, dict(data.get("items", {})), missing, since)  # version 1: no dates, stale

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> PropertyCatalog:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def cache_path(cache_dir: str | Path, site: str) -> Path:
    """One cache file per site (the API URL), readable name + short hash."""
    slug = re.sub(r"[^a-z0-9]+", "-", site.lower()).strip("-")[:60]
    return Path(cache_dir) / f"properties-{slug}-{hashlib.sha256(site.encode()).hexdigest()[:8]}.json"


def load_cached(cache_dir: str | Path, site: str, *, now: float | None = None,
                unknown_ttl: float = UNKNOWN_TTL) -> PropertyCatalog:
    """The site's cached catalogue, without its « does not exist » answers older than ``unknown_ttl``."""
    path = cache_path(cache_dir, site)
    if path.exists():
        try:
            catalog = PropertyCatalog.load(path)
        except (ValueError, KeyError):
            return PropertyCatalog(site)  # a damaged cache is rebuilt from the site
        return catalog.without_old_unknowns((time.time() if now is None else now) - unknown_ttl)
    return PropertyCatalog(site)


