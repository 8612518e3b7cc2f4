"""Explainable evidence about one candidate for one query.

Each function returns ``Feature``s with points; scoring.py only adds them up and scales. Points are
set by what the evidence means, not fitted to a sample: an equal identifier or official website is
decisive; a contradicting context (another province, coordinates hundreds of km away, a wrong hard
type, an explicit qualifier naming another area) blocks an automatic match; a merely different
municipality in the same area costs a little, so a misspelt context never sinks a certain name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from ..facts import CLASS_LIKE, Facts
from ..names import (
    abbreviated_words,
    acronym,
    area_matches,
    compare_person_names,
    compound_initials,
    core,
    fold,
    generations_differ,
    identifier_key,
    looks_like_acronym,
    name_parts,
    person_name,
    registrable_domain,
    site_page,
    url_key,
    without_legal_form,
)
from .evidence import Findings
from .knowledge import Knowledge
from .model import AGREES, CONTRADICTS, Feature, ReconQuery

# Points, by kind of evidence (the largest value each can add is what scoring.py counts as possible).
NAME_MAX = 60.0
ALIAS_FACTOR, PART_FACTOR = 0.93, 0.95
TYPO, TYPO_MIN_LENGTH = 0.93, 10  # one slip in a long name: as good as an abbreviation
LEGAL_FORM_ONLY = 0.99  # the same name, a legal form added (« inc. », « S.E.N.C.R.L. », « & Cie »)
ABBREVIATED = 0.95
OTHER_TOWN = -20.0  # the same name pattern holding another town's name (a contradiction)
TRUNCATED = 0.9  # the start of the name, half its words or more: a MATCH only with its place or more  # the same words, some written shortened with a dot (« Théât. du Nord »)
HEAD_CAP = 0.8  # similarity left to names that differ by their first word (at most a REVIEW)
PLAUSIBLE_NAME = 0.7  # below this similarity a candidate is not a plausible match on its own
HARD_TYPE_OK, HARD_TYPE_BAD, SOFT_TYPE_BAD, UNTYPED = 5.0, -40.0, -20.0, -15.0
HINT_TYPE_OK, HINT_TYPE_BAD = 10.0, -5.0
NEAR_STEPS = 2  # « subclass of » steps to a shared superclass that makes two classes near siblings
PLACE_SAME, PLACE_WIDER, PLACE_NEAR, PLACE_UNKNOWN, PLACE_CONTRA = 20.0, 8.0, -10.0, -3.0, -50.0
WITHIN_IN, WITHIN_OUT = 8.0, -5.0
AREA_OK, AREA_BAD_STRONG, AREA_BAD_WEAK = 10.0, -40.0, -15.0
COORDS_MAX, COORDS_VIA_PLACE = 15.0, 5.0
YEAR_OK, YEAR_BAD = 5.0, -10.0
FORMER = -10.0
CLUE = "indice"  # the feature of an area named in the cell that is not a province (a region, a city)
HOMONYM_GAP = 0.05  # names this close are homonyms for the rules between candidates (scoring.py)
ID_BAD, WEB_HOST, WEB_OTHER = -25.0, 15.0, -5.0
# Facts of the row checked against the candidate (evidence.py), beyond those scored above.
FACT_HARD_OK, FACT_PLACE_OK, FACT_OK, FACT_SMALL_OK = 12.0, 8.0, 6.0, 3.0
FACT_HARD_BAD, FACT_SLIP_BAD, FACT_BAD = -40.0, -20.0, -10.0


def name_points(similarity: float) -> float:
    """0 below 0.5 similarity, then steeply up to NAME_MAX: 0.97 → 55, 0.9 → 43, 0.8 → 28."""
    x = max(0.0, (similarity - 0.5) / 0.5)
    return float(NAME_MAX * x ** 1.5)


@dataclass(frozen=True)
class NameForms:
    """Pre-computed forms of one name (query side or candidate side)."""

    text: str
    folded: str
    cored: str
    initials: str  # compound initials form, folded ("en a t")
    acro: str
    shortened: frozenset[str] = frozenset()  # words written abbreviated, folded (``names.abbreviated_words``)
    unlegal: str = ""  # folded, without a trailing legal form (``names.without_legal_form``)

    @classmethod
    def of(cls, text: str) -> NameForms:
        return cls(text, fold(text), core(text), fold(compound_initials(text)), acronym(text),
                   abbreviated_words(text), fold(without_legal_form(text)))


def _strip(cored: str, phrases: frozenset[str]) -> str:
    """``cored`` without any of ``phrases`` (whole words); "" when too little would remain."""
    padded = f" {cored} "
    for ph in sorted(phrases, key=len, reverse=True):
        if ph and f" {ph} " in padded:
            padded = padded.replace(f" {ph} ", " ")
    kept = padded.split()
    return " ".join(kept) if kept and len("".join(kept)) >= 3 else ""


def _is_acronym_of(a: NameForms, b: NameForms) -> bool:
    """``a`` is written as an acronym (≥ 3 letters) and is ``b``'s initials."""
    return looks_like_acronym(a.text) and len(a.acro) >= 3 and a.folded.replace(" ", "") == b.acro


def _abbreviation_fits(a: NameForms, b: NameForms) -> bool:
    """The same words, those ``a`` writes shortened (« Théât. », « mun. » spelt « municipale ») being the
    start of ``b``'s word or starting with it (« théâtre », « municipal »): an abbreviation cut after
    any letter (OQLF: an abbreviated word ends with a dot), at least 3 letters kept."""
    if not a.shortened:
        return False
    wa, wb = a.cored.split(), b.cored.split()
    if len(wa) != len(wb) or wa == wb:
        return False
    return all(x == y or x in a.shortened and min(len(x), len(y)) >= 3 and (y.startswith(x) or x.startswith(y))
               for x, y in zip(wa, wb, strict=True))


def _same_name(q: NameForms, c: NameForms) -> tuple[float, str] | None:
    """The same name written another way (equal, normalised, abbreviated, acronym, one typo), or None."""
    if q.folded and q.folded == c.folded:
        return 1.0, "égal"
    if q.unlegal and q.unlegal == c.unlegal:  # « Atelier X inc. » / « Atelier X »: nothing else differs
        return LEGAL_FORM_ONLY, "égal sans la forme juridique"
    if q.cored and q.cored == c.cored:
        return 0.97, "égal après normalisation"
    if q.initials == c.initials and q.initials != q.folded or q.folded == c.initials != c.folded:
        return 0.92, "abréviation"
    if _abbreviation_fits(q, c) or _abbreviation_fits(c, q):
        return ABBREVIATED, "mots abrégés"
    if _is_acronym_of(q, c) or _is_acronym_of(c, q):
        return 0.9, "sigle"
    if one_slip(q.cored, c.cored):
        return TYPO, "une faute de frappe"
    return None


def compare_names(q: NameForms, c: NameForms, drop: frozenset[str], qdrop: frozenset[str] = frozenset(),
                  heads: frozenset[str] = frozenset()) -> tuple[float, str]:
    """Similarity 0–1 of two names and how it was reached. ``drop`` (the row's place names) is removed
    from both names, ``qdrop`` (class words: "Journal …") from the query only — removed from the
    candidate it would make "district de Cochrane" equal "Cochrane"). ``heads`` (names of classes
    both sides belong to, superclasses included) may be put in front of one name only."""
    same = _same_name(q, c)
    if same is not None:
        return same
    if starts_name(q.cored, c.cored):
        return TRUNCATED, "début du nom"
    best, how = fuzz.token_sort_ratio(q.cored, c.cored) / 100.0, "approché"
    best = max(best, fuzz.ratio(q.cored, c.cored) / 100.0)
    if drop or qdrop:
        qs, cs = _strip(q.cored, drop | qdrop), _strip(c.cored, drop)
        if qs and cs:
            if qs == cs:
                return 0.95, "égal sans le lieu ni la classe"
            s = fuzz.token_sort_ratio(qs, cs) / 100.0
            if s > best:
                best, how = s, "approché sans le lieu ni la classe"
    if heads and head_added(q.cored, c.cored, drop, heads):
        return 0.95, "égal sans le mot de la classe"
    if best > HEAD_CAP and head_conflict(q.cored, c.cored):
        best, how = HEAD_CAP, how + ", autre premier mot"
    return best * 0.95, how


def starts_name(q: str, c: str) -> bool:
    """Whether cored name ``q`` is the start of ``c``, at least two words and half of its words: a
    name cut short in a narrow cell or typed in a hurry (« Festival du cinéma international » for the
    « … en Abitibi-Témiscamingue »). Not one word alone (« Festival »: what the thing is, not which)."""
    qw, cw = q.split(), c.split()
    return len(qw) >= 2 and len(cw) > len(qw) and 2 * len(qw) >= len(cw) and cw[: len(qw)] == qw


def head_conflict(a: str, b: str) -> bool:
    """Whether two names start with different words that the other name lacks ("Salon de musique
    émergente …" / "Festival de musique émergente …"): in French names the first word usually says
    what the thing is, so a long shared tail does not make them the same — at most a REVIEW. Not for
    a slip in that word (one edit), an abbreviation (a prefix), or words merely in another order."""
    wa, wb = a.split(), b.split()
    if len(wa) < 2 or len(wb) < 2 or wa[0] == wb[0] or wa[0] in wb or wb[0] in wa:
        return False
    if wa[0].startswith(wb[0]) or wb[0].startswith(wa[0]):
        return False
    return OSA.distance(wa[0], wb[0]) > 1


def one_slip(a: str, b: str) -> bool:
    """Whether two cored names differ by one typing slip (a letter changed, dropped, doubled, or two
    neighbours swapped) in a long name (≥ 10 letters, the word hit ≥ 5): "Maison Dumllon". Digits must
    agree — "Salle 2" is not "Salle 3"."""
    if a == b or min(len(a), len(b)) < TYPO_MIN_LENGTH or re.sub(r"\D", "", a) != re.sub(r"\D", "", b):
        return False
    if OSA.distance(a, b) != 1:
        return False
    wa, wb = a.split(), b.split()
    differing = [x for x, y in zip(wa, wb, strict=False) if x != y] if len(wa) == len(wb) else []
    return len(differing) == 1 and len(differing[0]) >= 5


def head_added(q: str, c: str, drop: frozenset[str], heads: frozenset[str]) -> bool:
    """Whether one cored name is the other with a class word put in front ("Festival des guitares du
    monde" / "Guitares du monde", "Festival Summer Love" / "Summer Love"), ``heads`` being the names
    of both sides' classes: a volunteer adds or drops what the thing is. Only a one-word class name
    in front, the rest equal (the row's place words aside): a different class word on each side
    ("Carnaval du Doré" / "Festival du Doré") is not the same name. The caller passes only classes
    of both sides."""
    words = {h for h in heads if h and " " not in h}
    for x, y in ((q, c), (c, q)):
        head, _, rest = x.partition(" ")
        if head in words and rest and (rest == y or _strip(rest, drop) == _strip(y, drop) != ""):
            return True
    return False


def query_name_forms(query: ReconQuery) -> tuple[NameForms, ...]:
    texts: list[str] = []
    for t in (query.text, *query.other_names):
        texts.extend(name_parts(t))
    return tuple(NameForms.of(t) for t in dict.fromkeys(texts) if fold(t))


def name_feature(qforms: Iterable[NameForms], cforms: Iterable[tuple[str, str, NameForms]],
                 drop: frozenset[str], qdrop: frozenset[str] = frozenset(),
                 heads: frozenset[str] = frozenset()) -> Feature:
    best, detail = 0.0, ""
    for q in qforms:
        for kind, lang, c in cforms:
            s, how = compare_names(q, c, drop, qdrop, heads)
            if kind.startswith("alias"):  # a label is the preferred name; an alias is weaker evidence
                s *= ALIAS_FACTOR
            if kind.endswith("-part"):  # a part of a composite name ("Title: subtitle")
                s *= PART_FACTOR
            if s > best:
                best, detail = s, f"{how} {kind} {lang}: {c.text}"
            if best >= 1.0:
                break
    kind = "alias" if " alias" in detail else "name"
    return Feature(kind, f"{best:.2f} {detail}".strip(), round(name_points(best), 1))


def _labels(kb: Knowledge, qids: Iterable[str]) -> str:
    out = []
    for q in qids:
        f = kb.known(q)
        out.append(f.label() if f else q)
    return ", ".join(out)


@dataclass(frozen=True)
class TypeEvidence:
    """The type features of one candidate, the type points it could have earned (``possible``), and
    whether a class it lacks was excused (a near sibling of the row's class, or the mapping's default
    class): scoring.py withdraws that excuse when a candidate as well named holds the class."""

    features: tuple[Feature, ...]
    possible: float
    excused: bool = False


def _broad(kb: Knowledge, qid: str) -> bool:
    """A class at the top of the wiki's tree (no superclass, or only superclasses that have none:
    « entité », « organisation », « événement »): sharing it makes no siblings."""
    f = kb.known(qid)
    if f is None or not f.subclass_of:
        return True
    return all((p := kb.known(s)) is None or not p.subclass_of for s in f.subclass_of)


def _near(kb: Knowledge, qids: Iterable[str]) -> set[str]:
    """``qids`` and their superclasses up to NEAR_STEPS « subclass of » (P279) steps, broad ones left out."""
    level, out = set(qids), set()
    for q in level:
        kb.superclasses(q)  # loads the chain (cached)
    for _ in range(NEAR_STEPS + 1):
        out |= level
        level = {p for q in level for f in [kb.known(q)] if f is not None for p in f.subclass_of} - out
    return {q for q in out if not _broad(kb, q)}


def near_siblings(kb: Knowledge, wanted: Iterable[str], held: Iterable[str]) -> bool:
    """Whether the classes ``held`` and ``wanted`` share a close superclass that is not broad: a book
    fair and a festival (both recurring events), a museum and a library (cultural institutions),
    a cégep and a university — not an organisation and a heritage site, nor a festival and the
    organisation that runs it."""
    return bool(_near(kb, wanted) & _near(kb, held))


def _named_type_features(query: ReconQuery, cand: Facts, kb: Knowledge, classes: frozenset[str]) -> list[Feature]:
    out: list[Feature] = []
    if query.types:
        hit = classes.intersection(query.types)
        if hit:
            out.append(Feature("type", f"instance de {_labels(kb, sorted(hit))}", HARD_TYPE_OK))
        elif not cand.instance_of:
            out.append(Feature("type", "sans nature (P31)", UNTYPED))
        else:
            strict = query.strict_types
            out.append(Feature("type", f"{_labels(kb, cand.instance_of)} ∉ {_labels(kb, query.types)}",
                               HARD_TYPE_BAD if strict else SOFT_TYPE_BAD, blocks=strict))
    if query.type_hints and cand.instance_of:
        hit = classes.intersection(query.type_hints)
        if hit:
            out.append(Feature("type", f"comme la colonne type: {_labels(kb, sorted(hit))}", HINT_TYPE_OK))
        else:
            out.append(Feature("type", f"{_labels(kb, cand.instance_of)} ≠ type de la ligne", HINT_TYPE_BAD))
    return out


def _default_type(query: ReconQuery, cand: Facts, kb: Knowledge, classes: frozenset[str], excuse: bool
                  ) -> tuple[Feature | None, float, bool]:
    """The mapping's default class: it earns its points when held; lacking it costs nothing and is not
    counted as possible (the mapping gives it to every row), unless ``excuse`` is withdrawn."""
    if not query.default_types or not cand.instance_of:
        return None, 0.0, False
    hit = classes.intersection(query.default_types)
    if hit:
        return Feature("type", f"classe par défaut du mapping : {_labels(kb, sorted(hit))}", HINT_TYPE_OK), \
            HINT_TYPE_OK, False
    what = f"{_labels(kb, cand.instance_of)} ≠ {_labels(kb, query.default_types)}"
    if excuse:
        return Feature("type", f"{what} (classe par défaut du mapping, pas un fait de la ligne)", 0.0), 0.0, True
    return Feature("type", f"{what} (un candidat aussi bien nommé l'a)", HINT_TYPE_BAD), HINT_TYPE_OK, False


def type_features(query: ReconQuery, cand: Facts, kb: Knowledge, *, excuse: bool = True) -> TypeEvidence:
    """Type evidence. A class the row names (its Type cell, the mapping's ``match.types``): held +5/+10,
    lacked −20/−5 (blocks for an item column). A candidate whose class is a near sibling of it
    (``near_siblings``) is weakly off: −5 once, not counted as possible — a wrong category word is a
    weak signal about *which* item when the name and the place agree. ``excuse=False`` (a candidate
    as well named holds the row's class) gives the full cost back."""
    classes = kb.classes_of(cand)
    possible = (HARD_TYPE_OK if query.types else 0.0) + (HINT_TYPE_OK if query.type_hints else 0.0)
    named = (*query.types, *query.type_hints)
    feats: list[Feature] = []
    excused = False
    if (excuse and named and cand.instance_of and not query.strict_types and not classes.intersection(named)
            and near_siblings(kb, named, cand.instance_of)):
        feats.append(Feature("type", f"{_labels(kb, cand.instance_of)} : classe voisine de "
                                     f"{_labels(kb, dict.fromkeys(named))}", HINT_TYPE_BAD))
        possible, excused = 0.0, True
    else:
        feats += _named_type_features(query, cand, kb, classes)
    default, default_possible, default_excused = _default_type(query, cand, kb, classes, excuse)
    if default is not None:
        feats.append(default)
    return TypeEvidence(tuple(feats), possible + default_possible, excused or default_excused)


def _roots(kb: Knowledge, qids: Iterable[str]) -> set[str]:
    """Places without a place above them (countries): sharing only these is no agreement."""
    out = set()
    for q in qids:
        f = kb.known(q)
        if f is None or not f.located_in:
            out.add(q)
    return out


def place_features(query: ReconQuery, cand: Facts, kb: Knowledge, *, is_place: bool) -> list[Feature]:
    out: list[Feature] = []
    chain = kb.ancestors(cand.qid) if is_place else kb.places_of(cand)
    if query.places and not is_place:
        if not cand.located_in:
            out.append(Feature("lieu", "localisation inconnue", PLACE_UNKNOWN))
        else:
            verdicts = [_place_verdict(p, cand, chain, kb) for p in query.places]
            pts, detail, blocks = max(verdicts, key=lambda v: v[0])
            out.append(Feature("lieu", detail, pts, blocks=blocks))
    if query.within:
        if chain & set(query.within):
            out.append(Feature("région", "dans les régions du projet", WITHIN_IN))
        elif chain:
            out.append(Feature("région", "hors des régions du projet", WITHIN_OUT))
    hints = [(h, True) for h in query.area_hints] + [(h, False) for h in query.area_guesses]
    if (hints or query.area_clues) and chain:
        names = kb.place_names(chain - {cand.qid}) if is_place else kb.place_names(chain)
        out += [_area_feature(text, strong, names) for text, strong in hints]
        out += [_clue_feature(text, names) for text in query.area_clues]
    return out


def _clue_feature(text: str, names: Iterable[str]) -> Feature:
    """Another area the cell names (« Évain, Rouyn-Noranda », « Ville-Marie (Témiscamingue) »): a
    hint for a candidate inside it, never against one (an amalgamated city or a region may not be
    among the candidate's ancestors by that name)."""
    if any(area_matches(text, n) for n in names):
        return Feature(CLUE, f"« {text} » concorde", AREA_OK)
    return Feature(CLUE, f"« {text} » : indice sans concordance", 0.0)


def in_scope(feature: Feature) -> bool:
    """Whether ``feature`` says the candidate lies in an area the row names (a clue of the cell, or
    the query's regions: the WikiProject's, or a region column's)."""
    return feature.name in (CLUE, "région") and feature.points > 0


def dissolved_feature(detail: str, *, points: float = PLACE_CONTRA) -> Feature:
    return Feature("ancien", detail, points, blocks=True)


def outside_feature(where: str) -> Feature:
    return Feature("région", f"hors de {where}, alors qu'un homonyme y est", WITHIN_OUT + AREA_BAD_WEAK,
                   blocks=True)


def away_feature() -> Feature:
    """A municipality outside the project's home (its regions, its focus list) beside a homonym at home."""
    return Feature("région", "hors du territoire du projet, alors qu'un homonyme y est", WITHIN_OUT + AREA_BAD_WEAK,
                   blocks=True)


def farther_feature(d: float, d0: float) -> Feature:
    """A municipality far from the row's coordinates beside a homonym whose centre is near them."""
    return Feature("coordonnées", f"{d:.1f} km des coordonnées de la ligne, un homonyme à {d0:.1f} km",
                   WITHIN_OUT + AREA_BAD_WEAK, blocks=True)


def _place_verdict(p: str, cand: Facts, chain: frozenset[str], kb: Knowledge) -> tuple[float, str, bool]:
    """(points, detail, blocks) of the row's place ``p`` against the candidate's places ``chain``."""
    pchain = kb.ancestors(p)
    if p in chain:
        return (PLACE_SAME, f"dans {_labels(kb, [p])}", False)
    if set(cand.located_in) & pchain:
        return (PLACE_WIDER, f"{_labels(kb, cand.located_in)} contient {_labels(kb, [p])}", False)
    common = (chain & pchain) - _roots(kb, chain | pchain)
    if common:
        return (PLACE_NEAR, f"{_labels(kb, cand.located_in)} ≠ {_labels(kb, [p])}", False)
    return (PLACE_CONTRA, f"{_labels(kb, cand.located_in)}: autre province/pays que {_labels(kb, [p])}", True)


def _area_feature(text: str, strong: bool, names: Iterable[str]) -> Feature:
    """A hint of the row's area (an area code, a postal code's region …) against the candidate's places."""
    if any(area_matches(text, n) for n in names):
        return Feature("zone", f"« {text} » concorde", AREA_OK)
    return Feature("zone", f"« {text} » ne concorde pas", AREA_BAD_STRONG if strong else AREA_BAD_WEAK,
                   blocks=strong)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def coordinate_feature(query: ReconQuery, cand: Facts, kb: Knowledge, *, is_place: bool) -> Feature | None:
    if query.coordinates is None:
        return None
    own = cand.coordinates
    ref, via = own, ""
    if ref is None:
        for p in cand.located_in:
            f = kb.get(p)
            if f and f.coordinates:
                ref, via = f.coordinates, f" (via {f.label()})"
                break
    if ref is None:
        return None
    lat, lon = query.coordinates
    d = distance_km(query.coordinates, ref)
    fixed = ""
    if d > 50:  # common typing slips: a dropped minus sign, latitude and longitude swapped
        for alt, what in (((lat, -lon), "signe de la longitude corrigé"), ((lon, lat), "lat/long inversées")):
            d2 = distance_km(alt, ref)
            if d2 < 5:
                d, fixed = d2, f", {what}"
                break
    detail = f"{d:.1f} km{via}{fixed}"
    steps: tuple[tuple[float, float], ...]
    if own is not None and not is_place:
        steps = ((0.3, COORDS_MAX), (1, 12.0), (5, 6.0), (25, 0.0), (300, -15.0))
    elif is_place:
        steps = ((25, COORDS_MAX), (60, 5.0), (150, 0.0), (500, -25.0))
    else:  # only the municipality's coordinates are known
        steps = ((25, COORDS_VIA_PLACE), (150, 0.0), (500, -20.0))
    pts = next((p for limit, p in steps if d < limit), -40.0)
    if fixed:
        pts = min(pts, 5.0)
    return Feature("coordonnées", detail, pts, blocks=pts <= -40.0)


def identifier_features(query: ReconQuery, cand: Facts, single: frozenset[str] = frozenset()) -> list[Feature]:
    """Equal → decisive; different → −25, and a contradiction that blocks on a property of ``single``
    (one value per item: a second ISNI is another person)."""
    out: list[Feature] = []
    held: dict[str, set[str]] = {}
    for p, v in cand.identifiers:
        held.setdefault(p, set()).add(identifier_key(v))
    for p, v in query.identifiers:
        if p not in held:
            continue
        if identifier_key(v) in held[p]:
            out.append(Feature("identifiant", f"{p} = {v}", 100.0, decisive=True))
        else:
            out.append(Feature("identifiant", f"{p} différent ({v})", ID_BAD, blocks=p in single))
    return out


def website_feature(query: ReconQuery, cand: Facts) -> Feature | None:
    qkeys = [k for k in (url_key(u) for u in query.websites) if k]
    ckeys = [k for k in (url_key(u) for u in cand.websites) if k]
    if not qkeys or not ckeys:
        return None
    for q in qkeys:
        for c in ckeys:
            if q == c:
                return Feature("site web", f"{q[0]}/{q[1]}".rstrip("/"), 100.0, decisive=True)
            if q[0] == c[0] and not c[1] and site_page(q[1]):  # « x.org/a-propos »: a page about the site's owner
                return Feature("site web", f"{q[0]}/{q[1]} : page de présentation du site {c[0]}", 100.0,
                               decisive=True)
    for q in qkeys:
        for c in ckeys:
            if q[0] == c[0] or registrable_domain(q[0]) == registrable_domain(c[0]):
                return Feature("site web", f"même domaine {registrable_domain(q[0])}", WEB_HOST)
    return Feature("site web", f"{ckeys[0][0]} ≠ {qkeys[0][0]}", WEB_OTHER)


def year_features(query: ReconQuery, cand: Facts) -> list[Feature]:
    out = []
    held = dict(cand.years)
    for p, y in query.years:
        if p in held:
            diff = abs(held[p] - y)
            pts = YEAR_OK if diff == 0 else (YEAR_OK / 2 if diff == 1 else YEAR_BAD)
            out.append(Feature("date", f"{p} {held[p]} / {y}", pts))
    return out


def class_feature(query: ReconQuery, cand: Facts) -> Feature | None:
    """A class (an item with « subclass of », P279: « carnaval », « centre d'exposition ») for a row
    whose type hints say it is one thing of some class: « Carnaval de Lac-X » is a carnival held in
    Lac-X, not the notion of carnival — the name only met the class's once the place was set aside."""
    if not (query.type_hints or query.default_types) or query.person or not cand.subclass_of:
        return None
    return Feature("type", "une classe (sous-classe de…), pas une chose de la ligne", SOFT_TYPE_BAD)


def other_town_feature(query: ReconQuery, cand: Facts, row_places: frozenset[str], cand_places: frozenset[str]
                       ) -> Feature | None:
    """The same name pattern for another municipality: « Bibliothèque municipale de Lac-X » (the row in
    Lac-X) and « Bibliothèque municipale de Val-Y » (the candidate in Val-Y) — each name holds its own
    town, the rest is equal, the towns differ: two entities, a contradiction. ``row_places`` and
    ``cand_places`` are the cored names of the row's and the candidate's municipalities."""
    if not query.places or not cand.located_in or set(query.places) & set(cand.located_in):
        return None
    q = core(query.text)
    qs = _strip(q, row_places)
    if not qs or qs == q:
        return None
    for _, _, name in cand.names():
        c = core(name)
        cs = _strip(c, cand_places)
        if cs == qs and cs != c and not set(c.split()) & set(q.split()) - set(qs.split()):
            return Feature("name", f"même nom pour une autre municipalité : {name}", OTHER_TOWN, blocks=True)
    return None


def former_feature(cand: Facts) -> Feature | None:
    return Feature("ancien", "dissous ou disparu (P576)", FORMER) if cand.dissolved else None


def scored_elsewhere(query: ReconQuery, prop: str, kind: str) -> bool:
    """Facts the features above already score: the row's place (P131), website, identifiers,
    coordinates and the years of ``query.years``."""
    years = {p for p, _ in query.years}
    return prop in ("P131", "P856", "P625") or kind in ("external-id", "coordinates") or prop in years


def fact_features(query: ReconQuery, findings: Findings) -> list[Feature]:
    """Points for the checked facts not scored elsewhere: an agreeing birth or death date +12, an
    agreeing place +8 (other items +6, other values +3); a hard contradiction −40 and blocks (−20
    and blocks when it may be a slip), a soft one −10. Unknown facts count nothing."""
    kinds = {f.property: f.kind for f in query.facts}
    out: list[Feature] = []
    for c in findings.checks:
        kind = kinds.get(c.pid, "item")
        if c.pid != "P31" and scored_elsewhere(query, c.pid, kind):
            continue
        detail = f"{c.label} : {c.row_value} / {c.wiki_value}" + (f" ({c.note})" if c.note else "")
        if c.verdict == AGREES:
            pts = _agree_points(c.hard, c.pid, kind)
            out.append(Feature("fait", detail, pts))
        elif c.verdict == CONTRADICTS:
            pts = FACT_SLIP_BAD if c.hard and c.slip else FACT_HARD_BAD if c.hard else FACT_BAD
            out.append(Feature("fait", detail, pts, blocks=c.hard))
    return out


def _agree_points(hard: bool, prop: str, kind: str) -> float:
    if hard:
        return FACT_HARD_OK
    if kind == "item":
        return FACT_OK if prop in CLASS_LIKE else FACT_PLACE_OK
    return FACT_OK if kind == "time" else FACT_SMALL_OK


def person_name_feature(query: ReconQuery, cand: Facts) -> Feature:
    """The name of a person: « Nom, Prénom », initials, a missing middle name or half of a double
    family name, titles and hyphens (``names.compare_person_names``), against every label and alias
    (maiden, married and stage names live there; an alias counts ×0.93). Two generation words that
    differ (père / fils, Sr / Jr) are two people: the feature blocks."""
    best, detail = 0.0, ""
    qnames = [person_name(t) for t in dict.fromkeys((query.text, *query.other_names))]
    cnames = [(kind, lang, text, person_name(text)) for kind, lang, text in cand.names()]
    for kind, lang, text, c in cnames:
        for q in qnames:
            s, how = compare_person_names(q, c)
            if kind == "alias":
                s *= ALIAS_FACTOR
            if s > best:
                best, detail = s, f"{how} {kind} {lang}: {text}"
    # any name of the candidate may say its generation (« X fils » as an alias of « X »)
    if best >= 0.85 and any(generations_differ(q, c) for q in qnames for *_, c in cnames):
        return Feature("name", f"{best:.2f} {detail} ; père/fils : une autre génération", FACT_HARD_BAD,
                       blocks=True)
    return Feature("alias" if " alias " in detail else "name", f"{best:.2f} {detail}".strip(),
                   round(name_points(best), 1))
