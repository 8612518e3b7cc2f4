"""Data extension of the reconciliation service: property values of items, as OpenRefine reads them.

Values come from the items' JSON (``wbgetentities`` through the API, best rank only, deprecated never);
with the local index, which keeps only what matching reads, from its facts: classes (P31, P279),
official website (P856), coordinates (P625), identifiers and years (P571, P580, P569). Items as
``{"id", "name"}``, texts as ``{"str"}``, dates as ``{"date"}`` (ISO, at the precision's first day),
quantities as ``{"float"}``/``{"int"}``, coordinates as ``{"str": "lat,lon"}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from ..facts import Facts
from ..model import is_item_id, is_property_id
from ..wbjson import DataValue, Entity, Statement
from .serve_query import RequestError

FactsOf = Callable[[Iterable[str]], Mapping[str, Facts]]


class EntityReads(Protocol):
    """What the service reads from the wiki beyond candidates: entity JSON (data extension)."""

    def get_entities(self, ids: Iterable[str], *, props: Sequence[str] | None = None,
                     languages: Sequence[str] | None = None) -> Mapping[str, Entity]: ...


def _query(raw: Any, max_ids: int) -> tuple[list[str], list[tuple[str, int]]]:
    """(ids, [(property, values limit)]) of an extension query, checked."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("ids"), list) \
            or not isinstance(raw.get("properties"), list):
        raise RequestError("extend : {\"ids\": [...], \"properties\": [{\"id\": ...}]} attendu / expected.")
    ids = [str(i).strip().upper() for i in raw["ids"]]
    if len(ids) > max_ids or len(raw["properties"]) > 50:
        raise RequestError(f"extend : au plus {max_ids} ids et 50 propriétés / at most {max_ids} ids and 50 "
                           "properties.", status=413)
    props: list[tuple[str, int]] = []
    for p in raw["properties"]:
        pid = str(p.get("id", "") if isinstance(p, Mapping) else "").strip().upper()
        if not is_property_id(pid):
            raise RequestError(f"extend : « {pid[:40]} » n'est pas une propriété / is not a property id.")
        settings = p.get("settings") or {}
        try:
            limit = max(0, int(settings.get("limit", 0) or 0)) if isinstance(settings, Mapping) else 0
        except (TypeError, ValueError):
            raise RequestError(f"extend : {pid} limit doit être un nombre / must be a number.") from None
        props.append((pid, limit))
    return ids, props


def _iso_date(time: str) -> str | None:
    """Wikibase "+2003-00-00T00:00:00Z" → "2003-01-01T00:00:00Z" (the spec's pattern wants a real day)."""
    body = time.lstrip("+")
    sign = "-" if body.startswith("-") else ""
    try:
        year, month, rest = body.lstrip("-").split("-", 2)
        day = rest[:2]
    except ValueError:
        return None
    if not (year.isdigit() and month.isdigit() and day.isdigit()):
        return None
    return f"{sign}{int(year):04d}-{max(1, int(month)):02d}-{max(1, int(day)):02d}T00:00:00Z"


def _quantity(amount: str) -> dict[str, Any] | None:
    try:
        d = Decimal(amount)
    except (InvalidOperation, TypeError):
        return None
    return {"int": int(d)} if d == d.to_integral_value() and abs(d) < 2**31 else {"float": float(d)}


def cell(datavalue: Mapping[str, Any]) -> dict[str, Any] | None:
    """One datavalue as a cell of the extension response (None: a kind OpenRefine has no cell for)."""
    kind, value = datavalue.get("type"), datavalue.get("value")
    if kind == "wikibase-entityid" and isinstance(value, Mapping):
        return {"id": str(value.get("id", "")), "name": str(value.get("id", ""))}
    if kind == "string" and isinstance(value, str):
        return {"str": value}
    if kind == "monolingualtext" and isinstance(value, Mapping):
        return {"str": str(value.get("text", ""))}
    if kind == "time" and isinstance(value, Mapping):
        iso = _iso_date(str(value.get("time", "")))
        return {"date": iso} if iso else None
    if kind == "quantity" and isinstance(value, Mapping):
        return _quantity(str(value.get("amount", "")))
    if kind == "globecoordinate" and isinstance(value, Mapping):
        return {"str": f"{value.get('latitude')},{value.get('longitude')}"}
    return None


def best_values(claims: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Datavalues of the best rank: preferred statements if any, else normal ones; never deprecated."""
    ranked = [c for c in claims if c.get("rank", "normal") != "deprecated"]
    preferred = [c for c in ranked if c.get("rank") == "preferred"]
    out = []
    for c in preferred or ranked:
        snak = c.get("mainsnak") or {}
        if snak.get("snaktype", "value") == "value" and isinstance(snak.get("datavalue"), Mapping):
            out.append(snak["datavalue"])
    return out


def _item(qid: str) -> DataValue:
    return {"type": "wikibase-entityid", "value": {"id": qid}}


def claims_from_facts(f: Facts) -> dict[str, list[Statement]]:
    """The statements the local index keeps, in the JSON form of ``wbgetentities``."""
    claims: dict[str, list[Statement]] = {}

    def add(pid: str, datavalue: DataValue) -> None:
        claims.setdefault(pid, []).append({"mainsnak": {"snaktype": "value", "property": pid, "datavalue": datavalue},
                                           "rank": "normal"})

    for qid in f.instance_of:
        add("P31", _item(qid))
    for qid in f.subclass_of:
        add("P279", _item(qid))
    for url in f.websites:
        add("P856", {"type": "string", "value": url})
    if f.coordinates:
        add("P625", {"type": "globecoordinate", "value": {"latitude": f.coordinates[0],
                                                         "longitude": f.coordinates[1]}})
    for pid, value in f.identifiers:
        add(pid, {"type": "string", "value": value})
    for pid, year in f.years:
        add(pid, {"type": "time", "value": {"time": f"{'+' if year >= 0 else '-'}{abs(year):04d}-00-00T00:00:00Z"}})
    return claims


def claims_of(ids: Sequence[str], entities: EntityReads | None, facts: FactsOf) -> dict[str, dict[str, list[Statement]]]:
    """Statements of the items: their JSON from the wiki, else what the local index keeps."""
    wanted = [i for i in ids if is_item_id(i)]
    if entities is not None and wanted:
        got = entities.get_entities(wanted, props=("claims",))
        return {i: (e.get("claims") or {}) for i, e in got.items() if isinstance(e, Mapping) and "missing" not in e}
    return {i: claims_from_facts(f) for i, f in facts(wanted).items()}


def extension(raw: Any, *, entities: EntityReads | None, facts: FactsOf, property_label: Callable[[str], str],
              languages: Sequence[str], max_ids: int) -> dict[str, Any]:
    """The ``extend`` answer: ``meta`` (one column per property) and ``rows`` (id → property → cells)."""
    ids, props = _query(raw, max_ids)
    claims = claims_of(ids, entities, facts)
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for qid in ids:
        row = rows[qid] = {}
        for pid, limit in props:
            cells = [c for v in best_values(claims.get(qid, {}).get(pid, ())) if (c := cell(v)) is not None]
            row[pid] = cells[:limit] if limit else cells
    named = facts(c["id"] for row in rows.values() for cells in row.values() for c in cells if "id" in c)
    for row in rows.values():
        for cells in row.values():
            for c in cells:
                if "id" in c and c["id"] in named:
                    c["name"] = named[c["id"]].label(tuple(languages))
    meta = [{"id": pid, "name": property_label(pid)} for pid, _ in props]
    return {"meta": meta, "rows": rows}
