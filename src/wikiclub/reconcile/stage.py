"""The stage as the CLI calls it: mapped rows in, results and review sheets out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ..model import MappedRow
from .candidates import CandidateSource, RegionalSource, search_names
from .inputs import row_input
from .model import Decision, RowResult, Thresholds
from .review import write_review
from .run import RowInput, flag_duplicates, linked_query, reconcile_rows
from .store import result_to_json


def reconcile_mapped(rows: Sequence[MappedRow], source: CandidateSource, *, language: str = "fr",
                     thresholds: Thresholds | None = None, checkpoint: Path | None = None, resume: bool = False,
                     progress: Callable[[Iterable[RowInput]], Iterable[RowInput]] | None = None,
                     scorer: str = "ours", regions: Sequence[str] = ()) -> list[RowResult]:
    """Reconcile mapped rows; ``regions``: the WikiProject's (wikiclub.toml), the home of its homonym towns."""
    inputs = [row_input(r, language=language, regions=regions) for r in rows]
    return reconcile_inputs(inputs, source, thresholds=thresholds, scorer=scorer, checkpoint=checkpoint,
                            resume=resume, progress=progress)


def settled(res: RowResult) -> bool:
    """A row the region's index decides for good: its entity and every item cell MATCH."""
    return res.entity.decision == Decision.MATCH and all(lr.match.decision == Decision.MATCH for lr in res.linked)


def matched_items(res: RowResult) -> list[str]:
    """The items a row's entity and item cells MATCHed."""
    return [m.qid for m in (res.entity, *(lr.match for lr in res.linked)) if m.decision == Decision.MATCH and m.qid]


def matched_lookups(inputs: Sequence[RowInput], results: Sequence[RowResult], contested: set[str]
                    ) -> list[list[str]]:
    """The name lookups (``search_names``) of every entity and item cell the index MATCHed to an item
    that is not ``contested``."""
    out: list[list[str]] = []
    for r, res in zip(inputs, results, strict=True):
        m = res.entity
        if m.decision == Decision.MATCH and m.qid not in contested and not r.item_id:
            out.append(search_names(r.entity))
        decided = {lr.column: lr.match for lr in res.linked}
        out += [search_names(linked_query(c)) for c in r.linked if (cm := decided.get(c.column)) is not None
                and cm.decision == Decision.MATCH and cm.qid not in contested]
    return out


def reconcile_inputs(inputs: Sequence[RowInput], source: CandidateSource, *, thresholds: Thresholds | None = None,
                     scorer: str = "ours", checkpoint: Path | None = None, resume: bool = False,
                     progress: Callable[[Iterable[RowInput]], Iterable[RowInput]] | None = None) -> list[RowResult]:
    """``run.reconcile_rows``; with a :class:`RegionalSource`, in two passes: every row against the
    region's index (no request), then only the rows it does not settle (``settled``, or a MATCH to an
    item with a namesake outside the region: ``RegionalSource.contested``, one SPARQL query) against the
    index and the API together — so a row of the region costs no request, and a name the region does not hold
    is still looked for on the whole wiki before it is called NEW. Duplicates are flagged over all rows."""
    if not isinstance(source, RegionalSource):
        return reconcile_rows(inputs, source, thresholds=thresholds, scorer=scorer, checkpoint=checkpoint,
                              resume=resume, progress=progress)
    run = source.for_run()  # one memory of requests for both passes
    first = reconcile_rows(inputs, run.local, thresholds=thresholds, scorer=scorer)
    contested = run.contested(q for res in first for q in matched_items(res))
    todo = [r for r, res in zip(inputs, first, strict=True)
            if not settled(res) or contested & set(matched_items(res))]
    known = run.settling(matched_lookups(inputs, first, contested))
    second = reconcile_rows(todo, known, thresholds=thresholds, scorer=scorer, checkpoint=checkpoint,
                            resume=resume, progress=progress) if todo else []
    again = {res.key: res for res in second}
    merged = [again.get(res.key, res) for res in first]
    return flag_duplicates(merged, {r.key: r for r in inputs})


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
