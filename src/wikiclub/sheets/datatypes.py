"""One parser per Wikibase datatype: spreadsheet text → :mod:`wikiclub.model` value → text again.

Parsers raise only :class:`~wikiclub.errors.ValueParseError` (with a short ``problem`` kind, a French-first
message and a hint). Things worth telling but not wrong (an ambiguous ``03/04/2020``, a scheme added to a
URL) come back as :class:`Note` s next to the value.

French first: ``12 mars 2020``, ``1er juin 1999``, decimal commas, thousands separated by (narrow)
no-break spaces, ``O`` for west in coordinates. Amounts and coordinates are :class:`~decimal.Decimal`,
never float, so what was typed survives.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal
from urllib.parse import SplitResult, urlsplit

from ..errors import ValueParseError
from ..model import (
    GlobeCoordinateValue,
    ItemRef,
    ItemValue,
    MonolingualTextValue,
    QuantityValue,
    StringValue,
    TimeValue,
    Value,
    is_item_id,
)
from . import checksums

DateOrder = Literal["dmy", "mdy", "ymd"]
KNOWN_DATATYPES = frozenset({"wikibase-item", "string", "external-id", "url", "time", "globe-coordinate",
                             "quantity", "monolingualtext", "commonsMedia"})
MAX_STRING = 1500  # Wikibase's default string-limits for string/external-id/monolingual text
MAX_URL = 500
PRECISION_DECADE, PRECISION_YEAR, PRECISION_MONTH, PRECISION_DAY = 8, 9, 10, 11
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's 1900 system, including its fake 29 Feb 1900


@dataclass(frozen=True)
class Note:
    """Something a reviewer should know about a value that did parse."""

    problem: str
    message: str
    hint: str | None = None
    # "error": the value parsed but the row must not be published as it is (a bad check digit); the
    # run may allow it (``RowMapper(allow_bad_checksums=True)`` makes it a warning)
    severity: Literal["error", "warning", "info"] = "warning"


@dataclass(frozen=True)
class Parsed:
    value: Value
    notes: tuple[Note, ...] = ()
    circa: bool = False  # a time read from « vers 1925 », « ca. 1925 »…: the statement gets P1480 = circa


@dataclass(frozen=True)
class ParseOptions:
    date_order: DateOrder = "dmy"
    language: str = "fr"  # monolingual text
    unit: str = "1"  # quantity unit: "1" or an entity URI
    unit_words: tuple[str, ...] = ()  # words allowed after an amount ("habitants")
    phone_country: str = "1"  # calling code for numbers written without one (North American default)
    format_regex: str | None = None  # external-id format constraint (P1793 of P2302 Q21502404)
    property: str | None = None
    circa: bool = False  # time: « vers 1925 » allowed (read as 1925 with the circa qualifier)


def _fail(problem: str, message: str, hint: str | None, value: str) -> ValueParseError:
    return ValueParseError(message, hint, problem=problem, value=value)


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()  # NFKD is the identity on ASCII, and casefold is lower
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


# --------------------------------------------------------------------------------------------- strings


def parse_string(text: str, opts: ParseOptions = ParseOptions()) -> Parsed:
    if "\n" in text:
        raise _fail("multi-line", "Valeur sur plusieurs lignes / multi-line value.",
                    "Une chaîne Wikidata tient sur une ligne : retirez les retours à la ligne.", text)
    if len(text) > MAX_STRING:
        raise _fail("too-long", f"Valeur trop longue ({len(text)} caractères, maximum {MAX_STRING}) / "
                    "value too long.", "Raccourcissez la cellule ou ne mappez pas cette colonne.", text[:80] + "…")
    return Parsed(StringValue(text))


_LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]+)*")


def parse_monolingual(text: str, opts: ParseOptions = ParseOptions()) -> Parsed:
    parse_string(text, opts)
    if not _LANGUAGE.fullmatch(opts.language):
        raise _fail("bad-language", f"Code de langue invalide / invalid language code « {opts.language} ».",
                    "Utilisez un code comme fr, en, cr, oj.", text)
    return Parsed(MonolingualTextValue(text, opts.language))


_PROFILE_HOSTS = ("facebook.com", "fb.com", "instagram.com", "twitter.com", "x.com")


_ISNI_PREFIX = re.compile(r"^(https?://)?(www\.)?isni\.org/(isni/)?|^isni\s*:?", re.I)
_ISNI_SEPARATORS = re.compile(r"[\s\-.]")
_ISNI = re.compile(r"\d{15}[\dX]")
_PROFILE_PREFIX = re.compile(r"^(https?://)?(www\.|m\.|fr-ca\.|fr\.)?")


def _isni(text: str, opts: ParseOptions) -> str:
    compact = _ISNI_PREFIX.sub("", text.strip())
    compact = _ISNI_SEPARATORS.sub("", compact).upper()
    if not _ISNI.fullmatch(compact):
        raise _fail("bad-format", f"ISNI invalide / invalid ISNI « {text} » (16 chiffres attendus).",
                    "Format attendu / expected : 0000 0001 2345 6789.", text)
    # Wikidata stores ISNIs spaced in groups of four.
    return " ".join(compact[i:i + 4] for i in range(0, 16, 4))


_ORCID_PREFIX = re.compile(r"^(https?://)?(www\.)?orcid\.org/", re.I)


def _checksum_note(prop: str | None, value: str) -> tuple[Note, ...]:
    """An error note when the identifier's check digit is wrong (see :mod:`.checksums`): the row stays
    out of the batch unless the run allows bad checksums (``--allow-bad-checksums``)."""
    failed = checksums.check(prop, value)
    if failed is None:
        return ()
    name, expected = failed
    return (Note("bad-checksum", f"Clé de contrôle {name} incorrecte dans « {value} » (attendu « {expected} » "
                 f"en dernier) / {name} check digit mismatch.",
                 f"Recopiez le numéro depuis sa source ({name}) : un chiffre est probablement faux. S'il est "
                 "vraiment ainsi, relancez avec --allow-bad-checksums.", "error"),)


def parse_external_id(text: str, opts: ParseOptions = ParseOptions()) -> Parsed:
    parse_string(text, opts)
    value = text.strip()
    notes: tuple[Note, ...] = ()
    if opts.property == "P213":
        value = _isni(value, opts)
    elif opts.property == "P496":
        value = _ORCID_PREFIX.sub("", value)
    else:
        low = value.casefold()
        stripped = _PROFILE_PREFIX.sub("", low)
        if any(stripped.startswith(h + "/") for h in _PROFILE_HOSTS):
            # A profile URL where the username was expected: keep the username (first path segment).
            segment = value[len(value) - len(stripped):].split("/", 2)[1].split("?")[0]
            value, notes = segment, (Note("id-from-url", "Identifiant extrait de l'adresse du profil / id "
                                          "taken from the profile URL.", None, "info"),)
        elif value.startswith("@") and len(value) > 1:
            value = value[1:]
    notes = (*notes, *_checksum_note(opts.property, value))
    if opts.format_regex:
        try:
            ok = re.fullmatch(opts.format_regex, value) is not None
        except re.error:
            ok = True  # a PCRE-only regex Python cannot compile: the wiki will check it
            notes = (*notes, Note("regex-unsupported", "Expression régulière de format non vérifiable ici / "
                                  "format regex not checkable here."))
        if not ok:
            raise _fail("bad-format", f"« {value} » ne respecte pas le format de {opts.property or 'la propriété'}"
                        f" / does not match the format constraint.",
                        f"Format attendu (expression régulière) / expected: {opts.format_regex}", text)
    return Parsed(StringValue(value), notes)


_HOST_LABEL = re.compile(r"(?!-)[a-z0-9\u00c0-\uffff-]{1,63}(?<!-)")
_TLD = re.compile(r"[a-z\u00c0-\uffff]{2,63}|xn--[a-z0-9-]+")
_IPV4 = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_SPACE = re.compile(r"\s")
_SCHEME_SLASHES = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
_HOST_PORT = re.compile(r"[^:/]+:\d")
# The usual cell: http(s) or no scheme, an ASCII host, a plain path; no user, port, query or fragment.
_PLAIN_URL = re.compile(r"(?:(https?)://)?((?:(?!-)[A-Za-z0-9-]{1,63}(?<!-)\.)+"
                        r"(?:[A-Za-z]{2,63}|[Xx][Nn]--[A-Za-z0-9-]{1,59}(?<!-)))(/[A-Za-z0-9._~%/-]*)?")
_SCHEME_ADDED = (Note("scheme-added", "https:// ajouté / scheme added.", None, "info"),)


def parse_url(text: str, opts: ParseOptions = ParseOptions()) -> Parsed:
    raw = text.strip()
    plain = _PLAIN_URL.fullmatch(raw)
    if plain is not None:
        # Fast path, same result as the general one below (urlsplit leaves such a URL as it is, host
        # lowercased; the pattern checks the host labels as below); the rest takes the general path.
        url = f"{plain[1] or 'https'}://{plain[2].lower()}{plain[3] or ''}"
        if len(url) <= MAX_URL:
            return Parsed(StringValue(url), () if plain[1] else _SCHEME_ADDED)
    return _parse_any_url(raw, text)


def _parse_any_url(raw: str, text: str) -> Parsed:
    """The general path of :func:`parse_url`: scheme added when missing, host checked, user, port,
    query and fragment kept."""
    notes: tuple[Note, ...] = ()
    if not raw or _SPACE.search(raw):
        raise _fail("bad-url", f"« {raw} » n'est pas une adresse web / not a URL (espaces).",
                    "Mettez une seule adresse, sans espace (ex. https://exemple.org).", text)
    if not _SCHEME_SLASHES.match(raw):
        if _SCHEME.match(raw) and not _HOST_PORT.match(raw):
            raise _fail("bad-url", f"« {raw} » : schéma non pris en charge / unsupported scheme.",
                        "Utilisez une adresse http(s)://…", text)
        raw = "https://" + raw.lstrip("/")
        notes = _SCHEME_ADDED
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise _fail("bad-url", f"« {text} » n'est pas une adresse web valide / invalid URL.",
                    "Vérifiez l'adresse (ex. https://exemple.org/page).", text) from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("http", "https", "ftp", "ftps"):
        raise _fail("bad-url", f"« {text} » : schéma {scheme} non pris en charge / unsupported scheme.",
                    "Utilisez une adresse http(s)://…", text)
    _check_host(host, text)
    url = f"{scheme}://{_netloc(parts, host, port)}{parts.path}"
    if parts.query:
        url += "?" + parts.query
    if parts.fragment:
        url += "#" + parts.fragment
    if len(url) > MAX_URL:
        raise _fail("too-long", f"Adresse trop longue ({len(url)} > {MAX_URL}) / URL too long.",
                    "Utilisez l'adresse de la page principale.", text[:80] + "…")
    return Parsed(StringValue(url), notes)


def _check_host(host: str, text: str) -> None:
    """An IPv4 address, or a domain name of ≥ 2 valid labels ending in a valid top-level domain."""
    labels = host.split(".")
    is_ip = _IPV4.fullmatch(host) is not None
    if not is_ip and (len(labels) < 2 or not all(_HOST_LABEL.fullmatch(lab) for lab in labels)
                      or not _TLD.fullmatch(labels[-1])):
        raise _fail("bad-url", f"« {text} » n'est pas une adresse web valide (nom de domaine) / invalid host.",
                    "Vérifiez l'adresse (ex. https://exemple.org).", text)


def _netloc(parts: SplitResult, host: str, port: int | None) -> str:
    netloc = host
    if parts.username:
        netloc = parts.username + (":" + parts.password if parts.password else "") + "@" + netloc
    if port is not None:
        netloc += f":{port}"
    return netloc


_MAILTO = re.compile(r"^mailto:", re.I)
_EMAIL = re.compile(r"([A-Za-z0-9._%+\-'!#$&*/=?^`{|}~]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,63})")
_PHONE_PREFIX = re.compile(r"^(t[ée]l[ée]?(phone)?|tel|phone|ph)\s*[.:]?\s*", re.I)
_PHONE_EXTENSION = re.compile(r"(poste|ext\.?|#)\s*\d+$", re.I)
_PHONE_BAD_CHAR = re.compile(r"[^\d\s().+\-/]")
_DIGIT = re.compile(r"\d")
_DIGITS = re.compile(r"\d+")
# The usual North American cell: "819 555-0101", "(819) 555-0101", "819.555.0101", "8195550101".
_NA_PHONE = re.compile(r"\(?([2-9][0-9][0-9])\)?[ .-]?([0-9]{3})[ .-]?([0-9]{4})")


def parse_email(text: str, opts: ParseOptions = ParseOptions()) -> Parsed:
    """An address as Wikidata's P968 wants it: a ``mailto:`` URL."""
    raw = _MAILTO.sub("", text.strip())
    m = _EMAIL.fullmatch(raw)
    if not m or ".." in raw:
        raise _fail("bad-email", f"« {text} » n'est pas une adresse courriel / not an email address.",
                    "Une seule adresse, comme nom@exemple.org.", text)
    return Parsed(StringValue(f"mailto:{m.group(1)}@{m.group(2).lower()}"))


def _international_phone(raw: str, groups: list[str], digits: str, text: str) -> Parsed:
    """A number written with its country code (``+33 …``, ``0033 …``): its groups kept."""
    if raw.startswith("00"):
        groups[0] = groups[0][2:]  # an emptied group is dropped by the join below
        digits = digits[2:]
    if digits.startswith("1") and len(digits) == 11:
        return Parsed(StringValue(f"+1-{digits[1:4]}-{digits[4:7]}-{digits[7:]}"))
    if not 7 <= len(digits) <= 15:
        raise _fail("bad-phone", f"« {text} » : longueur invalide / wrong length.", "Vérifiez le numéro.", text)
    return Parsed(StringValue("+" + "-".join(g for g in groups if g)))


def _north_american_phone(digits: str, text: str) -> Parsed:
    """A national number in the North American plan: 10 digits (a leading 1 dropped)."""
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 7:
        raise _fail("phone-no-area-code", f"« {text} » : indicatif régional manquant / area code missing.",
                    "Ajoutez l'indicatif (ex. 819, 705, 418).", text)
    if len(digits) != 10 or digits[0] in "01":
        raise _fail("bad-phone", f"« {text} » : un numéro nord-américain a 10 chiffres / North American "
                    "numbers have 10 digits.", "Exemple : 819 555-0101.", text)
    return Parsed(StringValue(f"+1-{digits[:3]}-{digits[3:6]}-{digits[6:]}"))


def parse_phone(text: str, opts: ParseOptions = ParseOptions()) -> Parsed:
    """International form with hyphens, as on Wikidata's P1329: ``+1-819-555-0101``."""
    if opts.phone_country == "1" and (na := _NA_PHONE.fullmatch(text.strip())):
        return Parsed(StringValue(f"+1-{na[1]}-{na[2]}-{na[3]}"))  # what the general path below gives
    raw = _PHONE_PREFIX.sub("", text.strip())
    if _PHONE_EXTENSION.search(raw):
        raise _fail("phone-extension", f"« {text} » : poste téléphonique / extension in the number.",
                    "Gardez le numéro principal ; mettez le poste dans une note.", text)
    if not raw or _PHONE_BAD_CHAR.search(raw) or not _DIGIT.search(raw):
        raise _fail("bad-phone", f"« {text} » n'est pas un numéro de téléphone / not a phone number.",
                    "Exemple : 819 555-0101 ou +1-819-555-0101.", text)
    groups = _DIGITS.findall(raw)
    digits = "".join(groups)
    if raw.startswith("+") or raw.startswith("00"):
        return _international_phone(raw, groups, digits, text)
    if opts.phone_country == "1":
        return _north_american_phone(digits, text)
    if digits.startswith("0"):  # national trunk prefix (France, …)
        groups[0] = groups[0][1:]  # an emptied group is dropped by the join below
    if len(digits) < 6:
        raise _fail("bad-phone", f"« {text} » : numéro trop court / too short.", "Vérifiez le numéro.", text)
    return Parsed(StringValue("+" + opts.phone_country + "-" + "-".join(g for g in groups if g)))


# --------------------------------------------------------------------------------------------- time

_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "january": 1,
    "fevrier": 2, "fevr": 2, "fev": 2, "february": 2, "feb": 2,
    "mars": 3, "march": 3, "mar": 3,
    "avril": 4, "avr": 4, "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juin": 6, "june": 6, "jun": 6,
    "juillet": 7, "juil": 7, "july": 7, "jul": 7,
    "aout": 8, "august": 8, "aug": 8,
    "septembre": 9, "sept": 9, "sep": 9, "september": 9,
    "octobre": 10, "oct": 10, "october": 10,
    "novembre": 11, "nov": 11, "november": 11,
    "decembre": 12, "dec": 12, "december": 12,
}
_MONTH_NAMES_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                   "octobre", "novembre", "décembre")
_WEEKDAYS = r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+"
_SPACES = re.compile(r"\s+")
_DATE_LEAD = re.compile(r"^(le |en |l'an )")
_WEEKDAY_LEAD = re.compile("^" + _WEEKDAYS)
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?")
_YMD_SLASH = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_YEAR = re.compile(r"\+?(\d{1,4})")
_SERIAL = re.compile(r"(\d{5})(?:[.,]\d+)?")
_NUMERIC_DATE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:er|re|e|st|nd|rd|th)? ([a-z]+\.?),? (\d{1,4})")
_MONTH_DAY_YEAR = re.compile(r"([a-z]+\.?) (\d{1,2})(?:st|nd|rd|th)?, (\d{1,4})")
_MONTH_YEAR = re.compile(r"([a-z]+\.?),? (\d{1,4})")
_DATE_HINT = "Formats acceptés : 2020-03-12, 12/03/2020, 12 mars 2020, mars 2020, 2020."


def _time(year: int, month: int, day: int, precision: int, text: str) -> TimeValue:
    if not 1 <= year <= 9999:
        raise _fail("bad-date", f"Année hors limites / year out of range : « {text} ».", _DATE_HINT, text)
    if precision >= PRECISION_MONTH and not 1 <= month <= 12:
        raise _fail("impossible-date", f"Mois {month} impossible / no month {month} : « {text} ».",
                    _DATE_HINT, text)
    if precision == PRECISION_DAY:
        try:
            dt.date(year, month, day)
        except ValueError:
            raise _fail("impossible-date", f"Cette date n'existe pas / no such date : « {text} ».",
                        "Vérifiez le jour et le mois (ex. 31 février n'existe pas).", text) from None
    m = month if precision >= PRECISION_MONTH else 0
    d = day if precision == PRECISION_DAY else 0
    return TimeValue(f"+{year:04d}-{m:02d}-{d:02d}T00:00:00Z", precision)


def _month(word: str, text: str) -> int:
    key = word.rstrip(".")
    if key not in _MONTHS:
        raise _fail("bad-date", f"Mois inconnu « {word} » / unknown month in « {text} ».", _DATE_HINT, text)
    return _MONTHS[key]


def _excel_serial_date(serial: int, raw: str) -> Parsed:
    """A day count from Excel's epoch (a date cell read as a number), with a note saying so."""
    serial_date = EXCEL_EPOCH + dt.timedelta(days=serial)
    return Parsed(_time(serial_date.year, serial_date.month, serial_date.day, PRECISION_DAY, raw),
                  (Note("excel-serial-date", f"Nombre {serial} lu comme une date Excel : "
                        f"{serial_date.isoformat()} / read as an Excel serial date.",
                        "Mettez la cellule au format date dans le tableur pour lever le doute."),))


_CIRCA = re.compile(r"^(?:vers (?:l'an )?|ca\.? ?|c\. ?|circa |env\.? ?|environ |autour de |~ ?)"
                    r"(?=\d|les annees |(?:debut|milieu|fin) |(?:" + "|".join(_MONTHS) + r")\b)")
_DECADE = re.compile(r"(?:(debut|milieu|fin) )?(?:des |les )?annees (\d{1,4})|(\d{3,4})s")
_TWO_DIGIT_HINT = "Écrivez l'année en entier : {a} ou {b} ? / write the full year."


def _year(digits: str, raw: str) -> int:
    """A year as typed: one or two digits are refused (« 75 » is 1975 or 2075, never the year 75);
    write 0075 for the year 75."""
    year = int(digits)
    if len(digits) <= 2:
        raise _fail("two-digit-year", f"Année à deux chiffres « {digits} » dans « {raw} » : {1900 + year} ou "
                    f"{2000 + year} ? / two-digit year.", _TWO_DIGIT_HINT.format(a=1900 + year, b=2000 + year), raw)
    return year


def _decade(m: re.Match[str], raw: str) -> Parsed:
    """« années 1970 » (decade precision); « début/milieu/fin des années 1980 »: the decade, circa."""
    digits = m[2] or m[3]
    if len(digits) <= 2:
        year = int(digits)
        raise _fail("two-digit-year", f"Décennie à deux chiffres « {raw} » / two-digit decade.",
                    f"Écrivez « années {1900 + year} » ou « années {2000 + year} ».", raw)
    year = int(digits)
    if year % 10:
        raise _fail("bad-date", f"« {raw} » : une décennie commence par une année en 0 / a decade starts with a "
                    "year ending in 0.", "Ex. années 1970.", raw)
    return Parsed(_time(year, 0, 0, PRECISION_DECADE, raw), circa=m[1] is not None)


def parse_time(text: str, opts: ParseOptions = ParseOptions()) -> Parsed:
    raw = text.strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= 4:  # a year, the commonest cell
        return Parsed(_time(_year(raw, raw), 0, 0, PRECISION_YEAR, raw))
    s = _SPACES.sub(" ", _fold(raw)).strip().rstrip(".")
    if not s[:1].isdigit():  # "le …", "en …", a weekday, "vers …": all start with a letter
        s = _DATE_LEAD.sub("", s)
        s = _WEEKDAY_LEAD.sub("", s)
    circa = _CIRCA.match(s)
    if circa:
        s = s[circa.end():]
    decade = _DECADE.fullmatch(s)
    parsed = _decade(decade, raw) if decade else _parse_date(s, raw, opts)
    if circa or parsed.circa:
        if not opts.circa:
            raise _fail("circa-date", f"Date approximative « {raw} » / approximate (circa) date.",
                        "Écrivez la date exacte, ou ajoutez « circa: true » à cette colonne dans le mapping "
                        "(la date est alors publiée avec le qualificatif « circa »).", text)
        return Parsed(parsed.value, parsed.notes, circa=True)
    return parsed


def _parse_date(s: str, raw: str, opts: ParseOptions) -> Parsed:
    """A date without « vers » nor decade: ISO, numeric, with a month name, a year, an Excel serial."""
    if m := _ISO_DAY.fullmatch(s):
        return Parsed(_time(int(m[1]), int(m[2]), int(m[3]), PRECISION_DAY, raw))
    if m := _YMD_SLASH.fullmatch(s):
        return Parsed(_time(int(m[1]), int(m[2]), int(m[3]), PRECISION_DAY, raw))
    if m := _ISO_MONTH.fullmatch(s):
        return Parsed(_time(int(m[1]), int(m[2]), 0, PRECISION_MONTH, raw))
    if m := _YEAR.fullmatch(s):
        return Parsed(_time(_year(m[1], raw), 0, 0, PRECISION_YEAR, raw))
    if (m := _SERIAL.fullmatch(s)) and 10000 <= int(m[1]) <= 2958465:
        return _excel_serial_date(int(m[1]), raw)
    if m := _NUMERIC_DATE.fullmatch(s):
        return _numeric_date(m, raw, opts)
    if m := _DAY_MONTH_YEAR.fullmatch(s):
        return Parsed(_time(_year(m[3], raw), _month(m[2], raw), int(m[1]), PRECISION_DAY, raw))
    if m := _MONTH_DAY_YEAR.fullmatch(s):
        return Parsed(_time(_year(m[3], raw), _month(m[1], raw), int(m[2]), PRECISION_DAY, raw))
    if m := _MONTH_YEAR.fullmatch(s):
        return Parsed(_time(_year(m[2], raw), _month(m[1], raw), 0, PRECISION_MONTH, raw))
    raise _fail("bad-date", f"Date non reconnue / unrecognised date : « {raw} ».", _DATE_HINT, raw)


def _numeric_date(m: re.Match[str], raw: str, opts: ParseOptions) -> Parsed:
    """12/03/2020 (day first unless ``date_order`` says mdy); an ambiguous day and month is noted."""
    a, b, y = int(m[1]), int(m[2]), _year(m[3], raw)
    day, month = (a, b) if opts.date_order != "mdy" else (b, a)
    notes: tuple[Note, ...] = ()
    if a <= 12 and b <= 12 and a != b:
        notes = (Note("ambiguous-date", f"Date ambiguë « {raw} » lue comme {y:04d}-{month:02d}-{day:02d} "
                      f"(ordre {opts.date_order}) / ambiguous date.",
                      "Écrivez le mois en lettres (3 avril 2020) ou en ISO (2020-04-03), ou réglez "
                      "date_order dans le mapping."),)
    return Parsed(_time(y, month, day, PRECISION_DAY, raw), notes)


def format_time(value: TimeValue) -> str:
    m = re.fullmatch(r"([+-])(\d+)-(\d\d)-(\d\d)T.*", value.time)
    if not m or m[1] == "-":
        return value.time
    year, month, day = int(m[2]), int(m[3]), int(m[4])
    shown = str(year) if year >= 100 else f"{year:04d}"  # « 75 » would read as a two-digit year
    if value.precision == PRECISION_DAY:
        return f"{'1er' if day == 1 else day} {_MONTH_NAMES_FR[month - 1]} {shown}"
    if value.precision == PRECISION_MONTH:
        return f"{_MONTH_NAMES_FR[month - 1]} {shown}"
    if value.precision == PRECISION_YEAR:
        return shown
    if value.precision == PRECISION_DECADE and year % 10 == 0 and year >= 100:
        return f"années {year}"
    return value.time


# --------------------------------------------------------------------------------------------- coordinates

_DEC = r"[-+−]?\d+(?:[.,]\d+)?"
_DMS = re.compile(r"([-+−])?\s*(\d+(?:[.,]\d+)?)\s*°\s*(?:(\d+(?:[.,]\d+)?)\s*['′’]\s*)?"
                  r"(?:(\d+(?:[.,]\d+)?)\s*(?:\"|″|''|′′|”)\s*)?([NSEOW])?", re.I)
_DEC_RE = re.compile(_DEC)
_STEPS = tuple(Decimal(1).scaleb(-i) for i in range(16))  # 1, 0.1, 0.01, …: precision from decimal places
_DMS_GLUE = re.compile(r"[\s,;/]*")
_PAIR_GLUE = re.compile(r"[\s,/]*")
_PAIR_SEPARATOR = re.compile(r"[\s,/]")
_COORD_HINT = "Exemple : 48.2366, -79.0235 ou 48,2366 ; -79,0235 ou 48°14′12″N 79°1′24″O."


def _dec(text: str) -> Decimal:
    return Decimal(text.replace("−", "-").replace(",", "."))


def _places(d: Decimal) -> int:
    exp = d.as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def _check_range(lat: Decimal, lon: Decimal, text: str) -> None:
    if abs(lat) > 90:
        swapped = abs(lon) <= 90 and abs(lat) <= 180
        raise _fail("latitude-out-of-range", f"Latitude {lat} hors de [-90, 90] / latitude out of range.",
                    "Latitude et longitude inversées ?" if swapped else _COORD_HINT, text)
    if abs(lon) > 180:
        raise _fail("longitude-out-of-range", f"Longitude {lon} hors de [-180, 180] / longitude out of range.",
                    _COORD_HINT, text)


def _dms_part(m: re.Match[str]) -> tuple[Decimal, Decimal, str | None]:
    deg, mins, secs = _dec(m[2]), _dec(m[3] or "0"), _dec(m[4] or "0")
    value = deg + mins / 60 + secs / 3600
    precision = (Decimal(1) / 3600 if m[4] else Decimal(1) / 60 if m[3] else Decimal(1)).quantize(Decimal("1e-17"))
    precision = precision.normalize()
    hemi = (m[5] or "").upper() or None
    if (m[1] and m[1] in "-−") or hemi in ("S", "W", "O"):
        value = -value
    return value.quantize(Decimal("0.000001")).normalize(), precision, hemi


def parse_degree(text: str, axis: Literal["latitude", "longitude"]) -> tuple[Decimal, Decimal]:
    """One coordinate (a latitude or longitude column): value and precision in degrees."""
    raw = text.strip()
    if _DEC_RE.fullmatch(raw):
        number = raw.replace("−", "-").replace(",", ".")
        dot = number.find(".")
        places = len(number) - dot - 1 if dot >= 0 else 0  # = _places(value), read off the text
        return Decimal(number), _STEPS[places] if places < len(_STEPS) else Decimal(1).scaleb(-places)
    m = _DMS.fullmatch(raw)
    if m and "°" in raw:
        value, precision, _ = _dms_part(m)
        return value, precision
    raise _fail("bad-coordinate", f"{axis.capitalize()} non reconnue / unrecognised {axis} : « {raw} ».",
                _COORD_HINT, text)


def coordinate_value(lat: Decimal, lon: Decimal, precision: Decimal, text: str) -> GlobeCoordinateValue:
    _check_range(lat, lon, text)
    return GlobeCoordinateValue(lat, lon, precision)


def parse_coordinate(text: str, opts: ParseOptions = ParseOptions()) -> Parsed:
    raw = text.strip()
    if "°" in raw:
        parts = [m for m in _DMS.finditer(raw) if m.group(2) is not None and m.group(0).strip()]
        if len(parts) == 2 and _DMS_GLUE.fullmatch(_DMS.sub("", raw)):
            (a, pa, ha), (b, pb, hb) = (_dms_part(parts[0]), _dms_part(parts[1]))
            if ha in ("E", "W", "O") and hb in ("N", "S"):
                a, b = b, a
            return Parsed(coordinate_value(a, b, min(pa, pb), raw))
        raise _fail("bad-coordinate", f"Coordonnées non reconnues / unrecognised coordinates : « {raw} ».",
                    _COORD_HINT, text)
    if ";" in raw:
        pieces = [p.strip() for p in raw.split(";")]
        if len(pieces) != 2 or not all(_DEC_RE.fullmatch(p) for p in pieces):
            raise _fail("bad-coordinate", f"Coordonnées non reconnues / unrecognised coordinates : « {raw} ».",
                        _COORD_HINT, text)
        numbers = pieces
    else:
        numbers = _DEC_RE.findall(raw)
        if len(numbers) != 2 or not _PAIR_GLUE.fullmatch(_DEC_RE.sub("", raw, count=2)) \
                or not _PAIR_SEPARATOR.search(_DEC_RE.sub("|", raw, count=2).strip("|")):
            raise _fail("bad-coordinate", f"Coordonnées non reconnues / unrecognised coordinates : « {raw} ».",
                        _COORD_HINT, text)
    lat, lon = _dec(numbers[0]), _dec(numbers[1])
    precision = Decimal(1).scaleb(-max(_places(lat), _places(lon)))
    return Parsed(coordinate_value(lat, lon, precision, raw))


def format_coordinate(value: GlobeCoordinateValue) -> str:
    return f"{format(value.latitude, 'f')}, {format(value.longitude, 'f')}"


# --------------------------------------------------------------------------------------------- quantity

_GROUP_SPACES = re.compile(r"[ \u00a0\u202f\u2009\u2007'’]")
_LAST_GROUP = re.compile(r"\d{3}(?:[.,]\d*)?$")
_COMMA_THOUSAND = re.compile(r"\d{1,3},\d{3}")
_QUANTITY = re.compile(r"([-+−]?)\s*(\d(?:[\d \u00a0\u202f\u2009\u2007'’.,]*\d)?)\s*([^\d].*)?")


def _plain_number(num: str, text: str, fail: ValueParseError) -> tuple[str, tuple[Note, ...]]:
    """``num`` with its thousands separators dropped and a decimal point: both separators (the last
    one is the decimal), repeated separators (thousands), or one comma (decimal, noted when it could
    be thousands)."""
    if "." in num and "," in num:
        dec_sep = "." if num.rfind(".") > num.rfind(",") else ","
        thou = "," if dec_sep == "." else "."
        int_part, _, frac = num.rpartition(dec_sep)
        groups = int_part.split(thou)
        if not all(len(g) == 3 for g in groups[1:]) or not frac.isdigit():
            raise fail
        return "".join(groups) + "." + frac, ()
    if num.count(",") > 1 or num.count(".") > 1:
        sep = "," if "," in num else "."
        groups = num.split(sep)
        if not all(len(g) == 3 for g in groups[1:]) or not 1 <= len(groups[0]) <= 3:
            raise fail
        return "".join(groups), ()
    if "," in num:
        notes: tuple[Note, ...] = ()
        if _COMMA_THOUSAND.fullmatch(num):
            notes = (Note("ambiguous-number", f"« {text} » lu avec une virgule décimale / read with a decimal "
                          "comma.", "Écrivez 1 234 pour mille deux cent trente-quatre."),)
        return num.replace(",", "."), notes
    return num, ()


def _amount(num: str, text: str) -> tuple[Decimal, tuple[Note, ...]]:
    fail = _fail("bad-quantity", f"Nombre non reconnu / unrecognised number : « {text} ».",
                 "Exemple : 1 234,5 ou 1234.5.", text)
    spaced = _GROUP_SPACES.split(num)
    if len(spaced) > 1:
        if not all(len(g) == 3 for g in spaced[1:-1]) or not _LAST_GROUP.match(spaced[-1]):
            raise fail
        num = "".join(spaced)
    num, notes = _plain_number(num, text, fail)
    try:
        value = Decimal(num)
    except InvalidOperation:
        raise fail from None
    if not value.is_finite():
        raise fail
    return value, notes


def parse_quantity(text: str, opts: ParseOptions = ParseOptions()) -> Parsed:
    raw = text.strip()
    m = _QUANTITY.fullmatch(raw)
    if not m:
        raise _fail("bad-quantity", f"Nombre non reconnu / unrecognised number : « {raw} ».",
                    "Exemple : 1 234,5 ou 1234.5.", text)
    suffix = (m[3] or "").strip()
    if suffix and _fold(suffix).rstrip(".") not in {_fold(w).rstrip(".") for w in opts.unit_words}:
        raise _fail("unexpected-text", f"Texte après le nombre / text after the number : « {suffix} ».",
                    "Gardez seulement le nombre ; l'unité est donnée par le mapping (unit).", text)
    amount, notes = _amount(m[2], raw)
    if m[1] in ("-", "−"):
        amount = -amount
    return Parsed(QuantityValue(amount, opts.unit), notes)


def format_quantity(value: QuantityValue) -> str:
    text = format(value.amount, "f")
    sign = "-" if text.startswith("-") else ""
    int_part, _, frac = text.lstrip("-").partition(".")
    groups: list[str] = []
    while len(int_part) > 3:
        int_part, tail = int_part[:-3], int_part[-3:]
        groups.insert(0, tail)
    out = sign + "\u202f".join([int_part, *groups]) + ("," + frac if frac else "")
    return out


# --------------------------------------------------------------------------------------------- items


_WIKIDATA_ITEM_URL = re.compile(r"(?:https?://)?(?:www\.)?wikidata\.org/(?:wiki|entity)/(Q[1-9]\d*)", re.I)
_VOCAB_SPACES = re.compile(r"[\s\-_]+")


def parse_item(text: str, values: Mapping[str, str] | None = None, refs: ItemRef | None = None) -> Parsed:
    """A QID, a controlled-vocabulary word (``values`` keys are :func:`vocab_key` s), or text to reconcile."""
    raw = text.strip()
    if values:
        hit = values.get(vocab_key(raw))
        if hit is not None:
            return Parsed(ItemValue(hit))
    upper = raw.upper()
    if is_item_id(upper):
        return Parsed(ItemValue(upper))
    if m := _WIKIDATA_ITEM_URL.fullmatch(raw):
        return Parsed(ItemValue(m[1].upper()))
    if refs is not None:
        return Parsed(ItemRef(raw, refs.types, refs.within))
    known = ", ".join(sorted(values or {}))[:300]
    raise _fail("unknown-value", f"Valeur inconnue / unknown value « {raw} ».",
                f"Valeurs connues : {known}. Ajoutez-la dans values du mapping." if values else
                "Attendu : un QID (Q123) ; ou ajoutez values/item au mapping de cette colonne.", text)


def vocab_key(text: str) -> str:
    """Controlled vocabularies match case-, accent-, apostrophe- and spacing-insensitively."""
    folded = _fold(text).replace("’", "'").replace("‘", "'")
    return _VOCAB_SPACES.sub(" ", folded).strip(" .")


# --------------------------------------------------------------------------------------------- dispatch

PARSE_KINDS = ("email", "phone")


Parser = Callable[[str, ParseOptions], Parsed]


def _parse_item_value(text: str, opts: ParseOptions = ParseOptions()) -> Parsed:
    return parse_item(text)


def parser_for(datatype: str, kind: str | None = None) -> Parser:
    """The parser :func:`parse_value` uses for ``datatype`` (and ``kind``), to look it up once per column."""
    by_kind: dict[str, Parser] = {"email": parse_email, "phone": parse_phone}
    by_datatype: dict[str, Parser] = {
        "string": parse_string, "commonsMedia": parse_string, "external-id": parse_external_id,
        "url": parse_url, "time": parse_time, "globe-coordinate": parse_coordinate,
        "quantity": parse_quantity, "monolingualtext": parse_monolingual, "wikibase-item": _parse_item_value,
    }
    found = by_kind.get(kind or "") or by_datatype.get(datatype)
    if found is not None:
        return found

    def unsupported(text: str, opts: ParseOptions = ParseOptions()) -> Parsed:
        raise _fail("unsupported-datatype", f"Type de données non pris en charge / unsupported datatype "
                    f"{datatype}.", "Ne mappez pas cette colonne, ou signalez-le aux mainteneurs.", text)

    return unsupported


def parse_value(text: str, datatype: str, opts: ParseOptions = ParseOptions(), kind: str | None = None) -> Parsed:
    """Parse one cell for a property of ``datatype`` (``kind`` "email"/"phone" refines url/string)."""
    return parser_for(datatype, kind)(text, opts)


def parse_key(datatype: str, opts: ParseOptions = ParseOptions(), kind: str | None = None) -> tuple[object, ...]:
    """What ``parse_value(text, datatype, opts, kind)`` depends on besides ``text``: equal keys give equal
    results, so a column and a reference that parse alike (a website and its reference URL) share a cache."""
    if kind == "email":
        return ("email",)
    if kind == "phone":
        return ("phone", opts.phone_country)
    if datatype in ("string", "commonsMedia", "url", "globe-coordinate", "wikibase-item"):
        return (datatype,)
    if datatype == "external-id":
        return (datatype, opts.property, opts.format_regex)
    if datatype == "time":
        return (datatype, opts.date_order, opts.circa)
    if datatype == "quantity":
        return (datatype, opts.unit, opts.unit_words)
    if datatype == "monolingualtext":
        return (datatype, opts.language)
    return (datatype, kind, opts)


def format_value(value: Value) -> str:
    """The text a volunteer would type for this value (for diffs, reports and pull)."""
    if isinstance(value, ItemValue):
        return value.id
    if isinstance(value, ItemRef):
        return value.text
    if isinstance(value, StringValue):
        return value.value
    if isinstance(value, TimeValue):
        return format_time(value)
    if isinstance(value, GlobeCoordinateValue):
        return format_coordinate(value)
    if isinstance(value, QuantityValue):
        return format_quantity(value)
    if isinstance(value, MonolingualTextValue):
        return value.text
    raise TypeError(type(value))


def datavalue_to_text(datavalue: Mapping[str, object]) -> str:
    from ..model import value_from_json

    return format_value(value_from_json(datavalue))


def known_datatype(datatype: str) -> bool:
    return datatype in KNOWN_DATATYPES


def split_cell(text: str, separators: str | Sequence[str]) -> list[str]:
    seps = [separators] if isinstance(separators, str) else list(separators)
    parts = [text]
    for sep in seps:
        parts = [p for chunk in parts for p in chunk.split(sep)]
    return [p.strip() for p in parts if p.strip()]
