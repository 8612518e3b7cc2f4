"""A minimal HTML page per entity (``/wiki/Q123``, ``/wiki/Item:Q123``, ``/w/index.php/Item:Q123``),
so the links that review sheets, reports and search results carry open something readable when
volunteers practise on the sandbox. Every label comes from the public: everything is escaped."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

_PAGE = re.compile(r"^/(?:wiki|w/index\.php)/(?:(?:Item|Property):)?([QP][1-9]\d*)$")


def entity_id_of_path(path: str) -> str | None:
    m = _PAGE.match(path)
    return m.group(1) if m else None


def label_of(entity: Mapping[str, Any] | None, languages: tuple[str, ...] = ("fr", "en", "mul")) -> str:
    labels = (entity or {}).get("labels") or {}
    for lang in (*languages, *labels):
        if lang in labels:
            return str(labels[lang]["value"])
    return ""


def _value(snak: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """One snak as escaped HTML: item values linked with their label."""
    if snak.get("snaktype") != "value":
        return "<i>" + ("aucune valeur / no value" if snak.get("snaktype") == "novalue"
                        else "valeur inconnue / unknown value") + "</i>"
    value = snak["datavalue"]["value"]
    if isinstance(value, dict) and "id" in value:
        qid = str(value["id"])
        name = labels.get(qid) or qid
        return f'<a href="/wiki/{html.escape(qid)}">{html.escape(name)}</a> ({html.escape(qid)})'
    if isinstance(value, dict):
        text = (value.get("text") or value.get("time") or value.get("amount")
                or (f"{value.get('latitude')}, {value.get('longitude')}" if "latitude" in value else value))
        return html.escape(str(text))
    text = str(value)
    if snak.get("datatype") == "url" and text.startswith(("http://", "https://")):
        return f'<a href="{html.escape(text, quote=True)}" rel="nofollow">{html.escape(text)}</a>'
    return html.escape(text)


def render_entity_page(entity: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """``labels``: id → label for the properties and item values the entity names."""
    eid = str(entity["id"])
    title = label_of(entity) or eid
    rows = []
    for kind in ("labels", "descriptions"):
        for lang, term in sorted((entity.get(kind) or {}).items()):
            rows.append(f"<tr><th>{kind[:-1]}</th><td>{html.escape(lang)}</td><td>{html.escape(term['value'])}</td></tr>")
    for lang, terms in sorted((entity.get("aliases") or {}).items()):
        joined = " · ".join(html.escape(t["value"]) for t in terms)
        rows.append(f"<tr><th>alias</th><td>{html.escape(lang)}</td><td>{joined}</td></tr>")
    statements = []
    for pid, group in (entity.get("claims") or {}).items():
        for st in group:
            name = labels.get(pid) or pid
            statements.append(f'<tr><th><a href="/wiki/{html.escape(pid)}">{html.escape(name)}</a> '
                              f"({html.escape(pid)})</th><td>{_value(st['mainsnak'], labels)}</td>"
                              f"<td>{html.escape(str(st.get('rank', '')))}</td></tr>")
    return (f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{html.escape(title)} '
            f"({html.escape(eid)})</title></head><body><h1>{html.escape(title)} <small>({html.escape(eid)})"
            f"</small></h1><p>Révision / revision {html.escape(str(entity.get('lastrevid', '')))} — "
            f'<a href="/wiki/Special:EntityData/{html.escape(eid)}.json">JSON</a></p>'
            f"<table>{''.join(rows)}</table><h2>Déclarations / statements</h2>"
            f"<table>{''.join(statements)}</table></body></html>")


def linked_ids(entity: Mapping[str, Any]) -> list[str]:
    """Properties and item values whose labels the page shows."""
    ids: list[str] = []
    for pid, group in (entity.get("claims") or {}).items():
        ids.append(pid)
        for st in group:
            value = (st.get("mainsnak", {}).get("datavalue") or {}).get("value")
            if isinstance(value, dict) and isinstance(value.get("id"), str):
                ids.append(value["id"])
    return list(dict.fromkeys(ids))
