"""One push of a batch at a time: an OS file lock (``flock``) on ``<batch>/push.lock``, held for the whole push.

Two pushes of one batch at once would both read the journal, both find an edit pending and both send
it (Wikibase patches the second write's stale ``baserevid`` in: a duplicate statement). The lock makes
the second push stop before it sends anything, with a message naming the first one: its process id,
host and start time, which the holder writes into the lock file.

The lock is the kernel's, not the file's existence: it goes away with the process that holds it, even
after ``kill -9`` or a power cut, so a lock file left behind never blocks a later push. On Windows,
where there is no ``flock``, the first byte of the file is locked with ``msvcrt.locking`` instead.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import BatchError
from .journal import utc_now

LOCK_FILENAME = "push.lock"


def lock_path(batch_dir: Path) -> Path:
    return Path(batch_dir) / LOCK_FILENAME


def _try_lock(fd: int) -> bool:
    """Take the lock without waiting; False when another process holds it."""
    if sys.platform == "win32":  # pragma: no cover - the project's CI runs on Linux
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(fd: int) -> dict[str, Any]:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, 4096)
    try:
        info = json.loads(raw.decode("utf-8"))
    except ValueError:  # the holder is between taking the lock and writing who it is
        return {}
    return dict(info) if isinstance(info, dict) else {}


def busy_message(batch_dir: Path, holder: dict[str, Any]) -> BatchError:
    who = (f"pid {holder.get('pid', '?')} sur / on {holder.get('host', '?')}, "
           f"depuis / since {holder.get('started', '?')}" if holder else "pid inconnu / unknown pid")
    return BatchError(f"Un autre push de ce lot est en cours / another push of this batch is running ({who}): "
                      f"{batch_dir}",
                      "attendez qu'il finisse (son rapport : push-report.md) / wait for it to finish (its report: "
                      "push-report.md); pour l'arrêter / to stop it: Ctrl-C in its terminal, or kill PID — "
                      "then run the same push again: it continues where the other stopped")


@contextmanager
def batch_lock(batch_dir: Path) -> Iterator[None]:
    """Hold the batch's push lock, or raise :class:`BatchError` naming the push that holds it."""
    path = lock_path(batch_dir)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd):
            raise busy_message(batch_dir, _holder(fd))
        me = {"pid": os.getpid(), "host": socket.gethostname(), "started": utc_now()}
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, (json.dumps(me) + "\n").encode("utf-8"))
        os.fsync(fd)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # nobody holds it any more; closing the file releases the lock
    finally:
        os.close(fd)


def check_unlocked(batch_dir: Path) -> None:
    """Raise the « another push is running » error now (before logging in), if one is."""
    if not lock_path(batch_dir).exists():
        return
    with batch_lock(batch_dir):
        pass
