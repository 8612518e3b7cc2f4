"""Reading people's decisions back: reconciled records for ``plan``.

Each output line is ``{"target": QID or null, "decision": "MATCH"|"NEW", "record": <MappedRow JSON
with item cells resolved to QIDs>, "reconcile": {...provenance...}}``. Rows marked SKIP, and rows
still undecided (REVIEW left empty), are not written; they are counted and listed.

Duplicates: rows the machine flagged as the same entity (``duplicate_of``) are one entity, never two
items. A machine NEW row nobody decided follows its group: when a row of the group is (or is decided)
a MATCH of Q, it edits Q too; when the group is new, it joins the first NEW row's creation
(``"same_as"``: that row's key, read by ``plan``); while a row of the group is still undecided
(REVIEW), a machine NEW row of the group waits too — creating it now could duplicate the item that
row turns out to be. A decision a person typed on a row (QID, NEW, SKIP) is always followed, and
a SKIP only leaves that row out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import ItemRef, ItemValue, MappedRow
from .model import Decision, RowResult, sheet_of
from .review import COL_HUMAN, STATE_HEADER, HumanDecision, read_review, sheet_run_id, state_path
from .store import result_from_json


@dataclass(frozen=True)
class ApplySummary:
    written: int
    matched: int
    new: int
    # rows as people read them: « 7 », or « Salles:7 » when the review holds several tabs
    skipped: list[str] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)
    unresolved_cells: list[str] = field(default_factory=list)
    overridden: int = 0
    merged: list[tuple[str, str]] = field(default_factory=list)  # (row, row whose entity it joins)
    waiting: list[tuple[str, str]] = field(default_factory=list)  # (NEW row, undecided row of its group)


def _tab(key: str) -> str:
    """The tab of a row key « file:tab:row » (the file when the tab has no name)."""
    file, _, tab = sheet_of(key).rpartition(":")
    return (tab or file) if file else ""


def row_places(decisions: Sequence[HumanDecision]) -> dict[str, str]:
    """Each row key as people read it: the row number, with its tab in front when the rows come from
    several tabs (row 5 of « Salles » and row 5 of « Autres lieux »)."""
    several = len({_tab(hd.key) for hd in decisions}) > 1
    return {hd.key: f"{_tab(hd.key)}:{hd.row}" if several else str(hd.row) for hd in decisions}


@dataclass(frozen=True)
class Final:
    """The decision written for one row, after its duplicate group was taken into account."""

    decision: Decision
    qid: str | None
    same_as: str | None = None    # key of the row whose creation this row joins
    joined_row: int | None = None  # that row (or the row whose MATCH it follows), for people
    waits_for: int | None = None   # NEW held back: this row of its group is undecided
    joined_key: str | None = None  # the keys of those rows (rows of several tabs share numbers)
    waits_key: str | None = None


@dataclass(frozen=True)
class State:
    """A review's sidecar: its run id, the site the run asked (``""``: the configuration's; None: a
    local index, no site) and, per row key, the machine's result and the mapped record."""

    path: Path
    run: str | None
    site: str | None
    items: Mapping[str, Mapping[str, Any]]


def read_state_file(path: Path) -> State:
    run: str | None = None
    site: str | None = None
    items: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            item = json.loads(line)
            if STATE_HEADER in item:
                run, site = item.get("run"), item.get("site")
            else:
                items[item["result"]["key"]] = item
    return State(path, run, site, items)


def read_state(review: Path) -> dict[str, dict[str, Any]]:
    """The state items of ``review`` by row key: its own ``.state.jsonl``, else as :func:`find_state`
    finds it for the sheet's keys."""
    keys = [hd.key for hd in read_review(review)] if not state_path(review).exists() else []
    return {k: dict(v) for k, v in find_state(review, keys).items.items()}


def find_state(review: Path, keys: Sequence[str]) -> State:
    """The state of ``review``'s run: ``<review>.state.jsonl`` when it is that run's, else the
    ``*.state.jsonl`` of the folder with the sheet's run id (XLSX), or the only one holding every key
    of the sheet (CSV, or a sheet written before run ids): a renamed sheet keeps its decisions."""
    own = state_path(review)
    run = sheet_run_id(review)
    if own.exists():
        state = read_state_file(own)
        if run is None or state.run in (None, run):
            return state
    fits: list[State] = []
    for path in sorted(p for p in review.parent.glob("*.state.jsonl") if p != own):
        state = read_state_file(path)
        if run is not None and state.run == run:
            return state
        if run is None and set(keys) <= set(state.items):
            fits.append(state)
    if len(fits) == 1:
        return fits[0]
    names = ", ".join(f.path.name for f in fits)
    raise InputError(f"État de la réconciliation introuvable / reconciliation state not found for {review}"
                     + (f" : plusieurs possibles / several fit ({names})" if fits else ""),
                     f"Il est écrit avec la feuille (NOM.state.jsonl) : gardez-le dans le même dossier"
                     f"{' et renommez celui de ce passage ' + own.name if fits else ''} / keep it next to the sheet.")


def _groups(results: Mapping[str, RowResult]) -> dict[str, list[str]]:
    """Duplicate groups (connected by ``duplicate_of``), each in row order: {key: its group's keys}."""
    parent = {k: k for k in results}

    def root(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    by_row: dict[tuple[str, int], str] = {}
    for k, r in results.items():
        by_row[(sheet_of(k), r.row)] = k
    for k, r in results.items():
        if r.duplicate_key in results:  # a duplicate in another tab
            parent[root(k)] = root(r.duplicate_key)
        elif r.duplicate_of is not None:
            other = by_row.get((sheet_of(k), int(r.duplicate_of)))
            if other is not None and other != k:
                parent[root(k)] = root(other)
    members: dict[str, list[str]] = {}
    for k in results:
        members.setdefault(root(k), []).append(k)
    out: dict[str, list[str]] = {}
    for keys in members.values():
        keys.sort(key=lambda k: results[k].row)
        for k in keys:
            out[k] = keys
    return out


def resolve_duplicates(decisions: Sequence[HumanDecision], results: Mapping[str, RowResult]) -> dict[str, Final]:
    """The final decision of every row, duplicate groups resolved as the module docstring says."""
    own = {hd.key: hd for hd in decisions}
    groups = _groups({k: r for k, r in results.items() if k in own})
    out: dict[str, Final] = {}
    for hd in decisions:
        group = [k for k in groups.get(hd.key, [hd.key]) if k in own]
        if hd.by_human or len(group) == 1 or hd.decision != Decision.NEW:
            out[hd.key] = Final(hd.decision, hd.qid)  # only a machine NEW follows its group
        else:
            out[hd.key] = _follow_group(hd, [own[k] for k in group if own[k].decision != Decision.SKIP])
    return out


def _follow_group(hd: HumanDecision, live: Sequence[HumanDecision]) -> Final:
    """The final decision of a machine NEW in a duplicate group (``live``: its rows not skipped)."""
    # the group's item: a QID a person typed first, else a machine MATCH; in row order
    matched = ([d for d in live if d.by_human and d.decision == Decision.MATCH]
               or [d for d in live if d.decision == Decision.MATCH])
    if matched:
        return Final(Decision.MATCH, matched[0].qid, joined_row=matched[0].row, joined_key=matched[0].key)
    pending = [d for d in live if d.decision == Decision.REVIEW]
    if pending:  # hd is a machine NEW: wait until the row it may be is decided
        return Final(Decision.REVIEW, None, waits_for=pending[0].row, waits_key=pending[0].key)
    # all NEW: one creation, led by the first NEW row that is not a person's separate NEW
    leaders = [d for d in live if d.decision == Decision.NEW and not d.by_human] or [hd]
    lead = leaders[0]
    if lead.key == hd.key:
        return Final(Decision.NEW, None)
    return Final(Decision.NEW, None, same_as=lead.key, joined_row=lead.row, joined_key=lead.key)


def _resolved_record(hd: HumanDecision, item: Mapping[str, Any], result: RowResult) -> MappedRow:
    """The row's record with its item cells resolved: a person's QID for a linked cell, else the
    machine's."""
    values: dict[tuple[str, str], str] = {}
    for lr in result.linked:
        qid = hd.linked.get(lr.column, lr.match.qid or "")
        if qid:
            values[(lr.column, lr.value)] = qid
    by_text = {text: q for (_, text), q in values.items()}

    def resolve(ref: ItemRef) -> ItemValue | None:
        q = by_text.get(ref.text)
        return ItemValue(q) if q else None

    return MappedRow.from_json(item["record"]).resolve(resolve)


def _provenance(hd: HumanDecision, result: RowResult, final: Final) -> dict[str, Any]:
    provenance: dict[str, Any] = {"key": hd.key, "row": hd.row, "by_human": hd.by_human,
                                  "machine": result.entity.decision.value,
                                  "machine_qid": result.entity.qid}
    if result.duplicate_of is not None:
        provenance["duplicate_of"] = result.duplicate_of
    if result.distinct_keys:  # a run over several tabs: the look-alikes' own keys
        provenance["distinct_from"] = list(result.distinct_keys)
    elif result.distinct_from:  # look-alike rows that are other entities: plan never merges them
        sheet = sheet_of(hd.key)
        provenance["distinct_from"] = [f"{sheet}:{row}" for row in result.distinct_from]
    if final.same_as is not None:
        provenance["same_as"] = final.same_as  # plan: one creation with that row
    if final.joined_row is not None:
        provenance["joined_row"] = final.joined_row
    return provenance


# ``--apply-review`` checks the QIDs people typed: (the site the run asked, the QIDs) → those that do not exist.
MissingItems = Callable[[str | None, Sequence[str]], Collection[str]]


def typed_qids(decisions: Sequence[HumanDecision], results: Mapping[str, RowResult]) -> dict[str, list[str]]:
    """QIDs a person typed in the review sheet (a decision, or a linked cell changed from the machine's),
    each with where: {QID: ["ligne / row 7, colonne « Votre décision »", …]}."""
    out: dict[str, list[str]] = {}
    for hd in decisions:
        if hd.by_human and hd.qid:
            out.setdefault(hd.qid, []).append(f"ligne / row {hd.row}, colonne « {COL_HUMAN} »")
        machine = {lr.column: lr.match.qid or "" for lr in results[hd.key].linked}
        for column, qid in hd.linked.items():
            if qid and qid != machine.get(column, ""):
                out.setdefault(qid, []).append(f"ligne / row {hd.row}, colonne « {column} → QID »")
    return out


def _check_typed(review: Path, site: str | None, located: Mapping[str, list[str]],
                 missing_items: MissingItems | None) -> None:
    """Refuse a typed QID the wiki does not have (one batched read), naming where it was typed."""
    if missing_items is None or not located:
        return
    missing = sorted(set(missing_items(site, sorted(located))), key=lambda q: int(q[1:]))
    if missing:
        where = "; ".join(f"{w} : {q}" for q in missing for w in located[q])
        raise InputError(f"{review} : élément inexistant / no such item — {where}",
                         "Corrigez le QID (wikiclub search NOM pour le trouver), ou écrivez NEW ou SKIP.")


def apply_review(review: Path, output: Path, *, missing_items: MissingItems | None = None) -> ApplySummary:
    """Combine the machine results and the human edits of ``review``; write records to ``output``.
    ``missing_items``: checks the QIDs people typed against the wiki before anything is written."""
    decisions = read_review(review)
    state_file = find_state(review, [hd.key for hd in decisions])
    state = state_file.items
    results: dict[str, RowResult] = {}
    for hd in decisions:
        item = state.get(hd.key)
        if item is None:
            raise InputError(f"{review}: ligne {hd.row} inconnue de l'état / row not in the state file",
                             "La feuille et son fichier .state.jsonl doivent venir du même passage.")
        results[hd.key] = result_from_json(item["result"])
    _check_typed(review, state_file.site, typed_qids(decisions, results), missing_items)
    finals = resolve_duplicates(decisions, results)
    written = matched = new = overridden = 0
    place = row_places(decisions)
    skipped: list[str] = []
    undecided: list[str] = []
    unresolved: list[str] = []
    merged: list[tuple[str, str]] = []
    waiting: list[tuple[str, str]] = []
    tmp = output.with_name(output.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for hd in decisions:
            item = state[hd.key]
            result = results[hd.key]
            final = finals[hd.key]
            overridden += int(hd.by_human and (hd.decision != result.entity.decision or hd.qid != result.entity.qid))
            if final.decision == Decision.SKIP:
                skipped.append(place[hd.key])
                continue
            if final.decision == Decision.REVIEW:
                undecided.append(place[hd.key])
                if final.waits_key is not None:
                    waiting.append((place[hd.key], place.get(final.waits_key, str(final.waits_for))))
                continue
            if final.joined_key is not None:
                merged.append((place[hd.key], place.get(final.joined_key, str(final.joined_row))))
            record = _resolved_record(hd, item, result)
            for ref in record.item_refs():
                unresolved.append(f"ligne {place[hd.key]}: « {ref.text} »")
            line = {"target": final.qid, "decision": final.decision.value, "record": record.to_json(),
                    "reconcile": _provenance(hd, result, final)}
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
            written += 1
            matched += final.decision == Decision.MATCH
            new += final.decision == Decision.NEW
    tmp.replace(output)
    return ApplySummary(written, matched, new, skipped, undecided, unresolved, overridden, merged, waiting)
