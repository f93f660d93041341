"""The wallboard's figures and its live stream (Server-Sent Events fed by Redis pub/sub)."""

from __future__ import annotations

import json
import threading
import time

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


def test_live_figures_count_waiting_and_answered_calls(csrf_app, as_role, staff):
    services = csrf_app.extensions["helpline"]
    add_call(services, call_sid="CAw1", queued_after=0)
    add_call(services, call_sid="CAa1", queued_after=0, answered_after=12, ended_after=312,
             agent_id=staff["km_agent"].id, outcome="answered")
    from agent_console.models import AgentStateChange
    with services.db.session() as session:
        session.add(AgentStateChange(user_id=staff["km_agent"].id, state="available"))
    live = as_role("supervisor").get("/wallboard/live.json").get_json()
    km = tile(live, "km")
    assert km["waiting"] == 1 and km["longest_wait_seconds"] >= 55
    assert km["answered_today"] == 1 and km["service_level"] == 1.0
    assert km["agents"]["available"] == 1
    assert km["agents_needed"] >= 1
    assert [agent["name"] for agent in live["agents"]] == ["Sokha"]
    assert live["calls_per_hour"]["km"][utcnow().astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Bangkok")).hour] >= 1


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
        add_call(services, call_sid="CAsse", queued_after=0)
        redis_client.publish("routing:queue", json.dumps({"skill": "km"}))

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
