"""Where a work stands, read from its files (nothing kept in memory): checked, reconciled, how many rows
are still to decide, planned, approved, pushed (and whether a push is unfinished)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import WikiclubError
from ..model import Issue
from .project import Project, Work

CHECKED = "checked.json"


@dataclass(frozen=True)
class Status:
    checked: dict[str, Any] | None
    reconciled: bool
    rows: int
    pending: int
    decided: int
    batch: Path | None
    approval: dict[str, Any] | None
    push: dict[str, Any] | None  # push-report.json
    plan_counts: dict[str, Any] | None

    @property
    def pushed(self) -> bool:
        return bool(self.push) and not self.push_unfinished

    @property
    def push_unfinished(self) -> bool:
        return bool(self.push) and bool(self.push.get("resume") or self.push.get("pending")) if self.push else False

    @property
    def step(self) -> int:
        """1 check · 2 reconcile · 3 review · 4 plan and approve · 5 publish · 6 done."""
        if self.push and not self.push_unfinished:
            return 6
        if self.approval:
            return 5
        if self.batch is not None:
            return 4
        if self.reconciled:
            return 3
        return 2 if self.checked else 1


def save_checked(work: Work, rows_read: int, rows_valid: int, issues: tuple[Issue, ...]) -> None:
    data = {"rows_read": rows_read, "rows_valid": rows_valid,
            "errors": sum(i.severity == "error" for i in issues), "issues": [i.to_json() for i in issues[:500]],
            "more": max(0, len(issues) - 500)}
    (work.folder / CHECKED).write_text(json.dumps(data, ensure_ascii=False), "utf-8")


def _json(path: Path) -> dict[str, Any] | None:
    try:
        found = json.loads(path.read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def status(project: Project, work: Work) -> Status:
    from ..reconcile.review import read_review

    checked = _json(work.folder / CHECKED)
    rows = pending = decided = 0
    reconciled = work.review.exists()
    if reconciled:
        try:
            decisions = read_review(work.review)
        except WikiclubError:
            decisions = []
        rows = len(decisions)
        pending = sum(1 for d in decisions if d.decision.value == "REVIEW")
        decided = sum(1 for d in decisions if d.by_human)
    batch = project.batch_dir(work)
    meta = _json(batch / "meta.json") if batch else None
    if batch is not None and meta is None:
        batch = None
    push = _json(batch / "push-report.json") if batch else None
    return Status(checked, reconciled, rows, pending, decided, batch, (meta or {}).get("approval"), push,
                  (meta or {}).get("counts"))
