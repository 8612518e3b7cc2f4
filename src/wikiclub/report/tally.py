"""From candidates and item facts to cells and the to-do list — plain Python, no network.

An item belongs to the WikiProject when it is on the focus list, matched by the project's query, or
located in a region by a link that counts for its classes (:func:`~.membership.applicable`); it
counts in the first region (in the project's order) such a link reaches, else in « Hors régions ».
A configured group holds the items whose P31 is one of its classes (or a subclass, when asked); a
P31 group the items with that exact P31.

What could not be read is never counted as 0: a bucket with items whose data was not read (time
budget, a failed request), a region whose tree was not read entirely, or (for groups with
subclasses) an unread class tree gives *partial* cells — counts over the items read, marked as
such —, and a region whose tree could not be read at all gives an *unknown* cell (even if its own
item was read: « 1 » would be a lie), as does « Hors régions » when the focus list could not be read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain

from .itemdata import ItemFacts
from .membership import Candidates, applicable, bucket
from .model import ALL_GROUP, NO_REGION, Cell, CellStatus, GroupSpec, Measure, WorkItem
from .spec import ReportSpec

MAX_P31_GROUPS = 200  # per-P31 mode: the biggest classes; the rest are counted in "all" only


@dataclass(frozen=True)
class Member:
    item: str
    bucket: str
    facts: ItemFacts
    classes: frozenset[str]  # its P31 values and every superclass


@dataclass
class Population:
    """The WikiProject's items as far as they could be read."""

    members: list[Member] = field(default_factory=list)
    unread: Counter[str] = field(default_factory=Counter)  # bucket → members whose data was not read
    unsure: set[str] = field(default_factory=set)  # buckets that may miss items
    unknown: set[str] = field(default_factory=set)  # buckets of which nothing could be read
    subclasses_complete: bool = True


def populate(spec: ReportSpec, found: Candidates, facts: dict[str, ItemFacts],
             closure: dict[str, set[str]], closure_complete: bool = True) -> Population:
    regions = spec.regions
    pop = Population(subclasses_complete=closure_complete, unknown=set(found.unreached))
    for item in found.ids():
        f = facts.get(item)
        if f is None:
            sure = bucket(item, found, regions, None)
            if sure is not None:
                pop.unread[sure] += 1
            guess = sure or next((r for r in regions if any(r == reg for reg, _ in found.links.get(item, ()))),
                                 NO_REGION)
            pop.unsure.add(guess)
            continue
        classes = frozenset(c for cls in f.classes for c in closure.get(cls, {cls}))
        where = bucket(item, found, regions, applicable(spec.rules, set(classes)))
        if where is not None:
            pop.members.append(Member(item, where, f, classes))
    pop.unsure |= found.incomplete
    if found.incomplete or not found.selection_complete:
        pop.unsure.add(NO_REGION)
        if not found.selection_complete:
            pop.unknown.add(NO_REGION)
    return pop


def in_group(member: Member, group: GroupSpec) -> bool:
    if group.id == ALL_GROUP:
        return True
    if group.subclasses:
        return bool(member.classes.intersection(group.classes))
    return bool(set(member.facts.classes).intersection(group.classes))


def has(f: ItemFacts, m: Measure) -> bool:
    if m.kind == "label":
        return m.key in f.labels
    if m.kind == "description":
        return m.key in f.descriptions
    if m.kind == "sitelink":
        return m.key in f.sitelinks
    return m.key in f.properties


def _measure_counts(facts: Sequence[ItemFacts], measures: Sequence[Measure]) -> tuple[tuple[str, int], ...]:
    """Per measure, how many of ``facts`` have it (what :func:`has` says), counted in one pass per kind:
    a fact lists each language, site and property once, so counting occurrences counts facts."""
    kinds = {m.kind for m in measures}
    fields = {"label": "labels", "description": "descriptions", "sitelink": "sitelinks", "property": "properties"}
    seen = {kind: Counter(chain.from_iterable(getattr(f, fields[kind]) for f in facts)) for kind in kinds}
    return tuple(sorted((m.id, seen[m.kind][m.key]) for m in measures))


def _cell(group: GroupSpec, region: str, members: Sequence[Member], unread: int, status: CellStatus) -> Cell:
    facts = [m.facts for m in members]
    counts = _measure_counts(facts, group.measures)
    statements = None if any(f.statements is None for f in facts) else sum(f.statements or 0 for f in facts)
    sourced = None if any(f.sourced is None for f in facts) else sum(f.sourced or 0 for f in facts)
    return Cell(group.id, region, len(facts) + unread, counts, statements, sourced, len(facts), status)


def group_cells(pop: Population, group: GroupSpec, regions: Sequence[str]) -> list[Cell]:
    """The group's cell in each bucket that has items or is not complete (an empty complete bucket
    has no cell: renderers show it as 0, which it is)."""
    by_bucket: dict[str, list[Member]] = {}
    for m in pop.members:
        if in_group(m, group):
            by_bucket.setdefault(m.bucket, []).append(m)
    cells = []
    for region in (*regions, NO_REGION):
        members = by_bucket.get(region, [])
        unread = pop.unread[region] if group.id == ALL_GROUP else 0
        unsure = region in pop.unsure or (group.subclasses and group.classes and not pop.subclasses_complete)
        if region in pop.unknown or (unsure and not members and not unread):
            # nothing could be read there (its tree, the focus list) or nothing read may be the truth
            cells.append(Cell(group.id, region, None, status="unknown"))
        elif not members and unread:  # members known, none read: a count, no measure
            cells.append(Cell(group.id, region, unread, (), None, None, 0, "partial"))
        elif members or unread or unsure:
            cells.append(_cell(group, region, members, unread, "partial" if unsure or unread else "complete"))
    return cells


def p31_groups(pop: Population, template: GroupSpec) -> tuple[list[GroupSpec], int]:
    """Per-P31 mode: one group per P31 value of the members, biggest first; (groups, classes in all)."""
    sizes = Counter(c for m in pop.members for c in m.facts.classes)
    ranked = sorted(sizes, key=lambda c: (-sizes[c], c))
    groups = [GroupSpec(c, c, (c,), False, template.measures, template.worklist) for c in ranked[:MAX_P31_GROUPS]]
    return groups, len(ranked)


def worklist(pop: Population, group: GroupSpec, size: int) -> list[WorkItem]:
    """The group's items lacking the most of its worklist properties (ties: lowest id first)."""
    if not group.worklist or size <= 0:
        return []
    rows = []
    for m in pop.members:
        if in_group(m, group):
            missing = tuple(p for p in group.worklist if p not in m.facts.properties)
            if missing:
                rows.append((-len(missing), _id_number(m.item), m, missing))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [WorkItem(group.id, m.item, m.facts.label, missing) for _, _, m, missing in rows[:size]]


def _id_number(qid: str) -> int:
    return int(qid[1:]) if qid[1:].isdigit() else 0


def all_cells(pop: Population, groups: Iterable[GroupSpec], regions: Sequence[str]) -> tuple[Cell, ...]:
    return tuple(c for g in groups for c in group_cells(pop, g, regions))
