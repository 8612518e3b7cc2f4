"""``wikiclub reconcile serve``: the service's answers (reconcile/serve.py) and its Flask front end (web/).

The schemas are the Reconciliation Service API 0.2's own (tests/data/reconciliation-api-0.2); the
spec's valid examples must pass them and its invalid examples fail them, so a validator that accepts
anything cannot hide a wrong answer. These tests run on a local index built from a real dump file
(tests/data/kb.jsonl, plus hostile labels); test_serve_openrefine.py and test_serve_equivalence.py run
against the sandbox wiki over HTTP.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from wikiclub.adapters.index import LocalIndex, build_from_dump
from wikiclub.cli import main
from wikiclub.config import BUILTIN_SITES, SiteConfig
from wikiclub.facts import Facts
from wikiclub.reconcile.candidates import CandidateSource, IndexSource
from wikiclub.reconcile.model import Decision, Feature, Match, ScoredCandidate
from wikiclub.reconcile.serve import ReconService, _scores, build_service, jsonp, site_info
from wikiclub.reconcile.serve_query import Limits, RequestError, parse_batch
from wikiclub.sheets.mapping import load_mapping
from wikiclub.sheets.properties import PropertyCatalog
from wikiclub.web.reconcile import create_app

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from _openrefine import openrefine_queries, profile_type  # noqa: E402, F401  (shared with serve_cost.py)

DATA = ROOT / "tests" / "data"
SPEC = DATA / "reconciliation-api-0.2"
MAPPINGS = sorted((ROOT / "mappings").glob("*.yaml"))
BASE = "http://127.0.0.1:8766/reconcile"


# ---- the specification's schemas ------------------------------------------------------------------

def _schemas() -> tuple[dict[str, dict[str, Any]], Registry]:
    schemas: dict[str, dict[str, Any]] = {}
    resources = []
    for path in sorted((SPEC / "schemas").glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        schemas[path.stem] = contents
        # manifest.json refers to Swagger 2.0's schema (openapi.json) by its URL: resolved here, offline
        resources.append((contents["$id"].rstrip("#"), Resource.from_contents(contents, default_specification=DRAFT7)))
    return schemas, Registry().with_resources(resources)


SCHEMAS, REGISTRY = _schemas()
# example folders without a schema of their own: the part of a schema that describes them
SUBSCHEMAS = {
    "data-extension-metadata": ("manifest", "/properties/extend"),
    "preview-metadata": ("manifest", "/properties/preview"),
    "suggest-metadata": ("manifest", "/properties/suggest"),
    "reconciliation-candidate": ("reconciliation-result-batch", "/patternProperties/^.*$/properties/result/items"),
}
# no schema: flyout answers (the service has no flyout), preview HTML, and security schemes written in
# OpenAPI 3's form ("type": "http") that the manifest's Swagger 2.0 reference does not describe
UNCHECKED = ("flyout-response", "preview-response", "security-scheme")


def validator(kind: str) -> Draft7Validator:
    if kind in SCHEMAS:
        return Draft7Validator(SCHEMAS[kind], registry=REGISTRY)
    name, pointer = SUBSCHEMAS[kind]
    return Draft7Validator({"$ref": SCHEMAS[name]["$id"].rstrip("#") + "#" + pointer}, registry=REGISTRY)


def check(kind: str, document: Any) -> Any:
    """Fails the test with every schema error of ``document``; returns it."""
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(kind).iter_errors(document)]
    assert not errors, f"{kind}: " + "; ".join(errors[:5])
    return document


def _examples(validity: str) -> list[tuple[str, Path]]:
    return [(folder.parent.name, path) for folder in sorted((SPEC / "examples").glob(f"*/{validity}"))
            for path in sorted(folder.glob("*.json")) if folder.parent.name not in UNCHECKED]


@pytest.mark.parametrize(("kind", "path"), _examples("valid"), ids=lambda x: x.name if isinstance(x, Path) else x)
def test_the_spec_valid_examples_pass_its_schemas(kind: str, path: Path) -> None:
    check(kind, json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize(("kind", "path"), _examples("invalid"), ids=lambda x: x.name if isinstance(x, Path) else x)
def test_the_spec_invalid_examples_fail_its_schemas(kind: str, path: Path) -> None:
    assert list(validator(kind).iter_errors(json.loads(path.read_text(encoding="utf-8"))))


def test_every_example_folder_is_checked() -> None:
    assert len(_examples("invalid")) == 16 and len(_examples("valid")) >= 30
    kinds = {p.name for p in (SPEC / "examples").iterdir()} - set(UNCHECKED)
    assert kinds <= set(SCHEMAS) | set(SUBSCHEMAS)


# ---- OpenRefine's queries for a sheet: benchmarks/_openrefine.py (serve_cost.py sends the same) -----



def batch(queries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {f"q{i}": dict(q) for i, q in enumerate(queries)}


# ---- a service on a local index -------------------------------------------------------------------

HOSTILE = {"id": "Q990001", "type": "item",
           "labels": {"fr": {"language": "fr", "value": "<script>alert('x')</script> Salle \"test\""}},
           "descriptions": {"fr": {"language": "fr", "value": "\"><img src=x onerror=alert(1)> & co"}},
           "claims": {"P31": [{"mainsnak": {"snaktype": "value", "property": "P31", "datatype": "wikibase-item",
                                            "datavalue": {"type": "wikibase-entityid",
                                                          "value": {"entity-type": "item", "id": "Q900053"}}},
                               "rank": "normal", "type": "statement"}]}}


class CountingSource:
    """A real candidate source that counts what is asked of it (each distinct lookup once per batch)."""

    def __init__(self, inner: CandidateSource) -> None:
        self.inner = inner
        self.searches: list[tuple[str, ...]] = []
        self.fetched: list[str] = []

    def search(self, names: Sequence[str], language: str) -> list[str]:
        self.searches.append(tuple(names))
        return self.inner.search(names, language)

    def by_identifier(self, prop: str, value: str) -> list[str]:
        return self.inner.by_identifier(prop, value)

    def by_website(self, url: str) -> list[str]:
        return self.inner.by_website(url)

    def fetch(self, ids: list[str]) -> dict[str, Facts]:
        self.fetched += ids
        return self.inner.fetch(ids)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIndex]:
    folder = tmp_path_factory.mktemp("serve-index")
    dump = folder / "kb.jsonl"
    dump.write_text((DATA / "kb.jsonl").read_text(encoding="utf-8") + json.dumps(HOSTILE) + "\n", encoding="utf-8")
    build_from_dump(dump, folder / "kb.sqlite")
    with LocalIndex(folder / "kb.sqlite") as opened:
        yield opened


@pytest.fixture(scope="module")
def catalog() -> PropertyCatalog:
    return PropertyCatalog.from_dump(DATA / "kb.jsonl")


def index_service(index: LocalIndex, catalog: PropertyCatalog, **kwargs: Any) -> tuple[ReconService, CountingSource]:
    source = CountingSource(IndexSource(index))
    service = build_service(source, site_info(BUILTIN_SITES["sandbox"]), [load_mapping(p) for p in MAPPINGS],
                            catalog)
    for key, value in kwargs.items():
        setattr(service, key, value)
    return service, source


@pytest.fixture
def service(index: LocalIndex, catalog: PropertyCatalog) -> ReconService:
    return index_service(index, catalog)[0]


def ask(service: ReconService, route: str = "", **params: Any) -> dict[str, Any]:
    answer = service.handle(route, {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}, BASE)
    assert answer.status == 200, answer.payload
    assert answer.payload is not None
    return dict(answer.payload)


# ---- the answers ----------------------------------------------------------------------------------

def test_manifest(service: ReconService) -> None:
    m = check("manifest", ask(service))
    assert m["versions"] == ["0.2"] and m["identifierSpace"] == "http://www.wikidata.org/entity/"
    assert m["schemaSpace"] == "http://www.wikidata.org/prop/direct/"
    assert m["view"]["url"] == "http://127.0.0.1:8765/wiki/{{id}}"
    assert m["preview"]["url"] == BASE + "/preview?id={{id}}"
    assert {t["id"]: t["name"] for t in m["defaultTypes"]} == {
        "Q900003": "événement récurrent", "Q900049": "objet géographique", "Q43229": "organisation",
        "Q900061": "entité territoriale administrative", "Q5": "être humain", "Q900052": "lieu de diffusion"}
    # festivals, venues, organisations, municipalities, people (mappings/artistes.yaml), venues of two tabs
    # (mappings/salles.yaml)


def test_a_configured_wikibase_has_its_own_spaces() -> None:
    info = site_info(SiteConfig("club", "https://wiki.example.org/w/api.php"))
    assert info.identifier_space == "https://wiki.example.org/entity/"
    assert info.schema_space == "https://wiki.example.org/prop/direct/"
    assert info.view_url == "https://wiki.example.org/wiki/{{id}}"
    told = site_info(SiteConfig("club", "https://wiki.example.org/w/api.php"), "https://data.example.org/entity/")
    assert told.schema_space == "https://data.example.org/prop/direct/"


def test_a_batch_with_properties(service: ReconService) -> None:
    queries = {
        "a": {"query": "Agora des arts", "type": "Q900049", "properties": [{"pid": "P131", "v": "Rouyn-Noranda"}]},
        "b": {"query": "Petit theatre du Vieux Noranda", "type": "Q43229",
              "properties": [{"pid": "P131", "v": "R-N"}, {"pid": "P856", "v": "petittheatre.qc.ca/"},
                             {"pid": "P31", "v": "Salle de spectacle"}]},
        "c": {"query": "Senneterre"},  # the town and the parish: a person decides
        "d": {"query": "Rouyn Noranda", "type": "Q900061"},  # a municipality, judged as a cell of that column
        "e": {"query": "Zzyzx Qwv"},
        "f": {"query": "Ville-Marie", "type": "Q900061"},  # the town of the focus list, not Montréal's borough
        "g": {"query": "Senneterre", "type": "Q900061"},  # a town and a parish, both on it: a person decides
    }
    out = check("reconciliation-result-batch", ask(service, queries=check("reconciliation-query-batch", queries)))
    assert list(out) == list(queries)
    match = {k: [c["id"] for c in v["result"] if c["match"]] for k, v in out.items()}
    assert match == {"a": ["Q900266"], "b": ["Q900260"], "c": [], "d": ["Q900141"], "e": [], "f": ["Q900167"],
                     "g": []}
    assert out["c"]["wikiclub"]["decision"] == "REVIEW" and len(out["c"]["result"]) >= 2
    assert out["e"] == {"result": [], "wikiclub": {"decision": "NEW",
                                                 "reason": "aucun candidat : rien sur le wiki ne porte ce nom"}}
    top = out["b"]["result"][0]
    assert {"id": "decisive", "value": True} in top["features"] and top["score"] == 100
    assert {"id": "Q900053", "name": "salle de spectacle"} in top["type"]
    assert all(0 <= c["score"] <= 100 for v in out.values() for c in v["result"])


def test_a_reconciled_municipality_is_the_rows_place(service: ReconService) -> None:
    """{"id": …} values (a column OpenRefine already reconciled) are items, not text to search."""
    q = {"query": "Bibliothèque municipale", "type": "Q900049",
         "properties": [{"pid": "P131", "v": {"id": "Q900141", "name": "Rouyn-Noranda"}}]}
    out = ask(service, queries={"q0": q})["q0"]
    top = out["result"][0]
    assert top["id"] == "Q900272" and any(f["id"] == "lieu" and f["value"] > 0 for f in top["features"])


def test_limit_and_order(service: ReconService) -> None:
    out = ask(service, queries={"q0": {"query": "Festival", "limit": 2}})["q0"]["result"]
    assert len(out) == 2 and out[0]["score"] >= out[1]["score"]


def test_a_match_found_by_its_identifier_stays_first_for_openrefine() -> None:
    """OpenRefine sorts candidates by score and auto-matches the first only if it says match."""
    name_only = ScoredCandidate("Q1", "Homonyme", "", 90.0, (Feature("name", "1.00", 60.0),))
    by_id = ScoredCandidate("Q2", "Autre nom", "", 70.0, (Feature("identifiant", "P213 = 1", 100.0, decisive=True),))
    shown = _scores(Match(Decision.MATCH, "Q2", (name_only, by_id)), 5)
    assert [(c.qid, score, m) for c, score, m in shown] == [("Q2", 90.0, True), ("Q1", 90.0, False)]
    review = _scores(Match(Decision.REVIEW, None, (name_only, by_id)), 5)
    assert [m for _, _, m in review] == [False, False]


def test_suggest(service: ReconService) -> None:
    entities = check("suggest-entities-response", ask(service, "suggest/entity", prefix="Agora"))
    assert entities["result"][0]["id"] == "Q900266"
    assert entities["result"][0]["notable"] == [{"id": "Q900053", "name": "salle de spectacle"}]
    types = check("suggest-types-response", ask(service, "suggest/type", prefix="fest"))
    assert [t["id"] for t in types["result"]][:1] == ["Q132241"]
    assert all("fest" in t["name"].lower() for t in types["result"])
    props = check("suggest-properties-response", ask(service, "suggest/property", prefix="site"))
    assert {"id": "P856", "name": "site officiel"} in props["result"]
    assert check("suggest-properties-response", ask(service, "suggest/property", prefix="P856"))["result"][0]["id"] \
        == "P856"
    for route in ("suggest/entity", "suggest/type", "suggest/property"):
        assert ask(service, route, prefix="")["result"] == [] or route == "suggest/type"
    many = ask(service, "suggest/entity", prefix="Festival")["result"]
    more = ask(service, "suggest/entity", prefix="Festival", cursor="10")["result"]
    assert len(many) == 10 and more and not {e["id"] for e in many} & {e["id"] for e in more}


def test_extend_from_the_local_index(service: ReconService) -> None:
    proposal = check("data-extension-property-proposal", ask(service, "propose_properties", type="Q43229", limit="4"))
    assert [p["id"] for p in proposal["properties"]] == ["P31", "P131", "P856", "P968"]
    assert proposal["type"] == "Q43229" and proposal["limit"] == 4
    everything = check("data-extension-property-proposal", ask(service, "propose_properties", type=""))
    assert {"P625", "P276", "P213"} <= {p["id"] for p in everything["properties"]}
    query = check("data-extension-query", {"ids": ["Q900141", "Q900260", "Q123456789"],
                                           "properties": [{"id": "P31"}, {"id": "P856"}, {"id": "P571"},
                                                          {"id": "P31", "settings": {"limit": 1}}]})
    out = check("data-extension-response", ask(service, extend=query))
    assert out["meta"][0] == {"id": "P31", "name": "nature de l'élément"}
    assert out["rows"]["Q900141"]["P571"] == [{"date": "1986-01-01T00:00:00Z"}]
    assert {"id": "Q900069", "name": "ville du Québec"} in out["rows"]["Q900141"]["P31"]
    assert out["rows"]["Q900260"]["P856"] and out["rows"]["Q123456789"] == {"P31": [], "P856": [], "P571": []}


# ---- the web front end ----------------------------------------------------------------------------

def test_preview_escapes_hostile_labels(service: ReconService) -> None:
    client = create_app(service).test_client()
    got = client.get("/reconcile/preview?id=Q990001", headers={"Host": "127.0.0.1:8766"})
    html = got.get_data(as_text=True)
    assert got.status_code == 200 and got.mimetype == "text/html"
    assert "<script>" not in html and "<img" not in html and "onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Salle &#34;test&#34;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt; &amp; co" in html
    assert "default-src 'none'" in got.headers["Content-Security-Policy"]
    missing = client.get("/reconcile/preview?id=Q123456789", headers={"Host": "127.0.0.1:8766"})
    assert missing.status_code == 404 and "introuvable" in missing.get_json()["error"]


def test_hostile_labels_stay_text_in_json(service: ReconService) -> None:
    out = ask(service, queries={"q0": {"query": "Salle test script alert"}})["q0"]["result"]
    assert HOSTILE["labels"]["fr"]["value"] in [c["name"] for c in out]  # JSON carries the text as it is


def test_json_jsonp_cors_and_host(service: ReconService) -> None:
    client = create_app(service).test_client()
    local = {"Host": "127.0.0.1:8766"}
    got = client.get("/reconcile", headers=local)
    assert got.status_code == 200 and got.headers["Access-Control-Allow-Origin"] == "*"
    assert check("manifest", got.get_json())["preview"]["url"] == "http://127.0.0.1:8766/reconcile/preview?id={{id}}"
    wrapped = client.get("/reconcile?callback=jQuery123_456", headers=local)
    body = wrapped.get_data(as_text=True)
    assert wrapped.mimetype == "application/javascript" and body.startswith("/**/jQuery123_456(")
    check("manifest", json.loads(body[len("/**/jQuery123_456("):-2]))
    posted = client.post("/reconcile", data={"queries": json.dumps({"q0": {"query": "Agora des arts"}}),
                                             "callback": "cb"}, headers=local)
    check("reconciliation-result-batch", json.loads(posted.get_data(as_text=True)[len("/**/cb("):-2]))
    bad = client.get("/reconcile?callback=alert(document.cookie)//", headers=local)
    assert bad.status_code == 400 and "callback" in bad.get_json()["error"]
    preflight = client.options("/reconcile", headers={**local, "Origin": "http://127.0.0.1:3333"})
    assert preflight.status_code == 204 and "POST" in preflight.headers["Access-Control-Allow-Methods"]
    rebound = client.get("/reconcile", headers={"Host": "attacker.example:8766"})
    assert rebound.status_code == 403
    assert create_app(service, check_host=False).test_client().get(
        "/reconcile", headers={"Host": "192.0.2.7:8766"}).status_code == 200
    lost = client.get("/elsewhere", headers=local)
    assert lost.status_code == 404 and lost.headers["Access-Control-Allow-Origin"] == "*"
    assert "/reconcile" in lost.get_json()["hint"]


@pytest.mark.parametrize(("queries", "status", "words"), [
    ("{not json", 400, "JSON invalide"),
    ('["q0"]', 400, "objet JSON"),
    (json.dumps({"q0": {"type": "Q5"}}), 400, "ni « query » ni « properties »"),
    (json.dumps({"q0": {"query": "x" * 501}}), 400, "500 caractères"),
    (json.dumps({"q0": {"query": "x", "properties": [{"pid": "P131"}]}}), 400, "q0.properties[0]"),
    (json.dumps({"q0": {"query": "x", "properties": [{"pid": "P131", "v": {"id": "bad"}}]}}), 400, "n'est pas"),
    (json.dumps({"q0": {"query": "x", "limit": -1}}), 400, "q0.limit"),
    (json.dumps({f"q{i}": {"query": "x"} for i in range(101)}), 413, "au plus 100"),
])
def test_bad_batches_are_refused_with_a_message(service: ReconService, queries: str, status: int,
                                                 words: str) -> None:
    answer = service.handle("", {"queries": queries}, BASE)
    assert answer.status == status and answer.payload is not None and words in answer.payload["error"]


def test_input_size_limits(index: LocalIndex, catalog: PropertyCatalog) -> None:
    service, _ = index_service(index, catalog)
    service.limits = Limits(max_bytes=2000)
    client = create_app(service).test_client()
    big = client.post("/reconcile", data={"queries": json.dumps({"q0": {"query": "x" * 3000}})},
                      headers={"Host": "127.0.0.1:8766"})
    assert big.status_code == 413 and big.headers["Access-Control-Allow-Origin"] == "*"
    assert service.handle("", {"queries": "x" * 2001}, BASE).status == 413
    with pytest.raises(RequestError, match="extend"):
        service.extend({"ids": ["Q1"] * 201, "properties": [{"id": "P31"}]})


def test_jsonp_names() -> None:
    assert jsonp("a.b_c$1", "{}") == "/**/a.b_c$1({});"
    for bad in ("", "1a", "a b", "a;b", "a(", "<script>", "a" * 101):
        with pytest.raises(RequestError):
            jsonp(bad, "{}")


def test_parse_batch_keeps_order_and_reconciled_values() -> None:
    queries = parse_batch({"q1": {"query": " A ", "type": ["Q5", "Q43229"], "properties": [
        {"pid": "p131", "v": [{"id": "q900141", "name": "Rouyn-Noranda"}, "Val-d'Or", 12, True, ""]}]},
        "q0": {"properties": [{"pid": "P856", "v": "https://x.example"}]}}, Limits())
    assert [q.key for q in queries] == ["q1", "q0"]
    q = queries[0]
    assert q.text == "A" and q.types == ("Q5", "Q43229")
    assert [(v.text, v.id) for v in q.values("P131")] == [("Rouyn-Noranda", "Q900141"), ("Val-d'Or", None),
                                                          ("12", None), ("true", None)]


# ---- the engine: each lookup once, caches kept between batches ------------------------------------

def test_each_distinct_lookup_is_asked_once_per_batch(index: LocalIndex, catalog: PropertyCatalog) -> None:
    clock = [0.0]
    service, source = index_service(index, catalog, _clock=lambda: clock[0])
    rows = [{"query": name, "type": "Q900049", "properties": [{"pid": "P131", "v": "Rouyn-Noranda"}]}
            for name in ("Agora des arts", "Théâtre du cuivre", "Maison Dumulon", "MA, musée d'art",
                         "L'Écart", "Agora des arts", "Petit Théâtre du Vieux-Noranda", "Bibliothèque municipale",
                         "Agora des arts", "Théâtre du cuivre")]
    ask(service, queries=batch(rows))
    assert len(source.searches) == len(set(source.searches)), "a name was searched twice in one batch"
    assert source.searches.count(("Rouyn-Noranda",)) == 1
    assert len(source.fetched) == len(set(source.fetched)), "facts of an item fetched twice in one batch"
    before = len(source.searches)
    ask(service, queries=batch(rows[:3]))
    assert len(source.searches) == before, "the next batch of the same job reuses the engine's caches"
    clock[0] += 3600  # an hour later, a new job: the wiki may have changed
    ask(service, queries=batch(rows[:1]))
    assert source.searches[before:] == [("Agora des arts",), ("Rouyn-Noranda",)]


# ---- the command line -----------------------------------------------------------------------------

def test_reconcile_serve_needs_the_web_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "flask", None)  # as when flask is not installed
    monkeypatch.delitem(sys.modules, "wikiclub.web.reconcile", raising=False)
    result = CliRunner().invoke(main, ["reconcile", "serve", "--index", str(DATA / "kb.jsonl")])
    assert result.exit_code == 2 and "pip install 'wikiclub[web]'" in result.output
    assert "Traceback" not in result.output


def test_reconcile_still_takes_a_sheet() -> None:
    runner = CliRunner()
    helped = runner.invoke(main, ["reconcile", "--help"])
    assert helped.exit_code == 0 and "reconcile [OPTIONS] [SHEET]" in helped.output
    assert "--apply-review" in helped.output and "wikiclub reconcile serve" in helped.output
    missing = runner.invoke(main, ["reconcile", str(DATA / "lieux.csv"), "-o", "review.xlsx"])
    assert missing.exit_code == 2 and "--mapping est requis" in missing.output
    nothing = runner.invoke(main, ["reconcile"])
    assert nothing.exit_code == 2 and "SHEET et -o" in nothing.output
    served = runner.invoke(main, ["reconcile", "serve", "--help"])
    assert served.exit_code == 0 and "--port" in served.output and "OpenRefine" in served.output
