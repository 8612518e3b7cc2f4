"""What the report needs to know about one item, read from its entity JSON (or from SPARQL).

The definitions are the report's, the same whichever way the data is read:

- a label / description in ``fr``: the term exists in that language (``rdfs:label`` with that tag);
- a sitelink to ``frwiki``: the sitelink exists;
- a property: at least one statement of it, of any rank, ``novalue``/``somevalue`` included (``p:P…``);
- statements: every statement (``wikibase:statements``); *sourced*: those with at least one reference
  that is not only « imported from » (P143) — a reference that has a P143 snak does not count;
- classes: the truthy P31 values (``wdt:P31``: best rank, deprecated never, value snaks only).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

IMPORTED_FROM = "P143"
# What wbgetentities must return: lastrevid (info) and the four kinds of data measured.
ENTITY_PROPS = ("info", "labels", "descriptions", "claims", "sitelinks")


@dataclass(frozen=True)
class ItemFacts:
    id: str
    revision: int  # lastrevid (0 when read from SPARQL)
    classes: tuple[str, ...]  # truthy P31
    labels: tuple[str, ...]  # languages (of those asked) with a label
    descriptions: tuple[str, ...]
    sitelinks: tuple[str, ...]  # site ids
    properties: tuple[str, ...]  # properties with at least one statement
    statements: int | None  # None: the source cannot say (SPARQL without wikibase:statements)
    sourced: int | None
    label: str = ""  # in the first language asked ("" when none)

    def to_json(self) -> str:
        """A JSON array in field order (the cache's row body: written 100,000 times by a first report)."""
        return json.dumps([self.id, self.revision, self.classes, self.labels, self.descriptions, self.sitelinks,
                           self.properties, self.statements, self.sourced, self.label],
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ItemFacts:
        d = json.loads(text)
        if isinstance(d, list):
            return cls(d[0], int(d[1]), tuple(d[2]), tuple(d[3]), tuple(d[4]), tuple(d[5]), tuple(d[6]), d[7], d[8],
                       d[9])
        # an object: a row written before the array form
        return cls(d["id"], int(d["revision"]), tuple(d["classes"]), tuple(d["labels"]),
                   tuple(d["descriptions"]), tuple(d["sitelinks"]), tuple(d["properties"]),
                   d["statements"], d["sourced"], d.get("label", ""))


def truthy_items(statements: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """Item ids of the best-rank statements (what ``wdt:`` holds): preferred if any, else normal."""
    ranked = [s for s in statements if s.get("rank", "normal") != "deprecated"]
    if any(s.get("rank") == "preferred" for s in ranked):
        ranked = [s for s in ranked if s.get("rank") == "preferred"]
    out: list[str] = []
    for st in ranked:
        snak = st.get("mainsnak") or {}
        value = (snak.get("datavalue") or {}).get("value")
        if snak.get("snaktype", "value") == "value" and isinstance(value, dict) and "id" in value:
            out.append(str(value["id"]))
    return tuple(dict.fromkeys(out))


def statement_counts(claims: Mapping[str, Sequence[Mapping[str, Any]]]) -> tuple[tuple[str, ...], int, int]:
    """(properties with at least one statement, sorted; statements; sourced statements) — one pass,
    as cheap as it can be: it runs on every statement of every item of the WikiProject."""
    properties: list[str] = []
    statements = sourced = 0
    for pid, group in claims.items():
        if not group:
            continue
        properties.append(pid)
        statements += len(group)
        for statement in group:
            for ref in statement.get("references") or ():
                if IMPORTED_FROM not in (ref.get("snaks") or ()):
                    sourced += 1
                    break
    properties.sort()
    return tuple(properties), statements, sourced


def facts_from_entity(entity: Mapping[str, Any], languages: Sequence[str]) -> ItemFacts:
    """The facts of an entity as ``wbgetentities`` returns it (with ``languages`` asked)."""
    claims: Mapping[str, list[Mapping[str, Any]]] = entity.get("claims") or {}
    labels = entity.get("labels") or {}
    descriptions = entity.get("descriptions") or {}
    first = labels.get(languages[0]) if languages else None
    properties, statements, sourced = statement_counts(claims)
    return ItemFacts(
        id=str(entity["id"]), revision=int(entity.get("lastrevid") or 0),
        classes=truthy_items(claims["P31"]) if "P31" in claims else (),
        labels=tuple(lang for lang in languages if lang in labels),
        descriptions=tuple(lang for lang in languages if lang in descriptions),
        sitelinks=tuple(sorted(entity.get("sitelinks") or ())),
        properties=properties, statements=statements, sourced=sourced,
        label=str(first.get("value", "")) if isinstance(first, Mapping) else "")
