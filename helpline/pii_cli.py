"""`helpline pii new-key | rotate`: rotating HELPLINE_PII_KEY (see helpline.pii_rotation)."""

from __future__ import annotations

import json
import sys

import click

from helpline.settings import load_settings


@click.group("pii")
def pii_group() -> None:
    """The key that protects callers' numbers (HELPLINE_PII_KEY)."""


@pii_group.command("new-key")
def new_key() -> None:
    """Print a fresh key: put it first in HELPLINE_PII_KEY (NEW,OLD) and restart."""
    from helpline.settings import _new_pii_key

    click.echo(_new_pii_key())


@pii_group.command("rotate")
def rotate_command() -> None:
    """Move every stored number and caller link to the first key in HELPLINE_PII_KEY.

    Prints JSON counts; exit 1 if something could not be moved (then keep the old
    keys listed). When "complete" is true the other keys can be dropped."""
    from helpline.pii import PiiProtector
    from helpline.pii_rotation import rotate
    from helpline.services import open_database

    settings = load_settings()
    database = open_database(settings.database_url)
    try:
        report = rotate(database, PiiProtector(settings.pii_key, settings.pii_retired_keys))
    finally:
        database.dispose()
    click.echo(json.dumps(report.as_json(), indent=2))
    sys.exit(0 if report.complete else 1)
