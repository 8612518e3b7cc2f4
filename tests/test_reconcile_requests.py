"""Every distinct lookup is asked once per run: ``wikiclub reconcile`` on each example sheet, through the
API of a sandbox that logs its requests (JSON lines), never sends the same request twice — same action,
same parameters, tokens aside."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Sandbox, make_sandbox

from wikiclub.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHEETS = [("organismes-culturels.csv", "organismes-culturels.yaml"), ("lieux.csv", "lieux.yaml"),
          ("festivals.xlsx", "festivals.yaml"), ("artistes.csv", "artistes.yaml")]
ASIDE = ("token", "cookie", "format", "formatversion", "maxlag", "assert", "errorformat", "uselang",
         "origin", "requestid", "curtimestamp")


@pytest.fixture(scope="module")
def logged_sandbox(tmp_path_factory: pytest.TempPathFactory) -> tuple[Sandbox, Path]:
    from wikiclub.sandbox.load import load_dump

    folder = tmp_path_factory.mktemp("logged-sandbox")
    log = folder / "requests.jsonl"
    sb = make_sandbox(folder / "wiki", log_path=log)
    load_dump(sb.app, EXAMPLES / "kb.jsonl")
    yield sb, log
    sb.running.stop()


def request_key(entry: dict[str, object]) -> str:
    """What makes two requests the same: the action and the parameters, tokens and envelope aside."""
    params = entry.get("params")
    kept = {k: v for k, v in (params.items() if isinstance(params, dict) else ())
            if not any(a in k.lower() for a in ASIDE)}
    return json.dumps([entry.get("action"), entry.get("method"), sorted(kept.items())], ensure_ascii=False)


def lines_of(log: Path) -> list[dict[str, object]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize(("sheet", "mapping"), SHEETS)
def test_reconcile_sends_no_identical_request_twice(logged_sandbox: tuple[Sandbox, Path], tmp_path: Path,
                                                    sheet: str, mapping: str) -> None:
    sb, log = logged_sandbox
    before = len(lines_of(log))
    res = CliRunner().invoke(main, ["reconcile", str(EXAMPLES / sheet), "-m", str(ROOT / "mappings" / mapping),
                                    "--site", sb.site, "--no-progress", "--cache-dir", str(tmp_path / "cache"),
                                    "-o", str(tmp_path / "review.xlsx")])
    assert res.exit_code == 0, res.output
    sent = lines_of(log)[before:]
    assert any(e.get("action") == "wbsearchentities" for e in sent), "the run asked the wiki nothing"
    repeats = {k: n for k, n in Counter(request_key(e) for e in sent).items() if n > 1}
    assert not repeats, f"{len(repeats)} requests sent more than once (of {len(sent)}): " + "; ".join(
        f"{n}× {k}" for k, n in list(repeats.items())[:10])
    # the reachability check's answer is the run's siteinfo: namespaces and search engine not asked again
    siteinfo = [e for e in sent if isinstance(e.get("params"), dict) and e["params"].get("meta") == "siteinfo"]
    assert len(siteinfo) == 1, siteinfo


def test_the_rows_classes_are_walked_with_the_candidates_classes() -> None:
    """The classes the rows look for (a category cell's hints) climb their P279* chain in the same
    batches as the candidates' classes: as many requests as the deepest chain, not one per class."""
    from wikiclub.facts import facts_from_entity
    from wikiclub.reconcile.knowledge import Knowledge

    def cls(qid: str, parent: str | None) -> dict[str, object]:
        claims = {"P279": [{"mainsnak": {"snaktype": "value", "property": "P279", "datatype": "wikibase-item",
                                         "datavalue": {"type": "wikibase-entityid", "value": {"id": parent}}},
                            "type": "statement", "rank": "normal"}]} if parent else {}
        return {"type": "item", "id": qid, "labels": {}, "claims": claims}

    world = {q: facts_from_entity(cls(q, p)) for q, p in
             [("Q1", "Q2"), ("Q2", "Q3"), ("Q3", None), ("Q11", "Q12"), ("Q12", "Q13"), ("Q13", None)]}
    batches: list[list[str]] = []

    def fetch(ids: list[str]) -> dict[str, object]:
        batches.append(sorted(ids))
        return {i: world[i] for i in ids if i in world}

    kb = Knowledge(fetch)  # type: ignore[arg-type]
    candidate = facts_from_entity({"type": "item", "id": "Q100", "labels": {}, "claims": {
        "P31": [{"mainsnak": {"snaktype": "value", "property": "P31", "datatype": "wikibase-item",
                              "datavalue": {"type": "wikibase-entityid", "value": {"id": "Q1"}}},
                 "type": "statement", "rank": "normal"}]}})
    kb.prefetch_all([candidate], classes=["Q11"])
    assert len(batches) == 3 and {"Q1", "Q11"} <= set(batches[0]), batches  # three levels, shared
    before = len(batches)
    assert kb.superclasses("Q11") == {"Q11", "Q12", "Q13"} and len(batches) == before  # no request left


def test_the_memory_lasts_one_run_only(logged_sandbox: tuple[Sandbox, Path]) -> None:
    """A second run with the same source asks again (it must see the wiki's edits), and within one run
    the same town in two rows is searched once."""
    from wikiclub.adapters.http import WikiclubSession
    from wikiclub.adapters.wikibase import WikibaseClient
    from wikiclub.reconcile.candidates import ApiSource
    from wikiclub.reconcile.model import ReconQuery
    from wikiclub.reconcile.run import PLACE, LinkedCell, RowInput, reconcile_rows

    sb, log = logged_sandbox
    client = WikibaseClient(sb.api_url, WikiclubSession(timeout=(5.0, 30.0), contact=None), throttle=None,
                            sleep=lambda s: None)
    source = ApiSource(client)
    rows = [RowInput(f"t:{n}", n, ReconQuery(text=name, language="fr"),
                     (LinkedCell("Municipalité", "Rouyn-Noranda", role=PLACE),))
            for n, name in ((2, "Théâtre du cuivre"), (3, "Agora des Arts"))]

    def town_searches() -> int:
        sent = lines_of(log)[before:]
        return sum(1 for e in sent if e.get("action") == "wbsearchentities"
                   and isinstance(e.get("params"), dict) and e["params"].get("search") == "Rouyn-Noranda")

    before = len(lines_of(log))
    reconcile_rows(rows, source)
    assert town_searches() == 1
    before = len(lines_of(log))
    reconcile_rows(rows, source)
    assert town_searches() == 1
