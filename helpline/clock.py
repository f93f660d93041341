"""Time as a collaborator, so a five-minute hold can take milliseconds in tests.

The app and the Twilio stand-in share one `Clock` when they run in one process:
the stand-in advances a `SimulatedClock` as a caller "listens" to hold audio and
the app's queue logic sees the same time.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class SimulatedClock:
    """Starts at a given instant; `sleep` advances it at once instead of waiting."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._now += seconds


def as_datetime(clock: Clock) -> datetime:
    return datetime.fromtimestamp(clock.now(), UTC)
