"""Reading Wikidata JSON dumps — the one reader the sandbox loader, the local index and the property
catalogue share.

The format is Wikidata's ``latest-all.json``: one entity per line, optionally wrapped in ``[`` and
``]`` lines with a comma after each entity; plain, ``.gz`` or ``.bz2``. A malformed line is an
:class:`~wikiclub.errors.InputError` naming the file, the line and what is wrong.
"""

from __future__ import annotations

import bz2
import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .errors import InputError
from .wbjson import Entity

_ENTITY_ID = re.compile(r"[QP][1-9]\d*")
HINT = ('Each line of a Wikidata JSON dump must be one entity object ({"type": "item", "id": "Q…", …}), '
        'optionally between "[" and "]" lines.')


def open_dump(path: Path) -> IO[str]:
    """A text stream over the dump, decompressed by its suffix; the caller closes it."""
    if not path.is_file():
        raise InputError(f"{path}: no such dump file",
                         hint="Donnez le chemin d'un dump JSON Wikidata / give the path of a Wikidata JSON dump.")
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    if path.suffix == ".bz2":
        return bz2.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")  # noqa: SIM115 (closed by the caller's with)


def problem(path: Path, lineno: int, what: str) -> InputError:
    return InputError(f"{path}, line {lineno}: {what}", hint=HINT)


def parse_lines(path: Path, stream: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, entity) for each entity line of an open dump; InputError for anything else."""
    yield from _entity_lines(path, stream)


def _entity_lines(path: Path, stream: IO[str]) -> Iterator[tuple[int, Any]]:
    """The checks of :func:`parse_lines`; each entity is decoded JSON (an object with an entity id,
    a type that fits it and a property's datatype), typed by the callers: a plain dict for the
    sandbox, a :class:`~wikiclub.wbjson.Entity` for the readers of dumps (:func:`iter_dump`)."""
    for lineno, line in enumerate(stream, start=1):
        text = line.strip()
        if text.endswith(","):
            text = text[:-1].rstrip()
        if not text or text in ("[", "]"):
            continue
        try:
            entity = json.loads(text)
        except json.JSONDecodeError as exc:
            raise problem(path, lineno, f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        except UnicodeDecodeError as exc:
            raise problem(path, lineno, f"not UTF-8 ({exc.reason})") from None
        if not isinstance(entity, dict):
            raise problem(path, lineno, f"expected an entity object, found {type(entity).__name__}")
        eid = entity.get("id")
        etype = entity.get("type")
        if not isinstance(eid, str) or not _ENTITY_ID.fullmatch(eid):
            raise problem(path, lineno, f"missing or malformed entity id {eid!r}")
        if etype not in ("item", "property") or (etype == "item") != eid.startswith("Q"):
            raise problem(path, lineno, f"entity {eid} has type {etype!r}; expected "
                                        f"{'item' if eid.startswith('Q') else 'property'}")
        if etype == "property" and not isinstance(entity.get("datatype"), str):
            raise problem(path, lineno, f"property {eid} has no datatype")
        yield lineno, entity


def iter_dump(path: Path) -> Iterator[Entity]:
    """The entities of a dump file, in order."""
    try:
        with open_dump(path) as stream:
            for _lineno, entity in _entity_lines(path, stream):
                yield entity
    except (OSError, EOFError) as exc:  # truncated .gz/.bz2, unreadable file
        raise InputError(f"{path}: cannot be read ({exc})", hint=HINT) from None
