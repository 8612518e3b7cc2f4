"""The queries OpenRefine sends for a sheet (tests/test_serve*.py and serve_cost.py send the same)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wikiclub.sheets.mapping import SheetMapping
from wikiclub.sheets.read import read_sheet
from wikiclub.sheets.validate import sheet_options

MAPPINGS = sorted((Path(__file__).resolve().parent.parent / "mappings").glob("*.yaml"))


def profile_type(mapping: SheetMapping) -> str:
    """The type an OpenRefine user picks for this sheet in the service's list (its default types)."""
    return (mapping.match_types or mapping.instance_of)[0]


def openrefine_queries(mapping: SheetMapping, sheet: Path, tab: str | None = None) -> list[tuple[int, dict[str, Any]]]:
    """(sheet row, query) as OpenRefine sends them after a volunteer opened the sheet and picked, in the
    reconciliation dialog, the type and a property for each mapped column: the cells as they are, the
    coordinates in one "lat,lon" column (decimal points: OpenRefine's form), ``type_strict`` "should"."""
    out = []
    for row in read_sheet(sheet, sheet_options(mapping, tab or (mapping.sheet_names or (None,))[0])).rows:
        cells = row.as_dict()
        text = cells.get(mapping.labels[0].column, "")
        if not text:
            continue
        # a column without a property (a region or category hint) is named by its title
        props = [{"pid": "P31" if c.use == "instance_of" else c.property or c.column, "v": cells[c.column]}
                 for c in mapping.columns if c.use != "ignore" and cells.get(c.column)]
        for cs in mapping.coordinates:
            lat, lon = cells.get(cs.latitude, ""), cells.get(cs.longitude, "")
            if lat and lon:
                props.append({"pid": cs.property, "v": f"{lat.replace(',', '.')},{lon.replace(',', '.')}"})
        query: dict[str, Any] = {"query": text, "type": profile_type(mapping), "type_strict": "should"}
        if props:
            query["properties"] = props
        out.append((int(row.source.row or 0), query))
    return out
