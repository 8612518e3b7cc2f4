"""The atelier without a browser (Flask's test client over the real app, a real sandbox): security —
CSRF, host check, uploads kept inside the project and size-limited, no path traversal, hostile labels
escaped, no password in a page or a log — and the pieces: cards from whatever a candidate carries, the
review order and filters, the push event adapter, the command's help."""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from atelier_support import HOSTILE, HOSTILE_IMG, atelier_wiki, credentials_env, example_sheet, project
from click.testing import CliRunner
from conftest import Sandbox
from flask import Flask
from flask.testing import FlaskClient

from wikiclub.atelier.cards import candidate_card
from wikiclub.atelier.progress import Wait, lang_part, push_update
from wikiclub.atelier.project import Project, safe_filename
from wikiclub.batch.push import PushEvent
from wikiclub.cli import main
from wikiclub.cli.atelier import build_atelier
from wikiclub.reconcile.review import human_value, read_review


@pytest.fixture(scope="module")
def wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sb = atelier_wiki(tmp_path_factory.mktemp("atelier-unit-wiki"))
    yield sb
    sb.running.stop()


@pytest.fixture
def app(wiki: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    credentials_env(monkeypatch, wiki, tmp_path)
    folder = project(tmp_path / "projet", wiki)
    example_sheet(folder)
    flask_app = build_atelier(folder, None, None)
    yield flask_app
    flask_app.extensions["atelier"].jobs.stop_all()


def _token(client: FlaskClient) -> str:
    page = client.get("/").get_data(as_text=True)
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found
    return found.group(1)


def _wait_job(app: Flask, work: str) -> dict[str, Any]:
    job = app.extensions["atelier"].jobs.latest(work)
    while job.running:
        time.sleep(0.05)
    return job.snapshot()


def _reconciled(app: Flask, client: FlaskClient) -> str:
    token = _token(client)
    answer = client.post("/works", data={"csrf": token, "sheet": "lieux.csv", "mapping": "mappings/lieux.yaml"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/work/lieux")
    client.post("/work/lieux/reconcile", data={"csrf": token})
    snap = _wait_job(app, "lieux")
    assert snap["state"] == "done", snap
    return token


def test_every_post_needs_the_token_and_the_right_host(app: Flask) -> None:
    client = app.test_client()
    refused = client.post("/works", data={"sheet": "lieux.csv", "mapping": "mappings/lieux.yaml"})
    assert refused.status_code == 400 and "Jeton de sécurité" in refused.get_data(as_text=True)
    wrong = client.post("/works", data={"csrf": "x" * 43, "sheet": "lieux.csv", "mapping": "mappings/lieux.yaml"})
    assert wrong.status_code == 400
    token = _token(client)
    other_site = client.post("/works", data={"csrf": token, "sheet": "lieux.csv", "mapping": "mappings/lieux.yaml"},
                             headers={"Origin": "http://evil.example"})
    assert other_site.status_code == 403
    rebound = client.get("/", headers={"Host": "evil.example:8767"})  # DNS rebinding to 127.0.0.1
    assert rebound.status_code == 403
    assert not (Path(app.extensions["atelier"].project.root) / "atelier").exists()
    page = client.get("/")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_uploads_stay_inside_the_project_and_are_limited(app: Flask, tmp_path: Path) -> None:
    client = app.test_client()
    token = _token(client)
    root = Path(app.extensions["atelier"].project.root)
    sheet = (root / "lieux.csv").read_bytes()
    sent = client.post("/works", data={"csrf": token, "mapping": "mappings/lieux.yaml",
                                        "upload": (io.BytesIO(sheet), "../../../evil/lieux.csv")},
                       content_type="multipart/form-data")
    assert sent.status_code == 302
    assert (root / "sheets" / "lieux.csv").read_bytes() == sheet and not (tmp_path / "evil").exists()
    again = client.post("/works", data={"csrf": token, "mapping": "mappings/lieux.yaml",
                                         "upload": (io.BytesIO(sheet), "lieux.csv")},
                        content_type="multipart/form-data")
    assert again.status_code == 302 and (root / "sheets" / "lieux-2.csv").exists()  # never overwritten
    not_a_sheet = client.post("/works", data={"csrf": token, "mapping": "mappings/lieux.yaml",
                                               "upload": (io.BytesIO(b"#!/bin/sh"), "x.sh")},
                              content_type="multipart/form-data")
    assert not_a_sheet.status_code == 422 and not (root / "sheets" / "x.sh").exists()
    app.config["MAX_CONTENT_LENGTH"] = 1000
    big = client.post("/works", data={"csrf": token, "mapping": "mappings/lieux.yaml",
                                       "upload": (io.BytesIO(b"a;b\n" * 1000), "big.csv")},
                      content_type="multipart/form-data")
    assert big.status_code == 413 and "trop gros" in big.get_data(as_text=True)
    for bad in ("../wikiclub.toml", "/etc/passwd", "lieux.csv/../../x.csv"):
        picked = client.post("/works", data={"csrf": token, "sheet": bad, "mapping": "mappings/lieux.yaml"})
        assert picked.status_code == 422, bad
    assert client.get("/work/..%2F..%2Fetc").status_code in (404, 422)
    assert client.get("/lang/en?next=//evil.example/").headers["Location"] == "/"


def test_safe_filenames() -> None:
    assert safe_filename("../../a/b/Théâtre du cuivre.CSV") == "Théâtre du cuivre.csv"
    assert safe_filename("..\\..\\x.xlsx") == "x.xlsx"
    assert safe_filename("<script>.csv") == "script.csv"
    with pytest.raises(Exception, match="hors du projet|outside"):
        Project.at(Path(".")).inside(Path("../x"))


def test_review_page_escapes_and_decisions_land_in_the_sheet(app: Flask, wiki: Sandbox,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    token = _reconciled(app, client)
    page = client.get("/work/lieux/review?text=pwned").get_data(as_text=True)  # the hostile row of the sheet
    assert HOSTILE not in page and HOSTILE_IMG not in page and "&lt;script&gt;" in page
    review_page = client.get("/work/lieux/review?decision=todo").get_data(as_text=True)
    assert "&lt;img src=x" in review_page and "<img src=x" not in review_page  # the look-alike's description
    review = Path(app.extensions["atelier"].project.root) / "atelier" / "lieux" / "review.xlsx"
    todo = [d for d in read_review(review) if d.decision.value == "REVIEW"]
    key = todo[0].key
    decided = client.post("/work/lieux/review/decide", data={"csrf": token, "key": key, "value": "NEW",
                                                             "decision": "todo"})
    assert decided.status_code == 302 and "decision=todo" in decided.headers["Location"]
    assert human_value(next(d for d in read_review(review) if d.key == key)) == "NEW"
    client.post("/work/lieux/review/undo", data={"csrf": token})
    assert human_value(next(d for d in read_review(review) if d.key == key)) == ""
    bad = client.post("/work/lieux/review/decide", data={"csrf": token, "key": key, "value": "=cmd()"})
    assert bad.status_code == 422
    # the push: planned, approved, published; the password never shows
    client.post("/work/lieux/plan", data={"csrf": token})
    client.post("/work/lieux/approve", data={"csrf": token, "by": "User:Relectrice"})
    client.post("/work/lieux/publish", data={"csrf": token})
    job = app.extensions["atelier"].jobs.latest("lieux", "push")
    pages = []
    while job.running:
        pages.append(client.get(f"/jobs/{job.id}").get_data(as_text=True))
        time.sleep(0.05)
    assert job.state == "done", job.snapshot()
    pages += [client.get(p).get_data(as_text=True) for p in ("/", "/work/lieux", "/work/lieux/review",
                                                               "/work/lieux/batch", "/work/lieux/publish")]
    secret = wiki.admin.password
    assert all(secret not in p for p in pages)
    batch = pages[-2]  # the French batch page: the plan's notes in French only (held rows among them)
    assert "<strong>retenu</strong>" in batch and "never created" not in batch and "row held" not in batch, batch
    assert secret not in caplog.text
    published = pages[-1]
    assert "Éléments créés" in published and wiki.running.url + "/wiki/Q" in published


def test_errors_are_pages_not_tracebacks(app: Flask) -> None:
    client = app.test_client()
    token = _token(client)
    missing = client.get("/work/nope")
    assert missing.status_code == 422 and "Travail inconnu : « nope »" in missing.get_data(as_text=True)
    client.post("/works", data={"csrf": token, "sheet": "lieux.csv", "mapping": "mappings/lieux.yaml"})
    no_review = client.get("/work/lieux/review").get_data(as_text=True)
    assert "réconciliez d&#39;abord" in no_review and "Traceback" not in no_review
    client.get("/lang/en")
    english = client.get("/work/nope").get_data(as_text=True)
    assert "unknown work: « nope »" in english and "Travail inconnu" not in english
    assert client.get("/jobs/0000").status_code == 404


def test_cards_show_whatever_the_candidate_has() -> None:
    def link(q: str) -> str:
        return f"https://wiki.test/wiki/{q}"

    plain = candidate_card({"qid": "Q1", "label": "Théâtre", "description": "salle", "score": 88.0,
                            "features": [["name", "« Théâtre »", 60, False, False], ["place", "Amos ≠ Val-d'Or",
                                                                                     -30, False, True]]}, link)
    assert plain.url == "https://wiki.test/wiki/Q1" and plain.blocked and not plain.classes
    rich = candidate_card({"id": "Q2", "label": "Salle", "score": 70, "classes": [{"id": "Q5", "label": "salle"}],
                           "place": ["Amos", {"label": "Abitibi", "id": "Q9"}],
                           "identifiers": {"P856": "https://salle.test"},
                           "facts": [{"property": "P571", "verdict": "contradict", "row": "1980", "item": "1975"}],
                           "reasons": ["même nom", "autre année de fondation"]}, link, chosen_qid="Q2")
    assert rich.classes == ("salle (Q5)",) and rich.place == ("Amos", "Abitibi (Q9)") and rich.chosen
    assert rich.identifiers == (("P856", "https://salle.test"),) and rich.facts[0].verdict == "contradict"
    assert rich.blocked and rich.reasons == ("même nom", "autre année de fondation")


def test_a_card_shows_the_reconciliations_evidence() -> None:
    """The candidate JSON the reconcile stage stores (``store.candidate_to_json``, with its ``evidence``):
    the card shows its classes, places and the row's facts checked, a contradiction as such."""
    from wikiclub.reconcile.model import Evidence, FactCheck, Feature, ScoredCandidate
    from wikiclub.reconcile.store import candidate_to_json

    born = FactCheck("P569", "date de naissance", "contradicts", "1991", "1863-04-29", hard=True)
    job = FactCheck("P106", "occupation", "agrees", "musicien", "musicien")
    sc = ScoredCandidate("Q7", "William Randolph Hearst", "éditeur américain", 60.0,
                         (Feature("name", "nom égal", 60.0),),
                         Evidence("Q7", "William Randolph Hearst", "éditeur américain", ("être humain",),
                                  ("San Francisco",), (born, job)))
    card = candidate_card(candidate_to_json(sc), lambda q: f"https://wiki.test/wiki/{q}")
    assert card.description == "éditeur américain" and card.classes == ("être humain",)
    assert card.place == ("San Francisco",)
    assert [(f.what, f.verdict, f.row_value, f.item_value) for f in card.facts] == [
        ("date de naissance", "contradict", "1991", "1863-04-29"), ("occupation", "agree", "musicien", "musicien")]
    assert card.blocked


def test_the_push_event_adapter() -> None:
    edit = push_update(PushEvent("abc", "Théâtre", "done", "", 2, 5))
    assert (edit.kind, edit.position, edit.total, edit.label, edit.state) == ("edit", 2, 5, "Théâtre", "done")
    wait = push_update(Wait("maxlag", 5.0))
    assert (wait.kind, wait.waiting_for, wait.seconds) == ("wait", "maxlag", 5.0)
    other = push_update(SimpleNamespace(code="ratelimited", delay=12))  # a client's own wait event
    assert (other.kind, other.waiting_for, other.seconds) == ("wait", "ratelimited", 12.0)
    assert lang_part("Fichier trop gros / file too large", "en") == "file too large"
    assert lang_part("a / b / c", "fr") == "a / b / c"
    assert lang_part("Lot non approuvé / batch not approved: batches/x", "fr") == "Lot non approuvé : batches/x"


def test_the_command_has_help_and_refuses_a_missing_folder(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["atelier", "--help"])
    assert res.exit_code == 0 and "wikiclub atelier" in res.output and "xemple" in res.output
    missing = CliRunner().invoke(main, ["atelier", "--folder", str(tmp_path / "nope")])
    assert missing.exit_code == 2


def test_a_stopped_reconciliation_resumes_from_its_checkpoint(app: Flask) -> None:
    from wikiclub.atelier.jobs import Job
    from wikiclub.atelier.steps import reconcile_step

    at = app.extensions["atelier"]
    root = Path(at.project.root)
    work = at.project.new_work(root / "lieux.csv", root / "mappings" / "lieux.yaml")
    calls = {"n": 0}

    class StopAfterThree(Job):
        def check_stop(self) -> None:  # « Arrêter » pressed while the fourth row starts
            calls["n"] += 1
            if calls["n"] > 3:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        reconcile_step(StopAfterThree("reconcile", work.name), work, at.wiring)
    assert not work.review.exists() and len(work.checkpoint.read_text("utf-8").splitlines()) == 3
    job = Job("reconcile", work.name)
    result = reconcile_step(job, work, at.wiring)
    assert work.review.exists() and not work.checkpoint.exists()
    assert sum(result["counts"][d] for d in ("MATCH", "NEW", "REVIEW")) == job.total == 40, (result, job.total)


def test_the_atelier_reconciles_as_the_cli_does_on_a_wiki_without_cirrussearch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bare Wikibase (its search case- and accent-sensitive): the atelier says why and reconciles
    through the wiki's own index, as ``wikiclub reconcile`` does — « THEATRE DU CUIVRE » is the item
    « Théâtre du cuivre », not a new one (the API's search alone finds nothing: a duplicate)."""
    from conftest import make_sandbox

    from wikiclub.atelier.jobs import Job
    from wikiclub.atelier.steps import reconcile_step
    from wikiclub.sandbox.load import load_dump

    sb = make_sandbox(tmp_path / "bare", search="sql")
    try:
        load_dump(sb.app, Path(__file__).parent / "data" / "kb.jsonl")
        credentials_env(monkeypatch, sb, tmp_path)
        folder = project(tmp_path / "projet", sb)
        sheet = folder / "lieux.csv"
        sheet.write_text("Nom;Catégorie;Adresse;Municipalité;Code postal;Latitude;Longitude;Site internet;Téléphone;"
                         "Remarques\nTHEATRE DU CUIVRE;Salle de spectacle;;Rouyn-Noranda;;;;;;\n", encoding="cp1252")
        app = build_atelier(folder, None, None)
        at = app.extensions["atelier"]
        work = at.project.new_work(sheet, folder / "mappings" / "lieux.yaml")
        job = Job("reconcile", work.name)
        result = reconcile_step(job, work, at.wiring)
        assert any("CirrusSearch" in line for line, _ in job.lines), job.lines
        assert result["counts"]["MATCH"] == 1, result
        [row] = read_review(work.review)
        assert row.qid == "Q900265"
    finally:
        sb.running.stop()
