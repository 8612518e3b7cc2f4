"""Frozen data of the reconciliation stage: what is looked for, what was found, what was decided."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class Decision(StrEnum):
    MATCH = "MATCH"    # one existing item, certain enough to use without a look
    NEW = "NEW"        # no plausible existing item: create one
    REVIEW = "REVIEW"  # a person decides (the review sheet)
    SKIP = "SKIP"      # a person said: leave this row out


@dataclass(frozen=True)
class RowFact:
    """One mapped statement of the row, as evidence: compared with what a candidate holds.

    ``kind`` as in ``facts.Claim`` (item, time, quantity, string, external-id, url, coordinates,
    text); ``value`` the Wikibase form (item id, "+1975-03-12T00:00:00Z", amount, text);
    ``precision`` a time's; ``circa`` an approximate date; ``text`` the cell as typed (for the
    reviewer); ``items``: an item cell's possible items once reconciled (empty: unresolved, compared
    by its text)."""

    property: str
    kind: str
    value: str = ""
    precision: int = 0
    circa: bool = False
    text: str = ""
    items: tuple[str, ...] = ()
    column: str = ""


@dataclass(frozen=True)
class ReconQuery:
    """One thing to find on the wiki: a row's entity, or one value of an item column.

    ``types`` are the classes looked for (mapping ``match.types`` / the column's ``item.types``); with
    ``strict_types`` a candidate that is an instance of none of them, through subclasses, cannot be
    matched automatically, otherwise it loses points. ``type_hints`` are softer (the row's type cell). ``default_types``: the class the mapping gives every row
    whose own cells name none — it says little about one row: a candidate of another class loses nothing
    unless a candidate as well named holds it. ``within`` are the WikiProject's regions (a prior, not a filter);
    ``places`` the row's resolved municipality candidates (any of them); ``area_hints`` texts naming a
    larger area written in the cell (a qualifier like "Ont."; a mismatch blocks), ``area_guesses`` the
    same inferred from other cells (province of a phone area code or postal code; a mismatch costs).
    ``home`` marks the WikiProject's own territory: its regions (wikiclub.toml ``[project] regions``: a
    place holding one among its P131 ancestors) and its focus list (the mapping's ``focus_list``: a place
    holding it as P5008). Among homonym municipalities, one at home is meant when the others are not.
    """

    text: str
    other_names: tuple[str, ...] = ()
    language: str = "fr"
    types: tuple[str, ...] = ()
    type_hints: tuple[str, ...] = ()
    default_types: tuple[str, ...] = ()  # the mapping's constant class (« organisation » when the Type cell is empty)
    within: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    place_text: str = ""
    area_hints: tuple[str, ...] = ()
    area_guesses: tuple[str, ...] = ()
    area_clues: tuple[str, ...] = ()  # other areas the cell names (a region, an amalgamated city): only favour
    home: tuple[str, ...] = ()  # the project's regions and focus list (see above): settles homonym towns
    identifiers: tuple[tuple[str, str], ...] = ()
    websites: tuple[str, ...] = ()
    coordinates: tuple[float, float] | None = None
    years: tuple[tuple[str, int], ...] = ()
    strict_types: bool = False  # item columns: a wrong type blocks; a row's entity: it only costs
    facts: tuple[RowFact, ...] = ()  # every mapped statement, compared fact by fact with candidates
    person: bool = False  # the row is a person (class human): names compared as people's names
    name_alone: str = "match"  # "review": a name with no confirming fact is never a MATCH

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


AGREES, CONTRADICTS, UNKNOWN = "agrees", "contradicts", "unknown"
VERDICT_FR = {AGREES: "concorde", CONTRADICTS: "contredit", UNKNOWN: "inconnu"}


@dataclass(frozen=True)
class FactCheck:
    """One fact of the row compared with the candidate: agrees, contradicts or unknown, both values.

    ``hard``: a contradiction here means another entity (a birth or death date, a single-value
    identifier, a human against an organisation) and blocks a MATCH; ``slip``: that contradiction
    looks like a typing slip (two digits swapped), so a person must look rather than the row
    becoming NEW; ``note``: the comparison in plain French."""

    pid: str  # the property
    label: str
    verdict: str
    row_value: str
    wiki_value: str
    hard: bool = False
    slip: bool = False
    note: str = ""

    @property
    def blocks(self) -> bool:
        return self.verdict == CONTRADICTS and self.hard

    def render(self) -> str:
        mark = {AGREES: "✓", CONTRADICTS: "✗", UNKNOWN: "?"}[self.verdict]
        wiki = self.wiki_value or "—"
        return f"{mark} {self.label} : ligne {self.row_value} / wiki {wiki}" + (f" ({self.note})" if self.note else "")

    def to_json(self) -> dict[str, Any]:
        return {"property": self.pid, "label": self.label, "verdict": self.verdict,
                "row": self.row_value, "wiki": self.wiki_value, "hard": self.hard, "slip": self.slip,
                "note": self.note}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> FactCheck:
        return cls(str(d["property"]), str(d.get("label", d["property"])), str(d["verdict"]),
                   str(d.get("row", "")), str(d.get("wiki", "")), bool(d.get("hard")), bool(d.get("slip")),
                   str(d.get("note", "")))


@dataclass(frozen=True)
class Evidence:
    """What a reviewer needs to tell a candidate from its namesakes, in any review UI: its
    description, its classes and places (labels), and the row's facts checked one by one."""

    qid: str
    label: str
    description: str = ""
    classes: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    checks: tuple[FactCheck, ...] = ()

    def count(self, verdict: str) -> int:
        return sum(1 for c in self.checks if c.verdict == verdict)

    def to_json(self) -> dict[str, Any]:
        return {"qid": self.qid, "label": self.label, "description": self.description,
                "classes": list(self.classes), "places": list(self.places),
                "checks": [c.to_json() for c in self.checks]}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Evidence:
        return cls(str(d["qid"]), str(d.get("label", "")), str(d.get("description", "")),
                   tuple(d.get("classes", ())), tuple(d.get("places", ())),
                   tuple(FactCheck.from_json(c) for c in d.get("checks", ())))


@dataclass(frozen=True)
class ScoredCandidate:
    qid: str
    label: str
    description: str
    score: float
    features: tuple[Feature, ...] = ()
    evidence: Evidence | None = None
    confirmed: bool = False  # a fact of the row agrees (beyond the name): date, place, identifier…
    contradicted: bool = False  # a hard fact contradicts (not a slip): another entity of that name
    strength: float = 0.0  # the score before its cap at 99: tells apart namesakes that both reach it

    @property
    def decisive(self) -> bool:
        return any(f.decisive for f in self.features)

    @property
    def blocked(self) -> bool:
        return any(f.blocks for f in self.features)

    @property
    def name_score(self) -> float:
        """The name similarity (0–1) recorded in the name/alias feature; 0 when absent."""
        for f in self.features:
            if f.name in ("name", "alias"):
                try:
                    return float(f.detail.split(" ", 1)[0])
                except ValueError:
                    return 0.0
        return 0.0

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


def sheet_of(key: str) -> str:
    """The sheet part of a row key « file:tab:row » (« file:tab »): rows of one tab share it."""
    return key.rsplit(":", 1)[0]


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
    distinct_from: tuple[int, ...] = ()  # rows that look alike but are other entities (never merged)
    # A run over several tabs (or files): row numbers alone are ambiguous, so a duplicate or a distinct
    # look-alike in another tab is also named by its key ("file:sheet:row"); empty within one tab.
    duplicate_key: str = ""
    distinct_keys: tuple[str, ...] = ()
