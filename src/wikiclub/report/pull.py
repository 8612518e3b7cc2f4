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

    written = {vocab_key(path[3]): path[3] for path in mapping.lines
               if len(path) == 4 and path[:3] == ("columns", spec.column, "values")}
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


def _header(mapping: SheetMapping) -> tuple[list[str], set[str]]:
    """The sheet's header (QID, terms, the mapping's columns, a label column after each item column,
    coordinates) and the item columns that get a label column."""
    header: list[str] = [id_column(mapping)]
    for t in (*mapping.labels, *mapping.aliases):
        header.append(t.column)
    item_columns: set[str] = set()
    for spec in mapping.columns:
        header.append(spec.column)
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


def _statement_cells(mapping: SheetMapping, spec: ColumnSpec, entity: Mapping[str, Any],
                     labels: Mapping[str, str], with_labels: bool, cells: dict[str, str]) -> None:
    """The cell of one statement column (vocabulary words back for mapped items, else the item's QID or
    the value as text), and its label column when ``with_labels``."""
    words = _vocabulary_words(mapping, spec)
    parts: list[str] = []
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
    cells[spec.column] = _join(parts, spec)
    if with_labels:
        cells[spec.column + LABEL_SUFFIX] = _join(names, spec) if spec.split else (names[0] if names else "")


def _column_cells(mapping: SheetMapping, entity: Mapping[str, Any], labels: Mapping[str, str],
                  item_columns: set[str], cells: dict[str, str]) -> None:
    for spec in mapping.columns:
        if spec.use == "ignore":
            cells.setdefault(spec.column, "")
        elif spec.use == "instance_of":
            words = _vocabulary_words(mapping, spec)
            found = [words[(v.id, None)] for v in _statements(entity, "P31")
                     if isinstance(v, ItemValue) and (v.id, None) in words]
            cells[spec.column] = _join(found, spec)
        else:
            _statement_cells(mapping, spec, entity, labels, spec.column in item_columns, cells)


def _coordinate_cells(mapping: SheetMapping, entity: Mapping[str, Any], cells: dict[str, str]) -> None:
    for cs in mapping.coordinates:
        coords = [v for v in _statements(entity, cs.property) if isinstance(v, GlobeCoordinateValue)]
        if coords:
            cells[cs.latitude] = _decimal(coords[0].latitude)
            cells[cs.longitude] = _decimal(coords[0].longitude)


def build_rows(mapping: SheetMapping, entities: Sequence[Mapping[str, Any]], labels: Mapping[str, str]
               ) -> tuple[list[str], list[list[str]]]:
    """The header and one row per entity (pure: no network)."""
    header, item_columns = _header(mapping)
    rows = []
    for entity in entities:
        cells: dict[str, str] = {id_column(mapping): str(entity.get("id", ""))}
        _term_cells(mapping, entity, cells)
        _column_cells(mapping, entity, labels, item_columns, cells)
        _coordinate_cells(mapping, entity, cells)
        rows.append([cells.get(h, "") for h in header])
    return header, rows


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
        ws.title = (mapping.sheet_name or "Éléments")[:31]
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
    header, table = build_rows(mapping, entities, labels)
    write_sheet(out, header, table, mapping, f"Éléments existants — {mapping.path}", item_url)
    return PullResult(out, tuple(header), len(table), classes)
