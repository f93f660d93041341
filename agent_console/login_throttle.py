"""Slows down password guessing: after `MAX_FAILURES` failed logins for one email
from one address within `WINDOW_SECONDS`, further attempts are refused until the
window passes. Counted in Redis so every web process sees the same number."""

from __future__ import annotations

import hashlib

import redis

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60

# The window starts at the first failure; later failures don't extend it. One script
# so a crash between the two commands cannot leave a counter that never expires
# (and EXPIRE ... NX needs Redis 7, older servers are still common).
COUNT_FAILURE = """
local failures = redis.call('INCR', KEYS[1])
if failures == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return failures
"""


class LoginThrottle:
    def __init__(self, client: redis.Redis, *, max_failures: int = MAX_FAILURES,
                 window_seconds: int = WINDOW_SECONDS) -> None:
        self.client = client
        self._count_failure = client.register_script(COUNT_FAILURE)
        self.max_failures = max_failures
        self.window_seconds = window_seconds

    def _key(self, email: str, address: str) -> str:
        # Hashed so the key space reveals neither staff emails nor addresses.
        digest = hashlib.sha256(f"{email.lower()}|{address}".encode()).hexdigest()[:32]
        return f"console:login-failures:{digest}"

    def retry_after(self, email: str, address: str) -> int:
        """Seconds until another attempt is allowed; 0 when it is allowed now."""
        key = self._key(email, address)
        failures = int(self.client.get(key) or 0)
        if failures < self.max_failures:
            return 0
        return max(int(self.client.ttl(key)), 1)

    def failed(self, email: str, address: str) -> int:
        return int(self._count_failure(keys=[self._key(email, address)],
                                       args=[self.window_seconds]))

    def succeeded(self, email: str, address: str) -> None:
        self.client.delete(self._key(email, address))
