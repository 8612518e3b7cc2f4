"""What the reconciliation benchmarks share: the two candidate sources over tests/data/kb.jsonl (the
local index, and a sandbox loaded with it behind the real client), and writing the Markdown result."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DATA, ROOT, kb_sandbox  # noqa: E402, F401  (ROOT, DATA: for the reconciliation benchmarks)

Source = tuple[str, Callable[[], Any]]


@contextmanager
def candidate_sources(which: str, tmp: Path) -> Iterator[list[Source]]:
    """("local index", make) and/or ("sandbox API", make) for ``which`` in index|sandbox|both;
    the sandbox is stopped on exit."""
    sources: list[Source] = []
    index = None
    if which in ("index", "both"):
        from wikiclub.adapters.index import LocalIndex, build_from_dump
        from wikiclub.reconcile.candidates import IndexSource

        build_from_dump(DATA / "kb.jsonl", tmp / "kb.sqlite")
        index = LocalIndex(tmp / "kb.sqlite")
        sources.append(("local index", lambda: IndexSource(index)))
    sandbox = None
    if which in ("sandbox", "both"):
        from wikiclub.adapters.http import make_session
        from wikiclub.adapters.wikibase import WikibaseClient
        from wikiclub.config import load_settings
        from wikiclub.reconcile.candidates import ApiSource

        sandbox, _ = kb_sandbox(tmp / "sandbox")
        settings = load_settings({"site": sandbox.api_url}, env={})
        client = WikibaseClient.from_settings(settings, make_session(settings))
        sources.append(("sandbox API", lambda: ApiSource(client)))
    try:
        yield sources
    finally:
        if sandbox is not None:
            sandbox.stop()
        if index is not None:
            index.close()


def emit(lines: list[str], out: Path | None) -> int:
    """Print the report and, with --out, write it too."""
    text = "\n".join(lines)
    print(text)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
    return 0


class CountedSparql:
    """A SPARQL client counting the requests it sends (the sandbox's log holds API requests only)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.sent = inner, 0

    def select(self, query: str) -> list[dict[str, Any]]:
        self.sent += 1
        return list(self.inner.select(query))

    def items_with(self, prop: str, values: list[str], *, as_iri: bool = False,
                   concept_base: str | None = None) -> list[str]:
        self.sent += 1
        return list(self.inner.items_with(prop, values, as_iri=as_iri, concept_base=concept_base))
