"""apply_mapping: spreadsheet rows → :class:`~wikiclub.model.MappedRow` (what each row means on the wiki).

Every cell problem becomes an :class:`~wikiclub.model.Issue` located at file, sheet, row, column and
value; nothing raises for bad data.

Speed matters (``validate`` on a 100,000-row sheet): what depends only on the mapping and the site
(sheet titles, datatypes, parse options, compiled qualifier and reference specs) is worked out once per
sheet, not per cell. Parse results are cached per (column, text) — sheets repeat the same municipality or
type hundreds of times — and per (parser, text), so a website column and its reference URL parse each
text once. Caches are bounded: a column of distinct values empties its cache now and then instead of
growing it for ever. :class:`RowMapper` maps one row at a time, so a caller that only wants the issues
need not keep every row.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from ..errors import ValueParseError
from ..french import split_placeholder, with_preposition
from ..model import (
    MAX_TERM,
    DescriptionDraft,
    Issue,
    ItemRef,
    ItemSlot,
    ItemValue,
    MappedRow,
    MatchHints,
    Reference,
    Row,
    Snak,
    SourceRef,
    StatementDraft,
    TimeValue,
)
from .datatypes import (
    Note,
    Parsed,
    ParseOptions,
    Parser,
    coordinate_value,
    parse_degree,
    parse_item,
    parse_key,
    parser_for,
    split_cell,
    vocab_key,
)
from .mapping import (
    CIRCA,
    SOURCING_CIRCUMSTANCES,
    ColumnSpec,
    DerivedColumn,
    SheetMapping,
    datatype_of,
    scoped_columns,
)
from .plausible import DEATH, check_row
from .properties import PropertyCatalog
from .read import CELL_COUNT, Sheet, gc_paused, normalize_key
from .templates import fill_parts, template_parts

MAX_LABEL = MAX_TERM  # Wikibase's default limit for labels, descriptions and aliases


@dataclass(frozen=True)
class MapResult:
    rows: tuple[MappedRow, ...]
    issues: tuple[Issue, ...]  # sheet-level issues (missing columns, duplicate titles, notes skipped)

    @property
    def all_issues(self) -> list[Issue]:
        return [*self.issues, *(i for r in self.rows for i in r.issues)]


def resolve_columns(sheet: Sheet, mapping: SheetMapping) -> tuple[dict[str, str], list[Issue]]:
    """Match the mapping's column names to the sheet's titles (case/accents/spaces-insensitively)."""
    by_key = {normalize_key(c): c for c in sheet.columns}
    found: dict[str, str] = {}
    issues: list[Issue] = []
    dup_keys = {normalize_key(d) for d in sheet.duplicate_columns}
    for name in mapping.used_columns():
        actual = sheet.columns[sheet.columns.index(name)] if name in sheet.columns else by_key.get(normalize_key(name))
        if actual is None:
            near = difflib.get_close_matches(name, list(sheet.columns), n=2, cutoff=0.5)
            issues.append(Issue("error", "missing-column", f"Colonne « {name} » absente du tableur / column not "
                                "in the sheet.", SourceRef(sheet.file, sheet.sheet, sheet.header_row, name), name,
                                (f"Voulez-vous dire « {near[0]} » ? " if near else "")
                                + f"Colonnes lues (ligne {sheet.header_row}) : {', '.join(sheet.columns)}. "
                                f"Corrigez le nom dans {mapping.where('columns', name)}."))
            continue
        if normalize_key(name) in dup_keys:
            issues.append(Issue("error", "duplicate-column", f"Le mapping utilise « {name} », titre présent "
                                "deux fois dans le tableur / the mapped title appears twice.",
                                SourceRef(sheet.file, sheet.sheet, sheet.header_row, name), name,
                                "Renommez l'une des deux colonnes."))
        found[name] = actual
    return found, issues


class RowMapper:
    """Maps the rows of one sheet, one at a time; ``issues`` are the sheet-level ones.

    ``apply_mapping`` keeps every :class:`MappedRow`; ``validate`` streams them and keeps only the issues.
    """

    def __init__(self, sheet: Sheet, mapping: SheetMapping, catalog: PropertyCatalog, *,
                 today: dt.date | None = None, focus_item: str | None = None,
                 allow_bad_checksums: bool = False) -> None:
        columns, issues = resolve_columns(sheet, mapping)
        columns.update(_id_title(sheet, mapping))
        columns.update({d.name: d.name for d in mapping.derived})  # computed per row (_derive)
        issues = [*sheet.issues, *issues, *_shadowed(sheet, mapping)]
        if not sheet.rows:
            issues.append(Issue("error", "no-data", "Aucune ligne de données sous l'en-tête / no data rows under "
                                "the header.", SourceRef(sheet.file, sheet.sheet, sheet.header_row), None,
                                "Vérifiez l'onglet et la ligne d'en-tête (sheet/header_row dans le mapping)."))
        self.sheet = sheet
        self._ctx = _Ctx(mapping, catalog, today or dt.date.today(), columns, sheet.row_issues,
                         allow_bad_checksums)
        self._focus = mapping.focus_list if isinstance(mapping.focus_list, str) else (
            focus_item if mapping.focus_list else None)
        if mapping.focus_list is True and not focus_item:
            issues.append(Issue("warning", "no-focus-item", "focus_list: true mais aucun élément de liste de "
                                "suivi configuré / no focus-list item configured.", SourceRef(mapping.path), None,
                                "Mettez le QID du WikiProjet dans focus_list ou dans wikiclub.toml."))
        self.issues = tuple(issues)

    def map_row(self, row: Row) -> MappedRow:
        return _map_row(row, self._ctx, self._focus)

    def __iter__(self) -> Iterator[MappedRow]:
        ctx, focus = self._ctx, self._focus
        for row in self.sheet.rows:
            yield _map_row(row, ctx, focus)


def apply_mapping(sheet: Sheet, mapping: SheetMapping, catalog: PropertyCatalog, *,
                  today: dt.date | None = None, focus_item: str | None = None,
                  allow_bad_checksums: bool = False) -> MapResult:
    mapper = RowMapper(sheet, mapping, catalog, today=today, focus_item=focus_item,
                       allow_bad_checksums=allow_bad_checksums)
    with gc_paused():
        return MapResult(tuple(mapper), mapper.issues)


# --------------------------------------------------------------------------------------------- context

_CACHE_LIMIT = 4096  # entries per cache; a full cache is emptied (its values were mostly distinct)
_MISS = object()

Cells = dict[str, str]  # one row: the sheet's title → cell text


@dataclass(frozen=True, slots=True)
class _SnakSpec:
    """A compiled qualifier/reference entry ({P854: {column: Site}} or {P813: today})."""

    property: str
    datatype: str
    column: str | None
    const: str | None
    parser: Parser
    opts: ParseOptions
    values: dict[str, Parsed | ValueParseError]  # the parser's shared cache


@dataclass(frozen=True, slots=True)
class _Column:
    """A mapped column present in the sheet, with what parsing its cells needs (worked out once)."""

    spec: ColumnSpec
    title: str  # the sheet's title for it
    cache: dict[str, Any]  # cell part → parse result (per column)
    datatype: str | None
    parser: Parser | None
    opts: ParseOptions | None
    values: dict[str, Parsed | ValueParseError]  # the parser's cache, shared with alike columns/references
    refs_key: int  # id() of the column's references override (the per-row memo key)
    snak_datatype: str  # the datatype of the column's own snaks
    schemes: tuple[tuple[str, _Column], ...] = ()  # identifier schemes: (folded word, the scheme's column)
    scheme_word: re.Pattern[str] | None = None  # a value's leading scheme word (« ISNI 0000… », « VIAF: 12 »)


def _detached(exc: ValueParseError) -> ValueParseError:
    """An error to keep in a cache: without its traceback and chained exceptions, whose frames would
    reach back to the caches (a reference cycle that keeps a whole sheet alive)."""
    exc.__traceback__ = None
    exc.__context__ = None
    exc.__cause__ = None
    return exc


@dataclass(frozen=True, slots=True)
class _Template:
    """A description template, compiled once per sheet.

    ``parts`` is None when every placeholder is a text column (``template.format``, as typed). When one
    names an item column the row gets a :class:`~wikiclub.model.DescriptionDraft` instead: the cell's
    text is no name to publish ("R-N", "Q900141"), the item's label is, once the item is known.
    ``parts``: ``("", literal)``, ``("text", "{field}")`` or ``("item", column)``, in order.
    """

    language: str
    template: str
    names: tuple[str, ...]  # the placeholders as written: « Municipalité », « de Municipalité »
    parts: tuple[tuple[str, str], ...] | None = None
    fields: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # placeholder → (preposition, column)

    def column(self, name: str) -> str:
        return self.fields.get(name, ("", name))[1]


@dataclass(frozen=True, slots=True)
class _Derived:
    """A derived column, compiled once: the template's parts (literal, preposition, column) or the pattern."""

    spec: DerivedColumn
    parts: tuple[tuple[str, str, str], ...] = ()
    pattern: re.Pattern[str] | None = None


def _compile_derived(d: DerivedColumn) -> _Derived:
    if d.template is None:
        return _Derived(d, pattern=re.compile(d.pattern or "", re.IGNORECASE))
    return _Derived(d, tuple(template_parts(d.template)))


@dataclass
class _Ctx:
    mapping: SheetMapping
    catalog: PropertyCatalog
    today: dt.date
    columns: dict[str, str]  # mapping's column name → the sheet's actual title
    read_issues: Mapping[int, tuple[Issue, ...]] = field(default_factory=dict)  # row number → reading problems
    allow_bad_checksums: bool = False  # a bad check digit is a warning, not an error
    blank: frozenset[str] = frozenset()  # vocab keys of cells that mean "empty"
    plans: tuple[_Column, ...] = ()  # the mapped columns present in the sheet, in mapping order
    descriptions: tuple[_Template, ...] = ()
    slot_titles: frozenset[str] = frozenset()  # sheet titles of the item columns templates name
    drafts: dict[tuple[int, tuple[str, ...]], DescriptionDraft] = field(default_factory=dict)  # per cell texts
    datatypes: dict[str, str] = field(default_factory=dict)
    options: dict[tuple[str | None, str], ParseOptions] = field(default_factory=dict)
    values: dict[tuple[object, ...], dict[str, Parsed | ValueParseError]] = field(default_factory=dict)
    snaks: dict[tuple[str, str], Snak | ValueParseError] = field(default_factory=dict)
    compiled: dict[int, tuple[Mapping[str, Any], tuple[_SnakSpec, ...]]] = field(default_factory=dict)
    today_snaks: dict[str, Snak] = field(default_factory=dict)
    match: dict[tuple[str, ...], MatchHints] = field(default_factory=dict)
    row_refs: dict[int, tuple[Reference, ...]] = field(default_factory=dict)  # per row: built once, shared
    death_column: bool = False  # the mapping maps a death date (P570): "born 130 years ago" is worth a look
    derived: tuple[_Derived, ...] = ()
    scoped: frozenset[str] = frozenset()  # the item columns a region column scopes

    def __post_init__(self) -> None:
        m = self.mapping
        self.derived = tuple(_compile_derived(d) for d in m.derived)
        self.scoped = frozenset(c for spec in m.columns if spec.use == "region" for c in scoped_columns(m, spec))
        self.blank = frozenset(vocab_key(b) for b in m.blank)
        plans = [self.plan(spec) for spec in m.columns if spec.use != "ignore" and spec.column in self.columns]
        self.plans = tuple(plans)
        item_titles = {p.title for p in plans if p.spec.use == "statement" and p.datatype == "wikibase-item"}
        self.descriptions = tuple(_template(lang, template, item_titles, self.columns)
                                  for lang, template in m.descriptions.items())
        self.slot_titles = frozenset(self.columns.get(t.column(name), t.column(name)) for t in self.descriptions
                                     if t.parts for kind, name in t.parts if kind == "item")
        self.death_column = any(p.spec.property == DEATH for p in plans)

    def plan(self, spec: ColumnSpec) -> _Column:
        """What parsing a column's cells needs, worked out once per sheet."""
        datatype = datatype_of(self.mapping, spec, self.catalog)
        parser = opts = None
        values: dict[str, Parsed | ValueParseError] = {}
        if datatype is not None and datatype != "wikibase-item" and spec.use == "statement":
            opts = _opts(self, spec, spec.property or "")
            parser = parser_for(datatype, spec.parse)
            values = self.value_cache(datatype, opts, spec.parse)
        schemes = tuple((vocab_key(word), self.plan(replace(spec, property=pid, schemes=(), split=())))
                        for word, pid in spec.schemes)
        words = "|".join(re.escape(word) for word, _ in sorted(spec.schemes, key=lambda s: -len(s[0])))
        scheme_word = re.compile(rf"\s*({words})(?![^\W\d_])\s*[:#=–-]?\s*(.+)", re.IGNORECASE) if words else None
        return _Column(spec, self.columns[spec.column], {}, datatype, parser, opts, values,
                       id(spec.references), _datatype(self, spec.property or "", spec), schemes, scheme_word)

    def value_cache(self, datatype: str, opts: ParseOptions, kind: str | None) -> dict[str, Parsed | ValueParseError]:
        return self.values.setdefault(parse_key(datatype, opts, kind), {})


def _shadowed(sheet: Sheet, mapping: SheetMapping) -> list[Issue]:
    """A derived column named like a column of the sheet: the derived value is used, the sheet's is not."""
    titles = {normalize_key(c): c for c in sheet.columns}
    return [Issue("warning", "derived-shadows-column", f"La colonne dérivée « {d.name} » remplace la colonne "
                  f"« {titles[normalize_key(d.name)]} » du tableur / the derived column hides the sheet's column.",
                  SourceRef(sheet.file, sheet.sheet, sheet.header_row, titles[normalize_key(d.name)]), d.name,
                  f"Renommez la colonne dérivée dans {mapping.where('derived', d.name)} si le tableur doit être lu.")
            for d in mapping.derived if normalize_key(d.name) in titles]


_ITEM_ID = re.compile(r"(?:^|[/:=])([Qq][1-9]\d*)$")


def _id_title(sheet: Sheet, mapping: SheetMapping) -> dict[str, str]:
    """The sheet's title of the mapping's id column, if the sheet has one (the column is optional)."""
    name = mapping.id_column
    if not name:
        return {}
    if name in sheet.columns:
        return {name: name}
    by_key = {normalize_key(c): c for c in sheet.columns}
    return {name: by_key[normalize_key(name)]} if normalize_key(name) in by_key else {}


def _item_id(cells: Cells, ctx: _Ctx, src: SourceRef, issues: list[Issue]) -> str | None:
    """The id column's QID (also read from an item URL or ``Item:Q1``); "" → None: found by name."""
    name = ctx.mapping.id_column
    if not name or name not in ctx.columns:
        return None
    text = _cell(cells, ctx, name).strip()
    if not text:
        return None
    found = _ITEM_ID.search(text)
    if found is None:
        issues.append(_issue(src, name, text, "bad-item-id", f"« {text} » n'est pas un identifiant d'élément / "
                             "is not an item id.", "Écrivez un QID (ex. Q42), ou videz la cellule pour que la "
                             "ligne soit cherchée par son nom / write a QID, or empty the cell."))
        return None
    return found.group(1).upper()


def _issue(src: SourceRef, column: str | None, value: str | None, problem: str, message: str,
           hint: str | None, severity: str = "error") -> Issue:
    return Issue(severity, problem, message, src.at(column), value, hint)  # type: ignore[arg-type]


def _cell(cells: Cells, ctx: _Ctx, column: str) -> str:
    text = cells.get(ctx.columns.get(column, column), "")
    if text and ctx.blank and vocab_key(text) in ctx.blank:
        return ""
    return text


def _map_row(row: Row, ctx: _Ctx, focus: str | None) -> MappedRow:
    m = ctx.mapping
    src = row.source
    read = ctx.read_issues.get(src.row or 0, ()) if ctx.read_issues else ()
    if any(i.problem == CELL_COUNT for i in read):
        # the cells are shifted (an unquoted separator): parsing them would only give wrong-column errors
        return MappedRow(src, (), (), (), (), m.instance_of, MatchHints(m.match_types, m.match_within), focus,
                         read, row.cells)
    cells = row.as_dict()
    issues: list[Issue] = list(read)
    derived = _derive(cells, ctx, src, issues) if ctx.derived else ()
    ctx.row_refs.clear()
    labels = _texts(cells, src, ctx, m.labels, issues, "label")
    if not labels:
        col = m.labels[0].column
        issues.append(_issue(src, col, "", "missing-label", "Nom manquant : la ligne n'a pas de libellé / "
                             "missing label.", f"Remplissez la colonne « {col} » ou supprimez la ligne."))
    aliases = _texts(cells, src, ctx, m.aliases, issues, "alias") if m.aliases else []
    statements: list[StatementDraft] = []
    spans: dict[str, tuple[int, int]] = {}  # sheet title → its statements (for item placeholders)
    hints = _column_statements(cells, src, ctx, issues, statements, spans)
    types = hints["instance_of"]
    if hints["region"]:
        _scope(statements, hints["region"], ctx)
    descriptions, drafts = _descriptions(cells, ctx, statements, spans)
    for cs in m.coordinates:
        st = _coordinates(cells, src, ctx, cs, issues)
        if st is not None:
            statements.append(st)
    if len(statements) > 1:
        _single_value_warnings(statements, src, ctx, issues)
    if statements:
        issues += check_row(statements, src, today=ctx.today, text=lambda c: _cell(cells, ctx, c or "")[:200],
                            death_column=ctx.death_column, regions=m.regions)
    instance_of = tuple(dict.fromkeys(types)) or m.instance_of
    item_id = _item_id(cells, ctx, src, issues)
    return MappedRow(src, tuple(labels), tuple(descriptions), tuple(aliases), tuple(statements), instance_of,
                     _match_hints(ctx, types, hints["category"]), focus, tuple(issues), row.cells + derived, drafts,
                     item_id)


def _derive(cells: Cells, ctx: _Ctx, src: SourceRef, issues: list[Issue]) -> tuple[tuple[str, str], ...]:
    """Compute the derived columns into ``cells`` (in the mapping's order: one may use an earlier one);
    returns the non-empty ones, kept with the row's cells (review sheets, reconciliation's texts)."""
    out = []
    for d in ctx.derived:
        value = _template_value(d, cells, ctx) if d.pattern is None else _extract(d, cells, ctx, src, issues)
        cells[d.spec.name] = value
        if value:
            out.append((d.spec.name, value))
    return tuple(out)


def _template_value(d: _Derived, cells: Cells, ctx: _Ctx) -> str:
    """The template filled with the row's cells (``templates.fill_parts``: the rule pull and the
    OpenRefine service read backwards)."""
    return fill_parts(d.parts, lambda column: _cell(cells, ctx, column))


def _extract(d: _Derived, cells: Cells, ctx: _Ctx, src: SourceRef, issues: list[Issue]) -> str:
    """The part of the source cell the pattern keeps (its group « value », else its only group, else
    the whole match); a cell the pattern does not match is a problem naming the cell, never a silent empty."""
    spec, pattern = d.spec, d.pattern
    source = spec.source or ""
    text = _cell(cells, ctx, source)
    if not text or pattern is None:
        return ""
    found = pattern.search(text)
    if found is None:
        issues.append(_issue(src, source, text[:200], "no-match",
                             f"La colonne dérivée « {spec.name} » ne trouve rien dans cette cellule (motif "
                             f"« {spec.pattern} ») / the pattern does not match.",
                             f"Corrigez la cellule, ou élargissez le motif dans {ctx.mapping.where('derived', spec.name)}"
                             " (on_no_match: warn pour laisser la valeur vide) / fix the cell or the pattern.",
                             "warning" if spec.on_no_match == "warn" else "error"))
        return ""
    group = "value" if "value" in pattern.groupindex else (1 if pattern.groups else 0)
    return " ".join((found.group(group) or "").split())


def _column_statements(cells: Cells, src: SourceRef, ctx: _Ctx, issues: list[Issue],
                       statements: list[StatementDraft], spans: dict[str, tuple[int, int]]) -> dict[str, list[str]]:
    """The statements of every mapped column (appended to ``statements``; ``spans``: where each item
    column a description template names put its statements); returns the items of the hint columns
    by use: the classes of ``instance_of`` columns, the regions of ``region`` columns, the classes of
    ``category`` columns."""
    hints: dict[str, list[str]] = {"instance_of": [], "region": [], "category": []}
    blank = ctx.blank
    for plan in ctx.plans:
        text = cells.get(plan.title, "")
        if text and blank and vocab_key(text) in blank:
            text = ""
        if not text:
            spec = plan.spec
            if spec.required:
                issues.append(_issue(src, spec.column, "", "missing-value", "Valeur obligatoire manquante / "
                                     "required value missing.", f"Remplissez « {spec.column} »."))
            continue
        if plan.spec.use in hints:
            hints[plan.spec.use] += _type_values(text, plan, src, issues)
            continue
        start = len(statements)
        _statements(text, plan, cells, src, ctx, issues, statements)
        if plan.title in ctx.slot_titles:  # a column feeding several properties: its specs are adjacent
            spans[plan.title] = (spans.get(plan.title, (start, 0))[0], len(statements))
    return hints


def _scope(statements: list[StatementDraft], regions: list[str], ctx: _Ctx) -> None:
    """A region column's items become the ``within`` of the scoped columns' cells still to reconcile
    (a homonym town elsewhere then loses points); nothing else of the row changes."""
    within = tuple(dict.fromkeys(regions))
    for n, st in enumerate(statements):
        value = st.mainsnak.value
        if isinstance(value, ItemRef) and st.source is not None and st.source.column in ctx.scoped:
            statements[n] = replace(st, mainsnak=replace(st.mainsnak, value=replace(value, within=within)))


def _single_value_warnings(statements: list[StatementDraft], src: SourceRef, ctx: _Ctx, issues: list[Issue]
                           ) -> None:
    """A warning for each single-value property the row gives several different values."""
    pids = {s.mainsnak.property for s in statements}
    if len(pids) == len(statements):  # a single-value warning needs a property given twice
        return
    for pid in pids:
        info = ctx.catalog.get(pid)
        same = [s for s in statements if s.property == pid]
        if info and info.single_value and len({repr(s.mainsnak.value) for s in same}) > 1:
            issues.append(_issue(src, same[0].source.column if same[0].source else None, None,
                                 "single-value", f"{pid} n'accepte qu'une valeur, la ligne en donne "
                                 f"{len(same)} / single-value property.", "Gardez une seule valeur.",
                                 "warning"))


def _match_hints(ctx: _Ctx, types: list[str], categories: list[str]) -> MatchHints:
    """The reconciliation's class and region hints for rows of these classes and categories (shared
    between rows)."""
    key = (*types, "", *categories)
    match = ctx.match.get(key)
    if match is None:
        if len(ctx.match) >= _CACHE_LIMIT:
            ctx.match.clear()
        m = ctx.mapping
        match = ctx.match[key] = MatchHints(tuple(dict.fromkeys([*types, *m.match_types])), m.match_within,
                                           m.match_name_alone, tuple(dict.fromkeys(categories)))
    return match


def _template(language: str, template: str, item_titles: set[str], columns: Mapping[str, str]) -> _Template:
    import string

    parts: list[tuple[str, str]] = []
    names: list[str] = []
    fields: dict[str, tuple[str, str]] = {}
    items = False
    for literal, name, spec, conversion in string.Formatter().parse(template):
        if literal:
            parts.append(("", literal))
        if not name:
            continue
        names.append(name)
        fields[name] = split_placeholder(name)  # « {de Municipalité} »: the column after its preposition
        column = fields[name][1]
        if columns.get(column, column) in item_titles:
            parts.append(("item", name))
            items = True
        else:
            parts.append(("text", "{" + name + (f"!{conversion}" if conversion else "")
                          + (f":{spec}" if spec else "") + "}"))
    return _Template(language, template, tuple(names), tuple(parts) if items else None, fields)


def _with_prepositions(t: _Template, values: Mapping[str, str]) -> dict[str, str]:
    """The text placeholders' values, « {de X} » and « {à X} » given their preposition (french.py)."""
    out = {}
    for name, text in values.items():
        preposition = t.fields.get(name, ("", name))[0]
        out[name] = with_preposition(preposition, text) if preposition else text
    return out


def _descriptions(cells: Cells, ctx: _Ctx, statements: list[StatementDraft], spans: Mapping[str, tuple[int, int]]
                  ) -> tuple[tuple[tuple[str, str], ...], tuple[DescriptionDraft, ...]]:
    """Descriptions filled now (text placeholders only) and drafts to fill with items' labels later.
    A template with an empty cell gives neither."""
    descriptions: list[tuple[str, str]] = []
    drafts: list[DescriptionDraft] = []
    columns = ctx.columns
    for n, t in enumerate(ctx.descriptions):
        values = ({name: _cell(cells, ctx, t.column(name)) for name in t.names} if ctx.blank else
                  {name: cells.get(columns.get(t.column(name), t.column(name)), "") for name in t.names})
        if not all(values.values()):
            continue
        if t.parts is None:
            text = t.template.format(**_with_prepositions(t, values))
            if len(text) <= MAX_LABEL:
                descriptions.append((t.language, text))
            continue
        # A cell's items depend on its text only (the parse caches say so): same texts, same draft.
        key = (n, tuple(values.values()))
        known = ctx.drafts.get(key)
        if known is not None:
            drafts.append(known)
            continue
        parts: list[str | ItemSlot] = []
        for kind, what in t.parts:
            if kind == "item":
                preposition, column = t.fields[what]
                start, end = spans.get(columns.get(column, column), (0, 0))
                found = dict.fromkeys(st.mainsnak.value for st in statements[start:end]
                                      if isinstance(st.mainsnak.value, ItemValue | ItemRef))
                parts.append(ItemSlot(column, values[what], tuple(found), preposition))
                continue
            text = what if kind == "" else what.format(**_with_prepositions(t, values))
            if parts and isinstance(parts[-1], str):
                parts[-1] += text
            else:
                parts.append(text)
        draft = DescriptionDraft(t.language, tuple(parts))
        if len(ctx.drafts) >= _CACHE_LIMIT:
            ctx.drafts.clear()
        ctx.drafts[key] = draft
        drafts.append(draft)
    return tuple(descriptions), tuple(drafts)


def _texts(cells: Cells, src: SourceRef, ctx: _Ctx, specs: Any, issues: list[Issue],
           what: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for spec in specs:
        if spec.column not in ctx.columns:
            continue
        text = _cell(cells, ctx, spec.column)
        for part in split_cell(text, spec.split) if spec.split else ([text] if text else []):
            if "\n" in part or len(part) > MAX_LABEL or part[:1] == "=":
                problem = "formula-text" if part[:1] == "=" else "multi-line" if "\n" in part else "too-long"
                issues.append(_issue(src, spec.column, part[:200], problem,
                                     f"{what.capitalize()} invalide ({problem}) : un libellé tient sur une ligne, "
                                     f"sans formule, {MAX_LABEL} caractères au plus / invalid {what}.",
                                     "Raccourcissez ou corrigez la cellule."))
                continue
            if (spec.language, part) not in out:
                out.append((spec.language, part))
    return out


_UNKNOWN_WORDS = {"instance_of": ("Type inconnu", "type"), "region": ("Région inconnue", "region"),
                  "category": ("Catégorie inconnue", "category")}


def _type_values(text: str, plan: _Column, src: SourceRef, issues: list[Issue]) -> list[str]:
    out = []
    spec, cache = plan.spec, plan.cache
    for part in split_cell(text, spec.split) if spec.split else (text,):
        tgt = cache.get(part, _MISS)
        if tgt is _MISS:
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            tgt = cache[part] = spec.values.get(vocab_key(part))
        if tgt is None:
            sev = "warning" if spec.on_unknown == "warn" else "error"
            what = _UNKNOWN_WORDS.get(spec.use, _UNKNOWN_WORDS["instance_of"])
            issues.append(_issue(src, spec.column, part, "unknown-value", f"{what[0]} « {part} » / "
                                 f"unknown {what[1]}.", _known_hint(spec), sev))
        elif tgt.item:
            out.append(tgt.item)
    return out


def _known_hint(spec: ColumnSpec) -> str:
    return (f"Ajoutez « mot: Q… » sous values de la colonne « {spec.column} » dans le mapping "
            f"(déjà connus : {len(spec.values)} mots), ou corrigez la cellule.")


def _opts(ctx: _Ctx, spec: ColumnSpec | None, pid: str) -> ParseOptions:
    key = (spec.column if spec else None, pid)
    known = ctx.options.get(key)
    if known is not None:
        return known
    info = ctx.catalog.get(pid)
    m = ctx.mapping
    unit = f"http://www.wikidata.org/entity/{spec.unit}" if spec and spec.unit else "1"
    opts = ctx.options[key] = ParseOptions(
        m.date_order, (spec.language if spec and spec.language else m.language), unit,  # type: ignore[arg-type]
        spec.unit_words if spec else (), m.phone_country, info.format_regex if info else None, pid,
        bool(spec and spec.circa))
    return opts


def _parse_cached(text: str, parser: Parser, opts: ParseOptions,
                  cache: dict[str, Parsed | ValueParseError]) -> Parsed | ValueParseError:
    """A parser's result, cached per text; the error is returned (never raised) so it can be shared."""
    hit = cache.get(text)
    if hit is None:
        try:
            hit = parser(text, opts)
        except ValueParseError as exc:
            hit = _detached(exc)
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[text] = hit
    return hit


_ParsedCell = tuple[tuple[Snak, ...], tuple[Note, ...]]


def _parse_one(text: str, plan: _Column, ctx: _Ctx) -> _ParsedCell | ValueParseError:
    """The statements' main snaks for one cell part, with notes; or the error."""
    spec = plan.spec
    pid = spec.property or ""
    datatype = plan.datatype
    if text[:1] == "=":
        return ValueParseError(f"Formule au lieu d'une valeur / a formula, not a value : « {text[:80]} ».",
                               "Remplacez la formule par sa valeur (copier, puis collage spécial → valeurs).",
                               problem="formula-text", value=text)
    if datatype is None:
        return ValueParseError(f"Type de données de {pid} inconnu / unknown datatype.",
                               "Lancez « wikiclub mapping check --site » (cache des propriétés) ou passez "
                               "--properties un-dump.json.", problem="unknown-property", value=text)
    if plan.parser is None:  # wikibase-item
        tgt = spec.values.get(vocab_key(text)) if spec.values else None
        if tgt is not None:
            target = tgt.property or pid
            return ((Snak(target, _datatype(ctx, target, spec), ItemValue(tgt.item)),) if tgt.item else ()), ()
        if spec.values and spec.on_unknown == "warn" and not spec.item:
            return (), (Note("unknown-value", f"Valeur inconnue « {text} », ignorée / unknown value, skipped.",
                             _known_hint(spec)),)
        refs = ItemRef(text, *spec.item) if spec.item else None
        try:
            parsed = parse_item(text, None, refs)
        except ValueParseError as exc:
            if spec.values:
                exc.hint = _known_hint(spec)
            return _detached(exc)
        return (Snak(pid, _datatype(ctx, pid, spec), parsed.value),), parsed.notes
    result = _parse_cached(text, plan.parser, plan.opts, plan.values)  # type: ignore[arg-type]
    if isinstance(result, ValueParseError):
        return result
    if spec.bounds and datatype == "globe-coordinate":
        value = result.value
        try:
            _check_bounds(value.latitude, value.longitude, spec.bounds, text)  # type: ignore[union-attr]
        except ValueParseError as exc:
            return _detached(exc)
    snak = Snak(pid, plan.snak_datatype, result.value)
    return ((snak, _CIRCA_SNAK) if result.circa else (snak,)), result.notes


def _parse_part(text: str, plan: _Column, ctx: _Ctx) -> _ParsedCell | ValueParseError:
    """One cell part parsed by its column; in a column of several identifier schemes, by the value's scheme."""
    if not plan.schemes:
        return _parse_one(text, plan, ctx)
    found = _scheme_of(text, plan)
    return found if isinstance(found, ValueParseError) else _parse_one(found[1], found[0], ctx)


def _scheme_of(text: str, plan: _Column) -> tuple[_Column, str] | ValueParseError:
    """Which identifier scheme a value of a multi-scheme column is: its leading word (« ISNI 0000… »,
    « viaf: 123 »), else the one scheme whose format (P1793) it fits; none or several is an error."""
    found = plan.scheme_word.fullmatch(text) if plan.scheme_word else None
    if found is not None:
        word = vocab_key(found.group(1))
        return next(sub for key, sub in plan.schemes if key == word), found.group(2).strip()
    fits = [sub for _, sub in plan.schemes if sub.opts is not None and sub.opts.format_regex and sub.parser
            and not isinstance(_parse_cached(text, sub.parser, sub.opts, sub.values), ValueParseError)]
    if len(fits) == 1:
        return fits[0], text
    names = ", ".join(word for word, _ in plan.spec.schemes)
    which = (f"plusieurs formats lui conviennent ({', '.join(s.spec.property or '' for s in fits)}) / fits several"
             if fits else "aucun format connu ne lui convient / fits no known format")
    return ValueParseError(f"« {text[:80]} » : quel identifiant ? {which}.",
                           f"Écrivez le nom du schéma devant la valeur ({names} : ex. « {plan.spec.schemes[0][0]} "
                           f"{text[:20]} ») / write the scheme's name before the value.",
                           problem="unknown-scheme", value=text)


# A circa date's qualifier (P1480 sourcing circumstances = circa): it follows its statement's snak in
# a parsed cell, and _statements makes it that statement's qualifier.
_CIRCA_SNAK = Snak(SOURCING_CIRCUMSTANCES, "wikibase-item", ItemValue(CIRCA))


def _statements(text: str, plan: _Column, cells: Cells, row_src: SourceRef, ctx: _Ctx, issues: list[Issue],
                out: list[StatementDraft]) -> None:
    """Append the statements of one cell to ``out``."""
    spec, cache = plan.spec, plan.cache
    src = row_src.at(spec.column)
    for part in split_cell(text, spec.split) if spec.split else (text,):
        cached = cache.get(part)
        if cached is None:
            cached = _parse_part(part, plan, ctx)
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[part] = cached
        if isinstance(cached, ValueParseError):
            issues.append(Issue("error", cached.problem, cached.message, src, part[:200], cached.hint))
            continue
        snaks, notes = cached
        for note in notes:
            severity = "warning" if note.severity == "error" and ctx.allow_bad_checksums else note.severity
            issues.append(Issue(severity, note.problem, note.message, src, part[:200], note.hint))
        if not snaks:
            continue
        qualifiers = _snaks(spec.qualifiers, cells, row_src, ctx, issues) if spec.qualifiers else ()
        refs = ctx.row_refs.get(plan.refs_key)
        if refs is None:
            refs = _references(spec.references, cells, row_src, ctx, issues)
        if snaks[-1] is _CIRCA_SNAK:
            snaks, qualifiers = snaks[:-1], (*qualifiers, _CIRCA_SNAK)
        for snak in snaks:
            out.append(StatementDraft(snak, qualifiers, refs, spec.rank, src))  # type: ignore[arg-type]


def _datatype(ctx: _Ctx, pid: str, spec: ColumnSpec | None = None) -> str:
    known = ctx.datatypes.get(pid)
    if known is None:
        info = ctx.catalog.get(pid)
        if info is None:
            return (spec.datatype if spec and spec.datatype and spec.property == pid else None) or "wikibase-item"
        known = ctx.datatypes[pid] = info.datatype
    return known


def _compile(spec: Mapping[str, Any], ctx: _Ctx) -> tuple[_SnakSpec, ...]:
    """A qualifier/reference spec with its datatypes and parsers, once per sheet."""
    entry = ctx.compiled.get(id(spec))
    if entry is None:
        out: list[_SnakSpec] = []
        for pid, raw in spec.items():
            datatype = _datatype(ctx, pid)
            opts = _opts(ctx, None, pid)
            column, const = (str(raw["column"]), None) if isinstance(raw, Mapping) else (None, str(raw))
            out.append(_SnakSpec(pid, datatype, column, const, parser_for(datatype), opts,
                                 ctx.value_cache(datatype, opts, None)))
        entry = ctx.compiled[id(spec)] = (spec, tuple(out))  # the spec itself keeps its id() valid
    return entry[1]


def _snak(sp: _SnakSpec, cells: Cells, row_src: SourceRef, ctx: _Ctx, issues: list[Issue]) -> Snak | None:
    pid, datatype, column = sp.property, sp.datatype, sp.column
    if column is not None:
        text = _cell(cells, ctx, column)
    elif sp.const == "today" and datatype == "time":
        snak = ctx.today_snaks.get(pid)
        if snak is None:
            d = ctx.today
            snak = ctx.today_snaks[pid] = Snak(pid, datatype, TimeValue(
                f"+{d.year:04d}-{d.month:02d}-{d.day:02d}T00:00:00Z", 11))
        return snak
    else:
        text = sp.const or ""
    if not text:
        return None
    key = (pid, text)
    cached = ctx.snaks.get(key)
    if cached is None:
        result = _parse_cached(text, sp.parser, sp.opts, sp.values)
        cached = result if isinstance(result, ValueParseError) else Snak(pid, datatype, result.value)
        if len(ctx.snaks) >= _CACHE_LIMIT:
            ctx.snaks.clear()
        ctx.snaks[key] = cached
    if cached.__class__ is Snak:
        return cached
    if isinstance(cached, ValueParseError):
        src = row_src.at(column) if column is not None else SourceRef(ctx.mapping.path, None,
                                                                      ctx.mapping.line_of("references"))
        issues.append(Issue("error", cached.problem, f"{pid} : {cached.message}", src, text[:200], cached.hint))
        return None
    return cached


def _snaks(spec: Mapping[str, Any], cells: Cells, row_src: SourceRef, ctx: _Ctx,
           issues: list[Issue]) -> tuple[Snak, ...]:
    out = []
    for sp in _compile(spec, ctx):
        snak = _snak(sp, cells, row_src, ctx, issues)
        if snak is not None:
            out.append(snak)
    return tuple(out)


def _references(override: tuple[Mapping[str, Any], ...] | None, cells: Cells, row_src: SourceRef, ctx: _Ctx,
                issues: list[Issue]) -> tuple[Reference, ...]:
    memo_key = id(override)
    known = ctx.row_refs.get(memo_key)
    if known is not None:
        return known
    specs = ctx.mapping.references if override is None else override
    refs = []
    for spec in specs:
        snaks = _snaks(spec, cells, row_src, ctx, issues)
        # A reference made only of "retrieved today" says nothing: keep it only with a real source.
        for s in snaks:
            if s.property != "P813":
                refs.append(Reference(snaks))
                break
    known = ctx.row_refs[memo_key] = tuple(refs)
    return known


def _check_bounds(lat: Decimal, lon: Decimal, bounds: Mapping[str, tuple[float, float]], text: str) -> None:
    for axis, v in (("latitude", lat), ("longitude", lon)):
        if axis not in bounds:
            continue
        lo, hi = bounds[axis]
        if not lo <= float(v) <= hi:
            flipped = lo <= -float(v) <= hi
            raise ValueParseError(
                f"{axis.capitalize()} {v} hors de la zone attendue [{lo}, {hi}] / {axis} outside the expected area.",
                "Signe moins oublié ?" if flipped else "Vérifiez la valeur (latitude/longitude inversées ?).",
                problem="outside-bounds", value=text)


def _coordinates(cells: Cells, src: SourceRef, ctx: _Ctx, cs: Any, issues: list[Issue]) -> StatementDraft | None:
    if ctx.blank:
        lat_t, lon_t = _cell(cells, ctx, cs.latitude), _cell(cells, ctx, cs.longitude)
    else:
        columns = ctx.columns
        lat_t = cells.get(columns.get(cs.latitude, cs.latitude), "")
        lon_t = cells.get(columns.get(cs.longitude, cs.longitude), "")
    if cs.latitude not in ctx.columns or cs.longitude not in ctx.columns or (not lat_t and not lon_t):
        return None
    if not lat_t or not lon_t:
        missing = cs.latitude if not lat_t else cs.longitude
        issues.append(_issue(src, missing, "", "half-coordinate", "Latitude sans longitude (ou l'inverse) / only "
                             "one coordinate.", f"Remplissez « {missing} » ou videz l'autre colonne."))
        return None
    try:
        lat, plat = parse_degree(lat_t, "latitude")
    except ValueParseError as exc:
        issues.append(Issue("error", exc.problem, exc.message, src.at(cs.latitude), lat_t, exc.hint))
        return None
    try:
        lon, plon = parse_degree(lon_t, "longitude")
    except ValueParseError as exc:
        issues.append(Issue("error", exc.problem, exc.message, src.at(cs.longitude), lon_t, exc.hint))
        return None
    text = f"{lat_t} ; {lon_t}"
    try:
        value = coordinate_value(lat, lon, min(plat, plon), text)
        if cs.bounds:
            _check_bounds(lat, lon, cs.bounds, text)
    except ValueParseError as exc:
        col = cs.latitude if "atitude" in exc.message.split()[0] else cs.longitude
        issues.append(Issue("error", exc.problem, exc.message, src.at(col), text, exc.hint))
        return None
    refs = _references(cs.references, cells, src, ctx, issues)
    return StatementDraft(Snak(cs.property, "globe-coordinate", value), (), refs, "normal", src.at(cs.latitude))


def iter_item_refs(rows: Iterator[MappedRow]) -> dict[tuple[str, tuple[str, ...], tuple[str, ...]], int]:
    """Distinct texts to reconcile (each reconciled once), with how many rows use them."""
    counts: dict[tuple[str, tuple[str, ...], tuple[str, ...]], int] = {}
    for r in rows:
        for ref in r.item_refs():
            k = (ref.text, ref.types, ref.within)
            counts[k] = counts.get(k, 0) + 1
    return counts
