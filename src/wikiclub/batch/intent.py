"""What push may send: only what the approver approved, checked again against the wiki as it is now.

The approver read ``plan.md``, which shows each edit's ``changes``. When an entity moved between
approval and push (or an answer was lost), push plans it again from the rows' ``wanted`` state, and the
new plan may hold things nobody approved:

- a statement a human **removed** (or changed) meanwhile, to which the plan only added a reference or
  a qualifier: planning again would re-create the statement;
- a label or description ``--overwrite`` would replace, that a human **changed** after approval: the
  approver agreed to replace « old », not what the human wrote;
- anything a hand-edited ``wanted`` adds.

:func:`check_replan` keeps, of a new plan, only the changes covered by the approved ones, and says why
it left the others out (each becomes a conflict for a human). Single-value conflicts the approved plan
did not have are reported too. Nothing here talks to the wiki.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..wbjson import Entity, Snak, SnakMap, Statement
from .diff import (
    Change,
    Conflict,
    EntityDiff,
    Wanted,
    diff_entity,
    reference_covered,
    resolve_batch_items,
    same_snak,
    value_text,
)
from .model import EntityEdit

_TERMS = ("label", "description")
_EXTENSIONS = ("qualifiers", "references")


@dataclass(frozen=True)
class Checked:
    """The plan to send (approved changes only) and why anything was left out."""

    result: EntityDiff
    refused: tuple[str, ...] = ()


def approved_changes(edit: EntityEdit, created: Mapping[str, str]) -> tuple[list[Change], list[Conflict]]:
    """The edit's approved changes and conflicts, with the batch's creations filled in where known."""
    def resolved(obj: dict[str, Any]) -> dict[str, Any]:
        try:
            return dict(resolve_batch_items(obj, created))
        except KeyError:  # not created yet: compared as it is (it is equal to nothing on the wiki)
            return obj

    return ([Change.from_json(resolved(c.to_json())) for c in edit.changes],
            [Conflict.from_json(resolved(c.to_json())) for c in edit.conflicts])


def _snaks_within(snaks: Iterable[Mapping[str, Any]], approved: Iterable[Mapping[str, Any]]) -> bool:
    pool = list(approved)
    return all(any(same_snak(a, s) for a in pool) for s in snaks)


def _refs_within(refs: Iterable[Mapping[str, Any]], approved: Iterable[Mapping[str, Any]]) -> bool:
    pool = list(approved)
    return all(reference_covered(r, pool) for r in refs)


def _about(change: Change, approved: Sequence[Change]) -> list[Change]:
    """Approved changes to statements with the same main value as ``change``."""
    if change.mainsnak is None:
        return []
    return [a for a in approved if a.mainsnak is not None and same_snak(a.mainsnak, change.mainsnak)]


def is_approved(change: Change, approved: Sequence[Change]) -> bool:
    """True when an approved change says all that ``change`` does."""
    if change.kind in _TERMS:  # the text holds the value replaced (« old » → « new »): both must agree
        return any((a.kind, a.language, a.value, a.text) == (change.kind, change.language, change.value, change.text)
                   for a in approved)
    if change.kind == "alias":
        return any((a.kind, a.language, a.value) == ("alias", change.language, change.value) for a in approved)
    kinds = ("statement",) if change.kind == "statement" else ("statement", change.kind)
    return any(a.kind in kinds and _snaks_within(change.qualifiers, a.qualifiers)
               and _refs_within(change.references, a.references) for a in _about(change, approved))


def why_refused(change: Change, approved: Sequence[Change]) -> str:
    """Why ``change`` is not sent, for people."""
    same = _about(change, approved)
    if change.kind == "statement" and same and all(a.kind in _EXTENSIONS for a in same):
        what = " ".join(sorted({"références / references" if a.kind == "references" else "qualificatifs / qualifiers"
                                for a in same}))
        return (f"la déclaration / the statement {_snak(change)} a été retirée ou changée par quelqu'un / was "
                f"removed or changed by someone: {what} non ajouté(s) / not added, rien n'est recréé / nothing "
                "is re-created")
    if change.kind in _TERMS:
        return (f"{change.text}: changé par quelqu'un depuis l'approbation / changed by someone since the "
                "approval — pas écrasé / not overwritten")
    return (f"{change.text}: pas dans ce qui a été approuvé / not in what was approved — planifiez et approuvez "
            "à nouveau / plan again and approve")


def _snak(change: Change) -> str:
    snak: Mapping[str, Any] = change.mainsnak or {}
    return f"{snak.get('property')} = {value_text(snak)}"


def _kept_qualifiers(statement: Statement, allowed: Sequence[Snak]) -> SnakMap:
    kept: SnakMap = {}
    for prop, group in (statement.get("qualifiers") or {}).items():
        ok = [q for q in group if _snaks_within([q], allowed)]
        if ok:
            kept[prop] = ok
    return kept


def _strip(statement: Statement, allowed: Sequence[Change]) -> Statement | None:
    """``statement`` with only the qualifiers and references ``allowed`` covers (None: drop it)."""
    if not any(a.kind == "statement" for a in allowed):
        return None  # approved only as additions to a statement that was there: never created
    out = statement.copy()
    out.pop("qualifiers", None)
    out.pop("qualifiers-order", None)
    out.pop("references", None)
    kept = _kept_qualifiers(statement, [q for a in allowed for q in a.qualifiers])
    if kept:
        out["qualifiers"] = kept
        out["qualifiers-order"] = [p for p in statement.get("qualifiers-order", kept) if p in kept]
    refs = [r for a in allowed for r in a.references]
    references = [r for r in statement.get("references", ()) if reference_covered(r, refs)]
    if references:
        out["references"] = references
    return out


def restrict(wanted: Wanted, refused: Sequence[Change], approved: Sequence[Change]) -> Wanted:
    """``wanted`` without what the ``refused`` changes would add."""
    labels, descriptions, aliases = list(wanted.labels), list(wanted.descriptions), list(wanted.aliases)
    statements = list(wanted.statements)
    for change in refused:
        if change.kind == "label":
            labels = [t for t in labels if t[0] != change.language]
        elif change.kind == "description":
            descriptions = [t for t in descriptions if t[0] != change.language]
        elif change.kind == "alias":
            aliases = [t for t in aliases if (t[0], " ".join(t[1].split())) != (change.language, change.value)]
        elif change.mainsnak is not None:
            kept: list[Statement] = []
            for st in statements:
                if same_snak(st.get("mainsnak", {}), change.mainsnak):
                    stripped = _strip(st, _about(change, approved))
                    if stripped is not None:
                        kept.append(stripped)
                else:
                    kept.append(st)
            statements = kept
    return replace(wanted, labels=tuple(labels), descriptions=tuple(descriptions), aliases=tuple(aliases),
                   statements=tuple(statements))


def _new_conflicts(found: Iterable[Conflict], approved: Sequence[Conflict]) -> list[str]:
    out = []
    for c in found:
        known = any(a.property == c.property and (a.mainsnak is None or c.mainsnak is None
                                                  or same_snak(a.mainsnak, c.mainsnak)) for a in approved)
        if not known:
            out.append(f"{c.property}: {c.reason} (wiki {', '.join(c.existing)}; feuille / sheet {c.wanted}) — "
                       "trouvé à l'envoi / found while pushing")
    return out


def check_replan(wanted: Wanted, current: Entity | None, approved: Sequence[Change],
                 approved_conflicts: Sequence[Conflict], *, single_value: Iterable[str] = (),
                 overwrite: Iterable[str] = ()) -> Checked:
    """Plan ``wanted`` against ``current`` again, keeping only approved changes; the reasons for the rest."""
    single, over = tuple(single_value), tuple(overwrite)
    result = diff_entity(wanted, current, single_value=single, overwrite=over)
    refused = [c for c in result.changes if not is_approved(c, approved)]
    reasons = [why_refused(c, approved) for c in refused]
    if refused:
        result = diff_entity(restrict(wanted, refused, approved), current, single_value=single, overwrite=over)
        left = [c for c in result.changes if not is_approved(c, approved)]
        if left:  # cannot be told apart: send nothing of this entity
            reasons += [why_refused(c, approved) for c in left]
            result = EntityDiff({}, (), result.conflicts, result.notes)
    return Checked(result, tuple(reasons + _new_conflicts(result.conflicts, approved_conflicts)))


def duplicates(changes: Iterable[Change], entity: Entity) -> list[str]:
    """What ``changes`` added that ``entity`` (the entity read again after the write) now holds twice or
    more: a stale write Wikibase patched onto somebody else's simultaneous, equal edit."""
    claims = entity.get("claims") or {}
    out: list[str] = []
    for change in changes:
        if change.mainsnak is None:
            continue
        group = [s for s in claims.get(str(change.mainsnak.get("property")), ())
                 if same_snak(s.get("mainsnak", {}), change.mainsnak)]
        if change.kind == "statement" and len(group) > 1:
            out.append(f"{_snak(change)} ×{len(group)}")
        for ref in change.references if change.kind == "references" else ():
            times = max((sum(reference_covered(ref, [r]) for r in s.get("references", ())) for s in group), default=0)
            if times > 1:
                out.append(f"{_snak(change)}: référence / reference ×{times}")
    return out
