"""Plausibility of one mapped row: values that parse but cannot be true, or are worth a second look.

Pure functions over a row's statements (nothing here reads a sheet or a wiki); :mod:`.rowmap` calls
:func:`check_row` once per row. Errors keep the row out of the batch, warnings do not:

- ``future-date`` (error): a birth, death, inception, dissolution or start date after today — the
  earliest day the value can mean (1975 at year precision: 1 January 1975) is compared;
- ``death-before-birth`` (error): the row's death date (P570) ends before its birth date (P569) begins;
- ``too-old`` (error): more than 120 years between birth and death, even counted at the dates'
  precision in the person's favour; (warning) born more than 120 years ago with the death column empty;
- ``outside-regions`` (warning): a coordinate in none of the mapping's ``regions`` boxes (the
  WikiProject's regions; an item elsewhere is possible — a namesake, a typo in a degree — so it is
  only a warning).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence

from ..model import GlobeCoordinateValue, Issue, SourceRef, StatementDraft, TimeValue

BIRTH, DEATH = "P569", "P570"
# Dates that cannot lie in the future: birth, death, inception, dissolution, start time.
PAST_ONLY = {"P569": "naissance / birth", "P570": "décès / death", "P571": "fondation / inception",
             "P576": "dissolution", "P580": "début / start"}
MAX_AGE = 120
_TIME = re.compile(r"([+-])(\d+)-(\d\d)-(\d\d)T")

Text = Callable[[str | None], str]  # the cell text of a column (for the issue's value)


def time_range(value: TimeValue) -> tuple[dt.date, dt.date] | None:
    """The first and last day a Gregorian time value can mean at its precision (decade, year, month,
    day); ``None`` for years before 1 or after 9999, or coarser precisions."""
    m = _TIME.match(value.time)
    if not m or m[1] == "-" or value.precision < 8:
        return None
    year, month, day = int(m[2]), int(m[3]), int(m[4])
    try:
        if value.precision == 8:
            first, last = dt.date(year - year % 10 or 1, 1, 1), dt.date(min(year - year % 10 + 9, 9999), 12, 31)
        elif value.precision == 9 or month == 0:
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        elif value.precision == 10 or day == 0:
            first = dt.date(year, month, 1)
            last = (dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)) - dt.timedelta(days=1)
        else:
            first = last = dt.date(year, month, day)
    except ValueError:
        return None
    return first, last


def _years_between(a: dt.date, b: dt.date) -> int:
    """Whole years from ``a`` to ``b`` (an age)."""
    return b.year - a.year - ((b.month, b.day) < (a.month, a.day))


_Span = tuple[StatementDraft, dt.date, dt.date]  # a statement and the first and last day its date can mean


def _times(statements: Sequence[StatementDraft]) -> dict[str, list[_Span]]:
    """The row's dates that a rule looks at (PAST_ONLY properties), by property, in one pass."""
    out: dict[str, list[_Span]] = {}
    for st in statements:
        value = st.mainsnak.value
        if value.__class__ is TimeValue and st.mainsnak.property in PAST_ONLY:
            span = time_range(value)
            if span is not None:
                out.setdefault(st.mainsnak.property, []).append((st, *span))
    return out


def _issue(severity: str, problem: str, message: str, st: StatementDraft, src: SourceRef, text: Text,
           hint: str) -> Issue:
    column = st.source.column if st.source is not None else None
    return Issue(severity, problem, message, src.at(column), text(column), hint)  # type: ignore[arg-type]


def _future(times: Mapping[str, list[_Span]], src: SourceRef, today: dt.date, text: Text) -> list[Issue]:
    issues = []
    for prop, spans in times.items():
        what = PAST_ONLY[prop]
        for st, first, _ in spans:
            if first > today:
                issues.append(_issue("error", "future-date", f"Date de {what} dans le futur ({first.isoformat()} "
                                     f"après aujourd'hui, {today.isoformat()}) / date in the future.", st, src, text,
                                     "Vérifiez l'année (faute de frappe ?) ; une date à venir ne se publie pas ici."))
    return issues


def _life(times: Mapping[str, list[_Span]], src: SourceRef, today: dt.date, text: Text,
          death_column: bool) -> list[Issue]:
    births, deaths = times.get(BIRTH, []), times.get(DEATH, [])
    issues = []
    for st_d, d_first, d_last in deaths:
        for _, b_first, b_last in births:
            if d_last < b_first:
                issues.append(_issue("error", "death-before-birth", f"Décès ({d_last.isoformat()}) avant la "
                                     f"naissance ({b_first.isoformat()}) / death before birth.", st_d, src, text,
                                     "Vérifiez les deux dates : elles sont peut-être inversées."))
            elif _years_between(b_last, d_first) > MAX_AGE:
                issues.append(_issue("error", "too-old", f"Plus de {MAX_AGE} ans entre la naissance et le décès "
                                     f"({_years_between(b_last, d_first)} ans) / over {MAX_AGE} years old.",
                                     st_d, src, text, "Vérifiez les deux années (faute de frappe ?)."))
    if death_column and not deaths:
        for st_b, _, b_last in births:
            if _years_between(b_last, today) > MAX_AGE:
                issues.append(_issue("warning", "too-old", f"Né il y a plus de {MAX_AGE} ans, sans date de décès / "
                                     f"born over {MAX_AGE} years ago, no death date.", st_b, src, text,
                                     "Vérifiez l'année de naissance, ou remplissez la date de décès."))
    return issues


def _inside(value: GlobeCoordinateValue, box: Mapping[str, tuple[float, float]]) -> bool:
    lat_lo, lat_hi = box["latitude"]
    lon_lo, lon_hi = box["longitude"]
    return lat_lo <= float(value.latitude) <= lat_hi and lon_lo <= float(value.longitude) <= lon_hi


def _regions(statements: Sequence[StatementDraft], src: SourceRef, text: Text,
             regions: Mapping[str, Mapping[str, tuple[float, float]]]) -> list[Issue]:
    issues = []
    for st in statements:
        value = st.mainsnak.value
        if isinstance(value, GlobeCoordinateValue) and not any(_inside(value, b) for b in regions.values()):
            issues.append(_issue("warning", "outside-regions", f"Coordonnées ({value.latitude}, {value.longitude}) "
                                 f"hors des régions du WikiProjet ({', '.join(regions)}) / outside the "
                                 "WikiProject's regions.", st, src, text,
                                 "Vérifiez la latitude et la longitude (signe, degrés inversés) ; si le lieu est "
                                 "vraiment ailleurs, ignorez cet avertissement."))
    return issues


def check_row(statements: Sequence[StatementDraft], src: SourceRef, *, today: dt.date, text: Text,
              death_column: bool = False,
              regions: Mapping[str, Mapping[str, tuple[float, float]]] | None = None) -> list[Issue]:
    """Every plausibility problem of one row's statements (see the module docstring)."""
    times = _times(statements)
    issues = (_future(times, src, today, text) + _life(times, src, today, text, death_column)) if times else []
    if regions:
        issues += _regions(statements, src, text, regions)
    return issues
