"""The hold loop: a quiet, slow pentatonic melody with no words (no language to get
wrong). `prompts/audio/hold.mp3` was made by `make_hold_audio`; it is committed so a
running helpline never depends on generating it. Run `python -m prompts.hold` to remake it.

The loop is 15 s (the IVR plays it `ceil(seconds / 15)` times) and each note has died
away before the loop point, so repeats join without a click. Notes sit in the phone
band (250-700 Hz); lower notes vanish on a phone line.
"""

from __future__ import annotations

import sys
from pathlib import Path

from helpline import audio

LOOP_SECONDS = 15
NOTE_SECONDS = 1.5
# E4 G4 A4 C5 A4 G4 D5 C5 A4 G4: C major pentatonic, so no two notes clash.
MELODY_HZ = (329.63, 392.00, 440.00, 523.25, 440.00, 392.00, 587.33, 523.25, 440.00, 392.00)
# A soft lower note under every other melody note: C4 A3 F4 G4 C4.
HARMONY_HZ = (261.63, 220.00, 349.23, 392.00, 261.63)
MELODY_LEVEL, HARMONY_LEVEL = 0.10, 0.06


def _note(start: float, hz: float, level: float, decay: float) -> str:
    # Soft attack (1 - e^(-30 dt)) and exponential decay, silent before `start`.
    dt = f"(t-{start})"
    return (f"{level}*gte(t,{start})*(1-exp(-30*{dt}))*exp(-{decay}*{dt})"
            f"*sin(2*PI*{hz}*t)")


def hold_expression() -> str:
    notes = [_note(i * NOTE_SECONDS, hz, MELODY_LEVEL, 2.4) for i, hz in enumerate(MELODY_HZ)]
    notes += [_note(i * 2 * NOTE_SECONDS, hz, HARMONY_LEVEL, 1.2)
              for i, hz in enumerate(HARMONY_HZ)]
    return "+".join(notes)


def make_hold_audio(target: Path) -> None:
    audio.synthesize(hold_expression(), target, seconds=LOOP_SECONDS, source_rate=16000,
                     filters=[f"afade=t=out:st={LOOP_SECONDS - 0.4}:d=0.4"], bitrate="32k",
                     timeout=60)


if __name__ == "__main__":
    make_hold_audio(Path(sys.argv[1]) if len(sys.argv) > 1
                    else Path(__file__).parent / "audio" / "hold.mp3")
