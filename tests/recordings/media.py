"""Real audio for tests: espeak-ng speech converted by ffmpeg (through `helpline.audio`,
as the app converts) to Twilio's formats."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpline import audio

# Phrases the Korean model recognises reliably from espeak-ng speech when limited to
# this grammar (measured on 8 kHz mu-law WAV and MP3).
KOREAN_PHRASES = ("오늘 미국 사람", "안녕하세요 월급 여권", "노동자 여권 병원")


def speak(text: str, out: Path, *, voice: str = "ko") -> Path:
    # -g 10: a 100 ms gap between words, as a careful caller on a bad line speaks.
    subprocess.run(["espeak-ng", "-v", voice, "-g", "10", "-w", str(out), text], check=True)
    return out


def _codec(codec: str) -> dict[str, str | None]:
    return {"codec": None, "bitrate": "32k"} if codec == "mp3" else {"codec": codec,
                                                                     "bitrate": None}


def convert(source: Path, out: Path, *, codec: str = "pcm_mulaw", rate: int = 8000,
            channels: int = 1) -> Path:
    """`codec`: pcm_mulaw (Twilio's WAV), pcm_s16le, or mp3."""
    return audio.convert(source, out, rate=rate, channels=channels, **_codec(codec))


def silence(out: Path, *, seconds: float = 2.0, codec: str = "pcm_mulaw") -> Path:
    return audio.silence(out, seconds=seconds, **_codec(codec))


def dual(left: Path, right: Path, out: Path) -> Path:
    """A two-channel 8 kHz WAV like a recorded <Dial>: caller left, agent right, as long
    as the shorter side."""
    return audio.mix_dual(left, right, out, seconds=min(duration(left), duration(right)))


def duration(path: Path) -> float:
    return audio.duration(path)
