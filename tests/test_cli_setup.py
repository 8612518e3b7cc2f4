"""wikiclub init / config / whoami through click's runner (whoami logs in to a real sandbox)."""

from __future__ import annotations

import contextlib
import json
import logging
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Sandbox

from wikiclub.cli import main
from wikiclub.config import load_settings

SECRET = "pw-never-shown-1234"
CLEAN_ENV = {"WIKICLUB_BOT_USER": None, "WIKICLUB_BOT_PASSWORD": None, "WIKICLUB_CONFIG": None,
             "WIKICLUB_SITE": None, "WIKICLUB_CONTACT": None, "PYWIKIBOT_DIR": None}


def run(args: list[str], cwd: Path, env: dict[str, str | None] | None = None):  # noqa: ANN201
    runner = CliRunner()
    with contextlib.chdir(cwd):  # ./wikiclub.toml and pywikibot's cwd lookup stay in tmp
        return runner.invoke(main, args, env={**CLEAN_ENV, **(env or {})}, catch_exceptions=False)


def test_init_writes_a_loadable_commented_file(tmp_path: Path) -> None:
    result = run(["init", "--path", str(tmp_path), "--contact", 'User:Moi "test"', "--site", "sandbox"],
                 tmp_path)
    assert result.exit_code == 0, result.output
    path = tmp_path / "wikiclub.toml"
    text = path.read_text("utf-8")
    assert "# Modifications par minute" in text and "# Edits per minute" in text
    assert "password" not in json.dumps(tomllib.loads(text))  # only comments mention passwords
    settings = load_settings(config_file=path, env={})
    assert settings.contact == 'User:Moi "test"' and settings.site.name == "sandbox"
    assert settings.project.languages == ("fr", "en")

    again = run(["init", "--path", str(tmp_path)], tmp_path)
    assert again.exit_code == 2 and "--force" in again.output
    forced = run(["init", "--path", str(tmp_path), "--force"], tmp_path)
    assert forced.exit_code == 0 and "contact" in forced.output and "focus_item" in forced.output
    assert load_settings(config_file=path, env={}).contact is None


def test_init_writes_the_wikiprojects_focus_list_and_regions(tmp_path: Path) -> None:
    result = run(["init", "--path", str(tmp_path), "--focus-item", "Q900100", "--region", "Q900126",
                  "--region", "Q900127"], tmp_path)
    assert result.exit_code == 0, result.output
    assert "focus_item et regions" not in result.output  # nothing to add
    project = load_settings(config_file=tmp_path / "wikiclub.toml", env={}).project
    assert project.focus_item == "Q900100" and project.regions == ("Q900126", "Q900127")
    bad = run(["init", "--path", str(tmp_path / "b"), "--region", "Abitibi"], tmp_path)
    assert bad.exit_code == 2 and "--region Abitibi" in bad.output and not (tmp_path / "b").exists()


def test_config_shows_values_origins_and_never_the_password(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('[wikiclub]\nsite = "sandbox"\nthrottle = 3\n', "utf-8")
    env = {"WIKICLUB_MAXLAG": "2", "WIKICLUB_BOT_USER": "Moi@app", "WIKICLUB_BOT_PASSWORD": SECRET}
    result = run(["config", "--config", str(tmp_path / "c.toml")], tmp_path, env)
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert "3.0" in lines["throttle"] and "c.toml [wikiclub] throttle" in lines["throttle"]
    assert "[env WIKICLUB_MAXLAG]" in lines["maxlag"]
    assert "http://127.0.0.1:8765/w/api.php" in lines["site.api_url"]
    assert "Moi@app" in lines["credentials"]
    assert SECRET not in result.output


def test_config_error_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('[wikiclub]\nthrottle = "vite"\n', "utf-8")
    result = run(["config", "--config", str(tmp_path / "c.toml")], tmp_path)
    assert result.exit_code == 2
    assert "throttle" in result.output and "Traceback" not in result.output


def test_whoami_logs_in_and_shows_the_bot_right(sandbox: Sandbox, tmp_path: Path) -> None:
    env = {"WIKICLUB_BOT_USER": sandbox.admin.name, "WIKICLUB_BOT_PASSWORD": sandbox.admin.password}
    result = run(["whoami", "--site", sandbox.api_url], tmp_path, env)
    assert result.exit_code == 0, result.output
    assert "compte / user :     Admin" in result.output and "robot / bot :       oui / yes" in result.output
    assert "sysop" in result.output
    assert sandbox.admin.password not in result.output

    env = {"WIKICLUB_BOT_USER": sandbox.plain.name, "WIKICLUB_BOT_PASSWORD": sandbox.plain.password}
    result = run(["whoami", "--site", sandbox.api_url], tmp_path, env)
    assert result.exit_code == 0 and "robot / bot :       non / no" in result.output


def test_whoami_without_credentials_or_contact(tmp_path: Path) -> None:
    result = run(["whoami", "--site", "http://127.0.0.1:9/w/api.php"], tmp_path,
                 {"HOME": str(tmp_path)})
    assert result.exit_code == 2 and "WIKICLUB_BOT_USER" in result.output
    env = {"WIKICLUB_BOT_USER": "A@b", "WIKICLUB_BOT_PASSWORD": "x"}
    result = run(["whoami"], tmp_path, env)  # wikidata, no contact: refused before any request
    assert result.exit_code == 2 and "WIKICLUB_CONTACT" in result.output


def test_whoami_against_a_dead_wiki_prints_no_library_retry_log(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    """WikibaseIntegrator's back-off (five tries, « Backing off 8.0 seconds afters 4 tries calling function
    with args (<…_WbiLogin object at 0x…>) … » on its logger) is not run: our message comes alone, at once."""
    caplog.set_level(logging.DEBUG)
    env = {"WIKICLUB_BOT_USER": "A@b", "WIKICLUB_BOT_PASSWORD": "x", "WIKICLUB_RETRIES": "1"}
    result = run(["whoami", "--site", "http://127.0.0.1:9/w/api.php"], tmp_path, env)
    assert result.exit_code == 1, result.output
    assert "Connexion impossible / cannot reach" in result.output and "Backing off" not in result.output
    said = [r for r in caplog.records if r.name.startswith(("wikibaseintegrator", "backoff"))]
    assert not said, [r.getMessage() for r in said]
    assert logging.getLogger("wikibaseintegrator.wbi_backoff").filters == []  # nothing left behind


@pytest.mark.parametrize("command", ["init", "config", "whoami"])
def test_help_is_bilingual_with_an_example(command: str, tmp_path: Path) -> None:
    result = run([command, "--help"], tmp_path)
    assert result.exit_code == 0
    assert "Exemple / example" in result.output and f"wikiclub {command}" in result.output
    assert " / " in result.output.splitlines()[2]  # the one-line summary is French / English
