"""Decoding recordings exactly: PCM and mu-law WAV, MP3 — through `helpline.audio`.

Twilio records telephone audio at 8 kHz. Vosk is fed that at its native rate; any
other rate is resampled by ffmpeg (never by a crude resampler that aliases). A
dual-channel call recording is split into its channels: 0 is the caller, 1 the agent.
Failures carry the recordings' own error codes, which staff see.
"""

from __future__ import annotations

from pathlib import Path

from helpline import audio
from helpline.audio import SAMPLE_WIDTH, AudioInfo, split_channels
from helpline.audio import Pcm as DecodedAudio
from recordings import errors
from recordings.errors import AudioError

TELEPHONE_RATE = audio.PHONE_RATE

__all__ = ["SAMPLE_WIDTH", "TELEPHONE_RATE", "AudioInfo", "DecodedAudio", "decode", "probe",
           "split_channels"]

_CODES = {audio.EMPTY_MEDIA: errors.EMPTY_MEDIA, audio.NOT_AUDIO: errors.NOT_AUDIO}


def probe(path: Path) -> AudioInfo:
    """What is in the file, by ffprobe; AudioError when it is empty or not audio."""
    try:
        return audio.probe(path)
    except audio.AudioError as exc:
        raise _recording_error(exc) from exc


def decode(path: Path, target_rate: int = TELEPHONE_RATE) -> DecodedAudio:
    """Every sample of the file as 16-bit PCM per channel at `target_rate`."""
    try:
        return audio.decode_pcm(path, target_rate)
    except audio.AudioError as exc:
        raise _recording_error(exc) from exc


def _recording_error(exc: audio.AudioError) -> AudioError:
    # A missing or failing ffmpeg is not the recording's fault, but retrying the same
    # bytes cannot help either: it shows as corrupt audio with ffmpeg's own words.
    return AudioError(_CODES.get(exc.code, errors.CORRUPT_AUDIO), exc.message)
