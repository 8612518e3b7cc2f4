"""The reasons of decisions, in plain French for the volunteers who review them.

« deux personnes portent ce nom ; la date de naissance les distingue », not « écart 0 < 12 »: each
reason names what agreed, what contradicted (with both values) and what is missing, from the
candidate's features and fact checks (``Evidence``).
"""

from __future__ import annotations

from collections.abc import Sequence

from .model import AGREES, CONTRADICTS, FactCheck, ScoredCandidate

NUMBERS = {2: "deux", 3: "trois", 4: "quatre", 5: "cinq"}
SAME_NAME = 0.9  # candidates at least this close by name count as namesakes


def _checks(c: ScoredCandidate, verdict: str) -> list[FactCheck]:
    return [x for x in (c.evidence.checks if c.evidence else ()) if x.verdict == verdict]


def _joined(labels: Sequence[str]) -> str:
    labels = list(dict.fromkeys(labels))
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " et " + labels[-1]


def _name(c: ScoredCandidate) -> str:
    s = c.name_score
    return "nom identique" if s >= 0.99 else "nom presque identique" if s >= SAME_NAME else "nom approchant"


def _who(c: ScoredCandidate) -> str:
    return f"{c.qid} « {c.label} »" + (f" ({c.description})" if c.description else "")


def _agreeing(c: ScoredCandidate) -> list[str]:
    out = [x.label for x in _checks(c, AGREES)]
    out += ["la municipalité" for f in c.features if f.name == "lieu" and f.points > 0]
    out += ["les coordonnées" for f in c.features if f.name == "coordonnées" and f.points >= 12]
    return out


def contradiction(x: FactCheck) -> str:
    note = f" ; {x.note}" if x.note else ""
    return f"{x.label} : {x.row_value} sur la ligne, {x.wiki_value or '—'} sur le wiki{note}"


def _namesakes(best: ScoredCandidate, ranked: Sequence[ScoredCandidate]) -> list[ScoredCandidate]:
    return [c for c in ranked if c.qid != best.qid and c.name_score >= SAME_NAME]


def _count(n: int, person: bool) -> str:
    what = "personnes" if person else "éléments"
    return f"{NUMBERS.get(n, str(n))} {what} portent ce nom"


def decisive(c: ScoredCandidate) -> str:
    for f in c.features:
        if f.decisive:
            what = "site officiel identique" if f.name == "site web" else "identifiant identique"
            return f"{what} ({f.detail})"
    return "identifiant ou site officiel identique"


def match(best: ScoredCandidate, ranked: Sequence[ScoredCandidate], person: bool) -> str:
    agree = _agreeing(best)
    others = _namesakes(best, ranked)
    if others:
        by = _joined(agree) if agree else "le lieu et le type"
        verb = "les distinguent" if len(set(agree)) > 1 else "les distingue"
        return f"{_count(len(others) + 1, person)} ; {by} {verb} : {_who(best)}"
    tail = f" ; concordent : {_joined(agree)}" if agree else ""
    return f"{_name(best)}{tail} : {_who(best)}"


def name_alone(best: ScoredCandidate, ranked: Sequence[ScoredCandidate], person: bool) -> str:
    others = _namesakes(best, ranked)
    head = (f"{_count(len(others) + 1, person)}" if others else
            "seul le nom concorde : plusieurs personnes peuvent porter ce nom" if person else "seul le nom concorde")
    unknown = [x.label for x in (best.evidence.checks if best.evidence else ()) if x.verdict != AGREES]
    missing = (f" ; inconnu sur le wiki : {_joined(unknown)}" if unknown else
               " ; ajoutez une date de naissance, un lieu ou un identifiant à la ligne")
    return f"{head} ; rien ne confirme {_who(best)}{missing}"


def other_entity(plausible: Sequence[ScoredCandidate], person: bool) -> str:
    parts = []
    for c in plausible[:3]:
        bad = [x for x in _checks(c, CONTRADICTS) if x.blocks and not x.slip]
        why = contradiction(bad[0]) if bad else "une autre génération (père/fils) ou un autre identifiant"
        parts.append(f"{_who(c)} — {why}")
    who = "une autre personne" if person else "un autre élément"
    n = len(plausible)
    head = (f"{_count(n, person)} sur le wiki, mais aucune n'est celle de la ligne" if n > 1 and person else
            f"{_count(n, person)} sur le wiki, mais aucun n'est celui de la ligne" if n > 1 else
            f"{who} porte ce nom sur le wiki")
    return f"{head} : " + " | ".join(parts)


def weak(best: ScoredCandidate) -> str:
    return f"rien de proche : le meilleur candidat, {_who(best)}, concorde trop peu"


def blocked(best: ScoredCandidate) -> str:
    bad = [x for x in _checks(best, CONTRADICTS) if x.blocks]
    if bad:
        slip = " (faute de frappe ?)" if all(x.slip for x in bad) else ""
        return f"{_name(best)} mais {'; '.join(contradiction(x) for x in bad)}{slip} : {_who(best)}"
    details = "; ".join(f.detail for f in best.features if f.blocks)
    return f"{_name(best)} mais une contradiction : {details} : {_who(best)}"


def uncertain(best: ScoredCandidate) -> str:
    agree = _agreeing(best)
    tail = f" ; concordent : {_joined(agree)}" if agree else " ; rien d'autre ne concorde"
    return f"{_name(best)} seulement{tail} : {_who(best)}"


def tie(best: ScoredCandidate, second: ScoredCandidate, person: bool) -> str:
    if second.name_score >= SAME_NAME:
        leaning = [x for x in _agreeing(best) if x not in _agreeing(second)]
        if leaning:
            return (f"{_count(2, person)} ; {_joined(leaning)} penche pour {_who(best)} plutôt que {_who(second)}, "
                    "pas assez pour trancher : comparez leurs faits")
        return (f"{_count(2, person)} et rien sur la ligne ne les distingue : {_who(best)} ou {_who(second)} ; "
                "comparez leurs descriptions et leurs faits")
    return f"deux candidats proches : {_who(best)} ou {_who(second)}"
