"""Wikibase API modules: reading and editing entities (MediaWiki 1.39 + Wikibase REL1_39 shapes).

Claim modules live in wbclaims.py, search in wbsearch.py; this module registers all of them.
Every write handler checks its required parameters, then calls ``guards.check_write`` (token, assert,
permission, rate limit) before validating anything else, which is the order Wikibase answers in.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable
from typing import Any

from . import entitystore as store
from . import wbclaims, wbsearch
from .context import ApiRequest, Handler, Wiki
from .datavalues import VALUE_TYPES, ValueProblem, format_plain, parse_plain, read_value
from .entities import (
    apply_data,
    canonical,
    check_language,
    check_term_length,
    clean_term,
    empty_entity,
    is_empty,
    is_entity_id,
    merge_items,
    set_aliases,
    title_of,
    wb_error,
)
from .guards import over_limit
from .languages import fallback_chain, is_known_language
from .mw import ApiError, id_generator_throttled_error, ratelimited_error
from .users import ID_GENERATOR
from .wbcommon import (
    WRITE_PARAMS,
    base_revision,
    check_baserevid_exists,
    check_tags,
    check_write,
    editor,
    load_for_edit,
    lookups,
    parse_entity_id,
    patched_warning,
    resolve_stale,
    save,
    warn_unknown,
)

ALL_PROPS = ("info", "sitelinks", "aliases", "labels", "descriptions", "claims", "datatype")
GET_PARAMS = frozenset({"ids", "sites", "titles", "redirects", "props", "languages", "languagefallback",
                        "normalize", "sitefilter"})


def register(app: Wiki) -> dict[str, Handler]:
    store.ensure_schema(app.db)
    handlers: dict[str, Handler] = {
        "wbgetentities": wbgetentities,
        "wbeditentity": wbeditentity,
        "wbsetlabel": lambda req: _set_term(req, "labels"),
        "wbsetdescription": lambda req: _set_term(req, "descriptions"),
        "wbsetaliases": wbsetaliases,
        "wbsetsitelink": wbsetsitelink,
        "wbmergeitems": wbmergeitems,
        "wbcreateredirect": wbcreateredirect,
        "wbformatvalue": wbformatvalue,
        "wbparsevalue": wbparsevalue,
    }
    handlers.update(wbclaims.handlers())
    handlers["wbsearchentities"] = wbsearch.wbsearchentities
    return handlers


def query_modules() -> dict[str, Callable[[ApiRequest], dict[str, Any]]]:
    """``list=`` modules that core's ``action=query`` merges into its ``query`` object."""
    return {"list=search": wbsearch.list_search, "list=wbsearch": wbsearch.list_wbsearch}


# ---- wbgetentities ----------------------------------------------------------------------------------

def _high_limits(req: ApiRequest) -> bool:
    user = req.user
    return user is not None and any(g in user.groups for g in ("bot", "sysop"))


def _languages(req: ApiRequest) -> list[str] | None:
    langs = req.multi("languages")
    if not langs:
        return None
    bad = [lang for lang in langs if not is_known_language(lang)]
    if bad:
        word = "value" if len(bad) == 1 else "values"
        req.warnings["wbgetentities"] = (
            f'Unrecognized {word} for parameter "languages": {", ".join(bad)}')
    return [lang for lang in langs if is_known_language(lang)]


def wbgetentities(req: ApiRequest) -> dict[str, Any]:
    warn_unknown(req, GET_PARAMS)
    db = req.app.db
    ids = req.multi("ids")
    sites, titles = req.multi("sites"), req.multi("titles")
    wanted: list[tuple[str, str | None]] = []  # (key in the answer, entity id or None when missing)
    if ids:
        limit = 500 if _high_limits(req) else 50
        if len(ids) > limit:
            raise ApiError("toomanyvalues",
                           f'Too many values supplied for parameter "ids". The limit is {limit}.',
                           extra={"limit": limit, "lowlimit": 50, "highlimit": 500})
        for raw in ids:
            asked = raw.strip().upper()
            if not is_entity_id(asked):
                raise wb_error("no-such-entity", "wikibase-api-no-such-entity", [raw],
                               f'Could not find an entity with the ID "{raw}".', extra={"id": raw})
            wanted.append((asked, asked))
    known = [s for s in sites if store.known_site(db, s)]
    unknown = [s for s in sites if s not in known]
    if unknown:
        word = "value" if len(unknown) == 1 else "values"
        req.warnings["wbgetentities"] = f'Unrecognized {word} for parameter "sites": {", ".join(unknown)}'
    if known and titles:
        for i, title in enumerate(titles):
            site = known[min(i, len(known) - 1)]
            linked = store.entity_by_sitelink(db, site, title.replace("_", " "))
            wanted.append((linked or f"-{i + 1}", linked))
    if not wanted:
        raise _selector_error(req)
    props = [p for p in req.multi("props") if p in ALL_PROPS] if req.multi("props") else list(ALL_PROPS)
    languages = _languages(req)
    fallback = req.flag("languagefallback")
    follow = req.get("redirects", "yes") != "no"
    found, redirects = store.get_entities(db, [eid for _, eid in wanted if eid])
    entities: dict[str, Any] = {}
    fv2 = req.formatversion == 2
    for n, (key, eid) in enumerate(wanted):
        if eid is None:
            entities[key] = {"site": known[0], "title": titles[n - len(ids)],
                             "missing": True if fv2 else ""}
            continue
        target = redirects.get(eid) if follow else None
        stored = found.get(target or eid)
        if stored is None or (eid in redirects and not follow):
            entities[key] = {"id": eid, "missing": True if fv2 else ""}
            continue
        entities[key] = render_entity(stored, props, languages, fallback,
                                      redirect_from=eid if target else None)
    return {"entities": entities, "success": 1}


def _selector_error(req: ApiRequest) -> ApiError:
    return wb_error("param-missing", "wikibase-api-illegal-ids-or-sites-titles-selector", [],
                    'Either provide the Item "ids" or pairs of "sites" and "titles" for corresponding page')


def render_entity(stored: store.StoredText, props: list[str], languages: list[str] | None,
                  fallback: bool, redirect_from: str | None = None) -> dict[str, Any]:
    """One entity of the answer. Claims and sitelinks go out as the stored JSON text (:class:`RawJSON`,
    the same bytes as decoding and encoding them again) when the stored text is in its usual form."""
    parts = stored.parts
    entity = parts.head if parts is not None else stored.entity
    out: dict[str, Any] = {}
    if "info" in props:
        out.update({"pageid": stored.pageid, "ns": 120 if entity["type"] == "item" else 122,
                    "title": title_of(entity["id"]), "lastrevid": stored.lastrevid,
                    "modified": stored.modified})
    if redirect_from:
        out["redirects"] = {"from": redirect_from, "to": entity["id"]}
    out["type"] = entity["type"]
    if entity["type"] == "property" and ("datatype" in props or "info" in props):
        out["datatype"] = entity.get("datatype")
    out["id"] = entity["id"]
    for key in ("labels", "descriptions"):
        if key in props:
            out[key] = _terms(entity.get(key) or {}, languages, fallback)
    if "aliases" in props:
        aliases = entity.get("aliases") or {}
        out["aliases"] = aliases if languages is None else {k: v for k, v in aliases.items() if k in languages}
    if "claims" in props:
        out["claims"] = parts.claims if parts is not None else entity.get("claims") or {}
    if "sitelinks" in props and entity["type"] == "item":
        out["sitelinks"] = parts.sitelinks if parts is not None else entity.get("sitelinks") or {}
    return out


def _terms(terms: dict[str, Any], languages: list[str] | None, fallback: bool) -> dict[str, Any]:
    if languages is None:
        return terms
    out: dict[str, Any] = {}
    for lang in languages:
        if lang in terms:
            out[lang] = terms[lang]
        elif fallback:
            for other in fallback_chain(lang)[1:]:
                if other in terms:
                    out[lang] = {"value": terms[other]["value"], "language": other, "for-language": lang}
                    break
    return out


# ---- wbeditentity -----------------------------------------------------------------------------------

EDIT_PARAMS = WRITE_PARAMS | {"id", "new", "site", "title", "data", "clear"}


def _response_entity(entity: dict[str, Any], lastrevid: int, nochange: bool = False) -> dict[str, Any]:
    out = canonical(entity)
    out["lastrevid"] = lastrevid
    if nochange:
        out["nochange"] = ""
    return out


def wbeditentity(req: ApiRequest) -> dict[str, Any]:
    raw = req.require("data")
    # A creation pings its limits itself, in Wikibase's order (see _create).
    check_write(req, rate_action=None if req.get("new") else "edit")
    warn_unknown(req, EDIT_PARAMS)
    try:
        data = json.loads(raw)
    except ValueError:
        raise wb_error("invalid-json", "wikibase-api-invalid-json", [], "Invalid json in request.") from None
    if not isinstance(data, dict):
        data = {} if data == [] else None
        if data is None:
            raise wb_error("not-recognized-array", "wikibase-api-not-recognized-array", [],
                           "An array was expected, but not found in the json.")
    new, given_id = req.get("new"), req.get("id")
    site, title = req.get("site"), req.get("title")
    if (new and given_id) or (not new and not given_id and not (site and title)):
        text = 'Either provide the item "id" or pairs of "site" and "title" or a "new" type for an entity'
        raise wb_error("param-illegal", text, [], f"⧼{text}⧽")
    if new and new not in ("item", "property"):
        raise ApiError("badvalue", f'Unrecognized value for parameter "new": {new}.')
    db = req.app.db
    look = lookups(req)
    baserevid = base_revision(req)
    if new:
        return _create(req, new, data)
    if given_id:
        entity_id = parse_entity_id(given_id)
    else:
        found = store.entity_by_sitelink(db, site or "", (title or "").replace("_", " "))
        if found is None:
            raise wb_error("no-such-entity-link", "wikibase-api-no-such-entity-link", [],
                           "No entity found matching site link.")
        entity_id = found
    stored = load_for_edit(req, entity_id)
    check_baserevid_exists(req, baserevid)
    _check_existing_data(stored.entity, data)
    stale = baserevid is not None and baserevid != stored.lastrevid
    start = stored.entity
    if stale:
        start = store.revision_entity(db, entity_id, baserevid or 0) or stored.entity
    if req.flag("clear"):
        start = empty_entity(stored.entity["type"], entity_id, stored.entity.get("datatype"))
    wanted = apply_data(start, data, look, known_sites=lambda s: store.known_site(db, s))
    check_label_not_description(wanted, _term_languages(data))
    result, patched = resolve_stale(req, stored, wanted, baserevid)
    ed = editor(req, "wbeditentity-override:0|" if req.flag("clear") else "wbeditentity-update:0|")
    if canonical(result) == canonical(stored.entity):
        return {"entity": _response_entity(stored.entity, stored.lastrevid, nochange=True), "success": 1}
    _check_unique(req, result)
    saved = save(req, result, ed)
    # Wikibase answers with the entity it modified — the base revision plus this request's changes
    # (ModifyEntity::execute → addToOutput($entity)) — not with what was saved: after a patched stale
    # baserevid the body lacks the concurrent change, though the saved revision has it.
    body: dict[str, Any] = {"entity": _response_entity(wanted if patched else result, saved.revid), "success": 1}
    if patched:
        body = {"warnings": patched_warning("wbeditentity"), **body}
    return body


def _create(req: ApiRequest, new: str, data: dict[str, Any]) -> dict[str, Any]:
    """``new=item|property`` in Wikibase's order (ModifyEntity::execute, EntitySavingHelper,
    MediaWikiEditEntity::attemptSave): the id generator's rate limit is pinged and a fresh id assigned
    (RateLimitingIdGenerator → ``no-automatic-entity-id``), then the data is applied and validated, then
    the ``edit`` (and ``create``) limits are pinged at save. So a creation refused after its id was
    assigned — invalid data, label and description equal or taken, the ``edit`` limit — consumes that
    id, as on a real wiki; one refused by the id generator does not (Wikibase's EditEntityTest::
    testIdGeneratorRateLimit)."""
    db = req.app.db
    check_tags(req)  # badtags before anything is allocated
    placeholder = _check_new_data(req, new, data)
    if over_limit(req, ID_GENERATOR):
        raise id_generator_throttled_error()
    entity_id = _allocate_id(req, new)
    datatype = data.get("datatype") if new == "property" else None
    base = empty_entity(new, placeholder, datatype)
    wanted = apply_data(base, data, lookups(req), known_sites=lambda s: store.known_site(db, s))
    check_label_not_description(wanted)
    _check_unique(req, wanted)
    if over_limit(req, "edit") or over_limit(req, "create"):
        raise ratelimited_error(req.action)
    wanted["id"] = entity_id
    wanted = _rehome_guids(wanted, entity_id)
    ed = editor(req, f"wbeditentity-create-{new}:0|", "")
    saved = save(req, wanted, ed)
    return {"entity": _response_entity(wanted, saved.revid), "success": 1}


def _term_languages(data: dict[str, Any]) -> set[str]:
    """Languages whose label or description ``data`` sets (terms come as a map or as a list)."""
    out: set[str] = set()
    for kind in ("labels", "descriptions"):
        terms = data.get(kind) or {}
        items = terms.values() if isinstance(terms, dict) else terms if isinstance(terms, list) else []
        out |= {str(t.get("language")) for t in items if isinstance(t, dict)}
        out |= set(terms) if isinstance(terms, dict) else set()
    return out


def check_label_not_description(entity: dict[str, Any], languages: Iterable[str] | None = None) -> None:
    """LabelDescriptionNotEqualValidator: a label and a description of one language may not be equal
    (tests/fixtures/wikibase-api/observed/wbeditentity-label-equals-description.json). Only the
    languages an edit changes are checked, as each ChangeOpLabel/ChangeOpDescription validates its own."""
    labels, descriptions = entity.get("labels") or {}, entity.get("descriptions") or {}
    wanted = set(labels) if languages is None else set(languages)
    for language, term in labels.items():
        other = descriptions.get(language) if language in wanted else None
        if other and other.get("value") == term.get("value"):
            raise wb_error("modification-failed", "wikibase-validator-label-equals-description", [language],
                           f"Label and description for language code {language} can not have the same value.")


def _check_new_data(req: ApiRequest, new: str, data: dict[str, Any]) -> str:
    if "id" in data and data["id"]:
        raise wb_error("param-illegal", "wikibase-api-param-illegal", [],
                       "Illegal field used in call: id", info='Illegal field used in call: "id"')
    if new == "property":
        datatype = data.get("datatype")
        if not isinstance(datatype, str) or datatype not in VALUE_TYPES:
            raise wb_error("param-illegal", "wikibase-api-not-recognized-datatype", [],
                           "A datatype was expected, but either missing or not recognized.")
    elif "datatype" in data:
        raise wb_error("param-illegal", "wikibase-api-param-illegal", [],
                       "Illegal field used in call: datatype",
                       info='Illegal field used in call: "datatype"')
    return "Q0" if new == "item" else "P0"


def _check_existing_data(entity: dict[str, Any], data: dict[str, Any]) -> None:
    if data.get("id") not in (None, "", entity["id"]):
        raise wb_error("param-invalid", "wikibase-api-param-invalid", [],
                       'Invalid field used in call: "id", must match id parameter')
    if data.get("type") not in (None, entity["type"]):
        raise wb_error("param-invalid", "wikibase-api-param-invalid", [],
                       'Invalid field used in call: "type", must match type associated with id')
    if entity["type"] == "property" and data.get("datatype") not in (None, entity.get("datatype")):
        raise wb_error("param-illegal", "wikibase-api-param-illegal", [],
                       "Can't change the datatype of a property")


def _allocate_id(req: ApiRequest, entity_type: str) -> str:
    prefix = "Q" if entity_type == "item" else "P"
    return f"{prefix}{req.app.db.next_id(prefix)}"


def _rehome_guids(entity: dict[str, Any], entity_id: str) -> dict[str, Any]:
    """Statements of a new entity were given GUIDs before its id existed ("Q0$…")."""
    for group in (entity.get("claims") or {}).values():
        for st in group:
            prefix, rest = st["id"].split("$", 1)
            if prefix in ("Q0", "P0"):
                st["id"] = f"{entity_id}${rest}"
    return entity


def _check_unique(req: ApiRequest, entity: dict[str, Any]) -> None:
    db = req.app.db
    if entity["type"] == "item":
        hit = store.label_description_conflict(db, entity)
        if hit:
            label, lang, other = hit
            link = f"[[{title_of(other)}|{other}]]"
            raise wb_error("modification-failed", "wikibase-validator-label-with-description-conflict",
                           [label, lang, link],
                           f'Item {link} already has label "{label}" associated with language code '
                           f'{lang}, using the same description text.')
    else:
        hit = store.property_label_conflict(db, entity)
        if hit:
            label, lang, other = hit
            link = f"[[{title_of(other)}|{other}]]"
            raise ApiError("failed-save", "The save has failed.", messages=[
                ("wikibase-api-failed-save", [], "The save has failed."),
                ("wikibase-validator-label-conflict", [label, lang, link],
                 f'Property {link} already has label "{label}" associated with language code {lang}.')],
                header_codes="failed-save, wikibase-validator-label-conflict")


# ---- labels, descriptions, aliases, sitelinks ---------------------------------------------------------

def _target_id(req: ApiRequest) -> str:
    raw = req.get("id")
    if raw:
        return parse_entity_id(raw)
    site, title = req.get("site"), req.get("title")
    if site and title:
        found = store.entity_by_sitelink(req.app.db, site, title.replace("_", " "))
        if found:
            return found
        raise wb_error("no-such-entity-link", "wikibase-api-no-such-entity-link", [],
                       "No entity found matching site link.")
    raise wb_error("param-missing", "wikibase-api-param-missing", [],
                   'Either provide the item "id" or pairs of "site" and "title" for a corresponding page')


def _edit_part(req: ApiRequest, change: Callable[[dict[str, Any]], None], autocomment: str,
               autosummary: str, part: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """Shared flow of the term modules: load, change (with baserevid patching), save, answer."""
    entity_id = _target_id(req)
    stored = load_for_edit(req, entity_id)
    baserevid = base_revision(req)
    check_baserevid_exists(req, baserevid)
    ed = editor(req, autocomment, autosummary)
    db = req.app.db
    start = stored.entity
    if baserevid is not None and baserevid != stored.lastrevid:
        start = store.revision_entity(db, entity_id, baserevid) or stored.entity
    wanted = json.loads(json.dumps(start))
    change(wanted)
    result, _patched = resolve_stale(req, stored, wanted, baserevid)
    entity_out: dict[str, Any] = part(result)
    if canonical(result) == canonical(stored.entity):
        entity_out.update({"id": entity_id, "type": stored.entity["type"],
                           "lastrevid": stored.lastrevid, "nochange": ""})
        return {"entity": entity_out, "success": 1}
    _check_unique(req, result)
    saved = save(req, result, ed)
    entity_out.update({"id": entity_id, "type": result["type"], "lastrevid": saved.revid})
    return {"entity": entity_out, "success": 1}


def _set_term(req: ApiRequest, kind: str) -> dict[str, Any]:
    lang_raw = req.require("language")
    check_write(req)
    warn_unknown(req, WRITE_PARAMS | {"id", "site", "title", "language", "value", "new"})
    if not is_known_language(lang_raw):
        raise ApiError("badvalue", f'Unrecognized value for parameter "language": {lang_raw}.')
    lang = check_language(lang_raw)
    value = clean_term(req.get("value") or "")
    if value:
        check_term_length(value)
    module = "wbsetlabel" if kind == "labels" else "wbsetdescription"

    def change(entity: dict[str, Any]) -> None:
        if value:
            entity.setdefault(kind, {})[lang] = {"language": lang, "value": value}
            check_label_not_description(entity, [lang])
        else:
            entity.setdefault(kind, {}).pop(lang, None)

    def part(entity: dict[str, Any]) -> dict[str, Any]:
        term = (entity.get(kind) or {}).get(lang)
        return {kind: {lang: term if term else {"language": lang, "removed": ""}}}

    action = "set" if value else "remove"
    return _edit_part(req, change, f"{module}-{action}:1|{lang}", value, part)


def wbsetaliases(req: ApiRequest) -> dict[str, Any]:
    lang_raw = req.require("language")
    check_write(req)
    warn_unknown(req, WRITE_PARAMS | {"id", "site", "title", "language", "add", "remove", "set", "new"})
    if not is_known_language(lang_raw):
        raise ApiError("badvalue", f'Unrecognized value for parameter "language": {lang_raw}.')
    lang = lang_raw
    add, remove, set_ = req.multi("add"), req.multi("remove"), req.multi("set")
    if set_ and (add or remove):
        raise ApiError("invalidparammix", 'The parameters "set" and "add"/"remove" can not be used together.')
    if not (add or remove or set_) and "set" not in req.params:
        raise ApiError("missingparam", 'At least one of the parameters "add", "remove" and "set" is required.')

    def change(entity: dict[str, Any]) -> None:
        current = [a["value"] for a in (entity.get("aliases") or {}).get(lang, [])]
        if "set" in req.params:
            current = list(set_)
        current = [v for v in current if clean_term(v) not in [clean_term(r) for r in remove]]
        current += add
        set_aliases(entity, lang, current)

    def part(entity: dict[str, Any]) -> dict[str, Any]:
        return {"aliases": {lang: (entity.get("aliases") or {}).get(lang, [])}}

    what = "set" if "set" in req.params else ("add" if add and not remove else
                                              "remove" if remove and not add else "update")
    values = set_ or add or remove
    return _edit_part(req, change, f"wbsetaliases-{what}:{len(values)}|{lang}", ", ".join(values), part)


def wbsetsitelink(req: ApiRequest) -> dict[str, Any]:
    linksite = req.require("linksite")
    check_write(req)
    warn_unknown(req, WRITE_PARAMS | {"id", "site", "title", "linksite", "linktitle", "badges"})
    if not store.known_site(req.app.db, linksite):
        raise ApiError("badvalue", f'Unrecognized value for parameter "linksite": {linksite}.')
    linktitle = (req.get("linktitle") or "").replace("_", " ").strip()
    badges = req.multi("badges")

    def change(entity: dict[str, Any]) -> None:
        if linktitle:
            entity.setdefault("sitelinks", {})[linksite] = {"site": linksite, "title": linktitle,
                                                            "badges": badges}
        else:
            entity.setdefault("sitelinks", {}).pop(linksite, None)

    def part(entity: dict[str, Any]) -> dict[str, Any]:
        link = (entity.get("sitelinks") or {}).get(linksite)
        return {"sitelinks": {linksite: link or {"site": linksite, "removed": ""}}}

    return _edit_part(req, change, f"wbsetsitelink-{'set' if linktitle else 'remove'}:1|{linksite}",
                      linktitle, part)


# ---- merge and redirect -----------------------------------------------------------------------------

def wbmergeitems(req: ApiRequest) -> dict[str, Any]:
    from_raw, to_raw = req.require("fromid"), req.require("toid")
    check_write(req)
    warn_unknown(req, WRITE_PARAMS | {"fromid", "toid", "ignoreconflicts"})
    from_id, to_id = parse_entity_id(from_raw), parse_entity_id(to_raw)
    if from_id == to_id:
        raise wb_error("cant-merge-self", "wikibase-itemmerge-cant-merge-self", [],
                       "You can't merge an item into itself.")
    if not from_id.startswith("Q") or not to_id.startswith("Q"):
        raise wb_error("not-item", "wikibase-itemmerge-not-item", [],
                       "The entities to merge must both be items.")
    source = load_for_edit(req, from_id)
    target = load_for_edit(req, to_id)
    merged, conflicts = merge_items(source.entity, target.entity, req.multi("ignoreconflicts"))
    if conflicts:
        raise ApiError("failed-modify", "Attempted modification of the Item failed.",
                       messages=[("wikibase-api-failed-modify", [],
                                  "Attempted modification of the Item failed.")],
                       extra={"extradata": conflicts})
    emptied = empty_entity("item", from_id)
    from_saved = save(req, emptied, editor(req, f"wbmergeitems-to:0||{to_id}"))
    to_saved = save(req, merged, editor(req, f"wbmergeitems-from:0||{from_id}"))
    store.save_redirect(req.app, from_id, to_id, editor(req, f"wbcreateredirect:0||{from_id}|{to_id}"))
    return {"success": 1, "redirected": 1,
            "from": {"id": from_id, "type": "item", "lastrevid": from_saved.revid},
            "to": {"id": to_id, "type": "item", "lastrevid": to_saved.revid}}


def wbcreateredirect(req: ApiRequest) -> dict[str, Any]:
    from_raw, to_raw = req.require("from"), req.require("to")
    check_write(req)
    warn_unknown(req, WRITE_PARAMS | {"from", "to", "ignoreconflicts"})
    from_id, to_id = parse_entity_id(from_raw), parse_entity_id(to_raw)
    db = req.app.db
    if store.get_entity(db, to_id) is None:
        raise wb_error("target-not-found", "wikibase-redirect-target-not-found", [],
                       f"Target entity {to_id} not found")
    source = store.get_entity(db, from_id)
    if source is None and store.redirect_target(db, from_id) is None:
        raise wb_error("origin-not-found", "wikibase-redirect-origin-not-found", [],
                       f"Origin entity {from_id} not found")
    if from_id[0] != to_id[0]:
        raise wb_error("target-is-incompatible", "wikibase-redirect-target-is-incompatible", [],
                       "Redirect target is incompatible")
    if source is not None and not is_empty(source.entity):
        text = f"Can't create redirect on non empty item {from_id}"
        raise wb_error("origin-not-empty", "wikibase-api-origin-not-empty", [text], text)
    store.save_redirect(req.app, from_id, to_id, editor(req, f"wbcreateredirect:0||{from_id}|{to_id}"))
    return {"success": 1, "redirect": to_id}


# ---- value formatting and parsing ---------------------------------------------------------------------

def wbformatvalue(req: ApiRequest) -> dict[str, Any]:
    raw = req.require("datavalue")
    try:
        dv = json.loads(raw)
        value = read_value(dv["value"], dv["type"])
    except (ValueError, KeyError, TypeError, ValueProblem):
        raise ApiError("baddatavalue", "Failed to interpret the datavalue.") from None
    text = format_plain(dv["type"], value)
    if req.get("generate", "text/wiki") == "text/html":
        text = html.escape(text)
    return {"result": text}


PARSE_MESSAGES = {
    "wikibase-parse-error-quantity": "The quantity value is malformed.",
    "wikibase-parse-error-time": "The time value is malformed.",
    "wikibase-parse-error-entity-id": "The entity ID is malformed.",
    "wikibase-parse-error-coordinate": "The coordinate value is malformed.",
}


def wbparsevalue(req: ApiRequest) -> dict[str, Any]:
    datatype = req.get("datatype") or req.get("parser") or "string"
    results: list[dict[str, Any]] = []
    for raw in req.multi("values"):
        try:
            vtype, value = parse_plain(datatype, raw)
        except ValueError as exc:
            key = str(exc)
            text = PARSE_MESSAGES.get(key, "The value is malformed.")
            results.append({"raw": raw, "error": "ValueParsers\\ParseException",
                            "error-info": f"Malformed {datatype}", "expected-format": datatype,
                            "messages": [{"name": key, "parameters": [], "html": {"*": text}}]})
            # Wikibase answers a parse failure with an ``error`` next to the results, HTTP 200.
            return {"error": {"code": key, "info": text}, "results": results}
        results.append({"raw": raw, "value": value, "type": vtype})
    return {"results": results}

