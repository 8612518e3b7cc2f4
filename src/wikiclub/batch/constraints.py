"""Wikidata's property constraints, checked on what a batch would add: a violation is a note for a
human, never an edit.

Pure: nothing here reads a wiki. :func:`read_constraints` reads a property entity's P2302 statements
("property constraint") as Wikidata states them; :func:`check_statements` takes the statements one
entity would get, what the wiki says about the classes involved (:class:`ClassFacts`) and the items
already holding each identifier (``holders``), and returns the statements to keep and the
:class:`Violation` s. The reads (property entities, value items, class ancestors, ``haswbstatement``
searches) are made by :mod:`wikiclub.batch.build` in its batched steps.

Kinds, with the qualifiers that parametrise them:

- single value (Q19474404) and single best value (Q52060874): the diff reports another value as a
  conflict (:func:`single_value_properties`); Wikidata's P569/P570 carry the latter;
- format (Q21502404, regex in P1793): a string or identifier the regex does not match in full;
- distinct values (Q21502410): an identifier already on another item (found by ``haswbstatement``);
- value type (Q21510865, classes P2308, relation P2309): an item value that is not an instance (or a
  subclass, as the relation says) of one of the classes, through P279*;
- type (Q21503250, P2308/P2309): the subject item, likewise (a birth date on an organisation);
- one of (Q21510859, allowed items P2305): an item value not in the list.

Exceptions (P2303) are honoured; deprecated constraint statements are ignored. Class checks are
positive only: when the classes of a value or subject are not known at all (nothing read), nothing is
reported (no guess); when known and no path reaches the expected classes, it is a violation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..wbjson import Entity

CONSTRAINT, REGEX, CLASS, RELATION, ITEM, EXCEPTION = "P2302", "P1793", "P2308", "P2309", "P2305", "P2303"
KINDS = {"Q19474404": "single-value", "Q52060874": "single-best-value", "Q21502404": "format",
         "Q21502410": "distinct-values", "Q21510865": "value-type", "Q21503250": "type", "Q21510859": "one-of"}
RELATIONS = {"Q21503252": "instance", "Q21514624": "subclass", "Q30208840": "either"}
INSTANCE_OF, SUBCLASS_OF = "P31", "P279"
MAX_DEPTH = 12  # P279 levels followed (Wikidata's hierarchies are deep; a loop is cut by the visited set)


@dataclass(frozen=True)
class Constraint:
    kind: str  # one of KINDS' values
    property: str
    classes: frozenset[str] = frozenset()  # type / value type
    relation: str = "instance"  # instance | subclass | either
    items: frozenset[str] = frozenset()  # one of
    regex: str | None = None  # format
    exceptions: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Violation:
    kind: str
    property: str
    value: str  # the value as shown (an id, a string)
    message: str  # French first
    related: tuple[str, ...] = ()  # the items holding the identifier, the expected classes or items

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "property": self.property, "value": self.value, "message": self.message,
                "related": list(self.related)}


def _ids(snaks: Iterable[Mapping[str, Any]]) -> list[str]:
    out = []
    for snak in snaks:
        value = (snak.get("datavalue") or {}).get("value")
        if isinstance(value, Mapping) and value.get("id"):
            out.append(str(value["id"]))
    return out


def read_constraints(entity: Mapping[str, Any]) -> tuple[Constraint, ...]:
    """The constraints of a property entity (its P2302 statements) that wikiclub checks."""
    pid = str(entity.get("id", ""))
    out: list[Constraint] = []
    for claim in (entity.get("claims") or {}).get(CONSTRAINT, []):
        kind = next(iter(_ids([claim.get("mainsnak") or {}])), None)
        if claim.get("rank") == "deprecated" or kind not in KINDS:
            continue
        q = claim.get("qualifiers") or {}
        regex = next((str(s["datavalue"]["value"]) for s in q.get(REGEX, ())
                      if isinstance((s.get("datavalue") or {}).get("value"), str)), None)
        relation = RELATIONS.get(next(iter(_ids(q.get(RELATION, ()))), ""), "instance")
        out.append(Constraint(KINDS[kind], pid, frozenset(_ids(q.get(CLASS, ()))), relation,
                              frozenset(_ids(q.get(ITEM, ()))), regex, frozenset(_ids(q.get(EXCEPTION, ())))))
    return tuple(out)


def single_value_properties(constraints: Mapping[str, Sequence[Constraint]]) -> dict[str, str]:
    """Properties the diff must not give a second value: pid → "single-value" / "single-best-value"."""
    out: dict[str, str] = {}
    for pid, found in constraints.items():
        for c in found:
            if c.kind in ("single-value", "single-best-value"):
                out.setdefault(pid, c.kind)
    return out


@dataclass(frozen=True)
class ClassFacts:
    """P31 and P279 of the items and classes read; ``known`` says which ids were read at all."""

    instance_of: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    subclass_of: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def known(self, qid: str) -> bool:
        return qid in self.instance_of or qid in self.subclass_of

    def ancestors(self, starts: Iterable[str]) -> frozenset[str]:
        """``starts`` and every class above them through P279 (breadth first, loops cut)."""
        seen = set(starts)
        level = list(seen)
        for _ in range(MAX_DEPTH):
            level = [p for c in level for p in self.subclass_of.get(c, ()) if p not in seen]
            if not level:
                break
            seen.update(level)
        return frozenset(seen)

    def is_a(self, qid: str, classes: frozenset[str], relation: str, own_p31: Sequence[str] = ()) -> bool | None:
        """Whether ``qid`` is an instance / subclass of one of ``classes`` (P279*); None when unknown."""
        p31 = tuple(own_p31) or self.instance_of.get(qid, ())
        starts: list[str] = []
        if relation in ("instance", "either"):
            starts += p31
        if relation in ("subclass", "either"):
            starts += [qid, *self.subclass_of.get(qid, ())]
        if self.ancestors(starts) & classes:
            return True
        return False if any(self.known(s) for s in starts) else None


def facts_of(entities: Mapping[str, Entity]) -> ClassFacts:
    """P31/P279 of entity JSON (as ``wbgetentities`` gives it), for :class:`ClassFacts`."""
    inst: dict[str, tuple[str, ...]] = {}
    sub: dict[str, tuple[str, ...]] = {}
    for key, entity in entities.items():
        if "missing" in entity:
            continue
        claims = entity.get("claims") or {}
        qid = str(entity.get("id", key))
        for target, pid in ((inst, INSTANCE_OF), (sub, SUBCLASS_OF)):
            target[qid] = tuple(_ids(s.get("mainsnak") or {} for s in claims.get(pid, ())
                                     if s.get("rank") != "deprecated"))
    return ClassFacts(inst, sub)


def statement_value(st: Mapping[str, Any]) -> tuple[str, str] | None:
    """(kind, text) of a statement's main value: ("item", Q…) or ("string", text); None otherwise."""
    snak = st.get("mainsnak") or {}
    dv = snak.get("datavalue") or {}
    if snak.get("snaktype", "value") != "value":
        return None
    if dv.get("type") == "wikibase-entityid" and isinstance(dv.get("value"), Mapping):
        return "item", str(dv["value"].get("id") or f"Q{dv['value'].get('numeric-id')}")
    if dv.get("type") == "string":
        return "string", str(dv.get("value"))
    return None


@dataclass(frozen=True)
class Subject:
    """The entity the statements go on: its id (None for a creation) and its P31 (wiki's and wanted)."""

    id: str | None
    instance_of: tuple[str, ...] = ()


def _format(c: Constraint, value: str) -> Violation | None:
    try:
        ok = re.fullmatch(c.regex or "", value) is not None
    except re.error:
        return None  # a PCRE-only regex Python cannot compile: the wiki's own report will tell
    if ok:
        return None
    return Violation("format", c.property, value, f"« {value} » ne respecte pas le format de {c.property} "
                     f"(contrainte de format) / does not match the format constraint: {c.regex}")


def _one(c: Constraint, kind: str, value: str, subject: Subject, facts: ClassFacts,
         holders: Mapping[tuple[str, str], tuple[str, ...]]) -> Violation | None:
    """The violation of one constraint by one value, if any."""
    if c.kind == "format" and kind == "string" and c.regex:
        return _format(c, value)
    if c.kind == "distinct-values" and kind == "string":
        others = tuple(h for h in holders.get((c.property, value), ()) if h != subject.id)
        if others:
            return Violation("distinct-values", c.property, value, f"« {value} » est déjà sur {', '.join(others)} "
                             "(valeurs distinctes : le même élément ? un doublon ?) / already on another item",
                             others)
    if c.kind == "one-of" and kind == "item" and c.items and value not in c.items:
        return Violation("one-of", c.property, value, f"{value} n'est pas une des valeurs permises pour "
                         f"{c.property} / not one of the allowed values", tuple(sorted(c.items)))
    if c.kind == "value-type" and kind == "item" and c.classes and facts.is_a(value, c.classes, c.relation) is False:
        return Violation("value-type", c.property, value, f"{value} n'est pas du type attendu par {c.property} "
                         "(contrainte de type de valeur) / value is not of an expected class",
                         tuple(sorted(c.classes)))
    return None


def _type(c: Constraint, subject: Subject, facts: ClassFacts) -> Violation | None:
    if not c.classes:
        return None
    known = facts.is_a(subject.id or "", c.classes, c.relation, subject.instance_of) \
        if (subject.instance_of or subject.id) else None
    if known is not False:
        return None
    return Violation("type", c.property, subject.id or "nouvel élément / new item",
                     f"{c.property} ne s'applique pas à cet élément (contrainte de type : il n'est pas d'une des "
                     "classes attendues) / the property does not apply to this item's class",
                     tuple(sorted(c.classes)))


def check_statements(statements: Sequence[Mapping[str, Any]], subject: Subject,
                     constraints: Mapping[str, Sequence[Constraint]], facts: ClassFacts,
                     holders: Mapping[tuple[str, str], tuple[str, ...]] | None = None
                     ) -> tuple[list[Mapping[str, Any]], list[Violation]]:
    """The statements that violate no constraint, and the violations (one statement may have several).
    Single-value kinds are the diff's (:func:`single_value_properties`)."""
    kept: list[Mapping[str, Any]] = []
    violations: list[Violation] = []
    for st in statements:
        pid = str((st.get("mainsnak") or {}).get("property", ""))
        found = [c for c in constraints.get(pid, ()) if subject.id not in c.exceptions]
        parsed = statement_value(st)
        mine: list[Violation] = []
        for c in found:
            v = _type(c, subject, facts) if c.kind == "type" else (
                _one(c, *parsed, subject, facts, holders or {}) if parsed else None)
            if v is not None:
                mine.append(v)
        violations += mine
        if not mine:
            kept.append(st)
    return kept, violations


def class_starts(subject: Subject, statements: Sequence[Mapping[str, Any]],
                 constraints: Mapping[str, Sequence[Constraint]]) -> tuple[list[str], list[str]]:
    """What class checks need read: (items whose P31/P279 are needed — value items of value-type
    properties, the subject when a type constraint applies —, classes to climb from)."""
    items: list[str] = []
    classes: list[str] = []
    for st in statements:
        pid = str((st.get("mainsnak") or {}).get("property", ""))
        kinds = {c.kind for c in constraints.get(pid, ())}
        parsed = statement_value(st)
        if "value-type" in kinds and parsed and parsed[0] == "item":
            items.append(parsed[1])
        if "type" in kinds:
            classes += subject.instance_of
            if subject.id:
                items.append(subject.id)
    return list(dict.fromkeys(items)), list(dict.fromkeys(classes))


def distinct_wanted(statements: Sequence[Mapping[str, Any]],
                    constraints: Mapping[str, Sequence[Constraint]]) -> list[tuple[str, str]]:
    """(property, identifier) pairs of distinct-values properties these statements would add."""
    out = []
    for st in statements:
        pid = str((st.get("mainsnak") or {}).get("property", ""))
        parsed = statement_value(st)
        if parsed and parsed[0] == "string" and any(c.kind == "distinct-values" for c in constraints.get(pid, ())):
            out.append((pid, parsed[1]))
    return out
