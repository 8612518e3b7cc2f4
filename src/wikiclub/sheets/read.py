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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from ..errors import SheetError
from ..model import Issue, Row, SourceRef

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
    text, encoding = _decode(path.read_bytes(), name, options.encoding)
    if not text.strip():
        raise SheetError(f"{name} : le fichier ne contient aucune donnée / the file has no data.",
                         "Vérifiez que l'export a bien fonctionné / check the export.")
    delimiter = options.delimiter or _sniff_delimiter(text)
    cells: list[list[str]] = []
    try:
        for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
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
                 [str(i + 1) for i in range(width)], encoding=encoding, delimiter=delimiter)
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
    cached_ws = None  # cached formula results, loaded only when the sheet has formulas
    cells: list[list[str]] = []
    issues: list[Issue] = []
    width = ws.max_column or 0
    for r_idx, row in enumerate(ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=width), start=1):
        texts = []
        for c_idx, cell in enumerate(row, start=1):  # c_idx == cell.column (iter_rows starts at column 1)
            value = cell.value
            if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=") and cell.data_type == "f"):
                if cached_ws is None:
                    with path.open("rb") as fh:
                        cached_ws = openpyxl.load_workbook(fh, data_only=True).worksheets[idx]
                value = cached_ws.cell(row=r_idx, column=c_idx).value
                if value is None:
                    issues.append(Issue("error", "formula-no-value",
                                        "Formule sans résultat enregistré / formula without a saved result "
                                        f"({cell.value}).",
                                        SourceRef(name, ws.title, r_idx, _col_letter(c_idx - 1)),
                                        str(cell.value),
                                        "Ouvrez le fichier dans le tableur et enregistrez-le (les résultats "
                                        "sont alors calculés), ou collez les valeurs à la place des formules."))
                    texts.append("")
                    continue
            elif not isinstance(value, str | type(None)) and hasattr(value, "text"):
                value = getattr(value, "text", "")  # rich text / array formula objects
            texts.append(_cell_text(value, cell.number_format))
        cells.append(texts)
    hidden: set[int] = set()
    for dim in ws.column_dimensions.values():
        if dim.hidden and dim.min:
            hidden.update(range(dim.min - 1, (dim.max or dim.min)))
    merged = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
    return _Grid(cells, list(range(1, len(cells) + 1)), ws.title, "xlsx",
                 [_col_letter(i) for i in range(width)], hidden, merged, issues)


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


def _build_sheet(file: str, grid: _Grid, options: SheetOptions) -> Sheet:
    cells = grid.cells
    if not any(any(c for c in row) for row in cells):
        raise SheetError(f"{file}{f' (onglet « {grid.sheet} »)' if grid.sheet else ''} : aucune donnée / "
                         "no data.", "Choisissez un autre onglet ou vérifiez le fichier.")
    if options.header_row is not None:
        if options.header_row not in grid.row_numbers:
            raise SheetError(f"{file} : la ligne d'en-tête {options.header_row} n'existe pas / header row "
                             "does not exist.", "Corrigez header_row dans le mapping.")
        h = grid.row_numbers.index(options.header_row)
    else:
        found = _find_header(cells, options.expected_columns)
        assert found is not None
        h = found
    header_number = grid.row_numbers[h]
    issues = list(grid.issues)
    width = max((len(r) for r in cells), default=0)
    header = cells[h] + [""] * (width - len(cells[h]))

    # Merged ranges below the header: every cell of the range shows the top-left value.
    for r0, c0, r1, c1 in grid.merged:
        if r0 <= h or r0 >= len(cells):
            continue
        top = cells[r0][c0] if c0 < len(cells[r0]) else ""
        for r in range(r0, min(r1, len(cells) - 1) + 1):
            row = cells[r]
            row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                row[c] = top

    columns: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    hidden_names, duplicates = [], []
    keep = {normalize_key(k) for k in options.keep_hidden}
    for idx, title in enumerate(header):
        if not title:
            if not any(idx < len(r) and r[idx] for r in cells[h + 1:]):
                continue
            title = f"Colonne {grid.column_names[idx] if idx < len(grid.column_names) else idx + 1}"
        title = title.replace("\n", " ")
        if idx in grid.hidden and normalize_key(title) not in keep:
            hidden_names.append(title)
            continue
        key = normalize_key(title)
        if key in seen:
            seen[key] += 1
            duplicates.append(title)
            issues.append(Issue("warning", "duplicate-column",
                                f"Titre de colonne en double / duplicate column title « {title} » "
                                f"(colonne {grid.column_names[idx] if idx < len(grid.column_names) else idx + 1}).",
                                SourceRef(file, grid.sheet, header_number, title), title,
                                "Renommez l'une des deux colonnes dans le tableur."))
            title = f"{title} ({seen[key]})"
        else:
            seen[key] = 1
        columns.append((idx, title))

    data_idx = [i for i in range(h + 1, len(cells)) if any(cells[i])]
    skipped_notes: list[int] = []
    if options.footer == "auto" and data_idx:
        # A block of one-cell rows after the last blank row is a note under the table ("* à confirmer").
        block: list[int] = []
        for i in reversed(data_idx):
            if sum(1 for c in cells[i] if c) == 1 and cells[i][0]:
                block.insert(0, i)
            else:
                break
        if block and block[0] - 1 > h and not any(cells[block[0] - 1]) and len(block) < len(data_idx):
            skipped_notes = block
    rows: list[Row] = []
    width_titles = len(header)
    skipped = set(skipped_notes)
    titles = tuple(t for _, t in columns)
    positions = [idx for idx, _ in columns]
    in_place = positions == list(range(len(positions)))  # no column left out: cells zip with titles as they are
    n_titles = len(titles)
    for i in data_idx:
        number = grid.row_numbers[i]
        if i in skipped:
            issues.append(Issue("info", "note-row", "Ligne de note sous le tableau, ignorée / note row under "
                                "the table, skipped.", SourceRef(file, grid.sheet, number), cells[i][0][:200],
                                "Si c'est une donnée, mettez footer: keep dans le mapping."))
            continue
        raw = cells[i]
        extra = [c for c in raw[width_titles:] if c] if len(raw) > width_titles else None
        if extra:
            issues.append(Issue("warning", "extra-cells",
                                "Plus de cellules que de titres (virgule non protégée ?) / more cells than "
                                "column titles.", SourceRef(file, grid.sheet, number), " | ".join(extra)[:200],
                                "Mettez la valeur contenant le séparateur entre guillemets, ou ajoutez un "
                                "titre de colonne."))
        if in_place:
            values = raw if len(raw) >= n_titles else raw + [""] * (n_titles - len(raw))
        else:
            values = [raw[idx] if idx < len(raw) else "" for idx in positions]
        rows.append(Row(SourceRef(file, grid.sheet, number), tuple(zip(titles, values, strict=False))))  # extra cells: reported above
    return Sheet(file, grid.sheet, tuple(t for _, t in columns), tuple(rows), header_number, tuple(issues),
                 grid.format, grid.encoding, grid.delimiter, tuple(hidden_names), tuple(duplicates))


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
