"""``wikiclub demo`` end to end (its own sandbox, the three example sheets): it ends by saying what to open,
and leaves a project folder the atelier opens on the demo's wiki."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from wikiclub.cli import main
from wikiclub.cli.atelier import build_atelier

pytestmark = pytest.mark.slow


def test_the_demo_says_what_to_open_and_prepares_the_atelier(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIKICLUB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("WIKICLUB_CONFIG", "")
    out = tmp_path / "demo-output"
    res = CliRunner().invoke(main, ["demo", "-o", str(out)])
    assert res.exit_code == 0, res.output
    tail = res.output[res.output.index("À ouvrir / to open:"):]
    assert str(out / "rapports" / "apres" / "couverture.html") in tail
    assert f"wikiclub atelier --folder {out / 'atelier-projet'}" in tail and "--keep-running" in tail
    assert (out / "rapports" / "apres" / "couverture.html").is_file()
    # the review sheet it wrote is one people can use: a dropdown on the decision, a frozen header
    wb = openpyxl.load_workbook(out / "lieux" / "review.xlsx")
    ws = wb.worksheets[0]
    assert ws.freeze_panes == "D2" and ws.data_validations.dataValidation
    wb.close()
    folder = out / "atelier-projet"
    assert 'site = "sandbox:http://127.0.0.1:' in (folder / "wikiclub.toml").read_text("utf-8")
    app = build_atelier(folder, None, None)
    home = app.test_client().get("/").get_data(as_text=True)
    assert all(name in home for name in ("lieux.csv", "festivals.xlsx", "mappings/organismes-culturels.yaml"))


def test_keep_running_is_documented() -> None:
    res = CliRunner().invoke(main, ["demo", "--help"])
    assert "--keep-running" in res.output
