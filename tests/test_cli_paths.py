"""Output paths are checked as the command line is read: a clear message, exit 2, no traceback, and
nothing done before (the inputs named after the bad output are never even opened)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from wikiclub.cli import main
from wikiclub.cli.paths import output_problem

ROOT = Path(__file__).resolve().parent.parent
SHEET = str(ROOT / "tests" / "data" / "lieux.csv")
KB = str(ROOT / "tests" / "data" / "kb.jsonl")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with a regular file ``afile`` (a path under it cannot be written), a records
    file and an (unapproved, empty) batch folder; the mapping ``missing.yaml`` does not exist, so a
    command that got past its output check would fail on it with another message."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    (tmp_path / "records.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "batch").mkdir()
    return tmp_path


NOT_A_FOLDER = "est un fichier, pas un dossier / is a file, not a folder"
NO_FOLDER = "n'existe pas / folder does not exist"
IS_A_FOLDER = "est un dossier, pas un fichier / is a folder, not a file"

CASES = [
    pytest.param(["map", SHEET, "-m", "missing.yaml", "-o", "/nonexistent/dir/x.jsonl"], "-o/--output", NO_FOLDER,
                 id="map -o"),
    pytest.param(["map", SHEET, "-m", "missing.yaml", "-o", "ok.jsonl", "--report", "afile/sub.csv"], "--report",
                 NOT_A_FOLDER, id="map --report"),
    pytest.param(["validate", SHEET, "-m", "missing.yaml", "--report", "/nonexistent/x.csv"], "--report", NO_FOLDER,
                 id="validate --report"),
    pytest.param(["reconcile", SHEET, "-m", "missing.yaml", "-o", "/nonexistent/x.xlsx"], "-o/--output", NO_FOLDER,
                 id="reconcile -o"),
    pytest.param(["reconcile", "--apply-review", "missing.xlsx", "-o", "batch"], "-o/--output", IS_A_FOLDER,
                 id="reconcile --apply-review -o"),
    pytest.param(["index", "build", "--dump", KB, "-o", "afile/sub/kb.sqlite"], "-o/--output", NOT_A_FOLDER,
                 id="index build -o"),
    pytest.param(["plan", "records.jsonl", "-o", "afile/sub"], "-o/--output", NOT_A_FOLDER, id="plan -o"),
    pytest.param(["plan", "records.jsonl", "-o", "afile"], "-o/--output", NOT_A_FOLDER, id="plan -o file"),
    pytest.param(["export", "quickstatements", "batch", "-o", "/nonexistent/qs.txt"], "-o/--output", NO_FOLDER,
                 id="export quickstatements -o"),
    pytest.param(["report", "-o", "afile/sub"], "-o/--output", NOT_A_FOLDER, id="report -o"),
    pytest.param(["report", "-o", "out", "--history", "afile/h.sqlite"], "--history", NOT_A_FOLDER,
                 id="report --history"),
    pytest.param(["pull", "-m", "missing.yaml", "-o", "afile/sub.xlsx"], "-o/--output", NOT_A_FOLDER, id="pull -o"),
    pytest.param(["init", "--path", "afile/sub"], "--path", NOT_A_FOLDER, id="init --path"),
    pytest.param(["demo", "-o", "afile/sub"], "-o/--out", NOT_A_FOLDER, id="demo -o"),
    pytest.param(["sandbox", "serve", "--data", "afile/sub"], "--data", NOT_A_FOLDER, id="sandbox serve --data"),
    pytest.param(["sandbox", "serve", "--log", "/nonexistent/log.jsonl"], "--log", NO_FOLDER,
                 id="sandbox serve --log"),
    pytest.param(["sandbox", "create-user", "Robot", "--data", "afile/sub"], "--data", NOT_A_FOLDER,
                 id="sandbox create-user --data"),
]


@pytest.mark.parametrize(("args", "option", "problem"), CASES)
def test_bad_output_path_stops_before_any_work(workdir: Path, args: list[str], option: str, problem: str) -> None:
    before = sorted(p.name for p in workdir.iterdir())
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    assert "Traceback" not in result.output
    assert f"Erreur / Error: {option} " in result.output
    assert problem in result.output
    assert "→ Choisissez un chemin" in result.output  # the hint
    assert sorted(p.name for p in workdir.iterdir()) == before  # nothing written, nothing created


def test_output_problem_accepts_writable_paths(tmp_path: Path) -> None:
    assert output_problem(tmp_path / "new.csv") is None
    assert output_problem(tmp_path / "a" / "b", directory=True, create_parents=True) is None
    assert output_problem(tmp_path / "a" / "b.csv", create_parents=True) is None
    (tmp_path / "old.csv").write_text("x", encoding="utf-8")
    assert output_problem(tmp_path / "old.csv") is None  # overwriting a file is the user's call
    assert output_problem(tmp_path, directory=True) is None


def test_output_problem_refuses_what_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x", encoding="utf-8")
    assert NO_FOLDER in (output_problem(tmp_path / "a" / "b.csv") or "")
    assert NOT_A_FOLDER in (output_problem(tmp_path / "f" / "b.csv", create_parents=True) or "")
    assert NOT_A_FOLDER in (output_problem(tmp_path / "f" / "x" / "y", directory=True, create_parents=True) or "")
    assert NOT_A_FOLDER in (output_problem(tmp_path / "f", directory=True) or "")
    assert IS_A_FOLDER in (output_problem(tmp_path) or "")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_output_problem_refuses_a_read_only_folder(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert "not writable" in (output_problem(locked / "x.csv") or "")
    finally:
        locked.chmod(0o700)
