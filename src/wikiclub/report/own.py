"""Which items the WikiClub's own batches created or edited, read from the push journals."""

from __future__ import annotations

from pathlib import Path

from ..batch.journal import iter_all_journals
from .model import OwnEdits


def own_edits(batches_root: Path) -> OwnEdits:
    """Items of every edit that landed (state ``done``) in the batches under ``batches_root``.

    An item created by one batch and edited by a later one counts as created only.
    """
    if not Path(batches_root).is_dir():
        return OwnEdits(available=False)
    created: dict[str, None] = {}
    edited: dict[str, None] = {}
    batches: set[str] = set()
    for entry in iter_all_journals(Path(batches_root)):
        if entry.state != "done" or not entry.entity_id:
            continue
        batches.add(entry.batch_id)
        (created if entry.created else edited)[entry.entity_id] = None
    return OwnEdits(tuple(created), tuple(q for q in edited if q not in created), len(batches), True)
