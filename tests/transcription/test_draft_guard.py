"""The machine-draft guard, as a table: what it lets through and why it rejects."""

from __future__ import annotations

import pytest

from transcription import draft_guard
from transcription.draft_guard import Limits, Segment

LIMITS = Limits(cpu_budget_seconds=5.0, max_tokens=40, compression_ratio_threshold=2.4,
                no_speech_threshold=0.6)


def seg(text: str, *, tokens: int = 12, log_prob: float = -0.4,
        no_speech: float = 0.1) -> Segment:
    return Segment(text=text, tokens=tokens, avg_log_prob=log_prob, no_speech_prob=no_speech)


@pytest.mark.parametrize(("segments", "cpu", "stopped", "reason"), [
    ([seg(" my employer did not pay my wages for three months")], 1.2, False, None),
    # "no no no" inside a sentence is speech, not a loop.
    ([seg(" no no no, my boss said I cannot go home")], 1.0, False, None),
    # Indonesian from the Whisper bench: rough, but a draft worth correcting.
    ([seg(" di kancaya di nakmembaya,", log_prob=-1.4, no_speech=0.57),
      seg(" dan di sayak-salamat di gamulan.", log_prob=-1.4, no_speech=0.57)],
     2.0, False, None),
    ([seg(" thank you", no_speech=0.9, log_prob=-1.3)], 1.0, False, "no speech recognised"),
    ([], 0.8, False, "no speech recognised"),
    ([seg("   ")], 0.8, False, "no speech recognised"),
    ([seg(" words", tokens=40)], 1.0, False, "cap of 40 tokens"),
    ([seg(" " + "la " * 60)], 1.0, False, "repetition loop (compression ratio"),
    # What espeak-ng Thai made Whisper write, cut off by the token cap mid-character.
    ([seg("นาศยาศนาศยา\ufffd"), seg("สิ่ง สิ่ง สิ่ง")], 2.9, False, "garbled output"),
    ([seg("สิ่ง สิ่ง สิ่ง สิ่ง")], 1.0, False, "repetition loop ('สิ่ง' repeated)"),
    # Through the stand-in: a loop the token cap cut short.
    ([seg("นาศาศ นาศาศ นา")], 2.0, False, "repetition loop ('นาศาศ' repeated)"),
    # Nonsense, but not a loop: a draft (Thai is not on Whisper in the demo for this).
    ([seg("นาธยาด นาธยาด นามาศาศมีดเวลา ข้าเย็น")], 2.0, False, None),
    ([seg(" I want to go home, I want to go home, please help me get my passport back")],
     1.0, False, None),
    ([seg(" tolong tolong")], 1.0, False, "repetition loop ('tolong' repeated)"),
    ([seg(" fine words")], 5.5, False, "CPU budget (5.5 s of 5.0 s)"),
    ([seg(" fine words")], 4.0, True, "CPU budget"),
])
def test_the_guard(segments, cpu, stopped, reason):
    verdict = draft_guard.judge(segments, cpu_seconds=cpu, stopped_early=stopped,
                                limits=LIMITS)
    if reason is None:
        assert verdict.accepted and verdict.label is None, verdict
    else:
        assert not verdict.accepted
        assert verdict.label.startswith("machine draft rejected: ")
        assert reason in verdict.label, verdict.label


@pytest.mark.parametrize(("seconds", "expected"), [(0.5, 5.0), (3.7, 5.0), (60.0, 60.0)])
def test_the_cpu_budget_grows_with_the_audio_past_its_minimum(seconds, expected):
    assert draft_guard.cpu_budget(seconds, per_audio_second=1.0, minimum=5.0) == expected


@pytest.mark.parametrize(("seconds", "expected"), [(0.2, 16), (3.7, 30), (30.0, 224),
                                                   (180.0, 224)])
def test_the_token_cap_is_per_window_and_never_past_whispers_own(seconds, expected):
    assert draft_guard.token_cap(seconds, per_audio_second=8.0) == expected
