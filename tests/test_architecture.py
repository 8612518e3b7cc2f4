"""The import rules of DESIGN.md §2, enforced: stages stay pure, adapters hold the outside world.

* only ``wikiclub.cli`` imports click;
* stage modules never import requests, click, pywikibot, wikibaseintegrator, werkzeug or pyoxigraph
  (they receive clients built by the adapters, through the CLI);
* adapters import no stage (one documented exception below);
* nothing but the CLI and the sandbox itself imports the sandbox (the server is test/demo
  infrastructure, never a dependency of the pipeline).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "wikiclub"
OUTSIDE_WORLD = {"requests", "click", "pywikibot", "wikibaseintegrator", "werkzeug", "pyoxigraph"}
STAGES = {"sheets", "mapping", "datatypes", "rowmap", "validate", "properties", "reconcile", "diff", "plan",
          "push", "journal", "approve", "quickstatements", "report", "pull", "model", "errors", "config"}
# adapters/index.py must normalise names exactly as the matcher does: it uses the pure functions of
# reconcile/normalize.py and reconcile/facts.py (no I/O, no state) rather than a copy of them.
ADAPTER_EXCEPTIONS = {("adapters/index.py", "reconcile")}


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Top-level names imported: ``requests``, or ``wikiclub``-relative ones as ``.stage``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(SRC)
    package_depth = len(rel.parts) - 1
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                out.add((node.module or "").split(".")[0])
                if node.module and node.module.startswith("wikiclub."):
                    out.add("." + node.module.split(".")[1])
            else:
                # resolve the relative import against the package of this module
                base = list(rel.parts[:package_depth])[: package_depth - (node.level - 1)] if node.level > 1 \
                    else list(rel.parts[:package_depth])
                parts = base + (node.module.split(".") if node.module else [])
                if parts:
                    out.add("." + parts[0])
                else:  # "from . import x" at the top of the package
                    out |= {"." + alias.name for alias in node.names}
    return out


def _kind(path: Path) -> str:
    first = path.relative_to(SRC).parts[0]
    return first.removesuffix(".py")


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_import_rules(path: Path) -> None:
    kind = _kind(path)
    imported = _imports(path)
    rel = str(path.relative_to(SRC))
    if kind != "cli":
        assert "click" not in imported, f"{rel} imports click: only wikiclub.cli may"
    if kind in STAGES:
        bad = imported & OUTSIDE_WORLD
        assert not bad, f"{rel} (a stage) imports {sorted(bad)}: go through an adapter"
    if kind == "adapters":
        stages = {name[1:] for name in imported if name.startswith(".")} & (STAGES - {"model", "errors", "config"})
        bad = {s for s in stages if (rel, s) not in ADAPTER_EXCEPTIONS}
        assert not bad, f"{rel} (an adapter) imports the stage(s) {sorted(bad)}"
    if kind not in ("cli", "sandbox"):
        assert ".sandbox" not in imported, f"{rel} imports the sandbox: only the CLI may"


def test_the_rules_see_real_imports() -> None:
    """Guard against a checker that finds nothing: known imports are seen."""
    assert "click" in _imports(SRC / "cli" / "__init__.py")
    assert "requests" in _imports(SRC / "adapters" / "http.py")
    assert ".reconcile" in _imports(SRC / "adapters" / "index.py")
    assert ".errors" in _imports(SRC / "validate.py")
