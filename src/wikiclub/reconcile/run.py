"""The reconciliation stage: rows in, one decision per row entity and per linked cell out.

Order of work for a sheet, chosen to keep requests few:
1. every distinct linked value (e.g. each municipality spelling) and every row name is looked up
   once (``Finder`` caches lookups);
2. the facts of all candidates are fetched in batches of 50, then the class and place closures
   level by level (``Knowledge``);
3. per row: the municipality cell is judged with the row's own context (coordinates, phone and
   postal-code province), the row entity is judged with the municipality candidates as context,
   then other linked cells (venue, organiser) with the row's place as context. An ambiguous
   municipality is settled afterwards by the matched entity's own location when that is decisive.
4. rows that resolve to the same item, or are the same new entity, are flagged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..facts import Facts
from ..names import bare_name, core, first_word, fold, initials_family, place_cell, shorter_names
from .candidates import CandidateSource, Finder, fuzzy_words_of, search_words_of
from .decide import baseline_decide, decide
from .duplicates import RowKey, RowMarks, group_rows
from .knowledge import Knowledge
from .model import (
    Decision,
    Feature,
    LinkedResult,
    Match,
    ReconQuery,
    RowFact,
    RowResult,
    ScoredCandidate,
    Thresholds,
)
from .scoring import Scorer, baseline_score
from .store import match_from_json, result_from_json, result_to_json

WIDEN_ROUNDS = 2  # shorter-name searches per row still NEW (each round: one request per distinct text)
PLACE = "place"  # role of the linked column that gives the row's municipality
ITEM = "item"


@dataclass(frozen=True)
class LinkedCell:
    """An item column's cell (e.g. "Ville" → a municipality). ``role`` PLACE marks the row's place."""

    column: str
    value: str
    types: tuple[str, ...] = ()
    within: tuple[str, ...] = ()
    role: str = ITEM
    language: str = "fr"
    property: str = ""  # the statement's property (P19, P551…): once reconciled, a fact of the row
    home: tuple[str, ...] = ()  # the project's regions and focus list (``ReconQuery.home``)


@dataclass(frozen=True)
class RowInput:
    key: str                 # stable across runs: "sheet:row"
    row: int                 # row number as the spreadsheet shows it
    entity: ReconQuery       # places left empty: filled from the PLACE cell
    linked: tuple[LinkedCell, ...] = ()
    item_id: str | None = None  # the row names its item (the mapping's id column): never found by name


Judge = Callable[[ReconQuery, Sequence[Facts], bool], Match]


def our_judge(kb: Knowledge, thresholds: Thresholds) -> Judge:
    scorer = Scorer(kb)

    def judge(query: ReconQuery, cands: Sequence[Facts], is_place: bool) -> Match:
        return decide(scorer.score(query, cands, is_place=is_place), thresholds, person=query.person,
                      name_alone=query.name_alone)

    return judge


def baseline_judge(kb: Knowledge, thresholds: Thresholds) -> Judge:
    def judge(query: ReconQuery, cands: Sequence[Facts], is_place: bool) -> Match:
        ranked, n_props = baseline_score(query, cands, kb, is_place=is_place)
        return baseline_decide(ranked, n_props, thresholds)

    return judge


def linked_query(cell: LinkedCell) -> ReconQuery:
    """The query of an item cell. A municipality cell is read by ``names.place_cell``: the name
    without designation, province or country, address or postal code, « St-/N.-D. » spelt out; the
    provinces it names are hints a candidate must agree with, the other areas (a region, an
    amalgamated city) hints that only favour a candidate inside them."""
    if cell.role != PLACE:
        return ReconQuery(text=cell.value, language=cell.language, types=cell.types, within=cell.within,
                          strict_types=True)
    pc = place_cell(cell.value)
    # the whole cell is searched too (a wiki label may hold the parenthesis), unless it is an address
    others = (cell.value,) if fold(pc.name) != fold(cell.value) and not any(ch.isdigit() for ch in cell.value) else ()
    guesses = (pc.postal_province,) if pc.postal_province and not pc.provinces else ()
    return ReconQuery(text=pc.name, other_names=others, language=cell.language, types=cell.types,
                      within=cell.within, area_hints=pc.provinces, area_guesses=guesses, area_clues=pc.clues,
                      strict_types=True, home=cell.home)


def place_name(value: str) -> str:
    """The municipality's name in a place cell (« 12, rue X, Amos (Québec) » → « Amos »)."""
    return place_cell(value).name if value else ""


def plausible_places(m: Match, t: Thresholds) -> tuple[str, ...]:
    """Place QIDs a row may be in: the match, or the close unblocked candidates of a REVIEW."""
    if m.decision == Decision.MATCH and m.qid:
        return (m.qid,)
    if m.decision != Decision.REVIEW or not m.candidates:
        return ()
    best = m.candidates[0].score
    return tuple(c.qid for c in m.candidates
                 if not c.blocked and c.score >= max(t.new, best - t.margin))


class Reconciler:
    """Runs the stage for many rows with one source, one knowledge cache and one judge."""

    def __init__(self, source: CandidateSource, *, thresholds: Thresholds | None = None,
                 scorer: str = "ours") -> None:
        self.source = source
        self.t = thresholds or Thresholds()
        self.kb = Knowledge(source.fetch)
        self.finder = Finder(source)
        self.judge = (baseline_judge if scorer == "baseline" else our_judge)(self.kb, self.t)
        self._memo: dict[Any, Match] = {}
        self._pool: dict[str, set[str]] = {}  # column → every candidate found for its values

    def _facts(self, ids: Iterable[str]) -> list[Facts]:
        out = []
        for i in ids:
            f = self.kb.get(i)
            if f is not None:
                out.append(f)
        return out

    def _judge(self, query: ReconQuery, ids: Sequence[str], is_place: bool) -> Match:
        key = (query, tuple(ids), is_place)
        if key not in self._memo:
            self._memo[key] = self.judge(query, self._facts(ids), is_place)
        return self._memo[key]

    def _judge_cell(self, column: str, query: ReconQuery, ids: Sequence[str], is_place: bool) -> Match:
        """An item cell the searches leave NEW is judged again against the candidates of the column's
        other values: "R-N" is not a prefix of any label, but Rouyn-Noranda was found for another row's
        "Rouyn-Noranda" cell and its initials are "R-N". No request."""
        m = self._judge(query, ids, is_place)
        pool = self._pool.get(column)
        if m.decision != Decision.NEW or not pool:
            return m
        wider = self._judge(query, tuple(dict.fromkeys([*ids, *sorted(pool)])), is_place)
        return wider if wider.decision != Decision.NEW else m

    def prepare(self, rows: Sequence[RowInput]) -> None:
        """Steps 1–2 for many rows at once: name lookups, batched facts, identifier and website lookups
        only where no name candidate already holds the value, then the class and place closures."""
        ids = self._name_candidates(rows)
        self.kb.load(ids)
        extra = self._statement_candidates(rows)
        self.kb.load(extra)
        loaded = self._facts(dict.fromkeys([*ids, *extra]))
        # the properties of the rows' facts (labels for the reviewer, constraints) and the items the
        # candidates hold for them (their labels): in the closures' first batch, not a request per fact
        props = {f.property for r in rows for f in r.entity.facts} | {c.property for r in rows for c in r.linked
                                                                       if c.property}
        props.add("P31")  # « nature de l'élément »: the label of a class contradiction (evidence.py)
        # the classes the rows look for (types, a category cell's hints, the mapping's default) walked with
        # the candidates' classes: their P279* closures in the same batches, not one class at a time
        wanted = {c for r in rows for c in (*r.entity.types, *r.entity.type_hints, *r.entity.default_types)}
        wanted |= {t for r in rows for c in r.linked for t in c.types}
        self.kb.prefetch_all(loaded, extra=[*sorted(props), *(q for f in loaded for q in f.items(*props))],
                             classes=sorted(wanted))
        if self.finder.can_widen:
            self._widen(rows)

    def _name_candidates(self, rows: Sequence[RowInput]) -> list[str]:
        """The items rows name by id (checked to exist, in the same batches) and the name lookups of the
        others and of their linked cells (each cell's candidates pooled per column)."""
        ids: list[str] = [r.item_id for r in rows if r.item_id]
        asked = [*((r.entity, "") for r in rows if not r.item_id),
                 *((linked_query(c), c.column) for r in rows for c in r.linked)]
        # a name followed by a shorter start of it (« X (bureau principal) » / « X »): the start asked
        # first, its items' facts read with the other lookups' candidates (one batch), then the longer
        # name asked only if one of them can match it (``ApiSource.settle_probes``)
        probed = self.finder.probe(q for q, _ in asked)
        waiting = [(q, column) for q, column in asked if self.finder.waiting(q)]
        ids += self._names((q, column) for q, column in asked if not self.finder.waiting(q))
        self.kb.load([*ids, *probed])
        self.finder.settle_probes(self.kb.known)
        return ids + self._names(waiting)

    def _names(self, asked: Iterable[tuple[ReconQuery, str]]) -> list[str]:
        """The name lookups of (query, column) pairs; an item cell's candidates pooled per column."""
        ids: list[str] = []
        for query, column in asked:
            found = self.finder.name_ids(query)
            ids += found
            if column:
                self._pool.setdefault(column, set()).update(found)
        return ids

    def _statement_candidates(self, rows: Sequence[RowInput]) -> list[str]:
        """Identifier and website lookups, only where no name candidate already holds the value."""
        extra: list[str] = []
        for r in rows:
            q = r.entity
            if not r.item_id and (q.identifiers or q.websites) and not any(
                    self._holds(q, f) for f in self._facts(self.finder.name_ids(q))):
                extra += self.finder.statement_ids(q)
        return extra

    def _widen(self, rows: Sequence[RowInput]) -> None:
        """Rounds of more searches for what is still NEW, each distinct text asked once for all rows,
        then the new candidates' facts and closures fetched in batches; rows found plausible stop.

        Round 0 is one full-text search of the name's distinctive words in any order (a leading article
        or "Festival de" added, words swapped, hyphen/apostrophe typed otherwise: no prefix of any
        label); for a person written with initials (« M.-A. Béland »), one full-text search of the
        family name; the next rounds are shorter prefix searches (``shorter_names``: a hyphen typed as
        a space, a town or legal form added, an abbreviated ending, a typo late in the name); the last
        round is one full-text search with the long distinctive words fuzzy (``fuzzy_words_of``: a
        one-letter typo early in a name, "Festval du cinéma…", defeats every prefix)."""
        generic = generic_first_words([r.entity.text for r in rows])
        rounds: list[str | int] = ["words"] if self.finder.can_search_words else []
        rounds += ["person"] if self.finder.can_search_fuzzy else []
        rounds += list(range(self.finder.prefix_rounds(WIDEN_ROUNDS)))
        rounds += ["fuzzy"] if self.finder.can_search_fuzzy else []
        prefix_rounds = [k for k in rounds if isinstance(k, int)]
        for k in rounds:
            asks: dict[tuple[str, str], list[ReconQuery]] = {}
            probes: dict[tuple[str, str], str] = {}
            for r in rows:
                for query, place in self._still_new(r):
                    text = _widen_text(k, query, place, generic)
                    if text:
                        asks.setdefault((text, query.language), []).append(query)
                        probe = _probe_text(k, text, query, place, generic, prefix_rounds)
                        if probe:
                            probes[(text, query.language)] = probe
            if asks:
                self._ask(k, asks, probes)

    def _still_new(self, r: RowInput) -> list[tuple[ReconQuery, str]]:
        """The row's queries (its entity, its linked cells) still decided NEW, with the row's place text
        for the entity's query."""
        res = self.row(r)
        place_text = place_name(next((c.value for c in r.linked if c.role == PLACE), ""))
        todo = [(r.entity, res.entity, place_text)]
        by_column = {lr.column: lr.match for lr in res.linked}
        todo += [(linked_query(c), by_column[c.column], "") for c in r.linked if c.column in by_column]
        return [(query, place) for query, m, place in todo if m.decision == Decision.NEW]

    def _ask(self, k: str | int, asks: Mapping[tuple[str, str], list[ReconQuery]],
             probes: Mapping[tuple[str, str], str] | None = None) -> None:
        """One widening round's searches (each distinct text once), then the new candidates' facts
        and closures fetched in batches. A text with a ``probe`` (a later round's shorter prefix of it,
        ``_probe_text``) has the probe asked first, its answer kept for that round and not added now:
        if it is empty, the text's own answer is known to be empty too (``RunMemo``), no request."""
        found: list[str] = []
        probes = probes or {}
        # shortest first: an empty answer for « Club arts » answers « Club arts du Sud » (``RunMemo``)
        for (text, lang), queries in sorted(asks.items(), key=lambda a: len(probes.get(a[0], a[0][0]))):
            if (text, lang) in probes:
                self.finder.search_text(probes[(text, lang)], lang)
            if k in ("fuzzy", "person"):  # one full-text search of exactly this query
                ids = self.finder.search_fuzzy(text, lang)
            elif k == "words" and search_words_of(text):
                ids = self.finder.search_words(text, lang)
            else:
                ids = self.finder.search_text(text, lang)
            for q in queries:
                self.finder.widen(q, ids)
            found += ids
        self.kb.load(found)
        self.kb.prefetch_all(self._facts(dict.fromkeys(found)))

    @staticmethod
    def _holds(q: ReconQuery, f: Facts) -> bool:
        """Whether ``f`` already carries one of the query's identifiers or its website."""
        from .features import identifier_features, website_feature

        web = website_feature(q, f)
        return bool(web and web.decisive) or any(x.decisive for x in identifier_features(q, f))

    def _named(self, qid: str) -> Match:
        """A row whose id column names its item: that item (a redirect's target), if it exists."""
        f = self.kb.get(qid)
        if f is None:
            return Match(Decision.REVIEW, None, (), f"{qid} (colonne d'identifiant / id column) n'existe pas sur "
                                                    f"le wiki / does not exist on the wiki")
        moved = f" (redirigé vers / redirected to {f.qid})" if f.qid != qid else ""
        shown = ScoredCandidate(f.qid, f.label(), f.description(), 100.0,
                                (Feature("id", f"colonne d'identifiant / id column{moved}", 100.0, decisive=True),))
        return Match(Decision.MATCH, f.qid, (shown,), f"nommé par la colonne d'identifiant / named by the id column"
                                                      f"{moved}")

    def _unasked_is_review(self, query: ReconQuery, m: Match) -> Match:
        """NEW is never answered for a row whose identifier or website lookup could not be asked: the
        item may exist under another name. REVIEW, with the reason."""
        missing = self.finder.not_asked(query) if m.decision == Decision.NEW else []
        if not missing:
            return m
        return Match(Decision.REVIEW, None, m.candidates,
                     "pas de NEW sans chercher l'identifiant / no NEW without looking the identifier up — "
                     + "; ".join(missing))

    def row(self, r: RowInput) -> RowResult:
        ctx = r.entity
        linked, places, place_text, place_index = self._place_cell(r)
        query = replace(ctx, places=places, place_text=place_text)
        if r.item_id:
            entity = self._named(r.item_id)
        else:
            query = replace(query, facts=(*query.facts, *self._cell_facts(r, places, place_text)))
            entity = self._unasked_is_review(ctx, self._judge(query, self.finder.candidate_ids(ctx), False))
        notes: list[str] = []
        # A municipality left ambiguous (homonyms) is settled by the matched entity's own location.
        if place_index is not None and entity.decision == Decision.MATCH and entity.qid:
            pm = linked[place_index].match
            if pm.decision != Decision.MATCH and len(places) > 1:
                ef = self.kb.get(entity.qid)
                chain = self.kb.places_of(ef) if ef else frozenset()
                inside = [p for p in places if p in chain]
                if len(inside) == 1:
                    linked[place_index] = replace(linked[place_index], match=Match(
                        Decision.MATCH, inside[0], pm.candidates, "d'après la localisation de l'élément apparié"))
                    places = (inside[0],)
                    notes.append("municipalité déduite de l'élément")
        for cell in r.linked:
            if cell.role == PLACE:
                continue
            base = linked_query(cell)
            q = replace(base, places=places, place_text=place_text)
            cm = self._settle(cell, entity, self._judge_cell(cell.column, q, self.finder.candidate_ids(base), False))
            linked.append(LinkedResult(cell.column, cell.value, cm))
        return RowResult(r.key, r.row, ctx.text, entity, tuple(linked), None, tuple(notes))

    def _settle(self, cell: LinkedCell, entity: Match, m: Match) -> Match:
        """An item cell left ambiguous (« Ville-Marie »: two homonyms) whose matched entity already
        holds exactly one of its close candidates for that property is settled by it."""
        if m.decision != Decision.REVIEW or not cell.property or entity.decision != Decision.MATCH or not entity.qid:
            return m
        ef = self.kb.get(entity.qid)
        held = set(ef.items(cell.property)) if ef else set()
        inside = [q for q in plausible_places(m, self.t) if q in held]
        if len(inside) != 1:
            return m
        return Match(Decision.MATCH, inside[0], m.candidates, "d'après la valeur que l'élément apparié porte déjà")

    def _place_cell(self, r: RowInput) -> tuple[list[LinkedResult], tuple[str, ...], str, int | None]:
        """The row's municipality cell judged with the row's own context: (linked, places, text, index)."""
        ctx = r.entity
        linked: list[LinkedResult] = []
        places: tuple[str, ...] = ctx.places  # known already (an item given by id): () for a sheet's row
        place_text = ctx.place_text
        place_index = None
        for cell in r.linked:
            if cell.role != PLACE:
                continue
            base = linked_query(cell)
            q = replace(base, coordinates=ctx.coordinates, area_guesses=(*base.area_guesses, *ctx.area_guesses))
            m = self._judge_cell(cell.column, q, self.finder.candidate_ids(base), True)
            place_index = len(linked)
            linked.append(LinkedResult(cell.column, cell.value, m))
            places += plausible_places(m, self.t)
            place_text = base.text
        return linked, places, place_text, place_index

    def _cell_facts(self, r: RowInput, places: tuple[str, ...], place_text: str) -> list[RowFact]:
        """The row's item cells as facts (birth place, residence, occupation…): the items each cell may
        be (its MATCH, or the close candidates of a REVIEW), or its text when unresolved."""
        out: list[RowFact] = []
        for cell in r.linked:
            if not cell.property:
                continue
            base = linked_query(cell)
            if cell.role == PLACE:
                q = replace(base, coordinates=r.entity.coordinates,
                            area_guesses=(*base.area_guesses, *r.entity.area_guesses))
                m = self._judge_cell(cell.column, q, self.finder.candidate_ids(base), True)
            else:
                q = replace(base, places=places, place_text=place_text)
                m = self._judge_cell(cell.column, q, self.finder.candidate_ids(base), False)
            out.append(RowFact(cell.property, "item", m.qid or "", text=cell.value,
                               items=plausible_places(m, self.t), column=cell.column))
        return out


def reconcile_rows(rows: Sequence[RowInput], source: CandidateSource, *, thresholds: Thresholds | None = None,
                   scorer: str = "ours", checkpoint: Path | None = None, resume: bool = False,
                   progress: Callable[[Iterable[RowInput]], Iterable[RowInput]] | None = None,
                   chunk: int = 200) -> list[RowResult]:
    """Reconcile ``rows``; with ``checkpoint``, each finished row is appended there as a JSON line so
    an interrupted run loses nothing, and ``resume`` skips rows already in it."""
    done: dict[str, RowResult] = {}
    if checkpoint and resume and checkpoint.exists():
        for line in checkpoint.read_text(encoding="utf-8").splitlines():
            if line.strip():
                res = result_from_json(json.loads(line))
                done[res.key] = res
    elif checkpoint and checkpoint.exists():
        checkpoint.unlink()
    rec = Reconciler(source, thresholds=thresholds, scorer=scorer)
    todo = [r for r in rows if r.key not in done]
    iterator: Iterable[RowInput] = progress(todo) if progress else todo
    fh = checkpoint.open("a", encoding="utf-8") if checkpoint else None
    try:
        for i, r in enumerate(iterator):
            if i % chunk == 0:  # look up the next chunk of rows together (batched facts)
                rec.prepare(todo[i:i + chunk])
            res = rec.row(r)
            done[r.key] = res
            if fh:
                fh.write(json.dumps(result_to_json(res), ensure_ascii=False) + "\n")
                fh.flush()
    finally:
        if fh:
            fh.close()
    results = [done[r.key] for r in rows]
    return flag_duplicates(results, {r.key: r for r in rows})


def _widen_text(k: str | int, query: ReconQuery, place: str, generic: frozenset[str]) -> str:
    """What widening round ``k`` asks for ``query`` ("" = nothing)."""
    if k == "fuzzy":
        return fuzzy_words_of(query.text)
    if k == "words":
        return words_search_text(query.text)
    if k == "person":
        return initials_family(query.text) if query.person else ""
    shorter = shorter_names(query.text, place=place, generic=generic)
    return shorter[k] if isinstance(k, int) and k < len(shorter) else ""


def _probe_text(k: str | int, text: str, query: ReconQuery, place: str, generic: frozenset[str],
                prefix_rounds: Sequence[int]) -> str:
    """For prefix round ``k``'s ``text``: the shortest text a later prefix round would ask for the same
    query that is a literal prefix of it ("" if none). A prefix search that finds nothing for « Club
    bleuets » finds nothing for « Club bleuets arts » either; the row, left NEW by an empty answer,
    reaches the later round anyway — so asking the shorter one first answers both with one request
    when it is empty. (When it is not, the longer one is asked as well; the shorter one's answer is
    kept for its own round.)"""
    if not isinstance(k, int):
        return ""
    later = [_widen_text(j, query, place, generic) for j in prefix_rounds if j > k]
    fits = [t for t in later if t and t != text and text.startswith(t)]
    return min(fits, key=len) if fits else ""


def words_search_text(text: str) -> str:
    """What round 0 of widening asks: the name itself for a full-text search of its distinctive
    words; when only one distinctive word is left after dropping an article, "Ville de", a legal
    form ("Municipalité de Nédélec", "Le Rift"), that word for a prefix search; else nothing."""
    if search_words_of(text):
        return text
    cored, bare = core(text), bare_name(text)
    return bare if cored and " " not in cored and fold(bare) != fold(text) and len(cored) >= 3 else ""


def generic_first_words(names: Iterable[str]) -> frozenset[str]:
    """Words that start several names of the sheet ("Festival", "Salle"): searching one alone finds
    anything. At least 3 names, or 2 % of them."""
    counts: dict[str, int] = {}
    names = list(names)
    for n in names:
        w = first_word(n)
        if w:
            counts[w] = counts.get(w, 0) + 1
    floor = max(3, int(0.02 * len(names)))
    return frozenset(w for w, c in counts.items() if c >= floor)


def flag_duplicates(results: Sequence[RowResult], inputs: dict[str, RowInput]) -> list[RowResult]:
    """``duplicate_of`` for rows of one entity, ``distinct_from`` for look-alikes that are not
    (``duplicates.group_rows``: numbers in names, identifiers, websites, dates, père/fils)."""
    keys = []
    for n, res in enumerate(results):  # grouped by position: row numbers repeat across tabs
        m = res.entity
        qid = m.qid if m.decision == Decision.MATCH else None
        if m.decision == Decision.REVIEW and m.top:
            qid = m.top.qid
        places = tuple(sorted({lr.match.qid or lr.value for lr in res.linked if lr.match.qid}))
        query = inputs[res.key].entity if res.key in inputs else None
        keys.append(RowKey(n, qid, core(res.name), places, RowMarks.of(res.name, query)))
    g = group_rows(keys)
    return [_with_duplicates(res, results, g.duplicates.get(n), g.distinct.get(n, ())) for n, res in enumerate(results)]


def _with_duplicates(res: RowResult, results: Sequence[RowResult], dup: int | None, distinct: Sequence[int]
                     ) -> RowResult:
    """A row's duplicate and distinct look-alikes (positions in ``results``) as row numbers, and as keys
    too when one of them is in another tab or file (``duplicate_key``, ``distinct_keys``)."""
    sheet = res.key.rsplit(":", 1)[0]
    other = results[dup] if dup is not None else None
    alike = [results[i] for i in distinct]
    elsewhere = any(r.key.rsplit(":", 1)[0] != sheet for r in [*alike, *([other] if other else [])])
    return replace(res, duplicate_of=other.row if other else None,
                   distinct_from=tuple(r.row for r in alike if r.key.rsplit(":", 1)[0] == sheet),
                   duplicate_key=other.key if other and elsewhere else "",
                   distinct_keys=tuple(r.key for r in alike) if elsewhere else ())


__all__ = ["ITEM", "PLACE", "LinkedCell", "Reconciler", "RowInput", "match_from_json", "reconcile_rows"]
