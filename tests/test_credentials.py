"""Credentials lookup: env > pywikibot's password file > credentials.toml (0600 only)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from wikiclub.credentials import Credentials, Secret, find_credentials, parse_pywikibot_line
from wikiclub.errors import CredentialsError

SECRET = "s3cr3t-bot-password-xyz"


@pytest.fixture
def places(tmp_path: Path) -> tuple[Path, Path]:
    pwb = tmp_path / "pwb"
    pwb.mkdir()
    return pwb, tmp_path / "credentials.toml"


def write_private(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, "utf-8")
    os.chmod(path, mode)
    return path


def find(places: tuple[Path, Path], env: dict[str, str] | None = None, site: str = "wikidata") -> Credentials:
    pwb, creds = places
    return find_credentials(site, credentials_file=creds, env=env or {}, pywikibot_dirs=[pwb])


def test_nothing_found_says_where_to_look(places: tuple[Path, Path]) -> None:
    with pytest.raises(CredentialsError) as err:
        find(places)
    assert "WIKICLUB_BOT_USER" in err.value.hint and str(places[1]) in err.value.hint
    assert "Special:BotPasswords" in err.value.hint


def test_precedence_env_then_pywikibot_then_file(places: tuple[Path, Path]) -> None:
    pwb, creds = places
    write_private(creds, f'[wikidata]\nuser = "Fichier@app"\npassword = "{SECRET}"\n')
    assert find(places).user == "Fichier@app"
    assert find(places).source == f"{creds} [wikidata]"

    (pwb / "user-password.cfg").write_text(
        f"# comment\n('Pwb', BotPassword('wikiclub', '{SECRET}'))\n", "utf-8")
    found = find(places)
    assert found.user == "Pwb@wikiclub" and found.password == SECRET
    assert found.source == str(pwb / "user-password.cfg")

    env = {"WIKICLUB_BOT_USER": "Env@app", "WIKICLUB_BOT_PASSWORD": SECRET}
    assert find(places, env).user == "Env@app"


def test_password_without_user_is_an_error(places: tuple[Path, Path]) -> None:
    with pytest.raises(CredentialsError, match="WIKICLUB_BOT_USER"):
        find(places, {"WIKICLUB_BOT_PASSWORD": SECRET})


def test_world_readable_credentials_file_refused(places: tuple[Path, Path]) -> None:
    _, creds = places
    for mode in (0o644, 0o640, 0o604):
        write_private(creds, f'[wikidata]\nuser = "A@b"\npassword = "{SECRET}"\n', mode)
        with pytest.raises(CredentialsError) as err:
            find(places)
        assert err.value.hint == f"chmod 600 {creds}"
        assert SECRET not in str(err.value)
    os.chmod(creds, 0o600)
    assert find(places).user == "A@b"
    os.chmod(creds, 0o400)
    assert find(places).user == "A@b"


def test_credentials_file_default_table_and_site_table(places: tuple[Path, Path]) -> None:
    _, creds = places
    write_private(creds, f'[default]\nuser = "D@a"\npassword = "{SECRET}"\n'
                         f'[sandbox]\nuser = "S@a"\npassword = "{SECRET}"\n')
    assert find(places, site="sandbox").user == "S@a"
    assert find(places, site="wikidata").user == "D@a"
    write_private(creds, '[wikidata]\nuser = "OnlyUser@a"\n')
    with pytest.raises(CredentialsError, match="needs both user and password"):
        find(places)


def test_invalid_toml_does_not_echo_the_secret(places: tuple[Path, Path]) -> None:
    _, creds = places
    write_private(creds, f'[wikidata]\nuser = "A@b"\npassword = {SECRET}\n')
    with pytest.raises(CredentialsError) as err:
        find(places)
    assert SECRET not in str(err.value)


def test_pywikibot_line_formats() -> None:
    assert parse_pywikibot_line("('User', 'pw')") == (None, None, "User", "pw")
    assert parse_pywikibot_line("('wikidata', 'User', 'pw')") == (None, "wikidata", "User", "pw")
    assert parse_pywikibot_line("('wikidata', 'wikidata', 'User', 'pw')") == ("wikidata", "wikidata",
                                                                              "User", "pw")
    assert parse_pywikibot_line("('User', BotPassword('app', 'pw'))") == (None, None, "User",
                                                                          ("@bot", "app", "pw"))
    assert parse_pywikibot_line("  # ('x', 'y')") is None
    assert parse_pywikibot_line("") is None


@pytest.mark.parametrize("line", [
    "__import__('os').system('touch /tmp/pwned')",  # never executed: not a literal
    "('User', BotPassword('app', open('/etc/passwd').read()))",
    "['User', 'pw']",
    "('only-one',)",
])
def test_pywikibot_bad_lines_are_refused_without_echo(places: tuple[Path, Path], line: str) -> None:
    pwb, _ = places
    (pwb / "user-password.cfg").write_text(line + "\n", "utf-8")
    with pytest.raises(CredentialsError) as err:
        find(places)
    assert "line 1" in err.value.message and line not in str(err.value)


def test_pywikibot_site_matching_and_last_entry_wins(places: tuple[Path, Path]) -> None:
    pwb, _ = places
    (pwb / "user-password.py").write_text(
        "('Generic', BotPassword('a', 'p1'))\n"
        "('wikidata', 'wikidata', 'Specific', BotPassword('b', 'p2'))\n"
        "('commons', 'commons', 'Other', BotPassword('c', 'p3'))\n", "utf-8")
    assert find(places).user == "Specific@b"
    assert find(places, site="sandbox").user == "Generic@a"
    # WIKICLUB_BOT_USER alone selects among several accounts
    assert find(places, {"WIKICLUB_BOT_USER": "Generic"}).user == "Generic@a"


def test_pywikibot_password_file_named_in_user_config(places: tuple[Path, Path]) -> None:
    pwb, _ = places
    (pwb / "user-config.py").write_text("family = 'wikidata'\npassword_file = 'secrets.txt'\n", "utf-8")
    (pwb / "secrets.txt").write_text("('Named', BotPassword('x', 'pw'))\n", "utf-8")
    assert find(places).user == "Named@x"


def test_main_account_password_is_not_used(places: tuple[Path, Path]) -> None:
    pwb, _ = places
    (pwb / "user-password.cfg").write_text("('User', 'main-password')\n", "utf-8")
    with pytest.raises(CredentialsError, match="BotPassword") as err:
        find(places)
    assert "main-password" not in str(err.value)


def test_repr_str_and_logs_never_show_the_password(caplog: pytest.LogCaptureFixture) -> None:
    creds = Credentials("Me@app", Secret(SECRET), "env")
    assert SECRET not in repr(creds) and SECRET not in str(creds) and SECRET not in f"{creds}"
    assert SECRET not in repr({"password": creds.password})
    assert creds.password == SECRET and creds.username == "Me"
    assert creds.password.encode() == SECRET.encode()  # what goes on the wire is the real value
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("x").error("args %r kwargs %r", (creds,), {"password": creds.password})
    assert SECRET not in caplog.text
