"""The stack's database, and two real ways to break it.

SQLite (a file in the scenario's folder) or a PostgreSQL database of the harness's
own on a given server (created, then dropped: other people's tests use the server's
other databases at the same time).

  locked()     writers wait: SQLite `BEGIN EXCLUSIVE` held in a separate connection
               (WAL mode: readers still read, every writer waits for its
               busy_timeout); PostgreSQL `LOCK TABLE ... IN ACCESS EXCLUSIVE MODE` on
               the tables the webhooks use, held in an open transaction (reads wait too).
  read_only()  writes fail at once. PostgreSQL: `ALTER DATABASE ... SET
               default_transaction_read_only = on` and every session of the app
               terminated, so each reconnects into read-only (and again on the way
               back). SQLite: we run as root, so a chmod does not stop writes; the
               file and its `-wal` get the immutable attribute (`chattr +i`). The
               `-shm` is left alone: it is mmapped, and freezing it kills every process
               that has it mapped with SIGBUS, which is a different fault. Connections
               open at the time get "disk I/O error" on a write, new ones open
               read-only ("attempt to write a readonly database").
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# What the Twilio webhooks read and write (intake of calls, events, voicemails, tickets).
WEBHOOK_TABLES = ("callers", "calls", "call_events", "callback_requests", "recordings",
                  "tickets", "ticket_calls", "notices")


class DatabaseFaultError(RuntimeError):
    pass


def freeze_unsupported(folder: Path) -> str | None:
    """Why SQLite's read-only fault cannot be injected in `folder` (None: it can)."""
    probe = folder / ".chattr-probe"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        done = subprocess.run(["chattr", "+i", str(probe)], capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            return f"chattr +i failed: {done.stderr.strip() or done.returncode}"
        try:
            with open(probe, "ab") as handle:
                handle.write(b"x")
            return "a file with the immutable attribute is still writable here"
        except PermissionError:
            return None
    except FileNotFoundError:
        return "no chattr (e2fsprogs) on this machine"
    finally:
        subprocess.run(["chattr", "-i", str(probe)], capture_output=True, check=False)
        probe.unlink(missing_ok=True)


class SqliteDatabase:
    backend = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def create(self) -> SqliteDatabase:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return self     # `helpline run` migrates the new file

    def drop(self) -> None:
        self._set_immutable(False)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            # Waits for a writer already inside its transaction; then no one else writes.
            connection.execute("BEGIN EXCLUSIVE")
            yield
        finally:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            connection.close()

    @contextlib.contextmanager
    def read_only(self) -> Iterator[None]:
        self._set_immutable(True)
        try:
            yield
        finally:
            self._set_immutable(False)

    def _files(self) -> list[Path]:
        wal = self.path.with_name(self.path.name + "-wal")
        return [path for path in (self.path, wal) if path.exists()]

    def _set_immutable(self, on: bool) -> None:
        for path in self._files():
            done = subprocess.run(["chattr", "+i" if on else "-i", str(path)],
                                  capture_output=True, text=True, check=False)
            if done.returncode != 0 and on:
                self._set_immutable(False)
                raise DatabaseFaultError(
                    f"cannot make {path.name} read-only with chattr: "
                    f"{done.stderr.strip() or done.returncode} (needs root and a filesystem "
                    "with the immutable attribute, e.g. ext4)")


class PostgresDatabase:
    backend = "postgresql"

    def __init__(self, server_url: str, name: str | None = None) -> None:
        parts = urlsplit(server_url.replace("postgresql+psycopg://", "postgresql://"))
        self._parts = parts
        self.name = name or f"chaos_{secrets.token_hex(4)}"
        if not self.name.replace("_", "").isalnum():
            raise ValueError(f"unsafe database name {self.name!r}")

    def _url_for(self, database: str) -> str:
        return urlunsplit(self._parts._replace(path=f"/{database}"))

    @property
    def url(self) -> str:
        return self._url_for(self.name)

    def _admin(self):  # type: ignore[no-untyped-def]
        import psycopg

        # The maintenance database: ALTER/DROP DATABASE cannot run inside the target.
        return psycopg.connect(self._url_for("postgres"), autocommit=True, connect_timeout=10)

    def create(self) -> PostgresDatabase:
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        return self

    def drop(self) -> None:
        with self._admin() as admin:
            admin.execute(f'ALTER DATABASE "{self.name}" RESET default_transaction_read_only')
            self._terminate_sessions(admin)
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}"')

    def _terminate_sessions(self, admin) -> int:  # type: ignore[no-untyped-def]
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()", (self.name,)).fetchall()
        return len(rows)

    @contextlib.contextmanager
    def locked(self, tables: tuple[str, ...] = WEBHOOK_TABLES) -> Iterator[None]:
        import psycopg

        connection = psycopg.connect(self.url, connect_timeout=10)
        try:
            existing = {row[0] for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
            names = ", ".join(f'"{table}"' for table in tables if table in existing)
            if not names:
                raise DatabaseFaultError("none of the webhook tables exist yet")
            # psycopg opened a transaction with the first statement; the lock lasts
            # until it ends.
            connection.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
            yield
        finally:
            with contextlib.suppress(psycopg.Error):
                connection.rollback()
            connection.close()

    @contextlib.contextmanager
    def read_only(self) -> Iterator[None]:
        with self._admin() as admin:
            admin.execute(f'ALTER DATABASE "{self.name}" SET default_transaction_read_only = on')
            # The setting applies to new sessions: end the app's so each reconnects.
            self._terminate_sessions(admin)
        try:
            yield
        finally:
            with self._admin() as admin:
                admin.execute(
                    f'ALTER DATABASE "{self.name}" RESET default_transaction_read_only')
                # Sessions opened during the fault stay read-only until they end.
                self._terminate_sessions(admin)


Database = SqliteDatabase | PostgresDatabase


def database_for(spec: str, folder: Path) -> Database:
    """`sqlite` (a file in `folder`) or a PostgreSQL server URL (a new database on it)."""
    if spec == "sqlite":
        return SqliteDatabase(folder / "helpline.sqlite3")
    if spec.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return PostgresDatabase(spec.replace("postgres://", "postgresql://", 1)
                                if spec.startswith("postgres://") else spec)
    raise ValueError(f"database must be 'sqlite' or a postgresql:// URL, not {spec!r}")
