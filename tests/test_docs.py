"""The docs stay true to the code: the README's commands exist, CI runs the README's test command,
and every command's --help explains itself with an example (docs/architecture.md, « Docs that are tested »)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from wikiclub.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for name, cmd in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(cmd, click.Group):
            out += _commands(cmd, path)
        else:
            out.append(path)
    return out


ALL_COMMANDS = _commands(main)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test" in README and "scripts/demo" in README
    assert re.search(r"^scripts/test$", ci, re.M), "CI must call exactly the README's test command"
    assert "5" in ci and "exit 1" in ci  # pytest's "no tests collected" is a failure


def test_readme_commands_exist() -> None:
    used = set(re.findall(r"^wikiclub ([a-z-]+(?: [a-z-]+)?)", README, re.M))
    known = {" ".join(c) for c in ALL_COMMANDS} | {c[0] for c in ALL_COMMANDS}
    assert used, "the README shows no command"
    missing = {u for u in used if u not in known and u.split()[0] not in known}
    assert not missing, f"README names commands that do not exist: {sorted(missing)}"


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert re.search(r"[Ee]xemples? / examples?", text), f"wikiclub {' '.join(path)} --help has no example"
    assert "wikiclub " in text.split("xample", 1)[1], "the example shows a wikiclub command line"


def test_top_level_help_lists_every_command_bilingually() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in main.commands:
        assert re.search(rf"^\s+{re.escape(name)}\s", result.output, re.M), name
    assert "/" in result.output  # French / English one-liners
