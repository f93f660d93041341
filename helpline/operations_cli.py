"""The operator's maintenance commands: `helpline db ...`, `helpline backup`,
`helpline restore`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from helpline.settings import load_settings


@click.group()
def db() -> None:
    """Database migrations (Alembic, driven from code: no alembic.ini)."""


@db.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Apply migrations (default: every branch's head)."""
    from helpline import migrate

    migrate.upgrade(load_settings().database_url, revision)


@db.command("downgrade")
@click.argument("revision", required=False)
def db_downgrade(revision: str | None) -> None:
    """Undo migrations: REVISION is where to go (`base`: everything), or HEAD@-1 for a
    branch's last one. With one head only, no REVISION undoes the last migration."""
    from helpline import migrate

    database_url = load_settings().database_url
    if revision is None:
        at = sorted(migrate.current(database_url))
        if len(at) > 1:
            # Alembic's "-1" would pick one of the branches on its own.
            click.echo(f"helpline db downgrade: the database is at {len(at)} heads (a branch "
                       f"per feature): name the step, e.g. `helpline db downgrade "
                       f"{at[-1]}@-1` for that branch's last migration, or `base`", err=True)
            sys.exit(2)
        revision = "-1"
    migrate.downgrade(database_url, revision)


@db.command("current")
def db_current() -> None:
    """The revisions the database is at; exit 1 when it is short of the heads."""
    from helpline import migrate

    database_url = load_settings().database_url
    at = set(migrate.current(database_url))
    heads = set(migrate.heads())
    titles = {revision.revision: revision.title for revision in migrate.history()}
    for revision in sorted(at):
        mark = "(head)" if revision in heads else "(not a head)"
        click.echo(f"{revision} {mark}  {titles.get(revision, '')}")
    if not at:
        click.echo("no revision: an empty database — run `helpline db upgrade`")
    missing = sorted(heads - at)
    if missing:
        click.echo(f"to apply: {', '.join(missing)} — run `helpline db upgrade`", err=True)
        sys.exit(1)


@db.command("history")
@click.option("--json", "as_json", is_flag=True, help="Print the revisions as JSON.")
def db_history(as_json: bool) -> None:
    """Every migration in the order they apply, marked where the database has it."""
    from dataclasses import asdict

    from helpline import migrate

    revisions = migrate.history(load_settings().database_url)
    if as_json:
        click.echo(json.dumps([asdict(revision) for revision in revisions], indent=2))
        return
    for revision in revisions:
        applied = "applied" if revision.applied else "pending"
        parent = ",".join(revision.down_revisions) or "base"
        head = " (head)" if revision.is_head else ""
        click.echo(f"{parent} -> {revision.revision}{head}  [{applied}]  {revision.title}")


@db.command("check")
@click.option("--fresh", is_flag=True,
              help="Compare the models with a scratch SQLite database built by the "
                   "migrations, instead of DATABASE_URL.")
def db_check(fresh: bool) -> None:
    """Compare the models with the database's schema; exit 1 on any difference."""
    from helpline import migrate

    if fresh:
        where, problems = "the migrations", migrate.check_fresh()
    else:
        database_url = load_settings().database_url
        missing = migrate.pending(database_url)
        if missing:
            # Its differences would only be the migrations it has not had.
            click.echo(f"the database is short of the migrations' heads (missing "
                       f"{', '.join(missing)}) — run `helpline db upgrade`", err=True)
            sys.exit(1)
        where, problems = "the database", migrate.check(database_url)
    if problems:
        click.echo(f"the models and {where} disagree ({len(problems)}):", err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
        click.echo("add a migration (`helpline/migrations/versions/`, down_revision "
                   "'0001') or correct the model", err=True)
        sys.exit(1)
    click.echo(f"the models and {where} agree")


@click.command()
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--without-secrets", is_flag=True,
              help="Leave the instance secrets (pii_key, secret_key) out, to keep apart.")
def backup(dest: Path, without_secrets: bool) -> None:
    """Back up the database, recordings and instance secrets into the archive DEST
    (.tar, or .tar.gz), with a SHA-256 manifest; the stack may keep running."""
    from helpline.backup.archive import ArchiveError
    from helpline.backup.databases import DatabaseBackupError
    from helpline.backup.operations import backup as run_backup

    try:
        report = run_backup(load_settings(), dest, secrets=not without_secrets)
    except (ArchiveError, DatabaseBackupError) as exc:
        click.echo(f"helpline backup: {exc}", err=True)
        sys.exit(1)
    for warning in report["warnings"]:
        click.echo(f"helpline backup: warning: {warning}", err=True)
    click.echo(json.dumps(report, indent=2))


@click.command()
@click.argument("src", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace a database and recordings that already hold data.")
def restore(src: Path, force: bool) -> None:
    """Restore a `helpline backup` archive into this (empty, stopped) instance; the
    whole archive is verified first and a corrupted one is refused. Exit 1 when the
    restored data does not check out."""
    from helpline.backup.archive import ArchiveError
    from helpline.backup.databases import DatabaseBackupError
    from helpline.backup.operations import RestoreRefused
    from helpline.backup.operations import restore as run_restore

    try:
        report = run_restore(load_settings(), src, force=force)
    except (ArchiveError, DatabaseBackupError, RestoreRefused) as exc:
        click.echo(f"helpline restore: {exc}", err=True)
        sys.exit(1)
    for warning in report["warnings"]:
        click.echo(f"helpline restore: warning: {warning}", err=True)
    for problem in report["problems"]:
        click.echo(f"helpline restore: {problem}", err=True)
    click.echo(json.dumps(report, indent=2))
    if report["problems"]:
        sys.exit(1)


commands = [db, backup, restore]
