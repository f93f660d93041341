"""Exponential backoff for processes waiting out an outage (Redis, the database, a child
that keeps crashing): quick to retry a blip, patient with a long outage, never a tight loop."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Backoff:
    first: float = 1.0
    factor: float = 2.0
    longest: float = 30.0
    # (A dependency coming back is noticed within `longest`: keep it short where a
    # caller's work waits on the reconnection, e.g. Redis for workers.)
    # Something that has run this long since its last failure counts as recovered.
    healthy_after: float = 60.0
    _next: float = 0.0

    def next(self) -> float:
        """Seconds to wait before the next attempt; each call waits longer, up to `longest`."""
        delay = self._next or self.first
        self._next = min(delay * self.factor, self.longest)
        return delay

    def reset(self) -> None:
        self._next = 0.0
