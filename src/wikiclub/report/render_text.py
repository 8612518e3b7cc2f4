"""Readable text outputs: Markdown (``couverture.md``) and a wikitext page for the WikiProject on wiki.

Every label from the wiki goes through the escaping of its format: in Markdown the characters that
make links, emphasis, tables or HTML are backslash-escaped; in wikitext :func:`wikitext_text` turns
them into entities. Links to entities are built from QIDs we validated, never from labels.
"""

from __future__ import annotations

import re

from ..escape import wikitext_text
from .model import CoverageTable
from .views import GroupView, ReportData, class_list, figure_text, group_views, items_text

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")
_ID = re.compile(r"^[PQL][1-9]\d*$")


def md_text(text: object) -> str:
    """Markdown-escape public text (also ``<``/``>``/``&`` so no raw HTML reaches a renderer)."""
    raw = re.sub(r"\s+", " ", "" if text is None else str(text))
    raw = raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", raw)


def _safe_id(entity_id: str) -> str:
    return entity_id if _ID.match(entity_id) else ""


def _summary_lines(data: ReportData) -> list[str]:
    t = data.table
    lines = [f"Rapport du {t.taken_at[:10]} ({t.taken_at}) — site {t.site}, point SPARQL {t.endpoint}, "
             f"{t.queries} requêtes SPARQL."]
    if data.previous is not None:
        lines.append(f"Comparé au rapport précédent du {data.previous.taken_at[:10]} ({data.previous.taken_at}).")
    else:
        lines.append("Premier rapport : pas encore d'évolution à montrer.")
    return lines


def _notes(table: CoverageTable) -> list[str]:
    return [f"{'Découpage' if n.kind == 'split' else 'Lacune' if n.kind == 'failed' else 'Note'} : {n.message}"
            for n in table.notes]


# ---- Markdown ------------------------------------------------------------------------------------

def _md_table(view: GroupView) -> list[str]:
    head = ["Région", "Éléments", *(md_text(c.title) for c in view.columns)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" + "---:|" * (len(head) - 1)]
    for row in view.rows:
        title = f"**{md_text(row.title)}**" if row.region == "*" else md_text(row.title)
        cells = [title, items_text(row.items), *(figure_text(f) for f in row.figures)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_markdown(data: ReportData) -> str:
    t = data.table
    out = [f"# Couverture Wikidata — {md_text(t.project or 'WikiProjet')}", "", *_summary_lines(data), ""]
    out += ["Chaque case : part des éléments qui ont la donnée (nombre d'éléments, variation depuis le "
            "rapport précédent). « Déclarations sourcées » : part des déclarations ayant au moins une "
            "référence autre que « importé de » (P143).", ""]
    for view in group_views(data):
        out += [f"## {md_text(view.title)}", ""]
        if view.group.classes:
            out += [f"Classes : {md_text(class_list(view.group, t))}", ""]
        out += [*_md_table(view), ""]
    if t.worklist:
        out += ["## À compléter", "", "Les éléments auxquels il manque le plus de propriétés importantes.", ""]
        names = {g.id: g.name for g in t.groups}
        for group in dict.fromkeys(w.group for w in t.worklist):
            out += [f"### {md_text(names.get(group, group))}", ""]
            for w in (w for w in t.worklist if w.group == group):
                missing = ", ".join(f"{md_text(t.label(p))} ({p})" for p in w.missing)
                out.append(f"- [{md_text(w.label or w.item)}]({t.url(_safe_id(w.item))}) ({w.item}) — "
                           f"manque : {missing}")
            out.append("")
    out += _own_lines(t, md=True)
    notes = _notes(t)
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
            lines.append(f"- [{qid}]({t.url(_safe_id(qid))}) ({what})")
        else:
            lines.append(f"* [[Special:EntityPage/{_safe_id(qid)}|{_safe_id(qid)}]] ({what})")
    return [*lines, ""] if shown else lines


# ---- wikitext ------------------------------------------------------------------------------------

def _wiki_table(view: GroupView) -> list[str]:
    lines = ['{| class="wikitable sortable"', "! Région !! Éléments !! " + " !! ".join(
        (f"[[Special:EntityPage/{_safe_id(c.entity)}|{wikitext_text(c.title)}]]" if c.entity and _safe_id(c.entity)
         else wikitext_text(c.title)) for c in view.columns)]
    for row in view.rows:
        title = wikitext_text(row.title)
        if row.region not in ("*", "") and _safe_id(row.region):
            title = f"[[Special:EntityPage/{row.region}|{title}]]"
        if row.region == "*":
            title = f"'''{title}'''"
        cells = [title, wikitext_text(items_text(row.items)), *(wikitext_text(figure_text(f)) for f in row.figures)]
        lines += ["|-", "| " + " || ".join(cells)]
    return [*lines, "|}"]


def render_wikitext(data: ReportData) -> str:
    t = data.table
    out = [f"Couverture Wikidata du {wikitext_text(t.project or 'WikiProjet')}, générée par wikiclub.", "",
           *(wikitext_text(line) for line in _summary_lines(data)), ""]
    for view in group_views(data):
        out += [f"== {wikitext_text(view.title)} ==", ""]
        if view.group.classes:
            classes = ", ".join(f"[[Special:EntityPage/{_safe_id(c)}|{wikitext_text(t.label(c))}]]"
                                for c in view.group.classes)
            out += [f"Classes : {classes}{' et sous-classes' if view.group.subclasses else ''}", ""]
        out += [*_wiki_table(view), ""]
    if t.worklist:
        out += ["== À compléter ==", ""]
        names = {g.id: g.name for g in t.groups}
        for group in dict.fromkeys(w.group for w in t.worklist):
            out += [f"=== {wikitext_text(names.get(group, group))} ===", ""]
            for w in (w for w in t.worklist if w.group == group):
                missing = ", ".join(f"[[Special:EntityPage/{_safe_id(p)}|{wikitext_text(t.label(p))}]]"
                                    for p in w.missing)
                out.append(f"* [[Special:EntityPage/{_safe_id(w.item)}|{wikitext_text(w.label or w.item)}]] "
                           f"— manque : {missing}")
            out.append("")
    out += _own_lines(t, md=False)
    notes = _notes(t)
    if notes:
        out += ["== Méthode ==", "", *(f"* {wikitext_text(n)}" for n in notes), ""]
    return "\n".join(out)
