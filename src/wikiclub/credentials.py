"""Find the BotPassword (``User@app`` + password) to log in to a site.

Looked up in this order, the first that has an account for the site wins:

1. ``WIKICLUB_BOT_USER`` + ``WIKICLUB_BOT_PASSWORD`` (CI, one-off runs);
2. pywikibot's password file — ``user-password.cfg`` (formerly ``user-password.py``, or the
   ``password_file`` named in ``user-config.py``) in ``$PYWIKIBOT_DIR``, the current directory or
   ``~/.pywikibot`` — so an operator who already runs pywikibot has nothing to set up. Lines are
   Python tuples read with :func:`ast.literal_eval` (never executed), as pywikibot ≥ 10.7.1 does;
3. ``~/.config/wikiclub/credentials.toml`` (path configurable), which must be mode 0600::

       [wikidata]               # a site name from wikiclub.toml, or [default]
       user = "MonNom@wikiclub"
       password = "…"

``WIKICLUB_BOT_USER`` alone picks which account to use when a file holds several.
The password is a :class:`Secret`: its repr is masked, so it cannot leak through a log line
that formats arguments with ``%r`` (WikibaseIntegrator's back-off logger does exactly that).
"""

from __future__ import annotations

import ast
import os
import stat
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CredentialsError

ENV_USER = "WIKICLUB_BOT_USER"
ENV_PASSWORD = "WIKICLUB_BOT_PASSWORD"
PYWIKIBOT_PASSWORD_FILES = ("user-password.cfg", "user-password.py")


class Secret(str):
    """A str whose repr never shows the value (it still encodes to the real bytes when sent)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<hidden>'"


@dataclass(frozen=True)
class Credentials:
    user: str  # the BotPassword login name, "User@app"
    password: Secret = field(repr=False)
    source: str = ""  # where it was found (a path or an env var name), never the secret

    def __post_init__(self) -> None:
        object.__setattr__(self, "password", Secret(self.password))

    @property
    def username(self) -> str:
        """The account name MediaWiki reports after login (the part before ``@``)."""
        return self.user.split("@", 1)[0]

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, password=<hidden>, source={self.source!r})"

    __str__ = __repr__


def _hint_places(credentials_file: Path) -> str:
    return (f"définissez / set {ENV_USER} et {ENV_PASSWORD}, ou écrivez / or write {credentials_file} "
            f"(chmod 600) :\n"
            f'[SITE]\nuser = "VotreNom@wikiclub"\npassword = "…"\n'
            "— créez le BotPassword sur la page Special:BotPasswords du wiki / create it on Special:BotPasswords")


def find_credentials(site: str, *, credentials_file: Path, env: Mapping[str, str] | None = None,
                     pywikibot_dirs: Sequence[Path] | None = None,
                     pywikibot_family: str | None = None) -> Credentials:
    """The BotPassword for ``site`` (a site name such as ``wikidata``), or :class:`CredentialsError`.

    ``pywikibot_family`` is the family name used in pywikibot's password file (defaults to ``site``).
    """
    env = os.environ if env is None else env
    wanted_user = env.get(ENV_USER) or None
    if env.get(ENV_PASSWORD):
        if not wanted_user:
            raise CredentialsError(f"{ENV_PASSWORD} est défini mais pas {ENV_USER} / is set but {ENV_USER} is not",
                                   f"export {ENV_USER}='VotreNom@app' (le nom de connexion du BotPassword / the "
                                   "BotPassword login name)")
        return Credentials(wanted_user, Secret(env[ENV_PASSWORD]), f"env {ENV_USER}/{ENV_PASSWORD}")

    dirs = list(pywikibot_dirs) if pywikibot_dirs is not None else default_pywikibot_dirs(env)
    found = from_pywikibot(dirs, pywikibot_family or site, user=wanted_user)
    if found is not None:
        return found
    found = from_credentials_file(credentials_file, site, user=wanted_user)
    if found is not None:
        return found
    who = f" for {wanted_user}" if wanted_user else ""
    raise CredentialsError(f"Aucun identifiant / no credentials{who} pour le site / for site {site!r}",
                           _hint_places(credentials_file))


# ---- pywikibot's password file ---------------------------------------------------------------

def default_pywikibot_dirs(env: Mapping[str, str]) -> list[Path]:
    """Where pywikibot looks for its base dir: $PYWIKIBOT_DIR, the current directory, ~/.pywikibot."""
    dirs = []
    if env.get("PYWIKIBOT_DIR"):
        dirs.append(Path(env["PYWIKIBOT_DIR"]).expanduser())
    dirs += [Path.cwd(), Path.home() / ".pywikibot"]
    return dirs


def _user_config_password_file(directory: Path) -> Path | None:
    """``password_file = "…"`` from user-config.py, read with ast (the file is never executed)."""
    path = directory / "user-config.py"
    try:
        tree = ast.parse(path.read_text("utf-8"), str(path))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "password_file"
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            return (directory / node.value.value).expanduser()
    return None


def pywikibot_password_files(dirs: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for directory in dirs:
        named = _user_config_password_file(directory)
        candidates = ([named] if named else []) + [directory / n for n in PYWIKIBOT_PASSWORD_FILES]
        files += [c for c in candidates if c.is_file() and c not in files]
    return files


def _literal(node: ast.expr) -> object:
    """A tuple element: a string, or ``BotPassword('app', 'secret')`` turned into ("@bot", app, secret)."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "BotPassword"
            and len(node.args) == 2 and not node.keywords):
        return ("@bot", ast.literal_eval(node.args[0]), ast.literal_eval(node.args[1]))
    return ast.literal_eval(node)


def parse_pywikibot_line(line: str) -> tuple[str | None, str | None, str, object] | None:
    """(code, family, username, password) of one password-file line, or None if it is not an entry.

    Raises ValueError on a malformed line — without the line in the message: it holds a password.
    """
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    try:
        node = ast.parse(line, mode="eval").body
        if not isinstance(node, ast.Tuple):
            raise ValueError
        entry = tuple(_literal(e) for e in node.elts)
    except (SyntaxError, ValueError, TypeError):
        raise ValueError("not a tuple of strings") from None
    if not 2 <= len(entry) <= 4 or not all(isinstance(e, str) for e in entry[:-1]):
        raise ValueError("not a tuple of 2 to 4 items")
    padded = (None,) * (4 - len(entry)) + entry
    return padded[0], padded[1], str(padded[2]), padded[3]  # type: ignore[return-value]


def from_pywikibot(dirs: Sequence[Path], family: str, *, user: str | None = None) -> Credentials | None:
    """The last matching BotPassword entry, as pywikibot reads it ("the last matching entry is used")."""
    for path in pywikibot_password_files(dirs):
        try:
            lines = path.read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CredentialsError(f"{path}: illisible / unreadable ({exc.__class__.__name__})",
                                   "vérifiez ses droits et qu'il est en UTF-8 / check its permissions and that it "
                                   "is UTF-8") from None
        matches: list[Credentials] = []
        plain_only = False
        for number, line in enumerate(lines, 1):
            try:
                entry = parse_pywikibot_line(line)
            except ValueError as exc:
                raise CredentialsError(f"{path}, ligne / line {number}: {exc}",
                                       "écrivez p. ex. / write e.g. ('VotreNom', BotPassword('app', 'secret'))"
                                       ) from None
            if entry is None:
                continue
            code, fam, username, password = entry
            if fam is not None and fam != family:
                continue
            if code is not None and code != family:  # wikidata and one-site families use code == family
                continue
            if isinstance(password, tuple):  # BotPassword
                login = f"{username}@{password[1]}"
                secret = str(password[2])
            elif "@" in username:  # ('Name@app', 'secret') written by hand
                login, secret = username, str(password)
            else:
                plain_only = True  # a main-account password: action=login refuses those
                continue
            if user and login != user and username != user:
                continue
            matches.append(Credentials(login, Secret(secret), str(path)))
        if matches:
            return matches[-1]
        if plain_only:
            raise CredentialsError(f"{path} contient le mot de passe du compte, pas un BotPassword / holds a "
                                   "main-account password, not a BotPassword",
                                   "créez un BotPassword sur Special:BotPasswords et écrivez / create one and write "
                                   "('VotreNom', BotPassword('app', 'secret'))")
    return None


# ---- wikiclub's own file --------------------------------------------------------------------

def check_private(path: Path) -> None:
    """Refuse a password file that others can read (like ssh does with private keys)."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CredentialsError(
            f"{path} est lisible par d'autres / is readable by other users (mode {stat.S_IMODE(mode):o})",
            f"chmod 600 {path}")


def from_credentials_file(path: Path, site: str, *, user: str | None = None) -> Credentials | None:
    if not path.is_file():
        return None
    check_private(path)
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        # The parser's message names line/column only, never the content.
        raise CredentialsError(f"{path}: TOML invalide / invalid TOML ({exc})",
                               '[SITE]\nuser = "YourName@app"\npassword = "…"') from None
    for table_name in (site, "default"):
        table = doc.get(table_name)
        if not isinstance(table, Mapping):
            continue
        login, password = table.get("user"), table.get("password")
        if not isinstance(login, str) or not isinstance(password, str) or not login or not password:
            raise CredentialsError(f"{path}: [{table_name}] demande user et password, en texte / needs both user "
                                   "and password as strings",
                                   f'[{table_name}]\nuser = "YourName@app"\npassword = "…"')
        if user and login != user:
            continue
        return Credentials(login, Secret(password), f"{path} [{table_name}]")
    return None
