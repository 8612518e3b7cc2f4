"""French prepositions before a place name: « d'Amos », « du Bic », « aux Escoumins », « de La Sarre ».

Description templates write « artiste {de Municipalité} » or « organisme culturel {à Municipalité} »
(docs/mappings.md, « Descriptions »): the name that fills the placeholder gets its preposition by the
rules the Commission de toponymie du Québec and the OQLF give for names of places
(toponymie.gouv.qc.ca, « Articles et particules de liaison » ; Vitrine linguistique, « Majuscule aux
toponymes administratifs »):

- **de** before a consonant or a semi-consonant (« de Rouyn-Noranda », « de Ouiatchouan »,
  « de Yamachiche »); **d'** before a vowel or a mute h (« d'Amos », « d'Hébertville »);
  **à** is never elided (« à Amos »);
- a name that starts with the article **Le** or **Les** contracts it, which loses its capital:
  « Le Bic » → « du Bic », « au Bic »; « Les Escoumins » → « des Escoumins », « aux Escoumins » —
  except a name that comes from a person's name (« Le Gardeur » → « de Le Gardeur », « à Le Gardeur »);
- **La** and **L'** never contract and keep their capital: « de La Sarre », « à La Sarre »,
  « de L'Islet ».

Two short lists hold what spelling alone cannot tell; they are the module's only judgement calls:
:data:`ASPIRATED_H` (first words whose h is aspirated: no elision, « de Hearst ») and
:data:`PERSON_ARTICLE_NAMES` (names whose Le/Les is a person's). Pure functions, no state.
"""

from __future__ import annotations

import unicodedata

PREPOSITIONS = ("de", "à")

# First words (lower case, without accents) whose h is aspirated: no elision before them. French words
# with an aspirated h that begin place names, and English-origin names of Québec and Ontario that are
# said with an h (« de Hearst », « de Hull »). Any other h is taken as mute (« d'Hébertville »,
# « d'Harricana »).
ASPIRATED_H = frozenset({
    "haut", "haute", "hauts", "hautes", "hameau", "havre", "hetre", "hetres", "halte", "herons",
    "hearst", "hull", "hudson", "huntingdon", "hemmingford", "hampstead", "hatley", "harrington",
    "howick", "hinchinbrooke", "havelock", "hope", "hornepayne", "hamilton", "hawkesbury",
})

# Names starting with Le/Les that come from a person's name: their article does not contract (OQLF).
PERSON_ARTICLE_NAMES = frozenset({"le gardeur", "le moyne"})

_VOWELS = frozenset("aeiou")


def _bare(text: str) -> str:
    """Lower case without accents (« Écureuils » → « ecureuils », « Œuvre » → « oeuvre »)."""
    text = text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae")
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))


def _first_word(bare: str) -> str:
    for i, c in enumerate(bare):
        if not c.isalpha():
            return bare[:i]
    return bare


def elides(name: str) -> bool:
    """Whether « de » becomes « d' » before ``name``: a vowel, or a mute h; not a semi-consonant
    (« Ouiatchouan » [w], « Yamachiche » [j]) nor an aspirated h (:data:`ASPIRATED_H`)."""
    bare = _bare(name.strip())
    if not bare:
        return False
    first, second = bare[0], bare[1:2]
    if first == "h":
        return _first_word(bare) not in ASPIRATED_H
    if first == "y":  # « Ypres » (a vowel) but « Yamachiche » (a semi-consonant)
        return second not in _VOWELS
    if bare.startswith("ou") and bare[2:3] in _VOWELS | {"i"}:  # « Ouiatchouan », « Ouareau »: [w]
        return False
    return first in _VOWELS


def _article(name: str) -> tuple[str, str] | None:
    """(« le » or « les », the rest of the name) when ``name`` starts with an article that contracts."""
    for article in ("les ", "le "):
        if name[:len(article)].lower() == article and name[len(article):].strip():
            if _bare(name).strip() in PERSON_ARTICLE_NAMES:
                return None
            return article.strip(), name[len(article):].lstrip()
    return None


_CONTRACTED = {("de", "le"): "du", ("de", "les"): "des", ("à", "le"): "au", ("à", "les"): "aux"}


def with_preposition(preposition: str, name: str) -> str:
    """``name`` after « de » or « à », elided or contracted as the module docstring says.

    >>> [with_preposition("de", n) for n in ("Amos", "Le Bic", "Les Escoumins", "La Sarre", "L'Islet")]
    ["d'Amos", 'du Bic', 'des Escoumins', 'de La Sarre', "de L'Islet"]
    """
    if preposition not in PREPOSITIONS:
        raise ValueError(f"unknown preposition {preposition!r}")
    name = name.strip()
    found = _article(name)
    if found is not None:
        article, rest = found
        return f"{_CONTRACTED[(preposition, article)]} {rest}"
    if preposition == "de" and elides(name):
        return f"d'{name}"
    return f"{preposition} {name}"


def join_names(names: list[str]) -> str:
    """« A », « A et B », « A, B et C »."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " et " + names[-1]


def split_placeholder(field: str) -> tuple[str, str]:
    """(preposition, column) of a template placeholder: « de Municipalité » → ("de", "Municipalité");
    « Municipalité » → ("", "Municipalité")."""
    for preposition in PREPOSITIONS:
        if field.startswith(preposition + " ") and field[len(preposition) + 1:].strip():
            return preposition, field[len(preposition) + 1:].strip()
    return "", field
