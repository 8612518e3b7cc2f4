"""Coverage reports of the WikiProject's items (docs/architecture.md, « The path of the data »:
``build_coverage`` → CoverageTable → files).

Modules: :mod:`.spec` (what to measure), :mod:`.queries` (SPARQL text, bounded blocks),
:mod:`.membership` (who is in the WikiProject, from ids), :mod:`.sources` + :mod:`.itemdata` +
:mod:`.cache` (each item's measures from its JSON, cached by revision, or from SPARQL blocks),
:mod:`.budget` (time budget, timeouts split with a budget, progress), :mod:`.tally` (cells and the
to-do list), :mod:`.collect` (the stages in order), :mod:`.snapshots` (SQLite history),
:mod:`.views` (what renderers show), :mod:`.render_data` / :mod:`.render_text` / :mod:`.render_html`
/ :mod:`.render_xlsx` (outputs), :mod:`.own` (our batches' items), :mod:`.run` (the stage as the CLI
calls it), :mod:`.pull` (the items as a sheet).
"""

from .collect import build_coverage
from .model import Cell, CoverageTable, GroupSpec, Measure
from .run import make_report
from .spec import ReportSpec, build_spec, load_spec

__all__ = ["Cell", "CoverageTable", "GroupSpec", "Measure", "ReportSpec", "build_coverage", "build_spec",
           "load_spec", "make_report"]
