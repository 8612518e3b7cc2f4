"""``wikiclub reconcile`` and ``wikiclub index build|update`` — thin wrappers over reconcile/ and
adapters/index.py."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import UsageError
from .app import Command, Group, main, set_interrupt_hint
from .paths import OutputPath
from .setup import item_links, settings_from, settings_options
from .sheets import _cache_dir
from .waits import WaitDisplay

if TYPE_CHECKING:  # imported lazily at run time, to keep CLI start-up fast
    from ..adapters.sparql import SparqlClient
    from ..adapters.wikibase import WikibaseClient
    from ..config import Settings
    from ..model import MappedRow
    from ..reconcile.candidates import CandidateSource
    from ..reconcile.model import Thresholds
    from ..reconcile.run import RowInput
    from ..reconcile.serve import ReconService
    from ..reconcile.sources import SourceChoice
    from ..sheets.mapping import SheetMapping
    from ..sheets.properties import PropertyCatalog
    from ..siteinfo import SiteInfo


def _client(site: str | None, config_file: Path | None) -> tuple[Settings, WikibaseClient]:
    from ..adapters.http import make_session
    from ..adapters.wikibase import WikibaseClient

    settings = settings_from(site, config_file)
    return settings, WikibaseClient.from_settings(settings, make_session(settings))


def _mapped_rows(sheet: Path, mapping_path: Path | None, properties: Path | None, site: str | None,
                 config_file: Path | None, tab: str | None, refresh: bool = False) -> tuple[list[MappedRow], str]:
    from ..sheets.validate import read_records, validate_sheet

    if sheet.suffix.lower() == ".jsonl":
        return read_records(sheet), "fr"
    _need_mapping(sheet, mapping_path)
    assert mapping_path is not None
    from ..sheets.mapping import load_mapping
    from .sheets import catalog_for

    mapping = load_mapping(mapping_path)
    catalog = catalog_for(mapping, properties=properties, site=site, config_file=config_file, cache_dir=None,
                          offline=False, refresh=refresh)
    v = validate_sheet(sheet, mapping, catalog, sheet=tab)
    # A value that does not parse does not stop finding the item: only rows without a name are left out.
    rows = [r for r in v.result.rows if r.labels]
    invalid = sum(1 for r in rows if not r.valid)
    if invalid:
        click.echo(f"{invalid} ligne(s) avec des erreurs de valeur, réconciliées quand même / rows with value "
                   "errors, reconciled anyway (voir / see: wikiclub validate)", err=True)
    return rows, mapping.language or "fr"


def _need_mapping(sheet: Path, mapping_path: Path | None) -> None:
    if sheet.suffix.lower() != ".jsonl" and mapping_path is None:
        raise UsageError("--mapping est requis pour un tableur / --mapping is required for a spreadsheet",
                         "wikiclub reconcile SHEET --mapping mappings/NOM.yaml -o review.xlsx")


class _ReconcileGroup(Group):
    """``wikiclub reconcile SHEET …`` exactly as before, and ``wikiclub reconcile serve``: a first word that
    is no subcommand (a file, an option, nothing) goes to the sheet command, ``--help`` included."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands:
            args = [SHEET_COMMAND, *args]
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        name, cmd, rest = super().resolve_command(ctx, args)
        return ("" if name == SHEET_COMMAND else name), cmd, rest


class _SheetCommand(Command):
    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path.rstrip(), " ".join(self.collect_usage_pieces(ctx)))


SHEET_COMMAND = "sheet"  # the default: ``wikiclub reconcile sheet X`` is ``wikiclub reconcile X``


@main.group("reconcile", cls=_ReconcileGroup)
def reconcile_group() -> None:
    """Trouver l'élément existant de chaque ligne / find the existing item for every row."""


@reconcile_group.command(SHEET_COMMAND, cls=_SheetCommand, hidden=True)
@click.argument("sheet", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", "-m", "mapping_path", type=click.Path(dir_okay=False, path_type=Path),
              help="mappings/NOM.yaml (inutile pour un records.jsonl de « wikiclub map »).")
@click.option("-o", "--output", type=OutputPath(),
              help="review.xlsx (ou .csv) ; avec --apply-review : records.jsonl.")
@click.option("--index", "index_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Index local (wikiclub index build) : aucune requête de recherche / no search request.")
@click.option("--resume", is_flag=True, help="Reprendre un passage interrompu / resume an interrupted run.")
@click.option("--apply-review", "review", type=click.Path(dir_okay=False, path_type=Path),
              help="Lire les décisions humaines d'une feuille de révision / read human decisions back.")
@click.option("--match-threshold", type=click.FloatRange(0, 100), default=None,
              help="Score minimal d'un MATCH, de 0 à 100, au-dessus du seuil NEW (45) ; défaut 80.")
@click.option("--margin", type=click.FloatRange(0, 100), default=None,
              help="Écart minimal avec le 2e candidat, de 0 à 100 (12).")
@click.option("--properties", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Dump JSON donnant les propriétés / a JSON dump giving the properties.")
@click.option("--sheet", "tab", default=None, help="Onglet / sheet name or 1-based number.")
@click.option("--no-progress", is_flag=True, help="Pas de barre de progression / no progress bar.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Cache du site (siteinfo, index d'un wiki sans CirrusSearch) / site cache "
                   "(default ~/.cache/wikiclub).")
@click.option("--refresh-site", is_flag=True,
              help="Relire ce que le wiki dit de lui-même (siteinfo) / read the wiki's siteinfo again.")
@click.option("--refresh", is_flag=True,
              help="Redemander au site les propriétés du mapping (avec --site) / ask the site again.")
@settings_options
def reconcile_command(sheet: Path | None, mapping_path: Path | None, output: Path | None, index_path: Path | None,
                      resume: bool, review: Path | None, match_threshold: float | None, margin: float | None,
                      properties: Path | None, tab: str | None, no_progress: bool, cache_dir: Path | None,
                      refresh_site: bool, refresh: bool, site: str | None, config_file: Path | None) -> None:
    """Trouver l'élément existant de chaque ligne / find the existing item for every row.

    Chaque ligne et chaque cellule liée (Municipalité…) reçoit MATCH, NEW ou REVIEW ; la feuille de
    révision (XLSX + CSV) montre les candidats et leurs indices ; corrigez la colonne « Votre décision »
    puis relisez-la avec --apply-review.

    \b
    Exemples / examples:
      wikiclub reconcile examples/lieux.csv -m mappings/lieux.yaml --site sandbox -o review.xlsx
      wikiclub reconcile lieux.csv -m mappings/lieux.yaml --index kb.sqlite -o review.xlsx
      wikiclub reconcile --apply-review review.xlsx -o records.jsonl
      wikiclub reconcile serve --site sandbox    (le service pour OpenRefine / for OpenRefine)
    """
    if review is not None:
        _apply_review(review, output, site, config_file)
        return
    if sheet is None or output is None:
        raise UsageError("Il faut SHEET et -o / SHEET and -o are required",
                         "wikiclub reconcile SHEET --mapping M -o review.xlsx")
    if output.suffix.lower() not in (".xlsx", ".csv"):
        raise UsageError(f"-o {output} : la feuille de révision est un .xlsx ou un .csv / the review sheet is "
                         "an .xlsx or a .csv.", f"-o {output.with_suffix('.xlsx')}")
    from ..reconcile.stage import reconcile_mapped, summary, write_outputs

    thresholds = _thresholds(match_threshold, margin)
    _need_mapping(sheet, mapping_path)  # what the command line lacks is said before any request
    settings = settings_from(site, config_file)
    # a dead wiki fails now, in one try, not after a 0 % bar and retries; its answer is the run's siteinfo
    probed = _check_reachable(settings, _cache_dir(cache_dir)) if index_path is None else None
    rows, language = _mapped_rows(sheet, mapping_path, properties, site, config_file, tab, refresh)
    focus = next((r.focus_list for r in rows if r.focus_list), None)  # the mapping's focus list, if any
    choice, info, waits = _open_source(settings, site, config_file, index_path, _cache_dir(cache_dir), refresh_site,
                                       focus, probed)
    if choice.notice:
        click.echo(choice.notice, err=True)
    checkpoint = output.with_name(output.stem + ".progress.jsonl")
    set_interrupt_hint(_resume_hint(sheet, mapping_path, output, index_path, site, config_file, tab))
    try:
        results = reconcile_mapped(rows, choice.source, language=language, thresholds=thresholds,
                                   checkpoint=checkpoint, resume=resume, regions=settings.project.regions,
                                   progress=None if no_progress else _progress_bar)
    finally:
        choice.close()
        if waits is not None:
            waits.summary()
    set_interrupt_hint("")
    files = write_outputs(output, rows, results, item_url=item_links(settings, info=info),
                          site=None if index_path is not None else (site or ""))
    checkpoint.unlink(missing_ok=True)
    counts = summary(results)
    click.echo(" ; ".join(f"{k}: {v}" for k, v in counts.items()))
    click.echo("Écrit / wrote: " + ", ".join(str(f) for f in files))


def _resume_hint(sheet: Path, mapping: Path | None, output: Path, index: Path | None, site: str | None,
                 config_file: Path | None, tab: str | None) -> str:
    """The command that goes on where an interrupted run stopped (its finished rows are kept)."""
    words = ["wikiclub", "reconcile", str(sheet)]
    for option, value in (("-m", mapping), ("--index", index), ("--site", site), ("--config", config_file),
                          ("--sheet", tab), ("-o", output)):
        if value is not None:
            words += [option, str(value)]
    return ("Les lignes finies sont gardées ; reprenez / finished rows are kept; resume: "
            + " ".join(shlex.quote(w) for w in words) + " --resume")


def _check_reachable(settings: Settings, cache_dir: Path) -> SiteInfo:
    """One cheap request, one try, before any work: an unreachable wiki is a message at once. Its
    answer is the site's siteinfo, cached and returned: the source is then chosen without asking again."""
    from ..adapters.http import make_session
    from ..adapters.siteinfo import fetch_siteinfo, write_cache
    from ..adapters.wikibase import WikibaseClient
    from ..errors import WikiError

    with make_session(settings) as session:
        probe = WikibaseClient.from_settings(settings, session, max_attempts=1, maxlag=None)
        try:
            info = fetch_siteinfo(probe)
        except WikiError as exc:
            raise UsageError(f"Le wiki ne répond pas / the wiki does not answer: {settings.site.api_url} "
                             f"({exc.message})",
                             "Vérifiez --site et le réseau (le wiki local : wikiclub sandbox serve), ou "
                             "réconciliez hors ligne avec --index (wikiclub index build).") from None
    write_cache(cache_dir, info)
    return info


def _apply_review(review: Path, output: Path | None, site: str | None, config_file: Path | None) -> None:
    """``reconcile --apply-review``: the human decisions read back (the QIDs people typed checked on the
    run's site), the records written."""
    from ..reconcile.apply import apply_review

    out = output or review.with_name(review.stem + ".records.jsonl")
    s = apply_review(review, out, missing_items=_missing_items_on(site, config_file))
    click.echo(f"{s.written} enregistrements écrits / records written : {out} "
               f"({s.matched} MATCH, {s.new} NEW, {s.overridden} décision(s) humaine(s) appliquée(s))")
    if s.skipped:
        click.echo(f"SKIP : lignes {', '.join(map(str, s.skipped))}")
    for row, other in s.merged:
        click.echo(f"Doublon / duplicate: ligne {row} → même entité que la ligne / same entity as row {other}")
    for row, other in s.waiting:
        click.echo(f"Doublon en attente / duplicate waiting: ligne {row} (NEW) attend la décision de la ligne "
                   f"/ waits for row {other}", err=True)
    if s.undecided:
        click.echo(f"Encore à décider / still undecided (REVIEW) : lignes {', '.join(map(str, s.undecided))}",
                   err=True)
    for cell in s.unresolved_cells[:20]:
        click.echo(f"  cellule non résolue / unresolved cell {cell}", err=True)


def _missing_items_on(site: str | None, config_file: Path | None) -> Callable[[str | None, Sequence[str]], set[str]]:
    """Which of some QIDs the wiki lacks (one batched read): on ``--site``, else on the site the run
    asked; not checked (with a warning) when the run used a local index or the wiki does not answer."""
    def missing(recorded: str | None, qids: Sequence[str]) -> set[str]:
        from ..errors import WikiError

        chosen = site if site is not None else recorded
        if chosen is None:
            click.echo("QID saisis non vérifiés (index local) / typed QIDs not checked: « plan » le fera.", err=True)
            return set()
        settings, client = _client(chosen or None, config_file)
        try:
            found = client.get_entities(qids, props=("info",))
        except WikiError as exc:
            click.echo(f"QID saisis non vérifiés / typed QIDs not checked ({exc.message}).", err=True)
            return set()
        finally:
            client.session.close()
        return {q for q, e in found.items() if "missing" in e}

    return missing


def _thresholds(match_threshold: float | None, margin: float | None) -> Thresholds:
    from dataclasses import replace

    from ..reconcile.model import Thresholds

    t = Thresholds()
    if match_threshold is not None:
        if match_threshold <= t.new:
            raise UsageError(f"--match-threshold {match_threshold:g} : un MATCH doit dépasser le seuil NEW "
                             f"({t.new:g}) / must be above the NEW threshold.",
                             f"Choisissez une valeur entre {t.new:g} et 100 (défaut {t.match:g}).")
        t = replace(t, match=match_threshold)
    if margin is not None:
        t = replace(t, margin=margin)
    return t


def _progress_bar(it: Iterable[RowInput]) -> Iterable[RowInput]:
    from tqdm import tqdm

    return tqdm(it, desc="reconcile", unit="ligne")  # tqdm takes the total from len() itself


@reconcile_group.command("serve")
@click.option("--mapping", "-m", "mapping_paths", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Mapping(s) donnant les types et leurs colonnes ; défaut : mappings/*.yaml du projet.")
@click.option("--index", "index_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Index local (wikiclub index build) : aucune requête au wiki / no request to the wiki.")
@click.option("--properties", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Dump JSON donnant les propriétés / a JSON dump giving the properties.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Adresse d'écoute ; autre que 127.0.0.1 : visible du réseau / other: reachable from the network.")
@click.option("--port", default=8766, show_default=True, type=click.IntRange(0, 65535))
@click.option("--match-threshold", type=click.FloatRange(0, 100), default=None,
              help="Score minimal d'un MATCH, de 0 à 100, au-dessus du seuil NEW (45) ; défaut 80.")
@click.option("--margin", type=click.FloatRange(0, 100), default=None,
              help="Écart minimal avec le 2e candidat, de 0 à 100 (12).")
@settings_options
def reconcile_serve(mapping_paths: tuple[Path, ...], index_path: Path | None, properties: Path | None, host: str,
                    port: int, match_threshold: float | None, margin: float | None, site: str | None,
                    config_file: Path | None) -> None:
    """Servir la réconciliation à OpenRefine / serve reconciliation to OpenRefine (W3C API 0.2).

    Le même moteur que « wikiclub reconcile » (API du wiki ou index local) ; les types proposés et
    la lecture des propriétés viennent des mappings du projet. Dans OpenRefine : Réconcilier →
    Ajouter un service standard → l'adresse affichée. Voir docs/openrefine.md.

    \b
    Exemples / examples:
      wikiclub reconcile serve --site sandbox
      wikiclub reconcile serve --index kb.sqlite --properties examples/kb.jsonl -m mappings/lieux.yaml
    """
    try:
        from ..web.reconcile import create_app, serve
    except ImportError:
        raise UsageError("Flask n'est pas installé : le service web est une option / Flask is not installed: "
                         "the web service is an optional extra.", "pip install 'wikiclub[web]'") from None
    from ..config import is_local_host

    service = _service(mapping_paths, index_path, properties, site, config_file, match_threshold, margin)
    if not is_local_host(host):
        click.secho(f"Attention / warning: {host} rend le service visible du réseau / makes the service "
                    "reachable from the network (127.0.0.1 : cet ordinateur seulement / this computer only).",
                    fg="yellow", err=True)

    def ready(url: str) -> None:
        click.echo(f"Service de réconciliation / reconciliation service: {url}")
        click.echo("OpenRefine : Réconcilier → Ajouter un service standard / Add standard service → cette adresse. "
                   "Ctrl-C pour arrêter / to stop.")

    try:
        serve(create_app(service, check_host=is_local_host(host)), host=host, port=port, on_ready=ready)
    finally:
        _close(service.source)


def _close(source: object) -> None:
    """The local index's SQLite connection, or the API client's HTTP session."""
    from ..reconcile.candidates import ApiSource, IndexSource

    if isinstance(source, IndexSource):
        source.index.close()
    elif isinstance(source, ApiSource):
        for holder in (source.client, source.sparql):  # the wiki's HTTP session, the query service's
            session = getattr(holder, "session", None)
            if session is not None:
                session.close()


def _service(mapping_paths: tuple[Path, ...], index_path: Path | None, properties: Path | None,
             site: str | None, config_file: Path | None, match_threshold: float | None,
             margin: float | None) -> ReconService:

    from ..adapters.index import LocalIndex
    from ..reconcile.candidates import IndexSource
    from ..reconcile.serve import ask_concept_base, build_service, find_mappings, site_info
    from ..sheets.mapping import load_mapping
    from ..sheets.properties import PropertyCatalog
    from .sheets import catalog_for

    settings = settings_from(site, config_file)
    folder = settings.config_file.parent if settings.config_file else Path.cwd()
    paths = list(mapping_paths) or find_mappings(folder / "mappings")
    if not paths:
        click.echo(f"Aucun mapping dans {folder / 'mappings'} : pas de types par défaut / no mapping, no default "
                   "types (--mapping FILE).", err=True)
    mappings = [load_mapping(p) for p in paths]
    t = _thresholds(match_threshold, margin)
    languages = settings.project.languages
    if index_path is not None:
        catalog = PropertyCatalog.from_dump(properties) if properties else _catalog(mappings, catalog_for, None,
                                                                                     config_file)
        source: CandidateSource = IndexSource(LocalIndex(index_path))
        return build_service(source, site_info(settings.site), mappings, catalog, language=languages[0],
                             languages=languages, thresholds=t, regions=settings.project.regions)
    _, client = _client(site, config_file)
    catalog = PropertyCatalog.from_dump(properties) if properties else _catalog(
        mappings, catalog_for, site or settings.site.name, config_file)
    return build_service(_service_source(settings, client),
                         site_info(settings.site, ask_concept_base(client)), mappings, catalog, wiki=client,
                         language=languages[0], languages=languages, thresholds=t,
                         regions=settings.project.regions)


def _service_source(settings: Settings, client: WikibaseClient) -> CandidateSource:
    """The service's source as the wiki's search allows (``sources.source_for_site``, no region: a service
    answers batches, not runs): the API, identifiers by ``haswbstatement`` or SPARQL — or, on a wiki
    without CirrusSearch, the index of its own pages (its prefix search misses « theatre » for « Théâtre »)."""
    from ..adapters.index import site_index_path
    from ..adapters.siteinfo import load_siteinfo
    from ..reconcile.sources import source_for_site

    cache_dir = _cache_dir(None)
    sparql = _sparql_client(settings) if settings.site.sparql_url else None
    choice = source_for_site(client, load_siteinfo(client, cache_dir),
                             index_path=site_index_path(cache_dir, settings.site.api_url), sparql=sparql,
                             languages=settings.project.languages, concept_base=settings.site.concept_base,
                             announce=lambda text: click.echo(text, err=True))
    if choice.notice:
        click.echo(choice.notice, err=True)
    return choice.source


def _catalog(mappings: list[SheetMapping], catalog_for: Callable[..., PropertyCatalog], site: str | None,
             config_file: Path | None) -> PropertyCatalog:
    """The mappings' properties from the per-site cache (asked of the site when one is named)."""
    from ..sheets.properties import PropertyCatalog

    catalog: PropertyCatalog | None = None
    for m in mappings:
        got = catalog_for(m, properties=None, site=site, config_file=config_file, cache_dir=None, offline=False)
        catalog = got if catalog is None else catalog.merged(got)
    return catalog if catalog is not None else PropertyCatalog(site or "")


def _open_source(settings: Settings, site: str | None, config_file: Path | None, index_path: Path | None,
                 cache_dir: Path, refresh_site: bool, focus: str | None = None, probed: SiteInfo | None = None
                 ) -> tuple[SourceChoice, SiteInfo, WaitDisplay | None]:
    """``--index FILE``: that index, and links from the cached siteinfo (or a guess) — no request, no
    client; else the source that fits the wiki (its siteinfo read or refreshed), with its waits shown."""
    from ..adapters.siteinfo import cached_siteinfo, load_siteinfo

    if index_path is not None:
        from ..adapters.index import LocalIndex
        from ..reconcile.candidates import IndexSource
        from ..reconcile.sources import SourceChoice

        index = LocalIndex(index_path)
        return SourceChoice(IndexSource(index), "", index), cached_siteinfo(settings.site.api_url, cache_dir), None
    settings, client = _client(site, config_file)
    waits = WaitDisplay().attach(client)
    info = probed or load_siteinfo(client, cache_dir, refresh=refresh_site)  # ``probed``: fetched by this run
    return _source(settings, client, info, None, cache_dir, focus), info, waits


def _source(settings: Settings, client: WikibaseClient, info: SiteInfo, index_path: Path | None,
            cache_dir: Path, focus: str | None = None) -> SourceChoice:
    """``--index FILE``: that index; else what fits the wiki and the project (``sources.project_source``,
    docs/reconciliation.md)."""
    from ..adapters.index import LocalIndex
    from ..reconcile.candidates import IndexSource
    from ..reconcile.sources import SourceChoice, project_source

    if index_path is not None:
        index = LocalIndex(index_path)
        return SourceChoice(IndexSource(index), "", index)
    sparql = _sparql_client(settings) if settings.site.sparql_url else None
    return project_source(settings, client, info, cache_dir, sparql=sparql, focus=focus,
                          announce=lambda text: click.echo(text, err=True))


def _sparql_client(settings: Settings) -> SparqlClient:
    from ..adapters.http import make_session
    from ..adapters.sparql import SparqlClient

    return SparqlClient.from_settings(settings, make_session(settings))


@main.group("index")
def index_group() -> None:
    """Index local des éléments du WikiProjet / local index of the WikiProject's items."""


@index_group.command("build")
@click.option("-o", "--output", required=True, type=OutputPath())
@click.option("--dump", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Dump JSON de Wikidata (une entité par ligne, .gz/.bz2).")
@click.option("--focus", default=None, help="QID de la liste de suivi (P5008) ; défaut : wikiclub.toml.")
@click.option("--region", "regions", multiple=True, help="QID de région (P131*) ; répétable.")
@click.option("--all-pages", is_flag=True,
              help="Tous les éléments du wiki, lus page par page (sans SPARQL) / every item of the wiki, read "
                   "page by page (no query service needed).")
@settings_options
def index_build(output: Path, dump: Path | None, focus: str | None, regions: tuple[str, ...], all_pages: bool,
                site: str | None, config_file: Path | None) -> None:
    """Construire l'index / build the index (from a dump file, or from the site by SPARQL or page by page).

    \b
    Exemples / examples:
      wikiclub index build --dump examples/kb.jsonl -o kb.sqlite
      wikiclub index build --site sandbox --focus Q900100 -o kb.sqlite
      wikiclub index build --site https://wiki.example.org/w/api.php --all-pages -o wiki.sqlite
    """
    from ..adapters.index import build_from_dump

    if dump is not None:
        n = build_from_dump(dump, output)
        click.echo(f"{n} entités indexées / entities indexed : {output}")
        return
    if output.exists():
        output.unlink()
    fetched, _ = _sync(output, site, config_file, focus, regions, full=True, create=True, all_pages=all_pages)
    click.echo(f"{fetched} entités indexées / entities indexed : {output}")


@index_group.command("update")
@click.argument("index_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--focus", default=None)
@click.option("--region", "regions", multiple=True)
@settings_options
def index_update(index_path: Path, focus: str | None, regions: tuple[str, ...], site: str | None,
                 config_file: Path | None) -> None:
    """Rafraîchir l'index : seuls les éléments modifiés sont relus / refresh only what changed.

    \b
    Exemple / example:
      wikiclub index update kb.sqlite --site sandbox
    """
    fetched, unchanged = _sync(index_path, site, config_file, focus, regions, full=False, create=False,
                               all_pages=False)
    click.echo(f"{fetched} relus / refetched, {unchanged} inchangés / unchanged")


def _sync(path: Path, site: str | None, config_file: Path | None, focus: str | None, regions: tuple[str, ...],
          *, full: bool, create: bool, all_pages: bool) -> tuple[int, int]:
    """Fill or refresh an index from the site: every item page (``--all-pages``, or an index built so),
    else the project's items by SPARQL with the site's concept base (configured, else the wiki's own)."""
    from ..adapters.index import LocalIndex, sync_from_pages, sync_from_site
    from ..adapters.siteinfo import load_siteinfo

    settings, client = _client(site, config_file)
    waits = WaitDisplay().attach(client)
    index = LocalIndex(path, create=create, rebuild=True)  # written by other name rules: read again in full
    try:
        meta = index.meta()
        if all_pages or meta.get("source") == "pages":
            info = load_siteinfo(client, _cache_dir(None))
            done = sync_from_pages(index, client, namespace=info.namespace("item")[0], full=full)
            return done.fetched, done.unchanged
        if not settings.site.sparql_url:
            raise UsageError(f"{settings.site.name} n'a pas de point SPARQL / has no SPARQL endpoint",
                             "Utilisez --dump ou --all-pages, ou configurez sparql_url dans wikiclub.toml.")
        concept = settings.site.concept_base or load_siteinfo(client, _cache_dir(None)).concept_base
        sparql = _sparql_client(settings)
        waits.attach(sparql)
        focus = focus or meta.get("focus") or settings.project.focus_item
        regs = list(regions) or [r for r in meta.get("regions", "").split(",") if r] or list(settings.project.regions)
        return sync_from_site(index, sparql, client, focus=focus, regions=regs, full=full, concept_base=concept)
    finally:
        index.close()
        waits.summary()


def _printable(text: str) -> str:
    """Labels come from the public: no control character reaches the terminal."""
    return "".join(c if c.isprintable() else " " for c in text)


@main.command("search")
@click.argument("text")
@click.option("--type", "type_qid", default=None, metavar="QID",
              help="Seulement les instances de cette classe (ou d'une sous-classe directe) / only instances of.")
@click.option("--lang", "language", default="fr", show_default=True,
              help="Langue de la recherche et des libellés / search and label language.")
@click.option("--limit", default=7, show_default=True, type=click.IntRange(1, 50),
              help="Nombre de résultats / number of results.")
@settings_options
def search_command(text: str, type_qid: str | None, language: str, limit: int, site: str | None,
                   config_file: Path | None) -> None:
    """Chercher un élément et son QID / find an item and its QID (to write a mapping).

    Pour chaque résultat : QID, libellé, description, classe (P31), lieu (P131) et le lien de
    l'élément. Recherche par début de libellé ou d'alias, comme la boîte de recherche du wiki.

    \b
    Exemples / examples:
      wikiclub search "Rouyn-Noranda" --site sandbox
      wikiclub search "La Sarre" --type Q900068 --site sandbox   (municipalité du Québec, wiki local)
      wikiclub search "théâtre" --lang fr --limit 20
    """
    from ..reconcile.lookup import search_items

    if type_qid is not None and not re.fullmatch(r"Q[1-9]\d*", type_qid.strip().upper()):
        raise UsageError(f"--type {type_qid} : un QID est attendu / a QID is expected (Q123).",
                         "Trouvez d'abord la classe : wikiclub search \"municipalité du Québec\"")
    settings, client = _client(site, config_file)
    try:
        hits = search_items(client, text, language=language, limit=limit, item_url=item_links(settings, client),
                            type_qid=type_qid.strip().upper() if type_qid else None)
    finally:
        client.session.close()
    if not hits:
        click.echo(f"Aucun élément ne commence par « {_printable(text)} » sur {settings.site.name} / no item "
                   "found." + (f" (--type {type_qid})" if type_qid else ""))
        return
    for h in hits:
        click.echo(f"{h.qid:>10}  {_printable(h.label)}" + (f" — {_printable(h.description)}" if h.description else ""))
        named = [("classe", h.classes), ("lieu", h.places)]
        details = " · ".join(f"{kind} : " + ", ".join(f"{_printable(n.label) or '?'} ({n.qid})" for n in names)
                             for kind, names in named if names)
        if details:
            click.echo(f"{'':>12}{details}")
        click.echo(f"{'':>12}{h.url}")
