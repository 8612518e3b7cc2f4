"""Mappings (``mappings/*.yaml``): how one kind of sheet maps to Wikidata. Schema, loading, checking.

The schema is documented with complete examples in ``docs/mappings.md``. Loading checks the YAML against
a JSON Schema and every error points at the YAML line. :func:`check_mapping` then checks it against a
:class:`~wikiclub.sheets.properties.PropertyCatalog` (the site): properties exist, datatypes are known and fit
what the column asks for, value maps point at existing items. Applying a mapping to rows lives in
:mod:`wikiclub.sheets.rowmap`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ..errors import MappingError
from ..french import split_placeholder
from .datatypes import KNOWN_DATATYPES, vocab_key
from .properties import PropertyCatalog

PID = r"^P[1-9][0-9]*$"
PLACE_PROPERTY = "P131"  # located in the administrative territorial entity: the place column by default
SOURCING_CIRCUMSTANCES, CIRCA = "P1480", "Q5727902"  # qualifier of a circa date: P1480 = circa
QID = r"^Q[1-9][0-9]*$"

_cell_or_const = {"oneOf": [
    {"type": ["string", "number"]},
    {"type": "object", "required": ["column"], "additionalProperties": False,
     "properties": {"column": {"type": "string"}}},
]}
_snak_map = {"type": "object", "propertyNames": {"pattern": PID}, "additionalProperties": _cell_or_const}
_references = {"oneOf": [{"type": "array", "items": _snak_map}, {"const": False}]}
_item_hints = {"type": "object", "additionalProperties": False, "properties": {
    "types": {"type": "array", "items": {"type": "string", "pattern": QID}},
    "within": {"type": "array", "items": {"type": "string", "pattern": QID}},
}}
# The row's own entity: the item hints, plus what a name alone gives (docs/mappings.md, reconciliation.md).
_entity_match = {"type": "object", "additionalProperties": False, "properties": {
    "types": {"type": "array", "items": {"type": "string", "pattern": QID}},
    "within": {"type": "array", "items": {"type": "string", "pattern": QID}},
    "name_alone": {"enum": ["review", "match"]},
}}
_value_target = {"oneOf": [
    {"type": "string", "pattern": QID},
    {"type": "null"},  # a known word that means "no statement" (e.g. "Autre")
    {"type": "object", "required": ["item"], "additionalProperties": False,
     "properties": {"item": {"type": "string", "pattern": QID}, "property": {"type": "string", "pattern": PID}}},
]}
# Named apart from the ``_bounds`` reader function below, which would otherwise rebind this name.
_bounds_schema = {"type": "object", "additionalProperties": False, "properties": {
    "latitude": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
    "longitude": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
}}
# A label or alias: a column, or a template joining columns (« {Prénom} {Nom} »).
_text_spec = {"type": "object", "additionalProperties": False,
              "oneOf": [{"required": ["column"]}, {"required": ["template"]}], "properties": {
                  "column": {"type": "string"}, "template": {"type": "string"}, "language": {"type": "string"},
                  "split": {"type": ["string", "array"], "items": {"type": "string"}},
              }}
# A derived column: computed from other columns of the row before anything else reads it.
_derived = {"type": "object", "additionalProperties": False,
            "oneOf": [{"required": ["template"]}, {"required": ["extract"]}], "properties": {
                "template": {"type": "string"},
                "extract": {"type": "object", "required": ["column", "pattern"], "additionalProperties": False,
                            "properties": {"column": {"type": "string"}, "pattern": {"type": "string"},
                                           "on_no_match": {"enum": ["error", "warn"]}}},
            }}

_column_schema: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "properties": {
        "property": {"type": "string", "pattern": PID},
        "use": {"enum": ["statement", "instance_of", "region", "category", "ignore"]},
    "scopes": {"type": ["string", "array"], "items": {"type": "string"}},
    # several identifier schemes in one column: scheme word → property (« ISNI 0000… », « VIAF 123 »)
    "schemes": {"type": "object", "minProperties": 1, "additionalProperties": {"type": "string", "pattern": PID}},
        "datatype": {"enum": sorted(KNOWN_DATATYPES)},
        "values": {"type": "object", "additionalProperties": _value_target},
        "on_unknown": {"enum": ["error", "warn"]},
        "item": _item_hints,
        "split": {"type": ["string", "array"], "items": {"type": "string"}},
        "parse": {"enum": ["email", "phone"]},
        "language": {"type": "string", "pattern": "^[a-z]{2,3}(-[a-z0-9]+)*$"},
        "unit": {"type": "string", "pattern": QID},
        "unit_words": {"type": "array", "items": {"type": "string"}},
        "bounds": _bounds_schema,
        "qualifiers": _snak_map,
        "references": _references,
        "required": {"type": "boolean"},
        "required_for_creation": {"type": "boolean"},
        "circa": {"type": "boolean"},
        "rank": {"enum": ["preferred", "normal", "deprecated"]},
    }}
# One column feeding several properties: a list of specs under its title.
_column_or_list = {"if": {"type": "array"}, "then": {"type": "array", "items": _column_schema, "minItems": 1},
                   "else": _column_schema}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["entity", "columns"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": 1},
        "description": {"type": "string"},
        "sheet": {"type": "object", "additionalProperties": False, "properties": {
            "name": {"type": "string"}, "index": {"type": "integer", "minimum": 1},
            # several tabs of the same kind, read and reconciled together (duplicates across tabs)
            "names": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "uniqueItems": True},
            "header_row": {"type": "integer", "minimum": 1},
            "footer": {"enum": ["auto", "keep"]},
            "encoding": {"type": "string"}, "delimiter": {"enum": [",", ";", "\t", "|"]},
        }},
        "options": {"type": "object", "additionalProperties": False, "properties": {
            "date_order": {"enum": ["dmy", "mdy", "ymd"]},
            "language": {"type": "string", "pattern": "^[a-z]{2,3}(-[a-z0-9]+)*$"},
            "phone_country": {"type": "string", "pattern": "^[1-9][0-9]{0,2}$"},
            "blank": {"type": "array", "items": {"type": "string"}},
        }},
        "entity": {"type": "object", "required": ["label"], "additionalProperties": False, "properties": {
            "label": {"oneOf": [_text_spec, {"type": "array", "items": _text_spec, "minItems": 1}]},
            "description": {"type": "object", "propertyNames": {"pattern": "^[a-z]{2,3}(-[a-z0-9]+)*$"},
                            "additionalProperties": {"type": "string"}},
            "aliases": {"type": "array", "items": _text_spec},
            "instance_of": {"type": "array", "items": {"type": "string", "pattern": QID}},
            "match": _entity_match,
            "focus_list": {"oneOf": [{"type": "string", "pattern": QID}, {"type": "boolean"}]},
            # The column naming each row's item (« QID »): such rows are that item, never reconciled by name.
            "id": {"oneOf": [{"type": "string", "minLength": 1},
                             {"type": "object", "required": ["column"], "additionalProperties": False,
                              "properties": {"column": {"type": "string", "minLength": 1}}}]},
        }},
        "columns": {"type": "object", "additionalProperties": _column_or_list},
        "derived": {"type": "object", "additionalProperties": _derived},
        "coordinates": {"type": "array", "items": {
            "type": "object", "required": ["property", "latitude", "longitude"], "additionalProperties": False,
            "properties": {"property": {"type": "string", "pattern": PID}, "latitude": {"type": "string"},
                           "longitude": {"type": "string"}, "bounds": _bounds_schema, "references": _references}}},
        "references": {"type": "array", "items": _snak_map},
        "regions": {"type": "object", "minProperties": 1, "additionalProperties": {
            **_bounds_schema, "required": ["latitude", "longitude"]}},
    },
}


@dataclass(frozen=True)
class TextSpec:
    column: str
    language: str
    split: tuple[str, ...] = ()


@dataclass(frozen=True)
class DerivedColumn:
    """A column computed from the row's other cells (``derived:`` in the mapping, or a label's
    ``template``): a template joining columns, or the part of another column a pattern extracts."""

    name: str
    template: str | None = None
    source: str | None = None  # extract: the column read
    pattern: str | None = None  # extract: the regular expression (case-insensitive)
    on_no_match: str = "error"

    def sources(self) -> list[str]:
        return _placeholders(self.template) if self.template is not None else [self.source or ""]


@dataclass(frozen=True)
class ValueTarget:
    item: str | None  # None: the word is known and means "no statement"
    property: str | None = None  # overrides the column's property for this word


@dataclass(frozen=True)
class ColumnSpec:
    column: str
    use: str  # statement | instance_of | ignore
    property: str | None = None
    datatype: str | None = None
    values: Mapping[str, ValueTarget] = field(default_factory=dict)  # vocab_key(word) → target
    on_unknown: str = "error"
    item: tuple[tuple[str, ...], tuple[str, ...]] | None = None  # (types, within): reconcile the text
    split: tuple[str, ...] = ()
    parse: str | None = None
    language: str | None = None
    unit: str | None = None
    unit_words: tuple[str, ...] = ()
    bounds: Mapping[str, tuple[float, float]] | None = None
    qualifiers: Mapping[str, Any] = field(default_factory=dict)
    references: tuple[Mapping[str, Any], ...] | None = None  # None: the sheet's references
    required: bool = False
    required_for_creation: bool | None = None  # None: the default (P131: held when given but unresolved)
    circa: bool = False  # time: « vers 1925 » read as 1925 with the qualifier P1480 = circa
    rank: str = "normal"
    scopes: tuple[str, ...] = ()  # use: region — the item columns it scopes (default: the P131 columns)
    schemes: tuple[tuple[str, str], ...] = ()  # (word, property): a column holding several identifier schemes


# Columns that are hints for reconciliation, never statements: their words map to items (``values``).
HINT_USES = ("instance_of", "region", "category")


@dataclass(frozen=True)
class CoordinateSpec:
    property: str
    latitude: str
    longitude: str
    bounds: Mapping[str, tuple[float, float]] | None = None
    references: tuple[Mapping[str, Any], ...] | None = None


@dataclass(frozen=True)
class SheetMapping:
    path: str
    labels: tuple[TextSpec, ...]
    columns: tuple[ColumnSpec, ...]
    descriptions: Mapping[str, str] = field(default_factory=dict)
    aliases: tuple[TextSpec, ...] = ()
    instance_of: tuple[str, ...] = ()
    match_types: tuple[str, ...] = ()
    match_within: tuple[str, ...] = ()
    match_name_alone: str = ""  # entity.match.name_alone: "review" | "match" | "" (the class's default)
    focus_list: str | bool | None = None
    coordinates: tuple[CoordinateSpec, ...] = ()
    references: tuple[Mapping[str, Any], ...] = ()
    sheet_name: str | None = None
    sheet_index: int | None = None
    header_row: int | None = None
    footer: str = "auto"
    encoding: str | None = None
    delimiter: str | None = None
    date_order: str = "dmy"
    language: str = "fr"
    phone_country: str = "1"
    blank: tuple[str, ...] = ()
    regions: Mapping[str, Mapping[str, tuple[float, float]]] = field(default_factory=dict)  # name → box
    lines: Mapping[tuple[str, ...], int] = field(default_factory=dict, compare=False, repr=False)
    # ``entity.id``: the column whose QID says which item a row is (optional in the sheet; empty cells
    # are reconciled by name). ``pull`` writes it; see docs/mappings.md.
    id_column: str | None = None
    derived: tuple[DerivedColumn, ...] = ()  # in the order they are computed
    sheet_names: tuple[str, ...] = ()  # sheet.names: several tabs of the same kind, mapped together

    def line_of(self, *path: str) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def where(self, *path: str) -> str:
        line = self.line_of(*path)
        return f"{self.path}:{line}" if line else self.path

    def used_columns(self) -> list[str]:
        cols = [t.column for t in (*self.labels, *self.aliases)]
        cols += [c.column for c in self.columns if c.use != "ignore"]
        cols += [c for s in self.coordinates for c in (s.latitude, s.longitude)]
        cols += [str(v["column"]) for ref in self._all_refs() for v in ref.values() if isinstance(v, Mapping)]
        cols += [str(v["column"]) for c in self.columns for v in c.qualifiers.values() if isinstance(v, Mapping)]
        cols += [name for tpl in self.descriptions.values() for name in _placeholders(tpl)]
        cols += [name for d in self.derived for name in d.sources()]
        derived = {d.name for d in self.derived}  # computed, not read from the sheet
        return [c for c in dict.fromkeys(cols) if c not in derived]

    def _all_refs(self) -> Iterator[Mapping[str, Any]]:
        yield from self.references
        for c in self.columns:
            yield from c.references or ()
        for s in self.coordinates:
            yield from s.references or ()

    def property_ids(self) -> list[str]:
        ids = [c.property for c in self.columns if c.property and c.use == "statement"]
        ids += [pid for c in self.columns for _, pid in c.schemes]
        ids += [t.property for c in self.columns for t in c.values.values() if t.property]
        ids += [s.property for s in self.coordinates]
        ids += [p for c in self.columns for p in c.qualifiers]
        ids += [p for ref in self._all_refs() for p in ref]
        ids += [SOURCING_CIRCUMSTANCES] if any(c.circa for c in self.columns) else []
        return list(dict.fromkeys(ids))

    def creation_requires(self) -> tuple[str, ...]:
        """Properties a NEW item must get, else it is held for review (never half an item): the columns
        marked ``required_for_creation: true`` (their cell empty or unresolved holds the creation)."""
        return tuple(dict.fromkeys(c.property for c in self.columns if c.property and c.use == "statement"
                                   and c.required_for_creation))

    def holds_unresolved_place(self) -> bool:
        """By default a creation whose place cell (P131) is given but unresolved is held; a P131 column
        marked ``required_for_creation: false`` turns that off."""
        return not any(c.property == PLACE_PROPERTY and c.required_for_creation is False for c in self.columns)

    def item_ids(self) -> list[str]:
        ids = list(self.instance_of) + list(self.match_types) + list(self.match_within)
        for c in self.columns:
            ids += [t.item for t in c.values.values() if t.item]
            if c.item:
                ids += [*c.item[0], *c.item[1]]
        if isinstance(self.focus_list, str):
            ids.append(self.focus_list)
        return list(dict.fromkeys(ids))


def _placeholders(template: str) -> list[str]:
    """The columns a template names (« {de Municipalité} » names Municipalité); none when the template
    is malformed (``check_mapping`` reports it)."""
    import string

    try:
        return [split_placeholder(name)[1] for _, name, _, _ in string.Formatter().parse(template) if name]
    except ValueError:
        return []


# --------------------------------------------------------------------------------------------- loading


def _line_map(node: yaml.Node, path: tuple[str, ...], out: dict[tuple[str, ...], int], file: str) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            k = str(key.value)
            if k in seen:
                raise MappingError(f"{file}:{key.start_mark.line + 1} : clé « {k} » en double (déjà ligne "
                                   f"{seen[k]}) / duplicate key.", "Gardez une seule entrée par colonne.")
            seen[k] = key.start_mark.line + 1
            _line_map(value, (*path, k), out, file)
            out[(*path, k)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, (*path, str(i)), out, file)


def _text_specs(raw: Any, default_lang: str) -> tuple[TextSpec, ...]:
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for spec in items:
        split = spec.get("split", ())
        out.append(TextSpec(spec.get("column", spec.get("template", "")), spec.get("language", default_lang),
                            (split,) if isinstance(split, str) else tuple(split)))
    return tuple(out)


def _bounds(raw: Mapping[str, Any] | None) -> Mapping[str, tuple[float, float]] | None:
    if not raw:
        return None
    return {k: (float(min(v)), float(max(v))) for k, v in raw.items()}


def _regions(raw: Mapping[str, Any] | None) -> dict[str, Mapping[str, tuple[float, float]]]:
    """The WikiProject's regions as boxes (the schema requires latitude and longitude in each)."""
    return {str(name): _bounds(box) or {} for name, box in (raw or {}).items()}


def load_mapping(path: str | Path) -> SheetMapping:
    """Read and check a mapping file; every error names the YAML line."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MappingError(f"Mapping introuvable / mapping not found : {name}.",
                           "Vérifiez le chemin (ex. mappings/organismes-culturels.yaml).") from None
    except UnicodeDecodeError:
        raise MappingError(f"{name} : le mapping doit être en UTF-8 / mapping must be UTF-8.") from None
    return parse_mapping(text, name)


def parse_mapping(text: str, name: str = "<mapping>") -> SheetMapping:
    node, data = _load_yaml(text, name)
    lines: dict[tuple[str, ...], int] = {}
    _line_map(node, (), lines, name)
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data),
                    key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        msgs = [_schema_message(err, name, lines) for err in errors[:10]]
        raise MappingError("Mapping invalide / invalid mapping :\n  " + "\n  ".join(msgs),
                           "Voir docs/mappings.md (schéma et exemples complets).")
    return _build(data, name, lines)


def _load_yaml(text: str, name: str) -> tuple[yaml.Node, dict[str, Any]]:
    """The YAML node tree (for line numbers) and the data; a syntax error names its line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark else ""
        ctx = exc.context_mark
        opened = f" ; ouvert ligne / opened at line {ctx.line + 1}" if ctx and mark and ctx.line != mark.line else ""
        raise MappingError(f"{name}{line} : YAML invalide / invalid YAML ({exc.problem}{opened}).",
                           "Vérifiez l'indentation et les guillemets autour des textes contenant « : ».") from None
    if node is None or not isinstance(data, dict):
        raise MappingError(f"{name} : le mapping est vide ou n'est pas un dictionnaire / empty mapping.",
                           "Voir docs/mappings.md pour un exemple complet.")
    return node, data


def _schema_message(err: jsonschema.ValidationError, name: str, lines: Mapping[tuple[str, ...], int]) -> str:
    """One schema error as « file:line (path) : explanation », at the nearest line known."""
    p = tuple(str(x) for x in err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        extra = [k for k in err.instance if k not in _schema_properties(err)]
        p = (*p, str(extra[0])) if extra else p  # point at the unexpected key itself
    lineno = None
    q = p
    while q and lineno is None:
        lineno = lines.get(q)
        q = q[:-1]
    return f"{name}:{lineno or 1} ({'/'.join(p) or 'racine'}) : {_explain(err)}"


def _schema_properties(err: jsonschema.ValidationError) -> Mapping[str, Any]:
    """The ``properties`` of the schema node that failed (jsonschema also allows boolean schemas)."""
    return (err.schema.get("properties") or {}) if isinstance(err.schema, Mapping) else {}


def _explain(err: jsonschema.ValidationError) -> str:
    if tuple(str(p) for p in err.absolute_path) == ("entity", "id"):
        return "entity.id attend le nom d'une colonne / expects a column name (ex. id: QID, ou id: {column: QID})"
    if err.validator == "additionalProperties":
        allowed = sorted(_schema_properties(err).keys())
        return f"{err.message}. Clés permises / allowed keys : {', '.join(allowed)}"
    if err.validator == "oneOf" and isinstance(err.instance, str):
        return f"« {err.instance} » n'est pas une valeur permise ici (QID attendu, ex. Q123 ?)"
    if err.validator == "pattern":
        return f"« {err.instance} » ne respecte pas le format attendu ({err.validator_value})"
    return err.message


def _value_map(col: str, spec: Mapping[str, Any], name: str, lines: Mapping[tuple[str, ...], int]
               ) -> dict[str, ValueTarget]:
    """A column's ``values`` (word → item, or item and property), keyed by the folded word."""
    values: dict[str, ValueTarget] = {}
    for word, target in (spec.get("values") or {}).items():
        key = vocab_key(str(word))
        tgt = ValueTarget(target.get("item"), target.get("property")) if isinstance(target, dict) \
            else ValueTarget(target)
        if key in values and values[key] != tgt:
            raise MappingError(f"{name}:{lines.get(('columns', col, 'values', str(word)), 1)} : « {word} » "
                               "a déjà une autre valeur (même mot aux accents/majuscules près) / "
                               "conflicting value map entries.", "Gardez une seule entrée.")
        values[key] = tgt
    return values


def _check_column_keys(col: str, spec: Mapping[str, Any], use: str, name: str,
                       lines: Mapping[tuple[str, ...], int]) -> None:
    """The keys a column's ``use`` needs or refuses (the schema cannot say it at the YAML line)."""
    if "schemes" in spec and ("property" in spec or use != "statement"):
        raise MappingError(f"{name}:{lines.get(('columns', col, 'schemes'), 1)} : schemes donne les propriétés "
                           "de la colonne : ni property ni use à côté / schemes replaces property.",
                           "Ex. Identifiants: {split: \";\", schemes: {ISNI: P213, VIAF: P214}}")
    if use == "statement" and "property" not in spec and "schemes" not in spec:
        raise MappingError(f"{name}:{lines.get(('columns', col), 1)} : colonne « {col} » sans property / "
                           "column without property.",
                           "Ajoutez property: P… ou use: ignore (ou use: instance_of avec values).")
    if use in HINT_USES and not spec.get("values"):
        example = "{Abitibi-Témiscamingue: Q900126}" if use == "region" else "{Musée: Q33506}"
        raise MappingError(f"{name}:{lines.get(('columns', col), 1)} : use: {use} demande values "
                           f"(mot → élément) / needs values.", f"Ex. values: {example}")
    if "scopes" in spec and use != "region":
        raise MappingError(f"{name}:{lines.get(('columns', col, 'scopes'), 1)} : scopes ne va qu'avec use: region "
                           "/ scopes is for region columns only.", "Retirez scopes, ou mettez use: region.")


def _column_spec(col: str, spec: Mapping[str, Any], name: str, lines: Mapping[tuple[str, ...], int]
                 ) -> ColumnSpec:
    use = spec.get("use", "statement" if "property" in spec or "schemes" in spec else "ignore")
    _check_column_keys(col, spec, use, name, lines)
    values = _value_map(col, spec, name, lines)
    item = spec.get("item")
    split = spec.get("split", ())
    refs = spec.get("references")
    scopes = spec.get("scopes", ())
    # an unknown word in a hint column leaves the row without the hint (a warning), unless told otherwise
    on_unknown = spec.get("on_unknown", "warn" if use in ("region", "category") else "error")
    return ColumnSpec(
        col, use, spec.get("property"), spec.get("datatype"), values, on_unknown,
        None if item is None else (tuple(item.get("types", ())), tuple(item.get("within", ()))),
        (split,) if isinstance(split, str) else tuple(split), spec.get("parse"), spec.get("language"),
        spec.get("unit"), tuple(spec.get("unit_words", ())), _bounds(spec.get("bounds")),
        dict(spec.get("qualifiers") or {}),
        None if refs is None else (() if refs is False else tuple(refs)),
        bool(spec.get("required", False)), spec.get("required_for_creation"), bool(spec.get("circa", False)),
        spec.get("rank", "normal"), (scopes,) if isinstance(scopes, str) else tuple(scopes),
        tuple((str(word), str(pid)) for word, pid in (spec.get("schemes") or {}).items()))


def _build(data: Mapping[str, Any], name: str, lines: dict[tuple[str, ...], int]) -> SheetMapping:
    opts = data.get("options") or {}
    lang = opts.get("language", "fr")
    ent = data["entity"]
    sheet = data.get("sheet") or {}
    columns = [_column_spec(str(col), one, name, lines) for col, spec in (data.get("columns") or {}).items()
               for one in (spec if isinstance(spec, list) else [spec])]
    coords = []
    for spec in data.get("coordinates") or ():
        refs = spec.get("references")
        coords.append(CoordinateSpec(spec["property"], spec["latitude"], spec["longitude"],
                                     _bounds(spec.get("bounds")),
                                     None if refs is None else (() if refs is False else tuple(refs))))
    match = ent.get("match") or {}
    return SheetMapping(
        name, _text_specs(ent["label"], lang), tuple(columns), dict(ent.get("description") or {}),
        _text_specs(ent.get("aliases") or [], lang), tuple(ent.get("instance_of", ())),
        tuple(match.get("types", ())), tuple(match.get("within", ())), str(match.get("name_alone") or ""),
        ent.get("focus_list"), tuple(coords),
        tuple(data.get("references") or ()), sheet.get("name"), sheet.get("index"), sheet.get("header_row"),
        sheet.get("footer", "auto"), sheet.get("encoding"), sheet.get("delimiter"),
        opts.get("date_order", "dmy"), lang, str(opts.get("phone_country", "1")),
        tuple(opts.get("blank", ())), _regions(data.get("regions")), lines,
        id_column=_id_column(ent.get("id"), name, lines), derived=_derived_columns(data),
        sheet_names=_sheet_names(sheet, name, lines))


def _sheet_names(sheet: Mapping[str, Any], name: str, lines: Mapping[tuple[str, ...], int]) -> tuple[str, ...]:
    """``sheet.names``: the tabs to read together (not with ``name`` or ``index``, which pick one)."""
    names = tuple(str(n) for n in sheet.get("names") or ())
    if names and ("name" in sheet or "index" in sheet):
        raise MappingError(f"{name}:{lines.get(('sheet', 'names'), 1)} : sheet.names (plusieurs onglets) ne va pas "
                           "avec name ou index (un onglet) / names excludes name and index.",
                           "Gardez names: [Salles, Autres lieux] seul, ou name: Salles seul.")
    return names


def _derived_columns(data: Mapping[str, Any]) -> tuple[DerivedColumn, ...]:
    """``derived:`` in order, then the labels' and aliases' templates (each its own derived column,
    named by the template's text)."""
    out: dict[str, DerivedColumn] = {}
    for col, spec in (data.get("derived") or {}).items():
        ext = spec.get("extract")
        out[str(col)] = (DerivedColumn(str(col), template=spec["template"]) if ext is None else
                         DerivedColumn(str(col), source=ext["column"], pattern=ext["pattern"],
                                       on_no_match=ext.get("on_no_match", "error")))
    ent = data["entity"]
    label = ent["label"]
    for spec in [*(label if isinstance(label, list) else [label]), *(ent.get("aliases") or ())]:
        template = spec.get("template")
        if template is not None and template not in out:
            out[template] = DerivedColumn(template, template=template)
    return tuple(out.values())


def _id_column(raw: Any, name: str, lines: Mapping[tuple[str, ...], int]) -> str | None:
    """``entity.id: QID`` or ``entity.id: {column: QID}`` → the column's name."""
    if raw is None:
        return None
    column = str(raw["column"] if isinstance(raw, Mapping) else raw).strip()
    if not column:
        raise MappingError(f"{name}:{lines.get(('entity', 'id'), 1)} : entity.id ne nomme aucune colonne / names "
                           "no column.", "Ex. entity: {id: QID} — la colonne des identifiants d'éléments.")
    return column


# --------------------------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class MappingProblem:
    where: str  # "file.yaml:12"
    message: str
    hint: str | None = None


_NEEDS = {"values": "wikibase-item", "item": "wikibase-item", "unit": "quantity", "unit_words": "quantity",
          "language": "monolingualtext", "bounds": "globe-coordinate", "circa": "time"}
_PARSE_DATATYPE = {"email": "url", "phone": "string"}


def datatype_of(mapping: SheetMapping, spec: ColumnSpec, catalog: PropertyCatalog) -> str | None:
    info = catalog.get(spec.property or "")
    return info.datatype if info else spec.datatype


def check_mapping(mapping: SheetMapping, catalog: PropertyCatalog) -> list[MappingProblem]:
    """Everything wrong with a mapping for this site (empty list: fine): first what is wrong whatever
    the site and the rows (:func:`structure_problems`), then the site's properties and items."""
    checker = _MappingChecker(mapping, catalog)
    checker.problems += structure_problems(mapping)
    for spec in mapping.columns:
        if spec.use != "ignore":
            checker.column(spec)
    for i, cs in enumerate(mapping.coordinates):
        dt = checker.prop(cs.property, "coordinates", str(i), "property")
        if dt and dt != "globe-coordinate":
            checker.problems.append(MappingProblem(
                mapping.where("coordinates", str(i)), f"{cs.property} n'est pas une propriété de coordonnées / "
                "not a globe-coordinate property.", "Ex. P625."))
    for i, ref in enumerate(mapping.references):
        for rp in ref:
            checker.prop(rp, "references", str(i), rp)
    for qid in mapping.item_ids():
        if catalog.has_item(qid) is False:
            checker.problems.append(MappingProblem(mapping.where(*_find_value(mapping, qid)),
                                                   f"{qid} n'existe pas sur {catalog.site} / no such item.",
                                                   "Corrigez le QID."))
    return checker.problems


_BARE_PREPOSITION = re.compile(r"(?:^|\s)(de|à)\s+\{([^{}]+)\}")


def template_advice(mapping: SheetMapping) -> list[MappingProblem]:
    """Advice, not errors: a French template that writes « de {Municipalité} » or « à {Municipalité} »
    gets « de Amos », « à Le Bic »; « {de Municipalité} » gets « d'Amos », « au Bic » (french.py)."""
    out = []
    for language, template in mapping.descriptions.items():
        if language != "fr":
            continue
        for m in _BARE_PREPOSITION.finditer(template):
            word, field_name = m.group(1), m.group(2)
            if split_placeholder(field_name)[0]:
                continue
            examples = "« d'Amos », « du Bic »" if word == "de" else "« à Amos », « au Bic »"
            out.append(MappingProblem(
                mapping.where("entity", "description", language),
                f"« {word} {{{field_name}}} » donnera « {word} Amos », « {word} Le Bic » / no elision or "
                "contraction.",
                f"Écrivez « {{{word} {field_name}}} » : {examples}, « {word} La Sarre » (docs/mappings.md)."))
    return out


class _MappingChecker:
    """Collects the problems of one mapping against one site's property catalogue."""

    def __init__(self, mapping: SheetMapping, catalog: PropertyCatalog) -> None:
        self.mapping = mapping
        self.catalog = catalog
        self.problems: list[MappingProblem] = []

    def prop(self, pid: str, *path: str, datatype: str | None = None) -> str | None:
        """The datatype of property ``pid`` on the site (the mapping's own ``datatype`` when the site
        does not know it); an unknown property, an unsupported or mismatched datatype is a problem."""
        info = self.catalog.get(pid)
        where = self.mapping.where(*path)
        if info is None:
            near = difflib.get_close_matches(pid, list(self.catalog.properties), n=3)
            hint = (f"Vérifiez le numéro{' (proches : ' + ', '.join(near) + ')' if near else ''}."
                    if self.catalog.properties else "Lancez « wikiclub mapping check --site » une fois "
                    "connecté, pour remplir le cache des propriétés.")
            self.problems.append(MappingProblem(where, f"propriété {pid} inconnue sur {self.catalog.site} "
                                                f"/ unknown property.", hint))
            return datatype
        if info.datatype not in KNOWN_DATATYPES:
            self.problems.append(MappingProblem(where, f"{pid} : type de données {info.datatype} non "
                                                "pris en charge / unsupported datatype.", "Retirez cette colonne."))
        if datatype and datatype != info.datatype:
            self.problems.append(MappingProblem(where, f"{pid} : datatype {datatype} dans le mapping, "
                                                f"{info.datatype} sur le site / datatype mismatch.",
                                                f"Mettez datatype: {info.datatype} ou retirez la clé."))
        return info.datatype

    def column_datatype(self, spec: ColumnSpec) -> str | None:
        """The datatype a column's cells have (its property's; a schemes column's are identifiers)."""
        base = ("columns", spec.column)
        if spec.schemes:
            for word, pid in spec.schemes:
                found = self.prop(pid, *base, "schemes", word)
                if found and found not in ("external-id", "string"):
                    self.problems.append(MappingProblem(
                        self.mapping.where(*base, "schemes", word), f"schemes : {pid} est de type {found} ; un "
                        "schéma d'identifiant attend external-id / an identifier property is expected.",
                        "Ex. ISNI: P213, VIAF: P214."))
            return "external-id"
        if spec.use in HINT_USES and not spec.property:
            return "wikibase-item"
        return self.prop(spec.property or "", *base, "property", datatype=spec.datatype)

    def column(self, spec: ColumnSpec) -> None:
        """A column's property, the keys that need another datatype, its values', qualifiers' and
        references' properties."""
        base = ("columns", spec.column)
        if spec.use in ("region", "category"):
            self.problems += _hint_problems(self.mapping, spec)
        dt = self.column_datatype(spec)
        for key, needed in _NEEDS.items():
            if getattr(spec, key) and dt and dt != needed and spec.use == "statement":
                self.problems.append(MappingProblem(
                    self.mapping.where(*base, key), f"« {key} » ne s'applique qu'au type {needed}, pas à "
                    f"{spec.property} ({dt}) / not for this datatype.", f"Retirez {key}."))
        if spec.parse and dt and dt != _PARSE_DATATYPE[spec.parse]:
            self.problems.append(MappingProblem(
                self.mapping.where(*base, "parse"), f"parse: {spec.parse} attend une propriété de type "
                f"{_PARSE_DATATYPE[spec.parse]} ({spec.property} est {dt}).",
                "Ex. P968 pour un courriel, P1329 pour un téléphone."))
        for tgt in spec.values.values():
            if tgt.property:
                self.prop(tgt.property, *base, "values")
        for qp in spec.qualifiers:
            self.prop(qp, *base, "qualifiers", qp)
        for i, ref in enumerate(spec.references or ()):
            for rp in ref:
                self.prop(rp, *base, "references", str(i), rp)


def scoped_columns(mapping: SheetMapping, spec: ColumnSpec) -> tuple[str, ...]:
    """The item columns a region column scopes: its ``scopes``, else the columns of P131 to reconcile."""
    return spec.scopes or tuple(dict.fromkeys(c.column for c in mapping.columns
                                              if c.property == PLACE_PROPERTY and c.item is not None))


def _hint_problems(mapping: SheetMapping, spec: ColumnSpec) -> list[MappingProblem]:
    """A hint column must not carry a property (it is never a statement); a region column must scope
    item columns to reconcile."""
    out = []
    if spec.property:
        out.append(MappingProblem(mapping.where("columns", spec.column, "property"), f"use: {spec.use} n'est "
                                  "jamais une déclaration : property ne s'y applique pas / a hint has no property.",
                                  "Retirez property, ou ajoutez une entrée de plus pour la déclaration (une liste "
                                  "sous le titre de la colonne)."))
    if spec.use != "region":
        return out
    reconciled = {c.column for c in mapping.columns if c.item is not None and c.use == "statement"}
    scoped = scoped_columns(mapping, spec)
    if not scoped:
        out.append(MappingProblem(mapping.where("columns", spec.column), "use: region ne limite aucune colonne : "
                                  "pas de colonne P131 à réconcilier / no place column to scope.",
                                  "Ajoutez scopes: [Municipalité] (une colonne avec item: à réconcilier)."))
    for name in scoped:
        if name not in reconciled:
            out.append(MappingProblem(mapping.where("columns", spec.column, "scopes"), f"scopes : « {name} » n'est "
                                      "pas une colonne d'éléments à réconcilier du mapping / not an item column.",
                                      "Nommez une colonne du mapping qui a item: {…}."))
    return out


def _find_value(mapping: SheetMapping, qid: str) -> Sequence[str]:
    for spec in mapping.columns:
        for tgt in spec.values.values():
            if tgt.item == qid:
                return ("columns", spec.column, "values")
        if spec.item and qid in (*spec.item[0], *spec.item[1]):
            return ("columns", spec.column, "item")
    return ("entity",)


# ------------------------------------------------------------------------- what fails on every row

_TEMPLATE_HINT = ("Un modèle nomme des colonnes entre accolades : « {Prénom} {Nom} » ; une accolade seule "
                  "s'écrit {{ ou }} / a template names columns in braces.")
_DERIVED_HINT = ("Pour joindre des colonnes : label: {template: \"{Prénom} {Nom}\"}, ou une colonne dérivée "
                 "(derived: {Nom complet: {template: \"{Prénom} {Nom}\"}}) puis « Nom complet » "
                 "(docs/mappings.md, « Colonnes dérivées »).")


def structure_problems(mapping: SheetMapping) -> list[MappingProblem]:
    """What would fail on every row whatever the sheet holds, found without the rows: malformed
    templates, a template where a column name is expected, a derived column used before it is
    computed, a pattern that does not compile."""
    out: list[MappingProblem] = []
    for language, template in mapping.descriptions.items():
        out += _template_problems(mapping, template, ("entity", "description", language), ())
    known: list[str] = []
    for d in mapping.derived:
        path = _derived_path(mapping, d)
        if d.template is not None:
            out += _template_problems(mapping, d.template, path, tuple(x.name for x in mapping.derived
                                                                        if x.name not in known))
        else:
            out += _pattern_problems(mapping, d, path)
        known.append(d.name)
    for path, column in _column_references(mapping):
        if "{" in column or "}" in column:
            out.append(MappingProblem(mapping.where(*path), f"« {column} » est un modèle, pas un nom de colonne "
                                      "/ a template where a column name is expected.", _DERIVED_HINT))
    return out


def _derived_path(mapping: SheetMapping, d: DerivedColumn) -> tuple[str, ...]:
    if ("derived", d.name) in mapping.lines:
        return ("derived", d.name, "template" if d.template is not None else "extract")
    return ("entity", "label") if any(t.column == d.name for t in mapping.labels) else ("entity", "aliases")


def _template_problems(mapping: SheetMapping, template: str, path: tuple[str, ...], later: tuple[str, ...]
                       ) -> list[MappingProblem]:
    """A template that cannot be filled: malformed braces, no column at all (for a derived column),
    a placeholder a row can never fill, a derived column named before it is computed."""
    import string

    where = mapping.where(*path)
    try:
        fields = [(name, conv, spec) for _, name, spec, conv in string.Formatter().parse(template)
                  if name is not None]
    except ValueError as exc:
        return [MappingProblem(where, f"modèle mal formé « {template} » ({exc}) / malformed template.",
                               _TEMPLATE_HINT)]
    out = []
    if not fields and (path[0] == "derived" or path[:2] in (("entity", "label"), ("entity", "aliases"))):
        out.append(MappingProblem(where, f"le modèle « {template} » ne nomme aucune colonne / names no "
                                  "column.", _TEMPLATE_HINT))
    for name, conv, spec in fields:
        column = split_placeholder(name)[1] if name else ""
        if not column.strip() or conv or spec or any(c in name for c in ".[]"):
            out.append(MappingProblem(where, f"« {{{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}}} »"
                                      f" ne nomme pas une colonne que le modèle peut remplir / cannot be filled.",
                                      "Écrivez le nom exact de la colonne entre accolades, sans « . », « [ », "
                                      "« ! » ni « : » (renommez la colonne au besoin) / a plain column name."))
        elif column in later:
            out.append(MappingProblem(where, f"« {column} » est une colonne dérivée calculée plus bas (ou "
                                      "celle-ci même) / a derived column defined later.",
                                      "Placez-la plus haut dans derived: (les colonnes dérivées sont calculées "
                                      "dans l'ordre) / move it above."))
    return out


def _pattern_problems(mapping: SheetMapping, d: DerivedColumn, path: tuple[str, ...]) -> list[MappingProblem]:
    try:
        compiled = re.compile(d.pattern or "", re.IGNORECASE)
    except re.error as exc:
        return [MappingProblem(mapping.where(*path, "pattern"), f"motif invalide « {d.pattern} » ({exc}) / "
                               "invalid regular expression.",
                               "Vérifiez les parenthèses et les caractères spéciaux ( ) [ ] . * + ? \\ ; "
                               "la partie gardée s'écrit (?P<value>…) / the kept part is (?P<value>…).")]
    if compiled.groups > 1 and "value" not in compiled.groupindex:
        return [MappingProblem(mapping.where(*path, "pattern"), f"le motif « {d.pattern} » a plusieurs "
                               "groupes ; lequel garder ? / several groups, which one to keep?",
                               "Nommez la partie gardée (?P<value>…), les autres (?:…) / name the kept part.")]
    return []


def _column_references(mapping: SheetMapping) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every place the mapping names a sheet column, with its YAML path."""
    derived = {d.name for d in mapping.derived}
    for key, specs in (("label", mapping.labels), ("aliases", mapping.aliases)):
        for t in specs:
            if t.column not in derived:
                yield ("entity", key), t.column
    for c in mapping.columns:
        yield ("columns", c.column), c.column
        for qp, v in c.qualifiers.items():
            if isinstance(v, Mapping):
                yield ("columns", c.column, "qualifiers", qp), str(v.get("column"))
    for i, cs in enumerate(mapping.coordinates):
        yield ("coordinates", str(i)), cs.latitude
        yield ("coordinates", str(i)), cs.longitude
    for ref in mapping._all_refs():
        for v in ref.values():
            if isinstance(v, Mapping):
                yield ("references",), str(v.get("column"))
    if mapping.id_column:
        yield ("entity", "id"), mapping.id_column
    for d in mapping.derived:
        if d.source is not None:
            yield ("derived", d.name, "extract", "column"), d.source
