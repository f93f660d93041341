"""The IVR's port on the routing engine, and the periodic sweep job."""

from __future__ import annotations

import pytest

from call_routing import jobs
from call_routing.gateway import RedisCallQueue, call_queue
from call_routing.service import routing_service
from ivr.ports import QueueStatus
from tests.builders import create_staff_member


def test_call_queue_is_built_once_per_app(services):
    queue = call_queue(services)
    assert isinstance(queue, RedisCallQueue) and call_queue(services) is queue
    assert services.extras["call_queue"] is queue


def test_join_status_and_leave_as_the_ivr_sees_them(services, clock):
    queue = call_queue(services)
    first = queue.join(call_sid="CA1", language="my", dialect="shn")
    # nobody serving and no handle time measured: no estimate to give
    assert first == QueueStatus(call_sid="CA1", language="shn", position=1, waiting_seconds=0.0,
                                estimated_wait_seconds=None, agents_logged_in=0,
                                state="waiting")
    clock.advance(30)
    queue.join(call_sid="CA2", language="my", dialect="shn", callback=True)
    # a callback request waits with the deferred work: live callers are not behind it
    assert queue.status("CA1").position == 1
    assert queue.status("CA1").waiting_seconds == pytest.approx(30)
    queue.leave("CA1", "voicemail")
    assert queue.status("CA1") is None
    # a caller sent to the voicemail offer may choose to keep waiting
    assert queue.join(call_sid="CA1", language="my", dialect="shn").state == "waiting"


def test_estimated_wait_follows_staffing_and_recent_handle_times(services, db_session, clock):
    agent = create_staff_member(db_session, email="km@example.org", skills={"km": 5})
    db_session.commit()
    routing = routing_service(services)
    routing.set_state(agent.id, "available")
    queue = call_queue(services)
    queue.join(call_sid="CA1", language="km", dialect=None)
    routing.engine.accept(agent.id, "CA1")
    clock.advance(140)
    routing.engine.finish_call("CA1")                   # handle = 140 s talk + 60 s wrap-up
    queue.join(call_sid="CA2", language="km", dialect=None)
    queue.join(call_sid="CA3", language="km", dialect=None)
    assert queue.agents_logged_in("km") == 1
    assert queue.status("CA3").estimated_wait_seconds == 400   # 2nd in line x 200 s / 1 agent


def test_the_tick_job_expires_offers_and_the_sweep_is_tick_and_heal(services, db_session,
                                                                    clock):
    agent = create_staff_member(db_session, email="km@example.org", skills={"km": 5})
    db_session.commit()
    routing = routing_service(services)
    routing.set_state(agent.id, "available")
    call_queue(services).join(call_sid="CA1", language="km", dialect=None)
    clock.advance(16)
    assert jobs.tick(services) == {"expired": 1, "wrap_ups_ended": 0, "offered": 0,
                                   "deferred_due": 0}
    assert jobs.sweep(services) == {"expired": 0, "wrap_ups_ended": 0, "offered": 0,
                                    "deferred_due": 0, "reconciled": 0, "ghosts_removed": 0,
                                    "voicemails_queued": 0}
    assert routing.engine.agent(agent.id)["reason"] == "missed"
    assert call_queue(services).status("CA1").position == 1
