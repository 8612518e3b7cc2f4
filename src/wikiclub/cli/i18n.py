"""click's own words in French (or English with ``--lang en`` / ``WIKICLUB_LANG=en``).

click writes its words (« Usage: », « Show this message and exit. », « Error: Missing option … »,
« File 'x' does not exist. », « No such option … ») through ``gettext``: every click module does
``from gettext import gettext as _`` (and ``ngettext``) and calls ``_("…")`` when it builds a message.

Choice, and why: each click module's ``_`` and ``ngettext`` names are pointed at the functions of
this module, from the catalogue below, when the root command starts (:func:`use_language`).

- Not a compiled ``.mo`` catalogue through ``gettext.bindtextdomain``/``textdomain``: the standard
  library would pick the language from the process locale (``LANGUAGE``, ``LC_ALL``, ``LANG`` — a
  terminal in ``C.UTF-8`` would silently get English), ``textdomain`` is process-wide and would also
  translate every other library that uses the default domain, and ``--lang`` would have to rewrite
  environment variables.
- Not only our own help formatter: most of click's words are made inside click (a ``Path`` type's
  « does not exist », a missing option, an unknown option with its « Did you mean »), so re-rendering
  them would mean parsing click's English back.
- click looks ``_`` up in its module globals each time it builds a message, so the switch holds
  whatever was imported first. Two texts are captured when a command is *built* (the help of
  ``--help`` since click 8.1.8 caches that option, and of ``--version``): :class:`HelpFormatter`
  translates them as help is rendered.

A msgid missing from the catalogue (a newer click) stays in English; ``tests/test_french.py`` runs the
commands in French and fails on a known English sentence.
"""

from __future__ import annotations

import gettext
import importlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence

import click

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
ENV_LANG = "WIKICLUB_LANG"

# click's msgids (click 8.1 to 8.5) → French. Placeholders keep click's names; the French text may
# drop a ``!r`` (French quotes instead of Python's).
CLICK_FR: Mapping[str, str] = {
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Commands": "Commandes",
    "Positional arguments": "Arguments",
    "Show this message and exit.": "Afficher cette aide et quitter.",
    "Show the version and exit.": "Afficher la version et quitter.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Aide : « {command} {option} ».",
    "Missing option": "Option manquante",
    "Missing argument": "Argument manquant",
    "Missing parameter": "Paramètre manquant",
    "Missing {param_type}": "{param_type} manquant",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "Missing command.": "Commande manquante.",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "No such option {name!r}.": "Option inconnue : « {name} ».",
    "No such option: {name}": "Option inconnue : « {name} ».",
    "No such command {name!r}.": "Commande inconnue : « {name} ».",
    "No such command '{name}'.": "Commande inconnue : « {name} ».",
    "Option {name!r} does not take a value.": "L'option « {name} » ne prend pas de valeur.",
    "Argument {name!r} takes {nargs} values.": "L'argument « {name} » prend {nargs} valeurs.",
    "Invalid start character for option ({option})": "Caractère initial invalide pour une option ({option})",
    "Aborted!": "Abandon.",
    "required": "obligatoire",
    "default: {default}": "défaut : {default}",
    "env var: {var}": "variable d'environnement : {var}",
    "(dynamic)": "(dynamique)",
    "deprecated": "obsolète",
    "unknown error": "erreur inconnue",
    "Value must be an iterable.": "La valeur doit être une liste.",
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "{name} {filename!r} does not exist.": "« {filename} » n'existe pas.",
    "{name} '{filename}' does not exist.": "« {filename} » n'existe pas.",
    "{name} {filename!r} is a file.": "« {filename} » est un fichier (un dossier est attendu).",
    "{name} '{filename}' is a file.": "« {filename} » est un fichier (un dossier est attendu).",
    "{name} {filename!r} is a directory.": "« {filename} » est un dossier (un fichier est attendu).",
    "{name} '{filename}' is a directory.": "« {filename} » est un dossier (un fichier est attendu).",
    "{name} {filename!r} is not readable.": "« {filename} » n'est pas lisible.",
    "{name} '{filename}' is not readable.": "« {filename} » n'est pas lisible.",
    "{name} {filename!r} is not writable.": "« {filename} » : écriture interdite.",
    "{name} '{filename}' is not writable.": "« {filename} » : écriture interdite.",
    "{name} {filename!r} is not executable.": "« {filename} » n'est pas exécutable.",
    "{name} '{filename}' is not executable.": "« {filename} » n'est pas exécutable.",
    "Could not open file {filename!r}: {message}": "Impossible d'ouvrir « {filename} » : {message}",
    "Choose from:\n\t{choices}": "Choisissez parmi :\n\t{choices}",
    "Choice({choices})": "Choix({choices})",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{value!r} is not a valid {number_type}.": "« {value} » n'est pas un nombre valide.",
    "{value!r} is not a valid integer.": "« {value} » n'est pas un nombre entier valide.",
    "{value!r} is not a valid float.": "« {value} » n'est pas un nombre valide.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "« {value} » n'est pas un booléen valide. Valeurs reconnues : {states}",
    "{value!r} is not a valid boolean.": "« {value} » n'est pas un booléen valide.",
    "{value!r} is not a valid UUID.": "« {value} » n'est pas un UUID valide.",
    "Do you want to continue?": "Voulez-vous continuer ?",
    "Confirm the action without prompting.": "Confirmer sans demander.",
    "Press any key to continue...": "Appuyez sur une touche pour continuer…",
    "Repeat for confirmation": "Répétez pour confirmer",
    "Error: The two entered values do not match.": "Erreur : les deux valeurs saisies diffèrent.",
    "Error: invalid input": "Erreur : saisie invalide",
    "{editor}: Editing failed": "{editor} : échec de l'édition",
    "{editor}: Editing failed: {e}": "{editor} : échec de l'édition : {e}",
}

# ngettext msgids: (singular, plural) → (French singular, French plural).
CLICK_FR_PLURAL: Mapping[tuple[str, str], tuple[str, str]] = {
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        ("Vouliez-vous dire {possibility} ?", "(Vouliez-vous dire l'une de ces options : {possibilities} ?)"),
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        ("Argument en trop ({args})", "Arguments en trop ({args})"),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        ("L'option « {name} » demande une valeur.", "L'option « {name} » demande {nargs} valeurs."),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        ("Prend {nargs} valeurs, 1 donnée.", "Prend {nargs} valeurs, {len} données."),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        ("« {value} » n'est pas {choice}.", "« {value} » n'est pas l'une des valeurs {choices}."),
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        ("« {value} » ne suit pas le format {format}.", "« {value} » ne suit aucun des formats {formats}."),
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."):
        ("{len_type} valeurs sont demandées, {len_value} donnée.", "{len_type} valeurs sont demandées, "
                                                                   "{len_value} données."),
}

# click's modules that build messages with ``_``/``ngettext`` (those absent from a click version are skipped).
_CLICK_MODULES = ("click.core", "click.decorators", "click.exceptions", "click.formatting", "click.parser",
                  "click.types", "click.termui", "click.utils", "click._termui_impl", "click.shell_completion")


def french(message: str) -> str:
    return CLICK_FR.get(message, message)


def french_plural(singular: str, plural: str, n: int) -> str:
    pair = CLICK_FR_PLURAL.get((singular, plural))
    if pair is None:
        return singular if n == 1 else plural
    return pair[0] if n <= 1 else pair[1]  # French: 0 and 1 take the singular


def translator(language: str) -> tuple[Callable[[str], str], Callable[[str, str, int], str]]:
    """The (gettext, ngettext) pair for ``language``: the catalogue above, or the standard library's
    (click's English) for ``en``."""
    if language == "fr":
        return french, french_plural
    return gettext.gettext, gettext.ngettext


def choose_language(args: Sequence[str], env: Mapping[str, str]) -> str:
    """``--lang XX`` given before the command name, else ``WIKICLUB_LANG``, else French. Only the
    options before the first word that is no option count: ``wikiclub search X --lang en`` is the
    search's language, not the interface's."""
    chosen = env.get(ENV_LANG, "").strip().lower()
    it = iter(args)
    for arg in it:
        if arg == "--lang":
            chosen = next(it, "").strip().lower()
        elif arg.startswith("--lang="):
            chosen = arg.split("=", 1)[1].strip().lower()
        elif not arg.startswith("-"):
            break
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def use_language(language: str) -> None:
    """Point click's ``_`` and ``ngettext`` at ``language``'s translator (the CLI's root calls this
    before it parses anything; see the module docstring for why)."""
    tr, ntr = translator(language)
    for name in _CLICK_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # a module another click version lacks
            continue
        if hasattr(module, "_"):
            module._ = tr  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ntr  # type: ignore[attr-defined]


def current_language() -> str:
    """The interface language of the command being run (the root context's choice), else the
    environment's."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        found = ctx.find_root().meta.get(META_KEY)
        if isinstance(found, str):
            return found
    return choose_language((), os.environ)


META_KEY = "wikiclub.lang"


class HelpFormatter(click.HelpFormatter):
    """Help texts click captured when a command was built (``--help``'s, ``--version``'s) are
    translated when help is written."""

    def write_heading(self, heading: str) -> None:
        if current_language() == "en":
            super().write_heading(heading)
        else:  # French typography: a space before the colon
            self.write(f"{'':>{self.current_indent}}{heading} :\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        tr, _ = translator(current_language())
        super().write_dl([(term, _translate_help(text, tr)) for term, text in rows], col_max, col_spacing)


def _translate_help(text: str, tr: Callable[[str], str]) -> str:
    english = {v: k for k, v in CLICK_FR.items()}.get(text, text)  # captured in French earlier: back to the msgid
    return tr(english) if english in CLICK_FR else text


class Context(click.Context):
    formatter_class = HelpFormatter
