"""Changing a few cells of an XLSX in place, without loading the whole workbook.

The atelier writes one decision per keystroke into the review sheet. openpyxl rewrites a workbook by
loading every cell first (seconds for a few thousand rows); here only the first worksheet's XML is
edited: each target cell becomes an inline string (``t="inlineStr"``), keeping its style, or an empty
styled cell. Everything else in the file — other parts, styles, validations, links — is copied byte for
byte. Whatever this cannot do safely (a row or a sheet it does not find, a prefixed namespace) returns
False, and the caller falls back to openpyxl.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape

_SHEET = re.compile(r'<sheet\b[^>]*?\br:id="([^"]+)"')
_REL = re.compile(r'<Relationship\b[^>]*?\bId="([^"]+)"[^>]*?\bTarget="([^"]+)"|'
                  r'<Relationship\b[^>]*?\bTarget="([^"]+)"[^>]*?\bId="([^"]+)"')
_CELL = re.compile(r'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?(?:/>|>.*?</c>)', re.S)
_STYLE = re.compile(r'\bs="(\d+)"')


def column_letter(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    workbook = archive.read("xl/workbook.xml").decode("utf-8")
    found = _SHEET.search(workbook)
    if found is None:
        return None
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    for m in _REL.finditer(rels):
        rel_id, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if rel_id == found.group(1):
            target = target.lstrip("/")
            return target if target.startswith("xl/") else f"xl/{target}"
    return None


def _cell_xml(ref: str, style: str | None, value: str) -> str:
    s = f' s="{style}"' if style else ""
    if not value:
        return f'<c r="{ref}"{s}/>'
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def _patch_row(row_xml: str, row: int, cells: Mapping[int, str]) -> str:
    """The row's XML with ``cells`` (column number → text) set."""
    head_end = row_xml.index(">") + 1
    if row_xml[head_end - 2] == "/":  # <row r="5"/>: no cell yet
        head, body, tail = row_xml[: head_end - 2] + ">", "", "</row>"
    else:
        head, body, tail = row_xml[:head_end], row_xml[head_end: -len("</row>")], "</row>"
    existing = {(_column_number(m.group(1))): m for m in _CELL.finditer(body)}
    out = {col: m.group(0) for col, m in existing.items()}
    for col, value in cells.items():
        old = existing.get(col)
        style = _STYLE.search(old.group(0).split(">", 1)[0]) if old is not None else None
        out[col] = _cell_xml(f"{column_letter(col)}{row}", style.group(1) if style else None, value)
    others = _CELL.sub("", body)  # anything that is not a cell (rare: extensions) stays after them
    return head + "".join(out[c] for c in sorted(out)) + others + tail


def patch_cells(path: Path, cells: Mapping[tuple[int, int], str]) -> bool:
    """Set ``cells`` ((row, column) 1-based → text, "" to empty) in the first sheet of ``path``.
    True when done; False (nothing changed) when the file is not what this can edit safely."""
    try:
        with zipfile.ZipFile(path) as archive:
            name = _first_sheet(archive)
            if name is None:
                return False
            xml = archive.read(name).decode("utf-8")
            if "<x:" in xml or "<sheetData" not in xml:
                return False
            by_row: dict[int, dict[int, str]] = {}
            for (r, c), v in cells.items():
                by_row.setdefault(r, {})[c] = v
            for r, row_cells in by_row.items():
                found = re.search(rf'<row\b[^>]*?\br="{r}"[^>]*?(?:/>|>.*?</row>)', xml, re.S)
                if found is None:
                    return False
                xml = xml[: found.start()] + _patch_row(found.group(0), r, row_cells) + xml[found.end():]
            tmp = path.with_name(path.stem + ".patch.tmp")
            with zipfile.ZipFile(tmp, "w") as out:
                for info in archive.infolist():
                    if info.filename == name:
                        out.writestr(info, xml.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
                    else:
                        with archive.open(info) as src, out.open(info, "w") as dst:
                            shutil.copyfileobj(src, dst)
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, ValueError):
        return False
    tmp.replace(path)
    return True
