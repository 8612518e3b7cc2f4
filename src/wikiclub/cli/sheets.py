"""Commands ``validate``, ``map`` and ``mapping check``: thin wrappers over :mod:`wikiclub.validate`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

import click

from ..errors import UsageError, WikiError
from ..model import Issue, MappedRow
from ..problems import problem_words
from ..sheets.mapping import SheetMapping, check_mapping, load_mapping, template_advice
from ..sheets.properties import PropertyCatalog, cache_path, load_cached
from ..sheets.validate import (
    Validation,
    problem_lines,
    summary_lines,
    validate_sheet,
    write_records,
    write_report,
)
from ..wbjson import Entity
from .app import main
from .i18n import current_language
from .paths import OutputPath
from .setup import F, cache_dir_for, settings_from, settings_options


def _cache_dir(explicit: Path | None) -> Path:
    return cache_dir_for(explicit)


def catalog_for(mapping: SheetMapping, *, properties: Path | None, site: str | None, config_file: Path | None,
                cache_dir: Path | None, offline: bool, with_items: bool = False,
                refresh: bool = False) -> PropertyCatalog:
    """Properties from a dump file, else the per-site disk cache; with ``--site``, missing ones are fetched
    (``refresh``: all of the mapping's, the cache set aside)."""
    if properties is not None:
        return PropertyCatalog.from_dump(properties)
    settings = settings_from(site, config_file)
    api = settings.site.api_url
    if refresh and (site is None or offline):
        raise UsageError("--refresh demande le site / needs the site : --site NOM, sans --offline.",
                         "wikiclub mapping check MAPPING --site NOM --refresh")
    catalog = load_cached(_cache_dir(cache_dir), api)
    wanted = mapping.property_ids() + (mapping.item_ids() if with_items else [])
    if site is None and not catalog.properties:
        raise UsageError(f"Les propriétés de {api} ne sont pas encore en cache / properties of this site are "
                         "not cached yet.",
                         "Lancez une fois « wikiclub mapping check MAPPING --site NOM » (connecté), ou passez "
                         "--properties un-dump.jsonl.")
    # The site is asked only when named (--site): validate must work offline from the cache.
    if offline or site is None or (not refresh and all(catalog.get(p) or catalog.has_item(p) is not None
                                                       for p in wanted)):
        return catalog
    from ..adapters.http import make_session
    from ..adapters.wikibase import WikibaseClient

    client = WikibaseClient.from_settings(settings, make_session(settings))
    try:
        def fetch(ids: Sequence[str]) -> Mapping[str, Entity]:
            return client.get_entities(ids, props=("labels", "datatype", "claims"), languages=("fr", "en"))

        # --refresh: every id of the mapping asked again, the answers replacing what the cache said
        catalog = catalog.merged(PropertyCatalog(api).ensure(wanted, fetch)) if refresh else catalog.ensure(
            wanted, fetch)
    except WikiError as exc:
        raise UsageError(f"Impossible de demander les propriétés à {api} / cannot ask the site for the "
                         f"properties ({exc.message}).",
                         "Relancez une fois connecté, ou passez --properties un-dump.jsonl, ou --offline.") from None
    finally:
        client.session.close()
    catalog.save(cache_path(_cache_dir(cache_dir), api))
    return catalog


def _catalog_options(func: F) -> F:
    func = click.option("--refresh", is_flag=True,
                        help="Redemander au site toutes les propriétés et éléments du mapping (avec --site) / "
                        "ask the site again for everything.")(func)
    func = click.option("--offline", is_flag=True,
                        help="Ne rien demander au site : cache seulement / use the cache only.")(func)
    func = click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                        help="Cache des propriétés / property cache (default ~/.cache/wikiclub).")(func)
    func = click.option("--properties", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                        default=None, help="Dump JSON (une entité par ligne) donnant les propriétés / "
                        "a JSON dump giving the properties (e.g. examples/kb.jsonl).")(func)
    return settings_options(func)


_SHEET_ARG = click.argument("sheet_path", metavar="SHEET", type=click.Path(exists=True, dir_okay=False,
                                                                          path_type=Path))
_MAPPING_OPT = click.option("--mapping", "-m", "mapping_path", required=True,
                            type=click.Path(dir_okay=False, path_type=Path), help="mappings/NOM.yaml")
_TAB_OPT = click.option("--sheet", "tab", default=None,
                        help="Onglet (nom ou numéro à partir de 1) / sheet name or 1-based number.")
_CHECKSUM_OPT = click.option("--allow-bad-checksums", is_flag=True,
                             help="Accepter un identifiant dont la clé de contrôle est fausse (ISNI, ORCID, "
                             "ISBN…) : avertissement au lieu d'erreur / a bad check digit is a warning, not an error.")


def _echo_summary(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)


@main.command("validate")
@_SHEET_ARG
@_MAPPING_OPT
@click.option("--report", type=OutputPath(), default=None,
              help="Écrire chaque problème dans ce .csv ou .xlsx / write every problem to this file.")
@click.option("--show", "show", type=click.IntRange(0), default=20, show_default=True,
              help="Sans --report : combien de problèmes afficher / without --report: problems to print.")
@_TAB_OPT
@_CHECKSUM_OPT
@_catalog_options
def validate_command(sheet_path: Path, mapping_path: Path, report: Path | None, show: int, tab: str | None,
                     allow_bad_checksums: bool, properties: Path | None, cache_dir: Path | None, offline: bool,
                     refresh: bool, site: str | None, config_file: Path | None) -> None:
    """Vérifier un tableur avec son mapping / check a spreadsheet against its mapping.

    Affiche un résumé (lignes lues, valides, problèmes par type) puis, sans --report, les premiers
    problèmes (ligne, colonne, valeur, correction) ; --report écrit chaque problème (fichier, onglet,
    ligne, colonne, valeur, problème, correction). Rien n'est envoyé au wiki.
    Code de sortie : 0 sans erreur, 1 erreurs dans les données, 2 erreur d'utilisation.

    \b
    Exemple / example:
      wikiclub validate examples/lieux.csv -m mappings/lieux.yaml --report problemes.xlsx
    """
    if report is not None and report.suffix.lower() not in (".csv", ".xlsx"):
        raise UsageError(f"--report {report} : extension .csv ou .xlsx attendue / expected .csv or .xlsx.")
    mapping = load_mapping(mapping_path)
    catalog = catalog_for(mapping, properties=properties, site=site, config_file=config_file,
                          cache_dir=cache_dir, offline=offline, refresh=refresh)
    v = validate_sheet(sheet_path, mapping, catalog, sheet=tab, allow_bad_checksums=allow_bad_checksums)
    language = current_language()
    _echo_summary(summary_lines(v, language))
    if report is not None:
        write_report(report, v.issues, language)
        click.echo(f"Rapport / report : {report} ({len(v.issues)} lignes / lines)")
    elif v.issues and show:
        click.echo("Problèmes / problems :")
        _echo_summary(problem_lines(v.issues, show, language))
        click.echo("Tous les problèmes dans un tableur / every problem in a spreadsheet : "
                   "--report problemes.xlsx")
    if not v.ok:
        raise SystemExit(1)


@main.command("map")
@_SHEET_ARG
@_MAPPING_OPT
@click.option("-o", "--output", required=True, type=OutputPath(), help="records.jsonl à écrire / to write.")
@click.option("--skip-invalid", is_flag=True,
              help="Écrire les lignes valides et lister celles écartées / write valid rows, list skipped ones.")
@click.option("--report", type=OutputPath(), default=None,
              help="Écrire aussi les problèmes (.csv/.xlsx) / also write the problems.")
@_TAB_OPT
@_CHECKSUM_OPT
@_catalog_options
def map_command(sheet_path: Path, mapping_path: Path, output: Path, skip_invalid: bool, report: Path | None,
                tab: str | None, allow_bad_checksums: bool, properties: Path | None, cache_dir: Path | None,
                offline: bool, refresh: bool, site: str | None, config_file: Path | None) -> None:
    """Écrire les enregistrements normalisés (entrée de la réconciliation) / write normalised records.

    Refuse d'écrire s'il y a des erreurs, sauf avec --skip-invalid (les lignes écartées sont listées).

    \b
    Exemple / example:
      wikiclub map examples/festivals.xlsx -m mappings/festivals.yaml -o festivals.jsonl
    """
    mapping = load_mapping(mapping_path)
    catalog = catalog_for(mapping, properties=properties, site=site, config_file=config_file,
                          cache_dir=cache_dir, offline=offline, refresh=refresh)
    v = validate_sheet(sheet_path, mapping, catalog, sheet=tab, allow_bad_checksums=allow_bad_checksums)
    result = v.result  # map every row once; the issue list below then comes from these rows
    if report is not None:
        write_report(report, v.issues, current_language())
    sheet_errors = [i for i in result.issues if i.severity == "error"]
    invalid = [r for r in v.result.rows if not r.valid]
    if sheet_errors or (invalid and not skip_invalid):
        _refuse_to_write(v, sheet_errors, invalid)
    valid = [r for r in v.result.rows if r.valid]
    n = write_records(output, valid)
    click.echo(f"{n} enregistrements écrits / records written : {output}")
    if invalid:
        _echo_skipped(invalid)


def _refuse_to_write(v: Validation, sheet_errors: list[Issue], invalid: list[MappedRow]) -> NoReturn:
    """``map`` with errors: the summary, the first 20 errors, and exit 1 (nothing written)."""
    _echo_summary(summary_lines(v, current_language()))
    for i in (sheet_errors or [e for r in invalid for e in r.issues if e.severity == "error"])[:20]:
        click.echo(f"  {i.source.where()} : {i.message}" + (f" → {i.hint}" if i.hint else ""), err=True)
    hint = ("Corrigez le mapping ou le tableur." if sheet_errors else
            "Corrigez ces lignes, ou relancez avec --skip-invalid pour écrire seulement les lignes valides.")
    click.secho(f"Rien d'écrit / nothing written : {len(sheet_errors) or len(invalid)} erreur(s). {hint}",
                fg="red", err=True)
    raise SystemExit(1)


def _echo_skipped(invalid: list[MappedRow]) -> None:
    click.echo(f"{len(invalid)} ligne(s) écartée(s) / skipped rows :")
    for r in invalid:
        first = next(i for i in r.issues if i.severity == "error")
        click.echo(f"  ligne {r.source.row} : {problem_words(first.problem, current_language())} [{first.problem}] "
                   f"({first.source.column}) — {first.message}")


@main.group("mapping")
def mapping_group() -> None:
    """Mappings (mappings/*.yaml) : vérifier / check."""


@mapping_group.command("check")
@click.argument("mapping_path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@_catalog_options
def mapping_check_command(mapping_path: Path, properties: Path | None, cache_dir: Path | None, offline: bool,
                          refresh: bool, site: str | None, config_file: Path | None) -> None:
    """Vérifier un mapping (schéma, puis propriétés et éléments du site) / check a mapping.

    Refuse aussi ce qui échouerait à chaque ligne (un modèle « {Prénom} {Nom} » là où un nom de
    colonne est attendu, un modèle mal formé, une colonne dérivée utilisée avant d'être calculée, un
    motif invalide), avec la ligne du YAML et la correction (docs/mappings.md).

    Sans --site ni --properties : le schéma et le cache des propriétés. Avec --site : les propriétés
    et éléments manquants sont demandés au site une fois, puis gardés en cache (hors ligne ensuite) ;
    une réponse « n'existe pas » n'est gardée qu'une heure ; --refresh redemande tout.

    \b
    Exemple / example:
      wikiclub mapping check mappings/festivals.yaml --site sandbox
      wikiclub mapping check mappings/festivals.yaml --site sandbox --refresh

    \b
    Exemple pour des personnes (P31 = Q5, être humain) / a people example, artistes.yaml :
      version: 1
      entity:
        label: {column: Nom, language: fr}
        description: {fr: "artiste {de Ville natale}"}   # d'Amos, du Bic, de La Sarre
        instance_of: [Q5]
        match: {types: [Q5]}
      columns:
        Ville natale: {property: P19, item: {types: [Q486972]}}
        Naissance: {property: P569}
        Site web: {property: P856}
    puis / then:  wikiclub mapping check artistes.yaml --site wikidata
    """
    mapping = load_mapping(mapping_path)
    catalog = catalog_for(mapping, properties=properties, site=site, config_file=config_file,
                          cache_dir=cache_dir, offline=offline, with_items=True,
                          refresh=refresh)
    problems = check_mapping(mapping, catalog)
    for advice in template_advice(mapping):
        click.echo(f"Conseil / advice — {advice.where} : {advice.message}\n  → {advice.hint}")
    if problems:
        for p in problems:
            click.echo(f"{p.where} : {p.message}" + (f"\n  → {p.hint}" if p.hint else ""), err=True)
        click.secho(f"{len(problems)} problème(s) / problem(s).", fg="red", err=True)
        raise SystemExit(1)
    click.echo(f"{mapping_path} : OK ({len(mapping.property_ids())} propriétés, {len(mapping.item_ids())} "
               f"éléments vérifiés sur {catalog.site}).")
