"""Per-run cache of entity facts with the two closures matching needs: classes (P279*) and places (P131*).

Facts are fetched through one injected function that takes many ids at once (the API source batches
them by 50, the local index reads SQLite), and closures are filled breadth-first so each level of the
class or place hierarchy costs one batched fetch for the whole sheet, not one per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from ..facts import PERSON_PLACES, Facts

Fetch = Callable[[list[str]], Mapping[str, Facts]]


class Knowledge:
    """Facts by id, fetched lazily and cached for the run (one instance per run, never global)."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch
        self._facts: dict[str, Facts | None] = {}
        self._classes: dict[str, frozenset[str]] = {}
        self._places: dict[str, frozenset[str]] = {}

    # -- facts -------------------------------------------------------------------------------------
    def add(self, facts: Iterable[Facts]) -> None:
        for f in facts:
            self._facts[f.qid] = f

    def load(self, ids: Iterable[str]) -> None:
        missing = [i for i in dict.fromkeys(ids) if i and i not in self._facts]
        if not missing:
            return
        got = self._fetch(missing)
        for i in missing:
            self._facts[i] = got.get(i)

    def get(self, qid: str) -> Facts | None:
        if qid not in self._facts:
            self.load([qid])
        return self._facts.get(qid)

    def known(self, qid: str) -> Facts | None:
        """Facts already fetched, without fetching."""
        return self._facts.get(qid)

    # -- closures ----------------------------------------------------------------------------------
    def _prefetch(self, seeds: Iterable[str], parents: Callable[[Facts], tuple[str, ...]]) -> None:
        frontier = set(seeds)
        seen: set[str] = set()
        while frontier:
            self.load(frontier)
            seen |= frontier
            nxt: set[str] = set()
            for q in frontier:
                f = self._facts.get(q)
                if f:
                    nxt.update(p for p in parents(f) if p not in seen)
            frontier = nxt

    def prefetch_all(self, loaded: Iterable[Facts], extra: Iterable[str] = (), classes: Iterable[str] = ()) -> None:
        """``prefetch_classes``, ``prefetch_places`` (of the entities and what they lie in) and
        ``prefetch_referenced`` at once, plus ``extra`` ids: each level of the three walks (and the
        extra ids, with the first level) fetched in one batch — the same facts as the three walks one
        after another, in fewer requests (a batch of 50 ids is one ``wbgetentities``, whichever walk
        asked for them). ``classes``: more classes whose P279* closure is walked with the candidates'
        (the classes the rows look for)."""
        loaded = list(loaded)
        walks: list[tuple[set[str], Callable[[Facts], tuple[str, ...]]]] = [
            ({c for f in loaded for c in (*f.instance_of, *f.subclass_of)} | set(classes), lambda f: f.subclass_of),
            ({p for f in loaded for p in (f.qid, *f.located_in)}, lambda f: f.located_in),
            ({q for f in loaded for q in f.referenced()}, lambda f: (*f.located_in, *f.subclass_of)),
        ]
        frontiers = [set(seeds) for seeds, _ in walks]
        seen: list[set[str]] = [set() for _ in walks]
        self.load([*sorted(set().union(*frontiers)), *extra])
        while any(frontiers):
            self.load(sorted(set().union(*frontiers)))
            for n, (_, parents) in enumerate(walks):
                seen[n] |= frontiers[n]
                frontiers[n] = {p for q in frontiers[n] if (f := self._facts.get(q)) for p in parents(f)
                                if p not in seen[n]}

    def prefetch_classes(self, candidates: Iterable[Facts]) -> None:
        seeds = {c for f in candidates for c in (*f.instance_of, *f.subclass_of)}
        self._prefetch(seeds, lambda f: f.subclass_of)

    def prefetch_places(self, qids: Iterable[str]) -> None:
        self._prefetch(qids, lambda f: f.located_in)

    def prefetch_referenced(self, entities: Iterable[Facts]) -> None:
        """The items the facts of ``entities`` point to (a person's places, occupations…) with their
        place and class closures: fact checks then need no request of their own."""
        seeds = {q for f in entities for q in f.referenced()}
        self._prefetch(seeds, lambda f: (*f.located_in, *f.subclass_of))

    def superclasses(self, qid: str) -> frozenset[str]:
        """``qid`` and every class it is a subclass of (P279*)."""
        return self._closure(qid, self._classes, lambda f: f.subclass_of)

    def ancestors(self, qid: str) -> frozenset[str]:
        """``qid`` and every place it lies in (P131*, or P159/P276 where P131 is absent)."""
        return self._closure(qid, self._places, lambda f: f.located_in)

    def _closure(self, qid: str, memo: dict[str, frozenset[str]],
                 parents: Callable[[Facts], tuple[str, ...]]) -> frozenset[str]:
        if qid in memo:
            return memo[qid]
        self._prefetch([qid], parents)
        out: set[str] = set()
        stack = [qid]
        while stack:
            q = stack.pop()
            if q in out:
                continue
            out.add(q)
            f = self._facts.get(q)
            if f:
                stack.extend(parents(f))
        memo[qid] = frozenset(out)
        return memo[qid]

    def classes_of(self, facts: Facts) -> frozenset[str]:
        """Every class ``facts`` is an instance of, through P31/P279*."""
        out: set[str] = set()
        for c in facts.instance_of:
            out |= self.superclasses(c)
        return frozenset(out)

    def places_of(self, facts: Facts) -> frozenset[str]:
        """The places an entity lies in (not itself unless it is a place with a P131 of its own); for a
        person, without a location of their own, the places of birth, death, residence and work."""
        out: set[str] = set()
        for p in facts.located_in or facts.items(*PERSON_PLACES):
            out |= self.ancestors(p)
        return frozenset(out)

    def place_names(self, qids: Iterable[str]) -> list[str]:
        names: list[str] = []
        for q in qids:
            f = self.get(q)
            if f:
                names.extend(t for _, _, t in f.names())
        return names
