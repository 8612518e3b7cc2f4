"""What every renderer shows, computed once: titled columns, rows per region with deltas, trend.

Renderers (CSV, JSON, Markdown, HTML, wikitext) only format these values and escape the text that
comes from the wiki (labels) for their format.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .model import NO_REGION, Cell, CellStatus, CoverageTable, GroupSpec, Measure
from .snapshots import TrendPoint

_ID = re.compile(r"^[PQL][1-9]\d*$")
STATEMENTS = "sourced"  # the column id of "share of statements with a real reference"
NBSP = "\u00a0"  # French: no break before « % », and a figure never wraps
PARTIAL_MARK = "*"
UNKNOWN = "inconnu"
PARTIAL_LEGEND = ("* partiel : des éléments n'ont pas pu être trouvés ou lus (budget de temps, requête en "
                  "échec) ; le nombre d'éléments est un minimum et les parts portent sur les éléments lus. "
                  "« inconnu » : rien n'a pu être lu pour cette région. Ces cases ne sont ni comparées ni "
                  "enregistrées dans l'historique.")


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
    status: CellStatus = "complete"

    @property
    def share(self) -> float | None:
        return None if self.count is None or not self.total else self.count / self.total

    @property
    def delta(self) -> int | None:
        if self.status != "complete" or self.count is None or self.previous is None:
            return None  # a partial figure is never compared
        return self.count - self.previous

    @property
    def share_delta(self) -> float | None:
        if self.status != "complete" or self.share is None or self.previous is None or not self.previous_total:
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


def safe_id(entity_id: str) -> str:
    """The id if it is a valid entity id, else "" (links are built from validated ids only)."""
    return entity_id if _ID.match(entity_id) else ""


def entity_url(table: CoverageTable, entity_id: str) -> str:
    """The one place where a link to an entity page is built (every renderer calls it): the table's
    prefixes for items and properties, made from the wiki's article path (``CoverageTable.url``)."""
    return table.url(safe_id(entity_id))


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


def _figure(cell: Cell, prev: Cell | None, column: str) -> Figure:
    if prev is not None and prev.status != "complete":
        prev = None  # never compare with a partial figure
    if column == STATEMENTS:
        return Figure(cell.sourced if cell.status != "unknown" else None, cell.statements or 0,
                      prev.sourced if prev else None, prev.statements if prev else None, cell.status)
    return Figure(cell.count(column), cell.base, prev.count(column) if prev else None, prev.base if prev else None,
                  cell.status)


def _items_figure(cell: Cell, prev: Cell | None, compared: bool) -> Figure:
    if prev is not None and prev.status != "complete":
        return Figure(cell.items, 0, None, None, cell.status)
    before = prev.items if prev else (0 if compared else None)
    return Figure(cell.items, 0, before, None, cell.status)


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
    rows = []
    for region in buckets:
        cell = cells.get(region)
        if cell is None and region == NO_REGION and table.regions:
            continue  # nothing outside the regions: no empty row
        if cell is None:  # measured, and no item of the group there (what was not measured has a cell)
            cell = Cell(group.id, region, 0, tuple((m.id, 0) for m in group.measures), 0, 0)
        pc = prev_cells.get(region)
        rows.append(RowView(region, region_title(region, table), _items_figure(cell, pc, bool(prev_cells)),
                            tuple(_figure(cell, pc, col.id) for col in columns)))
    total = table.total(group.id)
    ptotal = prev.total(group.id) if prev_cells and prev else None
    rows.append(RowView("*", "Total", _items_figure(total, ptotal, False),
                        tuple(_figure(total, ptotal, col.id) for col in columns)))
    return GroupView(group, group.name, columns, tuple(rows))


def _has_group(table: CoverageTable, group_id: str) -> bool:
    return any(g.id == group_id for g in table.groups)


def group_views(data: ReportData) -> list[GroupView]:
    return [group_view(data, g) for g in data.table.groups]


def percent(share: float | None) -> str:
    if share is None:
        return "—"
    return f"{share * 100:.0f}{NBSP}%"


def signed(n: int | None) -> str:
    if not n:
        return ""
    return f"+{n}" if n > 0 else f"−{-n}"


def points(delta: float | None) -> str:
    if delta is None or abs(delta) < 0.0005:
        return ""
    value = f"{abs(delta) * 100:.1f}".replace(".", ",")
    return f"+{value}{NBSP}pt" if delta > 0 else f"−{value}{NBSP}pt"


def figure_text(f: Figure) -> str:
    """``57 % (75)`` plus the change since the last report: ``57 % (75, +3)``; ``57 % (75)*`` when
    partial, ``inconnu`` when nothing could be read."""
    if f.status == "unknown":
        return UNKNOWN
    if f.count is None:
        return "non mesuré"
    change = signed(f.delta)
    mark = PARTIAL_MARK if f.status == "partial" else ""
    return f"{percent(f.share)}{NBSP}({f.count}{',' + NBSP + change if change else ''}){mark}"


def items_text(f: Figure) -> str:
    if f.status == "unknown" or f.count is None:
        return UNKNOWN
    change = signed(f.delta)
    mark = PARTIAL_MARK if f.status == "partial" else ""
    return f"{f.count}{mark}{NBSP + '(' + change + ')' if change else ''}"


def sort_value(f: Figure, share: bool = True) -> str:
    """A number for sortable tables (``data-sort-value``): the share, or the count; -1 when unknown."""
    value = f.share if share else f.count
    if value is None or f.status == "unknown":
        return "-1"
    return f"{value:.4f}" if share else str(value)


def class_list(group: GroupSpec, table: CoverageTable) -> str:
    names = ", ".join(f"{table.label(c)} ({c})" for c in group.classes)
    return names + (" et sous-classes" if group.subclasses and group.classes else "")


def located_text(group: GroupSpec, table: CoverageTable) -> str:
    """« situés par P131, P159 » — the group's own « located by » properties, when it has some."""
    return ", ".join(f"{table.label(p)} ({p})" for p in group.located_by)


def has_partial(views: list[GroupView]) -> bool:
    return any(f.status != "complete" for v in views for r in v.rows for f in (r.items, *r.figures))


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
SHORT_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")


def local_time(iso: str, tz: dt.tzinfo | None = None) -> dt.datetime | None:
    """``2026-12-04T19:15:35Z`` → that moment in ``tz`` (default: this computer's time zone)."""
    try:
        moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(tz)


def _offset(moment: dt.datetime) -> str:
    minutes = int((moment.utcoffset() or dt.timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "") if minutes else "UTC"


def french_datetime(iso: str, tz: dt.tzinfo | None = None) -> str:
    """« 4 décembre 2026 à 14 h 15 (UTC−5) », in the local time zone."""
    moment = local_time(iso, tz)
    if moment is None:
        return iso
    day = "1er" if moment.day == 1 else str(moment.day)
    return (f"{day}{NBSP}{MONTHS[moment.month - 1]} {moment.year} à {moment.hour}{NBSP}h{NBSP}{moment.minute:02d} "
            f"({_offset(moment)})")


def trend_labels(stamps: list[str], tz: dt.tzinfo | None = None) -> list[str]:
    """Short labels for the trend's runs: « 4 déc. 2026 », with the time when a day has several runs."""
    moments = [local_time(s, tz) for s in stamps]
    days = [m.date() if m else None for m in moments]
    out = []
    for stamp, moment, day in zip(stamps, moments, days, strict=True):
        if moment is None:
            out.append(stamp)
            continue
        label = f"{moment.day}{NBSP}{SHORT_MONTHS[moment.month - 1]} {moment.year}"
        if days.count(day) > 1:
            label += f" {moment.hour}{NBSP}h{NBSP}{moment.minute:02d}"
            if sum(1 for m in moments if m and m.replace(second=0) == moment.replace(second=0)) > 1:
                label += f"{NBSP}{moment.second:02d}{NBSP}s"
        out.append(label)
    return out
