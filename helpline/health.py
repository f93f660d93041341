"""Health: `GET /healthz/live` (this process answers) and `GET /healthz/ready` (it can
do its work: a database it can write, Redis, a live worker); `/healthz` is readiness.

Liveness never touches a dependency, so a platform does not restart a web process
for an outage it cannot cure; readiness writes one row, because a database that can
be read but not written (locked, read-only, disk full) loses callers all the same.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, jsonify
from sqlalchemy import text

from helpline.services import services

bp = Blueprint("health", __name__)

# rq refreshes a worker's heartbeat at least this often while it is alive.
WORKER_HEARTBEAT_SECONDS = 90


@bp.get("/healthz/live")
def live():
    return jsonify(status="ok")


@bp.get("/healthz")
@bp.get("/healthz/ready")
def healthz():
    svc = services()
    checks = {
        "database": _check_database(svc),
        "redis": _check_redis(svc),
        "worker": _check_worker(svc),
    }
    healthy = all(check["ok"] for check in checks.values())
    return jsonify(status="ok" if healthy else "unhealthy", checks=checks), (
        200 if healthy else 503)


def _check_database(svc) -> dict:
    try:
        with svc.db.engine.begin() as connection:
            written = connection.execute(
                text("UPDATE health_probes SET checked_at = :now WHERE id = 1"),
                {"now": datetime.now(UTC)}).rowcount
            if not written:
                connection.execute(text(
                    "INSERT INTO health_probes (id, checked_at) VALUES (1, :now)"),
                    {"now": datetime.now(UTC)})
        return {"ok": True, "backend": svc.db.engine.dialect.name, "writable": True}
    except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy", reported by type
        return {"ok": False, "error": type(exc).__name__}


def _check_redis(svc) -> dict:
    if svc.redis is None:
        return {"ok": False, "error": "REDIS_URL is not set"}
    try:
        svc.redis.ping()
        return {"ok": True}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": type(exc).__name__}


def _check_worker(svc) -> dict:
    if svc.redis is None:
        return {"ok": False, "error": "no Redis, so no workers"}
    from rq import Worker

    try:
        workers = Worker.all(connection=svc.redis)
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": type(exc).__name__}
    now = datetime.now(UTC)
    alive = [w for w in workers if w.last_heartbeat is not None and
             (now - w.last_heartbeat.replace(tzinfo=UTC)).total_seconds()
             < WORKER_HEARTBEAT_SECONDS]
    if not alive:
        return {"ok": False, "error": "no rq worker has a recent heartbeat", "workers": 0}
    return {"ok": True, "workers": len(alive)}
