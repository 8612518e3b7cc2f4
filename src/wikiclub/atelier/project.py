"""The project folder the atelier works in, and its works (one sheet read with one mapping).

```
PROJECT/
  wikiclub.toml  mappings/*.yaml  wikiclub-report.toml
  *.csv|xlsx|ods, sheets/ (uploads), examples/ …     the spreadsheets offered
  atelier/<work>/work.json                           which sheet, which mapping
                 problems.xlsx  review.xlsx (+ .csv, .state.jsonl)  reconciled.jsonl
  batches/<date>-<work>-<hash>/                      the batch, exactly as ``wikiclub plan`` writes it
  reports/<date>/                                    the coverage report, as ``wikiclub report`` writes it
```

Every path a page sends back is checked: a sheet or a mapping must be one of those offered, a work
name is a slug, and whatever is resolved must stay inside the project folder (no ``..``, no link out).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from ..errors import UsageError

SHEET_SUFFIXES = (".csv", ".xlsx", ".ods", ".xls")
SKIPPED_DIRS = {"atelier", "batches", "reports", "rapports", "node_modules", "__pycache__", "site-packages",
                "cache", "sandbox"}
UPLOADS = "sheets"
WORKS = "atelier"
MAX_UPLOAD = 20 * 1024 * 1024  # bytes: a volunteer's sheet is far smaller; a mistake is not stored
_SLUG = re.compile(r"[^a-z0-9]+")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _SLUG.sub("-", ascii_text).strip("-")[:60] or "tableur"


def safe_filename(name: str) -> str:
    """The last part of an uploaded name, letters (accents kept), digits, - _ . and spaces only."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    clean = "".join(ch if ch.isalnum() or ch in "-_ " else "-" for ch in unicodedata.normalize("NFC", stem))
    clean = " ".join(clean.split()).strip(" -.")[:80] or "tableur"
    return f"{clean}.{suffix.lower()}" if suffix else clean


@dataclass(frozen=True)
class Work:
    """One sheet read with one mapping, and everything made from them."""

    name: str
    folder: Path
    sheet: Path
    mapping: Path
    batch_name: str = ""

    @property
    def problems(self) -> Path:
        return self.folder / "problems.xlsx"

    @property
    def review(self) -> Path:
        return self.folder / "review.xlsx"

    @property
    def checkpoint(self) -> Path:
        return self.folder / "review.progress.jsonl"

    @property
    def reconciled(self) -> Path:
        return self.folder / "reconciled.jsonl"

    @property
    def meta(self) -> Path:
        return self.folder / "work.json"


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def at(cls, root: Path) -> Project:
        root = Path(root).resolve()
        if not root.is_dir():
            raise UsageError(f"Dossier de projet introuvable / project folder not found: {root}",
                             "wikiclub atelier --folder DOSSIER (là où sont wikiclub.toml et mappings/)")
        return cls(root)

    # ---- paths ---------------------------------------------------------------------------------
    def inside(self, path: Path) -> Path:
        """``path`` resolved, or :class:`UsageError` when it leaves the project folder."""
        full = (self.root / path).resolve()
        if not full.is_relative_to(self.root):
            raise UsageError(f"Chemin hors du projet refusé / path outside the project refused: {path}")
        return full

    def rel(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()

    @property
    def batches(self) -> Path:
        return self.root / "batches"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    # ---- what is offered -----------------------------------------------------------------------
    def _candidates(self) -> Iterator[Path]:
        yield from sorted(self.root.iterdir())
        for sub in sorted(self.root.iterdir()):
            if sub.is_dir() and not sub.name.startswith(".") and sub.name not in SKIPPED_DIRS:
                yield from sorted(sub.iterdir())

    def sheets(self) -> list[str]:
        """Spreadsheets in the folder and one level below (uploads in sheets/), relative paths."""
        out = []
        for p in self._candidates():
            if p.is_file() and p.suffix.lower() in SHEET_SUFFIXES and not p.name.startswith((".", "~$")):
                out.append(self.rel(p))
        return out

    def mappings(self) -> list[str]:
        folder = self.root / "mappings"
        return [self.rel(p) for p in sorted(folder.glob("*.y*ml"))] if folder.is_dir() else []

    def pick(self, value: str, offered: list[str], what: str) -> Path:
        """A sheet or a mapping chosen on a page: only one of those offered."""
        if value not in offered:
            raise UsageError(f"{what} inconnu / unknown {what}: « {value} »",
                             "Choisissez dans la liste / pick one from the list.")
        return self.inside(Path(value))

    # ---- uploads -------------------------------------------------------------------------------
    def save_upload(self, filename: str, stream: IO[bytes], limit: int = MAX_UPLOAD) -> str:
        """Store an uploaded spreadsheet in sheets/ (never elsewhere, never overwriting); its relative path."""
        name = safe_filename(filename)
        if not name.lower().endswith(SHEET_SUFFIXES):
            raise UsageError(f"« {name} » : seuls les tableurs .csv, .xlsx, .ods sont acceptés / only "
                             "spreadsheets are accepted")
        folder = self.inside(Path(UPLOADS))
        folder.mkdir(exist_ok=True)
        stem, _, suffix = name.rpartition(".")
        target, n = folder / name, 2
        while target.exists():
            target, n = folder / f"{stem}-{n}.{suffix}", n + 1
        data = stream.read(limit + 1)
        if len(data) > limit:
            raise UsageError(f"Fichier trop gros / file too large (> {limit // (1024 * 1024)} Mo)",
                             "Découpez le tableur / split the spreadsheet.")
        if not target.resolve().is_relative_to(folder):
            raise UsageError("Nom de fichier refusé / file name refused")
        target.write_bytes(data)
        return self.rel(target)

    # ---- works ---------------------------------------------------------------------------------
    def works(self) -> list[Work]:
        folder = self.root / WORKS
        if not folder.is_dir():
            return []
        return [self.work(p.name) for p in sorted(folder.iterdir()) if (p / "work.json").is_file()]

    def work(self, name: str) -> Work:
        if not _NAME.match(name):
            raise UsageError(f"Travail inconnu / unknown work: « {name} »")
        folder = self.inside(Path(WORKS) / name)
        try:
            meta: dict[str, Any] = json.loads((folder / "work.json").read_text("utf-8"))
        except FileNotFoundError:
            raise UsageError(f"Travail inconnu / unknown work: « {name} »",
                             "Recommencez depuis l'accueil / start again from the home page.") from None
        return Work(name, folder, self.inside(Path(meta["sheet"])), self.inside(Path(meta["mapping"])),
                    str(meta.get("batch", "")))

    def new_work(self, sheet: Path, mapping: Path) -> Work:
        name = slug(sheet.stem) if slug(sheet.stem) == slug(mapping.stem) else f"{slug(sheet.stem)}-{slug(mapping.stem)}"
        folder = self.inside(Path(WORKS) / name)
        folder.mkdir(parents=True, exist_ok=True)
        work = Work(name, folder, sheet, mapping)
        self.save_work(work)
        return work

    def save_work(self, work: Work) -> None:
        meta = {"sheet": self.rel(work.sheet), "mapping": self.rel(work.mapping), "batch": work.batch_name}
        tmp = work.meta.with_name("work.json.tmp")
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", "utf-8")
        tmp.replace(work.meta)

    def batch_dir(self, work: Work) -> Path | None:
        return self.inside(Path("batches") / work.batch_name) if work.batch_name else None

    def new_batch_name(self, work: Work, digest: str) -> str:
        return f"{date.today().isoformat()}-{work.name}-{digest[:6]}"
