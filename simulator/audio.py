"""Real audio for recordings: espeak-ng speaks, ffmpeg converts to what Twilio
serves (8 kHz mono 16-bit PCM WAV, and MP3), two channels for <Dial> recordings
(caller left, agent right, as Twilio's dual-channel recordings are)."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from pathlib import Path

SAMPLE_RATE = 8000


class AudioError(RuntimeError):
    pass


def _run(args: list[str]) -> bytes:
    try:
        done = subprocess.run(args, capture_output=True, timeout=120, check=False)
    except FileNotFoundError as exc:
        raise AudioError(f"{args[0]} is not installed") from exc
    if done.returncode != 0:
        raise AudioError(f"{args[0]} failed: {done.stderr.decode(errors='replace')[-300:]}")
    return done.stdout


def speak(text: str, voice: str, out: Path) -> Path:
    """espeak-ng's utterance of `text` as a WAV file; unknown voices fall back to English."""
    try:
        _run(["espeak-ng", "-v", voice, "-w", str(out), text])
    except AudioError:
        _run(["espeak-ng", "-v", "en", "-w", str(out), text])
    return out


def to_mono(source: Path, wav_out: Path, mp3_out: Path, *, seconds: float | None = None) -> float:
    """Convert to Twilio's formats, padded with silence or cut to `seconds` if given.
    Returns the resulting duration in seconds."""
    length = ["-af", "apad", "-t", f"{seconds:.3f}"] if seconds is not None else []
    _run(["ffmpeg", "-v", "error", "-y", "-i", str(source), *length, "-ar", str(SAMPLE_RATE),
          "-ac", "1", "-c:a", "pcm_s16le", str(wav_out)])
    _mp3(wav_out, mp3_out)
    return wav_duration(wav_out.read_bytes())


def to_dual(left: Path | None, right: Path | None, seconds: float, wav_out: Path,
            mp3_out: Path) -> float:
    """Two-channel recording of `seconds`: `left` on channel 1, `right` on channel 2."""
    inputs: list[str] = []
    for source in (left, right):
        if source is None:
            inputs += ["-f", "lavfi", "-i", f"anullsrc=r={SAMPLE_RATE}:cl=mono"]
        else:
            inputs += ["-i", str(source)]
    graph = (f"[0:a]aresample={SAMPLE_RATE},aformat=channel_layouts=mono,apad[l];"
             f"[1:a]aresample={SAMPLE_RATE},aformat=channel_layouts=mono,apad[r];"
             "[l][r]amerge=inputs=2[out]")
    _run(["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", graph, "-map", "[out]",
          "-t", f"{seconds:.3f}", "-ar", str(SAMPLE_RATE), "-ac", "2", "-c:a", "pcm_s16le",
          str(wav_out)])
    _mp3(wav_out, mp3_out)
    return wav_duration(wav_out.read_bytes())


def _mp3(wav: Path, mp3_out: Path) -> None:
    _run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-c:a", "libmp3lame", "-b:a", "32k",
          str(mp3_out)])


def wav_duration(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as reader:
        return float(reader.getnframes()) / float(reader.getframerate())


def media_duration(data: bytes) -> float | None:
    """Seconds of audio in a fetched <Play> file (WAV read directly, others via ffprobe)."""
    if data[:4] == b"RIFF":
        try:
            return wav_duration(data)
        except (wave.Error, EOFError):
            pass
    if shutil.which("ffprobe") is None:
        return None
    try:
        out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                              "-of", "csv=p=0", "-i", "pipe:0"], input=data,
                             capture_output=True, timeout=30, check=False).stdout
        return float(out.decode().strip())
    except (ValueError, subprocess.TimeoutExpired):
        return None
