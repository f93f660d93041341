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


def test_agents_serving_counts_dialect_and_parent_speakers_who_can_answer(engine, clock):
    online(engine, 1, {"shn": 4})
    online(engine, 2, {"my": 5}, state="break")    # on a break: cannot answer
    online(engine, 3, {"my": 5})
    engine.set_presence(3, "offline")
    assert engine.agents_serving("my", "shn") == 1
    assert engine.agents_serving("shn") == 1
    assert engine.agents_serving("my") == 0
    assert engine.agents_serving("km") == 0
    online(engine, 2, {"my": 5})
    assert engine.agents_serving("shn") == 2 and engine.agents_serving("my") == 1
    # reserved, on a call and wrapping up all still serve; a missed offer does not
    engine.join("CA1", "my", None)
    assert engine.agent(2)["state"] == "reserved" and engine.agents_serving("my") == 1
    engine.accept(2, "CA1")
    assert engine.agents_serving("my") == 1
    engine.finish_call("CA1")
    assert engine.agent(2)["state"] == "wrap_up" and engine.agents_serving("my") == 1
    engine.wrap_up_done(2)
    engine.join("CA2", "my", None)
    clock.advance(16)
    engine.tick()
    assert engine.agent(2)["reason"] == "missed" and engine.agents_serving("my") == 0
    # a change of skills moves the agent between languages
    engine.set_presence(1, "available", skills={"km": 3})
    assert engine.agents_serving("shn") == 0 and engine.agents_serving("km") == 1


def test_serving_sets_are_rebuilt_for_state_written_before_they_existed(engine, redis_client):
    online(engine, 1, {"km": 4})
    online(engine, 2, {"km": 4}, state="break")
    redis_client.delete("hl:rt:serving:km", "hl:rt:serving-built")
    engine._serving_checked = False
    assert engine.agents_serving("km") == 1


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


def test_interpreter_is_offered_the_call_joins_on_accept_and_both_wrap_up(engine, clock):
    online(engine, 1, {"shn": 5})
    engine.join("CA1", "my", "shn")
    engine.accept(1, "CA1")
    online(engine, 2, {"my": 5, "en": 5})
    assert engine.add_interpreter("CA1", 2) == 1
    offer = engine.offer_for(2)
    assert (offer.kind, offer.call_sid, offer.owner_agent_id) == ("interpreter", "CA1", 1)
    assert (offer.language, offer.dialect) == ("my", "shn")
    assert engine.agent(2)["state"] == "reserved"
    assert engine.status("CA1").interpreter_offered_to == 2
    with pytest.raises(RoutingError):
        engine.accept(2, "CA1")                 # not a call to be bridged
    assert engine.accept_interpreter(2, "CA1") == 1
    assert engine.agent(2)["state"] == "on_call"
    status = engine.status("CA1")
    assert (status.interpreter_id, status.interpreter_offered_to) == (2, None)
    engine.finish_call("CA1")
    assert engine.agent(1)["state"] == "wrap_up" and engine.agent(2)["state"] == "wrap_up"


def test_an_interpreter_offer_declined_or_lapsed_leaves_the_call_as_it_was(engine, clock):
    online(engine, 1, {"km": 5})
    engine.join("CA1", "km", None)
    engine.accept(1, "CA1")
    online(engine, 2, {"km": 5})
    engine.add_interpreter("CA1", 2)
    engine.decline(2, "CA1")
    assert engine.agent(2)["reason"] == "declined"
    status = engine.status("CA1")
    assert (status.state, status.agent_id, status.interpreter_offered_to) == ("connected", 1,
                                                                              None)
    online(engine, 2, {"km": 5})
    engine.add_interpreter("CA1", 2)
    clock.advance(16)
    assert engine.tick()["expired"] == 1
    assert engine.agent(2)["reason"] == "missed"
    assert engine.status("CA1").state == "connected" and engine.agent(1)["state"] == "on_call"
    # the caller hangs up while an interpreter is being offered: the offer goes
    online(engine, 2, {"km": 5})
    engine.add_interpreter("CA1", 2)
    engine.finish_call("CA1")
    assert engine.agent(2)["state"] == "available" and engine.offer_for(2) is None


# ---------------------------------------------------------------- deferred work


def test_the_sokha_scenario_a_live_caller_takes_over_an_offered_callback(engine, clock):
    engine.join("CB-TH", "th", None, callback=True)
    clock.advance(120)
    online(engine, 7, {"km": 5, "th": 2})            # Sokha: offered the Thai callback
    offer = engine.offer_for(7)
    assert (offer.call_sid, offer.kind) == ("CB-TH", "callback")
    clock.advance(1)
    engine.join("CA-KM", "km", None)                 # a Khmer caller presses 1
    offer = engine.offer_for(7)
    assert (offer.call_sid, offer.kind) == ("CA-KM", "call")
    assert offer.deadline == pytest.approx(clock.now() + 15)
    callback = engine.status("CB-TH")
    assert (callback.state, callback.position, callback.kind) == ("waiting", 1, "callback")
    assert "release 7 CB-TH preempted" in engine.journal()
    # after the Khmer caller, the callback is hers again
    engine.accept(7, "CA-KM")
    engine.finish_call("CA-KM")
    engine.wrap_up_done(7)
    assert engine.offer_for(7).call_sid == "CB-TH"


def test_a_free_agent_takes_a_live_caller_before_older_deferred_work(engine, clock):
    engine.join("CB1", "km", None, callback=True)
    clock.advance(10)
    engine.join("VM1", "km", None, voicemail=True)
    clock.advance(10)
    engine.join("CA1", "km", None)
    assert engine.status("CA1").position == 1        # deferred work is not ahead in line
    online(engine, 1, {"km": 5})
    assert engine.offer_for(1).call_sid == "CA1"
    engine.accept(1, "CA1")
    engine.finish_call("CA1")
    engine.wrap_up_done(1)
    assert engine.offer_for(1).call_sid == "CB1"     # then the oldest deferred work
    engine.decline(1, "CB1")
    online(engine, 1, {"km": 5})
    assert engine.offer_for(1).call_sid == "CB1"     # declined: it kept its place
    engine.accept(1, "CB1")
    engine.finish_call("CB1")
    engine.wrap_up_done(1)
    offer = engine.offer_for(1)
    assert (offer.call_sid, offer.kind) == ("VM1", "voicemail")


def test_deferred_work_stays_out_of_the_live_figures(engine, clock):
    online(engine, 1, {"km": 5})
    engine.join("VM1", "km", None, voicemail=True)
    clock.advance(3)
    engine.accept(1, "VM1")
    engine.finish_call("VM1")
    stats = engine.redis.hgetall(f"hl:rt:stats:{engine._day(clock.now())}:km")
    assert stats == {}
    assert engine.redis.llen("hl:rt:handle:km") == 0


def test_asking_for_a_callback_while_queued_keeps_the_place(engine, clock):
    engine.join("CA1", "km", None)
    clock.advance(30)
    engine.join("CA2", "km", None, callback=True)    # joined later, asked straight away
    clock.advance(30)
    status = engine.join("CA1", "km", None, callback=True)
    assert (status.kind, status.state) == ("callback", "waiting")
    assert engine.redis.zcard("hl:rt:q:km") == 0
    online(engine, 1, {"km": 5})
    assert engine.offer_for(1).call_sid == "CA1"     # its first arrival time


def test_asking_for_a_callback_while_being_offered_frees_the_agent(engine):
    online(engine, 1, {"km": 5})
    engine.join("CA1", "km", None)
    assert engine.offer_for(1).call_sid == "CA1"
    engine.join("CA1", "km", None, callback=True)
    offer = engine.offer_for(1)                      # the same work, now as a callback
    assert (offer.call_sid, offer.kind) == ("CA1", "callback")
    assert "release 1 CA1 cancelled" in engine.journal()


def test_a_callback_is_not_offered_before_its_time(engine, clock):
    online(engine, 1, {"km": 5})
    engine.join("CB1", "km", None, callback=True, not_before=clock.now() + 600)
    assert engine.offer_for(1) is None
    assert engine.status("CB1").state == "waiting"
    clock.advance(599)
    assert engine.tick()["deferred_due"] == 0 and engine.offer_for(1) is None
    clock.advance(1)
    assert engine.tick()["deferred_due"] == 1
    assert engine.offer_for(1).call_sid == "CB1"


def test_defer_until_moves_a_waiting_callback_later_and_back(engine, clock):
    engine.join("CB1", "km", None, callback=True)
    assert engine.defer_until("CB1", clock.now() + 60)
    online(engine, 1, {"km": 5})
    assert engine.offer_for(1) is None
    assert engine.defer_until("CB1", None)
    assert engine.offer_for(1).call_sid == "CB1"
    assert not engine.defer_until("CB1", None)       # offered, not waiting


def test_an_unanswered_callback_returns_to_its_place_from_its_retry_time(engine, clock):
    online(engine, 1, {"km": 5})
    engine.join("CB1", "km", None, callback=True)
    clock.advance(5)
    engine.join("CB2", "km", None, callback=True)
    engine.accept(1, "CB1")
    assert engine.retry_callback("CB1", clock.now() + 300) == 1
    assert engine.agent(1)["state"] == "wrap_up"
    engine.wrap_up_done(1)
    assert engine.offer_for(1).call_sid == "CB2"     # CB1 is not due yet
    engine.accept(1, "CB2")
    engine.finish_call("CB2")
    engine.wrap_up_done(1)
    clock.advance(300)
    engine.tick()
    assert engine.offer_for(1).call_sid == "CB1"
    assert engine.retry_callback("CB2", clock.now()) is None   # over already


def test_call_back_now_takes_a_waiting_callback_at_once(engine, clock):
    engine.join("CB1", "km", None, callback=True, not_before=clock.now() + 3600)
    online(engine, 1, {"km": 5}, state="break")
    engine.take_callback(1, "CB1")
    assert engine.agent(1)["state"] == "on_call"
    assert engine.status("CB1").state == "connected"
    with pytest.raises(RoutingError) as caught:
        engine.take_callback(1, "CB1")
    assert caught.value.code == "agent_busy"
    online(engine, 2, {"km": 5})
    with pytest.raises(RoutingError) as caught:
        engine.take_callback(2, "CB1")
    assert caught.value.code == "call_not_found"
    engine.finish_call("CB1")
    assert engine.agent(1)["state"] == "wrap_up"


def test_estimated_wait_uses_position_serving_agents_and_recent_handle_times(engine, clock):
    online(engine, 1, {"km": 5})
    engine.join("CA0", "km", None)
    engine.accept(1, "CA0")
    engine.join("CA1", "km", None)
    engine.join("CA2", "km", None)
    assert engine.status("CA2").estimated_wait_seconds is None    # no handle time yet
    clock.advance(240)
    engine.finish_call("CA0")                        # 240 s talk + 60 s wrap-up
    engine.wrap_up_done(1)                           # takes CA1
    assert engine.status("CA2").position == 1
    assert engine.status("CA2").estimated_wait_seconds == 300
    online(engine, 2, {"km": 4}, state="break")      # on a break: no help
    assert engine.status("CA2").estimated_wait_seconds == 300
    engine.accept(1, "CA1")
    online(engine, 3, {"th": 5})
    online(engine, 2, {"km": 4})                     # takes CA2 at once
    engine.join("CA3", "km", None)
    engine.join("CA4", "km", None)
    assert engine.status("CA4").position == 2
    assert engine.status("CA4").estimated_wait_seconds == 300     # 2 x 300 s / 2 agents


def test_offers_say_what_they_are(engine):
    online(engine, 1, {"km": 5, "th": 5})
    engine.join("CA1", "km", None, urgent=True)
    offer = engine.offer_for(1)
    assert (offer.kind, offer.urgent, offer.callback) == ("call", True, False)
    engine.accept(1, "CA1")
    online(engine, 2, {"th": 5})
    engine.transfer_to_language("CA1", "th")            # to a language queue
    assert engine.offer_for(2).kind == "transfer"
    engine.accept(2, "CA1")
    online(engine, 3, {"km": 5})
    engine.transfer_to_agent("CA1", 3)                  # to a named agent
    assert engine.offer_for(3).kind == "transfer"
    engine.finish_call("CA1")
    engine.wrap_up_done(1)
    engine.join("VM1", "th", None, voicemail=True)
    assert engine.offer_for(1).kind == "voicemail"
