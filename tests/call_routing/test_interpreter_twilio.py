"""The three-way call with an interpreter as Twilio runs it, through the stand-in:

- the interpreter's leg is dialled with a ring timeout and a status callback, so an
  interpreter who drops out (or never answers) leaves the call at once — they wrap
  up and can no longer read it — while the caller and the agent talk on;
- the conference is recorded (the caller consented): Twilio reports that recording
  with a ConferenceSid and no CallSid, later than the call; the callback URL's
  `?kind=call&call=` ties it to the caller's call, so it is a recorded conversation
  of that call and never an anonymous voicemail ticket.
"""

from __future__ import annotations

from sqlalchemy import select

from agent_console.routing_link import interpreting
from call_routing.service import AGENT_RING_SECONDS, routing_service
from cases.models import Ticket
from ivr.models import Call, CallEvent
from recordings.models import Recording
from tests.call_routing.test_interpreter_end_to_end import ThreeWay, in_room, until


def events_of(stand_in, call_sid: str) -> list[tuple[str, dict]]:
    with stand_in.services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == call_sid))
        return [(row.kind, row.detail) for row in session.scalars(
            select(CallEvent).where(CallEvent.call_id == call.id).order_by(CallEvent.id))]


def test_the_interpreter_leg_is_dialled_with_a_timeout_and_a_status_callback(stand_in):
    three = ThreeWay(stand_in)
    [create] = [entry for entry in stand_in.engine.rest_log.requests("POST", "/Calls.json")
                if entry.form.get("To") == f"client:agent-{three.interpreter}"]
    assert create.form["Timeout"] == str(AGENT_RING_SECONDS)
    assert create.form["StatusCallback"] == (
        f"{stand_in.app_url}/twilio/voice/bridge/interpreter/status"
        f"?call={three.caller.call.sid}&agent={three.interpreter}")
    three.caller.call.control.hangup("caller")
    three.caller.result()
    three.agent_b.close()


def test_an_interpreter_who_drops_out_loses_access_while_the_call_goes_on(stand_in):
    three = ThreeWay(stand_in)
    sid, app = three.caller.call.sid, stand_in.app_url
    with stand_in.app.app_context():
        assert interpreting(stand_in.services, three.interpreter, sid)

    assert stand_in.agent_hangup(f"agent-{three.interpreter}")       # B leaves
    until(lambda: three.states(stand_in) == ["on_call", "wrap_up"])
    assert in_room(stand_in, sid) == {sid, three.leg_a}               # the call goes on
    status = routing_service(stand_in.services).engine.status(sid)
    assert status.state == "connected" and status.interpreter_id is None
    with stand_in.app.app_context():
        assert not interpreting(stand_in.services, three.interpreter, sid)
    # Written just after routing lets them go (Redis first, then the database).
    until(lambda: ("interpreter_left", {"interpreter_id": three.interpreter,
                                        "status": "completed"}) in events_of(stand_in, sid))
    # The interpreter's console no longer opens the call.
    assert three.agent_b.get(f"{app}/api/agents/me/state").json()["state"] == "wrap_up"

    three.caller.call.control.hangup("caller")
    three.caller.result()
    until(lambda: three.states(stand_in) == ["wrap_up", "wrap_up"])
    kinds = [kind for kind, _ in events_of(stand_in, sid)]
    assert kinds.count("interpreter_left") == 1 and kinds[-1] == "bridge_ended"
    three.agent_b.close()


def test_the_recorded_conference_belongs_to_the_call_and_opens_no_voicemail(stand_in):
    three = ThreeWay(stand_in)
    sid = three.caller.call.sid
    assert stand_in.agent_hangup(f"agent-{three.interpreter}")
    three.caller.call.control.hangup("caller")
    result = three.caller.result()          # the recording callbacks have arrived too
    assert not [notice for notice in result.notices if notice["fatal"]]
    [conference] = [item for item in stand_in.engine.recordings.list()
                    if item.conference_sid is not None]
    assert conference.call_sid is None and conference.source == "DialVerb"
    stand_in.work()                         # downloads

    with stand_in.services.db.session() as session:
        call = session.scalar(select(Call).where(Call.call_sid == sid))
        rows = session.scalars(select(Recording).order_by(Recording.id)).all()
        voicemail_tickets = session.scalars(
            select(Ticket).where(Ticket.source == "voicemail")).all()
    assert voicemail_tickets == []
    assert conference.sid in {row.recording_sid for row in rows}
    assert all((row.call_id, row.kind) == (call.id, "call") for row in rows)
    [held] = [row for row in rows if row.recording_sid == conference.sid]
    assert held.status == "stored" and held.channels == 1
    # Fetched, verified and deleted at Twilio like any other recording.
    assert stand_in.engine.recordings.get(conference.sid) is None
    three.agent_b.close()
