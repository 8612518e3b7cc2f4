"""Accounts and BotPasswords of the sandbox. Passwords are only ever stored as salted PBKDF2 hashes."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from .context import User
from .db import SandboxDB, utc_now

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
