"""The report stage as the CLI calls it: measure, compare with the last snapshot, store, write files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .collect import Endpoint, Options, build_coverage
from .model import ALL_GROUP, CoverageTable, OwnEdits
from .render_data import (
    COVERAGE_HEADER,
    WORKLIST_HEADER,
    coverage_rows,
    worklist_rows,
    write_csv,
    write_json,
)
from .render_html import render_html
from .render_text import render_markdown, render_wikitext
from .render_xlsx import write_xlsx
from .snapshots import TrendPoint, migrate, previous_snapshot, save_snapshot, trend
from .spec import ReportSpec
from .views import ReportData

FILES = ("couverture.csv", "a-completer.csv", "couverture.json", "couverture.md", "couverture.html",
         "couverture.wiki", "couverture.xlsx")


@dataclass(frozen=True)
class ReportResult:
    data: ReportData
    files: tuple[Path, ...]
    snapshot_id: int | None


def compare(table: CoverageTable, history: Path | None) -> ReportData:
    """The report data for ``table``: previous snapshot and trend from ``history`` (not yet saved)."""
    if history is None:
        return ReportData(table)
    migrate(history, table.groups)
    previous = previous_snapshot(history, table)
    past = trend(history, table.site, table.project)
    if table.partial:  # a partial run is not drawn: its figures are minimums
        return ReportData(table, previous, tuple(past))
    total = table.total(ALL_GROUP)
    counts = dict(total.counts)
    if total.statements is not None and total.sourced is not None:
        counts.update(statements=total.statements, sourced=total.sourced)
    now = TrendPoint(table.taken_at, total.items or 0, tuple(sorted(counts.items())))
    return ReportData(table, previous, (*past, now))


def write_outputs(data: ReportData, out_dir: Path) -> tuple[Path, ...]:
    out_dir.mkdir(parents=True, exist_ok=True)
    return (
        write_csv(out_dir / FILES[0], COVERAGE_HEADER, coverage_rows(data)),
        write_csv(out_dir / FILES[1], WORKLIST_HEADER, worklist_rows(data)),
        write_json(out_dir / FILES[2], data),
        _write(out_dir / FILES[3], render_markdown(data)),
        _write(out_dir / FILES[4], render_html(data)),
        _write(out_dir / FILES[5], render_wikitext(data)),
        write_xlsx(out_dir / FILES[6], data),
    )


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def make_report(spec: ReportSpec, endpoint: Endpoint, out_dir: Path, *, site: str, endpoint_url: str,
                api_url: str, concept_base: str | None, history: Path | None, own: OwnEdits | None = None,
                options: Options | None = None) -> ReportResult:
    table = build_coverage(spec, endpoint, site=site, endpoint_url=endpoint_url, api_url=api_url,
                           concept_base=concept_base, own=own, options=options)
    data = compare(table, history)
    files = write_outputs(data, out_dir)
    snap = save_snapshot(history, table) if history is not None else None
    return ReportResult(data, files, snap)
