"""Whether what callers hear may have changed: the version every cache of prompt
resolution and rendered TwiML is keyed on.

A prompt changes when staff upload, record, review or import one — in any web process
or command. `bump()` moves this process's version at once and everyone else's through
a Redis counter, which each process reads at most once a second (never per request).
Files copied into `prompts/audio/` by hand bypass all that: every version also turns
over every `max_age_seconds`, so a cache never serves a sentence longer than that.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from redis.exceptions import RedisError

log = logging.getLogger(__name__)

REDIS_KEY = "prompts:version"


class PromptsVersion:
    def __init__(self, redis: Any | None, *, check_every_seconds: float = 1.0,
                 max_age_seconds: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._redis = redis
        self._check_every = check_every_seconds
        self._max_age = max_age_seconds
        self._clock = clock
        self._local = 0
        self._shared: bytes | None = None
        self._checked_at = float("-inf")

    def bump(self) -> None:
        """Prompts changed: this process sees it now, the others within a second."""
        self._local += 1
        if self._redis is None:
            return
        try:
            self._redis.incr(REDIS_KEY)
        except RedisError:
            # Other processes then notice within max_age; the change itself stands.
            log.warning("prompt change not announced to other processes (Redis down)")

    def current(self) -> tuple[int, bytes | None, int]:
        now = self._clock()
        if self._redis is not None and now - self._checked_at >= self._check_every:
            self._checked_at = now
            try:
                self._shared = self._redis.get(REDIS_KEY)
            except RedisError:
                pass  # keep the last one seen; max_age still turns it over
        return self._local, self._shared, int(now // self._max_age)


class VersionedCache:
    """A bounded memo that empties itself when the prompts version moves."""

    def __init__(self, version: PromptsVersion, *, max_entries: int = 4096) -> None:
        self._version = version
        self._max_entries = max_entries
        self._seen: tuple[int, bytes | None, int] | None = None
        self._entries: dict[Any, Any] = {}

    def get(self, key: Any, build: Callable[[], Any]) -> Any:
        current = self._version.current()
        if current != self._seen:
            self._entries = {}
            self._seen = current
        entries = self._entries
        try:
            return entries[key]
        except KeyError:
            pass
        value = build()
        if len(entries) >= self._max_entries:
            # Varying steps (queue positions) could grow it without end: start over.
            entries.clear()
        entries[key] = value
        return value
