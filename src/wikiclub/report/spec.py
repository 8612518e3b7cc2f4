"""What a coverage report measures: which items, grouped how, with which columns.

The WikiProject itself (name, regions, focus item, languages) comes from ``wikiclub.toml``
(:class:`~wikiclub.config.WikiProject`). The dashboard definition lives in a small TOML file,
``wikiclub-report.toml`` by default (``wikiclub report --spec FILE``)::

    [selection]
    regions = true        # items whose P131 chain reaches one of [project] regions
    focus_list = true     # items with P5008 = [project] focus_item
    query = ""            # optional SPARQL group pattern binding ?item (added to the others)

    [defaults]
    properties = ["P131", "P625", "P856", "P571", "P18"]
    sitelinks = ["frwiki", "enwiki"]
    worklist = 30          # items listed per group on the to-do list

    [[groups]]
    name = "Organismes"
    classes = ["Q43229"]
    subclasses = true      # P31 = the class or any subclass (P279*)
    properties = ["P131", "P856", "P571", "P159", "P968"]

Without ``[[groups]]`` the report groups items by their P31 value (as Integraality does) with the
default properties. Every group is measured on labels and descriptions in each of the project's
languages, the listed sitelinks, its properties, and the share of referenced statements.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import WikiProject
from ..errors import ConfigError
from .model import ALL_GROUP, GroupSpec, Measure

SPEC_FILENAME = "wikiclub-report.toml"
DEFAULT_PROPERTIES = ("P131", "P625", "P856", "P571", "P18")
DEFAULT_SITELINKS = ("frwiki", "enwiki")
DEFAULT_WORKLIST = 30
_PID = re.compile(r"^P[1-9]\d*$")
_QID = re.compile(r"^Q[1-9]\d*$")
_SITE = re.compile(r"^[a-z][a-z0-9_]*$")
_KNOWN = {"selection": {"regions", "focus_list", "query"},
          "defaults": {"properties", "sitelinks", "worklist"},
          "groups": {"name", "classes", "subclasses", "properties", "sitelinks", "worklist"}}


@dataclass(frozen=True)
class Selection:
    """Which items belong to the WikiProject (the union of the parts that are set)."""

    regions: tuple[str, ...] = ()
    focus_item: str | None = None
    query: str = ""  # a SPARQL group pattern that binds ?item

    @property
    def empty(self) -> bool:
        return not (self.regions or self.focus_item or self.query.strip())


@dataclass(frozen=True)
class ReportSpec:
    selection: Selection
    regions: tuple[str, ...]  # region buckets, in priority order (an item counts in the first it reaches)
    languages: tuple[str, ...]
    groups: tuple[GroupSpec, ...]  # configured groups; empty = one group per P31 value
    overall: GroupSpec  # all items of the WikiProject
    default_measures: tuple[Measure, ...]  # for P31 groups
    default_worklist: tuple[str, ...]
    worklist_size: int = DEFAULT_WORKLIST
    name: str = ""

    @property
    def by_p31(self) -> bool:
        return not self.groups


def _measures(properties: tuple[str, ...], languages: tuple[str, ...], sitelinks: tuple[str, ...]
              ) -> tuple[Measure, ...]:
    out = [Measure("label", lang) for lang in languages]
    out += [Measure("description", lang) for lang in languages]
    out += [Measure("sitelink", site) for site in sitelinks]
    out += [Measure("property", pid) for pid in properties]
    return tuple(dict.fromkeys(out))


def _ids(value: Any, pattern: re.Pattern[str], where: str, example: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and pattern.match(v) for v in value):
        raise ConfigError(f"{where}: attendu une liste / expected a list like {example}, got {value!r}",
                          f"e.g. {example}")
    return tuple(value)


def _check_known_keys(doc: dict[str, Any], where: str) -> None:
    """Every section and key of the file is one we know (a typo must not be silently ignored)."""
    for section, table in doc.items():
        if section not in _KNOWN:
            raise ConfigError(f"{where}: section inconnue / unknown section [{section}]",
                              f"known sections: {', '.join(sorted(_KNOWN))}")
        for entry in (table if isinstance(table, list) else [table]):
            if not isinstance(entry, dict):
                raise ConfigError(f"{where}: [{section}] must be a table", "see docs/reports.md")
            unknown = set(entry) - _KNOWN[section]
            if unknown:
                raise ConfigError(f"{where}: clé inconnue / unknown key {sorted(unknown)[0]!r} in [{section}]",
                                  f"known keys: {', '.join(sorted(_KNOWN[section]))}")


def _selection(project: WikiProject, sel: dict[str, Any], where: str) -> Selection:
    # The WikiProject's own query (wikiclub.toml [project] query) unless the dashboard overrides it.
    query = sel.get("query", project.query)
    if not isinstance(query, str):
        raise ConfigError(f"{where}: [selection] query must be text", 'e.g. query = "?item wdt:P361 wd:Q1 ."')
    if query and "?item" not in query:
        raise ConfigError(f"{where}: [selection] query must bind ?item", 'e.g. query = "?item wdt:P361 wd:Q1 ."')
    selection = Selection(
        regions=project.regions if sel.get("regions", True) else (),
        focus_item=project.focus_item if sel.get("focus_list", True) else None,
        query=query)
    if selection.empty:
        raise ConfigError("Le WikiProjet n'a aucun élément à mesurer / the WikiProject selects no items",
                          "set [project] regions or focus_item in wikiclub.toml, or [selection] query "
                          f"in {where}")
    return selection


def _group(i: int, g: dict[str, Any], props: tuple[str, ...], sites: tuple[str, ...],
           languages: tuple[str, ...], where: str) -> GroupSpec:
    """The ``i``-th ``[[groups]]`` table; its properties and sitelinks default to ``[defaults]``'s."""
    name = g.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: [[groups]] n°{i} has no name", 'e.g. name = "Organismes"')
    classes = _ids(g.get("classes"), _QID, f"{where} [[groups]] {name!r} classes", '["Q43229"]')
    if not classes:
        raise ConfigError(f"{where}: [[groups]] {name!r} has no classes", 'e.g. classes = ["Q43229"]')
    gprops = _ids(g.get("properties", list(props)), _PID, f"{where} [[groups]] {name!r} properties",
                  '["P131", "P856"]')
    gsites = _ids(g.get("sitelinks", list(sites)), _SITE, f"{where} [[groups]] {name!r} sitelinks",
                  '["frwiki"]')
    wl = _ids(g.get("worklist", list(gprops)), _PID, f"{where} [[groups]] {name!r} worklist", '["P856"]')
    return GroupSpec(f"g{i}", name.strip(), classes, bool(g.get("subclasses", True)),
                     _measures(gprops, languages, gsites), wl)


def build_spec(project: WikiProject, doc: dict[str, Any] | None = None, where: str = SPEC_FILENAME) -> ReportSpec:
    """The spec from a parsed ``wikiclub-report.toml`` (``doc``) and the project settings."""
    doc = doc or {}
    _check_known_keys(doc, where)
    defaults = doc.get("defaults", {})
    selection = _selection(project, doc.get("selection", {}), where)
    languages = project.languages or ("fr", "en")
    props = _ids(defaults.get("properties", list(DEFAULT_PROPERTIES)), _PID, f"{where} [defaults] properties",
                 '["P131", "P856"]')
    sites = _ids(defaults.get("sitelinks", list(DEFAULT_SITELINKS)), _SITE, f"{where} [defaults] sitelinks",
                 '["frwiki", "enwiki"]')
    size = defaults.get("worklist", DEFAULT_WORKLIST)
    if not isinstance(size, int) or size < 0:
        raise ConfigError(f"{where}: [defaults] worklist must be a whole number", "e.g. worklist = 30")
    groups = [_group(i, g, props, sites, languages, where) for i, g in enumerate(doc.get("groups", []), start=1)]
    default_measures = _measures(props, languages, sites)
    overall = GroupSpec(ALL_GROUP, "Tous les éléments", (), True, default_measures, props)
    return ReportSpec(selection, project.regions, languages, tuple(groups), overall, default_measures, props,
                      size, project.name)


def load_spec(project: WikiProject, path: Path | None) -> ReportSpec:
    """Read ``path`` (or ``./wikiclub-report.toml`` when it exists; defaults otherwise)."""
    if path is None:
        candidate = Path(SPEC_FILENAME)
        if not candidate.is_file():
            return build_spec(project)
        path = candidate
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"Fichier de rapport introuvable / report spec not found: {path}",
                          "fix --spec, or remove it to use the defaults") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML invalide / invalid TOML: {exc}",
                          "strings need double quotes, lists [\"a\", \"b\"]") from None
    return build_spec(project, doc, str(path))
