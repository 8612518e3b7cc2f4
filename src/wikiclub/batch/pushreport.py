"""The push report: ``push-report.md`` / ``.json`` and ``created.csv`` in the batch folder.

Written at the end of every push that got the batch's lock, however it ended (done, stopped, a read
that failed while the wiki was down, Ctrl-C, a bug): the files in the folder always describe the last
run, never an earlier one. Each conflict is listed once: the ones the plan found (``notes.jsonl``,
already in plan.md) and the ones found while pushing (journal state ``conflict``), marked as such.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..escape import md_escape
from .preview import held_md

REPORT_MD, REPORT_JSON, CREATED_CSV = "push-report.md", "push-report.json", "created.csv"
_WAITING_SHOWN = 100  # pending edits listed in push-report.md (all of them in push-report.json)


@dataclass(frozen=True)
class PushReport:
    batch_id: str
    dry_run: bool
    total: int  # edits in the batch
    done: int = 0
    skipped: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)  # each once; "found": "plan" | "push"
    failed: list[dict[str, Any]] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    pending: int = 0  # not tried in this run (--limit, stop)
    stopped: str | None = None
    would_send: list[dict[str, Any]] = field(default_factory=list)  # dry run only
    requests: int = 0
    interrupted: bool = False  # Ctrl-C
    waiting: list[dict[str, Any]] = field(default_factory=list)  # the pending edits (and "sent": outcome unknown)
    resume: str = ""  # the command that continues the push
    held: list[dict[str, Any]] = field(default_factory=list)  # rows the plan held back (notes of kind "held")
    marker_scan_requests: int = 0  # list=usercontribs requests of the one look-up before creating

    @property
    def ok(self) -> bool:
        """Nothing failed and nothing stopped the run (conflicts are settled: they wait for a person)."""
        return not self.failed and self.stopped is None

    @property
    def conflicts_found(self) -> list[dict[str, Any]]:
        """Conflicts found while pushing (not in the approved plan): a person must look at them."""
        return [c for c in self.conflicts if c.get("found") == "push"]

    def to_json(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "dry_run": self.dry_run, "total": self.total, "done": self.done,
                "skipped": self.skipped, "conflicts": self.conflicts, "conflicts_found": len(self.conflicts_found),
                "failed": self.failed, "created": self.created, "pending": self.pending, "stopped": self.stopped,
                "would_send": self.would_send, "requests": self.requests, "interrupted": self.interrupted,
                "waiting": self.waiting, "resume": self.resume, "held": self.held,
                "marker_scan_requests": self.marker_scan_requests}


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _created_csv(report: PushReport, link: Callable[[str], str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["edit_id", "row", "label", "qid", "revid", "url"])
    for c in report.created:
        # a label starting with = + - @ would be a formula in a spreadsheet: quote it
        label = str(c["label"])
        writer.writerow([c["edit_id"], c["row"], "'" + label if label[:1] in "=+-@\t\r" else label, c["qid"],
                         c["revid"] or "", link(str(c["qid"])) if c["qid"] else ""])
    return buf.getvalue()


def _summary(report: PushReport) -> list[str]:
    found = len(report.conflicts_found)
    lines = [f"# Push {md_escape(report.batch_id)}", "",
             f"- {report.done} fait(s) / done, {report.skipped} ignoré(s) / skipped, "
             f"{len(report.conflicts)} conflit(s) / conflicts"
             + (f" (dont / of which {found} trouvé(s) à l'envoi / found while pushing)" if found else "")
             + f", {len(report.failed)} échec(s) / failed, {report.pending} en attente / pending (of {report.total})",
             f"- {len(report.created)} élément(s) créé(s) / items created (created.csv)",
             f"- requêtes / requests: {report.requests}"]
    if report.interrupted:
        lines.append("- **interrompu / interrupted** (Ctrl-C): le journal est intact / the journal is intact; "
                     "rien ne sera envoyé deux fois / nothing will be sent twice")
    elif report.stopped:
        lines.append(f"- **arrêté / stopped**: {md_escape(report.stopped)}")
    elif found:
        lines.append(f"- **terminé avec {found} conflit(s) / finished with {found} conflict(s)** found while pushing: "
                     "rien n'a été écrasé ni recréé / nothing was overwritten or re-created; à régler à la main / "
                     "for a person to settle (below)")
    return lines


def _resume(report: PushReport) -> list[str]:
    if not report.resume:
        return []
    unknown = sum(w["state"] == "sent" for w in report.waiting)
    return ["", "## Reprendre / resume", "",
            f"Relancez / rerun: `{report.resume.replace('`', '')}`", "",
            "Ce qui est fait n'est pas renvoyé / what is done is not sent again"
            + (f"; {unknown} envoi(s) sans réponse / sent without an answer: cherché(s) d'abord dans les "
               "contributions du compte / looked up first in the account's contributions" if unknown else "")
            + "."]


def _listed(title: str, rows: Sequence[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    out = ["", f"## {title}", ""]
    for r in rows:
        when = " — trouvé à l'envoi / found while pushing" if r.get("found") == "push" else ""
        out.append(f"- row {r['row']} {md_escape(r['label'])} ({r['target'] or 'new'}){when}: "
                   f"{md_escape(r['reason'])}")
    return out


def _waiting(report: PushReport) -> list[str]:
    if not report.waiting:
        return []
    lines = ["", "## En attente / pending", ""]
    for w in report.waiting[:_WAITING_SHOWN]:
        state = " — envoyé, réponse inconnue / sent, outcome unknown" if w["state"] == "sent" else ""
        lines.append(f"- row {w['row']} {md_escape(w['label'])} ({w['target'] or 'new'}){state}")
    if len(report.waiting) > _WAITING_SHOWN:
        lines.append(f"- … et / and {len(report.waiting) - _WAITING_SHOWN} autre(s) / more (push-report.json)")
    return lines


def render_report(report: PushReport, link: Callable[[str], str] | None = None) -> str:
    """push-report.md; created items linked with ``link`` (``SiteInfo.item_url``) when given."""
    lines = _summary(report) + _resume(report)
    lines += _listed("Conflits / conflicts", report.conflicts) + _listed("Échecs / failed", report.failed)
    lines += _waiting(report)
    lines += held_md(report.held)  # the rows plan held out of the batch, and why (as in plan.md)
    if report.created:
        lines += ["", "## Créés / created", ""]
        lines += [f"- {_linked(str(c['qid']), link)} — {md_escape(c['label'])} (row {c['row']})"
                  for c in report.created]
    return "\n".join(lines) + "\n"


def _linked(qid: str, link: Callable[[str], str] | None) -> str:
    return f"[{qid}]({link(qid)})" if link is not None and qid else qid


def write_report(batch_dir: Path, report: PushReport, *, item_url: Callable[[str], str] | None = None) -> None:
    """push-report.md / .json and created.csv (edit_id, rows, label, QID, url) in the batch folder, each
    replaced whole (never half-written); items linked as the wiki serves them (``item_url``:
    ``SiteInfo.item_url``, or the configured ``entity_url``)."""
    batch_dir = Path(batch_dir)
    _write_atomic(batch_dir / REPORT_JSON, json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n")
    _write_atomic(batch_dir / CREATED_CSV, _created_csv(report, item_url or (lambda qid: "")))
    _write_atomic(batch_dir / REPORT_MD, render_report(report, item_url))
