"""``wikiclub report`` end to end on a kb.jsonl sandbox: a report, edits through the API, a second report
that shows the change (snapshots in SQLite), our batches from a push journal, labels from the public
escaped in every output, and ``--publish`` saving the wikitext page through pywikibot."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from wikiclub.adapters.pages import read_page
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.batch.journal import Journal
from wikiclub.cli import main
from wikiclub.credentials import Credentials
from wikiclub.report.snapshots import trend

EVIL = ["<script>alert(1)</script>", "{{Delete}}", "[[Category:X]]", '=HYPERLINK("http://evil.example","x")',
        "+1", "@SUM(A1:A9)", "Signé ~~~~ | ''gras''"]
CONFIG = """
[wikiclub]
site = "{api}"
[project]
name = "WikiClub Croissant boréal"
focus_item = "Q900100"
regions = ["Q176", "Q1904"]
languages = ["fr", "en"]
"""
SPEC = """
[defaults]
properties = ["P131", "P625", "P856", "P571", "P18"]
worklist = 40
[[groups]]
name = "Organismes"
classes = ["Q43229"]
properties = ["P131", "P856", "P571", "P159"]
"""


def _item(pid: str, qid: str) -> dict[str, Any]:
    return {"mainsnak": {"snaktype": "value", "property": pid, "datavalue": {
        "type": "wikibase-entityid", "value": {"entity-type": "item", "id": qid}}}, "type": "statement",
        "rank": "normal"}


def _url(pid: str, url: str, refs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    st: dict[str, Any] = {"mainsnak": {"snaktype": "value", "property": pid,
                                       "datavalue": {"type": "string", "value": url}},
                          "type": "statement", "rank": "normal"}
    if refs:
        st["references"] = refs
    return st


@pytest.fixture(scope="module")
def setup(kb_sandbox: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("report-cli")
    (root / "wikiclub.toml").write_text(CONFIG.format(api=kb_sandbox.site), "utf-8")
    (root / "wikiclub-report.toml").write_text(SPEC, "utf-8")
    return {"root": root, "sb": kb_sandbox}


def run_report(root: Path, out: str, *extra: str, env: dict[str, str] | None = None) -> Any:
    args = ["report", "--config", str(root / "wikiclub.toml"), "--spec", str(root / "wikiclub-report.toml"),
            "-o", str(root / "reports" / out), "--batches", str(root / "batches"), *extra]
    result = CliRunner().invoke(main, args, env=env or {}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def figure(rows: list[dict[str, str]], group: str, region: str, column: str) -> dict[str, str]:
    return next(r for r in rows if (r["group"], r["region"], r["column"]) == (group, region, column))


def test_edits_show_up_as_deltas_in_the_next_report(setup: dict[str, Any]) -> None:
    root, sb = setup["root"], setup["sb"]
    run_report(root, "r1")
    before = read_csv(root / "reports" / "r1" / "couverture.csv")
    org_in_quebec = int(figure(before, "Q43229*", "Q176", "items")["count"])
    with_site = int(figure(before, "Q43229*", "Q176", "P856")["count"])

    client = WikibaseClient(sb.api_url, requests.Session(), throttle=None)
    client.login(Credentials(sb.admin.name, sb.admin.password, "test"))
    # An organisation in Rouyn-Noranda (Q176) without a website gets one, with a real reference.
    target = next(w["item"] for w in json.loads((root / "reports" / "r1" / "couverture.json").read_text("utf-8"))
                  ["report"]["worklist"] if w["group"] == "Q43229*" and "P856" in w["missing"]
                  and w["item"] != "Q900249")
    entity = client.get_entities([target])[target]
    ref = [{"snaks": {"P854": [{"snaktype": "value", "property": "P854",
                                "datavalue": {"type": "string", "value": "https://registre.example.ca/1"}}]}}]
    client.edit_entity({"claims": [_url("P856", "https://exemple.example.ca/", ref)]}, entity_id=target,
                       baserevid=entity["lastrevid"], summary="test")
    # A new organisation on the focus list, in a Québec municipality, labelled by a prankster.
    created = []
    for i, label in enumerate(EVIL):
        new = client.edit_entity({"labels": {"fr": {"language": "fr", "value": label}},
                                  "descriptions": {"fr": {"language": "fr", "value": f"essai {i}"}},
                                  "claims": [_item("P31", "Q43229"), _item("P131", "Q900135"),
                                             _item("P5008", "Q900100")]}, new="item", summary="test")
        created.append(new["id"])
    batch = root / "batches" / "2025-01-01-test-abcd"
    batch.mkdir(parents=True)
    with Journal(batch) as journal:
        journal.register([("e1", 1, target, False, "edit"), ("e2", 2, None, True, "create")])
        journal.set_state("e1", "done", revid=1)
        journal.set_state("e2", "done", entity_id=created[0], revid=2)

    run_report(root, "r2")
    after = read_csv(root / "reports" / "r2" / "couverture.csv")
    region_of_new = json.loads((root / "reports" / "r2" / "couverture.json").read_text("utf-8"))
    assert region_of_new["previous"] is not None
    items = figure(after, "Q43229*", "Q176", "items")
    site = figure(after, "Q43229*", "Q176", "P856")
    assert int(items["count"]) == org_in_quebec + len(EVIL)
    assert items["delta"] == str(len(EVIL))
    assert int(site["count"]) == with_site + 1 and site["delta"] == "1"
    assert int(site["previous_count"]) == with_site
    sourced = figure(after, "Q43229*", "Q176", "sourced")
    assert sourced["delta"] == "1"  # the new website statement has a real reference
    md = (root / "reports" / "r2" / "couverture.md").read_text("utf-8")
    assert f"(+{len(EVIL)})" in md and "Comparé au rapport précédent" in md
    assert "1 éléments créés et 1 éléments modifiés par 1 lot(s)" in md
    history = root / "reports" / "snapshots.sqlite"
    points = trend(history, "sandbox", "WikiClub Croissant boréal")
    assert [p.items for p in points][-1] == points[0].items + len(EVIL)
    html = (root / "reports" / "r2" / "couverture.html").read_text("utf-8")
    assert "Évolution" in html and "<polyline" in html


def test_public_labels_are_escaped_in_every_output(setup: dict[str, Any]) -> None:
    root = setup["root"]
    out = root / "reports" / "r2"
    if not out.exists():
        pytest.skip("runs after the delta test")
    html = (out / "couverture.html").read_text("utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    wiki = (out / "couverture.wiki").read_text("utf-8")
    for bad in ("<script", "{{Delete}}", "[[Category:X]]", "~~~~", "''gras''"):
        assert bad not in wiki
    assert "&#123;&#123;Delete&#125;&#125;" in wiki
    md = (out / "couverture.md").read_text("utf-8")
    assert "<script>" not in md and "\\[\\[Category:X\\]\\]" in md
    rows = read_csv(out / "a-completer.csv")
    labels = {r["label"] for r in rows}
    for bad in ('=HYPERLINK("http://evil.example","x")', "+1", "@SUM(A1:A9)"):
        assert bad not in labels and "'" + bad in labels


def test_publish_saves_the_wikitext_page(setup: dict[str, Any], tmp_path: Path) -> None:
    root, sb = setup["root"], setup["sb"]
    env = {"WIKICLUB_BOT_USER": sb.admin.name, "WIKICLUB_BOT_PASSWORD": sb.admin.password,
           "WIKICLUB_CREDENTIALS_FILE": str(tmp_path / "none.toml")}
    result = run_report(root, "r3", "--no-history", "--publish", "Projet:WikiClub/Couverture", env=env)
    assert "Publié / published" in result.output
    assert sb.admin.password not in result.output
    text = read_page(sb.api_url, "Projet:WikiClub/Couverture", workdir=tmp_path / "pwb")
    assert text.strip() == (root / "reports" / "r3" / "couverture.wiki").read_text("utf-8").strip()


# ---- stable group ids: reordering or inserting groups changes no delta; old snapshots migrated ----------

ORDER_A = SPEC + """
[[groups]]
name = "Musées"
classes = ["Q33506"]
"""
ORDER_B = """
[defaults]
properties = ["P131", "P625", "P856", "P571", "P18"]
worklist = 40
[[groups]]
name = "Personnes"
classes = ["Q5"]
[[groups]]
name = "Musées (renommé)"
classes = ["Q33506"]
[[groups]]
name = "Organismes"
classes = ["Q43229"]
properties = ["P131", "P856", "P571", "P159"]
"""


def _deltas(path: Path) -> list[str]:
    return [r["delta"] for r in read_csv(path) if r["delta"] not in ("", "0")]


def _report_with(root: Path, spec: str, out: str, history: Path) -> Path:
    (root / f"{out}.toml").write_text(spec, "utf-8")
    args = ["report", "--config", str(root / "wikiclub.toml"), "--spec", str(root / f"{out}.toml"),
            "-o", str(root / "reports" / out), "--batches", str(root / "batches"), "--history", str(history),
            "--no-progress", "--cache", str(root / "order-cache.sqlite")]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root / "reports" / out / "couverture.csv"


def test_reordering_or_inserting_groups_changes_no_delta(setup: dict[str, Any], tmp_path: Path) -> None:
    root, history = setup["root"], tmp_path / "order.sqlite"
    first = _report_with(root, ORDER_A, "order-a", history)
    second = _report_with(root, ORDER_B, "order-b", history)
    assert not _deltas(second)  # nothing changed on the wiki: no « −12 », no « −33,3 pt »
    ids = {r["group"] for r in read_csv(second)}
    assert {"Q43229*", "Q33506*", "Q5*", "all"} == ids
    before = {(r["group"], r["region"], r["column"]): r["count"] for r in read_csv(first)}
    after = {(r["group"], r["region"], r["column"]): r for r in read_csv(second)}
    for key, count in before.items():  # the same group is compared with itself, whatever its place
        assert after[key]["previous_count"] == count and after[key]["count"] == count


def _make_positional(history: Path) -> None:
    """Rewrite a snapshot database as the positional-id code wrote it (g1…gN, schema version 0)."""
    with sqlite3.connect(history) as conn:
        for snap, text in conn.execute("SELECT id, body FROM snapshot").fetchall():
            body = json.loads(text)
            ids = {g["id"]: f"g{i}" for i, g in enumerate(body["groups"][1:], start=1)}
            for g in body["groups"]:
                g["id"] = ids.get(g["id"], g["id"])
            for key in ("cells", "worklist"):
                for entry in body[key]:
                    entry["group"] = ids.get(entry["group"], entry["group"])
            conn.execute("UPDATE snapshot SET body = ? WHERE id = ?", (json.dumps(body), snap))
            for new, old in ids.items():
                conn.execute("UPDATE figure SET grp = ? WHERE snapshot = ? AND grp = ?", (old, snap, new))
        conn.execute("PRAGMA user_version = 0")
    conn.close()


def test_old_positional_snapshots_are_migrated_once(setup: dict[str, Any], tmp_path: Path) -> None:
    from wikiclub.report.snapshots import migrate

    root, history = setup["root"], tmp_path / "old.sqlite"
    _report_with(root, ORDER_A, "old-a", history)
    _make_positional(history)
    with sqlite3.connect(history) as conn:
        assert {r[0] for r in conn.execute("SELECT DISTINCT grp FROM figure")} == {"all", "g1", "g2"}
    conn.close()
    second = _report_with(root, ORDER_B, "old-b", history)  # migrates, then compares
    assert not _deltas(second)
    assert any(r["previous_count"] for r in read_csv(second) if r["group"] == "Q33506*")
    with sqlite3.connect(history) as conn:
        groups = {r[0] for r in conn.execute("SELECT DISTINCT grp FROM figure")}
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    assert groups == {"all", "Q43229*", "Q33506*", "Q5*"} and version == 2
    assert migrate(history, ()) == 0  # once: a second call finds nothing to do
