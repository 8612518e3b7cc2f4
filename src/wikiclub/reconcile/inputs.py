"""From mapped rows (``model.MappedRow``, the output of ``wikiclub map``) to reconciliation inputs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..facts import CIRCA, HUMAN, P_CIRCUMSTANCES
from ..model import (
    GlobeCoordinateValue,
    ItemRef,
    ItemValue,
    MappedRow,
    MonolingualTextValue,
    QuantityValue,
    StatementDraft,
    StringValue,
    TimeValue,
)
from ..names import area_from_phone, area_from_postal_code, natural_order, without_title
from .model import ReconQuery, RowFact
from .run import ITEM, PLACE, LinkedCell, RowInput

PLACE_PROPERTIES = ("P131",)  # the item column whose value is the row's municipality
PHONE, POSTAL_CODE, WEBSITE, COORDS = "P1329", "P281", "P856", "P625"
YEAR_PROPERTIES = ("P571", "P580")


def _year(v: TimeValue) -> int | None:
    try:
        return int(v.time.lstrip("+").split("-", 1)[0])
    except ValueError:
        return None


def _circa(st: StatementDraft) -> bool:
    return any(q.property == P_CIRCUMSTANCES and isinstance(q.value, ItemValue) and q.value.id == CIRCA
               for q in st.qualifiers)


def row_fact(st: StatementDraft, dtype: str, text: str) -> RowFact | None:
    """The row's statement as evidence (None for a value that cannot be compared, or an item cell:
    its fact is added once the cell is reconciled)."""
    p, v = st.mainsnak.property, st.mainsnak.value
    column = st.source.column if st.source and st.source.column else ""
    if isinstance(v, ItemValue):
        return RowFact(p, "item", v.id, text=text, items=(v.id,), column=column)
    if isinstance(v, TimeValue):
        return RowFact(p, "time", v.time, v.precision, _circa(st), text, column=column)
    if isinstance(v, StringValue):
        kind = dtype if dtype in ("external-id", "url") else "string"
        return RowFact(p, kind, v.value, text=text or v.value, column=column)
    if isinstance(v, QuantityValue):
        return RowFact(p, "quantity", format(v.amount, "f"), text=text, column=column)
    if isinstance(v, GlobeCoordinateValue):
        return RowFact(p, "coordinates", f"{v.latitude},{v.longitude}", text=text, column=column)
    if isinstance(v, MonolingualTextValue):
        return RowFact(p, "text", v.text, text=text, column=column)
    return None


@dataclass
class _Gathered:
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    websites: list[str] = field(default_factory=list)
    years: list[tuple[str, int]] = field(default_factory=list)
    guesses: list[str] = field(default_factory=list)
    facts: list[RowFact] = field(default_factory=list)
    linked: list[LinkedCell] = field(default_factory=list)
    coords: tuple[float, float] | None = None


def _gather(row: MappedRow, language: str, datatypes: Mapping[str, str] | None,
            home: tuple[str, ...] = ()) -> _Gathered:
    g = _Gathered()
    cells = dict(row.cells)
    for st in row.statements:
        snak = st.mainsnak
        v = snak.value
        dtype = (datatypes or {}).get(snak.property, snak.datatype)
        column = st.source.column if st.source and st.source.column else snak.property
        if isinstance(v, ItemRef):
            role = PLACE if snak.property in PLACE_PROPERTIES and not any(c.role == PLACE for c in g.linked) else ITEM
            g.linked.append(LinkedCell(column, v.text, tuple(v.types), tuple(v.within), role, language,
                                       snak.property, home if role == PLACE else ()))
            continue
        fact = row_fact(st, dtype, cells.get(column, ""))
        if fact is not None:
            g.facts.append(fact)
        if isinstance(v, StringValue):
            _string_hints(g, snak.property, dtype, v.value)
        elif isinstance(v, GlobeCoordinateValue) and snak.property == COORDS and g.coords is None:
            g.coords = (float(v.latitude), float(v.longitude))
        elif isinstance(v, TimeValue) and snak.property in YEAR_PROPERTIES and v.precision <= 11:
            y = _year(v)
            if y is not None:
                g.years.append((snak.property, y))
    return g


def _string_hints(g: _Gathered, prop: str, dtype: str, value: str) -> None:
    if dtype == "external-id":
        g.identifiers.append((prop, value))
    elif prop == WEBSITE:
        g.websites.append(value)
    elif prop == PHONE:
        area = area_from_phone(value)
        if area:
            g.guesses.append(area)
    elif prop == POSTAL_CODE:
        area = area_from_postal_code(value)
        if area:
            g.guesses.append(area)


def is_person(row: MappedRow) -> bool:
    """A row of people: the class human among the mapping's match types or the row's classes."""
    return HUMAN in row.match.types or HUMAN in row.instance_of


def row_input(row: MappedRow, *, language: str = "fr", datatypes: Mapping[str, str] | None = None,
              regions: Sequence[str] = ()) -> RowInput:
    """One ``RowInput``: the row's names, hints and facts, and its item columns as linked cells.

    ``datatypes`` (property → datatype) tells which string values are external identifiers; by
    default the statement's own datatype is used. The row's category cell (``use: category``) adds its
    classes to the type hints; its region cell (``use: region``) already is the ``within`` of the place
    cells it scopes (their ``ItemRef``), so it reaches the linked cells' queries as it is. A person's name written « Nom, Prénom » is also
    searched in natural order. The row's municipality cell knows the project's home (``regions``, the
    WikiProject's, and the row's focus list): a homonym town at home is meant (``ReconQuery.home``).
    """
    names = [t for lang, t in row.labels if lang == language] + [t for lang, t in row.labels if lang != language]
    names += [t for _, t in row.aliases]
    person = is_person(row)
    if person:  # searched as written, in natural order, and without a title (« Mme »)
        names += [without_title(natural_order(t)) for t in names]
    g = _gather(row, language, datatypes, home_of(row, regions))
    # The row's own classes (its Type cell: they are among the match types too) versus the mapping's
    # constant default (``instance_of`` when the cell is empty), which says little about one row.
    named = [c for c in row.instance_of if c in row.match.types]
    text = names[0] if names else ""
    query = ReconQuery(
        text=text, other_names=tuple(dict.fromkeys(n for n in names[1:] if n != text)), language=language,
        types=tuple(row.match.types), type_hints=tuple(dict.fromkeys((*named, *row.match.hints))),
        default_types=tuple(c for c in row.instance_of if c not in named),
        within=tuple(row.match.within),
        area_guesses=tuple(dict.fromkeys(g.guesses)), identifiers=tuple(g.identifiers),
        websites=tuple(g.websites), coordinates=g.coords, years=tuple(g.years), facts=tuple(g.facts),
        person=person, name_alone=row.match.name_alone or ("review" if person else "match"))
    src = row.source
    key = f"{src.file}:{src.sheet or ''}:{src.row}"
    return RowInput(key, int(src.row or 0), query, tuple(g.linked), row.item_id)


def home_of(row: MappedRow, regions: Sequence[str] = ()) -> tuple[str, ...]:
    """The project's home for ``row``: its regions (wikiclub.toml) and the row's focus list (P5008)."""
    return tuple(dict.fromkeys((*regions, *((row.focus_list,) if row.focus_list else ()))))


def row_inputs(rows: Iterable[MappedRow], *, language: str = "fr", regions: Sequence[str] = ()) -> list[RowInput]:
    """``row_input`` of each row; ``regions``: the WikiProject's regions (wikiclub.toml), its home."""
    return [row_input(r, language=language, regions=regions) for r in rows]
