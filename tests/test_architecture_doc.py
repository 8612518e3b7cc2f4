"""docs/architecture.md stays true to the tree, and it — not a file outside the repository — is what
the code cites.

The layout block (the fenced block that starts with ``src/wikiclub/``) names the top-level modules
(``errors.py config.py …``) and, per package (``sheets/  read (…) · mapping · …``), its modules: each
name must exist, every top-level module must be named, and every package of ``src/wikiclub`` must
have its line.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "wikiclub"
DOC = ROOT / "docs" / "architecture.md"
_MODULE = re.compile(r"([a-z_][a-z0-9_]*\*?)(?:$|\s+\()")  # "read (CSV…)", "pull", "render_*"


def _layout_lines() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(src/wikiclub/\n.*?)```", text, flags=re.S)
    assert len(blocks) == 1, "docs/architecture.md must have one layout block starting with src/wikiclub/"
    return [line.strip() for line in blocks[0].splitlines()[1:] if line.strip()]


def _layout() -> tuple[set[str], dict[str, list[str]]]:
    """(top-level modules named, package → module names of its line)."""
    top: set[str] = set()
    packages: dict[str, list[str]] = {}
    for line in _layout_lines():
        first, _, rest = line.partition(" ")
        if first.endswith("/"):
            names = []
            for segment in rest.split("·"):
                m = _MODULE.match(segment.strip())
                if m:
                    names.append(m.group(1))
            packages[first.rstrip("/")] = names
        else:
            top |= {word for word in line.split() if word.endswith(".py")}
    return top, packages


def _packages() -> set[str]:
    return {p.name for p in SRC.iterdir() if p.is_dir() and any(p.glob("*.py"))}


def test_every_name_in_the_layout_exists() -> None:
    top, packages = _layout()
    for name in sorted(top):
        assert (SRC / name).is_file(), f"docs/architecture.md names {name}, which src/wikiclub/ lacks"
    for package, modules in packages.items():
        assert (SRC / package).is_dir(), f"docs/architecture.md names {package}/, which src/wikiclub/ lacks"
        for module in modules:
            found = list((SRC / package).glob(module + ".py"))  # "render_*" is a pattern
            assert found, f"docs/architecture.md names {package}/{module}, which does not exist"


def test_every_package_and_top_level_module_is_in_the_layout() -> None:
    top, packages = _layout()
    missing = sorted(_packages() - set(packages))
    assert not missing, f"packages missing from docs/architecture.md's layout block: {missing}"
    modules = {p.name for p in SRC.glob("*.py")} - {"__init__.py", "__main__.py"}
    assert not modules - top, f"top-level modules missing from the layout block: {sorted(modules - top)}"


def test_the_layout_parser_reads_the_block() -> None:
    """Guard against a parser that reads nothing (which would make the tests above pass vacuously)."""
    top, packages = _layout()
    assert {"errors.py", "model.py", "config.py"} <= top
    assert {"read", "mapping", "validate"} <= set(packages["sheets"])
    assert "render_*" in packages["report"] and "build" in packages["batch"]
    assert "one" not in packages["cli"]  # "one module per stage" is prose, not a module


def test_code_cites_docs_not_a_missing_design_file() -> None:
    """« DESIGN.md §N » points at a file that is not in the repository: cite docs/architecture.md."""
    cited = re.compile(r"DESIGN(?:\.md)?\s*§")
    offenders = [f"{path.relative_to(ROOT)}:{n}"
                 for folder in ("src", "tests", "benchmarks", "scripts", "docs")
                 for path in sorted((ROOT / folder).rglob("*"))
                 if path.is_file() and path.suffix in (".py", ".md", "") and "fixtures" not in path.parts
                 for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
                 if cited.search(line) and path != Path(__file__)]
    assert not offenders, "cite docs/architecture.md instead of DESIGN.md §N: " + ", ".join(offenders)
