"""Escaping of public text (labels come from anyone on the wiki) for each output format.

- HTML: ``html_text`` escapes ``& < > " '`` — no markup, no attribute break-out.
- Wikitext: ``wikitext_text`` turns into an HTML entity only what can start markup (MediaWiki's
  parser does not interpret entities: they are decoded after the markup is parsed), so ordinary text
  stays readable (``2026-12-04 19:15``, « Rouyn-Noranda : l'Abitibi »): always ``[ ] { } | < >``
  (links, templates, table cells, tags) and ``&`` before a letter, digit or ``#`` (an entity);
  ``''`` (bold/italic), ``~~~`` (signatures), ``__`` (magic words), ``!!`` and ``==`` when doubled;
  ``:`` after a letter (free links ``https://``, ``mailto:``); the first character when it starts a
  line's markup (``* # : ; = - ! space``) and a leading or trailing ``'`` (next to our own bold);
  ISBN/RFC/PMID magic links; and newlines (a list or table row at the start of a line).
- Spreadsheets: ``csv_cell`` prefixes a quote to text a spreadsheet would run as a formula
  (``= + - @``, tab, carriage return — OWASP "CSV injection"); ``set_xlsx_text`` stores a cell as a
  typed string (never a formula) with Excel's quote-prefix style, so the text reads back unchanged.
"""

from __future__ import annotations

import html
import re
from typing import Any

_WIKI_ALWAYS = {"[": "&#91;", "]": "&#93;", "{": "&#123;", "}": "&#125;", "|": "&#124;", "<": "&lt;", ">": "&gt;"}
_WIKI_DOUBLED = {"'": "&#39;", "~": "&#126;", "_": "&#95;", "!": "&#33;", "=": "&#61;"}
_WIKI_LINE_START = {"*": "&#42;", "#": "&#35;", ":": "&#58;", ";": "&#59;", "=": "&#61;", "-": "&#45;",
                    "!": "&#33;", " ": "&#32;", "'": "&#39;"}
# One pass, left to right: a markup character always; a doubled one (its first); "&" starting an
# entity; ":" after a letter (a URL scheme).
_WIKI_MARKUP = re.compile(r"[\[\]{}|<>]|(['~_!=])(?=\1)|&(?=[#A-Za-z0-9])|(?<=[A-Za-z]):")
_MAGIC_LINK = re.compile(r"\b(ISBN|RFC|PMID)(\s)")
_NEWLINES = re.compile(r"[\r\n\t\v\f\u2028\u2029]+")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def html_text(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _wiki_entity(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _WIKI_ALWAYS:
        return _WIKI_ALWAYS[char]
    if char == "&":
        return "&amp;"
    if char == ":":
        return "&#58;"
    return _WIKI_DOUBLED[char]


def wikitext_text(text: object) -> str:
    """Plain text that renders as itself anywhere in wikitext (table cell, link text, list item,
    heading, the start of a line), with as few entities as that allows."""
    raw = _NEWLINES.sub(" ", "" if text is None else str(text))
    escaped = _WIKI_MARKUP.sub(_wiki_entity, raw)
    if escaped[:1] in _WIKI_LINE_START:
        escaped = _WIKI_LINE_START[escaped[0]] + escaped[1:]
    if escaped.endswith("'"):
        escaped = escaped[:-1] + "&#39;"
    return _MAGIC_LINK.sub(lambda m: m.group(1) + "&#32;", escaped)


def csv_cell(value: Any) -> Any:
    """A CSV value a spreadsheet will not evaluate: risky text gets a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_START):
        return "'" + value
    return value


def set_xlsx_text(cell: Any, value: Any) -> None:
    """Write ``value`` into an openpyxl cell; text is always a string cell, never a formula."""
    if value is None or value == "":
        cell.value = None
        return
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl turns text starting with "=" into a formula; undo that
        if value.lstrip(" ").startswith(FORMULA_START):
            cell.quotePrefix = True  # Excel shows it as text even after the cell is edited
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_escape(text: str) -> str:
    """Text from the public, made inert in Markdown and in the HTML Markdown may pass through."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


