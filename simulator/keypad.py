"""Where a caller's key presses come from: a script (tests, CLI, bench) or a
person pressing buttons on the demo phone page (live).

`collect` follows Twilio's <Gather> rules: stop at `num_digits`, or at
`finish_on_key` (not included in Digits) once at least one digit came before it —
a lone finishOnKey submits nothing and the Gather keeps listening — or after
`timeout` seconds without a key; a partial entry is submitted when the timeout
runs out. The timeout starts
when the nested prompts have finished, or at the first key if the caller presses
during them (https://www.twilio.com/docs/voice/twiml/gather, "Nest other verbs").

A scripted entry is pressed once the Gather's prompts have finished ("2"), or at a
given moment into them ("2@3.5": 3.5 s after the Gather began), which barges in
on a prompt still playing, as a caller who knows the menu does.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

SECONDS_PER_KEY = 0.3   # how long a person takes per key press


@dataclass(frozen=True)
class Entry:
    digits: str
    finished_on_key: str | None


@dataclass(frozen=True)
class Press:
    """One script entry: the keys, and when the first is pressed (seconds after the
    Gather began; None: once its prompts have finished)."""

    keys: str
    at: float | None = None


def parse_press(entry: str) -> Press:
    """"12#" or "1@2.5"; ValueError with the fix for anything else."""
    keys, timed, moment = entry.partition("@")
    if not timed:
        return Press(entry)
    try:
        seconds = float(moment)
    except ValueError:
        seconds = math.nan
    if not keys or not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"press entry {entry!r}: write keys@seconds, e.g. 1@2.5 presses 1 "
                         f"2.5 s into that menu's prompts")
    return Press(keys, seconds)


# wait(seconds, keys) advances the call's clock by `seconds`, raising if the call
# is interrupted; with keys=True it returns early (True) when a live key arrives.
Wait = Callable[[float, bool], bool]


class ScriptedKeypad:
    """One script entry per <Gather>: "12#" presses 1, 2, #; "" stays silent; "1@2.5"
    presses 1 two and a half seconds after the Gather began."""

    def __init__(self, entries: list[str] | None = None) -> None:
        self.entries: deque[Press] = deque(parse_press(entry) for entry in entries or [])

    def has_keys(self) -> bool:
        return False

    def barge_in_at(self) -> float | None:
        """When the next Gather's key comes, if the script times it (see `Press.at`)."""
        return self.entries[0].at if self.entries else None

    def collect(self, *, num_digits: int | None, finish_on_key: str, timeout: float,
                wait: Wait, elapsed: float = 0.0) -> Entry:
        """`elapsed`: seconds since the Gather began (its prompts, or up to a barge-in)."""
        press = self.entries.popleft() if self.entries else Press("")
        digits = ""
        if press.at is not None:
            late = press.at - elapsed
            if late >= timeout:
                wait(timeout, False)        # Twilio stopped listening before the key
                return Entry("", None)
            wait(max(late, 0.0), False)
        for index, key in enumerate(press.keys):
            if press.at is None or index > 0:
                wait(SECONDS_PER_KEY, False)
            if finish_on_key and key == finish_on_key:
                if digits:
                    return Entry(digits, key)
                continue                    # nothing to submit yet: still listening
            digits += key
            if num_digits and len(digits) >= num_digits:
                return Entry(digits, None)
        wait(timeout, False)
        return Entry(digits, None)


class LiveKeypad:
    """Keys pressed by a person (demo page) while the call runs."""

    def __init__(self, cond: threading.Condition) -> None:
        self._keys: deque[str] = deque()
        self._cond = cond

    def press(self, digits: str) -> None:
        with self._cond:
            self._keys.extend(key for key in digits if key in "0123456789*#")
            self._cond.notify_all()

    def has_keys(self) -> bool:
        return bool(self._keys)

    def barge_in_at(self) -> float | None:
        return None         # a person's keys arrive when they press them

    def collect(self, *, num_digits: int | None, finish_on_key: str, timeout: float,
                wait: Wait, elapsed: float = 0.0) -> Entry:
        digits = ""
        while True:
            if not self._keys and not wait(timeout, True):
                return Entry(digits, None)      # timed out
            if not self._keys:
                continue
            key = self._keys.popleft()
            if finish_on_key and key == finish_on_key:
                if digits:
                    return Entry(digits, key)
                continue                    # a lone finishOnKey: still listening
            digits += key
            if num_digits and len(digits) >= num_digits:
                return Entry(digits, None)


Keypad = ScriptedKeypad | LiveKeypad
