"""``wikiclub atelier``: the local web workspace (Flask, the ``web`` extra) over the project folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import UsageError
from .app import main
from .setup import settings_from, settings_options

if TYPE_CHECKING:
    from ..atelier.app import App


def build_atelier(folder: Path, site: str | None, config_file: Path | None, *, local_only: bool = True) -> App:
    """The atelier's app for ``folder`` (its wikiclub.toml unless ``config_file``): what the command serves,
    and what tests and the demo start in a thread."""
    try:
        from ..atelier.app import create_app
    except ImportError:
        raise UsageError("Flask n'est pas installé : l'atelier est une option / Flask is not installed: the "
                         "atelier is an optional extra.", "pip install 'wikiclub[web]'") from None
    from ..atelier.project import Project
    from ..atelier.steps import Wiring
    from ..config import CONFIG_FILENAME
    from ..sheets.mapping import SheetMapping
    from ..sheets.properties import PropertyCatalog
    from .sheets import catalog_for

    project = Project.at(folder)
    if config_file is None and (project.root / CONFIG_FILENAME).is_file():
        config_file = project.root / CONFIG_FILENAME
    settings = settings_from(site, config_file)
    target = site or settings.site.api_url

    def catalog(mapping: SheetMapping) -> PropertyCatalog:
        # the per-site cache, completed from the site when a property is missing (as validate --site does)
        return catalog_for(mapping, properties=None, site=target, config_file=config_file, cache_dir=None,
                           offline=False)

    return create_app(project, Wiring(settings, catalog), local_only=local_only)


@main.command("atelier")
@click.option("--folder", type=click.Path(file_okay=False, exists=True, path_type=Path), default=Path("."),
              show_default=True, help="Dossier du projet (wikiclub.toml, mappings/, batches/) / project folder.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Adresse d'écoute ; autre que 127.0.0.1 : visible du réseau / other: reachable from the network.")
@click.option("--port", default=8767, show_default=True, type=click.IntRange(0, 65535))
@click.option("--open", "open_browser", is_flag=True, help="Ouvrir le navigateur / open the browser.")
@settings_options
def atelier_command(folder: Path, host: str, port: int, open_browser: bool, site: str | None,
                    config_file: Path | None) -> None:
    """L'atelier : vérifier, réconcilier, réviser, approuver et publier dans le navigateur / the workshop:
    check, reconcile, review, approve and publish in the browser.

    Une page web locale sur les mêmes fonctions que les commandes : les décisions vont dans la même
    feuille de révision (review.xlsx), les lots dans batches/. Voir docs/atelier.md.

    \b
    Exemples / examples:
      wikiclub atelier
      wikiclub atelier --folder mon-projet --site sandbox --open
    """
    from ..atelier.server import serve
    from ..config import is_local_host

    local = is_local_host(host)
    app = build_atelier(folder, site, config_file, local_only=local)
    if not local:
        click.secho(f"Attention / warning: {host} rend l'atelier visible du réseau : quiconque l'atteint peut "
                    "publier avec votre compte robot / makes the atelier reachable from the network: anyone who "
                    "reaches it can publish with your bot account (127.0.0.1 : cet ordinateur seulement / this "
                    "computer only).", fg="yellow", err=True)

    def ready(url: str) -> None:
        click.echo(f"Atelier : {url}  (dossier / folder {folder.resolve()}) — Ctrl-C pour arrêter / to stop.")
        if open_browser:
            import webbrowser

            webbrowser.open(url)

    serve(app, host=host, port=port, on_ready=ready)
