"""What Twilio's recording callbacks really carry, taken in by the app:

- `absent` (nothing recorded) and `failed` leave a trace on the recording and the
  call's timeline; a failed voicemail's ticket says it could not be recorded, an
  absent one opens no ticket;
- a conference's recording names a ConferenceSid and no CallSid: the callback URL's
  `?kind=call&call=` makes it that call's recorded conversation, never a voicemail;
- the recovery sweep pages through Twilio's list and ties a conference's recording
  to the call its conference is named after.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from call_routing.views import recording_status_url
from cases.models import Ticket
from ivr.models import CallEvent
from recordings import recovery
from recordings.models import Recording
from tests.builders import TEST_ACCOUNT_SID, signed_post
from tests.recordings.conftest import make_call, make_caller, new_sid

VOICEMAIL_URL = "/twilio/recordings/status?kind=voicemail&lang=km"


def params(sid: str, status: str, *, call_sid: str | None = None,
           conference_sid: str | None = None, duration: str = "0") -> dict[str, str]:
    form = {"AccountSid": TEST_ACCOUNT_SID, "RecordingSid": sid,
            "RecordingUrl": f"https://api.twilio.com/x/Recordings/{sid}",
            "RecordingStatus": status, "RecordingDuration": duration,
            "RecordingChannels": "1", "RecordingSource": "RecordVerb", "ErrorCode": "0"}
    if call_sid:
        form["CallSid"] = call_sid
    if conference_sid:
        form.update(ConferenceSid=conference_sid, RecordingSource="DialVerb")
    return form


@pytest.mark.parametrize("status", ["absent", "failed"])
def test_a_recording_twilio_could_not_make_leaves_a_trace(client, services, status):
    with services.db.session() as session:
        call = make_call(session, caller_id=make_caller(session).id)
        call_id, call_sid = call.id, call.call_sid
    sid = new_sid("RE")
    response = signed_post(client, VOICEMAIL_URL, params(sid, status, call_sid=call_sid))
    assert response.status_code == 204
    with services.db.session() as session:
        recording = session.scalar(select(Recording).where(Recording.recording_sid == sid))
        events = session.scalars(select(CallEvent).where(CallEvent.call_id == call_id)).all()
        tickets = session.scalars(select(Ticket)).all()
    assert (recording.status, recording.call_id) == (status, call_id)
    assert recording.next_step is None and status in recording.error
    assert [(event.kind, event.detail["recording_sid"]) for event in events] == [
        (f"recording_{status}", sid)]
    if status == "absent":
        assert tickets == []               # nothing was said: no ticket
    else:                                  # a message the caller meant to leave
        [ticket] = tickets
        assert recording.ticket_id == ticket.id and sid in ticket.notes


def test_a_conference_recording_is_its_calls_conversation(client, services):
    with services.db.session() as session:
        call = make_call(session, caller_id=make_caller(session).id, outcome="answered")
        call_id, call_sid = call.id, call.call_sid
    sid, conference_sid = new_sid("RE"), new_sid("CF")
    url = recording_status_url("http://localhost", call_sid).removeprefix("http://localhost")
    assert url == f"/twilio/recordings/status?kind=call&call={call_sid}"
    response = signed_post(client, url, params(sid, "completed", conference_sid=conference_sid,
                                               duration="40"))
    assert response.status_code == 204
    with services.db.session() as session:
        recording = session.scalar(select(Recording).where(Recording.recording_sid == sid))
        voicemail_tickets = session.scalars(
            select(Ticket).where(Ticket.source == "voicemail")).all()
    assert (recording.call_id, recording.kind) == (call_id, "call")
    assert voicemail_tickets == []


def test_a_conference_recording_without_the_call_in_its_url_is_still_no_voicemail(client,
                                                                                   services):
    """A ConferenceSid only comes from a recorded conference: a conversation, whatever the
    URL says (e.g. a callback URL written before `call=` was added)."""
    sid = new_sid("RE")
    signed_post(client, VOICEMAIL_URL, params(sid, "completed", conference_sid=new_sid("CF"),
                                               duration="40"))
    with services.db.session() as session:
        recording = session.scalar(select(Recording).where(Recording.recording_sid == sid))
        assert recording.kind == "call" and recording.ticket_id is None
        assert session.scalars(select(Ticket)).all() == []


def test_recovery_pages_through_twilio_and_ties_conference_recordings_to_their_call(
        app, services, twilio_rest, voicemail_audio, monkeypatch):
    monkeypatch.setattr(recovery, "PAGE_SIZE", 2)      # several pages of two
    with services.db.session() as session:
        call = make_call(session, caller_id=make_caller(session).id, outcome="answered")
        call_id, call_sid = call.id, call.call_sid
        voicemail_calls = [make_call(session, caller_id=make_caller(session).id).call_sid
                           for _ in range(4)]
    room = twilio_rest.conferences.join(
        account_sid=TEST_ACCOUNT_SID, name=call_sid, call=twilio_rest.place_call(
            to="+661800000102", voice_url="http://127.0.0.1:9/"),
        now=twilio_rest.clock.now(), start_conference_on_enter=True,
        end_conference_on_exit=True, muted=False, label=None, max_participants=250)[0]
    audio = voicemail_audio["mulaw"].read_bytes()
    for voicemail_call in voicemail_calls:
        twilio_rest.recordings.add_media(account_sid=TEST_ACCOUNT_SID, call_sid=voicemail_call,
                                         wav=audio, duration=2, at=services.clock.now())
    conference = twilio_rest.recordings.add_media(
        account_sid=TEST_ACCOUNT_SID, call_sid=None, wav=audio, duration=2,
        source="DialVerb", at=services.clock.now())
    conference.conference_sid = room.sid
    with app.app_context():
        assert recovery.recover_missed_recordings(services) == 5
    with services.db.session() as session:
        rows = {row.recording_sid: row for row in session.scalars(select(Recording))}
        voicemail_tickets = session.scalars(
            select(Ticket).where(Ticket.source == "voicemail")).all()
    assert len(rows) == 5
    held = rows[conference.sid]
    assert (held.call_id, held.kind, held.ticket_id) == (call_id, "call", None)
    assert len(voicemail_tickets) == 4      # the four voicemails, each its own caller's
    listed = [item for item in twilio_rest.rest_log.requests("GET", "/Recordings.json")]
    assert len(listed) == 3                 # pages of 2, 2 and 1


def test_a_voicemail_twilio_failed_to_record_is_followed_up(stand_in):
    """Through the stand-in: the recording fails at "Twilio" (RecordingStatus=failed with
    the completed event). The caller meant to leave a message: a ticket says so."""
    stand_in.faults.add("recording", "failed", match="/twilio/recordings/status")
    result = stand_in.call(to="+661800000102", press=["2"],
                           say="My employer kept my passport", voice="en")
    assert result.outcome["kind"] == "voicemail"
    with stand_in.services.db.session() as session:
        recording = session.scalars(select(Recording)).one()
        ticket = session.get(Ticket, recording.ticket_id)
        events = [event.kind for event in session.scalars(
            select(CallEvent).where(CallEvent.call_id == recording.call_id))]
        assert (recording.status, recording.kind, recording.next_step) == (
            "failed", "voicemail", None)
        assert ticket.source == "voicemail" and "could not record this voicemail" in ticket.notes
        assert recording.recording_sid in ticket.notes
    assert "recording_failed" in events
