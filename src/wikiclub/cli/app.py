"""The ``wikiclub`` click group and the one place where errors become messages.

Only this package imports click. Every ``WikiclubError`` becomes a short message + hint on stderr and
its exit code (1 for data problems, 2 for usage/config problems); Ctrl-C exits 130. Anything else is
a bug and is shown as such.

Each stage module imports ``main`` from here and adds its commands; ``cli/__init__.py`` imports them all.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from .. import __version__
from ..errors import WikiclubError


class WikiclubGroup(click.Group):
    """Turns project errors into messages instead of tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WikiclubError as exc:
            click.secho(f"Erreur / Error: {exc.message}", fg="red", err=True)
            if exc.hint:
                click.echo(f"→ {exc.hint}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrompu / Interrupted.", err=True)
            sys.exit(130)


@click.group(cls=WikiclubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wikiclub")
def main() -> None:
    """wikiclub — des tableurs du WikiClub vers Wikidata / spreadsheets to Wikidata.

    \b
    Étapes / stages:
      init → validate/map → reconcile → plan → approve → push → report/pull
    Essayez / try:  wikiclub sandbox serve --load examples/kb.jsonl
    """
