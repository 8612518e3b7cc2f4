"""``wikiclub plan``, ``approve``, ``push`` and ``export quickstatements`` — thin wrappers over plan.py,
approve.py, push.py and quickstatements.py."""

from __future__ import annotations

import shlex
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import UsageError
from .app import main
from .paths import OutputPath
from .setup import settings_from, settings_options

if TYPE_CHECKING:  # imported lazily at run time, to keep CLI start-up fast
    from ..batch.push import PushEvent, PushReport


def _client(site: str | None, config_file: Path | None, **flags: object) -> tuple[Any, Any]:
    from ..adapters.http import make_session
    from ..adapters.wikibase import WikibaseClient

    settings = settings_from(site, config_file, **flags)
    return settings, WikibaseClient.from_settings(settings, make_session(settings))


def _overwrite(text: str | None) -> frozenset[str]:
    from ..batch.diff import OVERWRITABLE

    if not text:
        return frozenset()
    parts = frozenset(p.strip() for p in text.split(",") if p.strip())
    if parts - OVERWRITABLE:
        raise UsageError(f"--overwrite {text!r}: seulement / only {', '.join(sorted(OVERWRITABLE))}",
                         "e.g. --overwrite labels,descriptions")
    return parts


@main.command("plan")
@click.argument("reconciled", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", "-m", "mapping_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="mappings/NOM.yaml (sa langue et son empreinte vont dans meta.json).")
@click.option("-o", "--output", type=OutputPath(directory=True, create_parents=True),
              help="Dossier du lot / batch folder (défaut / default batches/<date>-<nom>-<hash>/).")
@click.option("--overwrite", default=None, metavar="labels,descriptions",
              help="Remplacer ces termes existants / overwrite these existing terms (never by default).")
@click.option("--check", is_flag=True,
              help="N'écrit rien ; code 1 s'il y a quelque chose à faire / write nothing, exit 1 if edits are due.")
@settings_options
def plan_command(reconciled: Path, mapping_path: Path | None, output: Path | None, overwrite: str | None,
                 check: bool, site: str | None, config_file: Path | None) -> None:
    """Préparer un lot de modifications / plan a batch of edits.

    Lit l'état actuel des éléments (50 par requête) et ne garde que ce qui manque ; écrit
    meta.json, plan.jsonl, notes.jsonl et plan.md (à relire avant « approve »).

    \b
    Exemples / examples:
      wikiclub plan records.jsonl -m mappings/organismes-culturels.yaml --site sandbox -o batches/orgs/
      wikiclub plan records.jsonl -m mappings/lieux.yaml --site sandbox --check
    """
    from ..batch.build import PlanOptions, build_plan, read_reconciled
    from ..batch.folder import write_batch
    from ..batch.model import sha256_file
    from ..batch.preview import describe

    settings, client = _client(site, config_file)
    language = "fr"
    inputs = {"reconciled": reconciled}
    if mapping_path is not None:
        from ..sheets.mapping import load_mapping

        language = load_mapping(mapping_path).language or "fr"
        inputs["mapping"] = mapping_path
    if output is None:
        stem = (mapping_path or reconciled).stem
        output = Path("batches") / f"{date.today().isoformat()}-{stem}-{sha256_file(reconciled)[:6]}"
    records = read_reconciled(reconciled)
    command = "wikiclub " + " ".join(sys.argv[1:]) if sys.argv[1:2] == ["plan"] else "wikiclub plan"
    plan = build_plan(records, client, site={"name": settings.site.name, "api_url": settings.site.api_url},
                      batch_id=output.name,
                      options=PlanOptions(_overwrite(overwrite), language, command, inputs, names=not check))
    c = plan.meta["counts"]
    click.echo(f"{c['edits']} modification(s) / edits ({c['creations']} création(s) / creations, "
               f"{c['changes']} changement(s) / changes), {c['conflicts']} conflit(s) / conflicts "
               f"— {c['rows']} ligne(s) / rows, {client.requests_made} requête(s) / requests")
    if c["edits"]:
        click.echo(EDITS_AND_CHANGES)
    if check:
        for e in plan.edits[:20]:
            click.echo("  " + describe(e))
        sys.exit(1 if plan.edits else 0)
    write_batch(plan, output)
    click.echo(f"Écrit / wrote {output}/ — relisez / review {output / 'plan.md'}, puis / then: "
               f'wikiclub approve {output} --by "User:…"')


# What « 15 modification(s) … 41 changement(s) » counts (docs/batches.md, « Modifications et changements »).
EDITS_AND_CHANGES = ("  Une modification = un élément créé ou modifié, en une seule requête ; un changement = un "
                     "libellé, une description, un alias, une déclaration, un qualificatif ou une référence "
                     "qu'elle ajoute ou change. / An edit is one entity saved in one request; a change is one "
                     "label, description, alias, statement, qualifier or reference it adds or changes.")


@main.command("approve")
@click.argument("batch", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--by", "by", required=True, help="Qui approuve / who approves (e.g. User:MonNom).")
def approve_command(batch: Path, by: str) -> None:
    """Approuver un lot relu / approve a reviewed batch.

    Enregistre qui approuve et l'empreinte du lot ; « push » refuse un lot modifié depuis.

    \b
    Exemple / example:
      wikiclub approve batches/orgs/ --by "User:MonNom"
    """
    from ..batch.approve import approve

    approval = approve(batch, by)
    click.echo(f"Approuvé par / approved by {approval['by']} ({approval['batch_hash'][:12]})")


@main.command("push")
@click.argument("batch", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Montrer sans rien modifier / show, change nothing.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Au plus N modifications / at most N edits.")
@click.option("--throttle", type=float, default=None,
              help="Modifications par minute / edits per minute (0 = no throttle; default wikiclub.toml).")
@click.option("--no-progress", is_flag=True, help="Pas de barre de progression / no progress bar.")
@settings_options
def push_command(batch: Path, dry_run: bool, limit: int | None, throttle: float | None, no_progress: bool,
                 site: str | None, config_file: Path | None) -> None:
    """Envoyer un lot approuvé / push an approved batch (one edit per entity, exactly once).

    Reprend là où un envoi interrompu s'est arrêté / resumes where an interrupted push stopped.
    Rapport : push-report.md et created.csv dans le dossier du lot.

    \b
    Exemples / examples:
      wikiclub push batches/orgs/ --site sandbox --dry-run
      wikiclub push batches/orgs/ --site sandbox
    """
    from ..batch.approve import check_approved
    from ..batch.folder import read_batch
    from ..batch.push import PushInterrupted, PushOptions, push_plan

    # The batch is checked before any credential is looked up or any request is sent.
    read_batch(batch)
    check_approved(batch)
    settings, client = _client(site, config_file, throttle=throttle)
    if not dry_run:
        from ..credentials import find_credentials

        client.login(find_credentials(settings.site.name, credentials_file=settings.credentials_file))
    bar = _ProgressBar()
    # what push-report.md tells to rerun after a stop: this very command
    resume = "wikiclub " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["push"] else None
    try:
        report = push_plan(batch, client, PushOptions(dry_run=dry_run, limit=limit, resume_command=resume),
                           on_event=None if no_progress or dry_run else bar.on_event)
    except PushInterrupted as stop:
        bar.close()
        report = stop.report
        click.echo(f"\nInterrompu / interrupted: {report.done} fait(s) / done, {report.pending} en attente / "
                   f"pending — {batch / 'push-report.md'}", err=True)
        click.echo(f"Relancez / rerun: {report.resume}", err=True)
        sys.exit(130)
    finally:
        bar.close()
    _echo_push_report(report, batch, dry_run)


class _ProgressBar:
    """A tqdm bar opened at the first push event (which knows the total), closed once."""

    def __init__(self) -> None:
        self.bar: Any = None

    def on_event(self, event: PushEvent) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=event.total, desc="push", unit="édition")
        self.bar.update(1)
        self.bar.set_postfix_str(event.state)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _echo_push_report(report: PushReport, batch: Path, dry_run: bool) -> None:
    """What the push did (or would do, with --dry-run); exit 1 unless everything went through."""
    if dry_run:
        click.echo(f"Simulation / dry run: {len(report.would_send)} modification(s) seraient envoyées / would be "
                   f"sent, {report.done} déjà faites / already done. Rien n'a été modifié / nothing changed.")
        for w in report.would_send[:30]:
            click.echo(f"  {w['target'] or 'create'} {w['label']}")
        return
    click.echo(f"{report.done} fait(s) / done, {len(report.conflicts)} conflit(s) / conflicts, "
               f"{len(report.failed)} échec(s) / failed, {report.pending} en attente / pending; "
               f"{len(report.created)} créé(s) / created — {batch / 'push-report.md'}")
    for f in report.failed[:10]:
        click.echo(f"  échec / failed row {f['row']} {f['label']}: {f['reason']}", err=True)
    if report.stopped:
        click.echo(f"Arrêté / stopped: {report.stopped}", err=True)
    if not report.ok:
        sys.exit(1)


@main.group("export")
def export_group() -> None:
    """Exporter un lot / export a batch."""


@export_group.command("quickstatements")
@click.argument("batch", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", type=OutputPath(), default=None,
              help="Fichier / file (défaut / default BATCH/quickstatements.txt).")
def export_quickstatements_command(batch: Path, output: Path | None) -> None:
    """Les changements du lot en commandes QuickStatements V1 / the batch as QuickStatements V1.

    \b
    Exemple / example:
      wikiclub export quickstatements batches/orgs/
    """
    from ..batch.quickstatements import export_batch

    path, warnings = export_batch(batch, output)
    for w in warnings:
        click.echo(f"  non exporté / not exported: {w}", err=True)
    click.echo(f"Écrit / wrote {path}")
