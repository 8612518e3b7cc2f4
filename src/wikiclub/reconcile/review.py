"""Review sheets: the machine's decisions out (XLSX + CSV), people's decisions back in.

One line per spreadsheet row: the machine decision, the chosen item (QID, label, description,
link), up to five candidates each with its score and the features that made it, the item cells
(municipality, venue…) with their own decision, and the columns a reviewer edits:

* « Votre décision / Your decision »: empty = keep the machine's; a QID; NEW; SKIP.
* « <colonne> → QID »: pre-filled with the matched QID of that cell; change or fill it.

Every text cell starting with = + - @ is prefixed with a quote (formula injection). A sidecar file
``<review>.state.jsonl`` keeps the mapped rows and the machine results, so ``--apply-review``
needs nothing but the edited sheet.

The sidecar's first line names the run (``run``: a hash of its content) and the site that was asked;
the XLSX carries the same run id (its « Lisez-moi » sheet and its document identifier). A sheet its
user renamed (« revision-finale.xlsx ») therefore finds its state by that id among the ``*.state.jsonl``
of its folder, and a CSV (which has no room for it) by its keys (``apply.find_state``). Why not the
state inside the XLSX: the CSV twin cannot hold it, a cell holds 32,767 characters at most, and the
sheet people open and save should hold what they read, not the machine's records.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from .model import Decision, RowResult, ScoredCandidate

COL_KEY = "clé / key"
COL_ROW = "ligne / row"
COL_NAME = "nom / name"
COL_DECISION = "décision machine"
COL_QID = "QID"
COL_LABEL = "libellé / label"
COL_DESC = "description"
COL_LINK = "lien / link"
COL_REASON = "raison / reason"
COL_DUP = "doublon de / duplicate of"
COL_HUMAN = "Votre décision / Your decision"
N_CANDIDATES = 5
_QID = re.compile(r"^Q[1-9]\d*$")


STATE_HEADER = "wikiclub_review_state"  # key of the sidecar's first line
RUN_PREFIX = "wikiclub-run: "  # the run id's line in the XLSX's « Lisez-moi » sheet


def state_path(review: Path) -> Path:
    return review.with_name(review.stem + ".state.jsonl")


def run_id(state: Sequence[Mapping[str, Any]]) -> str:
    """The run's id: a hash of the state's content (the same rows and results give the same id)."""
    digest = hashlib.sha256()
    for item in state:
        digest.update(json.dumps(item, ensure_ascii=False, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def escape(value: Any) -> Any:
    """Spreadsheet cells must never run as formulas: text starting with = + - @ gets a quote."""
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def _linked_columns(results: Sequence[RowResult]) -> list[str]:
    cols: list[str] = []
    for r in results:
        for lr in r.linked:
            if lr.column not in cols:
                cols.append(lr.column)
    return cols


def header(results: Sequence[RowResult]) -> list[str]:
    cols = [COL_ROW, COL_NAME, COL_HUMAN, COL_DECISION, COL_QID, COL_LABEL, COL_DESC, COL_LINK, COL_REASON,
            COL_DUP]
    for c in _linked_columns(results):
        cols += [f"{c}", f"{c} → QID", f"{c} : décision", f"{c} : candidats"]
    for i in range(1, N_CANDIDATES + 1):
        cols += [f"candidat {i}", f"score {i}", f"classe et lieu {i}", f"faits {i}", f"indices {i}"]
    return [*cols, COL_KEY]


def rows_for(results: Sequence[RowResult], item_url: Callable[[str], str]) -> list[list[Any]]:
    """The review sheet's rows; ``item_url`` links an item as the wiki serves it (``SiteInfo.item_url``,
    or the configured ``entity_url``)."""
    link = item_url
    linked_cols = _linked_columns(results)
    out: list[list[Any]] = []
    for r in results:
        m = r.entity
        chosen = next((c for c in m.candidates if c.qid == m.qid), None)
        line: list[Any] = [r.row, r.name, "", m.decision.value, m.qid or "", chosen.label if chosen else "",
                           chosen.description if chosen else "",
                           link(m.qid) if m.qid else "",
                           m.reason, r.duplicate_of or ""]
        by_col = {lr.column: lr for lr in r.linked}
        for c in linked_cols:
            lr = by_col.get(c)
            if lr is None:
                line += ["", "", "", ""]
                continue
            cands = " | ".join(f"{x.qid} {x.label} ({x.score:.0f})" for x in lr.match.candidates[:3])  # noqa: E501
            line += [lr.value, lr.match.qid or "", f"{lr.match.decision.value} — {lr.match.reason}", cands]
        for i in range(N_CANDIDATES):
            if i < len(m.candidates):
                sc = m.candidates[i]
                line += [f"{sc.qid} — {sc.label} — {sc.description}", sc.score, *evidence_cells(sc), sc.explain()]
            else:
                line += ["", "", "", "", ""]
        line.append(r.key)
        out.append([escape(v) for v in line])
    return out


def evidence_cells(sc: ScoredCandidate) -> tuple[str, str]:
    """(« classe — lieu », the row's facts one by one: ✓ agrees, ✗ contradicts, ? unknown, both values)."""
    ev = sc.evidence
    if ev is None:
        return "", ""
    where = " — ".join(p for p in (", ".join(ev.classes), ", ".join(ev.places)) if p)
    return where, " ; ".join(c.render() for c in ev.checks)


README_LINES = (  # the « Lisez-moi » sheet of the review workbook
    "Colonne « Votre décision » : vide = garder la décision machine ; un QID (Q123) ; NEW = créer ; "
    "SKIP = ignorer la ligne.",
    "Column « Your decision »: empty = keep the machine's; a QID; NEW = create; SKIP = leave the row out.",
    "Colonnes « … → QID » : le QID de la cellule liée (municipalité, lieu…) ; corrigez-le au besoin.",
    "Colonnes « faits N » : chaque fait de la ligne comparé au candidat — ✓ concorde, ✗ contredit, "
    "? inconnu — avec la valeur de la ligne et celle du wiki. Une date de naissance qui contredit "
    "veut dire : une autre personne du même nom.",
    "Columns « faits N »: each fact of the row against the candidate — ✓ agrees, ✗ contradicts, "
    "? unknown — with the row's value and the wiki's.",
    "Puis / then: wikiclub reconcile --apply-review CE-FICHIER.xlsx -o records.jsonl",
)


def write_review(path: Path, results: Sequence[RowResult], *, item_url: Callable[[str], str],
                 state: Sequence[Mapping[str, Any]] = (), site: str | None = None) -> list[Path]:
    """Write ``path`` (.xlsx or .csv) and its CSV twin, plus the state sidecar; returns the files.
    ``site``: the ``--site`` the run asked (kept in the state, so ``--apply-review`` checks typed QIDs there)."""
    run = run_id(state)
    head = header(results)
    body = rows_for(results, item_url)
    written: list[Path] = []
    csv_path = path if path.suffix.lower() == ".csv" else path.with_suffix(".csv")
    if path.suffix.lower() == ".xlsx":
        import openpyxl
        from openpyxl.styles import Font, PatternFill

        wb = openpyxl.Workbook()
        ws = wb.worksheets[0]  # a new workbook has exactly one worksheet
        ws.title = "Réconciliation"
        ws.append(head)
        for line in body:
            ws.append(line)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        human = head.index(COL_HUMAN) + 1
        fill = PatternFill("solid", fgColor="FFF2CC")
        for row in ws.iter_rows(min_row=1, min_col=human, max_col=human):
            row[0].fill = fill
        for i, line in enumerate(body, start=2):
            link = line[head.index(COL_LINK)]
            if link:
                ws.cell(row=i, column=head.index(COL_LINK) + 1).hyperlink = link
        ws.freeze_panes = "D2"
        notes = wb.create_sheet("Lisez-moi")
        for text in (*README_LINES, RUN_PREFIX + run):  # the run id finds the .state.jsonl if the file is renamed
            notes.append([text])
        wb.properties.identifier = RUN_PREFIX + run
        wb.save(path)
        written.append(path)
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(body)
    written.append(csv_path)
    if state:
        sp = state_path(path)
        with sp.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps({STATE_HEADER: 1, "run": run, "site": site}, ensure_ascii=False) + "\n")
            for item in state:
                fh.write(json.dumps(item, ensure_ascii=False) + "\n")
        written.append(sp)
    return written


@dataclass(frozen=True)
class HumanDecision:
    key: str
    row: int
    decision: Decision          # final: MATCH (qid set), NEW, SKIP or REVIEW (still undecided)
    qid: str | None
    linked: Mapping[str, str]   # column → QID ("" when none)
    by_human: bool


def _unquote(v: Any) -> str:
    text = "" if v is None else str(v).strip()
    return text[1:] if text.startswith("'") and len(text) > 1 and text[1] in "=+-@" else text


def sheet_run_id(path: Path) -> str | None:
    """The run id an XLSX review sheet carries (None for a CSV, or a sheet written before run ids)."""
    if path.suffix.lower() != ".xlsx" or not path.exists():
        return None
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        texts = [str(wb.properties.identifier or "")]
        if "Lisez-moi" in wb.sheetnames:
            texts += [str(r[0]) for r in wb["Lisez-moi"].iter_rows(values_only=True) if r and r[0]]
    finally:
        wb.close()
    return next((t[len(RUN_PREFIX):].strip() for t in texts if t.startswith(RUN_PREFIX)), None)


def _sheet_rows(path: Path) -> list[list[Any]]:
    """Every row of the review sheet (.xlsx: its first worksheet; else CSV)."""
    if not path.exists():
        raise InputError(f"Feuille de révision introuvable / review sheet not found: {path}",
                         "Produisez-la d'abord : wikiclub reconcile SHEET --mapping M -o review.xlsx")
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        finally:
            wb.close()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [list(r) for r in csv.reader(fh)]


def _human_decision(path: Path, n: int, human: str, machine: Decision, qid: str | None
                    ) -> tuple[Decision, str | None]:
    """(decision, QID) of row ``n`` from the « Votre décision » cell: empty keeps the machine's."""
    if not human:
        return machine, qid
    if human in ("NEW", "NOUVEAU"):
        return Decision.NEW, None
    if human in ("SKIP", "IGNORER"):
        return Decision.SKIP, None
    if _QID.match(human):
        return Decision.MATCH, human
    raise InputError(f"{path}, ligne {n}, colonne « {COL_HUMAN} » : « {human} » n'est pas une décision "
                     "/ is not a decision", "Écrivez un QID (Q123), NEW ou SKIP, ou laissez vide.")


def _linked_qids(path: Path, n: int, cells: list[str], ix: dict[str, int], linked_cols: list[str]
                 ) -> dict[str, str]:
    linked: dict[str, str] = {}
    for c in linked_cols:
        v = cells[ix[f"{c} → QID"]].strip().upper()
        if v and not _QID.match(v):
            raise InputError(f"{path}, ligne {n}, colonne « {c} → QID » : « {v} » n'est pas un QID",
                             "Écrivez un QID (Q123) ou laissez vide.")
        linked[c] = v
    return linked


def read_review(path: Path) -> list[HumanDecision]:
    """Read an edited review sheet (.xlsx or .csv) back; invalid cells raise ``InputError`` with where."""
    rows = _sheet_rows(path)
    if not rows:
        raise InputError(f"{path}: feuille vide / empty sheet")
    head = [_unquote(h) for h in rows[0]]
    for needed in (COL_KEY, COL_HUMAN, COL_DECISION, COL_QID):
        if needed not in head:
            raise InputError(f"{path}: colonne « {needed} » absente / column missing",
                             "Ne renommez pas les colonnes de la feuille de révision.")
    ix = {h: i for i, h in enumerate(head)}
    linked_cols = [h[: -len(" → QID")] for h in head if h.endswith(" → QID")]
    out: list[HumanDecision] = []
    for n, raw in enumerate(rows[1:], start=2):
        cells = [_unquote(v) for v in raw] + [""] * (len(head) - len(raw))
        key = cells[ix[COL_KEY]]
        if not key:
            continue
        row = int(float(cells[ix[COL_ROW]] or 0)) if COL_ROW in ix else 0
        human = cells[ix[COL_HUMAN]].strip().upper()
        decision, qid = _human_decision(path, n, human, Decision(cells[ix[COL_DECISION]] or "REVIEW"),
                                        cells[ix[COL_QID]] or None)
        linked = _linked_qids(path, n, cells, ix, linked_cols)
        out.append(HumanDecision(key, row, decision, qid if decision == Decision.MATCH else None, linked,
                                 bool(human)))
    return out
