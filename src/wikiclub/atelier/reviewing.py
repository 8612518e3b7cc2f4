"""The review as the atelier shows it: rows read from the review sheet and its state, decisions written
back into the same sheet (:func:`wikiclub.reconcile.review.write_decisions`).

There is no second store: the XLSX's « Votre décision » and « … → QID » columns are the people's
decisions, the ``.state.jsonl`` beside it the machine's. So a review begun in the browser can be
finished in LibreOffice and the reverse (close the sheet in LibreOffice while the atelier writes:
LibreOffice would save its own copy over the atelier's decisions — the page warns when it sees
LibreOffice's lock file).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..reconcile.apply import read_state
from ..reconcile.model import sheet_of
from ..reconcile.review import human_value, read_review, write_decisions
from .cards import Card, match_cards

ORDER = {"REVIEW": 0, "NEW": 1, "MATCH": 2, "SKIP": 3}


@dataclass(frozen=True)
class LinkedView:
    column: str
    value: str
    machine: str
    machine_qid: str
    human_qid: str  # "" = the machine's
    reason: str
    cards: tuple[Card, ...]

    @property
    def qid(self) -> str:
        return self.human_qid or self.machine_qid


@dataclass(frozen=True)
class ReviewRow:
    key: str
    row: int
    sheet: str
    name: str
    machine: str
    machine_qid: str
    reason: str
    human: str  # "" | QID | NEW | SKIP
    cards: tuple[Card, ...]
    linked: tuple[LinkedView, ...] = ()
    cells: tuple[tuple[str, str], ...] = ()
    duplicate_of: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def final(self) -> str:
        """The decision that counts now: MATCH, NEW, SKIP or REVIEW (still to decide)."""
        if self.human in ("NEW", "SKIP"):
            return self.human
        return "MATCH" if self.human else self.machine

    @property
    def final_qid(self) -> str:
        if self.human in ("NEW", "SKIP"):
            return ""
        return self.human or self.machine_qid

    @property
    def pending(self) -> bool:
        return self.final == "REVIEW"

    @property
    def places(self) -> tuple[str, ...]:
        return tuple(lv.value for lv in self.linked if lv.value)


def _linked(result: Mapping[str, Any], human: Mapping[str, str], link: Callable[[str], str]) -> tuple[LinkedView, ...]:
    out = []
    for lr in result.get("linked") or ():
        m = lr.get("match") or {}
        column, machine_qid = str(lr.get("column", "")), str(m.get("qid") or "")
        typed = human.get(column, machine_qid)  # the sheet's « → QID » cell starts as the machine's QID
        out.append(LinkedView(column, str(lr.get("value", "")), str(m.get("decision", "")), machine_qid,
                              typed if typed != machine_qid else "", str(m.get("reason", "")),
                              tuple(match_cards(m, link, limit=3))))
    return tuple(out)


def load_rows(review: Path, link: Callable[[str], str]) -> list[ReviewRow]:
    """Every row of the review, the ones to decide first (REVIEW, then NEW, then MATCH), by row."""
    state = read_state(review)
    rows = []
    for hd in read_review(review):
        item = state.get(hd.key)
        if item is None:
            continue
        result = item["result"]
        entity = result.get("entity") or {}
        record = item.get("record") or {}
        raw = record.get("cells") or {}
        pairs = raw.items() if isinstance(raw, Mapping) else (c for c in raw if len(c) >= 2)
        cells = tuple((str(k), str(v)) for k, v in pairs if str(v).strip())
        rows.append(ReviewRow(hd.key, hd.row, sheet_of(hd.key), str(result.get("name", "")),
                              str(entity.get("decision", "REVIEW")), str(entity.get("qid") or ""),
                              str(entity.get("reason", "")), human_value(hd),
                              tuple(match_cards(entity, link)), _linked(result, hd.linked, link), cells,
                              result.get("duplicate_of"), tuple(result.get("notes") or ())))
    rows.sort(key=lambda r: (ORDER.get(r.machine, 9), r.row))
    return rows


@dataclass(frozen=True)
class Filters:
    decision: str = ""  # "" | todo | REVIEW | NEW | MATCH | SKIP | human
    sheet: str = ""
    place: str = ""
    text: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        return cls(*(str(args.get(k, "")).strip()[:200] for k in ("decision", "sheet", "place", "text")))

    def keep(self, r: ReviewRow) -> bool:
        if self.decision == "todo" and not r.pending:
            return False
        if self.decision == "human" and not r.human:
            return False
        if self.decision in ORDER and r.final != self.decision:
            return False
        if self.sheet and r.sheet != self.sheet:
            return False
        if self.place and self.place not in r.places:
            return False
        if self.text:
            hay = " ".join([r.name, *r.places, *(v for _, v in r.cells), *(c.label for c in r.cards)]).casefold()
            return self.text.casefold() in hay
        return True

    def query(self) -> dict[str, str]:
        return {k: v for k, v in (("decision", self.decision), ("sheet", self.sheet), ("place", self.place),
                                  ("text", self.text)) if v}


def next_key(rows: Sequence[ReviewRow], current: str) -> str:
    """After a decision on ``current``: the next row still to decide, else the next row, else itself."""
    keys = [r.key for r in rows]
    start = keys.index(current) + 1 if current in keys else 0
    after = list(rows[start:]) + list(rows[:start])
    for r in after:
        if r.pending and r.key != current:
            return r.key
    return rows[start].key if start < len(rows) else current


def lock_file(review: Path) -> Path:
    """LibreOffice's lock file: present while somebody has the sheet open."""
    return review.with_name(f".~lock.{review.name}#")


def _stamp(review: Path) -> tuple[int, int]:
    from ..reconcile.review import state_path

    return review.stat().st_mtime_ns, state_path(review).stat().st_mtime_ns


def _with_human(row: ReviewRow, value: str | None, linked: Mapping[str, str]) -> ReviewRow:
    """``row`` as it reads once ``value`` (the decision cell) and ``linked`` (column → QID) are written."""
    views = tuple(replace(lv, human_qid=linked[lv.column] if linked[lv.column] != lv.machine_qid else "")
                  if lv.column in linked else lv for lv in row.linked)
    return replace(row, human=row.human if value is None else value, linked=views)


@dataclass
class Decisions:
    """Writes decisions into a review sheet one at a time (a lock), with an undo list per sheet, and keeps
    the rows read: a page after a decision does not read the whole sheet again. The sheet stays the
    truth: when its file changed behind the atelier (a spreadsheet saved it), it is read again."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    undo: dict[Path, list[tuple[str, str, dict[str, str]]]] = field(default_factory=dict)
    cache: dict[Path, tuple[tuple[int, int], list[ReviewRow]]] = field(default_factory=dict)

    def rows(self, review: Path, link: Callable[[str], str]) -> list[ReviewRow]:
        with self.lock:
            stamp = _stamp(review)
            hit = self.cache.get(review)
            if hit is None or hit[0] != stamp:
                hit = (stamp, load_rows(review, link))
                self.cache[review] = hit
            return hit[1]

    def _write(self, review: Path, key: str, value: str | None, linked: Mapping[str, str]) -> None:
        """Write, then bring the kept rows up to date (only if they were those of the file before)."""
        from ..reconcile.review import normalise_human

        before = _stamp(review)
        write_decisions(review, {key: value} if value is not None else {}, {key: dict(linked)} if linked else None)
        hit = self.cache.get(review)
        if hit is None or hit[0] != before:
            self.cache.pop(review, None)
            return
        value = normalise_human(value) if value is not None else None
        linked = {c: normalise_human(q) for c, q in linked.items()}
        rows = [_with_human(r, value, linked) if r.key == key else r for r in hit[1]]
        self.cache[review] = (_stamp(review), rows)

    def decide(self, review: Path, row: ReviewRow, value: str) -> None:
        with self.lock:
            self._write(review, row.key, value, {})
            self.undo.setdefault(review, []).append((row.key, row.human, {}))

    def decide_linked(self, review: Path, row: ReviewRow, column: str, qid: str) -> None:
        with self.lock:
            before = {lv.column: lv.human_qid or lv.machine_qid for lv in row.linked if lv.column == column}
            self._write(review, row.key, None, {column: qid})
            self.undo.setdefault(review, []).append((row.key, row.human, before))

    def undo_last(self, review: Path) -> str | None:
        """Put back what the last decision replaced; the key of that row, or None when nothing to undo."""
        with self.lock:
            stack = self.undo.get(review) or []
            if not stack:
                return None
            key, human, linked = stack.pop()
            self._write(review, key, human, linked)
            return key
