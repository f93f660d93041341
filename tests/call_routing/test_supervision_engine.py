"""Supervisors in the engine (real Redis, simulated clock): a forced state withdraws an
offer and the work keeps its place; reassigned work is offered only to its agent, at
once or when they are free, and returns to ordinary routing after the wait."""

from __future__ import annotations

import pytest

from call_routing.errors import RoutingError
from call_routing.live import live_figures

SUPERVISOR = 99


def online(engine, agent_id, skills, state="available"):
    engine.set_presence(agent_id, state, skills=skills)


def reservations_in_journal(engine) -> dict[str, int]:
    """How often each item was reserved with no release, accept or end in between."""
    open_offers: dict[str, int] = {}
    for entry in engine.journal():
        verb, *rest = entry.split(" ")
        if verb == "reserve":
            sid = rest[1]
            open_offers[sid] = open_offers.get(sid, 0) + 1
            assert open_offers[sid] == 1, f"{sid} reserved twice: {entry}"
        elif verb in ("release", "accept"):
            open_offers[rest[1]] = 0
    return open_offers


def test_forcing_an_offered_agent_offline_withdraws_the_offer_and_the_caller_is_the_head(
        engine, clock, events):
    online(engine, 1, {"ne": 5})
    engine.join("CA1", "ne", None)
    clock.advance(1)
    engine.join("CA2", "ne", None)
    assert engine.offer_for(1).call_sid == "CA1"

    forced = engine.force_presence(1, "offline", by=SUPERVISOR, note="left the desk")
    assert (forced.previous, forced.withdrawn_sid) == ("reserved", "CA1")
    assert engine.agent(1)["state"] == "offline"
    assert engine.agent(1)["reason"] == "supervisor"
    assert engine.forced_by(1) == (SUPERVISOR, "left the desk")
    assert engine.offer_for(1) is None
    # The caller is back where they were: first in line, before the later caller.
    assert engine.status("CA1").state == "waiting" and engine.status("CA1").position == 1
    assert engine.status("CA2").position == 2
    online(engine, 2, {"ne": 4})
    assert engine.offer_for(2).call_sid == "CA1"
    assert [e.state for e in events if getattr(e, "agent_id", None) == 2][-1] == "reserved"
    reservations_in_journal(engine)
    # Once the agent changes their own state, the supervisor's note is no longer theirs.
    clock.advance(5)
    online(engine, 1, {"ne": 5})
    assert engine.forced_by(1) is None


def test_a_forced_break_and_a_forced_ready_route_as_the_agents_own_would(engine, clock):
    online(engine, 1, {"km": 5}, state="break")
    engine.join("CA1", "km", None)
    assert engine.offer_for(1) is None
    engine.force_presence(1, "available", by=SUPERVISOR, note="back from lunch")
    assert engine.offer_for(1).call_sid == "CA1"
    assert engine.forced_by(1) is None   # the offer changed their state since
    engine.accept(1, "CA1")
    with pytest.raises(RoutingError) as refused:
        engine.force_presence(1, "offline", by=SUPERVISOR)
    assert refused.value.code == "agent_busy"
    assert engine.agent(1)["state"] == "on_call"


def test_a_caller_reassigned_to_a_busy_agent_waits_for_them_not_for_others(engine, clock):
    online(engine, 1, {"ne": 5})
    online(engine, 2, {"ne": 5})
    engine.join("CA0", "ne", None)                # agent 1 (longest idle) takes it
    engine.accept(1, "CA0")
    engine.join("CA1", "ne", None)                # offered to agent 2
    assert engine.offer_for(2).call_sid == "CA1"

    directed = engine.direct("CA1", 1, wait_seconds=120)
    assert not directed.offered and directed.withdrawn_from == 2
    assert engine.directed_to("CA1") == (1, pytest.approx(clock.now() + 120))
    # Agent 2, free again, is not offered the caller waiting for agent 1.
    assert engine.agent(2)["state"] == "available" and engine.offer_for(2) is None
    engine.tick()
    assert engine.offer_for(2) is None
    assert engine.status("CA1").state == "waiting"
    # The wallboard still counts the caller as waiting, though out of the queue's zset.
    row = next(r for r in live_figures(engine)["languages"] if r["language"] == "ne")
    assert row["waiting"] == 1

    clock.advance(30)
    engine.finish_call("CA0")
    engine.wrap_up_done(1)
    offer = engine.offer_for(1)
    assert offer is not None and offer.call_sid == "CA1"
    assert engine.directed_to("CA1") is None
    reservations_in_journal(engine)


def test_reassigned_work_returns_to_its_place_after_the_wait(engine, clock):
    online(engine, 1, {"ne": 5}, state="break")
    engine.join("CA1", "ne", None)
    clock.advance(1)
    engine.join("CA2", "ne", None)
    engine.direct("CA2", 1, wait_seconds=60)
    online(engine, 2, {"ne": 5})
    assert engine.offer_for(2).call_sid == "CA1"      # CA2 waits for agent 1
    engine.decline(2, "CA1")
    online(engine, 2, {"ne": 5})
    assert engine.offer_for(2).call_sid == "CA1"      # still: CA2 is agent 1's
    engine.accept(2, "CA1")
    clock.advance(61)
    engine.tick()
    assert engine.directed_to("CA2") is None
    assert engine.status("CA2").state == "waiting"
    online(engine, 3, {"ne": 5})
    assert engine.offer_for(3).call_sid == "CA2"


def test_a_callback_reassigned_to_an_available_agent_is_offered_at_once(engine, clock):
    online(engine, 1, {"km": 5})
    online(engine, 2, {"km": 3})
    engine.join("CB1", "km", None, callback=True, not_before=clock.now() + 3600)
    assert engine.offer_for(1) is None and engine.offer_for(2) is None   # not due
    directed = engine.direct("CB1", 2, wait_seconds=120)
    assert directed.offered
    offer = engine.offer_for(2)
    assert offer.call_sid == "CB1" and offer.kind == "callback"
    # A live caller nobody free can take does not take the directed offer over.
    engine.set_presence(1, "offline")
    engine.join("CA9", "km", None)
    assert engine.offer_for(2).call_sid == "CB1"
    reservations_in_journal(engine)


def test_reassigning_refuses_an_offline_agent_and_work_no_longer_waiting(engine):
    engine.join("CA1", "km", None)
    with pytest.raises(RoutingError) as offline:
        engine.direct("CA1", 5, wait_seconds=60)
    assert offline.value.code == "agent_not_available"
    engine.leave("CA1", "hung_up")
    online(engine, 5, {"km": 5})
    with pytest.raises(RoutingError) as gone:
        engine.direct("CA1", 5, wait_seconds=60)
    assert gone.value.code == "call_not_found"


def test_a_reassigned_caller_who_hangs_up_leaves_no_trace_for_their_agent(engine, clock):
    online(engine, 1, {"km": 5}, state="break")
    engine.join("CA1", "km", None)
    engine.direct("CA1", 1, wait_seconds=60)
    engine.leave("CA1", "hung_up")
    online(engine, 1, {"km": 5})
    assert engine.offer_for(1) is None
    clock.advance(61)
    engine.tick()
    assert engine.status("CA1").state == "ended"
    assert engine.redis.zcard(engine.key("directed")) == 0
