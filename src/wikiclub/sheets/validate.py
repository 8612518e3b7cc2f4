"""validate and map: read a sheet with its mapping, report every problem, write normalised records.

Library functions behind ``wikiclub validate`` and ``wikiclub map``; nothing here talks to a wiki (the
property catalog is given by the caller).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from ..errors import MappingError, SheetError
from ..model import Issue, MappedRow
from ..problems import problem_words, severity_words
from .mapping import SheetMapping, check_mapping
from .properties import PropertyCatalog
from .read import Sheet, SheetOptions, gc_paused, read_sheet, write_table
from .rowmap import MapResult, RowMapper

# Severity and problem in words (French, or English with --lang en); the machine codes in the last two columns.
REPORT_HEADER = ("fichier/file", "onglet/sheet", "ligne/row", "colonne/column", "valeur/value",
                 "gravité/severity", "problème/problem", "message", "correction/fix hint", "code",
                 "code gravité/severity code")


class Validation:
    """A sheet read with its mapping — or several tabs of one workbook (``sheet.names``), mapped
    together. Rows are mapped on demand, once:

    - ``result`` keeps every :class:`MappedRow` (``map``, reconciliation);
    - ``issues``, ``errors``, ``ok``, ``counts``, ``rows_valid`` alone (``validate``) stream over the rows
      and keep only their issues, which on a large sheet saves memory and most of the time (the garbage
      collector would otherwise walk every kept row again and again). Once ``result`` exists they read it.
    """

    def __init__(self, sheet: Sheet, mapping: SheetMapping, mapper: RowMapper,
                 more: tuple[tuple[Sheet, RowMapper], ...] = ()) -> None:
        self.sheet = sheet  # the first tab read
        self.sheets = (sheet, *(s for s, _ in more))
        self.mapping = mapping
        self._mappers = (mapper, *(m for _, m in more))
        self._result: MapResult | None = None
        self._summary: tuple[tuple[Issue, ...], int] | None = None  # (every issue, rows valid)

    def _rows(self) -> Iterator[MappedRow]:
        for mapper in self._mappers:
            yield from mapper

    def _sheet_issues(self) -> tuple[Issue, ...]:
        return tuple(i for mapper in self._mappers for i in mapper.issues)

    @property
    def result(self) -> MapResult:
        if self._result is None:
            with gc_paused():
                self._result = MapResult(tuple(self._rows()), self._sheet_issues())
        return self._result

    def _issues_and_valid(self) -> tuple[tuple[Issue, ...], int]:
        if self._result is not None:
            return tuple(self._result.all_issues), sum(1 for r in self._result.rows if r.valid)
        if self._summary is None:
            issues = list(self._sheet_issues())
            valid = 0
            with gc_paused():
                for row in self._rows():
                    if row.issues:
                        issues += row.issues
                        valid += row.valid
                    else:
                        valid += 1
            self._summary = (tuple(issues), valid)
        return self._summary

    @property
    def rows_read(self) -> int:
        return sum(len(s.rows) for s in self.sheets)

    @property
    def rows_valid(self) -> int:
        return self._issues_and_valid()[1]

    @property
    def issues(self) -> list[Issue]:
        return list(self._issues_and_valid()[0])

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self._issues_and_valid()[0] if i.severity == "error"]

    @property
    def ok(self) -> bool:
        return not any(i.severity == "error" for i in self._issues_and_valid()[0])

    def counts(self) -> Counter[tuple[str, str]]:
        return Counter((i.severity, i.problem) for i in self._issues_and_valid()[0])


def sheet_options(mapping: SheetMapping, sheet: str | int | None = None) -> SheetOptions:
    hidden = frozenset(mapping.used_columns())
    return SheetOptions(sheet=sheet if sheet is not None else (mapping.sheet_name or mapping.sheet_index),
                        header_row=mapping.header_row, encoding=mapping.encoding, delimiter=mapping.delimiter,
                        expected_columns=hidden, keep_hidden=hidden,
                        footer="keep" if mapping.footer == "keep" else "auto")


def ensure_mapping_fits(mapping: SheetMapping, catalog: PropertyCatalog) -> None:
    """Refuse a mapping whose properties the site does not have (a user error in the YAML)."""
    problems = [p for p in check_mapping(mapping, catalog) if "n'existe pas" not in p.message]
    if problems:
        raise MappingError("Le mapping ne convient pas au site / mapping does not fit the site :\n  "
                           + "\n  ".join(f"{p.where} : {p.message}" for p in problems),
                           problems[0].hint or "Voir docs/mappings.md.")


def validate_sheet(path: str | Path, mapping: SheetMapping, catalog: PropertyCatalog, *,
                   sheet: str | int | None = None, today: dt.date | None = None,
                   focus_item: str | None = None, allow_bad_checksums: bool = False) -> Validation:
    """Read ``path`` with ``mapping``. ``allow_bad_checksums``: an identifier whose check digit is wrong
    (ISNI, ORCID, ISBN…) is a warning instead of an error that keeps its row out of the batch.
    A mapping naming several tabs (``sheet.names``) reads each of them, unless ``sheet`` names one."""
    ensure_mapping_fits(mapping, catalog)
    tabs: tuple[str | int | None, ...] = (sheet,) if sheet is not None or not mapping.sheet_names \
        else mapping.sheet_names
    parts = []
    for tab in tabs:
        read = read_sheet(path, sheet_options(mapping, tab))
        if len(tabs) > 1 and read.sheet is None:
            raise SheetError(f"{read.file} : le mapping nomme plusieurs onglets (sheet.names : "
                             f"{', '.join(mapping.sheet_names)}) mais ce fichier n'a pas d'onglets / the mapping "
                             "names several tabs, this file has none.",
                             "Donnez le classeur (.xlsx, .ods) ; pour un CSV d'un seul onglet, retirez sheet.names "
                             f"de {mapping.path} / give the workbook, or remove sheet.names.")
        parts.append((read, RowMapper(read, mapping, catalog, today=today, focus_item=focus_item,
                                      allow_bad_checksums=allow_bad_checksums)))
    return Validation(parts[0][0], mapping, parts[0][1], tuple(parts[1:]))


def issue_row(issue: Issue, language: str = "fr") -> list[object]:
    s = issue.source
    return [s.file, s.sheet or "", s.row if s.row is not None else "", s.column or "", issue.value or "",
            severity_words(issue.severity, language), problem_words(issue.problem, language), issue.message,
            issue.hint or "", issue.problem, issue.severity]


_ORDER = {"error": 0, "warning": 1, "info": 2}


def sorted_issues(issues: list[Issue]) -> list[Issue]:
    return sorted(issues, key=lambda i: (i.source.row or 0, _ORDER[i.severity], i.source.column or ""))


def write_report(path: str | Path, issues: list[Issue], language: str = "fr") -> None:
    """Every problem, one per line: CSV (UTF-8 with BOM) or XLSX by extension; formula-safe cells."""
    with gc_paused():
        write_table(path, REPORT_HEADER, [issue_row(i, language) for i in sorted_issues(issues)])


def summary_lines(v: Validation, language: str = "fr") -> list[str]:
    counts = v.counts()
    tabs = " — onglets / sheets " + ", ".join(f"« {s.sheet} » ({len(s.rows)})" for s in v.sheets) \
        if len(v.sheets) > 1 else (f" — onglet « {v.sheet.sheet} »" if v.sheet.sheet else "")
    lines = [f"Fichier / file : {v.sheet.file}" + tabs,
             f"En-tête ligne / header row : {v.sheet.header_row}"
             + (f" — encodage {v.sheet.encoding}, séparateur « {v.sheet.delimiter} »"
                if v.sheet.encoding else ""),
             f"Lignes lues / rows read : {v.rows_read}",
             f"Lignes valides / valid rows : {v.rows_valid}"]
    if counts:
        kinds = {p: f"{problem_words(p, language)} [{p}]" for _, p in counts}
        width = max(len(k) for k in kinds.values())
        sev_width = max(len(severity_words(s, language)) for s, _ in counts)
        lines.append("Problèmes par type / problems by kind :")
        for (sev, problem), n in sorted(counts.items(), key=lambda kv: (_ORDER[kv[0][0]], -kv[1])):
            lines.append(f"  {severity_words(sev, language):<{sev_width}}  {kinds[problem]:<{width}} {n:>6}")
    else:
        lines.append("Aucun problème / no problems.")
    return lines


def problem_lines(issues: list[Issue], limit: int, language: str = "fr") -> list[str]:
    """The first ``limit`` problems (errors first, then by row), one line each: where, severity, value,
    what and the fix; then how many more there are."""
    ranked = sorted(issues, key=lambda i: (_ORDER[i.severity], i.source.row or 0, i.source.column or ""))
    lines = []
    for i in ranked[:limit]:
        value = f" « {i.value} »" if i.value else ""
        lines.append(f"  {i.source.where()} — {severity_words(i.severity, language)}{value} : {i.message}"
                     + (f" → {i.hint}" if i.hint else ""))
    if len(ranked) > limit:
        lines.append(f"  … et {len(ranked) - limit} autre(s) / and {len(ranked) - limit} more.")
    return lines


def write_records(path: str | Path, rows: tuple[MappedRow, ...] | list[MappedRow]) -> int:
    """One MappedRow per line (JSON); returns the number written."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n")
            n += 1
    tmp.replace(path)
    return n


def read_records(path: str | Path) -> list[MappedRow]:
    with Path(path).open(encoding="utf-8") as fh:
        return [MappedRow.from_json(json.loads(line)) for line in fh if line.strip()]
