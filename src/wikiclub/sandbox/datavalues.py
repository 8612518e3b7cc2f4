"""Wikibase data values: datatypes, validation and normalisation of values, and Wikibase's own hashes.

Values arrive in two ways, and Wikibase reports problems differently for each (see the fixtures):

* with their type (``{"value": …, "type": "time"}``, wbeditentity, wbsetclaim, wbsetreference):
  a value that cannot be read as its declared type is a *deserialisation* error (``invalid-claim``);
  a readable value of the wrong type for the property is a *validation* error
  (``modification-failed`` / ``wikibase-validator-bad-value-type``);
* without a type (``value=`` of wbcreateclaim, wbsetclaimvalue, wbsetqualifier): the property's value
  type is assumed, and anything unreadable is ``invalid-snak``.

Hashes reproduce Wikibase byte for byte: a snak's hash is the SHA-1 of the pre-PHP-7.4
``Serializable`` form ``C:<len>:"<class>":<len>:{<data>}`` (``SnakObject::getSerializationForHash``),
a reference's hash the SHA-1 of its snak hashes, sorted and joined by ``|``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import re
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from typing import Any

from .languages import is_known_language

# datatype → value type (Wikibase REL1_39 built-ins, plus the ones Wikidata adds that we can check).
VALUE_TYPES: dict[str, str] = {
    "wikibase-item": "wikibase-entityid",
    "wikibase-property": "wikibase-entityid",
    "string": "string",
    "external-id": "string",
    "url": "string",
    "commonsMedia": "string",
    "geo-shape": "string",
    "tabular-data": "string",
    "math": "string",
    "musical-notation": "string",
    "time": "time",
    "globe-coordinate": "globecoordinate",
    "monolingualtext": "monolingualtext",
    "quantity": "quantity",
}
# Maximum lengths Wikibase REL1_39 enforces (wikibase-validator-too-long).
MAX_LENGTH = {"string": 400, "external-id": 400, "url": 500, "commonsMedia": 240,
              "monolingualtext": 400, "geo-shape": 240, "tabular-data": 240}
GREGORIAN = "http://www.wikidata.org/entity/Q1985727"
JULIAN = "http://www.wikidata.org/entity/Q1985786"
EARTH = "http://www.wikidata.org/entity/Q2"
URL_SCHEMES = ("http", "https", "ftp", "ftps", "sftp", "irc", "ircs", "mailto", "news", "nntp",
               "git", "svn", "ssh", "telnet", "worldwind", "gopher", "mms", "redis", "sip", "sips",
               "tel", "urn", "xmpp", "geo", "magnet")
_TIME_RE = re.compile(r"^([-+])(\d{1,16})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z$")
_DECIMAL_RE = re.compile(r"^[-+]?\d+(\.\d+)?$")
ENTITY_ID_RE = re.compile(r"^[QP][1-9]\d*$")


@dataclass(frozen=True)
class ValueProblem(Exception):
    """A value Wikibase would refuse. ``kind`` is ``deserialize`` (unreadable) or ``validate``."""

    kind: str
    message_key: str
    params: tuple[Any, ...]
    text: str


def _bad(text: str) -> ValueProblem:
    return ValueProblem("deserialize", "", (), text)


def _invalid(key: str, params: tuple[Any, ...], text: str) -> ValueProblem:
    return ValueProblem("validate", key, params, text)


# ---- reading values -----------------------------------------------------------------------------

def read_value(value: Any, value_type: str) -> dict[str, Any] | str:
    """Read and normalise one value of ``value_type`` as Wikibase's deserialisers do.

    Raises ValueProblem(kind="deserialize") when the value cannot be read as that type.
    """
    if value_type == "string":
        if not isinstance(value, str):
            raise _bad("string value expected")
        return value
    if value_type == "wikibase-entityid":
        return _read_entity_id(value)
    if value_type == "time":
        return _read_time(value)
    if value_type == "quantity":
        return _read_quantity(value)
    if value_type == "globecoordinate":
        return _read_globe(value)
    if value_type == "monolingualtext":
        if not isinstance(value, dict) or not isinstance(value.get("text"), str) \
                or not isinstance(value.get("language"), str):
            raise _bad("monolingualtext needs text and language")
        return {"text": value["text"], "language": value["language"]}
    raise _bad(f"unknown value type {value_type}")


def _read_entity_id(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad("entity id value must be an object")
    etype = value.get("entity-type")
    ident = value.get("id")
    num = value.get("numeric-id")
    if ident is None and etype in ("item", "property") and isinstance(num, int) and num > 0:
        ident = ("Q" if etype == "item" else "P") + str(num)
    if not isinstance(ident, str) or not ENTITY_ID_RE.match(ident):
        raise _bad("malformed entity id")
    etype = "item" if ident[0] == "Q" else "property"
    return {"entity-type": etype, "numeric-id": int(ident[1:]), "id": ident}


def _read_time(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("time"), str):
        raise _bad("time value needs a time string")
    m = _TIME_RE.match(value["time"])
    if not m:
        raise _bad(f"malformed time {value['time']!r}")
    sign, year, month, day, hh, mi, ss = m.groups()
    year = year.lstrip("0").rjust(4, "0")  # Wikibase stores at least 4 year digits, no padding
    precision = value.get("precision", 11)
    if not isinstance(precision, int) or isinstance(precision, bool) or not 0 <= precision <= 14:
        raise _bad("time precision must be an integer 0..14")
    out: dict[str, Any] = {"time": f"{sign}{year}-{month}-{day}T{hh}:{mi}:{ss}Z"}
    for key in ("timezone", "before", "after"):
        v = value.get(key, 0)
        if not isinstance(v, int) or isinstance(v, bool):
            raise _bad(f"time {key} must be an integer")
        out[key] = v
    out["precision"] = precision
    cal = value.get("calendarmodel", GREGORIAN)
    if not isinstance(cal, str) or not cal:
        raise _bad("calendarmodel must be a URI")
    out["calendarmodel"] = cal
    return out


def normalise_decimal(amount: Any) -> str:
    """DecimalValue: a string with an explicit sign and no leading zeros (``42`` → ``+42``)."""
    if isinstance(amount, bool) or not isinstance(amount, (str, int, float)):
        raise _bad("decimal expected")
    text = amount if isinstance(amount, str) else repr(amount)
    text = text.strip()
    if not _DECIMAL_RE.match(text):
        raise _bad(f"malformed decimal {text!r}")
    sign = "-" if text.startswith("-") else "+"
    digits = text.lstrip("+-")
    intpart, _, frac = digits.partition(".")
    intpart = intpart.lstrip("0") or "0"
    result = intpart + ("." + frac if frac else "")
    if set(result) <= {"0", "."}:
        sign = "+"
    return sign + result


def _read_quantity(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or "amount" not in value:
        raise _bad("quantity needs an amount")
    out: dict[str, Any] = {"amount": normalise_decimal(value["amount"])}
    unit = value.get("unit", "1")
    if not isinstance(unit, str) or not unit:
        raise _bad("quantity unit must be a string")
    out["unit"] = unit
    upper, lower = value.get("upperBound"), value.get("lowerBound")
    if upper is not None and lower is not None:
        out["upperBound"] = normalise_decimal(upper)
        out["lowerBound"] = normalise_decimal(lower)
        if not (float(out["lowerBound"]) <= float(out["amount"]) <= float(out["upperBound"])):
            raise _bad("amount must lie between lowerBound and upperBound")
    elif upper is not None or lower is not None:
        raise _bad("give both bounds or neither")
    return out


def _number(v: Any, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _bad(f"{what} must be a number")
    return float(v)


def _read_globe(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad("globecoordinate value must be an object")
    lat = _number(value.get("latitude"), "latitude")
    lon = _number(value.get("longitude"), "longitude")
    if not -90 <= lat <= 90 or not -360 <= lon <= 360:
        raise _bad("latitude/longitude out of range")
    precision = value.get("precision")
    if precision is not None:
        precision = _number(precision, "precision")
    globe = value.get("globe") or EARTH
    if not isinstance(globe, str):
        raise _bad("globe must be a URI")
    return {"latitude": _keep_number(value["latitude"]), "longitude": _keep_number(value["longitude"]),
            "altitude": None, "precision": _keep_number(value.get("precision")), "globe": globe}


def _keep_number(v: Any) -> Any:
    return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


# ---- validation against the property's datatype -------------------------------------------------

def validate_value(datatype: str, value_type: str, value: Any, *,
                   entity_exists: Any) -> None:
    """Wikibase's validators for a value of a property of ``datatype`` (raises ValueProblem)."""
    expected = VALUE_TYPES.get(datatype)
    if expected is not None and value_type != expected:
        raise _invalid("wikibase-validator-bad-value-type", (value_type, expected),
                       f"Bad value type {value_type}, expected {expected}")
    limit = MAX_LENGTH.get(datatype)
    if datatype == "monolingualtext":
        text, lang = value["text"], value["language"]
        if not is_known_language(lang):
            raise _invalid("wikibase-validator-not-a-language", (lang,),
                           f'"{lang}" is not a known language code.')
        _check_string(text, limit or 400)
    elif isinstance(value, str):
        _check_string(value, limit or 400)
        if datatype == "url":
            _check_url(value)
        elif datatype == "commonsMedia" and ("/" in value or not re.search(r"\.\w+$", value)):
            raise _invalid("wikibase-validator-illegal-file-chars", (value,),
                               f"File name \"{value}\" contains illegal characters or has no extension.")
    elif datatype in ("wikibase-item", "wikibase-property"):
        want = "item" if datatype == "wikibase-item" else "property"
        if value["entity-type"] != want:
            raise _invalid("wikibase-validator-bad-entity-type", (value["entity-type"],),
                           f"Bad entity type {value['entity-type']}, expected {want}")
        if not entity_exists(value["id"]):
            ns = "Item" if want == "item" else "Property"
            link = f"[[{ns}:{value['id']}|{value['id']}]]"
            raise _invalid("wikibase-validator-no-such-entity", (link,), f"{link} not found")
    elif datatype == "time":
        if value["calendarmodel"] not in (GREGORIAN, JULIAN):
            raise _invalid("wikibase-validator-bad-calendar", (value["calendarmodel"],),
                           f"Unknown calendar model {value['calendarmodel']}")
        if value["precision"] > 11:
            raise _invalid("wikibase-validator-time-precision-too-high", (),
                           "Time precision too high: only day precision or coarser is supported")
    elif datatype == "quantity":
        unit = value["unit"]
        if unit != "1" and not re.match(r"^https?://\S+$", unit):
            raise _invalid("wikibase-validator-bad-unit", (unit,), f"Bad unit {unit}")
    elif datatype == "globe-coordinate" and (value.get("precision") is None or value["precision"] <= 0):
        raise _invalid("wikibase-validator-bad-precision", (),
                       "Coordinate precision must be a positive number")


def _check_string(text: str, limit: int) -> None:
    if len(text) > limit:
        raise _invalid("wikibase-validator-too-long", (str(limit), text[:29] + "..."),
                       f"Must be no more than {limit} characters long")
    if text == "" or text != text.strip():
        raise _invalid("wikibase-validator-malformed-value", (text,),
                       "Values must not be empty or have leading or trailing whitespace")


def _check_url(url: str) -> None:
    m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", url)
    if not m:
        raise _invalid("wikibase-validator-url-scheme-missing", (url,),
                       f'This URL misses a scheme like "https://": {url}')
    if m.group(1).lower() not in URL_SCHEMES:
        raise _invalid("wikibase-validator-bad-url-scheme", (m.group(1),),
                       f'Unsupported URL scheme: {m.group(1)}')
    if re.search(r"\s", url):
        raise _invalid("wikibase-validator-bad-url", (url,), f"Malformed URL: {url}")


# ---- hashes (byte-compatible with Wikibase) -----------------------------------------------------

def _utf8_len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))  # isascii(): a flag, O(1)


def _c(cls: str, data: str) -> str:
    return f'C:{len(cls)}:"{cls}":{_utf8_len(data)}:{{{data}}}'


def _s(text: str) -> str:
    return f's:{_utf8_len(text)}:"{text}";'


def _php_json(items: list[Any]) -> str:
    # PHP json_encode without flags: "/" escaped, non-ASCII as \uXXXX, no spaces. The usual items
    # (finite floats, ints, None, strings) are written directly, as json.dumps writes them.
    parts = []
    for x in items:
        kind = type(x)
        if kind is str:
            parts.append(encode_basestring_ascii(x))
        elif kind is int or (kind is float and math.isfinite(x)):
            parts.append(repr(x))
        elif x is None:
            parts.append("null")
        else:
            return json.dumps(items, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/")
    return f"[{','.join(parts)}]".replace("/", "\\/")


def _value_serialization(value_type: str, value: Any) -> str:
    if value_type == "string":
        return _c("DataValues\\StringValue", value)
    if value_type == "monolingualtext":
        return _c("DataValues\\MonolingualTextValue",
                  f"a:2:{{i:0;{_s(value['language'])}i:1;{_s(value['text'])}}}")
    if value_type == "time":
        return _c("DataValues\\TimeValue", _php_json(
            [value["time"], value["timezone"], value["before"], value["after"], value["precision"],
             value["calendarmodel"]]))
    if value_type == "globecoordinate":
        return _c("DataValues\\Geo\\Values\\GlobeCoordinateValue", _php_json(
            [value["latitude"], value["longitude"], None, value["precision"], value["globe"]]))
    if value_type == "quantity":
        def dec(x: str) -> str:
            return _c("DataValues\\DecimalValue", _s(x))
        if "upperBound" in value:
            return _c("DataValues\\QuantityValue",
                      f"a:4:{{i:0;{dec(value['amount'])}i:1;{_s(value['unit'])}"
                      f"i:2;{dec(value['upperBound'])}i:3;{dec(value['lowerBound'])}}}")
        return _c("DataValues\\UnboundedQuantityValue",
                  f"a:2:{{i:0;{dec(value['amount'])}i:1;{_s(value['unit'])}}}")
    if value_type == "wikibase-entityid":
        cls = ("Wikibase\\DataModel\\Entity\\ItemId" if value["entity-type"] == "item"
               else "Wikibase\\DataModel\\Entity\\NumericPropertyId")
        return _c("Wikibase\\DataModel\\Entity\\EntityIdValue", _c(cls, value["id"]))
    return _c("DataValues\\UnknownValue", _php_json([value]))


_EXACT_VALUE_TYPES = frozenset({"string", "monolingualtext", "time", "globecoordinate", "quantity"})


def hash_is_exact(snak: dict[str, Any]) -> bool:
    """Whether :func:`snak_hash` reproduces Wikibase's hash of this snak byte for byte: novalue and
    somevalue snaks, the five value types above, and entity ids of items and properties (a lexeme,
    form or sense id is another PHP class, whose serialization is not reproduced here)."""
    if snak.get("snaktype") in ("novalue", "somevalue"):
        return True
    dv = snak.get("datavalue") or {}
    if dv.get("type") == "wikibase-entityid":
        return isinstance(dv.get("value"), dict) and dv["value"].get("entity-type") in ("item", "property") \
            and "id" in dv["value"]
    return dv.get("type") in _EXACT_VALUE_TYPES


def snak_hash(snak: dict[str, Any]) -> str:
    prop = snak["property"]
    if snak["snaktype"] == "somevalue":
        ser = _c("Wikibase\\DataModel\\Snak\\PropertySomeValueSnak", prop)
    elif snak["snaktype"] == "novalue":
        ser = _c("Wikibase\\DataModel\\Snak\\PropertyNoValueSnak", prop)
    else:
        dv = snak["datavalue"]
        ser = _c("Wikibase\\DataModel\\Snak\\PropertyValueSnak",
                 f"a:2:{{i:0;{_s(prop)}i:1;{_value_serialization(dv['type'], dv['value'])}}}")
    return hashlib.sha1(ser.encode("utf-8")).hexdigest()


def reference_hash(snak_hashes: list[str]) -> str:
    return hashlib.sha1("|".join(sorted(set(snak_hashes))).encode("ascii")).hexdigest()


# ---- wbformatvalue / wbparsevalue ---------------------------------------------------------------

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def format_plain(value_type: str, value: Any) -> str:
    """Plain-text rendering as Wikibase's formatters do (English)."""
    if value_type == "time":
        m = _TIME_RE.match(value["time"])
        if not m:
            return str(value["time"])
        sign, year, month, day = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))
        era = " BCE" if sign == "-" else ""
        p = value["precision"]
        if p >= 11 and month and day:
            return f"{day} {MONTHS[month - 1]} {year}{era}"
        if p == 10 and month:
            return f"{MONTHS[month - 1]} {year}{era}"
        if p == 9:
            return f"{year}{era}"
        if p == 8:
            return f"{year // 10 * 10}s{era}"
        if p == 7:
            return f"{(year - 1) // 100 + 1}. century{era}"
        return f"{year}{era}"
    if value_type == "quantity":
        amount = value["amount"].lstrip("+")
        if "upperBound" in value:
            up = float(value["upperBound"]) - float(value["amount"])
            if up:
                amount += f"±{up:g}"
        return amount if value["unit"] == "1" else f"{amount} {value['unit'].rsplit('/', 1)[-1]}"
    if value_type == "globecoordinate":
        return f"{value['latitude']}, {value['longitude']}"
    if value_type == "monolingualtext":
        return str(value["text"])
    if value_type == "wikibase-entityid":
        return str(value["id"])
    return str(value)


_DATE_FORMATS = (("%Y-%m-%d", 11), ("%d %B %Y", 11), ("%B %d, %Y", 11), ("%d/%m/%Y", 11),
                 ("%B %Y", 10), ("%Y-%m", 10), ("%Y", 9))


def parse_plain(datatype: str, text: str) -> tuple[str, Any]:
    """wbparsevalue: text → (value type, value). Raises ValueError with Wikibase's message key."""
    text = text.strip()
    if datatype == "time":
        for fmt, precision in _DATE_FORMATS:
            try:
                d = _dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
            month = d.month if precision >= 10 else 0
            day = d.day if precision >= 11 else 0
            return "time", {"time": f"+{d.year:04d}-{month:02d}-{day:02d}T00:00:00Z", "timezone": 0,
                            "before": 0, "after": 0, "precision": precision, "calendarmodel": GREGORIAN}
        raise ValueError("wikibase-parse-error-time")
    if datatype == "quantity":
        try:
            return "quantity", {"amount": normalise_decimal(text.replace(",", "")), "unit": "1"}
        except ValueProblem:
            raise ValueError("wikibase-parse-error-quantity") from None
    if datatype in ("wikibase-item", "wikibase-property"):
        if ENTITY_ID_RE.match(text.upper()):
            ident = text.upper()
            return "wikibase-entityid", {"entity-type": "item" if ident[0] == "Q" else "property",
                                         "numeric-id": int(ident[1:]), "id": ident}
        raise ValueError("wikibase-parse-error-entity-id")
    if datatype == "globe-coordinate":
        m = re.match(r"^(-?\d+(?:\.\d+)?)\s*[,;]\s*(-?\d+(?:\.\d+)?)$", text)
        if not m:
            raise ValueError("wikibase-parse-error-coordinate")
        return "globecoordinate", {"latitude": float(m.group(1)), "longitude": float(m.group(2)),
                                   "altitude": None, "precision": 0.0001, "globe": EARTH}
    return "string", text
