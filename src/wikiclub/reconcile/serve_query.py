"""OpenRefine's reconciliation queries as the rows ``wikiclub reconcile`` would have read.

A query of the Reconciliation Service API 0.2 (``{"query": "Agora des arts", "type": "Q900049",
"properties": [{"pid": "P131", "v": "Rouyn-Noranda"}, …]}``) is turned into a spreadsheet row of the
project mapping that its type selects (``mappings/*.yaml``): the query text goes in the mapping's label
column, each property value in the column that the mapping gives that property (``P625`` "lat,lon" in
its latitude and longitude columns). That row then goes through the very code the CLI uses
(``sheets.rowmap`` → ``inputs.row_input``): same parsing, same controlled vocabularies (``P31`` =
"Festival de musique" → Q900004), same item columns to reconcile with their types and regions. So the
same sheet gives the same evidence, whether it comes through a file or through OpenRefine.

A property no mapping names is parsed by its datatype (the site's property catalogue); a value
OpenRefine already reconciled (``{"id": "Q…", "name": …}``) is used as that item: a class for ``P31``,
the row's municipality for ``P131``. A query whose type is an item column's type (municipalities) is
judged as a cell of that column (strict types, the column's regions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import InputError, ValueParseError
from ..model import MappedRow, MatchHints, Row, SourceRef, is_item_id, is_property_id
from ..sheets.datatypes import parse_coordinate, vocab_key
from ..sheets.mapping import ColumnSpec, SheetMapping, TextSpec
from ..sheets.properties import PropertyCatalog
from ..sheets.read import Sheet, normalize_key
from ..sheets.rowmap import RowMapper
from ..sheets.templates import split_by_template, template_columns, whole_text_cells
from .inputs import PLACE_PROPERTIES, home_of, row_input
from .model import ReconQuery
from .run import ITEM, PLACE, LinkedCell, RowInput

P_INSTANCE = "P31"
LABEL_COLUMN = "query"  # the label column of the mapping used when no project mapping fits
GENERIC_PARSE = {"P1329": "phone", "P968": "email"}  # how a mapping would parse these properties
MAPPERS_KEPT = 64


class RequestError(InputError):
    """A request the service cannot answer as sent (HTTP 400, or ``status``)."""

    def __init__(self, message: str, hint: str | None = None, *, status: int = 400) -> None:
        super().__init__(message, hint)
        self.status = status


@dataclass(frozen=True)
class QueryValue:
    """One value of a query property: text, or an item OpenRefine already reconciled (``id``)."""

    text: str
    id: str | None = None


@dataclass(frozen=True)
class Query:
    """One reconciliation query, checked: ``key`` is the batch's name for it ("q0")."""

    key: str
    text: str
    types: tuple[str, ...] = ()
    limit: int = 0
    properties: tuple[tuple[str, tuple[QueryValue, ...]], ...] = ()

    def values(self, pid: str) -> tuple[QueryValue, ...]:
        return tuple(v for p, vs in self.properties if p == pid for v in vs)


@dataclass(frozen=True)
class Profile:
    """How one kind of thing is reconciled, read from a project mapping.

    An entity profile (``mapping``) comes from a mapping's row entity: its type is the mapping's
    ``match.types`` (else ``instance_of``). A cell profile (``column``) comes from an item column
    (``Municipalité``: ``item.types``): a query of that type is judged as one of its cells."""

    type_id: str
    types: tuple[str, ...]
    source: str
    mapping: SheetMapping | None = None
    column: ColumnSpec | None = None
    focus: str | None = None  # a cell profile's mapping's focus list: the home of homonym towns


def profiles_from_mappings(mappings: Iterable[SheetMapping]) -> list[Profile]:
    """Entity profiles first (a mapping's own type wins), then the item columns' types — a municipality
    column (P131) before another column of the same type (a birthplace): its homonym rules apply."""
    mappings = list(mappings)
    out: list[Profile] = []
    for m in mappings:
        types = tuple(dict.fromkeys([*m.match_types, *m.instance_of]))
        if types and types[0] not in {p.type_id for p in out}:
            out.append(Profile(types[0], types, m.path, mapping=m))
    columns = [(m, spec) for m in mappings for spec in m.columns]
    columns.sort(key=lambda ms: ms[1].property not in PLACE_PROPERTIES)  # stable: the mappings' order otherwise
    for m, spec in columns:
        if spec.item and spec.item[0] and spec.item[0][0] not in {p.type_id for p in out}:
            focus = m.focus_list if isinstance(m.focus_list, str) else None
            out.append(Profile(spec.item[0][0], spec.item[0], f"{m.path} [{spec.column}]", column=spec,
                               focus=focus))
    return out


# ---- the JSON of a batch ------------------------------------------------------------------------

@dataclass(frozen=True)
class Limits:
    """Input size limits of the service (a local tool, but a browser page can reach it)."""

    max_queries: int = 100       # queries in one batch (OpenRefine sends 10)
    max_bytes: int = 1_000_000   # one request body or parameter
    max_text: int = 500          # characters of a query text or a value
    max_properties: int = 40     # properties of one query
    max_values: int = 20         # values of one property
    max_ids: int = 200           # ids of one data extension request
    max_candidates: int = 5      # candidates returned per query (the review sheet's)


def _text(value: Any, what: str, limits: Limits) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise RequestError(f"{what} : texte attendu / a text is expected ({type(value).__name__}).")
    if len(value) > limits.max_text:
        raise RequestError(f"{what} : plus de {limits.max_text} caractères / longer than {limits.max_text} "
                           "characters.")
    return value.strip()


def _value(raw: Any, what: str, limits: Limits) -> QueryValue:
    if isinstance(raw, Mapping):
        ident = _text(raw.get("id", ""), what + ".id", limits).upper()
        if not is_item_id(ident):
            raise RequestError(f"{what}.id : « {ident[:40]} » n'est pas un élément / is not an item id.")
        return QueryValue(_text(raw.get("name") or ident, what + ".name", limits), ident)
    return QueryValue(_text(raw, what, limits))


def _properties(raw: Any, key: str, limits: Limits) -> tuple[tuple[str, tuple[QueryValue, ...]], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > limits.max_properties:
        raise RequestError(f"{key}.properties : une liste d'au plus {limits.max_properties} éléments / a list of "
                           f"at most {limits.max_properties} items.")
    out: list[tuple[str, tuple[QueryValue, ...]]] = []
    for i, prop in enumerate(raw):
        where = f"{key}.properties[{i}]"
        if not isinstance(prop, Mapping) or "pid" not in prop or "v" not in prop:
            raise RequestError(f"{where} : {{\"pid\": …, \"v\": …}} attendu / expected.")
        pid = _text(prop["pid"], where + ".pid", limits)
        pid = pid.upper() if is_property_id(pid.upper()) else pid  # else a column of the mapping, by name
        values = prop["v"] if isinstance(prop["v"], list) else [prop["v"]]
        if len(values) > limits.max_values:
            raise RequestError(f"{where}.v : plus de {limits.max_values} valeurs / more than {limits.max_values} "
                               "values.")
        parsed = tuple(v for v in (_value(x, f"{where}.v", limits) for x in values) if v.text or v.id)
        if parsed:
            out.append((pid, parsed))
    return tuple(out)


def _types(raw: Any, key: str, limits: Limits) -> tuple[str, ...]:
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    return tuple(t for t in (_text(x, f"{key}.type", limits) for x in items[:limits.max_values]) if t)


def parse_query(key: str, raw: Any, limits: Limits) -> Query:
    if not isinstance(raw, Mapping):
        raise RequestError(f"{key} : un objet JSON attendu / a JSON object is expected.")
    limit = raw.get("limit", 0)
    if isinstance(limit, bool) or not isinstance(limit, int | float) or limit < 0:
        raise RequestError(f"{key}.limit : un nombre ≥ 0 attendu / a number ≥ 0 is expected.")
    text = _text(raw.get("query", ""), f"{key}.query", limits)
    props = _properties(raw.get("properties"), key, limits)
    if not text and not props:
        raise RequestError(f"{key} : ni « query » ni « properties » / neither query nor properties.")
    return Query(key, text, _types(raw.get("type"), key, limits), int(limit), props)


def parse_batch(raw: Any, limits: Limits) -> list[Query]:
    """The queries of a batch (``{"q0": {...}, ...}``), in the order sent."""
    if not isinstance(raw, Mapping):
        raise RequestError("queries : un objet JSON {\"q0\": {...}} attendu / a JSON object is expected.")
    if len(raw) > limits.max_queries:
        raise RequestError(f"queries : {len(raw)} requêtes, au plus {limits.max_queries} par lot / at most "
                           f"{limits.max_queries} per batch.", "Réduisez la taille des lots / use smaller batches.",
                           status=413)
    return [parse_query(str(k), v, limits) for k, v in raw.items()]


# ---- a query as a mapped row --------------------------------------------------------------------

def _generic_mapping(types: tuple[str, ...], within: tuple[str, ...], language: str) -> SheetMapping:
    return SheetMapping(path="<openrefine>", labels=(TextSpec(LABEL_COLUMN, language),), columns=(),
                        match_types=types, match_within=within, language=language)


def _column_of(mapping: SheetMapping, pid: str) -> ColumnSpec | None:
    """The mapped column a query property fills: by its property (``P31``: the instance_of column; an
    identifier scheme's property: its schemes column), else — a name that is no property id — the
    column of that name (« Région », « Catégorie »: hint columns have no property)."""
    for spec in mapping.columns:
        if spec.use == "instance_of" and pid == P_INSTANCE:
            return spec
        if spec.use == "statement" and (spec.property == pid or any(p == pid for _, p in spec.schemes)):
            return spec
    if is_property_id(pid):
        return None
    key = normalize_key(pid)
    return next((spec for spec in mapping.columns if normalize_key(spec.column) == key), None)


def _named_column(mapping: SheetMapping, name: str) -> str | None:
    """A column the mapping reads that no spec maps (a template's « Prénom », an extraction's
    « Adresse »), by its name."""
    if is_property_id(name):
        return None
    key = normalize_key(name)
    return next((c for c in mapping.used_columns() if normalize_key(c) == key), None)


def _value_text(spec: ColumnSpec | None, pid: str, value: QueryValue) -> str:
    """A query value as the sheet's cell would hold it: an identifier with its scheme word (« VIAF 123 »),
    a reconciled item of a hint column as its word in the column's vocabulary, else the id or the text."""
    if spec is not None and spec.schemes:
        word = next((w for w, p in spec.schemes if p == pid), "")
        return f"{word} {value.text}".strip()
    if spec is not None and value.id and spec.use in ("region", "category"):
        return next((word for word, t in spec.values.items() if t.item == value.id), value.text)
    return value.id or value.text


def _join_cell(spec: ColumnSpec | None, old: str, new: str) -> str:
    if not old or not new:
        return old or new
    return f"{old}{spec.split[0]}{new}" if spec is not None and spec.split else old


def _label_cells(mapping: SheetMapping, text: str, cells: dict[str, str]) -> frozenset[str]:
    """The query text as the row's name, the way ``map`` computes it: the label column; for a label
    template (« {Prénom} {Nom} »), its columns — the query's own cells kept, the text split when it
    splits one way, else the one column the query left empty, else the whole text in the last column.
    Returns the derived columns the text replaces (a template the text cannot be read into)."""
    label = mapping.labels[0].column
    derived = {d.name: d for d in mapping.derived}
    if not text or label in cells:
        return frozenset()
    d = derived.get(label)
    if d is None:
        cells[label] = text
        return frozenset()
    template = d.template or ""
    known = {c: cells[c] for c in template_columns(template) if cells.get(c)}
    rest = [c for c in template_columns(template) if not known.get(c)]
    found = split_by_template(template, text, known) if d.template is not None else None
    if found is None and d.template is not None and known and len(rest) == 1:
        found = {rest[0]: text}  # the reconciled column is one part of the name (« Nom », with « Prénom » sent)
    if found is None and d.template is not None:
        found = whole_text_cells(template, text, known)
    if found is None:
        cells[label] = text
        return frozenset({label})
    cells.update(found)
    return frozenset()


def _extra_column(pid: str, datatype: str) -> ColumnSpec:
    if pid == P_INSTANCE:
        return ColumnSpec(f"‹{pid}›", "instance_of", on_unknown="warn")
    item = ((), ()) if datatype == "wikibase-item" else None
    return ColumnSpec(f"‹{pid}›", "statement", pid, datatype, item=item, parse=GENERIC_PARSE.get(pid))


def _coordinate_cells(mapping: SheetMapping, pid: str, value: QueryValue) -> dict[str, str] | None:
    """``P625`` = "lat,lon" into the mapping's latitude and longitude columns (None: no such spec)."""
    spec = next((c for c in mapping.coordinates if c.property == pid), None)
    if spec is None:
        return None
    try:
        parsed = parse_coordinate(value.text).value
    except ValueParseError:
        return {}
    return {spec.latitude: str(parsed.latitude), spec.longitude: str(parsed.longitude)}  # type: ignore[union-attr]


class Translator:
    """Turns queries into ``RowInput`` s, one row mapper per (mapping, extra properties), kept a while."""

    def __init__(self, profiles: Sequence[Profile], catalog: Callable[[Sequence[str]], PropertyCatalog], *,
                 language: str = "fr", within: tuple[str, ...] = (), regions: Sequence[str] = ()) -> None:
        self.profiles = list(profiles)
        self.regions = tuple(regions)  # the WikiProject's: the home of homonym towns
        self.catalog = catalog  # the property catalogue, asked for the datatypes of these properties
        self.language = language
        self.within = within or tuple(dict.fromkeys(
            w for p in self.profiles if p.mapping for w in p.mapping.match_within))
        self._mappers: dict[tuple[Any, ...], tuple[SheetMapping, RowMapper]] = {}

    def profile_for(self, types: Sequence[str]) -> Profile | None:
        for t in types:
            for p in self.profiles:
                if p.type_id == t:
                    return p
        return next((p for t in types for p in self.profiles if t in p.types), None)

    def _mapper(self, base: SheetMapping, pids: Sequence[str], given: frozenset[str] = frozenset()
                ) -> tuple[SheetMapping, RowMapper]:
        """The row mapper of a mapping with columns for the query's unmapped properties; ``given``: derived
        columns whose value the query gives itself (not computed from their sources)."""
        catalog = self.catalog(pids)
        extra: list[ColumnSpec] = []
        for pid in pids:
            info = catalog.get(pid)
            known = _column_of(base, pid) or any(c.property == pid for c in base.coordinates)
            if not known and (info is not None or pid == P_INSTANCE):
                extra.append(_extra_column(pid, info.datatype if info else ""))
        key = (base.path, base.match_types, tuple(c.column for c in extra), tuple(sorted(given)), id(catalog))
        if key not in self._mappers:
            if len(self._mappers) >= MAPPERS_KEPT:
                self._mappers.clear()
            mapping = replace(base, columns=(*base.columns, *extra)) if extra else base
            if given:
                mapping = replace(mapping, derived=tuple(d for d in mapping.derived if d.name not in given))
            sheet = Sheet("openrefine", None, tuple(mapping.used_columns()), (), 1)
            self._mappers[key] = (mapping, RowMapper(sheet, mapping, catalog))
        return self._mappers[key]

    def _cells(self, mapping: SheetMapping, q: Query) -> tuple[dict[str, str], frozenset[str]]:
        """The row's cells, and the derived columns the query gives (by property or by name) or whose
        template the text cannot be read into: those take the query's value as it is."""
        cells: dict[str, str] = {}
        for pid, values in q.properties:
            coords = _coordinate_cells(mapping, pid, values[0])
            if coords is not None:
                cells.update(coords)
                continue
            spec = _column_of(mapping, pid)
            column = spec.column if spec is not None else _named_column(mapping, pid)
            if column is None:
                continue
            for v in values:
                if not (v.id and spec is not None and spec.use == "instance_of"):
                    cells[column] = _join_cell(spec, cells.get(column, ""), _value_text(spec, pid, v))
        cells = {c: t for c, t in cells.items() if t}
        given = frozenset(c for c in cells if c in {d.name for d in mapping.derived})
        return cells, given | _label_cells(mapping, q.text, cells)

    def mapped_row(self, q: Query, number: int, profile: Profile | None) -> tuple[MappedRow, str]:
        """The row the query stands for, mapped as the CLI maps a sheet's row; and its language."""
        if profile is not None and profile.mapping is not None:
            base = profile.mapping
        else:
            base = _generic_mapping(() if profile else q.types, self.within, self.language)
        pids = [p for p, _ in q.properties if is_property_id(p)]
        mapping, mapper = self._mapper(base, pids)
        cells, given = self._cells(mapping, q)
        if given:
            mapping, mapper = self._mapper(base, pids, given)
        row = mapper.map_row(Row(SourceRef("openrefine", None, number), tuple(cells.items())))
        return _with_reconciled(row, q, mapping), mapping.language or self.language

    def named_columns(self) -> list[tuple[str, str]]:
        """(column, what it is) of the mappings' columns a query can name instead of a property: hint
        columns (region, category) and the columns templates and extractions read."""
        out: dict[str, str] = {}
        for p in self.profiles:
            if p.mapping is None:
                continue
            m = p.mapping
            for spec in m.columns:
                if spec.use in ("region", "category"):
                    out.setdefault(spec.column, f"indice : {'région' if spec.use == 'region' else 'catégorie'} / "
                                                f"hint ({spec.use}) — {m.path}")
            mapped = {spec.column for spec in m.columns}
            for column in m.used_columns():
                if column not in mapped and not any(column == t.column for t in (*m.labels, *m.aliases)):
                    out.setdefault(column, f"colonne lue par le mapping / a column the mapping reads — {m.path}")
        return list(out.items())

    def row_input(self, q: Query, number: int) -> tuple[RowInput, bool]:
        """The reconciliation input of a query; True when its answer is the one linked cell's (a query of
        an item column's type: the cell is judged on its own, with the query's other facts as context)."""
        profile = self.profile_for(q.types)
        row, language = self.mapped_row(q, number, profile)
        ri = row_input(row, language=language, regions=self.regions)
        places = tuple(v.id for p in PLACE_PROPERTIES for v in q.values(p) if v.id)
        if places:
            names = [v.text for p in PLACE_PROPERTIES for v in q.values(p) if v.id]
            ri = replace(ri, entity=replace(ri.entity, places=places, place_text=names[0]))
        if profile is None or profile.column is None:
            return ri, False
        spec = profile.column
        place = spec.property in PLACE_PROPERTIES
        cell = LinkedCell(spec.column, q.text, *(spec.item or ((), ())), role=PLACE if place else ITEM,
                          language=language,
                          home=(*home_of(row, self.regions), *((profile.focus,) if profile.focus else ())) if place else ())
        context = ReconQuery("", language=language, coordinates=ri.entity.coordinates,
                             area_guesses=ri.entity.area_guesses)
        return RowInput(ri.key, ri.row, context, (cell,)), True


def _with_reconciled(row: MappedRow, q: Query, mapping: SheetMapping) -> MappedRow:
    """Classes OpenRefine already reconciled (``P31`` = {"id": …}) join those the row's words named."""
    ids = [v.id for v in q.values(P_INSTANCE) if v.id]
    if not ids:
        return row
    spec = _column_of(mapping, P_INSTANCE)
    named = [t.item for v in q.values(P_INSTANCE) if not v.id and spec is not None
             for t in [spec.values.get(vocab_key(v.text))] if t is not None and t.item]
    types = tuple(dict.fromkeys([*named, *ids]))
    return replace(row, instance_of=types,
                   match=MatchHints(tuple(dict.fromkeys([*types, *mapping.match_types])), mapping.match_within))
