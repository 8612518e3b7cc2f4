"""``wikiclub report`` (coverage of the WikiProject) and ``wikiclub pull`` (its items as a spreadsheet)."""

from __future__ import annotations

import datetime as dt
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click

from ..adapters.sparql import SparqlClient
from ..config import Settings
from ..errors import ConfigError
from .app import main
from .paths import OutputPath
from .setup import item_links, settings_from, settings_options
from .waits import WaitDisplay


def _sparql(settings: Settings) -> SparqlClient:
    from ..adapters.http import make_session

    if not settings.site.sparql_url:
        raise ConfigError(f"Le site {settings.site.name} n'a pas de point SPARQL / no SPARQL endpoint",
                          "set sparql_url in wikiclub.toml [wikiclub] (or sparql in [sites.NAME])")
    if not settings.site.concept_base:
        # SPARQL answers name entities by URI: without the wiki's concept base, none could be read.
        raise ConfigError(f"Base des URI des entités inconnue pour / concept base unknown for {settings.site.name}",
                          "set concept_base in wikiclub.toml [wikiclub] (or in [sites.NAME]), e.g. "
                          'concept_base = "https://wiki.example.org/entity/" — the prefix of the entity URIs '
                          "your SPARQL endpoint returns")
    return SparqlClient(settings.site.sparql_url, make_session(settings), timeout=settings.sparql_timeout,
                        connect_timeout=settings.connect_timeout, max_attempts=settings.retries)


@main.command("report")
@settings_options
@click.option("-o", "--output", "out_dir", type=OutputPath(directory=True, create_parents=True), default=None,
              help="Dossier des fichiers / output folder (default reports/AAAA-MM-JJ/).")
@click.option("--spec", "spec_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Définition du tableau de bord / dashboard definition (default ./wikiclub-report.toml).")
@click.option("--history", type=OutputPath(create_parents=True), default=None,
              help="Base SQLite des rapports précédents / snapshot database (default <output>/../snapshots.sqlite).")
@click.option("--no-history", is_flag=True, help="Ne rien comparer ni enregistrer / no snapshot.")
@click.option("--batches", "batches_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("batches"), show_default=True, help="Lots poussés / pushed batches (journals).")
@click.option("--publish", "page_title", default=None, metavar="TITRE",
              help="Publier la page wikitexte sur le wiki / save the wikitext page as this title.")
@click.option("--summary", default="Rapport de couverture du WikiProjet (wikiclub)", show_default=True,
              help="Résumé de modification / edit summary for --publish.")
@click.option("--measures", type=click.Choice(["api", "sparql"]), default="api", show_default=True,
              help="Lire les mesures par l'API (JSON des éléments, avec cache) ou par SPARQL / read the "
                   "measures from the entity JSON (cached) or from SPARQL blocks.")
@click.option("--budget", type=click.FloatRange(min=0.1), default=60.0, show_default=True, metavar="MINUTES",
              help="Temps maximal ; au-delà, résultats partiels marqués comme tels / time budget, then "
                   "partial results marked as such.")
@click.option("--cache", "cache_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Cache des données d'éléments / item data cache (default <output>/../report-cache.sqlite).")
@click.option("--no-cache", is_flag=True, help="Tout relire / read every item again.")
@click.option("--no-progress", is_flag=True, help="Pas de barre de progression / no progress bar.")
def report_command(site: str | None, config_file: Path | None, out_dir: Path | None, spec_path: Path | None,
                   history: Path | None, no_history: bool, batches_dir: Path, page_title: str | None,
                   summary: str, measures: str, budget: float, cache_path: Path | None, no_cache: bool,
                   no_progress: bool) -> None:
    """Mesurer la couverture du WikiProjet / measure what the wiki has about the WikiProject.

    Écrit / writes couverture.{csv,json,md,html,wiki,xlsx} and a-completer.csv, stores a snapshot and
    shows the change since the previous report. Membership from SPARQL (ids only), measures from the
    items' JSON read 50 per request into a cache refreshed by revision: the next run reads only what
    changed. What the time budget leaves unread is marked partial, never counted as 0.

    \b
    Exemple / example:
      wikiclub report --site sandbox -o reports/2025-01-15/
      wikiclub report --budget 20 --publish "Wikidata:WikiProjet Croissant boréal/Couverture"
    """
    from ..adapters.http import make_session
    from ..adapters.wikibase import WikibaseClient
    from ..report.cache import FactCache
    from ..report.collect import Options
    from ..report.own import own_edits
    from ..report.render_text import render_wikitext
    from ..report.run import make_report
    from ..report.spec import load_spec

    settings = settings_from(site, config_file)
    spec = load_spec(settings.project, spec_path)
    out_dir = out_dir or Path("reports") / dt.date.today().isoformat()
    if no_history:
        history = None
    elif history is None:
        history = out_dir.resolve().parent / "snapshots.sqlite"
    endpoint = _sparql(settings)
    waits = WaitDisplay().attach(endpoint)
    with ExitStack() as stack:
        stack.callback(waits.summary)
        reader = cache = None
        if measures == "api":
            reader = WikibaseClient.from_settings(settings, make_session(settings))
            waits.attach(reader)
            if not no_cache:
                path = cache_path or out_dir.resolve().parent / "report-cache.sqlite"
                cache = stack.enter_context(FactCache(path, settings.site.name, spec.languages))
        progress = None if no_progress else stack.enter_context(_Progress())
        options = Options(reader=reader, cache=cache, budget=budget * 60, progress=progress,
                          item_url=item_links(settings, reader))
        result = make_report(spec, endpoint, out_dir, site=settings.site.name,
                             endpoint_url=settings.site.sparql_url or "", api_url=settings.site.api_url,
                             concept_base=settings.site.concept_base, history=history,
                             own=own_edits(batches_dir), options=options)
    _summary(result.data.table, result.files)
    if page_title:
        _publish(settings, page_title, render_wikitext(result.data), summary)


def _summary(table: Any, files: tuple[Path, ...]) -> None:
    total = table.total("all")
    state = " — PARTIEL / PARTIAL" if table.partial else ""
    click.echo(f"{total.items if total.items is not None else '?'} éléments / items, {len(table.groups) - 1} "
               f"groupe(s), {table.queries} requêtes SPARQL / queries, {table.requests} requêtes API / API "
               f"requests, {table.seconds:.0f} s{state}")
    for note in table.notes:
        click.echo(f"  {note.kind}: {note.message}", err=True)
    for path in files:
        click.echo(f"Écrit / wrote {path}")


def _publish(settings: Settings, page_title: str, text: str, summary: str) -> None:
    from ..adapters.pages import publish_page
    from ..credentials import find_credentials

    creds = find_credentials(settings.site.name, credentials_file=settings.credentials_file)
    with tempfile.TemporaryDirectory(prefix="wikiclub-report-") as workdir:
        page = publish_page(settings.site.api_url, page_title, text, summary, creds,
                            workdir=Path(workdir), maxlag=settings.maxlag, contact=settings.contact,
                            retries=settings.retries, timeout=settings.timeouts)
    click.echo(f"Publié / published {page.title} (révision {page.revision_id}) {page.url}")


class _Progress:
    """A tqdm bar per stage of the report (on stderr), closed when the next stage starts."""

    def __init__(self) -> None:
        self.stage = ""
        self.bar: Any = None

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        from tqdm import tqdm

        if stage != self.stage:
            if self.bar is not None:
                self.bar.close()
            self.stage = stage
            self.bar = tqdm(total=total, desc=stage, unit="élément")
        self.bar.n = done
        self.bar.refresh()


@main.command("pull")
@settings_options
@click.option("--mapping", "-m", "mapping_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="mappings/NOM.yaml : ses classes et ses colonnes / its classes and columns.")
@click.option("-o", "--output", "out", required=True, type=OutputPath(create_parents=True),
              help="items.xlsx (ou .csv).")
@click.option("--spec", "spec_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Sélection du WikiProjet / selection (default ./wikiclub-report.toml, else wikiclub.toml).")
def pull_command(site: str | None, config_file: Path | None, mapping_path: Path, out: Path,
                 spec_path: Path | None) -> None:
    """Exporter les éléments existants du WikiProjet / export the WikiProject's existing items.

    Les colonnes sont celles du mapping ; la feuille complétée repasse par map → plan.
    The columns are the mapping's; the completed sheet goes back through map → plan.

    \b
    Exemple / example:
      wikiclub pull --mapping mappings/organismes-culturels.yaml -o organismes.xlsx
    """
    from ..adapters.http import make_session
    from ..adapters.wikibase import WikibaseClient
    from ..report.pull import pull
    from ..report.spec import load_spec
    from ..sheets.mapping import load_mapping

    settings = settings_from(site, config_file)
    mapping = load_mapping(mapping_path)
    spec = load_spec(settings.project, spec_path)
    reader = WikibaseClient.from_settings(settings, make_session(settings))
    sparql = _sparql(settings)
    waits = WaitDisplay().attach(reader, sparql)
    try:
        result = pull(mapping, spec.selection, sparql, reader, out, concept_base=settings.site.concept_base,
                      item_url=item_links(settings, reader))
    finally:
        waits.summary()
    click.echo(f"{result.items} éléments / items ({', '.join(result.classes)} et sous-classes) → {result.path}")
    for note in result.notes:  # what cannot be filled, and how to read the sheet back
        click.echo(f"  • {note}")
