"""Where candidates come from: the wiki's API, or the local index — one small interface for both.

A source answers four questions: which items have names like these, which hold this identifier,
which have this official website, and what are the facts of these ids. ``Finder`` asks them for a
query, caching every answer for the run so each distinct spreadsheet value costs requests once.

An identifier or website lookup that cannot be asked — the wiki's search has no ``haswbstatement``
and no query service is configured, or the lookup failed — raises :class:`LookupNotAsked`; the
Finder remembers why, and the row is never answered NEW on that basis (REVIEW, with the reason).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any, Protocol

from ..adapters.index import LocalIndex, SparqlLike, namesakes
from ..errors import WikiError
from ..facts import Facts, facts_from_entity
from ..names import core, fold, identifier_variants, name_parts, url_variants
from ..wbjson import Entity, SearchHit
from .model import ReconQuery


class LookupNotAsked(Exception):
    """An identifier or website lookup that could not be asked; ``reason`` is for the review sheet."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class StatementFinder(Protocol):
    """A query service: items having ``prop`` = one of ``values`` (``SparqlClient.items_with``)."""

    def items_with(self, prop: str, values: list[str], *, as_iri: bool = False,
                   concept_base: str | None = None) -> list[str]: ...


HASWBSTATEMENT, SPARQL, NO_STATEMENT_SEARCH = "haswbstatement", "sparql", "none"
NOT_ASKED_WHY = ("ce wiki n'a pas de recherche haswbstatement (WikibaseCirrusSearch) et aucun point SPARQL "
                 "n'est configuré / this wiki has no haswbstatement search and no SPARQL endpoint is configured")


class CandidateSource(Protocol):
    def search(self, names: Sequence[str], language: str) -> list[str]: ...
    def by_identifier(self, prop: str, value: str) -> list[str]: ...
    def by_website(self, url: str) -> list[str]: ...
    def fetch(self, ids: list[str]) -> dict[str, Facts]: ...


class IndexSource:
    """Candidates and facts from the local SQLite index: no request at all."""

    def __init__(self, index: LocalIndex, *, limit: int = 8) -> None:
        self.index = index
        self.limit = limit

    def search(self, names: Sequence[str], language: str) -> list[str]:
        return self.index.search(names, limit=self.limit)

    def by_identifier(self, prop: str, value: str) -> list[str]:
        return self.index.by_identifier(prop, value)

    def by_website(self, url: str) -> list[str]:
        return self.index.by_website(url)

    def fetch(self, ids: list[str]) -> dict[str, Facts]:
        return self.index.facts(ids)


class WikibaseLike(Protocol):
    """What ``adapters.wikibase.WikibaseClient`` offers that reconciliation uses."""

    def get_entities(self, ids: Iterable[str], *, props: Sequence[str] | None = None,
                     languages: Sequence[str] | None = None) -> Mapping[str, Entity]: ...
    def search_entities(self, text: str, *, language: str, type: str = "item",  # noqa: A002
                        limit: int = 7) -> list[SearchHit]: ...
    def search_statements(self, prop: str, value: str) -> list[Any]: ...
    def search_text(self, words: str, *, limit: int = 50) -> list[str]: ...


def _ids_of(results: Sequence[Any]) -> list[str]:
    out = []
    for r in results:
        if isinstance(r, str):
            out.append(r)
        elif isinstance(r, Mapping):
            qid = r.get("id") or r.get("title", "").split(":")[-1]
            if qid:
                out.append(str(qid))
        else:
            qid = getattr(r, "id", None) or getattr(r, "qid", None)
            if qid:
                out.append(str(qid))
    return out


class RunMemo:
    """A client whose searches are asked once per run: the same search (text, language, limit) or the same
    statement lookup sent again gets the first answer, without a request. One per run (``Finder`` makes
    it), never shared between runs: a later run sees the wiki's edits. Failures are not remembered."""

    def __init__(self, client: WikibaseLike) -> None:
        self.client = client
        self._answers: dict[tuple[Any, ...], Any] = {}
        self._empty: set[tuple[str, str, str]] = set()  # (text, language, type) of prefix searches finding nothing
        self._ruled_out: set[tuple[str, str, str]] = set()  # … and of those known to (``rule_out``)

    def rule_out(self, text: str, language: str, type: str = "item") -> None:  # noqa: A002
        """``text``'s prefix search is known to find nothing (``ApiSource.settle_probes``): answered
        without a request."""
        self._ruled_out.add((text.strip(), language, type))

    def _once(self, key: tuple[Any, ...], ask: Callable[[], Any]) -> Any:
        if key not in self._answers:
            self._answers[key] = ask()
        return self._answers[key]

    def get_entities(self, ids: Iterable[str], *, props: Sequence[str] | None = None,
                     languages: Sequence[str] | None = None) -> Mapping[str, Entity]:
        return self.client.get_entities(ids, props=props, languages=languages)  # Knowledge keeps facts by id

    def search_entities(self, text: str, *, language: str, type: str = "item",  # noqa: A002
                        limit: int = 7) -> list[SearchHit]:
        """``wbsearchentities``, once per run; nothing, without a request, when a prefix search of a
        literal start of ``text`` (same language and type) already found nothing (``empty_prefix``)."""
        key = ("wbsearchentities", text, language, type, limit)
        if key not in self._answers and ((text.strip(), language, type) in self._ruled_out or empty_prefix(
                text, {(t, n) for t, n, k in self._empty if (n, k) == (language, type)})):
            return []
        hits = list(self._once(key, partial(self.client.search_entities, text, language=language, type=type,
                                            limit=limit)))
        if not hits:
            self._empty.add((text.strip(), language, type))
        return hits

    def search_statements(self, prop: str, value: str) -> list[Any]:
        return list(self._once(("haswbstatement", prop, value), partial(self.client.search_statements, prop, value)))

    def search_text(self, words: str, *, limit: int = 50) -> list[str]:
        return list(self._once(("search", words, limit), partial(self.client.search_text, words, limit=limit)))


def empty_prefix(text: str, empty: Iterable[tuple[str, str]]) -> bool:
    """Whether ``text``'s prefix search is known to find nothing: a literal start of it (``empty``:
    (text, language) of searches that found nothing) found nothing. ``wbsearchentities`` matches the
    labels and aliases that start with the text (WikibaseCirrusSearch: ``labels_all.prefix``, plus an
    exact ``near_match`` that is a prefix match too; the bare SQL term search: ``LIKE 'text%'``; the
    sandbox: the same), its text normalised letter by letter (case, accents) and trimmed — so every
    label starting with ``text`` starts with any literal start of it, and an empty answer for the
    start is an empty answer for ``text``, whatever the limit. Not for a text holding a digit: an
    entity id (« Q42 ») is found by id, not by prefix."""
    text = text.strip()
    if not text or any(ch.isdigit() for ch in text):
        return False
    return any(start and text.startswith(start) for start, _ in empty)


class ApiSource:
    """Candidates through ``wbsearchentities`` and ``haswbstatement``; facts by ``wbgetentities``
    (50 ids a request, only the properties matching reads). Falls back to the other language only
    when the first search finds nothing, and to the parts of a composite name only then too."""

    def __init__(self, client: WikibaseLike, *, languages: Sequence[str] = ("fr", "en"), limit: int = 7,
                 format_patterns: Mapping[str, str] | None = None, statement_search: str = HASWBSTATEMENT,
                 sparql: StatementFinder | None = None, concept_base: str | None = None) -> None:
        """``statement_search``: how identifiers and websites are looked up — ``haswbstatement``
        (CirrusSearch), ``sparql`` (``sparql`` is then the query service) or ``none`` (cannot be asked)."""
        self.client = client
        self.languages = tuple(languages)
        self.limit = limit
        self.patterns = dict(format_patterns or {})
        self.statement_search = statement_search if statement_search != SPARQL or sparql else NO_STATEMENT_SEARCH
        self.sparql = sparql
        self.concept_base = concept_base
        self._probes: list[tuple[str, str, list[str]]] = []  # (longer name, language, its start's ids)

    def for_run(self) -> ApiSource:
        """The same source, its searches asked once for the run (``RunMemo``); ``Finder`` calls it."""
        return ApiSource(RunMemo(self.client), languages=self.languages, limit=self.limit,
                         format_patterns=self.patterns, statement_search=self.statement_search,
                         sparql=self.sparql, concept_base=self.concept_base)

    def search(self, names: Sequence[str], language: str) -> list[str]:
        """The name, then its parts (a composite « A / B »), one prefix search each until one finds
        something. Never the same text in another language: ``wbsearchentities`` without
        ``strictlanguage`` already filters on the labels and aliases of every language
        (WikibaseCirrusSearch's ``labels_all.prefix``; the language only ranks), so a second language
        finds the same items again. Shorter prefixes are the widening rounds' business (``run``)."""
        for text in names:
            out = _ids_of(self.client.search_entities(text, language=language, type="item", limit=self.limit))
            if out:
                return list(dict.fromkeys(out))
        return []

    def probe_names(self, names: Sequence[str], language: str) -> list[str]:
        """Before ``search`` of ``names``: for a name that a later name of the same lookup starts
        (« Refuge Pageau (bureau principal) » / « Refuge Pageau », a legal form or a second part after
        the name), the shorter one's prefix search asked first; the ids it found, whose facts the caller
        loads before ``settle_probes``. Only when this source's searches are asked once per run
        (``for_run``): the longer name is ruled out there, and ``search`` asks the shorter one anyway
        when the longer finds nothing, so the probe costs nothing more then."""
        if not isinstance(self.client, RunMemo):
            return []
        found: list[str] = []
        for i, text in enumerate(names):
            starts = [n for n in names[i + 1:] if n.strip() and n.strip() != text.strip()
                      and text.strip().startswith(n.strip())]
            if not starts or any(ch.isdigit() for ch in text):
                continue
            start = max(starts, key=len)
            ids = self.search_text(start, language)
            self._probes.append((text, language, ids))
            found += ids
        return found

    def settle_probes(self, facts_of: Callable[[str], Facts | None]) -> None:
        """Rule out (``RunMemo.rule_out``) each probed longer name that no item of its shorter start's
        answer can match: that answer was not cut at the limit, so it holds every item whose label or
        alias starts with the start — every item the longer name could find (see ``empty_prefix``) —
        and none of them has a label or alias starting with the longer name, even folded (case,
        accents, punctuation: coarser than any search's normalisation). Its search would find nothing."""
        probes, self._probes = self._probes, []
        if not isinstance(self.client, RunMemo):
            return
        for text, language, ids in probes:
            if len(ids) >= self.limit:
                continue
            facts = [facts_of(i) for i in ids]
            target = fold(text)
            if target and all(f is not None and not any(fold(t).startswith(target) for _, _, t in f.names())
                              for f in facts):
                self.client.rule_out(text, language)

    def search_text(self, text: str, language: str) -> list[str]:
        """One prefix search, no fallback: the widening rounds of the stage choose the texts."""
        return list(dict.fromkeys(_ids_of(self.client.search_entities(text, language=language, type="item",
                                                                      limit=self.limit))))

    def search_words(self, text: str, language: str) -> list[str]:
        """One full-text search (``list=search``, CirrusSearch) for the distinctive words of ``text``
        in any order: finds what a prefix search cannot — a leading article or "Festival de" added,
        words swapped, a hyphen or apostrophe typed otherwise."""
        words = search_words_of(text)
        if not words:
            return []
        return list(dict.fromkeys(q for q in self.client.search_text(words, limit=self.limit) if q[:1] == "Q"))

    def search_fuzzy(self, query: str, language: str) -> list[str]:
        """One full-text search whose long words are fuzzy (``fuzzy_words_of``: "festval~ cinema~"):
        a one-letter slip anywhere in a word, even the first letter, which no prefix defeats."""
        if not query:
            return []
        return list(dict.fromkeys(q for q in self.client.search_text(query, limit=self.limit) if q[:1] == "Q"))

    def _any_of(self, prop: str, values: Sequence[str], *, as_iri: bool = False) -> list[str]:
        """One request for several spellings: ``haswbstatement`` (``P=a|P=b``: OR, as CirrusSearch) or
        one SPARQL query; raises LookupNotAsked when neither can be asked or the request failed."""
        if not values:
            return []
        if self.statement_search == NO_STATEMENT_SEARCH:
            raise LookupNotAsked(NOT_ASKED_WHY)
        try:
            if self.statement_search == SPARQL and self.sparql is not None:
                return self.sparql.items_with(prop, list(values), as_iri=as_iri, concept_base=self.concept_base)
            joined = values[0] + "".join(f"|{prop}={v}" for v in values[1:])
            return _ids_of(self.client.search_statements(prop, joined))
        except WikiError as exc:
            raise LookupNotAsked(f"la recherche a échoué / the lookup failed: {exc.message}") from None

    def by_identifier(self, prop: str, value: str) -> list[str]:
        return self._any_of(prop, identifier_variants(value, self.patterns.get(prop)))

    def by_website(self, url: str) -> list[str]:
        return self._any_of("P856", url_variants(url), as_iri=True)

    def fetch(self, ids: list[str]) -> dict[str, Facts]:
        out: dict[str, Facts] = {}
        for start in range(0, len(ids), 50):
            got = self.client.get_entities(ids[start:start + 50], props=("labels", "aliases", "descriptions",
                                                                        "claims", "info"))
            for qid, entity in got.items():
                if isinstance(entity, Mapping) and "missing" not in entity and entity.get("id"):
                    out[qid] = facts_from_entity(entity)
        return out


NamesakeFinder = SparqlLike  # a query service's SELECT (``SparqlClient``)


class RegionalSource:
    """The WikiProject's items held locally (an index of the region, refreshed by revision at each run:
    ``sources.regional_source``) and the wiki's API for what they do not settle.

    ``stage.reconcile_inputs`` runs the rows against the index first (``CellsFirst``: no request but
    the item cells' searches); the rows it does not settle run again against this source, whose answers
    are the index's candidates plus the API's: a name that is not the region's may be an item elsewhere
    on the wiki. Facts of items the index holds are read from it (fresh: refreshed at the start of the
    run), the others by ``wbgetentities``. Both passes share one run (``for_run``: one memory of
    requests), so nothing is asked twice."""

    def __init__(self, index: LocalIndex, api: ApiSource, *, sparql: NamesakeFinder | None = None,
                 concept_base: str | None = None, settled: Iterable[Sequence[str]] = (),
                 memory: dict[str, Facts] | None = None) -> None:
        self.index = index
        self.api = api
        self.local = IndexSource(index)
        self.limit = api.limit
        self.sparql = sparql
        self.concept_base = concept_base
        self.settled = frozenset(names_key(n) for n in settled)
        self.memory = memory  # facts read through the API in this run (None: not a run's source)

    def _copy(self, api: ApiSource, settled: Iterable[Sequence[str]], memory: dict[str, Facts]) -> RegionalSource:
        return RegionalSource(self.index, api, sparql=self.sparql, concept_base=self.concept_base,
                              settled=settled, memory=memory)

    def for_run(self) -> RegionalSource:
        """The source of one run (its API searches and facts remembered); already one, itself."""
        return self if self.memory is not None else self._copy(self.api.for_run(), [], {})

    def settling(self, names: Iterable[Sequence[str]]) -> RegionalSource:
        """This source, its name searches for ``names`` (``search_names`` of values the first pass
        already MATCHed: a row's entity whose municipality is left, a town cell of a row left) answered
        by the index alone: the second pass asks the wiki only about what the first did not settle."""
        return self._copy(self.api, [*self.settled, *names], self.memory if self.memory is not None else {})

    def contested(self, qids: Iterable[str]) -> set[str]:
        """Those of ``qids`` (items of the index the first pass MATCHed) whose label in one of the
        project's languages is
        also the label or alias of an item the index does not hold: « Ville-Marie », the Témiscamingue
        town, and the Montréal borough of that name. The index saw one, the API would show both: such a
        MATCH is not settled by the index. One SPARQL query per 100 labels; without a query service, or
        if it fails, every one is contested (the API decides)."""
        facts = self.local.fetch(sorted(set(qids)))
        if self.sparql is None:
            return set(facts)
        names = [(lang, text) for f in facts.values() for lang, text in f.labels.items() if lang in self.api.languages]
        try:
            holders = namesakes(self.sparql, names, concept_base=self.concept_base)
        except WikiError:
            return set(facts)
        outside = {h for hs in holders.values() for h in hs}
        outside -= set(self.local.fetch(sorted(outside)))
        return {q for q, f in facts.items()
                if any(holders.get(t, set()) & outside for lang, t in f.labels.items() if lang in self.api.languages)}

    def search(self, names: Sequence[str], language: str) -> list[str]:
        local = self.local.search(names, language)
        if names_key(names) in self.settled:
            return local
        return list(dict.fromkeys([*local, *self.api.search(names, language)]))

    # One shorter-prefix widening round, not two: the items of the region, which a regional sheet names,
    # were already matched by the index, folded and fuzzily (trigrams, initials, acronyms); the rounds
    # only look for items elsewhere on the wiki. (The API alone keeps two: recon_robustness loses recall
    # with one.)
    prefix_rounds = 1

    def search_text(self, text: str, language: str) -> list[str]:
        return self.api.search_text(text, language)

    def search_words(self, text: str, language: str) -> list[str]:
        return self.api.search_words(text, language)

    def search_fuzzy(self, query: str, language: str) -> list[str]:
        return self.api.search_fuzzy(query, language)

    def by_identifier(self, prop: str, value: str) -> list[str]:
        """The index's holders when it has one (the region's item), else the wiki's lookup."""
        return self.local.by_identifier(prop, value) or self.api.by_identifier(prop, value)

    def by_website(self, url: str) -> list[str]:
        return self.local.by_website(url) or self.api.by_website(url)

    def fetch(self, ids: list[str]) -> dict[str, Facts]:
        """From the index, else from the run's memory, else by ``wbgetentities`` (remembered)."""
        out = self.local.fetch(ids)
        memory = self.memory if self.memory is not None else {}
        out.update({i: memory[i] for i in ids if i not in out and i in memory})
        rest = [i for i in ids if i not in out]
        if rest:
            got = self.api.fetch(rest)
            memory.update(got)
            out.update(got)
        return out


def names_key(names: Iterable[str]) -> tuple[str, ...]:
    """The names of one lookup, folded and sorted: two spellings of one lookup share it."""
    return tuple(sorted({fold(n) for n in names}))


def search_words_of(text: str) -> str:
    """The words a full-text search must find: the cored name (no article, "Ville de", legal form,
    year), words of one letter dropped; "" when fewer than two words remain (one common word alone
    finds too much, one rare word was already a prefix search)."""
    words = [w for w in core(text).split() if len(w) > 1]
    return " ".join(words) if len(words) >= 2 else ""


FUZZY_MIN_LETTERS = 5  # shorter words stay exact: "cine~" would stand for too many words


def fuzzy_words_of(text: str) -> str:
    """The full-text query of the last widening round: the distinctive words (``search_words_of``), each
    plain word of ≥ 5 letters made fuzzy (``word~``: CirrusSearch's AUTO edit distance, 1 for 5 letters,
    2 beyond); "" when there are fewer than two words or none long enough to fuzz."""
    words = search_words_of(text).split()
    fuzzed = [w + "~" if len(w) >= FUZZY_MIN_LETTERS and w.isalnum() else w for w in words]
    return " ".join(fuzzed) if fuzzed != words else ""


def search_names(query: ReconQuery) -> list[str]:
    """The texts to search for: the name, its parts, other names; deduplicated by folded form."""
    out: dict[str, str] = {}
    for t in (query.text, *query.other_names):
        for part in name_parts(t):
            out.setdefault(fold(part), part)
    return [t for k, t in out.items() if k]


class Finder:
    """Gathers candidate ids for queries from a source, each distinct lookup asked once per run.

    Name searches always run; identifier and website lookups (``statement_ids``) are asked only by
    the caller, which skips them when a name candidate already holds the value."""

    def __init__(self, source: CandidateSource) -> None:
        # A source that can remember its requests for the run does (ApiSource.for_run): two rows whose
        # lookups overlap — a town searched as a cell and as a widening text — cost one request.
        for_run = getattr(source, "for_run", None)
        self.source: CandidateSource = for_run() if callable(for_run) else source
        self._search: dict[tuple[tuple[str, ...], str], list[str]] = {}
        self._ids: dict[tuple[str, str], list[str]] = {}
        self._web: dict[str, list[str]] = {}
        self._text: dict[tuple[str, str], list[str]] = {}
        self._not_asked: dict[str, str] = {}  # "P214 = 123" → why it could not be asked
        self._waiting: set[tuple[tuple[str, ...], str]] = set()  # lookups probed, until ``settle_probes``

    @staticmethod
    def _key(names: Sequence[str], language: str) -> tuple[tuple[str, ...], str]:
        # By folded text, not by core: "Municipalité de Kapuskasing" and "Kapuskasing" share a core
        # but not a prefix search — keyed by core, the first one's empty answer was the other's too.
        return tuple(sorted({fold(n) for n in names})), language

    def name_ids(self, query: ReconQuery) -> list[str]:
        names = search_names(query)
        key = self._key(names, query.language)
        if key not in self._search:
            self._search[key] = self.source.search(names, query.language)
        return self._search[key]

    def probe(self, queries: Iterable[ReconQuery]) -> list[str]:
        """The shorter names asked first where a source can rule longer ones out
        (``ApiSource.probe_names``): the ids found, for the caller to load before ``settle_probes``."""
        probe = getattr(self.source, "probe_names", None)
        if probe is None:
            return []
        found: list[str] = []
        for query in queries:
            names = search_names(query)
            key = self._key(names, query.language)
            if key not in self._search and key not in self._waiting:
                ids = probe(names, query.language)
                if ids:  # an empty start already answers the longer name (``RunMemo``): nothing to wait for
                    self._waiting.add(key)
                found += ids
        return found

    def waiting(self, query: ReconQuery) -> bool:
        """Whether the query's name search waits for ``settle_probes`` (its start found items)."""
        return self._key(search_names(query), query.language) in self._waiting

    def settle_probes(self, facts_of: Callable[[str], Facts | None]) -> None:
        self._waiting.clear()
        settle = getattr(self.source, "settle_probes", None)
        if settle is not None:
            settle(facts_of)

    @property
    def can_widen(self) -> bool:
        """Whether the source takes extra prefix searches (the API); the index matches fuzzily anyway."""
        return hasattr(self.source, "search_text")

    def search_text(self, text: str, language: str) -> list[str]:
        key = ("text:" + fold(text), language)
        if key not in self._text:
            self._text[key] = self.source.search_text(text, language)  # type: ignore[attr-defined]
        return self._text[key]

    def prefix_rounds(self, default: int) -> int:
        """How many shorter-prefix widening rounds the source wants (``RegionalSource``: one)."""
        return int(getattr(self.source, "prefix_rounds", default))

    @property
    def can_search_words(self) -> bool:
        return hasattr(self.source, "search_words")

    def search_words(self, text: str, language: str) -> list[str]:
        """The full-text search of ``text``'s distinctive words. Asked fuzzy at once when the source
        can (``fuzzy_words_of``): a fuzzy word matches the exact word too, so the fuzzy answer holds
        every item the exact one would — unless it is cut at the source's limit, and only then is the
        exact search asked as well. The last widening round then asks nothing more for the row."""
        key = ("words:" + search_words_of(text), language)
        if key not in self._text:
            fuzzy = fuzzy_words_of(text) if self.can_search_fuzzy else ""
            found = self.search_fuzzy(fuzzy, language) if fuzzy else []
            limit = getattr(self.source, "limit", 0)
            if not fuzzy or (limit and len(found) >= limit):
                found = list(dict.fromkeys([*self.source.search_words(text, language),  # type: ignore[attr-defined]
                                            *found]))
            self._text[key] = found
        return self._text[key]

    @property
    def can_search_fuzzy(self) -> bool:
        return hasattr(self.source, "search_fuzzy")

    def search_fuzzy(self, query: str, language: str) -> list[str]:
        """``query`` is a ``fuzzy_words_of`` text: rows with the same distinctive words share it."""
        key = ("fuzzy:" + query, language)
        if key not in self._text:
            self._text[key] = self.source.search_fuzzy(query, language)  # type: ignore[attr-defined]
        return self._text[key]

    def widen(self, query: ReconQuery, ids: Sequence[str]) -> None:
        """Add ``ids`` (found by a shorter search) to the query's name candidates."""
        key = self._key(search_names(query), query.language)
        found = self._search.setdefault(key, [])
        self._search[key] = list(dict.fromkeys([*found, *ids]))

    def statement_ids(self, query: ReconQuery) -> list[str]:
        found: list[str] = []
        for prop, value in query.identifiers:
            k = (prop, value)
            if k not in self._ids:
                self._ids[k] = self._ask(f"{prop} = {value}", partial(self.source.by_identifier, prop, value))
            found += self._ids[k]
        for url in query.websites:
            if url not in self._web:
                self._web[url] = self._ask(f"P856 = {url}", partial(self.source.by_website, url))
            found += self._web[url]
        return found

    def _ask(self, what: str, lookup: Callable[[], list[str]]) -> list[str]:
        try:
            return lookup()
        except LookupNotAsked as exc:
            self._not_asked[what] = exc.reason
            return []

    def not_asked(self, query: ReconQuery) -> list[str]:
        """« P214 = 123 : why » for each of the query's identifier/website lookups that could not be asked."""
        keys = [f"{p} = {v}" for p, v in query.identifiers] + [f"P856 = {u}" for u in query.websites]
        return [f"{k} : {self._not_asked[k]}" for k in keys if k in self._not_asked]

    def candidate_ids(self, query: ReconQuery) -> list[str]:
        """Names, plus whatever identifier/website lookups were already made for this query."""
        found = list(self.name_ids(query))
        found += [q for p, v in query.identifiers for q in self._ids.get((p, v), ())]
        found += [q for u in query.websites for q in self._web.get(u, ())]
        return list(dict.fromkeys(found))
