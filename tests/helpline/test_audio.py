"""helpline.audio with real ffmpeg and ffprobe; test signals are written by Python's
`wave` module, so what is measured does not depend on the tool under test."""

from __future__ import annotations

import io
import math
import wave
from array import array

import pytest

from helpline import audio


def tone_wav(hz: float, *, rate: int, seconds: float = 1.0, amplitude: float = 0.5,
             channels: int = 1) -> bytes:
    samples = array("h", (int(amplitude * 32767 * math.sin(2 * math.pi * hz * n / rate))
                          for n in range(int(rate * seconds)) for _ in range(channels)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples.tobytes())
    return buffer.getvalue()


def pcm_of(wav: bytes) -> tuple[int, int, bytes]:
    with wave.open(io.BytesIO(wav)) as reader:
        return reader.getframerate(), reader.getnchannels(), reader.readframes(10**9)


def naive_resample(pcm: bytes, source_rate: int, rate: int) -> bytes:
    """Sample picking without a low-pass filter: what a crude resampler does."""
    samples = array("h")
    samples.frombytes(pcm)
    count = len(samples) * rate // source_rate
    return array("h", (samples[n * source_rate // rate] for n in range(count))).tobytes()


@pytest.mark.smoke
def test_a_6khz_tone_at_44khz_does_not_fold_into_the_phone_band(tmp_path):
    """8 kHz audio holds nothing above 4 kHz: a 6 kHz tone must be filtered out, not
    come back at 2 kHz (44.1 kHz → 8 kHz without a filter folds it to 8 - 6 = 2 kHz)."""
    upload = tone_wav(6000, rate=44100)
    _, _, source = pcm_of(upload)
    assert audio.level_dbfs(source) == pytest.approx(-9.0, abs=0.1)  # a 0.5 sine
    # The test can tell: without a filter the tone survives at nearly full strength.
    assert audio.level_dbfs(naive_resample(source, 44100, 8000)) > -12

    wav = audio.phone_wav_bytes(upload)
    rate, channels, pcm = pcm_of(wav)
    assert (rate, channels) == (8000, 1)
    assert audio.wav_duration(wav) == pytest.approx(1.0, abs=0.01)
    assert audio.level_dbfs(pcm) < -45  # measured -51.6 dBFS (ffmpeg 5.1)

    path = tmp_path / "tone.wav"
    path.write_bytes(upload)
    assert audio.level_dbfs(audio.decode_pcm(path).channels[0]) < -45


def test_a_tone_in_the_phone_band_comes_through_at_its_level(tmp_path):
    wav = audio.phone_wav_bytes(tone_wav(1000, rate=44100, channels=2))
    rate, channels, pcm = pcm_of(wav)
    assert (rate, channels) == (8000, 1)
    assert audio.level_dbfs(pcm) == pytest.approx(-9.0, abs=0.5)


def test_probe_reports_the_stream(tmp_path):
    path = tmp_path / "stereo.wav"
    path.write_bytes(tone_wav(440, rate=16000, seconds=0.5, channels=2))
    info = audio.probe(path)
    assert (info.codec, info.sample_rate, info.channels) == ("pcm_s16le", 16000, 2)
    assert info.container == "wav"
    assert info.duration_seconds == pytest.approx(0.5, abs=0.001)


def test_duration_of_files_and_bytes(tmp_path):
    wav = tone_wav(440, rate=8000, seconds=1.25)
    assert audio.duration(wav) == pytest.approx(1.25)
    source = tmp_path / "a.wav"
    source.write_bytes(wav)
    mp3 = audio.to_mp3(source, tmp_path / "a.mp3")
    assert audio.duration(mp3) == pytest.approx(1.25, abs=0.08)
    assert audio.duration(mp3.read_bytes()) == pytest.approx(1.25, abs=0.08)
    mulaw = audio.convert(source, tmp_path / "mulaw.wav", codec="pcm_mulaw")
    assert audio.probe(mulaw).codec == "pcm_mulaw"
    assert audio.duration(mulaw) == pytest.approx(1.25, abs=0.001)


def test_convert_pads_or_cuts_to_seconds_and_applies_filters(tmp_path):
    source = tmp_path / "a.wav"
    source.write_bytes(tone_wav(1000, rate=22050, seconds=1.0))
    padded = audio.to_phone_wav(source, tmp_path / "padded.wav", seconds=2.5)
    assert audio.duration(padded) == pytest.approx(2.5, abs=0.001)
    cut = audio.to_phone_wav(source, tmp_path / "cut.wav", seconds=0.4)
    assert audio.duration(cut) == pytest.approx(0.4, abs=0.001)
    quieter = audio.to_phone_wav(source, tmp_path / "quiet.wav", filters=["volume=-20dB"])
    assert audio.level_dbfs(pcm_of(quieter.read_bytes())[2]) == pytest.approx(-29.0, abs=0.5)


def test_outputs_are_deterministic_and_written_whole(tmp_path):
    source = tmp_path / "a.wav"
    source.write_bytes(tone_wav(700, rate=44100, seconds=0.5))
    first = audio.to_phone_wav(source, tmp_path / "out" / "one.wav").read_bytes()
    second = audio.to_phone_wav(source, tmp_path / "out" / "two.wav").read_bytes()
    assert first == second
    assert b"LIST" not in first[:100]  # no encoder tag: a plain 44-byte header
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["one.wav", "two.wav"]


def test_decode_pcm_splits_a_dial_recording_caller_first(tmp_path):
    caller = tmp_path / "caller.wav"
    caller.write_bytes(tone_wav(500, rate=8000, seconds=1.0))
    both = audio.mix_dual(caller, None, tmp_path / "dial.wav", seconds=1.5)
    decoded = audio.decode_pcm(both)
    assert decoded.sample_rate == 8000 and decoded.duration_seconds == pytest.approx(1.5)
    left, right = decoded.channels
    assert audio.level_dbfs(left) > -15 and audio.level_dbfs(right) == -math.inf


def test_synthesize_and_silence(tmp_path):
    beep = audio.synthesize("0.5*sin(2*PI*440*t)", tmp_path / "beep.mp3", seconds=1,
                            bitrate="32k")
    assert audio.probe(beep).sample_rate == 16000
    assert audio.duration(beep) == pytest.approx(1.0, abs=0.08)
    quiet = audio.silence(tmp_path / "quiet.wav", seconds=0.75)
    assert audio.duration(quiet) == pytest.approx(0.75)
    assert audio.level_dbfs(audio.decode_pcm(quiet).channels[0]) == -math.inf


@pytest.mark.parametrize(("content", "code"), [
    (b"", audio.EMPTY_MEDIA),
    (b"this is a text file, not a voicemail\n" * 20, audio.NOT_AUDIO),
])
def test_what_is_not_audio_fails_with_a_code(tmp_path, content, code):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(audio.AudioError) as caught:
        audio.decode_pcm(path)
    assert caught.value.code == code
    if content:
        with pytest.raises(audio.AudioError) as caught:
            audio.phone_wav_bytes(content)
        assert caught.value.code == audio.NOT_AUDIO


def test_a_missing_ffmpeg_is_named(tmp_path, monkeypatch):
    source = tmp_path / "a.wav"
    source.write_bytes(tone_wav(440, rate=8000, seconds=0.2))
    monkeypatch.setattr(audio, "FFMPEG", str(tmp_path / "no-ffmpeg"))
    with pytest.raises(audio.AudioError) as caught:
        audio.to_mp3(source, tmp_path / "a.mp3")
    assert caught.value.code == audio.TOOL_MISSING
    assert not list(tmp_path.glob("*.part")) and not (tmp_path / "a.mp3").exists()


def test_targets_name_their_format(tmp_path):
    source = tmp_path / "a.wav"
    source.write_bytes(tone_wav(440, rate=8000, seconds=0.2))
    with pytest.raises(ValueError, match="use .wav or .mp3"):
        audio.convert(source, tmp_path / "a.ogg")


def test_level_of_nothing_is_silence():
    assert audio.level_dbfs(b"") == -math.inf
    assert audio.level_dbfs(bytes(200)) == -math.inf


def test_resample_pcm_keeps_the_length_and_the_tone():
    _, _, pcm = pcm_of(tone_wav(1000, rate=8000, seconds=1.0))
    wide = audio.resample_pcm(pcm, 8000, 16000)
    assert len(wide) == pytest.approx(2 * len(pcm), abs=64)
    assert audio.level_dbfs(wide) == pytest.approx(-9.0, abs=0.5)
    assert audio.resample_pcm(pcm, 8000, 8000) is pcm
