"""The pure diff of one entity: what the sheet wants vs what the wiki has → the smallest ``wbeditentity``.

Nothing here talks to a wiki. :func:`diff_entity` takes the wanted state (:class:`Wanted`) and the
current entity JSON (``None`` for a creation) and returns the payload that adds only what is
missing, readable :class:`Change` rows, and :class:`Conflict` rows a human must settle.

Why the diff must decide and not the server (docs/architecture.md, « Qualities that hold everywhere »;
measured on MediaWiki 1.39 + Wikibase):
``wbeditentity`` stores the same reference twice on one statement and appends a statement sent
without an id even when an equal one exists. So:

- labels and descriptions are set only where the language has none (unless ``overwrite`` names
  them); aliases are only ever *added* (``"add"`` entries), never replaced, and not when the text
  is already the label or an alias;
- a statement is added only when no statement of that property has an equal value (equal in the
  Wikibase sense: :func:`same_value`); when one exists, missing qualifiers and references are added
  *to that statement* (sent with its id and all it already holds);
- a reference is already there when an existing reference of the statement holds all its snaks,
  except "retrieved" (P813), whose date changes every day and would make every re-run add one;
- a time value the wiki already holds more precisely (the sheet says 1978, the wiki 1978-07-24: same
  calendar, the wiki's date falls within the sheet's year, month or day…) is already there: nothing
  is added and a ``less-precise`` :class:`DiffNote` says so. The reverse (the sheet more precise than
  the wiki) is a conflict on a single-value property, and an added statement with a ``more-precise``
  note elsewhere (nobody else's value is ever changed). Coordinates compare within the coarser of the
  two precisions, which covers both directions;
- a property with a single-value constraint that already has another value is not touched: the
  pair is reported as a :class:`Conflict`.

Values are compared as Wikibase datavalue JSON on both sides. A value still to be created in the
same batch is the datavalue ``{"type": "wikiclub-batch-item", "value": {"edit_id": …}}``: it is equal
only to itself and is replaced by the new QID at push time (:func:`resolve_batch_items`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

from ..model import LangText, MappedRow
from ..wbjson import DataValue, Entity, EntityData, Reference, Snak, SnakMap, Statement, TermEdit

_JSON = TypeVar("_JSON")  # a JSON value, whose shape a function keeps
BATCH_ITEM_TYPE = "wikiclub-batch-item"
RETRIEVED = "P813"  # "retrieved": ignored when deciding whether a reference is already there
OVERWRITABLE = frozenset({"labels", "descriptions"})


# --------------------------------------------------------------------------------------------- wanted


@dataclass(frozen=True, slots=True)
class Wanted:
    """What one row wants on its item, as Wikibase JSON (statements without ids)."""

    labels: tuple[LangText, ...] = ()
    descriptions: tuple[LangText, ...] = ()
    aliases: tuple[LangText, ...] = ()
    statements: tuple[Statement, ...] = ()

    @classmethod
    def from_row(cls, row: MappedRow, *, extra: Sequence[Statement] = (),
                 drop: Callable[[Statement], bool] | None = None) -> Wanted:
        """From a mapped row; ``extra`` statements (P31, P5008) first; ``drop`` filters statements out."""
        statements = list(extra)
        for st in row.statements:
            js = st.statement()
            if drop is None or not drop(js):
                statements.append(js)
        return cls(row.labels, row.descriptions, row.aliases, tuple(statements))

    def to_json(self) -> dict[str, Any]:
        return {"labels": [list(p) for p in self.labels], "descriptions": [list(p) for p in self.descriptions],
                "aliases": [list(p) for p in self.aliases], "statements": list(self.statements)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Wanted:
        def pairs(key: str) -> tuple[LangText, ...]:
            return tuple((str(a), str(b)) for a, b in data.get(key, ()))

        return cls(pairs("labels"), pairs("descriptions"), pairs("aliases"),
                   tuple(_statement_of(s) for s in data.get("statements", ())))


def _statement_of(raw: Any) -> Statement:
    """A wanted statement as plan.jsonl holds it: a copy of a JSON object (else TypeError)."""
    statement: Statement = raw
    if not isinstance(raw, dict):
        raise TypeError(f"statement: {type(raw).__name__}, pas un objet / not an object")
    return statement.copy()


@dataclass(frozen=True, slots=True)
class Change:
    """One readable change; ``mainsnak``/``qualifiers``/``references`` let exporters rebuild it."""

    kind: str  # label | description | alias | statement | qualifiers | references
    text: str  # readable, for plan.md and the report
    language: str | None = None
    value: str | None = None  # the term for label/description/alias
    mainsnak: Snak | None = None
    qualifiers: tuple[Snak, ...] = ()  # qualifier snaks added
    references: tuple[Reference, ...] = ()  # references added

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "text": self.text}
        if self.language is not None:
            out["language"] = self.language
        if self.value is not None:
            out["value"] = self.value
        if self.mainsnak is not None:
            out["mainsnak"] = self.mainsnak
        if self.qualifiers:
            out["qualifiers"] = list(self.qualifiers)
        if self.references:
            out["references"] = list(self.references)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        return cls(data["kind"], data["text"], data.get("language"), data.get("value"), data.get("mainsnak"),
                   tuple(data.get("qualifiers", ())), tuple(data.get("references", ())))


@dataclass(frozen=True, slots=True)
class Conflict:
    """A change not made because a human must decide (e.g. a single-value property with another value).

    ``wanted``/``existing`` are readable texts; ``mainsnak``/``existing_snaks`` the snaks they were
    made from (so that a preview can name the items they hold).
    """

    property: str
    reason: str
    wanted: str
    existing: tuple[str, ...] = ()
    mainsnak: Snak | None = None
    existing_snaks: tuple[Snak, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return _with_snaks({"property": self.property, "reason": self.reason, "wanted": self.wanted,
                            "existing": list(self.existing)}, self.mainsnak, self.existing_snaks)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Conflict:
        return cls(data["property"], data["reason"], data["wanted"], tuple(data.get("existing", ())),
                   *_snaks_of(data))


@dataclass(frozen=True, slots=True)
class DiffNote:
    """Something the diff decided that a reviewer may want to know, but no edit and no conflict.

    ``less-precise``: the sheet's value is a coarser form of a value the wiki has (nothing added);
    ``more-precise``: the sheet's value refines a coarser one of the wiki (added next to it).
    """

    kind: str
    property: str
    wanted: str
    existing: tuple[str, ...] = ()
    mainsnak: Snak | None = None
    existing_snaks: tuple[Snak, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return _with_snaks({"kind": self.kind, "property": self.property, "wanted": self.wanted,
                            "existing": list(self.existing)}, self.mainsnak, self.existing_snaks)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DiffNote:
        return cls(data["kind"], data["property"], data["wanted"], tuple(data.get("existing", ())),
                   *_snaks_of(data))


def _with_snaks(out: dict[str, Any], mainsnak: Snak | None, existing_snaks: tuple[Snak, ...]) -> dict[str, Any]:
    """The snaks a conflict or note was made from, written only when there are some."""
    if mainsnak is not None:
        out["mainsnak"] = mainsnak
    if existing_snaks:
        out["existing_snaks"] = list(existing_snaks)
    return out


def _snaks_of(data: Mapping[str, Any]) -> tuple[Snak | None, tuple[Snak, ...]]:
    mainsnak: Snak | None = data.get("mainsnak")
    existing: list[Snak] = list(data.get("existing_snaks", ()))
    return mainsnak, tuple(existing)


@dataclass(frozen=True)
class EntityDiff:
    data: EntityData  # the wbeditentity payload; {} when nothing is missing
    changes: tuple[Change, ...] = ()
    conflicts: tuple[Conflict, ...] = field(default=())
    notes: tuple[DiffNote, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.data


# --------------------------------------------------------------------------------------------- equality


def normalise_url(url: str) -> str:
    """A URL as compared: scheme-less (http = https), host lowercased without ``www.`` or default port,
    no trailing slash, no fragment. Path and query keep their case (servers may care)."""
    text = url.strip()
    try:
        parts = urlsplit(text if "://" in text else "http://" + text)
    except ValueError:
        return text
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = host + (f":{port}" if port else "")
    path = parts.path.rstrip("/")
    return urlunsplit(("", netloc, path, parts.query, ""))


def _time_key(value: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The part of a time value its precision makes significant (Wikibase compares at that precision)."""
    text = str(value.get("time", ""))
    precision = int(value.get("precision", 11))
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    try:
        date, _, clock = body.partition("T")
        year_s, month_s, day_s = date.split("-")
        year, month, day = sign * int(year_s), int(month_s), int(day_s)
    except ValueError:
        return None
    calendar = value.get("calendarmodel")
    if precision >= 11:
        return (calendar, precision, year, month, day, clock[: {11: 0, 12: 2, 13: 5}.get(precision, 8)])
    if precision == 10:
        return (calendar, precision, year, month)
    if precision == 9:
        return (calendar, precision, year)
    # decade (8), century (7), millennium (6) … down to billion years (0)
    return (calendar, precision, year // 10 ** (9 - precision))


# Precisions at which "falls within" is unambiguous: decade (the 1970s are 1970–1979), year, month,
# day, hour, minute, second. Centuries and millennia are left out: Wikidata stores the 20th century
# both as 1900 and as 2000 (the UI's and the API's habits differ), so containment would guess.
_NESTED_PRECISIONS = range(8, 15)


def time_within(coarse: Mapping[str, Any], fine: Mapping[str, Any]) -> bool:
    """True when ``fine`` is a strictly more precise form of ``coarse``: same calendar, and ``fine``
    truncated to ``coarse``'s precision is ``coarse`` (1978-07-24 is within 1978 and within 1978-07)."""
    try:
        pc, pf = int(coarse.get("precision", 11)), int(fine.get("precision", 11))
    except (TypeError, ValueError):
        return False
    if pc >= pf or pc not in _NESTED_PRECISIONS or coarse.get("calendarmodel") != fine.get("calendarmodel"):
        return False
    ka, kb = _time_key(coarse), _time_key({**fine, "precision": pc})
    return ka is not None and ka == kb


def less_precise(wanted: Mapping[str, Any], existing: Mapping[str, Any]) -> bool:
    """True when the snak ``wanted`` is implied by ``existing``: same property, both time values, and
    ``existing`` a more precise form of ``wanted`` (:func:`time_within`)."""
    if wanted.get("property") != existing.get("property"):
        return False
    if wanted.get("snaktype", "value") != "value" or existing.get("snaktype", "value") != "value":
        return False
    dw, de = wanted.get("datavalue") or {}, existing.get("datavalue") or {}
    if dw.get("type") != "time" or de.get("type") != "time":
        return False
    vw, ve = dw.get("value"), de.get("value")
    return isinstance(vw, Mapping) and isinstance(ve, Mapping) and time_within(vw, ve)


def _covers(have: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """``have`` already says what ``wanted`` says: equal, or a more precise time."""
    return same_snak(have, wanted) or less_precise(wanted, have)


def _decimal(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None


def _same_entity_id(va: Mapping[str, Any], vb: Mapping[str, Any]) -> bool:
    ida = va.get("id") or f"Q{va.get('numeric-id')}"
    idb = vb.get("id") or f"Q{vb.get('numeric-id')}"
    return str(ida).upper() == str(idb).upper()


def _same_time(va: Mapping[str, Any], vb: Mapping[str, Any]) -> bool:
    ka, kb = _time_key(va), _time_key(vb)
    return ka is not None and ka == kb


def _same_coordinates(va: Mapping[str, Any], vb: Mapping[str, Any]) -> bool:
    """Same globe, and positions within the coarser of the two precisions."""
    if va.get("globe") != vb.get("globe"):
        return False
    precisions = [float(p) for p in (va.get("precision"), vb.get("precision")) if p is not None]
    tolerance = max(precisions) if precisions else 1e-6
    try:
        return (abs(float(va["latitude"]) - float(vb["latitude"])) <= tolerance + 1e-12
                and abs(float(va["longitude"]) - float(vb["longitude"])) <= tolerance + 1e-12)
    except (KeyError, TypeError, ValueError):
        return False


def _same_quantity(va: Mapping[str, Any], vb: Mapping[str, Any]) -> bool:
    amount_a, amount_b = _decimal(va.get("amount")), _decimal(vb.get("amount"))
    return amount_a is not None and amount_a == amount_b and va.get("unit", "1") == vb.get("unit", "1")


def _same_monolingual(va: Mapping[str, Any], vb: Mapping[str, Any]) -> bool:
    return va.get("text") == vb.get("text") and va.get("language") == vb.get("language")


# datavalue type → comparison of two structured values of that type
_SAME_STRUCTURED: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], bool]] = {
    "wikibase-entityid": _same_entity_id,
    "time": _same_time,
    "globecoordinate": _same_coordinates,
    "quantity": _same_quantity,
    "monolingualtext": _same_monolingual,
}


def same_datavalue(a: Mapping[str, Any], b: Mapping[str, Any], datatype: str = "") -> bool:
    kind = a.get("type")
    if kind != b.get("type"):
        return False
    va, vb = a.get("value"), b.get("value")
    if kind == "string":
        if datatype == "url":
            return normalise_url(str(va)) == normalise_url(str(vb))
        return va == vb
    same = _SAME_STRUCTURED.get(str(kind))
    if same is not None and isinstance(va, Mapping) and isinstance(vb, Mapping):
        return same(va, vb)
    return va == vb


def same_snak(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    if a.get("property") != b.get("property") or a.get("snaktype", "value") != b.get("snaktype", "value"):
        return False
    if a.get("snaktype", "value") != "value":
        return True
    dva, dvb = a.get("datavalue"), b.get("datavalue")
    if not isinstance(dva, Mapping) or not isinstance(dvb, Mapping):
        return False
    return same_datavalue(dva, dvb, str(a.get("datatype") or b.get("datatype") or ""))


def _snak_list(snaks: SnakMap | Sequence[Snak] | None) -> list[Snak]:
    """Snaks of a qualifiers/reference map ``{P: [snak]}`` (or a plain list) as one list."""
    if isinstance(snaks, Mapping):
        return [s for group in snaks.values() for s in group]
    return list(snaks or ())


def reference_covered(wanted: Mapping[str, Any], existing: Iterable[Mapping[str, Any]]) -> bool:
    """True when one existing reference holds every snak of ``wanted`` except "retrieved" (P813)."""
    snaks = _snak_list(wanted.get("snaks"))
    significant = [s for s in snaks if s.get("property") != RETRIEVED] or snaks
    for ref in existing:
        have = _snak_list(ref.get("snaks"))
        if all(any(_covers(h, s) for h in have) for s in significant):
            return True
    return False


# --------------------------------------------------------------------------------------------- readable


def value_text(snak: Mapping[str, Any]) -> str:
    """A short readable form of a snak's value (for plan.md, summaries and conflicts)."""
    if snak.get("snaktype", "value") != "value":
        return "(inconnue / unknown)" if snak.get("snaktype") == "somevalue" else "(aucune / none)"
    dv: Any = snak.get("datavalue") or {}
    kind, v = dv.get("type"), dv.get("value")
    if kind == "wikibase-entityid":
        return str(v.get("id") or f"Q{v.get('numeric-id')}")
    if kind == BATCH_ITEM_TYPE:
        return f"(nouvel élément / new item {v.get('label') or v.get('edit_id')})"
    if kind == "time":
        t, p = str(v.get("time", "")), int(v.get("precision", 11))
        return t[1:5] if p == 9 else t[1:8] if p == 10 else t[1:11] if p == 11 else t
    if kind == "globecoordinate":
        return f"{v.get('latitude')}, {v.get('longitude')}"
    if kind == "quantity":
        unit = str(v.get("unit", "1"))
        amount = str(v.get("amount", "")).lstrip("+")
        return amount if unit == "1" else f"{amount} {unit.rsplit('/', 1)[-1]}"
    if kind == "monolingualtext":
        return f"{v.get('text')} ({v.get('language')})"
    return str(v)


def _snak_text(snak: Mapping[str, Any]) -> str:
    return f"{snak.get('property')} = {value_text(snak)}"


# --------------------------------------------------------------------------------------------- the diff


def _terms(current: Mapping[str, Any], kind: str) -> dict[str, str]:
    return {lang: str(t.get("value", "")) for lang, t in (current.get(kind) or {}).items() if isinstance(t, Mapping)}


def _clean(text: str) -> str:
    return " ".join(text.split())  # Wikibase trims and collapses white space in terms


def _diff_terms(wanted: Wanted, current: Mapping[str, Any], overwrite: frozenset[str], data: EntityData,
                changes: list[Change]) -> dict[str, str]:
    """Labels and descriptions to add (or, when asked, to overwrite); returns the labels after the edit."""
    labels = _terms(current, "labels")
    kinds: tuple[tuple[Literal["labels", "descriptions"], str], ...] = (("labels", "label"),
                                                                       ("descriptions", "description"))
    for kind, singular in kinds:
        have = _terms(current, kind)
        for lang, raw in getattr(wanted, kind):
            text = _clean(raw)
            if not text or have.get(lang) == text:
                continue
            old = have.get(lang)
            if old is not None and kind not in overwrite:
                continue  # never overwrite a term someone wrote (unless asked)
            data.setdefault(kind, {})[lang] = {"language": lang, "value": text}
            have[lang] = text
            arrow = f"« {old} » → « {text} »" if old is not None else f"« {text} »"
            changes.append(Change(singular, f"{singular} {lang}: {arrow}", lang, text))
        if kind == "labels":
            labels = have
    return labels


def _diff_aliases(wanted: Wanted, current: Mapping[str, Any], labels: Mapping[str, str], creating: bool,
                  data: EntityData, changes: list[Change]) -> None:
    """Aliases the entity lacks (neither an alias nor the label in that language), always added."""
    aliases = {lang: [str(a.get("value", "")) for a in group]
               for lang, group in (current.get("aliases") or {}).items()}
    for lang, raw in wanted.aliases:
        text = _clean(raw)
        if not text or text == labels.get(lang) or text in aliases.get(lang, []):
            continue
        entry: TermEdit = {"language": lang, "value": text}
        if not creating:
            entry["add"] = ""  # added to the existing aliases, never replacing them
        data.setdefault("aliases", {}).setdefault(lang, []).append(entry)
        aliases.setdefault(lang, []).append(text)
        changes.append(Change("alias", f"alias {lang}: « {text} »", lang, text))


def diff_entity(wanted: Wanted, current: Entity | None, *, single_value: Iterable[str] = (),
                overwrite: Iterable[str] = ()) -> EntityDiff:
    """The smallest ``wbeditentity`` payload that brings ``current`` (None: a new item) to ``wanted``."""
    current = current or {}
    overwrite = frozenset(overwrite)
    unknown = overwrite - OVERWRITABLE
    if unknown:
        raise ValueError(f"cannot overwrite {sorted(unknown)} (only {sorted(OVERWRITABLE)})")
    data: EntityData = {}
    changes: list[Change] = []
    conflicts: list[Conflict] = []
    labels = _diff_terms(wanted, current, overwrite, data, changes)
    _diff_aliases(wanted, current, labels, not current.get("id"), data, changes)
    notes: list[DiffNote] = []
    statements = _diff_statements(wanted.statements, current.get("claims") or {}, frozenset(single_value),
                                  changes, conflicts, notes)
    if statements:
        data["claims"] = statements
    return EntityDiff(data, tuple(changes), tuple(conflicts), tuple(notes))


def _present(group: Iterable[Statement]) -> list[Statement]:
    """Statements that hold a value (not deprecated, not somevalue/novalue)."""
    return [s for s in group if s.get("rank") != "deprecated"
            and s.get("mainsnak", {}).get("snaktype", "value") == "value"]


def _new_statement(st: Statement, pid: str, group: list[Statement], single: frozenset[str],
                   changes: list[Change], conflicts: list[Conflict], notes: list[DiffNote]
                   ) -> Statement | None:
    """A wanted statement with no equal in ``group``: appended as a new statement (and returned), unless
    the wiki already says it more precisely (a note) or the property takes a single value (a conflict)."""
    mainsnak = st["mainsnak"]
    present = _present(group)
    finer = [s for s in present if less_precise(mainsnak, s["mainsnak"])]
    if finer:
        # The wiki says it more precisely (1978-07-24 for the sheet's 1978): already there. The
        # sheet's qualifiers and references are not moved onto that statement: they back 1978,
        # not the day.
        notes.append(_diff_note("less-precise", mainsnak, finer))
        return None
    if pid in single and present:
        conflicts.append(Conflict(pid, "single-value", value_text(mainsnak),
                                  tuple(value_text(s["mainsnak"]) for s in present),
                                  mainsnak, tuple(s["mainsnak"] for s in present)))
        return None
    coarser = [s for s in present if less_precise(s["mainsnak"], mainsnak)]
    if coarser:  # added next to the coarser value, which stays (it is somebody's statement)
        notes.append(_diff_note("more-precise", mainsnak, coarser))
    new: Statement = {"mainsnak": mainsnak, "type": "statement", "rank": st.get("rank", "normal")}
    if st.get("qualifiers"):
        new["qualifiers"] = copy.deepcopy(st["qualifiers"])
    if st.get("references"):
        new["references"] = _distinct_refs(st["references"])
    group.append(new)
    changes.append(Change("statement", "+ " + _snak_text(mainsnak), mainsnak=mainsnak,
                          qualifiers=tuple(_snak_list(new.get("qualifiers"))),
                          references=tuple(new.get("references", ()))))
    return new


def _extend_statement(st: Statement, match: Statement, changes: list[Change]) -> bool:
    """The wanted statement's qualifiers and references that ``match`` (an equal statement) lacks, added
    to it; False when it lacks none."""
    added_q = [q for q in _snak_list(st.get("qualifiers"))
               if not any(_covers(h, q) for h in _snak_list(match.get("qualifiers")))]
    added_r = _distinct_refs(r for r in st.get("references", ())
                             if not reference_covered(r, match.get("references", ())))
    if not added_q and not added_r:
        return False
    for q in added_q:
        match.setdefault("qualifiers", {}).setdefault(q["property"], []).append(q)
        order = match.setdefault("qualifiers-order", [])
        if q["property"] not in order:
            order.append(q["property"])
    match.setdefault("references", []).extend(added_r)
    what = _snak_text(match["mainsnak"])
    if added_q:
        changes.append(Change("qualifiers", f"{what}: + " + ", ".join(_snak_text(q) for q in added_q),
                              mainsnak=match["mainsnak"], qualifiers=tuple(added_q)))
    if added_r:
        refs = "; ".join(", ".join(_snak_text(s) for s in _snak_list(r.get("snaks"))) for r in added_r)
        changes.append(Change("references", f"{what}: + référence / reference {refs}",
                              mainsnak=match["mainsnak"], references=tuple(added_r)))
    return True


def _diff_statements(wanted: Sequence[Statement], claims: Mapping[str, list[Statement]], single: frozenset[str],
                     changes: list[Change], conflicts: list[Conflict], notes: list[DiffNote]) -> list[Statement]:
    # Work on copies: existing statements we extend are sent whole, with their id.
    work: dict[str, list[Statement]] = {p: copy.deepcopy(list(g)) for p, g in claims.items()}
    touched: dict[int, Statement] = {}  # id(statement) → statement, in first-touched order
    for raw in wanted:
        st = copy.deepcopy(raw)
        mainsnak = st["mainsnak"]
        pid = str(mainsnak["property"])
        group = work.setdefault(pid, [])
        match = next((s for s in group if same_snak(s.get("mainsnak", {}), mainsnak)), None)
        if match is None:
            new = _new_statement(st, pid, group, single, changes, conflicts, notes)
            if new is not None:
                touched[id(new)] = new
        elif _extend_statement(st, match, changes):
            touched[id(match)] = match
    return list(touched.values())


def _diff_note(kind: str, mainsnak: Snak, others: Sequence[Statement]) -> DiffNote:
    return DiffNote(kind, str(mainsnak.get("property")), value_text(mainsnak),
                    tuple(value_text(s["mainsnak"]) for s in others), mainsnak.copy(),
                    tuple(s["mainsnak"].copy() for s in others))


def _distinct_refs(refs: Iterable[Reference]) -> list[Reference]:
    out: list[Reference] = []
    for r in refs:
        if not reference_covered(r, out):
            out.append(copy.deepcopy(r))
    return out


# --------------------------------------------------------------------------------------------- batch items


def batch_item(edit_id: str, label: str = "") -> DataValue:
    """The datavalue of an item created earlier in the same batch (replaced by its QID at push time)."""
    return {"type": BATCH_ITEM_TYPE, "value": {"edit_id": edit_id, "label": label}}


def batch_item_ids(obj: Any) -> set[str]:
    """edit_ids of the batch items a payload (or any JSON) refers to."""
    found: set[str] = set()
    if isinstance(obj, Mapping):
        if obj.get("type") == BATCH_ITEM_TYPE and isinstance(obj.get("value"), Mapping):
            found.add(str(obj["value"]["edit_id"]))
        for v in obj.values():
            found |= batch_item_ids(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            found |= batch_item_ids(v)
    return found


def resolve_batch_items(obj: _JSON, created: Mapping[str, str]) -> _JSON:
    """A copy of ``obj`` (a payload, wanted statements…: the same shape comes back) with every batch
    item replaced by the item datavalue of its created QID.

    Raises KeyError (the edit_id) when one was not created yet.
    """
    resolved: _JSON = _resolved(obj, created)
    return resolved


def _resolved(obj: Any, created: Mapping[str, str]) -> Any:
    """:func:`resolve_batch_items` on any JSON value (a batch item datavalue becomes an item one)."""
    if isinstance(obj, Mapping):
        if obj.get("type") == BATCH_ITEM_TYPE and isinstance(obj.get("value"), Mapping):
            qid = created[str(obj["value"]["edit_id"])]
            return {"value": {"entity-type": "item", "numeric-id": int(qid[1:]), "id": qid},
                    "type": "wikibase-entityid"}
        return {k: _resolved(v, created) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_resolved(v, created) for v in obj]
    return obj
