"""Value parsers: French-first inputs, exact Wikibase JSON, round trips, and garbage never crashes."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wikiclub.errors import ValueParseError
from wikiclub.model import (
    GREGORIAN,
    GlobeCoordinateValue,
    ItemRef,
    ItemValue,
    MonolingualTextValue,
    QuantityValue,
    StringValue,
    TimeValue,
    value_from_json,
)
from wikiclub.sheets.datatypes import (
    ParseOptions,
    format_coordinate,
    format_quantity,
    format_time,
    format_value,
    parse_coordinate,
    parse_email,
    parse_external_id,
    parse_item,
    parse_phone,
    parse_quantity,
    parse_time,
    parse_url,
    parse_value,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "wikibase-api"


@pytest.mark.parametrize("text,time,precision", [
    ("12 mars 2020", "+2020-03-12T00:00:00Z", 11),
    ("1er juin 1999", "+1999-06-01T00:00:00Z", 11),
    ("29 août 2024", "+2024-08-29T00:00:00Z", 11),
    ("mars 2020", "+2020-03-00T00:00:00Z", 10),
    ("février 2024", "+2024-02-00T00:00:00Z", 10),
    ("2020", "+2020-00-00T00:00:00Z", 9),
    ("2024-10-26", "+2024-10-26T00:00:00Z", 11),
    ("2024-10", "+2024-10-00T00:00:00Z", 10),
    ("29/08/2024", "+2024-08-29T00:00:00Z", 11),
    ("samedi 26 octobre 2024", "+2024-10-26T00:00:00Z", 11),
    ("March 12, 2020", "+2020-03-12T00:00:00Z", 11),
    ("45591", "+2024-10-26T00:00:00Z", 11),  # Excel serial date
])
def test_time(text: str, time: str, precision: int) -> None:
    v = parse_time(text).value
    assert v == TimeValue(time, precision)
    assert v.to_json()["value"]["calendarmodel"] == GREGORIAN == "http://www.wikidata.org/entity/Q1985727"


def test_day_first_by_default_ambiguity_reported_and_configurable() -> None:
    p = parse_time("03/04/2020")
    assert p.value.time == "+2020-04-03T00:00:00Z"
    assert [n.problem for n in p.notes] == ["ambiguous-date"]
    assert parse_time("03/04/2020", ParseOptions(date_order="mdy")).value.time == "+2020-03-04T00:00:00Z"
    assert parse_time("13/04/2020").notes == ()


@pytest.mark.parametrize("text,problem", [("31 février 2020", "impossible-date"), ("30/02/2021", "impossible-date"),
                                          ("13/13/2020", "impossible-date"), ("bientôt", "bad-date"),
                                          ("12 brumaire 2020", "bad-date")])
def test_bad_dates(text: str, problem: str) -> None:
    with pytest.raises(ValueParseError) as exc:
        parse_time(text)
    assert exc.value.problem == problem and exc.value.hint


def test_time_json_matches_recorded_wikibase_shape() -> None:
    req = json.loads((FIXTURES / "wbeditentity-new-item-full.json").read_text())["request"]["data"]["data"]
    claims = json.loads(req)["claims"]
    recorded = next(c for c in claims if c["mainsnak"]["datatype"] == "time")["mainsnak"]["datavalue"]
    assert parse_time("11 mars 1952").value.to_json() == recorded
    coord = next(c for c in claims if c["mainsnak"]["datatype"] == "globe-coordinate")["mainsnak"]["datavalue"]
    assert parse_coordinate("52.2000, 0.1167").value.to_json() == coord
    mono = next(c for c in claims if c["mainsnak"]["datatype"] == "monolingualtext")["mainsnak"]["datavalue"]
    assert parse_value("The Hitchhiker's Guide", "monolingualtext", ParseOptions(language="en")).value.to_json() == mono
    item = next(c for c in claims if c["mainsnak"]["datatype"] == "wikibase-item")["mainsnak"]["datavalue"]
    assert parse_item("Q1").value.to_json() == item
    for dv in (recorded, coord, mono, item):
        assert value_from_json(dv).to_json() == dv


@pytest.mark.parametrize("text,lat,lon", [
    ("48.2366, -79.0235", "48.2366", "-79.0235"),
    ("48,2366 ; -79,0235", "48.2366", "-79.0235"),
    ("48,2366, -79,0235", "48.2366", "-79.0235"),
    ("48.2366 -79.0235", "48.2366", "-79.0235"),
    ("48°14′12″N 79°1′24″O", "48.236667", "-79.023333"),
    ("48°14'12\"N, 79°1'24\"W", "48.236667", "-79.023333"),
])
def test_coordinates(text: str, lat: str, lon: str) -> None:
    v = parse_coordinate(text).value
    assert (v.latitude, v.longitude) == (Decimal(lat), Decimal(lon))


@pytest.mark.parametrize("text,problem", [("123, 45", "latitude-out-of-range"), ("45, 200", "longitude-out-of-range"),
                                          ("48.2", "bad-coordinate"), ("nord", "bad-coordinate")])
def test_bad_coordinates(text: str, problem: str) -> None:
    with pytest.raises(ValueParseError) as exc:
        parse_coordinate(text)
    assert exc.value.problem == problem


@pytest.mark.parametrize("text,amount", [("1 234,5", "1234.5"), ("1\u202f234,5", "1234.5"), ("1\u00a0234", "1234"),
                                         ("1,234.5", "1234.5"), ("1.234.567", "1234567"), ("-3,25", "-3.25"),
                                         ("42313", "42313"), ("1.234,56", "1234.56")])
def test_quantities(text: str, amount: str) -> None:
    v = parse_quantity(text).value
    assert isinstance(v.amount, Decimal) and v.amount == Decimal(amount)
    assert v.to_json() == {"value": {"amount": ("+" if not amount.startswith("-") else "") + amount, "unit": "1"},
                           "type": "quantity"}


def test_quantity_unit_and_words() -> None:
    opts = ParseOptions(unit="http://www.wikidata.org/entity/Q11573", unit_words=("m", "mètres"))
    assert parse_quantity("12,5 mètres", opts).value == QuantityValue(Decimal("12.5"),
                                                                      "http://www.wikidata.org/entity/Q11573")
    with pytest.raises(ValueParseError, match="Texte après"):
        parse_quantity("42 habitants")


@pytest.mark.parametrize("text,url", [("www.ccat.qc.ca", "https://www.ccat.qc.ca"),
                                      ("petittheatre.qc.ca/", "https://petittheatre.qc.ca/"),
                                      ("HTTP://WWW.MuseeMA.org/Fr/", "http://www.museema.org/Fr/"),
                                      ("https://fmeat.org", "https://fmeat.org")])
def test_urls(text: str, url: str) -> None:
    assert parse_url(text).value == StringValue(url)


@pytest.mark.parametrize("text", ["instagram: @fmeat", "foo", "http://", "mailto:a@b.ca", "javascript:alert(1)",
                                  "https://exa mple.org"])
def test_bad_urls(text: str) -> None:
    with pytest.raises(ValueParseError):
        parse_url(text)


def test_email_phone_external_ids() -> None:
    assert parse_email("info@CCAT.qc.ca").value == StringValue("mailto:info@ccat.qc.ca")
    assert parse_email("mailto:a.b@x.org").value == StringValue("mailto:a.b@x.org")
    for text in ("819 555-0101", "(819) 555-0101", "819.555.0101", "1-819-555-0101", "+1 819 555 0101",
                 "tél. 819-555-0101"):
        assert parse_phone(text).value == StringValue("+1-819-555-0101"), text
    assert parse_phone("+33 1 23 45 67 89").value == StringValue("+33-1-23-45-67-89")
    assert parse_phone("01 23 45 67 89", ParseOptions(phone_country="33")).value == StringValue("+33-1-23-45-67-89")
    with pytest.raises(ValueParseError) as exc:
        parse_phone("555-0101")
    assert exc.value.problem == "phone-no-area-code"
    isni = parse_external_id("0000000119874420", ParseOptions(property="P213"))
    assert isni.value == StringValue("0000 0001 1987 4420")
    assert parse_external_id("ISNI 0000-0001-2345-6789", ParseOptions(property="P213")).value.value == \
        "0000 0001 2345 6789"
    regex = "[A-Za-zÀ-ÿ0-9.\\-]+"
    assert parse_external_id("https://www.facebook.com/ccat.qc/", ParseOptions(format_regex=regex)).value == \
        StringValue("ccat.qc")
    with pytest.raises(ValueParseError) as exc:
        parse_external_id("ccat qc!", ParseOptions(format_regex=regex, property="P2013"))
    assert exc.value.problem == "bad-format" and regex in (exc.value.hint or "")


def test_items() -> None:
    assert parse_item("q42").value == ItemValue("Q42")
    assert parse_item("https://www.wikidata.org/wiki/Q42").value == ItemValue("Q42")
    assert parse_item("Musée", {"musee": "Q33506"}).value == ItemValue("Q33506")
    assert parse_item("Amos", refs=ItemRef("", ("Q515",), ("Q176",))).value == ItemRef("Amos", ("Q515",), ("Q176",))
    with pytest.raises(ValueParseError):
        parse_item("Amos")


def test_format_back_to_text() -> None:
    assert format_value(TimeValue("+1999-06-01T00:00:00Z", 11)) == "1er juin 1999"
    assert format_value(MonolingualTextValue("x", "fr")) == "x"
    assert format_quantity(QuantityValue(Decimal("-1234567.5"))) == "-1\u202f234\u202f567,5"
    assert format_coordinate(GlobeCoordinateValue(Decimal("48.2380"), Decimal("-79.0205"))) == "48.2380, -79.0205"


# --------------------------------------------------------------------------------------------- property tests

dates = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))


@given(dates, st.sampled_from([9, 10, 11]))
def test_time_round_trip(d: dt.date, precision: int) -> None:
    m = d.month if precision >= 10 else 0
    day = d.day if precision == 11 else 0
    value = TimeValue(f"+{d.year:04d}-{m:02d}-{day:02d}T00:00:00Z", precision)
    assert parse_time(format_time(value)).value == value
    assert value_from_json(value.to_json()) == value


def _decimal(places: int, bound: int) -> st.SearchStrategy[Decimal]:
    return st.integers(-bound * 10 ** places, bound * 10 ** places).map(lambda n: Decimal(n).scaleb(-places))


@given(st.integers(0, 6).flatmap(lambda p: st.tuples(_decimal(p, 90), _decimal(p, 180), st.just(p))))
def test_coordinate_round_trip(t: tuple[Decimal, Decimal, int]) -> None:
    lat, lon, places = t
    value = GlobeCoordinateValue(lat, lon, Decimal(1).scaleb(-places))
    assert parse_coordinate(format_coordinate(value)).value == value
    assert value_from_json(value.to_json()) == value


@given(st.integers(0, 4).flatmap(lambda p: _decimal(p, 10 ** 12)))
def test_quantity_round_trip(amount: Decimal) -> None:
    value = QuantityValue(amount)
    assert parse_quantity(format_quantity(value)).value == value
    assert value_from_json(value.to_json()) == value


label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
path = st.from_regex(r"(/[A-Za-z0-9._~%-]{0,8}){0,3}", fullmatch=True)


@given(st.sampled_from(["http", "https"]), st.lists(label, min_size=1, max_size=3),
       st.sampled_from(["ca", "org", "com", "quebec"]), path)
def test_url_round_trip(scheme: str, labels: list[str], tld: str, p: str) -> None:
    url = f"{scheme}://{'.'.join(labels)}.{tld}{p}"
    assert parse_url(url).value == StringValue(url)
    assert parse_url(url.replace(f"{scheme}://", "")).value.value == "https://" + url.split("://", 1)[1]


DATATYPES = ["time", "globe-coordinate", "quantity", "url", "external-id", "string", "monolingualtext",
             "wikibase-item"]


@settings(max_examples=300)
@given(st.text(max_size=40), st.sampled_from(DATATYPES), st.sampled_from([None, "email", "phone"]))
def test_garbage_only_raises_value_parse_error(text: str, datatype: str, kind: str | None) -> None:
    try:
        parse_value(text, datatype, ParseOptions(property="P213" if datatype == "external-id" else None), kind)
    except ValueParseError as exc:
        assert exc.problem and exc.message


@settings(max_examples=300)
@given(st.text(alphabet="0123456789 ,.;-+°′″'\"NSEOW/:aéè\u00a0\u202f", max_size=30),
       st.sampled_from(["time", "globe-coordinate", "quantity", "url"]))
def test_near_miss_garbage_only_raises_value_parse_error(text: str, datatype: str) -> None:
    try:
        parsed = parse_value(text, datatype)
    except ValueParseError as exc:
        assert exc.problem
    else:
        assert parsed.value.to_json()["type"]
