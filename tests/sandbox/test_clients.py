"""Real client libraries against the sandbox over HTTP: WikibaseIntegrator and pywikibot, set up as
tests/fixtures/client-sessions/README.md describes (BotPassword login, explicit URLs)."""

from __future__ import annotations

import os
import types
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Sandbox

USER_AGENT = "wikiclub-tests/0.1 (sandbox; https://example.org/wikiclub)"
KNOWN_ITEM = "Q176"  # Québec in tests/data/kb.jsonl


@pytest.fixture
def wbi_config() -> Iterator[dict[str, Any]]:
    """WikibaseIntegrator's global config, restored after the test so nothing leaks to others."""
    from wikibaseintegrator.wbi_config import config

    saved = dict(config)
    yield config
    config.clear()
    config.update(saved)


def test_wikibaseintegrator_login_read_create_and_editconflict(kb_sandbox: Sandbox,
                                                               wbi_config: dict[str, Any]) -> None:
    from wikibaseintegrator import WikibaseIntegrator, datatypes, wbi_login
    from wikibaseintegrator.wbi_enums import ActionIfExists
    from wikibaseintegrator.wbi_exceptions import MWApiError

    api = kb_sandbox.api_url
    login = wbi_login.Login(user=kb_sandbox.admin.name, password=kb_sandbox.admin.password,
                            mediawiki_api_url=api, user_agent=USER_AGENT)
    wbi = WikibaseIntegrator(login=login)
    quebec = wbi.item.get(KNOWN_ITEM, mediawiki_api_url=api, user_agent=USER_AGENT)
    assert quebec.labels.get("fr").value == "Québec"
    assert quebec.lastrevid and quebec.claims.get("P31")

    item = wbi.item.new()
    item.labels.set("fr", "Objet WBI du bac à sable")
    item.labels.set("en", "WBI sandbox item")
    item.descriptions.set("fr", "élément créé par WikibaseIntegrator")
    item.aliases.set("en", "WBI alias")
    when = datatypes.Time(prop_nr="P813", time="+2024-05-01T00:00:00Z", precision=11)
    item.claims.add([
        datatypes.Item(prop_nr="P31", value=KNOWN_ITEM,
                       references=[[datatypes.URL(prop_nr="P854", value="https://example.org/source"), when]]),
        datatypes.String(prop_nr="P281", value="G1R 4S9"),
        datatypes.Time(prop_nr="P571", time="+1999-12-31T00:00:00Z", precision=11,
                       qualifiers=[datatypes.Time(prop_nr="P585", time="+2000-01-01T00:00:00Z", precision=9)]),
        datatypes.URL(prop_nr="P856", value="https://example.org/"),
        datatypes.ExternalID(prop_nr="P214", value="123456789"),
        datatypes.Quantity(prop_nr="P1082", amount=1234),
        datatypes.MonolingualText(prop_nr="P1448", text="Objet officiel", language="fr"),
        datatypes.GlobeCoordinate(prop_nr="P625", latitude=46.81, longitude=-71.21, precision=0.01),
    ])
    created = item.write(mediawiki_api_url=api, user_agent=USER_AGENT, summary="wikiclub test: create")
    assert created.id and created.id.startswith("Q") and created.lastrevid
    assert {p for p in created.claims.get_json()} == {"P31", "P281", "P571", "P856", "P214", "P1082",
                                                       "P1448", "P625"}

    stale = wbi.item.get(created.id, mediawiki_api_url=api, user_agent=USER_AGENT)
    fresh = wbi.item.get(created.id, mediawiki_api_url=api, user_agent=USER_AGENT)
    fresh.labels.set("en", "WBI sandbox item (changed concurrently)")
    fresh.claims.add(datatypes.String(prop_nr="P281", value="G1R 5A1"),
                     action_if_exists=ActionIfExists.APPEND_OR_REPLACE)
    changed = fresh.write(mediawiki_api_url=api, user_agent=USER_AGENT)
    assert changed.lastrevid > stale.lastrevid
    assert len(changed.claims.get("P281")) == 2

    stale.labels.set("en", "WBI sandbox item (stale edit)")
    with pytest.raises(MWApiError) as conflict:
        stale.write(mediawiki_api_url=api, user_agent=USER_AGENT, baserevid=stale.lastrevid)
    assert conflict.value.code == "editconflict"
    assert "wikibase-api-editconflict" in conflict.value.messages_names
    final = wbi.item.get(created.id, mediawiki_api_url=api, user_agent=USER_AGENT)
    assert final.labels.get("en").value == "WBI sandbox item (changed concurrently)"
    assert wbi_config["MEDIAWIKI_API_URL"] == "https://www.wikidata.org/w/api.php"  # nothing set globally


@pytest.fixture
def pywikibot_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kb_sandbox: Sandbox) -> Iterator[Any]:
    """pywikibot in a fresh working directory (its cookie jar, apicache and throttle file go there),
    with the BotPassword in a password file as an operator would keep it; config restored after."""
    monkeypatch.setenv("PYWIKIBOT_NO_USER_CONFIG", "2")
    monkeypatch.chdir(tmp_path)
    import pywikibot
    from pywikibot import config

    name = "wcsb" + uuid.uuid4().hex[:6]
    user, app = kb_sandbox.admin.name.split("@")
    password_file = tmp_path / "passwords.txt"
    password_file.write_text(f"({user!r}, BotPassword({app!r}, {kb_sandbox.admin.password!r}))\n",
                             encoding="utf-8")
    os.chmod(password_file, 0o600)
    monkeypatch.setattr(config, "base_dir", str(tmp_path))
    monkeypatch.setattr(config, "password_file", str(password_file))
    monkeypatch.setattr(config, "put_throttle", 0)
    monkeypatch.setattr(config, "max_retries", 1)
    usernames = {k: dict(v) for k, v in config.usernames.items()}
    usernames[name] = {name: user}
    monkeypatch.setattr(config, "usernames", usernames)
    yield types.SimpleNamespace(pywikibot=pywikibot, name=name, user=user)
    password_file.unlink()
    from pywikibot.comms import http

    http.cookie_jar.clear()  # the jar is process-wide; cookies for 127.0.0.1 would reach other sandboxes


def make_repo(env: Any, api_url: str) -> Any:
    """DataSite over AutoFamily + the 5 Wikibase hooks of DefaultWikibaseFamily (client-sessions README)."""
    pywikibot = env.pywikibot
    from pywikibot.family import AutoFamily, DefaultWikibaseFamily

    fam = AutoFamily(env.name, api_url)
    for method in ("calendarmodel", "default_globe", "globes", "interface", "entity_sources"):
        setattr(fam, method, types.MethodType(getattr(DefaultWikibaseFamily, method), fam))
    return pywikibot.site.DataSite(env.name, fam, user=env.user)


def test_pywikibot_login_read_item_and_save_page(kb_sandbox: Sandbox, pywikibot_env: Any) -> None:
    pywikibot = pywikibot_env.pywikibot
    repo = make_repo(pywikibot_env, kb_sandbox.api_url)
    repo.login()
    assert repo.logged_in() and repo.user() == "Admin"
    assert repo.has_right("edit") and repo.has_right("bot")

    item = pywikibot.ItemPage(repo, KNOWN_ITEM)
    item.get()
    assert item.labels["fr"] == "Québec"
    assert item.latest_revision_id
    assert "P31" in item.claims and item.claims["P31"][0].getTarget().id

    text = ("Rapport de couverture.\n\n{| class=\"wikitable sortable\"\n! Propriété !! Éléments\n"
            "|-\n| [[Property:P31|P31]] || 12\n|}")
    page = pywikibot.Page(repo, "Project:Rapport de couverture")
    assert not page.exists()
    page.text = text
    page.save(summary="wikiclub test: create report", minor=False)
    page.text = text + "\n\nMis à jour."
    page.save(summary="wikiclub test: update report")

    again = pywikibot.Page(repo, "Project:Rapport de couverture")
    assert again.text == text + "\n\nMis à jour."
    assert again.get(force=True) == text + "\n\nMis à jour."
    assert again.latest_revision.user == "Admin"
    contribs = list(repo.usercontribs(user="Admin", total=5))
    assert contribs[0]["title"] == again.title()
    assert (Path.cwd() / f"pywikibot-{pywikibot_env.user}.lwp").exists()  # its cookie jar is here
