"""The ONE adapter between what push and the wiki client report and what the page shows, and the ONE
function that builds a link to an item.

Push reports a :class:`~wikiclub.batch.push.PushEvent` after each edit; waits (the throttle between
two edits, the back-off the client does on maxlag / rate limit / a passing error) come as
:class:`Wait`. When the client reports its waits itself (with what it waits for and how long), map
them in :func:`push_update` only: the rest of the atelier sees :class:`Update` and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..config import Settings, default_cache_dir

# What a wait is for, as a volunteer reads it. Keys: the reasons the client may give (MediaWiki error
# codes for back-offs, "throttle" for the pause the project chose between two edits).
WAIT_REASONS: dict[str, tuple[str, str]] = {
    "throttle": ("cadence choisie entre deux modifications (throttle)", "the pace chosen between two edits "
                 "(throttle)"),
    "maxlag": ("le wiki est en retard de réplication (maxlag) : il demande d'attendre",
               "the wiki's replication lags (maxlag): it asks to wait"),
    "ratelimited": ("limite de débit du wiki (rate limit)", "the wiki's rate limit"),
    "readonly": ("le wiki est en lecture seule pour un moment", "the wiki is read-only for a while"),
    "retry": ("erreur passagère du wiki ou du réseau : nouvel essai", "a passing error of the wiki or the "
              "network: trying again"),
}


@dataclass(frozen=True)
class Wait:
    reason: str  # a key of WAIT_REASONS, or a wiki's error code
    seconds: float


@dataclass(frozen=True)
class Update:
    """One progress line for the page: an edit settled, or a wait."""

    kind: str  # "edit" | "wait"
    position: int = 0
    total: int = 0
    label: str = ""
    state: str = ""
    detail: str = ""
    waiting_for: str = ""
    seconds: float = 0.0


def wait_text(reason: str, lang: str = "fr") -> str:
    fr, en = WAIT_REASONS.get(reason, WAIT_REASONS["retry"])
    return fr if lang == "fr" else en


def push_update(event: Any) -> Update:
    """Any event of a push (an edit settled, a wait of the client) as an :class:`Update`."""
    seconds = getattr(event, "seconds", None)
    if seconds is None:
        seconds = getattr(event, "delay", None)
    if seconds is not None and not hasattr(event, "edit_id"):
        reason = str(getattr(event, "reason", None) or getattr(event, "code", None) or getattr(event, "kind", "retry"))
        return Update("wait", waiting_for=reason, seconds=float(seconds))
    return Update("edit", int(getattr(event, "position", 0)), int(getattr(event, "total", 0)),
                  str(getattr(event, "label", "")), str(getattr(event, "state", "")), str(getattr(event, "detail", "")))


STATE_WORDS = {"done": ("fait", "done"), "conflict": ("conflit", "conflict"), "failed": ("échec", "failed"),
               "skipped": ("ignoré", "skipped"), "pending": ("en attente", "pending"),
               "sent": ("envoyé, réponse inconnue", "sent, outcome unknown")}


def state_text(state: str, lang: str = "fr") -> str:
    fr, en = STATE_WORDS.get(state, (state, state))
    return fr if lang == "fr" else en


def lang_part(text: str, lang: str = "fr") -> str:
    """The library's messages say « français / English »: a page shows its language's half. Only when the
    text has exactly one « / » separator (a value holding one, or several pairs, is shown whole)."""
    parts = str(text).split(" / ")
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        return str(text)
    fr, en = parts[0].strip(), parts[1].strip()
    if lang != "fr":
        return en
    # « Travail inconnu / unknown work: « x » »: what follows the colon belongs to both halves
    head, colon, tail = en.partition(": ")
    return f"{fr} : {tail}" if colon and ":" not in fr and head and tail else fr


NOTE_KINDS = {"conflict": ("conflit", "conflict"), "unresolved": ("non résolu", "unresolved"),
              "description": ("description", "description"), "less-precise": ("moins précis", "less precise"),
              "more-precise": ("plus précis", "more precise"), "missing": ("introuvable", "missing"),
              "redirect": ("redirection", "redirect"), "exists": ("déjà créé", "already exists"),
              "merged": ("fusion", "merged"), "held": ("retenu", "held"),
              "constraint": ("contrainte", "constraint")}


def note_kind(kind: str, lang: str = "fr") -> str:
    fr, en = NOTE_KINDS.get(kind, (kind, kind))
    return fr if lang == "fr" else en


def wiki_base(settings: Settings) -> str:
    """The wiki's address without ``/w/api.php``."""
    api = settings.site.api_url
    return api.rsplit("/w/", 1)[0] if "/w/" in api else api.rsplit("/", 1)[0]


def item_links(settings: Settings) -> Callable[[str], str]:
    """How the atelier links entities: the configured ``entity_url`` (a prefix), else the wiki's own
    article path and namespaces from its cached siteinfo (``SiteInfo.item_url``; Wikidata's layout
    guessed when the wiki was never asked) — no request."""
    from ..adapters.siteinfo import cached_siteinfo

    prefix = settings.site.entity_url
    if prefix:
        return lambda entity_id: prefix + entity_id
    return cached_siteinfo(settings.site.api_url, default_cache_dir()).item_url


def item_url(settings: Settings, qid: str) -> str:
    """The page of an item on the wiki (the one place where the atelier builds item links)."""
    return item_links(settings)(qid) if qid else ""


EDITGROUPS = "https://editgroups.toolforge.org/b/CB/{}/"


def editgroup_url(settings: Settings, group: str) -> str:
    """EditGroups follows Wikidata's edits only: no link for another wiki."""
    return EDITGROUPS.format(group) if group and "wikidata.org" in settings.site.api_url else ""
