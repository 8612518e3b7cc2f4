"""Settings: one frozen object resolved from flag > ``WIKICLUB_*`` environment > ``wikiclub.toml`` > default.

Nothing here is global: :func:`load_settings` reads the environment and the file it is given (or
``./wikiclub.toml``) and returns a :class:`Settings`; every stage receives that object. Each value
remembers where it came from (``Settings.origin(key)``) so ``wikiclub config`` can tell the user
which line to change.

Credentials never live in ``wikiclub.toml`` (it is meant to be committed next to the mappings); a
password found there is refused. See :mod:`wikiclub.credentials`.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError

CONFIG_FILENAME = "wikiclub.toml"
ENV_PREFIX = "WIKICLUB_"
WIKIDATA_CONCEPT_BASE = "http://www.wikidata.org/entity/"
DEFAULT_CREDENTIALS_FILE = "~/.config/wikiclub/credentials.toml"


@dataclass(frozen=True)
class SiteConfig:
    """One wiki: its Action API, its SPARQL endpoint (if any), its RDF concept base (the URI prefix of
    its entities in SPARQL answers, if known) and the URL prefix of an entity's page (if known).

    Nothing is guessed from the API's URL: a wiki given by URL only has an API until ``sparql_url``,
    ``concept_base`` and ``entity_url`` are set (see docs/configuration.md).
    """

    name: str
    api_url: str
    sparql_url: str | None = None
    concept_base: str | None = None
    entity_url: str | None = None  # "https://www.wikidata.org/wiki/": the entity id is appended

    @property
    def host(self) -> str:
        return urlsplit(self.api_url).hostname or ""

    @property
    def is_local(self) -> bool:
        return is_local_host(self.host)

    @property
    def entity_page_url(self) -> str:
        """The prefix of an entity's page (the entity id is appended): see :func:`entity_page_url`."""
        return entity_page_url(self.api_url, self.entity_url)


def default_cache_dir() -> Path:
    """``WIKICLUB_CACHE_DIR``, else ``$XDG_CACHE_HOME/wikiclub`` (~/.cache/wikiclub): property catalogues,
    siteinfo, the index of a wiki without CirrusSearch."""
    return Path(os.environ.get("WIKICLUB_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "wikiclub"))


def entity_page_url(api_url: str, entity_url: str | None = None) -> str:
    """``entity_url`` when known, else ``Special:EntityPage/`` through the wiki's ``index.php`` (next to
    ``api.php`` on every MediaWiki), which leads to the entity's page on any Wikibase whatever its
    namespaces and article path."""
    if entity_url:
        return entity_url
    return api_url.rsplit("/", 1)[0] + "/index.php?title=Special:EntityPage/"


SANDBOX_SERVER = "http://127.0.0.1:8765"


def sandbox_site(server: str = SANDBOX_SERVER) -> SiteConfig:
    """The embedded sandbox (``wikiclub sandbox serve``) at ``server``: its own layout (``/w/api.php``,
    ``/sparql``, pages at ``/wiki/Q1``) and Wikidata's concept base, its default, so the same report
    queries run on both. Used only when the site chosen is ``sandbox`` or ``sandbox:<server URL>``."""
    server = server.rstrip("/")
    return SiteConfig("sandbox", f"{server}/w/api.php", f"{server}/sparql", WIKIDATA_CONCEPT_BASE,
                      f"{server}/wiki/")


# Politeness defaults per site, used when no flag, variable or wikiclub.toml sets the key. The local
# sandbox is nobody's shared server: no throttle (Wikidata's default is 6 edits per minute, 10 s apart,
# which made a demo push of 16 people last 2 min 31 s).
SITE_DEFAULTS: Mapping[str, Mapping[str, float]] = {
    "sandbox": {"throttle": 0.0},
}

BUILTIN_SITES: Mapping[str, SiteConfig] = {
    "wikidata": SiteConfig("wikidata", "https://www.wikidata.org/w/api.php",
                           "https://query.wikidata.org/sparql", WIKIDATA_CONCEPT_BASE,
                           "https://www.wikidata.org/wiki/"),
    "sandbox": sandbox_site(),
}


@dataclass(frozen=True)
class WikiProject:
    """The WikiProject whose items wikiclub edits and reports on (docs/architecture.md, « The WikiProject »)."""

    name: str = ""
    focus_item: str | None = None  # value of P5008 ("on focus list of Wikimedia project")
    regions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("fr", "en")
    query: str = ""  # optional SPARQL group pattern binding ?item: more items of the WikiProject


@dataclass(frozen=True)
class Settings:
    site: SiteConfig
    sites: tuple[SiteConfig, ...]
    project: WikiProject
    contact: str | None = None
    # Edits per minute. 6 = one edit every 10 s, pywikibot's default put_throttle: safe for an
    # account without the bot flag (Wikidata's rate limit for plain users is far above it).
    throttle: float = 6.0
    maxlag: int = 5
    retries: int = 5
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    # WDQS stops a query after 60 s; we wait a little longer so its own timeout answer reaches us.
    sparql_timeout: float = 65.0
    credentials_file: Path = field(default_factory=lambda: Path(DEFAULT_CREDENTIALS_FILE).expanduser())
    config_file: Path | None = None
    origins: tuple[tuple[str, str], ...] = ()

    def origin(self, key: str) -> str:
        """Where a value came from: ``flag``, ``env WIKICLUB_X``, ``<file> [section] key`` or ``default``."""
        return dict(self.origins).get(key, "default")

    def site_named(self, name: str) -> SiteConfig:
        for site in self.sites:
            if site.name == name:
                return site
        raise ConfigError(f"Site inconnu / unknown site: {name!r}",
                          f"choisissez / choose {', '.join(s.name for s in self.sites)}, ou l'URL d'un api.php / "
                          "or an api.php URL")

    @property
    def timeouts(self) -> tuple[float, float]:
        """(connect, read) seconds, as requests takes them."""
        return (self.connect_timeout, self.read_timeout)

    @property
    def edit_interval(self) -> float:
        """Seconds to leave between two edits (0 = no throttle)."""
        return 60.0 / self.throttle if self.throttle > 0 else 0.0


def is_local_host(host: str) -> bool:
    """True for loopback hosts (127.0.0.0/8, ::1, localhost): no User-Agent contact needed there."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ---- the keys ------------------------------------------------------------------------------------

def _to_str(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("un texte entre guillemets / a text value in quotes")
    return value


def _to_float(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError("un nombre / a number")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError("un nombre / a number") from None
    if number < 0:
        raise ValueError("un nombre ≥ 0 / a number ≥ 0")
    return number


def _to_int(value: object) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError("un nombre entier / a whole number")
    try:
        number: int = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValueError("un nombre entier / a whole number") from None
    if number < 0:
        raise ValueError("un nombre entier ≥ 0 / a whole number ≥ 0")
    return number


def _to_list(value: object) -> tuple[str, ...]:
    if isinstance(value, str):  # from the environment: "fr,en,cr"
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError('une liste de textes / a list of texts, p. ex. ["fr", "en"]')


def _to_item(value: object) -> str:
    text = _to_str(value).strip()
    if not (text[:1] == "Q" and text[1:].isdigit()):
        raise ValueError("un identifiant d'élément / an item id, p. ex. Q12345")
    return text


def _to_items(value: object) -> tuple[str, ...]:
    return tuple(_to_item(v) for v in _to_list(value))


@dataclass(frozen=True)
class _Key:
    name: str  # "throttle", "project.languages"
    section: str  # table in wikiclub.toml
    toml_key: str
    convert: Callable[[object], Any]
    example: str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper().replace(".", "_")


KEYS: tuple[_Key, ...] = (
    _Key("site", "wikiclub", "site", _to_str, 'site = "sandbox"'),
    _Key("sparql_url", "wikiclub", "sparql_url", _to_str, 'sparql_url = "http://127.0.0.1:8765/sparql"'),
    _Key("concept_base", "wikiclub", "concept_base", _to_str, 'concept_base = "https://wiki.example.org/entity/"'),
    _Key("entity_url", "wikiclub", "entity_url", _to_str, 'entity_url = "https://wiki.example.org/wiki/Item:"'),
    _Key("contact", "wikiclub", "contact", _to_str, 'contact = "User:MonNom; moi@example.org"'),
    _Key("throttle", "wikiclub", "throttle", _to_float, "throttle = 6"),
    _Key("maxlag", "wikiclub", "maxlag", _to_int, "maxlag = 5"),
    _Key("retries", "wikiclub", "retries", _to_int, "retries = 5"),
    _Key("connect_timeout", "wikiclub", "connect_timeout", _to_float, "connect_timeout = 10"),
    _Key("read_timeout", "wikiclub", "read_timeout", _to_float, "read_timeout = 60"),
    _Key("sparql_timeout", "wikiclub", "sparql_timeout", _to_float, "sparql_timeout = 65"),
    _Key("credentials_file", "wikiclub", "credentials_file", _to_str,
         'credentials_file = "~/.config/wikiclub/credentials.toml"'),
    _Key("project.name", "project", "name", _to_str, 'name = "WikiProjet Croissant boréal"'),
    _Key("project.focus_item", "project", "focus_item", _to_item, 'focus_item = "Q123456"'),
    _Key("project.regions", "project", "regions", _to_items, 'regions = ["Q176"]'),
    _Key("project.languages", "project", "languages", _to_list, 'languages = ["fr", "en", "cr"]'),
    _Key("project.query", "project", "query", _to_str, 'query = "?item wdt:P361 wd:Q123 ."'),
)
_KEYS_BY_NAME = {k.name: k for k in KEYS}
_SITE_FIELDS = {"api": "api_url", "sparql": "sparql_url", "concept_base": "concept_base", "entity_url": "entity_url"}
# keys of [wikiclub] that override a field of the chosen site
_SITE_OVERRIDES = ("sparql_url", "concept_base", "entity_url")
_SECRET_WORDS = ("password", "secret", "token")


def find_config_file(explicit: str | os.PathLike[str] | None, env: Mapping[str, str],
                     cwd: Path) -> Path | None:
    """``--config`` > ``WIKICLUB_CONFIG`` > ``./wikiclub.toml`` if it exists."""
    if explicit:
        return Path(explicit).expanduser()
    if env.get(ENV_PREFIX + "CONFIG"):
        return Path(env[ENV_PREFIX + "CONFIG"]).expanduser()
    candidate = cwd / CONFIG_FILENAME
    return candidate if candidate.is_file() else None


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"Fichier de configuration introuvable / config file not found: {path}",
                          "créez-le avec « wikiclub init », ou corrigez --config / WIKICLUB_CONFIG / create one "
                          "with `wikiclub init`") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML invalide / invalid TOML: {exc}",
                          "corrigez cette ligne : textes entre guillemets droits, listes [\"a\", \"b\"] / fix that "
                          "line (strings need double quotes)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: illisible / unreadable: {exc.strerror}",
                          "vérifiez les droits du fichier / check the file's permissions") from None


def _check_no_secrets(doc: Mapping[str, Any], path: Path, prefix: str = "") -> None:
    for key, value in doc.items():
        where = f"{prefix}{key}"
        if any(word in key.lower() for word in _SECRET_WORDS):
            raise ConfigError(f"{path}: « {where} » — pas de mot de passe ni de jeton dans wikiclub.toml / no "
                              "password or token in wikiclub.toml",
                              "retirez-le ; les identifiants vont dans WIKICLUB_BOT_USER/WIKICLUB_BOT_PASSWORD, "
                              "le user-password.cfg de pywikibot ou ~/.config/wikiclub/credentials.toml "
                              "(voir / see docs/configuration.md)")
        if isinstance(value, Mapping):
            _check_no_secrets(value, path, where + ".")


def _unknown(path: Path, where: str, key: str, known: list[str]) -> ConfigError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = (f"vouliez-vous dire / did you mean « {close[0]} » ?" if close
            else f"clés connues / known keys : {', '.join(sorted(known))}")
    return ConfigError(f"{path}: clé inconnue / unknown key « {key} » dans / in [{where}]", hint)


def _file_values(doc: Mapping[str, Any], path: Path) -> tuple[dict[str, object], list[SiteConfig]]:
    """Flatten the known tables of wikiclub.toml; reject unknown keys (typos would be silently ignored)."""
    values: dict[str, object] = {}
    sections = {"wikiclub", "project", "sites"}
    for section, table in doc.items():
        if section not in sections:
            raise _unknown(path, "top level", section, sorted(sections))
        if not isinstance(table, Mapping):
            raise ConfigError(f"{path}: « {section} » doit être une table / must be a table [{section}]",
                              "voyez le fichier écrit par « wikiclub init » / see the file `wikiclub init` writes")
    for section in ("wikiclub", "project"):
        table = doc.get(section, {})
        known = {k.toml_key: k for k in KEYS if k.section == section}
        for key, value in table.items():
            if key not in known:
                raise _unknown(path, section, key, list(known))
            values[known[key].name] = value
    sites = []
    for name, table in doc.get("sites", {}).items():
        if not isinstance(table, Mapping):
            raise ConfigError(f"{path}: [sites.{name}] doit être une table / must be a table",
                              f'p. ex. / e.g.\n[sites.{name}]\napi = "https://example.org/w/api.php"')
        for key in table:
            if key not in _SITE_FIELDS:
                raise _unknown(path, f"sites.{name}", key, list(_SITE_FIELDS))
        api = table.get("api")
        if not isinstance(api, str) or not api.startswith(("http://", "https://")):
            raise ConfigError(f"{path}: [sites.{name}] api doit être l'URL d'un api.php / must be the URL of an "
                              "api.php", f'p. ex. / e.g. api = "https://{name}.example.org/w/api.php"')
        extra = {_SITE_FIELDS[k]: str(v) for k, v in table.items() if k != "api"}
        sites.append(SiteConfig(name=name, api_url=api, **extra))
    return values, sites


def site_from_url(url: str) -> SiteConfig:
    """A site given as the URL of its api.php (``--site http://127.0.0.1:9000/w/api.php``).

    Only the API is known, on a local host as anywhere else: the SPARQL endpoint, the concept base and
    the entity pages come from ``sparql_url``, ``concept_base`` and ``entity_url`` (flag, environment or
    wikiclub.toml). For the embedded sandbox on another port, name it: ``sandbox:http://127.0.0.1:9000``.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"--site {url!r} n'est ni un nom de site ni une URL http(s) / is neither a site name "
                          "nor an http(s) URL",
                          "donnez un nom de wikiclub.toml [sites.NOM] ou l'URL d'un api.php / give a [sites.NAME] "
                          "name or the URL of an api.php")
    if not parts.path.endswith("api.php"):
        raise ConfigError(f"--site {url!r} ne finit pas par api.php / does not end in api.php",
                          "donnez l'URL de l'API / give the Action API URL, p. ex. https://example.org/w/api.php")
    return SiteConfig(parts.netloc, url)


def _sandbox_from_value(value: str, origin: str) -> SiteConfig:
    """``sandbox:http://127.0.0.1:9000`` — the embedded sandbox served at that address."""
    server = value.split(":", 1)[1]
    parts = urlsplit(server)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/"):
        raise ConfigError(f"{origin}: {value!r} — après « sandbox: », l'adresse du wiki local / after "
                          "« sandbox: », the sandbox's address",
                          "p. ex. / e.g. sandbox:http://127.0.0.1:9000 (l'adresse qu'affiche « wikiclub sandbox "
                          "serve » / what it prints)")
    return sandbox_site(server)


def _chosen_site(name: str, sites: Mapping[str, SiteConfig], origin: str) -> SiteConfig:
    if name.startswith(("http://", "https://")):
        return site_from_url(name)
    if name.startswith("sandbox:"):
        return _sandbox_from_value(name, origin)
    if name in sites:
        return sites[name]
    raise ConfigError(f"{origin}: site inconnu / unknown site {name!r}",
                      f"choisissez / choose {', '.join(sites)}, l'URL d'un api.php, ou ajoutez / or add "
                      f"[sites.{name}] avec / with api = \"…/w/api.php\" à / to wikiclub.toml")


def load_settings(flags: Mapping[str, object | None] | None = None, *,
                  config_file: str | os.PathLike[str] | None = None,
                  env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Settings:
    """Resolve every key: flag (not None) > ``WIKICLUB_<KEY>`` > wikiclub.toml > default.

    ``flags`` uses the key names of :data:`KEYS` (``site``, ``contact``, ``project.languages`` …).
    """
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    env = os.environ if env is None else env
    cwd = cwd or Path.cwd()
    for name in flags:
        if name not in _KEYS_BY_NAME:
            raise ValueError(f"unknown settings key {name!r}")  # a programming error, not a user one
    path = find_config_file(config_file, env, cwd)
    doc = read_config_file(path) if path else {}
    if path:
        _check_no_secrets(doc, path)
    file_values, file_sites = _file_values(doc, path) if path else ({}, [])
    resolved, origins = _resolve_keys(flags, env, file_values, path)

    sites = {**BUILTIN_SITES, **{s.name: s for s in file_sites}}
    site = _chosen_site(resolved.get("site", "wikidata"), sites, origins.get("site", "site"))
    overrides = {k: resolved[k] for k in _SITE_OVERRIDES if k in resolved}
    if overrides:
        site = replace(site, **overrides)
    if site.name not in sites:
        sites[site.name] = site

    project = WikiProject(
        name=resolved.get("project.name", ""),
        focus_item=resolved.get("project.focus_item"),
        regions=resolved.get("project.regions", ()),
        languages=resolved.get("project.languages", WikiProject().languages),
        query=resolved.get("project.query", ""),
    )
    for key, value in SITE_DEFAULTS.get(site.name, {}).items():
        if key not in resolved:
            resolved[key] = value
            origins[key] = f"défaut du site / default for site {site.name}"
    return Settings(site=site, sites=tuple(sites.values()), project=project, config_file=path,
                    origins=tuple(origins.items()), **_scalars(resolved, origins))


def _resolve_keys(flags: Mapping[str, object], env: Mapping[str, str], file_values: Mapping[str, object],
                  path: Path | None) -> tuple[dict[str, Any], dict[str, str]]:
    """Every key given somewhere, converted, and where it came from: flag > environment > file."""
    resolved: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key in KEYS:
        if key.name in flags:
            raw, origin, fix = flags[key.name], "flag", f"--{key.name.split('.')[-1].replace('_', '-')}"
        elif env.get(key.env, "") != "":
            raw, origin, fix = env[key.env], f"env {key.env}", f"la variable d'environnement / the variable {key.env}"
        elif key.name in file_values:
            raw, origin = file_values[key.name], f"{path} [{key.section}] {key.toml_key}"
            fix = f"{path}, [{key.section}]"
        else:
            continue
        try:
            resolved[key.name] = key.convert(raw)
        except ValueError as exc:
            raise ConfigError(f"{origin}: {raw!r} n'est pas / is not {exc}",
                              f"corrigez / fix {fix}, p. ex. / e.g. {key.example}") from None
        origins[key.name] = origin
    return resolved, origins


def _scalars(resolved: Mapping[str, Any], origins: Mapping[str, str]) -> dict[str, Any]:
    """The plain fields of :class:`Settings` that were given (the others keep their defaults)."""
    scalars: dict[str, Any] = {k: resolved[k] for k in ("contact", "throttle", "maxlag", "retries", "connect_timeout",
                                        "read_timeout", "sparql_timeout") if k in resolved}
    if scalars.get("contact") is not None and not scalars["contact"].strip():
        scalars["contact"] = None
    if "credentials_file" in resolved:
        scalars["credentials_file"] = Path(resolved["credentials_file"]).expanduser()
    _check_maxlag(scalars, origins)
    if scalars.get("retries") == 0:
        raise ConfigError(f"{origins['retries']}: retries vaut au moins 1 (1 = aucune reprise) / must be at least 1",
                          "p. ex. / e.g. retries = 5")
    return scalars


def _check_maxlag(scalars: Mapping[str, Any], origins: Mapping[str, str]) -> None:
    """maxlag below 1 is refused, naming the setting: the wiki's answer alone (« slow down ») hides the cause."""
    if scalars.get("maxlag") is not None and scalars["maxlag"] < 1:
        raise ConfigError(f"{origins['maxlag']}: maxlag = {scalars['maxlag']} — doit être au moins 1 / must be "
                          "at least 1: a wiki's replicas always lag a little, so with maxlag below 1 the wiki "
                          "refuses every request (« the wiki asks to slow down »)",
                          "e.g. maxlag = 5 (Wikimedia's recommendation)")


def describe_settings(settings: Settings) -> list[tuple[str, str, str]]:
    """(key, value, origin) rows for ``wikiclub config``. Holds no secret: Settings never has one."""
    rows: list[tuple[str, str, str]] = [
        ("config_file", str(settings.config_file or "(none)"), "--config / WIKICLUB_CONFIG / ./wikiclub.toml"),
        ("site", settings.site.name, settings.origin("site")),
        ("site.api_url", settings.site.api_url, settings.origin("site")),
        ("site.sparql_url", settings.site.sparql_url or "(none)",
         settings.origin("sparql_url") if settings.origin("sparql_url") != "default"
         else settings.origin("site")),
    ]
    for field_name in ("concept_base", "entity_url"):
        origin = settings.origin(field_name)
        rows.append((f"site.{field_name}", getattr(settings.site, field_name) or "(unknown)",
                     origin if origin != "default" else settings.origin("site")))
    for key in KEYS:
        if key.name in ("site", *_SITE_OVERRIDES):
            continue
        if key.name.startswith("project."):
            value: object = getattr(settings.project, key.name.split(".", 1)[1])
        else:
            value = getattr(settings, key.name)
        if isinstance(value, tuple):
            value = ", ".join(value) if value else "(none)"
        rows.append((key.name, "(none)" if value in (None, "") else str(value), settings.origin(key.name)))
    return rows
