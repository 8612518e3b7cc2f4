"""Output paths checked while the command line is read, before any work starts.

Every option that names a file or folder to write uses :class:`OutputPath`: a path that cannot be
written (its folder missing, a regular file where a folder should be, a folder where a file should be,
a read-only folder) stops the command with a message that says which option, what is wrong and how to
fix it — before a sheet is read, a request is sent or an hour of reconciliation is spent.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import UsageError

if TYPE_CHECKING:  # click ≥ 8.2 types ParamType by the value it returns; older click is not generic
    _PathParamType = click.ParamType[Path]
else:
    _PathParamType = click.ParamType


def _nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists (``path`` made absolute first)."""
    current = path.absolute()
    while not current.exists() and current != current.parent:
        current = current.parent
    return current


def output_problem(path: Path, *, directory: bool = False, create_parents: bool = False) -> str | None:
    """Why ``path`` cannot be written as an output (a file, or a folder with ``directory``), or None.

    ``create_parents``: the command creates missing folders on the way (so only the nearest existing
    one must be a writable folder); otherwise the folder that will hold ``path`` must exist already.
    """
    if path.exists():
        if directory and not path.is_dir():
            return f"{path} est un fichier, pas un dossier / is a file, not a folder"
        if not directory and path.is_dir():
            return f"{path} est un dossier, pas un fichier / is a folder, not a file"
        target = path if directory else path.absolute().parent
        if not os.access(target, os.W_OK):
            return f"{target} : écriture interdite / not writable"
        return None
    parent = path.absolute().parent
    existing = _nearest_existing(parent)
    if not existing.is_dir():
        return f"{existing} est un fichier, pas un dossier / is a file, not a folder (dans / in {path})"
    if existing != parent and not create_parents:
        return f"le dossier {parent} n'existe pas / folder does not exist"
    if not os.access(existing, os.W_OK):
        return f"{existing} : écriture interdite / not writable"
    return None


def check_output(path: Path, option: str, *, directory: bool = False, create_parents: bool = False) -> Path:
    """``path`` when it can be written, else a ``UsageError`` naming ``option``."""
    problem = output_problem(path, directory=directory, create_parents=create_parents)
    if problem is not None:
        raise UsageError(f"{option} {path} : {problem}.",
                         "Choisissez un chemin dans un dossier existant où vous pouvez écrire (créez-le "
                         "d'abord au besoin) / choose a path in an existing folder you can write to.")
    return path


class OutputPath(_PathParamType):
    """A click type for an output file or folder, checked with :func:`output_problem` as the command
    line is read (so before the command does any work)."""

    name = "path"

    def __init__(self, *, directory: bool = False, create_parents: bool = False) -> None:
        self.directory = directory
        self.create_parents = create_parents

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        path = value if isinstance(value, Path) else Path(str(value))
        option = "/".join(param.opts) if param is not None and param.opts else "PATH"
        return check_output(path, option, directory=self.directory, create_parents=self.create_parents)
