"""``wikiclub demo``: the whole path on the embedded sandbox, with the example data.

It starts a sandbox in this process (a free port on 127.0.0.1), loads ``examples/kb.jsonl``,
creates a bot account, then runs the same commands a volunteer runs, in order, through this CLI —
so the demo proves the commands themselves, not a shortcut. Everything it writes lands in one folder
(``demo-output/`` by default), which it lists at the end.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from .app import main
from .paths import OutputPath
from .sandbox import require_sandbox

EXAMPLES = (("organismes-culturels.csv", "organismes-culturels.yaml"),
            ("lieux.csv", "lieux.yaml"),
            ("festivals.xlsx", "festivals.yaml"),
            ("artistes.csv", "artistes.yaml"),  # people: namesakes told apart by their facts
            ("salles.xlsx", "salles.yaml"))  # two tabs, the municipality inside the address, region and category hints


def _repo_file(*parts: str) -> Path:
    """Example files live in the source checkout (examples/, mappings/), next to src/."""
    here = Path(__file__).resolve()
    for root in (Path.cwd(), *here.parents):
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    raise UsageError(f"Fichier d'exemple introuvable / example file not found: {'/'.join(parts)}",
                     "Lancez la démo depuis le dossier du projet / run the demo from the project folder.")


def _run(args: Sequence[str], *, allow: tuple[int, ...] = (0,)) -> int:
    """Run one wikiclub command in this process and return its exit code."""
    click.secho("\n$ wikiclub " + " ".join(args), fg="cyan", bold=True)
    try:
        main.main(list(args), prog_name="wikiclub", standalone_mode=False)
        code = 0
    except SystemExit as exc:  # WikiclubGroup exits with the error's code
        code = int(exc.code or 0)
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    if code not in allow:
        raise click.ClickException(f"« wikiclub {args[0]} » a échoué / failed (code {code})")
    return code


@main.command("demo")
@click.option("-o", "--out", "out_dir", type=OutputPath(directory=True, create_parents=True),
              default=Path("demo-output"), show_default=True,
              help="Dossier de sortie (vidé d'abord) / output folder (emptied first).")
@click.option("--keep-running", "--keep-serving", "keep_serving", is_flag=True,
              help="Laisser le wiki local et l'atelier tourner à la fin, pour que les liens des fichiers "
                   "marchent (Ctrl-C pour arrêter) / keep the sandbox and the atelier running.")
@click.option("--search", type=click.Choice(["cirrus", "sql"]), default="cirrus", show_default=True,
              help="Recherche du wiki local : cirrus (comme Wikidata) ou sql (comme un Wikibase nu, sans "
                   "CirrusSearch) / the sandbox's search: like Wikidata, or like a bare Wikibase.")
def demo_command(out_dir: Path, keep_serving: bool, search: str) -> None:
    """Démonstration complète sur le wiki local / the whole path on the local sandbox.

    Démarre un wiki local chargé avec examples/kb.jsonl, puis : recherche, élément, validate, map,
    reconcile, plan, approve, push sur les cinq tableurs d'exemple, puis report et pull. Tout est écrit dans --out.

    \b
    Exemples / examples:
      wikiclub demo -o demo-output
      wikiclub demo -o demo-output --search sql   # comme un Wikibase nu / like a bare Wikibase
    """
    require_sandbox()
    from ..sandbox.config import SandboxConfig
    from ..sandbox.load import load_dump
    from ..sandbox.server import start_with_bot

    kb = _repo_file("examples", "kb.jsonl")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    # kept running: on the port of the "sandbox" site (wikiclub.toml site = "sandbox" then reaches it)
    running, account = start_with_bot(SandboxConfig(data_dir=out_dir / "sandbox",
                                                    port=_free(8765) if keep_serving else 0, search=search,
                                                    log_path=out_dir / "sandbox-requests.jsonl"), user="Démo")
    try:
        stats = load_dump(running.app, kb)
        click.secho(f"Wiki local / sandbox: {running.api_url} — {stats.entities} entités chargées / "
                    f"entities loaded from {kb.name}", fg="green")
        # The account exists only in this throw-away wiki; the commands find it like any operator's.
        os.environ["WIKICLUB_BOT_USER"] = account.name
        os.environ["WIKICLUB_BOT_PASSWORD"] = account.password
        site = running.site
        config = str(_repo_file("examples", "wikiclub.toml"))
        common = ["--site", site, "--config", config]
        _show_search_and_item(site)
        _run(["whoami", *common])
        # A first coverage report, so the last one shows what the batches changed.
        _report(out_dir, common, "avant")
        for sheet_name, mapping_name in EXAMPLES:
            _sheet_steps(out_dir, common, _repo_file("examples", sheet_name), _repo_file("mappings", mapping_name))
        _report(out_dir, common, "apres")
        _run(["pull", *common, "--spec", str(_repo_file("examples", "wikiclub-report.toml")),
              "-m", str(_repo_file("mappings", "organismes-culturels.yaml")),
              "-o", str(out_dir / "pull" / "organismes-existants.xlsx")])
        _summary(out_dir)
        atelier_folder = _atelier_project(out_dir, site)
        _what_to_open(out_dir, atelier_folder, site, keep_serving)
        if keep_serving:
            _keep_running(running, atelier_folder)
    finally:
        running.stop()
        os.environ.pop("WIKICLUB_BOT_PASSWORD", None)
        os.environ.pop("WIKICLUB_BOT_USER", None)


def _show_search_and_item(site: str) -> None:
    from ..adapters.http import make_session
    from ..adapters.wikibase import WikibaseClient
    from .setup import settings_from

    settings = settings_from(site, None)
    client = WikibaseClient.from_settings(settings, make_session(settings))
    click.secho("\nRecherche / search « rouyn-noranda » (fr):", fg="cyan", bold=True)
    hits = client.search_entities("rouyn-noranda", language="fr", limit=5)
    for hit in hits:
        click.echo(f"  {hit['id']:>9}  {hit.get('label', '')} — {hit.get('description', '')}")
    if not hits:
        return
    qid = hits[0]["id"]
    entity = client.get_entities([qid])[qid]
    click.secho(f"\nÉlément / item {qid}:", fg="cyan", bold=True)
    for kind, terms in (("labels", entity.get("labels", {})), ("descriptions", entity.get("descriptions", {}))):
        for lang, term in sorted(terms.items()):
            click.echo(f"  {kind[:-1]:<12} {lang}: {term['value']}")
    for pid, statements in sorted(entity.get("claims", {}).items()):
        for st in statements:
            dv = st["mainsnak"].get("datavalue", {})
            value = dv.get("value")
            if isinstance(value, dict):
                value = value.get("id") or value.get("time") or value.get("amount") or value.get("text") or value
            click.echo(f"  {pid:<12} {value}")


def _report(out_dir: Path, common: list[str], name: str) -> None:
    _run(["report", *common, "--spec", str(_repo_file("examples", "wikiclub-report.toml")),
          "-o", str(out_dir / "rapports" / name), "--history", str(out_dir / "rapports" / "snapshots.sqlite"),
          "--batches", str(out_dir / "batches"), "--no-progress"])


def _sheet_steps(out_dir: Path, common: list[str], sheet: Path, mapping: Path) -> None:
    stem = sheet.stem
    work = out_dir / stem
    work.mkdir(parents=True, exist_ok=True)
    click.secho(f"\n══ {sheet.name} ══", fg="magenta", bold=True)
    _run(["validate", str(sheet), "-m", str(mapping), *common,
          "--cache-dir", str(out_dir / "cache"), "--report", str(work / "problems.xlsx")], allow=(0, 1))
    _run(["map", str(sheet), "-m", str(mapping), *common, "--cache-dir", str(out_dir / "cache"),
          "--skip-invalid", "-o", str(work / "records.jsonl")], allow=(0, 1))
    _run(["reconcile", str(work / "records.jsonl"), *common, "--no-progress", "--cache-dir", str(out_dir / "cache"),
          "-o", str(work / "review.xlsx")])
    _run(["reconcile", "--apply-review", str(work / "review.xlsx"), "-o", str(work / "reconciled.jsonl")])
    batch = out_dir / "batches" / stem
    _run(["plan", str(work / "reconciled.jsonl"), "-m", str(mapping), *common, "-o", str(batch)])
    _run(["approve", str(batch), "--by", "User:Démo"])
    _run(["push", str(batch), *common, "--throttle", "0", "--no-progress"])
    # Idempotence, shown: planning the same rows again finds nothing left to do.
    _run(["plan", str(work / "reconciled.jsonl"), "-m", str(mapping), *common, "--check"])


def _summary(out_dir: Path) -> None:
    click.secho("\nFichiers produits / files written:", fg="green", bold=True)
    for path in sorted(out_dir.rglob("*")):
        if path.is_file() and "sandbox" not in path.parts and "cache" not in path.parts:
            click.echo(f"  {path}")


def _free(port: int) -> int:
    """``port`` if nothing listens there, else 0 (any free port)."""
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return 0
    return port


def _atelier_project(out_dir: Path, site: str) -> Path:
    """A project folder for ``wikiclub atelier`` on the demo's wiki: its wikiclub.toml, mappings, sheets."""
    folder = out_dir / "atelier-projet"
    (folder / "mappings").mkdir(parents=True, exist_ok=True)
    for sheet_name, mapping_name in EXAMPLES:
        shutil.copy(_repo_file("examples", sheet_name), folder / sheet_name)
        shutil.copy(_repo_file("mappings", mapping_name), folder / "mappings" / mapping_name)
    shutil.copy(_repo_file("examples", "wikiclub-report.toml"), folder / "wikiclub-report.toml")
    example = _repo_file("examples", "wikiclub.toml").read_text("utf-8")
    project = example[example.index("[project]"):]
    (folder / "wikiclub.toml").write_text(
        "# Le wiki local de la démo / the demo's sandbox (wikiclub demo --keep-running)\n"
        f'[wikiclub]\nsite = "{site}"\nthrottle = 0\nmaxlag = 5\n\n{project}', "utf-8")
    return folder


def _what_to_open(out_dir: Path, atelier_folder: Path, site: str, keep_serving: bool) -> None:
    click.secho("\nÀ ouvrir / to open:", fg="green", bold=True)
    click.echo(f"  - le rapport / the report: {out_dir / 'rapports' / 'apres' / 'couverture.html'}")
    click.echo(f"  - une feuille de révision / a review sheet: {out_dir / 'lieux' / 'review.xlsx'}")
    click.echo(f"  - un lot / a batch: {out_dir / 'batches' / 'lieux' / 'plan.md'}")
    if keep_serving:
        return
    click.echo(f"  - l'atelier (dans le navigateur / in the browser): wikiclub atelier --folder {atelier_folder}")
    click.echo("    pendant que le wiki de la démo tourne / while the demo's wiki runs: "
               "wikiclub demo --keep-running (ses liens / its links: " + site.rsplit("/w/", 1)[0] + ")")


def _keep_running(running: Any, atelier_folder: Path) -> None:
    """Keep the sandbox and an atelier on the demo's project until Ctrl-C."""
    try:
        from ..atelier.server import start_in_thread as start_atelier
        from .atelier import build_atelier
    except ImportError:  # Flask absent: the wiki alone
        atelier = None
    else:
        atelier = start_atelier(build_atelier(atelier_folder, None, None), port=_free(8767))
        click.secho(f"  - l'atelier / the workshop: {atelier.url}", fg="green", bold=True)
    click.echo(f"Le wiki local reste ouvert / sandbox still running: {running.url} — Ctrl-C pour arrêter / to stop.")
    try:
        while running.thread is not None and running.thread.is_alive():
            running.thread.join(0.5)  # short waits: Ctrl-C is seen at once
    except KeyboardInterrupt:
        pass
    finally:
        if atelier is not None:
            atelier.stop()
