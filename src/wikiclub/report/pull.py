"""``pull``: the WikiProject's items of a mapping's classes, as a spreadsheet with the mapping's columns.

Volunteers see what exists and complete it; the sheet goes back through ``map`` → ``plan`` like any
other. Columns, in order: the item's id — the mapping's ``entity.id`` column (``QID`` when it names
none), which ``map`` reads back so those rows are that item and are never reconciled by name; in XLSX
each id links to the item's page (``SiteInfo.item_url``) — then the label and alias columns, then every mapped column. Values are written as the volunteer would type them
(``datatypes.format_value``): controlled vocabularies back to the mapping's word, dates in French,
e-mails without ``mailto:``. Item values are written as **QIDs** — ``map`` reads a QID as that exact
item, so no reconciliation guess is needed when the sheet comes back — with their label in a helper
column ``<column> (libellé)`` that the mapping ignores. Coordinates go to their latitude/longitude
columns. Several values of one property are joined with the column's ``split`` separator (else only
the first value is written: the others stay on the wiki, untouched).

What ``map`` computes is not written as a column: a derived column's **sources** are (its value would
be recomputed, and a sheet column of its name hidden). A label template (« {Prénom} {Nom} ») is read
back from the item's label — split when it splits one way (``sheets.templates``), else the whole label
in the template's last column, which gives the label back unchanged. A column of several identifier
schemes gets each value with its scheme word (« VIAF 123 »); region and category hint columns are kept,
empty (hints are never statements); a mapping of several tabs gets one tab, named after the first.
:func:`pull_notes` says, in the command's output, which columns stay empty and why.

Which items: the WikiProject's selection (regions, focus list, query: :mod:`wikiclub.report.spec`)
whose P31 is one of the mapping's classes (``instance_of``, ``match.types`` and the values of an
``instance_of`` column) or a subclass of one — one SPARQL query for the ids, then ``wbgetentities``
50 at a time. Text cells go through the spreadsheet escaping (no formula injection).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from ..errors import UsageError
from ..escape import csv_cell, set_xlsx_text
from ..model import GlobeCoordinateValue, ItemValue, is_item_id, value_from_json
from ..sheets.datatypes import format_value
from ..sheets.mapping import ColumnSpec, SheetMapping
from ..sheets.templates import split_by_template, template_columns, whole_text_cells
from ..wbjson import Entity, Statement, Term
from .queries import Namespaces, selection_pattern
from .spec import Selection

QID_COLUMN = "QID"
LABEL_SUFFIX = " (libellé)"


def id_column(mapping: SheetMapping) -> str:
    """The column that names each row's item: the mapping's ``entity.id`` column, else ``QID``."""
    return mapping.id_column or QID_COLUMN


class Endpoint(Protocol):
    def select(self, query: str) -> list[dict[str, Any]]: ...


class EntityReader(Protocol):
    def get_entities(self, ids: Iterable[str], *, props: Sequence[str] | None = None,
                     languages: Sequence[str] | None = None) -> dict[str, Entity]: ...


@dataclass(frozen=True)
class PullResult:
    path: Path
    columns: tuple[str, ...]
    items: int
    classes: tuple[str, ...]
    notes: tuple[str, ...] = ()  # columns that cannot be filled and why, the tab to read back (pull_notes)


def mapping_classes(mapping: SheetMapping) -> tuple[str, ...]:
    words = [t.item for c in mapping.columns if c.use == "instance_of" for t in c.values.values() if t.item]
    return tuple(dict.fromkeys([*mapping.instance_of, *mapping.match_types, *words]))


def items_query(selection: Selection, classes: Sequence[str], ns: Namespaces) -> str:
    values = " ".join(f"wd:{q}" for q in classes)
    return (f"{ns.header()}SELECT DISTINCT ?item WHERE {{ {selection_pattern(selection)}\n"
            f"  VALUES ?wcClass {{ {values} }} ?item wdt:P31/wdt:P279* ?wcClass . }}")


def _vocabulary_words(mapping: SheetMapping, spec: ColumnSpec) -> dict[tuple[str, str | None], str]:
    """(QID, property) → the word as written in the YAML (``values`` keys are folded; the line map is not)."""
    from ..sheets.datatypes import vocab_key

    # ("columns", column, "values", word), or ("columns", column, "0", "values", word) in a list of specs
    written = {vocab_key(path[-1]): path[-1] for path in mapping.lines
               if len(path) in (4, 5) and path[:2] == ("columns", spec.column) and path[-2] == "values"}
    out: dict[tuple[str, str | None], str] = {}
    for key, target in spec.values.items():
        if target.item:
            out.setdefault((target.item, target.property), written.get(key, key))
    return out


def _statements(entity: Mapping[str, Any], pid: str) -> list[Any]:
    """The values of ``pid``'s statements of ``entity`` (``wbjson.Entity``) a sheet can hold."""
    out = []
    statements: list[Statement] = entity.get("claims", {}).get(pid, [])
    for st in statements:
        snak = st.get("mainsnak")
        if snak is None:
            continue
        if st.get("rank") != "deprecated" and snak.get("snaktype") == "value" and "datavalue" in snak:
            try:
                out.append(value_from_json(snak["datavalue"]))
            except (ValueError, KeyError, TypeError):
                continue  # a datavalue type a sheet cannot hold
    return out


def _join(parts: list[str], spec: ColumnSpec | None) -> str:
    parts = list(dict.fromkeys(p for p in parts if p))
    if not parts:
        return ""
    if spec is not None and spec.split:
        sep = spec.split[0]
        return (sep if sep.strip() == "" else sep + " ").join(parts) if sep != " " else " ".join(parts)
    return parts[0]


def _text(value: Any, spec: ColumnSpec) -> str:
    text = format_value(value)
    if spec.parse == "email" and text.lower().startswith("mailto:"):
        return text[len("mailto:"):]
    return text


def _sources(mapping: SheetMapping, column: str, seen: frozenset[str] = frozenset()) -> list[str]:
    """The sheet's columns behind a column name: itself, or a derived column's sources (recursively)."""
    derived = {d.name: d for d in mapping.derived}
    if column not in derived or column in seen:
        return [column] if column not in derived else []
    return [s for src in derived[column].sources() for s in _sources(mapping, src, seen | {column})]


def _header(mapping: SheetMapping) -> tuple[list[str], set[str]]:
    """The sheet's header (QID, terms, the mapping's columns, a label column after each item column,
    coordinates) and the item columns that get a label column. A derived column is never a column of the
    sheet (``map`` computes it, and would hide a sheet column of that name): its sources are, and a derived
    item column gets its label column, for reading only."""
    header: list[str] = [id_column(mapping)]
    for t in (*mapping.labels, *mapping.aliases):
        header += _sources(mapping, t.column)
    item_columns: set[str] = set()
    for spec in mapping.columns:
        header += _sources(mapping, spec.column)
        if spec.use == "statement" and spec.property and not spec.values and spec.item is not None:
            header.append(spec.column + LABEL_SUFFIX)
            item_columns.add(spec.column)
    for cs in mapping.coordinates:
        header += [cs.latitude, cs.longitude]
    return list(dict.fromkeys(header)), item_columns


def _term_cells(mapping: SheetMapping, entity: Mapping[str, Any], cells: dict[str, str]) -> None:
    labels: dict[str, Term] = entity.get("labels", {})
    all_aliases: dict[str, list[Term]] = entity.get("aliases", {})
    for t in mapping.labels:
        label = labels.get(t.language)
        cells.setdefault(t.column, label["value"] if label else "")
    for t in mapping.aliases:
        aliases = [a["value"] for a in all_aliases.get(t.language, [])]
        cells.setdefault(t.column, (t.split[0] + " " if t.split else "; ").join(aliases))


def _put(cells: dict[str, str], column: str, value: str) -> None:
    """A column feeding several properties gets the first value found (a cell holds one)."""
    if value or column not in cells:
        cells[column] = cells.get(column) or value


def _scheme_parts(spec: ColumnSpec, entity: Mapping[str, Any]) -> list[str]:
    """A column of several identifier schemes: each value with its scheme word (« VIAF 123 »)."""
    return [f"{word} {_text(v, spec)}" for word, pid in spec.schemes for v in _statements(entity, pid)]


def _statement_cells(mapping: SheetMapping, spec: ColumnSpec, entity: Mapping[str, Any],
                     labels: Mapping[str, str], with_labels: bool, cells: dict[str, str]) -> None:
    """The cell of one statement column (vocabulary words back for mapped items, else the item's QID or
    the value as text), and its label column when ``with_labels``."""
    words = _vocabulary_words(mapping, spec)
    parts: list[str] = _scheme_parts(spec, entity) if spec.schemes else []
    names: list[str] = []
    for v in _statements(entity, spec.property or ""):
        if isinstance(v, ItemValue):
            parts.append(words.get((v.id, None)) or words.get((v.id, spec.property)) or v.id)
            names.append(labels.get(v.id, ""))
        else:
            parts.append(_text(v, spec))
    # Words mapped to another property ("Musique country" → P136) come back from that property.
    for (qid, prop), word in words.items():
        if prop and prop != spec.property and any(
                isinstance(v, ItemValue) and v.id == qid for v in _statements(entity, prop)):
            parts.append(word)
    _put(cells, spec.column, _join(parts, spec))
    if with_labels:
        _put(cells, spec.column + LABEL_SUFFIX, _join(names, spec) if spec.split else (names[0] if names else ""))


def _column_cells(mapping: SheetMapping, entity: Mapping[str, Any], labels: Mapping[str, str],
                  item_columns: set[str], cells: dict[str, str]) -> None:
    for spec in mapping.columns:
        if spec.use in ("ignore", "region", "category"):  # hints are kept, empty: never statements
            _put(cells, spec.column, "")
        elif spec.use == "instance_of":
            words = _vocabulary_words(mapping, spec)
            found = [words[(v.id, None)] for v in _statements(entity, "P31")
                     if isinstance(v, ItemValue) and (v.id, None) in words]
            _put(cells, spec.column, _join(found, spec))
        else:
            _statement_cells(mapping, spec, entity, labels, spec.column in item_columns, cells)


def _template_cells(mapping: SheetMapping, cells: dict[str, str], counts: dict[tuple[str, str], int]) -> None:
    """The source cells of the label and alias templates (« {Prénom} {Nom} »), read back from the item's
    label: split when it splits one way, else the whole label in the template's last column, else left
    empty. ``counts`` gets ("whole" or "unfilled", template) per row concerned."""
    templates = {d.name: d.template for d in mapping.derived if d.template is not None}
    for t in (*mapping.labels, *mapping.aliases):
        template = templates.get(t.column)
        text = cells.get(t.column, "")
        if template is None or not text or all(cells.get(c) for c in template_columns(template)):
            continue  # nothing to read back, or every column already filled (by the label, by a statement)
        known = {c: cells[c] for c in template_columns(template) if cells.get(c)}
        found = split_by_template(template, text, known)
        if found is None:
            found = whole_text_cells(template, text, known)
            key = ("whole" if found is not None else "unfilled", template)
            counts[key] = counts.get(key, 0) + 1
        cells.update(found or {})


def _coordinate_cells(mapping: SheetMapping, entity: Mapping[str, Any], cells: dict[str, str]) -> None:
    for cs in mapping.coordinates:
        coords = [v for v in _statements(entity, cs.property) if isinstance(v, GlobeCoordinateValue)]
        if coords:
            cells[cs.latitude] = _decimal(coords[0].latitude)
            cells[cs.longitude] = _decimal(coords[0].longitude)


def build_rows(mapping: SheetMapping, entities: Sequence[Mapping[str, Any]], labels: Mapping[str, str]
               ) -> tuple[list[str], list[list[str]], tuple[str, ...]]:
    """The header, one row per entity and the notes for the user (pure: no network)."""
    header, item_columns = _header(mapping)
    rows = []
    counts: dict[tuple[str, str], int] = {}
    for entity in entities:
        cells: dict[str, str] = {id_column(mapping): str(entity.get("id", ""))}
        _term_cells(mapping, entity, cells)
        _column_cells(mapping, entity, labels, item_columns, cells)
        _template_cells(mapping, cells, counts)
        _coordinate_cells(mapping, entity, cells)
        rows.append([cells.get(h, "") for h in header])
    return header, rows, pull_notes(mapping, header, counts, len(rows))


def _template_notes(counts: Mapping[tuple[str, str], int], total: int) -> list[str]:
    notes = []
    for (kind, template), n in counts.items():
        columns = template_columns(template)
        if kind == "whole":
            others = ", ".join(f"« {c} »" for c in columns[:-1]) or "les autres"
            notes.append(f"« {template} » : {n} libellé(s) sur {total} ne se découpent pas d'une seule façon ; le "
                         f"libellé entier est dans « {columns[-1]} », {others} vide(s) : il revient tel quel / "
                         f"{n} labels do not split one way: the whole label is in « {columns[-1]} ».")
        else:
            notes.append(f"« {template} » : {n} libellé(s) ne se lisent pas dans ce modèle ; "
                         f"{', '.join(columns)} laissé(s) vide(s) : remplissez-les, sinon ces lignes n'auront pas "
                         f"de libellé au retour / {n} labels do not fit the template: fill those cells.")
    return notes


def _derived_notes(mapping: SheetMapping, header: Sequence[str]) -> list[str]:
    """Each derived column a statement reads: computed when the sheet comes back, from which columns;
    its sources that nothing on the wiki fills."""
    templates = {t.column for t in (*mapping.labels, *mapping.aliases)}
    filled = {c.column for c in mapping.columns if c.use in ("statement", "instance_of")}
    filled |= {c for name in templates for c in _sources(mapping, name)}
    notes = []
    for d in mapping.derived:
        if d.name in templates:
            continue
        sources = _sources(mapping, d.name)
        shown = f" ; son élément se lit dans « {d.name}{LABEL_SUFFIX} »" if d.name + LABEL_SUFFIX in header else ""
        notes.append(f"« {d.name} » est calculée depuis {', '.join(f'« {c} »' for c in sources)} quand le tableur "
                     f"revient (map), ce n'est pas une colonne du tableur{shown} / computed from "
                     f"{', '.join(sources)} when the sheet comes back.")
        notes += [f"« {c} » : aucune propriété du mapping ne la remplit, elle reste vide (« {d.name} » en est "
                  f"tirée) / no property of the mapping fills it: left empty." for c in sources if c not in filled]
    return notes


def pull_notes(mapping: SheetMapping, header: Sequence[str], counts: Mapping[tuple[str, str], int],
               total: int) -> tuple[str, ...]:
    """What the user must know to send the pulled sheet back with the same mapping: columns that cannot
    be filled and why, labels that do not split along their template, the tab to read."""
    notes = _template_notes(counts, total) + _derived_notes(mapping, header)
    types = {c.column for c in mapping.columns if c.use == "instance_of"}
    for c in dict.fromkeys(c.column for c in mapping.columns if c.use in ("region", "category")):
        if c not in types:
            notes.append(f"« {c} » : un indice pour la réconciliation (région, catégorie), jamais une déclaration : "
                         "laissée vide / a reconciliation hint, never a statement: left empty.")
    if len(mapping.sheet_names) > 1:
        first = mapping.sheet_names[0]
        notes.append(f"Le mapping lit les onglets {', '.join(f'« {n} »' for n in mapping.sheet_names)} ; ce "
                     f"classeur n'en a qu'un, « {first} » : relisez-le avec --sheet \"{first}\" (validate, map) / "
                     f"one tab only: read it back with --sheet \"{first}\".")
    return tuple(notes)


def _decimal(d: Decimal) -> str:
    return format(d.normalize(), "f") if d == d.to_integral() else format(d, "f")


def write_sheet(path: Path, header: list[str], rows: list[list[str]], mapping: SheetMapping, title: str,
                item_url: Callable[[str], str] | None = None) -> None:
    """XLSX (the mapping's sheet name and header row honoured) or CSV, formula-safe either way. In XLSX
    each item id of the id column links to the item's page (``item_url``: ``SiteInfo.item_url``)."""
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.worksheets[0]  # a new workbook has exactly one worksheet
        ws.title = (mapping.sheet_name or (mapping.sheet_names or ("Éléments",))[0])[:31]
        start = mapping.header_row or 1
        if start > 2:
            set_xlsx_text(ws.cell(row=1, column=1), title)  # a title above, as volunteers' sheets have
        for col, name in enumerate(header, start=1):
            set_xlsx_text(ws.cell(row=start, column=col), name)
        id_col = header.index(id_column(mapping)) + 1 if id_column(mapping) in header else None
        for r, row in enumerate(rows, start=start + 1):
            for col, value in enumerate(row, start=1):
                set_xlsx_text(ws.cell(row=r, column=col), value)
                if col == id_col and item_url is not None and is_item_id(value):
                    ws.cell(row=r, column=col).hyperlink = item_url(value)
        from ..xlsxstyle import style_table

        style_table(ws, header_row=start, freeze_columns=1)  # header row and QID column stay in view
        wb.save(path)
    elif suffix == ".csv":
        import csv

        delimiter = mapping.delimiter or ","
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, delimiter=delimiter)
            writer.writerow(header)
            writer.writerows([[csv_cell(v) for v in row] for row in rows])
    else:
        raise UsageError(f"{path.name}: format de sortie inconnu / unknown output format",
                         "write to a .xlsx (recommended) or .csv file")


def pull(mapping: SheetMapping, selection: Selection, endpoint: Endpoint, reader: EntityReader, out: Path, *,
         concept_base: str | None = None, language: str | None = None,
         item_url: Callable[[str], str] | None = None) -> PullResult:
    classes = mapping_classes(mapping)
    if not classes:
        raise UsageError(f"{mapping.path}: le mapping ne dit aucune classe / the mapping names no class",
                         "add entity.instance_of (or match.types) to the mapping")
    ns = Namespaces.for_base(concept_base)
    rows = endpoint.select(items_query(selection, classes, ns))
    ids = sorted({str(r["item"])[len(ns.entity):] for r in rows if str(r.get("item", "")).startswith(ns.entity)},
                 key=lambda q: int(q[1:]) if is_item_id(q) else 0)
    entities = [e for e in reader.get_entities(ids).values() if "missing" not in e] if ids else []
    lang = language or mapping.language or "fr"
    linked = sorted({v.id for e in entities for spec in mapping.columns if spec.property and spec.item is not None
                     for v in _statements(e, spec.property) if isinstance(v, ItemValue)})
    labels: dict[str, str] = {}
    if linked:
        for qid, e in reader.get_entities(linked, props=["labels"], languages=[lang, "en"]).items():
            found = e.get("labels", {})
            term = found.get(lang) or found.get("en")
            labels[qid] = term.get("value", "") if term else ""
    header, table, notes = build_rows(mapping, entities, labels)
    write_sheet(out, header, table, mapping, f"Éléments existants — {mapping.path}", item_url)
    return PullResult(out, tuple(header), len(table), classes, notes)
