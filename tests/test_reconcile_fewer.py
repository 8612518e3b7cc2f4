"""Fewer requests through the API alone, with the same decisions (docs/reconciliation.md « Fewer
requests »): each behaviour counted from the sandbox's JSON-lines request log."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import Sandbox, make_sandbox

from wikiclub.adapters.http import WikiclubSession
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.reconcile.candidates import ApiSource, RunMemo, empty_prefix
from wikiclub.reconcile.model import Decision, ReconQuery
from wikiclub.reconcile.run import RowInput, reconcile_rows

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Sandbox, Path]:
    from wikiclub.sandbox.load import load_dump

    folder = tmp_path_factory.mktemp("fewer")
    log = folder / "requests.jsonl"
    sb = make_sandbox(folder / "wiki", log_path=log)
    load_dump(sb.app, ROOT / "examples" / "kb.jsonl")
    yield sb, log
    sb.running.stop()


def client_of(sb: Sandbox) -> WikibaseClient:
    return WikibaseClient(sb.api_url, WikiclubSession(timeout=(5.0, 30.0), contact=None), throttle=None,
                          sleep=lambda s: None)


def searches(log: Path, start: int) -> list[str]:
    """The ``search`` texts of the wbsearchentities sent since line ``start`` of the log."""
    lines = log.read_text(encoding="utf-8").splitlines()[start:] if log.exists() else []
    out = []
    for line in lines:
        e = json.loads(line)
        if e.get("action") == "wbsearchentities" and isinstance(e.get("params"), dict):
            out.append(str(e["params"].get("search")))
    return out


def log_length(log: Path) -> int:
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


def test_an_empty_start_answers_every_longer_text(logged: tuple[Sandbox, Path]) -> None:
    sb, log = logged
    memo = RunMemo(client_of(sb))
    start = log_length(log)
    assert memo.search_entities("Zyxw Qvbn", language="fr") == []
    assert memo.search_entities("Zyxw Qvbn des arts", language="fr") == []  # answered: no request
    assert memo.search_entities("Zyxw Qvbn 2024", language="fr") == []       # a digit: an id could match
    assert memo.search_entities("zyxw qvbn des arts", language="fr") == []   # not a literal start: asked
    assert searches(log, start) == ["Zyxw Qvbn", "Zyxw Qvbn 2024", "zyxw qvbn des arts"]
    # a start that finds something answers nothing
    assert memo.search_entities("Refuge", language="fr")
    assert memo.search_entities("Refuge Pageau", language="fr")
    assert searches(log, start)[-2:] == ["Refuge", "Refuge Pageau"]


def test_empty_prefix_is_a_literal_start_without_digits() -> None:
    assert empty_prefix("Club arts du Sud", [("Club arts", "fr")])
    assert not empty_prefix("Club arts du Sud", [("Club  arts", "fr")])
    assert not empty_prefix("Q42 Club", [("Q4", "fr")])
    assert not empty_prefix("Club arts", [("", "fr")])


def test_a_shorter_round_asked_first_answers_the_longer_one(logged: tuple[Sandbox, Path]) -> None:
    """An invented name: the last prefix round's text (« Cercle Qvbnix ») is a start of the first
    round's (« Cercle Qvbnix boréal »); asked first and empty, it answers both rounds."""
    sb, log = logged
    rows = [RowInput("t:2", 2, ReconQuery(text="Cercle Qvbnix boréal du Nord", language="fr"))]
    start = log_length(log)
    res = reconcile_rows(rows, ApiSource(client_of(sb)))
    sent = searches(log, start)
    assert res[0].entity.decision == Decision.NEW
    assert "Cercle Qvbnix" in sent
    assert "Cercle Qvbnix boréal" not in sent, sent
    assert len(sent) == len(set(sent))


def test_a_longer_name_no_item_of_its_start_can_match_is_not_searched(logged: tuple[Sandbox, Path]) -> None:
    """« Refuge Pageau (bureau principal) »: « Refuge Pageau » asked first finds one item, none of whose
    labels or aliases starts with the longer name — its search is skipped, the MATCH is the same."""
    sb, log = logged
    rows = [RowInput("t:2", 2, ReconQuery(text="Refuge Pageau (bureau principal)", language="fr"))]
    start = log_length(log)
    res = reconcile_rows(rows, ApiSource(client_of(sb)))
    sent = searches(log, start)
    assert res[0].entity.decision == Decision.MATCH and res[0].entity.qid == "Q900285"
    assert sent[0] == "Refuge Pageau"
    assert "Refuge Pageau (bureau principal)" not in sent, sent


def test_a_longer_name_an_item_may_match_is_still_searched(logged: tuple[Sandbox, Path]) -> None:
    """The same probe, but an item of the start's answer has an alias starting with the longer name:
    the longer name's own search is asked (it may find that item first, as before)."""
    from wikiclub.facts import facts_from_entity

    sb, log = logged
    source = ApiSource(client_of(sb)).for_run()
    names = ["Refuge Pageau (bureau principal)", "Refuge Pageau"]
    start = log_length(log)
    ids = source.probe_names(names, "fr")
    assert ids == ["Q900285"]
    entity = {"id": "Q900285", "labels": {"fr": {"language": "fr", "value": "Refuge Pageau"}},
              "aliases": {"fr": [{"language": "fr", "value": "Refuge Pageau (bureau principal) d'Amos"}]}}
    source.settle_probes(lambda q: facts_from_entity(entity) if q == "Q900285" else None)
    assert source.search(names, "fr") == ["Q900285"]
    assert searches(log, start) == ["Refuge Pageau", "Refuge Pageau (bureau principal)"]


def test_the_closures_in_one_walk_fetch_the_same_facts_in_fewer_batches(tmp_path: Path) -> None:
    from wikiclub.adapters.index import LocalIndex, build_from_dump
    from wikiclub.reconcile.candidates import IndexSource
    from wikiclub.reconcile.knowledge import Knowledge

    build_from_dump(ROOT / "examples" / "kb.jsonl", tmp_path / "kb.sqlite")
    index = LocalIndex(tmp_path / "kb.sqlite")
    try:
        source = IndexSource(index)
        seeds = source.search(["Refuge Pageau"], "fr") + source.search(["Théâtre du cuivre"], "fr")
        calls: list[list[str]] = []

        def counted(ids: list[str]) -> dict[str, object]:
            calls.append(ids)
            return source.fetch(ids)  # type: ignore[return-value]

        one, three = Knowledge(counted), Knowledge(source.fetch)  # type: ignore[arg-type]
        one.load(seeds)
        three.load(seeds)
        facts = [f for q in seeds if (f := one.known(q))]
        calls.clear()
        one.prefetch_all(facts, extra=["P131"])
        batches = len(calls)
        three.prefetch_classes(facts)
        three.prefetch_places(p for f in facts for p in (f.qid, *f.located_in))
        three.prefetch_referenced(facts)
        three.load(["P131"])
        assert set(one._facts) == set(three._facts)  # noqa: SLF001
        calls.clear()
        walks = Knowledge(counted)  # type: ignore[arg-type]
        walks.load(seeds)
        calls.clear()
        walks.prefetch_classes(facts)
        walks.prefetch_places(p for f in facts for p in (f.qid, *f.located_in))
        walks.prefetch_referenced(facts)
        walks.load(["P131"])
        assert batches < len(calls)
    finally:
        index.close()


def _reconcile(sb: Sandbox, log: Path, tmp_path: Path, sheet: str, mapping: str, *, sparql: bool
               ) -> tuple[str, int, list[str]]:
    """`wikiclub reconcile` with a wikiclub.toml naming no [project]: (output, API requests, decisions)."""
    from click.testing import CliRunner

    from wikiclub.cli import main

    conf = tmp_path / f"wikiclub-{sparql}.toml"
    conf.write_text(f'[wikiclub]\nsite = "local"\nthrottle = 0\n[sites.local]\napi = "{sb.api_url}"\n'
                    + (f'sparql = "{sb.sparql_url}"\n' if sparql else ""), "utf-8")
    out = tmp_path / f"review-{sparql}.csv"
    start = log_length(log)
    res = CliRunner().invoke(main, ["reconcile", str(ROOT / "examples" / sheet), "-m", str(ROOT / "mappings" / mapping),
                                    "--config", str(conf), "--no-progress", "--cache-dir", str(tmp_path / "cache"),
                                    "--properties", str(ROOT / "examples" / "kb.jsonl"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    sent = log_length(log) - start
    with out.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    cols = [i for i, c in enumerate(table[0]) if c in ("QID", "décision machine") or c.endswith(("→ QID",
                                                                                                   ": décision machine"))]
    decisions = [" ".join(r[i].split(" ")[0] for i in cols) for r in table[1:]]  # MATCH / NEW / REVIEW, QIDs
    return res.output, sent, decisions


def test_a_mapping_focus_list_is_read_first_when_the_project_names_none(logged: tuple[Sandbox, Path],
                                                                         tmp_path: Path) -> None:
    """mappings/lieux.yaml names a focus list (P5008 = Q900100) and wikiclub.toml no [project]: with a
    query service, the focus list's items are indexed and asked first — fewer API requests; without
    one, the API alone, as before. The same decisions (entity and municipality cells) either way."""
    sb, log = logged
    alone, api_alone, decided_alone = _reconcile(sb, log, tmp_path, "lieux.csv", "lieux.yaml", sparql=False)
    first, api_first, decided_first = _reconcile(sb, log, tmp_path, "lieux.csv", "lieux.yaml", sparql=True)
    assert decided_first == decided_alone and any(d.startswith("MATCH Q") for d in decided_alone)
    assert "Index régional / regional index" not in alone
    assert "Index régional / regional index" in first
    assert list((tmp_path / "cache").glob("region-*.sqlite"))
    assert api_first < api_alone
