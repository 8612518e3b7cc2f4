"""What reconciliation needs to know about one entity, read from Wikibase entity JSON.

``Facts`` is a small frozen summary (names, classes, places, identifiers, websites, coordinates,
years) built from the JSON that ``wbgetentities`` returns or a dump line holds; the local index stores
the same summary, so both paths judge candidates from identical data.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .wbjson import Statement

Claims = Mapping[str, list[Statement]]  # an entity's "claims": property id → statements

# Properties read for matching. Location: P131 first; P159 (headquarters) and P276 (location) when an
# organisation or event has no P131 (e.g. First Nations bands only carry P159).
P_INSTANCE, P_SUBCLASS, P_ADMIN = "P31", "P279", "P131"
LOCATION_FALLBACKS = ("P159", "P276")
P_WEBSITE, P_COORDS, P_DISSOLVED, P_POPULATION, P_FORMAT = "P856", "P625", "P576", "P1082", "P1793"
YEAR_PROPS = ("P571", "P580", "P569")
NEEDED_PROPS = (P_INSTANCE, P_SUBCLASS, P_ADMIN, *LOCATION_FALLBACKS, P_WEBSITE, P_COORDS, P_DISSOLVED,
                P_POPULATION, *YEAR_PROPS)


@dataclass(frozen=True)
class Facts:
    qid: str
    labels: Mapping[str, str] = field(default_factory=dict)
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    descriptions: Mapping[str, str] = field(default_factory=dict)
    instance_of: tuple[str, ...] = ()
    subclass_of: tuple[str, ...] = ()
    located_in: tuple[str, ...] = ()
    identifiers: tuple[tuple[str, str], ...] = ()  # (property, value as stored)
    websites: tuple[str, ...] = ()
    coordinates: tuple[float, float] | None = None
    years: tuple[tuple[str, int], ...] = ()
    dissolved: bool = False
    population: float | None = None
    lastrevid: int = 0
    format_pattern: str | None = None  # for properties: the format constraint regex (P1793)

    def names(self) -> Iterator[tuple[str, str, str]]:
        """(kind, language, text) for every label and alias; kind is "label" or "alias"."""
        for lang, text in self.labels.items():
            yield "label", lang, text
        for lang, texts in self.aliases.items():
            for text in texts:
                yield "alias", lang, text

    def label(self, languages: tuple[str, ...] = ("fr", "en")) -> str:
        for lang in languages:
            if lang in self.labels:
                return self.labels[lang]
        return next(iter(self.labels.values()), self.qid)

    def description(self, languages: tuple[str, ...] = ("fr", "en")) -> str:
        for lang in languages:
            if lang in self.descriptions:
                return self.descriptions[lang]
        return next(iter(self.descriptions.values()), "")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.qid, "labels": dict(self.labels), "aliases": {k: list(v) for k, v in self.aliases.items()},
            "descriptions": dict(self.descriptions), "P31": list(self.instance_of),
            "P279": list(self.subclass_of), "loc": list(self.located_in),
            "ids": [list(p) for p in self.identifiers], "web": list(self.websites),
            "coords": list(self.coordinates) if self.coordinates else None,
            "years": [list(p) for p in self.years], "dissolved": self.dissolved, "pop": self.population,
            "rev": self.lastrevid, "fmt": self.format_pattern,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Facts:
        coords = d.get("coords")
        return cls(
            qid=d["id"], labels=dict(d.get("labels", {})),
            aliases={k: tuple(v) for k, v in d.get("aliases", {}).items()},
            descriptions=dict(d.get("descriptions", {})), instance_of=tuple(d.get("P31", ())),
            subclass_of=tuple(d.get("P279", ())), located_in=tuple(d.get("loc", ())),
            identifiers=tuple((p, v) for p, v in d.get("ids", ())), websites=tuple(d.get("web", ())),
            coordinates=(float(coords[0]), float(coords[1])) if coords else None,
            years=tuple((p, int(y)) for p, y in d.get("years", ())), dissolved=bool(d.get("dissolved")),
            population=d.get("pop"), lastrevid=int(d.get("rev") or 0), format_pattern=d.get("fmt"),
        )


def _values(claims: Claims, prop: str) -> Iterator[Any]:
    """The values of ``prop``'s statements that hold one (deprecated ones left out)."""
    for claim in claims.get(prop, ()):
        if claim.get("rank") == "deprecated":
            continue
        snak = claim.get("mainsnak")
        if snak is not None and snak.get("snaktype", "value") == "value" and "datavalue" in snak:
            yield snak["datavalue"].get("value")


def _ids(claims: Claims, prop: str) -> tuple[str, ...]:
    return tuple(v["id"] for v in _values(claims, prop) if isinstance(v, dict) and "id" in v)


def _year(time: str) -> int | None:
    try:
        sign = -1 if time.startswith("-") else 1
        return sign * int(time.lstrip("+-").split("-", 1)[0])
    except (ValueError, AttributeError):
        return None


def _text_map(d: Mapping[str, Any]) -> dict[str, str]:
    return {lang: v["value"] if isinstance(v, dict) else str(v) for lang, v in (d or {}).items()}


def _located(claims: Claims) -> tuple[str, ...]:
    """Where the entity is: P131, else the first of the fallback properties that has a value."""
    for prop in (P_ADMIN, *LOCATION_FALLBACKS):
        located = _ids(claims, prop)
        if located:
            return located
    return ()


def _identifiers(claims: Claims) -> tuple[tuple[str, str], ...]:
    identifiers: list[tuple[str, str]] = []
    for prop, stmts in claims.items():
        for claim in stmts:
            snak = claim.get("mainsnak")
            if snak is not None and snak.get("datatype") == "external-id" and "datavalue" in snak:
                identifiers.append((prop, str(snak["datavalue"]["value"])))
    return tuple(identifiers)


def _coordinates(claims: Claims) -> tuple[float, float] | None:
    for v in _values(claims, P_COORDS):
        if isinstance(v, dict) and "latitude" in v:
            return (float(v["latitude"]), float(v["longitude"]))
    return None


def _years(claims: Claims) -> tuple[tuple[str, int], ...]:
    years: list[tuple[str, int]] = []
    for prop in YEAR_PROPS:
        for v in _values(claims, prop):
            y = _year(v.get("time", "")) if isinstance(v, dict) else None
            if y is not None:
                years.append((prop, y))
    return tuple(years)


def _population(claims: Claims) -> float | None:
    population = None
    for v in _values(claims, P_POPULATION):
        with contextlib.suppress(KeyError, TypeError, ValueError):
            population = max(population or 0.0, float(v["amount"]))
    return population


def _format_pattern(claims: Claims) -> str | None:
    """The format constraint's regular expression (P2302 qualifier P1793) of a property, if any."""
    pattern = None
    for claim in claims.get("P2302", ()):
        for q in (claim.get("qualifiers") or {}).get(P_FORMAT, ()):
            if "datavalue" in q:
                pattern = str(q["datavalue"]["value"])
    return pattern


def facts_from_entity(entity: Mapping[str, Any]) -> Facts:
    """Summarise one entity in Wikibase JSON (``wbjson.Entity``: a dump line or a ``wbgetentities``
    entry)."""
    claims: Claims = entity.get("claims") or {}
    aliases = {
        lang: tuple(a["value"] if isinstance(a, dict) else str(a) for a in vals)
        for lang, vals in (entity.get("aliases") or {}).items() if vals
    }
    return Facts(
        qid=str(entity["id"]), labels=_text_map(entity.get("labels") or {}), aliases=aliases,
        descriptions=_text_map(entity.get("descriptions") or {}),
        instance_of=_ids(claims, P_INSTANCE), subclass_of=_ids(claims, P_SUBCLASS), located_in=_located(claims),
        identifiers=_identifiers(claims),
        websites=tuple(str(v) for v in _values(claims, P_WEBSITE) if isinstance(v, str)),
        coordinates=_coordinates(claims), years=_years(claims), dissolved=bool(claims.get(P_DISSOLVED)),
        population=_population(claims), lastrevid=int(entity.get("lastrevid") or 0),
        format_pattern=_format_pattern(claims),
    )
