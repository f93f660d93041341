"""A 404 from Twilio about a stale connected call is an answer — the call is gone —
not a failure to retry: the call is ended once, its end says why, and Twilio is not
asked about it again."""

from __future__ import annotations

from sqlalchemy import select

from call_routing.reconcile import CHECK_EVERY_SECONDS, STALE_AFTER_SECONDS
from call_routing.service import routing_service
from ivr.models import Call, CallEvent
from tests.call_routing.test_reconcile import connected_call, staff  # noqa: F401 - fixture


def test_a_404_ends_the_call_once_and_records_why(client, services, staff, twilio_rest,  # noqa: F811
                                                  clock):
    call_sid = connected_call(client, services, staff, twilio_rest)
    twilio_rest.forget(call_sid)                         # Twilio answers 404 (error 20404)
    routing = routing_service(services)
    clock.advance(STALE_AFTER_SECONDS + 60)
    assert routing.heal()["reconciled"] == 1
    for _ in range(3):                                   # later passes: nothing to ask
        clock.advance(CHECK_EVERY_SECONDS + 1)
        services.redis.delete(routing.engine.key("reconcile-lock"))
        assert routing.heal()["reconciled"] == 0
    asked = twilio_rest.rest_log.requests(method="GET", path_suffix=f"/{call_sid}.json")
    assert [item.status for item in asked] == [404]
    with services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == call_sid))
        ended = session.scalars(select(CallEvent).where(
            CallEvent.call_id == call.id, CallEvent.kind == "bridge_ended")).all()
    assert call.ended_at is not None
    assert [event.detail["how"] for event in ended] == ["unknown_at_twilio"]
