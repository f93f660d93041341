"""`/healthz` tells the truth about the database, Redis and the worker."""

from __future__ import annotations

import threading

import redis
from rq import Queue, Worker

from helpline.app import create_app
from helpline.embedded_redis import EmbeddedRedis
from helpline.settings import load_settings
from tests.builders import make_environ


def start_worker(redis_url: str) -> tuple[Worker, threading.Thread]:
    connection = redis.Redis.from_url(redis_url)
    worker = Worker([Queue("maintenance", connection=connection)], connection=connection)
    # A real rq worker registered in Redis with a live heartbeat (run in a thread).
    thread = threading.Thread(target=worker.work, kwargs={"with_scheduler": False},
                              daemon=True)
    worker._install_signal_handlers = lambda: None  # signals work only in the main thread
    thread.start()
    return worker, thread


def test_healthy_with_database_redis_and_a_worker(tmp_path, database_url):
    server = EmbeddedRedis(tmp_path / "redis", persist=False).start()
    app = create_app(load_settings(make_environ(tmp_path, DATABASE_URL=database_url,
                                                REDIS_URL=server.url)))
    client = app.test_client()
    try:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json["checks"]["worker"]["ok"] is False

        worker, thread = start_worker(server.url)
        for _ in range(100):
            if Worker.all(connection=redis.Redis.from_url(server.url)):
                break
            threading.Event().wait(0.05)
        response = client.get("/healthz")
        assert response.status_code == 200, response.json
        assert response.json["checks"]["database"]["ok"] is True
        assert response.json["checks"]["worker"]["workers"] == 1

        server.stop()
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json["checks"]["redis"]["ok"] is False
        assert response.json["status"] == "unhealthy"
    finally:
        server.stop()
        app.extensions["helpline"].db.dispose()


def test_unhealthy_without_redis_configured(tmp_path):
    from helpline import migrate

    settings = load_settings(make_environ(tmp_path))
    migrate.upgrade(settings.database_url)
    app = create_app(settings)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["redis"] == {"ok": False, "error": "REDIS_URL is not set"}
    assert response.json["checks"]["database"]["ok"] is True


def test_liveness_needs_nothing_readiness_needs_a_writable_database(tmp_path, redis_url):
    """A database that can be read but not written is not ready; the process is still live."""
    import sqlite3

    from helpline import migrate

    url = f"sqlite:///{tmp_path / 'helpline.sqlite3'}"
    migrate.upgrade(url)
    app = create_app(load_settings(make_environ(tmp_path, DATABASE_URL=url,
                                                REDIS_URL=redis_url)))
    client = app.test_client()
    assert client.get("/healthz/ready").json["checks"]["database"]["ok"] is True
    holder = sqlite3.connect(tmp_path / "helpline.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")   # readers still read (WAL); nobody else writes
    try:
        ready = client.get("/healthz/ready")
        assert ready.status_code == 503
        assert ready.json["checks"]["database"] == {"ok": False, "error": "OperationalError"}
        assert client.get("/healthz/live").status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.get("/healthz/ready").json["checks"]["database"]["ok"] is True
