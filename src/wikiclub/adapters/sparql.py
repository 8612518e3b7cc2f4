"""``SparqlClient``: SELECT and ASK against a SPARQL 1.1 endpoint (WDQS, QLever, the sandbox).

Follows the Wikidata Query Service usage policy: one query at a time (never parallel), POST as a
form (long queries do not fit in a URL), a descriptive User-Agent (the session's), and on HTTP 429
wait what Retry-After says before the next query. 500/502/503/504 are retried with back-off —
except a query *timeout*: WDQS answers a query that ran past its 60 s limit with HTTP 500 and a
``java.util.concurrent.TimeoutException`` in the body; repeating it would only time out again, so
that (and our own read timeout) raises :class:`~wikiclub.errors.QueryTimeoutError` at once and the
caller can split the query (fewer items per VALUES block, one region at a time …).

Results are plain Python values: URIs as ``str``, ``xsd:integer`` & co. as ``int``, ``xsd:decimal``
as ``Decimal``, ``xsd:double``/``float`` as ``float``, ``xsd:boolean`` as ``bool``, everything else
(dates included, which may be BCE) as the lexical ``str``. :meth:`SparqlClient.select_terms` keeps
the RDF term kind, datatype and language next to the value.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import requests

from ..errors import ApiError, QueryTimeoutError, RetryableError, TransportError
from .mwerrors import parse_retry_after
from .waits import WaitCallback, WaitEvent

log = logging.getLogger(__name__)

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                    "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                    "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
_FLOAT_TYPES = {XSD + "double", XSD + "float"}
_TIMEOUT_MARKERS = ("TimeoutException", "Query timeout", "query timed out", "timeout exceeded")
RESULTS_JSON = "application/sparql-results+json"


@dataclass(frozen=True)
class Term:
    """One bound value: ``type`` is ``uri``, ``literal`` or ``bnode``."""

    value: Any
    type: str
    lexical: str
    datatype: str | None = None
    lang: str | None = None


def convert_term(binding: dict[str, str]) -> Term:
    kind = binding.get("type", "literal")
    if kind == "typed-literal":  # SPARQL results JSON from old endpoints
        kind = "literal"
    lexical = binding.get("value", "")
    datatype = binding.get("datatype")
    value: Any = lexical
    if kind == "literal" and datatype:
        try:
            if datatype in _INTEGER_TYPES:
                value = int(lexical)
            elif datatype == XSD + "decimal":
                value = Decimal(lexical)
            elif datatype in _FLOAT_TYPES:
                value = float(lexical)
            elif datatype == XSD + "boolean":
                value = lexical.strip() in ("true", "1")
        except (ValueError, InvalidOperation):
            value = lexical  # an ill-typed literal stays text rather than failing the whole report
    return Term(value=value, type=kind, lexical=lexical, datatype=datatype, lang=binding.get("xml:lang"))


def entity_id(uri: str, concept_base: str = "http://www.wikidata.org/entity/") -> str | None:
    """``http://www.wikidata.org/entity/Q42`` → ``Q42`` (None for other URIs)."""
    return uri[len(concept_base):] if uri.startswith(concept_base) else None


WIKIDATA_CONCEPT_BASE = "http://www.wikidata.org/entity/"


def sparql_prefixes(concept_base: str | None = None) -> str:
    """PREFIX lines for the Wikidata RDF mapping under a site's concept base (``wd:`` = the concept
    base, ``wdt:``/``p:``/``ps:``/``pq:``/``pr:`` beside it, as Wikibase's RDF builder names them), plus
    the vocabularies the queries use. A standard endpoint (QLever, Blazegraph without WDQS's built-in
    prefixes, the sandbox) answers « Prefix not found » without them."""
    base = concept_base or WIKIDATA_CONCEPT_BASE
    root = base[: -len("entity/")] if base.endswith("entity/") else base
    lines = [f"PREFIX wd: <{base}>", f"PREFIX wdt: <{root}prop/direct/>", f"PREFIX p: <{root}prop/>",
             f"PREFIX ps: <{root}prop/statement/>", f"PREFIX pq: <{root}prop/qualifier/>",
             f"PREFIX pr: <{root}prop/reference/>", "PREFIX wikibase: <http://wikiba.se/ontology#>",
             "PREFIX schema: <http://schema.org/>", "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>",
             "PREFIX prov: <http://www.w3.org/ns/prov#>"]
    return "\n".join(lines) + "\n"


_BAD_IRI = re.compile(r'[\s<>"{}|^`\\]')


def statement_query(prop: str, values: list[str], *, as_iri: bool, concept_base: str | None = None,
                    limit: int = 50) -> str:
    """Items having ``prop`` = any of ``values`` (identifiers as strings, websites as IRIs)."""
    if not re.fullmatch(r"P[1-9]\d*", prop):
        raise ValueError(f"not a property id: {prop!r}")
    if as_iri:
        terms = [f"<{v}>" for v in values if v and not _BAD_IRI.search(v)]
    else:
        terms = ['"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"' for v in values]
    return (f"{sparql_prefixes(concept_base)}SELECT DISTINCT ?item WHERE {{ VALUES ?value {{ {' '.join(terms)} }} "
            f"?item wdt:{prop} ?value . }} LIMIT {limit}")


class SparqlClient:
    def __init__(self, endpoint: str, session: requests.Session, *, timeout: float = 65.0,
                 connect_timeout: float = 10.0, max_attempts: int = 5,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.endpoint = endpoint
        self.session = session
        self.timeout = (connect_timeout, timeout)
        self.max_attempts = max(1, max_attempts)
        self.sleep = sleep
        self.requests_made = 0
        self._listeners: list[WaitCallback] = []

    @classmethod
    def from_settings(cls, settings: Any, session: requests.Session) -> SparqlClient:
        """The client of ``settings``' site's query service (its ``sparql_url``), with its timeouts."""
        return cls(settings.site.sparql_url or "", session, timeout=settings.sparql_timeout,
                   connect_timeout=settings.connect_timeout, max_attempts=settings.retries)

    def on_wait(self, callback: WaitCallback) -> Callable[[], None]:
        """Call ``callback(event)`` before every wait (as ``WikibaseClient.on_wait``)."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def items_with(self, prop: str, values: list[str], *, as_iri: bool = False,
                   concept_base: str | None = None) -> list[str]:
        """Ids of items with ``prop`` = one of ``values`` (one query): identifier and website lookups
        on a wiki whose search has no ``haswbstatement``."""
        if not values:
            return []
        base = concept_base or WIKIDATA_CONCEPT_BASE
        rows = self.select(statement_query(prop, values, as_iri=as_iri, concept_base=base))
        return [q for q in (entity_id(str(r.get("item", "")), base) for r in rows) if q]

    def select_terms(self, query: str) -> list[dict[str, Term]]:
        answer = self._query(query)
        rows = answer.get("results", {}).get("bindings", [])
        return [{var: convert_term(b) for var, b in row.items()} for row in rows]

    def select(self, query: str) -> list[dict[str, Any]]:
        """Rows of a SELECT, as ``{variable: plain value}`` (unbound variables are absent)."""
        return [{var: term.value for var, term in row.items()} for row in self.select_terms(query)]

    def ask(self, query: str) -> bool:
        answer = self._query(query)
        if "boolean" not in answer:
            raise ApiError("ASK: la réponse n'a pas de booléen / the answer has no boolean",
                           "is this an ASK query?", code="sparql-not-ask")
        return bool(answer["boolean"])

    def _query(self, query: str) -> dict[str, Any]:
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send(query)
            except RetryableError as exc:
                if attempt >= self.max_attempts:
                    raise
                delay = exc.retry_after if exc.retry_after is not None else min(2.0 ** attempt, 60.0)
                event = WaitEvent("ratelimit" if exc.http_status == 429 else "retry", delay, "sparql",
                                  f"{exc.code}: {exc.message}"[:200], attempt, self.max_attempts, exc.code or "")
                log.info("SPARQL: %s", event.text())
                for callback in list(self._listeners):
                    callback(event)
                self.sleep(delay)

    def _send(self, query: str) -> dict[str, Any]:
        self.requests_made += 1
        try:
            response = self.session.post(self.endpoint, data={"query": query},
                                         headers={"Accept": RESULTS_JSON}, timeout=self.timeout)
        except requests.ReadTimeout:
            raise QueryTimeoutError(f"Requête SPARQL trop longue / SPARQL query took more than "
                                    f"{self.timeout[1]:g} s", "split the query (fewer items or one "
                                    "region at a time) or raise sparql_timeout",
                                    code="sparql-timeout") from None
        except requests.RequestException as exc:
            raise RetryableError(f"SPARQL: {exc.__class__.__name__} talking to {self.endpoint}",
                                 "check the endpoint URL and the network", code="network") from None
        status, text = response.status_code, response.text
        if status >= 500 and any(marker in text for marker in _TIMEOUT_MARKERS):
            raise QueryTimeoutError("Le service a arrêté la requête / the query service stopped the "
                                    "query (timeout)", "split the query (fewer items per request)",
                                    code="sparql-timeout", http_status=status)
        if status == 429 or status in (500, 502, 503, 504):
            raise RetryableError(f"SPARQL HTTP {status}", "the query service is busy; try later",
                                 code=f"http-{status}", http_status=status,
                                 retry_after=parse_retry_after(response.headers.get("Retry-After")))
        if status == 400:
            first = text.strip().splitlines()[0][:300] if text.strip() else ""
            raise ApiError(f"Requête SPARQL invalide / malformed SPARQL query: {first}",
                           "fix the query's syntax", code="sparql-malformed", info=text[:2000],
                           http_status=status)
        if status >= 400:
            raise TransportError(f"SPARQL HTTP {status} from {self.endpoint}",
                                 "is this the URL of a SPARQL endpoint?", code=f"http-{status}",
                                 http_status=status)
        try:
            answer = response.json()
        except ValueError:
            raise TransportError(f"SPARQL: réponse non JSON / the answer is not JSON from {self.endpoint}",
                                 "is this the URL of a SPARQL endpoint?", code="not-json",
                                 http_status=status) from None
        if not isinstance(answer, dict):
            raise TransportError("SPARQL: unexpected answer", "is this a SPARQL endpoint?", code="not-json")
        return answer
