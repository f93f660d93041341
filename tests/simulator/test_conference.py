"""<Dial><Conference>: calls meet in a named room; who starts it, who ends it, what
the others' TwiML does then; agents dialled in by the REST API or moved in from
a <Dial><Client> bridge, and hanging up from their softphone."""

from __future__ import annotations

import time

import requests

from simulator.endpoints import Behaviour
from tests.builders import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from tests.simulator.conftest import LINE

AUTH = (TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)
ROOM = ('<Response><Dial action="{action}"><Conference startConferenceOnEnter="{start}" '
        'endConferenceOnExit="{end}" beep="false" waitUrl="/hold" statusCallback="/conf" '
        'statusCallbackEvent="start end join leave">room-1</Conference></Dial>'
        "<Say>after the conference</Say></Response>")


def room(action="/left", start="true", end="false"):
    return ROOM.format(action=action, start=start, end=end)


def until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def rest(sim, path, method="get", **form):
    url = f"{sim.rest_url}/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/{path}"
    response = requests.request(method, url, data=form or None, auth=AUTH, timeout=5)
    assert response.status_code < 300, response.text
    return response.json()


def start(sim, path):
    call = sim.engine.place_call(to=LINE, voice_url=sim.app.url(path))
    sim.engine.start(call)
    return call


def inside(sim, name="room-1"):
    conference = sim.engine.conferences.live(name, TEST_ACCOUNT_SID)
    return [] if conference is None else [p.call_sid for p in conference.participants]


def test_a_participant_with_end_conference_on_exit_ends_it_for_the_others(sim):
    sim.app.documents.update({
        "/first": room(start="false"), "/second": room(end="true"),
        "/left": "<Response><Say>the room closed</Say></Response>", "/conf": "<Response/>"})
    first = start(sim, "/first")
    until(lambda: inside(sim) == [first.sid])
    conference = sim.engine.conferences.live("room-1", TEST_ACCOUNT_SID)
    assert conference.status == "init"                 # nobody has started it yet
    second = start(sim, "/second")
    until(lambda: inside(sim) == [first.sid, second.sid])
    assert conference.status == "in-progress"

    listed = rest(sim, f"Conferences/{conference.sid}/Participants.json")["participants"]
    assert [(p["call_sid"], p["end_conference_on_exit"], p["status"]) for p in listed] == [
        (first.sid, False, "connected"), (second.sid, True, "connected")]
    assert rest(sim, "Conferences.json", FriendlyName="room-1")  # the list answers

    rest(sim, f"Calls/{second.sid}.json", "post", Status="completed")   # second hangs up
    assert first.wait(10) and second.wait(10)

    assert conference.status == "completed" and inside(sim) == []
    assert conference.reason_ended == "participant-with-end-conference-on-exit-left"
    assert conference.call_sid_ending == second.sid
    [left] = [hit for hit in sim.app.hits_to("/left") if hit.params["CallSid"] == first.sid]
    assert left.params["DialCallStatus"] == "completed" and left.params["CallStatus"] == (
        "in-progress")
    assert first.heard[-1].text == "the room closed"    # first's TwiML went on
    assert first.bridged_to == "conference:room-1" and first.ended_by == "app"
    [hung_up] = [hit for hit in sim.app.hits_to("/left") if hit.params["CallSid"] == second.sid]
    assert hung_up.params["CallStatus"] == "completed"  # asked although second is gone
    events = [(hit.params["StatusCallbackEvent"], hit.params.get("CallSid"))
              for hit in sim.app.hits_to("/conf")]
    assert events[:3] == [("participant-join", first.sid), ("participant-join", second.sid),
                          ("conference-start", None)]
    # first, put out, leaves in its own thread while second reports the end
    assert sorted(events[3:], key=str) == sorted([
        ("participant-leave", second.sid), ("conference-end", None),
        ("participant-leave", first.sid)], key=str)
    assert not any(hit.path == "/hold" for hit in sim.app.hits)     # waitUrl: not fetched


def test_without_an_action_the_call_goes_on_after_dial_when_the_last_one_leaves(sim):
    sim.engine.pace = 0.01
    sim.app.documents.update({"/a": room(action=""), "/b": room(action=""),
                              "/conf": "<Response/>"})
    sim.app.documents["/a"] = sim.app.documents["/a"].replace(' action=""', "")
    sim.app.documents["/b"] = sim.app.documents["/b"].replace(' action=""', "")
    a = start(sim, "/a")
    until(lambda: inside(sim) == [a.sid])
    b = sim.engine.place_call(to=LINE, voice_url=sim.app.url("/b"))
    b.script.hangup_after = 20
    sim.engine.start(b)
    assert b.wait(10)
    assert inside(sim) == [a.sid]                       # a stays: nobody ended the room
    sim.engine.hangup(a.sid, by="caller")
    assert a.wait(10)
    conference = sim.engine.conferences.all()[0]
    assert conference.reason_ended == "last-participant-left"
    assert a.ended_by == "caller" and b.ended_by == "caller"


def test_an_agent_dialled_in_with_the_rest_api_joins_and_hangs_up_from_the_softphone(sim):
    endpoint = sim.engine.endpoints.register("client", "agent-7",
                                             Behaviour(answer_after=2, talk_seconds=None))
    sim.app.documents.update({"/caller": room(end="true"), "/agent": room(action=""),
                              "/left": "<Response/>", "/conf": "<Response/>",
                              "/agent-status": "<Response/>"})
    caller = start(sim, "/caller")
    until(lambda: inside(sim) == [caller.sid])
    created = rest(sim, "Calls.json", "post", To="client:agent-7", From=LINE,
                   Url=sim.app.url("/agent"), StatusCallback=sim.app.url("/agent-status"))
    assert created["direction"] == "outbound-api" and created["to"] == "client:agent-7"
    agent = sim.engine.get(created["sid"])
    until(lambda: inside(sim) == [caller.sid, agent.sid])
    assert rest(sim, f"Calls/{agent.sid}.json")["status"] == "in-progress"

    assert sim.engine.endpoints.hangup("client", "agent-7")       # the agent hangs up
    assert agent.wait(10)
    assert agent.ended_by == "agent" and inside(sim) == [caller.sid]
    assert endpoint.rings == [{"call_sid": agent.sid, "direction": "outbound-api",
                               "result": "answered"}]
    [status] = sim.app.hits_to("/agent-status")
    assert status.params["CallStatus"] == "completed"
    sim.engine.hangup(caller.sid, by="caller")
    assert caller.wait(10)


def test_a_rest_call_nobody_answers_ends_as_no_answer(sim):
    sim.engine.endpoints.register("client", "agent-8", Behaviour(answer_after=None))
    created = rest(sim, "Calls.json", "post", To="client:agent-8", From=LINE,
                   Twiml="<Response><Say>never heard</Say></Response>", Timeout="15")
    call = sim.engine.get(created["sid"])
    assert call.wait(10)
    assert call.status == "no-answer" and call.heard == [] and call.answered_at is None


def test_an_agent_leg_redirected_out_of_a_bridge_moves_into_the_conference(sim):
    """The interpreter case: the agent who is talking to the caller is moved into a
    conference without being rung again; the caller's <Dial> ends and its action
    takes the caller into the same room."""
    sim.engine.pace = 0.01
    endpoint = sim.engine.endpoints.register("client", "agent-1",
                                             Behaviour(answer_after=1, talk_seconds=None))
    sim.app.documents.update({
        "/voice": ('<Response><Dial action="/bridge-ended"><Client>agent-1</Client></Dial>'
                   "</Response>"),
        "/bridge-ended": room(action="/left", end="true"),
        "/agent-room": room(action=""), "/left": "<Response/>", "/conf": "<Response/>"})
    caller = start(sim, "/voice")
    until(lambda: bool(caller.child_sids))
    leg_sid = caller.child_sids[0]
    rest(sim, f"Calls/{leg_sid}.json", "post", Url=sim.app.url("/agent-room"))
    until(lambda: sorted(inside(sim)) == sorted([caller.sid, leg_sid]))

    [ended] = sim.app.hits_to("/bridge-ended")
    assert ended.params["DialCallStatus"] == "completed"
    assert ended.params["DialCallSid"] == leg_sid
    leg = sim.engine.get(leg_sid)
    assert leg.status == "in-progress" and leg.parent_call_sid == caller.sid
    assert [ring["result"] for ring in endpoint.rings] == ["answered"]   # rang once

    assert sim.engine.endpoints.hangup("client", "agent-1")     # from the softphone
    assert leg.wait(10) and leg.ended_by == "agent"
    assert inside(sim) == [caller.sid]
    sim.engine.hangup(caller.sid, by="caller")
    assert caller.wait(10)


def test_redirecting_the_caller_hangs_up_the_agent_leg_as_twilio_does(sim):
    sim.engine.pace = 0.01
    sim.engine.endpoints.register("client", "agent-1", Behaviour(answer_after=1,
                                                                 talk_seconds=None))
    sim.app.documents.update({
        "/voice": '<Response><Dial><Client>agent-1</Client></Dial></Response>',
        "/elsewhere": "<Response><Say>moved</Say></Response>"})
    caller = start(sim, "/voice")
    until(lambda: bool(caller.child_sids))
    rest(sim, f"Calls/{caller.sid}.json", "post", Url=sim.app.url("/elsewhere"))
    assert caller.wait(10)
    leg = sim.engine.get(caller.child_sids[0])
    assert leg.finished and leg.status == "completed" and leg.ended_by == "redirect"
    assert caller.heard[-1].text == "moved"
