"""``push_plan``: send an approved batch, one ``wbeditentity`` per entity, exactly once.

How "exactly once, nothing lost" is kept (DESIGN.md §6):

- **Journal first.** Every edit is written ``sent`` (and committed) before its request leaves, and
  ``done`` with its revision id and QID when the answer comes (:mod:`wikiclub.batch.journal`). A push
  started again on the same batch skips what is done and *looks up* what is ``sent``.
- **Lost answers are looked up, never blindly repeated.** A write whose answer was lost (timeout,
  dropped connection, a 5xx after sending), or an edit left ``sent`` by a crash, is searched in the
  account's contributions (``list=usercontribs``) by the unique marker ``[wc:<edit_id>]`` of its
  summary. Found: done. Not found: a creation is sent again — and Wikibase itself refuses a second
  item with the same label and description, naming the first, which is then checked the same way;
  an edit to an existing item is re-planned from a fresh read.
- **Fresh reads before writing.** Wikibase silently *merges* a stale ``baserevid`` when the changes
  do not overlap, so a statement somebody added meanwhile would be duplicated. Just before writing,
  the next entities are re-read, 50 per request (and again when a read is older than
  ``reread_max_age``); an entity whose revision moved is re-planned from its wanted state with
  :func:`wikiclub.batch.diff.diff_entity`. On ``editconflict`` the entity is read again and re-planned;
  what is already there is recorded as done; nothing somebody else wrote is ever overwritten.
- Back-off on maxlag / ratelimited / 503 (honouring Retry-After), token refresh and re-login are
  the client's (:class:`~wikiclub.adapters.wikibase.WikibaseClient`); the throttle too. ``bot=1``
  only when the account has the bot right; ``assert=user`` or ``bot`` on every write.
- Each edit goes through a small state machine (:meth:`_Pusher.push_one`): a write ends in a typed
  outcome (:data:`Outcome`: saved, lost, stale, busy, taken, refused, logged out) and ``_decide``
  maps each outcome to an action: settle the edit in the journal, or try again (re-reading first or not).
- After ``max_consecutive_failures`` failures in a row the push stops with a summary; failed edits
  are tried again by the next push.
- Ctrl-C (``KeyboardInterrupt``, wherever it lands: in a request, in the progress callback) stops the
  run, and the report is still written — what is done, what is pending, which edits were sent without
  an answer (looked up first by the next push) and the command to rerun — before
  :class:`PushInterrupted` (a ``KeyboardInterrupt``) goes on to the caller; the CLI exits 130.
"""

from __future__ import annotations

import csv
import io
import json
import shlex
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

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
from .approve import check_approved
from .diff import Wanted, diff_entity, resolve_batch_items
from .folder import read_batch
from .journal import FINAL_STATES, Journal, State, iter_journal
from .model import MARKER_RE, EntityEdit, Plan

REPORT_MD, REPORT_JSON, CREATED_CSV = "push-report.md", "push-report.json", "created.csv"
_WAITING_SHOWN = 100  # pending edits listed in push-report.md (all of them in push-report.json)


class PushClient(Protocol):
    api_url: str
    requests_made: int

    def get_entities(self, ids: Iterable[str], *, props: Sequence[str] | None = None,
                     languages: Sequence[str] | None = None) -> dict[str, dict[str, Any]]: ...

    def edit_entity(self, data: Mapping[str, Any], *, entity_id: str | None = None, new: str | None = None,
                    baserevid: int | None = None, summary: str, bot: bool = False,
                    tags: Sequence[str] = (), clear: bool = False) -> dict[str, Any]: ...

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


@dataclass(frozen=True)
class PushEvent:
    """Reported after each edit is settled (for a progress bar)."""

    edit_id: str
    label: str
    state: str
    detail: str
    position: int  # 1-based among this run's edits
    total: int


@dataclass(frozen=True)
class PushReport:
    batch_id: str
    dry_run: bool
    total: int  # edits in the batch
    done: int = 0
    skipped: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    pending: int = 0  # not tried in this run (--limit, stop)
    stopped: str | None = None
    would_send: list[dict[str, Any]] = field(default_factory=list)  # dry run only
    requests: int = 0
    interrupted: bool = False  # Ctrl-C
    waiting: list[dict[str, Any]] = field(default_factory=list)  # the pending edits (and "sent": outcome unknown)
    resume: str = ""  # the command that continues the push

    @property
    def ok(self) -> bool:
        return not self.failed and self.stopped is None

    def to_json(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "dry_run": self.dry_run, "total": self.total, "done": self.done,
                "skipped": self.skipped, "conflicts": self.conflicts, "failed": self.failed,
                "created": self.created, "pending": self.pending, "stopped": self.stopped,
                "would_send": self.would_send, "requests": self.requests, "interrupted": self.interrupted,
                "waiting": self.waiting, "resume": self.resume}


class PushInterrupted(KeyboardInterrupt):
    """Ctrl-C during a push, raised once the journal is consistent and the report written."""

    def __init__(self, report: PushReport) -> None:
        super().__init__("push interrompu / interrupted")
        self.report = report


class _Stop(Exception):
    """Stop the whole push (login lost, permission denied, too many failures)."""


def _iso_minus(iso: str, seconds: float) -> str:
    when = datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC) - timedelta(seconds=seconds)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- one edit as a state machine -----------------------------------------------------------------
#
# push_one takes an edit through: look up an outcome left unknown by an earlier run → fill in the
# batch's creations → [read, re-plan → journal "sent" → write → outcome → action]… The action is
# either Settle (its journal state, final for this run) or Again (try once more, re-reading the entity
# first or not). Outcomes of a write are typed (below) and _decide maps each one to its action.


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
    """What one attempt sends; ``target`` None creates an item."""

    target: str | None
    baserevid: int | None
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Saved:
    """The wiki answered with the entity."""

    entity_id: str
    revid: int | None
    nochange: bool


@dataclass(frozen=True)
class Lost:
    """Sent, the answer lost: it may have landed."""

    message: str


@dataclass(frozen=True)
class Stale:
    """Edit conflict, or the request failed on its way: read the entity again before anything else."""

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
    (NoSuchEntityError, lambda e: Refused(e.message)),
    (TransportError, lambda e: Stale(e.message)),
)


def outcome_of(exc: WikiError) -> Outcome:
    """The typed outcome of a write that raised ``exc``."""
    return next((make(exc) for kind, make in _OUTCOME_OF if isinstance(exc, kind)), Refused(exc.message))


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
        self.fresh: dict[str, tuple[dict[str, Any], float]] = {}  # target → (entity, read at)
        self.queue: list[EntityEdit] = []
        self.position = 0
        self.user = ""
        self.bot = False
        self.created: dict[str, str] = {}  # edit_id → QID of done creations

    # ---- reads ---------------------------------------------------------------------------------
    def _current(self, target: str) -> dict[str, Any]:
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

    def _lookup(self, edit: EntityEdit) -> tuple[str, int] | None:
        """(QID, revid) of the edit if the account's contributions hold its marker."""
        since = self.journal.sent_at(edit.edit_id)
        params: dict[str, Any] = {"action": "query", "list": "usercontribs", "ucuser": self.user,
                                  "uclimit": "500", "ucprop": "ids|title|comment|timestamp"}
        if since:  # ten minutes of margin for the difference between our clock and the wiki's
            params["ucend"] = _iso_minus(since, 600)
        for _ in range(20):  # 10 000 contributions at most: far more than a push makes meanwhile
            answer = self.client.call(params)
            for contrib in answer.get("query", {}).get("usercontribs", []):
                m = MARKER_RE.search(str(contrib.get("comment", "")))
                if m and m.group(1) == edit.edit_id:
                    return str(contrib["title"]).rsplit(":", 1)[-1], int(contrib["revid"])
            cont = answer.get("continue")
            if not cont:
                return None
            params.update(cont)
        return None

    def _found(self, edit: EntityEdit, detail: str = "") -> Settle | None:
        """Done, when the account's contributions hold the edit's marker."""
        found = self._lookup(edit)
        return Settle("done", found[0], found[1], detail) if found else None

    # ---- one edit ------------------------------------------------------------------------------
    def push_one(self, edit: EntityEdit) -> tuple[str, str]:
        """Settle one edit; returns (state, detail)."""
        entry = self.journal.entry(edit.edit_id)
        if entry is not None and entry.state in FINAL_STATES:
            return entry.state, entry.detail
        unknown = entry is not None and entry.state in ("sent", "failed")
        if unknown and entry is not None and entry.attempts:
            # a previous run died or lost the answer after committing "sent": did it land?
            found = self._found(edit, "trouvé après interruption / found after interruption")
            if found:
                return self._finish(edit, found)
        try:
            data = resolve_batch_items(edit.data, self.created)
            wanted = Wanted.from_json(resolve_batch_items(edit.wanted.to_json(), self.created))
        except KeyError as missing:
            return self._finish(edit, Settle("failed", detail=f"dépend de / depends on creation "
                                                              f"{missing.args[0]} not done yet"))
        again = Again(reread=unknown)
        for _ in range(self.options.attempts_per_edit):
            step = self._attempt(edit, data, wanted, again)
            if isinstance(step, Settle):
                return self._finish(edit, step)
            again = step
        return self._finish(edit, self._give_up(edit, again.error))

    def _attempt(self, edit: EntityEdit, data: dict[str, Any], wanted: Wanted, again: Again) -> Settle | Again:
        """One try: (re-read, re-plan), journal "sent", write, and what its outcome calls for."""
        prepared = self._prepare(edit, data, wanted, reread=again.reread)
        if isinstance(prepared, Settle):
            return prepared
        self.journal.mark_sent(edit.edit_id)
        try:
            entity = self.client.edit_entity(prepared.data, entity_id=prepared.target,
                                             new="item" if prepared.target is None else None,
                                             baserevid=prepared.baserevid, summary=edit.summary, bot=self.bot)
        except WikiError as exc:
            return self._decide(edit, outcome_of(exc), again)
        return self._decide(edit, Saved(str(entity.get("id")), entity.get("lastrevid"), "nochange" in entity), again)

    def _prepare(self, edit: EntityEdit, data: dict[str, Any], wanted: Wanted, *, reread: bool) -> Payload | Settle:
        """The payload to send now; an edit whose item moved (or whose last outcome is unknown) is
        planned again from what it wants; nothing left to send settles it."""
        target = edit.target
        if target is None:
            return Payload(None, None, data)
        if reread:
            self.fresh.pop(target, None)
        current = self._current(target)
        if "missing" in current:
            return Settle("failed", detail=f"{target} n'existe plus / no longer exists")
        if current.get("id") == target and current.get("lastrevid") == edit.baserevid and not reread:
            return Payload(target, edit.baserevid, data)
        # moved since planning (or unknown outcome): plan this entity again from what it wants
        result = diff_entity(wanted, current, single_value=self.single_value, overwrite=self.overwrite)
        entity_id = str(current["id"])
        if not result.empty:
            return Payload(entity_id, current.get("lastrevid"), result.data)
        if result.conflicts:
            return Settle("conflict", entity_id, detail=_conflicts(result))
        return Settle("done", entity_id, detail="déjà présent / already there")

    def _decide(self, edit: EntityEdit, outcome: Outcome, again: Again) -> Settle | Again:
        """Outcome → action."""
        match outcome:
            case Saved(entity_id, revid, nochange):
                return Settle("done", entity_id, None if nochange else revid,
                              "aucun changement / nochange" if nochange else "")
            case Lost(message):
                return self._found(edit, "réponse perdue, trouvé / answer lost, found") or Again(True, message)
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
        """Push every edit not settled yet; the report says how it ended (Ctrl-C included)."""
        stopped: str | None = None
        interrupted = False
        try:
            # Every journal write is its own transaction, rolled back if Ctrl-C lands inside it: what
            # the journal holds when KeyboardInterrupt arrives here is consistent.
            self._loop()
        except _Stop as exc:
            stopped = str(exc)
        except KeyboardInterrupt:
            interrupted = True
            stopped = "interrompu / interrupted (Ctrl-C)"
        return self._report(stopped, interrupted)

    def _loop(self) -> None:
        journal = self.journal
        journal.register([(e.edit_id, e.seq, e.target, e.creation, e.summary) for e in self.plan.edits])
        for known in journal.entries():
            if known.created and known.state == "done" and known.entity_id:
                self.created[known.edit_id] = known.entity_id
        info = self.client.userinfo()
        self.user, self.bot = str(info.name), bool(info.has_right("bot"))
        todo = [e for e in self.plan.edits if not self._settled(e)]
        if self.options.limit is not None:
            todo = todo[: self.options.limit]
        self.queue = todo
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

    def _report(self, stopped: str | None, interrupted: bool = False) -> PushReport:
        batch_id = self.journal.batch_id
        labels = {e.edit_id: e for e in self.plan.edits}
        counts = {s: 0 for s in ("done", "skipped", "pending", "sent")}
        conflicts, failed, created, waiting = [], [], [], []
        for entry in self.journal.entries():
            edit = labels.get(entry.edit_id)
            row = _rows(edit)
            item = {"edit_id": entry.edit_id, "label": edit.label if edit else "", "row": row,
                    "target": entry.entity_id, "reason": entry.detail}
            if entry.state == "conflict":
                conflicts.append(item)
            elif entry.state == "failed":
                failed.append(item)
            else:
                counts[entry.state] = counts.get(entry.state, 0) + 1
            if entry.state in ("pending", "sent"):
                waiting.append({**item, "state": entry.state})
            if entry.created and entry.state == "done":
                created.append({"edit_id": entry.edit_id, "row": row, "label": item["label"],
                                "qid": entry.entity_id, "revid": entry.revid})
        conflicts += [{"edit_id": None, "label": n.get("label", ""), "row": n.get("row"), "target": n.get("target"),
                       "reason": n.get("text", "")} for n in self.plan.conflicts]
        unfinished = bool(waiting or failed or stopped)
        return PushReport(batch_id, False, len(self.plan.edits), counts["done"], counts["skipped"], conflicts,
                          failed, created, counts["pending"] + counts["sent"], stopped,
                          requests=self.client.requests_made, interrupted=interrupted, waiting=waiting,
                          resume=self._resume_command() if unfinished else "")


def _rows(edit: EntityEdit | None) -> str:
    if edit is None:
        return ""
    return ",".join(str(p.get("source", {}).get("row")) for p in edit.provenance)


def _conflicts(result: Any) -> str:
    return "; ".join(f"{c.property}: {c.reason} (wiki {', '.join(c.existing)}; sheet {c.wanted})"
                     for c in result.conflicts)


def push_plan(batch_dir: Path, client: PushClient, options: PushOptions = PushOptions(), *,
              on_event: Callable[[PushEvent], None] | None = None) -> PushReport:
    """Push (or with ``dry_run`` only show) the batch in ``batch_dir`` through a logged-in ``client``."""
    batch_dir = Path(batch_dir)
    plan = read_batch(batch_dir)
    site = plan.meta.get("site", {})
    if site.get("api_url") and site["api_url"] != client.api_url:
        raise BatchError(f"Lot préparé pour / batch planned for {site['api_url']}, pas pour / not for "
                         f"{client.api_url}", "plan it again against this site, or push with the same --site")
    if options.require_approval:
        check_approved(batch_dir)
    if options.dry_run:
        return _dry_run(batch_dir, plan, client, options)
    with Journal(batch_dir, batch_id=str(plan.meta.get("batch_id", batch_dir.name))) as journal:
        report = _Pusher(batch_dir, plan, client, options, journal, on_event).run()
    write_report(batch_dir, report, plan)
    if report.interrupted:
        raise PushInterrupted(report)
    return report


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
    done = 0
    for e in todo:
        payload: Mapping[str, Any] = e.data
        if e.target:
            entity = current[e.target]
            if entity.get("lastrevid") != e.baserevid:
                try:
                    wanted = Wanted.from_json(resolve_batch_items(e.wanted.to_json(), created))
                except KeyError:
                    wanted = e.wanted
                payload = diff_entity(wanted, entity, single_value=plan.meta.get("single_value", ()),
                                      overwrite=plan.meta.get("overwrite", ())).data
        if not payload:
            done += 1
            continue
        would.append({"edit_id": e.edit_id, "target": e.target, "label": e.label, "summary": e.summary,
                      "data": payload})
    return PushReport(str(plan.meta.get("batch_id", batch_dir.name)), True, len(plan.edits), done=len(settled) + done,
                      pending=len(would), would_send=would, requests=client.requests_made)


def write_report(batch_dir: Path, report: PushReport, plan: Plan) -> None:
    """push-report.md / .json and created.csv (edit_id, rows, label, QID) in the batch folder."""
    from ..escape import md_escape

    (batch_dir / REPORT_JSON).write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n", "utf-8")
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["edit_id", "row", "label", "qid", "revid"])
    for c in report.created:
        # a label starting with = + - @ would be a formula in a spreadsheet: quote it
        label = str(c["label"])
        writer.writerow([c["edit_id"], c["row"], "'" + label if label[:1] in "=+-@\t\r" else label, c["qid"],
                         c["revid"] or ""])
    (batch_dir / CREATED_CSV).write_text(buf.getvalue(), "utf-8")
    lines = [f"# Push {md_escape(report.batch_id)}", "",
             f"- {report.done} fait(s) / done, {report.skipped} ignoré(s) / skipped, "
             f"{len(report.conflicts)} conflit(s) / conflicts, {len(report.failed)} échec(s) / failed, "
             f"{report.pending} en attente / pending (of {report.total})",
             f"- {len(report.created)} élément(s) créé(s) / items created (created.csv)",
             f"- requêtes / requests: {report.requests}"]
    if report.interrupted:
        lines.append("- **interrompu / interrupted** (Ctrl-C): le journal est intact / the journal is intact; "
                     "rien ne sera envoyé deux fois / nothing will be sent twice")
    elif report.stopped:
        lines.append(f"- **arrêté / stopped**: {md_escape(report.stopped)}")
    if report.resume:
        unknown = sum(w["state"] == "sent" for w in report.waiting)
        lines += ["", "## Reprendre / resume", "",
                  f"Relancez / rerun: `{report.resume.replace('`', '')}`", "",
                  "Ce qui est fait n'est pas renvoyé / what is done is not sent again"
                  + (f"; {unknown} envoi(s) sans réponse / sent without an answer: cherché(s) d'abord dans les "
                     "contributions du compte / looked up first in the account's contributions" if unknown else "")
                  + "."]
    for title, rows in (("Conflits / conflicts", report.conflicts), ("Échecs / failed", report.failed)):
        if rows:
            lines += ["", f"## {title}", ""]
            lines += [f"- row {r['row']} {md_escape(r['label'])} ({r['target'] or 'new'}): {md_escape(r['reason'])}"
                      for r in rows]
    if report.waiting:
        lines += ["", "## En attente / pending", ""]
        for w in report.waiting[:_WAITING_SHOWN]:
            state = (" — envoyé, réponse inconnue / sent, outcome unknown" if w["state"] == "sent" else "")
            lines.append(f"- row {w['row']} {md_escape(w['label'])} ({w['target'] or 'new'}){state}")
        if len(report.waiting) > _WAITING_SHOWN:
            lines.append(f"- … et / and {len(report.waiting) - _WAITING_SHOWN} autre(s) / more (push-report.json)")
    if report.created:
        lines += ["", "## Créés / created", ""]
        lines += [f"- {c['qid']} — {md_escape(c['label'])} (row {c['row']})" for c in report.created]
    (batch_dir / REPORT_MD).write_text("\n".join(lines) + "\n", "utf-8")
