"""Wikibase entities: reading the ``data`` of wbeditentity into an entity, validation, the canonical
JSON shape, statement GUIDs and hashes, and the baserevid patcher (Wikibase's EditEntity conflict fix).

Entities are plain dicts in the canonical Wikibase JSON shape (the stored form); key order follows
Wikibase's serializers, since clients such as pywikibot map returned statements *by position*.
"""

from __future__ import annotations

import copy
import json
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .datavalues import (
    ENTITY_ID_RE,
    VALUE_TYPES,
    ValueProblem,
    read_value,
    reference_hash,
    snak_hash,
    validate_value,
)
from .languages import is_known_language
from .mw import ApiError

RANKS = ("preferred", "normal", "deprecated")
TERM_MAX_LENGTH = 250
NS = {"item": 120, "property": 122}
NS_NAME = {"item": "Item", "property": "Property"}
CONTENT_MODEL = {"item": "wikibase-item", "property": "wikibase-property"}


def wb_error(code: str, key: str, params: Iterable[Any], text: str, *, info: str | None = None,
             header: str | None = None, extra: dict[str, Any] | None = None) -> ApiError:
    """A Wikibase API error: code, info and one message (name, parameters, text)."""
    return ApiError(code, info or text, messages=[(key, list(params), text)], extra=extra or {},
                    header_codes=header)


def entity_type_of(entity_id: str) -> str:
    return "item" if entity_id[:1] == "Q" else "property"


def title_of(entity_id: str) -> str:
    return f"{NS_NAME[entity_type_of(entity_id)]}:{entity_id}"


def link_of(entity_id: str) -> str:
    return f"[[{title_of(entity_id)}|{entity_id}]]"


def is_entity_id(text: str) -> bool:
    return bool(ENTITY_ID_RE.match(text))


def new_guid(entity_id: str) -> str:
    # Wikibase's GuidGenerator: upper-case uuid4 after "<id>$".
    return f"{entity_id}${str(uuid.uuid4()).upper()}"


def empty_entity(entity_type: str, entity_id: str, datatype: str | None = None) -> dict[str, Any]:
    if entity_type == "property":
        return {"type": "property", "datatype": datatype, "id": entity_id, "labels": {},
                "descriptions": {}, "aliases": {}, "claims": {}}
    return {"type": "item", "id": entity_id, "labels": {}, "descriptions": {}, "aliases": {},
            "claims": {}, "sitelinks": {}}


def canonical(entity: dict[str, Any]) -> dict[str, Any]:
    """Key order of Wikibase's entity serializer (info keys excluded)."""
    out: dict[str, Any] = {"type": entity["type"]}
    if entity["type"] == "property":
        out["datatype"] = entity.get("datatype")
    out["id"] = entity["id"]
    for key in ("labels", "descriptions", "aliases", "claims"):
        out[key] = entity.get(key) or {}
    if entity["type"] == "item":
        out["sitelinks"] = entity.get("sitelinks") or {}
    return out


# json.dumps(…, ensure_ascii=False, separators=(",", ":")) without a new encoder per call (dump loads).
_REVISION_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def revision_content(entity: dict[str, Any]) -> str:
    """The JSON stored in the revision: empty maps are PHP empty arrays (``[]``), as Wikibase writes."""
    out = {k: (v if v != {} else []) for k, v in canonical(entity).items()}
    return _REVISION_JSON.encode(out)


# ---- lookups the validators need --------------------------------------------------------------------

@dataclass(frozen=True)
class Lookups:
    property_datatype: Callable[[str], str | None]
    entity_exists: Callable[[str], bool]


# ---- snaks, statements, references ------------------------------------------------------------------

def _claim_error(text: str) -> ApiError:
    return wb_error("invalid-claim", "wikibase-api-invalid-claim", [], text,
                    info=f"Failed to get claim from claim Serialization {text}")


def _modification_failed(p: ValueProblem) -> ApiError:
    return wb_error("modification-failed", p.message_key, p.params, p.text)


def check_property(pid: Any, lookups: Lookups) -> str:
    """The datatype of an existing property, or Wikibase's ``no-such-property`` validation error."""
    if not isinstance(pid, str) or not pid.startswith("P") or not is_entity_id(pid):
        raise _claim_error(f"invalid property id {pid!r}")
    datatype = lookups.property_datatype(pid)
    if datatype is None:
        link = link_of(pid)
        raise wb_error("modification-failed", "wikibase-validator-no-such-property", [link],
                       f"Property {link} not found")
    return datatype


def normalise_snak(snak: Any, lookups: Lookups) -> dict[str, Any]:
    """A snak with its datatype and hash; the datavalue read by its declared type, then validated."""
    if not isinstance(snak, dict) or snak.get("snaktype") not in ("value", "somevalue", "novalue"):
        raise _claim_error("snak needs a snaktype of value, somevalue or novalue")
    datatype = check_property(snak.get("property"), lookups)
    out: dict[str, Any] = {"snaktype": snak["snaktype"], "property": snak["property"]}
    if snak["snaktype"] == "value":
        dv = snak.get("datavalue")
        if not isinstance(dv, dict) or "value" not in dv or not isinstance(dv.get("type"), str):
            raise _claim_error("value snak needs a datavalue with value and type")
        try:
            value = read_value(dv["value"], dv["type"])
        except ValueProblem as p:
            raise _claim_error(p.text) from None
        try:
            validate_value(datatype, dv["type"], value, entity_exists=lookups.entity_exists)
        except ValueProblem as p:
            raise _modification_failed(p) from None
        out["datavalue"] = {"value": value, "type": dv["type"]}
    out["datatype"] = datatype
    return with_hash(out)


def with_hash(snak: dict[str, Any]) -> dict[str, Any]:
    """Wikibase's key order: snaktype, property, hash, datavalue, datatype."""
    out: dict[str, Any] = {"snaktype": snak["snaktype"], "property": snak["property"],
                           "hash": snak_hash(snak)}
    if "datavalue" in snak:
        out["datavalue"] = snak["datavalue"]
    out["datatype"] = snak["datatype"]
    return out


def value_snak_from_param(pid: str, snaktype: str, raw_value: str | None, datatype: str,
                          lookups: Lookups) -> dict[str, Any]:
    """The snak of wbcreateclaim/wbsetclaimvalue/wbsetqualifier: ``value`` is JSON of the bare value."""
    snak: dict[str, Any] = {"snaktype": snaktype, "property": pid, "datatype": datatype}
    if snaktype == "value":
        if raw_value is None:
            raise ApiError("param-missing", 'The "value" parameter must be set for a value snak.')
        invalid = wb_error("invalid-snak", "wikibase-api-invalid-snak", [], "Invalid snak data.")
        try:
            parsed = json.loads(raw_value)
        except ValueError:
            raise invalid from None
        value_type = VALUE_TYPES.get(datatype, "string")
        try:
            value = read_value(parsed, value_type)
        except ValueProblem:
            raise invalid from None
        try:
            validate_value(datatype, value_type, value, entity_exists=lookups.entity_exists)
        except ValueProblem as p:
            raise _modification_failed(p) from None
        snak["datavalue"] = {"value": value, "type": value_type}
    elif snaktype not in ("somevalue", "novalue"):
        raise ApiError("badvalue", f'Unrecognized value for parameter "snaktype": {snaktype}.')
    return with_hash(snak)


def _snak_map(raw: Any, order: Any, lookups: Lookups) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Qualifier/reference snaks given as {P: [snak]} or [snak] → grouped map and its order."""
    if raw is None:
        return {}, []
    items: list[Any]
    if isinstance(raw, dict):
        items = [s for group in raw.values() for s in (group if isinstance(group, list) else [group])]
    elif isinstance(raw, list):
        items = raw
    else:
        raise _claim_error("snaks must be a map or a list")
    grouped: dict[str, list[dict[str, Any]]] = {}
    for s in items:
        snak = normalise_snak(s, lookups)
        grouped.setdefault(snak["property"], []).append(snak)
    keys = list(grouped)
    if isinstance(order, list) and sorted(order) == sorted(keys):
        keys = [str(k) for k in order]
    return {k: grouped[k] for k in keys}, keys


def normalise_reference(raw: Any, lookups: Lookups) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _claim_error("reference must be an object")
    snaks, order = _snak_map(raw.get("snaks"), raw.get("snaks-order"), lookups)
    return {"hash": reference_hash([s["hash"] for g in snaks.values() for s in g]), "snaks": snaks,
            "snaks-order": order}


def make_reference(snaks: dict[str, list[dict[str, Any]]], order: list[str]) -> dict[str, Any]:
    return {"hash": reference_hash([s["hash"] for g in snaks.values() for s in g]), "snaks": snaks,
            "snaks-order": order}


def normalise_statement(raw: Any, entity_id: str, lookups: Lookups) -> dict[str, Any]:
    """A statement in Wikibase's shape; a new GUID when it has none."""
    if not isinstance(raw, dict) or "mainsnak" not in raw:
        raise _claim_error("statement needs a mainsnak")
    mainsnak = normalise_snak(raw["mainsnak"], lookups)
    rank = raw.get("rank", "normal")
    if rank not in RANKS:
        raise _claim_error(f"unknown rank {rank!r}")
    guid = raw.get("id")
    if guid is None or guid == "":
        guid = new_guid(entity_id)
    elif not isinstance(guid, str) or not valid_guid(guid) or guid.split("$", 1)[0].upper() != entity_id:
        raise wb_error("modification-failed", "wikibase-validator-invalid-guid", [str(guid)],
                       f"Statement GUID {guid} is not valid for {entity_id}.")
    out: dict[str, Any] = {"mainsnak": mainsnak, "type": raw.get("type", "statement")
                           if raw.get("type") in ("statement", "claim") else "statement"}
    qualifiers, qorder = _snak_map(raw.get("qualifiers"), raw.get("qualifiers-order"), lookups)
    if qualifiers:
        out["qualifiers"] = qualifiers
        out["qualifiers-order"] = qorder
    out["id"] = guid
    out["rank"] = rank
    refs_raw = raw.get("references") or []
    if not isinstance(refs_raw, list):
        raise _claim_error("references must be a list")
    refs = [normalise_reference(r, lookups) for r in refs_raw]
    if refs:
        out["references"] = refs
    return out


def order_statement(st: dict[str, Any]) -> dict[str, Any]:
    """Re-emit a statement in Wikibase's key order (after a module changed part of it)."""
    out: dict[str, Any] = {"mainsnak": st["mainsnak"], "type": st.get("type", "statement")}
    if st.get("qualifiers"):
        out["qualifiers"] = st["qualifiers"]
        out["qualifiers-order"] = [p for p in st.get("qualifiers-order", []) if p in st["qualifiers"]] \
            or list(st["qualifiers"])
    out["id"] = st["id"]
    out["rank"] = st.get("rank", "normal")
    if st.get("references"):
        out["references"] = st["references"]
    return out


_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def valid_guid(guid: str) -> bool:
    """Wikibase's GuidParser: ``<entity id>$<uuid>``."""
    if "$" not in guid:
        return False
    prefix, rest = guid.split("$", 1)
    return is_entity_id(prefix.upper()) and bool(_UUID_RE.match(rest))


def find_statement(entity: dict[str, Any], guid: str) -> tuple[str, int] | None:
    for pid, group in entity.get("claims", {}).items():
        for i, st in enumerate(group):
            if st.get("id") == guid:
                return pid, i
    return None


def put_statement(entity: dict[str, Any], st: dict[str, Any]) -> None:
    """Replace the statement with the same GUID, or append it (Wikibase's StatementList order)."""
    claims = entity.setdefault("claims", {})
    where = find_statement(entity, st["id"])
    pid = st["mainsnak"]["property"]
    if where is not None and where[0] == pid:
        claims[pid][where[1]] = st
        return
    if where is not None:
        remove_statement(entity, st["id"])
    claims.setdefault(pid, []).append(st)


def remove_statement(entity: dict[str, Any], guid: str) -> dict[str, Any] | None:
    where = find_statement(entity, guid)
    if where is None:
        return None
    pid, i = where
    st: dict[str, Any] = entity["claims"][pid].pop(i)
    if not entity["claims"][pid]:
        del entity["claims"][pid]
    return st


# ---- terms ------------------------------------------------------------------------------------------

def clean_term(value: Any) -> str:
    if not isinstance(value, str):
        raise wb_error("invalid-json", "wikibase-api-invalid-json", [], "Term values must be strings.")
    return unicodedata.normalize("NFC", value.strip())


def check_language(lang: Any) -> str:
    if not isinstance(lang, str) or not is_known_language(lang):
        raise wb_error("not-recognized-language", "wikibase-api-not-recognized-language", [],
                       "The supplied language code was not recognized.")
    return lang


def check_term_length(value: str) -> None:
    if len(value) > TERM_MAX_LENGTH:
        raise wb_error("modification-failed", "wikibase-validator-too-long",
                       [str(TERM_MAX_LENGTH), value[:29] + "..."],
                       f"Must be no more than {TERM_MAX_LENGTH} characters long")


def _term_entries(raw: Any) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(raw, dict):
        return [(k, v) for k, v in raw.items()]
    if isinstance(raw, list):
        return [(v.get("language") if isinstance(v, dict) else None, v) for v in raw]  # type: ignore[misc]
    raise wb_error("not-recognized-array", "wikibase-api-not-recognized-array", [],
                   "An array was expected, but not found in the json.")


def apply_terms(entity: dict[str, Any], kind: str, raw: Any) -> None:
    """labels/descriptions: set, or remove with ``remove`` or an empty value."""
    target = entity.setdefault(kind, {})
    for key, entry in _term_entries(raw):
        if not isinstance(entry, dict):
            raise wb_error("not-recognized-array", "wikibase-api-not-recognized-array", [],
                           "An array was expected, but not found in the json.")
        lang = check_language(entry.get("language", key))
        if key is not None and key != lang:
            raise wb_error("inconsistent-language", "wikibase-api-inconsistent-language", [],
                           "Inconsistent language: " + f"{key} is not equal to {lang}")
        if "remove" in entry:
            target.pop(lang, None)
            continue
        value = clean_term(entry.get("value", ""))
        if value == "":
            target.pop(lang, None)
            continue
        check_term_length(value)
        target[lang] = {"language": lang, "value": value}


def apply_aliases(entity: dict[str, Any], raw: Any) -> None:
    """Aliases per language: a plain list replaces the language's aliases; ``add``/``remove`` edit it."""
    target = entity.setdefault("aliases", {})
    entries: list[tuple[str | None, Any]] = []
    if isinstance(raw, dict):
        for key, group in raw.items():
            for entry in group if isinstance(group, list) else [group]:
                entries.append((key, entry))
    elif isinstance(raw, list):
        entries = [(None, e) for e in raw]
    else:
        raise wb_error("not-recognized-array", "wikibase-api-not-recognized-array", [],
                       "An array was expected, but not found in the json.")
    replaced: set[str] = set()
    for key, entry in entries:
        if not isinstance(entry, dict):
            raise wb_error("not-recognized-array", "wikibase-api-not-recognized-array", [],
                           "An array was expected, but not found in the json.")
        lang = check_language(entry.get("language", key))
        value = clean_term(entry.get("value", ""))
        current = [a["value"] for a in target.get(lang, [])]
        if "remove" in entry:
            current = [v for v in current if v != value]
        elif "add" in entry:
            if value and value not in current:
                check_term_length(value)
                current.append(value)
        else:
            if lang not in replaced:
                current = []
                replaced.add(lang)
            if value and value not in current:
                check_term_length(value)
                current.append(value)
        if current:
            target[lang] = [{"language": lang, "value": v} for v in current]
        else:
            target.pop(lang, None)


def set_aliases(entity: dict[str, Any], lang: str, values: list[str]) -> None:
    seen: list[str] = []
    for v in values:
        v = clean_term(v)
        if v and v not in seen:
            check_term_length(v)
            seen.append(v)
    if seen:
        entity.setdefault("aliases", {})[lang] = [{"language": lang, "value": v} for v in seen]
    else:
        entity.setdefault("aliases", {}).pop(lang, None)


# ---- wbeditentity data → entity ---------------------------------------------------------------------

def apply_data(base: dict[str, Any], data: dict[str, Any], lookups: Lookups, *,
               known_sites: Callable[[str], bool]) -> dict[str, Any]:
    """Apply the ``data`` of wbeditentity to a copy of ``base`` (Wikibase's ChangeOps), validating."""
    entity = copy.deepcopy(base)
    for kind in ("labels", "descriptions"):
        if kind in data:
            apply_terms(entity, kind, data[kind])
    if "aliases" in data:
        apply_aliases(entity, data["aliases"])
    if "sitelinks" in data:
        _apply_sitelinks(entity, data["sitelinks"], known_sites)
    if "claims" in data:
        _apply_claims(entity, data["claims"], lookups)
    return entity


def _apply_sitelinks(entity: dict[str, Any], raw: Any, known_sites: Callable[[str], bool]) -> None:
    if entity["type"] != "item":
        if raw:
            raise wb_error("not-supported", "wikibase-api-not-supported", [],
                           "Properties have no sitelinks.")
        return
    links = entity.setdefault("sitelinks", {})
    for key, entry in _term_entries(raw):
        if not isinstance(entry, dict):
            continue
        site = entry.get("site", key)
        if "remove" in entry:
            links.pop(site, None)
            continue
        wanted = {"site": site, "title": entry.get("title", ""), "badges": entry.get("badges", [])}
        if links.get(site) == wanted:
            continue
        if not known_sites(site):
            raise wb_error("no-such-site", "wikibase-api-no-such-site", [],
                           f"Could not find a site with the ID \"{site}\".",
                           info=f'Unrecognized value for parameter "site": {site}')
        links[site] = wanted


def _apply_claims(entity: dict[str, Any], raw: Any, lookups: Lookups) -> None:
    if isinstance(raw, dict):
        items = [s for group in raw.values() for s in (group if isinstance(group, list) else [group])]
    elif isinstance(raw, list):
        items = raw
    else:
        raise wb_error("not-recognized-array", "wikibase-api-not-recognized-array", [],
                       "An array was expected, but not found in the json.")
    for st in items:
        if isinstance(st, dict) and "remove" in st:
            guid = st.get("id")
            if not isinstance(guid, str) or remove_statement(entity, guid) is None:
                raise wb_error("invalid-guid", "wikibase-api-invalid-guid", [], "Invalid claim guid.")
            continue
        put_statement(entity, normalise_statement(st, entity["id"], lookups))


# ---- baserevid: diff the stale edit and patch it onto the current revision ---------------------------

@dataclass(frozen=True)
class DiffOp:
    area: str  # labels / descriptions / sitelinks / claims / aliases
    key: str  # language, site or statement GUID
    old: Any
    new: Any


def diff_entities(old: dict[str, Any], new: dict[str, Any]) -> list[DiffOp]:
    ops: list[DiffOp] = []
    for area in ("labels", "descriptions", "sitelinks"):
        a, b = old.get(area) or {}, new.get(area) or {}
        for key in list(a) + [k for k in b if k not in a]:
            if a.get(key) != b.get(key):
                ops.append(DiffOp(area, key, a.get(key), b.get(key)))
    a_al, b_al = old.get("aliases") or {}, new.get("aliases") or {}
    for lang in list(a_al) + [k for k in b_al if k not in a_al]:
        va = [x["value"] for x in a_al.get(lang, [])]
        vb = [x["value"] for x in b_al.get(lang, [])]
        if va != vb:
            ops.append(DiffOp("aliases", lang, va, vb))
    sa = {st["id"]: st for g in (old.get("claims") or {}).values() for st in g}
    sb = {st["id"]: st for g in (new.get("claims") or {}).values() for st in g}
    for guid in list(sa) + [g for g in sb if g not in sa]:
        if sa.get(guid) != sb.get(guid):
            ops.append(DiffOp("claims", guid, sa.get(guid), sb.get(guid)))
    return ops


def patch_entity(current: dict[str, Any], ops: list[DiffOp]) -> tuple[dict[str, Any], int]:
    """Apply ``ops`` where the current revision still has the old value; returns (entity, conflicts).

    Like Wikibase's EditEntity::fixEditConflict, an operation whose old value is no longer there
    is not applied and counts as a conflict; aliases are merged as added/removed values.
    """
    entity = copy.deepcopy(current)
    conflicts = 0
    for op in ops:
        if op.area in ("labels", "descriptions", "sitelinks"):
            target = entity.setdefault(op.area, {})
            if target.get(op.key) != op.old:
                conflicts += 1
                continue
            if op.new is None:
                target.pop(op.key, None)
            else:
                target[op.key] = op.new
        elif op.area == "aliases":
            have = [x["value"] for x in (entity.get("aliases") or {}).get(op.key, [])]
            removed = [v for v in op.old if v not in op.new]
            added = [v for v in op.new if v not in op.old]
            result = [v for v in have if v not in removed] + [v for v in added if v not in have]
            if result:
                entity.setdefault("aliases", {})[op.key] = [{"language": op.key, "value": v}
                                                            for v in result]
            else:
                entity.setdefault("aliases", {}).pop(op.key, None)
        else:
            where = find_statement(entity, op.key)
            now = entity["claims"][where[0]][where[1]] if where else None
            if now != op.old:
                conflicts += 1
                continue
            if op.new is None:
                remove_statement(entity, op.key)
            else:
                put_statement(entity, op.new)
    return entity, conflicts


def edit_conflict() -> ApiError:
    return ApiError("editconflict", "Edit conflict. Could not patch the current revision.",
                    messages=[("wikibase-api-editconflict", [],
                               "Edit conflict. Could not patch the current revision."),
                              ("edit-conflict", [], "Edit conflict.")])


# ---- wbmergeitems -------------------------------------------------------------------------------------

def merge_items(source: dict[str, Any], target: dict[str, Any],
                ignore_conflicts: Iterable[str] = ()) -> tuple[dict[str, Any], list[str]]:
    """Wikibase's ItemMergeInteractor: terms and statements of ``source`` moved to ``target``.

    Returns the new target and the conflicts (e.g. ``Conflicting descriptions for language en``).
    """
    ignore = set(ignore_conflicts)
    merged = copy.deepcopy(target)
    conflicts: list[str] = []
    for kind, name in (("labels", "labels"), ("descriptions", "descriptions")):
        for lang, term in (source.get(kind) or {}).items():
            have = merged.setdefault(kind, {}).get(lang)
            if have is None:
                merged[kind][lang] = term
            elif have["value"] != term["value"]:
                if kind == "labels":
                    # a differing label becomes an alias of the target, as Wikibase does
                    current = [a["value"] for a in merged.setdefault("aliases", {}).get(lang, [])]
                    set_aliases(merged, lang, current + [term["value"]])
                elif name not in ignore and "description" not in ignore:
                    conflicts.append(f"Conflicting descriptions for language {lang}")
    for lang, group in (source.get("aliases") or {}).items():
        current = [a["value"] for a in merged.setdefault("aliases", {}).get(lang, [])]
        set_aliases(merged, lang, current + [a["value"] for a in group])
    for site, link in (source.get("sitelinks") or {}).items():
        have = merged.setdefault("sitelinks", {}).get(site)
        if have is None:
            merged["sitelinks"][site] = link
        elif have != link and "sitelink" not in ignore:
            conflicts.append(f"Conflicting sitelinks for {site}")
    for group in (source.get("claims") or {}).values():
        for st in group:
            moved = copy.deepcopy(st)
            moved["id"] = new_guid(merged["id"])
            if not _has_same_statement(merged, moved):
                put_statement(merged, moved)
    return merged, conflicts


def _has_same_statement(entity: dict[str, Any], st: dict[str, Any]) -> bool:
    def key(s: dict[str, Any]) -> str:
        return json.dumps({k: v for k, v in s.items() if k != "id"}, sort_keys=True)
    k = key(st)
    return any(key(o) == k for o in entity.get("claims", {}).get(st["mainsnak"]["property"], []))


def is_empty(entity: dict[str, Any]) -> bool:
    return not any(entity.get(k) for k in ("labels", "descriptions", "aliases", "claims", "sitelinks"))
