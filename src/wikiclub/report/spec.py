"""What a coverage report measures: which items, grouped how, with which columns.

The WikiProject itself (name, regions, focus item, languages) comes from ``wikiclub.toml``
(:class:`~wikiclub.config.WikiProject`). The dashboard definition lives in a small TOML file,
``wikiclub-report.toml`` by default (``wikiclub report --spec FILE``)::

    [selection]
    regions = true        # items located in one of [project] regions (see located_by)
    focus_list = true     # items with P5008 = [project] focus_item
    query = ""            # optional SPARQL group pattern binding ?item (added to the others)
    located_by = ["P131", "P159", "P276"]        # for every item (P131 always counts)
    people_classes = ["Q5"]                      # people are also located by …
    people_located_by = ["P19", "P551", "P937"]  # … birth place, residence, work location

    [defaults]
    properties = ["P131", "P625", "P856", "P571", "P18"]
    sitelinks = ["frwiki", "enwiki"]
    worklist = 30          # items listed per group on the to-do list

    [[groups]]
    name = "Organismes"
    key = "organismes"     # optional stable id (default: from the classes, e.g. "Q43229*")
    classes = ["Q43229"]
    subclasses = true      # P31 = the class or any subclass (P279*)
    properties = ["P131", "P856", "P571", "P159", "P968"]
    located_by = ["P2541"] # optional: more « located by » properties for this group's items

A group's id is its ``key``, or else derived from its definition (its sorted classes, ``*`` when
subclasses count), so reordering or inserting groups never compares different groups.

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
from .model import ALL_GROUP, GroupSpec, LocatedRule, Measure

SPEC_FILENAME = "wikiclub-report.toml"
DEFAULT_PROPERTIES = ("P131", "P625", "P856", "P571", "P18")
DEFAULT_SITELINKS = ("frwiki", "enwiki")
DEFAULT_WORKLIST = 30
# « Located by »: P131 (places, organisations, events), P159 headquarters, P276 location; people
# (Q5 on Wikidata) by place of birth, residence and work location. P131 always counts: the regions'
# P131 tree is what « in the region » means.
LOCATED_BY = ("P131", "P159", "P276")
PEOPLE_CLASSES = ("Q5",)
PEOPLE_LOCATED_BY = ("P19", "P551", "P937")
PARENT = "P131"
_PID = re.compile(r"^P[1-9]\d*$")
_QID = re.compile(r"^Q[1-9]\d*$")
_SITE = re.compile(r"^[a-z][a-z0-9_]*$")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+*-]{0,63}$")
_KNOWN = {"selection": {"regions", "focus_list", "query", "located_by", "people_classes", "people_located_by"},
          "defaults": {"properties", "sitelinks", "worklist"},
          "groups": {"name", "key", "classes", "subclasses", "properties", "sitelinks", "worklist", "located_by"}}


@dataclass(frozen=True)
class Selection:
    """Which items belong to the WikiProject (the union of the parts that are set)."""

    regions: tuple[str, ...] = ()
    focus_item: str | None = None
    query: str = ""  # a SPARQL group pattern that binds ?item
    located_by: tuple[LocatedRule, ...] = (LocatedRule((), LOCATED_BY),
                                           LocatedRule(PEOPLE_CLASSES, PEOPLE_LOCATED_BY))

    @property
    def empty(self) -> bool:
        return not (self.regions or self.focus_item or self.query.strip())

    @property
    def link_properties(self) -> tuple[str, ...]:
        """Every « located by » property some rule uses (P131 first)."""
        return tuple(dict.fromkeys((PARENT, *(p for r in self.located_by for p in r.properties))))


def group_key(classes: tuple[str, ...], subclasses: bool) -> str:
    """A group's id from its definition: ``Q43229*`` (and subclasses), ``Q33506`` (P31 exact),
    ``Q5+Q43229*`` (several classes, sorted): the same whatever the group's place or name."""
    ordered = sorted(set(classes), key=lambda q: int(q[1:]) if q[1:].isdigit() else 0)
    return "+".join(ordered) + ("*" if subclasses else "")


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

    @property
    def rules(self) -> tuple[LocatedRule, ...]:
        """The selection's « located by » rules, then each group's own (for its classes)."""
        extra = tuple(LocatedRule(g.classes, g.located_by) for g in self.groups if g.located_by)
        return (*self.selection.located_by, *extra)


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
        query=query, located_by=_rules(sel, where))
    if selection.empty:
        raise ConfigError("Le WikiProjet n'a aucun élément à mesurer / the WikiProject selects no items",
                          "set [project] regions or focus_item in wikiclub.toml, or [selection] query "
                          f"in {where}")
    return selection


def build_spec(project: WikiProject, doc: dict[str, Any] | None = None, where: str = SPEC_FILENAME) -> ReportSpec:
    """The spec from a parsed ``wikiclub-report.toml`` (``doc``) and the project settings."""
    doc = doc or {}
    _check_known_keys(doc, where)
    defaults = doc.get("defaults", {})
    selection = _selection(project, doc.get("selection", {}), where)
    languages = tuple(dict.fromkeys(project.languages or ("fr", "en")))  # each once: the tally counts per fact
    props = _ids(defaults.get("properties", list(DEFAULT_PROPERTIES)), _PID, f"{where} [defaults] properties",
                 '["P131", "P856"]')
    sites = _ids(defaults.get("sitelinks", list(DEFAULT_SITELINKS)), _SITE, f"{where} [defaults] sitelinks",
                 '["frwiki", "enwiki"]')
    size = defaults.get("worklist", DEFAULT_WORKLIST)
    if not isinstance(size, int) or size < 0:
        raise ConfigError(f"{where}: [defaults] worklist must be a whole number", "e.g. worklist = 30")
    groups = _groups(doc.get("groups", []), where, languages, props, sites)
    default_measures = _measures(props, languages, sites)
    overall = GroupSpec(ALL_GROUP, "Tous les éléments", (), True, default_measures, props)
    return ReportSpec(selection, project.regions, languages, tuple(groups), overall, default_measures, props,
                      size, project.name)


def _rules(sel: dict[str, Any], where: str) -> tuple[LocatedRule, ...]:
    everyone = _ids(sel.get("located_by", list(LOCATED_BY)), _PID, f"{where} [selection] located_by",
                    '["P131", "P159", "P276"]')
    people = _ids(sel.get("people_classes", list(PEOPLE_CLASSES)), _QID, f"{where} [selection] people_classes",
                  '["Q5"]')
    people_by = _ids(sel.get("people_located_by", list(PEOPLE_LOCATED_BY)), _PID,
                     f"{where} [selection] people_located_by", '["P19", "P551", "P937"]')
    rules = [LocatedRule((), tuple(dict.fromkeys((PARENT, *everyone))))]
    if people and people_by:
        rules.append(LocatedRule(people, people_by))
    return tuple(rules)


def _group(g: dict[str, Any], i: int, where: str, languages: tuple[str, ...], props: tuple[str, ...],
           sites: tuple[str, ...]) -> GroupSpec:
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
    located = _ids(g.get("located_by", []), _PID, f"{where} [[groups]] {name!r} located_by", '["P2541"]')
    subclasses = bool(g.get("subclasses", True))
    key = g.get("key", group_key(classes, subclasses))
    if not isinstance(key, str) or not _KEY.match(key) or key == ALL_GROUP:
        raise ConfigError(f"{where}: [[groups]] {name!r}: key {key!r} invalide / invalid",
                          'letters, digits and . _ - + * (not "all"), e.g. key = "organismes"')
    return GroupSpec(key, name.strip(), classes, subclasses, _measures(gprops, languages, gsites), wl, located)


def _groups(docs: list[dict[str, Any]], where: str, languages: tuple[str, ...], props: tuple[str, ...],
            sites: tuple[str, ...]) -> list[GroupSpec]:
    groups: list[GroupSpec] = []
    for i, g in enumerate(docs, start=1):
        group = _group(g, i, where, languages, props, sites)
        same = next((o for o in groups if o.id == group.id), None)
        if same is not None:
            raise ConfigError(f"{where}: [[groups]] {same.name!r} et {group.name!r} ont le même identifiant / "
                              f"share the id {group.id!r}", "give one of them a key, e.g. key = \"autres\"")
        groups.append(group)
    return groups


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
