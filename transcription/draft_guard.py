"""Whether a machine draft is worth showing to the person who corrects it. Pure.

Whisper on speech it does not know writes repetition loops ("นาศยาศนาศยาศ...") or
confident text for silence. Such a draft would cost the corrector more than an empty
page, so it is rejected and the voicemail goes to people marked "machine draft
rejected" with the reason. The rules are Whisper's own (gzip compression ratio,
no-speech probability with a low log-probability) plus two of ours: the output hit
its token cap, or decoding ran past its CPU budget.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

REJECTED = "machine draft rejected"
# Whisper's own: a segment with no-speech probability above the threshold is silence
# only when its tokens are also unlikely (mean log-probability below -1).
SILENCE_LOG_PROB = -1.0
# A syllable, word or phrase of up to 24 characters said again and again, with nothing
# between. It is a loop when a syllable or word (8 characters at most) said twice fills
# half the text (what is left of a loop the token cap cut off, "นาศาศ นาศาศ นา"), or
# anything said three times or more fills a third of it (at least 12 characters) — so
# "no no no" inside a sentence, or a sentence said twice, is still speech.
REPEATED_RUN = re.compile(r"(\S.{0,23}?)(?:\s*\1)+", re.DOTALL)
# What a token sequence cut in the middle of a character decodes to.
BROKEN_CHARACTER = "\ufffd"


@dataclass(frozen=True)
class Segment:
    text: str
    tokens: int
    avg_log_prob: float
    no_speech_prob: float
    # Which 30 s decoding window it came from (Whisper judges loops per window: a long
    # message may say the same thing twice, one window should not).
    window: int = 0


@dataclass(frozen=True)
class Limits:
    cpu_budget_seconds: float
    max_tokens: int
    compression_ratio_threshold: float
    no_speech_threshold: float


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reason: str | None = None

    @property
    def label(self) -> str | None:
        """What the human queue shows: 'machine draft rejected: <reason>'."""
        return f"{REJECTED}: {self.reason}" if self.reason else None


def cpu_budget(audio_seconds: float, *, per_audio_second: float, minimum: float) -> float:
    return max(minimum, per_audio_second * audio_seconds)


def token_cap(audio_seconds: float, *, per_audio_second: float) -> int:
    """Tokens one decoding window may produce: Whisper's windows are 30 s, and it never
    writes more than 224 tokens in one (half its 448-token context)."""
    window = min(max(audio_seconds, 1.0), 30.0)
    return max(16, min(224, round(window * per_audio_second)))


def compression_ratio(text: str) -> float:
    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw)) if raw else 0.0


def judge(segments: Sequence[Segment], *, cpu_seconds: float, stopped_early: bool,
          limits: Limits) -> Verdict:
    if stopped_early or cpu_seconds > limits.cpu_budget_seconds:
        return Verdict(False, f"decoding passed its CPU budget ({cpu_seconds:.1f} s of "
                              f"{limits.cpu_budget_seconds:.1f} s)")
    text = " ".join(s.text.strip() for s in segments).strip()
    spoken = [s for s in segments if s.text.strip() and not (
        s.no_speech_prob > limits.no_speech_threshold and s.avg_log_prob < SILENCE_LOG_PROB)]
    if not text or not spoken:
        return Verdict(False, "no speech recognised")
    if BROKEN_CHARACTER in text:
        return Verdict(False, "garbled output (a broken character, as a cut-off "
                              "repetition loop leaves)")
    capped = [s for s in segments if s.tokens >= limits.max_tokens]
    if capped:
        return Verdict(False, f"output ran to its cap of {limits.max_tokens} tokens "
                              "(a repetition loop)")
    windows: dict[int, list[str]] = {}
    for segment in segments:
        windows.setdefault(segment.window, []).append(segment.text.strip())
    ratio = max(compression_ratio(" ".join(texts)) for texts in windows.values())
    if ratio > limits.compression_ratio_threshold:
        return Verdict(False, f"repetition loop (compression ratio {ratio:.1f})")
    loop = repetition_loop(text)
    if loop is not None:
        return Verdict(False, f"repetition loop ({loop!r} repeated)")
    return Verdict(True)


def repetition_loop(text: str) -> str | None:
    """The unit a looping text repeats, or None."""
    for run in REPEATED_RUN.finditer(text):
        unit, length = run.group(1).strip(), len(run.group(0))
        said = len(re.findall(re.escape(unit), run.group(0)))
        if ((said >= 3 and length >= max(12, len(text) / 3))
                or (len(unit) <= 8 and length >= max(8, len(text) / 2))):
            return unit
    return None
