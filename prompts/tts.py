"""Text to speech with espeak-ng, converted by ffmpeg to what Twilio plays without
transcoding: 8 kHz mono 16-bit PCM WAV (or MP3).

Renderings are cached on disk under a name that hashes the text, the voice and the
rendering settings, so a changed text or voice is rendered again and an unchanged one
never is. The cache is bounded: past `max_files` the least recently used renderings
go (they are re-rendered on demand in tens of milliseconds).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from helpline import audio
from prompts.errors import TtsError

# Slower than espeak-ng's default 175 words/minute: callers are on noisy phone lines
# and many are not listening in their first language.
WORDS_PER_MINUTE = 145
SAMPLE_RATE = 8000
RENDERING_VERSION = "2"  # bump when the settings below change, to re-render everything
MP3_BITRATE = "24k"
MAX_CACHE_FILES = 4000
TIMEOUT_SECONDS = 30
VOICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_+-]{0,39}")


# espeak-ng does not end a clause at Burmese punctuation, and a long Burmese clause
# overflows its buffer (measured: it aborts on the three-sentence callback prompt), so
# the sentence and clause marks become the marks it knows.
_ESPEAK_PUNCTUATION = str.maketrans({"။": ". ", "၊": ", "})


def espeak_text(text: str) -> str:
    return text.translate(_ESPEAK_PUNCTUATION)


def rendering_key(text: str, voice: str) -> str:
    material = f"{RENDERING_VERSION}|{voice}|{WORDS_PER_MINUTE}|{SAMPLE_RATE}|{text}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:20]


class Espeak:
    """The espeak-ng program, and ffmpeg through `helpline.audio`."""

    def __init__(self, espeak: str = "espeak-ng") -> None:
        self.espeak = espeak
        self._known: dict[str, bool] = {}

    def has_voice(self, voice: str | None) -> bool:
        """Whether espeak-ng speaks `voice` (asked once per voice: aliases such as "en"
        are not in `--voices`, so espeak-ng itself is asked)."""
        if not voice or not VOICE_NAME.fullmatch(voice):
            return False
        if voice not in self._known:
            self._known[voice] = self._probe(voice)
        return self._known[voice]

    def _probe(self, voice: str) -> bool:
        if shutil.which(self.espeak) is None:
            return False
        try:
            done = subprocess.run([self.espeak, "-v", voice, "-q", "--stdin"], input=b"",
                                  capture_output=True, timeout=TIMEOUT_SECONDS)
        except (OSError, subprocess.SubprocessError):
            return False
        return done.returncode == 0

    def render_wav(self, text: str, voice: str, target: Path) -> None:
        """Speak `text` into `target` as 8 kHz mono 16-bit PCM WAV (atomically)."""
        with tempfile.TemporaryDirectory(prefix="tts-") as work:
            raw = Path(work) / "espeak.wav"
            # The text goes on stdin: a sentence starting with "-" is never an option.
            self._run([self.espeak, "-v", voice, "-s", str(WORDS_PER_MINUTE), "-b", "1",
                       "-w", str(raw), "--stdin"], stdin=espeak_text(text))
            self._convert(raw, target)

    def to_mp3(self, source: Path, target: Path) -> None:
        self._convert(source, target, bitrate=MP3_BITRATE)

    def to_wav(self, source: Path, target: Path) -> None:
        self._convert(source, target)

    def _convert(self, source: Path, target: Path, *, bitrate: str | None = None) -> None:
        # The target's suffix says WAV (16-bit PCM) or MP3; written atomically.
        try:
            audio.convert(source, target, rate=SAMPLE_RATE, bitrate=bitrate,
                          timeout=TIMEOUT_SECONDS)
        except audio.AudioError as exc:
            raise TtsError(exc.message) from exc

    def _run(self, argv: list[str], stdin: str | None = None) -> None:
        try:
            done = subprocess.run(argv, input=stdin.encode("utf-8") if stdin else None,
                                  capture_output=True, timeout=TIMEOUT_SECONDS)
        except (OSError, subprocess.SubprocessError) as exc:
            raise TtsError(f"{Path(argv[0]).name} could not run: {exc}") from exc
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise TtsError(f"{Path(argv[0]).name} failed ({done.returncode}): {detail[0]}")


class TtsCache:
    """Rendered prompts on disk: `<cache_dir>/<language>/<prompt_id>-<key>.<wav|mp3>`."""

    def __init__(self, cache_dir: Path, engine: Espeak, *,
                 max_files: int = MAX_CACHE_FILES) -> None:
        self.cache_dir = cache_dir
        self.engine = engine
        self.max_files = max_files

    def path(self, language: str, prompt_id: str, key: str, ext: str) -> Path:
        return self.cache_dir / language / f"{prompt_id}-{key}.{ext}"

    def cached(self, language: str, prompt_id: str, key: str, ext: str = "wav") -> bool:
        return self.path(language, prompt_id, key, ext).is_file()

    def get(self, language: str, prompt_id: str, text: str, voice: str,
            ext: str = "wav") -> Path:
        """The rendering of `text`, made now if it is not cached yet."""
        key = rendering_key(text, voice)
        target = self.path(language, prompt_id, key, ext)
        if target.is_file():
            os.utime(target)  # recently used: the last to be evicted
            return target
        wav = self.path(language, prompt_id, key, "wav")
        if not wav.is_file():
            self.engine.render_wav(text, voice, wav)
        if ext == "mp3":
            self.engine.to_mp3(wav, target)
        self._evict()
        return target

    def _evict(self) -> None:
        files = [entry for entry in self.cache_dir.glob("*/*") if entry.suffix in (".wav", ".mp3")]
        excess = len(files) - self.max_files
        if excess <= 0:
            return
        files.sort(key=_mtime)
        for path in files[:excess]:
            path.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # another worker evicted it first
        return 0.0

