"""``approve``: a person signs a batch; ``push`` refuses a batch unapproved or changed since.

The approval lives in ``meta.json`` (``"approval": {"by", "at", "batch_hash"}``); the hash covers
``plan.jsonl`` and ``meta.json`` without the approval itself (:func:`wikiclub.batch.folder.batch_hash`), so any
edit of the plan after approval — by hand or by planning into the same folder — voids it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import BatchError, UsageError
from .folder import batch_hash, read_meta, write_meta
from .journal import utc_now


def approve(batch_dir: Path, by: str) -> dict[str, Any]:
    """Record who approved the batch as it is now; returns the approval."""
    who = " ".join(by.split())
    if not who:
        raise UsageError("--by est vide / --by is empty", 'say who approves: --by "User:MonNom"')
    meta = read_meta(batch_dir)
    approval = {"by": who, "at": utc_now(), "batch_hash": batch_hash(batch_dir)}
    meta["approval"] = approval
    write_meta(batch_dir, meta)
    return approval


def check_approved(batch_dir: Path) -> dict[str, Any]:
    """The approval, or :class:`BatchError` when there is none or the batch changed since."""
    meta = read_meta(batch_dir)
    approval = meta.get("approval")
    if not isinstance(approval, dict) or not approval.get("batch_hash"):
        raise BatchError(f"Lot non approuvé / batch not approved: {batch_dir}",
                         f'read {Path(batch_dir) / "plan.md"}, then: wikiclub approve {batch_dir} --by "User:VotreNom"')
    if approval["batch_hash"] != batch_hash(batch_dir):
        raise BatchError(f"Le lot a changé depuis son approbation / the batch changed since "
                         f"{approval.get('by')} approved it: {batch_dir}",
                         "review plan.md again and approve it again (wikiclub approve … --by …)")
    return dict(approval)
