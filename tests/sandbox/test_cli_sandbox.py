"""``wikiclub sandbox create-user`` and ``serve``: the CLI prints what it says and the result works."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from conftest import KB

from wikiclub.cli import main
from wikiclub.cli.sandbox import parse_faults, parse_rate_limit
from wikiclub.errors import UsageError
from wikiclub.sandbox.db import SandboxDB
from wikiclub.sandbox.users import check_bot_password, get_user


def test_create_user_prints_a_usable_bot_password_once(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["sandbox", "create-user", "robot", "--bot", "--app", "essai",
                                  "--data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    login = re.search(r"login: (\S+)", result.output)
    password = re.search(r"password: (\S+)", result.output)
    assert login and password and login.group(1) == "Robot@essai"
    assert "will not be shown again" in result.output
    db = SandboxDB(tmp_path / "wiki.sqlite")
    try:
        found = check_bot_password(db, login.group(1), password.group(1))
        assert found is not None and found[0].is_bot and found[1] == "essai"
        assert password.group(1) not in db.path.read_bytes().decode("latin-1")  # only a hash is stored
    finally:
        db.close()
    again = runner.invoke(main, ["sandbox", "create-user", "Robot", "--app", "essai", "--data", str(tmp_path)])
    assert again.exit_code == 0 and "existing" in again.output
    new_password = re.search(r"password: (\S+)", again.output)
    assert new_password and new_password.group(1) != password.group(1)
    db = SandboxDB(tmp_path / "wiki.sqlite")
    try:
        assert check_bot_password(db, "Robot@essai", password.group(1)) is None
        assert check_bot_password(db, "Robot@essai", new_password.group(1)) is not None
        user = get_user(db, "Robot")
        assert user is not None and user.is_bot
    finally:
        db.close()


def test_create_user_refuses_bad_names(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["sandbox", "create-user", "Bad@name", "--data", str(tmp_path)])
    assert result.exit_code == 2 and "invalid user name" in result.output


def test_help_is_bilingual_with_an_example() -> None:
    runner = CliRunner()
    for command in (["sandbox"], ["sandbox", "serve"], ["sandbox", "create-user"]):
        text = runner.invoke(main, [*command, "--help"]).output
        assert "Exemple / example" in text and " / " in text.splitlines()[2]


def test_option_parsers() -> None:
    assert parse_rate_limit("edit:user:8/60") == ("edit", "user", (8, 60))
    with pytest.raises(UsageError):
        parse_rate_limit("edit:8/60")
    faults = parse_faults("maxlag=0.1, lost_response=0.02,token_expiry_after=20", seed=7)
    assert (faults.seed, faults.maxlag, faults.lost_response, faults.token_expiry_after) == (7, 0.1, 0.02, 20)
    for bad in ("nope=0.1", "maxlag=2", "maxlag=often", "maxlag="):
        with pytest.raises(UsageError):
            parse_faults(bad, seed=0)


def test_serve_loads_a_dump_once_prints_urls_and_answers(tmp_path: Path) -> None:
    def run_once() -> str:
        cmd = [sys.executable, "-c", "from wikiclub.cli import main; main()", "sandbox", "serve", "--port", "0",
               "--data", str(tmp_path / "data"), "--load", str(KB), "--replication-lag", "1"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            lines = []
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line)
                if line.startswith("SPARQL:"):
                    break
            output = "".join(lines)
            api = re.search(r"API:\s+(\S+)", output)
            assert api, output
            general = requests.get(api.group(1), params={"action": "query", "meta": "siteinfo",
                                                         "format": "json", "maxlag": "5"}, timeout=30).json()
            assert general["query"]["general"]["generator"].startswith("MediaWiki")
            lagged = requests.get(api.group(1), params={"action": "query", "meta": "siteinfo",
                                                        "format": "json", "maxlag": "0"}, timeout=30)
            assert lagged.json()["error"]["code"] == "maxlag"
            return output
        finally:
            proc.terminate()
            proc.communicate(timeout=30)  # waits, and closes the pipe

    first = run_once()
    entities = sum(1 for line in KB.read_text(encoding="utf-8").splitlines() if line.strip())
    assert str(entities) in first and "already loaded" not in first
    second = run_once()
    assert "already loaded" in second
