"""A batch as the atelier shows it: per item, what the wiki has now (before) and what the batch adds
(after) — labels, descriptions, aliases, statements with their qualifiers and references — then the
notes and conflicts a person must look at.

``before`` comes from a fresh read of the items (one ``wbgetentities`` per 50) when the wiki answers;
without it the page still shows what will be added. Texts are plain: the templates escape them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..batch.diff import Change
from ..batch.model import EntityEdit, Plan
from ..batch.preview import named, snak_value
from ..wbjson import Entity


@dataclass(frozen=True)
class Line:
    kind: str  # label | description | alias | statement | qualifiers | references
    prop: str  # the property, named (« date de fondation (P571) »); "" for a term
    language: str  # the term's language; "" for a statement
    before: tuple[str, ...]
    after: str
    details: tuple[tuple[str, str], ...] = ()  # ("qualifier" | "reference", text) added


@dataclass(frozen=True)
class Conflict:
    prop: str
    wiki: str
    sheet: str
    reason: str


@dataclass(frozen=True)
class ItemView:
    title: str
    qid: str
    url: str
    creation: bool
    rows: str
    edit_id: str
    lines: tuple[Line, ...]
    conflicts: tuple[Conflict, ...] = ()
    merged: tuple[tuple[str, str, str], ...] = ()  # (row, the row whose item it shares, why)


@dataclass(frozen=True)
class NoteView:
    kind: str
    row: str
    label: str
    text: str  # « français / English » (plan.md's text)
    fr: str = ""  # the note in one language, when the plan wrote it so
    en: str = ""

    def in_language(self, lang: str) -> str:
        """The note in ``lang`` when the plan wrote it in each language; else the bilingual text."""
        one = self.fr if lang == "fr" else self.en
        return one or self.text


def snak_text(snak: Mapping[str, Any], names: Mapping[str, str]) -> str:
    return snak_value(snak, names)  # the page's template escapes it


def _snaks(snaks: Any) -> list[Mapping[str, Any]]:
    return [s for g in snaks.values() for s in g] if isinstance(snaks, Mapping) else list(snaks or ())


def _details(ch: Change, names: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    quals = [("qualifier", f"{named(str(q.get('property')), names)} = {snak_text(q, names)}") for q in ch.qualifiers]
    refs = [("reference", ", ".join(f"{named(str(s.get('property')), names)} = {snak_text(s, names)}"
                                    for s in _snaks(r.get("snaks"))))
            for r in ch.references]
    return tuple(quals + refs)


def _before_terms(current: Mapping[str, Any] | None, kind: str, language: str | None) -> tuple[str, ...]:
    if current is None or language is None:
        return ()
    group = (current.get({"label": "labels", "description": "descriptions", "alias": "aliases"}[kind]) or {})
    found = group.get(language)
    if isinstance(found, Mapping):
        return (str(found.get("value", "")),)
    if isinstance(found, list):
        return tuple(str(a.get("value", "")) for a in found if isinstance(a, Mapping))
    return ()


def _before_claims(current: Entity | None, pid: str, names: Mapping[str, str]) -> tuple[str, ...]:
    if current is None:
        return ()
    return tuple(snak_text(st.get("mainsnak") or {}, names) for st in (current.get("claims") or {}).get(pid, ()))


def _line(ch: Change, current: Entity | None, names: Mapping[str, str]) -> Line:
    if ch.mainsnak is None:
        return Line(ch.kind, "", ch.language or "", _before_terms(current, ch.kind, ch.language), ch.value or ch.text)
    pid = str(ch.mainsnak.get("property", ""))
    return Line(ch.kind, named(pid, names), "", _before_claims(current, pid, names), snak_text(ch.mainsnak, names),
                _details(ch, names))


def item_view(e: EntityEdit, current: Entity | None, link: Callable[[str], str]) -> ItemView:
    names = e.names
    rows = ", ".join(str((p.get("source") or {}).get("row")) for p in e.provenance)
    if e.creation:
        title = e.label
    elif e.target and names.get(e.target):
        title = named(e.target, names)
    else:
        title = f"{e.target} — {e.label}"
    conflicts = tuple(Conflict(named(c.property, names), ", ".join(c.existing), c.wanted, c.reason)
                      for c in e.conflicts)
    merged = tuple((str((p.get("source") or {}).get("row")), str(p["merged_into"].get("row")),
                    str(p["merged_into"].get("why", ""))) for p in e.provenance if p.get("merged_into"))
    return ItemView(title, e.target or "", link(e.target) if e.target else "", e.creation, rows, e.edit_id,
                    tuple(_line(ch, current, names) for ch in e.changes), conflicts, merged)


def note_view(note: Mapping[str, Any]) -> NoteView:
    text = str(note.get("text", ""))
    conflict = note.get("conflict")
    if note.get("kind") == "conflict" and isinstance(conflict, Mapping):
        names = note.get("names") or {}
        text = (f"{named(str(conflict.get('property', '')), names)} : wiki {', '.join(conflict.get('existing', ()))}"
                f" ≠ {conflict.get('wanted', '')} ({conflict.get('reason', '')})")
    return NoteView(str(note.get("kind", "")), str(note.get("row", "")), str(note.get("label", "")), text,
                    str(note.get("fr", "")), str(note.get("en", "")))


def plan_views(plan: Plan, current: Mapping[str, Entity], link: Callable[[str], str]
               ) -> tuple[list[ItemView], list[NoteView]]:
    items = [item_view(e, current.get(e.target) if e.target else None, link) for e in plan.edits]
    notes = [note_view(n) for n in plan.notes if n.get("kind") != "merged"]
    return items, notes


def targets(plan: Plan) -> Sequence[str]:
    return sorted({e.target for e in plan.edits if e.target})
