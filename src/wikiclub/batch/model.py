"""The batch's data: one :class:`EntityEdit` per entity, the :class:`Plan`, edit ids and summaries."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..wbjson import EntityData
from .diff import (
    Change,
    Conflict,
    Wanted,
)

FORMAT = "wikiclub-batch/1"


META, PLAN, NOTES, PREVIEW = "meta.json", "plan.jsonl", "notes.jsonl", "plan.md"
# MediaWiki keeps 500 characters of a summary (CommentStore) and Wikibase puts its autocomment
# ("/* wbeditentity-update:0| */ ", ~35 bytes) in front: stay well below so the link is never cut.


SUMMARY_BUDGET = 440


EDITGROUP_LINK = "([[:toolforge:editgroups/b/CB/{}|details]])"


MARKER = "[wc:{}]"


MARKER_RE = re.compile(r"\[wc:([0-9a-f]{16})\]")


@dataclass(frozen=True)
class EntityEdit:
    """One ``wbeditentity`` of the batch."""

    seq: int
    edit_id: str
    target: str | None  # QID, or None for a creation
    baserevid: int | None
    data: EntityData  # the payload (may hold batch items, resolved at push time)
    summary: str
    label: str  # for people: the item's label in the batch's first language
    wanted: Wanted  # what the rows want: push re-plans from it when the item moved
    changes: tuple[Change, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    provenance: tuple[dict[str, Any], ...] = ()  # per row: source and reconciliation
    depends_on: tuple[str, ...] = ()  # edit_ids of creations this payload points at
    names: Mapping[str, str] = field(default_factory=dict)  # id → label shown (target, properties, values)

    @property
    def creation(self) -> bool:
        return self.target is None

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "edit_id": self.edit_id, "target": self.target, "baserevid": self.baserevid,
                "label": self.label, "summary": self.summary, "data": self.data,
                "changes": [c.to_json() for c in self.changes],
                "conflicts": [c.to_json() for c in self.conflicts],
                "depends_on": list(self.depends_on), "provenance": list(self.provenance),
                "wanted": self.wanted.to_json(), "names": dict(self.names)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EntityEdit:
        return cls(int(data["seq"]), str(data["edit_id"]), data.get("target"), data.get("baserevid"),
                   _payload(data["data"]), str(data["summary"]), str(data.get("label", "")),
                   Wanted.from_json(data.get("wanted", {})),
                   tuple(Change.from_json(c) for c in data.get("changes", ())),
                   tuple(Conflict.from_json(c) for c in data.get("conflicts", ())),
                   tuple(data.get("provenance", ())), tuple(data.get("depends_on", ())),
                   {str(k): str(v) for k, v in (data.get("names") or {}).items()})


def _payload(raw: Any) -> EntityData:
    """A line's ``data``, as plan.jsonl holds it (a JSON object: else TypeError, a malformed line)."""
    payload: EntityData = raw
    if not isinstance(raw, dict):
        raise TypeError(f"data: {type(raw).__name__}, pas un objet / not an object")
    return payload.copy()


@dataclass(frozen=True)
class Plan:
    meta: dict[str, Any]
    edits: tuple[EntityEdit, ...]
    notes: tuple[dict[str, Any], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.edits

    @property
    def conflicts(self) -> list[dict[str, Any]]:
        return [n for n in self.notes if n["kind"] == "conflict"]


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def canonical(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def edit_id_of(target: str | None, data: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical({"target": target, "data": data}).encode()).hexdigest()[:16]


def _utf8_cut(text: str, limit: int) -> str:
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[: max(0, limit - 3)].decode("utf-8", "ignore").rstrip() + "..."


def make_summary(batch_id: str, rows: Sequence[int], edit_id: str, group: str, what: str) -> str:
    """``wikiclub BATCH row N [wc:EDIT]: WHAT (EditGroups link)``, at most SUMMARY_BUDGET UTF-8 bytes.

    The marker ``[wc:<edit_id>]`` finds the edit in the account's contributions when its answer was lost;
    the link is always complete (the middle part is cut instead).
    """
    link = EDITGROUP_LINK.format(group)
    marker = MARKER.format(edit_id)
    row_text = ("row " + ",".join(map(str, rows[:5])) + ("…" if len(rows) > 5 else "")) if rows else ""
    head = f"wikiclub {_utf8_cut(batch_id, 60)} {row_text} {marker}".replace("  ", " ")
    room = SUMMARY_BUDGET - len(head.encode()) - len(link.encode()) - 4
    body = _utf8_cut(" ".join(what.split()), max(room, 0))
    return f"{head}: {body} {link}"


