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
from .model import Decision, RowResult, ScoredCandidate, sheet_of

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
        # four columns per linked cell, named so that they do not look alike
        cols += [f"{c} (feuille / sheet)", f"{c} → QID", f"{c} : décision machine", f"{c} : candidats"]
    for i in range(1, N_CANDIDATES + 1):
        cols += [f"candidat {i}", f"score {i}", f"classe et lieu {i}", f"faits {i}", f"indices {i}"]
    return [*cols, COL_KEY]


def candidate_text(c: ScoredCandidate) -> str:
    """« Q42 — label — description — classes — place »: whatever the candidate carries."""
    parts = [c.qid, c.label, c.description]
    for name in ("classes", "types", "places", "place"):
        extra = getattr(c, name, None)
        if isinstance(extra, str):
            parts.append(extra)
        elif isinstance(extra, Sequence):
            parts.append(", ".join(str(getattr(x, "label", None) or x) for x in extra))
    return " — ".join(p for p in parts if p)


def _linked_cells(r: RowResult, linked_cols: Sequence[str]) -> list[Any]:
    by_col = {lr.column: lr for lr in r.linked}
    line: list[Any] = []
    for c in linked_cols:
        lr = by_col.get(c)
        if lr is None:
            line += ["", "", "", ""]
            continue
        cands = " | ".join(f"{x.qid} {x.label} ({x.score:.0f})" for x in lr.match.candidates[:3])
        line += [lr.value, lr.match.qid or "", f"{lr.match.decision.value} — {lr.match.reason}", cands]
    return line


def _duplicate_cell(r: RowResult) -> int | str:
    """The row this one duplicates: its number, with its tab's name when it is in another tab."""
    if r.duplicate_of is None:
        return ""
    if r.duplicate_key and sheet_of(r.duplicate_key) != sheet_of(r.key):
        return f"{r.duplicate_key.rsplit(':', 2)[-2]} : {r.duplicate_of}"
    return r.duplicate_of


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
                           m.reason, _duplicate_cell(r)]
        line += _linked_cells(r, linked_cols)
        for i in range(N_CANDIDATES):
            if i < len(m.candidates):
                sc = m.candidates[i]
                line += [candidate_text(sc), sc.score, *evidence_cells(sc), sc.explain()]
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
    "SKIP = ignorer la ligne. La liste déroulante propose les candidats, NEW et SKIP.",
    "Column « Your decision »: empty = keep the machine's; a QID; NEW = create; SKIP = leave the row out.",
    "Lignes en rose : REVIEW, une personne doit décider / pink rows: REVIEW, a person decides.",
    "Colonnes « … → QID » : le QID de la cellule liée (municipalité, lieu…) ; corrigez-le au besoin.",
    "Colonnes « faits N » : chaque fait de la ligne comparé au candidat — ✓ concorde, ✗ contredit, "
    "? inconnu — avec la valeur de la ligne et celle du wiki. Une date de naissance qui contredit "
    "veut dire : une autre personne du même nom.",
    "Columns « faits N »: each fact of the row against the candidate — ✓ agrees, ✗ contradicts, "
    "? unknown — with the row's value and the wiki's.",
    "Puis / then: wikiclub reconcile --apply-review CE-FICHIER.xlsx -o records.jsonl",
    "Ou dans le navigateur / or in the browser: wikiclub atelier (les décisions vont dans ce même fichier "
    "/ decisions go to this very file; fermez-le d'abord dans LibreOffice / close it in LibreOffice first).",
)
CANDIDATE_COLUMNS = 5  # candidat, score, classe et lieu, faits, indices


def _write_xlsx(path: Path, head: list[str], body: list[list[Any]], results: Sequence[RowResult],
                item_url: Callable[[str], str], run: str) -> None:
    import openpyxl
    from openpyxl.utils import get_column_letter

    from .. import xlsxstyle

    wb = openpyxl.Workbook()
    ws = wb.worksheets[0]  # a new workbook has exactly one worksheet
    ws.title = "Réconciliation"
    ws.append(head)
    for line in body:
        ws.append(line)
    xlsxstyle.style_table(ws, freeze_columns=3)
    human = head.index(COL_HUMAN) + 1
    xlsxstyle.fill_rows(ws, [i for i, r in enumerate(results, start=2) if r.entity.decision == Decision.REVIEW])
    xlsxstyle.fill_column(ws, human, from_row=2)
    ws.column_dimensions[get_column_letter(human)].width = 22
    first_candidate = head.index("candidat 1") + 1
    for i, r in enumerate(results, start=2):
        xlsxstyle.link(ws.cell(row=i, column=head.index(COL_LINK) + 1), item_url(r.entity.qid) if r.entity.qid else "")
        for n, c in enumerate(r.entity.candidates[:N_CANDIDATES]):
            xlsxstyle.link(ws.cell(row=i, column=first_candidate + CANDIDATE_COLUMNS * n), item_url(c.qid))
        choices = [c.qid for c in r.entity.candidates[:N_CANDIDATES]] + ["NEW", "SKIP"]
        xlsxstyle.dropdown(ws, ws.cell(row=i, column=human).coordinate, choices,
                           prompt="QID, NEW ou SKIP ; vide = décision machine / empty = machine's")
    notes = wb.create_sheet("Lisez-moi")
    for text in (*README_LINES, RUN_PREFIX + run):  # the run id finds the .state.jsonl if the file is renamed
        notes.append([text])
    notes.column_dimensions["A"].width = 120
    wb.properties.identifier = RUN_PREFIX + run
    wb.save(path)


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
        _write_xlsx(path, head, body, results, item_url, run)
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


def human_value(hd: HumanDecision) -> str:
    """What the « Votre décision » cell holds for ``hd``: "" (the machine's), a QID, NEW or SKIP."""
    if not hd.by_human:
        return ""
    if hd.decision == Decision.MATCH:
        return hd.qid or ""
    return hd.decision.value


def normalise_human(value: str) -> str:
    """A decision as typed (q42, nouveau, ignorer, spaces) in its canonical form, or ``InputError``."""
    text = value.strip().upper()
    text = {"NOUVEAU": "NEW", "IGNORER": "SKIP"}.get(text, text)
    if text in ("", "NEW", "SKIP") or _QID.match(text):
        return text
    raise InputError(f"« {value} » n'est pas une décision / is not a decision",
                     "Un QID (Q123), NEW ou SKIP, ou vide pour garder la décision machine.")


def _set_cells(rows: list[list[Any]], head: list[str], decisions: Mapping[str, str],
               linked: Mapping[str, Mapping[str, str]]) -> list[tuple[int, int, str]]:
    """(row index, column index, value) of every cell to change in a table whose first row is ``head``."""
    ix = {_unquote(h): i for i, h in enumerate(head)}
    if COL_KEY not in ix or COL_HUMAN not in ix:
        raise InputError(f"colonne « {COL_KEY} » ou « {COL_HUMAN} » absente / column missing",
                         "Ne renommez pas les colonnes de la feuille de révision.")
    out: list[tuple[int, int, str]] = []
    for n, row in enumerate(rows):
        key = _unquote(row[ix[COL_KEY]]) if ix[COL_KEY] < len(row) else ""
        if key in decisions:
            out.append((n, ix[COL_HUMAN], decisions[key]))
        for column, qid in linked.get(key, {}).items():
            col = ix.get(f"{column} → QID")
            if col is None:
                raise InputError(f"colonne « {column} → QID » absente / column missing")
            out.append((n, col, qid))
    return out


def write_decisions(review: Path, decisions: Mapping[str, str],
                    linked: Mapping[str, Mapping[str, str]] | None = None) -> None:
    """Store people's decisions in the review sheet itself (and its CSV twin), as if typed there.

    ``decisions``: row key → "" | QID | NEW | SKIP; ``linked``: row key → {column: QID or ""}. The sheet
    stays the one review state: what the atelier writes, ``--apply-review`` and a spreadsheet read.
    """
    decisions = {k: normalise_human(v) for k, v in decisions.items()}
    linked = {k: {c: normalise_human(q) for c, q in cols.items()} for k, cols in (linked or {}).items()}
    for cols in linked.values():
        for q in cols.values():
            if q in ("NEW", "SKIP"):
                raise InputError(f"« {q} » : une cellule liée prend un QID / a linked cell takes a QID")
    if review.suffix.lower() == ".xlsx":
        _write_decisions_xlsx(review, decisions, linked)
    twin = review if review.suffix.lower() == ".csv" else review.with_suffix(".csv")
    if twin.exists():
        with twin.open(encoding="utf-8-sig", newline="") as fh:
            table = [list(r) for r in csv.reader(fh)]
        if table:
            for n, col, value in _set_cells(table[1:], table[0], decisions, linked):
                table[1 + n] += [""] * (col + 1 - len(table[1 + n]))
                table[1 + n][col] = value
            tmp = twin.with_name(twin.name + ".tmp")
            with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
                csv.writer(fh).writerows(table)
            tmp.replace(twin)


def _write_decisions_xlsx(review: Path, decisions: Mapping[str, str],
                          linked: Mapping[str, Mapping[str, str]]) -> None:
    """Only the cells that change are rewritten (review_cells); openpyxl rewrites the whole workbook when
    the file is one that cannot be patched safely."""
    import openpyxl

    from .review_cells import patch_cells

    if not review.exists():
        raise InputError(f"Feuille de révision introuvable / review sheet not found: {review}")
    wb = openpyxl.load_workbook(review, read_only=True, data_only=True)
    try:
        table = [["" if v is None else v for v in r] for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()
    if not table:
        raise InputError(f"{review}: feuille vide / empty sheet")
    head = [str(h) for h in table[0]]
    changes = {(n + 2, col + 1): value for n, col, value in _set_cells(table[1:], head, decisions, linked)}
    if changes and not patch_cells(review, changes):
        _rewrite_xlsx(review, changes)


def _rewrite_xlsx(review: Path, changes: Mapping[tuple[int, int], str]) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(review)
    try:
        ws = wb.worksheets[0]
        for (row, col), value in changes.items():
            ws.cell(row=row, column=col).value = value or None
        tmp = review.with_name(review.stem + ".tmp.xlsx")
        wb.save(tmp)
    finally:
        wb.close()
    tmp.replace(review)
