"""Database wiring: the declarative base, a UTC timestamp type, engine and sessions.

Models live in their feature packages (`ivr.models`, `agent_console.models`, ...)
and share this `Base`; this module imports none of them. `helpline.models` imports
them all, for the migrations environment (autogenerate) and for the composition root
(`helpline.services.open_database`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    scoped_session,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored as UTC and always read back timezone-aware.

    SQLite keeps no zone; without this a value read back would compare unequal
    to the one written and reports would silently shift.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class HealthProbe(Base):
    """One row that readiness (`/healthz/ready`) rewrites to prove the database is writable."""

    __tablename__ = "health_probes"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)


def utcnow() -> datetime:
    return datetime.now(UTC)


# How long a statement may wait for a lock (or a pooled connection) before it fails.
# Jobs and commands can afford to wait out a busy moment; a webhook cannot: Twilio
# gives up on it after 15 s and the caller hears Twilio's error, so the web fails
# fast and answers with the spoken apology and a voicemail instead (ivr.views).
JOB_WAIT_SECONDS = 10.0
WEB_WAIT_SECONDS = 1.0


def make_engine(url: str, *, wait_seconds: float = JOB_WAIT_SECONDS,
                fast_commits: bool = False) -> Engine:
    """`fast_commits` (the web process): SQLite commits without an fsync
    (`synchronous=NORMAL` in WAL: safe when the process crashes, a power cut may undo
    the last moments' commits) — except in sessions marked `Database.durable`, which
    hold something a caller gave us."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    wait_ms = int(wait_seconds * 1000)
    if url.startswith("sqlite"):
        _create_private(url)
        engine = create_engine(url, pool_timeout=wait_seconds,
                               connect_args={"check_same_thread": False,
                                             "timeout": wait_seconds})
        synchronous = "NORMAL" if fast_commits else "FULL"

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets the web process read while the worker writes.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={wait_ms}")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.close()

        if fast_commits:
            @event.listens_for(engine, "checkin")
            def _back_to_fast(dbapi_connection: Any, _record: Any) -> None:
                # A durable commit raised it for one transaction only.
                dbapi_connection.execute("PRAGMA synchronous=NORMAL")

        return engine
    # A statement gets a little longer than a lock wait, so a lock shows up as a lock.
    options = f"-c lock_timeout={wait_ms} -c statement_timeout={wait_ms + 500}"
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                         pool_timeout=wait_seconds,
                         connect_args={"options": options,
                                       "connect_timeout": max(2, int(wait_seconds))})


class WriteGateBusy(OperationalError):
    """This process's writers did not make way within the wait: the database is busy."""

    def __init__(self, wait_seconds: float) -> None:
        super().__init__(f"write gate not free within {wait_seconds} s", None,
                         Exception("database busy"))


def _create_private(url: str) -> None:
    """The SQLite file holds staff password hashes and case notes: owner-only from the
    first byte (SQLite itself would create it world-readable under the usual umask)."""
    raw = url.split("///", 1)[1] if "///" in url else ""
    if not raw or raw == ":memory:" or raw.startswith("file:"):
        return
    path = Path(raw.split("?", 1)[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for companion in (path, path.with_name(path.name + "-wal"),
                      path.with_name(path.name + "-shm")):
        if companion.exists() and companion.stat().st_mode & 0o077:
            companion.chmod(0o600)


class Database:
    """One engine and a scoped session for the web process, plain sessions for jobs."""

    def __init__(self, url: str, *, wait_seconds: float = JOB_WAIT_SECONDS,
                 fast_commits: bool = False) -> None:
        self.url = url
        self.wait_seconds = wait_seconds
        self.engine = make_engine(url, wait_seconds=wait_seconds, fast_commits=fast_commits)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.scoped = scoped_session(self.session_factory)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # SQLite lets one writer in at a time and makes the others sleep in its busy
        # handler (steps of up to 100 ms); threads of one process queue on this lock
        # instead and go in the moment it is free. PostgreSQL locks rows: no gate.
        self._write_gate = threading.Lock() if self.is_sqlite else None
        self.fast_commits = fast_commits
        if fast_commits and self.is_sqlite:
            event.listen(self.session_factory, "after_commit", self._sync_after_commit)

    def _sync_after_commit(self, session: Session) -> None:
        if session.info.pop("durable", False):
            # With synchronous=NORMAL SQLite syncs the log before every checkpoint.
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def writing(self) -> AbstractContextManager[object]:
        """Around a request's writes and commit: SQLite's write lock is then held for
        the writes alone, never while the request is still reading or deciding."""
        if self._write_gate is None:
            return nullcontext()
        return _held(self._write_gate, self.wait_seconds)

    def durable(self, session: Session) -> None:
        """Call before a transaction's first write when it will hold something a caller
        gave us (a number to call back): its commit then waits for the disk."""
        if not (self.fast_commits and self.is_sqlite):
            return
        connection = session.connection().connection.dbapi_connection
        if connection is None:
            return
        if connection.in_transaction:
            # SQLite cannot change the safety level inside a transaction: sync the
            # write-ahead log right after the commit instead.
            session.info["durable"] = True
        else:
            connection.execute("PRAGMA synchronous=FULL")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error."""
        session = self.session_factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.scoped.remove()
        self.engine.dispose()


@contextmanager
def _held(lock: threading.Lock, wait_seconds: float) -> Iterator[object]:
    if not lock.acquire(timeout=wait_seconds):
        raise WriteGateBusy(wait_seconds)
    try:
        yield lock
    finally:
        lock.release()
