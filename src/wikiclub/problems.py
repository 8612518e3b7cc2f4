"""How people read a problem's severity and kind: « erreur — colonne absente », not « error missing-column ».

An :class:`~wikiclub.model.Issue` keeps machine codes (``severity`` ``"error"``, ``problem``
``"missing-column"``): files that programs read (``records.jsonl``, the report's code column) keep
them as they are. Everything a person reads — the terminal, ``problems.xlsx``/``.csv`` — shows the
words below, in French by default or in English (``--lang en``), with the code in its own column.
``tests/test_french.py`` checks that every code the sheets stage raises has its words here.
"""

from __future__ import annotations

SEVERITIES: dict[str, tuple[str, str]] = {  # code → (French, English)
    "error": ("erreur", "error"),
    "warning": ("avertissement", "warning"),
    "info": ("info", "info"),
}

PROBLEMS: dict[str, tuple[str, str]] = {  # code → (French, English)
    "ambiguous-date": ("date ambiguë", "ambiguous date"),
    "ambiguous-number": ("nombre ambigu", "ambiguous number"),
    "bad-checksum": ("clé de contrôle incorrecte", "wrong check digit"),
    "bad-coordinate": ("coordonnées non reconnues", "unrecognised coordinates"),
    "bad-date": ("date non reconnue", "unrecognised date"),
    "bad-email": ("courriel invalide", "invalid e-mail address"),
    "bad-format": ("format non respecté", "format not respected"),
    "bad-item-id": ("identifiant d'élément invalide", "invalid item id"),
    "bad-language": ("code de langue invalide", "invalid language code"),
    "bad-phone": ("téléphone invalide", "invalid phone number"),
    "bad-quantity": ("nombre non reconnu", "unrecognised number"),
    "bad-url": ("adresse web invalide", "invalid URL"),
    "cell-count": ("nombre de cellules inattendu", "unexpected number of cells"),
    "circa-date": ("date approximative", "approximate (circa) date"),
    "death-before-birth": ("décès avant la naissance", "death before birth"),
    "derived-shadows-column": ("colonne dérivée masquant une colonne", "derived column hides a column"),
    "duplicate-column": ("colonne en double", "duplicate column"),
    "encoding-guess": ("encodage deviné", "encoding guessed"),
    "excel-serial-date": ("date Excel en nombre", "Excel serial date"),
    "extra-cells": ("cellules hors colonnes", "cells outside the columns"),
    "formula-no-value": ("formule sans valeur", "formula without a value"),
    "formula-text": ("formule au lieu d'un texte", "formula instead of text"),
    "future-date": ("date dans le futur", "date in the future"),
    "half-coordinate": ("coordonnée incomplète", "half a coordinate"),
    "id-from-url": ("identifiant tiré d'une adresse", "identifier taken from a URL"),
    "impossible-date": ("date impossible", "impossible date"),
    "isni-checksum": ("clé ISNI incorrecte", "ISNI check digit"),
    "latitude-out-of-range": ("latitude hors limites", "latitude out of range"),
    "longitude-out-of-range": ("longitude hors limites", "longitude out of range"),
    "missing-column": ("colonne absente", "missing column"),
    "missing-label": ("nom manquant", "missing label"),
    "missing-value": ("valeur obligatoire manquante", "missing required value"),
    "mixed-encoding": ("encodage mélangé", "mixed encodings"),
    "mojibake": ("caractères mal décodés", "mojibake (garbled characters)"),
    "multi-line": ("valeur sur plusieurs lignes", "multi-line value"),
    "no-data": ("aucune donnée", "no data"),
    "no-match": ("motif sans correspondance", "pattern does not match"),
    "no-focus-item": ("pas de liste de suivi", "no focus-list item"),
    "not-really-csv": ("pas vraiment un CSV", "not really a CSV"),
    "note-row": ("ligne de note", "note row"),
    "outside-bounds": ("hors des bornes", "outside the bounds"),
    "outside-regions": ("hors des régions du WikiProjet", "outside the WikiProject's regions"),
    "phone-extension": ("poste téléphonique", "phone extension"),
    "phone-no-area-code": ("indicatif régional manquant", "area code missing"),
    "regex-unsupported": ("format non vérifiable", "format not checkable"),
    "scheme-added": ("https:// ajouté", "scheme added"),
    "single-value": ("une seule valeur permise", "single value expected"),
    "too-long": ("trop long", "too long"),
    "too-old": ("âge invraisemblable", "implausible age"),
    "two-digit-year": ("année à deux chiffres", "two-digit year"),
    "unexpected-text": ("texte inattendu", "unexpected text"),
    "unknown-property": ("propriété inconnue", "unknown property"),
    "unknown-scheme": ("identifiant non reconnu", "unrecognised identifier scheme"),
    "unknown-value": ("valeur inconnue", "unknown value"),
    "unsupported-datatype": ("type de données non pris en charge", "unsupported datatype"),
}


def severity_words(severity: str, language: str = "fr") -> str:
    """« erreur », « avertissement », « info » (or the English words)."""
    pair = SEVERITIES.get(severity)
    return severity if pair is None else pair[0 if language != "en" else 1]


def problem_words(problem: str, language: str = "fr") -> str:
    """The kind of problem in words; a code without words (added elsewhere since) is shown as it is."""
    pair = PROBLEMS.get(problem)
    return problem if pair is None else pair[0 if language != "en" else 1]
