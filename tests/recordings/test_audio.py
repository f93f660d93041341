"""Exact decoding of Twilio's formats with real ffmpeg."""

from __future__ import annotations

import subprocess
from array import array

import pytest

from recordings import audio, errors
from recordings.errors import AudioError
from tests.recordings import media


@pytest.mark.parametrize("fmt", ["mulaw", "pcm", "mp3"])
def test_decodes_twilio_formats_to_8khz_16bit_mono(voicemail_audio, fmt):
    decoded = audio.decode(voicemail_audio[fmt])
    assert decoded.sample_rate == 8000
    assert len(decoded.channels) == 1
    expected = media.duration(voicemail_audio["source"])
    assert decoded.duration_seconds == pytest.approx(expected, abs=0.08)


@pytest.mark.smoke
def test_mulaw_decodes_exactly_as_ffmpeg_does(voicemail_audio):
    """16-bit samples, equal to ffmpeg's own mu-law expansion (decoding mu-law as 8-bit
    PCM, as pydub once did, makes every sample a multiple of 256)."""
    decoded = audio.decode(voicemail_audio["mulaw"])
    reference = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(voicemail_audio["mulaw"]),
         "-f", "s16le", "-acodec", "pcm_s16le", "-"], capture_output=True, check=True).stdout
    assert decoded.channels[0] == reference
    samples = array("h")
    samples.frombytes(decoded.channels[0])
    assert any(s % 256 for s in samples)


def test_other_rates_are_resampled_by_ffmpeg(voicemail_audio, tmp_path):
    wideband = media.convert(voicemail_audio["source"], tmp_path / "16k.wav",
                             codec="pcm_s16le", rate=16000)
    decoded = audio.decode(wideband)
    assert decoded.sample_rate == 8000
    assert decoded.duration_seconds == pytest.approx(media.duration(wideband), abs=0.05)


def test_dual_channel_is_split_caller_then_agent(voicemail_audio, tmp_path):
    quiet = media.silence(tmp_path / "quiet.wav", seconds=media.duration(
        voicemail_audio["source"]), codec="pcm_s16le")
    both = media.dual(voicemail_audio["source"], quiet, tmp_path / "dial.wav")
    decoded = audio.decode(both)
    caller, agent = decoded.channels
    assert len(caller) == len(agent)
    assert any(caller) and not any(agent)  # speech on 0 (caller), silence on 1 (agent)


@pytest.mark.parametrize(("content", "code"), [
    (b"", errors.EMPTY_MEDIA),
    (b"this is a text file, not a voicemail\n" * 20, errors.NOT_AUDIO),
    (b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 4, errors.NOT_AUDIO),
])
def test_bad_media_fails_with_a_code(tmp_path, content, code):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioError) as caught:
        audio.decode(path)
    assert caught.value.code == code


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(AudioError, match="no file"):
        audio.decode(tmp_path / "absent.wav")
