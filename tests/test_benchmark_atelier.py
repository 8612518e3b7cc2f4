"""benchmarks/atelier_review.py still runs against the library it measures (a renamed argument broke it once)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "atelier_review.py"


def test_the_atelier_review_benchmark_measures_a_small_review(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("atelier_review_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.measure(20, tmp_path)
    assert set(figures) and all(v >= 0 for v in figures.values())
    assert (tmp_path / "review-20.xlsx").exists()
