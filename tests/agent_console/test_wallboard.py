"""The wallboard's figures and its live stream (Server-Sent Events fed by Redis pub/sub)."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from helpline.db import utcnow
from tests.agent_console.records import add_call


def read_events(response, count: int, timeout: float = 10.0) -> list[tuple[str, dict]]:
    """Reads `count` SSE events from a streaming test response."""
    events: list[tuple[str, dict]] = []
    buffer = ""
    deadline = time.monotonic() + timeout
    for chunk in response.response:
        buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            lines = dict(line.split(": ", 1) for line in block.splitlines()
                         if ": " in line and not line.startswith(":"))
            if "event" in lines:
                events.append((lines["event"], json.loads(lines["data"])))
        if len(events) >= count or time.monotonic() > deadline:
            break
    return events


def tile(live: dict, language: str) -> dict:
    return next(item for item in live["languages"] if item["language"] == language)


def routing(services):
    from call_routing.service import routing_service

    return routing_service(services)


def test_live_figures_come_from_the_routing_engine_and_the_database(csrf_app, as_role,
                                                                   staff):
    services = csrf_app.extensions["helpline"]
    engine = routing(services).engine
    # Two Khmer callers wait; the Burmese agent is available, the Khmer one on a break.
    add_call(services, call_sid="CAw1", queued_after=0)
    engine.join("CAw1", "km")
    engine.join("CAw2", "km")
    routing(services).set_state(staff["my_agent"].id, "available")
    routing(services).set_state(staff["km_agent"].id, "break", "meal")
    # An earlier call today, answered after 12 s and handled for 5 minutes.
    started = utcnow() - timedelta(seconds=1)   # today in Bangkok too (not before midnight)
    add_call(services, call_sid="CAa1", queued_after=0, answered_after=12, ended_after=312,
             agent_id=staff["km_agent"].id, outcome="answered", started=started)
    live = as_role("supervisor").get("/wallboard/live.json").get_json()
    km = tile(live, "km")
    assert km["waiting"] == 2
    assert km["agents"]["break"] == 1 and km["agents"]["available"] == 0
    assert km["average_handle_seconds"] == 300          # from the database
    assert km["agents_needed"] >= 1
    assert tile(live, "my")["agents"]["available"] == 1
    states = {agent["name"]: (agent["state"], agent["reason"]) for agent in live["agents"]}
    assert states == {"Sokha": ("break", "meal"), "Aye": ("available", None)}
    # The hour the call started in, not "now": a moment ago may be the previous hour.
    hour = started.astimezone(ZoneInfo("Asia/Bangkok")).hour
    assert live["calls_per_hour"]["km"][hour] >= 1


def test_wallboard_page_renders_for_supervisors(as_role):
    page = as_role("supervisor").get("/wallboard").get_data(as_text=True)
    assert 'id="tiles"' in page and "chart.umd.min.js" in page and "/wallboard/stream" in page


def test_stream_sends_a_snapshot_then_an_update_on_each_routing_event(csrf_app, as_role,
                                                                     redis_client):
    services = csrf_app.extensions["helpline"]
    response = as_role("supervisor").get("/wallboard/stream", buffered=False)
    assert response.mimetype == "text/event-stream"
    first = read_events(response, 1)
    assert first[0][0] == "live" and tile(first[0][1], "km")["waiting"] == 0

    def caller_joins() -> None:
        time.sleep(0.5)  # the stream is subscribed by now
        routing(services).engine.join("CAsse", "km")  # the engine publishes on helpline:live

    threading.Thread(target=caller_joins).start()
    update = read_events(response, 1)
    response.close()
    assert update[0][0] == "live" and tile(update[0][1], "km")["waiting"] == 1


def test_stream_sends_heartbeats_when_nothing_happens(csrf_app, staff, redis_client):
    csrf_app.config["CONSOLE_SSE_HEARTBEAT_SECONDS"] = 0.5
    from tests.agent_console.conftest import ConsoleClient
    client = ConsoleClient(csrf_app, staff["supervisor"])
    response = client.get("/wallboard/stream", buffered=False)
    seen = ""
    for chunk in response.response:
        seen += chunk.decode() if isinstance(chunk, bytes) else chunk
        if ": heartbeat" in seen:
            break
    response.close()
    assert seen.startswith("retry: 3000")
    assert ": heartbeat\n\n" in seen


def test_agents_cannot_open_the_stream(as_role):
    assert as_role("km_agent").get("/wallboard/stream").status_code == 403
