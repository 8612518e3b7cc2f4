"""Who may be in the WikiProject, and in which region: decided cheaply, from ids only.

- **Regions**: each region's P131 tree is walked one level at a time — ``VALUES`` blocks of parents,
  their children by P131 (which are walked in turn) and the items that point at any of them by
  another « located by » property (P159, P276, P19 …: leaves, not walked). The region item itself
  belongs to its own region. A P131 cycle ends the walk (each node once per region). Queries are
  linear in the size of the tree, whatever the size of the wiki.
- **Focus list**: the items with P5008 = the focus item (one triple pattern).
- **Query**: the project's own SPARQL pattern, if any.

Which links count for an item depends on its classes (people are located by their birth place, not
by P131), which are known only once its data is read: :func:`region_of` decides then.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .budget import Collector
from .model import NO_REGION, LocatedRule
from .queries import Namespaces, children_query, custom_query, focus_query, superclass_query
from .spec import PARENT, Selection

_ITEM = re.compile(r"^Q[1-9]\d*$")
BLOCK = 1000  # ids per VALUES block (a query of ~40 kB: fine for WDQS, QLever and the sandbox)
SELF = "self"  # the link of a region item to its own region


def entity_id(value: object, ns: Namespaces) -> str:
    text = str(value)
    return text[len(ns.entity):] if text.startswith(ns.entity) else text


@dataclass
class Candidates:
    """Items that may belong to the WikiProject, with the links that may place them in a region."""

    links: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # item → [(region, property)]
    focus: set[str] = field(default_factory=set)
    query: set[str] = field(default_factory=set)
    incomplete: set[str] = field(default_factory=set)  # regions whose tree was not read entirely
    unreached: set[str] = field(default_factory=set)  # regions of which nothing could be read
    selection_complete: bool = True  # the focus list and the query were read
    versions: dict[str, int] = field(default_factory=dict)  # item → revision, where SPARQL gives it

    def ids(self) -> list[str]:
        """Every candidate that is an item (a query may bind ?item to anything: lexemes, literals …)."""
        every = dict.fromkeys([*self.links, *sorted(self.focus), *sorted(self.query)])
        return [i for i in every if _ITEM.match(i)]

    def drop(self, items: set[str]) -> None:
        """Forget items the wiki no longer has (the query service lags behind deletions and merges)."""
        for item in items:
            self.links.pop(item, None)
        self.focus -= items
        self.query -= items

    def selected(self, item: str) -> bool:
        return item in self.focus or item in self.query


def _walk_region(run: Collector, region: str, via: tuple[str, ...], ns: Namespaces, found: Candidates,
                 versions: bool) -> None:
    seen = {region}
    found.links.setdefault(region, []).append((region, SELF))
    level = [region]
    while level:
        def children(block: Sequence[str]) -> list[tuple[str, str]]:
            rows = run.select(children_query(block, via, PARENT, ns, versions))
            _versions(found, rows, "c", ns)
            return [(entity_id(r["c"], ns), str(r["via"])) for r in rows if "c" in r]

        results, failed = run.blocks(level, BLOCK, children, f"région {region}")
        if failed:
            found.incomplete.add(region)
            if level == [region]:
                found.unreached.add(region)
        level = []
        for rows in results:
            for child, prop in rows:
                if (region, prop) not in found.links.get(child, []):
                    found.links.setdefault(child, []).append((region, prop))
                if prop == PARENT and child not in seen:
                    seen.add(child)
                    level.append(child)
        run.tick("régions", len(found.links), None)


def _versions(found: Candidates, rows: list[dict[str, object]], var: str, ns: Namespaces) -> None:
    for r in rows:
        if var in r and isinstance(r.get("v"), int):
            found.versions[entity_id(r[var], ns)] = int(r["v"])  # type: ignore[call-overload]


def _read_list(run: Collector, query: str, what: str, ns: Namespaces, found: Candidates) -> tuple[set[str], bool]:
    """The ?item of one query (the focus list, the project's query); and whether it could be read."""
    results, failed = run.blocks([query], 1, lambda block: run.select(block[0]), what)
    for rows in results:
        _versions(found, rows, "item", ns)
    return {entity_id(r["item"], ns) for rows in results for r in rows if "item" in r}, not failed


def find_candidates(run: Collector, selection: Selection, ns: Namespaces, versions: bool = True) -> Candidates:
    """The candidates, with their revisions (``versions``) where the endpoint has them: only of use to
    check a cache of item data (on a first run, without a cache, or with SPARQL measures they are not
    asked — the queries are lighter)."""
    found = Candidates()
    via = selection.link_properties
    for region in selection.regions:
        _walk_region(run, region, via, ns, found, versions)
    if selection.focus_item:
        found.focus, ok = _read_list(run, focus_query(selection.focus_item, ns, versions), "liste de suivi", ns,
                                     found)
        found.selection_complete &= ok
    if selection.query.strip():
        found.query, ok = _read_list(run, custom_query(selection.query, ns, versions), "requête du projet", ns,
                                     found)
        found.selection_complete &= ok
    return found


def superclasses(run: Collector, classes: set[str], ns: Namespaces) -> tuple[dict[str, set[str]], bool]:
    """Each class → itself and every class above it (truthy P279*), walked upwards from ``classes``;
    and whether the walk was complete."""
    parents: dict[str, set[str]] = {}
    level = sorted(classes)
    complete = True
    while level:
        def up(block: Sequence[str]) -> list[tuple[str, str]]:
            return [(entity_id(r["c"], ns), entity_id(r["s"], ns))
                    for r in run.select(superclass_query(block, ns)) if "c" in r and "s" in r]

        results, failed = run.blocks(level, BLOCK, up, "classes (P279)")
        complete = complete and not failed
        for c in level:
            parents.setdefault(c, set())
        for rows in results:
            for c, s in rows:
                parents[c].add(s)
        level = sorted({s for rows in results for _, s in rows} - set(parents))
    return {c: _ancestors(c, parents) for c in classes}, complete


def _ancestors(start: str, parents: dict[str, set[str]]) -> set[str]:
    out, todo = {start}, [start]
    while todo:
        for s in parents.get(todo.pop(), ()):
            if s not in out:
                out.add(s)
                todo.append(s)
    return out


def applicable(rules: Sequence[LocatedRule], closure: set[str]) -> set[str]:
    """The « located by » properties that count for an item whose classes (and superclasses) are ``closure``."""
    return {p for r in rules if not r.classes or closure.intersection(r.classes) for p in r.properties} | {PARENT}


def region_of(links: Sequence[tuple[str, str]], regions: Sequence[str], props: set[str] | None
              ) -> str | None:
    """The first region (in the project's order) a counting link reaches; None when none does.
    ``props=None``: the item's classes are unknown — only its P131 and self links are sure."""
    sure = props if props is not None else {PARENT}
    reached = {region for region, prop in links if prop == SELF or prop in sure}
    return next((r for r in regions if r in reached), None)


def bucket(item: str, found: Candidates, regions: Sequence[str], props: set[str] | None) -> str | None:
    """The item's region bucket, ``""`` outside every region, None when it is not in the WikiProject."""
    region = region_of(found.links.get(item, ()), regions, props)
    if region is not None:
        return region
    return NO_REGION if found.selected(item) else None
