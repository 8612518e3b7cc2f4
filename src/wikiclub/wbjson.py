"""The Wikibase JSON that wikiclub reads and writes, as ``TypedDict`` shapes.

The shapes of ``wbgetentities`` answers and dump lines (entity, terms, statements, snaks, data
values, references, sitelinks), of ``wbsearchentities`` hits, and of what ``wbeditentity`` takes —
as Wikibase REL1_39 serialises them (``repo/includes/...Serializer``; checked against the recorded
exchanges in tests/fixtures/wikibase-api/). Keys with a hyphen (``numeric-id``, ``qualifiers-order``,
``snaks-order``, ``entity-type``) use the functional form. A wiki may add keys these do not list:
readers use ``.get`` for everything optional.

Typing a value as one of these documents what the code expects, and lets mypy check the key names.
Nothing checks them at run time: JSON enters typed where it is decoded — the network in one place,
``WikibaseClient`` (``get_entities`` → ``dict[str, Entity]``, ``search_entities`` →
``list[SearchHit]``, ``edit_entity`` takes :class:`EntityData` and gives an ``Entity``), whose
answers are ``json.loads`` output (``Any``) annotated as these shapes; files (dumps, a batch's
``plan.jsonl``) where they are read. Past that point mypy checks the keys wherever a value is typed
with a shape; functions that only read the JSON take ``Mapping[str, Any]``, which every shape is.
"""

from __future__ import annotations

from typing import Any, Literal, Required, TypedDict

SnakType = Literal["value", "somevalue", "novalue"]
Rank = Literal["preferred", "normal", "deprecated"]


# --------------------------------------------------------------------------------------------- values

EntityIdValue = TypedDict("EntityIdValue", {"entity-type": str, "numeric-id": int, "id": str}, total=False)


class TimeValue(TypedDict):
    time: str  # "+2020-03-12T00:00:00Z"; month/year precision zero the finer fields
    timezone: int
    before: int
    after: int
    precision: int  # 9 year, 10 month, 11 day
    calendarmodel: str  # an entity URI (proleptic Gregorian: Q1985727)


class GlobeCoordinateValue(TypedDict, total=False):
    latitude: Required[float]
    longitude: Required[float]
    altitude: float | None
    precision: float | None
    globe: str  # an entity URI (Earth: Q2)


class QuantityValue(TypedDict, total=False):
    amount: Required[str]  # signed decimal text: "+1234.5"
    unit: Required[str]  # "1" or an entity URI
    upperBound: str
    lowerBound: str


class MonolingualTextValue(TypedDict):
    text: str
    language: str


class DataValue(TypedDict):
    """``{"type": …, "value": …}``; the value's shape depends on the type (the classes above, or a
    plain string for ``string``)."""

    type: str  # "wikibase-entityid", "string", "time", "globecoordinate", "quantity", "monolingualtext"
    value: Any


# --------------------------------------------------------------------------------------------- statements


class Snak(TypedDict, total=False):
    snaktype: Required[SnakType]
    property: Required[str]
    datatype: str  # absent in some answers (e.g. snaks of a property lacking it in the dump)
    datavalue: DataValue  # only for snaktype "value"
    hash: str


SnakMap = dict[str, list[Snak]]  # property id → snaks, as qualifiers and reference snaks are grouped

Reference = TypedDict("Reference", {"hash": str, "snaks": Required[SnakMap], "snaks-order": list[str]},
                      total=False)

Statement = TypedDict("Statement", {
    "id": str,  # "Q42$5627445f-…"; absent for a statement still to create
    "type": str,  # "statement"
    "rank": Rank,
    "mainsnak": Required[Snak],
    "qualifiers": SnakMap,
    "qualifiers-order": list[str],
    "references": list[Reference],
}, total=False)


# --------------------------------------------------------------------------------------------- entities


class Term(TypedDict):
    language: str
    value: str


class Sitelink(TypedDict, total=False):
    site: Required[str]  # "frwiki"
    title: Required[str]
    badges: list[str]
    url: str


class Entity(TypedDict, total=False):
    """An item or a property, as ``wbgetentities`` returns it or a dump line holds it. A missing
    entity is ``{"id": …, "missing": ""}``."""

    id: str
    type: str  # "item", "property"
    datatype: str  # properties only
    labels: dict[str, Term]
    descriptions: dict[str, Term]
    aliases: dict[str, list[Term]]
    claims: dict[str, list[Statement]]
    sitelinks: dict[str, Sitelink]
    lastrevid: int
    modified: str
    pageid: int
    ns: int
    title: str
    missing: str
    redirects: dict[str, str]  # {"from": asked id, "to": the target}
    nochange: str  # ``wbeditentity``'s answer, when nothing changed (as push reads it; no recorded exchange)


# --------------------------------------------------------------------------------------------- edits


class TermEdit(TypedDict, total=False):
    """A term in a ``wbeditentity`` payload: an alias marked ``"add": ""`` is added to the existing
    ones instead of replacing them (``"remove": ""`` would remove it)."""

    language: Required[str]
    value: Required[str]
    add: str
    remove: str


class EntityData(TypedDict, total=False):
    """The ``data`` of a ``wbeditentity`` request: only what changes. Statements sent with an ``id``
    replace that statement; without one, they are added. Until push time, a batch's payload may hold
    datavalues of type ``wikiclub-batch-item`` (an item created earlier in the batch)."""

    labels: dict[str, TermEdit]
    descriptions: dict[str, TermEdit]
    aliases: dict[str, list[TermEdit]]
    claims: list[Statement]
    sitelinks: dict[str, Sitelink]


class SearchMatch(TypedDict, total=False):
    type: str  # "label", "alias", "description"…
    language: str
    text: str


class SearchHit(TypedDict, total=False):
    """One hit of ``wbsearchentities``."""

    id: Required[str]
    title: str
    pageid: int
    concepturi: str
    repository: str
    url: str
    label: str
    description: str
    aliases: list[str]
    match: SearchMatch
