"""``wikiclub push`` killed with SIGKILL at several points (some in the middle of a request, after the
journal said ``sent``), then resumed: same result as an uninterrupted push — every edit exactly once.

The sandbox runs in this process; push runs as a real subprocess of the CLI (credentials from the
environment), so nothing but the journal survives a kill.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Sandbox
from test_push import client, plan_batch, wiki, write_records
from test_push_faults import all_contribs, records

from wikiclub.batch.journal import JournalEntry, iter_journal
from wikiclub.sandbox.config import FaultConfig
from wikiclub.sandbox.faults import FaultInjector

CLI = "from wikiclub.cli import main; main()"


@pytest.fixture
def sb(tmp_path: Path) -> Iterator[Sandbox]:
    s = wiki(tmp_path / "wiki")
    yield s
    s.running.stop()


def start_push(sb: Sandbox, batch: Path, tmp: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "WIKICLUB_BOT_USER": sb.admin.name, "WIKICLUB_BOT_PASSWORD": sb.admin.password,
           "WIKICLUB_CONFIG": "", "WIKICLUB_CREDENTIALS_FILE": str(tmp / "none.toml")}
    return subprocess.Popen([sys.executable, "-c", CLI, "push", str(batch), "--site", sb.api_url, "--throttle", "0",
                             "--no-progress"], cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def journal(batch: Path) -> list[JournalEntry]:
    for _ in range(50):
        try:
            return list(iter_journal(batch))
        except sqlite3.OperationalError:  # the pusher holds a write lock for a moment
            time.sleep(0.01)
    raise AssertionError("journal stayed locked")


@pytest.mark.slow
def test_push_killed_at_random_points_then_resumed(sb: Sandbox, tmp_path: Path) -> None:
    rows = records(n_new=10, n_edit=20)
    batch = plan_batch(tmp_path / "crash", write_records(tmp_path / "records.jsonl", rows), client(sb, login=False))
    # slow requests widen the window between "sent" and the answer, where a kill hurts most
    sb.app.faults = FaultInjector(FaultConfig(seed=3, slow=0.5, slow_seconds=0.15))
    rng = random.Random(5)
    kills: list[str] = []
    for point in range(6):
        proc = start_push(sb, batch, tmp_path)
        deadline = time.monotonic() + 60
        mid_request = point % 2 == 0  # even points: kill while an edit is "sent"; odd: after a random delay
        settled_before = sum(e.state == "done" for e in journal(batch))
        while time.monotonic() < deadline and proc.poll() is None:
            entries = journal(batch)
            done = sum(e.state == "done" for e in entries)
            if mid_request and done > settled_before and any(e.state == "sent" for e in entries):
                break
            if not mid_request and done >= settled_before + rng.randint(1, 4):
                time.sleep(rng.uniform(0, 0.2))
                break
            time.sleep(0.005)
        if proc.poll() is not None:
            proc.communicate(timeout=10)  # closes its pipes
            break  # finished before we could kill it
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        states = Counter(e.state for e in journal(batch))
        kills.append(f"{point}: {dict(states)}")
    print(kills)
    assert len(kills) >= 5, kills
    assert any("'sent'" in k for k in kills), kills  # at least one kill left an unknown outcome behind

    sb.app.faults = None
    final = start_push(sb, batch, tmp_path)
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, (out.decode(), err.decode())
    entries = journal(batch)
    assert [e.state for e in entries] == ["done"] * 30, kills

    checker = client(sb, login=False)
    contribs = all_contribs(checker)
    creations = [x for x in contribs if "wbeditentity-create" in x["comment"]]
    assert sorted(x["title"].split(":")[-1] for x in creations) == sorted(e.entity_id for e in entries if e.created)
    markers = Counter(x["comment"].split("[wc:")[-1][:16] for x in contribs if "[wc:" in x["comment"])
    assert len(markers) == 30 and set(markers.values()) == {1}, markers  # each edit exactly once
    by_rev = {x["revid"]: x for x in contribs}
    for e in entries:
        if e.revid is not None:
            assert f"[wc:{e.edit_id}]" in by_rev[e.revid]["comment"]
    entities = checker.get_entities([e.entity_id for e in entries if e.entity_id])
    for ent in entities.values():
        phones = [s["mainsnak"]["datavalue"]["value"] for s in ent["claims"]["P1329"]]
        assert len(phones) == len(set(phones))
    assert "Secret" not in err.decode() and sb.admin.password not in (out + err).decode()
