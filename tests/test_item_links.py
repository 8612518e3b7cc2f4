"""Item links from the wiki's article path and namespaces (siteinfo), everywhere a person clicks: review
sheets, push reports, created.csv, coverage reports, pull sheets. On a default Wikibase items live in
``Item:`` (the sandbox: ``/w/index.php/Item:Q1``), where ``{root}/wiki/Q1`` is a 404."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import requests
from click.testing import CliRunner
from conftest import ROOT, Sandbox
from test_push import plan_batch, row, wiki, write_records

from wikiclub.cli import main
from wikiclub.report.model import CoverageTable
from wikiclub.siteinfo import siteinfo_from_answer


def _env(sb: Sandbox, tmp_path: Path) -> dict[str, str]:
    return {"WIKICLUB_BOT_USER": sb.admin.name, "WIKICLUB_BOT_PASSWORD": sb.admin.password, "WIKICLUB_CONFIG": "",
            "WIKICLUB_CREDENTIALS_FILE": str(tmp_path / "none.toml")}


def test_push_report_and_created_csv_link_items_where_the_wiki_serves_them(tmp_path: Path) -> None:
    from test_push import client

    sb = wiki(tmp_path / "wiki")
    try:
        records = write_records(tmp_path / "r.jsonl", [(None, row(2, "Salle Lien Test"))])
        batch = plan_batch(tmp_path / "batch", records, client(sb, login=False))
        res = CliRunner(env=_env(sb, tmp_path)).invoke(main, ["push", str(batch), "--site", sb.api_url,
                                                              "--throttle", "0", "--no-progress"])
        assert res.exit_code == 0, res.output
        with (batch / "created.csv").open(encoding="utf-8") as fh:
            [created] = list(csv.DictReader(fh))
        server = sb.app.config.server
        assert created["url"] == f"{server}/w/index.php/Item:{created['qid']}"
        assert f"[{created['qid']}]({created['url']})" in (batch / "push-report.md").read_text("utf-8")
        page = requests.get(created["url"], timeout=10)
        assert page.status_code == 200 and "Salle Lien Test" in page.text
    finally:
        sb.running.stop()


def test_review_sheet_links_items_through_siteinfo(kb_sandbox: Sandbox, tmp_path: Path) -> None:
    out = tmp_path / "review.csv"
    res = CliRunner().invoke(main, ["reconcile", str(ROOT / "tests/data/lieux.csv"), "-m",
                                    str(ROOT / "mappings/lieux.yaml"), "--properties", str(ROOT / "tests/data/kb.jsonl"),
                                    "--site", kb_sandbox.api_url, "-o", str(out), "--no-progress"])
    assert res.exit_code == 0, res.output
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    links = [r["lien / link"] for r in rows if r["lien / link"]]
    assert links and all(link.startswith(f"{kb_sandbox.app.config.server}/w/index.php/Item:Q") for link in links)


def test_report_links_items_and_properties_in_their_namespaces() -> None:
    answer: dict[str, Any] = {"query": {
        "general": {"server": "https://wiki.example.org", "articlepath": "/wiki/$1"},
        "namespaces": {"120": {"id": 120, "*": "Item", "defaultcontentmodel": "wikibase-item"},
                       "122": {"id": 122, "*": "Property", "defaultcontentmodel": "wikibase-property"}}}}
    info = siteinfo_from_answer("https://wiki.example.org/w/api.php", answer)
    from wikiclub.report.collect import _url_prefix

    table = CoverageTable("2026-01-01T00:00:00Z", "x", "", "", (), (), (), (),
                          entity_url=_url_prefix(info.item_url, "Q1"), property_url=_url_prefix(info.item_url, "P1"))
    assert table.url("Q42") == "https://wiki.example.org/wiki/Item:Q42"
    assert table.url("P31") == "https://wiki.example.org/wiki/Property:P31"
    again = CoverageTable.from_json(table.to_json())
    assert again.url("P31") == table.url("P31")
