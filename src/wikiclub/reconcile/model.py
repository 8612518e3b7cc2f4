"""Frozen data of the reconciliation stage: what is looked for, what was found, what was decided."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class Decision(StrEnum):
    MATCH = "MATCH"    # one existing item, certain enough to use without a look
    NEW = "NEW"        # no plausible existing item: create one
    REVIEW = "REVIEW"  # a person decides (the review sheet)
    SKIP = "SKIP"      # a person said: leave this row out


@dataclass(frozen=True)
class ReconQuery:
    """One thing to find on the wiki: a row's entity, or one value of an item column.

    ``types`` are the classes looked for (mapping ``match.types`` / the column's ``item.types``); with
    ``strict_types`` a candidate that is an instance of none of them, through subclasses, cannot be
    matched automatically, otherwise it loses points. ``type_hints`` are softer (the row's type cell). ``within`` are the WikiProject's regions (a prior, not a filter);
    ``places`` the row's resolved municipality candidates (any of them); ``area_hints`` texts naming a
    larger area written in the cell (a qualifier like "Ont."; a mismatch blocks), ``area_guesses`` the
    same inferred from other cells (province of a phone area code or postal code; a mismatch costs).
    """

    text: str
    other_names: tuple[str, ...] = ()
    language: str = "fr"
    types: tuple[str, ...] = ()
    type_hints: tuple[str, ...] = ()
    within: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    place_text: str = ""
    area_hints: tuple[str, ...] = ()
    area_guesses: tuple[str, ...] = ()
    identifiers: tuple[tuple[str, str], ...] = ()
    websites: tuple[str, ...] = ()
    coordinates: tuple[float, float] | None = None
    years: tuple[tuple[str, int], ...] = ()
    strict_types: bool = False  # item columns: a wrong type blocks; a row's entity: it only costs

    def with_places(self, places: tuple[str, ...]) -> ReconQuery:
        return replace(self, places=places)


@dataclass(frozen=True)
class Feature:
    """One piece of evidence about a candidate, as shown to the reviewer."""

    name: str        # name, alias, type, place, region, identifier, website, coordinates, year, former
    detail: str      # human-readable: what matched or disagreed
    points: float    # contribution to the score
    decisive: bool = False  # an equal identifier / official website
    blocks: bool = False    # a contradiction: never an automatic MATCH

    def render(self) -> str:
        sign = "+" if self.points >= 0 else ""
        flag = " !" if self.blocks else (" ✓" if self.decisive else "")
        return f"{self.name} {sign}{self.points:.0f} ({self.detail}){flag}"


@dataclass(frozen=True)
class ScoredCandidate:
    qid: str
    label: str
    description: str
    score: float
    features: tuple[Feature, ...] = ()

    @property
    def decisive(self) -> bool:
        return any(f.decisive for f in self.features)

    @property
    def blocked(self) -> bool:
        return any(f.blocks for f in self.features)

    def explain(self) -> str:
        return "; ".join(f.render() for f in self.features)


@dataclass(frozen=True)
class Match:
    """The outcome for one query: a decision, the chosen QID (MATCH) and the ranked candidates."""

    decision: Decision
    qid: str | None
    candidates: tuple[ScoredCandidate, ...] = ()
    reason: str = ""

    @property
    def top(self) -> ScoredCandidate | None:
        return self.candidates[0] if self.candidates else None


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds (mapping ``match:`` / config); defaults favour precision."""

    match: float = 80.0      # best score needed for an automatic MATCH
    margin: float = 12.0     # and its lead over the runner-up
    new: float = 45.0        # below this for every candidate → NEW
    plausible_name: float = 0.7  # …and NEW too when no candidate's name is at least this similar
    candidates_shown: int = 5


@dataclass(frozen=True)
class LinkedResult:
    column: str
    value: str
    match: Match


@dataclass(frozen=True)
class RowResult:
    """Everything decided for one spreadsheet row."""

    key: str                      # "sheet:row"
    row: int
    name: str
    entity: Match
    linked: tuple[LinkedResult, ...] = ()
    duplicate_of: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
