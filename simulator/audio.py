"""Real audio for recordings: espeak-ng speaks, ffmpeg (through `helpline.audio`)
converts to what Twilio serves (8 kHz mono 16-bit PCM WAV, and MP3), two channels
for <Dial> recordings (caller left, agent right, as Twilio's dual-channel recordings
are)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpline import audio
from helpline.audio import AudioError, wav_duration

SAMPLE_RATE = audio.PHONE_RATE

__all__ = ["SAMPLE_RATE", "AudioError", "media_duration", "speak", "to_dual", "to_mono",
           "wav_duration"]


def speak(text: str, voice: str, out: Path) -> Path:
    """espeak-ng's utterance of `text` as a WAV file; unknown voices fall back to English."""
    for attempt in (voice, "en"):
        try:
            done = subprocess.run(["espeak-ng", "-v", attempt, "-w", str(out), text],
                                  capture_output=True, timeout=120, check=False)
        except FileNotFoundError as exc:
            raise AudioError(audio.TOOL_MISSING, "espeak-ng is not installed") from exc
        if done.returncode == 0:
            return out
    raise AudioError(audio.TOOL_FAILED,
                     f"espeak-ng failed: {done.stderr.decode(errors='replace')[-300:]}")


def to_mono(source: Path, wav_out: Path, mp3_out: Path, *, seconds: float | None = None) -> float:
    """Convert to Twilio's formats, padded with silence or cut to `seconds` if given.
    Returns the resulting duration in seconds."""
    audio.to_phone_wav(source, wav_out, seconds=seconds)
    audio.to_mp3(wav_out, mp3_out)
    return wav_duration(wav_out.read_bytes())


def to_dual(left: Path | None, right: Path | None, seconds: float, wav_out: Path,
            mp3_out: Path) -> float:
    """Two-channel recording of `seconds`: `left` on channel 1, `right` on channel 2."""
    audio.mix_dual(left, right, wav_out, seconds=seconds)
    audio.to_mp3(wav_out, mp3_out, channels=2)
    return wav_duration(wav_out.read_bytes())


def media_duration(data: bytes) -> float | None:
    """Seconds of audio in a fetched <Play> file, or None when nothing can tell."""
    try:
        return audio.duration(data)
    except AudioError:
        return None
