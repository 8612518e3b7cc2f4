"""Readable text outputs: Markdown (``couverture.md``) and a wikitext page for the WikiProject on wiki.

Every label from the wiki goes through the escaping of its format: in Markdown the characters that
make links, emphasis, tables or HTML are backslash-escaped; in wikitext :func:`wikitext_text` turns
what could start markup into entities. Links to entities are built from ids we validated, never from
labels (:func:`~.views.entity_url`, ``[[Special:EntityPage/Q…]]`` on the wiki itself). Wikitext tables
sort by number (``data-sort-value``) and keep their Total row at the bottom (``sortbottom``).
"""

from __future__ import annotations

import re

from ..escape import wikitext_text
from .model import CoverageTable
from .views import (
    PARTIAL_LEGEND,
    GroupView,
    ReportData,
    class_list,
    entity_url,
    figure_text,
    french_datetime,
    group_views,
    has_partial,
    items_text,
    located_text,
    safe_id,
    sort_value,
)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")
NOTE_KINDS = {"split": "Découpage", "failed": "Lacune", "partial": "Partiel", "warning": "Attention"}


def md_text(text: object) -> str:
    """Markdown-escape public text (also ``<``/``>``/``&`` so no raw HTML reaches a renderer)."""
    raw = re.sub(r"\s+", " ", "" if text is None else str(text))
    raw = raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", raw)


def method_line(t: CoverageTable) -> str:
    how = {"api": "données des éléments lues par l'API (50 par requête, cache par révision)",
           "sparql": "mesures par blocs SPARQL"}.get(t.method, "")
    return (f"Site {t.site}, point SPARQL {t.endpoint} : {t.queries} requêtes SPARQL, {t.requests} requêtes "
            f"API{', ' + how if how else ''}, {t.seconds:.0f} s.")


def summary_lines(data: ReportData) -> list[str]:
    t = data.table
    lines = [f"Rapport du {french_datetime(t.taken_at)}. {method_line(t)}"]
    if t.partial:
        lines.append("RAPPORT PARTIEL : certaines cases n'ont pas pu être mesurées entièrement (voir « Méthode »).")
    if data.previous is not None:
        lines.append(f"Comparé au rapport précédent du {french_datetime(data.previous.taken_at)}.")
    else:
        lines.append("Premier rapport : pas encore d'évolution à montrer.")
    return lines


def note_lines(table: CoverageTable) -> list[str]:
    return [f"{NOTE_KINDS.get(n.kind, 'Note')} : {n.message}" for n in table.notes]


def group_lines(view: GroupView, table: CoverageTable) -> list[str]:
    """The group's definition in words: its classes and its own « located by » properties."""
    out = []
    if view.group.classes:
        out.append(f"Classes : {class_list(view.group, table)}")
    if view.group.located_by:
        out.append(f"Aussi situés par : {located_text(view.group, table)}")
    return out


# ---- Markdown ------------------------------------------------------------------------------------

def _md_table(view: GroupView) -> list[str]:
    head = ["Région", "Éléments", *(md_text(c.title) for c in view.columns)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" + "---:|" * (len(head) - 1)]
    for row in view.rows:
        title = f"**{md_text(row.title)}**" if row.region == "*" else md_text(row.title)
        cells = [title, md_text(items_text(row.items)), *(md_text(figure_text(f)) for f in row.figures)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _md_worklist(t: CoverageTable) -> list[str]:
    out = ["## À compléter", "", "Les éléments auxquels il manque le plus de propriétés importantes.", ""]
    names = {g.id: g.name for g in t.groups}
    for group in dict.fromkeys(w.group for w in t.worklist):
        out += [f"### {md_text(names.get(group, group))}", ""]
        for w in (w for w in t.worklist if w.group == group):
            missing = ", ".join(f"{md_text(t.label(p))} ({p})" for p in w.missing)
            out.append(f"- [{md_text(w.label or w.item)}]({entity_url(t, w.item)}) ({md_text(w.item)}) — "
                       f"manque : {missing}")
        out.append("")
    return out


def render_markdown(data: ReportData) -> str:
    t = data.table
    out = [f"# Couverture Wikidata — {md_text(t.project or 'WikiProjet')}", "",
           *(md_text(line) for line in summary_lines(data)), ""]
    out += ["Chaque case : part des éléments qui ont la donnée (nombre d'éléments, variation depuis le "
            "rapport précédent). « Déclarations sourcées » : part des déclarations ayant au moins une "
            "référence autre que « importé de » (P143).", ""]
    views = group_views(data)
    for view in views:
        out += [f"## {md_text(view.title)}", ""]
        out += [x for line in group_lines(view, t) for x in (md_text(line), "")]
        out += [*_md_table(view), ""]
    if has_partial(views):
        out += [md_text(PARTIAL_LEGEND), ""]
    if t.worklist:
        out += _md_worklist(t)
    out += _own_lines(t, md=True)
    notes = note_lines(t)
    if notes:
        out += ["## Méthode", "", *(f"- {md_text(n)}" for n in notes), ""]
    return "\n".join(out)


def _own_lines(t: CoverageTable, *, md: bool) -> list[str]:
    head = "## Nos lots" if md else "== Nos lots =="
    if not t.own.available:
        return [head, "", "Aucun journal de lot trouvé (dossier batches/ absent ou vide).", ""]
    lines = [head, "", f"{len(t.own.created)} éléments créés et {len(t.own.edited)} éléments modifiés par "
                       f"{t.own.batches} lot(s) du WikiClub.", ""]
    shown = [*((q, "créé") for q in t.own.created[:30]), *((q, "modifié") for q in t.own.edited[:30])]
    for qid, what in shown:
        if md:
            lines.append(f"- [{safe_id(qid)}]({entity_url(t, qid)}) ({what})")
        else:
            lines.append(f"* [[Special:EntityPage/{safe_id(qid)}|{safe_id(qid)}]] ({what})")
    return [*lines, ""] if shown else lines


# ---- wikitext ------------------------------------------------------------------------------------

def _wiki_link(entity_id: str, text: str) -> str:
    """A link to an entity on the wiki itself (works on any Wikibase); plain text for a bad id."""
    return f"[[Special:EntityPage/{entity_id}|{wikitext_text(text)}]]" if safe_id(entity_id) else wikitext_text(text)


def _wiki_cell(text: str, sort: str) -> str:
    return f'data-sort-value="{sort}" | {wikitext_text(text)}'


def _wiki_table(view: GroupView) -> list[str]:
    lines = ['{| class="wikitable sortable"', "! Région !! Éléments !! " + " !! ".join(
        _wiki_link(c.entity, c.title) if c.entity else wikitext_text(c.title) for c in view.columns)]
    for row in view.rows:
        title = _wiki_link(row.region, row.title) if row.region not in ("*", "") else wikitext_text(row.title)
        if row.region == "*":
            title = f"'''{title}'''"
        cells = [title, _wiki_cell(items_text(row.items), sort_value(row.items, share=False)),
                 *(_wiki_cell(figure_text(f), sort_value(f)) for f in row.figures)]
        # The total stays at the bottom whatever column the reader sorts by.
        lines += ['|- class="sortbottom"' if row.region == "*" else "|-", "| " + " || ".join(cells)]
    return [*lines, "|}"]


def _wiki_group_lines(view: GroupView, t: CoverageTable) -> list[str]:
    out = []
    if view.group.classes:
        classes = ", ".join(_wiki_link(c, t.label(c)) for c in view.group.classes)
        out += [f"Classes : {classes}{' et sous-classes' if view.group.subclasses else ''}", ""]
    if view.group.located_by:
        out += [f"Aussi situés par : {', '.join(_wiki_link(p, t.label(p)) for p in view.group.located_by)}", ""]
    return out


def _wiki_worklist(t: CoverageTable) -> list[str]:
    out = ["== À compléter ==", ""]
    names = {g.id: g.name for g in t.groups}
    for group in dict.fromkeys(w.group for w in t.worklist):
        out += [f"=== {wikitext_text(names.get(group, group))} ===", ""]
        for w in (w for w in t.worklist if w.group == group):
            missing = ", ".join(_wiki_link(p, t.label(p)) for p in w.missing)
            out.append(f"* {_wiki_link(w.item, w.label or w.item)} — manque : {missing}")
        out.append("")
    return out


def render_wikitext(data: ReportData) -> str:
    t = data.table
    out = [f"Couverture Wikidata du {wikitext_text(t.project or 'WikiProjet')}, générée par wikiclub.", "",
           *(wikitext_text(line) for line in summary_lines(data)), ""]
    views = group_views(data)
    for view in views:
        out += [f"== {wikitext_text(view.title)} ==", "", *_wiki_group_lines(view, t), *_wiki_table(view), ""]
    if has_partial(views):
        out += [wikitext_text(PARTIAL_LEGEND), ""]
    if t.worklist:
        out += _wiki_worklist(t)
    out += _own_lines(t, md=False)
    notes = note_lines(t)
    if notes:
        out += ["== Méthode ==", "", *(f"* {wikitext_text(n)}" for n in notes), ""]
    return "\n".join(out)
