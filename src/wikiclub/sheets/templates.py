"""A label template read backwards: which cells give a known text (``pull`` and the OpenRefine service).

``map`` fills a template such as « {Prénom} {Nom} » from a row's cells (``rowmap``: spaces collapsed,
the separators an empty cell leaves at either end removed). Going back — an item's label « Irène
Caouette » to the cells Prénom and Nom — is only sure when the text splits **one way**: « Irène
Caouette » splits into « Irène » + « Caouette », « Jean Paul Riopelle » could be « Jean » + « Paul
Riopelle » or « Jean Paul » + « Riopelle ». :func:`split_by_template` gives the cells when the split is
unique, else None; :func:`whole_text_cells` puts the whole text in one column, which gives the text back
when the template's other words are only separators (« {Prénom} {Nom} »), checked with :func:`fill`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping, Sequence

from ..french import split_placeholder, with_preposition

EDGE_SEPARATORS = " ,;:/-–—"  # what an empty cell can leave at either end


def template_parts(template: str) -> list[tuple[str, str, str]]:
    """(literal, preposition, column) in order; the column is "" after the last literal."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return []
    out = []
    for literal, name, _, _ in parsed:
        preposition, column = split_placeholder(name) if name else ("", "")
        out.append((literal, preposition, column))
    return out


def template_columns(template: str) -> list[str]:
    return list(dict.fromkeys(column for _, _, column in template_parts(template) if column))


def fill(template: str, cells: Mapping[str, str]) -> str:
    """The template filled as ``map`` fills it: "" when every cell it names is empty."""
    return fill_parts(template_parts(template), lambda column: cells.get(column, ""))


def fill_parts(parts: Sequence[tuple[str, str, str]], cell_of: Callable[[str], str]) -> str:
    """Parsed template parts filled with ``cell_of(column)``: "" when every cell named is empty;
    otherwise spaces collapsed and the separators an empty cell leaves at either end removed
    (« , Amos » → « Amos »). The one rule ``map``, ``pull`` and the OpenRefine service share."""
    text, filled = [], False
    for literal, preposition, column in parts:
        text.append(literal)
        if column:
            cell = cell_of(column).strip()
            filled = filled or bool(cell)
            text.append(with_preposition(preposition, cell) if preposition and cell else cell)
    return " ".join("".join(text).split()).strip(EDGE_SEPARATORS) if filled else ""


def _pattern(parts: Sequence[tuple[str, str, str]], known: Mapping[str, str], lazy: bool) -> re.Pattern[str]:
    """The template as a regular expression: literals as written (a run of spaces: one space or more),
    known cells as they are, one group per other column (lazy or greedy)."""
    regex = []
    groups: dict[str, str] = {}
    for literal, _, column in parts:
        regex.append(r"\s+".join(re.escape(piece) for piece in re.split(r"\s+", literal)))
        if not column:
            continue
        if known.get(column):
            regex.append(re.escape(known[column]))
        elif column in groups:
            regex.append(f"(?P={groups[column]})")
        else:
            groups[column] = f"g{len(groups)}"
            regex.append(f"(?P<{groups[column]}>.+{'?' if lazy else ''})")
    return re.compile("".join(regex), re.DOTALL)


def split_by_template(template: str, text: str, known: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """The cells of the template's columns (those not in ``known``) that give ``text`` back, when there
    is one way only; None when the text does not fit the template or splits several ways."""
    known = dict(known or {})
    parts = template_parts(template)
    columns = [c for c in template_columns(template) if not known.get(c)]
    if not parts or not columns or any(prep for _, prep, c in parts if c in columns):
        return None  # a preposition cannot be undone safely
    found = []
    for lazy in (True, False):
        m = _pattern(parts, known, lazy).fullmatch(" ".join(text.split()))
        if m is None:
            return None
        names = {c: f"g{i}" for i, c in enumerate(columns)}
        found.append({c: m.group(names[c]).strip() for c in columns})
    cells = found[0]
    if found[0] != found[1] or not all(cells.values()) or fill(template, {**known, **cells}) != " ".join(text.split()):
        return None
    return cells


def whole_text_cells(template: str, text: str, known: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """The whole text in the template's last column not in ``known`` (its other columns empty), when
    that gives the text back; else None."""
    known = dict(known or {})
    columns = [c for c in template_columns(template) if not known.get(c)]
    if not columns:
        return None
    cells = {c: "" for c in columns}
    cells[columns[-1]] = text
    return cells if fill(template, {**known, **cells}) == " ".join(text.split()) else None
