"""<Enqueue> with a waitUrl loop, <Leave>, the action's QueueResult, and a queued
caller taken by another call's <Dial><Queue>."""

import threading

from tests.simulator.conftest import LINE

WAIT_PLAY = "<Response><Play>/audio/tone7s.wav</Play></Response>"


def test_wait_url_loop_reports_queue_parameters_then_leave(sim):
    sim.app.documents["/voice"] = ('<Response><Enqueue waitUrl="/wait" action="/left">'
                                   "support</Enqueue></Response>")
    sim.app.documents["/wait"] = lambda p: (
        "<Response><Leave/></Response>" if int(p["QueueTime"]) >= 20 else WAIT_PLAY)
    sim.app.documents["/left"] = "<Response><Say>voicemail now</Say></Response>"
    call = sim.call()
    waits = sim.app.hits_to("/wait")
    assert [h.params["QueueTime"] for h in waits] == ["0", "7", "14", "21"]
    assert all(h.params["QueuePosition"] == "1" and h.params["CurrentQueueSize"] == "1"
               for h in waits)
    assert waits[0].params["QueueSid"].startswith("QU") and waits[0].params["AvgQueueTime"] == "0"
    [left] = sim.app.hits_to("/left")
    assert left.params["QueueResult"] == "leave" and left.params["QueueTime"] == "21"
    assert call.queue_seconds == 21 and call.heard[-1].text == "voicemail now"


def test_caller_hanging_up_in_the_queue_reports_hangup(sim):
    sim.app.documents["/voice"] = ('<Response><Enqueue waitUrl="/wait" action="/left">'
                                   "support</Enqueue></Response>")
    sim.app.documents["/wait"] = WAIT_PLAY
    sim.app.documents["/left"] = "<Response/>"
    call = sim.call(hangup_after=30)
    assert sim.app.hits_to("/left")[0].params["QueueResult"] == "hangup"
    assert call.ended_by == "caller" and call.queue_seconds == 30


def test_without_wait_url_the_caller_hears_twilios_hold_music(sim):
    sim.app.documents["/voice"] = "<Response><Enqueue>support</Enqueue></Response>"
    call = sim.call(hangup_after=65)
    assert call.heard[0].audio_url.endswith("BusyStrings.mp3")
    assert len(call.heard) == 3


def test_positions_count_earlier_callers(sim):
    sim.engine.pace = 0.002          # two callers in real threads, time still simulated
    sim.app.documents["/voice"] = '<Response><Enqueue waitUrl="/wait">support</Enqueue></Response>'
    sim.app.documents["/wait"] = WAIT_PLAY
    first = sim.engine.place_call(to=LINE, from_="+66811111111")
    first.script.hangup_after = 200
    thread = sim.engine.start(first)
    while first.queue_name is None:
        threading.Event().wait(0.01)
    second = sim.call(hangup_after=8)
    positions = [h.params["QueuePosition"] for h in sim.app.hits
                 if h.path == "/wait" and h.params["CallSid"] == second.sid]
    assert positions[0] == "2"
    sim.engine.hangup(first.sid)
    thread.join(5)
    assert first.finished


def test_dial_queue_bridges_the_first_caller(sim):
    sim.engine.pace = 0.002
    sim.app.documents["/voice"] = lambda p: (
        '<Response><Dial action="/dialled"><Queue>support</Queue></Dial></Response>'
        if p["From"] == "+66899999999" else
        '<Response><Enqueue waitUrl="/wait" action="/after">support</Enqueue></Response>')
    sim.app.documents["/wait"] = WAIT_PLAY
    sim.app.documents["/after"] = "<Response/>"
    sim.app.documents["/dialled"] = "<Response/>"
    caller = sim.engine.place_call(to=LINE)
    thread = sim.engine.start(caller)
    while caller.queue_name is None:
        threading.Event().wait(0.01)
    agent = sim.call(from_="+66899999999")
    thread.join(5)
    assert sim.app.hits_to("/after")[0].params["QueueResult"] == "bridged"
    dialled = sim.app.hits_to("/dialled")[0].params
    assert dialled["DialCallStatus"] == "completed" and dialled["DialCallSid"] == caller.sid
    assert caller.bridged_to == f"call:{agent.sid}"
    assert caller.bridged_seconds == agent.bridged_seconds == 30
