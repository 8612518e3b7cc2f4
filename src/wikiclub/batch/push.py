"""``push_plan``: send an approved batch, one ``wbeditentity`` per entity, exactly once, honest about the rest.

How "never a duplicate, never a clobber, never silent" is kept (docs/batches.md):

- **One push at a time.** The batch's lock (:mod:`wikiclub.batch.lock`, an OS file lock) is held for
  the whole push; a second push of the same batch stops at once and names the first (pid, start time).
- **Journal first.** Every edit is written ``sent`` (and committed) before its request leaves, and
  settled (``done``, ``conflict``…) with its revision id and QID when the answer comes
  (:mod:`wikiclub.batch.journal`). A push started again skips what is settled and *looks up* what is
  ``sent``.
- **Unknown outcomes are looked up, never blindly repeated.** A write whose outcome is unknown — lost
  connection, timeout, any HTTP 5xx — or an edit left ``sent`` by a crash, is searched in the account's
  contributions (``list=usercontribs``) by the marker ``[wc:<edit_id>]`` of its summary, then the
  entity is read again and planned again (what landed is already there).
- **Earlier pushes of the same rows.** Before the first creation, one pass over the account's
  contributions (:mod:`wikiclub.batch.contribs`) looks for the marker of every creation of the batch:
  the edit id is content-addressed, so a creation another folder of the same rows already made is
  found and not made twice.
- **Fresh reads, approved content only.** Wikibase silently *merges* a stale ``baserevid`` when the
  changes do not overlap, so just before writing the next entities are re-read, 50 per request (and
  again when a read is older than ``reread_max_age``). Every edit is planned again from its wanted
  state and checked against what was approved (:mod:`wikiclub.batch.intent`): an unmoved entity must
  give exactly the approved payload; a moved one sends only approved changes — never a statement a
  person removed meanwhile, never over a label a person changed — and anything left out, or a new
  single-value conflict, settles the edit as ``conflict``, never ``done``. A
  ``wikibase-conflict-patched`` warning is checked against what was sent.
- **Permanent outcomes settle.** A target deleted meanwhile, a creation this edit depends on that is a
  conflict: ``conflict``, so the batch can finish; failed edits are tried again by the next push.
- Back-off on maxlag / ratelimited (honouring Retry-After), token refresh and re-login are the
  client's (:class:`~wikiclub.adapters.wikibase.WikibaseClient`); the throttle too. ``bot=1`` only
  when the account has the bot right; ``assert=user`` or ``bot`` on every write.
- Each edit goes through a small state machine (:meth:`_Pusher.push_one`): a write ends in a typed
  outcome (:data:`Outcome`: saved, lost, stale, busy, taken, refused, logged out) and ``_decide``
  maps each outcome to an action: settle the edit in the journal, or try again (re-reading first or not).
- After ``max_consecutive_failures`` failures in a row, or when a read fails (the wiki is down), the
  push stops with its report and the command to rerun.
- Ctrl-C (``KeyboardInterrupt``, wherever it lands: in a request, in the progress callback, inside a
  journal commit) stops the run, and the report is still written — what is done, what is pending,
  which edits were sent without an answer (looked up first by the next push) and the command to rerun
  — before :class:`PushInterrupted` (a ``KeyboardInterrupt``) goes on to the caller; the CLI exits 130.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from ..errors import (
    BatchError,
    EditConflictError,
    LoginError,
    ModificationFailedError,
    NoSuchEntityError,
    NotLoggedInError,
    PermissionDeniedError,
    ResponseLostError,
    RetryableError,
    TransportError,
    WikiError,
)
from ..wbjson import Entity, EntityData
from .approve import check_approved
from .contribs import Landed, find_markers, iso_minus
from .diff import Wanted, resolve_batch_items
from .folder import read_batch
from .intent import approved_changes, check_replan, duplicates
from .journal import FINAL_STATES, Journal, JournalEntry, State, iter_journal, sigint_deferred, utc_now
from .lock import batch_lock
from .model import EntityEdit, Plan, canonical
from .pushreport import CREATED_CSV, REPORT_JSON, REPORT_MD, PushReport, write_report

__all__ = ["CREATED_CSV", "REPORT_JSON", "REPORT_MD", "PushClient", "PushEvent", "PushInterrupted",
           "PushOptions", "PushReport", "check_site", "push_plan", "write_report"]

PATCHED = "wikibase-conflict-patched"


class PushClient(Protocol):
    api_url: str
    requests_made: int

    def get_entities(self, ids: Iterable[str], *, props: Sequence[str] | None = None,
                     languages: Sequence[str] | None = None) -> dict[str, Entity]: ...

    def edit_entity(self, data: EntityData, *, entity_id: str | None = None, new: str | None = None,
                    baserevid: int | None = None, summary: str, bot: bool = False,
                    tags: Sequence[str] = (), clear: bool = False,
                    warnings: list[str] | None = None) -> Entity: ...

    def call(self, params: Mapping[str, Any], *, post: bool = False) -> dict[str, Any]: ...

    def userinfo(self) -> Any: ...


@dataclass(frozen=True)
class PushOptions:
    dry_run: bool = False
    limit: int | None = None  # at most N edits sent (or settled) in this run
    max_consecutive_failures: int = 5
    attempts_per_edit: int = 4  # re-plans after conflicts / lost answers, per edit and run
    reread_window: int = 50  # entities re-read per request before writing
    reread_max_age: float = 60.0  # seconds after which a read is too old to write from
    require_approval: bool = True
    clock: Callable[[], float] = time.monotonic
    resume_command: str | None = None  # what the report says to rerun (default: wikiclub push BATCH --site URL)
    item_url: Callable[[str], str] | None = None  # links in push-report.md / created.csv (SiteInfo.item_url)
    # how far before this batch was planned creations of the same rows by another folder are looked for
    lookback_days: float = 90.0


@dataclass(frozen=True)
class PushEvent:
    """Reported after each edit is settled (for a progress bar)."""

    edit_id: str
    label: str
    state: str
    detail: str
    position: int  # 1-based among this run's edits
    total: int


class PushInterrupted(KeyboardInterrupt):
    """Ctrl-C during a push, raised once the journal is consistent and the report written."""

    def __init__(self, report: PushReport) -> None:
        super().__init__("push interrompu / interrupted")
        self.report = report


class _Stop(Exception):
    """Stop the whole push (login lost, permission denied, too many failures)."""


# ---- the site ----------------------------------------------------------------------------------------

_LOOPBACK = {"localhost", "127.0.0.1", "::1", "ip6-localhost"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


def site_key(url: str) -> str:
    """A URL as compared for "same site": host lowercased, loopback names one, default port and trailing
    slashes dropped (``http://localhost:8765/w/api.php/`` is ``http://127.0.0.1:8765/w/api.php``)."""
    parts = urlsplit(url.strip() if "//" in url else "//" + url.strip())
    host = (parts.hostname or "").lower()
    host = "localhost" if host in _LOOPBACK or host.startswith("127.") else host
    scheme = parts.scheme.lower()
    port = parts.port if parts.port not in (None, _DEFAULT_PORTS.get(scheme)) else None
    return f"{host}{f':{port}' if port else ''}{parts.path.rstrip('/')}"


def _own_api_url(client: PushClient) -> str | None:
    """The wiki's own idea of its api.php (``meta=siteinfo``: server + scriptpath), or None."""
    try:
        general = client.call({"action": "query", "meta": "siteinfo", "siprop": "general"})["query"]["general"]
        return f"{general['server']}{general.get('scriptpath', '')}/api.php"
    except (WikiError, KeyError, TypeError):
        return None


def check_site(meta: Mapping[str, Any], client: PushClient) -> None:
    """:class:`BatchError` unless the client talks to the site the batch was planned for.

    Compared as :func:`site_key` says; when the URLs still differ, the wiki is asked its own server
    name (one anonymous read: run it before logging in)."""
    planned = str((meta.get("site") or {}).get("api_url") or "")
    if not planned or site_key(planned) == site_key(client.api_url):
        return
    own = _own_api_url(client)
    if own is not None and site_key(own) == site_key(planned):
        return
    raise BatchError(f"Lot préparé pour / batch planned for {planned}, pas pour / not for {client.api_url}"
                     + (f" (ce wiki se nomme / this wiki calls itself {own})" if own else ""),
                     "plan it again against this site, or push with the same --site")


# ---- one edit as a state machine ------------------------------------------------------------------
#
# push_one takes an edit through: found by an earlier run (or another folder of the same rows)? → fill
# in the batch's creations → [read, plan again and check against the approval → journal "sent" →
# write → outcome → action]… The action is either Settle (its journal state, final for this run) or
# Again (try once more, re-reading the entity first or not). _decide is the outcome → action table.


@dataclass(frozen=True)
class Settle:
    """The edit's last word in this run: its journal state and what the report says about it."""

    state: State
    entity_id: str | None = None
    revid: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class Again:
    """Not settled yet: try once more (``reread``: plan it again from a fresh read first)."""

    reread: bool
    error: str = ""


@dataclass(frozen=True)
class Payload:
    """What one attempt sends; ``target`` None creates an item. ``issues``: what was left out (or a new
    conflict), which makes the edit a conflict once sent; ``changes``: what it adds (to check a patch)."""

    target: str | None
    baserevid: int | None
    data: EntityData
    issues: tuple[str, ...] = ()
    changes: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Saved:
    """The wiki answered with the entity (``warnings``: the answer's warning message names)."""

    entity_id: str
    revid: int | None
    nochange: bool
    warnings: tuple[str, ...] = ()
    entity: Entity | None = None


@dataclass(frozen=True)
class Lost:
    """Sent, outcome unknown (answer lost, timeout, HTTP 5xx): it may have landed."""

    message: str


@dataclass(frozen=True)
class Stale:
    """Edit conflict, entity gone, or the request failed on its way: read the entity again first."""

    message: str


@dataclass(frozen=True)
class Busy:
    """The wiki asked to slow down (the client already waited and retried)."""

    message: str


@dataclass(frozen=True)
class Taken:
    """modification-failed; ``other`` is the item that already has this label and description."""

    message: str
    other: str | None


@dataclass(frozen=True)
class Refused:
    """A refusal for this edit that trying again will not change."""

    message: str


@dataclass(frozen=True)
class LoggedOut:
    """The account cannot edit any more: the whole push stops."""

    message: str


Outcome = Saved | Lost | Stale | Busy | Taken | Refused | LoggedOut


def _other_entity(exc: WikiError) -> str | None:
    conflicts = exc.data.get("conflicts") or []
    return next((str(c["entity"]) for c in conflicts if c.get("entity")), None)


# the error a write raised → its outcome; most specific first (ResponseLostError is a TransportError)
_OUTCOME_OF: tuple[tuple[type[WikiError], Callable[[WikiError], Outcome]], ...] = (
    (ResponseLostError, lambda e: Lost(e.message)),
    (EditConflictError, lambda e: Stale(e.message)),
    (ModificationFailedError, lambda e: Taken(e.message, _other_entity(e))),
    (RetryableError, lambda e: Busy(e.message)),
    (NotLoggedInError, lambda e: LoggedOut(e.message)),
    (LoginError, lambda e: LoggedOut(e.message)),
    (PermissionDeniedError, lambda e: LoggedOut(e.message)),
    (NoSuchEntityError, lambda e: Stale(e.message)),  # deleted meanwhile: the fresh read settles it
    (TransportError, lambda e: Stale(e.message)),
)


def outcome_of(exc: WikiError) -> Outcome:
    """The typed outcome of a write that raised ``exc``."""
    return next((make(exc) for kind, make in _OUTCOME_OF if isinstance(exc, kind)), Refused(exc.message))


def _done_or_conflict(payload: Payload, entity_id: str | None, revid: int | None, detail: str = "") -> Settle:
    """A write that landed: ``done``, or ``conflict`` when part of the plan was left out for a person."""
    if payload.issues:
        return Settle("conflict", entity_id, revid, "envoyé sauf / sent except: " + "; ".join(payload.issues))
    return Settle("done", entity_id, revid, detail)


class _Pusher:
    def __init__(self, batch_dir: Path, plan: Plan, client: PushClient, options: PushOptions, journal: Journal,
                 on_event: Callable[[PushEvent], None] | None) -> None:
        self.batch_dir = batch_dir
        self.plan = plan
        self.client = client
        self.options = options
        self.journal = journal
        self.on_event = on_event
        meta = plan.meta
        self.single_value = tuple(meta.get("single_value", ()))
        self.overwrite = tuple(meta.get("overwrite", ()))
        self.fresh: dict[str, tuple[Entity, float]] = {}  # target → (entity, read at)
        self.queue: list[EntityEdit] = []
        self.position = 0
        self.user = ""
        self.bot = False
        self.created: dict[str, str] = {}  # edit_id → QID of done creations
        self.landed: dict[str, Landed] = {}  # edit_id → its edit, found by the look-up before creating
        self.scanned: frozenset[str] = frozenset()  # edit ids that look-up searched for
        self.scanned_at = ""
        self.scan_requests = 0

    # ---- reads ---------------------------------------------------------------------------------
    def _current(self, target: str) -> Entity:
        """The entity as it is now: from the last window read if young enough, else a new window."""
        now = self.options.clock()
        hit = self.fresh.get(target)
        if hit is not None and now - hit[1] <= self.options.reread_max_age:
            return hit[0]
        window = [target]
        for e in self.queue[self.position:]:
            if len(window) >= self.options.reread_window:
                break
            t = e.target
            if t and t not in window and not self._settled(e):
                old = self.fresh.get(t)
                if old is None or now - old[1] > self.options.reread_max_age / 2:
                    window.append(t)
        found = self.client.get_entities(window)
        read_at = self.options.clock()
        for t, entity in found.items():
            self.fresh[t] = (entity, read_at)
        return found[target]

    def _settled(self, edit: EntityEdit) -> bool:
        entry = self.journal.entry(edit.edit_id)
        return entry is not None and entry.state in FINAL_STATES

    def _scan(self, todo: Sequence[EntityEdit]) -> None:
        """One pass over the account's contributions for the markers of every creation still to make
        (made by an earlier push of these rows, from any folder) and of every edit an earlier run left
        with an unknown outcome."""
        entries = {e.edit_id: e for e in self.journal.entries()}
        unknown = {i: e for i, e in entries.items() if e.attempts and e.state in ("sent", "failed")}
        creations = [e.edit_id for e in todo if e.creation]
        wanted = set(creations) | {e.edit_id for e in todo if e.edit_id in unknown}
        if not wanted:
            return
        times = [iso_minus(str(self.plan.meta.get("planned_at") or utc_now()), self.options.lookback_days * 86400)
                 ] if creations else []
        times += [iso_minus(str(self.journal.sent_at(i) or utc_now()), 600) for i in wanted if i in unknown]
        self.scanned_at = utc_now()
        scan = find_markers(self.client, self.user, wanted, min(times))
        self.landed, self.scanned, self.scan_requests = scan.found, frozenset(wanted), scan.requests

    def _found(self, edit: EntityEdit, detail: str = "") -> Settle | None:
        """Done, when the account's contributions hold the edit's marker (since it was sent, with ten
        minutes of margin for the difference between our clock and the wiki's)."""
        sent = self.journal.sent_at(edit.edit_id)
        if edit.edit_id in self.scanned and sent and sent < self.scanned_at:
            hit = self.landed.get(edit.edit_id)  # the look-up before creating already covered it
        else:
            hit = find_markers(self.client, self.user, {edit.edit_id}, iso_minus(sent, 600) if sent else None
                               ).found.get(edit.edit_id)
        return Settle("done", hit.entity_id, hit.revid, detail) if hit else None

    def _found_earlier(self, edit: EntityEdit, entry: JournalEntry | None) -> Settle | None:
        """The edit landed in an earlier run, or from another folder of the same rows."""
        if entry is not None and entry.attempts and entry.state in ("sent", "failed"):
            return self._found(edit, "trouvé après interruption / found after interruption")
        hit = self.landed.get(edit.edit_id)
        if hit is None:
            return None
        return Settle("done", hit.entity_id, hit.revid, f"déjà fait par un push antérieur / already done by an "
                                                        f"earlier push ({hit.timestamp}: {hit.comment[:80]})")

    # ---- one edit ------------------------------------------------------------------------------
    def push_one(self, edit: EntityEdit) -> tuple[str, str]:
        """Settle one edit; returns (state, detail)."""
        entry = self.journal.entry(edit.edit_id)
        if entry is not None and entry.state in FINAL_STATES:
            return entry.state, entry.detail
        earlier = self._found_earlier(edit, entry)
        if earlier is not None:
            return self._finish(edit, earlier)
        try:
            data = resolve_batch_items(edit.data, self.created)
            wanted = Wanted.from_json(resolve_batch_items(edit.wanted.to_json(), self.created))
        except KeyError as missing:
            return self._finish(edit, self._blocked(str(missing.args[0])))
        again = Again(reread=entry is not None and entry.state in ("sent", "failed"))
        for _ in range(self.options.attempts_per_edit):
            step = self._attempt(edit, data, wanted, again)
            if isinstance(step, Settle):
                return self._finish(edit, step)
            again = step
        return self._finish(edit, self._give_up(edit, again.error))

    def _blocked(self, creation: str) -> Settle:
        """The edit points at an item of the batch not created: later, or never (its creation is a conflict)."""
        dep = self.journal.entry(creation)
        label = next((e.label for e in self.plan.edits if e.edit_id == creation), creation)
        if dep is not None and dep.state in ("conflict", "skipped"):
            return Settle("conflict", detail=f"dépend de la création de « {label} », en conflit / depends on "
                                             f"creating « {label} », a conflict: {dep.detail}")
        return Settle("failed", detail=f"dépend de / depends on creation {creation} ({label}) not done yet")

    def _attempt(self, edit: EntityEdit, data: EntityData, wanted: Wanted, again: Again) -> Settle | Again:
        """One try: (re-read), plan again, journal "sent", write, and what its outcome calls for."""
        prepared = self._prepare(edit, data, wanted, reread=again.reread)
        if isinstance(prepared, Settle):
            return prepared
        self.journal.mark_sent(edit.edit_id)
        warnings: list[str] = []
        try:
            entity = self.client.edit_entity(prepared.data, entity_id=prepared.target,
                                             new="item" if prepared.target is None else None,
                                             baserevid=prepared.baserevid, summary=edit.summary, bot=self.bot,
                                             warnings=warnings)
        except WikiError as exc:
            return self._decide(edit, prepared, outcome_of(exc), again)
        saved = Saved(str(entity.get("id")), entity.get("lastrevid"), "nochange" in entity, tuple(warnings), entity)
        return self._decide(edit, prepared, saved, again)

    def _prepare(self, edit: EntityEdit, data: EntityData, wanted: Wanted, *, reread: bool) -> Payload | Settle:
        """What to send now: the edit planned again from what it wants against the entity as it is, with
        only what was approved; an unmoved entity must give exactly the approved payload."""
        current: Entity | None = None
        if edit.target is not None:
            if reread:
                self.fresh.pop(edit.target, None)
            current = self._current(edit.target)
            if "missing" in current:
                return Settle("conflict", edit.target, detail=f"{edit.target} n'existe plus (supprimé ?) / no longer "
                                                              "exists (deleted?): rien envoyé / nothing sent")
        approved, known = approved_changes(edit, self.created)
        checked = check_replan(wanted, current, approved, known, single_value=self.single_value,
                               overwrite=self.overwrite)
        result, entity_id = checked.result, (str(current["id"]) if current else None)
        unmoved = current is None or (current.get("id") == edit.target and current.get("lastrevid") == edit.baserevid)
        if unmoved and not checked.refused and canonical(result.data) != canonical(data):
            return Settle("conflict", entity_id, detail="ce qui serait envoyé n'est pas ce qui a été approuvé / what "
                                                        "would be sent is not what was approved (plan.jsonl edited?): "
                                                        "rien envoyé / nothing sent; planifiez et approuvez à nouveau / "
                                                        "plan and approve again")
        if result.empty:
            if checked.refused:
                return Settle("conflict", entity_id, detail="; ".join(checked.refused))
            return Settle("done", entity_id, detail="déjà présent / already there")
        return Payload(entity_id, current.get("lastrevid") if current else None, result.data, checked.refused,
                       result.changes)

    def _decide(self, edit: EntityEdit, payload: Payload, outcome: Outcome, again: Again) -> Settle | Again:
        """Outcome → action."""
        match outcome:
            case Saved():
                return self._saved(payload, outcome)
            case Lost(message):
                found = self._found(edit, "réponse inconnue, trouvé / outcome unknown, found")
                return _done_or_conflict(payload, found.entity_id, found.revid, found.detail) if found else \
                    Again(True, message)
            case Stale(message):
                return Again(True, message)
            case Busy(message):
                return Again(again.reread, message)
            case Taken(message, other):
                return self._taken(edit, message, other)
            case Refused(message):
                return Settle("failed", detail=message)
            case LoggedOut(message):
                self._finish(edit, Settle("failed", detail=message))
                raise _Stop(message)
        raise AssertionError(outcome)  # pragma: no cover - every outcome is matched above

    def _saved(self, payload: Payload, saved: Saved) -> Settle:
        """A write the wiki answered; a patched stale write is checked against what was sent."""
        if PATCHED in saved.warnings and saved.entity_id:
            # A real Wikibase answers a patched stale write with the entity as this write made it,
            # *without* the concurrent change (docs/sandbox.md): read it again to see what it holds now.
            now: Entity = self.client.get_entities([saved.entity_id]).get(saved.entity_id) or saved.entity or {}
            doubled = duplicates(payload.changes, now)
            if doubled:
                return Settle("conflict", saved.entity_id, saved.revid,
                              "modifié en même temps par quelqu'un d'autre, Wikibase a fusionné / edited by someone "
                              "else at the same time, Wikibase patched it in: en double / now twice: "
                              + "; ".join(doubled) + " — à fusionner à la main / merge by hand")
        if saved.nochange:
            return _done_or_conflict(payload, saved.entity_id, None, "aucun changement / nochange")
        return _done_or_conflict(payload, saved.entity_id, saved.revid)

    def _taken(self, edit: EntityEdit, message: str, other: str | None) -> Settle:
        """modification-failed: a creation an earlier attempt made, an item someone else made, or a refusal."""
        if other is None:
            return Settle("failed", detail=message)
        if edit.creation:
            found = self._found(edit, "déjà créé / already created")
            if found:
                return found
        return Settle("conflict", detail=f"{other} a déjà ce libellé et cette description / "
                                         "already has this label and description")

    def _give_up(self, edit: EntityEdit, error: str) -> Settle:
        """Out of attempts: a lost answer may still have landed (the next push looks it up again)."""
        last = self.journal.entry(edit.edit_id)
        if last is not None and last.state == "sent":
            found = self._found(edit)
            if found:
                return found
        return Settle("failed", detail=f"abandon après / gave up after {self.options.attempts_per_edit} essais: "
                                       f"{error}")

    def _finish(self, edit: EntityEdit, settle: Settle) -> tuple[str, str]:
        self.journal.set_state(edit.edit_id, settle.state, entity_id=settle.entity_id, revid=settle.revid,
                               detail=settle.detail)
        if settle.state == "done" and edit.creation and settle.entity_id:
            self.created[edit.edit_id] = settle.entity_id
        return settle.state, settle.detail

    # ---- the run -------------------------------------------------------------------------------
    def run(self) -> PushReport:
        """Push every edit not settled yet; the report says how it ended (Ctrl-C and a wiki that went
        down included: a failed read stops the push like a failed write, with the command to rerun)."""
        stopped: str | None = None
        interrupted = False
        try:
            # Every journal write is one transaction that Ctrl-C cannot cut in two: what the journal
            # holds when KeyboardInterrupt arrives here is consistent.
            self._loop()
        except _Stop as exc:
            stopped = str(exc)
        except WikiError as exc:  # a read (re-read, look-up, userinfo) failed after the client's retries
            stopped = f"{exc.message} — le wiki ne répond pas / the wiki is not answering"
        except KeyboardInterrupt:
            interrupted = True
            stopped = "interrompu / interrupted (Ctrl-C)"
        return self.report(stopped, interrupted)

    def _loop(self) -> None:
        journal = self.journal
        journal.register([(e.edit_id, e.seq, e.target, e.creation, e.summary) for e in self.plan.edits])
        for known in journal.entries():
            if known.created and known.state == "done" and known.entity_id:
                self.created[known.edit_id] = known.entity_id
        todo = [e for e in self.plan.edits if not self._settled(e)]
        if self.options.limit is not None:
            todo = todo[: self.options.limit]
        self.queue = todo
        info = self.client.userinfo()
        self.user, self.bot = str(info.name), bool(info.has_right("bot"))
        if todo:
            self._scan(todo)
        failures_in_row = 0
        for i, edit in enumerate(todo):
            self.position = i
            state, detail = self.push_one(edit)
            if self.on_event:
                self.on_event(PushEvent(edit.edit_id, edit.label, state, detail, i + 1, len(todo)))
            failures_in_row = failures_in_row + 1 if state == "failed" else 0
            if failures_in_row >= self.options.max_consecutive_failures:
                raise _Stop(f"{failures_in_row} échecs de suite / failures in a row; dernier / last: {detail}")

    def _resume_command(self) -> str:
        if self.options.resume_command:
            return self.options.resume_command
        return f"wikiclub push {shlex.quote(str(self.batch_dir))} --site {shlex.quote(self.client.api_url)}"

    def report(self, stopped: str | None, interrupted: bool = False) -> PushReport:
        """The report of this run, from the journal (what every run did) and the plan's notes."""
        edits = {e.edit_id: e for e in self.plan.edits}
        counts = {s: 0 for s in ("done", "skipped", "pending", "sent")}
        lists: dict[str, list[dict[str, Any]]] = {"conflict": [], "failed": [], "created": [], "waiting": []}
        for entry in self.journal.entries():
            edit = edits.get(entry.edit_id)
            item = {"edit_id": entry.edit_id, "label": edit.label if edit else "", "row": _rows(edit),
                    "target": entry.entity_id, "reason": entry.detail}
            if entry.state in ("conflict", "failed"):
                lists[entry.state].append({**item, "found": "push"} if entry.state == "conflict" else item)
            else:
                counts[entry.state] = counts.get(entry.state, 0) + 1
            if entry.state in ("pending", "sent"):
                lists["waiting"].append({**item, "state": entry.state})
            if entry.created and entry.state == "done":
                lists["created"].append({"edit_id": entry.edit_id, "row": item["row"], "label": item["label"],
                                         "qid": entry.entity_id, "revid": entry.revid})
        planned = [{"edit_id": None, "label": n.get("label", ""), "row": n.get("row"), "target": n.get("target"),
                    "reason": n.get("text", ""), "found": "plan"} for n in self.plan.conflicts]
        unfinished = bool(lists["waiting"] or lists["failed"] or stopped)
        return PushReport(self.journal.batch_id, False, len(self.plan.edits), counts["done"], counts["skipped"],
                          planned + lists["conflict"], lists["failed"], lists["created"],
                          counts["pending"] + counts["sent"], stopped, requests=self.client.requests_made,
                          interrupted=interrupted, waiting=lists["waiting"],
                          resume=self._resume_command() if unfinished else "",
                          held=[n for n in self.plan.notes if n.get("kind") == "held"],
                          marker_scan_requests=self.scan_requests)


def _rows(edit: EntityEdit | None) -> str:
    if edit is None:
        return ""
    return ",".join(str(p.get("source", {}).get("row")) for p in edit.provenance)


def push_plan(batch_dir: Path, client: PushClient, options: PushOptions = PushOptions(), *,
              on_event: Callable[[PushEvent], None] | None = None) -> PushReport:
    """Push (or with ``dry_run`` only show) the batch in ``batch_dir`` through a logged-in ``client``.

    Holds the batch's lock for the whole push (:class:`BatchError` naming the other push if one is
    running); the report is written however the run ends."""
    batch_dir = Path(batch_dir)
    plan = read_batch(batch_dir)
    check_site(plan.meta, client)
    if options.require_approval:
        check_approved(batch_dir)
    if options.dry_run:
        return _dry_run(batch_dir, plan, client, options)
    with batch_lock(batch_dir):
        report = _push_locked(batch_dir, plan, client, options, on_event)
    if report.interrupted:
        raise PushInterrupted(report)
    return report


def _push_locked(batch_dir: Path, plan: Plan, client: PushClient, options: PushOptions,
                 on_event: Callable[[PushEvent], None] | None) -> PushReport:
    with Journal(batch_dir, batch_id=str(plan.meta.get("batch_id", batch_dir.name))) as journal:
        pusher = _Pusher(batch_dir, plan, client, options, journal, on_event)
        try:
            report = pusher.run()
        except BaseException as exc:  # a bug or the disk: the report must not pretend an older run is current
            write_report(batch_dir, pusher.report(f"erreur inattendue / unexpected error: {exc.__class__.__name__}"),
                         item_url=options.item_url)
            raise
    try:
        with sigint_deferred():
            write_report(batch_dir, report, item_url=options.item_url)
    except KeyboardInterrupt:  # Ctrl-C while the report was written: it is written, then we stop
        raise PushInterrupted(report) from None
    return report


def _dry_payload(edit: EntityEdit, plan: Plan, current: Entity | None,
                 created: Mapping[str, str]) -> EntityData:
    """What push would send for ``edit`` now (approved changes only)."""
    if edit.target is None or current is None or current.get("lastrevid") == edit.baserevid:
        return edit.data
    try:
        wanted = Wanted.from_json(resolve_batch_items(edit.wanted.to_json(), created))
    except KeyError:
        wanted = edit.wanted
    approved, known = approved_changes(edit, created)
    return check_replan(wanted, current, approved, known, single_value=plan.meta.get("single_value", ()),
                        overwrite=plan.meta.get("overwrite", ())).result.data


def _dry_run(batch_dir: Path, plan: Plan, client: PushClient, options: PushOptions) -> PushReport:
    """What a push would send now: reads only, writes nothing (not even the journal)."""
    settled = {e.edit_id: e for e in iter_journal(batch_dir) if e.state in FINAL_STATES}
    created = {e.edit_id: e.entity_id for e in settled.values() if e.created and e.entity_id}
    todo = [e for e in plan.edits if e.edit_id not in settled]
    if options.limit is not None:
        todo = todo[: options.limit]
    targets = [e.target for e in todo if e.target]
    current = client.get_entities(targets) if targets else {}
    would: list[dict[str, Any]] = []
    for e in todo:
        payload = _dry_payload(e, plan, current.get(e.target) if e.target else None, created)
        if payload:
            would.append({"edit_id": e.edit_id, "target": e.target, "label": e.label, "summary": e.summary,
                          "data": payload})
    return PushReport(str(plan.meta.get("batch_id", batch_dir.name)), True, len(plan.edits),
                      done=len(settled) + len(todo) - len(would), pending=len(would), would_send=would,
                      requests=client.requests_made)
