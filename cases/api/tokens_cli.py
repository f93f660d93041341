"""`helpline tokens add|list|revoke`: integrators' bearer tokens."""

from __future__ import annotations

import json
import sys

import click
from sqlalchemy import select

from cases.api_tokens import TOKEN_ROLES, ApiToken, create_token, revoke
from helpline.settings import load_settings


@click.group()
def tokens() -> None:
    """API bearer tokens (hashed at rest, shown once)."""


def _database():  # type: ignore[no-untyped-def]
    from helpline.services import open_database

    return open_database(load_settings().database_url)


@tokens.command("add")
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(TOKEN_ROLES))
@click.option("--languages", default="", help="For agent tokens: languages served, e.g. km,my")
def tokens_add(name: str, role: str, languages: str) -> None:
    database = _database()
    try:
        with database.session() as session:
            codes = [code.strip() for code in languages.split(",") if code.strip()]
            row, plain = create_token(session, name=name, role=role, languages=codes)
            click.echo(json.dumps({"id": row.id, "name": name, "role": role,
                                   "languages": codes, "token": plain}))
    except ValueError as exc:
        click.echo(f"helpline tokens add: {exc}", err=True)
        sys.exit(1)
    finally:
        database.dispose()


@tokens.command("list")
def tokens_list() -> None:
    database = _database()
    try:
        with database.session() as session:
            for row in session.scalars(select(ApiToken).order_by(ApiToken.id)):
                click.echo(json.dumps({"id": row.id, "name": row.name, "role": row.role,
                                       "languages": sorted(row.language_set),
                                       "revoked": row.revoked_at is not None}))
    finally:
        database.dispose()


@tokens.command("revoke")
@click.option("--name", required=True)
def tokens_revoke(name: str) -> None:
    database = _database()
    try:
        with database.session() as session:
            if not revoke(session, name):
                click.echo(f"helpline tokens revoke: no active token {name!r}", err=True)
                sys.exit(1)
            click.echo(json.dumps({"name": name, "revoked": True}))
    finally:
        database.dispose()
