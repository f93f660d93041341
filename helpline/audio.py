"""Audio through ffmpeg and ffprobe: the one place the helpline runs them.

Everything a caller hears or leaves goes through here: prompt uploads and TTS turned
into what Twilio plays (8 kHz mono 16-bit WAV, or MP3), staff recordings of prompts
trimmed and loudness-normalised (`speech_span`, `clipped_fraction`, `measure_loudness`,
`normalised_phone_wav`), recordings decoded to PCM for
Vosk, the stand-in's synthetic recordings, the hold music. Resampling is always
ffmpeg's (`-ar`), whose low-pass filter removes what lies above the new Nyquist
frequency; a crude resampler (the stdlib's late audioop) folds a 6 kHz tone back in
at 2 kHz, nearly as loud, when a 44.1 kHz upload becomes 8 kHz.

Outputs are written to a temporary file beside the target and renamed into place, so
a caller mid-prompt never hears half a file; they carry no metadata, so the same input
gives the same bytes. Every run has a timeout. Failures raise `AudioError` with a
stable code (the strings the recordings package reports to staff).
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import subprocess
import tempfile
import wave
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PHONE_RATE = 8000  # what Twilio records and plays on a phone line
SAMPLE_WIDTH = 2  # signed 16-bit little-endian: Twilio's PCM WAV, and what Vosk takes
TIMEOUT_SECONDS = 120.0
FFMPEG = "ffmpeg"
FFPROBE = "ffprobe"

# Error codes: part of the exposed API (recordings show them to staff).
EMPTY_MEDIA = "empty_media"
NOT_AUDIO = "not_audio"
CORRUPT_AUDIO = "corrupt_audio"
TOOL_FAILED = "ffmpeg_failed"
TOOL_MISSING = "ffmpeg_missing"

# No encoder tag or other metadata in what we write: deterministic bytes.
_CLEAN_OUTPUT = ("-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact")
_FORMAT_BY_SUFFIX = {".wav": "wav", ".mp3": "mp3"}
_CODEC_BY_FORMAT = {"wav": "pcm_s16le", "mp3": "libmp3lame"}


class AudioError(RuntimeError):
    """ffmpeg or ffprobe could not do it; `code` says why, `message` says it in words."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


@dataclass(frozen=True)
class AudioInfo:
    """The first audio stream of a file, as ffprobe reports it."""

    codec: str
    sample_rate: int
    channels: int
    container: str
    duration_seconds: float | None  # None when the container does not say


@dataclass(frozen=True)
class Pcm:
    """16-bit mono PCM per channel (0 is the caller in a <Dial> recording), all at
    `sample_rate`."""

    sample_rate: int
    channels: tuple[bytes, ...]
    codec: str  # the source's codec, e.g. pcm_mulaw

    @property
    def duration_seconds(self) -> float:
        if not self.channels:
            return 0.0
        return len(self.channels[0]) / (SAMPLE_WIDTH * self.sample_rate)


# -- reading -------------------------------------------------------------------------

def probe(path: Path) -> AudioInfo:
    """What audio `path` holds; AudioError when it is missing, empty or not audio."""
    if not path.is_file():
        raise AudioError(NOT_AUDIO, f"no file at {path}")
    if path.stat().st_size == 0:
        raise AudioError(EMPTY_MEDIA, "the file is empty (0 bytes)")
    done = _run([FFPROBE, "-v", "error", "-of", "json", "-show_format", "-show_streams",
                 str(path)], check=False)
    try:
        report = json.loads(done.stdout or b"{}")
    except ValueError as exc:
        raise AudioError(NOT_AUDIO, "ffprobe could not read the file") from exc
    streams = [s for s in report.get("streams", []) if s.get("codec_type") == "audio"]
    if done.returncode != 0 or not streams:
        raise AudioError(NOT_AUDIO, "the file holds no audio stream ffprobe can read")
    stream, container = streams[0], report.get("format", {})
    seconds = stream.get("duration") or container.get("duration")
    return AudioInfo(
        codec=str(stream.get("codec_name") or "unknown"),
        sample_rate=int(stream.get("sample_rate") or 0),
        channels=int(stream.get("channels") or 0),
        container=str(container.get("format_name") or "unknown"),
        duration_seconds=float(seconds) if seconds not in (None, "N/A") else None,
    )


def duration(source: Path | bytes) -> float:
    """Seconds of audio: from the header of a PCM WAV, otherwise by decoding it
    (ffprobe's figure for an MP3 is an estimate, often a few frames long)."""
    data = source if isinstance(source, bytes) else None
    if data is None and isinstance(source, Path) and source.suffix.lower() == ".wav":
        data = source.read_bytes()
    if data is not None and data[:4] == b"RIFF":
        try:
            return wav_duration(data)
        except (wave.Error, EOFError):
            pass  # not a plain PCM WAV (mu-law, broken header): decode it
    with _as_file(source) as path:
        return decode_pcm(path).duration_seconds


def wav_duration(data: bytes) -> float:
    """Seconds in a PCM WAV, from its header (raises wave.Error for anything else)."""
    with wave.open(io.BytesIO(data)) as reader:
        return float(reader.getnframes()) / float(reader.getframerate())


def decode_pcm(path: Path, rate: int = PHONE_RATE) -> Pcm:
    """Every sample of `path` as 16-bit PCM per channel at `rate` (ffmpeg resamples
    when the file is at another rate; mu-law is expanded exactly)."""
    info = probe(path)
    if info.channels < 1 or info.sample_rate < 1:
        raise AudioError(CORRUPT_AUDIO, "the audio stream has no channels or rate")
    done = _run([FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-vn", "-f", "s16le",
                 "-acodec", "pcm_s16le", "-ar", str(rate), "-"], check=False)
    if done.returncode != 0:
        raise AudioError(CORRUPT_AUDIO, f"ffmpeg could not decode the {info.codec} audio")
    if not done.stdout:
        raise AudioError(CORRUPT_AUDIO, "the file decodes to no audio at all")
    return Pcm(sample_rate=rate, channels=split_channels(done.stdout, info.channels),
               codec=info.codec)


def resample_pcm(pcm: bytes, rate: int, to_rate: int, *,
                 timeout: float = TIMEOUT_SECONDS) -> bytes:
    """16-bit mono PCM at `rate` → the same at `to_rate`, by ffmpeg through pipes."""
    if rate == to_rate:
        return pcm
    done = _run([FFMPEG, "-nostdin", "-v", "error", "-f", "s16le", "-ar", str(rate), "-ac", "1",
                 "-i", "pipe:0", "-ar", str(to_rate), "-f", "s16le", "pipe:1"],
                stdin=pcm, timeout=timeout)
    return done.stdout


def split_channels(pcm: bytes, channels: int) -> tuple[bytes, ...]:
    """Interleaved 16-bit frames → one mono buffer per channel."""
    if channels == 1:
        return (pcm,)
    samples = array("h")
    usable = len(pcm) - len(pcm) % (SAMPLE_WIDTH * channels)
    samples.frombytes(pcm[:usable])
    return tuple(samples[index::channels].tobytes() for index in range(channels))


def level_dbfs(pcm: bytes) -> float:
    """RMS level of 16-bit PCM in dB relative to full scale (-inf for digital silence)."""
    samples = array("h")
    samples.frombytes(pcm[: len(pcm) - len(pcm) % SAMPLE_WIDTH])
    if not samples:
        return -math.inf
    rms = math.sqrt(sum(s * s for s in samples) / len(samples))
    return 20 * math.log10(rms / 32768) if rms else -math.inf


def frame_levels(pcm: bytes, rate: int, *, frame_seconds: float = 0.02) -> list[float]:
    """RMS level (dBFS) of each `frame_seconds` of 16-bit mono PCM, in order."""
    step = max(int(rate * frame_seconds), 1) * SAMPLE_WIDTH
    return [level_dbfs(pcm[at:at + step]) for at in range(0, len(pcm), step)]


def speech_span(pcm: bytes, rate: int, *, floor_dbfs: float = -50.0,
                below_loudest_db: float = 30.0,
                frame_seconds: float = 0.02) -> tuple[float, float] | None:
    """(start, end) in seconds of the sound in 16-bit mono PCM: from the first to the
    last frame louder than the floor or `below_loudest_db` under the loudest frame,
    whichever is higher (a quiet speaker is trimmed at their own level, a loud room's
    hiss is not taken for speech). None when no frame reaches `floor_dbfs`."""
    levels = frame_levels(pcm, rate, frame_seconds=frame_seconds)
    loudest = max(levels, default=-math.inf)
    if loudest < floor_dbfs:
        return None
    threshold = max(floor_dbfs, loudest - below_loudest_db)
    loud = [index for index, level in enumerate(levels) if level >= threshold]
    seconds = len(pcm) / (SAMPLE_WIDTH * rate)
    return loud[0] * frame_seconds, min((loud[-1] + 1) * frame_seconds, seconds)


def clipped_fraction(pcm: bytes, *, near_full_scale: int = 32600, run: int = 3) -> float:
    """Share of the samples of 16-bit PCM that lie in flat tops: `run` or more samples
    in a row at or beyond `near_full_scale` either way. A loud but clean voice touches
    full scale for a sample now and then; a clipped one sits there."""
    samples = array("h")
    samples.frombytes(pcm[: len(pcm) - len(pcm) % SAMPLE_WIDTH])
    if not samples:
        return 0.0
    clipped = streak = 0
    for sample in samples:
        if sample >= near_full_scale or sample <= -near_full_scale:
            streak += 1
        else:
            if streak >= run:
                clipped += streak
            streak = 0
    if streak >= run:
        clipped += streak
    return clipped / len(samples)


@dataclass(frozen=True)
class Loudness:
    """ffmpeg loudnorm's measurement (EBU R128) of a stretch of audio."""

    integrated: float   # LUFS
    true_peak: float    # dBTP
    lra: float          # loudness range, LU
    threshold: float    # the gate, LUFS
    offset: float       # the gain loudnorm's second pass adds after its own


def _loudnorm(target: Loudness) -> str:
    return f"loudnorm=I={target.integrated}:TP={target.true_peak}:LRA={target.lra}"


def measure_loudness(source: Path, *, start: float, end: float, target: Loudness,
                     timeout: float = TIMEOUT_SECONDS) -> Loudness:
    """The first of loudnorm's two passes over `start`..`end` of `source`: what it
    measured against `target` (whose `threshold` and `offset` are ignored)."""
    graph = f"atrim=start={start:.3f}:end={end:.3f},{_loudnorm(target)}:print_format=json"
    # loudnorm prints its figures at the info level: no "-v error" here.
    done = _run([FFMPEG, "-nostdin", "-hide_banner", "-nostats", "-i", str(source),
                 "-af", graph, "-f", "null", "-"], timeout=timeout)
    found = re.findall(r"\{[^{}]*\}", done.stderr.decode("utf-8", "replace"))
    try:
        report = json.loads(found[-1])
        return Loudness(integrated=float(report["input_i"]),
                        true_peak=float(report["input_tp"]), lra=float(report["input_lra"]),
                        threshold=float(report["input_thresh"]),
                        offset=float(report["target_offset"]))
    except (IndexError, KeyError, ValueError) as exc:
        raise AudioError(TOOL_FAILED, "loudnorm reported no measurement") from exc


def normalised_phone_wav(source: Path, target: Path, *, start: float, end: float,
                         measured: Loudness, goal: Loudness) -> Path:
    """`start`..`end` of `source` brought to `goal`'s integrated loudness by one gain
    (from loudnorm's measurement, so the voice keeps its own rises and falls), with a
    look-ahead limiter holding peaks at `goal.true_peak` dBFS, as 8 kHz mono 16-bit
    WAV. (loudnorm's own second pass is not used: on clips under its 3 s window it
    falls back to dynamic mode and leaves them quiet.)"""
    gain = goal.integrated - measured.integrated
    limit = min(max(10 ** (goal.true_peak / 20), 0.0625), 1.0)
    graph = [f"atrim=start={start:.3f}:end={end:.3f}", "asetpts=PTS-STARTPTS",
             f"volume={gain:.2f}dB", f"alimiter=limit={limit:.4f}:level=false:latency=true"]
    return to_phone_wav(source, target, filters=graph)


# -- writing -------------------------------------------------------------------------

def convert(source: Path, target: Path, *, rate: int = PHONE_RATE, channels: int = 1,
            codec: str | None = None, bitrate: str | None = None,
            filters: Sequence[str] = (), seconds: float | None = None,
            timeout: float = TIMEOUT_SECONDS) -> Path:
    """`source` re-encoded into `target` (format from its suffix: .wav or .mp3) at
    `rate` Hz and `channels` channels, through the ffmpeg audio `filters` given (e.g.
    "silenceremove=...", "loudnorm"), padded with silence or cut to `seconds` if set.
    `codec` defaults to 16-bit PCM for WAV and LAME for MP3."""
    graph = list(filters)
    if seconds is not None:
        graph.append("apad")
    args = ["-i", str(source)]
    if graph:
        args += ["-af", ",".join(graph)]
    if seconds is not None:
        args += ["-t", f"{seconds:.3f}"]
    return _encode(args, target, rate=rate, channels=channels, codec=codec, bitrate=bitrate,
                   timeout=timeout)


def to_phone_wav(source: Path, target: Path, *, filters: Sequence[str] = (),
                 seconds: float | None = None) -> Path:
    """What Twilio plays without transcoding: 8 kHz mono 16-bit PCM WAV."""
    return convert(source, target, filters=filters, seconds=seconds)


def to_mp3(source: Path, target: Path, *, bitrate: str = "32k", rate: int = PHONE_RATE,
           channels: int | None = None) -> Path:
    """MP3 of `source` (mono unless `channels` says otherwise)."""
    return convert(source, target, rate=rate, channels=channels or 1, bitrate=bitrate)


def phone_wav_bytes(data: bytes, *, filters: Sequence[str] = ()) -> bytes:
    """Uploaded bytes of any format ffmpeg reads → 8 kHz mono 16-bit WAV bytes.
    ffmpeg probes the content, not a file name, so renamed text is refused."""
    with tempfile.TemporaryDirectory(prefix="audio-") as work:
        source = Path(work) / "upload"
        source.write_bytes(data)
        probe(source)  # a clear not_audio / empty_media before any conversion
        return to_phone_wav(source, Path(work) / "phone.wav", filters=filters).read_bytes()


def mix_dual(left: Path | None, right: Path | None, target: Path, *, seconds: float,
             rate: int = PHONE_RATE) -> Path:
    """A two-channel recording like Twilio's of a <Dial>: `left` on channel 1 (the
    caller), `right` on channel 2; a missing side is silence; `seconds` long."""
    args: list[str] = []
    for side in (left, right):
        args += (["-f", "lavfi", "-i", f"anullsrc=r={rate}:cl=mono"] if side is None
                 else ["-i", str(side)])
    graph = (f"[0:a]aresample={rate},aformat=sample_fmts=s16:channel_layouts=mono,apad[l];"
             f"[1:a]aresample={rate},aformat=sample_fmts=s16:channel_layouts=mono,apad[r];"
             "[l][r]amerge=inputs=2[out]")
    args += ["-filter_complex", graph, "-map", "[out]", "-t", f"{seconds:.3f}"]
    return _encode(args, target, rate=rate, channels=2)


def synthesize(expression: str, target: Path, *, seconds: float, source_rate: int = 16000,
               filters: Sequence[str] = (), bitrate: str | None = None,
               rate: int | None = None, timeout: float = TIMEOUT_SECONDS) -> Path:
    """Audio computed by ffmpeg's `aevalsrc` (an expression of t), e.g. the hold music.
    `rate` defaults to `source_rate` (no resampling)."""
    args = ["-f", "lavfi", "-i", f"aevalsrc=exprs='{expression}':s={source_rate}:d={seconds}"]
    if filters:
        args += ["-af", ",".join(filters)]
    return _encode(args, target, rate=rate or source_rate, channels=1, bitrate=bitrate,
                   timeout=timeout)


def silence(target: Path, *, seconds: float, rate: int = PHONE_RATE,
            codec: str | None = None, bitrate: str | None = None) -> Path:
    """`seconds` of digital silence."""
    return _encode(["-f", "lavfi", "-i", f"anullsrc=r={rate}:cl=mono", "-t", f"{seconds:.3f}"],
                   target, rate=rate, channels=1, codec=codec, bitrate=bitrate)


# -- running -------------------------------------------------------------------------

def _encode(inputs: list[str], target: Path, *, rate: int, channels: int,
            codec: str | None = None, bitrate: str | None = None,
            timeout: float = TIMEOUT_SECONDS) -> Path:
    fmt = _FORMAT_BY_SUFFIX.get(target.suffix.lower())
    if fmt is None:
        raise ValueError(f"cannot tell the format of {target.name}: use .wav or .mp3")
    codec = codec or _CODEC_BY_FORMAT[fmt]
    args = [FFMPEG, "-nostdin", "-v", "error", "-y", *inputs, "-vn", "-ar", str(rate),
            "-ac", str(channels), "-c:a", codec]
    if bitrate:
        args += ["-b:a", bitrate]
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    try:
        _run([*args, *_CLEAN_OUTPUT, "-f", fmt, partial], timeout=timeout)
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return target


def _run(argv: list[str], *, check: bool = True, stdin: bytes | None = None,
         timeout: float = TIMEOUT_SECONDS) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(argv, input=stdin, capture_output=True, timeout=timeout,
                              check=False)
    except FileNotFoundError as exc:
        raise AudioError(TOOL_MISSING, f"{argv[0]} is not installed "
                                       "(apt-get install ffmpeg)") from exc
    except subprocess.TimeoutExpired as exc:
        raise AudioError(TOOL_FAILED, f"{Path(argv[0]).name} took over {timeout:.0f} s") from exc
    if check and done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise AudioError(TOOL_FAILED, f"{Path(argv[0]).name} failed ({done.returncode}): "
                                      f"{detail[0][:300]}")
    return done


@contextmanager
def _as_file(source: Path | bytes) -> Iterator[Path]:
    if isinstance(source, Path):
        yield source
        return
    with tempfile.TemporaryDirectory(prefix="audio-") as work:
        path = Path(work) / "media"
        path.write_bytes(source)
        yield path
