"""SparqlClient against a scripted SPARQL endpoint over real HTTP, and against the sandbox's /sparql."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests
from conftest import KB
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from wikiclub.adapters.sparql import SparqlClient, entity_id
from wikiclub.errors import ApiError, QueryTimeoutError, RetryableError

SELECT_ANSWER = {
    "head": {"vars": ["item", "label", "n", "d", "x", "ok", "when"]},
    "results": {"bindings": [
        {"item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q42"},
         "label": {"type": "literal", "value": "Douglas", "xml:lang": "fr"},
         "n": {"type": "literal", "value": "42", "datatype": "http://www.w3.org/2001/XMLSchema#integer"},
         "d": {"type": "literal", "value": "1.50", "datatype": "http://www.w3.org/2001/XMLSchema#decimal"},
         "x": {"type": "literal", "value": "2.5E0", "datatype": "http://www.w3.org/2001/XMLSchema#double"},
         "ok": {"type": "literal", "value": "true", "datatype": "http://www.w3.org/2001/XMLSchema#boolean"},
         "when": {"type": "literal", "value": "-0500-01-01T00:00:00Z",
                  "datatype": "http://www.w3.org/2001/XMLSchema#dateTime"}},
        {"item": {"type": "bnode", "value": "b0"}},
    ]},
}


class Endpoint:
    """A SPARQL endpoint that plays a script of (status, headers, body) answers and records requests."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str], str]] = []
        self.seen: list[dict[str, str]] = []
        self.delay = 0.0  # seconds before answering

    def __call__(self, environ: dict, start_response):  # noqa: ANN204
        request = Request(environ)
        self.seen.append({"method": request.method, "query": request.form.get("query", ""),
                          "accept": request.headers.get("Accept", ""),
                          "ua": request.headers.get("User-Agent", "")})
        time.sleep(self.delay)
        status, headers, body = self.script.pop(0) if self.script else (200, {}, json.dumps(SELECT_ANSWER))
        return Response(body, status=status, headers=headers,
                        content_type="application/sparql-results+json")(environ, start_response)


@pytest.fixture
def endpoint() -> Iterator[tuple[Endpoint, str]]:
    app = Endpoint()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}/sparql"
    server.shutdown()
    server.server_close()


def client(url: str, slept: list[float], **kw: object) -> SparqlClient:
    session = requests.Session()
    session.headers["User-Agent"] = "wikiclub-test"
    return SparqlClient(url, session, sleep=slept.append, **kw)  # type: ignore[arg-type]


def test_select_converts_values(endpoint: tuple[Endpoint, str]) -> None:
    app, url = endpoint
    rows = client(url, []).select("SELECT * WHERE { ?s ?p ?o }")
    assert rows[0] == {"item": "http://www.wikidata.org/entity/Q42", "label": "Douglas", "n": 42,
                       "d": Decimal("1.50"), "x": 2.5, "ok": True, "when": "-0500-01-01T00:00:00Z"}
    assert rows[1] == {"item": "b0"}
    assert app.seen[0]["method"] == "POST" and app.seen[0]["query"].startswith("SELECT")
    assert "application/sparql-results+json" in app.seen[0]["accept"]
    assert app.seen[0]["ua"] == "wikiclub-test"


def test_select_terms_keep_types(endpoint: tuple[Endpoint, str]) -> None:
    _, url = endpoint
    row = client(url, []).select_terms("SELECT …")[0]
    assert row["label"].lang == "fr" and row["label"].type == "literal"
    assert row["item"].type == "uri" and entity_id(row["item"].value) == "Q42"
    assert row["n"].lexical == "42" and row["n"].datatype.endswith("#integer")


def test_429_waits_retry_after_then_succeeds(endpoint: tuple[Endpoint, str]) -> None:
    app, url = endpoint
    app.script = [(429, {"Retry-After": "7"}, "Too Many Requests"),
                  (503, {}, "busy"), (200, {}, json.dumps({"head": {}, "boolean": True}))]
    slept: list[float] = []
    assert client(url, slept).ask("ASK { ?s ?p ?o }") is True
    assert slept == [7.0, 4.0]  # Retry-After honoured; then exponential back-off
    assert len(app.seen) == 3


def test_retries_are_capped(endpoint: tuple[Endpoint, str]) -> None:
    app, url = endpoint
    app.script = [(503, {"Retry-After": "1"}, "busy")] * 3
    slept: list[float] = []
    with pytest.raises(RetryableError) as err:
        client(url, slept, max_attempts=3).select("SELECT …")
    assert err.value.http_status == 503 and slept == [1.0, 1.0] and len(app.seen) == 3


def test_server_side_timeout_is_typed_and_not_retried(endpoint: tuple[Endpoint, str]) -> None:
    app, url = endpoint
    app.script = [(500, {}, "java.util.concurrent.ExecutionException: "
                            "java.util.concurrent.TimeoutException")]
    with pytest.raises(QueryTimeoutError):
        client(url, []).select("SELECT …")
    assert len(app.seen) == 1


def test_client_side_timeout_is_typed(endpoint: tuple[Endpoint, str]) -> None:
    app, url = endpoint
    app.delay = 1.0
    with pytest.raises(QueryTimeoutError, match="split"):
        client(url, [], timeout=0.2).select("SELECT …")


def test_malformed_query_is_an_api_error(endpoint: tuple[Endpoint, str]) -> None:
    app, url = endpoint
    app.script = [(400, {}, "MalformedQueryException: Encountered \" \"}\" at line 1")]
    with pytest.raises(ApiError, match="MalformedQueryException") as err:
        client(url, []).select("SELECT {")
    assert err.value.code == "sparql-malformed"
    app.script = [(200, {}, json.dumps(SELECT_ANSWER))]
    with pytest.raises(ApiError, match="boolean"):
        client(url, []).ask("SELECT …")


def test_against_the_sandbox_endpoint(kb_sandbox) -> None:  # noqa: ANN001
    kb = [json.loads(line) for line in KB.read_text("utf-8").splitlines() if line.strip()]
    item = next(e for e in kb if e["type"] == "item" and "fr" in e.get("labels", {}))
    session = requests.Session()
    sparql = SparqlClient(kb_sandbox.sparql_url, session)
    rows = sparql.select(f"""
        SELECT ?label WHERE {{ wd:{item["id"]} rdfs:label ?label . FILTER(LANG(?label) = "fr") }}""")
    assert rows == [{"label": item["labels"]["fr"]["value"]}]
    count = sparql.select("SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i wdt:P31 ?c }")
    assert count == [{"n": sum(1 for e in kb if e.get("claims", {}).get("P31"))}]
    assert sparql.ask(f"ASK {{ wd:{item['id']} ?p ?o }}") is True
    assert sparql.ask("ASK { wd:Q999999999 ?p ?o }") is False
    with pytest.raises(ApiError, match="malformed"):
        sparql.select("SELECT ?x WHERE {")
