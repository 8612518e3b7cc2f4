"""Read spreadsheets as volunteers write them: CSV (UTF-8, UTF-8 with BOM, Windows-1252; `,` `;` or tab),
XLSX (openpyxl: merged cells, hidden columns, number formats, formulas) and ODS/XLS (python-calamine).

Every cell is read as *text* (so identifiers keep their leading zeros); Excel date cells and numbers are
turned into text deliberately (ISO dates, integers without ``.0``). Whitespace, non-breaking spaces and
Unicode are normalised (:func:`clean_text`); nothing else is changed. Each row keeps its provenance:
file name, sheet, and the row number the user sees in the spreadsheet.

The CSV path uses the standard ``csv`` module instead of pandas: it keeps every cell as text, gives the
record number a spreadsheet shows (a quoted field with newlines is one row), and is fast enough.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gc
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import SheetError
from ..model import Issue, Row, SourceRef

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

_SPACES = re.compile(r"[ \t\u00a0\u2007\u2009\u200a\u202f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\x00-\x08\x0c\x0e-\x1f\x7f]")
# A row whose cells are all already clean: printable ASCII or Latin letters (U+00A1–U+02FF: each NFC-stable,
# alone or next to any other, and none a space), single spaces inside, none at either end. clean_text would
# return such cells unchanged; most rows are like that and skip it (cells joined by newlines, checked at once).
_CLEAN_CELL = r"(?:[!-~\u00a1-\u02ff](?:[ -~\u00a1-\u02ff]*[!-~\u00a1-\u02ff])?)?"
_CLEAN_ROW = re.compile(_CLEAN_CELL + r"(?:\n" + _CLEAN_CELL + ")*")
_MAX_HEADER_SCAN = 50
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@contextmanager
def gc_paused(*, untrack_text: bool = False) -> Iterator[None]:
    """Pause CPython's cyclic garbage collector while building many objects that all stay alive.

    Reading and mapping a large sheet allocates millions of small objects (rows, statements, issues) and
    keeps them; the collector would walk the growing heap again and again — half of ``validate``'s time on
    100,000 rows. These loops make no reference cycles, so nothing waits longer to be freed than the
    pause; the collector's previous state is restored, even on errors.

    ``untrack_text``: end with one young collection over what the pause created, which lets go of the
    tuples and dicts holding only text (the cells of every row) so that no later collection walks them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if untrack_text:
            gc.collect(0)
        # The survivors are long-lived: unfreeze puts them in the oldest generation at once (its documented
        # effect) instead of walking them on the way there. Skipped when someone froze objects on purpose.
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if was_enabled:
            gc.enable()


def clean_text(text: str) -> str:
    """Trim, collapse spaces (incl. no-break and narrow no-break), unify newlines, NFC."""
    if text.isascii() and "  " not in text and "\t" not in text and "\r" not in text and "\n" not in text:
        return text.strip() if "\x00" not in text else _INVISIBLE.sub("", text).strip()
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n")
    text = _INVISIBLE.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n ")


def normalize_key(text: str) -> str:
    """Case-, accent- and spacing-insensitive key (column titles, controlled vocabularies)."""
    text = unicodedata.normalize("NFKD", clean_text(text).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-")
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class SheetOptions:
    """How to read a file; every field may be left to detection."""

    sheet: str | int | None = None  # name, or 1-based index; default: the first visible sheet
    header_row: int | None = None  # spreadsheet row number of the titles; default: detected
    encoding: str | None = None  # CSV only; default: detected (BOM, UTF-8, Windows-1252)
    delimiter: str | None = None  # CSV only; default: sniffed among , ; tab
    expected_columns: frozenset[str] = frozenset()  # titles the mapping uses: help find the header row
    keep_hidden: frozenset[str] = frozenset()  # hidden columns to keep (the mapping uses them)
    footer: Literal["auto", "keep"] = "auto"  # "auto": a trailing block of one-cell note rows is skipped


@dataclass(frozen=True)
class Sheet:
    file: str  # file name as shown in reports
    sheet: str | None
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    header_row: int
    issues: tuple[Issue, ...] = ()
    format: str = "csv"
    encoding: str | None = None
    delimiter: str | None = None
    hidden_columns: tuple[str, ...] = ()
    duplicate_columns: tuple[str, ...] = ()
    # row number → problems found while reading that row (cell count, mojibake, mixed encodings): errors
    # that belong to the row, so that mapping keeps the row out (and only it)
    row_issues: Mapping[int, tuple[Issue, ...]] = field(default_factory=dict)

    def where(self, row: int | None = None, column: str | None = None) -> SourceRef:
        return SourceRef(self.file, self.sheet, row, column)


@dataclass
class _Grid:
    """Raw cell texts (before header detection); ``row_numbers[i]`` is the user-visible row number."""

    cells: list[list[str]]
    row_numbers: list[int]
    sheet: str | None
    format: str
    column_names: list[str]  # "A", "B", … for workbooks, "1", "2", … for CSV
    hidden: set[int] = field(default_factory=set)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row0, col0, row1, col1) 0-based
    issues: list[Issue] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    # CSV rows (0-based, as in ``cells``) decoded in another encoding than the rest of the file: name
    odd_rows: dict[int, str] = field(default_factory=dict)


def read_sheet(path: str | Path, options: SheetOptions = SheetOptions()) -> Sheet:
    """Read one sheet of a CSV/XLSX/ODS file into rows of cleaned text with provenance."""
    with gc_paused(untrack_text=True):
        return _read_sheet(Path(path), options)


def _read_sheet(path: Path, options: SheetOptions) -> Sheet:
    name = path.name
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise SheetError(f"{name} : fichier introuvable / file not found ({path}).",
                         "Vérifiez le chemin du tableur / check the path.") from None
    except OSError as exc:
        raise SheetError(f"{name} : lecture impossible / cannot read ({exc.strerror}).") from None
    if path.stat().st_size == 0:
        raise SheetError(f"{name} : le fichier est vide / the file is empty.",
                         "Exportez à nouveau le tableur / export the spreadsheet again.")
    suffix = path.suffix.lower()
    if head.startswith(_ZIP_MAGIC):
        grid = _read_zip_workbook(path, options)
        if suffix in (".csv", ".tsv", ".txt"):
            grid.issues.append(Issue("warning", "not-really-csv",
                                     f"{name} porte l'extension {suffix} mais c'est un classeur "
                                     f"{grid.format.upper()} ; lu comme tel / is actually a workbook.",
                                     SourceRef(name, grid.sheet), None,
                                     f"Renommez le fichier en .{grid.format} / rename it."))
    elif head.startswith(_OLE_MAGIC):
        grid = _read_calamine(path, options, "xls")
    else:
        if suffix in (".xlsx", ".xlsm", ".ods"):
            raise SheetError(f"{name} : ce n'est pas un classeur {suffix} valide (contenu texte ou "
                             f"endommagé) / not a valid {suffix} workbook.",
                             "Ouvrez-le dans le tableur et enregistrez-le à nouveau, ou renommez-le .csv.")
        grid = _read_csv(path, options)
    return _build_sheet(name, grid, options)


# --------------------------------------------------------------------------------------------- CSV


def _decode(data: bytes, name: str, encoding: str | None) -> tuple[str, str]:
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise SheetError(f"Encodage inconnu / unknown encoding : {encoding}.",
                             "Utilisez utf-8, utf-8-sig ou cp1252.") from None
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            raise SheetError(f"{name}, ligne {line} : octets invalides pour l'encodage {encoding} "
                             f"(position {exc.start}) / invalid bytes for {encoding}.",
                             "Enlevez l'option d'encodage pour la détection automatique.") from None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            raise SheetError(f"{name}, ligne {line} : le fichier annonce UTF-8 (BOM) mais contient des "
                             f"octets invalides / UTF-8 BOM but invalid bytes.",
                             "Réenregistrez le fichier en « CSV UTF-8 » depuis le tableur.") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        raise SheetError(f"{name} : fichier binaire, pas un CSV ni un classeur reconnu / binary file, "
                         "not a CSV or a known workbook.",
                         "Exportez en CSV (UTF-8) ou en XLSX depuis le tableur.")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # French Excel's default "CSV (séparateur : point-virgule)" is Windows-1252.
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _decode_lines(data: bytes) -> tuple[str, str, dict[int, str]] | None:
    """A file not valid UTF-8 as a whole whose lines are each UTF-8 or Windows-1252 (two people edited it
    with different tools): each line decoded in its own encoding, the majority's name, and the lines
    (0-based) in the other encoding → its name. ``None`` when the file is not mixed."""
    lines = data.split(b"\n")
    texts: list[str] = []
    kinds: list[str | None] = []  # "utf-8" / "cp1252" for lines with non-ASCII bytes, None for ASCII
    for line in lines:
        if line.isascii():
            texts.append(line.decode("ascii"))
            kinds.append(None)
            continue
        try:
            texts.append(line.decode("utf-8"))
            kinds.append("utf-8")
        except UnicodeDecodeError:
            try:
                texts.append(line.decode("cp1252"))
            except UnicodeDecodeError:
                return None  # not Windows-1252 either: the caller's latin-1 fallback
            kinds.append("cp1252")
    utf8 = kinds.count("utf-8")
    if not utf8:
        return None
    majority = "utf-8" if utf8 >= kinds.count("cp1252") else "cp1252"
    odd = {i: k for i, k in enumerate(kinds) if k is not None and k != majority}
    return "\n".join(texts), majority, odd


def _sniff_delimiter(text: str) -> str:
    sample_lines = [ln for ln in text[:65536].splitlines() if ln.strip()][:30]
    sample = "\n".join(sample_lines)
    best, best_score = ",", (-1, -1)
    for delim in (",", ";", "\t", "|"):
        counts = [len(r) for r in csv.reader(io.StringIO(sample), delimiter=delim) if any(c.strip() for c in r)]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (counts.count(mode), mode)  # consistent width first, then more columns
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_csv(path: Path, options: SheetOptions) -> _Grid:
    name = path.name
    data = path.read_bytes()
    text, encoding = _decode(data, name, options.encoding)
    odd_lines: dict[int, str] = {}
    if encoding in ("cp1252", "latin-1") and not options.encoding:
        mixed = _decode_lines(data)
        if mixed is not None:
            text, encoding, odd_lines = mixed
    del data
    if not text.strip():
        raise SheetError(f"{name} : le fichier ne contient aucune donnée / the file has no data.",
                         "Vérifiez que l'export a bien fonctionné / check the export.")
    delimiter = options.delimiter or _sniff_delimiter(text)
    cells: list[list[str]] = []
    odd_rows: dict[int, str] = {}
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        first_line = 0  # 0-based physical line where the next record starts
        for r in reader:
            if odd_lines:
                odd = next((odd_lines[n] for n in range(first_line, reader.line_num) if n in odd_lines), None)
                if odd is not None:
                    odd_rows[len(cells)] = odd
                first_line = reader.line_num
            joined = "\n".join(r)
            if _CLEAN_ROW.fullmatch(joined) and joined.count("\n") == len(r) - 1 and "  " not in joined:
                cells.append(r)  # already clean (no newline inside a cell: the count says so)
            else:
                cells.append([clean_text(c) for c in r])
    except csv.Error as exc:
        raise SheetError(f"{name} : CSV mal formé / malformed CSV ({exc}).",
                         "Un guillemet (\") n'est probablement pas fermé ; corrigez la cellule dans le "
                         "tableur puis exportez à nouveau.") from None
    del text
    width = max((len(r) for r in cells), default=0)
    grid = _Grid(cells, list(range(1, len(cells) + 1)), None, "csv",
                 [str(i + 1) for i in range(width)], encoding=encoding, delimiter=delimiter, odd_rows=odd_rows)
    if encoding == "latin-1":
        grid.issues.append(Issue("warning", "encoding-guess",
                                 f"{name} : encodage incertain, lu en latin-1 / uncertain encoding.",
                                 SourceRef(name), None, "Réenregistrez le fichier en « CSV UTF-8 »."))
    return grid


# --------------------------------------------------------------------------------------------- workbooks


def _pick_sheet(names: Sequence[str], visible: Sequence[bool], wanted: str | int | None, file: str) -> int:
    listing = ", ".join(f"« {n} »" for n in names)
    if wanted is None:
        return next((i for i, v in enumerate(visible) if v), 0)
    if isinstance(wanted, int) or (isinstance(wanted, str) and wanted.isdigit() and wanted not in names):
        idx = int(wanted)
        if 1 <= idx <= len(names):
            return idx - 1
        raise SheetError(f"{file} : pas d'onglet numéro {idx} (il y en a {len(names)}) / no sheet #{idx}.",
                         f"Onglets / sheets : {listing}.")
    if wanted in names:
        return names.index(wanted)
    keys = [normalize_key(n) for n in names]
    if normalize_key(wanted) in keys:
        return keys.index(normalize_key(wanted))
    raise SheetError(f"{file} : onglet « {wanted} » introuvable / sheet not found.",
                     f"Onglets disponibles / available sheets : {listing}.")


def _number_text(value: float | int | Decimal, number_format: str = "General") -> str:
    fmt = number_format or "General"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        # Excel keeps 15 significant digits: integral floats are identifiers or years, not 1982.0.
        value = int(value) if value.is_integer() and abs(value) < 1e16 else Decimal(repr(value))
    if isinstance(value, int):
        zeros = re.fullmatch(r"0+", fmt)
        return f"{value:0{len(fmt)}d}" if zeros else str(value)
    return format(value, "f")


def _date_text(value: dt.datetime | dt.date | dt.time, number_format: str = "") -> str:
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, dt.datetime) and value.time() != dt.time(0):
        return value.isoformat(sep="T")
    day = value.date() if isinstance(value, dt.datetime) else value
    fmt = re.sub(r"\[[^\]]*\]|\"[^\"]*\"", "", (number_format or "").lower())
    if fmt and "y" in fmt and "d" not in fmt:
        # A date cell shown as "mmmm yyyy" or "yyyy" means month or year precision.
        return f"{day.year:04d}-{day.month:02d}" if "m" in fmt else f"{day.year:04d}"
    return day.isoformat()


def _cell_text(value: Any, number_format: str = "General") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return _date_text(value, number_format)
    if isinstance(value, int | float | Decimal):
        return _number_text(value, number_format)
    if isinstance(value, dt.timedelta):
        return str(value)
    return clean_text(str(value))


def _col_letter(idx: int) -> str:
    out = ""
    idx += 1
    while idx:
        idx, rem = divmod(idx - 1, 26)
        out = chr(65 + rem) + out
    return out


def _read_zip_workbook(path: Path, options: SheetOptions) -> _Grid:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            is_ods = "mimetype" in names and zf.read("mimetype").startswith(b"application/vnd.oasis")
    except (zipfile.BadZipFile, OSError, EOFError):
        raise SheetError(f"{path.name} : classeur endommagé ou incomplet (archive zip illisible) / damaged or "
                         "truncated workbook.",
                         "Ouvrez-le dans Excel/LibreOffice et enregistrez-le à nouveau, ou renvoyez le "
                         "fichier complet.") from None
    if is_ods:
        return _read_calamine(path, options, "ods")
    if "xl/workbook.xml" not in names:
        raise SheetError(f"{path.name} : archive zip qui n'est pas un classeur Excel / zip archive, not a "
                         "workbook.", "Fournissez un fichier .xlsx, .ods ou .csv.")
    return _read_xlsx(path, options)


def _read_xlsx(path: Path, options: SheetOptions) -> _Grid:
    import openpyxl  # only this module reads workbooks

    name = path.name
    try:
        # A file object, not the path: openpyxl refuses names not ending in .xlsx (a "CSV" that is XLSX).
        with path.open("rb") as fh:
            wb = openpyxl.load_workbook(fh, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise SheetError(f"{name} : classeur illisible / unreadable workbook ({type(exc).__name__}: {exc}).",
                         "Ouvrez-le dans Excel/LibreOffice et enregistrez-le à nouveau en .xlsx.") from None
    sheets = wb.worksheets
    idx = _pick_sheet([ws.title for ws in sheets], [ws.sheet_state == "visible" for ws in sheets],
                      options.sheet, name)
    ws = sheets[idx]
    cells, issues = _xlsx_cells(path, ws, idx)
    width = ws.max_column or 0
    hidden: set[int] = set()
    for dim in ws.column_dimensions.values():
        if dim.hidden and dim.min:
            hidden.update(range(dim.min - 1, (dim.max or dim.min)))
    merged = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
    return _Grid(cells, list(range(1, len(cells) + 1)), ws.title, "xlsx",
                 [_col_letter(i) for i in range(width)], hidden, merged, issues)


def _xlsx_cells(path: Path, ws: Worksheet, idx: int) -> tuple[list[list[str]], list[Issue]]:
    """The text of every cell of worksheet ``ws`` (the ``idx``-th of the workbook): a formula shows the
    result the spreadsheet saved (read from a second, values-only load, done only when a formula is
    met); a formula without a saved result is an error."""
    import openpyxl

    cached_ws = None  # cached formula results, loaded only when the sheet has formulas
    cells: list[list[str]] = []
    issues: list[Issue] = []
    width = ws.max_column or 0
    for r_idx, row in enumerate(ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=width), start=1):
        texts = []
        for c_idx, cell in enumerate(row, start=1):  # c_idx == cell.column (iter_rows starts at column 1)
            value = cell.value
            if cell.data_type == "f":
                if cached_ws is None:
                    with path.open("rb") as fh:
                        cached_ws = openpyxl.load_workbook(fh, data_only=True).worksheets[idx]
                value = cached_ws.cell(row=r_idx, column=c_idx).value
                if value is None:
                    issues.append(_formula_without_value(path.name, ws.title, r_idx, c_idx, cell.value))
                    texts.append("")
                    continue
            elif not isinstance(value, str | type(None)) and hasattr(value, "text"):
                value = getattr(value, "text", "")  # rich text / array formula objects
            texts.append(_cell_text(value, cell.number_format))
        cells.append(texts)
    return cells, issues


def _formula_without_value(name: str, sheet: str, row: int, column: int, formula: object) -> Issue:
    return Issue("error", "formula-no-value",
                 f"Formule sans résultat enregistré / formula without a saved result ({formula}).",
                 SourceRef(name, sheet, row, _col_letter(column - 1)), str(formula),
                 "Ouvrez le fichier dans le tableur et enregistrez-le (les résultats sont alors calculés), "
                 "ou collez les valeurs à la place des formules.")


def _read_calamine(path: Path, options: SheetOptions, fmt: str) -> _Grid:
    from python_calamine import CalamineWorkbook

    name = path.name
    try:
        wb = CalamineWorkbook.from_path(str(path))
        metas = wb.sheets_metadata
        names = [m.name for m in metas]
        idx = _pick_sheet(names, [str(m.visible).endswith("Visible") for m in metas], options.sheet, name)
        sheet = wb.get_sheet_by_index(idx)
        data = sheet.to_python(skip_empty_area=False)
        merged = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or [])]
    except SheetError:
        raise
    except Exception as exc:
        hint = ("Le fichier est peut-être protégé par mot de passe : enregistrez-en une copie sans mot de "
                "passe." if fmt == "xls" else "Ouvrez-le dans le tableur et enregistrez-le à nouveau.")
        raise SheetError(f"{name} : classeur illisible / unreadable workbook ({type(exc).__name__}: {exc}).",
                         hint) from None
    width = max((len(r) for r in data), default=0)
    cells = [[_cell_text(v) for v in r] for r in data]
    return _Grid(cells, list(range(1, len(cells) + 1)), names[idx], fmt,
                 [_col_letter(i) for i in range(width)], merged=merged)


# --------------------------------------------------------------------------------------------- rows


def _find_header(cells: list[list[str]], expected: frozenset[str]) -> int | None:
    scan = cells[:_MAX_HEADER_SCAN]
    if expected:
        keys = {normalize_key(e) for e in expected}
        hits = [sum(1 for c in row if c and normalize_key(c) in keys) for row in scan]
        if hits and max(hits) > 0:
            return hits.index(max(hits))
    counts = [sum(1 for c in row if c) for row in scan]
    if not counts or max(counts) == 0:
        return None
    need = max(2, (max(counts) + 1) // 2) if max(counts) >= 2 else 1
    return next(i for i, n in enumerate(counts) if n >= need)


def _header_index(file: str, grid: _Grid, options: SheetOptions) -> int:
    """The index in ``grid.cells`` of the header row: the mapping's ``header_row``, else detected."""
    if not any(any(c for c in row) for row in grid.cells):
        raise SheetError(f"{file}{f' (onglet « {grid.sheet} »)' if grid.sheet else ''} : aucune donnée / "
                         "no data.", "Choisissez un autre onglet ou vérifiez le fichier.")
    if options.header_row is not None:
        if options.header_row not in grid.row_numbers:
            raise SheetError(f"{file} : la ligne d'en-tête {options.header_row} n'existe pas / header row "
                             "does not exist.", "Corrigez header_row dans le mapping.")
        return grid.row_numbers.index(options.header_row)
    found = _find_header(grid.cells, options.expected_columns)
    assert found is not None
    return found


def _fill_merged(cells: list[list[str]], merged: list[tuple[int, int, int, int]], h: int) -> None:
    """Merged ranges below the header: every cell of the range shows the top-left value (in place)."""
    for r0, c0, r1, c1 in merged:
        if r0 <= h or r0 >= len(cells):
            continue
        top = cells[r0][c0] if c0 < len(cells[r0]) else ""
        for r in range(r0, min(r1, len(cells) - 1) + 1):
            row = cells[r]
            row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                row[c] = top


@dataclass
class _Columns:
    """The kept columns (index in the grid, unique title), and what was left out or renamed."""

    kept: list[tuple[int, str]] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def _column_letter_or_number(grid: _Grid, idx: int) -> str:
    return grid.column_names[idx] if idx < len(grid.column_names) else str(idx + 1)


def _pick_columns(file: str, grid: _Grid, options: SheetOptions, h: int, header: list[str],
                  issues: list[Issue]) -> _Columns:
    """Titles for every column with a title or data; hidden columns left out unless kept; duplicate
    titles numbered (« Nom (2) ») with a warning."""
    cells = grid.cells
    out = _Columns()
    seen: dict[str, int] = {}
    keep = {normalize_key(k) for k in options.keep_hidden}
    for idx, title in enumerate(header):
        if not title:
            if not any(idx < len(r) and r[idx] for r in cells[h + 1:]):
                continue
            title = f"Colonne {_column_letter_or_number(grid, idx)}"
        title = title.replace("\n", " ")
        if idx in grid.hidden and normalize_key(title) not in keep:
            out.hidden.append(title)
            continue
        key = normalize_key(title)
        if key in seen:
            seen[key] += 1
            out.duplicates.append(title)
            issues.append(Issue("warning", "duplicate-column",
                                f"Titre de colonne en double / duplicate column title « {title} » "
                                f"(colonne {_column_letter_or_number(grid, idx)}).",
                                SourceRef(file, grid.sheet, grid.row_numbers[h], title), title,
                                "Renommez l'une des deux colonnes dans le tableur."))
            title = f"{title} ({seen[key]})"
        else:
            seen[key] = 1
        out.kept.append((idx, title))
    return out


def _note_rows(cells: list[list[str]], data_idx: list[int], h: int, footer: str) -> set[int]:
    """With ``footer: auto``, a block of one-cell rows after the last blank row is a note under the
    table (« * à confirmer »): the indexes of those rows."""
    if footer != "auto" or not data_idx:
        return set()
    block: list[int] = []
    for i in reversed(data_idx):
        if sum(1 for c in cells[i] if c) == 1 and cells[i][0]:
            block.insert(0, i)
        else:
            break
    if block and block[0] - 1 > h and not any(cells[block[0] - 1]) and len(block) < len(data_idx):
        return set(block)
    return set()


def _data_rows(file: str, grid: _Grid, h: int, width_titles: int, columns: list[tuple[int, str]],
               issues: list[Issue], options: SheetOptions) -> tuple[list[Row], dict[int, tuple[Issue, ...]]]:
    """The rows under the header (blank rows and notes left out), each cell paired with its title, and
    the reading problems of each row by its number."""
    cells = grid.cells
    data_idx = [i for i in range(h + 1, len(cells)) if any(cells[i])]
    skipped = _note_rows(cells, data_idx, h, options.footer)
    row_issues: dict[int, tuple[Issue, ...]] = {}
    widths = _row_widths(grid, h, data_idx)
    titles = tuple(t for _, t in columns)
    positions = [idx for idx, _ in columns]
    in_place = positions == list(range(len(positions)))  # no column left out: cells zip with titles as they are
    n_titles = len(titles)
    rows: list[Row] = []
    for i in data_idx:
        number = grid.row_numbers[i]
        if i in skipped:
            issues.append(Issue("info", "note-row", "Ligne de note sous le tableau, ignorée / note row under "
                                "the table, skipped.", SourceRef(file, grid.sheet, number), cells[i][0][:200],
                                "Si c'est une donnée, mettez footer: keep dans le mapping."))
            continue
        raw = cells[i]
        problems = _row_problems(grid, i, raw, SourceRef(file, grid.sheet, number), widths, columns)
        if problems:
            row_issues[number] = problems
        if in_place:
            values = raw if len(raw) >= n_titles else raw + [""] * (n_titles - len(raw))
        else:
            values = [raw[idx] if idx < len(raw) else "" for idx in positions]
        rows.append(Row(SourceRef(file, grid.sheet, number), tuple(zip(titles, values, strict=False))))  # extra cells: reported above
    return rows, row_issues


def _build_sheet(file: str, grid: _Grid, options: SheetOptions) -> Sheet:
    h = _header_index(file, grid, options)
    cells = grid.cells
    issues = list(grid.issues)
    width = max((len(r) for r in cells), default=0)
    header = cells[h] + [""] * (width - len(cells[h]))
    _fill_merged(cells, grid.merged, h)
    columns = _pick_columns(file, grid, options, h, header, issues)
    rows, row_issues = _data_rows(file, grid, h, len(header), columns.kept, issues, options)
    return Sheet(file, grid.sheet, tuple(t for _, t in columns.kept), tuple(rows), grid.row_numbers[h],
                 tuple(issues), grid.format, grid.encoding, grid.delimiter, tuple(columns.hidden),
                 tuple(columns.duplicates), row_issues)


# --------------------------------------------------------------------------------------------- row problems

CELL_COUNT, MOJIBAKE, MIXED_ENCODING = "cell-count", "mojibake", "mixed-encoding"
_ENCODING_NAMES = {"utf-8": "UTF-8", "cp1252": "Windows-1252"}
# UTF-8 read as Windows-1252 (or Latin-1): a lead byte shown as Â…ô, then continuation bytes 0x80–0xBF
# shown as their Windows-1252 (or C1 control) characters: « Ã© » for é, « â€™ » for ’.
_CONTINUATION = "".join(sorted(set(bytes(range(0x80, 0xC0)).decode("cp1252", "ignore"))
                               | {chr(c) for c in range(0x80, 0xA0)}))
_MOJIBAKE = re.compile(f"[\u00c2-\u00df][{re.escape(_CONTINUATION)}]"
                       f"|[\u00e0-\u00ef][{re.escape(_CONTINUATION)}]{{2}}"
                       f"|[\u00f0-\u00f4][{re.escape(_CONTINUATION)}]{{3}}")


@dataclass(frozen=True)
class _Widths:
    """What a CSV row's cell count may be: the header's, the titled part of it, the file's usual one."""

    header: int
    titled: int
    usual: int


def _row_widths(grid: _Grid, h: int, data_idx: Sequence[int]) -> _Widths | None:
    if grid.format != "csv" or not data_idx:
        return None  # a workbook's rows are a grid: no separator can shift them
    header = grid.cells[h]
    titled = max((n + 1 for n, t in enumerate(header) if t), default=0)
    counts: dict[int, int] = {}
    for i in data_idx:
        counts[len(grid.cells[i])] = counts.get(len(grid.cells[i]), 0) + 1
    return _Widths(len(header), titled, max(counts, key=lambda w: (counts[w], w == len(header))))


def _row_problems(grid: _Grid, i: int, raw: Sequence[str], src: SourceRef, widths: _Widths | None,
                  columns: Sequence[tuple[int, str]]) -> tuple[Issue, ...]:
    """Reading problems of one data row: a CSV row with more or fewer cells than the header (an
    unquoted separator shifts every later cell), a row in another encoding than the file, mojibake."""
    out: list[Issue] = []
    n = len(raw)
    if widths is not None and n not in (widths.header, widths.usual) and (n > widths.header or n < widths.titled):
        sep = {",": "virgule", ";": "point-virgule", "\t": "tabulation"}.get(grid.delimiter or "", "séparateur")
        out.append(Issue("error", CELL_COUNT, f"Cette ligne a {n} cellules, l'en-tête en a {widths.header} / this "
                         f"row has {n} cells, the header has {widths.header}.", src, " | ".join(raw)[:200],
                         f"Une cellule contient sans doute un {sep} sans guillemets (ou une cellule manque) : "
                         "mettez-la entre guillemets dans le tableur, ou corrigez la ligne, puis exportez à nouveau."))
    odd = grid.odd_rows.get(i)
    if odd is not None:
        other = _ENCODING_NAMES.get(grid.encoding or "", grid.encoding)
        out.append(Issue("error", MIXED_ENCODING, f"Cette ligne est en {_ENCODING_NAMES.get(odd, odd)}, le reste du "
                         f"fichier en {other} / this row is encoded differently from the rest of the file.", src,
                         " | ".join(c for c in raw if c)[:200],
                         "Ouvrez le fichier dans le tableur et enregistrez-le en « CSV UTF-8 » ; vérifiez les "
                         "accents de cette ligne."))
    if any(_MOJIBAKE.search(c) for c in raw if not c.isascii()):
        out += _mojibake(raw, src, columns)
    return tuple(out)


def _repaired(text: str) -> str | None:
    """``text`` with every UTF-8-read-as-Windows-1252 sequence decoded back; None when there is none."""
    def fix(m: re.Match[str]) -> str:
        for enc in ("cp1252", "latin-1"):
            try:
                return m[0].encode(enc).decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
        return m[0]

    fixed = _MOJIBAKE.sub(fix, text)
    return fixed if fixed != text else None


def _mojibake(raw: Sequence[str], src: SourceRef, columns: Sequence[tuple[int, str]]) -> list[Issue]:
    out = []
    for idx, title in columns:
        text = raw[idx] if idx < len(raw) else ""
        fixed = _repaired(text) if text and not text.isascii() else None
        if fixed is not None:
            out.append(Issue("error", MOJIBAKE, f"Caractères mal décodés (« {text[:60]} ») : sans doute « {fixed[:60]} » "
                             "/ mojibake (UTF-8 read as Windows-1252).", src.at(title), text[:200],
                             f"Corrigez la cellule en « {fixed[:80]} » ; si tout le fichier est touché, "
                             "enregistrez-le en « CSV UTF-8 » depuis le tableur."))
    return out


def write_table(path: str | Path, header: Sequence[str], rows: Sequence[Sequence[Any]],
                sheet_name: str = "Problèmes") -> None:
    """Write a CSV (UTF-8 with BOM, so Excel opens it right) or XLSX report, escaping formula injection."""
    path = Path(path)
    safe_rows = [[escape_cell(v) for v in r] for r in rows]
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.worksheets[0]  # the one sheet a new workbook has (``wb.active`` is typed Optional)
        ws.title = sheet_name[:31]
        ws.append(list(header))
        for r in safe_rows:
            ws.append(r)
        from ..xlsxstyle import style_table

        style_table(ws)  # widths, bold frozen header, autofilter
        wb.save(path)
        return
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(safe_rows)


def escape_cell(value: Any) -> Any:
    """Text starting with = + - @ (or tab/CR) would run as a formula in a spreadsheet: prefix a quote."""
    if value is None:
        return ""
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        return "'" + value
    return value
