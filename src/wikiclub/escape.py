"""Escaping of public text (labels come from anyone on the wiki) for each output format.

- HTML: ``html_text`` escapes ``& < > " '`` — no markup, no attribute break-out.
- Wikitext: ``wikitext_text`` turns every character that starts markup into an HTML entity, which
  MediaWiki's parser does not interpret (entities are decoded after the markup is parsed): templates
  ``{{ }}``, links ``[[ ]]``/``[…]``, table cells ``|``/``!``, bold/italic ``''``, tags ``< >``,
  signatures ``~~~~``, headings ``=``, magic words ``__NOTOC__``, free links ``https://`` (``:``),
  ISBN/RFC/PMID magic links, and newlines (a list or table row at the start of a line).
- Spreadsheets: ``csv_cell`` prefixes a quote to text a spreadsheet would run as a formula
  (``= + - @``, tab, carriage return — OWASP "CSV injection"); ``set_xlsx_text`` stores a cell as a
  typed string (never a formula) with Excel's quote-prefix style, so the text reads back unchanged.
"""

from __future__ import annotations

import html
import re
from typing import Any

_WIKI_ENTITIES = {
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "[": "&#91;", "]": "&#93;",
    "{": "&#123;", "}": "&#125;", "|": "&#124;", "=": "&#61;", "~": "&#126;", "!": "&#33;", ":": "&#58;",
    "_": "&#95;", "*": "&#42;", "#": "&#35;", ";": "&#59;", "-": "&#45;",
}
_WIKI_CHARS = re.compile("[" + re.escape("".join(_WIKI_ENTITIES)) + "]")
_MAGIC_LINK = re.compile(r"\b(ISBN|RFC|PMID)(\s)")
_NEWLINES = re.compile(r"[\r\n\t\v\f\u2028\u2029]+")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def html_text(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def wikitext_text(text: object) -> str:
    """Plain text that renders as itself anywhere in wikitext (table cell, link text, list item)."""
    raw = _NEWLINES.sub(" ", "" if text is None else str(text))
    escaped = _WIKI_CHARS.sub(lambda m: _WIKI_ENTITIES[m.group(0)], raw)
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


