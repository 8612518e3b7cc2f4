"""JSON form of results (checkpoint lines for ``--resume``; the records written after review)."""

from __future__ import annotations

from typing import Any

from .model import Decision, Evidence, Feature, LinkedResult, Match, RowResult, ScoredCandidate


def candidate_to_json(c: ScoredCandidate) -> dict[str, Any]:
    """One candidate as review UIs read it: score, features, and the ``evidence`` (description,
    classes, places, the row's facts checked one by one: agrees / contradicts / unknown)."""
    out: dict[str, Any] = {"qid": c.qid, "label": c.label, "description": c.description, "score": c.score,
                           "features": [[f.name, f.detail, f.points, f.decisive, f.blocks] for f in c.features]}
    if c.evidence is not None:
        out["evidence"] = c.evidence.to_json()
    if c.confirmed:
        out["confirmed"] = True
    if c.contradicted:
        out["contradicted"] = True
    if c.strength:
        out["strength"] = c.strength
    return out


def candidate_from_json(c: dict[str, Any]) -> ScoredCandidate:
    ev = c.get("evidence")
    return ScoredCandidate(c["qid"], c.get("label", ""), c.get("description", ""), float(c.get("score", 0)),
                           tuple(Feature(f[0], f[1], float(f[2]), bool(f[3]), bool(f[4]))
                                 for f in c.get("features", ())),
                           Evidence.from_json(ev) if ev else None, bool(c.get("confirmed")),
                           bool(c.get("contradicted")), float(c.get("strength") or 0.0))


def match_to_json(m: Match) -> dict[str, Any]:
    return {"decision": m.decision.value, "qid": m.qid, "reason": m.reason,
            "candidates": [candidate_to_json(c) for c in m.candidates]}


def match_from_json(d: dict[str, Any]) -> Match:
    cands = tuple(candidate_from_json(c) for c in d.get("candidates", ()))
    return Match(Decision(d["decision"]), d.get("qid"), cands, d.get("reason", ""))


def result_to_json(r: RowResult) -> dict[str, Any]:
    out = {
        "key": r.key, "row": r.row, "name": r.name, "entity": match_to_json(r.entity),
        "linked": [{"column": lr.column, "value": lr.value, "match": match_to_json(lr.match)} for lr in r.linked],
        "duplicate_of": r.duplicate_of, "notes": list(r.notes), "distinct_from": list(r.distinct_from),
    }
    if r.duplicate_key or r.distinct_keys:  # a run over several tabs (model.RowResult)
        out.update(duplicate_key=r.duplicate_key, distinct_keys=list(r.distinct_keys))
    return out


def result_from_json(d: dict[str, Any]) -> RowResult:
    return RowResult(
        key=d["key"], row=int(d["row"]), name=d.get("name", ""), entity=match_from_json(d["entity"]),
        linked=tuple(LinkedResult(x["column"], x["value"], match_from_json(x["match"])) for x in d.get("linked", ())),
        duplicate_of=d.get("duplicate_of"), notes=tuple(d.get("notes", ())),
        distinct_from=tuple(int(x) for x in d.get("distinct_from", ())),
        duplicate_key=str(d.get("duplicate_key") or ""), distinct_keys=tuple(d.get("distinct_keys", ())),
    )
