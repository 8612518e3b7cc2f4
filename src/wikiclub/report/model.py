"""Frozen types of the coverage report: what is measured, what was counted, what changed.

A :class:`CoverageTable` is the whole result of one run: for each *group* (all items, a configured
class grouping, or one P31 class) and each *region bucket* (a region QID, or ``""`` for items of the
WikiProject outside every region), the number of items and, per :class:`Measure`, how many of them
have it. Shares are computed on the fly; nothing here talks to the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

MeasureKind = Literal["property", "label", "description", "sitelink"]
CellStatus = Literal["complete", "partial", "unknown"]
ALL_GROUP = "all"
NO_REGION = ""


@dataclass(frozen=True)
class Measure:
    """One column of a dashboard: items having a statement of P…, a label in fr, a frwiki sitelink…"""

    kind: MeasureKind
    key: str  # "P571", "fr", "frwiki"

    @property
    def id(self) -> str:
        return self.key if self.kind == "property" else f"{self.kind}:{self.key}"

    @classmethod
    def parse(cls, text: str) -> Measure:
        kind, _, key = text.partition(":")
        if not key:
            return cls("property", text)
        if kind not in ("label", "description", "sitelink"):
            raise ValueError(text)
        return cls(kind, key)  # type: ignore[arg-type]


@dataclass(frozen=True)
class GroupSpec:
    """A class grouping: items whose P31 is one of ``classes`` (or a subclass of one, if asked)."""

    id: str
    name: str
    classes: tuple[str, ...] = ()
    subclasses: bool = True
    measures: tuple[Measure, ...] = ()
    worklist: tuple[str, ...] = ()  # properties whose absence puts an item on the to-do list
    located_by: tuple[str, ...] = ()  # extra « located by » properties for this group's items


@dataclass(frozen=True)
class LocatedRule:
    """Items whose class (P31, or a superclass of it) is one of ``classes`` — every item when
    ``classes`` is empty — are located in a region by any of ``properties`` pointing into it."""

    classes: tuple[str, ...]
    properties: tuple[str, ...]


@dataclass(frozen=True)
class Cell:
    """Counts for one (group, region bucket). ``counts`` lacks a measure that could not be measured.

    ``status``: ``complete``; ``partial`` — some items of the bucket could not be found or read
    (a query that failed, the time budget): ``items`` is then a minimum and the counts are over the
    ``measured`` items; ``unknown`` — nothing could be found (``items`` is None, never 0).
    """

    group: str
    region: str
    items: int | None
    counts: tuple[tuple[str, int], ...] = ()
    statements: int | None = None
    sourced: int | None = None  # statements with a reference other than "imported from" (P143)
    measured: int | None = None  # items whose data was read (None: all of them)
    status: CellStatus = "complete"

    @property
    def base(self) -> int:
        """The items the counts are over: the measured ones."""
        return self.measured if self.measured is not None else (self.items or 0)

    def count(self, measure_id: str) -> int | None:
        if self.status == "unknown":
            return None
        return dict(self.counts).get(measure_id)

    def share(self, measure_id: str) -> float | None:
        n = self.count(measure_id)
        return None if n is None or not self.base else n / self.base

    @property
    def sourced_share(self) -> float | None:
        if self.statements is None or self.sourced is None or not self.statements:
            return None
        return self.sourced / self.statements

    def to_json(self) -> dict[str, Any]:
        return {"group": self.group, "region": self.region, "items": self.items, "counts": dict(self.counts),
                "statements": self.statements, "sourced": self.sourced, "measured": self.base,
                "status": self.status}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Cell:
        items = data.get("items")
        status = data.get("status", "complete")
        return cls(data["group"], data["region"], None if items is None else int(items),
                   tuple(sorted((k, int(v)) for k, v in data.get("counts", {}).items())),
                   data.get("statements"), data.get("sourced"),
                   None if data.get("measured") is None else int(data["measured"]),
                   status if status in ("complete", "partial", "unknown") else "partial")


@dataclass(frozen=True)
class WorkItem:
    """An item of the to-do list: what it lacks among its group's important properties."""

    group: str
    item: str
    label: str
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Note:
    """How the numbers were obtained: a query split after a timeout, or something left unmeasured."""

    kind: Literal["split", "failed", "info", "warning", "partial"]
    message: str


@dataclass(frozen=True)
class OwnEdits:
    """Items the WikiClub's own batches created or edited (from the push journals)."""

    created: tuple[str, ...] = ()
    edited: tuple[str, ...] = ()
    batches: int = 0
    available: bool = True  # False: no journal module or no batches folder


@dataclass(frozen=True)
class CoverageTable:
    taken_at: str  # UTC ISO
    site: str
    endpoint: str
    project: str
    regions: tuple[str, ...]
    languages: tuple[str, ...]
    groups: tuple[GroupSpec, ...]
    cells: tuple[Cell, ...]
    labels: tuple[tuple[str, str], ...] = ()  # QID/PID → label (first language that has one)
    worklist: tuple[WorkItem, ...] = ()
    notes: tuple[Note, ...] = ()
    queries: int = 0
    entity_url: str = "https://www.wikidata.org/wiki/"
    own: OwnEdits = field(default_factory=OwnEdits)
    requests: int = 0  # Action API requests (entity data read 50 per request)
    seconds: float = 0.0  # wall time of the collection
    method: str = ""  # how the measures were read: "api" (entity JSON) or "sparql" (VALUES blocks)
    property_url: str = ""  # prefix of property pages when not ``entity_url`` (``…/wiki/Property:``)

    @property
    def partial(self) -> bool:
        return any(c.status != "complete" for c in self.cells)

    def url(self, entity_id: str) -> str:
        """Link to an entity's page, as the wiki serves it (``SiteInfo.item_url`` made the prefixes)."""
        prefix = self.property_url if entity_id[:1] == "P" and self.property_url else self.entity_url
        return prefix + entity_id

    def label(self, entity_id: str) -> str:
        return dict(self.labels).get(entity_id, entity_id)

    def group(self, group_id: str) -> GroupSpec:
        return next(g for g in self.groups if g.id == group_id)

    def cells_of(self, group_id: str) -> list[Cell]:
        return [c for c in self.cells if c.group == group_id]

    def total(self, group_id: str) -> Cell:
        """The group's cells added over region buckets (each item is in exactly one bucket)."""
        return sum_cells(group_id, "*", self.cells_of(group_id))

    def to_json(self) -> dict[str, Any]:
        return {
            "taken_at": self.taken_at, "site": self.site, "endpoint": self.endpoint, "project": self.project,
            "regions": list(self.regions), "languages": list(self.languages),
            "groups": [{"id": g.id, "name": g.name, "classes": list(g.classes), "subclasses": g.subclasses,
                        "measures": [m.id for m in g.measures], "worklist": list(g.worklist),
                        "located_by": list(g.located_by)}
                       for g in self.groups],
            "cells": [c.to_json() for c in self.cells],
            "labels": dict(self.labels),
            "worklist": [{"group": w.group, "item": w.item, "label": w.label, "missing": list(w.missing)}
                         for w in self.worklist],
            "notes": [{"kind": n.kind, "message": n.message} for n in self.notes],
            "queries": self.queries, "entity_url": self.entity_url, "property_url": self.property_url,
            "own": {"created": list(self.own.created), "edited": list(self.own.edited),
                    "batches": self.own.batches, "available": self.own.available},
            "requests": self.requests, "seconds": round(self.seconds, 1), "method": self.method,
            "partial": self.partial,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CoverageTable:
        groups = tuple(GroupSpec(g["id"], g["name"], tuple(g.get("classes", ())), bool(g.get("subclasses", True)),
                                 tuple(Measure.parse(m) for m in g.get("measures", ())),
                                 tuple(g.get("worklist", ())), tuple(g.get("located_by", ())))
                       for g in data.get("groups", ()))
        own = data.get("own") or {}
        return cls(
            data["taken_at"], data["site"], data.get("endpoint", ""), data.get("project", ""),
            tuple(data.get("regions", ())), tuple(data.get("languages", ())), groups,
            tuple(Cell.from_json(c) for c in data.get("cells", ())), tuple(data.get("labels", {}).items()),
            tuple(WorkItem(w["group"], w["item"], w.get("label", ""), tuple(w.get("missing", ())))
                  for w in data.get("worklist", ())),
            tuple(Note(n["kind"], n["message"]) for n in data.get("notes", ())), int(data.get("queries", 0)),
            data.get("entity_url", "https://www.wikidata.org/wiki/"),
            OwnEdits(tuple(own.get("created", ())), tuple(own.get("edited", ())), int(own.get("batches", 0)),
                     bool(own.get("available", True))),
            int(data.get("requests", 0)), float(data.get("seconds", 0.0)), str(data.get("method", "")),
            str(data.get("property_url", "")))


def sum_cells(group: str, region: str, cells: list[Cell]) -> Cell:
    """Add cells; a measure missing from any of them stays missing (unknown, not zero). A sum with an
    unknown or partial part is partial (a minimum); all parts unknown: unknown."""
    known = [c for c in cells if c.status != "unknown"]
    if not known:
        return Cell(group, region, None if cells else 0, status="unknown" if cells else "complete")
    keys = set.intersection(*(set(dict(c.counts)) for c in known))
    counts = tuple(sorted((k, sum(dict(c.counts)[k] for c in known)) for k in keys))
    status: CellStatus = "complete" if len(known) == len(cells) and all(
        c.status == "complete" for c in known) else "partial"
    return Cell(group, region, sum(c.items or 0 for c in known), counts,
                _sum_known([c.statements for c in known]), _sum_known([c.sourced for c in known]),
                sum(c.base for c in known), status)


def _sum_known(values: list[int | None]) -> int | None:
    """The sum, or None (unknown) when any part is unknown."""
    return None if any(v is None for v in values) else sum(v or 0 for v in values)
