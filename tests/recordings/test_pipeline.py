"""The recording status webhook and the download job, over real HTTP to the stand-in's
REST emulator (`simulator.rest`), with a real Redis (rq) and a real database."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from rq import Queue, SimpleWorker

from agent_console.access import can_open_ticket
from cases.models import Ticket
from helpline import queues
from recordings import errors
from recordings.jobs import RetryLater, download_recording
from recordings.models import Recording
from recordings.tickets import attach_call_recordings
from tests.builders import signed_post
from tests.recordings import media
from tests.recordings.conftest import (
    deleted_at_twilio,
    hold_at_twilio,
    make_call,
    make_caller,
    media_answers,
    new_sid,
)

STATUS_URL = "/twilio/recordings/status?kind=voicemail&lang=km"
PARENTS = {"shn": "my", "kac": "my", "ksw": "my", "mnw": "my"}


def callback(call, sid: str, duration: str = "2", channels: str = "1") -> dict[str, str]:
    return {"AccountSid": "AC" + "1" * 32, "CallSid": call.call_sid, "RecordingSid": sid,
            "RecordingUrl": f"https://api.twilio.com/x/Recordings/{sid}",
            "RecordingStatus": "completed", "RecordingDuration": duration,
            "RecordingChannels": channels, "RecordingSource": "RecordVerb",
            "From": "+66812345678"}


def run_jobs(app, redis_client, *names: str) -> None:
    with app.app_context():
        worker = SimpleWorker([Queue(n, connection=redis_client) for n in names],
                              connection=redis_client)
        worker.work(burst=True)


def test_unsigned_callback_is_refused(client):
    assert client.post(STATUS_URL, data={"RecordingSid": "RE" + "a" * 32}).status_code == 403


def test_replayed_callback_makes_one_recording_one_job_one_ticket(
        app, client, services, redis_client, twilio_rest, voicemail_audio, caplog):
    with services.db.session() as session:
        call = make_call(session, caller_id=make_caller(session).id)
    sid = new_sid("RE")
    for _ in range(3):
        response = signed_post(client, STATUS_URL, callback(call, sid))
        assert response.status_code == 204
    with services.db.session() as session:
        recordings = session.query(Recording).all()
        assert len(recordings) == 1
        recording = recordings[0]
        assert (recording.kind, recording.language, recording.status) == (
            "voicemail", "km", "received")
        ticket = session.get(Ticket, recording.ticket_id)
        assert (ticket.source, ticket.language, ticket.status) == ("voicemail", "km", "open")
        assert [c.call_sid for c in ticket.calls] == [call.call_sid]
    queue = Queue(queues.RECORDINGS, connection=redis_client)
    assert queue.job_ids == [f"download-{sid}"]
    job = queue.fetch_job(f"download-{sid}")
    assert job.args == (recording.id,)  # ids only: no number, no ORM object
    assert "66812345678" not in caplog.text


def test_download_stores_verified_copy_then_deletes_at_twilio(
        app, client, services, redis_client, twilio_rest, voicemail_audio):
    with services.db.session() as session:
        call = make_call(session)
    data = voicemail_audio["mulaw"].read_bytes()
    sid = hold_at_twilio(twilio_rest, call, data).sid
    signed_post(client, STATUS_URL, callback(call, sid))
    run_jobs(app, redis_client, queues.RECORDINGS)

    with services.db.session() as session:
        recording = session.query(Recording).one()
        assert recording.status == "stored", recording.error
        assert recording.deleted_at_twilio_at is not None
        path = Path(recording.storage_path)
        assert path.read_bytes() == data
        assert recording.size_bytes == len(data)
        import hashlib
        assert recording.checksum_sha256 == hashlib.sha256(data).hexdigest()
        assert path.is_relative_to(services.settings.recordings_dir)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert recording.duration_seconds == pytest.approx(
            media.duration(voicemail_audio["mulaw"]), abs=0.01)
    assert deleted_at_twilio(twilio_rest) == [sid]
    assert twilio_rest.recordings.get(sid) is None
    transcribe_queue = Queue(queues.TRANSCRIPTION, connection=redis_client)
    assert transcribe_queue.job_ids == [f"transcribe-{recording.id}"]


def _bad_media(tmp_path, voicemail_audio, kind: str) -> bytes:
    good = voicemail_audio["mulaw"].read_bytes()
    if kind == "zero_byte":
        return b""
    if kind == "not_audio":
        return b"<html><body>Service unavailable</body></html>" * 40
    if kind == "corrupt":
        return good[:44] + bytes(range(256)) * 8  # WAV header, then no mu-law data at all
    return good[: len(good) // 3]                     # truncated


@pytest.mark.parametrize(("kind", "code"), [
    ("zero_byte", errors.EMPTY_MEDIA), ("not_audio", errors.NOT_AUDIO),
    ("corrupt", errors.NOT_AUDIO), ("truncated", errors.TRUNCATED_AUDIO),
])
def test_bad_media_fails_visibly_and_is_never_deleted_at_twilio(
        app, client, services, redis_client, twilio_rest, voicemail_audio, tmp_path,
        kind, code):
    with services.db.session() as session:
        call = make_call(session)
    sid = hold_at_twilio(twilio_rest, call, _bad_media(tmp_path, voicemail_audio, kind)).sid
    signed_post(client, STATUS_URL, callback(call, sid, duration="2"))
    run_jobs(app, redis_client, queues.RECORDINGS)
    with services.db.session() as session:
        recording = session.query(Recording).one()
        assert recording.status == "failed"
        assert recording.error.startswith(code)
        assert recording.storage_path is None
        assert recording.ticket_id is not None  # the caller's ticket still exists
    assert deleted_at_twilio(twilio_rest) == []
    assert twilio_rest.recordings.get(sid) is not None
    assert not any(services.settings.recordings_dir.rglob("*.wav*"))


def test_missing_at_twilio_is_permanent(app, client, services, redis_client, twilio_rest):
    with services.db.session() as session:
        call = make_call(session)
    sid = new_sid("RE")                                # never made at "Twilio"
    signed_post(client, STATUS_URL, callback(call, sid))
    run_jobs(app, redis_client, queues.RECORDINGS)
    with services.db.session() as session:
        recording = session.query(Recording).one()
        assert recording.status == "failed"
        assert recording.error.startswith(errors.NOT_FOUND_AT_TWILIO)
    assert media_answers(twilio_rest, sid) == [404]


def test_twilio_5xx_is_retried_then_succeeds(app, client, services, twilio_rest,
                                             voicemail_audio, redis_client):
    with services.db.session() as session:
        call = make_call(session)
    sid = hold_at_twilio(twilio_rest, call, voicemail_audio["mulaw"].read_bytes()).sid
    twilio_rest.faults.add("rest", "error", status=503, match=sid)
    twilio_rest.faults.add("rest", "error", status=500, match=sid)
    signed_post(client, STATUS_URL, callback(call, sid))
    with services.db.session() as session:
        recording_id = session.query(Recording).one().id
    with app.app_context():
        for _ in range(2):
            with pytest.raises(RetryLater):
                download_recording(recording_id)
            with services.db.session() as session:
                recording = session.get(Recording, recording_id)
                assert recording.status == "downloading"
                assert recording.error.startswith("retrying: twilio_unavailable")
        assert deleted_at_twilio(twilio_rest) == []
        assert download_recording(recording_id) == "stored"
    assert media_answers(twilio_rest, sid) == [503, 500, 200]
    assert deleted_at_twilio(twilio_rest) == [sid]
    with services.db.session() as session:
        assert session.get(Recording, recording_id).attempts == 3


def test_retries_give_up_visibly(app, client, services, twilio_rest, voicemail_audio,
                                 redis_client):
    from recordings.domain import MAX_ATTEMPTS

    with services.db.session() as session:
        call = make_call(session)
    sid = hold_at_twilio(twilio_rest, call, voicemail_audio["mulaw"].read_bytes()).sid
    twilio_rest.faults.add("rest", "error", count=MAX_ATTEMPTS, status=502, match=sid)
    signed_post(client, STATUS_URL, callback(call, sid))
    with services.db.session() as session:
        recording_id = session.query(Recording).one().id
    with app.app_context():
        for _ in range(MAX_ATTEMPTS - 1):
            with pytest.raises(RetryLater):
                download_recording(recording_id)
        assert download_recording(recording_id) == "failed"
    with services.db.session() as session:
        assert session.get(Recording, recording_id).error.startswith(errors.GAVE_UP)
    assert media_answers(twilio_rest, sid) == [502] * MAX_ATTEMPTS
    assert deleted_at_twilio(twilio_rest) == []
    assert twilio_rest.recordings.get(sid) is not None


def test_voicemail_joins_the_callers_open_ticket(client, services, twilio_rest):
    with services.db.session() as session:
        caller = make_caller(session)
        first, second = make_call(session, caller_id=caller.id), make_call(
            session, caller_id=caller.id)
    signed_post(client, STATUS_URL, callback(first, new_sid("RE")))
    signed_post(client, STATUS_URL, callback(second, new_sid("RE")))
    with services.db.session() as session:
        tickets = session.query(Ticket).all()
        assert len(tickets) == 1
        assert {r.ticket_id for r in session.query(Recording)} == {tickets[0].id}


def voicemail_url(language: str) -> str:
    return f"/twilio/recordings/status?kind=voicemail&lang={language}"


def test_a_voicemail_in_another_language_opens_a_ticket_its_agents_can_open(
        client, services, twilio_rest):
    with services.db.session() as session:
        caller = make_caller(session)
        khmer, burmese, khmer_again = (make_call(session, caller_id=caller.id, language=code)
                                       for code in ("km", "my", "km"))
    for call, language in ((khmer, "km"), (burmese, "my"), (khmer_again, "km")):
        signed_post(client, voicemail_url(language), callback(call, new_sid("RE")))
    with services.db.session() as session:
        by_language = {ticket.language: ticket for ticket in session.query(Ticket)}
        assert sorted(by_language) == ["km", "my"]
        assert [c.call_sid for c in by_language["km"].calls] == [khmer.call_sid,
                                                                   khmer_again.call_sid]
        assert [c.call_sid for c in by_language["my"].calls] == [burmese.call_sid]
        for recording in session.query(Recording):
            ticket = session.get(Ticket, recording.ticket_id)
            # the agents of the message's language can open its ticket
            assert can_open_ticket(role="agent", user_id=1, skills={recording.language},
                                   ticket_language=ticket.language, assignee_id=None,
                                   parents=PARENTS)


def test_a_burmese_voicemail_joins_the_callers_shan_ticket_not_the_reverse(
        client, services, twilio_rest):
    with services.db.session() as session:
        caller = make_caller(session)
        shan, burmese = (make_call(session, caller_id=caller.id, language=code,
                                   number_called="+661800000101") for code in ("shn", "my"))
        shan_only = make_caller(session)
        burmese_first, shan_second = (make_call(session, caller_id=shan_only.id, language=code,
                                                number_called="+661800000101")
                                      for code in ("my", "shn"))
    signed_post(client, voicemail_url("shn"), callback(shan, new_sid("RE")))
    signed_post(client, voicemail_url("my"), callback(burmese, new_sid("RE")))
    signed_post(client, voicemail_url("my"), callback(burmese_first, new_sid("RE")))
    signed_post(client, voicemail_url("shn"), callback(shan_second, new_sid("RE")))
    with services.db.session() as session:
        first = session.query(Ticket).filter_by(caller_id=caller.id).one()
        assert first.language == "shn" and len(first.calls) == 2   # Burmese agents serve Shan
        second = session.query(Ticket).filter_by(caller_id=shan_only.id).order_by(Ticket.id)
        assert [t.language for t in second] == ["my", "shn"]   # Shan-only agents: own ticket


def test_call_recording_attaches_to_the_agents_ticket(client, services, twilio_rest):
    with services.db.session() as session:
        call = make_call(session, language="my", outcome="answered")
    signed_post(client, "/twilio/recordings/status",
                callback(call, new_sid("RE"), channels="2"))
    with services.db.session() as session:
        recording = session.query(Recording).one()
        assert (recording.kind, recording.ticket_id) == ("call", None)
        assert session.query(Ticket).count() == 0  # the agent opens the ticket, not us
        ticket = Ticket(language="my", source="call", notes="")
        ticket.calls.append(session.merge(call))
        session.add(ticket)
        session.flush()
        attached = attach_call_recordings(session, ticket)
        assert [r.id for r in attached] == [recording.id]
        assert recording.ticket_id == ticket.id
    # A later recording of the same call finds the ticket by itself.
    signed_post(client, "/twilio/recordings/status",
                callback(call, new_sid("RE"), channels="2"))
    with services.db.session() as session:
        assert {r.ticket_id for r in session.query(Recording)} == {ticket.id}


def test_too_short_voicemail_makes_no_ticket(client, services, twilio_rest):
    with services.db.session() as session:
        call = make_call(session)
    signed_post(client, STATUS_URL, callback(call, new_sid("RE"), duration="0"))
    with services.db.session() as session:
        assert session.query(Recording).one().ticket_id is None
        assert session.query(Ticket).count() == 0
