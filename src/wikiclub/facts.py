"""What reconciliation needs to know about one entity, read from Wikibase entity JSON.

``Facts`` is a small frozen summary (names, classes, places, identifiers, websites, coordinates,
years, and every statement's main values as ``Claim``s) built from the JSON that ``wbgetentities``
returns or a dump line holds; the local index stores the same summary, so both paths judge
candidates from identical data.
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
P_END = "P582"  # end time: on the item, or as a qualifier of its class (« municipalité » until 2002)
NAME_PROPS = ("P1448", "P1813", "P1705")  # official name, short name, native label: names of the item
NEEDED_PROPS = (P_INSTANCE, P_SUBCLASS, P_ADMIN, *LOCATION_FALLBACKS, P_WEBSITE, P_COORDS, P_DISSOLVED,
                P_POPULATION, *YEAR_PROPS)
# Wikidata's meaning of a few properties and classes, the same on every Wikibase that mirrors its ids.
HUMAN = "Q5"  # "human": every person on Wikidata is an instance of it (never of a subclass)
BIRTH, DEATH = "P569", "P570"
HARD_DATES = (BIRTH, DEATH)  # one person, one birth and one death: a contradiction blocks a match
# Places a person is tied to (birth, death, residence, work location): their P131* chain says whether
# the person belongs to the project's regions.
PERSON_PLACES = ("P19", "P20", "P551", "P937")
# Item-valued properties whose values form a class hierarchy (compared through P279*).
CLASS_LIKE = ("P31", "P106", "P101", "P136", "P279", "P452")
# Constraint types (P2302) meaning "one value per item": single value, single best value.
SINGLE_VALUE_CONSTRAINTS = ("Q19474404", "Q52060874")
CIRCA = "Q5727902"  # P1480 (sourcing circumstances) = circa: the date is approximate
P_CIRCUMSTANCES = "P1480"
MAX_VALUES = 20  # values kept per property: enough to compare, small in memory and in the index


@dataclass(frozen=True)
class Claim:
    """One main value of a statement, in the form comparison needs.

    ``kind``: item, time, quantity, string, external-id, url, coordinates, text (monolingual) or
    other; ``value``: the item id, the time ("+1975-03-12T00:00:00Z"), the amount, the text, the URL
    or "lat,lon"; ``precision``: the time precision (9 year … 11 day); ``extra``: the quantity's unit,
    the text's language, or "circa" for an approximate date (P1480 = Q5727902).
    """

    kind: str
    value: str
    precision: int = 0
    extra: str = ""

    def to_json(self) -> list[Any]:
        return [self.kind, self.value, self.precision, self.extra]

    @classmethod
    def from_json(cls, d: list[Any]) -> Claim:
        return cls(str(d[0]), str(d[1]), int(d[2] or 0), str(d[3] or ""))


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
    claims: tuple[tuple[str, Claim], ...] = ()  # (property, main value) of every best statement
    constraints: tuple[str, ...] = ()  # for properties: the constraint types (P2302) they carry

    def names(self) -> Iterator[tuple[str, str, str]]:
        """(kind, language, text) for every label and alias; kind is "label" or "alias"."""
        for lang, text in self.labels.items():
            yield "label", lang, text
        for lang, texts in self.aliases.items():
            for text in texts:
                yield "alias", lang, text

    def name_statements(self) -> Iterator[tuple[str, str, str]]:
        """(kind, language, text) for the names the wiki states as statements: the official name
        (P1448), the short name (P1813) and the native label (P1705); kind is "alias P1448"… — they
        weigh as aliases."""
        for prop in NAME_PROPS:
            for c in self.values(prop):
                if c.kind in ("text", "string") and c.value:
                    yield f"alias {prop}", c.extra, c.value

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

    def values(self, prop: str) -> tuple[Claim, ...]:
        """The main values this entity holds for ``prop``."""
        return tuple(c for p, c in self.claims if p == prop)

    def items(self, *props: str) -> tuple[str, ...]:
        """The item ids held for any of ``props``."""
        return tuple(c.value for p, c in self.claims if p in props and c.kind == "item")

    @property
    def is_human(self) -> bool:
        return HUMAN in self.instance_of

    @property
    def single_valued(self) -> bool:
        """For a property: whether it carries a single-value or single-best-value constraint."""
        return any(c in SINGLE_VALUE_CONSTRAINTS for c in self.constraints)

    def referenced(self) -> tuple[str, ...]:
        """Items whose own facts matching reads: classes, places (P131 and a person's places) and the
        values of class-like properties (occupations…), for their P279*/P131* closures."""
        return tuple(dict.fromkeys([*self.instance_of, *self.subclass_of, *self.located_in,
                                    *self.items(*PERSON_PLACES, *CLASS_LIKE)]))

    def to_json(self) -> dict[str, Any]:
        out = {
            "id": self.qid, "labels": dict(self.labels), "aliases": {k: list(v) for k, v in self.aliases.items()},
            "descriptions": dict(self.descriptions), "P31": list(self.instance_of),
            "P279": list(self.subclass_of), "loc": list(self.located_in),
            "ids": [list(p) for p in self.identifiers], "web": list(self.websites),
            "coords": list(self.coordinates) if self.coordinates else None,
            "years": [list(p) for p in self.years], "dissolved": self.dissolved, "pop": self.population,
            "rev": self.lastrevid, "fmt": self.format_pattern,
        }
        if self.claims:
            out["cl"] = [[p, *c.to_json()] for p, c in self.claims]
        if self.constraints:
            out["con"] = list(self.constraints)
        return out

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
            claims=tuple((str(x[0]), Claim.from_json(x[1:])) for x in d.get("cl", ())),
            constraints=tuple(d.get("con", ())),
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


def _is_circa(claim: Mapping[str, Any]) -> bool:
    for q in (claim.get("qualifiers") or {}).get(P_CIRCUMSTANCES, ()):
        value = (q.get("datavalue") or {}).get("value")
        if isinstance(value, dict) and value.get("id") == CIRCA:
            return True
    return False


def claim_of(datatype: str, value: Any, *, circa: bool = False) -> Claim | None:
    """The ``Claim`` of one datavalue's ``value`` (None when it cannot be compared)."""
    if isinstance(value, dict) and "id" in value:
        return Claim("item", str(value["id"]))
    if isinstance(value, dict) and "time" in value:
        return Claim("time", str(value["time"]), int(value.get("precision") or 11), "circa" if circa else "")
    if isinstance(value, dict) and "amount" in value:
        return Claim("quantity", str(value["amount"]).lstrip("+"), 0, str(value.get("unit") or "1"))
    if isinstance(value, dict) and "latitude" in value:
        return Claim("coordinates", f"{value['latitude']},{value['longitude']}")
    if isinstance(value, dict) and "text" in value:
        return Claim("text", str(value["text"]), 0, str(value.get("language") or ""))
    if isinstance(value, str):
        kind = datatype if datatype in ("external-id", "url") else "string"
        return Claim(kind, value)
    return None


def _best(statements: list[Any]) -> list[Any]:
    """The statements Wikibase calls "best": the preferred ones, else the normal ones."""
    preferred = [s for s in statements if s.get("rank") == "preferred"]
    return preferred or [s for s in statements if s.get("rank", "normal") == "normal"]


def _claims(claims: Mapping[str, Any]) -> tuple[tuple[str, Claim], ...]:
    out: list[tuple[str, Claim]] = []
    for prop, statements in claims.items():
        if prop == "P2302":  # a property's constraints: their qualifiers matter, not the main value
            continue
        kept = 0
        for st in _best(list(statements)):
            snak = st.get("mainsnak", {})
            if snak.get("snaktype", "value") != "value" or "datavalue" not in snak or kept >= MAX_VALUES:
                continue
            c = claim_of(str(snak.get("datatype") or ""), snak["datavalue"].get("value"), circa=_is_circa(st))
            if c is not None:
                out.append((prop, c))
                kept += 1
    return tuple(out)


def _dissolved(claims: Mapping[str, Any]) -> bool:
    """Dissolved or ended: a dissolution date (P576), an end time (P582), or every class statement
    (P31) ended by an end-time qualifier (a former municipality merged into a city)."""
    if claims.get(P_DISSOLVED) or claims.get(P_END):
        return True
    classes = [st for st in claims.get(P_INSTANCE, ()) if st.get("rank") != "deprecated"]
    return bool(classes) and all((st.get("qualifiers") or {}).get(P_END) for st in classes)


def _located(claims: Mapping[str, Any]) -> tuple[str, ...]:
    located = _ids(claims, P_ADMIN)
    for prop in LOCATION_FALLBACKS:
        if located:
            break
        located = _ids(claims, prop)
    return located


def _identifiers(claims: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for prop, stmts in claims.items():
        for claim in stmts:
            snak = claim.get("mainsnak", {})
            if snak.get("datatype") == "external-id" and "datavalue" in snak:
                out.append((prop, str(snak["datavalue"]["value"])))
    return tuple(out)


def _coordinates(claims: Mapping[str, Any]) -> tuple[float, float] | None:
    for v in _values(claims, P_COORDS):
        if isinstance(v, dict) and "latitude" in v:
            return float(v["latitude"]), float(v["longitude"])
    return None


def _years(claims: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    years: list[tuple[str, int]] = []
    for prop in YEAR_PROPS:
        for v in _values(claims, prop):
            y = _year(v.get("time", "")) if isinstance(v, dict) else None
            if y is not None:
                years.append((prop, y))
    return tuple(years)


def _population(claims: Mapping[str, Any]) -> float | None:
    population = None
    for v in _values(claims, P_POPULATION):
        with contextlib.suppress(KeyError, TypeError, ValueError):
            population = max(population or 0.0, float(v["amount"]))
    return population


def _constraints(claims: Mapping[str, Any]) -> tuple[tuple[str, ...], str | None]:
    """The constraint types of a property (P2302) and its format regex (P1793 qualifier)."""
    kinds: list[str] = []
    pattern = None
    for claim in claims.get("P2302", ()):
        value = (claim.get("mainsnak", {}).get("datavalue") or {}).get("value")
        if isinstance(value, dict) and value.get("id"):
            kinds.append(str(value["id"]))
        for q in (claim.get("qualifiers") or {}).get(P_FORMAT, ()):
            if "datavalue" in q:
                pattern = str(q["datavalue"]["value"])
    return tuple(dict.fromkeys(kinds)), pattern


def facts_from_entity(entity: Mapping[str, Any]) -> Facts:
    """Summarise one entity in Wikibase JSON (dump line or ``wbgetentities`` entry)."""
    claims = entity.get("claims") or {}
    aliases = {
        lang: tuple(a["value"] if isinstance(a, dict) else str(a) for a in vals)
        for lang, vals in (entity.get("aliases") or {}).items() if vals
    }
    constraints, pattern = _constraints(claims)
    return Facts(
        qid=str(entity["id"]), labels=_text_map(entity.get("labels") or {}), aliases=aliases,
        descriptions=_text_map(entity.get("descriptions") or {}),
        instance_of=_ids(claims, P_INSTANCE), subclass_of=_ids(claims, P_SUBCLASS), located_in=_located(claims),
        identifiers=_identifiers(claims),
        websites=tuple(str(v) for v in _values(claims, P_WEBSITE) if isinstance(v, str)),
        coordinates=_coordinates(claims), years=_years(claims), dissolved=_dissolved(claims),
        population=_population(claims), lastrevid=int(entity.get("lastrevid") or 0), format_pattern=pattern,
        claims=_claims(claims), constraints=constraints,
    )
