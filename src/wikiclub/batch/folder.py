"""The batch folder on disk: ``meta.json``, ``plan.jsonl``, ``notes.jsonl``, ``plan.md`` (see docs/batches.md)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import BatchError
from .model import FORMAT, META, NOTES, PLAN, PREVIEW, EntityEdit, Plan, canonical
from .preview import render_preview

# What approval signs: everything the approver is shown (meta.json without the approval itself).
APPROVAL_COVERS = (META, PLAN, NOTES, PREVIEW)


def batch_hash(batch_dir: Path) -> str:
    """The hash approval signs: meta.json without the approval, plan.jsonl, notes.jsonl and plan.md."""
    meta = read_meta(batch_dir)
    meta.pop("approval", None)
    h = hashlib.sha256()
    h.update(canonical(meta).encode())
    for name in APPROVAL_COVERS[1:]:
        path = Path(batch_dir) / name
        h.update(f"\n{name}\n".encode())
        h.update(path.read_bytes() if path.is_file() else b"\0missing")
    return h.hexdigest()


def read_meta(batch_dir: Path) -> dict[str, Any]:
    path = Path(batch_dir) / META
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BatchError(f"{batch_dir} n'est pas un lot / is not a batch folder (no {META})",
                         "make one with `wikiclub plan RECONCILED -o batches/NAME/`") from None
    except ValueError as exc:
        raise BatchError(f"{path}: JSON invalide / invalid JSON ({exc})", "plan the batch again") from None
    if meta.get("format") != FORMAT:
        raise BatchError(f"{path}: format {meta.get('format')!r} inconnu / unknown", f"expected {FORMAT}")
    return dict(meta)


def write_meta(batch_dir: Path, meta: Mapping[str, Any]) -> None:
    _write_atomic(Path(batch_dir) / META, json.dumps(meta, ensure_ascii=False, indent=2) + "\n")


def _line(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_batch(plan: Plan, batch_dir: Path) -> Path:
    """Write meta.json, plan.jsonl, notes.jsonl and plan.md; refuses a folder that was already pushed."""
    batch_dir = Path(batch_dir)
    from .journal import journal_path

    if journal_path(batch_dir).exists():
        raise BatchError(f"{batch_dir} a déjà été poussé / was already pushed (it has a journal)",
                         "plan into a new folder (-o batches/NEW-NAME/); a pushed batch is a record")
    batch_dir.mkdir(parents=True, exist_ok=True)
    # key order kept (not sorted): snak order inside references and qualifiers means something to people
    _write_atomic(batch_dir / PLAN, "".join(_line(e.to_json()) for e in plan.edits))
    _write_atomic(batch_dir / NOTES, "".join(_line(n) for n in plan.notes))
    _write_atomic(batch_dir / PREVIEW, render_preview(plan))
    write_meta(batch_dir, plan.meta)
    return batch_dir


def read_batch(batch_dir: Path) -> Plan:
    batch_dir = Path(batch_dir)
    meta = read_meta(batch_dir)
    edits: list[EntityEdit] = []
    try:
        with (batch_dir / PLAN).open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        edits.append(EntityEdit.from_json(json.loads(line)))
                    except (ValueError, KeyError, TypeError) as exc:
                        raise BatchError(f"{batch_dir / PLAN}, ligne {n}: illisible / unreadable ({exc})",
                                         "plan the batch again instead of editing plan.jsonl by hand") from None
    except FileNotFoundError:
        raise BatchError(f"{batch_dir}: {PLAN} manquant / missing", "plan the batch again") from None
    notes: list[dict[str, Any]] = []
    if (batch_dir / NOTES).exists():
        notes = [json.loads(x) for x in (batch_dir / NOTES).read_text(encoding="utf-8").splitlines() if x.strip()]
    return Plan(meta, tuple(edits), tuple(notes))


