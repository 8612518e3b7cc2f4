"""From mapped rows (``model.MappedRow``, the output of ``wikiclub map``) to reconciliation inputs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..model import GlobeCoordinateValue, ItemRef, MappedRow, StringValue, TimeValue
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


def row_input(row: MappedRow, *, language: str = "fr", datatypes: Mapping[str, str] | None = None) -> RowInput:
    """One ``RowInput``: the row's names and hints, and its item columns as linked cells.

    ``datatypes`` (property → datatype) tells which string values are external identifiers; by
    default the statement's own datatype is used.
    """
    names = [t for lang, t in row.labels if lang == language] + [t for lang, t in row.labels if lang != language]
    names += [t for _, t in row.aliases]
    identifiers: list[tuple[str, str]] = []
    websites: list[str] = []
    years: list[tuple[str, int]] = []
    guesses: list[str] = []
    coords = None
    linked: list[LinkedCell] = []
    for st in row.statements:
        snak = st.mainsnak
        v = snak.value
        dtype = (datatypes or {}).get(snak.property, snak.datatype)
        column = st.source.column if st.source and st.source.column else snak.property
        if isinstance(v, ItemRef):
            role = PLACE if snak.property in PLACE_PROPERTIES and not any(c.role == PLACE for c in linked) else ITEM
            linked.append(LinkedCell(column, v.text, tuple(v.types), tuple(v.within), role, language))
        elif isinstance(v, StringValue):
            if dtype == "external-id":
                identifiers.append((snak.property, v.value))
            elif snak.property == WEBSITE or dtype == "url" and snak.property == WEBSITE:
                websites.append(v.value)
            elif snak.property == PHONE:
                area = area_from_phone(v.value)
                if area:
                    guesses.append(area)
            elif snak.property == POSTAL_CODE:
                area = area_from_postal_code(v.value)
                if area:
                    guesses.append(area)
        elif isinstance(v, GlobeCoordinateValue) and snak.property == COORDS and coords is None:
            coords = (float(v.latitude), float(v.longitude))
        elif isinstance(v, TimeValue) and snak.property in YEAR_PROPERTIES and v.precision <= 11:
            y = _year(v)
            if y is not None:
                years.append((snak.property, y))
    text = names[0] if names else ""
    query = ReconQuery(
        text=text, other_names=tuple(dict.fromkeys(n for n in names[1:] if n != text)), language=language,
        types=tuple(row.match.types), type_hints=tuple(row.instance_of), within=tuple(row.match.within),
        area_guesses=tuple(dict.fromkeys(guesses)), identifiers=tuple(identifiers), websites=tuple(websites),
        coordinates=coords, years=tuple(years))
    src = row.source
    key = f"{src.file}:{src.sheet or ''}:{src.row}"
    return RowInput(key, int(src.row or 0), query, tuple(linked), row.item_id)


def row_inputs(rows: Iterable[MappedRow], *, language: str = "fr") -> list[RowInput]:
    return [row_input(r, language=language) for r in rows]
