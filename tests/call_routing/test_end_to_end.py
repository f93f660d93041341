"""End to end through the Twilio stand-in over real HTTP: a caller on the Khmer line
reaches the Khmer agent, who accepts in the console API; they talk; the agent hangs
up, wraps up, becomes available again and is offered the next caller."""

from __future__ import annotations

import time

from sqlalchemy import select

from agent_console.models import AgentStateChange
from call_routing import jobs
from ivr.models import Call
from tests.builders import create_staff_member

KHMER_LINE = "+661800000102"
PASSWORD = "correct horse battery"


def wait_for_offer(stand_in, timeout: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = stand_in.http.get(f"{stand_in.app_url}/api/agents/me/offer")
        if response.status_code == 200:
            return response.json()
        assert response.json()["error"] == "no_offer"
        time.sleep(0.02)
    raise AssertionError("no offer reached the agent")


def test_khmer_caller_is_bridged_to_the_khmer_agent_then_the_next_caller_is_offered(
        stand_in):
    with stand_in.services.db.session() as session:
        agent = create_staff_member(session, email="sokha@example.org", skills={"km": 5},
                                    password=PASSWORD)
        agent_id = agent.id
    identity = f"agent-{agent_id}"
    stand_in.softphone(identity, answer_after=2, talk_seconds=60)
    app = stand_in.app_url
    login = stand_in.http.post(f"{app}/login", data={"email": "sokha@example.org",
                                                     "password": PASSWORD},
                               allow_redirects=False)
    assert login.status_code == 302
    assert stand_in.http.post(f"{app}/api/agents/me/state",
                              json={"state": "available"}).json()["state"] == "available"

    # Simulated hold time passes at 10 ms per second, so the agent has time to click.
    stand_in.pace = 0.01
    first = stand_in.start_call(to=KHMER_LINE, press=["1"])
    offer = wait_for_offer(stand_in)
    assert offer["call_sid"] == first.call.sid and offer["language"] == "km"
    accepted = stand_in.http.post(f"{app}/api/agents/me/offer/accept")
    assert accepted.status_code == 200, accepted.text

    result = first.result()
    assert result.outcome["kind"] == "bridged"
    assert result.outcome["agent"] == identity
    assert result.outcome["talk_seconds"] >= 59
    assert "connecting" in result.prompt_ids

    state = stand_in.http.get(f"{app}/api/agents/me/state").json()
    assert state["state"] == "wrap_up"
    stand_in.clock.advance(61)
    jobs.sweep(stand_in.services)
    assert stand_in.http.get(f"{app}/api/agents/me/state").json()["state"] == "available"

    second = stand_in.start_call(to=KHMER_LINE, press=["1"], from_="+959123456780")
    offer = wait_for_offer(stand_in)
    assert offer["call_sid"] == second.call.sid
    stand_in.http.post(f"{app}/api/agents/me/offer/decline")
    second.call.control.hangup("test")
    second.result()

    with stand_in.services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == first.call.sid))
        assert (call.outcome, call.agent_id) == ("answered", agent_id)
        assert call.answered_at is not None and call.ended_at is not None
        states = session.scalars(select(AgentStateChange.state)
                                 .where(AgentStateChange.user_id == agent_id)
                                 .order_by(AgentStateChange.id)).all()
    assert states == ["available", "reserved", "on_call", "wrap_up", "available",
                      "reserved", "break"]
