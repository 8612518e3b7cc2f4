"""The plan / approve / push / export quickstatements commands against a sandbox: exit codes, messages,
--check, --dry-run, the files they write; help texts carry an example."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import Sandbox
from test_push import FESTIVAL, client, entity, sample_rows, wiki, write_records

from wikiclub.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    s = wiki(tmp_path_factory.mktemp("cli-batch"))
    yield s
    s.running.stop()


@pytest.fixture
def run(sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.chdir(tmp_path)
    env = {"WIKICLUB_BOT_USER": sb.admin.name, "WIKICLUB_BOT_PASSWORD": sb.admin.password, "WIKICLUB_CONFIG": "",
           "WIKICLUB_CREDENTIALS_FILE": str(tmp_path / "none.toml")}

    def invoke(*args: str) -> Result:
        return CliRunner(env=env).invoke(main, list(args))

    return invoke


def test_plan_approve_push_and_again(run, sb: Sandbox, tmp_path: Path) -> None:  # noqa: ANN001
    records = write_records(tmp_path / "records.jsonl", sample_rows())
    site = ("--site", sb.api_url)
    check = run("plan", str(records), *site, "--check")
    assert check.exit_code == 1, check.output
    assert "3 modification(s) / edits (2 création(s)" in check.output
    assert not (tmp_path / "batches").exists()  # --check writes nothing

    res = run("plan", str(records), "-m", str(ROOT / "mappings/organismes-culturels.yaml"), *site, "-o", "batches/b1")
    assert res.exit_code == 0, res.output
    batch = tmp_path / "batches" / "b1"
    meta = json.loads((batch / "meta.json").read_text("utf-8"))
    assert meta["inputs"]["mapping"]["sha256"] and meta["inputs"]["reconciled"]["sha256"]
    assert meta["site"]["api_url"] == sb.api_url and meta["command"].startswith("wikiclub plan")

    refused = run("push", "batches/b1", *site, "--throttle", "0", "--no-progress")
    assert refused.exit_code == 1 and "not approved" in refused.output and "wikiclub approve" in refused.output
    assert "Traceback" not in refused.output

    assert run("approve", "batches/b1", "--by", "User:Relectrice").exit_code == 0
    before = entity(client(sb, login=False), FESTIVAL)["lastrevid"]
    dry = run("push", "batches/b1", *site, "--dry-run")
    assert dry.exit_code == 0 and "3 modification(s) seraient envoyées / would be sent" in dry.output
    assert entity(client(sb, login=False), FESTIVAL)["lastrevid"] == before

    pushed = run("push", "batches/b1", *site, "--throttle", "0", "--no-progress")
    assert pushed.exit_code == 0, pushed.output
    assert "3 fait(s) / done" in pushed.output and "2 créé(s) / created" in pushed.output
    assert (batch / "push-report.md").exists() and (batch / "created.csv").read_text().count("\n") == 3
    assert sb.admin.password not in pushed.output

    again = run("plan", str(records), *site, "--check")
    assert again.exit_code == 0, again.output  # nothing left to do
    assert "0 modification(s)" in again.output

    exported = run("export", "quickstatements", "batches/b1")
    assert exported.exit_code == 0 and (batch / "quickstatements.txt").read_text("utf-8").startswith("CREATE\n")


def test_usage_errors(run, tmp_path: Path, sb: Sandbox) -> None:  # noqa: ANN001
    records = write_records(tmp_path / "records.jsonl", sample_rows())
    bad = run("plan", str(records), "--site", sb.api_url, "--overwrite", "claims", "--check")
    assert bad.exit_code == 2 and "--overwrite" in bad.output
    nobatch = run("approve", str(tmp_path), "--by", "me")
    assert nobatch.exit_code == 1 and "is not a batch folder" in nobatch.output


@pytest.mark.parametrize("command", [["plan"], ["approve"], ["push"], ["export", "quickstatements"]])
def test_help_has_an_example(command: list[str]) -> None:
    res = CliRunner().invoke(main, [*command, "--help"])
    assert res.exit_code == 0 and "wikiclub " + " ".join(command) in res.output and "xemple" in res.output


def test_push_checks_the_batch_before_credentials_or_network(tmp_path: Path) -> None:
    """No credentials and the default site (Wikidata, unreachable here, no contact set): the answer is
    about the folder, so nothing was looked up or sent."""
    env = {"WIKICLUB_BOT_USER": "", "WIKICLUB_BOT_PASSWORD": "", "WIKICLUB_CONFIG": "",
           "WIKICLUB_CREDENTIALS_FILE": str(tmp_path / "none.toml")}
    res = CliRunner(env=env).invoke(main, ["push", str(tmp_path)])
    assert res.exit_code == 1
    assert "is not a batch folder" in res.output
    assert "contact" not in res.output and "credentials" not in res.output.lower()


def test_ctrl_c_during_push_writes_the_report_and_exits_130(run, sb: Sandbox, tmp_path: Path) -> None:  # noqa: ANN001
    """A real SIGINT to a real `wikiclub push` process, between two throttled edits."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from test_push import row

    from wikiclub.batch.journal import iter_journal

    rows = [(None, row(n, f"Organisme Interrompu {n}", desc=f"organisme interrompu {n}")) for n in range(2, 6)]
    records = write_records(tmp_path / "records.jsonl", rows)
    assert run("plan", str(records), "--site", sb.api_url, "-o", "batches/ci").exit_code == 0
    assert run("approve", "batches/ci", "--by", "User:Relectrice").exit_code == 0
    batch = tmp_path / "batches" / "ci"
    env = {**os.environ, "WIKICLUB_BOT_USER": sb.admin.name, "WIKICLUB_BOT_PASSWORD": sb.admin.password,
           "WIKICLUB_CONFIG": "", "WIKICLUB_CREDENTIALS_FILE": str(tmp_path / "none.toml")}
    proc = subprocess.Popen([sys.executable, "-c", "from wikiclub.cli import main; main()", "push", "batches/ci",
                             "--site", sb.api_url, "--throttle", "20", "--no-progress"],  # one edit per 3 s
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if any(e.state == "done" for e in iter_journal(batch)):
                    break
            except Exception:  # noqa: BLE001 — the journal is being created or written: look again
                pass
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = (out + err).decode("utf-8")
    assert proc.returncode == 130, text
    assert "Traceback" not in text and "Relancez / rerun: wikiclub push batches/ci --site" in text
    md = (batch / "push-report.md").read_text("utf-8")
    assert "interrompu / interrupted" in md and "## En attente / pending" in md
    assert f"`wikiclub push batches/ci --site {sb.api_url} --throttle 20 --no-progress`" in md
    assert sb.admin.password not in md and sb.admin.password not in text

    resumed = run("push", "batches/ci", "--site", sb.api_url, "--throttle", "0", "--no-progress")
    assert resumed.exit_code == 0, resumed.output
    assert "4 fait(s) / done" in resumed.output
    assert {e.state for e in iter_journal(batch)} == {"done"}
    assert len({e.entity_id for e in iter_journal(batch)}) == 4
