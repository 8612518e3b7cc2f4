"""What the benchmarks share: a sandbox loaded with the sample knowledge base and a bot account (the
library's ``sandbox.server.start_with_bot``, as the tests and ``wikiclub demo`` use it), a client for
it, and reconciled records built in code. Nothing here imports from ``tests/``: the benchmarks run
on an installed wikiclub (``pip install -e '.[sandbox]'``) and read ``tests/data/`` only as data."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wikiclub.adapters.http import WikiclubSession
from wikiclub.adapters.wikibase import WikibaseClient
from wikiclub.credentials import Credentials
from wikiclub.model import MappedRow, Reference, Snak, SourceRef, StatementDraft, StringValue, TimeValue
from wikiclub.sandbox.config import SandboxConfig
from wikiclub.sandbox.load import load_dump
from wikiclub.sandbox.server import RunningSandbox, start_with_bot
from wikiclub.sandbox.users import BotAccount

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


def provenance(script: str, argv: Sequence[str]) -> list[str]:
    """The command, the commit (and whether the tree had changes), the date and the machine a results
    file was written with: a rerun on other code is a different file."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "?"

    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else ""
    return [f"Command: `.venv/bin/python benchmarks/{script} {' '.join(argv)}`".rstrip(),
            f"Commit: {git('rev-parse', '--short', 'HEAD')}{dirty}; date: "
            f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; machine: {platform.machine()}, "
            f"{os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"]
KB = DATA / "kb.jsonl"
FOCUS = "Q900100"  # the sample WikiProject's focus-list item (P5008)


def kb_sandbox(data_dir: Path, *, dump: Path = KB, **config: Any) -> tuple[RunningSandbox, BotAccount]:
    """A sandbox on a free port, loaded with ``dump`` (tests/data/kb.jsonl), with a bot-flagged admin account."""
    running, account = start_with_bot(SandboxConfig(data_dir=data_dir, port=0, **config), user="Admin",
                                      groups=("sysop", "bureaucrat"))
    load_dump(running.app, dump)
    return running, account


def client(api_url: str, account: BotAccount | None = None) -> WikibaseClient:
    """A client without throttle or back-off sleeps; logged in when ``account`` is given."""
    c = WikibaseClient(api_url, WikiclubSession(timeout=(5.0, 30.0), contact=None), throttle=None,
                       sleep=lambda s: None)
    if account is not None:
        c.login(Credentials(account.name, account.password, "benchmark"))
    return c


def ref(url: str, retrieved: str = "+2024-05-01T00:00:00Z") -> Reference:
    return Reference((Snak("P854", "url", StringValue(url)), Snak("P813", "time", TimeValue(retrieved, 11))))


def st(pid: str, datatype: str, value: Any, *refs: Reference, quals: Sequence[Snak] = ()) -> StatementDraft:
    return StatementDraft(Snak(pid, datatype, value), tuple(quals), tuple(refs))


def row(n: int, label: str, *statements: StatementDraft, desc: str | None = None,
        instance_of: Sequence[str] = ("Q43229",), focus: str | None = FOCUS, file: str = "orgs.csv") -> MappedRow:
    return MappedRow(SourceRef(file, None, n), (("fr", label),), (("fr", desc),) if desc else (), (),
                     tuple(statements), tuple(instance_of), focus_list=focus)


def write_records(path: Path, rows: Iterable[tuple[str | None, MappedRow]]) -> Path:
    """Reconciled records as ``reconcile --apply-review`` writes them (MATCH with a target, else NEW)."""
    with path.open("w", encoding="utf-8") as fh:
        for target, r in rows:
            fh.write(json.dumps({"target": target, "decision": "MATCH" if target else "NEW",
                                 "record": r.to_json(), "reconcile": {"row": r.source.row}},
                                ensure_ascii=False) + "\n")
    return path
