"""Reconciliation robustness: synthetic rows from kb.jsonl with the slips volunteers make — a DEVELOPMENT set.

This is a development set, not a measure of generalisation: its perturbations are built from the
normaliser's own word lists (the legal forms, prefixes and suffixes below are those
``wikiclub.names`` knows), and rules were added to fit its rows. Its figures flatter; the independent
generator ``recon_unseen.py`` (vocabularies written separately, a held-out seed) is the measure.

    .venv/bin/python benchmarks/recon_robustness.py [--source sandbox|index|both] [--seed 11] [--out FILE.md]

recon_quality.py measures the DEV sheets the rule was developed on; this checks the slips the rules
were written for. From the region's items of tests/data/kb.jsonl (focus list P5008: organisations,
venues, festivals; their municipalities as linked cells) it builds rows whose truth is known by
construction, one perturbation kind per row (seeded, deterministic):

* positives — accents dropped, case changed, hyphen↔space, apostrophe ’/', article added/dropped,
  legal form added/dropped, "Festival de/du" added/dropped, one-character typo (long names), two
  words swapped, an alias, the English label, the municipality cell abbreviated / prefixed ("Ville
  de", "Municipalité de") / suffixed ("(Québec)", ", QC"), the website spelt otherwise (www, slash,
  scheme) or an identifier with spaces/prefix — these two with a name shortened so that they must
  carry the match;
* hard negatives (truth NEW) — a new name sharing the class word and the town of an existing item
  ("Festival des bleuets de Rouyn-Noranda"), an existing name under another class word in the same
  town ("Carnaval du Doré Baie-James"), an existing name pattern with another town of the
  region ("Bibliothèque municipale de La Sarre"), an existing name in a town of another province
  (a homonym), and invented names of the region.

Rows are spread over as many synthetic sheets as there are kinds, each item at most once per sheet
(cross-row pooling stays realistic). Each sheet runs through the whole stage (``reconcile_rows``)
with the local index and the sandbox API, with our scorer and the OpenRefine-style baseline.
Reported per kind: MATCH precision, strict MATCH recall (a REVIEW is not a match), lenient recall
(MATCH, or a REVIEW whose top candidate is right), NEW accuracy, REVIEW share, and the municipality
cells likewise.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unidecode import unidecode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _recon_common import DATA, candidate_sources, emit  # noqa: E402
from recon_quality import HEAD, Tally  # noqa: E402

WITHIN = ("Q176", "Q1904")
MUNI_TYPES = ("Q900061", "Q900060")
ORG, VENUE, EVENT = "Q43229", "Q900049", "Q900003"
AREA_CLASSES = {"Q900062", "Q900063", "Q900064", "Q900065"}  # province, region, MRC, MRC equivalent
NEW_WORDS = ["des bleuets", "de l'épinette", "des aurores", "du cuivre", "des pionniers", "de la forêt",
             "des lacs", "du harfang", "des eskers", "de la rivière", "des draveurs", "du lichen"]
HEAD_SWAPS = {"Festival": ["Carnaval", "Salon", "Fête"], "Carnaval": ["Festival"], "Fête": ["Festival"],
              "Salon": ["Festival"], "Théâtre": ["Musée", "Centre"], "Salle": ["Galerie", "Maison"],
              "Musée": ["Théâtre", "Festival"], "Bibliothèque": ["Galerie", "Musée"],
              "Centre": ["Musée", "Festival"], "Maison": ["Musée", "Festival"]}
NEW_HEADS = ["Festival", "Bibliothèque", "Théâtre", "Centre culturel", "Société d'histoire", "Maison",
             "Salle", "Carnaval", "Musée", "Coopérative", "Galerie", "Atelier"]


@dataclass(frozen=True)
class Target:
    qid: str
    kind: str                  # org, venue, festival
    label: str
    aliases: tuple[str, ...]
    english: str
    type_hint: str
    place: str | None          # municipality QID
    websites: tuple[str, ...]
    identifiers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Case:
    kind: str                  # perturbation kind
    cls: str                   # org / venue / festival
    name: str
    expected: str              # QID or NEW
    place_text: str
    place_expected: str | None
    type_hint: str
    websites: tuple[str, ...] = ()
    identifiers: tuple[tuple[str, str], ...] = ()


class KB:
    def __init__(self, path: Path) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            e = json.loads(line)
            if e.get("type") == "item":
                self.items[e["id"]] = e

    def ids(self, e: dict[str, Any], prop: str) -> list[str]:
        out = []
        for c in e.get("claims", {}).get(prop, []):
            v = c.get("mainsnak", {}).get("datavalue", {}).get("value")
            if isinstance(v, dict) and "id" in v:
                out.append(v["id"])
        return out

    def strings(self, e: dict[str, Any], prop: str) -> list[str]:
        return [c["mainsnak"]["datavalue"]["value"] for c in e.get("claims", {}).get(prop, [])
                if isinstance(c.get("mainsnak", {}).get("datavalue", {}).get("value"), str)]

    def label(self, qid: str, lang: str = "fr") -> str:
        e = self.items.get(qid, {})
        return (e.get("labels", {}).get(lang) or {}).get("value", "")

    def closure(self, qid: str) -> set[str]:
        out, todo = set(), list(self.ids(self.items.get(qid, {}), "P31"))
        while todo:
            c = todo.pop()
            if c not in out:
                out.add(c)
                todo += self.ids(self.items.get(c, {}), "P279")
        return out

    def ancestors(self, qid: str) -> list[str]:
        out, todo = [], list(self.ids(self.items.get(qid, {}), "P131"))
        while todo:
            p = todo.pop(0)
            if p not in out:
                out.append(p)
                todo += self.ids(self.items.get(p, {}), "P131")
        return out

    def is_muni(self, qid: str) -> bool:
        return bool(self.closure(qid) & set(MUNI_TYPES))

    def province(self, qid: str) -> str | None:
        return next((a for a in self.ancestors(qid) if a in WITHIN or "Q900062" in self.closure(a)), None)


def targets(kb: KB) -> tuple[list[Target], list[str]]:
    out, munis = [], []
    for qid, e in kb.items.items():
        claims = e.get("claims", {})
        if "P5008" not in claims:
            continue
        cl = kb.closure(qid)
        if cl & set(MUNI_TYPES):
            munis.append(qid)
            continue
        if EVENT in cl:
            kind = "festival"
        elif ORG in cl or "Q900029" in cl:
            kind = "org"
        elif VENUE in cl and not cl & AREA_CLASSES:
            kind = "venue"
        else:
            continue
        place = next((p for prop in ("P131", "P159", "P276") for p in kb.ids(e, prop) if kb.is_muni(p)), None)
        idents = tuple((p, v) for p in ("P213", "P2013") for v in kb.strings(e, p))
        out.append(Target(qid, kind, kb.label(qid), tuple(a["value"] for a in e.get("aliases", {}).get("fr", [])),
                          kb.label(qid, "en"), kb.ids(e, "P31")[0], place, tuple(kb.strings(e, "P856")), idents))
    # Names shared by several items are the DEV set's homonym puzzles, not slips: left out.
    counts: dict[str, int] = defaultdict(int)
    for t in out:
        counts[unidecode(t.label).lower()] += 1
    return [t for t in out if counts[unidecode(t.label).lower()] == 1], munis


# --- perturbations ----------------------------------------------------------------------------------

ARTICLES = ("Le ", "La ", "Les ", "L'", "L’")
LEGAL = (" Inc.", " inc", " OBNL", " Ltée", " (OBNL)")


def p_accents(name: str, rng: random.Random) -> str | None:
    out = unidecode(name)
    return out if out != name else None


def p_case(name: str, rng: random.Random) -> str | None:
    return rng.choice([name.upper(), name.lower()])


def p_hyphen(name: str, rng: random.Random) -> str | None:
    if "-" in name:
        return name.replace("-", " ")
    words = name.split(" ")
    if len(words) >= 3:
        i = rng.randrange(1, len(words) - 1)
        return " ".join(words[:i]) + "-" + " ".join(words[i:])
    return None


def p_apostrophe(name: str, rng: random.Random) -> str | None:
    if "'" in name:
        return name.replace("'", "’")
    if "’" in name:
        return name.replace("’", "'")
    return None


def p_article(name: str, rng: random.Random) -> str | None:
    for a in ARTICLES:
        if name.startswith(a) and len(name) > len(a) + 3:
            return name[len(a):]
    return rng.choice(["Le ", "La "]) + name


def p_legal(name: str, rng: random.Random) -> str | None:
    return name + rng.choice(LEGAL)


def p_festival(name: str, rng: random.Random) -> str | None:
    words = name.split(" ")
    if words[0].lower() == "festival" and len(words) > 2 and words[1].lower() in ("de", "du", "des"):
        rest = " ".join(words[2:])
        return rest[0].upper() + rest[1:]
    if words[0].lower().startswith("festival"):
        return None
    return rng.choice(["Festival ", "Festival du ", "Festival de "]) + name


def p_typo(name: str, rng: random.Random) -> str | None:
    letters = [i for i, ch in enumerate(name) if ch.isalpha() and i > 0]
    if sum(ch.isalpha() for ch in name) < 12:
        return None
    i = rng.choice(letters)
    op = rng.choice(["sub", "del", "swap", "dup"])
    if op == "del":
        return name[:i] + name[i + 1:]
    if op == "dup":
        return name[:i] + name[i] + name[i:]
    if op == "swap" and i + 1 < len(name) and name[i + 1].isalpha():
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    repl = rng.choice([c for c in "aeioulnrst" if c != name[i].lower()])
    return name[:i] + repl + name[i + 1:]


def p_swap(name: str, rng: random.Random) -> str | None:
    words = name.split(" ")
    content = [i for i, w in enumerate(words) if len(w) > 3]
    pairs = [(a, b) for a, b in zip(content, content[1:], strict=False) if b == a + 1]
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    words[a], words[b] = words[b], words[a]
    return " ".join(words)


def shortened(t: Target, rng: random.Random) -> str:
    """A name that alone is not enough: the label with its last content word dropped, or an alias."""
    words = t.label.split(" ")
    if len(words) > 2:
        return " ".join(words[:-1])
    return rng.choice(t.aliases) if t.aliases else words[0]


def web_variant(url: str, rng: random.Random) -> str:
    u = url.replace("https://", "").replace("http://", "")
    u = u[4:] if u.startswith("www.") else "www." + u
    u = u.rstrip("/") if u.endswith("/") else u + "/"
    return rng.choice(["", "http://", "https://"]) + u


def id_variant(prop: str, value: str, rng: random.Random) -> str:
    compact = value.replace(" ", "")
    if prop == "P213":
        return rng.choice([compact, f"ISNI {value}", f"https://isni.org/isni/{compact}",
                           " ".join(compact[i:i + 4] for i in range(0, 16, 4))])
    return rng.choice([f"https://www.facebook.com/{value}", f"@{value}", f"facebook.com/{value}/"])


def muni_variant(kind: str, label: str, province: str | None, rng: random.Random) -> str | None:
    if kind == "muni_prefix":
        return rng.choice(["Ville de ", "Municipalité de "]) + label
    if kind == "muni_suffix":  # the province the municipality is in, as volunteers write it
        return label + rng.choice([" (Québec)", " (Qc)", ", QC"] if province == "Q176" else [" (Ontario)", ", ON", " (Ont.)"])
    if kind == "muni_abbrev":
        for full, short in (("Saint-", "St-"), ("Sainte-", "Ste-"), ("Notre-Dame-", "N.-D.-")):
            if label.startswith(full):
                return short + label[len(full):]
        parts = label.split("-")
        if len(parts) >= 2 and all(p[:1].isupper() for p in parts) and len(label) >= 10:
            return rng.choice(["-", ".-"]).join(p[0] for p in parts) + ("." if "." in label else "")
        return None
    if kind == "muni_plain":
        out = unidecode(label).replace("-", " ")
        return out if out != label else None
    return None


NAME_KINDS: dict[str, Callable[[str, random.Random], str | None]] = {
    "accents": p_accents, "case": p_case, "hyphen_space": p_hyphen, "apostrophe": p_apostrophe,
    "article": p_article, "legal_form": p_legal, "festival_prefix": p_festival, "typo": p_typo,
    "word_swap": p_swap,
}
OTHER_KINDS = ["exact", "alias", "english", "website", "identifier", "muni_prefix", "muni_suffix",
               "muni_abbrev", "muni_plain"]
NEG_KINDS = ["neg_same_town", "neg_other_head", "neg_other_town", "neg_other_province", "neg_invented"]


def positive(kind: str, t: Target, kb: KB, rng: random.Random) -> Case | None:
    place_label = kb.label(t.place) if t.place else ""
    place_text, name, webs, idents = place_label, t.label, (), ()
    if kind in NAME_KINDS:
        if kind == "festival_prefix" and t.kind != "festival":
            return None
        got = NAME_KINDS[kind](t.label, rng)
        if got is None:
            return None
        name = got
    elif kind == "alias":
        others = [a for a in t.aliases if unidecode(a).lower() != unidecode(t.label).lower()]
        if not others:
            return None
        name = rng.choice(others)
    elif kind == "english":
        if not t.english or unidecode(t.english).lower() == unidecode(t.label).lower():
            return None
        name = t.english
    elif kind == "website":
        if not t.websites:
            return None
        name, webs = shortened(t, rng), (web_variant(t.websites[0], rng),)
    elif kind == "identifier":
        if not t.identifiers:
            return None
        prop, value = rng.choice(t.identifiers)
        name, idents = shortened(t, rng), ((prop, id_variant(prop, value, rng)),)
    elif kind.startswith("muni_"):
        if not t.place:
            return None
        got = muni_variant(kind, place_label, kb.province(t.place), rng)
        if got is None:
            return None
        place_text = got
    return Case(kind, t.kind, name, t.qid, place_text, t.place, t.type_hint, webs, idents)


def with_town(name: str, town: str, other: str) -> str:
    """The name with its town replaced, French elision redone ("d'Amos" → "de La Sarre")."""
    vowel = unidecode(other[:1]).lower() in "aeiouy"
    for before in (f"d'{town}", f"d’{town}", f"de {town}"):
        if before in name:
            return name.replace(before, f"d'{other}" if vowel else f"de {other}")
    return name.replace(town, other)


def negatives(ts: list[Target], munis: list[str], kb: KB, rng: random.Random) -> list[Case]:
    from wikiclub.names import core

    taken = {core(n) for e in kb.items.values() for n in
             [*(v["value"] for v in e.get("labels", {}).values()),
              *(a["value"] for v in e.get("aliases", {}).values() for a in v)]}
    region_munis = [m for m in munis if kb.province(m) in WITHIN and not kb.closure(m) & AREA_CLASSES]
    out: list[Case] = []

    def add(kind: str, t: Target, name: str, place: str | None) -> None:
        if core(name) in taken and kind != "neg_other_province":
            return
        taken.add(core(name))
        out.append(Case(kind, t.kind, name, "NEW", kb.label(place) if place else "", place, t.type_hint))

    for t in ts:
        if not t.place:
            continue
        town = kb.label(t.place)
        head = t.label.split(" ")[0]
        add("neg_same_town", t, f"{head} {rng.choice(NEW_WORDS)} de {town}", t.place)
        if head in HEAD_SWAPS:  # the same distinctive words under another class word, same town
            add("neg_other_head", t, rng.choice(HEAD_SWAPS[head]) + t.label[len(head):], t.place)
        if town and town in t.label:
            same_prov = [m for m in region_munis if m != t.place and kb.province(m) == kb.province(t.place)
                         and len(kb.label(m)) > 3]
            other = rng.choice(same_prov)
            add("neg_other_town", t, with_town(t.label, town, kb.label(other)), other)
        elif kb.province(t.place) in WITHIN:
            prov = kb.province(t.place)
            far = [m for m in region_munis if kb.province(m) != prov]
            add("neg_other_province", t, t.label, rng.choice(far))
        place = rng.choice(region_munis)
        add("neg_invented", t, f"{rng.choice(NEW_HEADS)} {rng.choice(NEW_WORDS)} {rng.choice(NEW_WORDS)}", place)
    return out


def build_sheets(seed: int) -> tuple[list[list[Case]], int]:
    kb = KB(DATA / "kb.jsonl")
    ts, munis = targets(kb)
    rng = random.Random(seed)
    kinds = [*NAME_KINDS, *OTHER_KINDS]
    cases: list[Case] = []
    for kind in kinds:
        for t in ts:
            c = positive(kind, t, kb, rng)
            if c is not None:
                cases.append(c)
    cases += negatives(ts, munis, kb, rng)
    # Spread over sheets so that no sheet holds the same item twice (as a real sheet would not).
    n_sheets = len(kinds)
    sheets: list[list[Case]] = [[] for _ in range(n_sheets)]
    seen: list[set[str]] = [set() for _ in range(n_sheets)]
    for c in cases:
        start = rng.randrange(n_sheets)
        for k in range(n_sheets):
            s = (start + k) % n_sheets
            if c.expected == "NEW" or c.expected not in seen[s]:
                sheets[s].append(c)
                seen[s].add(c.expected)
                break
    for s in sheets:
        rng.shuffle(s)
    return [s for s in sheets if s], len(ts)


def row_inputs(sheet: list[Case], n: int) -> list[Any]:
    from wikiclub.reconcile.model import ReconQuery
    from wikiclub.reconcile.run import PLACE, LinkedCell, RowInput

    out = []
    for i, c in enumerate(sheet, start=2):
        query = ReconQuery(text=c.name, language="fr", types=(EVENT,) if c.cls == "festival" else (),
                           type_hints=(c.type_hint,), within=WITHIN, identifiers=c.identifiers,
                           websites=c.websites)
        linked = (LinkedCell("Municipalité", c.place_text, MUNI_TYPES, WITHIN, PLACE, "fr"),) if c.place_text else ()
        out.append(RowInput(f"synth{n}:{i}", i, query, linked))
    return out


def evaluate(sheets: list[list[Case]], make_source: Callable[[], Any], scorer: str
             ) -> tuple[dict[str, Tally], dict[str, Tally]]:
    from wikiclub.reconcile.run import reconcile_rows

    entity: dict[str, Tally] = defaultdict(Tally)
    cells: dict[str, Tally] = defaultdict(Tally)
    for n, sheet in enumerate(sheets):
        results = reconcile_rows(row_inputs(sheet, n), make_source(), scorer=scorer)
        for c, r in zip(sheet, results, strict=True):
            m = r.entity
            where = f"{c.kind}: « {c.name} » @ « {c.place_text} »"
            entity[c.kind].add(c.expected, m.decision.value, m.qid, m.top.qid if m.top else None, where)
            if c.place_expected and r.linked:
                lm = r.linked[0].match
                cells[c.kind].add(c.place_expected, lm.decision.value, lm.qid, lm.top.qid if lm.top else None,
                                  f"{c.kind}: cellule « {c.place_text} »")
    return entity, cells


def table(entity: dict[str, Tally], order: list[str]) -> tuple[list[str], Tally]:
    lines = [HEAD.replace("| sheet |", "| kind |")]
    total, pos, neg = Tally(), Tally(), Tally()
    for k in order:
        if k in entity:
            lines.append(entity[k].line(k))
            total.merge(entity[k])
            (neg if k.startswith("neg_") else pos).merge(entity[k])
    lines += [pos.line("*positives*"), neg.line("*negatives*"), total.line("**overall**")]
    return lines, total


def side_by_side(ours: dict[str, Tally], base: dict[str, Tally], order: list[str]) -> list[str]:
    def cell(t: Tally) -> str:
        p = f"{t.match_ok / t.match:.3f}" if t.match else "–"
        s = f"{t.strict / t.expected_existing:.3f}" if t.expected_existing else "–"
        r = f"{t.found / t.expected_existing:.3f}" if t.expected_existing else "–"
        n = f"{t.new_ok / t.expected_new:.3f}" if t.expected_new else "–"
        return f"{p} | {s} | {r} | {n} | {t.review / max(1, t.rows):.3f}"

    lines = ["| kind | rows | ours P | S | R | NEW | REVIEW | baseline P | S | R | NEW | REVIEW |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    to, tb = Tally(), Tally()
    for k in order:
        if k in ours:
            lines.append(f"| {k} | {ours[k].rows} | {cell(ours[k])} | {cell(base[k])} |")
            to.merge(ours[k])
            tb.merge(base[k])
    lines.append(f"| **overall** | {to.rows} | {cell(to)} | {cell(tb)} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", choices=("sandbox", "index", "both"), default="both")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    sheets, n_targets = build_sheets(args.seed)
    order = ["exact", *NAME_KINDS, *OTHER_KINDS[1:], *NEG_KINDS]
    n_rows = sum(len(s) for s in sheets)
    lines = ["# Reconciliation robustness (synthetic rows from kb.jsonl, seed "
             f"{args.seed}) — DEVELOPMENT set", "",
             "**Development set**: the perturbations come from the normaliser's own word lists and rules "
             "were tuned on these rows, so the figures flatter. The independent measure is "
             "recon_unseen.md (vocabularies written separately, a held-out seed).", "",
             f"{n_rows} rows over {len(sheets)} synthetic sheets, from {n_targets} items of the region "
             "(organisations, venues, festivals) and their municipalities; truth by construction. "
             "P = MATCH precision, S = strict MATCH recall (a REVIEW is not a match), R = lenient recall (MATCH, "
             "or a REVIEW whose top candidate is right), NEW = NEW accuracy on negatives.", ""]
    tmp = Path(tempfile.mkdtemp(prefix="recon-robust-"))
    with candidate_sources(args.source, tmp) as sources:
        for name, make in sources:
            ours, ours_cells = evaluate(sheets, make, "ours")
            base, base_cells = evaluate(sheets, make, "baseline")
            body, total = table(ours, order)
            lines += [f"## Candidates from the {name}", "", "### ours", "", *body, ""]
            lines += ["Municipality cells (ours):", "", *table(ours_cells, order)[0], ""]
            lines += ["### ours vs OpenRefine-style baseline", "", *side_by_side(ours, base, order), ""]
            lines += ["Municipality cells, ours vs baseline:", "",
                      *side_by_side(ours_cells, base_cells, order), ""]
            wrong = [e for t in ours.values() for e in t.errors if ": MATCH " in e]
            missed = [e for t in ours.values() for e in t.errors if ": NEW, attendu" in e]
            cell_err = [e for t in ours_cells.values() for e in t.errors]
            lines += [f"Wrong MATCH (ours, {len(wrong)}):", "", *(f"- {e}" for e in wrong), ""]
            lines += [f"NEW for an existing item (ours, {len(missed)}):", "", *(f"- {e}" for e in missed), ""]
            lines += [f"Municipality cell errors (ours, {len(cell_err)}):", "", *(f"- {e}" for e in cell_err), ""]
    lines.append(f"Run time: {time.perf_counter() - t0:.0f} s.")
    return emit(lines, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
