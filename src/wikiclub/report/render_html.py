"""The self-contained HTML page (``couverture.html``), in French: tables, coverage bars, trend chart.

No script, no external file, no dependency: charts are inline SVG written here. Every text that
comes from the wiki goes through :func:`html_text`; URLs are built from validated ids only.
"""

from __future__ import annotations

from ..escape import html_text
from .model import CoverageTable
from .render_text import group_lines, method_line, note_lines
from .snapshots import TrendPoint
from .views import (
    PARTIAL_LEGEND,
    GroupView,
    ReportData,
    entity_url,
    figure_text,
    french_datetime,
    group_views,
    has_partial,
    items_text,
    percent,
    points,
    safe_id,
    trend_labels,
)

# Wide tables scroll sideways inside their box with the region column fixed; a figure never wraps.
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:80rem;
padding:0 1rem;color:#202122;line-height:1.45}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #c8ccd1}
table{border-collapse:separate;border-spacing:0;margin:.6rem 0;font-size:.85rem}
th,td{border:1px solid #c8ccd1;border-width:0 1px 1px 0;padding:.25rem .45rem;text-align:right;
vertical-align:top;white-space:nowrap}
tr:first-child th{border-top-width:1px}th:first-child,td:first-child{border-left-width:1px}
th:first-child,td:first-child{text-align:left;position:sticky;left:0;z-index:1;background:#fff;
white-space:normal;min-width:9rem}
th,tr th:first-child{background:#eaecf0}tr.total td{font-weight:bold}
.up{color:#14866d}.down{color:#d33}.muted{color:#54595d;font-size:.9rem}.partial{background:#fef6e7}
.chart text{font-size:12px;fill:#202122}.wrap{overflow-x:auto;max-width:100%}
.trends{display:flex;flex-wrap:wrap;gap:.6rem}.trends svg{border:1px solid #eaecf0}
.banner{background:#fef6e7;border:1px solid #edab00;padding:.5rem .8rem}
"""


def _link(table: CoverageTable, entity_id: str, text: str) -> str:
    if not safe_id(entity_id):
        return html_text(text)
    return f'<a href="{html_text(entity_url(table, entity_id))}">{html_text(text)}</a>'


def bars_svg(view: GroupView) -> str:
    """Horizontal bars: share of the group's items having each column (total row)."""
    width, label_w, bar_w, row_h = 720, 300, 340, 22
    height = row_h * len(view.columns) + 10
    parts = [f'<svg class="chart" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{html_text("Couverture — " + view.title)}</title>']
    for i, (col, fig) in enumerate(zip(view.columns, view.total.figures, strict=True)):
        y = 5 + i * row_h
        share = fig.share or 0.0
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{html_text(col.title[:48])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="{row_h - 6}" fill="#eaecf0"/>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{share * bar_w:.1f}" height="{row_h - 6}" '
                     f'fill="#3366cc"/>')
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 15}">{html_text(percent(fig.share))}</text>')
    return "".join(parts) + "</svg>"


def trend_svg(trend: tuple[TrendPoint, ...], col_id: str, title: str) -> str:
    """One small chart: the share of one column over the stored runs (0–100 %), oldest on the left."""
    width, height, left, right, top, bottom = 250, 150, 34, 12, 22, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(trend)
    labels = trend_labels([p.taken_at for p in trend])

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(share: float) -> float:
        return top + plot_h * (1 - share)

    last = next((s for p in reversed(trend) if (s := p.share(col_id)) is not None), None)
    parts = [f'<svg class="chart" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{html_text("Évolution — " + title)}</title>',
             f'<text x="4" y="14">{html_text(title[:34])} — {html_text(percent(last))}</text>']
    for pct in (0, 50, 100):
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(pct / 100):.1f}" y2="{y(pct / 100):.1f}" '
                     f'stroke="#c8ccd1"/><text x="{left - 4}" y="{y(pct / 100) + 4:.1f}" '
                     f'text-anchor="end">{pct}</text>')
    for i in sorted({0, n - 1}):
        anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
        parts.append(f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="{anchor}">'
                     f"{html_text(labels[i])}</text>")
    coords = [(x(i), y(s), labels[i], s) for i, p in enumerate(trend) if (s := p.share(col_id)) is not None]
    if coords:
        path = " ".join(f"{a:.1f},{b:.1f}" for a, b, _, _ in coords)
        parts.append(f'<polyline fill="none" stroke="#3366cc" stroke-width="2" points="{path}"/>')
        parts += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="#3366cc"><title>{html_text(label)} : '
                  f"{html_text(percent(share))}</title></circle>" for a, b, label, share in coords]
    return "".join(parts) + "</svg>"


def trends_html(trend: tuple[TrendPoint, ...], columns: list[tuple[str, str]]) -> str:
    """Every measure of the report (labels, descriptions, sitelinks, properties, referenced share)."""
    return '<div class="trends">' + "".join(trend_svg(trend, c, t) for c, t in columns) + "</div>"


def _delta_html(text: str) -> str:
    if not text:
        return ""
    cls = "up" if text.startswith("+") else "down"
    return f' <span class="{cls}">{html_text(text)}</span>'


def _table(view: GroupView, table: CoverageTable) -> str:
    head = "".join(f"<th>{_link(table, c.entity, c.title) if c.entity else html_text(c.title)}</th>"
                   for c in view.columns)
    rows = [f"<tr><th>Région</th><th>Éléments</th>{head}</tr>"]
    for row in view.rows:
        title = _link(table, row.region, row.title) if row.region not in ("*", "") else html_text(row.title)
        partial = ' class="partial"' if row.items.status != "complete" else ""
        cells = [f"<td>{title}</td><td{partial}>{html_text(items_text(row.items))}</td>"]
        for f in row.figures:
            partial = ' class="partial"' if f.status != "complete" else ""
            cells.append(f'<td{partial} title="{html_text(points(f.share_delta))}">{html_text(figure_text(f))}'
                         f"{_delta_html(points(f.share_delta))}</td>")
        attrs = ' class="total"' if row.region == "*" else ""
        rows.append(f"<tr{attrs}>{''.join(cells)}</tr>")
    return '<div class="wrap"><table>' + "".join(rows) + "</table></div>"


def _worklist_html(t: CoverageTable) -> list[str]:
    body = ["<h2>À compléter</h2>"]
    names = {g.id: g.name for g in t.groups}
    for group in dict.fromkeys(w.group for w in t.worklist):
        body.append(f"<h3>{html_text(names.get(group, group))}</h3><ul>")
        for w in (w for w in t.worklist if w.group == group):
            missing = ", ".join(html_text(f"{t.label(p)} ({p})") for p in w.missing)
            body.append(f"<li>{_link(t, w.item, w.label or w.item)} ({html_text(w.item)}) — manque : "
                        f"{missing}</li>")
        body.append("</ul>")
    return body


def _head(data: ReportData) -> list[str]:
    t = data.table
    body = [f'<p class="muted">Rapport du {html_text(french_datetime(t.taken_at))}. {html_text(method_line(t))}</p>']
    if t.partial:
        body.append('<p class="banner">Rapport partiel : certaines cases n\'ont pas pu être mesurées entièrement '
                    "(marquées * et surlignées ; voir « Méthode »). Elles ne sont ni comparées ni enregistrées.</p>")
    if data.previous is not None:
        body.append(f'<p class="muted">Variations depuis le rapport du '
                    f"{html_text(french_datetime(data.previous.taken_at))}.</p>")
    body.append("<p>Chaque case : part des éléments qui ont la donnée (nombre d'éléments, variation). "
                "« Déclarations sourcées » : part des déclarations avec au moins une référence autre que "
                "« importé de » (P143).</p>")
    return body


def render_html(data: ReportData) -> str:
    t = data.table
    title = f"Couverture Wikidata — {t.project or 'WikiProjet'}"
    views = group_views(data)
    body = [f"<h1>{html_text(title)}</h1>", *_head(data)]
    if len(data.trend) > 1 and views:
        body += ["<h2>Évolution</h2>", '<p class="muted">Part des éléments (ou des déclarations) de tout le '
                 "WikiProjet, rapport après rapport ; les rapports partiels ne sont pas tracés.</p>",
                 trends_html(data.trend, [(c.id, c.title) for c in views[0].columns])]
    for view in views:
        body.append(f"<h2>{html_text(view.title)}</h2>")
        body += [f'<p class="muted">{html_text(line)}</p>' for line in group_lines(view, t)]
        body += [bars_svg(view), _table(view, t)]
    if has_partial(views):
        body.append(f'<p class="muted">{html_text(PARTIAL_LEGEND)}</p>')
    if t.worklist:
        body += _worklist_html(t)
    body.append("<h2>Nos lots</h2>")
    if t.own.available:
        body.append(f"<p>{len(t.own.created)} éléments créés et {len(t.own.edited)} modifiés par "
                    f"{t.own.batches} lot(s) du WikiClub.</p>")
    else:
        body.append("<p>Aucun journal de lot trouvé.</p>")
    if t.notes:
        body.append("<h2>Méthode</h2><ul>" + "".join(f"<li>{html_text(n)}</li>" for n in note_lines(t)) + "</ul>")
    return ('<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html_text(title)}</title><style>{CSS}</style></head><body>\n" + "\n".join(body)
            + "\n</body></html>\n")
