"""<Dial> to simulated softphones (<Client>) and agent phones (<Number>):
answer, no answer, busy, timeout, either side hanging up, and recording."""

import threading
import wave
from io import BytesIO

import requests

from simulator.endpoints import Behaviour
from tests.builders import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from tests.simulator.conftest import LINE, START

DIAL = ('<Response><Dial action="/dialled" timeout="{timeout}" {attrs}>{nouns}</Dial>'
        "<Say>after dial</Say></Response>")


def dial_call(sim, nouns="<Client>agent-17</Client>", timeout=20, attrs="", **kwargs):
    sim.app.documents["/voice"] = DIAL.format(timeout=timeout, attrs=attrs, nouns=nouns)
    sim.app.documents["/dialled"] = "<Response/>"
    sim.app.documents["/rec"] = ""
    return sim.call(**kwargs)


def test_softphone_answers_and_agent_hangs_up_after_talking(sim):
    sim.engine.endpoints.register("client", "agent-17", Behaviour(answer_after=3, talk_seconds=40))
    call = dial_call(sim)
    [hit] = sim.app.hits_to("/dialled")
    assert hit.params["DialCallStatus"] == "completed"
    assert hit.params["DialCallDuration"] == "40"
    child = sim.engine.get(hit.params["DialCallSid"])
    assert child.parent_call_sid == call.sid and child.to == "client:agent-17"
    assert child.direction == "outbound-dial" and child.status == "completed"
    assert call.bridged_to == "client:agent-17" and sim.clock.now() - START == 43


def test_unanswered_softphone_times_out_as_no_answer(sim):
    sim.engine.endpoints.register("client", "agent-17", Behaviour(answer_after=None))
    call = dial_call(sim, timeout=12)
    assert sim.app.hits_to("/dialled")[0].params["DialCallStatus"] == "no-answer"
    assert sim.clock.now() - START == 12 and call.bridged_to is None


def test_answer_later_than_timeout_is_no_answer(sim):
    sim.engine.endpoints.register("client", "agent-17", Behaviour(answer_after=25))
    dial_call(sim, timeout=10)
    assert sim.app.hits_to("/dialled")[0].params["DialCallStatus"] == "no-answer"


def test_rejecting_softphone_is_busy(sim):
    sim.engine.endpoints.register("client", "agent-17", Behaviour(reject=True))
    dial_call(sim)
    assert sim.app.hits_to("/dialled")[0].params["DialCallStatus"] == "busy"


def test_unregistered_client_rings_out(sim):
    dial_call(sim, timeout=5)
    assert sim.app.hits_to("/dialled")[0].params["DialCallStatus"] == "no-answer"


def test_agent_phone_number_answers(sim):
    sim.engine.endpoints.register("number", "+66811112222", Behaviour(answer_after=1,
                                                                       talk_seconds=5))
    call = dial_call(sim, nouns="<Number>+66811112222</Number>")
    assert sim.app.hits_to("/dialled")[0].params["DialCallStatus"] == "completed"
    assert call.bridged_to == "number:+66811112222"


def test_first_of_several_endpoints_to_answer_wins(sim):
    sim.engine.endpoints.register("client", "slow", Behaviour(answer_after=8))
    sim.engine.endpoints.register("client", "fast", Behaviour(answer_after=2, talk_seconds=5))
    call = dial_call(sim, nouns="<Client>slow</Client><Client>fast</Client>")
    assert call.bridged_to == "client:fast"


def test_without_action_the_call_continues_after_dial(sim):
    sim.engine.endpoints.register("client", "agent-17", Behaviour(answer_after=1, talk_seconds=2))
    sim.app.documents["/voice"] = ("<Response><Dial><Client>agent-17</Client></Dial>"
                                   "<Say>next</Say></Response>")
    call = sim.call()
    assert call.heard[-1].text == "next"


def test_caller_hanging_up_during_the_bridge_still_requests_the_action(sim):
    sim.engine.endpoints.register("client", "agent-17",
                                  Behaviour(answer_after=2, talk_seconds=None))
    call = dial_call(sim, hangup_after=32)
    [hit] = sim.app.hits_to("/dialled")
    assert hit.params["DialCallStatus"] == "completed" and hit.params["DialCallDuration"] == "30"
    assert call.ended_by == "caller" and call.heard == []


def test_manual_softphone_answers_when_told_and_hangs_up_when_told(sim):
    sim.engine.pace = 0.01
    endpoint = sim.engine.endpoints.register("client", "agent-17",
                                             Behaviour(manual=True, talk_seconds=None))
    sim.app.documents["/voice"] = DIAL.format(timeout=30, attrs="",
                                              nouns="<Client>agent-17</Client>")
    sim.app.documents["/dialled"] = "<Response><Say>back in the IVR</Say></Response>"
    call = sim.engine.place_call(to=LINE)
    thread = sim.engine.start(call)
    while not endpoint.active:
        threading.Event().wait(0.005)
    assert sim.engine.endpoints.answer("client", "agent-17")
    while not call.child_sids:
        threading.Event().wait(0.005)
    assert sim.engine.hangup(call.child_sids[0])        # the agent's leg, not the caller
    thread.join(5)
    assert sim.app.hits_to("/dialled")[0].params["DialCallStatus"] == "completed"
    assert call.heard[-1].text == "back in the IVR"       # the caller's call went on
    assert endpoint.rings[-1]["ended_by"] == "agent"


def test_record_from_answer_dual_makes_a_two_channel_recording(sim):
    sim.engine.endpoints.register("client", "agent-17", Behaviour(answer_after=1, talk_seconds=6))
    call = dial_call(sim, attrs='record="record-from-answer-dual" recordingStatusCallback="/rec"',
                     say="My employer kept my passport", voice="en")
    dialled = sim.app.hits_to("/dialled")[0].params
    [rec] = sim.app.hits_to("/rec")
    assert rec.params["RecordingChannels"] == "2" and rec.params["RecordingSource"] == "DialVerb"
    assert rec.params["RecordingStatus"] == "completed" and rec.params["RecordingDuration"] == "6"
    assert dialled["RecordingUrl"] == rec.params["RecordingUrl"]
    media = requests.get(rec.params["RecordingUrl"] + ".wav", timeout=5,
                         auth=(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN))
    with wave.open(BytesIO(media.content)) as reader:
        assert (reader.getnchannels(), reader.getframerate(), reader.getsampwidth()) == (2, 8000, 2)
        assert abs(reader.getnframes() / 8000 - 6) < 0.05
    assert call.recordings[0].channels == 2
