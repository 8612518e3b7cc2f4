"""Wikibase statement modules: wbgetclaims, wbcreateclaim, wbsetclaim, wbsetclaimvalue, wbremoveclaims,
wbsetreference, wbremovereferences, wbsetqualifier, wbremovequalifiers.

Write modules answer ``{"pageinfo": {"lastrevid": …}, "success": 1, …}`` as the fixtures show.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from . import entitystore as store
from .context import ApiRequest, Handler
from .datavalues import format_plain
from .entities import (
    check_property,
    find_statement,
    is_entity_id,
    new_guid,
    normalise_reference,
    normalise_statement,
    order_statement,
    put_statement,
    remove_statement,
    valid_guid,
    value_snak_from_param,
    wb_error,
)
from .mw import ApiError
from .wbcommon import (
    WRITE_PARAMS,
    base_revision,
    check_baserevid_exists,
    check_write,
    editor,
    load_for_edit,
    lookups,
    no_such_entity,
    resolve_stale,
    save,
    warn_unknown,
)


def handlers() -> dict[str, Handler]:
    return {"wbgetclaims": wbgetclaims, "wbcreateclaim": wbcreateclaim, "wbsetclaim": wbsetclaim,
            "wbsetclaimvalue": wbsetclaimvalue, "wbremoveclaims": wbremoveclaims,
            "wbsetreference": wbsetreference, "wbremovereferences": wbremovereferences,
            "wbsetqualifier": wbsetqualifier, "wbremovequalifiers": wbremovequalifiers}


def _invalid_guid() -> ApiError:
    return wb_error("invalid-guid", "wikibase-api-invalid-guid", [], "Invalid claim guid.")


def _no_such_claim() -> ApiError:
    return wb_error("no-such-claim", "wikibase-api-no-such-claim", [], "Could not find such a claim.")


def _summary_value(st: dict[str, Any]) -> str:
    snak = st["mainsnak"]
    text = f"[[Property:{snak['property']}]]"
    if "datavalue" in snak:
        text += ": " + format_plain(snak["datavalue"]["type"], snak["datavalue"]["value"])
    return text


def _commit(req: ApiRequest, entity_id: str, change: Callable[[dict[str, Any]], Any],
            autocomment: str, autosummary: Callable[[Any], str]) -> tuple[Any, int, dict[str, Any]]:
    """Load, change (patched onto the current revision if ``baserevid`` is stale), save.

    ``change`` mutates the entity and returns what the answer needs; returns that, the new
    revision id and the saved entity.
    """
    stored = load_for_edit(req, entity_id)
    baserevid = base_revision(req)
    check_baserevid_exists(req, baserevid)
    start = stored.entity
    if baserevid is not None and baserevid != stored.lastrevid:
        start = store.revision_entity(req.app.db, entity_id, baserevid) or stored.entity
    wanted = copy.deepcopy(start)
    result_value = change(wanted)
    final, _patched = resolve_stale(req, stored, wanted, baserevid)
    if final == stored.entity:
        return result_value, stored.lastrevid, final
    saved = save(req, final, editor(req, autocomment, autosummary(result_value)))
    return result_value, saved.revid, final


def _statement_target(req: ApiRequest, guid: str) -> str:
    if not valid_guid(guid):
        raise _invalid_guid()
    return guid.split("$", 1)[0].upper()


# ---- reading ------------------------------------------------------------------------------------------

def wbgetclaims(req: ApiRequest) -> dict[str, Any]:
    warn_unknown(req, {"entity", "property", "claim", "rank", "props"})
    guid = req.get("claim")
    entity_raw = req.get("entity")
    if guid:
        entity_id = _statement_target(req, guid)
    elif entity_raw:
        entity_id = entity_raw.strip().upper()
        if not is_entity_id(entity_id):
            raise wb_error("invalid-entity-id", "wikibase-api-invalid-entity-id", [], "Invalid entity ID.")
    else:
        raise ApiError("param-missing", "Either the entity parameter or the claim parameter need to be set.")
    stored = store.get_entity(req.app.db, entity_id)
    if stored is None:
        raise wb_error("no-such-entity", "wikibase-api-no-such-entity", [entity_id],
                       f'Could not find an entity with the ID "{entity_id}".')
    prop, rank = req.get("property"), req.get("rank")
    with_refs = "references" in (req.multi("props") or ["references"])
    out: dict[str, list[dict[str, Any]]] = {}
    for pid, group in (stored.entity.get("claims") or {}).items():
        if prop and pid != prop.upper():
            continue
        for st in group:
            if guid and st["id"] != guid or rank and st["rank"] != rank:
                continue
            if not with_refs:
                st = {k: v for k, v in st.items() if k != "references"}
            out.setdefault(pid, []).append(st)
    return {"claims": out}


# ---- statements ---------------------------------------------------------------------------------------

def _property_param(req: ApiRequest, raw: str) -> tuple[str, str]:
    pid = raw.strip().upper()
    if not is_entity_id(pid):
        raise wb_error("invalid-entity-id", "wikibase-api-invalid-entity-id", [], "Invalid entity ID.")
    if not pid.startswith("P"):
        raise wb_error("param-illegal", "wikibase-api-invalid-property-id", [], "Invalid Property ID.")
    datatype = store.property_datatype(req.app.db, pid)
    if datatype is None:
        # The recorded wiki leaves "$1" unreplaced in this message.
        raise wb_error("no-such-entity", "wikibase-api-no-such-entity", [],
                       'Could not find an entity with the ID "$1".')
    return pid, datatype


def wbcreateclaim(req: ApiRequest) -> dict[str, Any]:
    entity_raw = req.require("entity")
    snaktype = req.require("snaktype")
    prop_raw = req.require("property")
    check_write(req)
    warn_unknown(req, WRITE_PARAMS | {"entity", "snaktype", "property", "value"})
    entity_id = entity_raw.strip().upper()
    if not is_entity_id(entity_id):
        raise wb_error("invalid-entity-id", "wikibase-api-invalid-entity-id", [], "Invalid entity ID.")
    pid, datatype = _property_param(req, prop_raw)
    load_for_edit(req, entity_id)
    snak = value_snak_from_param(pid, snaktype, req.get("value"), datatype, lookups(req))

    def change(entity: dict[str, Any]) -> dict[str, Any]:
        st = {"mainsnak": snak, "type": "statement", "id": new_guid(entity_id), "rank": "normal"}
        put_statement(entity, st)
        return st

    st, revid, _ = _commit(req, entity_id, change, "wbcreateclaim-create:1|", _summary_value)
    return {"pageinfo": {"lastrevid": revid}, "success": 1, "claim": st}


def wbsetclaim(req: ApiRequest) -> dict[str, Any]:
    raw = req.require("claim")
    check_write(req)
    warn_unknown(req, WRITE_PARAMS | {"claim", "index"})
    try:
        claim = json.loads(raw)
    except ValueError:
        raise wb_error("invalid-claim", "wikibase-api-invalid-claim", [], "Invalid claim.") from None
    guid = claim.get("id") if isinstance(claim, dict) else None
    if not isinstance(guid, str) or not valid_guid(guid):
        raise _invalid_guid()
    entity_id = guid.split("$", 1)[0].upper()
    if store.get_entity(req.app.db, entity_id) is None:
        raise no_such_entity(entity_id)
    claim = dict(claim, id=f"{entity_id}${guid.split('$', 1)[1]}")
    st = normalise_statement(claim, entity_id, lookups(req))
    index = req.get("index")
    existed = find_statement(load_for_edit(req, entity_id).entity, st["id"]) is not None

    def change(entity: dict[str, Any]) -> dict[str, Any]:
        put_statement(entity, st)
        if index not in (None, ""):
            group = entity["claims"][st["mainsnak"]["property"]]
            group.remove(st)
            group.insert(max(0, min(int(str(index)), len(group))), st)
        return st

    verb = "update" if existed else "create"
    _, revid, _ = _commit(req, entity_id, change, f"wbsetclaim-{verb}:2||1", _summary_value)
    return {"pageinfo": {"lastrevid": revid}, "success": 1, "claim": st}


def _find_or_fail(entity: dict[str, Any], guid: str, missing: Callable[[], ApiError]) -> dict[str, Any]:
    where = find_statement(entity, guid)
    if where is None:
        raise missing()
    found: dict[str, Any] = entity["claims"][where[0]][where[1]]
    return found


def wbsetclaimvalue(req: ApiRequest) -> dict[str, Any]:
    guid = req.require("claim")
    snaktype = req.require("snaktype")
    check_write(req)
    warn_unknown(req, WRITE_PARAMS | {"claim", "snaktype", "value"})
    entity_id = _statement_target(req, guid)
    stored = load_for_edit(req, entity_id)
    old = _find_or_fail(stored.entity, guid, _no_such_claim)
    pid = old["mainsnak"]["property"]
    datatype = check_property(pid, lookups(req))
    snak = value_snak_from_param(pid, snaktype, req.get("value"), datatype, lookups(req))

    def change(entity: dict[str, Any]) -> dict[str, Any]:
        st = _find_or_fail(entity, guid, _no_such_claim)
        st["mainsnak"] = snak
        return st

    st, revid, _ = _commit(req, entity_id, change, "wbsetclaimvalue:1|", _summary_value)
    return {"pageinfo": {"lastrevid": revid}, "success": 1, "claim": order_statement(st)}


def wbremoveclaims(req: ApiRequest) -> dict[str, Any]:
    guids = req.multi("claim")
    if not guids:
        req.require("claim")
    check_write(req)
    warn_unknown(req, WRITE_PARAMS | {"claim"})
    entity_ids = {_statement_target(req, g) for g in guids}
    if len(entity_ids) != 1:
        raise wb_error("invalid-guid", "wikibase-api-invalid-guid", [],
                       "All claims must belong to the same entity.")
    entity_id = entity_ids.pop()
    stored = load_for_edit(req, entity_id)
    for g in guids:
        _find_or_fail(stored.entity, g, _invalid_guid)

    def change(entity: dict[str, Any]) -> list[dict[str, Any]]:
        removed = []
        for g in guids:
            st = remove_statement(entity, g)
            if st is None:
                raise _invalid_guid()
            removed.append(st)
        return removed

    removed, revid, _ = _commit(req, entity_id, change, f"wbremoveclaims-remove:{len(guids)}|",
                                lambda sts: ", ".join(_summary_value(s) for s in sts))
    del removed
    return {"pageinfo": {"lastrevid": revid}, "success": 1, "claims": guids}


# ---- references ---------------------------------------------------------------------------------------

def wbsetreference(req: ApiRequest) -> dict[str, Any]:
    guid = req.require("statement")
    snaks_raw = req.require("snaks")
    check_write(req)
    warn_unknown(req, WRITE_PARAMS | {"statement", "snaks", "snaks-order", "reference", "index"})
    entity_id = _statement_target(req, guid)
    try:
        snaks = json.loads(snaks_raw)
        order = json.loads(req.get("snaks-order") or "null")
    except ValueError:
        raise wb_error("invalid-json", "wikibase-api-invalid-json", [], "Invalid json in request.") from None
    stored = load_for_edit(req, entity_id)
    _find_or_fail(stored.entity, guid, _no_such_claim)
    ref = normalise_reference({"snaks": snaks, "snaks-order": order}, lookups(req))
    replace = req.get("reference")
    index = req.get("index")

    def change(entity: dict[str, Any]) -> dict[str, Any]:
        st = _find_or_fail(entity, guid, _no_such_claim)
        refs = st.setdefault("references", [])
        if replace:
            pos = next((i for i, r in enumerate(refs) if r["hash"] == replace), None)
            if pos is None:
                raise wb_error("no-such-reference", "wikibase-api-no-such-reference", [],
                               "Could not find a reference with the given hash.")
            refs[pos] = ref
        elif index not in (None, ""):
            refs.insert(max(0, min(int(str(index)), len(refs))), ref)
        else:
            refs.append(ref)
        _reorder(entity, st)
        return st

    verb = "set" if replace else "add"
    _, revid, _ = _commit(req, entity_id, change, f"wbsetreference-{verb}:1|", _summary_value)
    return {"pageinfo": {"lastrevid": revid}, "success": 1, "reference": ref}


def wbremovereferences(req: ApiRequest) -> dict[str, Any]:
    guid = req.require("statement")
    hashes = req.multi("references")
    if not hashes:
        req.require("references")
    check_write(req)
    warn_unknown(req, WRITE_PARAMS | {"statement", "references"})
    entity_id = _statement_target(req, guid)
    stored = load_for_edit(req, entity_id)
    _find_or_fail(stored.entity, guid, _no_such_claim)

    def change(entity: dict[str, Any]) -> dict[str, Any]:
        st = _find_or_fail(entity, guid, _no_such_claim)
        refs = st.get("references", [])
        for h in hashes:
            if not any(r["hash"] == h for r in refs):
                raise wb_error("no-such-reference", "wikibase-api-no-such-reference", [],
                               "Could not find a reference with the given hash.")
        st["references"] = [r for r in refs if r["hash"] not in hashes]
        _reorder(entity, st)
        return st

    _, revid, _ = _commit(req, entity_id, change, f"wbremovereferences-remove:{len(hashes)}|",
                          _summary_value)
    return {"pageinfo": {"lastrevid": revid}, "success": 1}


# ---- qualifiers ---------------------------------------------------------------------------------------

def wbsetqualifier(req: ApiRequest) -> dict[str, Any]:
    guid = req.require("claim")
    check_write(req)
    warn_unknown(req, WRITE_PARAMS | {"claim", "property", "snaktype", "value", "snakhash"})
    entity_id = _statement_target(req, guid)
    stored = load_for_edit(req, entity_id)
    _find_or_fail(stored.entity, guid, _no_such_claim)
    snakhash = req.get("snakhash")
    prop_raw = req.get("property")
    snaktype = req.get("snaktype")
    if not prop_raw or not snaktype:
        raise ApiError("param-missing", 'The "property" and "snaktype" parameters must be set.')
    pid, datatype = _property_param(req, prop_raw)
    snak = value_snak_from_param(pid, snaktype, req.get("value"), datatype, lookups(req))

    def change(entity: dict[str, Any]) -> dict[str, Any]:
        st = _find_or_fail(entity, guid, _no_such_claim)
        quals = st.setdefault("qualifiers", {})
        if snakhash:
            found = False
            for qp, group in list(quals.items()):
                for i, q in enumerate(group):
                    if q["hash"] == snakhash:
                        group.pop(i)
                        found = True
                        break
                if not group:
                    del quals[qp]
            if not found:
                raise wb_error("no-such-qualifier", "wikibase-api-no-such-qualifier", [],
                               "Could not find the qualifier.")
        group = quals.setdefault(pid, [])
        if not any(q["hash"] == snak["hash"] for q in group):
            group.append(snak)
        st["qualifiers-order"] = [p for p in st.get("qualifiers-order", []) if p in quals] + \
            [p for p in quals if p not in st.get("qualifiers-order", [])]
        _reorder(entity, st)
        return _find_or_fail(entity, guid, _no_such_claim)

    verb = "update" if snakhash else "add"
    st, revid, _ = _commit(req, entity_id, change, f"wbsetqualifier-{verb}:1|",
                           lambda s: _summary_value({"mainsnak": snak}))
    return {"pageinfo": {"lastrevid": revid}, "success": 1, "claim": st}


def wbremovequalifiers(req: ApiRequest) -> dict[str, Any]:
    guid = req.require("claim")
    hashes = req.multi("qualifiers")
    if not hashes:
        req.require("qualifiers")
    check_write(req)
    warn_unknown(req, WRITE_PARAMS | {"claim", "qualifiers"})
    entity_id = _statement_target(req, guid)
    stored = load_for_edit(req, entity_id)
    _find_or_fail(stored.entity, guid, _no_such_claim)
    removed: list[dict[str, Any]] = []

    def change(entity: dict[str, Any]) -> dict[str, Any]:
        st = _find_or_fail(entity, guid, _no_such_claim)
        quals = st.get("qualifiers", {})
        for h in hashes:
            hit = next(((p, i) for p, g in quals.items() for i, q in enumerate(g) if q["hash"] == h), None)
            if hit is None:
                raise wb_error("no-such-qualifier", "wikibase-api-no-such-qualifier", [],
                               "Could not find the qualifier.")
            removed.append(quals[hit[0]].pop(hit[1]))
            if not quals[hit[0]]:
                del quals[hit[0]]
        _reorder(entity, st)
        return st

    _, revid, _ = _commit(req, entity_id, change, f"wbremovequalifiers-remove:{len(hashes)}|",
                          lambda s: ", ".join(_summary_value({"mainsnak": q}) for q in removed))
    return {"pageinfo": {"lastrevid": revid}, "success": 1}


def _reorder(entity: dict[str, Any], st: dict[str, Any]) -> None:
    """Put the changed statement back in Wikibase's key order, in place."""
    if not st.get("references"):
        st.pop("references", None)
    if not st.get("qualifiers"):
        st.pop("qualifiers", None)
        st.pop("qualifiers-order", None)
    where = find_statement(entity, st["id"])
    if where is not None:
        entity["claims"][where[0]][where[1]] = order_statement(st)

