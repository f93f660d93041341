"""Shared fixtures: a real Redis server, real databases (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set), and the app wired to them — no mocks."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import text

from helpline import migrate
from helpline.app import create_app
from helpline.db import Base, make_engine
from helpline.embedded_redis import EmbeddedRedis
from helpline.settings import Settings, load_settings
from tests.builders import make_environ

pytest_plugins = ["tests.stand_in", "tests.console_fixtures"]



def _database_of_this_worker(url: str | None) -> str | None:
    """Under pytest-xdist each worker truncates and migrates a PostgreSQL database of
    its own (`test_gw0`, `test_gw1`, …), made here on the same server: two workers on
    one database would empty each other's tables mid-test."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'test'}_{worker}"
    assert name.replace("_", "").isalnum(), name
    with psycopg.connect(url, autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() \
                is None:
            admin.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


if os.environ.get("TEST_DATABASE_URL"):
    # Test modules read it at import, after this conftest: they all get this worker's.
    os.environ["TEST_DATABASE_URL"] = str(_database_of_this_worker(
        os.environ["TEST_DATABASE_URL"]))
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), persist=False).start()
    yield server.url
    server.stop()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (migrating per test is slow)."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    assert TEST_DATABASE_URL, "postgres_url needs TEST_DATABASE_URL"
    reset_postgres(TEST_DATABASE_URL)
    migrate.upgrade(TEST_DATABASE_URL)
    yield TEST_DATABASE_URL


def reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def truncate_postgres(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        # TRUNCATE fires no row triggers, so the append-only audit log can be emptied here.
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "helpline.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    truncate_postgres(url)
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str, redis_url: str) -> Settings:
    return load_settings(make_environ(tmp_path, DATABASE_URL=database_url, REDIS_URL=redis_url))


@pytest.fixture
def app(settings: Settings, redis_client: redis.Redis):
    application = create_app(settings, test_config={"TESTING": True})
    yield application
    application.extensions["helpline"].db.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def services(app):
    return app.extensions["helpline"]


@pytest.fixture
def db_session(services):
    with services.db.session() as session:
        yield session
