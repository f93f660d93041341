"""Integrators' bearer tokens, made and revoked with the operator's commands."""

from __future__ import annotations

import json

from sqlalchemy import select

from cases.api_tokens import ApiToken, find_active
from helpline.db import Database
from tests.builders import make_environ
from tests.helpline.test_cli import helpline


def test_a_token_is_shown_once_kept_hashed_and_revocable(tmp_path, database_url):
    env = make_environ(tmp_path, DATABASE_URL=database_url)
    assert helpline(env, "db", "upgrade").returncode == 0
    added = helpline(env, "tokens", "add", "--name", "partner", "--role", "agent",
                     "--languages", "km,my")
    assert added.returncode == 0, added.stderr
    shown = json.loads(added.stdout)
    token = shown["token"]
    assert shown["languages"] == ["km", "my"] and len(token) > 40

    listed = helpline(env, "tokens", "list")
    assert listed.returncode == 0, listed.stderr
    assert token not in listed.stdout
    assert json.loads(listed.stdout.splitlines()[0])["revoked"] is False

    database = Database(database_url)
    with database.session() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.name == "partner"))
        assert token not in json.dumps({c.name: str(getattr(row, c.name))
                                        for c in ApiToken.__table__.columns})
        assert find_active(session, token) is not None
        assert find_active(session, token + "x") is None

    assert helpline(env, "tokens", "revoke", "--name", "partner").returncode == 0
    with database.session() as session:
        assert find_active(session, token) is None
    again = helpline(env, "tokens", "revoke", "--name", "partner")
    assert again.returncode == 1 and "no active token" in again.stderr
    database.dispose()
