"""From mapped rows (``model.MappedRow``, the output of ``wikiclub map``) to reconciliation inputs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..model import GlobeCoordinateValue, ItemRef, MappedRow, StatementDraft, StringValue, TimeValue
from ..names import area_from_phone, area_from_postal_code
from .model import ReconQuery
from .run import ITEM, PLACE, LinkedCell, RowInput

PLACE_PROPERTIES = ("P131",)  # the item column whose value is the row's municipality
PHONE, POSTAL_CODE, WEBSITE, COORDS = "P1329", "P281", "P856", "P625"
YEAR_PROPERTIES = ("P571", "P580")


def _year(v: TimeValue) -> int | None:
    try:
        return int(v.time.lstrip("+").split("-", 1)[0])
    except ValueError:
        return None


@dataclass
class _Hints:
    """What a row's statements tell the matcher, gathered statement by statement."""

    identifiers: list[tuple[str, str]] = field(default_factory=list)
    websites: list[str] = field(default_factory=list)
    years: list[tuple[str, int]] = field(default_factory=list)
    guesses: list[str] = field(default_factory=list)
    coords: tuple[float, float] | None = None
    linked: list[LinkedCell] = field(default_factory=list)


def _string_hint(hints: _Hints, prop: str, dtype: str, value: str) -> None:
    """An external identifier, a website, or an area guessed from a phone number or a postal code."""
    if dtype == "external-id":
        hints.identifiers.append((prop, value))
    elif prop == WEBSITE:
        hints.websites.append(value)
    elif prop in (PHONE, POSTAL_CODE):
        area = area_from_phone(value) if prop == PHONE else area_from_postal_code(value)
        if area:
            hints.guesses.append(area)


def _statement_hint(hints: _Hints, st: StatementDraft, dtype: str, language: str) -> None:
    snak = st.mainsnak
    v = snak.value
    if isinstance(v, ItemRef):
        column = st.source.column if st.source and st.source.column else snak.property
        first_place = snak.property in PLACE_PROPERTIES and not any(c.role == PLACE for c in hints.linked)
        hints.linked.append(LinkedCell(column, v.text, tuple(v.types), tuple(v.within),
                                       PLACE if first_place else ITEM, language))
    elif isinstance(v, StringValue):
        _string_hint(hints, snak.property, dtype, v.value)
    elif isinstance(v, GlobeCoordinateValue) and snak.property == COORDS and hints.coords is None:
        hints.coords = (float(v.latitude), float(v.longitude))
    elif isinstance(v, TimeValue) and snak.property in YEAR_PROPERTIES and v.precision <= 11:
        y = _year(v)
        if y is not None:
            hints.years.append((snak.property, y))


def row_input(row: MappedRow, *, language: str = "fr", datatypes: Mapping[str, str] | None = None) -> RowInput:
    """One ``RowInput``: the row's names and hints, and its item columns as linked cells.

    ``datatypes`` (property → datatype) tells which string values are external identifiers; by
    default the statement's own datatype is used.
    """
    names = [t for lang, t in row.labels if lang == language] + [t for lang, t in row.labels if lang != language]
    names += [t for _, t in row.aliases]
    hints = _Hints()
    for st in row.statements:
        _statement_hint(hints, st, (datatypes or {}).get(st.mainsnak.property, st.mainsnak.datatype), language)
    text = names[0] if names else ""
    query = ReconQuery(
        text=text, other_names=tuple(dict.fromkeys(n for n in names[1:] if n != text)), language=language,
        types=tuple(row.match.types), type_hints=tuple(row.instance_of), within=tuple(row.match.within),
        area_guesses=tuple(dict.fromkeys(hints.guesses)), identifiers=tuple(hints.identifiers),
        websites=tuple(hints.websites), coordinates=hints.coords, years=tuple(hints.years))
    src = row.source
    key = f"{src.file}:{src.sheet or ''}:{src.row}"
    return RowInput(key, int(src.row or 0), query, tuple(hints.linked))


def row_inputs(rows: Iterable[MappedRow], *, language: str = "fr") -> list[RowInput]:
    return [row_input(r, language=language) for r in rows]
