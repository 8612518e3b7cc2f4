"""Check digits of the identifiers whose standard defines one: a typo in such an identifier is caught
before it reaches the wiki.

Only published algorithms, keyed by the Wikidata property that holds the identifier:

- ISNI (P213) and ORCID iD (P496, an ISNI block): ISO 7064 MOD 11-2 — 15 digits, then 0–9 or X;
- ISBN-13 (P212) and ISMN (P1208, 979-0-…): EAN-13, weights 1 and 3, modulo 10;
- ISBN-10 (P957): weights 10 down to 2, modulo 11, X for 10;
- ISSN (P236): weights 8 down to 2, modulo 11, X for 10;
- ISWC (P1827, « T-034.524.680-1 »): 1 + Σ i·dᵢ over the nine digits, modulo 10 (CISAC's rule).

VIAF, GND, LCCN, the social-network usernames… have no public check digit (or several by era, as GND):
they are only checked against the property's format constraint. :func:`check` takes the value as the
parser normalised it and returns ``None`` (fine, or no algorithm) or the expected check character.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_NOT_DIGIT_X = re.compile(r"[^0-9X]")


def _compact(value: str) -> str:
    return _NOT_DIGIT_X.sub("", value.upper())


def iso7064_mod11_2(body: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a string of digits (ISNI, ORCID)."""
    total = 0
    for ch in body:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return "X" if check == 10 else str(check)


def _isni(value: str) -> str | None:
    digits = _compact(value)
    if len(digits) != 16 or not digits[:15].isdigit():
        return None  # the format is the parser's (or the format constraint's) business
    expected = iso7064_mod11_2(digits[:15])
    return None if digits[15] == expected else expected


def _ean13(value: str) -> str | None:
    digits = _compact(value)
    if len(digits) != 13 or not digits.isdigit():
        return None
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    expected = str((10 - total % 10) % 10)
    return None if digits[12] == expected else expected


def _mod11(digits: str, length: int) -> str | None:
    """ISBN-10 and ISSN: weights ``length`` down to 2 on the body, check = (11 − sum mod 11) mod 11, X for 10."""
    if len(digits) != length or not digits[:-1].isdigit():
        return None
    total = sum(int(d) * w for d, w in zip(digits[:-1], range(length, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    return None if digits[-1] == expected else expected


def _isbn10(value: str) -> str | None:
    return _mod11(_compact(value), 10)


def _issn(value: str) -> str | None:
    return _mod11(_compact(value), 8)


def _iswc(value: str) -> str | None:
    digits = re.sub(r"\D", "", value)
    if len(digits) != 10:
        return None
    total = 1 + sum(i * int(d) for i, d in enumerate(digits[:9], start=1))
    expected = str((10 - total % 10) % 10)
    return None if digits[9] == expected else expected


CHECKSUMS: dict[str, tuple[str, Callable[[str], str | None]]] = {
    "P213": ("ISNI", _isni),
    "P496": ("ORCID", _isni),
    "P212": ("ISBN-13", _ean13),
    "P1208": ("ISMN", _ean13),
    "P957": ("ISBN-10", _isbn10),
    "P236": ("ISSN", _issn),
    "P1827": ("ISWC", _iswc),
}


def check(prop: str | None, value: str) -> tuple[str, str] | None:
    """``(name, expected check character)`` when ``value`` fails ``prop``'s check digit, else ``None``."""
    known = CHECKSUMS.get(prop or "")
    if known is None:
        return None
    name, algorithm = known
    expected = algorithm(value)
    return None if expected is None else (name, expected)
