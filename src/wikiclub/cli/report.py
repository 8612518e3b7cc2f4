"""``wikiclub report`` (coverage of the WikiProject) and ``wikiclub pull`` (its items as a spreadsheet)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

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
def report_command(site: str | None, config_file: Path | None, out_dir: Path | None, spec_path: Path | None,
                   history: Path | None, no_history: bool, batches_dir: Path, page_title: str | None,
                   summary: str) -> None:
    """Mesurer la couverture du WikiProjet / measure what the wiki has about the WikiProject.

    Écrit / writes couverture.{csv,json,md,html,wiki,xlsx} and a-completer.csv, stores a snapshot and
    shows the change since the previous report.

    \b
    Exemple / example:
      wikiclub report --site sandbox -o reports/2025-01-15/
      wikiclub report --publish "Wikidata:WikiProjet Croissant boréal/Couverture"
    """
    from ..report.own import own_edits
    from ..report.run import make_report
    from ..report.spec import load_spec

    settings = settings_from(site, config_file)
    spec = load_spec(settings.project, spec_path)
    out_dir = out_dir or Path("reports") / dt.date.today().isoformat()
    if no_history:
        history = None
    elif history is None:
        history = out_dir.resolve().parent / "snapshots.sqlite"
    sparql = _sparql(settings)
    waits = WaitDisplay().attach(sparql)
    try:
        result = make_report(spec, sparql, out_dir, site=settings.site.name,
                             endpoint_url=settings.site.sparql_url or "", api_url=settings.site.api_url,
                             concept_base=settings.site.concept_base, history=history,
                             own=own_edits(batches_dir), item_url=item_links(settings))
    finally:
        waits.summary()
    table = result.data.table
    total = table.total("all")
    click.echo(f"{total.items} éléments / items, {len(table.groups) - 1} groupe(s), {table.queries} requêtes "
               f"SPARQL / queries")
    for note in table.notes:
        click.echo(f"  {note.kind}: {note.message}", err=True)
    for path in result.files:
        click.echo(f"Écrit / wrote {path}")
    if page_title:
        from ..adapters.pages import publish_page
        from ..credentials import find_credentials
        from ..report.render_text import render_wikitext

        creds = find_credentials(settings.site.name, credentials_file=settings.credentials_file)
        with tempfile.TemporaryDirectory(prefix="wikiclub-report-") as workdir:
            page = publish_page(settings.site.api_url, page_title, render_wikitext(result.data), summary, creds,
                                workdir=Path(workdir), maxlag=settings.maxlag, contact=settings.contact,
                                retries=settings.retries, timeout=settings.timeouts)
        click.echo(f"Publié / published {page.title} (révision {page.revision_id}) {page.url}")


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
