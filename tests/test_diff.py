"""The pure entity diff: Wikibase equality, terms never overwritten, references/qualifiers added to the
existing statement, single-value conflicts, idempotence (diff after applying the diff is empty)."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from wikiclub.batch.diff import (
    Wanted,
    batch_item,
    batch_item_ids,
    diff_entity,
    normalise_url,
    reference_covered,
    resolve_batch_items,
    same_datavalue,
)
from wikiclub.model import (
    GlobeCoordinateValue,
    ItemValue,
    MonolingualTextValue,
    QuantityValue,
    Reference,
    Snak,
    StatementDraft,
    StringValue,
    TimeValue,
)


def statement(pid: str, datatype: str, value: Any, *refs: Reference, quals: tuple[Snak, ...] = ()) -> dict[str, Any]:
    js = StatementDraft(Snak(pid, datatype, value), quals, refs).to_json()
    return js


def url_ref(url: str, day: str = "+2024-05-01T00:00:00Z") -> Reference:
    return Reference((Snak("P854", "url", StringValue(url)), Snak("P813", "time", TimeValue(day, 11))))


def item(qid: str = "Q1", **claims: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": qid, "type": "item", "lastrevid": 7, "labels": {}, "descriptions": {},
                           "aliases": {}, "claims": {}}
    for pid, group in claims.items():
        out["claims"][pid] = []
        for n, st in enumerate(group):
            st = copy.deepcopy(st)
            st["id"] = f"{qid}${pid}-{n}"
            out["claims"][pid].append(st)
    return out


def apply(entity: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """What wbeditentity does with our payloads (enough of it to check idempotence)."""
    e = copy.deepcopy(entity)
    for kind in ("labels", "descriptions"):
        e.setdefault(kind, {}).update(data.get(kind, {}))
    for lang, group in data.get("aliases", {}).items():
        e.setdefault("aliases", {}).setdefault(lang, []).extend({"language": lang, "value": a["value"]} for a in group)
    for st in data.get("claims", []):
        group = e.setdefault("claims", {}).setdefault(st["mainsnak"]["property"], [])
        if "id" in st:
            group[[s["id"] for s in group].index(st["id"])] = st
        else:
            group.append({**st, "id": f"new{len(group)}"})
    return e


# ---------------------------------------------------------------------------------------- equality


@pytest.mark.parametrize(("a", "b", "equal"), [
    ("https://www.example.org/", "http://example.org", True),
    ("example.org/a/", "https://EXAMPLE.org/a", True),
    ("https://example.org/A", "https://example.org/a", False),
    ("https://example.org/?q=1", "https://example.org/?q=2", False),
    ("https://example.org:443/", "https://example.org", True),
])
def test_url_normalisation(a: str, b: str, equal: bool) -> None:
    assert (normalise_url(a) == normalise_url(b)) is equal


@pytest.mark.parametrize(("a", "b", "equal"), [
    (TimeValue("+2020-03-12T00:00:00Z", 11), TimeValue("+2020-03-12T00:00:00Z", 11), True),
    (TimeValue("+2020-03-00T00:00:00Z", 10), TimeValue("+2020-03-01T00:00:00Z", 10), True),  # month precision
    (TimeValue("+2020-00-00T00:00:00Z", 9), TimeValue("+2020-06-01T00:00:00Z", 9), True),
    (TimeValue("+2020-00-00T00:00:00Z", 9), TimeValue("+2020-00-00T00:00:00Z", 11), False),  # other precision
    (TimeValue("+2020-03-12T00:00:00Z", 11), TimeValue("+2020-03-13T00:00:00Z", 11), False),
    (TimeValue("+1985-00-00T00:00:00Z", 8), TimeValue("+1981-00-00T00:00:00Z", 8), True),  # same decade
    (TimeValue("+2020-00-00T00:00:00Z", 9), TimeValue("+2020-00-00T00:00:00Z", 9,
                                                      "http://www.wikidata.org/entity/Q1985786"), False),
    (GlobeCoordinateValue(Decimal("48.2380"), Decimal("-79.0200"), Decimal("0.0001")),
     GlobeCoordinateValue(Decimal("48.23805"), Decimal("-79.02003"), Decimal("0.0001")), True),
    (GlobeCoordinateValue(Decimal("48.2380"), Decimal("-79.0200"), Decimal("0.0001")),
     GlobeCoordinateValue(Decimal("48.2390"), Decimal("-79.0200"), Decimal("0.0001")), False),
    (QuantityValue(Decimal("0.1") + Decimal("0.2")), QuantityValue(Decimal("0.30")), True),
    (QuantityValue(Decimal("1234"), "http://www.wikidata.org/entity/Q11573"), QuantityValue(Decimal("1234")), False),
    (MonolingualTextValue("Le Rift", "fr"), MonolingualTextValue("Le Rift", "en"), False),
    (ItemValue("Q5"), ItemValue("Q5"), True),
    (ItemValue("Q5"), ItemValue("Q6"), False),
    (StringValue("abc"), StringValue("ABC"), False),
])
def test_wikibase_equality(a: Any, b: Any, equal: bool) -> None:
    assert same_datavalue(a.to_json(), b.to_json()) is equal


def test_quantity_json_is_exact() -> None:
    assert QuantityValue(Decimal("0.1") + Decimal("0.2")).to_json()["value"]["amount"] == "+0.3"


def test_reference_covered_ignores_retrieved_date() -> None:
    have = [url_ref("https://a.example/").to_json()]
    assert reference_covered(url_ref("https://a.example", "+2031-01-01T00:00:00Z").to_json(), have)
    assert not reference_covered(url_ref("https://b.example/").to_json(), have)


# ---------------------------------------------------------------------------------------- terms


def test_terms_only_where_missing_unless_overwrite() -> None:
    current = item()
    current["labels"] = {"fr": {"language": "fr", "value": "Ancien"}}
    current["aliases"] = {"fr": [{"language": "fr", "value": "A"}]}
    wanted = Wanted((("fr", "Nouveau"), ("en", "New")), (("fr", "une  description "),),
                    (("fr", "A"), ("fr", "B"), ("fr", "Ancien")))
    d = diff_entity(wanted, current)
    assert d.data["labels"] == {"en": {"language": "en", "value": "New"}}
    assert d.data["descriptions"] == {"fr": {"language": "fr", "value": "une description"}}
    assert d.data["aliases"] == {"fr": [{"language": "fr", "value": "B", "add": ""}]}  # added, never replacing
    forced = diff_entity(wanted, current, overwrite={"labels"})
    assert forced.data["labels"]["fr"]["value"] == "Nouveau"
    assert "« Ancien » → « Nouveau »" in forced.changes[0].text
    with pytest.raises(ValueError):
        diff_entity(wanted, current, overwrite={"claims"})


def test_creation_aliases_have_no_add_flag() -> None:
    d = diff_entity(Wanted((("fr", "X"),), (), (("fr", "Y"),)), None)
    assert d.data["aliases"] == {"fr": [{"language": "fr", "value": "Y"}]}


# ---------------------------------------------------------------------------------------- statements


def test_existing_value_gets_missing_reference_and_qualifier_on_the_same_statement() -> None:
    existing = statement("P571", "time", TimeValue("+1982-00-00T00:00:00Z", 9), url_ref("https://a.example/"))
    current = item(P571=[existing])
    wanted = Wanted(statements=(statement(
        "P571", "time", TimeValue("+1982-00-00T00:00:00Z", 9), url_ref("https://a.example/", "+2030-01-01T00:00:00Z"),
        url_ref("https://b.example/"), quals=(Snak("P580", "time", TimeValue("+1982-00-00T00:00:00Z", 9)),)),))
    d = diff_entity(wanted, current)
    [sent] = d.data["claims"]
    assert sent["id"] == "Q1$P571-0"  # the existing statement, sent whole
    assert [r["snaks"]["P854"][0]["datavalue"]["value"] for r in sent["references"]] == [
        "https://a.example/", "https://b.example/"]
    assert list(sent["qualifiers"]) == ["P580"] and sent["qualifiers-order"] == ["P580"]
    assert [c.kind for c in d.changes] == ["qualifiers", "references"]
    assert diff_entity(wanted, apply(current, d.data)).empty  # idempotent


def test_equal_value_is_not_added_twice_even_within_one_row() -> None:
    url = statement("P856", "url", StringValue("https://www.example.org/"))
    current = item(P856=[url])
    wanted = Wanted(statements=(statement("P856", "url", StringValue("http://example.org")),
                                statement("P1329", "string", StringValue("+1-819-555-0101")),
                                statement("P1329", "string", StringValue("+1-819-555-0101"), url_ref("https://s/"))))
    d = diff_entity(wanted, current)
    assert len(d.data["claims"]) == 1
    assert d.data["claims"][0]["references"][0]["snaks"]["P854"][0]["datavalue"]["value"] == "https://s/"
    assert diff_entity(wanted, apply(current, d.data)).empty


def test_single_value_property_with_another_value_is_a_conflict() -> None:
    current = item(P571=[statement("P571", "time", TimeValue("+1982-00-00T00:00:00Z", 9))])
    wanted = Wanted(statements=(statement("P571", "time", TimeValue("+1983-00-00T00:00:00Z", 9)),))
    d = diff_entity(wanted, current, single_value={"P571"})
    assert d.empty and d.conflicts[0].property == "P571"
    assert d.conflicts[0].existing == ("1982",) and d.conflicts[0].wanted == "1983"
    # without the constraint, a second value is simply added
    assert not diff_entity(wanted, current).empty
    # a deprecated value does not block
    deprecated = item(P571=[{**statement("P571", "time", TimeValue("+1982-00-00T00:00:00Z", 9)), "rank": "deprecated"}])
    assert not diff_entity(wanted, deprecated, single_value={"P571"}).empty


def test_batch_items_resolve_to_created_qids() -> None:
    st = {"mainsnak": {"snaktype": "value", "property": "P276", "datatype": "wikibase-item",
                       "datavalue": batch_item("abc", "Salle")}, "type": "statement", "rank": "normal"}
    assert batch_item_ids({"claims": [st]}) == {"abc"}
    resolved = resolve_batch_items([st], {"abc": "Q42"})
    assert resolved[0]["mainsnak"]["datavalue"]["value"]["id"] == "Q42"
    with pytest.raises(KeyError):
        resolve_batch_items([st], {})


texts = hs.text(alphabet="abcdéf -", min_size=1, max_size=8)


@given(labels=hs.lists(hs.tuples(hs.sampled_from(["fr", "en"]), texts), max_size=3),
       aliases=hs.lists(hs.tuples(hs.sampled_from(["fr", "en"]), texts), max_size=4),
       phones=hs.lists(hs.sampled_from(["1", "2", "3"]), max_size=5),
       existing=hs.lists(hs.sampled_from(["1", "2", "3"]), max_size=3))
def test_diff_is_idempotent(labels: list[tuple[str, str]], aliases: list[tuple[str, str]], phones: list[str],
                            existing: list[str]) -> None:
    current = item(P1329=[statement("P1329", "string", StringValue(p)) for p in existing])
    wanted = Wanted(tuple(labels), (), tuple(aliases),
                    tuple(statement("P1329", "string", StringValue(p), url_ref(f"https://{p}/")) for p in phones))
    first = diff_entity(wanted, current)
    after = apply(current, first.data)
    assert diff_entity(wanted, after).empty
    values = [s["mainsnak"]["datavalue"]["value"] for s in after["claims"]["P1329"]]
    assert len(values) == len(existing) + len(set(phones) - set(existing))  # nothing added twice


# ---------------------------------------------------------------------------------------- time precision

GREGORIAN = "http://www.wikidata.org/entity/Q1985727"
JULIAN = "http://www.wikidata.org/entity/Q1985786"
DAY = TimeValue("+1978-07-24T00:00:00Z", 11)
YEAR = TimeValue("+1978-00-00T00:00:00Z", 9)


@pytest.mark.parametrize(("coarse", "fine", "within"), [
    (YEAR, DAY, True),
    (TimeValue("+1978-01-01T00:00:00Z", 9), DAY, True),  # year precision written with 01-01 (T310981)
    (TimeValue("+1978-07-00T00:00:00Z", 10), DAY, True),
    (TimeValue("+1978-08-00T00:00:00Z", 10), DAY, False),
    (TimeValue("+1970-00-00T00:00:00Z", 8), DAY, True),  # the 1970s
    (TimeValue("+1979-00-00T00:00:00Z", 9), DAY, False),
    (DAY, YEAR, False),  # the other way round
    (YEAR, YEAR, False),  # equal, not strictly finer: same_datavalue's business
    (YEAR, TimeValue("+1978-07-24T00:00:00Z", 11, JULIAN), False),  # another calendar
    (TimeValue("+1900-00-00T00:00:00Z", 7), DAY, False),  # centuries: stored two ways on Wikidata
    (TimeValue("-0044-00-00T00:00:00Z", 9), TimeValue("-0044-03-15T00:00:00Z", 11), True),
])
def test_time_within(coarse: TimeValue, fine: TimeValue, within: bool) -> None:
    from wikiclub.batch.diff import time_within

    assert time_within(coarse.to_json()["value"], fine.to_json()["value"]) is within


def test_coarser_sheet_date_is_already_there_not_a_conflict() -> None:
    current = item(P571=[statement("P571", "time", DAY)])
    wanted = Wanted(statements=(statement("P571", "time", YEAR, url_ref("https://s.example/")),))
    for single in ({"P571"}, set()):  # single-value or not: nothing to add, nothing to settle
        d = diff_entity(wanted, current, single_value=single)
        assert d.empty and not d.conflicts and not d.changes
        [note] = d.notes
        assert (note.kind, note.property, note.wanted, note.existing) == ("less-precise", "P571", "1978",
                                                                          ("1978-07-24",))
        assert note.to_json()["mainsnak"]["datavalue"]["value"]["precision"] == 9
    # a month the day falls within is implied too; a month it does not fall within is not
    month = Wanted(statements=(statement("P571", "time", TimeValue("+1978-07-00T00:00:00Z", 10)),))
    assert diff_entity(month, current, single_value={"P571"}).empty
    other = Wanted(statements=(statement("P571", "time", TimeValue("+1978-06-00T00:00:00Z", 10)),))
    assert diff_entity(other, current, single_value={"P571"}).conflicts
    # a deprecated precise value implies nothing
    deprecated = item(P571=[{**statement("P571", "time", DAY), "rank": "deprecated"}])
    assert not diff_entity(wanted, deprecated).empty


def test_more_precise_sheet_date_is_a_conflict_on_a_single_value_property() -> None:
    current = item(P571=[statement("P571", "time", YEAR)])
    wanted = Wanted(statements=(statement("P571", "time", DAY),))
    d = diff_entity(wanted, current, single_value={"P571"})
    assert d.empty and not d.notes
    [c] = d.conflicts
    assert (c.wanted, c.existing) == ("1978-07-24", ("1978",))
    assert c.mainsnak is not None and c.existing_snaks[0]["datavalue"]["value"]["precision"] == 9
    # elsewhere (no single-value constraint) it is added next to the coarse value, which stays, with a note
    d = diff_entity(wanted, current)
    assert [s["mainsnak"]["datavalue"]["value"]["precision"] for s in d.data["claims"]] == [11]
    assert [n.kind for n in d.notes] == ["more-precise"]
    after = apply(current, d.data)
    again = diff_entity(wanted, after)
    assert again.empty and not again.notes  # idempotent
    assert diff_entity(Wanted(statements=(statement("P571", "time", YEAR),)), after).empty


def test_coarser_qualifier_and_reference_dates_are_covered() -> None:
    precise = Snak("P580", "time", DAY)
    existing = statement("P463", "wikibase-item", ItemValue("Q5"),
                         Reference((Snak("P854", "url", StringValue("https://a/")),
                                    Snak("P577", "time", DAY))), quals=(precise,))
    current = item(P463=[existing])
    wanted = Wanted(statements=(statement(
        "P463", "wikibase-item", ItemValue("Q5"),
        Reference((Snak("P854", "url", StringValue("https://a/")), Snak("P577", "time", YEAR))),
        quals=(Snak("P580", "time", YEAR),)),))
    assert diff_entity(wanted, current).empty


def test_coordinates_compare_within_the_coarser_precision_both_ways() -> None:
    fine = GlobeCoordinateValue(Decimal("48.2391"), Decimal("-79.0123"), Decimal("0.0001"))
    coarse = GlobeCoordinateValue(Decimal("48.24"), Decimal("-79.01"), Decimal("0.01"))
    far = GlobeCoordinateValue(Decimal("48.30"), Decimal("-79.01"), Decimal("0.01"))
    for have, want in ((fine, coarse), (coarse, fine)):
        d = diff_entity(Wanted(statements=(statement("P625", "globe-coordinate", want),)),
                        item(P625=[statement("P625", "globe-coordinate", have)]), single_value={"P625"})
        assert d.empty and not d.conflicts
    d = diff_entity(Wanted(statements=(statement("P625", "globe-coordinate", far),)),
                    item(P625=[statement("P625", "globe-coordinate", fine)]), single_value={"P625"})
    assert d.conflicts
