"""Conference Participants at the stand-in, as Twilio runs them: a leg dialled into a
room by name, hold (hold audio fetched and heard), mute, coaching, kick, ending the
room by the REST API — each checked against the room's record of who hears whom, and
every response against Twilio's OpenAPI description."""

from __future__ import annotations

import requests

from simulator.endpoints import Behaviour
from tests.builders import TEST_ACCOUNT_SID
from tests.simulator.conftest import LINE
from tests.simulator.test_conference import AUTH, start, until
from tests.simulator.test_contract import CONFERENCE, PARTICIPANT, PARTICIPANTS, url, validate

ROOM = "call-CA0123"
CALLER_TWIML = ('<Response><Dial action="/left"><Conference endConferenceOnExit="true" '
                f'beep="false">{ROOM}</Conference></Dial></Response>')
HOLD_TWIML = "<Response><Play loop=\"0\">http://audio.example/hold-km.mp3</Play></Response>"


def participant_path(room, call_sid):
    return {"ConferenceSid": room.sid, "CallSid": call_sid}


def test_an_agent_dialled_in_by_name_then_hold_mute_coach_kick_and_end(sim):
    sim.engine.endpoints.register("client", "agent-1", Behaviour(answer_after=1,
                                                                 talk_seconds=None))
    sim.engine.endpoints.register("client", "agent-2", Behaviour(answer_after=1,
                                                                 talk_seconds=None))
    sim.app.documents.update({"/caller": CALLER_TWIML, "/left": "<Response/>",
                              "/hold": HOLD_TWIML, "/agent-status": "<Response/>"})
    caller = start(sim, "/caller")
    until(lambda: sim.engine.conferences.live(ROOM, TEST_ACCOUNT_SID) is not None)
    room = sim.engine.conferences.live(ROOM, TEST_ACCOUNT_SID)

    # Participants create by the conference's friendly name dials a new leg into it.
    created = requests.post(url(sim, PARTICIPANTS, ConferenceSid=ROOM), auth=AUTH, timeout=5,
                            data={"From": LINE, "To": "client:agent-1", "Label": "agent",
                                  "StatusCallback": sim.app.url("/agent-status"),
                                  "Timeout": "20"})
    assert created.status_code == 201, created.text
    validate(PARTICIPANTS, "post", created)
    agent_sid = created.json()["call_sid"]
    assert created.json()["conference_sid"] == room.sid
    until(lambda: len(room.participants) == 2)
    assert room.hearing_now().hears(caller.sid, agent_sid)
    assert room.hearing_now().hears(agent_sid, caller.sid)

    # Hold the caller with the app's hold audio: they hear it, and nobody hears them.
    held = requests.post(url(sim, PARTICIPANT, **participant_path(room, caller.sid)),
                         data={"Hold": "true", "HoldUrl": sim.app.url("/hold")},
                         auth=AUTH, timeout=5)
    validate(PARTICIPANT, "post", held)
    assert held.json()["hold"] is True
    until(lambda: any(h.audio_url == "http://audio.example/hold-km.mp3" for h in caller.heard))
    [fetch] = sim.app.hits_to("/hold")
    assert fetch.method == "GET"                     # Twilio's default HoldMethod
    hearing = room.hearing_now()
    assert not hearing.hears(caller.sid, agent_sid) and not hearing.hears(agent_sid, caller.sid)
    assert dict(hearing.holding) == {caller.sid: sim.app.url("/hold")}

    post_to = url(sim, PARTICIPANT, **participant_path(room, caller.sid))
    assert requests.post(post_to, data={"Hold": "false"}, auth=AUTH,
                         timeout=5).json()["hold"] is False
    # alone at first; then the agent; held; resumed
    assert room.heard(caller.sid, agent_sid) == [False, True, False, True]

    # Mute the agent (by label): the caller no longer hears them; they still hear the caller.
    muted = requests.post(url(sim, PARTICIPANT, ConferenceSid=room.sid, CallSid="agent"),
                          data={"Muted": "true"}, auth=AUTH, timeout=5)
    assert muted.json()["muted"] is True
    assert not room.hearing_now().hears(caller.sid, agent_sid)
    assert room.hearing_now().hears(agent_sid, caller.sid)
    requests.post(url(sim, PARTICIPANT, ConferenceSid=room.sid, CallSid="agent"),
                  data={"Muted": "false"}, auth=AUTH, timeout=5)

    # A coach: heard by the agent only; hears everyone.
    coach = requests.post(url(sim, PARTICIPANTS, ConferenceSid=room.sid), auth=AUTH, timeout=5,
                          data={"From": LINE, "To": "client:agent-2", "Coaching": "true",
                                "CallSidToCoach": agent_sid})
    assert coach.status_code == 201, coach.text
    coach_sid = coach.json()["call_sid"]
    until(lambda: len(room.participants) == 3)
    hearing = room.hearing_now()
    assert hearing.hears(agent_sid, coach_sid) and not hearing.hears(caller.sid, coach_sid)
    assert hearing.hears(coach_sid, caller.sid) and hearing.hears(coach_sid, agent_sid)
    fetched = requests.get(url(sim, PARTICIPANT, **participant_path(room, coach_sid)),
                           auth=AUTH, timeout=5)
    validate(PARTICIPANT, "get", fetched)
    assert (fetched.json()["coaching"], fetched.json()["call_sid_to_coach"]) == (True, agent_sid)
    # Barge: coaching off, the coach is heard by everyone.
    requests.post(url(sim, PARTICIPANT, **participant_path(room, coach_sid)),
                  data={"Coaching": "false"}, auth=AUTH, timeout=5)
    assert room.hearing_now().hears(caller.sid, coach_sid)

    # Kick the coach: 204, gone from the list, the room goes on.
    kicked = requests.delete(url(sim, PARTICIPANT, **participant_path(room, coach_sid)),
                             auth=AUTH, timeout=5)
    assert kicked.status_code == 204
    validate(PARTICIPANT, "delete", kicked)
    until(lambda: len(room.participants) == 2)
    gone = requests.get(url(sim, PARTICIPANT, **participant_path(room, coach_sid)), auth=AUTH,
                        timeout=5)
    assert (gone.status_code, gone.json()["code"]) == (404, 20404)

    # Ending the conference by the REST API puts everyone out.
    ended = requests.post(url(sim, CONFERENCE, Sid=room.sid), data={"Status": "completed"},
                          auth=AUTH, timeout=5)
    validate(CONFERENCE, "post", ended)
    assert caller.wait(10)
    until(lambda: not room.participants)
    assert room.status == "completed" and room.reason_ended == "conference-ended-via-api"
    assert room.hearing_now().pairs == frozenset()


def test_what_twilio_refuses(sim):
    sim.app.documents.update({"/caller": CALLER_TWIML, "/left": "<Response/>"})
    caller = start(sim, "/caller")
    until(lambda: sim.engine.conferences.live(ROOM, TEST_ACCOUNT_SID) is not None)
    room = sim.engine.conferences.live(ROOM, TEST_ACCOUNT_SID)
    unknown = requests.post(url(sim, PARTICIPANT, ConferenceSid=room.sid,
                                CallSid="CA" + "0" * 32), data={"Muted": "true"}, auth=AUTH,
                            timeout=5)
    assert (unknown.status_code, unknown.json()["code"]) == (404, 20404)
    no_to = requests.post(url(sim, PARTICIPANTS, ConferenceSid=room.sid), data={"From": LINE},
                          auth=AUTH, timeout=5)
    assert (no_to.status_code, no_to.json()["code"]) == (400, 21201)
    coach_nobody = requests.post(url(sim, PARTICIPANTS, ConferenceSid=room.sid), auth=AUTH,
                                 timeout=5, data={"From": LINE, "To": "client:x",
                                                  "Coaching": "true"})
    assert coach_nobody.status_code == 400
    requests.post(url(sim, PARTICIPANT, **participant_path(room, caller.sid)),
                  data={"Hold": "true"}, auth=AUTH, timeout=5)
    on_hold = requests.post(url(sim, PARTICIPANTS, ConferenceSid=room.sid), auth=AUTH,
                            timeout=5, data={"From": LINE, "To": "client:x",
                                             "CallSidToCoach": caller.sid})
    assert (on_hold.status_code, on_hold.json()["code"]) == (400, 16027)
    # Twilio's own hold music without a HoldUrl.
    until(lambda: any(h.verb == "play" for h in caller.heard))
    sim.engine.hangup(caller.sid, by="caller")
    assert caller.wait(10)
    finished = requests.post(url(sim, PARTICIPANTS, ConferenceSid=room.sid), auth=AUTH,
                             timeout=5, data={"From": LINE, "To": "client:x"})
    assert finished.status_code == 404              # a completed conference takes nobody
