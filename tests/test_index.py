"""The local SQLite/FTS5 index: from a dump, from a site (SPARQL + wbgetentities), incremental update."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from wikiclub.adapters.http import make_session
from wikiclub.adapters.index import LocalIndex, build_from_dump, sync_from_site
from wikiclub.adapters.sparql import SparqlClient
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.cli import main
from wikiclub.config import load_settings
from wikiclub.dumps import iter_dump

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "tests" / "data" / "kb.jsonl"
ITEMS = sum(1 for e in iter_dump(KB) if e.get("type") == "item")  # every item page of the wiki


@pytest.fixture(scope="module")
def index_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("index") / "kb.sqlite"
    assert build_from_dump(KB, out) == sum(1 for line in KB.read_text(encoding="utf-8").splitlines() if line.strip())
    return out


def test_lookups_find_what_prefix_search_misses(index_file: Path) -> None:
    with LocalIndex(index_file) as index:
        assert "Q900278" in index.search(["Salle Felix Leclerc"])[:3]          # hyphen written as a space
        assert "Q900308" in index.search(["Festibiere Kap"])[:5]               # word added, accent dropped
        assert index.search(["R-N"])[0] == "Q900141"                            # initials of a compound
        assert index.by_identifier("P213", "0000000119874420") == ["Q900264"]  # ISNI without spaces
        assert index.by_website("http://www.museema.org/fr/") == ["Q900263"]
        f = index.facts(["Q900311"])["Q900311"]
        assert f.located_in == ("Q900208",) and "Q900019" in f.instance_of


def test_reconcile_cli_with_index_makes_no_request(index_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "review.xlsx"
    runner = CliRunner()
    result = runner.invoke(main, ["reconcile", str(ROOT / "tests/data/festivals.xlsx"), "-m",
                                  str(ROOT / "mappings/festivals.yaml"), "--properties", str(KB),
                                  "--index", str(index_file), "-o", str(out), "--no-progress",
                                  "--site", "http://127.0.0.1:9/w/api.php"])  # nothing listens there
    assert result.exit_code == 0, result.output
    assert out.exists() and out.with_suffix(".csv").exists()
    from wikiclub.reconcile.review import read_review

    decisions = read_review(out)
    assert len(decisions) == 24 and sum(d.decision.value == "MATCH" for d in decisions) >= 15
    applied = runner.invoke(main, ["reconcile", "--apply-review", str(out), "-o", str(tmp_path / "rec.jsonl")])
    assert applied.exit_code == 0, applied.output
    assert (tmp_path / "rec.jsonl").read_text(encoding="utf-8").count("\n") >= 20


def test_build_and_update_from_site(kb_sandbox, tmp_path: Path) -> None:  # noqa: ANN001
    settings = load_settings({"site": kb_sandbox.api_url}, env={})
    client = WikibaseClient.from_settings(settings, make_session(settings))
    sparql = SparqlClient(kb_sandbox.sparql_url, requests.Session())
    with LocalIndex(tmp_path / "site.sqlite", create=True) as index:
        fetched, unchanged = sync_from_site(index, sparql, client, focus="Q900100", regions=())
        assert fetched > 100 and unchanged == 0
        assert index.search(["Refuge Pageau"])[0] == "Q900285"
        assert "Q7075" in index.revisions()  # classes used by the items came along
        before = client.requests_made
        fetched2, unchanged2 = sync_from_site(index, sparql, client, focus="Q900100", regions=())
        assert fetched2 == 0 and unchanged2 == fetched
        assert client.requests_made == before  # nothing changed: no wbgetentities


class _Recording:
    """The real SPARQL client, keeping the queries it sent."""

    def __init__(self, inner: SparqlClient) -> None:
        self.inner, self.queries = inner, []

    def select(self, query: str) -> list:
        self.queries.append(query)
        return self.inner.select(query)


def test_site_query_declares_its_prefixes_under_the_concept_base(tmp_path: Path) -> None:
    """A standard endpoint (QLever, raw Blazegraph) predeclares nothing: « Prefix not found » without
    PREFIX lines; and a Wikibase's entities live under its own concept base, not Wikidata's."""
    from conftest import make_sandbox

    from wikiclub.adapters.index import project_query
    from wikiclub.sandbox.load import load_dump

    base = "https://wiki.example.org/entity/"
    query = project_query(focus="Q900100", regions=(), concept_base=base)
    assert f"PREFIX wd: <{base}>" in query and "PREFIX wdt: <https://wiki.example.org/prop/direct/>" in query
    assert "PREFIX schema: <http://schema.org/>" in query
    sb = make_sandbox(tmp_path / "wiki", concept_base=base)
    try:
        load_dump(sb.app, KB)
        settings = load_settings({"site": sb.api_url}, env={})
        client = WikibaseClient.from_settings(settings, make_session(settings))
        sparql = _Recording(SparqlClient(sb.sparql_url, requests.Session()))
        with LocalIndex(tmp_path / "site.sqlite", create=True) as index:
            fetched, _ = sync_from_site(index, sparql, client, focus="Q900100", regions=(), concept_base=base)
            assert fetched > 100 and index.search(["Refuge Pageau"])[0] == "Q900285"
        assert sparql.queries[0].startswith(f"PREFIX wd: <{base}>")
        # the CLI takes the concept base from the wiki itself when the site does not configure one
        conf = tmp_path / "wikiclub.toml"
        conf.write_text(f'[wikiclub]\nsite = "local"\n[sites.local]\napi = "{sb.api_url}"\nsparql = "{sb.sparql_url}"\n',
                        "utf-8")
        res = CliRunner().invoke(main, ["index", "build", "--config", str(conf), "--focus", "Q900100", "-o",
                                        str(tmp_path / "cli.sqlite")])
        assert res.exit_code == 0, res.output
        assert int(res.output.split()[0]) == fetched
        pages = CliRunner().invoke(main, ["index", "build", "--config", str(conf), "--all-pages", "-o",
                                          str(tmp_path / "pages.sqlite")])
        assert pages.exit_code == 0 and pages.output.startswith(f"{ITEMS} "), pages.output
        again = CliRunner().invoke(main, ["index", "update", str(tmp_path / "pages.sqlite"), "--config", str(conf)])
        assert again.exit_code == 0 and f"0 relus / refetched, {ITEMS} inchangés" in again.output, again.output
    finally:
        sb.running.stop()
