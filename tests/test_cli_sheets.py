"""The validate / map / mapping check commands: summaries, exit codes, reports, records."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from wikiclub.cli import main
from wikiclub.sheets.validate import read_records

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
KB = str(DATA / "kb.jsonl")


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, list(args))


def test_validate_clean_sheet_exits_0_with_summary(tmp_path: Path) -> None:
    res = run("validate", str(DATA / "festivals.xlsx"), "-m", str(ROOT / "mappings/festivals.yaml"),
              "--properties", KB, "--report", str(tmp_path / "p.csv"))
    assert res.exit_code == 0, res.output
    assert "Lignes lues / rows read : 24" in res.output and "Lignes valides / valid rows : 24" in res.output
    assert "note-row" in res.output
    assert (tmp_path / "p.csv").read_text(encoding="utf-8-sig").startswith("fichier/file,onglet/sheet,ligne/row")


def test_validate_data_problem_exits_1(tmp_path: Path) -> None:
    res = run("validate", str(DATA / "lieux.csv"), "-m", str(ROOT / "mappings/lieux.yaml"), "--properties", KB)
    assert res.exit_code == 1
    assert "Lignes valides / valid rows : 38" in res.output and "outside-bounds" in res.output


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    res = run("validate", str(DATA / "lieux.csv"), "-m", str(ROOT / "mappings/lieux.yaml"), "--properties", KB,
              "--report", str(tmp_path / "p.txt"))
    assert res.exit_code == 2 and ".csv ou .xlsx" in res.output
    assert run("validate", str(tmp_path / "nope.csv"), "-m", "x.yaml").exit_code == 2
    # No cache, no dump, no --site: a clear message, not a network call.
    res = run("validate", str(DATA / "lieux.csv"), "-m", str(ROOT / "mappings/lieux.yaml"),
              "--cache-dir", str(tmp_path / "cache"))
    assert res.exit_code == 2 and "--properties" in res.output and "Traceback" not in res.output


def test_map_refuses_with_errors_then_skip_invalid(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    args = ["map", str(DATA / "lieux.csv"), "-m", str(ROOT / "mappings/lieux.yaml"), "--properties", KB, "-o", str(out)]
    res = run(*args)
    assert res.exit_code == 1 and not out.exists()
    assert "lieux.csv, ligne 5, colonne « Longitude »" in res.output and "--skip-invalid" in res.output
    res = run(*args, "--skip-invalid")
    assert res.exit_code == 0, res.output
    assert "38 enregistrements" in res.output and "ligne 5 : hors des bornes [outside-bounds]" in res.output
    records = read_records(out)
    assert len(records) == 38 and 5 not in {r.source.row for r in records}
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert first["source"] == {"file": "lieux.csv", "sheet": None, "row": 2, "column": None}


def test_map_clean_sheet(tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    res = run("map", str(ROOT / "examples" / "organismes-culturels.csv"), "-m",
              str(ROOT / "mappings/organismes-culturels.yaml"), "--properties", KB, "-o", str(out))
    assert res.exit_code == 0, res.output
    assert len(read_records(out)) == 46


def test_bad_checksum_keeps_the_row_out_unless_allowed(tmp_path: Path) -> None:
    """tests/data's ISNIs are fictitious, with wrong check digits: row 27 is refused, named with the
    expected digit; --allow-bad-checksums lets it through as a warning."""
    out = tmp_path / "o.jsonl"
    args = [str(DATA / "organismes-culturels.csv"), "-m", str(ROOT / "mappings/organismes-culturels.yaml"),
            "--properties", KB, "-o", str(out)]
    res = run("map", *args)
    assert res.exit_code == 1 and not out.exists()
    assert "ligne 27" in res.output and "ISNI" in res.output and "« 7 »" in res.output, res.output
    res = run("map", *args, "--skip-invalid")
    assert res.exit_code == 0 and 27 not in {r.source.row for r in read_records(out)}
    res = run("map", *args, "--allow-bad-checksums")
    assert res.exit_code == 0, res.output
    rows = {r.source.row: r for r in read_records(out)}
    assert len(rows) == 46 and [i.severity for i in rows[27].issues] == ["warning"]
    assert run("validate", *args[:-2], "--allow-bad-checksums").exit_code == 0
    assert run("validate", *args[:-2]).exit_code == 1


def test_mapping_check_with_dump() -> None:
    res = run("mapping", "check", str(ROOT / "mappings/organismes-culturels.yaml"), "--properties", KB)
    assert res.exit_code == 0 and "OK" in res.output
    res = run("mapping", "check", str(ROOT / "mappings/nope.yaml"), "--properties", KB)
    assert res.exit_code == 1 and "introuvable" in res.output


def test_help_has_examples() -> None:
    for cmd in (["validate"], ["map"], ["mapping", "check"]):
        res = run(*cmd, "--help")
        assert res.exit_code == 0 and "Exemple / example" in res.output


def test_property_cache_forgets_unknown_answers_and_refreshes(sandbox, tmp_path: Path) -> None:  # noqa: ANN001
    """« P856 unknown » does not stick after the wiki gained P856: --refresh asks again at once, and the
    answer is forgotten after its time-to-live anyway."""
    import time

    from wikiclub.sandbox.load import load_dump
    from wikiclub.sheets.properties import UNKNOWN_TTL, cache_path, load_cached

    lines = Path(KB).read_text(encoding="utf-8").splitlines()
    p856 = [line for line in lines if '"id":"P856",' in line and '"type":"property"' in line]
    assert len(p856) == 1
    (tmp_path / "without.jsonl").write_text("\n".join(x for x in lines if x not in p856) + "\n", encoding="utf-8")
    (tmp_path / "p856.jsonl").write_text(p856[0] + "\n", encoding="utf-8")
    load_dump(sandbox.app, tmp_path / "without.jsonl")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("version: 1\nentity:\n  label: {column: Nom, language: fr}\ncolumns:\n"
                       "  Site web: {property: P856}\n  Ville: {property: P131}\n", encoding="utf-8")
    check = ["mapping", "check", str(mapping), "--site", sandbox.site, "--cache-dir", str(tmp_path / "cache")]
    res = run(*check)
    assert res.exit_code == 1 and "P856" in res.output, res.output
    load_dump(sandbox.app, tmp_path / "p856.jsonl")  # the wiki gains P856
    assert run(*check).exit_code == 1  # the cache still says unknown (within its time-to-live) …
    res = run(*check, "--refresh")  # … --refresh asks again
    assert res.exit_code == 0, res.output
    cached = load_cached(tmp_path / "cache", f"{sandbox.running.api_url}")
    assert cached.get("P856") is not None and "P856" not in cached.missing
    assert run(*check, "--refresh", "--offline").exit_code == 2  # refreshing needs the site

    # the time-to-live: an « unknown » answer older than UNKNOWN_TTL is dropped when the cache is read
    stale = cached.ensure(["P9999"], lambda ids: {}, now=time.time() - UNKNOWN_TTL - 5)
    stale.save(cache_path(tmp_path / "cache", sandbox.running.api_url))
    assert "P9999" not in load_cached(tmp_path / "cache", sandbox.running.api_url).missing
    fresh = cached.ensure(["P9999"], lambda ids: {}, now=time.time())
    fresh.save(cache_path(tmp_path / "cache", sandbox.running.api_url))
    assert "P9999" in load_cached(tmp_path / "cache", sandbox.running.api_url).missing
