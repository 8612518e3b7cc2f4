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
# Legal forms, folded (dots of an initialism removed: « S.E.N.C.R.L. » → "sencrl"); optional words
# when two names are compared (dropped at the end of a name; the few that also open one, at its
# start). Sources (docs/reconciliation.md, « Sources des règles »): Loi canadienne sur les sociétés
# par actions, art. 10 (Limitée, Limited, Incorporée, Incorporated, Corporation, Ltée, Ltd., Inc.,
# Corp.); Loi sur les sociétés par actions (Québec); Code civil du Québec and Code des professions
# (S.E.N.C., S.E.N.C.R.L., S.E.C.); Loi sur les coopératives du Québec (« coopérative », « coop » in
# the name); Loi sur la publicité légale des entreprises (« enr. », enregistrée); the usual « Cie »
# (compagnie, « & Cie ») and « OBNL » / « OSBL » (organisme à / sans but lucratif); English LLC, LLP,
# PLC.
LEGAL_SUFFIXES = frozenset([
    "inc", "incorporated", "incorporee", "ltee", "limitee", "ltd", "limited", "llc", "llp", "plc", "corp",
    "corporation", "co", "cie", "enr", "enrg", "senc", "sencrl", "sec", "srl", "sarf", "coop", "cooperative",
    "obnl", "osbl",
])
LEGAL_PREFIXES = frozenset(["corporation", "corp", "coop", "cooperative"])
# Abbreviations of Quebec place names, Commission de toponymie du Québec (« St » Saint, « Ste »
# Sainte, « Sts » Saints, « Stes » Saintes, « N.-D. » Notre-Dame): expanded in the core form.
SAINT_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
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


_INITIALISM = re.compile(r"(?<!\w)(?:[^\W\d_]\.){2,}(?:[^\W\d_](?!\w))?")
_NOTRE_DAME = re.compile(r"(?<!\w)N\.?\s?[-‑–]\s?D\.?(?!\w)", re.IGNORECASE)


def join_initialisms(text: str) -> str:
    """« C.L.S.C. » → « CLSC », « S.E.N.C.R.L. » → « SENCRL »: an initialism with dots written as one
    word (the letters of « N.-D. », « R.-N. » stay apart: a hyphen shows a compound's initials)."""
    return _INITIALISM.sub(lambda m: m.group(0).replace(".", ""), text)


# Abbreviated words of organisations' names (sources in docs/reconciliation.md, « Sources des
# règles »: the Office québécois de la langue française, Banque de dépannage linguistique, « Liste
# d'abréviations » and « Contractions »): a word cut after a consonant and followed by a dot (« Bibl. »,
# « Soc. », « Assoc. »), or a contraction keeping the first and last letters (« ctre », « dépt »).
# Keys folded; the value is the word spelt out (an adjective in the form a feminine noun before it
# takes — « Bibl. mun. » — the other forms meet it as a prefix, see ``abbreviated_words``). Other
# dotted words are not expanded: scoring matches them as the start of the candidate's word.
WORD_ABBREVIATIONS = {
    "admin": "administration", "assoc": "association", "bibl": "bibliothèque", "biblio": "bibliothèque",
    "ctre": "centre", "cult": "culturelle", "dep": "département", "dept": "département", "dir": "direction",
    "educ": "éducation", "expo": "exposition", "fed": "fédération", "fest": "festival", "fond": "fondation",
    "gouv": "gouvernement", "hist": "histoire", "inst": "institut", "int": "internationale",
    "intern": "internationale", "internat": "internationale", "min": "ministère", "mun": "municipale",
    "mus": "musée", "nat": "nationale", "org": "organisme", "prov": "provinciale", "reg": "régionale",
    "serv": "service", "soc": "société", "univ": "université",
}
# Contractions written without a dot (OQLF: a contraction takes none): expanded wherever they stand.
CONTRACTIONS = frozenset(["ctre", "dept", "bibl"])
_DOTTED_WORD = re.compile(r"(?<![\w.])([^\W\d_]{2,})\.(?!\w)")
_CONTRACTED = re.compile(r"(?<![\w.])(" + "|".join(sorted(CONTRACTIONS)) + r")(?![\w])", re.IGNORECASE)


def expand_abbreviations(text: str) -> str:
    """« Bibl. mun. d'Amos » → « bibliothèque municipale d'Amos », « CTRE D'ART » → « centre D'ART »
    (``WORD_ABBREVIATIONS``); « Mun. » opening a name is the designation « Municipalité »; other
    dotted words are left as typed."""
    def spelt(m: re.Match[str]) -> str:
        key = fold(m.group(1))
        if key == "mun" and not text[: m.start()].strip():
            return "Municipalité"
        return WORD_ABBREVIATIONS.get(key, m.group(0))

    text = _DOTTED_WORD.sub(spelt, text)
    return _CONTRACTED.sub(lambda m: WORD_ABBREVIATIONS[fold(m.group(1))], text)


def abbreviated_words(text: str) -> frozenset[str]:
    """The folded words of ``text`` written shortened (a dotted word, a contraction) and, spelt out,
    the words they stand for: scoring lets such a word meet a candidate's word it starts, or that
    starts it (« théât. » / « théâtre », « municipale » / « municipal »)."""
    out: set[str] = set()
    for m in _DOTTED_WORD.finditer(join_initialisms(text)):
        key = fold(m.group(1))
        if key not in LEGAL_SUFFIXES and key not in SAINT_ABBREVIATIONS:
            out.add(fold(WORD_ABBREVIATIONS.get(key, key)))
    out.update(fold(WORD_ABBREVIATIONS[fold(m.group(1))]) for m in _CONTRACTED.finditer(text))
    return frozenset(out)


def _expand_saints(tokens: list[str]) -> list[str]:
    """Commission de toponymie's abbreviations: "st" → "saint", "n d" (« N.-D. ») → "notre dame"."""
    out: list[str] = []
    for t in tokens:
        out.append(SAINT_ABBREVIATIONS.get(t, t))
    return out


@lru_cache(maxsize=65536)
def core(text: str) -> str:
    """The distinctive words of a name: folded, without articles, admin prefixes or legal forms;
    initialisms with dots joined (« C.L.S.C. » = « CLSC »), « St-/Ste-/N.-D. » and abbreviated words
    (``WORD_ABBREVIATIONS``: « Bibl. », « ctre ») expanded."""
    tokens = _expand_saints(fold(_NOTRE_DAME.sub("Notre-Dame", expand_abbreviations(join_initialisms(text)))).split())
    for prefix in ADMIN_PREFIXES:
        words = prefix.split()
        if len(tokens) > len(words) and tokens[: len(words)] == words:
            tokens = tokens[len(words):]
            break
    while len(tokens) > 1 and tokens[-1] in LEGAL_SUFFIXES:
        tokens.pop()
    while len(tokens) > 1 and tokens[0] in LEGAL_PREFIXES:
        tokens.pop(0)
    kept = [t for t in tokens if t not in STOPWORDS and not _YEAR.fullmatch(t)]
    return " ".join(kept or tokens)


_LEAD = re.compile(r"^(?:(?:ville|municipalit[ée]|city|town|township|village)\s+(?:of\s+|de\s+|d['’]\s*|du\s+|des\s+)"
                   r"|(?:le|la|les|the)\s+|l['’]\s*)", re.IGNORECASE)
_TRAIL_LEGAL = re.compile(r"[\s,]*\(?(?:[&+]\s*|\bet\s+)?\b(?:inc|incorporated|incorpor[ée]e|lt[ée]e|limit[ée]e|ltd|limited|llc|llp"
                          r"|corp|corporation|enr|enrg|cie|co|coop|coop[ée]rative|s\.?e\.?n\.?c(?:\.?r\.?l)?|s\.?e\.?c"
                          r"|obnl|osbl)\b\.?\)?\s*$", re.IGNORECASE)


def bare_name(text: str) -> str:
    """The name as typed without a leading administrative prefix or article and without a trailing
    legal form: "Municipalité de La Sarre" → "La Sarre", "Le Rift" → "Rift", "Atelier X Inc." →
    "Atelier X". Unlike ``core`` it keeps the inner words and accents: a text for a prefix search."""
    text = " ".join(text.split())
    m = _LEAD.match(text)
    out = text[m.end():] if m and len(text) > m.end() + 2 else text
    out = _TRAIL_LEGAL.sub("", out).strip(" ,")
    return out or text


def without_legal_form(text: str) -> str:
    """The name without a trailing legal form (« Atelier X, S.E.N.C.R.L. », « X & Cie », « X inc. » →
    « Atelier X », « X »); as typed otherwise. A legal form is not part of the name the thing is known
    by (the Quebec and federal acts make it an optional element of a corporate name)."""
    out = _TRAIL_LEGAL.sub("", " ".join(text.split())).strip(" ,")
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
    "Le Nord (journal)" → "Le Nord" and "Le Nord inc." → "Le Nord" too (unless ``qualifiers`` is
    false: on a wiki's side the parenthesis is what tells homonyms apart, and a label keeps its legal
    form). The first element is always the whole cleaned name."""
    text = " ".join(text.split())
    out = [text]
    main, qual = split_qualifier(text)
    if qualifiers and qual and "(" in text:
        out.append(main)
    if qualifiers:  # « Le Nord, & Cie » → « Le Nord » too: the name it is known by (``without_legal_form``)
        out.append(without_legal_form(text))
        out.append(join_initialisms(text).strip())  # « F.M.E. » → « FME »: as a wiki stores a short name
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
    if segments and _HOME_PAGE.fullmatch(segments[-1]):  # « x.org/accueil.php »: the site's root page
        segments.pop()
    return host, "/".join(segments)


# The file a web server shows for a site's root (« index.html », « default.aspx ») and the names sites
# give their home page (« accueil.php », « home.html »): the page is the site itself.
_HOME_PAGE = re.compile(r"(?:index|default|accueil|home|main|welcome|bienvenue)"
                        r"(?:\.(?:html?|shtml|php\d?|aspx?|jsp|cfm))?")


# Public suffixes of two labels under which a name is registered (Public Suffix List,
# publicsuffix.org: the Canadian provincial domains and the common second-level domains of a few
# countries): "festival.qc.ca" is registrable, "qc.ca" is not.
SECOND_LEVEL_SUFFIXES = frozenset([
    "ab.ca", "bc.ca", "mb.ca", "nb.ca", "nf.ca", "nl.ca", "ns.ca", "nt.ca", "nu.ca", "on.ca", "pe.ca", "qc.ca",
    "sk.ca", "yk.ca", "gc.ca", "co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "org.au", "co.nz", "org.nz",
    "com.br", "co.jp",
])
# Pages that present the site's owner itself (« à propos », contact…): a link to one of them names
# the same organisation as the site's root.
SITE_PAGES = frozenset([
    "a-propos", "apropos", "a_propos", "about", "about-us", "aboutus", "qui-sommes-nous", "nous", "contact",
    "contacts", "contactez-nous", "nous-joindre", "joindre", "mission", "notre-mission", "historique",
    "notre-histoire", "histoire", "history", "equipe", "notre-equipe", "team", "our-team",
])


def registrable_domain(host: str) -> str:
    """"billets.festival.qc.ca" → "festival.qc.ca"; "www.x.org" (already without www.) → "x.org"."""
    labels = host.lower().split(".")
    n = 3 if len(labels) >= 3 and ".".join(labels[-2:]) in SECOND_LEVEL_SUFFIXES else 2
    return ".".join(labels[-n:])


def site_page(path: str) -> bool:
    """Whether a URL path (as ``url_key`` gives it) is one page presenting the site's owner."""
    return "/" not in path and unidecode(path.split(".")[0]) in SITE_PAGES


def _spellings(host: str, path: str) -> list[str]:
    tail = f"/{path}/" if path else "/"
    out = []
    for scheme in ("https", "http"):
        for www in ("www.", ""):
            out.append(f"{scheme}://{www}{host}{tail}")
            if path:
                out.append(f"{scheme}://{www}{host}/{path}")
    return out


def url_variants(url: str) -> tuple[str, ...]:
    """The spellings a wiki is likely to store for the same site (exact lookups by value): the URL,
    then its site root (« https://x.org/a-propos » → « https://x.org/ »), then the root of its
    registrable domain (« billets.x.org » → « x.org »)."""
    key = url_key(url)
    if key is None:
        return ()
    host, path = key
    out = _spellings(host, path)
    if path:
        out += _spellings(host, "")
    domain = registrable_domain(host)
    if domain != host:
        out += _spellings(domain, "")
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


# --- municipality cells ---------------------------------------------------------------------------

# What a municipality cell holds besides the name (sources in docs/reconciliation.md, « Sources des
# règles »):
# * designations written before the name, spelt out or abbreviated as the Commission de toponymie du
#   Québec and the Répertoire des municipalités (ministère des Affaires municipales) write them:
#   « Mun. » / « M. » municipalité, « V. » ville, « Cant. » / « CT » canton, « Par. » / « P. »
#   paroisse, « VL » village, « CU » cité; the same codes, or the words, in parentheses after it;
# * province and country qualifiers: Canada Post's two-letter symbols (QC, ON…), the traditional
#   abbreviations (Qué., Ont., P.Q.) and the names (``PROVINCE_ABBREVIATIONS``, ``PROVINCE_NAMES``);
# * a full postal address: street number, street type (Canada Post's list of street types in French
#   and English, Canadian Addressing Guide), postal box, postal code.
DESIGNATIONS = frozenset([
    "municipalite", "mun", "m", "ville", "v", "canton", "cant", "ct", "paroisse", "par", "p", "village", "vl",
    "cite", "cu", "sd", "municipalite de canton", "municipalite de paroisse", "municipalite de village",
    "canton uni", "cantons unis", "city", "town", "township", "village municipality",
    # the Répertoire des municipalités' other codes: TC / TK terres réservées cries / naskapies, VC / VN
    # village cri / naskapi, TI terre inuite, R réserve indienne, S établissement indien, NO territoire
    # non organisé, VK village nordique
    "tc", "tk", "vc", "vn", "ti", "r", "s", "no", "vk", "municipality", "reserve", "reserve indienne",
    "indian reserve", "terres reservees", "terre inuite", "village nordique", "territoire non organise",
])
PROVINCE_NAMES = frozenset(fold(n) for n in (
    "Québec", "Ontario", "Alberta", "Saskatchewan", "Manitoba", "Colombie-Britannique", "British Columbia",
    "Nouveau-Brunswick", "New Brunswick", "Nouvelle-Écosse", "Nova Scotia", "Île-du-Prince-Édouard",
    "Prince Edward Island", "Terre-Neuve-et-Labrador", "Newfoundland and Labrador", "Yukon",
    "Territoires du Nord-Ouest", "Northwest Territories", "Nunavut"))
COUNTRY_NAMES = frozenset(["canada", "ca", "can"])
STREET_TYPES = frozenset([
    "rue", "avenue", "av", "ave", "boulevard", "boul", "bd", "blvd", "chemin", "ch", "route", "rte", "rang", "rg",
    "montee", "place", "pl", "allee", "impasse", "imp", "cote", "carre", "croissant", "cr", "crois", "promenade",
    "prom", "terrasse", "tsse", "autoroute", "aut", "sentier", "sent", "square", "sq", "quai", "ruelle", "passage",
    "street", "st", "road", "rd", "drive", "dr", "lane", "ln", "way", "court", "crt", "crescent", "cres",
    "highway", "hwy", "circle", "parkway", "pky", "trail", "terrace",
])
# Street types an English address writes after the street's name (« 464 Lakeshore Street », « 12 du
# Lac Rd »; Canada Post, Canadian Addressing Guide, « Street types »). « St » is not among the
# leading ones: before a name it is a saint (« St-Félix »).
TRAILING_STREET_TYPES = frozenset([
    "street", "st", "road", "rd", "drive", "dr", "lane", "ln", "way", "court", "crt", "crescent", "cres",
    "highway", "hwy", "circle", "parkway", "pky", "trail", "terrace", "avenue", "ave", "av", "boulevard", "blvd",
    "bay", "gate", "grove", "heights", "hts", "hill", "line",
])
POSTAL_BOX = re.compile(r"^(?:c\.?\s?p\.?|case postale|b\.?\s?p\.?|p\.?\s?o\.?\s?box|bureau|local|suite|app(?:artement)?"
                        r"|unit[ée]?)\b", re.IGNORECASE)
_POSTAL_CODE = re.compile(r"\b[A-Za-z]\d[A-Za-z][\s-]?\d[A-Za-z]\d\b")
# « Mun. de X », « V. de X », « Ville de X »: a designation that says nothing of which place, dropped.
# The same in English (« Municipality of X », « Town of X »), and the designations of First Nations'
# and Inuit lands in the Répertoire des municipalités (R réserve indienne, TC / TK terres réservées
# cries / naskapies, EI établissement indien; « Reserve of X », « Indian Reserve of X » in English):
# a reserve bears one name, the designation tells no homonym apart.
_LEAD_DESIGNATION = re.compile(
    r"^(?:mun\.?|m\.|ville|v\.|cit[ée]|municipalit[ée]|municipality|city|town"
    r"|(?:indian\s+)?reserve|r[ée]serve(?:\s+indienne)?|terres?\s+r[ée]serv[ée]es(?:\s+(?:cries|naskapies))?"
    r"|[ée]tablissement\s+indien|indian\s+settlement)\s*(?:of\s+|de\s+|d['’]\s*|du\s+|des\s+)",
    re.IGNORECASE)
# « Par. de X », « Cant. de X », « VL de X »: a designation that tells homonyms apart (the parish
# municipality of X is not the town of X), spelt out.
_LEAD_ABBREVIATED = re.compile(r"^(?P<abbr>par\.|p\.|cant\.?|ct\.?|vl\.?)\s*(?=de\s|d['’]|du\s|des\s)", re.IGNORECASE)
_SPELT = {"par": "Paroisse", "p": "Paroisse", "cant": "Canton", "ct": "Canton", "vl": "Village"}
_SPELT_CODES = {**_SPELT, "paroisse": "Paroisse", "canton": "Canton", "village": "Village"}
_SECTOR = re.compile(r"^secteur\s+(?P<part>.+?)\s+(?:de\s+|du\s+|d['’]\s*)(?P<city>.+)$", re.IGNORECASE)
_SAINT = re.compile(r"(?<!\w)(St|Ste|Sts|Stes)\.?(?=[\s\-‑–])", re.IGNORECASE)


@dataclass(frozen=True)
class PlaceCell:
    """A municipality cell read: the name to look for, the provinces or countries it names (a
    mismatch is another place), and the other areas it names (a region, an amalgamated city: hints
    that favour a candidate inside them, never against one)."""

    name: str
    provinces: tuple[str, ...] = ()
    clues: tuple[str, ...] = ()
    postal_province: str = ""


def _qualifier_kind(text: str) -> str:
    """"province", "country", "designation", "postal", "sector" or "" (another area) for a qualifier."""
    f = fold(join_initialisms(text))
    squeezed = f.replace(" ", "")
    if squeezed in PROVINCE_ABBREVIATIONS or f in PROVINCE_NAMES:
        return "province"
    if f in COUNTRY_NAMES:
        return "country"
    if f in DESIGNATIONS or squeezed in DESIGNATIONS:
        return "designation"
    if _POSTAL_CODE.fullmatch(text.strip()):
        return "postal"
    if f.startswith("secteur ") or f.startswith("quartier ") or f.startswith("arrondissement "):
        return "sector"
    return ""


def _address_tail(parts: list[str]) -> list[str]:
    """The parts of a comma-separated address after its street line(s) and postal box."""
    def street(part: str) -> bool:
        words = fold(part).split()
        return bool(words) and (words[0].isdigit() or words[0] in STREET_TYPES and words[0] != "st"
                                or len(words) > 1 and words[0][:1].isdigit() and words[1] in STREET_TYPES
                                or len(words) > 1 and words[-1] in TRAILING_STREET_TYPES
                                or POSTAL_BOX.match(part.strip()) is not None)

    def only_qualifiers(rest: list[str]) -> bool:  # « St-Félix, QC »: the name is never a qualifier
        return all(_qualifier_kind(p) in ("province", "country", "postal") for p in rest)
    k = 0
    while k < len(parts) - 1 and street(parts[k]) and not only_qualifiers(parts[k + 1:]):
        k += 1
    return parts[k:] if k else parts


def _trailing_province(text: str) -> tuple[str, str]:
    """« Amos QC », « Hearst Ont. », « Lévis Québec »: (name, province) when the last space-separated
    word(s) name a province and a name remains; else (text, "")."""
    words = text.split(" ")
    if len(words) > 1 and fold(words[-1]) == "canada":  # « Rouyn-Noranda (Québec) Canada »
        words.pop()
    for n in (3, 2, 1):
        if len(words) > n:
            tail = " ".join(words[-n:])
            head = " ".join(words[:-n]).rstrip(" ,")
            distinctive = [w for w in fold(head).split() if w not in STOPWORDS and w not in DESIGNATIONS]
            if _qualifier_kind(tail) == "province" and distinctive:
                return head, tail
    return " ".join(words), ""


def _sort_qualifiers(quals: list[str], cell: dict[str, list[str]]) -> None:
    for q in quals:
        q = q.strip(" ,.;")
        if not q:
            continue
        kind = _qualifier_kind(q)
        if kind == "postal":
            cell["postal"].append(q)
        elif kind == "province":
            cell["provinces"].append(q)
        elif not kind:
            cell["clues"].append(q)
        elif kind == "designation" and fold(q).replace(" ", "") in _SPELT_CODES:
            cell["designation"].append(_SPELT_CODES[fold(q).replace(" ", "")])
        # a sector (« (secteur X) »: a part of the place), a country, « (ville) », « (M) » say nothing
        # of which place


def expand_place_abbreviations(text: str) -> str:
    """« St-Félix » → « Saint-Félix », « Ste-Anne » → « Sainte-Anne », « N.-D.-du-Nord » →
    « Notre-Dame-du-Nord » (Commission de toponymie du Québec's abbreviations)."""
    full = {"st": "Saint", "ste": "Sainte", "sts": "Saints", "stes": "Saintes"}
    text = _SAINT.sub(lambda m: full[m.group(1).lower()], text)
    return _NOTRE_DAME.sub("Notre-Dame", text)


def place_cell(text: str) -> PlaceCell:
    """Read a municipality cell: « Mun. de St-Félix (Qué.) » → name « Saint-Félix », province
    « Qué. »; « 12, rue X, Amos (Québec) J9T 1A1 » → « Amos »; « Évain, Rouyn-Noranda » → « Évain »
    with the clue « Rouyn-Noranda »; « Ville-Marie (ville) » → « Ville-Marie »."""
    typed = text = " ".join(text.split())
    text = text.translate(_APOS)
    cell: dict[str, list[str]] = {"provinces": [], "clues": [], "postal": [], "designation": []}
    cell["postal"] = _POSTAL_CODE.findall(text)
    text = _POSTAL_CODE.sub("", text).strip(" ,")
    quals = re.findall(r"\(([^()]*)\)", text)
    text = re.sub(r"\s*\([^()]*\)\s*", " ", text).strip(" ,")
    parts = [p.strip() for p in text.split(",") if p.strip()]
    parts = _address_tail(parts) if len(parts) > 1 else parts
    name = parts[0] if parts else text
    quals = parts[1:] + quals
    sector = _SECTOR.match(name)
    if sector:
        name, quals = sector.group("part"), [sector.group("city"), *quals]
    name, province = _trailing_province(name)
    quals.append(province)
    lead = _LEAD_DESIGNATION.match(name)
    if lead and len(name) > lead.end() + 1:
        name = name[lead.end():]
    name = _LEAD_ABBREVIATED.sub(lambda m: _SPELT[m.group("abbr").rstrip(".").lower()] + " ", name)
    _sort_qualifiers(quals, cell)
    if cell["designation"] and not fold(name).startswith(fold(cell["designation"][0])):  # « Senneterre (P) » → « Paroisse de Senneterre »
        name = f"{cell['designation'][0]} de {name}"
    postal = area_from_postal_code(" ".join(cell["postal"])) or ""
    name = expand_place_abbreviations(name.strip(" ,")) or text
    return PlaceCell(typed if fold(name) == fold(typed) else name, tuple(cell["provinces"]),  # as typed
                     tuple(cell["clues"]), postal)
