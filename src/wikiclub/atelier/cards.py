"""The ONE place that turns a candidate, as stored in the review state (``reconcile/store.py`` JSON),
into what its card shows: label, id, link, score, description, classes, place (the P131 chain),
identifiers, the row's facts that agree or contradict with both values, the reasons in plain words,
and the evidence (features with their points).

Only the fields present are shown, under whichever name they come (the reconciliation grows richer
fields over time: map a new name here, in :data:`FIELDS`, and every card follows).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# card field → the names it may have in a candidate's JSON, first found wins
FIELDS: dict[str, tuple[str, ...]] = {
    "classes": ("classes", "types", "instance_of", "class"),
    "place": ("place", "places", "p131", "located_in"),
    "identifiers": ("identifiers", "ids", "external_ids"),
    "facts": ("facts", "checks"),
    "reasons": ("reasons", "reason", "why", "explanation"),
}


@dataclass(frozen=True)
class Fact:
    what: str  # the property, named
    verdict: str  # agree | contradict | unknown
    row_value: str
    item_value: str


@dataclass(frozen=True)
class Evidence:
    text: str
    points: float
    decisive: bool
    blocks: bool


@dataclass(frozen=True)
class Card:
    qid: str
    label: str
    url: str
    score: float | None
    description: str = ""
    classes: tuple[str, ...] = ()
    place: tuple[str, ...] = ()
    identifiers: tuple[tuple[str, str], ...] = ()
    facts: tuple[Fact, ...] = ()
    reasons: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    chosen: bool = False

    @property
    def blocked(self) -> bool:
        return any(e.blocks for e in self.evidence) or any(f.verdict == "contradict" for f in self.facts)


def _first(data: Mapping[str, Any], field: str) -> Any:
    for name in FIELDS[field]:
        if data.get(name) not in (None, "", [], {}):
            return data[name]
    return None


def _text(value: Any) -> str:
    """A name from a string, or from a dict/list that carries one (label, then id)."""
    if isinstance(value, Mapping):
        label, ident = value.get("label") or value.get("name") or "", value.get("id") or value.get("qid") or ""
        return f"{label} ({ident})" if label and ident else str(label or ident or value.get("value", ""))
    if isinstance(value, Sequence) and not isinstance(value, str):
        return " ".join(_text(v) for v in value)
    return "" if value is None else str(value)


def _texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | Mapping):
        value = [value]
    return tuple(t for t in (_text(v) for v in value) if t)


def _identifiers(value: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(value, Mapping):
        return tuple((str(k), _text(v)) for k, v in value.items())
    out = []
    for v in value or ():
        if isinstance(v, Mapping):
            out.append((str(v.get("property") or v.get("pid") or ""), _text(v.get("value", ""))))
        elif isinstance(v, Sequence) and not isinstance(v, str) and len(v) >= 2:
            out.append((str(v[0]), _text(v[1])))
    return tuple(out)


# verdict words of the reconciliation (reconcile/evidence.py: agrees / contradicts / unknown) → the card's
_VERDICTS = {"agrees": "agree", "contradicts": "contradict"}


def _facts(value: Any) -> tuple[Fact, ...]:
    out = []
    for v in value or ():
        if isinstance(v, Mapping):
            verdict = str(v.get("verdict") or v.get("state") or v.get("result") or "unknown")
            item = v.get("wiki") if "wiki" in v else v.get("item") if "item" in v else v.get("item_value", "")
            out.append(Fact(_text(v.get("label") or v.get("property_label") or v.get("what") or v.get("property", "")),
                            _VERDICTS.get(verdict, verdict),
                            _text(v.get("row") if "row" in v else v.get("row_value", "")), _text(item)))
    return tuple(out)


def _evidence(features: Any) -> tuple[Evidence, ...]:
    out = []
    for f in features or ():
        if isinstance(f, Sequence) and len(f) >= 3:  # [name, detail, points, decisive, blocks]
            out.append(Evidence(f"{f[0]} : {f[1]}", float(f[2]), bool(f[3]) if len(f) > 3 else False,
                                bool(f[4]) if len(f) > 4 else False))
        elif isinstance(f, Mapping):
            out.append(Evidence(f"{f.get('name', '')} : {f.get('detail', '')}", float(f.get("points", 0)),
                                bool(f.get("decisive")), bool(f.get("blocks"))))
    return tuple(out)


def candidate_card(data: Mapping[str, Any], link: Callable[[str], str], *, chosen_qid: str | None = None) -> Card:
    """A card for one candidate's JSON; ``link(qid)`` gives the item's page on the wiki."""
    qid = str(data.get("qid") or data.get("id") or "")
    score = data.get("score")
    # the reconciliation's ``evidence`` (description, classes, places, the row's facts checked) read as
    # if its fields were the candidate's own
    evidence = data.get("evidence")
    data = {**evidence, **{k: v for k, v in data.items() if v not in (None, "", [], {})}} \
        if isinstance(evidence, Mapping) else data
    return Card(qid, str(data.get("label") or ""), link(qid), float(score) if score is not None else None,
                str(data.get("description") or ""), _texts(_first(data, "classes")), _texts(_first(data, "place")),
                _identifiers(_first(data, "identifiers")), _facts(_first(data, "facts")),
                _texts(_first(data, "reasons")), _evidence(data.get("features")), chosen_qid == qid and bool(qid))


def match_cards(match: Mapping[str, Any], link: Callable[[str], str], limit: int = 5) -> list[Card]:
    """The cards of one match (the row's entity, or one linked cell), best first."""
    chosen = match.get("qid")
    return [candidate_card(c, link, chosen_qid=chosen) for c in list(match.get("candidates") or ())[:limit]]
