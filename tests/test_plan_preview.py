"""plan.md for people who do not read ids: items, properties and values named by their labels on the
wiki (language, then mul, then English), read with as few requests as possible, escaped (labels come
from the public), kept in plan.jsonl so that plan.md renders again offline, and never in the payload."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from test_plan import KbReader, plan_of
from test_push import FESTIVAL, ROUYN, client, plan_batch, ref, row, st, wiki, write_records

from wikiclub.batch.folder import read_batch, write_batch
from wikiclub.batch.model import edit_id_of
from wikiclub.batch.preview import render_preview
from wikiclub.model import ItemValue, StringValue, TimeValue

EVIL = "<script>alert(1)</script> [x](javascript:alert(1)) | *gras* `code` ![i](http://e/x.png) _s_ &amp;"


def _term(lang: str, text: str) -> dict[str, str]:
    return {"language": lang, "value": text}


class CountingReader(KbReader):
    """KbReader that answers a labels-only read with labels only, as wbgetentities does."""

    def get_entities(self, ids: Any, *, props: Any = None, languages: Any = None) -> dict[str, dict[str, Any]]:
        found = super().get_entities(ids, props=props, languages=languages)
        self.calls[-1] = ("labels" if props == ["labels"] else "get", list(ids), list(languages or ()))
        if props == ["labels"]:
            keep = set(languages or ())
            return {i: ({"id": e["id"], "labels": {k: v for k, v in e.get("labels", {}).items() if k in keep}}
                        if "missing" not in e else e) for i, e in found.items()}
        return found


def _festival_row(*extra: Any, label: str = "FCIAT") -> Any:
    return row(4, label, st("P131", "wikibase-item", ItemValue(ROUYN), ref("https://example.org/source")),
               st("P1329", "string", StringValue("+1-819-555-0199")), *extra)


def test_items_properties_and_values_are_named(tmp_path: Path) -> None:
    reader = CountingReader()
    plan = plan_of(tmp_path, [(FESTIVAL, _festival_row())], reader)
    batch = write_batch(plan, tmp_path / "b")
    md = (batch / "plan.md").read_text("utf-8")
    assert "## Festival du cinéma international en Abitibi-Témiscamingue (Q900261)" in md
    assert "fiche / sheet: « FCIAT »" in md  # the sheet's name, different from the wiki's label
    assert "- + numéro de téléphone (P1329) = +1-819-555-0199" in md
    # the existing P131 statement gets our reference: named property, named item value, named snaks
    assert "- localisation administrative (P131) = Rouyn-Noranda (Q900141): + référence(s) / reference(s)" in md
    assert "  - référence / reference: URL de la référence (P854) = https://example.org/source, " \
           "date de consultation (P813) = 2024-05-01" in md
    # the labels are in plan.jsonl: plan.md renders again offline, identical
    assert render_preview(read_batch(batch)) == md
    [line] = [json.loads(x) for x in (batch / "plan.jsonl").read_text("utf-8").splitlines()]
    assert line["names"]["P854"] == "URL de la référence" and line["names"][ROUYN] == "Rouyn-Noranda"


def test_labels_cost_one_labels_only_read_of_what_was_not_read(tmp_path: Path) -> None:
    reader = CountingReader()
    plan_of(tmp_path, [(FESTIVAL, _festival_row())], reader)
    gets = [c for c in reader.calls if c[0] == "get"]
    labels = [c for c in reader.calls if c[0] == "labels"]
    assert len(gets) == 1 and len(labels) == 1
    read = set(gets[0][1])
    assert FESTIVAL in read and "P1329" in read  # targets and statement properties: from the first read
    assert set(labels[0][1]) == {"P854", "P813", ROUYN}  # only what it did not hold
    assert not set(labels[0][1]) & read
    assert labels[0][2] == ["fr", "mul", "en"]
    # nothing to name beyond what the first read holds: no second read
    reader = CountingReader()
    plan_of(tmp_path, [(FESTIVAL, row(4, "X", st("P1329", "string", StringValue("1")), focus=None))], reader)
    assert [c[0] for c in reader.calls] == ["get"]


def test_label_fallback_mul_then_english_then_the_id(tmp_path: Path) -> None:
    reader = CountingReader()
    reader.entities[ROUYN]["labels"] = {"mul": _term("mul", "Rouyn-Noranda (mul)"), "en": _term("en", "R-N en")}
    reader.entities["P854"]["labels"] = {"en": _term("en", "reference URL")}
    reader.entities["P813"]["labels"] = {}
    reader.entities[FESTIVAL]["labels"] = {"de": _term("de", "Filmfestival")}
    md = render_preview(plan_of(tmp_path, [(FESTIVAL, _festival_row())], reader))
    assert "Rouyn-Noranda (mul) (Q900141)" in md and "reference URL (P854)" in md
    assert "date de consultation" not in md and ", P813 = 2024-05-01" in md  # no label: the id
    # only the languages asked come back from a labels-only read; the first read holds every language
    assert "## Filmfestival (Q900261)" in md
    reader.entities[FESTIVAL]["labels"] = {}
    md = render_preview(plan_of(tmp_path, [(FESTIVAL, _festival_row())], reader))
    assert "## Q900261 (sans libellé / no label on the wiki)" in md and "fiche / sheet: « FCIAT »" in md


def test_labels_from_the_public_cannot_break_or_inject(tmp_path: Path) -> None:
    reader = CountingReader()
    for qid in (FESTIVAL, ROUYN, "P1329", "P854"):
        reader.entities[qid]["labels"] = {"fr": _term("fr", EVIL + " " + qid)}
    plan = plan_of(tmp_path, [(FESTIVAL, _festival_row(label="Sheet " + EVIL)),
                              (None, row(5, EVIL, st("P131", "wikibase-item", ItemValue(ROUYN)), desc="d"))], reader)
    md = render_preview(plan)
    assert md.count("&lt;script&gt;") >= 6  # target, sheet name, property, value, reference property, creation
    for raw in ("<script", "*gras*", "`code`", "_s_"):
        assert raw not in md, raw
    assert not re.search(r"(?<!\\)\]\(", md)  # no link or image can form: every ] is escaped
    assert "&amp;amp;" in md  # an entity in a label is shown as typed, not interpreted
    # every [ ] | < > * ` _ that comes from a label is escaped; the only unescaped ones are ours
    for line in md.splitlines():
        body = re.sub(r"`[0-9a-f]{12,16}`|`wikiclub plan`", "", line)  # ids and the command, ours
        body = body.replace("*ligne(s) / row(s)", "").replace("**conflict**", "")
        body = re.sub(r"»\* ·", "", body).rstrip("*")
        assert not re.search(r"(?<!\\)[\[\]|<>`]", body), line
    assert "\\| " in md and "\\[x\\](javascript:alert(1))" in md
    # headings stay headings: one line each, nothing from a label starts a new block
    assert all(not ln.startswith(("<", "|", "[")) for ln in md.splitlines())


def test_names_never_reach_the_payload_or_the_edit_id(tmp_path: Path) -> None:
    named = plan_of(tmp_path, [(FESTIVAL, _festival_row())], CountingReader())

    class Unnamed(CountingReader):  # every label the preview asks for is missing
        def get_entities(self, ids: Any, *, props: Any = None, languages: Any = None) -> dict[str, dict[str, Any]]:
            found = super().get_entities(ids, props=props, languages=languages)
            return {i: {**e, "labels": {}} for i, e in found.items()} if props == ["labels"] else found

    unnamed = plan_of(tmp_path, [(FESTIVAL, _festival_row())], Unnamed())
    [a], [b] = named.edits, unnamed.edits
    assert "P854" in a.names and "P854" not in b.names
    assert (a.edit_id, a.data, a.summary) == (b.edit_id, b.data, b.summary)
    assert a.edit_id == edit_id_of(a.target, a.data)
    assert "Rouyn-Noranda" not in json.dumps(a.data) and "numéro de téléphone" not in json.dumps(a.data)


def test_conflicts_and_precision_notes_are_named(tmp_path: Path) -> None:
    rows = [(FESTIVAL, row(3, "Festival", st("P571", "time", TimeValue("+1990-00-00T00:00:00Z", 9)), focus=None))]
    plan = plan_of(tmp_path, rows, CountingReader())
    md = render_preview(plan)
    assert ("date de fondation ou de création (P571) (single-value): wiki 1982, feuille / sheet 1990") in md
    [note] = plan.notes
    assert note["names"]["P571"] == "date de fondation ou de création"


def test_plan_request_count_on_the_sandbox(tmp_path: Path) -> None:
    """On a real sandbox: the first read, one labels-only read, nothing else but the searches."""
    sb = wiki(tmp_path / "wiki", log_path=tmp_path / "requests.jsonl")
    try:
        c = client(sb, login=False)
        before = c.requests_made
        plan_batch(tmp_path / "b", write_records(tmp_path / "r.jsonl", [(FESTIVAL, _festival_row())]), c,
                   approve_by=None)
        assert c.requests_made - before == 2
        log = [json.loads(x) for x in (tmp_path / "requests.jsonl").read_text("utf-8").splitlines()]
        reads = [e for e in log if "wbgetentities" in json.dumps(e)]
        assert len(reads) == 2 and sum("labels" in json.dumps(e) for e in reads) >= 1
        md = (tmp_path / "b" / "plan.md").read_text("utf-8")
        assert "Rouyn-Noranda (Q900141)" in md and "URL de la référence (P854)" in md
    finally:
        sb.running.stop()


def test_check_mode_reads_no_labels(tmp_path: Path) -> None:
    from wikiclub.batch.build import PlanOptions

    reader = CountingReader()
    plan = plan_of(tmp_path, [(FESTIVAL, _festival_row())], reader, options=PlanOptions(names=False))
    assert [c[0] for c in reader.calls if c[0] != "search"] == ["get"] and plan.edits[0].names == {}
