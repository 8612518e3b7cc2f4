"""The import rules of docs/architecture.md, enforced on every module of ``src/wikiclub``.

Every module has a kind (the first part of its path), and the kinds are layered:

* ``shared`` — the plain modules at the top of the package (``model``, ``errors``, ``config``,
  ``credentials``, ``dumps``, ``names``, ``facts``, ``escape``, ``wbjson`` …): they import only each other and the
  standard library or pure libraries, never a stage, an adapter, click or a network library;
* ``adapters`` — the outside world; they import shared modules, never a stage;
* stages — ``sheets``, ``reconcile``, ``batch``, ``report``: shared modules, adapters' interfaces and
  earlier stages; never click, requests, pywikibot, wikibaseintegrator, werkzeug or pyoxigraph;
* ``sandbox`` — the test/demo server; it imports shared modules only, and only the CLI imports it;
  werkzeug and pyoxigraph (the optional ``sandbox`` extra) are imported nowhere else but the CLI;
* ``web`` — local web front ends on Flask (the reconciliation service for OpenRefine): they wire
  stages to HTTP; only ``web`` (and ``atelier``) import Flask;
* ``cli`` (and ``atelier``, the local web workspace) — the only places that wire everything; only the
  CLI imports click.

No import cycle anywhere, between modules or between packages, counting imports inside functions
(a cycle hidden in a function is still a cycle: it only moves the failure to run time).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "wikiclub"
OUTSIDE_WORLD = {"requests", "click", "pywikibot", "wikibaseintegrator", "werkzeug", "pyoxigraph", "flask"}
FLASK_KINDS = ("web", "atelier")  # the optional ``web`` extra: nothing else may need it
# The optional ``sandbox`` extra (pip install 'wikiclub[sandbox]'): the toolkit runs without them.
SANDBOX_EXTRA = {"werkzeug", "pyoxigraph"}
STAGES = ("sheets", "reconcile", "batch", "report")
SHARED = {"__init__", "__main__", "model", "errors", "config", "credentials", "dumps", "names", "facts", "escape",
          "wbjson", "siteinfo", "problems", "french", "xlsxstyle"}
KINDS = {"shared", "adapters", "sandbox", "cli", "atelier", "web", *STAGES}
# which kinds a kind may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "shared": set(),
    "adapters": {"shared"},
    "sheets": {"shared", "adapters"},
    "reconcile": {"shared", "adapters", "sheets"},
    "batch": {"shared", "adapters", "sheets"},
    "report": {"shared", "adapters", "sheets", "batch"},
    "sandbox": {"shared"},
    "web": {"shared", "adapters", *STAGES},
    "atelier": {"shared", "adapters", "web", *STAGES},
    "cli": {"shared", "adapters", "sandbox", "atelier", "web", *STAGES},
}


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["wikiclub", *parts])


def _kind(path: Path) -> str:
    parts = path.relative_to(SRC).parts
    if parts == ("__main__.py",):
        return "cli"  # ``python -m wikiclub``: the entry point runs the CLI
    if len(parts) == 1:
        return "shared"
    return parts[0]


def _resolve(path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    if node.level > 1:
        package = package[: len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def _all_imports(path: Path) -> Iterator[tuple[str, int]]:
    """(absolute module name, line) of every import of the file, including imports inside functions.
    ``from pkg import name`` yields ``pkg.name`` when that is a module of ours, else ``pkg``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(path, node)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield (full if full in _NAMES else base), node.lineno


_NAMES = {_module_name(p) for p in _modules()}


def _kind_of_module(name: str) -> str:
    parts = name.split(".")
    if len(parts) == 2 and parts[1] in SHARED or len(parts) == 1:
        return "shared"
    return parts[1]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in _modules():
        me = _module_name(path)
        graph[me] = set()
        for name, _ in _all_imports(path):
            if name.startswith("wikiclub"):
                # the nearest module of ours that the name denotes (a package's __init__ or a module)
                while name not in _NAMES and "." in name:
                    name = name.rsplit(".", 1)[0]
                if name != me:
                    graph[me].add(name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def test_every_module_has_a_known_kind() -> None:
    for path in _modules():
        kind = _kind(path)
        assert kind in KINDS, f"{path.relative_to(SRC)}: kind {kind!r} is not classified in this test"
        if kind == "shared":
            assert path.stem in SHARED, (f"{path.relative_to(SRC)}: a new top-level module — classify it in "
                                         "SHARED (and docs/architecture.md) or move it into a stage package")


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_import_rules(path: Path) -> None:
    kind = _kind(path)
    rel = str(path.relative_to(SRC))
    for name, line in _all_imports(path):
        top = name.split(".")[0]
        if top == "click":
            assert kind == "cli", f"{rel}:{line} imports click: only wikiclub.cli may"
        if top == "flask":
            assert kind in FLASK_KINDS, f"{rel}:{line} imports flask: only wikiclub.web may (the web extra)"
        if top in OUTSIDE_WORLD and kind in ("shared", *STAGES):
            pytest.fail(f"{rel}:{line} ({kind}) imports {top}: go through an adapter")
        if top in SANDBOX_EXTRA and kind not in ("sandbox", "cli") and not (top == "werkzeug" and kind in FLASK_KINDS):
            # werkzeug also comes with Flask (the ``web`` extra): the web front ends may use it
            pytest.fail(f"{rel}:{line} ({kind}) imports {top}, which only the sandbox extra installs")
        if top != "wikiclub" or name == "wikiclub":
            continue
        other = _kind_of_module(name)
        if other != kind:
            assert other in ALLOWED[kind], f"{rel}:{line} ({kind}) may not import {name} ({other})"


def test_no_import_cycle_between_modules() -> None:
    cycles = _cycles(_graph())
    assert not cycles, "import cycles (imports inside functions count): " + "; ".join(
        " ↔ ".join(c) for c in cycles)


def test_no_import_cycle_between_packages() -> None:
    packages: dict[str, set[str]] = {}
    for module, deps in _graph().items():
        me = _kind_of_module(module) if _kind_of_module(module) != "shared" else module
        for dep in deps:
            other = _kind_of_module(dep) if _kind_of_module(dep) != "shared" else dep
            if other != me:
                packages.setdefault(me, set()).add(other)
    cycles = _cycles(packages)
    assert not cycles, "package cycles: " + "; ".join(" ↔ ".join(c) for c in cycles)


def test_the_checker_sees_real_imports_and_cycles() -> None:
    """Guard against a checker that finds nothing: known imports and a made-up cycle are seen."""
    assert "click" in {n for n, _ in _all_imports(SRC / "cli" / "app.py")}
    assert "requests" in {n for n, _ in _all_imports(SRC / "adapters" / "http.py")}
    assert "flask" in {n for n, _ in _all_imports(SRC / "web" / "reconcile.py")}
    assert "wikiclub.names" in {n for n, _ in _all_imports(SRC / "adapters" / "index.py")}
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
