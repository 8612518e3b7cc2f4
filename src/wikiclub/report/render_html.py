"""The self-contained HTML page (``couverture.html``), in French: tables, coverage bars, trend chart.

No script, no external file, no dependency: charts are inline SVG written here. Every text that
comes from the wiki goes through :func:`html_text`; URLs are built from validated ids only.
"""

from __future__ import annotations

import re

from ..escape import html_text
from .model import CoverageTable
from .snapshots import TrendPoint
from .views import GroupView, ReportData, class_list, figure_text, group_views, items_text, percent, points

_ID = re.compile(r"^[PQL][1-9]\d*$")
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:72rem;
padding:0 1rem;color:#202122;line-height:1.45}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #c8ccd1}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #c8ccd1;padding:.25rem .45rem;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}th{background:#eaecf0}tr.total td{font-weight:bold}
.up{color:#14866d}.down{color:#d33}.muted{color:#54595d;font-size:.9rem}
.chart text{font-size:12px;fill:#202122}.wrap{overflow-x:auto}
"""


def _link(table: CoverageTable, entity_id: str, text: str) -> str:
    if not _ID.match(entity_id):
        return html_text(text)
    return f'<a href="{html_text(table.url(entity_id))}">{html_text(text)}</a>'


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


def trend_svg(trend: tuple[TrendPoint, ...], columns: list[tuple[str, str]]) -> str:
    """Lines of the share of each column over the stored runs (0–100 %), oldest on the left."""
    width, height, left, right, top, bottom = 720, 260, 40, 180, 10, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(trend)
    colours = ["#3366cc", "#d33", "#14866d", "#ac6600", "#6b4ba1", "#72777d", "#00af89", "#b32424"]

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(share: float) -> float:
        return top + plot_h * (1 - share)

    parts = [f'<svg class="chart" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>Évolution de la couverture</title>']
    for pct in (0, 50, 100):
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(pct / 100):.1f}" y2="{y(pct / 100):.1f}" '
                     f'stroke="#c8ccd1"/><text x="{left - 4}" y="{y(pct / 100) + 4:.1f}" '
                     f'text-anchor="end">{pct} %</text>')
    for i, point in enumerate(trend):
        if n <= 8 or i in (0, n - 1):
            parts.append(f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle">'
                         f'{html_text(point.taken_at[:10])}</text>')
    for k, (col_id, title) in enumerate(columns[: len(colours)]):
        colour = colours[k]
        coords = [(x(i), y(s)) for i, p in enumerate(trend) if (s := p.share(col_id)) is not None]
        if not coords:
            continue
        path = " ".join(f"{a:.1f},{b:.1f}" for a, b in coords)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        parts += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{colour}"/>' for a, b in coords]
        ly = top + 14 + k * 18
        parts.append(f'<rect x="{width - right + 10}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{width - right + 26}" y="{ly}">{html_text(title[:22])}</text>')
    return "".join(parts) + "</svg>"


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
        cells = [f"<td>{title}</td><td>{html_text(items_text(row.items))}</td>"]
        for f in row.figures:
            cells.append(f'<td title="{html_text(points(f.share_delta))}">{html_text(figure_text(f))}'
                         f"{_delta_html(points(f.share_delta))}</td>")
        attrs = ' class="total"' if row.region == "*" else ""
        rows.append(f"<tr{attrs}>{''.join(cells)}</tr>")
    return '<div class="wrap"><table>' + "".join(rows) + "</table></div>"


def render_html(data: ReportData) -> str:
    t = data.table
    title = f"Couverture Wikidata — {t.project or 'WikiProjet'}"
    views = group_views(data)
    body = [f"<h1>{html_text(title)}</h1>",
            f'<p class="muted">Rapport du {html_text(t.taken_at)} — site {html_text(t.site)}, '
            f"{t.queries} requêtes SPARQL à {html_text(t.endpoint)}.</p>"]
    if data.previous is not None:
        body.append(f'<p class="muted">Variations depuis le rapport du {html_text(data.previous.taken_at)}.</p>')
    body.append("<p>Chaque case : part des éléments qui ont la donnée (nombre d'éléments, variation). "
                "« Déclarations sourcées » : part des déclarations avec au moins une référence autre que "
                "« importé de » (P143).</p>")
    if len(data.trend) > 1 and views:
        cols = [(c.id, c.title) for c in views[0].columns]
        body += ["<h2>Évolution</h2>", trend_svg(data.trend, cols)]
    for view in views:
        body.append(f"<h2>{html_text(view.title)}</h2>")
        if view.group.classes:
            body.append(f'<p class="muted">Classes : {html_text(class_list(view.group, t))}</p>')
        body += [bars_svg(view), _table(view, t)]
    if t.worklist:
        body.append("<h2>À compléter</h2>")
        names = {g.id: g.name for g in t.groups}
        for group in dict.fromkeys(w.group for w in t.worklist):
            body.append(f"<h3>{html_text(names.get(group, group))}</h3><ul>")
            for w in (w for w in t.worklist if w.group == group):
                missing = ", ".join(html_text(f"{t.label(p)} ({p})") for p in w.missing)
                body.append(f"<li>{_link(t, w.item, w.label or w.item)} ({html_text(w.item)}) — manque : "
                            f"{missing}</li>")
            body.append("</ul>")
    body.append("<h2>Nos lots</h2>")
    if t.own.available:
        body.append(f"<p>{len(t.own.created)} éléments créés et {len(t.own.edited)} modifiés par "
                    f"{t.own.batches} lot(s) du WikiClub.</p>")
    else:
        body.append("<p>Aucun journal de lot trouvé.</p>")
    if t.notes:
        body.append("<h2>Méthode</h2><ul>" + "".join(f"<li>{html_text(n.message)}</li>" for n in t.notes) + "</ul>")
    return ('<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html_text(title)}</title><style>{CSS}</style></head><body>\n" + "\n".join(body)
            + "\n</body></html>\n")
