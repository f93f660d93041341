"""A bridged call whose end Twilio never reported is settled by the sweep, not left
holding its agent "on a call" for ever."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from call_routing.gateway import call_queue
from call_routing.reconcile import STALE_AFTER_SECONDS
from call_routing.service import routing_service
from ivr.models import Call
from tests.builders import create_staff_member
from tests.call_routing.test_views import a_call, go_available


@pytest.fixture
def staff(db_session):
    khmer = create_staff_member(db_session, email="khmer@example.org", skills={"km": 5})
    db_session.commit()
    return {"khmer": khmer}


def connected_call(client, services, staff, twilio_rest) -> str:
    go_available(client, staff["khmer"])
    call_sid = a_call(services, twilio_rest)
    call_queue(services).join(call_sid=call_sid, language="km", dialect=None)
    assert client.post("/api/agents/me/offer/accept").status_code == 200
    assert client.get("/api/agents/me/state").json["state"] == "on_call"
    return call_sid


def test_a_call_twilio_ended_long_ago_is_settled(client, services, staff, twilio_rest, clock):
    call_sid = connected_call(client, services, staff, twilio_rest)
    twilio_rest.get(call_sid).status = "completed"      # the status callback was lost
    routing = routing_service(services)

    clock.advance(STALE_AFTER_SECONDS - 60)              # not stale yet: nobody asks Twilio
    assert routing.sweep()["reconciled"] == 0
    assert twilio_rest.rest_log.requests(method="GET", path_suffix=f"/{call_sid}.json") == []

    clock.advance(120)
    services.redis.delete(routing.engine.key("reconcile-lock"))   # a minute has passed
    assert routing.sweep()["reconciled"] == 1
    assert client.get("/api/agents/me/state").json["state"] == "wrap_up"
    with services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == call_sid))
        assert call.ended_at is not None


def test_a_long_conversation_still_going_is_left_alone(client, services, staff, twilio_rest,
                                                       clock):
    call_sid = connected_call(client, services, staff, twilio_rest)
    clock.advance(STALE_AFTER_SECONDS + 60)
    routing = routing_service(services)
    assert routing.sweep()["reconciled"] == 0
    # Twilio was asked (the call is stale) and said it is still in progress.
    assert len(twilio_rest.rest_log.requests(method="GET",
                                             path_suffix=f"/{call_sid}.json")) == 1
    assert client.get("/api/agents/me/state").json["state"] == "on_call"
    # ... and not asked again within the minute.
    routing.sweep()
    assert len(twilio_rest.rest_log.requests(method="GET",
                                             path_suffix=f"/{call_sid}.json")) == 1


def test_a_call_twilio_no_longer_knows_is_settled_not_asked_about_for_ever(
        client, services, staff, twilio_rest, clock):
    call_sid = connected_call(client, services, staff, twilio_rest)
    twilio_rest.forget(call_sid)                         # Twilio answers 404 (error 20404)
    clock.advance(STALE_AFTER_SECONDS + 60)
    assert routing_service(services).heal()["reconciled"] == 1
    assert [item.status for item in twilio_rest.rest_log.requests(
        method="GET", path_suffix=f"/{call_sid}.json")] == [404]
    assert client.get("/api/agents/me/state").json["state"] == "wrap_up"
