"""faster-whisper (Whisper base, CTranslate2), offline: a *draft* for people to correct.

Decoding is deliberately cheap and predictable: greedy (beam 1), temperature 0 with no
fallback (the fallback once cost 57 CPU s on one Thai clip), one CPU thread, no text
carried from one window into the next (that is how loops spread), and a token cap per
window. The language is always the configured one, never Whisper's detection (2 of 12
right when measured, all of them confident). Segments come out one at a time; CPU time
is measured after each, and a clip past its budget stops there and its draft is
rejected. `draft_guard` judges the rest.

Its "words" are phrases: one per segment, with the segment's times and its mean token
probability as confidence (word-level timings would cost a second alignment pass).

The model (~350 MB, ~2 s) is loaded once per process by the registry, when the first
job needs it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from helpline import audio
from helpline.config import WhisperLimits
from transcription import draft_guard
from transcription.engine import TranscriptionResult, Word, overall_confidence
from transcription.errors import EngineUnavailable

ENGINE_NAME = "whisper"
WHISPER_RATE = 16_000
FFMPEG_TIMEOUT_SECONDS = 60


def load_model(folder: Path) -> Any:
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        raise EngineUnavailable("whisper", "faster-whisper is not installed "
                                "(pip install -e '.[whisper]')") from None
    # int8 on CPU: the published float16 weights, quantised at load; one thread and one
    # worker per process — a transcription worker is one job at a time.
    return WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=1,
                        num_workers=1)


def to_whisper_audio(pcm: bytes, sample_rate: int) -> Any:
    """16-bit mono PCM at any rate → float32 at 16 kHz, resampled by ffmpeg."""
    import numpy as np

    pcm = audio.resample_pcm(pcm, sample_rate, WHISPER_RATE, timeout=FFMPEG_TIMEOUT_SECONDS)
    return np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0


class WhisperEngine:
    name = ENGINE_NAME

    def __init__(self, model: Any, *, language: str, model_id: str,
                 limits: WhisperLimits) -> None:
        self.model = model
        self.language = language
        self.model_id = model_id
        self.limits = limits

    def transcribe(self, pcm: bytes, sample_rate: int,
                   grammar: Sequence[str] | None = None) -> TranscriptionResult:
        if grammar:
            raise ValueError("a grammar limits Vosk's recognition; Whisper takes none")
        started, cpu_started = time.perf_counter(), time.process_time()
        audio_seconds = len(pcm) / (2 * sample_rate)
        limits = draft_guard.Limits(
            cpu_budget_seconds=draft_guard.cpu_budget(
                audio_seconds, per_audio_second=self.limits.cpu_seconds_per_audio_second,
                minimum=self.limits.min_cpu_seconds),
            max_tokens=draft_guard.token_cap(
                audio_seconds, per_audio_second=self.limits.max_tokens_per_audio_second),
            compression_ratio_threshold=self.limits.compression_ratio_threshold,
            no_speech_threshold=self.limits.no_speech_threshold)
        segments, _info = self.model.transcribe(
            to_whisper_audio(pcm, sample_rate), language=self.language, task="transcribe",
            beam_size=1, best_of=1, temperature=0.0,
            # Our guard judges the output; Whisper's would only pick among fallbacks.
            compression_ratio_threshold=None, log_prob_threshold=None,
            no_speech_threshold=None, condition_on_previous_text=False,
            max_new_tokens=limits.max_tokens, vad_filter=False,
            # Word timings cost a second pass (+45% CPU, measured) and a draft is
            # corrected as text, not played word by word: segments keep their times.
            word_timestamps=False)
        decoded: list[Any] = []
        stopped_early = False
        for segment in segments:  # each is decoded as it is asked for
            decoded.append(segment)
            if time.process_time() - cpu_started > limits.cpu_budget_seconds:
                stopped_early = True
                break
        cpu_seconds = time.process_time() - cpu_started
        verdict = draft_guard.judge(
            [draft_guard.Segment(text=s.text, tokens=len(s.tokens),
                                 avg_log_prob=s.avg_logprob, no_speech_prob=s.no_speech_prob,
                                 window=s.seek)
             for s in decoded],
            cpu_seconds=cpu_seconds, stopped_early=stopped_early, limits=limits)
        # One "word" per segment: its text, times and mean token probability.
        spans = tuple(
            Word(word=s.text.strip(), start=round(float(s.start), 3),
                 end=round(float(s.end), 3),
                 confidence=min(max(math.exp(float(s.avg_logprob)), 0.0), 1.0))
            for s in decoded if s.text.strip())
        return TranscriptionResult(
            text=" ".join(s.text.strip() for s in decoded).strip(), words=spans,
            confidence=overall_confidence(spans), engine=ENGINE_NAME,
            model_id=self.model_id, audio_seconds=audio_seconds,
            elapsed_seconds=time.perf_counter() - started,
            segments=tuple(s.text.strip() for s in decoded), is_draft=True,
            rejected=verdict.label, cpu_seconds=cpu_seconds)
