"""Vosk (Kaldi) speech recognition, offline: audio never leaves the machine.

A `vosk.Model` is large (the Korean one ~550 MB RSS, ~2 s to load); it is loaded
once per process by the registry and shared. A `KaldiRecognizer` is cheap and is
made per transcription, at the audio's own rate (8 kHz telephone audio goes in
as it is; the model's feature pipeline resamples internally).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from transcription.engine import TranscriptionResult, Word, overall_confidence

ENGINE_NAME = "vosk"
# Bytes per AcceptWaveform call: 0.25 s at 8 kHz 16-bit. Vosk finalises segments at
# pauses, so chunking only decides how often we look, not what is recognised.
CHUNK_BYTES = 4000


def load_model(path: Path) -> Any:
    import vosk

    vosk.SetLogLevel(-1)  # Kaldi's own chatter would reach operators' terminals
    return vosk.Model(str(path))


class VoskEngine:
    name = ENGINE_NAME

    def __init__(self, model: Any, *, language: str, model_id: str) -> None:
        self.model = model
        self.language = language
        self.model_id = model_id

    def transcribe(self, pcm: bytes, sample_rate: int,
                   grammar: Sequence[str] | None = None) -> TranscriptionResult:
        import vosk

        started = time.perf_counter()
        if grammar:
            # ensure_ascii=False: Vosk looks words up verbatim, \uXXXX escapes miss.
            recognizer = vosk.KaldiRecognizer(
                self.model, sample_rate, json.dumps(list(grammar), ensure_ascii=False))
        else:
            recognizer = vosk.KaldiRecognizer(self.model, sample_rate)
        recognizer.SetWords(True)
        segments: list[dict[str, Any]] = []
        for offset in range(0, len(pcm), CHUNK_BYTES):
            if recognizer.AcceptWaveform(pcm[offset:offset + CHUNK_BYTES]):
                segments.append(json.loads(recognizer.Result()))
        segments.append(json.loads(recognizer.FinalResult()))
        elapsed = time.perf_counter() - started

        words = tuple(
            Word(word=item["word"], start=float(item["start"]), end=float(item["end"]),
                 confidence=min(max(float(item["conf"]), 0.0), 1.0))
            for segment in segments for item in segment.get("result", [])
            if item.get("word") and item["word"] != "[unk]"
        )
        texts = tuple(s.get("text", "") for s in segments if s.get("text"))
        return TranscriptionResult(
            text=" ".join(w.word for w in words), words=words,
            confidence=overall_confidence(words), engine=ENGINE_NAME,
            model_id=self.model_id, audio_seconds=len(pcm) / (2 * sample_rate),
            elapsed_seconds=elapsed, segments=texts)
