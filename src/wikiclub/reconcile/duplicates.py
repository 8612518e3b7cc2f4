"""Rows of one run that designate the same entity — and rows that only look alike.

Two rows are duplicates when they resolve to the same item, or when their core names and places are
equal and at least one of them does not resolve (the same new entity twice, or a row the machine could
not match although another row with its name and place did: it is that row's item) — **and nothing
tells them apart**. Rows whose names differ only by a number (« Troupe Aurore 1 » / « … 2 »), whose
identifiers or websites differ, whose dates contradict (two birth years), or whose names say another
generation (père / fils) are two entities: they are never grouped, and each records the other as
``distinct`` so later stages (``plan``) do not merge them either. A row joins a group only if it
contradicts none of its members.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from ..facts import Claim
from ..names import fold, identifier_key, person_name, url_key
from .evidence import compare_time
from .model import CONTRADICTS, ReconQuery, RowFact

_NUMBER = re.compile(r"\d+")
_YEAR = re.compile(r"(?:19|20)\d\d")  # an edition year ("FME 2024") is not part of the name


@dataclass(frozen=True)
class RowMarks:
    """What tells two rows apart: numbers in the name, identifiers, websites, dates, generation."""

    numbers: tuple[str, ...] = ()
    identifiers: tuple[tuple[str, str], ...] = ()  # (property, comparison key)
    websites: tuple[tuple[str, str], ...] = ()  # url keys
    dates: tuple[RowFact, ...] = ()
    generation: str = ""

    @classmethod
    def of(cls, name: str, query: ReconQuery | None) -> RowMarks:
        numbers = tuple(sorted(n for n in _NUMBER.findall(fold(name)) if not _YEAR.fullmatch(n)))
        if query is None:
            return cls(numbers)
        return cls(numbers,
                   tuple(sorted({(p, identifier_key(v)) for p, v in query.identifiers})),
                   tuple(sorted({k for k in (url_key(u) for u in query.websites) if k})),
                   tuple(f for f in query.facts if f.kind == "time"),
                   person_name(name).generation if query.person else "")


def conflict(a: RowMarks, b: RowMarks) -> str:
    """Why two rows are two entities ("" when nothing tells them apart)."""
    if a.numbers != b.numbers:
        return "numéros différents dans le nom"
    if a.generation and b.generation and a.generation != b.generation:
        return "père / fils"
    ids_a, ids_b = dict(a.identifiers), dict(b.identifiers)
    for prop in ids_a.keys() & ids_b.keys():
        if ids_a[prop] != ids_b[prop]:
            return f"identifiants {prop} différents"
    if a.websites and b.websites and not set(a.websites) & set(b.websites):
        return "sites web différents"
    for fa in a.dates:
        for fb in b.dates:
            if fa.property == fb.property and compare_time(
                    fa, Claim("time", fb.value, fb.precision, "circa" if fb.circa else "")).verdict == CONTRADICTS:
                return f"dates {fa.property} différentes"
    return ""


@dataclass(frozen=True)
class RowKey:
    """One row as grouping sees it: chosen or top QID (or None), core name, place QIDs, marks."""

    row: int
    qid: str | None
    name: str
    places: tuple[str, ...] = ()
    marks: RowMarks = RowMarks()


@dataclass
class Grouping:
    duplicates: dict[int, int] = field(default_factory=dict)  # row → earlier row of the same entity
    distinct: dict[int, list[int]] = field(default_factory=dict)  # row → rows that look alike but are not it
    _members: dict[int, list[RowKey]] = field(default_factory=dict)  # group root → its rows
    _root: dict[int, int] = field(default_factory=dict)

    def root(self, row: int) -> int:
        return self._root.get(row, row)

    def fits(self, key: RowKey, other: int) -> bool:
        """Whether ``key`` contradicts no member of ``other``'s group (records the pair if it does)."""
        for member in self._members.get(self.root(other), []):
            if conflict(key.marks, member.marks):
                self.distinct.setdefault(key.row, []).append(member.row)
                self.distinct.setdefault(member.row, []).append(key.row)
                return False
        return True

    def join(self, key: RowKey, other: int | None) -> None:
        root = self.root(other) if other is not None else key.row
        if other is not None:
            self.duplicates[key.row] = other
        self._root[key.row] = root
        self._members.setdefault(root, []).append(key)


def _same_named(key: RowKey, earlier: Sequence[RowKey], g: Grouping) -> int | None:
    """The first earlier row with the same core name (token-sort ≥ 92) in a compatible place whose
    group ``key`` does not contradict."""
    if not key.name:
        return None
    for other in sorted(earlier, key=lambda k: k.row):
        if key.places and other.places and not set(key.places) & set(other.places):
            continue
        if key.name != other.name and fuzz.token_sort_ratio(key.name, other.name) < 92:
            continue
        if g.fits(key, other.row):
            return other.row
    return None


def group_rows(keys: Sequence[RowKey]) -> Grouping:
    """Duplicates and distinct look-alikes of a run's rows, in row order (module docstring)."""
    g = Grouping()
    by_qid: dict[str, list[int]] = {}
    unresolved: list[RowKey] = []
    resolved: list[RowKey] = []
    for key in keys:
        if key.qid:
            same = next((r for r in by_qid.get(key.qid, []) if g.fits(key, r)), None)
            if same is None:
                same = _same_named(key, unresolved, g)
            g.join(key, same)
            by_qid.setdefault(key.qid, []).append(key.row)
            resolved.append(key)
            continue
        same = _same_named(key, [*unresolved, *resolved], g)
        g.join(key, same)
        if same is None:
            unresolved.append(key)
    g.distinct = {row: sorted(set(others) - {row}) for row, others in g.distinct.items()}
    return g
