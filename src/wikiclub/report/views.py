"""What every renderer shows, computed once: titled columns, rows per region with deltas, trend.

Renderers (CSV, JSON, Markdown, HTML, wikitext) only format these values and escape the text that
comes from the wiki (labels) for their format.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import NO_REGION, Cell, CoverageTable, GroupSpec, Measure
from .snapshots import TrendPoint

STATEMENTS = "sourced"  # the column id of "share of statements with a real reference"


@dataclass(frozen=True)
class ReportData:
    """One report to render: this run, the previous one (for deltas) and the trend over runs."""

    table: CoverageTable
    previous: CoverageTable | None = None
    trend: tuple[TrendPoint, ...] = ()


@dataclass(frozen=True)
class Column:
    id: str  # measure id, or "sourced"
    title: str  # French, from the wiki's labels for properties
    entity: str | None = None  # the property to link to


@dataclass(frozen=True)
class Figure:
    """One table cell: ``count`` of ``items`` (or of statements, for the sourced column) and the change."""

    count: int | None
    total: int
    previous: int | None = None
    previous_total: int | None = None

    @property
    def share(self) -> float | None:
        return None if self.count is None or not self.total else self.count / self.total

    @property
    def delta(self) -> int | None:
        return None if self.count is None or self.previous is None else self.count - self.previous

    @property
    def share_delta(self) -> float | None:
        if self.share is None or self.previous is None or not self.previous_total:
            return None
        return self.share - self.previous / self.previous_total


@dataclass(frozen=True)
class RowView:
    region: str  # QID, "" (outside the regions) or "*" (total)
    title: str
    items: Figure
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class GroupView:
    group: GroupSpec
    title: str
    columns: tuple[Column, ...]
    rows: tuple[RowView, ...]  # regions, then the total

    @property
    def total(self) -> RowView:
        return self.rows[-1]


def measure_title(m: Measure, table: CoverageTable) -> Column:
    if m.kind == "label":
        return Column(m.id, f"Libellé {m.key}")
    if m.kind == "description":
        return Column(m.id, f"Description {m.key}")
    if m.kind == "sitelink":
        return Column(m.id, f"Article {m.key}")
    label = table.label(m.key)
    return Column(m.id, f"{label} ({m.key})" if label != m.key else m.key, m.key)


def region_title(region: str, table: CoverageTable) -> str:
    if region == "*":
        return "Total"
    if region == NO_REGION:
        return "Hors régions" if table.regions else "Tous"
    return table.label(region)


def _figure(cell: Cell | None, prev: Cell | None, column: str) -> Figure:
    if column == STATEMENTS:
        return Figure(cell.sourced if cell else None, (cell.statements or 0) if cell else 0,
                      prev.sourced if prev else None, prev.statements if prev else None)
    return Figure(cell.count(column) if cell else None, cell.items if cell else 0,
                  prev.count(column) if prev else None, prev.items if prev else None)


def _region_row(region: str, cell: Cell | None, prev_cells: dict[str, Cell], group: GroupSpec,
                table: CoverageTable, columns: tuple[Column, ...]) -> RowView:
    if cell is None:  # no item of the group there (a query that failed is listed in the notes)
        cell = Cell(group.id, region, 0, tuple((m.id, 0) for m in group.measures), 0, 0)
    pc = prev_cells.get(region)
    return RowView(region, region_title(region, table),
                   Figure(cell.items, 0, pc.items if pc else (0 if prev_cells else None)),
                   tuple(_figure(cell, pc, col.id) for col in columns))


def group_view(data: ReportData, group: GroupSpec) -> GroupView:
    table, prev = data.table, data.previous
    columns = tuple(measure_title(m, table) for m in group.measures) + (
        Column(STATEMENTS, "Déclarations sourcées"),)
    buckets = [*table.regions, NO_REGION] if table.regions else [NO_REGION]
    cells = {c.region: c for c in table.cells_of(group.id)}
    prev_cells = {c.region: c for c in prev.cells_of(group.id)} if prev and _has_group(prev, group.id) else {}
    rows = [_region_row(region, cells.get(region), prev_cells, group, table, columns) for region in buckets
            if cells.get(region) is not None or region != NO_REGION or not table.regions]
    # (nothing outside the regions: no empty row)
    total = table.total(group.id)
    ptotal = prev.total(group.id) if prev_cells and prev else None
    rows.append(RowView("*", "Total", Figure(total.items, 0, ptotal.items if ptotal else None),
                        tuple(_figure(total, ptotal, col.id) for col in columns)))
    return GroupView(group, group.name, columns, tuple(rows))


def _has_group(table: CoverageTable, group_id: str) -> bool:
    return any(g.id == group_id for g in table.groups)


def group_views(data: ReportData) -> list[GroupView]:
    return [group_view(data, g) for g in data.table.groups]


def percent(share: float | None) -> str:
    if share is None:
        return "—"
    return f"{share * 100:.0f} %".replace(".", ",")


def signed(n: int | None) -> str:
    if not n:
        return ""
    return f"+{n}" if n > 0 else f"−{-n}"


def points(delta: float | None) -> str:
    if delta is None or abs(delta) < 0.0005:
        return ""
    value = f"{abs(delta) * 100:.1f}".replace(".", ",")
    return f"+{value} pt" if delta > 0 else f"−{value} pt"


def figure_text(f: Figure) -> str:
    """``57 % (75)`` plus the change since the last report: ``57 % (75, +3)``."""
    if f.count is None:
        return "non mesuré"
    change = signed(f.delta)
    return f"{percent(f.share)} ({f.count}{', ' + change if change else ''})"


def items_text(f: Figure) -> str:
    change = signed(f.delta)
    return f"{f.count}{' (' + change + ')' if change else ''}"


def class_list(group: GroupSpec, table: CoverageTable) -> str:
    names = ", ".join(f"{table.label(c)} ({c})" for c in group.classes)
    return names + (" et sous-classes" if group.subclasses and group.classes else "")
