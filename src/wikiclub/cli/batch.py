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
from .setup import item_links, settings_from, settings_options
from .waits import WaitDisplay

if TYPE_CHECKING:  # imported lazily at run time, to keep CLI start-up fast
    from ..batch.push import PushReport


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
    waits = WaitDisplay().attach(client)
    language = "fr"
    inputs = {"reconciled": reconciled}
    requires: tuple[str, ...] = ()  # never half an item: what a creation must have (plus its place, P131)
    hold_place = True
    if mapping_path is not None:
        from ..sheets.mapping import load_mapping

        mapping = load_mapping(mapping_path)
        language, requires = mapping.language or "fr", mapping.creation_requires()
        hold_place = mapping.holds_unresolved_place()
        inputs["mapping"] = mapping_path
    if output is None:
        stem = (mapping_path or reconciled).stem
        output = Path("batches") / f"{date.today().isoformat()}-{stem}-{sha256_file(reconciled)[:6]}"
    records = read_reconciled(reconciled)
    command = "wikiclub " + " ".join(sys.argv[1:]) if sys.argv[1:2] == ["plan"] else "wikiclub plan"
    try:
        plan = build_plan(records, client, site={"name": settings.site.name, "api_url": settings.site.api_url},
                          batch_id=output.name,
                          options=PlanOptions(_overwrite(overwrite), language, command, inputs, names=not check,
                                              creation_requires=requires, hold_unresolved_place=hold_place))
    finally:
        waits.summary()
    c = plan.meta["counts"]
    click.echo(f"{c['edits']} modification(s) / edits ({c['creations']} création(s) / creations, "
               f"{c['changes']} changement(s) / changes), {c['conflicts']} conflit(s) / conflicts, "
               f"{c['held']} ligne(s) retenue(s) / held "
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
    Un seul envoi du lot à la fois / one push of a batch at a time.
    Rapport : push-report.md et created.csv dans le dossier du lot.

    \b
    Codes de sortie / exit codes: 0 terminé / done; 1 arrêté, relancez / stopped, rerun;
    3 terminé avec des conflits trouvés à l'envoi / finished with conflicts found while pushing;
    130 Ctrl-C.

    \b
    Exemples / examples:
      wikiclub push batches/orgs/ --site sandbox --dry-run
      wikiclub push batches/orgs/ --site sandbox
    """
    from ..batch.approve import check_approved
    from ..batch.folder import read_batch
    from ..batch.lock import check_unlocked
    from ..batch.push import PushInterrupted, PushOptions, check_site, push_plan

    # The batch, its approval, its site and its lock are checked before any credential is looked up
    # or any login request is sent.
    plan = read_batch(batch)
    check_approved(batch)
    settings, client = _client(site, config_file, throttle=throttle)
    check_site(plan.meta, client)
    waits = WaitDisplay().attach(client)
    if not dry_run:
        from ..credentials import find_credentials

        check_unlocked(batch)
        client.login(find_credentials(settings.site.name, credentials_file=settings.credentials_file))
    on_event = None if no_progress or dry_run else waits.progress("push", "édition")
    # what push-report.md tells to rerun after a stop: this very command
    resume = "wikiclub " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["push"] else None
    try:
        options = PushOptions(dry_run=dry_run, limit=limit, resume_command=resume,
                              item_url=item_links(settings, client))
        report = push_plan(batch, client, options, on_event=on_event)
    except PushInterrupted as stop:
        waits.close_bar()
        report = stop.report
        click.echo(f"\nInterrompu / interrupted: {report.done} fait(s) / done, {report.pending} en attente / "
                   f"pending — {batch / 'push-report.md'}", err=True)
        click.echo(f"Relancez / rerun: {report.resume}", err=True)
        sys.exit(130)
    except KeyboardInterrupt:  # before the push started (nothing was sent)
        click.echo("\nInterrompu avant l'envoi / interrupted before anything was sent", err=True)
        sys.exit(130)
    finally:
        waits.close_bar()
        waits.summary()
    if dry_run:
        _echo_dry_run(report)
        return
    sys.exit(_push_summary(report, batch))


def _echo_dry_run(report: PushReport) -> None:
    click.echo(f"Simulation / dry run: {len(report.would_send)} modification(s) seraient envoyées / would be "
               f"sent, {report.done} déjà faites / already done. Rien n'a été modifié / nothing changed.")
    for w in report.would_send[:30]:
        click.echo(f"  {w['target'] or 'create'} {w['label']}")


def _push_summary(report: PushReport, batch: Path) -> int:
    """Print how the push ended; the exit code: 0 done, 1 failed or stopped (rerun), 3 conflicts found
    while pushing (a person must look; nothing is left to send)."""
    found = len(report.conflicts_found)
    click.echo(f"{report.done} fait(s) / done, {len(report.conflicts)} conflit(s) / conflicts, "
               f"{len(report.failed)} échec(s) / failed, {report.pending} en attente / pending; "
               f"{len(report.created)} créé(s) / created — {batch / 'push-report.md'}")
    for f in report.failed[:10]:
        click.echo(f"  échec / failed row {f['row']} {f['label']}: {f['reason']}", err=True)
    if report.stopped:
        click.echo(f"Arrêté / stopped: {report.stopped}", err=True)
    if not report.ok:
        if report.resume:
            click.echo(f"Relancez / rerun: {report.resume}", err=True)
        return 1
    if found:
        click.echo(f"Terminé avec {found} conflit(s) trouvé(s) à l'envoi / finished with {found} conflict(s) found "
                   f"while pushing — à régler à la main / for a person to settle: {batch / 'push-report.md'}",
                   err=True)
        for c in report.conflicts_found[:10]:
            click.echo(f"  conflit / conflict row {c['row']} {c['label']}: {c['reason']}", err=True)
        return 3
    return 0


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
