"""Staff recordings of prompts through real ffmpeg, made from real espeak-ng speech:
silence trimmed, loudness brought to the telephone level, 8 kHz mono 16-bit; silent,
clipped and too long recordings refused with a reason staff can act on. The test
signals are shaped with Python's `wave` module, so what is measured does not depend
on the tool under test."""

from __future__ import annotations

import io
import subprocess
import wave
from array import array
from pathlib import Path

import pytest
from flask_babel import force_locale

from agent_console import prompt_audio
from agent_console.prompt_audio import PromptAudioError, convert_prompt_audio, reason
from helpline import audio
from helpline.app import create_app

SENTENCE = "Press one to speak to someone in your language."


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> tuple[int, array]:
    """espeak-ng's sentence: (rate, samples)."""
    path = tmp_path_factory.mktemp("speech") / "sentence.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-w", str(path), SENTENCE], check=True,
                   capture_output=True, timeout=30)
    with wave.open(str(path)) as reader:
        samples = array("h", reader.readframes(reader.getnframes()))
        return reader.getframerate(), samples


def wav_of(rate: int, samples: array) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples.tobytes())
    return buffer.getvalue()


def scaled(samples: array, factor: float) -> array:
    return array("h", (max(-32768, min(32767, int(s * factor))) for s in samples))


def refusal(data: bytes) -> PromptAudioError:
    with pytest.raises(PromptAudioError) as refused:
        convert_prompt_audio(data)
    return refused.value


def test_a_quiet_sentence_with_silence_either_side_comes_out_trimmed_and_louder(speech,
                                                                                tmp_path):
    rate, samples = speech
    quiet = scaled(samples, 0.06)                       # about 24 dB down
    padding = array("h", bytes(2 * 2 * rate))           # 2 s of digital silence
    upload = wav_of(rate, padding + quiet + padding)
    spoken = len(samples) / rate
    assert audio.duration(upload) == pytest.approx(spoken + 4, abs=0.01)

    wav, seconds = convert_prompt_audio(upload)

    with wave.open(io.BytesIO(wav)) as reader:
        assert (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) == (
            8000, 1, 2)
        pcm = reader.readframes(reader.getnframes())
    # espeak-ng's own lead-in and tail are quiet too: what is left is the sentence and
    # the padding kept either side, never the 4 s of silence.
    assert seconds < spoken + 2 * prompt_audio.PAD_SECONDS + 0.05
    assert seconds > spoken - 1.0
    assert audio.level_dbfs(pcm) > audio.level_dbfs(quiet.tobytes()) + 15
    out = tmp_path / "out.wav"
    out.write_bytes(wav)
    measured = audio.measure_loudness(out, start=0, end=seconds, target=prompt_audio.TARGET)
    assert measured.integrated == pytest.approx(-20.0, abs=1.0)
    assert max(abs(s) for s in array("h", pcm)) <= 32767 * 10 ** (-1.9 / 20)


def test_a_silent_recording_is_refused(speech):
    rate, _ = speech
    hiss = array("h", ((n * 7919) % 7 - 3 for n in range(3 * rate)))   # ~-80 dBFS
    refused = refusal(wav_of(rate, hiss))
    assert refused.code == "silent"


def test_a_clipped_recording_is_refused(speech):
    rate, samples = speech
    refused = refusal(wav_of(rate, scaled(samples, 12.0)))
    assert refused.code == "clipped"


def test_a_loud_recording_that_does_not_clip_is_kept(speech):
    rate, samples = speech
    peak = max(abs(s) for s in samples)
    wav, _ = convert_prompt_audio(wav_of(rate, scaled(samples, 32000 / peak)))
    assert audio.wav_duration(wav) > 1


def test_a_recording_longer_than_the_limit_is_refused(speech):
    rate, samples = speech
    pause = array("h", bytes(2 * rate // 2))
    talk = array("h")
    while len(talk) < rate * (prompt_audio.MAX_PROMPT_SECONDS + 2):
        talk += samples + pause
    refused = refusal(wav_of(rate, talk))
    assert refused.code == "too_long"


def test_what_is_not_audio_is_refused():
    assert refusal(b"").code == "empty_upload"
    assert refusal(b"just some text, renamed to .wav").code == "not_audio"


@pytest.mark.parametrize("code, english, thai", [
    ("silent", "silent", "เงียบ"),
    ("clipped", "clipped", "ดังเกินไป"),
    ("too_long", "at most 30 seconds", "30 วินาที"),
])
def test_the_reason_is_said_in_the_console_language(settings, code, english, thai):
    app = create_app(settings, test_config={"TESTING": True})
    try:
        with app.test_request_context():
            with force_locale("en"):
                assert english in reason(code)
            with force_locale("th"):
                assert thai in reason(code)
    finally:
        app.extensions["helpline"].db.dispose()


def test_prompt_audio_is_never_written_outside_its_folder(tmp_path: Path):
    with pytest.raises(PromptAudioError):
        prompt_audio.save_prompt_audio(tmp_path, "../x", "welcome", b"")
