"""End to end through the Twilio stand-in over real HTTP: an Indonesian caller hangs up
in the queue and Twilio's `completed` status callback never reaches the app. The
entry they leave behind must not hold the Indonesian agent or the caller behind
them: either the heal takes it out first, or its bridge fails as "gone" and it
leaves then — once, not in a loop."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from call_routing import jobs
from call_routing.service import routing_service
from ivr.models import Call, CallEvent
from tests.builders import create_staff_member, put_agent_on_a_call
from tests.call_routing.test_callback_end_to_end import until

INDONESIAN_LINE = "+601800881010"
PASSWORD = "correct horse battery"


def queue_state(stand_in, call_sid: str) -> str:
    status = routing_service(stand_in.services).engine.status(call_sid)
    return status.state if status is not None else "absent"


def offered_call(stand_in) -> str | None:
    response = stand_in.http.get(f"{stand_in.app_url}/api/agents/me/offer")
    return response.json()["call_sid"] if response.status_code == 200 else None


@pytest.mark.parametrize("found_by", ["its_bridge", "the_heal"])
def test_a_caller_who_hung_up_unreported_never_holds_the_queue(stand_in, found_by):
    app = stand_in.app_url
    with stand_in.services.db.session() as session:
        agent = create_staff_member(session, email="sari@example.org", skills={"id": 5},
                                    password=PASSWORD).id
    stand_in.softphone(f"agent-{agent}", answer_after=1, talk_seconds=5)
    assert stand_in.http.post(f"{app}/login", allow_redirects=False,
                              data={"email": "sari@example.org",
                                    "password": PASSWORD}).status_code == 302
    # On a break, with a colleague on a call: callers wait (someone can answer soon)
    # instead of being sent to voicemail.
    stand_in.http.post(f"{app}/api/agents/me/state", json={"state": "break",
                                                           "reason": "briefing"})
    with stand_in.app.app_context():
        put_agent_on_a_call(stand_in.services, skills={"id": 5})

    stand_in.pace = 0.01
    stand_in.faults.add("webhook", "drop", match="/twilio/voice/status")
    ghost = stand_in.start_call(to=INDONESIAN_LINE, press=["1"], from_="+6281234567801")
    until(lambda: queue_state(stand_in, ghost.call.sid) == "waiting")
    ghost.call.control.hangup("caller")
    ghost.result()
    assert queue_state(stand_in, ghost.call.sid) == "waiting"     # nobody told the queue
    second = stand_in.start_call(to=INDONESIAN_LINE, press=["1"], from_="+6281234567802")
    until(lambda: queue_state(stand_in, second.call.sid) == "waiting")

    if found_by == "the_heal":
        queued_at = stand_in.clock.now()
        until(lambda: stand_in.clock.now() - queued_at > 31)   # long enough to ask Twilio
        assert jobs.heal(stand_in.services)["ghosts_removed"] == 1
        assert queue_state(stand_in, ghost.call.sid) == "ended"

    # From here simulated time moves in real time, but in jumps: a waiting caller's audio
    # step (an announcement, a hold) adds its length when it ends. So the offer is timed
    # in real seconds, and the agent accepts the moment the right call is offered.
    stand_in.pace = 1.0
    started_real = time.monotonic()
    went = stand_in.http.post(f"{app}/api/agents/me/state", json={"state": "available"})
    assert went.status_code == 200
    offered, accepted = None, None
    while time.monotonic() - started_real < 10 and offered != second.call.sid:
        jobs.tick(stand_in.services)
        offered = offered_call(stand_in)
        if offered is not None:
            # The console shows the offer; the agent accepts it, as anyone would.
            accepted = stand_in.http.post(f"{app}/api/agents/me/offer/accept")
            if offered == ghost.call.sid:
                assert accepted.status_code in (409, 502), accepted.text
        time.sleep(0.02)
    offered_after = time.monotonic() - started_real

    failed_bridges = [item for item in stand_in.engine.rest_log.requests(
        "POST", f"/Calls/{ghost.call.sid}.json") if item.status != 200]
    assert len(failed_bridges) == (1 if found_by == "its_bridge" else 0)
    assert offered == second.call.sid
    assert offered_after <= 10
    assert queue_state(stand_in, ghost.call.sid) == "ended"
    assert accepted is not None and accepted.status_code == 200, accepted.text
    stand_in.pace = 0.01
    result = second.result()
    assert (result.outcome["kind"], result.outcome["agent"]) == ("bridged", f"agent-{agent}")
    state = stand_in.http.get(f"{app}/api/agents/me/state").json()
    assert state["state"] == "wrap_up" and state["offer"] is None

    with stand_in.services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == ghost.call.sid))
        assert (call.outcome, call.answered_at) == ("abandoned_in_queue", None)
        assert call.ended_at is not None
        left = session.scalars(select(CallEvent.detail).where(
            CallEvent.call_id == call.id, CallEvent.kind == "queue_left")).all()
    # (an accept of the ghost is on the timeline, and then why it did not stand)
    assert [detail["reason"] for detail in left] == (
        ["answered", "gone"] if found_by == "its_bridge" else ["gone"])
