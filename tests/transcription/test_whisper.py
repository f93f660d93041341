"""Real faster-whisper decoding (Whisper base from the [whisper] extra) of espeak-ng
speech at 8 kHz mu-law, as Twilio records it: English is good enough to correct,
Thai comes out as a repetition loop and is rejected within its CPU budget, silence
is not given words, and the budget really stops a decode."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpline.config import TranscriptionEngines, WhisperLimits, load_config
from helpline.settings import DEMO_CONFIG
from recordings.audio import decode
from tests.recordings import media
from transcription import draft_guard
from transcription.accuracy import word_error_rate
from transcription.registry import ModelRegistry

pytestmark = pytest.mark.slow

ENGLISH = ("My employer has not paid my wages for three months. "
           "The agent took my passport and I want to go home.")
# A worker's complaint in Thai; espeak-ng's Thai makes Whisper base loop on it.
THAI = "นายจ้างไม่จ่ายค่าจ้างมาสามเดือนแล้ว"


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("whisper-clips")
    out = {}
    for name, text, voice in [("english", ENGLISH, "en"), ("thai", THAI, "th")]:
        spoken = media.speak(text, folder / f"{name}-spoken.wav", voice=voice)
        out[name] = media.convert(spoken, folder / f"{name}.wav")   # 8 kHz mu-law
    out["silence"] = media.silence(folder / "silence.wav", seconds=4.0)
    long_text = (ENGLISH + " I work twelve hours every day in a factory near Bangkok, and "
                 "we sleep in a room with ten other people. When I asked for my money the "
                 "supervisor shouted at me and said the police would arrest me. My friend "
                 "hurt her hand on a machine last week and nobody took her to a doctor. "
                 "Please call me back in the evening after eight o'clock, because in the "
                 "day the boss watches my phone. Thank you for listening to me.")
    spoken = media.speak(long_text, folder / "long-spoken.wav", voice="en")
    out["long"] = media.convert(spoken, folder / "long.wav")
    return out


def registry(**limits: float) -> ModelRegistry:
    demo = load_config(DEMO_CONFIG).transcription
    engines = TranscriptionEngines(
        engines={**demo.engines, "th": "whisper"},
        whisper=WhisperLimits(**{**demo.whisper.__dict__, **limits}))
    return ModelRegistry.from_paths({}, engines)


def test_helpline_transcribe_uses_whisper_for_english_on_the_demo_configuration(
        clips, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "helpline", "transcribe", str(clips["english"]),
         "--language", "en", "--json"], capture_output=True, text=True, timeout=300,
        env={"HELPLINE_INSTANCE_DIR": str(tmp_path / "instance"), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)["channels"]["mono"]
    assert (result["engine"], result["draft"], result["rejected"]) == ("whisper", True, None)
    wer = word_error_rate(ENGLISH, result["text"])
    assert wer <= 0.3, (wer, result["text"])
    assert result["words"] and all(0 <= w["start"] <= w["end"] for w in result["words"])
    assert 0 < result["cpu_seconds"] < result["audio_seconds"] * 1.0 + 5


def test_a_thai_clip_that_loops_is_rejected_within_its_cpu_budget(clips):
    decoded = decode(clips["thai"])
    engine = registry().engine("th")
    result = engine.transcribe(decoded.channels[0], decoded.sample_rate)
    budget = draft_guard.cpu_budget(result.audio_seconds, per_audio_second=1.0, minimum=5.0)
    assert result.rejected is not None, result.text
    assert result.rejected.startswith("machine draft rejected: "), result.rejected
    assert "loop" in result.rejected or "garbled" in result.rejected, result.rejected
    assert result.cpu_seconds <= budget, (result.cpu_seconds, budget)


def test_silence_is_rejected_as_no_speech_rather_than_given_words(clips):
    decoded = decode(clips["silence"])
    result = registry().engine("en").transcribe(decoded.channels[0], decoded.sample_rate)
    assert result.rejected == "machine draft rejected: no speech recognised", result.text


def test_a_decode_past_its_cpu_budget_stops_there(clips):
    decoded = decode(clips["long"])
    assert decoded.duration_seconds > 35        # two 30 s windows at least
    full = registry().engine("en").transcribe(decoded.channels[0], decoded.sample_rate)
    assert full.rejected is None, full.rejected
    tight = registry(cpu_seconds_per_audio_second=0.001, min_cpu_seconds=0.01).engine("en")
    stopped = tight.transcribe(decoded.channels[0], decoded.sample_rate)
    assert stopped.rejected and "CPU budget" in stopped.rejected
    # It stopped after the first window instead of decoding the rest.
    assert len(stopped.segments) < len(full.segments)
    assert stopped.cpu_seconds < full.cpu_seconds


def test_the_model_is_loaded_once_per_process_for_all_its_languages(clips):
    from transcription import registry as registry_module

    registry().engine("en")
    loads = registry_module.load_count
    english, indonesian = registry().engine("en"), registry().engine("id")
    assert registry_module.load_count == loads
    assert english.model is indonesian.model
    assert (english.language, indonesian.language) == ("en", "id")
