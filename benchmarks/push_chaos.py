"""Push under chaos: two pushes of one batch at once, kill -9 of the push and of the wiki, every fault.

    .venv/bin/python benchmarks/push_chaos.py [--seed 17] [--rounds 16] [--new 30] [--edits 25]
                                              [--generations 8] [--out benchmarks/results/push_chaos.md] [--keep DIR]

A sandbox runs as a separate process (``wikiclub sandbox serve``, examples/kb.jsonl loaded) with every
fault it can inject — maxlag, ratelimited, HTTP 503 before processing, slow answers, edit conflicts,
lost answers, « saved, then 503 », a CSRF token expiry. One batch is planned (creations with and
without a description, some pointing at others of the batch; edits adding statements, aliases and
references to existing statements) and approved. Then, round after round, ``wikiclub push`` runs as a
real process while the script, at random moments (seeded):

- starts a **second push of the same batch** while the first runs (the lock must refuse it);
- **kill -9 the push** (a new one resumes in the next round);
- **kill -9 the wiki** and starts it again on the same data folder and port after a random pause.

At the end a last push runs on a healthy wiki, and everything is counted **through the Action API
alone** (``list=usercontribs``, ``wbgetentities``, ``wbsearchentities``): duplicate items, statements
and references, the account's edits per marker (every planned edit exactly once) and, per edit, what
it wanted that the wiki does not have. The script writes its own results file.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "examples" / "kb.jsonl"

from wikiclub.adapters.http import WikiclubSession  # noqa: E402
from wikiclub.adapters.wikibase import WikibaseClient  # noqa: E402
from wikiclub.batch.approve import approve  # noqa: E402
from wikiclub.batch.build import build_plan, read_reconciled  # noqa: E402
from wikiclub.batch.diff import Wanted, diff_entity, reference_covered, resolve_batch_items, same_snak  # noqa: E402
from wikiclub.batch.folder import read_batch, write_batch  # noqa: E402
from wikiclub.batch.journal import iter_journal  # noqa: E402
from wikiclub.batch.model import MARKER_RE, EntityEdit  # noqa: E402
from wikiclub.model import (  # noqa: E402
    ItemRef,
    ItemValue,
    MappedRow,
    Reference,
    Snak,
    SourceRef,
    StatementDraft,
    StringValue,
    TimeValue,
)

FAULTS = ("maxlag=0.06,ratelimited=0.05,http503=0.05,slow=0.05,slow_seconds=0.3,editconflict=0.04,"
          "lost_response=0.06,saved_then_503=0.06,token_expiry_after=25,retry_after=0")


# ---- the wiki, as a process ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Wiki:
    data: Path
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/w/api.php"

    def start(self, *, faults: str | None, seed: int) -> None:
        args = [sys.executable, "-m", "wikiclub", "sandbox", "serve", "--port", str(self.port), "--data",
                str(self.data), "--load", str(KB), "--seed", str(seed), "--log", str(self.log)]
        if faults:
            args += ["--faults", faults]
        out = (self.data.parent / f"wiki-{self.starts}.out").open("wb")
        self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        self.starts += 1
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                requests.get(self.api_url, params={"action": "query", "format": "json"}, timeout=2)
                return
            except requests.RequestException:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the wiki did not start: see {self.data.parent}/wiki-*.out") from None
                time.sleep(0.1)
        raise RuntimeError("the wiki did not answer within 120 s")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)
        self.proc = None


def create_account(data: Path) -> tuple[str, str]:
    out = subprocess.run([sys.executable, "-m", "wikiclub", "sandbox", "create-user", "Robot", "--bot", "--admin",
                          "--data", str(data)], check=True, capture_output=True, text=True).stdout
    password = next(line.split(":", 1)[1].strip() for line in out.splitlines() if "password:" in line.lower())
    return "Robot@wikiclub", password


def reader(api_url: str) -> WikibaseClient:
    return WikibaseClient(api_url, WikiclubSession(timeout=(5.0, 60.0), contact=None), sleep=lambda s: None,
                          max_attempts=30)


# ---- the batch -------------------------------------------------------------------------------------------


def kb_items() -> list[dict[str, Any]]:
    """KB items with a French label and a P31, leaving out the test data's homonyms that share a label and a
    description (the sandbox refuses any edit to them: it checks label+description uniqueness on every
    save, where Wikibase checks only the terms an edit changes)."""
    items = []
    for line in KB.read_text("utf-8").splitlines():
        if line.strip():
            entity = json.loads(line)
            if entity["type"] == "item" and entity.get("claims", {}).get("P31") and "fr" in entity.get("labels", {}):
                items.append(entity)
    pairs = Counter((e["labels"]["fr"]["value"], e.get("descriptions", {}).get("fr", {}).get("value")) for e in items)
    return [e for e in items
            if pairs[(e["labels"]["fr"]["value"], e.get("descriptions", {}).get("fr", {}).get("value"))] == 1]


def _ref(url: str) -> Reference:
    return Reference((Snak("P854", "url", StringValue(url)), Snak("P813", "time", TimeValue("+2024-05-01T00:00:00Z", 11))))


def _st(pid: str, datatype: str, value: Any, *refs: Reference) -> StatementDraft:
    return StatementDraft(Snak(pid, datatype, value), (), tuple(refs))


def rows(generation: int, n_new: int, n_edit: int) -> list[tuple[str | None, MappedRow]]:
    """One batch's rows: ``n_new`` creations and ``n_edit`` edits of KB items (a slice per generation)."""
    out: list[tuple[str | None, MappedRow]] = []
    for i in range(n_new):
        label = f"Organisme chaos {generation}-{i:03d}"
        site = f"https://chaos{generation}-{i}.example.org/"
        statements = [_st("P1329", "string", StringValue(f"+1-819-{556 + generation}-{i:04d}")),
                      _st("P856", "url", StringValue(site), _ref(site))]
        if i % 5 == 4:  # points at the previous creation of the batch: a dependency
            statements.append(_st("P361", "wikibase-item", ItemRef(f"Organisme chaos {generation}-{i - 1:03d}")))
        # half without a description: Wikibase's label+description uniqueness does not guard them
        desc = (("fr", f"organisme d'essai du chaos {generation}-{i}"),) if i % 2 == 0 else ()
        out.append((None, MappedRow(SourceRef("chaos.csv", None, i + 2), (("fr", label),), desc, (),
                                    tuple(statements), ("Q43229",))))
    for j, item in enumerate(kb_items()[generation * n_edit:(generation + 1) * n_edit]):
        p31 = item["claims"]["P31"][0]["mainsnak"]["datavalue"]["value"]["id"]
        label = item["labels"]["fr"]["value"]
        edits = (_st("P1329", "string", StringValue(f"+1-819-{566 + generation}-{j:04d}")),
                 _st("P31", "wikibase-item", ItemValue(p31), _ref(f"https://registre.example.org/{generation}/{j}")),
                 _st("P571", "time", TimeValue(f"+{1900 + j}-00-00T00:00:00Z", 9)))
        out.append((item["id"], MappedRow(SourceRef("chaos.csv", None, n_new + j + 2), (("fr", label),), (),
                                          (("fr", f"alias chaos {generation}-{j}"),), edits, ())))
    return out


def write_records(path: Path, records: list[tuple[str | None, MappedRow]]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for target, row in records:
            fh.write(json.dumps({"target": target, "decision": "MATCH" if target else "NEW", "record": row.to_json(),
                                 "reconcile": {"row": row.source.row}}, ensure_ascii=False) + "\n")
    return path


# ---- the pushes ------------------------------------------------------------------------------------------


@dataclass
class Tally:
    pushes: int = 0
    concurrent: int = 0
    lock_refusals: int = 0
    push_kills: int = 0
    wiki_kills: int = 0
    exits: Counter[str] = field(default_factory=Counter)


THROTTLE = "240"  # edits a minute: a push of the whole batch lasts long enough to be killed in the middle


def start_push(batch: Path, api_url: str, env: Mapping[str, str], cwd: Path, n: int,
               throttle: str = THROTTLE) -> subprocess.Popen[bytes]:
    out = (cwd / f"push-{n}.out").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "wikiclub", "push", str(batch), "--site", api_url, "--throttle",
                             throttle, "--no-progress"], cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT)
    out.close()
    return proc


def _settled(batch: Path) -> bool:
    entries = list(iter_journal(batch))
    return bool(entries) and all(e.state in ("done", "conflict") for e in entries)


def one_round(rng: random.Random, wiki: Wiki, batch: Path, env: Mapping[str, str], work: Path, tally: Tally) -> None:
    procs = [start_push(batch, wiki.api_url, env, work, tally.pushes)]
    tally.pushes += 1
    if rng.random() < 0.5:  # somebody starts the same push again while it runs
        time.sleep(rng.uniform(0.2, 1.5))
        procs.append(start_push(batch, wiki.api_url, env, work, tally.pushes))
        tally.pushes += 1
        tally.concurrent += 1
    action = rng.choices(["kill-push", "kill-wiki", "none"], weights=[0.5, 0.4, 0.1])[0]
    time.sleep(rng.uniform(0.5, 8.0))
    if action == "kill-push":
        for proc in procs:  # whichever holds the batch
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                tally.push_kills += 1
    elif action == "kill-wiki":
        wiki.kill()
        tally.wiki_kills += 1
        time.sleep(rng.uniform(0.2, 4.0))
        wiki.start(faults=FAULTS, seed=rng.randrange(1 << 30))
    for proc in procs:
        try:
            proc.wait(300)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        tally.exits[str(proc.returncode)] += 1
    for n in range(tally.pushes - len(procs), tally.pushes):
        if "another push of this batch is running" in (work / f"push-{n}.out").read_text("utf-8", "replace"):
            tally.lock_refusals += 1


# ---- counting through the Action API ---------------------------------------------------------------------


def contributions(c: WikibaseClient, user: str) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"action": "query", "list": "usercontribs", "ucuser": user, "uclimit": "max",
                              "ucprop": "ids|title|comment|timestamp"}
    out: list[dict[str, Any]] = []
    while True:
        answer = c.call(params)
        out += answer["query"]["usercontribs"]
        if "continue" not in answer:
            return out
        params.update(answer["continue"])


def _duplicates(entity: Mapping[str, Any]) -> tuple[int, int]:
    """(statements, references) held twice or more on one entity."""
    statements = references = 0
    for group in (entity.get("claims") or {}).values():
        seen: list[Mapping[str, Any]] = []
        for st in group:
            if any(same_snak(o["mainsnak"], st["mainsnak"]) and o.get("qualifiers", {}) == st.get("qualifiers", {})
                   for o in seen):
                statements += 1
            seen.append(st)
            refs: list[Mapping[str, Any]] = []
            for r in st.get("references", ()):
                if any(reference_covered(r, [o]) and reference_covered(o, [r]) for o in refs):
                    references += 1
                refs.append(r)
    return statements, references


def _entities(c: WikibaseClient, ids: list[str]) -> dict[str, dict[str, Any]]:
    return c.get_entities(ids) if ids else {}


def _items_per_label(c: WikibaseClient, edits: tuple[EntityEdit, ...]) -> dict[str, int]:
    """How many items carry each creation's label exactly (the wiki's own search)."""
    out: dict[str, int] = {}
    for e in edits:
        if e.creation:
            hits = c.search_entities(e.label, language="fr", limit=50)
            out[e.label] = sum(h.get("label") == e.label for h in hits)
    return out


def _not_fully_present(edits: tuple[EntityEdit, ...], created: Mapping[str, str | None],
                       entities: Mapping[str, Mapping[str, Any]], single: Mapping[str, tuple[str, ...]]) -> int:
    """Edits of which the wiki lacks something they wanted (the plan's single-value conflicts aside)."""
    qids = {k: v for k, v in created.items() if v}
    missing = 0
    for e in edits:
        qid = created.get(e.edit_id) if e.creation else e.target
        wanted = Wanted.from_json(resolve_batch_items(e.wanted.to_json(), qids)) if qid else None
        if wanted is None or not diff_entity(wanted, entities[str(qid)], single_value=single[e.edit_id]).empty:
            missing += 1
    return missing


def count(c: WikibaseClient, user: str, planned: list[tuple[EntityEdit, tuple[str, ...]]]) -> dict[str, Any]:
    """``planned``: every edit of every batch with its batch's single-value properties."""
    single = {e.edit_id: sv for e, sv in planned}
    edits = tuple({e.edit_id: e for e, _ in planned}.values())  # the twin folder's edits are the same edits
    contribs = contributions(c, user)
    marked = [(m.group(1), str(x["title"]).rsplit(":", 1)[-1]) for x in contribs
              if (m := MARKER_RE.search(str(x.get("comment", ""))))]
    times = Counter(Counter(k for k, _ in marked)[e.edit_id] for e in edits)  # edits by times their marker is seen
    by_marker = dict(marked)
    created = {e.edit_id: by_marker.get(e.edit_id) for e in edits if e.creation}
    per_label = _items_per_label(c, edits)
    entities = _entities(c, sorted({q for q in created.values() if q} | {e.target for e in edits if e.target}))
    dups = [_duplicates(entity) for entity in entities.values()]
    return {"edits": len(edits), "creations": len(created), "markers_exactly_once": times[1],
            "markers_missing": times[0], "markers_more_than_once": len(edits) - times[0] - times[1],
            "items_created": sum("wbeditentity-create" in str(x.get("comment", "")) for x in contribs),
            "duplicate_items": sum(n - 1 for n in per_label.values() if n > 1),
            "labels_without_item": sum(n == 0 for n in per_label.values()),
            "duplicate_statements": sum(d[0] for d in dups), "duplicate_references": sum(d[1] for d in dups),
            "edits_not_fully_present": _not_fully_present(edits, created, entities, single)}


def faults_injected(log: Path) -> Counter[str]:
    out: Counter[str] = Counter()
    for line in log.read_text("utf-8", "replace").splitlines():
        try:
            fault = json.loads(line).get("fault")
        except ValueError:  # the last line of a wiki killed while writing it
            continue
        if fault:
            out[fault] += 1
    return out


# ---- main ------------------------------------------------------------------------------------------------


def plan_batches(api_url: str, work: Path, n_new: int, n_edit: int, generations: int) -> list[Path]:
    """One batch per generation of rows, and a second folder of the first generation's rows planned
    before anything is pushed (the same edit ids: it must create nothing)."""
    planner = reader(api_url)
    batches: list[Path] = []
    for g in range(generations):
        records = read_reconciled(write_records(work / f"records-{g}.jsonl", rows(g, n_new, n_edit)))
        names = [f"chaos-{g}", "chaos-0-again"] if g == 0 else [f"chaos-{g}"]
        for name in names:
            plan = build_plan(records, planner, site={"name": "chaos", "api_url": api_url}, batch_id=name)
            batches.append(write_batch(plan, work / "batches" / name))
            approve(batches[-1], "User:Chaos")
    return batches


def run(seed: int, rounds: int, n_new: int, n_edit: int, generations: int, work: Path) -> dict[str, Any]:
    rng = random.Random(seed)
    wiki = Wiki(work / "wiki", free_port(), work / "requests.jsonl")
    wiki.data.mkdir(parents=True)
    user, password = create_account(wiki.data)
    wiki.start(faults=None, seed=seed)
    batches = plan_batches(wiki.api_url, work, n_new, n_edit, generations)
    plans = [read_batch(b) for b in batches]
    edits = [(e, tuple(p.meta.get("single_value", ()))) for p in plans for e in p.edits]
    conflicts = sum(len(p.conflicts) for p in plans)
    before = _entities(reader(wiki.api_url), sorted({e.target for e, _ in edits if e.target}))
    baseline = [sum(_duplicates(e)[k] for e in before.values()) for k in (0, 1)]
    env = {**os.environ, "WIKICLUB_BOT_USER": user, "WIKICLUB_BOT_PASSWORD": password, "WIKICLUB_CONFIG": "",
           "WIKICLUB_CREDENTIALS_FILE": str(work / "none.toml"), "PYWIKIBOT_NO_USER_CONFIG": "2"}
    wiki.kill()
    wiki.start(faults=FAULTS, seed=rng.randrange(1 << 30))
    tally = Tally()
    started = time.monotonic()
    try:
        for round_no in range(rounds):
            batch = next((b for b in batches if not _settled(b)), batches[-1])
            one_round(rng, wiki, batch, env, work, tally)
            print(f"round {round_no + 1}/{rounds} {batch.name}: {dict(tally.exits)} "
                  f"{dict(Counter(e.state for e in iter_journal(batch)))}", flush=True)
        chaos_seconds = time.monotonic() - started
        wiki.kill()
        wiki.start(faults=None, seed=seed)  # a healthy wiki for the last pushes
        final_exits = []
        for batch in batches:
            final = start_push(batch, wiki.api_url, env, work, tally.pushes, throttle="0")
            final.wait(600)
            final_exits.append(final.returncode)
        counts = count(reader(wiki.api_url), "Robot", edits)
    finally:
        wiki.kill()
    journal = Counter(e.state for b in batches for e in iter_journal(b))
    return {"seed": seed, "rounds": rounds, "tally": tally, "final_exits": final_exits, "journal": journal,
            "counts": counts, "faults": faults_injected(wiki.log), "baseline": baseline, "wiki_starts": wiki.starts,
            "seconds": chaos_seconds, "batches": [(b.name, read_batch(b).meta["counts"]) for b in batches],
            "plan_conflicts": conflicts}


def render(r: dict[str, Any], command: str) -> str:
    t: Tally = r["tally"]
    c = r["counts"]
    ok = (c["duplicate_items"] == 0 and c["duplicate_statements"] == r["baseline"][0]
          and c["duplicate_references"] == r["baseline"][1] and c["markers_exactly_once"] == c["edits"]
          and c["edits_not_fully_present"] == 0)
    lines = ["# Push under chaos (benchmarks/push_chaos.py)", "",
             f"Command: `{command}` — {time.strftime('%Y-%m-%d %H:%M')} — written by the script.", "",
             f"**Result: {'0 duplicates, every planned edit present exactly once' if ok else 'FAILED (see counts)'}**",
             "", "## Setup", "",
             f"- seed {r['seed']}; batches, pushed one after the other: "
             + "; ".join(f"`{name}` {c['edits']} entity edits ({c['creations']} creations)" for name, c in r["batches"])
             + ". Creations: half without a description (no label+description guard), every 5th pointing at "
             "another creation of its batch; edits of existing items: a statement, an alias, a reference on an "
             "existing statement. `chaos-0-again` holds the same rows as `chaos-0`, planned into another folder "
             "before anything was pushed: it must create and write nothing",
             f"- faults of every wiki start (seeded anew after each restart): `{FAULTS}`",
             f"- {r['rounds']} rounds of `wikiclub push` (real processes, `--throttle {THROTTLE}`), each on the "
             f"first batch not finished; then one last push of each batch on a healthy wiki; chaos phase "
             f"{r['seconds']:.0f} s, {r['wiki_starts']} starts of the wiki", "",
             "## What was done to the push", "",
             "| | count |", "|---|---|",
             f"| push processes started (chaos rounds) | {t.pushes} |",
             f"| second push of the same batch started while one ran | {t.concurrent} |",
             f"| … refused by the lock (« another push of this batch is running ») | {t.lock_refusals} |",
             f"| kill -9 of a push | {t.push_kills} |",
             f"| kill -9 of the wiki, restarted on the same data folder | {t.wiki_kills} |",
             f"| exit codes of the chaos pushes | {', '.join(f'{k}: {v}' for k, v in sorted(t.exits.items()))} |",
             f"| exit codes of the last pushes (one per batch) | {', '.join(map(str, r['final_exits']))} |", "",
             "## Faults the wiki injected (its request log)", "",
             "| fault | count |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(r["faults"].items())]
    lines += ["", "## Counted through the Action API alone", "", "| | count |", "|---|---|",
              f"| planned entity edits (distinct edit ids) | {c['edits']} |",
              f"| … whose marker is in the account's contributions exactly once | {c['markers_exactly_once']} |",
              f"| … more than once | {c['markers_more_than_once']} |",
              f"| … never | {c['markers_missing']} |",
              f"| items created by the account | {c['items_created']} (planned: {c['creations']}) |",
              f"| duplicate items (same label, more than one item) | {c['duplicate_items']} |",
              f"| duplicate statements on the entities pushed (before the push: {r['baseline'][0]}) | "
              f"{c['duplicate_statements']} |",
              f"| duplicate references (before the push: {r['baseline'][1]}) | {c['duplicate_references']} |",
              f"| edits of which the wiki lacks something (but the plan's own single-value conflicts: "
              f"{r['plan_conflicts']}) | {c['edits_not_fully_present']} |",
              f"| journal | {', '.join(f'{k}: {v}' for k, v in sorted(r['journal'].items()))} |", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--new", type=int, default=30)
    parser.add_argument("--edits", type=int, default=25)
    parser.add_argument("--generations", type=int, default=8, help="batches of distinct rows (and one twin)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "push_chaos.md")
    parser.add_argument("--keep", type=Path, default=None, help="work in this (new) folder and keep it")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True)
        result = run(args.seed, args.rounds, args.new, args.edits, args.generations, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="push-chaos-") as tmp:
            result = run(args.seed, args.rounds, args.new, args.edits, args.generations, Path(tmp))
    command = "python benchmarks/push_chaos.py " + " ".join(sys.argv[1:])
    text = render(result, command.strip())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, "utf-8")
    print(text)


if __name__ == "__main__":
    main()
