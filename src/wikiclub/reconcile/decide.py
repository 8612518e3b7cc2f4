"""MATCH / NEW / REVIEW from ranked candidates, and duplicate rows within a sheet."""

from __future__ import annotations

from collections.abc import Sequence

from .model import Decision, Match, ScoredCandidate, Thresholds


def decide(ranked: Sequence[ScoredCandidate], t: Thresholds) -> Match:
    """The decision rule, explained in ``reason``.

    MATCH: the best candidate is not blocked by a contradiction and either is the only one with a
    decisive identifier/website, or scores ≥ ``t.match`` with a lead ≥ ``t.margin``. NEW: no candidate
    reaches ``t.new`` and none is decisive. REVIEW: everything else.
    """
    shown = tuple(ranked[: t.candidates_shown])
    if not ranked:
        return Match(Decision.NEW, None, (), "aucun candidat")
    best = ranked[0]
    decisive = [c for c in ranked if c.decisive]
    if len(decisive) == 1 and not decisive[0].blocked:
        chosen = decisive[0]
        ordered = (chosen, *(c for c in shown if c.qid != chosen.qid))[: t.candidates_shown]
        return Match(Decision.MATCH, chosen.qid, ordered, "identifiant ou site officiel identique")
    if len(decisive) > 1:
        return Match(Decision.REVIEW, None, shown, "plusieurs éléments partagent l'identifiant ou le site")
    runner = ranked[1].score if len(ranked) > 1 else 0.0
    if best.score >= t.match and best.score - runner >= t.margin and not best.blocked:
        return Match(Decision.MATCH, best.qid, shown, f"score {best.score:.0f}, écart {best.score - runner:.0f}")
    if best.score < t.new:
        return Match(Decision.NEW, None, shown, f"meilleur score {best.score:.0f} < {t.new:.0f}")
    if not any(name_similarity(c) >= t.plausible_name for c in ranked):
        return Match(Decision.NEW, None, shown, f"aucun nom assez proche (< {t.plausible_name:.2f})")
    if best.blocked:
        why = "contradiction: " + "; ".join(f.detail for f in best.features if f.blocks)
    elif best.score < t.match:
        why = f"score {best.score:.0f} < {t.match:.0f}"
    else:
        why = f"écart {best.score - runner:.0f} < {t.margin:.0f} avec {ranked[1].qid}"
    return Match(Decision.REVIEW, None, shown, why)


def name_similarity(c: ScoredCandidate) -> float:
    """The name similarity recorded in the candidate's name/alias feature (0 when absent)."""
    for f in c.features:
        if f.name in ("name", "alias"):
            try:
                return float(f.detail.split(" ", 1)[0])
            except ValueError:
                return 0.0
    return 0.0


def baseline_decide(ranked: Sequence[ScoredCandidate], n_properties: int, t: Thresholds) -> Match:
    """OpenRefine's auto-match: best > 95 − 5 × properties and > runner-up + 10; NEW when no candidate."""
    shown = tuple(ranked[: t.candidates_shown])
    if not ranked:
        return Match(Decision.NEW, None, (), "aucun candidat")
    best = ranked[0]
    runner = ranked[1].score if len(ranked) > 1 else 0.0
    if best.score > 95 - 5 * n_properties and best.score > runner + 10:
        return Match(Decision.MATCH, best.qid, shown, "règle OpenRefine")
    if best.score < t.new:
        return Match(Decision.NEW, None, shown, "meilleur score faible")
    return Match(Decision.REVIEW, None, shown, "règle OpenRefine non satisfaite")


def find_duplicates(keys: Sequence[tuple[int, str | None, str, tuple[str, ...]]]) -> dict[int, int]:
    """Rows that designate the same entity as an earlier row: {row: earlier row}.

    ``keys`` holds (row, chosen or top QID or None, core name, place QIDs). Two rows are duplicates
    when they resolve to the same item, or when their core names and places are equal and at least
    one of them does not resolve (the same new entity twice, or a row the machine could not match
    although another row with its name and place did: it is that row's item).
    """
    by_qid: dict[str, int] = {}
    unresolved: list[tuple[int, str, tuple[str, ...]]] = []
    resolved: list[tuple[int, str, tuple[str, ...]]] = []
    out: dict[int, int] = {}
    for row, qid, name, places in keys:
        if qid:
            if qid in by_qid:
                out[row] = by_qid[qid]
                continue
            by_qid[qid] = row
            same = _same_named(name, places, unresolved)
            if same is not None:
                out[row] = same
            resolved.append((row, name, places))
            continue
        same = _same_named(name, places, [*unresolved, *resolved])
        if same is not None:
            out[row] = same
        else:
            unresolved.append((row, name, places))
    return out


def _same_named(name: str, places: tuple[str, ...], earlier: Sequence[tuple[int, str, tuple[str, ...]]]
                ) -> int | None:
    """The first earlier row with the same core name (token-sort ≥ 92) in a compatible place."""
    from rapidfuzz import fuzz

    if not name:
        return None
    found = [other_row for other_row, other_name, other_places in earlier
             if (not places or not other_places or bool(set(places) & set(other_places)))
             and (name == other_name or fuzz.token_sort_ratio(name, other_name) >= 92)]
    return min(found) if found else None
