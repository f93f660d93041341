"""The engine on a real Redis with a simulated clock: every trigger and transition."""

from __future__ import annotations

import pytest

from call_routing.engine import Transition
from call_routing.errors import RoutingError


def online(engine, agent_id, skills, state="available"):
    engine.set_presence(agent_id, state, skills=skills)


def test_a_joining_call_is_offered_to_the_free_agent_with_its_language(engine):
    online(engine, 1, {"th": 5})
    online(engine, 2, {"km": 4})
    status = engine.join("CA1", "km", None)
    assert status.state == "reserved"
    offer = engine.offer_for(2)
    assert offer is not None and offer.call_sid == "CA1" and offer.language == "km"
    assert offer.deadline == pytest.approx(engine.clock.now() + 15)
    assert engine.offer_for(1) is None


def test_an_agent_becoming_available_takes_the_oldest_waiting_call(engine, clock):
    engine.join("CA1", "km", None)
    clock.advance(5)
    engine.join("CA2", "km", None)
    assert engine.status("CA1").position == 1 and engine.status("CA2").position == 2
    online(engine, 7, {"km": 5})
    assert engine.offer_for(7).call_sid == "CA1"
    assert engine.status("CA2").position == 1


def test_accept_connects_and_hangup_starts_a_wrap_up_that_ends_by_itself(engine, clock):
    online(engine, 1, {"km": 5})
    engine.join("CA1", "km", None)
    clock.advance(4)
    assert engine.accept(1, "CA1") == pytest.approx(4)
    assert engine.agent(1)["state"] == "on_call"
    assert engine.status("CA1").state == "connected"
    clock.advance(100)
    assert engine.finish_call("CA1") == "connected"
    assert engine.agent(1)["state"] == "wrap_up"
    engine.join("CA2", "km", None)
    assert engine.offer_for(1) is None          # wrapping up: not offered
    clock.advance(59)
    assert engine.sweep()["wrap_ups_ended"] == 0
    clock.advance(2)
    assert engine.sweep()["wrap_ups_ended"] == 1
    assert engine.offer_for(1).call_sid == "CA2"


def test_an_offer_not_accepted_in_time_is_missed_and_the_caller_keeps_their_place(
        engine, clock):
    online(engine, 1, {"km": 5})
    engine.join("CA1", "km", None)          # offered to agent 1
    clock.advance(1)
    engine.join("CA2", "km", None)          # waits behind
    clock.advance(13.5)
    assert engine.sweep()["expired"] == 0
    clock.advance(1)
    assert engine.sweep()["expired"] == 1
    assert engine.agent(1)["state"] == "break" and engine.agent(1)["reason"] == "missed"
    assert engine.status("CA1").position == 1 and engine.status("CA2").position == 2
    online(engine, 2, {"km": 3})
    assert engine.offer_for(2).call_sid == "CA1"


def test_accept_after_the_deadline_is_refused_once_the_sweep_expired_it(engine, clock):
    online(engine, 1, {"km": 5})
    engine.join("CA1", "km", None)
    clock.advance(16)
    engine.sweep()
    with pytest.raises(RoutingError) as caught:
        engine.accept(1, "CA1")
    assert caught.value.code == "no_offer"


def test_decline_gives_the_call_to_the_next_agent(engine):
    online(engine, 1, {"km": 5})
    clock_first = engine.clock.now()
    engine.clock.advance(1)
    online(engine, 2, {"km": 5})
    engine.join("CA1", "km", None)
    assert engine.offer_for(1).call_sid == "CA1"   # idle longest
    engine.decline(1, "CA1")
    assert engine.agent(1)["state"] == "break" and engine.agent(1)["reason"] == "declined"
    assert engine.offer_for(2).call_sid == "CA1"
    assert clock_first < engine.clock.now()


def test_an_agent_is_never_offered_two_calls(engine):
    online(engine, 1, {"km": 5})
    for n in range(3):
        engine.join(f"CA{n}", "km", None)
    assert engine.offer_for(1).call_sid == "CA0"
    assert [engine.status(f"CA{n}").state for n in range(3)] == [
        "reserved", "waiting", "waiting"]
    with pytest.raises(RoutingError) as caught:
        engine.accept(1, "CA1")
    assert caught.value.code == "no_offer"


def test_join_is_idempotent_on_call_sid(engine):
    engine.join("CA1", "km", None)
    engine.join("CA1", "km", None)
    assert engine.status("CA1").position == 1
    assert engine.redis.zcard("hl:rt:q:km") == 1


def test_a_caller_who_hung_up_never_rejoins(engine):
    engine.join("CA1", "km", None)
    assert engine.leave("CA1", "hung_up") == "waiting"
    assert engine.join("CA1", "km", None).state == "ended"
    assert engine.redis.zcard("hl:rt:q:km") == 0


def test_leaving_while_offered_returns_the_agent_to_available_at_the_front(engine, clock):
    online(engine, 1, {"km": 5})
    clock.advance(1)
    online(engine, 2, {"km": 5})
    engine.join("CA1", "km", None)
    assert engine.leave("CA1", "hung_up") == "reserved"
    assert engine.agent(1)["state"] == "available"
    engine.join("CA2", "km", None)
    assert engine.offer_for(1).call_sid == "CA2"     # still idle longest


def test_bridge_failure_returns_the_caller_to_the_front_and_the_agent_to_a_break(
        engine, clock):
    online(engine, 1, {"km": 5})
    engine.join("CA1", "km", None)
    engine.accept(1, "CA1")
    clock.advance(1)
    engine.join("CA2", "km", None)
    engine.join("CA3", "km", None, urgent=True)
    assert engine.bridge_failed("CA1") == 1
    assert engine.agent(1)["reason"] == "missed"
    assert engine.status("CA1").position == 1       # ahead even of the urgent caller
    assert engine.status("CA3").position == 2


def test_presence_cannot_change_during_a_call(engine):
    online(engine, 1, {"km": 5})
    engine.join("CA1", "km", None)
    with pytest.raises(RoutingError) as caught:
        engine.set_presence(1, "break", "lunch")
    assert caught.value.code == "agent_busy"


def test_every_state_change_is_reported(engine, events):
    online(engine, 1, {"km": 5})
    engine.join("CA1", "km", None)
    engine.accept(1, "CA1")
    engine.finish_call("CA1")
    states = [e.state for e in events if isinstance(e, Transition)]
    assert states == ["available", "reserved", "on_call", "wrap_up"]


def test_agents_logged_in_counts_dialect_and_parent_speakers(engine):
    online(engine, 1, {"shn": 4})
    online(engine, 2, {"my": 5}, state="break")
    online(engine, 3, {"my": 5})
    engine.set_presence(3, "offline")
    assert engine.agents_logged_in("my", "shn") == 2
    assert engine.agents_logged_in("shn") == 2
    assert engine.agents_logged_in("my") == 1
    assert engine.agents_logged_in("km") == 0


def test_dialect_caller_widens_to_burmese_speakers_after_two_minutes(engine, clock):
    online(engine, 1, {"my": 5})
    engine.join("CA1", "my", "shn")
    assert engine.status("CA1").state == "waiting"
    clock.advance(119)
    engine.sweep()
    assert engine.status("CA1").state == "waiting"
    clock.advance(2)
    engine.sweep()
    assert engine.offer_for(1).call_sid == "CA1"


def test_urgent_callers_go_first(engine, clock):
    engine.join("CA1", "km", None)
    clock.advance(1)
    engine.join("CA2", "km", None, urgent=True)
    online(engine, 1, {"km": 5})
    assert engine.offer_for(1).call_sid == "CA2"


def test_transfer_to_another_language_queue(engine):
    online(engine, 1, {"km": 5, "th": 5})
    engine.join("CA1", "km", None)
    engine.accept(1, "CA1")
    online(engine, 2, {"th": 4})
    assert engine.transfer_to_language("CA1", "th") == 1
    assert engine.agent(1)["state"] == "wrap_up"
    assert engine.offer_for(2).call_sid == "CA1"


def test_transfer_to_a_named_agent_needs_them_available(engine):
    online(engine, 1, {"km": 5})
    engine.join("CA1", "km", None)
    engine.accept(1, "CA1")
    online(engine, 2, {"km": 5}, state="break")
    with pytest.raises(RoutingError) as caught:
        engine.transfer_to_agent("CA1", 2)
    assert caught.value.code == "agent_not_available"
    assert engine.agent(1)["state"] == "on_call"
    online(engine, 2, {"km": 5})
    engine.transfer_to_agent("CA1", 2)
    assert engine.offer_for(2).call_sid == "CA1"
    engine.accept(2, "CA1")
    assert engine.status("CA1").agent_id == 2


def test_interpreter_joins_and_both_agents_wrap_up_at_the_end(engine):
    online(engine, 1, {"shn": 5})
    engine.join("CA1", "my", "shn")
    engine.accept(1, "CA1")
    online(engine, 2, {"my": 5, "en": 5})
    assert engine.add_interpreter("CA1", 2) == 1
    assert engine.agent(2)["state"] == "on_call"
    engine.finish_call("CA1")
    assert engine.agent(1)["state"] == "wrap_up" and engine.agent(2)["state"] == "wrap_up"
