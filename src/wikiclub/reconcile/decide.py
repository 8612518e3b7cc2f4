"""MATCH / NEW / REVIEW from ranked candidates, and duplicate rows within a sheet."""

from __future__ import annotations

from collections.abc import Sequence

from . import why
from .duplicates import RowKey, RowMarks, group_rows
from .model import Decision, Match, ScoredCandidate, Thresholds


def decide(ranked: Sequence[ScoredCandidate], t: Thresholds, *, person: bool = False,
           name_alone: str = "match") -> Match:
    """The decision rule; ``reason`` says why in plain French.

    MATCH: the best candidate is not blocked by a contradiction and either is the only one with a
    decisive identifier/website, or scores ≥ ``t.match`` with a lead ≥ ``t.margin`` (for people, the
    lead of its evidence before the score's cap at 99: two namesakes may both reach it) — and, when
    ``name_alone`` is "review" (people, by default), a fact of the row confirms it (a date, a place,
    an occupation…): a name alone is not enough. NEW: no candidate reaches ``t.new``, or no name is
    plausible, or every plausibly named candidate is another entity (a hard fact contradicts it:
    birth year, single-value identifier, a person against an organisation). REVIEW: everything else.
    """
    shown = tuple(ranked[: t.candidates_shown])
    if not ranked:
        return Match(Decision.NEW, None, (), "aucun candidat : rien sur le wiki ne porte ce nom")
    by_identifier = _by_identifier(ranked, shown, t)
    if by_identifier is not None:
        return by_identifier
    plausible = [c for c in ranked if name_similarity(c) >= t.plausible_name]
    if plausible and all(c.contradicted for c in plausible):
        return Match(Decision.NEW, None, shown, why.other_entity(plausible, person))
    return _by_score(ranked, shown, plausible, t, person=person, name_alone=name_alone)


def _by_identifier(ranked: Sequence[ScoredCandidate], shown: tuple[ScoredCandidate, ...], t: Thresholds
                   ) -> Match | None:
    """A decisive identifier or website: MATCH when one unblocked candidate has it, REVIEW when several."""
    decisive = [c for c in ranked if c.decisive]
    if len(decisive) == 1 and not decisive[0].blocked:
        chosen = decisive[0]
        ordered = (chosen, *(c for c in shown if c.qid != chosen.qid))[: t.candidates_shown]
        return Match(Decision.MATCH, chosen.qid, ordered, why.decisive(chosen))
    if len(decisive) > 1:
        return Match(Decision.REVIEW, None, shown, "plusieurs éléments partagent l'identifiant ou le site : "
                     "un doublon sur le wiki ? choisissez-en un")
    return None


def _by_score(ranked: Sequence[ScoredCandidate], shown: tuple[ScoredCandidate, ...],
              plausible: Sequence[ScoredCandidate], t: Thresholds, *, person: bool, name_alone: str) -> Match:
    """The decision from the best score, its lead over the runner-up and what confirms it."""
    best = ranked[0]
    runner = ranked[1].score if len(ranked) > 1 else 0.0
    lead = best.score - runner
    if person and len(ranked) > 1:  # namesakes both reach the cap: the lead counts the evidence beyond it
        lead = best.strength - ranked[1].strength
    if best.score >= t.match and lead >= t.margin and not best.blocked:
        if name_alone == "review" and not best.confirmed:
            return Match(Decision.REVIEW, None, shown, why.name_alone(best, ranked, person))
        return Match(Decision.MATCH, best.qid, shown, why.match(best, ranked, person))
    if best.score < t.new:
        return Match(Decision.NEW, None, shown, why.weak(best))
    if not plausible:
        return Match(Decision.NEW, None, shown, "aucun nom assez proche : "
                     f"le plus proche est « {best.label} » ({best.qid})")
    if best.blocked:
        return Match(Decision.REVIEW, None, shown, why.blocked(best))
    if best.score < t.match:
        return Match(Decision.REVIEW, None, shown, why.uncertain(best))
    return Match(Decision.REVIEW, None, shown, why.tie(best, ranked[1], person))


def name_similarity(c: ScoredCandidate) -> float:
    """The name similarity recorded in the candidate's name/alias feature (0 when absent)."""
    return c.name_score


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


def find_duplicates(keys: Sequence[tuple[int, str | None, str, tuple[str, ...]] | RowKey]) -> dict[int, int]:
    """Rows that designate the same entity as an earlier row: {row: earlier row}.

    ``keys`` holds ``duplicates.RowKey``s, or (row, chosen or top QID or None, core name, place QIDs)
    tuples (no marks: only numbers in the name tell those apart). See ``duplicates.group_rows``.
    """
    rows = [k if isinstance(k, RowKey) else RowKey(k[0], k[1], k[2], tuple(k[3]), RowMarks.of(k[2], None))
            for k in keys]
    return group_rows(rows).duplicates
