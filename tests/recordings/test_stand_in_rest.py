"""The download job against the stand-in's REST emulator (`simulator.rest`) over
real HTTP, through twilio's Client redirected by TWILIO_API_BASE."""

from __future__ import annotations

import shutil
import time

import pytest

from recordings.models import Recording
from simulator.recordings import StoredRecording
from tests.builders import signed_post
from tests.recordings import media
from tests.recordings.conftest import make_call


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stand-in-audio")
    source = media.speak(media.KOREAN_PHRASES[1], folder / "spoken.wav")
    return media.convert(source, folder / "pcm.wav", codec="pcm_s16le")


def put_recording(stand_in, call_sid: str, wav) -> StoredRecording:
    store = stand_in.engine.recordings
    sid = store.new_sid()
    shutil.copy(wav, store.folder / f"{sid}.wav")
    media.convert(wav, store.folder / f"{sid}.mp3", codec="mp3")
    return store.add(StoredRecording(
        sid=sid, account_sid=stand_in.settings.twilio_account_sid, call_sid=call_sid,
        folder=store.folder, duration=round(media.duration(wav)), channels=1,
        source="RecordVerb", created_at=time.time(), start_time=time.time()))


def post_callback(stand_in, call, recording: StoredRecording):
    client = stand_in.app.test_client()
    return signed_post(client, "/twilio/recordings/status?kind=voicemail",
                       {"CallSid": call.call_sid, "RecordingSid": recording.sid,
                        "RecordingStatus": "completed",
                        "RecordingDuration": str(recording.duration),
                        "RecordingChannels": "1"},
                       auth_token=stand_in.settings.twilio_auth_token,
                       base_url=stand_in.settings.public_base_url)


def test_download_from_the_stand_in_then_delete_there(stand_in, spoken):
    with stand_in.services.db.session() as session:
        call = make_call(session, language="km")
    held = put_recording(stand_in, call.call_sid, spoken)
    assert post_callback(stand_in, call, held).status_code == 204
    stand_in.work()
    with stand_in.services.db.session() as session:
        recording = session.query(Recording).one()
        assert recording.status == "stored", recording.error
        assert recording.deleted_at_twilio_at is not None
        assert recording.duration_seconds == pytest.approx(media.duration(spoken), abs=0.01)
    assert stand_in.engine.recordings.get(held.sid) is None  # deleted at "Twilio"


def test_stand_in_5xx_keeps_its_copy_and_the_job_retries(stand_in, spoken):
    from recordings.jobs import RetryLater, download_recording

    with stand_in.services.db.session() as session:
        call = make_call(session, language="km")
    held = put_recording(stand_in, call.call_sid, spoken)
    post_callback(stand_in, call, held)
    stand_in.faults.add("rest", "error", count=1, status=503, match=held.sid)
    with stand_in.services.db.session() as session:
        recording_id = session.query(Recording).one().id
    with stand_in.app.app_context():
        with pytest.raises(RetryLater):
            download_recording(recording_id)
        assert stand_in.engine.recordings.get(held.sid) is not None
        assert download_recording(recording_id) == "stored"
    assert stand_in.engine.recordings.get(held.sid) is None
