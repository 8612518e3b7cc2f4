"""``plan.md``: a batch named for people who do not read ids (labels of items, properties and values)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..escape import md_escape
from .diff import (
    BATCH_ITEM_TYPE,
    Change,
    value_text,
)
from .model import EntityEdit, Plan


def _label_languages(language: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys((language, "mul", "en")))


def display_label(entity: Mapping[str, Any] | None, language: str) -> str:
    """The label to show people: in ``language``, else ``mul``, else English, else any (first by code)."""
    labels = (entity or {}).get("labels") or {}
    order = [*_label_languages(language), *sorted(k for k in labels if k not in _label_languages(language))]
    for lang in order:
        term = labels.get(lang)
        if isinstance(term, Mapping) and str(term.get("value", "")).strip():
            return str(term["value"])
    return ""


def _plain(text: str) -> str:
    return text


def named(entity_id: str, names: Mapping[str, str], escape: Callable[[str], str] = _plain) -> str:
    """« label (Q42) » when the label is known, else the id; ``escape`` makes both inert where they go
    (Markdown here; a web page's template escapes on its own)."""
    label = names.get(entity_id)
    return f"{escape(label)} ({escape(entity_id)})" if label else escape(entity_id)


def snak_value(snak: Mapping[str, Any], names: Mapping[str, str], escape: Callable[[str], str] = _plain, *,
               new_item: str = "") -> str:
    """A snak's value for people: an item by its label, an item this batch creates by the label it will
    have (after ``new_item``), anything else as :func:`~wikiclub.batch.diff.value_text` writes it."""
    dv = snak.get("datavalue") or {}
    value = dv.get("value")
    if snak.get("snaktype", "value") == "value" and isinstance(value, Mapping):
        if dv.get("type") == "wikibase-entityid":
            return named(str(value.get("id") or f"Q{value.get('numeric-id')}"), names, escape)
        if dv.get("type") == BATCH_ITEM_TYPE:
            return f"{new_item}« {escape(value.get('label') or value.get('edit_id') or '')} »"
    return escape(value_text(snak))


def _named(entity_id: str, names: Mapping[str, str]) -> str:
    return named(entity_id, names, md_escape)


def _value_md(snak: Mapping[str, Any], names: Mapping[str, str]) -> str:
    return snak_value(snak, names, md_escape, new_item="nouvel élément / new item ")


def _snak_md(snak: Mapping[str, Any], names: Mapping[str, str]) -> str:
    return f"{_named(str(snak.get('property')), names)} = {_value_md(snak, names)}"


def _snaks_md(snaks: Any, names: Mapping[str, str]) -> str:
    group = [s for g in snaks.values() for s in g] if isinstance(snaks, Mapping) else list(snaks or ())
    return ", ".join(_snak_md(s, names) for s in group)


def _change_md(ch: Change, names: Mapping[str, str]) -> list[str]:
    """A change as Markdown list lines (a statement's qualifiers and references as sub-items)."""
    if ch.mainsnak is None:
        return [f"- {md_escape(ch.text)}"]
    what = _snak_md(ch.mainsnak, names)
    quals = [f"  - qualificatif / qualifier: {_snak_md(q, names)}" for q in ch.qualifiers]
    refs = [f"  - référence / reference: {_snaks_md(r.get('snaks'), names)}" for r in ch.references]
    if ch.kind == "statement":
        return [f"- + {what}", *quals, *refs]
    if ch.kind == "qualifiers":
        return [f"- {what}: + qualificatif(s) / qualifier(s)", *quals]
    if ch.kind == "references":
        return [f"- {what}: + référence(s) / reference(s)", *refs]
    return [f"- {md_escape(ch.text)}"]


def _against_md(data: Mapping[str, Any], names: Mapping[str, str]) -> tuple[str, str, str]:
    """(property, wiki's values, sheet's value) of a conflict or a precision note, named."""
    prop = _named(str(data.get("property", "")), names)
    if data.get("mainsnak"):
        wiki = ", ".join(_value_md(s, names) for s in data.get("existing_snaks", ()))
        return prop, wiki, _value_md(data["mainsnak"], names)
    return prop, md_escape(", ".join(data.get("existing", ()))), md_escape(str(data.get("wanted", "")))


def _note_md(note: Mapping[str, Any]) -> str:
    names = note.get("names") or {}
    kind = str(note.get("kind", ""))
    target = note.get("target")
    where = _named(str(target), names) if target else "new"
    head = f"- **{md_escape(kind)}** row {md_escape(str(note.get('row')))} ({where}, « {md_escape(note.get('label', ''))} »)"
    if kind == "conflict" and note.get("conflict"):
        prop, wiki, sheet = _against_md(note["conflict"], names)
        reason = md_escape(str(note["conflict"].get("reason", "")))
        return f"{head}: {prop} ({reason}): wiki {wiki}, feuille / sheet {sheet}"
    if kind == "constraint" and note.get("constraint"):
        c = note["constraint"]
        return (f"{head}: ⚠ {_named(str(c.get('property', '')), names)} — contrainte / constraint "
                f"{md_escape(str(c.get('kind', '')))}: {md_escape(str(c.get('message', '')))} "
                "(rien d'envoyé / not sent)")
    if kind in ("less-precise", "more-precise") and note.get("precision"):
        prop, wiki, sheet = _against_md(note["precision"], names)
        if kind == "less-precise":
            return (f"{head}: {prop}: feuille / sheet {sheet}, le wiki a déjà plus précis / the wiki already "
                    f"has {wiki} (rien à ajouter / nothing to add)")
        return (f"{head}: {prop}: feuille / sheet {sheet}, plus précis que le wiki / more precise than the "
                f"wiki's {wiki} (ajouté à côté / added next to it)")
    return f"{head}: {md_escape(note.get('text', ''))}"


def render_preview(plan: Plan) -> str:
    """plan.md: what each entity edit does, named for people (see the module docstring). Every text
    that comes from the wiki or the sheet goes through :func:`md_escape`."""
    meta = plan.meta
    c = meta["counts"]
    lines = [f"# Lot / batch {md_escape(meta['batch_id'])}", "",
             f"- site: {md_escape(meta['site'].get('name', ''))} ({md_escape(meta['site'].get('api_url', ''))})",
             f"- {c['edits']} modification(s) d'entité / entity edits, dont {c['creations']} création(s) / "
             f"creations; {c['changes']} changement(s) / changes; {c['conflicts']} conflit(s) / conflicts"
             + (f"; {c['held']} ligne(s) retenue(s) / row(s) held" if c.get("held") else ""),
             "- une modification = un élément enregistré en une requête ; un changement = un libellé, une "
             "description, un alias, une déclaration, un qualificatif ou une référence qu'elle ajoute ou change "
             "/ an edit is one entity saved in one request; a change is one term, statement, qualifier or "
             "reference it adds or changes",
             # code spans show backslashes as typed: the command (typed by whoever planned) loses its
             # backticks instead of being escaped
             f"- EditGroups: `{meta['editgroup']}`",
             f"- commande / command: `{' '.join(str(meta['command']).replace('`', ' ').split())}`", ""]
    if not plan.edits:
        lines += ["Rien à faire / nothing to do: le wiki a déjà tout / the wiki already has everything.", ""]
    for e in plan.edits:
        names = e.names
        rows = ", ".join(str(p["source"].get("row")) for p in e.provenance)
        sheet = f" · fiche / sheet: « {md_escape(e.label)} »"
        if e.creation:
            title = f"Nouvel élément / new item — {md_escape(e.label)}"
            sheet = ""
        elif e.target is not None and names.get(e.target):
            title = _named(e.target, names)
            if " ".join(names[e.target].split()) == " ".join(e.label.split()):
                sheet = ""
        else:
            title = f"{md_escape(str(e.target))} (sans libellé / no label on the wiki)"
        lines += [f"## {title}", "", f"*ligne(s) / row(s) {md_escape(rows)}{sheet}* · `{e.edit_id}`", ""]
        for p in e.provenance:
            into = p.get("merged_into")
            if into and e.creation:
                lines.append(f"- ⇄ fusion / merged: row {p['source'].get('row')} is row {into.get('row')}'s "
                             f"new item, created once ({md_escape(into.get('why', ''))})")
            elif into:
                lines.append(f"- ⇄ fusion / merged: row {p['source'].get('row')} edits the same item as row "
                             f"{into.get('row')} ({md_escape(into.get('why', ''))})")
        for ch in e.changes:
            lines += _change_md(ch, names)
        for cf in e.conflicts:
            prop, wiki, sheet_value = _against_md(cf.to_json(), names)
            lines.append(f"- ⚠ conflit / conflict {prop}: wiki {wiki}, feuille / sheet {sheet_value}")
        lines.append("")
    lines += held_md(plan.notes)[1:]
    others = [n for n in plan.notes if n["kind"] not in ("merged", "held")]
    if others:
        lines += ["## À voir / to look at", ""]
        lines += [_note_md(n) for n in others]
        lines.append("")
    return "\n".join(lines)


def held_md(notes: Sequence[Mapping[str, Any]]) -> list[str]:
    """The rows held out of the batch, and why (``held`` notes), as a Markdown section; [] when none.
    Shared by plan.md and the push report."""
    held = [n for n in notes if n.get("kind") == "held"]
    if not held:
        return []
    lines = ["", "## Retenus / held", "",
             "Rien de ces lignes n'est dans le lot (jamais un élément à moitié, jamais une valeur fausse) / "
             "nothing of these rows is in the batch (never half an item, never a wrong value).", ""]
    lines += [_note_md(n) for n in held]
    return [*lines, ""]


def describe(edit: EntityEdit) -> str:
    """One line for the CLI."""
    what = "create" if edit.creation else edit.target
    return f"{what} {edit.label}: " + "; ".join(ch.text for ch in edit.changes[:4]) + (
        " …" if len(edit.changes) > 4 else "")


