"""The supervisor's wallboard: tiles per language, agents table, calls-per-hour chart.

Live updates are Server-Sent Events. Each open wallboard holds one streaming
response (a thread under gunicorn's gthread workers) subscribed to the routing
engine's Redis pub/sub channels; on an event it re-reads the figures and sends
them, and sends a comment every `HEARTBEAT_SECONDS` so proxies keep the line open.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, jsonify, render_template
from flask_babel import gettext as _

from agent_console import presence, routing_link
from agent_console.auth import roles_required
from agent_console.live import agent_records, snapshot
from call_routing.rota.lookup import coverage_panel
from helpline.services import Services, services

bp = Blueprint("wallboard", __name__)

SUPERVISORS = ("supervisor", "admin")
HEARTBEAT_SECONDS = 15.0
# A burst of events (a queue filling after a raid) becomes one update.
COALESCE_SECONDS = 0.25
# Where the routing engine publishes queue and agent events.
DEFAULT_LIVE_CHANNEL_PATTERNS = ("routing:*", "helpline:live*")


def _timezone() -> str:
    # The helpline's HELPLINE_TIMEZONE setting, unless a test's app config overrides it.
    return str(current_app.config.get("HELPLINE_TIMEZONE") or services().settings.timezone)


def current_snapshot(svc: Services, timezone: str) -> dict[str, object]:
    # The services' clock, not the wall clock: with the stand-in's simulated clock the
    # calls' timestamps are simulated too.
    now = datetime.fromtimestamp(svc.clock.now(), UTC)
    with svc.db.session() as session:
        agent_ids = [agent.agent_id for agent in agent_records(session)]
        live = snapshot(session, svc.config, now=now, timezone=timezone,
                        routing_rows=routing_link.live_languages(svc),
                        routing_states=routing_link.agent_states(svc, agent_ids) or None)
        # Who is on shift per language and the next gap (the rota, call_routing.rota).
        live["rota"] = coverage_panel(session, svc.config, timezone, now.timestamp())
        return live


@bp.get("/wallboard")
@roles_required(*SUPERVISORS)
def wallboard():  # type: ignore[no-untyped-def]
    svc = services()
    return render_template("console/wallboard.html",
                           live=current_snapshot(svc, _timezone()),
                           languages=svc.config.languages,
                           state_labels={state: _(label)
                                         for state, label in presence.STATE_LABELS.items()},
                           reason_labels={why: _(label)
                                          for why, label in presence.REASON_LABELS.items()})


@bp.get("/wallboard/live.json")
@roles_required(*SUPERVISORS)
def live_json():  # type: ignore[no-untyped-def]
    return jsonify(current_snapshot(services(), _timezone()))


@bp.get("/wallboard/stream")
@roles_required(*SUPERVISORS)
def stream():  # type: ignore[no-untyped-def]
    svc = services()
    timezone = _timezone()
    patterns = current_app.config.get("CONSOLE_LIVE_CHANNEL_PATTERNS",
                                      DEFAULT_LIVE_CHANNEL_PATTERNS)
    heartbeat = float(current_app.config.get("CONSOLE_SSE_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS))
    return Response(_events(svc, timezone, tuple(patterns), heartbeat),
                    mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _events(svc: Services, timezone: str, patterns: tuple[str, ...],
            heartbeat: float) -> Iterator[str]:
    yield "retry: 3000\n\n"  # the browser reconnects after 3 s if the line drops
    yield _sse("live", current_snapshot(svc, timezone))
    if svc.redis is None:
        return
    pubsub = svc.redis.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
    pubsub.psubscribe(*patterns)
    last_sent = time.monotonic()
    try:
        while True:
            message = pubsub.get_message(timeout=1.0)
            if message is not None:
                deadline = time.monotonic() + COALESCE_SECONDS
                while time.monotonic() < deadline:
                    pubsub.get_message(timeout=max(deadline - time.monotonic(), 0.01))
                yield _sse("live", current_snapshot(svc, timezone))
                last_sent = time.monotonic()
            elif time.monotonic() - last_sent >= heartbeat:
                yield ": heartbeat\n\n"
                last_sent = time.monotonic()
    finally:
        pubsub.close()
