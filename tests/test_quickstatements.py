"""QuickStatements V1 export of a batch: CREATE/LAST, terms, qualifiers, S-references, value syntax, escaping."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from test_plan import KbReader, plan_of
from test_push import FESTIVAL, ROUYN, ref, row, st

from wikiclub.batch.folder import write_batch
from wikiclub.batch.quickstatements import export_batch, export_quickstatements, qs_value
from wikiclub.model import (
    GlobeCoordinateValue,
    ItemRef,
    ItemValue,
    MonolingualTextValue,
    QuantityValue,
    Snak,
    StringValue,
    TimeValue,
)


def test_value_syntax() -> None:
    def v(datatype: str, value: object) -> str:
        return qs_value(Snak("P1", datatype, value).to_json())  # type: ignore[arg-type]

    assert v("wikibase-item", ItemValue("Q42")) == "Q42"
    assert v("string", StringValue('dit "Le Rift"\tici\nlà')) == '"dit "Le Rift" ici là"'
    assert v("time", TimeValue("+2020-03-00T00:00:00Z", 10)) == "+2020-03-00T00:00:00Z/10"
    assert v("globe-coordinate", GlobeCoordinateValue(Decimal("48.238"), Decimal("-79.02"))) == "@48.238/-79.02"
    assert v("quantity", QuantityValue(Decimal("0.1") + Decimal("0.2"))) == "0.3"
    assert v("quantity", QuantityValue(Decimal("1234"), "http://www.wikidata.org/entity/Q11573")) == "1234U11573"
    assert v("quantity", QuantityValue(Decimal("10"), "1", Decimal("11"), Decimal("9"))) == "10~1"
    assert v("monolingualtext", MonolingualTextValue("Le Rift", "fr")) == 'fr:"Le Rift"'
    assert qs_value({"snaktype": "novalue", "property": "P1"}) == "novalue"


def test_batch_export(tmp_path: Path) -> None:
    venue = row(2, "Salle nouvelle", st("P131", "wikibase-item", ItemValue(ROUYN), ref("https://s.example/")),
                desc="salle", aliases=("La Salle",))
    fest = row(3, "Festival nouveau", st("P276", "wikibase-item", ItemRef("salle nouvelle")), desc="festival",
               focus=None, instance_of=())
    existing = row(4, "Festival", st("P571", "time", TimeValue("+1982-00-00T00:00:00Z", 9), ref("https://new.example/"),
                                     quals=(Snak("P580", "time", TimeValue("+1982-00-00T00:00:00Z", 9)),)),
                   st("P1329", "string", StringValue("+1-819-555-0101")), focus=None)
    plan = plan_of(tmp_path, [(None, venue), (None, fest), (FESTIVAL, existing)], KbReader())
    text, warnings = export_quickstatements(plan)
    lines = text.splitlines()
    assert lines[:7] == [
        "CREATE",
        'LAST\tLfr\t"Salle nouvelle"',
        'LAST\tDfr\t"salle"',
        'LAST\tAfr\t"La Salle"',
        "LAST\tP31\tQ43229",
        "LAST\tP5008\tQ900100",
        f'LAST\tP131\t{ROUYN}\tS854\t"https://s.example/"\tS813\t+2024-05-01T00:00:00Z/11',
    ]
    # the festival points at an item created earlier in the batch: QuickStatements cannot say so
    assert lines[7:10] == ["CREATE", 'LAST\tLfr\t"Festival nouveau"', 'LAST\tDfr\t"festival"']
    assert len(warnings) == 1 and "P276" in warnings[0]
    # edits to an existing item: qualifier and reference go onto the existing 1982 statement
    assert lines[10:] == [
        f"{FESTIVAL}\tP571\t+1982-00-00T00:00:00Z/9\tP580\t+1982-00-00T00:00:00Z/9",
        f'{FESTIVAL}\tP571\t+1982-00-00T00:00:00Z/9\tS854\t"https://new.example/"\tS813\t+2024-05-01T00:00:00Z/11',
        f'{FESTIVAL}\tP1329\t"+1-819-555-0101"',
    ]
    batch = write_batch(plan, tmp_path / "b")
    path, w = export_batch(batch)
    assert path == batch / "quickstatements.txt" and path.read_text("utf-8") == text and w == warnings
