"""Settings precedence (flag > env > wikiclub.toml > default), sites, errors that say how to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from wikiclub.adapters.http import make_session, user_agent
from wikiclub.config import SiteConfig, describe_settings, is_local_host, load_settings
from wikiclub.errors import ConfigError

TOML = """
[wikiclub]
site = "sandbox"
contact = "User:Fichier"
throttle = 12
maxlag = 3

[project]
name = "WikiProjet Croissant boréal"
focus_item = "Q4115189"
regions = ["Q176", "Q1904"]
languages = ["fr", "en", "cr"]

[sites.monwiki]
api = "https://wiki.example.org/w/api.php"
sparql = "https://query.example.org/sparql"
"""


def write(tmp_path: Path, text: str = TOML) -> Path:
    path = tmp_path / "wikiclub.toml"
    path.write_text(text, "utf-8")
    return path


def test_defaults_without_file(tmp_path: Path) -> None:
    s = load_settings(env={}, cwd=tmp_path)
    assert s.site.name == "wikidata"
    assert s.site.api_url == "https://www.wikidata.org/w/api.php"
    assert s.site.sparql_url == "https://query.wikidata.org/sparql"
    assert s.site.concept_base == "http://www.wikidata.org/entity/"
    assert (s.maxlag, s.retries, s.contact, s.config_file) == (5, 5, None, None)
    assert s.throttle == 6 and s.edit_interval == 10.0
    assert s.origin("maxlag") == "default"


def test_file_then_env_then_flag(tmp_path: Path) -> None:
    path = write(tmp_path)
    s = load_settings(env={}, cwd=tmp_path)
    assert s.config_file == path
    assert s.site.name == "sandbox" and s.site.api_url == "http://127.0.0.1:8765/w/api.php"
    assert (s.throttle, s.maxlag, s.contact) == (12.0, 3, "User:Fichier")
    assert s.project.regions == ("Q176", "Q1904") and s.project.languages == ("fr", "en", "cr")
    assert s.project.focus_item == "Q4115189"
    assert s.origin("throttle") == f"{path} [wikiclub] throttle"

    env = {"WIKICLUB_THROTTLE": "2", "WIKICLUB_SITE": "monwiki", "WIKICLUB_PROJECT_LANGUAGES": "fr, oj"}
    s = load_settings(env=env, cwd=tmp_path)
    assert s.throttle == 2.0 and s.origin("throttle") == "env WIKICLUB_THROTTLE"
    assert s.site.api_url == "https://wiki.example.org/w/api.php"
    assert s.site.sparql_url == "https://query.example.org/sparql"
    assert s.project.languages == ("fr", "oj")
    assert s.maxlag == 3  # untouched keys still come from the file

    s = load_settings({"throttle": 30, "site": "wikidata", "maxlag": None}, env=env, cwd=tmp_path)
    assert s.throttle == 30 and s.origin("throttle") == "flag"
    assert s.site.name == "wikidata"
    assert s.maxlag == 3  # a None flag means "not given"


def test_empty_env_var_is_ignored(tmp_path: Path) -> None:
    write(tmp_path)
    assert load_settings(env={"WIKICLUB_CONTACT": ""}, cwd=tmp_path).contact == "User:Fichier"


def test_site_as_api_url(tmp_path: Path) -> None:
    """A URL gives the API only, on a local host as anywhere: nothing is guessed from the sandbox."""
    s = load_settings({"site": "http://127.0.0.1:9123/w/api.php"}, env={}, cwd=tmp_path)
    assert s.site.api_url == "http://127.0.0.1:9123/w/api.php"
    assert s.site.sparql_url is None and s.site.concept_base is None and s.site.entity_url is None
    # entity pages through Special:EntityPage, which every Wikibase answers
    assert s.site.entity_page_url == "http://127.0.0.1:9123/w/index.php?title=Special:EntityPage/"
    s = load_settings({"site": "https://wiki.example.org/w/api.php",
                       "sparql_url": "https://q.example.org/sparql"}, env={}, cwd=tmp_path)
    assert s.site.host == "wiki.example.org" and s.site.sparql_url == "https://q.example.org/sparql"
    with pytest.raises(ConfigError, match="api.php"):
        load_settings({"site": "https://wiki.example.org/wiki/Main_Page"}, env={}, cwd=tmp_path)


def test_local_wikibase_configured_explicitly(tmp_path: Path) -> None:
    """A real Wikibase on this machine (e.g. the Docker bundle): its SPARQL endpoint, concept base and
    entity pages are what wikiclub.toml says, never the sandbox's or Wikidata's."""
    (tmp_path / "wikiclub.toml").write_text(
        '[wikiclub]\nsite = "local"\n\n[sites.local]\napi = "http://localhost:8181/w/api.php"\n'
        'sparql = "http://localhost:8834/proxy/wdqs/bigdata/namespace/wdq/sparql"\n'
        'concept_base = "http://wikibase.svc/entity/"\nentity_url = "http://localhost:8181/wiki/Item:"\n',
        "utf-8")
    site = load_settings(env={}, cwd=tmp_path).site
    assert site == SiteConfig("local", "http://localhost:8181/w/api.php",
                              "http://localhost:8834/proxy/wdqs/bigdata/namespace/wdq/sparql",
                              "http://wikibase.svc/entity/", "http://localhost:8181/wiki/Item:")
    assert site.entity_page_url == "http://localhost:8181/wiki/Item:"
    # the same by URL, with the other fields from [wikiclub] keys or the environment
    env = {"WIKICLUB_CONCEPT_BASE": "http://wikibase.svc/entity/",
           "WIKICLUB_SPARQL_URL": "http://localhost:8834/sparql"}
    s = load_settings({"site": "http://localhost:8181/w/api.php", "entity_url": "http://localhost:8181/wiki/Item:"},
                      env=env, cwd=tmp_path / "none")
    assert (s.site.sparql_url, s.site.concept_base, s.site.entity_url) == (
        "http://localhost:8834/sparql", "http://wikibase.svc/entity/", "http://localhost:8181/wiki/Item:")
    assert s.origin("concept_base") == "env WIKICLUB_CONCEPT_BASE" and s.origin("entity_url") == "flag"
    rows = {key: (value, origin) for key, value, origin in describe_settings(s)}
    assert rows["site.concept_base"] == ("http://wikibase.svc/entity/", "env WIKICLUB_CONCEPT_BASE")
    assert rows["site.entity_url"] == ("http://localhost:8181/wiki/Item:", "flag")


def test_sandbox_site_only_when_chosen(tmp_path: Path) -> None:
    """The sandbox's layout is used for ``sandbox`` and ``sandbox:<address>`` only."""
    default = load_settings({"site": "sandbox"}, env={}, cwd=tmp_path).site
    assert default == SiteConfig("sandbox", "http://127.0.0.1:8765/w/api.php", "http://127.0.0.1:8765/sparql",
                                 "http://www.wikidata.org/entity/", "http://127.0.0.1:8765/wiki/")
    other = load_settings({"site": "sandbox:http://127.0.0.1:9000/"}, env={}, cwd=tmp_path).site
    assert other == SiteConfig("sandbox", "http://127.0.0.1:9000/w/api.php", "http://127.0.0.1:9000/sparql",
                               "http://www.wikidata.org/entity/", "http://127.0.0.1:9000/wiki/")
    moved = load_settings({"site": "sandbox:http://127.0.0.1:9000", "concept_base": "http://x.test/entity/"},
                          env={}, cwd=tmp_path).site
    assert moved.concept_base == "http://x.test/entity/"  # a sandbox served with --concept-base
    for bad in ("sandbox:9000", "sandbox:http://127.0.0.1:9000/w/api.php", "sandbox:"):
        with pytest.raises(ConfigError, match="sandbox"):
            load_settings({"site": bad}, env={}, cwd=tmp_path)


def test_config_file_from_env_and_flag(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text('[wikiclub]\nmaxlag = 9\n', "utf-8")
    assert load_settings(env={"WIKICLUB_CONFIG": str(other)}, cwd=tmp_path).maxlag == 9
    assert load_settings(config_file=other, env={}, cwd=tmp_path).maxlag == 9
    with pytest.raises(ConfigError, match="not found") as err:
        load_settings(config_file=tmp_path / "missing.toml", env={}, cwd=tmp_path)
    assert "wikiclub init" in err.value.hint


@pytest.mark.parametrize(("text", "needle", "hint_needle"), [
    ('[wikiclub]\nthrottle = "vite"\n', "throttle", "throttle = 6"),
    ('[wikiclub]\nmaxlag = 2.5\n', "whole number", "maxlag = 5"),
    ('[wikiclub]\nthrotle = 4\n', "throtle", "throttle"),
    ('[wikiclub]\nsite = "nowhere"\n', "nowhere", "[sites.nowhere]"),
    ('[project]\nregions = ["Montréal"]\n', "regions", 'regions = ["Q176"]'),
    ('[wikiclub]\npassword = "x"\n', "password", "WIKICLUB_BOT_PASSWORD"),
    ('[sites.x]\napi = "https://x.org/w/api.php"\nbot_password = "x"\n', "bot_password", "credentials"),
    ('[sites.x]\nsparql = "https://x.org/sparql"\n', "api", "api ="),
    ('[wikiclub\nsite = 1\n', "invalid TOML", "double quotes"),
    ('[wikiclub]\nretries = 0\n', "retries", "retries = 5"),
    ('[wikiclub]\nmaxlag = 0\n', "maxlag = 0", "maxlag = 5"),
])
def test_config_errors_name_the_file_key_and_fix(tmp_path: Path, text: str, needle: str,
                                                 hint_needle: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(env={}, cwd=tmp_path)
    assert str(path) in err.value.message or "nowhere" in err.value.message
    assert needle in err.value.message
    assert hint_needle in (err.value.hint or "")
    assert err.value.exit_code == 2


def test_maxlag_below_one_names_the_setting_and_why(tmp_path: Path) -> None:
    """maxlag = 0 used to end in « the wiki asks to slow down », hiding that the setting was the cause."""
    with pytest.raises(ConfigError) as err:
        load_settings(env={"WIKICLUB_MAXLAG": "0"}, cwd=tmp_path)
    assert "WIKICLUB_MAXLAG" in err.value.message and "at least 1" in err.value.message
    assert "refuses every request" in err.value.message
    from wikiclub.adapters.wikibase import WikibaseClient
    from wikiclub.errors import UsageError

    with pytest.raises(UsageError, match="maxlag = 0"):
        WikibaseClient("http://127.0.0.1:9/w/api.php", make_session(load_settings({"site": "sandbox"}, env={}, cwd=tmp_path)), maxlag=0)


def test_env_value_error_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="WIKICLUB_MAXLAG") as err:
        load_settings(env={"WIKICLUB_MAXLAG": "beaucoup"}, cwd=tmp_path)
    assert "WIKICLUB_MAXLAG" in err.value.hint


def test_describe_settings_lists_origins(tmp_path: Path) -> None:
    write(tmp_path)
    rows = {k: (v, o) for k, v, o in describe_settings(load_settings(env={}, cwd=tmp_path))}
    assert rows["throttle"][0] == "12.0" and "[wikiclub] throttle" in rows["throttle"][1]
    assert rows["project.languages"][0] == "fr, en, cr"
    assert rows["read_timeout"] == ("60.0", "default")


def test_local_hosts() -> None:
    assert all(map(is_local_host, ["127.0.0.1", "127.3.2.1", "localhost", "::1", "[::1]"]))
    assert not any(map(is_local_host, ["www.wikidata.org", "10.0.0.1", "128.0.0.1", ""]))


def test_user_agent_form() -> None:
    import requests

    from wikiclub import __version__
    assert user_agent("User:Moi") == f"wikiclub/{__version__} (User:Moi) requests/{requests.__version__}"


def test_session_refused_for_wikidata_without_contact(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        make_session(load_settings(env={}, cwd=tmp_path))
    assert "www.wikidata.org" in err.value.message
    assert "WIKICLUB_CONTACT" in err.value.hint and "contact" in err.value.hint


def test_session_for_local_site_without_contact_but_not_elsewhere(tmp_path: Path) -> None:
    session = make_session(load_settings({"site": "sandbox"}, env={}, cwd=tmp_path))
    assert session.headers["User-Agent"].startswith("wikiclub/")
    assert session.timeout == (10.0, 60.0)
    # The same session cannot be used to reach a non-local host by mistake (no request is sent).
    with pytest.raises(ConfigError, match="example.org"):
        session.get("https://example.org/w/api.php")


def test_session_with_contact(tmp_path: Path) -> None:
    s = load_settings(env={"WIKICLUB_CONTACT": "User:Moi; moi@example.org",
                           "WIKICLUB_CONNECT_TIMEOUT": "3"}, cwd=tmp_path)
    session = make_session(s)
    assert "(User:Moi; moi@example.org)" in session.headers["User-Agent"]
    assert session.timeout == (3.0, 60.0)


def test_project_query_reaches_the_report_selection(tmp_path: Path) -> None:
    """The WikiProject may be defined by a SPARQL pattern in wikiclub.toml; a dashboard may override it."""
    from wikiclub.report.spec import build_spec

    cfg = tmp_path / "wikiclub.toml"
    cfg.write_text('[project]\nname = "P"\nquery = "?item wdt:P361 wd:Q42 ."\n', encoding="utf-8")
    settings = load_settings({}, config_file=cfg, env={}, cwd=tmp_path)
    assert settings.project.query == "?item wdt:P361 wd:Q42 ."
    assert build_spec(settings.project).selection.query == "?item wdt:P361 wd:Q42 ."
    override = build_spec(settings.project, {"selection": {"query": "?item wdt:P5008 wd:Q1 ."}})
    assert override.selection.query == "?item wdt:P5008 wd:Q1 ."


def test_the_sandbox_is_not_throttled_like_wikidata(tmp_path: Path) -> None:
    """No wikiclub.toml: Wikidata keeps 6 edits a minute; the local sandbox (by name or at another
    address) has no throttle; a throttle given anywhere still wins."""
    assert load_settings({"site": "wikidata"}, env={}, cwd=tmp_path).edit_interval == 10.0
    for site in ("sandbox", "sandbox:http://127.0.0.1:9000"):
        s = load_settings({"site": site}, env={}, cwd=tmp_path)
        assert s.edit_interval == 0.0 and "sandbox" in s.origin("throttle")
    assert load_settings({"site": "http://127.0.0.1:9000/w/api.php"}, env={}, cwd=tmp_path).throttle == 6.0
    assert load_settings({"site": "sandbox"}, env={"WIKICLUB_THROTTLE": "30"}, cwd=tmp_path).throttle == 30.0
    (tmp_path / "wikiclub.toml").write_text('[wikiclub]\nsite = "sandbox"\nthrottle = 12\n', encoding="utf-8")
    assert load_settings(env={}, cwd=tmp_path).throttle == 12.0
