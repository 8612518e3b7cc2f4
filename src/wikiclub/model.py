"""Shared frozen types that flow between the stages (sheets → mapping → reconcile → plan).

Values are one small class per Wikibase *datavalue type*; the snak carries the property's
*datatype* (``url``, ``external-id`` and ``string`` all hold a :class:`StringValue`).

JSON: every type has ``to_json()`` / ``from_json()``. A resolved value serialises to the exact Wikibase
datavalue JSON (``{"value": …, "type": …}``), so a snak's JSON is the one ``wbeditentity`` takes. A
reference to an item that is still to reconcile (:class:`ItemRef`, "Ville" → a QID later) serialises as
``{"type": "wikiclub-item-ref", "value": {...}}``, a type no wiki knows, so it can never be sent by
mistake.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal, NewType

from . import wbjson
from .french import join_names, with_preposition

ItemId = NewType("ItemId", str)
PropertyId = NewType("PropertyId", str)

GREGORIAN = "http://www.wikidata.org/entity/Q1985727"
EARTH = "http://www.wikidata.org/entity/Q2"
ITEM_REF_TYPE = "wikiclub-item-ref"

_QID = re.compile(r"Q[1-9]\d*")
_PID = re.compile(r"P[1-9]\d*")


def is_item_id(text: str) -> bool:
    return bool(_QID.fullmatch(text))


def is_property_id(text: str) -> bool:
    return bool(_PID.fullmatch(text))


# --------------------------------------------------------------------------------------------- provenance


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where something came from, as the user sees it: file name, sheet, spreadsheet row, column."""

    file: str
    sheet: str | None = None
    row: int | None = None  # spreadsheet row number (CSV: header = 1)
    column: str | None = None

    def at(self, column: str | None) -> SourceRef:
        return SourceRef(self.file, self.sheet, self.row, column)  # hot path: no dataclasses.replace

    def where(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"onglet « {self.sheet} »")
        if self.row is not None:
            parts.append(f"ligne {self.row}")
        if self.column:
            parts.append(f"colonne « {self.column} »")
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "sheet": self.sheet, "row": self.row, "column": self.column}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SourceRef:
        return cls(data["file"], data.get("sheet"), data.get("row"), data.get("column"))


@dataclass(frozen=True, slots=True)
class Row:
    """One spreadsheet row: cleaned cell texts by column title, in sheet order."""

    source: SourceRef
    cells: tuple[tuple[str, str], ...]
    # Built on the first get(): a sheet of 100,000 rows need not carry 100,000 dicts it may never use.
    _index: dict[str, str] | None = field(default=None, init=False, repr=False, compare=False, hash=False)

    def get(self, column: str, default: str = "") -> str:
        index = self._index
        if index is None:
            index = dict(self.cells)
            object.__setattr__(self, "_index", index)
        return index.get(column, default)

    def as_dict(self) -> dict[str, str]:
        return dict(self.cells) if self._index is None else dict(self._index)

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source.to_json(), "cells": dict(self.cells)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Row:
        return cls(SourceRef.from_json(data["source"]), tuple(data["cells"].items()))


# --------------------------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class ItemValue:
    id: str

    def to_json(self) -> wbjson.DataValue:
        return {"value": {"entity-type": "item", "numeric-id": int(self.id[1:]), "id": self.id},
                "type": "wikibase-entityid"}


@dataclass(frozen=True, slots=True)
class ItemRef:
    """An item named by text, still to reconcile: ``text`` plus what kind of thing and where."""

    text: str
    types: tuple[str, ...] = ()
    within: tuple[str, ...] = ()

    def to_json(self) -> wbjson.DataValue:
        return {"value": {"text": self.text, "types": list(self.types), "within": list(self.within)},
                "type": ITEM_REF_TYPE}


@dataclass(frozen=True, slots=True)
class StringValue:
    value: str

    def to_json(self) -> wbjson.DataValue:
        return {"value": self.value, "type": "string"}


@dataclass(frozen=True, slots=True)
class TimeValue:
    time: str  # Wikibase form: "+2020-03-12T00:00:00Z"; "+2020-03-00T00:00:00Z" at month precision
    precision: int  # 9 year, 10 month, 11 day
    calendarmodel: str = GREGORIAN
    timezone: int = 0
    before: int = 0
    after: int = 0

    def to_json(self) -> wbjson.DataValue:
        return {"value": {"time": self.time, "timezone": self.timezone, "before": self.before,
                          "after": self.after, "precision": self.precision,
                          "calendarmodel": self.calendarmodel}, "type": "time"}


@dataclass(frozen=True, slots=True)
class GlobeCoordinateValue:
    # Decimal so that what the volunteer typed survives exactly; Wikibase JSON holds floats.
    latitude: Decimal
    longitude: Decimal
    precision: Decimal | None = None
    globe: str = EARTH

    def to_json(self) -> wbjson.DataValue:
        return {"value": {"latitude": float(self.latitude), "longitude": float(self.longitude),
                          "altitude": None,
                          "precision": None if self.precision is None else float(self.precision),
                          "globe": self.globe}, "type": "globecoordinate"}


def _signed(d: Decimal) -> str:
    text = format(d, "f")
    return text if text.startswith("-") else "+" + text


@dataclass(frozen=True, slots=True)
class QuantityValue:
    amount: Decimal
    unit: str = "1"  # "1" or an entity URI
    upper: Decimal | None = None
    lower: Decimal | None = None

    def to_json(self) -> wbjson.DataValue:
        value: wbjson.QuantityValue = {"amount": _signed(self.amount), "unit": self.unit}
        if self.upper is not None:
            value["upperBound"] = _signed(self.upper)
        if self.lower is not None:
            value["lowerBound"] = _signed(self.lower)
        return {"value": value, "type": "quantity"}


@dataclass(frozen=True, slots=True)
class MonolingualTextValue:
    text: str
    language: str

    def to_json(self) -> wbjson.DataValue:
        return {"value": {"text": self.text, "language": self.language}, "type": "monolingualtext"}


Value = (ItemValue | ItemRef | StringValue | TimeValue | GlobeCoordinateValue | QuantityValue
         | MonolingualTextValue)


def value_from_json(data: Mapping[str, Any]) -> Value:
    """Inverse of ``Value.to_json()``: a Wikibase datavalue (or a wikiclub item reference)."""
    kind = data.get("type")
    v: Any = data.get("value")  # JSON whose shape depends on ``kind``
    if kind == "wikibase-entityid":
        return ItemValue(v["id"] if "id" in v else f"Q{v['numeric-id']}")
    if kind == ITEM_REF_TYPE:
        return ItemRef(v["text"], tuple(v.get("types", ())), tuple(v.get("within", ())))
    if kind == "string":
        return StringValue(v)
    if kind == "time":
        return TimeValue(v["time"], v["precision"], v.get("calendarmodel", GREGORIAN), v.get("timezone", 0),
                         v.get("before", 0), v.get("after", 0))
    if kind == "globecoordinate":
        prec = v.get("precision")
        return GlobeCoordinateValue(Decimal(repr(v["latitude"])), Decimal(repr(v["longitude"])),
                                    None if prec is None else Decimal(repr(prec)), v.get("globe", EARTH))
    if kind == "quantity":
        up, low = v.get("upperBound"), v.get("lowerBound")
        return QuantityValue(Decimal(v["amount"]), v.get("unit", "1"),
                             None if up is None else Decimal(up), None if low is None else Decimal(low))
    if kind == "monolingualtext":
        return MonolingualTextValue(v["text"], v["language"])
    raise ValueError(f"unknown datavalue type {kind!r}")


# --------------------------------------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class Snak:
    property: str
    datatype: str
    value: Value | None = None
    snaktype: Literal["value", "somevalue", "novalue"] = "value"

    def to_json(self) -> wbjson.Snak:
        out: wbjson.Snak = {"snaktype": self.snaktype, "property": self.property}
        if self.snaktype == "value" and self.value is not None:
            out["datavalue"] = self.value.to_json()
        out["datatype"] = self.datatype
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snak:
        dv = data.get("datavalue")
        return cls(data["property"], data.get("datatype", ""), None if dv is None else value_from_json(dv),
                   data.get("snaktype", "value"))


def _snaks_json(snaks: tuple[Snak, ...]) -> wbjson.SnakMap:
    out: wbjson.SnakMap = {}
    for s in snaks:
        out.setdefault(s.property, []).append(s.to_json())
    return out


def _snaks_from_json(data: Mapping[str, Any]) -> tuple[Snak, ...]:
    return tuple(Snak.from_json(s) for group in data.values() for s in group)


@dataclass(frozen=True, slots=True)
class Reference:
    snaks: tuple[Snak, ...]

    def to_json(self) -> wbjson.Reference:
        return {"snaks": _snaks_json(self.snaks)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reference:
        return cls(_snaks_from_json(data.get("snaks", {})))


@dataclass(frozen=True, slots=True)
class StatementDraft:
    """A statement the sheet wants on the item; ``source`` says which cell it came from."""

    mainsnak: Snak
    qualifiers: tuple[Snak, ...] = ()
    references: tuple[Reference, ...] = ()
    rank: Literal["preferred", "normal", "deprecated"] = "normal"
    source: SourceRef | None = None

    @property
    def property(self) -> str:
        return self.mainsnak.property

    def statement(self) -> wbjson.Statement:
        """Wikibase statement JSON, as a plan sends it."""
        out: wbjson.Statement = {"mainsnak": self.mainsnak.to_json(), "type": "statement", "rank": self.rank}
        if self.qualifiers:
            out["qualifiers"] = _snaks_json(self.qualifiers)
        if self.references:
            out["references"] = [r.to_json() for r in self.references]
        return out

    def to_json(self) -> dict[str, Any]:
        """:meth:`statement` plus ``wikiclub-source`` (the cell it came from), as a mapped row keeps it."""
        out: dict[str, Any] = {**self.statement()}
        if self.source is not None:
            out["wikiclub-source"] = self.source.to_json()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StatementDraft:
        src = data.get("wikiclub-source")
        return cls(Snak.from_json(data["mainsnak"]), _snaks_from_json(data.get("qualifiers", {})),
                   tuple(Reference.from_json(r) for r in data.get("references", ())),
                   data.get("rank", "normal"), None if src is None else SourceRef.from_json(src))

    def values(self) -> Iterator[Value]:
        for snak in (self.mainsnak, *self.qualifiers, *(s for r in self.references for s in r.snaks)):
            if snak.value is not None:
                yield snak.value


# --------------------------------------------------------------------------------------------- issues

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Issue:
    """A located problem: what (``problem`` kind + message), where (``source``), how to fix (``hint``)."""

    severity: Severity
    problem: str
    message: str
    source: SourceRef
    value: str | None = None
    hint: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"severity": self.severity, "problem": self.problem, "message": self.message,
                "source": self.source.to_json(), "value": self.value, "hint": self.hint}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Issue:
        return cls(data["severity"], data["problem"], data["message"], SourceRef.from_json(data["source"]),
                   data.get("value"), data.get("hint"))


# --------------------------------------------------------------------------------------------- mapped rows


@dataclass(frozen=True, slots=True)
class MatchHints:
    """What reconciliation should look for: classes (or their subclasses) and regions; and what a
    name alone gives (``name_alone``: "review" or "match"; "" = the class's default: review for
    people, match otherwise); ``hints``: the classes a category column suggests (``use: category``)."""

    types: tuple[str, ...] = ()
    within: tuple[str, ...] = ()
    name_alone: str = ""
    hints: tuple[str, ...] = ()  # classes the row's category cell suggests (a weighted hint, never a statement)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"types": list(self.types), "within": list(self.within)}
        if self.name_alone:
            out["name_alone"] = self.name_alone
        if self.hints:
            out["hints"] = list(self.hints)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MatchHints:
        return cls(tuple(data.get("types", ())), tuple(data.get("within", ())), str(data.get("name_alone") or ""),
                   tuple(data.get("hints", ())))


LangText = tuple[str, str]  # (language, text)
MAX_TERM = 250  # Wikibase's default limit for labels, descriptions and aliases


@dataclass(frozen=True, slots=True)
class ItemSlot:
    """A description placeholder that names an item column: the cell's item(s), named later by label.

    ``text`` is the cell as typed ("R-N", "Q900141"), for messages; ``values`` the cell's items (several
    when the column splits; none when the cell gave no item, e.g. an unknown word).
    """

    column: str
    text: str
    values: tuple[ItemValue | ItemRef, ...] = ()
    preposition: str = ""  # « de » or « à » (« {de Municipalité} »): each name gets it, elided or contracted

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "text": self.text, "values": [v.to_json() for v in self.values],
                **({"preposition": self.preposition} if self.preposition else {})}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ItemSlot:
        values = tuple(value_from_json(v) for v in data.get("values", ()))
        return cls(str(data["column"]), str(data.get("text", "")),
                   tuple(v for v in values if isinstance(v, ItemValue | ItemRef)), str(data.get("preposition", "")))

    def named(self, names: list[str]) -> str:
        """The slot's text from its items' names: with its preposition each (« d'Amos et du Bic »),
        else separated by commas."""
        if not self.preposition:
            return ", ".join(names)
        return join_names([with_preposition(self.preposition, n) for n in names])


# Names an item in a language, or None when it has no usable name there (see DescriptionDraft.fill).
ItemNamer = Callable[[ItemValue | ItemRef, str], str | None]


@dataclass(frozen=True, slots=True)
class DescriptionDraft:
    """A description whose template names an item column (``"organisme culturel à {Municipalité}"``).

    The cell's text is no name to publish ("R-N", or "Q900141" in a pulled sheet): the placeholder is
    filled with the *label* of the item the cell resolves to, once it is known (``plan`` reads it in
    the batched ``wbgetentities`` it makes anyway). Text placeholders are already filled in ``parts``.
    """

    language: str
    parts: tuple[str | ItemSlot, ...]

    def slots(self) -> Iterator[ItemSlot]:
        return (p for p in self.parts if isinstance(p, ItemSlot))

    def fill(self, name: ItemNamer) -> tuple[str | None, tuple[str, ...]]:
        """(the description, ()) — or (None, what could not be named: the cells' texts or QIDs)."""
        out: list[str] = []
        unnamed: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            names = [name(v, self.language) for v in part.values]
            if not names:
                unnamed.append(part.text)
            for v, n in zip(part.values, names, strict=True):
                if not n:
                    unnamed.append(v.id if isinstance(v, ItemValue) else v.text)
            out.append(part.named([n for n in names if n]))
        return (None, tuple(unnamed)) if unnamed else ("".join(out), ())

    def to_json(self) -> dict[str, Any]:
        return {"language": self.language,
                "parts": [p if isinstance(p, str) else p.to_json() for p in self.parts]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DescriptionDraft:
        return cls(str(data["language"]), tuple(p if isinstance(p, str) else ItemSlot.from_json(p)
                                                for p in data.get("parts", ())))


@dataclass(frozen=True, slots=True)
class DescriptionLeftOut:
    """A description draft that could not be filled: why, for a note a person reads."""

    language: str
    reason: Literal["unnamed", "too-long"]
    unnamed: tuple[str, ...] = ()  # the cells' texts or QIDs with no label in the language
    text: str = ""  # the filled text when it was too long


@dataclass(frozen=True, slots=True)
class MappedRow:
    """One row turned into what it means on the wiki (the input of reconciliation)."""

    source: SourceRef
    labels: tuple[LangText, ...] = ()
    descriptions: tuple[LangText, ...] = ()
    aliases: tuple[LangText, ...] = ()
    statements: tuple[StatementDraft, ...] = ()
    instance_of: tuple[str, ...] = ()  # P31 to give the item if it is created
    match: MatchHints = MatchHints()
    focus_list: str | None = None  # P5008 item to add to every created or edited item
    issues: tuple[Issue, ...] = ()
    cells: tuple[tuple[str, str], ...] = ()  # the row as read, for review sheets
    # Descriptions whose template names an item column, filled by ``plan`` (fill_descriptions); a
    # language is in ``descriptions`` or here, never both.
    description_drafts: tuple[DescriptionDraft, ...] = ()
    item_id: str | None = None  # the row names its item (the mapping's id column): no reconciliation by name

    @property
    def valid(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)

    def label(self, language: str) -> str | None:
        return next((t for lang, t in self.labels if lang == language), None)

    def item_refs(self) -> Iterator[ItemRef]:
        for st in self.statements:
            for v in st.values():
                if isinstance(v, ItemRef):
                    yield v

    def description_item_ids(self) -> Iterator[str]:
        """QIDs whose labels the description drafts need."""
        for draft in self.description_drafts:
            for slot in draft.slots():
                for v in slot.values:
                    if isinstance(v, ItemValue):
                        yield v.id

    def resolve(self, resolver: Callable[[ItemRef], ItemValue | None]) -> MappedRow:
        """Replace item references the resolver knows; the others stay to resolve."""

        def fix(s: Snak) -> Snak:
            if isinstance(s.value, ItemRef):
                found = resolver(s.value)
                if found is not None:
                    return replace(s, value=found)
            return s

        new = tuple(replace(st, mainsnak=fix(st.mainsnak), qualifiers=tuple(fix(q) for q in st.qualifiers),
                            references=tuple(Reference(tuple(fix(s) for s in r.snaks)) for r in st.references))
                    for st in self.statements)

        def fix_value(v: ItemValue | ItemRef) -> ItemValue | ItemRef:
            return (resolver(v) or v) if isinstance(v, ItemRef) else v

        drafts = tuple(DescriptionDraft(d.language, tuple(
            p if isinstance(p, str) else replace(p, values=tuple(fix_value(v) for v in p.values))
            for p in d.parts)) for d in self.description_drafts)
        return replace(self, statements=new, description_drafts=drafts)

    def fill_descriptions(self, name: ItemNamer) -> tuple[MappedRow, tuple[DescriptionLeftOut, ...]]:
        """The row with its description drafts filled by ``name`` (pure), and the drafts left out.

        A draft with an item that has no name in the language (unresolved cell, no label) is left out
        rather than published with the cell's text; so is one longer than Wikibase accepts.
        """
        if not self.description_drafts:
            return self, ()
        filled = list(self.descriptions)
        left: list[DescriptionLeftOut] = []
        for draft in self.description_drafts:
            text, unnamed = draft.fill(name)
            if text is None:
                left.append(DescriptionLeftOut(draft.language, "unnamed", unnamed))
            elif len(text) > MAX_TERM:
                left.append(DescriptionLeftOut(draft.language, "too-long", text=text))
            elif all(lang != draft.language for lang, _ in filled):
                filled.append((draft.language, text))
        return replace(self, descriptions=tuple(filled), description_drafts=()), tuple(left)

    def to_json(self) -> dict[str, Any]:
        def lt(pairs: tuple[LangText, ...]) -> list[dict[str, str]]:
            return [{"language": lang, "value": text} for lang, text in pairs]

        return {"source": self.source.to_json(), "labels": lt(self.labels),
                "descriptions": lt(self.descriptions), "aliases": lt(self.aliases),
                "statements": [s.to_json() for s in self.statements], "instance_of": list(self.instance_of),
                "match": self.match.to_json(), "focus_list": self.focus_list,
                "issues": [i.to_json() for i in self.issues], "cells": dict(self.cells),
                # only when there are some: records without item templates keep their exact JSON
                **({"description_drafts": [d.to_json() for d in self.description_drafts]}
                   if self.description_drafts else {}),
                **({"item_id": self.item_id} if self.item_id else {})}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MappedRow:
        def lt(items: Any) -> tuple[LangText, ...]:
            return tuple((d["language"], d["value"]) for d in items or ())

        return cls(SourceRef.from_json(data["source"]), lt(data.get("labels")), lt(data.get("descriptions")),
                   lt(data.get("aliases")),
                   tuple(StatementDraft.from_json(s) for s in data.get("statements", ())),
                   tuple(data.get("instance_of", ())), MatchHints.from_json(data.get("match", {})),
                   data.get("focus_list"), tuple(Issue.from_json(i) for i in data.get("issues", ())),
                   tuple((data.get("cells") or {}).items()),
                   tuple(DescriptionDraft.from_json(d) for d in data.get("description_drafts") or ()),
                   data.get("item_id"))
