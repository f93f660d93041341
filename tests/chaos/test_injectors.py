"""The fault injectors themselves, without a stack: each fault is real, and undone.

A lock or a read-only database that did not really refuse writes would make every
scenario pass for the wrong reason; one that was not undone would break the next.
"""

from __future__ import annotations

import sqlite3
import time

import psycopg
import pytest
import redis

from helpline.chaos.database import PostgresDatabase, SqliteDatabase, freeze_unsupported
from helpline.chaos.redis_server import ChaosRedis
from helpline.chaos.stack import child_name
from tests.chaos.conftest import TEST_DATABASE_URL


def sqlite_file(tmp_path) -> SqliteDatabase:
    database = SqliteDatabase(tmp_path / "helpline.sqlite3").create()
    connection = sqlite3.connect(database.path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE calls (id INTEGER PRIMARY KEY)")
    connection.close()
    return database


def test_a_locked_sqlite_database_makes_writers_wait_until_it_is_released(tmp_path):
    database = sqlite_file(tmp_path)
    writer = sqlite3.connect(database.path, isolation_level=None, timeout=0.2)
    with database.locked():
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            writer.execute("INSERT INTO calls DEFAULT VALUES")
        assert writer.execute("SELECT count(*) FROM calls").fetchone() == (0,)  # reads go on
    writer.execute("INSERT INTO calls DEFAULT VALUES")
    writer.close()


def test_a_read_only_sqlite_database_refuses_open_and_new_connections_then_recovers(tmp_path):
    if why := freeze_unsupported(tmp_path):
        pytest.skip(f"cannot make a SQLite file read-only for root here: {why}")
    database = sqlite_file(tmp_path)
    already_open = sqlite3.connect(database.path, isolation_level=None)
    already_open.execute("INSERT INTO calls DEFAULT VALUES")
    with database.read_only():
        with pytest.raises(sqlite3.OperationalError):       # disk I/O error
            already_open.execute("INSERT INTO calls DEFAULT VALUES")
        fresh = sqlite3.connect(database.path, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            fresh.execute("INSERT INTO calls DEFAULT VALUES")
        fresh.close()
    after = sqlite3.connect(database.path, isolation_level=None)
    after.execute("INSERT INTO calls DEFAULT VALUES")
    assert after.execute("SELECT count(*) FROM calls").fetchone() == (2,)
    after.close()
    already_open.close()


def test_redis_killed_and_restarted_on_the_same_port_keeps_what_its_aof_holds(tmp_path):
    server = ChaosRedis(tmp_path / "redis").start()
    try:
        client = server.client()
        client.set("kept", "yes")
        time.sleep(1.2)           # appendfsync everysec
        server.kill()
        with pytest.raises(redis.ConnectionError):
            client.ping()
        port = server.port
        server.start()
        assert server.port == port and client.get("kept") == b"yes"
        client.close()
    finally:
        server.stop()


@pytest.mark.parametrize(("cmdline", "name"), [
    (["python", "-m", "simulator.server", "--port", "5050"], "twilio-stand-in"),
    (["python", "-m", "gunicorn", "--bind", "127.0.0.1:5000", "helpline.wsgi:app"], "web"),
    (["python", "-m", "helpline.cli", "worker", "--queues", "recordings,maintenance"],
     "worker"),
    (["python", "-m", "helpline.cli", "worker", "--queues", "transcription", "--simple"],
     "transcriber"),
    (["python", "-m", "helpline.cli", "scheduler"], "scheduler"),
    (["python", "-m", "helpline.cli", "prompts", "render"], None),
])
def test_children_are_named_as_helpline_run_names_them(cmdline, name):
    assert child_name(cmdline) == name


@pytest.mark.postgres
@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs TEST_DATABASE_URL")
def test_postgres_lock_and_read_only_are_real_and_undone():
    database = PostgresDatabase(str(TEST_DATABASE_URL)).create()
    try:
        with psycopg.connect(database.url, autocommit=True) as setup:
            setup.execute("CREATE TABLE calls (id serial PRIMARY KEY)")
        app = psycopg.connect(database.url, autocommit=True)
        app.execute("SET lock_timeout = '300ms'")
        with database.locked(), pytest.raises(psycopg.errors.LockNotAvailable):
            app.execute("SELECT count(*) FROM calls")    # even reads wait
        app.execute("INSERT INTO calls DEFAULT VALUES")

        with database.read_only():
            with pytest.raises(psycopg.OperationalError):
                app.execute("SELECT 1")                  # its session was ended
            with psycopg.connect(database.url, autocommit=True) as fresh, \
                    pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                fresh.execute("INSERT INTO calls DEFAULT VALUES")
        with psycopg.connect(database.url, autocommit=True) as after:
            after.execute("INSERT INTO calls DEFAULT VALUES")
            assert after.execute("SELECT count(*) FROM calls").fetchone() == (2,)
        app.close()
    finally:
        database.drop()

