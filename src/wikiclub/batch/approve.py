"""``approve``: a person signs a batch; ``push`` refuses a batch unapproved or changed since.

The approval lives in ``meta.json`` (``"approval": {"by", "at", "batch_hash", "covers"}``); the hash covers
everything the approver is shown — ``meta.json`` without the approval itself, ``plan.jsonl``,
``notes.jsonl`` and ``plan.md`` (:func:`wikiclub.batch.folder.batch_hash`) — so any edit of them after
approval, by hand or by planning into the same folder, voids it. Before signing (and again before
pushing), the folder must say one thing: ``plan.md`` is exactly the preview of ``plan.jsonl`` and
``notes.jsonl``, and each edit's id is the hash of what it sends, so a ``plan.jsonl`` edited by hand
while ``plan.md`` was left as it was is refused instead of approved unseen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import BatchError, UsageError
from .folder import APPROVAL_COVERS, batch_hash, read_batch, read_meta, write_meta
from .journal import utc_now
from .model import PLAN, PREVIEW, edit_id_of
from .preview import render_preview

_AGAIN = "plan the batch again into a new folder (wikiclub plan … -o batches/NEW/), read plan.md, approve it"


def check_consistent(batch_dir: Path) -> None:
    """:class:`BatchError` unless plan.md shows exactly what plan.jsonl sends (nothing edited by hand)."""
    batch_dir = Path(batch_dir)
    plan = read_batch(batch_dir)
    for n, edit in enumerate(plan.edits, 1):
        if edit_id_of(edit.target, edit.data) != edit.edit_id:
            raise BatchError(f"{batch_dir / PLAN}, ligne {n}: le contenu ne correspond pas à son identifiant / "
                             f"the edit's data does not match its id {edit.edit_id} (edited by hand?)", _AGAIN)
    preview = batch_dir / PREVIEW
    shown = preview.read_text(encoding="utf-8") if preview.is_file() else None
    if shown != render_preview(plan):
        raise BatchError(f"{preview}: ne montre pas ce que {PLAN} enverrait / does not show what {PLAN} would "
                         "send (one of them was edited by hand?)", _AGAIN)


def approve(batch_dir: Path, by: str) -> dict[str, Any]:
    """Record who approved the batch as it is now; returns the approval."""
    who = " ".join(by.split())
    if not who:
        raise UsageError("--by est vide / --by is empty", 'say who approves: --by "User:MonNom"')
    check_consistent(batch_dir)
    meta = read_meta(batch_dir)
    approval = {"by": who, "at": utc_now(), "batch_hash": batch_hash(batch_dir), "covers": list(APPROVAL_COVERS)}
    meta["approval"] = approval
    write_meta(batch_dir, meta)
    return approval


def check_approved(batch_dir: Path) -> dict[str, Any]:
    """The approval, or :class:`BatchError` when there is none, it is older than the files it must
    cover, or the batch changed since."""
    meta = read_meta(batch_dir)
    approval = meta.get("approval")
    if not isinstance(approval, dict) or not approval.get("batch_hash"):
        raise BatchError(f"Lot non approuvé / batch not approved: {batch_dir}",
                         f'read {Path(batch_dir) / "plan.md"}, then: wikiclub approve {batch_dir} --by "User:VotreNom"')
    if approval.get("covers") != list(APPROVAL_COVERS):
        raise BatchError(f"Approbation d'une version antérieure de wikiclub, qui ne couvrait pas plan.md / "
                         f"approved by an earlier wikiclub whose approval did not cover plan.md: {batch_dir}",
                         f'read plan.md again, then: wikiclub approve {batch_dir} --by "User:VotreNom"')
    if approval["batch_hash"] != batch_hash(batch_dir):
        raise BatchError(f"Le lot a changé depuis son approbation / the batch changed since "
                         f"{approval.get('by')} approved it: {batch_dir}",
                         "review plan.md again and approve it again (wikiclub approve … --by …)")
    check_consistent(batch_dir)
    return dict(approval)
