"""The transcription engine interface and its result, as plain values.

An engine turns 16-bit mono PCM into words with timings and confidences. Vosk's
output is the transcript; Whisper's is a *draft* that a person corrects, and a draft
the guard rejects (`rejected`, the reason) is not shown at all. A language with no
engine goes to people instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True)
class TranscriptionResult:
    text: str
    words: tuple[Word, ...]
    confidence: float | None
    engine: str
    model_id: str
    audio_seconds: float
    elapsed_seconds: float
    segments: tuple[str, ...] = field(default=())
    # A draft for a person to correct, not the transcript itself (Whisper).
    is_draft: bool = False
    # Why the guard rejected the draft ("machine draft rejected: ..."), if it did.
    rejected: str | None = None
    cpu_seconds: float | None = None

    @property
    def real_time_factor(self) -> float | None:
        """Processing time per second of audio (below 1 is faster than real time)."""
        if self.audio_seconds <= 0:
            return None
        return self.elapsed_seconds / self.audio_seconds

    def words_json(self) -> list[dict[str, Any]]:
        return [asdict(word) for word in self.words]

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "words": self.words_json(), "confidence": self.confidence,
                "engine": self.engine, "model_id": self.model_id,
                "audio_seconds": round(self.audio_seconds, 3),
                "real_time_factor": (round(self.real_time_factor, 4)
                                     if self.real_time_factor is not None else None),
                "draft": self.is_draft, "rejected": self.rejected,
                "cpu_seconds": (round(self.cpu_seconds, 3)
                                if self.cpu_seconds is not None else None)}


class Engine(Protocol):
    name: str
    model_id: str
    language: str

    def transcribe(self, pcm: bytes, sample_rate: int,
                   grammar: Sequence[str] | None = None) -> TranscriptionResult: ...


def overall_confidence(words: Sequence[Word]) -> float | None:
    """Duration-weighted mean of word confidences; None when nothing was said."""
    if not words:
        return None
    total = sum(max(w.end - w.start, 0.01) for w in words)
    return sum(w.confidence * max(w.end - w.start, 0.01) for w in words) / total
