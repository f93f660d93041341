"""A staff member's recording of a prompt (uploaded, recorded in the browser or on the
recording line, or from an imported pack) made into what the IVR plays, or refused.

What it does, in order:
1. Refuses what is not worth cleaning: empty, not audio ffmpeg reads, clipped (flat
   tops on the samples as they came, before any resampling smooths them), silent
   (nothing above -50 dBFS), a sound shorter than MIN_SPEECH_SECONDS, or longer than
   MAX_PROMPT_SECONDS once its silence is cut.
2. Trims leading and trailing silence, keeping PAD_SECONDS either side so the first
   consonant is not clipped.
3. Normalises loudness to TARGET, -20 LUFS integrated: ffmpeg's loudnorm (EBU R128)
   measures the trimmed clip, one gain brings it to the target and a look-ahead limiter
   (alimiter) holds the peaks at -2 dBFS. Why R128 rather than a peak or RMS target: it
   measures loudness as a listener hears it and gates out the pauses, so a speaker with
   long pauses or one loud plosive comes out as loud as the next one; one gain keeps the
   voice's own rises and falls (no pumping). -20 LUFS is where the espeak-ng prompts sit
   (measured -21 LUFS), so a recording next to machine speech in one call is neither
   quieter nor a shout; -2 dBFS leaves headroom for the phone codec (G.711 mu-law).
4. Writes 8 kHz mono 16-bit WAV, Twilio's phone rate (nothing resampled per call).

Refusals carry a stable `code`; `reason(code)` says it to staff in the console's
language.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from flask_babel import gettext as _

from helpline import audio

MAX_PROMPT_SECONDS = 30.0     # of sound, after trimming: prompts are a sentence or two
MAX_SOURCE_SECONDS = 300.0    # longer than this is refused before decoding it at all
MIN_SPEECH_SECONDS = 0.3
PAD_SECONDS = 0.15
SILENCE_FLOOR_DBFS = -50.0
CLIPPED_LIMIT = 0.001         # 0.1 % of samples in flat tops
TARGET = audio.Loudness(integrated=-20.0, true_peak=-2.0, lra=11.0, threshold=0.0,
                        offset=0.0)
PROMPT_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")

# Refusal codes (stable: tests, the recording line and the console rely on them).
EMPTY, NOT_AUDIO, SILENT, CLIPPED, TOO_SHORT, TOO_LONG = (
    "empty_upload", "not_audio", "silent", "clipped", "too_short", "too_long")


class PromptAudioError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def reason(code: str) -> str:
    """The refusal in the console's language, for the staff member who recorded it."""
    return {
        EMPTY: _("The recording is empty."),
        NOT_AUDIO: _("The file is not audio that can be read."),
        SILENT: _("Nothing could be heard: the recording is silent. Check the microphone "
                  "and record again."),
        CLIPPED: _("The recording is too loud and distorted (clipped). Move a little "
                   "further from the microphone and record again."),
        TOO_SHORT: _("The recording is too short to be a prompt."),
        TOO_LONG: _("The recording is too long: a prompt may be at most %(seconds)d "
                    "seconds of speech.", seconds=int(MAX_PROMPT_SECONDS)),
    }.get(code, _("The recording could not be used."))


def convert_prompt_audio(data: bytes) -> tuple[bytes, float]:
    """Bytes of any audio ffmpeg reads → (trimmed, normalised 8 kHz mono WAV bytes, its
    seconds); PromptAudioError when it is refused (see the module docstring)."""
    if not data:
        raise PromptAudioError(EMPTY, "the file is empty")
    with tempfile.TemporaryDirectory(prefix="prompt-") as work:
        source = Path(work) / "upload"
        source.write_bytes(data)
        try:
            info = audio.probe(source)
            if (info.duration_seconds or 0) > MAX_SOURCE_SECONDS:
                raise PromptAudioError(TOO_LONG, f"prompts must be under "
                                                 f"{MAX_PROMPT_SECONDS:.0f} s of speech")
            # At the file's own rate: resampling would round off the flat tops.
            pcm = audio.decode_pcm(source, rate=info.sample_rate or audio.PHONE_RATE)
        except audio.AudioError as exc:
            raise PromptAudioError(NOT_AUDIO, "the file is not audio ffmpeg can read") \
                from exc
        return _cleaned(source, Path(work) / "prompt.wav", pcm)


def _cleaned(source: Path, target: Path, pcm: audio.Pcm) -> tuple[bytes, float]:
    if any(audio.clipped_fraction(channel) > CLIPPED_LIMIT for channel in pcm.channels):
        raise PromptAudioError(CLIPPED, "the recording is clipped (too loud)")
    loudest = max(pcm.channels, key=audio.level_dbfs)
    span = audio.speech_span(loudest, pcm.sample_rate, floor_dbfs=SILENCE_FLOOR_DBFS)
    if span is None:
        raise PromptAudioError(SILENT, "the recording is silent")
    if span[1] - span[0] < MIN_SPEECH_SECONDS:
        raise PromptAudioError(TOO_SHORT, "the recording is too short to be a prompt")
    if span[1] - span[0] > MAX_PROMPT_SECONDS:
        raise PromptAudioError(TOO_LONG, f"prompts must be under {MAX_PROMPT_SECONDS:.0f} s "
                                         "of speech")
    start = max(0.0, span[0] - PAD_SECONDS)
    end = min(pcm.duration_seconds, span[1] + PAD_SECONDS)
    try:
        measured = audio.measure_loudness(source, start=start, end=end, target=TARGET)
        wav = audio.normalised_phone_wav(source, target, start=start, end=end,
                                         measured=measured, goal=TARGET).read_bytes()
    except audio.AudioError as exc:
        raise PromptAudioError(NOT_AUDIO, "the file is not audio ffmpeg can read") from exc
    return wav, audio.wav_duration(wav)


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
