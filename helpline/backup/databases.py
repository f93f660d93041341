"""A consistent copy of the helpline's database, and putting one back.

- SQLite: the online backup API (`sqlite3.Connection.backup`) copies a consistent
  snapshot while the stack keeps running (WAL readers and writers included); restore
  replaces the file (and drops a stale `-wal`/`-shm`) with the stack stopped.
- PostgreSQL: `pg_dump --format=custom`, run from a snapshot this module exports in a
  REPEATABLE READ transaction, so the row counts written to the manifest are exactly
  the dump's; restore is `pg_restore --clean --if-exists --single-transaction`. The
  password goes to the tools in PGPASSWORD, never on their command line.

A backup restores into the same kind of database it was taken from.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url

from helpline.db import make_engine

SQLITE_FILE = "database/helpline.sqlite3"
POSTGRES_FILE = "database/helpline.pgdump"
PG_TIMEOUT_SECONDS = 3600


class DatabaseBackupError(Exception):
    """`str()` is the line shown to the operator."""


def backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


def dump(database_url: str, staging: Path) -> tuple[str, dict[str, int]]:
    """Writes the copy under `staging`; returns its name in the archive and the row
    count of every table in it."""
    if backend(database_url) == "sqlite":
        target = staging / SQLITE_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        path = sqlite_path(database_url)
        if not path.is_file():
            raise DatabaseBackupError(f"no database at {path} — nothing to back up")
        source = sqlite3.connect(path, timeout=60)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return SQLITE_FILE, row_counts(f"sqlite:///{target}")
    target = staging / POSTGRES_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url, wait_seconds=60)
    try:
        with engine.connect() as connection:
            connection.execute(text("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts = _counts(connection)
            _pg_tool(database_url, ["pg_dump", "--format=custom", "--no-owner",
                                    "--no-privileges", f"--snapshot={snapshot}",
                                    f"--file={target}"])
            connection.execute(text("COMMIT"))
    finally:
        engine.dispose()
    return POSTGRES_FILE, counts


def load(database_url: str, copy: Path) -> None:
    """Puts the copy in place of the database at `database_url`."""
    if backend(database_url) == "sqlite":
        path = sqlite_path(database_url)
        path.parent.mkdir(parents=True, exist_ok=True)
        incoming = path.with_name(path.name + ".restoring")
        shutil.copyfile(copy, incoming)
        incoming.chmod(0o600)
        for stale in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
        incoming.replace(path)
        return
    _pg_tool(database_url, ["pg_restore", "--clean", "--if-exists", "--no-owner",
                            "--no-privileges", "--single-transaction", "--exit-on-error",
                            str(copy)])


def row_counts(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return _counts(connection)
    finally:
        engine.dispose()


def holds_data(database_url: str) -> bool:
    """Whether any table of the database has a row (migration bookkeeping and the
    health probe aside): a restore over it would lose something."""
    if backend(database_url) == "sqlite" and not sqlite_path(database_url).exists():
        return False
    ignored = {"alembic_version", "health_probes"}
    return any(count for table, count in row_counts(database_url).items()
               if table not in ignored)


def sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise DatabaseBackupError(f"DATABASE_URL {database_url!r} names no SQLite file")
    return Path(database)


def _counts(connection: Connection) -> dict[str, int]:
    tables = sorted(inspect(connection).get_table_names())
    quote = connection.dialect.identifier_preparer.quote
    return {table: int(connection.execute(text(f"SELECT COUNT(*) FROM {quote(table)}"))
                       .scalar_one()) for table in tables}


def _pg_tool(database_url: str, args: list[str]) -> None:
    if shutil.which(args[0]) is None:
        raise DatabaseBackupError(f"{args[0]} is not installed — apt-get install "
                                  "postgresql-client (the server's major version or newer)")
    url = make_url(database_url)
    try:
        done = subprocess.run([*args, f"--dbname={url.database or ''}"],
                              env=_libpq_environment(database_url), capture_output=True,
                              text=True, timeout=PG_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise DatabaseBackupError(f"{args[0]} did not finish in "
                                  f"{PG_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise DatabaseBackupError(f"{args[0]} failed (exit {done.returncode}): {last}")


def _libpq_environment(database_url: str) -> dict[str, str]:
    """The connection as libpq variables: the password stays out of `ps`."""
    url = make_url(database_url)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    for variable, value in (("PGHOST", url.host), ("PGPORT", url.port),
                            ("PGUSER", url.username), ("PGPASSWORD", url.password)):
        if value is not None:
            env[variable] = str(value)
    if "sslmode" in url.query:
        env["PGSSLMODE"] = str(url.query["sslmode"])
    return env
