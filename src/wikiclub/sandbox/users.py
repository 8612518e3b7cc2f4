"""Accounts and BotPasswords of the sandbox. Passwords are only ever stored as salted PBKDF2 hashes."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from .db import SandboxDB, utc_now


@dataclass(frozen=True)
class User:
    id: int
    name: str
    groups: tuple[str, ...]
    registration: str

    @property
    def is_bot(self) -> bool:
        return "bot" in self.groups



BOT_GROUPS = ("bot", "*", "user", "autoconfirmed")
USER_GROUPS = ("*", "user", "autoconfirmed")


def _hash(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, 20_000)
    return f"pbkdf2${salt.hex()}${digest.hex()}"


def _verify(password: str, stored: str) -> bool:
    try:
        _, salt_hex, _ = stored.split("$")
    except ValueError:
        return False
    return hmac.compare_digest(_hash(password, bytes.fromhex(salt_hex)), stored)


def _row_to_user(row: object) -> User:
    return User(id=int(row["id"]), name=row["name"], groups=tuple(json.loads(row["groups"])),  # type: ignore[index]
                registration=row["registration"])  # type: ignore[index]


def create_user(db: SandboxDB, name: str, *, bot: bool = False,
                extra_groups: tuple[str, ...] = ()) -> User:
    """Create an account (MediaWiki capitalises the first letter of user names)."""
    name = name[:1].upper() + name[1:]
    groups = list(extra_groups) + list(BOT_GROUPS if bot else USER_GROUPS)
    with db.transaction() as c:
        if c.execute("SELECT 1 FROM users WHERE name=?", (name,)).fetchone():
            raise ValueError(f"user {name!r} already exists")
        uid = db.next_id("user")
        c.execute("INSERT INTO users(id, name, groups, registration) VALUES (?,?,?,?)",
                  (uid, name, json.dumps(groups), utc_now()))
    return User(id=uid, name=name, groups=tuple(groups), registration=utc_now())


def get_user(db: SandboxDB, name: str) -> User | None:
    name = name[:1].upper() + name[1:]
    row = db.conn.execute("SELECT * FROM users WHERE name=?", (name,)).fetchone()
    return _row_to_user(row) if row else None


def get_user_by_id(db: SandboxDB, uid: int) -> User | None:
    row = db.conn.execute("SELECT * FROM users WHERE id=?", (uid,)).fetchone()
    return _row_to_user(row) if row else None


def create_bot_password(db: SandboxDB, user: User, app: str) -> str:
    """Make (or replace) the BotPassword ``User@app``; the password is returned once, never stored."""
    password = secrets.token_hex(16)
    with db.transaction() as c:
        c.execute("INSERT OR REPLACE INTO bot_passwords(user_id, app, password_hash) VALUES (?,?,?)",
                  (user.id, app, _hash(password)))
    return password


def check_bot_password(db: SandboxDB, lgname: str, password: str) -> tuple[User, str] | None:
    """``lgname`` is ``User@app``; returns the user and app when the password is right."""
    if "@" not in lgname:
        return None
    name, app = lgname.rsplit("@", 1)
    user = get_user(db, name)
    if user is None:
        return None
    row = db.conn.execute("SELECT password_hash FROM bot_passwords WHERE user_id=? AND app=?",
                          (user.id, app)).fetchone()
    if row is None or not _verify(password, row[0]):
        return None
    return user, app


# ---- rights ----------------------------------------------------------------------------------------
# $wgGroupPermissions of the recorded wiki (MediaWiki 1.39 defaults + Wikibase), in the order
# MediaWiki lists them; a BotPassword session only keeps the rights its grants allow, which drops
# the "my…" preferences rights (compare query-userinfo-anon.json with query-userinfo-bot.json).
GROUP_RIGHTS: dict[str, tuple[str, ...]] = {
    "*": ("read", "createpage", "createtalk", "writeapi", "viewmywatchlist", "editmywatchlist",
          "viewmyprivateinfo", "editmyprivateinfo", "editmyoptions", "item-term", "property-term",
          "item-merge", "item-redirect", "property-create"),
    "user": ("move", "move-subpages", "move-rootuserpages", "move-categorypages", "read", "edit",
             "minoredit", "createpage", "createtalk", "purge", "applychangetags", "changetags",
             "editcontentmodel"),
    "autoconfirmed": ("autoconfirmed", "editsemiprotected"),
    "bot": ("bot", "autoconfirmed", "editsemiprotected", "nominornewtalk", "autopatrol",
            "suppressredirect", "apihighlimits", "writeapi", "noratelimit"),
    "sysop": ("delete", "bigdelete", "deletedhistory", "deletedtext", "undelete", "move",
              "move-subpages", "move-rootuserpages", "move-categorypages", "patrol", "protect",
              "editprotected", "rollback", "unwatchedpages", "ipblock-exempt", "markbotedits",
              "browsearchive", "autoconfirmed", "editsemiprotected", "apihighlimits", "noratelimit",
              "autopatrol", "suppressredirect", "nominornewtalk"),
    "bureaucrat": ("noratelimit",),
    "interface-admin": (),
}
IMPLICIT_GROUPS = ("*", "user", "autoconfirmed")
NOT_GRANTED_TO_BOT_PASSWORDS = frozenset({"viewmywatchlist", "editmywatchlist", "viewmyprivateinfo",
                                          "editmyprivateinfo", "editmyoptions"})


def display_groups(user: User | None) -> list[str]:
    """Explicit groups sorted, then the implicit ones, as ``meta=userinfo`` lists them."""
    if user is None:
        return ["*"]
    explicit = sorted(g for g in user.groups if g not in IMPLICIT_GROUPS)
    return explicit + list(IMPLICIT_GROUPS)


def user_rights(user: User | None, *, anonymous_edits: bool = False,
                bot_password: bool = True) -> list[str]:
    rights: list[str] = []
    for group in display_groups(user):
        for right in GROUP_RIGHTS.get(group, ()):
            if right not in rights:
                rights.append(right)
    if user is None and anonymous_edits:
        rights.append("edit")
    if user is not None and bot_password:
        rights = [r for r in rights if r not in NOT_GRANTED_TO_BOT_PASSWORDS]
    return rights


# ---- rate limits ($wgRateLimits) -------------------------------------------------------------------
# MediaWiki 1.39's defaults (+ Wikibase's id generator). Enforced only when the sandbox is given
# rate limits (its own overrides are merged on top, as LocalSettings.php does); off by default.
DEFAULT_RATE_LIMITS: dict[str, dict[str, tuple[int, float]]] = {
    "edit": {"ip": (8, 60), "newbie": (8, 60), "user": (90, 60)},
    "move": {"newbie": (2, 120), "user": (8, 60)},
    "upload": {"ip": (8, 60), "newbie": (8, 60)},
    "rollback": {"user": (10, 60), "newbie": (5, 120)},
    "mailpassword": {"ip": (5, 3600)},
    "emailuser": {"ip": (5, 86400), "newbie": (5, 86400), "user": (20, 86400)},
    "changeemail": {"ip-all": (10, 3600), "user": (4, 86400)},
    "confirmemail": {"ip-all": (10, 3600), "user": (4, 86400)},
    "purge": {"ip": (30, 60), "user": (30, 60)},
    "linkpurge": {"ip": (30, 60), "user": (30, 60)},
    "renderfile": {"ip": (700, 30), "user": (700, 30)},
    "renderfile-nonstandard": {"ip": (70, 30), "user": (70, 30)},
    "stashedit": {"ip": (30, 60), "newbie": (30, 60)},
    "stashbasehtml": {"ip": (5, 60), "newbie": (5, 60)},
    "changetag": {"ip": (8, 60), "newbie": (8, 60)},
    "editcontentmodel": {"newbie": (2, 120), "user": (8, 60)},
}
ID_GENERATOR = "wikibase-idgenerator"


def effective_rate_limits(overrides: dict[str, dict[str, tuple[int, float]]] | None
                          ) -> dict[str, dict[str, tuple[int, float]]]:
    """MediaWiki's defaults, the overrides on top (as LocalSettings.php), then Wikibase's id generator
    limit: it inherits every group of 'create', else of 'edit', that it does not set itself
    (RepoHooks::inheritDefaultRateLimits, run after LocalSettings.php) — so ``edit:user:8/60``
    limits creations to 8 per 60 s too."""
    if overrides is None:
        return {}
    merged: dict[str, dict[str, tuple[int, float]]] = {
        action: dict(groups) for action, groups in DEFAULT_RATE_LIMITS.items()}
    for action, groups in overrides.items():
        merged.setdefault(action, {}).update(groups)
    inherited = merged.get("create") or merged.get("edit") or {}
    merged[ID_GENERATOR] = {**inherited, **merged.get(ID_GENERATOR, {})}
    return merged


def rate_limit_categories(user: User | None) -> list[str]:
    """ApiQueryUserInfo::getRateLimits: anonymous users are newbies (ip, subnet); others 'user' + groups."""
    if user is None:
        return ["anon", "ip", "subnet"]
    return list(dict.fromkeys(["user", *display_groups(user)]))


def limits_for(limits: dict[str, dict[str, tuple[int, float]]], user: User | None
               ) -> dict[str, dict[str, tuple[int, float]]]:
    cats = rate_limit_categories(user)
    out: dict[str, dict[str, tuple[int, float]]] = {}
    for action, groups in limits.items():
        mine = {cat: groups[cat] for cat in cats if cat in groups}
        if mine:
            out[action] = mine
    return out


class RateLimiter:
    """Counts hits per (action, user or IP) in windows that start at the first hit, like
    MediaWiki's ``incrWithInit``; refused attempts count too, so a client that keeps hammering
    stays throttled. Lives in the app (one per server), never at module level."""

    def __init__(self, limits: dict[str, dict[str, tuple[int, float]]]) -> None:
        self.limits = limits
        self._windows: dict[tuple[str, str, str], tuple[float, int]] = {}

    def hit(self, action: str, user: User | None, ip: str, now: float) -> bool:
        """Record one attempt; True when it exceeds a limit."""
        groups = self.limits.get(action)
        if not groups:
            return False
        who = f"user:{user.id}" if user is not None else f"ip:{ip}"
        applicable = [(cat, groups[cat]) for cat in rate_limit_categories(user) if cat in groups]
        if user is not None and len(applicable) > 1:
            # a group limit replaces 'user' when it is more permissive (MediaWiki keeps the best one)
            applicable = [max(applicable, key=lambda kv: kv[1][0] / kv[1][1])]
        limited = False
        for cat, (count, seconds) in applicable:
            key = (action, cat, who)
            start, hits = self._windows.get(key, (now, 0))
            if now - start >= seconds:
                start, hits = now, 0
            hits += 1
            self._windows[key] = (start, hits)
            limited = limited or hits > count
        return limited


@dataclass(frozen=True)
class BotAccount:
    """A BotPassword login as ``action=login`` takes it: ``name`` is ``User@app``. The password exists
    only here (the database keeps its hash): never log or write it."""

    name: str
    password: str


def add_bot_account(db: SandboxDB, user: str, *, app: str = "wikiclub", bot: bool = True,
                    groups: tuple[str, ...] = ()) -> BotAccount:
    """Create the account ``user`` (bot-flagged unless ``bot=False``, in ``groups`` too) and its
    BotPassword ``user@app``."""
    account = create_user(db, user, bot=bot, extra_groups=groups)
    return BotAccount(f"{account.name}@{app}", create_bot_password(db, account, app))
