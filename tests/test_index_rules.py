"""An index written by other name rules is never read as if it were current: its keys would miss
existing items (a duplicate created). Refused with the command that rebuilds it; an update rebuilds it."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from wikiclub.adapters.index import LocalIndex, build_from_dump, rules_version
from wikiclub.cli import main
from wikiclub.errors import UsageError

KB = Path(__file__).parent / "data" / "kb.jsonl"


def age(path: Path, *, stale_name: str = "") -> None:
    """Make ``path`` look written by older rules (another fingerprint; a name key today's rules do not make)."""
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = 'older-rules' WHERE key = 'rules'")
        if stale_name:
            db.execute("INSERT INTO name VALUES ('Q900141', ?, ?, '', '')", (stale_name, stale_name))
    db.close()


def test_a_fresh_index_is_stamped_with_todays_rules_and_reads(tmp_path: Path) -> None:
    out = tmp_path / "kb.sqlite"
    build_from_dump(KB, out)
    with LocalIndex(out) as index:
        assert index.meta()["rules"] == rules_version()
        assert index.search(["Rouyn-Noranda"])[0] == "Q900141"


def test_an_index_of_other_rules_is_refused_with_the_rebuild_command(tmp_path: Path) -> None:
    out = tmp_path / "kb.sqlite"
    build_from_dump(KB, out)
    age(out)
    with pytest.raises(UsageError) as err:
        LocalIndex(out)
    assert str(out) in err.value.message and "autres règles" in err.value.message
    assert err.value.hint == f"Reconstruisez-le / rebuild it: wikiclub index build --dump kb.jsonl -o {out}"
    # reconcile --index says so too, without a traceback, and writes nothing
    records = tmp_path / "records.jsonl"
    shutil.copy(Path(__file__).parent / "data" / "lieux.csv", tmp_path / "lieux.csv")
    mapped = CliRunner().invoke(main, ["map", str(tmp_path / "lieux.csv"), "-m",
                                       str(Path(__file__).parent.parent / "mappings" / "lieux.yaml"),
                                       "--properties", str(KB), "--skip-invalid", "-o", str(records)])
    assert mapped.exit_code == 0, mapped.output
    res = CliRunner().invoke(main, ["reconcile", str(records), "--index", str(out), "--no-progress",
                                    "-o", str(tmp_path / "review.xlsx")])
    assert res.exit_code != 0 and isinstance(res.exception, SystemExit), res.output  # a message, no traceback
    assert "autres règles de noms" in res.output and "index build --dump kb.jsonl" in res.output
    assert not (tmp_path / "review.xlsx").exists()


def test_a_caller_that_fills_the_index_next_starts_it_again(tmp_path: Path) -> None:
    out = tmp_path / "kb.sqlite"
    build_from_dump(KB, out)
    age(out, stale_name="rouyn noranda ancienne cle")
    with LocalIndex(out, rebuild=True) as index:  # what index update and the automatic indexes do
        assert index.count() == 0 and index.meta()["rules"] == rules_version()
        assert index.search(["rouyn noranda ancienne cle"]) == []
