from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpline.settings import Settings, load_settings
from simulator.engine import VoiceEngine
from simulator.recordings import StoredRecording
from tests.builders import TEST_ACCOUNT_SID, make_environ
from tests.recordings import media
from tests.twilio_emulator import served_emulator


@pytest.fixture
def twilio_rest(tmp_path: Path) -> Iterator[VoiceEngine]:
    """Twilio's REST API: the stand-in's emulator over real HTTP (see tests/twilio_emulator.py)."""
    with served_emulator(tmp_path) as engine:
        yield engine


@pytest.fixture
def settings(tmp_path: Path, database_url: str, redis_url: str,
             twilio_rest: VoiceEngine) -> Settings:
    return load_settings(make_environ(tmp_path, DATABASE_URL=database_url, REDIS_URL=redis_url,
                                      TWILIO_API_BASE=twilio_rest.media_base_url or ""))


def hold_at_twilio(twilio_rest: VoiceEngine, call, audio: bytes, *, duration: int = 2,
                   mp3: bytes | None = None) -> StoredRecording:
    """A recording of `call` that "Twilio" holds, whose WAV media is exactly `audio`."""
    return twilio_rest.recordings.add_media(account_sid=TEST_ACCOUNT_SID, call_sid=call.call_sid,
                                            wav=audio, mp3=mp3, duration=duration,
                                            at=twilio_rest.clock.now())


def deleted_at_twilio(twilio_rest: VoiceEngine) -> list[str]:
    """RecordingSids the emulator was asked to delete, and did, in order."""
    return [item.path.rsplit("/", 1)[-1].removesuffix(".json")
            for item in twilio_rest.rest_log.requests("DELETE", ".json")
            if "/Recordings/" in item.path and item.status == 204]


def media_answers(twilio_rest: VoiceEngine, sid: str) -> list[int]:
    """What the emulator answered each download of this recording's media."""
    return [item.status for item in twilio_rest.rest_log.requests("GET", f"/Recordings/{sid}.wav")]


@pytest.fixture(scope="session")
def voicemail_audio(tmp_path_factory) -> dict[str, Path]:
    """Korean speech as Twilio delivers it: 8 kHz mu-law WAV, 8 kHz PCM WAV, MP3."""
    folder = tmp_path_factory.mktemp("voicemail")
    spoken = media.speak(media.KOREAN_PHRASES[0], folder / "spoken.wav")
    return {
        "mulaw": media.convert(spoken, folder / "mulaw.wav", codec="pcm_mulaw"),
        "pcm": media.convert(spoken, folder / "pcm.wav", codec="pcm_s16le"),
        "mp3": media.convert(spoken, folder / "voicemail.mp3", codec="mp3"),
        "source": spoken,
    }


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def make_call(session, *, language: str | None = "km", number_called: str = "+661800000102",
              caller_id: int | None = None, outcome: str | None = "voicemail"):
    from ivr.models import Call

    call = Call(call_sid=new_sid("CA"), number_called=number_called, language=language,
                caller_id=caller_id, outcome=outcome)
    session.add(call)
    session.flush()
    return call


def make_caller(session, *, number_hmac: str | None = None):
    from ivr.models import Caller

    caller = Caller(number_hmac=number_hmac or uuid.uuid4().hex)
    session.add(caller)
    session.flush()
    return caller
