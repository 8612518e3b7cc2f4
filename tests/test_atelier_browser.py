"""The atelier in a real browser (Debian's Chromium driven by selenium): the whole path on a sandbox — an
example sheet dropped in, checked, reconciled, three REVIEW rows decided with the keyboard, the batch
planned, approved and published, the items found on the wiki — then a push stopped midway and
resumed by a new atelier, hostile labels inert, a POST without the CSRF token refused.

Outside CI the tests are skipped when Chromium is absent; in CI (``CI=true``) they fail instead.
With ``WIKICLUB_SCREENSHOTS=docs/images`` they write the README's screenshots.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from atelier_support import (
    atelier_wiki,
    chromium,
    credentials_env,
    example_sheet,
    project,
    running_atelier,
    screenshot,
)
from conftest import Sandbox
from test_push import client

from wikiclub.batch.journal import iter_journal
from wikiclub.reconcile.review import human_value, read_review

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sb = atelier_wiki(tmp_path_factory.mktemp("atelier-wiki"))
    yield sb
    sb.running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def _wait(driver: Any, predicate: Any, timeout: float = 60.0, what: str = "") -> Any:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(predicate, message=what)
    except TimeoutException:
        main = driver.find_elements("css selector", "main")
        raise AssertionError(f"{what}: not seen; the page says: {main[0].text if main else driver.title}") from None


def _css(driver: Any, selector: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def _button(driver: Any, text: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.XPATH, f"//button[contains(normalize-space(.), {json.dumps(text, ensure_ascii=False)})]")


def _new_page(driver: Any, action: Any, what: str) -> None:
    """Do ``action`` (a click, a key) and wait until the browser shows the next page, fully loaded."""
    before = driver.execute_script("return performance.timeOrigin")
    action()
    _wait(driver, lambda d: d.execute_script("return performance.timeOrigin") != before
          and d.execute_script("return document.readyState") == "complete", what=what)


def _key(driver: Any, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    _new_page(driver, lambda: ActionChains(driver).send_keys(key).perform(), f"key {key} → new page")


def _press(driver: Any, text: str) -> None:
    """Click the button that says ``text`` and wait for the page it leads to."""
    button = _button(driver, text)
    _new_page(driver, button.click, f"« {text} » → new page")


def _job_done(driver: Any, timeout: float = 90.0) -> None:
    _wait(driver, lambda d: not d.find_elements("css selector", '[data-job][data-state="running"]'), timeout,
          "the job ends and the page reloads")


def _inert(driver: Any) -> None:
    """No hostile text ran: the title is the atelier's, and it shows as text."""
    assert "pwned" not in driver.title
    assert not driver.execute_script("return document.querySelector('main script, main img[src=x]')")


def _start_work(driver: Any, url: str, sheet: Path) -> None:
    driver.get(url + "/")
    screenshot(driver, "accueil")
    _css(driver, "#upload").send_keys(str(sheet))  # « déposer un tableur »
    _press(driver, "Ouvrir")
    assert "/work/lieux" in driver.current_url
    _press(driver, "Vérifier")
    _wait(driver, lambda d: "lignes lues" in d.page_source, what="the check's summary")
    _press(driver, "Réconcilier")
    _job_done(driver)
    assert "à décider sur" in driver.page_source


def test_the_whole_path_in_the_browser(wiki: Sandbox, browser: Any, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    credentials_env(monkeypatch, wiki, tmp_path)
    folder = project(tmp_path / "projet", wiki)
    sheet = example_sheet(tmp_path)  # outside the project: the browser uploads it
    with running_atelier(folder) as run:
        d = browser
        _start_work(d, run.url, sheet)
        assert (folder / "sheets" / "lieux.csv").exists()  # the upload landed inside the project
        screenshot(d, "verification")
        _inert(d)

        # the review, rows to decide first; three REVIEW rows decided with the keyboard
        _new_page(d, _css(d, "a.button.primary[href$='/review']").click, "review page")
        review = folder / "atelier" / "lieux" / "review.xlsx"
        first = _css(d, "h2#h-row").text
        assert "REVIEW" in _css(d, ".row-head .pill").text
        _inert(d)
        screenshot(d, "revision")
        keys = ["1", "2", "n"]
        decided: list[str] = []
        for key in keys:
            decided.append(_css(d, "h2#h-row").text)
            _key(d, key)
        got = {hd.row: human_value(hd) for hd in read_review(review) if hd.by_human}
        assert len(got) == 3 and "NEW" in got.values(), got  # saved in the XLSX at once
        _key(d, "u")  # undo the NEW …
        assert len([hd for hd in read_review(review) if hd.by_human]) == 2
        assert _css(d, "h2#h-row").text == decided[-1]
        _key(d, "n")  # … and decide it again: the page moves on to the next row to decide
        after = _css(d, "h2#h-row").text
        _key(d, "k")  # previous
        assert _css(d, "h2#h-row").text == decided[-1]
        _key(d, "j")  # next
        assert _css(d, "h2#h-row").text == after
        assert decided[0] == first

        # the batch: plan, read before → after, approve
        d.get(run.url + "/work/lieux/batch")
        _press(d, "Préparer le lot")
        _wait(d, lambda x: "modification(s) d'élément" in x.page_source, what="the plan")
        assert "Avant (sur le wiki)" in d.page_source and "Après" in d.page_source
        _inert(d)
        screenshot(d, "lot")
        _css(d, "#by").send_keys("User:Relectrice")
        _press(d, "Approuver")
        _wait(d, lambda x: "/publish" in x.current_url, what="the publish page")
        _new_page(d, _css(d, "#publish").click, "publish")
        _job_done(d)
        assert "Publié" in d.page_source and "Éléments créés" in d.page_source
        screenshot(d, "publication")
        links = [a.get_attribute("href") for a in d.find_elements("css selector", "ul.created a")]
        assert links and all(link.startswith(wiki.running.url + "/wiki/Q") for link in links)

        # on the wiki: the created items exist, the chosen candidates were edited
        batch = next((folder / "batches").iterdir())
        entries = list(iter_journal(batch))
        assert entries and all(e.state in ("done", "conflict") for e in entries)
        created = [e.entity_id for e in entries if e.created]
        c = client(wiki, login=False)
        try:
            found = c.get_entities([q for q in created if q])
        finally:
            c.session.close()
        assert found and all("missing" not in e for e in found.values())
        assert wiki.admin.password not in d.page_source

        # the coverage report and the « à compléter » list
        d.get(run.url + "/report")
        _press(d, "Mesurer maintenant")
        _wait(d, lambda x: "À compléter" in x.page_source and "Région" in x.page_source, what="the report")
        screenshot(d, "rapport")

        # English switch, then back to French
        d.get(run.url + "/work/lieux/review")
        _new_page(d, d.find_element("link text", "English").click, "English")
        _wait(d, lambda x: "Review" in x.title, what="English page")
        assert "Candidates" in d.page_source and "Candidats" not in d.page_source
        screenshot(d, "review-en")
        _new_page(d, d.find_element("link text", "Français").click, "French")
        _wait(d, lambda x: "Révision" in x.title, what="French page")


@pytest.fixture
def fresh_wiki(tmp_path: Path) -> Iterator[Sandbox]:
    sb = atelier_wiki(tmp_path / "wiki")
    yield sb
    sb.running.stop()


def test_a_push_stopped_midway_is_resumed_by_a_new_atelier(fresh_wiki: Sandbox, browser: Any, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    wiki = fresh_wiki
    credentials_env(monkeypatch, wiki, tmp_path)
    folder = project(tmp_path / "projet", wiki, throttle=150)  # 0.4 s between edits: time to press « Arrêter »
    sheet = example_sheet(tmp_path, hostile=False)
    d = browser
    with running_atelier(folder) as run:
        _start_work(d, run.url, sheet)
        d.get(run.url + "/work/lieux/batch")
        _press(d, "Préparer le lot")
        _wait(d, lambda x: "modification(s) d'élément" in x.page_source, what="the plan")
        _css(d, "#by").send_keys("User:Relectrice")
        _press(d, "Approuver")
        _wait(d, lambda x: "/publish" in x.current_url, what="the publish page")
        _new_page(d, _css(d, "#publish").click, "publish")
        _wait(d, lambda x: int(x.find_element("css selector", '[data-field="done"]').text or 0) >= 2, 60,
              "two edits done")
        screenshot(d, "publication-en-cours")
        _press(d, "Arrêter")
        _job_done(d)
        assert "Interrompu" in d.page_source and "Reprendre la publication" in d.page_source
    batch = next((folder / "batches").iterdir())
    states = [e.state for e in iter_journal(batch)]
    assert "done" in states and "pending" in states, states  # stopped midway
    report = json.loads((batch / "push-report.json").read_text("utf-8"))
    assert report["interrupted"] and report["pending"] > 0

    with running_atelier(folder) as run:  # a new atelier: what it knows comes from the batch folder
        d.get(run.url + "/work/lieux/publish")
        _wait(d, lambda x: "Publication inachevée" in x.page_source, 30, "the unfinished push, read from its files")
        _press(d, "Reprendre la publication")
        _job_done(d)
        assert "Publié" in d.page_source
    entries = list(iter_journal(batch))
    assert all(e.state in ("done", "conflict") for e in entries), [e.state for e in entries]
    created = [e for e in entries if e.created]
    assert created and len({e.entity_id for e in created}) == len(created)
    c = client(wiki, login=False)
    try:  # nothing created twice: each new item's label is on one item only
        for e in created:
            entity = c.get_entities([str(e.entity_id)])[str(e.entity_id)]
            name = entity["labels"]["fr"]["value"]
            same = [h for h in c.search_entities(name, language="fr", limit=50) if h.get("label") == name]
            assert len(same) == 1, (name, same)
    finally:
        c.session.close()


def test_a_post_without_the_csrf_token_is_refused(wiki: Sandbox, browser: Any, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    credentials_env(monkeypatch, wiki, tmp_path)
    folder = project(tmp_path / "projet", wiki)
    example_sheet(folder, hostile=False)
    with running_atelier(folder) as run:
        d = browser
        d.get(run.url + "/")
        status = d.execute_script(
            "const f = new FormData(); f.append('sheet', 'lieux.csv'); f.append('mapping', 'mappings/lieux.yaml');"
            "return fetch('/works', {method: 'POST', body: f}).then(r => r.status);")
        assert status == 400
        assert not (folder / "atelier").exists()  # nothing was made
        # the same from another site's page (no token, another Origin): refused too
        answer = requests.post(run.url + "/works", data={"sheet": "lieux.csv", "mapping": "mappings/lieux.yaml"},
                               headers={"Origin": "http://evil.example"}, timeout=30)
        assert answer.status_code == 403 and not (folder / "atelier").exists()
