"""Helpers shared by the Wikibase modules (wbapi.py, wbclaims.py, wbsearch.py)."""

from __future__ import annotations

from typing import Any

from . import entitystore as store
from . import guards
from .context import ApiRequest
from .entities import Lookups, diff_entities, edit_conflict, is_entity_id, patch_entity, wb_error
from .entitystore import Editor, Saved, StoredEntity
from .mw import ApiError

# Parameters every module accepts (ApiMain's); anything else a module does not know is warned about.
MAIN_PARAMS = frozenset({
    "action", "format", "formatversion", "maxlag", "smaxage", "maxage", "assert", "assertuser",
    "requestid", "servedby", "curtimestamp", "responselanginfo", "origin", "uselang", "variant",
    "errorformat", "errorlang", "errorsuselocal", "centralauthtoken", "utf8", "ascii", "callback",
})
WRITE_PARAMS = frozenset({"token", "summary", "tags", "bot", "baserevid"})


def warn_unknown(req: ApiRequest, allowed: frozenset[str] | set[str]) -> None:
    """MediaWiki's ``Unrecognized parameter: token.`` warning for parameters a module ignores."""
    unknown = sorted(k for k in req.params if k not in MAIN_PARAMS and k not in allowed)
    if len(unknown) == 1:
        req.warnings["main"] = f"Unrecognized parameter: {unknown[0]}."
    elif unknown:
        req.warnings["main"] = f"Unrecognized parameters: {', '.join(unknown)}."


def lookups(req: ApiRequest) -> Lookups:
    db = req.app.db
    return Lookups(property_datatype=lambda pid: store.property_datatype(db, pid),
                   entity_exists=lambda eid: store.entity_exists(db, eid))


def check_write(req: ApiRequest, *, rate_action: str | None = "edit") -> None:
    guards.check_write(req, rate_action=rate_action)


def editor(req: ApiRequest, autocomment: str, autosummary: str = "") -> Editor:
    """The revision's author and comment (Wikibase's ``/* autocomment */ summary`` form)."""
    comment = f"/* {autocomment} */"
    summary = (req.get("summary") or "").strip()
    tail = summary or autosummary
    if tail:
        comment += " " + tail
    user = req.user
    bot = req.flag("bot") and user is not None and user.is_bot
    return Editor(user=user.name if user else "127.0.0.1", userid=user.id if user else 0,
                  comment=comment, tags=tuple(check_tags(req)), bot=bot)


def check_tags(req: ApiRequest) -> list[str]:
    """No change tags are defined in a fresh wiki, so any tag is refused as MediaWiki does."""
    tags = req.multi("tags")
    if not tags:
        return []
    if len(tags) == 1:
        info = f'The tag "{tags[0]}" is not allowed to be manually applied.'
    else:
        info = "The following tags are not allowed to be manually applied: " + ", ".join(tags) + "."
    raise ApiError("badtags", info, extra={"disallowedtags": tags})


def parse_entity_id(raw: str) -> str:
    entity_id = raw.strip().upper()
    if not is_entity_id(entity_id):
        raise wb_error("invalid-entity-id", "wikibase-api-invalid-entity-id", [], "Invalid entity ID.")
    return entity_id


def no_such_entity(entity_id: str) -> ApiError:
    # What the recorded wiki answers for a well-formed id of a missing entity on write modules.
    return wb_error("no-such-entity", "no-such-entity", [entity_id], "⧼no-such-entity⧽")


def load_for_edit(req: ApiRequest, entity_id: str) -> StoredEntity:
    stored = store.get_entity(req.app.db, entity_id)
    if stored is None:
        target = store.redirect_target(req.app.db, entity_id)
        if target is not None:
            raise wb_error("unresolved-redirect", "wikibase-api-unresolved-redirect", [],
                           "The given entity ID refers to a redirect, which is not supported in this context.")
        raise no_such_entity(entity_id)
    return stored


def base_revision(req: ApiRequest) -> int | None:
    raw = req.get("baserevid")
    if raw in (None, ""):
        return None
    try:
        return int(str(raw))
    except ValueError:
        raise ApiError("badinteger", f'Invalid value "{raw}" for integer parameter "baserevid".') from None


def resolve_stale(req: ApiRequest, stored: StoredEntity, wanted: dict[str, Any],
                  baserevid: int | None) -> tuple[dict[str, Any], bool]:
    """Wanted entity → what to save. With a stale ``baserevid`` the change is patched onto the
    current revision (Wikibase's EditEntity); returns (entity, patched)."""
    if baserevid is None or baserevid == stored.lastrevid:
        return wanted, False
    base = store.revision_entity(req.app.db, stored.entity["id"], baserevid)
    if base is None:
        raise wb_error("nosuchrevid", "wikibase-api-nosuchrevid", [], "Revision with ID not found.")
    ops = diff_entities(base, wanted)
    patched, conflicts = patch_entity(stored.entity, ops)
    if conflicts:
        raise edit_conflict()
    return patched, True


def check_baserevid_exists(req: ApiRequest, baserevid: int | None) -> None:
    if baserevid is not None and not store.revision_exists(req.app.db, baserevid):
        raise wb_error("nosuchrevid", "wikibase-api-nosuchrevid", [], "Revision with ID not found.")


def save(req: ApiRequest, entity: dict[str, Any], ed: Editor) -> Saved:
    return store.save_entity(req.app, entity, ed)


def patched_warning(module: str) -> dict[str, Any]:
    return {module: {"messages": [{"name": "wikibase-conflict-patched", "parameters": [],
                                   "html": {"*": "Your edit was patched into the latest version."},
                                   "type": "warning"}]}}
