"""``build_plan``: reconciled records + the wiki's current state → a batch folder of entity edits.

Input: the JSON lines written by ``wikiclub reconcile --apply-review`` (``{"target", "decision",
"record", "reconcile"}``). One batched read (``wbgetentities``, 50 a request) fetches the matched
items, the items labelled like NEW rows, the items that description templates name and the property
entities (their constraints, P2302: :mod:`wikiclub.batch.constraints`). Description drafts (a template
naming an item column) are filled with those items' labels; :func:`wikiclub.batch.diff.diff_entity` keeps
only what is missing; NEW rows become creations (label, description, P31, every mapped statement).

Nothing wrong is written: a row with errors from the sheet stage is held; a creation whose place cell
(P131) stayed unresolved, or without a column the mapping requires for creation, is held (never half an
item); a statement that breaks a constraint of its property is left out with a note.

Rules that make a batch reviewable and safe to push twice:

- one :class:`EntityEdit` per entity: rows matching the same item are merged, NEW rows reconcile joined
  (``reconcile.same_as``: flagged duplicates) are one creation, and so are NEW rows with the same label
  and description in a language (Wikibase would refuse the second one anyway); a duplicate's other
  label becomes an alias of the creation;
- an item column whose text names a row created in the same batch points at that creation (a
  ``wikiclub-batch-item`` value, replaced by the new QID at push time); creations are ordered so
  that what is pointed at comes first; any other unresolved item cell is left out and listed;
- ``edit_id`` = hash of target + payload, so planning twice on an unchanged wiki gives the same
  batch, and planning after the batch was pushed gives an empty one;
- the EditGroups id is derived from the edit ids (4–32 lowercase hex, one per batch).

The folder (see docs/batches.md): ``meta.json``, ``plan.jsonl`` (one edit a line), ``notes.jsonl``
(conflicts and constraint violations for a human, held rows, unresolved cells, merged rows, missing
items) and ``plan.md`` (a preview).

The preview names things for people who do not read ids: each item by its label on the wiki (and the
sheet's name when it differs), properties and item values by their labels (« numéro de téléphone
(P1329) », « Rouyn-Noranda (Q900141) »), in the batch's language, else ``mul``, else English. The
labels come from the batched read above, plus one ``get_entities(ids, props=labels)`` call (50 ids a
request) for the ids it did not read (qualifier and reference properties, item values); they are
kept in each line's ``names`` so that ``plan.md`` can be rendered again offline. They never enter
the payload nor the ``edit_id``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from .. import __version__
from ..errors import InputError
from ..model import ITEM_REF_TYPE, MAX_TERM, Issue, ItemRef, ItemValue, MappedRow, is_item_id, is_property_id
from ..problems import problem_words
from ..sheets.mapping import PLACE_PROPERTY
from ..sheets.properties import property_info
from ..wbjson import Entity, SearchHit, Statement
from .constraints import (
    MAX_DEPTH,
    ClassFacts,
    Constraint,
    Subject,
    check_statements,
    class_starts,
    distinct_wanted,
    facts_of,
    read_constraints,
    single_value_properties,
    statement_value,
)
from .diff import (
    DiffNote,
    EntityDiff,
    Wanted,
    batch_item,
    batch_item_ids,
    diff_entity,
    same_snak,
)
from .journal import utc_now
from .model import FORMAT, EntityEdit, Plan, canonical, edit_id_of, make_summary, sha256_file
from .preview import _label_languages, display_label


class EntityReader(Protocol):
    def get_entities(self, ids: Iterable[str], *, props: Sequence[str] | None = None,
                     languages: Sequence[str] | None = None) -> dict[str, Entity]: ...

    def search_entities(self, text: str, *, language: str, type: str = "item",  # noqa: A002
                        limit: int = 7) -> list[SearchHit]: ...


@dataclass(frozen=True)
class PlanOptions:
    overwrite: frozenset[str] = frozenset()
    language: str = "fr"  # the language of labels shown to people
    command: str = "wikiclub plan"
    inputs: Mapping[str, Path] = field(default_factory=dict)  # name → file, hashed into meta.json
    names: bool = True  # read the labels plan.md shows (``plan --check`` writes no plan.md: it skips them)
    # Never half an item: properties a NEW item must get, else it is held for review, never created (the
    # mapping's ``creation_requires()``: columns marked ``required_for_creation``) …
    creation_requires: tuple[str, ...] = ()
    # … and, by default, its place (P131) when a row gives the cell but it stayed unresolved
    hold_unresolved_place: bool = True


@dataclass(frozen=True)
class _Record:
    index: int
    target: str | None
    row: MappedRow
    reconcile: dict[str, Any]
    new: bool = False  # decided NEW in review (even if the plan finds it was created since)


def read_reconciled(path: Path) -> list[_Record]:
    """The lines of ``wikiclub reconcile --apply-review`` output, checked."""
    out: list[_Record] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: illisible / unreadable ({exc.strerror})",
                         "give the file written by `wikiclub reconcile --apply-review`") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            decision = obj["decision"]
            target = obj.get("target")
            row = MappedRow.from_json(obj["record"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}, ligne {n}: pas un enregistrement réconcilié / not a reconciled record "
                             f"({exc.__class__.__name__}: {exc})",
                             "plan reads the output of `wikiclub reconcile --apply-review REVIEW -o FILE`") from None
        if decision == "MATCH":
            if not isinstance(target, str) or not is_item_id(target):
                raise InputError(f"{path}, ligne {n}: MATCH sans QID valide / MATCH without a valid QID: {target!r}",
                                 "fix the decision in the review sheet and apply it again")
        elif decision == "NEW":
            target = None
        else:
            raise InputError(f"{path}, ligne {n}: décision inconnue / unknown decision {decision!r}",
                             "only MATCH and NEW rows are planned")
        out.append(_Record(n, target, row, dict(obj.get("reconcile") or {}), new=target is None))
    return out


def _name_key(text: str) -> str:
    return " ".join(text.casefold().split())


_Hits = dict[tuple[str, str], list[SearchHit]]  # (language, label) → search results with that label


@dataclass
class _Entity:
    key: str  # target QID or "new:<n>"
    target: str | None
    records: list[_Record]
    wanted: Wanted = Wanted()
    deps: set[str] = field(default_factory=set)  # keys of creations pointed at
    joined: dict[int, dict[str, Any]] = field(default_factory=dict)  # record index → {row, why} it joined


def _label_of(row: MappedRow, language: str) -> str:
    return row.label(language) or (row.labels[0][1] if row.labels else "")


def _statement(pid: str, qid: str) -> Statement:
    return {"mainsnak": {"snaktype": "value", "property": pid, "datavalue": {
        "value": {"entity-type": "item", "numeric-id": int(qid[1:]), "id": qid}, "type": "wikibase-entityid"},
        "datatype": "wikibase-item"}, "type": "statement", "rank": "normal"}


@dataclass(frozen=True)
class _Read:
    """What the one batched read brought: label searches for NEW rows, the properties used, entities."""

    hits: _Hits
    pids: tuple[str, ...]
    fetched: dict[str, Entity]


@dataclass(frozen=True)
class _Planned:
    """One entity's diff, ready to be named and assembled into an :class:`EntityEdit`."""

    entity: _Entity
    result: EntityDiff
    baserevid: int | None
    target: str | None


def build_plan(records: Sequence[_Record], reader: EntityReader, *, site: Mapping[str, str], batch_id: str,
               options: PlanOptions = PlanOptions()) -> Plan:
    """Plan one batch. ``reader`` is a :class:`~wikiclub.adapters.wikibase.WikibaseClient` or alike.

    A pipeline of named steps, each a function below: hold invalid rows → read → fill descriptions →
    already created → group entities → current state → wanted → hold incomplete creations → order →
    constraint reads → diff (constraints checked first) → name → assemble.
    """
    notes: list[dict[str, Any]] = []
    records = _hold_invalid(records, notes)
    read = _read(records, reader)
    records = _fill_descriptions(records, read.fetched, options.language, options.overwrite, notes)
    records = _already_created(records, read.hits, notes)
    entities = _group_entities(records, notes)
    current, single_value = _current_state(entities, read, reader)
    _wanted(entities, notes)
    _hold_incomplete(entities, options, notes)
    ordered = _topological(list(entities.values()), notes)
    checks = _constraint_reads(ordered, current, read, reader)
    planned, edit_ids = _diff_all(ordered, current, entities, single_value, checks, options, notes)
    names, mentioned, notes = _name(planned, notes, read.fetched, reader, options)
    edits = _assemble(planned, edit_ids, entities, names, mentioned, batch_id, options.language)
    meta = _meta(edits, notes, records, site, batch_id, single_value, options)
    return Plan(meta, tuple(edits), tuple(notes))


def _read(records: Sequence[_Record], reader: EntityReader) -> _Read:
    """The one batched read (``wbgetentities``, 50 a request) of what the plan needs from the wiki: the
    matched items, the items found by label for NEW rows (an earlier push may have created them), the
    items that description templates name (their labels fill the descriptions) and the properties
    used (constraints). One call: ceil(sum/50) ≤ the sum of the ceilings."""
    hits = _search_new(records, reader)
    pids = sorted({st.property for rec in records for st in rec.row.statements}
                  | {"P31"} | ({"P5008"} if any(r.row.focus_list for r in records) else set()),
                  key=lambda p: int(p[1:]))
    return _Read(hits, tuple(pids), _read_entities(records, hits, pids, reader))


def _group_entities(records: Sequence[_Record], notes: list[dict[str, Any]]) -> dict[str, _Entity]:
    """One entity per target; rows reconcile found to be one new entity are one creation, and so are
    NEW rows with the same label and description in a language (Wikibase refuses the second)."""
    entities: dict[str, _Entity] = {}
    for rec, key, why in _entity_keys(records):
        if key in entities:
            first = entities[key].records[0]
            entities[key].records.append(rec)
            entities[key].joined[rec.index] = {"row": first.row.source.row, "why": why}
            notes.append(_note("merged", rec, f"même élément que la ligne / same item as row {first.row.source.row}"
                                              f" ({why})", target=rec.target, merged_into=first.row.source.row,
                               why=why))
        else:
            entities[key] = _Entity(key, None if key.startswith("new:") else key, [rec])
    return entities


def _current_state(entities: Mapping[str, _Entity], read: _Read,
                   reader: EntityReader) -> tuple[dict[str, Entity], list[str]]:
    """The matched items as the wiki has them (all read by :func:`_read`) and the single-value properties."""
    fetched = read.fetched
    targets = [e.target for e in entities.values() if e.target]
    unread = [t for t in targets if t not in fetched]
    if unread:  # not expected (_read reads every target): kept so that a target is never planned blind
        fetched.update(reader.get_entities(unread))
    current = {t: fetched[t] for t in targets}
    properties = {p: fetched[p] for p in read.pids}
    single_value = sorted((p for p, e in properties.items() if "missing" not in e and property_info(e).single_value),
                          key=lambda p: int(p[1:]))
    return current, single_value


def _created_names(entities: Mapping[str, _Entity]) -> dict[str, str]:
    """Names of the items created in this batch (labels and aliases of NEW rows) → their entity key,
    for item cells that point at them."""
    created: dict[str, str] = {}
    for ent in entities.values():
        if ent.target is None or any(r.new for r in ent.records):
            for rec in (r for r in ent.records if r.new):
                for _, text in (*rec.row.labels, *rec.row.aliases):
                    created.setdefault(_name_key(text), ent.key)
    return created


def _wanted(entities: Mapping[str, _Entity], notes: list[dict[str, Any]]) -> None:
    """What each entity wants (``ent.wanted``), with item cells resolved against the batch's creations."""
    created = _created_names(entities)
    for ent in entities.values():
        extra: list[Statement] = []
        statements: list[Statement] = []
        for rec in ent.records:
            if ent.target is None:
                extra += [_statement("P31", q) for q in rec.row.instance_of]
            if rec.row.focus_list:
                extra.append(_statement("P5008", rec.row.focus_list))
            for st in Wanted.from_row(rec.row).statements:
                resolved = _resolve_refs(st, created, entities, ent, rec, notes)
                if resolved is not None:
                    statements.append(resolved)
        ent.wanted = _merged_terms(ent, tuple(_dedupe(extra + statements)))


def _hold_invalid(records: Sequence[_Record], notes: list[dict[str, Any]]) -> list[_Record]:
    """Rows the sheet stage found errors in (a wrong check digit, a birth date in the future…) are held:
    nothing of them is planned, a ``held`` note says why. ``map`` leaves them out already; a sheet
    reconciled directly keeps them, so the batch must."""
    out: list[_Record] = []
    for rec in records:
        errors = [i for i in rec.row.issues if i.severity == "error"]
        if not errors:
            out.append(rec)
            continue
        fr = f"ligne retenue, erreurs dans le tableur : {_errors_text(errors, 'fr')} — corrigez le tableur puis " \
             "refaites map"
        en = f"row held, errors in the sheet: {_errors_text(errors, 'en')} — fix the sheet and map again"
        notes.append(_note("held", rec, f"{fr} / {en}", rec.target, reason="invalid",
                           problems=[e.problem for e in errors], fr=fr, en=en))
    return out


def _errors_text(errors: Sequence[Issue], language: str) -> str:
    """The first errors of a row, each with its column, its problem in words and its value."""
    return "; ".join(f"{e.source.column or '?'} : {problem_words(e.problem, language)} (« {e.value or ''} »)"
                     for e in errors[:5])


def _required(ent: _Entity, options: PlanOptions) -> tuple[str, ...]:
    """What this creation must have: the required properties, and P131 when a row gives a place cell."""
    place = options.hold_unresolved_place and any(st.property == PLACE_PROPERTY for r in ent.records
                                                  for st in r.row.statements)
    return tuple(dict.fromkeys([*options.creation_requires, *([PLACE_PROPERTY] if place else [])]))


def _held_text(rec: _Record, missing: Sequence[str]) -> tuple[str, str]:
    """Why a creation is held, in French and in English."""
    fr_parts, en_parts = [], []
    for pid in missing:
        texts = [st.mainsnak.value.text for st in rec.row.statements
                 if st.property == pid and isinstance(st.mainsnak.value, ItemRef)]
        fr_parts.append(f"{pid} « {' ; '.join(texts)} » non résolu" if texts else f"{pid} vide")
        en_parts.append(f"{pid} « {' ; '.join(texts)} » unresolved" if texts else f"{pid} empty")
    return (f"nouvel élément retenu, jamais créé sans {', '.join(missing)} : {', '.join(fr_parts)} — résolvez "
            "la cellule (feuille de révision) puis planifiez à nouveau",
            f"new item held, never created without {', '.join(missing)}: {', '.join(en_parts)} — resolve the "
            "cell and plan again")


def _hold_incomplete(entities: dict[str, _Entity], options: PlanOptions, notes: list[dict[str, Any]]) -> None:
    """Never half an item: a creation without one of the properties it requires (the place column by
    default: an unresolved municipality) is held — out of the batch, a ``held`` note per row — and
    statements of other entities that point at it are left out (an ``unresolved`` note each)."""
    held: dict[str, list[str]] = {}
    for key, ent in entities.items():
        if ent.target is None:
            have = {st["mainsnak"]["property"] for st in ent.wanted.statements
                    if st["mainsnak"].get("snaktype", "value") == "value"}
            missing = [p for p in _required(ent, options) if p not in have]
            if missing:
                held[key] = missing
    held_rows = []
    for key, missing in held.items():
        for rec in entities.pop(key).records:
            held_rows.append(rec.row.source.to_json())
            fr, en = _held_text(rec, missing)
            notes.append(_note("held", rec, f"{fr} / {en}", None, reason="incomplete", missing=missing, fr=fr, en=en))
    # what was said about a held row's cells is said again, better, by its held note
    notes[:] = [n for n in notes if n["kind"] not in ("unresolved", "description") or n["source"] not in held_rows]
    for ent in entities.values():
        for key in sorted(ent.deps & held.keys()):
            notes.append(_note("unresolved", ent.records[0], "pointe vers un nouvel élément retenu / points at a "
                                                             "held new item (statement left out)", ent.target))
            _drop_pending(ent, key)


def _diff_all(ordered: Sequence[_Entity], current: Mapping[str, Entity], entities: Mapping[str, _Entity],
              single_value: Sequence[str], checks: _Checks, options: PlanOptions,
              notes: list[dict[str, Any]]) -> tuple[list[_Planned], dict[str, str]]:
    """Diff each entity in order (what is pointed at first) and give each non-empty one its edit id."""
    planned: list[_Planned] = []
    edit_ids: dict[str, str] = {}
    for ent in ordered:
        target = ent.target
        entity: Entity | None = None
        if target is not None:
            entity = current.get(target)
            if entity is None or "missing" in entity:
                notes.append(_note("missing", ent.records[0], f"{target} n'existe pas / does not exist", target))
                continue
            if entity.get("id") != target:  # a redirect: edit the item it points to
                notes.append(_note("redirect", ent.records[0], f"{target} → {entity.get('id')}", target))
                target = str(entity["id"])
        wanted = _checked(_bind(ent.wanted, edit_ids, entities), ent, target, entity, checks, notes)
        result = _relabel(diff_entity(wanted, entity, single_value=single_value, overwrite=options.overwrite),
                          checks.single)
        _diff_notes(result, ent, target, notes)
        if result.empty:
            continue
        edit_ids[ent.key] = edit_id_of(target, result.data)
        planned.append(_Planned(ent, result, None if entity is None else entity.get("lastrevid"), target))
    return planned, edit_ids


@dataclass(frozen=True)
class _Checks:
    """What checking Wikidata's constraints needs, read once for the batch (see :mod:`.constraints`)."""

    constraints: Mapping[str, tuple[Constraint, ...]] = field(default_factory=dict)
    facts: ClassFacts = ClassFacts()
    holders: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    single: Mapping[str, str] = field(default_factory=dict)  # pid → single-value / single-best-value


def _subject(target: str | None, entity: Entity | None, statements: Sequence[Statement]) -> Subject:
    """The entity statements go on, with its classes: the wiki's P31 and the batch's."""
    have = [st for st in ((entity or {}).get("claims") or {}).get("P31", ()) if st.get("rank") != "deprecated"]
    p31 = [v[1] for st in (*have, *(s for s in statements if s["mainsnak"]["property"] == "P31"))
           if (v := statement_value(st)) and v[0] == "item"]
    return Subject(target, tuple(dict.fromkeys(p31)))


def _added(statements: Sequence[Statement], entity: Entity | None) -> list[Statement]:
    """The statements whose main value the entity does not have yet (those a batch would add)."""
    claims = (entity or {}).get("claims") or {}
    return [st for st in statements if not any(same_snak(c.get("mainsnak") or {}, st["mainsnak"])
                                               for c in claims.get(st["mainsnak"]["property"], ()))]


def _constraint_reads(ordered: Sequence[_Entity], current: Mapping[str, Entity], read: _Read,
                      reader: EntityReader) -> _Checks:
    """Constraints of the properties used (read by :func:`_read`), then what checking them needs: the
    P31/P279 of value items and subjects and their class ancestors (one batched read per level of
    the hierarchy, only when a type or value-type constraint applies), and the items already holding
    each identifier a distinct-values property would get (``haswbstatement`` OR searches, few values each)."""
    constraints = {p: read_constraints(read.fetched[p]) for p in read.pids if "missing" not in read.fetched[p]}
    constraints = {p: c for p, c in constraints.items() if c}
    if not constraints:
        return _Checks()
    items: list[str] = []
    classes: list[str] = []
    pairs: list[tuple[str, str]] = []
    for ent in ordered:
        entity = current.get(ent.target) if ent.target else None
        added = _added(ent.wanted.statements, entity)
        more_items, more_classes = class_starts(_subject(ent.target, entity, ent.wanted.statements), added, constraints)
        items += more_items
        classes += more_classes
        pairs += distinct_wanted(added, constraints)
    facts = _class_facts(items, classes, read.fetched, reader)
    return _Checks(constraints, facts, _holders(pairs, reader), single_value_properties(constraints))


def _class_facts(items: Sequence[str], classes: Sequence[str], fetched: Mapping[str, Entity],
                 reader: EntityReader) -> ClassFacts:
    """P31/P279 of ``items`` and of every class above them and above ``classes``, breadth first."""
    if not items and not classes:
        return ClassFacts()
    known: dict[str, Entity] = {i: fetched[i] for i in items if i in fetched and "claims" in fetched[i]}
    unread = [i for i in dict.fromkeys(items) if i not in known]
    if unread:
        known.update(reader.get_entities(unread, props=["claims"]))
    first = facts_of(known)
    level = [*classes, *(c for i in items for c in (*first.instance_of.get(i, ()), *first.subclass_of.get(i, ())))]
    for _ in range(MAX_DEPTH):
        level = [c for c in dict.fromkeys(level) if c not in known and is_item_id(c)]
        if not level:
            break
        got = reader.get_entities(level, props=["claims"])
        known.update(got)
        level = [p for c in level for p in facts_of({c: got.get(c, {"missing": ""})}).subclass_of.get(c, ())]
    return facts_of(known)


# CirrusSearch refuses a full-text query longer than this ($wgCirrusSearchMaxFullTextQueryLength, 300 by
# default); ``haswbstatement:P1=a|P2=b`` is one such query (| is OR: Help:Extension:WikibaseCirrusSearch).
MAX_SEARCH_QUERY = 300
HOLDER_HITS = 50  # hits asked per OR search; a search that fills it is asked again pair by pair


def _or_groups(pairs: Sequence[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The pairs cut into OR searches that stay within the query length (quotes and keyword counted)."""
    groups: list[list[tuple[str, str]]] = []
    size = 0
    for prop, value in pairs:
        cost = len(prop) + len(value) + 2  # "P=v" and its "|"
        if not groups or size + cost > MAX_SEARCH_QUERY - len('haswbstatement:""'):
            groups.append([])
            size = 0
        groups[-1].append((prop, value))
        size += cost
    return groups


def _holds(entity: Entity, prop: str, value: str) -> bool:
    """Whether ``entity`` has a ``prop`` statement of value ``value`` (case aside, as haswbstatement)."""
    for st in (entity.get("claims") or {}).get(prop) or []:
        snak = st.get("mainsnak")
        datavalue = snak.get("datavalue") if snak is not None else None
        if datavalue is not None and str(datavalue.get("value", "")).casefold() == value.casefold():
            return True
    return False


def _holders(pairs: Sequence[tuple[str, str]], reader: EntityReader) -> dict[tuple[str, str], tuple[str, ...]]:
    """(property, value) → the items having that statement. One ``haswbstatement`` OR search per group
    of pairs (not one per pair), then one batched read of the items found, to know which pair each
    holds — usually none: a new identifier is on no item. A reader without statement search (an
    offline reader) finds none."""
    search = getattr(reader, "search_statements", None)
    if not callable(search):
        return {}
    unique = list(dict.fromkeys(pairs))
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    found: list[str] = []  # hits of OR searches: which pair each holds is read below
    for group in _or_groups(unique):
        (prop, value), rest = group[0], group[1:]
        hits = [str(q) for q in search(prop, value + "".join(f"|{p}={v}" for p, v in rest), limit=HOLDER_HITS)]
        if len(hits) >= HOLDER_HITS:  # maybe more than shown: each pair on its own
            out.update({(p, v): tuple(str(q) for q in search(p, v, limit=10)) for p, v in group})
        elif not rest:  # one pair: its hits are its holders
            out[(prop, value)] = tuple(hits)
        else:
            found += hits
            out.update({pair: () for pair in group})
    entities = reader.get_entities(list(dict.fromkeys(found)), props=["claims"]) if found else {}
    for q, e in entities.items():
        for pair in out:
            if "missing" not in e and _holds(e, *pair) and q not in out[pair]:
                out[pair] += (q,)
    return out


def _checked(wanted: Wanted, ent: _Entity, target: str | None, entity: Entity | None, checks: _Checks,
             notes: list[dict[str, Any]]) -> Wanted:
    """``wanted`` without the statements that would break a constraint: each becomes a ``constraint`` note."""
    if not checks.constraints:
        return wanted
    added = _added(wanted.statements, entity)
    kept, violations = check_statements(added, _subject(target, entity, wanted.statements), checks.constraints,
                                        checks.facts, checks.holders)
    if not violations:
        return wanted
    dropped = {id(st) for st in added} - {id(st) for st in kept}
    keep = tuple(st for st in wanted.statements if id(st) not in dropped)
    for v in violations:
        notes.append(_note("constraint", ent.records[0], v.message, target, constraint=v.to_json()))
    return Wanted(wanted.labels, wanted.descriptions, wanted.aliases, keep)


def _relabel(result: EntityDiff, single: Mapping[str, str]) -> EntityDiff:
    """Conflicts on a property with the single-best-value constraint say so (the diff says single-value)."""
    if not result.conflicts or not single:
        return result
    return replace(result, conflicts=tuple(replace(c, reason=single.get(c.property, c.reason))
                                           for c in result.conflicts))


def _diff_notes(result: EntityDiff, ent: _Entity, target: str | None, notes: list[dict[str, Any]]) -> None:
    """The diff's conflicts and precision notes, as notes of the batch."""
    for c in result.conflicts:
        notes.append(_note("conflict", ent.records[0], f"{c.property}: {c.reason}; wiki: "
                                                       f"{', '.join(c.existing)}; sheet: {c.wanted}",
                           target, conflict=c.to_json()))
    for d in result.notes:
        notes.append(_note(d.kind, ent.records[0], _diff_note_text(d), target, precision=d.to_json()))


def _name(planned: Sequence[_Planned], notes: list[dict[str, Any]], fetched: Mapping[str, Entity],
          reader: EntityReader, options: PlanOptions
          ) -> tuple[dict[str, str], dict[str, list[str]], list[dict[str, Any]]]:
    """Labels for the preview: what :func:`_read` read, and one labels-only read of the other ids named.
    Returns the names, the ids each entity's edit mentions, and the notes with their names."""
    mentioned = {p.entity.key: _ids_named([p.target, [c.to_json() for c in p.result.changes],
                                           [c.to_json() for c in p.result.conflicts]])
                 for p in planned}
    note_ids = [_ids_named([n.get("target"), n]) for n in notes]
    names = (_names([i for ids in (*mentioned.values(), *note_ids) for i in ids], fetched, reader,
                    options.language) if options.names else {})
    named = [{**n, "names": _pick(names, ids)} if _pick(names, ids) else n
             for n, ids in zip(notes, note_ids, strict=True)]
    return names, mentioned, named


def _assemble(planned: Sequence[_Planned], edit_ids: Mapping[str, str], entities: Mapping[str, _Entity],
              names: Mapping[str, str], mentioned: Mapping[str, list[str]], batch_id: str,
              lang: str) -> list[EntityEdit]:
    """The batch's :class:`EntityEdit` s, in order, with their summaries (EditGroups id from the edit ids)."""
    group = _editgroup(edit_ids[p.entity.key] for p in planned)
    edits: list[EntityEdit] = []
    for seq, p in enumerate(planned):
        ent, result, target = p.entity, p.result, p.target
        edit_id = edit_ids[ent.key]
        label = _label_of(ent.records[0].row, lang)
        rows = [r.row.source.row for r in ent.records if r.row.source.row is not None]
        summary = make_summary(batch_id, rows, edit_id, group, _what(target, label, result))
        edits.append(EntityEdit(
            seq, edit_id, target, p.baserevid, result.data, summary, label, _bind(ent.wanted, edit_ids, entities),
            result.changes, result.conflicts,
            tuple({"source": r.row.source.to_json(), "line": r.index, "reconcile": r.reconcile,
                   **({"merged_into": ent.joined[r.index]} if r.index in ent.joined else {})}
                  for r in ent.records),
            tuple(sorted(batch_item_ids(result.data))), _pick(names, mentioned[ent.key])))
    return edits


def _editgroup(edit_ids: Iterable[str]) -> str:
    """The EditGroups id of a batch: derived from its edit ids, in order (12 lowercase hex)."""
    return hashlib.sha256("".join(edit_ids).encode()).hexdigest()[:12]


def _meta(edits: Sequence[EntityEdit], notes: Sequence[Mapping[str, Any]], records: Sequence[_Record],
          site: Mapping[str, str], batch_id: str, single_value: Sequence[str],
          options: PlanOptions) -> dict[str, Any]:
    return {
        "format": FORMAT, "batch_id": batch_id, "command": options.command, "version": __version__,
        "site": dict(site), "planned_at": utc_now(), "editgroup": _editgroup(e.edit_id for e in edits),
        "inputs": {name: {"path": str(p), "sha256": sha256_file(p)} for name, p in options.inputs.items()},
        "overwrite": sorted(options.overwrite), "single_value": list(single_value), "language": options.language,
        "counts": {"edits": len(edits), "creations": sum(e.creation for e in edits),
                   "changes": sum(len(e.changes) for e in edits),
                   "conflicts": sum(n["kind"] == "conflict" for n in notes), "rows": len(records),
                   "held": sum(n["kind"] == "held" for n in notes)},
    }


def _entity_keys(records: Sequence[_Record]) -> list[tuple[_Record, str, str]]:
    """(record, entity key, why it joins an earlier record) in input order.

    The key is the target QID; for a NEW row that reconcile joined to another row (``same_as``:
    flagged duplicates nobody separated), that row's key; otherwise a creation of its own, shared
    with any earlier NEW row having the same label and description in one language (case and
    spaces aside: Wikibase would refuse the second creation).
    """
    by_key = {str(r.reconcile["key"]): r for r in records if r.reconcile.get("key")}
    keys: dict[int, str] = {}
    pairs: dict[tuple[str, str, str], str] = {}
    members: dict[str, set[str]] = {}  # creation key → reconcile keys of its records
    out: list[tuple[_Record, str, str]] = []

    def key_of(rec: _Record, seen: frozenset[int] = frozenset()) -> tuple[str, str]:
        if rec.target:
            return rec.target, "même élément / same item"
        lead = by_key.get(str(rec.reconcile.get("same_as") or ""))
        if lead is not None and lead.index not in seen and lead is not rec:
            return key_of(lead, seen | {rec.index})[0], (
                f"doublon signalé par la réconciliation / duplicate flagged by reconcile: row {lead.row.source.row}")
        if rec.index in keys:
            return keys[rec.index], ""
        descriptions = dict(rec.row.descriptions)
        mine = [(lang, _name_key(text), _name_key(descriptions[lang])) for lang, text in rec.row.labels
                if descriptions.get(lang)]
        # rows reconcile found to be other entities despite the same name (dates, identifiers…)
        distinct = {str(k) for k in rec.reconcile.get("distinct_from") or ()}
        for pair in mine:
            if pair in pairs and not distinct & members.get(pairs[pair], set()):
                keys[rec.index] = pairs[pair]
                members[pairs[pair]].add(str(rec.reconcile.get("key")))
                return pairs[pair], f"même libellé et description / same label and description ({pair[0]})"
        ident = (tuple(sorted(rec.row.labels)), tuple(sorted(rec.row.descriptions)),
                 str(rec.reconcile.get("key")) if distinct else "")
        key = "new:" + hashlib.sha256(repr(ident).encode()).hexdigest()[:12]
        members.setdefault(key, set()).add(str(rec.reconcile.get("key")))
        keys[rec.index] = key
        for pair in mine:
            pairs.setdefault(pair, key)
        return key, "même libellé et description / same label and description"

    for rec in records:
        key, why = key_of(rec)
        out.append((rec, key, why))
    return out


def _dedupe(statements: Sequence[Statement]) -> list[Statement]:
    """Equal statements wanted by several rows of one entity are sent once."""
    seen: set[str] = set()
    out = []
    for st in statements:
        k = canonical(st)
        if k not in seen:
            seen.add(k)
            out.append(st)
    return out


def _merged_terms(ent: _Entity, statements: tuple[Statement, ...]) -> Wanted:
    """Labels, descriptions and aliases of the entity's rows: the first row's label and description
    in each language; for a creation, the other rows' labels become aliases (the name the duplicate
    row used stays findable) — an existing item keeps its terms as the diff decides."""
    labels: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    aliases: list[tuple[str, str]] = []
    for rec in ent.records:
        for lang, text in rec.row.labels:
            if lang not in labels:
                labels[lang] = text
            elif ent.target is None and _name_key(text) != _name_key(labels[lang]):
                aliases.append((lang, text))
        for lang, text in rec.row.descriptions:
            descriptions.setdefault(lang, text)
        aliases += rec.row.aliases
    if ent.target is not None:  # keep every row's wanted label: the diff takes the first where none is set
        label_pairs = tuple(dict.fromkeys(p for r in ent.records for p in r.row.labels))
    else:
        label_pairs = tuple(labels.items())
    kept = [(lang, a) for lang, a in dict.fromkeys(aliases)
            if _name_key(a) != _name_key(labels.get(lang, ""))]
    return Wanted(label_pairs or ent.records[0].row.labels, tuple(descriptions.items()), tuple(kept), statements)


def _diff_note_text(d: DiffNote) -> str:
    if d.kind == "less-precise":
        return (f"{d.property}: feuille / sheet {d.wanted}, le wiki a déjà plus précis / the wiki already has "
                f"{', '.join(d.existing)} (rien à ajouter / nothing to add)")
    return (f"{d.property}: feuille / sheet {d.wanted}, plus précis que / more precise than "
            f"{', '.join(d.existing)} on the wiki (ajouté à côté / added next to it)")


def _ids_named(obj: Any) -> list[str]:
    """Entity ids a JSON value names, in order: bare ids in lists, snak properties, item values."""
    found: list[str] = []

    def walk(o: Any) -> None:
        if isinstance(o, str):
            if is_item_id(o) or is_property_id(o):
                found.append(o)
        elif isinstance(o, Mapping):
            prop = o.get("property")
            if isinstance(prop, str) and is_property_id(prop):
                found.append(prop)
            value = o.get("value")
            if o.get("type") == "wikibase-entityid" and isinstance(value, Mapping):
                found.append(str(value.get("id") or f"Q{value.get('numeric-id')}"))
            for v in o.values():
                if not isinstance(v, str):
                    walk(v)
        elif isinstance(o, list | tuple):
            for v in o:
                walk(v)

    walk(obj)
    return list(dict.fromkeys(found))


def _names(ids: Sequence[str], fetched: Mapping[str, Entity], reader: EntityReader,
           language: str) -> dict[str, str]:
    """id → label shown, for ``ids``: from the entities already read, and the others in one
    labels-only ``get_entities`` call (50 ids a request)."""
    known: dict[str, str] = {}
    for key, entity in fetched.items():
        label = "" if "missing" in entity else display_label(entity, language)
        if label:
            known[key] = label
            known.setdefault(str(entity.get("id", key)), label)
    rest = [i for i in dict.fromkeys(ids) if i not in known and i not in fetched]
    if rest:
        more = reader.get_entities(rest, props=["labels"], languages=list(_label_languages(language)))
        for key, entity in more.items():
            label = "" if "missing" in entity else display_label(entity, language)
            if label:
                known[key] = label
    return {i: known[i] for i in dict.fromkeys(ids) if i in known}


def _pick(names: Mapping[str, str], ids: Iterable[str]) -> dict[str, str]:
    return {i: names[i] for i in ids if i in names}


def _note(kind: str, rec: _Record, text: str, target: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "row": rec.row.source.row, "source": rec.row.source.to_json(), "target": target,
            "label": _label_of(rec.row, "fr"), "text": text, **extra}


def _search_new(records: Sequence[_Record], reader: EntityReader) -> _Hits:
    """Items labelled like each NEW row (one ``wbsearchentities`` per distinct label), exact labels only."""
    hits: _Hits = {}
    for rec in records:
        if rec.target is None and rec.row.labels:
            lang, label = rec.row.labels[0]
            key = (lang, _name_key(label))
            if key not in hits:
                hits[key] = [h for h in reader.search_entities(label, language=lang, limit=20)
                             if _name_key(str(h.get("label", ""))) == key[1]]
    return hits


def _read_entities(records: Sequence[_Record], hits: _Hits, pids: Sequence[str],
                   reader: EntityReader) -> dict[str, Entity]:
    """Matched items, items a NEW row may already be, items named in description drafts and the
    properties used: one ``get_entities`` call (50 ids a request in the client), so naming the items
    costs a request only when the ids overflow a batch of 50."""
    ids: dict[str, None] = dict.fromkeys(pids)
    for rec in records:
        if rec.target:
            ids[rec.target] = None
        ids.update(dict.fromkeys(rec.row.description_item_ids()))
        if rec.target is None and rec.row.labels:
            lang, label = rec.row.labels[0]
            # when the description is already known, only the hit with that description can be the row's
            known = None if rec.row.description_drafts else _name_key(dict(rec.row.descriptions).get(lang, ""))
            ids.update(dict.fromkeys(str(h["id"]) for h in hits.get((lang, _name_key(label)), ())
                                     if known is None or _name_key(str(h.get("description", ""))) == known))
    ids = {i: None for i in ids if is_item_id(i) or i in pids}
    return reader.get_entities(list(ids)) if ids else {}


def _term(entity: Entity | None, kind: Literal["labels", "descriptions"], language: str) -> str:
    """An entity's label (or description) in ``language``; for labels, else the ``mul`` one
    (Wikidata's label "for all languages", often the name of a place)."""
    terms = (entity or {}).get(kind) or {}
    for lang in (language, "mul") if kind == "labels" else (language,):
        term = terms.get(lang)
        if isinstance(term, Mapping) and str(term.get("value", "")).strip():
            return str(term["value"])
    return ""


def _fill_descriptions(records: Sequence[_Record], fetched: Mapping[str, Entity], lang: str,
                       overwrite: frozenset[str], notes: list[dict[str, Any]]) -> list[_Record]:
    """Description drafts filled with the labels of the items their item cells name.

    An item of the wiki is named by its label in the description's language (or ``mul``); an item
    cell still unresolved whose text names a NEW row of the batch, by that row's label (the item it
    will point at). Anything else (an unresolved cell, an item without a label there) leaves the
    description out, with a ``description`` note: the cell's text ("R-N", "Q900141") is no name to
    publish. Pure: the labels come from the entities read in the batched read.
    """
    creations: dict[str, MappedRow] = {}
    for rec in records:
        if rec.new:
            for _, text in (*rec.row.labels, *rec.row.aliases):
                creations.setdefault(_name_key(text), rec.row)

    def name(value: ItemValue | ItemRef, language: str) -> str | None:
        if isinstance(value, ItemValue):
            return _term(fetched.get(value.id), "labels", language) or None
        row = creations.get(_name_key(value.text))
        return (row.label(language) or None) if row is not None else None

    out: list[_Record] = []
    for rec in records:
        if not rec.row.description_drafts:
            out.append(rec)
            continue
        row, left = rec.row.fill_descriptions(name)
        for gap in left:
            if (rec.target and "descriptions" not in overwrite
                    and _term(fetched.get(rec.target), "descriptions", gap.language)):
                continue  # the item has a description there already: nothing would be written
            if gap.reason == "too-long":
                text = (f"description {gap.language} trop longue, laissée de côté / too long, left out "
                        f"({len(gap.text)} > {MAX_TERM}): « {gap.text[:80]}… »")
            else:
                text = (f"description {gap.language} laissée de côté / left out: "
                        f"{', '.join(f'« {u} »' for u in gap.unnamed)} sans libellé {gap.language} "
                        f"(cellule non résolue ou élément sans libellé / unresolved cell or item without a "
                        f"{gap.language} label)")
            notes.append(_note("description", rec, text, rec.target, language=gap.language,
                               unnamed=list(gap.unnamed)))
        out.append(replace(rec, row=row))
    return out


def _already_created(records: Sequence[_Record], hits: _Hits, notes: list[dict[str, Any]]) -> list[_Record]:
    """NEW rows whose label + description an item already has (Wikibase keeps that pair unique):
    the item an earlier push created, so the row now edits it. One search per distinct label (made by
    :func:`_search_new`); compared once descriptions are filled."""
    found: dict[tuple[str, str, str], str | None] = {}
    out: list[_Record] = []
    for rec in records:
        if rec.target is None and rec.row.labels:
            lang, label = rec.row.labels[0]
            key = (lang, _name_key(label), _name_key(dict(rec.row.descriptions).get(lang, "")))
            if key not in found:
                found[key] = next((str(h["id"]) for h in hits.get(key[:2], ())
                                   if _name_key(str(h.get("description", ""))) == key[2]), None)
            qid = found[key]
            if qid is not None:
                notes.append(_note("exists", rec, f"déjà créé / already exists: {qid}", qid))
                rec = replace(rec, target=qid)
        out.append(rec)
    return out


def _resolve_refs(st: Statement, names: Mapping[str, str], entities: Mapping[str, _Entity], ent: _Entity,
                  rec: _Record, notes: list[dict[str, Any]]) -> Statement | None:
    """Item references still to resolve → a creation of this batch, or the statement is left out."""
    snaks = [st["mainsnak"], *(s for g in (st.get("qualifiers") or {}).values() for s in g),
             *(s for r in st.get("references", ()) for g in r.get("snaks", {}).values() for s in g)]
    for snak in snaks:
        dv = snak.get("datavalue")
        if dv is None or dv.get("type") != ITEM_REF_TYPE:
            continue
        text = str(dv["value"]["text"])
        key = names.get(_name_key(text))
        if key is None or key == ent.key:
            notes.append(_note("unresolved", rec, f"{snak['property']}: « {text} » non résolu / unresolved "
                                                  "(statement left out)", ent.target))
            return None
        existing = entities[key].target
        if existing is not None:  # a row of this batch whose item exists already
            snak["datavalue"] = {"value": {"entity-type": "item", "numeric-id": int(existing[1:]), "id": existing},
                                 "type": "wikibase-entityid"}
            continue
        ent.deps.add(key)
        snak["datavalue"] = {"type": "wikiclub-pending", "value": {"key": key, "label": text}}
    return st


def _bind(wanted: Wanted, edit_ids: Mapping[str, str], entities: Mapping[str, _Entity]) -> Wanted:
    """Pending references (entity keys) → batch items (edit ids) of creations already named.

    A statement pointing at a creation that has no edit (it was left out) is left out too.
    """
    class _Unnamed(Exception):
        pass

    def fix(obj: Any) -> Any:
        if isinstance(obj, dict):
            if obj.get("type") == "wikiclub-pending":
                key = obj["value"]["key"]
                if key not in edit_ids:
                    raise _Unnamed(key)
                return batch_item(edit_ids[key], obj["value"]["label"])
            return {k: fix(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [fix(v) for v in obj]
        return obj

    statements = []
    for st in wanted.statements:
        try:
            statements.append(fix(st))
        except _Unnamed:
            continue
    return Wanted(wanted.labels, wanted.descriptions, wanted.aliases, tuple(statements))


def _topological(entities: list[_Entity], notes: list[dict[str, Any]]) -> list[_Entity]:
    by_key = {e.key: e for e in entities}
    out: list[_Entity] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(e: _Entity) -> None:
        if state.get(e.key) == 2:
            return
        state[e.key] = 1
        for dep in sorted(e.deps, key=lambda k: entities.index(by_key[k])):
            if state.get(dep) == 1:  # a cycle: drop the pointer that closes it
                notes.append(_note("unresolved", e.records[0], "référence circulaire / circular reference "
                                                               "between new items (statement left out)"))
                _drop_pending(e, dep)
                continue
            visit(by_key[dep])
        state[e.key] = 2
        out.append(e)

    for e in entities:
        visit(e)
    return out


def _drop_pending(e: _Entity, key: str) -> None:
    def points(st: Statement) -> bool:
        return key in json.dumps(st) and "wikiclub-pending" in json.dumps(st)

    e.wanted = Wanted(e.wanted.labels, e.wanted.descriptions, e.wanted.aliases,
                      tuple(s for s in e.wanted.statements if not points(s)))
    e.deps.discard(key)


def _what(target: str | None, label: str, result: EntityDiff) -> str:
    props = list(dict.fromkeys(str((c.mainsnak or {}).get("property")) for c in result.changes if c.mainsnak))
    kinds = sorted({c.kind for c in result.changes if not c.mainsnak})
    parts = kinds + ["+" + p for p in props]
    head = f"create « {label} »" if target is None else f"« {label} »"
    return f"{head}: {' '.join(parts)}"


