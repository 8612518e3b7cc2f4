"""Publishing a wikitext page through pywikibot on the sandbox, then reading it back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests
from conftest import Sandbox

from wikiclub.adapters.pages import publish_page, read_page, wikibase_family
from wikiclub.credentials import Credentials
from wikiclub.errors import LoginError

TABLE = "{| class=\"wikitable\"\n! Région !! Éléments\n|-\n| Abitibi || 12\n|}\n"


def creds(account) -> Credentials:  # noqa: ANN001
    return Credentials(account.name, account.password, "test")


def test_publish_then_read_back(sandbox: Sandbox, tmp_path: Path) -> None:
    workdir = tmp_path / "pwb"
    cwd_before = set(os.listdir("."))
    first = publish_page(sandbox.api_url, "Project:Rapport de couverture", TABLE, "rapport",
                         creds(sandbox.admin), workdir=workdir)
    assert first.revision_id > 0 and first.title.endswith(":Rapport de couverture")  # ns name
    second = publish_page(sandbox.api_url, "Project:Rapport de couverture", TABLE + "<!-- v2 -->",
                          "mise à jour", creds(sandbox.admin), workdir=workdir)
    assert second.revision_id > first.revision_id
    assert read_page(sandbox.api_url, "Project:Rapport de couverture", workdir=workdir) == TABLE + "<!-- v2 -->"
    # read back through the plain Action API too
    answer = requests.get(sandbox.api_url, params={
        "action": "query", "prop": "revisions", "titles": "Project:Rapport de couverture",
        "rvprop": "content", "rvslots": "main", "format": "json", "formatversion": "2"}, timeout=10).json()
    assert answer["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"].endswith("<!-- v2 -->")
    # pywikibot's files went to workdir, none to the current directory; no password file is left
    assert set(os.listdir(".")) == cwd_before
    files = {p.name for p in workdir.rglob("*")}
    assert not any("password" in name for name in files)
    assert all(sandbox.admin.password not in p.read_text("utf-8", "ignore")
               for p in workdir.rglob("*") if p.is_file())
    from pywikibot import config
    assert config.base_dir != str(workdir) and config.password_file is None  # put back


def test_wrong_password_is_a_login_error(sandbox: Sandbox, tmp_path: Path) -> None:
    bad = Credentials(sandbox.admin.name, "not-the-password", "test")
    with pytest.raises(LoginError) as err:
        publish_page(sandbox.api_url, "Project:X", "x", "x", bad, workdir=tmp_path / "pwb")
    assert "not-the-password" not in str(err.value)


def test_wikibase_hooks_on_autofamily() -> None:
    family = wikibase_family("wcsandbox", "http://127.0.0.1:8765/w/api.php")
    assert family.interface("wcsandbox") == "DataSite"
    assert family.calendarmodel("wcsandbox") == "http://www.wikidata.org/entity/Q1985727"
    assert family.globes("wcsandbox")[family.default_globe("wcsandbox")] == "http://www.wikidata.org/entity/Q2"
    assert family.entity_sources("wcsandbox") == {}
    assert family.scriptpath("wcsandbox") == "/w"
