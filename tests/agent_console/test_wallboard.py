"""The wallboard's figures, and how the page keeps them live (polling live.json)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from helpline.db import utcnow
from tests.agent_console.records import add_call


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
    assert 'id="tiles"' in page and "chart.umd.min.js" in page
    assert 'data-live="/wallboard/live.json"' in page and 'data-poll-ms="2000"' in page


def test_each_poll_reads_the_routing_engine_afresh(as_role, csrf_app, redis_client):
    services = csrf_app.extensions["helpline"]
    supervisor = as_role("supervisor")
    first = supervisor.get("/wallboard/live.json")
    assert first.headers["Cache-Control"] == "no-store"  # no proxy or browser keeps a copy
    assert tile(first.get_json(), "km")["waiting"] == 0
    routing(services).engine.join("CApoll", "km")
    assert tile(supervisor.get("/wallboard/live.json").get_json(), "km")["waiting"] == 1


def test_the_stream_is_gone(as_role):
    """No route holds a thread for as long as a wallboard is open."""
    assert as_role("supervisor").get("/wallboard/stream").status_code == 404


def test_agents_cannot_read_the_live_picture(as_role):
    assert as_role("km_agent").get("/wallboard/live.json").status_code == 403


def test_a_signed_out_poll_is_told_401_so_the_page_reloads_to_the_login(csrf_app):
    response = csrf_app.test_client().get("/wallboard/live.json",
                                          headers={"Accept": "application/json"})
    assert response.status_code == 401
