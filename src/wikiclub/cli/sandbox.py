"""``wikiclub sandbox …``: run the local Wikibase-compatible wiki and manage its accounts.

Thin wrappers over :mod:`wikiclub.sandbox` (server, users, load); see docs/sandbox.md.
"""

from __future__ import annotations

import dataclasses
import errno
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import click

from ..config import SANDBOX_SERVER
from ..dumps import iter_dump
from ..errors import ConfigError, UsageError
from ..sandbox.config import WIKIDATA_CONCEPT_BASE, FaultConfig, SandboxConfig
from .app import main
from .paths import OutputPath

DEFAULT_DATA = Path(".sandbox")
SANDBOX_EXTRA = ("werkzeug", "pyoxigraph")  # what ``pip install 'wikiclub[sandbox]'`` adds
FAULT_FIELDS = {f.name: f.type for f in dataclasses.fields(FaultConfig) if f.name != "seed"}


@main.group("sandbox")
def sandbox_group() -> None:
    """Wiki local de test (API Wikibase + SPARQL) / local test wiki (Wikibase API + SPARQL).

    \b
    Exemple / example:
      wikiclub sandbox create-user Robot --bot
      wikiclub sandbox serve --load examples/kb.jsonl
    """


def require_sandbox() -> None:
    """Stop with an installation hint when the ``sandbox`` extra is not installed (the toolkit itself
    runs without it: only ``wikiclub sandbox …`` and ``wikiclub demo`` need the local wiki)."""
    missing = [name for name in SANDBOX_EXTRA if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigError(f"Le wiki local (bac à sable) n'est pas installé / the local sandbox wiki is not "
                          f"installed (manque / missing: {', '.join(missing)}).",
                          "Installez-le / install it: pip install 'wikiclub[sandbox]'")


# ---- option parsing ------------------------------------------------------------------------------------
def parse_rate_limit(spec: str) -> tuple[str, str, tuple[int, float]]:
    """``edit:user:8/60`` → ("edit", "user", (8, 60.0)); the window may be a fraction of a second
    (``edit:user:8/1.5``: the same logic in a short window, for tests)."""
    try:
        action, group, rate = spec.split(":")
        count, seconds = rate.split("/")
        parsed = (action.strip(), group.strip(), (int(count), float(seconds)))
    except ValueError:
        raise UsageError(f"--rate-limit {spec!r}: expected ACTION:GROUP:COUNT/SECONDS",
                         hint="Par exemple / for example: --rate-limit edit:user:8/60") from None
    if not parsed[0] or not parsed[1] or parsed[2][0] < 0 or parsed[2][1] <= 0:
        raise UsageError(f"--rate-limit {spec!r}: empty name or bad numbers",
                         hint="Par exemple / for example: --rate-limit edit:user:8/60")
    return parsed


def parse_faults(spec: str, seed: int) -> FaultConfig:
    """``maxlag=0.1,ratelimited=0.05,token_expiry_after=20`` → FaultConfig (unknown names refused)."""
    values: dict[str, float | int] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, raw = part.partition("=")
        name = name.strip().replace("-", "_")
        if name not in FAULT_FIELDS or not raw:
            raise UsageError(f"--faults: unknown or empty fault {part!r}",
                             hint="Fautes possibles / known faults: " + ", ".join(sorted(FAULT_FIELDS)))
        try:
            value: float | int = int(raw) if name in ("token_expiry_after", "retry_after") else float(raw)
        except ValueError:
            raise UsageError(f"--faults: {name} needs a number, got {raw!r}") from None
        if name not in ("token_expiry_after", "retry_after", "slow_seconds") and not 0 <= value <= 1:
            raise UsageError(f"--faults: {name}={raw} is a probability and must be between 0 and 1")
        values[name] = value
    return FaultConfig(seed=seed, **values)  # type: ignore[arg-type]


# ---- dumps -----------------------------------------------------------------------------------------------
def dump_entity_ids(path: Path) -> Iterator[str]:
    """Ids of the entities of a dump (a malformed line is reported with its number)."""
    for entity in iter_dump(path):
        yield entity["id"]


def missing_entities(db: object, ids: list[str]) -> int:
    """How many of ``ids`` the wiki does not have yet."""
    conn = db.conn  # type: ignore[attr-defined]
    have = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        row = conn.execute(f"SELECT COUNT(*) FROM entities WHERE id IN ({','.join('?' * len(chunk))})",
                           chunk).fetchone()
        have += int(row[0])
    return len(ids) - have


def load_if_needed(app: object, path: Path) -> None:
    """Load a dump unless all its entities are already there (restarting with --load is harmless)."""
    from tqdm import tqdm

    from ..sandbox.load import load_dump

    ids = list(dump_entity_ids(path))
    missing = missing_entities(app.db, ids)  # type: ignore[attr-defined]
    if ids and missing == 0:
        click.echo(f"{path}: déjà chargé / already loaded ({len(ids)} entités / entities)")
        return
    with tqdm(total=len(ids), unit="entités/entities", desc=path.name) as bar:
        def progress(done: int) -> None:
            bar.update(done - bar.n)

        stats = load_dump(app, path, progress=progress)  # type: ignore[arg-type]
    click.echo(f"{path}: {stats.entities} entités / entities chargées / loaded en / in {stats.seconds:.1f} s")


# ---- commands ----------------------------------------------------------------------------------------------
@sandbox_group.command("serve", short_help="Lancer le wiki local / run the local wiki.")
@click.option("--port", default=8765, show_default=True, type=int,
              help="Port d'écoute (0 = libre) / port to listen on (0 = any free port).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse / address.")
@click.option("--data", "data_dir", default=DEFAULT_DATA, show_default=True,
              type=OutputPath(directory=True, create_parents=True),
              help="Dossier des données / data folder (SQLite + RDF).")
@click.option("--load", "loads", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Dump JSON Wikidata à charger (.json, .gz, .bz2), répétable / dump to load, repeatable.")
@click.option("--concept-base", default=WIKIDATA_CONCEPT_BASE, show_default=True,
              help="URI de base des entités / concept base URI of entities.")
@click.option("--replication-lag", default=0.0, show_default=True, type=float,
              help="Retard simulé en s (maxlag) / simulated replication lag in s.")
@click.option("--rate-limit", "rate_limits", multiple=True, metavar="ACTION:GROUP:N/S",
              help="Limite façon $wgRateLimits, répétable / rate limit, repeatable (edit:user:8/60).")
@click.option("--faults", default=None, metavar="NAME=P,…",
              help="Fautes injectées / injected faults, e.g. maxlag=0.1,ratelimited=0.05,lost_response=0.02.")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Graine des fautes / fault seed.")
@click.option("--log", "log_path", default=None, type=OutputPath(),
              help="Journal JSON des requêtes / JSON-lines request log.")
@click.option("--sitename", default="wikiclub sandbox", show_default=True, help="Nom du wiki / wiki name.")
@click.option("--search", type=click.Choice(["cirrus", "sql"]), default="cirrus", show_default=True,
              help="cirrus : comme Wikidata (casse et accents ignorés) ; sql : comme un Wikibase nu "
                   "(sensible à la casse) / like Wikidata, or like a bare Wikibase.")
def serve_command(port: int, host: str, data_dir: Path, loads: tuple[Path, ...], concept_base: str,
                  replication_lag: float, rate_limits: tuple[str, ...], faults: str | None, seed: int,
                  log_path: Path | None, sitename: str, search: str) -> None:
    """Lancer le wiki local / run the local wiki (Ctrl-C pour arrêter / to stop).

    \b
    Exemple / example:
      wikiclub sandbox serve --load examples/kb.jsonl --rate-limit edit:user:8/60 \\
          --faults maxlag=0.1,lost_response=0.02 --seed 7 --log requests.jsonl
    """
    require_sandbox()
    from ..sandbox.server import serve

    limits: dict[str, dict[str, tuple[int, float]]] = {}
    for spec in rate_limits:
        action, group, rate = parse_rate_limit(spec)
        limits.setdefault(action, {})[group] = rate
    for path in loads:
        if not path.is_file():
            raise UsageError(f"--load {path}: no such file",
                             hint="Donnez le chemin d'un dump JSON / give the path of a JSON dump.")
    config = SandboxConfig(data_dir=data_dir, host=host, port=port, concept_base=concept_base,
                           sitename=sitename, rate_limits=limits or None, replication_lag=replication_lag,
                           faults=parse_faults(faults, seed) if faults else None, log_path=log_path,
                           search=search)

    def ready(app: object) -> None:
        for path in loads:
            load_if_needed(app, path)
        cfg = app.config  # type: ignore[attr-defined]
        click.echo(f"API:    {cfg.api_url}")
        click.echo(f"SPARQL: {cfg.sparql_url}")
        site = "sandbox" if cfg.server == SANDBOX_SERVER else f"sandbox:{cfg.server}"
        extra = "" if cfg.concept_base == WIKIDATA_CONCEPT_BASE else f" (+ concept_base = \"{cfg.concept_base}\")"
        click.echo(f"wikiclub … --site {site}{extra}")
        click.echo("Ctrl-C pour arrêter / to stop.", err=True)

    try:
        serve(config, on_ready=ready)
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise UsageError(f"cannot listen on {host}:{port} ({exc.strerror or exc})",
                             hint="Choisissez un autre --port / choose another --port (0 = any free port).") from None
        raise UsageError(f"cannot open the sandbox data in {data_dir} ({exc})",
                         hint="Un autre serveur utilise-t-il ce dossier ? Arrêtez-le ou changez --data. / "
                              "Is another sandbox using this folder? Stop it or use another --data.") from None


@sandbox_group.command("create-user", short_help="Créer un compte robot / create a bot account.")
@click.argument("name")
@click.option("--bot", is_flag=True, help="Compte robot (droit noratelimit) / bot account (noratelimit).")
@click.option("--admin", is_flag=True, help="Administrateur (peut supprimer) / administrator (can delete).")
@click.option("--app", "app_name", default="wikiclub", show_default=True,
              help="Nom du BotPassword / BotPassword application name.")
@click.option("--data", "data_dir", default=DEFAULT_DATA, show_default=True,
              type=OutputPath(directory=True, create_parents=True), help="Dossier des données / data folder.")
def create_user_command(name: str, bot: bool, admin: bool, app_name: str, data_dir: Path) -> None:
    """Créer un compte et son BotPassword / create an account and its BotPassword.

    Le mot de passe est affiché une seule fois. Si le compte existe, un nouveau mot de passe remplace
    l'ancien. / The password is shown once; for an existing account a new one replaces the old.

    \b
    Exemple / example:
      wikiclub sandbox create-user Robot --bot --app wikiclub
    """
    require_sandbox()
    from ..sandbox.db import SandboxDB
    from ..sandbox.users import create_bot_password, create_user, get_user

    if not name.strip() or any(c in name for c in "@:#<>[]|{}/"):
        raise UsageError(f"invalid user name {name!r}",
                         hint="Sans @ : # < > [ ] | { } / — without those characters.")
    if not app_name or any(c in app_name for c in "@:# "):
        raise UsageError(f"invalid --app {app_name!r}", hint="Un mot simple / a plain word, e.g. wikiclub.")
    db = SandboxDB(data_dir / "wiki.sqlite")
    try:
        user = get_user(db, name.strip())
        existed = user is not None
        if user is None:
            user = create_user(db, name.strip(), bot=bot, extra_groups=("sysop",) if admin else ())
        password = create_bot_password(db, user, app_name)
    finally:
        db.close()
    state = "existant, nouveau mot de passe / existing, new password" if existed else "créé / created"
    click.echo(f"Compte / account: {user.name} ({state}; groupes / groups: {', '.join(user.groups)})")
    click.echo(f"Identifiant / login: {user.name}@{app_name}")
    click.echo(f"Mot de passe / password: {password}")
    click.echo("Il ne sera plus affiché / it will not be shown again.")
