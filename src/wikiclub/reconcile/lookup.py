"""``wikiclub search``: find an item's QID while writing a mapping (« Q… de la ville de Rouyn-Noranda ? »).

Three requests whatever the number of hits: the prefix search (``wbsearchentities``), one batched
``wbgetentities`` for the hits' classes (P31) and places (P131, else the country P17), and one for
the labels of those classes and places (and their P279, for ``--type``). Pure over a reader, so the
test runs it against the sandbox and a fake alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..wbjson import Entity, SearchHit

MAX_SEARCH = 50  # wbsearchentities' limit for most users


class Reader(Protocol):
    def search_entities(self, text: str, *, language: str, type: str = "item",  # noqa: A002
                        limit: int = 7) -> list[SearchHit]: ...

    def get_entities(self, ids: Iterable[str], *, props: Sequence[str] | None = None,
                     languages: Sequence[str] | None = None) -> Mapping[str, Entity]: ...


@dataclass(frozen=True)
class Named:
    qid: str
    label: str  # "" when the item has no label in the languages asked


@dataclass(frozen=True)
class Hit:
    qid: str
    label: str
    description: str
    classes: tuple[Named, ...]
    places: tuple[Named, ...]
    url: str


def claim_ids(entity: Mapping[str, Any], prop: str) -> list[str]:
    """The item ids of ``entity``'s ``prop`` statements (deprecated ones left out), in order."""
    out: list[str] = []
    for st in (entity.get("claims") or {}).get(prop, []):
        value = ((st.get("mainsnak") or {}).get("datavalue") or {}).get("value")
        if st.get("rank") != "deprecated" and isinstance(value, Mapping) and value.get("id"):
            out.append(str(value["id"]))
    return list(dict.fromkeys(out))


def _label(entity: Mapping[str, Any] | None, languages: Sequence[str]) -> str:
    labels = (entity or {}).get("labels") or {}
    for lang in (*languages, "mul"):
        term = labels.get(lang)
        if isinstance(term, Mapping) and term.get("value"):
            return str(term["value"])
    return next((str(t.get("value", "")) for t in labels.values() if isinstance(t, Mapping)), "")


def _places(entity: Mapping[str, Any]) -> list[str]:
    return claim_ids(entity, "P131") or claim_ids(entity, "P17")


def _fits(classes: list[str], wanted: str | None, about: Mapping[str, Entity]) -> bool:
    """No class asked, or the hit is an instance of it or of one of its direct subclasses."""
    if wanted is None:
        return True
    return any(c == wanted or wanted in claim_ids(about.get(c) or {}, "P279") for c in classes)


def search_items(reader: Reader, text: str, *, language: str = "fr", type_qid: str | None = None,
                 limit: int = 7, item_url: Callable[[str], str] | None = None) -> list[Hit]:
    """Items whose label or alias starts with ``text``, with their classes and places named;
    ``type_qid`` keeps the instances of that class (or of a direct subclass of it); ``item_url`` links
    each hit as the wiki serves it."""
    asked = min(MAX_SEARCH, limit * 4 if type_qid else limit)  # room for the ones the class filter drops
    found = reader.search_entities(text, language=language, limit=asked)
    ids = [str(h["id"]) for h in found if h.get("id")]
    if not ids:
        return []
    languages = tuple(dict.fromkeys((language, "fr", "en")))
    hits = reader.get_entities(ids, props=("claims",))
    related = dict.fromkeys(r for q in ids for r in (*claim_ids(hits.get(q) or {}, "P31"), *_places(hits.get(q) or {})))
    about = reader.get_entities(list(related), props=("labels", "claims"), languages=languages) if related else {}
    out: list[Hit] = []
    for h in found:
        qid = str(h.get("id", ""))
        entity = hits.get(qid) or {}
        classes = claim_ids(entity, "P31")
        if not qid or not _fits(classes, type_qid, about):
            continue
        out.append(Hit(qid, str(h.get("label", "")), str(h.get("description", "")),
                       tuple(Named(c, _label(about.get(c), languages)) for c in classes),
                       tuple(Named(p, _label(about.get(p), languages)) for p in _places(entity)),
                       item_url(qid) if item_url else ""))
        if len(out) >= limit:
            break
    return out
