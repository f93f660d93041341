"""A callback request made while Redis refuses connections is kept and queued later."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from call_routing.service import routing_service
from helpline.embedded_redis import free_port
from ivr.callback_intake import requeue_lost_callbacks
from ivr.models import CallbackRequest


@contextmanager
def redis_refusing(client) -> Iterator[None]:
    """Every user of this client (queue, routing engine) meets a refused connection."""
    pool = client.connection_pool
    port = pool.connection_kwargs["port"]
    pool.connection_kwargs["port"] = free_port()   # nothing listens there
    pool.reset()      # connections remember their port: make them anew
    try:
        yield
    finally:
        pool.connection_kwargs["port"] = port
        pool.reset()


def test_a_callback_request_made_while_redis_is_down_is_queued_when_it_returns(stand_in):
    routing_service(stand_in.services)   # built as in a running app, on the same client
    with redis_refusing(stand_in.services.redis):
        result = stand_in.call(to="+661800000102", press=["3", "1"])
    # The caller heard their request confirmed, not an apology.
    assert result.prompt_ids[-2:] == ["callback_confirmed", "goodbye"]
    assert "technical_problem" not in result.prompt_ids
    with stand_in.services.db.session() as session:
        request = session.query(CallbackRequest).one()
        assert request.status == "open"
    call_sid = result.json["call_sid"]
    engine = routing_service(stand_in.services).engine
    assert engine.status(call_sid) is None, "not in the queue yet"

    assert requeue_lost_callbacks(stand_in.services) == 1
    status = engine.status(call_sid)
    assert status is not None and status.callback and status.language == "km"
    assert requeue_lost_callbacks(stand_in.services) == 0, "queued once"
