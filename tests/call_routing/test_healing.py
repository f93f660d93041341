"""Queues heal themselves: a caller who has gone is never offered for ever, and an
offer's deadline holds whoever clicks late.

Through the Flask test client, with Twilio's REST API the stand-in's emulator over
real HTTP (the `twilio_rest` fixture), real Redis and the database, simulated time.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from agent_console.models import AgentStateChange
from call_routing.gateway import call_queue
from call_routing.service import routing_service
from ivr.models import Call, CallbackRequest, CallEvent
from tests.builders import create_staff_member
from tests.call_routing.test_views import a_call, go_available


@pytest.fixture
def staff(db_session):
    khmer = create_staff_member(db_session, email="khmer@example.org", skills={"km": 5})
    db_session.commit()
    return {"khmer": khmer}


def join(services, call_sid: str, *, callback: bool = False) -> None:
    call_queue(services).join(call_sid=call_sid, language="km", dialect=None,
                              callback=callback)


def fetches(twilio_rest, call_sid: str) -> int:
    return len(twilio_rest.rest_log.requests("GET", f"/Calls/{call_sid}.json"))


def queue_state(services, call_sid: str) -> str:
    status = routing_service(services).engine.status(call_sid)
    return status.state if status is not None else "absent"


def events(services, call_sid: str) -> list[tuple[str, dict]]:
    with services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == call_sid))
        return [(event.kind, event.detail) for event in session.scalars(
            select(CallEvent).where(CallEvent.call_id == call.id).order_by(CallEvent.id))]


# ---------------------------------------------------------------- deadlines


def test_an_accept_at_the_deadline_is_refused_and_the_offer_lapses_then(
        client, services, staff, twilio_rest, clock):
    go_available(client, staff["khmer"])
    call_sid = a_call(services, twilio_rest)
    join(services, call_sid)
    assert client.get("/api/agents/me/offer").json["call_sid"] == call_sid
    clock.advance(15)                  # the 15 s offer is over; no sweep has run since
    response = client.post("/api/agents/me/offer/accept")
    assert response.status_code == 409 and response.json["error"] == "offer_gone"
    state = client.get("/api/agents/me/state").json
    assert (state["state"], state["reason"], state["offer"]) == ("break", "missed", None)
    assert call_queue(services).status(call_sid).position == 1   # keeps their place
    assert twilio_rest.rest_log.requests("POST", f"/Calls/{call_sid}.json") == []
    with services.db.session() as session:
        assert session.scalar(select(Call.outcome).where(Call.call_sid == call_sid)) is None


def test_an_accept_just_before_the_deadline_still_wins(engine, clock):
    engine.set_presence(1, "available", skills={"km": 5})
    engine.join("CA1", "km", None)
    clock.advance(14.9)
    engine.accept(1, "CA1")
    assert engine.agent(1)["state"] == "on_call"
    clock.advance(5)
    assert engine.tick()["expired"] == 0


# ---------------------------------------------------------------- a bridge to nobody


@pytest.mark.parametrize("how", ["hung_up_21220", "unknown_404", "refused_then_fetched"])
def test_a_caller_gone_before_the_bridge_leaves_and_the_next_caller_is_offered_at_once(
        client, services, staff, twilio_rest, how):
    go_available(client, staff["khmer"])
    ghost = a_call(services, twilio_rest, 1)
    join(services, ghost)                                   # offered to the agent
    waiting = a_call(services, twilio_rest, 2)
    join(services, waiting)
    if how == "unknown_404":
        twilio_rest.forget(ghost)
    else:
        twilio_rest.get(ghost).status = "completed"         # hung up; the callback was lost
    if how == "refused_then_fetched":
        # a refusal that says nothing of the call (21205: a bad Url): its status decides
        twilio_rest.faults.add("rest", "error", status=400, code=21205, match=ghost)
    response = client.post("/api/agents/me/offer/accept")
    assert response.status_code == 409 and response.json["error"] == "offer_gone"
    assert len(twilio_rest.rest_log.requests("POST", f"/Calls/{ghost}.json")) == 1
    assert fetches(twilio_rest, ghost) == (1 if how == "refused_then_fetched" else 0)

    assert queue_state(services, ghost) == "ended"
    offer = client.get("/api/agents/me/offer").json
    assert offer["call_sid"] == waiting                     # no break, no wait for a sweep
    with services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == ghost))
        assert (call.outcome, call.answered_at, call.agent_id) == (
            "abandoned_in_queue", None, None)
        assert call.ended_at is not None
        states = session.execute(select(AgentStateChange.state, AgentStateChange.reason)
                                 .where(AgentStateChange.user_id == staff["khmer"].id)
                                 .order_by(AgentStateChange.id)).all()
    assert ("queue_left", {"reason": "gone", "why": "bridge_refused",
                           "agent_id": staff["khmer"].id}) in events(services, ghost)
    assert [tuple(row) for row in states] == [
        ("available", None), ("reserved", None), ("on_call", None),
        ("available", "caller_gone"), ("reserved", None)]
    stats = routing_service(services).engine.redis.hgetall(
        next(iter(services.redis.scan_iter("hl:rt:stats:*"))))
    assert stats.get(b"answered") in (None, b"0")           # nobody was answered
    assert stats[b"abandoned"] == b"1"


def test_a_caller_whose_call_twilio_still_has_live_keeps_their_place_after_a_refusal(
        client, services, staff, twilio_rest):
    go_available(client, staff["khmer"])
    call_sid = a_call(services, twilio_rest)
    join(services, call_sid)
    twilio_rest.faults.add("rest", "error", status=400, code=21205, match=call_sid)
    response = client.post("/api/agents/me/offer/accept")
    assert response.status_code == 502 and response.json["error"] == "twilio_failed"
    assert fetches(twilio_rest, call_sid) == 1               # asked: in progress
    assert client.get("/api/agents/me/offer").json["call_sid"] == call_sid


# ---------------------------------------------------------------- the heal


def test_the_heal_takes_out_ghosts_and_leaves_live_callers_and_open_callback_requests(
        client, services, staff, twilio_rest, clock):
    routing = routing_service(services)
    go_available(client, staff["khmer"])
    ended_in_db, completed, unknown, live, open_request, closed_request = (
        a_call(services, twilio_rest, n) for n in range(1, 7))
    with services.db.session() as session:
        calls = {call.call_sid: call for call in session.scalars(select(Call))}
        # the status callback came but the queue never heard of it (Redis was down)
        calls[ended_in_db].ended_at = calls[ended_in_db].started_at
        for sid, status in ((open_request, "open"), (closed_request, "done")):
            # a callback request's caller has hung up long ago: no live call to ask about
            calls[sid].ended_at = calls[sid].started_at
            session.add(CallbackRequest(call_id=calls[sid].id, language="km",
                                        number_encrypted="x", status=status))
    for sid in (ended_in_db, completed, unknown, live):
        join(services, sid)
        clock.advance(1)
    for sid in (open_request, closed_request):
        join(services, sid, callback=True)
        twilio_rest.get(sid).status = "completed"
    assert queue_state(services, ended_in_db) == "reserved"  # offered to the agent
    twilio_rest.get(completed).status = "completed"          # its callback was lost
    twilio_rest.forget(unknown)

    def heal() -> int:
        services.redis.delete(routing.engine.key("ghost-lock"))   # as if 10 s had passed
        return routing.heal()["ghosts_removed"]

    # Fresh entries: the database alone takes out what it knows is over.
    clock.advance(5)
    assert heal() == 2
    assert [queue_state(services, sid) for sid in (ended_in_db, closed_request)] == [
        "ended", "ended"]
    assert twilio_rest.rest_log.requests("GET") == []

    # Waited 30 s: Twilio is asked about live calls only, never about callback requests.
    clock.advance(30)
    assert heal() == 2
    assert [queue_state(services, sid) for sid in (completed, unknown)] == ["ended", "ended"]
    assert [fetches(twilio_rest, sid) for sid in (completed, unknown, live, open_request,
                                                  closed_request, ended_in_db)] == [
        1, 1, 1, 0, 0, 0]
    # freed from the first ghost, the agent was offered the live caller at once (before
    # the callback request: nobody holds on the line for that)
    assert queue_state(services, live) == "reserved"
    assert client.get("/api/agents/me/offer").json["call_sid"] == live
    assert queue_state(services, open_request) == "waiting"

    # Within the lock's interval the heal does nothing; past it, a caller asked about in
    # the last 30 s is not asked again.
    assert routing.heal()["ghosts_removed"] == 0
    assert heal() == 0 and fetches(twilio_rest, live) == 1
    clock.advance(31)
    assert heal() == 0 and fetches(twilio_rest, live) == 2

    with services.db.session() as session:
        gone = session.scalar(select(Call).where(Call.call_sid == completed))
        assert (gone.outcome, gone.ended_at is not None) == ("abandoned_in_queue", True)
        assert session.scalar(select(CallbackRequest.status)
                              .join(Call, CallbackRequest.call_id == Call.id)
                              .where(Call.call_sid == open_request)) == "open"
    assert ("queue_left", {"reason": "callback_closed"}) in events(services, closed_request)
    assert ("queue_left", {"reason": "gone", "why": "ended_at_twilio", "agent_id": None}) in (
        events(services, unknown))


def test_a_twilio_outage_leaves_callers_queued(client, services, staff, twilio_rest, clock):
    routing = routing_service(services)
    call_sid = a_call(services, twilio_rest)
    join(services, call_sid)
    clock.advance(31)                   # long enough in the queue to ask Twilio about
    twilio_rest.faults.add("rest", "error", status=503, match=call_sid)
    assert routing.heal()["ghosts_removed"] == 0
    assert queue_state(services, call_sid) == "waiting"
