"""The stage as the CLI calls it: mapped rows in, results and review sheets out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ..model import MappedRow
from .candidates import CandidateSource
from .inputs import row_input
from .model import Decision, RowResult, Thresholds
from .review import write_review
from .run import RowInput, reconcile_rows
from .store import result_to_json


def reconcile_mapped(rows: Sequence[MappedRow], source: CandidateSource, *, language: str = "fr",
                     thresholds: Thresholds | None = None, checkpoint: Path | None = None, resume: bool = False,
                     progress: Callable[[Iterable[RowInput]], Iterable[RowInput]] | None = None,
                     scorer: str = "ours") -> list[RowResult]:
    inputs = [row_input(r, language=language) for r in rows]
    return reconcile_rows(inputs, source, thresholds=thresholds, scorer=scorer, checkpoint=checkpoint,
                          resume=resume, progress=progress)


def state_items(rows: Sequence[MappedRow], results: Sequence[RowResult]) -> list[dict[str, Any]]:
    return [{"result": result_to_json(res), "record": row.to_json()} for row, res in zip(rows, results, strict=True)]


def write_outputs(path: Path, rows: Sequence[MappedRow], results: Sequence[RowResult], *,
                  item_url: Callable[[str], str], site: str | None = None) -> list[Path]:
    """The review sheet (+ CSV twin) and its state; ``item_url`` (``SiteInfo.item_url``, or the configured
    ``entity_url``) links each item as the wiki serves it; ``site``: the ``--site`` asked ("" = the
    configuration's, None = no wiki, e.g. a local index), where ``--apply-review`` checks the QIDs people
    type."""
    return write_review(path, results, item_url=item_url, state=state_items(rows, results), site=site)


def summary(results: Sequence[RowResult]) -> dict[str, int]:
    out = {d.value: 0 for d in (Decision.MATCH, Decision.NEW, Decision.REVIEW)}
    for r in results:
        out[r.entity.decision.value] = out.get(r.entity.decision.value, 0) + 1
    out["duplicates"] = sum(1 for r in results if r.duplicate_of)
    out["linked cells"] = sum(len(r.linked) for r in results)
    out["linked REVIEW"] = sum(1 for r in results for lr in r.linked if lr.match.decision == Decision.REVIEW)
    return out
