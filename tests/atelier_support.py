"""What the atelier's tests share: a wiki with look-alike items (so the example sheet has rows a person
must decide) and hostile labels, a project folder, a running atelier, and a real Chromium."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import KB, ROOT, Sandbox, make_sandbox
from test_push import client

from wikiclub.atelier.server import RunningAtelier, start_in_thread
from wikiclub.cli.atelier import build_atelier

HOSTILE = "<script>document.title='pwned'</script>"
HOSTILE_IMG = "<img src=x onerror=\"document.title='pwned'\">"
# Items of the example sheet lieux.csv (rows 2–4) that get a look-alike: same label, same class, same town.
TWINS = ("Q900265", "Q900266", "Q900267")


def _twin(entity: dict[str, Any], n: int) -> dict[str, Any]:
    """A new item that looks like ``entity``: its labels, claims (without ids), another description."""
    claims = {pid: [{"mainsnak": {k: v for k, v in st["mainsnak"].items() if k != "hash"}, "type": "statement",
                     "rank": "normal"} for st in sts] for pid, sts in entity.get("claims", {}).items()
              if pid in ("P31", "P131", "P17")}
    desc = {0: f"{HOSTILE_IMG} autre salle de Rouyn-Noranda", 1: "salle homonyme de Rouyn-Noranda",
            2: "seconde salle du Vieux-Noranda"}[n]
    labels = dict(entity["labels"])
    if n == 1:  # a hostile label in English, the French one the same as the original
        labels["en"] = {"language": "en", "value": f"{HOSTILE} Agora"}
    return {"labels": labels, "descriptions": {"fr": {"language": "fr", "value": desc}}, "claims": claims}


def atelier_wiki(folder: Path) -> Sandbox:
    """The example knowledge base plus a look-alike of each item in TWINS."""
    from wikiclub.sandbox.load import load_dump

    sb = make_sandbox(folder)
    load_dump(sb.app, KB)
    c = client(sb)
    try:
        current = c.get_entities(list(TWINS))
        for n, qid in enumerate(TWINS):
            c.edit_entity(_twin(current[qid], n), new="item", summary="test: look-alike")
    finally:
        c.session.close()
    return sb


def example_sheet(folder: Path, *, rows: int | None = None, hostile: bool = True) -> Path:
    """examples/lieux.csv as volunteers have it (Windows-1252, « ; »), with a hostile row at the end."""
    raw = (ROOT / "examples" / "lieux.csv").read_bytes().decode("cp1252").splitlines()
    lines = raw if rows is None else raw[: rows + 1]
    if hostile:
        lines.append(f"Salle {HOSTILE}{HOSTILE_IMG};Salle de spectacle;;Rouyn-Noranda;;;;;;")
    path = folder / "lieux.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def project(folder: Path, sb: Sandbox, *, throttle: float = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mappings").mkdir(exist_ok=True)
    shutil.copy(ROOT / "mappings" / "lieux.yaml", folder / "mappings" / "lieux.yaml")
    shutil.copy(ROOT / "examples" / "wikiclub-report.toml", folder / "wikiclub-report.toml")
    (folder / "wikiclub.toml").write_text(
        f'[wikiclub]\nsite = "{sb.site}"\nthrottle = {throttle}\nmaxlag = 5\n\n'
        '[project]\nname = "WikiClub Croissant boréal"\nfocus_item = "Q900100"\n'
        'regions = ["Q900126", "Q900127", "Q900138", "Q900139"]\nlanguages = ["fr", "en"]\n', "utf-8")
    return folder


@contextmanager
def running_atelier(folder: Path) -> Iterator[RunningAtelier]:
    run = start_in_thread(build_atelier(folder, None, None))
    try:
        yield run
    finally:
        run.stop()


def credentials_env(monkeypatch: pytest.MonkeyPatch, sb: Sandbox, tmp: Path) -> None:
    monkeypatch.setenv("WIKICLUB_BOT_USER", sb.admin.name)
    monkeypatch.setenv("WIKICLUB_BOT_PASSWORD", sb.admin.password)
    monkeypatch.setenv("WIKICLUB_CACHE_DIR", str(tmp / "cache"))
    monkeypatch.setenv("WIKICLUB_CREDENTIALS_FILE", str(tmp / "none.toml"))
    monkeypatch.setenv("WIKICLUB_CONFIG", "")


def csrf_of(session: requests.Session, url: str) -> str:
    page = session.get(url + "/", timeout=30).text
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


# ---- the browser ----------------------------------------------------------------------------------------
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--lang=fr-CA")


def _missing(what: str) -> None:
    hint = "apt-get install -y chromium chromium-driver; pip install -e '.[test,web]'"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} absent in CI: the browser tests must run ({hint}; .ci/run installs them)")
    pytest.skip(f"{what} absent: browser tests skipped outside CI ({hint})")


@contextmanager
def chromium(width: int = 1280, height: int = 900) -> Iterator[Any]:
    """A headless Debian Chromium driven by selenium through /usr/bin/chromedriver (no download)."""
    binary = shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not Path(binary).exists():
        _missing("chromium")
    if not Path(driver_path).exists():
        _missing("chromedriver (chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium")
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for flag in (*CHROMIUM_FLAGS, f"--window-size={width},{height}"):
        opts.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="wikiclub-chromium-")
    opts.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver: Any, name: str) -> None:
    """Written only when WIKICLUB_SCREENSHOTS names a folder (docs/images): not on every run."""
    folder = os.environ.get("WIKICLUB_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        height = driver.execute_script("window.scrollTo(0, 0); "
                                       "return Math.min(document.documentElement.scrollHeight, 2000)")
        driver.set_window_size(1280, max(800, int(height)))
        driver.save_screenshot(str(Path(folder) / f"atelier-{name}.png"))
        driver.set_window_size(1280, 900)
