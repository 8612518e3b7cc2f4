"""Reading people's decisions back: reconciled records for ``plan``.

Each output line is ``{"target": QID or null, "decision": "MATCH"|"NEW", "record": <MappedRow JSON
with item cells resolved to QIDs>, "reconcile": {...provenance...}}``. Rows marked SKIP, and rows
still undecided (REVIEW left empty), are not written; they are counted and listed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import ItemRef, ItemValue, MappedRow
from .model import Decision
from .review import read_review, state_path
from .store import result_from_json


@dataclass(frozen=True)
class ApplySummary:
    written: int
    matched: int
    new: int
    skipped: list[int] = field(default_factory=list)
    undecided: list[int] = field(default_factory=list)
    unresolved_cells: list[str] = field(default_factory=list)
    overridden: int = 0


def read_state(review: Path) -> dict[str, dict[str, Any]]:
    sp = state_path(review)
    if not sp.exists():
        raise InputError(f"État de la réconciliation introuvable / reconciliation state not found: {sp}",
                         "Gardez ce fichier à côté de la feuille de révision (il est écrit avec elle).")
    out = {}
    with sp.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                item = json.loads(line)
                out[item["result"]["key"]] = item
    return out


def apply_review(review: Path, output: Path) -> ApplySummary:
    """Combine the machine results and the human edits of ``review``; write records to ``output``."""
    state = read_state(review)
    decisions = read_review(review)
    written = matched = new = overridden = 0
    skipped: list[int] = []
    undecided: list[int] = []
    unresolved: list[str] = []
    tmp = output.with_name(output.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for hd in decisions:
            item = state.get(hd.key)
            if item is None:
                raise InputError(f"{review}: ligne {hd.row} inconnue de l'état / row not in the state file",
                                 "La feuille et son fichier .state.jsonl doivent venir du même passage.")
            result = result_from_json(item["result"])
            overridden += int(hd.by_human and (hd.decision != result.entity.decision or hd.qid != result.entity.qid))
            if hd.decision == Decision.SKIP:
                skipped.append(hd.row)
                continue
            if hd.decision == Decision.REVIEW:
                undecided.append(hd.row)
                continue
            values: dict[tuple[str, str], str] = {}
            for lr in result.linked:
                qid = hd.linked.get(lr.column, lr.match.qid or "")
                if qid:
                    values[(lr.column, lr.value)] = qid
            by_text = {text: q for (_, text), q in values.items()}

            def resolve(ref: ItemRef, by_text: Mapping[str, str] = by_text) -> ItemValue | None:
                q = by_text.get(ref.text)
                return ItemValue(q) if q else None

            record = MappedRow.from_json(item["record"]).resolve(resolve)
            for ref in record.item_refs():
                unresolved.append(f"ligne {hd.row}: « {ref.text} »")
            line = {"target": hd.qid, "decision": hd.decision.value, "record": record.to_json(),
                    "reconcile": {"key": hd.key, "row": hd.row, "by_human": hd.by_human,
                                  "machine": result.entity.decision.value, "machine_qid": result.entity.qid}}
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
            written += 1
            matched += hd.decision == Decision.MATCH
            new += hd.decision == Decision.NEW
    tmp.replace(output)
    return ApplySummary(written, matched, new, skipped, undecided, unresolved, overridden)
