"""What a first-time user trips on around ``wikiclub reconcile``: a review sheet renamed, a QID that does
not exist, ``-o review.txt``, ``--match-threshold 150``, Ctrl-C, a wiki that does not answer."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import Sandbox

from wikiclub.cli import main
from wikiclub.errors import InputError
from wikiclub.reconcile.apply import apply_review, find_state
from wikiclub.reconcile.review import COL_HUMAN, COL_ROW

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
KB = str(DATA / "kb.jsonl")


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first rows of lieux.csv as records (no wiki needed to map them)."""
    folder = tmp_path_factory.mktemp("records")
    full = folder / "all.jsonl"
    res = run("map", str(DATA / "lieux.csv"), "-m", str(ROOT / "mappings" / "lieux.yaml"), "--properties", KB,
              "--skip-invalid", "-o", str(full))
    assert res.exit_code == 0, res.output
    lines = full.read_text(encoding="utf-8").splitlines()[:6]
    small = folder / "lieux.jsonl"
    small.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return small


@pytest.fixture(scope="module")
def reviewed(kb_sandbox: Sandbox, records: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("review") / "review.xlsx"
    res = run("reconcile", str(records), "--site", kb_sandbox.site, "--no-progress", "-o", str(out))
    assert res.exit_code == 0, res.output
    return out


def _copy(review: Path, folder: Path, name: str, *, with_state: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    target.write_bytes(review.read_bytes())
    if with_state:
        (folder / "review.state.jsonl").write_bytes(review.with_name("review.state.jsonl").read_bytes())
    return target


def _decide(sheet: Path, row_decisions: dict[int, str]) -> None:
    """Type decisions in « Votre décision », by the row number of the data (XLSX or CSV)."""
    if sheet.suffix == ".xlsx":
        wb = openpyxl.load_workbook(sheet)
        ws = wb.worksheets[0]
        head = [c.value for c in ws[1]]
        for line in ws.iter_rows(min_row=2):
            row = line[head.index(COL_ROW)].value
            if row in row_decisions:
                line[head.index(COL_HUMAN)].value = row_decisions[row]
        wb.save(sheet)
        wb.close()
        return
    with sheet.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    for line in table[1:]:
        if int(line[table[0].index(COL_ROW)]) in row_decisions:
            line[table[0].index(COL_HUMAN)] = row_decisions[int(line[table[0].index(COL_ROW)])]
    with sheet.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(table)


def test_a_renamed_xlsx_finds_its_state_by_its_run_id(reviewed: Path, tmp_path: Path) -> None:
    renamed = _copy(reviewed, tmp_path, "revision-finale-de-Marie.xlsx")
    _decide(renamed, {2: "SKIP"})
    summary = apply_review(renamed, tmp_path / "records.jsonl")
    assert summary.skipped == ["2"]
    # another run's state under the sheet's own name is not taken for this sheet's
    other = tmp_path / "revision-finale-de-Marie.state.jsonl"
    lines = (tmp_path / "review.state.jsonl").read_text(encoding="utf-8").splitlines()
    other.write_text("\n".join([lines[0].replace('"run": "', '"run": "autre')] + lines[1:]) + "\n", encoding="utf-8")
    assert find_state(renamed, []).path.name == "review.state.jsonl"


def test_a_renamed_csv_finds_its_state_by_its_keys(reviewed: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "mes-decisions.csv"
    tmp_path.mkdir(exist_ok=True)
    renamed.write_bytes(reviewed.with_suffix(".csv").read_bytes())
    (tmp_path / "review.state.jsonl").write_bytes(reviewed.with_name("review.state.jsonl").read_bytes())
    _decide(renamed, {3: "NEW"})
    assert apply_review(renamed, tmp_path / "records.jsonl").written >= 1
    # two states that both fit: a clear message, not a guess
    (tmp_path / "copie.state.jsonl").write_bytes((tmp_path / "review.state.jsonl").read_bytes())
    with pytest.raises(InputError, match="plusieurs possibles") as err:
        apply_review(renamed, tmp_path / "records.jsonl")
    assert "mes-decisions.state.jsonl" in (err.value.hint or "")
    # no state at all
    (tmp_path / "copie.state.jsonl").unlink()
    (tmp_path / "review.state.jsonl").unlink()
    with pytest.raises(InputError, match="introuvable"):
        apply_review(renamed, tmp_path / "records.jsonl")


def test_a_qid_that_does_not_exist_is_refused_where_it_was_typed(reviewed: Path, tmp_path: Path) -> None:
    sheet = _copy(reviewed, tmp_path, "review.xlsx")
    _decide(sheet, {3: "Q999999999"})
    out = tmp_path / "records.jsonl"
    # no --site: the QIDs are checked on the site the run asked (kept in the state)
    res = run("reconcile", "--apply-review", str(sheet), "-o", str(out))
    assert res.exit_code == 1, res.output
    assert "ligne / row 3, colonne « Votre décision / Your decision » : Q999999999" in res.output
    assert "n'existe pas" in res.output or "inexistant" in res.output
    assert not out.exists()
    _decide(sheet, {3: "Q900141"})  # an item the wiki has: accepted
    res = run("reconcile", "--apply-review", str(sheet), "-o", str(out))
    assert res.exit_code == 0, res.output
    assert '"target": "Q900141"' in out.read_text(encoding="utf-8")


def test_review_output_must_be_xlsx_or_csv(records: Path, tmp_path: Path) -> None:
    res = run("reconcile", str(records), "--index", KB, "-o", str(tmp_path / "review.txt"))
    assert res.exit_code == 2 and ".xlsx ou un .csv" in res.output
    assert not list(tmp_path.iterdir())  # nothing written, review.csv included


@pytest.mark.parametrize(("option", "value", "expect"), [
    ("--match-threshold", "150", "0<=x<=100"), ("--match-threshold", "-1", "0<=x<=100"),
    ("--match-threshold", "30", "seuil NEW"), ("--margin", "200", "0<=x<=100")])
def test_thresholds_are_checked(records: Path, tmp_path: Path, option: str, value: str, expect: str) -> None:
    res = run("reconcile", str(records), "--site", "http://127.0.0.1:9/w/api.php", option, value,
              "-o", str(tmp_path / "r.xlsx"))
    assert res.exit_code == 2 and expect in res.output, res.output


def test_an_unreachable_wiki_fails_at_once_with_a_clear_message(records: Path, tmp_path: Path) -> None:
    env = {"WIKICLUB_RETRIES": "5"}  # the probe makes one try whatever the retries
    res = CliRunner(env=env).invoke(main, ["reconcile", str(records), "--site", "http://127.0.0.1:9/w/api.php",
                                           "-o", str(tmp_path / "r.xlsx")])
    assert res.exit_code == 2, res.output
    assert "ne répond pas / the wiki does not answer" in res.output and "--index" in res.output
    assert "%" not in res.output  # no progress bar was started


def test_ctrl_c_says_how_to_resume(kb_sandbox: Sandbox, records: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The user presses Ctrl-C after the second row (simulated in the progress bar's loop)."""
    import wikiclub.cli.reconcile as cli

    def interrupted(rows: Iterable[object]) -> Iterator[object]:
        for n, r in enumerate(rows):
            if n == 2:
                raise KeyboardInterrupt
            yield r

    monkeypatch.setattr(cli, "_progress_bar", interrupted)
    # rows without lieux.yaml's focus list: with it, the focus list's index is read first (no progress
    # bar) and settles these rows, so nothing would reach the interrupted loop
    plain = tmp_path / "plain.jsonl"
    plain.write_text("".join(json.dumps({**json.loads(line), "focus_list": None}, ensure_ascii=False) + "\n"
                             for line in records.read_text(encoding="utf-8").splitlines()), encoding="utf-8")
    records = plain
    out = tmp_path / "r.xlsx"
    res = run("reconcile", str(records), "--site", kb_sandbox.site, "-o", str(out))
    assert res.exit_code == 130
    assert "Interrompu" in res.output and "--resume" in res.output
    hint = res.output.split("reprenez / finished rows are kept; resume: ", 1)[1].splitlines()[0]
    assert hint.startswith("wikiclub reconcile ") and f"-o {out}" in hint
    progress = out.with_name("r.progress.jsonl")
    assert len(progress.read_text(encoding="utf-8").splitlines()) == 2  # the rows done are kept
    monkeypatch.undo()
    res = run(*hint.split()[1:], "--no-progress")  # the command it printed
    assert res.exit_code == 0, res.output
    assert out.exists() and not progress.exists()
