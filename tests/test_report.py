"""Coverage report on the sandbox loaded with kb.jsonl: every number equals a count computed here,
in plain Python, from the dump itself (not from the sandbox) — with the measures read from the entity
JSON (the default) and from SPARQL blocks, which must agree cell by cell."""

from __future__ import annotations

import csv
import functools
import json
import math
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import KB

from wikiclub.adapters.sparql import SparqlClient
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.config import WikiProject
from wikiclub.errors import ConfigError, QueryTimeoutError
from wikiclub.report.collect import Options, build_coverage
from wikiclub.report.model import ALL_GROUP
from wikiclub.report.run import make_report
from wikiclub.report.spec import build_spec

REGIONS = ("Q176", "Q1904")
FOCUS = "Q900100"
LANGS = ("fr", "en")
PROJECT = WikiProject("WikiClub Croissant boréal", FOCUS, REGIONS, LANGS)
GROUPS_DOC: dict[str, Any] = {
    "defaults": {"properties": ["P131", "P625", "P856", "P571", "P18"], "sitelinks": ["frwiki", "enwiki"],
                 "worklist": 10},
    "groups": [
        {"name": "Organismes", "classes": ["Q43229"], "properties": ["P131", "P856", "P571", "P159", "P968"]},
        {"name": "Événements", "classes": ["Q900003"]},
        {"name": "Municipalités du Québec", "classes": ["Q900068"], "subclasses": True,
         "properties": ["P625", "P1082", "P856"]},
        {"name": "Musées (P31 exact)", "classes": ["Q33506"], "subclasses": False},
    ],
}


# ---- the dump, read and counted in plain Python -------------------------------------------------------

class Dump:
    def __init__(self, path: Path) -> None:
        self.entities = {e["id"]: e for e in map(json.loads, path.read_text("utf-8").splitlines()) if e}
        self.items = {k: v for k, v in self.entities.items() if v["type"] == "item"}

    def truthy(self, qid: str, pid: str) -> list[str]:
        """Item values of the best-rank statements (what wdt: holds)."""
        claims = [c for c in self.entities.get(qid, {}).get("claims", {}).get(pid, []) if c["rank"] != "deprecated"]
        if any(c["rank"] == "preferred" for c in claims):
            claims = [c for c in claims if c["rank"] == "preferred"]
        return [c["mainsnak"]["datavalue"]["value"]["id"] for c in claims if c["mainsnak"]["snaktype"] == "value"]

    def reaches(self, qid: str, target: str, pid: str = "P131") -> bool:
        seen, todo = set(), list(self.truthy(qid, pid))
        while todo:
            cur = todo.pop()
            if cur == target:
                return True
            if cur not in seen:
                seen.add(cur)
                todo += self.truthy(cur, pid)
        return False

    def tree(self, region: str) -> set[str]:
        """The region and everything whose P131 chain reaches it."""
        return {region} | {q for q in self.items if self.reaches(q, region)}

    def located_by(self, qid: str) -> set[str]:
        """P131, P159, P276 for everyone; and P19, P551, P937 for people (Q5 or a subclass)."""
        people = self.in_group(qid, ["Q5"], True)
        return {"P131", "P159", "P276"} | ({"P19", "P551", "P937"} if people else set())

    def region(self, qid: str) -> str:
        props = self.located_by(qid)
        for r in REGIONS:
            tree = self.tree(r)
            if qid in tree or any(v in tree for p in props for v in self.truthy(qid, p)):
                return r
        return ""

    def members(self) -> set[str]:
        """The report's WikiProject: located in a region (as above), or on the focus list."""
        return {q for q in self.items if self.region(q) or FOCUS in self.truthy(q, "P5008")}

    def selection(self) -> set[str]:
        """pull's selection (its own, unchanged): a P131 chain to a region, or the focus list."""
        return {q for q in self.items
                if any(self.reaches(q, r) for r in REGIONS) or FOCUS in self.truthy(q, "P5008")}

    def in_group(self, qid: str, classes: list[str], subclasses: bool) -> bool:
        for cls in self.truthy(qid, "P31"):
            if cls in classes or (subclasses and any(self.reaches(cls, c, "P279") for c in classes)):
                return True
        return False

    def has(self, qid: str, measure: str) -> bool:
        e = self.items[qid]
        kind, _, key = measure.partition(":")
        if kind == "label":
            return key in e.get("labels", {})
        if kind == "description":
            return key in e.get("descriptions", {})
        if kind == "sitelink":
            return key in e.get("sitelinks", {})
        return bool(e.get("claims", {}).get(measure))

    def statements(self, qid: str) -> tuple[int, int]:
        claims = [c for cl in self.items[qid].get("claims", {}).values() for c in cl]
        sourced = sum(1 for c in claims if any("P143" not in r["snaks"] for r in c.get("references", [])))
        return len(claims), sourced


@pytest.fixture(scope="module")
def dump() -> Dump:
    dump = Dump(KB)
    dump.tree = functools.cache(dump.tree)  # type: ignore[method-assign]
    return dump


@pytest.fixture(scope="module")
def client(kb_sandbox: Any) -> SparqlClient:
    return SparqlClient(kb_sandbox.sparql_url, requests.Session())


@pytest.fixture(scope="module")
def spec():  # noqa: ANN201
    return build_spec(PROJECT, GROUPS_DOC)


@pytest.fixture(scope="module")
def reader(kb_sandbox: Any) -> WikibaseClient:
    return WikibaseClient(kb_sandbox.api_url, requests.Session(), throttle=None)


@pytest.fixture(scope="module")
def table(spec: Any, client: SparqlClient, reader: WikibaseClient, kb_sandbox: Any):  # noqa: ANN201
    return build_coverage(spec, client, site="sandbox", endpoint_url=kb_sandbox.sparql_url,
                          api_url=kb_sandbox.api_url, options=Options(reader=reader))


@pytest.fixture(scope="module")
def sparql_table(spec: Any, client: SparqlClient, kb_sandbox: Any):  # noqa: ANN201
    return build_coverage(spec, client, site="sandbox", endpoint_url=kb_sandbox.sparql_url,
                          api_url=kb_sandbox.api_url)


def expected_cells(dump: Dump, members: set[str], measures: list[str]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for qid in members:
        cell = out.setdefault(dump.region(qid), {"items": 0, "statements": 0, "sourced": 0})
        cell["items"] += 1
        n, s = dump.statements(qid)
        cell["statements"] += n
        cell["sourced"] += s
        for m in measures:
            cell[m] = cell.get(m, 0) + int(dump.has(qid, m))
    return out


def actual_cells(table: Any, group: str, measures: list[str]) -> dict[str, dict[str, int]]:
    out = {}
    for c in table.cells_of(group):
        out[c.region] = {"items": c.items, "statements": c.statements, "sourced": c.sourced,
                         **{m: c.count(m) for m in measures}}
    return out


def _zero_filled(expected: dict[str, dict[str, int]], measures: list[str]) -> dict[str, dict[str, int]]:
    for cell in expected.values():
        for m in measures:
            cell.setdefault(m, 0)
    return expected


def test_selection_and_overall_counts_equal_the_dump(dump: Dump, table: Any) -> None:
    members = dump.members()
    assert len(members) > 100  # the test means something: most of kb.jsonl is in the two provinces
    measures = [m.id for m in table.group(ALL_GROUP).measures]
    expected = _zero_filled(expected_cells(dump, members, measures), measures)
    assert actual_cells(table, ALL_GROUP, measures) == expected
    assert table.total(ALL_GROUP).items == len(members)
    assert "" in expected  # one focus-list item outside both provinces: its own bucket
    assert not table.partial and all(c.status == "complete" for c in table.cells)


@pytest.mark.parametrize("index", range(4))
def test_each_group_counts_equal_the_dump(dump: Dump, table: Any, index: int) -> None:
    doc = GROUPS_DOC["groups"][index]
    group = table.groups[index + 1]
    assert group.name == doc["name"]
    members = {q for q in dump.members() if dump.in_group(q, doc["classes"], doc.get("subclasses", True))}
    assert members, doc["name"]
    measures = [m.id for m in group.measures]
    assert actual_cells(table, group.id, measures) == _zero_filled(expected_cells(dump, members, measures), measures)


def test_sparql_measures_agree_with_the_entity_json(table: Any, sparql_table: Any) -> None:
    """The two ways of reading the measures give the same cells and the same to-do list."""
    assert table.method == "api" and sparql_table.method == "sparql"
    assert {(c.group, c.region): c for c in sparql_table.cells} == {(c.group, c.region): c for c in table.cells}
    assert sparql_table.worklist == table.worklist
    assert sparql_table.requests == 0 and table.requests > 0


def test_people_and_headquarters_count_in_their_region(dump: Dump, table: Any) -> None:
    """People (P19/P551/P937), organisations by headquarters (P159), and the region items themselves."""
    people = [q for q in dump.members() if dump.in_group(q, ["Q5"], True)]
    placed = [q for q in people if dump.region(q)]
    assert placed and all(not dump.reaches(q, dump.region(q)) for q in placed)  # by P19 etc., never P131
    by_hq = [q for q in dump.members() if dump.region(q) and not dump.reaches(q, dump.region(q))
             and q not in people and q not in REGIONS]
    assert by_hq  # located by P159 or P276 only
    assert table.total(ALL_GROUP).items == len(dump.members())
    for region in REGIONS:  # the region item counts in its own region
        assert dump.region(region) == region


def test_measures_cover_languages_sitelinks_and_properties(table: Any) -> None:
    ids = [m.id for m in table.group("Q43229*").measures]
    assert ids == ["label:fr", "label:en", "description:fr", "description:en", "sitelink:frwiki",
                   "sitelink:enwiki", "P131", "P856", "P571", "P159", "P968"]


def test_requests_grow_with_items_not_with_groups(table: Any, dump: Dump) -> None:
    # Entity data: 50 items per wbgetentities request (one block of 500 ids here).
    candidates = len(dump.members()) + 8  # a few candidates (P19 of non-people …) are read, then left out
    assert table.requests <= math.ceil(candidates / 50) + 1
    assert table.requests >= math.ceil(len(dump.members()) / 50)
    assert not table.notes


def test_worklist_lists_items_missing_the_most(dump: Dump, table: Any) -> None:
    doc = GROUPS_DOC["groups"][0]
    members = {q for q in dump.members() if dump.in_group(q, doc["classes"], True)}
    props = doc["properties"]
    missing = {q: tuple(p for p in props if not dump.has(q, p)) for q in members}
    listed = [w for w in table.worklist if w.group == "Q43229*"]
    assert len(listed) == 10
    for w in listed:
        assert w.missing == missing[w.item]
        assert w.label == dump.items[w.item]["labels"]["fr"]["value"]
    # Nobody left out lacks more than the last one listed, and the list is sorted.
    counts = [len(w.missing) for w in listed]
    assert counts == sorted(counts, reverse=True)
    left_out = set(members) - {w.item for w in listed}
    assert max(len(missing[q]) for q in left_out) <= counts[-1]


def test_labels_of_regions_classes_and_properties(table: Any, dump: Dump) -> None:
    for qid in ("Q176", "Q1904", "Q43229", "P856"):
        assert table.label(qid) == dump.entities[qid]["labels"]["fr"]["value"]


def test_per_p31_mode_groups_by_class(dump: Dump, client: SparqlClient, reader: WikibaseClient,
                                      kb_sandbox: Any) -> None:
    spec = build_spec(PROJECT)
    table = build_coverage(spec, client, site="sandbox", endpoint_url="", api_url=kb_sandbox.api_url,
                           options=Options(reader=reader))
    members = dump.members()
    by_class: dict[str, int] = {}
    for q in members:
        for cls in set(dump.truthy(q, "P31")):
            by_class[cls] = by_class.get(cls, 0) + 1
    got = {g.id: table.total(g.id).items for g in table.groups if g.id != ALL_GROUP}
    assert got == by_class
    assert table.group("Q900070").name == dump.entities["Q900070"]["labels"]["fr"]["value"]


# ---- timeouts: blocks split in two, a region that cannot be read is unknown -------------------------

class TimingOut:
    """The real sandbox endpoint, except that queries "time out" as WDQS would (HTTP 500 +
    TimeoutException → QueryTimeoutError): those naming more than ``max_ids`` ids in a VALUES block,
    and any that names one of ``regions``."""

    def __init__(self, inner: SparqlClient, max_ids: int = 10_000, regions: tuple[str, ...] = ()) -> None:
        self.inner, self.max_ids, self.regions = inner, max_ids, regions
        self.sent: list[str] = []
        self.failed = 0

    def select(self, query: str) -> list[dict[str, Any]]:
        self.sent.append(query)
        values = query.split("VALUES", 1)[1].split("}", 1)[0] if "VALUES" in query else ""
        if values.count("wd:") > self.max_ids or any(f"wd:{r} " in values for r in self.regions):
            self.failed += 1
            raise QueryTimeoutError("Le service a arrêté la requête (timeout)", code="sparql-timeout")
        return self.inner.select(query)


def test_timeouts_split_the_block_and_give_the_same_numbers(spec: Any, client: SparqlClient, table: Any,
                                                            reader: WikibaseClient, kb_sandbox: Any) -> None:
    endpoint = TimingOut(client, max_ids=40)
    split = build_coverage(spec, endpoint, site="sandbox", endpoint_url="", api_url=kb_sandbox.api_url,
                           options=Options(reader=reader))
    assert {(c.group, c.region): c for c in split.cells} == {(c.group, c.region): c for c in table.cells}
    assert endpoint.failed and [n.kind for n in split.notes if n.kind != "split"] == []
    assert any("split" in n.message for n in split.notes)


def test_a_region_whose_queries_all_time_out_is_unknown_not_zero(spec: Any, client: SparqlClient,
                                                                  reader: WikibaseClient, kb_sandbox: Any) -> None:
    endpoint = TimingOut(client, regions=("Q1904",))
    partial = build_coverage(spec, endpoint, site="sandbox", endpoint_url="", api_url=kb_sandbox.api_url,
                             options=Options(reader=reader))
    for group in partial.groups:
        cell = next(c for c in partial.cells_of(group.id) if c.region == "Q1904")
        assert cell.status == "unknown" and cell.items is None and cell.count("label:fr") is None
        assert partial.total(group.id).status == "partial"
    assert partial.partial
    assert any(n.kind == "failed" and "Q1904" in n.message for n in partial.notes)
    # the splitting has a budget: a few failed attempts, not hundreds
    assert endpoint.failed <= 1 + 2 ** 3


def test_splitting_after_timeouts_has_a_budget(spec: Any, client: SparqlClient, reader: WikibaseClient,
                                               kb_sandbox: Any) -> None:
    """Every block query times out (WDQS: up to 60 s each): a bounded number of attempts, then gaps."""
    from wikiclub.report.budget import MAX_SPLIT_DEPTH, MAX_TIMEOUTS

    endpoint = TimingOut(client, max_ids=0)
    broken = build_coverage(spec, endpoint, site="sandbox", endpoint_url="", api_url=kb_sandbox.api_url,
                            options=Options(reader=reader))
    blocks = 2 + 1 + 1  # two region roots, the class walk, the labels
    assert endpoint.failed <= MAX_TIMEOUTS + blocks * 2 ** MAX_SPLIT_DEPTH
    assert all(c.status == "unknown" for c in broken.cells if c.region in REGIONS)
    assert any(n.kind == "failed" for n in broken.notes)


def test_a_spent_time_budget_gives_partial_cells_never_zero(spec: Any, client: SparqlClient,
                                                            reader: WikibaseClient, kb_sandbox: Any) -> None:
    ticks = iter(range(0, 10_000))
    partial = build_coverage(spec, client, site="sandbox", endpoint_url="", api_url=kb_sandbox.api_url,
                             options=Options(reader=reader, budget=3, clock=lambda: float(next(ticks))))
    assert partial.partial and any(n.kind == "partial" for n in partial.notes)
    assert partial.cells and all(c.status != "complete" for c in partial.cells)
    assert not any(c.items == 0 and c.status != "complete" for c in partial.cells)


# ---- files ---------------------------------------------------------------------------------------------

def test_output_files_carry_the_same_numbers(spec: Any, client: SparqlClient, kb_sandbox: Any, dump: Dump,
                                             tmp_path: Path) -> None:
    result = make_report(spec, client, tmp_path / "out", site="sandbox", endpoint_url=kb_sandbox.sparql_url,
                         api_url=kb_sandbox.api_url, concept_base=None, history=tmp_path / "h.sqlite")
    names = sorted(p.name for p in result.files)
    assert names == ["a-completer.csv", "couverture.csv", "couverture.html", "couverture.json", "couverture.md",
                     "couverture.wiki", "couverture.xlsx"]
    total = len(dump.members())
    with (tmp_path / "out" / "couverture.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    items = [r for r in rows if r["group"] == ALL_GROUP and r["region"] == "*" and r["column"] == "items"]
    assert int(items[0]["count"]) == total
    data = json.loads((tmp_path / "out" / "couverture.json").read_text("utf-8"))
    assert sum(c["items"] for c in data["report"]["cells"] if c["group"] == ALL_GROUP) == total
    md = (tmp_path / "out" / "couverture.md").read_text("utf-8")
    assert f"| **Total** | {total} |" in md
    html = (tmp_path / "out" / "couverture.html").read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html and "<svg" in html
    assert "<script" not in html and "http" not in html.split("<body>")[0].replace("http://www.w3.org", "")
    wiki = (tmp_path / "out" / "couverture.wiki").read_text("utf-8")
    assert '{| class="wikitable sortable"' in wiki and "[[Special:EntityPage/Q176|Québec]]" in wiki


def test_spec_errors_name_the_file_and_key() -> None:
    with pytest.raises(ConfigError, match="unknown key 'colour'"):
        build_spec(PROJECT, {"groups": [{"name": "X", "classes": ["Q1"], "colour": "red"}]}, "r.toml")
    with pytest.raises(ConfigError, match="classes"):
        build_spec(PROJECT, {"groups": [{"name": "X", "classes": ["musée"]}]}, "r.toml")
    with pytest.raises(ConfigError, match="selects no items"):
        build_spec(WikiProject("empty"))
    with pytest.raises(ConfigError, match="share the id 'Q1\\*'"):
        build_spec(PROJECT, {"groups": [{"name": "A", "classes": ["Q1"]}, {"name": "B", "classes": ["Q1"]}]})
    with pytest.raises(ConfigError, match="key 'all'"):
        build_spec(PROJECT, {"groups": [{"name": "A", "key": "all", "classes": ["Q1"]}]})
    with pytest.raises(ConfigError, match="located_by"):
        build_spec(PROJECT, {"selection": {"located_by": ["lieu"]}})


def test_group_ids_and_located_by_come_from_the_definition() -> None:
    spec = build_spec(PROJECT, {"selection": {"people_located_by": ["P19"]},
                                "groups": [{"name": "B", "classes": ["Q43229", "Q5"], "located_by": ["P2541"]},
                                           {"name": "A", "key": "musees", "classes": ["Q33506"]},
                                           {"name": "C", "classes": ["Q33506"], "subclasses": False}]})
    assert [g.id for g in spec.groups] == ["Q5+Q43229*", "musees", "Q33506"]
    rules = {r.classes: r.properties for r in spec.rules}
    assert rules[()] == ("P131", "P159", "P276") and rules[("Q5",)] == ("P19",)
    assert rules[("Q43229", "Q5")] == ("P2541",)



def test_xlsx_carries_the_csv_figures_per_group(table: Any, tmp_path: Path) -> None:
    """couverture.xlsx: the numbers of couverture.csv, one sheet per group, each share (as a percentage)
    next to its count."""
    from openpyxl import load_workbook

    from wikiclub.report.run import write_outputs
    from wikiclub.report.views import ReportData

    write_outputs(ReportData(table), tmp_path)
    with (tmp_path / "couverture.csv").open(encoding="utf-8-sig") as fh:
        long = list(csv.DictReader(fh))
    wb = load_workbook(tmp_path / "couverture.xlsx")
    groups = list(dict.fromkeys(r["group_name"] for r in long))
    assert [ws.title for ws in wb.worksheets][: len(groups)] == [g[:28] for g in groups]
    assert wb.worksheets[-1].title == "À compléter"
    for ws, group in zip(wb.worksheets, groups, strict=False):
        rows = list(ws.iter_rows())
        header = [c.value for c in rows[0]]
        by_region = {r[0].value: dict(zip(header[1:], r[1:], strict=True)) for r in rows[1:]}
        for r in (r for r in long if r["group_name"] == group):
            cells = by_region[r["region_name"]]
            if r["column"] == "items":
                assert cells["Éléments"].value == int(r["count"]) and cells["État"].value == "complet"
                continue
            share, count = cells[f"{r['column_name']} (%)"], cells[f"{r['column_name']} (nombre)"]
            assert count.value == (int(r["count"]) if r["count"] else None)
            if r["share"] == "":
                assert share.value is None
            else:
                assert float(share.value) == pytest.approx(float(r["share"]), abs=1e-4)
                assert share.number_format == "0 %"
    wb.close()


# ---- an endpoint without wikibase:statements (raw dumpRdf output, QLever built from the raw dump) -------

def test_an_endpoint_without_wikibase_statements_is_reported(spec: Any, table: Any, tmp_path: Path) -> None:
    from conftest import make_sandbox

    from wikiclub.sandbox.load import load_dump

    sb = make_sandbox(tmp_path / "raw")
    try:
        load_dump(sb.app, KB)
        sb.app.sparql.store.update("DELETE WHERE { ?e <http://wikiba.se/ontology#statements> ?n }")
        client = SparqlClient(sb.sparql_url, requests.Session())
        by_sparql = build_coverage(spec, client, site="sandbox", endpoint_url="", api_url=sb.api_url)
        reader = WikibaseClient(sb.api_url, requests.Session(), throttle=None)
        by_api = build_coverage(spec, client, site="sandbox", endpoint_url="", api_url=sb.api_url,
                                options=Options(reader=reader))
    finally:
        sb.running.stop()
    warning = [n for n in by_sparql.notes if n.kind == "warning"]
    assert warning and "wikibase:statements" in warning[0].message and "blank" in warning[0].message
    assert all(c.statements is None and c.sourced is None for c in by_sparql.cells)
    assert all(c.sourced_share is None for c in by_sparql.cells)  # « — », never 0 %
    # the other measures are unaffected
    assert {(c.group, c.region): c.counts for c in by_sparql.cells} == {(c.group, c.region): c.counts
                                                                         for c in table.cells}
    # read from the entity JSON, nothing is blanked: the note says so, the counts are the usual ones
    assert any("no effect" in n.message for n in by_api.notes if n.kind == "warning")
    assert {(c.group, c.region): c for c in by_api.cells} == {(c.group, c.region): c for c in table.cells}


class Lagging:
    """The sandbox's endpoint, lagging behind the wiki: its focus list still has a deleted item."""

    def __init__(self, inner: SparqlClient) -> None:
        self.inner = inner

    def select(self, query: str) -> list[dict[str, Any]]:
        rows = self.inner.select(query)
        if "wdt:P5008" in query:
            rows.append({"item": "http://www.wikidata.org/entity/Q999999"})
        return rows


def test_an_item_the_wiki_no_longer_has_is_left_out_not_unread(spec: Any, client: SparqlClient, table: Any,
                                                               reader: WikibaseClient, kb_sandbox: Any) -> None:
    lagging = build_coverage(spec, Lagging(client), site="sandbox", endpoint_url="", api_url=kb_sandbox.api_url,
                             options=Options(reader=reader))
    assert not lagging.partial
    assert {(c.group, c.region): c for c in lagging.cells} == {(c.group, c.region): c for c in table.cells}


def test_a_project_query_binding_non_items_is_harmless(client: SparqlClient, reader: WikibaseClient, table: Any,
                                                       kb_sandbox: Any) -> None:
    spec = build_spec(PROJECT, {**GROUPS_DOC, "selection": {"query": 'VALUES ?item { "texte" wd:P31 }'}})
    odd = build_coverage(spec, client, site="sandbox", endpoint_url="", api_url=kb_sandbox.api_url,
                         options=Options(reader=reader))
    assert not odd.partial and odd.total(ALL_GROUP).items == table.total(ALL_GROUP).items
