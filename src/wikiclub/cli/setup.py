"""Set-up commands: ``wikiclub init``, ``wikiclub config``, ``wikiclub whoami``.

Other command modules reuse :func:`settings_options` and :func:`settings_from` so that every
command reads ``--site`` / ``--config`` the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..config import CONFIG_FILENAME, Settings, default_cache_dir, describe_settings, load_settings
from ..errors import CredentialsError, UsageError
from .app import main
from .paths import OutputPath

if TYPE_CHECKING:
    from ..siteinfo import SiteInfo

F = TypeVar("F", bound=Callable[..., Any])

TEMPLATE = '''\
# wikiclub.toml — configuration de wikiclub / wikiclub configuration
# Ce fichier peut être versionné : il ne contient JAMAIS de mot de passe.
# This file may be committed: it NEVER holds a password. Credentials go in
# WIKICLUB_BOT_USER / WIKICLUB_BOT_PASSWORD, pywikibot's user-password.cfg,
# or ~/.config/wikiclub/credentials.toml (chmod 600). See docs/configuration.md.
# Priorité / precedence: option > variable WIKICLUB_* > ce fichier / this file > défaut / default.

[wikiclub]
# Wiki visé : "wikidata", "sandbox" (serveur local), un nom de [sites.NOM] ou l'URL d'un api.php.
# Target wiki: "wikidata", "sandbox" (local server), a [sites.NAME] name or an api.php URL.
site = "{site}"

# Contact pour le User-Agent (obligatoire hors de 127.0.0.1) : page utilisateur et/ou courriel.
# Contact for the User-Agent (required for any non-local wiki): user page and/or e-mail.
{contact_line}

# Modifications par minute. 6 = une toutes les 10 s, sûr pour un compte sans statut de bot.
# Edits per minute. 6 = one every 10 s, safe for an account without the bot flag.
throttle = 6

# Attendre si la réplication du wiki a plus de N secondes de retard (Wikimedia recommande 5).
# Wait when the wiki's replication lags more than N seconds (Wikimedia recommends 5).
maxlag = 5

# Nombre d'essais par requête (1 = aucune reprise) / attempts per request (1 = no retry).
retries = 5

# Délais en secondes / timeouts in seconds (connexion / connect, lecture / read, SPARQL).
connect_timeout = 10
read_timeout = 60
sparql_timeout = 65

[project]
# Le WikiProjet / the WikiProject.
name = "{project}"
# Élément de la liste de suivi (P5008, « on focus list of Wikimedia project »), facultatif.
# Focus-list item (P5008), optional:
{focus_line}
# Éléments des régions couvertes / items of the regions covered. Avec eux (ou la liste de suivi), la
# réconciliation lit d'abord les éléments de la région : moins de requêtes, homonymes départagés.
# With them (or the focus list), reconciliation reads the region's items first: fewer requests.
regions = [{regions}]
# Langues des libellés (fr, en, cr = cri, oj = ojibwé, alq = algonquin …).
# Label languages (fr, en, cr = Cree, oj = Ojibwe, alq = Algonquin …).
languages = ["fr", "en"]
# Facultatif : un motif SPARQL qui ajoute des éléments au WikiProjet (il doit lier ?item).
# Optional: a SPARQL pattern adding items to the WikiProject (it must bind ?item).
# query = "?item wdt:P361 wd:Q123 ."

# Un autre Wikibase / another Wikibase:
# [sites.monwiki]
# api = "https://wiki.example.org/w/api.php"
# sparql = "https://query.example.org/sparql"
# concept_base = "https://wiki.example.org/entity/"
'''


def render_template(*, site: str = "wikidata", contact: str | None = None,
                    project: str = "WikiProjet", focus_item: str | None = None,
                    regions: Sequence[str] = ()) -> str:
    def quoted(text: str) -> str:
        return text.replace("\\", "\\\\").replace('"', '\\"')

    contact_line = (f'contact = "{quoted(contact)}"' if contact
                    else '# contact = "User:VotreNom; vous@example.org"')
    focus_line = f'focus_item = "{focus_item}"' if focus_item else '# focus_item = "Q123456"'
    return TEMPLATE.format(site=quoted(site), contact_line=contact_line, project=quoted(project),
                           focus_line=focus_line, regions=", ".join(f'"{r}"' for r in regions))


def settings_options(func: F) -> F:
    """``--site`` and ``--config``, shared by every command that talks to a wiki."""
    func = click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
                        help="Fichier de configuration / config file (default ./wikiclub.toml).")(func)
    func = click.option("--site", default=None, metavar="NAME|URL",
                        help="Wiki visé / target wiki: wikidata, sandbox, [sites.NAME] or an api.php URL.")(func)
    return func


def settings_from(site: str | None, config_file: Path | None, **flags: object) -> Settings:
    return load_settings({"site": site, **flags}, config_file=config_file)


def site_info(settings: Settings, client: Any = None, *, refresh: bool = False) -> SiteInfo:
    """What the wiki says about itself (article path, namespaces, search), cached per site in the cache
    folder (``WIKICLUB_CACHE_DIR``, default ~/.cache/wikiclub); links to items are built from it."""
    from ..adapters.http import make_session
    from ..adapters.siteinfo import load_siteinfo
    from ..adapters.wikibase import WikibaseClient

    if client is None:
        client = WikibaseClient.from_settings(settings, make_session(settings))
    return load_siteinfo(client, cache_dir_for(None), refresh=refresh)


def item_links(settings: Settings, client: Any = None, *, info: SiteInfo | None = None) -> Callable[[str], str]:
    """How outputs link an entity: the configured ``entity_url`` (a prefix the id is appended to), else
    the wiki's own article path and namespaces (``SiteInfo.item_url``, from siteinfo)."""
    prefix = settings.site.entity_url
    if prefix:
        return lambda entity_id: prefix + entity_id
    return (info or site_info(settings, client)).item_url


def cache_dir_for(explicit: Path | None) -> Path:
    """``--cache-dir``, else ``WIKICLUB_CACHE_DIR``, else ``$XDG_CACHE_HOME/wikiclub`` (~/.cache/wikiclub)."""
    return explicit or default_cache_dir()


@main.command("init")
@click.option("--path", "directory", type=OutputPath(directory=True, create_parents=True), default=Path("."),
              show_default=True, help="Dossier où écrire / folder to write wikiclub.toml in.")
@click.option("--force", is_flag=True, help="Remplacer un fichier existant / overwrite an existing file.")
@click.option("--site", default="wikidata", show_default=True, help="Wiki visé / target wiki.")
@click.option("--contact", default=None, help="Contact pour le User-Agent / contact for the User-Agent.")
@click.option("--project", default="WikiProjet", help="Nom du WikiProjet / WikiProject name.")
@click.option("--focus-item", default=None, metavar="QID",
              help="Élément de la liste de suivi du WikiProjet (P5008) / the WikiProject's focus-list item.")
@click.option("--region", "regions", multiple=True, metavar="QID",
              help="Région couverte (répétable) / a region covered (repeatable).")
def init_command(directory: Path, force: bool, site: str, contact: str | None, project: str,
                 focus_item: str | None, regions: tuple[str, ...]) -> None:
    """Écrire un wikiclub.toml commenté / write a commented wikiclub.toml.

    Avec la liste de suivi et les régions du WikiProjet, la réconciliation lit d'abord les éléments de
    la région (moins de requêtes, homonymes départagés) / with the WikiProject's focus list and regions,
    reconciliation reads the region's items first.

    \b
    Exemple / example:
      wikiclub init --contact "User:MonNom" --site sandbox
      wikiclub init --contact "User:MonNom" --focus-item Q123456 --region Q1234 --region Q5678
    """
    for option, value in [("--focus-item", focus_item), *(("--region", r) for r in regions)]:
        if value is not None and not re.fullmatch(r"Q[1-9]\d*", value):
            raise UsageError(f"{option} {value} : un identifiant d'élément / an item id is expected",
                             f"{option} Q123456 (l'identifiant sur le wiki / the id on the wiki)")
    path = directory / CONFIG_FILENAME
    if path.exists() and not force:
        raise UsageError(f"{path} existe déjà / already exists",
                         "add --force to overwrite it, or edit it by hand")
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(render_template(site=site, contact=contact, project=project, focus_item=focus_item,
                                    regions=regions), "utf-8")
    load_settings(config_file=path, env={})  # the file we wrote must load
    click.echo(f"Écrit / wrote {path}")
    if not contact:
        click.echo("→ Ajoutez un contact / add a contact: contact = \"User:VotreNom\" (needed for Wikidata)")
    if not (focus_item or regions):
        click.echo("→ Ajoutez focus_item et regions ([project]) : la réconciliation lira d'abord les éléments de "
                   "la région / add focus_item and regions: reconciliation will read the region's items first")


@main.command("config")
@settings_options
def config_command(site: str | None, config_file: Path | None) -> None:
    """Afficher la configuration effective / show the effective settings.

    Chaque valeur avec sa provenance / each value with where it came from. Les secrets ne sont
    jamais affichés / secrets are never shown.

    \b
    Exemple / example:
      wikiclub config --site sandbox
    """
    from ..credentials import find_credentials

    settings = settings_from(site, config_file)
    rows = describe_settings(settings)
    try:
        creds = find_credentials(settings.site.name, credentials_file=settings.credentials_file)
        rows.append(("credentials", f"{creds.user} (password hidden)", creds.source))
    except CredentialsError as exc:
        rows.append(("credentials", "(none)", exc.message))
    width = max(len(key) for key, _, _ in rows)
    for key, value, origin in rows:
        click.echo(f"{key.ljust(width)}  {value}    [{origin}]")


@main.command("whoami")
@settings_options
def whoami_command(site: str | None, config_file: Path | None) -> None:
    """Se connecter et afficher le compte / log in and show the account.

    Affiche le nom, les groupes et le statut de bot / prints the user, groups and bot flag.

    \b
    Exemple / example:
      WIKICLUB_BOT_USER='MonNom@wikiclub' WIKICLUB_BOT_PASSWORD=… wikiclub whoami --site sandbox
    """
    from ..adapters.http import make_session
    from ..adapters.wikibase import WikibaseClient
    from ..credentials import find_credentials

    settings = settings_from(site, config_file)
    creds = find_credentials(settings.site.name, credentials_file=settings.credentials_file)
    client = WikibaseClient.from_settings(settings, make_session(settings))
    client.login(creds)
    info = client.userinfo()
    groups = [g for g in info.groups if g not in ("*", "user", "autoconfirmed")]
    click.echo(f"site :              {settings.site.name} ({settings.site.api_url})")
    click.echo(f"compte / user :     {info.name} (par / via {creds.user}, trouvé dans / from {creds.source})")
    click.echo(f"groupes / groups :  {', '.join(groups) or '(aucun / none)'}")
    if info.has_right("bot"):
        click.echo("robot / bot :       oui / yes (modifications marquées bot=1 / edits flagged bot=1)")
    else:
        click.echo("robot / bot :       non / no (modifications non marquées ; gardez le ralentissement par "
                   "défaut / edits not flagged; keep the default throttle)")
