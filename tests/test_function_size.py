"""No function outside ``sandbox/`` longer than 60 lines or of cyclomatic complexity over 20.

Measured with the standard library's ``ast`` on every ``def`` (methods and nested functions included,
each measured on its own):

* **length** — physical lines from the ``def`` line to the function's last line (``end_lineno``),
  docstring, comments and blank lines included; decorators not counted. A nested function's lines count
  in its parent too (they are part of what a reader has to hold).
* **cyclomatic complexity** — McCabe's number, counted close to radon's rules: 1, plus one for each
  decision point of the function's own body (a nested ``def``/``class`` is measured separately, a
  ``lambda`` counts in the function that holds it):

  - ``if`` and ``elif`` (each ``elif`` is an ``if`` node), and each conditional expression ``a if c else b``;
  - ``for``, ``async for`` and ``while`` loops (their ``else`` adds nothing);
  - each ``except`` clause (``finally`` adds nothing);
  - each boolean operator: ``a and b and c`` adds 2 (one per operand after the first);
  - in a comprehension, each ``for`` and each ``if``;
  - each ``case`` of a ``match`` (a final wildcard ``case _`` included, as radon does);
  - ``assert`` adds one (it is a branch: the statement may raise).

  ``with``, ``try`` itself, the ``else`` of a loop or a ``try``, ``return``, ``break``/``continue`` and
  ``raise`` add nothing (radon counts ``with`` and those ``else`` clauses; mccabe counts no boolean
  operator: this measure sits between the two, and does not depend on either being installed).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "wikiclub"
MAX_LINES = 60
MAX_COMPLEXITY = 20

# No file is excused: every function outside sandbox/ is measured.
ALLOWED_FILES: set[str] = set()

FuncDef = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class Measure:
    where: str  # "sheets/read.py:123"
    name: str  # "Class.method" or "outer.<locals>.inner"
    lines: int
    complexity: int

    def __str__(self) -> str:
        return f"{self.where} {self.name}: {self.lines} lines, complexity {self.complexity}"


def complexity(func: FuncDef) -> int:
    """1 + the decision points of ``func``'s own body (see the module docstring)."""
    count = 1
    stack: list[ast.AST] = [*func.body]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue  # measured on its own
        if isinstance(node, ast.If | ast.IfExp | ast.For | ast.AsyncFor | ast.While | ast.ExceptHandler
                      | ast.Assert | ast.match_case):
            count += 1
        elif isinstance(node, ast.BoolOp):
            count += len(node.values) - 1
        elif isinstance(node, ast.comprehension):
            count += 1 + len(node.ifs)
        stack.extend(ast.iter_child_nodes(node))
    return count


def _functions(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, FuncDef]]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield prefix + node.name, node
            yield from _functions(node, f"{prefix}{node.name}.<locals>.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")
        else:
            yield from _functions(node, prefix)


def measure_file(path: Path, root: Path = SRC) -> list[Measure]:
    rel = path.relative_to(root).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [Measure(f"{rel}:{func.lineno}", name, (func.end_lineno or func.lineno) - func.lineno + 1,
                    complexity(func))
            for name, func in _functions(tree)]


def _checked_files() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py"))
            if p.relative_to(SRC).parts[0] != "sandbox" and p.relative_to(SRC).as_posix() not in ALLOWED_FILES]


def offenders(files: list[Path], root: Path = SRC) -> list[Measure]:
    return [m for path in files for m in measure_file(path, root)
            if m.lines > MAX_LINES or m.complexity > MAX_COMPLEXITY]


def test_no_function_too_long_or_too_complex() -> None:
    found = offenders(_checked_files())
    assert not found, (f"{len(found)} function(s) over {MAX_LINES} lines or complexity {MAX_COMPLEXITY} "
                       "(split them into named steps):\n" + "\n".join(f"  src/wikiclub/{m}" for m in found))


def test_allow_list_names_existing_files() -> None:
    """The allow-list must not outlive the files it excuses (a renamed file would silently escape)."""
    for rel in ALLOWED_FILES:
        assert (SRC / rel).is_file(), f"allow-listed file {rel} no longer exists: remove the entry"


def _measure_source(source: str) -> Measure:
    tree = ast.parse(source)
    func = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))
    return Measure("x.py:1", func.name, (func.end_lineno or 0) - func.lineno + 1, complexity(func))


def test_complexity_counts_each_kind_of_decision() -> None:
    """The measure itself: each construct of the docstring adds what it says, nested defs add nothing."""
    assert _measure_source("def f():\n    return 1\n").complexity == 1
    assert _measure_source("def f(a):\n    if a:\n        pass\n    elif a > 1:\n        pass\n"
                           "    else:\n        pass\n").complexity == 3
    assert _measure_source("def f(a):\n    for x in a:\n        pass\n    else:\n        pass\n"
                           "    while a:\n        pass\n").complexity == 3
    assert _measure_source("def f(a):\n    try:\n        pass\n    except ValueError:\n        pass\n"
                           "    except KeyError:\n        pass\n    finally:\n        pass\n").complexity == 3
    assert _measure_source("def f(a, b, c):\n    return a and b and c or a\n").complexity == 4
    assert _measure_source("def f(a):\n    return [x for x in a if x if x > 1]\n").complexity == 4
    assert _measure_source("def f(a):\n    return 1 if a else 2\n").complexity == 2
    assert _measure_source("def f(a):\n    match a:\n        case 1:\n            pass\n"
                           "        case _:\n            pass\n").complexity == 3
    assert _measure_source("def f(a):\n    assert a\n    with open(a):\n        pass\n").complexity == 2
    assert _measure_source("def f(a):\n    def g():\n        if a:\n            pass\n"
                           "    return g\n").complexity == 1
    assert _measure_source("def f(a):\n    return lambda: 1 if a else 2\n").complexity == 2


def test_offenders_are_reported_with_file_and_line(tmp_path: Path) -> None:
    """A long, branchy function is found and named with file:line."""
    body = "".join(f"    if a == {i}:\n        return {i}\n" for i in range(25))
    path = tmp_path / "probe.py"
    path.write_text("x = 1\n\ndef big(a):\n" + body + "\ndef small():\n    return 1\n", encoding="utf-8")
    (found,) = offenders([path], root=tmp_path)
    assert found.where == "probe.py:3"
    assert found.name == "big" and found.lines == 51 and found.complexity == 26
