"""The README's table of outputs lists every file ``wikiclub demo`` writes, and nothing it does not
write: the demo runs here against its own embedded sandbox (about ten seconds)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from wikiclub.cli import main
from wikiclub.cli.demo import EXAMPLES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PLACEHOLDERS = {"<tableur>": [Path(sheet).stem for sheet, _ in EXAMPLES], "<rapport>": ["avant", "apres"]}


def table_patterns() -> list[str]:
    """The French table's first column: ``demo-output/<tableur>/review.xlsx``, ``review.csv`` (a name
    without a folder is in the folder of the cell's first path); a path ending in / is a folder."""
    french = README.split("## English", 1)[0]
    block = french.split("| fichier | contenu |", 1)[1].split("\n\n", 1)[0]
    patterns: list[str] = []
    for line in block.splitlines()[2:]:
        cell = line.split("|")[1]
        paths = re.findall(r"`([^`]+)`", cell)
        folder = paths[0].rsplit("/", 1)[0]
        patterns += [paths[0], *(f"{folder}/{p}" for p in paths[1:])]
    return patterns


def expand(pattern: str) -> list[str]:
    out = [pattern]
    for key, values in PLACEHOLDERS.items():
        out = [o.replace(key, v) for o in out for v in values] if any(key in o for o in out) else out
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo") / "demo-output"
    res = CliRunner().invoke(main, ["demo", "-o", str(out)])
    assert res.exit_code == 0, res.output[-3000:]
    return out, res.output


def test_the_readme_lists_every_file_the_demo_writes(demo: tuple[Path, str]) -> None:
    out, _ = demo
    written = {p.relative_to(out.parent).as_posix() for p in out.rglob("*") if p.is_file()}
    listed = [e for p in table_patterns() for e in expand(p)]
    folders = [e for e in listed if e.endswith("/")]
    files = {e for e in listed if not e.endswith("/")}
    unlisted = {w for w in written if w not in files and not any(w.startswith(f) for f in folders)}
    assert not unlisted, f"the demo writes files the README's table does not list: {sorted(unlisted)}"
    never = {f for f in files if f not in written} | {f for f in folders if not any(w.startswith(f) for w in written)}
    assert not never, f"the README's table lists files the demo does not write: {sorted(never)}"
    for name in ("review.state.jsonl", "notes.jsonl", "push-report.json"):
        assert any(f.endswith(name) for f in files)


def test_plan_explains_edits_and_changes(demo: tuple[Path, str]) -> None:
    out, output = demo
    assert re.search(r"\d+ modification\(s\) / edits .* \d+ changement\(s\) / changes", output)
    assert "Une modification = un élément créé ou modifié, en une seule requête ; un changement = " in output
    plan_md = (out / "batches" / "lieux" / "plan.md").read_text(encoding="utf-8")
    assert "une modification = un élément enregistré en une requête ; un changement = " in plan_md
