"""``wikiclub export quickstatements``: the changes of a batch as QuickStatements V1 commands.

For people who prefer to run a batch through QuickStatements (https://www.wikidata.org/wiki/Help:QuickStatements):
one tab-separated command per line; ``CREATE`` then ``LAST`` for new items; ``Lfr`` / ``Dfr`` / ``Afr``
terms; a statement line carries its qualifiers (``P… value`` pairs) and one reference (``S… value``
pairs; a second reference is a second line, which QuickStatements adds to the same statement).

Values: items ``Q42``; strings, URLs and identifiers in double quotes (QuickStatements keeps inner
quotes: its parser takes everything between the first and the last one; tabs and line breaks, which
would split the command, become spaces); times ``+2020-03-12T00:00:00Z/11``; coordinates ``@lat/lon``;
quantities ``12.5`` or ``12.5U11573`` (amounts written exactly, from the JSON strings); monolingual text
``fr:"…"``; ``somevalue`` / ``novalue``.

QuickStatements can only point at the *last* created item, so a value naming an item created
earlier in the same batch cannot be written: such commands are left out and returned as warnings
(push the batch with ``wikiclub push`` instead, or run the export again after the creations).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .diff import BATCH_ITEM_TYPE, Change
from .folder import read_batch
from .model import EntityEdit, Plan


class _Inexpressible(Exception):
    pass


def qs_string(text: str) -> str:
    return '"' + " ".join(str(text).replace("\t", " ").splitlines()).strip() + '"'


def qs_value(snak: Mapping[str, Any]) -> str:
    kind = snak.get("snaktype", "value")
    if kind in ("somevalue", "novalue"):
        return str(kind)
    dv: Any = snak.get("datavalue") or {}
    t, v = dv.get("type"), dv.get("value")
    if t == "wikibase-entityid":
        return str(v.get("id") or f"Q{v['numeric-id']}")
    if t == BATCH_ITEM_TYPE:
        raise _Inexpressible(str(v.get("label") or v.get("edit_id")))
    if t == "string":
        return qs_string(v)
    if t == "time":
        return f"{v['time']}/{v['precision']}"
    if t == "globecoordinate":
        return f"@{v['latitude']}/{v['longitude']}"
    if t == "quantity":
        amount = str(v["amount"]).lstrip("+")
        if v.get("upperBound") is not None and v.get("lowerBound") is not None:
            from decimal import Decimal

            upper, lower, mid = Decimal(v["upperBound"]), Decimal(v["lowerBound"]), Decimal(v["amount"])
            if upper - mid == mid - lower:
                amount += f"~{upper - mid}"
        unit = str(v.get("unit", "1"))
        return amount + ("" if unit == "1" else "U" + unit.rsplit("/", 1)[-1].lstrip("Q"))
    if t == "monolingualtext":
        return f"{v['language']}:{qs_string(v['text'])}"
    raise _Inexpressible(f"datavalue type {t}")


def _pairs(snaks: Any, prefix: str = "") -> list[str]:
    out: list[str] = []
    items = [s for g in snaks.values() for s in g] if isinstance(snaks, Mapping) else list(snaks)
    for s in items:
        prop = str(s["property"])
        out += [prefix + prop[1:] if prefix else prop, qs_value(s)]
    return out


def _statement_lines(subject: str, ch: Change) -> list[str]:
    assert ch.mainsnak is not None
    head = [subject, str(ch.mainsnak["property"]), qs_value(ch.mainsnak)]
    qualifiers = _pairs(ch.qualifiers)
    refs = [_pairs(r.get("snaks", {}), "S") for r in ch.references]
    if not refs:
        return ["\t".join(head + qualifiers)]
    lines = ["\t".join(head + qualifiers + refs[0])]
    lines += ["\t".join(head + r) for r in refs[1:]]
    return lines


def edit_commands(edit: EntityEdit) -> tuple[list[str], list[str]]:
    """(commands, warnings) for one entity edit."""
    lines: list[str] = []
    warnings: list[str] = []
    subject = "LAST" if edit.creation else str(edit.target)
    if edit.creation:
        lines.append("CREATE")
    for ch in edit.changes:
        try:
            if ch.kind in ("label", "description", "alias"):
                code = {"label": "L", "description": "D", "alias": "A"}[ch.kind]
                lines.append(f"{subject}\t{code}{ch.language}\t{qs_string(ch.value or '')}")
            elif ch.kind in ("statement", "qualifiers", "references"):
                lines += _statement_lines(subject, ch)
        except _Inexpressible as exc:
            warnings.append(f"{edit.label} ({edit.target or 'new'}): {ch.text} — "
                            f"not expressible in QuickStatements ({exc})")
    return lines, warnings


def export_quickstatements(plan: Plan) -> tuple[str, list[str]]:
    """The whole batch as QuickStatements V1 text, and the warnings."""
    lines: list[str] = []
    warnings: list[str] = []
    for edit in plan.edits:
        ls, ws = edit_commands(edit)
        lines += ls
        warnings += ws
    return "".join(line + "\n" for line in lines), warnings


def export_batch(batch_dir: Path, output: Path | None = None) -> tuple[Path, list[str]]:
    """Write ``quickstatements.txt`` (or ``output``) for the batch; returns the path and warnings."""
    text, warnings = export_quickstatements(read_batch(batch_dir))
    path = output or Path(batch_dir) / "quickstatements.txt"
    path.write_text(text, encoding="utf-8")
    return path, warnings
