"""Decoding recordings exactly: PCM and mu-law WAV, MP3 — through pydub and ffmpeg.

Twilio records telephone audio at 8 kHz. Vosk is fed that at its native rate; any
other rate is resampled by ffmpeg (never by audioop, whose resampler is crude and
is being removed from Python). A dual-channel call recording is split into its
channels: 0 is the caller, 1 the agent.
"""

from __future__ import annotations

import subprocess
import warnings
from array import array
from dataclasses import dataclass
from pathlib import Path

from recordings import errors
from recordings.errors import AudioError

with warnings.catch_warnings():
    # pydub imports the stdlib audioop module at import time, which warns on 3.11+.
    # Nothing here calls audioop: resampling and width conversion go through ffmpeg.
    warnings.simplefilter("ignore", DeprecationWarning)
    from pydub import AudioSegment
    from pydub.exceptions import CouldntDecodeError
    from pydub.utils import mediainfo_json

TELEPHONE_RATE = 8000
SAMPLE_WIDTH = 2  # signed 16-bit little-endian, what Vosk takes


@dataclass(frozen=True)
class AudioInfo:
    codec: str
    sample_rate: int
    channels: int
    container: str


@dataclass(frozen=True)
class DecodedAudio:
    """16-bit mono PCM per channel, all at `sample_rate`."""

    sample_rate: int
    channels: tuple[bytes, ...]
    codec: str

    @property
    def duration_seconds(self) -> float:
        if not self.channels:
            return 0.0
        return len(self.channels[0]) / (SAMPLE_WIDTH * self.sample_rate)


def probe(path: Path) -> AudioInfo:
    """What is in the file, by ffprobe; AudioError when it is empty or not audio."""
    if not path.is_file():
        raise AudioError(errors.NOT_AUDIO, f"no file at {path}")
    if path.stat().st_size == 0:
        raise AudioError(errors.EMPTY_MEDIA, "the file is empty (0 bytes)")
    try:
        info = mediainfo_json(str(path))
    except (OSError, ValueError) as exc:  # ffprobe printed nothing parseable
        raise AudioError(errors.NOT_AUDIO, "ffprobe could not read the file") from exc
    streams = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise AudioError(errors.NOT_AUDIO, "the file holds no audio stream")
    stream = streams[0]
    return AudioInfo(
        codec=str(stream.get("codec_name") or "unknown"),
        sample_rate=int(stream.get("sample_rate") or 0),
        channels=int(stream.get("channels") or 0),
        container=str(info.get("format", {}).get("format_name") or "unknown"),
    )


def decode(path: Path, target_rate: int = TELEPHONE_RATE) -> DecodedAudio:
    """Every sample of the file as 16-bit PCM per channel at `target_rate`."""
    info = probe(path)
    if info.channels < 1 or info.sample_rate < 1:
        raise AudioError(errors.CORRUPT_AUDIO, "the audio stream has no channels or rate")
    # Without the codec hint pydub asks ffmpeg for 8-bit output from a mu-law file
    # (mu-law is 8 bits on disk) and loses half the dynamic range.
    codec = "pcm_mulaw" if info.codec == "pcm_mulaw" else None
    try:
        segment = AudioSegment.from_file(str(path), codec=codec)
    except (CouldntDecodeError, IndexError, KeyError, OSError) as exc:
        raise AudioError(errors.CORRUPT_AUDIO,
                         f"ffmpeg could not decode the {info.codec} audio") from exc
    if segment.frame_rate == target_rate and segment.sample_width == SAMPLE_WIDTH:
        pcm, channels = segment.raw_data, segment.channels
    else:
        pcm, channels = _ffmpeg_pcm(path, codec, target_rate), info.channels
    if not pcm:
        raise AudioError(errors.CORRUPT_AUDIO, "the file decodes to no audio at all")
    return DecodedAudio(sample_rate=target_rate, channels=split_channels(pcm, channels),
                        codec=info.codec)


def split_channels(pcm: bytes, channels: int) -> tuple[bytes, ...]:
    """Interleaved 16-bit frames → one mono buffer per channel."""
    if channels == 1:
        return (pcm,)
    samples = array("h")
    usable = len(pcm) - len(pcm) % (SAMPLE_WIDTH * channels)
    samples.frombytes(pcm[:usable])
    return tuple(samples[index::channels].tobytes() for index in range(channels))


def _ffmpeg_pcm(path: Path, codec: str | None, rate: int) -> bytes:
    command = ["ffmpeg", "-nostdin", "-v", "error"]
    if codec:
        command += ["-acodec", codec]
    command += ["-i", str(path), "-vn", "-f", "s16le", "-acodec", "pcm_s16le",
                "-ar", str(rate), "-"]
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        raise AudioError(errors.CORRUPT_AUDIO, "ffmpeg could not resample the audio")
    return result.stdout
