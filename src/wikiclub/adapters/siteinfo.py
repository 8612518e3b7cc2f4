"""Reading what a wiki says about itself (``meta=siteinfo``), once per site, cached on disk.

:func:`load_siteinfo` answers from the per-site cache file (``siteinfo-<site>-<hash>.json`` in the
cache folder, next to the property catalogue) while it is younger than ``max_age``, else asks the
wiki (one request: general, namespaces, extensions) and writes the cache. ``refresh=True`` always
asks. A loopback site (a sandbox) is always asked again: sandboxes restart on the same port with
another configuration (``--search sql`` or not), and a stale answer there would hide the search the
wiki really has. When the wiki cannot be reached, the cached answer (however old) is used, then a
guess (``known=False``: Wikidata's layout).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from ..config import is_local_host
from ..errors import WikiError
from ..siteinfo import SiteInfo, guess_siteinfo, siteinfo_from_answer

MAX_AGE = 24 * 3600.0  # a day: extensions and namespaces change rarely, and a refresh is one request


class Caller(Protocol):
    api_url: str

    def call(self, params: Mapping[str, Any], *, post: bool = False) -> dict[str, Any]: ...


def fetch_siteinfo(client: Caller) -> SiteInfo:
    """One request: ``meta=siteinfo&siprop=general|namespaces|extensions``."""
    answer = client.call({"action": "query", "meta": "siteinfo", "siprop": "general|namespaces|extensions"})
    return siteinfo_from_answer(client.api_url, answer)


def cache_file(cache_dir: Path, api_url: str) -> Path:
    slug = re.sub(r"[^a-z0-9]+", "-", api_url.lower()).strip("-")[:60]
    return Path(cache_dir) / f"siteinfo-{slug}-{hashlib.sha256(api_url.encode()).hexdigest()[:8]}.json"


def read_cached(cache_dir: Path, api_url: str) -> tuple[SiteInfo, float] | None:
    """(the cached answer, its age in seconds), or None when there is none (or it is damaged)."""
    path = cache_file(cache_dir, api_url)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SiteInfo.from_json(data["siteinfo"]), max(0.0, time.time() - float(data["fetched_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_cache(cache_dir: Path, info: SiteInfo, *, now: Callable[[], float] = time.time) -> Path:
    path = cache_file(cache_dir, info.api_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"fetched_at": now(), "siteinfo": info.to_json()}, ensure_ascii=False, indent=1),
                   encoding="utf-8")
    tmp.replace(path)
    return path


def cached_siteinfo(api_url: str, cache_dir: Path | None) -> SiteInfo:
    """What is known without asking the wiki: the cached answer however old, else a guess."""
    cached = read_cached(cache_dir, api_url) if cache_dir is not None else None
    return cached[0] if cached is not None else guess_siteinfo(api_url)


def load_siteinfo(client: Caller, cache_dir: Path | None, *, refresh: bool = False,
                  max_age: float = MAX_AGE, offline: bool = False) -> SiteInfo:
    """The site's siteinfo: from the cache when fresh enough, else asked once and cached. ``offline``:
    never ask (the cached answer however old, else a guess)."""
    api_url = client.api_url
    if offline:
        return cached_siteinfo(api_url, cache_dir)
    cached = read_cached(cache_dir, api_url) if cache_dir is not None else None
    local = is_local_host(urlsplit(api_url).hostname or "")
    if cached is not None and not refresh and not local and cached[1] <= max_age:
        return cached[0]
    try:
        info = fetch_siteinfo(client)
    except WikiError:
        if cached is not None:
            return cached[0]
        return guess_siteinfo(api_url)
    if cache_dir is not None:
        write_cache(cache_dir, info)
    return info
