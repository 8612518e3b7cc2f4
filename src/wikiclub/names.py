"""Text normalisation for matching names, websites, identifiers and place hints.

Everything here is pure and language-aware in the small ways that matter for French and English
names written by volunteers: accents and case vary, hyphens become spaces ("Rouyn Noranda"),
articles and elisions come and go ("L'Écart" / "Ecart"), administrative prefixes are added ("Ville de
Rouyn-Noranda"), legal forms are appended ("Inc."), and hyphenated compounds are abbreviated by their
initials ("A-T", "R.-N.").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from unidecode import unidecode

# Function words dropped from the "core" form of a name. Elided forms appear as "l", "d" once the
# apostrophe is turned into a space.
STOPWORDS = frozenset(
    ["l", "d", "le", "la", "les", "de", "du", "des", "et", "en", "au", "aux", "a", "un", "une", "sur", "the", "of", "and", "at", "in", "for"]
)
# Words that only say which kind of administrative unit or legal form a name has; removed at the
# start ("Ville de …") or at the end ("… Inc.") of the core form.
ADMIN_PREFIXES = ("ville", "municipalite", "city of", "town of", "township of", "village")
LEGAL_SUFFIXES = frozenset(["inc", "ltee", "ltd", "llc", "corp", "co", "enr", "senc", "obnl"])
# Path segments that only select a language version of a website.
LANGUAGE_SEGMENTS = frozenset(["fr", "en", "fr-ca", "en-ca", "fr_ca", "en_ca", "francais", "english", "accueil", "home", "index.html", "index.php"])

_YEAR = re.compile(r"(?:19|20)\d\d")  # "FME 2024": an edition year is not part of the name
_PUNCT = re.compile(r"[^\w]+", re.UNICODE)
_APOS = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "–": "-", "—": "-", "‑": "-"})
_PAREN = re.compile(r"^(?P<main>[^()]*?)\s*\((?P<qual>[^()]*)\)\s*(?P<rest>.*)$")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case ASCII with every run of punctuation (hyphens, apostrophes, dots) as one space."""
    text = unidecode(text.translate(_APOS)).lower()
    return " ".join(_PUNCT.sub(" ", text).replace("_", " ").split())


@lru_cache(maxsize=65536)
def core(text: str) -> str:
    """The distinctive words of a name: folded, without articles, admin prefixes or legal forms."""
    tokens = fold(text).split()
    for prefix in ADMIN_PREFIXES:
        words = prefix.split()
        if len(tokens) > len(words) and tokens[: len(words)] == words:
            tokens = tokens[len(words):]
            break
    while len(tokens) > 1 and tokens[-1] in LEGAL_SUFFIXES:
        tokens.pop()
    kept = [t for t in tokens if t not in STOPWORDS and not _YEAR.fullmatch(t)]
    return " ".join(kept or tokens)


_LEAD = re.compile(r"^(?:(?:ville|municipalit[ée]|city|town|township|village)\s+(?:of\s+|de\s+|d['’]\s*|du\s+|des\s+)"
                   r"|(?:le|la|les|the)\s+|l['’]\s*)", re.IGNORECASE)
_TRAIL_LEGAL = re.compile(r"[\s,]*\(?\b(?:inc|lt[ée]e|ltd|llc|corp|enr|s\.?e\.?n\.?c|obnl)\b\.?\)?\s*$", re.IGNORECASE)


def bare_name(text: str) -> str:
    """The name as typed without a leading administrative prefix or article and without a trailing
    legal form: "Municipalité de La Sarre" → "La Sarre", "Le Rift" → "Rift", "Atelier X Inc." →
    "Atelier X". Unlike ``core`` it keeps the inner words and accents: a text for a prefix search."""
    text = " ".join(text.split())
    m = _LEAD.match(text)
    out = text[m.end():] if m and len(text) > m.end() + 2 else text
    out = _TRAIL_LEGAL.sub("", out).strip(" ,")
    return out or text


def compound_initials(text: str) -> str:
    """The name with each hyphenated compound replaced by its initials: "en Abitibi-Témiscamingue"
    → "en A-T". Lets "Festival … en A-T" meet its full label."""

    def repl(m: re.Match[str]) -> str:
        parts = [p for p in re.split(r"[-‑–]", m.group(0)) if p]
        return "-".join(p[0] for p in parts)

    return re.sub(r"\w+(?:[-‑–]\w+)+", repl, text.translate(_APOS))


def acronym(text: str) -> str:
    """Initials of the words of a name, function words skipped ("UQAT", "OBNL")."""
    return "".join(t[0] for t in fold(text).split() if t not in STOPWORDS)


def looks_like_acronym(text: str) -> bool:
    stripped = re.sub(r"[\s.\-]", "", text)
    return 2 <= len(stripped) <= 8 and stripped.isalpha() and stripped.isupper()


def split_qualifier(text: str) -> tuple[str, str]:
    """"Ville-Marie (Témiscamingue)" → ("Ville-Marie", "Témiscamingue"); "Hearst, ON" → ("Hearst", "ON")."""
    text = " ".join(text.split())
    m = _PAREN.match(text)
    if m and m.group("main"):
        return m.group("main").strip(" ,"), " ".join((m.group("qual") + " " + m.group("rest")).split())
    if "," in text:
        main, _, qual = text.partition(",")
        if main.strip() and qual.strip():
            return main.strip(), qual.strip()
    return text.strip(), ""


def name_parts(text: str, *, qualifiers: bool = True) -> tuple[str, ...]:
    """The name and the names it is made of: "Cité de l'Or - Village minier" → both halves too,
    "Le Nord (journal)" → "Le Nord" too (unless ``qualifiers`` is false: on a wiki's side the
    parenthesis is what tells homonyms apart). The first element is always the whole cleaned name."""
    text = " ".join(text.split())
    out = [text]
    main, qual = split_qualifier(text)
    if qualifiers and qual and "(" in text:
        out.append(main)
    for sep in (" - ", " – ", " — ", " / ", " | ", ": "):
        if sep in text:
            out.extend(p.strip() for p in text.split(sep) if len(p.strip()) > 2)
    return tuple(dict.fromkeys(p for p in out if p))


# --- websites ---------------------------------------------------------------------------------------

def url_key(url: str) -> tuple[str, str] | None:
    """(host without www., path without language segments and trailing slash); None if not a URL."""
    url = url.strip()
    if not url or " " in url or "." not in url:
        return None
    if url.lower().startswith("mailto:"):
        return None
    if "://" not in url:
        url = "http://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if "." not in host:
        return None
    segments = [s for s in parts.path.lower().split("/") if s and s not in LANGUAGE_SEGMENTS]
    return host, "/".join(segments)


def url_variants(url: str) -> tuple[str, ...]:
    """The spellings a wiki is likely to store for the same site (exact lookups by value)."""
    key = url_key(url)
    if key is None:
        return ()
    host, path = key
    tail = f"/{path}/" if path else "/"
    out = []
    for scheme in ("https", "http"):
        for www in ("www.", ""):
            out.append(f"{scheme}://{www}{host}{tail}")
            if path:
                out.append(f"{scheme}://{www}{host}/{path}")
    return tuple(dict.fromkeys(out))


# --- identifiers ----------------------------------------------------------------------------------

_ID_URL_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?[\w.-]+\.\w+/(?:[\w-]+/)*", re.IGNORECASE)


# A scheme name typed before the value: "ISNI 0000 0001 …", "VIAF: 123", "ORCID:0000-…".
_ID_LABEL = re.compile(r"^[A-Za-z]{2,12}\s*[:#]\s*(?=\S)|^[A-Za-z]{2,12}\s+(?=[\dXx][\dXx\s\-]*$)")


def strip_identifier(value: str) -> str:
    """The identifier without what volunteers type around it: a URL prefix (a trailing slash
    included: "facebook.com/Name/"), a scheme name ("ISNI …"), a leading '@'."""
    value = value.strip()
    if "/" in value:
        value = _ID_URL_PREFIX.sub("", value.rstrip("/")).strip("/")
    elif "://" not in value:
        value = _ID_LABEL.sub("", value)
    return value.lstrip("@").strip()


def identifier_key(value: str) -> str:
    """Comparison key of an external identifier: no URL prefix or scheme name, spaces, dashes, '@',
    case."""
    return re.sub(r"[\s\-@./]", "", strip_identifier(value)).lower()


def identifier_variants(value: str, pattern: str | None = None) -> tuple[str, ...]:
    """Spellings to look an identifier up by: as typed, without a URL prefix, compact, and grouped by
    four (ISNI on Wikidata). With ``pattern`` (the property's format regex, P1793), only those that
    fit it."""
    value = value.strip()
    bare = strip_identifier(value)
    compact = re.sub(r"[\s\-]", "", bare)
    # Grouped by four: how Wikidata stores ISNI (16 characters, digits and a final check X).
    grouped = (" ".join(compact[i:i + 4] for i in range(0, 16, 4)) if re.fullmatch(r"\d{15}[\dXx]", compact)
               else compact)
    variants = tuple(dict.fromkeys(v for v in (value, bare, compact, grouped) if v))
    if pattern:
        try:
            rx = re.compile(pattern)
        except re.error:
            return variants
        fitting = tuple(v for v in variants if rx.fullmatch(v))
        return fitting or variants
    return variants


# --- larger-area hints (province) -----------------------------------------------------------------

# Canadian province and territory names by postal abbreviation and postal-code first letter, and by
# telephone area code (North American Numbering Plan). Public, stable tables; they turn "Hearst, ON",
# "705-555-0117" or "J9X 4N5" into the name of a province, compared with the labels of a candidate's
# administrative ancestors — so no identifier of any wiki is written here.
PROVINCE_ABBREVIATIONS = {
    "qc": "Québec", "que": "Québec", "pq": "Québec", "on": "Ontario", "ont": "Ontario",
    "ab": "Alberta", "alb": "Alberta", "alta": "Alberta", "sk": "Saskatchewan", "sask": "Saskatchewan",
    "mb": "Manitoba", "man": "Manitoba", "bc": "British Columbia", "cb": "Colombie-Britannique",
    "nb": "New Brunswick", "ns": "Nova Scotia", "ne": "Nouvelle-Écosse", "pe": "Prince Edward Island",
    "nl": "Newfoundland and Labrador", "yt": "Yukon", "nt": "Northwest Territories", "nu": "Nunavut",
}
POSTAL_LETTERS = {
    "G": "Québec", "H": "Québec", "J": "Québec", "K": "Ontario", "L": "Ontario", "M": "Ontario",
    "N": "Ontario", "P": "Ontario", "T": "Alberta", "S": "Saskatchewan", "R": "Manitoba",
    "V": "British Columbia", "E": "New Brunswick", "B": "Nova Scotia", "C": "Prince Edward Island",
    "A": "Newfoundland and Labrador", "Y": "Yukon", "X": "Northwest Territories",
}
AREA_CODES = {
    **dict.fromkeys(["418", "581", "367", "450", "579", "354", "514", "438", "263", "819", "873", "468"], "Québec"),
    **dict.fromkeys(["705", "249", "683", "613", "343", "753", "416", "647", "437", "905", "289", "365", "742", "519", "226", "548", "382", "807"],
                    "Ontario"),
    **dict.fromkeys(["403", "587", "780", "825", "368"], "Alberta"),
    **dict.fromkeys(["306", "639", "474"], "Saskatchewan"),
    **dict.fromkeys(["204", "431", "584"], "Manitoba"),
    **dict.fromkeys(["604", "778", "236", "250", "672"], "British Columbia"),
    "506": "New Brunswick", "902": "Nova Scotia", "782": "Nova Scotia", "709": "Newfoundland and Labrador",
    "867": "Yukon",
}
_PHONE = re.compile(r"(?:\+?1[\s.\-]?)?\(?(\d{3})\)?[\s.\-]?\d{3}[\s.\-]?\d{4}")
_POSTAL = re.compile(r"\b([A-Z])\d[A-Z]\s?\d[A-Z]\d\b")


def area_from_phone(text: str) -> str | None:
    m = _PHONE.search(text or "")
    return AREA_CODES.get(m.group(1)) if m else None


def area_from_postal_code(text: str) -> str | None:
    m = _POSTAL.search((text or "").upper())
    return POSTAL_LETTERS.get(m.group(1)) if m else None


def expand_area(text: str) -> str:
    """"Ont." → "Ontario"; anything else unchanged."""
    return PROVINCE_ABBREVIATIONS.get(fold(text).replace(" ", ""), text)


def area_matches(hint: str, name: str) -> bool:
    """Whether a place hint ("Ont.", "Témiscamingue", "ON") names ``name`` (a label or alias):
    equal after folding, or a prefix of it of at least two letters."""
    h, n = core(expand_area(hint)), core(name)
    if not h or not n:
        return False
    return h == n or (len(h) >= 3 and n.startswith(h))


# --- shorter names for a prefix search -------------------------------------------------------------

_BREAK = re.compile(r"[\s\-‑–]+")


def first_word(text: str) -> str:
    words = fold(text).split()
    return words[0] if words else ""


def _trimmed_prefix(cut: str) -> str:
    """``cut`` without trailing function words and punctuation."""
    words = cut.split()
    while words and fold(words[-1]) in STOPWORDS:
        words.pop()
    return " ".join(words).rstrip(" -'’,.")


def _distinctive(prefix: str, folded: str, generic: frozenset[str]) -> bool:
    """A prefix worth a search: ≥ 3 letters; one word only if ≥ 4 letters (or an acronym), not a
    function word and not a word that starts many names of the sheet."""
    tokens = folded.split()
    if len(tokens) == 1 and (len(tokens[0]) < 4 and not looks_like_acronym(prefix)
                             or tokens[0] in STOPWORDS or tokens[0] in generic):
        return False
    return len(folded.replace(" ", "")) >= 3


def _drops_place_or_legal_form(rest_text: str, place_f: str) -> bool:
    """True when what the prefix leaves out is the place name (or its abbreviation: a prefix of it,
    ≥ 3 letters) or a legal form."""
    rest = [t for t in fold(rest_text).split() if t not in STOPWORDS]
    if not rest:
        return False
    drops_place = bool(place_f) and (
        " ".join(rest) == place_f
        or len(rest) == 1 and len(rest[0]) >= 3 and place_f.replace(" ", "").startswith(rest[0]))
    return drops_place or all(t in LEGAL_SUFFIXES for t in rest)


def shorter_names(text: str, *, place: str = "", generic: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Texts for more prefix searches when the whole name found nothing plausible, best first.

    A prefix search (``wbsearchentities``) misses a label when the row's text goes on past it or
    differs after some point: a hyphen typed as a space ("Salle Felix Leclerc" / "Salle Félix-Leclerc"),
    the town added ("Sigle Ville" / alias "Sigle"), an abbreviated ending, a legal form. Each break
    (space or hyphen) gives a shorter prefix; the one that drops a trailing place name (or its
    abbreviation: a prefix of it, ≥ 3 letters) or legal form comes first, then the others longest
    first. A prefix ending in a function word is cut before it; a one-word prefix is kept only if it
    is distinctive: ≥ 4 letters, not a function word, not in ``generic`` (words that start many names
    of the same sheet: "Festival", "Salle"…).
    """
    text = " ".join(text.split())
    place_f = fold(split_qualifier(place)[0]) if place else ""
    cuts = [text[: m.start()] for m in _BREAK.finditer(text)]
    out: list[str] = []
    preferred: list[str] = []
    whole = fold(text)
    for cut in reversed(cuts):  # longest first
        prefix = _trimmed_prefix(cut)
        folded = fold(prefix)
        if not folded or folded == whole or not _distinctive(prefix, folded, generic):
            continue
        (preferred if _drops_place_or_legal_form(text[len(cut):], place_f) else out).append(prefix)
    return tuple(dict.fromkeys([*preferred, *out]))


# --- names of people --------------------------------------------------------------------------------

# Words after a person's name that say which of two namesakes of one family is meant (père/fils,
# Jr/Sr…), by their normalised meaning: the elder or the younger. Roman numerals are kept as they are.
GENERATION_WORDS = {
    "pere": "aîné", "sr": "aîné", "senior": "aîné", "aine": "aîné", "snr": "aîné",
    "fils": "cadet", "jr": "cadet", "junior": "cadet", "cadet": "cadet", "jnr": "cadet", "fille": "cadet",
    "mere": "aîné",
}
ROMAN_GENERATIONS = frozenset(["ii", "iii", "iv"])
# Titles typed before a name; they say nothing about who the person is.
HONORIFICS = frozenset(["m", "mme", "mlle", "me", "dr", "dre", "mr", "mrs", "ms", "pr", "sir", "abbe", "soeur",
                        "frere", "pere"])


@dataclass(frozen=True)
class PersonName:
    """A person's name as matching compares it: the words in natural order (given names first),
    folded, hyphens as spaces, titles dropped; and the generation word (père/fils, Jr/Sr, II)."""

    words: tuple[str, ...]
    generation: str = ""
    reordered: bool = False  # written « Nom, Prénom »

    @property
    def family(self) -> str:
        return self.words[-1] if self.words else ""


def _generation(words: list[str]) -> tuple[list[str], str]:
    if len(words) > 2 and words[-1] in GENERATION_WORDS:
        return words[:-1], GENERATION_WORDS[words[-1]]
    if len(words) > 2 and words[-1] in ROMAN_GENERATIONS:
        return words[:-1], words[-1]
    return words, ""


def person_name(text: str) -> PersonName:
    """« Béland, Marc-André » → (marc andre beland); « Jean Tremblay fils » → (jean tremblay, cadet)."""
    text = " ".join(text.translate(_APOS).split())
    main, _, rest = text.partition(",")
    rest_words = fold(rest).split()
    reordered = False
    generation = ""
    if rest_words and all(w in GENERATION_WORDS or w in ROMAN_GENERATIONS for w in rest_words):
        text = f"{main} {rest}"  # « Jean Tremblay, Jr. »
    elif rest_words:
        main_words, generation = _generation(fold(main).split() + ["x"])  # « Tremblay fils, Jean »
        if generation:
            main = " ".join(main_words[:-1])
        text, reordered = f"{rest} {main}", True
    words = fold(text).split()
    while len(words) > 2 and words[0] in HONORIFICS and len(words[1]) > 1:  # « M. J. Roy »: initials
        words = words[1:]
    words, gen = _generation(words)
    return PersonName(tuple(words), generation or gen, reordered)


def without_title(text: str) -> str:
    """« Mme Julie Gagnon » → « Julie Gagnon » (as typed otherwise); « M. J. Roy » unchanged."""
    words = text.split()
    while len(words) > 2 and fold(words[0]) in HONORIFICS and len(fold(words[1])) > 1:
        words = words[1:]
    return " ".join(words)


def initials_family(text: str) -> str:
    """The family name of a name whose given names are initials (« M.-A. Béland » → « beland »,
    folded, for a full-text search); "" for any other name."""
    words = person_name(natural_order(text)).words
    k = next((i for i, w in enumerate(words) if len(w) > 1), len(words))
    return " ".join(words[k:]) if k and words[k:] else ""


def natural_order(text: str) -> str:
    """« Béland, Marc-André » → « Marc-André Béland » (as typed otherwise); other names unchanged."""
    main, sep, rest = text.partition(",")
    if not sep or not rest.strip() or not main.strip():
        return text
    if all(w in GENERATION_WORDS or w in ROMAN_GENERATIONS for w in fold(rest).split()):
        return text
    return f"{rest.strip()} {main.strip()}"


def _initials_fit(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    """Whether given names written as initials (``short``: "m", "a") fit ``full`` ("marc", "andre")."""
    if not short or len(short) > len(full):
        return False
    return all(len(s) == 1 and f.startswith(s) for s, f in zip(short, full, strict=False))


def compare_person_names(a: PersonName, b: PersonName) -> tuple[float, str]:
    """Similarity 0–1 of two people's names and how it was reached. Equal names are 1.0; the same
    words in another order (« Nom, Prénom ») 0.97; initials for given names (« M.-A. Béland ») 0.86;
    a missing middle name or one half of a double family name (« Geneviève Lachapelle ») 0.86; any
    one letter off in one word (Julie / Julien, a typo or a namesake: both happen) 0.78 — at most a
    REVIEW; any other difference at most 0.6."""
    if not a.words or not b.words:
        return 0.0, ""
    same = _same_words(a, b)
    if same is not None:
        return same
    close = _close_words(a, b)
    if close is not None:
        return close
    sa, sb = set(a.words), set(b.words)
    if a.words[0] == b.words[0] and (sa < sb or sb < sa) and len(sa & sb) >= 2:
        return 0.86, "nom de famille partiel"
    return 0.6 * _overlap(sa, sb), "autre nom"


def _same_words(a: PersonName, b: PersonName) -> tuple[float, str] | None:
    """The same name written another way: equal, other order, other spacing, initials."""
    if a.words == b.words:
        return 1.0, "égal"
    if sorted(a.words) == sorted(b.words):
        return 0.97, "mêmes mots, autre ordre"
    if "".join(a.words) == "".join(b.words):
        return 0.97, "égal sauf les espaces"
    if _initials_for_given(a.words, b.words) or _initials_for_given(b.words, a.words):
        return 0.86, "initiales du prénom"
    return None


def _close_words(a: PersonName, b: PersonName) -> tuple[float, str] | None:
    """A given name more or less, or one letter off in one word."""
    if a.family == b.family:
        ga, gb = a.words[:-1], b.words[:-1]
        if ga and gb and (set(ga) <= set(gb) or set(gb) <= set(ga)):
            return 0.86, "un prénom de plus ou de moins"
    if len(a.words) == len(b.words):
        differing = [(x, y) for x, y in zip(a.words, b.words, strict=True) if x != y]
        if len(differing) == 1 and min(map(len, differing[0])) >= 4 and _one_edit(*differing[0]):
            return 0.78, "une lettre de différence"
    return None


def _initials_for_given(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    """« M.-A. Béland » / « A. Michaud-Bouchard »: leading initials, then the other name's last words."""
    k = next((i for i, w in enumerate(short) if len(w) > 1), len(short))
    rest = short[k:]
    if not k or not rest or len(rest) >= len(full):
        return False
    head, tail = full[: len(full) - len(rest)], full[len(full) - len(rest):]
    return tail == rest and _initials_fit(short[:k], head)


def _one_edit(a: str, b: str) -> bool:
    """One letter changed, added, dropped, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(len(a | b), 1)


def generations_differ(a: PersonName, b: PersonName) -> bool:
    """Both names say which generation, and not the same one (père / fils, Sr / Jr, II / III)."""
    return bool(a.generation and b.generation and a.generation != b.generation)
