"""The ``wikiclub`` click group and the one place where errors become messages.

Only this package imports click. Every ``WikiclubError`` becomes a short message + hint on stderr and
its exit code (1 for data problems, 2 for usage/config problems); Ctrl-C exits 130. Anything else is
a bug and is shown as such.

click's own words are French unless ``--lang en`` / ``WIKICLUB_LANG=en`` (see ``i18n.py``): the root
chooses the language before it parses anything, and every command and group uses the classes below
(their context writes help through the translating formatter).

Each stage module imports ``main`` from here and adds its commands; ``cli/__init__.py`` imports them all.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import click

from .. import __version__
from ..errors import WikiclubError
from .i18n import META_KEY, Context, choose_language, use_language


class Command(click.Command):
    context_class = Context


class Group(click.Group):
    """A group whose commands and subgroups use the translating context."""

    context_class = Context
    command_class = Command
    group_class = type  # subgroups: the same class as their parent


# Ctrl-C while a command was running: what to type to go on (commands that can resume say how).
INTERRUPT_HINT_KEY = "wikiclub.interrupt_hint"


def set_interrupt_hint(hint: str) -> None:
    """What the « Interrompu » message should add if the user presses Ctrl-C from now on."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.find_root().meta[INTERRUPT_HINT_KEY] = hint


class WikiclubGroup(Group):
    """The root: chooses click's language, turns project errors into messages instead of tracebacks."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        if parent is not None:
            return super().make_context(info_name, args, parent, **extra)
        language = choose_language(args, os.environ)
        use_language(language)  # before parsing: click's parse errors are words too
        ctx = super().make_context(info_name, args, parent, **extra)
        ctx.meta[META_KEY] = language
        return ctx

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
            hint = ctx.find_root().meta.get(INTERRUPT_HINT_KEY)
            if hint:
                click.echo(f"→ {hint}", err=True)
            sys.exit(130)


def _lang_option(func: Callable[..., Any]) -> Callable[..., Any]:
    # The root reads it before parsing (make_context); declared here for --help and validation.
    return click.option("--lang", type=click.Choice(["fr", "en"]), default=None, expose_value=False,
                        is_eager=True, metavar="fr|en",
                        help="Langue des mots de click et des gravités (défaut fr ; ou WIKICLUB_LANG) / "
                        "language of click's words and severities.")(func)


@click.group(cls=WikiclubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wikiclub", help="Show the version and exit.")
@_lang_option
def main() -> None:
    """wikiclub — des tableurs du WikiClub vers Wikidata / spreadsheets to Wikidata.

    \b
    Étapes / stages:
      init → validate/map → reconcile → plan → approve → push → report/pull
    Trouver un QID / find a QID:  wikiclub search "Rouyn-Noranda" --site sandbox
    Essayez / try:  wikiclub sandbox serve --load examples/kb.jsonl
    """
