"""The models and the migrations describe the same schema, on SQLite and PostgreSQL —
a model changed without its migration fails here — and `helpline db check` says
where they differ."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import text

from helpline import migrate
from helpline.db import make_engine
from tests.builders import make_environ
from tests.conftest import BACKENDS


def migrated(backend: str, tmp_path, request) -> str:
    if backend == "postgresql":
        return request.getfixturevalue("postgres_url")  # migrated to every head
    url = f"sqlite:///{tmp_path / 'drift.sqlite3'}"
    migrate.upgrade(url)
    return url


def execute(url: str, *statements: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_models_and_migrations_agree(backend, tmp_path, request):
    url = migrated(backend, tmp_path, request)
    assert migrate.pending(url) == []
    assert migrate.check(url) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_check_names_each_difference(backend, tmp_path, request):
    url = migrated(backend, tmp_path, request)
    execute(url, "CREATE TABLE stray_notes (id INTEGER PRIMARY KEY)",
            "ALTER TABLE tickets DROP COLUMN location")
    try:
        problems = migrate.check(url)
    finally:
        execute(url, "DROP TABLE stray_notes",
                "ALTER TABLE tickets ADD COLUMN location VARCHAR(200)")
    assert "table stray_notes: in the database, not in the models" in problems
    assert "column tickets.location: in the models, not in the database" in problems
    assert len(problems) == 2, problems


def helpline(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpline", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_db_commands_say_where_the_database_stands(tmp_path):
    env = make_environ(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'cli.sqlite3'}")

    empty = helpline(env, "db", "current")
    assert empty.returncode == 1
    assert "no revision" in empty.stdout and "run `helpline db upgrade`" in empty.stderr
    short = helpline(env, "db", "check")
    assert short.returncode == 1 and "short of the migrations' heads" in short.stderr

    assert helpline(env, "db", "upgrade").returncode == 0
    current = helpline(env, "db", "current")
    assert current.returncode == 0, current.stderr
    assert {line.split()[0] for line in current.stdout.splitlines()} == set(migrate.heads())
    history = helpline(env, "db", "history")
    lines = history.stdout.splitlines()
    assert lines[0].startswith("base -> 0001  [applied]")
    assert all("[applied]" in line for line in lines) and len(lines) == len(migrate.history())
    ok = helpline(env, "db", "check")
    assert (ok.returncode, ok.stdout.strip()) == (0, "the models and the database agree")
    assert helpline(env, "db", "check", "--fresh").returncode == 0

    # With a branch per feature, "the last migration" is ambiguous: it is named.
    unnamed = helpline(env, "db", "downgrade")
    assert unnamed.returncode == 2 and "@-1" in unnamed.stderr
    last = max(migrate.heads())
    assert helpline(env, "db", "downgrade", f"{last}@-1").returncode == 0
    assert migrate.pending(env["DATABASE_URL"]) == [last]
    assert helpline(env, "db", "upgrade").returncode == 0

    execute(env["DATABASE_URL"], "ALTER TABLE tickets DROP COLUMN location")
    drift = helpline(env, "db", "check")
    assert drift.returncode == 1
    assert "column tickets.location: in the models, not in the database" in drift.stderr
