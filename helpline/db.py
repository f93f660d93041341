"""Database wiring: the declarative base, a UTC timestamp type, engine and sessions.

Models live in their feature packages (`ivr.models`, `agent_console.models`, ...)
and share this `Base`. `helpline.models` imports them all for Alembic.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
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


def make_engine(url: str, *, wait_seconds: float = JOB_WAIT_SECONDS) -> Engine:
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

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets the web process read while the worker writes.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={wait_ms}")
            cursor.close()

        return engine
    # A statement gets a little longer than a lock wait, so a lock shows up as a lock.
    options = f"-c lock_timeout={wait_ms} -c statement_timeout={wait_ms + 500}"
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                         pool_timeout=wait_seconds,
                         connect_args={"options": options,
                                       "connect_timeout": max(2, int(wait_seconds))})


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

    def __init__(self, url: str, *, wait_seconds: float = JOB_WAIT_SECONDS) -> None:
        # Every mapper must be known before the first query resolves relationships.
        import helpline.models  # noqa: F401

        self.url = url
        self.engine = make_engine(url, wait_seconds=wait_seconds)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.scoped = scoped_session(self.session_factory)

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
