"""Real audio for tests: espeak-ng speech converted by ffmpeg to Twilio's formats."""

from __future__ import annotations

import subprocess
from pathlib import Path

# Phrases the Korean model recognises reliably from espeak-ng speech when limited to
# this grammar (measured on 8 kHz mu-law WAV and MP3).
KOREAN_PHRASES = ("오늘 미국 사람", "안녕하세요 월급 여권", "노동자 여권 병원")


def speak(text: str, out: Path, *, voice: str = "ko") -> Path:
    # -g 10: a 100 ms gap between words, as a careful caller on a bad line speaks.
    subprocess.run(["espeak-ng", "-v", voice, "-g", "10", "-w", str(out), text], check=True)
    return out


def convert(source: Path, out: Path, *, codec: str = "pcm_mulaw", rate: int = 8000,
            channels: int = 1) -> Path:
    """`codec`: pcm_mulaw (Twilio's WAV), pcm_s16le, or mp3."""
    args = ["-b:a", "32k"] if codec == "mp3" else ["-c:a", codec]
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source),
                    "-ar", str(rate), "-ac", str(channels), *args, str(out)], check=True)
    return out


def silence(out: Path, *, seconds: float = 2.0, codec: str = "pcm_mulaw") -> Path:
    args = ["-b:a", "32k"] if codec == "mp3" else ["-c:a", codec]
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "anullsrc=r=8000:cl=mono", "-t", str(seconds), *args, str(out)],
                   check=True)
    return out


def dual(left: Path, right: Path, out: Path) -> Path:
    """A two-channel 8 kHz WAV like a recorded <Dial>: caller left, agent right."""
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(left), "-i",
                    str(right), "-filter_complex",
                    "[0:a]aresample=8000,aformat=sample_fmts=s16:channel_layouts=mono[l];"
                    "[1:a]aresample=8000,aformat=sample_fmts=s16:channel_layouts=mono[r];"
                    "[l][r]amerge=inputs=2[a]", "-map", "[a]",
                    "-ar", "8000", "-ac", "2", "-c:a", "pcm_s16le", str(out)], check=True)
    return out


def duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                          "-of", "csv=p=0", str(path)], capture_output=True, check=True)
    return float(out.stdout.decode().strip())
