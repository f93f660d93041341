from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpline.settings import Settings, load_settings
from tests.builders import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, make_environ
from tests.recordings import media
from tests.recordings.twilio_rest import FakeTwilioRecordings, Served


@pytest.fixture(scope="session")
def served_twilio() -> Iterator[tuple[FakeTwilioRecordings, Served]]:
    fake = FakeTwilioRecordings(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)
    with Served(fake.app()) as served:
        yield fake, served


@pytest.fixture
def twilio_rest(served_twilio) -> FakeTwilioRecordings:
    fake, _ = served_twilio
    fake.media.clear()
    fake.deleted.clear()
    fake.downloads.clear()
    fake.failures.clear()
    return fake


@pytest.fixture
def settings(tmp_path: Path, database_url: str, redis_url: str, served_twilio) -> Settings:
    _, served = served_twilio
    return load_settings(make_environ(tmp_path, DATABASE_URL=database_url, REDIS_URL=redis_url,
                                      TWILIO_API_BASE=served.url))


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
