"""The toolkit installs and runs without the ``sandbox`` extra (werkzeug, pyoxigraph).

A real installation, not an import trick: a wheel is built from the source tree, then installed with
``pip install --no-deps`` into a fresh virtual environment created *without* the system's
site-packages (which may hold werkzeug). The other dependencies come from this project's own
environment through a ``.pth`` file that points at a folder of links to every distribution there
*except* werkzeug, pyoxigraph and wikiclub itself (its editable install): so the new environment
has exactly the toolkit's required dependencies, with no network and no registry. The test checks
that werkzeug and pyoxigraph really cannot be imported there, then runs the installed ``wikiclub``:
``--help``, ``validate`` on an example sheet, ``index build`` from a dump and ``reconcile --index``
succeed; ``sandbox serve`` and ``demo`` stop with the message naming ``pip install 'wikiclub[sandbox]'``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXCLUDED = ("werkzeug", "pyoxigraph", "wikiclub", "__editable__", "_wikiclub", "__pycache__")

pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYWIKIBOT_NO_USER_CONFIG"] = "2"
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}\n{result.stderr}"
    return result


def _build_wheel(tmp: Path) -> Path:
    """``pip wheel`` on a copy of the sources (the build writes build/ and *.egg-info next to them)."""
    src = tmp / "src-copy"
    shutil.copytree(ROOT / "src", src / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp / "dist"),
          str(src)], tmp)
    (wheel,) = (tmp / "dist").glob("wikiclub-*.whl")
    return wheel


def _dependencies_without_sandbox(tmp: Path) -> Path:
    """A folder of links to this environment's distributions, werkzeug/pyoxigraph/wikiclub left out."""
    site = Path(sysconfig.get_paths()["purelib"])
    farm = tmp / "deps"
    farm.mkdir()
    for entry in site.iterdir():
        name = entry.name.lower()
        if name.startswith(EXCLUDED) or name.endswith(".pth") or name in ("pip", "setuptools", "_distutils_hack"):
            continue
        (farm / entry.name).symlink_to(entry)
    return farm


def test_installs_and_runs_without_the_sandbox_extra(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path)  # no --system-site-packages
    py, wikiclub = venv / "bin" / "python", venv / "bin" / "wikiclub"
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     tmp_path).stdout.strip())
    (site / "wikiclub-test-deps.pth").write_text(str(_dependencies_without_sandbox(tmp_path)) + "\n", "utf-8")
    _run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)], tmp_path)

    # the environment really lacks the extra, and its wikiclub is the wheel's, not the checkout's
    for module in ("werkzeug", "pyoxigraph"):
        probe = _run([str(py), "-c", f"import {module}"], tmp_path, check=False)
        assert probe.returncode != 0 and "ModuleNotFoundError" in probe.stderr
    where = _run([str(py), "-c", "import wikiclub; print(wikiclub.__file__)"], tmp_path).stdout
    assert where.startswith(str(venv)), where

    work = tmp_path / "work"
    work.mkdir()
    assert "validate" in _run([str(wikiclub), "--help"], work).stdout
    kb, sheet, mapping = ROOT / "tests/data/kb.jsonl", ROOT / "examples/lieux.csv", ROOT / "mappings/lieux.yaml"
    validated = _run([str(wikiclub), "validate", str(sheet), "-m", str(mapping), "--properties", str(kb),
                      "--report", "problemes.csv"], work, check=False)
    assert validated.returncode in (0, 1), validated.stderr  # 1: the example has data errors on purpose
    assert "Lignes lues / rows read : 39" in validated.stdout
    assert (work / "problemes.csv").is_file() and "Traceback" not in validated.stderr
    _run([str(wikiclub), "index", "build", "--dump", str(kb), "-o", "kb.sqlite"], work)
    reconciled = _run([str(wikiclub), "reconcile", str(sheet), "-m", str(mapping), "--properties", str(kb),
                       "--index", "kb.sqlite", "-o", "review.xlsx", "--no-progress"], work)
    assert "MATCH" in reconciled.stdout and (work / "review.xlsx").is_file()

    for args in (["sandbox", "serve", "--port", "0"], ["demo", "-o", "demo-out"],
                 ["sandbox", "create-user", "Robot", "--bot"]):
        refused = _run([str(wikiclub), *args], work, check=False)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "pip install 'wikiclub[sandbox]'" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert not (work / "demo-out").exists() and not (work / ".sandbox").exists()
