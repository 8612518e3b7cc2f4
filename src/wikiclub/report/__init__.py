"""Coverage reports of the WikiProject's items (docs/architecture.md, « The path of the data »:
``build_coverage`` → CoverageTable → files).

Modules: :mod:`.spec` (what to measure), :mod:`.queries` (SPARQL text), :mod:`.collect` (running the
queries in series, splitting on timeouts), :mod:`.snapshots` (SQLite history), :mod:`.views` (what
renderers show), :mod:`.render_data` / :mod:`.render_text` / :mod:`.render_html` (outputs),
:mod:`.escape` (public text in HTML, wikitext and spreadsheets), :mod:`.own` (our batches' items),
:mod:`.run` (the stage as the CLI calls it).
"""

from .collect import build_coverage
from .model import Cell, CoverageTable, GroupSpec, Measure
from .run import make_report
from .spec import ReportSpec, build_spec, load_spec

__all__ = ["Cell", "CoverageTable", "GroupSpec", "Measure", "ReportSpec", "build_coverage", "build_spec",
           "load_spec", "make_report"]
