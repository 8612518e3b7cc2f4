"""Scores 0–100 from features, and the OpenRefine-style baseline used as the reference to beat.

Our score: the sum of the feature points divided by what this query could possibly earn (a query
with no municipality cannot earn location points, so it is not punished for their absence), as a
percentage; an equal identifier or official website scores 100.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from unidecode import unidecode

from ..facts import PERSON_PLACES, Facts
from ..names import core, identifier_key, name_parts, url_key
from . import features as F
from .evidence import Findings, examine, one_value
from .knowledge import Knowledge
from .model import Evidence, Feature, ReconQuery, ScoredCandidate


def possible_points(query: ReconQuery, *, is_place: bool) -> float:
    """The points any candidate could earn, type points aside (they depend on the candidate:
    ``features.type_features``)."""
    total = F.NAME_MAX
    total += F.WITHIN_IN if query.within else 0.0
    total += F.AREA_OK * min(1, len(query.area_hints) + len(query.area_guesses))
    return total


def possible_coordinate_points(query: ReconQuery, cand: Facts, *, is_place: bool) -> float:
    """Coordinates can earn full points only against the candidate's own; via its town, a few."""
    if query.coordinates is None:
        return 0.0
    if cand.coordinates is not None or is_place:
        return F.COORDS_MAX
    return F.COORDS_VIA_PLACE if cand.located_in else 0.0


class Scorer:
    """Scores candidates for queries; caches name forms per candidate for the run."""

    def __init__(self, kb: Knowledge) -> None:
        self.kb = kb
        self._forms: dict[str, tuple[tuple[str, str, F.NameForms], ...]] = {}
        self._class_words: dict[str, frozenset[str]] = {}

    def forms(self, cand: Facts) -> tuple[tuple[str, str, F.NameForms], ...]:
        if cand.qid not in self._forms:
            forms = []
            for k, lang, t in (*cand.names(), *cand.name_statements()):
                parts = name_parts(t, qualifiers=False)  # "Timmins Museum: National Exhibition Centre" → its parts too
                forms.append((k, lang, F.NameForms.of(parts[0])))
                forms += [(f"{k}-part", lang, F.NameForms.of(p)) for p in parts[1:]]
            self._forms[cand.qid] = tuple(forms)
        return self._forms[cand.qid]

    def class_words(self, qids: Iterable[str], language: str) -> frozenset[str]:
        """The names of classes in the query's language, as cored phrases ("journal")."""
        out: set[str] = set()
        for q in qids:
            key = f"{q}@{language}"
            if key not in self._class_words:
                f = self.kb.get(q)
                self._class_words[key] = frozenset(
                    core(t) for _, lang, t in (f.names() if f else ()) if lang == language)
            out |= self._class_words[key]
        return frozenset(out)

    def place_words(self, query: ReconQuery) -> frozenset[str]:
        """The row's place names as cored phrases ("val or"), removed from both names compared."""
        phrases = {core(query.place_text)} if query.place_text else set()
        phrases.update(core(name) for name in self.kb.place_names(query.places))
        return frozenset(p for p in phrases if len(p) > 2)

    def place_words_of(self, cand: Facts) -> frozenset[str]:
        """The names of the candidate's municipalities (P131) as cored phrases."""
        return frozenset(p for p in (core(n) for n in self.kb.place_names(cand.located_in)) if len(p) > 2)

    def score(self, query: ReconQuery, candidates: Sequence[Facts], *, is_place: bool = False
              ) -> list[ScoredCandidate]:
        self.kb.prefetch_classes(candidates)
        if is_place:
            self.kb.prefetch_places(c.qid for c in candidates)
        else:
            self.kb.prefetch_places([*query.places, *(p for c in candidates for p in c.located_in)])
            self.kb.prefetch_referenced([*candidates, *(f for f in (self.kb.get(q) for q in self._fact_items(query))
                                                        if f is not None)])
        ctx = self._context(query, is_place)
        out = [self._one(query, cand, ctx, is_place) for cand in candidates]
        if not is_place:
            out = self._unexcused(query, out, candidates, ctx)
        extra = relative_features(query, out, {c.qid: c for c in candidates}, is_place=is_place, kb=self.kb)
        if extra:
            by_qid = {c.qid: c for c in candidates}
            out = [self._one(query, by_qid[s.qid], ctx, is_place, extra[s.qid]) if s.qid in extra else s
                   for s in out]
        pop = {c.qid: c.population or 0.0 for c in candidates}
        # Ties: blocked last, then (people) the stronger evidence, then the more populous (the
        # better-known homonym), then the older id.
        person = query.person
        out.sort(key=lambda s: (-s.score, s.blocked, -s.strength if person else 0.0, -pop.get(s.qid, 0.0),
                                len(s.qid), s.qid))
        return out

    def _unexcused(self, query: ReconQuery, scored: list[ScoredCandidate], candidates: Sequence[Facts],
                   ctx: _Context) -> list[ScoredCandidate]:
        """A class lacked is excused (a near sibling of the row's class, the mapping's default) only
        when no candidate as well named holds it: « Festival X » the festival and « Festival X » the
        organisation that runs it, a building and the institution in it, stay two things."""
        wanted = {*query.types, *query.type_hints, *query.default_types}
        if not wanted:
            return scored
        by_qid = {c.qid: c for c in candidates}
        holders = [s for s in scored if not s.blocked and self.kb.classes_of(by_qid[s.qid]) & wanted]
        return [self._one(query, by_qid[s.qid], ctx, False, excuse=False)
                if any(_homonym(s, h) for h in holders) and self._excused(query, by_qid[s.qid]) else s
                for s in scored]

    def _excused(self, query: ReconQuery, cand: Facts) -> bool:
        return F.type_features(query, cand, self.kb).excused

    @staticmethod
    def _fact_items(query: ReconQuery) -> list[str]:
        return [q for f in query.facts for q in f.items]

    def _context(self, query: ReconQuery, is_place: bool) -> _Context:
        if is_place:
            return _Context(F.query_name_forms(query), frozenset(), frozenset(), frozenset(),
                            possible_points(query, is_place=True))
        wanted = (*query.type_hints, *query.types, *query.default_types)
        hint_drop = self.class_words(wanted, query.language)
        query_heads = self.class_words({c for q in wanted for c in self.kb.superclasses(q)},
                                       query.language)
        return _Context(F.query_name_forms(query), self.place_words(query), hint_drop, query_heads,
                        possible_points(query, is_place=False))

    def _features(self, query: ReconQuery, cand: Facts, ctx: _Context, is_place: bool) -> list[Feature]:
        if query.person:
            feats: list[Feature] = [F.person_name_feature(query, cand)]
        else:
            qdrop = ctx.hint_drop | (self.class_words(cand.instance_of, query.language) if not is_place
                                     else frozenset())
            # A class word may be put in front of a name only if it names what both sides are:
            # "Festival X" / "X" for a festival row and a festival item, not "Bibliothèque de
            # Senneterre" / the town of Senneterre.
            heads = (ctx.query_heads & self.class_words(self.kb.classes_of(cand), query.language) if not is_place
                     else frozenset())
            feats = [F.name_feature(ctx.qforms, self.forms(cand), ctx.place_drop, qdrop, heads)]
        feats += F.place_features(query, cand, self.kb, is_place=is_place)
        for f in (F.coordinate_feature(query, cand, self.kb, is_place=is_place),
                  F.website_feature(query, cand), F.former_feature(cand),
                  None if is_place else F.class_feature(query, cand),
                  None if is_place else F.other_town_feature(query, cand, ctx.place_drop,
                                                             self.place_words_of(cand))):
            if f is not None:
                feats.append(f)
        single = frozenset(p for p, _ in query.identifiers if one_value(p, self.kb))
        feats += F.identifier_features(query, cand, single)
        feats += F.year_features(query, cand)
        return feats

    def _one(self, query: ReconQuery, cand: Facts, ctx: _Context, is_place: bool,
             extra: Sequence[Feature] = (), *, excuse: bool = True) -> ScoredCandidate:
        typed = F.type_features(query, cand, self.kb, excuse=excuse and not is_place)
        feats = [*self._features(query, cand, ctx, is_place), *typed.features, *extra]
        findings = examine(query, cand, self.kb) if not is_place else Findings((), False, False)
        feats += F.fact_features(query, findings)
        decisive = any(f.decisive for f in feats)
        raw = sum(f.points for f in feats if not f.decisive)
        top = ctx.possible + typed.possible + possible_coordinate_points(query, cand, is_place=is_place)
        # A municipality that merely differs (same province) is not counted as possible points:
        # it costs a little instead of sinking an otherwise certain name (docs/architecture.md, « Reconciliation in one paragraph »).
        if any(f.name == "lieu" and f.points != F.PLACE_NEAR for f in feats):
            top += F.PLACE_SAME
        strength = 100.0 if decisive else max(0.0, 100.0 * raw / top)
        score = min(strength, 100.0 if decisive else 99.0)
        languages = (query.language, "fr", "en")
        confirmed = findings.confirming or decisive or any(
            f.name == "lieu" and f.points >= F.PLACE_SAME or f.name == "coordonnées" and f.points >= 12.0
            for f in feats)
        contradicted = findings.contradicted or any(f.blocks and f.name in ("name", "identifiant") for f in feats)
        return ScoredCandidate(cand.qid, cand.label(languages), cand.description(languages), round(score, 1),
                               tuple(feats), self.evidence(cand, findings, languages), confirmed, contradicted,
                               round(strength, 1))

    def evidence(self, cand: Facts, findings: Findings, languages: tuple[str, ...]) -> Evidence:
        """What the reviewer sees of ``cand``: description, classes, places, the row's facts checked."""
        def labels(ids: Sequence[str]) -> tuple[str, ...]:
            return tuple(dict.fromkeys((f.label(languages) if f else q) for q in ids for f in [self.kb.get(q)]))

        places = cand.located_in or cand.items(*PERSON_PLACES)
        return Evidence(cand.qid, cand.label(languages), cand.description(languages), labels(cand.instance_of),
                        labels(places), findings.checks)


def _homonym(a: ScoredCandidate, b: ScoredCandidate) -> bool:
    """Whether ``b``'s name is plausible and at least about as close to the row's as ``a``'s."""
    return b.name_score >= max(F.PLAUSIBLE_NAME, a.name_score - F.HOMONYM_GAP)


def relative_features(query: ReconQuery, scored: Sequence[ScoredCandidate], facts: Mapping[str, Facts], *,
                      is_place: bool, kb: Knowledge | None = None) -> dict[str, list[Feature]]:
    """Evidence that depends on the other candidates, by QID:

    * a municipality cell: a dissolved candidate (P576 or an end time) when a current one bears the
      same name is a contradiction, never a MATCH — the current one is meant;
    * a municipality outside the areas the query names (its ``within`` regions, an area named in
      the cell) when a homonym lies inside them is not a MATCH either (homonym towns of one
      province); nor one outside the project's home (``query.home``: its regions, its focus list)
      when a homonym is at home — a regional directory's « Ville-Marie » is the town of the region,
      not the borough of Montréal;
    * a municipality far from the row's own coordinates when a homonym's centre is near them
      (``NEAR_KM``; the other ``FAR_RATIO`` times as far, and at least ``FAR_MIN_KM``): a venue 500 m
      from a town's centre is in the town, not in the parish of the same name around it.

    Not for a row's entity: a person or an organisation of the region may be tied by its statements
    to places elsewhere.
    """
    if not is_place:
        return {}
    extra = _dissolved_beside_current(scored, facts)
    if query.within or query.area_clues:
        inside = [s for s in scored if s.qid not in extra and not s.blocked
                  and any(F.in_scope(f) for f in s.features)]
        where = ", ".join(f"« {c} »" for c in query.area_clues) or "la région"
        _outside(scored, inside, extra, F.outside_feature(where))
    if query.home and kb is not None:
        home = set(query.home)
        inside = [s for s in scored if s.qid not in extra and not s.blocked
                  and (kb.ancestors(s.qid) & home or home & set(facts[s.qid].items("P5008")))]
        _outside(scored, inside, extra, F.away_feature())
    if query.coordinates is not None:
        _farther_homonyms(query.coordinates, scored, facts, extra)
    return extra


def _outside(scored: Sequence[ScoredCandidate], inside: Sequence[ScoredCandidate], extra: dict[str, list[Feature]],
             feature: Feature) -> None:
    """``feature`` for each candidate left that is not ``inside`` while a homonym is."""
    for s in scored:
        if s not in inside and s.qid not in extra and not s.blocked and any(_homonym(s, i) for i in inside):
            extra[s.qid] = [feature]


NEAR_KM, FAR_RATIO, FAR_MIN_KM = 2.0, 3.0, 5.0


def _farther_homonyms(point: tuple[float, float], scored: Sequence[ScoredCandidate], facts: Mapping[str, Facts],
                      extra: dict[str, list[Feature]]) -> None:
    located = [(s, F.distance_km(point, c)) for s in scored if s.qid not in extra and not s.blocked
               for c in [facts[s.qid].coordinates] if c is not None]
    if len(located) < 2:
        return
    nearest, d0 = min(located, key=lambda sd: sd[1])
    if d0 > NEAR_KM:
        return
    for s, d in located:
        if s is not nearest and _homonym(s, nearest) and d >= max(FAR_MIN_KM, FAR_RATIO * d0):
            extra[s.qid] = [F.farther_feature(d, d0)]


def _dissolved_beside_current(scored: Sequence[ScoredCandidate], facts: Mapping[str, Facts]
                              ) -> dict[str, list[Feature]]:
    """A dissolved municipality beside a current one of the same name, or beside the one it was
    merged into (its « replaced by », P1366, or a current name that holds all its words: « Rouyn » /
    « Rouyn-Noranda »)."""
    current = [s for s in scored if not facts[s.qid].dissolved and not s.blocked]
    out: dict[str, list[Feature]] = {}
    for s in scored:
        if not facts[s.qid].dissolved:
            continue
        if any(_homonym(s, c) for c in current):
            out[s.qid] = [F.dissolved_feature("dissous, alors qu'une municipalité actuelle porte ce nom")]
        elif any(_merged_into(facts[s.qid], facts[c.qid]) for c in current):
            # not a contradiction of the name: kept first, so the cell goes to a person (REVIEW)
            out[s.qid] = [F.dissolved_feature("dissous, fusionné dans un autre candidat", points=0.0)]
    return out


def _merged_into(old: Facts, new: Facts) -> bool:
    if new.qid in old.items("P1366"):
        return True
    a, b = set(core(old.label()).split()), set(core(new.label()).split())
    return bool(a) and a < b


@dataclass(frozen=True)
class _Context:
    """What scoring a query needs, computed once for all its candidates."""

    qforms: tuple[F.NameForms, ...]
    place_drop: frozenset[str]
    hint_drop: frozenset[str]
    query_heads: frozenset[str]
    possible: float


# --- the reference: OpenRefine's Wikidata reconciliation service --------------------------------

def _fold_or(text: str) -> str:
    return " ".join(unidecode(text).lower().split())


def _baseline_properties(query: ReconQuery, is_place: bool) -> list[str]:
    """The properties the row supplies, as OpenRefine would send them with the query."""
    props: list[str] = []
    if query.places and not is_place:
        props.append("P131")
    if query.websites:
        props.append("P856")
    props += [p for p, _ in query.identifiers]
    if query.coordinates:
        props.append("P625")
    props += [p for p, _ in query.years]
    return props


def _baseline_matched(query: ReconQuery, cand: Facts, props: Sequence[str]) -> int:
    """How many of the supplied properties the candidate holds with the same value."""
    matched = 0
    if "P131" in props and set(query.places) & set(cand.located_in):
        matched += 1
    if "P856" in props:
        qk = {url_key(u) for u in query.websites} - {None}
        if qk & {url_key(u) for u in cand.websites}:
            matched += 1
    matched += sum(1 for p, v in query.identifiers
                   if identifier_key(v) in {identifier_key(w) for p2, w in cand.identifiers if p2 == p})
    if query.coordinates and cand.coordinates and F.distance_km(query.coordinates, cand.coordinates) < 1:
        matched += 1
    cand_years = dict(cand.years)
    matched += sum(1 for p, y in query.years if cand_years.get(p) == y)
    return matched


def baseline_score(query: ReconQuery, candidates: Sequence[Facts], kb: Knowledge, *, is_place: bool = False
                   ) -> tuple[list[ScoredCandidate], int]:
    """Scores as the OpenRefine Wikidata reconciliation service does; returns (ranked, n_properties).

    Label: token-sort ratio after unidecode + lower-case (weight 1.0); each supplied property (the
    place as P131, the website, identifiers, coordinates, years) scores 100 when equal, 0 otherwise
    (weight 0.4 each); an exact unique identifier scores 100; candidates of a wrong type are dropped
    and untyped ones halved.
    """
    props = _baseline_properties(query, is_place)
    types = set(query.types)  # OpenRefine reconciles a column against one chosen type
    kb.prefetch_classes(candidates)
    names = [query.text, *query.other_names]
    out = []
    for cand in candidates:
        label_score = max((fuzz.token_sort_ratio(_fold_or(n), _fold_or(t)) for n in names
                           for _, _, t in cand.names()), default=0.0)
        id_hit = any(identifier_key(v) in {identifier_key(w) for p2, w in cand.identifiers if p2 == p}
                     for p, v in query.identifiers)
        matched = _baseline_matched(query, cand, props)
        score = (label_score + 40.0 * matched) / (1.0 + 0.4 * len(props))
        feats = [Feature("name", f"token-sort {label_score:.0f}", label_score)]
        if id_hit:
            score = 100.0
        if types:
            classes = kb.classes_of(cand)
            if not cand.instance_of:
                score /= 2
            elif not classes & types:
                continue  # wrong type: dropped
        out.append(ScoredCandidate(cand.qid, cand.label(), cand.description(), round(score, 1), tuple(feats)))
    out.sort(key=lambda s: (-s.score, s.qid))
    return out, len(props)
