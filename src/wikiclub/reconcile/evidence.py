"""The row's facts against a candidate's, one by one, with Wikibase's semantics.

Every mapped statement of a row (``RowFact``) that the candidate also has is compared and gets a
verdict — agrees, contradicts or unknown — with both values, for the reviewer and for the score:

* **dates** at the coarser of the two precisions: a year-precision 1975 agrees with 1975-03-12;
  one year apart is unknown (sources often differ by one); further apart contradicts, and on a birth
  or death date (``facts.HARD_DATES``) that contradiction is *hard*: another person. A decade
  (« années 1970 ») agrees with any year in it; a circa date (P1480 = circa) agrees within 5 years.
  Two digits swapped or one digit changed (1958 / 1985) is a contradiction that may be a slip;
* **items**: the same item, or related through P279* (occupations, genres: a singer is a
  musician) or P131* (places: Rouyn-Noranda lies in Abitibi-Témiscamingue); otherwise a
  contradiction on a one-value property (birth place; a property with a single-value constraint),
  unknown on others (a person has several occupations and residences). An item cell left
  unresolved is compared by its text with the labels of the candidate's values;
* **identifiers**: equal after removing what is typed around them; different on a single-value
  identifier is a hard contradiction; **URLs**: same site; **quantities**: equal to 1 %;
  **coordinates**: distance; **texts**: equal after folding;
* **class**: a person against a candidate that is not one (or the reverse) is a hard contradiction.

Pure functions over ``Facts`` and ``Knowledge`` (no request of their own beyond cached facts).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..facts import CLASS_LIKE, HARD_DATES, HUMAN, Claim, Facts
from ..names import core, fold, identifier_key, registrable_domain, url_key
from .knowledge import Knowledge
from .model import AGREES, CONTRADICTS, UNKNOWN, FactCheck, ReconQuery, RowFact

# Properties Wikidata means to hold one value even where the wiki carries no constraint statement.
ONE_VALUE = frozenset(["P19", "P20", "P21", *HARD_DATES])
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


@dataclass(frozen=True)
class Verdict:
    verdict: str
    wiki: str
    note: str = ""
    slip: bool = False


@dataclass(frozen=True)
class Findings:
    """The checks of one candidate, whether one of them confirms it (an agreeing fact that more than
    the country), and whether a hard fact says it is another entity (not a possible slip)."""

    checks: tuple[FactCheck, ...]
    confirming: bool
    contradicted: bool


# --- dates ------------------------------------------------------------------------------------------

def time_parts(time: str) -> tuple[int, int, int]:
    """(year, month, day) of a Wikibase time string; 0 for an absent month or day."""
    sign = -1 if time.startswith("-") else 1
    date = time.lstrip("+-").split("T", 1)[0]
    parts = (date.split("-") + ["0", "0"])[:3]
    try:
        return sign * int(parts[0]), int(parts[1]), int(parts[2])
    except ValueError:
        return 0, 0, 0


def show_time(time: str, precision: int, circa: bool = False) -> str:
    """« 12 mars 1975 », « mars 1975 », « 1975 », « années 1970 », « XXe siècle »; « vers » if circa."""
    y, m, d = time_parts(time)
    if precision >= 11 and m and d:
        text = f"{'1er' if d == 1 else d} {MONTHS[m - 1]} {y}"
    elif precision == 10 and m:
        text = f"{MONTHS[m - 1]} {y}"
    elif precision == 8:
        text = f"années {y - y % 10}"
    elif precision == 7:
        text = f"{(y - 1) // 100 + 1}e siècle"
    else:
        text = str(y)
    return f"vers {text}" if circa else text


def year_slip(a: int, b: int) -> bool:
    """Whether two years differ by one typing slip: one digit hit for its neighbour on the keyboard's
    row of digits (1975 / 1965, 1980 / 1990) or two neighbouring digits swapped (1958 / 1985)."""
    sa, sb = str(a), str(b)
    if len(sa) != len(sb) or sa == sb:
        return False
    diff = [i for i, (x, y) in enumerate(zip(sa, sb, strict=True)) if x != y]
    if len(diff) == 1:
        return (int(sa[diff[0]]) - int(sb[diff[0]])) % 10 in (1, 9)
    return len(diff) == 2 and diff[1] == diff[0] + 1 and sa[diff[0]] == sb[diff[1]] and sa[diff[1]] == sb[diff[0]]


def _outside(year: int, other: int, unit: int, precision: int) -> int:
    """Years between ``year`` and the span of ``other`` (its decade, century…: ``unit`` years when its
    own precision is that coarse, else the year itself)."""
    start = other - other % unit if precision <= 8 else other
    end = start + unit - 1 if precision <= 8 else other
    return max(start - year, year - end, 0)


def compare_time(row: RowFact, c: Claim) -> Verdict:
    wiki = show_time(c.value, c.precision, c.extra == "circa")
    ry, rm, rd = time_parts(row.value)
    cy, cm, cd = time_parts(c.value)
    p = min(row.precision or 11, c.precision or 11, 11)
    d = abs(ry - cy)
    if row.circa or c.extra == "circa":
        if d <= 5:
            return Verdict(AGREES, wiki, "date approximative")
        return Verdict(UNKNOWN if d <= 10 else CONTRADICTS, wiki, f"{d} ans d'écart, date approximative")
    if p <= 8:  # decade, century, millennium: how far each year lies outside the other's span
        unit = 10 ** (9 - p)
        gap = min(_outside(ry, cy, unit, row.precision), _outside(cy, ry, unit, c.precision))
        return Verdict(AGREES if gap == 0 else UNKNOWN if gap == 1 else CONTRADICTS, wiki)
    if d == 1:
        return Verdict(UNKNOWN, wiki, "à un an près : les sources diffèrent parfois d'un an")
    if d > 1:
        return Verdict(CONTRADICTS, wiki, f"{d} ans d'écart", slip=year_slip(ry, cy))
    if p == 9 or (rm == cm and (p == 10 or rd == cd)):
        return Verdict(AGREES, wiki)
    swapped = (rm, rd) == (cd, cm)
    return Verdict(CONTRADICTS, wiki, "même année, jour et mois inversés ?" if swapped else "même année, autre jour",
                   slip=True)


# --- items ------------------------------------------------------------------------------------------

def _label(kb: Knowledge, qid: str) -> str:
    f = kb.known(qid) or kb.get(qid)
    return f.label() if f else qid


def _related(prop: str, r: str, v: str, kb: Knowledge) -> str:
    """How row item ``r`` and candidate value ``v`` agree ("" when they do not)."""
    if r == v:
        return "même élément"
    if prop in CLASS_LIKE:
        if r in kb.superclasses(v):
            return f"{_label(kb, v)} est une sorte de {_label(kb, r)}"
        if v in kb.superclasses(r):
            return f"{_label(kb, r)} est une sorte de {_label(kb, v)}"
        return ""
    for inner, outer in ((v, r), (r, v)):
        if outer in kb.ancestors(inner):
            f = kb.known(outer)
            if f is None or not f.located_in:  # only the same country: says nothing
                return ""
            return f"{_label(kb, inner)} est dans {_label(kb, outer)}"
    return ""


def one_value(prop: str, kb: Knowledge) -> bool:
    f = kb.known(prop) or kb.get(prop)
    return prop in ONE_VALUE or bool(f and f.single_valued)


def compare_items(row: RowFact, values: Sequence[Claim], kb: Knowledge) -> Verdict:
    wiki = ", ".join(_label(kb, c.value) for c in values)
    if not row.items:
        names = {core(n) for c in values for f in [kb.known(c.value) or kb.get(c.value)] if f
                 for _, _, n in (*f.names(), *f.name_statements())}
        if core(row.text) in names:
            return Verdict(AGREES, wiki, "même nom (cellule non réconciliée)")
        return Verdict(UNKNOWN, wiki, "cellule non réconciliée")
    for c in values:
        for r in row.items:
            how = _related(row.property, r, c.value, kb)
            if how:
                return Verdict(AGREES, wiki, how)
    if one_value(row.property, kb):
        return Verdict(CONTRADICTS, wiki)
    return Verdict(UNKNOWN, wiki, "autre valeur ; il peut y en avoir plusieurs")


# --- other kinds ------------------------------------------------------------------------------------

def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _distance(a: str, b: str) -> float | None:
    try:
        lat1, lon1, lat2, lon2 = (math.radians(float(x)) for x in (*a.split(","), *b.split(",")))
    except ValueError:
        return None
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def compare_value(row: RowFact, c: Claim, kb: Knowledge) -> Verdict:
    """One value of the candidate against the row's, for every kind but items and dates."""
    if row.kind == "external-id" or c.kind == "external-id":
        if identifier_key(row.value) == identifier_key(c.value):
            return Verdict(AGREES, c.value, "identifiant identique")
        return Verdict(CONTRADICTS, c.value, "autre identifiant")
    if row.kind == "url":
        rk, ck = url_key(row.value), url_key(c.value)
        if rk and ck and (rk[0] == ck[0] or registrable_domain(rk[0]) == registrable_domain(ck[0])):
            return Verdict(AGREES, c.value, "même site" if rk == ck else "même domaine")
        return Verdict(CONTRADICTS, c.value, "autre site")
    if row.kind == "quantity":
        a, b = _float(row.value), _float(c.value)
        same = a is not None and b is not None and abs(a - b) <= 0.01 * max(abs(a), abs(b), 1e-9)
        return Verdict(AGREES if same else UNKNOWN, c.value)
    if row.kind == "coordinates":
        d = _distance(row.value, c.value)
        if d is None:
            return Verdict(UNKNOWN, c.value)
        return Verdict(AGREES if d <= 1 else UNKNOWN if d <= 25 else CONTRADICTS, c.value, f"{d:.1f} km")
    same = fold(row.value) == fold(c.value) or identifier_key(row.value) == identifier_key(c.value)
    return Verdict(AGREES if same else UNKNOWN, c.value)


def _best_of(verdicts: Sequence[Verdict]) -> Verdict:
    """Several values on the wiki: one agreeing is enough; a contradiction needs them all."""
    for wanted in (AGREES, UNKNOWN):
        for v in verdicts:
            if v.verdict == wanted:
                return v
    return verdicts[0]


# --- one candidate ----------------------------------------------------------------------------------

def check_fact(row: RowFact, cand: Facts, kb: Knowledge) -> Verdict:
    values = cand.values(row.property)
    if not values:
        return Verdict(UNKNOWN, "", "absent de l'élément")
    if row.kind == "item":
        return compare_items(row, [c for c in values if c.kind == "item"] or values, kb)
    if row.kind == "time":
        verdict = _best_of([compare_time(row, c) for c in values if c.kind == "time"] or
                           [Verdict(UNKNOWN, values[0].value)])
    else:
        verdict = _best_of([compare_value(row, c, kb) for c in values])
    if verdict.verdict == CONTRADICTS and row.kind not in ("time", "external-id") and not one_value(row.property, kb):
        return Verdict(UNKNOWN, verdict.wiki, "autre valeur ; il peut y en avoir plusieurs")
    return verdict


def row_value(row: RowFact, kb: Knowledge) -> str:
    if row.kind == "time":
        return show_time(row.value, row.precision, row.circa)
    if row.kind == "item":
        return ", ".join(_label(kb, q) for q in row.items) or row.text
    return row.text or row.value


def property_label(prop: str, kb: Knowledge, language: str) -> str:
    f = kb.known(prop) or kb.get(prop)
    return f.label((language, "fr", "en")) if f else prop


def is_hard(row: RowFact, kb: Knowledge) -> bool:
    """A contradiction on this fact means another entity: a birth or death date, or a single-value
    identifier."""
    return row.property in HARD_DATES or (row.kind == "external-id" and one_value(row.property, kb))


def class_check(query: ReconQuery, cand: Facts, kb: Knowledge) -> FactCheck | None:
    """A person against a typed candidate that is not one, or the reverse: never the same entity."""
    if not cand.instance_of or not (query.person or query.types):
        return None
    if query.person == cand.is_human:
        return None
    wiki = ", ".join(_label(kb, c) for c in cand.instance_of)
    row = _label(kb, HUMAN) if query.person else ", ".join(_label(kb, t) for t in query.types)
    return FactCheck("P31", property_label("P31", kb, query.language), CONTRADICTS, row, wiki, hard=True,
                     note="une personne n'est pas une organisation ni un lieu")


def examine(query: ReconQuery, cand: Facts, kb: Knowledge) -> Findings:
    """Every row fact checked against ``cand``; see the module docstring for the rules."""
    checks: list[FactCheck] = []
    confirming = False
    cls = class_check(query, cand, kb)
    if cls is not None:
        checks.append(cls)
    for row in query.facts:
        v = check_fact(row, cand, kb)
        hard = is_hard(row, kb)
        checks.append(FactCheck(row.property, property_label(row.property, kb, query.language), v.verdict,
                                row_value(row, kb), v.wiki, hard, v.slip and hard, v.note))
        confirming = confirming or v.verdict == AGREES
    contradicted = any(c.blocks and not c.slip for c in checks)
    return Findings(tuple(checks), confirming, contradicted)
