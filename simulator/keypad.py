"""Where a caller's key presses come from: a script (tests, CLI, bench) or a
person pressing buttons on the demo phone page (live).

`collect` follows Twilio's <Gather> rules: stop at `num_digits`, or at
`finish_on_key` (not included in Digits), or after `timeout` seconds without a
key; a partial entry is submitted when the timeout runs out.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

SECONDS_PER_KEY = 0.3   # how long a person takes per key press


@dataclass(frozen=True)
class Entry:
    digits: str
    finished_on_key: str | None


# wait(seconds, keys) advances the call's clock by `seconds`, raising if the call
# is interrupted; with keys=True it returns early (True) when a live key arrives.
Wait = Callable[[float, bool], bool]


class ScriptedKeypad:
    """One script entry per <Gather>: "12#" presses 1, 2, #; "" stays silent."""

    def __init__(self, entries: list[str] | None = None) -> None:
        self.entries: deque[str] = deque(entries or [])

    def has_keys(self) -> bool:
        return False

    def collect(self, *, num_digits: int | None, finish_on_key: str, timeout: float,
                wait: Wait) -> Entry:
        entry = self.entries.popleft() if self.entries else ""
        digits = ""
        for key in entry:
            wait(SECONDS_PER_KEY, False)
            if finish_on_key and key == finish_on_key:
                return Entry(digits, key)
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

    def collect(self, *, num_digits: int | None, finish_on_key: str, timeout: float,
                wait: Wait) -> Entry:
        digits = ""
        while True:
            if not self._keys and not wait(timeout, True):
                return Entry(digits, None)      # timed out
            if not self._keys:
                continue
            key = self._keys.popleft()
            if finish_on_key and key == finish_on_key:
                return Entry(digits, key)
            digits += key
            if num_digits and len(digits) >= num_digits:
                return Entry(digits, None)


Keypad = ScriptedKeypad | LiveKeypad
