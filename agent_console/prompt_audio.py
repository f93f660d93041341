"""Turning an uploaded recording of a prompt into what the IVR plays: 8 kHz mono
16-bit WAV (Twilio's phone audio rate, so nothing is resampled on every call).
Anything ffmpeg cannot decode as audio is refused with a stable error code."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from helpline import audio

MAX_PROMPT_SECONDS = 120
MIN_PROMPT_SECONDS = 0.2
PROMPT_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")


class PromptAudioError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def convert_prompt_audio(data: bytes) -> tuple[bytes, float]:
    """Uploaded bytes → (8 kHz mono WAV bytes, duration in seconds). ffmpeg resamples
    (with its low-pass filter: nothing above 4 kHz folds back into the phone band)."""
    if not data:
        raise PromptAudioError("empty_upload", "the file is empty")
    try:
        wav = audio.phone_wav_bytes(data)
    except audio.AudioError as exc:
        raise PromptAudioError("not_audio", "the file is not audio ffmpeg can read") from exc
    seconds = audio.wav_duration(wav)
    if seconds < MIN_PROMPT_SECONDS:
        raise PromptAudioError("too_short", "the recording is too short to be a prompt")
    if seconds > MAX_PROMPT_SECONDS:
        raise PromptAudioError("too_long", f"prompts must be under {MAX_PROMPT_SECONDS} s")
    return wav, seconds


def save_prompt_audio(root: Path, language: str, prompt_id: str, wav: bytes) -> Path:
    """Writes `<root>/<language>/<prompt_id>.wav` atomically (a caller mid-prompt never
    hears half a file)."""
    if not PROMPT_ID.match(prompt_id) or not re.fullmatch(r"[a-z]{2,3}", language):
        raise PromptAudioError("bad_prompt_id", "unknown language or prompt id")
    folder = root / language
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{prompt_id}.wav"
    fd, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    with os.fdopen(fd, "wb") as handle:
        handle.write(wav)
    os.replace(temporary, target)
    return target
